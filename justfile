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

# The demo round's problems, made again from the Debian excerpt shipped in competitions/demo/debian
# (byte for byte: `cargo test -p misc-cli --test demo_problems` runs this very command and compares).
demo-problems:
    cargo build --release -p misc-cli
    target/release/misc problems debian --packages bookworm=competitions/demo/debian/bookworm.Packages.xz updates=competitions/demo/debian/updates.Packages.xz --status competitions/demo/debian/status.xz --generate install:3=1,remove:1=1,upgrade-outdated=1,unsat=1 --seed 4 --out competitions/demo/problems --force

# Cut that excerpt again from this machine's apt lists (`apt-get update` first) and dpkg status;
# then `just demo-problems`, and update competitions/demo/debian/README.md (date, counts).
demo-excerpt:
    cargo run --release -p misc-debian --example excerpt -- --out competitions/demo/debian --status /var/lib/dpkg/status --with git,curl,openssh-server,vim,rsync,sudo,jq,postfix,exim4,nginx,apache2,python3-pip bookworm=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4 updates=/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4 updates=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4

# Fuzz the CUDF parsers (needs `cargo install cargo-fuzz`); SECONDS per target.
# parse_document reads every input in chunks on two threads too: Rust's scoped-thread join
# returns before the thread has run its thread-local destructors, and LeakSanitizer then takes
# glibc's record of them for a leak, so leaks are not checked there.
fuzz SECONDS="60":
    RUSTC_BOOTSTRAP=1 cargo fuzz run parse_document -- -max_total_time={{SECONDS}} -detect_leaks=0
    RUSTC_BOOTSTRAP=1 cargo fuzz run parse_answer -- -max_total_time={{SECONDS}}
    RUSTC_BOOTSTRAP=1 cargo fuzz run parse_criteria -- -max_total_time={{SECONDS}}
