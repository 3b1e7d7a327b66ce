//! Requests from a SPEC file and generated ones: format, determinism (a pinned generator) and
//! the unsatisfiable kind checked with aspcud (module docs of `misc_debian::requests`).

mod common;

use misc_debian::problemset::write_document;
use misc_debian::requests::{self, Kind as Gen};
use misc_debian::universe::{Input, Kind, Universe};

const PACKAGES: &str = "\
Package: a
Version: 1
Architecture: amd64
Depends: b
Conflicts: c

Package: b
Version: 1
Architecture: amd64

Package: b
Version: 2
Architecture: amd64

Package: c
Version: 1.5
Architecture: all

Package: d
Version: 3
Architecture: amd64
Depends: c (>= 1)
";

const STATUS: &str = "\
Package: b
Status: install ok installed
Version: 1
Architecture: amd64

Package: d
Status: install ok installed
Version: 3
Architecture: amd64
";

fn inputs() -> Vec<Input> {
    let i = |label: &str, kind, text: &str| Input {
        label: label.into(),
        file: format!("{label}.txt"),
        kind,
        text: text.into(),
        sha256: String::new(),
    };
    vec![
        i("main", Kind::Packages, PACKAGES),
        i("status", Kind::Status, STATUS),
    ]
}

fn problem(u: &Universe<'_>, r: &requests::Request) -> String {
    let all: Vec<_> = u.packages.iter().collect();
    let mut out = Vec::new();
    write_document(u, &all, &r.lines, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn spec_format() {
    let inputs = inputs();
    let u = Universe::build(&inputs, None).unwrap();
    let spec = "# comment\nfirst: install a, c (>= 1.5); remove d\nup: upgrade all\n\n";
    let r = requests::parse_spec(spec, "spec", &u).unwrap();
    assert_eq!(r.len(), 2);
    let v = u.table.get("1.5").unwrap();
    assert_eq!(r[0].lines, format!("install: a, c >= {v}\nremove: d\n"));
    assert_eq!(r[1].lines, "upgrade: b, d\n");
    misc_cudf::parse_problem(&problem(&u, &r[0])).unwrap();
    for (bad, want) in [
        ("x install a\n", "spec:1: expected `NAME: ACTION"),
        ("x: install\n", "spec:1: install without packages"),
        ("x: purge a\n", "spec:1: unknown action"),
        ("ok: install a\nx: install a | b\n", "spec:2: alternatives"),
        (
            "x: install a (>= 9)\n",
            "spec:1: version 9 of a is mentioned nowhere",
        ),
        (
            "x: install a\nx: remove a\n",
            "spec:2: request x given twice",
        ),
    ] {
        let e = requests::parse_spec(bad, "spec", &u)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(want), "{bad:?}: {e}");
    }
}

#[test]
fn generate_is_deterministic_and_kinds_do_what_they_say() {
    let inputs = inputs();
    let u = Universe::build(&inputs, None).unwrap();
    let kinds =
        requests::parse_generate("install:2=3,remove:1=1,upgrade-all=1,upgrade-outdated=1,unsat=1")
            .unwrap();
    assert_eq!(kinds[0], (Gen::Install(2), 3));
    let a = requests::generate(&u, &kinds, 42).unwrap();
    let b = requests::generate(&u, &kinds, 42).unwrap();
    assert_eq!(a, b, "same seed, same requests");
    let names: Vec<_> = a.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "install2-001",
            "install2-002",
            "install2-003",
            "remove1-001",
            "upgrade-all-001",
            "upgrade-outdated-001",
            "unsat-001"
        ]
    );
    assert!(
        a[3].lines == "remove: b\n" || a[3].lines == "remove: d\n",
        "{}",
        a[3].lines
    );
    assert_eq!(a[4].lines, "upgrade: b, d\n");
    assert_eq!(a[5].lines, "upgrade: b\n", "only b has a newer version");
    assert_eq!(
        a[6].lines,
        format!(
            "install: a = {}, c = {}\n",
            u.table.get("1").unwrap(),
            u.table.get("1.5").unwrap()
        )
    );
    let seeds: Vec<_> = (0..20)
        .map(|s| requests::generate(&u, &kinds[..1], s).unwrap())
        .collect();
    assert!(seeds.iter().any(|r| r != &seeds[0]), "the seed matters");
    for bad in ["install=2", "install:0=1", "frob=1", "unsat", ""] {
        assert!(requests::parse_generate(bad).is_err(), "{bad}");
    }
}

#[test]
fn unsat_requests_are_unsatisfiable_for_aspcud() {
    if !common::have(common::tool("aspcud"), "aspcud") {
        return;
    }
    let inputs = inputs();
    let u = Universe::build(&inputs, None).unwrap();
    let reqs = requests::generate(&u, &[(Gen::Unsat, 1), (Gen::Install(1), 2)], 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for r in &reqs {
        let path = dir.path().join(format!("{}.cudf", r.name));
        std::fs::write(&path, problem(&u, r)).unwrap();
        let sol = dir.path().join(format!("{}.sol", r.name));
        let status = std::process::Command::new("aspcud")
            .arg(&path)
            .arg(&sol)
            .arg("paranoid")
            .status()
            .unwrap();
        assert!(status.success());
        let answer = std::fs::read_to_string(&sol).unwrap();
        let fail = answer.trim_start().starts_with("FAIL");
        assert_eq!(
            fail,
            r.name.starts_with("unsat"),
            "{}: {}\n{answer}",
            r.name,
            r.lines
        );
    }
}

/// The unsatisfiable kind on real data: `--generate unsat=6` over bookworm's index (no
/// installed base, so that the cones stay small), each request written over its cone (as `misc problems debian` does),
/// is unsatisfiable for aspcud; the install requests drawn beside them are solved, and
/// cudf-check accepts aspcud's answers.
#[test]
fn generated_unsat_requests_on_bookworm_are_unsatisfiable_for_aspcud() {
    if !common::have(common::tool("aspcud"), "aspcud")
        || !common::have(common::tool("cudf-check"), "cudf-check")
    {
        return;
    }
    let Some(main) = common::bookworm_main() else {
        common::have(false, "apt's bookworm list (run apt-get update)");
        return;
    };
    let inputs = vec![misc_debian::input::read_input(&main, None, Kind::Packages).unwrap()];
    let u = Universe::build(&inputs, None).unwrap();
    let reqs = requests::generate(&u, &[(Gen::Unsat, 6), (Gen::Install(1), 4)], 12).unwrap();
    let cone = u.cone_index().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut unsat, mut solved) = (0, 0);
    for r in &reqs {
        let selected =
            requests::category_packages(&u, &requests::Category::Cone, r, &cone).unwrap();
        let packages: Vec<_> = selected.iter().map(|&i| &u.packages[i]).collect();
        let mut out = Vec::new();
        write_document(&u, &packages, &r.lines, &mut out).unwrap();
        let path = dir.path().join(format!("{}.cudf", r.name));
        std::fs::write(&path, out).unwrap();
        let sol = dir.path().join(format!("{}.sol", r.name));
        let status = std::process::Command::new("aspcud")
            .arg(&path)
            .arg(&sol)
            .arg("paranoid")
            .status()
            .unwrap();
        assert!(status.success(), "aspcud on {}", r.name);
        let answer = std::fs::read_to_string(&sol).unwrap();
        if r.name.starts_with("unsat") {
            assert!(
                answer.trim_start().starts_with("FAIL"),
                "{} ({}) is solvable:\n{answer}",
                r.name,
                r.lines
            );
            unsat += 1;
        } else if !answer.trim_start().starts_with("FAIL") {
            let check = std::process::Command::new("cudf-check")
                .arg("-cudf")
                .arg(&path)
                .arg("-sol")
                .arg(&sol)
                .output()
                .unwrap();
            assert!(
                String::from_utf8_lossy(&check.stdout)
                    .lines()
                    .any(|l| l == "is_solution: true"),
                "cudf-check refuses aspcud's answer to {}",
                r.name
            );
            solved += 1;
        }
    }
    eprintln!("bookworm: {unsat} generated unsat requests unsatisfiable for aspcud, {solved} of 4 installs solved");
    assert_eq!(unsat, 6);
    assert!(
        solved >= 3,
        "the installs beside them are solvable: {solved} of 4"
    );
}
