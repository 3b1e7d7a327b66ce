//! A minimal stand-alone `misc exec` over the library API, used by the tests (to kill a harness
//! mid-run) and by `bench/vs_runexec.sh` when the `misc` binary is not built.
//!
//! `misc-exec [--cpu-time S] [--wall-time S] [--memory BYTES] [--proc] [--isolate] [--json]
//! [--repeat N] [--prewarm N] [--baseline] -- CMD ARGS...`
//!
//! `--isolate` runs the command in its own namespaces, as a round's solvers are (its working
//! directory is then its sandbox's).
//!
//! `--baseline` only spawns and waits for the command N times with `std::process::Command`.
//!
//! With `--repeat N` the command is run N times in one process and the mean and median wall
//! time of one whole runner call are printed (`per_run_wall_mean`, `per_run_wall_median`), for
//! the overhead benchmark; `--prewarm N` keeps N shims ready, as a round would. With both, one
//! untimed run comes first, so that the timed ones see a harness in its steady state (shims
//! made ahead of time, as in a round after its first runs) rather than its start.

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
    let mut prewarm = 0usize;
    let mut baseline = false;
    let mut isolate = false;
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
            Some("--prewarm") => {
                prewarm = value()?.parse()?;
                misc_runner::set_prewarm(prewarm);
            }
            Some("--json") => json = true,
            Some("--baseline") => baseline = true,
            Some("--proc") => mechanism = MechanismChoice::Proc,
            Some("--isolate") => isolate = true,
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
    if baseline {
        // The same command spawned and waited for with nothing around it, for comparison.
        let mut times = Vec::with_capacity(repeat);
        for _ in 0..repeat {
            let t = Instant::now();
            std::process::Command::new(&cmd[0])
                .args(&cmd[1..])
                .status()?;
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
        println!("baseline_wall_median={median}s");
        return Ok(0);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sandbox = Sandbox::create(Some(&Sandbox::default_base()))?;
    let mut spec = RunSpec::new(cmd[0].clone(), cmd[1..].to_vec());
    spec.limits = limits;
    spec.mechanism = mechanism;
    spec.work_dir = std::env::current_dir()?;
    spec.env.push(("TMPDIR".into(), sandbox.tmp_dir().into()));
    if isolate {
        spec.work_dir = sandbox.work_dir();
        spec.isolation = misc_runner::Isolation::namespaced(&sandbox, Vec::new(), Vec::new());
    }
    let mut times = Vec::with_capacity(repeat);
    let mut m = None;
    if repeat > 1 && prewarm > 0 {
        rt.block_on(run(&spec))?;
    }
    for _ in 0..repeat {
        let t = Instant::now();
        m = Some(rt.block_on(run(&spec))?);
        times.push(t.elapsed().as_secs_f64());
    }
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    misc_runner::shutdown();
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
        println!("isolation={}", m.isolation);
        if repeat > 1 {
            println!("per_run_wall_mean={mean}s");
            println!("per_run_wall_median={median}s");
        }
    }
    Ok(m.exit_code.unwrap_or(128 + m.signal.unwrap_or(0)))
}
