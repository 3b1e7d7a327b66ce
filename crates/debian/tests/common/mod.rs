//! Helpers shared by the integration tests: the real data of this machine, external tools.

#![allow(dead_code)]

use std::path::PathBuf;

/// apt's lists folder, where `apt-get update` leaves the bookworm indexes as `.lz4`.
pub const LISTS: &str = "/var/lib/apt/lists";

/// Whether a missing tool or data must fail the test (CI sets MISC_REQUIRE_TOOLS).
pub fn required() -> bool {
    std::env::var_os("MISC_REQUIRE_TOOLS").is_some()
}

/// Skips (returns false, saying so) or fails when `what` is missing.
pub fn have(ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    if required() {
        panic!("MISC_REQUIRE_TOOLS is set but {what} is missing");
    }
    eprintln!("skipped: {what} is missing (set MISC_REQUIRE_TOOLS to make this fail)");
    false
}

/// Whether a program is on PATH.
pub fn tool(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
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

/// A pinned pseudo-random sequence (splitmix64), so that samples are the same every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
