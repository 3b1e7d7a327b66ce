//! Debian to CUDF on a fixture written here: names, versions, virtual packages, the implicit
//! self-conflict, merges, properties, readers, errors (debian-cudf.md; the module docs of
//! `misc_debian::universe` state the mapping these tests pin).

use std::io::Write;

use misc_debian::problemset::{write_document, Compress, OutDir};
use misc_debian::universe::{Input, Kind, Universe};

const MAIN: &str = "\
Package: a
Version: 1.0-1
Architecture: amd64
Installed-Size: 12
Depends: b (>= 2.0), mta, libc:any
Pre-Depends: dpkg
Conflicts: old-a (<< 1)
Breaks: c (<< 3)
Provides: mta
Recommends: c | d
Source: asrc (1:1.0-0)
Description: x
 long text

Package: b
Version: 2.0
Architecture: all
Essential: yes
Multi-Arch: foreign

Package: c
Version: 3
Architecture: amd64
Provides: mta, v (= 3)
Conflicts: mta

Package: d
Version: 1~rc1
Architecture: amd64
Depends: v (>= 2)

Package: e
Version: 1
Architecture: i386
Depends: b

Package: libc
Version: 2.36
Architecture: amd64
Multi-Arch: same

Package: dpkg
Version: 1.21
Architecture: amd64
";

const SECURITY: &str = "\
Package: b
Version: 02.0
Architecture: all

Package: b
Version: 2.1
Architecture: all
";

const STATUS: &str = "\
Package: b
Status: install ok installed
Version: 2.00
Architecture: all

Package: gone
Status: deinstall ok config-files
Version: 1
Architecture: amd64

Package: local
Status: install ok installed
Version: 0.1
Architecture: amd64
";

fn input(label: &str, kind: Kind, text: &str) -> Input {
    Input {
        label: label.to_string(),
        file: format!("{label}.txt"),
        kind,
        text: text.to_string(),
        sha256: String::new(),
    }
}

fn fixture() -> Vec<Input> {
    vec![
        input("main", Kind::Packages, MAIN),
        input("security", Kind::Packages, SECURITY),
        input("status", Kind::Status, STATUS),
    ]
}

fn convert(inputs: &[Input]) -> String {
    let u = Universe::build(inputs, None).unwrap();
    let all: Vec<_> = u.packages.iter().collect();
    let mut out = Vec::new();
    write_document(&u, &all, "", &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn stanza<'t>(cudf: &'t str, name: &str, number: &str) -> &'t str {
    cudf.split("\n\n")
        .find(|s| {
            s.starts_with(&format!("package: {name}\n"))
                && s.contains(&format!("\nnumber: {number}\n"))
        })
        .unwrap_or_else(|| panic!("no stanza {name} {number} in\n{cudf}"))
}

#[test]
fn mapping_of_a_small_universe() {
    let inputs = fixture();
    let u = Universe::build(&inputs, None).unwrap();
    assert_eq!(u.native.as_deref(), Some("amd64"));
    // b 2.0 (main), 02.0 (security) and 2.00 (status, installed) are one version: 2 merges,
    // the installed one kept; gone is not installed.
    assert_eq!(u.stats.merges, 2);
    assert_eq!(u.stats.not_installed, 1);
    assert_eq!(u.packages.len(), 9);
    let cudf = convert(&inputs);
    misc_cudf::parse_problem(&cudf).expect("our own parser reads it");
    let v = |s: &str| u.table.get(s).unwrap();

    let a = stanza(&cudf, "a", "1.0-1");
    assert!(a.contains(&format!("\nversion: {}\n", v("1.0-1"))));
    // Pre-Depends then Depends; `mta` is provided unversioned: --virtual-mta also satisfies it.
    assert!(
        a.contains(&format!(
            "\ndepends: dpkg, b >= {}, mta | --virtual-mta, libc\n",
            v("2.0")
        )),
        "{a}"
    );
    // Own name first (one version at a time), then Conflicts and Breaks; `c` is not provided.
    assert!(
        a.contains(&format!(
            "\nconflicts: a, old-a < {}, c < {}\n",
            v("1"),
            v("3")
        )),
        "{a}"
    );
    assert!(a.contains("\nprovides: --virtual-mta\n"), "{a}");
    assert!(a.contains("\nrecommends: c | d\n"), "{a}");
    assert!(a.contains("\nsource: asrc\nsourcenumber: 1:1.0-0\n"), "{a}");
    assert!(a.contains("\ninstalledsize: 12\n"));
    assert!(a.contains("\nfilename: main"));

    let b = stanza(&cudf, "b", "2.00");
    assert!(
        b.contains("\ninstalled: true\n") && b.contains("\nfilename: status"),
        "{b}"
    );
    assert!(stanza(&cudf, "b", "2.1").contains("\nfilename: security"));
    assert!(!cudf.contains("number: 02.0") && !cudf.contains("number: 2.0\n"));
    // A package conflicting with a virtual package it provides: CUDF exempts the package itself.
    let c = stanza(&cudf, "c", "3");
    assert!(c.contains("\nconflicts: c, mta, --virtual-mta\n"), "{c}");
    assert!(
        c.contains(&format!(
            "\nprovides: --virtual-mta, --virtual-v, --virtual--versioned-v = {}\n",
            v("3")
        )),
        "{c}"
    );
    // A versioned relation on a virtual name: only versioned provides satisfy it.
    let d = stanza(&cudf, "d", "1~rc1");
    assert!(
        d.contains(&format!(
            "\ndepends: v >= {0} | --virtual--versioned-v >= {0}\n",
            v("2")
        )),
        "{d}"
    );
    assert!(v("1~rc1") < v("1"));
    // A foreign package: NAME%3aARCH, and its relations name its own architecture.
    let e = stanza(&cudf, "e%3ai386", "1");
    assert!(
        e.contains("\ndepends: b%3ai386\n") && e.contains("\narchitecture: i386\n"),
        "{e}"
    );
    let local = stanza(&cudf, "local", "0.1");
    assert!(local.contains("installed: true"));
    assert!(cudf.ends_with("request: misc-problems\n"), "{cudf}");
}

/// A package on hold in dpkg's status (`hold ok installed`) is kept at its version.
#[test]
fn a_held_package_keeps_its_version() {
    let inputs = vec![
        input("main", Kind::Packages, "Package: h\nVersion: 2\nArchitecture: all\n"),
        input(
            "status",
            Kind::Status,
            "Package: h\nStatus: hold ok installed\nVersion: 1\nArchitecture: all\n\nPackage: i\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n",
        ),
    ];
    let cudf = convert(&inputs);
    assert!(
        stanza(&cudf, "h", "1").contains("\ninstalled: true\nkeep: version\n"),
        "{cudf}"
    );
    assert!(!stanza(&cudf, "i", "1").contains("keep:"), "{cudf}");
    assert!(!stanza(&cudf, "h", "2").contains("keep:"), "{cudf}");
}

#[test]
fn output_is_the_same_whatever_the_run() {
    assert_eq!(convert(&fixture()), convert(&fixture()));
}

#[test]
fn errors_name_file_and_line() {
    let bad = |text: &str| {
        let inputs = vec![input("idx", Kind::Packages, text)];
        match Universe::build(&inputs, None) {
            Err(e) => e.to_string(),
            Ok(u) => {
                let all: Vec<_> = u.packages.iter().collect();
                match write_document(&u, &all, "", &mut Vec::new()) {
                    Err(misc_debian::problemset::DocError::Data(e)) => e.to_string(),
                    other => panic!("accepted {text:?}: {other:?}"),
                }
            }
        }
    };
    assert_eq!(
        bad("Package: a\nVersion: 1\nArchitecture: all\n\nVersion: 2\nArchitecture: all\n"),
        "idx.txt:5: a stanza without a Package field"
    );
    assert!(
        bad("Package: a\nVersion: 1\nArchitecture: all\nDepends: b (>= 1\n")
            .starts_with("idx.txt:4: unclosed `(`")
    );
    assert!(
        bad("Package: a\nVersion: 1\nArchitecture: all\nDepends: b (~ 1)\n")
            .starts_with("idx.txt:4: bad version constraint")
    );
    assert!(bad("Package: a\nVersion: x:1\nArchitecture: all\n")
        .starts_with("idx.txt:2: package a: epoch"));
    assert!(bad("Package: a\nVersion: 1\n").starts_with("idx.txt:1: package a has no Architecture"));
    assert!(
        bad("Package: a\nVersion: 1\nArchitecture: all\nInstalled-Size: big\n")
            .starts_with("idx.txt:4: Installed-Size")
    );
    assert!(
        bad("Package: a\nVersion: 1\nArchitecture: all\nProvides: v (>= 1)\n")
            .contains("must use `=`")
    );
}

#[test]
fn readers_plain_gzip_xz_lz4_and_unknown_compression() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("Packages");
    std::fs::write(&plain, MAIN).unwrap();
    let gz = dir.path().join("Packages.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(MAIN.as_bytes()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    let xz = dir.path().join("Packages.xz");
    let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(MAIN.as_bytes()).unwrap();
    std::fs::write(&xz, e.finish().unwrap()).unwrap();
    let lz4 = dir.path().join("Packages.lz4");
    let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
    e.write_all(MAIN.as_bytes()).unwrap();
    std::fs::write(&lz4, e.finish().unwrap()).unwrap();
    for p in [&plain, &gz, &xz, &lz4] {
        let i = misc_debian::input::read_input(p, None, Kind::Packages).unwrap();
        assert_eq!(i.text, MAIN, "{}", p.display());
        assert_eq!(i.sha256.len(), 64);
    }
    let bz = dir.path().join("Packages.bz2");
    std::fs::write(&bz, b"BZh91AY&SY garbage").unwrap();
    let e = misc_debian::input::read_input(&bz, None, Kind::Packages).unwrap_err();
    assert!(e.to_string().contains("unknown compression (bzip2)"), "{e}");
    let broken = dir.path().join("broken.xz");
    std::fs::write(&broken, [0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2, 3]).unwrap();
    let e = misc_debian::input::read_input(&broken, None, Kind::Packages).unwrap_err();
    assert!(e.to_string().contains("cannot decompress"), "{e}");
}

#[test]
fn out_dir_is_refused_when_not_empty_and_never_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("set");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep"), "x").unwrap();
    let e = OutDir::create(&out, false).unwrap_err();
    assert!(e.to_string().contains("give --force"), "{e}");
    // An error while writing leaves the old folder alone and no temporary folder behind.
    let inputs = vec![input(
        "idx",
        Kind::Packages,
        "Package: a\nVersion: 1\nArchitecture: all\nDepends: (\n",
    )];
    let u = Universe::build(&inputs, None).unwrap();
    let all: Vec<_> = u.packages.iter().collect();
    {
        let w = OutDir::create(&out, true).unwrap();
        assert!(w
            .write_cudf("universe", Compress::Xz, &u, &all, "")
            .is_err());
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("set")]);
    assert!(out.join("keep").exists());
    // --force replaces it whole.
    let inputs = fixture();
    let u = Universe::build(&inputs, None).unwrap();
    let all: Vec<_> = u.packages.iter().collect();
    let w = OutDir::create(&out, true).unwrap();
    let name = w
        .write_cudf("universe", Compress::Gz, &u, &all, "")
        .unwrap();
    assert_eq!(name, "universe.cudf.gz");
    w.commit().unwrap();
    assert!(!out.join("keep").exists());
    let text = misc_debian::input::read_text(&out.join("universe.cudf.gz")).unwrap();
    assert_eq!(text, convert(&fixture()));
}
