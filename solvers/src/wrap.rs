//! Translating a track's criteria (any form `misc` accepts: `paranoid`, `trendy`, a 2010/2011
//! list, the MISC 2012 language; misc-rules.md 3.2–3.4) into the criteria language of an
//! entrant that does not speak it: `mccs` 1.1 and `packup` 0.6 (Debian packages `mccs`,
//! `packup`). The criteria are parsed by `misc-criteria`, the grammar the judge uses, so the
//! entrant gets exactly the criteria the judge will evaluate, or nothing.
//!
//! A criterion the entrant's language cannot say is a [`Refusal`]: the wrapper (`misc-wrap`)
//! then writes no answer and exits non-zero, so the run is an abort with the reason in its
//! stderr (`misc show`), never an answer optimised for another objective.
//!
//! # mccs 1.1 (`mccs -h`; sources: `count_criteria.c`, `unaligned_criteria.c`, ...)
//!
//! mccs counts package **names**, not (name, version) pairs: its `removed`, `new`, `changed`
//! and `notuptodate` are the 2010/2011 definitions (misc-rules.md 3.1), i.e. the *name*
//! reading. Under the *pair* reading (the default for misc2011 and misc2012) they agree as
//! long as at most one version of a name is installed before and after (Debian's dpkg never
//! installs two); when a name switches version, mccs counts one change where the pair reading
//! counts two, so mccs may miss the pair-reading optimum (`paranoid` on rand598: pairs changed
//! 130 against the organisers' optimum 128).
//!
//! | MISC criterion | mccs criterion | notes |
//! |---|---|---|
//! | `count(removed)`, `removed` | `removed` | names |
//! | `count(new)`, `new` | `new` | names |
//! | `count(changed)`, `changed` | `changed` | names; a version switch counts 1 |
//! | `notuptodate(solution)`, `notuptodate` | `notuptodate` | names: installed, newest version of the universe not installed |
//! | `unsat_recommends(solution)`, `unsat_recommends` | `nunsat[recommends:,true]` | providers count (`true`); conjuncts no package can meet are left out, a constant |
//! | `sum(solution,P)`, `sum(P)` | `count[P:,false]` | P declared in the preamble as int, nat or posint (mccs ignores any other, with a warning) |
//! | `aligned(solution,source,sourceversion)` | `unaligned[changes]` | mccs's property names are fixed: `source`, `sourceversion` and `number` must be declared as strings; packages without their own `source` and `sourceversion` values are left out |
//!
//! Refused (mccs has no criterion for it): `count(SET)` for SET `solution`, `up`, `down`,
//! `installrequest`, `upgraderequest`, `request`; `sum(SET,P)` for SET other than `solution`
//! (mccs's `count[P:,true]` sums over the packages not installed initially, which is none of
//! the MISC sets), and `sum(solution,version)` (mccs sums declared properties only);
//! `notuptodate(SET)` and `unsat_recommends(SET)` for SET other than `solution`; `aligned` over
//! another set or other properties.
//!
//! `+` and `-` are the same in both languages; the list becomes `-lex[C1,C2,...]`
//! (lexicographic, leftmost first, misc-rules.md 3.5).
//!
//! # packup 0.6 (`packup -h`; `cudf_msu.cc`)
//!
//! `-u` takes a comma-separated list of signed `removed`, `new`, `changed`, `notuptodate`,
//! `unmet_recommends`, counted over names like mccs's:
//!
//! | MISC criterion | packup criterion |
//! |---|---|
//! | `count(removed)`, `removed` | `removed` |
//! | `count(new)`, `new` | `new` |
//! | `count(changed)`, `changed` | `changed` |
//! | `notuptodate(solution)`, `notuptodate` | `notuptodate` |
//! | `unsat_recommends(solution)`, `unsat_recommends` | `unmet_recommends` |
//!
//! Everything else is refused: packup has no sums, no alignment and no other sets.

use std::fmt;

use misc_criteria::{Criteria, Criterion, Function, PackageSet};
use misc_cudf::PropType;

/// The solvers `misc-wrap` translates for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entrant {
    /// mccs 1.1: `mccs -i IN -o OUT -lex[...]`.
    Mccs,
    /// packup 0.6: `packup -u CRITERIA IN OUT`.
    Packup,
}

impl Entrant {
    /// The entrant's program name.
    pub fn as_str(self) -> &'static str {
        match self {
            Entrant::Mccs => "mccs",
            Entrant::Packup => "packup",
        }
    }

    /// The entrant named `name` (`mccs`, `packup`).
    pub fn from_name(name: &str) -> Option<Entrant> {
        match name {
            "mccs" => Some(Entrant::Mccs),
            "packup" => Some(Entrant::Packup),
            _ => None,
        }
    }
}

impl fmt::Display for Entrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of declaration a translated criterion needs in the problem's preamble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// An `int`, `nat` or `posint` property (mccs's `count[P:,...]`).
    Integer,
    /// A `string` property (mccs's `unaligned`).
    String,
}

impl Declared {
    fn accepts(self, ty: &PropType) -> bool {
        match self {
            Declared::Integer => ty.is_integer(),
            Declared::String => *ty == PropType::String,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Declared::Integer => "int, nat or posint",
            Declared::String => "string",
        }
    }
}

/// A property the problem must declare for the translation to mean what the criteria say
/// (mccs silently drops a criterion whose property is missing or of another type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The property's name.
    pub property: String,
    /// The type it must be declared with.
    pub declared: Declared,
    /// The MISC criterion that needs it, e.g. `-sum(solution,size)`.
    pub criterion: String,
}

/// The criteria in the entrant's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// One argument: mccs's `-lex[...]`, or packup's `-u` value.
    pub argument: String,
    /// Properties the problem must declare (checked by [`check_problem`]).
    pub requirements: Vec<Requirement>,
}

/// A criterion the entrant cannot express, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The entrant.
    pub entrant: Entrant,
    /// The criterion, normalised (e.g. `+count(up)`).
    pub criterion: String,
    /// 1-based column of the criterion in the criteria string.
    pub column: usize,
    /// Why the entrant's language cannot say it.
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cannot express `{}` (column {}): {}",
            self.entrant, self.criterion, self.column, self.reason
        )
    }
}

fn column(source: &str, offset: usize) -> usize {
    let mut end = offset.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    source[..end].chars().count() + 1
}

/// Translates `criteria` for `entrant`: the argument to pass, or every criterion it cannot
/// express (all of them, not only the first).
pub fn translate(entrant: Entrant, criteria: &Criteria) -> Result<Translation, Vec<Refusal>> {
    let mut parts = Vec::new();
    let mut requirements = Vec::new();
    let mut refusals = Vec::new();
    for c in &criteria.items {
        let result = match entrant {
            Entrant::Mccs => mccs(c),
            Entrant::Packup => packup(c),
        };
        match result {
            Ok((body, needs)) => {
                parts.push(format!("{}{body}", c.sense.sign()));
                requirements.extend(needs.into_iter().map(|(property, declared)| Requirement {
                    property,
                    declared,
                    criterion: c.label(),
                }));
            }
            Err(reason) => refusals.push(Refusal {
                entrant,
                criterion: c.label(),
                column: column(&criteria.source, c.offset),
                reason,
            }),
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let argument = match entrant {
        Entrant::Mccs => format!("-lex[{}]", parts.join(",")),
        Entrant::Packup => parts.join(","),
    };
    Ok(Translation {
        argument,
        requirements,
    })
}

type Translated = Result<(String, Vec<(String, Declared)>), String>;

const MCCS_HAS: &str = "its criteria are removed, new, changed, notuptodate (over names), \
nunsat[P:,B] (installed packages), count[P:,B] (a property summed over the installed packages, \
or over those not installed initially) and unaligned[...] (source/sourceversion)";

fn mccs(c: &Criterion) -> Translated {
    use PackageSet::*;
    let plain = |s: &str| Ok((s.to_string(), Vec::new()));
    match &c.function {
        Function::Count(Removed) => plain("removed"),
        Function::Count(New) => plain("new"),
        Function::Count(Changed) => plain("changed"),
        Function::NotUpToDate(Solution) => plain("notuptodate"),
        Function::UnsatRecommends(Solution) => plain("nunsat[recommends:,true]"),
        Function::Sum(Solution, p) if p.name == "version" => Err(
            "mccs's count[P:,false] sums properties declared in the preamble only, and \
             `version` is a core property (mccs would drop the criterion with a warning)"
                .into(),
        ),
        Function::Sum(Solution, p) => Ok((
            format!("count[{}:,false]", p.name),
            vec![(p.name.clone(), Declared::Integer)],
        )),
        Function::Aligned(Solution, g, a) if g.name == "source" && a.name == "sourceversion" => {
            Ok((
                "unaligned[changes]".into(),
                ["source", "sourceversion", "number"]
                    .iter()
                    .map(|p| (p.to_string(), Declared::String))
                    .collect(),
            ))
        }
        Function::Aligned(Solution, _, _) => Err(
            "mccs's unaligned[changes] aligns the fixed properties source and sourceversion \
             only: aligned(solution,source,sourceversion)"
                .into(),
        ),
        Function::Count(set) => Err(format!(
            "mccs has no criterion counting the set `{set}` ({MCCS_HAS})"
        )),
        Function::Sum(New, _) | Function::Sum(Changed, _) => Err(format!(
            "mccs's count[P:,true] sums over the packages not installed initially (whatever \
             their name), which is not the set `{}`; only sum(solution,P) translates",
            c.function.set()
        )),
        Function::Sum(set, _) => Err(format!(
            "mccs sums a property over the installed packages only (sum(solution,P)), not over \
             `{set}`"
        )),
        Function::UnsatRecommends(set) => Err(format!(
            "mccs's nunsat counts the unsatisfied recommends of every installed package \
             (unsat_recommends(solution)), not of the set `{set}`"
        )),
        Function::NotUpToDate(set) => Err(format!(
            "mccs's notuptodate counts every installed name (notuptodate(solution)), not the \
             set `{set}`"
        )),
        Function::Aligned(set, _, _) => Err(format!(
            "mccs's unaligned ranges over the installed packages only (aligned(solution,...)), \
             not over `{set}`"
        )),
    }
}

const PACKUP_HAS: &str = "packup's -u language has only removed, new, changed, notuptodate and \
unmet_recommends (over names and the installed packages)";

fn packup(c: &Criterion) -> Translated {
    use PackageSet::*;
    let plain = |s: &str| Ok((s.to_string(), Vec::new()));
    match &c.function {
        Function::Count(Removed) => plain("removed"),
        Function::Count(New) => plain("new"),
        Function::Count(Changed) => plain("changed"),
        Function::NotUpToDate(Solution) => plain("notuptodate"),
        Function::UnsatRecommends(Solution) => plain("unmet_recommends"),
        _ => Err(PACKUP_HAS.into()),
    }
}

/// Checks that `problem` declares every property `translation` needs, with the right type:
/// one message per missing or mistyped property.
pub fn check_problem(
    translation: &Translation,
    problem: &misc_cudf::Document<'_>,
) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    for r in &translation.requirements {
        let found = problem
            .property_id(&r.property)
            .map(|id| &problem.property(id).ty);
        match found {
            Some(ty) if r.declared.accepts(ty) => {}
            Some(ty) => errors.push(format!(
                "`{}` needs the property `{}` declared as {}, but the problem declares it as {ty} \
                 (mccs would drop the criterion with a warning)",
                r.criterion,
                r.property,
                r.declared.describe()
            )),
            None => errors.push(format!(
                "`{}` needs the property `{}` declared as {} in the problem's preamble, and it is \
                 not (mccs would drop the criterion with a warning)",
                r.criterion,
                r.property,
                r.declared.describe()
            )),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use misc_criteria::parse_criteria;

    fn mccs_arg(criteria: &str) -> String {
        translate(Entrant::Mccs, &parse_criteria(criteria).unwrap())
            .unwrap()
            .argument
    }

    fn packup_arg(criteria: &str) -> String {
        translate(Entrant::Packup, &parse_criteria(criteria).unwrap())
            .unwrap()
            .argument
    }

    fn refusals(entrant: Entrant, criteria: &str) -> Vec<Refusal> {
        translate(entrant, &parse_criteria(criteria).unwrap()).unwrap_err()
    }

    // One test per row of the mccs table (misc-rules.md 3.4), both spellings where the legacy
    // one exists, both signs.

    #[test]
    fn mccs_removed() {
        assert_eq!(mccs_arg("-count(removed)"), "-lex[-removed]");
        assert_eq!(mccs_arg("-removed"), "-lex[-removed]");
        assert_eq!(mccs_arg("+removed"), "-lex[+removed]");
    }

    #[test]
    fn mccs_new() {
        assert_eq!(mccs_arg("-count(new)"), "-lex[-new]");
        assert_eq!(mccs_arg("+new"), "-lex[+new]");
    }

    #[test]
    fn mccs_changed() {
        assert_eq!(mccs_arg("-count(changed)"), "-lex[-changed]");
        assert_eq!(mccs_arg("-changed"), "-lex[-changed]");
    }

    #[test]
    fn mccs_notuptodate() {
        assert_eq!(mccs_arg("-notuptodate(solution)"), "-lex[-notuptodate]");
        assert_eq!(mccs_arg("+notuptodate"), "-lex[+notuptodate]");
    }

    #[test]
    fn mccs_unsat_recommends() {
        assert_eq!(
            mccs_arg("-unsat_recommends(solution)"),
            "-lex[-nunsat[recommends:,true]]"
        );
        assert_eq!(
            mccs_arg("-unsat_recommends"),
            "-lex[-nunsat[recommends:,true]]"
        );
    }

    #[test]
    fn mccs_sum() {
        let t = translate(
            Entrant::Mccs,
            &parse_criteria("-sum(solution,installedsize)").unwrap(),
        )
        .unwrap();
        assert_eq!(t.argument, "-lex[-count[installedsize:,false]]");
        assert_eq!(
            t.requirements,
            [Requirement {
                property: "installedsize".into(),
                declared: Declared::Integer,
                criterion: "-sum(solution,installedsize)".into(),
            }]
        );
        assert_eq!(mccs_arg("+sum(size)"), "-lex[+count[size:,false]]");
    }

    #[test]
    fn mccs_aligned() {
        let t = translate(
            Entrant::Mccs,
            &parse_criteria("-aligned(solution,source,sourceversion)").unwrap(),
        )
        .unwrap();
        assert_eq!(t.argument, "-lex[-unaligned[changes]]");
        let needed: Vec<_> = t.requirements.iter().map(|r| r.property.as_str()).collect();
        assert_eq!(needed, ["source", "sourceversion", "number"]);
        assert!(t
            .requirements
            .iter()
            .all(|r| r.declared == Declared::String));
    }

    #[test]
    fn mccs_tracks_and_lists() {
        assert_eq!(mccs_arg("paranoid"), "-lex[-removed,-changed]");
        assert_eq!(
            mccs_arg("trendy"),
            "-lex[-removed,-notuptodate,-nunsat[recommends:,true],-new]"
        );
        // The MISC 2012 trendy of aspcud's tests, and the one with a sum.
        assert_eq!(
            mccs_arg(
                "-count(removed),-notuptodate(solution),-unsat_recommends(solution),-count(new)"
            ),
            "-lex[-removed,-notuptodate,-nunsat[recommends:,true],-new]"
        );
        assert_eq!(
            mccs_arg(
                "-count(removed), -sum(solution,installedsize), -notuptodate(solution), \
                 -unsat_recommends(solution), -count(new)"
            ),
            "-lex[-removed,-count[installedsize:,false],-notuptodate,\
             -nunsat[recommends:,true],-new]"
        );
    }

    #[test]
    fn mccs_refuses_what_it_cannot_say() {
        let cases = [
            ("+count(up)", "no criterion counting the set `up`"),
            ("-count(down)", "no criterion counting the set `down`"),
            (
                "-count(solution)",
                "no criterion counting the set `solution`",
            ),
            ("-count(request)", "no criterion counting the set `request`"),
            (
                "-count(installrequest)",
                "no criterion counting the set `installrequest`",
            ),
            (
                "-count(upgraderequest)",
                "no criterion counting the set `upgraderequest`",
            ),
            ("-sum(new,size)", "not the set `new`"),
            ("-sum(changed,size)", "not the set `changed`"),
            ("-sum(up,size)", "not over `up`"),
            ("-sum(solution,version)", "`version` is a core property"),
            ("-unsat_recommends(new)", "not of the set `new`"),
            ("-notuptodate(changed)", "not the set `changed`"),
            ("-aligned(new,source,sourceversion)", "not over `new`"),
            ("-aligned(solution,grp,size)", "fixed properties source"),
        ];
        for (criteria, reason) in cases {
            let r = refusals(Entrant::Mccs, criteria);
            assert_eq!(r.len(), 1, "{criteria}");
            assert!(r[0].reason.contains(reason), "{criteria}: {}", r[0]);
            assert_eq!(r[0].criterion, criteria.replace(' ', ""));
            assert!(r[0].to_string().starts_with("mccs cannot express `"));
        }
    }

    #[test]
    fn every_refusal_is_reported_with_its_column() {
        let r = refusals(Entrant::Mccs, "-count(removed),+count(up),-count(down)");
        let found: Vec<_> = r.iter().map(|r| (r.criterion.as_str(), r.column)).collect();
        assert_eq!(found, [("+count(up)", 17), ("-count(down)", 28)]);
    }

    // packup's table.

    #[test]
    fn packup_translates_its_five_criteria() {
        assert_eq!(packup_arg("-count(removed)"), "-removed");
        assert_eq!(packup_arg("+count(new)"), "+new");
        assert_eq!(packup_arg("-changed"), "-changed");
        assert_eq!(packup_arg("-notuptodate(solution)"), "-notuptodate");
        assert_eq!(
            packup_arg("-unsat_recommends(solution)"),
            "-unmet_recommends"
        );
        assert_eq!(packup_arg("paranoid"), "-removed,-changed");
        assert_eq!(
            packup_arg("trendy"),
            "-removed,-notuptodate,-unmet_recommends,-new"
        );
    }

    #[test]
    fn packup_refuses_the_rest() {
        for criteria in [
            "-sum(size)",
            "-sum(solution,size)",
            "+count(up)",
            "-count(down)",
            "-count(solution)",
            "-unsat_recommends(new)",
            "-notuptodate(new)",
            "-aligned(solution,source,sourceversion)",
        ] {
            let r = refusals(Entrant::Packup, criteria);
            assert_eq!(r.len(), 1, "{criteria}");
            assert!(r[0].reason.contains("packup's -u language has only"));
        }
    }

    #[test]
    fn requirements_are_checked_against_the_preamble() {
        let problem = misc_cudf::parse_problem(
            "preamble: \nproperty: size: nat = [0], source: string = [\"\"], \
             sourceversion: string = [\"\"], number: int = [0]\n\n\
             package: a\nversion: 1\n\nrequest: \ninstall: a\n",
        )
        .unwrap();
        let t = |c: &str| translate(Entrant::Mccs, &parse_criteria(c).unwrap()).unwrap();
        assert_eq!(check_problem(&t("-sum(size)"), &problem), Ok(()));
        let e = check_problem(&t("-sum(installedsize)"), &problem).unwrap_err();
        assert!(e[0].contains("`installedsize` declared as int, nat or posint"));
        assert!(e[0].contains("it is not"));
        let e = check_problem(&t("-aligned(solution,source,sourceversion)"), &problem).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(
            e[0].contains("`number` declared as string, but the problem declares it as int"),
            "{e:?}"
        );
    }
}
