//! Parses a CUDF file and prints a summary with the time of each step:
//! `cargo run --release --example parse_file FILE [REPEAT]`.
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        return eprintln!("usage: parse_file FILE [REPEAT]");
    };
    let repeat: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    for _ in 0..repeat {
        let t = Instant::now();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => return eprintln!("{path}: {e}"),
        };
        let read = t.elapsed();
        let bytes = match misc_cudf::decompress(&bytes) {
            Ok(b) => b,
            Err(e) => return eprintln!("{path}: {e}"),
        };
        let decoded = t.elapsed();
        let text = match misc_cudf::check_utf8(&bytes) {
            Ok(t) => t,
            Err(e) => return eprintln!("{}", e.in_file(path)),
        };
        let utf8 = t.elapsed();
        match misc_cudf::parse(text) {
            Ok(doc) => println!(
                "{} packages, {} names: read {read:?}, decode {:?}, utf-8 {:?}, parse {:?}",
                doc.packages.len(),
                doc.name_count(),
                decoded - read,
                utf8 - decoded,
                t.elapsed() - utf8,
            ),
            Err(e) => eprintln!("{}", e.in_file(path.clone())),
        }
    }
}
