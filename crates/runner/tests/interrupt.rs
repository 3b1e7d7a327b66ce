//! Stopping every run at once (`misc_runner::interrupt`, what the CLI does on Ctrl-C): runs in
//! flight are counted, an interrupt kills each run's whole tree (children and a double-forked
//! grandchild in a session of its own) under every mechanism, such runs end with
//! `RunnerError::Interrupted` (no measurement), and no run starts afterwards.
//!
//! The interrupt is process-wide and final, so this file holds one test.

mod common;

use std::time::{Duration, Instant};

use misc_runner::{RunSpec, RunnerError};

fn spec(marker: &str, mech: misc_runner::MechanismChoice) -> RunSpec {
    // Every long-lived process carries the marker in its command line.
    let child = format!("sh -c 'sleep 60; true' {marker}");
    let script = format!("{child} & (setsid {child} &) ; sleep 60; true");
    let mut s = RunSpec::new("/bin/sh", vec!["-c".into(), script.into(), marker.into()]);
    s.limits = common::limits(60.0, 120.0);
    s.mechanism = mech;
    s
}

#[test]
fn an_interrupt_kills_every_run_in_flight_and_starts_none() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let marker = format!("misc-interrupt-test-{}", std::process::id());
    let specs: Vec<RunSpec> = common::mechanisms()
        .into_iter()
        .map(|(m, _)| spec(&marker, m))
        .collect();
    let n = specs.len();
    let handles: Vec<_> = specs
        .into_iter()
        .map(|s| rt.spawn(async move { misc_runner::run(&s).await }))
        .collect();
    // Wait until every run is in flight with its whole tree started.
    let deadline = Instant::now() + Duration::from_secs(10);
    while (misc_runner::interrupt::live_runs() < n
        || misc_runner::procfs::processes_matching(&marker).len() < 3 * n)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(misc_runner::interrupt::live_runs(), n, "runs in flight");
    assert!(misc_runner::interrupt::interrupted().is_none());

    let start = Instant::now();
    misc_runner::interrupt::interrupt(libc::SIGINT);
    // Whatever `interrupt` returned after is gone already.
    let left = misc_runner::procfs::processes_matching(&marker);
    assert!(left.is_empty(), "left alive after interrupt(): {left:?}");
    for h in handles {
        let r = rt.block_on(h).expect("run task");
        assert!(
            matches!(r, Err(RunnerError::Interrupted)),
            "an interrupted run must not yield a measurement: {r:?}"
        );
    }
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(misc_runner::interrupt::live_runs(), 0);
    assert_eq!(misc_runner::interrupt::interrupted(), Some(libc::SIGINT));
    // No run starts any more.
    let later = spec(&marker, misc_runner::MechanismChoice::Proc);
    let r = rt.block_on(misc_runner::run(&later));
    assert!(matches!(r, Err(RunnerError::Interrupted)), "{r:?}");
    assert!(misc_runner::procfs::processes_matching(&marker).is_empty());
}
