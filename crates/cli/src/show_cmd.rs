//! `misc show ROUND --track T --solver S --problem P`: one run of a round, as recorded: the
//! verdict and why, the checker's violations, what was measured, and the end of what the
//! solver wrote on stdout and stderr (kept beside its output).

use std::io::Write;
use std::path::{Path, PathBuf};

use misc_results::{Manifest, RunRecord};

use crate::exit::CliError;
use crate::out;

/// Show one run of a round: verdict, violations, measurements and the end of the solver's
/// stdout and stderr.
///
/// Reads ROUND/results only (nothing is run). --track and --solver name them exactly and may
/// be left out when only one run matches; --problem is the problem's path relative to the
/// round, or any part of it that matches one problem.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The round folder (records in ROUND/results).
    pub round: PathBuf,
    /// The track.
    #[arg(long, value_name = "T")]
    pub track: Option<String>,
    /// The solver.
    #[arg(long, value_name = "S")]
    pub solver: Option<String>,
    /// The problem (its path relative to the round, or a unique part of it).
    #[arg(long, value_name = "P")]
    pub problem: String,
    /// How many of the last lines of stdout and stderr to print (0: none).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub lines: usize,
    /// Print the record as JSON (one object) instead.
    #[arg(long)]
    pub json: bool,
}

/// Runs `misc show`.
pub fn run(args: ShowArgs) -> Result<(), CliError> {
    let (store, manifest, records) =
        crate::round_io::load_results(&args.round).map_err(CliError::Usage)?;
    let results = store.dir().to_path_buf();
    let matches = |r: &RunRecord| {
        args.track.as_ref().is_none_or(|t| &r.track == t)
            && args.solver.as_ref().is_none_or(|s| &r.solver == s)
    };
    let exact: Vec<&RunRecord> = records
        .iter()
        .filter(|r| matches(r) && r.problem == args.problem)
        .collect();
    let found: Vec<&RunRecord> = if exact.is_empty() {
        records
            .iter()
            .filter(|r| matches(r) && r.problem.contains(&args.problem))
            .collect()
    } else {
        exact
    };
    let record = match found.as_slice() {
        [one] => *one,
        [] => return Err(CliError::usage(not_found(&args, &manifest, &records))),
        many => {
            let mut text = format!(
                "{} runs match; say which with --track, --solver or a longer --problem:",
                many.len()
            );
            for r in many.iter().take(12) {
                text.push_str(&format!(
                    "\n  --track {} --solver {} --problem {}",
                    r.track, r.solver, r.problem
                ));
            }
            if many.len() > 12 {
                text.push_str(&format!("\n  ... and {} more", many.len() - 12));
            }
            return Err(CliError::usage(text));
        }
    };
    let mut w = out::stdout();
    if args.json {
        serde_json::to_writer_pretty(&mut w, record)?;
        writeln!(w)?;
        return Ok(w.flush()?);
    }
    print_record(&mut w, record, &results, args.lines)?;
    Ok(w.flush()?)
}

/// Why nothing matched: the entrant could not run, or the names that exist.
fn not_found(args: &ShowArgs, manifest: &Manifest, records: &[RunRecord]) -> String {
    if let Some(s) = &args.solver {
        if let Some(why) = manifest.not_run.get(s) {
            return format!("solver `{s}` has not run: {why}");
        }
        if !manifest.tracks.iter().any(|t| t.solvers.contains(s)) {
            let all: std::collections::BTreeSet<&str> = manifest
                .tracks
                .iter()
                .flat_map(|t| t.solvers.iter().map(String::as_str))
                .collect();
            return format!(
                "no solver `{s}` in round `{}` (solvers: {})",
                manifest.round,
                all.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    if let Some(t) = &args.track {
        if !manifest.tracks.iter().any(|x| &x.name == t) {
            let all: Vec<&str> = manifest.tracks.iter().map(|t| t.name.as_str()).collect();
            return format!(
                "no track `{t}` in round `{}` (tracks: {})",
                manifest.round,
                all.join(", ")
            );
        }
    }
    if let Some(e) = manifest
        .excluded_problems
        .iter()
        .find(|e| e.problem.contains(&args.problem))
    {
        return format!(
            "problem {} was left out of the round: {}",
            e.problem, e.reason
        );
    }
    format!(
        "no recorded run matches --problem {:?}{}{} ({} records in all; `misc run` records \
         the runs still to do)",
        args.problem,
        args.track
            .as_ref()
            .map_or(String::new(), |t| format!(" in track {t}")),
        args.solver
            .as_ref()
            .map_or(String::new(), |s| format!(" for solver {s}")),
        records.len()
    )
}

fn print_record(
    w: &mut impl Write,
    r: &RunRecord,
    results: &Path,
    lines: usize,
) -> std::io::Result<()> {
    let field = |w: &mut dyn Write, name: &str, value: &str| writeln!(w, "{name:<12} {value}");
    field(w, "track", &r.track)?;
    let version = if r.solver_version.is_empty() {
        String::new()
    } else {
        format!(" (version {})", r.solver_version)
    };
    field(w, "solver", &format!("{}{version}", r.solver))?;
    let category = if r.category.is_empty() {
        String::new()
    } else {
        format!(" (category {})", r.category)
    };
    field(w, "problem", &format!("{}{category}", r.problem))?;
    field(w, "verdict", &format!("{}: {}", r.outcome, r.detail))?;
    let mut ending = r.termination.to_string();
    if let Some(c) = r.exit_code {
        ending.push_str(&format!(", exit code {c}"));
    }
    if let Some(s) = r.signal {
        ending.push_str(&format!(", signal {s}"));
    }
    field(w, "ended", &ending)?;
    if let Some(c) = &r.criteria {
        let v: Vec<String> = c.iter().map(i64::to_string).collect();
        field(w, "criteria", &format!("({})", v.join(", ")))?;
    }
    field(
        w,
        "measured",
        &format!(
            "CPU {:.3} s (user {:.3}, system {:.3}), wall {:.3} s, peak memory {:.1} MiB, by {}",
            r.cpu_time,
            r.user_time,
            r.system_time,
            r.wall_time,
            r.memory as f64 / (1024.0 * 1024.0),
            if r.measured_by.is_empty() {
                "?"
            } else {
                &r.measured_by
            }
        ),
    )?;
    field(
        w,
        "limits",
        &format!(
            "CPU {} s, wall {} s, memory {:.0} MiB",
            r.limits.cpu_time,
            r.limits.wall_time,
            r.limits.memory as f64 / (1024.0 * 1024.0)
        ),
    )?;
    match &r.output {
        Some(o) => field(w, "output", &results.join(o).display().to_string())?,
        None => field(w, "output", "not kept")?,
    }
    if !r.violations.is_empty() {
        writeln!(w, "violations ({}):", r.violations.len())?;
        for v in &r.violations {
            writeln!(w, "  {}: {}", v.kind, v.message)?;
        }
    }
    let Some(logs) = &r.logs else {
        field(
            w,
            "logs",
            "none (the solver wrote nothing on stdout or stderr, or the run was recorded by a \
             misc that kept no logs)",
        )?;
        return Ok(());
    };
    for (stream, rel, bytes) in [
        ("stdout", &logs.stdout, logs.stdout_bytes),
        ("stderr", &logs.stderr, logs.stderr_bytes),
    ] {
        let Some(rel) = rel else {
            field(w, stream, "empty")?;
            continue;
        };
        let path = results.join(rel);
        let text = std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .ok();
        let kept = text.as_ref().map_or(0, String::len) as u64;
        writeln!(
            w,
            "{stream:<12} {bytes} bytes written{}, kept in {}{}",
            if kept < bytes {
                format!(" (the last {kept} kept)")
            } else {
                String::new()
            },
            path.display(),
            if text.is_none() { " (missing)" } else { "" }
        )?;
        if let (Some(text), true) = (text, lines > 0) {
            let tail = misc_report::model::last_lines(&text, lines);
            for l in tail.lines() {
                writeln!(w, "  | {l}")?;
            }
        }
    }
    Ok(())
}
