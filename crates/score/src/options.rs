//! What to score with: the edition's point rules, the tie-break, and how to treat missing runs.

use std::fmt;
use std::str::FromStr;

use misc_results::Manifest;
use serde::{Deserialize, Serialize};

use crate::ScoreError;

/// The class of one (solver, problem) pair of a track, as the point rules see it.
///
/// The first four are the record's [`misc_results::Outcome`]; `Missing` means the round has no
/// record for the pair (the run has not happened yet, or was lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// A claimed solution that the checker accepted (class 1 of misc-rules.md §1.1).
    Solved,
    /// The solver said `FAIL`.
    Fail,
    /// Timeout, crash, out of memory, no output.
    Abort,
    /// A claimed solution that is not one.
    Wrong,
    /// No record for this pair.
    Missing,
}

impl Class {
    /// The lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Solved => "solved",
            Class::Fail => "fail",
            Class::Abort => "abort",
            Class::Wrong => "wrong",
            Class::Missing => "missing",
        }
    }
}

impl From<misc_results::Outcome> for Class {
    fn from(o: misc_results::Outcome) -> Class {
        match o {
            misc_results::Outcome::Solved => Class::Solved,
            misc_results::Outcome::Fail => Class::Fail,
            misc_results::Outcome::Abort => Class::Abort,
            misc_results::Outcome::Wrong => Class::Wrong,
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The point rules of one MISC edition (misc-rules.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rules {
    /// Four classes: FAIL `2m`, abort `3m`, wrong `4m` (also MISC-live #1).
    Misc2010,
    /// Three classes: no solution (FAIL or abort) `2m`, wrong `3m` (also MISC-live #3 and #4).
    Misc2011,
    /// As 2011; the time limit of the tie-break is the track's own (§2).
    Misc2012,
}

impl Rules {
    /// Every edition, oldest first.
    pub const ALL: [Rules; 3] = [Rules::Misc2010, Rules::Misc2011, Rules::Misc2012];

    /// The name used in manifests and flags: `misc2010`, `misc2011`, `misc2012`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rules::Misc2010 => "misc2010",
            Rules::Misc2011 => "misc2011",
            Rules::Misc2012 => "misc2012",
        }
    }

    /// The multiple of `m` that a pair without a valid solution scores, or `None` for a valid
    /// solution (which is ranked, §1.2). A missing run is scored as `missing` says.
    pub fn penalty_factor(self, class: Class, missing: MissingRuns) -> Option<u64> {
        let class = match (class, missing) {
            (Class::Missing, MissingRuns::AsAbort) => Class::Abort,
            (Class::Missing, _) => Class::Fail,
            (c, _) => c,
        };
        match (self, class) {
            (_, Class::Solved) => None,
            (Rules::Misc2010, Class::Fail) => Some(2),
            (Rules::Misc2010, Class::Abort) => Some(3),
            (Rules::Misc2010, _) => Some(4),
            (_, Class::Fail | Class::Abort) => Some(2),
            (_, _) => Some(3),
        }
    }
}

impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lower-cases and drops `-`, `_` and spaces, so that `MISC-2011` and `misc_2011` read alike.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

impl FromStr for Rules {
    type Err = ScoreError;

    /// Accepts `misc2010`, `misc-2011`, `MISC 2012`, or the bare year.
    fn from_str(s: &str) -> Result<Rules, ScoreError> {
        let squashed = squash(s);
        let year = squashed.strip_prefix("misc").unwrap_or(&squashed);
        match year {
            "2010" => Ok(Rules::Misc2010),
            "2011" => Ok(Rules::Misc2011),
            "2012" => Ok(Rules::Misc2012),
            _ => Err(ScoreError::UnknownRules(s.to_owned())),
        }
    }
}

/// Which clock a time-based tie-break reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Clock {
    /// CPU time of the whole process tree; the penalty is the track's CPU-time limit.
    Cpu,
    /// Wall-clock time; the penalty is the wall-clock limit the runs were given.
    Wall,
}

/// How ties on the best total are broken (misc-rules.md §2). Only the winner is decided by it;
/// its value is reported for every solver.
///
/// With `t(s, p)` the time of solver `s` on problem `p`, `L` the limit of the clock, and `V(s)`
/// the problems on which `s` has a valid solution:
///
/// | name | value |
/// |---|---|
/// | `none` | no tie-break: solvers tied on the best total all rank first |
/// | `success-time` | MISC: `Σ_{p ∈ V(s)} t(s,p) + (#problems − |V(s)|) × L` |
/// | `solved-time` | `Σ_{p ∈ V(s)} t(s,p)` |
/// | `common-time` | `Σ_{p ∈ C} t(s,p)`, `C` = problems that every solver tied with `s` on the total solved |
/// | `par2` | `Σ_{p ∈ V(s)} t(s,p) + (#problems − |V(s)|) × 2L` (a sum, not the mean) |
///
/// The `-wall` variants read the wall clock instead of the CPU clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TieBreak {
    None,
    SuccessTime,
    SolvedTime,
    CommonTime,
    Par2,
    SuccessWall,
    SolvedWall,
    CommonWall,
    Par2Wall,
}

/// The time figure a [`TieBreak`] sums, independent of the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeFigure {
    Success,
    Solved,
    Common,
    Par2,
}

impl TieBreak {
    /// Every tie-break rule.
    pub const ALL: [TieBreak; 9] = [
        TieBreak::None,
        TieBreak::SuccessTime,
        TieBreak::SolvedTime,
        TieBreak::CommonTime,
        TieBreak::Par2,
        TieBreak::SuccessWall,
        TieBreak::SolvedWall,
        TieBreak::CommonWall,
        TieBreak::Par2Wall,
    ];

    /// The name used in manifests and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            TieBreak::None => "none",
            TieBreak::SuccessTime => "success-time",
            TieBreak::SolvedTime => "solved-time",
            TieBreak::CommonTime => "common-time",
            TieBreak::Par2 => "par2",
            TieBreak::SuccessWall => "success-wall",
            TieBreak::SolvedWall => "solved-wall",
            TieBreak::CommonWall => "common-wall",
            TieBreak::Par2Wall => "par2-wall",
        }
    }

    /// The figure and the clock, or `None` for [`TieBreak::None`].
    pub fn figure(self) -> Option<(TimeFigure, Clock)> {
        Some(match self {
            TieBreak::None => return None,
            TieBreak::SuccessTime => (TimeFigure::Success, Clock::Cpu),
            TieBreak::SolvedTime => (TimeFigure::Solved, Clock::Cpu),
            TieBreak::CommonTime => (TimeFigure::Common, Clock::Cpu),
            TieBreak::Par2 => (TimeFigure::Par2, Clock::Cpu),
            TieBreak::SuccessWall => (TimeFigure::Success, Clock::Wall),
            TieBreak::SolvedWall => (TimeFigure::Solved, Clock::Wall),
            TieBreak::CommonWall => (TimeFigure::Common, Clock::Wall),
            TieBreak::Par2Wall => (TimeFigure::Par2, Clock::Wall),
        })
    }
}

impl fmt::Display for TieBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TieBreak {
    type Err = ScoreError;

    /// Accepts the names of [`TieBreak::as_str`], with `_` for `-`, any case, and the aliases
    /// `success`, `solved`, `common`, `X-wall-time`, `par2-time`.
    fn from_str(s: &str) -> Result<TieBreak, ScoreError> {
        let norm = s.trim().to_lowercase().replace('_', "-");
        let norm = norm
            .strip_suffix("-wall-time")
            .map_or(norm.clone(), |stem| format!("{stem}-wall"));
        let norm = match norm.as_str() {
            "success" | "total-success-time" => "success-time",
            "solved" => "solved-time",
            "common" => "common-time",
            "par2-time" => "par2",
            other => other,
        };
        TieBreak::ALL
            .into_iter()
            .find(|t| t.as_str() == norm)
            .ok_or_else(|| ScoreError::UnknownTieBreak(s.to_owned()))
    }
}

/// How a pair of an entered solver and a problem of its track that has no record is scored.
///
/// A round in progress has such pairs; the ranking is still computed, every output counts them
/// (`missing`), and the command line warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum MissingRuns {
    /// As a FAIL: no solution, `2m` in every edition (the default). Named `fail`.
    #[default]
    #[serde(rename = "fail")]
    AsFail,
    /// As an abort: `3m` under `misc2010`, `2m` under the later editions. Named `abort`.
    #[serde(rename = "abort")]
    AsAbort,
    /// Refuse to score an incomplete track ([`ScoreError::Incomplete`]). Named `error`.
    #[serde(rename = "error")]
    Reject,
}

impl MissingRuns {
    /// The name used in flags: `fail`, `abort`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            MissingRuns::AsFail => "fail",
            MissingRuns::AsAbort => "abort",
            MissingRuns::Reject => "error",
        }
    }
}

impl fmt::Display for MissingRuns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MissingRuns {
    type Err = ScoreError;

    fn from_str(s: &str) -> Result<MissingRuns, ScoreError> {
        match squash(s).as_str() {
            "fail" | "asfail" => Ok(MissingRuns::AsFail),
            "abort" | "asabort" => Ok(MissingRuns::AsAbort),
            "error" | "reject" => Ok(MissingRuns::Reject),
            _ => Err(ScoreError::UnknownMissing(s.to_owned())),
        }
    }
}

/// Everything that decides a ranking besides the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScoreOptions {
    pub rules: Rules,
    pub tie_break: TieBreak,
    /// Leave problems that no entered solver solved out of every time figure (not out of the
    /// points). With many unsolvable problems the MISC success time otherwise gives every
    /// solver the same large constant.
    #[serde(default)]
    pub exclude_unsolved: bool,
    #[serde(default)]
    pub missing: MissingRuns,
}

impl Default for ScoreOptions {
    /// The MISC 2011 rules with the MISC tie-break.
    fn default() -> ScoreOptions {
        ScoreOptions {
            rules: Rules::Misc2011,
            tie_break: TieBreak::SuccessTime,
            exclude_unsolved: false,
            missing: MissingRuns::AsFail,
        }
    }
}

impl ScoreOptions {
    /// The options a round was run with: its manifest's `rules` and `tie_break`.
    pub fn from_manifest(manifest: &Manifest) -> Result<ScoreOptions, ScoreError> {
        Ok(ScoreOptions {
            rules: manifest.rules.parse()?,
            tie_break: manifest.tie_break.parse()?,
            ..ScoreOptions::default()
        })
    }
}

/// The file in a round's `results/` folder where `misc score --save` keeps the chosen options,
/// so that `misc report` ranks (and says it ranks) the same way.
pub const SCORING_FILE: &str = "scoring.json";

/// The content of [`SCORING_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedScoring {
    #[serde(flatten)]
    pub options: ScoreOptions,
    /// The criteria reading (`name` or `pair`) the criteria vectors were recomputed with, when
    /// it differs from the tracks' own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantics: Option<String>,
}

impl SavedScoring {
    /// Parses the content of [`SCORING_FILE`].
    pub fn from_json(bytes: &[u8]) -> Result<SavedScoring, ScoreError> {
        serde_json::from_slice(bytes).map_err(|e| ScoreError::BadSavedScoring(e.to_string()))
    }

    /// The content to write to [`SCORING_FILE`] (pretty JSON with a final newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The options to rank a round with: the saved ones if there are any, otherwise the manifest's.
pub fn options_for_round(
    manifest: &Manifest,
    saved: Option<&SavedScoring>,
) -> Result<ScoreOptions, ScoreError> {
    match saved {
        Some(saved) => Ok(saved.options),
        None => ScoreOptions::from_manifest(manifest),
    }
}
