//! Test solvers.
