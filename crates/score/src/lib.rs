//! The MISC point rules and tie-break rules as pure functions from run records to rankings.
