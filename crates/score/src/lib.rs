//! The MISC point rules and tie-break rules as pure functions from run records to rankings.
//!
//! [`score`] takes the tracks of a round's manifest, the round's [`RunRecord`]s and the
//! [`ScoreOptions`], and returns [`Scores`]: per track a ranking, the same per category, and
//! every solver's points on every problem with the reason. Nothing is run and nothing is read:
//! re-scoring a round under another edition's rules or another tie-break is one call.
//! Section numbers (§) refer to `misc-rules.md`.
//!
//! # Points on one problem (§1)
//!
//! Let `m` be the number of solvers *entered* in the track (§7.4: those that crashed, and those
//! that have no record yet, count too).
//!
//! * A valid solution scores `1 + the number of valid solutions strictly better`, comparing
//!   criteria vectors lexicographically under the track's senses (§1.2, §3.5). Equal vectors
//!   share points, so four solvers where `s1` is best, `s2` and `s3` are equal and `s4` is worst
//!   score 1, 2, 2, 4. A valid solution never scores more than `m`.
//! * `misc2011` and `misc2012`: no solution (FAIL, timeout, crash, out of memory) scores `2m`,
//!   a wrong solution `3m`. `misc2010`: FAIL `2m`, abort `3m`, wrong `4m` (§1.1, §7.5).
//! * A problem without solution gives every FAIL `2m` too: no special award (§1.3, §7.2).
//! * A pair (entered solver, problem) with no record is *missing*: by default it scores as a
//!   FAIL (`2m`), is counted in `missing`, and is charged a full time limit like any other
//!   problem without a valid solution. [`MissingRuns`] can score it as an abort or refuse to
//!   rank an incomplete track.
//!
//! # Totals, ranks and the tie-break (§2)
//!
//! A solver's score is the sum of its points over the track's problems; the lowest wins.
//! Ranks are competition ranks by score (1, 2, 2, 4), with one exception, as MISC did: when
//! several solvers share the best score, the tie-break picks the winner. The solver(s) with the
//! smallest tie-break value rank 1 (with `winner_by_tie_break`), the rest of that group ranks
//! `1 + the number of winners`. Places below first are never ordered by time. Within a rank,
//! entries are listed by solver name. Every entry reports the MISC `success_time` and the chosen
//! tie-break's value, whatever the rank.
//!
//! The MISC tie-break (`success-time`) is the sum of CPU times over the solver's valid
//! solutions, plus the CPU-time limit for every other problem (FAIL, abort, wrong, missing).
//! With a 300 s limit, 20 problems without a solution cost 6000 s: the `160 (6000.00)` of
//! p2cudf-user-1.13 in the MISC 2011 results (§2, "Evidence").
//!
//! The limit charged is the one recorded in the run's own record (`limits.cpu_time`, and
//! `limits.wall_time` for the wall-clock figures); a missing run is charged the track's
//! ([`misc_results::TrackInfo::cpu_time_limit`], [`misc_results::TrackInfo::limits`]).
//! Tracks may have different limits (MISC 2012: "Breaking ties: the time limit now depends on
//! the track"), and a track whose records carry different limits (its definition changed
//! between runs) is reported in [`TrackScores::record_limits`] and
//! [`TrackScores::limits_warning`].
//!
//! The alternatives ([`TieBreak`]) are `none`, `solved-time`, `common-time`, `par2` and
//! wall-clock variants of each; `exclude_unsolved` leaves problems that no solver solved out
//! of every time figure. Times are summed in whole microseconds, so the figures do not depend
//! on the order of the records.
//!
//! # Example
//!
//! Three solvers, one problem `p` with criterion `-removed`, MISC 2011 rules (`m = 3`):
//! `a` removes 0 packages, `b` removes 0, `c` says FAIL. Then `a` and `b` score 1 and `c` scores
//! `2m = 6`. Had `b` removed 2, it would score 2 (`a` is strictly better).
//!
//! ```
//! use misc_results::{Limits, Objective, Outcome, RunRecord, Sense, Termination, TrackInfo};
//! use misc_score::{score, ScoreOptions};
//!
//! let track = TrackInfo {
//!     name: "paranoid".into(),
//!     criteria: "-removed".into(),
//!     semantics: misc_results::Semantics::Name,
//!     objectives: vec![Objective { label: "-removed".into(), sense: Sense::Min }],
//!     solvers: vec!["a".into(), "b".into(), "c".into()],
//!     problems: vec!["cat/p.cudf".into()],
//!     cpu_time_limit: 300.0,
//!     limits: None,
//! };
//! let run = |solver: &str, outcome, removed: Option<i64>| RunRecord {
//!     round: "r".into(), track: "paranoid".into(), solver: solver.into(),
//!     solver_version: String::new(), problem: "cat/p.cudf".into(), category: "cat".into(),
//!     outcome, termination: Termination::Exited, cpu_time: 1.0, user_time: 0.0,
//!     system_time: 0.0, wall_time: 1.0, memory: 0, exit_code: Some(0), signal: None,
//!     measured_by: String::new(), criteria: removed.map(|r| vec![r]), violations: vec![],
//!     detail: String::new(), problem_hash: String::new(), solver_hash: String::new(),
//!     output: None, limits: Limits::default(), started_at: 0.0, host: String::new(),
//!     harness_version: String::new(), logs: None, readings: None,
//! };
//! let records = [
//!     run("a", Outcome::Solved, Some(0)),
//!     run("b", Outcome::Solved, Some(0)),
//!     run("c", Outcome::Fail, None),
//! ];
//! let scores = score(&[track], &records, ScoreOptions::default()).unwrap();
//! let t = &scores.tracks[0];
//! let points: Vec<u64> = t.problems[0].results.iter().map(|r| r.points).collect();
//! assert_eq!(points, [1, 1, 6]);
//! // a and b tie on 1 point; the success time (1 s each) does not separate them.
//! assert_eq!(t.ranking[0].rank, 1);
//! assert_eq!(t.ranking[1].rank, 1);
//! assert_eq!(t.entry("c").unwrap().success_time, 300.0);
//! ```
//!
//! # Re-scoring for the report
//!
//! `misc score --save` writes the chosen [`ScoreOptions`] to [`SCORING_FILE`] in the round's
//! `results/` folder as a [`SavedScoring`]; [`score_round`] ranks with those options when given
//! them and with the manifest's `rules` and `tie_break` otherwise, so that the report shows the
//! rule in use ([`Scores::options`]).
#![warn(missing_docs)]

mod engine;
mod model;
mod options;

pub use engine::{rank_points, score, score_round};
pub use model::{
    Beater, CategoryScores, CriteriaVector, ExplainedProblem, Explanation, LimitsInRecords,
    ProblemResult, ProblemScores, RankEntry, RunRef, Scores, TrackScores,
};
pub use options::{
    options_for_round, penalty_factor, Class, MissingRuns, SavedScoring, ScoreOptions, SCORING_FILE,
};

/// The vocabulary the scorer shares with the rest of the harness (defined in misc-vocab).
pub use misc_results::{compare, Clock, Rules, Semantics, Sense, TieBreak, TimeFigure};

#[doc(no_inline)]
pub use misc_results::RunRecord;

/// Why scores could not be computed. Outcomes of runs are never errors; inconsistent input is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// A treatment of missing runs that is not `fail`, `abort` or `error` (the text given).
    #[error("unknown treatment of missing runs `{0}`: expected fail, abort or error")]
    UnknownMissing(String),
    /// The manifest lists a track name twice (the name).
    #[error("track `{0}` is listed twice in the manifest")]
    DuplicateTrack(String),
    /// A track's manifest entry lists a solver twice.
    #[error("track `{track}`: solver `{solver}` is entered twice")]
    DuplicateSolver {
        /// The track's name.
        track: String,
        /// The solver's name.
        solver: String,
    },
    /// A track's manifest entry lists a problem twice.
    #[error("track `{track}`: problem `{problem}` is listed twice")]
    DuplicateProblem {
        /// The track's name.
        track: String,
        /// The problem, relative to the round folder.
        problem: String,
    },
    /// Two records for the same run (a store is append-only and a run is recorded once).
    #[error("track `{track}`: two records for solver `{solver}` on `{problem}`")]
    DuplicateRun {
        /// The track's name.
        track: String,
        /// The solver's name.
        solver: String,
        /// The problem, relative to the round folder.
        problem: String,
    },
    /// A `solved` record whose criteria vector does not have one value per criterion of its
    /// track.
    #[error(
        "track `{track}`: solver `{solver}` on `{problem}`: a valid solution needs {expected} \
         criteria values, the record has {}",
        found.map_or_else(|| "none".to_owned(), |n| n.to_string())
    )]
    CriteriaLength {
        /// The track's name.
        track: String,
        /// The solver's name.
        solver: String,
        /// The problem, relative to the round folder.
        problem: String,
        /// The number of criteria of the track.
        expected: usize,
        /// The length of the record's vector (`None`: the record has no vector).
        found: Option<usize>,
    },
    /// Ranking under a reading that a `solved` record does not hold (written before misc
    /// stored both readings; `misc rejudge` computes it).
    #[error(
        "track `{track}`: solver `{solver}` on `{problem}`: the record holds its criteria \
         vector under the `{judged_with}` reading only (it was judged before misc stored both \
         readings); run `misc rejudge ROUND` to compute the `{semantics}` reading from the kept \
         output"
    )]
    MissingReading {
        /// The track's name.
        track: String,
        /// The solver's name.
        solver: String,
        /// The problem, relative to the round folder.
        problem: String,
        /// The reading asked for.
        semantics: misc_results::Semantics,
        /// The only reading the record holds (the track's, when it was judged).
        judged_with: misc_results::Semantics,
    },
    /// Runs without a record while [`MissingRuns::Reject`] is asked for.
    #[error("track `{track}`: {missing} runs have no record, and missing runs are refused")]
    Incomplete {
        /// The track's name.
        track: String,
        /// How many (entered solver, problem) pairs have no record.
        missing: usize,
    },
    /// A saved scoring file ([`SCORING_FILE`]) that does not parse (the parser's message).
    #[error("not a scoring file: {0}")]
    BadSavedScoring(String),
}
