//! The run plan (`misc_round::plan`) and resuming, on `FakeExecutor`: no solver process runs,
//! but every made-up run is judged and recorded exactly like a real one, so the store, the
//! plan over it and the selection flags (`--track`, `--solver`, `--problem`, `--rerun`) are
//! tested without the runner. (The real thing, with SIGKILL, is tests/e2e.rs.)
//!
//! The round: tracks `paranoid` (entrants good, bad, gone) and `trendy` (good, bad), three
//! problems in two categories. `gone` has no executable; `good` answers every problem
//! correctly; `bad` says FAIL on p1, a wrong solution on p2 and crashes (no output) on p3.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use misc_results::{Outcome, RunKey, RunRecord, Store, Termination};
use misc_round::{
    plan, remove_records, Events, ExecStats, Executor, FakeExecutor, FakeRun, LoadOptions, Plan,
    PlannedRun, Round, RoundError, Selection, Sink, WorkOptions,
};
use misc_runner::Measurement;

/// Each problem asks for `a`; the answer that installs it is the solution.
const PROBLEM: &str =
    "package: a\nversion: 1\n\npackage: b\nversion: 1\n\nrequest: r\ninstall: a\n";
const SOLUTION: &str = "package: a\nversion: 1\ninstalled: true\n";
const PROBLEMS: [&str; 3] = [
    "problems/easy/p1.cudf",
    "problems/easy/p2.cudf",
    "problems/hard/p3.cudf",
];

mod common;
use common::write;

/// Installs the missing solver's executable.
fn build_gone(round_dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let program = round_dir.join("solvers/gone/not-built-yet");
    write(&program, "#!/bin/sh\n");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    program.canonicalize().unwrap()
}

fn make_round() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for p in PROBLEMS {
        write(&dir.join(p), PROBLEM);
    }
    for s in ["good", "bad"] {
        write(
            &dir.join(format!("solvers/{s}/solver.toml")),
            &format!("name = \"{s}\"\nversion = \"1\"\ncommand = [\"sh\", \"{{input}}\", \"{{output}}\"]\n"),
        );
    }
    write(
        &dir.join("solvers/gone/solver.toml"),
        "name = \"gone\"\nversion = \"1\"\ncommand = [\"./not-built-yet\", \"{input}\", \"{output}\"]\n",
    );
    write(
        &dir.join("competition.toml"),
        "name = \"r\"\n[limits]\ncpu_time = 10\n\
         [[tracks]]\nname = \"paranoid\"\ncriteria = \"paranoid\"\n\
         problems = [\"problems/*/*.cudf\"]\nsolvers = [\"good\", \"bad\", \"gone\"]\n\
         [[tracks]]\nname = \"trendy\"\ncriteria = \"trendy\"\n\
         problems = [\"problems/*/*.cudf\"]\nsolvers = [\"good\", \"bad\"]\n",
    );
    d
}

fn load(dir: &Path) -> Round {
    Round::load(dir, &LoadOptions::default()).unwrap()
}

fn measured(exit_code: i32) -> Measurement {
    Measurement {
        termination: Termination::Exited,
        exit_code: Some(exit_code),
        signal: None,
        cpu_time: 0.5,
        user_time: 0.4,
        system_time: 0.1,
        wall_time: 0.6,
        memory: 1 << 20,
        measured_by: "proc".into(),
        warning_sent: false,
        stdout_tail: String::new(),
        stderr_tail: String::new(),
        stdout_bytes: 0,
        stderr_bytes: 0,
        output_bytes: None,
        detail: String::new(),
        isolation: "none".into(),
    }
}

/// What the entrants do (see the module comment).
fn fake(run: &PlannedRun) -> FakeRun {
    match (run.solver.as_str(), run.problem.as_str()) {
        ("good", _) => (measured(0), Some(SOLUTION.into())),
        ("bad", "problems/easy/p1.cudf") => (measured(0), Some(b"FAIL\n".to_vec())),
        ("bad", "problems/easy/p2.cudf") => (measured(0), Some(Vec::new())),
        ("bad", _) => (measured(1), None),
        (s, p) => panic!("{s} should not run ({p})"),
    }
}

fn expected_outcome(key: &RunKey) -> Outcome {
    match (key.solver.as_str(), key.problem.as_str()) {
        ("good", _) => Outcome::Solved,
        ("bad", "problems/easy/p1.cudf") => Outcome::Fail,
        ("bad", "problems/easy/p2.cudf") => Outcome::Wrong,
        _ => Outcome::Abort,
    }
}

/// Counts the executor's events.
#[derive(Default)]
struct Counted {
    started: Mutex<Vec<RunKey>>,
    finished: Mutex<Vec<(RunKey, bool)>>,
}

impl Events for Counted {
    fn started(&self, run: &PlannedRun) {
        self.started.lock().unwrap().push(run.key());
    }
    fn finished(&self, run: &PlannedRun, result: &Result<RunRecord, RoundError>) {
        self.finished
            .lock()
            .unwrap()
            .push((run.key(), result.is_ok()));
    }
}

fn execute(round: &Round, runs: Vec<PlannedRun>) -> (Result<ExecStats, RoundError>, Counted) {
    let ex = FakeExecutor {
        fake,
        opts: WorkOptions::new(round.results_dir(), Sink::Main),
    };
    let events = Counted::default();
    let result = ex.execute(runs, &events);
    (result, events)
}

fn records(round: &Round) -> Vec<RunRecord> {
    let (records, report) = Store::new(round.results_dir()).load().unwrap();
    assert_eq!(report.duplicates, 0, "a key recorded twice");
    assert!(report.torn_lines.is_empty());
    records
}

fn keys(runs: &[PlannedRun]) -> Vec<(String, String, String)> {
    runs.iter()
        .map(|r| (r.track.clone(), r.solver.clone(), r.problem.clone()))
        .collect()
}

fn key(track: &str, solver: &str, problem: &str) -> (String, String, String) {
    (track.into(), solver.into(), problem.into())
}

fn plan_with(round: &Round, sel: &Selection) -> Plan {
    plan(round, &records(round), sel).unwrap()
}

// ---------------------------------------------------------------------------------------------
// The matrix and the selection

#[test]
fn the_plan_is_the_matrix_in_order_without_missing_solvers() {
    let d = make_round();
    let round = load(d.path());
    let p = plan(&round, &[], &Selection::default()).unwrap();
    let mut expected = Vec::new();
    for (track, solvers) in [("paranoid", ["good", "bad"]), ("trendy", ["good", "bad"])] {
        for s in solvers {
            for pr in PROBLEMS {
                expected.push(key(track, s, pr));
            }
        }
    }
    assert_eq!(keys(&p.runs), expected);
    assert_eq!(p.done, 0);
    assert!(p.rerun.is_empty());
    // `gone` is listed with why and how many runs it loses, and nothing runs for it.
    assert_eq!(p.missing_solvers.len(), 1);
    let (name, why, n) = &p.missing_solvers[0];
    assert_eq!((name.as_str(), *n), ("gone", 3));
    assert!(why.contains("not-built-yet"), "{why}");

    // Each run carries what a worker needs: track criteria, hashes, limits, placeholders.
    let r = &p.runs[0];
    assert_eq!(r.criteria, "paranoid");
    assert_eq!(r.category, "easy");
    assert_eq!(r.problem_path, d.path().join(PROBLEMS[0]));
    assert_eq!(
        r.problem_hash,
        misc_round::sha256_file(&r.problem_path).unwrap()
    );
    assert_eq!(r.solver_hash, misc_round::sha256_file(&r.program).unwrap());
    assert_eq!(r.limits.cpu_time, 10.0);
    assert_eq!(r.argv("IN", "OUT"), ["IN", "OUT"]);
    assert_eq!(p.runs[6].criteria, "trendy");
}

#[test]
fn track_solver_and_problem_restrict_the_plan() {
    let d = make_round();
    let round = load(d.path());
    let sel = |tracks: &[&str], solvers: &[&str], problems: &[&str]| Selection {
        tracks: tracks.iter().map(|s| s.to_string()).collect(),
        solvers: solvers.iter().map(|s| s.to_string()).collect(),
        problems: problems.iter().map(|s| s.to_string()).collect(),
        rerun: Vec::new(),
    };
    let runs = |s: Selection| keys(&plan(&round, &[], &s).unwrap().runs);

    // --track
    let t = runs(sel(&["trendy"], &[], &[]));
    assert_eq!(t.len(), 6);
    assert!(t.iter().all(|k| k.0 == "trendy"));
    // --solver (in every track that enters it)
    let s = runs(sel(&[], &["bad"], &[]));
    assert_eq!(s.len(), 6);
    assert!(s.iter().all(|k| k.1 == "bad"));
    // --problem: a substring of the path...
    assert_eq!(
        runs(sel(&[], &[], &["hard"])),
        [
            key("paranoid", "good", PROBLEMS[2]),
            key("paranoid", "bad", PROBLEMS[2]),
            key("trendy", "good", PROBLEMS[2]),
            key("trendy", "bad", PROBLEMS[2]),
        ]
    );
    // ... or a glob over it; several are or-ed.
    assert_eq!(runs(sel(&[], &[], &["problems/easy/*.cudf"])).len(), 8);
    assert_eq!(runs(sel(&[], &[], &["*/p1.cudf", "p3"])).len(), 8);
    // All three together are and-ed.
    assert_eq!(
        runs(sel(&["paranoid"], &["good"], &["p2"])),
        [key("paranoid", "good", PROBLEMS[1])]
    );
    // Nothing matches: an empty plan, not an error.
    assert!(runs(sel(&[], &[], &["nothing-like-this"])).is_empty());
    // A missing solver selected explicitly: no runs, and it is reported.
    let p = plan(&round, &[], &sel(&[], &["gone"], &[])).unwrap();
    assert!(p.runs.is_empty());
    assert_eq!(p.missing_solvers[0].2, 3);
}

#[test]
fn unknown_tracks_and_solvers_are_errors_naming_them() {
    let d = make_round();
    let round = load(d.path());
    let err = |s: Selection| match plan(&round, &[], &s) {
        Err(RoundError::Selection(m)) => m,
        other => panic!("expected a selection error, got {other:?}"),
    };
    assert_eq!(
        err(Selection {
            tracks: vec!["paranoia".into()],
            ..Selection::default()
        }),
        "no track `paranoia` in round `r`"
    );
    assert_eq!(
        err(Selection {
            solvers: vec!["goood".into()],
            ..Selection::default()
        }),
        "no solver `goood` in round `r`"
    );
}

// ---------------------------------------------------------------------------------------------
// Executing, resuming, rerunning

#[test]
fn fake_runs_are_judged_and_recorded_like_real_ones() {
    let d = make_round();
    let round = load(d.path());
    let p = plan(&round, &[], &Selection::default()).unwrap();
    let (stats, events) = execute(&round, p.runs.clone());
    assert_eq!(
        stats.unwrap(),
        ExecStats {
            recorded: 12,
            errors: 0,
            not_started: 0,
            ..ExecStats::default()
        }
    );
    assert_eq!(events.started.lock().unwrap().len(), 12);
    assert!(events.finished.lock().unwrap().iter().all(|(_, ok)| *ok));
    let recs = records(&round);
    assert_eq!(recs.len(), 12);
    for r in &recs {
        assert_eq!(r.outcome, expected_outcome(&r.key()), "{:?}", r.key());
        assert_eq!(r.round, "r");
        assert_eq!(r.cpu_time, 0.5);
        match r.outcome {
            Outcome::Solved => assert!(r.criteria.is_some()),
            Outcome::Wrong => assert!(!r.violations.is_empty(), "{r:?}"),
            _ => assert!(r.criteria.is_none() && r.violations.is_empty()),
        }
        // Judged outputs are kept for `misc rejudge`; the crash left none.
        assert_eq!(r.output.is_some(), r.outcome != Outcome::Abort, "{r:?}");
    }
    // Everything recorded: nothing to do.
    let again = plan_with(&round, &Selection::default());
    assert!(again.runs.is_empty());
    assert_eq!(again.done, 12);
}

#[test]
fn an_interrupted_execution_resumes_where_it_stopped() {
    let d = make_round();
    let round = load(d.path());
    let first = plan(&round, &[], &Selection::default()).unwrap();
    // A harness killed after five records: the first five are on disk, the rest are not.
    let (stats, _) = execute(&round, first.runs[..5].to_vec());
    assert_eq!(stats.unwrap().recorded, 5);

    let resumed = plan_with(&round, &Selection::default());
    assert_eq!(resumed.done, 5);
    assert_eq!(keys(&resumed.runs), keys(&first.runs[5..]));
    let (stats, _) = execute(&round, resumed.runs);
    assert_eq!(stats.unwrap().recorded, 7);

    let recs = records(&round);
    let got: HashSet<RunKey> = recs.iter().map(RunRecord::key).collect();
    let want: HashSet<RunKey> = first.runs.iter().map(PlannedRun::key).collect();
    assert_eq!(recs.len(), 12);
    assert_eq!(got, want);
}

#[test]
fn new_problems_and_installed_solvers_add_only_their_runs() {
    let d = make_round();
    let round = load(d.path());
    let p = plan(&round, &[], &Selection::default()).unwrap();
    execute(&round, p.runs).0.unwrap();

    // A new problem: only its pairs.
    write(&d.path().join("problems/hard/p4.cudf"), PROBLEM);
    let round = load(d.path());
    let p = plan_with(&round, &Selection::default());
    assert_eq!(p.done, 12);
    assert_eq!(
        keys(&p.runs),
        [
            key("paranoid", "good", "problems/hard/p4.cudf"),
            key("paranoid", "bad", "problems/hard/p4.cudf"),
            key("trendy", "good", "problems/hard/p4.cudf"),
            key("trendy", "bad", "problems/hard/p4.cudf"),
        ]
    );
    execute(&round, p.runs).0.unwrap();

    // The missing solver installed later: only its runs.
    let program = build_gone(d.path());
    let round = load(d.path());
    let p = plan_with(&round, &Selection::default());
    assert!(p.missing_solvers.is_empty());
    assert_eq!(p.runs.len(), 4);
    assert!(p
        .runs
        .iter()
        .all(|r| r.solver == "gone" && r.track == "paranoid" && r.program == program));
}

#[test]
fn rerun_repeats_only_the_runs_with_those_outcomes() {
    let d = make_round();
    let round = load(d.path());
    let p = plan(&round, &[], &Selection::default()).unwrap();
    execute(&round, p.runs).0.unwrap();
    let before: BTreeMap<RunKey, RunRecord> =
        records(&round).into_iter().map(|r| (r.key(), r)).collect();

    let rerun = |outcomes: &[Outcome], tracks: &[&str]| {
        plan_with(
            &round,
            &Selection {
                rerun: outcomes.to_vec(),
                tracks: tracks.iter().map(|s| s.to_string()).collect(),
                ..Selection::default()
            },
        )
    };
    // --rerun wrong: the two wrong runs (bad on p2, in each track).
    let p = rerun(&[Outcome::Wrong], &[]);
    let wrong = [
        key("paranoid", "bad", PROBLEMS[1]),
        key("trendy", "bad", PROBLEMS[1]),
    ];
    assert_eq!(keys(&p.runs), wrong);
    assert_eq!(p.done, 10);
    let listed: Vec<_> = p
        .rerun
        .iter()
        .map(|k| key(&k.track, &k.solver, &k.problem))
        .collect();
    assert_eq!(listed, wrong);
    // --rerun fail,abort --track trendy
    let p = rerun(&[Outcome::Fail, Outcome::Abort], &["trendy"]);
    assert_eq!(
        keys(&p.runs),
        [
            key("trendy", "bad", PROBLEMS[0]),
            key("trendy", "bad", PROBLEMS[2])
        ]
    );

    // Doing the rerun: the old records go, the new ones come, nothing twice, others untouched.
    let p = rerun(&[Outcome::Wrong], &[]);
    let store = Store::new(round.results_dir());
    assert_eq!(remove_records(&store, &p.rerun).unwrap(), 2);
    assert_eq!(plan_with(&round, &Selection::default()).runs.len(), 2);
    execute(&round, p.runs).0.unwrap();
    let after: BTreeMap<RunKey, RunRecord> =
        records(&round).into_iter().map(|r| (r.key(), r)).collect();
    assert_eq!(after.len(), 12);
    for (k, r) in &after {
        if k.problem == PROBLEMS[1] && k.solver == "bad" {
            assert_eq!(r.outcome, Outcome::Wrong);
        } else {
            assert_eq!(r, &before[k], "{k:?} changed");
        }
    }
}

#[test]
fn a_recorded_run_of_a_solver_now_missing_stays_done_and_is_not_rerun() {
    let d = make_round();
    let program = build_gone(d.path());
    let round = load(d.path());
    let p = plan(
        &round,
        &[],
        &Selection {
            solvers: vec!["gone".into()],
            problems: vec!["p1".into()],
            ..Selection::default()
        },
    )
    .unwrap();
    assert_eq!(p.runs.len(), 1);
    let opts = WorkOptions::new(round.results_dir(), Sink::Main);
    let rec = misc_round::finish(
        &p.runs[0],
        &measured(0),
        Some(SOLUTION.into()),
        None,
        0.0,
        &opts,
    )
    .unwrap();
    assert_eq!(rec.outcome, Outcome::Solved);

    // The executable disappears again.
    std::fs::remove_file(&program).unwrap();
    let round = load(d.path());
    let all = Selection {
        rerun: Outcome::ALL.to_vec(),
        solvers: vec!["gone".into()],
        ..Selection::default()
    };
    let p = plan_with(&round, &all);
    assert!(p.runs.is_empty());
    assert!(
        p.rerun.is_empty(),
        "a run that cannot be redone is not removed"
    );
    assert_eq!(p.done, 1);
    assert_eq!(p.missing_solvers[0].0, "gone");
    assert_eq!(p.missing_solvers[0].2, 3);
}

#[test]
fn a_bad_problem_loses_only_its_own_runs_and_is_planned_again() {
    let d = make_round();
    let round = load(d.path());
    let p = plan(&round, &[], &Selection::default()).unwrap();
    // The problem becomes unreadable after planning: its four runs fail, the others record.
    write(&d.path().join(PROBLEMS[2]), "package: a\nversion: x\n");
    let (stats, events) = execute(&round, p.runs);
    assert_eq!(
        stats.unwrap(),
        ExecStats {
            recorded: 8,
            errors: 4,
            not_started: 0,
            ..ExecStats::default()
        }
    );
    let failed: Vec<_> = events
        .finished
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(k, _)| k.problem.clone())
        .collect();
    assert_eq!(failed, [PROBLEMS[2]; 4]);
    // Fixed: exactly those are planned again.
    write(&d.path().join(PROBLEMS[2]), PROBLEM);
    let p = plan_with(&round, &Selection::default());
    assert_eq!(p.runs.len(), 4);
    assert!(p.runs.iter().all(|r| r.problem == PROBLEMS[2]));
}

#[test]
fn a_store_that_cannot_be_written_stops_the_execution_at_once() {
    let d = make_round();
    let round = load(d.path());
    let p = plan(&round, &[], &Selection::default()).unwrap();
    // `results` is a file: nothing can be kept or appended (a fatal harness error).
    write(&round.results_dir(), "not a folder");
    let (result, events) = execute(&round, p.runs);
    assert!(result.is_err(), "{result:?}");
    assert!(result.unwrap_err().is_fatal());
    assert_eq!(
        events.started.lock().unwrap().len(),
        1,
        "stopped after the first"
    );
}
