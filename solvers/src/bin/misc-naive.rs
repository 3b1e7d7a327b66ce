//! `misc-naive CUDFIN CUDFOUT [CRITERIA]`: a small, always-correct reference solver that speaks
//! the MISC protocol (misc-rules.md section 4).
//!
//! It reads CUDFIN (plain CUDF, or gzip/bzip2/xz-compressed), computes a new installation and
//! writes it to CUDFOUT as a MISC solution (one stanza per installed package with `package`,
//! `version` and `installed: true`), or writes `FAIL` and a reason on the next line. Every
//! answered installation has first been verified with misc-check; see the `naive` module for
//! the algorithm. CRITERIA is only a hint (`paranoid`-like criteria keep installed versions of
//! upgraded names when possible).
//!
//! On SIGUSR1 (the MISC warning, sent 20 s before the CPU limit) it answers the best verified
//! installation known so far, or `FAIL`, and exits 0.
//!
//! Exit status: 0 when an answer (solution or FAIL) was written; 2 when the input cannot be
//! read or parsed (FAIL is still written); 1 when CUDFOUT cannot be written.
//!
//! Environment: `MISC_NAIVE_SLOW=MS` sleeps MS milliseconds at every step of the search (for
//! testing the SIGUSR1 handling); `MISC_NAIVE_VERBOSE=1` prints statistics on stderr.

#[path = "../naive/mod.rs"]
mod naive;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use naive::{Outcome, Settings};

static USR1: AtomicBool = AtomicBool::new(false);

extern "C" fn on_usr1(_: libc::c_int) {
    USR1.store(true, Ordering::SeqCst);
}

fn install_handler() {
    let handler: extern "C" fn(libc::c_int) = on_usr1;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGUSR1, handler as libc::sighandler_t);
    }
}

fn write_fail(out: &OsString, reason: &str) -> std::io::Result<()> {
    let reason = reason.replace(['\n', '\r'], " ");
    std::fs::write(out, format!("FAIL\n{reason}\n"))
}

fn main() -> ExitCode {
    install_handler();
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.len() < 2 || args.len() > 3 {
        eprintln!("usage: misc-naive CUDFIN CUDFOUT [CRITERIA]");
        if let Some(out) = args.get(1) {
            let _ = write_fail(out, "usage: misc-naive CUDFIN CUDFOUT [CRITERIA]");
        }
        return ExitCode::from(2);
    }
    let (input, out) = (&args[0], &args[1]);
    let criteria = args.get(2).map(|c| c.to_string_lossy().into_owned());
    let unreadable = |why: String| {
        eprintln!("misc-naive: {why}");
        if let Err(e) = write_fail(out, &why) {
            eprintln!("misc-naive: cannot write {}: {e}", out.to_string_lossy());
        }
        ExitCode::from(2)
    };
    let shown = input.to_string_lossy();
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => return unreadable(format!("cannot read {shown}: {e}")),
    };
    let text = match misc_cudf::decompress(&bytes) {
        Ok(t) => t,
        Err(e) => return unreadable(format!("cannot read {shown}: {e}")),
    };
    let text = match misc_cudf::check_utf8(&text) {
        Ok(t) => t,
        Err(e) => return unreadable(format!("cannot read {}", e.in_file(shown.clone()))),
    };
    let doc = match misc_cudf::parse_problem(text) {
        Ok(d) => d,
        Err(e) => return unreadable(format!("cannot parse {}", e.in_file(shown.clone()))),
    };

    let mut settings = Settings::from_criteria(criteria.as_deref());
    settings.verbose = std::env::var_os("MISC_NAIVE_VERBOSE").is_some_and(|v| v != "0");
    let slow = std::env::var("MISC_NAIVE_SLOW")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map(Duration::from_millis);
    let mut stop = || {
        if let Some(d) = slow {
            std::thread::sleep(d);
        }
        USR1.load(Ordering::SeqCst)
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        naive::solve(&doc, &settings, &mut stop)
    }))
    .unwrap_or_else(|_| Outcome::Fail("internal error: the solver panicked".into()));

    let written = match &outcome {
        Outcome::Solution(installed) => {
            std::fs::write(out, misc_cudf::write_solution(&doc, installed))
        }
        Outcome::Fail(reason) => write_fail(out, reason),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("misc-naive: cannot write {}: {e}", out.to_string_lossy());
            ExitCode::from(1)
        }
    }
}
