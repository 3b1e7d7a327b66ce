//! Parses a CUDF file and prints a summary: `cargo run --release --example parse_file FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_file FILE");
    let bytes = std::fs::read(&path).expect("read");
    let t = std::time::Instant::now();
    let bytes = misc_cudf::decompress(&bytes).expect("decompress");
    let t1 = t.elapsed();
    let text = match misc_cudf::check_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => return eprintln!("{}", e.in_file(path)),
    };
    match misc_cudf::parse(text) {
        Ok(doc) => println!(
            "{} packages, {} names, decode {:?}, total {:?}",
            doc.packages.len(),
            doc.name_count(),
            t1,
            t.elapsed()
        ),
        Err(e) => eprintln!("{}", e.in_file(path)),
    }
}
