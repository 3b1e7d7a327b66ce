//! The CUDF document parser (misc-rules.md 5.1–5.3).
//!
//! A document is read in parts: the first stanza (the preamble, which declares the properties
//! every package stanza may use), then the rest in one part, or in two parts on two threads
//! when the document is large. Each part interns its own names (keeping their hashes);
//! [`assemble`] then takes the later parts into the first, interning their names in document
//! order, and builds the per-name index, so that both ways give the same [`Document`]. Package
//! stanzas, the bulk of a universe, are read line by line without collecting their properties
//! first; `depends`, `conflicts` and `provides` are validated by a fast scan and kept as text,
//! read when someone asks for them, and the extra properties of a stanza of one-line properties
//! are read again from its text when asked for.
//!
//! Errors: the fast path gives up at the first problem, and the document is then read again in
//! one part in the exact mode, which reports the first error in document order (a duplicate
//! package at its stanza, as it is met).

use std::borrow::Cow;
use std::ops::Range;

use rustc_hash::FxHashMap;

use crate::lex::{
    formula_ok, invalid_ident_at, is_ident_byte, is_pkgname_byte, property_line, shorten,
    vpkg_list_ok, Cursor, Prop, StanzaReader,
};
use crate::model::{
    name_hash, Constraint, Document, Extras, Keep, Package, PerPackage, PkgId, Preamble, PropDecl,
    PropId, PropType, RelOp, Request, Span, TextRef, Version, Vpkg, VpkgList, OWNED,
};
use crate::ParseError;

/// Parses a CUDF document: an optional preamble, package stanzas, and a request. A missing
/// request is accepted here (a solution or a bare universe has none); [`parse_problem`] requires
/// it.
pub fn parse(text: &str) -> Result<Document<'_>, ParseError> {
    parse_document(text, false)
}

/// The largest document the parser takes: offsets into the text are 31-bit.
pub const MAX_DOCUMENT_LEN: usize = (1 << 31) - 1;

/// Parses a CUDF problem: like [`parse`], but the request stanza is mandatory (as in libCUDF:
/// "missing request description item").
pub fn parse_problem(text: &str) -> Result<Document<'_>, ParseError> {
    parse_document(text, true)
}

fn parse_document(text: &str, need_request: bool) -> Result<Document<'_>, ParseError> {
    if text.len() > MAX_DOCUMENT_LEN {
        return Err(ParseError::new(
            1,
            1,
            "documents over 2 GiB are not supported",
        ));
    }
    let (doc, lines) = match parse_fast(text) {
        Some(done) => done,
        None => parse_exact(text)?,
    };
    if need_request && doc.request.is_none() {
        return Err(ParseError::new(
            lines.max(1),
            1,
            "the document has no `request:` stanza: a CUDF problem ends with one",
        ));
    }
    Ok(doc)
}

/// Documents from this size on are read in two parts on two threads.
const PARALLEL_MIN_LEN: usize = 4 << 20;

/// Reads a document, in two parts on two threads if it is large. `None` on any error: the
/// caller then reads it again in the exact mode, which names the first error. Returns the
/// document and its number of lines.
fn parse_fast(text: &str) -> Option<(Document<'_>, u32)> {
    parse_fast_from(text, PARALLEL_MIN_LEN)
}

/// [`parse_fast`], reading documents from `min_len` bytes on in two parts.
fn parse_fast_from(text: &str, min_len: usize) -> Option<(Document<'_>, u32)> {
    let mut first = PartParser::new(text, 0..text.len(), Decls::default(), false);
    // The first stanza (the preamble, if any) declares the properties both parts need.
    first.next_stanza().ok()?;
    let rest = first.pos;
    let split = if text.len() - rest >= min_len {
        let mid = rest + (text.len() - rest) / 2;
        // After a blank line: a stanza boundary.
        memchr::memmem::find(&text.as_bytes()[mid..], b"\n\n").map(|k| mid + k + 2)
    } else {
        None
    };
    let Some(split) = split else {
        first.run().ok()?;
        let lines = first.line;
        let decls = first.decls;
        return assemble(decls, vec![first.part]).ok().map(|d| (d, lines));
    };
    first.end = split;
    // The first part's document becomes the whole document: room for both parts.
    first.capacity_for = text.len() - rest;
    let mut second = PartParser::new(text, split..text.len(), first.decls.clone(), false);
    second.stage = Stage::Packages;
    let (first, second) = std::thread::scope(|scope| {
        let other = scope.spawn(move || second.run().ok().map(|()| second));
        let mine = first.run().ok().map(|()| first);
        (mine, other.join().ok().flatten())
    });
    let (first, second) = (first?, second?);
    if first.stage == Stage::AfterRequest && second.part.stanzas > 0 {
        return None;
    }
    let lines = first.line + second.line;
    assemble(first.decls, vec![first.part, second.part])
        .ok()
        .map(|d| (d, lines))
}

/// For fuzzing and tests: reads a document both ways, in two parts whatever its size and in one
/// part in the exact mode, and says how they differ (they must not: the two-part path either
/// fails, and the exact one fails too, or gives the same document).
#[doc(hidden)]
pub fn compare_parse_paths(text: &str) -> Result<(), String> {
    let fast = parse_fast_from(text, 0);
    let exact = parse_exact(text);
    match (fast, exact) {
        (None, _) => Ok(()),
        (Some(_), Err(e)) => Err(format!("two parts succeed, one part fails: {e}")),
        (Some((a, la)), Ok((b, lb))) => {
            let (sa, sb) = (describe(&a), describe(&b));
            if la != lb {
                return Err(format!("lines: {la} in two parts, {lb} in one"));
            }
            if sa != sb {
                return Err(format!("two parts:\n{sa}\none part:\n{sb}"));
            }
            Ok(())
        }
    }
}

/// Everything a document holds, as text: to compare two documents.
fn describe(doc: &Document<'_>) -> String {
    let mut out = format!(
        "{:?}\n{:?}\n{:?}\n",
        doc.preamble, doc.properties, doc.request
    );
    for p in doc.package_ids() {
        let pkg = doc.package(p);
        let depends: Vec<Vec<String>> = doc
            .depends(p)
            .map(|c| c.iter().map(|v| doc.display_vpkg(*v)).collect())
            .collect();
        let show = |l: &[Vpkg]| l.iter().map(|v| doc.display_vpkg(*v)).collect::<Vec<_>>();
        out += &format!(
            "{} {} {} {} {:?} line {} {depends:?} {:?} {:?} {:?}\n",
            doc.name(pkg.name),
            pkg.version,
            pkg.installed,
            pkg.was_installed,
            pkg.keep,
            pkg.line,
            show(doc.conflicts(p)),
            show(doc.provides(p)),
            doc.extras(p).collect::<Vec<_>>()
        );
    }
    for n in 0..doc.name_count() as u32 {
        let n = crate::NameId(n);
        out += &format!(
            "{} {:?} {:?}\n",
            doc.name(n),
            doc.versions_of(n),
            doc.providers_of(n)
        );
    }
    out
}

/// Reads a document in one part, stopping at the first error in document order.
fn parse_exact(text: &str) -> Result<(Document<'_>, u32), ParseError> {
    let mut parser = PartParser::new(text, 0..text.len(), Decls::default(), true);
    parser.run()?;
    let lines = parser.line;
    let doc = assemble(parser.decls, vec![parser.part])?;
    Ok((doc, lines))
}

/// Checks that bytes are UTF-8, naming the line and column of the first bad byte.
pub fn check_utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    // The fast check (SIMD) says only yes or no; the standard one then finds the bad byte.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok(text);
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = memchr::memchr_iter(b'\n', good).count() as u32 + 1;
        let col = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        ParseError::new(line, col as u32, "invalid UTF-8: CUDF documents are text")
    })
}

/// Which stanzas the parser has seen, to enforce the order preamble, packages, request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Stage {
    #[default]
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

/// The extra properties the preamble declares, which every part needs.
#[derive(Debug, Clone, Default)]
struct Decls {
    properties: Vec<PropDecl>,
    ids: FxHashMap<String, PropId>,
    /// Declared properties without a default: mandatory in every package stanza.
    mandatory: Vec<PropId>,
}

/// One part of a document, read on its own: a document whose name ids are its own and whose
/// lines count from the part's first line. `TextRef`s with the `OWNED` bit index its
/// `owned_text`.
#[derive(Debug, Default)]
struct Part<'a> {
    doc: Document<'a>,
    /// The hash of each name of `doc`, so that joining parts never reads names again.
    hashes: Vec<u64>,
    stanzas: u32,
    /// The number of lines read.
    lines: u32,
}

/// Builds the document from its parts, in order: the first part's document grows by the
/// others, whose names are interned into it (so that ids come in document order, as if read in
/// one part), whose spans and lines are shifted. Then the per-name index is built; a duplicate
/// (package, version) is an error.
fn assemble<'a>(decls: Decls, parts: Vec<Part<'a>>) -> Result<Document<'a>, ParseError> {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Ok(Document::new());
    };
    let mut doc = first.doc;
    doc.properties = decls.properties;
    doc.extra_ids = decls.ids;
    let mut line_base = first.lines;
    for part in parts {
        let mut other = part.doc;
        let owned_base = doc.owned_text.len() as u32;
        doc.owned_text.push_str(&other.owned_text);
        let shift = |r: TextRef| {
            if r.len & OWNED != 0 {
                TextRef {
                    start: r.start + owned_base,
                    len: r.len,
                }
            } else {
                r
            }
        };
        let names: Vec<crate::NameId> = other
            .names
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let r = shift(r);
                let hash = match part.hashes.get(i) {
                    Some(&hash) => hash,
                    None => name_hash(doc.text_of(r)),
                };
                doc.intern_ref(r, hash)
            })
            .collect();
        let rename = |n: crate::NameId| names.get(n.0 as usize).copied().unwrap_or(n);
        let vpkg_base = doc.vpkgs.len() as u32;
        let extra_base = doc.extras.len() as u32;
        doc.extras
            .extend(other.extras.iter().map(|&(p, r)| (p, shift(r))));
        let extras = |e: Extras| match e {
            Extras::Stanza(r) => Extras::Stanza(shift(r)),
            Extras::Arena(span) => Extras::Arena(Span {
                start: span.start + extra_base,
                len: span.len,
            }),
        };
        drop(std::mem::take(&mut other.extras));
        doc.vpkgs.extend(other.vpkgs.iter().map(|v| Vpkg {
            name: rename(v.name),
            ..*v
        }));
        let list = |l: VpkgList| {
            if l.0.len == 0 {
                l
            } else {
                VpkgList(Span {
                    start: l.0.start + vpkg_base,
                    len: l.0.len,
                })
            }
        };
        doc.packages.extend(other.packages.iter().map(|p| Package {
            name: rename(p.name),
            extras: extras(p.extras),
            line: p.line + line_base,
            depends: shift(p.depends),
            conflicts: shift(p.conflicts),
            provides: shift(p.provides),
            ..*p
        }));
        if let Some(r) = other.request.take() {
            doc.request = Some(Request {
                install: list(r.install),
                remove: list(r.remove),
                upgrade: list(r.upgrade),
                line: r.line + line_base,
                ..r
            });
        }
        line_base += part.lines;
    }
    index(&mut doc)?;
    Ok(doc)
}

/// Builds the index of packages per name; a duplicate (package, version) is an
/// error (the exact mode has reported any before).
fn index(doc: &mut Document<'_>) -> Result<(), ParseError> {
    let names = doc.names.len();
    let mut starts = vec![0u32; names + 1];
    for p in &doc.packages {
        starts[p.name.0 as usize + 1] += 1;
    }
    for i in 0..names {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    let mut by_name = vec![PkgId(0); doc.packages.len()];
    for (i, p) in doc.packages.iter().enumerate() {
        let slot = &mut fill[p.name.0 as usize];
        by_name[*slot as usize] = PkgId(i as u32);
        *slot += 1;
    }
    for n in 0..names {
        let versions = &by_name[starts[n] as usize..starts[n + 1] as usize];
        for (k, &p) in versions.iter().enumerate().skip(1) {
            let v = doc.packages[p.index()].version;
            if let Some(&first) = versions[..k]
                .iter()
                .find(|q| doc.packages[q.index()].version == v)
            {
                return Err(ParseError::new(
                    doc.packages[p.index()].line,
                    1,
                    format!(
                        "duplicate package `{}` (first declared at line {})",
                        doc.display_package(first),
                        doc.packages[first.index()].line
                    ),
                ));
            }
        }
    }
    doc.by_name_start = starts;
    doc.by_name = by_name;

    doc.relations = PerPackage::new(doc.packages.len());
    doc.provided = PerPackage::new(doc.packages.len());
    Ok(())
}

/// Reads one part of a document: `text[pos..end]`, where `text` is the whole document (values
/// are kept as places in it).
struct PartParser<'a> {
    text: &'a str,
    pos: usize,
    end: usize,
    /// Lines read in this part.
    line: u32,
    /// The number of bytes to reserve room for.
    capacity_for: usize,
    stage: Stage,
    decls: Decls,
    part: Part<'a>,
    /// Per property key, the number of the last stanza that had it.
    stamps: Vec<u32>,
    stanza_no: u32,
    /// The package property names met so far.
    known: KnownNames<'a>,
    /// What [`Self::fast_value`] does with each property key.
    kinds: Vec<Kind>,
    /// Per property key, the property that followed it last time (the last slot: the first
    /// property of a stanza).
    successor: Vec<Expected<'a>>,
    /// Whether the current package stanza has only one-line properties that the fast path
    /// took: its extras are then read again from its text when asked for.
    stanza_regular: bool,
    props: Vec<Prop<'a>>,
    /// In the exact mode, the packages read so far with their lines, to report a duplicate at
    /// its stanza.
    seen: Option<FxHashMap<(String, Version), u32>>,
}

impl<'a> PartParser<'a> {
    fn new(text: &'a str, range: Range<usize>, decls: Decls, exact: bool) -> Self {
        let stamps = vec![0; CORE_KEYS + decls.properties.len()];
        PartParser {
            text,
            pos: range.start,
            end: range.end,
            line: 0,
            stage: Stage::Start,
            decls,
            capacity_for: range.end - range.start,
            part: Part {
                doc: Document {
                    text,
                    ..Document::new()
                },
                ..Part::default()
            },
            stamps,
            stanza_no: 0,
            known: KnownNames::default(),
            kinds: Vec::new(),
            successor: vec![Expected::new("", 0)],
            stanza_regular: true,
            props: Vec::with_capacity(32),
            seen: exact.then(FxHashMap::default),
        }
    }

    fn run(&mut self) -> Result<(), ParseError> {
        self.kinds = Kind::of_keys(&self.decls);
        self.successor = vec![Expected::new("", 0); self.kinds.len() + 1];
        let size = self.capacity_for;
        let doc = &mut self.part.doc;
        doc.packages.reserve(size / 500);
        doc.reserve_names(size / 500);
        while self.next_stanza()? {}
        Ok(())
    }

    /// Reads the next stanza; `Ok(false)` at the end of the part.
    fn next_stanza(&mut self) -> Result<bool, ParseError> {
        let b = self.text.as_bytes();
        while self.pos < self.end && b[self.pos] == b'\n' {
            self.pos += 1;
            self.line += 1;
        }
        self.part.lines = self.line;
        if self.pos >= self.end {
            return Ok(false);
        }
        let more = if b[self.pos..self.end].starts_with(b"package:") {
            self.package_stanza()?;
            true
        } else {
            // Comments, blank lines of spaces, and the other stanzas: the general reader.
            let mut reader = StanzaReader::resume(&self.text[..self.end], self.pos, self.line);
            let mut props = std::mem::take(&mut self.props);
            let from = self.pos;
            let more = reader.next_stanza(&mut props);
            self.pos = reader.pos();
            self.line = reader.line();
            let more = more?;
            if more {
                self.stanza(&props, from..self.pos)?;
            }
            self.props = props;
            more
        };
        self.part.lines = self.line;
        Ok(more)
    }

    /// Handles one stanza the general reader read from `text[range]`.
    fn stanza(&mut self, props: &[Prop<'a>], range: Range<usize>) -> Result<(), ParseError> {
        let first = &props[0];
        match first.name {
            "package" => {
                let mut pkg = self.begin_package(first.line)?;
                self.stanza_regular = false;
                for prop in props {
                    let key = self.package_key(prop)?;
                    self.package_value(&mut pkg, key, prop)?;
                }
                self.finish_package(pkg, range)
            }
            _ if self.stage == Stage::AfterRequest => Err(after_request(first.line)),
            "preamble" if self.stage == Stage::Start => {
                self.stage = Stage::Packages;
                self.part.stanzas += 1;
                self.preamble(props)
            }
            "preamble" => Err(ParseError::new(
                first.line,
                1,
                "the `preamble:` stanza must be the first stanza of the document",
            )),
            "request" => {
                self.stage = Stage::AfterRequest;
                self.part.stanzas += 1;
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

    /// Reads a package stanza line by line, from its `package:` line to the blank line (or the
    /// end) that closes it.
    fn package_stanza(&mut self) -> Result<(), ParseError> {
        let text = self.text;
        // The part's bytes: every index below is bounded by its end.
        let b = text.as_bytes().get(..self.end).unwrap_or_default();
        let mut pkg = self.begin_package(self.line + 1)?;
        let stanza_start = self.pos;
        let mut closing = None;
        // The key of the previous property (the `package:` line is the first).
        let mut previous = self.successor.len() - 1;
        while let Some(&c) = b.get(self.pos) {
            let start = self.pos;
            // A known property name, `name:` compared in one go: first the property that
            // followed the previous one last time, then any known one.
            let known = b
                .get(start..)
                .and_then(|r| r.first_chunk::<16>())
                .and_then(|chunk| {
                    let line = u128::from_le_bytes(*chunk);
                    let next = self.successor.get(previous)?;
                    if line & next.mask == next.pattern {
                        return Some(*next);
                    }
                    let e = *self.known.find(line)?;
                    self.successor[previous] = e;
                    Some(e)
                });
            let (i, key) = match known {
                Some(e) => (start + e.name.len(), Some(e.key)),
                None => {
                    let mut i = start;
                    if c.is_ascii_lowercase() {
                        i += 1;
                        while b.get(i).is_some_and(|&c| is_ident_byte(c)) {
                            i += 1;
                        }
                    }
                    (i, None)
                }
            };
            if i > start && b.get(i) == Some(&b':') {
                {
                    let mut v = i + 1;
                    if b.get(v) == Some(&b' ') {
                        v += 1;
                    }
                    if matches!(b.get(v), Some(b' ' | b'\t')) {
                        while matches!(b.get(v), Some(b' ' | b'\t')) {
                            v += 1;
                        }
                    }
                    let rest = b.get(v..).unwrap_or_default();
                    let (mut e, next) = match find_newline(rest) {
                        Some(k) => (v + k, v + k + 1),
                        None => (b.len(), b.len()),
                    };
                    if e > v && b.get(e - 1) == Some(&b'\r') {
                        e -= 1;
                    }
                    self.pos = next;
                    self.line += 1;
                    let continued = matches!(b.get(next), Some(b' ' | b'#'));
                    if let (Some(key), false) = (key, continued) {
                        if self.fast_value(&mut pkg, key, v, e) {
                            previous = key;
                            continue;
                        }
                    }
                    // Every boundary sits next to an ASCII byte, so the slices cannot fail.
                    let (Some(name), Some(value)) = (text.get(start..i), text.get(v..e)) else {
                        return Err(ParseError::new(self.line, 1, "invalid UTF-8"));
                    };
                    let mut prop = Prop {
                        name,
                        value: Cow::Borrowed(value),
                        line: self.line,
                        column: (v - start) as u32 + 1,
                        continued: false,
                    };
                    if continued {
                        self.stanza_regular = false;
                        self.continuations(&mut prop);
                    }
                    let key = match key {
                        Some(key) => key,
                        None => {
                            let key = self.package_key(&prop)?;
                            let e = Expected::new(prop.name, key);
                            self.known.insert(e);
                            if let Some(slot) = self.successor.get_mut(previous) {
                                *slot = e;
                            }
                            key
                        }
                    };
                    self.package_value(&mut pkg, key, &prop)?;
                    previous = key;
                    continue;
                }
            }
            let (line, next) = self.line_at(start);
            if line.bytes().all(|c| c == b' ' || c == b'\t') {
                // A blank line closes the stanza.
                closing = Some(start);
                self.pos = next;
                self.line += 1;
                break;
            }
            self.pos = next;
            self.line += 1;
            self.stanza_regular = false;
            if c == b'#' {
                continue;
            }
            // Not a property line: the general lexer names the problem.
            let mut prop = property_line(line, self.line)?;
            if self.pos < self.end && matches!(b[self.pos], b' ' | b'#') {
                self.continuations(&mut prop);
            }
            let key = self.package_key(&prop)?;
            self.package_value(&mut pkg, key, &prop)?;
        }
        let stanza_end = closing.unwrap_or(self.pos);
        self.finish_package(pkg, stanza_start..stanza_end)
    }

    /// The line starting at `start` (without its line break and a `\r` before it), and where
    /// the next one starts.
    fn line_at(&self, start: usize) -> (&'a str, usize) {
        let b = self.text.as_bytes();
        let (mut e, next) = match memchr::memchr(b'\n', &b[start..self.end]) {
            Some(k) => (start + k, start + k + 1),
            None => (self.end, self.end),
        };
        if e > start && b[e - 1] == b'\r' {
            e -= 1;
        }
        (self.text.get(start..e).unwrap_or(""), next)
    }

    /// Joins the continuation lines after a property line (skipping comment lines), as the
    /// general reader does: the leading space dropped, no separator added (libCUDF).
    fn continuations(&mut self, prop: &mut Prop<'a>) {
        while self.pos < self.end {
            let c = self.text.as_bytes()[self.pos];
            if c != b' ' && c != b'#' {
                break;
            }
            let (line, next) = self.line_at(self.pos);
            if c == b' ' {
                if line.bytes().all(|c| c == b' ' || c == b'\t') {
                    break;
                }
                prop.value.to_mut().push_str(&line[1..]);
                prop.continued = true;
            }
            self.pos = next;
            self.line += 1;
        }
    }

    fn begin_package(&mut self, line: u32) -> Result<Package, ParseError> {
        if self.stage == Stage::AfterRequest {
            return Err(after_request(line));
        }
        self.stage = Stage::Packages;
        self.stanza_no += 1;
        self.part.stanzas += 1;
        self.stanza_regular = true;
        Ok(Package {
            name: crate::NameId(0),
            version: 0,
            installed: false,
            was_installed: false,
            keep: Keep::None,
            extras: Extras::Arena(Span::default()),
            line,
            depends: TextRef::default(),
            conflicts: TextRef::default(),
            provides: TextRef::default(),
        })
    }

    /// Where a value (or a part of one) is kept: its place in the text, or a copy in the part's
    /// owned text when continuation lines were joined.
    fn store(&mut self, prop: &Prop<'a>, value: &str) -> TextRef {
        match &prop.value {
            Cow::Borrowed(_) => TextRef {
                start: (value.as_ptr() as usize - self.text.as_ptr() as usize) as u32,
                len: value.len() as u32,
            },
            Cow::Owned(_) => {
                let start = self.part.doc.owned_text.len() as u32;
                self.part.doc.owned_text.push_str(value);
                TextRef {
                    start,
                    len: value.len() as u32 | OWNED,
                }
            }
        }
    }

    /// Interns a name read from a property's value.
    fn intern(&mut self, prop: &Prop<'a>, name: &str) -> crate::NameId {
        let at = self.store(prop, name);
        let hash = name_hash(name);
        let count = self.part.doc.names.len();
        let id = self.part.doc.intern_ref(at, hash);
        if self.part.doc.names.len() > count {
            self.part.hashes.push(hash);
        }
        id
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
            other => match self.decls.ids.get(other) {
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

    /// Handles the common properties of a package stanza whose value is `text[v..e]` (one
    /// line, borrowed) without building a [`Prop`]: strings, integers and relations that are
    /// well formed. Returns false to leave the property to [`Self::package_value`], which
    /// reports any error.
    #[inline]
    fn fast_value(&mut self, pkg: &mut Package, key: usize, v: usize, e: usize) -> bool {
        let kind = self.kinds.get(key).copied().unwrap_or(Kind::Other);
        if kind == Kind::Other || self.stamps[key] == self.stanza_no {
            return false;
        }
        let Some(value) = self.text.as_bytes().get(v..e) else {
            return false;
        };
        let at = TextRef {
            start: v as u32,
            len: value.len() as u32,
        };
        match kind {
            Kind::String => {}
            Kind::Integer => {
                if plain_number(value).is_none() {
                    return false;
                }
            }
            Kind::Posint => {
                if plain_number(value).is_none_or(|n| n == 0) {
                    return false;
                }
            }
            Kind::Bool => {
                if plain_bool(value).is_none() {
                    return false;
                }
            }
            Kind::Version => match plain_number(value) {
                Some(n) if n > 0 => pkg.version = n,
                _ => return false,
            },
            Kind::Installed => match plain_bool(value) {
                Some(b) => pkg.installed = b,
                None => return false,
            },
            Kind::WasInstalled => match plain_bool(value) {
                Some(b) => pkg.was_installed = b,
                None => return false,
            },
            Kind::Depends | Kind::Formula => {
                if !formula_ok(value) {
                    return false;
                }
            }
            Kind::Conflicts | Kind::List => {
                if !vpkg_list_ok(value, false) {
                    return false;
                }
            }
            Kind::Provides => {
                if !vpkg_list_ok(value, true) {
                    return false;
                }
            }
            Kind::Other => return false,
        }
        self.stamps[key] = self.stanza_no;
        match kind {
            Kind::Depends => pkg.depends = at,
            Kind::Conflicts => pkg.conflicts = at,
            Kind::Provides => pkg.provides = at,
            // Extras are read again from the stanza's text when asked for.
            _ => {}
        }
        true
    }

    /// Handles a property of a package stanza.
    fn package_value(
        &mut self,
        pkg: &mut Package,
        key: usize,
        prop: &Prop<'a>,
    ) -> Result<(), ParseError> {
        self.stamp(key, prop)?;
        let value: &str = &prop.value;
        match key {
            K_PACKAGE => {
                let t = trim_end(value);
                if let Some(bad) = t
                    .bytes()
                    .position(|b| !is_pkgname_byte(b))
                    .or(if t.is_empty() { Some(0) } else { None })
                {
                    return Err(prop.error(
                        bad,
                        format!(
                            "expected a package name (letters, digits and `+./@()%-`), found `{}`",
                            shorten(t)
                        ),
                    ));
                }
                pkg.name = self.intern(prop, t);
            }
            K_VERSION => {
                let mut c = Cursor::new(value);
                pkg.version = c.posint().map_err(|(o, m)| prop.error(o, m))?;
                c.skip_ws();
                if !c.at_end() {
                    return Err(prop.error(
                        c.pos,
                        format!("expected the end of the version, {}", c.found()),
                    ));
                }
            }
            K_DEPENDS => {
                if !formula_ok(value.as_bytes()) {
                    check_formula(prop)?;
                }
                pkg.depends = self.store(prop, value);
            }
            K_CONFLICTS => {
                if !vpkg_list_ok(value.as_bytes(), false) {
                    check_vpkg_list(prop, false)?;
                }
                pkg.conflicts = self.store(prop, value);
            }
            K_PROVIDES => {
                if !vpkg_list_ok(value.as_bytes(), true) {
                    check_vpkg_list(prop, true)?;
                }
                pkg.provides = self.store(prop, value);
            }
            K_INSTALLED => pkg.installed = bool_value(prop)?,
            K_WAS_INSTALLED => pkg.was_installed = bool_value(prop)?,
            K_KEEP => {
                pkg.keep = match trim(value) {
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
                let ty = &self.decls.properties[id.0 as usize].ty;
                // A string keeps its trailing blanks; leading ones are dropped as on the
                // first line (they can only come from a continuation line), so that writing
                // the value back gives the same document.
                let value = if *ty == PropType::String {
                    trim_start_blanks(value)
                } else {
                    trim_end(value)
                };
                let fast = match ty {
                    PropType::String => true,
                    PropType::Vpkgformula => formula_ok(value.as_bytes()),
                    PropType::Vpkglist => vpkg_list_ok(value.as_bytes(), false),
                    PropType::Veqpkglist => vpkg_list_ok(value.as_bytes(), true),
                    _ => false,
                };
                if !fast {
                    check_value(ty, value).map_err(|(off, m)| prop.error(off, m))?;
                }
                // Kept by `finish_package`.
                self.stanza_regular = false;
            }
        }
        Ok(())
    }

    /// Reads the extra properties of a stanza (`text[range]`) again, into the arena: for a
    /// stanza with comments or continuation lines, or any property the fast path left.
    fn arena_extras(&mut self, range: Range<usize>) -> Span {
        let start = self.part.doc.extras.len() as u32;
        let mut reader = StanzaReader::resume(&self.text[..range.end], range.start, 0);
        let mut props = Vec::new();
        if reader.next_stanza(&mut props).is_ok() {
            for prop in &props {
                let Some(&id) = self.decls.ids.get(prop.name) else {
                    continue;
                };
                let value: &str = &prop.value;
                let value = if self.decls.properties[id.0 as usize].ty == PropType::String {
                    trim_start_blanks(value)
                } else {
                    trim_end(value)
                };
                let stored = self.store(prop, value);
                self.part.doc.extras.push((id, stored));
            }
        }
        Span {
            start,
            len: self.part.doc.extras.len() as u32 - start,
        }
    }

    /// Ends a package stanza read from `text[stanza]`.
    fn finish_package(&mut self, mut pkg: Package, stanza: Range<usize>) -> Result<(), ParseError> {
        let line = pkg.line;
        if !self.seen(K_VERSION) {
            return Err(ParseError::new(
                line,
                1,
                "missing mandatory property `version` in this package stanza",
            ));
        }
        for &id in &self.decls.mandatory {
            if !self.seen(CORE_KEYS + id.0 as usize) {
                return Err(ParseError::new(
                    line,
                    1,
                    format!(
                        "missing mandatory property `{}` (declared without a default in the preamble)",
                        self.decls.properties[id.0 as usize].name
                    ),
                ));
            }
        }
        if let Some(seen) = &mut self.seen {
            let name = self.part.doc.name(pkg.name).to_string();
            if let Some(&first) = seen.get(&(name.clone(), pkg.version)) {
                return Err(ParseError::new(
                    line,
                    1,
                    format!(
                        "duplicate package `{name} = {}` (first declared at line {first})",
                        pkg.version
                    ),
                ));
            }
            seen.insert((name, pkg.version), line);
        }
        pkg.extras = if self.stanza_regular {
            Extras::Stanza(TextRef {
                start: stanza.start as u32,
                len: (stanza.end - stanza.start) as u32,
            })
        } else {
            Extras::Arena(self.arena_extras(stanza))
        };
        self.part.doc.packages.push(pkg);
        Ok(())
    }

    /// Parses a vpkg list into the part's arena. `eq_only` restricts constraints to `=`
    /// (veqpkglist).
    fn vpkglist(&mut self, prop: &Prop<'a>, eq_only: bool) -> Result<VpkgList, ParseError> {
        check_vpkg_list(prop, eq_only)?;
        let start = self.part.doc.vpkgs.len() as u32;
        let value: &str = &prop.value;
        let mut items = Vec::new();
        let _ = scan_vpkg_list(value, |range, constraint| items.push((range, constraint)));
        for (range, constraint) in items {
            let name = self.intern(prop, &value[range]);
            self.part.doc.vpkgs.push(Vpkg::new(name, constraint));
        }
        Ok(VpkgList(Span {
            start,
            len: self.part.doc.vpkgs.len() as u32 - start,
        }))
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
        self.part.doc.preamble = Some(preamble);
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
                check_value(&ty, &value).map_err(|(off, m)| {
                    err(
                        inner_start + off,
                        format!("invalid default for `{name}`: {m}"),
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

/// How [`PartParser::fast_value`] handles a property key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Left to the general path.
    Other,
    /// Extra properties: any one-line value is a string.
    String,
    /// `int` and `nat` extras: a fast check for plain numbers.
    Integer,
    /// `posint` extras.
    Posint,
    /// `bool` extras.
    Bool,
    Version,
    Installed,
    WasInstalled,
    Depends,
    Conflicts,
    Provides,
    /// `vpkgformula` extras.
    Formula,
    /// `vpkglist` extras.
    List,
}

impl Kind {
    fn of_keys(decls: &Decls) -> Vec<Kind> {
        let mut kinds = vec![Kind::Other; CORE_KEYS];
        kinds[K_DEPENDS] = Kind::Depends;
        kinds[K_CONFLICTS] = Kind::Conflicts;
        kinds[K_PROVIDES] = Kind::Provides;
        kinds[K_VERSION] = Kind::Version;
        kinds[K_INSTALLED] = Kind::Installed;
        kinds[K_WAS_INSTALLED] = Kind::WasInstalled;
        kinds.extend(decls.properties.iter().map(|p| match p.ty {
            PropType::String => Kind::String,
            PropType::Int | PropType::Nat => Kind::Integer,
            PropType::Posint => Kind::Posint,
            PropType::Bool => Kind::Bool,
            PropType::Vpkgformula => Kind::Formula,
            PropType::Vpkglist => Kind::List,
            _ => Kind::Other,
        }));
        kinds
    }
}

/// A value without its trailing blanks, if they are all ASCII (else `None`: the general path,
/// which trims Unicode white space too, takes the value).
#[inline]
fn trim_end_ascii(value: &[u8]) -> Option<&[u8]> {
    let end = value
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    match value.get(..end) {
        Some(t) if t.last().is_none_or(|c| c.is_ascii()) => Some(t),
        _ => None,
    }
}

/// The value of a plain decimal number of at most 18 digits (without sign, with no blanks but
/// trailing ones): valid for `int` and `nat`, and for `posint` unless 0.
#[inline]
fn plain_number(value: &[u8]) -> Option<u64> {
    let digits = trim_end_ascii(value)?;
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0'))
    })
}

/// A `true` or `false` value, with trailing blanks.
#[inline]
fn plain_bool(value: &[u8]) -> Option<bool> {
    match trim_end_ascii(value)? {
        b"true" => Some(true),
        b"false" => Some(false),
        _ => None,
    }
}

/// A property name expected at some position of a package stanza, with `name:` as a pattern
/// of the first 16 bytes of a line and the mask of its bytes (a pattern that never matches for
/// a longer name).
#[derive(Debug, Clone, Copy)]
struct Expected<'a> {
    name: &'a str,
    key: usize,
    pattern: u128,
    mask: u128,
}

impl<'a> Expected<'a> {
    fn new(name: &'a str, key: usize) -> Self {
        let mut bytes = [0u8; 16];
        let mut mask = [0u8; 16];
        let (pattern, mask) = if !name.is_empty() && name.len() < 16 {
            bytes[..name.len()].copy_from_slice(name.as_bytes());
            bytes[name.len()] = b':';
            mask[..=name.len()].fill(0xff);
            (u128::from_le_bytes(bytes), u128::from_le_bytes(mask))
        } else {
            (1, 0)
        };
        Expected {
            name,
            key,
            pattern,
            mask,
        }
    }
}

/// Package property names by a hash of `name:` (names under 16 bytes): a direct-mapped cache
/// whose hits are checked against the whole name, so a collision only costs a slower lookup.
#[derive(Debug, Default)]
struct KnownNames<'a> {
    slots: Vec<Expected<'a>>,
}

impl<'a> KnownNames<'a> {
    const BITS: u32 = 7;

    fn slot(masked: u128) -> usize {
        let folded = (masked as u64) ^ ((masked >> 64) as u64).rotate_left(29);
        (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize
    }

    /// The property whose `name:` starts the 16 bytes `line`, if known.
    #[inline]
    fn find(&self, line: u128) -> Option<&Expected<'a>> {
        const ONES: u128 = u128::from_le_bytes([1; 16]);
        const HIGHS: u128 = u128::from_le_bytes([0x80; 16]);
        let x = line ^ (ONES * u128::from(b':'));
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found == 0 {
            return None;
        }
        // The mask of `name:`, up to the first colon.
        let bits = found.trailing_zeros() + 1;
        let mask = u128::MAX >> (128 - bits);
        let masked = line & mask;
        let e = self.slots.get(Self::slot(masked))?;
        (e.mask == mask && e.pattern == masked).then_some(e)
    }

    fn insert(&mut self, e: Expected<'a>) {
        if e.mask == 0 {
            return;
        }
        if self.slots.is_empty() {
            self.slots = vec![Expected::new("", 0); 1 << Self::BITS];
            for slot in &mut self.slots {
                slot.pattern = 1;
                slot.mask = 0;
            }
        }
        let i = Self::slot(e.pattern);
        self.slots[i] = e;
    }
}

/// The offset of the first `\n` in `b`, eight bytes at a time.
#[inline]
fn find_newline(b: &[u8]) -> Option<usize> {
    use crate::lex::{HIGHS, ONES};
    let mut i = 0;
    while let Some(chunk) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let x = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b'\n'));
        // The lowest high bit set marks the first zero byte of x, i.e. the first `\n`.
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == b'\n').map(|k| i + k)
}

/// Drops leading spaces and tabs.
#[inline]
fn trim_start_blanks(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(b' ' | b'\t') => s.trim_start_matches([' ', '\t']),
        _ => s,
    }
}

fn after_request(line: u32) -> ParseError {
    ParseError::new(
        line,
        1,
        "nothing may follow the `request:` stanza, which ends a CUDF document",
    )
}

/// Checks a vpkg list precisely, with the error a user sees. `eq_only` restricts constraints to
/// `=` (veqpkglist).
fn check_vpkg_list(prop: &Prop<'_>, eq_only: bool) -> Result<(), ParseError> {
    let s: &str = &prop.value;
    let mut c = Cursor::new(s);
    c.skip_ws();
    if c.at_end() {
        return Ok(());
    }
    loop {
        let before = c.pos;
        let (_, constraint) = c.vpkg().map_err(|(off, m)| prop.error(off, m))?;
        if eq_only && !matches!(constraint.0, None | Some((RelOp::Eq, _))) {
            return Err(prop.error(
                before,
                "`provides` takes only `=` constraints (a veqpkglist)",
            ));
        }
        match c.peek() {
            None => return Ok(()),
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

/// Checks a `depends` formula precisely, with the error a user sees.
fn check_formula(prop: &Prop<'_>) -> Result<(), ParseError> {
    let s: &str = &prop.value;
    let t = trim(s);
    if t == "true!" || t == "false!" {
        return Ok(());
    }
    let mut c = Cursor::new(s);
    loop {
        c.vpkg().map_err(|(off, m)| {
            prop.error(
                off,
                format!("{m} (a vpkgformula is `true!`, `false!` or vpkgs joined by `,` and `|`)"),
            )
        })?;
        match c.peek() {
            Some(b'|') | Some(b',') => c.pos += 1,
            None => return Ok(()),
            Some(_) => {
                return Err(prop.error(
                    c.pos,
                    format!("expected `,`, `|` or the end of the formula, {}", c.found()),
                ))
            }
        }
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
pub(crate) fn scan_vpkg_list(
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
pub(crate) fn scan_vpkg_formula(
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

    /// A document large enough for the two-part path, with extra properties (borrowed and
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
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n",
            doc.preamble, doc.properties, doc.packages, doc.request, doc.vpkgs, doc.names,
        );
        for p in doc.package_ids() {
            let depends: Vec<Vec<String>> = doc
                .depends(p)
                .map(|c| c.iter().map(|v| doc.display_vpkg(*v)).collect())
                .collect();
            let conflicts: Vec<String> = doc
                .conflicts(p)
                .iter()
                .map(|v| doc.display_vpkg(*v))
                .collect();
            out += &format!(
                "{:?} {depends:?} {conflicts:?}\n",
                doc.extras(p).collect::<Vec<_>>()
            );
        }
        for n in 0..doc.name_count() as u32 {
            let n = crate::NameId(n);
            out += &format!("{:?} {:?}\n", doc.versions_of(n), doc.providers_of(n));
            assert_eq!(doc.name_id(doc.name(n)), Some(n));
        }
        out
    }

    #[test]
    fn two_parts_build_the_one_part_document() {
        let text = big_document(40_000);
        assert!(text.len() >= PARALLEL_MIN_LEN);
        let (exact, exact_lines) = parse_exact(&text).unwrap();
        let (fast, fast_lines) = parse_fast(&text).expect("the two-part path applies");
        assert_eq!(fast_lines, exact_lines);
        let (a, b) = (summary(&fast), summary(&exact));
        if let Some((x, y)) = a.lines().zip(b.lines()).find(|(x, y)| x != y) {
            let at = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
            let show = |s: &str| s[at.saturating_sub(200)..(at + 200).min(s.len())].to_string();
            panic!("two parts: {}\none part: {}", show(x), show(y));
        }
        assert_eq!(a.len(), b.len());
    }

    #[test]
    fn errors_in_either_part_fall_back_to_the_exact_first_error() {
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
                // A duplicate of a package of the first part.
                l[i - 1] = bad;
                l[i] = "version: 1";
            } else {
                l[i] = bad;
            }
            let text = l.join("\n");
            assert!(parse_fast(&text).is_none());
            let err = parse(&text).unwrap_err();
            // A duplicate is reported at its `package:` line, other errors at their own line.
            let line = if bad.starts_with("package:") {
                i
            } else {
                i + 1
            };
            assert_eq!(err.line as usize, line, "{err}");
        }
        // A request in the first part, stanzas after it.
        let mut l = lines.clone();
        let i = (at(0.3)..).find(|&i| l[i].is_empty()).unwrap();
        l.insert(i + 1, "request: early\n");
        let text = l.join("\n");
        assert!(parse_fast(&text).is_none());
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nothing may follow"), "{err}");
    }

    #[test]
    fn a_duplicate_package_is_reported_before_a_later_syntax_error() {
        let text = "package: a\nversion: 1\n\npackage: a\nversion: 1\n\npackage: b\nversion: x\n";
        let err = parse(text).unwrap_err();
        assert_eq!((err.line, err.column), (4, 1), "{err}");
        assert!(err.message.contains("duplicate package `a = 1`"), "{err}");
    }

    #[test]
    fn the_fast_relation_scan_agrees_with_the_precise_reader() {
        for value in [
            "a",
            "a, b",
            "a | b >= 2, c",
            " a  >=  +3 ",
            "a = 1 | b",
            "",
            " ",
            "a,",
            ",a",
            "a |",
            "a >= 0",
            "a >= 00",
            "a >= 007",
            "a != 2",
            "a ! 2",
            "a == 2",
            "a >",
            "a > x",
            "a >= 99999999999999999999",
            "a >= 18446744073709551615",
            "true!",
            "false!",
            "true! ",
            "a b",
            "a\t|\tb",
            "a =2",
            "a<2",
            "a<=2,b>2",
            "a, true!",
            "é",
        ] {
            let precise_formula = scan_vpkg_formula(value, |_| {}).is_ok();
            if formula_ok(value.as_bytes()) {
                assert!(precise_formula, "formula {value:?}");
            }
            for eq in [false, true] {
                let precise = scan_vpkg_list(value, |_, c| {
                    let _ = c;
                })
                .is_ok()
                    && (!eq || {
                        let mut all = true;
                        let _ = scan_vpkg_list(value, |_, c| {
                            all &= matches!(c.0, None | Some((RelOp::Eq, _)))
                        });
                        all
                    });
                if vpkg_list_ok(value.as_bytes(), eq) {
                    assert!(precise, "list {value:?} eq={eq}");
                }
            }
        }
        // The common shapes take the fast path.
        assert!(formula_ok(b"libc6 >= 23 | libc7, foo"));
        assert!(vpkg_list_ok(b"a, b = 2", true));
    }
}
