# Convenience recipes; every one is a plain cargo or shell command (see README.md).

default:
    @just --list

# All tests, as CI runs them.
test:
    cargo test --workspace

# The full-universe differential test against cudf-check (65,000 packages; about 27 minutes on
# 2 cores, so not in CI, which runs the Debian cones).
differential-full:
    MISC_REQUIRE_TOOLS=1 cargo test -p misc-check --test differential -- --ignored --nocapture

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Side-by-side benchmarks against the reference tools, printing the ratios, then the criterion benches.
bench:
    cargo build --release -p misc-cli -p misc-test-solvers
    crates/cudf/bench/vs_cudf_check.sh
    crates/runner/bench/vs_runexec.sh
    crates/debian/bench/vs_dose.sh
    cargo bench --workspace

# The demo round, from nothing to a results site.
demo:
    cargo build --release --workspace
    target/release/misc run competitions/demo
    target/release/misc report competitions/demo

# Fuzz the CUDF parsers (needs `cargo install cargo-fuzz`); SECONDS per target.
fuzz SECONDS="60":
    RUSTC_BOOTSTRAP=1 cargo fuzz run parse_document -- -max_total_time={{SECONDS}}
    RUSTC_BOOTSTRAP=1 cargo fuzz run parse_answer -- -max_total_time={{SECONDS}}
