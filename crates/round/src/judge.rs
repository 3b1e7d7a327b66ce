//! Classifying a finished run: abort, fail, solved or wrong (see the crate docs).

use misc_criteria::Semantics;
use misc_cudf::Document;
use misc_results::{Outcome, Readings, Termination, ViolationKind, ViolationRecord};

/// How the solver's process tree ended, as far as judging is concerned. Built from a fresh
/// measurement, or from a stored record when rejudging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    /// Why the process tree ended: by itself, by a signal, or at a limit.
    pub termination: Termination,
    /// The main process's exit status, when it exited by itself.
    pub exit_code: Option<i32>,
    /// The signal number that killed the main process, when one did.
    pub signal: Option<i32>,
}

/// The solver's output file, as found after the run.
#[derive(Debug, Clone, Copy)]
pub enum Output<'a> {
    /// No file at the output path.
    Missing,
    /// The file's bytes (decompressed if it was compressed).
    Bytes(&'a [u8]),
}

/// The verdict on a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The outcome class (misc-rules.md 1.1).
    pub outcome: Outcome,
    /// The criteria vector under the track's reading (for `solved`).
    pub criteria: Option<Vec<i64>>,
    /// The criteria vector under both readings (for `solved`).
    pub readings: Option<Readings>,
    /// What the checker found wrong (for `wrong`).
    pub violations: Vec<ViolationRecord>,
    /// One line of explanation.
    pub detail: String,
}

impl Judgement {
    fn abort(detail: String) -> Judgement {
        Judgement {
            outcome: Outcome::Abort,
            criteria: None,
            readings: None,
            violations: Vec::new(),
            detail,
        }
    }
}

/// Whether the output file is read at all for this ending: not after a limit, a signal or a
/// failed start (the run is an abort whatever the file says).
pub fn reads_output(ending: &Ending) -> bool {
    ending.termination == Termination::Exited
}

/// Judges a run. `problem` and `criteria` are the problem and the track's criteria resolved
/// against it. `run_detail` is the runner's explanation, used for aborts.
pub fn judge(
    ending: &Ending,
    output: Output<'_>,
    problem: &Document<'_>,
    criteria: &misc_criteria::Resolved<'_, '_>,
    semantics: Semantics,
    reading: misc_cudf::AnswerReading,
    run_detail: &str,
) -> Judgement {
    let why = |s: &str| {
        if run_detail.is_empty() {
            s.to_string()
        } else {
            format!("{s}: {run_detail}")
        }
    };
    match ending.termination {
        Termination::Exited => {}
        Termination::Signalled => {
            return Judgement::abort(match ending.signal {
                Some(10) => why("killed by the warning signal SIGUSR1 (not handled)"),
                Some(s) => why(&format!("crashed (signal {s})")),
                None => why("crashed (signal)"),
            });
        }
        Termination::FailedToStart => return Judgement::abort(why("could not start")),
        t => return Judgement::abort(why(&format!("{t}"))),
    }
    let code = ending.exit_code.unwrap_or(0);
    let note = if code == 0 {
        String::new()
    } else {
        format!(" (the solver exited with code {code})")
    };
    let bytes = match output {
        Output::Missing => {
            return Judgement::abort(format!("no output file{note}"));
        }
        Output::Bytes(b) => b,
    };
    if code != 0 && bytes.iter().all(u8::is_ascii_whitespace) {
        return Judgement::abort(format!("empty output{note}"));
    }
    let wrong = |kind: ViolationKind, message: String| Judgement {
        outcome: Outcome::Wrong,
        criteria: None,
        readings: None,
        violations: vec![ViolationRecord {
            kind,
            message: message.clone(),
        }],
        detail: format!("unparseable output: {message}{note}"),
    };
    // Read exactly as libCUDF's cudf-check reads it (misc-rules.md 7.12), unless the round
    // asks for the lenient reading (`answers = "lenient"`).
    let answer = match misc_cudf::parse_answer_bytes(bytes, problem, reading) {
        Ok(a) => a,
        Err(e) => return wrong(ViolationKind::Unparseable, e.in_file("output").to_string()),
    };
    let report = misc_check::check_answer(problem, &answer);
    match (report.verdict, &answer) {
        (misc_check::Verdict::Fail, misc_cudf::Answer::Fail { reason }) => Judgement {
            outcome: Outcome::Fail,
            criteria: None,
            readings: None,
            violations: Vec::new(),
            detail: if reason.is_empty() {
                format!("FAIL{note}")
            } else {
                let first = reason.lines().next().unwrap_or("");
                format!("FAIL: {}{note}", truncate(first, 200))
            },
        },
        (misc_check::Verdict::Valid, misc_cudf::Answer::Solution(sol)) => {
            // Both readings, always (misc-rules.md 3.4, 7.11): scoring picks one.
            let readings = Readings {
                name: criteria.evaluate(&sol.installed, Semantics::Name),
                pair: criteria.evaluate(&sol.installed, Semantics::Pair),
            };
            Judgement {
                outcome: Outcome::Solved,
                criteria: Some(readings.get(semantics).to_vec()),
                readings: Some(readings),
                violations: Vec::new(),
                detail: format!("valid solution{note}"),
            }
        }
        _ => {
            let violations: Vec<ViolationRecord> = report
                .violations
                .iter()
                .map(|v| ViolationRecord {
                    kind: v.kind,
                    message: v.message.clone(),
                })
                .collect();
            let first = violations
                .first()
                .map_or(String::from("not a solution"), |v| {
                    truncate(&v.message, 200)
                });
            Judgement {
                outcome: Outcome::Wrong,
                detail: format!("{} violation(s), first: {first}{note}", violations.len()),
                criteria: None,
                readings: None,
                violations,
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "package: a\nversion: 1\ninstalled: true\n\npackage: b\nversion: 1\n\
                     conflicts: a\n\nrequest: r\ninstall: b\n";

    fn j(ending: Ending, out: Option<&str>) -> Judgement {
        let doc = misc_cudf::parse_problem(P).unwrap();
        let c = misc_criteria::parse_criteria("paranoid").unwrap();
        let r = misc_criteria::resolve(&c, &doc).unwrap();
        let output = out.map_or(Output::Missing, |s| Output::Bytes(s.as_bytes()));
        judge(
            &ending,
            output,
            &doc,
            &r,
            Semantics::Name,
            misc_cudf::AnswerReading::Exact,
            "",
        )
    }

    fn exited(code: i32) -> Ending {
        Ending {
            termination: Termination::Exited,
            exit_code: Some(code),
            signal: None,
        }
    }

    const SOL: &str = "package: b\nversion: 1\ninstalled: true\n";

    #[test]
    fn classes() {
        let s = j(exited(0), Some(SOL));
        assert_eq!((s.outcome, s.criteria), (Outcome::Solved, Some(vec![1, 2])));
        let f = j(exited(0), Some("\nFAIL\nno way\n"));
        assert_eq!(f.outcome, Outcome::Fail);
        assert_eq!(f.detail, "FAIL: no way");
        let w = j(exited(0), Some("package: a\nversion: 1\ninstalled: true\n"));
        assert_eq!(w.outcome, Outcome::Wrong);
        assert_eq!(w.violations[0].kind, ViolationKind::InstallNotSatisfied);
        let g = j(exited(0), Some("\u{1}garbage: ::"));
        assert_eq!(g.outcome, Outcome::Wrong);
        assert_eq!(g.violations[0].kind, ViolationKind::Unparseable);
        let bin = {
            let doc = misc_cudf::parse_problem(P).unwrap();
            let c = misc_criteria::parse_criteria("paranoid").unwrap();
            let r = misc_criteria::resolve(&c, &doc).unwrap();
            judge(
                &exited(0),
                Output::Bytes(&[0xff, 0xfe]),
                &doc,
                &r,
                Semantics::Name,
                misc_cudf::AnswerReading::Exact,
                "",
            )
        };
        assert_eq!(bin.outcome, Outcome::Wrong);
        assert_eq!(j(exited(0), None).outcome, Outcome::Abort);
    }

    /// A round's `answers = "lenient"` reads CRLF answers (misc-rules.md 7.12: the organisers'
    /// checker did not); the default reading makes them wrong.
    #[test]
    fn the_reading_is_the_rounds() {
        let doc = misc_cudf::parse_problem(P).unwrap();
        let c = misc_criteria::parse_criteria("paranoid").unwrap();
        let r = misc_criteria::resolve(&c, &doc).unwrap();
        let crlf = SOL.replace('\n', "\r\n");
        let with = |reading| {
            judge(
                &exited(0),
                Output::Bytes(crlf.as_bytes()),
                &doc,
                &r,
                Semantics::Name,
                reading,
                "",
            )
        };
        let exact = with(misc_cudf::AnswerReading::Exact);
        assert_eq!(exact.outcome, Outcome::Wrong);
        assert_eq!(exact.violations[0].kind, ViolationKind::Unparseable);
        let lenient = with(misc_cudf::AnswerReading::Lenient);
        assert_eq!(lenient.outcome, Outcome::Solved);
        assert_eq!(lenient.criteria, Some(vec![1, 2]));
    }

    #[test]
    fn limits_and_crashes_are_aborts_whatever_the_output() {
        for t in [
            Termination::CpuLimit,
            Termination::WallLimit,
            Termination::MemoryLimit,
            Termination::OutputLimit,
        ] {
            let e = Ending {
                termination: t,
                exit_code: None,
                signal: Some(9),
            };
            let r = j(e, Some(SOL));
            assert_eq!(r.outcome, Outcome::Abort);
            assert!(r.detail.starts_with(t.as_str()));
        }
        let seg = Ending {
            termination: Termination::Signalled,
            exit_code: None,
            signal: Some(11),
        };
        assert_eq!(j(seg, Some(SOL)).outcome, Outcome::Abort);
    }

    #[test]
    fn a_non_zero_exit_judges_the_file_and_notes_the_code() {
        let s = j(exited(3), Some(SOL));
        assert_eq!(s.outcome, Outcome::Solved);
        assert!(s.detail.contains("code 3"));
        assert_eq!(j(exited(1), Some("  \n")).outcome, Outcome::Abort);
        assert_eq!(j(exited(1), Some("FAIL\n")).outcome, Outcome::Fail);
        // An empty file after a normal exit claims the empty installation.
        assert_eq!(j(exited(0), Some("")).outcome, Outcome::Wrong);
    }
}
