//! Issue 16: a dishonest entrant beside an honest one in a real `misc run -j 2`.
//!
//! The dishonest entrant (`misc-hostile attack`) tries every attack of the issue while the honest
//! one (`misc-naive`, started through `sh -c 'sleep ...; exec misc-naive'` so that both run at
//! once) works: forge and corrupt records through `../../results`, see and kill the other
//! entrant's processes, signal and trace PID 1, list and read the other run's sandbox and the
//! other entrants' folders, list the round folder, write a marker file into `/tmp`, `/var/tmp`,
//! `/dev/shm`, `/run`, the home folders, `/`, `/etc`, the round folder, its `results/`, its
//! own solver folder and the folder of the entrants, remount `/` read-write, unmount what hides
//! `/dev/shm`, use the network. It writes one line per attempt to its output (kept by the
//! harness). Afterwards: every attempt was blocked (writes into the run's private `/tmp`-like
//! folders are allowed but must leave nothing on the host), the honest records are those of a
//! round without the attacker, the store holds exactly the harness's records, and no file with
//! the marker name exists outside the sandbox.
//!
//! The round runs as the test's user (root in CI) and, when this test runs as root and
//! unprivileged user namespaces work, again as `nobody` through `setpriv`.

use std::path::{Path, PathBuf};
use std::process::Command;

use misc_results::{Outcome, RunRecord, Store, Termination};

mod common;
use common::{build_binaries, workspace, write};

const PROBLEM: &str = "package: base\nversion: 1\ninstalled: true\n\n\
    package: a\nversion: 1\ndepends: base\n\npackage: a\nversion: 2\ndepends: base\n\n\
    package: b\nversion: 1\nconflicts: a = 1\n\n\
    request: r\ninstall: a, b\n";

/// A round folder under `base`: one problem, two tracks, `honest` and (unless `honest_only`)
/// `evil`, ordered so that each honest run has an attacker beside it with `-j 2`.
fn write_round(base: &Path, bins: &Path, marker: &str, honest_only: bool) -> PathBuf {
    let round = base.join("round");
    let solvers = |first: &str, second: &str| {
        if honest_only {
            "[\"honest\"]".to_string()
        } else {
            format!("[\"{first}\", \"{second}\"]")
        }
    };
    write(
        &round.join("competition.toml"),
        &format!(
            "name = \"hostile\"\nisolation = \"required\"\n\n[limits]\ncpu_time = 20\n\
             wall_time = 60\nmemory = \"1GiB\"\n\n\
             [[tracks]]\nname = \"paranoid\"\ncriteria = \"paranoid\"\n\
             problems = [\"problems/*.cudf\"]\nsolvers = {}\n\n\
             [[tracks]]\nname = \"trendy\"\ncriteria = \"trendy\"\n\
             problems = [\"problems/*.cudf\"]\nsolvers = {}\n",
            solvers("honest", "evil"),
            solvers("evil", "honest"),
        ),
    );
    write(&round.join("problems/p0.cudf"), PROBLEM);
    let naive = bins.join("misc-naive");
    // The honest script's program inside its own (visible, read-only) solver folder: a binary
    // elsewhere under /tmp (a project cloned there) is behind the run's private /tmp.
    let naive = {
        let copy = round.join("solvers/honest/misc-naive");
        std::fs::create_dir_all(round.join("solvers/honest")).expect("solver folder");
        std::fs::copy(&naive, &copy).expect("copy misc-naive");
        copy
    };
    write(
        &round.join("solvers/honest/solver.toml"),
        &format!(
            "name = \"honest\"\nversion = \"1\"\ncommand = [\"sh\", \"-c\", \
             \"sleep 0.5; exec {} \\\"$0\\\" \\\"$1\\\" \\\"$2\\\"\", \"{{input}}\", \
             \"{{output}}\", \"{{criteria}}\"]\n",
            naive.display()
        ),
    );
    let evil_dir = round.join("solvers/evil");
    write(
        &evil_dir.join("solver.toml"),
        &format!(
            "name = \"evil\"\nversion = \"1\"\ncommand = [\"{}\", \"attack\", \"{{input}}\", \
             \"{{output}}\", \"{}\", \"{marker}\", \"1.5\"]\n",
            bins.join("misc-hostile").display(),
            evil_dir.display()
        ),
    );
    round
}

/// Runs `misc run ROUND -j 2`, as `nobody` when asked.
fn misc_run(bins: &Path, round: &Path, as_nobody: bool) {
    let misc = bins.join("misc");
    let mut cmd = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&misc);
        c
    } else {
        Command::new(&misc)
    };
    let out = cmd
        .arg("run")
        .arg(round)
        .args(["-j", "2"])
        .env_remove("RUST_LOG")
        .output()
        .expect("misc runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success(), "misc run failed: {stderr}");
}

/// Files named `name` below `dir` (at most `depth` levels, symbolic links not followed).
fn find_named(dir: &Path, name: &str, depth: usize, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if e.file_name() == name {
            found.push(path.clone());
        }
        if depth > 0 && e.file_type().is_ok_and(|t| t.is_dir()) {
            find_named(&path, name, depth - 1, found);
        }
    }
}

/// The attack names every report must contain (so that the test cannot pass vacuously).
const ATTACKS: [&str; 12] = [
    "forge-record",
    "forge-record-relative",
    "see-processes",
    "signal-pid1",
    "ptrace-pid1",
    "read-other-sandboxes",
    "list-entrants",
    "list-round",
    "remount-rw",
    "unmount-hiding",
    "network",
    "kill-competitor",
];
/// Folders the run gets private copies of: writing there is allowed, and must not reach the
/// host.
const PRIVATE: [&str; 4] = ["/tmp", "/var/tmp", "/dev/shm", "/run"];

fn essentials(r: &RunRecord) -> (String, Outcome, Termination, Option<i32>, Option<Vec<i64>>) {
    (
        r.track.clone(),
        r.outcome,
        r.termination,
        r.exit_code,
        r.criteria.clone(),
    )
}

/// Runs the hostile round and its honest-only baseline under `base`, then checks everything.
fn hostile_round(bins: &Path, base: &Path, as_nobody: bool) {
    let marker = format!(
        "misc-marker-{}-{}",
        std::process::id(),
        if as_nobody { "nobody" } else { "self" }
    );
    let baseline = write_round(&base.join("baseline"), bins, &marker, true);
    let round = write_round(&base.join("attacked"), bins, &marker, false);
    if as_nobody {
        let status = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(base)
            .status()
            .expect("chown");
        assert!(status.success());
    }
    misc_run(bins, &baseline, as_nobody);
    misc_run(bins, &round, as_nobody);

    let store = Store::new(round.join("results"));
    let manifest = store.read_manifest().expect("manifest").expect("manifest");
    assert_eq!(manifest.isolation, "required");
    assert_eq!(manifest.isolated_by, "namespaces");

    // The store holds exactly the harness's records: every line one, nothing skipped.
    let text = std::fs::read_to_string(store.runs_path()).expect("runs.jsonl");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for l in &lines {
        serde_json::from_str::<RunRecord>(l).expect("a harness record");
    }
    let (records, report) = store.load().expect("load");
    assert!(
        report.foreign.is_empty() && report.torn_lines.is_empty(),
        "{report:?}"
    );
    assert_eq!(records.len(), 4);

    // The honest entrant's records are those of the round without the attacker.
    let (base_records, _) = Store::new(baseline.join("results")).load().expect("load");
    let mut honest: Vec<_> = records
        .iter()
        .filter(|r| r.solver == "honest")
        .map(essentials)
        .collect();
    let mut expected: Vec<_> = base_records.iter().map(essentials).collect();
    honest.sort_by(|a, b| a.0.cmp(&b.0));
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(honest, expected);
    assert!(honest.iter().all(|h| h.1 == Outcome::Solved), "{honest:?}");

    // Each honest run had an attacker running beside it.
    let overlaps = |a: &RunRecord, b: &RunRecord| {
        a.started_at < b.started_at + b.wall_time && b.started_at < a.started_at + a.wall_time
    };
    for h in records.iter().filter(|r| r.solver == "honest") {
        assert!(
            records.iter().any(|e| e.solver == "evil" && overlaps(h, e)),
            "no attacker ran beside {} / {}",
            h.track,
            h.problem
        );
    }

    // Every attempt failed.
    for e in records.iter().filter(|r| r.solver == "evil") {
        assert_eq!(e.outcome, Outcome::Fail, "{}", e.detail);
        let kept = e.output.as_ref().expect("the attacker's report is kept");
        let report = std::fs::read_to_string(store.dir().join(kept)).expect("report");
        eprintln!("{report}");
        for name in ATTACKS {
            let prefix = format!("attack {name}: ");
            let line = report
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("no {name} attempt in {report}"));
            assert!(line.contains(": blocked ("), "{line}");
        }
        let writes: Vec<&str> = report
            .lines()
            .filter(|l| l.starts_with("attack write "))
            .collect();
        assert!(writes.len() >= 13, "{report}");
        for w in writes {
            let dir = w["attack write ".len()..]
                .split(": ")
                .next()
                .unwrap_or_default();
            let allowed = PRIVATE.contains(&dir);
            assert!(
                w.contains(": blocked (") || (allowed && w.ends_with(": written")),
                "{w}"
            );
        }
    }

    // No marker file outside the sandbox (the sandboxes themselves are gone).
    let mut found = Vec::new();
    for (dir, depth) in [
        ("/tmp", 3),
        ("/var/tmp", 2),
        ("/dev/shm", 3),
        ("/run", 1),
        ("/root", 1),
        ("/home", 2),
        ("/", 0),
        ("/etc", 0),
    ] {
        find_named(Path::new(dir), &marker, depth, &mut found);
    }
    find_named(base, &marker, 8, &mut found);
    find_named(&workspace().join("solvers"), &marker, 2, &mut found);
    assert!(
        found.is_empty(),
        "marker files outside the sandbox: {found:?}"
    );
}

fn required(why: &str) {
    if std::env::var_os("MISC_REQUIRE_TOOLS").is_some() {
        panic!("MISC_REQUIRE_TOOLS is set: {why}");
    }
    eprintln!("skipped: {why}");
}

#[test]
fn hostile_entrant_cannot_touch_the_round_or_its_competitor() {
    if let Err(e) = misc_runner::namespaces_available() {
        return required(&format!("runs cannot be isolated here: {e}"));
    }
    let bins = build_binaries(&["misc", "misc-naive", "misc-hostile"]);
    let base = std::env::temp_dir().join(format!("misc-hostile-entrant-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    hostile_round(&bins, &base.join("self"), false);

    // Again as an ordinary user, where unprivileged user namespaces work.
    let root =
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").expect("proc")) == 0;
    if root {
        let userns = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .args(["unshare", "-U", "-r", "-m", "-p", "-f", "true"])
            .status()
            .is_ok_and(|s| s.success());
        let executable = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(bins.join("misc"))
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if userns && executable {
            hostile_round(&bins, &base.join("nobody"), true);
        } else {
            eprintln!(
                "note: not run as nobody (user namespaces for nobody: {userns}, binaries \
                 executable by nobody: {executable})"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&base);
}
