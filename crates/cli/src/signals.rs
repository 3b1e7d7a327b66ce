//! SIGINT (Ctrl-C), SIGTERM and SIGHUP for the commands that run solvers.
//!
//! Solvers run in sessions of their own, so a Ctrl-C at the terminal reaches only `misc`; a
//! thread started by [`install`] waits for the three signals and acts:
//!
//! - the first one, in [`Mode::StopRuns`] (`misc run`, `misc run-chunk`): the harness stops
//!   launching runs and kills the whole tree of every run in flight
//!   ([`misc_runner::interrupt::interrupt`]); those runs end unrecorded, the command reports
//!   what was finished and how to resume, and exits with 128 + the signal
//!   ([`crate::exit::CliError::Interrupted`]);
//! - the first one, in [`Mode::Forward`] (`misc exec`): the signal is passed on to every process
//!   of the run, which gets [`FORWARD_GRACE`] to end by itself before its tree is killed; the
//!   measurement is reported and the command exits with 128 + the signal;
//! - a second one, during that cleanup: every run's tree is killed at once and the process exits
//!   with 128 + that signal without waiting for anything else.

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};

use crate::out::note;

/// What the first signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Stop launching, kill every run in flight, record nothing partial (`misc run`).
    StopRuns,
    /// Pass the signal on to the run's processes, then kill what is left (`misc exec`).
    Forward,
}

/// How long a `misc exec` command has, after a forwarded signal, before its tree is killed.
pub const FORWARD_GRACE: Duration = Duration::from_secs(1);

/// The first signal received, 0 while none was.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// The first of SIGINT, SIGTERM or SIGHUP received since [`install`], if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The name of a signal this module handles.
pub fn name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Catches SIGINT, SIGTERM and SIGHUP from now on (the handlers are in place when this
/// returns), acting as [`Mode`] says.
pub fn install(mode: Mode) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut int, mut term, mut hup) = rt.block_on(async {
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
            signal(SignalKind::hangup())?,
        ))
    })?;
    std::thread::Builder::new()
        .name("misc-signals".into())
        .spawn(move || {
            rt.block_on(async move {
                loop {
                    let sig = tokio::select! {
                        _ = int.recv() => libc::SIGINT,
                        _ = term.recv() => libc::SIGTERM,
                        _ = hup.recv() => libc::SIGHUP,
                    };
                    if RECEIVED
                        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
                        .is_ok()
                    {
                        first(mode, sig);
                    } else {
                        note!("misc: {} again: stopping now", name(sig));
                        misc_runner::interrupt::abandon();
                        std::process::exit(crate::exit::CliError::Interrupted(sig).exit_code());
                    }
                }
            })
        })?;
    Ok(())
}

/// The first signal: the cleanup runs on a thread of its own, so that a second signal is
/// seen at once.
fn first(mode: Mode, sig: i32) {
    let spawned = match mode {
        Mode::StopRuns => {
            note!(
                "\nmisc: {} received: stopping the runs in flight (not recorded); press Ctrl-C \
                 again to stop at once",
                name(sig)
            );
            std::thread::Builder::new()
                .name("misc-interrupt".into())
                .spawn(move || misc_runner::interrupt::interrupt(sig))
        }
        Mode::Forward => {
            note!(
                "\nmisc: {} received: passed on to the command; its processes are killed in {} s",
                name(sig),
                FORWARD_GRACE.as_secs_f64()
            );
            misc_runner::interrupt::forward(sig);
            std::thread::Builder::new()
                .name("misc-interrupt".into())
                .spawn(move || {
                    std::thread::sleep(FORWARD_GRACE);
                    misc_runner::interrupt::kill_all();
                })
        }
    };
    if spawned.is_err() {
        // No thread: do it here (a second signal then waits for it).
        match mode {
            Mode::StopRuns => misc_runner::interrupt::interrupt(sig),
            Mode::Forward => misc_runner::interrupt::kill_all(),
        }
    }
}

/// A command line for a shell: words quoted where they need it.
pub fn shell_words<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let words: Vec<&str> = words.into_iter().collect();
    shlex::try_join(words.iter().copied()).unwrap_or_else(|_| words.join(" "))
}
