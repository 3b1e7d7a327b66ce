//! Any bytes as a track's criteria: parsing, resolving against a fixed problem and evaluating
//! must never panic; what parses prints (`Display`) as criteria that parse to the same list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use misc_criteria::Semantics;

const PROBLEM: &str = "preamble: \nproperty: size: nat = [0], recommends: vpkgformula = [true!], \
source: string = [\"\"], sourceversion: string = [\"\"]\n\n\
package: a\nversion: 1\nrecommends: b | v\nsize: 3\nsource: s\nsourceversion: 1\ninstalled: true\n\n\
package: a\nversion: 2\nprovides: v = 2\nsize: 5\nsource: s\nsourceversion: 2\n\n\
package: b\nversion: 1\nrecommends: c\ninstalled: true\n\n\
package: c\nversion: 2\n\n\
request: fuzz\ninstall: c\nupgrade: a\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(criteria) = misc_criteria::parse_criteria(text) else {
        return;
    };
    let printed = criteria.to_string();
    let again = misc_criteria::parse_criteria(&printed)
        .unwrap_or_else(|e| panic!("`{printed}` (printed from `{text}`) does not parse: {e}"));
    let functions = |c: &misc_criteria::Criteria| {
        c.items
            .iter()
            .map(|i| (i.sense, i.function.extended()))
            .collect::<Vec<_>>()
    };
    assert_eq!(functions(&criteria), functions(&again), "`{text}` -> `{printed}`");
    let problem = misc_cudf::parse_problem(PROBLEM).expect("the fixed problem parses");
    if let Ok(resolved) = misc_criteria::resolve(&criteria, &problem) {
        let n = problem.packages.len();
        for mask in 0..1u32 << n {
            let flags: Vec<bool> = (0..n).map(|i| mask & (1 << i) != 0).collect();
            for s in [Semantics::Name, Semantics::Pair] {
                let v = resolved.evaluate(&flags, s);
                assert_eq!(v.len(), criteria.items.len());
            }
        }
    }
});
