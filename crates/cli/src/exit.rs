//! The one error type of `misc` and its exit codes (README.md "Exit codes" repeats this table).
//!
//! Every command returns `Result<(), CliError>`; [`CliError::exit_code`] is the only place that
//! maps an outcome to an exit code (the pattern of nextest's `ExpectedError`), and `main` the
//! only place that prints an error and exits.
//!
//! | code | meaning |
//! |---:|---|
//! | 0 | success: the answer is a solution; the problem is well-formed; the command did its job (also when its reader closed standard output, as with `\| head`) |
//! | 1 | `misc check`: the answer is not a solution (FAIL, unparseable, or violations) |
//! | 2 | usage error, unreadable or unparseable PROBLEM, or a bad round definition |
//! | 3 | the command could not finish (IO error, solver missing, cluster failure) |
//! | 129, 130, 143 | stopped by SIGHUP, SIGINT (Ctrl-C) or SIGTERM (128 + the signal): `misc run` and `misc exec` kill what they started, record nothing partial, and say how to resume |
//!
//! `misc exec` exits with the measured command's own exit code when it exited, and with
//! 128 + signal when a signal or a limit ended it, like a shell.

use std::fmt;

/// Success.
pub const OK: i32 = 0;
/// `misc check`: not a solution.
pub const NOT_A_SOLUTION: i32 = 1;
/// Usage error, unparseable problem, or bad definition.
pub const USAGE: i32 = 2;
/// Could not finish.
pub const FAILURE: i32 = 3;
/// Added to a signal's number for "stopped by this signal" (as shells do).
pub const SIGNAL_BASE: i32 = 128;

/// Why a command did not simply succeed.
#[derive(Debug)]
pub enum CliError {
    /// The command line, or an input the user named (a PROBLEM, a round definition, a
    /// selection), is wrong: exit 2, with the message.
    Usage(anyhow::Error),
    /// The command could not finish (IO error, solver missing, cluster failure): exit 3, with
    /// the message.
    Failed(anyhow::Error),
    /// The command did not finish all of its work and has already said what is missing (e.g.
    /// `misc run` with runs the harness could not do): exit 3, no further message.
    Incomplete,
    /// `misc check`: the answer is not a solution (the report says why): exit 1.
    NotASolution,
    /// `misc exec`: the measured command's own exit status (reported already).
    Command(i32),
    /// A signal (SIGINT, SIGTERM, SIGHUP) stopped the command, which has reported what it
    /// finished: exit 128 + signal (130, 143, 129), as shells report it.
    Interrupted(i32),
    /// The reader of standard output went away (`misc score R | head -1`): stop printing and
    /// exit quietly with 0, as ripgrep does.
    StdoutClosed,
}

impl CliError {
    /// A usage error with this message.
    pub fn usage(message: impl fmt::Display) -> CliError {
        CliError::Usage(anyhow::anyhow!("{message}"))
    }

    /// The process exit code for this outcome: the only place where outcomes become codes.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => USAGE,
            CliError::Failed(_) | CliError::Incomplete => FAILURE,
            CliError::NotASolution => NOT_A_SOLUTION,
            CliError::Command(code) => *code,
            CliError::Interrupted(signal) => SIGNAL_BASE + signal,
            CliError::StdoutClosed => OK,
        }
    }

    /// The message for stderr, if this outcome has one that was not reported yet.
    pub fn message(&self) -> Option<String> {
        match self {
            CliError::Usage(e) | CliError::Failed(e) => Some(format!("error: {}", chain(e))),
            _ => None,
        }
    }
}

/// An error and its causes, `: `-separated, leaving out a cause whose text the message already
/// holds (an error type that prints its source would otherwise say it twice).
fn chain(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// An error that reached the top: a closed standard output if that is what it is (see
/// [`crate::out`]), else a failure (exit 3).
impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        if crate::out::is_stdout_closed(&e) {
            CliError::StdoutClosed
        } else {
            CliError::Failed(e)
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::from(anyhow::Error::from(e))
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> CliError {
        // serde_json keeps the io::Error of a failed write as its source.
        match e.io_error_kind() {
            Some(kind) => CliError::from(std::io::Error::new(kind, e)),
            None => CliError::Failed(e.into()),
        }
    }
}

impl From<misc_round::RoundError> for CliError {
    fn from(e: misc_round::RoundError) -> CliError {
        CliError::Failed(e.into())
    }
}

/// Marks the error of a fallible step as a usage error (exit 2) instead of a failure.
pub trait UsageExt<T> {
    /// `Err(e)` becomes [`CliError::Usage`].
    fn or_usage(self) -> Result<T, CliError>;
}

impl<T, E: Into<anyhow::Error>> UsageExt<T> for Result<T, E> {
    fn or_usage(self) -> Result<T, CliError> {
        self.map_err(|e| CliError::Usage(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_code() {
        assert_eq!(CliError::usage("x").exit_code(), 2);
        assert_eq!(CliError::Failed(anyhow::anyhow!("x")).exit_code(), 3);
        assert_eq!(CliError::Incomplete.exit_code(), 3);
        assert_eq!(CliError::NotASolution.exit_code(), 1);
        assert_eq!(CliError::Command(7).exit_code(), 7);
        assert_eq!(CliError::Interrupted(2).exit_code(), 130);
        assert_eq!(CliError::Interrupted(15).exit_code(), 143);
        assert_eq!(CliError::Interrupted(1).exit_code(), 129);
        assert_eq!(CliError::StdoutClosed.exit_code(), 0);
        assert!(CliError::StdoutClosed.message().is_none());
        assert_eq!(
            CliError::usage("bad").message().as_deref(),
            Some("error: bad")
        );
    }

    #[test]
    fn a_cause_is_said_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("x.toml: {0}")]
        struct Outer(#[source] std::io::Error);
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = anyhow::Error::from(Outer(io)).context("loading the round");
        assert_eq!(
            CliError::Failed(e).message().as_deref(),
            Some("error: loading the round: x.toml: no such file")
        );
    }
}
