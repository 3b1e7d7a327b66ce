//! Shared helpers: building and finding the `misc-hostile` solver, running it, and scanning
//! `/proc` for survivors.

#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use misc_runner::{capabilities, Limits, Measurement, MechanismChoice, RunSpec, Sandbox};

/// `<target>/<profile>` of this test executable (`<target>/<profile>/deps/<test>-<hash>`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("test executable lives in <target>/<profile>/deps")
        .to_path_buf()
}

fn build(args: &[&str]) -> bool {
    let profile = profile_dir();
    let target = profile.parent().expect("target dir");
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.arg("build")
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    match profile.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
    }
    cmd.status().is_ok_and(|s| s.success())
}

/// The `misc-hostile` binary, built (once per test process) with the same target dir and profile.
pub fn hostile() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = profile_dir().join("misc-hostile");
        if !build(&["-p", "misc-test-solvers", "--bin", "misc-hostile"]) && !bin.exists() {
            panic!("cannot build misc-hostile");
        }
        bin
    })
}

/// The `misc-exec` example (built by `cargo test` along with the tests).
pub fn misc_exec() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = profile_dir().join("examples").join("misc-exec");
        if !bin.exists() && !build(&["-p", "misc-runner", "--example", "misc-exec"]) {
            panic!("cannot build the misc-exec example");
        }
        bin
    })
}

/// The mechanisms to test on this machine: `/proc` always, cgroups when writable.
pub fn mechanisms() -> Vec<(MechanismChoice, &'static str)> {
    let mut v = vec![(MechanismChoice::Proc, "proc")];
    match capabilities().mechanism.as_str() {
        "cgroup-v1" => v.push((MechanismChoice::CgroupV1, "cgroup-v1")),
        "cgroup-v2" => v.push((MechanismChoice::CgroupV2, "cgroup-v2")),
        _ => {}
    }
    v
}

/// Short limits for tests.
pub fn limits(cpu: f64, wall: f64) -> Limits {
    Limits {
        cpu_time: cpu,
        wall_time: wall,
        memory: 256 << 20,
        warning: 0.0,
        output: 16 << 20,
    }
}

/// One hostile run in a fresh sandbox.
pub struct HostileRun {
    pub sandbox: Sandbox,
    pub spec: RunSpec,
}

impl HostileRun {
    pub fn new(mode: &str, extra: &[&str], mech: MechanismChoice) -> HostileRun {
        let sandbox = Sandbox::create(Some(&Sandbox::default_base())).expect("sandbox");
        std::fs::write(sandbox.input_path(), "preamble: \n\n").expect("input");
        sandbox.seal_input().expect("seal");
        let mut args: Vec<OsString> = vec![mode.into()];
        if extra.is_empty() {
            args.push(sandbox.input_path().into());
            args.push(sandbox.output_path().into());
        } else {
            args.extend(extra.iter().map(OsString::from));
            // Keep a marker in argv so survivors can be found in /proc.
            args.push(sandbox.input_path().into());
        }
        let mut spec = RunSpec::new(hostile(), args).in_sandbox(&sandbox);
        // The wall limit is far above the CPU limit: the suite runs many spinning solvers on few
        // cores, and a starved solver must still reach its CPU limit first.
        spec.limits = limits(1.0, 60.0);
        spec.mechanism = mech;
        spec.tail_bytes = 4096;
        HostileRun { sandbox, spec }
    }

    /// Isolates the run in namespaces.
    pub fn isolate(&mut self) {
        self.spec.isolation = misc_runner::Isolation::namespaced(&self.sandbox, vec![], vec![]);
    }

    /// The marker every process of this run carries in its command line.
    pub fn marker(&self) -> String {
        self.sandbox.root().display().to_string()
    }

    pub fn run(&self) -> Measurement {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let m = rt
            .block_on(misc_runner::run(&self.spec))
            .expect("runner error");
        eprintln!(
            "{} [{}]: {} exit={:?} signal={:?} cpu={:.4} wall={:.4} mem={} detail={}",
            self.spec.args[0].to_string_lossy(),
            m.measured_by,
            m.termination,
            m.exit_code,
            m.signal,
            m.cpu_time,
            m.wall_time,
            m.memory,
            m.detail
        );
        m
    }

    /// Asserts that no process of this run is alive (a full `/proc` scan, not just the child).
    pub fn assert_no_survivors(&self) {
        let left = misc_runner::procfs::processes_matching(&self.marker());
        assert!(left.is_empty(), "processes of the run survived: {left:?}");
    }
}

/// Runs `mode` under every available mechanism, checks for survivors, and hands each
/// measurement to `check`.
pub fn each_mechanism(
    mode: &str,
    setup: impl Fn(&mut RunSpec),
    check: impl Fn(&Measurement, &HostileRun),
) {
    for (mech, name) in mechanisms() {
        for namespaced in isolation_variants() {
            let mut r = HostileRun::new(mode, &[], mech);
            if namespaced {
                r.isolate();
            }
            setup(&mut r.spec);
            let m = r.run();
            assert_eq!(m.measured_by, name);
            assert_eq!(m.isolation, if namespaced { "namespaces" } else { "none" });
            r.assert_no_survivors();
            check(&m, &r);
        }
    }
}

/// Without isolation, and in namespaces where this machine has them (a missing namespace
/// support fails when MISC_REQUIRE_TOOLS is set).
pub fn isolation_variants() -> Vec<bool> {
    match misc_runner::namespaces_available() {
        Ok(()) => vec![false, true],
        Err(e) if std::env::var_os("MISC_REQUIRE_TOOLS").is_some() => {
            panic!("MISC_REQUIRE_TOOLS is set but runs cannot be isolated here: {e}")
        }
        Err(e) => {
            eprintln!("note: not testing isolated runs: {e}");
            vec![false]
        }
    }
}
