//! A universe of Debian binary packages read from `Packages` indexes, a dpkg `status` file or an
//! EDSP request, and its translation to CUDF.
//!
//! # How Debian maps to CUDF
//!
//! - **Names.** A package of the native architecture (`--arch`, by default the most common
//!   architecture of the input; for EDSP the request's `Architecture`) or of `all` keeps its
//!   name; a foreign one is `NAME%3aARCH` (dose's convention for Packages input, `%3a` being
//!   `:`), in Packages, status and EDSP input alike. (dose, given `--deb-native-arch`, writes
//!   native and `all` packages as `NAME%3aNATIVE` too; we keep the plain names, which is what
//!   requests and readers of single-architecture CUDF expect.)
//! - **Architectures in relations** (as dose's `debcudf.ml` and apt do them). An unqualified
//!   relation is about the package's own architecture (`all`: the native one), `:native` about
//!   the native one, `:ARCH` about ARCH. When the input holds foreign architectures, the
//!   `Multi-Arch` field counts:
//!   - `foreign`: the package satisfies relations of every architecture: it provides
//!     `--multiarch-foreign-NAME = v`, which every dependency on NAME names beside the
//!     architecture's own package (dose instead provides `NAME%3aARCH = v` for every other
//!     architecture: providing another package's name and version makes aspcud, mccs and
//!     packup answer depending on the order of the stanzas), and its `Provides` in every
//!     architecture;
//!   - `allowed`: the package also provides `NAME%3aany = v` (and its `Provides` as
//!     `--virtual-X%3aany`); a relation `NAME:any` names the own-architecture package *or*
//!     `NAME%3aany`: satisfied by the package of the depender's architecture or by an
//!     `allowed` one of any architecture (dpkg's rule; dose lets any architecture satisfy
//!     `:any` on a real name, and only `allowed` providers `:any` on a virtual one);
//!   - `same`: the package is co-installable with itself in other architectures, at the same
//!     version only (`conflicts: NAME%3aOTHER != v`); its `Conflicts`/`Breaks` on its own name
//!     are dropped and those on a name it provides become conflicts with the other providers
//!     (exact versions), so that its siblings do not conflict with each other;
//!   - otherwise (none, `foreign`, `allowed`) a package conflicts with its name in every
//!     other architecture: one architecture of it at a time;
//!   - `Conflicts` and `Breaks` without a qualifier (or with `:any`) apply to every
//!     architecture (apt and dose do so).
//!
//!   Without foreign architectures none of this changes the output.
//! - **Versions.** One global [`VersionTable`]: every version string mentioned (Version fields,
//!   versioned Provides, every constraint) gets its class's rank in policy order, so every
//!   relation keeps its meaning and spellings that compare equal share one integer.
//! - **Virtual packages.** In Debian an unversioned `Provides: x` satisfies only unversioned
//!   relations on `x`, and a package's implicit conflict with its own name concerns only other
//!   versions of the real package. So, as dose does, a plain CUDF name means the real package
//!   only; every provider of `x` provides `--virtual-x`, and a versioned `Provides: x (= v)` also
//!   provides `--virtual--versioned-x = v`. A relation on `x` names `x` plus `--virtual-x`
//!   (unversioned relation) or `--virtual--versioned-x` with the same constraint (versioned
//!   relation), when some package of the input provides it that way.
//! - **Conflicts.** `Conflicts` and `Breaks` both become `conflicts` (CUDF has no unpacked
//!   state); every package also conflicts with its own name (one version of a package at a
//!   time, as dpkg enforces) and, unless `Multi-Arch: same`, with the same package of the other
//!   architectures present. In CUDF a package never conflicts with itself, which is Debian's
//!   rule for a package conflicting with a virtual package it provides.
//! - **Dependencies.** `Pre-Depends` and `Depends` both become `depends`; `Recommends` is the
//!   declared property `recommends` (a vpkgformula, not a dependency), `Replaces` the property
//!   `replaces`.
//! - **Holds.** An installed package on hold (`hold` in the status file's `Status`, `Hold: yes`
//!   in EDSP) gets `keep: version`, as dose does: no solution may change it.
//! - **Other properties**, under dose's names: `number` (the Debian version string),
//!   `architecture`, `multiarch`, `source`, `sourcenumber`, `installedsize`, `essential` (a
//!   property only: no `keep` is implied), `priority`, and `filename`, the label of the index the
//!   stanza came from.
//! - **Merges.** Two stanzas with the same CUDF name and version (the same version in two
//!   indexes, in the status and an index, or two spellings that compare equal) become one
//!   package: the installed one, else the one of the first input given. Each merge is counted.
//!
//! Not expressed: architectures that no package of the input has (a relation on `x:arm64`
//! names `x%3aarm64`, which nothing provides).

use std::borrow::Cow;
use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt::Write as _;

use crate::control::{self, Atom, Op, Stanza};
use crate::version::VersionTable;
use crate::Error;

/// What kind of file an input is: it decides which stanzas are packages and which installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An apt `Packages` index: every stanza is an available package.
    Packages,
    /// A dpkg `status` file: stanzas whose `Status` says `installed` are installed packages;
    /// the others (removed, config files only) are skipped.
    Status,
    /// An EDSP request: the first stanza is the request, the others packages, `Installed: yes`
    /// marking the installed ones.
    Edsp,
}

/// One input file's text, with its label (recorded in `filename`) and name for errors.
#[derive(Debug, Clone)]
pub struct Input {
    /// The label recorded in each package's `filename` property.
    pub label: String,
    /// The file's name, for errors.
    pub file: String,
    /// What kind of file it is.
    pub kind: Kind,
    /// The (decompressed) text.
    pub text: String,
    /// The SHA-256 of the file as stored (hex), for the problem set's index; may be empty.
    pub sha256: String,
}

/// A relation field's raw value and line, parsed again when needed.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawField<'a> {
    /// The value; empty when the field is absent.
    pub value: &'a str,
    /// The line it starts on.
    pub line: usize,
}

/// One binary package as read from a stanza.
#[derive(Debug, Clone)]
pub struct Package<'a> {
    /// The Debian package name.
    pub name: &'a str,
    /// The Debian version string.
    pub version: &'a str,
    /// The architecture (`amd64`, `all`, ...).
    pub arch: &'a str,
    /// The Multi-Arch field, empty when absent.
    pub multiarch: &'a str,
    /// Pre-Depends, then Depends.
    pub pre_depends: RawField<'a>,
    /// Depends.
    pub depends: RawField<'a>,
    /// Conflicts.
    pub conflicts: RawField<'a>,
    /// Breaks.
    pub breaks: RawField<'a>,
    /// Provides.
    pub provides: RawField<'a>,
    /// Recommends.
    pub recommends: RawField<'a>,
    /// Replaces.
    pub replaces: RawField<'a>,
    /// Installed-Size, in KiB.
    pub installed_size: Option<u64>,
    /// Essential: yes.
    pub essential: bool,
    /// Installed and on hold (dpkg's `hold` selection in a status file, `Hold: yes` in EDSP):
    /// written as `keep: version`, as dose does.
    pub hold: bool,
    /// The source package's name.
    pub source: &'a str,
    /// The source package's version.
    pub source_version: &'a str,
    /// Priority, empty when absent.
    pub priority: &'a str,
    /// Whether the package is installed (status file, or `Installed: yes` in EDSP).
    pub installed: bool,
    /// The input it came from (index into the inputs given).
    pub input: usize,
    /// The line of its stanza.
    pub line: usize,
    /// The byte offset of its stanza in the input's text.
    pub offset: usize,
    /// The EDSP `APT-ID`, if any.
    pub apt_id: &'a str,
}

impl<'a> Package<'a> {
    fn relation_fields(&self) -> [&RawField<'a>; 7] {
        [
            &self.pre_depends,
            &self.depends,
            &self.conflicts,
            &self.breaks,
            &self.provides,
            &self.recommends,
            &self.replaces,
        ]
    }
}

/// Counts of what building a universe did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Package stanzas read.
    pub stanzas: usize,
    /// Stanzas merged into an earlier package with the same CUDF name and version.
    pub merges: usize,
    /// Status stanzas skipped because the package is not installed.
    pub not_installed: usize,
}

/// Packages read from the inputs, merged, with what the CUDF translation needs.
#[derive(Debug)]
pub struct Universe<'a> {
    inputs: &'a [Input],
    /// The packages, merged, in the order of the inputs and of their stanzas.
    pub packages: Vec<Package<'a>>,
    /// The native architecture, if any package has one other than `all`.
    pub native: Option<String>,
    /// The version table over every version mentioned.
    pub table: VersionTable,
    /// CUDF names something provides (so relations on them also name `--virtual-NAME`).
    virtual_any: FxHashSet<String>,
    /// CUDF names something provides with a version (`--virtual--versioned-NAME`).
    virtual_versioned: FxHashSet<String>,
    /// Debian names that exist in more than one architecture: their CUDF names.
    arch_variants: FxHashMap<&'a str, Vec<String>>,
    /// The architectures present other than the native one and `all`, sorted: when there are
    /// some, relations follow the Multi-Arch rules (module documentation).
    foreign: Vec<String>,
    /// Multi-arch universes only: each virtual name as provided (`Y`, `Y%3aARCH`,
    /// `Y%3aany`) and its providers (Debian name, CUDF name, CUDF version).
    providers: FxHashMap<String, Vec<(&'a str, String, u64)>>,
    /// Multi-arch universes only: Debian names with a `Multi-Arch: allowed` package, which
    /// provides `NAME%3aany` for `:any` relations.
    any_real: FxHashSet<&'a str>,
    /// The CUDF names of the packages of foreign architectures.
    foreign_names: FxHashSet<String>,
    /// Multi-arch universes only: Debian names with a `Multi-Arch: foreign` package, which
    /// provides `--multiarch-foreign-NAME` for relations of every architecture.
    foreign_real: FxHashSet<&'a str>,
    /// What building did.
    pub stats: Stats,
    /// Whether installed packages get `keep: package` (EDSP's Forbid-Remove).
    pub keep_installed: bool,
}

/// The fields a package stanza is read for, in the order of [`KNOWN`].
const KNOWN: [&str; 20] = [
    "Package",
    "Version",
    "Architecture",
    "Status",
    "Installed",
    "Installed-Size",
    "Source",
    "Multi-Arch",
    "Pre-Depends",
    "Depends",
    "Conflicts",
    "Breaks",
    "Provides",
    "Recommends",
    "Replaces",
    "Essential",
    "Priority",
    "APT-ID",
    "Source-Version",
    "Hold",
];

/// Which of [`KNOWN`] a field name is (any case), in one pass: the usual spellings are matched
/// exactly, the usual other fields skipped at once.
fn known(name: &str) -> Option<usize> {
    match name {
        "Package" => Some(0),
        "Version" => Some(1),
        "Architecture" => Some(2),
        "Status" => Some(3),
        "Installed" => Some(4),
        "Installed-Size" => Some(5),
        "Source" => Some(6),
        "Multi-Arch" => Some(7),
        "Pre-Depends" => Some(8),
        "Depends" => Some(9),
        "Conflicts" => Some(10),
        "Breaks" => Some(11),
        "Provides" => Some(12),
        "Recommends" => Some(13),
        "Replaces" => Some(14),
        "Essential" => Some(15),
        "Priority" => Some(16),
        "APT-ID" => Some(17),
        "Source-Version" => Some(18),
        "Hold" => Some(19),
        "Description" | "Maintainer" | "Filename" | "Size" | "MD5sum" | "SHA256" | "Section"
        | "Homepage" | "Description-md5" | "Tag" | "Suggests" | "Enhances" => None,
        other => KNOWN.iter().position(|k| k.eq_ignore_ascii_case(other)),
    }
}

/// Reads one package stanza; `None` for a status stanza of a package not installed.
fn package<'a>(
    s: &Stanza<'a>,
    input: usize,
    kind: Kind,
    file: &str,
) -> Result<Option<Package<'a>>, Error> {
    let mut found: [Option<&control::Field<'a>>; 20] = [None; 20];
    for f in s.fields() {
        if let Some(k) = known(f.name) {
            if found[k].is_none() {
                found[k] = Some(f);
            }
        }
    }
    let get = |k: usize| found[k].map(|f| f.value);
    let raw = |k: usize| {
        found[k]
            .map(|f| RawField {
                value: f.value,
                line: f.line,
            })
            .unwrap_or_default()
    };
    let name =
        get(0).ok_or_else(|| Error::syntax(file, s.line, "a stanza without a Package field"))?;
    if !control::valid_name(name) {
        return Err(Error::syntax(
            file,
            s.line,
            format!("bad package name {name:?}"),
        ));
    }
    let (installed, hold) = match kind {
        Kind::Packages => (false, false),
        Kind::Status => {
            let status = get(3).unwrap_or("");
            let mut words = status.split_whitespace();
            let want = words.next();
            if words.nth(1) != Some("installed") {
                return Ok(None);
            }
            (true, want == Some("hold"))
        }
        Kind::Edsp => {
            let installed = get(4).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
            let hold = get(19).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
            (installed, installed && hold)
        }
    };
    let version_field = found[1].ok_or_else(|| {
        Error::syntax(file, s.line, format!("package {name} has no Version field"))
    })?;
    let version = version_field.value;
    crate::version::check(version)
        .map_err(|e| Error::syntax(file, version_field.line, format!("package {name}: {e}")))?;
    let arch = get(2).ok_or_else(|| {
        Error::syntax(
            file,
            s.line,
            format!("package {name} has no Architecture field"),
        )
    })?;
    let installed_size = match found[5] {
        None => None,
        Some(f) => Some(f.value.parse::<u64>().map_err(|_| {
            Error::syntax(
                file,
                f.line,
                format!("Installed-Size {:?} of {name} is not a number", f.value),
            )
        })?),
    };
    let (source, source_version) = match get(6) {
        None => (name, version),
        Some(src) => match src.split_once('(') {
            Some((n, v)) => (n.trim(), v.trim_end_matches(')').trim()),
            // EDSP gives the source version in a field of its own.
            None => (src, get(18).unwrap_or(version)),
        },
    };
    Ok(Some(Package {
        name,
        version,
        arch,
        multiarch: get(7).unwrap_or(""),
        pre_depends: raw(8),
        depends: raw(9),
        conflicts: raw(10),
        breaks: raw(11),
        provides: raw(12),
        recommends: raw(13),
        replaces: raw(14),
        installed_size,
        essential: get(15).is_some_and(|v| v.eq_ignore_ascii_case("yes")),
        hold,
        source,
        source_version,
        priority: get(16).unwrap_or(""),
        installed,
        input,
        line: s.line,
        offset: s.offset,
        apt_id: get(17).unwrap_or(""),
    }))
}

/// The versions a relation field's constraints mention, found without parsing the field
/// (the text between the operator and `)` of each `(...)`): what [`control::parse_atom`]
/// takes as the version, so that the table has every version the writer asks for.
fn constraint_versions<'a>(value: &'a str, mut f: impl FnMut(&'a str)) {
    let mut rest = value;
    while let Some(open) = memchr::memchr(b'(', rest.as_bytes()) {
        let after = &rest[open + 1..];
        let Some(close) = memchr::memchr(b')', after.as_bytes()) else {
            return;
        };
        let v = after[..close]
            .trim_ascii()
            .trim_start_matches(['<', '>', '='])
            .trim_ascii();
        if !v.is_empty() {
            f(v);
        }
        rest = &after[close + 1..];
    }
}

/// Reads every package stanza of the inputs (in order), without merging.
pub fn read_packages(inputs: &[Input]) -> Result<(Vec<Package<'_>>, Stats), Error> {
    let mut packages = Vec::new();
    let mut stats = Stats::default();
    for (i, input) in inputs.iter().enumerate() {
        let mut first = true;
        control::for_each_stanza(&input.text, &input.file, |s| {
            if input.kind == Kind::Edsp && std::mem::take(&mut first) && s.get("Request").is_some()
            {
                return Ok(());
            }
            match package(s, i, input.kind, &input.file)? {
                Some(p) => {
                    stats.stanzas += 1;
                    packages.push(p)
                }
                None => stats.not_installed += 1,
            }
            Ok(())
        })?;
    }
    Ok((packages, stats))
}

/// The native architecture: the most common one other than `all` (ties: the first in name
/// order), or `None` when every package is `all`.
pub fn guess_native(packages: &[Package<'_>]) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for p in packages {
        if p.arch != "all" {
            *counts.entry(p.arch).or_default() += 1;
        }
    }
    let mut best: Vec<(&str, usize)> = counts.into_iter().collect();
    best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    best.first().map(|(a, _)| a.to_string())
}

impl<'a> Universe<'a> {
    /// Reads and merges the packages of the inputs. `native` overrides the guessed native
    /// architecture.
    pub fn build(inputs: &'a [Input], native: Option<&str>) -> Result<Universe<'a>, Error> {
        let (mut all, mut stats) = read_packages(inputs)?;
        let native = native.map(str::to_string).or_else(|| guess_native(&all));
        // Merge: installed stanzas win, then input order.
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by_key(|&i| !all[i].installed);
        let mut versions: FxHashSet<&'a str> = FxHashSet::default();
        versions.reserve(all.len() * 2);
        for p in &all {
            versions.insert(p.version);
            for f in p.relation_fields() {
                constraint_versions(f.value, |v| {
                    versions.insert(v);
                });
            }
        }
        let table = VersionTable::build(versions.iter().copied());
        let mut seen: FxHashSet<(&str, &str, u64)> = FxHashSet::default();
        seen.reserve(all.len());
        let mut keep = vec![false; all.len()];
        for &i in &order {
            let p = &all[i];
            let arch_key = if p.arch == "all" || Some(p.arch) == native.as_deref() {
                ""
            } else {
                p.arch
            };
            let v = table.get(p.version).unwrap_or(0);
            if seen.insert((p.name, arch_key, v)) {
                keep[i] = true;
            } else {
                stats.merges += 1;
            }
        }
        let mut k = keep.into_iter();
        all.retain(|_| k.next().unwrap_or(false));
        let mut u = Universe {
            inputs,
            packages: all,
            native,
            table,
            virtual_any: FxHashSet::default(),
            virtual_versioned: FxHashSet::default(),
            arch_variants: FxHashMap::default(),
            foreign: Vec::new(),
            providers: FxHashMap::default(),
            any_real: FxHashSet::default(),
            foreign_real: FxHashSet::default(),
            foreign_names: FxHashSet::default(),
            stats,
            keep_installed: false,
        };
        u.index()?;
        Ok(u)
    }

    /// Fills the virtual-name sets, the architecture variants and, in a multi-arch universe,
    /// the foreign architectures, the providers and the `:any` names.
    fn index(&mut self) -> Result<(), Error> {
        let mut foreign: Vec<String> = self
            .packages
            .iter()
            .filter(|p| !self.is_native(p.arch))
            .map(|p| p.arch.to_string())
            .collect();
        foreign.sort();
        foreign.dedup();
        self.foreign = foreign;
        // Names present in a foreign architecture: all their CUDF names (native one included).
        let mut variants: FxHashMap<&'a str, Vec<String>> = FxHashMap::default();
        let mut foreign_names = FxHashSet::default();
        for p in self.packages.iter().filter(|p| !self.is_native(p.arch)) {
            let cname = self.cudf_name(p);
            foreign_names.insert(cname.clone());
            let list = variants.entry(p.name).or_default();
            if !list.contains(&cname) {
                list.push(cname);
            }
        }
        let mut any = FxHashSet::default();
        let mut versioned = FxHashSet::default();
        let mut providers: FxHashMap<String, Vec<(&'a str, String, u64)>> = FxHashMap::default();
        let mut any_real = FxHashSet::default();
        let mut foreign_real = FxHashSet::default();
        let multiarch = self.multiarch();
        let mut provided = Vec::new();
        for p in &self.packages {
            if self.is_native(p.arch) {
                if let Some(list) = variants.get_mut(p.name) {
                    if !list.iter().any(|n| n == p.name) {
                        list.push(p.name.to_string());
                    }
                }
            }
            if multiarch && p.multiarch == "allowed" {
                any_real.insert(p.name);
            }
            if multiarch && p.multiarch == "foreign" {
                foreign_real.insert(p.name);
            }
            if p.provides.value.is_empty() {
                continue;
            }
            provided.clear();
            self.provided(p, &mut provided)?;
            for e in provided.iter().filter(|e| e.virtual_) {
                if e.version.is_some() {
                    versioned.insert(e.name.clone());
                }
                if !any.contains(&e.name) {
                    any.insert(e.name.clone());
                }
                if multiarch {
                    providers.entry(e.name.clone()).or_default().push((
                        p.name,
                        self.cudf_name(p),
                        self.v(p.version),
                    ));
                }
            }
        }
        variants.retain(|_, v| v.len() > 1);
        self.arch_variants = variants;
        self.virtual_any = any;
        self.virtual_versioned = versioned;
        self.providers = providers;
        self.any_real = any_real;
        self.foreign_real = foreign_real;
        self.foreign_names = foreign_names;
        Ok(())
    }

    /// Whether packages of a foreign architecture are present: relations then follow the
    /// Multi-Arch rules.
    pub fn multiarch(&self) -> bool {
        !self.foreign.is_empty()
    }

    /// The architecture a package's unqualified relations are about: its own, `all` being
    /// the native one.
    fn own_arch<'s>(&'s self, arch: &'s str) -> &'s str {
        if arch == "all" {
            self.native.as_deref().unwrap_or("all")
        } else {
            arch
        }
    }

    /// Every architecture of a multi-arch universe: the native one, then the foreign ones.
    fn archs(&self) -> impl Iterator<Item = &str> {
        self.native
            .as_deref()
            .into_iter()
            .chain(self.foreign.iter().map(String::as_str))
    }

    /// The CUDF name of Debian name `name` in architecture `arch`.
    fn name_in<'s>(&self, name: &'s str, arch: &str) -> Cow<'s, str> {
        if self.is_native(arch) {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(format!("{name}%3a{arch}"))
        }
    }

    /// What package `p` provides (see the module documentation): for each of its `Provides`,
    /// the virtual name in its own architecture, in every architecture when it is
    /// `Multi-Arch: foreign`, as `NAME%3aany` when `allowed`; in a multi-arch universe also
    /// its own name in the other architectures (`foreign`) or as `NAME%3aany` (`allowed`).
    fn provided(&self, p: &Package<'_>, out: &mut Vec<Provided>) -> Result<(), Error> {
        let own = self.own_arch(p.arch);
        let multiarch = self.multiarch();
        let foreign = multiarch && p.multiarch == "foreign";
        let allowed = multiarch && p.multiarch == "allowed";
        if !p.provides.value.is_empty() {
            let file = &self.inputs[p.input].file;
            for alts in control::parse_relation(p.provides.value, file, p.provides.line)? {
                for atom in alts {
                    let version = match atom.constraint {
                        None => None,
                        Some((Op::Eq, v)) => Some(self.v(v)),
                        Some((op, v)) => {
                            return Err(Error::syntax(
                                file,
                                p.provides.line,
                                format!(
                                    "Provides of {} must use `=`, not ({} {v})",
                                    p.name,
                                    op.debian()
                                ),
                            ))
                        }
                    };
                    let mut push = |name: String| {
                        out.push(Provided {
                            name,
                            virtual_: true,
                            version,
                        })
                    };
                    push(self.target(p, &atom).into_owned());
                    if foreign && atom.arch.is_none() {
                        for t in self.archs().filter(|t| *t != own) {
                            push(self.name_in(atom.name, t).into_owned());
                        }
                    }
                    if allowed && atom.arch.is_none() {
                        push(format!("{}%3aany", atom.name));
                    }
                }
            }
        }
        let v = Some(self.v(p.version));
        if foreign {
            // Not `NAME%3aARCH = v`, as dose writes it: a package providing another
            // package's (name, version) makes aspcud, mccs and packup answer FAIL or not
            // depending on the order of the stanzas (found by tests/multiarch.rs).
            out.push(Provided {
                name: format!("--multiarch-foreign-{}", p.name),
                virtual_: false,
                version: v,
            });
        }
        if allowed {
            out.push(Provided {
                name: format!("{}%3aany", p.name),
                virtual_: false,
                version: v,
            });
        }
        Ok(())
    }

    /// The inputs the universe was read from.
    pub fn inputs(&self) -> &'a [Input] {
        self.inputs
    }

    /// Whether `arch` is the native one (or `all`): such packages keep their plain names.
    pub fn is_native_arch(&self, arch: &str) -> bool {
        self.is_native(arch)
    }

    fn is_native(&self, arch: &str) -> bool {
        arch == "all" || self.native.as_deref().is_none_or(|n| n == arch)
    }

    /// The CUDF names of the installed packages, sorted, each once (what an upgrade of
    /// everything installed names).
    pub fn installed_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .packages
            .iter()
            .filter(|p| p.installed)
            .map(|p| self.cudf_name(p))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The CUDF name of a package: its name, or `NAME%3aARCH` for a foreign architecture.
    pub fn cudf_name(&self, p: &Package<'_>) -> String {
        if self.is_native(p.arch) {
            p.name.to_string()
        } else {
            format!("{}%3a{}", p.name, p.arch)
        }
    }

    /// The CUDF name a relation atom of package `from` names (before virtual names).
    pub fn target<'s>(&self, from: &Package<'_>, atom: &Atom<'s>) -> Cow<'s, str> {
        let arch = match atom.arch {
            // `:any` also names `NAME%3aany` in a multi-arch universe (`push_atom`).
            None | Some("any") => from.arch,
            Some("native") => "all",
            Some(a) => a,
        };
        if self.is_native(arch) {
            Cow::Borrowed(atom.name)
        } else {
            Cow::Owned(format!("{}%3a{}", atom.name, arch))
        }
    }

    /// The CUDF version of a Debian version string mentioned in the input.
    fn v(&self, version: &str) -> u64 {
        self.table.get(version).unwrap_or(0)
    }

    /// Appends one atom as CUDF alternatives (`sep` between the real and the virtual names):
    /// `" | "` in a dependency, which in a multi-arch universe also names the `Multi-Arch:
    /// foreign` (any architecture) and, for `:any`, the `allowed` packages; `", "` in conflicts.
    fn push_atom(&self, out: &mut String, from: &Package<'_>, atom: &Atom<'_>, sep: &str) {
        let target = self.target(from, atom);
        match atom.constraint {
            None => {
                out.push_str(&target);
                if self.virtual_any.contains(target.as_ref()) {
                    let _ = write!(out, "{sep}--virtual-{target}");
                }
            }
            Some((op, version)) => {
                let n = self.v(version);
                let _ = write!(out, "{target} {} {n}", op.cudf());
                if self.virtual_versioned.contains(target.as_ref()) {
                    let _ = write!(out, "{sep}--virtual--versioned-{target} {} {n}", op.cudf());
                }
            }
        }
        if sep == " | " && self.multiarch() && self.foreign_real.contains(atom.name) {
            // Any `Multi-Arch: foreign` package of the name, of any architecture.
            let _ = write!(out, "{sep}--multiarch-foreign-{}", atom.name);
            if let Some((op, version)) = atom.constraint {
                let _ = write!(out, " {} {}", op.cudf(), self.v(version));
            }
        }
        if sep == " | " && atom.arch == Some("any") && self.multiarch() {
            // Also any `Multi-Arch: allowed` package of any architecture.
            let any = format!("{}%3aany", atom.name);
            let real = self.any_real.contains(atom.name);
            match atom.constraint {
                None => {
                    if real {
                        let _ = write!(out, "{sep}{any}");
                    }
                    if self.virtual_any.contains(&any) {
                        let _ = write!(out, "{sep}--virtual-{any}");
                    }
                }
                Some((op, version)) => {
                    let n = self.v(version);
                    if real {
                        let _ = write!(out, "{sep}{any} {} {n}", op.cudf());
                    }
                    if self.virtual_versioned.contains(&any) {
                        let _ = write!(out, "{sep}--virtual--versioned-{any} {} {n}", op.cudf());
                    }
                }
            }
        }
    }

    /// Appends the conflicts of one `Conflicts`/`Breaks` atom of `p` in a multi-arch universe
    /// (each preceded by `, `): the name in every architecture unless qualified, and for a
    /// `Multi-Arch: same` package no conflict with itself in another architecture (an atom on
    /// its own name is dropped, one on a name it provides becomes the other providers).
    fn push_multiarch_conflict(&self, out: &mut String, p: &Package<'_>, atom: &Atom<'_>) {
        let same = p.multiarch == "same";
        if same && atom.name == p.name {
            return; // its own versions conflict by name, its siblings by `!=` below
        }
        let self_provided = same
            && atom.constraint.is_none()
            && control::parse_relation(p.provides.value, "", 0)
                .map(|r| r.iter().flatten().any(|a| a.name == atom.name))
                .unwrap_or(false);
        let archs: Vec<&str> = match atom.arch {
            None | Some("any") => self.archs().collect(),
            Some("native") => self.native.as_deref().into_iter().collect(),
            Some(a) => vec![a],
        };
        for t in archs {
            let name = self.name_in(atom.name, t);
            // The real name where such a package exists (always in the native architecture,
            // as in a single-architecture universe), the virtual ones where provided.
            let real = self.is_native(t) || self.foreign_names.contains(name.as_ref());
            if self_provided {
                if real {
                    let _ = write!(out, ", {name}");
                }
                if let Some(list) = self.providers.get(name.as_ref()) {
                    for (debian, cudf, v) in list {
                        if *debian != p.name {
                            let _ = write!(out, ", {cudf} = {v}");
                        }
                    }
                }
                continue;
            }
            match atom.constraint {
                None => {
                    if real {
                        let _ = write!(out, ", {name}");
                    }
                    if self.virtual_any.contains(name.as_ref()) {
                        let _ = write!(out, ", --virtual-{name}");
                    }
                }
                Some((op, version)) => {
                    let n = self.v(version);
                    if real {
                        let _ = write!(out, ", {name} {} {n}", op.cudf());
                    }
                    if self.virtual_versioned.contains(name.as_ref()) {
                        let _ = write!(out, ", --virtual--versioned-{name} {} {n}", op.cudf());
                    }
                }
            }
        }
    }

    /// Appends a dependency-like formula (alternatives joined by `|`, clauses by `,`).
    fn push_formula(
        &self,
        out: &mut String,
        from: &Package<'_>,
        fields: &[&RawField<'_>],
    ) -> Result<bool, Error> {
        let file = &self.inputs[from.input].file;
        let mut any = false;
        for f in fields {
            if f.value.is_empty() {
                continue;
            }
            for alts in control::parse_relation(f.value, file, f.line)? {
                if any {
                    out.push_str(", ");
                }
                any = true;
                for (i, atom) in alts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" | ");
                    }
                    self.push_atom(out, from, atom, " | ");
                }
            }
        }
        Ok(any)
    }

    /// Appends one package stanza in CUDF (no blank line after it).
    pub fn write_package(&self, out: &mut String, p: &Package<'_>) -> Result<(), Error> {
        let file = &self.inputs[p.input].file;
        let cname = self.cudf_name(p);
        let _ = write!(out, "package: {cname}\nversion: {}\n", self.v(p.version));
        let mark = out.len();
        out.push_str("depends: ");
        if self.push_formula(out, p, &[&p.pre_depends, &p.depends])? {
            out.push('\n');
        } else {
            out.truncate(mark);
        }
        // Conflicts: the own name (other versions), other architectures (all versions, or
        // other versions for `Multi-Arch: same`), Conflicts, Breaks.
        let _ = write!(out, "conflicts: {cname}");
        if let Some(vars) = self.arch_variants.get(p.name) {
            let same = p.multiarch == "same";
            let v = self.v(p.version);
            for var in vars.iter().filter(|var| **var != cname) {
                if same {
                    let _ = write!(out, ", {var} != {v}");
                } else {
                    let _ = write!(out, ", {var}");
                }
            }
        }
        let multiarch = self.multiarch();
        for f in [&p.conflicts, &p.breaks] {
            if f.value.is_empty() {
                continue;
            }
            for alts in control::parse_relation(f.value, file, f.line)? {
                for atom in &alts {
                    if multiarch {
                        self.push_multiarch_conflict(out, p, atom);
                    } else {
                        out.push_str(", ");
                        self.push_atom(out, p, atom, ", ");
                    }
                }
            }
        }
        out.push('\n');
        if !p.provides.value.is_empty() || (self.multiarch() && !p.multiarch.is_empty()) {
            let mut provided = Vec::new();
            self.provided(p, &mut provided)?;
            let mut first = true;
            for e in &provided {
                out.push_str(if first { "provides: " } else { ", " });
                first = false;
                match (e.virtual_, e.version) {
                    (true, None) => {
                        let _ = write!(out, "--virtual-{}", e.name);
                    }
                    (true, Some(n)) => {
                        let _ =
                            write!(out, "--virtual-{0}, --virtual--versioned-{0} = {n}", e.name);
                    }
                    (false, n) => {
                        let _ = write!(out, "{} = {}", e.name, n.unwrap_or(0));
                    }
                }
            }
            if !first {
                out.push('\n');
            }
        }
        if p.installed {
            out.push_str("installed: true\n");
            if p.hold {
                out.push_str("keep: version\n");
            } else if self.keep_installed {
                out.push_str("keep: package\n");
            }
        }
        let _ = write!(out, "number: {}\narchitecture: {}\n", p.version, p.arch);
        if !p.multiarch.is_empty() {
            let _ = writeln!(out, "multiarch: {}", p.multiarch);
        }
        let _ = write!(
            out,
            "source: {}\nsourcenumber: {}\n",
            p.source, p.source_version
        );
        if let Some(size) = p.installed_size {
            let _ = writeln!(out, "installedsize: {size}");
        }
        if p.essential {
            out.push_str("essential: true\n");
        }
        if !p.priority.is_empty() {
            let _ = writeln!(out, "priority: {}", p.priority);
        }
        let mark = out.len();
        out.push_str("recommends: ");
        if self.push_formula(out, p, &[&p.recommends])? {
            out.push('\n');
        } else {
            out.truncate(mark);
        }
        if !p.replaces.value.is_empty() {
            out.push_str("replaces: ");
            let mut first = true;
            for alts in control::parse_relation(p.replaces.value, file, p.replaces.line)? {
                for atom in &alts {
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    let target = self.target(p, atom);
                    match atom.constraint {
                        None => out.push_str(&target),
                        Some((op, v)) => {
                            let _ = write!(out, "{target} {} {}", op.cudf(), self.v(v));
                        }
                    }
                }
            }
            out.push('\n');
        }
        let _ = writeln!(out, "filename: {}", self.inputs[p.input].label);
        Ok(())
    }

    /// A CUDF vpkg for a Debian package name with an optional constraint, as a request names
    /// it (`NAME`, `NAME%3aARCH` for `NAME:ARCH`, constraint mapped); `None` when the
    /// constraint's version is not in the table (add it to the table first).
    pub fn request_vpkg(&self, name: &str, constraint: Option<(Op, &str)>) -> Option<String> {
        let (base, arch) = match name.split_once(':') {
            Some((n, a)) => (n, a),
            None => (name, "all"),
        };
        let cname = if self.is_native(arch) || arch == "any" || arch == "native" {
            base.to_string()
        } else {
            format!("{base}%3a{arch}")
        };
        Some(match constraint {
            None => cname,
            Some((op, v)) => format!("{cname} {} {}", op.cudf(), self.table.get(v)?),
        })
    }
}

impl<'a> Universe<'a> {
    /// The dependency cone of some packages (indexes into [`Universe::packages`]): the
    /// packages themselves and, transitively, every package that any alternative of their
    /// `Pre-Depends`/`Depends` names (any version, real or providing it). A request about the
    /// seeds is solvable on the cone exactly when it is on the whole universe (no dependency
    /// leaves the cone; dropping packages drops no conflict's protection), and the cone is
    /// what a solver must look at. Sorted by index.
    pub fn cone(&self, seeds: &[usize]) -> Result<Vec<usize>, Error> {
        self.cone_with(&self.cone_index()?, seeds)
    }

    /// The index [`Universe::cone_with`] uses: build it once for many cones.
    pub fn cone_index(&self) -> Result<ConeIndex, Error> {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut provided = Vec::new();
        for (i, p) in self.packages.iter().enumerate() {
            by_name.entry(self.cudf_name(p)).or_default().push(i);
            provided.clear();
            self.provided(p, &mut provided)?;
            for e in provided.drain(..) {
                by_name.entry(e.name).or_default().push(i);
            }
        }
        Ok(ConeIndex { by_name })
    }

    /// The cone of `seeds` (see [`Universe::cone`]) with a prebuilt index.
    pub fn cone_with(&self, index: &ConeIndex, seeds: &[usize]) -> Result<Vec<usize>, Error> {
        let by_name = &index.by_name;
        let mut seen = vec![false; self.packages.len()];
        let mut stack: Vec<usize> = Vec::new();
        for &s in seeds {
            if s < seen.len() && !seen[s] {
                seen[s] = true;
                stack.push(s);
            }
        }
        while let Some(i) = stack.pop() {
            let p = &self.packages[i];
            let file = &self.inputs[p.input].file;
            for f in [&p.pre_depends, &p.depends] {
                if f.value.is_empty() {
                    continue;
                }
                for alts in control::parse_relation(f.value, file, f.line)? {
                    for atom in alts {
                        let any = (atom.arch == Some("any") && self.multiarch())
                            .then(|| format!("{}%3aany", atom.name));
                        let foreign = (self.multiarch() && self.foreign_real.contains(atom.name))
                            .then(|| format!("--multiarch-foreign-{}", atom.name));
                        let names = [Some(self.target(p, &atom).into_owned()), any, foreign];
                        for list in names.iter().flatten().filter_map(|n| by_name.get(n)) {
                            for &j in list {
                                if !seen[j] {
                                    seen[j] = true;
                                    stack.push(j);
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok((0..seen.len()).filter(|&i| seen[i]).collect())
    }

    /// The stanzas of some packages as written in their inputs (a Packages excerpt: feed it
    /// to another converter, or ship it as test data), separated by blank lines.
    pub fn excerpt(&self, packages: &[usize]) -> String {
        let mut out = String::new();
        for &i in packages {
            let p = &self.packages[i];
            let text = &self.inputs[p.input].text;
            let rest = &text[p.offset..];
            let end = rest
                .find("\n\n")
                .or_else(|| rest.find("\n\r\n"))
                .map_or(rest.len(), |k| k + 1);
            out.push_str(&rest[..end]);
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }
}

/// One name a package provides (see `Universe::provided`).
#[derive(Debug, Clone)]
struct Provided {
    /// The CUDF name, without the `--virtual-` prefixes of a virtual one.
    name: String,
    /// A virtual name (`--virtual-NAME`, and `--virtual--versioned-NAME` when versioned), or
    /// a real one (a `Multi-Arch` package's own name in another architecture or `%3aany`).
    virtual_: bool,
    /// The version provided (CUDF), if any.
    version: Option<u64>,
}

/// Which packages (real or providing) answer to each CUDF name, for [`Universe::cone_with`].
#[derive(Debug, Clone, Default)]
pub struct ConeIndex {
    by_name: HashMap<String, Vec<usize>>,
}

/// The CUDF preamble of every problem we write: dose's property names and types.
pub const PREAMBLE: &str = "preamble: \nproperty: number: string, architecture: string, \
multiarch: string = [\"\"], source: string = [\"\"], sourcenumber: string = [\"\"], \
installedsize: int = [0], essential: bool = [false], priority: string = [\"\"], \
recommends: vpkgformula = [true!], replaces: vpkglist = [], filename: string = [\"\"]\n\n";
