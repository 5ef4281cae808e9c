//! The one error type of the core.
//!
//! Every error says where the input went wrong — file, line (the line in the
//! file, 1-based, counting the header), column and value — so that a clinician
//! can open the file and fix it. The shape follows rust-csv's `Error`: a struct
//! around a `#[non_exhaustive]` kind, with the location kept apart from the
//! message so that the CLI and the web page can show both.

use std::fmt;

use serde::Serialize;

/// What kind of problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file holds no data (no bytes, or a header only).
    EmptyFile,
    /// The bytes could not be decoded or parsed as delimited text.
    Malformed,
    /// A row has more or fewer fields than the header.
    RaggedRow,
    /// A column named in the spec is not in the file.
    UnknownColumn,
    /// Text where a number was expected.
    NotANumber,
    /// A category value that is not among the declared levels.
    UnknownLevel,
    /// An event indicator that is not one of the event or censoring codes.
    BadEvent,
    /// A negative or non-finite survival time.
    BadTime,
    /// Fewer than two groups have data.
    TooFewGroups,
    /// The analysis spec is invalid.
    Spec,
    /// A file could not be read (CLI only).
    Io,
    /// A computation could not be carried out on valid input.
    Computation,
}

/// Where in the input the problem is. Every part is optional; the message
/// names what is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// File name as the user gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line in the file, 1-based; the header is line 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Column name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The offending value, as written in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// An error of the Insitu core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    location: Location,
}

/// Result alias of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a message and no location yet.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            location: Location::default(),
        }
    }

    /// Sets the file name (kept if one is already set).
    pub fn in_file(mut self, file: impl Into<String>) -> Error {
        if self.location.file.is_none() {
            self.location.file = Some(file.into());
        }
        self
    }

    /// Sets the file line.
    pub fn at_line(mut self, line: u64) -> Error {
        self.location.line = Some(line);
        self
    }

    /// Sets the column name.
    pub fn in_column(mut self, column: impl Into<String>) -> Error {
        self.location.column = Some(column.into());
        self
    }

    /// Sets the offending value.
    pub fn with_value(mut self, value: impl Into<String>) -> Error {
        self.location.value = Some(value.into());
        self
    }

    /// The kind of problem.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the problem is.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = &self.location;
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &loc.file {
            parts.push(file.clone());
        }
        if let Some(line) = loc.line {
            parts.push(format!("line {line}"));
        }
        if let Some(column) = &loc.column {
            parts.push(format!("column \"{column}\""));
        }
        if let Some(value) = &loc.value {
            parts.push(format!("value \"{}\"", shorten(value)));
        }
        if parts.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", parts.join(", "), self.message)
        }
    }
}

impl std::error::Error for Error {}

/// Values are quoted in messages; very long ones are cut so that the message
/// stays readable.
fn shorten(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_file_line_column_and_value() {
        let e = Error::new(ErrorKind::NotANumber, "is not a number")
            .in_column("age")
            .at_line(14)
            .with_value("abc")
            .in_file("lung.csv");
        assert_eq!(
            e.to_string(),
            "lung.csv, line 14, column \"age\", value \"abc\": is not a number"
        );
    }

    #[test]
    fn long_values_are_shortened() {
        let e = Error::new(ErrorKind::NotANumber, "x").with_value("a".repeat(200));
        assert!(e.to_string().chars().count() < 100);
    }
}
