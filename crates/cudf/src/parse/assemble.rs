//! Joining the parts of a document read apart into one document, and the per-name index.

use super::Decls;
use crate::model::{
    name_hash, Document, Extras, Package, PerPackage, PkgId, Request, Span, TextRef, Vpkg,
    VpkgList, OWNED,
};
use crate::ParseError;

/// One part of a document, read on its own: a document whose name ids are its own and whose
/// lines count from the part's first line. `TextRef`s with the `OWNED` bit index its
/// `owned_text`.
#[derive(Debug, Default)]
pub(super) struct Part<'a> {
    pub(super) doc: Document<'a>,
    /// The hash of each name of `doc`, so that joining parts never reads names again.
    pub(super) hashes: Vec<u64>,
    pub(super) stanzas: u32,
    /// The number of lines read.
    pub(super) lines: u32,
}

/// Builds the document from its parts, in order: the first part's document grows by the
/// others, whose names are interned into it (so that ids come in document order, as if read in
/// one part), whose spans and lines are shifted. Then the per-name index is built; a duplicate
/// (package, version) is an error.
pub(super) fn assemble<'a>(decls: Decls, parts: Vec<Part<'a>>) -> Result<Document<'a>, ParseError> {
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
