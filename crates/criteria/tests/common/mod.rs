//! Helpers for the tests that run real solvers: finding them, running them with a timeout, and
//! reading their answers.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The path of an installed program; when it is missing the caller skips (a failure under
/// `MISC_REQUIRE_TOOLS`, see misc-testkit).
pub fn tool(name: &str) -> Option<PathBuf> {
    misc_testkit::require_tool(name, &format!("apt-get install {name}"))
}

/// A fresh scratch directory under the system temp dir, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "misc-criteria-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a solver run ended.
pub enum Run {
    /// Exited; stdout+stderr.
    Done {
        status: std::process::ExitStatus,
        log: String,
    },
    /// Killed after the timeout.
    TimedOut,
}

/// Runs a command with a wall-clock timeout, killing it (and only it) when time is up.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> std::io::Result<Run> {
    let log_path = std::env::temp_dir().join(format!(
        "misc-criteria-log-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let log = std::fs::File::create(&log_path)?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let _ = std::fs::remove_file(&log_path);
            return Ok(Run::Done { status, log });
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&log_path);
            return Ok(Run::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads a solver's answer file against its problem: `None` for FAIL, the installation flags
/// otherwise.
pub fn read_answer(
    path: &Path,
    doc: &misc_cudf::Document<'_>,
) -> Result<Option<Vec<bool>>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // mccs copies every property of the universe (and a preamble declaring them) into its
    // answer; misc-cudf's `parse_answer` rejects properties other than the core ones (reported
    // to the lead: its own crate docs say they are ignored). Keep only what a solution means.
    let text: String = raw
        .lines()
        .filter(|l| {
            let key = l.split(':').next().unwrap_or("").trim();
            l.trim().is_empty()
                || l.trim() == "FAIL"
                || matches!(key, "package" | "version" | "installed")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    match misc_cudf::parse_answer(&text, doc).map_err(|e| e.to_string())? {
        misc_cudf::Answer::Fail { .. } => Ok(None),
        misc_cudf::Answer::Solution(s) => {
            if !s.unknown.is_empty() || !s.duplicates.is_empty() {
                return Err(format!(
                    "answer names unknown or duplicate packages: {text}"
                ));
            }
            Ok(Some(s.installed))
        }
    }
}
