//! Judging a full-size answer: the Debian bookworm universe with 739 packages installed (from
//! ../shared/data when present), answered with its own initial installation. Each iteration
//! gets a freshly parsed problem (not timed), so that the relations of the installed packages
//! are read cold, as `misc check` reads them.

use std::io::Read;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn bench(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/problems/deb-base-upgrade-all.cudf.xz");
    let Ok(file) = std::fs::File::open(&path) else {
        return eprintln!("skipping: {} not found", path.display());
    };
    let mut text = String::new();
    if xz2::read::XzDecoder::new(file)
        .read_to_string(&mut text)
        .is_err()
    {
        return eprintln!("skipping: {} is not xz text", path.display());
    }
    let doc = misc_cudf::parse_problem(&text).expect("the universe parses");
    let answer = misc_cudf::write_solution(&doc, &doc.installed_flags());
    drop(doc);
    let mut group = c.benchmark_group("judge");
    group.sample_size(10);
    group.bench_function("debian-bookworm-upgrade-all-739-installed", |b| {
        b.iter_batched(
            || misc_cudf::parse_problem(&text).expect("the universe parses"),
            |problem| {
                let answer = misc_cudf::parse_answer(&answer, &problem).expect("answer parses");
                let report = misc_check::check_answer(&problem, &answer);
                assert_eq!(report.verdict, misc_check::Verdict::Valid);
                problem
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
