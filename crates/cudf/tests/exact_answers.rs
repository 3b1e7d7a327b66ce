//! Answers are read exactly as libCUDF 0.9 reads them (misc-rules.md 7.12); each case below
//! was run through `cudf-check -cudf P -sol S` (cudf-tools 0.9), whose verdict is in the
//! table. Problems: what libCUDF accepts is accepted, with a warning.

use misc_cudf::{
    parse_answer, parse_answer_bytes, parse_answer_with, parse_problem, AnswerReading,
};

const PROBLEM: &str =
    "package: a\nversion: 1\n\npackage: b\nversion: 2\ndepends: a\n\nrequest: r\ninstall: b\n";

/// A case: its name, the answer, whether cudf-check reads it, the line and column of our error.
type Case = (&'static str, &'static str, bool, Option<(u32, u32)>);

const CASES: &[Case] = &[
    (
        "as aspcud writes it",
        "package: b\nversion: 2\ninstalled: true\n\npackage: a\nversion: 1\ninstalled: true\n",
        true,
        None,
    ),
    (
        "CRLF",
        "package: a\r\nversion: 1\r\ninstalled: true\r\n",
        false,
        Some((1, 11)),
    ),
    (
        "no space after the colon",
        "package: a\nversion: 1\ninstalled:true\n",
        false,
        Some((3, 11)),
    ),
    (
        "a tab after the colon",
        "package: a\nversion: 1\ninstalled:\ttrue\n",
        false,
        Some((3, 11)),
    ),
    (
        "no final newline",
        "package: a\nversion: 1\ninstalled: true",
        false,
        Some((3, 16)),
    ),
    (
        "several blanks",
        "package:   a\nversion:  1\ninstalled:   true  \n",
        true,
        None,
    ),
    (
        "a blank then a tab",
        "package: a\nversion: 1\ninstalled: \ttrue\n",
        true,
        None,
    ),
    (
        "comment at the end, no newline",
        "package: a\nversion: 1\ninstalled: true\n# end",
        true,
        None,
    ),
    (
        "blank line inside a stanza",
        "package: a\nversion: 1\n\ninstalled: true\n",
        false,
        Some((4, 1)),
    ),
    (
        "BOM",
        "\u{feff}package: a\nversion: 1\ninstalled: true\n",
        false,
        Some((1, 1)),
    ),
    (
        "NUL in a value",
        "package: a\nversion: 1\ninstalled: true\0\n",
        false,
        Some((3, 12)),
    ),
    (
        "vertical tab in a value",
        "package: a\nversion: 1\ninstalled: true\x0b\n",
        false,
        Some((3, 12)),
    ),
    (
        "request first",
        "request: x\n\npackage: a\nversion: 1\ninstalled: true\n",
        false,
        Some((1, 1)),
    ),
    (
        "request last",
        "package: a\nversion: 1\ninstalled: true\n\nrequest: x\n",
        true,
        None,
    ),
    (
        "stanza after the request",
        "package: a\nversion: 1\n\nrequest: x\n\npackage: b\nversion: 2\n",
        false,
        Some((6, 1)),
    ),
    (
        "blanks at the end without newline",
        "package: a\nversion: 1\ninstalled: true\n  ",
        false,
        Some((4, 3)),
    ),
    (
        "version 0 in a depends",
        "package: a\nversion: 1\ndepends: b >= 0\ninstalled: true\n",
        true,
        None,
    ),
    (
        "empty depends",
        "package: a\nversion: 1\ndepends: \ninstalled: true\n",
        false,
        Some((3, 10)),
    ),
    (
        "`_` in a name",
        "package: a_b\nversion: 1\n",
        false,
        Some((1, 10)),
    ),
    (
        "continuation",
        "package: a\nversion: 1\ninstalled: tr\n ue\n",
        true,
        None,
    ),
];

#[test]
fn answers_are_read_as_cudf_check_reads_them() {
    let doc = parse_problem(PROBLEM).unwrap();
    for (case, text, reads, at) in CASES {
        let got = parse_answer(text, &doc);
        assert_eq!(got.is_ok(), *reads, "{case}: {got:?}");
        if let (Err(e), Some((line, column))) = (&got, at) {
            assert_eq!((e.line, e.column), (*line, *column), "{case}: {e}");
            assert!(e.message.contains("cudf-check"), "{case}: {e}");
        }
    }
}

#[test]
fn the_lenient_reading_is_an_explicit_option() {
    let doc = parse_problem(PROBLEM).unwrap();
    for text in [
        "package: a\r\nversion: 1\r\ninstalled: true\r\n",
        "package: a\nversion: 1\ninstalled:true\n",
        "package: a\nversion: 1\ninstalled: true",
    ] {
        assert!(parse_answer(text, &doc).is_err(), "{text:?}");
        assert!(
            parse_answer_with(text, &doc, AnswerReading::Lenient).is_ok(),
            "{text:?}"
        );
    }
    assert_eq!(AnswerReading::default(), AnswerReading::Exact);
}

#[test]
fn bytes_that_are_not_utf8_are_read_as_libcudf_reads_them() {
    let doc = parse_problem(PROBLEM).unwrap();
    let comment = b"# \xff\npackage: a\nversion: 1\ninstalled: true\n";
    assert!(parse_answer_bytes(comment, &doc, AnswerReading::Exact).is_ok());
    assert!(parse_answer_bytes(comment, &doc, AnswerReading::Lenient).is_err());
    let value = b"package: a\xff\nversion: 1\ninstalled: true\n";
    assert!(parse_answer_bytes(value, &doc, AnswerReading::Exact).is_err());
}

#[test]
fn problems_with_version_0_in_constraints_are_accepted_with_a_warning() {
    let text = "preamble: \nproperty: rec: vpkgformula = [true!]\n\npackage: a\nversion: 1\ndepends: b >= 0\nrec: b > 0\n\npackage: b\nversion: 1\nconflicts: c = 0\n\nrequest: r\ninstall: b > 0\n";
    let doc = parse_problem(text).unwrap();
    let lines: Vec<u32> = doc.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, vec![6, 7, 11, 14], "{:?}", doc.warnings);
    assert!(
        doc.warnings[0].message.contains("CUDF 2.0"),
        "{}",
        doc.warnings[0]
    );
    let a = doc.versions_of(doc.name_id("a").unwrap())[0];
    let clause = doc.depends(a).next().unwrap();
    assert_eq!(doc.display_vpkg(clause[0]), "b >= 0");
    // A package's own version 0 stays refused, as libCUDF refuses it.
    assert!(parse_problem("package: a\nversion: 0\n\nrequest: r\n").is_err());
}

#[test]
fn problem_leniency_beyond_libcudf_is_warned() {
    for (text, what) in [
        (
            "package: a\nversion:1\n\nrequest: r\n",
            "no space after the colon",
        ),
        (
            "package: a\r\nversion: 1\r\n\r\nrequest: r\r\n",
            "carriage return",
        ),
        ("package: a\nversion: 1\n\nrequest: r", "no line end"),
        ("package: a_b\nversion: 1\n\nrequest: r\n", "`_`"),
    ] {
        let doc = parse_problem(text).unwrap();
        assert!(
            doc.warnings.iter().any(|w| w.message.contains(what)),
            "{text:?}: {:?}",
            doc.warnings
        );
    }
    let clean = parse_problem(PROBLEM).unwrap();
    assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
}
