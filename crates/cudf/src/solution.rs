//! Solution documents as MISC solvers write them (misc-rules.md 4 and 7.7): `FAIL` on the first
//! line, or package stanzas of which only `package`, `version` and `installed` matter.

use crate::lex::{is_pkgname_byte, shorten, Prop, StanzaReader};
use crate::model::{Document, PkgId, PropType, Version};
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
    /// Stanzas whose (package, version) the universe lacks, installed or not: libCUDF rejects
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
    let mut listed = vec![false; problem.packages.len()];
    let mut declared: Vec<crate::PropDecl> = Vec::new();
    while reader.next_stanza(&mut props)? {
        let first = &props[0];
        match first.name {
            "package" => {}
            // mccs copies the problem's preamble into its answers: like libCUDF, which reads an
            // answer as a CUDF document of its own, the properties it declares may then appear
            // in the answer's stanzas.
            "preamble" => {
                declared = answer_preamble(&props)?;
                continue;
            }
            // A request copied into the answer carries no installation.
            "request" => continue,
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
        for (i, prop) in props.iter().enumerate() {
            if props[..i].iter().any(|p| p.name == prop.name) {
                return Err(ParseError::new(
                    prop.line,
                    1,
                    format!(
                        "duplicate property `{}` in this stanza (a missing blank line between stanzas?)",
                        prop.name
                    ),
                ));
            }
            match prop.name {
                "package" => {
                    let t = prop.value.trim_end();
                    if t.is_empty() || !t.bytes().all(is_pkgname_byte) {
                        return Err(prop.error(
                            0,
                            format!("expected a package name, found `{}`", shorten(t)),
                        ));
                    }
                    name = Some(t);
                }
                "version" => {
                    let v = crate::vpkg::version_value(&prop.value)
                        .map_err(|e| prop.error(e.offset, e.to_string()))?;
                    version = Some(v);
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
                    installed = Some(v);
                }
                // The other core properties are type-checked and then ignored: the problem's
                // values count (libCUDF copies them from the universe).
                "was-installed" => check_core(prop, &PropType::Bool)?,
                "depends" => check_core(prop, &PropType::Vpkgformula)?,
                "conflicts" => check_core(prop, &PropType::Vpkglist)?,
                "provides" => check_core(prop, &PropType::Veqpkglist)?,
                "keep" => check_core(
                    prop,
                    &PropType::Enum(
                        ["version", "package", "feature", "none"]
                            .map(String::from)
                            .to_vec(),
                    ),
                )?,
                other => {
                    if let Some(decl) = declared.iter().find(|d| d.name == other) {
                        check_core(prop, &decl.ty)?;
                        continue;
                    }
                    return Err(ParseError::new(
                        prop.line,
                        1,
                        format!(
                            "unexpected property `{}` in a solution stanza: a solution lists packages with `package`, `version` and `installed` (libCUDF also accepts the other core properties, and nothing else)",
                            shorten(other)
                        ),
                    ));
                }
            }
        }
        let (Some(name), Some(version)) = (name, version) else {
            return Err(ParseError::new(
                first.line,
                1,
                "a solution stanza needs `package:` and `version:`",
            ));
        };
        // Like libCUDF, an unknown or repeated (package, version) spoils the answer even in a
        // stanza that is not marked installed.
        // Only names of packages matter here: the cheap lookup never reads the universe's
        // `provides` to learn the names of features.
        match problem
            .name_id_read_so_far(name)
            .and_then(|id| problem.find(id, version))
        {
            Some(pkg) => {
                if std::mem::replace(&mut listed[pkg.index()], true) {
                    solution.duplicates.push((pkg, first.line));
                }
                if installed == Some(true) {
                    solution.installed[pkg.index()] = true;
                } else {
                    solution.not_installed_stanzas += 1;
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

/// Type-checks a core property of a solution stanza; never a duplicate by itself.
fn check_core(prop: &Prop<'_>, ty: &PropType) -> Result<(), ParseError> {
    let value: &str = &prop.value;
    crate::check_value(ty, value.trim_end()).map_err(|e| prop.error(e.offset, e.to_string()))
}

/// The property declarations of a `preamble:` stanza found in an answer.
fn answer_preamble(props: &[Prop<'_>]) -> Result<Vec<crate::PropDecl>, ParseError> {
    let mut text = String::from("preamble: \n");
    for prop in props.iter().filter(|p| p.name == "property") {
        text.push_str("property: ");
        text.push_str(&prop.value);
        text.push('\n');
    }
    let line = props.first().map_or(1, |p| p.line);
    crate::parse(&text)
        .map(|doc| doc.properties)
        .map_err(|e| ParseError::new(line + e.line - 1, e.column, e.message))
}
