//! The scores: what [`crate::score`] returns, serialized as the JSON of `misc score`.

use std::fmt;
use std::sync::Arc;

use misc_results::{Limits, Objective, Semantics, Sense};
use serde::{Deserialize, Serialize};

use crate::{Class, Rules, ScoreOptions};

/// The rankings of every track of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// What the rankings were computed with.
    pub options: ScoreOptions,
    /// One entry per track of the manifest, in manifest order.
    pub tracks: Vec<TrackScores>,
    /// Records whose track is not in the manifest (ignored).
    pub ignored_records: usize,
}

impl Scores {
    /// The scores of the track named `name`.
    pub fn track(&self, name: &str) -> Option<&TrackScores> {
        self.tracks.iter().find(|t| t.track == name)
    }
}

/// The scores of one track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackScores {
    /// The track's name.
    pub track: String,
    /// The criteria reading the vectors were ranked under (misc-rules.md 3.4, 7.11).
    pub semantics: Semantics,
    /// The number of solvers entered in the track (`m` of the point rules).
    pub m: usize,
    /// The number of problems of the track.
    pub problem_count: usize,
    /// The track's criteria, leftmost most important.
    pub objectives: Vec<Objective>,
    /// The track's CPU-time limit in seconds. A run without a valid solution is charged the
    /// CPU limit of its own record ([`ProblemResult::cpu_time_limit`]); this one is charged for
    /// a run that has no record.
    pub cpu_time_limit: f64,
    /// The wall-clock limit the `-wall` tie-breaks charge for a run that has no record, in
    /// seconds: the track's, or, for a manifest written before tracks had limits of their
    /// own, the largest `limits.wall_time` of the track's records (the CPU limit when there is
    /// no record).
    pub wall_time_limit: f64,
    /// The track's limits as its definition gives them (`None` for a manifest written before
    /// tracks had limits of their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// The limits the track's records were run with: one entry per distinct set, in limit
    /// order. More than one means the definition changed between runs (see
    /// [`TrackScores::limits_warning`]).
    #[serde(default)]
    pub record_limits: Vec<LimitsInRecords>,
    /// Problems that no entered solver solved.
    pub unsolved_problems: usize,
    /// (Entered solver, problem) pairs without a record: nonzero while a round is incomplete.
    pub missing_runs: usize,
    /// Records of this track whose solver is not entered or whose problem is not listed
    /// (ignored).
    pub ignored_records: usize,
    /// Best first; see the crate documentation for the order.
    pub ranking: Vec<RankEntry>,
    /// The same figures per category, in category name order.
    pub categories: Vec<CategoryScores>,
    /// Per problem, in manifest order.
    pub problems: Vec<ProblemScores>,
}

/// Records of a track that were run with the same limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitsInRecords {
    /// The limits these records share.
    pub limits: Limits,
    /// How many records.
    pub runs: usize,
    /// The first few of them in manifest order (problem by problem), when the track's records
    /// do not all share their limits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<RunRef>,
}

/// A run of a track: a solver on a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    /// The solver's name.
    pub solver: String,
    /// The problem, relative to the round folder.
    pub problem: String,
}

impl TrackScores {
    /// When the track's records were not all run with the same limits, or not with the limits
    /// its definition now gives (the definition changed between runs), the sentence that says
    /// so, naming the limits and some runs of each. Each run is charged the limits of its own
    /// record, so such a track compares solvers that were given different time.
    pub fn limits_warning(&self) -> Option<String> {
        let differ_from_track = |l: &Limits| match &self.limits {
            Some(t) => t != l,
            None => l.cpu_time != self.cpu_time_limit,
        };
        match self.record_limits.as_slice() {
            [] => None,
            [one] if !differ_from_track(&one.limits) => None,
            [one] => Some(format!(
                "track {}: its {} record(s) were run with {}, but the track's definition now \
                 says {}; runs still to do will get the new limits",
                self.track,
                one.runs,
                one.limits,
                self.limits.as_ref().map_or_else(
                    || format!("CPU {} s", self.cpu_time_limit),
                    Limits::to_string
                )
            )),
            many => {
                let sets: Vec<String> = many
                    .iter()
                    .map(|l| {
                        let eg: Vec<String> = l
                            .examples
                            .iter()
                            .map(|r| format!("{} on {}", r.solver, r.problem))
                            .collect();
                        format!(
                            "{} run(s) with {} (e.g. {}{})",
                            l.runs,
                            l.limits,
                            eg.join(", "),
                            if l.runs > eg.len() { ", ..." } else { "" }
                        )
                    })
                    .collect();
                Some(format!(
                    "track {}: its records were run with different limits (the definition \
                     changed between runs); each run without a valid solution is charged the \
                     limit of its own record: {}",
                    self.track,
                    sets.join("; ")
                ))
            }
        }
    }

    /// The ranking entry of `solver`.
    pub fn entry(&self, solver: &str) -> Option<&RankEntry> {
        self.ranking.iter().find(|e| e.solver == solver)
    }

    /// The solvers that won the track (more than one when the tie-break did not separate them).
    pub fn winners(&self) -> impl Iterator<Item = &RankEntry> {
        self.ranking.iter().filter(|e| e.rank == 1)
    }

    /// Why `solver` got each of its points, or `None` if it is not entered in this track.
    pub fn explain(&self, solver: &str, rules: Rules) -> Option<Explanation> {
        let entry = self.entry(solver)?.clone();
        let problems = self
            .problems
            .iter()
            .filter_map(|p| {
                let r = p.result(solver)?;
                let beaten_by: Vec<Beater> = p
                    .beaten_by(solver)
                    .into_iter()
                    .map(|b| Beater {
                        solver: b.solver.to_string(),
                        points: b.points,
                        criteria: b.criteria.as_deref().unwrap_or_default().to_vec(),
                    })
                    .collect();
                Some(ExplainedProblem {
                    problem: p.problem.clone(),
                    category: p.category.clone(),
                    class: r.class,
                    points: r.points,
                    criteria: r.criteria.as_deref().map(<[i64]>::to_vec),
                    cpu_time: r.cpu_time,
                    cpu_time_limit: r.cpu_time_limit,
                    reason: reason(r, beaten_by.len(), rules, self.m),
                    beaten_by,
                })
            })
            .collect();
        Some(Explanation {
            track: self.track.clone(),
            rules,
            semantics: self.semantics,
            m: self.m,
            objectives: self.objectives.clone(),
            cpu_time_limit: self.cpu_time_limit,
            limits: self.limits.clone(),
            entry,
            problems,
        })
    }
}

fn reason(r: &ProblemResult, better: usize, rules: Rules, m: usize) -> String {
    let factor = if m == 0 { 0 } else { r.points / m as u64 };
    match r.class {
        Class::Solved => {
            format!("valid solution: 1 + {better} solver(s) with a strictly better vector (§1.2)")
        }
        Class::Fail => format!("{factor}m: FAIL, no solution (§1.1)"),
        Class::Abort if rules == Rules::Misc2010 => format!("{factor}m: abort (§1.1, 2010)"),
        Class::Abort => format!("{factor}m: no solution: timeout, crash or out of memory (§1.1)"),
        Class::Wrong => format!("{factor}m: wrong solution (§1.1)"),
        Class::Missing => format!("{factor}m: no record of this run, counted as no solution"),
    }
}

/// One line of a ranking (a track's, or a category's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankEntry {
    /// 1 for the winner(s). Solvers with equal totals share a rank (1, 2, 2, 4), except that the
    /// tie-break splits a tie on the best total: its winner(s) rank 1, the others
    /// 1 + the number of winners.
    pub rank: u32,
    /// The solver's name.
    pub solver: String,
    /// Total points; lower is better.
    pub score: u64,
    /// The MISC total success time (§2) in seconds, whatever the tie-break: CPU time on valid
    /// solutions + the CPU limit per problem without one.
    pub success_time: f64,
    /// The chosen tie-break's value in seconds (`None` for `none`); lower is better.
    pub tie_break_value: Option<f64>,
    /// Whether this solver is first only because the tie-break beat others with the same total.
    pub winner_by_tie_break: bool,
    /// Problems with a valid solution.
    pub solved: u32,
    /// Problems where the solver said `FAIL`.
    pub fail: u32,
    /// Problems aborted: a limit hit, a crash or no output.
    pub abort: u32,
    /// Problems with a claimed solution the checker refused.
    pub wrong: u32,
    /// Problems whose run has no record (scored as [`ScoreOptions::missing`] says).
    pub missing: u32,
    /// CPU seconds over every run, valid or not.
    pub cpu_time: f64,
    /// Wall-clock seconds over every run.
    pub wall_time: f64,
}

/// The figures of one category of problems (MISC published a `score (time)` cell per category
/// and solver, §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryScores {
    /// The category's name: the folder its problems sit in.
    pub category: String,
    /// The number of the track's problems in this category.
    pub problem_count: usize,
    /// Ranked like the track, over the category's problems only.
    pub ranking: Vec<RankEntry>,
}

impl ProblemScores {
    /// The result of `solver`.
    pub fn result(&self, solver: &str) -> Option<&ProblemResult> {
        self.results.iter().find(|r| &*r.solver == solver)
    }

    /// The results whose valid solution is strictly better than `solver`'s, best first (then
    /// in manifest order); empty unless `solver` has a valid solution.
    ///
    /// Not stored: since a valid solution scores 1 + the number of strictly better ones
    /// (§1.2) and "better" is a total preorder, the solvers that beat `s` are exactly the
    /// valid solutions with fewer points than `s`.
    pub fn beaten_by(&self, solver: &str) -> Vec<&ProblemResult> {
        let Some(me) = self.result(solver).filter(|r| r.class == Class::Solved) else {
            return Vec::new();
        };
        let mut better: Vec<&ProblemResult> = self
            .results
            .iter()
            .filter(|r| r.class == Class::Solved && r.points < me.points)
            .collect();
        better.sort_by_key(|r| r.points);
        better
    }
}

/// The points of every entered solver on one problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemScores {
    /// The problem, relative to the round folder.
    pub problem: String,
    /// The problem's category (the folder it sits in).
    pub category: String,
    /// How many entered solvers gave a valid solution.
    pub solved_by: u32,
    /// One per entered solver, in manifest order.
    pub results: Vec<ProblemResult>,
}

/// One solver's result on one problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemResult {
    /// The solver's name.
    pub solver: Arc<str>,
    /// The outcome class of the run (or `missing`).
    pub class: Class,
    /// The points the run earned on this problem; lower is better (misc-rules.md 1).
    pub points: u64,
    /// The criteria vector of a valid solution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<CriteriaVector>,
    /// CPU seconds of the run (0 for a missing run).
    pub cpu_time: f64,
    /// Wall-clock seconds of the run (0 for a missing run).
    pub wall_time: f64,
    /// The CPU-time limit of the run in seconds: its record's (the track's for a missing
    /// run). The time tie-breaks charge it when the run has no valid solution.
    #[serde(default)]
    pub cpu_time_limit: f64,
    /// The wall-clock limit of the run in seconds, charged by the `-wall` tie-breaks.
    #[serde(default)]
    pub wall_time_limit: f64,
}

/// Why a solver got its points: [`TrackScores::explain`]. Its `Display` is the text of
/// `misc score --explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The track's name.
    pub track: String,
    /// The point rules the points follow.
    pub rules: Rules,
    /// The criteria reading the vectors are shown and ranked under.
    pub semantics: Semantics,
    /// The number of solvers entered in the track (`m` of the point rules).
    pub m: usize,
    /// The track's criteria, leftmost most important.
    pub objectives: Vec<Objective>,
    /// The track's CPU-time limit in seconds.
    #[serde(default)]
    pub cpu_time_limit: f64,
    /// The track's limits, when the manifest has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// The solver's line of the track's ranking.
    pub entry: RankEntry,
    /// Every problem of the track, in manifest order.
    pub problems: Vec<ExplainedProblem>,
}

/// One problem of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplainedProblem {
    /// The problem, relative to the round folder.
    pub problem: String,
    /// The problem's category (the folder it sits in).
    pub category: String,
    /// The outcome class of the run (or `missing`).
    pub class: Class,
    /// The points the run earned on this problem; lower is better.
    pub points: u64,
    /// The criteria vector of a valid solution, under the explanation's reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<i64>>,
    /// CPU seconds of the run (0 for a missing run).
    pub cpu_time: f64,
    /// The CPU-time limit of the run (of its record; the track's for a missing run): what the
    /// success time charges when it has no valid solution.
    #[serde(default)]
    pub cpu_time_limit: f64,
    /// The rule that gave the points, in words.
    pub reason: String,
    /// The solvers with a strictly better valid solution, best first.
    pub beaten_by: Vec<Beater>,
}

/// A solver that beat the explained one on a problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Beater {
    /// The better solver's name.
    pub solver: String,
    /// Its points on the problem (fewer than the explained solver's).
    pub points: u64,
    /// Its criteria vector, strictly better than the explained solver's.
    pub criteria: Vec<i64>,
}

fn vector(v: &[i64]) -> String {
    let parts: Vec<String> = v.iter().map(i64::to_string).collect();
    format!("({})", parts.join(", "))
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Labels are the criteria as written, sign included (`-removed`, `+new`).
        let crit: Vec<String> = self
            .objectives
            .iter()
            .map(|o| match (o.sense, o.label.chars().next()) {
                (_, Some('-' | '+')) => o.label.clone(),
                (Sense::Min, _) => format!("-{}", o.label),
                (Sense::Max, _) => format!("+{}", o.label),
            })
            .collect();
        writeln!(
            f,
            "{} on track {}: rank {}, {} points, success time {:.2} s ({} rules, {} reading, \
             m = {})",
            self.entry.solver,
            self.track,
            self.entry.rank,
            self.entry.score,
            self.entry.success_time,
            self.rules,
            self.semantics,
            self.m
        )?;
        writeln!(f, "criteria, most important first: {}", crit.join(", "))?;
        match &self.limits {
            Some(l) => writeln!(f, "limits of track {}: {l}", self.track)?,
            None => writeln!(
                f,
                "CPU limit of track {}: {} s",
                self.track, self.cpu_time_limit
            )?,
        }
        writeln!(
            f,
            "success time: CPU time of each valid solution, and for every other problem the \
             CPU limit of its run"
        )?;
        for p in &self.problems {
            write!(f, "{:>6}  {}  [{}]", p.points, p.problem, p.class)?;
            if let Some(c) = &p.criteria {
                write!(f, " {}", vector(c))?;
            }
            write!(f, ": {}", p.reason)?;
            if p.class == Class::Solved {
                writeln!(f, "; {:.3} s CPU", p.cpu_time)?;
            } else {
                writeln!(f, "; CPU limit {} s", p.cpu_time_limit)?;
            }
            for b in &p.beaten_by {
                writeln!(
                    f,
                    "          beaten by {} {} ({} point{})",
                    b.solver,
                    vector(&b.criteria),
                    b.points,
                    if b.points == 1 { "" } else { "s" }
                )?;
            }
        }
        Ok(())
    }
}

/// A criteria vector: one value per criterion of the track, leftmost most important.
///
/// Vectors of up to [`CriteriaVector::INLINE`] values (every MISC fixed track) are stored
/// without a heap allocation, which keeps re-scoring a million records fast. It serializes as
/// a plain JSON array and reads as a slice.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CriteriaVector(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Inline {
        len: u8,
        values: [i64; CriteriaVector::INLINE],
    },
    Heap(Box<[i64]>),
}

impl CriteriaVector {
    /// How many values are stored inline.
    pub const INLINE: usize = 4;

    /// The values.
    pub fn as_slice(&self) -> &[i64] {
        match &self.0 {
            Repr::Inline { len, values } => &values[..usize::from(*len)],
            Repr::Heap(v) => v,
        }
    }
}

impl From<&[i64]> for CriteriaVector {
    fn from(v: &[i64]) -> CriteriaVector {
        if v.len() <= CriteriaVector::INLINE {
            let mut values = [0; CriteriaVector::INLINE];
            values[..v.len()].copy_from_slice(v);
            CriteriaVector(Repr::Inline {
                len: v.len() as u8,
                values,
            })
        } else {
            CriteriaVector(Repr::Heap(v.into()))
        }
    }
}

impl From<Vec<i64>> for CriteriaVector {
    fn from(v: Vec<i64>) -> CriteriaVector {
        CriteriaVector::from(v.as_slice())
    }
}

impl std::ops::Deref for CriteriaVector {
    type Target = [i64];
    fn deref(&self) -> &[i64] {
        self.as_slice()
    }
}

impl fmt::Debug for CriteriaVector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl Serialize for CriteriaVector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for CriteriaVector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CriteriaVector, D::Error> {
        Vec::<i64>::deserialize(d).map(CriteriaVector::from)
    }
}
