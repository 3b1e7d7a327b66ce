//! Joining the parts of a document read apart into one document: its names, and the per-name
//! index.
//!
//! The parts do not intern names while they are read: a name table of tens of thousands of
//! names is larger than the cache that the text streams through, so every lookup would wait for
//! memory, on both threads and again when the parts are joined. A part notes each name it meets
//! (where it is, and its hash) and uses the note's number as the name's id; [`intern_names`]
//! then takes all notes at once, in the order of the table slots they fall in, so that the
//! table is filled by one sweep from start to end, and gives ids in document order.

use super::Decls;
use hashbrown::HashTable;

use crate::model::{
    name_hash, Document, Extras, Package, PerPackage, PkgId, Request, Span, TextRef, Vpkg,
    VpkgList, OWNED,
};
use crate::ParseError;

/// One part of a document, read on its own: a document whose name ids are indices into its
/// `names` (one note per occurrence; consecutive equal names share one) and whose lines count
/// from the part's first line. `TextRef`s with the `OWNED` bit index its `owned_text`.
#[derive(Debug, Default)]
pub(super) struct Part<'a> {
    pub(super) doc: Document<'a>,
    /// Each name met, in the order met: where it is, and its hash.
    pub(super) names: Vec<(TextRef, u64)>,
    pub(super) stanzas: u32,
    /// The number of lines read.
    pub(super) lines: u32,
}

/// The names met in a document's parts, to be interned by [`intern_names`]: the parts' owned
/// texts, joined, and every name note, in document order (a later part's notes shifted to the
/// joined owned text).
#[derive(Debug, Default)]
pub(super) struct NameJob {
    pub(super) owned: String,
    pub(super) notes: Vec<(TextRef, u64)>,
    /// The number of the first part's notes.
    first_notes: usize,
    /// The sweep orders of the first part's notes and of the later parts' (numbered from the
    /// first of them), when the threads that read the parts made them.
    runs: Option<(SweepOrder, SweepOrder)>,
}

impl NameJob {
    /// Interns the names of `text` (the document's text) and this job's owned text.
    pub(super) fn run(&self, text: &str) -> Interned {
        let sorted = match &self.runs {
            Some((first, later)) => merge_sweep(first, later, self.first_notes as u32),
            None => sweep_order(self.notes.iter().map(|&(_, hash)| hash)),
        };
        intern_names(text, &self.owned, &self.notes, &sorted)
    }
}

/// Builds the document from its parts, in order: the first part's document grows by the
/// others, whose spans and lines are shifted; then every name met is interned (ids in
/// document order, as if read in one part) and the per-name index is built; a duplicate
/// (package, version) is an error.
///
/// `helper`, if given, interns the names while the parts are joined: it is handed the
/// [`NameJob`] and gives back the job and its result, or `None` if it could not (the names are
/// then interned here). `runs`: the [`sweep_order`] of the first part's notes and of the later
/// parts' notes, if the threads that read them made them.
pub(super) fn assemble<'a>(
    decls: Decls,
    parts: Vec<Part<'a>>,
    helper: Option<&dyn NameHelper>,
    runs: Option<(SweepOrder, SweepOrder)>,
) -> Result<Document<'a>, ParseError> {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Ok(Document::new());
    };
    let mut doc = first.doc;
    let mut job = NameJob {
        owned: std::mem::take(&mut doc.owned_text),
        first_notes: first.names.len(),
        notes: first.names,
        runs,
    };
    doc.properties = decls.properties;
    doc.extra_ids = decls.ids;
    // The names of all parts first: the interning needs them, and only them (and the text).
    let mut later = Vec::with_capacity(parts.len());
    for part in parts {
        let owned_base = job.owned.len() as u32;
        job.owned.push_str(&part.doc.owned_text);
        let name_base = job.notes.len() as u32;
        job.notes.extend(
            part.names
                .iter()
                .map(|&(r, hash)| (shifted(r, owned_base), hash)),
        );
        later.push((part, owned_base, name_base));
    }
    let text = doc.text;
    let handed = match helper {
        Some(helper) if !later.is_empty() => helper.start(job),
        _ => Err(job),
    };
    // The later parts' packages join the first's while the helper, if any, interns the names.
    let joined = join_parts(&mut doc, first.lines, later);
    let (job, interned) = match handed {
        Ok(()) => match helper.and_then(|h| h.finish()) {
            Some(done) => done,
            // Only the fast path has a helper: it then reads the document again, alone.
            None => return Err(ParseError::new(1, 1, "the helper thread failed")),
        },
        Err(job) => {
            let interned = job.run(text);
            (job, interned)
        }
    };
    // Freed only now: unmapping memory while the other thread runs interrupts it.
    drop(joined);
    doc.owned_text = job.owned;
    doc.names = interned.names;
    doc.name_table = interned.table;
    let ids = interned.ids;
    let id = |n: crate::NameId| ids.get(n.0 as usize).copied().unwrap_or(n);
    for p in &mut doc.packages {
        p.name = id(p.name);
    }
    for v in &mut doc.vpkgs {
        v.name = id(v.name);
    }
    index(&mut doc)?;
    Ok(doc)
}

/// Another thread that can intern a document's names (see [`assemble`]).
pub(super) trait NameHelper {
    /// Hands over the job; gives it back if the helper cannot take it.
    fn start(&self, job: NameJob) -> Result<(), NameJob>;
    /// Waits for the job handed over and its result; `None` if the helper failed.
    fn finish(&self) -> Option<(NameJob, Interned)>;
}

/// A place in a later part's text, in the joined document (owned text is appended).
fn shifted(r: TextRef, owned_base: u32) -> TextRef {
    if r.len & OWNED != 0 {
        TextRef {
            start: r.start + owned_base,
            len: r.len,
        }
    } else {
        r
    }
}

/// Appends the later parts (each with where its owned text and its name notes start in the
/// joined document) to `doc`, the first part's document, whose part has `lines` lines: their
/// packages, request items, extras and warnings, with spans and lines shifted. Name ids stay
/// note numbers.
fn join_parts<'a>(
    doc: &mut Document<'a>,
    lines: u32,
    later: Vec<(Part<'a>, u32, u32)>,
) -> Vec<Part<'a>> {
    let mut line_base = lines;
    let mut done = Vec::with_capacity(later.len());
    for (mut part, owned_base, name_base) in later {
        let other = &mut part.doc;
        let shift = |r: TextRef| shifted(r, owned_base);
        let rename = |n: crate::NameId| crate::NameId(n.0 + name_base);
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
        doc.warnings.extend(other.warnings.drain(..).map(|mut w| {
            w.line += line_base;
            w
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
        done.push(part);
    }
    done
}

/// The bits of a name's hash that order the sweep: the table's slot is the hash's low bits.
const SWEEP_BITS: u32 = 22;
/// Bits per pass of the radix sort.
const RADIX_BITS: u32 = 11;

/// The names of a document, interned: each distinct name's text (its id is its index), the
/// table that finds ids by hash, and the id of each name note.
pub(super) struct Interned {
    names: Vec<TextRef>,
    table: HashTable<(u32, u32)>,
    ids: Vec<crate::NameId>,
}

/// Interns the names met (`notes[i]` is where the `i`th is, in `text` or `owned`, and its
/// hash; `sorted` is their [`sweep_order`]): each distinct name gets the next id at its first
/// occurrence.
fn intern_names(
    text: &str,
    owned: &str,
    notes: &[(TextRef, u64)],
    sorted: &[(u32, u32)],
) -> Interned {
    let text_of = |r: TextRef| crate::model::text_of(text, owned, r);
    let note = |i: u32| notes.get(i as usize).copied().unwrap_or_default();
    // first[i]: the first occurrence of the `i`th name. Occurrences whose hashes agree in the
    // sorted bits are neighbours in `sorted`, in document order (the sort is stable).
    let mut first: Vec<u32> = (0..notes.len() as u32).collect();
    // Whether `sorted[j]` is the first occurrence of its name.
    let mut is_first = vec![true; sorted.len()];
    let mut run = 0;
    for j in 1..sorted.len() {
        let (key, i) = sorted[j];
        if sweep_key(key) != sweep_key(sorted[j - 1].0) {
            run = j;
            continue;
        }
        let (r, hash) = note(i);
        let earlier = (run..j).find(|&m| {
            let (other, other_hash) = note(sorted[m].1);
            is_first[m] && other_hash == hash && text_of(other) == text_of(r)
        });
        if let Some(m) = earlier {
            first[i as usize] = sorted[m].1;
            is_first[j] = false;
        }
    }
    let distinct = is_first.iter().filter(|&&f| f).count();
    let mut names = Vec::with_capacity(distinct);
    let mut ids = Vec::with_capacity(notes.len());
    for (i, &(r, _)) in notes.iter().enumerate() {
        let f = first[i] as usize;
        let id = if f == i {
            names.push(r);
            crate::NameId(names.len() as u32 - 1)
        } else {
            ids[f]
        };
        ids.push(id);
    }
    // The table, filled in slot order. Every name is new to it: no lookup.
    let mut table = HashTable::with_capacity(distinct);
    let rehash = |&(id, _): &(u32, u32)| name_hash(text_of(names[id as usize]));
    for (&(_, i), _) in sorted.iter().zip(&is_first).filter(|(_, &f)| f) {
        let hash = note(i).1;
        let id = ids[i as usize].0;
        table.insert_unique(hash, (id, (hash >> 32) as u32), rehash);
    }
    Interned { names, table, ids }
}

/// Name notes in the order of the table slots their names fall in: each is the low half of
/// its hash and its number, ordered by the low [`SWEEP_BITS`] of the hash; equal keys keep
/// their numbers' order.
pub(super) type SweepOrder = Vec<(u32, u32)>;

/// The bits of a sweep-order key that order it.
fn sweep_key(key: u32) -> u32 {
    key & ((1 << SWEEP_BITS) - 1)
}

/// The [`SweepOrder`] of notes with these hashes, numbered from 0 (a stable radix sort).
pub(super) fn sweep_order(hashes: impl Iterator<Item = u64>) -> SweepOrder {
    let mut items: SweepOrder = hashes
        .enumerate()
        .map(|(i, hash)| (hash as u32, i as u32))
        .collect();
    let mut out = vec![(0, 0); items.len()];
    let digits = 1usize << RADIX_BITS;
    for pass in 0..SWEEP_BITS.div_ceil(RADIX_BITS) {
        let shift = pass * RADIX_BITS;
        let digit = |x: u32| ((x >> shift) as usize) & (digits - 1);
        let mut starts = vec![0usize; digits + 1];
        for &(key, _) in &items {
            starts[digit(key) + 1] += 1;
        }
        for d in 0..digits {
            starts[d + 1] += starts[d];
        }
        for &item in &items {
            let slot = &mut starts[digit(item.0)];
            if let Some(place) = out.get_mut(*slot) {
                *place = item;
            }
            *slot += 1;
        }
        std::mem::swap(&mut items, &mut out);
    }
    items
}

/// Merges the sweep orders of two runs of notes, the second numbered from `base` on; equal
/// keys keep the first run's notes first (they come first in the document).
fn merge_sweep(first: &[(u32, u32)], later: &[(u32, u32)], base: u32) -> SweepOrder {
    let mut out = Vec::with_capacity(first.len() + later.len());
    let (mut a, mut b) = (first.iter().peekable(), later.iter().peekable());
    loop {
        let take_first = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => sweep_key(x.0) <= sweep_key(y.0),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_first {
            out.extend(a.next().copied());
        } else {
            out.extend(b.next().map(|&(key, i)| (key, i + base)));
        }
    }
    out
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
    // The versions in the same order, so that looking for duplicates reads them in a row
    // instead of from packages all over the document.
    let mut versions = vec![0; doc.packages.len()];
    for (i, p) in doc.packages.iter().enumerate() {
        let slot = &mut fill[p.name.0 as usize];
        by_name[*slot as usize] = PkgId(i as u32);
        versions[*slot as usize] = p.version;
        *slot += 1;
    }
    for n in 0..names {
        let range = starts[n] as usize..starts[n + 1] as usize;
        let of_name = &versions[range.clone()];
        for (k, &v) in of_name.iter().enumerate().skip(1) {
            if let Some(j) = of_name[..k].iter().position(|&w| w == v) {
                let (p, first) = (by_name[range.start + k], by_name[range.start + j]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_ids_at_their_first_occurrence_whatever_their_hashes() {
        // Occurrences of `a b a c b d e`, with hashes made to collide: `a` and `b` have the
        // same hash (the texts tell them apart), `c` agrees with them in the sorted bits only,
        // `e` sorts first.
        let text = "a b a c b d e";
        let same = 0xdead_beef_0012_3456;
        let hashes = [same, same, same, same ^ (1 << 40), same, 7, 1];
        let names: Vec<(TextRef, u64)> = text
            .split(' ')
            .zip(hashes)
            .enumerate()
            .map(|(i, (_, hash))| {
                (
                    TextRef {
                        start: 2 * i as u32,
                        len: 1,
                    },
                    hash,
                )
            })
            .collect();
        let sorted = sweep_order(names.iter().map(|&(_, hash)| hash));
        let interned = intern_names(text, "", &names, &sorted);
        let ids: Vec<u32> = interned.ids.iter().map(|n| n.0).collect();
        assert_eq!(ids, [0, 1, 0, 2, 1, 3, 4]);
        // The same from two runs sorted apart (as the two threads do), merged.
        for split in 0..=names.len() {
            let (a, b) = names.split_at(split);
            let a = sweep_order(a.iter().map(|&(_, hash)| hash));
            let b = sweep_order(b.iter().map(|&(_, hash)| hash));
            let merged = merge_sweep(&a, &b, split as u32);
            assert_eq!(merged, sorted, "split at {split}");
        }
        let doc = Document {
            text,
            names: interned.names,
            name_table: interned.table,
            ..Document::new()
        };
        let texts: Vec<&str> = (0..doc.names.len() as u32)
            .map(|n| doc.name(crate::NameId(n)))
            .collect();
        assert_eq!(texts, ["a", "b", "c", "d", "e"]);
        assert_eq!(doc.name_table.len(), 5);
    }

    #[test]
    fn the_sweep_order_is_stable_and_sorted_by_the_low_bits() {
        let hashes = [5u64, 3, 5 | 1 << 30, 1 << 21, 3, 0];
        // Bit 30 is beyond the sorted bits: 0 and 2 tie, and keep their order.
        let order: Vec<u32> = sweep_order(hashes.into_iter())
            .iter()
            .map(|&(_, i)| i)
            .collect();
        assert_eq!(order, [5, 1, 4, 0, 2, 3]);
        // Merged with a second run numbered from 6: ties keep the first run first.
        let later = sweep_order([3u64, 1 << 22].into_iter());
        let merged: Vec<u32> = merge_sweep(&sweep_order(hashes.into_iter()), &later, 6)
            .iter()
            .map(|&(_, i)| i)
            .collect();
        // 1 << 22 is beyond the sorted bits too: it ties with 0 and 5, after them.
        assert_eq!(merged, [5, 7, 1, 4, 6, 0, 2, 3]);
    }
}
