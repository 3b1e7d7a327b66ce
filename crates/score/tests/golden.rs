//! Golden tests: hand-worked rounds whose points, totals and ranks are checked against the rules
//! (section numbers refer to /work/shared/docs/misc-rules.md).

mod common;

use common::{run, solved, track};
use misc_results::{Outcome, Sense};
use misc_score::{
    compare, rank_points, score, Class, MissingRuns, Rules, SavedScoring, ScoreError, ScoreOptions,
    TieBreak,
};

fn opts(rules: Rules) -> ScoreOptions {
    ScoreOptions {
        rules,
        ..ScoreOptions::default()
    }
}

fn points_of(t: &misc_score::TrackScores, problem: usize) -> Vec<u64> {
    t.problems[problem]
        .results
        .iter()
        .map(|r| r.points)
        .collect()
}

/// §1.2: "s1 best; s2 and s3 equal; s4 worst → 1, 2, 2, 4 points", for minimised and
/// maximised criteria.
#[test]
fn rules_example_1_2_2_4() {
    for (sense, vs) in [
        (Sense::Min, [[0], [3], [3], [9]]),
        (Sense::Max, [[9], [3], [3], [0]]),
    ] {
        let tr = track("t", &["s1", "s2", "s3", "s4"], &["c/p"], &[sense]);
        let records: Vec<_> = ["s1", "s2", "s3", "s4"]
            .iter()
            .zip(vs)
            .map(|(s, v)| solved("t", s, "c/p", 1.0, &v))
            .collect();
        let scores = score(&[tr], &records, ScoreOptions::default()).unwrap();
        let t = &scores.tracks[0];
        assert_eq!(points_of(t, 0), [1, 2, 2, 4]);
        let p = &t.problems[0];
        let beaters = |s: &str| -> Vec<String> {
            p.beaten_by(s)
                .iter()
                .map(|r| r.solver.to_string())
                .collect()
        };
        assert!(beaters("s1").is_empty());
        assert_eq!(beaters("s2"), ["s1"]);
        assert_eq!(beaters("s3"), ["s1"]);
        // s4 is beaten by all three, best first.
        assert_eq!(beaters("s4"), ["s1", "s2", "s3"]);
        // Ranks of the totals share the same way (§2 totals, competition ranks).
        let ranks: Vec<(u32, &str)> = t.ranking.iter().map(|e| (e.rank, &*e.solver)).collect();
        assert_eq!(ranks, [(1, "s1"), (2, "s2"), (2, "s3"), (4, "s4")]);
    }
    // The same through the pure helper.
    let v: [&[i64]; 4] = [&[9], &[0], &[3], &[3]];
    assert_eq!(rank_points(&v, &[Sense::Min]), [4, 1, 2, 2]);
}

/// §3.5: lexicographic, the first differing position decides, each under its own sense; equal
/// vectors are equally good.
#[test]
fn lexicographic_comparison_with_mixed_senses() {
    use std::cmp::Ordering::*;
    let s = [Sense::Min, Sense::Max];
    assert_eq!(compare(&[0, 0], &[1, 100], &s), Less);
    assert_eq!(compare(&[1, 5], &[1, 4], &s), Less);
    assert_eq!(compare(&[1, 4], &[1, 5], &s), Greater);
    assert_eq!(compare(&[1, 4], &[1, 4], &s), Equal);
    let v: [&[i64]; 3] = [&[1, 4], &[1, 5], &[0, 0]];
    assert_eq!(rank_points(&v, &s), [3, 2, 1]);
}

/// §1.3 and §7.2: on a problem with no solution, every FAIL still scores 2m and a claimed
/// solution there is wrong: 3m (2011/2012) or 4m (2010); §1.1/§7.5: an abort is 2m from 2011
/// on and 3m in 2010.
#[test]
fn unsolvable_problem_fail_2m_wrong_3m() {
    let solvers = ["f1", "f2", "ab", "wr"];
    let tr = track("t", &solvers, &["c/p"], &[Sense::Min]);
    let records = vec![
        run("t", "f1", "c/p", Outcome::Fail, 0.5, None),
        run("t", "f2", "c/p", Outcome::Fail, 2.0, None),
        run("t", "ab", "c/p", Outcome::Abort, 300.0, None),
        run("t", "wr", "c/p", Outcome::Wrong, 1.0, None),
    ];
    // m = 4.
    for (rules, expected) in [
        (Rules::Misc2011, [8, 8, 8, 12]),
        (Rules::Misc2012, [8, 8, 8, 12]),
        (Rules::Misc2010, [8, 8, 12, 16]),
    ] {
        let scores = score(std::slice::from_ref(&tr), &records, opts(rules)).unwrap();
        let t = &scores.tracks[0];
        assert_eq!(points_of(t, 0), expected, "{rules}");
        assert_eq!(t.unsolved_problems, 1);
        assert_eq!(t.problems[0].solved_by, 0);
        // FAIL "ranked best" (§1.3): both FAILs share first place, ahead of the others.
        assert_eq!(t.ranking[0].rank, 1);
        assert_eq!(t.ranking[1].rank, 1);
    }
}

/// §2 "Evidence": p2cudf-user-1.13 in "Testing Upgrade" (m = 4) shows `160 (6000.00)` on
/// dudf-random (20 problems × 2m, 20 × 300 s) and `168 (6300.00)` on user-upgrades (21 problems).
/// Every failure, quick FAIL or timeout, is charged the full 300 s. §6: one `score (time)` cell
/// per category, and a category's minimum score equals its number of problems.
#[test]
fn misc2011_published_figure_20_failures_cost_6000_s() {
    let solvers = ["p2cudf-user-1.13", "a", "b", "c"];
    let mut problems: Vec<String> = (0..20).map(|i| format!("dudf-random/{i}.cudf")).collect();
    problems.extend((0..21).map(|i| format!("user-upgrades/{i}.cudf")));
    let probs: Vec<&str> = problems.iter().map(String::as_str).collect();
    let tr = track("testing-upgrade", &solvers, &probs, &[Sense::Min]);
    let mut records = Vec::new();
    for (i, p) in probs.iter().enumerate() {
        // Half quick FAILs, half timeouts: the same charge.
        let (outcome, cpu) = if i % 2 == 0 {
            (Outcome::Fail, 3.0)
        } else {
            (Outcome::Abort, 300.0)
        };
        records.push(run("testing-upgrade", solvers[0], p, outcome, cpu, None));
        records.push(solved("testing-upgrade", "a", p, 1.25, &[0]));
        records.push(solved("testing-upgrade", "b", p, 2.0, &[1]));
        records.push(solved("testing-upgrade", "c", p, 4.0, &[1]));
    }
    let scores = score(&[tr], &records, opts(Rules::Misc2011)).unwrap();
    let t = &scores.tracks[0];
    let cell = |cat: &str, solver: &str| {
        let c = t.categories.iter().find(|c| c.category == cat).unwrap();
        let e = c.ranking.iter().find(|e| e.solver == solver).unwrap();
        (c.problem_count, e.score, e.success_time)
    };
    assert_eq!(cell("dudf-random", solvers[0]), (20, 160, 6000.0));
    assert_eq!(cell("user-upgrades", solvers[0]), (21, 168, 6300.0));
    // The best solver on every problem scores the number of problems (§6).
    assert_eq!(cell("dudf-random", "a"), (20, 20, 25.0));
    assert_eq!(cell("user-upgrades", "a").1, 21);
    let p2 = t.entry(solvers[0]).unwrap();
    assert_eq!((p2.score, p2.success_time), (328, 12300.0));
    assert_eq!((p2.solved, p2.fail, p2.abort, p2.wrong), (0, 21, 20, 0));
    assert_eq!(p2.rank, 4);
}

/// §2: equal totals are broken by the total success time, for the winner only (BL: "places
/// below first are not ordered by time"); the success time is reported for everyone.
#[test]
fn equal_totals_broken_by_success_time_for_the_winner_only() {
    let solvers = ["A", "B", "C", "D"];
    let tr = track("t", &solvers, &["c/p1", "c/p2", "c/p3"], &[Sense::Min]);
    let records = vec![
        // p1: A and B solve (1 point each), C and D FAIL (2m = 8).
        solved("t", "A", "c/p1", 10.0, &[0]),
        solved("t", "B", "c/p1", 50.0, &[0]),
        run("t", "C", "c/p1", Outcome::Fail, 1.0, None),
        run("t", "D", "c/p1", Outcome::Fail, 1.0, None),
        // p2: the reverse.
        run("t", "A", "c/p2", Outcome::Fail, 5.0, None),
        run("t", "B", "c/p2", Outcome::Fail, 5.0, None),
        solved("t", "C", "c/p2", 1.0, &[0]),
        solved("t", "D", "c/p2", 200.0, &[0]),
        // p3: A and B better than C and D.
        solved("t", "A", "c/p3", 10.0, &[0]),
        solved("t", "B", "c/p3", 10.0, &[0]),
        solved("t", "C", "c/p3", 10.0, &[1]),
        solved("t", "D", "c/p3", 10.0, &[1]),
    ];
    let scores = score(&[tr], &records, opts(Rules::Misc2011)).unwrap();
    let t = &scores.tracks[0];
    let got: Vec<(u32, &str, u64, f64, bool)> = t
        .ranking
        .iter()
        .map(|e| {
            (
                e.rank,
                &*e.solver,
                e.score,
                e.success_time,
                e.winner_by_tie_break,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "A", 10, 320.0, true),
            (2, "B", 10, 360.0, false),
            // C is faster than A, but time only decides the winner: C and D share third.
            (3, "C", 12, 311.0, false),
            (3, "D", 12, 510.0, false),
        ]
    );
    assert_eq!(t.winners().count(), 1);

    // With no tie-break, A and B share first place and report no tie-break value.
    let none = ScoreOptions {
        tie_break: TieBreak::None,
        ..opts(Rules::Misc2011)
    };
    let t = &score(
        &[track(
            "t",
            &solvers,
            &["c/p1", "c/p2", "c/p3"],
            &[Sense::Min],
        )],
        &records,
        none,
    )
    .unwrap()
    .tracks[0];
    let ranks: Vec<(u32, bool, Option<f64>)> = t
        .ranking
        .iter()
        .map(|e| (e.rank, e.winner_by_tie_break, e.tie_break_value))
        .collect();
    assert_eq!(
        ranks,
        [
            (1, false, None),
            (1, false, None),
            (3, false, None),
            (3, false, None)
        ]
    );
    assert_eq!(t.entry("A").unwrap().success_time, 320.0);
}

/// A tie on the total that the tie-break does not separate either: all stay first.
#[test]
fn equal_tie_break_values_share_first_place() {
    let tr = track("t", &["A", "B"], &["c/p"], &[Sense::Min]);
    let records = vec![
        solved("t", "A", "c/p", 0.1, &[0]),
        solved("t", "B", "c/p", 0.1, &[0]),
    ];
    let t = &score(&[tr], &records, ScoreOptions::default())
        .unwrap()
        .tracks[0];
    assert!(t
        .ranking
        .iter()
        .all(|e| e.rank == 1 && !e.winner_by_tie_break));
    assert_eq!(t.winners().count(), 2);
}

/// The hand-worked table for every tie-break rule (§2 and the alternatives of the issue).
///
/// CPU limit 100 s, wall limit 600 s (the track's, and every record's `limits`), m = 3,
/// MISC 2011:
///
/// | problem | A | B | C |
/// |---|---|---|---|
/// | p1 | solved (0) cpu 25 wall 26 → 1 | solved (0) cpu 20 wall 40 → 1 | solved (1) cpu 5 wall 5 → 3 |
/// | p2 | solved (0) cpu 30 wall 31 → 1 | FAIL → 6 | FAIL → 6 |
/// | p3 | FAIL cpu 50 → 6 | solved (0) cpu 40 wall 41 → 1 | solved (0) cpu 1 wall 1 → 1 |
/// | p4 (nobody solves) | abort → 6 | FAIL → 6 | wrong → 9 |
/// | total | 14 | 14 | 19 |
///
/// A and B tie on 14. Valid-solution times: A 55 cpu / 57 wall, B 60 / 81, C 6 / 6. Common
/// problem of the tied pair: p1 only (A 25/26, B 20/40).
#[test]
fn every_tie_break_rule_on_a_hand_worked_table() {
    let mut tr = track(
        "t",
        &["A", "B", "C"],
        &["c/p1", "c/p2", "c/p3", "c/p4"],
        &[Sense::Min],
    );
    tr.cpu_time_limit = 100.0;
    let rec = |s: &str, p: &str, o: Outcome, cpu: f64, wall: f64, v: Option<i64>| {
        let mut r = run("t", s, p, o, cpu, v.map(|x| vec![x]));
        r.wall_time = wall;
        r.limits.cpu_time = 100.0;
        r
    };
    use Outcome::*;
    let records = vec![
        rec("A", "c/p1", Solved, 25.0, 26.0, Some(0)),
        rec("B", "c/p1", Solved, 20.0, 40.0, Some(0)),
        rec("C", "c/p1", Solved, 5.0, 5.0, Some(1)),
        rec("A", "c/p2", Solved, 30.0, 31.0, Some(0)),
        rec("B", "c/p2", Fail, 1.0, 1.0, None),
        rec("C", "c/p2", Fail, 2.0, 2.0, None),
        rec("A", "c/p3", Fail, 50.0, 50.0, None),
        rec("B", "c/p3", Solved, 40.0, 41.0, Some(0)),
        rec("C", "c/p3", Solved, 1.0, 1.0, Some(0)),
        rec("A", "c/p4", Abort, 100.0, 100.0, None),
        rec("B", "c/p4", Fail, 3.0, 3.0, None),
        rec("C", "c/p4", Wrong, 4.0, 4.0, None),
    ];
    // (rule, exclude unsolved, values of A, B, C, winner, MISC success time of A, B, C)
    type Row = (TieBreak, bool, [f64; 3], &'static str, [f64; 3]);
    let table: &[Row] = &[
        // 55 + 2 × 100; 60 + 2 × 100; 6 + 2 × 100 (C's wrong answer is charged, not timed).
        (
            TieBreak::SuccessTime,
            false,
            [255.0, 260.0, 206.0],
            "A",
            [255.0, 260.0, 206.0],
        ),
        // p4 dropped: one limit fewer for everyone.
        (
            TieBreak::SuccessTime,
            true,
            [155.0, 160.0, 106.0],
            "A",
            [155.0, 160.0, 106.0],
        ),
        (
            TieBreak::SolvedTime,
            false,
            [55.0, 60.0, 6.0],
            "A",
            [255.0, 260.0, 206.0],
        ),
        (
            TieBreak::SolvedTime,
            true,
            [55.0, 60.0, 6.0],
            "A",
            [155.0, 160.0, 106.0],
        ),
        // Only p1 is common to A and B; C is alone in its group: its own valid solutions.
        (
            TieBreak::CommonTime,
            false,
            [25.0, 20.0, 6.0],
            "B",
            [255.0, 260.0, 206.0],
        ),
        (
            TieBreak::Par2,
            false,
            [455.0, 460.0, 406.0],
            "A",
            [255.0, 260.0, 206.0],
        ),
        (
            TieBreak::Par2,
            true,
            [255.0, 260.0, 206.0],
            "A",
            [155.0, 160.0, 106.0],
        ),
        // Wall clock, wall limit 600 s.
        (
            TieBreak::SuccessWall,
            false,
            [1257.0, 1281.0, 1206.0],
            "A",
            [255.0, 260.0, 206.0],
        ),
        (
            TieBreak::SuccessWall,
            true,
            [657.0, 681.0, 606.0],
            "A",
            [155.0, 160.0, 106.0],
        ),
        (
            TieBreak::SolvedWall,
            false,
            [57.0, 81.0, 6.0],
            "A",
            [255.0, 260.0, 206.0],
        ),
        // On the wall clock A is the faster on p1.
        (
            TieBreak::CommonWall,
            false,
            [26.0, 40.0, 6.0],
            "A",
            [255.0, 260.0, 206.0],
        ),
        (
            TieBreak::Par2Wall,
            false,
            [2457.0, 2481.0, 2406.0],
            "A",
            [255.0, 260.0, 206.0],
        ),
    ];
    for &(tie_break, exclude_unsolved, values, winner, success) in table {
        let o = ScoreOptions {
            tie_break,
            exclude_unsolved,
            ..opts(Rules::Misc2011)
        };
        let scores = score(std::slice::from_ref(&tr), &records, o).unwrap();
        let t = &scores.tracks[0];
        assert_eq!(t.wall_time_limit, 600.0);
        let ctx = format!("{tie_break} exclude={exclude_unsolved}");
        for (i, s) in ["A", "B", "C"].iter().enumerate() {
            let e = t.entry(s).unwrap();
            assert_eq!(e.tie_break_value, Some(values[i]), "{ctx} {s}");
            assert_eq!(e.success_time, success[i], "{ctx} {s}");
        }
        assert_eq!(points_of(t, 3), [6, 6, 9]);
        let loser = if winner == "A" { "B" } else { "A" };
        let w = t.entry(winner).unwrap();
        let l = t.entry(loser).unwrap();
        assert_eq!(
            (w.rank, w.winner_by_tie_break, w.score),
            (1, true, 14),
            "{ctx}"
        );
        assert_eq!(
            (l.rank, l.winner_by_tie_break, l.score),
            (2, false, 14),
            "{ctx}"
        );
        let c = t.entry("C").unwrap();
        assert_eq!((c.rank, c.score), (3, 19), "{ctx}");
        assert_eq!(t.ranking[0].solver, winner, "{ctx}");
    }
}

/// §7.4: m counts every entered solver, also one without any record; a missing pair is scored
/// as no solution by default, counted, and charged a full limit in the success time.
#[test]
fn missing_runs_are_counted_and_scored_as_no_solution() {
    let tr = track("t", &["A", "B", "late"], &["c/p1", "c/p2"], &[Sense::Min]);
    let records = vec![
        solved("t", "A", "c/p1", 1.0, &[0]),
        solved("t", "B", "c/p1", 1.0, &[1]),
        solved("t", "A", "c/p2", 1.0, &[0]),
    ];
    let t = &score(std::slice::from_ref(&tr), &records, opts(Rules::Misc2011))
        .unwrap()
        .tracks[0];
    assert_eq!(t.m, 3);
    assert_eq!(t.missing_runs, 3);
    assert_eq!(points_of(t, 0), [1, 2, 6]);
    assert_eq!(points_of(t, 1), [1, 6, 6]);
    let b = t.entry("B").unwrap();
    assert_eq!((b.score, b.missing, b.success_time), (8, 1, 301.0));
    assert_eq!(t.problems[1].results[1].class, Class::Missing);

    // Under 2010 rules a missing run may be scored as an abort (3m) when asked.
    let as_abort = ScoreOptions {
        missing: MissingRuns::AsAbort,
        ..opts(Rules::Misc2010)
    };
    let t = &score(std::slice::from_ref(&tr), &records, as_abort)
        .unwrap()
        .tracks[0];
    assert_eq!(points_of(t, 1), [1, 9, 9]);

    let reject = ScoreOptions {
        missing: MissingRuns::Reject,
        ..ScoreOptions::default()
    };
    assert_eq!(
        score(&[tr], &records, reject),
        Err(ScoreError::Incomplete {
            track: "t".into(),
            missing: 3
        })
    );
}

#[test]
fn foreign_records_are_ignored_and_duplicates_refused() {
    let tr = track("t", &["A"], &["c/p"], &[Sense::Min]);
    let records = vec![
        solved("t", "A", "c/p", 1.0, &[0]),
        solved("other-track", "A", "c/p", 1.0, &[0]),
        solved("t", "not-entered", "c/p", 1.0, &[0]),
        solved("t", "A", "c/not-listed", 1.0, &[0]),
    ];
    let s = score(std::slice::from_ref(&tr), &records, ScoreOptions::default()).unwrap();
    assert_eq!(s.ignored_records, 1);
    assert_eq!(s.tracks[0].ignored_records, 2);
    assert_eq!(s.tracks[0].ranking[0].score, 1);

    let dup = vec![
        solved("t", "A", "c/p", 1.0, &[0]),
        run("t", "A", "c/p", Outcome::Fail, 1.0, None),
    ];
    assert!(matches!(
        score(std::slice::from_ref(&tr), &dup, ScoreOptions::default()),
        Err(ScoreError::DuplicateRun { .. })
    ));

    let bad = vec![solved("t", "A", "c/p", 1.0, &[0, 1])];
    let err = score(&[tr], &bad, ScoreOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "track `t`: solver `A` on `c/p`: a valid solution needs 1 criteria values, the record has 2"
    );
}

#[test]
fn explain_names_the_solvers_that_beat_it_with_their_vectors() {
    let tr = track(
        "t",
        &["A", "B", "C"],
        &["c/p1", "c/p2"],
        &[Sense::Min, Sense::Max],
    );
    let records = vec![
        solved("t", "A", "c/p1", 1.0, &[0, 5]),
        solved("t", "B", "c/p1", 1.0, &[0, 7]),
        solved("t", "C", "c/p1", 1.0, &[1, 9]),
        run("t", "A", "c/p2", Outcome::Wrong, 1.0, None),
        run("t", "B", "c/p2", Outcome::Fail, 1.0, None),
        run("t", "C", "c/p2", Outcome::Abort, 1.0, None),
    ];
    let t = &score(&[tr], &records, opts(Rules::Misc2010))
        .unwrap()
        .tracks[0];
    let e = t.explain("C", Rules::Misc2010).unwrap();
    assert_eq!(e.problems[0].points, 3);
    let beaters: Vec<(&str, &[i64])> = e.problems[0]
        .beaten_by
        .iter()
        .map(|b| (&*b.solver, &*b.criteria))
        .collect();
    assert_eq!(beaters, [("B", &[0, 7][..]), ("A", &[0, 5][..])]);
    assert_eq!(e.problems[1].points, 9);
    let text = e.to_string();
    assert!(text.contains("beaten by B (0, 7) (1 point)"), "{text}");
    assert!(text.contains("3m: abort"), "{text}");
    assert!(t.explain("nobody", Rules::Misc2010).is_none());
    let a = t.explain("A", Rules::Misc2010).unwrap();
    assert!(
        a.problems[1].reason.starts_with("4m: wrong"),
        "{}",
        a.problems[1].reason
    );
}

/// The JSON of `misc score --format json`: per track a `ranking` with rank, solver, score,
/// success_time and the counts, and per problem each solver's points.
#[test]
fn json_shape() {
    let tr = track("t", &["A", "B"], &["c/p"], &[Sense::Min]);
    let records = vec![
        solved("t", "A", "c/p", 1.0, &[0]),
        run("t", "B", "c/p", Outcome::Wrong, 1.0, None),
    ];
    let s = score(&[tr], &records, ScoreOptions::default()).unwrap();
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["options"]["rules"], "misc2011");
    assert_eq!(v["options"]["tie_break"], "success-time");
    let first = &v["tracks"][0]["ranking"][0];
    for key in [
        "rank",
        "solver",
        "score",
        "success_time",
        "solved",
        "fail",
        "abort",
        "wrong",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["solver"], "A");
    assert_eq!(v["tracks"][0]["ranking"][1]["score"], 6);
    let r = &v["tracks"][0]["problems"][0]["results"];
    assert_eq!(r[0]["solver"], "A");
    assert_eq!(r[0]["points"], 1);
    assert_eq!(r[0]["criteria"], serde_json::json!([0]));
    assert_eq!(r[1]["class"], "wrong");
    let back: misc_score::Scores = serde_json::from_value(v).unwrap();
    assert_eq!(back, s);
}

#[test]
fn names_parse_and_saved_options_round_trip() {
    assert_eq!("misc2010".parse::<Rules>(), Ok(Rules::Misc2010));
    assert_eq!("MISC-2011".parse::<Rules>(), Ok(Rules::Misc2011));
    assert_eq!("2012".parse::<Rules>(), Ok(Rules::Misc2012));
    assert!("misc2013".parse::<Rules>().is_err());
    for t in TieBreak::ALL {
        assert_eq!(t.as_str().parse::<TieBreak>(), Ok(t));
    }
    assert_eq!(
        "success_time".parse::<TieBreak>(),
        Ok(TieBreak::SuccessTime)
    );
    assert_eq!(
        "solved-wall-time".parse::<TieBreak>(),
        Ok(TieBreak::SolvedWall)
    );
    assert!("fastest".parse::<TieBreak>().is_err());
    for m in [
        MissingRuns::AsFail,
        MissingRuns::AsAbort,
        MissingRuns::Reject,
    ] {
        assert_eq!(m.as_str().parse::<MissingRuns>(), Ok(m));
        // The JSON name is the flag's.
        assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
    }

    let saved = SavedScoring {
        options: ScoreOptions {
            rules: Rules::Misc2010,
            tie_break: TieBreak::Par2,
            exclude_unsolved: true,
            missing: MissingRuns::AsFail,
            semantics: Some(misc_score::Semantics::Pair),
        },
    };
    let text = saved.to_json();
    assert!(text.contains("\"tie_break\": \"par2\""), "{text}");
    // The reading is stored under the key earlier files used.
    assert!(text.contains("\"semantics\": \"pair\""), "{text}");
    assert_eq!(SavedScoring::from_json(text.as_bytes()), Ok(saved.clone()));
    // Older files without the optional fields still read.
    let minimal = br#"{"rules": "misc2012", "tie_break": "none"}"#;
    let m = SavedScoring::from_json(minimal).unwrap();
    assert_eq!(m.options.rules, Rules::Misc2012);
    assert!(!m.options.exclude_unsolved);
    assert!(SavedScoring::from_json(b"{}").is_err());
}

#[test]
fn saved_options_win_over_the_manifest() {
    let manifest = misc_results::Manifest {
        round: "r".into(),
        rules: Rules::Misc2010,
        tie_break: TieBreak::SuccessTime,
        limits: Default::default(),
        tracks: vec![track("t", &["A"], &["c/p"], &[Sense::Min])],
        solver_versions: Default::default(),
        solver_descriptions: Default::default(),
        host: String::new(),
        machine: String::new(),
        harness_version: String::new(),
        started_at: 0.0,
        excluded_problems: Vec::new(),
        not_run: Default::default(),
        isolation: String::new(),
        isolated_by: String::new(),
        answers: None,
    };
    let from_manifest = misc_score::options_for_round(&manifest, None);
    assert_eq!(from_manifest.rules, Rules::Misc2010);
    let saved = SavedScoring {
        options: opts(Rules::Misc2012),
    };
    let records = vec![run("t", "A", "c/p", Outcome::Abort, 1.0, None)];
    let s = misc_score::score_round(&manifest, &records, Some(&saved)).unwrap();
    assert_eq!(s.options.rules, Rules::Misc2012);
    assert_eq!(s.tracks[0].ranking[0].score, 2);
    let s = misc_score::score_round(&manifest, &records, None).unwrap();
    assert_eq!(s.tracks[0].ranking[0].score, 3);
}

/// Long criteria vectors (user tracks, §3.3) are kept whole, and a problem whose records name
/// no category is filed under the folder it sits in.
#[test]
fn long_vectors_and_category_fallback() {
    let senses = [Sense::Min; 6];
    let tr = track("user", &["A", "B"], &["dudf-real/p", "q"], &senses);
    let mut a = solved("user", "A", "dudf-real/p", 1.0, &[0, 0, 0, 0, 0, 1]);
    a.category.clear();
    let records = vec![
        a,
        solved("user", "B", "dudf-real/p", 1.0, &[0, 0, 0, 0, 0, 0]),
        solved("user", "A", "q", 1.0, &[1, 2, 3, 4, 5, 6]),
    ];
    let t = &score(&[tr], &records, ScoreOptions::default())
        .unwrap()
        .tracks[0];
    assert_eq!(points_of(t, 0), [2, 1]);
    let v = t.problems[0].results[0].criteria.as_ref().unwrap();
    assert_eq!(**v, [0, 0, 0, 0, 0, 1]);
    assert_eq!(
        serde_json::to_string(&t.problems[1].results[0].criteria).unwrap(),
        "[1,2,3,4,5,6]"
    );
    assert_eq!(t.problems[0].category, "dudf-real");
    assert_eq!(t.problems[1].category, "");
    let cats: Vec<&str> = t.categories.iter().map(|c| c.category.as_str()).collect();
    assert_eq!(cats, ["", "dudf-real"]);
}
