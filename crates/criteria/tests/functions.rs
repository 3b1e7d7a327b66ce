//! Every function of the criteria language on hand-computed examples (misc-rules.md 3.1, 3.4),
//! under both readings.
//!
//! Fixture `functions.cudf` (I = initial installation) and its solution `functions-sol.cudf`
//! (S):
//!
//! | name | versions (newest last) | I      | S      |
//! |------|------------------------|--------|--------|
//! | a    | 1 2 3                  | 1      | 2      |
//! | b    | 1 2 3                  | 1 2    | 2 3    |
//! | c    | 1                      | 1      | –      |
//! | d    | 1 2                    | 2      | 1      |
//! | e    | 1 2                    | –      | 1      |
//! | f    | 1 (provides g)         | –      | 1      |
//! | h    | 1                      | 1      | 1      |

use misc_criteria::{parse_criteria, resolve, Semantics};

const PROBLEM: &str = include_str!("fixtures/functions.cudf");
const SOLUTION: &str = include_str!("fixtures/functions-sol.cudf");
const RECOMMENDS: &str = include_str!("fixtures/recommends.cudf");

fn solution(doc: &misc_cudf::Document<'_>) -> Vec<bool> {
    match misc_cudf::parse_answer(SOLUTION, doc).unwrap() {
        misc_cudf::Answer::Solution(s) => s.installed,
        misc_cudf::Answer::Fail { .. } => panic!("fixture is a solution"),
    }
}

/// Evaluates one criterion on the fixture solution under both readings: (name, pair).
fn both(criterion: &str) -> (i64, i64) {
    let doc = misc_cudf::parse_problem(PROBLEM).unwrap();
    let s = solution(&doc);
    let c = parse_criteria(criterion).unwrap();
    let r = resolve(&c, &doc).unwrap();
    let name = r.evaluate(&s, Semantics::Name);
    let pair = r.evaluate(&s, Semantics::Pair);
    assert_eq!(name.len(), 1);
    (name[0], pair[0])
}

#[test]
fn count_of_each_set() {
    // solution: pairs a2 b2 b3 d1 e1 f1 h1 (7); names a b d e f h (6).
    assert_eq!(both("-count(solution)"), (6, 7));
    // changed: pairs a1 a2 b1 b3 c1 d1 d2 e1 f1 (9); names a b c d e f (6). A version switch
    // is one change by name and two by pair (misc-rules.md 3.4 warning).
    assert_eq!(both("-count(changed)"), (6, 9));
    assert_eq!(both("-changed"), (6, 9));
    // new: e1 f1 — names without a version in I.
    assert_eq!(both("-count(new)"), (2, 2));
    assert_eq!(both("-new"), (2, 2));
    // removed: c1 — the only name that lost every version.
    assert_eq!(both("-count(removed)"), (1, 1));
    assert_eq!(both("-removed"), (1, 1));
    // up: a2 (> a1) and b3 (> b1, b2); b2 is not above every initial b.
    assert_eq!(both("+count(up)"), (2, 2));
    // down: d1 (< d2).
    assert_eq!(both("-count(down)"), (1, 1));
    // installrequest: e1, f1 by name; f1 is also the provider of `g`, but providers of a
    // requested feature are not members (as cudf2lp). upgraderequest: b2, b3.
    assert_eq!(both("-count(installrequest)"), (2, 2));
    assert_eq!(both("-count(upgraderequest)"), (1, 2));
    assert_eq!(both("-count(request)"), (3, 4));
}

#[test]
fn notuptodate_is_relative_to_the_universe() {
    // misc-rules.md 3.1 / 7.11: newest in the universe, not in I.
    // Pairs of S not at their name's newest: a2 (a3), b2 (b3), d1 (d2), e1 (e2) = 4.
    // Names of S lacking their newest: a, d, e = 3 (b has b3 installed next to b2).
    assert_eq!(both("-notuptodate"), (3, 4));
    assert_eq!(both("-notuptodate(solution)"), (3, 4));
    // changed pairs not newest: a1 a2 b1 d1 e1 = 5; names whose changed versions miss the
    // newest: a, e = 2 (b has b3, d has d2, c1 and f1 are their newest).
    assert_eq!(both("-notuptodate(changed)"), (2, 5));
    // removed: c1 is c's newest.
    assert_eq!(both("-notuptodate(removed)"), (0, 0));
    assert_eq!(both("-notuptodate(new)"), (1, 1));
}

#[test]
fn sum_of_a_property() {
    // size over S: a2 10 + b2 5 + b3 7 + d1 3 + e1 100 + f1 0 (default) + h1 1 = 126.
    assert_eq!(both("-sum(size)"), (126, 126));
    assert_eq!(both("-sum(solution,size)"), (126, 126));
    // over I △ S: a1 2 + a2 10 + b1 4 + b3 7 + c1 50 + d1 3 + d2 6 + e1 100 + f1 0 = 182.
    assert_eq!(both("-sum(changed,size)"), (182, 182));
    assert_eq!(both("-sum(removed,size)"), (50, 50));
    // The core `version` is an integer property too (aspcud accepts it): 2+2+3+1+1+1+1.
    assert_eq!(both("+sum(solution,version)"), (11, 11));
}

#[test]
fn unsat_recommends_with_features_and_unknown_names() {
    // a2 recommends `c, g, zzz | h >= 2, d >= 2`: c is removed (unsat), g is provided by f1
    // (sat), zzz is no package and h is only version 1 (unsat), d is only d1 (unsat): 3.
    // e1 recommends `g = 5`: f1 provides g unversioned, which matches every constraint (5.4).
    assert_eq!(both("-unsat_recommends"), (3, 3));
    assert_eq!(both("-unsat_recommends(solution)"), (3, 3));
    // c1 recommends itself; it is removed, and S lacks c: 1.
    assert_eq!(both("-unsat_recommends(removed)"), (1, 1));
    assert_eq!(both("-unsat_recommends(new)"), (0, 0));
}

#[test]
fn aligned_counts_extra_values_per_group() {
    // Over S, (source, sourceversion): a2 (s1,1), b2 (s1,2), b3 (s2,1), the rest ("",""):
    // 4 distinct pairs − 3 distinct sources = 1 (s1 is split over two versions).
    assert_eq!(both("-aligned(solution,source,sourceversion)"), (1, 1));
    // One group (label is "" everywhere) holding the 7 distinct sizes 10 5 7 3 100 0 1: 7 − 1.
    assert_eq!(both("-aligned(solution,label,size)"), (6, 6));
    // Grouping by size, every group has the one label "": aligned.
    assert_eq!(both("-aligned(solution,size,label)"), (0, 0));
}

#[test]
fn the_rules_worked_example_of_unsat_recommends() {
    // misc-rules.md 3.1: a recommends `b, c|d|e, e|f|g, b|g, h`; S installs a, e, f, h;
    // `b` and `b|g` fail, so the value is 2.
    let doc = misc_cudf::parse_problem(RECOMMENDS).unwrap();
    let c = parse_criteria("-unsat_recommends").unwrap();
    let r = resolve(&c, &doc).unwrap();
    let initial = doc.installed_flags();
    assert_eq!(r.evaluate(&initial, Semantics::Name), [2]);
    assert_eq!(r.evaluate(&initial, Semantics::Pair), [2]);

    let with = |extra: &[&str]| {
        let mut flags = initial.clone();
        for name in extra {
            let id = doc.versions_of(doc.name_id(name).unwrap())[0];
            flags[id.index()] = true;
        }
        flags
    };
    // p provides `b` (unversioned): both `b` and `b|g` are now satisfied by a provider.
    assert_eq!(r.evaluate(&with(&["p"]), Semantics::Pair), [0]);
    // q provides `g = 2`: only `b|g` is satisfied.
    assert_eq!(r.evaluate(&with(&["q"]), Semantics::Pair), [1]);
    // r recommends `g >= 3, g < 3, b > 1`: with q (g = 2) `g >= 3` fails; with p too, the
    // unversioned provide of b matches `b > 1`.
    assert_eq!(r.evaluate(&with(&["r", "q"]), Semantics::Pair), [1 + 2]);
    assert_eq!(r.evaluate(&with(&["r", "q", "p"]), Semantics::Pair), [1]);
}

#[test]
fn unsat_recommends_reads_every_form_of_a_vpkgformula() {
    // misc-rules.md 5.2: `true!` (no clause), `false!` (one clause nothing satisfies), blanks
    // and tabs around every token, `+` before a version. Only x (version 2) is installed.
    let doc = misc_cudf::parse_problem(concat!(
        "preamble: \nproperty: recommends: vpkgformula = [true!]\n\n",
        "package: x\nversion: 2\ninstalled: true\n\n",
        "package: t\nversion: 1\ninstalled: true\nrecommends: true!\n\n",
        "package: f\nversion: 1\ninstalled: true\nrecommends:  false! \n\n",
        "package: s\nversion: 1\ninstalled: true\nrecommends: \tzz\t|\tx >= +2 , x<2,y\n\n",
        "request: \n",
    ))
    .unwrap();
    let r = resolve(&parse_criteria("-unsat_recommends").unwrap(), &doc).unwrap();
    // f: false! (1); s: `zz | x >= 2` holds, `x < 2` and `y` do not (2).
    assert_eq!(r.evaluate(&doc.installed_flags(), Semantics::Pair), [1 + 2]);
    assert_eq!(r.evaluate(&doc.installed_flags(), Semantics::Name), [1 + 2]);
}

#[test]
fn unsat_recommends_is_zero_without_a_declared_recommends() {
    // misc-rules.md 7.11: an absent recommends is `true!`.
    let doc =
        misc_cudf::parse_problem("package: a\nversion: 1\ninstalled: true\n\nrequest: \n").unwrap();
    let c = parse_criteria("trendy").unwrap();
    assert_eq!(
        misc_criteria::evaluate(&c, &doc, &doc.installed_flags(), Semantics::Pair).unwrap(),
        [0, 0, 0, 0]
    );
}

#[test]
fn tracks_on_the_fixture() {
    let doc = misc_cudf::parse_problem(PROBLEM).unwrap();
    let s = solution(&doc);
    // paranoid = -removed,-changed (misc-rules.md 3.2).
    let paranoid = resolve(&parse_criteria("paranoid").unwrap(), &doc).unwrap();
    assert_eq!(paranoid.evaluate(&s, Semantics::Name), [1, 6]);
    assert_eq!(paranoid.evaluate(&s, Semantics::Pair), [1, 9]);
    // trendy = -removed,-notuptodate,-unsat_recommends,-new.
    let trendy = resolve(&parse_criteria("trendy").unwrap(), &doc).unwrap();
    assert_eq!(trendy.evaluate(&s, Semantics::Name), [1, 3, 3, 2]);
    assert_eq!(trendy.evaluate(&s, Semantics::Pair), [1, 4, 3, 2]);
    // The initial installation changes nothing and removes nothing.
    let i = doc.installed_flags();
    assert_eq!(paranoid.evaluate(&i, Semantics::Pair), [0, 0]);
    assert_eq!(paranoid.evaluate(&i, Semantics::Name), [0, 0]);
}

#[test]
fn short_or_long_flag_vectors_do_not_panic() {
    let doc = misc_cudf::parse_problem(PROBLEM).unwrap();
    let r = resolve(&parse_criteria("trendy").unwrap(), &doc).unwrap();
    // Missing flags are "not installed": everything initially installed is removed.
    assert_eq!(r.evaluate(&[], Semantics::Name)[0], 5);
    let long = vec![false; doc.packages.len() + 10];
    assert_eq!(r.evaluate(&long, Semantics::Name)[0], 5);
}

#[test]
fn resolve_checks_properties() {
    let doc = misc_cudf::parse_problem(PROBLEM).unwrap();
    let err = |s: &str| resolve(&parse_criteria(s).unwrap(), &doc).unwrap_err();
    // `sum` over a string property is an error, not a zero (the issue; cudf2lp agrees).
    let e = err("-removed,-sum(solution,source)");
    assert_eq!(e.column(), 24);
    assert!(e.message.contains("integer property"), "{e}");
    assert!(e.message.contains("string"), "{e}");
    let e = err("-sum(installedsize)");
    assert_eq!(e.column(), 6);
    assert!(
        e.message.contains("unknown property `installedsize`"),
        "{e}"
    );
    assert!(e.message.contains("recommends, size, source"), "{e}");
    let e = err("-aligned(solution,source,nosuch)");
    assert_eq!(e.column(), 26);
    // aligned accepts non-integer properties.
    assert!(resolve(&parse_criteria("-aligned(up,source,label)").unwrap(), &doc).is_ok());
}

#[test]
fn resolve_rejects_a_recommends_that_is_not_a_formula() {
    let doc = misc_cudf::parse_problem(
        "preamble: \nproperty: recommends: string = [\"\"]\n\npackage: a\nversion: 1\n\nrequest: \n",
    )
    .unwrap();
    let e = resolve(&parse_criteria("-new,-unsat_recommends").unwrap(), &doc).unwrap_err();
    assert_eq!(e.column(), 6);
    assert!(e.message.contains("vpkgformula"), "{e}");
}
