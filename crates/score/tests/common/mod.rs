//! Builders for hand-written rounds.
#![allow(dead_code)]

use misc_results::{Limits, Objective, Outcome, RunRecord, Sense, Termination, TrackInfo};

/// A track with the given solvers and problems, one minimised criterion per `senses` entry.
pub fn track(name: &str, solvers: &[&str], problems: &[&str], senses: &[Sense]) -> TrackInfo {
    TrackInfo {
        name: name.into(),
        criteria: String::new(),
        semantics: misc_score::Semantics::Name,
        objectives: senses
            .iter()
            .enumerate()
            .map(|(i, &sense)| Objective {
                label: format!("c{i}"),
                sense,
            })
            .collect(),
        solvers: solvers.iter().map(|s| s.to_string()).collect(),
        problems: problems.iter().map(|s| s.to_string()).collect(),
        cpu_time_limit: 300.0,
        limits: None,
    }
}

/// A run record; `criteria` only matters for `Solved`.
pub fn run(
    track: &str,
    solver: &str,
    problem: &str,
    outcome: Outcome,
    cpu: f64,
    criteria: Option<Vec<i64>>,
) -> RunRecord {
    RunRecord {
        round: "r".into(),
        track: track.into(),
        solver: solver.into(),
        solver_version: String::new(),
        problem: problem.into(),
        category: problem.rsplit('/').nth(1).unwrap_or("").into(),
        outcome,
        termination: if outcome == Outcome::Abort {
            Termination::CpuLimit
        } else {
            Termination::Exited
        },
        cpu_time: cpu,
        user_time: cpu,
        system_time: 0.0,
        wall_time: cpu,
        memory: 0,
        exit_code: Some(0),
        signal: None,
        measured_by: "test".into(),
        criteria,
        violations: vec![],
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
    }
}

pub fn solved(track: &str, solver: &str, problem: &str, cpu: f64, v: &[i64]) -> RunRecord {
    run(
        track,
        solver,
        problem,
        Outcome::Solved,
        cpu,
        Some(v.to_vec()),
    )
}
