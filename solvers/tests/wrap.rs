//! `misc-wrap`, the MISC protocol wrapper of mccs and packup (translation tables in
//! `solvers/src/wrap.rs`, unit-tested there row by row).
//!
//! Here: the command lines it runs, its refusals (exit 3, no answer, the reason on stderr), and
//! mccs's answers under the translated criteria on the MISC competition instances kept in
//! aspcud's test suite (`../shared/cudf-public/aspcud/tests`, misc-rules.md 3.4): 12 of the 17
//! instance/criterion pairs translate, the other 5 (`+count(up)`, `-count(down)`,
//! `-unsat_recommends(new)`) are refused. Every answer must be a solution for misc-check and
//! for libCUDF's `cudf-check`. CI runs a sample (`mccs_answers_a_sample_of_misc_instances`);
//! `cargo test -p misc-test-solvers --test wrap -- --ignored` runs all 12 and prints how far
//! mccs's vectors are from the organisers' optima (mccs counts names, the optima pairs).
//!
//! Tests needing mccs, packup, cudf-check or the shared data skip without them, and fail when
//! `MISC_REQUIRE_TOOLS` is set (misc-testkit).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use misc_check::Verdict;
use misc_criteria::{parse_criteria, resolve, Semantics};

const BIN: &str = env!("CARGO_BIN_EXE_misc-wrap");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

struct Wrapped {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    answer: Option<String>,
}

fn wrap(args: &[&str], input: &Path, criteria: &str) -> Wrapped {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("answer.cudf");
    let output = Command::new(BIN)
        .args(args)
        .arg(input)
        .arg(&out)
        .arg(criteria)
        .env("TMPDIR", dir.path())
        .output()
        .unwrap();
    Wrapped {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        answer: std::fs::read_to_string(&out).ok(),
    }
}

#[test]
fn dry_run_prints_the_entrants_command_lines() {
    let input = fixture("upgrade.cudf");
    let w = wrap(&["--dry-run", "mccs"], &input, "paranoid");
    assert_eq!(w.code, Some(0), "{}", w.stderr);
    assert!(
        w.stdout
            .starts_with(&format!("mccs -i {} -o /", input.display()))
            && w.stdout
                .ends_with("/answer.cudf '-lex[-removed,-changed]'\n"),
        "{}",
        w.stdout
    );
    let w = wrap(
        &["--dry-run", "mccs"],
        &input,
        "-count(removed),-notuptodate(solution),-unsat_recommends(solution),-count(new)",
    );
    assert!(
        w.stdout
            .ends_with(" '-lex[-removed,-notuptodate,-nunsat[recommends:,true],-new]'\n"),
        "{}",
        w.stdout
    );
    let w = wrap(&["--dry-run", "packup"], &input, "trendy");
    assert_eq!(w.code, Some(0), "{}", w.stderr);
    assert!(
        w.stdout.starts_with("packup --temporary-directory /")
            && w.stdout
                .contains(" -u '-removed,-notuptodate,-unmet_recommends,-new' "),
        "{}",
        w.stdout
    );
    assert!(w.answer.is_none(), "a dry run writes no answer");
}

#[test]
fn refused_criteria_write_no_answer_and_say_why() {
    let input = fixture("upgrade.cudf");
    for (entrant, criteria, says) in [
        (
            "mccs",
            "-removed,+count(up)",
            "mccs cannot express `+count(up)` (column 10)",
        ),
        (
            "mccs",
            "-count(down)",
            "no criterion counting the set `down`",
        ),
        ("packup", "-sum(size)", "packup cannot express `-sum(size)`"),
    ] {
        let w = wrap(&[entrant], &input, criteria);
        assert_eq!(w.code, Some(3), "{entrant} {criteria}: {}", w.stderr);
        assert!(
            w.stderr.contains(says),
            "{entrant} {criteria}: {}",
            w.stderr
        );
        assert!(
            w.stderr.contains("no answer is written"),
            "{entrant} {criteria}: {}",
            w.stderr
        );
        assert!(
            w.answer.is_none(),
            "{entrant} {criteria}: an answer was written"
        );
    }
    // Criteria that do not parse: the judge's error, with the column.
    let w = wrap(&["mccs"], &input, "-removed,changed");
    assert_eq!(w.code, Some(2));
    assert!(w.stderr.contains("column 10"), "{}", w.stderr);
    assert!(w.answer.is_none());
}

#[test]
fn a_property_the_problem_lacks_is_refused() {
    // upgrade.cudf declares no extra property: mccs would drop `count[size:,false]` (and
    // `unaligned`) with a warning and optimise the rest.
    let input = fixture("upgrade.cudf");
    for criteria in [
        "-sum(solution,size)",
        "-aligned(solution,source,sourceversion)",
    ] {
        let w = wrap(&["mccs"], &input, criteria);
        assert_eq!(w.code, Some(3), "{criteria}: {}", w.stderr);
        assert!(
            w.stderr
                .contains("in the problem's preamble, and it is not"),
            "{criteria}: {}",
            w.stderr
        );
        assert!(w.answer.is_none());
    }
}

/// One MISC instance with the organisers' optimum.
struct Instance {
    name: String,
    criteria: String,
    problem: PathBuf,
    /// The optimum as the MISC checker printed it (minimised values negated).
    opt: Vec<i64>,
}

fn misc_instances() -> Option<Vec<Instance>> {
    let root = misc_testkit::require_shared("cudf-public/aspcud/tests")?;
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap().flatten() {
        if !dir.path().is_dir() {
            continue; // README
        }
        let folder = dir.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let path = f.path();
            let Some(stem) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".cudf.xz"))
            else {
                continue;
            };
            let opt = std::fs::read_to_string(dir.path().join(format!("{stem}.opt"))).unwrap();
            out.push(Instance {
                name: format!("{folder}/{stem}"),
                criteria: misc_testkit::misc_folder_criteria(&folder),
                problem: path.clone(),
                opt: opt.trim().split(',').map(|v| v.parse().unwrap()).collect(),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(out.len(), 17, "17 MISC instance/criterion pairs");
    Some(out)
}

fn translatable(i: &Instance) -> bool {
    !["count(up)", "count(down)", "unsat_recommends(new)"]
        .iter()
        .any(|c| i.criteria.contains(c))
}

#[test]
fn misc_instances_mccs_cannot_express_are_refused() {
    let Some(instances) = misc_instances() else {
        return;
    };
    let refused: Vec<&Instance> = instances.iter().filter(|i| !translatable(i)).collect();
    assert_eq!(refused.len(), 5);
    for i in refused {
        // The wrapper refuses before reading the problem: the compressed file will do.
        let w = wrap(&["mccs"], &i.problem, &i.criteria);
        assert_eq!(w.code, Some(3), "{}: {}", i.name, w.stderr);
        assert!(w.stderr.contains("mccs cannot express"), "{}", w.stderr);
        assert!(w.answer.is_none(), "{}", i.name);
    }
}

/// Runs mccs through the wrapper on `i`, checks the answer with misc-check and cudf-check, and
/// returns a line comparing its vector (both readings) with the organisers' optimum.
fn mccs_on(i: &Instance) -> String {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&i.problem).unwrap();
    let text = String::from_utf8(misc_cudf::decompress(&bytes).unwrap().into_owned()).unwrap();
    let input = dir.path().join("problem.cudf");
    std::fs::write(&input, &text).unwrap();
    let started = Instant::now();
    let w = wrap(&["mccs"], &input, &i.criteria);
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(w.code, Some(0), "{}: {}", i.name, w.stderr);
    let answer = w
        .answer
        .unwrap_or_else(|| panic!("{}: no answer\n{}", i.name, w.stderr));
    let doc = misc_cudf::parse_problem(&text).unwrap();
    let parsed = misc_cudf::parse_answer(&answer, &doc)
        .unwrap_or_else(|e| panic!("{}: misc cannot read mccs's answer: {e}", i.name));
    let report = misc_check::check_answer(&doc, &parsed);
    assert_eq!(
        report.verdict,
        Verdict::Valid,
        "{}: {:?}",
        i.name,
        report.violations
    );
    let sol = dir.path().join("answer.cudf");
    std::fs::write(&sol, &answer).unwrap();
    let out = Command::new("cudf-check")
        .arg("-cudf")
        .arg(&input)
        .arg("-sol")
        .arg(&sol)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("is_solution: true"),
        "{}: cudf-check rejects mccs's answer:\n{said}{}",
        i.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let misc_cudf::Answer::Solution(s) = parsed else {
        unreachable!("a valid answer is a solution")
    };
    let criteria = parse_criteria(&i.criteria).unwrap();
    let resolved = resolve(&criteria, &doc).unwrap();
    let pair = criteria.utilities(&resolved.evaluate(&s.installed, Semantics::Pair));
    let name = criteria.utilities(&resolved.evaluate(&s.installed, Semantics::Name));
    format!(
        "{:<95} {:>5.1} s  pair {:?}  name {:?}  optimum (pairs) {:?}{}",
        i.name,
        secs,
        pair,
        name,
        i.opt,
        if pair == i.opt { "  = optimum" } else { "" }
    )
}

fn mccs_tools() -> bool {
    misc_testkit::require_tool("mccs", "apt-get install mccs").is_some()
        && misc_testkit::require_tool("cudf-check", "apt-get install cudf-tools").is_some()
}

/// CI's sample: the two smallest translatable instances (trendy in the 2012 notation, and the
/// criteria with `sum(solution,installedsize)`), a few seconds of mccs each.
#[test]
fn mccs_answers_a_sample_of_misc_instances() {
    let Some(instances) = misc_instances() else {
        return;
    };
    if !mccs_tools() {
        return;
    }
    for name in [
        "McountLremovedRCMnotuptodateLsolutionRCMunsat_recommendsLsolutionRCMcountLnewR/rand586",
        "McountLremovedRCMsumLsolutionCinstalledsizeRCMnotuptodateLsolutionRCMunsat_recommendsLsolutionRCMcountLnewR/rand77",
    ] {
        let i = instances.iter().find(|i| i.name == name).unwrap();
        eprintln!("{}", mccs_on(i));
    }
}

/// All 12 translatable instances (about a minute of mccs each on the largest).
#[test]
#[ignore = "runs mccs on all 12 translatable MISC instances (minutes); the CI runs a sample"]
fn mccs_answers_every_misc_instance_it_can() {
    let Some(instances) = misc_instances() else {
        return;
    };
    if !mccs_tools() {
        return;
    }
    let mut at_optimum = 0;
    let translatable: Vec<&Instance> = instances.iter().filter(|i| translatable(i)).collect();
    assert_eq!(translatable.len(), 12);
    for i in &translatable {
        let line = mccs_on(i);
        at_optimum += usize::from(line.ends_with("= optimum"));
        eprintln!("{line}");
    }
    eprintln!(
        "{} valid answers; {at_optimum} at the organisers' optimum (pair reading)",
        translatable.len()
    );
}

/// packup through the wrapper on a small fixture: it runs, and its answer is a solution.
#[test]
fn packup_answers_through_the_wrapper() {
    if misc_testkit::require_tool("packup", "apt-get install packup").is_none() {
        return;
    }
    let input = fixture("install-deps.cudf");
    let w = wrap(&["packup"], &input, "-count(removed),-count(changed)");
    assert_eq!(w.code, Some(0), "{}", w.stderr);
    let text = std::fs::read_to_string(&input).unwrap();
    let doc = misc_cudf::parse_problem(&text).unwrap();
    let answer = misc_cudf::parse_answer(w.answer.as_deref().unwrap(), &doc).unwrap();
    assert_eq!(
        misc_check::check_answer(&doc, &answer).verdict,
        Verdict::Valid,
        "{}",
        w.answer.unwrap()
    );
}

/// The translated criteria are the ones mccs optimises (not dropped with a warning): on a
/// small problem, every installation is enumerated and mccs's answer, evaluated by the judge
/// under the name reading (mccs counts names), must reach the optimum. `aligned` and `sum`
/// are the rows whose translation depends on preamble declarations.
#[test]
fn mccs_reaches_the_optimum_of_the_translated_criteria() {
    if misc_testkit::require_tool("mccs", "apt-get install mccs").is_none() {
        return;
    }
    let input = fixture("aligned.cudf");
    let text = std::fs::read_to_string(&input).unwrap();
    let doc = misc_cudf::parse_problem(&text).unwrap();
    let n = doc.packages.len();
    let solutions: Vec<Vec<bool>> = (0u32..1 << n)
        .map(|m| (0..n).map(|i| m & (1 << i) != 0).collect::<Vec<bool>>())
        .filter(|s| misc_check::is_solution(&doc, s))
        .collect();
    let mut optima = Vec::new();
    for criteria in [
        "-aligned(solution,source,sourceversion),-changed",
        "-changed",
        "-sum(solution,size),-changed",
        "+sum(size),-count(new)",
    ] {
        let c = parse_criteria(criteria).unwrap();
        let r = resolve(&c, &doc).unwrap();
        let best = solutions
            .iter()
            .map(|s| r.evaluate(s, Semantics::Name))
            .min_by(|a, b| c.compare(a, b))
            .unwrap();
        let w = wrap(&["mccs"], &input, criteria);
        assert_eq!(w.code, Some(0), "{criteria}: {}", w.stderr);
        // mccs says on stdout when it drops a criterion ("WARNING: cannot find ...").
        assert!(
            !w.stdout.contains("WARNING") && !w.stderr.contains("WARNING"),
            "{criteria}: {}{}",
            w.stdout,
            w.stderr
        );
        let answer = misc_cudf::parse_answer(w.answer.as_deref().unwrap(), &doc).unwrap();
        let misc_cudf::Answer::Solution(s) = answer else {
            panic!("{criteria}: mccs answers FAIL")
        };
        assert!(misc_check::is_solution(&doc, &s.installed), "{criteria}");
        let got = r.evaluate(&s.installed, Semantics::Name);
        assert_eq!(got, best, "{criteria}: mccs's answer against the optimum");
        optima.push(best);
    }
    // Each criterion changes the choice: aligned first gives an aligned installation, which
    // `-changed` alone does not; the sums pull opposite ways.
    assert_eq!(optima[0][0], 0);
    let c = parse_criteria("-aligned(solution,source,sourceversion)").unwrap();
    let r = resolve(&c, &doc).unwrap();
    let w = wrap(&["mccs"], &input, "-changed");
    let misc_cudf::Answer::Solution(s) =
        misc_cudf::parse_answer(w.answer.as_deref().unwrap(), &doc).unwrap()
    else {
        panic!("FAIL")
    };
    assert_eq!(r.evaluate(&s.installed, Semantics::Name), [1]);
    assert!(optima[2][0] < optima[3][0], "{optima:?}");
}
