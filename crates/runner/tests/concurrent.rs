//! Several runs at once on a multi-threaded runtime, with pre-warmed shims and CPU pinning, as
//! the round layer drives the runner.

mod common;

use common::HostileRun;
use misc_runner::Termination;

#[test]
fn concurrent_pinned_runs_with_prewarm() {
    misc_runner::set_prewarm(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (mech, name) in common::mechanisms() {
        let runs: Vec<HostileRun> = (0..4)
            .map(|i| {
                let mut r = HostileRun::new("busy", &["0.3"], mech);
                r.spec.cpu_core = Some(i % ncpu);
                r
            })
            .collect();
        let results = rt.block_on(async {
            let futs = runs.iter().map(|r| misc_runner::run(&r.spec));
            let mut out = Vec::new();
            // Two at a time, like a pool of two workers.
            let mut it = futs.into_iter();
            while let Some(a) = it.next() {
                match it.next() {
                    Some(b) => {
                        let (x, y) = tokio::join!(a, b);
                        out.push(x);
                        out.push(y);
                    }
                    None => out.push(a.await),
                }
            }
            out
        });
        for (r, m) in runs.iter().zip(results) {
            let m = m.expect("runner error");
            assert_eq!(m.measured_by, name);
            assert_eq!(m.termination, Termination::Exited, "{}", m.detail);
            assert!(m.cpu_time >= 0.3 && m.cpu_time < 0.45, "cpu {}", m.cpu_time);
            r.assert_no_survivors();
        }
    }
    misc_runner::shutdown();
}

#[test]
fn affinity_and_criteria_argument_reach_the_solver() {
    for (mech, _) in common::mechanisms() {
        let mut r = HostileRun::new("probe", &[], mech);
        // MISC user tracks pass a fourth argument, the criteria.
        r.spec.args.push("-removed,-changed".into());
        r.spec.program = "/bin/sh".into();
        let mut args: Vec<std::ffi::OsString> = vec![
            "-c".into(),
            "grep Cpus_allowed_list /proc/self/status; echo \"args: $*\"".into(),
            "sh".into(),
        ];
        args.extend(r.spec.args.iter().skip(1).cloned());
        r.spec.args = args;
        r.spec.cpu_core = Some(0);
        let m = r.run();
        assert_eq!(m.termination, Termination::Exited);
        assert!(
            m.stdout_tail.contains("Cpus_allowed_list:\t0\n"),
            "{}",
            m.stdout_tail
        );
        assert!(
            m.stdout_tail.contains("-removed,-changed"),
            "{}",
            m.stdout_tail
        );
        r.assert_no_survivors();
    }
}
