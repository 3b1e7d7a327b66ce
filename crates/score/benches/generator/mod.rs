//! A generator of synthetic rounds for the re-scoring benchmark.

use misc_results::{Limits, Objective, Outcome, RunRecord, Sense, Termination, TrackInfo};

/// How the records lie in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The runs in the order of the run matrix (track, problem, solver), each record allocated
    /// in that order: what a round run by one worker leaves.
    PlanOrder,
    /// The runs in a random order, each record allocated in that order: what
    /// `Store::load` returns for a `runs.jsonl` written by parallel workers.
    RandomRunOrder,
    /// As above, then the vector of records shuffled again, so that the strings of
    /// consecutive records lie far apart (a worst case for the caches).
    Scattered,
}

/// A round of `tracks × solvers × problems` records: 5 categories, 3 criteria
/// (`-removed,-changed,+new`), about 70% valid solutions with values from a small range (many
/// ties), 10% each FAIL, abort and wrong, CPU times up to 300 s.
pub fn generate(
    tracks: usize,
    solvers: usize,
    problems: usize,
    layout: Layout,
) -> (Vec<TrackInfo>, Vec<RunRecord>) {
    // xorshift64* (misc-testkit): the same sequence, so the same data, as ever.
    let mut rng = misc_testkit::XorShift64Star::from_state(0x9e37_79b9_7f4a_7c15);
    let solver_names: Vec<String> = (0..solvers).map(|s| format!("solver-{s}-1.0")).collect();
    let track_names: Vec<String> = (0..tracks).map(|t| format!("track-{t}")).collect();
    let problem_names: Vec<String> = (0..problems)
        .map(|p| {
            format!(
                "problems/cat-{}/{:08x}-51b7-11e0-8436-00163e1e087d.cudf",
                p % 5,
                p
            )
        })
        .collect();
    let infos = track_names
        .iter()
        .map(|name| TrackInfo {
            name: name.clone(),
            criteria: "-removed,-changed,+new".into(),
            semantics: misc_score::Semantics::Name,
            objectives: vec![
                Objective {
                    label: "-removed".into(),
                    sense: Sense::Min,
                },
                Objective {
                    label: "-changed".into(),
                    sense: Sense::Min,
                },
                Objective {
                    label: "+new".into(),
                    sense: Sense::Max,
                },
            ],
            solvers: solver_names.clone(),
            problems: problem_names.clone(),
            cpu_time_limit: 300.0,
            limits: None,
        })
        .collect();

    let mut keys: Vec<(u32, u32, u32)> = Vec::with_capacity(tracks * solvers * problems);
    for t in 0..tracks as u32 {
        for p in 0..problems as u32 {
            for s in 0..solvers as u32 {
                keys.push((t, p, s));
            }
        }
    }
    if layout != Layout::PlanOrder {
        rng.shuffle(&mut keys);
    }

    let mut records = Vec::with_capacity(keys.len());
    for (t, p, s) in keys {
        let problem = &problem_names[p as usize];
        let outcome = match rng.below(10) {
            0..=6 => Outcome::Solved,
            7 => Outcome::Fail,
            8 => Outcome::Abort,
            _ => Outcome::Wrong,
        };
        let cpu_time = (rng.below(300_000) as f64) / 1000.0;
        records.push(RunRecord {
            round: "bench".into(),
            track: track_names[t as usize].clone(),
            solver: solver_names[s as usize].clone(),
            solver_version: "1.0".into(),
            problem: problem.clone(),
            category: problem.split('/').nth(1).unwrap_or_default().to_owned(),
            outcome,
            termination: Termination::Exited,
            cpu_time,
            user_time: cpu_time,
            system_time: 0.0,
            wall_time: cpu_time * 1.01,
            memory: 1 << 20,
            exit_code: Some(0),
            signal: None,
            measured_by: "cgroup-v2".into(),
            criteria: (outcome == Outcome::Solved).then(|| {
                vec![
                    rng.below(3) as i64,
                    rng.below(4) as i64,
                    rng.below(5) as i64,
                ]
            }),
            violations: Vec::new(),
            detail: String::new(),
            problem_hash: String::new(),
            solver_hash: String::new(),
            output: None,
            limits: Limits::default(),
            started_at: 0.0,
            host: String::new(),
            harness_version: String::new(),
            logs: None,
            readings: None,
        });
    }
    if layout == Layout::Scattered {
        rng.shuffle(&mut records);
    }
    (infos, records)
}
