//! Cell values: missing codes and numbers.
//!
//! Missing: an empty cell, `NA`, `N/A`, `NaN`, `.`, `-` (letters in any
//! case), plus codes the user adds (compared exactly, e.g. `999`).
//!
//! Numbers: optional sign, digits, one decimal mark, optional exponent. With
//! a decimal comma, `12,5` is 12.5; `12.5` is also read as 12.5 but a column
//! that mixes both marks is refused, because `1.234` might then be a
//! thousands separator and a wrong number is worse than an error. Words Rust
//! would accept (`inf`, `nan`) are not numbers here.

use serde::{Deserialize, Serialize};

/// The decimal mark of numbers in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecimalMark {
    /// `12.5`
    Point,
    /// `12,5` (continental European Excel)
    Comma,
}

impl DecimalMark {
    /// "point" or "comma".
    pub fn name(self) -> &'static str {
        match self {
            DecimalMark::Point => "point",
            DecimalMark::Comma => "comma",
        }
    }
}

const BUILT_IN_MISSING: [&str; 6] = ["", "NA", "N/A", "NaN", ".", "-"];

/// The codes that mean "missing".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MissingCodes {
    /// Codes added by the user, compared exactly after trimming.
    pub extra: Vec<String>,
}

impl MissingCodes {
    /// Built-in codes plus `extra`.
    pub fn new(extra: &[String]) -> MissingCodes {
        MissingCodes {
            extra: extra.iter().map(|c| c.trim().to_string()).collect(),
        }
    }

    /// True when the (trimmed) field is a missing code.
    pub fn is_missing(&self, field: &str) -> bool {
        BUILT_IN_MISSING
            .iter()
            .any(|code| field.eq_ignore_ascii_case(code))
            || self.extra.iter().any(|code| field == code)
    }

    /// All codes in force, for the report.
    pub fn all(&self) -> Vec<String> {
        BUILT_IN_MISSING
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "(empty)".to_string()
                } else {
                    c.to_string()
                }
            })
            .chain(self.extra.iter().cloned())
            .collect()
    }
}

/// Which decimal mark a parsed number used, to catch columns that mix them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkUsed {
    /// No decimal mark (an integer, maybe with exponent).
    None,
    /// A point.
    Point,
    /// A comma.
    Comma,
}

/// Parses a trimmed, non-missing field as a finite number.
pub fn parse_number(field: &str, mark: DecimalMark) -> Option<(f64, MarkUsed)> {
    let bytes = field.as_bytes();
    let mut used = MarkUsed::None;
    let mut digits = 0usize;
    let mut i = 0usize;
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        i += 1;
    }
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => digits += 1,
            b'.' if used == MarkUsed::None => used = MarkUsed::Point,
            b',' if used == MarkUsed::None && mark == DecimalMark::Comma => used = MarkUsed::Comma,
            b'e' | b'E' => break,
            _ => return None,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if i < bytes.len() {
        // exponent: e, optional sign, at least one digit
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j == bytes.len() || !bytes[j..].iter().all(u8::is_ascii_digit) {
            return None;
        }
    }
    let value = if used == MarkUsed::Comma {
        field.replacen(',', ".", 1).parse::<f64>().ok()?
    } else {
        field.parse::<f64>().ok()?
    };
    value.is_finite().then_some((value, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_codes() {
        let m = MissingCodes::new(&["999".to_string()]);
        for code in ["", "NA", "na", "N/A", "NaN", ".", "-", "999"] {
            assert!(m.is_missing(code), "{code}");
        }
        for value in ["0", "9999", "NAN2", "none"] {
            assert!(!m.is_missing(value), "{value}");
        }
    }

    #[test]
    fn numbers() {
        let p = DecimalMark::Point;
        let c = DecimalMark::Comma;
        assert_eq!(parse_number("12.5", p), Some((12.5, MarkUsed::Point)));
        assert_eq!(parse_number("-3", p), Some((-3.0, MarkUsed::None)));
        assert_eq!(parse_number("1e3", p), Some((1000.0, MarkUsed::None)));
        assert_eq!(parse_number("12,5", c), Some((12.5, MarkUsed::Comma)));
        assert_eq!(parse_number("12.5", c), Some((12.5, MarkUsed::Point)));
        for bad in [
            "12,5", "abc", "inf", "nan", "1.2.3", "1e", "+", "1 000", "0x10",
        ] {
            assert_eq!(parse_number(bad, p), None, "{bad}");
        }
        assert_eq!(parse_number("1,2,3", c), None);
        assert_eq!(parse_number("1e999", p), None);
    }
}
