//! Typed property values (misc-rules.md 5.2): the check of a value of each CUDF type, and the
//! readers of relations that extra properties keep as text.

use super::Prop;
use crate::error::{ValueError, ValueErrorKind};
use crate::lex::{invalid_ident_at, is_pkgname_byte, shorten};
use crate::model::{Constraint, PropType};
use crate::vpkg::{self, Shape};
use crate::ParseError;

/// A `bool` value of a core property (`installed`, `was-installed`).
pub(super) fn bool_value(prop: &Prop<'_>) -> Result<bool, ParseError> {
    match trim(&prop.value) {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(prop.error(
            0,
            format!("expected `true` or `false`, found `{}`", shorten(other)),
        )),
    }
}

/// Parses an `int` value.
pub(crate) fn parse_int_value(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || digits.starts_with(['+']) {
        return None;
    }
    digits.parse().ok()
}

/// Checks that `value` is a well-formed value of type `ty`; the error names the byte offset in
/// the value and what was expected.
pub fn check_value(ty: &PropType, value: &str) -> Result<(), ValueError> {
    // The lexer never puts a line break into a value.
    if *ty == PropType::String {
        return Ok(());
    }
    let t = trim(value);
    let lead = value.len() - trim_start(value).len();
    let expected = |what: &str| ValueError {
        offset: lead,
        kind: ValueErrorKind::Type {
            expected: what.to_string(),
            found: shorten(t).into_owned(),
        },
    };
    match ty {
        PropType::Int => parse_int_value(t)
            .map(|_| ())
            .ok_or_else(|| expected("an integer (type int)")),
        PropType::Posint => match parse_int_value(t) {
            Some(v) if v > 0 && !t.starts_with('-') => Ok(()),
            _ => Err(expected("a positive integer (type posint)")),
        },
        PropType::Nat => match parse_int_value(t) {
            Some(v) if v >= 0 && !t.starts_with('-') => Ok(()),
            _ => Err(expected("a non-negative integer (type nat)")),
        },
        PropType::Bool => match t {
            "true" | "false" => Ok(()),
            _ => Err(expected("`true` or `false` (type bool)")),
        },
        PropType::String => Ok(()),
        PropType::Pkgname => {
            if !t.is_empty() && t.bytes().all(is_pkgname_byte) {
                Ok(())
            } else {
                Err(expected("a package name (type pkgname)"))
            }
        }
        PropType::Ident => match invalid_ident_at(t) {
            None => Ok(()),
            Some(_) => Err(expected("an identifier `[a-z][a-z0-9-]*` (type ident)")),
        },
        PropType::Enum(values) => {
            if values.iter().any(|v| v == t) {
                Ok(())
            } else {
                Err(expected(&format!("one of {}", values.join(", "))))
            }
        }
        PropType::Vpkg => vpkg::check(value, Shape::Vpkg),
        PropType::Veqpkg => vpkg::check(value, Shape::Veqpkg).map_err(|e| match e.kind {
            ValueErrorKind::NotEqual => expected("a vpkg with `=` or no constraint (type veqpkg)"),
            _ => e,
        }),
        PropType::Vpkglist => vpkg::check(value, Shape::List),
        PropType::Veqpkglist => vpkg::check(value, Shape::EqList).map_err(|e| match e.kind {
            ValueErrorKind::NotEqual => {
                expected("vpkgs with `=` or no constraint (type veqpkglist)")
            }
            _ => e,
        }),
        PropType::Vpkgformula => vpkg::check(value, Shape::Formula),
    }
}

/// Whether `char::is_whitespace` holds for an ASCII byte.
#[inline]
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// `str::trim_end`, without decoding characters when the last byte is ASCII.
#[inline]
pub(crate) fn trim_end(s: &str) -> &str {
    match s.as_bytes().last() {
        Some(&b) if b < 0x80 && !is_ascii_space(b) => s,
        None => s,
        _ => s.trim_end(),
    }
}

/// `str::trim_start`, without decoding characters when the first byte is ASCII.
#[inline]
pub(crate) fn trim_start(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(&b) if b < 0x80 && !is_ascii_space(b) => s,
        None => s,
        _ => s.trim_start(),
    }
}

/// `str::trim`, without decoding characters when both ends are ASCII.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    trim_start(trim_end(s))
}

/// Parses a vpkglist value into (name, constraint) pairs that borrow the text: for extra
/// properties, which the document keeps as text.
pub fn parse_vpkg_list(value: &str) -> Result<Vec<(&str, Constraint)>, ValueError> {
    let mut out = Vec::new();
    vpkg::read(value, Shape::List, |item| {
        if let Some((range, constraint)) = item {
            out.push((&value[range], constraint))
        }
    })?;
    Ok(out)
}

/// A formula read from text: clauses of (name, constraint) disjunctions.
pub type TextFormula<'s> = Vec<Vec<(&'s str, Constraint)>>;

/// Parses a vpkgformula value (for extra properties such as `recommends`).
pub fn parse_vpkg_formula(value: &str) -> Result<TextFormula<'_>, ValueError> {
    let mut clauses = Vec::new();
    let mut clause = Vec::new();
    read_vpkg_formula(value, |item| match item {
        Some(vpkg) => clause.push(vpkg),
        None => clauses.push(std::mem::take(&mut clause)),
    })?;
    Ok(clauses)
}

/// Reads a vpkgformula value without allocating: calls `each` with every vpkg of it (name and
/// constraint), in order, and with `None` after the last vpkg of every clause (`true!` has no
/// clause, `false!` one empty clause). The grammar and errors are [`parse_vpkg_formula`]'s.
pub fn read_vpkg_formula<'v>(
    value: &'v str,
    mut each: impl FnMut(Option<(&'v str, Constraint)>),
) -> Result<(), ValueError> {
    vpkg::read(value, Shape::Formula, |item| {
        each(item.map(|(range, constraint)| (&value[range], constraint)))
    })
}

/// The warning for a version 0 in a constraint, which libCUDF accepts.
pub(super) fn zero_warning(prop: &Prop<'_>, offset: usize) -> ParseError {
    prop.error(
        offset,
        "version 0 in a constraint: CUDF 2.0 (section 2.2.2, `vpkg`: versions are positive \
         integers) forbids it, libCUDF accepts it, and so does misc (it is compared as 0)",
    )
}

/// Checks a relation of a package stanza (`depends`, `conflicts`, `provides`) or of the
/// request precisely, with the error a user sees; a version 0 in it becomes a warning.
pub(super) fn check_relation(
    prop: &Prop<'_>,
    shape: Shape,
    warnings: &mut Vec<ParseError>,
) -> Result<(), ParseError> {
    match vpkg::check_noting_zero(&prop.value, shape) {
        Ok(None) => return Ok(()),
        Ok(Some(at)) => {
            warnings.push(zero_warning(prop, at));
            return Ok(());
        }
        Err(_) => {}
    }
    vpkg::check(&prop.value, shape).map_err(|e| {
        let message = match (&e.kind, shape) {
            (ValueErrorKind::NotEqual, _) => {
                "`provides` takes only `=` constraints (a veqpkglist)".to_string()
            }
            (kind, Shape::Formula) if kind.in_vpkg() => format!(
                "{kind} (a vpkgformula is `true!`, `false!` or vpkgs joined by `,` and `|`)"
            ),
            (kind, _) => kind.to_string(),
        };
        prop.error(e.offset, message)
    })
}
