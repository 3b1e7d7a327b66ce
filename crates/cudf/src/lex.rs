//! Lexical layer: lines, stanzas and properties (misc-rules.md 5.1), and the byte classes and
//! cursor shared by the document and solution parsers (the vpkg grammar is `crate::vpkg`).

use std::borrow::Cow;

use crate::ParseError;

/// One `name: value` property of a stanza, with continuation lines already joined.
#[derive(Debug, Clone)]
pub(crate) struct Prop<'a> {
    pub name: &'a str,
    pub value: Cow<'a, str>,
    pub line: u32,
    /// Column of the first byte of the value.
    pub column: u32,
    /// Whether continuation lines were joined (columns inside the value are then approximate).
    pub continued: bool,
}

impl Prop<'_> {
    /// The error position of a byte offset inside the value.
    pub fn error(&self, offset: usize, message: impl Into<String>) -> ParseError {
        let column = if self.continued {
            self.column
        } else {
            self.column + offset as u32
        };
        ParseError::new(self.line, column, message)
    }
}

/// Splits a document into stanzas of properties. Comment lines (`#` in column 1) are skipped
/// anywhere; blank lines (spaces and tabs only) end a stanza; a line starting with a space
/// continues the previous value, the leading space dropped and no separator added (libCUDF).
pub(crate) struct StanzaReader<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
}

impl<'a> StanzaReader<'a> {
    pub fn new(text: &'a str) -> Self {
        StanzaReader {
            text,
            pos: 0,
            line: 0,
        }
    }

    /// A reader of `text` from byte `pos` on, after `line` lines.
    pub fn resume(text: &'a str, pos: usize, line: u32) -> Self {
        StanzaReader { text, pos, line }
    }

    /// Where the next line starts.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The number of lines read so far.
    pub fn line(&self) -> u32 {
        self.line
    }

    fn next_line(&mut self) -> Option<&'a str> {
        if self.pos >= self.text.len() {
            return None;
        }
        let rest = &self.text.as_bytes()[self.pos..];
        let (line, advance) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&self.text[self.pos..self.pos + i], i + 1),
            None => (&self.text[self.pos..], rest.len()),
        };
        self.pos += advance;
        self.line += 1;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// Reads the next stanza into `props` (cleared first). Returns `Ok(false)` at the end.
    ///
    /// The common line, `name: value` with a well-formed name, is lexed in one pass over its
    /// bytes (one `memchr` for the line end); every other line takes the general path.
    pub fn next_stanza(&mut self, props: &mut Vec<Prop<'a>>) -> Result<bool, ParseError> {
        props.clear();
        let text = self.text;
        let b = text.as_bytes();
        while let Some(&first) = b.get(self.pos) {
            let start = self.pos;
            if first.is_ascii_lowercase() {
                let mut i = start + 1;
                while i < b.len() && is_ident_byte(b[i]) {
                    i += 1;
                }
                if b.get(i) == Some(&b':') {
                    let mut v = i + 1;
                    while v < b.len() && (b[v] == b' ' || b[v] == b'\t') {
                        v += 1;
                    }
                    let (mut end, next) = match memchr::memchr(b'\n', &b[v..]) {
                        Some(k) => (v + k, v + k + 1),
                        None => (b.len(), b.len()),
                    };
                    if end > v && b[end - 1] == b'\r' {
                        end -= 1;
                    }
                    self.pos = next;
                    self.line += 1;
                    // Every boundary sits next to an ASCII byte, so the slices cannot fail.
                    let (Some(name), Some(value)) = (text.get(start..i), text.get(v..end)) else {
                        return Err(ParseError::new(self.line, 1, "invalid UTF-8"));
                    };
                    props.push(Prop {
                        name,
                        value: Cow::Borrowed(value),
                        line: self.line,
                        column: (v - start) as u32 + 1,
                        continued: false,
                    });
                    continue;
                }
            }
            let Some(line) = self.next_line() else { break };
            let bytes = line.as_bytes();
            match bytes.first() {
                Some(b'#') => continue,
                None => {
                    if props.is_empty() {
                        continue;
                    }
                    return Ok(true);
                }
                Some(b' ') | Some(b'\t') if bytes.iter().all(|&b| b == b' ' || b == b'\t') => {
                    if props.is_empty() {
                        continue;
                    }
                    return Ok(true);
                }
                Some(b' ') => {
                    let Some(last) = props.last_mut() else {
                        return Err(ParseError::new(
                            self.line,
                            1,
                            "a continuation line (starting with a space) must follow a property line",
                        ));
                    };
                    last.value.to_mut().push_str(&line[1..]);
                    last.continued = true;
                }
                Some(_) => props.push(property_line(line, self.line)?),
            }
        }
        Ok(!props.is_empty())
    }
}

/// Reads a property line the fast path of the lexer did not take: `name: value`, or an error
/// that says what is wrong with the line.
pub(crate) fn property_line(line: &str, line_no: u32) -> Result<Prop<'_>, ParseError> {
    let bytes = line.as_bytes();
    let colon = match memchr::memchr(b':', bytes) {
        Some(c) => c,
        None => {
            return Err(ParseError::new(
                line_no,
                1,
                format!(
                    "expected a property line `name: value`, found `{}`",
                    shorten(line)
                ),
            ))
        }
    };
    let name = &line[..colon];
    if let Some(bad) = invalid_ident_at(name) {
        return Err(ParseError::new(
            line_no,
            bad as u32 + 1,
            format!(
                "invalid property name `{}`: expected a lower-case letter followed by lower-case letters, digits or `-`",
                shorten(name)
            ),
        ));
    }
    // libCUDF wants exactly one space after the colon; accept none or several.
    let mut start = colon + 1;
    while start < bytes.len() && (bytes[start] == b' ' || bytes[start] == b'\t') {
        start += 1;
    }
    Ok(Prop {
        name,
        value: Cow::Borrowed(&line[start..]),
        line: line_no,
        column: start as u32 + 1,
        continued: false,
    })
}

/// A one in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
pub(crate) const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that lies strictly between `m` and `n` (bytes under 0x80;
/// `m < 128`, `n <= 128`), from Hacker's Delight.
#[inline]
const fn bytes_between(x: u64, m: u64, n: u64) -> u64 {
    let low7 = x & (ONES * 127);
    ((ONES * (127 + n)).wrapping_sub(low7) & !x & low7.wrapping_add(ONES * (127 - m))) & HIGHS
}

/// The high bit of each byte of `x` in `[-./0-9a-z]`: the bytes most package names are made of.
#[inline]
const fn common_name_bytes(x: u64) -> u64 {
    bytes_between(x, b'-' as u64 - 1, b'9' as u64 + 1)
        | bytes_between(x, b'a' as u64 - 1, b'z' as u64 + 1)
}

/// Where the run of package-name bytes starting at `i` ends: eight bytes at a time while they
/// are common name bytes, one at a time otherwise.
#[inline]
pub(crate) fn pkgname_end(b: &[u8], mut i: usize) -> usize {
    loop {
        match b.get(i..).and_then(|r| r.first_chunk::<8>()) {
            Some(chunk) => {
                let other = !common_name_bytes(u64::from_le_bytes(*chunk)) & HIGHS;
                if other == 0 {
                    i += 8;
                    continue;
                }
                i += (other.trailing_zeros() / 8) as usize;
                if b.get(i).is_some_and(|&c| is_pkgname_byte(c)) {
                    i += 1;
                    continue;
                }
                return i;
            }
            None => {
                while i < b.len() && is_pkgname_byte(b[i]) {
                    i += 1;
                }
                return i;
            }
        }
    }
}

/// Shortens text for error messages.
pub(crate) fn shorten(s: &str) -> Cow<'_, str> {
    if s.len() <= 60 {
        Cow::Borrowed(s)
    } else {
        let mut end = 57;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        Cow::Owned(format!("{}...", &s[..end]))
    }
}

/// The offset of the first byte that makes `s` not an `ident` (`[a-z][a-z0-9-]*`), if any.
pub(crate) fn invalid_ident_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.first() {
        None => return Some(0),
        Some(c) if !c.is_ascii_lowercase() => return Some(0),
        _ => {}
    }
    b.iter()
        .position(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'))
}

const PKGNAME: u8 = 1;
const IDENT: u8 = 2;

/// Byte classes: `PKGNAME` for bytes of package names, `IDENT` for `[a-z0-9-]`.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'+' | b'.' | b'/' | b'@' | b'(' | b')' | b'%' | b'-' | b'_'
            )
        {
            t[c] |= PKGNAME;
        }
        if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' {
            t[c] |= IDENT;
        }
        c += 1;
    }
    t
};

/// Whether a byte may appear in a package name. CUDF 2.0 allows `[A-Za-z0-9+./@()%-]`;
/// `_` is accepted too, as some distributions' converters emit it (misc-rules.md 5.2).
#[inline]
pub(crate) fn is_pkgname_byte(c: u8) -> bool {
    CLASS[c as usize] & PKGNAME != 0
}

/// Whether a byte may follow the first letter of an `ident` (`[a-z0-9-]`).
#[inline]
pub(crate) fn is_ident_byte(c: u8) -> bool {
    CLASS[c as usize] & IDENT != 0
}

/// A cursor over a property value, with the offsets errors need.
pub(crate) struct Cursor<'s> {
    pub s: &'s str,
    pub pos: usize,
}

impl<'s> Cursor<'s> {
    pub fn new(s: &'s str) -> Self {
        Cursor { s, pos: 0 }
    }

    #[inline]
    pub fn skip_ws(&mut self) {
        let b = self.s.as_bytes();
        while self.pos < b.len() && (b[self.pos] == b' ' || b[self.pos] == b'\t') {
            self.pos += 1;
        }
    }

    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// Describes what is at the cursor, for "expected X, found Y" messages.
    pub fn found(&self) -> String {
        match self.s[self.pos..].chars().next() {
            None => "found the end of the value".to_string(),
            Some(c) => format!("found `{c}`"),
        }
    }
}

/// Splits an answer into stanzas exactly as libCUDF 0.9's RFC 822 lexer and parser
/// (`cudf_822_lexer.mll`, `cudf_822_parser.mly`) do, so that what `cudf-check` rejects is
/// rejected here, with the line and column. A line is one of: `name: value` (one space after
/// the colon, then anything up to `\n`, a `\r` included), a continuation (a space, then
/// anything; it must follow a property line of the same stanza), a comment (`#`, skipped with
/// its line end), or a blank line (spaces and tabs, then `\n`), which ends a stanza. Every
/// line but a comment needs its `\n`. Values keep every byte (the type check then rejects a
/// `\r`).
pub(crate) struct ExactReader<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
}

/// The note every exact-reading error ends with.
pub(crate) const REJECTED: &str = "cudf-check (libCUDF 0.9, the organisers' checker) rejects it";

impl<'a> ExactReader<'a> {
    pub fn new(text: &'a str) -> Self {
        ExactReader {
            text,
            pos: 0,
            line: 0,
        }
    }

    fn error(line: u32, column: usize, what: &str) -> ParseError {
        ParseError::new(line, column as u32 + 1, format!("{what}: {REJECTED}"))
    }

    /// Reads the next stanza into `props` (cleared first). Returns `Ok(false)` at the end.
    pub fn next_stanza(&mut self, props: &mut Vec<Prop<'a>>) -> Result<bool, ParseError> {
        props.clear();
        let text = self.text;
        let b = text.as_bytes();
        while self.pos < b.len() {
            let start = self.pos;
            let (end, has_newline) = match memchr::memchr(b'\n', &b[start..]) {
                Some(k) => (start + k, true),
                None => (b.len(), false),
            };
            self.pos = if has_newline { end + 1 } else { end };
            self.line += 1;
            let line = &text[start..end];
            let bytes = line.as_bytes();
            let line_no = self.line;
            if bytes.first() == Some(&b'#') {
                continue;
            }
            let blank = bytes.iter().all(|&c| c == b' ' || c == b'\t');
            if blank && has_newline {
                if props.is_empty() {
                    continue;
                }
                return Ok(true);
            }
            if !has_newline {
                return Err(Self::error(
                    line_no,
                    bytes.len(),
                    "the last line has no line end (`\\n`)",
                ));
            }
            if let Some(cr) = memchr::memchr(b'\r', bytes) {
                return Err(Self::error(
                    line_no,
                    cr,
                    "a carriage return (`\\r`, e.g. a CRLF line end)",
                ));
            }
            match bytes.first() {
                Some(b' ') => {
                    let Some(last) = props.last_mut() else {
                        return Err(Self::error(
                            line_no,
                            0,
                            "a continuation line (starting with a space) that follows no property line of its stanza",
                        ));
                    };
                    last.value.to_mut().push_str(&line[1..]);
                    last.continued = true;
                }
                Some(c) if c.is_ascii_lowercase() => {
                    let name_end = bytes
                        .iter()
                        .position(|&c| !is_ident_byte(c))
                        .unwrap_or(bytes.len());
                    match bytes.get(name_end) {
                        Some(b':') => {}
                        _ => {
                            return Err(Self::error(
                                line_no,
                                name_end,
                                "expected `:` after a property name (`name: value`)",
                            ))
                        }
                    }
                    if bytes.get(name_end + 1) != Some(&b' ') {
                        let what = match bytes.get(name_end + 1) {
                            Some(b'\t') => "a tab after the colon where libCUDF wants exactly one space (`name: value`)",
                            _ => "no space after the colon (`name: value`)",
                        };
                        return Err(Self::error(line_no, name_end + 1, what));
                    }
                    let name = &line[..name_end];
                    if props.iter().any(|p| p.name == name) {
                        return Err(Self::error(
                            line_no,
                            0,
                            &format!("duplicate property `{name}` in this stanza"),
                        ));
                    }
                    props.push(Prop {
                        name,
                        value: Cow::Borrowed(&line[name_end + 2..]),
                        line: line_no,
                        column: name_end as u32 + 3,
                        continued: false,
                    });
                }
                _ => {
                    let c = line.chars().next().unwrap_or(' ');
                    return Err(Self::error(
                        line_no,
                        0,
                        &format!(
                            "a line starting with {c:?}, where a property (`name: value`, name in lower case), a continuation, a comment or a blank line is expected"
                        ),
                    ));
                }
            }
        }
        Ok(!props.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_name_bytes_agree_with_the_byte_classes_in_every_lane() {
        for lane in 0..8 {
            for c in 0..=255u8 {
                // The byte in one lane, the others set to a common name byte or a blank.
                for fill in [b'a', b' ', 0xff] {
                    let mut bytes = [fill; 8];
                    bytes[lane] = c;
                    let got = common_name_bytes(u64::from_le_bytes(bytes));
                    let want =
                        c.is_ascii_lowercase() || matches!(c, b'-' | b'.' | b'/' | b'0'..=b'9');
                    assert_eq!(
                        got >> (lane * 8 + 7) & 1 == 1,
                        want,
                        "byte {c:#x} in lane {lane}, fill {fill:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn pkgname_end_finds_the_end_of_every_name() {
        for name in [
            "a",
            "libc6",
            "libstdc++6",
            "a-very-long-package-name.with.dots",
            "Foo_Bar",
            "x(1)@%/",
        ] {
            for tail in ["", " ", ",", " | b", "\n", "é"] {
                let text = format!("{name}{tail}");
                assert_eq!(pkgname_end(text.as_bytes(), 0), name.len(), "{text:?}");
                let shifted = format!("  {text}");
                assert_eq!(
                    pkgname_end(shifted.as_bytes(), 2),
                    name.len() + 2,
                    "{shifted:?}"
                );
            }
        }
    }
}
