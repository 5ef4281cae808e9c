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

    /// True when the (trimmed) field — text or its bytes — is a missing
    /// code.
    pub fn is_missing(&self, field: impl AsRef<[u8]>) -> bool {
        self.is_missing_bytes(field.as_ref())
    }

    /// [`MissingCodes::is_missing`] of a field's bytes (one copy of the
    /// code for every kind of field).
    fn is_missing_bytes(&self, field: &[u8]) -> bool {
        // the built-in codes (BUILT_IN_MISSING, in any case) by their
        // shape: most fields are told apart by their length and first byte
        // without a comparison with each code ("no" and "yes" in every
        // categorical column, numbers in every other)
        let is = |byte: &u8, letter: u8| byte.eq_ignore_ascii_case(&letter);
        let built_in = match field {
            [] | [b'.'] | [b'-'] => true,
            [n, a] => is(n, b'n') && is(a, b'a'),
            [n, b'/', a] => is(n, b'n') && is(a, b'a'),
            [n, a, n2] => is(n, b'n') && is(a, b'a') && is(n2, b'n'),
            _ => false,
        };
        built_in || self.extra.iter().any(|code| field == code.as_bytes())
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

/// Powers of ten that are exact in `f64`.
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Parses a trimmed, non-missing field as a finite number.
///
/// Plain decimals of at most 15 digits (nearly every cell of a clinical
/// file) are computed directly as digits / 10^decimals: both are exact in
/// `f64`, so the one division is correctly rounded (Clinger's fast path)
/// and gives the bits `str::parse` gives, without a String for a decimal
/// comma. Longer numbers and exponents go through `str::parse`.
pub fn parse_number(field: &str, mark: DecimalMark) -> Option<(f64, MarkUsed)> {
    parse_number_bytes(field.as_bytes(), mark)
}

/// [`parse_number`] of a field's bytes (the columns are typed from their
/// bytes: no character-boundary checks per cell).
pub fn parse_number_bytes(bytes: &[u8], mark: DecimalMark) -> Option<(f64, MarkUsed)> {
    let mut used = MarkUsed::None;
    let mut digits = 0usize;
    let mut mantissa = 0u64;
    let mut decimals = 0usize;
    let mut i = 0usize;
    let negative = bytes.first() == Some(&b'-');
    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
        i += 1;
    }
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => {
                digits += 1;
                if digits < EXACT_POWERS_OF_TEN.len() {
                    mantissa = mantissa * 10 + u64::from(bytes[i] - b'0');
                    decimals += usize::from(used != MarkUsed::None);
                }
            }
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
    if i == bytes.len() && digits < EXACT_POWERS_OF_TEN.len() {
        let magnitude = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
        return Some((if negative { -magnitude } else { magnitude }, used));
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
    // (every byte is by now a digit, sign, mark or exponent: ASCII)
    let field = std::str::from_utf8(bytes).ok()?;
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
        for value in ["0", "9999", "NAN2", "none", "n", "..", "--", "NA.", "nan "] {
            assert!(!m.is_missing(value), "{value}");
        }
        for code in ["nA", "n/a", "nAn"] {
            assert!(MissingCodes::new(&[]).is_missing(code), "{code}");
        }
    }

    #[test]
    fn missing_codes_by_shape_are_the_listed_codes() {
        // every field of up to four bytes from the codes' letters and others
        let alphabet = b"nNaA/.-x0";
        let mut level: Vec<Vec<u8>> = vec![Vec::new()];
        let mut fields = level.clone();
        for _ in 0..4 {
            level = (level.iter())
                .flat_map(|f| alphabet.iter().map(move |&b| [&f[..], &[b]].concat()))
                .collect();
            fields.extend(level.iter().cloned());
        }
        assert_eq!(fields.len(), 1 + 9 + 81 + 729 + 6561);
        let m = MissingCodes::new(&[]);
        for field in &fields {
            let listed = BUILT_IN_MISSING
                .iter()
                .any(|code| field.eq_ignore_ascii_case(code.as_bytes()));
            assert_eq!(
                m.is_missing(field),
                listed,
                "{:?}",
                String::from_utf8_lossy(field)
            );
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

    /// The fast path gives the bits of `str::parse`, signed zeros included.
    #[test]
    fn direct_decimals_equal_str_parse() {
        let mut fields: Vec<String> = [
            "0",
            "-0",
            "+0",
            "-0.0",
            ".5",
            "5.",
            "007",
            "0.1",
            "0.3",
            "72.0",
            "1e2",
            "123456789012345",
            "1234567890123456",
            "0.000000000000001",
            "99999.99999",
            "9007199254740993",
            "-12.345678901234",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut state = 42u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let digits = 1 + (state >> 60) as usize;
            let int = (state >> 8) % 10u64.pow(digits.min(15) as u32);
            let text = format!("{int:0digits$}");
            let cut = ((state >> 4) % (digits as u64 + 1)) as usize;
            let sign = if state & 1 == 1 { "-" } else { "" };
            fields.push(format!("{sign}{}.{}", &text[..cut], &text[cut..]));
        }
        for field in &fields {
            let expected: f64 = field.parse().unwrap();
            let (got, _) = parse_number(field, DecimalMark::Point).unwrap();
            assert_eq!(got.to_bits(), expected.to_bits(), "{field}");
            let comma = field.replacen('.', ",", 1);
            if comma.contains(',') {
                let (got, used) = parse_number(&comma, DecimalMark::Comma).unwrap();
                assert_eq!(got.to_bits(), expected.to_bits(), "{comma}");
                assert_eq!(used, MarkUsed::Comma);
            }
        }
    }
}
