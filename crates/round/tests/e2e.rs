//! End to end: `misc run` on a small round with the naive solver, hostile solvers and (when
//! installed; a failure under `MISC_REQUIRE_TOOLS`, see misc-testkit) the Debian solvers; SIGKILL the harness mid-round, check that no solver process
//! is left, resume, and check the records. Then: resume adds nothing, a new problem adds only
//! its pairs, `--rerun wrong` repeats only those, `misc rejudge` reproduces the verdicts.
//!
//! The `misc`, `misc-naive`, `misc-hostile` and `misc-wrap` (mccs and packup) binaries are built with cargo into the target
//! folder of this test.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use misc_results::{Outcome, RunRecord, Termination};

mod common;
use common::{build_binaries, workspace, write};

const PROBLEM_A: &str = "package: a\nversion: 1\ninstalled: true\n\n\
    package: a\nversion: 2\n\n\
    package: b\nversion: 1\nconflicts: a\n\n\
    package: c\nversion: 2\ndepends: b | a >= 2\n\n\
    request: r\ninstall: c\n";

fn problem(i: usize) -> String {
    // Distinct small problems: a chain of i+2 packages to install.
    let mut s = String::from("package: base\nversion: 1\ninstalled: true\n\n");
    for k in 0..i + 2 {
        let dep = if k == 0 {
            "base".to_string()
        } else {
            format!("p{}", k - 1)
        };
        s += &format!("package: p{k}\nversion: 1\ndepends: {dep}\n\npackage: p{k}\nversion: 2\ndepends: {dep}\n\n");
    }
    s += &format!("request: r\ninstall: p{}\n", i + 1);
    s
}

struct Round {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    sandboxes: PathBuf,
    bins: PathBuf,
    solvers: Vec<String>,
}

impl Round {
    fn misc(&self, args: &[&str]) -> Command {
        let mut c = Command::new(self.bins.join("misc"));
        c.args(args).arg(&self.dir).current_dir(&self.dir);
        if args.first() == Some(&"run") {
            c.arg("--sandbox-base").arg(&self.sandboxes);
        }
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.misc(&["run", "-j", "2"]).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "misc run {args:?} failed:\n{text}");
        text
    }

    /// Every record line of every record file (no deduplication: duplicates must show).
    fn raw_records(&self) -> Vec<RunRecord> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.dir.join("results"))
            .unwrap()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("runs") && name.ends_with(".jsonl") {
                let text = std::fs::read_to_string(e.path()).unwrap();
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    if let Ok(r) = serde_json::from_str::<RunRecord>(line) {
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    /// Processes whose command line mentions this round's sandboxes (its solvers).
    fn solver_processes(&self) -> Vec<(u32, String)> {
        let needle = self.sandboxes.to_string_lossy().to_string();
        let mut out = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
                continue;
            };
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(&needle)
                && !cmd.contains("misc run")
                && !cmd.starts_with(&*self.bins.join("misc").to_string_lossy())
            {
                out.push((pid, cmd));
            }
        }
        out
    }
}

fn setup(bins: PathBuf) -> Round {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("round");
    let sandboxes = tmp.path().join("sandboxes");
    std::fs::create_dir_all(&sandboxes).unwrap();
    write(&dir.join("problems/easy/a.cudf"), PROBLEM_A);
    for i in 0..3 {
        write(&dir.join(format!("problems/chain/c{i}.cudf")), &problem(i));
    }
    let mut solvers = vec!["naive".to_string()];
    write(
        &dir.join("solvers/naive/solver.toml"),
        "name = \"naive\"\nversion = \"1\"\ncommand = [\"misc-naive\", \"{input}\", \"{output}\", \"{criteria}\"]\n",
    );
    for mode in ["spin", "garbage", "fail", "daemon-sleep"] {
        write(
            &dir.join(format!("solvers/{mode}/solver.toml")),
            &format!("name = \"{mode}\"\nversion = \"1\"\ncommand = [\"misc-hostile\", \"{mode}\", \"{{input}}\", \"{{output}}\"]\n"),
        );
        solvers.push(mode.to_string());
    }
    // The Debian solvers, through the project's definitions and wrappers, when installed.
    for s in ["aspcud", "mccs", "packup"] {
        let src = workspace().join("solvers").join(s);
        let on_path = misc_testkit::require_tool(s, &format!("apt-get install {s}")).is_some();
        if on_path && src.join("solver.toml").exists() {
            let to = dir.join("solvers").join(s);
            std::fs::create_dir_all(&to).unwrap();
            for e in std::fs::read_dir(&src).unwrap().flatten() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
            solvers.push(s.to_string());
        } else {
            eprintln!("note: {s} is not installed; the round runs without it");
        }
    }
    let list: Vec<String> = solvers.iter().map(|s| format!("\"{s}\"")).collect();
    write(
        &dir.join("competition.toml"),
        &format!(
            "name = \"e2e\"\n[limits]\ncpu_time = 1\nwall_time = 8\nmemory = \"512MiB\"\nwarning = 0\n\
             [[tracks]]\nname = \"paranoid\"\ncriteria = \"paranoid\"\nproblems = [\"problems/**/*.cudf\"]\nsolvers = [{}]\n",
            list.join(", ")
        ),
    );
    Round {
        _tmp: tmp,
        dir,
        sandboxes,
        bins,
        solvers,
    }
}

fn check_records(round: &Round, records: &[RunRecord], problems: usize) {
    let mut per_key: HashMap<(String, String, String), usize> = HashMap::new();
    for r in records {
        *per_key
            .entry((r.track.clone(), r.solver.clone(), r.problem.clone()))
            .or_default() += 1;
    }
    assert!(
        per_key.values().all(|&n| n == 1),
        "duplicate records: {per_key:?}"
    );
    assert_eq!(
        records.len(),
        round.solvers.len() * problems,
        "one record per pair"
    );
    for r in records {
        let what = format!(
            "{} on {}: {:?} {} {}",
            r.solver, r.problem, r.outcome, r.termination, r.detail
        );
        match r.solver.as_str() {
            "naive" | "aspcud" | "mccs" | "packup"
                if r.solver == "naive" || r.outcome == Outcome::Solved =>
            {
                assert_eq!(r.outcome, Outcome::Solved, "{what}");
                assert_eq!(r.criteria.as_ref().map(Vec::len), Some(2), "{what}");
                assert!(r.output.is_some(), "{what}");
            }
            "naive" | "aspcud" | "mccs" | "packup" => eprintln!("note: {what}"),
            "spin" => {
                assert_eq!(r.outcome, Outcome::Abort, "{what}");
                assert_eq!(r.termination, Termination::CpuLimit, "{what}");
                assert!(r.criteria.is_none());
            }
            "garbage" => {
                assert_eq!(r.outcome, Outcome::Wrong, "{what}");
                assert!(!r.violations.is_empty(), "{what}");
                assert!(r.output.is_some(), "wrong outputs are kept: {what}");
            }
            "fail" => {
                assert_eq!(r.outcome, Outcome::Fail, "{what}");
                assert!(r.output.is_some(), "FAIL outputs are kept: {what}");
            }
            "daemon-sleep" => {
                assert_eq!(r.outcome, Outcome::Abort, "{what}");
                assert_eq!(r.termination, Termination::WallLimit, "{what}");
            }
            other => panic!("unexpected solver {other}"),
        }
        assert_eq!(r.problem_hash.len(), 64);
        assert_eq!(r.solver_hash.len(), 64);
        if let Some(o) = &r.output {
            assert!(
                round.dir.join("results").join(o).is_file(),
                "kept output {o}"
            );
        }
    }
}

#[test]
fn run_kill_resume_rerun_rejudge() {
    let round = setup(build_binaries(&[
        "misc",
        "misc-naive",
        "misc-hostile",
        "misc-wrap",
    ]));
    let problems = 4;

    // Start, and kill the harness with SIGKILL once a few runs are recorded.
    let mut child = round
        .misc(&["run", "-j", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let runs = round.dir.join("results/runs.jsonl");
    let start = Instant::now();
    loop {
        let n = std::fs::read_to_string(&runs).map_or(0, |t| t.lines().count());
        if n >= 3 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SIGKILL, as `kill -9` would.
    child.kill().unwrap();
    child.wait().unwrap();
    let before = round.raw_records().len();
    assert!(
        before >= 3 && before < round.solvers.len() * problems,
        "killed mid-round ({before} records)"
    );

    // The solvers die with the harness (PR_SET_PDEATHSIG); deeper descendants (the daemon's)
    // are killed by the next harness (cgroups).
    std::thread::sleep(Duration::from_millis(500));
    let left: Vec<_> = round
        .solver_processes()
        .into_iter()
        .filter(|(_, c)| !c.contains("daemon-sleep"))
        .collect();
    assert!(
        left.is_empty(),
        "solver processes left after the kill: {left:?}"
    );

    // Resume.
    let out = round.run(&[]);
    assert!(out.contains(&format!("{before} already recorded")), "{out}");
    let records = round.raw_records();
    check_records(&round, &records, problems);
    assert!(
        round.solver_processes().is_empty(),
        "{:?}",
        round.solver_processes()
    );
    for r in &records[..before] {
        assert!(records.iter().filter(|x| x.key() == r.key()).count() == 1);
    }

    // Resume again: nothing to do.
    let out = round.run(&[]);
    assert!(out.contains("0 run(s) to do"), "{out}");
    assert_eq!(round.raw_records(), records);

    // A new problem: only its pairs run.
    write(&round.dir.join("problems/chain/c9.cudf"), &problem(5));
    let out = round.run(&[]);
    assert!(
        out.contains(&format!("{} run(s) to do", round.solvers.len())),
        "{out}"
    );
    let records = round.raw_records();
    check_records(&round, &records, problems + 1);
    let new: Vec<_> = records
        .iter()
        .filter(|r| r.problem.ends_with("c9.cudf"))
        .collect();
    assert_eq!(new.len(), round.solvers.len());

    // --rerun wrong: only the wrong runs again.
    let wrong_before: BTreeMap<_, _> = records
        .iter()
        .filter(|r| r.outcome == Outcome::Wrong)
        .map(|r| (r.key(), r.started_at))
        .collect();
    assert!(!wrong_before.is_empty());
    let out = round.run(&["--rerun", "wrong"]);
    assert!(
        out.contains(&format!("{} run(s) to do", wrong_before.len())),
        "{out}"
    );
    let after = round.raw_records();
    check_records(&round, &after, problems + 1);
    for r in &after {
        match wrong_before.get(&r.key()) {
            Some(t) => assert!(r.started_at > *t, "rerun: {:?}", r.key()),
            None => assert!(records.contains(r), "untouched: {:?}", r.key()),
        }
    }
    assert!(round.dir.join("results/history").is_dir());

    // Rejudge: the same verdicts.
    let out = round.misc(&["rejudge"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("0 changed"), "{text}");
    let rejudged = round.raw_records();
    assert_eq!(rejudged.len(), after.len());
    for r in &rejudged {
        let old = after.iter().find(|x| x.key() == r.key()).unwrap();
        assert_eq!(
            (r.outcome, &r.criteria, &r.violations),
            (old.outcome, &old.criteria, &old.violations)
        );
    }

    // A kept output replaced by garbage (as if the checker had been wrong about it) is judged
    // again to `wrong`.
    let naive = rejudged.iter().find(|r| r.solver == "naive").unwrap();
    std::fs::write(
        round
            .dir
            .join("results")
            .join(naive.output.as_ref().unwrap()),
        "package: nope\nversion: 1\ninstalled: true\n",
    )
    .unwrap();
    let out = round.misc(&["rejudge"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("1 changed") && text.contains("solved -> wrong"),
        "{text}"
    );
    let r = round
        .raw_records()
        .into_iter()
        .find(|r| r.key() == naive.key())
        .unwrap();
    assert_eq!(r.outcome, Outcome::Wrong);
    assert_eq!(r.violations[0].kind.as_str(), "unknown-package");
}
