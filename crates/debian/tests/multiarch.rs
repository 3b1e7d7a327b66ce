//! Multi-Arch and architecture qualifiers against dose (`dose-ceve -T cudf --deb-native-arch
//! amd64 --deb-foreign-archs i386`), on a real two-architecture excerpt shipped with the tests
//! (`tests/data/multiarch.Packages.xz`: dependency cones of bookworm's i386 and amd64 indexes,
//! cut by `regenerate_multiarch_fixture`):
//!
//! - the same package set (dose names native and `all` packages `NAME%3aamd64`, we keep the
//!   plain name; foreign ones are `NAME%3ai386` in both);
//! - the same meaning: installing one package, a package in both architectures (co-installable
//!   exactly when `Multi-Arch: same` at one version), an i386 package with an amd64 one, is
//!   solvable by aspcud on our CUDF exactly when it is on dose's (both verdicts must occur),
//!   and `cudf-check` accepts every answer;
//! - the same for the excerpt given as an EDSP request (`Architecture: amd64`,
//!   `Architectures: amd64 i386`), which goes through the same code.
//!
//! All of this runs in CI (the excerpt is small); the full size, bookworm's whole amd64 and
//! i386 indexes (same package set, then requests over a larger excerpt), is the ignored
//! `full_bookworm_amd64_and_i386_agree_with_dose` (`MISC_I386_PACKAGES=FILE`). Module docs of
//! `misc_debian::universe` say how Multi-Arch maps to CUDF.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{aspcud_verdict, tools, Rng};
use misc_debian::problemset::write_document;
use misc_debian::universe::{Input, Kind, Universe};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/multiarch.Packages.xz"
);

/// The fields the excerpt keeps (the rest is long text the conversion ignores).
const KEEP: &[&str] = &[
    "Package",
    "Version",
    "Architecture",
    "Multi-Arch",
    "Pre-Depends",
    "Depends",
    "Conflicts",
    "Breaks",
    "Provides",
    "Replaces",
    "Essential",
    "Source",
    "Installed-Size",
    "Priority",
];

fn strip(stanzas: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in stanzas.lines() {
        if line.is_empty() {
            out.push('\n');
        } else if line.starts_with([' ', '\t']) {
            if keep {
                out.push_str(line);
                out.push('\n');
            }
        } else {
            let name = line.split(':').next().unwrap_or("");
            keep = KEEP.contains(&name);
            if keep {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn fixture_text() -> String {
    let bytes = std::fs::read(FIXTURE).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut xz2::read::XzDecoder::new(&bytes[..]), &mut text).unwrap();
    text
}

fn input(text: String, kind: Kind) -> Input {
    Input {
        label: "multiarch".into(),
        file: "multiarch.Packages".into(),
        kind,
        text,
        sha256: String::new(),
    }
}

/// Bookworm's whole amd64 index (apt's lists) and i386 index (`MISC_I386_PACKAGES=FILE`, plain
/// text), read in that order; also the i386 file's path.
fn bookworm_amd64_and_i386() -> (String, Vec<Input>) {
    let i386 = std::env::var("MISC_I386_PACKAGES").expect("MISC_I386_PACKAGES=FILE (plain)");
    let amd64 = common::bookworm_main().expect("apt's bookworm list");
    let inputs = vec![
        misc_debian::input::read_input(&amd64, None, Kind::Packages).unwrap(),
        misc_debian::input::read_input(Path::new(&i386), None, Kind::Packages).unwrap(),
    ];
    (i386, inputs)
}

/// Regenerates the excerpt from bookworm's amd64 index (apt's lists) and its i386 index
/// (`MISC_I386_PACKAGES=FILE`, plain text, e.g. from
/// deb.debian.org/debian/dists/bookworm/main/binary-i386/Packages.xz).
#[test]
#[ignore = "regenerates tests/data/multiarch.Packages.xz from real indexes"]
fn regenerate_multiarch_fixture() {
    let (_, inputs) = bookworm_amd64_and_i386();
    let u = Universe::build(&inputs, Some("amd64")).unwrap();
    let text = cut(&u, 14, 6, 120, 1500);
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 9);
    std::io::Write::write_all(&mut xz, text.as_bytes()).unwrap();
    std::fs::write(FIXTURE, xz.finish().unwrap()).unwrap();
}

/// An excerpt of a two-architecture universe: the dependency cones (each at most `max_cone`
/// packages, together at most `max_union`) of random i386 packages with their amd64 namesakes,
/// `n_any` of them with a `:any` dependency, `n_plain` without; stanzas stripped to [`KEEP`].
fn cut(
    u: &Universe<'_>,
    n_plain: usize,
    n_any: usize,
    max_cone: usize,
    max_union: usize,
) -> String {
    let index = u.cone_index().unwrap();
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in u.packages.iter().enumerate() {
        by_name.entry(p.name).or_default().push(i);
    }
    let mut rng = Rng::new(0x6d61);
    let mut seeds: BTreeSet<usize> = BTreeSet::new();
    let mut cone: BTreeSet<usize> = BTreeSet::new();
    let (mut plain, mut any) = (0, 0);
    let mut tries = 0;
    while (plain < n_plain || any < n_any) && tries < 200_000 {
        tries += 1;
        let i = rng.below(u.packages.len());
        let p = &u.packages[i];
        if p.arch != "i386" {
            continue;
        }
        let has_any = p.depends.value.contains(":any");
        if (has_any && any >= n_any) || (!has_any && plain >= n_plain) {
            continue;
        }
        // With its amd64 namesake, if any.
        let mut s: Vec<usize> = by_name[p.name].clone();
        s.retain(|&j| u.packages[j].version == p.version);
        let c = u.cone_with(&index, &s).unwrap();
        if c.len() > max_cone || cone.union(&c.iter().copied().collect()).count() > max_union {
            continue;
        }
        if has_any {
            any += 1;
        } else {
            plain += 1;
        }
        seeds.extend(s);
        cone.extend(c);
    }
    let cone: Vec<usize> = cone.into_iter().collect();
    let text = strip(&u.excerpt(&cone));
    eprintln!(
        "{} packages ({} seeds, {any} with :any), {} bytes",
        cone.len(),
        seeds.len(),
        text.len()
    );
    text
}

/// dose-ceve's CUDF (amd64 native, i386 foreign) of Packages files, written in `dir`.
fn dose_cudf(dir: &Path, packages: &[PathBuf]) -> PathBuf {
    let out = dir.join("dose.cudf");
    let result = Command::new("dose-ceve")
        .args([
            "-T",
            "cudf",
            "--deb-native-arch=amd64",
            "--deb-foreign-archs=i386",
            "-o",
        ])
        .arg(&out)
        .args(packages.iter().map(|p| format!("deb://{}", p.display())))
        .output()
        .expect("run dose-ceve");
    assert!(
        result.status.success(),
        "dose-ceve: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// dose's CUDF of the excerpt, and ours.
fn both(dir: &Path, text: &str) -> (String, String) {
    let plain = dir.join("multiarch.Packages");
    std::fs::write(&plain, text).unwrap();
    let out = dose_cudf(dir, &[plain]);
    let inputs = [input(text.to_string(), Kind::Packages)];
    let u = Universe::build(&inputs, Some("amd64")).unwrap();
    assert!(u.multiarch());
    let all: Vec<_> = u.packages.iter().collect();
    let mut ours = Vec::new();
    write_document(&u, &all, "", &mut ours).unwrap();
    (
        std::fs::read_to_string(out).unwrap(),
        String::from_utf8(ours).unwrap(),
    )
}

/// (CUDF name as ours would be, Debian version) → CUDF version, of every stanza.
fn stanzas(cudf: &str) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for block in cudf.split("\n\n") {
        let (mut name, mut number, mut version) = (None, None, 0);
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("package: ") {
                // dose's native and `all` packages carry `%3aamd64`; ours do not.
                name = Some(v.trim_end_matches("%3aamd64").to_string());
            } else if let Some(v) = line.strip_prefix("number: ") {
                number = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("version: ") {
                version = v.parse().unwrap();
            }
        }
        if let (Some(n), Some(v)) = (name, number) {
            out.insert((n, v), version);
        }
    }
    out
}

#[test]
fn same_package_set_as_dose_with_a_foreign_architecture() {
    if !tools(&["dose-ceve"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (theirs, ours) = both(dir.path(), &fixture_text());
    let (theirs, ours) = (stanzas(&theirs), stanzas(&ours));
    let t: BTreeSet<_> = theirs.keys().collect();
    let o: BTreeSet<_> = ours.keys().collect();
    assert_eq!(t, o, "the same (name, version) pairs");
    assert!(o.iter().any(|(n, _)| n.ends_with("%3ai386")));
    assert!(o.len() > 300, "{}", o.len());
}

/// Whether the answer aspcud wrote for problem `from` (our names when `from_ours`), renamed
/// and renumbered through the Debian versions, is a solution of problem `to` per cudf-check.
fn cross_check(
    from: &Path,
    from_table: &BTreeMap<(String, String), u64>,
    to: &Path,
    to_table: &BTreeMap<(String, String), u64>,
    from_ours: bool,
) -> bool {
    let by_version: BTreeMap<(String, u64), String> = from_table
        .iter()
        .map(|((n, number), v)| ((n.clone(), *v), number.clone()))
        .collect();
    let answer = std::fs::read_to_string(from.with_extension("sol")).unwrap();
    let mut renamed = String::new();
    for block in answer.split("\n\n") {
        let (mut name, mut version, mut installed) = (None, 0, false);
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("package: ") {
                name = Some(v.trim_end_matches("%3aamd64").to_string());
            } else if let Some(v) = line.strip_prefix("version: ") {
                version = v.parse().unwrap();
            } else if line == "installed: true" {
                installed = true;
            }
        }
        let Some(name) = name.filter(|_| installed) else {
            continue;
        };
        let number = &by_version[&(name.clone(), version)];
        let v = to_table[&(name.clone(), number.clone())];
        let to_name = if from_ours && !name.contains("%3a") {
            format!("{name}%3aamd64")
        } else {
            name
        };
        renamed.push_str(&format!(
            "package: {to_name}\nversion: {v}\ninstalled: true\n\n"
        ));
    }
    let path = to.with_extension("cross.sol");
    std::fs::write(&path, renamed).unwrap();
    let check = Command::new("cudf-check")
        .arg("-cudf")
        .arg(to)
        .arg("-sol")
        .arg(&path)
        .output()
        .expect("run cudf-check");
    String::from_utf8_lossy(&check.stdout)
        .lines()
        .any(|l| l == "is_solution: true")
}

#[test]
fn installs_across_architectures_agree_with_dose() {
    if !tools(&["dose-ceve", "aspcud", "cudf-check", "timeout"]) {
        return;
    }
    installs(&fixture_text(), 8, 12, 8, 4);
}

/// Install requests over an excerpt, solved by aspcud on dose's CUDF and on ours: up to
/// `pairs` packages in both architectures that are `Multi-Arch: same` and as many that are
/// not, `singles` i386 packages alone and as many i386 + amd64 pairs. Asserts the same verdicts
/// and at least `min_true` solvable, `min_false` unsolvable requests.
fn installs(text: &str, pairs: usize, singles: usize, min_true: usize, min_false: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (theirs, ours) = both(dir.path(), text);
    let (tv, ov) = (stanzas(&theirs), stanzas(&ours));
    // Requests name no `Multi-Arch: foreign` package: dose's CUDF has the amd64 one provide
    // `NAME%3ai386 = v`, so that its "install NAME%3ai386" is satisfied by the amd64 package;
    // ours means the i386 package. (Dependencies on them are compared all the same.)
    let multiarch: BTreeMap<(String, String), String> = ours
        .split("\n\n")
        .filter_map(|b| {
            let get = |k: &str| {
                b.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .map(str::to_string)
            };
            Some((
                (get("package: ")?, get("number: ")?),
                get("multiarch: ").unwrap_or_default(),
            ))
        })
        .collect();
    let foreign = |k: &(String, String)| multiarch.get(k).is_some_and(|m| m == "foreign");
    let keys: Vec<(String, String)> = ov.keys().filter(|k| !foreign(k)).cloned().collect();
    // Requests: (name, Debian version) pairs to install.
    let mut requests: Vec<Vec<(String, String)>> = Vec::new();
    // A package in both architectures at one version: up to 8 `Multi-Arch: same` (solvable
    // unless broken), up to 8 others (unsolvable).
    let (mut same, mut other) = (0, 0);
    for (n, v) in keys.iter().filter(|(n, _)| n.ends_with("%3ai386")) {
        let native = n.trim_end_matches("%3ai386").to_string();
        let key = (native.clone(), v.clone());
        if !ov.contains_key(&key) || foreign(&key) {
            continue;
        }
        let count = if multiarch[&key] == "same" {
            &mut same
        } else {
            &mut other
        };
        if *count < pairs {
            *count += 1;
            requests.push(vec![key, (n.clone(), v.clone())]);
        }
    }
    let mut rng = Rng::new(0x6d61_7263);
    let i386: Vec<&(String, String)> = keys.iter().filter(|k| k.0.ends_with("%3ai386")).collect();
    let amd64: Vec<&(String, String)> = keys.iter().filter(|k| !k.0.contains("%3a")).collect();
    for _ in 0..singles {
        requests.push(vec![i386[rng.below(i386.len())].clone()]);
    }
    for _ in 0..singles {
        requests.push(vec![
            i386[rng.below(i386.len())].clone(),
            amd64[rng.below(amd64.len())].clone(),
        ]);
    }
    let dose_body = theirs.trim_end_matches('\n').to_string();
    let our_body = ours.trim_end_matches('\n').to_string();
    type Verdicts = (String, Option<bool>, Option<bool>, Option<bool>);
    let results: Vec<Verdicts> = std::thread::scope(|s| {
        let handles: Vec<_> = requests
            .chunks(requests.len().div_ceil(2))
            .enumerate()
            .map(|(t, chunk)| {
                let (dir, tv, ov, dose_body, our_body) =
                    (dir.path(), &tv, &ov, &dose_body, &our_body);
                s.spawn(move || {
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(k, wanted)| {
                            let req = |table: &BTreeMap<(String, String), u64>, dose: bool| {
                                let items: Vec<String> = wanted
                                    .iter()
                                    .map(|key| {
                                        let name = if dose && !key.0.contains("%3a") {
                                            format!("{}%3aamd64", key.0)
                                        } else {
                                            key.0.clone()
                                        };
                                        format!("{name} = {}", table[key])
                                    })
                                    .collect();
                                format!("install: {}\n", items.join(", "))
                            };
                            let d = dir.join(format!("{t}-{k}.dose.cudf"));
                            std::fs::write(&d, format!("{dose_body}\n{}", req(tv, true))).unwrap();
                            let o = dir.join(format!("{t}-{k}.ours.cudf"));
                            let ours = format!("{our_body}\n{}", req(ov, false));
                            misc_cudf::parse_problem(&ours).expect("our CUDF parses");
                            std::fs::write(&o, ours).unwrap();
                            let label: Vec<String> =
                                wanted.iter().map(|(n, v)| format!("{n} {v}")).collect();
                            let (mine, theirs) = (aspcud_verdict(&o, 60), aspcud_verdict(&d, 60));
                            // A FAIL against an answer of the other side: is that answer,
                            // renamed, a solution of this side's problem (cudf-check)?
                            let cross = match (mine, theirs) {
                                (Some(true), Some(false)) => {
                                    Some(cross_check(&o, ov, &d, tv, true))
                                }
                                (Some(false), Some(true)) => {
                                    Some(cross_check(&d, tv, &o, ov, false))
                                }
                                _ => None,
                            };
                            (label.join(" + "), mine, theirs, cross)
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
    let count = |want: bool| {
        results
            .iter()
            .filter(|r| r.1 == Some(want) && r.2 == Some(want))
            .count()
    };
    // aspcud's FAIL on dose's CUDF where our answer, renamed, is a solution of it (cudf-check):
    // dose's encoding of Multi-Arch: foreign trips the solvers (see universe.rs), not a
    // difference of meaning.
    let dose_misjudged = results
        .iter()
        .filter(|r| r.1 == Some(true) && r.2 == Some(false) && r.3 == Some(true))
        .count();
    let disagree: Vec<_> = results
        .iter()
        .filter(|r| r.1 != r.2 && !(r.1 == Some(true) && r.3 == Some(true)))
        .collect();
    eprintln!(
        "{} requests over amd64 + i386: {} solvable on both, {} unsolvable on both, {} solvable on ours where aspcud fails on dose's CUDF although our answer solves it, {} disagreements",
        results.len(),
        count(true),
        count(false),
        dose_misjudged,
        disagree.len()
    );
    assert!(disagree.is_empty(), "ours vs dose: {disagree:#?}");
    assert!(
        count(true) >= min_true && count(false) >= min_false,
        "{results:#?}"
    );
}

/// The full size: bookworm's whole amd64 and i386 indexes (`MISC_I386_PACKAGES=FILE`, the
/// plain i386 index, e.g. from deb.debian.org/debian/dists/bookworm/main/binary-i386/Packages.xz):
/// the same package set as dose's (every (name, version) of both architectures), then install
/// requests over a larger excerpt (cones of 60 random i386 packages) as in CI.
#[test]
#[ignore = "full size: bookworm amd64 + i386 (MISC_I386_PACKAGES), dose-ceve needs ~750 MB, minutes"]
fn full_bookworm_amd64_and_i386_agree_with_dose() {
    let (i386, inputs) = bookworm_amd64_and_i386();
    let u = Universe::build(&inputs, Some("amd64")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let amd64_plain = dir.path().join("amd64.Packages");
    std::fs::write(&amd64_plain, &inputs[0].text).unwrap();
    let out = dose_cudf(dir.path(), &[amd64_plain, PathBuf::from(&i386)]);
    let all: Vec<_> = u.packages.iter().collect();
    let mut ours = Vec::new();
    write_document(&u, &all, "", &mut ours).unwrap();
    let theirs = stanzas(&std::fs::read_to_string(&out).unwrap());
    let ours = stanzas(&String::from_utf8(ours).unwrap());
    let (t, o): (BTreeSet<_>, BTreeSet<_>) = (theirs.keys().collect(), ours.keys().collect());
    eprintln!("dose: {} packages, ours: {}", t.len(), o.len());
    assert_eq!(t, o, "the same (name, version) pairs");
    installs(&cut(&u, 45, 15, 300, 6000), 25, 40, 40, 20);
}

#[test]
fn edsp_input_with_a_foreign_architecture_converts_as_packages_input() {
    let text = fixture_text();
    let packages = [input(text.clone(), Kind::Packages)];
    let edsp = format!(
        "Request: EDSP 0.5\nArchitecture: amd64\nArchitectures: amd64 i386\nInstall: {}\n\n{}",
        "libc6:i386", text
    );
    let edsp = [input(edsp, Kind::Edsp)];
    let request = misc_debian::edsp::parse_request(&edsp[0]).unwrap();
    assert_eq!(request.architecture, Some("amd64"));
    let write = |u: &Universe<'_>, req: &str| {
        let all: Vec<_> = u.packages.iter().collect();
        let mut out = Vec::new();
        write_document(u, &all, req, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let from_packages = Universe::build(&packages, Some("amd64")).unwrap();
    let from_edsp = Universe::build(&edsp, request.architecture).unwrap();
    let cudf = misc_debian::edsp::to_cudf(&from_edsp, &request);
    assert_eq!(cudf.lines, "install: libc6%3ai386\n");
    assert_eq!(write(&from_packages, ""), write(&from_edsp, ""));
}

/// Multi-Arch semantics on a crafted index, judged by misc's own checker (no tools needed):
/// which sets of packages are installations (module docs of `misc_debian::universe`).
#[test]
fn multiarch_rules_on_a_crafted_index() {
    let text = "\
Package: perl
Version: 5.36
Architecture: amd64
Multi-Arch: allowed
Provides: perlapi

Package: perl
Version: 5.36
Architecture: i386
Multi-Arch: allowed
Provides: perlapi

Package: libc6
Version: 2.36
Architecture: amd64
Multi-Arch: same

Package: libc6
Version: 2.36
Architecture: i386
Multi-Arch: same

Package: libc6
Version: 2.37
Architecture: i386
Multi-Arch: same

Package: make
Version: 4
Architecture: amd64
Multi-Arch: foreign
Depends: libc6

Package: tool
Version: 1
Architecture: amd64

Package: tool
Version: 1
Architecture: i386

Package: app
Version: 1
Architecture: i386
Depends: make (>= 4), perl:any, libc6 (>= 2), perlapi:any

Package: app2
Version: 1
Architecture: i386
Depends: tool

Package: doc
Version: 1
Architecture: all
Depends: make:native
Conflicts: tool
";
    let inputs = [input(text.to_string(), Kind::Packages)];
    let u = Universe::build(&inputs, Some("amd64")).unwrap();
    let all: Vec<_> = u.packages.iter().collect();
    let mut out = Vec::new();
    write_document(&u, &all, "", &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let doc = misc_cudf::parse_problem(&text).expect("parses");
    let valid = |set: &[(&str, &str)]| {
        let answer: String = set
            .iter()
            .map(|(name, version)| {
                format!(
                    "package: {name}\nversion: {}\ninstalled: true\n\n",
                    u.table.get(version).unwrap()
                )
            })
            .collect();
        let answer = misc_cudf::parse_answer(&answer, &doc).expect("answer parses");
        misc_check::check_answer(&doc, &answer).verdict == misc_check::Verdict::Valid
    };
    let base = [("libc6", "2.36"), ("libc6%3ai386", "2.36")];
    // An amd64 `foreign` package satisfies an i386 dependency, an amd64 `allowed` one `:any`
    // (and its Provides `:any`); `same` packages live side by side at one version.
    assert!(valid(
        &[
            &base[..],
            &[("app%3ai386", "1"), ("make", "4"), ("perl", "5.36")]
        ]
        .concat()
    ));
    assert!(valid(
        &[
            &base[..],
            &[("app%3ai386", "1"), ("make", "4"), ("perl%3ai386", "5.36")]
        ]
        .concat()
    ));
    assert!(
        !valid(&[&base[..], &[("app%3ai386", "1"), ("perl", "5.36")]].concat()),
        "needs make"
    );
    assert!(valid(&base));
    assert!(
        !valid(&[("libc6", "2.36"), ("libc6%3ai386", "2.37")]),
        "same: one version"
    );
    assert!(
        !valid(&[("perl", "5.36"), ("perl%3ai386", "5.36")]),
        "allowed: one architecture"
    );
    // A package without Multi-Arch satisfies its own architecture only.
    assert!(!valid(&[("app2%3ai386", "1"), ("tool", "1")]));
    assert!(valid(&[("app2%3ai386", "1"), ("tool%3ai386", "1")]));
    // `all` is native; `:native`; Conflicts of an `all` package hit every architecture.
    assert!(valid(&[("doc", "1"), ("make", "4"), ("libc6", "2.36")]));
    assert!(!valid(&[
        ("doc", "1"),
        ("make", "4"),
        ("libc6", "2.36"),
        ("tool", "1")
    ]));
}
