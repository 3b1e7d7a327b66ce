//! Operations on a round's results folder beyond appending: the round lock, rewriting the
//! record files (for `--rerun` and `misc rejudge`), the manifest, and leftovers of a killed
//! harness.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use misc_results::{Manifest, RunKey, RunRecord, Store, TrackInfo, HARNESS_VERSION};

use crate::def::Round;
use crate::RoundError;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RoundError + '_ {
    move |source| RoundError::Io {
        path: path.to_owned(),
        source,
    }
}

/// An exclusive lock on a round's results folder (`results/.lock`, `flock`), held while a
/// `misc run` or `misc rejudge` works on it. The kernel releases it when the process dies, so a
/// SIGKILLed harness never leaves a stale lock.
#[derive(Debug)]
pub struct RoundLock {
    _file: nix::fcntl::Flock<std::fs::File>,
}

impl RoundLock {
    /// Takes the lock, or fails at once if another harness holds it.
    pub fn acquire(results_dir: &Path) -> Result<RoundLock, RoundError> {
        std::fs::create_dir_all(results_dir).map_err(io(results_dir))?;
        let path = results_dir.join(".lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        // Held until the lock (and with it the file) is dropped, or the process ends.
        let file = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock)
            .map_err(|_| RoundError::Busy(results_dir.to_owned()))?;
        let mut f: &std::fs::File = &file;
        let _ = f.write_all(format!("{}\n", std::process::id()).as_bytes());
        Ok(RoundLock { _file: file })
    }
}

fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{secs}-{}", std::process::id())
}

/// Replaces the record files of the store by one `runs.jsonl` holding `records` (in order),
/// after copying the old files to `results/history/TIMESTAMP/`. Atomic: the new file is written
/// beside the old one, synced and renamed over it; shards are removed only after that (a kill in
/// between leaves shard records that duplicate or predate the new file; on load the first
/// record of a key, the new file's, wins).
pub fn rewrite_records(store: &Store, records: &[RunRecord]) -> Result<PathBuf, RoundError> {
    let dir = store.dir();
    let files = store.record_files()?;
    let history = dir.join("history").join(timestamp());
    std::fs::create_dir_all(&history).map_err(io(&history))?;
    for f in &files {
        if let Some(name) = f.file_name() {
            let to = history.join(name);
            std::fs::copy(f, &to).map_err(io(&to))?;
        }
    }
    let tmp = dir.join(".runs.jsonl.tmp");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io(&tmp))?);
        for r in records {
            let line = serde_json::to_string(r).map_err(|e| RoundError::Internal(e.to_string()))?;
            out.write_all(line.as_bytes()).map_err(io(&tmp))?;
            out.write_all(b"\n").map_err(io(&tmp))?;
        }
        let f = out.into_inner().map_err(|e| io(&tmp)(e.into_error()))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, store.runs_path()).map_err(io(&store.runs_path()))?;
    for f in files {
        if f != store.runs_path() {
            std::fs::remove_file(&f).map_err(io(&f))?;
        }
    }
    Ok(history)
}

/// Removes the records of `keys` from the store (for `--rerun`), keeping a copy of the old
/// files in `results/history/`. Returns how many were removed.
pub fn remove_records(store: &Store, keys: &[RunKey]) -> Result<usize, RoundError> {
    if keys.is_empty() {
        return Ok(0);
    }
    let (records, _) = store.load()?;
    let drop: HashSet<&RunKey> = keys.iter().collect();
    let keep: Vec<RunRecord> = records
        .iter()
        .filter(|r| !drop.contains(&r.key()))
        .cloned()
        .collect();
    let removed = records.len() - keep.len();
    rewrite_records(store, &keep)?;
    Ok(removed)
}

/// Removes sandboxes (`misc-run-*`) under `base/misc-round-PID` folders whose harness process
/// is gone: what a SIGKILLed harness left behind. Returns how many folders were removed.
pub fn cleanup_stale_sandboxes(base: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(base) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|s| s.strip_prefix("misc-round-"))
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let p = e.path();
        make_writable(&p);
        if std::fs::remove_dir_all(&p).is_ok() {
            n += 1;
        }
    }
    n
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_writable(&e.path());
            }
        }
    }
}

/// The sandbox folder of this harness process below `base`: `base/misc-round-PID`.
pub fn harness_sandbox_dir(base: &Path) -> PathBuf {
    base.join(format!("misc-round-{}", std::process::id()))
}

/// This machine's host name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// A one-line description of the machine: CPU model, cores, memory, kernel.
pub fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, v)| v.trim())
        .to_string();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let kernel = format!(
        "{} {} {}",
        read("/proc/sys/kernel/ostype"),
        read("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    );
    format!(
        "{model}, {cores} CPU(s) ({} usable), {:.1} GiB RAM, {kernel}",
        crate::allowed_cores().len(),
        mem_kib as f64 / (1024.0 * 1024.0)
    )
}

/// The manifest of a round: its tracks (with objectives, all entered solvers and all
/// problems), limits, rules, solver versions, the machine, the problems left out
/// ([`Round::excluded`]) and the entrants that cannot start here.
pub fn manifest(round: &Round) -> Manifest {
    Manifest {
        round: round.name.clone(),
        rules: round.rules,
        tie_break: round.tie_break,
        limits: round.limits.clone(),
        tracks: round
            .tracks
            .iter()
            .map(|t| TrackInfo {
                name: t.name.clone(),
                criteria: t.criteria.clone(),
                semantics: t.semantics,
                objectives: t.objectives.clone(),
                solvers: t.solvers.clone(),
                problems: t.problems.iter().map(|p| p.rel.clone()).collect(),
                cpu_time_limit: t.limits.cpu_time,
                limits: Some(t.limits.clone()),
            })
            .collect(),
        solver_versions: round
            .solvers
            .iter()
            .map(|(n, s)| (n.clone(), s.version.clone()))
            .collect(),
        solver_descriptions: round
            .solvers
            .iter()
            .filter(|(_, s)| !s.description.is_empty())
            .map(|(n, s)| (n.clone(), s.description.clone()))
            .collect(),
        host: host_name(),
        machine: machine_description(),
        harness_version: HARNESS_VERSION.to_string(),
        isolation: round.isolation.as_str().to_string(),
        answers: Some(round.answers),
        isolated_by: match round.isolation {
            misc_runner::IsolationLevel::None => "none",
            _ if misc_runner::namespaces_available().is_ok() => "namespaces",
            misc_runner::IsolationLevel::Required => "unavailable",
            misc_runner::IsolationLevel::BestEffort => {
                let caps = misc_runner::capabilities();
                if caps.net_namespace || caps.mount_namespace {
                    "partial"
                } else {
                    "none"
                }
            }
        }
        .to_string(),
        started_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
        excluded_problems: round.excluded.clone(),
        not_run: round
            .solvers
            .iter()
            .filter_map(|(n, s)| s.program.as_ref().err().map(|why| (n.clone(), why.clone())))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("results");
        let lock = RoundLock::acquire(&results).unwrap();
        // A second harness (another open of the lock file) is refused at once.
        match RoundLock::acquire(&results) {
            Err(RoundError::Busy(d)) => assert_eq!(d, results),
            other => panic!("expected Busy, got {other:?}"),
        }
        let pid = std::fs::read_to_string(results.join(".lock")).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());
        drop(lock);
        RoundLock::acquire(&results).unwrap();
    }
}
