//! Templating: the pages' minijinja templates, compiled once into an [`Templates`] value.
//!
//! The templates live in `crates/report/templates/` and are embedded in the binary
//! (`include_str!`), so the site never depends on files beside the executable. Undefined
//! variables are errors (strict mode), and the unit tests render every template, so a mistake
//! in a template fails `cargo test` rather than a competition's publication. Values are
//! HTML-escaped (`& < > " '`); only the plots' SVG, made by [`crate::plot`], is inserted as is.

use minijinja::{Environment, Error, Output, State, UndefinedBehavior, Value};
use serde::Serialize;

/// Template names and sources.
const TEMPLATES: [(&str, &str); 7] = [
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("track.html", include_str!("../templates/track.html")),
    ("problem.html", include_str!("../templates/problem.html")),
    ("solver.html", include_str!("../templates/solver.html")),
    ("problems.html", include_str!("../templates/problems.html")),
];

/// Which page to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// `index.html` ([`crate::model::IndexPage`]).
    Index,
    /// `tracks/<track>.html` ([`crate::model::TrackPage`]).
    Track,
    /// `problems/<problem>.html` ([`crate::model::ProblemPage`]).
    Problem,
    /// `solvers/<solver>.html` ([`crate::model::SolverPage`]).
    Solver,
    /// `problems.html` ([`crate::model::ProblemListPage`]).
    ProblemList,
}

impl PageKind {
    /// The template that renders this kind of page.
    pub fn template(self) -> &'static str {
        match self {
            PageKind::Index => "index.html",
            PageKind::Track => "track.html",
            PageKind::Problem => "problem.html",
            PageKind::Solver => "solver.html",
            PageKind::ProblemList => "problems.html",
        }
    }
}

/// HTML-escapes `& < > " '` (as `&amp; &lt; &gt; &quot; &#39;`): the one escaper of the site,
/// for the templates' values and the plots' SVG labels ([`crate::plot`]).
///
/// Not minijinja's `HtmlEscape`: it also escapes `/` (links would read
/// `href="tracks&#x2f;paranoid.html"`) and writes `'` as `&#x27;`, which changes every page's
/// bytes and the links that organisers, scripts and tests read.
pub(crate) fn escape_html<W: std::fmt::Write + ?Sized>(out: &mut W, s: &str) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.write_str(&s[last..i])?;
        out.write_str(rep)?;
        last = i + 1;
    }
    out.write_str(&s[last..])
}

/// Prints `none` as nothing and escapes everything that is not marked safe.
fn formatter(out: &mut Output, _state: &State, value: &Value) -> Result<(), Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    if value.is_safe() {
        if let Some(s) = value.as_str() {
            return out.write_str(s).map_err(Error::from);
        }
    }
    match value.as_str() {
        Some(s) => escape_html(out, s),
        None => escape_html(out, &value.to_string()),
    }
    .map_err(Error::from)
}

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Compiles every template.
    pub fn new() -> Result<Templates, Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(formatter);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Templates { env })
    }

    /// Renders one page from its prepared data (one of the page types of [`crate::model`]).
    pub fn render<T: Serialize>(&self, kind: PageKind, data: &T) -> Result<String, Error> {
        self.env
            .get_template(kind.template())?
            .render(Value::from_serialize(data))
    }
}

/// Renders one page with freshly compiled templates (convenient for one-off pages and tests;
/// [`Templates`] compiles once for a whole site).
pub fn render_page<T: Serialize>(kind: PageKind, data: &T) -> Result<String, Error> {
    Templates::new()?.render(kind, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        Templates::new().unwrap();
    }

    #[test]
    fn values_are_escaped_and_none_is_empty() {
        let mut env = Environment::new();
        env.set_formatter(formatter);
        env.add_template("t.html", "{{ a }}|{{ b }}|{{ c|safe }}|{{ d }}")
            .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! {
                a => "<a href='x'>&</a>", b => Value::from(()), c => "<b>", d => "a/b"
            })
            .unwrap();
        assert_eq!(out, "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;||<b>|a/b");
    }
}
