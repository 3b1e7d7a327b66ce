//! The CUDF 2.0 document model, parser and writer.
//!
//! CUDF (Common Upgradeability Description Format) describes a package universe, the current
//! installation and a request; MISC solvers read one and answer with a new installation or
//! `FAIL`. This crate follows libCUDF, the reference implementation, wherever the CUDF 2.0
//! specification is silent (misc-rules.md sections 5 and 7):
//!
//! - answers are read exactly as libCUDF 0.9 reads them ([`AnswerReading::Exact`], the
//!   default): whatever `cudf-check` rejects is an error naming line and column;
//!   [`AnswerReading::Lenient`] is the tolerant reading, an explicit option;
//! - problems: what libCUDF accepts is accepted (a version 0 in a constraint), and some of
//!   what it rejects too (`key:` without a space, `_` in names, CRLF line ends, no final line
//!   end), each with a warning in [`Document::warnings`].
//!
//! # Design
//!
//! [`parse`] works on one `&str` (in two parts on two threads for a large document). It checks
//! every stanza whole, but keeps little: package names interned to dense [`NameId`]s, versions,
//! flags and the request. `depends`, `conflicts` and `provides` stay as validated text and are
//! read the first time they are asked for ([`Document::depends`], [`Document::conflicts`],
//! [`Document::provides`]), and an [`Installation`] indexes only the features of its installed
//! packages: a checker looks at a few hundred packages of a universe's tens of thousands. Values
//! of extra properties are type-checked and then read from the input when asked for (borrowed,
//! not copied). Every error is a [`ParseError`] naming line and column and what was expected.
//! The crate does no IO: callers read files and hand the bytes to [`decompress`] (which
//! recognises gzip, bzip2 and xz by their magic bytes) and [`check_utf8`].
//!
//! ```
//! let text = "package: a\nversion: 1\ndepends: b >= 2 | c\ninstalled: true\n\nrequest: r\ninstall: a\n";
//! let doc = misc_cudf::parse_problem(text).unwrap();
//! assert_eq!(doc.packages.len(), 1);
//! let a = doc.name_id("a").unwrap();
//! assert_eq!(doc.package(doc.versions_of(a)[0]).version, 1);
//! ```
#![warn(missing_docs)]

mod decode;
mod error;
mod installation;
mod lex;
mod model;
mod parse;
mod solution;
mod vpkg;
mod write;

pub use decode::{decompress, Compression, DecodeError};
pub use error::{Found, ParseError, ValueError, ValueErrorKind};
pub use installation::Installation;
pub use model::{
    Constraint, Document, Keep, NameId, Package, PkgId, Preamble, PropDecl, PropId, PropType,
    RelOp, Request, Span, Version, Vpkg, VpkgList,
};
pub use parse::{
    check_utf8, check_value, compare_parse_paths, parse, parse_bytes, parse_problem,
    parse_problem_bytes, parse_vpkg_formula, parse_vpkg_list, read_vpkg_formula, TextFormula,
};
pub use solution::{
    parse_answer, parse_answer_bytes, parse_answer_with, Answer, AnswerReading, Solution,
    UnknownPackage,
};
pub use write::{write_document, write_package, write_solution};
