//! The report of "On equivalent debian versions" (Mancoosi): every class of distinct version
//! strings that compare equal under policy (`0.1-1` = `0.01-1`, `2.1.0-1` = `2.01.00-1`), with
//! the packages and fields using each spelling.

use std::collections::BTreeMap;

use crate::control;
use crate::universe::Input;
use crate::Error;

/// One use of a version spelling: the package (name and version) and the field (`Version`, or
/// the relation field and the name it constrains).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Use {
    /// The spelling used.
    pub version: String,
    /// The package whose stanza uses it.
    pub package: String,
    /// `Version`, or e.g. `Depends on libc6`.
    pub field: String,
}

/// A class of two or more distinct spellings that compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// The spellings, sorted.
    pub versions: Vec<String>,
    /// Every use of each spelling.
    pub uses: Vec<Use>,
}

/// The report: counts, then the classes in policy order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Distinct version strings mentioned.
    pub strings: usize,
    /// Classes of equal versions (of any size).
    pub all_classes: usize,
    /// The classes of two or more spellings.
    pub classes: Vec<Class>,
}

/// Builds the report over package stanzas of the inputs (Version fields and the constraints
/// of Depends, Pre-Depends, Conflicts, Breaks, Provides, Recommends, Suggests, Replaces).
pub fn report(inputs: &[Input]) -> Result<Report, Error> {
    let mut uses: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    for input in inputs {
        control::for_each_stanza(&input.text, &input.file, |s| {
            let Some(pkg) = s.get("Package") else {
                return Ok(());
            };
            if let Some(v) = s.get("Version") {
                let u = Use {
                    version: v.to_string(),
                    package: pkg.to_string(),
                    field: "Version".into(),
                };
                uses.entry(v.to_string()).or_default().push(u);
            }
            for field in [
                "Pre-Depends",
                "Depends",
                "Conflicts",
                "Breaks",
                "Provides",
                "Recommends",
                "Suggests",
                "Replaces",
            ] {
                if let Some(f) = s.field(field) {
                    for alts in control::parse_relation(f.value, &input.file, f.line)? {
                        for atom in alts {
                            if let Some((_, v)) = atom.constraint {
                                let u = Use {
                                    version: v.to_string(),
                                    package: pkg.to_string(),
                                    field: format!("{field} on {}", atom.name),
                                };
                                uses.entry(v.to_string()).or_default().push(u);
                            }
                        }
                    }
                }
            }
            Ok(())
        })?;
    }
    let table = crate::version::VersionTable::build(uses.keys().map(String::as_str));
    let mut by_class: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for v in uses.keys() {
        by_class
            .entry(table.get(v).unwrap_or(0))
            .or_default()
            .push(v.clone());
    }
    let classes = by_class
        .into_values()
        .filter(|c| c.len() > 1)
        .map(|versions| {
            let mut all: Vec<Use> = versions
                .iter()
                .flat_map(|v| uses[v].iter().cloned())
                .collect();
            all.sort();
            all.dedup();
            Class {
                versions,
                uses: all,
            }
        })
        .collect();
    Ok(Report {
        strings: uses.len(),
        all_classes: table.classes() as usize,
        classes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::universe::Kind;

    #[test]
    fn classes_of_equal_spellings_with_their_uses() {
        let text = "Package: a\nVersion: 0.1-1\nDepends: b (>= 0.01-1)\n\nPackage: b\nVersion: 0.00001-1\nBreaks: c (<< 2.1.0-1)\n\nPackage: c\nVersion: 2.01.00-1\n\nPackage: d\nVersion: 3\n";
        let inputs = [Input {
            label: "x".into(),
            file: "x".into(),
            kind: Kind::Packages,
            text: text.into(),
            sha256: String::new(),
        }];
        let r = report(&inputs).unwrap();
        assert_eq!(r.strings, 6);
        assert_eq!(r.all_classes, 3);
        assert_eq!(r.classes.len(), 2);
        assert_eq!(r.classes[0].versions, ["0.00001-1", "0.01-1", "0.1-1"]);
        assert_eq!(r.classes[0].uses.len(), 3);
        assert!(r.classes[0]
            .uses
            .iter()
            .any(|u| u.package == "a" && u.field == "Depends on b"));
        assert_eq!(r.classes[1].versions, ["2.01.00-1", "2.1.0-1"]);
    }
}
