//! Properties of the Debian version order and of the integer map (policy 5.6.12).

use std::cmp::Ordering;

use misc_debian::version::{compare, VersionTable};
use proptest::prelude::*;

/// Version strings rich in the corner cases: epochs, `~`, leading zeros, letters, `+`, `.`.
fn version() -> impl Strategy<Value = String> {
    "([0-9]{1,2}:)?[0-9]{1,3}([.+~][0-9a-c]{0,3}){0,3}(-[0-9]{0,2}[.+~a-b0]{0,3})?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn antisymmetric(a in version(), b in version()) {
        prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
    }

    #[test]
    fn transitive(a in version(), b in version(), c in version()) {
        let mut v = [a, b, c];
        v.sort_by(|x, y| compare(x, y));
        prop_assert_ne!(compare(&v[0], &v[2]), Ordering::Greater);
        if compare(&v[0], &v[1]).is_eq() && compare(&v[1], &v[2]).is_eq() {
            prop_assert!(compare(&v[0], &v[2]).is_eq());
        }
    }

    #[test]
    fn table_preserves_order_and_equal_classes_share_one_integer(vs in prop::collection::vec(version(), 1..40)) {
        let table = VersionTable::build(vs.iter().map(|s| s.as_str()));
        for a in &vs {
            for b in &vs {
                let (ia, ib) = (table.get(a).unwrap(), table.get(b).unwrap());
                prop_assert_eq!(ia.cmp(&ib), compare(a, b), "{} {} -> {} {}", a, b, ia, ib);
            }
        }
        prop_assert!(table.classes() as usize <= table.len());
    }
}

#[test]
fn equal_spellings_from_the_mancoosi_note() {
    // "On equivalent debian versions": 0.1-1 = 0.01-1 = 0.00001-1, 2.1.0-1 = 2.01.00-1.
    let t = VersionTable::build([
        "0.1-1",
        "0.01-1",
        "0.00001-1",
        "2.1.0-1",
        "2.01.00-1",
        "1:0",
    ]);
    assert_eq!(t.classes(), 3);
    assert_eq!(t.get("0.1-1"), t.get("0.00001-1"));
    assert_eq!(t.get("2.1.0-1"), t.get("2.01.00-1"));
    assert!(t.get("0.1-1") < t.get("2.1.0-1"));
}
