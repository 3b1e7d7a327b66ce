//! Solvers for tests and demos (`misc-naive`, `misc-hostile`), and `misc-wrap`, the MISC
//! protocol wrapper of the entrants that do not speak the MISC criteria language themselves
//! (mccs, packup): [`wrap`] holds its translation tables.
#![warn(missing_docs)]

pub mod wrap;
