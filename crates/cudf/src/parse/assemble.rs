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
use crate::model::{
    Document, Extras, Package, PerPackage, PkgId, Request, Span, TextRef, Vpkg, VpkgList, OWNED,
};
use crate::ParseError;

/// One part of a document, read on its own: a document whose name ids are indices into its
/// `names` (one note per occurrence; consecutive equal names share one) and whose lines count from the part's first
/// line. `TextRef`s with the `OWNED` bit index its `owned_text`.
#[derive(Debug, Default)]
pub(super) struct Part<'a> {
    pub(super) doc: Document<'a>,
    /// Each name met, in the order met: where it is, and its hash.
    pub(super) names: Vec<(TextRef, u64)>,
    pub(super) stanzas: u32,
    /// The number of lines read.
    pub(super) lines: u32,
}

/// Builds the document from its parts, in order: the first part's document grows by the
/// others, whose spans and lines are shifted; then every name met is interned (ids in
/// document order, as if read in one part) and the per-name index is built; a duplicate
/// (package, version) is an error.
pub(super) fn assemble<'a>(decls: Decls, parts: Vec<Part<'a>>) -> Result<Document<'a>, ParseError> {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Ok(Document::new());
    };
    let mut doc = first.doc;
    let mut names = first.names;
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
        let name_base = names.len() as u32;
        names.extend(part.names.iter().map(|&(r, hash)| (shift(r), hash)));
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
    }
    let ids = intern_names(&mut doc, &names);
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

/// The bits of a name's hash that order the sweep: the table's slot is the hash's low bits.
const SWEEP_BITS: u32 = 22;
/// Bits per pass of the radix sort.
const RADIX_BITS: u32 = 11;

/// Interns the names met (`names[i]` is where the `i`th is and its hash) into the document,
/// whose table is empty: each distinct name gets the next id at its first occurrence. Returns
/// the id of each occurrence.
fn intern_names(doc: &mut Document<'_>, names: &[(TextRef, u64)]) -> Vec<crate::NameId> {
    let sorted = sweep_order(names);
    let key = |hash: u64| hash & ((1 << SWEEP_BITS) - 1);
    // first[i]: the first occurrence of the `i`th name. Occurrences whose hashes agree in the
    // sorted bits are neighbours in `sorted`, in document order (the sort is stable).
    let mut first: Vec<u32> = (0..names.len() as u32).collect();
    // Whether `sorted[j]` is the first occurrence of its name.
    let mut is_first = vec![true; sorted.len()];
    let mut run = 0;
    for j in 1..sorted.len() {
        let (hash, i) = sorted[j];
        if key(hash) != key(sorted[j - 1].0) {
            run = j;
            continue;
        }
        let text = |k: u32| doc.text_of(names[k as usize].0);
        let earlier =
            (run..j).find(|&m| is_first[m] && sorted[m].0 == hash && text(sorted[m].1) == text(i));
        if let Some(m) = earlier {
            first[i as usize] = sorted[m].1;
            is_first[j] = false;
        }
    }
    let distinct = is_first.iter().filter(|&&f| f).count();
    doc.reserve_names(distinct);
    let mut ids = Vec::with_capacity(names.len());
    for (i, &(r, _)) in names.iter().enumerate() {
        let f = first[i] as usize;
        let id = if f == i {
            doc.names.push(r);
            crate::NameId(doc.names.len() as u32 - 1)
        } else {
            ids[f]
        };
        ids.push(id);
    }
    // The table, filled in slot order.
    for (&(hash, i), _) in sorted.iter().zip(&is_first).filter(|(_, &f)| f) {
        doc.insert_new_name(ids[i as usize], hash);
    }
    ids
}

/// The occurrences `0..names.len()` with their hashes, ordered by the low [`SWEEP_BITS`] of the
/// hashes; equal keys keep document order (a stable radix sort).
fn sweep_order(names: &[(TextRef, u64)]) -> Vec<(u64, u32)> {
    let mut items: Vec<(u64, u32)> = names
        .iter()
        .enumerate()
        .map(|(i, &(_, hash))| (hash, i as u32))
        .collect();
    let mut out = vec![(0, 0); items.len()];
    let digits = 1usize << RADIX_BITS;
    for pass in 0..SWEEP_BITS.div_ceil(RADIX_BITS) {
        let shift = pass * RADIX_BITS;
        let digit = |x: u64| ((x >> shift) as usize) & (digits - 1);
        let mut starts = vec![0usize; digits + 1];
        for &(hash, _) in &items {
            starts[digit(hash) + 1] += 1;
        }
        for d in 0..digits {
            starts[d + 1] += starts[d];
        }
        for &item in &items {
            let slot = &mut starts[digit(item.0)];
            out[*slot] = item;
            *slot += 1;
        }
        std::mem::swap(&mut items, &mut out);
    }
    items
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_ids_at_their_first_occurrence_whatever_their_hashes() {
        // Occurrences of `a b a c b d e`, with hashes made to collide: `a` and `b` have the
        // same hash (the texts tell them apart), `c` agrees with them in the sorted bits only,
        // `e` sorts first.
        let text = "a b a c b d e";
        let mut doc = Document {
            text,
            ..Document::new()
        };
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
        let ids: Vec<u32> = intern_names(&mut doc, &names).iter().map(|n| n.0).collect();
        assert_eq!(ids, [0, 1, 0, 2, 1, 3, 4]);
        let texts: Vec<&str> = (0..doc.names.len() as u32)
            .map(|n| doc.name(crate::NameId(n)))
            .collect();
        assert_eq!(texts, ["a", "b", "c", "d", "e"]);
        assert_eq!(doc.name_table.len(), 5);
    }

    #[test]
    fn the_sweep_order_is_stable_and_sorted_by_the_low_bits() {
        let hashes = [5u64, 3, 5 | 1 << 30, 1 << 21, 3, 0];
        let names: Vec<(TextRef, u64)> = hashes.iter().map(|&h| (TextRef::default(), h)).collect();
        // Bit 30 is beyond the sorted bits: 0 and 2 tie, and keep their order.
        let order: Vec<u32> = sweep_order(&names).iter().map(|&(_, i)| i).collect();
        assert_eq!(order, [5, 1, 4, 0, 2, 3]);
    }
}
