//! What to score with: the edition's point rules, the tie-break, and how to treat missing runs.

use std::fmt;
use std::str::FromStr;

use misc_results::{Manifest, Rules, Semantics, TieBreak};
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

/// The multiple of `m` that a pair without a valid solution scores under `rules`, or `None`
/// for a valid solution (which is ranked, misc-rules.md §1.2). A missing run is scored as
/// `missing` says.
pub fn penalty_factor(rules: Rules, class: Class, missing: MissingRuns) -> Option<u64> {
    let class = match (class, missing) {
        (Class::Missing, MissingRuns::AsAbort) => Class::Abort,
        (Class::Missing, _) => Class::Fail,
        (c, _) => c,
    };
    match (rules, class) {
        (_, Class::Solved) => None,
        (Rules::Misc2010, Class::Fail) => Some(2),
        (Rules::Misc2010, Class::Abort) => Some(3),
        (Rules::Misc2010, _) => Some(4),
        (_, Class::Fail | Class::Abort) => Some(2),
        (_, _) => Some(3),
    }
}

/// Lower-cases and drops `-`, `_` and spaces, so that `As-Fail` and `as_fail` read alike.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
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
    /// The point rules: which edition's points for each outcome class (misc-rules.md 1.1).
    pub rules: Rules,
    /// How solvers with the same total are separated (misc-rules.md 2).
    pub tie_break: TieBreak,
    /// Leave problems that no entered solver solved out of every time figure (not out of the
    /// points). With many unsolvable problems the MISC success time otherwise gives every
    /// solver the same large constant.
    #[serde(default)]
    pub exclude_unsolved: bool,
    /// How a run without a record is scored (or refused).
    #[serde(default)]
    pub missing: MissingRuns,
    /// The criteria reading to rank with (misc-rules.md 3.4, 7.11); `None`: each track's own
    /// (the manifest's `semantics`). Records without the asked reading are an error
    /// ([`ScoreError::MissingReading`]), never scored under the other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantics: Option<Semantics>,
}

impl Default for ScoreOptions {
    /// The MISC 2011 rules with the MISC tie-break.
    fn default() -> ScoreOptions {
        ScoreOptions {
            rules: Rules::Misc2011,
            tie_break: TieBreak::SuccessTime,
            exclude_unsolved: false,
            missing: MissingRuns::AsFail,
            semantics: None,
        }
    }
}

impl ScoreOptions {
    /// The options a round was run with: its manifest's `rules` and `tie_break`.
    pub fn from_manifest(manifest: &Manifest) -> ScoreOptions {
        ScoreOptions {
            rules: manifest.rules,
            tie_break: manifest.tie_break,
            ..ScoreOptions::default()
        }
    }
}

/// The file in a round's `results/` folder where `misc score --save` keeps the chosen options,
/// so that `misc report` ranks (and says it ranks) the same way.
pub const SCORING_FILE: &str = "scoring.json";

/// The content of [`SCORING_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedScoring {
    /// The options (their `semantics` is the reading chosen with `misc score --semantics`;
    /// files written before it was typed store it under the same key).
    #[serde(flatten)]
    pub options: ScoreOptions,
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
pub fn options_for_round(manifest: &Manifest, saved: Option<&SavedScoring>) -> ScoreOptions {
    match saved {
        Some(saved) => saved.options,
        None => ScoreOptions::from_manifest(manifest),
    }
}
