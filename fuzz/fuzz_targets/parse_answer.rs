//! Any bytes as a solver's answer to a fixed problem, read both ways (exactly as libCUDF reads
//! answers, and leniently), from bytes and from text: parsing and judging must never panic,
//! and what the exact reading accepts the lenient one accepts with the same installation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use misc_cudf::{Answer, AnswerReading};

const PROBLEM: &str = "preamble: \nproperty: size: nat = [0]\n\n\
package: a\nversion: 1\ndepends: b | c >= 2\nconflicts: a\ninstalled: true\nkeep: package\n\n\
package: a\nversion: 2\nconflicts: a\nprovides: v = 2\n\n\
package: b\nversion: 1\nprovides: v\n\n\
package: c\nversion: 2\nconflicts: b\n\n\
request: fuzz\ninstall: c\nupgrade: a\nremove: b\n";

fn installed(a: &Answer) -> Option<&[bool]> {
    match a {
        Answer::Solution(s) => Some(&s.installed),
        Answer::Fail { .. } => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let problem = misc_cudf::parse_problem(PROBLEM).expect("the fixed problem parses");
    let exact = misc_cudf::parse_answer_bytes(data, &problem, AnswerReading::Exact);
    let lenient = misc_cudf::parse_answer_bytes(data, &problem, AnswerReading::Lenient);
    for answer in [&exact, &lenient].into_iter().flatten() {
        let _ = misc_check::check_answer(&problem, answer);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let from_text = misc_cudf::parse_answer(text, &problem);
        assert_eq!(
            from_text.is_ok(),
            exact.is_ok(),
            "bytes and text read the same UTF-8 answer differently"
        );
    }
    if let (Ok(e), Ok(l)) = (&exact, &lenient) {
        assert_eq!(installed(e), installed(l), "the readings disagree on what is installed");
    }
});
