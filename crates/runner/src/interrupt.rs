//! Stopping every run of this process at once, when the harness is asked to stop (SIGINT,
//! SIGTERM, SIGHUP: the CLI catches them and calls in here).
//!
//! Every run registers its shim (and its cgroup, if any) while it is in flight, so that one
//! call can reach every process tree from any thread:
//!
//! - [`interrupt`] is the harness stopping: no new run starts ([`crate::run`] refuses with
//!   [`crate::RunnerError::Interrupted`]), every run in flight has its whole tree killed at once,
//!   and each such run ends with `RunnerError::Interrupted` instead of a measurement, so that
//!   nothing partial is ever judged or recorded. Idle pre-warmed shims are discarded.
//! - [`forward`] passes a signal on to every process of every run (what a terminal would have
//!   done had the command not been in a session of its own: `misc exec`); the runs go on and end
//!   with a measurement. [`kill_all`] then ends what is left of them.
//!
//! Both only signal processes and write cgroup files: they may be called from a thread that
//! watches signals while the runs' own threads are busy, and [`kill_all`] returns only when
//! every registered tree is gone (or after the few seconds a cgroup kill may wait for it).

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::cgroup::RunCgroup;
use crate::procfs;

/// The signal that stopped the harness, 0 while none did.
static REQUESTED: AtomicI32 = AtomicI32::new(0);

struct LiveRun {
    id: u64,
    shim: i32,
    /// A handle on the run's cgroup that signals its members and never removes it.
    cgroup: Option<RunCgroup>,
}

fn live() -> MutexGuard<'static, Vec<LiveRun>> {
    static LIVE: Mutex<Vec<LiveRun>> = Mutex::new(Vec::new());
    // A panic while the list was held leaves it consistent (pushes and removals only).
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Stops the harness's runs: from now on no run starts, and every run in flight is killed
/// (whole tree) and ends with [`crate::RunnerError::Interrupted`]. `signal` is what asked for
/// it (reported by [`interrupted`]); only the first call's signal is kept.
pub fn interrupt(signal: i32) {
    let _ = REQUESTED.compare_exchange(0, signal.max(1), Ordering::SeqCst, Ordering::SeqCst);
    crate::spawn::shutdown();
    kill_all();
}

/// The signal given to [`interrupt`], if the harness was interrupted.
pub fn interrupted() -> Option<i32> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Sends `signal` to every process of every run in flight (except the runner's shims).
pub fn forward(signal: i32) {
    for run in live().iter() {
        match &run.cgroup {
            Some(cg) => {
                cg.signal_all(signal, Some(run.shim));
            }
            None => {
                let snap = procfs::snapshot();
                if let Ok(sig) = Signal::try_from(signal) {
                    for p in procfs::descendants(run.shim, &snap) {
                        let _ = kill(Pid::from_raw(p.pid), sig);
                    }
                }
            }
        }
    }
}

/// Kills the whole process tree of every run in flight (their shims then exit by themselves,
/// and the runs end). Returns when the trees are gone.
pub fn kill_all() {
    for run in live().iter() {
        kill_tree(run);
    }
}

/// Kills every run's tree, discards idle shims and removes the runs' cgroups: for a harness
/// about to exit without waiting for its runs (a second Ctrl-C).
pub fn abandon() {
    crate::spawn::shutdown();
    for run in live().iter() {
        kill_tree(run);
        if let Some(cg) = &run.cgroup {
            cg.remove_dirs_now();
        }
    }
}

/// How many runs are in flight (their solver started and has not been reaped).
pub fn live_runs() -> usize {
    live().len()
}

fn kill_tree(run: &LiveRun) {
    match &run.cgroup {
        Some(cg) => {
            cg.kill_all(Some(run.shim));
        }
        None => {
            // The shim is the subreaper of the whole tree: what it has not reaped yet is its
            // descendant. Repeat until none is left (a process may fork while we look).
            for _ in 0..100 {
                let snap = procfs::snapshot();
                let desc = procfs::descendants(run.shim, &snap);
                if desc.is_empty() {
                    break;
                }
                for p in desc {
                    let _ = kill(Pid::from_raw(p.pid), Signal::SIGKILL);
                }
            }
        }
    }
}

/// A run's place in the list of runs in flight; leaving it (drop) removes the run.
pub(crate) struct Registration {
    id: u64,
}

/// Registers a run in flight (call before its solver can have started new processes, and
/// drop before its shim is reaped, so the pid cannot have been reused). If the harness is
/// interrupted already, the run's tree is killed at once.
pub(crate) fn register(shim: i32, cgroup: Option<&RunCgroup>) -> Registration {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let run = LiveRun {
        id: NEXT.fetch_add(1, Ordering::Relaxed),
        shim,
        cgroup: cgroup.map(RunCgroup::handle),
    };
    let id = run.id;
    let mut list = live();
    // `interrupt` sets the flag before it takes the list: either it sees this run, or this
    // run sees the flag.
    if interrupted().is_some() {
        kill_tree(&run);
    }
    list.push(run);
    Registration { id }
}

impl Drop for Registration {
    fn drop(&mut self) {
        live().retain(|r| r.id != self.id);
    }
}
