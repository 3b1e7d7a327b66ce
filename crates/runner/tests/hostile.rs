//! The hostile-solver suite: every misbehaviour ends with the right termination reason and no
//! process of the run left alive, under every measuring mechanism this machine offers.

mod common;

use common::{each_mechanism, HostileRun};
use misc_runner::{MechanismChoice, Termination};

/// Slack for CPU enforcement on a loaded 2-core machine (the design target is 0.1 s).
const CPU_SLACK: f64 = 0.3;

#[test]
fn spin_hits_the_cpu_limit_exactly() {
    each_mechanism(
        "spin",
        |_| {},
        |m, _| {
            assert_eq!(m.termination, Termination::CpuLimit);
            assert!(m.cpu_time >= 1.0, "cpu {}", m.cpu_time);
            assert!(
                m.cpu_time < 1.0 + CPU_SLACK,
                "overshoot: cpu {}",
                m.cpu_time
            );
            assert_eq!(m.signal, Some(libc::SIGTERM));
        },
    );
}

#[test]
fn cpu_limit_counts_the_whole_tree() {
    each_mechanism(
        "spin-tree",
        |_| {},
        |m, _| {
            assert_eq!(m.termination, Termination::CpuLimit);
            assert!(m.cpu_time >= 1.0, "cpu {}", m.cpu_time);
            assert!(
                m.cpu_time < 1.0 + CPU_SLACK,
                "overshoot: cpu {}",
                m.cpu_time
            );
        },
    );
}

#[test]
fn sleep_hits_the_wall_limit() {
    each_mechanism(
        "sleep",
        |s| s.limits.wall_time = 0.5,
        |m, _| {
            assert_eq!(m.termination, Termination::WallLimit);
            assert!(
                m.wall_time >= 0.5 && m.wall_time < 1.5,
                "wall {}",
                m.wall_time
            );
            assert!(m.cpu_time < 0.2);
        },
    );
}

#[test]
fn ignoring_sigterm_gets_sigkill() {
    each_mechanism(
        "ignore-term",
        |_| {},
        |m, _| {
            assert_eq!(m.termination, Termination::CpuLimit);
            assert_eq!(m.signal, Some(libc::SIGKILL));
            assert!(
                m.cpu_time < 1.0 + CPU_SLACK,
                "overshoot: cpu {}",
                m.cpu_time
            );
        },
    );
}

#[test]
fn double_forked_daemon_is_killed() {
    each_mechanism(
        "daemon",
        |_| {},
        |m, r| {
            assert_eq!(m.termination, Termination::Exited);
            assert_eq!(m.exit_code, Some(0));
            assert!(m.wall_time < 5.0);
            let out = std::fs::read_to_string(r.sandbox.output_path()).expect("output");
            assert!(out.starts_with("FAIL"));
        },
    );
}

#[test]
fn fork_bomb_is_contained() {
    each_mechanism(
        "fork-bomb",
        |s| {
            s.max_processes = 64;
            s.limits.wall_time = 2.0;
        },
        |m, _| {
            // With a pids limit the bomb just cannot fork and runs into a time limit; with
            // polling it is killed for exceeding the process limit.
            let ok = m.termination.is_limit()
                || (m.termination == Termination::Signalled && m.detail.contains("process limit"));
            assert!(ok, "termination {} ({})", m.termination, m.detail);
        },
    );
}

#[test]
fn allocation_hits_the_memory_limit() {
    each_mechanism(
        "allocate",
        |s| s.limits.memory = 64 << 20,
        |m, _| {
            assert_eq!(m.termination, Termination::MemoryLimit);
            assert!(m.memory >= 32 << 20, "peak memory {}", m.memory);
        },
    );
}

#[test]
fn stdout_flood_hits_the_output_limit() {
    each_mechanism(
        "flood-stdout",
        |s| s.stdio_limit = Some(1 << 20),
        |m, _| {
            assert_eq!(m.termination, Termination::OutputLimit);
            assert!(m.stdout_bytes > 1 << 20);
            assert!(m.stdout_tail.len() <= 4096 && m.stdout_tail.ends_with('y'));
        },
    );
}

#[test]
fn gigantic_output_file_hits_the_output_limit() {
    each_mechanism(
        "huge-output",
        |s| s.limits.output = 1 << 20,
        |m, _| {
            assert_eq!(m.termination, Termination::OutputLimit);
            // RLIMIT_FSIZE stops the file one byte past the limit at the latest.
            assert!(
                m.output_bytes.is_some_and(|b| b <= (1 << 20) + 1),
                "{:?}",
                m.output_bytes
            );
        },
    );
}

#[test]
fn death_by_signal_is_signalled() {
    each_mechanism(
        "die-by-signal",
        |_| {},
        |m, _| {
            assert_eq!(m.termination, Termination::Signalled);
            assert_eq!(m.signal, Some(libc::SIGSEGV));
        },
    );
}

#[test]
fn grandchild_holding_stdout_does_not_hold_the_run() {
    each_mechanism(
        "grandchild-holds-stdout",
        |_| {},
        |m, _| {
            assert_eq!(m.termination, Termination::Exited);
            assert_eq!(m.exit_code, Some(0));
            assert!(m.wall_time < 5.0, "wall {}", m.wall_time);
        },
    );
}

#[test]
fn garbage_and_fail_exit_normally() {
    each_mechanism(
        "garbage",
        |_| {},
        |m, r| {
            assert_eq!(m.termination, Termination::Exited);
            assert_eq!(m.output_bytes, Some(4096));
            assert!(std::fs::read(r.sandbox.output_path()).is_ok_and(|b| b.len() == 4096));
        },
    );
    each_mechanism(
        "fail",
        |_| {},
        |m, r| {
            assert_eq!(m.termination, Termination::Exited);
            assert_eq!(m.exit_code, Some(0));
            let out = std::fs::read_to_string(r.sandbox.output_path()).expect("output");
            assert_eq!(out.lines().next(), Some("FAIL"));
        },
    );
}

#[test]
fn warning_signal_comes_before_the_limit() {
    each_mechanism(
        "slow-then-ok",
        |s| {
            s.limits.cpu_time = 1.5;
            s.limits.warning = 1.0;
        },
        |m, r| {
            assert!(m.warning_sent);
            assert_eq!(m.termination, Termination::Exited);
            assert!(m.cpu_time >= 0.5 && m.cpu_time < 1.0, "cpu {}", m.cpu_time);
            let out = std::fs::read_to_string(r.sandbox.output_path()).expect("output");
            assert!(out.starts_with("FAIL"));
        },
    );
}

#[test]
fn busy_loop_cpu_time_is_accurate() {
    for (mech, ns) in common::mechanisms().into_iter().flat_map(|(m, _)| {
        common::isolation_variants()
            .into_iter()
            .map(move |ns| (m, ns))
    }) {
        let mut r = HostileRun::new("busy", &["0.5"], mech);
        if ns {
            r.isolate();
        }
        let m = r.run();
        r.assert_no_survivors();
        assert_eq!(m.termination, Termination::Exited);
        // The solver stops once its own clock says 0.5 s; process start-up adds a little.
        assert!(m.cpu_time >= 0.5 && m.cpu_time < 0.6, "cpu {}", m.cpu_time);
        assert!((m.user_time + m.system_time - m.cpu_time).abs() < 0.01);
    }
}

#[test]
fn missing_program_fails_to_start() {
    for (mech, _) in common::mechanisms() {
        let mut r = HostileRun::new("fail", &[], mech);
        r.spec.program = "/nonexistent/solver".into();
        let m = r.run();
        assert_eq!(m.termination, Termination::FailedToStart);
        assert!(m.detail.contains("/nonexistent/solver"));
    }
}

#[test]
fn solver_sees_a_clean_environment() {
    for (mech, ns) in common::mechanisms().into_iter().flat_map(|(m, _)| {
        common::isolation_variants()
            .into_iter()
            .map(move |ns| (m, ns))
    }) {
        let mut r = HostileRun::new("probe", &[], mech);
        if ns {
            r.isolate();
        }
        let m = r.run();
        assert_eq!(m.termination, Termination::Exited);
        let out = &m.stdout_tail;
        let work = r.sandbox.work_dir();
        let tmp = r.sandbox.tmp_dir();
        assert!(out.contains(&format!("cwd={}", work.display())), "{out}");
        assert!(
            out.contains(&format!("env TMPDIR={}", tmp.display())),
            "{out}"
        );
        assert!(
            !out.contains("CARGO"),
            "the harness environment leaked: {out}"
        );
        assert!(out.contains("stdin_read=0"), "{out}");
    }
}

#[test]
fn isolation_when_root() {
    let caps = misc_runner::capabilities();
    if !(caps.net_namespace && caps.mount_namespace) {
        misc_testkit::skip("no network and mount namespaces here");
        return;
    }
    let mut r = HostileRun::new("probe", &[], MechanismChoice::Auto);
    r.spec.isolation = misc_runner::Isolation::auto(vec![r.sandbox.input_dir()]);
    let m = r.run();
    assert_eq!(m.termination, Termination::Exited);
    assert!(m.stdout_tail.contains("network=false"), "{}", m.stdout_tail);
    assert!(
        m.stdout_tail.contains("input_writable=false"),
        "{}",
        m.stdout_tail
    );
}

#[test]
fn namespaced_solver_sees_only_its_sandbox() {
    if !common::isolation_variants().contains(&true) {
        return;
    }
    let mut r = HostileRun::new("probe", &[], MechanismChoice::Auto);
    r.isolate();
    let m = r.run();
    assert_eq!(m.termination, Termination::Exited);
    assert_eq!(m.isolation, "namespaces");
    let out = &m.stdout_tail;
    for expected in [
        "network=false",
        "input_writable=false",
        // PID 1 is the shim, the solver is the only other process.
        "pid=2",
        "processes=2",
        "no_new_privs=1",
        "cap_eff=0000000000000000",
    ] {
        assert!(out.contains(expected), "expected {expected}: {out}");
    }
}
