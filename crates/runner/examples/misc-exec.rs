//! A minimal stand-alone `misc exec` over the library API, used by the tests (to kill a harness
//! mid-run) and by `bench/vs_runexec.sh` when the `misc` binary is not built.
//!
//! `misc-exec [--cpu-time S] [--wall-time S] [--memory BYTES] [--proc] [--json] [--repeat N] -- CMD ARGS...`
//!
//! With `--repeat N` the command is run N times in one process and the mean wall time of the
//! whole runner call is printed as `per_run_overhead_wall=...s` (for the overhead benchmark).

use std::ffi::OsString;
use std::time::Instant;

use misc_runner::{run, Limits, MechanismChoice, RunSpec, Sandbox};

fn main() {
    match real_main() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("misc-exec: {e}");
            std::process::exit(125);
        }
    }
}

fn real_main() -> Result<i32, Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let mut limits = Limits {
        cpu_time: f64::INFINITY,
        wall_time: f64::INFINITY,
        memory: u64::MAX,
        warning: 0.0,
        output: u64::MAX,
    };
    let mut json = false;
    let mut mechanism = MechanismChoice::Auto;
    let mut repeat = 1usize;
    let mut cmd: Vec<OsString> = Vec::new();
    while let Some(a) = args.next() {
        let mut value = || -> Result<String, Box<dyn std::error::Error>> {
            Ok(args
                .next()
                .ok_or("missing value")?
                .into_string()
                .map_err(|_| "bad value")?)
        };
        match a.to_str() {
            Some("--cpu-time") => limits.cpu_time = value()?.parse()?,
            Some("--wall-time") => limits.wall_time = value()?.parse()?,
            Some("--memory") => limits.memory = value()?.parse()?,
            Some("--repeat") => repeat = value()?.parse()?,
            Some("--json") => json = true,
            Some("--proc") => mechanism = MechanismChoice::Proc,
            Some("--") => {
                cmd.extend(args.by_ref());
                break;
            }
            _ => {
                cmd.push(a);
                cmd.extend(args.by_ref());
                break;
            }
        }
    }
    if cmd.is_empty() {
        return Err("no command given".into());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sandbox = Sandbox::create(None)?;
    let mut spec = RunSpec::new(cmd[0].clone(), cmd[1..].to_vec());
    spec.limits = limits;
    spec.mechanism = mechanism;
    spec.work_dir = std::env::current_dir()?;
    spec.env.push(("TMPDIR".into(), sandbox.tmp_dir().into()));
    let t = Instant::now();
    let mut m = None;
    for _ in 0..repeat {
        m = Some(rt.block_on(run(&spec))?);
    }
    let per_run = t.elapsed().as_secs_f64() / repeat.max(1) as f64;
    let m = m.ok_or("no run")?;
    if json {
        println!("{}", serde_json::to_string(&m)?);
    } else {
        println!("termination={}", m.termination);
        if let Some(c) = m.exit_code {
            println!("returnvalue={c}");
        }
        if let Some(s) = m.signal {
            println!("exitsignal={s}");
        }
        println!("walltime={}s", m.wall_time);
        println!("cputime={}s", m.cpu_time);
        println!("memory={}B", m.memory);
        println!("measured_by={}", m.measured_by);
        if repeat > 1 {
            println!("per_run_overhead_wall={per_run}s");
        }
    }
    Ok(m.exit_code.unwrap_or(128 + m.signal.unwrap_or(0)))
}
