//! Evaluation of criteria on an installation, under the name or the pair reading.

use std::collections::HashSet;

use misc_cudf::{
    Constraint, Document, Installation, NameId, PkgId, PropId, PropType, Version, Vpkg,
};

use misc_vocab::Semantics;

use crate::lang::{Criteria, CriteriaError, Function, PackageSet, PropertyRef};

/// A property as a function argument, resolved against a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prop {
    /// The core `version` property (aspcud accepts it in `sum` and `aligned`).
    Version,
    /// A declared extra property; `true` when its type is an integer type.
    Extra(PropId, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Count(PackageSet),
    Sum(PackageSet, Prop),
    UnsatRecommends(PackageSet),
    NotUpToDate(PackageSet),
    Aligned(PackageSet, Prop, Prop),
}

/// What the initial installation says about one name.
#[derive(Debug, Clone, Copy, Default)]
struct NameStat {
    /// The newest version of the name in the universe.
    newest: Version,
    /// Some version is installed initially.
    in_initial: bool,
    /// Oldest and newest initially installed versions (meaningful when `in_initial`).
    initial_min: Version,
    initial_max: Version,
}

const INSTALL_REQUEST: u8 = 1;
const UPGRADE_REQUEST: u8 = 2;

/// Criteria checked against one problem, ready to evaluate many installations quickly.
///
/// Resolution checks the properties the criteria name and precomputes, once per problem, the
/// initial installation, the newest version of each name and the packages the request names.
#[derive(Debug, Clone)]
pub struct Resolved<'d, 'a> {
    doc: &'d Document<'a>,
    criteria: Criteria,
    items: Vec<Item>,
    initial: Vec<bool>,
    /// Names with a version installed initially, in id order.
    initial_names: Vec<NameId>,
    stats: Vec<NameStat>,
    recommends: Option<PropId>,
    /// Per package: `INSTALL_REQUEST` / `UPGRADE_REQUEST` bits (empty unless a criterion uses a
    /// request set).
    request: Vec<u8>,
}

/// Checks criteria against a problem: `sum` needs a declared integer property (or the core
/// `version`), `aligned` declared properties, and `recommends`, when declared, must be a
/// vpkgformula. Errors point into the criteria string.
pub fn resolve<'d, 'a>(
    criteria: &Criteria,
    doc: &'d Document<'a>,
) -> Result<Resolved<'d, 'a>, CriteriaError> {
    let err =
        |offset: usize, message: String| CriteriaError::new(&criteria.source, offset, message);
    let declared = || {
        if doc.properties.is_empty() {
            "the problem declares no extra properties".to_string()
        } else {
            let names: Vec<&str> = doc.properties.iter().map(|p| p.name.as_str()).collect();
            format!("the problem declares {}", names.join(", "))
        }
    };
    let prop = |p: &PropertyRef, need_int: bool| -> Result<Prop, CriteriaError> {
        if p.name == "version" {
            return Ok(Prop::Version);
        }
        let Some(id) = doc.property_id(&p.name) else {
            return Err(err(
                p.offset,
                format!("unknown property `{}`: {}", p.name, declared()),
            ));
        };
        let ty = &doc.property(id).ty;
        if need_int && !ty.is_integer() {
            return Err(err(
                p.offset,
                format!(
                    "`sum` needs an integer property (int, posint or nat), but `{}` has type {ty}",
                    p.name
                ),
            ));
        }
        Ok(Prop::Extra(id, ty.is_integer()))
    };
    let recommends = doc.property_id("recommends");
    let mut items = Vec::with_capacity(criteria.items.len());
    for c in &criteria.items {
        items.push(match &c.function {
            Function::Count(s) => Item::Count(*s),
            Function::Sum(s, p) => Item::Sum(*s, prop(p, true)?),
            Function::NotUpToDate(s) => Item::NotUpToDate(*s),
            Function::Aligned(s, g, v) => Item::Aligned(*s, prop(g, false)?, prop(v, false)?),
            Function::UnsatRecommends(s) => {
                if let Some(id) = recommends {
                    let ty = &doc.property(id).ty;
                    if *ty != PropType::Vpkgformula {
                        return Err(err(
                            c.offset,
                            format!(
                                "`unsat_recommends` needs `recommends` to be a vpkgformula, \
                                 but the problem declares it as {ty}"
                            ),
                        ));
                    }
                }
                Item::UnsatRecommends(*s)
            }
        });
    }

    let initial = doc.installed_flags();
    let mut stats = vec![NameStat::default(); doc.name_count()];
    let mut initial_names = Vec::new();
    for (i, stat) in stats.iter_mut().enumerate() {
        let name = NameId(i as u32);
        let versions = doc.versions_of(name);
        for &p in versions {
            let v = doc.package(p).version;
            stat.newest = stat.newest.max(v);
            if initial[p.index()] {
                if stat.in_initial {
                    stat.initial_min = stat.initial_min.min(v);
                    stat.initial_max = stat.initial_max.max(v);
                } else {
                    stat.in_initial = true;
                    stat.initial_min = v;
                    stat.initial_max = v;
                }
            }
        }
        if stat.in_initial {
            initial_names.push(name);
        }
    }

    let uses_request = items.iter().any(|item| {
        matches!(
            item_set(item),
            PackageSet::InstallRequest | PackageSet::UpgradeRequest | PackageSet::Request
        )
    });
    let mut request = Vec::new();
    if uses_request {
        request = vec![0u8; doc.packages.len()];
        if let Some(req) = &doc.request {
            // As cudf2lp: the packages *named* by a request item with a matching version;
            // providers of a feature are not members.
            for (list, bit) in [
                (req.install, INSTALL_REQUEST),
                (req.upgrade, UPGRADE_REQUEST),
            ] {
                for vpkg in doc.vpkgs(list) {
                    for &p in doc.versions_of(vpkg.name) {
                        if vpkg.constraint().matches(doc.package(p).version) {
                            request[p.index()] |= bit;
                        }
                    }
                }
            }
        }
    }

    Ok(Resolved {
        doc,
        criteria: criteria.clone(),
        items,
        initial,
        initial_names,
        stats,
        recommends,
        request,
    })
}

/// Parses nothing, resolves and evaluates in one call: the criteria vector of `installed`
/// (one flag per package of `doc`) against the initial installation of `doc`.
pub fn evaluate(
    criteria: &Criteria,
    doc: &Document<'_>,
    installed: &[bool],
    semantics: Semantics,
) -> Result<Vec<i64>, CriteriaError> {
    Ok(resolve(criteria, doc)?.evaluate(installed, semantics))
}

fn item_set(item: &Item) -> PackageSet {
    match *item {
        Item::Count(s)
        | Item::Sum(s, _)
        | Item::UnsatRecommends(s)
        | Item::NotUpToDate(s)
        | Item::Aligned(s, _, _) => s,
    }
}

/// A property value for `aligned`: integers compare as numbers, other values as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Value<'t> {
    Int(i64),
    Text(&'t str),
}

impl<'d, 'a> Resolved<'d, 'a> {
    /// The criteria.
    pub fn criteria(&self) -> &Criteria {
        &self.criteria
    }

    /// The problem.
    pub fn document(&self) -> &'d Document<'a> {
        self.doc
    }

    /// The initial installation (one flag per package).
    pub fn initial(&self) -> &[bool] {
        &self.initial
    }

    /// The criteria vector of an installation: one flag per package of the problem (a shorter
    /// slice counts missing flags as not installed; extra flags are ignored).
    pub fn evaluate(&self, installed: &[bool], semantics: Semantics) -> Vec<i64> {
        let n = self.doc.packages.len();
        if installed.len() == n {
            // Every set lies within I ∪ S: visit only the names installed in either, each with
            // whether S has some version of it.
            let mut in_solution = vec![false; self.stats.len()];
            let mut names: Vec<(NameId, bool)> = Vec::with_capacity(self.initial_names.len() * 2);
            for (p, _) in installed.iter().enumerate().filter(|(_, &s)| s) {
                let name = self.doc.packages[p].name;
                let seen = &mut in_solution[name.0 as usize];
                if !*seen {
                    *seen = true;
                    names.push((name, true));
                }
            }
            for &name in &self.initial_names {
                if !in_solution[name.0 as usize] {
                    names.push((name, false));
                }
            }
            self.items
                .iter()
                .map(|item| self.item(item, installed, &names, semantics))
                .collect()
        } else {
            let mut fixed = installed.to_vec();
            fixed.resize(n, false);
            self.evaluate(&fixed, semantics)
        }
    }

    fn member(
        &self,
        set: PackageSet,
        p: PkgId,
        stat: &NameStat,
        in_solution: bool,
        s: bool,
        i: bool,
    ) -> bool {
        let v = || self.doc.package(p).version;
        let req = || self.request.get(p.index()).copied().unwrap_or(0);
        match set {
            PackageSet::Solution => s,
            PackageSet::Changed => s != i,
            PackageSet::New => s && !stat.in_initial,
            PackageSet::Removed => i && !in_solution,
            PackageSet::Up => s && stat.in_initial && v() > stat.initial_max,
            PackageSet::Down => s && stat.in_initial && v() < stat.initial_min,
            PackageSet::InstallRequest => s && req() & INSTALL_REQUEST != 0,
            PackageSet::UpgradeRequest => s && req() & UPGRADE_REQUEST != 0,
            PackageSet::Request => s && req() != 0,
        }
    }

    /// Calls `f(stat, package)` for every member of `set` among `names` (the names of I ∪ S,
    /// each with whether S holds some version of it), name by name, and
    /// `done(name)` after each name that had members.
    fn for_members(
        &self,
        set: PackageSet,
        installed: &[bool],
        names: &[(NameId, bool)],
        mut f: impl FnMut(&NameStat, PkgId),
        mut done: impl FnMut(&NameStat),
    ) {
        for &(name, in_solution) in names {
            let stat = &self.stats[name.0 as usize];
            let versions = self.doc.versions_of(name);
            let mut any = false;
            for &p in versions {
                let (s, i) = (installed[p.index()], self.initial[p.index()]);
                if self.member(set, p, stat, in_solution, s, i) {
                    any = true;
                    f(stat, p);
                }
            }
            if any {
                done(stat);
            }
        }
    }

    fn item(
        &self,
        item: &Item,
        installed: &[bool],
        names: &[(NameId, bool)],
        semantics: Semantics,
    ) -> i64 {
        let doc = self.doc;
        match (*item, semantics) {
            (Item::Count(set), Semantics::Pair) => {
                let mut n = 0i64;
                self.for_members(set, installed, names, |_, _| n += 1, |_| {});
                n
            }
            (Item::Count(set), Semantics::Name) => {
                let mut n = 0i64;
                self.for_members(set, installed, names, |_, _| {}, |_| n += 1);
                n
            }
            (Item::NotUpToDate(set), Semantics::Pair) => {
                let mut n = 0i64;
                self.for_members(
                    set,
                    installed,
                    names,
                    |stat, p| {
                        if doc.package(p).version != stat.newest {
                            n += 1;
                        }
                    },
                    |_| {},
                );
                n
            }
            (Item::NotUpToDate(set), Semantics::Name) => {
                // A name is out of date in the set when the set holds some of its versions
                // but not the newest one.
                let mut n = 0i64;
                let has_newest = std::cell::Cell::new(false);
                self.for_members(
                    set,
                    installed,
                    names,
                    |stat, p| {
                        if doc.package(p).version == stat.newest {
                            has_newest.set(true);
                        }
                    },
                    |_| {
                        if !has_newest.replace(false) {
                            n += 1;
                        }
                    },
                );
                n
            }
            (Item::Sum(set, prop), _) => {
                let mut total = 0i64;
                self.for_members(
                    set,
                    installed,
                    names,
                    |_, p| {
                        let v = match prop {
                            Prop::Version => {
                                i64::try_from(doc.package(p).version).unwrap_or(i64::MAX)
                            }
                            Prop::Extra(id, _) => doc.extra_int(p, id).unwrap_or(0),
                        };
                        total = total.saturating_add(v);
                    },
                    |_| {},
                );
                total
            }
            (Item::UnsatRecommends(set), _) => {
                let Some(rec) = self.recommends else {
                    return 0;
                };
                let mut total = 0i64;
                // Indexes the features the installed packages provide (and so gives their
                // names ids) before any recommended name is looked up.
                let inst = Installation::new(doc, installed);
                self.for_members(
                    set,
                    installed,
                    names,
                    |_, p| {
                        if let Some(raw) = doc.extra_raw(p, rec) {
                            total = total.saturating_add(unsat_conjuncts(&inst, raw));
                        }
                    },
                    |_| {},
                );
                total
            }
            (Item::Aligned(set, group, value), _) => {
                let mut pairs: HashSet<(Value<'_>, Value<'_>)> = HashSet::new();
                let mut groups: HashSet<Value<'_>> = HashSet::new();
                self.for_members(
                    set,
                    installed,
                    names,
                    |_, p| {
                        if let (Some(g), Some(v)) = (self.value(p, group), self.value(p, value)) {
                            pairs.insert((g, v));
                            groups.insert(g);
                        }
                    },
                    |_| {},
                );
                pairs.len() as i64 - groups.len() as i64
            }
        }
    }

    fn value(&self, p: PkgId, prop: Prop) -> Option<Value<'d>> {
        match prop {
            Prop::Version => Some(Value::Int(
                i64::try_from(self.doc.package(p).version).unwrap_or(i64::MAX),
            )),
            Prop::Extra(id, true) => self.doc.extra_int(p, id).map(Value::Int),
            Prop::Extra(id, false) => self.doc.extra_raw(p, id).map(|t| Value::Text(t.trim())),
        }
    }
}

/// The number of conjuncts of a `recommends` value that `installed` does not satisfy
/// (misc-rules.md 3.1, 5.4: providers count, an unversioned provide matches every constraint).
/// Reads the value with misc-cudf's vpkgformula grammar, without allocating.
fn unsat_conjuncts(inst: &Installation<'_, '_>, raw: &str) -> i64 {
    let doc = inst.document();
    let satisfied = |name: &str, constraint: Constraint| {
        doc.name_id_read_so_far(name)
            .is_some_and(|id| inst.satisfies(Vpkg::new(id, constraint)))
    };
    let (mut unsat, mut clause_sat) = (0, false);
    let read = misc_cudf::read_vpkg_formula(raw.trim(), |item| match item {
        // The first satisfied alternative settles the clause.
        Some((name, constraint)) => {
            clause_sat = clause_sat || satisfied(name, constraint);
        }
        None => {
            unsat += i64::from(!clause_sat);
            clause_sat = false;
        }
    });
    match read {
        Ok(()) => unsat,
        // The parser type-checks `recommends` values, so this is unreachable for parsed
        // documents; an unreadable value (or an empty one) recommends nothing we can check.
        Err(_) => 0,
    }
}
