//! The unit of work: run one planned run in a sandbox, judge it, keep its output, append its
//! record.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use misc_results::{RunRecord, SolverLogs, Store, HARNESS_VERSION, LOG_TAIL_BYTES};
use misc_runner::{Isolation, IsolationLevel, Measurement, RunSpec, Sandbox};

use crate::judge::{judge, reads_output, Ending, Judgement, Output};
use crate::plan::PlannedRun;
use crate::RoundError;

/// Where records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// `results/runs.jsonl` (the local executor).
    Main,
    /// `results/runs.SHARD.jsonl` (one writer per shard, e.g. one Slurm array task).
    Shard(String),
}

/// What every run of an execution shares.
#[derive(Debug, Clone)]
pub struct WorkOptions {
    /// The round's results folder.
    pub results_dir: PathBuf,
    /// Which store file the records are appended to (`runs.jsonl` or a shard of it).
    pub sink: Sink,
    /// Where sandboxes are created (default: [`Sandbox::default_base`]).
    pub sandbox_base: Option<PathBuf>,
    /// Run solvers without network when the machine allows it.
    pub no_network: bool,
    /// Mount the input read-only when the machine allows it.
    pub readonly_input: bool,
    /// Isolate runs in namespaces (rounds that are not `isolation = "none"`) when the machine
    /// allows it; where it does not, `best-effort` rounds fall back to `no_network` and
    /// `readonly_input`, and `required` rounds fail.
    pub namespaces: bool,
    /// This machine's name, recorded in every record.
    pub host: String,
}

impl WorkOptions {
    /// Options for a results folder, with the machine's isolation capabilities.
    pub fn new(results_dir: impl Into<PathBuf>, sink: Sink) -> WorkOptions {
        let caps = misc_runner::capabilities();
        WorkOptions {
            results_dir: results_dir.into(),
            sink,
            sandbox_base: None,
            no_network: caps.net_namespace,
            readonly_input: caps.mount_namespace,
            namespaces: caps.namespaces,
            host: crate::host_name(),
        }
    }

    /// Appends a record where this execution's records go.
    pub fn append(&self, record: &RunRecord) -> Result<(), RoundError> {
        let store = Store::new(&self.results_dir);
        match &self.sink {
            Sink::Main => store.append(record)?,
            Sink::Shard(s) => store.append_shard(s, record)?,
        }
        Ok(())
    }
}

/// Outputs bigger than this are not kept for aborted runs (their content does not matter).
const KEEP_ABORT_OUTPUT: u64 = 1 << 20;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RoundError + '_ {
    move |source| RoundError::Io {
        path: path.to_owned(),
        source,
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Reads a problem file and decompresses it (xz, gzip, bzip2 are detected by content).
pub fn read_problem(path: &Path) -> Result<Vec<u8>, RoundError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    if misc_cudf::Compression::detect(&bytes) == misc_cudf::Compression::None {
        return Ok(bytes);
    }
    misc_cudf::decompress(&bytes)
        .map(|c| c.into_owned())
        .map_err(|e| RoundError::Problem {
            path: path.to_owned(),
            message: e.to_string(),
        })
}

/// Runs, judges and records one planned run: the work function of every executor.
///
/// The problem is decompressed into a fresh sandbox and sealed read-only; the solver runs with
/// the sandbox's clean environment, stdin closed, pinned to `core`. Then the output is judged
/// (in a blocking thread), kept under `results/outputs/` (written to a temporary file and
/// renamed), and only then the record is appended. A harness killed before the append leaves
/// no record, so the run is simply done again on resume (its half-written output is replaced).
pub async fn run_one(
    run: &PlannedRun,
    core: Option<usize>,
    opts: &WorkOptions,
) -> Result<RunRecord, RoundError> {
    let base = opts
        .sandbox_base
        .clone()
        .unwrap_or_else(Sandbox::default_base);
    let sandbox = Sandbox::create(Some(&base))?;
    let problem = read_problem(&run.problem_path)?;
    let input = sandbox.input_path();
    std::fs::write(&input, &problem).map_err(io(&input))?;
    sandbox.seal_input()?;
    let output_path = sandbox.output_path();
    let args: Vec<OsString> = run
        .argv(&input.to_string_lossy(), &output_path.to_string_lossy())
        .into_iter()
        .map(OsString::from)
        .collect();
    let mut spec = RunSpec::new(&run.program, args).in_sandbox(&sandbox);
    spec.limits = run.limits.clone();
    spec.cpu_core = core;
    let iso = &run.isolation;
    spec.isolation = match iso.level {
        IsolationLevel::None => Isolation::default(),
        level => {
            if level == IsolationLevel::Required {
                if let Err(why) = misc_runner::namespaces_available() {
                    return Err(RoundError::Isolation(why));
                }
            }
            if opts.namespaces {
                Isolation {
                    sandbox_size: iso.sandbox_size,
                    ..Isolation::namespaced(&sandbox, iso.readonly.clone(), iso.hidden.clone())
                }
            } else {
                Isolation {
                    no_network: opts.no_network,
                    readonly: if opts.readonly_input {
                        vec![sandbox.input_dir()]
                    } else {
                        Vec::new()
                    },
                    ..Isolation::default()
                }
            }
        }
    };
    let started_at = now();
    tracing::debug!(track = %run.track, solver = %run.solver, problem = %run.problem, ?core, "start");
    let m = misc_runner::run(&spec).await?;
    let output = read_output(&output_path).map_err(io(&output_path))?;
    drop(sandbox);
    let run2 = run.clone();
    let opts2 = opts.clone();
    tokio::task::spawn_blocking(move || {
        finish(&run2, &m, output, Some(problem), started_at, &opts2)
    })
    .await
    .map_err(|e| RoundError::Internal(format!("judging thread: {e}")))?
}

/// Reads the answer a solver left at `path`, trusting nothing about it: only a regular file is
/// an answer. A symbolic link (it would make the harness read a file of its choosing) or a FIFO,
/// socket or device (opening a FIFO for reading would block the harness for ever) counts as no
/// answer, as a missing file does. An isolated run's shim already copies only a regular file;
/// this guards the runs without namespaces (`isolation = "none"`, or best-effort without them).
fn read_output(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    use nix::fcntl::OFlag;
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let flags = (OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits();
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) => {
            tracing::warn!(path = %path.display(), "the solver's output is a symbolic link: no answer");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        tracing::warn!(path = %path.display(), "the solver's output is not a regular file: no answer");
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Judges a measured run, keeps its output and appends its record (the second half of
/// [`run_one`], also used by [`crate::FakeExecutor`]). `problem` is the decompressed problem
/// if the caller has it.
pub fn finish(
    run: &PlannedRun,
    m: &Measurement,
    output: Option<Vec<u8>>,
    problem: Option<Vec<u8>>,
    started_at: f64,
    opts: &WorkOptions,
) -> Result<RunRecord, RoundError> {
    let ending = Ending {
        termination: m.termination,
        exit_code: m.exit_code,
        signal: m.signal,
    };
    let problem = match problem {
        Some(p) => p,
        None => read_problem(&run.problem_path)?,
    };
    let j = judge_bytes(run, &ending, output.as_deref(), &problem, &m.detail)?;
    let keep = match &output {
        None => false,
        Some(b) => reads_output(&ending) || (b.len() as u64) <= KEEP_ABORT_OUTPUT,
    };
    let kept = if keep {
        let rel = run.output_rel();
        keep_output(
            &opts.results_dir,
            &rel,
            output.as_deref().unwrap_or_default(),
        )?;
        Some(rel)
    } else {
        None
    };
    let logs = keep_logs(run, m, &opts.results_dir)?;
    let record = RunRecord {
        round: run.round.clone(),
        track: run.track.clone(),
        solver: run.solver.clone(),
        solver_version: run.solver_version.clone(),
        problem: run.problem.clone(),
        category: run.category.clone(),
        outcome: j.outcome,
        termination: m.termination,
        cpu_time: m.cpu_time,
        user_time: m.user_time,
        system_time: m.system_time,
        wall_time: m.wall_time,
        memory: m.memory,
        exit_code: m.exit_code,
        signal: m.signal,
        measured_by: m.measured_by.clone(),
        criteria: j.criteria,
        readings: j.readings,
        violations: j.violations,
        detail: j.detail,
        problem_hash: run.problem_hash.clone(),
        solver_hash: run.solver_hash.clone(),
        output: kept,
        limits: run.limits.clone(),
        started_at,
        host: opts.host.clone(),
        harness_version: HARNESS_VERSION.to_string(),
        logs,
    };
    opts.append(&record)?;
    tracing::info!(
        track = %record.track, solver = %record.solver, problem = %record.problem,
        outcome = %record.outcome, cpu = record.cpu_time, "recorded"
    );
    Ok(record)
}

/// Parses the problem, resolves the track's criteria against it and judges the output.
pub(crate) fn judge_bytes(
    run: &PlannedRun,
    ending: &Ending,
    output: Option<&[u8]>,
    problem: &[u8],
    run_detail: &str,
) -> Result<Judgement, RoundError> {
    let perr = |message: String| RoundError::Problem {
        path: run.problem_path.clone(),
        message,
    };
    let text = misc_cudf::check_utf8(problem).map_err(|e| perr(e.to_string()))?;
    let doc = misc_cudf::parse_problem(text).map_err(|e| perr(e.to_string()))?;
    let criteria = misc_criteria::parse_criteria(&run.criteria).map_err(|e| perr(e.to_string()))?;
    let resolved = misc_criteria::resolve(&criteria, &doc)
        .map_err(|e| perr(format!("track {}: criteria: {e}", run.track)))?;
    let out = output.map_or(Output::Missing, Output::Bytes);
    Ok(judge(
        ending,
        out,
        &doc,
        &resolved,
        run.semantics,
        run.answers,
        run_detail,
    ))
}

/// Keeps the end of what the solver wrote on stdout and stderr (at most
/// [`misc_results::LOG_TAIL_BYTES`] each, as the runner kept it) beside its output:
/// `outputs/TRACK/SOLVER/PROBLEM.stdout` and `.stderr`, each only when not empty. `None` when
/// the solver wrote nothing at all.
fn keep_logs(
    run: &PlannedRun,
    m: &Measurement,
    results: &Path,
) -> Result<Option<SolverLogs>, RoundError> {
    if m.stdout_bytes == 0
        && m.stderr_bytes == 0
        && m.stdout_tail.is_empty()
        && m.stderr_tail.is_empty()
    {
        return Ok(None);
    }
    let base = run.output_rel();
    let base = base.strip_suffix(".out").unwrap_or(&base);
    let keep = |tail: &str, ext: &str| -> Result<Option<String>, RoundError> {
        if tail.is_empty() {
            return Ok(None);
        }
        let bytes = tail.as_bytes();
        let start = bytes.len().saturating_sub(LOG_TAIL_BYTES);
        let rel = format!("{base}.{ext}");
        keep_output(results, &rel, &bytes[start..])?;
        Ok(Some(rel))
    };
    Ok(Some(SolverLogs {
        stdout_bytes: m.stdout_bytes.max(m.stdout_tail.len() as u64),
        stderr_bytes: m.stderr_bytes.max(m.stderr_tail.len() as u64),
        stdout: keep(&m.stdout_tail, "stdout")?,
        stderr: keep(&m.stderr_tail, "stderr")?,
    }))
}

/// Writes an output under the results folder: a temporary file, fsync, rename.
fn keep_output(results: &Path, rel: &str, bytes: &[u8]) -> Result<(), RoundError> {
    let path = results.join(rel);
    let dir = path.parent().unwrap_or(results);
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_data().map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    Ok(())
}

#[cfg(test)]
mod output_tests {
    use super::read_output;

    #[test]
    fn only_a_regular_file_is_an_answer() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("answer");
        std::fs::write(&file, "package: a\nversion: 1\ninstalled: true\n").unwrap();
        assert_eq!(
            read_output(&file).unwrap().as_deref(),
            Some(&b"package: a\nversion: 1\ninstalled: true\n"[..])
        );
        assert_eq!(read_output(&dir.path().join("missing")).unwrap(), None);
        // A link to a file the harness can read is not an answer (the harness would read it).
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(read_output(&link).unwrap(), None);
        // A FIFO with no writer: reading it must neither block nor count as an answer.
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert_eq!(read_output(&fifo).unwrap(), None);
        // A folder is not an answer either.
        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(read_output(&folder).unwrap(), None);
    }
}
