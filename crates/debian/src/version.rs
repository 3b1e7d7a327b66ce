//! Debian version strings: validation, policy order, and the order-preserving map to CUDF
//! integers.
//!
//! The order is Debian policy 5.6.12 as dpkg implements it (`dpkg --compare-versions`, which
//! the tests compare against on real version pairs): `[epoch:]upstream[-revision]`, a missing
//! epoch is 0, a missing revision compares like `0`; upstream and revision are compared in
//! alternating runs, a non-digit run character by character (`~` before everything, even the
//! end of the run; then the end; then letters; then all other characters) and a digit run as a
//! number of any length (leading zeros ignored, an empty run is 0).

use std::cmp::Ordering;

/// Why a string is not a Debian version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The string is empty (or the part after the epoch is).
    #[error("empty version")]
    Empty,
    /// The part before `:` is not a number.
    #[error("epoch {0:?} is not a number")]
    BadEpoch(String),
    /// The upstream part does not start with a digit (dpkg warns; we accept it, see
    /// [`check`]) or contains a character policy does not allow.
    #[error(
        "version {version:?} contains the character {character:?}, which policy does not allow"
    )]
    BadCharacter {
        /// The whole version string.
        version: String,
        /// The offending character.
        character: char,
    },
}

/// The parts of a version string: epoch digits (without leading zeros, maybe empty), upstream
/// and revision (empty when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    /// The epoch's digits; empty for epoch 0.
    pub epoch: &'a str,
    /// The upstream version.
    pub upstream: &'a str,
    /// The Debian revision; empty when there is none.
    pub revision: &'a str,
}

/// Splits a version string as dpkg does: the epoch is what comes before the first `:`, the
/// revision what comes after the last `-`. Leading and trailing blanks are ignored.
pub fn parts(version: &str) -> Parts<'_> {
    let version = version.trim();
    let (epoch, rest) = match version.find(':') {
        Some(i) => (&version[..i], &version[i + 1..]),
        None => ("", version),
    };
    let (upstream, revision) = match rest.rfind('-') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    Parts {
        epoch: epoch.trim_start_matches('0'),
        upstream,
        revision,
    }
}

/// Checks that a string is a version dpkg accepts: a numeric epoch if any, a non-empty
/// upstream part, and only the characters policy allows (alphanumerics and `.+-~`, plus `:`
/// in the upstream part when there is an epoch, as dpkg tolerates).
pub fn check(version: &str) -> Result<(), VersionError> {
    let trimmed = version.trim();
    if trimmed.is_empty() {
        return Err(VersionError::Empty);
    }
    let (epoch, rest) = match trimmed.find(':') {
        Some(i) => (Some(&trimmed[..i]), &trimmed[i + 1..]),
        None => (None, trimmed),
    };
    if let Some(epoch) = epoch {
        if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VersionError::BadEpoch(epoch.to_string()));
        }
    }
    if rest.is_empty() || rest.starts_with('-') {
        return Err(VersionError::Empty);
    }
    for c in rest.chars() {
        let allowed = c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '~' | ':');
        if !allowed {
            return Err(VersionError::BadCharacter {
                version: version.to_string(),
                character: c,
            });
        }
    }
    Ok(())
}

/// The weight of a byte in a non-digit run, as dpkg's `order()`: `~` lowest, then the end of
/// the run (and digits, which end it), then letters, then everything else.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Compares one part (upstream or revision) as dpkg's `verrevcmp`.
fn compare_part(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // A non-digit run.
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (wa, wb) = (weight(a.get(i).copied()), weight(b.get(j).copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            i += 1;
            j += 1;
        }
        // A digit run, as a number of any length.
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// Compares two epochs given as digit strings without leading zeros.
fn compare_epoch(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares two version strings in Debian policy order (as `dpkg --compare-versions`).
///
/// Works on any strings (an invalid version is compared by the same rules without an error;
/// use [`check`] to validate first).
pub fn compare(a: &str, b: &str) -> Ordering {
    compare_parts(&parts(a), &parts(b))
}

/// Compares two split versions (see [`parts`]) in policy order.
pub fn compare_parts(pa: &Parts<'_>, pb: &Parts<'_>) -> Ordering {
    compare_epoch(pa.epoch, pb.epoch)
        .then_with(|| compare_part(pa.upstream.as_bytes(), pb.upstream.as_bytes()))
        .then_with(|| compare_part(pa.revision.as_bytes(), pb.revision.as_bytes()))
}

/// The order-preserving map from Debian version strings to CUDF versions (positive integers).
///
/// One global table, as dose builds it: every distinct version string mentioned anywhere in the
/// input (Version fields, versioned Provides, every relation's constraint) gets the rank of its
/// class in policy order, from 1; strings that compare equal (`1.0` and `1.00`, `0:1` and `1`)
/// share one integer. So `a < b` in policy order exactly when `map(a) < map(b)`, for any two
/// strings in the table, whatever package names they belong to: every relation keeps its
/// meaning. The table depends only on the set of strings, not on the order they were added.
#[derive(Debug, Clone, Default)]
pub struct VersionTable {
    map: rustc_hash::FxHashMap<String, u64>,
    classes: u64,
}

impl VersionTable {
    /// Builds the table from every version string mentioned (duplicates allowed).
    pub fn build<'a>(versions: impl IntoIterator<Item = &'a str>) -> VersionTable {
        let distinct: rustc_hash::FxHashSet<&str> = versions.into_iter().collect();
        // Split each string once; sort in policy order, then bytes: a total order, so the
        // result never depends on input order.
        let mut parsed: Vec<(Parts<'_>, &str)> =
            distinct.into_iter().map(|v| (parts(v), v)).collect();
        parsed.sort_unstable_by(|(pa, a), (pb, b)| compare_parts(pa, pb).then_with(|| a.cmp(b)));
        let mut map = rustc_hash::FxHashMap::default();
        map.reserve(parsed.len());
        let mut rank = 0u64;
        let mut previous: Option<&Parts<'_>> = None;
        for (p, v) in &parsed {
            if !matches!(previous, Some(q) if compare_parts(q, p) == Ordering::Equal) {
                rank += 1;
            }
            map.insert(v.to_string(), rank);
            previous = Some(p);
        }
        VersionTable { map, classes: rank }
    }

    /// The CUDF version of a version string in the table.
    pub fn get(&self, version: &str) -> Option<u64> {
        self.map.get(version).copied()
    }

    /// How many classes of equal versions (so the largest integer used).
    pub fn classes(&self) -> u64 {
        self.classes
    }

    /// How many distinct strings.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn policy_corner_cases() {
        // debian-cudf.md "Debian version order" (policy 5.6.12).
        let cases = [
            ("1.0", "1.00", Equal),
            ("1.0", "1.", Equal),
            ("1.0-1", "1.0-01", Equal),
            ("0:1.0", "1.0", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0", "1.0a", Less),
            ("1.0a", "1.0+b1", Less),
            ("1.0", "1.0.0", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0~", "1.0", Less),
            ("1:0.1", "2.0", Greater),
            ("1.0-1", "1.0", Greater),
            ("1.0-0", "1.0", Equal),
            ("0.1-1", "0.00001-1", Equal),
            ("2.1.0-1", "2.01.00-1", Equal),
            ("10", "9", Greater),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567891",
                Less,
            ),
            ("00001:1", "1:1", Equal),
            ("1.2-3-4", "1.2-3", Greater),
            ("a", "B", Greater),
            ("1+", "1.", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn check_rejects_what_dpkg_rejects() {
        assert!(check("1.0-1").is_ok());
        assert!(check("1:2.3~rc1+dfsg-4").is_ok());
        assert_eq!(check(""), Err(VersionError::Empty));
        assert!(matches!(check("a:1"), Err(VersionError::BadEpoch(_))));
        assert!(matches!(
            check("1.0 2"),
            Err(VersionError::BadCharacter { .. })
        ));
        assert!(matches!(
            check("1.0_2"),
            Err(VersionError::BadCharacter { .. })
        ));
    }

    #[test]
    fn table_keeps_order_and_merges_equal_spellings() {
        let t = VersionTable::build(["1.0", "1.00", "0:1.0", "2", "1.0~rc1", "1.0"]);
        assert_eq!(t.len(), 5);
        assert_eq!(t.classes(), 3);
        assert_eq!(t.get("1.0~rc1"), Some(1));
        assert_eq!(t.get("1.0"), Some(2));
        assert_eq!(t.get("1.00"), Some(2));
        assert_eq!(t.get("0:1.0"), Some(2));
        assert_eq!(t.get("2"), Some(3));
        assert_eq!(t.get("3"), None);
    }
}
