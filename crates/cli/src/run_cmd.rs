//! `misc run` (run or resume a round), `misc rejudge` (judge kept outputs again) and the hidden
//! `misc run-chunk` worker (execute a file of planned runs into a store shard).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use misc_results::{Outcome, RunRecord, Store};
use misc_round::{
    Events, ExecStats, Executor, LoadOptions, LocalExecutor, PlannedRun, Round, RoundError,
    Selection, Sink, WorkOptions,
};

use crate::exit::{CliError, UsageExt};
use crate::out::note;
use crate::table::{Align, Style, Table, BOLD};

/// Run a round, or resume it: every entered solver on every problem of its tracks.
///
/// Reads ROUND/competition.toml and the entrants' solver.toml, runs every (track, solver,
/// problem) pair that has no record yet in ROUND/results/runs.jsonl, judges each answer as soon
/// as its run ends and appends its record. Running again continues where the last run stopped
/// (also after the harness was killed); pairs added to the definition are run, recorded ones
/// are not. Solvers that are not installed are reported and skipped (not recorded).
///
/// Ctrl-C (SIGINT), SIGTERM or SIGHUP stops launching runs, kills every run in flight (nothing
/// of them is recorded), prints what was finished and the command that resumes the round, and
/// exits with 130 (143, 129); a second Ctrl-C stops at once. With --executor slurm the job
/// keeps running on the cluster (`scancel JOBID` stops it; `misc run` again collects it).
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The round folder (holding competition.toml).
    pub round: PathBuf,
    /// Runs at once, each pinned to its own core (default: the number of usable cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Only these solvers (repeat or separate with commas).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub solver: Vec<String>,
    /// Only these tracks (repeat or separate with commas).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub track: Vec<String>,
    /// Only problems whose path (relative to the round) matches this glob or contains this text.
    #[arg(long, value_name = "PATTERN")]
    pub problem: Vec<String>,
    /// Run again the selected runs recorded with this outcome (solved, fail, abort, wrong;
    /// repeat or separate with commas). The old records are moved to results/history/.
    #[arg(long, value_name = "OUTCOME", value_delimiter = ',', value_enum)]
    pub rerun: Vec<RerunOutcome>,
    /// Where run sandboxes go (default: /dev/shm when writable, else the temporary directory).
    #[arg(long, value_name = "DIR")]
    pub sandbox_base: Option<PathBuf>,
    /// Where runs execute: `local` (a pool on this machine) or `slurm` (a Slurm job array; each
    /// task runs a chunk of runs with `misc run-chunk` on its node; the round folder must be on
    /// a filesystem the nodes share). With `slurm`, --jobs is the CPUs (runs at once) per task.
    #[arg(long, value_enum, default_value_t = ExecutorKind::Local)]
    pub executor: ExecutorKind,
    /// Slurm: the partition to submit to (default: the cluster's default partition).
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// Slurm: runs per array task (default: two tasks per CPU of the partition, at most 1000).
    #[arg(long, value_name = "N")]
    pub chunk: Option<usize>,
    /// Slurm: return right after submitting; running `misc run` again shows progress, collects
    /// and resubmits what is missing.
    #[arg(long)]
    pub detach: bool,
    /// Show what would run, and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Leave out problems that cannot be read or judged (listed in the manifest and on the
    /// site) instead of stopping before any run.
    #[arg(long)]
    pub skip_bad_problems: bool,
    #[command(flatten)]
    pub solvers: SolverDirs,
}

/// Where solver definitions are looked up.
#[derive(Debug, Clone, clap::Args)]
pub struct SolverDirs {
    /// Also look for solver definitions (NAME/solver.toml) in DIR (repeatable; also the
    /// colon-separated MISC_SOLVERS_PATH). Searched after ROUND/solvers and before the
    /// solvers/ folder of the project the round sits in.
    #[arg(long = "solvers", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

impl SolverDirs {
    /// The folders of `--solvers`, then those of `MISC_SOLVERS_PATH`, made absolute.
    fn folders(&self) -> Vec<PathBuf> {
        let env = std::env::var_os("MISC_SOLVERS_PATH").unwrap_or_default();
        let cwd = std::env::current_dir().unwrap_or_default();
        self.dirs
            .iter()
            .cloned()
            .chain(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()))
            .map(|d| cwd.join(d))
            .collect()
    }
}

/// Judge the kept outputs of a round again (after a checker fix), without running solvers.
///
/// Every record is judged again from its kept output and its recorded ending (limit, signal,
/// exit code), with the current checker and the round's current track criteria. Changed
/// verdicts are listed; the record files are rewritten (old ones copied to
/// results/history/).
#[derive(Debug, clap::Args)]
pub struct RejudgeArgs {
    /// The round folder.
    pub round: PathBuf,
    /// List what would change, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub solvers: SolverDirs,
}

/// Execute a chunk file of planned runs, appending records to a store shard (a cluster task's
/// worker; `misc run` does the same in-process).
#[derive(Debug, clap::Args)]
pub struct RunChunkArgs {
    /// A JSON chunk file: {"results_dir": ..., "runs": [...]}.
    pub chunk: PathBuf,
    /// The shard: records go to results/runs.SHARD.jsonl.
    #[arg(long)]
    pub shard: String,
    /// Runs at once (default: one per usable core).
    #[arg(short, long, default_value_t = 0)]
    pub jobs: usize,
}

/// Where `misc run` executes runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExecutorKind {
    /// A pool of runs on this machine.
    Local,
    /// A Slurm job array.
    Slurm,
}

/// An outcome named on the command line (`--rerun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RerunOutcome {
    Solved,
    Fail,
    Abort,
    Wrong,
}

impl From<RerunOutcome> for Outcome {
    fn from(o: RerunOutcome) -> Outcome {
        match o {
            RerunOutcome::Solved => Outcome::Solved,
            RerunOutcome::Fail => Outcome::Fail,
            RerunOutcome::Abort => Outcome::Abort,
            RerunOutcome::Wrong => Outcome::Wrong,
        }
    }
}

fn load_options(solvers: &SolverDirs) -> LoadOptions {
    LoadOptions {
        exe_dirs: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .into_iter()
            .collect(),
        solver_dirs: solvers.folders(),
    }
}

/// Loads a round's definition (a mistake in it is a usage error: every one is listed) and
/// takes its lock.
fn open_round(
    dir: &Path,
    solvers: &SolverDirs,
) -> Result<(Round, Store, misc_round::RoundLock), CliError> {
    let round = Round::load(dir, &load_options(solvers)).map_err(|e| {
        let mut text = e.to_string().replace('\n', "\nerror: ");
        if e.count() > 1 {
            text.push_str(&format!(
                "\n{} mistakes in the round's definition; nothing was run",
                e.count()
            ));
        }
        CliError::usage(text)
    })?;
    let store = Store::new(round.results_dir());
    let lock = misc_round::RoundLock::acquire(store.dir())?;
    Ok((round, store, lock))
}

/// Progress: an indicatif bar on a terminal, a line every 5 s otherwise. Refreshed by a
/// ticker ([`Progress::tick_while`]), not at run events, so that "running" is what is truly in
/// flight (between one run's end and the next one's start a worker runs nothing).
struct Progress {
    total: usize,
    counts: [AtomicUsize; 4],
    errors: AtomicUsize,
    /// Whether runs execute in this process (their solvers are counted as they run).
    local: bool,
    bar: Option<indicatif::ProgressBar>,
    last_line: Mutex<Instant>,
    start: Instant,
}

impl Progress {
    fn new(total: usize, local: bool) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(total as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} ETA {eta} | {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.enable_steady_tick(Duration::from_millis(250));
            b
        });
        Progress {
            total,
            counts: Default::default(),
            errors: AtomicUsize::new(0),
            local,
            bar,
            last_line: Mutex::new(Instant::now()),
            start: Instant::now(),
        }
    }

    fn message(&self) -> String {
        let c = |o: Outcome| self.counts[o as usize].load(Ordering::Relaxed);
        let errors = self.errors.load(Ordering::Relaxed);
        let mut s = format!(
            "solved {} fail {} abort {} wrong {}",
            c(Outcome::Solved),
            c(Outcome::Fail),
            c(Outcome::Abort),
            c(Outcome::Wrong),
        );
        if self.local {
            // Solvers whose process tree is alive right now.
            s.push_str(&format!(
                " | running {}",
                misc_runner::interrupt::live_runs()
            ));
        }
        if errors > 0 {
            s.push_str(&format!(" | harness errors {errors}"));
        }
        s
    }

    fn done(&self) -> usize {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum::<usize>()
            + self.errors.load(Ordering::Relaxed)
    }

    /// Refreshes the bar, or prints a line if 5 s passed since the last one (`force`: now).
    fn update(&self, force: bool) {
        let msg = self.message();
        if let Some(b) = &self.bar {
            b.set_position(self.done() as u64);
            b.set_message(msg);
            return;
        }
        let Ok(mut last) = self.last_line.lock() else {
            return;
        };
        if force || last.elapsed() >= Duration::from_secs(5) {
            *last = Instant::now();
            let done = self.done();
            let elapsed = self.start.elapsed().as_secs_f64();
            let eta = if done > 0 {
                format!("{:.0}s", elapsed / done as f64 * (self.total - done) as f64)
            } else {
                "?".into()
            };
            note!("progress: {done}/{} runs, ETA {eta} | {msg}", self.total);
        }
    }

    /// Runs `work` while a ticker refreshes the progress every 250 ms.
    fn tick_while<T>(&self, work: impl FnOnce() -> T) -> T {
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            let ticker = scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    self.update(false);
                    std::thread::park_timeout(Duration::from_millis(250));
                }
            });
            let result = work();
            stop.store(true, Ordering::Relaxed);
            ticker.thread().unpark();
            result
        })
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Events for Progress {
    fn finished(&self, run: &PlannedRun, result: &Result<RunRecord, RoundError>) {
        match result {
            Ok(r) => {
                self.counts[r.outcome as usize].fetch_add(1, Ordering::Relaxed);
            }
            // Stopped by an interrupt: reported once the executor has stopped.
            Err(e) if e.is_interrupted() => {}
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                let line = format!(
                    "error: {} / {} / {}: {e} (not recorded)",
                    run.track, run.solver, run.problem
                );
                match &self.bar {
                    Some(b) => b.println(line),
                    None => note!("{line}"),
                }
            }
        }
        if let Some(b) = &self.bar {
            b.set_position(self.done() as u64);
        }
    }
}

/// Runs `misc run`.
pub fn run(args: RunArgs) -> Result<(), CliError> {
    // Leftovers of a harness that was killed (run cgroups and what is still running in them).
    match misc_runner::cleanup_stale() {
        Ok(c) if !c.is_empty() => {
            tracing::warn!("killed the leftovers of {} stale run(s)", c.len())
        }
        Ok(_) => {}
        Err(e) => tracing::debug!("cleaning up stale run cgroups: {e}"),
    }
    let (mut round, store, _lock) = open_round(&args.round, &args.solvers)?;
    check_isolation(&round)?;
    let (records, load) = store.load().map_err(anyhow::Error::from)?;
    for w in load.warnings() {
        tracing::warn!("{w}");
    }
    // Preflight: every problem still to be run is parsed once before any solver starts.
    let jobs = args
        .jobs
        .unwrap_or_else(|| misc_round::allowed_cores().len())
        .max(1);
    let bad = misc_round::check_problems(&round, &records, jobs);
    if !bad.is_empty() {
        let word = if args.skip_bad_problems {
            "warning"
        } else {
            "error"
        };
        for b in &bad {
            note!("{word}: {}", b.reason);
        }
        if !args.skip_bad_problems {
            return Err(CliError::usage(format!(
                "{} problem(s) cannot be judged; nothing was run. Fix them, or leave them out \
                 with --skip-bad-problems (they are then listed on the site).",
                bad.len()
            )));
        }
        note!(
            "left out {} problem(s) that cannot be judged (--skip-bad-problems)",
            bad.len()
        );
        round.exclude_problems(bad);
    }
    let sel = Selection {
        solvers: args.solver.clone(),
        tracks: args.track.clone(),
        problems: args.problem.clone(),
        rerun: args.rerun.iter().map(|&o| o.into()).collect(),
    };
    let plan = match misc_round::plan(&round, &records, &sel) {
        Ok(p) => p,
        Err(RoundError::Selection(m)) => return Err(CliError::usage(m)),
        Err(e) => return Err(e.into()),
    };
    for (name, why, n) in &plan.missing_solvers {
        note!("note: solver `{name}` is not installed ({why}): its {n} run(s) are skipped");
    }
    note!(
        "round {}: {} run(s) to do, {} already recorded{}",
        round.name,
        plan.runs.len(),
        plan.done,
        if plan.rerun.is_empty() {
            String::new()
        } else {
            format!(", {} to run again", plan.rerun.len())
        }
    );
    if args.dry_run {
        let out = &mut crate::out::stdout();
        for r in &plan.runs {
            writeln!(out, "{}\t{}\t{}", r.track, r.solver, r.problem)?;
        }
        return Ok(());
    }
    // From here on a signal stops the round cleanly (see `crate::signals`).
    crate::signals::install(crate::signals::Mode::StopRuns)?;
    store
        .write_manifest(&misc_round::manifest(&round))
        .map_err(anyhow::Error::from)?;
    if !plan.rerun.is_empty() {
        let n = misc_round::remove_records(&store, &plan.rerun)?;
        tracing::info!("removed {n} record(s) to run again (copies in results/history/)");
    }

    let base = args
        .sandbox_base
        .clone()
        .unwrap_or_else(misc_runner::Sandbox::default_base);
    let stale = misc_round::cleanup_stale_sandboxes(&base);
    if stale > 0 {
        tracing::info!("removed the sandboxes of {stale} killed harness(es)");
    }
    let sandboxes = misc_round::harness_sandbox_dir(&base);
    std::fs::create_dir_all(&sandboxes)?;
    let mut opts = WorkOptions::new(store.dir(), Sink::Main);
    opts.sandbox_base = Some(sandboxes.clone());
    let progress = Progress::new(plan.runs.len(), args.executor == ExecutorKind::Local);
    let executor: Box<dyn Executor> = if args.executor == ExecutorKind::Slurm {
        let misc = std::env::current_exe()?;
        let mut ex = misc_slurm::SlurmExecutor::new(store.dir(), &misc);
        ex.name = format!("misc-{}", round.name);
        ex.partition = args.partition.clone();
        ex.chunk = args.chunk;
        ex.cpus_per_task = args.jobs.unwrap_or(1).max(1);
        ex.detach = args.detach;
        let bar = progress.bar.clone();
        ex.status = Some(Box::new(move |line: &str| match &bar {
            Some(b) => b.println(line),
            None => note!("{line}"),
        }));
        Box::new(ex)
    } else {
        let mut ex = LocalExecutor::new(opts);
        if let Some(j) = args.jobs {
            ex.jobs = j.max(1);
        }
        Box::new(ex)
    };
    let start = Instant::now();
    let planned = plan.runs.len();
    let result = progress.tick_while(|| executor.execute(plan.runs, &progress));
    progress.update(true);
    progress.finish();
    let _ = std::fs::remove_dir_all(&sandboxes);
    let stats = result?;
    if let Some(sig) = crate::signals::received() {
        report_interrupt(&args, sig, &stats, plan.done, planned);
        return Err(CliError::Interrupted(sig));
    }
    note!(
        "{} run(s) recorded in {:.1}s{}",
        stats.recorded,
        start.elapsed().as_secs_f64(),
        if stats.errors > 0 {
            format!(
                ", {} could not be done (see the errors above)",
                stats.errors
            )
        } else {
            String::new()
        }
    );
    if stats.not_started > 0 {
        note!(
            "{} run(s) not recorded yet: `misc run` again to {}",
            stats.not_started,
            if args.detach {
                "follow and collect them"
            } else {
                "run them"
            }
        );
    }
    let (records, _) = store.load().map_err(anyhow::Error::from)?;
    // The round is done: a reader that went away (`misc run R | head`) changes nothing.
    let _ = print_summary(&mut crate::out::stdout(), &round, &store, &records);
    if stats.errors > 0 || (stats.not_started > 0 && !args.detach) {
        Err(CliError::Incomplete)
    } else {
        Ok(())
    }
}

/// After an interrupt: what was finished, and the command that resumes the round.
fn report_interrupt(
    args: &RunArgs,
    sig: i32,
    stats: &ExecStats,
    done_before: usize,
    planned: usize,
) {
    let recorded_now = stats.recorded;
    if args.executor == ExecutorKind::Slurm {
        // The runs are the cluster's: a submitted job goes on (the lines above say so).
        note!(
            "interrupted by {}: {} run(s) recorded; {} not collected yet (still in the Slurm job, \
             or not submitted)",
            crate::signals::name(sig),
            recorded_now,
            stats.not_started
        );
        note!(
            "{} of the {} selected run(s) of this round are recorded; to collect and resume:\n  {}",
            done_before + recorded_now,
            done_before + planned,
            resume_command(args)
        );
        return;
    }
    note!(
        "interrupted by {}: {} run(s) finished and recorded, {} stopped and not recorded, {} \
         not started{}",
        crate::signals::name(sig),
        recorded_now,
        stats.interrupted,
        stats.not_started,
        if stats.errors > 0 {
            format!(", {} could not be done", stats.errors)
        } else {
            String::new()
        }
    );
    note!(
        "{} of the {} selected run(s) of this round are recorded; to resume:\n  {}",
        done_before + recorded_now,
        done_before + planned,
        resume_command(args)
    );
}

/// The `misc run` command line that continues this round with the same selection.
fn resume_command(args: &RunArgs) -> String {
    let mut words: Vec<String> = vec!["misc".into(), "run".into()];
    words.push(args.round.to_string_lossy().into_owned());
    for (flag, values) in [
        ("--track", &args.track),
        ("--solver", &args.solver),
        ("--problem", &args.problem),
    ] {
        for v in values {
            words.push(flag.into());
            words.push(v.clone());
        }
    }
    for dir in &args.solvers.dirs {
        words.push("--solvers".into());
        words.push(dir.to_string_lossy().into_owned());
    }
    if args.skip_bad_problems {
        words.push("--skip-bad-problems".into());
    }
    if let Some(j) = args.jobs {
        words.extend(["--jobs".into(), j.to_string()]);
    }
    if let Some(b) = &args.sandbox_base {
        words.push("--sandbox-base".into());
        words.push(b.to_string_lossy().into_owned());
    }
    if args.executor == ExecutorKind::Slurm {
        words.extend(["--executor".into(), "slurm".into()]);
        if let Some(p) = &args.partition {
            words.extend(["--partition".into(), p.clone()]);
        }
        if let Some(c) = args.chunk {
            words.extend(["--chunk".into(), c.to_string()]);
        }
    }
    crate::signals::shell_words(words.iter().map(String::as_str))
}

/// Refuses a round that requires isolation where runs cannot be isolated; notes what a
/// best-effort round gets.
fn check_isolation(round: &Round) -> Result<(), CliError> {
    use misc_runner::IsolationLevel;
    let Err(why) = misc_runner::namespaces_available() else {
        return Ok(());
    };
    match round.isolation {
        IsolationLevel::None => Ok(()),
        IsolationLevel::Required => Err(CliError::Failed(anyhow::anyhow!(
            "round {} requires isolation (isolation = \"required\", the default), but runs \
             cannot be isolated in namespaces on this machine: {why}\n  fix: {}",
            round.name,
            misc_runner::namespaces_fix()
        ))),
        IsolationLevel::BestEffort => {
            let caps = misc_runner::capabilities();
            note!(
                "note: runs are not isolated in namespaces here ({why}); isolation = \
                 \"best-effort\": solvers run as this user{}",
                match (caps.net_namespace, caps.mount_namespace) {
                    (true, true) => ", without network, with a read-only input",
                    (true, false) => ", without network",
                    _ => "",
                }
            );
            Ok(())
        }
    }
}

/// Per track: solver, counts per outcome, missing runs, CPU time; ranked with the round's
/// rules when the scorer can.
fn print_summary(
    out: &mut impl Write,
    round: &Round,
    store: &Store,
    records: &[RunRecord],
) -> std::io::Result<()> {
    let color = crate::table::colors_on_stdout();
    let scores = store
        .read_manifest()
        .ok()
        .flatten()
        .and_then(|m| misc_score::score_round(&m, records, None).ok());
    for track in &round.tracks {
        let t_scores = scores.as_ref().and_then(|s| s.track(&track.name));
        writeln!(
            out,
            "\ntrack {} ({}, {} semantics): {} problem(s), {} solver(s)",
            track.name,
            track.criteria,
            track.semantics,
            track.problems.len(),
            track.solvers.len()
        )?;
        let mut table = Table::new(&[Align::Right, Align::Left]).indent(2);
        table.row(
            [
                "rank", "solver", "solved", "fail", "abort", "wrong", "missing", "cpu (s)", "score",
            ]
            .map(String::from)
            .to_vec(),
            BOLD,
        );
        // (rank, solver, counts per outcome, missing runs, CPU seconds, score, why not run)
        type Row = (
            u32,
            String,
            [usize; 4],
            usize,
            f64,
            Option<u64>,
            Option<String>,
        );
        let mut rows: Vec<Row> = Vec::new();
        for s in &track.solvers {
            let mut counts = [0usize; 4];
            let mut cpu = 0.0;
            let mut n = 0;
            for r in records
                .iter()
                .filter(|r| r.track == track.name && &r.solver == s)
            {
                if !track.problems.iter().any(|p| p.rel == r.problem) {
                    continue;
                }
                counts[r.outcome as usize] += 1;
                cpu += r.cpu_time;
                n += 1;
            }
            // An entrant that cannot start and has no record did not run: it counts in m
            // (misc-rules.md 7.4) but gets no rank.
            let not_run = match round.solvers.get(s).map(|x| &x.program) {
                Some(Err(why)) if n == 0 => Some(why.clone()),
                _ => None,
            };
            let entry = t_scores.and_then(|t| t.entry(s));
            rows.push((
                entry
                    .filter(|_| not_run.is_none())
                    .map_or(u32::MAX, |e| e.rank),
                s.clone(),
                counts,
                track.problems.len().saturating_sub(n),
                cpu,
                entry.map(|e| e.score),
                not_run,
            ));
        }
        // Places among the entrants that ran: 1 + those ranked strictly better.
        let ranks: Vec<u32> = rows.iter().map(|r| r.0).collect();
        for r in rows.iter_mut().filter(|r| r.0 != u32::MAX) {
            r.0 = 1 + ranks.iter().filter(|&&x| x < r.0).count() as u32;
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        for (rank, s, c, missing, cpu, score, not_run) in rows {
            let mut row = vec![
                if rank == u32::MAX {
                    "-".into()
                } else {
                    rank.to_string()
                },
                s,
            ];
            row.extend(c.iter().chain([&missing]).map(usize::to_string));
            row.push(format!("{cpu:.2}"));
            row.push(score.map_or("-".into(), |v| v.to_string()));
            if let Some(why) = not_run {
                row.push(format!("not run: {why}"));
            }
            table.row(row, Style::new());
        }
        table.write(out, color)?;
    }
    writeln!(out, "\nrecords: {}", store.runs_path().display())
}

/// Runs `misc rejudge`.
pub fn rejudge(args: RejudgeArgs) -> Result<(), CliError> {
    let (round, store, _lock) = open_round(&args.round, &args.solvers)?;
    let report = misc_round::rejudge(&round, &store, args.dry_run)?;
    for (r, why) in &report.skipped {
        note!(
            "note: kept {} / {} / {} as it was: {why}",
            r.track,
            r.solver,
            r.problem
        );
    }
    let out = &mut crate::out::stdout();
    for (old, new) in &report.changed {
        writeln!(
            out,
            "{} / {} / {}: {} -> {}{}",
            old.track,
            old.solver,
            old.problem,
            old.outcome,
            new.outcome,
            if old.outcome == new.outcome {
                " (criteria or violations changed)"
            } else {
                ""
            }
        )?;
    }
    writeln!(
        out,
        "rejudged {} record(s): {} changed{}",
        report.rejudged,
        report.changed.len(),
        match (&report.history, args.dry_run) {
            (_, true) if !report.changed.is_empty() => " (dry run: nothing written)".to_string(),
            (Some(h), _) => format!("; previous records copied to {}", h.display()),
            _ => String::new(),
        }
    )?;
    if !args.dry_run {
        let (records, _) = store.load().map_err(anyhow::Error::from)?;
        print_summary(out, &round, &store, &records)?;
    }
    Ok(())
}

/// Runs the hidden `misc run-chunk` (a cluster task's worker).
pub fn run_chunk(args: RunChunkArgs) -> Result<(), CliError> {
    let chunk = misc_round::Chunk::read(&args.chunk).or_usage()?;
    let _ = misc_runner::cleanup_stale();
    let progress = Progress::new(chunk.runs.len(), true);
    let result =
        progress.tick_while(|| misc_round::run_chunk(chunk, &args.shard, args.jobs, &progress));
    progress.update(true);
    progress.finish();
    match result? {
        s if s.errors == 0 => Ok(()),
        _ => Err(CliError::Incomplete),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        run: RunArgs,
    }

    #[test]
    fn the_resume_command_keeps_the_selection() {
        let w = Wrapper::parse_from([
            "misc",
            "my round",
            "--track",
            "a,b",
            "--problem",
            "p*",
            "-j",
            "3",
            "--rerun",
            "abort",
            "--solvers",
            "/opt/s",
            "--executor",
            "slurm",
            "--partition",
            "debug",
        ]);
        assert_eq!(
            resume_command(&w.run),
            "misc run 'my round' --track a --track b --problem 'p*' --solvers /opt/s --jobs 3 \
             --executor slurm --partition debug"
        );
    }
}
