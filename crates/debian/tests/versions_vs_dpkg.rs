//! Debian version order against `dpkg --compare-versions` on version pairs drawn from the real
//! bookworm index of this machine (debian-cudf.md "Debian version order", policy 5.6.12).
//!
//! CI runs `sample_of_2000_pairs_agrees_with_dpkg`; the full size (>= 20,000 pairs) is the
//! ignored `full_20000_pairs_agree_with_dpkg` (`cargo test -p misc-debian --test
//! versions_vs_dpkg -- --ignored`).

mod common;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use common::{have, Rng};
use misc_debian::{control, input, version};

/// Every version string of the index by package name: Version fields and relation constraints.
fn versions_by_name() -> Option<BTreeMap<String, BTreeSet<String>>> {
    let path = common::bookworm_main();
    if !have(
        path.is_some(),
        "the bookworm index under /var/lib/apt/lists (run apt-get update)",
    ) {
        return None;
    }
    let path = path.unwrap();
    let text = input::read_text(&path).unwrap();
    let mut by_name: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    control::for_each_stanza(&text, "Packages", |s| {
        let name = s.get("Package").unwrap();
        by_name
            .entry(name.to_string())
            .or_default()
            .insert(s.get("Version").unwrap().to_string());
        for field in [
            "Depends",
            "Pre-Depends",
            "Conflicts",
            "Breaks",
            "Provides",
            "Recommends",
        ] {
            if let Some(f) = s.field(field) {
                for alts in control::parse_relation(f.value, "Packages", f.line).unwrap() {
                    for atom in alts {
                        if let Some((_, v)) = atom.constraint {
                            by_name
                                .entry(atom.name.to_string())
                                .or_default()
                                .insert(v.to_string());
                        }
                    }
                }
            }
        }
        Ok(())
    })
    .unwrap();
    Some(by_name)
}

/// Same-package pairs, cross pairs and the policy corner cases (equal spellings, `~`, epochs).
fn sample(by_name: &BTreeMap<String, BTreeSet<String>>, n: usize) -> Vec<(String, String)> {
    let mut rng = Rng::new(0x6d69_7363);
    let all: Vec<&String> = by_name
        .values()
        .flatten()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let multi: Vec<Vec<&String>> = by_name
        .values()
        .filter(|v| v.len() >= 2)
        .map(|v| v.iter().collect())
        .collect();
    let mut pairs = Vec::with_capacity(n);
    // Corner cases: every class of distinct spellings that compare equal, and strings with `~`,
    // epochs or no revision, each against a near neighbour in policy order.
    let table = version::VersionTable::build(all.iter().map(|s| s.as_str()));
    let mut classes: BTreeMap<u64, Vec<&String>> = BTreeMap::new();
    for v in &all {
        classes.entry(table.get(v).unwrap()).or_default().push(v);
    }
    let corner_budget = n / 4;
    for class in classes.values().filter(|c| c.len() > 1) {
        if pairs.len() >= corner_budget / 2 {
            break;
        }
        pairs.push((class[0].clone(), class[1].clone()));
    }
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| version::compare(a, b));
    let special: Vec<usize> = (0..sorted.len())
        .filter(|&i| sorted[i].contains('~') || sorted[i].contains(':'))
        .collect();
    while pairs.len() < corner_budget && !special.is_empty() {
        let i = special[rng.below(special.len())];
        let j = (i + 1 + rng.below(3)).min(sorted.len() - 1);
        pairs.push((sorted[i].clone(), sorted[j].clone()));
    }
    while pairs.len() < n {
        if pairs.len() % 2 == 0 {
            let vs = &multi[rng.below(multi.len())];
            let (a, b) = (vs[rng.below(vs.len())], vs[rng.below(vs.len())]);
            pairs.push((a.clone(), b.clone()));
        } else {
            let (a, b) = (all[rng.below(all.len())], all[rng.below(all.len())]);
            pairs.push((a.clone(), b.clone()));
        }
    }
    pairs
}

fn dpkg_says(a: &str, op: &str, b: &str) -> bool {
    let status = Command::new("dpkg")
        .args(["--compare-versions", a, op, b])
        .status()
        .expect("run dpkg");
    status.success()
}

fn dpkg_compare(a: &str, b: &str) -> Ordering {
    if dpkg_says(a, "lt", b) {
        Ordering::Less
    } else if dpkg_says(a, "gt", b) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn differential(n: usize) {
    if !have(common::tool("dpkg"), "dpkg") {
        return;
    }
    let Some(by_name) = versions_by_name() else {
        return;
    };
    let pairs = sample(&by_name, n);
    assert_eq!(pairs.len(), n);
    let threads = 4;
    let chunk = n.div_ceil(threads);
    let disagreements: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(a, b)| {
                            let ours = version::compare(a, b);
                            let theirs = dpkg_compare(a, b);
                            (ours != theirs)
                                .then(|| format!("{a} vs {b}: ours {ours:?}, dpkg {theirs:?}"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let equal = pairs
        .iter()
        .filter(|(a, b)| a != b && version::compare(a, b).is_eq())
        .count();
    eprintln!(
        "{n} pairs from the bookworm index ({equal} of distinct spellings that compare equal): {} disagreements with dpkg",
        disagreements.len()
    );
    assert!(equal > 0, "the sample has no equal-spelling corner cases");
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn sample_of_2000_pairs_agrees_with_dpkg() {
    differential(2_000);
}

#[test]
#[ignore = "full size: 20,000 pairs, about a minute"]
fn full_20000_pairs_agree_with_dpkg() {
    differential(20_000);
}
