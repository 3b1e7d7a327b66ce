//! The conversion against dose's (`dose-ceve -T cudf`, Debian package dose-extra) on this
//! machine's real bookworm indexes (main, updates, security) and dpkg status
//! (debian-cudf.md "What dose's CUDF looks like"):
//!
//! - the same package set: every (name, Debian version, installed) of dose's CUDF is in ours and
//!   the other way round;
//! - the same meaning: for a sample of packages P, "install P" (that very version) is solvable
//!   by aspcud on our CUDF exactly when it is on dose's, and `cudf-check` accepts every answer
//!   against its own problem. Each problem is P's dependency cone (the stanzas of every package
//!   its dependencies name, transitively), cut from the real index and converted by both tools:
//!   "install P" is solvable on the cone exactly when on the whole universe.
//!
//! CI runs the package set and `sample_of_40_installs_agree_with_dose`; the full size (200
//! installs, larger cones) is the ignored `full_200_installs_agree_with_dose`.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use common::{have, Rng};
use misc_debian::problemset::write_document;
use misc_debian::universe::{Input, Kind, Universe};

fn tools(names: &[&str]) -> bool {
    names.iter().all(|t| have(common::tool(t), t))
}

fn bookworm_inputs(with_status: bool) -> Option<Vec<Input>> {
    let suffixes = [
        "_dists_bookworm_main_binary-amd64_Packages.lz4",
        "_dists_bookworm-updates_main_binary-amd64_Packages.lz4",
        "_dists_bookworm-security_main_binary-amd64_Packages.lz4",
    ];
    let mut inputs = Vec::new();
    for suffix in suffixes {
        let path = common::index(suffix);
        if !have(
            path.is_some(),
            &format!("the apt index *{suffix} (run apt-get update)"),
        ) {
            return None;
        }
        inputs.push(misc_debian::input::read_input(&path.unwrap(), None, Kind::Packages).unwrap());
    }
    if with_status {
        let status = Path::new("/var/lib/dpkg/status");
        if !have(status.is_file(), "/var/lib/dpkg/status") {
            return None;
        }
        inputs.push(misc_debian::input::read_input(status, Some("status"), Kind::Status).unwrap());
    }
    Some(inputs)
}

/// Runs dose-ceve on plain files; returns its CUDF.
fn dose(files: &[&Path], out: &Path) -> String {
    let mut cmd = Command::new("dose-ceve");
    cmd.args(["-T", "cudf", "-o"]).arg(out);
    for f in files {
        cmd.arg(format!("deb://{}", f.display()));
    }
    let result = cmd.output().expect("run dose-ceve");
    assert!(
        result.status.success(),
        "dose-ceve failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

/// (package, number, installed) of every stanza of a CUDF document, and its version.
fn stanzas(cudf: &str) -> HashMap<(String, String), (u64, bool)> {
    let mut out = HashMap::new();
    for block in cudf.split("\n\n") {
        let (mut name, mut number, mut version, mut installed) = (None, None, 0, false);
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("package: ") {
                name = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("number: ") {
                number = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("version: ") {
                version = v.parse().unwrap();
            } else if line == "installed: true" {
                installed = true;
            }
        }
        if let (Some(n), Some(v)) = (name, number) {
            out.insert((n, v), (version, installed));
        }
    }
    out
}

fn ours(inputs: &[Input]) -> (String, Universe<'_>) {
    let u = Universe::build(inputs, None).unwrap();
    let all: Vec<_> = u.packages.iter().collect();
    let mut out = Vec::new();
    write_document(&u, &all, "", &mut out).unwrap();
    (String::from_utf8(out).unwrap(), u)
}

#[test]
fn same_package_set_as_dose_on_bookworm_and_the_status() {
    if !tools(&["dose-ceve"]) {
        return;
    }
    let Some(inputs) = bookworm_inputs(true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Dose keeps the first of two equal stanzas: the status goes first, so that it keeps the
    // installed one, as we do whatever the order.
    let mut files = Vec::new();
    for (i, input) in inputs.iter().enumerate().rev() {
        let path = dir.path().join(format!("{i}-{}", input.label));
        std::fs::write(&path, &input.text).unwrap();
        files.push(path);
    }
    let theirs = dose(
        &files.iter().map(|p| p.as_path()).collect::<Vec<_>>(),
        &dir.path().join("dose.cudf"),
    );
    let (mine, u) = ours(&inputs);
    let set = |m: HashMap<(String, String), (u64, bool)>| -> BTreeSet<(String, String, bool)> {
        m.into_iter().map(|((n, v), (_, i))| (n, v, i)).collect()
    };
    let (theirs, mine) = (set(stanzas(&theirs)), set(stanzas(&mine)));
    let only_dose: Vec<_> = theirs.difference(&mine).take(10).collect();
    let only_ours: Vec<_> = mine.difference(&theirs).take(10).collect();
    eprintln!(
        "dose: {} packages, ours: {} ({} installed, {} merges)",
        theirs.len(),
        mine.len(),
        u.packages.iter().filter(|p| p.installed).count(),
        u.stats.merges
    );
    assert!(
        only_dose.is_empty() && only_ours.is_empty(),
        "only dose: {only_dose:?}\nonly ours: {only_ours:?}"
    );
    assert!(mine.len() > 60_000);
}

/// aspcud's answer (`None` for FAIL), checked by cudf-check against its problem.
fn solve(problem: &Path) -> Option<bool> {
    let solution = problem.with_extension("sol");
    let out = Command::new("timeout")
        .args(["120", "aspcud"])
        .arg(problem)
        .arg(&solution)
        .arg("paranoid")
        .output()
        .expect("run aspcud");
    let text = std::fs::read_to_string(&solution).unwrap_or_default();
    if text.trim_start().starts_with("FAIL") {
        return Some(false);
    }
    if !out.status.success() || text.is_empty() {
        return None; // timeout or crash: no verdict
    }
    let check = Command::new("cudf-check")
        .arg("-cudf")
        .arg(problem)
        .arg("-sol")
        .arg(&solution)
        .output()
        .expect("run cudf-check");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        report.lines().any(|l| l == "is_solution: true"),
        "cudf-check refuses aspcud's answer to {}: {report}",
        problem.display()
    );
    Some(true)
}

fn installs(n: usize, max_cone: usize) {
    if !tools(&["dose-ceve", "aspcud", "cudf-check", "timeout"]) {
        return;
    }
    let Some(inputs) = bookworm_inputs(false) else {
        return;
    };
    let u = Universe::build(&inputs, None).unwrap();
    let index = u.cone_index().unwrap();
    let mut rng = Rng(0x646f_7365 + n as u64);
    let mut picked = Vec::new();
    let mut tries = 0;
    while picked.len() < n && tries < 50 * n {
        tries += 1;
        let i = rng.below(u.packages.len());
        let cone = u.cone_with(&index, &[i]).unwrap();
        if cone.len() <= max_cone && !picked.iter().any(|(j, _)| *j == i) {
            picked.push((i, cone));
        }
    }
    assert_eq!(
        picked.len(),
        n,
        "not enough packages with a cone of at most {max_cone}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(String, String, usize, String)> = picked
        .iter()
        .map(|(i, cone)| {
            let p = &u.packages[*i];
            (
                p.name.to_string(),
                p.version.to_string(),
                cone.len(),
                u.excerpt(cone),
            )
        })
        .collect();
    let results: Vec<(String, usize, Option<bool>, Option<bool>)> = std::thread::scope(|s| {
        let chunks: Vec<_> = cases
            .chunks(n.div_ceil(2))
            .enumerate()
            .map(|(t, chunk)| {
                let dir = dir.path().join(format!("t{t}"));
                std::fs::create_dir_all(&dir).unwrap();
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(k, (name, number, size, excerpt))| {
                            let packages = dir.join(format!("{k}.Packages"));
                            std::fs::write(&packages, excerpt).unwrap();
                            // Dose's CUDF with the request added.
                            let theirs = dose(&[&packages], &dir.join(format!("{k}.dose.raw")));
                            let (v, _) = stanzas(&theirs)[&(name.clone(), number.clone())];
                            let dose_problem = dir.join(format!("{k}.dose.cudf"));
                            std::fs::write(
                                &dose_problem,
                                format!(
                                    "{}\ninstall: {name} = {v}\n",
                                    theirs.trim_end_matches('\n')
                                ),
                            )
                            .unwrap();
                            // Ours, from the same excerpt.
                            let input =
                                misc_debian::input::read_input(&packages, None, Kind::Packages)
                                    .unwrap();
                            let inputs = [input];
                            let u = Universe::build(&inputs, None).unwrap();
                            let all: Vec<_> = u.packages.iter().collect();
                            let request = format!(
                                "install: {}\n",
                                u.request_vpkg(name, Some((misc_debian::control::Op::Eq, number)))
                                    .unwrap()
                            );
                            let mut ours = Vec::new();
                            write_document(&u, &all, &request, &mut ours).unwrap();
                            let our_problem = dir.join(format!("{k}.ours.cudf"));
                            std::fs::write(&our_problem, ours).unwrap();
                            (
                                format!("{name} {number}"),
                                *size,
                                solve(&our_problem),
                                solve(&dose_problem),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let solvable = results.iter().filter(|r| r.2 == Some(true)).count();
    let decided = results
        .iter()
        .filter(|r| r.2.is_some() && r.3.is_some())
        .count();
    let disagree: Vec<_> = results
        .iter()
        .filter(|r| r.2.is_some() && r.3.is_some() && r.2 != r.3)
        .collect();
    eprintln!(
        "{n} installs (cones of at most {max_cone} packages): {decided} decided by aspcud on both, {solvable} solvable on ours, {} disagreements with dose",
        disagree.len()
    );
    assert!(disagree.is_empty(), "ours vs dose: {disagree:#?}");
    assert!(decided * 10 >= n * 9, "too many undecided: {results:#?}");
}

#[test]
fn sample_of_40_installs_agree_with_dose() {
    installs(40, 300);
}

#[test]
#[ignore = "full size: 200 installs with cones up to 3,000 packages, several minutes"]
fn full_200_installs_agree_with_dose() {
    installs(200, 3000);
}
