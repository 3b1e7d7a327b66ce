//! Templating: the pages' minijinja templates, compiled once into an [`Templates`] value.
//!
//! The templates live in `crates/report/templates/` and are embedded in the binary
//! (`include_str!`), so the site never depends on files beside the executable. Undefined
//! variables are errors (strict mode), and the unit tests render every template, so a mistake
//! in a template fails `cargo test` rather than a competition's publication.
//!
//! Escaping has one path, [`escape_html`] (`& < > " '`), which minijinja calls through its two
//! hooks: the formatter (every `{{ value }}`) and the `escape`/`e` filter, replaced by one that
//! escapes the same way. Links are values like any other: the model builds them from safe page
//! names ([`crate::names`]), so escaping leaves them as they are. Only the plots' SVG, made by
//! [`crate::plot`] (whose labels go through [`escape_html`] too), is marked `|safe`.

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
    write_escaped(out, value).map_err(Error::from)
}

/// The `escape` (`e`) filter: the value escaped as the formatter would, marked safe (so that
/// escaping twice does not escape the `&` of the first). Replaces minijinja's, which escapes
/// differently (see [`escape_html`]).
fn escape_filter(value: &Value) -> Value {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_escaped(&mut out, value);
    Value::from_safe_string(out)
}

/// `none` and undefined as nothing, safe strings as they are, anything else escaped.
fn write_escaped<W: std::fmt::Write + ?Sized>(out: &mut W, value: &Value) -> std::fmt::Result {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    if value.is_safe() {
        if let Some(s) = value.as_str() {
            return out.write_str(s);
        }
    }
    match value.as_str() {
        Some(s) => escape_html(out, s),
        None => escape_html(out, &value.to_string()),
    }
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
        env.add_filter("escape", escape_filter);
        env.add_filter("e", escape_filter);
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

    #[test]
    fn the_escape_filter_escapes_as_the_formatter_does_and_only_once() {
        let mut env = Templates::new().unwrap().env;
        env.add_template("t.html", "{{ a }}|{{ a|e }}|{{ a|escape|e }}|{{ n|e }}")
            .unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { a => "<p class='x'>\"&\"/", n => Value::from(()) })
            .unwrap();
        let once = "&lt;p class=&#39;x&#39;&gt;&quot;&amp;&quot;/";
        assert_eq!(out, format!("{once}|{once}|{once}|"));
    }
}
