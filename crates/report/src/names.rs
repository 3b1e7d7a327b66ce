//! Safe, unique file names for pages, and URL paths for links.
//!
//! A problem is named by its path (`problems/small/p1.cudf.xz`); a solver or a track by any
//! string. Page file names keep ASCII letters, digits, `.`, `_` and `-`, turn `/` into `__` and
//! every other character into `-`, drop a leading `problems/`, are cut to 80 bytes, and get a
//! short hash of the full name when something was lost (replaced characters, truncation, or a
//! clash with another name that differs only in case), so that two names never share a page,
//! even on a case-insensitive file system.

use std::collections::{BTreeMap, HashSet};

/// FNV-1a, 64 bits: a stable hash for disambiguating file names.
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const MAX_STEM: usize = 80;

/// The readable part of a file name for `name` and whether it is lossless.
fn stem(name: &str) -> (String, bool) {
    let trimmed = name.strip_prefix("problems/").unwrap_or(name);
    let mut out = String::with_capacity(trimmed.len());
    let mut lossless = true;
    for c in trimmed.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => out.push(c),
            '/' => out.push_str("__"),
            _ => {
                out.push('-');
                lossless = false;
            }
        }
    }
    // `__` inside a name would read like a `/`.
    if trimmed.contains("__") {
        lossless = false;
    }
    // No hidden files, no `.` or `..`.
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, '_');
        lossless = false;
    }
    if out.len() > MAX_STEM {
        out.truncate(MAX_STEM);
        lossless = false;
    }
    (out, lossless)
}

/// Assigns every name a unique file name `<stem>.html` (see the module documentation).
pub fn page_names<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let names: Vec<&str> = {
        let mut v: Vec<&str> = names.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let stems: Vec<(String, bool)> = names.iter().map(|n| stem(n)).collect();
    // Stems that more than one name maps to (case-insensitively) need the hash.
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for (s, _) in &stems {
        *count.entry(s.to_ascii_lowercase()).or_default() += 1;
    }
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = BTreeMap::new();
    for (name, (s, lossless)) in names.iter().zip(stems) {
        let clash = count.get(&s.to_ascii_lowercase()).copied().unwrap_or(0) > 1;
        let mut file = if lossless && !clash {
            format!("{s}.html")
        } else {
            format!("{s}-{:08x}.html", fnv1a(name) as u32)
        };
        // A hash collision on top: count up until free.
        let mut n = 2;
        while !taken.insert(file.to_ascii_lowercase()) {
            file = format!("{s}-{:08x}-{n}.html", fnv1a(name) as u32);
            n += 1;
        }
        out.insert((*name).to_owned(), file);
    }
    out
}

/// Percent-encodes one path segment for use in an `href` (RFC 3986 unreserved characters are
/// kept).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Percent-encodes a relative path, segment by segment.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a relative path from a record (a kept output) stays inside its folder: no absolute
/// path, no `..`, no empty or `.` segments, no backslashes.
pub fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_paths_become_readable_unique_names() {
        let names = page_names([
            "problems/small/p1.cudf.xz",
            "problems/small/P1.cudf.xz",
            "problems/medium/p1.cudf.xz",
            "odd name/ü.cudf",
            "../escape",
            "",
        ]);
        assert_eq!(
            names["problems/medium/p1.cudf.xz"],
            "medium__p1.cudf.xz.html"
        );
        let files: Vec<&String> = names.values().collect();
        let lower: HashSet<String> = files.iter().map(|f| f.to_ascii_lowercase()).collect();
        assert_eq!(lower.len(), files.len(), "{files:?}");
        for f in files {
            assert!(!f.starts_with('.'), "{f}");
            assert!(f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)));
        }
    }

    #[test]
    fn long_names_are_cut_and_hashed() {
        let long = "x".repeat(300);
        let names = page_names([long.as_str()]);
        assert!(names[&long].len() < 100);
    }

    #[test]
    fn encoding_and_safety() {
        assert_eq!(encode_path("outputs/a b/c%.out"), "outputs/a%20b/c%25.out");
        assert!(is_safe_relative("outputs/t/s/p.out"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a//b"));
    }
}
