//! Data preparation: from the manifest, the records and the scores to one plain value per page.
//!
//! Nothing here knows HTML. Every figure a page shows is computed here (formatted numbers,
//! links relative to the site root, the tie-break note), and the plots are drawn by
//! [`crate::plot`] from numbers gathered here. The templates only lay the values out.

use std::collections::{BTreeMap, HashMap};

use misc_results::{Manifest, RunRecord};
use misc_score::{Class, ProblemScores, RankEntry, ScoreOptions, Scores, TieBreak, TrackScores};
use serde::Serialize;

use crate::plot::{self, Pair, PlotError, Series};
use crate::{fmt, names};

/// Every page of the site, ready to render, and the kept outputs to copy.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// The front page: podiums, solvers, round facts.
    pub index: IndexPage,
    /// The page listing every problem of the round.
    pub problem_list: ProblemListPage,
    /// One page per track.
    pub tracks: Vec<Page<TrackPage>>,
    /// One page per problem (all its tracks' runs on one page).
    pub problems: Vec<Page<ProblemPage>>,
    /// One page per solver.
    pub solvers: Vec<Page<SolverPage>>,
    /// Kept outputs linked from the pages: path relative to the results folder, and where the
    /// copy goes, relative to the site root.
    pub outputs: Vec<OutputCopy>,
}

/// A page and its file name relative to the site root.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// Where the page goes, relative to the site root, e.g. `tracks/paranoid.html`.
    pub file: String,
    /// What the page's template lays out.
    pub data: T,
}

/// A kept output to copy into the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputCopy {
    /// The kept file, relative to the round's results folder.
    pub from: String,
    /// Where the copy goes, relative to the site root (under [`OUTPUTS_PREFIX`]).
    pub to: String,
}

/// The folder of the site that mirrors the round's `results/` folder for kept outputs: a
/// record's `output` `outputs/t/s/p.out` is linked as `results/outputs/t/s/p.out`.
pub const OUTPUTS_PREFIX: &str = "results";
/// The CSV download.
pub const CSV_FILE: &str = "results.csv";
/// The JSON download.
pub const JSON_FILE: &str = "results.json";
/// The list of every problem.
pub const PROBLEM_LIST_FILE: &str = "problems.html";

/// A name and the page it links to (relative to the site root).
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The name as shown.
    pub name: String,
    /// The page it links to, relative to the site root (a file name made safe from the name).
    pub href: String,
}

/// What every page says about the round.
#[derive(Debug, Clone, Serialize)]
pub struct RoundInfo {
    /// The round's name.
    pub name: String,
    /// When the round was (last) started, `YYYY-MM-DD HH:MM UTC` (empty when unknown).
    pub date: String,
    /// The point rules the pages are scored with, e.g. `misc2011`.
    pub rules: String,
    /// What those rules give per outcome, in words.
    pub rules_desc: String,
    /// The tie-break the pages use, e.g. `success-time`.
    pub tie_break: String,
    /// What that tie-break measures, in words.
    pub tie_break_desc: String,
    /// Whether problems no solver solved are left out of the time figures.
    pub exclude_unsolved: bool,
    /// How runs without a record are scored: `fail`, `abort` or `error`.
    pub missing: String,
    /// The rules and tie-break of the manifest, when the pages use others.
    pub run_with: Option<String>,
    /// The round's CPU-time limit per run, e.g. `300 s`.
    pub cpu_time: String,
    /// The round's wall-clock limit per run, e.g. `600 s`.
    pub wall_time: String,
    /// The round's memory limit per run, in MiB with one decimal.
    pub memory: String,
    /// How long before the CPU limit the warning signal is sent, e.g. `5 s`.
    pub warning: String,
    /// The round's limit on the output file's size, in MiB with one decimal.
    pub output_limit: String,
    /// Each track's limits (`track: CPU 2 s, ...`), when some track's differ from the round's.
    pub track_limits: Vec<String>,
    /// The machine that ran the round, in words (CPU model, cores, memory, kernel).
    pub machine: String,
    /// The host name of that machine.
    pub host: String,
    /// How the runs were isolated, in words (empty for rounds of versions before isolation).
    pub isolation: String,
    /// How answers were read, in words (empty for rounds that did not record it).
    pub answers: String,
    /// Whether answers were read leniently (the round's `answers = "lenient"`): every page
    /// says so.
    pub lenient_answers: bool,
    /// The version of misc that ran the round.
    pub harness_version: String,
    /// The version of misc that wrote these pages.
    pub report_version: String,
    /// How many run records the pages are made from.
    pub records: usize,
    /// Records left out because their track is not in the manifest.
    pub ignored_records: usize,
    /// Every track, for the navigation bar.
    pub nav_tracks: Vec<Link>,
    /// The criteria reading the pages rank with: `pair`, or per track (`paranoid: name, ...`)
    /// when the tracks differ (misc-rules.md 3.4, 7.11).
    pub semantics: String,
}

/// A rendered plot: the inline SVG and its text alternative.
#[derive(Debug, Clone, Serialize)]
pub struct PlotView {
    /// What the plot shows, in words (also its text alternative).
    pub caption: String,
    /// The plot as inline SVG markup, drawn by [`crate::plot`] (which escapes the names in it).
    pub svg: String,
}

/// `index.html`.
#[derive(Debug, Clone, Serialize)]
pub struct IndexPage {
    /// The relative path from this page to the site root (`` or `../`).
    pub root: &'static str,
    /// The page's `<title>`.
    pub title: String,
    /// The round facts every page shows.
    pub round: RoundInfo,
    /// One podium card per track, in manifest order.
    pub tracks: Vec<TrackCard>,
    /// One card per solver, by name.
    pub solvers: Vec<SolverCard>,
    /// How many problems the round has over all tracks.
    pub problem_count: usize,
    /// The link to the problem list, relative to the site root.
    pub problem_list: String,
    /// The link to the CSV download, relative to the site root.
    pub csv: String,
    /// The link to the JSON download, relative to the site root.
    pub json: String,
}

/// A track's podium on the index.
#[derive(Debug, Clone, Serialize)]
pub struct TrackCard {
    /// The track's name.
    pub name: String,
    /// The track's page, relative to the site root.
    pub href: String,
    /// The track's criteria as its definition writes them.
    pub criteria: String,
    /// The number of solvers entered in the track (`m` of the point rules).
    pub m: usize,
    /// The number of problems of the track.
    pub problem_count: usize,
    /// Ranks 1 to 3, best first (several solvers share a step when tied).
    pub podium: Vec<Place>,
    /// Entrants that did not run (no place).
    pub not_run: Vec<NotRun>,
    /// The solvers ranked first.
    pub winners: Vec<String>,
    /// Why the winner won on the tie-break, or that several share first place (see [`tie_note`]).
    pub tie_note: Option<String>,
    /// (Entered solver, problem) pairs without a record: nonzero while the round is incomplete.
    pub missing_runs: usize,
    /// The track's limits, when the tracks do not all share the round's.
    pub limits: Option<String>,
    /// The track's records were run with different limits (see
    /// [`TrackScores::limits_warning`]).
    pub limits_warning: Option<String>,
}

/// An entrant of a track that did not run: it could not start on the machine that ran the
/// round (the manifest's `not_run`) and has no record in the track. It counts in m
/// (misc-rules.md 7.4) but has no rank and no podium place.
#[derive(Debug, Clone, Serialize)]
pub struct NotRun {
    /// The solver, linked to its page.
    pub solver: Link,
    /// Why, e.g. "`aspcud` is not installed (not beside misc, not on PATH)".
    pub reason: String,
}

/// One step of a podium: every solver with that rank.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    /// The rank of this step (1, 2 or 3).
    pub rank: u32,
    /// The CSS class of the step: `gold`, `silver` or `bronze`.
    pub medal: &'static str,
    /// Every solver with this rank.
    pub solvers: Vec<PlaceSolver>,
}

/// A solver on a podium step.
#[derive(Debug, Clone, Serialize)]
pub struct PlaceSolver {
    /// The solver's name.
    pub name: String,
    /// The solver's page, relative to the site root.
    pub href: String,
    /// The solver's total points in the track; lower is better.
    pub score: u64,
    /// The figure of the tie-break in use (the success time when there is none), seconds.
    pub time: String,
    /// Which figure `time` is, e.g. `success-time` or `par2`.
    pub time_label: &'static str,
    /// Whether the solver is first only because the tie-break beat others with the same total.
    pub by_tie_break: bool,
}

/// A solver on the index page.
#[derive(Debug, Clone, Serialize)]
pub struct SolverCard {
    /// The solver's name.
    pub name: String,
    /// The solver's page, relative to the site root.
    pub href: String,
    /// The solver's version as its `solver.toml` gives it (may be empty).
    pub version: String,
    /// `paranoid: 1st of 4` per track.
    pub places: Vec<String>,
}

/// `tracks/<track>.html`.
#[derive(Debug, Clone, Serialize)]
pub struct TrackPage {
    /// The relative path from this page to the site root (`../`).
    pub root: &'static str,
    /// The page's `<title>`.
    pub title: String,
    /// The round facts every page shows.
    pub round: RoundInfo,
    /// The track's name.
    pub name: String,
    /// The track's expanded criteria, comma-separated.
    pub criteria: String,
    /// The track's criteria one by one, leftmost most important.
    pub objectives: Vec<String>,
    /// The reading the track is ranked under: `name` or `pair` (misc-rules.md 3.4).
    pub semantics: String,
    /// The number of solvers entered in the track (`m` of the point rules).
    pub m: usize,
    /// The number of problems of the track.
    pub problem_count: usize,
    /// The track's CPU-time limit per run, e.g. `300 s`.
    pub cpu_time_limit: String,
    /// Every limit of the track's runs, in words.
    pub limits: String,
    /// The track's records were run with different limits (see
    /// [`TrackScores::limits_warning`]).
    pub limits_warning: Option<String>,
    /// Problems that no entered solver solved.
    pub unsolved_problems: usize,
    /// (Entered solver, problem) pairs without a record: nonzero while the round is incomplete.
    pub missing_runs: usize,
    /// Records of the track whose solver is not entered or whose problem is not listed.
    pub ignored_records: usize,
    /// The solvers ranked first.
    pub winners: Vec<String>,
    /// Why the winner won on the tie-break, or that several share first place (see [`tie_note`]).
    pub tie_note: Option<String>,
    /// Whether to show a column with the tie-break's value (when it is not the success time).
    pub tie_column: Option<String>,
    /// The ranking, best first (entrants that did not run left out).
    pub ranking: Vec<RankRow>,
    /// Entrants that did not run (not ranked).
    pub not_run: Vec<NotRun>,
    /// Column heads of the category table: solvers in ranking order.
    pub category_solvers: Vec<Link>,
    /// The MISC table: one row per category, in category name order.
    pub category_rows: Vec<CategoryRow>,
    /// The MISC table's `Total` row: the whole track.
    pub total_row: CategoryRow,
    /// Cactus plot, score by category and the scatter of the first two solvers.
    pub plots: Vec<PlotView>,
    /// Every problem of the track, in manifest order.
    pub problems: Vec<ProblemRow>,
}

/// A line of a track's ranking.
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    /// 1 for the winner(s); tied solvers share a rank.
    pub rank: u32,
    /// The solver's name.
    pub solver: String,
    /// The solver's page, relative to the site root.
    pub href: String,
    /// Total points; lower is better.
    pub score: u64,
    /// Problems with a valid solution.
    pub solved: u32,
    /// Problems where the solver said `FAIL`.
    pub fail: u32,
    /// Problems aborted: a limit hit, a crash or no output.
    pub abort: u32,
    /// Problems with a claimed solution the checker refused.
    pub wrong: u32,
    /// Problems whose run has no record.
    pub missing: u32,
    /// The MISC total success time in seconds, with the decimals that tell the rows apart.
    pub success_time: String,
    /// The success time as a number, for sorting the table.
    pub success_sort: f64,
    /// The tie-break's value in seconds (empty for `none`).
    pub tie_value: String,
    /// The tie-break's value as a number, for sorting the table.
    pub tie_sort: f64,
    /// Whether the solver is first only because the tie-break beat others with the same total.
    pub by_tie_break: bool,
    /// CPU seconds over every run, two decimals.
    pub cpu_time: String,
    /// The CPU seconds as a number, for sorting the table.
    pub cpu_sort: f64,
}

/// A row of the MISC table: a category (or `Total`) and one `score (time)` cell per solver.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    /// The category's name (the folder its problems sit in), or `Total`.
    pub category: String,
    /// The number of the track's problems in the category.
    pub problem_count: usize,
    /// One cell per solver, in ranking order (empty for a solver without a result there).
    pub cells: Vec<Cell>,
}

/// One `score (time)` cell of the MISC table.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// `score (time)`.
    pub text: String,
    /// The points, for finding the best of the row.
    pub score: u64,
    /// The lowest score of the row.
    pub best: bool,
}

/// A problem in a track page's problem table.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemRow {
    /// The problem, relative to the round folder.
    pub name: String,
    /// The problem's page, relative to the site root.
    pub href: String,
    /// The problem's category (the folder it sits in).
    pub category: String,
    /// How many entered solvers gave a valid solution.
    pub solved_by: u32,
    /// The solvers whose valid solution no other beat (1 point).
    pub best: Vec<String>,
}

/// `problems/<problem>.html`.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemPage {
    /// The relative path from this page to the site root (`../`).
    pub root: &'static str,
    /// The page's `<title>`.
    pub title: String,
    /// The round facts every page shows.
    pub round: RoundInfo,
    /// The problem, relative to the round folder.
    pub name: String,
    /// The problem's category (the folder it sits in).
    pub category: String,
    /// One section per track that has the problem, in manifest order.
    pub tracks: Vec<ProblemTrack>,
}

/// The runs of one problem in one track.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemTrack {
    /// The track, linked to its page.
    pub track: Link,
    /// The track's criteria one by one, leftmost most important.
    pub objectives: Vec<String>,
    /// The number of solvers entered in the track (`m` of the point rules).
    pub m: usize,
    /// How many entered solvers gave a valid solution.
    pub solved_by: u32,
    /// One row per entered solver, by points then name.
    pub runs: Vec<RunRow>,
}

/// One solver's run on one problem.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    /// The solver, linked to its page.
    pub solver: Link,
    /// The CSS class of the outcome: `solved`, `fail`, `abort`, `wrong` or `missing`.
    pub outcome: &'static str,
    /// The outcome as shown (`FAIL` in capitals, as solvers write it).
    pub outcome_label: &'static str,
    /// The points the run earned on this problem; lower is better.
    pub points: u64,
    /// The criteria vector of a valid solution, e.g. `(0, 1, -2)` (empty otherwise).
    pub criteria: String,
    /// CPU seconds, two decimals (empty without a record).
    pub cpu_time: String,
    /// The CPU seconds as a number, for sorting the table.
    pub cpu_sort: f64,
    /// Wall-clock seconds, two decimals (empty without a record).
    pub wall_time: String,
    /// The wall-clock seconds as a number, for sorting the table.
    pub wall_sort: f64,
    /// Peak memory in MiB with one decimal (empty without a record).
    pub memory: String,
    /// The peak memory in bytes, for sorting the table.
    pub memory_sort: u64,
    /// How the process ended, e.g. `exited (exit 0)` or `no record`.
    pub termination: String,
    /// The record's one-line explanation of the outcome.
    pub detail: String,
    /// What the checker found wrong (for `wrong` runs).
    pub violations: Vec<Violation>,
    /// The kept output, relative to the site root (`None`: not kept).
    pub output: Option<String>,
    /// The solver's kept stderr and stdout.
    pub logs: Vec<LogView>,
}

/// A violation the checker found in a claimed solution.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// The violation's kind, e.g. `conflict` (misc-vocab's `ViolationKind` name).
    pub kind: String,
    /// The checker's explanation.
    pub message: String,
}

/// `solvers/<solver>.html`.
#[derive(Debug, Clone, Serialize)]
pub struct SolverPage {
    /// The tracks where the solver was entered but did not run, and why.
    pub not_run: Vec<String>,
    /// The relative path from this page to the site root (`../`).
    pub root: &'static str,
    /// The page's `<title>`.
    pub title: String,
    /// The round facts every page shows.
    pub round: RoundInfo,
    /// The solver's name.
    pub name: String,
    /// The solver's version as its `solver.toml` gives it (may be empty).
    pub version: String,
    /// The `description` of the solver's `solver.toml`, as recorded in the manifest.
    pub description: String,
    /// The solver's result in each track it was ranked in, in manifest order.
    pub tracks: Vec<SolverTrack>,
    /// Its [`SLOWEST`] slowest runs by CPU time.
    pub slowest: Vec<SolverRun>,
    /// Its runs without a valid solution (at most [`MAX_FAILED`]).
    pub failed: Vec<SolverRun>,
    /// How many runs without a valid solution it has in all.
    pub failed_total: usize,
    /// One scatter per track, against the winner (for the winner, the runner-up).
    pub plots: Vec<PlotView>,
}

/// A solver's result in one track.
#[derive(Debug, Clone, Serialize)]
pub struct SolverTrack {
    /// The track, linked to its page.
    pub track: Link,
    /// The solver's rank in the track.
    pub rank: u32,
    /// The number of solvers entered in the track.
    pub m: usize,
    /// Total points; lower is better.
    pub score: u64,
    /// Problems with a valid solution.
    pub solved: u32,
    /// Problems where the solver said `FAIL`.
    pub fail: u32,
    /// Problems aborted: a limit hit, a crash or no output.
    pub abort: u32,
    /// Problems with a claimed solution the checker refused.
    pub wrong: u32,
    /// Problems whose run has no record.
    pub missing: u32,
    /// The MISC total success time in seconds, two decimals.
    pub success_time: String,
    /// Whether the solver is first only because the tie-break beat others with the same total.
    pub by_tie_break: bool,
    /// Its rank and `score (time)` per category of the track.
    pub categories: Vec<SolverCategory>,
}

/// A solver's result in one category of a track.
#[derive(Debug, Clone, Serialize)]
pub struct SolverCategory {
    /// The category's name.
    pub category: String,
    /// The solver's rank in the category.
    pub rank: u32,
    /// `score (time)`, as in the MISC table.
    pub text: String,
}

/// One run on a solver's page.
#[derive(Debug, Clone, Serialize)]
pub struct SolverRun {
    /// The track, linked to its page.
    pub track: Link,
    /// The problem, linked to its page.
    pub problem: Link,
    /// The problem's category.
    pub category: String,
    /// The CSS class of the outcome: `solved`, `fail`, `abort`, `wrong` or `missing`.
    pub outcome: &'static str,
    /// The outcome as shown (`FAIL` in capitals, as solvers write it).
    pub outcome_label: &'static str,
    /// The points the run earned on the problem; lower is better.
    pub points: u64,
    /// CPU seconds, two decimals (empty without a record).
    pub cpu_time: String,
    /// The CPU seconds as a number, for sorting the table.
    pub cpu_sort: f64,
    /// Wall-clock seconds, two decimals (empty without a record).
    pub wall_time: String,
    /// The wall-clock seconds as a number, for sorting the table.
    pub wall_sort: f64,
    /// How the process ended, e.g. `cpu-limit` or `no record`.
    pub termination: String,
    /// The record's one-line explanation of the outcome.
    pub detail: String,
    /// The kept output, relative to the site root (`None`: not kept).
    pub output: Option<String>,
}

/// `problems.html`: every problem.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemListPage {
    /// The relative path from this page to the site root (``).
    pub root: &'static str,
    /// The page's `<title>`.
    pub title: String,
    /// The round facts every page shows.
    pub round: RoundInfo,
    /// Every problem of the round, by path.
    pub problems: Vec<ProblemListRow>,
}

/// A problem in the problem list.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemListRow {
    /// The problem, relative to the round folder.
    pub name: String,
    /// The problem's page, relative to the site root.
    pub href: String,
    /// The problem's category (the folder it sits in).
    pub category: String,
    /// The tracks that have the problem, in manifest order.
    pub tracks: Vec<String>,
    /// `k/m in TRACK` per track: how many of the m entered solvers solved it.
    pub solved_by: String,
}

/// How many failed runs a solver page lists (the CSV has them all).
pub const MAX_FAILED: usize = 300;
/// How many slowest runs a solver page lists.
pub const SLOWEST: usize = 10;

/// The CSS class and the label of an outcome class.
pub fn outcome(class: Class) -> (&'static str, &'static str) {
    match class {
        Class::Solved => ("solved", "solved"),
        Class::Fail => ("fail", "FAIL"),
        Class::Abort => ("abort", "abort"),
        Class::Wrong => ("wrong", "wrong"),
        Class::Missing => ("missing", "missing"),
    }
}

/// What a tie-break rule means, in words.
pub fn tie_break_desc(t: TieBreak) -> &'static str {
    match t {
        TieBreak::None => "none: solvers tied on the best total all rank first",
        TieBreak::SuccessTime => {
            "total success time (MISC): CPU time on valid solutions plus, for every other \
             problem, the CPU-time limit of its run (the track's)"
        }
        TieBreak::SolvedTime => "CPU time on valid solutions only",
        TieBreak::CommonTime => "CPU time on the problems that every tied solver solved",
        TieBreak::Par2 => {
            "PAR-2: CPU time on valid solutions plus twice the CPU-time limit of the run per \
             other problem"
        }
        TieBreak::SuccessWall => {
            "total success time on the wall clock: wall time on valid solutions plus the \
             wall-clock limit of the run for every other problem"
        }
        TieBreak::SolvedWall => "wall time on valid solutions only",
        TieBreak::CommonWall => "wall time on the problems that every tied solver solved",
        TieBreak::Par2Wall => {
            "PAR-2 on the wall clock: wall time on valid solutions plus twice the wall-clock \
             limit of the run per other problem"
        }
    }
}

fn rules_desc(o: &ScoreOptions) -> &'static str {
    match o.rules {
        misc_score::Rules::Misc2010 => {
            "MISC 2010: valid solution 1 + number of strictly better ones; FAIL 2m, abort 3m, \
             wrong 4m"
        }
        misc_score::Rules::Misc2011 | misc_score::Rules::Misc2012 => {
            "valid solution 1 + number of strictly better ones; no solution (FAIL, timeout, \
             crash) 2m; wrong 3m"
        }
    }
}

/// The note on a track page when the tie-break decided the winner, or when solvers share
/// first place.
pub fn tie_note(t: &TrackScores, tb: TieBreak) -> Option<String> {
    let best = t.ranking.first()?.score;
    let group: Vec<&RankEntry> = t.ranking.iter().filter(|e| e.score == best).collect();
    if group.len() < 2 {
        return None;
    }
    let names: Vec<&str> = group.iter().map(|e| e.solver.as_str()).collect();
    // As many digits as it takes to see the difference that decided.
    let tied: Vec<f64> = group.iter().filter_map(|e| e.tie_break_value).collect();
    let decimals = fmt::decimals_to_tell_apart(&tied);
    let value = |e: &RankEntry| {
        e.tie_break_value.map_or_else(
            || "no value".to_owned(),
            |v| format!("{} s", fmt::secs_to(v, decimals)),
        )
    };
    let winners: Vec<&&RankEntry> = group.iter().filter(|e| e.rank == 1).collect();
    if winners.iter().any(|e| e.winner_by_tie_break) {
        let win: Vec<String> = winners
            .iter()
            .map(|e| format!("{} ({})", e.solver, value(e)))
            .collect();
        let rest: Vec<String> = group
            .iter()
            .filter(|e| e.rank != 1)
            .map(|e| format!("{} ({})", e.solver, value(e)))
            .collect();
        Some(format!(
            "The tie-break decided the winner: {} scored {} points each. By the tie-break \
             {} ({}), {} ranks first, ahead of {}.",
            join_names(&names),
            best,
            tb.as_str(),
            tie_break_desc(tb),
            win.join(" and "),
            join_names(&rest.iter().map(String::as_str).collect::<Vec<_>>()),
        ))
    } else {
        let why = if tb == TieBreak::None {
            "no tie-break is in use".to_owned()
        } else {
            format!("the tie-break {} does not separate them", tb.as_str())
        };
        Some(format!(
            "{} share first place with {} points: {why}.",
            join_names(&names),
            best
        ))
    }
}

fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn termination(r: &RunRecord) -> String {
    let mut s = r.termination.as_str().to_owned();
    if let Some(code) = r.exit_code {
        s.push_str(&format!(" (exit {code})"));
    }
    if let Some(sig) = r.signal {
        s.push_str(&format!(" (signal {sig})"));
    }
    s
}

/// Everything `prepare` looks up by name.
struct Index<'a> {
    records: HashMap<(&'a str, &'a str, &'a str), &'a RunRecord>,
    track_pages: BTreeMap<String, String>,
    problem_pages: BTreeMap<String, String>,
    solver_pages: BTreeMap<String, String>,
}

impl Index<'_> {
    fn track(&self, name: &str) -> Link {
        Link {
            name: name.to_owned(),
            href: format!("tracks/{}", self.track_pages.get(name).map_or("", |s| s)),
        }
    }
    fn problem(&self, name: &str) -> Link {
        Link {
            name: name.to_owned(),
            href: format!(
                "problems/{}",
                self.problem_pages.get(name).map_or("", |s| s)
            ),
        }
    }
    fn solver(&self, name: &str) -> Link {
        Link {
            name: name.to_owned(),
            href: format!("solvers/{}", self.solver_pages.get(name).map_or("", |s| s)),
        }
    }
}

/// Where a record's kept output is linked from the site root, if it is kept and safe to link.
fn output_href(r: &RunRecord, kept: &dyn KeptFiles) -> Option<String> {
    let rel = r.output.as_deref()?;
    if names::is_safe_relative(rel) && kept.exists(rel) {
        Some(format!("{OUTPUTS_PREFIX}/{}", names::encode_path(rel)))
    } else {
        None
    }
}

/// The kept files of a round (solver outputs and logs, paths relative to its results folder),
/// as the site sees them. A plain `Fn(&str) -> bool` says which exist and shows no log text.
pub trait KeptFiles {
    /// Whether the file is available to copy into the site.
    fn exists(&self, rel: &str) -> bool;
    /// The end of a kept log, to show on a page (at most [`LOG_LINES`] lines).
    fn tail(&self, _rel: &str) -> Option<String> {
        None
    }
}

impl<F: Fn(&str) -> bool> KeptFiles for F {
    fn exists(&self, rel: &str) -> bool {
        self(rel)
    }
}

/// How many of the last lines of a solver's stderr a problem page shows (the whole kept tail
/// is linked).
pub const LOG_LINES: usize = 12;

/// The last `lines` lines of a text, at most 4 KiB of them.
pub fn last_lines(text: &str, lines: usize) -> String {
    let text = text.trim_end_matches(['\n', '\r']);
    let start = text
        .rmatch_indices('\n')
        .nth(lines.saturating_sub(1))
        .map_or(0, |(i, _)| i + 1);
    let mut tail = &text[start..];
    if tail.len() > 4096 {
        let mut cut = tail.len() - 4096;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail = &tail[cut..];
    }
    tail.to_owned()
}

/// A solver's log on a page: which stream, its size, the link to the kept tail, and the last
/// lines of stderr.
#[derive(Debug, Clone, Serialize)]
pub struct LogView {
    /// `stdout` or `stderr`.
    pub stream: &'static str,
    /// How much the solver wrote in all, e.g. `1.2 KiB`.
    pub size: String,
    /// The kept tail, relative to the site root.
    pub href: String,
    /// The last lines (stderr only).
    pub tail: Option<String>,
}

/// The logs of a record that are kept and safe to link, queued for copying into the site.
fn log_views(r: &RunRecord, kept: &dyn KeptFiles, outputs: &mut Vec<OutputCopy>) -> Vec<LogView> {
    let Some(logs) = &r.logs else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (stream, rel, bytes) in [
        ("stderr", &logs.stderr, logs.stderr_bytes),
        ("stdout", &logs.stdout, logs.stdout_bytes),
    ] {
        let Some(rel) = rel else { continue };
        if !(names::is_safe_relative(rel) && kept.exists(rel)) {
            continue;
        }
        outputs.push(OutputCopy {
            from: rel.clone(),
            to: format!("{OUTPUTS_PREFIX}/{rel}"),
        });
        out.push(LogView {
            stream,
            size: fmt::bytes(bytes),
            href: format!("{OUTPUTS_PREFIX}/{}", names::encode_path(rel)),
            tail: (stream == "stderr")
                .then(|| kept.tail(rel))
                .flatten()
                .map(|t| last_lines(&t, LOG_LINES))
                .filter(|t| !t.trim().is_empty()),
        });
    }
    out
}

/// Prepares every page. `kept` says which kept outputs and logs (paths relative to the
/// results folder) are available to copy into the site, and gives the end of the logs;
/// outputs that are not available are shown as not kept.
pub fn prepare(
    manifest: &Manifest,
    records: &[RunRecord],
    scores: &Scores,
    kept: &dyn KeptFiles,
) -> Result<Site, PlotError> {
    let mut index = Index {
        records: records
            .iter()
            .map(|r| ((r.track.as_str(), r.solver.as_str(), r.problem.as_str()), r))
            .collect(),
        track_pages: names::page_names(scores.tracks.iter().map(|t| t.track.as_str())),
        problem_pages: names::page_names(
            scores
                .tracks
                .iter()
                .flat_map(|t| t.problems.iter().map(|p| p.problem.as_str())),
        ),
        solver_pages: BTreeMap::new(),
    };
    index.solver_pages = names::page_names(
        scores
            .tracks
            .iter()
            .flat_map(|t| t.ranking.iter().map(|e| e.solver.as_str())),
    );
    let mut round = round_info(manifest, records.len(), scores);
    round.nav_tracks = scores
        .tracks
        .iter()
        .map(|t| index.track(&t.track))
        .collect();

    // Rankings and podiums leave out the entrants that did not run.
    let not_run = not_run_by_track(scores, manifest, &index);
    let without = (!not_run.is_empty()).then(|| rank_without(scores, &not_run));
    let ranked = without.as_ref().unwrap_or(scores);
    let tracks: Vec<Page<TrackPage>> = ranked
        .tracks
        .iter()
        .map(|t| {
            let mut data = track_page(t, manifest, ranked, &round, &index)?;
            data.not_run = not_run.get(&t.track).cloned().unwrap_or_default();
            Ok(Page {
                file: index.track(&t.track).href,
                data,
            })
        })
        .collect::<Result<_, PlotError>>()?;

    let mut outputs = Vec::new();
    let problems = problem_pages(scores, &round, &index, kept, &mut outputs);
    outputs.sort_by(|a, b| a.from.cmp(&b.from));
    outputs.dedup();

    let solvers = index
        .solver_pages
        .keys()
        .map(|s| {
            Ok(Page {
                file: index.solver(s).href,
                data: {
                    let mut page = solver_page(s, manifest, records, ranked, &round, &index, kept)?;
                    page.not_run = not_run
                        .iter()
                        .flat_map(|(t, list)| {
                            list.iter()
                                .filter(|n| n.solver.name == *s)
                                .map(move |n| format!("{t}: not run: {}", n.reason))
                        })
                        .collect();
                    page
                },
            })
        })
        .collect::<Result<_, PlotError>>()?;

    let problem_list = problem_list(scores, &round, &index);
    let index_page = index_page(
        manifest,
        ranked,
        &not_run,
        &round,
        &index,
        problem_list.problems.len(),
    );
    Ok(Site {
        index: index_page,
        problem_list,
        tracks,
        problems,
        solvers,
        outputs,
    })
}

fn round_info(manifest: &Manifest, records: usize, scores: &Scores) -> RoundInfo {
    let o = scores.options;
    let m = ScoreOptions::from_manifest(manifest);
    let run_with = (m.rules != o.rules || m.tie_break != o.tie_break).then(|| {
        format!(
            "The round was run with rules {} and tie-break {}; these pages are scored with the \
             options saved by `misc score --save`.",
            manifest.rules, manifest.tie_break
        )
    });
    let l = &manifest.limits;
    RoundInfo {
        name: manifest.round.clone(),
        date: fmt::utc(manifest.started_at),
        rules: o.rules.as_str().to_owned(),
        rules_desc: rules_desc(&o).to_owned(),
        tie_break: o.tie_break.as_str().to_owned(),
        tie_break_desc: tie_break_desc(o.tie_break).to_owned(),
        exclude_unsolved: o.exclude_unsolved,
        missing: o.missing.as_str().to_owned(),
        run_with,
        cpu_time: format!("{} s", l.cpu_time),
        wall_time: format!("{} s", l.wall_time),
        memory: fmt::mib(l.memory),
        warning: format!("{} s", l.warning),
        output_limit: fmt::mib(l.output),
        track_limits: if manifest.limits_differ_by_track() {
            manifest
                .tracks
                .iter()
                .map(|t| format!("{}: {}", t.name, manifest.track_limits(t)))
                .collect()
        } else {
            Vec::new()
        },
        machine: manifest.machine.clone(),
        host: manifest.host.clone(),
        isolation: isolation_desc(manifest),
        answers: answers_desc(manifest),
        lenient_answers: manifest.answers == Some(misc_results::AnswerReading::Lenient),
        harness_version: manifest.harness_version.clone(),
        report_version: misc_results::HARNESS_VERSION.to_owned(),
        records,
        ignored_records: scores.ignored_records,
        nav_tracks: Vec::new(),
        semantics: semantics_in_use(scores),
    }
}

/// The reading(s) of the scored tracks, as the footer of every page states them.
fn semantics_in_use(scores: &Scores) -> String {
    let first = scores.tracks.first().map(|t| t.semantics);
    if scores.tracks.iter().all(|t| Some(t.semantics) == first) {
        return first.map_or("", |s| s.as_str()).to_owned();
    }
    scores
        .tracks
        .iter()
        .map(|t| format!("{}: {}", t.track, t.semantics))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Per track, the entrants that did not run: listed in the manifest's `not_run` and without
/// any record in the track.
fn not_run_by_track(
    scores: &Scores,
    manifest: &Manifest,
    index: &Index<'_>,
) -> BTreeMap<String, Vec<NotRun>> {
    let mut out: BTreeMap<String, Vec<NotRun>> = BTreeMap::new();
    if manifest.not_run.is_empty() {
        return out;
    }
    for t in &scores.tracks {
        for e in &t.ranking {
            let Some(reason) = manifest.not_run.get(&e.solver) else {
                continue;
            };
            if e.solved + e.fail + e.abort + e.wrong == 0 {
                out.entry(t.track.clone()).or_default().push(NotRun {
                    solver: index.solver(&e.solver),
                    reason: reason.clone(),
                });
            }
        }
    }
    out
}

/// The scores with the entrants that did not run taken out of every ranking of their track
/// (the track's and its categories'), the others ranked again among themselves: a place is 1 +
/// the number of remaining entrants ranked strictly better. Points are unchanged (m counts
/// every entrant).
fn rank_without(scores: &Scores, not_run: &BTreeMap<String, Vec<NotRun>>) -> Scores {
    fn rerank(ranking: &mut Vec<RankEntry>, gone: &[&str]) {
        ranking.retain(|e| !gone.contains(&e.solver.as_str()));
        let old: Vec<u32> = ranking.iter().map(|e| e.rank).collect();
        for e in ranking.iter_mut() {
            e.rank = 1 + old.iter().filter(|&&r| r < e.rank).count() as u32;
        }
    }
    let mut out = scores.clone();
    for t in &mut out.tracks {
        let Some(list) = not_run.get(&t.track) else {
            continue;
        };
        let gone: Vec<&str> = list.iter().map(|n| n.solver.name.as_str()).collect();
        rerank(&mut t.ranking, &gone);
        for c in &mut t.categories {
            rerank(&mut c.ranking, &gone);
        }
    }
    out
}

/// How a round's answers were read, in words.
fn answers_desc(manifest: &Manifest) -> String {
    match manifest.answers {
        None => String::new(),
        Some(misc_results::AnswerReading::Exact) => {
            "exactly as libCUDF's cudf-check (the organisers' checker) reads them; \
             answers = \"exact\""
                .into()
        }
        Some(misc_results::AnswerReading::Lenient) => {
            "leniently: CRLF line ends, `name:value`, a tab after the colon and a missing \
             final line end were accepted, which the organisers' checker rejected; \
             answers = \"lenient\""
                .into()
        }
    }
}

/// The isolation of a round's runs, in words.
fn isolation_desc(manifest: &Manifest) -> String {
    let how = match manifest.isolated_by.as_str() {
        "namespaces" => {
            "each run in its own user, mount, PID, IPC, UTS and network namespaces \
             (read-only host, only its sandbox writable)"
        }
        "partial" => "no network, read-only input (the machine had no user namespaces)",
        "none" => "none (solvers ran as the harness's user)",
        "" => return String::new(),
        other => other,
    };
    format!("{how}; isolation = \"{}\"", manifest.isolation)
}

fn medal(rank: u32) -> &'static str {
    match rank {
        1 => "gold",
        2 => "silver",
        _ => "bronze",
    }
}

fn index_page(
    manifest: &Manifest,
    scores: &Scores,
    not_run: &BTreeMap<String, Vec<NotRun>>,
    round: &RoundInfo,
    index: &Index<'_>,
    problem_count: usize,
) -> IndexPage {
    let tracks = scores
        .tracks
        .iter()
        .map(|t| {
            let mut podium: Vec<Place> = Vec::new();
            // The podium shows the figure of the tie-break in use (the success time when there
            // is none), with the digits that tell the places apart.
            let tb = scores.options.tie_break;
            let figure = |e: &RankEntry| match tb {
                TieBreak::None => Some(e.success_time),
                _ => e.tie_break_value,
            };
            let on_podium: Vec<&RankEntry> = t.ranking.iter().filter(|e| e.rank <= 3).collect();
            let decimals = fmt::decimals_to_tell_apart(
                &on_podium
                    .iter()
                    .filter_map(|e| figure(e))
                    .collect::<Vec<_>>(),
            );
            for e in on_podium {
                let solver = PlaceSolver {
                    name: e.solver.clone(),
                    href: index.solver(&e.solver).href,
                    score: e.score,
                    time: figure(e).map_or_else(|| "-".into(), |v| fmt::secs_to(v, decimals)),
                    time_label: match tb {
                        TieBreak::None => TieBreak::SuccessTime.as_str(),
                        other => other.as_str(),
                    },
                    by_tie_break: e.winner_by_tie_break,
                };
                match podium.last_mut() {
                    Some(p) if p.rank == e.rank => p.solvers.push(solver),
                    _ => podium.push(Place {
                        rank: e.rank,
                        medal: medal(e.rank),
                        solvers: vec![solver],
                    }),
                }
            }
            TrackCard {
                name: t.track.clone(),
                href: index.track(&t.track).href,
                criteria: manifest
                    .tracks
                    .iter()
                    .find(|i| i.name == t.track)
                    .map(|i| i.criteria.clone())
                    .unwrap_or_default(),
                m: t.m,
                problem_count: t.problem_count,
                podium,
                not_run: not_run.get(&t.track).cloned().unwrap_or_default(),
                winners: t.winners().map(|e| e.solver.clone()).collect(),
                tie_note: tie_note(t, scores.options.tie_break),
                missing_runs: t.missing_runs,
                limits: manifest
                    .tracks
                    .iter()
                    .find(|i| i.name == t.track)
                    .filter(|_| manifest.limits_differ_by_track())
                    .map(|i| manifest.track_limits(i).to_string()),
                limits_warning: t.limits_warning(),
            }
        })
        .collect();
    let solvers = index
        .solver_pages
        .keys()
        .map(|s| SolverCard {
            name: s.clone(),
            href: index.solver(s).href,
            version: manifest.solver_versions.get(s).cloned().unwrap_or_default(),
            places: scores
                .tracks
                .iter()
                .filter_map(|t| match t.entry(s) {
                    Some(e) => Some(format!("{}: {} of {}", t.track, ordinal(e.rank), t.m)),
                    None => not_run
                        .get(&t.track)?
                        .iter()
                        .find(|n| &n.solver.name == s)
                        .map(|n| format!("{}: not run: {}", t.track, n.reason)),
                })
                .collect(),
        })
        .collect();
    IndexPage {
        root: "",
        title: format!("{}: results", round.name),
        round: round.clone(),
        tracks,
        solvers,
        problem_count,
        problem_list: PROBLEM_LIST_FILE.to_owned(),
        csv: CSV_FILE.to_owned(),
        json: JSON_FILE.to_owned(),
    }
}

/// A ranking row; `decimals` (success time, tie-break value) tell the column's values apart.
fn rank_row(e: &RankEntry, index: &Index<'_>, decimals: (usize, usize)) -> RankRow {
    RankRow {
        rank: e.rank,
        solver: e.solver.clone(),
        href: index.solver(&e.solver).href,
        score: e.score,
        solved: e.solved,
        fail: e.fail,
        abort: e.abort,
        wrong: e.wrong,
        missing: e.missing,
        success_time: fmt::secs_to(e.success_time, decimals.0),
        success_sort: e.success_time,
        tie_value: e
            .tie_break_value
            .map(|v| fmt::secs_to(v, decimals.1))
            .unwrap_or_default(),
        tie_sort: e.tie_break_value.unwrap_or(0.0),
        by_tie_break: e.winner_by_tie_break,
        cpu_time: fmt::secs(e.cpu_time),
        cpu_sort: e.cpu_time,
    }
}

fn cells(ranking: &[RankEntry], order: &[&str]) -> Vec<Cell> {
    let best = ranking.iter().map(|e| e.score).min();
    order
        .iter()
        .map(|s| match ranking.iter().find(|e| e.solver == *s) {
            Some(e) => Cell {
                text: format!("{} ({})", e.score, fmt::secs(e.success_time)),
                score: e.score,
                best: Some(e.score) == best,
            },
            None => Cell {
                text: String::new(),
                score: 0,
                best: false,
            },
        })
        .collect()
}

fn track_page(
    t: &TrackScores,
    manifest: &Manifest,
    scores: &Scores,
    round: &RoundInfo,
    index: &Index<'_>,
) -> Result<TrackPage, PlotError> {
    let tb = scores.options.tie_break;
    let order: Vec<&str> = t.ranking.iter().map(|e| e.solver.as_str()).collect();
    let category_rows = t
        .categories
        .iter()
        .map(|c| CategoryRow {
            category: c.category.clone(),
            problem_count: c.problem_count,
            cells: cells(&c.ranking, &order),
        })
        .collect();
    let total_row = CategoryRow {
        category: "Total".into(),
        problem_count: t.problem_count,
        cells: cells(&t.ranking, &order),
    };
    let problems = t
        .problems
        .iter()
        .map(|p| ProblemRow {
            name: p.problem.clone(),
            href: index.problem(&p.problem).href,
            category: p.category.clone(),
            solved_by: p.solved_by,
            best: p
                .results
                .iter()
                .filter(|r| r.class == Class::Solved && r.points == 1)
                .map(|r| r.solver.to_string())
                .collect(),
        })
        .collect();
    Ok(TrackPage {
        root: "../",
        title: format!("{}: track {}", round.name, t.track),
        round: round.clone(),
        name: t.track.clone(),
        criteria: t
            .objectives
            .iter()
            .map(|o| o.label.as_str())
            .collect::<Vec<_>>()
            .join(","),
        objectives: t.objectives.iter().map(|o| o.label.clone()).collect(),
        semantics: t.semantics.as_str().to_owned(),
        m: t.m,
        problem_count: t.problem_count,
        cpu_time_limit: format!("{} s", t.cpu_time_limit),
        limits: manifest
            .tracks
            .iter()
            .find(|i| i.name == t.track)
            .map(|i| manifest.track_limits(i))
            .unwrap_or_else(|| manifest.limits.clone())
            .to_string(),
        limits_warning: t.limits_warning(),
        unsolved_problems: t.unsolved_problems,
        missing_runs: t.missing_runs,
        ignored_records: t.ignored_records,
        winners: t.winners().map(|e| e.solver.clone()).collect(),
        tie_note: tie_note(t, tb),
        tie_column: match tb {
            TieBreak::None | TieBreak::SuccessTime => None,
            other => Some(other.as_str().to_owned()),
        },
        ranking: {
            let success: Vec<f64> = t.ranking.iter().map(|e| e.success_time).collect();
            let tie: Vec<f64> = t.ranking.iter().filter_map(|e| e.tie_break_value).collect();
            let decimals = (
                fmt::decimals_to_tell_apart(&success),
                fmt::decimals_to_tell_apart(&tie),
            );
            t.ranking
                .iter()
                .map(|e| rank_row(e, index, decimals))
                .collect()
        },
        not_run: Vec::new(),
        category_solvers: order.iter().map(|s| index.solver(s)).collect(),
        category_rows,
        total_row,
        plots: track_plots(t)?,
        problems,
    })
}

/// The CPU times of `solver`'s valid solutions in track `t`.
fn solved_times(t: &TrackScores, solver: &str) -> Vec<f64> {
    t.problems
        .iter()
        .filter_map(|p| p.result(solver))
        .filter(|r| r.class == Class::Solved)
        .map(|r| r.cpu_time)
        .collect()
}

/// The (x, y) pairs of two solvers' CPU times on the problems of `t`.
fn pairs(t: &TrackScores, x: &str, y: &str) -> Vec<Pair> {
    t.problems
        .iter()
        .filter_map(|p| {
            let a = p.result(x)?;
            let b = p.result(y)?;
            if a.class == Class::Missing || b.class == Class::Missing {
                return None;
            }
            Some(Pair {
                x: a.cpu_time,
                y: b.cpu_time,
                x_solved: a.class == Class::Solved,
                y_solved: b.class == Class::Solved,
            })
        })
        .collect()
}

fn scatter(t: &TrackScores, x: &str, y: &str) -> Result<PlotView, PlotError> {
    let data = pairs(t, x, y);
    let both = data.iter().filter(|p| p.x_solved && p.y_solved).count();
    let x_faster = data
        .iter()
        .filter(|p| p.x_solved && (!p.y_solved || p.x < p.y))
        .count();
    let y_faster = data
        .iter()
        .filter(|p| p.y_solved && (!p.x_solved || p.y < p.x))
        .count();
    let caption = format!(
        "CPU times of {x} (horizontal) and {y} (vertical) on the {} problems of track {} both \
         ran; both solved {both}; {x} faster or alone on {x_faster}, {y} on {y_faster}. Points \
         above the diagonal are problems where {x} was faster.",
        data.len(),
        t.track
    );
    let svg = plot::scatter_svg(
        &format!("{x} vs {y} ({})", t.track),
        x,
        y,
        &data,
        t.cpu_time_limit,
    )?;
    Ok(PlotView {
        svg: plot::accessible(&svg, &caption),
        caption,
    })
}

fn track_plots(t: &TrackScores) -> Result<Vec<PlotView>, PlotError> {
    let mut plots = Vec::new();
    let series: Vec<Series> = t
        .ranking
        .iter()
        .map(|e| Series {
            name: e.solver.clone(),
            values: solved_times(t, &e.solver),
        })
        .collect();
    let solved: Vec<String> = series
        .iter()
        .map(|s| format!("{} {}", s.name, s.values.len()))
        .collect();
    let caption = format!(
        "Cactus plot of track {}: for each solver, the CPU time of its n-th fastest valid \
         solution against n (log scale; further right and lower is better). Problems solved: {}.",
        t.track,
        solved.join(", ")
    );
    let svg = plot::cactus_svg(
        &format!("Track {}: problems solved against CPU time", t.track),
        &series,
        t.cpu_time_limit,
    )?;
    plots.push(PlotView {
        svg: plot::accessible(&svg, &caption),
        caption,
    });

    let categories: Vec<String> = t.categories.iter().map(|c| c.category.clone()).collect();
    let bars: Vec<Series> = t
        .ranking
        .iter()
        .map(|e| Series {
            name: e.solver.clone(),
            values: t
                .categories
                .iter()
                .map(|c| c.ranking.iter().find(|x| x.solver == e.solver))
                .map(|x| x.map_or(0.0, |x| x.score as f64))
                .collect(),
        })
        .collect();
    let caption = format!(
        "Score by category on track {} (lower is better); the numbers are in the category \
         table above.",
        t.track
    );
    let svg = plot::category_bars_svg(
        &format!("Track {}: score by category", t.track),
        &categories,
        &bars,
    )?;
    plots.push(PlotView {
        svg: plot::accessible(&svg, &caption),
        caption,
    });

    if let [a, b, ..] = t.ranking.as_slice() {
        plots.push(scatter(t, &a.solver, &b.solver)?);
    }
    Ok(plots)
}

fn run_row(
    p: &ProblemScores,
    r: &misc_score::ProblemResult,
    track: &str,
    index: &Index<'_>,
    kept: &dyn KeptFiles,
    outputs: &mut Vec<OutputCopy>,
) -> RunRow {
    let (outcome, outcome_label) = outcome(r.class);
    let rec = index
        .records
        .get(&(track, &*r.solver, p.problem.as_str()))
        .copied();
    let output = rec.and_then(|rec| {
        let href = output_href(rec, kept)?;
        let from = rec.output.clone()?;
        outputs.push(OutputCopy {
            to: format!("{OUTPUTS_PREFIX}/{from}"),
            from,
        });
        Some(href)
    });
    RunRow {
        solver: index.solver(&r.solver),
        outcome,
        outcome_label,
        points: r.points,
        criteria: r.criteria.as_deref().map(fmt::vector).unwrap_or_default(),
        cpu_time: rec.map(|x| fmt::secs(x.cpu_time)).unwrap_or_default(),
        cpu_sort: rec.map_or(0.0, |x| x.cpu_time),
        wall_time: rec.map(|x| fmt::secs(x.wall_time)).unwrap_or_default(),
        wall_sort: rec.map_or(0.0, |x| x.wall_time),
        memory: rec.map(|x| fmt::mib(x.memory)).unwrap_or_default(),
        memory_sort: rec.map_or(0, |x| x.memory),
        termination: rec
            .map(termination)
            .unwrap_or_else(|| "no record".to_owned()),
        detail: rec.map(|x| x.detail.clone()).unwrap_or_default(),
        violations: rec
            .map(|x| {
                x.violations
                    .iter()
                    .map(|v| Violation {
                        kind: v.kind.as_str().to_owned(),
                        message: v.message.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        output,
        logs: rec.map(|x| log_views(x, kept, outputs)).unwrap_or_default(),
    }
}

fn problem_pages(
    scores: &Scores,
    round: &RoundInfo,
    index: &Index<'_>,
    kept: &dyn KeptFiles,
    outputs: &mut Vec<OutputCopy>,
) -> Vec<Page<ProblemPage>> {
    let mut by_problem: BTreeMap<&str, Vec<(&TrackScores, &ProblemScores)>> = BTreeMap::new();
    for t in &scores.tracks {
        for p in &t.problems {
            by_problem.entry(&p.problem).or_default().push((t, p));
        }
    }
    by_problem
        .into_iter()
        .map(|(name, entries)| {
            let tracks = entries
                .iter()
                .map(|(t, p)| {
                    let mut runs: Vec<RunRow> = p
                        .results
                        .iter()
                        .map(|r| run_row(p, r, &t.track, index, kept, outputs))
                        .collect();
                    runs.sort_by(|a, b| {
                        a.points
                            .cmp(&b.points)
                            .then_with(|| a.solver.name.cmp(&b.solver.name))
                    });
                    ProblemTrack {
                        track: index.track(&t.track),
                        objectives: t.objectives.iter().map(|o| o.label.clone()).collect(),
                        m: t.m,
                        solved_by: p.solved_by,
                        runs,
                    }
                })
                .collect();
            Page {
                file: index.problem(name).href,
                data: ProblemPage {
                    root: "../",
                    title: format!("{}: problem {name}", round.name),
                    round: round.clone(),
                    name: name.to_owned(),
                    category: entries
                        .first()
                        .map(|(_, p)| p.category.clone())
                        .unwrap_or_default(),
                    tracks,
                },
            }
        })
        .collect()
}

fn solver_page(
    solver: &str,
    manifest: &Manifest,
    records: &[RunRecord],
    scores: &Scores,
    round: &RoundInfo,
    index: &Index<'_>,
    kept: &dyn KeptFiles,
) -> Result<SolverPage, PlotError> {
    let mut tracks = Vec::new();
    let mut failed = Vec::new();
    let mut plots = Vec::new();
    let mut points: HashMap<(&str, &str), u64> = HashMap::new();
    for t in &scores.tracks {
        let Some(e) = t.entry(solver) else { continue };
        tracks.push(SolverTrack {
            track: index.track(&t.track),
            rank: e.rank,
            m: t.m,
            score: e.score,
            solved: e.solved,
            fail: e.fail,
            abort: e.abort,
            wrong: e.wrong,
            missing: e.missing,
            success_time: fmt::secs(e.success_time),
            by_tie_break: e.winner_by_tie_break,
            categories: t
                .categories
                .iter()
                .filter_map(|c| {
                    let x = c.ranking.iter().find(|x| x.solver == solver)?;
                    Some(SolverCategory {
                        category: c.category.clone(),
                        rank: x.rank,
                        text: format!("{} ({})", x.score, fmt::secs(x.success_time)),
                    })
                })
                .collect(),
        });
        for p in &t.problems {
            let Some(r) = p.result(solver) else { continue };
            points.insert((t.track.as_str(), p.problem.as_str()), r.points);
            if r.class == Class::Solved {
                continue;
            }
            let rec = index
                .records
                .get(&(t.track.as_str(), solver, p.problem.as_str()))
                .copied();
            let (outcome, outcome_label) = outcome(r.class);
            failed.push(SolverRun {
                track: index.track(&t.track),
                problem: index.problem(&p.problem),
                category: p.category.clone(),
                outcome,
                outcome_label,
                points: r.points,
                cpu_time: rec.map(|x| fmt::secs(x.cpu_time)).unwrap_or_default(),
                cpu_sort: rec.map_or(0.0, |x| x.cpu_time),
                wall_time: rec.map(|x| fmt::secs(x.wall_time)).unwrap_or_default(),
                wall_sort: rec.map_or(0.0, |x| x.wall_time),
                termination: rec
                    .map(termination)
                    .unwrap_or_else(|| "no record".to_owned()),
                detail: rec.map(|x| x.detail.clone()).unwrap_or_default(),
                output: rec.and_then(|x| output_href(x, kept)),
            });
        }
        // A scatter against the winner (or, for the winner, the runner-up).
        let other = t
            .ranking
            .iter()
            .find(|x| x.solver != solver)
            .map(|x| x.solver.as_str());
        if let Some(other) = other {
            plots.push(scatter(t, solver, other)?);
        }
    }
    let failed_total = failed.len();
    failed.truncate(MAX_FAILED);

    let mut mine: Vec<&RunRecord> = records
        .iter()
        .filter(|r| r.solver == solver && points.contains_key(&(&*r.track, &*r.problem)))
        .collect();
    mine.sort_by(|a, b| b.cpu_time.total_cmp(&a.cpu_time));
    let slowest = mine
        .into_iter()
        .take(SLOWEST)
        .map(|r| {
            let (outcome, outcome_label) = outcome(r.outcome.into());
            SolverRun {
                track: index.track(&r.track),
                problem: index.problem(&r.problem),
                category: r.category.clone(),
                outcome,
                outcome_label,
                points: points
                    .get(&(r.track.as_str(), r.problem.as_str()))
                    .copied()
                    .unwrap_or(0),
                cpu_time: fmt::secs(r.cpu_time),
                cpu_sort: r.cpu_time,
                wall_time: fmt::secs(r.wall_time),
                wall_sort: r.wall_time,
                termination: termination(r),
                detail: r.detail.clone(),
                output: output_href(r, kept),
            }
        })
        .collect();

    Ok(SolverPage {
        not_run: Vec::new(),
        root: "../",
        title: format!("{}: solver {solver}", round.name),
        round: round.clone(),
        name: solver.to_owned(),
        version: manifest
            .solver_versions
            .get(solver)
            .cloned()
            .unwrap_or_default(),
        description: manifest
            .solver_descriptions
            .get(solver)
            .cloned()
            .unwrap_or_default(),
        tracks,
        slowest,
        failed,
        failed_total,
        plots,
    })
}

fn problem_list(scores: &Scores, round: &RoundInfo, index: &Index<'_>) -> ProblemListPage {
    let mut rows: BTreeMap<&str, ProblemListRow> = BTreeMap::new();
    for t in &scores.tracks {
        for p in &t.problems {
            let row = rows.entry(&p.problem).or_insert_with(|| ProblemListRow {
                name: p.problem.clone(),
                href: index.problem(&p.problem).href,
                category: p.category.clone(),
                tracks: Vec::new(),
                solved_by: String::new(),
            });
            row.tracks.push(t.track.clone());
            if !row.solved_by.is_empty() {
                row.solved_by.push_str(", ");
            }
            row.solved_by
                .push_str(&format!("{}/{} in {}", p.solved_by, t.m, t.track));
        }
    }
    ProblemListPage {
        root: "",
        title: format!("{}: problems", round.name),
        round: round.clone(),
        problems: rows.into_values().collect(),
    }
}
