//! Competition rounds: definitions, the run plan, executing and judging runs into records,
//! resuming, and rejudging.
//!
//! # Data flow
//!
//! ```text
//! ROUND/competition.toml ─┐
//! solvers/NAME/solver.toml ┴─ Round::load ─► Round ─ plan(round, recorded, selection) ─► Vec<PlannedRun>
//!                                                                                          │
//!            Executor::execute (LocalExecutor | FakeExecutor | a cluster executor via Chunk/run_chunk)
//!                                                                                          │
//!   run_one: sandbox ◄ decompressed problem (read-only) ─ misc_runner::run ─ Measurement   │
//!            finish: judge (check + criteria) ─ keep output ─ append RunRecord ◄───────────┘
//!                                                                │
//!                                     ROUND/results/runs.jsonl (+ runs.SHARD.jsonl), outputs/
//! ```
//!
//! - [`Round::load`] reads `competition.toml` and the entrants' `solver.toml` (a name is looked
//!   up in `ROUND/solvers/` first, then in the project's `solvers/`). Every definition error
//!   ([`DefinitionError`]) names the file, the line and the key. A solver whose executable is
//!   missing is not an error: [`Solver::program`] says why, [`plan`] skips its runs and lists
//!   it in [`Plan::missing_solvers`], and nothing is recorded for it (installing it later and
//!   running again fills its runs in).
//!   Every mistake is reported at once ([`DefinitionError::Several`]): unknown `{placeholders}`
//!   in a solver command, problem globs that match nothing, unknown solvers (the error lists
//!   every folder searched: [`solver_search_path`]).
//! - [`check_problems`] (preflight) reads and parses every problem still to be run once, before
//!   any solver starts, and checks each track's criteria against it; the CLI stops on a bad
//!   problem or, with `--skip-bad-problems`, leaves it out ([`Round::exclude_problems`], listed
//!   in the manifest's `excluded_problems`).
//! - [`plan`] is the run matrix (track × entered solver × problem) minus what the store already
//!   holds, restricted by a [`Selection`] (`--track`, `--solver`, `--problem`, `--rerun`).
//! - A [`PlannedRun`] is serializable and self-contained, so a cluster executor can write a
//!   [`Chunk`] of them to a file and have each task run the hidden `misc run-chunk CHUNK
//!   --shard NAME`, which calls [`run_chunk`]: the same work function as the local pool, with
//!   records appended to the shard `runs.NAME.jsonl` ([`misc_results::Store::append_shard`];
//!   `Store::load` merges shards). The records are the same whatever the executor.
//! - The work function [`run_one`] = run + judge + record: it decompresses the problem into a
//!   fresh [`misc_runner::Sandbox`] (solvers read plain CUDF), seals it read-only, runs the
//!   solver with the sandbox's clean environment (`PATH`, `HOME`, `TMPDIR`), stdin closed,
//!   pinned to its core, then [`finish`] judges the output, keeps it under
//!   `results/outputs/TRACK/SOLVER/PROBLEM.out` (plain text, as the solver wrote it) and
//!   appends the record.
//!
//! # Outcome classification ([`judge`]; misc-rules.md 1.1 and 7.7)
//!
//! 1. A limit (`cpu-limit`, `wall-limit`, `memory-limit`, `output-limit`), a crash (the main
//!    process killed by a signal the harness did not send) or a failed start → `abort`,
//!    whatever the output file says: MISC counts a forced timeout or a segfault as no answer.
//! 2. The solver exited by itself. No output file → `abort`. An empty (blank) output after a
//!    non-zero exit → `abort` ("missing or empty output after a crash means no solution",
//!    7.7). After exit 0, an empty file is judged: it claims the empty installation.
//! 3. First non-blank line `FAIL` → `fail`.
//! 4. Otherwise the output is a claimed solution: valid → `solved` with the track's criteria
//!    vector (under the track's semantics); invalid UTF-8, unparseable, unknown packages or
//!    any violation → `wrong` with the violations (an unparseable output is one `unparseable`
//!    violation; the MISC handling was not found, 7.7 [?]).
//!
//! A non-zero exit code with an output file (the protocol says nothing about exit codes): the
//! file is judged as above and the exit code is noted in the record's `detail` (and kept in
//! `exit_code`). Outputs are kept for every run whose file was judged (so `misc rejudge` can
//! judge them again: FAIL and wrong outputs included); for aborts, only outputs up to 1 MiB.
//!
//! # Invariants
//!
//! - **Append-only**: records are only appended (one `write` + `fsync` each, by
//!   [`misc_results::Store`]); a torn last line from a crash is ignored on load. The only
//!   rewrites are explicit (`--rerun`, `misc rejudge`): [`rewrite_records`] writes a new file,
//!   syncs it and renames it over the old one after copying the old files to
//!   `results/history/`.
//! - **Record only when judged**: a record is appended after the output is judged and kept, so
//!   every record is final.
//! - **Resume**: the runs to do are the matrix minus the keys in the store; running again
//!   continues where the last run stopped, and new solvers or problems in the definition add
//!   only their new pairs (as MISC-live did).
//! - **Kill-safety**: killing the harness (even with SIGKILL) loses no finished run (its record
//!   is on disk) and duplicates none (an unfinished run has no record and is simply run again;
//!   its half-written kept output, if any, is replaced through a rename). The solver processes
//!   die with the harness (`PR_SET_PDEATHSIG` on the runner's shim and solver); deeper
//!   descendants stay in their run cgroup, which [`misc_runner::cleanup_stale`] kills when the
//!   next harness starts (the CLI calls it first thing), together with the sandboxes the killed
//!   harness left ([`cleanup_stale_sandboxes`]). A [`RoundLock`] (flock, released by the kernel
//!   on death) keeps two harnesses off one round.
#![warn(missing_docs)]

mod def;
mod executor;
mod judge;
mod plan;
mod preflight;
mod rejudge;
mod store_ops;
mod work;

use std::path::PathBuf;

pub use def::{
    hex, load_solver, parse_size, resolve_program, sha256_file, solver_search_path, LoadOptions,
    Problem, Round, Solver, Track, PLACEHOLDERS,
};
pub use executor::{
    allowed_cores, run_chunk, Chunk, Events, ExecStats, Executor, FakeExecutor, FakeRun,
    LocalExecutor, NoEvents,
};
pub use judge::{judge, reads_output, Ending, Judgement, Output};
pub use plan::{plan, Plan, PlannedRun, RunIsolation, Selection};
pub use preflight::check_problems;
pub use rejudge::{rejudge, RejudgeReport};
pub use store_ops::{
    cleanup_stale_sandboxes, harness_sandbox_dir, host_name, machine_description, manifest,
    remove_records, rewrite_records, RoundLock,
};
pub use work::{finish, read_problem, run_one, Sink, WorkOptions};

/// A mistake in a round's definition files.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// A definition file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file that is not valid TOML.
    #[error("{}:{line}: {message}", file.display())]
    Syntax {
        /// The TOML file (`competition.toml` or a `solver.toml`).
        file: PathBuf,
        /// The 1-based line of the mistake.
        line: usize,
        /// The TOML parser's message.
        message: String,
    },
    /// Valid TOML with a key that is missing, unknown or has a value misc cannot use.
    #[error("{}:{line}: {key}: {message}", file.display())]
    Key {
        /// The TOML file (`competition.toml` or a `solver.toml`).
        file: PathBuf,
        /// The 1-based line of the value (line 1 when the key is missing altogether).
        line: usize,
        /// The key's path, e.g. `scoring.rules` or `tracks[0].criteria`.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// Every mistake found, one per line (the definition is checked whole before any run).
    #[error("{}", several(.0))]
    Several(Vec<DefinitionError>),
}

fn several(errors: &[DefinitionError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    lines.join("\n")
}

impl DefinitionError {
    /// One error for a list of them: `None` for none, the error itself for one, [`DefinitionError::Several`]
    /// (flattened) for more.
    pub fn from_list(errors: Vec<DefinitionError>) -> Option<DefinitionError> {
        let mut flat = Vec::new();
        for e in errors {
            match e {
                DefinitionError::Several(v) => flat.extend(v),
                e => flat.push(e),
            }
        }
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(DefinitionError::Several(flat)),
        }
    }

    /// How many mistakes this error reports.
    pub fn count(&self) -> usize {
        match self {
            DefinitionError::Several(v) => v.len(),
            _ => 1,
        }
    }
}

/// A failure of the harness while planning, running, judging or recording (never a solver's
/// outcome: those are records).
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    /// The round's definition is wrong (nothing was run).
    #[error(transparent)]
    Definition(#[from] DefinitionError),
    /// A file of the round (problem, output, chunk, lock) could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The results store could not be read or written (fatal: records would be lost).
    #[error("results store: {0}")]
    Store(#[from] misc_results::StoreError),
    /// The runner could not start or measure a run (a harness failure, not a solver outcome).
    #[error("runner: {0}")]
    Runner(#[from] misc_runner::RunnerError),
    /// A problem file (or a chunk file) that cannot be read or judged: only its runs are lost
    /// (not fatal, see [`RoundError::is_fatal`]).
    #[error("{}: {message}", path.display())]
    Problem {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A selected solver or track that the round does not have (the message names it).
    #[error("{0}")]
    Selection(String),
    /// Another harness holds the round's `results/.lock` (the results folder).
    #[error("{}: another harness is working on this round (results/.lock is held)", .0.display())]
    Busy(PathBuf),
    /// A failure of misc itself (a thread or the async runtime could not start).
    #[error("internal error: {0}")]
    Internal(String),
    /// The round requires isolation and this machine cannot give it (why, as the runner said).
    #[error(
        "this round requires isolation (isolation = \"required\"), which this machine cannot \
         give: {0}. Run `misc doctor` for how to enable it, or set isolation = \"best-effort\" \
         in competition.toml"
    )]
    Isolation(String),
}

impl RoundError {
    /// Whether the execution should stop: the store cannot be written, or the runner cannot
    /// work. A bad problem file only loses its own runs.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, RoundError::Problem { .. })
    }

    /// Whether the run was stopped because the harness was interrupted (it is not recorded
    /// and runs again on resume; not a failure).
    pub fn is_interrupted(&self) -> bool {
        matches!(
            self,
            RoundError::Runner(misc_runner::RunnerError::Interrupted)
        )
    }
}

/// The signal that interrupted this harness ([`misc_runner::interrupt::interrupt`]), if one
/// did: executors stop starting runs, and runs in flight end unrecorded.
pub fn interrupted() -> Option<i32> {
    misc_runner::interrupt::interrupted()
}
