//! `misc exec`: run any command under the solver sandbox and print what was measured, the way
//! BenchExec's `runexec` does.

use std::ffi::OsString;
use std::path::PathBuf;

use std::io::Write;

use anyhow::Context;
use misc_runner::{
    Isolation, IsolationLevel, Limits, Measurement, MechanismChoice, RunSpec, Sandbox, Termination,
};

use crate::exit::CliError;

/// Run a command under the solver sandbox and limits, and print what it used.
///
/// The command runs with a clean environment (PATH from the caller, HOME and TMPDIR private to the
/// run), stdin closed, in its own cgroup when this machine allows it (else measured through
/// /proc). Its whole process tree is limited, measured and killed at the end. Prints
/// `key=value` lines (or one JSON object with --json) on stdout.
///
/// Exit code: the command's own exit code if it exited; 128 + signal if a signal or a limit
/// ended it (like a shell); 127 if it could not be found, 126 if it could not be executed.
/// SIGINT (Ctrl-C), SIGTERM or SIGHUP sent to `misc exec` is passed on to the command, whose
/// processes are killed a second later if still there; the report is printed and the exit code
/// is 128 + that signal (130, 143, 129).
#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// CPU-time limit of the whole process tree, in seconds (MISC: 300). Without it, none.
    #[arg(long, value_name = "S", value_parser = positive_seconds)]
    pub cpu_time: Option<f64>,
    /// Wall-clock limit in seconds. Default with --cpu-time: twice the CPU limit plus 10 s.
    #[arg(long, value_name = "S", value_parser = positive_seconds)]
    pub wall_time: Option<f64>,
    /// Memory limit of the whole process tree: bytes, or with a suffix K, M, G (powers of 1024),
    /// e.g. 1G (MISC: 1G).
    #[arg(long, value_name = "SIZE", value_parser = positive_size)]
    pub memory: Option<u64>,
    /// Limit on every file written and on stdout and stderr each (same syntax as --memory).
    #[arg(long, value_name = "SIZE", value_parser = positive_size)]
    pub output_limit: Option<u64>,
    /// Send the warning signal (SIGUSR1) this many CPU seconds before the CPU limit (MISC: 20).
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub warning: f64,
    /// At most this many processes at once.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_processes: u64,
    /// Pin the command to this CPU core.
    #[arg(long, value_name = "N")]
    pub cpu_core: Option<usize>,
    /// How to measure.
    #[arg(long, value_enum, default_value_t = Mechanism::Auto)]
    pub mechanism: Mechanism,
    /// No network for the command (needs root or user namespaces). Implied by
    /// --isolation required or best-effort where namespaces work.
    #[arg(long)]
    pub no_network: bool,
    /// Isolate the command as a round's solvers are (the host read-only, /tmp, /dev/shm and
    /// /run private and empty, /root and /home hidden, its working directory visible
    /// read-only, only its sandbox, i.e. HOME and TMPDIR, writable). Run by root, the command
    /// runs as nobody: its working directory must be one nobody may enter.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = IsolationArg::None)]
    pub isolation: IsolationArg,
    /// Working directory of the command (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Where the run's private directory (its TMPDIR) goes. Default: /dev/shm when writable
    /// (what the command writes there counts against --memory), else the system's temporary
    /// directory.
    #[arg(long, value_name = "DIR")]
    pub sandbox_base: Option<PathBuf>,
    /// Extra environment variables for the command.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Also print the end of the command's stdout and stderr (to stdout and stderr).
    #[arg(long)]
    pub show_output: bool,
    /// Print one JSON object instead of key=value lines.
    #[arg(long)]
    pub json: bool,
    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

/// The measuring mechanism named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mechanism {
    /// cgroup v2 if usable, else cgroup v1, else /proc polling.
    Auto,
    /// One cgroup per run in the v1 controllers.
    CgroupV1,
    /// One cgroup per run in the unified hierarchy.
    CgroupV2,
    /// rlimits, a subreaper and /proc polling, even where cgroups work.
    Proc,
}

impl From<Mechanism> for MechanismChoice {
    fn from(m: Mechanism) -> MechanismChoice {
        match m {
            Mechanism::Auto => MechanismChoice::Auto,
            Mechanism::CgroupV1 => MechanismChoice::CgroupV1,
            Mechanism::CgroupV2 => MechanismChoice::CgroupV2,
            Mechanism::Proc => MechanismChoice::Proc,
        }
    }
}

/// The isolation level named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IsolationArg {
    /// Its own user, mount, PID, IPC, UTS and network namespaces; refuse to run where they
    /// cannot be had.
    Required,
    /// Namespaces where this machine allows them, else what it allows.
    BestEffort,
    /// No isolation.
    None,
}

impl From<IsolationArg> for IsolationLevel {
    fn from(i: IsolationArg) -> IsolationLevel {
        match i {
            IsolationArg::Required => IsolationLevel::Required,
            IsolationArg::BestEffort => IsolationLevel::BestEffort,
            IsolationArg::None => IsolationLevel::None,
        }
    }
}

/// The exit code `misc exec` reports for a measurement.
pub fn exit_code(m: &Measurement) -> i32 {
    match (m.termination, m.exit_code, m.signal) {
        (Termination::FailedToStart, _, _) if m.detail.contains("No such file") => 127,
        (Termination::FailedToStart, _, _) => 126,
        (_, Some(code), _) => code,
        (_, None, Some(sig)) => 128 + sig,
        _ => 128 + libc_sigkill(),
    }
}

const fn libc_sigkill() -> i32 {
    9
}

fn print_text(out: &mut impl Write, m: &Measurement) -> std::io::Result<()> {
    writeln!(out, "termination={}", m.termination)?;
    if let Some(c) = m.exit_code {
        writeln!(out, "returnvalue={c}")?;
    }
    if let Some(s) = m.signal {
        writeln!(out, "exitsignal={s}")?;
    }
    writeln!(out, "walltime={}s", m.wall_time)?;
    writeln!(out, "cputime={}s", m.cpu_time)?;
    writeln!(out, "usertime={}s", m.user_time)?;
    writeln!(out, "systemtime={}s", m.system_time)?;
    writeln!(out, "memory={}B", m.memory)?;
    writeln!(out, "measured_by={}", m.measured_by)?;
    writeln!(out, "isolation={}", m.isolation)?;
    if m.warning_sent {
        writeln!(out, "warning_sent=true")?;
    }
    writeln!(out, "detail={}", m.detail)
}

/// Runs `misc exec`; its exit status is the measured command's ([`exit_code`]).
pub fn run(args: ExecArgs) -> Result<(), CliError> {
    let (program, rest) = args.command.split_first().context("no command given")?;
    let cpu = args.cpu_time.unwrap_or(f64::INFINITY);
    let wall = args.wall_time.unwrap_or(if cpu.is_finite() {
        2.0 * cpu + 10.0
    } else {
        f64::INFINITY
    });
    let base = args
        .sandbox_base
        .clone()
        .unwrap_or_else(Sandbox::default_base);
    let sandbox = Sandbox::create(Some(&base)).context("creating the sandbox")?;
    let mut spec = RunSpec::new(PathBuf::from(program), rest.to_vec());
    spec.limits = Limits {
        cpu_time: cpu,
        wall_time: wall,
        memory: args.memory.unwrap_or(u64::MAX),
        warning: args.warning,
        output: args.output_limit.unwrap_or(u64::MAX),
    };
    spec.work_dir = match args.dir {
        Some(d) => d,
        None => std::env::current_dir().context("the current directory")?,
    };
    spec.env = sandbox.env();
    if let Some(path) = std::env::var_os("PATH") {
        spec.env.retain(|(k, _)| k != "PATH");
        spec.env.push(("PATH".into(), path));
    }
    for kv in &args.env {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--env wants KEY=VALUE, got {kv:?}"))?;
        spec.env.retain(|(key, _)| key != k);
        spec.env.push((k.into(), v.into()));
    }
    spec.cpu_core = args.cpu_core;
    spec.max_processes = args.max_processes;
    spec.mechanism = args.mechanism.into();
    let isolation = IsolationLevel::from(args.isolation);
    if isolation == IsolationLevel::Required {
        if let Err(why) = misc_runner::namespaces_available() {
            return Err(CliError::Failed(anyhow::anyhow!(
                "--isolation required, but commands cannot be isolated in namespaces here: \
                 {why}\n  fix: {}",
                misc_runner::namespaces_fix()
            )));
        }
    }
    // The working directory stays visible (read-only) in an isolated run.
    spec.isolation =
        Isolation::for_level(isolation, &sandbox, vec![spec.work_dir.clone()], Vec::new());
    if args.no_network {
        spec.isolation.no_network = true;
    }
    // A signal is passed on to the command, then its tree is killed (see `crate::signals`).
    crate::signals::install(crate::signals::Mode::Forward)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let m = rt
        .block_on(misc_runner::run(&spec))
        .context("running the command")?;
    sandbox.remove().context("removing the sandbox")?;
    let out = &mut crate::out::stdout();
    if args.show_output {
        out.write_all(m.stdout_tail.as_bytes())?;
        let _ = std::io::stderr().write_all(m.stderr_tail.as_bytes());
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&m)?)?;
    } else {
        print_text(out, &m)?;
    }
    if let Some(sig) = crate::signals::received() {
        return Err(CliError::Interrupted(sig));
    }
    match exit_code(&m) {
        0 => Ok(()),
        code => Err(CliError::Command(code)),
    }
}

/// A limit in seconds: a positive number (0 is not "no limit": leave the flag out for that).
fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "expected a positive number of seconds, not {s:?} (leave the flag out for no limit)"
        )),
    }
}

/// A size limit: a positive size (see [`misc_results::parse_size`]).
fn positive_size(s: &str) -> Result<u64, String> {
    match misc_results::parse_size(s)? {
        0 => Err(format!(
            "expected a positive size, not {s:?} (leave the flag out for no limit)"
        )),
        n => Ok(n),
    }
}

#[cfg(test)]
mod limit_tests {
    use super::{positive_seconds, positive_size};

    /// Issue 13: a limit of 0 is refused, never "no limit".
    #[test]
    fn limits_are_positive() {
        assert_eq!(positive_seconds("2.5"), Ok(2.5));
        for bad in ["0", "-1", "nan", "inf", "x", ""] {
            assert!(positive_seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(positive_size("1G"), Ok(1 << 30));
        for bad in ["0", "0M", "-1G", "lots"] {
            assert!(positive_size(bad).is_err(), "{bad}");
        }
    }
}
