//! An installation of a universe, indexed for the questions a checker asks.

use rustc_hash::FxHashMap;

use crate::model::{Document, NameId, PkgId, Version, Vpkg};

/// A set of installed packages of a document (one flag per package), with the features they
/// provide indexed by name. Only the installed packages' own `provides` are read, so checking
/// an installation never reads the relations of the rest of a universe.
#[derive(Debug, Clone)]
pub struct Installation<'d, 'a> {
    doc: &'d Document<'a>,
    flags: &'d [bool],
    providers: FxHashMap<NameId, Vec<(PkgId, Option<Version>)>>,
}

impl<'d, 'a> Installation<'d, 'a> {
    /// Indexes an installation: `flags[i]` says whether package `i` is installed (a shorter
    /// slice leaves the rest not installed).
    pub fn new(doc: &'d Document<'a>, flags: &'d [bool]) -> Self {
        let mut providers: FxHashMap<NameId, Vec<(PkgId, Option<Version>)>> = FxHashMap::default();
        for p in Self::ids(flags) {
            for f in doc.provides(p) {
                providers
                    .entry(f.name)
                    .or_default()
                    .push((p, f.op.map(|_| f.version)));
            }
        }
        Installation {
            doc,
            flags,
            providers,
        }
    }

    fn ids(flags: &[bool]) -> impl Iterator<Item = PkgId> + '_ {
        flags
            .iter()
            .enumerate()
            .filter(|(_, &on)| on)
            .map(|(i, _)| PkgId(i as u32))
    }

    /// The document the installation belongs to.
    pub fn document(&self) -> &'d Document<'a> {
        self.doc
    }

    /// The installed packages, in stanza order.
    pub fn packages(&self) -> impl Iterator<Item = PkgId> + 'd {
        Self::ids(self.flags)
    }

    /// Whether a package is installed.
    pub fn contains(&self, p: PkgId) -> bool {
        self.flags.get(p.index()).copied().unwrap_or(false)
    }

    /// The installed versions of a name: installed packages of that name.
    pub fn versions_of(&self, name: NameId) -> impl Iterator<Item = PkgId> + '_ {
        self.doc
            .versions_of(name)
            .iter()
            .copied()
            .filter(|&p| self.contains(p))
    }

    /// The installed packages that provide a feature, with the provided version (`None`:
    /// unversioned).
    pub fn providers_of(&self, feature: NameId) -> &[(PkgId, Option<Version>)] {
        self.providers.get(&feature).map_or(&[], Vec::as_slice)
    }

    /// Whether the installation satisfies a vpkg: some installed package of that name has a
    /// matching version, or some installed package provides the feature with a matching version
    /// (an unversioned provide matches every constraint). misc-rules.md 5.4.
    pub fn satisfies(&self, vpkg: Vpkg) -> bool {
        let c = vpkg.constraint();
        self.versions_of(vpkg.name)
            .any(|p| c.matches(self.doc.package(p).version))
            || self
                .providers_of(vpkg.name)
                .iter()
                .any(|&(_, provided)| c.matches_provided(provided))
    }
}
