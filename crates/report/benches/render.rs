//! How long `misc report` takes for a round of 10,000 runs (2 tracks × 5 solvers × 1,000
//! problems): preparing the pages with their plots, rendering them, and writing the whole
//! site (1,009 pages, the CSV and the JSON) to a temporary folder. The budget is 2 s.
//!
//! `cargo bench -p misc-report --bench render`

use criterion::{criterion_group, criterion_main, Criterion};

fn render(c: &mut Criterion) {
    let round = misc_report::synthetic::generate(2, 5, 1000);
    assert_eq!(round.records.len(), 10_000);
    let scores = misc_score::score_round(&round.manifest, &round.records, None).unwrap();
    let round_dir = tempfile::tempdir().unwrap();
    round.write_to(round_dir.path()).unwrap();
    let results = round_dir.path().join("results");
    let out = tempfile::tempdir().unwrap();

    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function("prepare 10k runs (pages and plots, no IO)", |b| {
        b.iter(|| {
            misc_report::prepare(&round.manifest, &round.records, &scores, &|_: &str| true).unwrap()
        })
    });
    g.bench_function("render_site 10k runs", |b| {
        b.iter(|| {
            misc_report::render_site(&round.manifest, &round.records, &scores, None, out.path())
                .unwrap()
        })
    });
    g.bench_function("render_site 10k runs with kept outputs", |b| {
        b.iter(|| {
            misc_report::render_site(
                &round.manifest,
                &round.records,
                &scores,
                Some(&results),
                out.path(),
            )
            .unwrap()
        })
    });
    g.bench_function("load + score + render_site 10k runs", |b| {
        b.iter(|| {
            let store = misc_results::Store::new(&results);
            let (records, _) = store.load().unwrap();
            let manifest = store.read_manifest().unwrap().unwrap();
            let scores = misc_score::score_round(&manifest, &records, None).unwrap();
            misc_report::render_site(&manifest, &records, &scores, Some(&results), out.path())
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
