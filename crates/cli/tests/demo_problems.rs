//! The demo round's problems (`competitions/demo/problems/`) are what the justfile's
//! `demo-problems` recipe makes from the Debian excerpt shipped in `competitions/demo/debian/`:
//! this test runs the recipe's own `misc problems debian` command (read from the justfile, so
//! the recipe cannot rot) into a temporary folder and compares every file, byte for byte, with
//! the committed ones. When the conversion changes on purpose (crates/debian), run
//! `just demo-problems` and commit the new problems with the change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `misc problems debian ...` line of the justfile's `demo-problems` recipe, as words.
fn recipe_command() -> Vec<String> {
    let justfile = std::fs::read_to_string(root().join("justfile")).unwrap();
    let mut in_recipe = false;
    for line in justfile.lines() {
        if line.starts_with("demo-problems:") {
            in_recipe = true;
        } else if in_recipe && !line.starts_with(' ') {
            break;
        } else if in_recipe && line.contains("misc problems debian") {
            assert!(
                !line.contains(['"', '\'', '$', '\\']),
                "the recipe's command is read as plain words: no quotes or variables ({line})"
            );
            return line.split_whitespace().map(str::to_string).collect();
        }
    }
    panic!("the justfile has no `demo-problems` recipe running `misc problems debian`");
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn the_recipe_regenerates_the_demo_problems_byte_for_byte() {
    let words = recipe_command();
    assert!(
        words[0].ends_with("misc"),
        "the recipe runs the misc binary: {words:?}"
    );
    let out_at = words
        .iter()
        .position(|w| w == "--out")
        .expect("the recipe's command has --out");
    assert_eq!(words[out_at + 1], "competitions/demo/problems");
    assert!(
        words.iter().any(|w| w == "--seed"),
        "the recipe pins its seed: {words:?}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let fresh = tmp.path().join("problems");
    let mut args: Vec<String> = words[1..].to_vec();
    args[out_at] = fresh.display().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_misc"))
        .args(&args)
        .current_dir(root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {stderr}");

    let made = files(&fresh);
    let committed = files(&root().join("competitions/demo/problems"));
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&made),
        names(&committed),
        "the recipe writes other files than the committed ones: run `just demo-problems` \
         (or, from the project's folder, {})",
        words.join(" ")
    );
    for (name, bytes) in &made {
        if bytes == &committed[name] {
            continue;
        }
        let same_text = name.ends_with(".xz")
            && matches!(
                (misc_cudf::decompress(bytes), misc_cudf::decompress(&committed[name])),
                (Ok(a), Ok(b)) if a == b
            );
        panic!(
            "competitions/demo/problems/{name} is not what the recipe makes ({}): \
             run `just demo-problems` (or, from the project's folder, {}) and commit the result",
            if same_text {
                "same CUDF text, other xz bytes: another liblzma?"
            } else {
                "the content differs"
            },
            words.join(" ")
        );
    }
    // What the demo is made of: four categories (the request's cone, each baseline with the
    // installed base, everything mixed) of the same requests, one of each kind.
    let index = String::from_utf8(committed["INDEX.tsv"].clone()).unwrap();
    let mut categories: Vec<&str> = index
        .lines()
        .skip(1)
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    categories.dedup();
    assert_eq!(
        categories,
        ["cone", "baseline-bookworm", "baseline-updates", "mixed"]
    );
    for kind in ["install", "remove", "upgrade-outdated", "unsat"] {
        assert_eq!(
            index
                .lines()
                .filter(|l| l.starts_with(&format!("cone/{kind}")))
                .count(),
            1,
            "one {kind} request:\n{index}"
        );
    }
}

/// Runs `aspcud PROBLEM SOLUTION paranoid` and, when it answers, has `cudf-check` validate the
/// answer against the problem (a rejected answer fails the test): true when solved, false
/// for FAIL.
fn aspcud_solves(aspcud: &Path, cudf_check: &Path, problem: &Path) -> bool {
    let solution = problem.with_extension("sol");
    let out = Command::new(aspcud)
        .arg(problem)
        .arg(&solution)
        .arg("paranoid")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aspcud {}: {out:?}",
        problem.display()
    );
    let answer = std::fs::read_to_string(&solution).unwrap();
    if answer.trim_start().starts_with("FAIL") {
        return false;
    }
    let check = Command::new(cudf_check)
        .arg("-cudf")
        .arg(problem)
        .arg("-sol")
        .arg(&solution)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        report.contains("is_solution: true"),
        "cudf-check rejects aspcud's answer to {}:\n{report}",
        problem.display()
    );
    true
}

/// What the demo shows (README, competitions/demo/competition.toml): FAIL is the right answer
/// to the unsatisfiable request in every category, every other request can be met over the
/// full bookworm baseline, and the request's cone is solvable exactly when the whole mixed
/// universe is (what makes it the `cone` category). Judged by aspcud, its answers checked by
/// cudf-check.
#[test]
fn the_demo_problems_have_the_outcomes_the_demo_shows() {
    let (Some(aspcud), Some(cudf_check)) = (
        misc_testkit::require_tool("aspcud", "apt-get install aspcud"),
        misc_testkit::require_tool("cudf-check", "apt-get install cudf-tools"),
    ) else {
        return;
    };
    let problems = root().join("competitions/demo/problems");
    let tmp = tempfile::tempdir().unwrap();
    let mut solved: BTreeMap<(String, String), bool> = BTreeMap::new();
    for (rel, bytes) in files(&problems) {
        let Some(stem) = rel.strip_suffix(".cudf.xz") else {
            continue;
        };
        let (category, request) = stem.split_once('/').unwrap();
        let plain = tmp.path().join(format!("{category}-{request}.cudf"));
        std::fs::write(&plain, misc_cudf::decompress(&bytes).unwrap()).unwrap();
        let ok = aspcud_solves(&aspcud, &cudf_check, &plain);
        solved.insert((category.to_string(), request.to_string()), ok);
    }
    assert_eq!(solved.len(), 16, "{solved:?}");
    for ((category, request), ok) in &solved {
        if request.starts_with("unsat-") {
            assert!(!ok, "{category}/{request} is unsatisfiable by construction");
        } else if category != "baseline-updates" {
            assert!(ok, "{category}/{request}: the demo's solvers solve it");
        }
        if category == "cone" {
            assert_eq!(
                ok,
                &solved[&("mixed".to_string(), request.clone())],
                "{request}: the cone and the whole universe disagree"
            );
        }
    }
}
