//! `misc run --executor slurm` against a real Slurm cluster: the records equal those of a local
//! run of the same round, a cancelled array completes when `misc run` runs again,
//! `--detach` then `misc run` collects, and so does `misc run` after a Ctrl-C (which leaves the
//! job running and says how to cancel it).
//!
//! Needs a cluster (`SLURM_CONF` set, as `.ci/slurm-up.sh`'s `env.sh` does, and `sinfo`
//! answering) and the test solvers built next to `misc` (`cargo test --workspace` builds them);
//! otherwise it skips, saying why, or fails when `MISC_REQUIRE_TOOLS` is set (misc-testkit; CI
//! sets it and brings a cluster up with .ci/slurm-up.sh). The round is written under `MISC_SLURM_TEST_DIR` (default:
//! the temporary directory), which must be shared with the nodes on a multi-node cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use misc_results::Store;

const MISC: &str = env!("CARGO_BIN_EXE_misc");

fn skip_reason() -> Option<String> {
    if let Some(why) = misc_testkit::slurm_unavailable() {
        return Some(why);
    }
    let bin = Path::new(MISC).parent()?;
    for s in ["misc-naive", "misc-hostile"] {
        if !bin.join(s).is_file() {
            return Some(format!(
                "{s} is not built next to misc (cargo build -p misc-test-solvers)"
            ));
        }
    }
    None
}

const SOLVERS: &[(&str, &[&str])] = &[
    ("hostile-fail", &["fail"]),
    ("hostile-garbage", &["garbage"]),
    ("hostile-segv", &["die-by-signal"]),
    ("hostile-exit", &["exit", "3"]),
    ("hostile-spin", &["spin"]),
];

/// A round: the checker fixtures as problems, the naive solver and the hostile ones.
/// Makes the round in `dir` and returns how many problems it has (every fixture of the
/// reference solver's tests).
fn make_round(dir: &Path) -> usize {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../solvers/tests/fixtures");
    let problems = dir.join("problems/fix");
    std::fs::create_dir_all(&problems).unwrap();
    let mut count = 0;
    for e in std::fs::read_dir(&fixtures).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "cudf") {
            std::fs::copy(e.path(), problems.join(e.file_name())).unwrap();
            count += 1;
        }
    }
    let mut names = vec!["naive".to_string()];
    let naive = dir.join("solvers/naive");
    std::fs::create_dir_all(&naive).unwrap();
    std::fs::write(
        naive.join("solver.toml"),
        "name = \"naive\"\nversion = \"1\"\ncommand = [\"misc-naive\", \"{input}\", \"{output}\", \"{criteria}\"]\n",
    )
    .unwrap();
    for (name, args) in SOLVERS {
        let d = dir.join("solvers").join(name);
        std::fs::create_dir_all(&d).unwrap();
        let args: Vec<String> = args.iter().map(|a| format!("\"{a}\", ")).collect();
        std::fs::write(
            d.join("solver.toml"),
            format!(
                "name = \"{name}\"\nversion = \"1\"\ncommand = [\"misc-hostile\", {}\"{{input}}\", \"{{output}}\"]\n",
                args.concat()
            ),
        )
        .unwrap();
        names.push(name.to_string());
    }
    let solvers: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    // A wall limit far above the CPU limit: the spinning solver ends at its CPU limit even on a
    // loaded machine, so the outcome does not depend on the load.
    std::fs::write(
        dir.join("competition.toml"),
        format!(
            "name = \"slurmtest\"\n[limits]\ncpu_time = 1\nwall_time = 30\nmemory = \"512MiB\"\n\
             [[tracks]]\nname = \"paranoid\"\ncriteria = \"paranoid\"\nproblems = [\"problems/*/*.cudf\"]\n\
             solvers = [{}]\n",
            solvers.join(", ")
        ),
    )
    .unwrap();
    count
}

type Key = (String, String, String);
type Verdict = (String, String, Option<Vec<i64>>, String);

/// The judged content of every record (not times, hosts or paths), and the duplicates seen.
fn records(round: &Path) -> (BTreeMap<Key, Verdict>, usize) {
    let (records, report) = Store::new(round.join("results")).load().unwrap();
    assert!(report.torn_lines.is_empty(), "{:?}", report.torn_lines);
    let mut map = BTreeMap::new();
    for r in records {
        let key = (r.track.clone(), r.solver.clone(), r.problem.clone());
        let v = (
            r.outcome.to_string(),
            r.termination.as_str().to_string(),
            r.criteria.clone(),
            serde_json::to_string(&r.violations).unwrap(),
        );
        assert!(map.insert(key, v).is_none());
    }
    (map, report.duplicates)
}

fn misc(args: &[&str]) -> (i32, String) {
    let out = Command::new(MISC)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn copy_round(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let status = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

fn job_id(round: &Path) -> Option<String> {
    let text = std::fs::read(round.join("results/slurm/state.json")).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
    v["submissions"].as_array()?.last()?["job_id"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn slurm_rounds_record_what_a_local_round_records() {
    if let Some(why) = skip_reason() {
        misc_testkit::skip(format!("slurm test: {why}"));
        return;
    }
    let base = std::env::var_os("MISC_SLURM_TEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("misc-slurm-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let template = base.join("template");
    let problems = make_round(&template);

    // The reference: a local run.
    let local = base.join("local");
    copy_round(&template, &local);
    let (code, out) = misc(&["run", local.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (expected, dups) = records(&local);
    assert_eq!(dups, 0);
    let total = expected.len();
    assert_eq!(total, problems * (1 + SOLVERS.len()), "{out}");
    // The round exercises every outcome.
    for o in ["solved", "fail", "abort", "wrong"] {
        assert!(
            expected.values().any(|v| v.0 == o),
            "no {o} in the local run"
        );
    }

    // 1. The same round through Slurm: the same records, none twice.
    let slurm = base.join("slurm");
    copy_round(&template, &slurm);
    let (code, out) = misc(&[
        "run",
        slurm.to_str().unwrap(),
        "--executor",
        "slurm",
        "--chunk",
        "10",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("submitted job array"), "{out}");
    let (got, dups) = records(&slurm);
    assert_eq!(dups, 0);
    assert_eq!(got, expected, "{out}");
    // Every record came from a task's shard.
    let shards = std::fs::read_dir(slurm.join("results"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("runs.slurm-"))
        .count();
    assert_eq!(shards, total.div_ceil(10));
    // Running again finds nothing to do and submits nothing.
    let (code, out) = misc(&["run", slurm.to_str().unwrap(), "--executor", "slurm"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("submitted job array"), "{out}");

    // 2. Cancel the array mid-way, then run again: the round completes.
    let cancel = base.join("cancel");
    copy_round(&template, &cancel);
    let child = Command::new(MISC)
        .args([
            "run",
            cancel.to_str().unwrap(),
            "--executor",
            "slurm",
            "--chunk",
            "6",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until a third of the runs are recorded (some tasks done, others running or
    // pending), then cancel the array.
    let start = Instant::now();
    let job = loop {
        let recorded = records(&cancel).0.len();
        if let Some(j) = job_id(&cancel) {
            if recorded >= total / 3 {
                break j;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "no records after 300 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let st = Command::new("scancel").arg(&job).status().unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    let (partial, dups) = records(&cancel);
    assert_eq!(dups, 0);
    eprintln!(
        "cancelled job {job} with {} of {total} runs recorded",
        partial.len()
    );
    assert!(
        partial.len() < total,
        "the array ended before the cancel: {text}"
    );
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("cancelled"), "{text}");
    // What was recorded before the cancel is right (nothing scored for Slurm's kill).
    for (k, v) in &partial {
        assert_eq!(Some(v), expected.get(k), "{k:?}");
    }
    let (code, out) = misc(&[
        "run",
        cancel.to_str().unwrap(),
        "--executor",
        "slurm",
        "--chunk",
        "6",
    ]);
    assert_eq!(code, 0, "{out}");
    let (got, dups) = records(&cancel);
    assert_eq!(dups, 0);
    assert_eq!(got, expected, "{out}");

    // 3. --detach returns after submitting; `misc run` again attaches and collects.
    let detach = base.join("detach");
    copy_round(&template, &detach);
    let (code, out) = misc(&[
        "run",
        detach.to_str().unwrap(),
        "--executor",
        "slurm",
        "--chunk",
        "20",
        "--detach",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("detached"), "{out}");
    let (code, out) = misc(&["run", detach.to_str().unwrap(), "--executor", "slurm"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("submitted job array"),
        "attached, not resubmitted: {out}"
    );
    let (got, dups) = records(&detach);
    assert_eq!(dups, 0);
    assert_eq!(got, expected, "{out}");

    // 4. Ctrl-C once the array is submitted: misc exits with 130, says that the job keeps
    //    running and how to cancel it; `misc run` again collects it.
    let signalled = base.join("signalled");
    copy_round(&template, &signalled);
    // Two quick solvers keep this step short.
    let quick = "naive,hostile-fail";
    let child = Command::new(MISC)
        .args(["run", signalled.to_str().unwrap(), "--executor", "slurm"])
        .args(["--chunk", "6", "--solver", quick])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let job = loop {
        if let Some(j) = job_id(&signalled) {
            break j;
        }
        assert!(Instant::now() < deadline, "no job submitted");
        std::thread::sleep(Duration::from_millis(100));
    };
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains(&format!("job {job} keeps running"))
            && err.contains(&format!("scancel {job}")),
        "{err}"
    );
    let (code, out) = misc(&[
        "run",
        signalled.to_str().unwrap(),
        "--executor",
        "slurm",
        "--solver",
        quick,
    ]);
    assert_eq!(code, 0, "{out}");
    let (got, dups) = records(&signalled);
    assert_eq!(dups, 0);
    let expected_quick: BTreeMap<Key, Verdict> = expected
        .into_iter()
        .filter(|((_, solver, _), _)| quick.split(',').any(|q| q == solver))
        .collect();
    assert_eq!(got, expected_quick, "{out}");

    let _ = std::fs::remove_dir_all(&base);
}
