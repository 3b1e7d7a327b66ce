//! The domain vocabulary of the harness, defined once.
//!
//! Every crate that speaks of a criterion's [`Sense`], a criteria reading ([`Semantics`]), an
//! answer reading ([`AnswerReading`]), an edition's point [`Rules`], a [`TieBreak`], a run's [`Outcome`] or a [`ViolationKind`] uses
//! these types; records, manifests and scoring files store them under the names that
//! [`as_str`](Rules::as_str) gives (the serde names are those names, so records written before
//! these types existed load unchanged). Parsing a name that is not one of them is an
//! [`UnknownName`] error, never a silent default.
//!
//! The crate also holds the one lexicographic comparison of criteria vectors, [`compare`]
//! (misc-rules.md 3.5), used by the criteria crate, the scorer and the reports alike.
//!
//! It depends on serde and thiserror only, does no IO and never panics, so that the core
//! crates (criteria, check, score) can depend on it without cycles.
#![warn(missing_docs)]

use std::cmp::Ordering;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A name that is not one of the names of a vocabulary type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{found}`: expected {expected}")]
pub struct UnknownName {
    /// What was being named, e.g. `rules`.
    pub what: &'static str,
    /// The name given.
    pub found: String,
    /// The names accepted, in words.
    pub expected: &'static str,
}

/// Serializes a vocabulary type as its `as_str` name and deserializes it through `FromStr`
/// (without allocating), so that the names on disk are exactly the names of `as_str`.
macro_rules! serde_by_name {
    ($t:ty, $expecting:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(ByName::<$t>(PhantomData, $expecting))
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

struct ByName<T>(PhantomData<T>, &'static str);

impl<T> de::Visitor<'_> for ByName<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

/// Whether a criterion is minimised (`-`) or maximised (`+`). Named `min` and `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sense {
    /// `-`: smaller values are better.
    Min,
    /// `+`: larger values are better.
    Max,
}

impl Sense {
    /// `min` or `max`: the name in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Sense::Min => "min",
            Sense::Max => "max",
        }
    }

    /// The sign as the criteria language writes it.
    pub fn sign(self) -> char {
        match self {
            Sense::Min => '-',
            Sense::Max => '+',
        }
    }
}

impl FromStr for Sense {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Sense, UnknownName> {
        match s {
            "min" => Ok(Sense::Min),
            "max" => Ok(Sense::Max),
            _ => Err(UnknownName {
                what: "sense",
                found: s.to_owned(),
                expected: "min or max",
            }),
        }
    }
}

serde_by_name!(Sense, "`min` or `max`");

/// Compares two criteria vectors lexicographically (misc-rules.md 3.5): `Less` means `a` is
/// better. The first differing position decides; smaller is better for [`Sense::Min`] and
/// larger for [`Sense::Max`].
///
/// 3.5 compares vectors of one value per criterion, and "equally good" means identical
/// vectors; so this returns `Equal` exactly when `a == b`. For vectors that do not have one
/// value per sense (which the scorer refuses before comparing), positions without a sense
/// compare as minimised and a vector that is a prefix of a longer one comes first. This keeps
/// the order total (a sort needs that), which ignoring the tail would not be: `[1]` would
/// equal both `[1, 2]` and `[1, 3]`, which differ.
///
/// ```
/// use misc_vocab::{compare, Sense::*};
/// use std::cmp::Ordering::*;
/// assert_eq!(compare(&[0, 5], &[0, 7], &[Min, Min]), Less);
/// assert_eq!(compare(&[0, 5], &[0, 7], &[Min, Max]), Greater);
/// assert_eq!(compare(&[1], &[1, 2], &[Min]), Less);
/// ```
pub fn compare(a: &[i64], b: &[i64], senses: &[Sense]) -> Ordering {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let ord = match senses.get(i) {
            Some(Sense::Max) => y.cmp(x),
            _ => x.cmp(y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

/// How the criteria functions count (misc-rules.md 3.1, 3.4, 7.11): package names or
/// (name, version) pairs. Named `name` and `pair`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Semantics {
    /// The MISC 2010/2011 pages' words: `count` and `notuptodate` count package *names*; a
    /// version switch is one change. The default of misc2010 only.
    #[cfg_attr(
        feature = "clap",
        value(help = "MISC 2010/2011: a version switch is one change")
    )]
    Name,
    /// aspcud's encoding of the MISC 2012 language, and what the organisers' checker computed
    /// on 2011 instances: every function counts (name, version) pairs; a version switch is
    /// two changes (one pair leaves, one arrives). The default of misc2011 and misc2012.
    #[cfg_attr(
        feature = "clap",
        value(help = "MISC 2012 / aspcud: (name, version) pairs")
    )]
    Pair,
}

impl Semantics {
    /// Both readings.
    pub const ALL: [Semantics; 2] = [Semantics::Name, Semantics::Pair];

    /// `name` or `pair`.
    pub fn as_str(self) -> &'static str {
        match self {
            Semantics::Name => "name",
            Semantics::Pair => "pair",
        }
    }

    /// The reading an edition's rules used (see [`Rules::semantics`]).
    pub fn for_rules(rules: Rules) -> Semantics {
        rules.semantics()
    }
}

impl FromStr for Semantics {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Semantics, UnknownName> {
        match s.trim() {
            "name" => Ok(Semantics::Name),
            "pair" => Ok(Semantics::Pair),
            other => Err(UnknownName {
                what: "criteria semantics",
                found: other.to_owned(),
                expected: "`name` (package names, the MISC 2010/2011 pages' words) or `pair` \
                           ((name, version) pairs, as aspcud and the organisers' checker count)",
            }),
        }
    }
}

serde_by_name!(Semantics, "`name` or `pair`");

/// How a solver's answer is read (misc-rules.md 4, 7.12). Named `exact` and `lenient`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum AnswerReading {
    /// Exactly as libCUDF 0.9 (the organisers' `cudf-check`) reads it (misc-rules.md 7.12):
    /// whatever it rejects (CRLF line ends, `name:value`, a tab after the colon, no line end
    /// after the last line, a BOM, `_` in a name, ...) is an error naming line and column.
    #[default]
    Exact,
    /// Tolerant of the lexical departures above (`\r\n` read as a line end, any blanks after the
    /// colon, no final line end): misc's reading before answers were read exactly. An explicit
    /// option (`misc check --lenient-answers`, a round's `answers = "lenient"`), never the
    /// default.
    Lenient,
}

impl AnswerReading {
    /// `exact` or `lenient`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerReading::Exact => "exact",
            AnswerReading::Lenient => "lenient",
        }
    }
}

impl FromStr for AnswerReading {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<AnswerReading, UnknownName> {
        match s.trim() {
            "exact" => Ok(AnswerReading::Exact),
            "lenient" => Ok(AnswerReading::Lenient),
            other => Err(UnknownName {
                what: "answer reading",
                found: other.to_owned(),
                expected: "`exact` (as libCUDF's cudf-check reads answers, the default) or \
                           `lenient` (CRLF, `name:value`, no final line end accepted)",
            }),
        }
    }
}

serde_by_name!(AnswerReading, "`exact` or `lenient`");

/// The point rules of one MISC edition (misc-rules.md 1.1). Named `misc2010`, `misc2011`,
/// `misc2012`; parsing also accepts `MISC-2011`, `misc_2011`, `misc 2011` and the bare year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rules {
    /// Four classes: FAIL `2m`, abort `3m`, wrong `4m` (also MISC-live #1).
    Misc2010,
    /// Three classes: no solution (FAIL or abort) `2m`, wrong `3m` (also MISC-live #3 and #4).
    Misc2011,
    /// As 2011; the time limit of the tie-break is the track's own (misc-rules.md 2).
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

    /// The edition's year.
    pub fn year(self) -> u16 {
        match self {
            Rules::Misc2010 => 2010,
            Rules::Misc2011 => 2011,
            Rules::Misc2012 => 2012,
        }
    }

    /// The criteria reading a track of this edition is judged and scored with unless its
    /// definition (or `misc score --semantics`) says otherwise (misc-rules.md 3.4, 7.11):
    /// `pair` for misc2011 and misc2012, what the organisers' checker computed (the optima it
    /// printed for 17 MISC instances are reproduced only by pair counting); `name` for
    /// misc2010, whose pages define the functions over names and for which no output of the
    /// checker is known.
    pub fn semantics(self) -> Semantics {
        match self {
            Rules::Misc2010 => Semantics::Name,
            Rules::Misc2011 | Rules::Misc2012 => Semantics::Pair,
        }
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
    type Err = UnknownName;

    /// Accepts `misc2010`, `misc-2011`, `MISC 2012`, or the bare year.
    fn from_str(s: &str) -> Result<Rules, UnknownName> {
        let squashed = squash(s);
        let year = squashed.strip_prefix("misc").unwrap_or(&squashed);
        match year {
            "2010" => Ok(Rules::Misc2010),
            "2011" => Ok(Rules::Misc2011),
            "2012" => Ok(Rules::Misc2012),
            _ => Err(UnknownName {
                what: "rules",
                found: s.to_owned(),
                expected: "misc2010, misc2011 or misc2012",
            }),
        }
    }
}

serde_by_name!(Rules, "misc2010, misc2011 or misc2012");

/// Which clock a time-based tie-break reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Clock {
    /// CPU time of the whole process tree; the penalty is the track's CPU-time limit.
    Cpu,
    /// Wall-clock time; the penalty is the wall-clock limit the runs were given.
    Wall,
}

/// The time figure a [`TieBreak`] sums, independent of the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeFigure {
    /// Time on valid solutions plus the limit per problem without one (MISC).
    Success,
    /// Time on valid solutions only.
    Solved,
    /// Time on the problems that every solver tied on the total solved.
    Common,
    /// Time on valid solutions plus twice the limit per problem without one.
    Par2,
}

/// How ties on the best total are broken (misc-rules.md 2). Only the winner is decided by it;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TieBreak {
    /// No tie-break.
    None,
    /// The MISC total success time (CPU).
    SuccessTime,
    /// CPU time on valid solutions.
    SolvedTime,
    /// CPU time on the problems every tied solver solved.
    CommonTime,
    /// PAR-2 sum (CPU).
    Par2,
    /// The success time on the wall clock.
    SuccessWall,
    /// Wall time on valid solutions.
    SolvedWall,
    /// Wall time on the problems every tied solver solved.
    CommonWall,
    /// PAR-2 sum on the wall clock.
    Par2Wall,
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

impl FromStr for TieBreak {
    type Err = UnknownName;

    /// Accepts the names of [`TieBreak::as_str`], with `_` for `-`, any case, and the aliases
    /// `success`, `solved`, `common`, `X-wall-time`, `par2-time`.
    fn from_str(s: &str) -> Result<TieBreak, UnknownName> {
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
            .ok_or_else(|| UnknownName {
                what: "tie-break",
                found: s.to_owned(),
                expected: "none, success-time, solved-time, common-time, par2, success-wall, \
                           solved-wall, common-wall or par2-wall",
            })
    }
}

serde_by_name!(TieBreak, "a tie-break name such as `success-time`");

/// The outcome class of a judged run (misc-rules.md 1.1). Named `solved`, `fail`, `abort`,
/// `wrong`.
///
/// MISC 2010 scored `Fail` and `Abort` differently (2m and 3m); from MISC-live #3 on both are
/// "no solution" (2m). Keeping them apart in the record lets every edition be scored from the
/// same records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The solver claimed a solution and the checker accepted it.
    Solved,
    /// The solver ended normally and said `FAIL`.
    Fail,
    /// No answer: a limit was hit, the solver crashed, or it left no output.
    Abort,
    /// The solver claimed a solution that is not one (including unparseable output).
    Wrong,
}

impl Outcome {
    /// All outcomes, in the order reports list them.
    pub const ALL: [Outcome; 4] = [
        Outcome::Solved,
        Outcome::Fail,
        Outcome::Abort,
        Outcome::Wrong,
    ];

    /// The lower-case name used in records, flags and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Solved => "solved",
            Outcome::Fail => "fail",
            Outcome::Abort => "abort",
            Outcome::Wrong => "wrong",
        }
    }

    /// Parses the name used in records and flags.
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl FromStr for Outcome {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Outcome, UnknownName> {
        Outcome::parse(s).ok_or_else(|| UnknownName {
            what: "outcome",
            found: s.to_owned(),
            expected: "solved, fail, abort or wrong",
        })
    }
}

serde_by_name!(Outcome, "solved, fail, abort or wrong");

/// The kinds of violation the checker reports, with stable names for JSON and records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViolationKind {
    /// The answer could not be parsed as a solution.
    Unparseable,
    /// A (package, version) marked installed is not in the problem's universe.
    UnknownPackage,
    /// A (package, version) is listed twice in the answer.
    DuplicatePackage,
    /// An installed package has a dependency conjunct that nothing installed satisfies.
    UnsatisfiedDependency,
    /// Two installed packages conflict.
    Conflict,
    /// An `install` item is not satisfied.
    InstallNotSatisfied,
    /// A `remove` item is still satisfied.
    RemoveNotSatisfied,
    /// An `upgrade` item is not satisfied at all.
    UpgradeNotSatisfied,
    /// An `upgrade` item's name has more than one version (or an unversioned provider).
    UpgradeNotUnique,
    /// An `upgrade` item's resulting version is older than an initial version.
    UpgradeNotUpgraded,
    /// A `keep: version` package is gone.
    KeepVersion,
    /// No version of a `keep: package` package's name is left.
    KeepPackage,
    /// A feature of a `keep: feature` package is no longer provided.
    KeepFeature,
}

impl ViolationKind {
    /// Every kind.
    pub const ALL: [ViolationKind; 13] = [
        ViolationKind::Unparseable,
        ViolationKind::UnknownPackage,
        ViolationKind::DuplicatePackage,
        ViolationKind::UnsatisfiedDependency,
        ViolationKind::Conflict,
        ViolationKind::InstallNotSatisfied,
        ViolationKind::RemoveNotSatisfied,
        ViolationKind::UpgradeNotSatisfied,
        ViolationKind::UpgradeNotUnique,
        ViolationKind::UpgradeNotUpgraded,
        ViolationKind::KeepVersion,
        ViolationKind::KeepPackage,
        ViolationKind::KeepFeature,
    ];

    /// The kebab-case name used in JSON and records, e.g. `unsatisfied-dependency`.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::Unparseable => "unparseable",
            ViolationKind::UnknownPackage => "unknown-package",
            ViolationKind::DuplicatePackage => "duplicate-package",
            ViolationKind::UnsatisfiedDependency => "unsatisfied-dependency",
            ViolationKind::Conflict => "conflict",
            ViolationKind::InstallNotSatisfied => "install-not-satisfied",
            ViolationKind::RemoveNotSatisfied => "remove-not-satisfied",
            ViolationKind::UpgradeNotSatisfied => "upgrade-not-satisfied",
            ViolationKind::UpgradeNotUnique => "upgrade-not-unique",
            ViolationKind::UpgradeNotUpgraded => "upgrade-not-upgraded",
            ViolationKind::KeepVersion => "keep-version",
            ViolationKind::KeepPackage => "keep-package",
            ViolationKind::KeepFeature => "keep-feature",
        }
    }
}

impl FromStr for ViolationKind {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<ViolationKind, UnknownName> {
        ViolationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "violation kind",
                found: s.to_owned(),
                expected: "a kind such as `unsatisfied-dependency` (see misc_vocab::ViolationKind)",
            })
    }
}

serde_by_name!(ViolationKind, "a violation kind such as `conflict`");

#[cfg(test)]
mod tests {
    use super::*;

    /// The names on disk are the names of `as_str`, and each reads back as itself.
    #[test]
    fn serde_names_are_the_as_str_names() {
        fn round_trip<T>(all: &[T])
        where
            T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug + fmt::Display,
        {
            for v in all {
                let json = serde_json::to_string(v).unwrap();
                assert_eq!(json, format!("\"{v}\""));
                assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), v);
            }
        }
        round_trip(&[Sense::Min, Sense::Max]);
        round_trip(&Semantics::ALL);
        round_trip(&Rules::ALL);
        round_trip(&TieBreak::ALL);
        round_trip(&Outcome::ALL);
        round_trip(&ViolationKind::ALL);
    }

    /// The names records and manifests written before this crate used.
    #[test]
    fn todays_strings_load() {
        let rules: Vec<Rules> =
            serde_json::from_str(r#"["misc2010","misc2011","misc2012"]"#).unwrap();
        assert_eq!(rules, Rules::ALL);
        let tb: TieBreak = serde_json::from_str(r#""success-time""#).unwrap();
        assert_eq!(tb, TieBreak::SuccessTime);
        let k: ViolationKind = serde_json::from_str(r#""install-not-satisfied""#).unwrap();
        assert_eq!(k, ViolationKind::InstallNotSatisfied);
        let e = serde_json::from_str::<Outcome>(r#""solve""#).unwrap_err();
        assert!(e.to_string().contains("unknown outcome `solve`"), "{e}");
    }

    #[test]
    fn answer_reading_names() {
        assert_eq!(AnswerReading::default(), AnswerReading::Exact);
        for r in [AnswerReading::Exact, AnswerReading::Lenient] {
            assert_eq!(r.as_str().parse::<AnswerReading>().unwrap(), r);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<AnswerReading>(&json).unwrap(), r);
        }
        assert_eq!(
            serde_json::to_string(&AnswerReading::Lenient).unwrap(),
            r#""lenient""#
        );
        let e = "strict".parse::<AnswerReading>().unwrap_err().to_string();
        assert!(
            e.starts_with("unknown answer reading `strict`: expected `exact`"),
            "{e}"
        );
    }

    #[test]
    fn lenient_flag_names() {
        assert_eq!("MISC-2011".parse::<Rules>().unwrap(), Rules::Misc2011);
        assert_eq!("2012".parse::<Rules>().unwrap(), Rules::Misc2012);
        assert_eq!(
            "misc1999".parse::<Rules>().unwrap_err().to_string(),
            "unknown rules `misc1999`: expected misc2010, misc2011 or misc2012"
        );
        assert_eq!("Par2_Time".parse::<TieBreak>().unwrap(), TieBreak::Par2);
        assert_eq!(
            "solved-wall-time".parse::<TieBreak>().unwrap(),
            TieBreak::SolvedWall
        );
        assert_eq!(" pair ".parse::<Semantics>().unwrap(), Semantics::Pair);
        assert!("names".parse::<Semantics>().is_err());
    }

    /// misc-rules.md 3.5: the first differing position decides; equal means identical.
    #[test]
    fn compare_is_lexicographic_and_total() {
        use Sense::*;
        assert_eq!(compare(&[1, 9], &[2, 0], &[Min, Min]), Ordering::Less);
        assert_eq!(compare(&[1, 9], &[1, 3], &[Min, Max]), Ordering::Less);
        assert_eq!(compare(&[1, 3], &[1, 3], &[Min, Max]), Ordering::Equal);
        assert_eq!(compare(&[5], &[7], &[Max]), Ordering::Greater);
        // Vectors longer than the senses: a total order, equal only when identical.
        assert_eq!(compare(&[1], &[1, 2], &[Min]), Ordering::Less);
        assert_eq!(compare(&[1, 2], &[1, 3], &[Min]), Ordering::Less);
        assert_eq!(compare(&[1, 3], &[1, 2], &[Min]), Ordering::Greater);
    }
}
