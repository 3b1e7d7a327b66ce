//! The static results site of a round: HTML pages, SVG plots, CSV and JSON downloads.
//!
//! [`render_site`] writes, from a round's [`Manifest`], its [`RunRecord`]s and the [`Scores`]
//! computed from them (nothing else), a folder that works offline and from any web server:
//!
//! ```text
//! index.html              the round (date, limits, machine, rules, tie-break, harness version),
//!                         one podium per track, every solver, links to everything
//! tracks/<track>.html     ranking, the MISC table of `score (time)` per category, the note when
//!                         the tie-break decided the winner, cactus / by-category / scatter plots,
//!                         every problem
//! problems.html           every problem
//! problems/<problem>.html every solver's outcome, criteria vector, points, CPU and wall time,
//!                         peak memory, termination, the checker's explanation of wrong answers,
//!                         links to the kept outputs
//! solvers/<solver>.html   results across tracks and categories, slowest and failed runs, scatter
//!                         plots against the track's winner (or runner-up)
//! results.csv             one row per run (export::CSV_COLUMNS)
//! results.json            {"format": 1, "manifest", "records", "scores"}
//! results/…               copies of the kept outputs and solver logs (`.stdout`, `.stderr`),
//!                         at the same path as in ROUND/results/
//! ```
//!
//! # Pages
//!
//! No resource is loaded from the network: the CSS (system fonts, light and dark via
//! `prefers-color-scheme`) and a few lines of script that make tables sortable are inline, and
//! the plots are inline SVG with `role="img"`, an `aria-label` and a `<title>`. Without script,
//! tables are plain tables. Every table has `<th scope>` headers and scrolls sideways on a
//! phone. Outcomes are coloured *and* labelled.
//!
//! Page file names are derived from names by [`names::page_names`]: readable, safe for any file
//! system, unique. Problem names contain slashes (`problems/small/p1.cudf.xz` becomes
//! `problems/small__p1.cudf.xz.html`).
//!
//! # Kept outputs
//!
//! A record's `output` is a path relative to the round's `results/` folder. When
//! `outputs_dir` (that folder) is given and the file exists, it is copied to
//! `results/<same path>` inside the site and linked from the problem and solver pages; the
//! site then stands alone. Outputs that are missing, or whose path would leave the folder
//! (`..`, absolute), are shown as "not kept". The solver's kept stdout and stderr (a record's
//! `logs`) are copied and linked the same way, and a problem page shows the last lines of each
//! run's stderr ([`model::LOG_LINES`]), so that an organiser sees why a solver failed.
//!
//! # Layers
//!
//! [`model::prepare`] turns the inputs into one plain value per page (pure; it calls the pure
//! plot functions of [`plot`]); [`render::Templates`] lays those values out with minijinja
//! templates compiled once and checked by the tests; [`render_site`] is the only function that
//! touches the file system. [`synthetic`] makes rounds for tests, benchmarks and the demo.
#![warn(missing_docs)]

pub mod export;
pub mod fmt;
pub mod model;
pub mod names;
pub mod plot;
pub mod render;
pub mod synthetic;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub use misc_results::{Manifest, RunRecord};
pub use misc_score::Scores;
pub use model::{prepare, Site};
pub use plot::{cactus_svg, category_bars_svg, scatter_svg};
pub use render::{render_page, PageKind, Templates};

/// Why the site could not be written. Run outcomes are never errors.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or folder of the site could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A page template failed to compile or render.
    #[error("template {template}: {source}")]
    Template {
        /// The template's file name, e.g. `track.html`.
        template: &'static str,
        /// minijinja's error (with the template line).
        #[source]
        source: minijinja::Error,
    },
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] plot::PlotError),
    /// A thread of the report panicked while doing what is named (a bug of misc).
    #[error("internal error while {0}")]
    Panicked(&'static str),
    /// `results.csv` could not be written.
    #[error("{path}: {source}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The CSV writer's error.
        #[source]
        source: csv::Error,
    },
    /// `results.json` could not be written.
    #[error("{path}: {source}")]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What [`render_site`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSummary {
    /// The site's `index.html`.
    pub index: PathBuf,
    /// HTML pages written.
    pub pages: usize,
    /// Kept outputs and solver logs copied into the site.
    pub outputs_copied: usize,
    /// Records naming a kept output that could not be found or linked safely.
    pub outputs_missing: usize,
    /// Stale pages of an earlier report removed.
    pub stale_removed: usize,
}

/// The file that marks a folder as a site written by [`render_site`]; only then are stale
/// pages of an earlier report removed from its `tracks/`, `problems/` and `solvers/`.
pub const MARKER_FILE: &str = ".misc-report";

const PAGE_DIRS: [&str; 3] = ["tracks", "problems", "solvers"];

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    fs::write(path, bytes).map_err(io_err(path))
}

/// Writes `results.csv` and `results.json`.
fn write_exports(
    manifest: &Manifest,
    records: &[RunRecord],
    scores: &Scores,
    out: &Path,
) -> Result<(), ReportError> {
    let csv_path = out.join(model::CSV_FILE);
    let file = File::create(&csv_path).map_err(io_err(&csv_path))?;
    export::write_csv(BufWriter::new(file), records, scores).map_err(|source| {
        ReportError::Csv {
            path: csv_path.clone(),
            source,
        }
    })?;
    let json_path = out.join(model::JSON_FILE);
    let file = File::create(&json_path).map_err(io_err(&json_path))?;
    let mut w = BufWriter::new(file);
    export::write_json(&mut w, manifest, records, scores).map_err(|source| ReportError::Json {
        path: json_path.clone(),
        source,
    })?;
    w.flush().map_err(io_err(&json_path))?;

    Ok(())
}

/// The round's results folder, where kept outputs and logs are read.
struct ResultsDir<'a>(Option<&'a Path>);

impl model::KeptFiles for ResultsDir<'_> {
    fn exists(&self, rel: &str) -> bool {
        self.0.is_some_and(|dir| dir.join(rel).is_file())
    }

    fn tail(&self, rel: &str) -> Option<String> {
        let bytes = fs::read(self.0?.join(rel)).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Writes the site for a round into `out` (created if needed); see the crate documentation.
/// `outputs_dir` is the round's `results/` folder, to copy the kept outputs from.
pub fn render_site(
    manifest: &Manifest,
    records: &[RunRecord],
    scores: &Scores,
    outputs_dir: Option<&Path>,
    out: &Path,
) -> Result<SiteSummary, ReportError> {
    let kept = ResultsDir(outputs_dir);
    let site = model::prepare(manifest, records, scores, &kept)?;
    let templates = Templates::new().map_err(|source| ReportError::Template {
        template: "(compiling)",
        source,
    })?;

    let was_ours = out.join(MARKER_FILE).is_file();
    for dir in std::iter::once(out.to_owned()).chain(PAGE_DIRS.iter().map(|d| out.join(d))) {
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    }
    write_file(
        &out.join(MARKER_FILE),
        b"written by `misc report`; pages in tracks/, problems/ and solvers/ are replaced\n",
    )?;

    // The downloads are written on a second thread while the pages render.
    std::thread::scope(|scope| {
        let exports = scope.spawn(|| write_exports(manifest, records, scores, out));
        let pages = write_pages(&site, &templates, out);
        let exports = exports
            .join()
            .unwrap_or(Err(ReportError::Panicked("writing the downloads")));
        pages.and_then(|written| exports.map(|()| written))
    })
    .and_then(|written| finish(&site, written, was_ours, records, outputs_dir, out))
}

/// Renders and writes every page; returns their paths.
fn write_pages(
    site: &Site,
    templates: &Templates,
    out: &Path,
) -> Result<std::collections::HashSet<PathBuf>, ReportError> {
    let mut written: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut render = |kind: PageKind, file: &str, html: Result<String, minijinja::Error>| {
        let html = html.map_err(|source| ReportError::Template {
            template: kind.template(),
            source,
        })?;
        let path = out.join(file);
        write_file(&path, html.as_bytes())?;
        written.insert(path);
        Ok::<(), ReportError>(())
    };
    render(
        PageKind::Index,
        "index.html",
        templates.render(PageKind::Index, &site.index),
    )?;
    render(
        PageKind::ProblemList,
        model::PROBLEM_LIST_FILE,
        templates.render(PageKind::ProblemList, &site.problem_list),
    )?;
    for p in &site.tracks {
        render(
            PageKind::Track,
            &p.file,
            templates.render(PageKind::Track, &p.data),
        )?;
    }
    for p in &site.problems {
        render(
            PageKind::Problem,
            &p.file,
            templates.render(PageKind::Problem, &p.data),
        )?;
    }
    for p in &site.solvers {
        render(
            PageKind::Solver,
            &p.file,
            templates.render(PageKind::Solver, &p.data),
        )?;
    }

    Ok(written)
}

/// Removes stale pages and copies the kept outputs.
fn finish(
    site: &Site,
    written: std::collections::HashSet<PathBuf>,
    was_ours: bool,
    records: &[RunRecord],
    outputs_dir: Option<&Path>,
    out: &Path,
) -> Result<SiteSummary, ReportError> {
    let mut stale_removed = 0;
    if was_ours {
        for dir in PAGE_DIRS.iter().map(|d| out.join(d)) {
            for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
                let path = entry.map_err(io_err(&dir))?.path();
                if path.extension().is_some_and(|e| e == "html") && !written.contains(&path) {
                    fs::remove_file(&path).map_err(io_err(&path))?;
                    stale_removed += 1;
                }
            }
        }
    }

    let mut outputs_copied = 0;
    if let Some(dir) = outputs_dir {
        for c in &site.outputs {
            let to = out.join(&c.to);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(io_err(parent))?;
            }
            let from = dir.join(&c.from);
            fs::copy(&from, &to).map_err(io_err(&from))?;
            outputs_copied += 1;
        }
    }
    let copied: std::collections::HashSet<&str> = match outputs_dir {
        Some(_) => site.outputs.iter().map(|c| c.from.as_str()).collect(),
        None => Default::default(),
    };
    let outputs_missing = records
        .iter()
        .filter_map(|r| r.output.as_deref())
        .filter(|rel| !copied.contains(rel))
        .count();

    Ok(SiteSummary {
        index: out.join("index.html"),
        pages: written.len(),
        outputs_copied,
        outputs_missing,
        stale_removed,
    })
}
