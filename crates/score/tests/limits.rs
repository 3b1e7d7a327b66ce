//! Limits per track (MISC 2012: "Breaking ties: the time limit now depends on the track";
//! misc-rules.md §2): every time figure that adds a limit charges each run without a valid
//! solution the limit recorded in that run's own record, a missing run the track's limit;
//! records of one track run under different limits are named.

mod common;

use common::{run, solved, track};
use misc_results::{Limits, Manifest, Outcome, RunRecord, Sense, Store, TrackInfo};
use misc_score::{score, score_round, ScoreOptions, TieBreak};

fn limits(cpu: f64, wall: f64) -> Limits {
    Limits {
        cpu_time: cpu,
        wall_time: wall,
        memory: 1 << 30,
        warning: 0.0,
        output: 1 << 30,
    }
}

fn with_limits(mut r: RunRecord, l: &Limits) -> RunRecord {
    r.limits = l.clone();
    r
}

fn opts(tie_break: TieBreak) -> ScoreOptions {
    ScoreOptions {
        tie_break,
        ..ScoreOptions::default()
    }
}

const PROBLEMS: [&str; 5] = ["c/p1", "c/p2", "c/p3", "c/p4", "c/p5"];

/// Two tracks over the same five problems, CPU limits 2 s and 5 s (wall 7 s and 13 s).
/// `spin` times out everywhere; `mixed` answers wrongly on p1-p3 and solves p4 and p5 (in
/// 0.25 s and 0.5 s CPU, 1 s and 2 s wall).
///
/// Points (m = 2, MISC 2011: no solution 2m = 4, wrong 3m = 6, a lone valid solution 1):
/// spin 5 × 4 = 20, mixed 3 × 6 + 2 × 1 = 20: a tie on the best total, broken by the time.
///
/// | figure | track | spin | mixed |
/// |---|---|---|---|
/// | success-time | short (2 s) | 5 × 2 = 10 | 0.25 + 0.5 + 3 × 2 = 6.75 |
/// | success-time | long (5 s) | 5 × 5 = 25 | 0.25 + 0.5 + 3 × 5 = 15.75 |
/// | par2 | short | 5 × 4 = 20 | 0.75 + 3 × 4 = 12.75 |
/// | par2 | long | 5 × 10 = 50 | 0.75 + 3 × 10 = 30.75 |
/// | success-wall | short (7 s) | 5 × 7 = 35 | 1 + 2 + 3 × 7 = 24 |
/// | success-wall | long (13 s) | 5 × 13 = 65 | 3 + 3 × 13 = 42 |
/// | par2-wall | short | 70 | 3 + 42 = 45 |
/// | par2-wall | long | 130 | 3 + 78 = 81 |
/// | solved-time | both | 0 | 0.75 |
///
/// With `solved-time` spin wins (0 < 0.75); with every limit-charging figure mixed wins.
#[test]
fn each_track_charges_its_own_limit() {
    let short = limits(2.0, 7.0);
    let long = limits(5.0, 13.0);
    let mut tracks = Vec::new();
    let mut records = Vec::new();
    for (name, l) in [("short", &short), ("long", &long)] {
        let mut t = track(name, &["spin", "mixed"], &PROBLEMS, &[Sense::Min]);
        t.cpu_time_limit = l.cpu_time;
        t.limits = Some(l.clone());
        tracks.push(t);
        for (i, p) in PROBLEMS.iter().enumerate() {
            // The spinner's measured time overshoots the limit a little, as a real one does:
            // the figure charges the limit, not the measurement.
            let mut spin = run(name, "spin", p, Outcome::Abort, l.cpu_time + 0.013, None);
            spin.wall_time = l.cpu_time + 0.02;
            records.push(with_limits(spin, l));
            let r = match i {
                0..=2 => run(name, "mixed", p, Outcome::Wrong, 0.1, None),
                _ => {
                    let cpu = 0.25 * (i - 2) as f64;
                    let mut r = solved(name, "mixed", p, cpu, &[0]);
                    r.wall_time = (i - 2) as f64;
                    r
                }
            };
            records.push(with_limits(r, l));
        }
    }
    // (figure, [short: spin, mixed], [long: spin, mixed], winner)
    let table: &[(TieBreak, [f64; 2], [f64; 2], &str)] = &[
        (TieBreak::SuccessTime, [10.0, 6.75], [25.0, 15.75], "mixed"),
        (TieBreak::Par2, [20.0, 12.75], [50.0, 30.75], "mixed"),
        (TieBreak::SuccessWall, [35.0, 24.0], [65.0, 42.0], "mixed"),
        (TieBreak::Par2Wall, [70.0, 45.0], [130.0, 81.0], "mixed"),
        (TieBreak::SolvedTime, [0.0, 0.75], [0.0, 0.75], "spin"),
    ];
    for (tb, short_values, long_values, winner) in table {
        let scores = score(&tracks, &records, opts(*tb)).unwrap();
        for (t, values) in scores.tracks.iter().zip([short_values, long_values]) {
            let what = format!("{tb} on {}", t.track);
            let spin = t.entry("spin").unwrap();
            let mixed = t.entry("mixed").unwrap();
            assert_eq!((spin.score, mixed.score), (20, 20), "{what}");
            assert_eq!(spin.tie_break_value, Some(values[0]), "{what}");
            assert_eq!(mixed.tie_break_value, Some(values[1]), "{what}");
            // The MISC success time whatever the tie-break: n × the track's limit.
            let l = if t.track == "short" { 2.0 } else { 5.0 };
            assert_eq!(spin.success_time, 5.0 * l, "{what}");
            assert_eq!(mixed.success_time, 0.75 + 3.0 * l, "{what}");
            let w: Vec<&str> = t.winners().map(|e| e.solver.as_str()).collect();
            assert_eq!(w, [*winner], "{what}");
            assert!(t.entry(winner).unwrap().winner_by_tie_break, "{what}");
            assert_eq!(t.cpu_time_limit, l);
            assert_eq!(t.record_limits.len(), 1, "{what}");
            assert_eq!(t.record_limits[0].runs, 10);
            assert_eq!(t.limits_warning(), None, "{what}");
            for p in &t.problems {
                for r in &p.results {
                    assert_eq!(r.cpu_time_limit, l, "{what}");
                }
            }
        }
    }
}

/// A run with no record is charged the track's limits (the definition's), a recorded one its
/// own record's, even when the round's manifest says otherwise.
#[test]
fn missing_runs_are_charged_the_track_limit() {
    let mut t = track("t", &["a", "b"], &["c/p1", "c/p2"], &[Sense::Min]);
    t.cpu_time_limit = 10.0;
    t.limits = Some(limits(10.0, 30.0));
    let l = limits(10.0, 30.0);
    let records = vec![
        with_limits(solved("t", "a", "c/p1", 1.0, &[0]), &l),
        with_limits(run("t", "a", "c/p2", Outcome::Fail, 0.5, None), &l),
        with_limits(solved("t", "b", "c/p1", 3.0, &[0]), &l),
        // b on c/p2: missing.
    ];
    let s = score(&[t], &records, opts(TieBreak::SuccessWall)).unwrap();
    let t = &s.tracks[0];
    assert_eq!(t.missing_runs, 1);
    // a: 1 + 10 (FAIL), b: 3 + 10 (missing).
    assert_eq!(t.entry("a").unwrap().success_time, 11.0);
    assert_eq!(t.entry("b").unwrap().success_time, 13.0);
    // Wall: a 1 + 30, b 3 + 30.
    assert_eq!(t.entry("a").unwrap().tie_break_value, Some(31.0));
    assert_eq!(t.entry("b").unwrap().tie_break_value, Some(33.0));
    assert_eq!(t.wall_time_limit, 30.0);
}

/// The definition changed between runs: records of one track carry different limits. Each is
/// charged its own, and the warning names both sets with some of their runs.
#[test]
fn records_with_different_limits_are_named() {
    let mut t = track("t", &["a", "b"], &["c/p1", "c/p2", "c/p3"], &[Sense::Min]);
    t.cpu_time_limit = 4.0;
    t.limits = Some(limits(4.0, 20.0));
    let old = limits(2.0, 14.0);
    let new = limits(4.0, 20.0);
    let records = vec![
        with_limits(run("t", "a", "c/p1", Outcome::Abort, 2.01, None), &old),
        with_limits(run("t", "a", "c/p2", Outcome::Abort, 2.01, None), &old),
        with_limits(solved("t", "a", "c/p3", 1.0, &[0]), &old),
        with_limits(run("t", "b", "c/p1", Outcome::Abort, 4.01, None), &new),
        with_limits(run("t", "b", "c/p2", Outcome::Abort, 4.01, None), &new),
        with_limits(solved("t", "b", "c/p3", 1.0, &[0]), &new),
    ];
    let s = score(&[t.clone()], &records, opts(TieBreak::SuccessTime)).unwrap();
    // The figures do not depend on the order of the records.
    let mut rev = records.clone();
    rev.reverse();
    assert_eq!(score(&[t], &rev, opts(TieBreak::SuccessTime)).unwrap(), s);
    let t = &s.tracks[0];
    // Both 4 + 4 + 1 = 9 points; a was given 2 s per failed run, b 4 s: 1 + 2 × 2 = 5 and
    // 1 + 2 × 4 = 9.
    assert_eq!(t.entry("a").unwrap().success_time, 5.0);
    assert_eq!(t.entry("b").unwrap().success_time, 9.0);
    assert_eq!(t.record_limits.len(), 2);
    assert_eq!(t.record_limits[0].limits, old);
    assert_eq!(t.record_limits[0].runs, 3);
    assert_eq!(t.record_limits[1].limits, new);
    let eg: Vec<(&str, &str)> = t.record_limits[0]
        .examples
        .iter()
        .map(|r| (r.solver.as_str(), r.problem.as_str()))
        .collect();
    assert_eq!(eg, [("a", "c/p1"), ("a", "c/p2"), ("a", "c/p3")]);
    let w = t.limits_warning().expect("a warning");
    for part in [
        "track t",
        "different limits",
        "3 run(s) with CPU 2 s, wall clock 14 s",
        "3 run(s) with CPU 4 s, wall clock 20 s",
        "a on c/p1",
        "b on c/p1",
    ] {
        assert!(w.contains(part), "{part}: {w}");
    }
    // Every record under the old limits while the definition now says 4 s: named too.
    let mut t1 = track("t", &["a"], &["c/p1"], &[Sense::Min]);
    t1.cpu_time_limit = 4.0;
    t1.limits = Some(new.clone());
    let s = score(&[t1], &records[..1], opts(TieBreak::SuccessTime)).unwrap();
    let w = s.tracks[0].limits_warning().expect("a warning");
    assert!(
        w.contains("run with CPU 2 s") && w.contains("now says CPU 4 s"),
        "{w}"
    );
    assert_eq!(s.tracks[0].entry("a").unwrap().success_time, 2.0);
}

/// Records and a manifest written before tracks had limits of their own (a fixture in that
/// format): they load, the track's limits are the round's, and every figure is as before.
#[test]
fn records_from_before_track_limits_still_score() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/round-before-track-limits");
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(
        !text.contains("\"limits\": {\n        \"cpu"),
        "an old manifest"
    );
    let manifest: Manifest = serde_json::from_str(&text).unwrap();
    let t: &TrackInfo = &manifest.tracks[0];
    assert_eq!(t.limits, None);
    assert_eq!(manifest.track_limits(t), manifest.limits);
    assert!(!manifest.limits_differ_by_track());
    let (records, report) = Store::new(&dir).load().unwrap();
    assert!(report.torn_lines.is_empty());
    assert_eq!(records.len(), 6);
    assert!(records.iter().all(|r| r.limits == manifest.limits));

    let s = score_round(&manifest, &records, None).unwrap();
    let t = &s.tracks[0];
    // a: p1 (0,1) 1 + p2 abort 4 + p3 (0,0) 1 = 6; b: p1 1 + p2 1 + p3 FAIL 4 = 6.
    // Success time: a 1.25 + 300 + 0.5 = 301.75; b 2.5 + 4 + 300 = 306.5: a wins.
    let a = t.entry("a").unwrap();
    let b = t.entry("b").unwrap();
    assert_eq!((a.score, b.score), (6, 6));
    assert_eq!(a.success_time, 301.75);
    assert_eq!(b.success_time, 306.5);
    assert_eq!((a.rank, b.rank), (1, 2));
    assert!(a.winner_by_tie_break);
    assert_eq!(t.cpu_time_limit, 300.0);
    assert_eq!(t.wall_time_limit, 600.0);
    assert_eq!(t.limits, None);
    assert_eq!(t.limits_warning(), None);
    let e = t.explain("a", s.options.rules).unwrap().to_string();
    assert!(e.contains("CPU limit of track paranoid: 300 s"), "{e}");
    assert!(
        e.contains("[abort]") && e.contains("CPU limit 300 s"),
        "{e}"
    );
}
