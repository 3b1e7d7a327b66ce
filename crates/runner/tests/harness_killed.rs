//! A harness killed with SIGKILL in the middle of a run leaves no solver process running: the
//! shim and the solver die with it (`PR_SET_PDEATHSIG`), and what they left behind in the run
//! cgroup is killed by the next harness's `cleanup_stale`.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use misc_runner::procfs::processes_matching;

fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill_harness_mid_run(proc_mode: bool) -> (String, Vec<(i32, String)>) {
    let marker_dir = tempfile::tempdir().expect("tempdir");
    let marker = marker_dir.path().join("marker").display().to_string();
    let mut cmd = Command::new(common::misc_exec());
    cmd.args(["--wall-time", "60"]);
    if proc_mode {
        cmd.arg("--proc");
    }
    let mut harness = cmd
        .arg("--")
        .arg(common::hostile())
        .args(["daemon-sleep", &marker, &marker])
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn misc-exec");
    // The solver and its daemon are both up.
    wait_for("the solver and its daemon", Duration::from_secs(20), || {
        processes_matching(&marker).len() >= 2
    });
    // SAFETY: kill on our own child.
    unsafe { libc::kill(harness.id() as i32, libc::SIGKILL) };
    let _ = harness.wait();
    // The solver's main process dies with its shim, which dies with the harness.
    wait_for(
        "the main solver process to die",
        Duration::from_secs(5),
        || processes_matching(&marker).len() <= 1,
    );
    let left = processes_matching(&marker);
    (marker, left)
}

#[test]
fn killed_harness_leaves_nothing_after_cleanup() {
    if common::mechanisms().len() < 2 {
        misc_testkit::skip("no writable cgroups here");
        return;
    }
    let (marker, _) = kill_harness_mid_run(false);
    let cleaned = misc_runner::cleanup_stale().expect("cleanup_stale");
    assert!(!cleaned.is_empty(), "no stale cgroup found");
    wait_for("the daemon to die", Duration::from_secs(5), || {
        processes_matching(&marker).is_empty()
    });
}

#[test]
fn killed_harness_without_cgroups_kills_the_main_process() {
    let (_, left) = kill_harness_mid_run(true);
    // Without cgroups, only a daemon that left the process tree can survive a killed harness
    // (documented); clean it up.
    assert!(left.len() <= 1, "{left:?}");
    for (pid, _) in left {
        // SAFETY: kill on a process this test started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}
