//! Limits per track, end to end (issue 17; MISC 2012: "Breaking ties: the time limit now
//! depends on the track"; misc-rules.md §2): a round whose two tracks have different CPU
//! limits, run by `misc run`, scored by `misc score`, published by `misc report`, and run
//! again through the Slurm executor, which must record the same outcomes, terminations,
//! limits and criteria.
//!
//! The Slurm part needs a cluster (`SLURM_CONF` set, as `.ci/slurm-up.sh`'s `env.sh` does, and
//! `sinfo` answering): without one it is skipped, saying why, unless `MISC_REQUIRE_TOOLS` is
//! set (CI), when a missing cluster fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use misc_results::{Limits, Outcome, RunRecord, Store, Termination};
use misc_score::Scores;

const MISC: &str = env!("CARGO_BIN_EXE_misc");

/// The CPU limits of the two tracks: the spinning solver costs 5 × (0.3 + 0.8) = 5.5 CPU
/// seconds per execution of the round. The wall limit is far above them, so that the spinner
/// ends at its CPU limit however loaded the machine is.
const SHORT_CPU: f64 = 0.3;
const LONG_CPU: f64 = 0.8;
const WALL: f64 = 60.0;
const PROBLEMS: usize = 5;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn executable(p: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(p, text);
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The round: five problems; `spin` never answers (a busy loop, ended by the CPU limit);
/// `mixed` always installs `a`, which solves p4 and p5 (they ask for `a`) and is a wrong
/// answer to p1-p3 (they ask for `w`).
///
/// Points (m = 2, MISC 2011: no solution 2m = 4, wrong 3m = 6, a lone valid solution 1):
/// spin 5 × 4 = 20, mixed 3 × 6 + 1 + 1 = 20. The tie on the best total is broken by the
/// success time: spin 5 × L, mixed (its CPU time on p4 and p5) + 3 × L, L being the track's
/// CPU limit; mixed wins on both tracks, by figures that differ by track.
fn make_round(dir: &Path) {
    for i in 1..=PROBLEMS {
        let want = if i <= 3 { "w" } else { "a" };
        write(
            &dir.join(format!("problems/x/p{i}.cudf")),
            &format!(
                "package: a\nversion: 1\n\npackage: w\nversion: {i}\n\nrequest: p{i}\ninstall: {want}\n"
            ),
        );
    }
    executable(
        &dir.join("solvers/spin/spin.sh"),
        "#!/bin/sh\nwhile :; do :; done\n",
    );
    write(
        &dir.join("solvers/spin/solver.toml"),
        "name = \"spin\"\nversion = \"1\"\ncommand = [\"./spin.sh\", \"{input}\", \"{output}\"]\n",
    );
    executable(
        &dir.join("solvers/mixed/mixed.sh"),
        "#!/bin/sh\nprintf 'package: a\\nversion: 1\\ninstalled: true\\n' > \"$2\"\n",
    );
    write(
        &dir.join("solvers/mixed/solver.toml"),
        "name = \"mixed\"\nversion = \"1\"\ncommand = [\"./mixed.sh\", \"{input}\", \"{output}\"]\n",
    );
    let track = |name: &str| {
        format!(
            "[[tracks]]\nname = \"{name}\"\ncriteria = \"paranoid\"\n\
             problems = [\"problems/x/*.cudf\"]\nsolvers = [\"spin\", \"mixed\"]\n"
        )
    };
    write(
        &dir.join("competition.toml"),
        &format!(
            "name = \"track-limits\"\n[limits]\ncpu_time = 1\nwall_time = {WALL}\nmemory = \"512MiB\"\n\
             [scoring]\nrules = \"misc2011\"\ntie_break = \"success-time\"\n\
             {}[tracks.limits]\ncpu_time = {SHORT_CPU}\n\
             {}limits = {{ cpu_time = {LONG_CPU}, memory = \"1GiB\" }}\n",
            track("short"),
            track("long")
        ),
    );
}

fn limits_of(track: &str) -> Limits {
    Limits {
        cpu_time: if track == "short" {
            SHORT_CPU
        } else {
            LONG_CPU
        },
        wall_time: WALL,
        memory: if track == "short" { 512 << 20 } else { 1 << 30 },
        // The default warning (20 s) does not fit under either CPU limit: none is sent.
        warning: 0.0,
        output: 1 << 30,
    }
}

fn misc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(MISC)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn load(round: &Path) -> Vec<RunRecord> {
    let (records, report) = Store::new(round.join("results")).load().unwrap();
    assert!(report.torn_lines.is_empty());
    assert_eq!(report.duplicates, 0);
    records
}

type Key = (String, String, String);
/// What must not depend on the executor: outcome, termination, limits, criteria.
type Verdict = (Outcome, Termination, Limits, Option<Vec<i64>>);

fn verdicts(records: &[RunRecord]) -> BTreeMap<Key, Verdict> {
    records
        .iter()
        .map(|r| {
            (
                (r.track.clone(), r.solver.clone(), r.problem.clone()),
                (
                    r.outcome,
                    r.termination,
                    r.limits.clone(),
                    r.criteria.clone(),
                ),
            )
        })
        .collect()
}

/// Checks the records of the round and, against a hand computation from them, the scores of
/// `misc score`.
fn check_round(round: &Path) -> BTreeMap<Key, Verdict> {
    let records = load(round);
    assert_eq!(records.len(), 2 * 2 * PROBLEMS);
    for r in &records {
        let what = format!("{} {} {}: {:?}", r.track, r.solver, r.problem, r);
        // Each record carries its track's limits.
        assert_eq!(r.limits, limits_of(&r.track), "{what}");
        match (r.solver.as_str(), r.problem.as_str()) {
            ("spin", _) => {
                assert_eq!(r.outcome, Outcome::Abort, "{what}");
                assert_eq!(r.termination, Termination::CpuLimit, "{what}");
                assert!(r.cpu_time >= r.limits.cpu_time * 0.9, "{what}");
            }
            (_, "problems/x/p4.cudf" | "problems/x/p5.cudf") => {
                assert_eq!(r.outcome, Outcome::Solved, "{what}")
            }
            _ => assert_eq!(r.outcome, Outcome::Wrong, "{what}"),
        }
    }

    let (code, out, err) = misc(&["score", round.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("different limits"), "{err}");
    let scores: Scores = serde_json::from_str(&out).unwrap();
    for track in ["short", "long"] {
        let l = limits_of(track).cpu_time;
        let t = scores.track(track).unwrap();
        assert_eq!(t.cpu_time_limit, l);
        assert_eq!(t.limits.as_ref(), Some(&limits_of(track)));
        let spin = t.entry("spin").unwrap();
        let mixed = t.entry("mixed").unwrap();
        // The hand computation: in whole microseconds, as the scorer sums.
        let us = |s: f64| (s * 1e6).round() as i64;
        let solved_us: i64 = records
            .iter()
            .filter(|r| r.track == track && r.solver == "mixed" && r.outcome == Outcome::Solved)
            .map(|r| us(r.cpu_time))
            .sum();
        assert_eq!((spin.score, mixed.score), (20, 20), "{track}");
        assert_eq!(us(spin.success_time), 5 * us(l), "{track}: 5 × {l} s");
        assert_eq!(
            us(mixed.success_time),
            solved_us + 3 * us(l),
            "{track}: CPU on p4, p5 + 3 × {l} s"
        );
        assert!(
            solved_us < 2 * us(l),
            "{track}: mixed solves within its limits"
        );
        assert_eq!((mixed.rank, spin.rank), (1, 2), "{track}");
        assert!(mixed.winner_by_tie_break, "{track}");
    }

    // `--explain` states each track's limits and what each failed run was charged.
    let (code, out, err) = misc(&[
        "score",
        round.to_str().unwrap(),
        "--explain",
        "spin",
        "--format",
        "table",
    ]);
    assert_eq!(code, 0, "{err}");
    for part in [
        "limits of track short: CPU 0.3 s, wall clock 60 s, memory 512 MiB",
        "limits of track long: CPU 0.8 s, wall clock 60 s, memory 1 GiB",
        "CPU limit 0.3 s",
        "CPU limit 0.8 s",
    ] {
        assert!(out.contains(part), "{part}:\n{out}");
    }
    verdicts(&records)
}

#[test]
fn tracks_run_and_rank_under_their_own_limits() {
    let base = std::env::var_os("MISC_SLURM_TEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("misc-track-limits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let local = base.join("local");
    make_round(&local);
    let (code, _, err) = misc(&["run", local.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let expected = check_round(&local);

    // The site: each track page its own limits, the index both.
    let site = base.join("site");
    let (code, _, err) = misc(&[
        "report",
        local.to_str().unwrap(),
        "--out",
        site.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let page = |f: &str| std::fs::read_to_string(site.join(f)).unwrap();
    let index = page("index.html");
    assert!(
        index.contains("short: CPU 0.3 s") && index.contains("long: CPU 0.8 s"),
        "{index}"
    );
    assert!(page("tracks/short.html").contains("CPU 0.3 s, wall clock 60 s, memory 512 MiB"));
    assert!(page("tracks/long.html").contains("CPU 0.8 s, wall clock 60 s, memory 1 GiB"));

    // The same round through the Slurm executor.
    match misc_testkit::slurm_unavailable() {
        Some(why) if std::env::var_os("MISC_REQUIRE_TOOLS").is_some() => {
            panic!("MISC_REQUIRE_TOOLS is set but there is no Slurm cluster: {why}")
        }
        Some(why) => eprintln!("SKIPPED the Slurm half: {why}"),
        None => {
            let slurm = base.join("slurm");
            make_round(&slurm);
            let (code, out, err) = misc(&[
                "run",
                slurm.to_str().unwrap(),
                "--executor",
                "slurm",
                "--chunk",
                "5",
            ]);
            assert_eq!(code, 0, "{out}{err}");
            assert!(format!("{out}{err}").contains("submitted job array"));
            assert_eq!(check_round(&slurm), expected);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// misc-rules.md 7.1 and issue 13: a limit of 0 is a definition error (exit 2, naming file,
/// line and key), not "no limit", and nothing is run or written.
#[test]
fn a_zero_limit_stops_the_round_before_anything_runs() {
    let dir = std::env::temp_dir().join(format!("misc-zero-limits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let round = dir.join("round");
    make_round(&round);
    for (table, key) in [
        (
            "[limits]\ncpu_time = 0\n",
            "competition.toml:3: limits.cpu_time",
        ),
        (
            "[limits]\nwall_time = 0\n",
            "competition.toml:3: limits.wall_time",
        ),
        (
            "[limits]\nmemory = -1\n",
            "competition.toml:3: limits.memory",
        ),
        (
            "[limits]\noutput = 0\n",
            "competition.toml:3: limits.output",
        ),
    ] {
        let toml = std::fs::read_to_string(round.join("competition.toml")).unwrap();
        let end = toml.find("[scoring]").unwrap();
        let bad = format!("name = \"x\"\n{table}{}", &toml[end..]);
        std::fs::write(round.join("competition.toml"), &bad).unwrap();
        let (code, _, err) = misc(&["run", round.to_str().unwrap()]);
        assert_eq!(code, 2, "{table}: {err}");
        assert!(err.contains(key), "{table}: {err}");
        assert!(err.contains("positive"), "{table}: {err}");
        assert!(!round.join("results").exists(), "{table}: nothing written");
        std::fs::write(round.join("competition.toml"), toml).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
