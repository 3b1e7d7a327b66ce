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
