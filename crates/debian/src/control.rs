//! Debian control files (`Packages`, `status`, EDSP): stanzas of `Field: value` lines, and the
//! relation fields inside them (`Depends`, `Conflicts`, `Provides`, ...).
//!
//! Everything borrows from the file's text; nothing is copied. Field names are matched without
//! regard to case, as policy 5.1 says.

use crate::Error;

/// One stanza: its first line (1-based) and its fields in file order.
#[derive(Debug, Clone)]
pub struct Stanza<'a> {
    /// The line of the stanza's first field.
    pub line: usize,
    /// The byte offset of the stanza's first field in the text.
    pub offset: usize,
    fields: Vec<Field<'a>>,
}

/// One field of a stanza.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    /// The field name as written.
    pub name: &'a str,
    /// The value, trimmed; continuation lines are kept with their line ends.
    pub value: &'a str,
    /// The line the field starts on (1-based).
    pub line: usize,
}

impl<'a> Stanza<'a> {
    /// The field named `name` (any case), if present.
    pub fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The value of the field named `name`, if present.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.field(name).map(|f| f.value)
    }

    /// All fields in file order.
    pub fn fields(&self) -> &[Field<'a>] {
        &self.fields
    }
}

/// Splits a control file into stanzas. `file` names the file in errors.
///
/// Blank lines (also lines of blanks) separate stanzas; a line starting with a space or a tab
/// continues the previous field; a line starting with `#` is a comment. Any other line must be
/// `Name: value`.
pub fn stanzas<'a>(text: &'a str, file: &str) -> Result<Vec<Stanza<'a>>, Error> {
    let mut out = Vec::new();
    for_each_stanza(text, file, |s| {
        out.push(s.clone());
        Ok(())
    })?;
    Ok(out)
}

/// Calls `f` on each stanza of a control file in turn (see [`stanzas`]), without keeping
/// them: the way to read a large index in little memory. Stops at the first error.
pub fn for_each_stanza<'a>(
    text: &'a str,
    file: &str,
    mut f: impl FnMut(&Stanza<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut start_offset = 0;
    let mut stanza = Stanza {
        line: 0,
        offset: 0,
        fields: Vec::with_capacity(32),
    };
    let mut fields: Vec<Field<'a>> = Vec::with_capacity(32);
    let mut start_line = 0;
    // The current field's name, value start (byte offset) and line; its value ends at `end`.
    let mut current: Option<(&'a str, usize, usize, usize)> = None;
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut line_no = 0;
    let flush = |current: &mut Option<(&'a str, usize, usize, usize)>,
                 fields: &mut Vec<Field<'a>>| {
        if let Some((name, start, end, line)) = current.take() {
            fields.push(Field {
                name,
                value: text[start..end].trim_ascii(),
                line,
            });
        }
    };
    while pos < bytes.len() {
        line_no += 1;
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let line = &text[pos..end];
        let line_start = pos;
        pos = end + 1;
        let content = line.strip_suffix('\r').unwrap_or(line);
        if content.trim_ascii().is_empty() {
            flush(&mut current, &mut fields);
            if !fields.is_empty() {
                stanza.line = start_line;
                stanza.offset = start_offset;
                std::mem::swap(&mut stanza.fields, &mut fields);
                f(&stanza)?;
                std::mem::swap(&mut stanza.fields, &mut fields);
                fields.clear();
            }
            continue;
        }
        let first = content.as_bytes()[0];
        if first == b' ' || first == b'\t' {
            match current.as_mut() {
                Some(c) => c.2 = line_start + content.len(),
                None => {
                    return Err(Error::syntax(
                        file,
                        line_no,
                        "a continuation line (starting with a blank) outside any field",
                    ))
                }
            }
            continue;
        }
        if first == b'#' {
            continue;
        }
        flush(&mut current, &mut fields);
        let Some(colon) = content.find(':') else {
            return Err(Error::syntax(
                file,
                line_no,
                format!("expected `Field: value`, found {:?}", truncate(content)),
            ));
        };
        let name = &content[..colon];
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(Error::syntax(
                file,
                line_no,
                format!("bad field name {:?}", truncate(name)),
            ));
        }
        if fields.is_empty() {
            start_line = line_no;
            start_offset = line_start;
        }
        current = Some((
            name,
            line_start + colon + 1,
            line_start + content.len(),
            line_no,
        ));
    }
    flush(&mut current, &mut fields);
    if !fields.is_empty() {
        stanza.line = start_line;
        stanza.offset = start_offset;
        stanza.fields = fields;
        f(&stanza)?;
    }
    Ok(())
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A version constraint's operator, as Debian writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `<<`: strictly earlier.
    Lt,
    /// `<=` (and the obsolete `<`): earlier or equal.
    Le,
    /// `=`: exactly.
    Eq,
    /// `>=` (and the obsolete `>`): later or equal.
    Ge,
    /// `>>`: strictly later.
    Gt,
}

impl Op {
    /// The CUDF spelling of this operator.
    pub fn cudf(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }

    /// The Debian spelling of this operator.
    pub fn debian(self) -> &'static str {
        match self {
            Op::Lt => "<<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">>",
        }
    }

    /// Whether a version comparing `ord` to the constraint's version satisfies it.
    pub fn admits(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        matches!(
            (self, ord),
            (Op::Lt, Less)
                | (Op::Le, Less | Equal)
                | (Op::Eq, Equal)
                | (Op::Ge, Greater | Equal)
                | (Op::Gt, Greater)
        )
    }
}

/// One package named in a relation: `name[:arch] [(op version)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Atom<'a> {
    /// The package name.
    pub name: &'a str,
    /// The architecture qualifier after `:` (`any`, `native` or an architecture), if any.
    pub arch: Option<&'a str>,
    /// The version constraint, if any.
    pub constraint: Option<(Op, &'a str)>,
}

/// A relation field: a conjunction of disjunctions of atoms (`a | b, c`).
pub type Relation<'a> = Vec<Vec<Atom<'a>>>;

/// Parses a relation field such as `Depends`. `file` and `line` locate it in errors.
///
/// Architecture restrictions (`[amd64]`) and build profiles (`<!nocheck>`), which only source
/// packages use, are accepted and ignored. Empty entries between commas are skipped, as apt
/// does; an empty alternative (`a | | b`) is an error.
pub fn parse_relation<'a>(value: &'a str, file: &str, line: usize) -> Result<Relation<'a>, Error> {
    let mut out = Vec::new();
    for clause in value.split(',') {
        if clause.trim().is_empty() {
            continue;
        }
        let mut alts = Vec::with_capacity(1);
        for alt in clause.split('|') {
            alts.push(parse_atom(alt, file, line)?);
        }
        out.push(alts);
    }
    Ok(out)
}

/// Parses one atom: `name[:arch] [(op version)] [[archs]] [<profiles>]`.
pub fn parse_atom<'a>(text: &'a str, file: &str, line: usize) -> Result<Atom<'a>, Error> {
    let bad = |msg: String| Error::syntax(file, line, msg);
    let s = text.trim();
    let name_end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<'))
        .unwrap_or(s.len());
    let full_name = &s[..name_end];
    if full_name.is_empty() {
        return Err(bad(format!(
            "a relation with an empty package name in {:?}",
            truncate(text.trim())
        )));
    }
    let (name, arch) = match full_name.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (full_name, None),
    };
    if !valid_name(name) || arch.is_some_and(|a| a.is_empty() || !valid_name(a)) {
        return Err(bad(format!("bad package name {:?}", truncate(full_name))));
    }
    let mut rest = s[name_end..].trim_start();
    let mut constraint = None;
    if let Some(inner) = rest.strip_prefix('(') {
        let Some(close) = inner.find(')') else {
            return Err(bad(format!("unclosed `(` in {:?}", truncate(s))));
        };
        let c = inner[..close].trim();
        let (op, version) = if let Some(v) = c.strip_prefix("<<") {
            (Op::Lt, v)
        } else if let Some(v) = c.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = c.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = c.strip_prefix(">>") {
            (Op::Gt, v)
        } else if let Some(v) = c.strip_prefix('=') {
            (Op::Eq, v)
        } else if let Some(v) = c.strip_prefix('<') {
            (Op::Le, v)
        } else if let Some(v) = c.strip_prefix('>') {
            (Op::Ge, v)
        } else {
            return Err(bad(format!(
                "bad version constraint ({c}) for {name}: expected one of << <= = >= >>"
            )));
        };
        let version = version.trim();
        crate::version::check(version)
            .map_err(|e| bad(format!("bad version in ({c}) for {name}: {e}")))?;
        constraint = Some((op, version));
        rest = inner[close + 1..].trim_start();
    }
    // Architecture restrictions and build profiles: accepted, ignored.
    while !rest.is_empty() {
        let close = match rest.as_bytes()[0] {
            b'[' => ']',
            b'<' => '>',
            _ => {
                return Err(bad(format!(
                    "unexpected {:?} after {name} (a missing comma?)",
                    truncate(rest)
                )))
            }
        };
        let Some(end) = rest.find(close) else {
            return Err(bad(format!("unclosed {:?}", truncate(rest))));
        };
        rest = rest[end + 1..].trim_start();
    }
    Ok(Atom {
        name,
        arch,
        constraint,
    })
}

/// Whether a string may be a package or architecture name (policy 5.6.1, leniently: any
/// ASCII alphanumerics and `+-.`, any case).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_fields_and_continuations() {
        let text = "Package: a\nVersion: 1\nDescription: x\n more\n .\n\n\n# c\nPackage: b\r\nDepends: c,\n d\n";
        let s = stanzas(text, "f").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 1);
        assert_eq!(s[0].get("package"), Some("a"));
        assert_eq!(s[0].get("Description"), Some("x\n more\n ."));
        assert_eq!(s[1].line, 9);
        assert_eq!(s[1].get("Package"), Some("b"));
        assert_eq!(s[1].field("Depends").unwrap().line, 10);
        let rel = parse_relation(s[1].get("Depends").unwrap(), "f", 10).unwrap();
        assert_eq!(rel.len(), 2);
        assert_eq!(rel[1][0].name, "d");
    }

    #[test]
    fn stanza_errors_name_the_line() {
        let e = stanzas("Package: a\nnonsense\n", "P").unwrap_err();
        assert_eq!(
            e.to_string(),
            "P:2: expected `Field: value`, found \"nonsense\""
        );
        let e = stanzas(" cont\n", "P").unwrap_err();
        assert!(e.to_string().starts_with("P:1: a continuation line"));
    }

    #[test]
    fn relations() {
        let r = parse_relation(
            "libc6 (>= 2.34), a:any | b (<< 1:2~) | c:amd64, d (>2) [amd64] <!nocheck>,",
            "f",
            1,
        )
        .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0][0].constraint, Some((Op::Ge, "2.34")));
        assert_eq!(r[1][0].arch, Some("any"));
        assert_eq!(r[1][1].constraint, Some((Op::Lt, "1:2~")));
        assert_eq!(r[1][2].arch, Some("amd64"));
        assert_eq!(r[2][0].constraint, Some((Op::Ge, "2")));
        for bad in [
            "a (>= 1", "a (~ 1)", "a | | b", "a b", "a (>= )", "(>= 1)", "a:",
        ] {
            let e = parse_relation(bad, "F", 7).unwrap_err();
            assert!(e.to_string().starts_with("F:7: "), "{bad}: {e}");
        }
    }
}
