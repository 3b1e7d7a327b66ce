//! The computation: intern names, place records in a dense (problem × solver) grid, rank each
//! problem, then aggregate per solver over the track and over each category.

use std::collections::BTreeMap;
use std::sync::Arc;

use misc_results::{compare, Limits, Manifest, RunRecord, Semantics, Sense, TrackInfo};

use crate::{
    CategoryScores, Class, Clock, CriteriaVector, LimitsInRecords, ProblemResult, ProblemScores,
    RankEntry, RunRef, SavedScoring, ScoreError, ScoreOptions, Scores, TimeFigure, TrackScores,
};

/// The points of valid solutions on one problem (misc-rules.md §1.2): for each vector,
/// 1 + the number of vectors strictly better, comparing with [`misc_results::compare`]. Ties
/// share (1, 2, 2, 4).
///
/// ```
/// use misc_score::{rank_points, Sense::Min};
/// let v: [&[i64]; 4] = [&[0, 1], &[0, 3], &[0, 3], &[1, 0]];
/// assert_eq!(rank_points(&v, &[Min, Min]), [1, 2, 2, 4]);
/// ```
pub fn rank_points(vectors: &[&[i64]], senses: &[Sense]) -> Vec<u64> {
    let mut points = vec![0; vectors.len()];
    let mut order = Vec::with_capacity(vectors.len());
    rank_points_into(
        vectors.len(),
        |i| vectors[i],
        senses,
        &mut order,
        &mut points,
    );
    points
}

/// [`rank_points`] without allocating: the vector of item `i` is `vector(i)`, `order` is
/// scratch space, and `points[i]` receives the points of item `i`.
fn rank_points_into<'v>(
    n: usize,
    vector: impl Fn(usize) -> &'v [i64],
    senses: &[Sense],
    order: &mut Vec<usize>,
    points: &mut [u64],
) {
    order.clear();
    order.extend(0..n);
    order.sort_by(|&a, &b| compare(vector(a), vector(b), senses));
    let mut start = 0;
    for pos in 0..order.len() {
        if pos > 0 && compare(vector(order[pos - 1]), vector(order[pos]), senses).is_ne() {
            start = pos;
        }
        points[order[pos]] = 1 + start as u64;
    }
}

/// Names are trusted input and short, so a fast non-keyed hash (rustc's FxHash).
type FxMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// Seconds to integer microseconds: sums are then exact and independent of record order.
/// NaN and negative times count as 0; huge ones saturate.
fn micros(seconds: f64) -> i64 {
    if seconds.is_nan() || seconds <= 0.0 {
        0
    } else {
        (seconds * 1e6).round() as i64
    }
}

fn seconds(micros: i64) -> f64 {
    micros as f64 / 1e6
}

/// One (problem, solver) cell of a track.
#[derive(Clone, Copy)]
struct Cell {
    class: Class,
    /// The limits of the cell's record: an index into the track's distinct limits, or
    /// `NO_RECORD` (the track's limits apply).
    limits: u32,
    cpu: i64,
    wall: i64,
}

const NO_RECORD: u32 = u32::MAX;

const MISSING: Cell = Cell {
    class: Class::Missing,
    limits: NO_RECORD,
    cpu: 0,
    wall: 0,
};

/// The limits of a record, exactly (times in microseconds), to find records run under the
/// same limits.
type LimitsKey = [i64; 5];

fn limits_key(l: &Limits) -> LimitsKey {
    let size = |b: u64| i64::try_from(b).unwrap_or(i64::MAX);
    [
        micros(l.cpu_time),
        micros(l.wall_time),
        size(l.memory),
        size(l.output),
        micros(l.warning),
    ]
}

/// One set of limits found in a track's records.
struct LimitsSeen<'a> {
    key: LimitsKey,
    limits: &'a Limits,
    runs: usize,
}

const NOT_IN_TRACK: u32 = u32::MAX;

/// Solver and problem names interned once for all tracks (tracks usually share problems), so
/// that a record costs two lookups in tables that stay small.
#[derive(Default)]
struct Names<'a> {
    solvers: FxMap<&'a str, u32>,
    problems: FxMap<&'a str, u32>,
}

fn intern<'a>(map: &mut FxMap<&'a str, u32>, name: &'a str) -> u32 {
    let next = map.len() as u32;
    *map.entry(name).or_insert(next)
}

/// A track's records, condensed: everything the ranking needs, in one compact grid, so that
/// the records are read once, in their own order.
struct TrackIndex<'a> {
    info: &'a TrackInfo,
    /// The reading the track is scored with.
    semantics: Semantics,
    /// Interned solver id to the solver's index in the track, or `NOT_IN_TRACK`.
    solver_of: Vec<u32>,
    /// Interned problem id to the problem's index in the track, or `NOT_IN_TRACK`.
    problem_of: Vec<u32>,
    /// `cells[p * solvers + s]`.
    cells: Vec<Cell>,
    /// The criteria vector of cell `i` is `crit[i * k..(i + 1) * k]` (for valid solutions).
    crit: Vec<i64>,
    /// Per problem: the category named by the record of the first solver (in manifest order)
    /// that names one.
    category: Vec<Option<(usize, &'a str)>>,
    wall_limit: Option<f64>,
    /// The distinct limits of the records, in order of first appearance (cells index them).
    limits: Vec<LimitsSeen<'a>>,
    limits_index: FxMap<LimitsKey, u32>,
    ignored: usize,
}

impl<'a> TrackIndex<'a> {
    fn new(
        info: &'a TrackInfo,
        semantics: Semantics,
        names: &mut Names<'a>,
    ) -> Result<TrackIndex<'a>, ScoreError> {
        let mut solver_of = Vec::new();
        for (s, name) in info.solvers.iter().enumerate() {
            let id = intern(&mut names.solvers, name) as usize;
            if solver_of.len() <= id {
                solver_of.resize(id + 1, NOT_IN_TRACK);
            }
            if solver_of[id] != NOT_IN_TRACK {
                return Err(ScoreError::DuplicateSolver {
                    track: info.name.clone(),
                    solver: name.clone(),
                });
            }
            solver_of[id] = s as u32;
        }
        let mut problem_of = Vec::new();
        for (p, name) in info.problems.iter().enumerate() {
            let id = intern(&mut names.problems, name) as usize;
            if problem_of.len() <= id {
                problem_of.resize(id + 1, NOT_IN_TRACK);
            }
            if problem_of[id] != NOT_IN_TRACK {
                return Err(ScoreError::DuplicateProblem {
                    track: info.name.clone(),
                    problem: name.clone(),
                });
            }
            problem_of[id] = p as u32;
        }
        let cells = info.solvers.len().saturating_mul(info.problems.len());
        Ok(TrackIndex {
            info,
            semantics,
            solver_of,
            problem_of,
            cells: vec![MISSING; cells],
            crit: vec![0; cells.saturating_mul(info.objectives.len())],
            category: vec![None; info.problems.len()],
            wall_limit: None,
            limits: Vec::new(),
            limits_index: FxMap::default(),
            ignored: 0,
        })
    }

    /// Places one record of this track in the grid.
    /// Where record `r` goes in the grid: its cell index, or `None` if its solver is not
    /// entered or its problem not listed.
    fn locate(&self, r: &RunRecord, names: &Names<'_>) -> Option<usize> {
        let local = |of: &[u32], id: Option<&u32>| {
            id.and_then(|&id| of.get(id as usize))
                .filter(|&&i| i != NOT_IN_TRACK)
                .map(|&i| i as usize)
        };
        let s = local(&self.solver_of, names.solvers.get(r.solver.as_str()))?;
        let p = local(&self.problem_of, names.problems.get(r.problem.as_str()))?;
        Some(p * self.info.solvers.len() + s)
    }

    /// Places record `r` in cell `i`.
    fn put(&mut self, i: usize, r: &'a RunRecord) -> Result<(), ScoreError> {
        let n_s = self.info.solvers.len();
        let (p, s) = (i / n_s, i % n_s);
        if self.cells[i].class != Class::Missing {
            return Err(ScoreError::DuplicateRun {
                track: r.track.clone(),
                solver: r.solver.clone(),
                problem: r.problem.clone(),
            });
        }
        let class = Class::from(r.outcome);
        if class == Class::Solved {
            let k = self.info.objectives.len();
            match r.criteria_under(self.semantics, self.info.semantics) {
                Some(v) if v.len() == k => self.crit[i * k..(i + 1) * k].copy_from_slice(v),
                None if k == 0 => {}
                None if r.criteria.is_some() => {
                    return Err(ScoreError::MissingReading {
                        track: r.track.clone(),
                        solver: r.solver.clone(),
                        problem: r.problem.clone(),
                        semantics: self.semantics,
                        judged_with: self.info.semantics,
                    })
                }
                other => {
                    return Err(ScoreError::CriteriaLength {
                        track: r.track.clone(),
                        solver: r.solver.clone(),
                        problem: r.problem.clone(),
                        expected: k,
                        found: other.map(<[i64]>::len),
                    })
                }
            }
        }
        // Records of a track nearly always share their limits: check the last set first.
        let key = limits_key(&r.limits);
        let limits = match self.limits.last() {
            Some(last) if last.key == key => self.limits.len() - 1,
            _ => {
                let next = self.limits.len() as u32;
                let at = *self.limits_index.entry(key).or_insert(next);
                if at == next {
                    self.limits.push(LimitsSeen {
                        key,
                        limits: &r.limits,
                        runs: 0,
                    });
                }
                at as usize
            }
        };
        self.limits[limits].runs += 1;
        self.cells[i] = Cell {
            class,
            limits: limits as u32,
            cpu: micros(r.cpu_time),
            wall: micros(r.wall_time),
        };
        if !r.category.is_empty() && !matches!(self.category[p], Some((first, _)) if first < s) {
            self.category[p] = Some((s, &r.category));
        }
        let w = r.limits.wall_time;
        if w.is_finite() && !matches!(self.wall_limit, Some(x) if x >= w) {
            self.wall_limit = Some(w);
        }
        Ok(())
    }
}

/// Scores every track of `tracks` from `records` (the records of one round).
///
/// Records of a track not in `tracks`, of a solver not entered in the track, or of a problem
/// not listed in it are ignored and counted. Two records for one (track, solver, problem) are
/// an error ([`misc_results::Store::load`] never returns them), as is a valid solution whose
/// criteria vector does not have one value per criterion of its track.
pub fn score(
    tracks: &[TrackInfo],
    records: &[RunRecord],
    opts: ScoreOptions,
) -> Result<Scores, ScoreError> {
    let mut by_name: FxMap<&str, usize> = FxMap::default();
    let mut names = Names::default();
    let mut index = Vec::with_capacity(tracks.len());
    for (t, info) in tracks.iter().enumerate() {
        if by_name.insert(info.name.as_str(), t).is_some() {
            return Err(ScoreError::DuplicateTrack(info.name.clone()));
        }
        index.push(TrackIndex::new(
            info,
            opts.semantics.unwrap_or(info.semantics),
            &mut names,
        )?);
    }

    // Two passes over the records, both in their own order: first where each goes (hash
    // lookups), then the copy into the grids. Kept apart, the second loop is small enough for
    // the processor to overlap its cache misses, which dominate when records come in a random
    // order.
    let mut ignored = 0;
    let mut place: Vec<(u32, usize)> = Vec::with_capacity(records.len());
    // Records of one track usually come together: remember the last track looked up.
    let mut last: Option<(&str, usize)> = None;
    for r in records {
        let t = match last {
            Some((name, t)) if name == r.track => Some(t),
            _ => by_name.get(r.track.as_str()).map(|&t| {
                last = Some((r.track.as_str(), t));
                t
            }),
        };
        match t {
            None => {
                ignored += 1;
                place.push((u32::MAX, 0));
            }
            Some(t) => match index[t].locate(r, &names) {
                Some(i) => place.push((t as u32, i)),
                None => {
                    index[t].ignored += 1;
                    place.push((u32::MAX, 0));
                }
            },
        }
    }
    for (r, &(t, i)) in records.iter().zip(&place) {
        if let Some(track) = index.get_mut(t as usize) {
            track.put(i, r)?;
        }
    }
    drop(place);

    let tracks = index
        .into_iter()
        .map(|t| score_track(t, opts))
        .collect::<Result<_, _>>()?;
    Ok(Scores {
        options: opts,
        tracks,
        ignored_records: ignored,
    })
}

/// Scores a round the way its report should: with the saved options of `misc score --save`
/// when there are any, otherwise with the manifest's rules and tie-break.
pub fn score_round(
    manifest: &Manifest,
    records: &[RunRecord],
    saved: Option<&SavedScoring>,
) -> Result<Scores, ScoreError> {
    score(
        &manifest.tracks,
        records,
        crate::options_for_round(manifest, saved),
    )
}

/// The category of problem `p` when no record names it: the name of the folder it sits in.
fn category_from_path(problem: &str) -> &str {
    problem.rsplit('/').nth(1).unwrap_or("")
}

fn score_track(t: TrackIndex<'_>, opts: ScoreOptions) -> Result<TrackScores, ScoreError> {
    let TrackIndex {
        info,
        semantics: t_semantics,
        cells,
        crit,
        category: first_category,
        wall_limit,
        limits: seen,
        ignored,
        ..
    } = t;
    let n_s = info.solvers.len();
    let n_p = info.problems.len();
    let m = n_s as u64;
    let k = info.objectives.len();
    let senses: Vec<Sense> = info.objectives.iter().map(|o| o.sense).collect();
    let names: Vec<Arc<str>> = info.solvers.iter().map(|s| Arc::from(s.as_str())).collect();

    let missing_runs = cells.iter().filter(|c| c.class == Class::Missing).count();
    if missing_runs > 0 && opts.missing == crate::MissingRuns::Reject {
        return Err(ScoreError::Incomplete {
            track: info.name.clone(),
            missing: missing_runs,
        });
    }
    let penalty: [u64; 5] = [
        Class::Solved,
        Class::Fail,
        Class::Abort,
        Class::Wrong,
        Class::Missing,
    ]
    .map(|c| {
        crate::penalty_factor(opts.rules, c, opts.missing)
            .unwrap_or(0)
            .saturating_mul(m)
    });
    let vector = |i: usize| &crit[i * k..(i + 1) * k];

    // What a run without a valid solution adds to the time figures: the limits of its own
    // record (misc-rules.md §2; MISC 2012: "the time limit now depends on the track"). A
    // missing run, or a record without a usable limit, is charged the track's limits.
    let track_charge = Charge {
        cpu: micros(info.cpu_time_limit),
        wall: micros(
            info.limits
                .as_ref()
                .map(|l| l.wall_time)
                .or(wall_limit)
                .unwrap_or(info.cpu_time_limit),
        ),
    };
    let charges: Vec<Charge> = seen
        .iter()
        .map(|s| {
            let or = |t: i64, default: i64| if t > 0 { t } else { default };
            Charge {
                cpu: or(s.key[0], track_charge.cpu),
                wall: or(s.key[1], track_charge.wall),
            }
        })
        .collect();
    let charge = |c: &Cell| match c.limits {
        NO_RECORD => track_charge,
        i => charges[i as usize],
    };

    let mut points = vec![0u64; cells.len()];
    let mut solved_by = vec![0u32; n_p];
    let mut problems = Vec::with_capacity(n_p);
    let mut categories: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    // Reused per problem: the solvers with a valid solution.
    let mut valid: Vec<usize> = Vec::with_capacity(n_s);
    // Reused per problem: scratch space and points of the valid solutions.
    let mut order: Vec<usize> = Vec::with_capacity(n_s);
    let mut valid_points: Vec<u64> = vec![0; n_s];

    for p in 0..n_p {
        let base = p * n_s;
        valid.clear();
        for (s, c) in cells[base..base + n_s].iter().enumerate() {
            points[base + s] = penalty[class_index(c.class)];
            if c.class == Class::Solved {
                valid.push(s);
            }
        }

        // §1.2: 1 + the number of strictly better valid solutions (ties share).
        rank_points_into(
            valid.len(),
            |j| vector(base + valid[j]),
            &senses,
            &mut order,
            &mut valid_points,
        );
        for (j, &s) in valid.iter().enumerate() {
            points[base + s] = valid_points[j];
        }
        solved_by[p] = valid.len() as u32;

        let category = match first_category[p] {
            Some((_, c)) => c,
            None => category_from_path(&info.problems[p]),
        }
        .to_owned();
        let results = cells[base..base + n_s]
            .iter()
            .enumerate()
            .map(|(s, c)| ProblemResult {
                solver: names[s].clone(),
                class: c.class,
                points: points[base + s],
                criteria: (c.class == Class::Solved)
                    .then(|| CriteriaVector::from(vector(base + s))),
                cpu_time: seconds(c.cpu),
                wall_time: seconds(c.wall),
                cpu_time_limit: seconds(charge(c).cpu),
                wall_time_limit: seconds(charge(c).wall),
            })
            .collect();
        categories.entry(category.clone()).or_default().push(p);
        problems.push(ProblemScores {
            problem: info.problems[p].clone(),
            category,
            solved_by: solved_by[p],
            results,
        });
    }

    let grid = Grid {
        cells: &cells,
        points: &points,
        n_s,
        solved_by: &solved_by,
        names: &info.solvers,
        charges: &charges,
        track_charge,
        opts,
    };
    let all: Vec<usize> = (0..n_p).collect();
    let ranking = grid.rank(&all);
    let categories = categories
        .into_iter()
        .map(|(category, ps)| CategoryScores {
            category,
            problem_count: ps.len(),
            ranking: grid.rank(&ps),
        })
        .collect();

    Ok(TrackScores {
        track: info.name.clone(),
        semantics: t_semantics,
        m: n_s,
        problem_count: n_p,
        objectives: info.objectives.clone(),
        cpu_time_limit: info.cpu_time_limit,
        wall_time_limit: seconds(track_charge.wall),
        limits: info.limits.clone(),
        record_limits: record_limits(&seen, &cells, info),
        unsolved_problems: solved_by.iter().filter(|&&n| n == 0).count(),
        missing_runs,
        ignored_records: ignored,
        ranking,
        categories,
        problems,
    })
}

/// The distinct limits of a track's records, in limit order; with a few runs of each when
/// they differ (the track's definition changed between runs).
fn record_limits(
    seen: &[LimitsSeen<'_>],
    cells: &[Cell],
    info: &TrackInfo,
) -> Vec<LimitsInRecords> {
    const EXAMPLES: usize = 3;
    let mut examples: Vec<Vec<RunRef>> = vec![Vec::new(); seen.len()];
    if seen.len() > 1 {
        let n_s = info.solvers.len();
        for (i, c) in cells.iter().enumerate() {
            if let Some(list) = examples.get_mut(c.limits as usize) {
                if list.len() < EXAMPLES {
                    list.push(RunRef {
                        solver: info.solvers[i % n_s].clone(),
                        problem: info.problems[i / n_s].clone(),
                    });
                }
            }
        }
    }
    let mut out: Vec<(LimitsKey, LimitsInRecords)> = seen
        .iter()
        .zip(examples)
        .map(|(s, examples)| {
            (
                s.key,
                LimitsInRecords {
                    limits: s.limits.clone(),
                    runs: s.runs,
                    examples,
                },
            )
        })
        .collect();
    out.sort_by_key(|(k, _)| *k);
    out.into_iter().map(|(_, l)| l).collect()
}

/// What a run without a valid solution adds to the CPU and wall-clock figures, in
/// microseconds: the limits it was given.
#[derive(Clone, Copy)]
struct Charge {
    cpu: i64,
    wall: i64,
}

struct Grid<'a> {
    cells: &'a [Cell],
    points: &'a [u64],
    n_s: usize,
    solved_by: &'a [u32],
    names: &'a [String],
    /// Per distinct limits of the records ([`Cell::limits`]).
    charges: &'a [Charge],
    /// For a missing run.
    track_charge: Charge,
    opts: ScoreOptions,
}

/// Per-solver sums over a set of problems, times in microseconds.
#[derive(Default, Clone, Copy)]
struct Agg {
    score: u64,
    counts: [u32; 5],
    cpu: i64,
    wall: i64,
    /// Indexed by `Clock as usize`.
    solved: [i64; 2],
    success: [i64; 2],
    par2: [i64; 2],
}

fn class_index(c: Class) -> usize {
    match c {
        Class::Solved => 0,
        Class::Fail => 1,
        Class::Abort => 2,
        Class::Wrong => 3,
        Class::Missing => 4,
    }
}

impl Grid<'_> {
    fn cell(&self, p: usize, s: usize) -> &Cell {
        &self.cells[p * self.n_s + s]
    }

    fn aggregate(&self, problems: &[usize]) -> Vec<Agg> {
        let mut aggs = vec![Agg::default(); self.n_s];
        for &p in problems {
            // `--exclude-unsolved`: a problem nobody solved is left out of the time figures.
            let charged = !(self.opts.exclude_unsolved && self.solved_by[p] == 0);
            let row = &self.cells[p * self.n_s..(p + 1) * self.n_s];
            let points = &self.points[p * self.n_s..(p + 1) * self.n_s];
            for ((a, c), &pts) in aggs.iter_mut().zip(row).zip(points) {
                a.score = a.score.saturating_add(pts);
                a.counts[class_index(c.class)] += 1;
                a.cpu = a.cpu.saturating_add(c.cpu);
                a.wall = a.wall.saturating_add(c.wall);
                let t = [c.cpu, c.wall];
                let charge = match c.limits {
                    NO_RECORD => self.track_charge,
                    i => self.charges[i as usize],
                };
                let lim = [charge.cpu, charge.wall];
                for clock in 0..2 {
                    if c.class == Class::Solved {
                        a.solved[clock] = a.solved[clock].saturating_add(t[clock]);
                        a.success[clock] = a.success[clock].saturating_add(t[clock]);
                        a.par2[clock] = a.par2[clock].saturating_add(t[clock]);
                    } else if charged {
                        a.success[clock] = a.success[clock].saturating_add(lim[clock]);
                        a.par2[clock] = a.par2[clock].saturating_add(lim[clock].saturating_mul(2));
                    }
                }
            }
        }
        aggs
    }

    /// The common time of each solver of `group` (solvers tied on the total): the time on the
    /// problems that every solver of the group solved.
    fn common(&self, problems: &[usize], group: &[usize], clock: Clock, out: &mut [i64]) {
        for &p in problems {
            if group
                .iter()
                .all(|&s| self.cell(p, s).class == Class::Solved)
            {
                for &s in group {
                    let c = self.cell(p, s);
                    let t = if clock == Clock::Cpu { c.cpu } else { c.wall };
                    out[s] = out[s].saturating_add(t);
                }
            }
        }
    }

    /// The ranking over `problems` (see the crate documentation for the order).
    fn rank(&self, problems: &[usize]) -> Vec<RankEntry> {
        let aggs = self.aggregate(problems);
        let mut order: Vec<usize> = (0..self.n_s).collect();
        order.sort_by(|&a, &b| aggs[a].score.cmp(&aggs[b].score).then(a.cmp(&b)));
        // Groups of equal totals, best first.
        let groups: Vec<&[usize]> = order
            .chunk_by(|&a, &b| aggs[a].score == aggs[b].score)
            .collect();

        let figure = self.opts.tie_break.figure();
        let mut value: Vec<Option<i64>> = vec![None; self.n_s];
        if let Some((fig, clock)) = figure {
            let ci = clock as usize;
            let mut common = vec![0i64; self.n_s];
            if fig == TimeFigure::Common {
                for g in &groups {
                    self.common(problems, g, clock, &mut common);
                }
            }
            for (s, a) in aggs.iter().enumerate() {
                value[s] = Some(match fig {
                    TimeFigure::Success => a.success[ci],
                    TimeFigure::Solved => a.solved[ci],
                    TimeFigure::Common => common[s],
                    TimeFigure::Par2 => a.par2[ci],
                });
            }
        }

        let mut rank = vec![0u32; self.n_s];
        let mut by_tie_break = vec![false; self.n_s];
        let mut before = 0u32;
        for (gi, g) in groups.iter().enumerate() {
            for &s in *g {
                rank[s] = before + 1;
            }
            // §2: the tie-break decides the winner only.
            if gi == 0 && g.len() > 1 && figure.is_some() {
                let best = g.iter().filter_map(|&s| value[s]).min();
                let winners: Vec<usize> = g.iter().copied().filter(|&s| value[s] == best).collect();
                if winners.len() < g.len() {
                    for &s in *g {
                        rank[s] = winners.len() as u32 + 1;
                    }
                    for &s in &winners {
                        rank[s] = 1;
                        by_tie_break[s] = true;
                    }
                }
            }
            before += g.len() as u32;
        }

        let mut entries: Vec<RankEntry> = (0..self.n_s)
            .map(|s| {
                let a = &aggs[s];
                RankEntry {
                    rank: rank[s],
                    solver: self.names[s].clone(),
                    score: a.score,
                    success_time: seconds(a.success[Clock::Cpu as usize]),
                    tie_break_value: value[s].map(seconds),
                    winner_by_tie_break: by_tie_break[s],
                    solved: a.counts[0],
                    fail: a.counts[1],
                    abort: a.counts[2],
                    wrong: a.counts[3],
                    missing: a.counts[4],
                    cpu_time: seconds(a.cpu),
                    wall_time: seconds(a.wall),
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            (a.rank, a.score)
                .cmp(&(b.rank, b.score))
                .then_with(|| a.solver.cmp(&b.solver))
        });
        entries
    }
}
