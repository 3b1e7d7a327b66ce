//! Real requests: EDSP files dumped from this machine's apt (`APT_EDSP_DUMP_FILENAME=F apt-get
//! -s ... --solver dump`) converted to CUDF; apt's own plan for the same request (`apt-get -s`
//! "Inst"/"Remv" lines applied to the installed base) must be a valid solution of our CUDF per
//! `misc check` (misc-check) and per `cudf-check` (debian-cudf.md "Where real data is").
//!
//! CI runs `sample_of_5_apt_requests` (installs, a removal, an upgrade); the full size (24
//! requests) is the ignored `full_24_apt_requests`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::have;
use misc_debian::problemset::write_document;
use misc_debian::universe::{Kind, Universe};

/// apt-get's arguments for each request: installs of packages not installed here, a removal,
/// an upgrade.
const SAMPLE: &[&[&str]] = &[
    &["install", "tree"],
    &["install", "vim-nox"],
    &["install", "python3-numpy", "jq"],
    &["remove", "xz-utils"],
    &["upgrade"],
];

const FULL: &[&[&str]] = &[
    &["install", "tree"],
    &["install", "vim-nox"],
    &["install", "python3-numpy", "jq"],
    &["install", "emacs-nox"],
    &["install", "git"],
    &["install", "build-essential"],
    &["install", "postgresql"],
    &["install", "nginx"],
    &["install", "apache2"],
    &["install", "texlive-base"],
    &["install", "ocaml"],
    &["install", "ghc"],
    &["install", "default-jdk-headless"],
    &["install", "golang"],
    &["install", "r-base-core"],
    &["install", "gimp"],
    &["install", "xfce4"],
    &["install", "mariadb-server", "php"],
    &["remove", "xz-utils"],
    &["remove", "perl"],
    &["remove", "python3"],
    &["upgrade"],
    &["dist-upgrade"],
    &["install", "curl", "wget", "rsync"],
];

/// (name, version) of the installed base after apt's plan for `args`.
fn apt_plan(
    args: &[&str],
    installed: &BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    let out = Command::new("apt-get")
        .arg("-s")
        .args(args)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!(
            "apt-get -s {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let mut after = installed.clone();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Inst", name, rest @ ..] => {
                let new = rest
                    .iter()
                    .find(|w| w.starts_with('('))
                    .expect("a new version");
                let name = name.split(':').next().unwrap();
                after.insert(name.to_string(), new.trim_start_matches('(').to_string());
            }
            ["Remv", name, ..] => {
                after.remove(name.split(':').next().unwrap());
            }
            _ => {}
        }
    }
    Some(after)
}

fn differential(requests: &[&[&str]]) {
    for t in ["apt-get", "cudf-check"] {
        if !have(common::tool(t), t) {
            return;
        }
    }
    if !have(
        common::bookworm_main().is_some(),
        "apt's lists (run apt-get update)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // apt's dump solver runs as user _apt: the folder must be writable by it.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (k, args) in requests.iter().enumerate() {
        let edsp = dir.path().join(format!("{k}.edsp"));
        let status = Command::new("apt-get")
            .env("APT_EDSP_DUMP_FILENAME", &edsp)
            .arg("-s")
            .args(*args)
            .args(["--solver", "dump"])
            .output()
            .unwrap();
        assert!(
            edsp.is_file(),
            "apt wrote no EDSP for {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let input = misc_debian::input::read_input(&edsp, None, Kind::Edsp).unwrap();
        let inputs = [input];
        let request = misc_debian::edsp::parse_request(&inputs[0]).unwrap();
        let mut u = Universe::build(&inputs, request.architecture).unwrap();
        let cudf = misc_debian::edsp::to_cudf(&u, &request);
        u.keep_installed = cudf.keep_installed;
        let all: Vec<_> = u.packages.iter().collect();
        let mut problem = Vec::new();
        write_document(&u, &all, &cudf.lines, &mut problem).unwrap();
        let problem = String::from_utf8(problem).unwrap();
        let installed: BTreeMap<String, String> = u
            .packages
            .iter()
            .filter(|p| p.installed)
            .map(|p| (p.name.to_string(), p.version.to_string()))
            .collect();
        let Some(after) = apt_plan(args, &installed) else {
            failures.push(format!("{args:?}: apt found no plan"));
            continue;
        };
        // The plan as a CUDF solution, in our version numbering.
        let mut solution = String::new();
        for (name, version) in &after {
            let v = u
                .table
                .get(version)
                .unwrap_or_else(|| panic!("{name} {version} not in the table"));
            solution.push_str(&format!(
                "package: {}\nversion: {v}\ninstalled: true\n\n",
                u.request_vpkg(name, None).unwrap()
            ));
        }
        let problem_path = dir.path().join(format!("{k}.cudf"));
        let solution_path = dir.path().join(format!("{k}.sol"));
        std::fs::write(&problem_path, &problem).unwrap();
        std::fs::write(&solution_path, &solution).unwrap();
        // misc check.
        let doc = misc_cudf::parse_problem(&problem).expect("our CUDF parses");
        let answer = misc_cudf::parse_answer(&solution, &doc).expect("the plan parses");
        let report = misc_check::check_answer(&doc, &answer);
        if report.verdict != misc_check::Verdict::Valid {
            failures.push(format!(
                "{args:?}: misc check: {:?}",
                report
                    .violations
                    .iter()
                    .map(|v| v.message.clone())
                    .take(5)
                    .collect::<Vec<_>>()
            ));
        }
        // cudf-check.
        let out = Command::new("cudf-check")
            .arg("-cudf")
            .arg(&problem_path)
            .arg("-sol")
            .arg(&solution_path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        if !text.lines().any(|l| l == "is_solution: true") {
            failures.push(format!(
                "{args:?}: cudf-check: {}",
                text.lines().take(8).collect::<Vec<_>>().join(" | ")
            ));
        }
        eprintln!(
            "apt-get {}: {} packages, request {:?}, not expressed {:?}, plan of {} installed",
            args.join(" "),
            all.len(),
            cudf.summary().chars().take(80).collect::<String>(),
            cudf.not_expressed,
            after.len()
        );
        checked += 1;
    }
    eprintln!(
        "{checked} apt requests: apt's plan valid on our CUDF in {} ({} failures)",
        checked - failures.len().min(checked),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(checked, requests.len());
}

#[test]
fn sample_of_5_apt_requests() {
    differential(SAMPLE);
}

#[test]
#[ignore = "full size: 24 requests, several minutes"]
fn full_24_apt_requests() {
    differential(FULL);
}

#[test]
fn request_mapping() {
    let text = "Request: EDSP 0.5\nArchitecture: amd64\nInstall: a:amd64 b\nRemove: c\nUpgrade-All: yes\nAutoremove: yes\nForbid-Remove: yes\nStrict-Pinning: no\n\nPackage: a\nVersion: 1\nArchitecture: amd64\nAPT-ID: 1\n\nPackage: c\nVersion: 2\nArchitecture: amd64\nInstalled: yes\nAPT-ID: 2\n\nPackage: d\nVersion: 1\nArchitecture: i386\nInstalled: yes\nAPT-ID: 3\n\nPackage: e\nVersion: 1\nArchitecture: amd64\nAPT-ID: 4\n";
    let inputs = [misc_debian::universe::Input {
        label: "r".into(),
        file: "r.edsp".into(),
        kind: Kind::Edsp,
        text: text.into(),
        sha256: String::new(),
    }];
    let r = misc_debian::edsp::parse_request(&inputs[0]).unwrap();
    assert_eq!(r.install, vec!["a:amd64", "b"]);
    let mut u = Universe::build(&inputs, None).unwrap();
    assert_eq!(u.packages.len(), 4);
    let c = misc_debian::edsp::to_cudf(&u, &r);
    assert_eq!(c.lines, "install: a, b\nremove: c\nupgrade: c, d%3ai386\n");
    assert_eq!(c.not_expressed, vec!["Autoremove"]);
    assert!(c.keep_installed);
    u.keep_installed = true;
    let all: Vec<_> = u.packages.iter().collect();
    let mut out = Vec::new();
    write_document(&u, &all, &c.lines, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("package: c\nversion: 2\nconflicts: c\ninstalled: true\nkeep: package\n"),
        "{out}"
    );
    misc_cudf::parse_problem(&out).expect("parses");
    let bad = misc_debian::universe::Input {
        text: "Package: a\nVersion: 1\n".into(),
        ..inputs[0].clone()
    };
    let e = misc_debian::edsp::parse_request(&bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        "r.edsp:1: not an EDSP request: no `Request:` stanza first"
    );
    let _ = Path::new("");
}
