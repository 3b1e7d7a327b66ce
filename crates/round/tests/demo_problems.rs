//! The demo round's problems (`competitions/demo/problems/`) are what the generator example
//! writes: the generator (xorshift64*, misc-testkit) must keep its sequence, or the demo, the
//! README's outputs and every test on these problems would silently change.

use std::path::Path;

#[path = "../examples/gen_problems.rs"]
#[allow(dead_code)]
mod gen_problems;

fn decompressed(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    misc_cudf::decompress(&bytes).unwrap().into_owned()
}

#[test]
fn the_generator_regenerates_the_demo_problems_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let written = gen_problems::write_problems(dir.path());
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../competitions/demo/problems");
    assert_eq!(written.len(), 12);
    for (path, _) in &written {
        let rel = path.strip_prefix(dir.path()).unwrap();
        let committed = demo.join(rel);
        assert!(
            committed.is_file(),
            "the generator writes {} (its package count changed?), the demo has no such file",
            rel.display()
        );
        assert!(
            decompressed(path) == decompressed(&committed),
            "{} differs from the generator's output",
            rel.display()
        );
    }
    let committed = std::fs::read_dir(&demo)
        .unwrap()
        .flatten()
        .map(|cat| std::fs::read_dir(cat.path()).unwrap().count())
        .sum::<usize>();
    assert_eq!(
        committed,
        written.len(),
        "the demo has problems the generator does not write"
    );
}
