//! `misc problems`: problem sets from real Debian data (a thin layer over `misc-debian`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use misc_debian::problemset::{Compress, OutDir};
use misc_debian::universe::{Input, Kind, Universe};

use std::io::Write;

use crate::exit::CliError;
use crate::out;

/// Make CUDF problem sets from Debian data (apt's Packages indexes, dpkg's status, apt's EDSP
/// requests), or report on Debian version strings.
#[derive(Debug, Args)]
pub struct ProblemsArgs {
    #[command(subcommand)]
    command: ProblemsCommand,
}

#[derive(Debug, Subcommand)]
enum ProblemsCommand {
    Debian(DebianArgs),
    Edsp(EdspArgs),
    Versions(VersionsArgs),
}

/// Report the classes of distinct Debian version strings that compare equal under policy
/// (`0.1-1` = `0.01-1`), with the packages and fields using each spelling; counts on top.
#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// Packages indexes or status files (plain, gz, xz, lz4).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    packages: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
}

/// The format of the versions report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// Counts, then one block per class.
    Text,
    /// One line per use: class, version, package, field.
    Csv,
    /// `{"strings", "classes_total", "classes": [{"versions", "uses"}]}`.
    Json,
}

fn versions(args: VersionsArgs) -> Result<(), CliError> {
    let mut inputs = Vec::new();
    for p in &args.packages {
        inputs.push(misc_debian::input::read_input(p, None, Kind::Packages)?);
    }
    let r = misc_debian::versions::report(&inputs)?;
    let mut w = out::stdout();
    match args.format {
        FormatArg::Text => {
            writeln!(w, "{} distinct version strings, {} classes, {} classes of two or more equal spellings", r.strings, r.all_classes, r.classes.len())?;
            for c in &r.classes {
                writeln!(w, "\n{}", c.versions.join(" = "))?;
                for u in &c.uses {
                    writeln!(w, "  {}\t{}\t{}", u.version, u.package, u.field)?;
                }
            }
        }
        FormatArg::Csv => {
            let mut csv = csv::Writer::from_writer(w);
            csv.write_record(["class", "version", "package", "field"])
                .map_err(anyhow::Error::from)?;
            for (i, c) in r.classes.iter().enumerate() {
                for u in &c.uses {
                    csv.write_record([&(i + 1).to_string(), &u.version, &u.package, &u.field])
                        .map_err(anyhow::Error::from)?;
                }
            }
            csv.flush()?;
        }
        FormatArg::Json => {
            let classes: Vec<_> = r
                .classes
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "versions": c.versions,
                        "uses": c.uses.iter().map(|u| serde_json::json!({"version": u.version, "package": u.package, "field": u.field})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let doc = serde_json::json!({"strings": r.strings, "classes_total": r.all_classes, "classes": classes});
            serde_json::to_writer_pretty(&mut w, &doc)?;
            writeln!(w)?;
        }
    }
    Ok(())
}

/// How problem files are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompressArg {
    /// Plain `.cudf`, as dose writes it.
    None,
    /// `.cudf.gz`.
    Gz,
    /// `.cudf.xz`.
    Xz,
}

impl From<CompressArg> for Compress {
    fn from(c: CompressArg) -> Compress {
        match c {
            CompressArg::None => Compress::None,
            CompressArg::Gz => Compress::Gz,
            CompressArg::Xz => Compress::Xz,
        }
    }
}

/// Convert Debian Packages indexes (and a dpkg status) into a CUDF universe.
///
/// Reads each index plain, gzip, xz or lz4 (apt keeps its lists as .lz4 under
/// /var/lib/apt/lists), merges stanzas that end up with the same CUDF name and version (the
/// installed one, else the first index's, wins; merges are counted) and writes
/// DIR/universe.cudf[.xz] with an empty request, plus DIR/INDEX.tsv saying what it was made
/// from. Version strings become integers in Debian policy order (one table for the whole
/// input, as dose does); crates/debian/src/universe.rs documents the whole mapping.
///
/// Example: misc problems debian --packages
/// main=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4
/// --status /var/lib/dpkg/status --out /tmp/bookworm
#[derive(Debug, Args)]
pub struct DebianArgs {
    /// Packages indexes, each `FILE` or `LABEL=FILE`; the label (default: the file name) is
    /// recorded in each package's `filename` property.
    #[arg(long, required = true, num_args = 1.., value_name = "[LABEL=]FILE")]
    packages: Vec<String>,
    /// A dpkg status file: its installed packages are the installed base.
    #[arg(long, value_name = "FILE")]
    status: Option<PathBuf>,
    /// The native architecture (packages of other architectures are NAME%3aARCH, and
    /// relations across architectures follow Multi-Arch: foreign, allowed, same); default:
    /// the most common architecture of the input.
    #[arg(long)]
    arch: Option<String>,
    /// Requests from a file: one per line, `NAME: install A, B (>= 1); remove C; upgrade all`
    /// (crates/debian/src/requests.rs documents the format).
    #[arg(long, value_name = "SPEC", conflicts_with = "generate")]
    requests: Option<PathBuf>,
    /// Generate requests: KIND=N,... with KIND install:K, remove:K, upgrade-all,
    /// upgrade-outdated or unsat (e.g. install:5=10,remove:1=3,unsat=2).
    #[arg(long, value_name = "KIND=N,...")]
    generate: Option<String>,
    /// The seed of --generate (the same inputs and seed give the same problems, byte for byte).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Compression of the problem files.
    #[arg(long, value_enum, default_value = "xz")]
    compress: CompressArg,
    /// The folder to write (refused when it exists and is not empty, unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace a non-empty --out folder.
    #[arg(long)]
    force: bool,
}

/// Splits `LABEL=FILE` (a label has no `/`); a plain `FILE` has no label.
fn labelled(spec: &str) -> (Option<&str>, &Path) {
    match spec.split_once('=') {
        Some((label, file)) if !label.is_empty() && !label.contains('/') => {
            (Some(label), Path::new(file))
        }
        _ => (None, Path::new(spec)),
    }
}

/// Reads the inputs of a conversion: the indexes, then the status.
fn read_inputs(
    packages: &[String],
    status: Option<&Path>,
) -> Result<Vec<Input>, misc_debian::Error> {
    let mut inputs = Vec::new();
    for spec in packages {
        let (label, path) = labelled(spec);
        inputs.push(misc_debian::input::read_input(path, label, Kind::Packages)?);
    }
    if let Some(status) = status {
        inputs.push(misc_debian::input::read_input(
            status,
            Some("status"),
            Kind::Status,
        )?);
    }
    Ok(inputs)
}

/// A library error as the CLI reports it: the user's input is at fault (exit 2), or the IO
/// (exit 3).
impl From<misc_debian::Error> for CliError {
    fn from(e: misc_debian::Error) -> CliError {
        match e {
            misc_debian::Error::Io { .. } => CliError::Failed(e.into()),
            _ => CliError::Usage(e.into()),
        }
    }
}

pub fn run(args: ProblemsArgs) -> Result<(), CliError> {
    match args.command {
        ProblemsCommand::Debian(a) => debian(a),
        ProblemsCommand::Edsp(a) => edsp(a),
        ProblemsCommand::Versions(a) => versions(a),
    }
}

/// Convert apt's EDSP requests (real users' requests) into CUDF problems, one
/// DIR/<stem>.cudf.xz each, plus DIR/INDEX.tsv.
///
/// Make one with: APT_EDSP_DUMP_FILENAME=/tmp/req.edsp apt-get -s install --solver dump PKG
/// (the folder must be writable by user _apt). Install and Remove become install/remove,
/// Upgrade-All every installed package in upgrade, Forbid-Remove `keep: package` on the
/// installed packages, Forbid-New-Install a universe of the installed names only, Hold `keep:
/// version`; what CUDF cannot say (Autoremove, pins) is printed for each file and noted in
/// INDEX.tsv. crates/debian/src/edsp.rs has the whole table.
#[derive(Debug, Args)]
pub struct EdspArgs {
    /// EDSP files (plain, gz, xz or lz4).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Compression of the problem files.
    #[arg(long, value_enum, default_value = "xz")]
    compress: CompressArg,
    /// The folder to write (refused when it exists and is not empty, unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace a non-empty --out folder.
    #[arg(long)]
    force: bool,
}

/// Writes each request over each category: its cone, each index alone (with the status) when
/// there are several, and all inputs mixed; then INDEX.tsv.
fn problem_set(
    args: &DebianArgs,
    inputs: &[Input],
    universe: &Universe<'_>,
    out: OutDir,
    requests: &[misc_debian::requests::Request],
) -> Result<(), CliError> {
    use misc_debian::requests::{category_packages, Category};
    let mut categories = vec![("cone".to_string(), Category::Cone)];
    let indexes: Vec<usize> = (0..inputs.len())
        .filter(|&i| inputs[i].kind == Kind::Packages)
        .collect();
    if indexes.len() > 1 {
        for &i in &indexes {
            categories.push((
                format!("baseline-{}", inputs[i].label),
                Category::Baseline(i),
            ));
        }
    }
    categories.push(("mixed".to_string(), Category::Mixed));
    let cone = universe.cone_index()?;
    let mut rows = Vec::new();
    for (cat_name, cat) in &categories {
        for r in requests {
            let selected = category_packages(universe, cat, r, &cone)?;
            let packages: Vec<_> = selected.iter().map(|&i| &universe.packages[i]).collect();
            let installed = packages.iter().filter(|p| p.installed).count();
            let file = out.write_cudf(
                &format!("{cat_name}/{}", r.name),
                args.compress.into(),
                universe,
                &packages,
                &r.lines,
            )?;
            rows.push(misc_debian::problemset::IndexRow {
                problem: file,
                category: cat_name.clone(),
                packages: packages.len(),
                installed,
                request: r.summary(),
                seed: args.generate.as_ref().map(|_| args.seed),
                merges: universe.stats.merges,
                // A baseline is made from its index and the status; the others from all.
                sources: match cat {
                    Category::Baseline(i) => (0..inputs.len())
                        .filter(|&k| k == *i || inputs[k].kind == Kind::Status)
                        .collect(),
                    _ => Vec::new(),
                },
            });
        }
    }
    let index = misc_debian::problemset::index_tsv(inputs, &rows);
    out.write("INDEX.tsv", index.as_bytes())?;
    let dir = out.commit()?;
    writeln!(
        out::stdout(),
        "{}: {} problems ({} requests x {} categories: {})",
        dir.display(),
        rows.len(),
        requests.len(),
        categories.len(),
        categories
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(())
}

/// A file's name without its `.edsp` and compression suffixes.
fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "request".to_string());
    let mut stem = name.as_str();
    for suffix in [".gz", ".xz", ".lz4", ".edsp"] {
        stem = stem.strip_suffix(suffix).unwrap_or(stem);
    }
    stem.to_string()
}

fn edsp(args: EdspArgs) -> Result<(), CliError> {
    let out = OutDir::create(&args.out, args.force)?;
    let mut rows = Vec::new();
    let mut all_inputs = Vec::new();
    let mut stems = std::collections::HashSet::new();
    let mut stdout = out::stdout();
    for path in &args.files {
        let name = stem(path);
        if !stems.insert(name.clone()) {
            return Err(CliError::usage(format!(
                "two requests would be written as {name}.cudf: rename one of the files"
            )));
        }
        let input = misc_debian::input::read_input(path, Some(&name), Kind::Edsp)?;
        let inputs = [input];
        let request = misc_debian::edsp::parse_request(&inputs[0])?;
        let mut universe = Universe::build(&inputs, request.architecture)?;
        let cudf = misc_debian::edsp::to_cudf(&universe, &request);
        universe.keep_installed = cudf.keep_installed;
        let packages = cudf.packages(&universe);
        let installed = packages.iter().filter(|p| p.installed).count();
        let file = out.write_cudf(
            &name,
            args.compress.into(),
            &universe,
            &packages,
            &cudf.lines,
        )?;
        let mut summary = cudf.summary();
        if !cudf.not_expressed.is_empty() {
            summary.push_str(&format!(
                "; not expressed: {}",
                cudf.not_expressed.join(", ")
            ));
        }
        writeln!(
            stdout,
            "{file}: {} packages ({installed} installed); {summary}",
            packages.len()
        )?;
        rows.push(misc_debian::problemset::IndexRow {
            problem: file,
            category: String::new(),
            packages: packages.len(),
            installed,
            request: summary,
            seed: None,
            merges: universe.stats.merges,
            sources: vec![all_inputs.len()],
        });
        let [input] = inputs;
        all_inputs.push(Input {
            text: String::new(),
            ..input
        });
    }
    let index = misc_debian::problemset::index_tsv(&all_inputs, &rows);
    out.write("INDEX.tsv", index.as_bytes())?;
    let dir = out.commit()?;
    writeln!(stdout, "wrote {} problems to {}", rows.len(), dir.display())?;
    Ok(())
}

fn debian(args: DebianArgs) -> Result<(), CliError> {
    // Refuse a non-empty --out before the (long) reading.
    let out = OutDir::create(&args.out, args.force)?;
    let inputs = read_inputs(&args.packages, args.status.as_deref())?;
    let universe = Universe::build(&inputs, args.arch.as_deref())?;
    let requests = match (&args.requests, &args.generate) {
        (Some(spec), _) => {
            let text = std::fs::read_to_string(spec).map_err(|source| misc_debian::Error::Io {
                path: spec.display().to_string(),
                source,
            })?;
            Some(misc_debian::requests::parse_spec(
                &text,
                &spec.display().to_string(),
                &universe,
            )?)
        }
        (None, Some(g)) => {
            let kinds = misc_debian::requests::parse_generate(g)?;
            Some(misc_debian::requests::generate(
                &universe, &kinds, args.seed,
            )?)
        }
        (None, None) => None,
    };
    if let Some(requests) = requests {
        return problem_set(&args, &inputs, &universe, out, &requests);
    }
    let packages: Vec<_> = universe.packages.iter().collect();
    let installed = packages.iter().filter(|p| p.installed).count();
    let file = out.write_cudf("universe", args.compress.into(), &universe, &packages, "")?;
    let index = misc_debian::problemset::index_tsv(
        &inputs,
        &[misc_debian::problemset::IndexRow {
            problem: file.clone(),
            category: String::new(),
            packages: packages.len(),
            installed,
            request: String::new(),
            seed: None,
            merges: universe.stats.merges,
            sources: Vec::new(),
        }],
    );
    out.write("INDEX.tsv", index.as_bytes())?;
    let dir = out.commit()?;
    writeln!(
        out::stdout(),
        "{}: {} packages ({} installed) from {} stanzas, {} merged; native architecture {}",
        dir.join(&file).display(),
        packages.len(),
        installed,
        universe.stats.stanzas,
        universe.stats.merges,
        universe.native.as_deref().unwrap_or("none"),
    )?;
    Ok(())
}
