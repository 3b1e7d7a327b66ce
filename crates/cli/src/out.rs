//! Standard output and standard error that never panic (`println!` and `eprintln!` panic when
//! their reader is gone: `misc score R | head -1`, `misc run R 2>&1 | head`).
//!
//! Data goes through [`stdout`]: a write to a closed pipe fails with `BrokenPipe` and marks
//! standard output closed, the error travels up with `?`, and [`crate::exit::CliError`] turns it
//! into a quiet exit 0 ([`is_stdout_closed`]), as ripgrep does. A command that must go on when
//! nobody reads its output (`misc run`) ignores the error instead. Logs go through [`note!`],
//! which drops what cannot be written.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to standard output failed because its reader went away.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output (locked), remembering when its reader went away.
pub struct Stdout(io::StdoutLock<'static>);

/// Standard output for a command's data.
pub fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

fn watch<T>(r: io::Result<T>) -> io::Result<T> {
    if let Err(e) = &r {
        if e.kind() == io::ErrorKind::BrokenPipe {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
    }
    r
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        watch(self.0.write(buf))
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        watch(self.0.write_all(buf))
    }
    fn flush(&mut self) -> io::Result<()> {
        watch(self.0.flush())
    }
}

/// Whether standard output's reader went away (a write failed with `BrokenPipe`).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Whether `e` is the failure of a write to a closed standard output.
pub fn is_stdout_closed(e: &anyhow::Error) -> bool {
    stdout_closed()
        && e.chain().any(|c| {
            let kind = if let Some(io) = c.downcast_ref::<io::Error>() {
                Some(io.kind())
            } else if let Some(json) = c.downcast_ref::<serde_json::Error>() {
                json.io_error_kind()
            } else if let Some(csv) = c.downcast_ref::<csv::Error>() {
                match csv.kind() {
                    csv::ErrorKind::Io(io) => Some(io.kind()),
                    _ => None,
                }
            } else {
                None
            };
            kind == Some(io::ErrorKind::BrokenPipe)
        })
}

/// Writes one line to standard error; what cannot be written is dropped (use [`note!`]).
pub fn stderr_line(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// `eprintln!` that never panics: a line on standard error, dropped if it cannot be written.
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::out::stderr_line(format_args!($($arg)*))
    };
}
pub(crate) use note;
