//! Executors: where planned runs are executed. Each produces records through the same work
//! function ([`crate::run_one`] / [`crate::finish`]), so records do not depend on the executor.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use misc_results::RunRecord;
use misc_runner::Measurement;
use serde::{Deserialize, Serialize};

use crate::plan::PlannedRun;
use crate::work::{finish, run_one, Sink, WorkOptions};
use crate::RoundError;

/// What an executor reports while it works (called from worker threads).
pub trait Events: Sync {
    /// A run is about to start.
    fn started(&self, _run: &PlannedRun) {}
    /// A run ended: its record was appended, or the harness could not do it (not recorded;
    /// it will be planned again next time).
    fn finished(&self, _run: &PlannedRun, _result: &Result<RunRecord, RoundError>) {}
}

/// Events that are ignored.
pub struct NoEvents;
impl Events for NoEvents {}

/// What an execution did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecStats {
    /// Runs judged and appended to the store.
    pub recorded: usize,
    /// Runs the harness could not do (not recorded).
    pub errors: usize,
    /// Runs not started because the execution stopped early (an error writing the store, an
    /// interrupt).
    pub not_started: usize,
    /// Runs in flight when the harness was interrupted: stopped, not recorded.
    pub interrupted: usize,
}

/// Executes planned runs, judging each and appending its record as soon as it ends.
///
/// Implementations: [`LocalExecutor`] (a pool of parallel runs on this machine, each pinned to
/// its own core), [`FakeExecutor`] (no processes; for tests). A cluster executor writes chunks
/// of runs to files ([`Chunk`]) and has each task run `misc run-chunk CHUNK --shard NAME`,
/// which calls [`run_chunk`]: the same work function, appending to a store shard.
pub trait Executor {
    /// Runs every run of `runs`, judging and recording each as it ends and telling `events`; an
    /// error is fatal (the store cannot be written, the runner cannot work), a run the harness
    /// could not do is counted in [`ExecStats::errors`].
    fn execute(&self, runs: Vec<PlannedRun>, events: &dyn Events) -> Result<ExecStats, RoundError>;
}

/// The CPUs this process may run on (`sched_getaffinity`), in order.
pub fn allowed_cores() -> Vec<usize> {
    use nix::sched::{sched_getaffinity, CpuSet};
    if let Ok(set) = sched_getaffinity(nix::unistd::Pid::from_raw(0)) {
        let cores: Vec<usize> = (0..CpuSet::count())
            .filter(|&c| set.is_set(c).unwrap_or(false))
            .collect();
        if !cores.is_empty() {
            return cores;
        }
    }
    (0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect()
}

/// Runs on this machine: `jobs` runs at once, worker *i* pinned to `cores[i % cores.len()]`
/// (so with `jobs` <= the number of cores every run has a core of its own).
#[derive(Debug, Clone)]
pub struct LocalExecutor {
    /// How many runs at once.
    pub jobs: usize,
    /// Cores to pin to; empty: no pinning.
    pub cores: Vec<usize>,
    /// What every run shares (results folder, isolation, host).
    pub opts: WorkOptions,
}

impl LocalExecutor {
    /// One run per allowed core.
    pub fn new(opts: WorkOptions) -> LocalExecutor {
        let cores = allowed_cores();
        LocalExecutor {
            jobs: cores.len().max(1),
            cores,
            opts,
        }
    }
}

impl Executor for LocalExecutor {
    fn execute(&self, runs: Vec<PlannedRun>, events: &dyn Events) -> Result<ExecStats, RoundError> {
        if runs.is_empty() {
            return Ok(ExecStats::default());
        }
        let jobs = self.jobs.max(1).min(runs.len());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(jobs.clamp(2, 8))
            .enable_all()
            .build()
            .map_err(|e| RoundError::Internal(format!("starting the runtime: {e}")))?;
        misc_runner::set_prewarm(jobs);
        let queue = Arc::new(Mutex::new(VecDeque::from(runs)));
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(ExecStats::default()));
        let fatal: Arc<Mutex<Option<RoundError>>> = Arc::new(Mutex::new(None));
        // The events object is borrowed; the workers run inside `block_on` on this stack frame,
        // so scoped borrowing is sound. We pass it through a plain reference in a scope.
        rt.block_on(async {
            let mut handles = Vec::new();
            for w in 0..jobs {
                let core = if self.cores.is_empty() {
                    None
                } else {
                    Some(self.cores[w % self.cores.len()])
                };
                let queue = queue.clone();
                let stop = stop.clone();
                let stats = stats.clone();
                let fatal = fatal.clone();
                let opts = self.opts.clone();
                handles.push(async move {
                    loop {
                        if stop.load(Ordering::SeqCst) || crate::interrupted().is_some() {
                            break;
                        }
                        let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                        let Some(run) = next else { break };
                        events.started(&run);
                        let result = run_one(&run, core, &opts).await;
                        events.finished(&run, &result);
                        let Ok(mut s) = stats.lock() else { break };
                        match result {
                            Ok(_) => s.recorded += 1,
                            Err(e) if e.is_interrupted() => s.interrupted += 1,
                            Err(e) => {
                                s.errors += 1;
                                if e.is_fatal() {
                                    stop.store(true, Ordering::SeqCst);
                                    if let Ok(mut f) = fatal.lock() {
                                        f.get_or_insert(e);
                                    }
                                }
                            }
                        }
                    }
                });
            }
            // Run the workers concurrently on this task: they share `events` by reference,
            // which tokio's JoinSet cannot do (its tasks must be 'static); the solver processes
            // and their watchdogs run on the runtime's threads.
            futures_util::future::join_all(handles).await;
        });
        misc_runner::shutdown();
        drop(rt);
        let mut stats = stats.lock().map(|s| s.clone()).unwrap_or_default();
        stats.not_started = queue.lock().map(|q| q.len()).unwrap_or(0);
        if let Some(e) = fatal.lock().ok().and_then(|mut f| f.take()) {
            return Err(e);
        }
        Ok(stats)
    }
}

/// A measured run as a fake produces it: the measurement and the output file's bytes.
pub type FakeRun = (Measurement, Option<Vec<u8>>);

/// An executor that starts no process: a function makes up each run's measurement and output,
/// which are then judged and recorded exactly like real ones. For tests.
pub struct FakeExecutor<F: Fn(&PlannedRun) -> FakeRun + Sync> {
    /// Makes up each run's measurement and output file.
    pub fake: F,
    /// What every run shares (results folder, host...).
    pub opts: WorkOptions,
}

impl<F: Fn(&PlannedRun) -> FakeRun + Sync> Executor for FakeExecutor<F> {
    fn execute(&self, runs: Vec<PlannedRun>, events: &dyn Events) -> Result<ExecStats, RoundError> {
        let mut stats = ExecStats::default();
        let n = runs.len();
        for (i, run) in runs.into_iter().enumerate() {
            events.started(&run);
            let (m, out) = (self.fake)(&run);
            let result = finish(&run, &m, out, None, 0.0, &self.opts);
            events.finished(&run, &result);
            match result {
                Ok(_) => stats.recorded += 1,
                Err(e) if e.is_fatal() => {
                    tracing::error!("stopping with {} run(s) not started", n - i - 1);
                    return Err(e);
                }
                Err(_) => stats.errors += 1,
            }
        }
        Ok(stats)
    }
}

/// A list of planned runs for a worker (`misc run-chunk`), as a JSON file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// The round's results folder (records and outputs go there).
    pub results_dir: PathBuf,
    /// The runs to do, in order.
    pub runs: Vec<PlannedRun>,
}

impl Chunk {
    /// Reads a chunk file.
    pub fn read(path: &Path) -> Result<Chunk, RoundError> {
        let bytes = std::fs::read(path).map_err(|source| RoundError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| RoundError::Problem {
            path: path.to_owned(),
            message: format!("not a chunk file: {e}"),
        })
    }

    /// Writes a chunk file.
    pub fn write(&self, path: &Path) -> Result<(), RoundError> {
        let text = serde_json::to_vec(self).map_err(|e| RoundError::Internal(e.to_string()))?;
        std::fs::write(path, text).map_err(|source| RoundError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

/// Executes a chunk on this machine (`jobs` at once, 0 = one per core), appending records to
/// the store shard `runs.SHARD.jsonl` of the chunk's results folder. The worker side of a
/// cluster executor.
pub fn run_chunk(
    chunk: Chunk,
    shard: &str,
    jobs: usize,
    events: &dyn Events,
) -> Result<ExecStats, RoundError> {
    let opts = WorkOptions::new(&chunk.results_dir, Sink::Shard(shard.to_string()));
    let mut ex = LocalExecutor::new(opts);
    if jobs > 0 {
        ex.jobs = jobs;
    }
    ex.execute(chunk.runs, events)
}
