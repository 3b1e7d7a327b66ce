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
