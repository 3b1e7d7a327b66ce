//! Solution documents as MISC solvers write them (misc-rules.md 4 and 7.7): `FAIL` on the first
//! line, or package stanzas of which only `package`, `version` and `installed` matter.

use crate::lex::{is_pkgname_byte, shorten, Cursor, Prop, StanzaReader};
use crate::model::{Document, PkgId, Version};
use crate::ParseError;

/// What a solver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The first non-blank line is `FAIL`: the solver claims there is no solution. The rest of
    /// the text (mccs and packup add a reason) is kept.
    Fail { reason: String },
    /// A claimed solution.
    Solution(Solution),
}

/// A (package, version) named in a solution that the problem's universe does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPackage {
    pub name: String,
    pub version: Version,
    pub line: u32,
}

/// A claimed solution, resolved against the problem's universe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// One flag per package of the problem: installed in the solution.
    pub installed: Vec<bool>,
    /// Stanzas marked installed whose (package, version) the universe lacks: libCUDF rejects
    /// the whole solution for them.
    pub unknown: Vec<UnknownPackage>,
    /// Packages listed more than once, with the line of the repeated stanza: libCUDF rejects
    /// the whole solution for them ("duplicate package").
    pub duplicates: Vec<(PkgId, u32)>,
    /// Stanzas without `installed: true`, ignored (libCUDF warns and ignores them too).
    pub not_installed_stanzas: usize,
}

/// Parses a solver's answer against the problem it answers.
pub fn parse_answer(text: &str, problem: &Document<'_>) -> Result<Answer, ParseError> {
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t == "FAIL" {
            let reason = text
                .split_once("FAIL")
                .map(|(_, rest)| rest.trim().to_string())
                .unwrap_or_default();
            return Ok(Answer::Fail { reason });
        }
        break;
    }
    let mut reader = StanzaReader::new(text);
    let mut props: Vec<Prop<'_>> = Vec::new();
    let mut solution = Solution {
        installed: vec![false; problem.packages.len()],
        unknown: Vec::new(),
        duplicates: Vec::new(),
        not_installed_stanzas: 0,
    };
    while reader.next_stanza(&mut props)? {
        let first = &props[0];
        match first.name {
            "package" => {}
            // A preamble or a request copied into the answer carries no installation.
            "preamble" | "request" => continue,
            other => {
                return Err(ParseError::new(
                    first.line,
                    1,
                    format!(
                        "a solution stanza starts with `package:`, found `{}:`",
                        shorten(other)
                    ),
                ))
            }
        }
        let mut name: Option<&str> = None;
        let mut version: Option<Version> = None;
        let mut installed: Option<bool> = None;
        for prop in &props {
            let dup = match prop.name {
                "package" => {
                    let t = prop.value.trim_end();
                    if t.is_empty() || !t.bytes().all(is_pkgname_byte) {
                        return Err(prop.error(
                            0,
                            format!("expected a package name, found `{}`", shorten(t)),
                        ));
                    }
                    name.replace(t).is_some()
                }
                "version" => {
                    let mut c = Cursor::new(&prop.value);
                    let v = c.posint().map_err(|(o, m)| prop.error(o, m))?;
                    c.skip_ws();
                    if !c.at_end() {
                        return Err(prop.error(
                            c.pos,
                            format!("expected the end of the version, {}", c.found()),
                        ));
                    }
                    version.replace(v).is_some()
                }
                "installed" => {
                    let v = match prop.value.trim() {
                        "true" => true,
                        "false" => false,
                        other => {
                            return Err(prop.error(
                                0,
                                format!("expected `true` or `false`, found `{}`", shorten(other)),
                            ))
                        }
                    };
                    installed.replace(v).is_some()
                }
                // Other properties (was-installed, depends, ...) are taken from the problem.
                _ => false,
            };
            if dup {
                return Err(ParseError::new(
                    prop.line,
                    1,
                    format!(
                        "duplicate property `{}` in this stanza (a missing blank line between stanzas?)",
                        prop.name
                    ),
                ));
            }
        }
        let (Some(name), Some(version)) = (name, version) else {
            return Err(ParseError::new(
                first.line,
                1,
                "a solution stanza needs `package:` and `version:`",
            ));
        };
        if installed != Some(true) {
            solution.not_installed_stanzas += 1;
            continue;
        }
        match problem
            .name_id(name)
            .and_then(|id| problem.find(id, version))
        {
            Some(pkg) => {
                if std::mem::replace(&mut solution.installed[pkg.index()], true) {
                    solution.duplicates.push((pkg, first.line));
                }
            }
            None => solution.unknown.push(UnknownPackage {
                name: name.to_string(),
                version,
                line: first.line,
            }),
        }
    }
    Ok(Answer::Solution(solution))
}
