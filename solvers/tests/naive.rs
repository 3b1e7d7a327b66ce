//! Tests of the `misc-naive` binary: every answer it gives must be a solution according to
//! misc-check (and to libCUDF's `cudf-check` when it is installed), and it must answer `FAIL`
//! exactly on problems without a solution.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use misc_check::Verdict;

const BIN: &str = env!("CARGO_BIN_EXE_misc-naive");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

struct Run {
    code: Option<i32>,
    answer: String,
    stderr: String,
}

fn run_with(input: &Path, criteria: Option<&str>, env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("answer.cudf");
    let mut cmd = Command::new(BIN);
    cmd.arg(input).arg(&out);
    if let Some(c) = criteria {
        cmd.arg(c);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().unwrap();
    Run {
        code: output.status.code(),
        answer: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn run(input: &Path) -> Run {
    run_with(input, None, &[])
}

fn read_problem(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let text = misc_cudf::decompress(&bytes).unwrap();
    String::from_utf8(text.into_owned()).unwrap()
}

fn verdict(problem_text: &str, answer: &str) -> (Verdict, Vec<String>) {
    let doc = misc_cudf::parse_problem(problem_text).unwrap();
    match misc_cudf::parse_answer(answer, &doc) {
        Ok(a) => {
            let report = misc_check::check_answer(&doc, &a);
            (
                report.verdict,
                report.violations.into_iter().map(|v| v.message).collect(),
            )
        }
        Err(e) => (Verdict::Invalid, vec![e.to_string()]),
    }
}

/// `cudf-check`'s opinion, when the tool is installed (`None` otherwise: a skip, which fails
/// under `MISC_REQUIRE_TOOLS`, see misc-testkit).
fn cudf_check_says_solution(problem_text: &str, answer: &str) -> Option<bool> {
    misc_testkit::require_tool("cudf-check", "apt-get install cudf-tools")?;
    let dir = tempfile::tempdir().ok()?;
    let cudf = dir.path().join("problem.cudf");
    let sol = dir.path().join("answer.cudf");
    std::fs::write(&cudf, problem_text).ok()?;
    std::fs::write(&sol, answer).ok()?;
    let out = Command::new("cudf-check")
        .arg("-cudf")
        .arg(&cudf)
        .arg("-sol")
        .arg(&sol)
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    // The exit status also reflects the initial installation: read the verdict line.
    if text.contains("is_solution: true") {
        Some(true)
    } else if text.contains("is_solution: false") {
        Some(false)
    } else {
        None
    }
}

fn assert_solves(problem: &Path, run: &Run) {
    assert_eq!(run.code, Some(0), "exit status; stderr: {}", run.stderr);
    let text = read_problem(problem);
    let (v, violations) = verdict(&text, &run.answer);
    assert_eq!(
        v,
        Verdict::Valid,
        "{}: answer\n{}\nviolations: {violations:#?}",
        problem.display(),
        run.answer
    );
    if let Some(ok) = cudf_check_says_solution(&text, &run.answer) {
        assert!(ok, "cudf-check rejects the answer to {}", problem.display());
    }
}

fn assert_fail(run: &Run) {
    assert_eq!(run.code, Some(0), "exit status; stderr: {}", run.stderr);
    let mut lines = run.answer.lines();
    assert_eq!(lines.next(), Some("FAIL"), "answer: {}", run.answer);
    assert!(
        lines.next().is_some_and(|l| !l.trim().is_empty()),
        "FAIL needs a reason on its second line: {}",
        run.answer
    );
}

fn installed(answer: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut name = None;
    for line in answer.lines() {
        if let Some(n) = line.strip_prefix("package: ") {
            name = Some(n.trim().to_string());
        } else if let Some(v) = line.strip_prefix("version: ") {
            if let Some(n) = name.take() {
                out.push((n, v.trim().parse().unwrap()));
            }
        }
    }
    out
}

macro_rules! solvable {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let path = fixture($file);
            let r = run(&path);
            assert_solves(&path, &r);
        }
    )*};
}

solvable! {
    install_with_dependencies_and_alternatives => "install-deps.cudf",
    conflicts_remove_the_installed_package => "conflicts.cudf",
    provides_and_virtual_packages => "provides.cudf",
    upgrade_with_several_versions => "upgrade.cudf",
    remove_items_and_features => "remove.cudf",
    keep_version_package_feature => "keep.cudf",
    self_conflicts_and_multiple_versions => "multiversion.cudf",
    inconsistent_initial_installation_is_repaired => "inconsistent.cudf",
}

#[test]
fn install_backtracks_from_the_preferred_alternative() {
    let path = fixture("install-deps.cudf");
    let r = run(&path);
    assert_solves(&path, &r);
    let got = installed(&r.answer);
    assert!(got.contains(&("liby".into(), 3)), "{got:?}");
    assert!(!got.iter().any(|(n, _)| n == "libw"), "{got:?}");
}

#[test]
fn upgrade_goes_to_the_newest_installable_version() {
    let path = fixture("upgrade.cudf");
    let r = run(&path);
    assert_solves(&path, &r);
    let got = installed(&r.answer);
    assert!(got.contains(&("lib".into(), 2)), "{got:?}");
    assert!(got.contains(&("base".into(), 2)), "{got:?}");
    assert!(got.contains(&("newtool".into(), 2)), "{got:?}");
}

#[test]
fn paranoid_criteria_still_give_a_solution() {
    for file in ["upgrade.cudf", "keep.cudf", "install-deps.cudf"] {
        let path = fixture(file);
        for criteria in [
            "paranoid",
            "-removed,-changed",
            "-removed,-notuptodate,-unmet_recommends,-new",
        ] {
            let r = run_with(&path, Some(criteria), &[]);
            assert_solves(&path, &r);
        }
    }
}

#[test]
fn unsolvable_problems_give_fail() {
    for file in [
        "unsolvable.cudf",
        "unsolvable-search.cudf",
        "upgrade-unversioned.cudf",
    ] {
        let r = run(&fixture(file));
        assert_fail(&r);
    }
}

#[test]
fn compressed_input_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("install-deps.cudf.gz");
    let text = std::fs::read(fixture("install-deps.cudf")).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&text).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let r = run(&gz);
    assert_solves(&gz, &r);
}

#[test]
fn unreadable_input_writes_fail_and_exits_nonzero() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.cudf");
    let r = run(&missing);
    assert_eq!(r.code, Some(2));
    assert!(r.answer.starts_with("FAIL\n"), "{}", r.answer);

    let bad = dir.path().join("bad.cudf");
    std::fs::write(&bad, "package: a\nversion: zero\n\nrequest: r\n").unwrap();
    let r = run(&bad);
    assert_eq!(r.code, Some(2));
    assert!(r.answer.starts_with("FAIL\n"), "{}", r.answer);

    let binary = dir.path().join("binary.cudf");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let r = run(&binary);
    assert_eq!(r.code, Some(2));
    assert!(r.answer.starts_with("FAIL\n"), "{}", r.answer);

    // A truncated xz stream.
    let xz = dir.path().join("trunc.cudf.xz");
    std::fs::write(&xz, [0xfd, b'7', b'z', b'X', b'Z', 0x00, 1, 2, 3]).unwrap();
    let r = run(&xz);
    assert_eq!(r.code, Some(2));
    assert!(r.answer.starts_with("FAIL\n"), "{}", r.answer);
}

#[test]
fn usage_errors_exit_nonzero() {
    let out = Command::new(BIN).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The shared Debian problems, when this machine has them (a skip otherwise, see misc-testkit).
#[test]
fn shared_cone_problems() {
    let Some(dir) = misc_testkit::require_shared("data/problems") else {
        return;
    };
    for name in [
        "deb-cone-base-upgrade-openssl.cudf.xz",
        "deb-cone-base-remove5.cudf.xz",
        "deb-cone-empty-install20.cudf.xz",
    ] {
        let path = dir.join(name);
        if !path.exists() {
            misc_testkit::skip(format!("{} is not present", path.display()));
            continue;
        }
        let r = run(&path);
        assert_solves(&path, &r);
    }
}

// ---------------------------------------------------------------------------------------------
// SIGUSR1

/// A problem that needs several hundred decisions: q_i depends on r_i | s_i, for i < n.
fn slow_problem(n: usize, request_installs: bool, installed: bool) -> String {
    let mut s = String::new();
    let inst = if installed { "installed: true\n" } else { "" };
    for i in 0..n {
        s += &format!("package: q{i}\nversion: 1\ndepends: r{i} | s{i}\n{inst}\n");
        s += &format!("package: r{i}\nversion: 1\n{inst}\n");
        s += &format!("package: s{i}\nversion: 1\n\n");
    }
    s += "request: slow\n";
    if request_installs {
        let items: Vec<String> = (0..n).map(|i| format!("q{i}")).collect();
        s += &format!("install: {}\n", items.join(", "));
    }
    s
}

fn interrupt_after(problem: &str, wait: Duration) -> (Run, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("slow.cudf");
    let out = dir.path().join("answer.cudf");
    std::fs::write(&input, problem).unwrap();
    let mut child = Command::new(BIN)
        .arg(&input)
        .arg(&out)
        .env("MISC_NAIVE_SLOW", "50")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(wait);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the slow run finished before the signal"
    );
    let sent = Instant::now();
    // SAFETY: plain kill(2) on our own child.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGUSR1) };
    assert_eq!(rc, 0);
    let deadline = sent + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("misc-naive did not exit within 10 s of SIGUSR1");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = sent.elapsed();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
    }
    (
        Run {
            code: status.code(),
            answer: std::fs::read_to_string(&out).unwrap_or_default(),
            stderr,
        },
        took,
    )
}

#[test]
fn sigusr1_without_an_answer_gives_fail_quickly() {
    // 300 install items with alternatives at 50 ms per step: ~30 s without the signal.
    let problem = slow_problem(300, true, false);
    let (r, took) = interrupt_after(&problem, Duration::from_millis(700));
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_fail(&r);
    assert!(r.answer.contains("SIGUSR1"), "{}", r.answer);
}

#[test]
fn sigusr1_answers_the_initial_installation_when_it_is_a_solution() {
    // Everything consistent is installed and the request is empty: the initial installation
    // is a solution, and the best answer known when the signal comes.
    let problem = slow_problem(300, false, true);
    let (r, took) = interrupt_after(&problem, Duration::from_millis(700));
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(r.code, Some(0));
    let (v, violations) = verdict(&problem, &r.answer);
    assert_eq!(v, Verdict::Valid, "{violations:#?}");
}

// ---------------------------------------------------------------------------------------------
// Random small problems, checked against brute force.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn random_vpkg(rng: &mut Rng, with_features: bool) -> String {
    let names = ["p0", "p1", "p2", "p3", "f0", "f1"];
    let name = names[rng.below(if with_features { 6 } else { 4 }) as usize];
    if rng.chance(50) {
        return name.to_string();
    }
    let ops = ["=", "!=", ">=", ">", "<=", "<"];
    format!("{name} {} {}", ops[rng.below(6) as usize], rng.below(3) + 1)
}

fn random_problem(rng: &mut Rng) -> String {
    let mut s = String::new();
    let mut count = 0;
    for name in ["p0", "p1", "p2", "p3"] {
        for version in 1..=3 {
            if count >= 9 || rng.chance(35) {
                continue;
            }
            count += 1;
            s += &format!("package: {name}\nversion: {version}\n");
            if rng.chance(60) {
                let clauses: Vec<String> = (0..rng.below(2) + 1)
                    .map(|_| {
                        (0..rng.below(2) + 1)
                            .map(|_| random_vpkg(rng, true))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect();
                s += &format!("depends: {}\n", clauses.join(", "));
            }
            if rng.chance(40) {
                s += &format!("conflicts: {}\n", random_vpkg(rng, true));
            }
            if rng.chance(35) {
                let f = ["f0", "f1", "p1"][rng.below(3) as usize];
                if rng.chance(50) {
                    s += &format!("provides: {f}\n");
                } else {
                    s += &format!("provides: {f} = {}\n", rng.below(3) + 1);
                }
            }
            if rng.chance(45) {
                s += "installed: true\n";
            }
            if rng.chance(15) {
                s += &format!(
                    "keep: {}\n",
                    ["version", "package", "feature"][rng.below(3) as usize]
                );
            }
            s += "\n";
        }
    }
    s += "request: random\n";
    for key in ["install", "remove", "upgrade"] {
        if rng.chance(45) {
            let items: Vec<String> = (0..rng.below(2) + 1)
                .map(|_| random_vpkg(rng, key != "upgrade"))
                .collect();
            s += &format!("{key}: {}\n", items.join(", "));
        }
    }
    s
}

#[test]
fn random_problems_agree_with_brute_force() {
    // MISC_NAIVE_RANDOM=COUNT[,SEED] runs a longer campaign.
    let setting = std::env::var("MISC_NAIVE_RANDOM").unwrap_or_default();
    let mut parts = setting.split(',').map(|p| p.trim().parse::<u64>().ok());
    let count = parts.next().flatten().unwrap_or(250);
    let seed = parts.next().flatten().unwrap_or(0x5eed_cafe);
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let (mut solved, mut failed) = (0, 0);
    for i in 0..count {
        let text = random_problem(&mut rng);
        let doc = misc_cudf::parse_problem(&text)
            .unwrap_or_else(|e| panic!("generated problem {i} does not parse: {e}\n{text}"));
        let n = doc.packages.len();
        let solvable = (0u32..1 << n).any(|m| {
            let inst: Vec<bool> = (0..n).map(|b| m >> b & 1 == 1).collect();
            misc_check::is_solution(&doc, &inst)
        });
        let path = dir.path().join(format!("random-{i}.cudf"));
        std::fs::write(&path, &text).unwrap();
        let r = run(&path);
        if solvable {
            let (v, violations) = verdict(&text, &r.answer);
            assert_eq!(
                v,
                Verdict::Valid,
                "problem {i}:\n{text}\nanswer:\n{}\n{violations:#?}",
                r.answer
            );
            if let Some(ok) = cudf_check_says_solution(&text, &r.answer) {
                assert!(
                    ok,
                    "cudf-check rejects the answer to problem {i}:\n{text}\nanswer:\n{}",
                    r.answer
                );
            }
            solved += 1;
        } else {
            assert!(
                r.answer.starts_with("FAIL\n"),
                "problem {i} has no solution but the answer is:\n{}\nproblem:\n{text}",
                r.answer
            );
            failed += 1;
        }
        assert_eq!(r.code, Some(0));
    }
    // The generator must exercise both outcomes.
    assert!(
        solved > 20 && failed > 20,
        "solved {solved}, failed {failed}"
    );
}
