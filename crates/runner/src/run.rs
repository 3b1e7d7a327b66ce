//! The watchdog: start a run, enforce its limits, end it completely and report what it used.

use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::sys::resource::Resource;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

use crate::cgroup::{self, CgroupLimits, CgroupVersion, RunCgroup};
use crate::spawn::{self, Launch, PoolKey};
use crate::{interrupt, procfs, Measurement, MechanismChoice, RunSpec, RunnerError, Termination};

/// Limits as options: `None` means unlimited.
#[derive(Debug, Clone, Copy)]
struct Lim {
    cpu: Option<f64>,
    wall: Option<f64>,
    memory: Option<u64>,
    output: Option<u64>,
    stdio: Option<u64>,
    warning: f64,
    grace: f64,
    processes: Option<u64>,
}

fn time_limit(t: f64) -> Option<f64> {
    (t.is_finite() && t > 0.0).then_some(t)
}

fn size_limit(b: u64) -> Option<u64> {
    (b != u64::MAX).then_some(b)
}

impl Lim {
    fn of(spec: &RunSpec) -> Lim {
        let output = size_limit(spec.limits.output);
        Lim {
            cpu: time_limit(spec.limits.cpu_time),
            wall: time_limit(spec.limits.wall_time),
            memory: size_limit(spec.limits.memory),
            output,
            stdio: spec.stdio_limit.or(output).and_then(size_limit),
            warning: if spec.limits.warning.is_finite() {
                spec.limits.warning.max(0.0)
            } else {
                0.0
            },
            grace: spec.kill_grace.as_secs_f64(),
            processes: size_limit(spec.max_processes).filter(|n| *n > 0),
        }
    }
}

/// Set once creating a cgroup failed in `Auto` mode, so later runs go straight to `/proc`.
static CGROUPS_BROKEN: AtomicBool = AtomicBool::new(false);

fn auto_version() -> Option<CgroupVersion> {
    static VERSION: OnceLock<Option<CgroupVersion>> = OnceLock::new();
    if CGROUPS_BROKEN.load(Ordering::Relaxed) {
        return None;
    }
    *VERSION.get_or_init(cgroup::usable_version)
}

/// Which kind of shim a run asks for, and whether that choice was forced by the caller.
fn pool_key(spec: &RunSpec) -> (PoolKey, bool) {
    let ns = spec.isolation.namespaces;
    match spec.mechanism {
        MechanismChoice::Proc => ((None, ns), true),
        MechanismChoice::CgroupV1 => ((Some(CgroupVersion::V1), ns), true),
        MechanismChoice::CgroupV2 => ((Some(CgroupVersion::V2), ns), true),
        MechanismChoice::Auto => ((auto_version(), ns), false),
    }
}

/// A shim for `spec`, falling back from cgroups to `/proc` in `Auto` mode: a pre-warmed one
/// (returned with `None`: the caller sets the limits and starts it) or a new one that started
/// the solver at the returned instant.
fn get_shim(
    spec: &RunSpec,
    launch: &Launch,
    limits: CgroupLimits,
) -> Result<(spawn::Shim, Option<Instant>), RunnerError> {
    let (key, forced) = pool_key(spec);
    if let Some(s) = spawn::take_warm(key) {
        return Ok((s, None));
    }
    let start = Instant::now();
    match spawn::start_cold(key, launch, limits) {
        Ok(s) => Ok((s, Some(start))),
        Err(e) if forced || key.0.is_none() => Err(RunnerError::Mechanism {
            mechanism: key.0.map_or("proc".into(), |v| format!("{v:?}")),
            reason: e.to_string(),
        }),
        Err(e) => {
            tracing::warn!("cannot create a run cgroup ({e}); measuring through /proc from now on");
            CGROUPS_BROKEN.store(true, Ordering::Relaxed);
            let start = Instant::now();
            spawn::start_cold((None, key.1), launch, limits)
                .map(|s| (s, Some(start)))
                .map_err(|e| RunnerError::Mechanism {
                    mechanism: "proc".into(),
                    reason: e.to_string(),
                })
        }
    }
}

#[derive(Debug)]
enum Event {
    Pid(i32),
    Status(i32),
    ExecError(i32),
    SandboxFull,
    CopyError(i32),
    ShimGone,
    StdioLimit,
}

async fn read_status(mut rx: pipe::Receiver, tx: mpsc::UnboundedSender<Event>) {
    let mut buf = [0u8; 8];
    while rx.read_exact(&mut buf).await.is_ok() {
        let mut tag = [0u8; 4];
        let mut val = [0u8; 4];
        tag.copy_from_slice(&buf[..4]);
        val.copy_from_slice(&buf[4..]);
        let value = i32::from_ne_bytes(val);
        let ev = match i32::from_ne_bytes(tag) {
            spawn::MSG_PID => Event::Pid(value),
            spawn::MSG_STATUS => Event::Status(value),
            spawn::MSG_EXEC_ERR => Event::ExecError(value),
            spawn::MSG_SANDBOX_FULL => Event::SandboxFull,
            spawn::MSG_COPY_ERR => Event::CopyError(value),
            _ => continue,
        };
        let _ = tx.send(ev);
    }
    let _ = tx.send(Event::ShimGone);
}

/// Reads a stdio pipe to its end, keeping the last `tail` bytes; reports once when more than
/// `limit` bytes came.
async fn read_tail(
    mut rx: pipe::Receiver,
    tail: usize,
    limit: Option<u64>,
    tx: mpsc::UnboundedSender<Event>,
) -> (Vec<u8>, u64) {
    let mut kept: Vec<u8> = Vec::new();
    let mut total: u64 = 0;
    let mut reported = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match rx.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        total += n as u64;
        if tail > 0 {
            kept.extend_from_slice(&buf[..n]);
            if kept.len() > 2 * tail + buf.len() {
                kept.drain(..kept.len() - tail);
            }
        }
        if !reported && limit.is_some_and(|l| total > l) {
            reported = true;
            let _ = tx.send(Event::StdioLimit);
        }
    }
    if kept.len() > tail {
        kept.drain(..kept.len() - tail);
    }
    (kept, total)
}

fn receiver(fd: OwnedFd) -> Result<pipe::Receiver, RunnerError> {
    pipe::Receiver::from_owned_fd(fd).map_err(|e| RunnerError::io("watching the solver's pipes", e))
}

/// A snapshot of the run's resource use while it runs.
#[derive(Debug, Default, Clone, Copy)]
struct Sample {
    cpu: f64,
    memory: u64,
    processes: u64,
}

struct Watch<'a> {
    spec: &'a RunSpec,
    lim: Lim,
    cg: Option<RunCgroup>,
    shim: i32,
    solver: Option<i32>,
    start: Instant,
    ncpu: f64,
    hz: f64,
    page: u64,
    /// The limit the harness enforced, if any.
    reason: Option<Termination>,
    detail: String,
    warned: bool,
    term_sent: Option<Instant>,
    killed: Option<Instant>,
    status: Option<i32>,
    ended: Option<Instant>,
    peak_memory: u64,
    stdio_over: bool,
    /// CPU seconds the last full `/proc` scan took (full scans are kept well apart).
    scan_cost: f64,
    last_full_scan: Option<Instant>,
    /// (pid, start time) of the run's processes found by the last full scan.
    known: Vec<(i32, u64)>,
}

/// After the main process ended, how long the rest of the tree gets to vanish by itself before
/// it is killed (most solvers leave nothing behind, and then no scan is needed).
const LINGER: Duration = Duration::from_millis(2);

impl Watch<'_> {
    fn sample(&mut self) -> Sample {
        let s = match &self.cg {
            Some(cg) => {
                // Without a memory controller (a v2 hierarchy with none), memory and the
                // number of processes are polled from /proc.
                let (memory, processes) = if cg.has_memory() {
                    (0, 0)
                } else {
                    cg.polled_usage(self.shim, self.page)
                };
                Sample {
                    cpu: cg.cpu().map_or(0.0, |c| c.total),
                    memory,
                    processes,
                }
            }
            None => {
                // A full scan of /proc finds new processes; in between, only the processes
                // already known are read (a new process has used little CPU when it is found,
                // and a dead one is counted in its reaper's children's time).
                // Full scans cost up to 5 % of a core, and come at least every 250 ms so that a
                // fork bomb is seen in time.
                let every = (20.0 * self.scan_cost).clamp(0.1, 0.25);
                let full = self
                    .last_full_scan
                    .is_none_or(|t| t.elapsed().as_secs_f64() >= every);
                let (desc, shim_stat) = if full {
                    let t = thread_cpu();
                    let snap = procfs::snapshot();
                    self.scan_cost = thread_cpu() - t;
                    self.last_full_scan = Some(Instant::now());
                    let desc = procfs::descendants(self.shim, &snap);
                    self.known = desc.iter().map(|p| (p.pid, p.starttime)).collect();
                    let shim = snap.iter().find(|p| p.pid == self.shim).copied();
                    (desc, shim)
                } else {
                    let desc: Vec<procfs::ProcStat> = self
                        .known
                        .iter()
                        .filter_map(|&(pid, start)| {
                            procfs::read_stat(pid).filter(|s| s.starttime == start)
                        })
                        .collect();
                    (desc, procfs::read_stat(self.shim))
                };
                let reaped = shim_stat.map_or(0, |p| p.cutime + p.cstime);
                let ticks: u64 =
                    desc.iter().map(procfs::ProcStat::total_ticks).sum::<u64>() + reaped;
                Sample {
                    cpu: ticks as f64 / self.hz,
                    memory: desc.iter().map(|p| p.rss).sum::<u64>() * self.page,
                    processes: desc.len() as u64,
                }
            }
        };
        self.peak_memory = self.peak_memory.max(s.memory);
        s
    }

    fn signal_tree(&self, sig: i32) {
        match &self.cg {
            Some(cg) => {
                cg.signal_all(sig, Some(self.shim));
            }
            None => {
                let snap = procfs::snapshot();
                if let Ok(sig) = Signal::try_from(sig) {
                    for p in procfs::descendants(self.shim, &snap) {
                        let _ = kill(Pid::from_raw(p.pid), sig);
                    }
                }
            }
        }
    }

    /// SIGKILLs every process of the run except the shim, which then exits by itself.
    fn kill_tree(&mut self) {
        if self.killed.is_none() {
            self.killed = Some(Instant::now());
        }
        match &self.cg {
            Some(cg) => {
                cg.kill_all(Some(self.shim));
            }
            None => {
                // (An isolated solver's pid means nothing here: it is one of its namespace.)
                if let Some(solver) = self.solver.filter(|_| !self.spec.isolation.namespaces) {
                    let _ = kill(Pid::from_raw(-solver), Signal::SIGKILL);
                }
                for _ in 0..100 {
                    let snap = procfs::snapshot();
                    let desc = procfs::descendants(self.shim, &snap);
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

    fn limit_reached(&mut self, reason: Termination, detail: String, graceful: bool) {
        if self.reason.is_some() || self.status.is_some() {
            return;
        }
        tracing::debug!("run {}: {detail}", self.shim);
        self.reason = Some(reason);
        self.detail = detail;
        if graceful {
            self.signal_tree(libc::SIGTERM);
            self.term_sent = Some(Instant::now());
        } else {
            self.kill_tree();
        }
    }

    fn output_size(&self) -> Option<u64> {
        let path = self.spec.output_file.as_ref()?;
        std::fs::metadata(path).ok().map(|m| m.len())
    }

    /// Checks every limit against a fresh sample and acts.
    fn check(&mut self, s: Sample) {
        let elapsed = self.start.elapsed().as_secs_f64();
        if self.status.is_some() {
            if self.killed.is_none() && self.ended.is_some_and(|e| e.elapsed() >= LINGER) {
                // The main process ended: whatever it left behind goes now.
                self.kill_tree();
            }
            return;
        }
        let cgroup_memory = self.cg.as_ref().is_some_and(RunCgroup::has_memory);
        if let Some(cg) = self.cg.as_ref().filter(|_| cgroup_memory) {
            if self.lim.memory.is_some() && cg.oom_kills() > 0 {
                let d = format!(
                    "memory limit of {} bytes reached (the kernel's OOM killer acted)",
                    self.lim.memory.unwrap_or(0)
                );
                self.limit_reached(Termination::MemoryLimit, d, false);
            }
        } else {
            if let Some(m) = self.lim.memory.filter(|m| s.memory > *m) {
                let d = format!("memory limit of {m} bytes reached ({} bytes)", s.memory);
                self.limit_reached(Termination::MemoryLimit, d, false);
            }
            if let Some(n) = self.lim.processes.filter(|n| s.processes > *n) {
                // There is no termination class for this; it ends as a signalled run.
                if self.reason.is_none() && self.killed.is_none() {
                    self.detail =
                        format!("process limit of {n} exceeded ({} processes)", s.processes);
                    self.kill_tree();
                }
            }
        }
        if self.stdio_over {
            let d = format!(
                "stdout or stderr exceeded {} bytes",
                self.lim.stdio.unwrap_or(0)
            );
            self.limit_reached(Termination::OutputLimit, d, false);
        }
        if let Some(l) = self.lim.output {
            if let Some(size) = self.output_size().filter(|size| *size > l) {
                let d = format!("output file exceeded {l} bytes ({size} bytes)");
                self.limit_reached(Termination::OutputLimit, d, false);
            }
        }
        if let Some(cpu) = self.lim.cpu {
            if !self.warned && self.lim.warning > 0.0 && s.cpu >= cpu - self.lim.warning {
                self.warned = true;
                // An isolated solver's pid is one of its own PID namespace: the shim, PID 1
                // there, forwards the signal.
                let target = if self.spec.isolation.namespaces {
                    Some(self.shim)
                } else {
                    self.solver
                };
                if let (Some(pid), Ok(sig)) = (target, Signal::try_from(self.spec.warning_signal)) {
                    let _ = kill(Pid::from_raw(pid), sig);
                }
            }
            if s.cpu >= cpu {
                let d = format!("CPU time limit of {cpu} s reached");
                self.limit_reached(Termination::CpuLimit, d, true);
            }
        }
        if let Some(wall) = self.lim.wall {
            if elapsed >= wall {
                let d = format!("wall-clock limit of {wall} s reached");
                self.limit_reached(Termination::WallLimit, d, true);
            }
        }
        if let (Some(t), None) = (self.term_sent, self.killed) {
            let cpu_over = self.lim.cpu.is_some_and(|c| s.cpu >= c + self.lim.grace);
            if cpu_over || t.elapsed().as_secs_f64() >= self.lim.grace {
                self.kill_tree();
            }
        }
    }

    /// How long to sleep before the next check.
    fn next_tick(&self, s: Sample) -> Duration {
        let min = if self.cg.is_some() { 0.002 } else { 0.005 };
        if self.status.is_some() && self.killed.is_none() {
            return LINGER;
        }
        let mut t: f64 = 0.05;
        if self.killed.is_some() {
            return Duration::from_secs_f64(min);
        }
        if let Some(cpu) = self.lim.cpu {
            let target = if self.term_sent.is_some() {
                cpu + self.lim.grace
            } else if !self.warned && self.lim.warning > 0.0 {
                cpu - self.lim.warning
            } else {
                cpu
            };
            t = t.min((target - s.cpu) / self.ncpu);
        }
        if let Some(wall) = self.lim.wall {
            t = t.min(wall - self.start.elapsed().as_secs_f64());
        }
        if let Some(ts) = self.term_sent {
            t = t.min(self.lim.grace - ts.elapsed().as_secs_f64());
        }
        Duration::from_secs_f64(t.max(min))
    }
}

/// CPU seconds used by the calling thread (what a `/proc` scan really costs, unlike wall time on
/// a loaded machine).
fn thread_cpu() -> f64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_or(0.0, |ts| ts.tv_sec() as f64 + ts.tv_nsec() as f64 / 1e9)
}

/// Reaps the shim, returning its wait status and resource usage. Called once its status pipe
/// has closed, i.e. while it is exiting: it is a zombie within microseconds, so a short spin
/// avoids a timer tick.
async fn reap(pid: i32) -> Option<(i32, libc::rusage)> {
    let mut spins = 0u32;
    loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value to be overwritten.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to local variables.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG | libc::__WALL, &mut ru) };
        if r == pid {
            return Some((status, ru));
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return None;
        }
        spins += 1;
        if spins < 200 {
            tokio::task::yield_now().await;
            std::thread::yield_now();
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

fn tv(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

fn rlimits(lim: &Lim) -> Vec<(Resource, u64, u64)> {
    let mut v = vec![(Resource::RLIMIT_CORE, 0, 0)];
    if let Some(cpu) = lim.cpu {
        // A backstop only: per process, one second after the limit.
        let soft = cpu.ceil() as u64 + 1;
        v.push((Resource::RLIMIT_CPU, soft, soft + 1));
    }
    if let Some(out) = lim.output {
        let l = out.saturating_add(1);
        v.push((Resource::RLIMIT_FSIZE, l, l));
    }
    v
}

fn failed_to_start(spec: &RunSpec, measured_by: String, wall: f64, why: String) -> Measurement {
    Measurement {
        termination: Termination::FailedToStart,
        exit_code: None,
        signal: None,
        cpu_time: 0.0,
        user_time: 0.0,
        system_time: 0.0,
        wall_time: wall,
        memory: 0,
        measured_by,
        warning_sent: false,
        stdout_tail: String::new(),
        stderr_tail: String::new(),
        stdout_bytes: 0,
        stderr_bytes: 0,
        output_bytes: None,
        detail: format!("cannot execute {}: {why}", spec.program.display()),
        isolation: spec.isolation.describe().to_owned(),
    }
}

/// Folders every namespaced run gets as private, empty, writable tmpfs.
const PRIVATE_DIRS: [&str; 4] = ["/tmp", "/var/tmp", "/dev/shm", "/run"];
/// Folders every namespaced run finds empty (besides the run's own hidden folders).
const HIDDEN_DIRS: [&str; 2] = ["/root", "/home"];

/// Adds the namespace settings to `launch`: what is hidden, private and kept visible, the
/// sandbox (handed to the solver's uid when the harness is root), the tmpfs sizes.
fn namespaced(mut launch: Launch, spec: &RunSpec) -> Result<Launch, RunnerError> {
    use std::path::{Path, PathBuf};
    let iso = &spec.isolation;
    let ids = spawn::IdMap::current();
    let mut hidden: Vec<PathBuf> = HIDDEN_DIRS.iter().map(PathBuf::from).collect();
    hidden.extend(iso.hidden.iter().cloned());
    // Other runs' sandboxes sit beside this one.
    if let Some(parent) = iso.sandbox.as_deref().and_then(Path::parent) {
        if parent.parent().is_some() {
            hidden.push(parent.to_path_buf());
        }
    }
    hidden.retain(|p| p.is_dir());
    hidden.sort_by_key(|p| (p.components().count(), p.clone()));
    hidden.dedup();
    let private: Vec<PathBuf> = PRIVATE_DIRS.iter().map(PathBuf::from).collect();
    let mut readonly = iso.readonly.clone();
    // The program must stay visible even when it lies in a hidden or private folder (a solver
    // built under /tmp, e.g. a project cloned there).
    if hidden
        .iter()
        .chain(&private)
        .any(|h| launch.path.starts_with(h))
    {
        if let Some(dir) = launch.path.parent() {
            readonly.insert(0, dir.to_path_buf());
        }
    }
    let mut sandbox_dirs = Vec::new();
    let mut output = None;
    if let Some(sb) = &iso.sandbox {
        // Its folders are made again in the run's own tmpfs (the input is bound there).
        let entries =
            std::fs::read_dir(sb).map_err(|e| RunnerError::io("reading the sandbox", e))?;
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                sandbox_dirs.push(PathBuf::from(e.file_name()));
            }
        }
        sandbox_dirs.sort();
        // The output file is copied from the tmpfs to the host folder after the run, by the
        // shim as the solver's user: that folder becomes the solver's when the harness is root.
        output = spec
            .output_file
            .clone()
            .filter(|o| o.starts_with(sb) && o.parent().is_some_and(Path::is_dir));
        if let (Some(dir), true) = (output.as_deref().and_then(Path::parent), ids.privileged) {
            nix::unistd::chown(
                dir,
                Some(nix::unistd::Uid::from_raw(ids.uid)),
                Some(nix::unistd::Gid::from_raw(ids.gid)),
            )
            .map_err(|e| {
                RunnerError::io("handing the output folder to the solver's user", e.into())
            })?;
        }
    }
    let size = iso
        .sandbox_size
        .unwrap_or(crate::DEFAULT_SANDBOX_SIZE)
        .max(1 << 20);
    launch.readonly = readonly;
    launch.ns = Some(spawn::NsLaunch {
        hidden,
        private,
        sandbox: iso.sandbox.clone(),
        sandbox_dirs,
        private_opts: format!("mode=1777,size={size}"),
        sandbox_opts: format!("mode=0700,uid={},gid={},size={size}", ids.uid, ids.gid),
        output,
        ids,
    });
    Ok(launch)
}

fn os_bytes(k: &std::ffi::OsStr, v: &std::ffi::OsStr) -> Vec<u8> {
    let mut e = k.as_bytes().to_vec();
    e.push(b'=');
    e.extend_from_slice(v.as_bytes());
    e
}

/// Runs `spec` to the end and measures it. Returns only once no process of the run is left.
pub async fn run(spec: &RunSpec) -> Result<Measurement, RunnerError> {
    if interrupt::interrupted().is_some() {
        return Err(RunnerError::Interrupted);
    }
    let lim = Lim::of(spec);
    let path_var = spec
        .env
        .iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.as_os_str());
    let (key, _) = pool_key(spec);
    let key_name = key.0.map_or("proc", |v| match v {
        CgroupVersion::V1 => "cgroup-v1",
        CgroupVersion::V2 => "cgroup-v2",
    });
    let Some(path) = spawn::resolve(&spec.program, path_var) else {
        let why = std::io::Error::from_raw_os_error(libc::ENOENT).to_string();
        return Ok(failed_to_start(spec, key_name.into(), 0.0, why));
    };
    let cwd = if spec.work_dir.is_absolute() {
        spec.work_dir.clone()
    } else {
        std::env::current_dir()
            .map_err(|e| RunnerError::io("the current directory", e))?
            .join(&spec.work_dir)
    };
    let mut argv = vec![spec.program.as_os_str().as_bytes().to_vec()];
    argv.extend(spec.args.iter().map(|a| a.as_bytes().to_vec()));
    let launch = Launch {
        path,
        argv,
        envp: spec.env.iter().map(|(k, v)| os_bytes(k, v)).collect(),
        cwd,
        readonly: spec.isolation.readonly.clone(),
        rlimits: rlimits(&lim),
        cpu: spec.cpu_core,
        new_net: spec.isolation.no_network,
        ns: None,
    };
    let launch = if spec.isolation.namespaces {
        namespaced(launch, spec)?
    } else {
        launch
    };

    let cg_limits = CgroupLimits {
        memory: lim.memory,
        pids: lim.processes,
    };
    let (mut shim, started) = get_shim(spec, &launch, cg_limits)?;
    let mut cg = shim.cgroup.take();
    // From here on an interrupt reaches this run's tree (see `interrupt`).
    let registration = interrupt::register(shim.pid, cg.as_ref());
    if started.is_none() {
        if let Some(c) = cg.as_mut() {
            c.start(cg_limits)
                .map_err(|e| RunnerError::io("setting the cgroup's limits", e))?;
        }
    }
    let measured_by = cg
        .as_ref()
        .map_or("proc", RunCgroup::mechanism_name)
        .to_owned();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let pipe_err = |e| RunnerError::io("the shim's pipes", e);
    let status_rx = receiver(shim.take_status().map_err(pipe_err)?)?;
    let out_rx = receiver(shim.take_stdout().map_err(pipe_err)?)?;
    let err_rx = receiver(shim.take_stderr().map_err(pipe_err)?)?;
    let start = match started {
        Some(t) => t,
        None => {
            let t = Instant::now();
            shim.go(&launch)
                .map_err(|e| RunnerError::io("starting the solver", e))?;
            t
        }
    };
    spawn::refill(pool_key(spec).0);
    tokio::spawn(read_status(status_rx, tx.clone()));
    let out_task = tokio::spawn(read_tail(out_rx, spec.tail_bytes, lim.stdio, tx.clone()));
    let err_task = tokio::spawn(read_tail(err_rx, spec.tail_bytes, lim.stdio, tx.clone()));
    drop(tx);

    let ncpu = if spec.cpu_core.is_some() {
        1.0
    } else {
        // Once per harness: the standard library reads cgroup files (and on cgroup v1 all of
        // `/proc/self/mountinfo`) for it, which took a visible part of a short run.
        static NCPU: OnceLock<f64> = OnceLock::new();
        *NCPU.get_or_init(|| std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64))
    };
    let mut w = Watch {
        spec,
        lim,
        cg,
        shim: shim.pid,
        solver: None,
        start,
        ncpu,
        hz: procfs::clock_ticks(),
        page: procfs::page_size(),
        reason: None,
        detail: String::new(),
        warned: false,
        term_sent: None,
        killed: None,
        status: None,
        ended: None,
        peak_memory: 0,
        stdio_over: false,
        scan_cost: 0.0,
        last_full_scan: None,
        known: Vec::new(),
    };
    let mut exec_error: Option<i32> = None;
    let (mut sandbox_full, mut copy_error) = (false, None);
    let mut sample = Sample::default();
    loop {
        let tick = w.next_tick(sample);
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(Event::Pid(p)) => w.solver = Some(p),
                Some(Event::Status(st)) => {
                    w.status = Some(st);
                    w.ended = Some(Instant::now());
                }
                Some(Event::ExecError(v)) => exec_error = Some(v),
                Some(Event::SandboxFull) => sandbox_full = true,
                Some(Event::CopyError(e)) => copy_error = Some(e),
                Some(Event::StdioLimit) => w.stdio_over = true,
                Some(Event::ShimGone) | None => break,
            },
            _ = tokio::time::sleep(tick) => sample = w.sample(),
        }
        w.check(sample);
        if w.killed.is_none() && interrupt::interrupted().is_some() {
            w.kill_tree();
        }
        if w.killed
            .is_some_and(|k| k.elapsed() > Duration::from_secs(10))
        {
            // The shim should have exited long ago; make sure the run ends.
            tracing::warn!("run {}: the shim did not exit; killing it", w.shim);
            let _ = kill(Pid::from_raw(w.shim), Signal::SIGKILL);
        }
    }
    let ended = w.ended.unwrap_or_else(Instant::now);
    drop(registration);
    let reaped = reap(w.shim).await;
    if reaped.is_some() {
        shim.set_reaped();
    }
    // Whatever the shim could not reap (it was killed) is still in the cgroup. A shim that
    // exited by itself did so only once it had no process left to reap.
    let shim_exited = reaped.is_some_and(|(st, _)| libc::WIFEXITED(st));
    if let (Some(cg), false) = (&w.cg, shim_exited) {
        cg.kill_all(None);
    }
    let wait_tail = |t: tokio::task::JoinHandle<(Vec<u8>, u64)>| async move {
        tokio::time::timeout(Duration::from_secs(2), t)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    };
    let (out_tail, out_bytes) = wait_tail(out_task).await;
    let (err_tail, err_bytes) = wait_tail(err_task).await;

    let (mut cpu_time, mut user_time, mut system_time, mut memory) = (0.0, 0.0, 0.0, w.peak_memory);
    if let Some((_, ru)) = &reaped {
        user_time = tv(ru.ru_utime);
        system_time = tv(ru.ru_stime);
        cpu_time = user_time + system_time;
        memory = memory.max((ru.ru_maxrss.max(0) as u64) * 1024);
    }
    let mut oom = 0;
    if let Some(cg) = &w.cg {
        if let Some(c) = cg.cpu() {
            (cpu_time, user_time, system_time) = (c.total, c.user, c.system);
        }
        memory = cg.memory_peak().or(cg.memory_current()).unwrap_or(memory);
        oom = cg.oom_kills();
    }
    if let Some(mut cg) = w.cg.take() {
        if let Err(e) = cg.remove() {
            tracing::warn!("run {}: {e}", w.shim);
        }
    }
    drop(shim);
    if interrupt::interrupted().is_some() {
        // Killed by the interrupt, or ended while the harness was stopping: not a measurement.
        return Err(RunnerError::Interrupted);
    }
    if let Some(e) = copy_error {
        return Err(RunnerError::io(
            "copying the output file out of the run's sandbox",
            std::io::Error::from_raw_os_error(e),
        ));
    }

    if let Some(v) = exec_error {
        let step = spawn::STEP_NAMES
            .get((v >> 16) as usize)
            .copied()
            .unwrap_or("setup");
        let err = std::io::Error::from_raw_os_error(v & 0xffff);
        let why = if step == "exec" {
            err.to_string()
        } else {
            format!("{step}: {err}")
        };
        let mut m = failed_to_start(
            spec,
            measured_by,
            ended.duration_since(start).as_secs_f64(),
            why,
        );
        (m.cpu_time, m.user_time, m.system_time) = (cpu_time, user_time, system_time);
        m.stderr_tail = String::from_utf8_lossy(&err_tail).into_owned();
        return Ok(m);
    }

    let (exit_code, signal) = match w.status {
        Some(st) if libc::WIFEXITED(st) => (Some(libc::WEXITSTATUS(st)), None),
        Some(st) if libc::WIFSIGNALED(st) => (None, Some(libc::WTERMSIG(st))),
        _ => (None, None),
    };
    let output_bytes = w.output_size();
    let over_output = w
        .lim
        .output
        .is_some_and(|l| output_bytes.is_some_and(|s| s > l));
    let mut detail = w.detail.clone();
    let termination = if let Some(r) = w.reason {
        r
    } else if oom > 0 && w.lim.memory.is_some() {
        detail = "memory limit reached (the kernel's OOM killer acted)".into();
        Termination::MemoryLimit
    } else if signal == Some(libc::SIGXCPU) || w.lim.cpu.is_some_and(|c| cpu_time > c) {
        detail = "CPU time limit reached".into();
        Termination::CpuLimit
    } else if signal == Some(libc::SIGXFSZ) || over_output || w.stdio_over {
        detail = "output limit reached".into();
        Termination::OutputLimit
    } else if sandbox_full {
        let size = spec
            .isolation
            .sandbox_size
            .unwrap_or(crate::DEFAULT_SANDBOX_SIZE);
        detail = format!(
            "the sandbox (working folder, TMPDIR and output file: {size} bytes) was full at the end \
             of the run; {}",
            match (exit_code, signal) {
                (Some(c), _) => format!("the solver exited with code {c}"),
                (None, Some(s)) => format!("the solver was killed by signal {s}"),
                _ => "the solver's status is unknown".to_owned(),
            }
        );
        Termination::OutputLimit
    } else if w
        .lim
        .wall
        .is_some_and(|l| ended.duration_since(start).as_secs_f64() > l)
    {
        detail = "wall-clock limit reached".into();
        Termination::WallLimit
    } else if let Some(code) = exit_code {
        if detail.is_empty() {
            detail = format!("exited with code {code}");
        }
        Termination::Exited
    } else if let Some(sig) = signal {
        if detail.is_empty() {
            detail = format!("killed by signal {sig}");
        }
        Termination::Signalled
    } else {
        detail = "the run ended without reporting the solver's status".into();
        Termination::Signalled
    };
    Ok(Measurement {
        termination,
        exit_code,
        signal,
        cpu_time,
        user_time,
        system_time,
        wall_time: ended.duration_since(start).as_secs_f64(),
        memory,
        measured_by,
        warning_sent: w.warned,
        stdout_tail: String::from_utf8_lossy(&out_tail).into_owned(),
        stderr_tail: String::from_utf8_lossy(&err_tail).into_owned(),
        stdout_bytes: out_bytes,
        stderr_bytes: err_bytes,
        output_bytes,
        detail,
        isolation: spec.isolation.describe().to_owned(),
    })
}
