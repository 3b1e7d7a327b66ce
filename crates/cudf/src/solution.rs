//! Solution documents as MISC solvers write them (misc-rules.md 4 and 7.7): `FAIL` on the first
//! line, or package stanzas of which only `package`, `version` and `installed` matter.

use crate::lex::{is_pkgname_byte, shorten, ExactReader, Prop, StanzaReader, REJECTED};
use crate::model::{Document, PkgId, PropType, Version};
use crate::ParseError;

/// What a solver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The first non-blank line is `FAIL`: the solver claims there is no solution. The rest of
    /// the text (mccs and packup add a reason) is kept.
    Fail {
        /// Everything after `FAIL`, trimmed (empty when the solver gave no reason).
        reason: String,
    },
    /// A claimed solution.
    Solution(Solution),
}

/// A (package, version) named in a solution that the problem's universe does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPackage {
    /// The package name as the solution writes it.
    pub name: String,
    /// The version as the solution writes it.
    pub version: Version,
    /// The line of the stanza's `package:` property in the solution.
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

/// How an answer's text is read: a vocabulary word (`exact`, `lenient` in manifests), defined
/// in misc-vocab.
pub use misc_vocab::AnswerReading;

/// Parses a solver's answer against the problem it answers, exactly as libCUDF reads it
/// ([`AnswerReading::Exact`]).
pub fn parse_answer(text: &str, problem: &Document<'_>) -> Result<Answer, ParseError> {
    parse_answer_with(text, problem, AnswerReading::Exact)
}

/// Parses an answer given as bytes. libCUDF reads bytes, so in the exact reading bytes that are
/// not UTF-8 are an error only where libCUDF rejects them (in a property value, not in a
/// comment); the lenient reading wants UTF-8 throughout.
pub fn parse_answer_bytes(
    bytes: &[u8],
    problem: &Document<'_>,
    reading: AnswerReading,
) -> Result<Answer, ParseError> {
    match (crate::check_utf8(bytes), reading) {
        (Ok(text), _) => parse_answer_with(text, problem, reading),
        (Err(e), AnswerReading::Lenient) => Err(e),
        (Err(_), AnswerReading::Exact) => {
            // Each bad byte becomes U+FFFD, which no typed value accepts: lines and the
            // verdict stay as libCUDF's.
            let text = String::from_utf8_lossy(bytes);
            parse_answer_with(&text, problem, reading)
        }
    }
}

/// Parses a solver's answer against the problem it answers, read as `reading` says.
pub fn parse_answer_with(
    text: &str,
    problem: &Document<'_>,
    reading: AnswerReading,
) -> Result<Answer, ParseError> {
    let exact = reading == AnswerReading::Exact;
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
    let mut reader = Reader::new(text, reading);
    let mut props: Vec<Prop<'_>> = Vec::new();
    let mut stanzas = 0;
    let mut solution = Solution {
        installed: vec![false; problem.packages.len()],
        unknown: Vec::new(),
        duplicates: Vec::new(),
        not_installed_stanzas: 0,
    };
    let mut listed = vec![false; problem.packages.len()];
    let mut declared: Vec<crate::PropDecl> = Vec::new();
    let mut after_request: Option<u32> = None;
    while reader.next_stanza(&mut props)? {
        stanzas += 1;
        let first = &props[0];
        if let (true, Some(line)) = (exact, after_request) {
            return Err(ParseError::new(
                first.line,
                1,
                format!(
                    "a stanza after the `request:` stanza of line {line}, which ends a CUDF document: {REJECTED}"
                ),
            ));
        }
        match first.name {
            "package" => {}
            // mccs copies the problem's preamble into its answers: like libCUDF, which reads an
            // answer as a CUDF document of its own, the properties it declares may then appear
            // in the answer's stanzas.
            "preamble" => {
                if exact && stanzas > 1 {
                    return Err(ParseError::new(
                        first.line,
                        1,
                        format!("a `preamble:` stanza that is not the first one: {REJECTED}"),
                    ));
                }
                declared = answer_preamble(&props, reading)?;
                continue;
            }
            // A request copied into the answer carries no installation; libCUDF ends the
            // document there (and fails on a request before any package stanza).
            "request" => {
                if exact {
                    if stanzas == 1 {
                        return Err(ParseError::new(
                            first.line,
                            1,
                            format!(
                                "a `request:` stanza before the packages (cudf-check 0.9 fails on an assertion): {REJECTED}"
                            ),
                        ));
                    }
                    check_request(&props)?;
                    after_request = Some(first.line);
                }
                continue;
            }
            other => {
                return Err(ParseError::new(
                    first.line,
                    1,
                    format!(
                        "a solution stanza starts with `package:`, found `{}:`{}",
                        shorten(other),
                        if exact {
                            format!(": {REJECTED}")
                        } else {
                            String::new()
                        }
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
            if exact {
                if let Some(ty) = core_type(prop.name)
                    .or_else(|| declared.iter().find(|d| d.name == prop.name).map(|d| &d.ty))
                {
                    check_exact(prop, ty)?;
                }
            }
            match prop.name {
                "package" => {
                    let t = if exact {
                        prop.value.trim_matches([' ', '\t'])
                    } else {
                        prop.value.trim_end()
                    };
                    if t.is_empty() || !t.bytes().all(is_pkgname_byte) {
                        return Err(prop.error(
                            0,
                            format!("expected a package name, found `{}`", shorten(t)),
                        ));
                    }
                    name = Some(t);
                }
                "version" => {
                    let v = crate::vpkg::version_value(prop.value.trim_start_matches([' ', '\t']))
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
                "was-installed" | "depends" | "conflicts" | "provides" | "keep" => {
                    if let (false, Some(ty)) = (exact, core_type(prop.name)) {
                        check_core(prop, ty)?;
                    }
                }
                other => {
                    if let Some(decl) = declared.iter().find(|d| d.name == other) {
                        if !exact {
                            check_core(prop, &decl.ty)?;
                        }
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

/// Stanzas of an answer, read as the reading says.
enum Reader<'a> {
    Exact(ExactReader<'a>),
    Lenient(StanzaReader<'a>),
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, reading: AnswerReading) -> Self {
        match reading {
            AnswerReading::Exact => Reader::Exact(ExactReader::new(text)),
            AnswerReading::Lenient => Reader::Lenient(StanzaReader::new(text)),
        }
    }

    fn next_stanza(&mut self, props: &mut Vec<Prop<'a>>) -> Result<bool, ParseError> {
        match self {
            Reader::Exact(r) => r.next_stanza(props),
            Reader::Lenient(r) => r.next_stanza(props),
        }
    }
}

/// The type of a core package property.
fn core_type(name: &str) -> Option<&'static PropType> {
    static KEEP: std::sync::OnceLock<PropType> = std::sync::OnceLock::new();
    Some(match name {
        "package" => &PropType::Pkgname,
        "version" => &PropType::Posint,
        "installed" | "was-installed" => &PropType::Bool,
        "depends" => &PropType::Vpkgformula,
        "conflicts" => &PropType::Vpkglist,
        "provides" => &PropType::Veqpkglist,
        "keep" => KEEP.get_or_init(|| {
            PropType::Enum(
                ["version", "package", "feature", "none"]
                    .map(String::from)
                    .to_vec(),
            )
        }),
        _ => return None,
    })
}

/// Type-checks a value exactly as libCUDF 0.9 does (`cudf_type_lexer.mll`,
/// `cudf_types_pp.ml`): tokens separated by spaces and tabs only, no `_` in names, a version 0
/// accepted in a constraint, strings without `\r`.
fn check_exact(prop: &Prop<'_>, ty: &PropType) -> Result<(), ParseError> {
    use crate::vpkg::{check_exact as vpkg, Shape};
    let value: &str = &prop.value;
    let t = value.trim_matches([' ', '\t']);
    let lead = value.len() - value.trim_start_matches([' ', '\t']).len();
    let wrong = |what: &str| {
        Err(prop.error(
            lead,
            format!(
                "expected {what}, found `{}`: {REJECTED}",
                shorten(&t.escape_debug().to_string())
            ),
        ))
    };
    let int = |t: &str| -> Option<i64> {
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.strip_prefix('+').unwrap_or(t).parse().ok()
    };
    let shape = match ty {
        PropType::String => {
            return match memchr::memchr(b'\r', value.as_bytes()) {
                Some(at) => {
                    Err(prop.error(at, format!("a carriage return in a string: {REJECTED}")))
                }
                None => Ok(()),
            }
        }
        PropType::Int => return int(t).map(|_| ()).map_or_else(|| wrong("an integer"), Ok),
        PropType::Posint => {
            return match int(t) {
                Some(v) if v > 0 => Ok(()),
                _ => wrong("a positive integer"),
            }
        }
        PropType::Nat => {
            return match int(t) {
                Some(v) if v >= 0 => Ok(()),
                _ => wrong("a non-negative integer"),
            }
        }
        PropType::Bool => {
            return match t {
                "true" | "false" => Ok(()),
                _ => wrong("`true` or `false`"),
            }
        }
        PropType::Pkgname => {
            return if !t.is_empty() && t.bytes().all(|c| c != b'_' && is_pkgname_byte(c)) {
                Ok(())
            } else {
                wrong("a package name (`[A-Za-z0-9+./@()%-]+`)")
            }
        }
        PropType::Ident => {
            return match crate::lex::invalid_ident_at(t) {
                None => Ok(()),
                Some(_) => wrong("an identifier"),
            }
        }
        PropType::Enum(values) => {
            return if values.iter().any(|v| v == t) {
                Ok(())
            } else {
                wrong(&format!("one of {}", values.join(", ")))
            }
        }
        PropType::Vpkg => Shape::Vpkg,
        PropType::Veqpkg => Shape::Veqpkg,
        PropType::Vpkglist => Shape::List,
        PropType::Veqpkglist => Shape::EqList,
        PropType::Vpkgformula => Shape::Formula,
    };
    vpkg(value, shape).map_err(|e| prop.error(e.offset, format!("{e}: {REJECTED}")))
}

/// Checks a `request:` stanza of an answer as libCUDF does.
fn check_request(props: &[Prop<'_>]) -> Result<(), ParseError> {
    for prop in props {
        let ty = match prop.name {
            "request" => PropType::String,
            "install" | "remove" | "upgrade" => PropType::Vpkglist,
            other => {
                return Err(ParseError::new(
                    prop.line,
                    1,
                    format!(
                        "unexpected property `{}` in a request stanza: {REJECTED}",
                        shorten(other)
                    ),
                ))
            }
        };
        check_exact(prop, &ty)?;
    }
    Ok(())
}

/// Type-checks a core property of a solution stanza; never a duplicate by itself.
fn check_core(prop: &Prop<'_>, ty: &PropType) -> Result<(), ParseError> {
    let value: &str = &prop.value;
    crate::check_value(ty, value.trim_end()).map_err(|e| prop.error(e.offset, e.to_string()))
}

/// The property declarations of a `preamble:` stanza found in an answer.
fn answer_preamble(
    props: &[Prop<'_>],
    reading: AnswerReading,
) -> Result<Vec<crate::PropDecl>, ParseError> {
    if reading == AnswerReading::Exact {
        for prop in props {
            match prop.name {
                "preamble" | "univ-checksum" | "status-checksum" | "req-checksum" => {
                    check_exact(prop, &PropType::String)?
                }
                "property" => {}
                other => {
                    return Err(ParseError::new(
                        prop.line,
                        1,
                        format!(
                            "unexpected property `{}` in a preamble stanza: {REJECTED}",
                            shorten(other)
                        ),
                    ))
                }
            }
        }
    }
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
