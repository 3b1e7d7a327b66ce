//! Is this installation a solution of this CUDF problem?
//!
//! The checker follows misc-rules.md section 5 (CUDF 2.0 as libCUDF implements it) and reports
//! *every* violation it finds, each as a [`Violation`] value with a stable `kind` and a message
//! a solver author can act on. It does no IO and never panics.
//!
//! An installation S solves a problem when (misc-rules.md 5.5):
//!
//! 1. S is consistent: every installed package's `depends` is satisfied by S, and no vpkg of
//!    its `conflicts` is satisfied by an installed package *other than itself* (features
//!    included: a package may conflict with a feature it provides, and several versions of a
//!    name may be installed together unless conflicts forbid it);
//! 2. every `install` item is satisfied by S;
//! 3. no `remove` item is satisfied by S;
//! 4. every `upgrade` item (n, c) is satisfied by S, the versions of n in S (real versions and
//!    versions provided for feature n) are exactly one, and that version is >= every version of
//!    n in the initial installation (again real and provided; an unversioned provider makes the
//!    version unknown and fails the item);
//! 5. every package installed *initially* with `keep: version` is still installed; with
//!    `keep: package`, some version of its name is installed; with `keep: feature`, each
//!    feature it provides is still provided by some installed package.
//!
//! The initial installation plays no part in 1–3: an inconsistent initial installation does not
//! stop a solution from being judged (misc-rules.md 1.3 and 7.1). [`check_initial`] reports on it
//! separately, as `cudf-check -cudf` does.
//!
//! Where the rules are silent we follow libCUDF, and say so next to the code.
#![warn(missing_docs)]

use misc_cudf::{
    Answer, Constraint, Document, Installation, Keep, PkgId, RelOp, Solution, Version, Vpkg,
    VpkgList,
};

/// The checker's conclusion about an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The answer is a solution.
    Valid,
    /// The answer claims a solution that is not one (or cannot be read).
    Invalid,
    /// The answer is `FAIL`.
    Fail,
}

impl Verdict {
    /// The verdict's name in JSON and messages: `valid`, `invalid` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Fail => "fail",
        }
    }
}

/// The kinds of violation, with stable names for JSON and records (defined once, in
/// misc-vocab, as [`misc_vocab::ViolationKind`]; `Kind` is its name in this crate).
pub use misc_vocab::ViolationKind as Kind;

/// One reason why an answer is not a solution.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// What kind of rule the answer breaks.
    pub kind: Kind,
    /// What is wrong, naming packages as `name = version`.
    pub message: String,
}

impl Violation {
    fn new(kind: Kind, message: String) -> Self {
        Violation { kind, message }
    }
}

/// The full result of checking an answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Valid, invalid or FAIL.
    pub verdict: Verdict,
    /// Every violation found, in the order of the rules (consistency, request, keep); empty
    /// when the answer is valid or FAIL.
    pub violations: Vec<Violation>,
    /// Warnings that do not affect the verdict (e.g. ignored not-installed stanzas).
    pub warnings: Vec<String>,
}

/// Checks a parsed answer against its problem.
pub fn check_answer(problem: &Document<'_>, answer: &Answer) -> Report {
    match answer {
        Answer::Fail { .. } => Report {
            verdict: Verdict::Fail,
            violations: Vec::new(),
            warnings: Vec::new(),
        },
        Answer::Solution(solution) => check_solution(problem, solution),
    }
}

/// Checks a claimed solution against its problem.
pub fn check_solution(problem: &Document<'_>, solution: &Solution) -> Report {
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    // libCUDF refuses the whole solution for an unknown or repeated (package, version); we
    // report them as violations and still check the rest, so that the author sees everything.
    for u in &solution.unknown {
        violations.push(Violation::new(
            Kind::UnknownPackage,
            format!(
                "line {}: `{} = {}` is installed in the answer but the problem's universe has no such package version",
                u.line, u.name, u.version
            ),
        ));
    }
    for &(pkg, line) in &solution.duplicates {
        violations.push(Violation::new(
            Kind::DuplicatePackage,
            format!(
                "line {line}: `{}` is listed more than once",
                problem.display_package(pkg)
            ),
        ));
    }
    if solution.not_installed_stanzas > 0 {
        warnings.push(format!(
            "{} stanza(s) without `installed: true` were ignored",
            solution.not_installed_stanzas
        ));
    }
    violations.extend(installation_violations(problem, &solution.installed));
    Report {
        verdict: if violations.is_empty() {
            Verdict::Valid
        } else {
            Verdict::Invalid
        },
        violations,
        warnings,
    }
}

/// Every violation of an installation (one flag per package of `problem`): consistency,
/// request and keep.
pub fn installation_violations(problem: &Document<'_>, installed: &[bool]) -> Vec<Violation> {
    let now = Installation::new(problem, installed);
    let mut out = consistency(&now);
    let initial_flags = problem.installed_flags();
    let initial = Installation::new(problem, &initial_flags);
    if let Some(request) = &problem.request {
        request_violations(&initial, &now, request, &mut out);
    }
    keep_violations(&initial, &now, &mut out);
    out
}

/// Whether an installation is a solution (no violation at all).
pub fn is_solution(problem: &Document<'_>, installed: &[bool]) -> bool {
    installation_violations(problem, installed).is_empty()
}

/// What `cudf-check -cudf` says about a problem: whether its initial installation is consistent,
/// and if not, why.
pub fn check_initial(problem: &Document<'_>) -> Vec<Violation> {
    consistency_violations(problem, &problem.installed_flags())
}

/// Installed packages other than `except` that satisfy `vpkg`, each with the provided version
/// when the match is through a feature.
fn matches_excluding(
    inst: &Installation<'_, '_>,
    vpkg: Vpkg,
    except: Option<PkgId>,
) -> Vec<(PkgId, Option<Option<Version>>)> {
    let doc = inst.document();
    let c = vpkg.constraint();
    let mut out = Vec::new();
    for p in inst.versions_of(vpkg.name) {
        if Some(p) != except && c.matches(doc.package(p).version) {
            out.push((p, None));
        }
    }
    for &(p, provided) in inst.providers_of(vpkg.name) {
        if Some(p) != except && c.matches_provided(provided) {
            out.push((p, Some(provided)));
        }
    }
    out
}

fn describe_clause(doc: &Document<'_>, clause: &[Vpkg]) -> String {
    if clause.is_empty() {
        return "false!".to_string();
    }
    clause
        .iter()
        .map(|v| doc.display_vpkg(*v))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Consistency (misc-rules.md 5.4): depends satisfied, no conflict with another package.
pub fn consistency_violations(doc: &Document<'_>, installed: &[bool]) -> Vec<Violation> {
    consistency(&Installation::new(doc, installed))
}

fn consistency(inst: &Installation<'_, '_>) -> Vec<Violation> {
    let doc = inst.document();
    let mut out = Vec::new();
    for p in inst.packages() {
        for clause in doc.depends(p) {
            if !clause.iter().any(|&v| inst.satisfies(v)) {
                out.push(Violation::new(
                    Kind::UnsatisfiedDependency,
                    format!(
                        "`{}` depends on `{}`, which no installed package satisfies",
                        doc.display_package(p),
                        describe_clause(doc, clause)
                    ),
                ));
            }
        }
        for &c in doc.conflicts(p) {
            // A package never conflicts with itself (libCUDF's `~ignore`), even through a
            // feature it provides.
            for (q, via) in matches_excluding(inst, c, Some(p)) {
                let through = match via {
                    None => String::new(),
                    Some(None) => {
                        format!(", through the feature `{}` it provides", doc.name(c.name))
                    }
                    Some(Some(v)) => format!(
                        ", through the feature `{} = {v}` it provides",
                        doc.name(c.name)
                    ),
                };
                out.push(Violation::new(
                    Kind::Conflict,
                    format!(
                        "`{}` conflicts with `{}` (its conflict `{}` matches `{}`{through})",
                        doc.display_package(p),
                        doc.display_package(q),
                        doc.display_vpkg(c),
                        doc.display_package(q),
                    ),
                ));
            }
        }
    }
    out
}

/// The versions of `name` an installation has: real versions of packages called `name`, and
/// versions provided for the feature `name` (`None` for an unversioned provide).
fn versions_in(inst: &Installation<'_, '_>, name: misc_cudf::NameId) -> Vec<Option<Version>> {
    let doc = inst.document();
    let mut out: Vec<Option<Version>> = Vec::new();
    for p in inst.versions_of(name) {
        out.push(Some(doc.package(p).version));
    }
    for &(_, provided) in inst.providers_of(name) {
        out.push(provided);
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn request_violations(
    initial: &Installation<'_, '_>,
    now: &Installation<'_, '_>,
    request: &misc_cudf::Request,
    out: &mut Vec<Violation>,
) {
    let doc = now.document();
    for &item in doc.vpkgs(request.install) {
        if !now.satisfies(item) {
            out.push(Violation::new(
                Kind::InstallNotSatisfied,
                format!(
                    "the request installs `{}`, but no installed package satisfies it",
                    doc.display_vpkg(item)
                ),
            ));
        }
    }
    for &item in doc.vpkgs(request.remove) {
        let still = matches_excluding(now, item, None);
        if !still.is_empty() {
            let names: Vec<String> = still
                .iter()
                .map(|(p, via)| match via {
                    None => format!("`{}`", doc.display_package(*p)),
                    Some(_) => format!("`{}` (which provides it)", doc.display_package(*p)),
                })
                .collect();
            out.push(Violation::new(
                Kind::RemoveNotSatisfied,
                format!(
                    "the request removes `{}`, but {} still satisfies it",
                    doc.display_vpkg(item),
                    names.join(", ")
                ),
            ));
        }
    }
    upgrade_violations(initial, now, request.upgrade, out);
}

fn upgrade_violations(
    initial: &Installation<'_, '_>,
    now: &Installation<'_, '_>,
    upgrade: VpkgList,
    out: &mut Vec<Violation>,
) {
    let doc = now.document();
    for &item in doc.vpkgs(upgrade) {
        let shown = doc.display_vpkg(item);
        if !now.satisfies(item) {
            out.push(Violation::new(
                Kind::UpgradeNotSatisfied,
                format!("the request upgrades `{shown}`, but no installed package satisfies it"),
            ));
            continue;
        }
        let versions = versions_in(now, item.name);
        let version = match versions.as_slice() {
            [Some(v)] => *v,
            _ => {
                let listed: Vec<String> = versions
                    .iter()
                    .map(|v| match v {
                        Some(v) => v.to_string(),
                        None => "an unversioned provider".to_string(),
                    })
                    .collect();
                out.push(Violation::new(
                    Kind::UpgradeNotUnique,
                    format!(
                        "the request upgrades `{shown}`, which needs exactly one version of `{}` installed, but the answer has {}",
                        doc.name(item.name),
                        listed.join(", ")
                    ),
                ));
                continue;
            }
        };
        let before = versions_in(initial, item.name);
        // An unversioned provider in the initial installation leaves the initial version
        // unknown: no version can be shown to be >= it (misc-rules.md 5.5, 4c).
        let older: Vec<String> = before
            .iter()
            .filter(|b| match b {
                None => true,
                Some(b) => *b > version,
            })
            .map(|b| match b {
                Some(b) => b.to_string(),
                None => "an unversioned provider".to_string(),
            })
            .collect();
        if !older.is_empty() {
            out.push(Violation::new(
                Kind::UpgradeNotUpgraded,
                format!(
                    "the request upgrades `{shown}`, but the answer's version {version} of `{}` is not >= the initially installed {}",
                    doc.name(item.name),
                    older.join(", ")
                ),
            ));
        }
    }
}

fn keep_violations(
    initial: &Installation<'_, '_>,
    now: &Installation<'_, '_>,
    out: &mut Vec<Violation>,
) {
    let doc = now.document();
    // keep binds only packages installed initially (misc-rules.md 5.5, item 5).
    for p in initial.packages() {
        let pkg = doc.package(p);
        match pkg.keep {
            Keep::None => {}
            Keep::Version => {
                if !now.contains(p) {
                    out.push(Violation::new(
                        Kind::KeepVersion,
                        format!(
                            "`{}` has `keep: version` but is not installed in the answer",
                            doc.display_package(p)
                        ),
                    ));
                }
            }
            Keep::Package => {
                // Real packages only: a feature of the same name does not keep the package.
                if now.versions_of(pkg.name).next().is_none() {
                    out.push(Violation::new(
                        Kind::KeepPackage,
                        format!(
                            "`{}` has `keep: package` but no version of `{}` is installed in the answer",
                            doc.display_package(p),
                            doc.name(pkg.name)
                        ),
                    ));
                }
            }
            Keep::Feature => {
                for &f in doc.provides(p) {
                    // The feature as provided: `f = v` must still be provided by someone.
                    let wanted = Vpkg::new(
                        f.name,
                        match f.op {
                            Some(_) => Constraint(Some((RelOp::Eq, f.version))),
                            None => Constraint::ANY,
                        },
                    );
                    if !now.satisfies(wanted) {
                        out.push(Violation::new(
                            Kind::KeepFeature,
                            format!(
                                "`{}` has `keep: feature` but its feature `{}` is no longer provided by any installed package",
                                doc.display_package(p),
                                doc.display_vpkg(wanted)
                            ),
                        ));
                    }
                }
            }
        }
    }
}

/// A violation for an answer that could not be parsed.
pub fn unparseable(message: impl Into<String>) -> Report {
    Report {
        verdict: Verdict::Invalid,
        violations: vec![Violation::new(Kind::Unparseable, message.into())],
        warnings: Vec::new(),
    }
}
