//! Property tests: writing a parsed document and parsing it again gives the same document, and
//! no input makes the parsers panic.

use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]".prop_map(String::from),
        "[a-z0-9][a-z0-9+.-]{0,5}".prop_map(String::from)
    ]
}

fn vpkg() -> impl Strategy<Value = String> {
    (name(), proptest::option::of((0usize..6, 1u64..5))).prop_map(|(n, c)| match c {
        None => n,
        Some((op, v)) => format!("{n} {} {v}", ["=", "!=", ">=", ">", "<=", "<"][op]),
    })
}

fn formula() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true!".to_string()),
        Just("false!".to_string()),
        proptest::collection::vec(proptest::collection::vec(vpkg(), 1..3), 1..4).prop_map(|cs| {
            cs.iter()
                .map(|c| c.join(" | "))
                .collect::<Vec<_>>()
                .join(", ")
        })
    ]
}

fn package(i: usize) -> impl Strategy<Value = String> {
    (
        name(),
        proptest::option::of(formula()),
        proptest::collection::vec(vpkg(), 0..3),
        proptest::collection::vec((name(), proptest::option::of(1u64..4)), 0..2),
        any::<bool>(),
        0usize..4,
        proptest::option::of(0i64..1000),
        proptest::option::of("[a-zA-Z ,|]{0,12}"),
    )
        .prop_map(move |(n, dep, conf, prov, inst, keep, size, note)| {
            // A unique version per stanza keeps (name, version) pairs distinct.
            let mut s = format!("package: {n}\nversion: {}\n", i + 1);
            if let Some(d) = dep {
                s += &format!("depends: {d}\n");
            }
            if !conf.is_empty() {
                s += &format!("conflicts: {}\n", conf.join(", "));
            }
            if !prov.is_empty() {
                let p: Vec<String> = prov
                    .iter()
                    .map(|(n, v)| match v {
                        Some(v) => format!("{n} = {v}"),
                        None => n.clone(),
                    })
                    .collect();
                s += &format!("provides: {}\n", p.join(", "));
            }
            if inst {
                s += "installed: true\n";
            }
            s += &format!(
                "keep: {}\n",
                ["none", "version", "package", "feature"][keep]
            );
            if let Some(v) = size {
                s += &format!("size: {v}\n");
            }
            if let Some(t) = note {
                s += &format!("note: {}\n", t.trim());
            }
            s
        })
}

fn document() -> impl Strategy<Value = String> {
    (0usize..6)
        .prop_flat_map(|n| {
            (
                (0..n).map(package).collect::<Vec<_>>(),
                proptest::collection::vec(vpkg(), 0..3),
                proptest::collection::vec(vpkg(), 0..3),
            )
        })
        .prop_map(|(pkgs, install, upgrade)| {
            let mut s =
                String::from("preamble: \nproperty: size: int = [0], note: string = [\"n/a\"]\n\n");
            for p in pkgs {
                s += &p;
                s.push('\n');
            }
            s += "request: gen\n";
            if !install.is_empty() {
                s += &format!("install: {}\n", install.join(", "));
            }
            if !upgrade.is_empty() {
                s += &format!("upgrade: {}\n", upgrade.join(", "));
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn write_then_parse_gives_the_same_document(text in document()) {
        let doc = misc_cudf::parse_problem(&text).unwrap();
        let written = misc_cudf::write_document(&doc);
        let again = misc_cudf::parse_problem(&written).unwrap();
        prop_assert_eq!(&misc_cudf::write_document(&again), &written);
        prop_assert_eq!(again.packages.len(), doc.packages.len());
        for id in doc.package_ids() {
            let (a, b) = (doc.package(id), again.package(id));
            prop_assert_eq!(doc.name(a.name), again.name(b.name));
            prop_assert_eq!(a.version, b.version);
            prop_assert_eq!(a.installed, b.installed);
            prop_assert_eq!(a.keep, b.keep);
            let da: Vec<String> = doc.depends(id).flatten().map(|v| doc.display_vpkg(*v)).collect();
            let db: Vec<String> = again.depends(id).flatten().map(|v| again.display_vpkg(*v)).collect();
            prop_assert_eq!(da, db);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = misc_cudf::parse(text);
            if let Ok(doc) = misc_cudf::parse_problem("package: a\nversion: 1\n\nrequest: r\n") {
                let _ = misc_cudf::parse_answer(text, &doc);
            }
        }
        let _ = misc_cudf::decompress(&bytes);
        let _ = misc_cudf::check_utf8(&bytes);
    }

    #[test]
    fn mutated_documents_never_panic(text in document(), pos in any::<prop::sample::Index>(), byte in prop_oneof![Just(b' '), Just(b'\n'), Just(b':'), Just(b','), Just(b'|'), Just(b'!'), Just(b'#'), Just(b'['), Just(b'"'), any::<u8>()]) {
        let mut bytes = text.into_bytes();
        let i = pos.index(bytes.len().max(1));
        if i < bytes.len() { bytes[i] = byte; }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Ok(doc) = misc_cudf::parse(text) {
                // Relations and extras are read on first use: read them all.
                let _ = misc_cudf::write_document(&doc);
            }
            // The two-part reading (for large documents) and the one-part one agree.
            prop_assert_eq!(misc_cudf::compare_parse_paths(text), Ok(()));
        }
    }

    #[test]
    fn two_part_and_one_part_readings_agree(text in document()) {
        prop_assert_eq!(misc_cudf::compare_parse_paths(&text), Ok(()));
    }
}
