//! From a CUDF problem to clauses over the packages that can matter.
//!
//! The relevant universe is the closure, under "some vpkg of a `depends` clause matches it", of
//! the roots: the initially installed packages, every package matching an `install` or
//! `upgrade` item, every version (and provider) of an upgraded name, and the packages that can
//! honour a `keep`. Every other package is left uninstalled. That loses no solution: if S is a
//! solution, so is S restricted to the closure (a dependency of a kept package is matched by
//! packages of the closure, removing packages creates no conflict, request and keep items are
//! matched inside the roots).
//!
//! One boolean variable per relevant package ("installed in the answer"); the clauses follow
//! misc-rules.md 5.4 and 5.5:
//!
//! - depends: `¬p ∨ m1 ∨ m2 ∨ …` per conjunct (the matches of its vpkgs, providers included);
//! - conflicts: `¬p ∨ ¬q` for every other package q matching a conflict of p;
//! - install: `m1 ∨ m2 ∨ …`; remove: `¬m` for every match;
//! - upgrade (n, c): `m1 ∨ …` over the matches of (n, c); a package offering n an unversioned,
//!   ambiguous or older-than-initial version is false; two packages offering different versions
//!   of n exclude each other (exactly one version of n in the answer);
//! - keep: `version` → p; `package` → some version of p's name; `feature` → some provider of
//!   each feature of p.

use std::collections::HashSet;

use misc_cudf::{Document, Keep, NameId, PkgId, Version, Vpkg};

use super::sat::{Lit, Var};

/// No variable for this package (it is not relevant, so it stays uninstalled).
pub const NO_VAR: u32 = u32::MAX;

/// The clauses of a problem and what the brancher needs to know about them.
pub struct Encoding {
    /// Variable → package.
    pub pkg_of: Vec<PkgId>,
    /// The clauses, to be handed to the SAT solver.
    pub clauses: Vec<Vec<Lit>>,
    /// Per variable: its dependency conjuncts, each as the candidates in order of preference.
    pub depends: Vec<Vec<Vec<Var>>>,
    /// Clauses without a negative literal (install, upgrade, keep): candidates in order of
    /// preference.
    pub goals: Vec<Vec<Var>>,
    /// Choices to make first, in order: when none of an entry's variables is true, its first
    /// unassigned one is installed (newest versions for upgrade items, then each initially
    /// installed package).
    pub preferred: Vec<Vec<Var>>,
    /// Why the problem is known to have no solution before any search, if it is.
    pub hopeless: Option<String>,
}

/// The packages matching a vpkg: packages of that name with a matching version, and providers
/// of that feature with a matching provided version (misc-rules.md 5.4).
pub fn matches(doc: &Document<'_>, vpkg: Vpkg, out: &mut Vec<PkgId>) {
    let c = vpkg.constraint();
    for &p in doc.versions_of(vpkg.name) {
        if c.matches(doc.package(p).version) {
            out.push(p);
        }
    }
    for &(p, provided) in doc.providers_of(vpkg.name) {
        if c.matches_provided(provided) {
            out.push(p);
        }
    }
}

/// A sort key of candidates: smaller is preferred.
type Rank = (bool, bool, std::cmp::Reverse<Version>, u32);

/// Options of the encoding.
pub struct Options {
    /// Decide the newest admissible version of each upgraded name first (otherwise: keep the
    /// installed one when possible).
    pub upgrade_to_newest: bool,
}

/// Builds the encoding. `stop` is polled now and then; when it returns true the encoding is
/// abandoned (`None`).
pub fn encode(
    doc: &Document<'_>,
    options: &Options,
    stop: &mut dyn FnMut() -> bool,
) -> Option<Encoding> {
    let n = doc.packages.len();
    let initial = doc.installed_flags();
    let empty = misc_cudf::Request::default();
    let request = doc.request.as_ref().unwrap_or(&empty);
    let mut hopeless: Option<String> = None;
    let mut buf: Vec<PkgId> = Vec::new();

    // --- Roots.
    let mut roots: Vec<PkgId> = Vec::new();
    for p in doc.package_ids() {
        if initial[p.index()] {
            roots.push(p);
        }
    }
    for &item in doc
        .vpkgs(request.install)
        .iter()
        .chain(doc.vpkgs(request.upgrade))
    {
        matches(doc, item, &mut roots);
    }
    for &item in doc.vpkgs(request.upgrade) {
        roots.extend_from_slice(doc.versions_of(item.name));
        roots.extend(doc.providers_of(item.name).iter().map(|&(p, _)| p));
    }
    for p in doc.package_ids() {
        if !initial[p.index()] {
            continue;
        }
        let pkg = doc.package(p);
        match pkg.keep {
            Keep::Package => roots.extend_from_slice(doc.versions_of(pkg.name)),
            Keep::Feature => {
                for &f in doc.provides(p) {
                    matches(doc, keep_feature_vpkg(f), &mut roots);
                }
            }
            Keep::Version | Keep::None => {}
        }
    }

    // --- Closure under depends.
    let mut var_of = vec![NO_VAR; n];
    let mut pkg_of: Vec<PkgId> = Vec::new();
    let mut queue: Vec<PkgId> = Vec::new();
    let add = |p: PkgId, var_of: &mut Vec<u32>, pkg_of: &mut Vec<PkgId>, q: &mut Vec<PkgId>| {
        if var_of[p.index()] == NO_VAR {
            var_of[p.index()] = pkg_of.len() as u32;
            pkg_of.push(p);
            q.push(p);
        }
    };
    for &p in &roots {
        add(p, &mut var_of, &mut pkg_of, &mut queue);
    }
    let mut steps = 0u32;
    while let Some(p) = queue.pop() {
        steps += 1;
        if steps & 4095 == 0 && stop() {
            return None;
        }
        for clause in doc.depends(p) {
            for &v in clause {
                buf.clear();
                matches(doc, v, &mut buf);
                for &q in &buf {
                    add(q, &mut var_of, &mut pkg_of, &mut queue);
                }
            }
        }
    }
    let nv = pkg_of.len();

    // Preference among candidates: installed initially, then a real package of the vpkg's
    // name over a provider, then the newest version, then stanza order.
    let rank = |name: NameId, p: PkgId| -> Rank {
        let pkg = doc.package(p);
        (
            !initial[p.index()],
            pkg.name != name,
            std::cmp::Reverse(pkg.version),
            p.0,
        )
    };
    let candidates = |vpkgs: &[Vpkg], buf: &mut Vec<PkgId>| -> Vec<Var> {
        let mut ranked: Vec<(Rank, Var)> = Vec::new();
        for &v in vpkgs {
            buf.clear();
            matches(doc, v, buf);
            for &q in buf.iter() {
                let var = var_of[q.index()];
                if var != NO_VAR {
                    ranked.push((rank(v.name, q), var));
                }
            }
        }
        ranked.sort_unstable();
        let mut out: Vec<Var> = Vec::with_capacity(ranked.len());
        let mut seen: HashSet<Var> = HashSet::new();
        for (_, var) in ranked {
            if seen.insert(var) {
                out.push(var);
            }
        }
        out
    };

    let mut clauses: Vec<Vec<Lit>> = Vec::new();
    let mut depends: Vec<Vec<Vec<Var>>> = vec![Vec::new(); nv];
    let mut goals: Vec<Vec<Var>> = Vec::new();

    // --- depends and conflicts.
    let mut conflict_pairs: HashSet<(Var, Var)> = HashSet::new();
    for (var, &p) in pkg_of.iter().enumerate() {
        if var & 4095 == 4095 && stop() {
            return None;
        }
        let var = var as Var;
        for clause in doc.depends(p) {
            let cands = candidates(clause, &mut buf);
            if cands.contains(&var) {
                // A package may satisfy its own dependency.
                continue;
            }
            let mut c = Vec::with_capacity(cands.len() + 1);
            c.push(Lit::neg(var));
            c.extend(cands.iter().map(|&q| Lit::pos(q)));
            clauses.push(c);
            depends[var as usize].push(cands);
        }
        for &c in doc.conflicts(p) {
            buf.clear();
            matches(doc, c, &mut buf);
            for &q in &buf {
                let qv = var_of[q.index()];
                // A package never conflicts with itself (misc-rules.md 5.4).
                if qv == NO_VAR || qv == var {
                    continue;
                }
                if conflict_pairs.insert((var.min(qv), var.max(qv))) {
                    clauses.push(vec![Lit::neg(var), Lit::neg(qv)]);
                }
            }
        }
    }

    // --- install.
    for &item in doc.vpkgs(request.install) {
        let cands = candidates(&[item], &mut buf);
        if cands.is_empty() {
            hopeless.get_or_insert_with(|| {
                format!(
                    "no package satisfies the install item `{}`",
                    doc.display_vpkg(item)
                )
            });
        }
        clauses.push(cands.iter().map(|&q| Lit::pos(q)).collect());
        goals.push(cands);
    }

    // --- remove.
    for &item in doc.vpkgs(request.remove) {
        buf.clear();
        matches(doc, item, &mut buf);
        for &q in &buf {
            let qv = var_of[q.index()];
            if qv != NO_VAR {
                clauses.push(vec![Lit::neg(qv)]);
            }
        }
    }

    // --- upgrade.
    let mut preferred: Vec<Vec<Var>> = Vec::new();
    for &item in doc.vpkgs(request.upgrade) {
        let name = item.name;
        // The versions of `name` in the initial installation (real and provided).
        let mut floor: Version = 0;
        let mut unversioned_initially = false;
        for &p in doc.versions_of(name) {
            if initial[p.index()] {
                floor = floor.max(doc.package(p).version);
            }
        }
        for &(p, provided) in doc.providers_of(name) {
            if initial[p.index()] {
                match provided {
                    Some(v) => floor = floor.max(v),
                    None => unversioned_initially = true,
                }
            }
        }
        if unversioned_initially {
            hopeless.get_or_insert_with(|| {
                format!(
                    "the upgrade item `{}` cannot be met: an initially installed package provides `{}` without a version",
                    doc.display_vpkg(item),
                    doc.name(name)
                )
            });
        }
        // Each relevant package offering `name`: the single version it offers, or None when
        // it cannot be part of the answer.
        let mut offers: Vec<(Var, Option<Version>)> = Vec::new();
        let mut members: Vec<Var> = Vec::new();
        for &p in doc.versions_of(name) {
            let v = var_of[p.index()];
            if v != NO_VAR {
                members.push(v);
            }
        }
        for &(p, _) in doc.providers_of(name) {
            let v = var_of[p.index()];
            if v != NO_VAR {
                members.push(v);
            }
        }
        members.sort_unstable();
        members.dedup();
        for &var in &members {
            let p = pkg_of[var as usize];
            let pkg = doc.package(p);
            let mut values: Vec<Option<Version>> = Vec::new();
            if pkg.name == name {
                values.push(Some(pkg.version));
            }
            for &f in doc.provides(p) {
                if f.name == name {
                    values.push(f.op.map(|_| f.version));
                }
            }
            values.sort_unstable();
            values.dedup();
            let offer = match values.as_slice() {
                [Some(v)] if *v >= floor => Some(*v),
                _ => None,
            };
            offers.push((var, offer));
        }
        for &(var, offer) in &offers {
            if offer.is_none() {
                clauses.push(vec![Lit::neg(var)]);
            }
        }
        for (i, &(a, va)) in offers.iter().enumerate() {
            let Some(va) = va else { continue };
            for &(b, vb) in &offers[i + 1..] {
                let differ = vb.is_some_and(|vb| vb != va);
                if differ && conflict_pairs.insert((a.min(b), a.max(b))) {
                    clauses.push(vec![Lit::neg(a), Lit::neg(b)]);
                }
            }
        }
        let cands: Vec<Var> = candidates(&[item], &mut buf)
            .into_iter()
            .filter(|v| offers.iter().any(|&(o, offer)| o == *v && offer.is_some()))
            .collect();
        if cands.is_empty() {
            hopeless.get_or_insert_with(|| {
                format!(
                    "no package can satisfy the upgrade item `{}` with a version >= {floor}",
                    doc.display_vpkg(item)
                )
            });
        }
        if unversioned_initially {
            clauses.push(Vec::new());
        }
        if options.upgrade_to_newest {
            // The candidates by the version they offer, highest first (real packages first on
            // ties): the first one that can still be installed is tried first.
            let offer_of = |v: Var| {
                offers
                    .iter()
                    .find(|&&(o, _)| o == v)
                    .and_then(|&(_, x)| x)
                    .unwrap_or(0)
            };
            let mut newest = cands.clone();
            newest.sort_by_key(|&v| {
                (
                    std::cmp::Reverse(offer_of(v)),
                    doc.package(pkg_of[v as usize]).name != name,
                    v,
                )
            });
            preferred.push(newest);
        }
        clauses.push(cands.iter().map(|&q| Lit::pos(q)).collect());
        goals.push(cands);
    }

    // --- keep (only packages installed initially).
    for p in doc.package_ids() {
        if !initial[p.index()] {
            continue;
        }
        let pkg = doc.package(p);
        match pkg.keep {
            Keep::None => {}
            Keep::Version => {
                // Initially installed packages are roots, so they have a variable.
                let v = var_of[p.index()];
                if v != NO_VAR {
                    clauses.push(vec![Lit::pos(v)]);
                }
            }
            Keep::Package => {
                // Real packages only: a provider of the name does not keep it.
                let mut cands: Vec<Var> = doc
                    .versions_of(pkg.name)
                    .iter()
                    .map(|q| var_of[q.index()])
                    .filter(|&v| v != NO_VAR)
                    .collect();
                cands.sort_by_key(|&v| rank(pkg.name, pkg_of[v as usize]));
                clauses.push(cands.iter().map(|&q| Lit::pos(q)).collect());
                goals.push(cands);
            }
            Keep::Feature => {
                for &f in doc.provides(p) {
                    let cands = candidates(&[keep_feature_vpkg(f)], &mut buf);
                    clauses.push(cands.iter().map(|&q| Lit::pos(q)).collect());
                    goals.push(cands);
                }
            }
        }
    }

    // Keep what is installed, where possible.
    for (var, &p) in pkg_of.iter().enumerate() {
        if initial[p.index()] {
            preferred.push(vec![var as Var]);
        }
    }

    Some(Encoding {
        pkg_of,
        clauses,
        depends,
        goals,
        preferred,
        hopeless,
    })
}

/// The vpkg a `keep: feature` package needs to stay satisfied for one of its provides: the
/// feature at the provided version, or any version for an unversioned provide (as misc-check
/// reads misc-rules.md 5.5, item 5).
fn keep_feature_vpkg(f: Vpkg) -> Vpkg {
    match f.op {
        Some(_) => Vpkg {
            name: f.name,
            op: Some(misc_cudf::RelOp::Eq),
            version: f.version,
        },
        None => Vpkg {
            name: f.name,
            op: None,
            version: 0,
        },
    }
}
