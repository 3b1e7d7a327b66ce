//! What a new organiser meets first, tried with the real `misc` binary on rounds written in a
//! temporary folder outside the project: preflight of the definition and the problems
//! (every mistake at once, exit 2, file/line/key named, nothing recorded), solver search
//! folders, kept solver logs and `misc show`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{misc, script_solver, stderr, write, MISC};

/// A problem every solver can answer with `FAIL`.
const PROBLEM: &str = "preamble: \n\npackage: a\nversion: 1\n\nrequest: r\ninstall: a\n";

/// A round folder with two good problems and a solver `fails` (a script answering FAIL and
/// saying so on stderr), entered in one track.
fn round() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(&d.path().join("problems/easy/p1.cudf"), PROBLEM);
    write(&d.path().join("problems/easy/p2.cudf"), PROBLEM);
    script_solver(
        d.path(),
        "fails",
        "#!/bin/sh\necho \"fails: reading $1\"\necho 'fails: giving up on purpose' >&2\necho FAIL > \"$2\"\n",
    );
    competition(d.path(), "problems/*/*.cudf", &["fails"]);
    d
}

/// `competition.toml` of the round `r`: one paranoid track `t` over `glob` with `solvers`.
fn competition(dir: &Path, glob: &str, solvers: &[&str]) {
    common::competition(dir, "r", "", "t", glob, solvers);
}

fn results(dir: &Path) -> PathBuf {
    dir.join("results")
}

/// Exit 2, every expected piece in the message, and nothing recorded.
fn assert_refused(dir: &Path, o: &Output, expected: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for e in expected {
        assert!(err.contains(e), "`{e}` not in:\n{err}");
    }
    assert!(
        !results(dir).join("runs.jsonl").exists() && !results(dir).join("manifest.json").exists(),
        "something was recorded:\n{err}"
    );
}

/// The bad-definition matrix: each case is refused before any run, exit 2, naming the file,
/// the line and the key, and nothing is written.
#[test]
fn bad_definitions_are_refused_before_any_run() {
    // An unknown placeholder in a solver command.
    let d = round();
    write(
        &d.path().join("solvers/fails/solver.toml"),
        "name = \"fails\"\n\ncommand = [\"./run.sh\", \"{inptu}\", \"{output}\"]\n",
    );
    let o = misc(&["run", "."], d.path());
    assert_refused(
        d.path(),
        &o,
        &["solver.toml:3: command[1]", "`{inptu}`", "{input}"],
    );

    // A problems glob matching nothing.
    let d = round();
    competition(d.path(), "problems/*/*.cudf.xz", &["fails"]);
    let o = misc(&["run", "."], d.path());
    assert_refused(
        d.path(),
        &o,
        &[
            "competition.toml:",
            "tracks[0].problems",
            "problems/*/*.cudf.xz",
            "matches no file",
        ],
    );

    // A solver nobody defines: every folder searched is listed.
    let d = round();
    competition(d.path(), "problems/*/*.cudf", &["fails", "nobody"]);
    let o = misc(&["run", "."], d.path());
    let own = d.path().canonicalize().unwrap().join("solvers");
    assert_refused(
        d.path(),
        &o,
        &[
            "tracks[0].solvers",
            "no solver `nobody`",
            &own.display().to_string(),
        ],
    );

    // A problem that does not parse: its file, line and column.
    let d = round();
    write(
        &d.path().join("problems/easy/p2.cudf"),
        "preamble: \n\npackage: a\nversion: one\n\nrequest: r\ninstall: a\n",
    );
    let o = misc(&["run", "."], d.path());
    assert_refused(
        d.path(),
        &o,
        &["p2.cudf:4:", "version", "--skip-bad-problems"],
    );
    assert!(!stderr(&o).contains("p1.cudf"), "{}", stderr(&o));

    // A compressed problem that is not what its magic bytes say.
    let d = round();
    std::fs::write(
        d.path().join("problems/easy/p2.cudf"),
        b"\xfd7zXZ\x00 not really xz",
    )
    .unwrap();
    let o = misc(&["run", "."], d.path());
    assert_refused(d.path(), &o, &["p2.cudf", "cannot decompress Xz"]);

    // The track's criteria do not apply to a problem (an undeclared property).
    let d = round();
    write(
        &d.path().join("competition.toml"),
        "name = \"r\"\n[[tracks]]\nname = \"t\"\ncriteria = \"-sum(installedsize)\"\n\
         problems = [\"problems/*/*.cudf\"]\nsolvers = [\"fails\"]\n",
    );
    let o = misc(&["run", "."], d.path());
    assert_refused(d.path(), &o, &["p1.cudf", "track `t`", "installedsize"]);

    // Several mistakes at once: all are reported.
    let d = round();
    write(
        &d.path().join("solvers/fails/solver.toml"),
        "name = \"fails\"\ncommand = [\"./run.sh\", \"{in}\", \"{out}\"]\n",
    );
    write(
        &d.path().join("competition.toml"),
        "name = \"r\"\n[scoring]\nrules = \"misc1999\"\n[[tracks]]\nname = \"t\"\n\
         criteria = \"-removed,-bogus\"\nproblems = [\"nothing/*\"]\nsolvers = [\"fails\"]\n",
    );
    let o = misc(&["run", "."], d.path());
    assert_refused(
        d.path(),
        &o,
        &[
            "competition.toml:3: scoring.rules",
            "competition.toml:6: tracks[0].criteria",
            "tracks[0].problems",
            "solver.toml:2: command[1]",
            "solver.toml:2: command[2]",
            "5 mistakes",
        ],
    );
    // `--dry-run` checks as much.
    let o = misc(&["run", ".", "--dry-run"], d.path());
    assert_refused(d.path(), &o, &["5 mistakes"]);
}

/// `--skip-bad-problems` runs the good problems and lists the bad one in the manifest.
#[test]
fn bad_problems_can_be_left_out() {
    let d = round();
    write(
        &d.path().join("problems/easy/p2.cudf"),
        "package: a\nversion: x\n",
    );
    let o = misc(&["run", ".", "--skip-bad-problems"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let store = misc_results::Store::new(results(d.path()));
    let (records, _) = store.load().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].problem, "problems/easy/p1.cudf");
    let m = store.read_manifest().unwrap().unwrap();
    assert_eq!(m.excluded_problems.len(), 1, "{m:?}");
    assert_eq!(m.excluded_problems[0].problem, "problems/easy/p2.cudf");
    assert!(
        m.excluded_problems[0].reason.contains("p2.cudf:2:"),
        "{m:?}"
    );
    assert_eq!(m.tracks[0].problems, ["problems/easy/p1.cudf"]);
}

/// A round outside the project uses solver definitions of another folder through `--solvers`
/// or `MISC_SOLVERS_PATH`; without them, the error lists every folder searched.
#[test]
fn solver_folders_are_searched_in_order() {
    let d = round();
    let shelf = tempfile::tempdir().unwrap();
    std::fs::rename(d.path().join("solvers/fails"), shelf.path().join("fails")).unwrap();
    let o = misc(&["run", ".", "--dry-run"], d.path());
    assert_refused(
        d.path(),
        &o,
        &[
            "no solver `fails`",
            &d.path()
                .canonicalize()
                .unwrap()
                .join("solvers")
                .display()
                .to_string(),
            "--solvers DIR",
        ],
    );
    let o = misc(
        &[
            "run",
            ".",
            "--dry-run",
            "--solvers",
            shelf.path().to_str().unwrap(),
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2);
    let o = Command::new(MISC)
        .args(["run", ".", "--dry-run"])
        .current_dir(d.path())
        .env(
            "MISC_SOLVERS_PATH",
            format!("/nonexistent:{}", shelf.path().display()),
        )
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Each run's stdout and stderr are kept beside its output, sized in the record, shown by
/// `misc show` and on the problem page.
#[test]
fn solver_logs_are_kept_and_shown() {
    let d = round();
    let o = misc(&["run", "."], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (records, _) = misc_results::Store::new(results(d.path())).load().unwrap();
    assert_eq!(records.len(), 2);
    for r in &records {
        let logs = r.logs.as_ref().expect("logs kept");
        let stderr_rel = logs.stderr.as_ref().unwrap();
        assert_eq!(
            stderr_rel,
            &format!("outputs/t/fails/{}.stderr", r.problem),
            "beside the output {:?}",
            r.output
        );
        let text = std::fs::read_to_string(results(d.path()).join(stderr_rel)).unwrap();
        assert_eq!(text, "fails: giving up on purpose\n");
        assert_eq!(logs.stderr_bytes, text.len() as u64);
        assert!(logs.stdout_bytes > 0 && logs.stdout.is_some());
    }

    let o = misc(
        &[
            "show",
            ".",
            "--track",
            "t",
            "--solver",
            "fails",
            "--problem",
            "p1",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("verdict      fail"), "{text}");
    assert!(text.contains("  | fails: giving up on purpose"), "{text}");
    assert!(text.contains("  | fails: reading"), "{text}");
    // Ambiguous or unknown: a usage error that says what exists.
    let o = misc(&["show", ".", "--problem", "easy"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2 runs match"), "{}", stderr(&o));
    let o = misc(
        &["show", ".", "--solver", "nobody", "--problem", "p1"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("solvers: fails"), "{}", stderr(&o));

    let site = d.path().join("site");
    let o = misc(&["report", ".", "--out", site.to_str().unwrap()], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(site.join("problems/easy__p1.cudf.html")).unwrap();
    assert!(page.contains("fails: giving up on purpose"), "{page}");
    assert!(site
        .join("results/outputs/t/fails/problems/easy/p1.cudf.stderr")
        .is_file());
}

/// A round recorded before logs were kept (fixtures/old-round: today's format without
/// `logs`, `excluded_problems`, `not_run`) still loads, scores, reports and shows.
#[test]
fn records_without_logs_still_load_and_score() {
    let d = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/old-round/results");
    std::fs::create_dir_all(results(d.path())).unwrap();
    for f in ["manifest.json", "runs.jsonl"] {
        std::fs::copy(fixture.join(f), results(d.path()).join(f)).unwrap();
    }
    let o = misc(&["score", ".", "--format", "json"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\"fails\""), "{text}");
    let o = misc(&["show", ".", "--problem", "p1"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("logs         none"));
    let o = misc(&["report", ".", "--out", "site"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `misc check P S` with a SOLUTION path that names no readable file is a usage error (exit 2,
/// like a missing PROBLEM), not "verdict: invalid" (exit 1).
#[test]
fn check_with_a_missing_solution_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    write(&d.path().join("p.cudf"), PROBLEM);
    write(&d.path().join("fail.cudf"), "FAIL\n");
    let o = misc(&["check", "p.cudf", "fail.cudf"], d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for (path, says) in [
        ("typo.cudf", "cannot read SOLUTION typo.cudf"),
        (".", "is a directory"),
    ] {
        let o = misc(&["check", "p.cudf", path], d.path());
        assert_eq!(o.status.code(), Some(2), "{path}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{path}: {}", stderr(&o));
        assert!(!String::from_utf8_lossy(&o.stdout).contains("verdict"));
        let o = misc(&["check", "p.cudf", path, "--json"], d.path());
        assert_eq!(o.status.code(), Some(2), "{path}: {}", stderr(&o));
    }
    let o = misc(&["check", "missing.cudf", "fail.cudf"], d.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A broken compressed answer is a wrong answer, explained once.
    std::fs::write(d.path().join("bad.cudf.xz"), b"\xfd7zXZ\x00 not xz").unwrap();
    let o = misc(&["check", "p.cudf", "bad.cudf.xz"], d.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.matches("lzma data error").count(), 1, "{text}");
}

/// An entrant that cannot start (its script is not executable) gets no records and no rank:
/// the run summary says "not run: REASON" and the manifest lists it; once it can start, the
/// next `misc run` fills its runs in (misc-rules.md 7.4: m counts it all along).
#[test]
fn entrants_that_cannot_start_are_not_run_until_they_can() {
    use std::os::unix::fs::PermissionsExt;
    let d = round();
    write(
        &d.path().join("solvers/broken/run.sh"),
        "#!/bin/sh\necho FAIL > \"$2\"\n",
    );
    write(
        &d.path().join("solvers/broken/solver.toml"),
        "name = \"broken\"\ncommand = [\"./run.sh\", \"{input}\", \"{output}\"]\n",
    );
    competition(d.path(), "problems/*/*.cudf", &["broken", "fails"]);
    let o = misc(&["run", "."], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = String::from_utf8_lossy(&o.stdout);
    let line = summary.lines().find(|l| l.contains("broken")).unwrap();
    assert!(line.trim_start().starts_with('-'), "{summary}");
    assert!(
        line.contains("not run:") && line.contains("not an executable file"),
        "{summary}"
    );
    let fails = summary.lines().find(|l| l.contains("fails")).unwrap();
    assert!(fails.trim_start().starts_with('1'), "{summary}");
    let store = misc_results::Store::new(results(d.path()));
    let m = store.read_manifest().unwrap().unwrap();
    assert!(
        m.not_run["broken"].contains("not an executable file"),
        "{m:?}"
    );
    assert_eq!(m.tracks[0].solvers, ["broken", "fails"]);
    assert_eq!(store.load().unwrap().0.len(), 2);

    let script = d.path().join("solvers/broken/run.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = misc(&["run", "."], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 run(s) to do, 2 already recorded"),
        "{}",
        stderr(&o)
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("not run"));
    assert!(store.read_manifest().unwrap().unwrap().not_run.is_empty());
    assert_eq!(store.load().unwrap().0.len(), 4);
}

/// Figures that decided a place are shown with the digits that tell them apart: the demo's
/// paranoid leaders tie on points and are 3 ms apart on success time. CSV carries full
/// precision; after `misc score --tie-break par2 --save` the podium shows the par2 figure.
#[test]
fn a_tie_decided_by_milliseconds_reads_so() {
    let mut round = misc_report::synthetic::demo();
    let leaders = ["aspcud-1.9", "p2cudf-1.14"];
    let first: std::collections::HashMap<String, f64> = round
        .records
        .iter()
        .filter(|r| r.track == "paranoid" && r.solver == leaders[0])
        .map(|r| (r.problem.clone(), r.cpu_time))
        .collect();
    for r in round
        .records
        .iter_mut()
        .filter(|r| r.track == "paranoid" && r.solver == leaders[1])
    {
        r.cpu_time = first[&r.problem];
        if r.problem.ends_with("p1.cudf.xz") {
            r.cpu_time += 0.003;
        }
    }
    let d = tempfile::tempdir().unwrap();
    round.write_to(d.path()).unwrap();

    let o = misc(&["score", ".", "--format", "csv"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = String::from_utf8_lossy(&o.stdout);
    let times: Vec<&str> = leaders
        .iter()
        .map(|s| {
            let row = csv
                .lines()
                .find(|l| l.starts_with("paranoid,,") && l.contains(s))
                .unwrap();
            row.split(',').nth(5).unwrap()
        })
        .collect();
    let secs: Vec<f64> = times.iter().map(|t| t.parse().unwrap()).collect();
    assert!((secs[1] - secs[0] - 0.003).abs() < 1e-9, "{times:?}");
    // The case this test is about: two decimals do not tell them apart.
    assert_eq!(format!("{:.2}", secs[0]), format!("{:.2}", secs[1]));
    assert!(
        times[0].ends_with(|c: char| c.is_ascii_digit())
            && times[0].split('.').nth(1).unwrap().len() == 6
    );

    let o = misc(&["score", ".", "--format", "table"], d.path());
    let table = String::from_utf8_lossy(&o.stdout);
    let shown = |s: &str| {
        let line = table.lines().find(|l| l.contains(s)).unwrap().to_owned();
        line.split_whitespace().nth(3).unwrap().to_owned()
    };
    assert_ne!(shown(leaders[0]), shown(leaders[1]), "{table}");

    let o = misc(&["report", ".", "--out", "site"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(d.path().join("site/tracks/paranoid.html")).unwrap();
    let at = page.find("The tie-break decided");
    let note = &page[at.unwrap_or_else(|| panic!("no tie note:\n{table}"))..];
    let note = &note[..note.find("</p>").unwrap()];
    let a = format!("{} ({:.3} s)", leaders[0], secs[0]);
    let b = format!("{} ({:.3} s)", leaders[1], secs[1]);
    assert!(note.contains(&a) && note.contains(&b), "{note}");

    let o = misc(&["score", ".", "--tie-break", "par2", "--save"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = misc(&["report", ".", "--out", "site"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let index = std::fs::read_to_string(d.path().join("site/index.html")).unwrap();
    let podium = &index[index.find("<ol class=\"podium\"").unwrap()..];
    let podium = &podium[..podium.find("</ol>").unwrap()];
    assert!(podium.contains("par2 "), "{podium}");
    assert!(!podium.contains("success-time"), "{podium}");
}

/// `misc doctor` says what works now first, then what would be better, in words a user acts
/// on (no internal function names).
#[test]
fn doctor_says_what_works_first() {
    let d = tempfile::tempdir().unwrap();
    let o = misc(&["doctor"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let works = text.find("Works now:").expect("works-now section");
    assert!(
        text.starts_with("Runs on this machine are measured"),
        "{text}"
    );
    if let Some(better) = text.find("Would be better:") {
        assert!(works < better, "{text}");
    }
    assert!(
        !text.contains("misc_runner::") && !text.contains("Sandbox::"),
        "{text}"
    );
    if text.contains("with cgroup v1") {
        assert!(!text.contains("[missing]"), "{text}");
    }
}
