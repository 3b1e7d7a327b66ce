//! Real requests: EDSP files dumped from this machine's apt (`APT_EDSP_DUMP_FILENAME=F apt-get
//! -s ... --solver dump`) converted to CUDF; apt's own plan for the same request (`apt-get -s`
//! "Inst"/"Remv" lines applied to the installed base) must be a valid solution of our CUDF per
//! `misc check` (misc-check) and per `cudf-check` (debian-cudf.md "Where real data is").
//!
//! CI runs `sample_of_5_apt_requests` (installs, a removal, an upgrade), checking each plan on
//! the part of our CUDF it can touch (every version of every name installed before or after,
//! or requested: valid there exactly when valid on the whole); the full size (24 requests,
//! installs of 20 packages not installed here, three removals, an upgrade and a dist-upgrade,
//! each plan checked on the whole CUDF) is the ignored `full_24_apt_requests`. An install
//! request of a package already installed fails the test: it would prove nothing.

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
    &["install", "clang"],
    &["install", "cmake"],
    &["install", "zsh"],
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
    &["install", "lighttpd", "rsync", "inkscape"],
];

/// apt's options to keep its binary cache in `dir`: images like this one disable it
/// (`Dir::Cache::pkgcache ""`), so that every apt-get would parse the 50 MB lists again (about
/// a second of CPU each); the cache holds the same lists, so plans and dumps do not change.
fn cache(dir: &Path) -> [String; 4] {
    [
        "-o".into(),
        format!(
            "Dir::Cache::pkgcache={}",
            dir.join("pkgcache.bin").display()
        ),
        "-o".into(),
        format!(
            "Dir::Cache::srcpkgcache={}",
            dir.join("srcpkgcache.bin").display()
        ),
    ]
}

/// (name, version) of the installed base after apt's plan for `args`.
fn apt_plan(
    args: &[&str],
    dir: &Path,
    installed: &BTreeMap<String, String>,
) -> Option<BTreeMap<String, String>> {
    let out = Command::new("apt-get")
        .arg("-s")
        .args(cache(dir))
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

/// One request: apt's EDSP dump converted, apt's plan checked on it. `Ok` a summary line,
/// `Err` what failed. With `subset`, the plan is checked on the stanzas of our CUDF that can
/// matter to it: every package whose name is installed before or after the plan or named by
/// the request (a plan is valid on that part exactly when on the whole: uninstalled packages of
/// other names neither satisfy nor violate anything).
fn one(k: usize, args: &[&str], dir: &Path, subset: bool) -> Result<String, String> {
    let edsp = dir.join(format!("{k}.edsp"));
    let status = Command::new("apt-get")
        .env("APT_EDSP_DUMP_FILENAME", &edsp)
        .arg("-s")
        .args(cache(dir))
        .args(args)
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
    let mut all = cudf.packages(&u);
    let installed: BTreeMap<String, String> = u
        .packages
        .iter()
        .filter(|p| p.installed)
        .map(|p| (p.name.to_string(), p.version.to_string()))
        .collect();
    let Some(after) = apt_plan(args, dir, &installed) else {
        return Err(format!("{args:?}: apt found no plan"));
    };
    if args[0] == "install" && after == installed {
        return Err(format!(
            "{args:?}: already installed here, the request proves nothing: pick another package"
        ));
    }
    let universe_size = all.len();
    if subset {
        let mut names: std::collections::HashSet<String> = installed
            .keys()
            .chain(after.keys())
            .map(|n| u.request_vpkg(n, None).unwrap())
            .collect();
        for line in cudf.lines.lines() {
            let items = line.split_once(':').map_or("", |(_, v)| v);
            names.extend(
                items
                    .split(',')
                    .filter_map(|i| i.split_whitespace().next())
                    .map(str::to_string),
            );
        }
        all.retain(|p| names.contains(&u.cudf_name(p)));
    }
    let mut problem = Vec::new();
    write_document(&u, &all, &cudf.lines, &mut problem).unwrap();
    let problem = String::from_utf8(problem).unwrap();
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
    let problem_path = dir.join(format!("{k}.cudf"));
    let solution_path = dir.join(format!("{k}.sol"));
    std::fs::write(&problem_path, &problem).unwrap();
    std::fs::write(&solution_path, &solution).unwrap();
    let mut failures = Vec::new();
    // misc check.
    let doc = misc_cudf::parse_problem(&problem).expect("our CUDF parses");
    let answer = misc_cudf::parse_answer(&solution, &doc).expect("the plan parses");
    let report = misc_check::check_answer(&doc, &answer);
    if report.verdict != misc_check::Verdict::Valid {
        failures.push(format!(
            "misc check: {:?}",
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
            "cudf-check: {}",
            text.lines().take(8).collect::<Vec<_>>().join(" | ")
        ));
    }
    if !failures.is_empty() {
        return Err(format!("{args:?}: {}", failures.join("; ")));
    }
    let changed = after
        .iter()
        .filter(|(n, v)| installed.get(*n) != Some(*v))
        .count()
        + installed.keys().filter(|n| !after.contains_key(*n)).count();
    Ok(format!(
        "apt-get {}: {universe_size} packages{}, request {:?}, not expressed {:?}, plan changes {changed} packages",
        args.join(" "),
        if subset {
            format!(" ({} checked)", all.len())
        } else {
            String::new()
        },
        cudf.summary().chars().take(60).collect::<String>(),
        cudf.not_expressed,
    ))
}

fn differential(requests: &[&[&str]], subset: bool) {
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
    // Build apt's cache once, then two requests at a time.
    let prime = Command::new("apt-cache")
        .args(cache(dir.path()))
        .arg("stats")
        .output()
        .unwrap();
    assert!(
        prime.status.success(),
        "apt-cache stats: {}",
        String::from_utf8_lossy(&prime.stderr)
    );
    let results: Vec<Result<String, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = [0, 1]
            .map(|t| {
                let dir = dir.path();
                s.spawn(move || {
                    requests
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| k % 2 == t)
                        .map(|(k, args)| one(k, args, dir, subset))
                        .collect::<Vec<_>>()
                })
            })
            .into_iter()
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    for line in results.iter().filter_map(|r| r.as_ref().ok()) {
        eprintln!("{line}");
    }
    eprintln!(
        "{} apt requests: apt's plan valid on our CUDF per misc check and cudf-check in {} ({} failures)",
        results.len(),
        results.len() - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(results.len(), requests.len());
}

#[test]
fn sample_of_5_apt_requests() {
    differential(SAMPLE, true);
}

#[test]
#[ignore = "full size: 24 requests, several minutes"]
fn full_24_apt_requests() {
    differential(FULL, false);
}

#[test]
fn request_mapping() {
    let text = "Request: EDSP 0.5\nArchitecture: amd64\nInstall: a:amd64 b\nRemove: c\nUpgrade-All: yes\nAutoremove: yes\nForbid-Remove: yes\nStrict-Pinning: no\n\nPackage: a\nVersion: 1\nArchitecture: amd64\nAPT-ID: 1\n\nPackage: c\nVersion: 2\nArchitecture: amd64\nInstalled: yes\nAPT-ID: 2\n\nPackage: d\nVersion: 1\nArchitecture: i386\nInstalled: yes\nAPT-ID: 3\n\nPackage: e\nVersion: 1\nArchitecture: amd64\nAPT-ID: 4\n\nPackage: c\nVersion: 3\nArchitecture: amd64\nAPT-ID: 5\n\nPackage: d\nVersion: 1\nArchitecture: amd64\nAPT-ID: 6\n";
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
    assert_eq!(u.packages.len(), 6);
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

/// Forbid-New-Install: the universe of the installed names only (c in any version, d:i386, not
/// a, e or d:amd64); Hold: `keep: version`, stronger than Forbid-Remove's `keep: package`.
#[test]
fn forbid_new_install_and_hold() {
    let text = "Request: EDSP 0.5\nArchitecture: amd64\nArchitectures: amd64 i386\nUpgrade-All: yes\nForbid-New-Install: yes\nForbid-Remove: yes\n\nPackage: a\nVersion: 1\nArchitecture: amd64\nAPT-ID: 1\n\nPackage: c\nVersion: 2\nArchitecture: amd64\nInstalled: yes\nAPT-ID: 2\n\nPackage: d\nVersion: 1\nArchitecture: i386\nInstalled: yes\nHold: yes\nAPT-ID: 3\n\nPackage: e\nVersion: 1\nArchitecture: amd64\nAPT-ID: 4\nHold: yes\n\nPackage: c\nVersion: 3\nArchitecture: amd64\nAPT-ID: 5\n\nPackage: d\nVersion: 1\nArchitecture: amd64\nAPT-ID: 6\n";
    let inputs = [misc_debian::universe::Input {
        label: "r".into(),
        file: "r.edsp".into(),
        kind: Kind::Edsp,
        text: text.into(),
        sha256: String::new(),
    }];
    let r = misc_debian::edsp::parse_request(&inputs[0]).unwrap();
    let mut u = Universe::build(&inputs, r.architecture).unwrap();
    let c = misc_debian::edsp::to_cudf(&u, &r);
    assert!(c.installed_names_only && c.keep_installed);
    assert!(
        !c.not_expressed.iter().any(|n| n.contains("Forbid")),
        "{:?}",
        c.not_expressed
    );
    u.keep_installed = c.keep_installed;
    let kept: Vec<(String, &str)> = c
        .packages(&u)
        .iter()
        .map(|p| (u.cudf_name(p), p.version))
        .collect();
    assert_eq!(
        kept,
        [
            ("c".to_string(), "2"),
            ("d%3ai386".to_string(), "1"),
            ("c".to_string(), "3")
        ]
    );
    let mut out = Vec::new();
    write_document(&u, &c.packages(&u), &c.lines, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let doc = misc_cudf::parse_problem(&out).expect("parses");
    assert!(out.contains("installed: true\nkeep: version\n"), "{out}");
    assert!(out.contains("installed: true\nkeep: package\n"), "{out}");
    assert!(!out.contains("package: a\n") && !out.contains("package: e\n"));
    // Upgrading c is a solution, removing it is not; a is not even in the universe.
    let answer = |text: &str| {
        let a = misc_cudf::parse_answer(text, &doc).expect("answer parses");
        misc_check::check_answer(&doc, &a).verdict == misc_check::Verdict::Valid
    };
    let (v2, v3, v1) = (
        u.table.get("2").unwrap(),
        u.table.get("3").unwrap(),
        u.table.get("1").unwrap(),
    );
    assert!(answer(&format!(
        "package: c\nversion: {v3}\ninstalled: true\n\npackage: d%3ai386\nversion: {v1}\ninstalled: true\n"
    )));
    assert!(
        !answer(&format!(
            "package: d%3ai386\nversion: {v1}\ninstalled: true\n"
        )),
        "c may not be removed"
    );
    let _ = v2;
}
