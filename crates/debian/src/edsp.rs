//! EDSP requests (apt's External Dependency Solver Protocol, version 0.5): what apt asks an
//! external solver, as `APT_EDSP_DUMP_FILENAME=F apt-get -s install --solver dump PKG` writes
//! it. The first stanza is the request; the packages follow (read by
//! [`crate::universe::Universe::build`] with [`crate::universe::Kind::Edsp`]).
//!
//! # The request in CUDF
//!
//! | EDSP | CUDF |
//! |---|---|
//! | `Install: P[:ARCH] ...` | `install: P` (any version: apt's candidate choice is a pin, see below) |
//! | `Remove: P[:ARCH] ...` | `remove: P` |
//! | `Upgrade-All: yes` (0.5), `Upgrade: yes`, `Dist-Upgrade: yes` (older) | `upgrade:` every installed package (MISC's upgrade requests; stricter than apt, whose full upgrade may remove packages) |
//! | `Forbid-Remove: yes` | `keep: package` on every installed package |
//! | `Forbid-New-Install: yes` | the universe holds only the packages whose CUDF name is installed (see below) |
//! | `Hold: yes` on an installed package | `keep: version` |
//! | `Architecture:` | the native architecture (plain CUDF names) |
//! | `Autoremove: yes` | not expressed (see below) |
//! | pins (`APT-Pin`, `APT-Candidate`, `Strict-Pinning`) | not expressed: every version is a candidate |
//!
//! **Forbid-New-Install** is a constraint ("the resolver is forbidden to install new packages
//! in its returned solution", EDSP 0.5), not a wish: a package not installed under its name
//! (and architecture) may not be installed. CUDF's request cannot say "none of these names",
//! short of a `remove:` of every other name of the universe (tens of thousands); dropping those
//! packages from the universe says the same exactly (a solution could not install them;
//! uninstalled packages neither satisfy nor violate anything) and leaves a problem of the
//! installed names only. An `Install:` of a package not installed then has no candidate: such
//! a request is unsatisfiable, as apt's own solver reports it. A `-new` criterion would not do:
//! criteria rank solutions, they do not exclude them.
//!
//! **Autoremove** ("clean up unused automatically installed packages") stays inexpressible:
//! which installed packages are unused is reachability from the manually installed ones
//! (`APT-Automatic`), a minimisation over the solution, not a constraint; CUDF's request and
//! MISC's criteria have no notion of "automatically installed". apt itself computes its
//! `autoremove` outside the solver (its EDSP request for `apt-get autoremove` carries no
//! action at all).
//!
//! [`CudfRequest::not_expressed`] lists what a given request asks that the CUDF does not say.

use crate::universe::{Input, Package, Universe};
use crate::Error;

/// The request stanza of an EDSP file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request<'a> {
    /// `Install:` packages (`NAME` or `NAME:ARCH`).
    pub install: Vec<&'a str>,
    /// `Remove:` packages.
    pub remove: Vec<&'a str>,
    /// `Upgrade-All: yes` or `Upgrade: yes`.
    pub upgrade_all: bool,
    /// `Dist-Upgrade: yes`.
    pub dist_upgrade: bool,
    /// `Autoremove: yes`.
    pub autoremove: bool,
    /// `Forbid-New-Install: yes`.
    pub forbid_new_install: bool,
    /// `Forbid-Remove: yes`.
    pub forbid_remove: bool,
    /// `Strict-Pinning` other than `no` (absent means yes, EDSP 0.5).
    pub strict_pinning: bool,
    /// `Architecture:` the native architecture (give it to
    /// [`crate::universe::Universe::build`]).
    pub architecture: Option<&'a str>,
}

/// Reads the request stanza (the first of the file, which must have a `Request:` field).
pub fn parse_request(input: &Input) -> Result<Request<'_>, Error> {
    let mut first = None;
    crate::control::for_each_stanza(&input.text, &input.file, |s| {
        if first.is_none() {
            first = Some(s.clone());
        }
        // Only the first stanza is wanted: stop early with a marker error.
        Err(Error::Usage(String::new()))
    })
    .or_else(|e| match e {
        Error::Usage(m) if m.is_empty() => Ok(()),
        e => Err(e),
    })?;
    let s = first
        .filter(|s| s.get("Request").is_some())
        .ok_or_else(|| {
            Error::syntax(
                &input.file,
                1,
                "not an EDSP request: no `Request:` stanza first",
            )
        })?;
    let yes = |name: &str| s.get(name).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let list = |name: &str| -> Vec<&str> {
        s.get(name)
            .map(|v| v.split_ascii_whitespace().collect())
            .unwrap_or_default()
    };
    Ok(Request {
        install: list("Install"),
        remove: list("Remove"),
        upgrade_all: yes("Upgrade-All") || yes("Upgrade"),
        dist_upgrade: yes("Dist-Upgrade"),
        autoremove: yes("Autoremove"),
        forbid_new_install: yes("Forbid-New-Install"),
        forbid_remove: yes("Forbid-Remove"),
        strict_pinning: s
            .get("Strict-Pinning")
            .is_none_or(|v| !v.eq_ignore_ascii_case("no")),
        architecture: s.get("Architecture"),
    })
}

/// A request translated to CUDF.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CudfRequest {
    /// The request stanza's lines after `request:` (each ending with a newline).
    pub lines: String,
    /// Whether installed packages must get `keep: package` (Forbid-Remove).
    pub keep_installed: bool,
    /// Whether only the packages whose CUDF name is installed make the universe
    /// (Forbid-New-Install): see [`CudfRequest::packages`].
    pub installed_names_only: bool,
    /// What the EDSP request asks that the CUDF does not say.
    pub not_expressed: Vec<&'static str>,
}

impl CudfRequest {
    /// The packages of the problem: all of the universe's, or, for Forbid-New-Install, those
    /// whose CUDF name is installed (module documentation).
    pub fn packages<'u, 'a>(&self, u: &'u Universe<'a>) -> Vec<&'u Package<'a>> {
        if !self.installed_names_only {
            return u.packages.iter().collect();
        }
        let installed: std::collections::HashSet<String> = u
            .packages
            .iter()
            .filter(|p| p.installed)
            .map(|p| u.cudf_name(p))
            .collect();
        u.packages
            .iter()
            .filter(|p| installed.contains(&u.cudf_name(p)))
            .collect()
    }

    /// The request in one line, for an index: `install: a, b; remove: c`.
    pub fn summary(&self) -> String {
        self.lines.trim_end().replace('\n', "; ")
    }
}

/// Translates an EDSP request over its universe (see the module documentation).
pub fn to_cudf(u: &Universe<'_>, r: &Request<'_>) -> CudfRequest {
    let names = |list: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = list
            .iter()
            .filter_map(|n| u.request_vpkg(n, None))
            .collect();
        v.dedup();
        v
    };
    let mut lines = String::new();
    let install = names(&r.install);
    if !install.is_empty() {
        lines.push_str(&format!("install: {}\n", install.join(", ")));
    }
    let remove = names(&r.remove);
    if !remove.is_empty() {
        lines.push_str(&format!("remove: {}\n", remove.join(", ")));
    }
    if r.upgrade_all || r.dist_upgrade {
        let installed = u.installed_names();
        if !installed.is_empty() {
            lines.push_str(&format!("upgrade: {}\n", installed.join(", ")));
        }
    }
    let mut not_expressed = Vec::new();
    if r.autoremove {
        not_expressed.push("Autoremove");
    }
    if r.dist_upgrade {
        not_expressed.push("Dist-Upgrade (as Upgrade-All: no removal allowed)");
    }
    if r.strict_pinning {
        not_expressed.push("pins (Strict-Pinning: apt's candidate versions)");
    }
    CudfRequest {
        lines,
        keep_installed: r.forbid_remove,
        installed_names_only: r.forbid_new_install,
        not_expressed,
    }
}
