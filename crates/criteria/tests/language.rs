//! The criteria language: tracks, legacy and MISC 2012 notations, and errors that point at the
//! offending character (misc-rules.md 3.2–3.4).

use misc_criteria::{parse_criteria, Function, PackageSet, Sense};
use proptest::prelude::*;

fn labels(s: &str) -> Vec<String> {
    parse_criteria(s).unwrap().labels()
}

#[test]
fn tracks_expand_to_their_criteria() {
    // misc-rules.md 3.2.
    assert_eq!(labels("paranoid"), ["-removed", "-changed"]);
    assert_eq!(
        labels("trendy"),
        ["-removed", "-notuptodate", "-unsat_recommends", "-new"]
    );
    assert_eq!(labels(" trendy "), labels(misc_criteria::TRENDY));
    assert_eq!(
        parse_criteria("paranoid").unwrap().items,
        parse_criteria("-count(removed),-count(changed)")
            .unwrap()
            .items
            .into_iter()
            .map(|mut c| {
                c.legacy = true;
                c.offset = 0;
                c
            })
            .collect::<Vec<_>>()
    );
}

#[test]
fn legacy_names_are_2012_functions_over_fixed_sets() {
    // misc-rules.md 3.4, "legacy:" line of the grammar.
    let c =
        parse_criteria("-removed,+new,-changed,-notuptodate,-unsat_recommends,+sum(size)").unwrap();
    let f: Vec<_> = c.items.iter().map(|c| c.function.clone()).collect();
    assert_eq!(f[0], Function::Count(PackageSet::Removed));
    assert_eq!(f[1], Function::Count(PackageSet::New));
    assert_eq!(f[2], Function::Count(PackageSet::Changed));
    assert_eq!(f[3], Function::NotUpToDate(PackageSet::Solution));
    assert_eq!(f[4], Function::UnsatRecommends(PackageSet::Solution));
    assert!(matches!(&f[5], Function::Sum(PackageSet::Solution, p) if p.name == "size"));
    assert_eq!(c.items[1].sense, Sense::Max);
    assert_eq!(c.items[0].sense, Sense::Min);
    assert_eq!(
        c.to_string(),
        "-removed,+new,-changed,-notuptodate,-unsat_recommends,+sum(size)"
    );
}

#[test]
fn extended_notation_with_every_set() {
    for set in PackageSet::ALL {
        let s = format!(
            "-count({set}),+sum({set},size),-unsat_recommends({set}),-notuptodate({set}),\
             -aligned({set},source,sourceversion)"
        );
        let c = parse_criteria(&s).unwrap();
        assert_eq!(c.items.len(), 5);
        assert!(c.items.iter().all(|c| c.function.set() == set));
        assert_eq!(c.to_string(), s);
    }
    // The 17 MISC instance criteria of aspcud's test suite.
    for s in [
        "-count(down)",
        "-count(removed),-notuptodate(solution),-unsat_recommends(solution),-count(new)",
        "-count(removed),-sum(solution,installedsize),-notuptodate(solution),\
         -unsat_recommends(solution),-count(new)",
        "-notuptodate(solution)",
        "-unsat_recommends(new)",
        "+count(up)",
    ] {
        assert_eq!(parse_criteria(s).unwrap().to_string(), s);
    }
    // Property names may contain `-` (e.g. pin-priority-500 in Debian instances).
    assert_eq!(
        labels("+sum(solution,pin-priority-500),-new"),
        ["+sum(solution,pin-priority-500)", "-new"]
    );
}

#[test]
fn blanks_between_tokens_are_accepted() {
    assert_eq!(
        labels(" -count( removed ) , + sum ( solution , size ) "),
        ["-count(removed)", "+sum(solution,size)"]
    );
}

/// (input, 1-based column, a fragment of the message).
fn error(s: &str) -> (usize, String) {
    let e = parse_criteria(s).unwrap_err();
    let shown = e.to_string();
    // Display: message line, the string, a caret under the column.
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 3, "{shown}");
    assert_eq!(lines[2].find('^'), Some(2 + e.column() - 1), "{shown}");
    (e.column(), e.message)
}

#[test]
fn errors_point_at_the_character_and_say_what_was_expected() {
    let (col, msg) = error("-removed,changed");
    assert_eq!(col, 10);
    assert!(msg.contains("expected `+` or `-`"), "{msg}");

    let (col, msg) = error("removed");
    assert_eq!(col, 1);
    assert!(msg.contains("expected `+` or `-`"), "{msg}");

    let (col, msg) = error("-removed,-chnged");
    assert_eq!(col, 11);
    assert!(msg.contains("unknown criterion `chnged`"), "{msg}");

    let (col, msg) = error("-count(installed)");
    assert_eq!(col, 8);
    assert!(msg.contains("expected a set: solution, changed"), "{msg}");

    let (col, msg) = error("-count(new");
    assert_eq!(col, 11);
    assert!(msg.contains("expected `)`, found the end"), "{msg}");

    let (col, msg) = error("-count");
    assert_eq!(col, 7);
    assert!(msg.contains("expected `(`"), "{msg}");

    // Argument order is sum(SET,ATTR) (misc-rules.md 3.4).
    let (col, msg) = error("-sum(size,solution)");
    assert_eq!(col, 6);
    assert!(msg.contains("sum(SET,PROPERTY)"), "{msg}");

    let (col, msg) = error("-removed,");
    assert_eq!(col, 10);
    assert!(msg.contains("expected `+` or `-` and a criterion"), "{msg}");

    let (col, msg) = error("-removed -new");
    assert_eq!(col, 10);
    assert!(msg.contains("expected `,` or the end"), "{msg}");

    let (col, msg) = error("");
    assert_eq!(col, 1);
    assert!(msg.contains("track name"), "{msg}");

    let (col, msg) = error("-unmet_recommends");
    assert_eq!(col, 2);
    assert!(msg.contains("unsat_recommends"), "{msg}");

    let (col, msg) = error("paranoid,-new");
    assert_eq!(col, 1);
    assert!(msg.contains("stand alone"), "{msg}");

    let (col, msg) = error("-aligned(solution,source)");
    assert_eq!(col, 25);
    assert!(msg.contains("aligned property"), "{msg}");

    let (col, _) = error("-new,-removed()");
    assert_eq!(col, 7);

    // Columns count characters, not bytes.
    let (col, _) = error("-new,-é");
    assert_eq!(col, 7);
}

fn set_strategy() -> impl Strategy<Value = PackageSet> {
    prop::sample::select(PackageSet::ALL.to_vec())
}

fn criterion_strategy() -> impl Strategy<Value = String> {
    let prop = prop::sample::select(vec!["size", "installedsize", "version", "pin-priority-1"]);
    (
        prop::bool::ANY,
        set_strategy(),
        0..10usize,
        prop.clone(),
        prop,
    )
        .prop_map(|(max, set, kind, p, q)| {
            let sign = if max { '+' } else { '-' };
            let body = match kind {
                0 => format!("count({set})"),
                1 => format!("sum({set},{p})"),
                2 => format!("unsat_recommends({set})"),
                3 => format!("notuptodate({set})"),
                4 => format!("aligned({set},{p},{q})"),
                5 => "removed".to_string(),
                6 => "new".to_string(),
                7 => "changed".to_string(),
                8 => "notuptodate".to_string(),
                _ => format!("sum({p})"),
            };
            format!("{sign}{body}")
        })
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = parse_criteria(&s);
    }

    #[test]
    fn parse_never_panics_on_near_misses(s in "[-+(),a-z_ ]{0,40}") {
        if let Err(e) = parse_criteria(&s) {
            prop_assert!(e.offset <= s.len());
            let _ = e.to_string();
        }
    }

    #[test]
    fn labels_round_trip(items in prop::collection::vec(criterion_strategy(), 1..6)) {
        let s = items.join(",");
        let c = parse_criteria(&s).unwrap();
        prop_assert_eq!(c.to_string(), s.clone());
        prop_assert_eq!(parse_criteria(&c.to_string()).unwrap().labels(), c.labels());
    }
}
