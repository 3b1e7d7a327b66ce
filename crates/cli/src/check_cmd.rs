//! `misc check`: validate a problem, judge a solution, evaluate criteria.

use std::io::Write;
use std::path::PathBuf;

use misc_check::{Report, Verdict, Violation};
use misc_cudf::Document;
use serde::Serialize;

use crate::exit::{CliError, UsageExt};
use crate::out::note;

/// Validate a CUDF problem, or decide whether an answer solves it.
///
/// With PROBLEM alone: check its syntax, types and declared properties, and report whether the
/// initial installation is consistent (an inconsistent one is reported, not an error).
/// With SOLUTION too: decide whether SOLUTION solves PROBLEM and list every violation.
/// Inputs may be plain or compressed (.gz, .bz2, .xz, detected by content).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The CUDF problem (universe, installation and request).
    pub problem: PathBuf,
    /// A solver's answer: package stanzas, or FAIL on the first line.
    pub solution: Option<PathBuf>,
    /// Also evaluate these optimisation criteria on a valid solution (e.g. `paranoid`,
    /// `trendy`, `-removed,-changed`, `-count(new),+sum(solution,size)`).
    #[arg(long, requires = "solution", allow_hyphen_values = true)]
    pub criteria: Option<String>,
    /// How criteria count: `name` (MISC 2010/2011, a version switch is one change) or `pair`
    /// (MISC 2012 / aspcud, (name, version) pairs). Default: pair.
    #[arg(long, value_enum, requires = "criteria")]
    pub semantics: Option<misc_vocab::Semantics>,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Read SOLUTION leniently: CRLF line ends, `name:value` (no space after the colon or a tab),
    /// no line end after the last line and bytes that are not UTF-8 are accepted. By default an
    /// answer is read exactly as libCUDF's cudf-check (the MISC organisers' checker) reads it,
    /// and whatever cudf-check rejects makes the answer wrong (misc-rules.md 7.12).
    #[arg(long, requires = "solution")]
    pub lenient_answers: bool,
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    problem: String,
    packages: usize,
    installed: usize,
    initial_consistent: bool,
    initial_violations: &'a [Violation],
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    violations: Option<&'a [Violation]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fail_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    criteria: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    criteria_labels: Option<Vec<String>>,
}

pub fn run(args: CheckArgs) -> Result<(), CliError> {
    let input = crate::input::read_input(&args.problem, crate::input::Mapping::Large).or_usage()?;
    let problem = misc_cudf::parse_problem_bytes(input.bytes())
        .map_err(|e| CliError::usage(e.in_file(args.problem.display().to_string())))?;
    // What libCUDF would read differently (or refuse): warnings, the problem is still read.
    for w in &problem.warnings {
        note!(
            "warning: {}",
            w.clone().in_file(args.problem.display().to_string())
        );
    }
    let code = check(&args, &problem);
    // The process exits next: leave the (large) document and its text to the OS instead of
    // freeing them piece by piece.
    std::mem::forget(problem);
    std::mem::forget(input);
    code
}

/// Checks the problem, and the answer if there is one; prints the outcome.
fn check(args: &CheckArgs, problem: &Document<'_>) -> Result<(), CliError> {
    let initial = misc_check::check_initial(problem);
    let installed = problem.packages.iter().filter(|p| p.installed).count();
    let mut json = ProblemJson {
        problem: args.problem.display().to_string(),
        packages: problem.packages.len(),
        installed,
        initial_consistent: initial.is_empty(),
        initial_violations: &initial,
        verdict: None,
        violations: None,
        warnings: None,
        fail_reason: None,
        criteria: None,
        criteria_labels: None,
    };
    // A bad criteria string, semantics or property is a usage error, whatever the answer.
    let criteria = parse_criteria_args(args, problem).map_err(CliError::usage)?;
    let out = &mut crate::out::stdout();
    let Some(solution_path) = &args.solution else {
        if args.json {
            print_json(out, &json)?;
        } else {
            print_problem_summary(out, problem, &json)?;
        }
        return Ok(());
    };
    // A SOLUTION path that names no readable file is a mistake on the command line (exit 2),
    // not a wrong answer.
    solution_readable(solution_path)?;
    let reading = if args.lenient_answers {
        misc_cudf::AnswerReading::Lenient
    } else {
        misc_cudf::AnswerReading::Exact
    };
    let (report, answer) = judge_file(problem, solution_path, reading);
    let fail_reason = match &answer {
        Some(misc_cudf::Answer::Fail { reason }) => Some(reason.clone()),
        _ => None,
    };
    json.verdict = Some(report.verdict);
    json.violations = Some(&report.violations);
    json.warnings = Some(&report.warnings);
    json.fail_reason = fail_reason.as_deref();
    if let (Some((resolved, semantics)), Verdict::Valid, Some(misc_cudf::Answer::Solution(s))) =
        (&criteria, report.verdict, &answer)
    {
        json.criteria = Some(resolved.evaluate(&s.installed, *semantics));
        json.criteria_labels = Some(resolved.criteria().labels());
    }
    if args.json {
        print_json(out, &json)?;
    } else {
        print_problem_summary(out, problem, &json)?;
        print_report(out, &report, fail_reason.as_deref())?;
        if let (Some(values), Some(labels), Some((_, semantics))) =
            (&json.criteria, &json.criteria_labels, &criteria)
        {
            writeln!(out, "criteria ({semantics} semantics):")?;
            for (label, value) in labels.iter().zip(values) {
                writeln!(out, "  {label} = {value}")?;
            }
        }
    }
    match report.verdict {
        Verdict::Valid => Ok(()),
        Verdict::Invalid | Verdict::Fail => Err(CliError::NotASolution),
    }
}

/// Parses `--criteria` and `--semantics` (default: pair) and checks the criteria's properties
/// against the problem; the error message quotes the criteria with a caret.
fn parse_criteria_args<'d, 'a>(
    args: &CheckArgs,
    problem: &'d Document<'a>,
) -> Result<Option<(misc_criteria::Resolved<'d, 'a>, misc_criteria::Semantics)>, String> {
    let Some(text) = &args.criteria else {
        return Ok(None);
    };
    let semantics = args.semantics.unwrap_or(misc_criteria::Semantics::Pair);
    let criteria = misc_criteria::parse_criteria(text).map_err(|e| e.to_string())?;
    let resolved = misc_criteria::resolve(&criteria, problem).map_err(|e| e.to_string())?;
    Ok(Some((resolved, semantics)))
}

/// Fails with a usage error when `path` is missing, a directory, or cannot be opened.
fn solution_readable(path: &std::path::Path) -> Result<(), CliError> {
    let cannot = |e: std::io::Error| {
        CliError::usage(format!("cannot read SOLUTION {}: {e}", path.display()))
    };
    if std::fs::metadata(path).map_err(cannot)?.is_dir() {
        return Err(CliError::usage(format!(
            "SOLUTION {} is a directory, not an answer file",
            path.display()
        )));
    }
    std::fs::File::open(path).map_err(cannot)?;
    Ok(())
}

/// Reads, parses and checks an answer file, returning the report and the parsed answer. An
/// unreadable or unparseable answer is a report with an `unparseable` violation, never an error.
fn judge_file(
    problem: &Document<'_>,
    path: &std::path::Path,
    reading: misc_cudf::AnswerReading,
) -> (Report, Option<misc_cudf::Answer>) {
    // The error and its causes, each said once ("lzma data error" is both the decoder's
    // message and its source's).
    let unreadable = |e: anyhow::Error| {
        let mut text = e.to_string();
        for cause in e.chain().skip(1).map(|c| c.to_string()) {
            if !text.contains(&cause) {
                text.push_str(": ");
                text.push_str(&cause);
            }
        }
        (misc_check::unparseable(text), None)
    };
    let input = match crate::input::read_input(path, crate::input::Mapping::Never) {
        Ok(input) => input,
        Err(e) => return unreadable(e),
    };
    match misc_cudf::parse_answer_bytes(input.bytes(), problem, reading) {
        Err(e) => (
            misc_check::unparseable(e.in_file(path.display().to_string()).to_string()),
            None,
        ),
        Ok(answer) => (misc_check::check_answer(problem, &answer), Some(answer)),
    }
}

fn print_json(out: &mut impl Write, value: &impl Serialize) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

fn print_problem_summary(
    out: &mut impl Write,
    problem: &Document<'_>,
    json: &ProblemJson<'_>,
) -> std::io::Result<()> {
    let request = problem.request.as_ref();
    let count = |f: fn(&misc_cudf::Request) -> misc_cudf::VpkgList| {
        request.map_or(0, |r| problem.vpkgs(f(r)).len())
    };
    writeln!(
        out,
        "{}: well-formed, {} packages ({} installed), request: install {}, remove {}, upgrade {}",
        json.problem,
        json.packages,
        json.installed,
        count(|r| r.install),
        count(|r| r.remove),
        count(|r| r.upgrade),
    )?;
    if json.initial_consistent {
        writeln!(out, "initial installation: consistent")?;
    } else {
        writeln!(
            out,
            "initial installation: inconsistent ({} problem(s); a solution must still be consistent)",
            json.initial_violations.len()
        )?;
        for v in json.initial_violations {
            writeln!(out, "  - {}", v.message)?;
        }
    }
    Ok(())
}

fn print_report(
    out: &mut impl Write,
    report: &Report,
    fail_reason: Option<&str>,
) -> std::io::Result<()> {
    match report.verdict {
        Verdict::Valid => writeln!(out, "verdict: valid (the answer is a solution)")?,
        Verdict::Fail => match fail_reason {
            Some(r) if !r.is_empty() => {
                writeln!(out, "verdict: fail (the solver answered FAIL: {r})")?
            }
            _ => writeln!(out, "verdict: fail (the solver answered FAIL)")?,
        },
        Verdict::Invalid => {
            writeln!(
                out,
                "verdict: invalid ({} violation(s))",
                report.violations.len()
            )?;
            for v in &report.violations {
                writeln!(out, "  - [{}] {}", v.kind.as_str(), v.message)?;
            }
        }
    }
    for w in &report.warnings {
        note!("warning: {w}");
    }
    Ok(())
}
