//! The CUDF document parser (misc-rules.md 5.1–5.3).
//!
//! A document is read in parts: the first stanza (the preamble, which declares the properties
//! every package stanza may use), then the rest in one part, or, when the document is large,
//! in chunks shared by two threads (see `helper`). Each part notes the names it meets (and
//! their hashes); [`assemble`] then takes the later parts into the first, interns all names in
//! document order, and builds the per-name index, so that every way gives the same
//! [`Document`]. Package stanzas, the bulk of a universe, are read line by line without
//! collecting their properties first; `depends`, `conflicts` and `provides` are validated by a
//! fast scan and kept as text, read when someone asks for them, and the extra properties of a
//! stanza of one-line properties are read again from its text when asked for.
//!
//! Errors: the fast path gives up at the first problem, and the document is then read again in
//! one part in the exact mode, which reports the first error in document order (a duplicate
//! package at its stanza, as it is met).
//!
//! Modules by job: this one drives the reading (parts, chunks, stanza order); `helper` is the
//! second thread of a large document; `package` reads package stanzas (the fast path);
//! `preamble` the preamble, its property declarations and the request; `values` checks typed
//! values; `assemble` joins the parts into one document. The vpkg grammar itself is
//! `crate::vpkg`, shared with the document model.

mod assemble;
mod helper;
mod package;
mod preamble;
mod values;

use std::ops::Range;

use rustc_hash::FxHashMap;

use crate::lex::{shorten, Prop, StanzaReader};
use crate::model::{Document, PropDecl, PropId, Version, Vpkg};
use crate::ParseError;

use assemble::{assemble, Part};
use helper::{Helper, Setup};
use package::{Expected, Kind, KnownNames};
pub use values::{
    check_value, parse_vpkg_formula, parse_vpkg_list, read_vpkg_formula, TextFormula,
};
pub(crate) use values::{parse_int_value, trim_end};

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
        return Err(too_large());
    }
    finish(text, parse_fast(text), need_request)
}

fn too_large() -> ParseError {
    ParseError::new(1, 1, "documents over 2 GiB are not supported")
}

/// Parses a CUDF document from bytes, which must be UTF-8 (an error names the line and column
/// of the first bad byte). Like [`parse`], but a large document is checked and read with the
/// help of a second thread from the start.
pub fn parse_bytes(bytes: &[u8]) -> Result<Document<'_>, ParseError> {
    parse_document_bytes(bytes, false)
}

/// [`parse_problem`] from bytes: see [`parse_bytes`].
pub fn parse_problem_bytes(bytes: &[u8]) -> Result<Document<'_>, ParseError> {
    parse_document_bytes(bytes, true)
}

fn parse_document_bytes(bytes: &[u8], need_request: bool) -> Result<Document<'_>, ParseError> {
    if bytes.len() > MAX_DOCUMENT_LEN {
        return Err(too_large());
    }
    if bytes.len() < PARALLEL_MIN_LEN {
        return parse_document(check_utf8(bytes)?, need_request);
    }
    let helper = Helper::new(true);
    std::thread::scope(|scope| {
        let _release = Release(&helper);
        spawn_helper(scope, &helper, bytes);
        let text = check_utf8(bytes)?;
        let fast = read_helped(text, CHUNK_LEN, &helper);
        // Before the exact path, if the fast one failed: the helper waits no longer.
        helper.release();
        finish(text, fast, need_request)
    })
}

/// Starts the helper thread of `helper` (reading `bytes`), and finds out whether it can help:
/// with one CPU it cannot, and is released. (It is started first: finding out costs as much as
/// a tenth of a millisecond.)
fn spawn_helper<'s, 'a: 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    helper: &'s Helper<'a>,
    bytes: &'a [u8],
) {
    if std::thread::Builder::new()
        .spawn_scoped(scope, || helper.run(bytes))
        .is_err()
    {
        helper.absent();
    } else if !std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2) {
        helper.release();
    }
}

/// Releases the helper when the reading thread is done, however it ends.
struct Release<'h, 'a>(&'h Helper<'a>);

impl Drop for Release<'_, '_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// The document from the fast path's result (or, if it failed, from the exact path), with its
/// lenient warnings; a problem needs its request.
fn finish<'a>(
    text: &'a str,
    fast: Option<(Document<'a>, u32, Marks)>,
    need_request: bool,
) -> Result<Document<'a>, ParseError> {
    let (doc, lines, marks) = match fast {
        Some(done) => done,
        None => parse_exact(text)?,
    };
    let mut doc = doc;
    lenient_warnings(text, marks, &mut doc);
    if need_request && doc.request.is_none() {
        return Err(ParseError::new(
            lines.max(1),
            1,
            "the document has no `request:` stanza: a CUDF problem ends with one",
        ));
    }
    Ok(doc)
}

/// Where a part of a document has its first carriage return and its first `_`: noted while the
/// part is read (each stanza's bytes are still in the cache), so that the lenient warnings need
/// no pass of their own over the whole text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Marks {
    carriage_return: Option<usize>,
    underscore: Option<usize>,
}

impl Marks {
    /// Notes the first `\r` and `_` in `bytes`, which start at offset `from` of the text.
    fn note(&mut self, bytes: &[u8], from: usize) {
        if self.carriage_return.is_some() && self.underscore.is_some() {
            return;
        }
        for i in memchr::memchr2_iter(b'\r', b'_', bytes) {
            let slot = if bytes[i] == b'\r' {
                &mut self.carriage_return
            } else {
                &mut self.underscore
            };
            slot.get_or_insert(from + i);
            if self.carriage_return.is_some() && self.underscore.is_some() {
                return;
            }
        }
    }

    /// The marks of a document read in two parts: the first part's first.
    fn then(self, later: Marks) -> Marks {
        Marks {
            carriage_return: self.carriage_return.or(later.carriage_return),
            underscore: self.underscore.or(later.underscore),
        }
    }
}

/// Warnings for what misc reads but libCUDF rejects (misc-rules.md 7.12): CRLF line ends, no
/// line end after the last line, `_` in package names; one warning each, at the first place.
fn lenient_warnings(text: &str, marks: Marks, doc: &mut Document<'_>) {
    // A colon without a space: the parts noted theirs, keep the first.
    let mut tight = false;
    doc.warnings.retain(|w| {
        let is_tight = w.message.starts_with("no space after the colon");
        let keep = !(is_tight && tight);
        tight |= is_tight;
        keep
    });
    let b = text.as_bytes();
    let line_of = |at: usize| memchr::memchr_iter(b'\n', &b[..at]).count() as u32 + 1;
    if let Some(cr) = marks.carriage_return {
        let line = line_of(cr);
        doc.warnings.push(ParseError::new(
            line,
            (cr - b[..cr]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |i| i + 1)) as u32
                + 1,
            "a carriage return (CRLF line ends?): libCUDF, and so cudf-check, rejects it; misc \
             reads `\\r\\n` as a line end",
        ));
    }
    let last_line = &b[b.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1)..];
    if !last_line.is_empty() && last_line[0] != b'#' {
        doc.warnings.push(ParseError::new(
            line_of(b.len()),
            last_line.len() as u32 + 1,
            "the last line has no line end: libCUDF, and so cudf-check, rejects it; misc reads it",
        ));
    }
    if marks.underscore.is_some() {
        if let Some(n) = (0..doc.names.len() as u32)
            .map(crate::NameId)
            .find(|&n| doc.name(n).contains('_'))
        {
            let line = doc
                .versions_of(n)
                .first()
                .map_or(1, |&p| doc.package(p).line);
            doc.warnings.push(ParseError::new(
                line,
                1,
                format!(
                    "package name `{}` has a `_`: CUDF 2.0 (section 2.2.2, `pkgname`) and \
                     libCUDF 0.9 forbid it; misc accepts it",
                    doc.name(n)
                ),
            ));
        }
    }
    doc.warnings.sort_by_key(|w| (w.line, w.column));
}

/// Documents from this size on are read in chunks on two threads.
const PARALLEL_MIN_LEN: usize = 4 << 20;

/// The size of the chunks a large document is cut into (see `helper`).
const CHUNK_LEN: usize = 1 << 20;

/// Reads a document, in chunks on two threads if it is large. `None` on any error: the caller
/// then reads it again in the exact mode, which names the first error. Returns the document
/// and its number of lines.
fn parse_fast(text: &str) -> Option<(Document<'_>, u32, Marks)> {
    parse_fast_from(text, PARALLEL_MIN_LEN, CHUNK_LEN)
}

/// [`parse_fast`], reading documents from `min_len` bytes on in chunks of about `chunk_len`
/// bytes.
fn parse_fast_from(
    text: &str,
    min_len: usize,
    chunk_len: usize,
) -> Option<(Document<'_>, u32, Marks)> {
    if text.len() < min_len {
        return one_part(text);
    }
    let helper = Helper::new(false);
    std::thread::scope(|scope| {
        let _release = Release(&helper);
        spawn_helper(scope, &helper, text.as_bytes());
        read_helped(text, chunk_len, &helper)
    })
}

/// Reads a document in chunks with `helper`, or in one part if it cannot help.
fn read_helped<'a>(
    text: &'a str,
    chunk_len: usize,
    helper: &Helper<'a>,
) -> Option<(Document<'a>, u32, Marks)> {
    if helper.useful() {
        parse_chunks(text, chunk_len, helper)
    } else {
        one_part(text)
    }
}

/// Reads a document in one part, on this thread.
fn one_part(text: &str) -> Option<(Document<'_>, u32, Marks)> {
    let mut first = PartParser::new(text, 0..text.len(), Decls::default(), false);
    first.run().ok()?;
    let (lines, marks) = (first.line, first.marks);
    assemble(first.decls, vec![first.part], None, None)
        .ok()
        .map(|d| (d, lines, marks))
}

/// Where the chunks of `text[from..]` start, cut after blank lines (stanza boundaries), and the
/// end: chunk `c` is `bounds[c]..bounds[c + 1]`. Chunks are about `chunk_len` bytes, and
/// smaller towards the middle, where the two threads meet: the one that runs out of chunks
/// first then waits less for the other's last one.
fn chunk_bounds(text: &str, from: usize, chunk_len: usize) -> Vec<usize> {
    let b = text.as_bytes();
    let middle = from + (b.len() - from) / 2;
    let len_at = |at: usize| {
        (at.abs_diff(middle) / 4)
            .clamp(chunk_len / 8, chunk_len)
            .max(1)
    };
    let mut bounds = vec![from];
    let mut at = from;
    while let Some(k) = b
        .get(at + len_at(at)..)
        .and_then(|rest| memchr::memmem::find(rest, b"\n\n"))
    {
        at += len_at(at) + k + 2;
        if at >= b.len() {
            break;
        }
        bounds.push(at);
    }
    bounds.push(b.len());
    bounds
}

/// Reads a document in chunks: this thread the first stanza (the preamble, which declares the
/// properties every chunk needs), then chunks from the front into one part; the helper takes
/// chunks from the back, and interns the names while the parts are joined.
fn parse_chunks<'a>(
    text: &'a str,
    chunk_len: usize,
    helper: &Helper<'a>,
) -> Option<(Document<'a>, u32, Marks)> {
    let mut first = PartParser::new(text, 0..text.len(), Decls::default(), false);
    first.next_stanza().ok()?;
    let bounds = chunk_bounds(text, first.pos, chunk_len);
    let count = bounds.len() - 1;
    // This part may end up with every chunk: room for the whole document.
    first.capacity_for = text.len() - first.pos;
    first.prepare();
    helper.offer(
        Setup {
            text,
            decls: first.decls.clone(),
            bounds: bounds.clone(),
        },
        count,
    );
    let mut mine = 0;
    while let Some(c) = helper.take_front() {
        first.end = bounds[c + 1];
        first.read_to_end().ok()?;
        mine += 1;
    }
    let (theirs, runs) = if mine == count {
        (Vec::new(), None)
    } else {
        // While the helper reads its last chunk: the sweep order of this part's names.
        let sorted = assemble::sweep_order(first.part.names.iter().map(|&(_, hash)| hash));
        let (theirs, their_sorted) = helper.parts()?;
        (theirs, Some((sorted, their_sorted)))
    };
    let helped = !theirs.is_empty();
    let mut lines = first.line;
    let mut marks = first.marks;
    let mut parts = vec![first.part];
    let mut stages = vec![first.stage];
    for p in theirs {
        lines += p.line;
        marks = marks.then(p.marks);
        stages.push(p.stage);
        parts.push(p.part);
    }
    // Nothing may follow the request.
    for (i, stage) in stages.iter().enumerate() {
        if *stage == Stage::AfterRequest && parts[i + 1..].iter().any(|p| p.stanzas > 0) {
            return None;
        }
    }
    let helper: Option<&dyn assemble::NameHelper> = if helped { Some(helper) } else { None };
    assemble(first.decls, parts, helper, runs)
        .ok()
        .map(|d| (d, lines, marks))
}

/// For fuzzing and tests: reads a document both ways, in two parts whatever its size and in one
/// part in the exact mode, and says how they differ (they must not: the two-part path either
/// fails, and the exact one fails too, or gives the same document).
#[doc(hidden)]
pub fn compare_parse_paths(text: &str) -> Result<(), String> {
    let fast = parse_fast_from(text, 0, 64);
    let exact = parse_exact(text);
    match (fast, exact) {
        (None, _) => Ok(()),
        (Some(_), Err(e)) => Err(format!("two parts succeed, one part fails: {e}")),
        (Some((a, la, ma)), Ok((b, lb, mb))) => {
            let (sa, sb) = (describe(&a), describe(&b));
            if la != lb {
                return Err(format!("lines: {la} in two parts, {lb} in one"));
            }
            if ma != mb {
                return Err(format!("marks: {ma:?} in two parts, {mb:?} in one"));
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
fn parse_exact(text: &str) -> Result<(Document<'_>, u32, Marks), ParseError> {
    let mut parser = PartParser::new(text, 0..text.len(), Decls::default(), true);
    parser.run()?;
    let (lines, marks) = (parser.line, parser.marks);
    let doc = assemble(parser.decls, vec![parser.part], None, None)?;
    Ok((doc, lines, marks))
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
    /// Whether a colon without a space after it was noted.
    tight_noted: bool,
    /// The first `\r` and `_` of the part's stanzas read so far.
    marks: Marks,
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
            tight_noted: false,
            marks: Marks::default(),
            seen: exact.then(FxHashMap::default),
        }
    }

    fn run(&mut self) -> Result<(), ParseError> {
        self.prepare();
        self.read_to_end()
    }

    /// Gets ready to read the package stanzas: the property kinds, and room for the part.
    fn prepare(&mut self) {
        self.learn_kinds();
        let size = self.capacity_for;
        let doc = &mut self.part.doc;
        doc.packages.reserve(size / 500);
        self.part.names.reserve(size / 500);
    }

    /// What the fast path does with each property key: again whenever the preamble declares
    /// properties, so that a part read from the start takes its package stanzas' extra
    /// properties on the fast path too.
    fn learn_kinds(&mut self) {
        self.kinds = Kind::of_keys(&self.decls);
        self.successor = vec![Expected::new("", 0); self.kinds.len() + 1];
    }

    /// Reads stanzas up to the part's end.
    fn read_to_end(&mut self) -> Result<(), ParseError> {
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
        let from = self.pos;
        let more = if b[self.pos..self.end].starts_with(b"package:") {
            self.package_stanza()?;
            true
        } else {
            // Comments, blank lines of spaces, and the other stanzas: the general reader.
            let mut reader = StanzaReader::resume(&self.text[..self.end], self.pos, self.line);
            let mut props = std::mem::take(&mut self.props);
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
        self.marks.note(&b[from..self.pos], from);
        Ok(more)
    }

    /// Notes a property line whose colon is not followed by a space (libCUDF rejects it),
    /// once per part.
    fn tight_colon(&mut self, line: u32, column: u32) {
        if !self.tight_noted {
            self.tight_noted = true;
            self.part.doc.warnings.push(ParseError::new(
                line,
                column,
                "no space after the colon (libCUDF, and so cudf-check, rejects `name:value` and \
                 `name:<tab>value`; CUDF 2.0 section 2.2.1 writes `name: value`); misc reads it",
            ));
        }
    }

    /// Handles one stanza the general reader read from `text[range]`.
    fn stanza(&mut self, props: &[Prop<'a>], range: Range<usize>) -> Result<(), ParseError> {
        for prop in props {
            let at = prop.name.as_ptr() as usize - self.text.as_ptr() as usize + prop.name.len();
            if self.text.as_bytes().get(at + 1) != Some(&b' ') {
                self.tight_colon(prop.line, prop.name.len() as u32 + 2);
            }
        }
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
}

pub(super) fn after_request(line: u32) -> ParseError {
    ParseError::new(
        line,
        1,
        "nothing may follow the `request:` stanza, which ends a CUDF document",
    )
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

    /// Panics, showing where, if two readings of a document differ.
    fn assert_same(what: &str, fast: &Document<'_>, exact: &Document<'_>) {
        let (a, b) = (summary(fast), summary(exact));
        if let Some((x, y)) = a.lines().zip(b.lines()).find(|(x, y)| x != y) {
            let at = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
            let show = |s: &str| s[at.saturating_sub(200)..(at + 200).min(s.len())].to_string();
            panic!("{what}: {}\none part: {}", show(x), show(y));
        }
        assert_eq!(a.len(), b.len(), "{what}");
    }

    #[test]
    fn chunks_build_the_one_part_document() {
        let text = big_document(40_000);
        assert!(text.len() >= PARALLEL_MIN_LEN);
        let (exact, exact_lines, exact_marks) = parse_exact(&text).unwrap();
        let (fast, fast_lines, fast_marks) = parse_fast(&text).expect("the chunked path applies");
        assert_eq!(fast_lines, exact_lines);
        assert_eq!(fast_marks, exact_marks);
        assert_same("chunks", &fast, &exact);
        // Many small chunks, most of them parts of their own.
        for chunk_len in [64, 5_000, 300_000] {
            let (fast, lines, _) = parse_fast_from(&text, 0, chunk_len).unwrap();
            assert_eq!(lines, exact_lines);
            assert_same(&format!("chunks of {chunk_len} bytes"), &fast, &exact);
        }
    }

    #[test]
    fn one_part_reads_a_valid_document_on_the_fast_path() {
        // As on a machine with one CPU, or for a small document: one part, no helper. It
        // must build what the chunks build, down to how it keeps each stanza's extra
        // properties (read again from the text when the fast path took the whole stanza);
        // a slow path taken by mistake keeps them apart.
        let text = big_document(5_000);
        let (chunks, chunk_lines, _) = parse_fast_from(&text, 0, 100_000).unwrap();
        let (fast, lines, _) = one_part(&text).expect("the fast path reads it");
        assert_eq!(lines, chunk_lines);
        assert_same("one part", &fast, &chunks);
    }

    #[test]
    fn the_fast_path_knows_every_declared_property_whenever_the_preamble_is_read() {
        // Read from the start, a part meets the preamble after it got ready to read package
        // stanzas: what it knows of each property must then cover the declared ones too, or
        // every extra property takes the slow path (same document, several times slower).
        let text = big_document(100);
        let mut part = PartParser::new(&text, 0..text.len(), Decls::default(), false);
        part.run().unwrap();
        assert_eq!(part.decls.properties.len(), 3);
        assert_eq!(part.kinds.len(), CORE_KEYS + 3);
        assert_eq!(part.successor.len(), CORE_KEYS + 3 + 1);
    }

    #[test]
    fn the_reading_thread_reads_every_chunk_when_no_helper_comes() {
        // A helper that could not be started, and one that has not started yet: the reading
        // thread takes every chunk and does not wait.
        let text = big_document(5_000);
        let (exact, exact_lines, _) = parse_exact(&text).unwrap();
        for started in [false, true] {
            let helper = Helper::new(false);
            if !started {
                helper.absent();
            }
            let (fast, lines, _) = parse_chunks(&text, 10_000, &helper).unwrap();
            assert_eq!(lines, exact_lines);
            assert_same("no helper", &fast, &exact);
        }
    }

    #[test]
    fn bytes_are_checked_and_read_as_the_text_is() {
        let text = big_document(40_000);
        let from_bytes = parse_problem_bytes(text.as_bytes()).unwrap();
        let from_text = parse_problem(&text).unwrap();
        assert_same("from bytes", &from_bytes, &from_text);
        // A bad byte late in the document: the error names its line and column, as the
        // one-thread check does.
        let mut bytes = text.into_bytes();
        let at = bytes.len() * 7 / 8;
        let at = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 3;
        bytes[at] = 0xff;
        let err = parse_problem_bytes(&bytes).unwrap_err();
        let expected = check_utf8(&bytes).unwrap_err();
        assert_eq!((err.line, err.column), (expected.line, expected.column));
        assert_eq!(err.column, 3, "{err}");
        assert!(err.message.contains("UTF-8"), "{err}");
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
    fn lenient_warnings_name_the_first_carriage_return_and_underscore_in_either_part() {
        // misc-rules.md 7.12: misc reads CRLF line ends and `_` in names, and warns at the
        // first place. Both are noted while each part is read; here only the second part has
        // them.
        let text = big_document(40_000);
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let cr = (lines.len() * 3 / 4..)
            .find(|&i| lines[i].starts_with("version:"))
            .unwrap();
        lines[cr].push('\r');
        let under = (lines.len() * 9 / 10..)
            .find(|&i| lines[i].starts_with("package:"))
            .unwrap();
        lines[under] = "package: late_name".to_string();
        let text = lines.join("\n") + "\n";
        let (_, _, marks) = parse_fast(&text).expect("the two-part path applies");
        let doc = parse(&text).unwrap();
        let at = |needle: &str| {
            doc.warnings
                .iter()
                .find(|w| w.message.contains(needle))
                .map(|w| (w.line as usize, w.column))
        };
        assert_eq!(
            at("carriage return"),
            Some((cr + 1, 11)),
            "{:?}",
            doc.warnings
        );
        assert_eq!(at("late_name"), Some((under + 1, 1)), "{:?}", doc.warnings);
        assert!(marks.carriage_return.is_some_and(|c| c > text.len() / 2));
        // Without them, no warning.
        let plain = big_document(40_000);
        let doc = parse(&plain).unwrap();
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    }

    #[test]
    fn a_duplicate_package_is_reported_before_a_later_syntax_error() {
        let text = "package: a\nversion: 1\n\npackage: a\nversion: 1\n\npackage: b\nversion: x\n";
        let err = parse(text).unwrap_err();
        assert_eq!((err.line, err.column), (4, 1), "{err}");
        assert!(err.message.contains("duplicate package `a = 1`"), "{err}");
    }
}
