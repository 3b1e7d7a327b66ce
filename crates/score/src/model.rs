//! The scores: what [`crate::score`] returns, serialized as the JSON of `misc score`.

use std::fmt;
use std::sync::Arc;

use misc_results::{Objective, Sense};
use serde::{Deserialize, Serialize};

use crate::{Class, Rules, ScoreOptions};

/// The rankings of every track of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// What the rankings were computed with.
    pub options: ScoreOptions,
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
    pub track: String,
    /// The number of solvers entered in the track (`m` of the point rules).
    pub m: usize,
    /// The number of problems of the track.
    pub problem_count: usize,
    /// The track's criteria, leftmost most important.
    pub objectives: Vec<Objective>,
    /// The CPU-time limit charged per problem without a valid solution, in seconds.
    pub cpu_time_limit: f64,
    /// The wall-clock limit charged by the `-wall` tie-breaks, in seconds: the largest
    /// `limits.wall_time` of the track's records (the CPU limit when there is no record).
    pub wall_time_limit: f64,
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

impl TrackScores {
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
                let r = p.results.iter().find(|r| &*r.solver == solver)?;
                let beaten_by = r
                    .beaten_by
                    .iter()
                    .filter_map(|b| {
                        let other = p.results.iter().find(|o| o.solver == *b)?;
                        Some(Beater {
                            solver: b.to_string(),
                            points: other.points,
                            criteria: other.criteria.clone().unwrap_or_default(),
                        })
                    })
                    .collect();
                Some(ExplainedProblem {
                    problem: p.problem.clone(),
                    category: p.category.clone(),
                    class: r.class,
                    points: r.points,
                    criteria: r.criteria.clone(),
                    cpu_time: r.cpu_time,
                    reason: reason(r, rules, self.m),
                    beaten_by,
                })
            })
            .collect();
        Some(Explanation {
            track: self.track.clone(),
            rules,
            m: self.m,
            objectives: self.objectives.clone(),
            entry,
            problems,
        })
    }
}

fn reason(r: &ProblemResult, rules: Rules, m: usize) -> String {
    let factor = if m == 0 { 0 } else { r.points / m as u64 };
    match r.class {
        Class::Solved => format!(
            "valid solution: 1 + {} solver(s) with a strictly better vector (§1.2)",
            r.beaten_by.len()
        ),
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
    pub solved: u32,
    pub fail: u32,
    pub abort: u32,
    pub wrong: u32,
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
    pub category: String,
    pub problem_count: usize,
    /// Ranked like the track, over the category's problems only.
    pub ranking: Vec<RankEntry>,
}

/// The points of every entered solver on one problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemScores {
    pub problem: String,
    pub category: String,
    /// How many entered solvers gave a valid solution.
    pub solved_by: u32,
    /// One per entered solver, in manifest order.
    pub results: Vec<ProblemResult>,
}

/// One solver's result on one problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemResult {
    pub solver: Arc<str>,
    pub class: Class,
    pub points: u64,
    /// The criteria vector of a valid solution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<i64>>,
    pub cpu_time: f64,
    pub wall_time: f64,
    /// The solvers whose valid solution is strictly better, best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub beaten_by: Vec<Arc<str>>,
}

/// Why a solver got its points: [`TrackScores::explain`]. Its `Display` is the text of
/// `misc score --explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub track: String,
    pub rules: Rules,
    pub m: usize,
    pub objectives: Vec<Objective>,
    pub entry: RankEntry,
    pub problems: Vec<ExplainedProblem>,
}

/// One problem of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplainedProblem {
    pub problem: String,
    pub category: String,
    pub class: Class,
    pub points: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<i64>>,
    pub cpu_time: f64,
    /// The rule that gave the points, in words.
    pub reason: String,
    /// The solvers with a strictly better valid solution, best first.
    pub beaten_by: Vec<Beater>,
}

/// A solver that beat the explained one on a problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Beater {
    pub solver: String,
    pub points: u64,
    pub criteria: Vec<i64>,
}

fn vector(v: &[i64]) -> String {
    let parts: Vec<String> = v.iter().map(i64::to_string).collect();
    format!("({})", parts.join(", "))
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let crit: Vec<String> = self
            .objectives
            .iter()
            .map(|o| match o.sense {
                Sense::Min => format!("min {}", o.label),
                Sense::Max => format!("max {}", o.label),
            })
            .collect();
        writeln!(
            f,
            "{} on track {}: rank {}, {} points, success time {:.2} s ({} rules, m = {})",
            self.entry.solver,
            self.track,
            self.entry.rank,
            self.entry.score,
            self.entry.success_time,
            self.rules,
            self.m
        )?;
        writeln!(f, "criteria, most important first: {}", crit.join(", "))?;
        for p in &self.problems {
            write!(f, "{:>6}  {}  [{}]", p.points, p.problem, p.class)?;
            if let Some(c) = &p.criteria {
                write!(f, " {}", vector(c))?;
            }
            writeln!(f, ": {}", p.reason)?;
            for b in &p.beaten_by {
                writeln!(
                    f,
                    "          beaten by {} {} ({} points)",
                    b.solver,
                    vector(&b.criteria),
                    b.points
                )?;
            }
        }
        Ok(())
    }
}
