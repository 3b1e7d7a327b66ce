//! Run records, the round manifest, and the append-only results store.
//!
//! These are the only types of the harness that are serialized. Everything downstream of a run
//! (scores, reports, re-scoring with other rules) is computed from [`RunRecord`]s and the
//! [`Manifest`] alone.
//!
//! # The store
//!
//! A round's results live in `results/runs.jsonl`: one JSON object per judged run, one per line.
//! [`Store::append`] writes each record with a single `write(2)` on a file opened with
//! `O_APPEND` and then `fsync`s it, so a record is either wholly on disk or (after a crash in the
//! middle of the write) a torn last line without a newline. [`Store::load`] ignores such a torn
//! line and reports it; the next append first terminates it so that the file stays parseable.
#![warn(missing_docs)]

mod record;
mod size;
mod store;

pub use misc_vocab::{
    compare, AnswerReading, Clock, Outcome, Rules, Semantics, Sense, TieBreak, TimeFigure,
    UnknownName, ViolationKind,
};
pub use record::{
    ExcludedProblem, Limits, Manifest, Objective, Readings, RunKey, RunRecord, SolverLogs,
    Termination, TrackInfo, ViolationRecord, LOG_TAIL_BYTES,
};
pub use size::{format_size, parse_size};
pub use store::{LoadReport, Store, StoreError};

/// The version of the harness, recorded in every record and manifest.
pub const HARNESS_VERSION: &str = env!("CARGO_PKG_VERSION");
