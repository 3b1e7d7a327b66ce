//! Helpers shared by the integration tests: the real data of this machine, external tools.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// apt's lists folder, where `apt-get update` leaves the bookworm indexes as `.lz4`.
pub const LISTS: &str = "/var/lib/apt/lists";

/// `ok`, or, when `what` is missing, a skip (false) or, under `MISC_REQUIRE_TOOLS`, a failure
/// ([`misc_testkit::skip`]).
#[track_caller]
pub fn have(ok: bool, what: &str) -> bool {
    if !ok {
        misc_testkit::skip(format!("{what} is missing"));
    }
    ok
}

/// Whether a program is on PATH.
pub fn tool(name: &str) -> bool {
    misc_testkit::find_tool(name).is_some()
}

/// Whether every program of `names` is on PATH (skipping, or failing under
/// `MISC_REQUIRE_TOOLS`, at the first missing one).
#[track_caller]
pub fn tools(names: &[&str]) -> bool {
    names.iter().all(|t| have(tool(t), t))
}

/// aspcud's verdict on a problem within `seconds` (`Some(false)`: FAIL; `None`: no verdict, a
/// timeout or a crash), its answer checked by cudf-check (a refused answer fails the test).
pub fn aspcud_verdict(problem: &Path, seconds: u32) -> Option<bool> {
    let solution = problem.with_extension("sol");
    let out = Command::new("timeout")
        .arg(seconds.to_string())
        .arg("aspcud")
        .arg(problem)
        .arg(&solution)
        .arg("paranoid")
        .output()
        .expect("run aspcud");
    let text = std::fs::read_to_string(&solution).unwrap_or_default();
    if text.trim_start().starts_with("FAIL") {
        return Some(false);
    }
    if !out.status.success() || text.is_empty() {
        eprintln!(
            "aspcud gave no verdict on {}: {}",
            problem.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let check = Command::new("cudf-check")
        .arg("-cudf")
        .arg(problem)
        .arg("-sol")
        .arg(&solution)
        .output()
        .expect("run cudf-check");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        report.lines().any(|l| l == "is_solution: true"),
        "cudf-check refuses aspcud's answer to {}: {report}",
        problem.display()
    );
    Some(true)
}

/// apt's index whose file name ends with `suffix` (e.g. `_bookworm_main_binary-amd64_Packages.lz4`).
pub fn index(suffix: &str) -> Option<PathBuf> {
    let dir = std::fs::read_dir(LISTS).ok()?;
    let mut found: Vec<PathBuf> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    found.sort();
    found.into_iter().next()
}

/// The bookworm main index (amd64), if apt has it.
pub fn bookworm_main() -> Option<PathBuf> {
    index("_dists_bookworm_main_binary-amd64_Packages.lz4")
}

/// A pinned pseudo-random sequence (misc-testkit's splitmix64), so that samples are the same
/// every run, drawing indices.
pub struct Rng(misc_testkit::SplitMix64);

impl Rng {
    /// The sequence of `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(misc_testkit::SplitMix64::new(seed))
    }

    /// An index in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
}
