//! The preamble (its property declarations) and the request stanza.

use super::values::check_value;
use super::{PartParser, Prop};
use crate::lex::{invalid_ident_at, shorten, Cursor};
use crate::model::{Preamble, PropDecl, PropId, PropType, Request, Span, Vpkg, VpkgList};
use crate::vpkg::{self, Shape};
use crate::ParseError;

impl<'a> PartParser<'a> {
    /// Parses a vpkg list into the part's arena. `eq_only` restricts constraints to `=`
    /// (veqpkglist).
    fn vpkglist(&mut self, prop: &Prop<'a>, eq_only: bool) -> Result<VpkgList, ParseError> {
        let shape = if eq_only { Shape::EqList } else { Shape::List };
        super::values::check_relation(prop, shape, &mut self.part.doc.warnings)?;
        let start = self.part.doc.vpkgs.len() as u32;
        let value: &str = &prop.value;
        let mut items = Vec::new();
        let _ = vpkg::read(value, shape, |item| items.extend(item));
        for (range, constraint) in items {
            let name = self.intern(prop, &value[range]);
            self.part.doc.vpkgs.push(Vpkg::new(name, constraint));
        }
        Ok(VpkgList(Span {
            start,
            len: self.part.doc.vpkgs.len() as u32 - start,
        }))
    }

    pub(super) fn preamble(&mut self, props: &[Prop<'a>]) -> Result<(), ParseError> {
        let mut preamble = Preamble::default();
        let mut seen: Vec<&str> = Vec::new();
        for prop in props {
            if seen.contains(&prop.name) {
                return Err(ParseError::new(
                    prop.line,
                    1,
                    format!("duplicate property `{}` in the preamble", prop.name),
                ));
            }
            seen.push(prop.name);
            match prop.name {
                "preamble" => preamble.id = trim_blanks(&prop.value).to_string(),
                "property" => self.typedecls(prop)?,
                "univ-checksum" => preamble.univ_checksum = Some(prop.value.trim().to_string()),
                "status-checksum" => {
                    preamble.status_checksum = Some(prop.value.trim().to_string())
                }
                "req-checksum" => preamble.req_checksum = Some(prop.value.trim().to_string()),
                other => {
                    return Err(ParseError::new(
                        prop.line,
                        1,
                        format!(
                            "unexpected property `{other}` in the preamble: expected `property`, `univ-checksum`, `status-checksum` or `req-checksum`"
                        ),
                    ))
                }
            }
        }
        self.part.doc.preamble = Some(preamble);
        self.learn_kinds();
        Ok(())
    }

    pub(super) fn request(&mut self, props: &[Prop<'a>]) -> Result<(), ParseError> {
        let mut request = Request {
            line: props[0].line,
            ..Request::default()
        };
        let mut seen: [bool; 4] = [false; 4];
        for prop in props {
            let slot = match prop.name {
                "request" => 0,
                "install" => 1,
                "remove" => 2,
                "upgrade" => 3,
                other => {
                    return Err(ParseError::new(
                        prop.line,
                        1,
                        format!(
                            "unexpected property `{other}` in the request: expected `install`, `remove` or `upgrade`"
                        ),
                    ))
                }
            };
            if std::mem::replace(&mut seen[slot], true) {
                return Err(ParseError::new(
                    prop.line,
                    1,
                    format!("duplicate property `{}` in the request", prop.name),
                ));
            }
            match slot {
                0 => request.id = trim_blanks(&prop.value).to_string(),
                1 => request.install = self.vpkglist(prop, false)?,
                2 => request.remove = self.vpkglist(prop, false)?,
                _ => request.upgrade = self.vpkglist(prop, false)?,
            }
        }
        self.part.doc.request = Some(request);
        Ok(())
    }

    fn typedecls(&mut self, prop: &Prop<'a>) -> Result<(), ParseError> {
        let s: &str = &prop.value;
        let mut c = Cursor::new(s);
        let err = |off: usize, msg: String| prop.error(off, msg);
        loop {
            c.skip_ws();
            if c.at_end() {
                break;
            }
            let start = c.pos;
            while c
                .peek()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                c.pos += 1;
            }
            let name = &s[start..c.pos];
            if let Some(bad) = invalid_ident_at(name) {
                return Err(err(
                    start + bad,
                    format!("expected a property name (`[a-z][a-z0-9-]*`), {}", {
                        let mut c2 = Cursor::new(s);
                        c2.pos = start + bad;
                        c2.found()
                    }),
                ));
            }
            if is_core_property(name) {
                return Err(err(
                    start,
                    format!("`{name}` is a core CUDF property and cannot be declared again"),
                ));
            }
            if self.decls.ids.contains_key(name) {
                return Err(err(start, format!("property `{name}` is declared twice")));
            }
            c.skip_ws();
            if c.peek() != Some(b':') {
                return Err(err(
                    c.pos,
                    format!(
                        "expected `:` after the property name `{name}`, {}",
                        c.found()
                    ),
                ));
            }
            c.pos += 1;
            c.skip_ws();
            let ty_start = c.pos;
            while c.peek().is_some_and(|b| b.is_ascii_lowercase()) {
                c.pos += 1;
            }
            let ty = match &s[ty_start..c.pos] {
                "int" => PropType::Int,
                "posint" => PropType::Posint,
                "nat" => PropType::Nat,
                "bool" => PropType::Bool,
                "string" => PropType::String,
                "pkgname" => PropType::Pkgname,
                "ident" => PropType::Ident,
                "vpkg" => PropType::Vpkg,
                "vpkgformula" => PropType::Vpkgformula,
                "vpkglist" => PropType::Vpkglist,
                "veqpkg" => PropType::Veqpkg,
                "veqpkglist" => PropType::Veqpkglist,
                "enum" => {
                    c.skip_ws();
                    if c.peek() != Some(b'[') {
                        return Err(err(c.pos, format!("expected `[` after `enum`, {}", c.found())));
                    }
                    c.pos += 1;
                    let mut values = Vec::new();
                    loop {
                        c.skip_ws();
                        let vs = c.pos;
                        while c
                            .peek()
                            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-')
                        {
                            c.pos += 1;
                        }
                        let v = &s[vs..c.pos];
                        if invalid_ident_at(v).is_some() {
                            return Err(err(
                                vs,
                                format!("expected an enum value (an ident), {}", {
                                    let mut c2 = Cursor::new(s);
                                    c2.pos = vs;
                                    c2.found()
                                }),
                            ));
                        }
                        values.push(v.to_string());
                        c.skip_ws();
                        match c.peek() {
                            Some(b',') => c.pos += 1,
                            Some(b']') => {
                                c.pos += 1;
                                break;
                            }
                            _ => {
                                return Err(err(
                                    c.pos,
                                    format!("expected `,` or `]` in the enum, {}", c.found()),
                                ))
                            }
                        }
                    }
                    PropType::Enum(values)
                }
                other => {
                    return Err(err(
                        ty_start,
                        format!(
                            "unknown type `{other}`: expected one of int, posint, nat, bool, string, pkgname, ident, enum[...], vpkg, vpkgformula, vpkglist, veqpkg, veqpkglist"
                        ),
                    ))
                }
            };
            c.skip_ws();
            let mut default = None;
            if c.peek() == Some(b'=') {
                c.pos += 1;
                c.skip_ws();
                if c.peek() != Some(b'[') {
                    return Err(err(
                        c.pos,
                        format!("expected `[` to open the default value, {}", c.found()),
                    ));
                }
                c.pos += 1;
                let inner_start = c.pos;
                let (inner, end) = default_value(s, inner_start).map_err(|(off, m)| err(off, m))?;
                c.pos = end;
                let trimmed = inner.trim();
                let value = if ty == PropType::String {
                    unquote(trimmed).map_err(|m| err(inner_start, m))?
                } else {
                    trimmed.to_string()
                };
                check_value(&ty, &value).map_err(|e| {
                    err(
                        inner_start + e.offset,
                        format!("invalid default for `{name}`: {e}"),
                    )
                })?;
                default = Some(value);
            }
            let id = PropId(self.decls.properties.len() as u32);
            if default.is_none() {
                self.decls.mandatory.push(id);
            }
            self.decls.properties.push(PropDecl {
                name: name.to_string(),
                ty,
                default,
            });
            self.stamps.push(0);
            self.decls.ids.insert(name.to_string(), id);
            c.skip_ws();
            match c.peek() {
                None => break,
                Some(b',') => c.pos += 1,
                Some(_) => {
                    return Err(err(
                        c.pos,
                        format!("expected `,` between property declarations, {}", c.found()),
                    ))
                }
            }
        }
        Ok(())
    }
}

fn is_core_property(name: &str) -> bool {
    matches!(
        name,
        "package"
            | "version"
            | "depends"
            | "conflicts"
            | "provides"
            | "installed"
            | "was-installed"
            | "keep"
            | "request"
            | "install"
            | "remove"
            | "upgrade"
            | "preamble"
            | "property"
    )
}

/// Scans a default value after `[` up to the matching `]`, skipping over double-quoted strings.
/// Returns the inner text and the offset after the `]`.
fn default_value(s: &str, start: usize) -> Result<(&str, usize), (usize, String)> {
    let b = s.as_bytes();
    let mut i = start;
    let mut in_quotes = false;
    while i < b.len() {
        match b[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b']' if !in_quotes => return Ok((&s[start..i], i + 1)),
            _ => {}
        }
        i += 1;
    }
    Err((start, "expected `]` to close the default value".to_string()))
}

/// Removes the double quotes of a typedecl string default, resolving `\"` and `\\`.
fn unquote(s: &str) -> Result<String, String> {
    let inner = s
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(|| format!("expected a double-quoted string, found `{}`", shorten(s)))?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e @ ('"' | '\\')) => out.push(e),
                _ => return Err("only `\\\"` and `\\\\` escapes are allowed in strings".into()),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// A string-valued core property (`preamble`, `request`) without the blanks the writer would
/// not reproduce: leading blanks (only a continuation line can bring them) and trailing
/// whitespace.
fn trim_blanks(value: &str) -> &str {
    value.trim_start_matches([' ', '\t']).trim_end()
}
