//! The downloads: `results.csv` (one row per run) and `results.json` (manifest, records and
//! scores).

use std::collections::HashMap;
use std::io::Write;

use misc_results::{Manifest, RunRecord};
use misc_score::Scores;
use serde::Serialize;

/// The columns of `results.csv`, in order.
pub const CSV_COLUMNS: [&str; 22] = [
    "round",
    "track",
    "solver",
    "solver_version",
    "problem",
    "category",
    "outcome",
    "points",
    "criteria",
    "termination",
    "exit_code",
    "signal",
    "cpu_time",
    "user_time",
    "system_time",
    "wall_time",
    "memory",
    "violations",
    "detail",
    "output",
    "started_at",
    "host",
];

/// Writes one CSV row per record. `points` is the run's points in its track (empty when the
/// record is not scored: its track, solver or problem is not in the manifest). Criteria values
/// are separated by spaces, violations by ` | ` as `kind: message`.
pub fn write_csv<W: Write>(
    out: W,
    records: &[RunRecord],
    scores: &Scores,
) -> Result<(), csv::Error> {
    let mut points: HashMap<(&str, &str, &str), u64> = HashMap::new();
    for t in &scores.tracks {
        for p in &t.problems {
            for r in &p.results {
                points.insert((&t.track, &r.solver, &p.problem), r.points);
            }
        }
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS)?;
    for r in records {
        let pts = points
            .get(&(r.track.as_str(), r.solver.as_str(), r.problem.as_str()))
            .map(u64::to_string)
            .unwrap_or_default();
        let criteria = r
            .criteria
            .as_deref()
            .map(|v| v.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let violations = r
            .violations
            .iter()
            .map(|v| format!("{}: {}", v.kind, v.message))
            .collect::<Vec<_>>()
            .join(" | ");
        w.write_record([
            r.round.as_str(),
            &r.track,
            &r.solver,
            &r.solver_version,
            &r.problem,
            &r.category,
            r.outcome.as_str(),
            &pts,
            &criteria,
            r.termination.as_str(),
            &r.exit_code.map(|c| c.to_string()).unwrap_or_default(),
            &r.signal.map(|c| c.to_string()).unwrap_or_default(),
            &format!("{:.6}", r.cpu_time),
            &format!("{:.6}", r.user_time),
            &format!("{:.6}", r.system_time),
            &format!("{:.6}", r.wall_time),
            &r.memory.to_string(),
            &violations,
            &r.detail,
            r.output.as_deref().unwrap_or(""),
            &format!("{:.3}", r.started_at),
            &r.host,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The content of `results.json`.
#[derive(Serialize)]
pub struct JsonExport<'a> {
    /// The version of the format (incremented on incompatible changes).
    pub format: u32,
    /// The round's manifest, as stored.
    pub manifest: &'a Manifest,
    /// Every run record, as stored.
    pub records: &'a [RunRecord],
    /// The scores the pages show.
    pub scores: &'a Scores,
}

/// Writes `results.json`: the manifest, every record, and the scores.
pub fn write_json<W: Write>(
    out: W,
    manifest: &Manifest,
    records: &[RunRecord],
    scores: &Scores,
) -> Result<(), serde_json::Error> {
    serde_json::to_writer(
        out,
        &JsonExport {
            format: 1,
            manifest,
            records,
            scores,
        },
    )
}
