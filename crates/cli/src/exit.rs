//! The exit codes of `misc`, in one place (README.md "Exit codes" repeats this table).
//!
//! | code | meaning |
//! |---:|---|
//! | 0 | success: the answer is a solution; the problem is well-formed; the command did its job |
//! | 1 | `misc check`: the answer is not a solution (FAIL, unparseable, or violations) |
//! | 2 | usage error, unreadable or unparseable PROBLEM, or a bad round definition |
//! | 3 | the command could not finish (IO error, solver missing, cluster failure) |
//!
//! `misc exec` exits with the measured command's own exit code when it exited, and with
//! 128 + signal when a signal or a limit ended it, like a shell.

/// Success.
pub const OK: i32 = 0;
/// `misc check`: not a solution.
pub const NOT_A_SOLUTION: i32 = 1;
/// Usage error, unparseable problem, or bad definition.
pub const USAGE: i32 = 2;
/// Could not finish.
pub const FAILURE: i32 = 3;
