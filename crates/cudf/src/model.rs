//! The CUDF document model: packages, request and preamble, with names interned to dense ids
//! and every formula stored in flat arenas owned by the [`Document`].

use std::fmt;
use std::hash::BuildHasher;

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
    Eq,
    Neq,
    Geq,
    Gt,
    Leq,
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
    pub name: NameId,
    /// The operator, or `None` for an unversioned vpkg (then `version` is 0).
    pub op: Option<RelOp>,
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
    pub start: u32,
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

/// A formula in conjunctive normal form: a span of [`Document`]'s clause arena, each clause a
/// span of the vpkg arena read as a disjunction. `true!` is the empty conjunction; `false!` is a
/// conjunction holding one empty (unsatisfiable) disjunction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Formula(pub Span);

/// The `keep` property of a package (misc-rules.md 5.5, item 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Keep {
    Version,
    Package,
    Feature,
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
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub name: NameId,
    pub version: Version,
    pub depends: Formula,
    pub conflicts: VpkgList,
    /// A veqpkglist: every constraint is `= v` or absent.
    pub provides: VpkgList,
    pub installed: bool,
    pub was_installed: bool,
    pub keep: Keep,
    /// The extra properties given in the stanza, as a span of [`Document`]'s extras arena.
    pub extras: Span,
    /// The line of the stanza's `package:` property.
    pub line: u32,
}

/// The type of a property (misc-rules.md 5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropType {
    Int,
    Posint,
    Nat,
    Bool,
    String,
    Pkgname,
    Ident,
    Enum(Vec<String>),
    Vpkg,
    Vpkgformula,
    Vpkglist,
    Veqpkg,
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
    pub name: String,
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
    pub univ_checksum: Option<String>,
    pub status_checksum: Option<String>,
    pub req_checksum: Option<String>,
}

/// The request stanza.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    pub id: String,
    pub install: VpkgList,
    pub remove: VpkgList,
    pub upgrade: VpkgList,
    /// The line of the `request:` property.
    pub line: u32,
}

/// A value of an extra property: a slice of the input, or of the document's own text when
/// continuation lines had to be joined (the top bit of `len`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextRef {
    pub start: u32,
    pub len: u32,
}

pub(crate) const OWNED: u32 = 1 << 31;

fn name_hash(s: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// A parsed CUDF document. String values of extra properties borrow from the input text.
#[derive(Debug, Clone, Default)]
pub struct Document<'a> {
    pub preamble: Option<Preamble>,
    /// Extra properties declared in the preamble, in declaration order.
    pub properties: Vec<PropDecl>,
    pub packages: Vec<Package>,
    pub request: Option<Request>,
    /// The input text that extra-property values borrow from.
    pub(crate) text: &'a str,
    /// Values that could not be borrowed (joined continuation lines).
    pub(crate) owned_text: String,
    /// All names, back to back; `name_spans[id]` locates one. Kept compact for cache locality.
    pub(crate) names_text: String,
    pub(crate) name_spans: Vec<(u32, u32)>,
    pub(crate) name_table: HashTable<(u32, u32)>,
    pub(crate) vpkgs: Vec<Vpkg>,
    pub(crate) clauses: Vec<Span>,
    pub(crate) extras: Vec<(PropId, TextRef)>,
    /// Package ids per name id, in stanza order.
    pub(crate) by_name: Vec<Vec<PkgId>>,
    /// Providers per feature name id: the package and the provided version.
    pub(crate) providers: Vec<Vec<(PkgId, Option<Version>)>>,
}

impl<'a> Document<'a> {
    /// An empty document (no preamble, no packages, no request).
    pub fn new() -> Self {
        Self::default()
    }

    /// The text of an interned name.
    pub fn name(&self, id: NameId) -> &str {
        let (start, len) = self.name_spans[id.0 as usize];
        &self.names_text[start as usize..(start + len) as usize]
    }

    /// The id of a name, if the document mentions it anywhere.
    pub fn name_id(&self, name: &str) -> Option<NameId> {
        let hash = name_hash(name);
        self.name_table
            .find(hash, |&(id, _)| self.name(NameId(id)) == name)
            .map(|&(id, _)| NameId(id))
    }

    /// The number of interned names (ids are `0..name_count()`).
    pub fn name_count(&self) -> usize {
        self.name_spans.len()
    }

    /// Interns a name.
    pub fn intern(&mut self, name: &str) -> NameId {
        let hash = name_hash(name);
        let names_text = self.names_text.as_bytes();
        let spans = &self.name_spans;
        // Table entries carry the name's offset next to its id, and every name in
        // `names_text` is followed by a `\n` (which no name contains), so a probe compares
        // against the text directly without another lookup.
        let entry = self.name_table.entry(
            hash,
            |&(_, start)| {
                let start = start as usize;
                names_text.get(start..start + name.len()) == Some(name.as_bytes())
                    && names_text.get(start + name.len()) == Some(&b'\n')
            },
            |&(id, _)| {
                let (start, len) = spans[id as usize];
                name_hash(&self.names_text[start as usize..(start + len) as usize])
            },
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => NameId(e.get().0),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let id = self.name_spans.len() as u32;
                let start = self.names_text.len() as u32;
                e.insert((id, start));
                self.name_spans.push((start, name.len() as u32));
                self.names_text.push_str(name);
                self.names_text.push('\n');
                self.by_name.push(Vec::new());
                self.providers.push(Vec::new());
                NameId(id)
            }
        }
    }

    /// Reserves room for a document of `text_len` bytes (a full Debian universe interns about
    /// one name per 250 bytes).
    pub(crate) fn reserve_for(&mut self, text_len: usize) {
        let names = text_len / 200;
        self.name_table.reserve(names, |_| 0);
        self.name_spans.reserve(names);
        self.names_text.reserve(names * 20);
        self.by_name.reserve(names);
        self.providers.reserve(names);
        self.vpkgs.reserve(text_len / 40);
        self.clauses.reserve(text_len / 60);
        self.extras.reserve(text_len / 60);
        self.packages.reserve(text_len / 500);
    }

    pub(crate) fn text_of(&self, r: TextRef) -> &str {
        if r.len & OWNED != 0 {
            let len = r.len & !OWNED;
            &self.owned_text[r.start as usize..(r.start + len) as usize]
        } else {
            &self.text[r.start as usize..(r.start + r.len) as usize]
        }
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
        self.by_name
            .get(name.0 as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The packages that provide a feature, with the provided version (`None`: unversioned).
    pub fn providers_of(&self, feature: NameId) -> &[(PkgId, Option<Version>)] {
        self.providers
            .get(feature.0 as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
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
        &self.vpkgs[list.0.range()]
    }

    /// The clauses of a formula, each a disjunction of vpkgs.
    pub fn clauses(&self, formula: Formula) -> impl ExactSizeIterator<Item = &[Vpkg]> + '_ {
        self.clauses[formula.0.range()]
            .iter()
            .map(move |span| &self.vpkgs[span.range()])
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
        self.extras[self.package(pkg).extras.range()]
            .iter()
            .map(move |&(p, r)| (p, self.text_of(r)))
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

    /// Adds a vpkg list to the arena (for building documents in code).
    pub fn push_vpkg_list(&mut self, vpkgs: &[Vpkg]) -> VpkgList {
        let start = self.vpkgs.len() as u32;
        self.vpkgs.extend_from_slice(vpkgs);
        VpkgList(Span {
            start,
            len: vpkgs.len() as u32,
        })
    }

    /// Adds a CNF formula to the arena (for building documents in code).
    pub fn push_formula(&mut self, clauses: &[Vec<Vpkg>]) -> Formula {
        let mut spans = Vec::with_capacity(clauses.len());
        for clause in clauses {
            spans.push(self.push_vpkg_list(clause).0);
        }
        let start = self.clauses.len() as u32;
        self.clauses.extend_from_slice(&spans);
        Formula(Span {
            start,
            len: clauses.len() as u32,
        })
    }

    /// Adds a package (for building documents in code) and indexes it. The caller keeps
    /// (name, version) pairs unique.
    pub fn push_package(&mut self, package: Package) -> PkgId {
        let id = PkgId(self.packages.len() as u32);
        self.index_package(id, &package);
        self.packages.push(package);
        id
    }

    pub(crate) fn index_package(&mut self, id: PkgId, package: &Package) {
        self.by_name[package.name.0 as usize].push(id);
        for i in package.provides.0.range() {
            let vpkg = self.vpkgs[i];
            let provided = vpkg.op.map(|_| vpkg.version);
            self.providers[vpkg.name.0 as usize].push((id, provided));
        }
    }

    /// Whether the installed set satisfies a vpkg: some installed package of that name has a
    /// matching version, or some installed package provides the feature with a matching version
    /// (an unversioned provide matches every constraint). misc-rules.md 5.4.
    pub fn satisfies(&self, installed: &[bool], vpkg: Vpkg) -> bool {
        self.versions_of(vpkg.name)
            .iter()
            .any(|&p| installed[p.index()] && vpkg.constraint().matches(self.package(p).version))
            || self.providers_of(vpkg.name).iter().any(|&(p, provided)| {
                installed[p.index()] && vpkg.constraint().matches_provided(provided)
            })
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
