//! Property tests of the point rules (section numbers refer to misc-rules.md).

mod common;

use common::run;
use misc_results::{Outcome, RunRecord, Sense, TrackInfo};
use misc_score::{compare, score, Rules, ScoreOptions, TieBreak};
use proptest::prelude::*;

/// One solver's run on a problem: outcome, CPU time in milliseconds, and a criteria vector.
type Run = (Outcome, u32, Vec<i64>);

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        4 => Just(Outcome::Solved),
        1 => Just(Outcome::Fail),
        1 => Just(Outcome::Abort),
        1 => Just(Outcome::Wrong),
    ]
}

/// Small value ranges so that equal vectors (shared points) are frequent.
fn a_run(k: usize) -> impl Strategy<Value = Run> {
    (outcome(), 0u32..400_000, prop::collection::vec(0i64..3, k))
}

fn senses() -> impl Strategy<Value = Vec<Sense>> {
    prop::collection::vec(prop_oneof![Just(Sense::Min), Just(Sense::Max)], 1..4)
}

fn rules() -> impl Strategy<Value = Rules> {
    prop_oneof![
        Just(Rules::Misc2010),
        Just(Rules::Misc2011),
        Just(Rules::Misc2012)
    ]
}

fn tie_break() -> impl Strategy<Value = TieBreak> {
    prop::sample::select(TieBreak::ALL.to_vec())
}

fn one_problem_track(n: usize, senses: &[Sense]) -> TrackInfo {
    let solvers: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    let names: Vec<&str> = solvers.iter().map(String::as_str).collect();
    common::track("t", &names, &["c/p"], senses)
}

fn record(solver: usize, problem: &str, r: &Run) -> RunRecord {
    let crit = (r.0 == Outcome::Solved).then(|| r.2.clone());
    run(
        "t",
        &format!("s{solver}"),
        problem,
        r.0,
        f64::from(r.1) / 1000.0,
        crit,
    )
}

proptest! {
    /// Points depend only on how many solutions are strictly better (§1.2), and classes are
    /// ordered valid < no solution < wrong (§1.1): adding a solver may shift points but never
    /// changes the relative order of two others on a problem.
    #[test]
    fn adding_a_solver_keeps_the_relative_order_of_the_others(
        senses in senses(),
        runs in prop::collection::vec(a_run(3), 1..8),
        extra in a_run(3),
        rules in rules(),
    ) {
        let k = senses.len();
        let trim = |r: &Run| (r.0, r.1, r.2[..k].to_vec());
        let runs: Vec<Run> = runs.iter().map(trim).collect();
        let extra = trim(&extra);
        let opts = ScoreOptions { rules, ..ScoreOptions::default() };

        let before_records: Vec<_> = runs.iter().enumerate().map(|(i, r)| record(i, "c/p", r)).collect();
        let before = score(&[one_problem_track(runs.len(), &senses)], &before_records, opts).unwrap();
        let mut after_records = before_records.clone();
        after_records.push(record(runs.len(), "c/p", &extra));
        let after = score(&[one_problem_track(runs.len() + 1, &senses)], &after_records, opts).unwrap();

        let pb: Vec<u64> = before.tracks[0].problems[0].results.iter().map(|r| r.points).collect();
        let pa: Vec<u64> = after.tracks[0].problems[0].results.iter().map(|r| r.points).collect();
        for a in 0..runs.len() {
            for b in 0..runs.len() {
                prop_assert_eq!(pb[a].cmp(&pb[b]), pa[a].cmp(&pa[b]), "solvers {} and {}", a, b);
            }
        }
    }

    /// Scores are derived from the records as a set (design.md: "derived from records alone"):
    /// shuffling them changes nothing, times included.
    #[test]
    fn scores_are_invariant_under_record_order(
        senses in senses(),
        grid in prop::collection::vec(prop::collection::vec(a_run(3), 4), 1..6),
        seed in any::<u64>(),
        rules in rules(),
        tie_break in tie_break(),
        exclude_unsolved in any::<bool>(),
        drop in prop::collection::vec(any::<bool>(), 24),
    ) {
        let k = senses.len();
        let problems: Vec<String> = (0..grid.len()).map(|p| format!("cat{}/p{p}", p % 2)).collect();
        let names: Vec<&str> = problems.iter().map(String::as_str).collect();
        let tr = common::track("t", &["s0", "s1", "s2", "s3"], &names, &senses);
        let mut records = Vec::new();
        for (p, row) in grid.iter().enumerate() {
            for (s, r) in row.iter().enumerate() {
                // Leave some pairs missing.
                if !drop[(p * 4 + s) % drop.len()] || p == 0 {
                    records.push(record(s, &problems[p], &(r.0, r.1, r.2[..k].to_vec())));
                }
            }
        }
        let opts = ScoreOptions { rules, tie_break, exclude_unsolved, ..ScoreOptions::default() };
        let expected = score(std::slice::from_ref(&tr), &records, opts).unwrap();

        // A Fisher-Yates shuffle driven by the seed.
        let mut state = seed | 1;
        for i in (1..records.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            records.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled = score(&[tr], &records, opts).unwrap();
        prop_assert_eq!(expected, shuffled);
    }

    /// Bounds of §1: a valid solution scores between 1 and m; the total is between the number
    /// of problems (best everywhere, §6) and the worst penalty times the number of problems;
    /// the points of a category sum to the track's.
    #[test]
    fn totals_are_bounded_and_categories_add_up(
        senses in senses(),
        grid in prop::collection::vec(prop::collection::vec(a_run(3), 3), 1..8),
        rules in rules(),
    ) {
        let k = senses.len();
        let problems: Vec<String> = (0..grid.len()).map(|p| format!("cat{}/p{p}", p % 3)).collect();
        let names: Vec<&str> = problems.iter().map(String::as_str).collect();
        let tr = common::track("t", &["s0", "s1", "s2"], &names, &senses);
        let records: Vec<_> = grid.iter().enumerate().flat_map(|(p, row)| {
            let problems = &problems;
            row.iter().enumerate().map(move |(s, r)| record(s, &problems[p], &(r.0, r.1, r.2[..k].to_vec())))
        }).collect();
        let s = score(&[tr], &records, ScoreOptions { rules, ..ScoreOptions::default() }).unwrap();
        let t = &s.tracks[0];
        let worst = if rules == Rules::Misc2010 { 4 * 3 } else { 3 * 3 };
        for p in &t.problems {
            for r in &p.results {
                if r.class == misc_score::Class::Solved {
                    prop_assert!((1..=3).contains(&r.points));
                    // §1.2 from first principles: the solvers that beat r are the valid
                    // solutions with a strictly better vector (§3.5), and r scores 1 + their
                    // number.
                    let mine = r.criteria.as_deref().unwrap();
                    let mut better: Vec<&str> = p.results.iter()
                        .filter(|o| o.class == misc_score::Class::Solved)
                        .filter(|o| compare(o.criteria.as_deref().unwrap(), mine, &senses).is_lt())
                        .map(|o| &*o.solver)
                        .collect();
                    prop_assert_eq!(r.points, 1 + better.len() as u64);
                    let mut derived: Vec<&str> = p.beaten_by(&r.solver).iter().map(|o| &*o.solver).collect();
                    better.sort_unstable();
                    derived.sort_unstable();
                    prop_assert_eq!(better, derived);
                } else {
                    prop_assert!(r.points >= 6 && r.points <= worst);
                }
            }
        }
        for e in &t.ranking {
            prop_assert!(e.score >= grid.len() as u64 && e.score <= worst * grid.len() as u64);
            let by_cat: u64 = t.categories.iter()
                .map(|c| c.ranking.iter().find(|x| x.solver == e.solver).unwrap().score)
                .sum();
            prop_assert_eq!(by_cat, e.score);
        }
        // §2: ranks are competition ranks by score, except that the tie-break may split the
        // best group; the winners have the best score; the list is in rank order.
        let best = t.ranking.iter().map(|e| e.score).min().unwrap();
        prop_assert_eq!(t.ranking[0].rank, 1);
        for e in &t.ranking {
            let lower = t.ranking.iter().filter(|x| x.score < e.score).count() as u32;
            if e.score == best {
                prop_assert!(e.rank == 1 || !e.winner_by_tie_break);
            } else {
                prop_assert_eq!(e.rank, lower + 1);
            }
            prop_assert!(e.rank != 1 || e.score == best);
        }
        prop_assert!(t.ranking.windows(2).all(|w| w[0].rank <= w[1].rank));
    }
}
