//! Parsing benchmarks: a full Debian universe (from ../shared/data when present) and a generated
//! universe (always available).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn generated(packages: usize) -> String {
    let mut s = String::from("preamble: \nproperty: size: nat = [0], source: string = [\"\"]\n\n");
    for i in 0..packages {
        s += &format!(
            "package: pkg{i}\nversion: {}\ndepends: pkg{} >= 2 | alt{}, lib{} , pkg{}\nconflicts: pkg{i}\nprovides: virt{} = 3\nsize: {}\nsource: src{}\n\n",
            1 + i % 7,
            (i * 7 + 1) % packages,
            i % 13,
            i % 101,
            (i * 3 + 2) % packages,
            i % 50,
            i * 11 % 9000,
            i / 3
        );
    }
    s + "request: bench\ninstall: pkg1\n"
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    let text = generated(50_000);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("generated-50k", |b| {
        b.iter(|| misc_cudf::parse_problem(&text).map(|d| d.packages.len()))
    });
    let debian = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/problems/deb-empty-install1.cudf.xz");
    match std::fs::read(&debian) {
        Ok(bytes) => {
            let plain = misc_cudf::decompress(&bytes).expect("xz").into_owned();
            let text = String::from_utf8(plain).expect("utf-8");
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function("debian-bookworm-65k", |b| {
                b.iter(|| misc_cudf::parse_problem(&text).map(|d| d.packages.len()))
            });
        }
        Err(_) => eprintln!(
            "skipping the Debian universe: {} not found",
            debian.display()
        ),
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
