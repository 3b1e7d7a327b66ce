//! `misc report ROUND [--out DIR]`: write the round's static results site.
//!
//! Reads `ROUND/results` (records, `manifest.json` and, when `misc score --save` wrote one,
//! `scoring.json`), scores the records with the saved options (else the manifest's rules and
//! tie-break), and writes the site with `misc_report::render_site`, copying the kept outputs
//! into it. Prints the path of the site's `index.html` on stdout (one line); everything else
//! goes to stderr.

use std::io::Write;
use std::path::{Path, PathBuf};

use misc_score::SCORING_FILE;

use crate::exit::CliError;
use crate::out::note;

/// Write the round's results site: rankings, per-problem and per-solver pages, plots, and
/// CSV/JSON downloads, as static files that work offline.
///
/// Scores with the options saved by `misc score --save` (ROUND/results/scoring.json) if any,
/// otherwise with the round's rules and tie-break. Prints the path of the site's index.html.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The round folder (records in ROUND/results).
    pub round: PathBuf,
    /// Where to write the site [default: reports/<name of the ROUND folder>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The default output folder: `reports/<round folder name>`.
fn default_out(round: &Path) -> PathBuf {
    let name = round
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_owned()))
        .or_else(|| round.file_name().map(|n| n.to_owned()))
        .unwrap_or_else(|| "round".into());
    Path::new("reports").join(name)
}

/// Runs `misc report`.
pub fn run(args: ReportArgs) -> Result<(), CliError> {
    Ok(report(args)?)
}

fn report(args: ReportArgs) -> anyhow::Result<()> {
    let (store, manifest, records) = crate::round_io::load_results(&args.round)?;
    let results = store.dir().to_path_buf();
    let saved = crate::round_io::read_saved(&results.join(SCORING_FILE))?;
    let scores = misc_score::score_round(&manifest, &records, saved.as_ref())?;
    note!(
        "scoring {} records with rules {} and tie-break {} ({})",
        records.len(),
        scores.options.rules,
        scores.options.tie_break,
        if saved.is_some() {
            "saved by `misc score --save`"
        } else {
            "the round's own"
        }
    );
    for t in scores.tracks.iter().filter(|t| t.missing_runs > 0) {
        note!(
            "warning: track {}: {} run(s) have no record yet; the ranking is not final",
            t.track,
            t.missing_runs
        );
    }
    for w in scores.tracks.iter().filter_map(|t| t.limits_warning()) {
        note!("warning: {w}");
    }

    let out = args.out.unwrap_or_else(|| default_out(&args.round));
    let summary = misc_report::render_site(&manifest, &records, &scores, Some(&results), &out)?;
    note!(
        "wrote {} pages, results.csv and results.json to {}; {} kept output(s) copied{}",
        summary.pages,
        out.display(),
        summary.outputs_copied,
        if summary.outputs_missing > 0 {
            format!(", {} not found", summary.outputs_missing)
        } else {
            String::new()
        }
    );
    if summary.stale_removed > 0 {
        note!(
            "removed {} page(s) of an earlier report",
            summary.stale_removed
        );
    }
    let index = summary
        .index
        .canonicalize()
        .unwrap_or_else(|_| summary.index.clone());
    writeln!(crate::out::stdout(), "{}", index.display())?;
    Ok(())
}
