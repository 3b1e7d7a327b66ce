//! Decides whether a CUDF solution solves a CUDF problem, reporting every violation as a value.
