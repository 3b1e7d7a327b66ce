//! Optimality cross-check against real solvers (the proof). On small generated
//! problems, every installation is enumerated, the valid ones kept (misc-check), and the optimum
//! value found under our evaluation; then `aspcud` (pair reading, criteria given as aspcud takes
//! them) and `mccs` (name reading, `-lex[...]` syntax) must reach that optimum value.
//!
//! Skips, with a message, when the solvers are not installed (fails under `MISC_REQUIRE_TOOLS`). `MISC_CROSS_SEEDS` sets the
//! number of generated problems (default 30).

mod common;

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use misc_criteria::{parse_criteria, resolve, Semantics};

/// splitmix64 (misc-testkit): a pinned generator, so that every seed is a reproducible problem.
use misc_testkit::SplitMix64 as Rng;

/// A random problem of at most `max_packages` packages over a few names with 1–3 versions,
/// two features, depends, conflicts (sometimes the Debian-style self-name conflict, sometimes
/// none, so that several versions of a name can be installed together), recommends, an
/// integer `size` and a string `grp` property, and a request with install, remove and upgrade.
/// With `self_deps` false, no package mentions its own name or a feature it provides in its
/// depends or recommends (mccs mishandles those, see `mccs_ignores_self_satisfied_depends`
/// and `mccs_counts_self_recommends_as_unsatisfied`).
fn generate(seed: u64, max_packages: usize, self_deps: bool) -> String {
    let mut rng = Rng::new(seed);
    let names = 4 + rng.below(3) as usize;
    let mut versions = Vec::new();
    let mut total = 0;
    for _ in 0..names {
        let n = (1 + rng.below(3) as usize).min(max_packages.saturating_sub(total));
        versions.push(n);
        total += n;
    }
    let targets: Vec<String> = (0..names)
        .map(|i| format!("p{i}"))
        .chain(["f0".to_string(), "f1".to_string()])
        .collect();
    let vpkg_avoiding = |rng: &mut Rng, avoid: &[&str]| {
        let mut name = &targets[rng.below(targets.len() as u64) as usize];
        while avoid.contains(&name.as_str()) {
            name = &targets[rng.below(targets.len() as u64) as usize];
        }
        if rng.chance(50) {
            name.clone()
        } else {
            let op = [">=", "<=", "=", "!=", ">", "<"][rng.below(6) as usize];
            // `< 1` is left out: no version meets it, and aspcud then lets no unversioned
            // provide meet it either, unlike CUDF (pinned in `aspcud_unversioned_provides`).
            let low = if op == "<" { 2 } else { 1 };
            format!("{name} {op} {}", low + rng.below(4 - low))
        }
    };
    let vpkg = |rng: &mut Rng| vpkg_avoiding(rng, &[]);
    let formula = |rng: &mut Rng, clauses: u64, avoid: &[&str]| {
        (0..clauses)
            .map(|_| {
                (0..1 + rng.below(2))
                    .map(|_| vpkg_avoiding(rng, avoid))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::from(
        "preamble: \nproperty: recommends: vpkgformula = [true!], size: nat = [0], grp: string = [\"\"]\n\n",
    );
    for (i, &count) in versions.iter().enumerate() {
        let self_conflict = rng.chance(50);
        for v in 1..=count {
            let _ = writeln!(out, "package: p{i}\nversion: {v}");
            let provides = rng.chance(25).then(|| {
                let f = rng.below(2);
                if rng.chance(50) {
                    (format!("f{f}"), format!("f{f}"))
                } else {
                    (format!("f{f}"), format!("f{f} = {}", 1 + rng.below(3)))
                }
            });
            let own = format!("p{i}");
            let mut avoid = Vec::new();
            if !self_deps {
                avoid.push(own.as_str());
                if let Some((f, _)) = &provides {
                    avoid.push(f.as_str());
                }
            }
            let deps = rng.below(3);
            if deps > 0 {
                let _ = writeln!(out, "depends: {}", formula(&mut rng, deps, &avoid));
            }
            let mut conflicts = Vec::new();
            if self_conflict {
                conflicts.push(format!("p{i}"));
            }
            if rng.chance(30) {
                conflicts.push(vpkg(&mut rng));
            }
            if !conflicts.is_empty() {
                let _ = writeln!(out, "conflicts: {}", conflicts.join(", "));
            }
            if let Some((_, text)) = &provides {
                let _ = writeln!(out, "provides: {text}");
            }
            let recs = rng.below(3);
            if recs > 0 {
                let _ = writeln!(out, "recommends: {}", formula(&mut rng, recs, &avoid));
            }
            let _ = writeln!(out, "size: {}", rng.below(10));
            let _ = writeln!(out, "grp: g{}", rng.below(2));
            if rng.chance(35) {
                let _ = writeln!(out, "installed: true");
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "request: seed {seed}");
    let _ = writeln!(out, "install: {}", vpkg(&mut rng));
    if rng.chance(30) {
        let _ = writeln!(out, "remove: {}", vpkg(&mut rng));
    }
    if rng.chance(30) {
        let _ = writeln!(out, "upgrade: p{}", rng.below(names as u64));
    }
    out
}

/// Whether some package mentions its own name, or a feature it provides, in its depends.
/// (recommends are checked on the text: a package naming itself or its own feature.)
fn self_satisfiable_depends(doc: &misc_cudf::Document<'_>) -> bool {
    let recommends = doc.property_id("recommends");
    doc.package_ids().any(|id| {
        let p = doc.package(id);
        let provided = doc.provides(id);
        let own = |name: &str| {
            name == doc.name(p.name) || provided.iter().any(|f| doc.name(f.name) == name)
        };
        doc.depends(id).flatten().any(|v| own(doc.name(v.name)))
            || recommends
                .and_then(|r| doc.extra_raw(id, r))
                .and_then(|raw| misc_cudf::parse_vpkg_formula(raw).ok())
                .is_some_and(|f| f.iter().flatten().any(|(name, _)| own(name)))
    })
}

/// Every valid solution of a small problem, by enumeration and the checker.
fn valid_solutions(doc: &misc_cudf::Document<'_>) -> Vec<Vec<bool>> {
    let n = doc.packages.len();
    assert!(n <= 16, "enumeration is for small problems");
    (0u32..1 << n)
        .map(|mask| (0..n).map(|i| mask & (1 << i) != 0).collect::<Vec<bool>>())
        .filter(|flags| misc_check::is_solution(doc, flags))
        .collect()
}

/// The best criteria vector over `solutions` under our evaluation.
fn optimum(
    criteria: &str,
    doc: &misc_cudf::Document<'_>,
    solutions: &[Vec<bool>],
    semantics: Semantics,
) -> Vec<i64> {
    let c = parse_criteria(criteria).unwrap();
    let r = resolve(&c, doc).unwrap();
    solutions
        .iter()
        .map(|s| r.evaluate(s, semantics))
        .min_by(|a, b| c.compare(a, b))
        .unwrap()
}

struct Solver {
    name: &'static str,
    semantics: Semantics,
    /// (our criteria, the solver's argument).
    criteria: Vec<(&'static str, String)>,
    command: fn(&std::path::Path, &std::path::Path, &std::path::Path, &str) -> Command,
}

fn aspcud_command(
    bin: &std::path::Path,
    input: &std::path::Path,
    output: &std::path::Path,
    crit: &str,
) -> Command {
    let mut c = Command::new(bin);
    c.arg(input).arg(output).arg(crit);
    c
}

fn mccs_command(
    bin: &std::path::Path,
    input: &std::path::Path,
    output: &std::path::Path,
    crit: &str,
) -> Command {
    let mut c = Command::new(bin);
    c.arg("-i").arg(input).arg("-o").arg(output).arg(crit);
    c
}

fn solvers() -> Vec<Solver> {
    // aspcud reads our language as is (pair reading, misc-rules.md 3.4).
    let aspcud = [
        "paranoid",
        "trendy",
        "-count(changed)",
        "+count(up),-count(down),-count(changed)",
        "-sum(solution,size),-count(new)",
        "-notuptodate(changed),-count(solution)",
        "-unsat_recommends(new),+count(new),-count(removed)",
        "-aligned(solution,grp,size),-count(changed)",
        "-count(request),+sum(installrequest,size),-changed",
    ];
    // mccs: `-lex[...]`, `nunsat[recommends:,true]` for unsat_recommends with providers,
    // `count[size:,false]` for sum(size) over the solution (mccs -h).
    let mccs = [
        ("paranoid", "-lex[-removed,-changed]"),
        (
            "trendy",
            "-lex[-removed,-notuptodate,-nunsat[recommends:,true],-new]",
        ),
        ("-changed", "-lex[-changed]"),
        ("-new,-removed", "-lex[-new,-removed]"),
        ("-notuptodate,-changed", "-lex[-notuptodate,-changed]"),
        ("-sum(size),-changed", "-lex[-count[size:,false],-changed]"),
        ("+sum(size),-new", "-lex[+count[size:,false],-new]"),
        (
            "-unsat_recommends,-changed",
            "-lex[-nunsat[recommends:,true],-changed]",
        ),
    ];
    vec![
        Solver {
            name: "aspcud",
            semantics: Semantics::Pair,
            criteria: aspcud.iter().map(|c| (*c, c.to_string())).collect(),
            command: aspcud_command,
        },
        Solver {
            name: "mccs",
            semantics: Semantics::Name,
            criteria: mccs.iter().map(|(c, m)| (*c, m.to_string())).collect(),
            command: mccs_command,
        },
    ]
}

#[test]
fn generated_problems_are_small_and_parse() {
    for seed in 0..200 {
        let text = generate(seed, 14, seed % 2 == 0);
        let doc = misc_cudf::parse_problem(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(doc.packages.len() <= 14);
    }
}

#[test]
fn solvers_reach_our_optimum() {
    let seeds: u64 = std::env::var("MISC_CROSS_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let first: u64 = std::env::var("MISC_CROSS_FIRST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let available: Vec<(Solver, std::path::PathBuf)> = solvers()
        .into_iter()
        .filter_map(|s| common::tool(s.name).map(|bin| (s, bin)))
        .collect();
    if available.is_empty() {
        return;
    }
    let scratch = common::Scratch::new("cross");
    // MISC_CROSS_KEEP=DIR keeps the generated problems and the answers there.
    let keep = std::env::var_os("MISC_CROSS_KEEP").map(std::path::PathBuf::from);
    let file = |name: &str| match &keep {
        Some(dir) => dir.join(name),
        None => scratch.path(name),
    };
    let mut disagreements = Vec::new();
    let (mut solvable, mut runs, mut mccs_skipped, mut mccs_empty) = (0, 0, 0, 0);
    for seed in first..first + seeds {
        // Even seeds may have self-satisfiable depends, odd seeds do not (for mccs).
        let text = generate(seed, 14, seed % 2 == 0);
        let doc = misc_cudf::parse_problem(&text).unwrap();
        let solutions = valid_solutions(&doc);
        let input = file(&format!("seed{seed}.cudf"));
        std::fs::write(&input, &text).unwrap();
        if !solutions.is_empty() {
            solvable += 1;
        }
        for (solver, bin) in &available {
            if solver.name == "mccs" && self_satisfiable_depends(&doc) {
                // mccs does not let a package meet its own depends or recommends (pinned in
                // `mccs_ignores_self_satisfied_depends` and
                // `mccs_counts_self_recommends_as_unsatisfied`); CUDF does (misc-rules.md 5.4).
                mccs_skipped += 1;
                continue;
            }
            for (k, (ours, theirs)) in solver.criteria.iter().enumerate() {
                let output = file(&format!("seed{seed}-{}-{k}.sol", solver.name));
                let cmd = (solver.command)(bin, &input, &output, theirs);
                let log = match common::run_with_timeout(cmd, Duration::from_secs(60)).unwrap() {
                    common::Run::TimedOut => panic!("{} timed out on seed {seed}", solver.name),
                    common::Run::Done { log, .. } => log,
                };
                runs += 1;
                let answer = common::read_answer(&output, &doc)
                    .unwrap_or_else(|e| panic!("{} seed {seed} {theirs}: {e}\n{log}", solver.name));
                let where_ = format!("{} seed {seed} `{theirs}`", solver.name);
                match (answer, solutions.is_empty()) {
                    (None, true) => {}
                    (None, false) => {
                        disagreements.push(format!("{where_}: FAIL on a solvable problem"))
                    }
                    (Some(installed), true)
                        if solver.name == "mccs" && !installed.contains(&true) =>
                    {
                        mccs_empty += 1;
                    }
                    (Some(_), true) => {
                        disagreements.push(format!("{where_}: a solution to an unsolvable problem"))
                    }
                    (Some(installed), false) => {
                        if !misc_check::is_solution(&doc, &installed) {
                            if solver.name == "mccs" && !installed.contains(&true) {
                                // mccs sometimes answers an empty installation that is no
                                // solution (pinned in `mccs_answers_an_empty_non_solution`).
                                mccs_empty += 1;
                            } else {
                                disagreements.push(format!("{where_}: invalid answer"));
                            }
                            continue;
                        }
                        let c = parse_criteria(ours).unwrap();
                        let got = resolve(&c, &doc)
                            .unwrap()
                            .evaluate(&installed, solver.semantics);
                        let best = optimum(ours, &doc, &solutions, solver.semantics);
                        if c.compare(&got, &best) != Ordering::Equal {
                            disagreements.push(format!(
                                "{where_}: {} reading of `{ours}` gives {got:?}, optimum {best:?}",
                                solver.semantics
                            ));
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "{seeds} problems ({solvable} solvable), {runs} solver runs; \
         mccs skipped on {mccs_skipped} problems with self-satisfiable depends; \
         {mccs_empty} empty non-solutions from mccs"
    );
    // Not yet explained: mccs's `nunsat[recommends:,true]` picks a solution with more changes at
    // equal unsat_recommends (seed 7) than our optimum, on a problem without self-mentions.
    // Listed so that any new disagreement fails.
    const UNEXPLAINED: [&str; 1] = ["mccs seed 7 `-lex[-nunsat[recommends:,true],-changed]`"];
    let (known, new): (Vec<_>, Vec<_>) = disagreements
        .into_iter()
        .partition(|d| UNEXPLAINED.iter().any(|k| d.starts_with(k)));
    for d in &known {
        eprintln!("KNOWN, unexplained: {d}");
    }
    assert!(new.is_empty(), "disagreements:\n{}", new.join("\n"));
}

/// Runs `solver` on `problem` and returns the answer's installation (`None` for FAIL), or
/// `None` when the solver is missing (a skip, see misc-testkit).
fn solve_small(
    solver: &str,
    problem: &str,
    criteria: &str,
) -> Option<(misc_cudf::Document<'static>, Option<Vec<bool>>)> {
    let bin = common::tool(solver)?;
    let scratch = common::Scratch::new(&format!("pin-{solver}"));
    let input = scratch.path("in.cudf");
    let output = scratch.path("out.cudf");
    std::fs::write(&input, problem).unwrap();
    let cmd = if solver == "mccs" {
        mccs_command(&bin, &input, &output, criteria)
    } else {
        aspcud_command(&bin, &input, &output, criteria)
    };
    match common::run_with_timeout(cmd, Duration::from_secs(60)).unwrap() {
        common::Run::TimedOut => panic!("{solver} timed out"),
        common::Run::Done { .. } => {}
    }
    let text: &'static str = Box::leak(problem.to_string().into_boxed_str());
    let doc = misc_cudf::parse_problem(text).unwrap();
    let answer = common::read_answer(&output, &doc).unwrap();
    Some((doc, answer))
}

/// Pinned difference (not a reading of the criteria, a satisfaction rule): aspcud's cudf2lp
/// lets an unversioned provide meet only constraints that some version can meet, so `f < 1`
/// is never satisfied; CUDF (libCUDF, misc-rules.md 5.4, our checker and our
/// `unsat_recommends`) lets an unversioned provide match *every* constraint. aspcud answers
/// FAIL where {a, b} is a solution, and counts a recommends `f < 1` as unsatisfied where we
/// count it satisfied. The cross-check generator avoids `< 1` for this reason.
#[test]
fn aspcud_unversioned_provides() {
    let problem = "package: a\nversion: 1\ndepends: f < 1\n\n\
                   package: b\nversion: 1\nprovides: f\n\nrequest: \ninstall: a\n";
    let Some((doc, answer)) = solve_small("aspcud", problem, "paranoid") else {
        return;
    };
    assert!(
        misc_check::is_solution(&doc, &[true, true]),
        "CUDF: b's unversioned f matches `f < 1`"
    );
    assert_eq!(
        answer, None,
        "aspcud answers FAIL (if this changes, drop the generator's `< 1` guard)"
    );

    let with_recommends = "preamble: \nproperty: recommends: vpkgformula = [true!]\n\n\
                           package: a\nversion: 1\nrecommends: f < 1\ninstalled: true\n\n\
                           package: b\nversion: 1\nprovides: f\ninstalled: true\n\nrequest: \n";
    let doc = misc_cudf::parse_problem(with_recommends).unwrap();
    let c = parse_criteria("-unsat_recommends").unwrap();
    assert_eq!(
        misc_criteria::evaluate(&c, &doc, &doc.installed_flags(), Semantics::Pair).unwrap(),
        [0],
        "we follow CUDF: the unversioned provide satisfies `f < 1`"
    );
}

/// Pinned mccs bug (found by the cross-check, seed 10): mccs does not let a package meet its
/// own depends (here `p1 = 1`, p1 itself), so it answers FAIL where {p1} is a solution
/// (libCUDF's cudf-check agrees with us). The cross-check gives mccs only problems where no
/// package mentions itself or its own features in its depends.
#[test]
fn mccs_ignores_self_satisfied_depends() {
    let problem = "package: p1\nversion: 1\ndepends: p1 = 1 | p3 != 2\n\n\
                   package: p3\nversion: 1\nprovides: f1 = 2\n\n\
                   request: \ninstall: p1\nremove: f1 != 1\n";
    let Some((doc, answer)) = solve_small("mccs", problem, "-lex[-removed,-changed]") else {
        return;
    };
    assert!(misc_check::is_solution(&doc, &[true, false]));
    assert_eq!(
        answer, None,
        "mccs answers FAIL (if this changes, let mccs see self-depends again)"
    );
}

/// Pinned mccs bug (found by the cross-check, seed 46): on a problem where keeping everything is
/// optimal, mccs with `-lex[-removed,-notuptodate,-new]` (and trendy) answers an empty
/// installation, which breaks the request; `-lex[-removed,-changed]` answers correctly.
#[test]
fn mccs_answers_an_empty_non_solution() {
    let problem = "package: p0\nversion: 2\ninstalled: true\n\n\
                   package: p3\nversion: 1\ninstalled: true\n\n\
                   request: \ninstall: p3 != 3\nupgrade: p0\n";
    let Some((doc, answer)) = solve_small("mccs", problem, "-lex[-removed,-notuptodate,-new]")
    else {
        return;
    };
    assert!(misc_check::is_solution(&doc, &[true, true]));
    assert_eq!(
        answer,
        Some(vec![false, false]),
        "mccs answers the empty installation"
    );
    assert!(!misc_check::is_solution(&doc, &[false, false]));
}

/// Pinned difference of reading (found by the cross-check, seed 11): mccs's `nunsat` counts a
/// recommends that names the package itself (`x` recommends `x`) as unsatisfied; CUDF
/// satisfaction, aspcud and we count it satisfied (the installed x satisfies `x`). Here x
/// (self-recommending, size 5) and y (recommends a missing zz, size 1) both provide the
/// requested f; with unsat_recommends first and size second, the optimum is x (0 unsatisfied),
/// which aspcud finds, while mccs sees a tie (1 and 1) and takes the smaller y.
#[test]
fn mccs_counts_self_recommends_as_unsatisfied() {
    let problem = "preamble: \nproperty: recommends: vpkgformula = [true!], size: nat = [0]\n\n\
                   package: x\nversion: 1\nprovides: f\nrecommends: x\nsize: 5\n\n\
                   package: y\nversion: 1\nprovides: f\nrecommends: zz\nsize: 1\n\n\
                   request: \ninstall: f\n";
    let doc = misc_cudf::parse_problem(problem).unwrap();
    let c = parse_criteria("-unsat_recommends,-sum(size)").unwrap();
    let r = resolve(&c, &doc).unwrap();
    assert_eq!(r.evaluate(&[true, false], Semantics::Name), [0, 5]);
    assert_eq!(r.evaluate(&[false, true], Semantics::Name), [1, 1]);
    if let Some((_, answer)) = solve_small("aspcud", problem, "-unsat_recommends,-sum(size)") {
        assert_eq!(answer, Some(vec![true, false]), "aspcud agrees with us");
    }
    if let Some((_, answer)) = solve_small(
        "mccs",
        problem,
        "-lex[-nunsat[recommends:,true],-count[size:,false]]",
    ) {
        assert_eq!(answer, Some(vec![false, true]), "mccs takes y");
    }
}
