//! `misc rejudge`: judge the kept outputs again, without running any solver.

use std::collections::BTreeMap;

use misc_results::{RunRecord, Store, HARNESS_VERSION};

use crate::def::{sha256_file, Round};
use crate::judge::Ending;
use crate::plan::PlannedRun;
use crate::store_ops::rewrite_records;
use crate::work::read_problem;
use crate::RoundError;

/// What a rejudging did.
#[derive(Debug, Clone, Default)]
pub struct RejudgeReport {
    /// Records judged again.
    pub rejudged: usize,
    /// Of those, records whose outcome, criteria or violations changed: (before, after).
    pub changed: Vec<(RunRecord, RunRecord)>,
    /// Records kept as they were, with the reason (track gone, problem changed or missing,
    /// output lost).
    pub skipped: Vec<(RunRecord, String)>,
    /// Where the previous record files were copied (when anything changed).
    pub history: Option<std::path::PathBuf>,
}

/// Judges every record's kept output again with the current checker and the round's current
/// track criteria, from the record's own ending (termination, exit code, signal): the same
/// classification as a fresh run. A record whose problem file no longer has the recorded hash,
/// or whose kept output is gone, is left as it is. When anything changed, the record files are
/// rewritten atomically (old ones copied to `results/history/`). `dry_run` computes without
/// writing.
pub fn rejudge(round: &Round, store: &Store, dry_run: bool) -> Result<RejudgeReport, RoundError> {
    let (records, _) = store.load()?;
    // `criteria` stays under the reading the manifest says each track was judged with (the
    // scorer reads it so for records without `readings`); both readings go to `readings`.
    let manifest = store.read_manifest()?;
    let judged_with = |track: &crate::Track| {
        manifest
            .as_ref()
            .and_then(|m| m.tracks.iter().find(|t| t.name == track.name))
            .map_or(track.semantics, |t| t.semantics)
    };
    let mut report = RejudgeReport::default();
    let mut by_problem: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        by_problem.entry(r.problem.clone()).or_default().push(i);
    }
    let mut new_records = records.clone();
    for (problem, idxs) in by_problem {
        let path = round.dir.join(&problem);
        let hash = sha256_file(&path).ok();
        let bytes = match (&hash, read_problem(&path)) {
            (Some(_), Ok(b)) => Some(b),
            _ => None,
        };
        for i in idxs {
            let r = &records[i];
            let Some(track) = round.tracks.iter().find(|t| t.name == r.track) else {
                report.skipped.push((
                    r.clone(),
                    format!("track `{}` is no longer defined", r.track),
                ));
                continue;
            };
            let Some(bytes) = &bytes else {
                report
                    .skipped
                    .push((r.clone(), format!("problem {problem} cannot be read")));
                continue;
            };
            if hash.as_deref() != Some(r.problem_hash.as_str()) && !r.problem_hash.is_empty() {
                report.skipped.push((
                    r.clone(),
                    format!("problem {problem} changed since the run"),
                ));
                continue;
            }
            let output = match &r.output {
                None => None,
                Some(rel) => match std::fs::read(store.dir().join(rel)) {
                    Ok(b) => Some(b),
                    Err(e) => {
                        report
                            .skipped
                            .push((r.clone(), format!("kept output {rel}: {e}")));
                        continue;
                    }
                },
            };
            let planned = PlannedRun {
                round: r.round.clone(),
                track: r.track.clone(),
                criteria: track.criteria.clone(),
                criteria_expanded: track.criteria_expanded.clone(),
                semantics: judged_with(track),
                solver: r.solver.clone(),
                solver_version: r.solver_version.clone(),
                program: Default::default(),
                args: Vec::new(),
                solver_hash: r.solver_hash.clone(),
                problem: r.problem.clone(),
                problem_path: path.clone(),
                category: r.category.clone(),
                problem_hash: r.problem_hash.clone(),
                limits: r.limits.clone(),
                isolation: Default::default(),
                answers: round.answers,
            };
            let ending = Ending {
                termination: r.termination,
                exit_code: r.exit_code,
                signal: r.signal,
            };
            // The runner's explanation of an abort is the part of the detail after the class.
            let run_detail = r.detail.split_once(": ").map_or("", |(_, d)| d);
            let j =
                crate::work::judge_bytes(&planned, &ending, output.as_deref(), bytes, run_detail)?;
            report.rejudged += 1;
            let mut n = r.clone();
            n.outcome = j.outcome;
            n.criteria = j.criteria;
            n.readings = j.readings;
            n.violations = j.violations;
            if n.outcome != r.outcome
                || n.criteria != r.criteria
                || n.readings != r.readings
                || n.violations != r.violations
            {
                n.detail = j.detail;
                n.harness_version = HARNESS_VERSION.to_string();
                report.changed.push((r.clone(), n.clone()));
                new_records[i] = n;
            }
        }
    }
    if !dry_run && !report.changed.is_empty() {
        report.history = Some(rewrite_records(store, &new_records)?);
    }
    Ok(report)
}
