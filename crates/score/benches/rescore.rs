//! Re-scoring a round of 1 million records (the issue asks for under a second).
//!
//! `cargo bench -p misc-score --bench rescore` (with `CARGO_TARGET_DIR` set as usual). The
//! generated round has 2 tracks × 10 solvers × 50 000 problems in 5 categories, 3 criteria,
//! about 70% valid solutions with vectors from a small range (many ties); see
//! `generator/mod.rs`. Each iteration includes dropping the scores.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use misc_score::{score, ScoreOptions, TieBreak};

mod generator;
use generator::{generate, Layout};

fn rescore(c: &mut Criterion) {
    let mut group = c.benchmark_group("rescore");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for layout in [Layout::PlanOrder, Layout::RandomRunOrder, Layout::Scattered] {
        let (tracks, records) = generate(2, 10, 50_000, layout);
        assert_eq!(records.len(), 1_000_000);
        for tie_break in [TieBreak::SuccessTime, TieBreak::CommonTime] {
            let opts = ScoreOptions {
                tie_break,
                ..ScoreOptions::default()
            };
            group.bench_function(format!("1M records, {layout:?}, {tie_break}"), |b| {
                b.iter(|| {
                    score(black_box(&tracks), black_box(&records), opts).map(|s| s.tracks.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, rescore);
criterion_main!(benches);
