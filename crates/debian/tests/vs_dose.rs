//! The conversion against dose's (`dose-ceve -T cudf`, Debian package dose-extra) on this
//! machine's real bookworm indexes (main, updates, security) and dpkg status
//! (debian-cudf.md "What dose's CUDF looks like"):
//!
//! - the same package set: every (name, Debian version, installed) of dose's CUDF is in ours and
//!   the other way round;
//! - the same meaning: for a sample of packages P, "install P" (that very version) and, for
//!   half of the sample, "install P, Q" with Q a package that P's cone conflicts with (so that
//!   unsolvable requests occur: a release has few uninstallable packages), is solvable by
//!   aspcud on our CUDF exactly when it is on dose's, and `cudf-check` accepts every answer
//!   against its own problem. Both verdicts must occur. Each problem is the dependency cone of
//!   the packages installed (the stanzas of every package their dependencies name,
//!   transitively), cut from the real index and converted by both tools: the request is
//!   solvable on the cone exactly when on the whole universe.
//!
//! CI runs the package set and `sample_of_40_installs_agree_with_dose` (at least 8 solvable
//! and 8 unsolvable requests); the full size (200 requests, larger cones, at least 40 of
//! each) is the ignored `full_200_installs_agree_with_dose`.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use common::{aspcud_verdict, have, tools, Rng};
use misc_debian::problemset::write_document;
use misc_debian::universe::{Input, Kind, Universe};

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

/// A package Q (index) that a Conflicts or Breaks of some package of `cone` hits (a real
/// package, not P itself, in a version the relation names): "install P, Q" is then
/// unsolvable when the conflict cannot be avoided (P itself or a package P must have conflicts
/// with Q) and solvable when an alternative or another version of the conflicting package
/// avoids it; both happen.
fn conflicting_partner(
    u: &Universe<'_>,
    by_name: &HashMap<&str, Vec<usize>>,
    providers: &HashMap<&str, Vec<usize>>,
    cone: &[usize],
    p: usize,
    rng: &mut Rng,
) -> Option<usize> {
    let mut targets = Vec::new();
    for &i in cone {
        let q = &u.packages[i];
        for f in [&q.conflicts, &q.breaks] {
            if f.value.is_empty() {
                continue;
            }
            for alts in misc_debian::control::parse_relation(f.value, "index", f.line).unwrap() {
                for atom in alts {
                    // Providers of a virtual name an unversioned conflict names.
                    if atom.constraint.is_none() {
                        if let Some(list) = providers.get(atom.name) {
                            targets.extend(list.iter().copied().filter(|&j| {
                                let r = &u.packages[j];
                                r.name != u.packages[p].name && r.name != q.name
                            }));
                        }
                    }
                    if let Some(list) = by_name.get(atom.name) {
                        // The versions the conflict hits (any version for an unversioned one).
                        targets.extend(list.iter().copied().filter(|&j| {
                            let r = &u.packages[j];
                            r.name != u.packages[p].name
                                && r.name != q.name
                                && atom.constraint.is_none_or(|(op, v)| {
                                    op.admits(misc_debian::version::compare(r.version, v))
                                })
                        }));
                    }
                }
            }
        }
    }
    if targets.is_empty() {
        return None;
    }
    Some(targets[rng.below(targets.len())])
}

/// `n` requests over P's cone: "install P" for half of them, "install P, Q" with Q a package
/// P's cone conflicts with for the other half (so that both verdicts occur); each solved by
/// aspcud on our CUDF and on dose's. Asserts the same verdict everywhere, at least
/// `min_each` solvable and `min_each` unsolvable requests.
fn installs(n: usize, max_cone: usize, min_each: usize) {
    if !tools(&["dose-ceve", "aspcud", "cudf-check", "timeout"]) {
        return;
    }
    let Some(inputs) = bookworm_inputs(false) else {
        return;
    };
    let u = Universe::build(&inputs, None).unwrap();
    let index = u.cone_index().unwrap();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in u.packages.iter().enumerate() {
        by_name.entry(p.name).or_default().push(i);
        let provides = misc_debian::control::parse_relation(p.provides.value, "index", 0).unwrap();
        for atom in provides.into_iter().flatten() {
            providers.entry(atom.name).or_default().push(i);
        }
    }
    let mut rng = Rng::new(0x646f_7365 + n as u64);
    // (the packages to install, their cone)
    let mut picked: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    let mut tries = 0;
    while picked.len() < n && tries < 50 * n {
        tries += 1;
        let i = rng.below(u.packages.len());
        if picked.iter().any(|(s, _)| s[0] == i) {
            continue;
        }
        let cone = u.cone_with(&index, &[i]).unwrap();
        if cone.len() > max_cone {
            continue;
        }
        if picked.len().is_multiple_of(2) {
            picked.push((vec![i], cone));
            continue;
        }
        // Every other pair takes Q from P's own conflicts, the others from its cone's.
        let from = if picked.len() % 4 == 1 {
            &[i][..]
        } else {
            &cone
        };
        let Some(j) = conflicting_partner(&u, &by_name, &providers, from, i, &mut rng) else {
            continue;
        };
        let cone = u.cone_with(&index, &[i, j]).unwrap();
        if cone.len() <= max_cone {
            picked.push((vec![i, j], cone));
        }
    }
    assert_eq!(
        picked.len(),
        n,
        "not enough packages with a cone of at most {max_cone}"
    );
    let dir = tempfile::tempdir().unwrap();
    // (the (name, Debian version) to install, cone size, excerpt)
    type Case = (Vec<(String, String)>, usize, String);
    let cases: Vec<Case> = picked
        .iter()
        .map(|(seeds, cone)| {
            let wanted = seeds
                .iter()
                .map(|&i| {
                    let p = &u.packages[i];
                    (p.name.to_string(), p.version.to_string())
                })
                .collect();
            (wanted, cone.len(), u.excerpt(cone))
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
                        .map(|(k, (wanted, size, excerpt))| {
                            let packages = dir.join(format!("{k}.Packages"));
                            std::fs::write(&packages, excerpt).unwrap();
                            // Dose's CUDF with the request added.
                            let theirs = dose(&[&packages], &dir.join(format!("{k}.dose.raw")));
                            let theirs_by = stanzas(&theirs);
                            let request: Vec<String> = wanted
                                .iter()
                                .map(|(name, number)| {
                                    let (v, _) = theirs_by[&(name.clone(), number.clone())];
                                    format!("{name} = {v}")
                                })
                                .collect();
                            let dose_problem = dir.join(format!("{k}.dose.cudf"));
                            std::fs::write(
                                &dose_problem,
                                format!(
                                    "{}\ninstall: {}\n",
                                    theirs.trim_end_matches('\n'),
                                    request.join(", ")
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
                            let request: Vec<String> = wanted
                                .iter()
                                .map(|(name, number)| {
                                    u.request_vpkg(
                                        name,
                                        Some((misc_debian::control::Op::Eq, number)),
                                    )
                                    .unwrap()
                                })
                                .collect();
                            let request = format!("install: {}\n", request.join(", "));
                            let mut ours = Vec::new();
                            write_document(&u, &all, &request, &mut ours).unwrap();
                            let our_problem = dir.join(format!("{k}.ours.cudf"));
                            std::fs::write(&our_problem, ours).unwrap();
                            let label: Vec<String> =
                                wanted.iter().map(|(n, v)| format!("{n} {v}")).collect();
                            (
                                label.join(" + "),
                                *size,
                                aspcud_verdict(&our_problem, 120),
                                aspcud_verdict(&dose_problem, 120),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let both = |want: bool| {
        results
            .iter()
            .filter(|r| r.2 == Some(want) && r.3 == Some(want))
            .count()
    };
    let (solvable, unsolvable) = (both(true), both(false));
    let decided = results
        .iter()
        .filter(|r| r.2.is_some() && r.3.is_some())
        .count();
    let disagree: Vec<_> = results
        .iter()
        .filter(|r| r.2.is_some() && r.3.is_some() && r.2 != r.3)
        .collect();
    eprintln!(
        "{n} install requests (cones of at most {max_cone} packages): {decided} decided by aspcud on both, {solvable} solvable on both, {unsolvable} unsolvable on both, {} disagreements with dose",
        disagree.len()
    );
    assert!(disagree.is_empty(), "ours vs dose: {disagree:#?}");
    assert!(decided * 10 >= n * 9, "too many undecided: {results:#?}");
    assert!(
        solvable >= min_each && unsolvable >= min_each,
        "both verdicts must be exercised: {solvable} solvable, {unsolvable} unsolvable (want {min_each} each)"
    );
}

#[test]
fn sample_of_40_installs_agree_with_dose() {
    installs(40, 300, 8);
}

#[test]
#[ignore = "full size: 200 install requests with cones up to 3,000 packages, several minutes"]
fn full_200_installs_agree_with_dose() {
    installs(200, 3000, 40);
}
