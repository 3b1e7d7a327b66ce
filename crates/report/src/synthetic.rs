//! Synthetic rounds for tests, benchmarks and the demo site.
//!
//! [`demo`] is a small hand-made round whose results are known: on track `paranoid`,
//! `aspcud-1.9` and `p2cudf-1.14` tie on 14 points and the MISC tie-break (success time) makes
//! `aspcud-1.9` the winner; on track `trendy`, `mccs-1.1` wins outright with 4 points. Every
//! outcome occurs (solved, FAIL, abort by CPU, wall and memory limit and by a signal, wrong with
//! violations), one run is missing, and kept outputs come along.
//!
//! [`generate`] makes a round of any size with random (but deterministic) outcomes, for the
//! rendering benchmark.

use std::collections::BTreeMap;

use misc_results::{
    Limits, Manifest, Objective, Outcome, Rules, RunRecord, Semantics, Sense, Termination,
    TieBreak, TrackInfo, ViolationKind, ViolationRecord,
};

/// A round as stored: its manifest, its records, and the kept outputs (path relative to the
/// results folder, content).
#[derive(Debug, Clone)]
pub struct SyntheticRound {
    /// The manifest, as `results/manifest.json` holds it.
    pub manifest: Manifest,
    /// The records, as `results/runs.jsonl` holds them.
    pub records: Vec<RunRecord>,
    /// The kept outputs: path relative to the results folder, and content.
    pub outputs: Vec<(String, Vec<u8>)>,
}

impl SyntheticRound {
    /// Writes the round folder as `misc run` leaves it: `results/manifest.json`,
    /// `results/runs.jsonl` and the kept outputs under `results/`.
    pub fn write_to(&self, round_dir: &std::path::Path) -> std::io::Result<()> {
        let results = round_dir.join("results");
        std::fs::create_dir_all(&results)?;
        let manifest = serde_json::to_vec_pretty(&self.manifest).map_err(std::io::Error::other)?;
        std::fs::write(results.join("manifest.json"), manifest)?;
        let mut lines = Vec::new();
        for r in &self.records {
            serde_json::to_writer(&mut lines, r).map_err(std::io::Error::other)?;
            lines.push(b'\n');
        }
        std::fs::write(results.join("runs.jsonl"), lines)?;
        for (rel, bytes) in &self.outputs {
            let path = results.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        Ok(())
    }
}

/// The last line a crashing solver of the demo wrote on stderr (its problem page shows it).
pub const SEGV_STDERR: &str = "ERROR: preprocessor returned with non-zero exit status";

/// The start of the demo round: 2011-06-01 04:00 UTC.
pub const DEMO_STARTED_AT: f64 = 1_306_900_800.0;

fn objectives(criteria: &str) -> Vec<Objective> {
    criteria
        .split(',')
        .map(|c| Objective {
            label: c.to_owned(),
            sense: if c.starts_with('+') {
                Sense::Max
            } else {
                Sense::Min
            },
        })
        .collect()
}

fn base_record(round: &str, track: &str, solver: &str, problem: &str) -> RunRecord {
    let category = problem.rsplit('/').nth(1).unwrap_or("").to_owned();
    RunRecord {
        round: round.into(),
        track: track.into(),
        solver: solver.into(),
        solver_version: solver.rsplit('-').next().unwrap_or("").into(),
        problem: problem.into(),
        category,
        outcome: Outcome::Solved,
        termination: Termination::Exited,
        cpu_time: 0.0,
        user_time: 0.0,
        system_time: 0.0,
        wall_time: 0.0,
        memory: 0,
        exit_code: Some(0),
        signal: None,
        measured_by: "cgroup-v2".into(),
        criteria: None,
        readings: None,
        violations: Vec::new(),
        detail: String::new(),
        problem_hash: String::new(),
        solver_hash: String::new(),
        output: None,
        limits: Limits::default(),
        started_at: DEMO_STARTED_AT,
        host: "node01".into(),
        harness_version: misc_results::HARNESS_VERSION.into(),
        logs: None,
    }
}

/// What a solver did on one problem in the demo.
#[derive(Clone, Copy)]
enum Did {
    /// A valid solution with this criteria vector.
    Ok(&'static [i64]),
    Fail,
    Cpu,
    Wall,
    Mem,
    Segv,
    Wrong,
    /// No record at all.
    Missing,
}

fn output_name(track: &str, solver: &str, problem: &str) -> String {
    let stem = problem.rsplit('/').next().unwrap_or(problem);
    let stem = stem.split('.').next().unwrap_or(stem);
    let cat = problem.rsplit('/').nth(1).unwrap_or("");
    format!("outputs/{track}/{solver}/{cat}/{stem}.out")
}

fn demo_record(
    round: &str,
    track: &str,
    solver: &str,
    problem: &str,
    did: Did,
    time: f64,
    outputs: &mut Vec<(String, Vec<u8>)>,
) -> Option<RunRecord> {
    let mut r = base_record(round, track, solver, problem);
    r.cpu_time = time;
    r.user_time = time * 0.9;
    r.system_time = time * 0.1;
    r.wall_time = time * 1.05 + 0.01;
    r.memory = ((20.0 + time * 7.0) * 1024.0 * 1024.0) as u64;
    let mut keep = |text: &str| {
        let rel = output_name(track, solver, problem);
        outputs.push((rel.clone(), text.as_bytes().to_vec()));
        Some(rel)
    };
    match did {
        Did::Ok(v) => {
            r.criteria = Some(v.to_vec());
            r.detail = "valid solution".into();
            r.output = keep("package: libc6\nversion: 2\ninstalled: true\n");
        }
        Did::Fail => {
            r.outcome = Outcome::Fail;
            r.detail = "the solver said FAIL".into();
            r.output = keep("FAIL\n");
        }
        Did::Cpu => {
            r.outcome = Outcome::Abort;
            r.termination = Termination::CpuLimit;
            r.exit_code = None;
            r.signal = Some(9);
            r.cpu_time = 300.0;
            r.wall_time = 301.2;
            r.detail = "CPU-time limit of 300 s reached".into();
        }
        Did::Wall => {
            r.outcome = Outcome::Abort;
            r.termination = Termination::WallLimit;
            r.exit_code = None;
            r.signal = Some(9);
            r.wall_time = 600.0;
            r.detail = "wall-clock limit of 600 s reached".into();
        }
        Did::Mem => {
            r.outcome = Outcome::Abort;
            r.termination = Termination::MemoryLimit;
            r.exit_code = None;
            r.signal = Some(9);
            r.memory = 1 << 30;
            r.detail = "memory limit of 1024 MiB reached".into();
        }
        Did::Segv => {
            r.outcome = Outcome::Abort;
            r.termination = Termination::Signalled;
            r.exit_code = None;
            r.signal = Some(11);
            r.detail = "killed by SIGSEGV".into();
            let stem = output_name(track, solver, problem);
            let stem = stem.strip_suffix(".out").unwrap_or(&stem);
            let stderr = format!("{stem}.stderr");
            let text = format!("{solver}: reading the universe\n{SEGV_STDERR}\n");
            r.logs = Some(misc_results::SolverLogs {
                stdout_bytes: 0,
                stderr_bytes: text.len() as u64,
                stdout: None,
                stderr: Some(stderr.clone()),
            });
            outputs.push((stderr, text.into_bytes()));
        }
        Did::Wrong => {
            r.outcome = Outcome::Wrong;
            r.detail = "not a solution: 2 violations".into();
            r.violations = vec![
                ViolationRecord {
                    kind: ViolationKind::UnsatisfiedDependency,
                    message: "libc6 = 2 depends on `libgcc1 >= 4`, which no installed package \
                              provides"
                        .into(),
                },
                ViolationRecord {
                    kind: ViolationKind::InstallNotSatisfied,
                    message: "the request installs `<script>alert(1)</script> & friends`, which \
                              is not installed"
                        .into(),
                },
            ];
            r.output = keep("package: libc6\nversion: 2\ninstalled: true\n");
        }
        Did::Missing => return None,
    }
    Some(r)
}

/// The demo round (see the module documentation for its known results).
pub fn demo() -> SyntheticRound {
    use Did::*;
    let round = "misc-demo-2011";
    let paranoid_problems = [
        "problems/small/p1.cudf.xz",
        "problems/small/p2.cudf.xz",
        "problems/medium/p3.cudf.xz",
        "problems/medium/p4.cudf.xz",
        "problems/dudf-real/p5.cudf.xz",
        "problems/dudf-real/p6.cudf.xz",
    ];
    let trendy_problems = &paranoid_problems[..4];
    // Rows: problems; columns: solvers in entry order.
    let paranoid_solvers = ["aspcud-1.9", "p2cudf-1.14", "mccs-1.1", "naive-0.1"];
    let paranoid: [[Did; 4]; 6] = [
        [Ok(&[0, 1]), Ok(&[0, 1]), Ok(&[0, 2]), Ok(&[1, 3])],
        [Ok(&[0, 2]), Ok(&[0, 1]), Fail, Wrong],
        [Ok(&[0, 1]), Ok(&[0, 2]), Ok(&[0, 4]), Cpu],
        [Ok(&[1, 0]), Ok(&[1, 0]), Mem, Ok(&[1, 0])],
        [Ok(&[0, 0]), Ok(&[0, 0]), Ok(&[0, 5]), Fail],
        [Fail, Fail, Fail, Segv],
    ];
    let trendy_solvers = ["aspcud-1.9", "mccs-1.1", "naive-0.1"];
    let trendy: [[Did; 3]; 4] = [
        [Ok(&[0, 2, 1, 0]), Ok(&[0, 1, 1, 0]), Ok(&[0, 3, 0, 0])],
        [Ok(&[0, 0, 0, 1]), Ok(&[0, 0, 0, 1]), Wrong],
        [Wall, Ok(&[0, 1, 0, 0]), Ok(&[0, 1, 0, 0])],
        [Ok(&[0, 0, 0, 0]), Ok(&[0, 0, 0, 0]), Missing],
    ];
    let mut records = Vec::new();
    let mut outputs = Vec::new();
    for (p, row) in paranoid.iter().enumerate() {
        for (s, did) in row.iter().enumerate() {
            // aspcud is always the fastest of the two leaders.
            let time = 0.5 + (s as f64) * 1.75 + (p as f64) * 0.37;
            records.extend(demo_record(
                round,
                "paranoid",
                paranoid_solvers[s],
                paranoid_problems[p],
                *did,
                time,
                &mut outputs,
            ));
        }
    }
    for (p, row) in trendy.iter().enumerate() {
        for (s, did) in row.iter().enumerate() {
            let time = 1.2 + (s as f64) * 0.8 + (p as f64) * 2.1;
            records.extend(demo_record(
                round,
                "trendy",
                trendy_solvers[s],
                trendy_problems[p],
                *did,
                time,
                &mut outputs,
            ));
        }
    }
    let tracks = vec![
        TrackInfo {
            name: "paranoid".into(),
            criteria: "-removed,-changed".into(),
            semantics: Semantics::Name,
            objectives: objectives("-removed,-changed"),
            solvers: paranoid_solvers.iter().map(|s| s.to_string()).collect(),
            problems: paranoid_problems.iter().map(|s| s.to_string()).collect(),
            cpu_time_limit: 300.0,
            limits: None,
        },
        TrackInfo {
            name: "trendy".into(),
            criteria: "-removed,-notuptodate,-unmet_recommends,-new".into(),
            semantics: Semantics::Name,
            objectives: objectives("-removed,-notuptodate,-unmet_recommends,-new"),
            solvers: trendy_solvers.iter().map(|s| s.to_string()).collect(),
            problems: trendy_problems.iter().map(|s| s.to_string()).collect(),
            cpu_time_limit: 300.0,
            limits: None,
        },
    ];
    let solver_versions: BTreeMap<String, String> = paranoid_solvers
        .iter()
        .map(|s| (s.to_string(), s.rsplit('-').next().unwrap_or("").to_owned()))
        .collect();
    SyntheticRound {
        manifest: Manifest {
            round: round.into(),
            rules: Rules::Misc2011,
            tie_break: TieBreak::SuccessTime,
            limits: Limits::default(),
            tracks,
            solver_versions,
            solver_descriptions: [(
                "mccs-1.1".to_owned(),
                "Multi-criteria CUDF solver. Counts package names, not (name, version) pairs."
                    .to_owned(),
            )]
            .into(),
            host: "node01".into(),
            machine: "Intel Xeon E5-2620 (2 cores), 4 GiB, Linux 6.1".into(),
            harness_version: misc_results::HARNESS_VERSION.into(),
            started_at: DEMO_STARTED_AT,
            excluded_problems: Vec::new(),
            not_run: Default::default(),
            isolation: "required".into(),
            isolated_by: "namespaces".into(),
            answers: Some(misc_results::AnswerReading::Exact),
        },
        records,
        outputs,
    }
}

/// A round of `tracks × solvers × problems` runs: 5 categories, criteria
/// `-removed,-changed,+new`, about 70% valid solutions with values from a small range (many
/// ties), 10% each FAIL, abort and wrong; every tenth solved run keeps an output.
pub fn generate(tracks: usize, solvers: usize, problems: usize) -> SyntheticRound {
    // xorshift64* (misc-testkit): the same sequence, so the same rounds, as ever.
    let mut rng = misc_testkit::XorShift64Star::from_state(0x9e37_79b9_7f4a_7c15);
    let round = "synthetic";
    let solver_names: Vec<String> = (0..solvers).map(|s| format!("solver-{s}-1.0")).collect();
    let problem_names: Vec<String> = (0..problems)
        .map(|p| format!("problems/cat-{}/{:06}-instance.cudf.xz", p % 5, p))
        .collect();
    let criteria = "-removed,-changed,+new";
    let mut records = Vec::with_capacity(tracks * solvers * problems);
    let mut outputs = Vec::new();
    let mut infos = Vec::new();
    for t in 0..tracks {
        let track = format!("track-{t}");
        for problem in &problem_names {
            for solver in &solver_names {
                let mut r = base_record(round, &track, solver, problem);
                let speed = 1.0 + (solver.len() % 3) as f64;
                let time = (rng.unit() * rng.unit() * 120.0 * speed).max(0.01);
                r.cpu_time = time;
                r.user_time = time * 0.95;
                r.system_time = time * 0.05;
                r.wall_time = time + 0.02;
                r.memory = (rng.below(900) + 10) << 20;
                match rng.below(10) {
                    0 => {
                        r.outcome = Outcome::Fail;
                        r.detail = "the solver said FAIL".into();
                    }
                    1 => {
                        r.outcome = Outcome::Abort;
                        r.termination = Termination::CpuLimit;
                        r.exit_code = None;
                        r.signal = Some(9);
                        r.cpu_time = 300.0;
                        r.wall_time = 300.5;
                        r.detail = "CPU-time limit of 300 s reached".into();
                    }
                    2 => {
                        r.outcome = Outcome::Wrong;
                        r.detail = "not a solution".into();
                        r.violations = vec![ViolationRecord {
                            kind: ViolationKind::UnsatisfiedDependency,
                            message: "a = 1 depends on `b`, which is not installed".into(),
                        }];
                    }
                    _ => {
                        r.criteria = Some(vec![
                            rng.below(3) as i64,
                            rng.below(4) as i64,
                            rng.below(3) as i64,
                        ]);
                        if rng.below(10) == 0 {
                            let rel = output_name(&track, solver, problem);
                            outputs.push((rel.clone(), b"package: a\nversion: 1\n".to_vec()));
                            r.output = Some(rel);
                        }
                    }
                }
                records.push(r);
            }
        }
        infos.push(TrackInfo {
            name: track,
            criteria: criteria.into(),
            semantics: Semantics::Name,
            objectives: objectives(criteria),
            solvers: solver_names.clone(),
            problems: problem_names.clone(),
            cpu_time_limit: 300.0,
            limits: None,
        });
    }
    SyntheticRound {
        manifest: Manifest {
            round: round.into(),
            rules: Rules::Misc2011,
            tie_break: TieBreak::SuccessTime,
            limits: Limits::default(),
            tracks: infos,
            solver_versions: solver_names
                .iter()
                .map(|s| (s.clone(), "1.0".to_owned()))
                .collect(),
            solver_descriptions: Default::default(),
            host: "bench".into(),
            machine: "synthetic".into(),
            harness_version: misc_results::HARNESS_VERSION.into(),
            started_at: DEMO_STARTED_AT,
            excluded_problems: Vec::new(),
            not_run: Default::default(),
            isolation: "required".into(),
            isolated_by: "namespaces".into(),
            answers: None,
        },
        records,
        outputs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use misc_results::Outcome;

    /// The generated rounds are benchmark and test data: the generator's sequence is pinned
    /// (these figures were taken before it moved to misc-testkit).
    #[test]
    fn generated_rounds_do_not_change() {
        let round = generate(3, 6, 40);
        let r = &round.records;
        assert_eq!(r.len(), 720);
        let count = |o: Outcome| r.iter().filter(|x| x.outcome == o).count();
        assert_eq!(
            [
                count(Outcome::Solved),
                count(Outcome::Fail),
                count(Outcome::Abort),
                count(Outcome::Wrong)
            ],
            [495, 77, 75, 73]
        );
        assert_eq!(r.iter().map(|x| x.memory).sum::<u64>(), 355_308_929_024);
        let micros: i64 = r.iter().map(|x| (x.cpu_time * 1e6).round() as i64).sum();
        assert_eq!(micros, 41_561_466_497);
        assert_eq!(r[0].cpu_time, 2.097615458496299);
        let criteria: Vec<Option<Vec<i64>>> = r[..6].iter().map(|x| x.criteria.clone()).collect();
        assert_eq!(
            criteria,
            [
                Some(vec![2, 2, 0]),
                None,
                None,
                Some(vec![0, 2, 0]),
                Some(vec![2, 1, 2]),
                None
            ]
        );
    }
}
