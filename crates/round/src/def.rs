//! Round definitions: `competition.toml` and `solvers/NAME/solver.toml`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use misc_results::Limits;
use misc_results::{Rules, Semantics, TieBreak};
use misc_runner::IsolationLevel;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::DefinitionError;

/// A round as its definition describes it, with every track's problems listed and every
/// entrant's solver looked up.
#[derive(Debug, Clone)]
pub struct Round {
    /// The round's name (`name` in `competition.toml`), recorded in every record.
    pub name: String,
    /// The round folder (absolute).
    pub dir: PathBuf,
    /// The round's `[limits]`, defaults filled in: what a track without limits of its own runs
    /// with.
    pub limits: Limits,
    /// The point rules (`scoring.rules`, default `misc2011`).
    pub rules: Rules,
    /// The tie-break (`scoring.tie_break`, default `success-time`).
    pub tie_break: TieBreak,
    /// The `[[tracks]]`, in definition order.
    pub tracks: Vec<Track>,
    /// Every solver entered in some track, by name.
    pub solvers: BTreeMap<String, Solver>,
    /// Problems left out of every track because they cannot be judged (see
    /// [`Round::exclude_problems`]); empty after [`Round::load`].
    pub excluded: Vec<misc_results::ExcludedProblem>,
    /// How runs are isolated (`isolation = "required" | "best-effort" | "none"`; default
    /// `required`).
    pub isolation: IsolationLevel,
    /// The size of an isolated run's sandbox (`sandbox_size`, default
    /// [`misc_runner::DEFAULT_SANDBOX_SIZE`]): its working folder, `TMPDIR` and output file
    /// together, a private tmpfs.
    pub sandbox_size: u64,
    /// How answers are read (`answers = "exact" | "lenient"`; default `exact`, as the
    /// organisers' checker read them, misc-rules.md 7.12). Recorded in the manifest.
    pub answers: misc_cudf::AnswerReading,
}

/// One track of a round.
#[derive(Debug, Clone)]
pub struct Track {
    /// The track's name, unique within the round.
    pub name: String,
    /// The criteria string as written.
    pub criteria: String,
    /// The criteria expanded (`-removed,-changed` for `paranoid`).
    pub criteria_expanded: String,
    /// The expanded criteria with their senses, leftmost most important.
    pub objectives: Vec<misc_results::Objective>,
    /// The reading the track's runs are judged with (`semantics`; default: the rules' own, `pair`
    /// from misc2011 on).
    pub semantics: Semantics,
    /// The limits of the track's runs: its `[tracks.limits]`, each key it does not give taken
    /// from the round's `[limits]` (MISC 2012: "the time limit now depends on the track").
    pub limits: Limits,
    /// Problems, sorted by path.
    pub problems: Vec<Problem>,
    /// Solver names, in definition order.
    pub solvers: Vec<String>,
}

/// A problem file of a round.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Relative to the round folder, with `/` separators.
    pub rel: String,
    /// The problem file (absolute).
    pub path: PathBuf,
    /// The folder the problem sits in.
    pub category: String,
}

/// A solver entered in a round.
#[derive(Debug, Clone)]
pub struct Solver {
    /// The solver's name (`name` in its `solver.toml`), unique within the round.
    pub name: String,
    /// The `version` of its `solver.toml` (empty when not given), recorded with each run.
    pub version: String,
    /// The `description` of its `solver.toml` (what it is, and what the organiser should know
    /// about it: shown on the site's solver page); empty when not given.
    pub description: String,
    /// The folder of its `solver.toml`.
    pub dir: PathBuf,
    /// The `solver.toml` file.
    pub toml: PathBuf,
    /// The argv template (`{input}`, `{output}`, `{criteria}`, `{criteria_expanded}`).
    pub command: Vec<String>,
    /// The executable, resolved; `Err` says why it is not usable (not installed).
    pub program: Result<PathBuf, String>,
}

impl Solver {
    /// Whether the solver can run on this machine.
    pub fn installed(&self) -> bool {
        self.program.is_ok()
    }
}

/// Where bare program names (no `/`) of solver commands are looked up, and which folders hold
/// solver definitions.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Looked up before `PATH` for a bare program name (the CLI passes the folder of the
    /// running `misc` executable, so that `misc-naive` built beside it is found).
    pub exe_dirs: Vec<PathBuf>,
    /// Folders holding `NAME/solver.toml`, searched after the round's own `solvers/` and
    /// before the `solvers/` folder of the nearest ancestor of the round folder that has one
    /// (the project's top-level `solvers/`); see [`solver_search_path`].
    pub solver_dirs: Vec<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompetition {
    name: Spanned<String>,
    #[serde(default)]
    limits: Option<Spanned<RawLimits>>,
    #[serde(default)]
    scoring: Option<RawScoring>,
    #[serde(default)]
    tracks: Vec<Spanned<RawTrack>>,
    #[serde(default)]
    isolation: Option<Spanned<String>>,
    #[serde(default)]
    sandbox_size: Option<Spanned<toml::Value>>,
    #[serde(default)]
    answers: Option<Spanned<String>>,
}

/// A `[limits]` table: the round's, or a track's `[tracks.limits]`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    cpu_time: Option<Spanned<f64>>,
    wall_time: Option<Spanned<f64>>,
    memory: Option<Spanned<toml::Value>>,
    output: Option<Spanned<toml::Value>>,
    warning: Option<Spanned<f64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    rules: Option<Spanned<String>>,
    tie_break: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrack {
    name: Spanned<String>,
    criteria: Spanned<String>,
    semantics: Option<Spanned<String>>,
    problems: Spanned<Vec<String>>,
    solvers: Spanned<Vec<String>>,
    /// The track's own limits (`[tracks.limits]`), key by key over the round's.
    #[serde(default)]
    limits: Option<RawLimits>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSolver {
    name: Spanned<String>,
    #[serde(default)]
    version: String,
    command: Spanned<Vec<String>>,
    /// Programs that must be on `PATH` for the solver to work (e.g. what a wrapper calls).
    #[serde(default)]
    requires: Vec<String>,
    /// Informative: the tracks the solver is meant for.
    #[serde(default)]
    #[allow(dead_code)]
    tracks: Vec<String>,
    #[serde(default)]
    description: String,
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Ctx<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        key: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> DefinitionError {
        DefinitionError::Key {
            file: self.file.to_owned(),
            line: line_of(self.text, span.start),
            key: key.into(),
            message: message.into(),
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, DefinitionError> {
        toml::from_str(self.text).map_err(|e| DefinitionError::Syntax {
            file: self.file.to_owned(),
            line: e.span().map_or(1, |s| line_of(self.text, s.start)),
            message: e.message().trim().to_string(),
        })
    }
}

fn read(file: &Path) -> Result<String, DefinitionError> {
    std::fs::read_to_string(file).map_err(|source| DefinitionError::Io {
        path: file.to_owned(),
        source,
    })
}

/// Parses `1073741824`, `"1GiB"`, `"512M"`, `"1.5G"` (powers of 1024).
pub fn parse_size(v: &toml::Value) -> Result<u64, String> {
    match v {
        toml::Value::Integer(i) if *i > 0 => Ok(*i as u64),
        toml::Value::Integer(i) => Err(format!("expected a positive size, not {i}")),
        toml::Value::String(s) => match misc_results::parse_size(s)? {
            0 => Err(format!("not a size: {s:?} (it must be more than 0)")),
            n => Ok(n),
        },
        other => Err(format!(
            "not a size: {other} (e.g. \"1GiB\" or a number of bytes)"
        )),
    }
}

/// The limits given by `layers` (most specific first: a track's `[tracks.limits]`, then the
/// round's `[limits]`), each key from the first layer that gives it, the rest defaults.
///
/// Every limit must be a positive number: `0` is an error, not "no limit". The wall-clock
/// limit, when no layer gives it, is twice the CPU limit plus 10 s (when a layer gives the CPU
/// limit). The warning must come before the CPU limit; when no layer gives it, the default
/// (20 s) applies where it fits and no warning is sent where it does not.
fn resolve_limits(
    cx: &Ctx<'_>,
    layers: &[(String, &RawLimits)],
) -> Result<Limits, DefinitionError> {
    /// The first layer giving a key: the key's full name (`tracks[1].limits.cpu_time`), its
    /// value and the position of the layer.
    fn pick<'a, T>(
        layers: &'a [(String, &'a RawLimits)],
        name: &str,
        get: impl Fn(&'a RawLimits) -> &'a Option<Spanned<T>>,
    ) -> Option<(String, &'a Spanned<T>, usize)> {
        layers.iter().enumerate().find_map(|(i, (prefix, l))| {
            get(l).as_ref().map(|v| (format!("{prefix}.{name}"), v, i))
        })
    }
    let seconds = |given: &Option<(String, &Spanned<f64>, usize)>| -> Result<Option<f64>, _> {
        let Some((key, v, _)) = given else {
            return Ok(None);
        };
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 {
            Ok(Some(x))
        } else {
            Err(cx.err(
                key.as_str(),
                v.span(),
                format!(
                    "expected a positive number of seconds, not {x} (every run needs a limit: \
                     0 does not mean \"no limit\")"
                ),
            ))
        }
    };

    let mut limits = Limits::default();
    let cpu = pick(layers, "cpu_time", |l| &l.cpu_time);
    if let Some(x) = seconds(&cpu)? {
        limits.cpu_time = x;
        limits.wall_time = x * 2.0 + 10.0;
    }
    if let Some(x) = seconds(&pick(layers, "wall_time", |l| &l.wall_time))? {
        limits.wall_time = x;
    }
    if let Some((key, v, _)) = pick(layers, "memory", |l| &l.memory) {
        limits.memory = parse_size(v.get_ref()).map_err(|m| cx.err(key, v.span(), m))?;
    }
    if let Some((key, v, _)) = pick(layers, "output", |l| &l.output) {
        limits.output = parse_size(v.get_ref()).map_err(|m| cx.err(key, v.span(), m))?;
    }
    match pick(layers, "warning", |l| &l.warning) {
        None => {
            if limits.warning >= limits.cpu_time {
                limits.warning = 0.0;
            }
        }
        Some((key, v, layer)) => {
            let w = *v.get_ref();
            if !(w.is_finite() && w >= 0.0) {
                return Err(cx.err(
                    key,
                    v.span(),
                    format!("expected seconds >= 0 (0: no warning signal), not {w}"),
                ));
            }
            if w >= limits.cpu_time {
                // Name the key of the more specific table: that is where the mistake is.
                return Err(match &cpu {
                    Some((cpu_key, c, cpu_layer)) if *cpu_layer < layer => cx.err(
                        cpu_key.as_str(),
                        c.span(),
                        format!(
                            "the CPU limit ({} s) must be above the warning ({w} s, from \
                             `{key}`): give this table its own `warning`",
                            limits.cpu_time
                        ),
                    ),
                    _ => cx.err(
                        key,
                        v.span(),
                        format!(
                            "the warning ({w} s before the CPU limit) must be below the CPU \
                             limit ({} s)",
                            limits.cpu_time
                        ),
                    ),
                });
            }
            limits.warning = w;
        }
    }
    Ok(limits)
}

impl Round {
    /// Reads `DIR/competition.toml`, expands the problem globs and looks up every solver.
    /// A solver whose executable is missing is not an error: see [`Solver::program`].
    pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Round, DefinitionError> {
        let dir = dir.canonicalize().map_err(|source| DefinitionError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let file = dir.join("competition.toml");
        let text = read(&file)?;
        let cx = Ctx {
            file: &file,
            text: &text,
        };
        let raw: RawCompetition = cx.parse()?;
        // Every mistake is collected, so that one `misc run` reports them all.
        let mut errs: Vec<DefinitionError> = Vec::new();
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() {
            errs.push(cx.err("name", raw.name.span(), "the round needs a name"));
        }

        let round_limits = raw
            .limits
            .as_ref()
            .map(|l| ("limits".to_string(), l.get_ref()));
        let limits = resolve_limits(&cx, round_limits.as_slice()).unwrap_or_else(|e| {
            errs.push(e);
            Limits::default()
        });

        let scoring = raw.scoring.unwrap_or_default();
        let rules = match &scoring.rules {
            None => Rules::Misc2011,
            Some(r) => r
                .get_ref()
                .parse()
                .map_err(|e: misc_results::UnknownName| {
                    errs.push(cx.err("scoring.rules", r.span(), e.to_string()))
                })
                .unwrap_or(Rules::Misc2011),
        };
        let tie_break = match &scoring.tie_break {
            None => TieBreak::SuccessTime,
            Some(t) => t
                .get_ref()
                .parse()
                .map_err(|e: misc_results::UnknownName| {
                    errs.push(cx.err("scoring.tie_break", t.span(), e.to_string()))
                })
                .unwrap_or(TieBreak::SuccessTime),
        };

        let isolation = match &raw.isolation {
            None => IsolationLevel::default(),
            Some(i) => i
                .get_ref()
                .parse()
                .map_err(|m: String| cx.err("isolation", i.span(), m))?,
        };
        let answers = match &raw.answers {
            None => misc_cudf::AnswerReading::default(),
            Some(a) => a
                .get_ref()
                .parse()
                .map_err(|e: misc_results::UnknownName| {
                    cx.err("answers", a.span(), e.to_string())
                })?,
        };
        let sandbox_size = match &raw.sandbox_size {
            None => misc_runner::DEFAULT_SANDBOX_SIZE,
            Some(v) => parse_size(v.get_ref()).map_err(|m| cx.err("sandbox_size", v.span(), m))?,
        };

        if raw.tracks.is_empty() {
            errs.push(cx.err("tracks", 0..0, "the round has no [[tracks]]"));
        }
        let search = solver_search_path(&dir, opts);

        let mut tracks: Vec<Track> = Vec::new();
        let mut solvers: BTreeMap<String, Solver> = BTreeMap::new();
        // Solver names already looked up without success (reported once).
        let mut not_found: Vec<String> = Vec::new();
        for (i, t) in raw.tracks.iter().enumerate() {
            let t = t.get_ref();
            let key = |k: &str| format!("tracks[{i}].{k}");
            let tname = t.name.get_ref().trim().to_string();
            if tname.is_empty() || tname.contains('/') {
                errs.push(cx.err(
                    key("name"),
                    t.name.span(),
                    "a track needs a name without `/`",
                ));
            } else if tracks.iter().any(|x| x.name == tname) {
                errs.push(cx.err(
                    key("name"),
                    t.name.span(),
                    format!("track `{tname}` is defined twice"),
                ));
            }
            let criteria = misc_criteria::parse_criteria(t.criteria.get_ref())
                .map_err(|e| errs.push(cx.err(key("criteria"), t.criteria.span(), e.to_string())))
                .ok();
            let semantics = match &t.semantics {
                None => rules.semantics(),
                Some(s) => s
                    .get_ref()
                    .parse()
                    .map_err(|e: misc_results::UnknownName| {
                        errs.push(cx.err(key("semantics"), s.span(), e.to_string()))
                    })
                    .unwrap_or(rules.semantics()),
            };
            let objectives = criteria
                .iter()
                .flat_map(|c| &c.items)
                .map(|c| misc_results::Objective {
                    label: c.label(),
                    sense: c.sense,
                })
                .collect();
            let mut layers: Vec<(String, &RawLimits)> = Vec::new();
            if let Some(l) = &t.limits {
                layers.push((key("limits"), l));
            }
            layers.extend(round_limits.clone());
            let track_limits = resolve_limits(&cx, &layers).unwrap_or_else(|e| {
                // The round's own limits are reported once, above.
                if t.limits.is_some() {
                    errs.push(e);
                }
                limits.clone()
            });
            let problems = match expand_problems(&dir, t.problems.get_ref()) {
                Ok(p) => p,
                Err(messages) => {
                    for m in messages {
                        errs.push(cx.err(key("problems"), t.problems.span(), m));
                    }
                    Vec::new()
                }
            };
            let mut names = Vec::new();
            for s in t.solvers.get_ref() {
                let s = s.trim().to_string();
                if names.contains(&s) {
                    continue;
                }
                if !solvers.contains_key(&s) && !not_found.contains(&s) {
                    match find_solver(&s, &search, opts) {
                        Ok(solver) => {
                            solvers.insert(s.clone(), solver);
                        }
                        Err(FindError::NotFound) => {
                            not_found.push(s.clone());
                            errs.push(cx.err(
                                key("solvers"),
                                t.solvers.span(),
                                format!(
                                    "no solver `{s}`: looked for {s}/solver.toml in {} \
                                     (more folders: --solvers DIR or MISC_SOLVERS_PATH)",
                                    search
                                        .iter()
                                        .map(|d| d.display().to_string())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            ));
                        }
                        Err(FindError::Def(e)) => {
                            not_found.push(s.clone());
                            errs.push(e);
                        }
                    }
                }
                names.push(s);
            }
            tracks.push(Track {
                name: tname,
                criteria: t.criteria.get_ref().clone(),
                criteria_expanded: criteria.map(|c| c.to_string()).unwrap_or_default(),
                objectives,
                semantics,
                limits: track_limits,
                problems,
                solvers: names,
            });
        }
        if let Some(e) = DefinitionError::from_list(errs) {
            return Err(e);
        }
        Ok(Round {
            name,
            dir,
            limits,
            rules,
            tie_break,
            tracks,
            solvers,
            excluded: Vec::new(),
            isolation,
            sandbox_size,
            answers,
        })
    }

    /// Leaves these problems out of every track (`misc run --skip-bad-problems`); they are
    /// listed in [`Round::excluded`] and so in the manifest.
    pub fn exclude_problems(&mut self, bad: Vec<misc_results::ExcludedProblem>) {
        for t in &mut self.tracks {
            t.problems
                .retain(|p| !bad.iter().any(|b| b.problem == p.rel));
        }
        self.excluded.extend(bad);
    }

    /// The results folder: `ROUND/results`.
    pub fn results_dir(&self) -> PathBuf {
        self.dir.join("results")
    }

    /// Every problem of every track, each once, sorted.
    pub fn all_problems(&self) -> Vec<&Problem> {
        let mut v: Vec<&Problem> = self.tracks.iter().flat_map(|t| &t.problems).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// The problem files of a track's globs. Every glob must match at least one file; every
/// mistake is returned.
fn expand_problems(dir: &Path, globs: &[String]) -> Result<Vec<Problem>, Vec<String>> {
    let mut out: Vec<Problem> = Vec::new();
    let mut errs = Vec::new();
    if globs.is_empty() {
        errs.push("the track lists no problems".to_string());
    }
    for g in globs {
        if g.starts_with('/') || g.split('/').any(|c| c == "..") {
            errs.push(format!(
                "`{g}`: problem globs are relative to the round folder"
            ));
            continue;
        }
        let pattern = dir.join(g);
        let pattern = pattern.to_string_lossy();
        let paths = match glob::glob(&pattern) {
            Ok(p) => p,
            Err(e) => {
                errs.push(format!("`{g}`: {e}"));
                continue;
            }
        };
        let before = out.len();
        for p in paths {
            let p = match p {
                Ok(p) => p,
                Err(e) => {
                    errs.push(format!("`{g}`: {e}"));
                    continue;
                }
            };
            if !p.is_file() {
                continue;
            }
            let Ok(rel) = p.strip_prefix(dir) else {
                continue;
            };
            let rel: String = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let category = rel.rsplit('/').nth(1).unwrap_or("").to_string();
            out.push(Problem {
                rel,
                path: p,
                category,
            });
        }
        if out.len() == before {
            errs.push(format!("`{g}` matches no file in {}", dir.display()));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Where solver definitions (`NAME/solver.toml`) are looked up, in order: the round's own
/// `solvers/`, then [`LoadOptions::solver_dirs`], then the `solvers/` folder of the nearest
/// ancestor of the round folder that has one (the project's), each once.
pub fn solver_search_path(round_dir: &Path, opts: &LoadOptions) -> Vec<PathBuf> {
    let mut search = vec![round_dir.join("solvers")];
    search.extend(opts.solver_dirs.iter().cloned());
    search.extend(
        round_dir
            .ancestors()
            .skip(1)
            .map(|a| a.join("solvers"))
            .find(|s| s.is_dir()),
    );
    let mut seen = std::collections::HashSet::new();
    search.retain(|d| seen.insert(d.canonicalize().unwrap_or_else(|_| d.clone())));
    search
}

enum FindError {
    NotFound,
    Def(DefinitionError),
}

fn find_solver(name: &str, search: &[PathBuf], opts: &LoadOptions) -> Result<Solver, FindError> {
    for d in search {
        let dir = d.join(name);
        let toml_path = dir.join("solver.toml");
        if toml_path.is_file() {
            return load_solver(&toml_path, opts).map_err(FindError::Def);
        }
    }
    Err(FindError::NotFound)
}

/// Reads one `solver.toml` and resolves its executable.
pub fn load_solver(toml_path: &Path, opts: &LoadOptions) -> Result<Solver, DefinitionError> {
    let text = read(toml_path)?;
    let cx = Ctx {
        file: toml_path,
        text: &text,
    };
    let raw: RawSolver = cx.parse()?;
    let dir = toml_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let command = raw.command.get_ref().clone();
    let Some(first) = command.first() else {
        return Err(cx.err("command", raw.command.span(), "the command is empty"));
    };
    let mut errs = Vec::new();
    for (i, arg) in command.iter().enumerate() {
        for name in unknown_placeholders(arg) {
            errs.push(cx.err(
                format!("command[{i}]"),
                raw.command.span(),
                format!(
                    "unknown placeholder `{{{name}}}` in {arg:?} (known: {})",
                    PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ),
            ));
        }
    }
    if let Some(e) = DefinitionError::from_list(errs) {
        return Err(e);
    }
    let mut program = resolve_program(first, &dir, opts);
    if program.is_ok() {
        for r in &raw.requires {
            if resolve_program(r, &dir, opts).is_err() {
                program = Err(format!("`{r}` (required by the solver) is not installed"));
                break;
            }
        }
    }
    Ok(Solver {
        name: raw.name.get_ref().clone(),
        version: raw.version,
        description: raw.description.trim().to_string(),
        dir,
        toml: toml_path.to_owned(),
        command,
        program,
    })
}

/// The placeholders a solver command may use (see [`crate::PlannedRun::argv`]).
pub const PLACEHOLDERS: [&str; 4] = ["input", "output", "criteria", "criteria_expanded"];

/// The names of `{name}` placeholders in an argument that are not in [`PLACEHOLDERS`]
/// (`name`: letters, digits, `_` and `-`; other braces are left alone).
fn unknown_placeholders(arg: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = arg;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('}') else { break };
        let name = &rest[..close];
        if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && !PLACEHOLDERS.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Resolves a command's program: a bare name beside the running harness (`exe_dirs`) and then
/// on `PATH`; a relative path with `/` from the solver's folder; an absolute path as is.
pub fn resolve_program(
    program: &str,
    solver_dir: &Path,
    opts: &LoadOptions,
) -> Result<PathBuf, String> {
    if program.contains('/') {
        let p = solver_dir.join(program);
        return if is_executable(&p) {
            Ok(p.canonicalize().unwrap_or(p))
        } else {
            Err(format!("{} is not an executable file", p.display()))
        };
    }
    let path_var =
        std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let dirs = opts
        .exe_dirs
        .iter()
        .cloned()
        .chain(std::env::split_paths(&path_var));
    for d in dirs {
        let p = d.join(program);
        if is_executable(&p) {
            return Ok(p.canonicalize().unwrap_or(p));
        }
    }
    Err(format!(
        "`{program}` is not installed (not beside misc, not on PATH)"
    ))
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn round_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        write(&d.path().join("problems/easy/a.cudf"), "x");
        write(&d.path().join("problems/hard/b.cudf.xz"), "x");
        write(
            &d.path().join("solvers/s/solver.toml"),
            "name = \"s\"\nversion = \"1\"\ndescription = \" counts names \"\n\
             command = [\"sh\", \"{input}\", \"{output}\"]\n",
        );
        write(
            &d.path().join("solvers/gone/solver.toml"),
            "name = \"gone\"\ncommand = [\"./nope\"]\n",
        );
        d
    }

    #[test]
    fn loads_a_round() {
        let d = round_dir();
        write(
            &d.path().join("competition.toml"),
            "name = \"r\"\n[limits]\ncpu_time = 10\nmemory = \"1GiB\"\nwarning = 2\n\
             [scoring]\nrules = \"misc2012\"\n\
             [[tracks]]\nname = \"paranoid\"\ncriteria = \"paranoid\"\n\
             problems = [\"problems/*/*.cudf\", \"problems/**/*.cudf.xz\"]\nsolvers = [\"s\", \"gone\"]\n",
        );
        let r = Round::load(d.path(), &LoadOptions::default()).unwrap();
        assert_eq!(r.limits.cpu_time, 10.0);
        assert_eq!(r.limits.wall_time, 30.0);
        assert_eq!(r.limits.memory, 1 << 30);
        assert_eq!(r.sandbox_size, misc_runner::DEFAULT_SANDBOX_SIZE);
        let t = &r.tracks[0];
        assert_eq!(t.semantics, Semantics::Pair);
        assert_eq!(t.criteria_expanded, "-removed,-changed");
        let rels: Vec<_> = t
            .problems
            .iter()
            .map(|p| (p.rel.as_str(), p.category.as_str()))
            .collect();
        assert_eq!(
            rels,
            [
                ("problems/easy/a.cudf", "easy"),
                ("problems/hard/b.cudf.xz", "hard")
            ]
        );
        assert!(r.solvers["s"].installed());
        assert!(!r.solvers["gone"].installed());
        // The description (shown on the solver's page, through the manifest), trimmed.
        assert_eq!(r.solvers["s"].description, "counts names");
        assert_eq!(r.solvers["gone"].description, "");
        let m = crate::manifest(&r);
        assert_eq!(m.solver_descriptions.len(), 1);
        assert_eq!(m.solver_descriptions["s"], "counts names");
    }

    const TRACK: &str =
        "criteria = \"paranoid\"\nproblems = [\"problems/*/*.cudf\"]\nsolvers = [\"s\"]\n";

    fn load_err(d: &Path, toml: &str) -> String {
        write(&d.join("competition.toml"), toml);
        match Round::load(d, &LoadOptions::default()) {
            Ok(_) => panic!("accepted:\n{toml}"),
            Err(e) => e.to_string(),
        }
    }

    /// MISC 2012: "the time limit now depends on the track". Each key of `[tracks.limits]`
    /// replaces the round's; the others come from the round's `[limits]`.
    #[test]
    fn tracks_have_limits_of_their_own() {
        let d = round_dir();
        write(
            &d.path().join("competition.toml"),
            &format!(
                "name = \"r\"\n[limits]\ncpu_time = 10\nmemory = \"1GiB\"\nwarning = 2\n\
                 [[tracks]]\nname = \"paranoid\"\n{TRACK}\
                 [[tracks]]\nname = \"trendy\"\n{TRACK}[tracks.limits]\ncpu_time = 50\nmemory = \"2GiB\"\n\
                 [[tracks]]\nname = \"user\"\n{TRACK}limits = {{ wall_time = 15, output = 1000, warning = 0 }}\n"
            ),
        );
        let r = Round::load(d.path(), &LoadOptions::default()).unwrap();
        let round = Limits {
            cpu_time: 10.0,
            wall_time: 30.0,
            memory: 1 << 30,
            warning: 2.0,
            output: 1 << 30,
        };
        assert_eq!(r.limits, round);
        assert_eq!(r.tracks[0].limits, round);
        // The wall limit follows the track's own CPU limit when nobody gives one.
        assert_eq!(
            r.tracks[1].limits,
            Limits {
                cpu_time: 50.0,
                wall_time: 110.0,
                memory: 2 << 30,
                ..round.clone()
            }
        );
        assert_eq!(
            r.tracks[2].limits,
            Limits {
                wall_time: 15.0,
                output: 1000,
                warning: 0.0,
                ..round.clone()
            }
        );
        // The plan and the manifest carry each track's limits.
        let plan = crate::plan(&r, &[], &crate::Selection::default()).unwrap();
        for run in &plan.runs {
            let t = r.tracks.iter().find(|t| t.name == run.track).unwrap();
            assert_eq!(run.limits, t.limits, "{}", run.track);
        }
        assert_eq!(plan.runs.len(), 3);
        let m = crate::manifest(&r);
        assert_eq!(m.limits, round);
        assert_eq!(m.tracks[1].cpu_time_limit, 50.0);
        assert_eq!(m.track_limits(&m.tracks[1]), r.tracks[1].limits);
        assert!(m.limits_differ_by_track());
    }

    /// An isolated run's sandbox size is a round setting (issue 16), handed to every run.
    #[test]
    fn answers_is_a_round_setting_exact_by_default() {
        let d = round_dir();
        let with = |line: &str| format!("name = \"r\"\n{line}[[tracks]]\nname = \"t\"\n{TRACK}");
        write(&d.path().join("competition.toml"), &with(""));
        let r = Round::load(d.path(), &LoadOptions::default()).unwrap();
        assert_eq!(r.answers, misc_cudf::AnswerReading::Exact);
        assert_eq!(
            crate::manifest(&r).answers,
            Some(misc_cudf::AnswerReading::Exact)
        );
        write(
            &d.path().join("competition.toml"),
            &with("answers = \"lenient\"\n"),
        );
        let r = Round::load(d.path(), &LoadOptions::default()).unwrap();
        assert_eq!(r.answers, misc_cudf::AnswerReading::Lenient);
        assert_eq!(
            crate::manifest(&r).answers,
            Some(misc_cudf::AnswerReading::Lenient)
        );
        let e = load_err(d.path(), &with("answers = \"loose\"\n"));
        assert!(e.contains("answers"), "{e}");
        assert!(e.contains("unknown answer reading `loose`"), "{e}");
    }

    #[test]
    fn sandbox_size_is_a_round_setting() {
        let d = round_dir();
        write(
            &d.path().join("competition.toml"),
            &format!("name = \"r\"\nsandbox_size = \"64MiB\"\n[[tracks]]\nname = \"t\"\n{TRACK}"),
        );
        let r = Round::load(d.path(), &LoadOptions::default()).unwrap();
        assert_eq!(r.sandbox_size, 64 << 20);
        let plan = crate::plan(&r, &[], &crate::Selection::default()).unwrap();
        assert!(!plan.runs.is_empty());
        for run in &plan.runs {
            assert_eq!(run.isolation.sandbox_size, Some(64 << 20));
        }
    }

    /// misc-rules.md 7.1 (limits of the environment): every limit is a positive number; `0` was
    /// once silently "no limit" (issue 13).
    #[test]
    fn limits_must_be_positive_numbers() {
        let d = round_dir();
        let d = d.path();
        for (table, line, key) in [
            ("[limits]\ncpu_time = 0\n", 3, "limits.cpu_time"),
            ("[limits]\nwall_time = 0\n", 3, "limits.wall_time"),
            ("[limits]\ncpu_time = -1.5\n", 3, "limits.cpu_time"),
            ("[limits]\ncpu_time = nan\n", 3, "limits.cpu_time"),
            ("[limits]\nwall_time = inf\n", 3, "limits.wall_time"),
            ("[limits]\nmemory = 0\n", 3, "limits.memory"),
            ("[limits]\nmemory = -5\n", 3, "limits.memory"),
            ("[limits]\nmemory = \"0MiB\"\n", 3, "limits.memory"),
            ("[limits]\noutput = 0\n", 3, "limits.output"),
            ("[limits]\noutput = -1\n", 3, "limits.output"),
            ("[limits]\nwarning = -1\n", 3, "limits.warning"),
            ("sandbox_size = 0\n", 2, "sandbox_size"),
            ("sandbox_size = \"lots\"\n", 2, "sandbox_size"),
            (
                "[limits]\ncpu_time = 10\nwarning = 10\n",
                4,
                "limits.warning",
            ),
        ] {
            let e = load_err(
                d,
                &format!("name = \"r\"\n{table}[[tracks]]\nname = \"t\"\n{TRACK}"),
            );
            assert!(
                e.contains(&format!("competition.toml:{line}: {key}: ")),
                "{table}: {e}"
            );
        }
        // The same in a track's own table, named by the track's key.
        for (table, line, key) in [
            ("cpu_time = 0\n", 10, "tracks[0].limits.cpu_time"),
            ("wall_time = 0\n", 10, "tracks[0].limits.wall_time"),
            ("memory = 0\n", 10, "tracks[0].limits.memory"),
            ("output = \"-1\"\n", 10, "tracks[0].limits.output"),
            (
                "cpu_time = 20\nwarning = 30\n",
                11,
                "tracks[0].limits.warning",
            ),
            ("warning = 300\n", 10, "tracks[0].limits.warning"),
            // A track lowering its CPU limit below the round's warning: the track's key.
            ("cpu_time = 1\n", 10, "tracks[0].limits.cpu_time"),
        ] {
            let e = load_err(
                d,
                &format!(
                    "name = \"r\"\n[limits]\nwarning = 5\n[[tracks]]\nname = \"t\"\n{TRACK}\
                     [tracks.limits]\n{table}"
                ),
            );
            assert!(
                e.contains(&format!("competition.toml:{line}: {key}: ")),
                "{table}: {e}"
            );
        }
        // A round-level mistake is one even when every track gives its own value.
        let e = load_err(
            d,
            &format!(
                "name = \"r\"\n[limits]\ncpu_time = 0\n[[tracks]]\nname = \"t\"\n{TRACK}\
                 [tracks.limits]\ncpu_time = 5\n"
            ),
        );
        assert!(e.contains("competition.toml:3: limits.cpu_time"), "{e}");
        // Unknown keys in a track's table are named.
        let e = load_err(
            d,
            &format!("name = \"r\"\n[[tracks]]\nname = \"t\"\n{TRACK}[tracks.limits]\ncpu = 5\n"),
        );
        assert!(e.contains("competition.toml:") && e.contains("cpu"), "{e}");
    }

    #[test]
    fn errors_name_file_key_and_line() {
        let d = round_dir();
        write(
            &d.path().join("competition.toml"),
            "name = \"r\"\n\n[[tracks]]\nname = \"t\"\ncriteria = \"-removed,-bogus\"\nproblems = []\nsolvers = []\n",
        );
        let e = Round::load(d.path(), &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("competition.toml:5: tracks[0].criteria"), "{e}");
        write(
            &d.path().join("competition.toml"),
            "name = \"r\"\n[scoring]\nrules = \"misc1999\"\n[[tracks]]\nname = \"t\"\ncriteria = \"paranoid\"\nproblems = []\nsolvers = []\n",
        );
        let e = Round::load(d.path(), &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("competition.toml:3: scoring.rules"), "{e}");
        write(
            &d.path().join("competition.toml"),
            "name = \"r\"\n[[tracks]]\nname = \"t\"\ncriteria = \"paranoid\"\nproblems = []\nsolvers = [\"nobody\"]\n",
        );
        let e = Round::load(d.path(), &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("competition.toml:6: tracks[0].solvers") && e.contains("nobody"),
            "{e}"
        );
        write(
            &d.path().join("competition.toml"),
            "name = \"r\"\nlimits = 3\n[[tracks]]\n",
        );
        let e = Round::load(d.path(), &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("competition.toml:2"), "{e}");
    }
}
