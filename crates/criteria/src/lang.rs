//! The criteria language: its abstract syntax, its parser and its errors (misc-rules.md 3.2–3.4).

use std::fmt;

pub use misc_vocab::Sense;

/// The set of packages a MISC 2012 function ranges over (misc-rules.md 3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PackageSet {
    /// Installed in the solution.
    Solution,
    /// Installed in exactly one of the initial installation and the solution.
    Changed,
    /// Installed in the solution, its name not installed initially.
    New,
    /// Installed initially, its name not installed in the solution.
    Removed,
    /// Installed in the solution, newer than every initially installed version of its name.
    Up,
    /// Installed in the solution, older than every initially installed version of its name.
    Down,
    /// Installed in the solution and named (with a matching version) by the request's `install`.
    InstallRequest,
    /// Installed in the solution and named (with a matching version) by the request's `upgrade`.
    UpgradeRequest,
    /// `installrequest` ∪ `upgraderequest`.
    Request,
}

impl PackageSet {
    /// Every set, in the order the language lists them.
    pub const ALL: [PackageSet; 9] = [
        PackageSet::Solution,
        PackageSet::Changed,
        PackageSet::New,
        PackageSet::Removed,
        PackageSet::Up,
        PackageSet::Down,
        PackageSet::InstallRequest,
        PackageSet::UpgradeRequest,
        PackageSet::Request,
    ];

    /// The keyword of the set.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageSet::Solution => "solution",
            PackageSet::Changed => "changed",
            PackageSet::New => "new",
            PackageSet::Removed => "removed",
            PackageSet::Up => "up",
            PackageSet::Down => "down",
            PackageSet::InstallRequest => "installrequest",
            PackageSet::UpgradeRequest => "upgraderequest",
            PackageSet::Request => "request",
        }
    }

    fn from_keyword(s: &str) -> Option<PackageSet> {
        PackageSet::ALL.into_iter().find(|set| set.as_str() == s)
    }
}

impl fmt::Display for PackageSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A property named in a criterion, with the byte offset where the criteria string names it
/// (so that [`crate::resolve`] can point at it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PropertyRef {
    /// The property's name, e.g. `size`.
    pub name: String,
    /// Byte offset of the name in the criteria string.
    pub offset: usize,
}

/// A utility function (misc-rules.md 3.1 and 3.4). The legacy 2010/2011 forms are the
/// MISC 2012 functions over a fixed set; [`Criterion::legacy`] remembers how it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Function {
    /// `count(SET)`: how many members the set has.
    Count(PackageSet),
    /// `sum(SET,PROPERTY)`: the sum of an integer property over the set.
    Sum(PackageSet, PropertyRef),
    /// `unsat_recommends(SET)`: unsatisfied `recommends` conjuncts of the set's packages.
    UnsatRecommends(PackageSet),
    /// `notuptodate(SET)`: members of the set that are not the newest version in the universe.
    NotUpToDate(PackageSet),
    /// `aligned(SET,GROUP,VALUE)`: #distinct (GROUP, VALUE) pairs − #distinct GROUP values.
    Aligned(PackageSet, PropertyRef, PropertyRef),
}

impl Function {
    /// The set the function ranges over.
    pub fn set(&self) -> PackageSet {
        match self {
            Function::Count(s)
            | Function::Sum(s, _)
            | Function::UnsatRecommends(s)
            | Function::NotUpToDate(s)
            | Function::Aligned(s, _, _) => *s,
        }
    }

    /// The function in the MISC 2012 notation, e.g. `count(removed)`.
    pub fn extended(&self) -> String {
        match self {
            Function::Count(s) => format!("count({s})"),
            Function::Sum(s, p) => format!("sum({s},{})", p.name),
            Function::UnsatRecommends(s) => format!("unsat_recommends({s})"),
            Function::NotUpToDate(s) => format!("notuptodate({s})"),
            Function::Aligned(s, g, v) => format!("aligned({s},{},{})", g.name, v.name),
        }
    }

    /// The function in the 2010/2011 notation when it has one (`removed`, `sum(size)`, ...).
    pub fn legacy(&self) -> Option<String> {
        match self {
            Function::Count(PackageSet::Removed) => Some("removed".into()),
            Function::Count(PackageSet::New) => Some("new".into()),
            Function::Count(PackageSet::Changed) => Some("changed".into()),
            Function::NotUpToDate(PackageSet::Solution) => Some("notuptodate".into()),
            Function::UnsatRecommends(PackageSet::Solution) => Some("unsat_recommends".into()),
            Function::Sum(PackageSet::Solution, p) => Some(format!("sum({})", p.name)),
            _ => None,
        }
    }
}

/// One signed criterion of a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Criterion {
    /// `-` (minimise) or `+` (maximise).
    pub sense: Sense,
    /// What is counted or summed.
    pub function: Function,
    /// Written in the 2010/2011 notation (`removed` rather than `count(removed)`).
    pub legacy: bool,
    /// Byte offset of the sign in the criteria string.
    pub offset: usize,
}

impl Criterion {
    /// The criterion as it was written, normalised: sign and function without spaces,
    /// e.g. `-removed` or `+sum(solution,size)`.
    pub fn label(&self) -> String {
        let body = match (self.legacy, self.function.legacy()) {
            (true, Some(legacy)) => legacy,
            _ => self.function.extended(),
        };
        format!("{}{}", self.sense.sign(), body)
    }
}

/// A lexicographic list of criteria: the first is the most important (misc-rules.md 3.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Criteria {
    /// The criteria, most important first.
    pub items: Vec<Criterion>,
    /// The string the criteria were parsed from (error messages quote it).
    pub source: String,
}

impl Criteria {
    /// The sense of each criterion, in order.
    pub fn senses(&self) -> Vec<Sense> {
        self.items.iter().map(|c| c.sense).collect()
    }

    /// The label of each criterion, in order.
    pub fn labels(&self) -> Vec<String> {
        self.items.iter().map(Criterion::label).collect()
    }

    /// Compares two criteria vectors of these criteria; `Less` means `a` is better.
    pub fn compare(&self, a: &[i64], b: &[i64]) -> std::cmp::Ordering {
        misc_vocab::compare(a, b, &self.senses())
    }

    /// The vector the way the MISC checker prints it (the `.opt` files of aspcud's tests):
    /// minimised values negated, so that larger is better everywhere.
    pub fn utilities(&self, values: &[i64]) -> Vec<i64> {
        values
            .iter()
            .zip(&self.items)
            .map(|(&v, c)| match c.sense {
                Sense::Min => v.saturating_neg(),
                Sense::Max => v,
            })
            .collect()
    }
}

impl fmt::Display for Criteria {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.labels().join(","))
    }
}

impl std::str::FromStr for Criteria {
    type Err = CriteriaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_criteria(s)
    }
}

/// The criteria of a fixed track (misc-rules.md 3.2): `paranoid` or `trendy`.
pub fn track_criteria(name: &str) -> Option<&'static str> {
    match name {
        "paranoid" => Some(PARANOID),
        "trendy" => Some(TRENDY),
        _ => None,
    }
}

/// The paranoid track: `-removed,-changed` (misc-rules.md 3.2).
pub const PARANOID: &str = "-removed,-changed";
/// The trendy track since MISC 2010: `-removed,-notuptodate,-unsat_recommends,-new`
/// (misc-rules.md 3.2).
pub const TRENDY: &str = "-removed,-notuptodate,-unsat_recommends,-new";

/// A criteria string that does not parse, or that names a property the problem lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CriteriaError {
    /// The whole criteria string.
    pub input: String,
    /// Byte offset of the offending character (the string's length at its end).
    pub offset: usize,
    /// What went wrong and what was expected.
    pub message: String,
}

impl CriteriaError {
    pub(crate) fn new(input: &str, offset: usize, message: impl Into<String>) -> Self {
        CriteriaError {
            input: input.to_string(),
            offset: offset.min(input.len()),
            message: message.into(),
        }
    }

    /// The 1-based column (in characters) of the offending character.
    pub fn column(&self) -> usize {
        let mut end = self.offset.min(self.input.len());
        while !self.input.is_char_boundary(end) {
            end -= 1;
        }
        self.input[..end].chars().count() + 1
    }
}

impl fmt::Display for CriteriaError {
    /// `column N: message`, then the criteria string and a caret under the column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self
            .input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        write!(
            f,
            "criteria, column {}: {}\n  {}\n  {}^",
            self.column(),
            self.message,
            shown,
            " ".repeat(self.column() - 1)
        )
    }
}

const FUNCTIONS: &str = "`count(SET)`, `sum(SET,PROPERTY)`, `unsat_recommends(SET)`, \
`notuptodate(SET)`, `aligned(SET,PROPERTY,PROPERTY)`, or a legacy name `removed`, `new`, \
`changed`, `notuptodate`, `unsat_recommends`, `sum(PROPERTY)`";

const SETS: &str =
    "a set: solution, changed, new, removed, up, down, installrequest, upgraderequest or request";

/// Parses a criteria string: a track name (`paranoid`, `trendy`), or a comma-separated list of
/// signed criteria in the 2010/2011 or the MISC 2012 notation (misc-rules.md 3.3, 3.4).
///
/// Blanks around tokens are accepted (aspcud rejects them). Property names are checked later,
/// against a problem, by [`crate::resolve`].
///
/// ```
/// let c = misc_criteria::parse_criteria("-count(removed), +sum(solution,size)").unwrap();
/// assert_eq!(c.to_string(), "-count(removed),+sum(solution,size)");
/// let e = misc_criteria::parse_criteria("-removed,changed").unwrap_err();
/// assert_eq!(e.column(), 10);
/// ```
pub fn parse_criteria(input: &str) -> Result<Criteria, CriteriaError> {
    let trimmed = input.trim();
    if let Some(expansion) = track_criteria(trimmed) {
        // Parse the expansion, but report offsets of the track name.
        let lead = input.len() - input.trim_start().len();
        let mut criteria = Parser::new(expansion).criteria()?;
        for c in &mut criteria.items {
            c.offset = lead;
        }
        criteria.source = input.to_string();
        return Ok(criteria);
    }
    Parser::new(input).criteria()
}

struct Parser<'s> {
    input: &'s str,
    pos: usize,
}

impl<'s> Parser<'s> {
    fn new(input: &'s str) -> Self {
        Parser { input, pos: 0 }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> CriteriaError {
        CriteriaError::new(self.input, offset, message)
    }

    /// Describes what is at `pos` for messages.
    fn found(&self) -> String {
        match self.input[self.pos..].chars().next() {
            None => "found the end of the criteria".into(),
            Some(c) => format!("found `{c}`"),
        }
    }

    fn skip_ws(&mut self) {
        let rest = &self.input[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), CriteriaError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.error(self.pos, format!("expected {what}, {}", self.found())))
        }
    }

    /// An identifier: a letter or `_`, then letters, digits, `_` or `-` (CUDF property names
    /// are `[a-z][a-z0-9-]*`). Returns it and its offset.
    fn ident(&mut self) -> Option<(&'s str, usize)> {
        self.skip_ws();
        let start = self.pos;
        let bytes = self.input.as_bytes();
        if !matches!(bytes.get(start), Some(b) if b.is_ascii_alphabetic() || *b == b'_') {
            return None;
        }
        let mut end = start + 1;
        while matches!(bytes.get(end), Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        {
            end += 1;
        }
        self.pos = end;
        Some((&self.input[start..end], start))
    }

    fn criteria(mut self) -> Result<Criteria, CriteriaError> {
        let mut items = Vec::new();
        loop {
            items.push(self.criterion(items.is_empty())?);
            self.skip_ws();
            match self.peek() {
                None => {
                    return Ok(Criteria {
                        items,
                        source: self.input.to_string(),
                    })
                }
                Some(b',') => self.pos += 1,
                Some(_) => {
                    return Err(self.error(
                        self.pos,
                        format!("expected `,` or the end of the criteria, {}", self.found()),
                    ))
                }
            }
        }
    }

    fn criterion(&mut self, first: bool) -> Result<Criterion, CriteriaError> {
        self.skip_ws();
        let offset = self.pos;
        let sense = match self.peek() {
            Some(b'-') => Sense::Min,
            Some(b'+') => Sense::Max,
            Some(b) if b.is_ascii_alphabetic() => {
                let hint = if first {
                    " (a criterion starts with `+` to maximise or `-` to minimise; \
                     the track names `paranoid` and `trendy` stand alone)"
                } else {
                    " (a criterion starts with `+` to maximise or `-` to minimise)"
                };
                return Err(self.error(
                    offset,
                    format!("expected `+` or `-`, {}{hint}", self.found()),
                ));
            }
            _ => {
                let what = if first {
                    "a criterion such as `-removed` or a track name (`paranoid`, `trendy`)"
                } else {
                    "`+` or `-` and a criterion"
                };
                return Err(self.error(offset, format!("expected {what}, {}", self.found())));
            }
        };
        self.pos += 1;
        let Some((name, name_at)) = self.ident() else {
            return Err(self.error(
                self.pos,
                format!("expected a criterion ({FUNCTIONS}), {}", self.found()),
            ));
        };
        let (function, legacy) = self.function(name, name_at)?;
        Ok(Criterion {
            sense,
            function,
            legacy,
            offset,
        })
    }

    fn set(&mut self) -> Result<PackageSet, CriteriaError> {
        self.skip_ws();
        let at = self.pos;
        match self.ident() {
            Some((word, at)) => PackageSet::from_keyword(word)
                .ok_or_else(|| self.error(at, format!("expected {SETS}, found `{word}`"))),
            None => {
                self.pos = at;
                Err(self.error(at, format!("expected {SETS}, {}", self.found())))
            }
        }
    }

    fn property(&mut self) -> Result<PropertyRef, CriteriaError> {
        match self.ident() {
            Some((name, offset)) => Ok(PropertyRef {
                name: name.to_string(),
                offset,
            }),
            None => Err(self.error(
                self.pos,
                format!("expected a property name, {}", self.found()),
            )),
        }
    }

    fn function(&mut self, name: &str, name_at: usize) -> Result<(Function, bool), CriteriaError> {
        let open = self.eat(b'(');
        let needs_parens = |p: &Self, example: &str| {
            p.error(
                p.pos,
                format!(
                    "expected `(` after `{name}` (as in `{example}`), {}",
                    p.found()
                ),
            )
        };
        let f = match name {
            "removed" | "new" | "changed" if !open => {
                let set = PackageSet::from_keyword(name).unwrap_or(PackageSet::Solution);
                return Ok((Function::Count(set), true));
            }
            "notuptodate" if !open => {
                return Ok((Function::NotUpToDate(PackageSet::Solution), true));
            }
            "unsat_recommends" if !open => {
                return Ok((Function::UnsatRecommends(PackageSet::Solution), true));
            }
            "notuptodate" => Function::NotUpToDate(self.set()?),
            "unsat_recommends" => Function::UnsatRecommends(self.set()?),
            "count" if open => Function::Count(self.set()?),
            "count" => return Err(needs_parens(self, "count(removed)")),
            "sum" if open => {
                self.skip_ws();
                let at = self.pos;
                let first = self.property()?;
                if self.eat(b',') {
                    let set = PackageSet::from_keyword(&first.name).ok_or_else(|| {
                        self.error(
                            at,
                            format!(
                                "expected {SETS} (the MISC 2012 form is `sum(SET,PROPERTY)`), \
                                 found `{}`",
                                first.name
                            ),
                        )
                    })?;
                    let prop = self.property()?;
                    self.expect(b')', "`)`")?;
                    return Ok((Function::Sum(set, prop), false));
                }
                self.expect(b')', "`,` or `)`")?;
                return Ok((Function::Sum(PackageSet::Solution, first), true));
            }
            "sum" => return Err(needs_parens(self, "sum(solution,size)")),
            "aligned" if open => {
                let set = self.set()?;
                self.expect(b',', "`,` and the grouping property")?;
                let group = self.property()?;
                self.expect(b',', "`,` and the aligned property")?;
                let value = self.property()?;
                Function::Aligned(set, group, value)
            }
            "aligned" => return Err(needs_parens(self, "aligned(solution,source,sourceversion)")),
            "removed" | "new" | "changed" => {
                return Err(self.error(
                    name_at,
                    format!("`{name}` takes no arguments; write `count({name})` for the set form"),
                ))
            }
            _ => {
                let hint = if name == "unmet_recommends" {
                    " (the official name is `unsat_recommends`)"
                } else if track_criteria(name).is_some() {
                    " (a track name stands alone, without a sign)"
                } else {
                    ""
                };
                return Err(self.error(
                    name_at,
                    format!("unknown criterion `{name}`{hint}; expected {FUNCTIONS}"),
                ));
            }
        };
        self.expect(b')', "`)`")?;
        Ok((f, false))
    }
}
