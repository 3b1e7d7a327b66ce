//! Helpers shared by the checker's integration tests: a seeded generator of small CUDF
//! problems, candidate installations, and a driver for the reference checker `cudf-check`.

#![allow(dead_code)]

use std::fmt::Write;
use std::path::Path;
use std::process::Command;

/// The pinned generator (xorshift64*, misc-testkit), so that failures are reproducible by seed:
/// `Rng::seeded(seed)`.
pub use misc_testkit::XorShift64Star as Rng;

const OPS: [&str; 6] = ["=", "!=", ">=", ">", "<=", "<"];

fn vpkg(rng: &mut Rng, names: usize) -> String {
    let name = format!("p{}", rng.below(names as u64));
    // Features (f0, f1) appear too, so that providers are exercised.
    let name = if rng.chance(15) {
        format!("f{}", rng.below(2))
    } else {
        name
    };
    if rng.chance(50) {
        name
    } else {
        let op = OPS[rng.below(6) as usize];
        format!("{name} {op} {}", 1 + rng.below(3))
    }
}

/// A random problem with `names` package names of 1–3 versions each, random dependencies,
/// conflicts (including self-name conflicts), provides, keep, an initial installation and a
/// request.
pub fn random_problem(seed: u64, names: usize) -> String {
    let mut rng = Rng::seeded(seed);
    let mut out = String::from(
        "preamble: \nproperty: recommends: vpkgformula = [true!], size: nat = [0]\n\n",
    );
    for n in 0..names {
        let versions = 1 + rng.below(3);
        for v in 1..=versions {
            let _ = writeln!(out, "package: p{n}\nversion: {v}");
            if rng.chance(60) {
                let clauses: Vec<String> = (0..1 + rng.below(2))
                    .map(|_| {
                        (0..1 + rng.below(2))
                            .map(|_| vpkg(&mut rng, names))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    })
                    .collect();
                let _ = writeln!(out, "depends: {}", clauses.join(", "));
            }
            if rng.chance(40) {
                let mut items: Vec<String> = (0..1 + rng.below(2))
                    .map(|_| vpkg(&mut rng, names))
                    .collect();
                if rng.chance(50) {
                    items.push(format!("p{n}"));
                }
                let _ = writeln!(out, "conflicts: {}", items.join(", "));
            }
            if rng.chance(25) {
                let f = rng.below(2);
                if rng.chance(50) {
                    let _ = writeln!(out, "provides: f{f}");
                } else {
                    let _ = writeln!(out, "provides: f{f} = {}", 1 + rng.below(3));
                }
            }
            if rng.chance(35) {
                let _ = writeln!(out, "installed: true");
            }
            if rng.chance(10) {
                let keep = ["version", "package", "feature"][rng.below(3) as usize];
                let _ = writeln!(out, "keep: {keep}");
            }
            if rng.chance(30) {
                let _ = writeln!(out, "recommends: {}", vpkg(&mut rng, names));
            }
            let _ = writeln!(out, "size: {}", rng.below(100));
            out.push('\n');
        }
    }
    let _ = writeln!(out, "request: gen-{seed}");
    for key in ["install", "remove", "upgrade"] {
        if rng.chance(60) {
            let items: Vec<String> = (0..1 + rng.below(2))
                .map(|_| vpkg(&mut rng, names))
                .collect();
            let _ = writeln!(out, "{key}: {}", items.join(", "));
        }
    }
    out
}

/// The packages (name, version) of a problem text, in order, with their initial flag.
pub fn packages_of(problem: &str) -> Vec<(String, u64, bool)> {
    let doc = misc_cudf::parse(problem).expect("generated problems parse");
    doc.package_ids()
        .map(|p| {
            let pkg = doc.package(p);
            (doc.name(pkg.name).to_string(), pkg.version, pkg.installed)
        })
        .collect()
}

/// Writes an installation as a MISC solution.
pub fn solution_text(installed: &[(String, u64)]) -> String {
    installed
        .iter()
        .map(|(n, v)| format!("package: {n}\nversion: {v}\ninstalled: true\n\n"))
        .collect()
}

/// Whether `cudf-check` is installed; when it is not, the test skips (or fails under
/// `MISC_REQUIRE_TOOLS`, see misc-testkit).
pub fn cudf_check_available() -> bool {
    let ok = Command::new("cudf-check").arg("-help").output().is_ok();
    if !ok {
        misc_testkit::skip("cudf-check is not installed (apt-get install cudf-tools)");
    }
    ok
}

/// The reference verdict: `Some(true|false)` from cudf-check's `is_solution:` line (its exit
/// code is 1 whenever the initial installation is inconsistent, misc-rules.md 1.3); a solution
/// that cudf-check refuses to load (unknown or duplicate package) counts as `false`; `None` when
/// cudf-check could not read the problem.
pub fn cudf_check_verdict(problem: &Path, solution: &Path) -> Option<bool> {
    let out = Command::new("cudf-check")
        .arg("-cudf")
        .arg(problem)
        .arg("-sol")
        .arg(solution)
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(line) = text.lines().find(|l| l.starts_with("is_solution:")) {
        return Some(line.starts_with("is_solution: true"));
    }
    if text.contains("Error while parsing solution")
        || text.contains("Error while loading solution")
    {
        return Some(false);
    }
    None
}

/// Our verdict on the same files.
pub fn our_verdict(problem_text: &str, solution_text: &str) -> (bool, Vec<String>) {
    let doc = misc_cudf::parse_problem(problem_text).expect("problem parses");
    match misc_cudf::parse_answer(solution_text, &doc) {
        Err(e) => (false, vec![format!("unparseable: {e}")]),
        Ok(answer) => {
            let report = misc_check::check_answer(&doc, &answer);
            (
                report.verdict == misc_check::Verdict::Valid,
                report
                    .violations
                    .iter()
                    .map(|v| format!("[{}] {}", v.kind.as_str(), v.message))
                    .collect(),
            )
        }
    }
}

/// Runs a command with a timeout (killing it when the time is up); true when it exited 0.
pub fn run_with_timeout(cmd: &mut Command, seconds: u64) -> bool {
    let Ok(mut child) = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        return false;
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// A solver's name and how to call it on (input, output).
pub type SolverCommand = (&'static str, fn(&Path, &Path) -> Command);

/// The real MISC entrants that are installed, with how to call them on (input, output). Each
/// missing one is skipped (a failure under `MISC_REQUIRE_TOOLS`, see misc-testkit).
pub fn installed_solvers() -> Vec<SolverCommand> {
    let mut out: Vec<SolverCommand> = Vec::new();
    let have =
        |name: &str| misc_testkit::require_tool(name, &format!("apt-get install {name}")).is_some();
    if have("aspcud") {
        out.push(("aspcud", |i, o| {
            let mut c = Command::new("aspcud");
            c.arg(i).arg(o).arg("paranoid");
            c
        }));
    }
    if have("mccs") {
        out.push(("mccs", |i, o| {
            let mut c = Command::new("mccs");
            c.arg("-i")
                .arg(i)
                .arg("-o")
                .arg(o)
                .arg("-lex[-removed,-changed]");
            c
        }));
    }
    if have("packup") {
        out.push(("packup", |i, o| {
            let mut c = Command::new("packup");
            c.arg("-u").arg("-removed,-changed").arg(i).arg(o);
            c
        }));
    }
    out
}
