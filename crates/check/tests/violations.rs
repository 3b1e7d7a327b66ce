//! The judge's own tests: for every kind of violation, a minimal problem and answer written
//! here, and the exact violations (kind and explanation) the checker reports. Section numbers
//! refer to misc-rules.md (5.4: consistency, 5.5: is S a solution, 7: edge cases).
//!
//! These stand on their own (no tool, no data): the differential tests
//! (tests/differential.rs) compare verdicts with cudf-check; these pin the explanations a
//! solver author reads.

use misc_check::{Kind, Report, Verdict};

/// Judges `answer` against `problem`, as `misc check` and the harness do: an answer that does
/// not parse is one `unparseable` violation.
fn judge(problem: &str, answer: &str) -> Report {
    let doc = misc_cudf::parse_problem(problem).unwrap_or_else(|e| panic!("{e}\n{problem}"));
    match misc_cudf::parse_answer(answer, &doc) {
        Ok(a) => misc_check::check_answer(&doc, &a),
        Err(e) => misc_check::unparseable(e.to_string()),
    }
}

/// The violations as (kind, message) pairs.
fn violations(report: &Report) -> Vec<(Kind, &str)> {
    report
        .violations
        .iter()
        .map(|v| (v.kind, v.message.as_str()))
        .collect()
}

/// Asserts that the answer is invalid with exactly these violations, in this order.
fn assert_violations(problem: &str, answer: &str, expected: &[(Kind, &str)]) {
    let report = judge(problem, answer);
    assert_eq!(
        violations(&report),
        expected,
        "problem:\n{problem}\nanswer:\n{answer}"
    );
    assert_eq!(report.verdict, Verdict::Invalid);
}

/// Asserts that the answer is a solution.
fn assert_valid(problem: &str, answer: &str) {
    let report = judge(problem, answer);
    assert_eq!(
        violations(&report),
        [],
        "problem:\n{problem}\nanswer:\n{answer}"
    );
    assert_eq!(report.verdict, Verdict::Valid);
}

/// An answer installing these (name, version) pairs.
fn answer(installed: &[(&str, u64)]) -> String {
    installed
        .iter()
        .map(|(n, v)| format!("package: {n}\nversion: {v}\ninstalled: true\n\n"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Consistency (misc-rules.md 5.4, 5.5 item 1)

#[test]
fn unsatisfied_dependency_names_the_package_and_the_clause() {
    // misc-rules.md 5.4.1: every conjunct of depends must be satisfied by the installation.
    let problem = "package: a\nversion: 1\ndepends: b >= 2 | c, d\n\n\
                   package: b\nversion: 1\n\n\
                   package: d\nversion: 1\n\n\
                   request: r\ninstall: a\n";
    assert_violations(
        problem,
        &answer(&[("a", 1), ("b", 1), ("d", 1)]),
        &[(
            Kind::UnsatisfiedDependency,
            "`a = 1` depends on `b >= 2 | c`, which no installed package satisfies",
        )],
    );
    // Each unsatisfied conjunct is its own violation.
    assert_violations(
        problem,
        &answer(&[("a", 1)]),
        &[
            (
                Kind::UnsatisfiedDependency,
                "`a = 1` depends on `b >= 2 | c`, which no installed package satisfies",
            ),
            (
                Kind::UnsatisfiedDependency,
                "`a = 1` depends on `d`, which no installed package satisfies",
            ),
        ],
    );
}

#[test]
fn unsatisfied_dependency_on_false_is_shown_as_false() {
    // misc-rules.md 5.2: `false!` is the unsatisfiable formula.
    let problem = "package: a\nversion: 1\ndepends: false!\n\nrequest: r\n";
    assert_violations(
        problem,
        &answer(&[("a", 1)]),
        &[(
            Kind::UnsatisfiedDependency,
            "`a = 1` depends on `false!`, which no installed package satisfies",
        )],
    );
    assert_valid(problem, "");
}

#[test]
fn dependencies_are_satisfied_by_providers_and_by_the_package_itself() {
    // misc-rules.md 5.4: an unversioned provide matches every constraint; a package may
    // satisfy its own depends.
    let problem = "package: a\nversion: 1\ndepends: f >= 3, a\n\n\
                   package: p\nversion: 1\nprovides: f\n\n\
                   request: r\ninstall: a\n";
    assert_valid(problem, &answer(&[("a", 1), ("p", 1)]));
}

#[test]
fn conflict_names_both_packages_and_the_matching_conflict() {
    // misc-rules.md 5.4.2: no vpkg of conflicts(p) satisfied by another installed package.
    let problem = "package: a\nversion: 1\nconflicts: b < 3\n\n\
                   package: b\nversion: 2\n\n\
                   package: b\nversion: 3\n\n\
                   request: r\n";
    assert_violations(
        problem,
        &answer(&[("a", 1), ("b", 2)]),
        &[(
            Kind::Conflict,
            "`a = 1` conflicts with `b = 2` (its conflict `b < 3` matches `b = 2`)",
        )],
    );
    assert_valid(problem, &answer(&[("a", 1), ("b", 3)]));
}

#[test]
fn conflict_through_a_provided_feature_says_so() {
    // misc-rules.md 5.4.2 and 7.8: conflicts are matched by providers too.
    let problem = "package: a\nversion: 1\nconflicts: f, g\n\n\
                   package: p\nversion: 1\nprovides: f = 2\n\n\
                   package: q\nversion: 1\nprovides: g\n\n\
                   request: r\n";
    assert_violations(
        problem,
        &answer(&[("a", 1), ("p", 1), ("q", 1)]),
        &[
            (
                Kind::Conflict,
                "`a = 1` conflicts with `p = 1` (its conflict `f` matches `p = 1`, through the feature `f = 2` it provides)",
            ),
            (
                Kind::Conflict,
                "`a = 1` conflicts with `q = 1` (its conflict `g` matches `q = 1`, through the feature `g` it provides)",
            ),
        ],
    );
}

#[test]
fn a_package_never_conflicts_with_itself_and_versions_may_coexist() {
    // misc-rules.md 5.4 (self-conflict rule) and 7.9: `a1 conflicts: a` forbids other versions
    // of a, not a1; a package may conflict with a feature it provides; without conflicts,
    // several versions of a name may be installed together.
    let problem = "package: a\nversion: 1\nconflicts: a, f\nprovides: f\n\n\
                   package: a\nversion: 2\n\n\
                   package: b\nversion: 1\n\n\
                   package: b\nversion: 2\n\n\
                   request: r\n";
    assert_valid(problem, &answer(&[("a", 1), ("b", 1), ("b", 2)]));
    assert_violations(
        problem,
        &answer(&[("a", 1), ("a", 2)]),
        &[(
            Kind::Conflict,
            "`a = 1` conflicts with `a = 2` (its conflict `a` matches `a = 2`)",
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// The request (misc-rules.md 5.5 items 2-4)

#[test]
fn install_not_satisfied() {
    // misc-rules.md 5.5.2: every install vpkg is satisfied.
    let problem = "package: a\nversion: 1\n\npackage: a\nversion: 2\n\n\
                   request: r\ninstall: a >= 2\n";
    assert_violations(
        problem,
        &answer(&[("a", 1)]),
        &[(
            Kind::InstallNotSatisfied,
            "the request installs `a >= 2`, but no installed package satisfies it",
        )],
    );
    assert_valid(problem, &answer(&[("a", 2)]));
}

#[test]
fn install_is_satisfied_by_a_provider() {
    // misc-rules.md 7.8: install is matched by providers too.
    let problem = "package: p\nversion: 1\nprovides: f = 3\n\nrequest: r\ninstall: f >= 2\n";
    assert_valid(problem, &answer(&[("p", 1)]));
}

#[test]
fn remove_not_satisfied_names_what_still_satisfies_it() {
    // misc-rules.md 5.5.3: no remove vpkg is satisfied, features included.
    let problem = "package: a\nversion: 1\ninstalled: true\n\n\
                   package: p\nversion: 1\nprovides: a = 1\n\n\
                   request: r\nremove: a\n";
    assert_violations(
        problem,
        &answer(&[("a", 1), ("p", 1)]),
        &[(
            Kind::RemoveNotSatisfied,
            "the request removes `a`, but `a = 1`, `p = 1` (which provides it) still satisfies it",
        )],
    );
    assert_violations(
        problem,
        &answer(&[("p", 1)]),
        &[(
            Kind::RemoveNotSatisfied,
            "the request removes `a`, but `p = 1` (which provides it) still satisfies it",
        )],
    );
    assert_valid(problem, "");
}

#[test]
fn upgrade_not_satisfied() {
    // misc-rules.md 5.5.4a: S satisfies (n, c).
    let problem = "package: a\nversion: 1\ninstalled: true\n\n\
                   package: a\nversion: 2\n\n\
                   request: r\nupgrade: a >= 2\n";
    assert_violations(
        problem,
        &answer(&[("a", 1)]),
        &[(
            Kind::UpgradeNotSatisfied,
            "the request upgrades `a >= 2`, but no installed package satisfies it",
        )],
    );
    assert_valid(problem, &answer(&[("a", 2)]));
}

#[test]
fn upgrade_not_unique_lists_the_versions() {
    // misc-rules.md 5.5.4b: exactly one version of n, real and provided versions counted.
    let problem = "package: a\nversion: 1\ninstalled: true\n\n\
                   package: a\nversion: 2\n\n\
                   package: p\nversion: 1\nprovides: a = 3\n\n\
                   request: r\nupgrade: a\n";
    assert_violations(
        problem,
        &answer(&[("a", 1), ("a", 2)]),
        &[(
            Kind::UpgradeNotUnique,
            "the request upgrades `a`, which needs exactly one version of `a` installed, but the answer has 1, 2",
        )],
    );
    assert_violations(
        problem,
        &answer(&[("a", 2), ("p", 1)]),
        &[(
            Kind::UpgradeNotUnique,
            "the request upgrades `a`, which needs exactly one version of `a` installed, but the answer has 2, 3",
        )],
    );
    assert_valid(problem, &answer(&[("a", 2)]));
}

#[test]
fn upgrade_to_an_unversioned_provider_is_not_unique() {
    // misc-rules.md 5.5.4b and 7.8: an unversioned provider is a failure ("not-unique").
    let problem = "package: a\nversion: 1\ninstalled: true\n\n\
                   package: p\nversion: 1\nprovides: a\n\n\
                   request: r\nupgrade: a\n";
    assert_violations(
        problem,
        &answer(&[("p", 1)]),
        &[(
            Kind::UpgradeNotUnique,
            "the request upgrades `a`, which needs exactly one version of `a` installed, but the answer has an unversioned provider",
        )],
    );
}

#[test]
fn upgrade_not_upgraded_names_the_older_initial_version() {
    // misc-rules.md 5.5.4c: the version is >= every version of n in the initial installation;
    // keeping the same version is allowed.
    let problem = "package: a\nversion: 1\n\n\
                   package: a\nversion: 2\ninstalled: true\n\n\
                   request: r\nupgrade: a\n";
    assert_violations(
        problem,
        &answer(&[("a", 1)]),
        &[(
            Kind::UpgradeNotUpgraded,
            "the request upgrades `a`, but the answer's version 1 of `a` is not >= the initially installed 2",
        )],
    );
    assert_valid(problem, &answer(&[("a", 2)]));
}

#[test]
fn upgrade_from_an_unversioned_provider_is_not_upgraded() {
    // misc-rules.md 5.5.4c: an unversioned provider in I leaves the initial version unknown.
    let problem = "package: p\nversion: 1\nprovides: a\ninstalled: true\n\n\
                   package: a\nversion: 5\n\n\
                   request: r\nupgrade: a\n";
    assert_violations(
        problem,
        &answer(&[("a", 5)]),
        &[(
            Kind::UpgradeNotUpgraded,
            "the request upgrades `a`, but the answer's version 5 of `a` is not >= the initially installed an unversioned provider",
        )],
    );
}

#[test]
fn upgrade_of_a_name_not_installed_is_install_plus_uniqueness() {
    // misc-rules.md 5.5.4: if n is not installed in I, upgrade behaves like install + uniqueness.
    let problem = "package: a\nversion: 1\n\npackage: a\nversion: 2\n\n\
                   request: r\nupgrade: a\n";
    assert_valid(problem, &answer(&[("a", 1)]));
    assert_violations(
        problem,
        "",
        &[(
            Kind::UpgradeNotSatisfied,
            "the request upgrades `a`, but no installed package satisfies it",
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// keep (misc-rules.md 5.5 item 5, 7.10)

#[test]
fn keep_version() {
    // misc-rules.md 5.5.5: `version`: (p.name, p.version) is installed in S.
    let problem = "package: a\nversion: 1\ninstalled: true\nkeep: version\n\n\
                   package: a\nversion: 2\n\n\
                   request: r\n";
    assert_violations(
        problem,
        &answer(&[("a", 2)]),
        &[(
            Kind::KeepVersion,
            "`a = 1` has `keep: version` but is not installed in the answer",
        )],
    );
    assert_valid(problem, &answer(&[("a", 1), ("a", 2)]));
}

#[test]
fn keep_package_counts_real_packages_only() {
    // misc-rules.md 5.5.5: `package`: some version of p.name is installed in S (real packages
    // only, features do not count).
    let problem = "package: a\nversion: 1\ninstalled: true\nkeep: package\n\n\
                   package: a\nversion: 2\n\n\
                   package: p\nversion: 1\nprovides: a\n\n\
                   request: r\n";
    assert_valid(problem, &answer(&[("a", 2)]));
    assert_violations(
        problem,
        &answer(&[("p", 1)]),
        &[(
            Kind::KeepPackage,
            "`a = 1` has `keep: package` but no version of `a` is installed in the answer",
        )],
    );
}

#[test]
fn keep_feature_is_satisfied_by_any_provider() {
    // misc-rules.md 5.5.5 and 7.10: `feature`: every feature in provides(p) is satisfied by S,
    // by any provider.
    let problem = "package: a\nversion: 1\ninstalled: true\nkeep: feature\nprovides: f = 2, g\n\n\
                   package: p\nversion: 1\nprovides: f = 2\n\n\
                   package: q\nversion: 1\nprovides: f = 3, g\n\n\
                   request: r\n";
    assert_valid(problem, &answer(&[("a", 1)]));
    assert_valid(problem, &answer(&[("p", 1), ("q", 1)]));
    assert_violations(
        problem,
        &answer(&[("q", 1)]),
        &[(
            Kind::KeepFeature,
            "`a = 1` has `keep: feature` but its feature `f = 2` is no longer provided by any installed package",
        )],
    );
    assert_violations(
        problem,
        "",
        &[
            (
                Kind::KeepFeature,
                "`a = 1` has `keep: feature` but its feature `f = 2` is no longer provided by any installed package",
            ),
            (
                Kind::KeepFeature,
                "`a = 1` has `keep: feature` but its feature `g` is no longer provided by any installed package",
            ),
        ],
    );
}

#[test]
fn keep_binds_only_packages_installed_initially() {
    // misc-rules.md 5.5.5 and 7.10: keep on uninstalled packages is ignored.
    let problem = "package: a\nversion: 1\nkeep: version\n\n\
                   package: b\nversion: 1\nkeep: package\n\n\
                   package: c\nversion: 1\nkeep: feature\nprovides: f\n\n\
                   request: r\n";
    assert_valid(problem, "");
}

// ---------------------------------------------------------------------------------------------
// Reading the answer (misc-rules.md 7.7)

#[test]
fn unknown_package_names_the_line() {
    // misc-rules.md 7.7: a (name, version) absent from the universe is a wrong solution.
    let problem = "package: a\nversion: 1\n\nrequest: r\ninstall: a\n";
    assert_violations(
        problem,
        "package: a\nversion: 1\ninstalled: true\n\npackage: a\nversion: 7\ninstalled: true\n",
        &[(
            Kind::UnknownPackage,
            "line 5: `a = 7` is installed in the answer but the problem's universe has no such package version",
        )],
    );
}

#[test]
fn duplicate_package_names_the_line() {
    // libCUDF refuses a solution that lists a (package, version) twice (misc-rules.md 5.1:
    // duplicate pairs are an error); we report it and judge the rest.
    let problem = "package: a\nversion: 1\n\nrequest: r\ninstall: a\n";
    assert_violations(
        problem,
        "package: a\nversion: 1\ninstalled: true\n\npackage: a\nversion: 1\ninstalled: true\n",
        &[(
            Kind::DuplicatePackage,
            "line 5: `a = 1` is listed more than once",
        )],
    );
}

#[test]
fn unparseable_answer_is_one_violation_with_the_parse_error() {
    // misc-rules.md 7.7: unparseable output is a wrong claimed solution.
    let problem = "package: a\nversion: 1\n\nrequest: r\ninstall: a\n";
    let text = "package: a\nversion: one\ninstalled: true\n";
    let doc = misc_cudf::parse_problem(problem).unwrap();
    let error = misc_cudf::parse_answer(text, &doc).expect_err("`version: one` does not parse");
    let report = judge(problem, text);
    assert_eq!(report.verdict, Verdict::Invalid);
    assert_eq!(
        violations(&report),
        [(Kind::Unparseable, error.to_string().as_str())]
    );
}

#[test]
fn not_installed_stanzas_are_ignored_with_a_warning() {
    // misc-rules.md 7.7: ignore stanzas whose `installed` is false or missing.
    let problem = "package: a\nversion: 1\n\npackage: b\nversion: 1\n\npackage: c\nversion: 1\n\n\
                   request: r\ninstall: a\nremove: b, c\n";
    let report = judge(
        problem,
        "package: a\nversion: 1\ninstalled: true\n\npackage: b\nversion: 1\ninstalled: false\n\n\
         package: c\nversion: 1\n",
    );
    assert_eq!(report.verdict, Verdict::Valid, "{report:?}");
    assert_eq!(
        report.warnings,
        ["2 stanza(s) without `installed: true` were ignored"]
    );
}

#[test]
fn fail_is_a_verdict_without_violations() {
    // misc-rules.md 7.7: `FAIL` on the first line means class 2.
    let report = judge("package: a\nversion: 1\n\nrequest: r\n", "FAIL\nno idea\n");
    assert_eq!(report.verdict, Verdict::Fail);
    assert!(report.violations.is_empty() && report.warnings.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Everything at once, and the initial installation (misc-rules.md 1.3, 7.1)

#[test]
fn every_violation_is_reported_not_only_the_first() {
    let problem = "package: a\nversion: 1\ninstalled: true\nkeep: version\ndepends: b\n\n\
                   package: b\nversion: 1\n\n\
                   package: c\nversion: 1\nconflicts: a\n\n\
                   request: r\ninstall: b\nremove: c\n";
    assert_violations(
        problem,
        &answer(&[("a", 1), ("c", 1)]),
        &[
            (
                Kind::UnsatisfiedDependency,
                "`a = 1` depends on `b`, which no installed package satisfies",
            ),
            (
                Kind::Conflict,
                "`c = 1` conflicts with `a = 1` (its conflict `a` matches `a = 1`)",
            ),
            (
                Kind::InstallNotSatisfied,
                "the request installs `b`, but no installed package satisfies it",
            ),
            (
                Kind::RemoveNotSatisfied,
                "the request removes `c`, but `c = 1` still satisfies it",
            ),
        ],
    );
    let report = judge(problem, &answer(&[("c", 1)]));
    assert_eq!(
        violations(&report),
        [
            (
                Kind::InstallNotSatisfied,
                "the request installs `b`, but no installed package satisfies it"
            ),
            (
                Kind::RemoveNotSatisfied,
                "the request removes `c`, but `c = 1` still satisfies it"
            ),
            (
                Kind::KeepVersion,
                "`a = 1` has `keep: version` but is not installed in the answer"
            ),
        ]
    );
}

#[test]
fn an_inconsistent_initial_installation_does_not_affect_the_judgement() {
    // misc-rules.md 1.3 and 7.1: judge S on its own consistency; check_initial reports on I
    // separately, as `cudf-check -cudf` does.
    let problem = "package: a\nversion: 1\ninstalled: true\ndepends: b\n\n\
                   package: b\nversion: 1\n\n\
                   request: r\n";
    let doc = misc_cudf::parse_problem(problem).unwrap();
    let initial: Vec<(Kind, String)> = misc_check::check_initial(&doc)
        .into_iter()
        .map(|v| (v.kind, v.message))
        .collect();
    assert_eq!(
        initial,
        [(
            Kind::UnsatisfiedDependency,
            "`a = 1` depends on `b`, which no installed package satisfies".to_string()
        )]
    );
    assert_valid(problem, &answer(&[("a", 1), ("b", 1)]));
    assert_valid(problem, "");
}

/// The test above that pins each kind's explanation: a new kind does not compile here until
/// it has one.
fn tested_by(kind: Kind) -> &'static str {
    match kind {
        Kind::Unparseable => "unparseable_answer_is_one_violation_with_the_parse_error",
        Kind::UnknownPackage => "unknown_package_names_the_line",
        Kind::DuplicatePackage => "duplicate_package_names_the_line",
        Kind::UnsatisfiedDependency => "unsatisfied_dependency_names_the_package_and_the_clause",
        Kind::Conflict => "conflict_names_both_packages_and_the_matching_conflict",
        Kind::InstallNotSatisfied => "install_not_satisfied",
        Kind::RemoveNotSatisfied => "remove_not_satisfied_names_what_still_satisfies_it",
        Kind::UpgradeNotSatisfied => "upgrade_not_satisfied",
        Kind::UpgradeNotUnique => "upgrade_not_unique_lists_the_versions",
        Kind::UpgradeNotUpgraded => "upgrade_not_upgraded_names_the_older_initial_version",
        Kind::KeepVersion => "keep_version",
        Kind::KeepPackage => "keep_package_counts_real_packages_only",
        Kind::KeepFeature => "keep_feature_is_satisfied_by_any_provider",
    }
}

#[test]
fn every_kind_has_a_stable_name_and_a_test() {
    // The names records and JSON carry (misc-results' ViolationRecord.kind).
    let kinds = [
        (Kind::Unparseable, "unparseable"),
        (Kind::UnknownPackage, "unknown-package"),
        (Kind::DuplicatePackage, "duplicate-package"),
        (Kind::UnsatisfiedDependency, "unsatisfied-dependency"),
        (Kind::Conflict, "conflict"),
        (Kind::InstallNotSatisfied, "install-not-satisfied"),
        (Kind::RemoveNotSatisfied, "remove-not-satisfied"),
        (Kind::UpgradeNotSatisfied, "upgrade-not-satisfied"),
        (Kind::UpgradeNotUnique, "upgrade-not-unique"),
        (Kind::UpgradeNotUpgraded, "upgrade-not-upgraded"),
        (Kind::KeepVersion, "keep-version"),
        (Kind::KeepPackage, "keep-package"),
        (Kind::KeepFeature, "keep-feature"),
    ];
    let this_file = include_str!("violations.rs");
    for (kind, name) in kinds {
        assert!(this_file.contains(&format!("fn {}()", tested_by(kind))));
        assert_eq!(kind.as_str(), name);
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::Value::String(name.into())
        );
    }
}
