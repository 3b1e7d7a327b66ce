use std::fmt;

/// A syntax or type error in a CUDF document, with the position it was found at.
///
/// The parser works on bytes without knowing where they came from; the caller attaches the file
/// name with [`ParseError::in_file`] so that the message reads `FILE:LINE:COLUMN: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file the document came from, when the caller said.
    pub file: Option<String>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in bytes).
    pub column: u32,
    /// What went wrong, and what was expected.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(line: u32, column: u32, message: impl Into<String>) -> Self {
        ParseError {
            file: None,
            line,
            column,
            message: message.into(),
        }
    }

    /// Attaches the name of the file the document was read from.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// What was found where something else was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The value ended.
    End,
    /// This character.
    Char(char),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::End => write!(f, "found the end of the value"),
            Found::Char(c) => write!(f, "found `{c}`"),
        }
    }
}

/// An error in one property value, at a byte offset of the value; [`ParseError`] places it
/// in the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ValueError {
    /// The byte offset in the value where the error was found.
    pub offset: usize,
    /// What was wrong.
    pub kind: ValueErrorKind,
}

/// What is wrong with a property value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueErrorKind {
    /// A vpkg without a package name.
    #[error("expected a package name, {0}")]
    PackageName(Found),
    /// An operator without a version after it.
    #[error("expected a version (a positive integer), {0}")]
    Version(Found),
    /// A version 0.
    #[error("expected a version (a positive integer), found 0")]
    VersionZero,
    /// A version over 2^64 - 1.
    #[error("version number too large")]
    VersionTooLarge,
    /// Something after a version.
    #[error("expected the end of the version, {0}")]
    VersionEnd(Found),
    /// Something after a vpkg of a list.
    #[error("expected `,` or the end of the list, {0}")]
    ListSeparator(Found),
    /// Something after a vpkg of a formula.
    #[error("expected `,`, `|` or the end of the formula, {0}")]
    FormulaSeparator(Found),
    /// Something after a single vpkg.
    #[error("expected the end of the vpkg, {0}")]
    VpkgEnd(Found),
    /// A constraint other than `=` where only `=` is allowed (veqpkg, veqpkglist).
    #[error("only `=` constraints are allowed here (a veqpkg)")]
    NotEqual,
    /// A value not of the expected type.
    #[error("expected {expected}, found `{found}`")]
    Type {
        /// What was expected (the type, in words).
        expected: String,
        /// The value, shortened.
        found: String,
    },
    /// A typed default value that is not well formed.
    #[error("{0}")]
    Other(String),
}

impl ValueErrorKind {
    /// Whether the error is inside one vpkg (its name or its version), not between vpkgs.
    pub fn in_vpkg(&self) -> bool {
        matches!(
            self,
            ValueErrorKind::PackageName(_)
                | ValueErrorKind::Version(_)
                | ValueErrorKind::VersionZero
                | ValueErrorKind::VersionTooLarge
        )
    }
}
