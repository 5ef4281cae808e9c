//! A column's cells read once: which are missing, which are numbers, and
//! the distinct values with a code per row.
//!
//! The first look at a file (`inspect`) and every analysis of it (`data`)
//! need the same facts about a column. A [`super::Table`] works each out on
//! first use and keeps it ([`super::Table::numbers`],
//! [`super::Table::distinct`]), so the app — which inspects a file and then
//! analyses it again at every changed setting — parses each cell once (but
//! for a column of few values it has compacted, whose numbers it lets go
//! until asked for them again), and a
//! categorical column is coded by looking up its few distinct values instead
//! of comparing every cell with every level.
//!
//! The distinct values are found with a small open-addressing table written
//! here (a few lines, keyed by a value's first eight bytes) rather than a
//! `HashMap`: no hasher in the app's WebAssembly, and most cells are told
//! apart by one integer comparison.

use super::value::{parse_number_bytes, DecimalMark, MarkUsed, MissingCodes};
use super::TextColumn;

/// Distinct values counted per text column, at most: beyond it a column is
/// clearly not a few categories (an identifier, free text), and counting
/// stops.
pub const DISTINCT_LIMIT: usize = 1000;
/// The same for a column of numbers: enough to tell a coded group (2–6
/// values) or event (0/1) from a measurement, whose values need not be
/// counted.
pub const DISTINCT_NUMBERS: usize = 32;
/// Code of a missing cell in [`Distinct::codes`].
pub const MISSING: u16 = u16::MAX;

/// A column read as numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbers {
    /// True when a value (not missing) is a number.
    pub any_number: bool,
    /// First row (0-based) whose value is neither missing nor a number;
    /// `None` when every value is a number or missing.
    pub first_not_number: Option<usize>,
    /// First row holding a point number that reads like a thousands
    /// separator (`1.040`) in a file with decimal commas.
    pub first_ambiguous: Option<usize>,
    /// First row with a decimal point.
    pub first_point: Option<usize>,
    /// First row with a decimal comma.
    pub first_comma: Option<usize>,
    /// The numbers (NaN = missing) of the rows before `first_not_number`
    /// (where reading stops); shared, not copied, by the analyses that use
    /// them as they are (a Table 1 variable: at 10⁷ rows, 80 MB each).
    pub values: std::sync::Arc<Vec<f64>>,
}

impl Numbers {
    /// True when every non-missing value is a number and there is one.
    pub fn is_numeric(&self) -> bool {
        self.first_not_number.is_none() && self.any_number
    }

    /// Reads `column`.
    pub fn read(column: &TextColumn, missing: &MissingCodes, mark: DecimalMark) -> Numbers {
        let mut out = Numbers {
            any_number: false,
            first_not_number: None,
            first_ambiguous: None,
            first_point: None,
            first_comma: None,
            values: std::sync::Arc::new(Vec::new()),
        };
        let mut values = Vec::new();
        for (i, field) in column.iter_bytes().enumerate() {
            if missing.is_missing(field) {
                values.push(f64::NAN);
                continue;
            }
            match parse_number_bytes(field, mark) {
                Some((x, used)) => {
                    match used {
                        MarkUsed::Point => {
                            out.first_point.get_or_insert(i);
                            if mark == DecimalMark::Comma
                                && out.first_ambiguous.is_none()
                                && std::str::from_utf8(field).is_ok_and(thousands_like)
                            {
                                out.first_ambiguous = Some(i);
                            }
                        }
                        MarkUsed::Comma => {
                            out.first_comma.get_or_insert(i);
                        }
                        MarkUsed::None => {}
                    }
                    if !out.any_number {
                        out.any_number = true;
                        values.reserve_exact(column.len() - i);
                    }
                    values.push(x);
                }
                None => {
                    out.first_not_number = Some(i);
                    values.shrink_to_fit();
                    break;
                }
            }
        }
        // (an `Arc<Vec>` takes the vector as it is: `Arc<[f64]>` would copy it)
        out.values = std::sync::Arc::new(values);
        out
    }
}

/// `1.040` or `-12.500`: one to three digits (not a lone 0), a point and
/// exactly three digits — in a file with decimal commas, as likely a
/// thousands separator as a decimal point.
pub fn thousands_like(field: &str) -> bool {
    let digits = field.trim_start_matches(['+', '-']);
    let Some((int, frac)) = digits.split_once('.') else {
        return false;
    };
    (1..=3).contains(&int.len())
        && !int.starts_with('0')
        && frac.len() == 3
        && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

/// The distinct non-missing values of a column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Distinct {
    /// Cells that are missing codes.
    pub n_missing: usize,
    /// The values in byte order: all of them, or when `capped` the first
    /// ones met up to the limit ([`DISTINCT_LIMIT`], for numbers
    /// [`DISTINCT_NUMBERS`]).
    pub values: Vec<String>,
    /// True when the column has more distinct values than were counted.
    pub capped: bool,
    /// Per row, the index of its value in `values` ([`MISSING`] for a
    /// missing cell); empty when `capped`. (Shared with the column when
    /// [`super::Table::compact`] keeps it coded by these values.)
    pub codes: RowCodes,
}

/// A code per row: one byte while there are fewer than 255 values (a
/// group, a category, an event code), two beyond. Cloned, it is shared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowCodes {
    narrow: std::sync::Arc<Vec<u8>>,
    wide: std::sync::Arc<Vec<u16>>,
}

/// [`MISSING`] among narrow codes.
const NARROW_MISSING: u8 = u8::MAX;

impl RowCodes {
    /// The codes of `codes` (at most [`DISTINCT_LIMIT`] values).
    fn new(codes: Vec<u16>, n_values: usize) -> RowCodes {
        if n_values >= usize::from(NARROW_MISSING) {
            return RowCodes {
                wide: std::sync::Arc::new(codes),
                ..RowCodes::default()
            };
        }
        let narrow = (codes.iter())
            .map(|&c| u8::try_from(c).unwrap_or(NARROW_MISSING))
            .collect();
        RowCodes {
            narrow: std::sync::Arc::new(narrow),
            ..RowCodes::default()
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.narrow.len() + self.wide.len()
    }

    /// True without rows (a column past the limit).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The code of row `i`.
    pub fn get(&self, i: usize) -> u16 {
        match self.wide.is_empty() {
            true => widen(self.narrow[i]),
            false => self.wide[i],
        }
    }

    /// Every row's code, in row order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + Clone + '_ {
        // (by index: one loop in the module, where a chain of the two
        // arrays took one per caller)
        (0..self.len()).map(|i| self.get(i))
    }
}

fn widen(code: u8) -> u16 {
    match code {
        NARROW_MISSING => MISSING,
        c => u16::from(c),
    }
}

impl Distinct {
    /// Reads `column`: up to [`DISTINCT_NUMBERS`] values, and on to
    /// [`DISTINCT_LIMIT`] when the column is not one of numbers.
    /// `numbers_missing` (asked only when the first limit is reached) gives,
    /// for a column of numbers, its missing cells — then the rest of the
    /// column is not read again, its cells were counted as numbers — and
    /// `None` for a text column.
    pub fn read(
        column: &TextColumn,
        missing: &MissingCodes,
        numbers_missing: impl FnOnce() -> Option<usize>,
    ) -> Distinct {
        let mut builder = DistinctBuilder::new(column.len(), DISTINCT_NUMBERS);
        let mut numbers_missing = Some(numbers_missing);
        let mut n_missing = 0;
        for field in column.iter_bytes() {
            if missing.is_missing(field) {
                n_missing += 1;
                if !builder.capped {
                    builder.codes.push(MISSING);
                }
            } else if !builder.capped && !builder.push(field) {
                // the number limit is reached
                match numbers_missing.take().map(|f| f()) {
                    Some(Some(n_missing)) => return builder.finish(n_missing),
                    // a text column counts on
                    Some(None) => {
                        builder.limit = DISTINCT_LIMIT;
                        builder.capped = false;
                        builder.push(field);
                    }
                    None => {}
                }
            }
        }
        builder.finish(n_missing)
    }

    /// The first row whose code is one of `wanted` (codes marked true).
    pub fn first_row_with(&self, wanted: &[bool]) -> Option<usize> {
        self.codes
            .iter()
            .position(|c| c != MISSING && wanted[c as usize])
    }
}

/// The first eight bytes of a value as an integer (zero-padded; NUL bytes
/// never reach a table, so with the length it tells short values apart).
fn prefix(bytes: &[u8]) -> u64 {
    match bytes.first_chunk::<8>() {
        Some(first) => u64::from_le_bytes(*first),
        None => bytes
            .iter()
            .enumerate()
            .fold(0, |k, (i, &b)| k | u64::from(b) << (8 * i)),
    }
}

/// Values met so far in order of arrival (their id), found again through
/// an open-addressing table of ids.
struct DistinctBuilder<'a> {
    values: Vec<&'a [u8]>,
    prefixes: Vec<u64>,
    /// Ids by hash, [`MISSING`] = free; twice [`DISTINCT_LIMIT`] slots.
    slots: Vec<u16>,
    codes: Vec<u16>,
    limit: usize,
    capped: bool,
}

impl<'a> DistinctBuilder<'a> {
    const SLOTS: usize = (2 * DISTINCT_LIMIT).next_power_of_two();

    fn new(rows: usize, limit: usize) -> DistinctBuilder<'a> {
        DistinctBuilder {
            values: Vec::new(),
            prefixes: Vec::new(),
            slots: vec![MISSING; Self::SLOTS],
            codes: Vec::with_capacity(rows),
            limit,
            capped: false,
        }
    }

    /// Codes the value `bytes`; false when the limit is reached (then
    /// `capped`; [`Distinct::read`] drops the codes unless it raises the
    /// limit).
    fn push(&mut self, bytes: &'a [u8]) -> bool {
        let key = prefix(bytes);
        let mut slot = crate::stats::order::hash_slot(key ^ bytes.len() as u64, Self::SLOTS);
        loop {
            let id = self.slots[slot];
            if id == MISSING {
                break;
            }
            let known = self.values[id as usize];
            if self.prefixes[id as usize] == key
                && known.len() == bytes.len()
                && (bytes.len() <= 8 || known[8..] == bytes[8..])
            {
                self.codes.push(id);
                return true;
            }
            slot = (slot + 1) & (Self::SLOTS - 1);
        }
        if self.values.len() == self.limit {
            self.capped = true;
            return false;
        }
        let id = self.values.len() as u16;
        self.slots[slot] = id;
        self.values.push(bytes);
        self.prefixes.push(key);
        self.codes.push(id);
        true
    }

    /// Values in byte order, codes renumbered to match.
    fn finish(self, n_missing: usize) -> Distinct {
        let mut order: Vec<u16> = (0..self.values.len() as u16).collect();
        order.sort_unstable_by_key(|&id| self.values[id as usize]);
        let mut rank = vec![0u16; self.values.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u16;
        }
        let mut codes = if self.capped { Vec::new() } else { self.codes };
        for code in &mut codes {
            if *code != MISSING {
                *code = rank[*code as usize];
            }
        }
        Distinct {
            n_missing,
            values: order
                .iter()
                // (a column's fields are UTF-8: nothing is replaced)
                .map(|&id| String::from_utf8_lossy(self.values[id as usize]).into_owned())
                .collect(),
            capped: self.capped,
            codes: RowCodes::new(codes, self.values.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_table, ReadOptions, Table};

    fn table(text: &str) -> Table {
        read_table(text.as_bytes(), "t.csv", &ReadOptions::default()).unwrap()
    }

    #[test]
    fn numbers_missing_and_codes() {
        let t = table("x\n2\nNA\n1.5\n2\n");
        let n = t.numbers(0);
        assert!(n.is_numeric());
        assert_eq!(n.values[0], 2.0);
        assert!(n.values[1].is_nan());
        assert_eq!(n.values[2..], [1.5, 2.0]);
        assert_eq!(n.first_point, Some(2));
        let d = t.distinct(0);
        assert_eq!(d.values, ["1.5", "2"]);
        assert_eq!(d.n_missing, 1);
        assert_eq!(d.codes.iter().collect::<Vec<_>>(), [1, MISSING, 0, 1]);
    }

    #[test]
    fn numbers_past_the_limit_count_their_missing_cells() {
        // more distinct numbers than are counted, and missing cells after
        // the limit: counted from the numbers, not read again
        let mut text = String::from("x\n");
        for i in 0..40 {
            text.push_str(&format!("{i}\n"));
        }
        text.push_str("NA\n.\n7\n");
        let t = table(&text);
        assert!(t.numbers(0).is_numeric());
        let d = t.distinct(0);
        assert!(d.capped);
        assert_eq!(d.values.len(), DISTINCT_NUMBERS);
        assert_eq!(d.n_missing, 2);
        assert!(d.codes.is_empty());
        // a text column past the number limit counts on
        let t = table(&text.replace("NA\n", "many\n"));
        let d = t.distinct(0);
        assert!(!d.capped);
        assert_eq!(d.values.len(), 41);
        assert_eq!(d.n_missing, 1);
    }

    #[test]
    fn text_column_counts_its_values_in_byte_order() {
        let t = table("s\nM\nF\n.\nF\n");
        let n = t.numbers(0);
        assert!(!n.is_numeric());
        assert_eq!(n.first_not_number, Some(0));
        assert!(n.values.is_empty());
        let d = t.distinct(0);
        assert_eq!(d.n_missing, 1);
        assert_eq!(d.values, ["F", "M"]);
        assert_eq!(d.codes.iter().collect::<Vec<_>>(), [1, 0, MISSING, 0]);
        assert_eq!(d.first_row_with(&[false, true]), Some(0));
    }

    /// Long values that share their first eight bytes, short values that
    /// differ in length only, and values colliding in the table all keep
    /// their own code; the limit stops the count and drops the codes.
    #[test]
    fn codes_of_many_and_similar_values() {
        let mut values: Vec<String> = (0..600).map(|k| format!("patient-{k:04}")).collect();
        values.extend(["a", "ab", "abc", "", "1", "10", "1.0"].map(String::from));
        values.retain(|v| !v.is_empty());
        let mut text = String::from("v\n");
        for k in 0..3 * values.len() {
            text.push_str(&values[(k * 7) % values.len()]);
            text.push('\n');
        }
        let t = table(&text);
        let d = t.distinct(0);
        assert!(!d.capped);
        assert_eq!(d.values.len(), values.len());
        let mut sorted = values.clone();
        sorted.sort();
        assert_eq!(d.values, sorted);
        let column = &t.columns()[0];
        for (k, code) in d.codes.iter().enumerate() {
            assert_eq!(d.values[code as usize], column.get(k));
            assert_eq!(d.codes.get(k), code);
        }
        let mut text = String::from("v\n");
        for k in 0..DISTINCT_LIMIT + 5 {
            text.push_str(&format!("{k}\n"));
        }
        let d = table(&text).distinct(0).clone();
        assert!(d.capped);
        assert_eq!(d.values.len(), DISTINCT_NUMBERS);
        assert!(d.codes.is_empty());
        let d = table(&text.replace("\n5\n", "\nfive\n"))
            .distinct(0)
            .clone();
        assert!(d.capped);
        assert_eq!(d.values.len(), DISTINCT_LIMIT);
    }

    #[test]
    fn ambiguous_points_with_decimal_commas() {
        let t = table("x;y\n1,5;a\n1.040;b\n");
        let n = t.numbers(0);
        assert_eq!(n.first_comma, Some(0));
        assert_eq!(n.first_ambiguous, Some(1));
        assert!(thousands_like("-12.500"));
        assert!(!thousands_like("0.040"));
        assert!(!thousands_like("1.04"));
    }
}
