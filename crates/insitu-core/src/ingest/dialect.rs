//! Delimiter and decimal-mark detection.
//!
//! The delimiter is the candidate (`,` `;` tab `|`) that appears in the
//! header and the same number of times on the most of the first lines,
//! counting only outside quotes. A decimal comma is assumed only when the
//! delimiter is not a comma and some field looks like `12,5`.

use super::{value::DecimalMark, MissingCodes, TextColumn};

const CANDIDATES: [char; 4] = [',', ';', '\t', '|'];
const SAMPLE_LINES: usize = 50;

/// The most likely delimiter of `text`; `,` when nothing fits.
pub fn detect_delimiter(text: &str) -> char {
    best_delimiter(&count_per_line(text).0)
}

/// [`detect_delimiter`] of a file that begins with `start`, when `start`
/// holds the lines it looks at (`None`: more of the file is needed).
pub fn detect_delimiter_from_start(start: &str) -> Option<char> {
    let (counts, complete) = count_per_line(start);
    complete.then(|| best_delimiter(&counts))
}

fn best_delimiter(counts: &[[usize; 4]]) -> char {
    let Some(header) = counts.first() else {
        return ',';
    };
    let mut best = (',', 0usize, 0usize);
    for (k, &candidate) in CANDIDATES.iter().enumerate() {
        let expected = header[k];
        if expected == 0 {
            continue;
        }
        let agreeing = counts.iter().filter(|line| line[k] == expected).count();
        if agreeing > best.1 || (agreeing == best.1 && expected > best.2) {
            best = (candidate, agreeing, expected);
        }
    }
    best.0
}

/// Per line (first [`SAMPLE_LINES`]), the count of each candidate outside
/// quotes. Blank lines are left out. True when [`SAMPLE_LINES`] lines
/// ended in `text` (what follows does not count).
fn count_per_line(text: &str) -> (Vec<[usize; 4]>, bool) {
    let mut lines = Vec::new();
    let mut current = [0usize; 4];
    let mut in_quotes = false;
    let mut blank = true;
    for c in text.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            '\n' if !in_quotes => {
                if !blank {
                    lines.push(current);
                    if lines.len() == SAMPLE_LINES {
                        return (lines, true);
                    }
                }
                current = [0; 4];
                blank = true;
            }
            '\r' => {}
            _ => {
                blank = false;
                if !in_quotes {
                    if let Some(k) = CANDIDATES.iter().position(|&d| d == c) {
                        current[k] += 1;
                    }
                }
            }
        }
    }
    if !blank {
        lines.push(current);
    }
    (lines, false)
}

/// The decimal mark to assume when none is given.
pub fn default_decimal_mark(
    delimiter: char,
    columns: &[TextColumn],
    missing: &MissingCodes,
) -> DecimalMark {
    if delimiter == ',' {
        return DecimalMark::Point;
    }
    let comma_number = columns
        .iter()
        .flat_map(|c| c.iter())
        .filter(|f| !missing.is_missing(f))
        .any(looks_like_decimal_comma);
    if comma_number {
        DecimalMark::Comma
    } else {
        DecimalMark::Point
    }
}

fn looks_like_decimal_comma(field: &str) -> bool {
    let body = field.strip_prefix(['-', '+']).unwrap_or(field);
    match body.split_once(',') {
        Some((int, frac)) => {
            !int.is_empty()
                && !frac.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Human name of a delimiter for messages.
pub fn delimiter_name(delimiter: char) -> String {
    match delimiter {
        '\t' => "tab".to_string(),
        d => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_candidate() {
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), ',');
        assert_eq!(detect_delimiter("a;b;c\n1,5;2;3\n1,5;2,25;3\n"), ';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), '\t');
        assert_eq!(detect_delimiter("a|b\n1|2\n"), '|');
    }

    #[test]
    fn delimiters_inside_quotes_do_not_count() {
        assert_eq!(detect_delimiter("a;b\n\"x, y, z\";2\n\"p, q\";3\n"), ';');
    }

    #[test]
    fn single_column_defaults_to_comma() {
        assert_eq!(detect_delimiter("age\n61\n62\n"), ',');
    }
}
