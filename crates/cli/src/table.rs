//! The one table printer of `misc` (score rankings, the summary of `misc run`): columns as wide
//! as their widest cell, two spaces apart, each left- or right-aligned, rows optionally styled.
//!
//! Styles are [`anstyle`] styles, written only when standard output shows colours
//! ([`colors_on_stdout`]: a terminal, and neither `NO_COLOR` nor `CLICOLOR=0` set, as
//! [`anstream`] decides).

use std::io::{self, Write};

pub use anstyle::Style;

/// Headers and totals.
pub const BOLD: Style = Style::new().bold();
/// The winner's row.
pub const WINNER: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Green)));

/// Whether colours go to standard output: a terminal that is not asked to do without
/// (`NO_COLOR`, `CLICOLOR=0`), or `CLICOLOR_FORCE` set.
pub fn colors_on_stdout() -> bool {
    anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never
}

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Rows of cells, printed aligned.
#[derive(Debug, Clone, Default)]
pub struct Table {
    aligns: Vec<Align>,
    indent: usize,
    rows: Vec<(Vec<String>, Style)>,
}

impl Table {
    /// A table whose columns are aligned as given (columns beyond the list: right).
    pub fn new(aligns: &[Align]) -> Table {
        Table {
            aligns: aligns.to_vec(),
            indent: 0,
            rows: Vec::new(),
        }
    }

    /// Indents every line by `n` spaces.
    pub fn indent(mut self, n: usize) -> Table {
        self.indent = n;
        self
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>, style: Style) {
        self.rows.push((cells, style));
    }

    /// The lines of the table, without styles and without trailing spaces.
    pub fn lines(&self) -> Vec<String> {
        let cols = self.rows.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|(r, _)| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let pad = " ".repeat(self.indent);
        self.rows
            .iter()
            .map(|(r, _)| {
                let cells: Vec<String> = r
                    .iter()
                    .enumerate()
                    .map(
                        |(c, s)| match self.aligns.get(c).copied().unwrap_or(Align::Right) {
                            Align::Left => format!("{s:<w$}", w = widths[c]),
                            Align::Right => format!("{s:>w$}", w = widths[c]),
                        },
                    )
                    .collect();
                format!("{pad}{}", cells.join("  ")).trim_end().to_owned()
            })
            .collect()
    }

    /// Writes the table, with its row styles if `color`.
    pub fn write(&self, out: &mut impl Write, color: bool) -> io::Result<()> {
        for (line, (_, style)) in self.lines().iter().zip(&self.rows) {
            if color && *style != Style::new() {
                writeln!(out, "{style}{line}{style:#}")?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_styles_only_with_color() {
        let mut t = Table::new(&[Align::Left, Align::Right]).indent(1);
        t.row(vec!["solver".into(), "score".into()], BOLD);
        t.row(vec!["a".into(), "12".into()], Style::new());
        assert_eq!(t.lines(), [" solver  score", " a          12"]);
        let mut plain = Vec::new();
        t.write(&mut plain, false).unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            " solver  score\n a          12\n"
        );
        let mut colored = Vec::new();
        t.write(&mut colored, true).unwrap();
        let colored = String::from_utf8(colored).unwrap();
        assert!(
            colored.starts_with("\x1b[1m solver  score\x1b[0m\n"),
            "{colored:?}"
        );
        assert!(colored.ends_with(" a          12\n"));
    }
}
