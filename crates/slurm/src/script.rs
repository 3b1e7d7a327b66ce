//! The batch script of a job array, and Slurm's backstop limits derived from a round's limits.

use std::path::{Path, PathBuf};

/// Placeholder in the worker command for the task's chunk file.
pub const CHUNK: &str = "{chunk}";
/// Placeholder in the worker command for the task's shard name (`slurm-JOBID-TASK`).
pub const SHARD: &str = "{shard}";
/// Placeholder in the worker command for the number of CPUs of the task.
pub const CPUS: &str = "{cpus}";

/// One job array: task *i* runs the worker command on `chunk_dir/i.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayJob {
    /// `--job-name`.
    pub name: String,
    /// Number of tasks (`--array=0-(tasks-1)`).
    pub tasks: usize,
    /// At most this many tasks at once (`%N`), if set.
    pub max_running: Option<usize>,
    /// `--cpus-per-task`: the worker runs this many runs at once, one per CPU.
    pub cpus_per_task: usize,
    /// `--mem` in MiB (per task: one task is one node allocation).
    pub mem_mib: u64,
    /// `--time` in seconds.
    pub time_s: u64,
    /// `--partition`.
    pub partition: Option<String>,
    /// Chunk files: `chunk_dir/TASK.json`.
    pub chunk_dir: PathBuf,
    /// `--output`/`--error`: `log_dir/NAME-%A_%a.{out,err}`.
    pub log_dir: PathBuf,
    /// The worker's argv; [`CHUNK`], [`SHARD`] and [`CPUS`] are replaced in each task.
    pub worker: Vec<String>,
    /// Extra `sbatch` options, one per line (e.g. `--account=x`, `--qos=y`).
    pub extra: Vec<String>,
    /// The working directory of the tasks (`--chdir`).
    pub workdir: Option<PathBuf>,
}

impl ArrayJob {
    /// The chunk file of task `task`.
    pub fn chunk_path(&self, task: usize) -> PathBuf {
        chunk_path(&self.chunk_dir, task)
    }
}

/// The chunk file of task `task` in `dir`.
pub fn chunk_path(dir: &Path, task: usize) -> PathBuf {
    dir.join(format!("{task}.json"))
}

/// The shard a task of array `job_id` writes (`runs.slurm-JOBID-TASK.jsonl`): each task, and
/// each retry (a new array), has a file of its own.
pub fn shard_name(job_id: &str, task: usize) -> String {
    format!("slurm-{job_id}-{task}")
}

/// Quotes a word for `sh` (single quotes).
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Slurm's `--time` format: `D-HH:MM:SS` (rounded up to whole minutes, at least one).
pub fn format_time(seconds: u64) -> String {
    let minutes = seconds.div_ceil(60).max(1);
    let (d, rest) = (minutes / (24 * 60), minutes % (24 * 60));
    format!("{d}-{:02}:{:02}:00", rest / 60, rest % 60)
}

/// The batch script of `job` (POSIX `sh`). A task whose chunk file is missing exits 3 without
/// running anything.
pub fn batch_script(job: &ArrayJob) -> String {
    let mut s = String::from("#!/bin/sh\n");
    let mut opt = |line: String| {
        s.push_str("#SBATCH ");
        s.push_str(&line);
        s.push('\n');
    };
    // `#SBATCH` lines are not parsed by a shell: a value with spaces cannot be quoted there, so
    // names are kept to safe characters.
    let name: String = job
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    opt(format!("--job-name={name}"));
    let last = job.tasks.saturating_sub(1);
    match job.max_running {
        Some(m) if m > 0 => opt(format!("--array=0-{last}%{m}")),
        _ => opt(format!("--array=0-{last}")),
    }
    opt("--ntasks=1".into());
    opt(format!("--cpus-per-task={}", job.cpus_per_task.max(1)));
    opt(format!("--mem={}M", job.mem_mib.max(1)));
    opt(format!("--time={}", format_time(job.time_s)));
    if let Some(p) = &job.partition {
        opt(format!("--partition={p}"));
    }
    let log = job.log_dir.join(&name);
    opt(format!("--output={}-%A_%a.out", log.display()));
    opt(format!("--error={}-%A_%a.err", log.display()));
    if let Some(w) = &job.workdir {
        opt(format!("--chdir={}", w.display()));
    }
    // Retries are the harness's: a requeued task would reuse its shard name.
    opt("--no-requeue".into());
    for e in &job.extra {
        opt(e.clone());
    }
    s.push_str("\n# written by misc (misc-slurm): one task = one chunk of planned runs\n");
    s.push_str("set -u\n");
    s.push_str(&format!(
        "chunk={}/\"$SLURM_ARRAY_TASK_ID\".json\n",
        sh_quote(&job.chunk_dir.display().to_string())
    ));
    s.push_str("shard=\"slurm-${SLURM_ARRAY_JOB_ID}-${SLURM_ARRAY_TASK_ID}\"\n");
    s.push_str(
        "if [ ! -f \"$chunk\" ]; then echo \"misc: no chunk file $chunk\" >&2; exit 3; fi\n",
    );
    s.push_str("echo \"misc: task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID on $(hostname) at $(date +%s)\" >&2\n");
    let argv: Vec<String> = job
        .worker
        .iter()
        .map(|w| {
            let w = w.replace(CPUS, &job.cpus_per_task.max(1).to_string());
            // Placeholders become shell variables inside double quotes; the literal parts stay
            // single-quoted.
            let mut out = String::new();
            let mut rest = w.as_str();
            while !rest.is_empty() {
                let next = [(CHUNK, "\"$chunk\""), (SHARD, "\"$shard\"")]
                    .iter()
                    .filter_map(|(p, v)| rest.find(p).map(|i| (i, *p, *v)))
                    .min_by_key(|(i, _, _)| *i);
                match next {
                    Some((i, p, v)) => {
                        if i > 0 {
                            out.push_str(&sh_quote(&rest[..i]));
                        }
                        out.push_str(v);
                        rest = &rest[i + p.len()..];
                    }
                    None => {
                        out.push_str(&sh_quote(rest));
                        rest = "";
                    }
                }
            }
            if out.is_empty() {
                out.push_str("''");
            }
            out
        })
        .collect();
    s.push_str("exec ");
    s.push_str(&argv.join(" "));
    s.push('\n');
    s
}

/// The per-run limits of a round, as the backstops need them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunLimits {
    /// Wall-clock seconds of one run.
    pub wall_s: f64,
    /// CPU seconds of one run.
    pub cpu_s: f64,
    /// Bytes of memory of one run.
    pub memory: u64,
}

impl RunLimits {
    /// The largest of each limit over some runs (tracks may have limits of their own): what
    /// the backstops of an array holding those runs must cover.
    pub fn largest<'a>(limits: impl IntoIterator<Item = &'a misc_results::Limits>) -> RunLimits {
        let mut out = RunLimits {
            wall_s: 0.0,
            cpu_s: 0.0,
            memory: 0,
        };
        for l in limits {
            out.wall_s = out.wall_s.max(l.wall_time);
            out.cpu_s = out.cpu_s.max(l.cpu_time);
            out.memory = out.memory.max(l.memory);
        }
        out
    }
}

/// Slurm's own limits for a task that runs `runs` runs, `cpus` at a time: generous backstops
/// behind the harness's per-run limits, which stay the real ones (Slurm's time limit is coarse,
/// and a task Slurm kills loses its in-flight runs).
///
/// - time: the runs in sequence on each CPU, each given its wall limit (or its CPU limit, if
///   larger) plus 30 s of judging and sandboxing, times 1.5, plus 10 minutes;
/// - memory: per CPU, the run's memory limit plus 25 % and 256 MiB (the solver's page cache and
///   the harness), plus 512 MiB for the worker.
pub fn backstops(limits: &RunLimits, runs: usize, cpus: usize) -> (u64, u64) {
    let cpus = cpus.max(1);
    let per_cpu = runs.div_ceil(cpus).max(1) as f64;
    let per_run = limits.wall_s.max(limits.cpu_s).max(1.0) + 30.0;
    let time_s = (per_cpu * per_run * 1.5 + 600.0).ceil() as u64;
    let mib = |b: u64| b.div_ceil(1 << 20);
    let mem_mib = cpus as u64 * (mib(limits.memory) + mib(limits.memory) / 4 + 256) + 512;
    (time_s, mem_mib)
}

/// How many tasks for `runs` runs with chunks of at most `chunk` runs (`None`: a default of
/// one task per two CPUs of the partition, `partition_cpus`, each CPU taking turns, so that
/// the array starts at once; never more than `max_tasks`).
pub fn task_count(
    runs: usize,
    chunk: Option<usize>,
    partition_cpus: usize,
    max_tasks: usize,
) -> usize {
    if runs == 0 {
        return 0;
    }
    let by_chunk = match chunk {
        Some(c) => runs.div_ceil(c.max(1)),
        None => runs.min((2 * partition_cpus).max(1)),
    };
    by_chunk.clamp(1, max_tasks.max(1))
}

/// Splits `items` into `tasks` chunks round-robin (item *i* goes to chunk *i mod tasks*), so
/// that each chunk mixes solvers and problems and the chunks take about as long.
pub fn split_round_robin<T>(items: Vec<T>, tasks: usize) -> Vec<Vec<T>> {
    let tasks = tasks.max(1);
    let mut chunks: Vec<Vec<T>> = (0..tasks).map(|_| Vec::new()).collect();
    for (i, it) in items.into_iter().enumerate() {
        chunks[i % tasks].push(it);
    }
    chunks.retain(|c| !c.is_empty());
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> ArrayJob {
        ArrayJob {
            name: "misc round 1".into(),
            tasks: 4,
            max_running: None,
            cpus_per_task: 2,
            mem_mib: 3000,
            time_s: 3600,
            partition: Some("short".into()),
            chunk_dir: "/shared/r/results/slurm/chunks/0".into(),
            log_dir: "/shared/r/results/slurm/logs".into(),
            worker: vec![
                "/opt/misc bin/misc".into(),
                "run-chunk".into(),
                CHUNK.into(),
                "--shard".into(),
                SHARD.into(),
                "--jobs".into(),
                CPUS.into(),
                "--x=it's".into(),
            ],
            extra: vec!["--account=misc".into()],
            workdir: None,
        }
    }

    #[test]
    fn script_has_the_options_and_the_worker_line() {
        let s = batch_script(&job());
        assert!(s.starts_with("#!/bin/sh\n"));
        for line in [
            "#SBATCH --job-name=misc_round_1",
            "#SBATCH --array=0-3",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --mem=3000M",
            "#SBATCH --time=0-01:00:00",
            "#SBATCH --partition=short",
            "#SBATCH --output=/shared/r/results/slurm/logs/misc_round_1-%A_%a.out",
            "#SBATCH --error=/shared/r/results/slurm/logs/misc_round_1-%A_%a.err",
            "#SBATCH --no-requeue",
            "#SBATCH --account=misc",
            "chunk=/shared/r/results/slurm/chunks/0/\"$SLURM_ARRAY_TASK_ID\".json",
            "exec '/opt/misc bin/misc' run-chunk \"$chunk\" --shard \"$shard\" --jobs 2 '--x=it'\\''s'",
        ] {
            assert!(s.lines().any(|l| l == line), "missing {line:?} in\n{s}");
        }
        let mut j = job();
        j.max_running = Some(5);
        j.partition = None;
        let s = batch_script(&j);
        assert!(s.contains("#SBATCH --array=0-3%5\n"));
        assert!(!s.contains("--partition"));
    }

    #[test]
    fn script_runs_in_sh() {
        // The worker line as sh sees it: print the argv instead of running misc.
        let dir = tempfile::tempdir().unwrap();
        let mut j = job();
        j.chunk_dir = dir.path().join("chunks dir");
        std::fs::create_dir_all(&j.chunk_dir).unwrap();
        std::fs::write(j.chunk_path(1), "{}").unwrap();
        j.worker = vec![
            "printf".into(),
            "[%s]".into(),
            "x{chunk}y".into(),
            SHARD.into(),
        ];
        let path = dir.path().join("job.sh");
        std::fs::write(&path, batch_script(&j)).unwrap();
        let out = std::process::Command::new("sh")
            .arg(&path)
            .env("SLURM_ARRAY_TASK_ID", "1")
            .env("SLURM_ARRAY_JOB_ID", "77")
            .output()
            .unwrap();
        assert!(out.status.success());
        let expected = format!("[x{}y][slurm-77-1]", j.chunk_path(1).display());
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        // A task without a chunk file exits 3.
        let out = std::process::Command::new("sh")
            .arg(&path)
            .env("SLURM_ARRAY_TASK_ID", "2")
            .env("SLURM_ARRAY_JOB_ID", "77")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
    }

    #[test]
    fn times_and_quotes() {
        assert_eq!(format_time(0), "0-00:01:00");
        assert_eq!(format_time(61), "0-00:02:00");
        assert_eq!(format_time(90000), "1-01:00:00");
        assert_eq!(sh_quote("a-b_c/d"), "a-b_c/d");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(shard_name("12", 3), "slurm-12-3");
    }

    #[test]
    fn backstops_cover_the_round_limits() {
        let l = RunLimits {
            wall_s: 300.0,
            cpu_s: 300.0,
            memory: 1 << 30,
        };
        let (t, m) = backstops(&l, 10, 2);
        // 5 runs per CPU * 330 s * 1.5 + 600
        assert_eq!(t, 5 * 330 * 3 / 2 + 600);
        assert_eq!(m, 2 * (1024 + 256 + 256) + 512);
        assert!(t as f64 >= 5.0 * 300.0);
        let (t1, _) = backstops(&l, 0, 0);
        assert!(t1 >= 300);
    }

    /// An array holding runs of tracks with different limits covers the largest of each.
    #[test]
    fn backstops_cover_the_largest_track_limits() {
        let short = misc_results::Limits {
            cpu_time: 2.0,
            wall_time: 100.0,
            memory: 4 << 30,
            ..Default::default()
        };
        let long = misc_results::Limits {
            cpu_time: 50.0,
            wall_time: 60.0,
            memory: 1 << 30,
            ..Default::default()
        };
        let l = RunLimits::largest([&short, &long, &short]);
        assert_eq!(
            l,
            RunLimits {
                wall_s: 100.0,
                cpu_s: 50.0,
                memory: 4 << 30
            }
        );
        let (t, m) = backstops(&l, 4, 1);
        assert_eq!(t, 4 * 130 * 3 / 2 + 600);
        assert_eq!(m, 4096 + 1024 + 256 + 512);
    }

    #[test]
    fn tasks_and_chunks() {
        assert_eq!(task_count(0, None, 8, 1000), 0);
        assert_eq!(task_count(200, Some(50), 8, 1000), 4);
        assert_eq!(task_count(201, Some(50), 8, 1000), 5);
        assert_eq!(task_count(200, None, 2, 1000), 4);
        assert_eq!(task_count(3, None, 64, 1000), 3);
        assert_eq!(task_count(5000, Some(1), 64, 1000), 1000);
        let c = split_round_robin((0..10).collect(), 3);
        assert_eq!(c, vec![vec![0, 3, 6, 9], vec![1, 4, 7], vec![2, 5, 8]]);
        assert_eq!(split_round_robin(vec![1], 4), vec![vec![1]]);
    }
}
