//! Package stanzas, the bulk of a universe: read line by line, property names found by a
//! masked compare, one-line values of the common types checked without building a property.

use std::borrow::Cow;
use std::ops::Range;

use super::values::{bool_value, check_relation, check_value, trim, trim_end};
use super::{
    after_request, Decls, PartParser, Stage, CORE_KEYS, K_CONFLICTS, K_DEPENDS, K_INSTALLED,
    K_KEEP, K_PACKAGE, K_PROVIDES, K_VERSION, K_WAS_INSTALLED,
};
use crate::lex::{is_ident_byte, is_pkgname_byte, property_line, shorten, Prop, StanzaReader};
use crate::model::{name_hash, Extras, Keep, Package, PropId, PropType, Span, TextRef, OWNED};
use crate::vpkg::{self, Shape};
use crate::ParseError;

impl<'a> PartParser<'a> {
    /// Reads a package stanza line by line, from its `package:` line to the blank line (or the
    /// end) that closes it.
    pub(super) fn package_stanza(&mut self) -> Result<(), ParseError> {
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
                    } else {
                        self.tight_colon(self.line + 1, (v - start) as u32 + 1);
                    }
                    if matches!(b.get(v), Some(b' ' | b'\t')) {
                        while matches!(b.get(v), Some(b' ' | b'\t')) {
                            v += 1;
                        }
                    }
                    let rest = b.get(v..).unwrap_or_default();
                    // A relation (the bulk of a universe's bytes) is checked in the pass that
                    // finds its line's end.
                    let checked = key
                        .and_then(|key| self.relation_shape(key))
                        .and_then(|shape| vpkg::line_ok(rest, shape));
                    let (mut e, next) = match checked.or_else(|| find_newline(rest)) {
                        Some(k) if v + k < b.len() => (v + k, v + k + 1),
                        _ => (b.len(), b.len()),
                    };
                    if checked.is_none() && e > v && b.get(e - 1) == Some(&b'\r') {
                        e -= 1;
                    }
                    self.pos = next;
                    self.line += 1;
                    let continued = matches!(b.get(next), Some(b' ' | b'#'));
                    if let (Some(key), false) = (key, continued) {
                        if checked.is_some() {
                            let at = TextRef {
                                start: v as u32,
                                len: (e - v) as u32,
                            };
                            self.keep_value(&mut pkg, key, at);
                            previous = key;
                            continue;
                        }
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

    pub(super) fn begin_package(&mut self, line: u32) -> Result<Package, ParseError> {
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

    /// Notes a name read from a property's value; the id is the note's number in this part
    /// (names are interned when the parts are joined, see `assemble`). The versions of a
    /// package usually follow one another: a name equal to the last one noted (still in the
    /// cache) is the same note.
    pub(super) fn intern(&mut self, prop: &Prop<'a>, name: &str) -> crate::NameId {
        let hash = name_hash(name);
        if let Some(&(last, last_hash)) = self.part.names.last() {
            if last_hash == hash && self.part.doc.text_of(last) == name {
                return crate::NameId(self.part.names.len() as u32 - 1);
            }
        }
        let at = self.store(prop, name);
        self.part.names.push((at, hash));
        crate::NameId(self.part.names.len() as u32 - 1)
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

    pub(super) fn package_key(&self, prop: &Prop<'a>) -> Result<usize, ParseError> {
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

    /// The shape of a relation property the fast path checks while finding its line's end:
    /// `depends`, `conflicts`, `provides` and extra formulas and lists, the first time in
    /// the stanza.
    #[inline]
    fn relation_shape(&self, key: usize) -> Option<Shape> {
        if self.stamps.get(key) == Some(&self.stanza_no) {
            return None;
        }
        match self.kinds.get(key)? {
            Kind::Depends | Kind::Formula => Some(Shape::Formula),
            Kind::Conflicts | Kind::List => Some(Shape::List),
            Kind::Provides => Some(Shape::EqList),
            _ => None,
        }
    }

    /// Takes a property whose one-line value, at `at` in the text, is checked already: marks
    /// it seen, and keeps a relation's place (extras are read again from the stanza's text
    /// when asked for).
    #[inline]
    fn keep_value(&mut self, pkg: &mut Package, key: usize, at: TextRef) {
        if let Some(stamp) = self.stamps.get_mut(key) {
            *stamp = self.stanza_no;
        }
        match key {
            K_DEPENDS => pkg.depends = at,
            K_CONFLICTS => pkg.conflicts = at,
            K_PROVIDES => pkg.provides = at,
            // Extras are read again from the stanza's text when asked for.
            _ => {}
        }
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
                if !vpkg::formula_ok(value) {
                    return false;
                }
            }
            Kind::Conflicts | Kind::List => {
                if !vpkg::vpkg_list_ok(value, false) {
                    return false;
                }
            }
            Kind::Provides => {
                if !vpkg::vpkg_list_ok(value, true) {
                    return false;
                }
            }
            Kind::Other => return false,
        }
        self.keep_value(pkg, key, at);
        true
    }

    /// Handles a property of a package stanza.
    pub(super) fn package_value(
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
                pkg.version =
                    vpkg::version_value(value).map_err(|e| prop.error(e.offset, e.to_string()))?;
            }
            K_DEPENDS => {
                if !vpkg::formula_ok(value.as_bytes()) {
                    check_relation(prop, Shape::Formula, &mut self.part.doc.warnings)?;
                }
                pkg.depends = self.store(prop, value);
            }
            K_CONFLICTS => {
                if !vpkg::vpkg_list_ok(value.as_bytes(), false) {
                    check_relation(prop, Shape::List, &mut self.part.doc.warnings)?;
                }
                pkg.conflicts = self.store(prop, value);
            }
            K_PROVIDES => {
                if !vpkg::vpkg_list_ok(value.as_bytes(), true) {
                    check_relation(prop, Shape::EqList, &mut self.part.doc.warnings)?;
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
                    PropType::Vpkgformula => vpkg::formula_ok(value.as_bytes()),
                    PropType::Vpkglist => vpkg::vpkg_list_ok(value.as_bytes(), false),
                    PropType::Veqpkglist => vpkg::vpkg_list_ok(value.as_bytes(), true),
                    _ => false,
                };
                if !fast {
                    check_value(ty, value).map_err(|e| prop.error(e.offset, e.to_string()))?;
                    let shape = match ty {
                        PropType::Vpkg => Some(Shape::Vpkg),
                        PropType::Veqpkg => Some(Shape::Veqpkg),
                        PropType::Vpkgformula => Some(Shape::Formula),
                        PropType::Vpkglist => Some(Shape::List),
                        PropType::Veqpkglist => Some(Shape::EqList),
                        _ => None,
                    };
                    if let Some(Ok(Some(at))) = shape.map(|s| vpkg::check_noting_zero(value, s)) {
                        let warning = super::values::zero_warning(prop, at);
                        self.part.doc.warnings.push(warning);
                    }
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
    pub(super) fn finish_package(
        &mut self,
        mut pkg: Package,
        stanza: Range<usize>,
    ) -> Result<(), ParseError> {
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
            let at = self.part.names.get(pkg.name.0 as usize).map(|&(at, _)| at);
            let name = at.map_or("", |at| self.part.doc.text_of(at)).to_string();
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
}

/// How [`PartParser::fast_value`] handles a property key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
    pub(super) fn of_keys(decls: &Decls) -> Vec<Kind> {
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
pub(super) struct Expected<'a> {
    name: &'a str,
    key: usize,
    pattern: u128,
    mask: u128,
}

impl<'a> Expected<'a> {
    pub(super) fn new(name: &'a str, key: usize) -> Self {
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
pub(super) struct KnownNames<'a> {
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
