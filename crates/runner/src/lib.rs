//! Runs one solver invocation under MISC limits in a sandbox, measures it and kills its whole
//! process tree.
//!
//! # How a run works
//!
//! [`run`] starts the solver through a small *shim* process forked from the harness. The shim
//! joins the run's cgroup (if any), starts a new session, makes itself a child subreaper
//! (`PR_SET_CHILD_SUBREAPER`), closes every descriptor it does not need and waits for its
//! orders. The harness then passes the solver's path, argv, environment, working directory,
//! rlimits, CPU pin and namespace settings through shared memory, and the shim starts the
//! solver (`clone(CLONE_VM | CLONE_VFORK)` on a stack of its own, as `posix_spawn` does: no
//! copy of the shim's memory), which gets its own process group, `PR_SET_PDEATHSIG`, default signal dispositions,
//! stdin on `/dev/null` and stdout/stderr on pipes to the harness before it execs with exactly
//! the given environment. Every process the solver ever starts, including double-forked daemons
//! in new sessions, is a descendant of the shim (orphans are reparented to it) and, with cgroups,
//! a member of the run cgroup. The shim reaps them all, reports the solver's pid and exit status
//! (or why it could not be started) over a status pipe, and exits when none is left; the end of
//! that pipe is therefore the end of the run.
//!
//! Joining a cgroup v1 waits for an RCU grace period (about 7–10 ms here), so a harness that runs
//! many solvers can keep shims ready in advance with [`set_prewarm`] (and should call
//! [`shutdown`] before exiting); a pre-warmed run starts in well under a millisecond.
//!
//! An async watchdog polls CPU time and memory at an interval that shrinks as the limit comes
//! near (at least every 50 ms, at most every 2 ms), so enforcement overshoots a limit by a few
//! milliseconds, not by a second as BenchExec's watchdog may. Reaching the CPU limit minus the
//! warning time sends the warning signal (SIGUSR1) to the solver; reaching the CPU or the wall
//! limit sends SIGTERM to every process of the run and SIGKILL after a short grace (counted in
//! wall time and in CPU time). Memory, output and stdout/stderr limits kill at once.
//!
//! # Measuring mechanisms (recorded in [`Measurement::measured_by`])
//!
//! - `cgroup-v2` / `cgroup-v1`: one cgroup per run, below the harness's own cgroup, entered by the
//!   shim before exec, so nothing escapes measurement. CPU time comes from `cpu.stat` or
//!   `cpuacct.usage` (nanoseconds), peak memory from `memory.peak` or
//!   `memory.max_usage_in_bytes`, memory is limited by `memory.max` or `memory.limit_in_bytes`
//!   (OOM kills are read back as the memory limit), processes by `pids.max`, and the tree is
//!   killed by freezing the cgroup, SIGKILLing every member and thawing it, until it is empty.
//! - `proc`: where no cgroup is writable. The watchdog scans `/proc` for the shim's descendants
//!   and sums their CPU ticks and resident memory; the final CPU time is the exact `wait4`
//!   resource usage of the shim, which covers every process of the run because the shim reaped
//!   them all. Memory and the number of processes are enforced by polling; each process also gets
//!   `RLIMIT_CPU` (limit + 1 s) as a backstop.
//!
//! In both, `RLIMIT_FSIZE` (output limit + 1 byte) bounds every file a solver writes and
//! `RLIMIT_CORE` is 0.
//!
//! # Isolation ([`Isolation`], [`IsolationLevel`])
//!
//! With [`Isolation::namespaces`], the shim is cloned into new user, mount, PID, IPC, UTS and
//! network namespaces and is PID 1 there: it forwards the warning signal to the solver and
//! SIGTERM to every process of the namespace, reaps them all, and the kernel kills whatever is
//! left when it exits. Before starting the solver it makes the host read-only, gives the run
//! private empty `/tmp`, `/var/tmp`, `/dev/shm` and `/run`, hides `/root`, `/home` and
//! [`Isolation::hidden`] behind empty tmpfs, mounts the solver's own tmpfs of
//! [`Isolation::sandbox_size`] bytes over the sandbox (its `work`, `tmp` and `out`, the input
//! bound read-only), binds [`Isolation::readonly`] read-only, and mounts a fresh `/proc`. When
//! every process of the run is gone, the shim reports a full sandbox (an
//! [`Termination::OutputLimit`]) and copies the output file, if it is a regular file, to the
//! host's sandbox, where the harness reads it: no host folder is writable by the solver. A root harness maps only `nobody` (uid and gid 65534) into the user namespace and
//! the solver switches to it, so it holds no capability anywhere; an unprivileged harness maps
//! only its own ids. Every solver starts with `no_new_privs`. [`namespaces_available`] tries
//! one isolated run to tell whether a machine allows all this. A root harness reuses empty
//! network namespaces, one per shim at a time, instead of making and destroying one per run
//! (the costliest namespace by far).
//!
//! # Invariants
//!
//! - When [`run`] returns, no process of the run is alive: the shim exits only when it has no
//!   children, and the harness waits for it.
//! - If the harness itself dies, the shim and the solver die with it (`PR_SET_PDEATHSIG`). That
//!   signal is tied to the *thread* that forked, so shims are forked either by the thread calling
//!   [`run`] (a runtime thread, which outlives the run) or by one forker thread that lives as long
//!   as the process. Deeper descendants stay in the run cgroup, which [`cleanup_stale`] kills and
//!   removes; the first cgroup run of every harness process calls it. Without cgroups such
//!   descendants can survive a SIGKILLed harness.
//! - Run cgroups are created below the harness's own cgroup in every hierarchy and named
//!   `misc-<harness pid>-<harness start time>-<n>`, so their owner is unambiguous.
//! - A solver that cannot be started is a [`Termination::FailedToStart`] measurement; a
//!   [`RunnerError`] means the harness could not do its job.
//! - Once the harness is interrupted ([`interrupt::interrupt`], on SIGINT/SIGTERM/SIGHUP), no
//!   run starts and every run in flight is killed whole and ends with
//!   [`RunnerError::Interrupted`], never with a measurement: nothing partial is judged.
#![warn(missing_docs)]

mod cgroup;
mod doctor;
pub mod interrupt;
mod netns;
pub mod procfs;
mod run;
mod sandbox;
mod spawn;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub use cgroup::{cleanup_stale, CgroupVersion};
pub use doctor::{capabilities, namespaces_available, namespaces_fix, Capabilities, Check};
pub use misc_results::{Limits, Termination};
pub use run::run;
pub use sandbox::Sandbox;
pub use spawn::{set_prewarm, shutdown};

/// A failure of the harness (never of the solver: solver outcomes are [`Measurement`]s).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// An operating-system call of the harness failed (not the solver's).
    #[error("{context}: {source}")]
    Io {
        /// What the harness was doing, e.g. `watching the solver's pipes`.
        context: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// No run process could be started under the mechanism asked for (or under `/proc`, the
    /// last resort).
    #[error("cannot use the requested mechanism {mechanism}: {reason}")]
    Mechanism {
        /// The mechanism that failed (`CgroupV1`, `CgroupV2` or `proc`).
        mechanism: String,
        /// Why, as the failed call said.
        reason: String,
    },
    /// Setting up the solver's process failed before it started.
    #[error("setting up the solver's process failed (errno {errno}: {message})")]
    Setup {
        /// The `errno` of the failed call.
        errno: i32,
        /// The failed step, in words.
        message: String,
    },
    /// The harness was interrupted ([`interrupt::interrupt`]): the run was not started, or its
    /// tree was killed; it has no measurement and must not be recorded.
    #[error("interrupted: the run was stopped and is not recorded")]
    Interrupted,
}

impl RunnerError {
    pub(crate) fn io(context: &'static str, source: std::io::Error) -> RunnerError {
        RunnerError::Io { context, source }
    }
}

/// Which mechanism measures and confines a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MechanismChoice {
    /// cgroup v2 if usable, else cgroup v1, else `/proc` polling.
    #[default]
    Auto,
    /// Force cgroup v1 (an error if the v1 controllers are not usable).
    CgroupV1,
    /// Force cgroup v2 (an error if no v2 cgroup with the needed controllers can be made).
    CgroupV2,
    /// rlimits, a new session, a subreaper and `/proc` polling, even if cgroups are available.
    Proc,
}

/// How strongly a round (or `misc exec`) isolates its runs: the `isolation` key of a round.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum IsolationLevel {
    /// Every run in its own namespaces ([`Isolation::namespaces`]); a harness refuses to start
    /// where they cannot be had (see [`namespaces_available`]).
    #[default]
    Required,
    /// Namespaces where the machine allows them, else what it allows (no network, a read-only
    /// input when root: [`Isolation::auto`]).
    BestEffort,
    /// No isolation at all: the solver runs as the harness's user, in the harness's namespaces.
    None,
}

impl IsolationLevel {
    /// Every level, in the order of the documentation.
    pub const ALL: [IsolationLevel; 3] = [
        IsolationLevel::Required,
        IsolationLevel::BestEffort,
        IsolationLevel::None,
    ];

    /// The name used in `competition.toml`, flags and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            IsolationLevel::Required => "required",
            IsolationLevel::BestEffort => "best-effort",
            IsolationLevel::None => "none",
        }
    }
}

impl std::fmt::Display for IsolationLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IsolationLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<IsolationLevel, String> {
        IsolationLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown isolation {s:?} (required, best-effort, none)"))
    }
}

/// How one run is isolated from the machine and from the other runs.
///
/// With [`Isolation::namespaces`] the solver runs in new user, mount, PID, IPC, UTS and network
/// namespaces (see the crate docs for what it can see); otherwise `no_network` and `readonly`
/// give the partial isolation a machine without user namespaces allows to root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Isolation {
    /// Run in new user, mount, PID, IPC, UTS and network namespaces.
    pub namespaces: bool,
    /// Run the solver in a new, empty network namespace (only loopback, down).
    pub no_network: bool,
    /// Directories bind-mounted read-only: the input directory; with `namespaces` also the
    /// solver's folder and its program's folder, visible even below a hidden folder.
    pub readonly: Vec<PathBuf>,
    /// With `namespaces`: folders hidden behind an empty read-only tmpfs (the round folder, the
    /// folders holding the entrants), besides `/root` and `/home`, which are always hidden.
    pub hidden: Vec<PathBuf>,
    /// With `namespaces`: the run's sandbox root. The solver finds there a private tmpfs of
    /// [`Isolation::sandbox_size`] bytes, its own, with the sandbox's folders (`work`, `tmp`,
    /// `out`) and the input bound read-only; the output file is copied from it to the host
    /// folder after the run. No host folder is writable.
    pub sandbox: Option<PathBuf>,
    /// With `namespaces`: the size of the sandbox's tmpfs, and of each private `/tmp`-like
    /// folder ([`DEFAULT_SANDBOX_SIZE`] when `None`). A run that ends with it full is an
    /// [`Termination::OutputLimit`].
    pub sandbox_size: Option<u64>,
}

/// The default size of an isolated run's sandbox (1 GiB, MISC's memory limit): its working
/// folder, `TMPDIR` and output file together.
pub const DEFAULT_SANDBOX_SIZE: u64 = 1 << 30;

impl Isolation {
    /// No network and the given read-only directories if this machine allows it, nothing
    /// otherwise (the partial isolation of a machine without user namespaces).
    pub fn auto(readonly: Vec<PathBuf>) -> Isolation {
        let caps = capabilities();
        Isolation {
            no_network: caps.net_namespace,
            readonly: if caps.mount_namespace {
                readonly
            } else {
                Vec::new()
            },
            ..Isolation::default()
        }
    }

    /// Full isolation of a run in `sandbox`: its input read-only, `readonly` folders visible
    /// read-only (the solver's folder, its program's folder), `hidden` folders hidden.
    pub fn namespaced(
        sandbox: &Sandbox,
        readonly: Vec<PathBuf>,
        hidden: Vec<PathBuf>,
    ) -> Isolation {
        let mut ro = readonly;
        ro.push(sandbox.input_dir());
        Isolation {
            namespaces: true,
            no_network: true,
            readonly: ro,
            hidden,
            sandbox: Some(sandbox.root().to_path_buf()),
            sandbox_size: None,
        }
    }

    /// What a run of `level` gets on this machine: namespaces when available (a `Required`
    /// level without them is the caller's error to report, see [`namespaces_available`]), else
    /// [`Isolation::auto`] for `BestEffort`, nothing for `None`.
    pub fn for_level(
        level: IsolationLevel,
        sandbox: &Sandbox,
        readonly: Vec<PathBuf>,
        hidden: Vec<PathBuf>,
    ) -> Isolation {
        match level {
            IsolationLevel::None => Isolation::default(),
            _ if namespaces_available().is_ok() => Isolation::namespaced(sandbox, readonly, hidden),
            IsolationLevel::Required => Isolation::namespaced(sandbox, readonly, hidden),
            IsolationLevel::BestEffort => Isolation::auto(vec![sandbox.input_dir()]),
        }
    }

    /// A short description for records and manifests: `namespaces`, `partial` or `none`.
    pub fn describe(&self) -> &'static str {
        if self.namespaces {
            "namespaces"
        } else if self.no_network || !self.readonly.is_empty() {
            "partial"
        } else {
            "none"
        }
    }
}

/// One invocation: what to run and under which limits.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The executable (a path, or a name looked up in the `PATH` of `env`).
    pub program: PathBuf,
    /// The arguments after the program name (argv[1..]), passed as they are (no shell).
    pub args: Vec<OsString>,
    /// The working directory.
    pub work_dir: PathBuf,
    /// The complete environment (the solver inherits nothing else).
    pub env: Vec<(OsString, OsString)>,
    /// Limits; a non-finite or non-positive time means no limit, as does `u64::MAX`.
    pub limits: Limits,
    /// Sent to the solver `limits.warning` seconds of CPU time before the CPU limit.
    pub warning_signal: i32,
    /// Between SIGTERM and SIGKILL once a time limit is reached (wall time, and CPU time).
    pub kill_grace: Duration,
    /// Pin the solver to this CPU (index as in `sched_setaffinity`).
    pub cpu_core: Option<usize>,
    /// At most this many processes at once (`pids.max`, or polling).
    pub max_processes: u64,
    /// Bytes of stdout and of stderr kept (the end).
    pub tail_bytes: usize,
    /// Bytes the solver may write to stdout and to stderr each; `None` means `limits.output`.
    pub stdio_limit: Option<u64>,
    /// The output file, watched against `limits.output`.
    pub output_file: Option<PathBuf>,
    /// How the run is measured and confined (cgroup v2, v1 or `/proc`).
    pub mechanism: MechanismChoice,
    /// Which namespaces the solver is isolated in ([`Isolation::auto`] picks what the machine
    /// allows).
    pub isolation: Isolation,
}

impl RunSpec {
    /// A run of `program` with MISC default limits, in the current directory, with an empty
    /// environment except a standard `PATH`.
    pub fn new(program: impl Into<PathBuf>, args: Vec<OsString>) -> RunSpec {
        RunSpec {
            program: program.into(),
            args,
            work_dir: PathBuf::from("."),
            env: vec![("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into())],
            limits: Limits::default(),
            warning_signal: libc::SIGUSR1,
            kill_grace: Duration::from_millis(50),
            cpu_core: None,
            max_processes: 1024,
            tail_bytes: 64 * 1024,
            stdio_limit: None,
            output_file: None,
            mechanism: MechanismChoice::Auto,
            isolation: Isolation::default(),
        }
    }

    /// Runs in `sandbox`: its working directory, its environment (with `TMPDIR`), its output file
    /// watched against the output limit. Isolation is left as it is; see [`Isolation::auto`].
    pub fn in_sandbox(mut self, sandbox: &Sandbox) -> RunSpec {
        self.work_dir = sandbox.work_dir();
        self.env = sandbox.env();
        self.output_file = Some(sandbox.output_path());
        self
    }
}

/// What was measured. Times in seconds, memory in bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// How the run ended: by itself, by a signal, or at which limit.
    pub termination: Termination,
    /// Exit code of the solver's main process, if it exited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Signal that ended the solver's main process, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// User + system CPU time of the whole process tree.
    pub cpu_time: f64,
    /// User-mode CPU seconds of the whole process tree (part of `cpu_time`).
    pub user_time: f64,
    /// Kernel-mode CPU seconds of the whole process tree (part of `cpu_time`).
    pub system_time: f64,
    /// Monotonic wall time from start to the end of the main process.
    pub wall_time: f64,
    /// Peak memory of the whole tree.
    pub memory: u64,
    /// `cgroup-v1`, `cgroup-v2` or `proc`.
    pub measured_by: String,
    /// Whether the warning signal was sent.
    pub warning_sent: bool,
    /// The end of stdout and stderr (lossy UTF-8).
    pub stdout_tail: String,
    /// The end of stderr (lossy UTF-8, at most [`RunSpec::tail_bytes`]).
    pub stderr_tail: String,
    /// Total bytes written to stdout and stderr.
    pub stdout_bytes: u64,
    /// Total bytes written to stderr.
    pub stderr_bytes: u64,
    /// Size of the output file at the end, if one was watched and exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<u64>,
    /// A human explanation of how the run ended.
    pub detail: String,
    /// How the run was isolated: `namespaces`, `partial` or `none` ([`Isolation::describe`]).
    pub isolation: String,
}
