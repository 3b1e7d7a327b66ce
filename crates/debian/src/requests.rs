//! Requests for problem sets: written by hand in a SPEC file, or generated from a seed, and the
//! categories they are written in (the same request over growing universes, the MISC way).
//!
//! # SPEC format
//!
//! One request per line, `#` starts a comment:
//!
//! ```text
//! # NAME: ACTION ITEMS; ACTION ITEMS; ...
//! editors: install vim-nox, emacs-nox (>= 1:28)
//! no-xz:   remove xz-utils
//! refresh: upgrade all
//! libc:    upgrade libc6; install jq
//! ```
//!
//! ACTION is `install`, `remove` or `upgrade`; ITEMS are comma-separated Debian relation atoms
//! (`NAME[:ARCH] [(OP VERSION)]`), or `all` after `upgrade` (every installed package).
//!
//! # Generated requests (`--generate KIND=N,...`)
//!
//! | KIND | each of the N problems |
//! |---|---|
//! | `install:K` | installs K packages drawn at random (by name) |
//! | `remove:K` | removes K installed packages drawn at random |
//! | `upgrade-all` | upgrades every installed package |
//! | `upgrade-outdated` | upgrades the installed packages that have a newer version |
//! | `unsat` | installs a package together with a package it conflicts with (both exact versions): unsatisfiable by construction |
//!
//! The random numbers come from PCG (`rand_pcg::Pcg64Mcg`, pinned), seeded with `--seed`: the
//! same inputs and seed give byte-identical problem sets.

use rand_core::{RngCore, SeedableRng};

use crate::control::{self, Op};
use crate::universe::Universe;
use crate::Error;

/// One request: a name and the CUDF request lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The problem's name (file stem).
    pub name: String,
    /// Debian names the request is about (to compute its cone).
    pub names: Vec<String>,
    /// The request stanza's lines after `request:`, in CUDF.
    pub lines: String,
}

impl Request {
    /// The request in one line, for an index.
    pub fn summary(&self) -> String {
        self.lines.trim_end().replace('\n', "; ")
    }
}

/// Reads a SPEC file's text (see the module documentation); `file` names it in errors.
pub fn parse_spec(text: &str, file: &str, u: &Universe<'_>) -> Result<Vec<Request>, Error> {
    let mut out: Vec<Request> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (name, body) = line
            .split_once(':')
            .ok_or_else(|| Error::syntax(file, line_no, "expected `NAME: ACTION ITEMS; ...`"))?;
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b))
        {
            return Err(Error::syntax(
                file,
                line_no,
                format!("bad request name {name:?} (letters, digits, -_.+)"),
            ));
        }
        if out.iter().any(|r| r.name == name) {
            return Err(Error::syntax(
                file,
                line_no,
                format!("request {name} given twice"),
            ));
        }
        let mut lines = String::new();
        let mut names = Vec::new();
        for part in body.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (action, items) = part.split_once(char::is_whitespace).unwrap_or((part, ""));
            if !matches!(action, "install" | "remove" | "upgrade") {
                return Err(Error::syntax(
                    file,
                    line_no,
                    format!("unknown action {action:?}: expected install, remove or upgrade"),
                ));
            }
            let items = items.trim();
            let vpkgs = if action == "upgrade" && items == "all" {
                let installed = u.installed_names();
                let list = installed.join(", ");
                names.extend(installed);
                list
            } else {
                let mut vpkgs = Vec::new();
                for alts in control::parse_relation(items, file, line_no)? {
                    if alts.len() != 1 {
                        return Err(Error::syntax(
                            file,
                            line_no,
                            "alternatives (`|`) are not allowed in a request",
                        ));
                    }
                    let atom = alts[0];
                    let full = match atom.arch {
                        Some(a) => format!("{}:{a}", atom.name),
                        None => atom.name.to_string(),
                    };
                    let vpkg = u.request_vpkg(&full, atom.constraint).ok_or_else(|| {
                        Error::syntax(
                            file,
                            line_no,
                            format!(
                                "version {} of {} is mentioned nowhere in the input",
                                atom.constraint.map_or("", |c| c.1),
                                atom.name
                            ),
                        )
                    })?;
                    names.push(atom.name.to_string());
                    vpkgs.push(vpkg);
                }
                if vpkgs.is_empty() {
                    return Err(Error::syntax(
                        file,
                        line_no,
                        format!("{action} without packages"),
                    ));
                }
                vpkgs.join(", ")
            };
            lines.push_str(&format!("{action}: {vpkgs}\n"));
        }
        out.push(Request {
            name: name.to_string(),
            names,
            lines,
        });
    }
    Ok(out)
}

/// One kind of generated request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Install K random packages.
    Install(usize),
    /// Remove K random installed packages.
    Remove(usize),
    /// Upgrade every installed package.
    UpgradeAll,
    /// Upgrade the installed packages that have a newer version.
    UpgradeOutdated,
    /// Unsatisfiable by construction: a package and one it conflicts with.
    Unsat,
}

impl Kind {
    fn label(self) -> String {
        match self {
            Kind::Install(k) => format!("install{k}"),
            Kind::Remove(k) => format!("remove{k}"),
            Kind::UpgradeAll => "upgrade-all".into(),
            Kind::UpgradeOutdated => "upgrade-outdated".into(),
            Kind::Unsat => "unsat".into(),
        }
    }
}

/// Parses `--generate`: `KIND=N,...` with KIND one of `install:K`, `remove:K`, `upgrade-all`,
/// `upgrade-outdated`, `unsat`.
pub fn parse_generate(spec: &str) -> Result<Vec<(Kind, usize)>, Error> {
    let bad = |m: String| Error::Usage(format!("--generate {spec:?}: {m}"));
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (kind, n) = item
            .split_once('=')
            .ok_or_else(|| bad(format!("{item:?} is not KIND=N")))?;
        let n: usize = n
            .parse()
            .map_err(|_| bad(format!("{n:?} is not a count")))?;
        let (name, k) = match kind.split_once(':') {
            Some((name, k)) => (
                name,
                Some(
                    k.parse::<usize>()
                        .ok()
                        .filter(|&k| k > 0)
                        .ok_or_else(|| bad(format!("{k:?} is not a positive number")))?,
                ),
            ),
            None => (kind, None),
        };
        let kind = match (name, k) {
            ("install", Some(k)) => Kind::Install(k),
            ("remove", Some(k)) => Kind::Remove(k),
            ("upgrade-all", None) => Kind::UpgradeAll,
            ("upgrade-outdated", None) => Kind::UpgradeOutdated,
            ("unsat", None) => Kind::Unsat,
            _ => {
                return Err(bad(format!(
                    "unknown kind {kind:?}: expected install:K, remove:K, upgrade-all, upgrade-outdated or unsat"
                )))
            }
        };
        out.push((kind, n));
    }
    if out.is_empty() {
        return Err(bad("no kinds given".into()));
    }
    Ok(out)
}

/// Generates the requests of `kinds` over a universe with the pinned generator seeded `seed`.
pub fn generate(
    u: &Universe<'_>,
    kinds: &[(Kind, usize)],
    seed: u64,
) -> Result<Vec<Request>, Error> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut below = |n: usize| (rng.next_u64() % n.max(1) as u64) as usize;
    // Distinct names, in a fixed order.
    let mut names: Vec<String> = u.packages.iter().map(|p| u.cudf_name(p)).collect();
    names.sort();
    names.dedup();
    let installed = u.installed_names();
    let mut out = Vec::new();
    for &(kind, n) in kinds {
        for i in 0..n {
            let name = format!("{}-{:03}", kind.label(), i + 1);
            let (lines, seeds) = match kind {
                Kind::Install(k) | Kind::Remove(k) => {
                    let pool = if matches!(kind, Kind::Install(_)) {
                        &names
                    } else {
                        &installed
                    };
                    if pool.len() < k {
                        return Err(Error::Usage(format!(
                            "cannot draw {k} packages for {name}: only {} {}",
                            pool.len(),
                            if matches!(kind, Kind::Install(_)) {
                                "packages"
                            } else {
                                "installed packages"
                            }
                        )));
                    }
                    let mut picked: Vec<String> = Vec::with_capacity(k);
                    while picked.len() < k {
                        let c = &pool[below(pool.len())];
                        if !picked.contains(c) {
                            picked.push(c.clone());
                        }
                    }
                    let action = if matches!(kind, Kind::Install(_)) {
                        "install"
                    } else {
                        "remove"
                    };
                    (format!("{action}: {}\n", picked.join(", ")), picked)
                }
                Kind::UpgradeAll => {
                    if installed.is_empty() {
                        return Err(Error::Usage(
                            "upgrade-all needs installed packages (--status)".into(),
                        ));
                    }
                    (
                        format!("upgrade: {}\n", installed.join(", ")),
                        installed.clone(),
                    )
                }
                Kind::UpgradeOutdated => {
                    let mut newest: std::collections::HashMap<String, u64> = Default::default();
                    for p in &u.packages {
                        let v = u.table.get(p.version).unwrap_or(0);
                        let e = newest.entry(u.cudf_name(p)).or_default();
                        *e = (*e).max(v);
                    }
                    let outdated: Vec<String> = u
                        .packages
                        .iter()
                        .filter(|p| {
                            p.installed
                                && u.table.get(p.version).unwrap_or(0) < newest[&u.cudf_name(p)]
                        })
                        .map(|p| u.cudf_name(p))
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    if outdated.is_empty() {
                        return Err(Error::Usage(
                            "upgrade-outdated: no installed package has a newer version".into(),
                        ));
                    }
                    (format!("upgrade: {}\n", outdated.join(", ")), outdated)
                }
                Kind::Unsat => unsat(u, &mut below, &name)?,
            };
            out.push(Request {
                name,
                names: seeds,
                lines,
            });
        }
    }
    Ok(out)
}

/// A package A (exact version) and a real package B (exact version) that A's unversioned
/// `Conflicts`/`Breaks` names: no installation has both.
fn unsat(
    u: &Universe<'_>,
    below: &mut impl FnMut(usize) -> usize,
    name: &str,
) -> Result<(String, Vec<String>), Error> {
    let mut by_name: std::collections::HashMap<&str, usize> = Default::default();
    for (i, p) in u.packages.iter().enumerate() {
        by_name.entry(p.name).or_insert(i);
    }
    let n = u.packages.len();
    let start = below(n);
    for step in 0..n {
        let a = &u.packages[(start + step) % n];
        for f in [&a.conflicts, &a.breaks] {
            if f.value.is_empty() {
                continue;
            }
            let file = &u.inputs()[a.input].file;
            for alts in control::parse_relation(f.value, file, f.line)? {
                for atom in alts {
                    if atom.constraint.is_some() || atom.arch.is_some() || atom.name == a.name {
                        continue;
                    }
                    if let Some(&j) = by_name.get(atom.name) {
                        let b = &u.packages[j];
                        if !u.is_native_arch(a.arch) || !u.is_native_arch(b.arch) {
                            continue;
                        }
                        let va = u
                            .request_vpkg(a.name, Some((Op::Eq, a.version)))
                            .unwrap_or_default();
                        let vb = u
                            .request_vpkg(b.name, Some((Op::Eq, b.version)))
                            .unwrap_or_default();
                        return Ok((
                            format!("install: {va}, {vb}\n"),
                            vec![a.name.to_string(), b.name.to_string()],
                        ));
                    }
                }
            }
        }
    }
    Err(Error::Usage(format!("{name}: no package of the input conflicts with another: cannot make an unsatisfiable request")))
}

/// A category: a universe a request is written over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Category {
    /// The request's cone: the packages it names, the installed ones, and their dependencies.
    Cone,
    /// One index (by position among the inputs) plus the status.
    Baseline(usize),
    /// Every input mixed.
    Mixed,
}

/// Which packages (indexes into the universe) a category of a request holds, sorted.
pub fn category_packages(
    u: &Universe<'_>,
    cat: &Category,
    request: &Request,
    cone: &crate::universe::ConeIndex,
) -> Result<Vec<usize>, Error> {
    Ok(match cat {
        Category::Mixed => (0..u.packages.len()).collect(),
        Category::Baseline(i) => u
            .packages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.input == *i || p.installed)
            .map(|(k, _)| k)
            .collect(),
        Category::Cone => {
            let seeds: Vec<usize> = u
                .packages
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.installed
                        || request
                            .names
                            .iter()
                            .any(|n| n == p.name || *n == u.cudf_name(p))
                })
                .map(|(k, _)| k)
                .collect();
            u.cone_with(cone, &seeds)?
        }
    })
}
