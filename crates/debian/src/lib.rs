//! Problem sets from real Debian data.
//!
//! This crate turns what every Debian machine has (apt's `Packages` indexes, dpkg's `status`,
//! the EDSP requests apt writes for external solvers) into CUDF problems a MISC-style round can
//! use, and reports on Debian version strings:
//!
//! - [`version`]: Debian policy version order (as `dpkg --compare-versions`) and the
//!   order-preserving [`version::VersionTable`] from version strings to CUDF integers;
//! - [`control`]: control-file stanzas and relation fields;
//! - [`input`]: reading indexes plain, gzip, xz or lz4 (the only IO of the crate, besides
//!   the problem-set writer);
//! - [`universe`]: packages from Packages, status and EDSP input, merged, and their CUDF
//!   translation (the module documentation says how Debian maps to CUDF);
//! - [`edsp`]: apt's requests to external solvers (EDSP 0.5) and what they become in CUDF;
//! - [`requests`]: requests from a SPEC file or generated from a seed, and the categories
//!   (universes) they are written over;
//! - [`problemset`]: writing CUDF documents into a folder that appears whole or not at all;
//!
//! - [`versions`]: the report of version strings that compare equal ("On equivalent debian
//!   versions").
//!
//! Errors are [`Error`] values naming the file and line; nothing here panics on bad input.
#![warn(missing_docs)]

pub mod control;
pub mod edsp;
pub mod input;
pub mod problemset;
pub mod requests;
pub mod universe;
pub mod version;
pub mod versions;

/// What can go wrong reading Debian data or writing a problem set.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A compressed file is corrupt.
    #[error("{path}: cannot decompress: {source}")]
    Decompress {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is compressed in a format this crate does not read.
    #[error("{path}: unknown compression ({what}); give it plain, gzip, xz or lz4")]
    UnknownCompression {
        /// The file.
        path: String,
        /// The format recognised.
        what: &'static str,
    },
    /// A syntax or content error at a line of a file.
    #[error("{file}:{line}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Anything else the user must fix (arguments, the output folder).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub(crate) fn syntax(file: &str, line: usize, message: impl Into<String>) -> Error {
        Error::Syntax {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}
