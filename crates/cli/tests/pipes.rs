//! A closed standard output is never a panic (issue 13): every subcommand, run against the
//! built binary with its stdout on a pipe whose read end is already closed (what `| head -c 1`
//! does a moment later), ends without a panic; the commands that only report exit with 0 as
//! ripgrep does, and `misc run` still runs and records the whole round. Also: colours only
//! where anstream's rules allow them (a terminal, not NO_COLOR; CLICOLOR_FORCE forces them).

use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};

const MISC: &str = env!("CARGO_BIN_EXE_misc");

/// The write end of a pipe whose read end is closed: every write fails with EPIPE.
fn closed_pipe() -> OwnedFd {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(r, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    write
}

/// Runs `misc ARGS` with stdout (and stderr too if `both`) on a closed pipe; returns the exit
/// code and what went to stderr.
fn run_closed(args: &[&str], dir: &Path, both: bool) -> (Option<i32>, String) {
    let pipe = closed_pipe();
    let mut cmd = Command::new(MISC);
    cmd.args(args).current_dir(dir).stdin(Stdio::null());
    if both {
        cmd.stderr(Stdio::from(pipe.try_clone().expect("dup")));
    } else {
        cmd.stderr(Stdio::piped());
    }
    cmd.stdout(Stdio::from(pipe));
    let out = cmd.output().expect("misc runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "misc {args:?}: {stderr}"
    );
    (out.status.code(), stderr)
}

fn write_round(dir: &Path) {
    std::fs::create_dir_all(dir.join("problems")).unwrap();
    for i in 0..3 {
        std::fs::write(
            dir.join(format!("problems/p{i}.cudf")),
            format!("package: a\nversion: {}\n\nrequest: r\ninstall: a\n", i + 1),
        )
        .unwrap();
    }
    let sdir = dir.join("solvers/give-up");
    std::fs::create_dir_all(&sdir).unwrap();
    std::fs::write(
        sdir.join("solver.toml"),
        "name = \"give-up\"\nversion = \"1\"\ncommand = [\"sh\", \"-c\", \"echo FAIL > $1\", \"sh\", \"{output}\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("competition.toml"),
        "name = \"pipes\"\n[limits]\ncpu_time = 10\nwall_time = 20\nmemory = \"1GiB\"\n\
         [[tracks]]\nname = \"t\"\ncriteria = \"paranoid\"\nproblems = [\"problems/*.cudf\"]\nsolvers = [\"give-up\"]\n",
    )
    .unwrap();
}

fn record_count(round: &Path) -> usize {
    std::fs::read_to_string(round.join("results/runs.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn every_subcommand_survives_a_closed_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let round = dir.join("round");
    write_round(&round);

    // `misc run` goes on when nobody reads it: the whole round is recorded.
    let (code, stderr) = run_closed(&["run", "round", "-j", "1"], dir, false);
    assert_eq!(code, Some(0), "misc run: {stderr}");
    assert_eq!(record_count(&round), 3, "misc run stopped early: {stderr}");
    // Also with its progress and logs on the closed pipe (`misc run R 2>&1 | head`).
    let (code, _) = run_closed(&["run", "round", "--rerun", "fail"], dir, true);
    assert_eq!(code, Some(0), "misc run 2>&1");
    assert_eq!(record_count(&round), 3);

    std::fs::write(
        dir.join("answer.cudf"),
        "package: a\nversion: 1\ninstalled: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("wrong.cudf"),
        "package: b\nversion: 1\ninstalled: true\n",
    )
    .unwrap();
    let reports: &[&[&str]] = &[
        &["check", "round/problems/p0.cudf"],
        &["check", "round/problems/p0.cudf", "answer.cudf", "--json"],
        // A wrong answer, reported to nobody: the report's exit, not "not a solution".
        &["check", "round/problems/p0.cudf", "wrong.cudf"],
        &["score", "round"],
        &["score", "round", "--format", "table"],
        &["score", "round", "--format", "csv"],
        &[
            "score",
            "round",
            "--explain",
            "give-up",
            "--format",
            "table",
        ],
        &["report", "round", "--out", "site"],
        &["doctor"],
        &["doctor", "--json"],
        &["exec", "--", "true"],
        &["exec", "--json", "--show-output", "--", "echo", "hello"],
        &["run", "round", "--dry-run", "--rerun", "fail"],
        &["rejudge", "round"],
        &[
            "show",
            "round",
            "--track",
            "t",
            "--solver",
            "give-up",
            "--problem",
            "p1",
        ],
        &["show", "round", "--problem", "p2", "--json"],
        &["--help"],
        &["score", "--help"],
    ];
    for args in reports {
        let (code, stderr) = run_closed(args, dir, false);
        assert_eq!(code, Some(0), "misc {args:?} with stdout closed: {stderr}");
    }
    // Nothing was recorded twice or lost by the commands above.
    assert_eq!(record_count(&round), 3);
}

/// Colours through anstream's rules: none on a pipe (or with NO_COLOR), ANSI styles when asked
/// for with CLICOLOR_FORCE.
#[test]
fn colours_only_on_a_terminal_or_when_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let round = tmp.path().join("round");
    write_round(&round);
    let run = Command::new(MISC)
        .args(["run", "-j", "1"])
        .arg(&round)
        .output()
        .unwrap();
    assert!(run.status.success());
    let score = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(MISC);
        cmd.args(["score", "--format", "table"]).arg(&round);
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let piped = score(&[]);
    assert!(
        piped.contains("give-up") && !piped.contains('\x1b'),
        "{piped:?}"
    );
    let forced = score(&[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\x1b[1m"), "{forced:?}");
    let no_color = score(&[("NO_COLOR", "1")]);
    assert!(!no_color.contains('\x1b'), "{no_color:?}");
}
