//! SVG plots with plotters: cactus, score by category, and a two-solver scatter.
//!
//! Every function is pure: plain numbers in, an SVG document out, ready to be inlined in a page.
//! [`accessible`] gives the document `role="img"`, an `aria-label` and a `<title>`, and makes it
//! scale with the page. Series are told apart by colour (the Okabe–Ito palette, readable by
//! colour-blind readers) *and* by marker shape, with a legend.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Pixel size of every plot (the page scales it).
pub const SIZE: (u32, u32) = (760, 420);

/// One named series of values (a solver's).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend's label: the solver's name.
    pub name: String,
    /// The values: CPU seconds (cactus plot) or points per category (bars).
    pub values: Vec<f64>,
}

/// A plot that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("plot `{title}`: {message}")]
pub struct PlotError {
    /// The plot's title.
    pub title: String,
    /// What plotters said went wrong.
    pub message: String,
}

fn plot_err<E: std::fmt::Debug>(title: &str) -> impl FnOnce(E) -> PlotError + '_ {
    move |e| PlotError {
        title: title.to_owned(),
        message: format!("{e:?}"),
    }
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(150, 150, 60),
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Draws marker `i` (circle, triangle, square, cross, in turn) at `pos`.
fn marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    i: usize,
    pos: (i32, i32),
    style: ShapeStyle,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x, y) = pos;
    match (i / PALETTE.len() + i) % 4 {
        0 => area.draw(&Circle::new(pos, 3, style)),
        1 => area.draw(&Polygon::new(
            vec![(x, y - 4), (x - 4, y + 3), (x + 4, y + 3)],
            style,
        )),
        2 => area.draw(&Rectangle::new([(x - 3, y - 3), (x + 3, y + 3)], style)),
        _ => {
            area.draw(&PathElement::new(
                vec![(x - 4, y - 4), (x + 4, y + 4)],
                style,
            ))?;
            area.draw(&PathElement::new(
                vec![(x - 4, y + 4), (x + 4, y - 4)],
                style,
            ))
        }
    }
}

fn font() -> (&'static str, u32) {
    ("sans-serif", 19)
}

/// Lower bound of the logarithmic time axes.
const MIN_TIME: f64 = 0.01;

/// A cactus plot: for each solver, its CPU times on the problems it solved, sorted; the n-th
/// point is (n, time of its n-th fastest solution). Further right means more problems solved,
/// lower means faster. Times are on a logarithmic axis from 0.01 s to `limit`.
pub fn cactus_svg(title: &str, series: &[Series], limit: f64) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(title))?;
        let max_n = series
            .iter()
            .map(|s| s.values.len())
            .max()
            .unwrap_or(0)
            .max(1);
        let top = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(limit.max(1.0), f64::max);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, font())
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(
                0f64..(max_n as f64 + 0.5),
                (MIN_TIME..top * 1.2).log_scale(),
            )
            .map_err(plot_err(title))?;
        chart
            .configure_mesh()
            .x_desc("problems solved")
            .y_desc("CPU time (s)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v}"))
            .label_style(("sans-serif", 15))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(plot_err(title))?;
        for (i, s) in series.iter().enumerate() {
            let mut times: Vec<f64> = s.values.iter().map(|t| t.max(MIN_TIME)).collect();
            times.sort_by(f64::total_cmp);
            let points: Vec<(f64, f64)> = times
                .iter()
                .enumerate()
                .map(|(n, &t)| ((n + 1) as f64, t))
                .collect();
            let c = colour(i);
            let idx = i;
            chart
                .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))
                .map_err(plot_err(title))?
                .label(format!("{} ({})", s.name, times.len()))
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(-8, 0), (8, 0)], c.stroke_width(2))
                        + Circle::new((0, 0), 3, marker_style(idx))
                });
            // Markers, thinned out on long series.
            let step = (points.len() / 40).max(1);
            let area = chart.plotting_area().strip_coord_spec();
            for p in points.iter().step_by(step) {
                let pos = chart.backend_coord(p);
                let (dx, dy) = area.get_base_pixel();
                marker(&area, i, (pos.0 - dx, pos.1 - dy), marker_style(i))
                    .map_err(plot_err(title))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(plot_err(title))?;
        root.present().map_err(plot_err(title))?;
    }
    Ok(svg)
}

fn marker_style(i: usize) -> ShapeStyle {
    colour(i).filled()
}

/// Grouped bars: per category, one bar per solver with its score (lower is better).
/// `series[s].values[c]` is solver `s`'s score on category `c`.
pub fn category_bars_svg(
    title: &str,
    categories: &[String],
    series: &[Series],
) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(title))?;
        let n_cat = categories.len().max(1);
        let top = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(1.0, f64::max);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, font())
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..n_cat as f64, 0f64..top * 1.4)
            .map_err(plot_err(title))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc("category")
            .y_desc("score (lower is better)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(("sans-serif", 15))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(plot_err(title))?;
        let n_s = series.len().max(1) as f64;
        let width = 0.8 / n_s;
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            let bars = s.values.iter().enumerate().map(move |(cat, &v)| {
                let x0 = cat as f64 + 0.1 + i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.92, v)], c.filled())
            });
            chart
                .draw_series(bars)
                .map_err(plot_err(title))?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x - 6, y - 5), (x + 6, y + 5)], c.filled()));
        }
        // Category names under the middle of their group.
        for (cat, name) in categories.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(cat as f64 + 0.5, 0.0));
            let style = TextStyle::from(("sans-serif", 15).into_font()).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Top,
                ),
            );
            root.draw(&Text::new(name.clone(), (px, py + 6), style))
                .map_err(plot_err(title))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(plot_err(title))?;
        root.present().map_err(plot_err(title))?;
    }
    Ok(svg)
}

/// One problem in a scatter plot: the two solvers' CPU times and whether each solved it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// The horizontal solver's CPU seconds on the problem.
    pub x: f64,
    /// The vertical solver's CPU seconds on the problem.
    pub y: f64,
    /// Whether the horizontal solver gave a valid solution.
    pub x_solved: bool,
    /// Whether the vertical solver gave a valid solution.
    pub y_solved: bool,
}

/// A scatter of two solvers' CPU times on the same problems, log-log, with the diagonal.
/// A problem that a solver did not solve is placed at `limit` on its axis. Problems both solved
/// are filled circles; the others are crosses.
pub fn scatter_svg(
    title: &str,
    x_name: &str,
    y_name: &str,
    pairs: &[Pair],
    limit: f64,
) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err(title))?;
        let top = pairs
            .iter()
            .flat_map(|p| [p.x, p.y])
            .fold(limit.max(1.0), f64::max)
            * 1.2;
        let at = |t: f64, solved: bool| {
            if solved {
                t.max(MIN_TIME)
            } else {
                limit.max(MIN_TIME)
            }
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(title, font())
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d((MIN_TIME..top).log_scale(), (MIN_TIME..top).log_scale())
            .map_err(plot_err(title))?;
        chart
            .configure_mesh()
            .x_desc(format!("{x_name}: CPU time (s)"))
            .y_desc(format!("{y_name}: CPU time (s)"))
            .x_label_formatter(&|v| format!("{v}"))
            .y_label_formatter(&|v| format!("{v}"))
            .label_style(("sans-serif", 15))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(plot_err(title))?;
        chart
            .draw_series(LineSeries::new(
                [(MIN_TIME, MIN_TIME), (top, top)],
                RGBColor(150, 150, 150).stroke_width(1),
            ))
            .map_err(plot_err(title))?;
        let both = pairs.iter().filter(|p| p.x_solved && p.y_solved);
        chart
            .draw_series(both.map(|p| {
                Circle::new(
                    (at(p.x, true), at(p.y, true)),
                    3,
                    colour(0).mix(0.7).filled(),
                )
            }))
            .map_err(plot_err(title))?
            .label("both solved")
            .legend(|(x, y)| Circle::new((x, y), 3, colour(0).filled()));
        let other = pairs.iter().filter(|p| !(p.x_solved && p.y_solved));
        chart
            .draw_series(other.map(|p| {
                Cross::new(
                    (at(p.x, p.x_solved), at(p.y, p.y_solved)),
                    4,
                    colour(1).stroke_width(2),
                )
            }))
            .map_err(plot_err(title))?
            .label("not solved by one or both (placed at the limit)")
            .legend(|(x, y)| Cross::new((x, y), 4, colour(1).stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(plot_err(title))?;
        root.present().map_err(plot_err(title))?;
    }
    Ok(svg)
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = crate::render::escape_html(&mut out, s);
    out
}

/// Makes a plotters SVG document fit for inlining: replaces its opening tag by one with the
/// same `viewBox`, `role="img"`, `aria-label` = `label` and no fixed size (the page's CSS sizes
/// it), drops the XML namespace (HTML implies it), and adds a `<title>`.
pub fn accessible(svg: &str, label: &str) -> String {
    let (open, rest) = match svg.find('>') {
        Some(end) if svg.starts_with("<svg") => (&svg[..end], &svg[end + 1..]),
        _ => return svg.to_owned(),
    };
    let view_box = open
        .split("viewBox=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or("0 0 760 420");
    let label = escape_xml(label);
    let mut out = String::with_capacity(svg.len() + 2 * label.len() + 100);
    out.push_str("<svg viewBox=\"");
    out.push_str(&escape_xml(view_box));
    out.push_str("\" role=\"img\" aria-label=\"");
    out.push_str(&label);
    out.push_str("\" class=\"plot\" focusable=\"false\"><title>");
    out.push_str(&label);
    out.push_str("</title>");
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Vec<Series> {
        vec![
            Series {
                name: "a<b>".into(),
                values: vec![0.0, 1.0, 2.5, 300.0],
            },
            Series {
                name: "c".into(),
                values: vec![],
            },
        ]
    }

    #[test]
    fn cactus_is_an_accessible_svg() {
        let svg = cactus_svg("track t", &series(), 300.0).unwrap();
        let svg = accessible(&svg, "cactus of \"t\"");
        assert!(svg.starts_with("<svg viewBox=\"0 0 760 420\" role=\"img\""));
        assert!(svg.contains("<title>cactus of &quot;t&quot;</title>"));
        assert!(svg.contains("a&lt;b&gt; (4)"));
        assert!(!svg.contains("http://"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn empty_inputs_still_draw() {
        assert!(cactus_svg("t", &[], 300.0).is_ok());
        assert!(category_bars_svg("t", &[], &[]).is_ok());
        assert!(scatter_svg("t", "a", "b", &[], 300.0).is_ok());
    }

    #[test]
    fn bars_and_scatter_draw_every_item() {
        let cats = vec!["small".to_owned(), "big".to_owned()];
        let s = vec![
            Series {
                name: "x".into(),
                values: vec![3.0, 4.0],
            },
            Series {
                name: "y".into(),
                values: vec![5.0, 1.0],
            },
        ];
        let svg = category_bars_svg("t", &cats, &s).unwrap();
        assert!(svg.contains("\nsmall\n") && svg.contains("\nbig\n"));
        let pairs = [
            Pair {
                x: 1.0,
                y: 2.0,
                x_solved: true,
                y_solved: true,
            },
            Pair {
                x: 1.0,
                y: 300.0,
                x_solved: true,
                y_solved: false,
            },
        ];
        let svg = scatter_svg("t", "x", "y", &pairs, 300.0).unwrap();
        assert!(svg.contains("<circle"));
    }
}
