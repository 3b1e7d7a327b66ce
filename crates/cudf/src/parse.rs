//! The CUDF document parser (misc-rules.md 5.1–5.3).

use std::borrow::Cow;
use std::ops::Range;

use crate::lex::{invalid_ident_at, is_pkgname_byte, shorten, Cursor, Prop, StanzaReader};
use crate::model::{
    Constraint, Document, Formula, Keep, Package, PkgId, Preamble, PropDecl, PropId, PropType,
    RelOp, Request, Span, TextRef, Vpkg, VpkgList, OWNED,
};
use crate::ParseError;

/// Parses a CUDF document: an optional preamble, package stanzas, and a request. A missing
/// request is accepted here (a solution or a bare universe has none); [`parse_problem`] requires
/// it.
pub fn parse(text: &str) -> Result<Document<'_>, ParseError> {
    if let Some(doc) = parse_halves(text) {
        return Ok(doc);
    }
    DocParser::new(text, text).run()
}

/// The largest document the parser takes: offsets into the text are 31-bit.
pub const MAX_DOCUMENT_LEN: usize = (1 << 31) - 1;

/// Parses a CUDF problem: like [`parse`], but the request stanza is mandatory (as in libCUDF:
/// "missing request description item").
pub fn parse_problem(text: &str) -> Result<Document<'_>, ParseError> {
    if let Some(doc) = parse_halves(text) {
        if doc.request.is_some() {
            return Ok(doc);
        }
    }
    let mut parser = DocParser::new(text, text);
    let doc = parser.run_inner()?;
    if doc.request.is_none() {
        return Err(ParseError::new(
            parser.reader.line().max(1),
            1,
            "the document has no `request:` stanza: a CUDF problem ends with one",
        ));
    }
    Ok(doc)
}

/// Documents from this size on are parsed in two halves on two threads.
const PARALLEL_MIN_LEN: usize = 4 << 20;

/// Parses a large document in two halves, split at a blank line near the middle, on
/// two threads, and joins the halves into the document the sequential parser builds (the same
/// name ids, arenas and lines). Any error, and anything that needs both halves to judge (a
/// duplicate package across them, stanzas after a request), returns `None`: the caller then
/// parses sequentially, which yields the exact first error.
fn parse_halves(text: &str) -> Option<Document<'_>> {
    if text.len() < PARALLEL_MIN_LEN || text.len() > MAX_DOCUMENT_LEN {
        return None;
    }
    let mid = text.len() / 2;
    // After a blank line: a stanza boundary.
    let split = mid + memchr::memmem::find(&text.as_bytes()[mid..], b"\n\n")? + 2;
    let mut first = DocParser::new(&text[..split], text);
    first.doc.reserve_for(text.len());
    // The first stanza (the preamble, if any) declares the properties both halves need.
    let mut props = Vec::with_capacity(32);
    if first.reader.next_stanza(&mut props).ok()? {
        first.stanza(&props).ok()?;
    }
    let mut second = DocParser::new(&text[split..], text);
    second.stage = Stage::Packages;
    second.doc.properties = first.doc.properties.clone();
    second.extra_ids = first.extra_ids.clone();
    second.mandatory = first.mandatory.clone();
    second.stamps = vec![0; first.stamps.len()];
    // A first, dummy vpkg and clause: no span the second half parses then starts at 0, which
    // tells them from the default, empty spans (missing properties) when the halves are joined.
    second
        .doc
        .vpkgs
        .push(Vpkg::new(crate::NameId(0), Constraint::ANY));
    second.doc.clauses.push(Span::default());
    let (first_doc, second_doc) = std::thread::scope(|scope| {
        let other = scope.spawn(move || {
            let doc = second.run_inner().ok()?;
            Some((doc, second.stanza_no))
        });
        first.props = props;
        let doc = first.run_inner().ok();
        let lines = first.reader.line();
        let stage = first.stage;
        (doc.map(|d| (d, lines, stage)), other.join().ok().flatten())
    });
    let (mut doc, lines, stage) = first_doc?;
    let (second_doc, stanzas) = second_doc?;
    if stage == Stage::AfterRequest && stanzas > 0 {
        return None;
    }
    append(&mut doc, second_doc, lines).then_some(doc)
}

/// Appends the document parsed from the second half of a text to the one parsed from the
/// first half; `lines` is the number of lines of the first half. Returns false if a package of
/// the second half duplicates one of the first.
fn append<'a>(doc: &mut Document<'a>, mut other: Document<'a>, lines: u32) -> bool {
    // Every part of `other` is freed as soon as it is copied, to keep the peak memory low.
    drop(std::mem::take(&mut other.by_name));
    drop(std::mem::take(&mut other.providers));
    let names: Vec<crate::NameId> = (0..other.name_count() as u32)
        .map(|i| doc.intern(other.name(crate::NameId(i))))
        .collect();
    drop(std::mem::take(&mut other.name_table));
    drop(std::mem::take(&mut other.names_text));
    // Spans of the second half count its dummy first vpkg and clause (see `parse_halves`).
    let shift = |span: Span, base: usize| {
        if span == Span::default() {
            span
        } else {
            Span {
                start: span.start - 1 + base as u32,
                len: span.len,
            }
        }
    };
    let vpkg_base = doc.vpkgs.len();
    let clause_base = doc.clauses.len();
    let extra_base = doc.extras.len() as u32;
    let owned_base = doc.owned_text.len() as u32;
    doc.vpkgs.extend(other.vpkgs.iter().skip(1).map(|v| Vpkg {
        name: names[v.name.0 as usize],
        ..*v
    }));
    drop(std::mem::take(&mut other.vpkgs));
    doc.clauses
        .extend(other.clauses.iter().skip(1).map(|&c| shift(c, vpkg_base)));
    drop(std::mem::take(&mut other.clauses));
    doc.extras.extend(other.extras.iter().map(|&(p, r)| {
        if r.len & OWNED != 0 {
            (
                p,
                TextRef {
                    start: r.start + owned_base,
                    len: r.len,
                },
            )
        } else {
            (p, r)
        }
    }));
    doc.owned_text.push_str(&other.owned_text);
    drop(std::mem::take(&mut other.extras));
    let list = |l: VpkgList| VpkgList(shift(l.0, vpkg_base));
    doc.packages.reserve(other.packages.len());
    for p in &other.packages {
        let name = names[p.name.0 as usize];
        if doc.find(name, p.version).is_some() {
            return false;
        }
        let pkg = Package {
            name,
            depends: Formula(shift(p.depends.0, clause_base)),
            conflicts: list(p.conflicts),
            provides: list(p.provides),
            extras: Span {
                start: p.extras.start + extra_base,
                len: p.extras.len,
            },
            line: p.line + lines,
            ..p.clone()
        };
        let id = PkgId(doc.packages.len() as u32);
        doc.index_package(id, &pkg);
        doc.packages.push(pkg);
    }
    doc.request = other.request.map(|r| Request {
        install: list(r.install),
        remove: list(r.remove),
        upgrade: list(r.upgrade),
        line: r.line + lines,
        ..r
    });
    true
}

/// Checks that bytes are UTF-8, naming the line and column of the first bad byte.
pub fn check_utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = memchr::memchr_iter(b'\n', good).count() as u32 + 1;
        let col = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        ParseError::new(line, col as u32, "invalid UTF-8: CUDF documents are text")
    })
}

/// Which stanzas the parser has seen, to enforce the order preamble, packages, request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Start,
    Packages,
    AfterRequest,
}

// Keys of the core package properties in the duplicate-detection stamp array; extra property
// `PropId(i)` uses key `CORE_KEYS + i`.
const K_PACKAGE: usize = 0;
const K_VERSION: usize = 1;
const K_DEPENDS: usize = 2;
const K_CONFLICTS: usize = 3;
const K_PROVIDES: usize = 4;
const K_INSTALLED: usize = 5;
const K_WAS_INSTALLED: usize = 6;
const K_KEEP: usize = 7;
const CORE_KEYS: usize = 8;

struct DocParser<'a> {
    reader: StanzaReader<'a>,
    doc: Document<'a>,
    props: Vec<Prop<'a>>,
    stage: Stage,
    /// Declared extra property names to ids.
    extra_ids: rustc_hash::FxHashMap<String, PropId>,
    /// Declared properties without a default: mandatory in every package stanza.
    mandatory: Vec<PropId>,
    stamps: Vec<u32>,
    stanza_no: u32,
    scratch_clauses: Vec<Span>,
    predicted: Vec<(&'a str, usize)>,
}

impl<'a> DocParser<'a> {
    /// A parser of `part`, a suffix-free slice of `text` (all of it, or one half), that the
    /// document's extra values borrow from.
    fn new(part: &'a str, text: &'a str) -> Self {
        DocParser {
            reader: StanzaReader::new(part),
            doc: Document {
                text,
                ..Document::new()
            },
            props: Vec::with_capacity(32),
            stage: Stage::Start,
            extra_ids: Default::default(),
            mandatory: Vec::new(),
            stamps: vec![0; CORE_KEYS],
            stanza_no: 0,
            scratch_clauses: Vec::with_capacity(16),
            predicted: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Document<'a>, ParseError> {
        self.run_inner()
    }

    fn run_inner(&mut self) -> Result<Document<'a>, ParseError> {
        if self.doc.text.len() > MAX_DOCUMENT_LEN {
            return Err(ParseError::new(
                1,
                1,
                "documents over 2 GiB are not supported",
            ));
        }
        self.doc.reserve_for(self.reader.len());
        let mut props = std::mem::take(&mut self.props);
        while self.reader.next_stanza(&mut props)? {
            self.stanza(&props)?;
        }
        self.props = props;
        Ok(std::mem::take(&mut self.doc))
    }

    /// Handles one stanza.
    fn stanza(&mut self, props: &[Prop<'a>]) -> Result<(), ParseError> {
        self.stanza_no += 1;
        let first = &props[0];
        if self.stage == Stage::AfterRequest {
            return Err(ParseError::new(
                first.line,
                1,
                "nothing may follow the `request:` stanza, which ends a CUDF document",
            ));
        }
        match first.name {
            "package" => {
                self.stage = Stage::Packages;
                self.package(props)
            }
            "preamble" if self.stage == Stage::Start => {
                self.stage = Stage::Packages;
                self.preamble(props)
            }
            "preamble" => Err(ParseError::new(
                first.line,
                1,
                "the `preamble:` stanza must be the first stanza of the document",
            )),
            "request" => {
                self.stage = Stage::AfterRequest;
                self.request(props)
            }
            other => Err(ParseError::new(
                first.line,
                1,
                format!(
                    "a stanza starts with `preamble:`, `package:` or `request:`, found `{}:`",
                    shorten(other)
                ),
            )),
        }
    }

    /// Marks a property key as seen in this stanza; a second sighting is an error.
    fn stamp(&mut self, key: usize, prop: &Prop<'a>) -> Result<(), ParseError> {
        if self.stamps[key] == self.stanza_no {
            return Err(ParseError::new(
                prop.line,
                1,
                format!(
                    "duplicate property `{}` in this stanza (a missing blank line between stanzas?)",
                    prop.name
                ),
            ));
        }
        self.stamps[key] = self.stanza_no;
        Ok(())
    }

    fn seen(&self, key: usize) -> bool {
        self.stamps[key] == self.stanza_no
    }

    fn preamble(&mut self, props: &[Prop<'a>]) -> Result<(), ParseError> {
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
        self.doc.preamble = Some(preamble);
        Ok(())
    }

    /// Parses `name: type [= [default]], ...` (misc-rules.md 5.3).
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
            if self.extra_ids.contains_key(name) {
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
                check_value(&ty, &value).map_err(|(off, m)| {
                    err(
                        inner_start + off,
                        format!("invalid default for `{name}`: {m}"),
                    )
                })?;
                default = Some(value);
            }
            let id = PropId(self.doc.properties.len() as u32);
            if default.is_none() {
                self.mandatory.push(id);
            }
            self.doc.properties.push(PropDecl {
                name: name.to_string(),
                ty,
                default,
            });
            self.stamps.push(0);
            self.extra_ids.insert(name.to_string(), id);
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

    fn extra_id(&self, name: &str) -> Option<PropId> {
        self.extra_ids.get(name).copied()
    }

    fn intern_range(&mut self, value: &str, range: Range<usize>) -> crate::NameId {
        self.doc.intern(&value[range])
    }

    /// Parses a vpkg list into the arena. `eq_only` restricts constraints to `=` (veqpkglist).
    fn vpkglist(&mut self, prop: &Prop<'a>, eq_only: bool) -> Result<VpkgList, ParseError> {
        let start = self.doc.vpkgs.len() as u32;
        let s: &str = &prop.value;
        let mut c = Cursor::new(s);
        c.skip_ws();
        if !c.at_end() {
            loop {
                let before = c.pos;
                let (range, constraint) = c.vpkg().map_err(|(off, m)| prop.error(off, m))?;
                if eq_only && !matches!(constraint.0, None | Some((RelOp::Eq, _))) {
                    return Err(prop.error(
                        before,
                        "`provides` takes only `=` constraints (a veqpkglist)",
                    ));
                }
                let name = self.intern_range(&prop.value, range);
                self.doc.vpkgs.push(Vpkg::new(name, constraint));
                match c.peek() {
                    None => break,
                    Some(b',') => c.pos += 1,
                    Some(_) => {
                        return Err(prop.error(
                            c.pos,
                            format!("expected `,` or the end of the list, {}", c.found()),
                        ))
                    }
                }
            }
        }
        Ok(VpkgList(Span {
            start,
            len: self.doc.vpkgs.len() as u32 - start,
        }))
    }

    /// Parses a vpkgformula into the arenas.
    fn formula(&mut self, prop: &Prop<'a>) -> Result<Formula, ParseError> {
        let s: &str = &prop.value;
        let t = trim(s);
        self.scratch_clauses.clear();
        if t == "true!" {
            return Ok(self.push_clauses());
        }
        if t == "false!" {
            self.scratch_clauses.push(Span {
                start: self.doc.vpkgs.len() as u32,
                len: 0,
            });
            return Ok(self.push_clauses());
        }
        let mut c = Cursor::new(s);
        let mut clause_start = self.doc.vpkgs.len() as u32;
        loop {
            let (range, constraint) = c.vpkg().map_err(|(off, m)| {
                prop.error(
                    off,
                    format!(
                        "{m} (a vpkgformula is `true!`, `false!` or vpkgs joined by `,` and `|`)"
                    ),
                )
            })?;
            let name = self.intern_range(&prop.value, range);
            self.doc.vpkgs.push(Vpkg::new(name, constraint));
            match c.peek() {
                Some(b'|') => c.pos += 1,
                Some(b',') | None => {
                    let end = self.doc.vpkgs.len() as u32;
                    self.scratch_clauses.push(Span {
                        start: clause_start,
                        len: end - clause_start,
                    });
                    clause_start = end;
                    if c.peek().is_none() {
                        break;
                    }
                    c.pos += 1;
                }
                Some(_) => {
                    return Err(prop.error(
                        c.pos,
                        format!("expected `,`, `|` or the end of the formula, {}", c.found()),
                    ))
                }
            }
        }
        Ok(self.push_clauses())
    }

    fn push_clauses(&mut self) -> Formula {
        let start = self.doc.clauses.len() as u32;
        self.doc.clauses.extend_from_slice(&self.scratch_clauses);
        Formula(Span {
            start,
            len: self.scratch_clauses.len() as u32,
        })
    }

    fn package_key(&self, prop: &Prop<'a>) -> Result<usize, ParseError> {
        Ok(match prop.name {
            "package" => K_PACKAGE,
            "version" => K_VERSION,
            "depends" => K_DEPENDS,
            "conflicts" => K_CONFLICTS,
            "provides" => K_PROVIDES,
            "installed" => K_INSTALLED,
            "was-installed" => K_WAS_INSTALLED,
            "keep" => K_KEEP,
            other => match self.extra_id(other) {
                Some(id) => CORE_KEYS + id.0 as usize,
                None => {
                    return Err(ParseError::new(
                        prop.line,
                        1,
                        format!(
                            "property `{other}` is not declared: declare it in the preamble (`property: {other}: TYPE`)"
                        ),
                    ))
                }
            },
        })
    }

    fn package(&mut self, props: &[Prop<'a>]) -> Result<(), ParseError> {
        let first = &props[0];
        let extras_start = self.doc.extras.len() as u32;
        let mut pkg = Package {
            name: crate::NameId(0),
            version: 0,
            depends: Formula::default(),
            conflicts: VpkgList::default(),
            provides: VpkgList::default(),
            installed: false,
            was_installed: false,
            keep: Keep::None,
            extras: Span::default(),
            line: first.line,
        };
        for (i, prop) in props.iter().enumerate() {
            // Stanzas of one document list their properties in much the same order: try the
            // key seen at this position in the previous stanza before the general lookup.
            let key = match self.predicted.get(i) {
                Some(&(name, key)) if name == prop.name => key,
                _ => {
                    let key = self.package_key(prop)?;
                    if i < self.predicted.len() {
                        self.predicted[i] = (prop.name, key);
                    } else {
                        self.predicted.push((prop.name, key));
                    }
                    key
                }
            };
            self.stamp(key, prop)?;
            match key {
                K_PACKAGE => {
                    let t = trim_end(&prop.value);
                    if let Some(bad) = t.bytes().position(|b| !is_pkgname_byte(b)).or(
                        if t.is_empty() { Some(0) } else { None },
                    ) {
                        return Err(prop.error(
                            bad,
                            format!(
                                "expected a package name (letters, digits and `+./@()%-`), found `{}`",
                                shorten(t)
                            ),
                        ));
                    }
                    let len = t.len();
                    pkg.name = self.intern_range(&prop.value, 0..len);
                }
                K_VERSION => {
                    let mut c = Cursor::new(&prop.value);
                    pkg.version = c.posint().map_err(|(o, m)| prop.error(o, m))?;
                    c.skip_ws();
                    if !c.at_end() {
                        return Err(prop.error(
                            c.pos,
                            format!("expected the end of the version, {}", c.found()),
                        ));
                    }
                }
                K_DEPENDS => pkg.depends = self.formula(prop)?,
                K_CONFLICTS => pkg.conflicts = self.vpkglist(prop, false)?,
                K_PROVIDES => pkg.provides = self.vpkglist(prop, true)?,
                K_INSTALLED => pkg.installed = bool_value(prop)?,
                K_WAS_INSTALLED => pkg.was_installed = bool_value(prop)?,
                K_KEEP => {
                    pkg.keep = match trim(&prop.value) {
                        "version" => Keep::Version,
                        "package" => Keep::Package,
                        "feature" => Keep::Feature,
                        "none" => Keep::None,
                        other => {
                            return Err(prop.error(
                                0,
                                format!(
                                    "expected `version`, `package`, `feature` or `none` for `keep`, found `{}`",
                                    shorten(other)
                                ),
                            ))
                        }
                    }
                }
                _ => {
                    let id = PropId((key - CORE_KEYS) as u32);
                    let ty = &self.doc.properties[id.0 as usize].ty;
                    let value: &str = &prop.value;
                    // A string keeps its trailing blanks; leading ones are dropped as on the
                    // first line (they can only come from a continuation line), so that writing
                    // the value back gives the same document.
                    let value = if *ty == PropType::String {
                        value.trim_start_matches([' ', '\t'])
                    } else {
                        trim_end(value)
                    };
                    check_value(ty, value).map_err(|(off, m)| prop.error(off, m))?;
                    let stored = match &prop.value {
                        Cow::Borrowed(s) => TextRef {
                            start: (s.as_ptr() as usize - self.doc.text.as_ptr() as usize) as u32,
                            len: value.len() as u32,
                        },
                        Cow::Owned(_) => {
                            let start = self.doc.owned_text.len() as u32;
                            self.doc.owned_text.push_str(value);
                            TextRef {
                                start,
                                len: value.len() as u32 | OWNED,
                            }
                        }
                    };
                    self.doc.extras.push((id, stored));
                }
            }
        }
        if !self.seen(K_VERSION) {
            return Err(ParseError::new(
                first.line,
                1,
                "missing mandatory property `version` in this package stanza",
            ));
        }
        for &id in &self.mandatory {
            if !self.seen(CORE_KEYS + id.0 as usize) {
                return Err(ParseError::new(
                    first.line,
                    1,
                    format!(
                        "missing mandatory property `{}` (declared without a default in the preamble)",
                        self.doc.properties[id.0 as usize].name
                    ),
                ));
            }
        }
        if let Some(dup) = self.doc.find(pkg.name, pkg.version) {
            return Err(ParseError::new(
                first.line,
                1,
                format!(
                    "duplicate package `{}` (first declared at line {})",
                    self.doc.display_package(dup),
                    self.doc.package(dup).line
                ),
            ));
        }
        pkg.extras = Span {
            start: extras_start,
            len: self.doc.extras.len() as u32 - extras_start,
        };
        let id = PkgId(self.doc.packages.len() as u32);
        self.doc.index_package(id, &pkg);
        self.doc.packages.push(pkg);
        Ok(())
    }

    fn request(&mut self, props: &[Prop<'a>]) -> Result<(), ParseError> {
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
        self.doc.request = Some(request);
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

fn bool_value(prop: &Prop<'_>) -> Result<bool, ParseError> {
    match trim(&prop.value) {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(prop.error(
            0,
            format!("expected `true` or `false`, found `{}`", shorten(other)),
        )),
    }
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

/// Parses an `int` value.
pub(crate) fn parse_int_value(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || digits.starts_with(['+']) {
        return None;
    }
    digits.parse().ok()
}

/// Checks that `value` is a well-formed value of type `ty`; on error returns the offset and what
/// was expected.
pub fn check_value(ty: &PropType, value: &str) -> Result<(), (usize, String)> {
    // The lexer never puts a line break into a value.
    if *ty == PropType::String {
        return Ok(());
    }
    let t = trim(value);
    let lead = value.len() - trim_start(value).len();
    let expected = |what: &str| (lead, format!("expected {what}, found `{}`", shorten(t)));
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
        PropType::Vpkg | PropType::Veqpkg => {
            let mut c = Cursor::new(value);
            let (_, constraint) = c.vpkg()?;
            if *ty == PropType::Veqpkg && !matches!(constraint.0, None | Some((RelOp::Eq, _))) {
                return Err(expected("a vpkg with `=` or no constraint (type veqpkg)"));
            }
            if !c.at_end() {
                return Err((
                    c.pos,
                    format!("expected the end of the vpkg, {}", c.found()),
                ));
            }
            Ok(())
        }
        PropType::Vpkglist | PropType::Veqpkglist => {
            let mut all_eq = true;
            scan_vpkg_list(value, |_, c| {
                all_eq &= matches!(c.0, None | Some((RelOp::Eq, _)));
            })?;
            if *ty == PropType::Veqpkglist && !all_eq {
                Err(expected(
                    "vpkgs with `=` or no constraint (type veqpkglist)",
                ))
            } else {
                Ok(())
            }
        }
        PropType::Vpkgformula => scan_vpkg_formula(value, |_| {}),
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

/// Reads a vpkglist, calling `each` on every item in order; on error returns the offset and
/// what was expected.
fn scan_vpkg_list(
    value: &str,
    mut each: impl FnMut(Range<usize>, Constraint),
) -> Result<(), (usize, String)> {
    let mut c = Cursor::new(value);
    c.skip_ws();
    if c.at_end() {
        return Ok(());
    }
    loop {
        let (range, constraint) = c.vpkg()?;
        each(range, constraint);
        match c.peek() {
            None => return Ok(()),
            Some(b',') => c.pos += 1,
            Some(_) => {
                return Err((
                    c.pos,
                    format!("expected `,` or the end of the list, {}", c.found()),
                ))
            }
        }
    }
}

/// Reads a vpkgformula, calling `each` with every vpkg and with `None` after the last vpkg of
/// every clause; `true!` has no clause and `false!` one empty clause.
fn scan_vpkg_formula(
    value: &str,
    mut each: impl FnMut(Option<(Range<usize>, Constraint)>),
) -> Result<(), (usize, String)> {
    match trim(value) {
        "true!" => return Ok(()),
        "false!" => {
            each(None);
            return Ok(());
        }
        _ => {}
    }
    let mut c = Cursor::new(value);
    loop {
        let item = c.vpkg()?;
        each(Some(item));
        match c.peek() {
            Some(b'|') => c.pos += 1,
            Some(b',') => {
                c.pos += 1;
                each(None);
            }
            None => {
                each(None);
                return Ok(());
            }
            Some(_) => {
                return Err((
                    c.pos,
                    format!("expected `,`, `|` or the end of the formula, {}", c.found()),
                ))
            }
        }
    }
}

/// Parses a vpkglist value into (name, constraint) pairs that borrow the text: for extra
/// properties, which the document keeps as text.
pub fn parse_vpkg_list(value: &str) -> Result<Vec<(&str, Constraint)>, (usize, String)> {
    let mut out = Vec::new();
    scan_vpkg_list(value, |range, constraint| {
        out.push((&value[range], constraint))
    })?;
    Ok(out)
}

/// A formula read from text: clauses of (name, constraint) disjunctions.
pub type TextFormula<'s> = Vec<Vec<(&'s str, Constraint)>>;

/// Parses a vpkgformula value (for extra properties such as `recommends`).
pub fn parse_vpkg_formula(value: &str) -> Result<TextFormula<'_>, (usize, String)> {
    let mut clauses = Vec::new();
    let mut clause = Vec::new();
    scan_vpkg_formula(value, |item| match item {
        Some((range, constraint)) => clause.push((&value[range], constraint)),
        None => clauses.push(std::mem::take(&mut clause)),
    })?;
    Ok(clauses)
}

/// A string-valued core property (`preamble`, `request`) without the blanks the writer would
/// not reproduce: leading blanks (only a continuation line can bring them) and trailing
/// whitespace.
fn trim_blanks(value: &str) -> &str {
    value.trim_start_matches([' ', '\t']).trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document large enough for the two-thread path, with extra properties (borrowed and
    /// joined from continuation lines), provides, comments and a request.
    fn big_document(packages: usize) -> String {
        let mut s = String::from(
            "preamble: \nproperty: size: nat = [0], note: string = [\"\"], rec: vpkgformula = [true!]\n\n",
        );
        for i in 0..packages {
            s += &format!(
                "# stanza {i}\npackage: p{}\nversion: {}\ndepends: p{} >= 2 | f{}, q{} , p{}\nconflicts: p{}\nprovides: f{} = 3, g{}\nsize: {}\nnote: n{i}\n  continued {i}\nrec: p{} | q{}\ninstalled: {}\n\n",
                i / 3,
                1 + i % 3,
                (i * 7 + 1) % packages,
                i % 13,
                i % 101,
                (i * 3 + 2) % packages,
                i / 3,
                i % 50,
                i % 7,
                i * 11 % 9000,
                i % 17,
                i % 19,
                i % 5 == 0,
            );
        }
        s + "request: r\ninstall: p1, f2 = 3\nremove: q4\n"
    }

    fn summary(doc: &Document<'_>) -> String {
        let mut out = format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n",
            doc.preamble,
            doc.properties,
            doc.packages,
            doc.request,
            doc.vpkgs,
            doc.clauses,
            doc.name_spans,
            doc.names_text
        );
        for p in doc.package_ids() {
            out += &format!("{:?}\n", doc.extras(p).collect::<Vec<_>>());
        }
        for n in 0..doc.name_count() as u32 {
            let n = crate::NameId(n);
            out += &format!("{:?} {:?}\n", doc.versions_of(n), doc.providers_of(n));
            assert_eq!(doc.name_id(doc.name(n)), Some(n));
        }
        out
    }

    #[test]
    fn two_halves_build_the_sequential_document() {
        let text = big_document(40_000);
        assert!(text.len() >= PARALLEL_MIN_LEN);
        let sequential = DocParser::new(&text, &text).run().unwrap();
        let halves = parse_halves(&text).expect("the parallel path applies");
        let (a, b) = (summary(&halves), summary(&sequential));
        if let Some((x, y)) = a.lines().zip(b.lines()).find(|(x, y)| x != y) {
            let at = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
            let show = |s: &str| s[at.saturating_sub(200)..(at + 200).min(s.len())].to_string();
            panic!("halves: {}\nsequential: {}", show(x), show(y));
        }
        assert_eq!(a.len(), b.len());
    }

    #[test]
    fn errors_in_either_half_fall_back_to_the_exact_sequential_error() {
        let text = big_document(40_000);
        let lines: Vec<&str> = text.lines().collect();
        let at = |frac: f64| (lines.len() as f64 * frac) as usize;
        for (frac, bad) in [
            (0.2, "version: 0"),
            (0.8, "version: x"),
            (0.9, "bogus line"),
            (0.95, "package: p3"),
        ] {
            let mut l = lines.clone();
            let i = (at(frac)..)
                .find(|&i| l[i].starts_with("version:"))
                .unwrap();
            if bad.starts_with("package:") {
                // A duplicate of a package of the first half.
                l[i - 1] = bad;
                l[i] = "version: 1";
            } else {
                l[i] = bad;
            }
            let text = l.join("\n");
            assert!(parse_halves(&text).is_none());
            let err = parse(&text).unwrap_err();
            let seq = DocParser::new(&text, &text).run().unwrap_err();
            assert_eq!(err, seq);
        }
        // A request in the first half, stanzas after it.
        let mut l = lines.clone();
        let i = (at(0.3)..).find(|&i| l[i].is_empty()).unwrap();
        l.insert(i + 1, "request: early\n");
        let text = l.join("\n");
        assert!(parse_halves(&text).is_none());
        assert_eq!(
            parse(&text).unwrap_err(),
            DocParser::new(&text, &text).run().unwrap_err()
        );
    }
}
