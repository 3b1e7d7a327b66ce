//! The CUDF 2.0 syntax as misc-rules.md section 5 describes it (libCUDF's behaviour), and the
//! error positions a user relies on.

use misc_cudf::{parse, parse_answer, parse_problem, Answer, Constraint, Keep, PkgId, RelOp};

fn err(text: &str) -> (u32, u32, String) {
    let e = parse_problem(text).expect_err("the document must be rejected");
    (e.line, e.column, e.message)
}

#[test]
fn parses_core_properties_and_request() {
    let text = "preamble: \n\
        property: size: nat = [0], recommends: vpkgformula = [true!]\n\
        \n\
        package: a\n\
        version: 2\n\
        depends: b >= 1 | c, d\n\
        conflicts: a, e != 3\n\
        provides: f = 4, g\n\
        installed: true\n\
        was-installed: true\n\
        keep: feature\n\
        size: 12\n\
        \n\
        request: r1\n\
        install: a > 1\n\
        remove: e <= 2\n\
        upgrade: b < 9\n";
    let doc = parse_problem(text).unwrap();
    let a = doc.package(doc.versions_of(doc.name_id("a").unwrap())[0]);
    assert_eq!(a.version, 2);
    assert!(a.installed && a.was_installed);
    assert_eq!(a.keep, Keep::Feature);
    let clauses: Vec<Vec<String>> = doc
        .depends(doc.versions_of(doc.name_id("a").unwrap())[0])
        .map(|c| c.iter().map(|v| doc.display_vpkg(*v)).collect())
        .collect();
    assert_eq!(clauses, vec![vec!["b >= 1", "c"], vec!["d"]]);
    let conflicts: Vec<_> = doc
        .conflicts(doc.versions_of(doc.name_id("a").unwrap())[0])
        .iter()
        .map(|v| doc.display_vpkg(*v))
        .collect();
    assert_eq!(conflicts, ["a", "e != 3"]);
    let f = doc.name_id("f").unwrap();
    assert_eq!(doc.providers_of(f), &[(misc_cudf::PkgId(0), Some(4))]);
    let g = doc.name_id("g").unwrap();
    assert_eq!(doc.providers_of(g), &[(misc_cudf::PkgId(0), None)]);
    let size = doc.property_id("size").unwrap();
    assert_eq!(doc.extra_int(misc_cudf::PkgId(0), size), Some(12));
    let req = doc.request.as_ref().unwrap();
    assert_eq!(req.id, "r1");
    assert_eq!(doc.display_vpkg(doc.vpkgs(req.install)[0]), "a > 1");
    assert_eq!(doc.display_vpkg(doc.vpkgs(req.remove)[0]), "e <= 2");
    assert_eq!(doc.display_vpkg(doc.vpkgs(req.upgrade)[0]), "b < 9");
}

#[test]
fn all_six_relational_operators() {
    let text = "package: a\nversion: 1\ndepends: b = 1, b != 2, b >= 3, b > 4, b <= 5, b < 6\n\nrequest: r\n";
    let doc = parse_problem(text).unwrap();
    let ops: Vec<Constraint> = doc.depends(PkgId(0)).map(|c| c[0].constraint()).collect();
    assert_eq!(
        ops,
        [
            (RelOp::Eq, 1),
            (RelOp::Neq, 2),
            (RelOp::Geq, 3),
            (RelOp::Gt, 4),
            (RelOp::Leq, 5),
            (RelOp::Lt, 6)
        ]
        .map(|c| Constraint(Some(c)))
    );
}

#[test]
fn true_and_false_formulas() {
    let text = "package: a\nversion: 1\ndepends: true!\n\npackage: b\nversion: 1\ndepends: false!\n\nrequest: r\n";
    let doc = parse_problem(text).unwrap();
    assert_eq!(doc.depends(PkgId(0)).len(), 0);
    let b: Vec<_> = doc.depends(PkgId(1)).collect();
    assert_eq!(b.len(), 1);
    assert!(b[0].is_empty(), "false! is one empty disjunction");
}

#[test]
fn continuation_lines_join_without_separator_and_comments_go_anywhere() {
    // misc-rules.md 5.1: the leading space is dropped, no separator is added.
    let text = "# a comment before everything\npackage: a\n# inside a stanza\nversion: 1\ndepends: b,\n c\n\n# between stanzas\nrequest: r\n# at the end";
    let doc = parse_problem(text).unwrap();
    let clauses: Vec<_> = doc.depends(PkgId(0)).collect();
    assert_eq!(clauses.len(), 2);
}

#[test]
fn a_line_of_spaces_separates_stanzas() {
    let text = "package: a\nversion: 1\n  \t\npackage: b\nversion: 1\n\nrequest: r\n";
    assert_eq!(parse_problem(text).unwrap().packages.len(), 2);
}

#[test]
fn posint_accepts_plus_and_rejects_zero() {
    let doc = parse_problem("package: a\nversion: +3\n\nrequest: r\n").unwrap();
    assert_eq!(doc.packages[0].version, 3);
    let (line, col, msg) = err("package: a\nversion: 0\n\nrequest: r\n");
    assert_eq!((line, col), (2, 10));
    assert!(msg.contains("positive integer"), "{msg}");
}

#[test]
fn duplicate_property_is_an_error_naming_the_line() {
    let (line, _, msg) = err("package: a\nversion: 1\ndepends: b\ndepends: c\n\nrequest: r\n");
    assert_eq!(line, 4);
    assert!(msg.contains("duplicate property `depends`"), "{msg}");
}

#[test]
fn duplicate_package_version_is_an_error() {
    let (line, _, msg) = err("package: a\nversion: 1\n\npackage: a\nversion: 1\n\nrequest: r\n");
    assert_eq!(line, 4);
    assert!(msg.contains("duplicate package `a = 1`"), "{msg}");
    assert!(msg.contains("line 1"), "{msg}");
}

#[test]
fn undeclared_extra_property_is_an_error() {
    let (line, _, msg) = err("package: a\nversion: 1\nsize: 3\n\nrequest: r\n");
    assert_eq!(line, 3);
    assert!(msg.contains("`size` is not declared"), "{msg}");
}

#[test]
fn mandatory_extra_property_must_be_present() {
    let (line, _, msg) =
        err("preamble: \nproperty: bugs: int\n\npackage: a\nversion: 1\n\nrequest: r\n");
    assert_eq!(line, 4);
    assert!(msg.contains("missing mandatory property `bugs`"), "{msg}");
}

#[test]
fn every_property_type_is_checked() {
    let decl = "preamble: \nproperty: i: int = [0], p: posint = [1], n: nat = [0], b: bool = [false], s: string = [\"x, \\\"y\\\"\"], pn: pkgname = [a], id: ident = [x], e: enum[lo,hi] = [lo], v: vpkg = [a], vf: vpkgformula = [true!], vl: vpkglist = [], ve: veqpkg = [a], vel: veqpkglist = []\n\n";
    let good = "package: a\nversion: 1\ni: -4\np: 3\nn: 0\nb: true\ns: any text, here\npn: x.y+z\nid: foo-1\ne: hi\nv: a >= 2\nvf: a | b, c\nvl: a, b < 2\nve: a = 3\nvel: a, b = 2\n\nrequest: r\n";
    let text = format!("{decl}{good}");
    let doc = parse_problem(&text).unwrap();
    let s = doc.property_id("s").unwrap();
    assert_eq!(doc.property(s).default.as_deref(), Some("x, \"y\""));
    for (prop, bad) in [
        ("i", "x"),
        ("p", "0"),
        ("p", "-1"),
        ("n", "-1"),
        ("b", "yes"),
        ("pn", "a b"),
        ("id", "Foo"),
        ("e", "mid"),
        ("v", "a >="),
        ("vf", "a |"),
        ("vl", "a,,b"),
        ("ve", "a > 1"),
        ("vel", "a, b >= 2"),
    ] {
        let text = format!("{decl}package: a\nversion: 1\n{prop}: {bad}\n\nrequest: r\n");
        let e = parse_problem(&text).expect_err(&format!("{prop}: {bad} must be rejected"));
        assert_eq!(e.line, 6, "{prop}: {bad}: {e}");
    }
}

#[test]
fn bad_default_values_are_rejected() {
    let (line, col, msg) =
        err("preamble: \nproperty: replaces: vpkglist = [ a , b !] \n\nrequest: r\n");
    assert_eq!(line, 2);
    assert!(col > 30, "column {col} should point into the default");
    assert!(msg.contains("replaces"), "{msg}");
}

#[test]
fn stanza_order_is_enforced() {
    let (line, _, msg) = err("package: a\nversion: 1\n\npreamble: \n\nrequest: r\n");
    assert_eq!(line, 4);
    assert!(msg.contains("first stanza"), "{msg}");
    let (line, _, msg) = err("request: r\n\npackage: a\nversion: 1\n");
    assert_eq!(line, 3);
    assert!(msg.contains("nothing may follow"), "{msg}");
    let (_, _, msg) = err("package: a\nversion: 1\n");
    assert!(msg.contains("no `request:` stanza"), "{msg}");
}

#[test]
fn request_accepts_only_its_own_properties() {
    let (line, _, msg) = err("request: r\nfoo: bar\n");
    assert_eq!(line, 2);
    assert!(msg.contains("unexpected property `foo`"), "{msg}");
}

#[test]
fn errors_name_line_and_column() {
    let e = parse_problem("package: a\nversion: 1\ndepends: b >= x\n\nrequest: r\n").unwrap_err();
    assert_eq!((e.line, e.column), (3, 15));
    let shown = e.in_file("p.cudf").to_string();
    assert!(
        shown.starts_with("p.cudf:3:15: expected a version"),
        "{shown}"
    );
    let e = parse_problem("package: a\nVersion: 1\n\nrequest: r\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 1));
    let e = parse_problem("package: a\nversion 1\n\nrequest: r\n").unwrap_err();
    assert!(e.message.contains("name: value"), "{}", e.message);
}

#[test]
fn lenient_where_libcudf_is_strict() {
    // No space after the colon, `_` in names, CRLF line ends (misc-rules.md 7.12).
    let doc = parse_problem("package:a_b\r\nversion:1\r\n\r\nrequest: r\r\n").unwrap();
    assert_eq!(doc.name(doc.packages[0].name), "a_b");
}

#[test]
fn several_versions_and_all_digit_names() {
    let doc =
        parse("package: 0ad\nversion: 1\n\npackage: 0ad\nversion: 2\ninstalled: true\n").unwrap();
    let id = doc.name_id("0ad").unwrap();
    assert_eq!(doc.versions_of(id).len(), 2);
    assert!(doc.request.is_none());
}

fn problem() -> &'static str {
    "package: a\nversion: 1\n\npackage: a\nversion: 2\n\npackage: b\nversion: 1\n\nrequest: r\n"
}

#[test]
fn solutions_as_solvers_write_them() {
    let doc = parse_problem(problem()).unwrap();
    // mccs: comments and was-installed; stanzas without `installed: true` are not installed.
    let text = "# mccs 1.1\npackage: a\nversion: 2\nwas-installed: false\ninstalled: true\n\npackage: b\nversion: 1\n\n";
    let Answer::Solution(s) = parse_answer(text, &doc).unwrap() else {
        panic!("a solution")
    };
    assert_eq!(s.installed, vec![false, true, false]);
    assert_eq!(s.not_installed_stanzas, 1);
    assert!(s.unknown.is_empty() && s.duplicates.is_empty());
}

#[test]
fn fail_is_the_first_non_blank_line() {
    let doc = parse_problem(problem()).unwrap();
    assert_eq!(
        parse_answer("\nFAIL\nno solution found\n", &doc).unwrap(),
        Answer::Fail {
            reason: "no solution found".into()
        }
    );
    // FAIL later in the file is not a FAIL answer.
    assert!(parse_answer("package: a\nversion: 1\ninstalled: true\n\nFAIL\n", &doc).is_err());
}

#[test]
fn unknown_and_duplicate_packages_are_recorded() {
    let doc = parse_problem(problem()).unwrap();
    let text = "package: a\nversion: 1\ninstalled: true\n\npackage: a\nversion: 1\ninstalled: true\n\npackage: z\nversion: 3\ninstalled: true\n";
    let Answer::Solution(s) = parse_answer(text, &doc).unwrap() else {
        panic!("a solution")
    };
    assert_eq!(s.duplicates.len(), 1);
    assert_eq!(s.unknown.len(), 1);
    assert_eq!(s.unknown[0].name, "z");
    assert_eq!(s.unknown[0].line, 9);
}

#[test]
fn solutions_reject_what_libcudf_rejects() {
    let doc = parse_problem(problem()).unwrap();
    for bad in [
        "package: a\nversion: 1\ninstalled: true\nsize: 3\n",
        "package: a\nversion: 1\ninstalled: maybe\n",
        "package: a\ninstalled: true\n",
        "package: a\nversion: 1\nkeep: always\n",
        "version: 1\npackage: a\n\nfoo: 1\n",
    ] {
        assert!(parse_answer(bad, &doc).is_err(), "{bad:?} must be rejected");
    }
}

#[test]
fn compressed_input_is_detected_by_content() {
    use std::io::Write;
    let text = problem().as_bytes();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text).unwrap();
    let gz = gz.finish().unwrap();
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(text).unwrap();
    let bz = bz.finish().unwrap();
    let mut xz = xz2::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(text).unwrap();
    let xz = xz.finish().unwrap();
    for (bytes, format) in [
        (&gz, misc_cudf::Compression::Gzip),
        (&bz, misc_cudf::Compression::Bzip2),
        (&xz, misc_cudf::Compression::Xz),
    ] {
        assert_eq!(misc_cudf::Compression::detect(bytes), format);
        assert_eq!(&*misc_cudf::decompress(bytes).unwrap(), text);
    }
    assert!(misc_cudf::decompress(&[0x1f, 0x8b, 0, 1, 2]).is_err());
}

#[test]
fn invalid_utf8_names_its_position() {
    let e = misc_cudf::check_utf8(b"package: a\nversion: 1\ndepends: \xff\n").unwrap_err();
    assert_eq!((e.line, e.column), (3, 10));
}

#[test]
fn an_answer_may_declare_its_own_properties_as_mccs_writes_them() {
    let doc = parse_problem(problem()).unwrap();
    let text = "\npreamble: \nproperty: size: int = [0], note: string\n\npackage: a\nversion: 1\ninstalled: true\nsize: 5\nnote: kept\n";
    let Answer::Solution(s) = parse_answer(text, &doc).unwrap() else {
        panic!("a solution")
    };
    assert_eq!(s.installed, vec![true, false, false]);
    // Declared, but the value has the wrong type.
    let bad =
        "preamble: \nproperty: size: int\n\npackage: a\nversion: 1\ninstalled: true\nsize: big\n";
    let e = parse_answer(bad, &doc).unwrap_err();
    assert_eq!(e.line, 7);
    // Not declared by the answer: rejected, as cudf-check does.
    assert!(parse_answer("package: a\nversion: 1\ninstalled: true\nnote: x\n", &doc).is_err());
}

#[test]
fn string_values_continued_after_an_empty_first_line_round_trip() {
    // Found by the fuzzer: `preamble: ` followed by a continuation line with leading blanks.
    let text = "preamble: \n      st]   w\n\npackage: a\nversion: 1\n\nrequest: \n   r1\n";
    let doc = parse_problem(text).unwrap();
    assert_eq!(doc.preamble.as_ref().unwrap().id, "st]   w");
    assert_eq!(doc.request.as_ref().unwrap().id, "r1");
    let written = misc_cudf::write_document(&doc);
    let again = parse_problem(&written).unwrap();
    assert_eq!(misc_cudf::write_document(&again), written);
}

#[test]
fn extras_read_again_from_a_stanza_equal_those_kept_from_an_irregular_one() {
    // Package a is all one-line properties (its extras are read again from the text when asked
    // for); b has a comment and c a continuation line (their extras are kept when parsed). The
    // values must come out the same: strings keep trailing blanks, other types lose them, the
    // blanks after the colon go, and `\r\n` line ends are taken as `\n`.
    let preamble = "preamble: \nproperty: note: string = [\"\"], size: nat = [0], rec: vpkgformula = [true!], flag: bool = [false]\n\n";
    let stanza = |name: &str, extra: &str| {
        format!(
            "package: {name}\nversion: 1\nnote:\tsome text  \nsize: 42  \r\n{extra}rec: x >= 2 | y , z   \nflag: true\n\n"
        )
    };
    let text = format!(
        "{preamble}{}{}{}request: r\n",
        stanza("a", ""),
        stanza("b", "# a comment\n"),
        stanza("c", "").replace("flag: true", "flag: tr\n ue"),
    );
    let doc = parse_problem(&text).unwrap();
    let extras = |name: &str| -> Vec<(String, String)> {
        let p = doc.versions_of(doc.name_id(name).unwrap())[0];
        doc.extras(p)
            .map(|(id, v)| (doc.property(id).name.clone(), v.to_string()))
            .collect()
    };
    let want: Vec<(String, String)> = [
        ("note", "some text  "),
        ("size", "42"),
        ("rec", "x >= 2 | y , z"),
        ("flag", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(extras("a"), want);
    assert_eq!(extras("b"), want);
    assert_eq!(extras("c"), want);
    let size = doc.property_id("size").unwrap();
    let a = doc.versions_of(doc.name_id("a").unwrap())[0];
    assert_eq!(doc.extra_int(a, size), Some(42));
}

#[test]
fn every_name_is_found_when_the_document_starts_with_a_package() {
    // Found by the fuzzer: the first stanza is read before the rest, and the room made for the
    // rest must not lose the names the first stanza interned.
    for more in [0, 3, 200] {
        let mut text = String::from("package: first\nversion: 1\n\n");
        // Room for the rest is made by size: comments make it large.
        text += &"# a comment of some length, to make the document long enough\n".repeat(100);
        for i in 0..more {
            text += &format!(
                "package: p{i}\nversion: {}\ndepends: first, p{}\n\n",
                i + 1,
                i / 2
            );
        }
        let doc = parse(&text).unwrap();
        for n in 0..doc.name_count() as u32 {
            let id = misc_cudf::NameId(n);
            assert_eq!(doc.name_id(doc.name(id)), Some(id), "{}", doc.name(id));
        }
        assert_eq!(doc.versions_of(doc.name_id("first").unwrap()).len(), 1);
    }
}

#[test]
fn every_name_is_found_in_a_short_document() {
    let text = "package: first\nversion: 1\ndepends: a\n";
    let doc = parse(text).unwrap();
    for n in 0..doc.name_count() as u32 {
        let id = misc_cudf::NameId(n);
        assert_eq!(doc.name_id(doc.name(id)), Some(id), "{}", doc.name(id));
    }
    assert_eq!(doc.versions_of(doc.name_id("first").unwrap()).len(), 1);
}
