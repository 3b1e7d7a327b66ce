//! `misc score ROUND`: rank a round from its stored records alone, under any edition's rules.
//!
//! Reads `ROUND/results` (records and `manifest.json`), never runs anything and writes nothing,
//! except with `--save`: then the options in use are written to `ROUND/results/scoring.json`
//! ([`misc_score::SCORING_FILE`]), and later `misc score` and `misc report` runs start from
//! them instead of the manifest's rules and tie-break (flags still win).
//!
//! Data goes to stdout (`table`, `csv` or `json`), warnings to stderr.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use misc_results::TrackInfo;
use misc_score::{
    Explanation, MissingRuns, RankEntry, Rules, SavedScoring, Scores, Semantics, TieBreak,
    TrackScores, SCORING_FILE,
};

use crate::exit::CliError;
use crate::out::note;
use crate::table::{Align, Style, Table, BOLD, WINNER};

/// Output formats of `misc score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal: the ranking, then `score (success time)` per category.
    Table,
    /// One row per solver and track (category empty), then per solver and category.
    Csv,
    /// The full scores: rankings, categories, and every solver's points on every problem.
    Json,
}

/// Rank a round from its stored records, without running anything.
///
/// Per problem, a valid solution scores 1 + the number of solvers with a strictly better
/// criteria vector; no solution scores 2m and a wrong one 3m (misc2011, misc2012), or FAIL 2m,
/// abort 3m, wrong 4m (misc2010), m being the number of solvers entered in the track. Lowest
/// total wins; a tie on the best total is broken by the tie-break (success time by default).
///
/// Options not given come from ROUND/results/scoring.json (see --save), else from the
/// round's manifest.
#[derive(Debug, Clone, clap::Args)]
pub struct ScoreArgs {
    /// The round folder (records in ROUND/results).
    pub round: PathBuf,
    /// Point rules: misc2010, misc2011 or misc2012.
    #[arg(long, value_name = "RULES")]
    pub rules: Option<Rules>,
    /// Tie-break for the winner: none, success-time, solved-time, common-time, par2,
    /// success-wall, solved-wall, common-wall, par2-wall.
    #[arg(long, value_name = "RULE")]
    pub tie_break: Option<TieBreak>,
    /// Leave problems that no solver solved out of the time figures (`=false` to undo a saved
    /// choice).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub exclude_unsolved: Option<bool>,
    /// How to score a run that has no record yet: fail (2m), abort (3m under misc2010), or
    /// error (refuse to rank an incomplete track).
    #[arg(long, value_name = "HOW")]
    pub missing: Option<MissingRuns>,
    /// Criteria reading to rank with: name (count package names) or pair (count (name,
    /// version) pairs). Default: each track's own (pair under misc2011 and misc2012, name
    /// under misc2010, unless the round says otherwise). Every record holds both (records
    /// judged before both were stored: run `misc rejudge ROUND` first).
    #[arg(long, value_name = "name|pair")]
    pub semantics: Option<Semantics>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Show why SOLVER got each of its points: its class and vector on every problem, and
    /// which solvers beat it, with their vectors.
    #[arg(long, value_name = "SOLVER")]
    pub explain: Option<String>,
    /// Only this track.
    #[arg(long, value_name = "TRACK")]
    pub track: Option<String>,
    /// Write the options in use to ROUND/results/scoring.json, for `misc report` and later
    /// `misc score` runs.
    #[arg(long)]
    pub save: bool,
}

/// Runs `misc score`.
pub fn run(args: ScoreArgs) -> Result<(), CliError> {
    Ok(score(args)?)
}

fn score(args: ScoreArgs) -> anyhow::Result<()> {
    let (store, manifest, records) = crate::round_io::load_results(&args.round)?;
    let results = store.dir().to_path_buf();

    let saved_path = results.join(SCORING_FILE);
    let saved = crate::round_io::read_saved(&saved_path)?;
    let mut opts = misc_score::options_for_round(&manifest, saved.as_ref());
    if let Some(r) = args.rules {
        opts.rules = r;
    }
    if let Some(t) = args.tie_break {
        opts.tie_break = t;
    }
    if let Some(e) = args.exclude_unsolved {
        opts.exclude_unsolved = e;
    }
    if let Some(m) = args.missing {
        opts.missing = m;
    }
    if let Some(s) = args.semantics {
        opts.semantics = Some(s);
    }

    let tracks: Vec<TrackInfo> = match &args.track {
        None => manifest.tracks.clone(),
        Some(name) => {
            let Some(t) = manifest.tracks.iter().find(|t| &t.name == name) else {
                let known: Vec<&str> = manifest.tracks.iter().map(|t| t.name.as_str()).collect();
                bail!(
                    "no track `{name}` in this round (tracks: {})",
                    known.join(", ")
                );
            };
            vec![t.clone()]
        }
    };
    let scores = misc_score::score(&tracks, &records, opts)?;
    warn_incomplete(&scores);

    if args.save {
        let saved = SavedScoring { options: opts };
        write_atomically(&saved_path, saved.to_json().as_bytes())?;
        note!("saved the scoring options to {}", saved_path.display());
    }

    let terminal = io::stdout().is_terminal();
    let format = args.format.unwrap_or(if terminal {
        Format::Table
    } else {
        Format::Json
    });
    let color = crate::table::colors_on_stdout();
    let mut out = io::BufWriter::new(crate::out::stdout());
    let written = match &args.explain {
        Some(solver) => {
            let explanations: Vec<Explanation> = scores
                .tracks
                .iter()
                .filter_map(|t| t.explain(solver, opts.rules))
                .collect();
            if explanations.is_empty() {
                bail!("solver `{solver}` is not entered in any scored track");
            }
            write_explanations(&mut out, &explanations, format)
        }
        None => match format {
            Format::Table => write_table(&mut out, &scores, color),
            Format::Csv => write_csv(&mut out, &scores),
            Format::Json => write_json(&mut out, &scores),
        },
    };
    // `misc score | head`: a closed stdout ends the command quietly (see `crate::out`).
    written.and_then(|()| out.flush().map_err(anyhow::Error::from))?;
    Ok(())
}

/// Writes a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let mut f = std::fs::File::create(&tmp).with_context(|| tmp.display().to_string())?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| tmp.display().to_string())?;
    std::fs::rename(&tmp, path).with_context(|| path.display().to_string())?;
    Ok(())
}

fn warn_incomplete(scores: &Scores) {
    let how = match scores.options.missing {
        MissingRuns::AsFail => "scored as FAIL",
        MissingRuns::AsAbort => "scored as abort",
        MissingRuns::Reject => "refused",
    };
    for t in &scores.tracks {
        if t.missing_runs > 0 {
            note!(
                "warning: track {}: {} of {} runs have no record yet ({how}); the ranking is \
                 not final",
                t.track,
                t.missing_runs,
                t.m * t.problem_count
            );
        }
        if let Some(w) = t.limits_warning() {
            note!("warning: {w}");
        }
        if t.ignored_records > 0 {
            note!(
                "warning: track {}: {} record(s) of solvers or problems not in the manifest \
                 ignored",
                t.track,
                t.ignored_records
            );
        }
    }
    if scores.ignored_records > 0 {
        note!(
            "warning: {} record(s) of tracks not scored ignored",
            scores.ignored_records
        );
    }
}

fn secs(t: f64) -> String {
    format!("{t:.2}")
}

/// Seconds in full precision (the scorer's figures are whole microseconds), for CSV.
fn exact(t: f64) -> String {
    format!("{t:.6}")
}

fn write_table(out: &mut impl Write, scores: &Scores, color: bool) -> anyhow::Result<()> {
    let o = &scores.options;
    let extra_column = !matches!(o.tie_break, TieBreak::None | TieBreak::SuccessTime);
    for (i, t) in scores.tracks.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let title = format!(
            "{}: {} rules, {} reading, m = {}, {} problems ({} unsolved), tie-break {}{}, CPU \
             limit {} s",
            t.track,
            o.rules,
            t.semantics,
            t.m,
            t.problem_count,
            t.unsolved_problems,
            o.tie_break,
            if o.exclude_unsolved {
                " (unsolved problems excluded)"
            } else {
                ""
            },
            t.cpu_time_limit
        );
        let mut heading = Table::new(&[Align::Left]);
        heading.row(vec![title], BOLD);
        heading.write(out, color)?;
        let mut header: Vec<String> = ["rank", "solver", "score", "success time"]
            .map(String::from)
            .to_vec();
        if extra_column {
            header.push(o.tie_break.to_string());
        }
        header.extend(["solved", "fail", "abort", "wrong", "missing"].map(String::from));
        // Rank and solver left-aligned, numbers right-aligned.
        let mut table = Table::new(&[Align::Left, Align::Left]);
        table.row(header, BOLD);
        // As many digits as it takes to tell every two different figures apart.
        let tell_apart = |v: Vec<f64>| misc_report::fmt::decimals_to_tell_apart(&v);
        let d_success = tell_apart(t.ranking.iter().map(|e| e.success_time).collect());
        let d_tie = tell_apart(t.ranking.iter().filter_map(|e| e.tie_break_value).collect());
        for e in &t.ranking {
            let mut row = vec![
                format!("{}{}", e.rank, if e.winner_by_tie_break { "*" } else { "" }),
                e.solver.clone(),
                e.score.to_string(),
                misc_report::fmt::secs_to(e.success_time, d_success),
            ];
            if extra_column {
                row.push(
                    e.tie_break_value
                        .map(|v| misc_report::fmt::secs_to(v, d_tie))
                        .unwrap_or_default(),
                );
            }
            row.extend([e.solved, e.fail, e.abort, e.wrong, e.missing].map(|n| n.to_string()));
            table.row(row, if e.rank == 1 { WINNER } else { Style::new() });
        }
        table.write(out, color)?;
        if t.ranking.iter().any(|e| e.winner_by_tie_break) {
            writeln!(
                out,
                "* first by the tie-break ({}) among the solvers with the best total",
                o.tie_break
            )?;
        }
        write_category_table(out, t, color)?;
    }
    Ok(())
}

/// The MISC results layout (misc-rules.md §6): rows = categories and Total, columns = solvers
/// in ranking order, each cell `score (success time)`.
fn write_category_table(out: &mut impl Write, t: &TrackScores, color: bool) -> anyhow::Result<()> {
    if t.categories.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let mut header = vec!["category".to_owned(), "problems".to_owned()];
    header.extend(t.ranking.iter().map(|e| e.solver.clone()));
    let cell = |e: Option<&RankEntry>| {
        e.map(|e| format!("{} ({})", e.score, secs(e.success_time)))
            .unwrap_or_default()
    };
    let mut table = Table::new(&[Align::Left]);
    table.row(header, BOLD);
    for c in &t.categories {
        let mut row = vec![
            if c.category.is_empty() {
                "(none)".to_owned()
            } else {
                c.category.clone()
            },
            c.problem_count.to_string(),
        ];
        row.extend(
            t.ranking
                .iter()
                .map(|e| cell(c.ranking.iter().find(|x| x.solver == e.solver))),
        );
        table.row(row, Style::new());
    }
    let mut total = vec!["Total".to_owned(), t.problem_count.to_string()];
    total.extend(t.ranking.iter().map(|e| cell(Some(e))));
    table.row(total, BOLD);
    table.write(out, color)?;
    Ok(())
}

fn write_csv(out: &mut impl Write, scores: &Scores) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "track",
        "category",
        "rank",
        "solver",
        "score",
        "success_time",
        "tie_break",
        "tie_break_value",
        "winner_by_tie_break",
        "solved",
        "fail",
        "abort",
        "wrong",
        "missing",
        "cpu_time",
        "wall_time",
        "rules",
    ])?;
    let o = &scores.options;
    for t in &scores.tracks {
        let groups = std::iter::once(("", &t.ranking)).chain(
            t.categories
                .iter()
                .map(|c| (c.category.as_str(), &c.ranking)),
        );
        for (category, ranking) in groups {
            for e in ranking {
                w.write_record([
                    t.track.as_str(),
                    category,
                    &e.rank.to_string(),
                    &e.solver,
                    &e.score.to_string(),
                    &exact(e.success_time),
                    o.tie_break.as_str(),
                    &e.tie_break_value.map(exact).unwrap_or_default(),
                    if e.winner_by_tie_break {
                        "true"
                    } else {
                        "false"
                    },
                    &e.solved.to_string(),
                    &e.fail.to_string(),
                    &e.abort.to_string(),
                    &e.wrong.to_string(),
                    &e.missing.to_string(),
                    &exact(e.cpu_time),
                    &exact(e.wall_time),
                    o.rules.as_str(),
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

fn write_json(out: &mut impl Write, scores: &Scores) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, scores)?;
    writeln!(out)?;
    Ok(())
}

fn write_explanations(
    out: &mut impl Write,
    explanations: &[Explanation],
    format: Format,
) -> anyhow::Result<()> {
    match format {
        Format::Table => {
            for (i, e) in explanations.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write!(out, "{e}")?;
            }
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, explanations)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "track",
                "solver",
                "problem",
                "category",
                "class",
                "points",
                "criteria",
                "cpu_time",
                "beaten_by",
                "reason",
            ])?;
            let vector = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(" ");
            for e in explanations {
                for p in &e.problems {
                    let beaten_by: Vec<String> = p
                        .beaten_by
                        .iter()
                        .map(|b| format!("{} ({})", b.solver, vector(&b.criteria)))
                        .collect();
                    w.write_record([
                        e.track.as_str(),
                        &e.entry.solver,
                        &p.problem,
                        &p.category,
                        p.class.as_str(),
                        &p.points.to_string(),
                        &p.criteria.as_deref().map(vector).unwrap_or_default(),
                        &exact(p.cpu_time),
                        &beaten_by.join("; "),
                        &p.reason,
                    ])?;
                }
            }
            w.flush()?;
        }
    }
    Ok(())
}
