//! The CUDF document model: packages, request and preamble, with names interned to dense ids;
//! relations and extra properties are kept as text of the input and read on first use.

use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Mutex, OnceLock};

use hashbrown::HashTable;

/// A package or feature name, interned: an index into [`Document::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameId(pub u32);

/// The index of a package stanza in [`Document::packages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PkgId(pub u32);

impl PkgId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// CUDF versions are positive integers, compared as integers (misc-rules.md 5.2).
pub type Version = u64;

/// A relational operator of a version constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelOp {
    /// `=`: exactly this version.
    Eq,
    /// `!=`: any version but this one.
    Neq,
    /// `>=`: this version or a later one.
    Geq,
    /// `>`: a later version.
    Gt,
    /// `<=`: this version or an earlier one.
    Leq,
    /// `<`: an earlier version.
    Lt,
}

impl RelOp {
    /// The operator as CUDF writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            RelOp::Eq => "=",
            RelOp::Neq => "!=",
            RelOp::Geq => ">=",
            RelOp::Gt => ">",
            RelOp::Leq => "<=",
            RelOp::Lt => "<",
        }
    }

    /// Whether `version op bound` holds.
    pub fn holds(self, version: Version, bound: Version) -> bool {
        match self {
            RelOp::Eq => version == bound,
            RelOp::Neq => version != bound,
            RelOp::Geq => version >= bound,
            RelOp::Gt => version > bound,
            RelOp::Leq => version <= bound,
            RelOp::Lt => version < bound,
        }
    }
}

/// An optional version constraint: `None` matches every version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Constraint(pub Option<(RelOp, Version)>);

impl Constraint {
    /// The constraint that every version meets.
    pub const ANY: Constraint = Constraint(None);

    /// Whether a concrete version meets the constraint.
    pub fn matches(self, version: Version) -> bool {
        match self.0 {
            None => true,
            Some((op, bound)) => op.holds(version, bound),
        }
    }

    /// Whether a version *provided* for a feature meets the constraint. An unversioned provide
    /// (`provided == None`) matches every constraint (misc-rules.md 5.4; libCUDF
    /// `Cudf.mem_installed`).
    pub fn matches_provided(self, provided: Option<Version>) -> bool {
        match provided {
            None => true,
            Some(v) => self.matches(v),
        }
    }
}

/// A versioned package predicate: `name [op version]`. Stored flat (16 bytes) because a
/// full Debian universe has about a million of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vpkg {
    /// The package or feature name the predicate is about.
    pub name: NameId,
    /// The operator, or `None` for an unversioned vpkg (then `version` is 0).
    pub op: Option<RelOp>,
    /// The version bound of `op` (meaningful only when `op` is `Some`).
    pub version: Version,
}

impl Vpkg {
    /// A vpkg from a name and a constraint.
    pub fn new(name: NameId, constraint: Constraint) -> Vpkg {
        match constraint.0 {
            None => Vpkg {
                name,
                op: None,
                version: 0,
            },
            Some((op, version)) => Vpkg {
                name,
                op: Some(op),
                version,
            },
        }
    }

    /// The version constraint.
    #[inline]
    pub fn constraint(self) -> Constraint {
        Constraint(self.op.map(|op| (op, self.version)))
    }
}

/// A range of an arena of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Index of the first element in the arena.
    pub start: u32,
    /// Number of elements.
    pub len: u32,
}

impl Span {
    pub(crate) fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// A list of vpkgs (conflicts, provides, request items): a span of [`Document`]'s vpkg arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VpkgList(pub Span);

/// The `keep` property of a package (misc-rules.md 5.5, item 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Keep {
    /// `keep: version`: the installed version must stay installed.
    Version,
    /// `keep: package`: some version of the package must stay installed.
    Package,
    /// `keep: feature`: every feature the package provides must stay provided.
    Feature,
    /// No keep constraint (the default when the stanza has no `keep`).
    #[default]
    None,
}

impl Keep {
    /// The value as CUDF writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Version => "version",
            Keep::Package => "package",
            Keep::Feature => "feature",
            Keep::None => "none",
        }
    }
}

/// One package stanza.
///
/// `depends`, `conflicts` and `provides` are kept as the (already validated) text of the
/// stanza and read only when asked for, through [`Document::depends`], [`Document::conflicts`]
/// and [`Document::provides`]: a checker looks at the relations of the installed packages only,
/// a few hundred of a universe's tens of thousands.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// The package's name (interned in its [`Document`]).
    pub name: NameId,
    /// The package's version: a positive integer; (name, version) is unique within a document.
    pub version: Version,
    /// `installed: true`: installed in the initial installation (or, in a solution, in the proposed
    /// one).
    pub installed: bool,
    /// `was-installed: true`: installed before the change a solution document describes.
    pub was_installed: bool,
    /// The `keep` property (misc-rules.md 5.5, item 5).
    pub keep: Keep,
    /// Where the extra properties given in the stanza are.
    pub(crate) extras: Extras,
    /// The line of the stanza's `package:` property.
    pub line: u32,
    /// The text of `depends` (empty when the stanza has none).
    pub(crate) depends: TextRef,
    /// The text of `conflicts` (empty when the stanza has none).
    pub(crate) conflicts: TextRef,
    /// The text of `provides` (empty when the stanza has none).
    pub(crate) provides: TextRef,
}

/// Where a package's extra properties are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extras {
    /// In the stanza's text, every property on one line: read again when asked for.
    Stanza(TextRef),
    /// In the document's extras arena (a stanza with comments or continuation lines).
    Arena(Span),
}

/// The type of a property (misc-rules.md 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropType {
    /// `int`: any integer.
    Int,
    /// `posint`: an integer greater than 0.
    Posint,
    /// `nat`: an integer greater than or equal to 0.
    Nat,
    /// `bool`: `true` or `false`.
    Bool,
    /// `string`: any text up to the end of the line.
    String,
    /// `pkgname`: a package name.
    Pkgname,
    /// `ident`: a lower-case identifier (`[a-z][a-z0-9-]*`).
    Ident,
    /// `enum[a,b,...]`: one of the listed identifiers.
    Enum(Vec<String>),
    /// `vpkg`: one package name with an optional version constraint.
    Vpkg,
    /// `vpkgformula`: a conjunction of disjunctions of vpkgs (as `depends`).
    Vpkgformula,
    /// `vpkglist`: a comma-separated list of vpkgs (as `conflicts`).
    Vpkglist,
    /// `veqpkg`: a vpkg whose constraint, if any, is `=` (as in `provides`).
    Veqpkg,
    /// `veqpkglist`: a comma-separated list of veqpkgs (as `provides`).
    Veqpkglist,
}

impl PropType {
    /// Whether values of this type are integers (the types `sum(...)` criteria accept).
    pub fn is_integer(&self) -> bool {
        matches!(self, PropType::Int | PropType::Posint | PropType::Nat)
    }
}

impl fmt::Display for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            PropType::Int => "int",
            PropType::Posint => "posint",
            PropType::Nat => "nat",
            PropType::Bool => "bool",
            PropType::String => "string",
            PropType::Pkgname => "pkgname",
            PropType::Ident => "ident",
            PropType::Enum(values) => return write!(f, "enum[{}]", values.join(",")),
            PropType::Vpkg => "vpkg",
            PropType::Vpkgformula => "vpkgformula",
            PropType::Vpkglist => "vpkglist",
            PropType::Veqpkg => "veqpkg",
            PropType::Veqpkglist => "veqpkglist",
        };
        f.write_str(s)
    }
}

/// The index of a declared extra property in [`Document::properties`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PropId(pub u32);

/// A property declared in the preamble.
#[derive(Debug, Clone, PartialEq)]
pub struct PropDecl {
    /// The property's name, as stanzas write it.
    pub name: String,
    /// The property's type; values are checked against it.
    pub ty: PropType,
    /// The default value as written between the brackets (quotes of strings removed), or `None`
    /// when the property is mandatory in every package stanza.
    pub default: Option<String>,
}

/// The preamble stanza.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Preamble {
    /// The value of `preamble:` (usually empty).
    pub id: String,
    /// `univ-checksum`: a checksum of the universe, as written (never verified).
    pub univ_checksum: Option<String>,
    /// `status-checksum`: a checksum of the installation status, as written (never verified).
    pub status_checksum: Option<String>,
    /// `req-checksum`: a checksum of the request, as written (never verified).
    pub req_checksum: Option<String>,
}

/// The request stanza.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    /// The value of `request:` (free text naming the request, often empty).
    pub id: String,
    /// `install:`: vpkgs each of which some installed package must satisfy.
    pub install: VpkgList,
    /// `remove:`: vpkgs no installed package may satisfy.
    pub remove: VpkgList,
    /// `upgrade:`: vpkgs each to be met by exactly one installed version of its name, no older than
    /// any installed before (misc-rules.md 5.5, item 4).
    pub upgrade: VpkgList,
    /// The line of the `request:` property.
    pub line: u32,
}

/// A value of an extra property: a slice of the input, or of the document's own text when
/// continuation lines had to be joined (the top bit of `len`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TextRef {
    pub start: u32,
    pub len: u32,
}

pub(crate) const OWNED: u32 = 1 << 31;

pub(crate) fn name_hash(s: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// The relations of one package, read from its text on first use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Relations {
    /// The vpkgs of `depends`, clause after clause, then those of `conflicts`.
    vpkgs: Vec<Vpkg>,
    /// Where each clause of `depends` ends in `vpkgs`.
    clause_ends: Vec<u32>,
}

impl Relations {
    fn depends_len(&self) -> usize {
        self.clause_ends.last().map_or(0, |&e| e as usize)
    }
}

/// Names that only relations (`depends`, `conflicts`, `provides`) mention: no package has
/// them. They get ids from [`Document::name_count`] on, when a relation naming them is first
/// read.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnknownNames {
    table: HashTable<u32>,
    refs: Vec<TextRef>,
}

/// A parsed CUDF document. String values of extra properties, names and relations borrow from
/// the input text.
#[derive(Debug, Default)]
pub struct Document<'a> {
    /// The preamble stanza, when the document has one.
    pub preamble: Option<Preamble>,
    /// Extra properties declared in the preamble, in declaration order.
    pub properties: Vec<PropDecl>,
    /// The package stanzas, in document order; a [`PkgId`] indexes this.
    pub packages: Vec<Package>,
    /// The request stanza, when the document has one.
    pub request: Option<Request>,
    /// What the document does that CUDF 2.0 forbids but libCUDF (or misc) accepts, in document
    /// order (misc-rules.md 7.12).
    pub warnings: Vec<crate::ParseError>,
    /// The input text that names and values borrow from.
    pub(crate) text: &'a str,
    /// Values that could not be borrowed (joined continuation lines).
    pub(crate) owned_text: String,
    /// The text of each name of a package or a request item.
    pub(crate) names: Vec<TextRef>,
    /// Name ids by hash; each entry also keeps the high half of its name's hash, so that a
    /// probe touches a name's text only when the hashes agree.
    pub(crate) name_table: HashTable<(u32, u32)>,
    /// Request items.
    pub(crate) vpkgs: Vec<Vpkg>,
    /// Extra properties of the stanzas that could not be read again from the text.
    pub(crate) extras: Vec<(PropId, TextRef)>,
    /// Declared extra property names to ids.
    pub(crate) extra_ids: rustc_hash::FxHashMap<String, PropId>,
    /// Package ids per name id, in stanza order: `by_name[by_name_start[n]..by_name_start[n + 1]]`.
    pub(crate) by_name_start: Vec<u32>,
    pub(crate) by_name: Vec<PkgId>,
    /// The providers of each feature, built on first use.
    pub(crate) providers: OnceLock<Providers>,
    /// The `depends` and `conflicts` of each package, once read.
    pub(crate) relations: PerPackage<Box<Relations>>,
    /// The `provides` of each package, once read.
    pub(crate) provided: PerPackage<Box<[Vpkg]>>,
    pub(crate) unknown_names: Mutex<UnknownNames>,
}

impl Clone for Document<'_> {
    fn clone(&self) -> Self {
        Document {
            preamble: self.preamble.clone(),
            properties: self.properties.clone(),
            packages: self.packages.clone(),
            request: self.request.clone(),
            warnings: self.warnings.clone(),
            text: self.text,
            owned_text: self.owned_text.clone(),
            names: self.names.clone(),
            name_table: self.name_table.clone(),
            vpkgs: self.vpkgs.clone(),
            extras: self.extras.clone(),
            extra_ids: self.extra_ids.clone(),
            by_name_start: self.by_name_start.clone(),
            by_name: self.by_name.clone(),
            providers: self.providers.clone(),
            relations: self.relations.clone(),
            provided: self.provided.clone(),
            unknown_names: Mutex::new(self.unknown().clone()),
        }
    }
}

/// A value per package, computed on first use. The cells come in chunks of 256 packages,
/// each allocated when one of its packages is first asked about, so that a document whose
/// checker touches a few hundred packages never pays for all of them.
#[derive(Debug, Clone)]
pub(crate) struct PerPackage<T> {
    chunks: Vec<OnceLock<Box<[OnceLock<T>]>>>,
}

impl<T> Default for PerPackage<T> {
    fn default() -> Self {
        PerPackage { chunks: Vec::new() }
    }
}

const CHUNK: usize = 256;

impl<T> PerPackage<T> {
    pub(crate) fn new(packages: usize) -> Self {
        PerPackage {
            chunks: (0..packages.div_ceil(CHUNK))
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// The value of package `i`, computed by `f` the first time; `None` beyond the count
    /// given to `new`.
    fn get_or_init(&self, i: usize, f: impl FnOnce() -> T) -> Option<&T> {
        let chunk = self
            .chunks
            .get(i / CHUNK)?
            .get_or_init(|| (0..CHUNK).map(|_| OnceLock::new()).collect());
        Some(chunk.get(i % CHUNK)?.get_or_init(f))
    }
}

/// Per feature name id, the packages that provide it and the provided version, laid out like
/// the packages per name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Providers {
    starts: Vec<u32>,
    items: Vec<(PkgId, Option<Version>)>,
}

/// The slice `items[starts[i]..starts[i + 1]]` of a compressed index, empty for an `i` it lacks.
fn csr_slice<'s, T>(starts: &[u32], items: &'s [T], i: usize) -> &'s [T] {
    match (starts.get(i), starts.get(i + 1)) {
        (Some(&a), Some(&b)) => items.get(a as usize..b as usize).unwrap_or(&[]),
        _ => &[],
    }
}

impl<'a> Document<'a> {
    /// An empty document (no preamble, no packages, no request).
    pub fn new() -> Self {
        Self::default()
    }

    fn unknown(&self) -> std::sync::MutexGuard<'_, UnknownNames> {
        // Nothing panics while the lock is held, but a poisoned lock still holds sound data.
        self.unknown_names
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The text of an interned name (empty for an id the document never gave out).
    pub fn name(&self, id: NameId) -> &str {
        let i = id.0 as usize;
        match self.names.get(i) {
            Some(&r) => self.text_of(r),
            None => {
                let r = self
                    .unknown()
                    .refs
                    .get(i - self.names.len())
                    .copied()
                    .unwrap_or_default();
                self.text_of(r)
            }
        }
    }

    /// The id of a name of a package, a provided feature or a request item.
    fn known_name_id(&self, name: &str, hash: u64) -> Option<NameId> {
        let tag = (hash >> 32) as u32;
        self.name_table
            .find(hash, |&(id, t)| {
                t == tag && self.text_of(self.names[id as usize]) == name
            })
            .map(|&(id, _)| NameId(id))
    }

    /// The id of a name, if the document mentions it as a package, a request item or a
    /// provided feature, or in a relation read so far. A name found nowhere else makes the
    /// first such call read the `provides` of every package (see [`Document::providers_of`]).
    pub fn name_id(&self, name: &str) -> Option<NameId> {
        self.name_id_read_so_far(name).or_else(|| {
            if self.providers.get().is_some() {
                return None;
            }
            self.providers_of(NameId(0));
            self.name_id_read_so_far(name)
        })
    }

    /// The id of a name if the document mentions it as a package or a request item, or in a
    /// relation read so far. Cheaper than [`Document::name_id`]: after an [`Installation`] is
    /// built, every feature its packages provide has an id.
    ///
    /// [`Installation`]: crate::Installation
    pub fn name_id_read_so_far(&self, name: &str) -> Option<NameId> {
        let hash = name_hash(name);
        self.known_name_id(name, hash).or_else(|| {
            let unknown = self.unknown();
            unknown
                .table
                .find(hash, |&id| {
                    self.text_of(unknown.refs[(id as usize) - self.names.len()]) == name
                })
                .map(|&id| NameId(id))
        })
    }

    /// The number of names of packages and request items: their ids are `0..name_count()`. A
    /// name that only a relation mentions has no package; it gets an id from `name_count()` on
    /// when the relation is first read.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn text_of(&self, r: TextRef) -> &str {
        text_of(self.text, &self.owned_text, r)
    }

    /// A package by id.
    pub fn package(&self, id: PkgId) -> &Package {
        &self.packages[id.index()]
    }

    /// All package ids.
    pub fn package_ids(&self) -> impl ExactSizeIterator<Item = PkgId> {
        (0..self.packages.len() as u32).map(PkgId)
    }

    /// The packages (every version) of a name, in stanza order.
    pub fn versions_of(&self, name: NameId) -> &[PkgId] {
        csr_slice(&self.by_name_start, &self.by_name, name.0 as usize)
    }

    /// The packages that provide a feature, with the provided version (`None`: unversioned).
    ///
    /// The first call reads the `provides` of every package; a checker that only cares about
    /// installed packages reads theirs with [`Document::provides`] instead.
    pub fn providers_of(&self, feature: NameId) -> &[(PkgId, Option<Version>)] {
        let index = self.providers.get_or_init(|| self.index_providers());
        csr_slice(&index.starts, &index.items, feature.0 as usize)
    }

    fn index_providers(&self) -> Providers {
        let provided: Vec<&[Vpkg]> = self.package_ids().map(|p| self.provides(p)).collect();
        let names = self.names.len() + self.unknown().refs.len();
        let mut starts = vec![0u32; names + 1];
        for v in provided.iter().flat_map(|l| l.iter()) {
            if let Some(s) = starts.get_mut(v.name.0 as usize + 1) {
                *s += 1;
            }
        }
        for i in 0..names {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        let mut items = vec![(PkgId(0), None); starts[names] as usize];
        for (p, list) in provided.iter().enumerate() {
            for v in list.iter() {
                if let Some(slot) = fill.get_mut(v.name.0 as usize) {
                    items[*slot as usize] = (PkgId(p as u32), v.op.map(|_| v.version));
                    *slot += 1;
                }
            }
        }
        Providers { starts, items }
    }

    /// The features a package provides (a veqpkglist: every constraint is `= v` or absent).
    pub fn provides(&self, pkg: PkgId) -> &[Vpkg] {
        let Some(p) = self.packages.get(pkg.index()) else {
            return &[];
        };
        self.provided
            .get_or_init(pkg.index(), || {
                let text = self.text_of(p.provides);
                let mut vpkgs = Vec::new();
                let _ = crate::vpkg::read(text, crate::vpkg::Shape::List, |item| {
                    if let Some((range, c)) = item {
                        vpkgs.push(Vpkg::new(self.relation_name(&text[range]), c))
                    }
                });
                vpkgs.into_boxed_slice()
            })
            .map_or(&[], |b| b)
    }

    /// The package with this name and version, if the universe has it.
    pub fn find(&self, name: NameId, version: Version) -> Option<PkgId> {
        self.versions_of(name)
            .iter()
            .copied()
            .find(|&p| self.package(p).version == version)
    }

    /// The vpkgs of a list.
    pub fn vpkgs(&self, list: VpkgList) -> &[Vpkg] {
        self.vpkgs.get(list.0.range()).unwrap_or(&[])
    }

    fn relations(&self, pkg: PkgId) -> &Relations {
        static NONE: Relations = Relations {
            vpkgs: Vec::new(),
            clause_ends: Vec::new(),
        };
        if pkg.index() >= self.packages.len() {
            return &NONE;
        }
        self.relations
            .get_or_init(pkg.index(), || Box::new(self.read_relations(pkg)))
            .map_or(&NONE, |b| b)
    }

    /// Reads the relations of a package from its text, which the parser validated.
    fn read_relations(&self, pkg: PkgId) -> Relations {
        let p = self.package(pkg);
        let mut vpkgs = Vec::new();
        let mut clause_ends = Vec::new();
        let depends = self.text_of(p.depends);
        if !depends.is_empty() {
            let _ = crate::vpkg::read(depends, crate::vpkg::Shape::Formula, |item| match item {
                Some((range, c)) => vpkgs.push(Vpkg::new(self.relation_name(&depends[range]), c)),
                None => clause_ends.push(vpkgs.len() as u32),
            });
        }
        let conflicts = self.text_of(p.conflicts);
        let _ = crate::vpkg::read(conflicts, crate::vpkg::Shape::List, |item| {
            if let Some((range, c)) = item {
                vpkgs.push(Vpkg::new(self.relation_name(&conflicts[range]), c))
            }
        });
        vpkgs.shrink_to_fit();
        clause_ends.shrink_to_fit();
        Relations { vpkgs, clause_ends }
    }

    /// The id of a name read from a relation's text (a slice of the document's text).
    fn relation_name(&self, name: &str) -> NameId {
        let hash = name_hash(name);
        if let Some(id) = self.known_name_id(name, hash) {
            return id;
        }
        let base = self.names.len();
        let mut guard = self.unknown();
        let unknown = &mut *guard;
        let of = |r: TextRef| text_of(self.text, &self.owned_text, r);
        let refs = &unknown.refs;
        let entry = unknown.table.entry(
            hash,
            |&id| of(refs[id as usize - base]) == name,
            |&id| name_hash(of(refs[id as usize - base])),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => NameId(*e.get()),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let id = (base + unknown.refs.len()) as u32;
                e.insert(id);
                unknown.refs.push(self.ref_of(name));
                NameId(id)
            }
        }
    }

    /// Where a slice of the document's text (or of its owned text) lies.
    fn ref_of(&self, s: &str) -> TextRef {
        let at = s.as_ptr() as usize;
        let base = self.text.as_ptr() as usize;
        if at >= base && at + s.len() <= base + self.text.len() {
            TextRef {
                start: (at - base) as u32,
                len: s.len() as u32,
            }
        } else {
            TextRef {
                start: (at - self.owned_text.as_ptr() as usize) as u32,
                len: s.len() as u32 | OWNED,
            }
        }
    }

    /// The `depends` formula of a package in conjunctive normal form: each clause a disjunction
    /// of vpkgs. `true!` (or no `depends`) has no clause; `false!` has one empty clause.
    pub fn depends(&self, pkg: PkgId) -> impl ExactSizeIterator<Item = &[Vpkg]> + '_ {
        let r = self.relations(pkg);
        (0..r.clause_ends.len()).map(move |i| {
            let start = if i == 0 {
                0
            } else {
                r.clause_ends[i - 1] as usize
            };
            &r.vpkgs[start..r.clause_ends[i] as usize]
        })
    }

    /// The `conflicts` of a package.
    pub fn conflicts(&self, pkg: PkgId) -> &[Vpkg] {
        let r = self.relations(pkg);
        &r.vpkgs[r.depends_len()..]
    }

    /// The declared extra property with this name.
    pub fn property_id(&self, name: &str) -> Option<PropId> {
        self.properties
            .iter()
            .position(|p| p.name == name)
            .map(|i| PropId(i as u32))
    }

    /// A declared property.
    pub fn property(&self, id: PropId) -> &PropDecl {
        &self.properties[id.0 as usize]
    }

    /// The extra properties written in a package's stanza, as raw (already type-checked) text.
    pub fn extras(&self, pkg: PkgId) -> impl Iterator<Item = (PropId, &str)> + '_ {
        let (arena, stanza) = match self.package(pkg).extras {
            Extras::Arena(span) => (self.extras.get(span.range()).unwrap_or(&[]), ""),
            Extras::Stanza(r) => (&[][..], self.text_of(r)),
        };
        arena.iter().map(move |&(p, r)| (p, self.text_of(r))).chain(
            stanza
                .split('\n')
                .filter_map(|line| self.stanza_extra(line)),
        )
    }

    /// An extra property from a line of a stanza the parser read as simple lines: the value as
    /// the parser took it (after the blanks that follow the colon; without trailing
    /// whitespace, except for strings). `None` for a core property.
    fn stanza_extra<'s>(&self, line: &'s str) -> Option<(PropId, &'s str)> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let (name, value) = line.split_once(':')?;
        let id = *self.extra_ids.get(name)?;
        let value = value.trim_start_matches([' ', '\t']);
        let value = match self.properties.get(id.0 as usize)?.ty {
            PropType::String => value,
            _ => crate::parse::trim_end(value),
        };
        Some((id, value))
    }

    /// The raw text of an extra property of a package: the stanza's value, else the declared
    /// default, else `None`.
    pub fn extra_raw(&self, pkg: PkgId, prop: PropId) -> Option<&str> {
        self.extras(pkg)
            .find(|(p, _)| *p == prop)
            .map(|(_, v)| v)
            .or_else(|| self.property(prop).default.as_deref())
    }

    /// An integer extra property of a package (stanza value or default).
    pub fn extra_int(&self, pkg: PkgId, prop: PropId) -> Option<i64> {
        let raw = self.extra_raw(pkg, prop)?;
        crate::parse::parse_int_value(raw.trim())
    }

    /// Writes a vpkg as CUDF text.
    pub fn display_vpkg(&self, vpkg: Vpkg) -> String {
        match vpkg.op {
            None => self.name(vpkg.name).to_string(),
            Some(op) => format!("{} {} {}", self.name(vpkg.name), op.as_str(), vpkg.version),
        }
    }

    /// `name = version` of a package, the way messages name packages.
    pub fn display_package(&self, id: PkgId) -> String {
        let p = self.package(id);
        format!("{} = {}", self.name(p.name), p.version)
    }

    /// The initial installation: one flag per package.
    pub fn installed_flags(&self) -> Vec<bool> {
        self.packages.iter().map(|p| p.installed).collect()
    }
}

/// The text a [`TextRef`] names: a slice of the input or of the owned text (empty if out of
/// range, which the parser never produces).
pub(crate) fn text_of<'s>(text: &'s str, owned: &'s str, r: TextRef) -> &'s str {
    let (source, len) = if r.len & OWNED != 0 {
        (owned, r.len & !OWNED)
    } else {
        (text, r.len)
    };
    source
        .get(r.start as usize..(r.start as usize + len as usize))
        .unwrap_or("")
}
