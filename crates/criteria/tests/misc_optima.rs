//! The 17 MISC instance/criterion pairs of aspcud's test suite (misc-rules.md 3.4): aspcud
//! solves each, and our pair-reading evaluation of its answer must equal the optimum the MISC
//! organisers' checker printed (`.opt`: the criteria values in order, minimised ones negated).
//!
//! Needs `aspcud` on PATH and the data in /work/shared/cudf-public/aspcud/tests (or
//! `MISC_ASPCUD_TESTS`); skips with a message otherwise (fails under `MISC_REQUIRE_TOOLS`). Each solve gets `MISC_ASPCUD_TIMEOUT`
//! seconds (default 60); slower instances are skipped and listed. Set `MISC_ASPCUD_ANSWERS` to
//! a directory to keep (and reuse) aspcud's answers between runs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use misc_criteria::{parse_criteria, resolve, Semantics};

use misc_testkit::misc_folder_criteria as decode;

#[test]
fn folder_names_decode_to_criteria() {
    assert_eq!(
        decode("McountLremovedRCMnotuptodateLsolutionRCMunsat_recommendsLsolutionRCMcountLnewR"),
        "-count(removed),-notuptodate(solution),-unsat_recommends(solution),-count(new)"
    );
    assert_eq!(decode("PcountLupR"), "+count(up)");
    assert_eq!(decode("paranoid"), "paranoid");
}

fn data_dir() -> Option<PathBuf> {
    match std::env::var_os("MISC_ASPCUD_TESTS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if !dir.is_dir() {
                misc_testkit::skip(format!(
                    "MISC_ASPCUD_TESTS={} is not a folder",
                    dir.display()
                ));
            }
            dir.is_dir().then_some(dir)
        }
        None => misc_testkit::require_shared("cudf-public/aspcud/tests"),
    }
}

struct Instance {
    criteria: String,
    problem: PathBuf,
    expected: Vec<i64>,
}

fn instances(dir: &Path) -> Vec<Instance> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        if name == "enumerate-all" {
            continue;
        }
        let mut files: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let fname = f.file_name().unwrap().to_string_lossy().to_string();
            let Some(stem) = fname.strip_suffix(".opt") else {
                continue;
            };
            let expected = std::fs::read_to_string(&f)
                .unwrap()
                .trim()
                .split(',')
                .map(|v| v.trim().parse::<i64>().unwrap())
                .collect();
            out.push(Instance {
                criteria: decode(&name),
                problem: d.join(format!("{stem}.cudf.xz")),
                expected,
            });
        }
    }
    out
}

#[test]
fn pair_reading_reproduces_the_misc_optima() {
    let Some(dir) = data_dir() else {
        return;
    };
    let Some(aspcud) = common::tool("aspcud") else {
        return;
    };
    let timeout = Duration::from_secs(
        std::env::var("MISC_ASPCUD_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let keep = std::env::var_os("MISC_ASPCUD_ANSWERS").map(PathBuf::from);
    let scratch = common::Scratch::new("optima");
    let all = instances(&dir);
    assert_eq!(
        all.len(),
        17,
        "aspcud's suite has 17 instance/criterion pairs"
    );

    let (mut reproduced, mut skipped, mut name_differs) = (Vec::new(), Vec::new(), Vec::new());
    for inst in &all {
        let label = format!(
            "{}/{}",
            inst.problem
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy(),
            inst.problem.file_name().unwrap().to_string_lossy()
        );
        let raw = std::fs::read(&inst.problem).unwrap();
        let bytes = misc_cudf::decompress(&raw).unwrap();
        let text = misc_cudf::check_utf8(&bytes).unwrap();
        let doc = misc_cudf::parse_problem(text).unwrap();
        let criteria = parse_criteria(&inst.criteria).unwrap();
        let resolved = resolve(&criteria, &doc).unwrap();

        let stem = label.replace('/', "--");
        let answer = match &keep {
            Some(k) => k.join(format!("{stem}.sol")),
            None => scratch.path(&format!("{stem}.sol")),
        };
        if !answer.is_file() {
            let input = scratch.path(&format!("{stem}.cudf"));
            std::fs::write(&input, text).unwrap();
            let mut cmd = Command::new(&aspcud);
            cmd.arg(&input).arg(&answer).arg(&inst.criteria);
            match common::run_with_timeout(cmd, timeout).unwrap() {
                common::Run::TimedOut => {
                    eprintln!("SKIP {label}: aspcud took longer than {timeout:?}");
                    skipped.push(label);
                    let _ = std::fs::remove_file(&answer);
                    continue;
                }
                common::Run::Done { status, log } => {
                    assert!(status.success(), "{label}: aspcud failed: {log}");
                }
            }
        }
        let installed = common::read_answer(&answer, &doc)
            .unwrap()
            .unwrap_or_else(|| panic!("{label}: aspcud answered FAIL"));
        assert!(
            misc_check::is_solution(&doc, &installed),
            "{label}: aspcud's answer is not a solution: {:?}",
            misc_check::installation_violations(&doc, &installed)
        );
        let pair = resolved.evaluate(&installed, Semantics::Pair);
        let name = resolved.evaluate(&installed, Semantics::Name);
        assert_eq!(
            criteria.utilities(&pair),
            inst.expected,
            "{label} ({}): pair-reading values {pair:?}",
            inst.criteria
        );
        eprintln!(
            "ok {label}: {} = {pair:?} (pair), {name:?} (name)",
            inst.criteria
        );
        if name != pair {
            name_differs.push(format!("{label}: name {name:?} vs pair {pair:?}"));
        }
        reproduced.push(label);
    }
    eprintln!(
        "reproduced {} of {} MISC optima under the pair reading; skipped (timeout): {:?}",
        reproduced.len(),
        all.len(),
        skipped
    );
    eprintln!("the name reading gives other values on: {name_differs:#?}");
}
