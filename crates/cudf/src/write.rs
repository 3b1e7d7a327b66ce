//! The CUDF writer: the inverse of [`crate::parse`].

use std::fmt::Write;

use crate::model::{Document, Keep, PkgId, PropType, Vpkg, VpkgList};

fn write_list(doc: &Document<'_>, list: VpkgList, out: &mut String) {
    write_vpkgs(doc, doc.vpkgs(list), out);
}

fn write_vpkgs(doc: &Document<'_>, vpkgs: &[Vpkg], out: &mut String) {
    for (i, v) in vpkgs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&doc.display_vpkg(*v));
    }
}

fn write_formula(doc: &Document<'_>, clauses: &[&[Vpkg]], out: &mut String) {
    if clauses.iter().any(|c| c.is_empty()) {
        out.push_str("false!");
        return;
    }
    for (i, clause) in clauses.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, v) in clause.iter().enumerate() {
            if j > 0 {
                out.push_str(" | ");
            }
            out.push_str(&doc.display_vpkg(*v));
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Writes one package stanza (without the separating blank line).
pub fn write_package(doc: &Document<'_>, id: PkgId, out: &mut String) {
    let p = doc.package(id);
    let _ = writeln!(out, "package: {}", doc.name(p.name));
    let _ = writeln!(out, "version: {}", p.version);
    let depends: Vec<&[Vpkg]> = doc.depends(id).collect();
    if !depends.is_empty() {
        out.push_str("depends: ");
        write_formula(doc, &depends, out);
        out.push('\n');
    }
    let conflicts = doc.conflicts(id);
    if !conflicts.is_empty() {
        out.push_str("conflicts: ");
        write_vpkgs(doc, conflicts, out);
        out.push('\n');
    }
    let provides = doc.provides(id);
    if !provides.is_empty() {
        out.push_str("provides: ");
        write_vpkgs(doc, provides, out);
        out.push('\n');
    }
    if p.installed {
        out.push_str("installed: true\n");
    }
    if p.was_installed {
        out.push_str("was-installed: true\n");
    }
    if p.keep != Keep::None {
        let _ = writeln!(out, "keep: {}", p.keep.as_str());
    }
    for (prop, value) in doc.extras(id) {
        let _ = writeln!(out, "{}: {}", doc.property(prop).name, value);
    }
}

/// Writes a whole document as CUDF text.
pub fn write_document(doc: &Document<'_>) -> String {
    let mut out = String::new();
    if let Some(pre) = &doc.preamble {
        let _ = writeln!(out, "preamble: {}", pre.id);
        if !doc.properties.is_empty() {
            out.push_str("property: ");
            for (i, decl) in doc.properties.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: {}", decl.name, decl.ty);
                if let Some(default) = &decl.default {
                    if decl.ty == PropType::String {
                        let _ = write!(out, " = [{}]", quote(default));
                    } else {
                        let _ = write!(out, " = [{default}]");
                    }
                }
            }
            out.push('\n');
        }
        for (key, value) in [
            ("univ-checksum", &pre.univ_checksum),
            ("status-checksum", &pre.status_checksum),
            ("req-checksum", &pre.req_checksum),
        ] {
            if let Some(v) = value {
                let _ = writeln!(out, "{key}: {v}");
            }
        }
        out.push('\n');
    }
    for id in doc.package_ids() {
        write_package(doc, id, &mut out);
        out.push('\n');
    }
    if let Some(req) = &doc.request {
        let _ = writeln!(out, "request: {}", req.id);
        for (key, list) in [
            ("install", req.install),
            ("remove", req.remove),
            ("upgrade", req.upgrade),
        ] {
            if list.0.len > 0 {
                let _ = write!(out, "{key}: ");
                write_list(doc, list, &mut out);
                out.push('\n');
            }
        }
    }
    out
}

/// Writes an installation as a MISC solution: one stanza per installed package with
/// `package`, `version` and `installed: true`.
pub fn write_solution(doc: &Document<'_>, installed: &[bool]) -> String {
    let mut out = String::new();
    for id in doc.package_ids() {
        if installed[id.index()] {
            let p = doc.package(id);
            let _ = write!(
                out,
                "package: {}\nversion: {}\ninstalled: true\n\n",
                doc.name(p.name),
                p.version
            );
        }
    }
    out
}
