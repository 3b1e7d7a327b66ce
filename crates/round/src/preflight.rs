//! Preflight: every problem that is about to be run is read, parsed and checked against its
//! tracks' criteria once, before any solver starts, so that a broken problem file stops the
//! round (or is left out, `misc run --skip-bad-problems`) instead of costing every solver a
//! run and being scored as a missing answer.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use misc_results::{ExcludedProblem, RunKey, RunRecord};

use crate::def::{Problem, Round, Track};
use crate::work::read_problem;

/// The problems of `round` that some installed entrant still has to run (a problem whose runs
/// are all recorded was judged before and is not read again), each with the tracks it is in.
fn problems_to_check<'r>(
    round: &'r Round,
    records: &[RunRecord],
) -> BTreeMap<&'r str, (&'r Problem, Vec<&'r Track>)> {
    let recorded: HashSet<RunKey> = records.iter().map(RunRecord::key).collect();
    let mut out: BTreeMap<&str, (&Problem, Vec<&Track>)> = BTreeMap::new();
    for t in &round.tracks {
        let installed: Vec<&String> = t
            .solvers
            .iter()
            .filter(|s| round.solvers.get(*s).is_some_and(|s| s.installed()))
            .collect();
        for p in &t.problems {
            let todo = installed.iter().any(|s| {
                !recorded.contains(&RunKey {
                    track: t.name.clone(),
                    solver: (*s).clone(),
                    problem: p.rel.clone(),
                })
            });
            if todo {
                out.entry(p.rel.as_str())
                    .or_insert((p, Vec::new()))
                    .1
                    .push(t);
            }
        }
    }
    out
}

/// Why one problem cannot be judged in these tracks, if it cannot: unreadable, not
/// decompressible, not UTF-8, not a CUDF problem (file, line and column), or a track's criteria
/// that do not apply to it.
fn check_one(p: &Problem, tracks: &[&Track]) -> Option<String> {
    let bytes = match read_problem(&p.path) {
        Ok(b) => b,
        Err(e) => return Some(e.to_string()),
    };
    let file = p.path.display().to_string();
    let text = match misc_cudf::check_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => return Some(e.in_file(file).to_string()),
    };
    let doc = match misc_cudf::parse_problem(text) {
        Ok(d) => d,
        Err(e) => return Some(e.in_file(file).to_string()),
    };
    for t in tracks {
        let Ok(criteria) = misc_criteria::parse_criteria(&t.criteria) else {
            continue; // reported by Round::load
        };
        if let Err(e) = misc_criteria::resolve(&criteria, &doc) {
            return Some(format!(
                "{file}: the criteria of track `{}` do not apply: {e}",
                t.name
            ));
        }
    }
    None
}

/// Reads and parses, once each and on `jobs` threads, every problem that some installed
/// entrant still has to run, and checks each track's criteria against it. Returns the
/// problems that cannot be judged, sorted, each with the reason.
pub fn check_problems(round: &Round, records: &[RunRecord], jobs: usize) -> Vec<ExcludedProblem> {
    let todo: Vec<(&Problem, Vec<&Track>)> =
        problems_to_check(round, records).into_values().collect();
    let next = AtomicUsize::new(0);
    let bad = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, todo.len().max(1)) {
            scope.spawn(|| {
                while let Some((p, tracks)) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Some(reason) = check_one(p, tracks) {
                        if let Ok(mut bad) = bad.lock() {
                            bad.push(ExcludedProblem {
                                problem: p.rel.clone(),
                                reason,
                            });
                        }
                    }
                }
            });
        }
    });
    let mut bad = bad.into_inner().unwrap_or_default();
    bad.sort_by(|a, b| a.problem.cmp(&b.problem));
    bad
}
