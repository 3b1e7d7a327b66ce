//! The vpkg grammar (misc-rules.md 5.2), written once: `vpkg`, `veqpkg`, `vpkglist`,
//! `veqpkglist` and `vpkgformula` values.
//!
//! [`scan`] reads a value and reports what it finds to a [`Sink`]. The sink decides what an
//! error costs: [`Quiet`] (the parser's fast path, which only needs yes or no) makes every
//! error a `()` that the compiler folds away, so that the same code is the fast scan of a
//! universe's million relations; [`Precise`] builds a [`ValueError`] naming the byte offset and
//! what was expected. The document model reads the relations it kept as text with the same
//! grammar ([`Items`]).

use std::ops::Range;

use crate::error::{Found, ValueError, ValueErrorKind};
use crate::lex::pkgname_end;
use crate::model::{Constraint, RelOp, Version};

/// Which value of the grammar to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One `name [op version]`.
    Vpkg,
    /// One vpkg whose constraint, if any, is `=`.
    Veqpkg,
    /// vpkgs separated by `,`; empty (or blank) is the empty list.
    List,
    /// A `List` of veqpkgs.
    EqList,
    /// `true!`, `false!`, or vpkgs joined by `|` into clauses joined by `,`.
    Formula,
}

impl Shape {
    #[inline(always)]
    fn eq_only(self) -> bool {
        matches!(self, Shape::Veqpkg | Shape::EqList)
    }
}

/// What a [`scan`] tells as it reads.
pub(crate) trait Sink {
    /// What an error is worth to this sink.
    type Error;
    /// Whether the sink wants the vpkgs (else their versions are checked, not computed).
    const ITEMS: bool;
    /// A vpkg: the byte range of its name in the value, and its constraint.
    #[inline(always)]
    fn item(&mut self, _name: Range<usize>, _constraint: Constraint) {}
    /// The end of a clause of a formula (after its last vpkg; `false!` is one empty clause).
    #[inline(always)]
    fn clause_end(&mut self) {}
    /// Whether `_` in a name is an error (libCUDF 0.9's `pkgname`), as in answers.
    const NO_UNDERSCORE: bool = false;
    /// An error; `error` builds its description, if the sink wants one.
    fn fail(&mut self, error: impl FnOnce() -> ValueError) -> Self::Error;
    /// A version 0 in a constraint at byte `at`: libCUDF accepts it, CUDF 2.0's `posint`
    /// does not (misc-rules.md 7.12). Accepted by default.
    #[inline(always)]
    fn zero_version(&mut self, _at: usize) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A sink that only wants to know whether the value is well formed.
pub(crate) struct Quiet;

impl Sink for Quiet {
    type Error = ();
    const ITEMS: bool = false;
    #[inline(always)]
    fn fail(&mut self, _error: impl FnOnce() -> ValueError) {}
    /// The fast path leaves a version 0 to the precise reader, which notes it.
    #[inline(always)]
    fn zero_version(&mut self, _at: usize) -> Result<(), ()> {
        Err(())
    }
}

/// A sink that wants the first error precisely, and notes where the first version 0 is.
#[derive(Default)]
pub(crate) struct Precise {
    pub zero_at: Option<usize>,
}

impl Sink for Precise {
    type Error = ValueError;
    const ITEMS: bool = false;
    #[inline(always)]
    fn fail(&mut self, error: impl FnOnce() -> ValueError) -> ValueError {
        error()
    }
    fn zero_version(&mut self, at: usize) -> Result<(), ValueError> {
        self.zero_at.get_or_insert(at);
        Ok(())
    }
}

/// A sink that reads as libCUDF 0.9 does (answers): no `_` in names.
pub(crate) struct Exact;

impl Sink for Exact {
    type Error = ValueError;
    const ITEMS: bool = false;
    const NO_UNDERSCORE: bool = true;
    #[inline(always)]
    fn fail(&mut self, error: impl FnOnce() -> ValueError) -> ValueError {
        error()
    }
}

/// A sink that hands every vpkg and clause end to a function (`None`: the end of a clause),
/// and wants errors precisely.
pub(crate) struct Items<F>(pub F);

impl<F: FnMut(Option<(Range<usize>, Constraint)>)> Sink for Items<F> {
    type Error = ValueError;
    const ITEMS: bool = true;
    #[inline(always)]
    fn item(&mut self, name: Range<usize>, constraint: Constraint) {
        (self.0)(Some((name, constraint)))
    }
    #[inline(always)]
    fn clause_end(&mut self) {
        (self.0)(None)
    }
    #[inline(always)]
    fn fail(&mut self, error: impl FnOnce() -> ValueError) -> ValueError {
        error()
    }
}

#[inline(always)]
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// What is at byte `at` of `b`, for "expected X, found Y" messages.
pub(crate) fn found_at(b: &[u8], at: usize) -> Found {
    let rest = b.get(at..).unwrap_or_default();
    (1..=rest.len().min(4))
        .find_map(|k| std::str::from_utf8(&rest[..k]).ok())
        .and_then(|s| s.chars().next())
        .map_or(Found::End, Found::Char)
}

fn found_error(b: &[u8], at: usize, kind: fn(Found) -> ValueErrorKind) -> ValueError {
    ValueError {
        offset: at,
        kind: kind(found_at(b, at)),
    }
}

fn error_at(offset: usize, kind: ValueErrorKind) -> ValueError {
    ValueError { offset, kind }
}

/// The value of the digits `d`, if it fits a [`Version`].
fn digits_value(d: &[u8]) -> Option<Version> {
    d.iter().try_fold(0u64, |v, &c| {
        v.checked_mul(10)?.checked_add(u64::from(c - b'0'))
    })
}

/// Reads a version at `b[start..]`: `+`? digits, not 0. Returns it (0 unless `S::ITEMS` or
/// the digits are many: a quiet scan only checks) and where it ends.
#[inline(always)]
fn version<S: Sink>(b: &[u8], start: usize, sink: &mut S) -> Result<(Version, usize), S::Error> {
    let n = b.len();
    let mut i = start;
    if i < n && b[i] == b'+' {
        i += 1;
    }
    let digits = i;
    let mut nonzero = false;
    while i < n && b[i].is_ascii_digit() {
        nonzero |= b[i] != b'0';
        i += 1;
    }
    if i == digits {
        return Err(sink.fail(|| error_at(start, ValueErrorKind::Version(found_at(b, i)))));
    }
    if !nonzero {
        sink.zero_version(start)?;
    }
    let mut version = 0;
    // Up to 19 digits always fit.
    if S::ITEMS || i - digits >= 20 {
        match digits_value(&b[digits..i]) {
            Some(v) => version = v,
            None => return Err(sink.fail(|| error_at(start, ValueErrorKind::VersionTooLarge))),
        }
    }
    Ok((version, i))
}

/// Reads `b` as a `shape`, telling `sink` what it finds. Blanks (spaces and tabs) may surround
/// every token.
#[inline(always)]
pub(crate) fn scan<S: Sink>(b: &[u8], shape: Shape, sink: &mut S) -> Result<(), S::Error> {
    scan_to::<S, false>(b, shape, sink).map(|_| ())
}

/// [`scan`], and where the value ends: with `LINE`, the value is the start of `b` up to its
/// first line end (the value of a property line, read in the same pass as the line), else all
/// of `b`. Returns the index of that line end (or `b.len()`).
#[inline(always)]
fn scan_to<S: Sink, const LINE: bool>(
    b: &[u8],
    shape: Shape,
    sink: &mut S,
) -> Result<usize, S::Error> {
    let n = b.len();
    // Whether the value ends at `i`.
    let at_end = |i: usize| b.get(i).is_none_or(|&c| LINE && c == b'\n');
    let formula = shape == Shape::Formula;
    let list = matches!(shape, Shape::List | Shape::EqList);
    let mut i = 0;
    while i < n && is_blank(b[i]) {
        i += 1;
    }
    if formula {
        // `true!` and `false!`, with blanks around them.
        if matches!(b.get(i), Some(b't' | b'f')) {
            let line_end = if LINE {
                memchr::memchr(b'\n', &b[i..]).map_or(n, |k| i + k)
            } else {
                n
            };
            let mut end = line_end;
            while end > i && is_blank(b[end - 1]) {
                end -= 1;
            }
            match &b[i..end] {
                b"true!" => return Ok(line_end),
                b"false!" => {
                    sink.clause_end();
                    return Ok(line_end);
                }
                _ => {}
            }
        }
    } else if list && at_end(i) {
        return Ok(i);
    }
    loop {
        // Where this vpkg starts, before its blanks.
        let before = i;
        while i < n && is_blank(b[i]) {
            i += 1;
        }
        let name = i;
        i = pkgname_end(b, i);
        if i == name {
            return Err(sink.fail(|| found_error(b, name, ValueErrorKind::PackageName)));
        }
        if S::NO_UNDERSCORE {
            if let Some(k) = memchr::memchr(b'_', &b[name..i]) {
                return Err(sink.fail(|| found_error(b, name + k, ValueErrorKind::PackageName)));
            }
        }
        let name = name..i;
        while i < n && is_blank(b[i]) {
            i += 1;
        }
        let mut constraint = Constraint::ANY;
        if i < n && matches!(b[i], b'=' | b'<' | b'>' | b'!') {
            let first = b[i];
            let op = match (first, b.get(i + 1)) {
                (b'!', Some(b'=')) => RelOp::Neq,
                (b'>', Some(b'=')) => RelOp::Geq,
                (b'<', Some(b'=')) => RelOp::Leq,
                (b'=', _) => RelOp::Eq,
                (b'>', _) => RelOp::Gt,
                (b'<', _) => RelOp::Lt,
                // `!` alone: not an operator.
                _ => return Err(sink.fail(|| separator_error(b, i, shape))),
            };
            i += if matches!(op, RelOp::Neq | RelOp::Geq | RelOp::Leq) {
                2
            } else {
                1
            };
            while i < n && is_blank(b[i]) {
                i += 1;
            }
            let (v, end) = version(b, i, sink)?;
            if shape.eq_only() && op != RelOp::Eq {
                return Err(sink.fail(|| error_at(before, ValueErrorKind::NotEqual)));
            }
            i = end;
            while i < n && is_blank(b[i]) {
                i += 1;
            }
            constraint = Constraint(Some((op, v)));
        }
        sink.item(name, constraint);
        if at_end(i) {
            if formula {
                sink.clause_end();
            }
            return Ok(i);
        }
        match b[i] {
            b',' if formula => {
                sink.clause_end();
                i += 1;
            }
            b',' if list => i += 1,
            b'|' if formula => i += 1,
            _ => return Err(sink.fail(|| separator_error(b, i, shape))),
        }
    }
}

/// The error for what follows a vpkg at `i` when it is not a separator the shape allows.
fn separator_error(b: &[u8], i: usize, shape: Shape) -> ValueError {
    let kind = match shape {
        Shape::Formula => ValueErrorKind::FormulaSeparator,
        Shape::List | Shape::EqList => ValueErrorKind::ListSeparator,
        Shape::Vpkg | Shape::Veqpkg => ValueErrorKind::VpkgEnd,
    };
    found_error(b, i, kind)
}

/// Whether `value` is a well-formed vpkgformula. (Out of line: inlined into the package
/// stanza reader, it slows it down.)
#[inline(never)]
pub(crate) fn formula_ok(value: &[u8]) -> bool {
    scan(value, Shape::Formula, &mut Quiet).is_ok()
}

/// Whether the line that starts `b` is a well-formed value of `shape` (a formula or a list):
/// if it is, where the line ends (the index of its `\n`, or `b.len()`). One pass that both
/// finds the line's end and checks the value. (Out of line, as [`formula_ok`].)
#[inline(never)]
pub(crate) fn line_ok(b: &[u8], shape: Shape) -> Option<usize> {
    // One arm per shape, so that each scan is compiled for its shape.
    match shape {
        Shape::Formula => scan_to::<Quiet, true>(b, Shape::Formula, &mut Quiet).ok(),
        Shape::List => scan_to::<Quiet, true>(b, Shape::List, &mut Quiet).ok(),
        Shape::EqList => scan_to::<Quiet, true>(b, Shape::EqList, &mut Quiet).ok(),
        Shape::Vpkg | Shape::Veqpkg => None,
    }
}

/// Whether `value` is a well-formed vpkglist (veqpkglist if `eq_only`).
#[inline]
pub(crate) fn vpkg_list_ok(value: &[u8], eq_only: bool) -> bool {
    if eq_only {
        eq_list_ok(value)
    } else {
        list_ok(value)
    }
}

#[inline(never)]
fn list_ok(value: &[u8]) -> bool {
    scan(value, Shape::List, &mut Quiet).is_ok()
}

#[inline(never)]
fn eq_list_ok(value: &[u8]) -> bool {
    scan(value, Shape::EqList, &mut Quiet).is_ok()
}

/// Reads `value` as a `shape`, with the first error precisely.
pub(crate) fn check(value: &str, shape: Shape) -> Result<(), ValueError> {
    scan(value.as_bytes(), shape, &mut Precise::default())
}

/// Reads `value` as a `shape`; returns where its first version 0 is, if any.
pub(crate) fn check_noting_zero(value: &str, shape: Shape) -> Result<Option<usize>, ValueError> {
    let mut sink = Precise::default();
    scan(value.as_bytes(), shape, &mut sink)?;
    Ok(sink.zero_at)
}

/// Reads `value` as a `shape` exactly as libCUDF 0.9 does.
pub(crate) fn check_exact(value: &str, shape: Shape) -> Result<(), ValueError> {
    scan(value.as_bytes(), shape, &mut Exact)
}

/// Reads `value` as a `shape`, calling `each` with every vpkg (the byte range of its name, at
/// ASCII boundaries of `value`) and with `None` after the last vpkg of every clause of a
/// formula.
pub(crate) fn read(
    value: &str,
    shape: Shape,
    each: impl FnMut(Option<(Range<usize>, Constraint)>),
) -> Result<(), ValueError> {
    scan(value.as_bytes(), shape, &mut Items(each))
}

/// Reads a `version` value: a version, blanks after it.
pub(crate) fn version_value(value: &str) -> Result<Version, ValueError> {
    let b = value.as_bytes();
    let (_, mut end) = version(b, 0, &mut Precise::default())?;
    if b[..end].iter().all(|&c| c == b'0' || c == b'+') {
        return Err(error_at(0, ValueErrorKind::VersionZero));
    }
    let v = digits_value(b[..end].strip_prefix(b"+").unwrap_or(&b[..end])).unwrap_or(0);
    while end < b.len() && is_blank(b[end]) {
        end += 1;
    }
    if end < b.len() {
        return Err(found_error(b, end, ValueErrorKind::VersionEnd));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_scan_agrees_with_the_precise_reader() {
        // (value, formula, list, eqlist)
        for (value, formula, list, eqlist) in [
            ("a", true, true, true),
            ("a, b", true, true, true),
            ("a | b >= 2, c", true, false, false),
            (" a  >=  +3 ", true, true, false),
            ("a = 1 | b", true, false, false),
            ("", false, true, true),
            (" ", false, true, true),
            ("a,", false, false, false),
            (",a", false, false, false),
            ("a |", false, false, false),
            ("a >= 0", true, true, false),
            ("a = 00", true, true, true),
            ("a >= 007", true, true, false),
            ("a = 007", true, true, true),
            ("a != 2", true, true, false),
            ("a ! 2", false, false, false),
            ("a == 2", false, false, false),
            ("a >", false, false, false),
            ("a > x", false, false, false),
            ("a >= 99999999999999999999", false, false, false),
            ("a >= 18446744073709551615", true, true, false),
            ("a = 18446744073709551616", false, false, false),
            ("true!", true, false, false),
            ("false!", true, false, false),
            ("true! ", true, false, false),
            ("a b", false, false, false),
            ("a\t|\tb", true, false, false),
            ("a =2", true, true, true),
            ("a<2", true, true, false),
            ("a<=2,b>2", true, true, false),
            ("a, true!", false, false, false),
            ("é", false, false, false),
        ] {
            for (shape, want) in [
                (Shape::Formula, formula),
                (Shape::List, list),
                (Shape::EqList, eqlist),
            ] {
                let quiet = scan(value.as_bytes(), shape, &mut Quiet).is_ok();
                let precise = check(value, shape);
                // The fast path leaves versions 0 to the precise reader.
                let zero = matches!(value, "a >= 0" | "a = 00");
                assert_eq!(quiet, want && !zero, "{value:?} as {shape:?}");
                assert_eq!(precise.is_ok(), want, "{value:?} as {shape:?}: {precise:?}");
                // Read as a property line's value, the line end found in the same pass:
                // the same verdict, and the line's end, whatever follows it.
                for tail in ["", "\n", "\nnext: line", "\n\n", "\n a continuation"] {
                    let line = format!("{value}{tail}");
                    let end = line_ok(line.as_bytes(), shape);
                    let expected = (want && !zero).then_some(value.len());
                    assert_eq!(end, expected, "{line:?} as {shape:?}");
                }
                // A carriage return before the line end is left to the slow path.
                let crlf = format!("{value}\r\n");
                assert_eq!(line_ok(crlf.as_bytes(), shape), None, "{crlf:?}");
            }
        }
        // The common shapes take the fast path.
        assert!(formula_ok(b"libc6 >= 23 | libc7, foo"));
        assert!(vpkg_list_ok(b"a, b = 2", true));
    }

    #[test]
    fn errors_name_the_offset_and_what_was_expected() {
        let e = check("a >= x", Shape::Formula).unwrap_err();
        assert_eq!(e.offset, 5);
        assert_eq!(
            e.to_string(),
            "expected a version (a positive integer), found `x`"
        );
        let e = check("a b", Shape::List).unwrap_err();
        assert_eq!(
            (e.offset, e.to_string()),
            (2, "expected `,` or the end of the list, found `b`".into())
        );
        let e = check("a, b > 1", Shape::EqList).unwrap_err();
        assert_eq!((e.offset, e.kind), (2, ValueErrorKind::NotEqual));
        let e = check("a,", Shape::List).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a package name, found the end of the value"
        );
    }

    #[test]
    fn formulas_are_read_into_clauses() {
        let mut got = Vec::new();
        read(" a | b >= 2 , c ", Shape::Formula, |item| got.push(item)).unwrap();
        assert_eq!(
            got,
            vec![
                Some((1..2, Constraint::ANY)),
                Some((5..6, Constraint(Some((RelOp::Geq, 2))))),
                None,
                Some((14..15, Constraint::ANY)),
                None,
            ]
        );
        let mut clauses = 0;
        read("false!", Shape::Formula, |_| clauses += 1).unwrap();
        assert_eq!(clauses, 1);
        read("true!", Shape::Formula, |_| clauses += 1).unwrap();
        assert_eq!(clauses, 1);
    }
}
