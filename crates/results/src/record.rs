use misc_vocab::{Outcome, Rules, Semantics, Sense, TieBreak, ViolationKind};
use serde::{Deserialize, Serialize};

/// Why the solver's process tree ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Termination {
    /// The main process exited by itself (see `exit_code`).
    Exited,
    /// The main process was killed by a signal that the harness did not send (see `signal`).
    Signalled,
    /// The CPU-time limit of the whole tree was reached.
    CpuLimit,
    /// The wall-clock limit was reached.
    WallLimit,
    /// The memory limit of the whole tree was reached.
    MemoryLimit,
    /// The output file or the captured stdout/stderr exceeded its size limit.
    OutputLimit,
    /// The solver could not be started at all (missing executable, exec error).
    FailedToStart,
}

impl Termination {
    /// The kebab-case name used in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Termination::Exited => "exited",
            Termination::Signalled => "signalled",
            Termination::CpuLimit => "cpu-limit",
            Termination::WallLimit => "wall-limit",
            Termination::MemoryLimit => "memory-limit",
            Termination::OutputLimit => "output-limit",
            Termination::FailedToStart => "failed-to-start",
        }
    }

    /// Whether the harness ended the run because a limit was reached.
    pub fn is_limit(self) -> bool {
        matches!(
            self,
            Termination::CpuLimit
                | Termination::WallLimit
                | Termination::MemoryLimit
                | Termination::OutputLimit
        )
    }
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One violation the checker found, as stored in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    /// A stable machine-readable kind, stored as its name, e.g. `unsatisfied-dependency`.
    pub kind: ViolationKind,
    /// The explanation a solver author can act on.
    pub message: String,
}

/// The resource limits a run was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// CPU seconds of the whole process tree.
    pub cpu_time: f64,
    /// Wall-clock seconds.
    pub wall_time: f64,
    /// Bytes of memory of the whole process tree.
    pub memory: u64,
    /// Seconds before the CPU limit at which the warning signal (SIGUSR1) is sent.
    pub warning: f64,
    /// Bytes the output file may reach.
    #[serde(default = "default_output_limit")]
    pub output: u64,
}

fn default_output_limit() -> u64 {
    1 << 30
}

impl Default for Limits {
    /// The MISC 2010/2011 environment: 300 s CPU, 1 GiB, SIGUSR1 20 s before the limit.
    fn default() -> Self {
        Limits {
            cpu_time: 300.0,
            wall_time: 600.0,
            memory: 1 << 30,
            warning: 20.0,
            output: default_output_limit(),
        }
    }
}

impl std::fmt::Display for Limits {
    /// `CPU 2 s, wall clock 14 s, memory 1 GiB, output 1 GiB, warning 1 s before the CPU limit`
    /// (`no warning` for 0).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU {} s, wall clock {} s, memory {}, output {}, ",
            self.cpu_time,
            self.wall_time,
            crate::format_size(self.memory),
            crate::format_size(self.output)
        )?;
        if self.warning > 0.0 {
            write!(f, "warning {} s before the CPU limit", self.warning)
        } else {
            f.write_str("no warning")
        }
    }
}

/// What identifies a run within a round: a solver on a problem in a track.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunKey {
    /// The track's name, as in the round definition.
    pub track: String,
    /// The solver's name (its `solver.toml` `name`).
    pub solver: String,
    /// The problem's path relative to the round folder, with `/` separators.
    pub problem: String,
}

/// One judged run. Written once, when the run is fully judged; never modified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The round's name.
    pub round: String,
    /// The name of the track the run belongs to.
    pub track: String,
    /// The solver's name (its `solver.toml` `name`).
    pub solver: String,
    /// The `version` of the solver's `solver.toml` when it ran (empty in records that predate it).
    #[serde(default)]
    pub solver_version: String,
    /// The problem's path relative to the round folder.
    pub problem: String,
    /// The problem's category: the sub-folder it sits in (MISC published per category).
    #[serde(default)]
    pub category: String,
    /// The judged outcome class: solved, fail, abort or wrong (misc-rules.md 1.1).
    pub outcome: Outcome,
    /// How the solver's process ended (exited, killed by a limit, failed to start).
    pub termination: Termination,
    /// CPU seconds (user + system) of the whole process tree.
    pub cpu_time: f64,
    /// User-mode CPU seconds of the whole process tree (part of `cpu_time`; 0 in older records).
    #[serde(default)]
    pub user_time: f64,
    /// Kernel-mode CPU seconds of the whole process tree (part of `cpu_time`; 0 in older records).
    #[serde(default)]
    pub system_time: f64,
    /// Wall-clock seconds, from a monotonic clock.
    pub wall_time: f64,
    /// Peak memory of the whole process tree, in bytes.
    pub memory: u64,
    /// The main process's exit status, when it exited by itself ([`Termination::Exited`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal number that killed the main process, when a signal did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Which mechanism measured the run (`cgroup-v1`, `cgroup-v2`, `proc`).
    #[serde(default)]
    pub measured_by: String,
    /// The criteria values, in the order of the track's criteria (for `solved` runs), under
    /// the reading the track was judged with (the manifest's `semantics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Vec<i64>>,
    /// The criteria values under both readings (for `solved` runs). Records written before
    /// misc stored both have none; `misc rejudge` fills them in from the kept outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readings: Option<Readings>,
    /// What the checker found wrong (for `wrong` runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationRecord>,
    /// A one-line human explanation of the outcome.
    #[serde(default)]
    pub detail: String,
    /// SHA-256 of the problem file, hex.
    #[serde(default)]
    pub problem_hash: String,
    /// SHA-256 of the solver's executable, hex.
    #[serde(default)]
    pub solver_hash: String,
    /// Where the solver's output is kept, relative to the results folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The limits the run was given.
    pub limits: Limits,
    /// Start of the run, seconds since the Unix epoch.
    #[serde(default)]
    pub started_at: f64,
    /// The host name of the machine that ran the solver.
    #[serde(default)]
    pub host: String,
    /// The version of misc that ran and judged the run ([`crate::HARNESS_VERSION`]).
    #[serde(default)]
    pub harness_version: String,
    /// The solver's stdout and stderr, as kept beside its output (records written before
    /// logs were kept have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<SolverLogs>,
}

/// The criteria vector of a valid solution under each reading (misc-rules.md 3.4, 7.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readings {
    /// Counting package names (the MISC 2010/2011 pages' words).
    pub name: Vec<i64>,
    /// Counting (name, version) pairs (aspcud, and the organisers' checker).
    pub pair: Vec<i64>,
}

impl Readings {
    /// The vector under `semantics`.
    pub fn get(&self, semantics: Semantics) -> &[i64] {
        match semantics {
            Semantics::Name => &self.name,
            Semantics::Pair => &self.pair,
        }
    }
}

/// The last [`LOG_TAIL_BYTES`] of what a solver wrote on stdout and on stderr, kept as files
/// beside its output.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SolverLogs {
    /// Bytes the solver wrote on stdout in all (the kept file holds at most the last
    /// [`LOG_TAIL_BYTES`]).
    #[serde(default)]
    pub stdout_bytes: u64,
    /// Bytes the solver wrote on stderr in all.
    #[serde(default)]
    pub stderr_bytes: u64,
    /// The kept end of stdout, relative to the results folder; none when the solver wrote
    /// nothing there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// The kept end of stderr, relative to the results folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

/// How much of a solver's stdout and of its stderr is kept: the last 64 KiB of each.
pub const LOG_TAIL_BYTES: usize = 64 * 1024;

impl RunRecord {
    /// The criteria vector of this run under `semantics`, `judged_with` being the reading
    /// its track was judged with (the manifest's): from [`RunRecord::readings`] when the
    /// record has them, else `criteria` when `semantics` is `judged_with`, else `None` (a
    /// record written before both readings were stored; `misc rejudge` computes the other).
    pub fn criteria_under(&self, semantics: Semantics, judged_with: Semantics) -> Option<&[i64]> {
        match (&self.readings, &self.criteria) {
            (Some(r), _) => Some(r.get(semantics)),
            (None, Some(c)) if semantics == judged_with => Some(c),
            _ => None,
        }
    }

    /// The key that identifies this run within its round.
    pub fn key(&self) -> RunKey {
        RunKey {
            track: self.track.clone(),
            solver: self.solver.clone(),
            problem: self.problem.clone(),
        }
    }
}

/// One criterion of a track, as the scorer needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// The criterion as written, e.g. `-count(removed)`.
    pub label: String,
    /// Whether the criterion is minimised or maximised.
    pub sense: Sense,
}

/// A track of a round, as recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackInfo {
    /// The track's name, unique within the round.
    pub name: String,
    /// The criteria string as given in the definition.
    pub criteria: String,
    /// The reading the track's runs are judged with, stored as `name` or `pair`.
    pub semantics: Semantics,
    /// The expanded criteria, leftmost most important.
    pub objectives: Vec<Objective>,
    /// Every solver entered in the track (m in the point rules counts them all).
    pub solvers: Vec<String>,
    /// Every problem of the track, relative to the round folder.
    pub problems: Vec<String>,
    /// The CPU-time limit of the track, in seconds (the tie-break charges it per unsolved problem).
    pub cpu_time_limit: f64,
    /// The limits of the track's runs (`[tracks.limits]` over the round's `[limits]`).
    /// Absent from manifests written before tracks had limits of their own: the round's
    /// [`Manifest::limits`] were then every track's (see [`Manifest::track_limits`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
}

/// What a round was run with: written beside `runs.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The round's name (the `name` of its definition).
    pub round: String,
    /// The point rules, stored as `misc2010`, `misc2011` or `misc2012`.
    pub rules: Rules,
    /// The tie-break, stored as its name (`success-time`, ...).
    pub tie_break: TieBreak,
    /// The round's limits, every track's unless the track has its own ([`TrackInfo::limits`]).
    pub limits: Limits,
    /// The round's tracks, in the order of the definition.
    pub tracks: Vec<TrackInfo>,
    /// Solver name to version string.
    #[serde(default)]
    pub solver_versions: std::collections::BTreeMap<String, String>,
    /// Solver name to the `description` of its `solver.toml` (solvers without one are left
    /// out; absent from manifests written before descriptions were recorded).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub solver_descriptions: std::collections::BTreeMap<String, String>,
    /// The host name of the machine where the round was (last) started.
    #[serde(default)]
    pub host: String,
    /// A human description of the machine (CPU model, cores, memory, kernel).
    #[serde(default)]
    pub machine: String,
    /// The version of misc that wrote this manifest ([`crate::HARNESS_VERSION`]).
    #[serde(default)]
    pub harness_version: String,
    /// Seconds since the Unix epoch when the round was (last) started.
    #[serde(default)]
    pub started_at: f64,
    /// Problems left out of the round because they cannot be read or judged
    /// (`misc run --skip-bad-problems`); they are not in any track's `problems`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_problems: Vec<ExcludedProblem>,
    /// Entered solvers that cannot start on the machine that ran the round (not installed,
    /// not executable), with the reason. They have no records of their own (misc-rules.md 7.4:
    /// m still counts them) and get no podium place.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub not_run: std::collections::BTreeMap<String, String>,
    /// The round's isolation level (`required`, `best-effort`, `none`; empty in manifests of
    /// versions before isolation).
    #[serde(default)]
    pub isolation: String,
    /// What runs got on the harness's machine: `namespaces`, `partial` (no network, read-only
    /// input) or `none`.
    #[serde(default)]
    pub isolated_by: String,
    /// How the runs' answers were read (`exact`, `lenient`: the round's `answers`). `None` in
    /// manifests written before it was recorded (answers were then read exactly since
    /// misc-rules.md 7.12 was corrected, leniently before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<misc_vocab::AnswerReading>,
}

/// A problem left out of a round, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedProblem {
    /// Relative to the round folder.
    pub problem: String,
    /// What is wrong with it (file, line and column when the parser says).
    pub reason: String,
}

impl Manifest {
    /// The limits of track `t`'s runs: its own, or the round's for a manifest written before
    /// tracks had limits of their own (the CPU limit then still the track's `cpu_time_limit`).
    pub fn track_limits(&self, t: &TrackInfo) -> Limits {
        t.limits.clone().unwrap_or_else(|| Limits {
            cpu_time: t.cpu_time_limit,
            ..self.limits.clone()
        })
    }

    /// Whether some track's limits differ from the round's.
    pub fn limits_differ_by_track(&self) -> bool {
        self.tracks
            .iter()
            .any(|t| self.track_limits(t) != self.limits)
    }
}
