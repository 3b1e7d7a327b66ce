//! Running a round's planned runs on a Slurm cluster, as one job array.
//!
//! The cluster layer ([`cluster`], [`parse`], [`script`], [`state`]) knows Slurm, not rounds;
//! [`executor::SlurmExecutor`] puts it together with `misc-round` as a
//! `misc_round::Executor` (`misc run ROUND --executor slurm`).
//!
//! # How a round runs through Slurm
//!
//! ```text
//! misc run ROUND --executor slurm [--partition P] [--chunk N] [--detach]
//!   plan (runs without a record) ──► K chunks, round-robin ──► results/slurm/chunks/SEQ/TASK.json
//!   batch script results/slurm/array-SEQ.sh ──► sbatch --parsable  (--array=0-(K-1))
//!   state file results/slurm/state.json  ◄── job id, chunk folder, task count
//!        │
//!   task i on a node:  misc run-chunk chunks/SEQ/i.json --shard slurm-JOBID-i --jobs CPUS
//!        │  the same work function as the local pool: run under the harness's own limits and
//!        │  sandbox, judge, append the record to results/runs.slurm-JOBID-i.jsonl
//!        ▼
//!   misc run polls `scontrol show job -o JOBID` and tails the shards (progress), then collects:
//!   every task classified (completed / killed by Slurm / worker failed), unrecorded runs of the
//!   array submitted again as a new, smaller array (a few times at most), state file updated.
//! ```
//!
//! - **Chunks.** Slurm starts about one task per free CPU per second, so one task per run is far
//!   too slow for short runs: each task takes a chunk of runs (`--chunk N`; by default twice as
//!   many tasks as the partition has CPUs, capped at 1000), runs them `--cpus-per-task` at a time
//!   (one per allocated CPU, pinned as in the local pool) and exits. Runs are dealt to chunks
//!   round-robin so that every chunk mixes solvers and problems.
//! - **Backstops.** Each run keeps the harness's per-run limits and sandbox. Slurm's
//!   `--time`/`--mem`/`--cpus-per-task` are set from the round's limits with a wide margin
//!   ([`backstops`]): they only catch a worker that went wrong (Slurm's time limit is coarse,
//!   enforced up to a minute and a half late).
//! - **Shards.** Every task appends only to its own shard `results/runs.slurm-JOBID-TASK.jsonl`
//!   (one writer per file; a retry is a new array, so a new job id and new files).
//!   `misc_results::Store::load` merges `runs.jsonl` and the shards and keeps the first record
//!   of a key, so no record is lost and none is counted twice.
//! - **Task states** come from `scontrol show job -o JOBID` (pending, running and, for
//!   `MinJobAge` seconds after they end, finished tasks with state, reason and exit code), with
//!   `squeue -h -r -j JOBID` as a fallback; no accounting database (`sacct`) is assumed. A task
//!   is [`TaskState::Completed`], [`TaskState::Killed`] (Slurm ended it: `TIMEOUT`,
//!   `OUT_OF_MEMORY`, `NODE_FAIL`, `PREEMPTED`, `CANCELLED`, ...), [`TaskState::WorkerFailed`]
//!   (the worker exited non-zero: a harness error on that node) or [`TaskState::Unknown`]
//!   (forgotten by the controller).
//! - **Slurm kills are not solver failures.** The runs a killed task had not recorded are run
//!   again, never scored as aborts. A run that was in flight when Slurm signalled the task may
//!   have been recorded with an ending that is Slurm's doing (the solver got Slurm's SIGTERM or
//!   the kernel's OOM kill inside the task's cgroup): so, for a task Slurm killed, the records
//!   that ended less than [`KILL_GRACE_S`] seconds before the task's `EndTime` (which Slurm
//!   prints in whole seconds), and the records whose solver died of a signal Slurm or the
//!   kernel's OOM killer sends (`SIGTERM`, `SIGKILL`, `SIGINT`, `SIGHUP`), are moved out of its shard (to
//!   `results/slurm/suspect.jsonl`, kept for inspection) and those runs are run again. This is
//!   safe because a killed task writes no more: the shard is rewritten through a rename, so
//!   even a worker that survived on a node Slurm declared failed would write to the replaced
//!   file. Workers that failed by themselves keep their records (each was judged normally).
//! - **Retries.** Runs left unrecorded after an array ends (killed tasks, failed workers, tasks
//!   whose chunk never ran) are submitted again, up to `--retries` times per `misc run`; an
//!   array cancelled with `scancel` is not resubmitted by the `misc run` that was waiting for
//!   it (the organiser stopped it), but the next `misc run` resubmits what is missing.
//! - **State file** `results/slurm/state.json` ([`SlurmState`]): the submitted arrays (job id,
//!   chunk folder, tasks) and, once collected, each task's final state. A second `misc run`
//!   attaches to an array still queued or running instead of submitting the same runs again;
//!   `--detach` returns right after submitting; running again later collects, resumes, and
//!   submits only what is missing.
//!
//! # Filesystem assumptions
//!
//! - The round folder (its `results/`, the chunk files, the problems and the solvers) and the
//!   `misc` binary are on a filesystem shared by the submit host and the nodes, at the same
//!   path (NFS, Lustre, GPFS, BeeGFS all qualify). Run sandboxes are node-local
//!   (`/dev/shm` or `TMPDIR`).
//! - No two hosts ever append to the same file: each task has its own shard, and only the
//!   submit host writes `state.json` (rename-atomic) and rewrites shards of dead tasks. So no
//!   cross-node `O_APPEND` atomicity is needed (NFS does not give it); within one task the
//!   worker's appends come from one process. What is needed: a file closed by a finished task
//!   on one node is seen whole by the submit host afterwards (close-to-open consistency, which
//!   NFS gives), and a rename is atomic.
//! - A record torn by a node dying mid-write is an unterminated last line, which the store
//!   ignores on load; that run has no record and is run again.
#![warn(missing_docs)]

//!
//! # Overhead
//!
//! `crates/slurm/bench/overhead.sh` times a round of 200 short runs (100 small problems ×
//! {naive, `misc-hostile fail`}) with both executors on the same machine. On the one-node,
//! 2-CPU cluster of `.ci/slurm-up.sh` (debug build, machine load about 11): local 3.75 s;
//! Slurm with the default chunks (4 tasks of 50) 5.80 s (+2.0 s, ×1.55); `--chunk 100` 5.01 s
//! (+1.3 s); `--chunk 10` (20 tasks) 8.73 s (+5.0 s): submission, Slurm starting about one task
//! per free CPU per second, worker start-up per task, and the 1 s poll. On runs of minutes the
//! fixed cost vanishes; keep tasks few and long.

pub mod cluster;
pub mod commands;
pub mod executor;
pub mod parse;
pub mod script;
pub mod state;

use std::path::PathBuf;

pub use cluster::{Cluster, TaskCounts, TaskStatus};
pub use commands::{CmdOutput, Commands, SystemCommands};
pub use executor::{quarantine, suspect, SlurmExecutor, StatusSink};
pub use parse::{classify, KillKind, TaskState};
pub use script::{
    backstops, batch_script, chunk_path, format_time, shard_name, split_round_robin, task_count,
    ArrayJob, RunLimits, CHUNK, CPUS, SHARD,
};
pub use state::{SlurmState, Submission};

/// Records of a killed task that ended this close to the task's end (or later) are suspect:
/// the run may have been cut by Slurm's signal rather than have ended by itself.
pub const KILL_GRACE_S: f64 = 1.0;

/// An error talking to Slurm or keeping the state file.
#[derive(Debug, thiserror::Error)]
pub enum SlurmError {
    /// A Slurm client command could not be started.
    #[error("cannot run `{program}` (is Slurm's client installed and on PATH?): {source}")]
    Spawn {
        /// The command, e.g. `sbatch`.
        program: String,
        /// Why it could not be started (usually: not found).
        #[source]
        source: std::io::Error,
    },
    /// A Slurm client command ran and failed.
    #[error("`{program}` failed{}: {message}", code.map(|c| format!(" (exit {c})")).unwrap_or_default())]
    Command {
        /// The command, e.g. `sbatch`.
        program: String,
        /// Its exit code (`None`: killed by a signal).
        code: Option<i32>,
        /// What it printed on stderr (or stdout when stderr was empty), trimmed.
        message: String,
    },
    /// A file of the Slurm state folder (state file, chunk, batch script) could not be read or
    /// written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The state file exists but cannot be read as one (or written).
    #[error("{}: not a Slurm state file: {message}", path.display())]
    State {
        /// The state file.
        path: PathBuf,
        /// What is wrong (the JSON parser's message, or an unknown format version).
        message: String,
    },
    /// A chunk file could not be written (the harness's error, with its sources).
    #[error("{}: {source}", path.display())]
    Round {
        /// The chunk file.
        path: PathBuf,
        /// The harness's error.
        #[source]
        source: Box<misc_round::RoundError>,
    },
    /// The round's records could not be read.
    #[error("{}: {source}", path.display())]
    Store {
        /// The round's results folder.
        path: PathBuf,
        /// The store's error.
        #[source]
        source: misc_results::StoreError,
    },
}
