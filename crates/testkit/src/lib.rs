//! Test support shared by the workspace's tests: the `MISC_REQUIRE_TOOLS` switch below, and
//! the pinned pseudo-random generators of [`rng`] (also used by benchmarks, examples and
//! misc-report's synthetic rounds). No dependencies; a dev-dependency everywhere but there.
//!
//! # The `MISC_REQUIRE_TOOLS` switch
//!
//! Some tests need something outside the project: a reference tool (`cudf-check`, `aspcud`,
//! `mccs`, `packup`, `chromium`, `runexec`...), a running Slurm cluster, or the data in
//! `../shared`. On a developer's machine such a test may *skip* when that is missing; in CI
//! (`.ci/run` exports `MISC_REQUIRE_TOOLS=1`) a missing tool must **fail** the test, so that a
//! green CI means every differential, Slurm and browser test really ran.
//!
//! A test never decides this itself: it calls [`skip`] (or a helper that calls it), which
//! prints `SKIPPED: <why>` and returns when the switch is off, and panics with `<why>` when it is
//! on. How a new test uses it:
//!
//! ```no_run
//! #[test]
//! fn agrees_with_cudf_check() {
//!     // dev-dependency: misc-testkit.workspace = true
//!     let Some(cudf_check) = misc_testkit::require_tool("cudf-check", "apt-get install cudf-tools")
//!     else {
//!         return; // skipped (the switch is off), with a SKIPPED line on stderr
//!     };
//!     let Some(shared) = misc_testkit::require_shared("data/problems") else {
//!         return;
//!     };
//!     // ... use cudf_check and shared ...
//!     # let _ = (cudf_check, shared);
//! }
//! ```
//!
//! For a condition that is not a program on `PATH` (a cluster, a capability), test it yourself
//! and call `misc_testkit::skip("no Slurm cluster: SLURM_CONF is not set"); return;`.
//!
//! The switch is on when `MISC_REQUIRE_TOOLS` is set to anything but the empty string or `0`.
#![warn(missing_docs)]

use std::path::{Path, PathBuf};

pub mod rng;
pub use rng::{SplitMix64, XorShift64Star};

/// The environment variable that turns skips into failures.
pub const REQUIRE_TOOLS: &str = "MISC_REQUIRE_TOOLS";

/// Whether missing tools must fail tests (`MISC_REQUIRE_TOOLS` set, and neither empty nor `0`).
pub fn tools_required() -> bool {
    std::env::var_os(REQUIRE_TOOLS).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Records that a test (or a part of it) cannot run, and why: prints `SKIPPED: <why>` on
/// stderr and returns when [`tools_required`] is false; panics with `<why>` when it is true.
/// The caller returns (or skips the part) right after.
#[track_caller]
pub fn skip(why: impl std::fmt::Display) {
    if tools_required() {
        panic!("{REQUIRE_TOOLS} is set, and this test cannot run: {why}");
    }
    eprintln!("SKIPPED: {why} (set {REQUIRE_TOOLS}=1 to make this a failure)");
}

/// The program `name` found on `PATH` (a file in one of its directories), if any. Does not
/// skip: use [`require_tool`] in a test that needs the program.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The program `name` on `PATH`, or [`skip`] (saying `how` to install it) and `None`.
#[track_caller]
pub fn require_tool(name: &str, how: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    if found.is_none() {
        skip(format!("`{name}` is not on PATH ({how})"));
    }
    found
}

/// The shared data folder, if present: `$MISC_SHARED_DIR`, else `../shared` beside the
/// workspace, else `/work/shared`.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MISC_SHARED_DIR") {
        return Some(PathBuf::from(dir)).filter(|d| d.is_dir());
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    [beside, PathBuf::from("/work/shared")]
        .into_iter()
        .find(|d| d.is_dir())
}

/// `rel` inside the shared data folder (see [`shared_dir`]) when it exists, or [`skip`] and
/// `None`.
#[track_caller]
pub fn require_shared(rel: &str) -> Option<PathBuf> {
    let found = shared_dir().map(|d| d.join(rel)).filter(|p| p.exists());
    if found.is_none() {
        skip(format!(
            "the shared data `{rel}` is not present (../shared beside the workspace, or set MISC_SHARED_DIR)"
        ));
    }
    found
}

/// Why no Slurm cluster is usable here (`SLURM_CONF` unset or missing, `sinfo` failing, no idle
/// node), or `None` when one is. `.ci/slurm-up.sh`'s `env.sh` sets `SLURM_CONF`.
pub fn slurm_unavailable() -> Option<String> {
    let conf = match std::env::var_os("SLURM_CONF") {
        Some(c) => PathBuf::from(c),
        None => return Some("SLURM_CONF is not set (source .ci/slurm-up.sh's env.sh)".into()),
    };
    if !conf.is_file() {
        return Some(format!("SLURM_CONF={} does not exist", conf.display()));
    }
    match std::process::Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
    {
        Ok(o) if o.status.success() => {
            let states = String::from_utf8_lossy(&o.stdout);
            if states
                .lines()
                .any(|l| l.starts_with("idle") || l.starts_with("mixed"))
            {
                None
            } else {
                Some(format!("no idle node (sinfo: {})", states.trim()))
            }
        }
        Ok(o) => Some(format!(
            "sinfo failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("cannot run sinfo: {e}")),
    }
}

/// The criteria a MISC instance folder of aspcud's and libCUDF's test data stands for: folder
/// names spell them with P=`+`, M=`-`, L=`(`, R=`)`, C=`,` (e.g. `PcountLupR` is `+count(up)`);
/// `paranoid` and `trendy` stay as they are.
pub fn misc_folder_criteria(folder: &str) -> String {
    folder
        .chars()
        .map(|c| match c {
            'P' => '+',
            'M' => '-',
            'L' => '(',
            'R' => ')',
            'C' => ',',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test touches the environment, so that parallel tests do not race on it.
    #[test]
    fn the_switch_turns_a_skip_into_a_failure() {
        std::env::remove_var(REQUIRE_TOOLS);
        assert!(!tools_required());
        skip("nothing (switch off)");
        assert_eq!(require_tool("no-such-tool-misc-testkit", "none"), None);
        std::env::set_var(REQUIRE_TOOLS, "0");
        assert!(!tools_required());
        std::env::set_var(REQUIRE_TOOLS, "1");
        assert!(tools_required());
        let err = std::panic::catch_unwind(|| {
            require_tool("no-such-tool-misc-testkit", "apt-get install nothing")
        })
        .expect_err("a missing tool fails when the switch is on");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("no-such-tool-misc-testkit"), "{msg}");
        assert!(msg.contains("apt-get install nothing"), "{msg}");
        // A tool that is there is found whatever the switch says.
        assert!(require_tool("sh", "").is_some());
        std::env::remove_var(REQUIRE_TOOLS);
    }
}
