//! Test solvers.
#![warn(missing_docs)]
