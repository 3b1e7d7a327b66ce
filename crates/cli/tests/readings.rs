//! Both criteria readings in the records (misc-rules.md 3.4, 7.11): a round whose ranking flips
//! between the name and the pair reading, scored with `misc score --semantics name|pair` from
//! the records alone; the default reading per edition; records written before both readings
//! were stored (an error naming `misc rejudge`, then `misc rejudge` fills them in).

use std::path::Path;

mod common;
use common::{competition, misc, ok, script_solver, write};

/// `a1` and `b1` installed; `x` needs `a` and `b` upgraded (to 2) or `c`, `d` and `e`
/// installed. The request installs `x`.
const PROBLEM: &str = "preamble: \n\n\
package: a\nversion: 1\ninstalled: true\n\npackage: a\nversion: 2\n\n\
package: b\nversion: 1\ninstalled: true\n\npackage: b\nversion: 2\n\n\
package: c\nversion: 1\n\npackage: d\nversion: 1\n\npackage: e\nversion: 1\n\n\
package: x\nversion: 1\ndepends: a >= 2 | c, b >= 2 | d, a >= 2 | e\n\n\
request: r\ninstall: x\n";

/// The two-package upgrade: a2, b2, x1 (a1 and b1 replaced).
const UPGRADE: &str = "package: a\nversion: 2\ninstalled: true\n\n\
package: b\nversion: 2\ninstalled: true\n\npackage: x\nversion: 1\ninstalled: true\n";

/// The four new installs: c, d, e, x beside a1 and b1.
const NEW: &str = "package: a\nversion: 1\ninstalled: true\n\n\
package: b\nversion: 1\ninstalled: true\n\npackage: c\nversion: 1\ninstalled: true\n\n\
package: d\nversion: 1\ninstalled: true\n\npackage: e\nversion: 1\ninstalled: true\n\n\
package: x\nversion: 1\ninstalled: true\n";

/// A solver that answers `answer` whatever the problem.
fn solver(dir: &Path, name: &str, answer: &str) {
    script_solver(
        dir,
        name,
        &format!("#!/bin/sh\ncat > \"$2\" <<'EOF'\n{answer}EOF\n"),
    );
}

/// A round with the flip problem, the two solvers and one paranoid track under `rules`.
fn round(rules: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(&d.path().join("problems/flip/p.cudf"), PROBLEM);
    solver(d.path(), "upgrader", UPGRADE);
    solver(d.path(), "installer", NEW);
    competition(
        d.path(),
        "flip",
        &format!("rules = \"{rules}\""),
        "paranoid",
        "problems/*/*.cudf",
        &["upgrader", "installer"],
    );
    d
}

/// (solver, score, rank) of the paranoid track, best first, and the reading used.
fn ranking(dir: &Path, extra: &[&str]) -> (Vec<(String, u64, u64)>, String) {
    let mut args = vec!["score", ".", "--format", "json"];
    args.extend(extra);
    let json: serde_json::Value = serde_json::from_str(&ok(misc(&args, dir))).unwrap();
    let track = &json["tracks"][0];
    let rows = track["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["solver"].as_str().unwrap().to_owned(),
                e["score"].as_u64().unwrap(),
                e["rank"].as_u64().unwrap(),
            )
        })
        .collect();
    (rows, track["semantics"].as_str().unwrap().to_owned())
}

fn rows(v: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    v.iter().map(|&(s, p, r)| (s.to_owned(), p, r)).collect()
}

// By hand (misc-rules.md 1.2, 3.1, 3.4; paranoid = -removed,-changed; m = 2):
// name reading: upgrade removes 0 names and changes a, b, x (3); new changes x, c, d, e (4).
//   (0,3) beats (0,4): upgrader 1 point, installer 2.
// pair reading: upgrade changes the pairs a1, a2, b1, b2, x1 (5); new changes c1, d1, e1, x1
//   (4). (0,4) beats (0,5): installer 1 point, upgrader 2.
const BY_NAME: [(&str, u64, u64); 2] = [("upgrader", 1, 1), ("installer", 2, 2)];
const BY_PAIR: [(&str, u64, u64); 2] = [("installer", 1, 1), ("upgrader", 2, 2)];

#[test]
fn the_ranking_flips_between_the_readings_and_each_is_scored_from_the_records() {
    let d = round("misc2011");
    ok(misc(&["run", "."], d.path()));

    let records = std::fs::read_to_string(d.path().join("results/runs.jsonl")).unwrap();
    for line in records.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let (name, pair) = (&r["readings"]["name"], &r["readings"]["pair"]);
        match r["solver"].as_str().unwrap() {
            "upgrader" => assert_eq!(
                (name, pair),
                (&serde_json::json!([0, 3]), &serde_json::json!([0, 5]))
            ),
            _ => assert_eq!(
                (name, pair),
                (&serde_json::json!([0, 4]), &serde_json::json!([0, 4]))
            ),
        }
    }

    assert_eq!(
        ranking(d.path(), &["--semantics", "name"]),
        (rows(&BY_NAME), "name".into())
    );
    assert_eq!(
        ranking(d.path(), &["--semantics", "pair"]),
        (rows(&BY_PAIR), "pair".into())
    );
    // misc2011's default is the pair reading (what the organisers' checker computed).
    assert_eq!(ranking(d.path(), &[]), (rows(&BY_PAIR), "pair".into()));

    // The reading is stated by --explain and the table.
    let explain = ok(misc(
        &[
            "score",
            ".",
            "--explain",
            "upgrader",
            "--semantics",
            "name",
            "--format",
            "table",
        ],
        d.path(),
    ));
    assert!(explain.contains("name reading"), "{explain}");
    let table = ok(misc(&["score", ".", "--format", "table"], d.path()));
    assert!(table.contains("pair reading"), "{table}");

    // Saved with the options, and used by the report (shown on every page).
    ok(misc(
        &["score", ".", "--semantics", "name", "--save"],
        d.path(),
    ));
    assert_eq!(ranking(d.path(), &[]), (rows(&BY_NAME), "name".into()));
    let out = d.path().join("site");
    ok(misc(
        &["report", ".", "--out", out.to_str().unwrap()],
        d.path(),
    ));
    let mut pages = 0;
    for entry in walk(&out) {
        if entry.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&entry).unwrap();
            assert!(
                html.contains("<code>name</code> reading"),
                "{} does not state the reading",
                entry.display()
            );
            pages += 1;
        }
    }
    assert!(pages >= 4, "{pages} pages");
}

#[test]
fn misc2010_defaults_to_the_name_reading() {
    let d = round("misc2010");
    ok(misc(&["run", "."], d.path()));
    assert_eq!(ranking(d.path(), &[]), (rows(&BY_NAME), "name".into()));
    assert_eq!(
        ranking(d.path(), &["--semantics", "pair"]),
        (rows(&BY_PAIR), "pair".into())
    );
}

/// Records as misc 0.1.0 wrote them: one vector, under the manifest's reading, no `readings`.
#[test]
fn old_records_need_rejudge_for_the_other_reading_and_rejudge_fills_it() {
    let d = round("misc2011");
    ok(misc(&["run", "."], d.path()));
    let results = d.path().join("results");
    let mut old = String::new();
    for line in std::fs::read_to_string(results.join("runs.jsonl"))
        .unwrap()
        .lines()
    {
        let mut r: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = r["readings"]["name"].clone();
        r["criteria"] = name;
        r.as_object_mut().unwrap().remove("readings");
        old.push_str(&serde_json::to_string(&r).unwrap());
        old.push('\n');
    }
    std::fs::write(results.join("runs.jsonl"), old).unwrap();
    let manifest = std::fs::read_to_string(results.join("manifest.json")).unwrap();
    std::fs::write(
        results.join("manifest.json"),
        manifest.replace("\"semantics\": \"pair\"", "\"semantics\": \"name\""),
    )
    .unwrap();

    // The stored reading scores; the other one is an error that names `misc rejudge`.
    assert_eq!(ranking(d.path(), &[]), (rows(&BY_NAME), "name".into()));
    let o = misc(&["score", ".", "--semantics", "pair"], d.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("misc rejudge") && err.contains("`pair`"),
        "{err}"
    );

    ok(misc(&["rejudge", "."], d.path()));
    assert_eq!(
        ranking(d.path(), &["--semantics", "name"]),
        (rows(&BY_NAME), "name".into())
    );
    assert_eq!(
        ranking(d.path(), &["--semantics", "pair"]),
        (rows(&BY_PAIR), "pair".into())
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn check_evaluates_criteria_under_the_reading_asked_for() {
    // The upgrade replaces a1 and b1 by a2 and b2 and installs x1: `changed` is 3 names (a, b,
    // x) but 5 pairs (a1, a2, b1, b2, x1) (misc-rules.md 3.4); `misc check` counts pairs unless
    // `--semantics name` is given.
    let d = tempfile::tempdir().unwrap();
    write(&d.path().join("p.cudf"), PROBLEM);
    write(&d.path().join("s.cudf"), UPGRADE);
    let changed = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "p.cudf",
            "s.cudf",
            "--criteria",
            "-changed",
            "--json",
        ];
        args.extend_from_slice(extra);
        let json: serde_json::Value = serde_json::from_str(&ok(misc(&args, d.path()))).unwrap();
        json["criteria"].clone()
    };
    assert_eq!(changed(&[]), serde_json::json!([5]));
    assert_eq!(changed(&["--semantics", "pair"]), serde_json::json!([5]));
    assert_eq!(changed(&["--semantics", "name"]), serde_json::json!([3]));
    // An unknown reading is a usage error naming the possible values.
    let o = misc(
        &[
            "check",
            "p.cudf",
            "s.cudf",
            "--criteria",
            "-changed",
            "--semantics",
            "names",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[possible values: name, pair]"));
}
