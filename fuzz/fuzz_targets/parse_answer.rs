//! Any bytes as a solver's answer to a fixed problem: parsing and judging must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const PROBLEM: &str = "preamble: \nproperty: size: nat = [0]\n\n\
package: a\nversion: 1\ndepends: b | c >= 2\nconflicts: a\ninstalled: true\nkeep: package\n\n\
package: a\nversion: 2\nconflicts: a\nprovides: v = 2\n\n\
package: b\nversion: 1\nprovides: v\n\n\
package: c\nversion: 2\nconflicts: b\n\n\
request: fuzz\ninstall: c\nupgrade: a\nremove: b\n";

fuzz_target!(|data: &[u8]| {
    let problem = misc_cudf::parse_problem(PROBLEM).expect("the fixed problem parses");
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(answer) = misc_cudf::parse_answer(text, &problem) {
        let _ = misc_check::check_answer(&problem, &answer);
    }
});
