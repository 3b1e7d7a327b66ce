//! `misc problems` as a user runs it: the binary on files in a fresh folder.

use std::process::Command;

const PACKAGES: &str = "Package: a\nVersion: 1.0\nArchitecture: amd64\nDepends: b\n\nPackage: b\nVersion: 2\nArchitecture: all\n";

fn misc(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_misc"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn debian_writes_a_universe_refuses_a_full_folder_and_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Packages"), PACKAGES).unwrap();
    let (code, stdout, stderr) = misc(
        &[
            "problems",
            "debian",
            "--packages",
            "main=Packages",
            "--out",
            "set",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("set/universe.cudf.xz: 2 packages"),
        "{stdout}"
    );
    let index = std::fs::read_to_string(dir.path().join("set/INDEX.tsv")).unwrap();
    assert!(index
        .starts_with("problem\tcategory\tpackages\tinstalled\trequest\tsources\tseed\tmerges\n"));
    assert!(
        index.contains("universe.cudf.xz\t\t2\t0\t\tmain:"),
        "{index}"
    );
    // The problem is a CUDF document `misc check` reads.
    let (code, _, stderr) = misc(
        &[
            "problems",
            "debian",
            "--packages",
            "Packages",
            "--out",
            "set",
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "a non-empty --out is a usage error");
    assert!(stderr.contains("give --force"), "{stderr}");
    let (code, _, stderr) = misc(
        &[
            "problems",
            "debian",
            "--packages",
            "Packages",
            "--out",
            "set",
            "--force",
            "--compress",
            "none",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("set/universe.cudf").is_file());
    assert!(!dir.path().join("set/universe.cudf.xz").exists());
    std::fs::write(
        dir.path().join("Bad"),
        "Package: a\nVersion: 1\nArchitecture: all\nDepends: b (>> \n",
    )
    .unwrap();
    let (code, _, stderr) = misc(
        &["problems", "debian", "--packages", "Bad", "--out", "bad"],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("Bad:4: "), "{stderr}");
    assert!(!dir.path().join("bad").exists(), "nothing half-written");
    let (code, _, stderr) = misc(
        &["problems", "debian", "--packages", "Missing", "--out", "m"],
        dir.path(),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("Missing"), "{stderr}");
}

#[test]
fn generated_problem_sets_are_byte_identical_for_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Packages"), PACKAGES).unwrap();
    std::fs::write(
        dir.path().join("Other"),
        "Package: b\nVersion: 3\nArchitecture: all\n",
    )
    .unwrap();
    let make = |out: &str, seed: &str| {
        let (code, stdout, stderr) = misc(
            &[
                "problems",
                "debian",
                "--packages",
                "Packages",
                "o=Other",
                "--generate",
                "install:1=3",
                "--seed",
                seed,
                "--out",
                out,
            ],
            dir.path(),
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains(
                "12 problems (3 requests x 4 categories: cone, baseline-Packages, baseline-o, mixed)"
            ),
            "{stdout}"
        );
    };
    make("one", "5");
    make("two", "5");
    let (code, _, stderr) = misc(
        &[
            "problems",
            "debian",
            "--packages",
            "Packages",
            "--generate",
            "install:1=1",
            "--requests",
            "x",
            "--out",
            "z",
        ],
        dir.path(),
    );
    assert_eq!(code, 2, "{stderr}");
    let read = |d: &str, f: &str| std::fs::read(dir.path().join(d).join(f)).unwrap();
    for f in [
        "INDEX.tsv",
        "cone/install1-001.cudf.xz",
        "baseline-o/install1-002.cudf.xz",
        "mixed/install1-003.cudf.xz",
    ] {
        assert_eq!(read("one", f), read("two", f), "{f}");
    }
    let index = String::from_utf8(read("one", "INDEX.tsv")).unwrap();
    assert!(
        index
            .lines()
            .skip(1)
            .all(|l| l.split('\t').nth(6) == Some("5")),
        "{index}"
    );
    // Sources: a baseline names its own index only, the cone and the mix both indexes.
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let labels: Vec<&str> = cols[5]
            .split(',')
            .map(|s| s.split(':').next().unwrap())
            .collect();
        let want: &[&str] = match cols[1] {
            "baseline-Packages" => &["Packages"],
            "baseline-o" => &["o"],
            _ => &["Packages", "o"],
        };
        assert_eq!(labels, want, "{line}");
        assert!(
            cols[5].split(',').all(|s| s.len() > 64),
            "{line}: a sha256 each"
        );
    }
}

const EDSP: &str = "Request: EDSP 0.5\nArchitecture: amd64\nArchitectures: amd64\nInstall: a\n\nPackage: a\nArchitecture: amd64\nVersion: 1\nAPT-ID: 1\nDepends: b\n\nPackage: b\nArchitecture: amd64\nVersion: 2\nAPT-ID: 2\nInstalled: yes\n";

#[test]
fn edsp_requests_each_name_their_own_file_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.edsp"), EDSP).unwrap();
    std::fs::write(
        dir.path().join("two.edsp"),
        EDSP.replace("Install: a", "Remove: b"),
    )
    .unwrap();
    let (code, stdout, stderr) = misc(
        &["problems", "edsp", "one.edsp", "two.edsp", "--out", "set"],
        dir.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("wrote 2 problems"), "{stdout}");
    let index = std::fs::read_to_string(dir.path().join("set/INDEX.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = index
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{index}");
    for (row, (stem, request)) in rows
        .iter()
        .zip([("one", "install: a"), ("two", "remove: b")])
    {
        assert_eq!(row[0], format!("{stem}.cudf.xz"), "{index}");
        assert!(row[4].starts_with(request), "{index}");
        let (label, sha) = row[5].split_once(':').unwrap();
        assert_eq!(label, stem, "only the file the problem came from: {index}");
        assert_eq!(sha.len(), 64, "{index}");
    }
}
