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
//! | `Upgrade-All: yes` (0.5), `Upgrade: yes`, `Dist-Upgrade: yes` (older) | `upgrade:` every installed package |
//! | `Forbid-Remove: yes` | `keep: package` on every installed package |
//! | `Autoremove: yes` | not expressed: CUDF has no "installed automatically" |
//! | `Forbid-New-Install: yes` | not expressed: it is an optimisation wish (MISC's `-new` criterion), not a constraint apt states |
//! | `Dist-Upgrade: yes` | expressed as `Upgrade-All` (every installed package stays), stricter than apt, which may remove |
//! | pins (`APT-Pin`, `APT-Candidate`, `Strict-Pinning`) | not expressed: every version is a candidate |
//!
//! [`CudfRequest::not_expressed`] lists what a given request asks that the CUDF does not say.

use crate::universe::{Input, Universe};
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
    /// What the EDSP request asks that the CUDF does not say.
    pub not_expressed: Vec<&'static str>,
}

impl CudfRequest {
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
        let mut installed: Vec<String> = u
            .packages
            .iter()
            .filter(|p| p.installed)
            .map(|p| u.cudf_name(p))
            .collect();
        installed.sort();
        installed.dedup();
        if !installed.is_empty() {
            lines.push_str(&format!("upgrade: {}\n", installed.join(", ")));
        }
    }
    let mut not_expressed = Vec::new();
    if r.autoremove {
        not_expressed.push("Autoremove");
    }
    if r.forbid_new_install {
        not_expressed.push("Forbid-New-Install");
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
        not_expressed,
    }
}
