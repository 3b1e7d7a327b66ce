//! The `misc` command line.
fn main() {}
