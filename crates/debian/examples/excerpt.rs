//! Cuts a small Packages excerpt, closed under dependencies, out of real indexes: the data
//! the demo round's problems are made from (`just demo-excerpt` runs it on this machine's apt
//! lists and dpkg status; `competitions/demo/debian/README.md` says what came out).
//!
//! ```text
//! cargo run -p misc-debian --example excerpt -- --out DIR
//!     [--priority P,...] [--with NAME,...]
//!     [--status FILE] [--status-priority P,...]
//!     LABEL=FILE...
//! ```
//!
//! The selection rule:
//!
//! 1. The installed base (with `--status`): the installed packages whose `Priority` is one of
//!    `--status-priority` (default `required`) and, transitively, every installed package that
//!    an alternative of their `Pre-Depends`/`Depends` names (real or providing it): the cone of
//!    [`Universe::cone`], within the status. Written as `DIR/status.xz`, stanzas as dpkg wrote
//!    them.
//! 2. The indexes: the packages of any index whose `Priority` is one of `--priority` (default
//!    `required,important,standard`), the packages named by `--with`, and the names of the
//!    installed base are the seeds; their cone over all the indexes together (every version of
//!    every name an alternative of a dependency names, real or providing it) is the selection.
//!    Each index contributes every stanza of a selected name, as written, in its own order,
//!    to `DIR/LABEL.Packages.xz`; indexes given under the same label share one file (in the
//!    order given). So each file is closed under the dependencies of its stanzas as far as the
//!    whole input is, and a request about the selected packages means on the excerpt what it
//!    means on the full indexes.
//!
//! The files are written with xz (preset 9). Summary lines (stanzas and sizes) go to stdout.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use misc_debian::input::read_input;
use misc_debian::universe::{Input, Kind, Universe};

struct Args {
    out: PathBuf,
    priority: Vec<String>,
    with: Vec<String>,
    status: Option<PathBuf>,
    status_priority: Vec<String>,
    indexes: Vec<(String, PathBuf)>,
}

const USAGE: &str = "usage: excerpt --out DIR [--priority P,...] [--with NAME,...] \
[--status FILE] [--status-priority P,...] LABEL=FILE...";

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        out: PathBuf::new(),
        priority: list("required,important,standard"),
        with: Vec::new(),
        status: None,
        status_priority: list("required"),
        indexes: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--out" => args.out = value("--out")?.into(),
            "--priority" => args.priority = list(&value("--priority")?),
            "--with" => args.with = list(&value("--with")?),
            "--status" => args.status = Some(value("--status")?.into()),
            "--status-priority" => args.status_priority = list(&value("--status-priority")?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other}\n{USAGE}"))
            }
            spec => match spec.split_once('=') {
                Some((label, file)) if !label.is_empty() && !label.contains('/') => {
                    args.indexes.push((label.to_string(), file.into()))
                }
                _ => return Err(format!("{spec}: expected LABEL=FILE\n{USAGE}")),
            },
        }
    }
    if args.out.as_os_str().is_empty() || args.indexes.is_empty() {
        return Err(USAGE.to_string());
    }
    Ok(args)
}

/// Writes `text` xz-compressed to `path` and prints a summary line.
fn write_xz(path: &Path, text: &str, stanzas: usize) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut xz = xz2::write::XzEncoder::new(file, 9);
    xz.write_all(text.as_bytes())
        .and_then(|()| xz.finish().map(drop))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!(
        "{}: {stanzas} stanzas, {} bytes plain, {size} bytes xz",
        path.display(),
        text.len()
    );
    Ok(())
}

fn run(args: Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    // 1. The installed base.
    let mut base_names: Vec<String> = Vec::new();
    if let Some(status) = &args.status {
        let inputs = [read_input(status, Some("status"), Kind::Status).map_err(|e| e.to_string())?];
        let u = Universe::build(&inputs, None).map_err(|e| e.to_string())?;
        let seeds: Vec<usize> = (0..u.packages.len())
            .filter(|&i| {
                args.status_priority
                    .iter()
                    .any(|p| p == u.packages[i].priority)
            })
            .collect();
        let cone = u.cone(&seeds).map_err(|e| e.to_string())?;
        base_names = cone
            .iter()
            .map(|&i| u.packages[i].name.to_string())
            .collect();
        write_xz(&args.out.join("status.xz"), &u.excerpt(&cone), cone.len())?;
    }
    // 2. The indexes: the cone of the seeds over all of them.
    let inputs: Vec<Input> = args
        .indexes
        .iter()
        .map(|(label, file)| read_input(file, Some(label), Kind::Packages))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let selected: HashSet<String> = {
        let u = Universe::build(&inputs, None).map_err(|e| e.to_string())?;
        let seeds: Vec<usize> = (0..u.packages.len())
            .filter(|&i| {
                let p = &u.packages[i];
                args.priority.iter().any(|x| x == p.priority)
                    || args.with.iter().any(|x| x == p.name)
                    || base_names.iter().any(|x| x == p.name)
            })
            .collect();
        for name in &args.with {
            if !u.packages.iter().any(|p| p.name == name) {
                return Err(format!("--with {name}: no such package in the indexes"));
            }
        }
        let cone = u.cone(&seeds).map_err(|e| e.to_string())?;
        cone.iter()
            .map(|&i| u.packages[i].name.to_string())
            .collect()
    };
    // Each index alone (no merging across indexes), its stanzas of selected names.
    let mut files: BTreeMap<&str, (String, usize)> = BTreeMap::new();
    for input in &inputs {
        let one = std::slice::from_ref(input);
        let u = Universe::build(one, None).map_err(|e| e.to_string())?;
        let picked: Vec<usize> = (0..u.packages.len())
            .filter(|&i| selected.contains(u.packages[i].name))
            .collect();
        let entry = files.entry(input.label.as_str()).or_default();
        entry.0.push_str(&u.excerpt(&picked));
        entry.1 += picked.len();
    }
    for (label, (text, n)) in &files {
        write_xz(&args.out.join(format!("{label}.Packages.xz")), text, *n)?;
    }
    Ok(())
}

fn main() {
    if let Err(e) = parse_args().and_then(run) {
        eprintln!("excerpt: {e}");
        std::process::exit(2);
    }
}
