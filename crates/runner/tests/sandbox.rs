//! Issue 16: an isolated run's sandbox (working folder, `TMPDIR`, output file) is one private,
//! size-limited tmpfs; filling it is an outcome in the record, its output file comes back to the
//! host, and nothing else the solver writes there does.

mod common;

use std::ffi::OsString;

use misc_runner::{Isolation, Measurement, RunSpec, Sandbox, Termination};

/// Runs `script` with `sh -c` (`$1`: the input, `$2`: the output file) in an isolated sandbox
/// of `size` bytes; `None` where this machine cannot isolate runs.
fn run_isolated(script: &str, size: u64) -> Option<(Sandbox, Measurement)> {
    if !common::isolation_variants().contains(&true) {
        return None;
    }
    let sandbox = Sandbox::create(Some(&Sandbox::default_base())).expect("sandbox");
    std::fs::write(sandbox.input_path(), "preamble: \n\n").expect("input");
    sandbox.seal_input().expect("seal");
    let args: Vec<OsString> = vec![
        "-c".into(),
        script.into(),
        "sh".into(),
        sandbox.input_path().into(),
        sandbox.output_path().into(),
    ];
    let mut spec = RunSpec::new("/bin/sh", args).in_sandbox(&sandbox);
    spec.limits = common::limits(20.0, 60.0);
    spec.isolation = Isolation {
        sandbox_size: Some(size),
        ..Isolation::namespaced(&sandbox, vec![], vec![])
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let m = rt.block_on(misc_runner::run(&spec)).expect("runner error");
    eprintln!("{}: {} ({})", script, m.termination, m.detail);
    Some((sandbox, m))
}

#[test]
fn filling_the_sandbox_is_an_output_limit_in_the_record() {
    // An answer, then 8 MiB into a 4 MiB sandbox: the write fails (ENOSPC), the solver goes on
    // and exits 0.
    let Some((sandbox, m)) = run_isolated(
        r#"echo done > "$2"; head -c 8388608 /dev/zero > "$TMPDIR/fill"; echo "head=$?""#,
        4 << 20,
    ) else {
        return;
    };
    assert_eq!(m.termination, Termination::OutputLimit, "{}", m.detail);
    assert!(m.detail.contains("sandbox"), "{}", m.detail);
    assert!(m.detail.contains("4194304 bytes"), "{}", m.detail);
    assert!(m.stdout_tail.contains("head=1"), "{}", m.stdout_tail);
    // What the solver wrote in TMPDIR stayed in its tmpfs; its answer came back.
    assert_eq!(
        std::fs::read_dir(sandbox.tmp_dir()).expect("tmp").count(),
        0
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.output_path()).expect("output"),
        "done\n"
    );
}

#[test]
fn working_folder_tmpdir_and_private_folders_share_no_host_space() {
    // 3 MiB each in HOME (the working folder) and TMPDIR: together more than the 4 MiB sandbox.
    let Some((sandbox, m)) = run_isolated(
        r#"head -c 3145728 /dev/zero > "$HOME/a"; echo "home=$?"
           head -c 3145728 /dev/zero > "$TMPDIR/b"; echo "tmpdir=$?"
           rm -f "$TMPDIR/b"; head -c 3145728 /dev/zero > /tmp/c; echo "tmp=$?""#,
        4 << 20,
    ) else {
        return;
    };
    assert!(m.stdout_tail.contains("home=0"), "{}", m.stdout_tail);
    assert!(m.stdout_tail.contains("tmpdir=1"), "{}", m.stdout_tail);
    // /tmp is a private tmpfs of its own, of the same size.
    assert!(m.stdout_tail.contains("tmp=0"), "{}", m.stdout_tail);
    assert_eq!(m.termination, Termination::Exited, "{}", m.detail);
    assert_eq!(
        std::fs::read_dir(sandbox.work_dir()).expect("work").count(),
        0
    );
}

#[test]
fn the_output_file_comes_back_but_not_through_a_link() {
    let Some((sandbox, m)) = run_isolated(r#"printf 'request: x\n' > "$2""#, 4 << 20) else {
        return;
    };
    assert_eq!(m.termination, Termination::Exited, "{}", m.detail);
    assert_eq!(
        std::fs::read_to_string(sandbox.output_path()).expect("output"),
        "request: x\n"
    );
    assert_eq!(m.output_bytes, Some(11));
    // A link to a file the harness can read is no answer: nothing is copied.
    let Some((sandbox, m)) = run_isolated(r#"ln -s /etc/passwd "$2""#, 4 << 20) else {
        return;
    };
    assert_eq!(m.termination, Termination::Exited, "{}", m.detail);
    assert!(!sandbox.output_path().exists());
    assert!(std::fs::symlink_metadata(sandbox.output_path()).is_err());
}

/// A root harness reuses empty network namespaces (see `netns.rs`), but never for two runs at
/// once: concurrent runs each have their own, with no interface up.
#[test]
fn concurrent_runs_never_share_a_network_namespace() {
    if !common::isolation_variants().contains(&true) {
        return;
    }
    let script =
        r#"readlink /proc/self/ns/net; cat /sys/class/net/lo/operstate 2>/dev/null; sleep 1"#;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut specs = Vec::new();
    let mut sandboxes = Vec::new();
    for _ in 0..2 {
        let sandbox = Sandbox::create(Some(&Sandbox::default_base())).expect("sandbox");
        let args: Vec<OsString> = vec!["-c".into(), script.into()];
        let mut spec = RunSpec::new("/bin/sh", args).in_sandbox(&sandbox);
        spec.limits = common::limits(20.0, 60.0);
        spec.isolation = Isolation::namespaced(&sandbox, vec![], vec![]);
        specs.push(spec);
        sandboxes.push(sandbox);
    }
    let (a, b) = rt
        .block_on(async { tokio::join!(misc_runner::run(&specs[0]), misc_runner::run(&specs[1])) });
    let (a, b) = (a.expect("run a"), b.expect("run b"));
    let ns = |m: &Measurement| m.stdout_tail.lines().next().unwrap_or("").to_owned();
    assert!(ns(&a).starts_with("net:["), "{}", a.stdout_tail);
    assert!(ns(&b).starts_with("net:["), "{}", b.stdout_tail);
    assert_ne!(ns(&a), ns(&b), "two runs at once in one network namespace");
    assert!(!a.stdout_tail.contains("\nup"), "{}", a.stdout_tail);
}
