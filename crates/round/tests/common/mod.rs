//! Shared by misc-round's integration tests: the workspace, the binaries a real `misc run`
//! needs, and writing fixture files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds `misc` and the test solvers into this test's target folder and returns its
/// `target/debug` (the test runs from `target/debug/deps`). A failed build (another cargo
/// holding the lock, no network) only warns, as long as every one of `needed` is there.
pub fn build_binaries(needed: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .to_path_buf();
    let target = dir.parent().expect("target folder").to_path_buf();
    let status = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "misc-cli", "-p", "misc-test-solvers"])
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    if !status.success() {
        eprintln!(
            "warning: cargo build failed; using the binaries already in {}",
            dir.display()
        );
    }
    for b in needed {
        assert!(
            dir.join(b).exists(),
            "{} was not built",
            dir.join(b).display()
        );
    }
    dir
}

/// Writes `text` to `p`, making its folder.
pub fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}
