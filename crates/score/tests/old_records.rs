//! Records written by misc 0.1.0 (before the vocabulary was typed: rules, tie-break, semantics
//! and violation kinds were plain strings) load and score exactly as they did then.
//!
//! `tests/fixtures/records-0.1.0/results` is a round's results folder in that format (a
//! manifest under misc2010 rules, two tracks, every outcome and termination, violations, a
//! missing run, a record of a track no longer in the manifest). `scores.json` beside it is
//! what misc 0.1.0's `score_round` computed from it (generated with that version's code by
//! running this test with `MISC_BLESS=1`).

use std::path::PathBuf;

use misc_results::Store;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/records-0.1.0")
}

#[test]
fn records_of_0_1_0_score_as_they_did() {
    let store = Store::new(fixture().join("results"));
    let (records, report) = store.load().expect("the 0.1.0 records load");
    assert_eq!(records.len(), 18, "{report:?}");
    let manifest = store
        .read_manifest()
        .expect("the 0.1.0 manifest loads")
        .expect("a manifest");
    let scores = misc_score::score_round(&manifest, &records, None).expect("scores");
    let got = serde_json::to_value(&scores).unwrap();
    let golden = fixture().join("scores.json");
    if std::env::var_os("MISC_BLESS").is_some() {
        std::fs::write(&golden, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&golden).expect("scores.json")).unwrap();
    // Every figure 0.1.0 computed is computed again, equal (later versions may add figures).
    assert_subset(&want, &got, "scores");

    // The same by hand (misc-rules.md 1.1, 1.2, misc2010: FAIL 2m, abort 3m, wrong 4m).
    // paranoid, m = 4: p1 a(0,3)=1 c(0,3)=1 b(0,4)=3 d wrong 16; p2 a FAIL 8, b 1, c abort 12,
    // d wrong 16; p3 b(1,9)=1 c(1,9)=1 a(2,5)=3, d missing (as FAIL) 8.
    let totals = |track: &str| -> Vec<(String, u64, u32)> {
        scores
            .track(track)
            .unwrap()
            .ranking
            .iter()
            .map(|e| (e.solver.clone(), e.score, e.rank))
            .collect()
    };
    let own = |v: &[(&str, u64, u32)]| -> Vec<(String, u64, u32)> {
        v.iter().map(|&(s, p, r)| (s.to_owned(), p, r)).collect()
    };
    assert_eq!(
        totals("paranoid"),
        own(&[("b", 5, 1), ("a", 12, 2), ("c", 14, 3), ("d", 40, 4)])
    );
    // user, m = 3, -count(new),+sum(solution,size): p1 c(1,10)=1 b(2,150)=2 a(2,100)=3;
    // p3 b 1, c abort 9, a wrong 12.
    assert_eq!(
        totals("user"),
        own(&[("b", 3, 1), ("c", 10, 2), ("a", 15, 3)])
    );
    assert_eq!(scores.ignored_records, 1);
    assert_eq!(scores.track("paranoid").unwrap().missing_runs, 1);
}

/// Asserts that every field and element of `want` is in `got` with an equal value.
fn assert_subset(want: &serde_json::Value, got: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                let Some(gv) = g.get(k) else {
                    panic!("{path}.{k}: missing from the scores of the 0.1.0 records");
                };
                assert_subset(v, gv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            assert_eq!(w.len(), g.len(), "{path}: length");
            for (i, (v, gv)) in w.iter().zip(g).enumerate() {
                assert_subset(v, gv, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(want, got, "{path}: the scores of the 0.1.0 records changed"),
    }
}
