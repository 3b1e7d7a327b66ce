//! `misc-wrap [--dry-run] ENTRANT CUDFIN CUDFOUT [CRITERIA]`: runs an entrant that does not
//! speak the MISC protocol's criteria language (`mccs`, `packup`) with the track's criteria
//! translated into its own (the tables are in `misc_test_solvers::wrap`).
//!
//! CRITERIA is whatever `misc` accepts (`paranoid` when absent, `trendy`, a 2010/2011 list, the
//! MISC 2012 language), parsed with the judge's own grammar (`misc-criteria`). When every
//! criterion translates, `misc-wrap` prints the translation on stderr and replaces itself with
//! the entrant (`exec`: signals such as the SIGUSR1 warning reach the entrant directly):
//!
//! - `mccs -i CUDFIN -o CUDFOUT -lex[...]`
//! - `packup --temporary-directory $TMPDIR -u CRITERIA CUDFIN CUDFOUT`
//!
//! When a criterion cannot be expressed (for mccs e.g. `count(up)`), or the problem lacks a
//! property the translation needs, it says which and why on stderr, writes no answer and exits
//! with 3: the run is an abort, never an answer optimised for another objective.
//!
//! `--dry-run` prints the entrant's command line on stdout instead of running it.
//!
//! Exit status (when the entrant is not started): 2 for a usage error, criteria that do not
//! parse or a problem that cannot be read; 3 when the entrant cannot express the criteria;
//! 127 when the entrant cannot be started.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use misc_test_solvers::wrap::{check_problem, translate, Entrant, Translation};

const USAGE: &str = "usage: misc-wrap [--dry-run] mccs|packup CUDFIN CUDFOUT [CRITERIA]";

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let dry_run = args.first().is_some_and(|a| a == "--dry-run");
    if dry_run {
        args.remove(0);
    }
    if args.first().is_some_and(|a| a == "--help" || a == "-h") {
        println!("{USAGE}\n\nRuns mccs or packup with the MISC criteria translated into its own language;\nrefuses (exit 3, no answer) criteria it cannot express.");
        return ExitCode::SUCCESS;
    }
    if !(3..=4).contains(&args.len()) {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let Some(entrant) = args[0].to_str().and_then(Entrant::from_name) else {
        eprintln!(
            "misc-wrap: unknown entrant {:?} (expected mccs or packup)\n{USAGE}",
            args[0]
        );
        return ExitCode::from(2);
    };
    let input = PathBuf::from(&args[1]);
    let output = PathBuf::from(&args[2]);
    let source = match args.get(3).map(|c| c.to_str()) {
        None => "paranoid",
        Some(Some(c)) => c,
        Some(None) => {
            eprintln!("misc-wrap: the criteria are not UTF-8");
            return ExitCode::from(2);
        }
    };
    let criteria = match misc_criteria::parse_criteria(source) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("misc-wrap: {e}");
            return ExitCode::from(2);
        }
    };
    let translation = match translate(entrant, &criteria) {
        Ok(t) => t,
        Err(refusals) => {
            for r in &refusals {
                eprintln!("misc-wrap: {r}");
            }
            eprintln!(
                "misc-wrap: {entrant} is not run on criteria `{source}`: no answer is written \
                 (the run is an abort, not an answer to other criteria)"
            );
            return ExitCode::from(3);
        }
    };
    if !translation.requirements.is_empty() {
        if let Err(code) = check_declarations(entrant, &translation, &input) {
            return code;
        }
    }
    let mut cmd = command(entrant, &translation, &input, &output);
    if dry_run {
        let words: Vec<String> = std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|w| w.to_string_lossy().into_owned())
            .collect();
        match shlex::try_join(words.iter().map(String::as_str)) {
            Ok(line) => println!("{line}"),
            Err(_) => println!("{}", words.join(" ")),
        }
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "misc-wrap: criteria `{criteria}` for {entrant}: {} ({entrant} counts package names, \
         not (name, version) pairs)",
        translation.argument
    );
    let err = cmd.exec();
    eprintln!("misc-wrap: cannot start {entrant}: {err}");
    ExitCode::from(127)
}

/// Reads the problem and checks the declarations the translation needs (exit 2 when it cannot
/// be read, 3 when a declaration is missing).
fn check_declarations(
    entrant: Entrant,
    translation: &Translation,
    input: &Path,
) -> Result<(), ExitCode> {
    let read = std::fs::read(input)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            misc_cudf::decompress(&bytes)
                .map(|b| b.into_owned())
                .map_err(|e| e.to_string())
        })
        .and_then(|bytes| String::from_utf8(bytes).map_err(|e| e.to_string()));
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            eprintln!("misc-wrap: cannot read {}: {e}", input.display());
            return Err(ExitCode::from(2));
        }
    };
    let problem = match misc_cudf::parse_problem(&text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("misc-wrap: {}: {e}", input.display());
            return Err(ExitCode::from(2));
        }
    };
    if let Err(errors) = check_problem(translation, &problem) {
        for e in &errors {
            eprintln!("misc-wrap: {}: {e}", input.display());
        }
        eprintln!("misc-wrap: {entrant} is not run: no answer is written (the run is an abort)");
        return Err(ExitCode::from(3));
    }
    Ok(())
}

fn command(entrant: Entrant, translation: &Translation, input: &Path, output: &Path) -> Command {
    match entrant {
        Entrant::Mccs => {
            let mut c = Command::new("mccs");
            c.arg("-i")
                .arg(input)
                .arg("-o")
                .arg(output)
                .arg(&translation.argument);
            c
        }
        Entrant::Packup => {
            // packup keeps its temporary files in --temporary-directory (default /tmp).
            let tmp = std::env::var_os("TMPDIR")
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "/tmp".into());
            let mut c = Command::new("packup");
            c.arg("--temporary-directory")
                .arg(tmp)
                .arg("-u")
                .arg(&translation.argument)
                .arg(input)
                .arg(output);
            c
        }
    }
}
