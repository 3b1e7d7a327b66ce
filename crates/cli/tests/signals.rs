//! Ctrl-C, SIGTERM and SIGHUP on `misc run` and `misc exec`, against the built binary: the
//! harness stops launching, kills every run's whole tree (0 of the test's own marked processes
//! left, by a /proc scan), records nothing partial, says how to resume, exits with 128 + the
//! signal, and a resume gives exactly one record per (track, solver, problem).
//!
//! The solvers are shell scripts that fork a child and a double-forked grandchild in a session
//! of its own, then sleep for a time written in each problem; the signal comes at a moment
//! drawn from a seeded generator (`MISC_SIGNAL_TEST_SEED`, default 13), printed on failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MISC: &str = env!("CARGO_BIN_EXE_misc");

const SOLVER: &str = r#"#!/bin/sh
# A solver that forks, double-forks and sleeps; every process it starts carries the marker.
export MISC_SIGNAL_TEST_MARK="$3"
delay=$(sed -n 's/^# delay //p' "$1")
sleep 60 &
( setsid sleep 60 & ) &
sleep "$delay"
echo FAIL > "$2"
"#;

/// The pinned generator (xorshift64*, misc-testkit), so a failing moment can be replayed.
use misc_testkit::XorShift64Star as Rng;

fn seed() -> u64 {
    std::env::var("MISC_SIGNAL_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(13)
}

/// Writes a round of 2 tracks × 2 solvers × `n` problems whose solvers sleep 0.1–0.8 s.
fn write_round(dir: &Path, mark: &str, n: usize, rng: &mut Rng) {
    std::fs::create_dir_all(dir.join("problems")).unwrap();
    for i in 0..n {
        let delay = 0.1 + 0.7 * rng.unit();
        std::fs::write(
            dir.join(format!("problems/p{i}.cudf")),
            format!("# delay {delay:.2}\npackage: a\nversion: 1\n\nrequest: r\ninstall: a\n"),
        )
        .unwrap();
    }
    for s in ["s1", "s2"] {
        let sdir = dir.join("solvers").join(s);
        std::fs::create_dir_all(&sdir).unwrap();
        std::fs::write(
            sdir.join("solver.toml"),
            format!(
                "name = \"{s}\"\nversion = \"1\"\ncommand = [\"./solve.sh\", \"{{input}}\", \"{{output}}\", \"{mark}\"]\n"
            ),
        )
        .unwrap();
        let script = sdir.join("solve.sh");
        std::fs::write(&script, SOLVER).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        dir.join("competition.toml"),
        "name = \"sig\"\n[limits]\ncpu_time = 20\nwall_time = 30\nmemory = \"1GiB\"\n\
         [[tracks]]\nname = \"a\"\ncriteria = \"paranoid\"\nproblems = [\"problems/*.cudf\"]\nsolvers = [\"s1\", \"s2\"]\n\
         [[tracks]]\nname = \"b\"\ncriteria = \"trendy\"\nproblems = [\"problems/*.cudf\"]\nsolvers = [\"s1\", \"s2\"]\n",
    )
    .unwrap();
}

/// The processes whose command line or environment holds `mark` (the test's own solvers).
fn marked(mark: &str) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let has = |file: &str| {
            std::fs::read(e.path().join(file))
                .map(|b| b.windows(mark.len()).any(|w| w == mark.as_bytes()))
                .unwrap_or(false)
        };
        if has("cmdline") || has("environ") {
            out.push(pid);
        }
    }
    out
}

/// How many records each (track, solver, problem) has.
type Counts = BTreeMap<(String, String, String), usize>;

/// Records per (track, solver, problem) key, and their outcomes.
fn records(round: &Path) -> (Counts, Vec<String>) {
    let mut keys = BTreeMap::new();
    let mut outcomes = Vec::new();
    let text = std::fs::read_to_string(round.join("results/runs.jsonl")).unwrap_or_default();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a whole record per line");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        *keys
            .entry((s("track"), s("solver"), s("problem")))
            .or_insert(0) += 1;
        outcomes.push(s("outcome"));
    }
    (keys, outcomes)
}

fn unique_mark(name: &str) -> String {
    format!(
        "misc-signal-test-{name}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    )
}

struct Interrupted {
    code: Option<i32>,
    stderr: String,
    survivors: Vec<i32>,
}

/// Starts `misc run ROUND -j 2`, sends `signals` (one after the other, `gap` apart) once
/// `delay` has passed, and waits for it to exit.
fn interrupt_run(
    round: &Path,
    mark: &str,
    delay: Duration,
    signals: &[i32],
    gap: Duration,
) -> Interrupted {
    let child = Command::new(MISC)
        .args(["run", "-j", "2"])
        .arg(round)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("misc starts");
    std::thread::sleep(delay);
    for (i, &sig) in signals.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(gap);
        }
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(child.id() as i32, sig) };
    }
    let out = child.wait_with_output().expect("misc ends");
    Interrupted {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        survivors: marked(mark),
    }
}

fn resume_completes(round: &Path, n: usize, context: &str) {
    let out = Command::new(MISC)
        .args(["run", "-j", "2"])
        .arg(round)
        .output()
        .expect("misc runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{context}: the resume failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (keys, outcomes) = records(round);
    assert_eq!(
        keys.len(),
        2 * 2 * n,
        "{context}: one record per run: {keys:?}"
    );
    assert!(
        keys.values().all(|&c| c == 1),
        "{context}: a run was recorded twice: {keys:?}"
    );
    assert!(
        outcomes.iter().all(|o| o == "fail"),
        "{context}: a run stopped by the interrupt was recorded: {outcomes:?}"
    );
}

fn scenario(name: &str, sig: i32, expected_code: i32, rng: &mut Rng) {
    let tmp = tempfile::tempdir().unwrap();
    let round: PathBuf = tmp.path().join("round");
    let mark = unique_mark(name);
    let n = 4;
    write_round(&round, &mark, n, rng);
    let delay = Duration::from_secs_f64(0.3 + 1.2 * rng.unit());
    let context = format!("{name} after {delay:?} (seed {})", seed());
    let r = interrupt_run(&round, &mark, delay, &[sig], Duration::ZERO);
    assert_eq!(r.code, Some(expected_code), "{context}: {}", r.stderr);
    assert!(
        r.survivors.is_empty(),
        "{context}: processes left alive: {:?}",
        r.survivors
    );
    assert!(
        r.stderr.contains("to resume:") && r.stderr.contains("misc run"),
        "{context}: no resume command: {}",
        r.stderr
    );
    // Whatever was recorded before the interrupt is whole and was not cut short.
    let (keys, outcomes) = records(&round);
    assert!(keys.values().all(|&c| c == 1), "{context}: {keys:?}");
    assert!(
        outcomes.iter().all(|o| o == "fail"),
        "{context}: {outcomes:?}"
    );
    assert!(
        keys.len() < 2 * 2 * n,
        "{context}: the round finished before the signal"
    );
    resume_completes(&round, n, &context);
}

#[test]
fn sigint_and_sigterm_stop_a_round_cleanly_and_it_resumes() {
    let mut rng = Rng::from_state(seed().max(1));
    scenario("sigint", libc::SIGINT, 130, &mut rng);
    scenario("sigterm", libc::SIGTERM, 143, &mut rng);
}

#[test]
fn a_second_ctrl_c_stops_at_once_and_leaves_nothing() {
    let mut rng = Rng::from_state(seed().wrapping_add(7).max(1));
    let tmp = tempfile::tempdir().unwrap();
    let round = tmp.path().join("round");
    let mark = unique_mark("twice");
    write_round(&round, &mark, 3, &mut rng);
    let r = interrupt_run(
        &round,
        &mark,
        Duration::from_millis(700),
        &[libc::SIGINT, libc::SIGINT],
        Duration::from_millis(5),
    );
    assert_eq!(r.code, Some(130), "{}", r.stderr);
    assert!(r.survivors.is_empty(), "left alive: {:?}", r.survivors);
    let (keys, outcomes) = records(&round);
    assert!(keys.values().all(|&c| c == 1), "{keys:?}");
    assert!(outcomes.iter().all(|o| o == "fail"), "{outcomes:?}");
    resume_completes(&round, 3, "after two SIGINTs");
}

#[test]
fn exec_passes_the_signal_on_then_kills_the_tree() {
    let mark = unique_mark("exec");
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGHUP, 129)] {
        // The command ignores the signal: its tree must still be gone once misc exits.
        let script = format!(
            "trap '' INT HUP TERM; export MISC_SIGNAL_TEST_MARK={mark}; sleep 60 & (setsid sleep 60 &) ; sleep 60"
        );
        let child = Command::new(MISC)
            .args(["exec", "--", "sh", "-c", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("misc exec starts");
        std::thread::sleep(Duration::from_millis(500));
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(child.id() as i32, sig) };
        let start = Instant::now();
        let out = child.wait_with_output().expect("misc exec ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{stdout}");
        assert!(start.elapsed() < Duration::from_secs(10));
        assert!(stdout.contains("termination=signalled"), "{stdout}");
        assert!(marked(&mark).is_empty(), "left alive: {:?}", marked(&mark));
    }
}
