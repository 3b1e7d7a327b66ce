//! The run matrix: which (track, solver, problem) runs are still to do.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use misc_results::{Limits, Outcome, RunKey, RunRecord};
use misc_runner::IsolationLevel;
use serde::{Deserialize, Serialize};

use crate::def::{sha256_file, Round};
use crate::RoundError;

/// One run to do: everything a worker needs, without the round definition (so that a chunk of
/// them can be written to a file and executed elsewhere, e.g. by a Slurm array task running
/// `misc run-chunk`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    /// The round's name.
    pub round: String,
    /// The track's name.
    pub track: String,
    /// The track's criteria as written (`{criteria}`).
    pub criteria: String,
    /// The criteria expanded (`{criteria_expanded}`), e.g. `-removed,-changed`.
    pub criteria_expanded: String,
    /// The reading the run is judged with (`name` or `pair` in chunk files).
    pub semantics: misc_results::Semantics,
    /// The solver's name.
    pub solver: String,
    /// The solver's version (its `solver.toml` `version`).
    pub solver_version: String,
    /// The resolved executable.
    pub program: PathBuf,
    /// The arguments after the program, with placeholders.
    pub args: Vec<String>,
    /// SHA-256 of the solver's executable, hex, taken when the run was planned.
    pub solver_hash: String,
    /// Relative to the round folder.
    pub problem: String,
    /// The problem file (absolute).
    pub problem_path: PathBuf,
    /// The problem's category (the folder it sits in).
    pub category: String,
    /// SHA-256 of the problem file, hex.
    pub problem_hash: String,
    /// The run's limits: the track's.
    pub limits: Limits,
    /// How the run is isolated, and what it sees (absent in chunk files of older versions).
    #[serde(default)]
    pub isolation: RunIsolation,
    /// How the run's answer is read: the round's `answers` (absent in chunk files of older
    /// versions: `exact`).
    #[serde(default)]
    pub answers: misc_cudf::AnswerReading,
}

/// The isolation of a planned run: the round's level, the folders the solver sees read-only
/// (its own folder) and the folders hidden from it (the round folder, the folders holding the
/// entrants).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunIsolation {
    /// The round's isolation level (`required`, `best-effort` or `none`).
    pub level: IsolationLevel,
    /// Folders the solver sees read-only (its own solver folder and its program's folder).
    pub readonly: Vec<PathBuf>,
    /// Folders hidden from the solver (the round folder, the folders holding the entrants).
    pub hidden: Vec<PathBuf>,
    /// The size of the run's sandbox (`None` in plans of older versions: the default).
    #[serde(default)]
    pub sandbox_size: Option<u64>,
}

impl PlannedRun {
    /// The run's key in the store.
    pub fn key(&self) -> RunKey {
        RunKey {
            track: self.track.clone(),
            solver: self.solver.clone(),
            problem: self.problem.clone(),
        }
    }

    /// Where the output is kept, relative to the results folder:
    /// `outputs/TRACK/SOLVER/PROBLEM.out`.
    pub fn output_rel(&self) -> String {
        format!(
            "outputs/{}/{}/{}.out",
            self.track, self.solver, self.problem
        )
    }

    /// The arguments with `{input}`, `{output}`, `{criteria}` and `{criteria_expanded}`
    /// replaced.
    pub fn argv(&self, input: &str, output: &str) -> Vec<String> {
        self.args
            .iter()
            .map(|a| {
                a.replace("{input}", input)
                    .replace("{output}", output)
                    .replace("{criteria_expanded}", &self.criteria_expanded)
                    .replace("{criteria}", &self.criteria)
            })
            .collect()
    }
}

/// Which runs of the matrix to consider. Empty lists select everything.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only runs of these solvers.
    pub solvers: Vec<String>,
    /// Only runs of these tracks.
    pub tracks: Vec<String>,
    /// Glob patterns over the problem path (relative to the round), or substrings of it.
    pub problems: Vec<String>,
    /// Selected runs already recorded with one of these outcomes are run again.
    pub rerun: Vec<Outcome>,
}

impl Selection {
    fn problem_selected(&self, rel: &str) -> bool {
        self.problems.is_empty()
            || self.problems.iter().any(|p| {
                rel.contains(p.as_str()) || glob::Pattern::new(p).is_ok_and(|pat| pat.matches(rel))
            })
    }

    fn selected(&self, track: &str, solver: &str, problem: &str) -> bool {
        (self.tracks.is_empty() || self.tracks.iter().any(|t| t == track))
            && (self.solvers.is_empty() || self.solvers.iter().any(|s| s == solver))
            && self.problem_selected(problem)
    }
}

/// What [`plan`] decided.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The runs to do, track by track, solver by solver, problem by problem.
    pub runs: Vec<PlannedRun>,
    /// Selected runs that are already recorded (and not to be rerun).
    pub done: usize,
    /// Recorded runs to repeat (`--rerun`): their records must be removed before the runs
    /// start (see [`crate::remove_records`]).
    pub rerun: Vec<RunKey>,
    /// Solvers that are not installed: name, why, and how many selected runs are skipped.
    pub missing_solvers: Vec<(String, String, usize)>,
}

/// Computes the runs still to do: every selected (track, solver, problem) of the definition
/// without a record in `done`, plus the recorded ones whose outcome is in `--rerun`. Runs of
/// solvers that are not installed are skipped and counted in [`Plan::missing_solvers`].
/// Hashes the solvers and problems of the runs to do.
pub fn plan(round: &Round, done: &[RunRecord], sel: &Selection) -> Result<Plan, RoundError> {
    for t in &sel.tracks {
        if !round.tracks.iter().any(|x| &x.name == t) {
            return Err(RoundError::Selection(format!(
                "no track `{t}` in round `{}`",
                round.name
            )));
        }
    }
    for s in &sel.solvers {
        if !round.solvers.contains_key(s) {
            return Err(RoundError::Selection(format!(
                "no solver `{s}` in round `{}`",
                round.name
            )));
        }
    }
    let recorded: HashMap<RunKey, Outcome> = done.iter().map(|r| (r.key(), r.outcome)).collect();
    let mut out = Plan::default();
    let mut missing: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut solver_hash: HashMap<String, String> = HashMap::new();
    let mut problem_hash: HashMap<PathBuf, String> = HashMap::new();
    let mut rerun: HashSet<RunKey> = HashSet::new();
    // Hidden from every solver: the round folder (its results) and the folders holding the
    // entrants' folders.
    let mut hidden = vec![round.dir.clone()];
    for s in round.solvers.values() {
        if let Some(parent) = s.dir.parent() {
            hidden.push(parent.to_path_buf());
        }
    }
    hidden.sort();
    hidden.dedup();
    for track in &round.tracks {
        for sname in &track.solvers {
            let Some(solver) = round.solvers.get(sname) else {
                continue;
            };
            for p in &track.problems {
                if !sel.selected(&track.name, sname, &p.rel) {
                    continue;
                }
                let key = RunKey {
                    track: track.name.clone(),
                    solver: sname.clone(),
                    problem: p.rel.clone(),
                };
                if let Some(o) = recorded.get(&key) {
                    if sel.rerun.contains(o) {
                        rerun.insert(key.clone());
                    } else {
                        out.done += 1;
                        continue;
                    }
                }
                let program = match &solver.program {
                    Ok(p) => p.clone(),
                    Err(why) => {
                        missing
                            .entry(sname.clone())
                            .or_insert_with(|| (why.clone(), 0))
                            .1 += 1;
                        rerun.remove(&key);
                        if recorded.contains_key(&key) {
                            out.done += 1;
                        }
                        continue;
                    }
                };
                let shash = match solver_hash.get(sname) {
                    Some(h) => h.clone(),
                    None => {
                        let h = sha256_file(&program).map_err(|source| RoundError::Io {
                            path: program.clone(),
                            source,
                        })?;
                        solver_hash.insert(sname.clone(), h.clone());
                        h
                    }
                };
                let phash = match problem_hash.get(&p.path) {
                    Some(h) => h.clone(),
                    None => {
                        let h = sha256_file(&p.path).map_err(|source| RoundError::Io {
                            path: p.path.clone(),
                            source,
                        })?;
                        problem_hash.insert(p.path.clone(), h.clone());
                        h
                    }
                };
                out.runs.push(PlannedRun {
                    round: round.name.clone(),
                    track: track.name.clone(),
                    criteria: track.criteria.clone(),
                    criteria_expanded: track.criteria_expanded.clone(),
                    semantics: track.semantics,
                    solver: sname.clone(),
                    solver_version: solver.version.clone(),
                    program,
                    args: solver.command.iter().skip(1).cloned().collect(),
                    solver_hash: shash,
                    problem: p.rel.clone(),
                    problem_path: p.path.clone(),
                    category: p.category.clone(),
                    problem_hash: phash,
                    limits: track.limits.clone(),
                    isolation: RunIsolation {
                        level: round.isolation,
                        readonly: vec![solver.dir.clone()],
                        hidden: hidden.clone(),
                        sandbox_size: Some(round.sandbox_size),
                    },
                    answers: round.answers,
                });
            }
        }
    }
    let mut rerun: Vec<RunKey> = rerun.into_iter().collect();
    rerun.sort();
    out.rerun = rerun;
    out.missing_solvers = missing
        .into_iter()
        .map(|(s, (why, n))| (s, why, n))
        .collect();
    Ok(out)
}
