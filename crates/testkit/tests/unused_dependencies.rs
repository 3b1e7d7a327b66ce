//! No unused dependencies: every dependency a workspace member declares (normal, dev, build or
//! target-specific) is named in that member's Rust code, and every entry of
//! `[workspace.dependencies]` is used by some member.
//!
//! This is the check cargo-machete makes (a dependency counts as used when its crate name
//! appears in a path, a `use` or an `extern crate`, outside comments), written as a test so that
//! CI needs no tool installed (building cargo-machete took minutes on CI's two cores). A false
//! alarm (a dependency needed only for its features, or only by a macro's expansion) is listed
//! in the member's `[package.metadata.cargo-machete] ignored = [...]`, which cargo-machete
//! honours too: `cargo install --locked cargo-machete && cargo machete --with-metadata` gives a
//! second opinion.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    let testkit = Path::new(env!("CARGO_MANIFEST_DIR"));
    testkit
        .parent()
        .and_then(Path::parent)
        .expect("crates/testkit")
        .to_owned()
}

fn read_toml(path: &Path) -> toml::Table {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The member folders of the workspace (`members`, with a trailing `/*` expanded).
fn members(root: &Path, manifest: &toml::Table) -> Vec<PathBuf> {
    let globs = manifest["workspace"]["members"]
        .as_array()
        .expect("workspace.members is an array");
    let mut out = Vec::new();
    for g in globs {
        let g = g.as_str().expect("a member is a string");
        if let Some(parent) = g.strip_suffix("/*") {
            let mut dirs: Vec<PathBuf> = fs::read_dir(root.join(parent))
                .unwrap_or_else(|e| panic!("{parent}: {e}"))
                .map(|e| e.expect("a readable folder entry").path())
                .filter(|p| p.join("Cargo.toml").is_file())
                .collect();
            dirs.sort();
            out.extend(dirs);
        } else {
            out.push(root.join(g));
        }
    }
    out
}

/// The names (as written in Cargo.toml) of every dependency a member declares.
fn declared(manifest: &toml::Table) -> BTreeSet<String> {
    const KINDS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut tables: Vec<&toml::Table> = KINDS
        .iter()
        .filter_map(|k| manifest.get(*k).and_then(|v| v.as_table()))
        .collect();
    if let Some(targets) = manifest.get("target").and_then(|v| v.as_table()) {
        for t in targets.values().filter_map(|v| v.as_table()) {
            tables.extend(
                KINDS
                    .iter()
                    .filter_map(|k| t.get(*k).and_then(|v| v.as_table())),
            );
        }
    }
    tables.into_iter().flat_map(|t| t.keys().cloned()).collect()
}

fn ignored(manifest: &toml::Table) -> BTreeSet<String> {
    let list = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("cargo-machete"))
        .and_then(|m| m.get("ignored"))
        .and_then(|i| i.as_array());
    list.into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Every `.rs` file under `dir`, outside `target` folders.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let path = e.expect("a readable folder entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The member's Rust code without its line comments (doc comments mention crates they do not
/// use).
fn code_of(member: &Path) -> String {
    let mut files = Vec::new();
    rust_files(member, &mut files);
    let mut code = String::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for line in text.lines() {
            let line = line.trim_start();
            if !line.starts_with("//") {
                code.push_str(line);
                code.push('\n');
            }
        }
    }
    code
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `code` uses the crate `name` (underscores for dashes): `name::`, `use name`,
/// `extern crate name`, as a whole word.
fn uses(code: &str, name: &str) -> bool {
    let bytes = code.as_bytes();
    code.match_indices(name).any(|(i, _)| {
        let end = i + name.len();
        let word_start = i == 0 || !is_ident(bytes[i - 1]);
        let word_end = end == bytes.len() || !is_ident(bytes[end]);
        if !word_start || !word_end {
            return false;
        }
        let before = code[..i].trim_end();
        code[end..].trim_start().starts_with("::")
            || ends_with_word(before, "use")
            || ends_with_word(before, "crate")
    })
}

/// Whether `text` ends with the whole word `word`.
fn ends_with_word(text: &str, word: &str) -> bool {
    text.strip_suffix(word)
        .is_some_and(|rest| !matches!(rest.bytes().last(), Some(b) if is_ident(b)))
}

#[test]
fn uses_matches_paths_uses_and_extern_crates_only() {
    assert!(uses("let x = serde_json::to_string(&v);", "serde_json"));
    assert!(uses("use proptest::prelude::*;", "proptest"));
    assert!(uses("use tempfile;", "tempfile"));
    assert!(uses("extern crate libc;", "libc"));
    assert!(uses("pub use misc_vocab as vocab;", "misc_vocab"));
    assert!(!uses("let serde = 1;", "serde"));
    assert!(!uses("misc_vocab_extra::f()", "misc_vocab"));
    assert!(!uses("a_libc::f()", "libc"));
    assert!(!uses("because libc", "libc"));
}

#[test]
fn no_member_declares_a_dependency_it_does_not_use() {
    let root = workspace_root();
    let workspace = read_toml(&root.join("Cargo.toml"));
    let mut unused = Vec::new();
    for member in members(&root, &workspace) {
        let manifest = read_toml(&member.join("Cargo.toml"));
        let code = code_of(&member);
        let skip = ignored(&manifest);
        for dep in declared(&manifest) {
            if !skip.contains(&dep) && !uses(&code, &dep.replace('-', "_")) {
                let name = member.strip_prefix(&root).unwrap_or(&member);
                unused.push(format!("{}/Cargo.toml: {dep}", name.display()));
            }
        }
    }
    assert!(
        unused.is_empty(),
        "declared but never used (remove them, or list a false alarm in \
         [package.metadata.cargo-machete] ignored):\n{}",
        unused.join("\n")
    );
}

#[test]
fn every_workspace_dependency_is_used_by_a_member() {
    let root = workspace_root();
    let workspace = read_toml(&root.join("Cargo.toml"));
    let mut used = BTreeSet::new();
    for member in members(&root, &workspace) {
        used.extend(declared(&read_toml(&member.join("Cargo.toml"))));
    }
    let listed = workspace["workspace"]["dependencies"]
        .as_table()
        .expect("[workspace.dependencies] is a table");
    let unused: Vec<&String> = listed.keys().filter(|k| !used.contains(*k)).collect();
    assert!(
        unused.is_empty(),
        "[workspace.dependencies] lists crates no member uses: {unused:?}"
    );
}
