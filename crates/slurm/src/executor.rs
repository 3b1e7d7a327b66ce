//! [`SlurmExecutor`]: `misc_round::Executor` on a Slurm cluster (see the crate docs).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use misc_results::{RunKey, RunRecord, Store, Termination};
use misc_round::{Chunk, Events, ExecStats, Executor, PlannedRun, RoundError};

use crate::cluster::{Cluster, TaskCounts, TaskStatus};
use crate::commands::{Commands, SystemCommands};
use crate::parse::{KillKind, TaskState};
use crate::script::{
    backstops, batch_script, chunk_path, shard_name, split_round_robin, task_count, ArrayJob,
    RunLimits, CHUNK, CPUS, SHARD,
};
use crate::state::{SlurmState, Submission};
use crate::{SlurmError, KILL_GRACE_S};

/// Receives progress lines (task states, runs recorded) while the executor waits.
pub type StatusSink = Box<dyn Fn(&str) + Send + Sync>;

/// Runs planned runs as Slurm job arrays; records land in the round's store through per-task
/// shards, exactly as the local executor's would.
pub struct SlurmExecutor<C: Commands = SystemCommands> {
    /// The cluster the arrays are submitted to and watched on.
    pub cluster: Cluster<C>,
    /// The round's results folder (made absolute before use: the tasks run elsewhere).
    pub results_dir: PathBuf,
    /// The worker's argv, with [`CHUNK`], [`SHARD`] and [`CPUS`] placeholders; see
    /// [`SlurmExecutor::misc_worker`].
    pub worker: Vec<String>,
    /// `--job-name`.
    pub name: String,
    /// `--partition` (`None`: the cluster's default partition).
    pub partition: Option<String>,
    /// Runs per task (`None`: two tasks per CPU of the partition, at most 1000 tasks).
    pub chunk: Option<usize>,
    /// `--cpus-per-task`: runs at once in a task, one per CPU.
    pub cpus_per_task: usize,
    /// At most this many tasks at once (`--array=...%N`).
    pub max_running: Option<usize>,
    /// How many times unrecorded runs are submitted again in one `execute`.
    pub retries: usize,
    /// Return right after submitting (or, if an array of the round is still queued or
    /// running, right after reporting its state).
    pub detach: bool,
    /// Extra `sbatch` options (`--account=...`).
    pub sbatch_options: Vec<String>,
    /// How often the queue is asked while waiting (the first minute; then every 5 s at least).
    pub poll: Duration,
    /// Progress lines; `None`: printed to stderr.
    pub status: Option<StatusSink>,
}

impl SlurmExecutor<SystemCommands> {
    /// An executor for the round whose results folder is `results_dir`, each task running
    /// `misc run-chunk` with the `misc` binary at `misc`.
    pub fn new(results_dir: impl Into<PathBuf>, misc: &Path) -> SlurmExecutor<SystemCommands> {
        let results_dir = results_dir.into();
        SlurmExecutor {
            cluster: Cluster::default(),
            results_dir: std::path::absolute(&results_dir).unwrap_or(results_dir),
            worker: Self::misc_worker(misc),
            name: "misc".into(),
            partition: None,
            chunk: None,
            cpus_per_task: 1,
            max_running: None,
            retries: 2,
            detach: false,
            sbatch_options: Vec::new(),
            poll: Duration::from_secs(1),
            status: None,
        }
    }
}

impl<C: Commands> SlurmExecutor<C> {
    /// `MISC run-chunk {chunk} --shard {shard} --jobs {cpus}`.
    pub fn misc_worker(misc: &Path) -> Vec<String> {
        vec![
            misc.display().to_string(),
            "run-chunk".into(),
            CHUNK.into(),
            "--shard".into(),
            SHARD.into(),
            "--jobs".into(),
            CPUS.into(),
        ]
    }

    fn say(&self, line: &str) {
        match &self.status {
            Some(f) => f(line),
            None => eprintln!("{line}"),
        }
    }

    fn slurm_dir(&self) -> PathBuf {
        self.results_dir.join("slurm")
    }

    /// Writes the chunks and the batch script of `runs` and submits them as one array.
    fn submit(
        &self,
        state: &mut SlurmState,
        runs: &[PlannedRun],
    ) -> Result<Submission, SlurmError> {
        let slurm_dir = self.slurm_dir();
        let seq = state.next_seq();
        let chunk_dir = slurm_dir.join("chunks").join(seq.to_string());
        let log_dir = slurm_dir.join("logs");
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SlurmError::Io { path, source }
        };
        std::fs::create_dir_all(&chunk_dir).map_err(io(&chunk_dir))?;
        std::fs::create_dir_all(&log_dir).map_err(io(&log_dir))?;
        let cpus = self.cpus_per_task.max(1);
        let partition_cpus = match self.chunk {
            Some(_) => 1,
            None => self
                .cluster
                .partition_cpus(self.partition.as_deref())
                .unwrap_or(1)
                .max(1),
        };
        // Whole tasks of `cpus` runs at once: the default aims at two tasks per task slot.
        let tasks = task_count(runs.len(), self.chunk, partition_cpus.div_ceil(cpus), 1000);
        let chunks = split_round_robin(runs.to_vec(), tasks);
        // Runs of several tracks may have different limits: cover the largest.
        let limits = RunLimits::largest(runs.iter().map(|r| &r.limits));
        let biggest = chunks.iter().map(Vec::len).max().unwrap_or(0);
        let (time_s, mem_mib) = backstops(&limits, biggest, cpus);
        for (i, c) in chunks.iter().enumerate() {
            let chunk = Chunk {
                results_dir: self.results_dir.clone(),
                runs: c.clone(),
            };
            let path = chunk_path(&chunk_dir, i);
            chunk.write(&path).map_err(|source| SlurmError::Round {
                path: path.clone(),
                source: Box::new(source),
            })?;
        }
        let job = ArrayJob {
            name: self.name.clone(),
            tasks: chunks.len(),
            max_running: self.max_running,
            cpus_per_task: cpus,
            mem_mib,
            time_s,
            partition: self.partition.clone(),
            chunk_dir: chunk_dir.clone(),
            log_dir,
            worker: self.worker.clone(),
            extra: self.sbatch_options.clone(),
            workdir: Some(self.results_dir.clone()),
        };
        let script = slurm_dir.join(format!("array-{seq}.sh"));
        std::fs::write(&script, batch_script(&job)).map_err(io(&script))?;
        let job_id = self.cluster.submit(&script)?;
        let sub = Submission {
            seq,
            job_id,
            submitted_at: now(),
            tasks: chunks.len(),
            runs: runs.len(),
            cpus_per_task: cpus,
            partition: self.partition.clone(),
            chunk_dir,
            script,
            collected: None,
        };
        state.submissions.push(sub.clone());
        state.save(&slurm_dir)?;
        self.say(&format!(
            "slurm: submitted job array {} ({} run(s) in {} task(s) of up to {} run(s), {} CPU(s), --mem={}M, --time={}{})",
            sub.job_id,
            runs.len(),
            sub.tasks,
            biggest,
            cpus,
            mem_mib,
            crate::format_time(time_s),
            self.partition
                .as_ref()
                .map(|p| format!(", partition {p}"))
                .unwrap_or_default()
        ));
        Ok(sub)
    }

    /// Says that the harness stops following a job that keeps running on the cluster.
    fn left_running(&self, job_id: &str) {
        self.say(&format!(
            "slurm: interrupted: job {job_id} keeps running on the cluster and its tasks keep \
             writing records; `misc run` again (same options) collects them and resubmits what \
             is missing; `scancel {job_id}` cancels it"
        ));
    }

    /// Polls the array until every task has ended, reporting new records to `events` and task
    /// states to the status sink. Returns the final states, or `None` if the harness was
    /// interrupted meanwhile (the job keeps running).
    fn wait(
        &self,
        sub: &Submission,
        tail: &mut ShardTail,
        planned: &HashMap<RunKey, PlannedRun>,
        events: &dyn Events,
        stats: &mut ExecStats,
    ) -> Result<Option<Vec<TaskStatus>>, SlurmError> {
        let start = Instant::now();
        let mut last_line: Option<(TaskCounts, usize)> = None;
        let mut last_time = Instant::now();
        loop {
            let states = self.cluster.task_states(&sub.job_id, sub.tasks)?;
            // Records written up to now (after the states: a task seen as ended has written
            // everything it will).
            stats.recorded += tail.poll(&self.results_dir, &sub.job_id, planned, events);
            let counts = TaskCounts::of(&states);
            let line = (counts, tail.seen.len());
            if last_line != Some(line) || last_time.elapsed() >= Duration::from_secs(30) {
                self.say(&format!(
                    "slurm: job {}: {} | runs recorded {}/{}",
                    sub.job_id,
                    counts,
                    tail.seen.len(),
                    planned.len()
                ));
                last_line = Some(line);
                last_time = Instant::now();
            }
            if counts.all_final() {
                return Ok(Some(states));
            }
            let pause = if start.elapsed() < Duration::from_secs(60) {
                self.poll
            } else {
                self.poll.max(Duration::from_secs(5))
            };
            // Sleep in short steps, so that an interrupt is seen at once.
            let until = Instant::now() + pause;
            while Instant::now() < until {
                if misc_round::interrupted().is_some() {
                    self.left_running(&sub.job_id);
                    return Ok(None);
                }
                std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
            }
        }
    }

    /// After an array ended: moves the suspect records of tasks Slurm killed out of their
    /// shards, reports killed and failed tasks, and marks the submission collected. Returns
    /// whether some task was cancelled.
    fn collect(
        &self,
        state: &mut SlurmState,
        job_id: &str,
        states: &[TaskStatus],
    ) -> Result<bool, SlurmError> {
        let mut cancelled = false;
        let mut finals = BTreeMap::new();
        for t in states {
            let shard = shard_name(job_id, t.task);
            let log = self.slurm_dir().join("logs").join(format!(
                "{}-{job_id}_{}.err",
                self.name_for_files(),
                t.task
            ));
            match &t.state {
                TaskState::Killed {
                    kind,
                    state: st,
                    reason,
                } => {
                    if *kind == KillKind::Cancelled {
                        cancelled = true;
                    }
                    let moved = quarantine(&self.results_dir, &shard, t.end_time)?;
                    self.say(&format!(
                        "slurm: task {} of job {job_id}{} was ended by Slurm ({st}, {reason}): its unrecorded runs{} will run again (not scored)",
                        t.task,
                        if t.node.is_empty() { String::new() } else { format!(" on {}", t.node) },
                        if moved > 0 {
                            format!(" and {moved} run(s) it may have cut short (moved to results/slurm/suspect.jsonl)")
                        } else {
                            String::new()
                        }
                    ));
                }
                TaskState::WorkerFailed { code, signal } => {
                    self.say(&format!(
                        "slurm: task {} of job {job_id}: the worker failed (exit {code}{}; see {}): its unrecorded runs will run again",
                        t.task,
                        if *signal != 0 { format!(", signal {signal}") } else { String::new() },
                        log.display()
                    ));
                }
                _ => {}
            }
            finals.insert(t.task, t.state.clone());
        }
        if let Some(s) = state.get_mut(job_id) {
            s.collected = Some(finals);
        }
        state.save(&self.slurm_dir())?;
        Ok(cancelled)
    }

    fn name_for_files(&self) -> String {
        self.name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    fn run(&self, runs: Vec<PlannedRun>, events: &dyn Events) -> Result<ExecStats, SlurmError> {
        let slurm_dir = self.slurm_dir();
        let mut state = SlurmState::load(&slurm_dir)?;
        let mut stats = ExecStats::default();
        let planned: HashMap<RunKey, PlannedRun> =
            runs.iter().map(|r| (r.key(), r.clone())).collect();
        let mut tail = ShardTail::default();
        let store = Store::new(&self.results_dir);

        // An array from an earlier `misc run` (detached or killed): attach to it, or collect it.
        let active: Vec<Submission> = state.active().cloned().collect();
        let mut cancelled = false;
        for sub in active {
            let states = self.cluster.task_states(&sub.job_id, sub.tasks)?;
            let counts = TaskCounts::of(&states);
            if !counts.all_final() {
                if self.detach {
                    stats.recorded += tail.poll(&self.results_dir, &sub.job_id, &planned, events);
                    self.say(&format!(
                        "slurm: job {} of this round is still in the queue ({counts}); run again to collect it",
                        sub.job_id
                    ));
                    stats.not_started = runs.len().saturating_sub(stats.recorded);
                    return Ok(stats);
                }
                self.say(&format!(
                    "slurm: attaching to job {} ({counts})",
                    sub.job_id
                ));
                let Some(states) = self.wait(&sub, &mut tail, &planned, events, &mut stats)? else {
                    stats.not_started = runs.len().saturating_sub(stats.recorded);
                    return Ok(stats);
                };
                cancelled |= self.collect(&mut state, &sub.job_id, &states)?;
            } else {
                stats.recorded += tail.poll(&self.results_dir, &sub.job_id, &planned, events);
                cancelled |= self.collect(&mut state, &sub.job_id, &states)?;
            }
        }

        let mut attempt = 0;
        loop {
            let recorded: HashSet<RunKey> = match store.load() {
                Ok((records, _)) => records.iter().map(RunRecord::key).collect(),
                Err(source) => {
                    return Err(SlurmError::Store {
                        path: self.results_dir.clone(),
                        source,
                    })
                }
            };
            let remaining: Vec<PlannedRun> = runs
                .iter()
                .filter(|r| !recorded.contains(&r.key()))
                .cloned()
                .collect();
            stats.not_started = remaining.len();
            // What the store holds now (records moved out of killed tasks' shards do not count).
            stats.recorded = runs.len() - remaining.len();
            if remaining.is_empty() {
                break;
            }
            if cancelled {
                self.say(&format!(
                    "slurm: the array was cancelled; {} run(s) are not recorded: run again to submit them",
                    remaining.len()
                ));
                break;
            }
            if attempt > self.retries {
                self.say(&format!(
                    "slurm: {} run(s) still unrecorded after {} resubmission(s); run again to retry them",
                    remaining.len(),
                    self.retries
                ));
                break;
            }
            if attempt > 0 {
                self.say(&format!(
                    "slurm: resubmitting {} unrecorded run(s)",
                    remaining.len()
                ));
            }
            if misc_round::interrupted().is_some() {
                // Interrupted before submitting: nothing runs on the cluster.
                break;
            }
            let sub = self.submit(&mut state, &remaining)?;
            if !self.detach && misc_round::interrupted().is_some() {
                self.left_running(&sub.job_id);
                return Ok(stats);
            }
            if self.detach {
                self.say(&format!(
                    "slurm: detached; `misc run` again (same options) shows progress, collects and resubmits what is missing; `scancel {}` stops it",
                    sub.job_id
                ));
                return Ok(stats);
            }
            let Some(states) = self.wait(&sub, &mut tail, &planned, events, &mut stats)? else {
                stats.not_started = runs.len().saturating_sub(stats.recorded);
                return Ok(stats);
            };
            cancelled |= self.collect(&mut state, &sub.job_id, &states)?;
            attempt += 1;
        }
        Ok(stats)
    }
}

impl<C: Commands> Executor for SlurmExecutor<C> {
    fn execute(&self, runs: Vec<PlannedRun>, events: &dyn Events) -> Result<ExecStats, RoundError> {
        // Also with no runs: an array left by an earlier `misc run` is still collected.
        self.run(runs, events)
            .map_err(|e| RoundError::Internal(format!("slurm: {e}")))
    }
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Follows the shards of running arrays: the complete lines appended since the last look.
#[derive(Default)]
struct ShardTail {
    offsets: HashMap<PathBuf, u64>,
    seen: HashSet<RunKey>,
}

impl ShardTail {
    /// Reads the new records of `job_id`'s shards; each record of a planned run seen for the
    /// first time is reported to `events`. Returns how many were new.
    fn poll(
        &mut self,
        results_dir: &Path,
        job_id: &str,
        planned: &HashMap<RunKey, PlannedRun>,
        events: &dyn Events,
    ) -> usize {
        let prefix = format!("runs.slurm-{job_id}-");
        let Ok(entries) = std::fs::read_dir(results_dir) else {
            return 0;
        };
        let mut new = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(&prefix) || !name.ends_with(".jsonl") {
                continue;
            }
            let path = e.path();
            let offset = self.offsets.get(&path).copied().unwrap_or(0);
            let Ok(mut f) = std::fs::File::open(&path) else {
                continue;
            };
            if f.seek(SeekFrom::Start(offset)).is_err() {
                continue;
            }
            let mut buf = Vec::new();
            if f.read_to_end(&mut buf).is_err() {
                continue;
            }
            // Only complete lines; a partial last line is read again next time.
            let Some(end) = buf.iter().rposition(|&b| b == b'\n') else {
                continue;
            };
            self.offsets.insert(path, offset + end as u64 + 1);
            for line in buf[..end].split(|&b| b == b'\n') {
                let Ok(record) = serde_json::from_slice::<RunRecord>(line) else {
                    continue;
                };
                let key = record.key();
                if let Some(run) = planned.get(&key) {
                    if self.seen.insert(key) {
                        events.started(run);
                        events.finished(run, &Ok(record));
                        new += 1;
                    }
                }
            }
        }
        new
    }
}

/// Whether a record of a task Slurm killed may be Slurm's doing: its solver died of a signal
/// the harness did not send (Slurm's SIGTERM, the kernel's OOM kill in the task's cgroup), or
/// the run ended within [`KILL_GRACE_S`] of the task's end.
pub fn suspect(record: &RunRecord, task_end: Option<f64>) -> bool {
    // A solver's own crash (SIGSEGV, SIGABRT, ...) is its own; these are the ones Slurm
    // (scancel, time limit, `--signal`) and the OOM killer send.
    if record.termination == Termination::Signalled
        && matches!(
            record.signal,
            Some(libc::SIGHUP | libc::SIGINT | libc::SIGKILL | libc::SIGTERM)
        )
    {
        return true;
    }
    match task_end {
        Some(end) => record.started_at + record.wall_time >= end - KILL_GRACE_S,
        None => false,
    }
}

/// Moves the suspect records ([`suspect`]) of a killed task's shard `runs.SHARD.jsonl` to
/// `slurm/suspect.jsonl`, rewriting the shard through a rename. Returns how many were moved.
pub fn quarantine(
    results_dir: &Path,
    shard: &str,
    task_end: Option<f64>,
) -> Result<usize, SlurmError> {
    let path = results_dir.join(format!("runs.{shard}.jsonl"));
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SlurmError::Io { path, source }
    };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io(&path)(e)),
    };
    let mut keep = Vec::new();
    let mut moved = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<RunRecord>(line) {
            Ok(r) if !suspect(&r, task_end) => {
                keep.extend_from_slice(line);
                keep.push(b'\n');
            }
            // Suspect, or a line torn by the kill.
            _ => {
                moved.extend_from_slice(line);
                moved.push(b'\n');
            }
        }
    }
    if moved.is_empty() {
        return Ok(0);
    }
    let n = moved.iter().filter(|&&b| b == b'\n').count();
    let slurm_dir = results_dir.join("slurm");
    std::fs::create_dir_all(&slurm_dir).map_err(io(&slurm_dir))?;
    let sus = slurm_dir.join("suspect.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&sus)
        .map_err(io(&sus))?;
    f.write_all(&moved).map_err(io(&sus))?;
    f.sync_data().map_err(io(&sus))?;
    let tmp = results_dir.join(format!(".{shard}.rewrite.tmp"));
    let mut t = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    t.write_all(&keep).map_err(io(&tmp))?;
    t.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use misc_results::{Limits, Outcome};

    fn record(problem: &str, started: f64, wall: f64, termination: Termination) -> RunRecord {
        RunRecord {
            round: "r".into(),
            track: "t".into(),
            solver: "s".into(),
            solver_version: "1".into(),
            problem: problem.into(),
            category: "c".into(),
            outcome: if termination == Termination::Exited {
                Outcome::Solved
            } else {
                Outcome::Abort
            },
            termination,
            cpu_time: wall,
            user_time: wall,
            system_time: 0.0,
            wall_time: wall,
            memory: 1,
            exit_code: None,
            signal: None,
            measured_by: "proc".into(),
            criteria: None,
            readings: None,
            violations: vec![],
            detail: String::new(),
            problem_hash: "a".into(),
            solver_hash: "b".into(),
            output: None,
            limits: Limits::default(),
            started_at: started,
            host: "h".into(),
            harness_version: "0".into(),
            logs: None,
        }
    }

    #[test]
    fn quarantine_moves_what_the_kill_may_have_caused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store
            .append_shard("slurm-9-0", &record("a", 100.0, 1.0, Termination::Exited))
            .unwrap();
        let mut b = record("b", 101.0, 1.0, Termination::Signalled);
        b.signal = Some(9);
        store.append_shard("slurm-9-0", &b).unwrap();
        let mut e = record("e", 101.5, 1.0, Termination::Signalled);
        e.signal = Some(11);
        store.append_shard("slurm-9-0", &e).unwrap();
        store
            .append_shard("slurm-9-0", &record("c", 102.0, 7.5, Termination::Exited))
            .unwrap();
        store
            .append_shard("slurm-9-0", &record("d", 103.0, 1.0, Termination::CpuLimit))
            .unwrap();
        // A torn last line.
        let shard = dir.path().join("runs.slurm-9-0.jsonl");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&shard)
            .unwrap();
        f.write_all(b"{\"round\":").unwrap();
        // Task ended at 110: c ended at 109 (within the grace), b died of SIGKILL; e's SIGSEGV
        // is its own.
        let n = quarantine(dir.path(), "slurm-9-0", Some(110.0)).unwrap();
        assert_eq!(n, 3);
        let (records, report) = store.load().unwrap();
        let names: Vec<_> = records.iter().map(|r| r.problem.as_str()).collect();
        assert_eq!(names, ["a", "e", "d"]);
        assert!(report.torn_lines.is_empty());
        // b, c and the torn line.
        let sus = std::fs::read_to_string(dir.path().join("slurm/suspect.jsonl")).unwrap();
        assert_eq!(sus.lines().count(), 3);
        // Nothing to move: the shard is left alone; a missing shard is fine.
        assert_eq!(quarantine(dir.path(), "slurm-9-0", Some(110.0)).unwrap(), 0);
        assert_eq!(quarantine(dir.path(), "slurm-9-1", None).unwrap(), 0);
    }

    #[test]
    fn suspects() {
        assert!(!suspect(&record("a", 0.0, 1.0, Termination::Exited), None));
        let mut r = record("a", 0.0, 1.0, Termination::Signalled);
        r.signal = Some(15);
        assert!(suspect(&r, None));
        r.signal = Some(11);
        assert!(!suspect(&r, None));
        assert!(!suspect(
            &record("a", 0.0, 1.0, Termination::WallLimit),
            Some(10.0)
        ));
        assert!(suspect(
            &record("a", 0.0, 9.5, Termination::WallLimit),
            Some(10.0)
        ));
    }
}
