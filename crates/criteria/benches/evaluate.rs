//! Evaluating the trendy criteria on a full Debian universe (the issue asks for well under
//! 100 ms). Reads /work/shared/data/problems/deb-base-upgrade-all.cudf.xz, or the file named by
//! MISC_BENCH_PROBLEM; skips with a message when it is missing.
//!
//! `cargo bench -p misc-criteria --bench evaluate`

use std::hint::black_box;

use criterion::Criterion;
use misc_criteria::{parse_criteria, resolve, Semantics};

fn main() {
    let path = std::env::var("MISC_BENCH_PROBLEM")
        .unwrap_or_else(|_| "/work/shared/data/problems/deb-base-upgrade-all.cudf.xz".to_string());
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipping the evaluate benchmark: {path} is missing");
        return;
    };
    let bytes = misc_cudf::decompress(&bytes).expect("decompress");
    let text = misc_cudf::check_utf8(&bytes).expect("utf-8");
    let doc = misc_cudf::parse_problem(text).expect("parse");

    // Two solutions: the initial installation, and every installed name moved to its newest
    // version (what an upgrade-all answer looks like; validity does not matter for timing).
    let initial = doc.installed_flags();
    let mut upgraded = vec![false; doc.packages.len()];
    for name in 0..doc.name_count() as u32 {
        let versions = doc.versions_of(misc_cudf::NameId(name));
        if versions.iter().any(|p| initial[p.index()]) {
            if let Some(&newest) = versions.iter().max_by_key(|p| doc.package(**p).version) {
                upgraded[newest.index()] = true;
            }
        }
    }
    eprintln!(
        "{path}: {} packages, {} installed initially, {} in the upgraded solution",
        doc.packages.len(),
        initial.iter().filter(|&&b| b).count(),
        upgraded.iter().filter(|&&b| b).count()
    );

    let trendy = parse_criteria("trendy").unwrap();
    let resolved = resolve(&trendy, &doc).unwrap();
    eprintln!(
        "trendy: initial {:?} / upgraded {:?} (pair); {:?} / {:?} (name)",
        resolved.evaluate(&initial, Semantics::Pair),
        resolved.evaluate(&upgraded, Semantics::Pair),
        resolved.evaluate(&initial, Semantics::Name),
        resolved.evaluate(&upgraded, Semantics::Name),
    );

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("resolve trendy", |b| {
        b.iter(|| resolve(black_box(&trendy), black_box(&doc)).unwrap())
    });
    c.bench_function("evaluate trendy, initial, pair", |b| {
        b.iter(|| resolved.evaluate(black_box(&initial), Semantics::Pair))
    });
    c.bench_function("evaluate trendy, upgraded, pair", |b| {
        b.iter(|| resolved.evaluate(black_box(&upgraded), Semantics::Pair))
    });
    c.bench_function("evaluate trendy, upgraded, name", |b| {
        b.iter(|| resolved.evaluate(black_box(&upgraded), Semantics::Name))
    });
    c.bench_function("resolve + evaluate trendy, upgraded", |b| {
        b.iter(|| {
            resolve(black_box(&trendy), black_box(&doc))
                .unwrap()
                .evaluate(black_box(&upgraded), Semantics::Pair)
        })
    });
    c.final_summary();
}
