//! Shared by the integration tests: render the demo round into a folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use misc_report::synthetic::{self, SyntheticRound};
use misc_report::SiteSummary;
use misc_score::SavedScoring;

/// Writes the demo round to `dir/round` and its site to `dir/site`.
pub fn render_demo(dir: &Path, saved: Option<&SavedScoring>) -> (SyntheticRound, SiteSummary) {
    let round = synthetic::demo();
    let summary = render_round(&round, dir, saved);
    (round, summary)
}

/// Writes `round` to `dir/round`, scores it (with `saved` options, if any) and writes its site
/// to `dir/site`.
pub fn render_round(
    round: &SyntheticRound,
    dir: &Path,
    saved: Option<&SavedScoring>,
) -> SiteSummary {
    let round_dir = dir.join("round");
    round.write_to(&round_dir).unwrap();
    let scores = misc_score::score_round(&round.manifest, &round.records, saved).unwrap();
    misc_report::render_site(
        &round.manifest,
        &round.records,
        &scores,
        Some(&round_dir.join("results")),
        &dir.join("site"),
    )
    .unwrap()
}

/// Every `.html` file under `dir`.
pub fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
