//! Ingest: the bytes of a delimited text file into a table of text columns.
//!
//! Excel exports as clinicians make them are the target: semicolons and
//! decimal commas, Windows-1252 accents, CRLF line ends, a UTF-8 byte-order
//! mark, "NA", "." or an empty cell for missing. The steps:
//!
//! 1. [`decode`]: bytes to UTF-8 text (UTF-8 with or without BOM, UTF-16
//!    with BOM, else Windows-1252 — the encoding Excel uses on Western
//!    European Windows).
//! 2. [`dialect`]: the delimiter among `,` `;` tab `|`, unless given.
//! 3. The `csv` crate splits records (quotes, doubled quotes, delimiters and
//!    newlines inside quotes); every field is stored, trimmed, in one text
//!    arena per column, with the file line of each row kept for messages.
//! 4. [`value`]: per column, missing codes and numbers (decimal point or
//!    comma) are recognised when the analysis asks for a typed column.

pub mod date;
pub mod decode;
pub mod dialect;
#[cfg(feature = "office")]
pub mod spreadsheet;
pub mod stream;
pub mod typed;
pub mod value;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
pub use decode::TextEncoding;
pub use typed::{Distinct, Numbers};
pub use value::{DecimalMark, MissingCodes};

/// How to read a file; `None` fields are detected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadOptions {
    /// Field delimiter, one of `,` `;` tab `|` (or any single byte).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<char>,
    /// Decimal mark of numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal_mark: Option<DecimalMark>,
    /// Codes that mean "missing" besides the built-in ones (e.g. `999`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_codes: Vec<String>,
    /// Text encoding; detected when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<TextEncoding>,
    /// Sheet of a spreadsheet (name or 0-based index); default the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<SheetName>,
}

/// A sheet chosen by name or 0-based index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SheetName {
    /// 0-based position.
    Index(usize),
    /// Sheet name.
    Name(String),
}

/// True when the bytes look like a workbook (ZIP for xlsx/ods, OLE for
/// xls); the first four bytes decide.
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Reads a CSV or (with the `office` feature) a spreadsheet, told apart by
/// the file's first bytes ([`is_spreadsheet`]).
pub fn read_any(bytes: &[u8], file_name: &str, options: &ReadOptions) -> Result<Table> {
    if !is_spreadsheet(bytes) {
        return read_table(bytes, file_name, options);
    }
    #[cfg(feature = "office")]
    {
        spreadsheet::read_spreadsheet(bytes, file_name, options.sheet.as_ref(), options)
    }
    #[cfg(not(feature = "office"))]
    {
        Err(Error::new(
            ErrorKind::Malformed,
            "this is a spreadsheet (.xlsx, .xls or .ods); this build reads CSV only: save the sheet as CSV, or use the insitu command line",
        )
        .in_file(file_name))
    }
}

/// What was detected (or given) about a file's format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dialect {
    /// Text encoding of the bytes.
    pub encoding: TextEncoding,
    /// Field delimiter.
    pub delimiter: char,
    /// Whether the delimiter was detected (false: given by the user).
    pub delimiter_detected: bool,
    /// Decimal mark used to read numbers.
    pub decimal_mark: DecimalMark,
    /// Missing-value codes in force.
    pub missing_codes: MissingCodes,
}

/// One column of text, all fields in one arena — or two: a large file read
/// as two halves at once keeps each half's fields where they were read
/// (no copy of the second half after the first).
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    head: Fields,
    /// (Only a native build reads a file as two halves: the WebAssembly
    /// builds, size-bound, carry no code for a tail.)
    #[cfg(feature = "threads")]
    tail: Fields,
    /// The column as its distinct values, once [`Table::compact`] has let
    /// its text go (`head` and `tail` are then empty).
    coded: Option<Coded>,
}

/// A column of few distinct values kept as those values and a code per
/// row — the codes of its [`Distinct`] (shared), or of its values counted
/// on past the first look's count — instead of its text: the same fields,
/// at one or two bytes a cell.
#[derive(Debug, Clone)]
struct Coded {
    /// The distinct values, as [`Distinct::values`].
    values: Vec<String>,
    /// The one spelling of the column's missing cells.
    missing: String,
    /// Per row, the index of its value ([`typed::MISSING`]: missing).
    codes: typed::RowCodes,
}

impl Coded {
    fn get(&self, code: u16) -> &str {
        match code {
            typed::MISSING => &self.missing,
            k => &self.values[usize::from(k)],
        }
    }
}

/// Cells of a [`TextColumn`] in row order, from its text (`I`) or its
/// codes.
enum Cells<'a, I: Iterator> {
    Text(I),
    Coded(&'a Coded, std::ops::Range<usize>, fn(&'a str) -> I::Item),
}

impl<'a, I: Iterator> Iterator for Cells<'a, I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        match self {
            Cells::Text(fields) => fields.next(),
            Cells::Coded(coded, rows, as_item) => {
                (rows.next()).map(|i| as_item(coded.get(coded.codes.get(i))))
            }
        }
    }
}

/// Fields of one column, one after the other: their text in one string,
/// and each field's length in one byte (a field of [`LONG`] bytes or more
/// has its length in `long`), with where every [`MARK_EVERY`]th field
/// starts for [`Fields::get`]. About one byte a cell besides the text, where
/// an end offset per cell took four: at 10⁷ rows of 14 columns, 140 MB
/// instead of 560 (docs/scale.md). Typing a column reads it in order; a
/// single cell is looked up only for a message or the preview.
#[derive(Debug, Clone, Default)]
struct Fields {
    text: String,
    lens: Vec<u8>,
    long: Vec<usize>,
    marks: Vec<Mark>,
}

/// Where field `k` × [`MARK_EVERY`] starts: in the text, and in the
/// lengths of long fields.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    start: usize,
    long: usize,
}

/// Fields between two marks.
const MARK_EVERY: usize = 64;
/// The length byte of a field whose length is kept apart.
const LONG: u8 = u8::MAX;

/// Each field's span in the text, from a mark on.
struct Spans<'a> {
    lens: std::slice::Iter<'a, u8>,
    long: std::slice::Iter<'a, usize>,
    start: usize,
}

impl Iterator for Spans<'_> {
    type Item = std::ops::Range<usize>;

    fn next(&mut self) -> Option<Self::Item> {
        let len = match *self.lens.next()? {
            LONG => *self.long.next().expect("a long field's length"),
            short => usize::from(short),
        };
        let span = self.start..self.start + len;
        self.start = span.end;
        Some(span)
    }
}

impl Fields {
    fn len(&self) -> usize {
        self.lens.len()
    }

    fn get(&self, i: usize) -> &str {
        let mark = self.marks[i / MARK_EVERY];
        let mut spans = Spans {
            lens: self.lens[i - i % MARK_EVERY..].iter(),
            long: self.long[mark.long..].iter(),
            start: mark.start,
        };
        let span = spans.nth(i % MARK_EVERY).expect("a row of the column");
        &self.text[span]
    }

    /// Where each field starts and ends in `text`.
    fn spans(&self) -> Spans<'_> {
        Spans {
            lens: self.lens.iter(),
            long: self.long.iter(),
            start: 0,
        }
    }

    fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans().map(|span| &self.text[span])
    }

    fn iter_bytes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let text = self.text.as_bytes();
        self.spans().map(move |span| &text[span])
    }
}

/// Rows read before the columns are sized for the whole file.
const SIZING_ROWS: usize = 4096;
/// Room left above the size the first rows predict.
const SIZING_MARGIN: f64 = 1.05;

/// A [`TextColumn`] being read: [`Fields`] as bytes.
#[derive(Debug, Clone, Default)]
struct ColumnBuilder {
    bytes: Vec<u8>,
    lens: Vec<u8>,
    long: Vec<usize>,
    marks: Vec<Mark>,
}

impl ColumnBuilder {
    fn push(&mut self, field: &[u8]) {
        if self.lens.len().is_multiple_of(MARK_EVERY) {
            self.marks.push(Mark {
                start: self.bytes.len(),
                long: self.long.len(),
            });
        }
        match u8::try_from(field.len()) {
            Ok(short) if short < LONG => self.lens.push(short),
            _ => {
                self.lens.push(LONG);
                self.long.push(field.len());
            }
        }
        self.bytes.extend_from_slice(field);
    }

    /// Room for `more` times the fields read so far.
    fn reserve(&mut self, more: impl Fn(usize) -> usize) {
        self.bytes.reserve(more(self.bytes.len()));
        self.lens.reserve(more(self.lens.len()));
        self.marks.reserve(more(self.marks.len()));
    }

    /// The column, its text checked as UTF-8 once (it always is: the
    /// fields are cut from valid text at ASCII delimiters, quotes and line
    /// ends).
    fn finish(self) -> std::result::Result<Fields, String> {
        let text = String::from_utf8(self.bytes)
            .map_err(|e| format!("a field is not valid text: {}", e.utf8_error()))?;
        Ok(Fields {
            text,
            lens: self.lens,
            long: self.long,
            marks: self.marks,
        })
    }
}

/// The file line of each data row, kept as the rows where the count jumps
/// (the first row, and a row after a skipped empty line or a field over
/// several lines): a row's line is its jump's plus the rows since. Nothing
/// a row in the common file, where an array of lines took 8 bytes.
#[derive(Debug, Clone, Default)]
struct Lines {
    n: usize,
    last: u64,
    /// (row, its line), rows increasing.
    jumps: Vec<(usize, u64)>,
}

impl Lines {
    fn push(&mut self, line: u64) {
        if self.n == 0 || line != self.last + 1 {
            self.jumps.push((self.n, line));
        }
        self.last = line;
        self.n += 1;
    }

    fn len(&self) -> usize {
        self.n
    }

    fn get(&self, i: usize) -> u64 {
        assert!(i < self.n, "row {i} of {}", self.n);
        let (row, line) = self.jumps[self.jumps.partition_point(|&(row, _)| row <= i) - 1];
        line + (i - row) as u64
    }

    /// The rows of `other` after these.
    #[cfg(feature = "threads")]
    fn append(&mut self, other: Lines) {
        let n = self.n;
        self.jumps
            .extend(other.jumps.into_iter().map(|(row, line)| (n + row, line)));
        self.n += other.n;
        self.last = other.last;
    }
}

/// A field without leading and trailing white space, as `str::trim` (the
/// common field, which starts and ends with a visible ASCII character, is
/// returned as it is without decoding).
fn trimmed(field: &[u8]) -> &[u8] {
    let visible_ascii = |b: &u8| (b'!'..=b'~').contains(b);
    match (field.first(), field.last()) {
        (None, _) => field,
        (Some(a), Some(b)) if visible_ascii(a) && visible_ascii(b) => field,
        _ => std::str::from_utf8(field).map_or(field, |s| s.trim().as_bytes()),
    }
}

impl TextColumn {
    /// Number of fields.
    pub fn len(&self) -> usize {
        if let Some(coded) = &self.coded {
            return coded.codes.len();
        }
        #[cfg(feature = "threads")]
        return self.head.len() + self.tail.len();
        #[cfg(not(feature = "threads"))]
        self.head.len()
    }

    /// True when the column has no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The field of data row `i` (0-based), trimmed.
    pub fn get(&self, i: usize) -> &str {
        if let Some(coded) = &self.coded {
            return coded.get(coded.codes.get(i));
        }
        #[cfg(feature = "threads")]
        if let Some(k) = i.checked_sub(self.head.len()) {
            return self.tail.get(k);
        }
        self.head.get(i)
    }

    /// All fields in row order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        #[cfg(feature = "threads")]
        let text = self.head.iter().chain(self.tail.iter());
        #[cfg(not(feature = "threads"))]
        let text = self.head.iter();
        match &self.coded {
            None => Cells::Text(text),
            Some(coded) => Cells::Coded(coded, 0..coded.codes.len(), |s| s),
        }
    }

    /// All fields' bytes in row order (UTF-8 text, cut at field ends: what
    /// typing a column reads, without a character-boundary check per cell).
    pub fn iter_bytes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        #[cfg(feature = "threads")]
        let text = self.head.iter_bytes().chain(self.tail.iter_bytes());
        #[cfg(not(feature = "threads"))]
        let text = self.head.iter_bytes();
        match &self.coded {
            None => Cells::Text(text),
            Some(coded) => Cells::Coded(coded, 0..coded.codes.len(), str::as_bytes),
        }
    }

    /// The column kept as `distinct`'s values and codes instead of its
    /// text, when they give every field back: `distinct` counted every
    /// value, and the missing cells are all spelt alike. False (and the
    /// column unchanged) otherwise.
    fn code(&mut self, distinct: &Distinct) -> bool {
        if distinct.capped || distinct.codes.len() != self.len() {
            return false;
        }
        let mut missing: Option<&str> = None;
        for (field, code) in self.iter().zip(distinct.codes.iter()) {
            if code == typed::MISSING && *missing.get_or_insert(field) != field {
                return false;
            }
        }
        let missing = missing.unwrap_or_default().to_string();
        *self = TextColumn {
            coded: Some(Coded {
                values: distinct.values.clone(),
                missing,
                codes: distinct.codes.clone(),
            }),
            ..TextColumn::default()
        };
        true
    }
}

/// A file read into text columns.
#[derive(Debug, Clone)]
pub struct Table {
    /// The name the file is known by in messages.
    pub file_name: String,
    /// Column names from the header row, trimmed.
    pub headers: Vec<String>,
    columns: Vec<TextColumn>,
    /// File line (1-based, header = line 1 usually) where each data row starts.
    lines: Lines,
    /// Rows whose fields were all empty, skipped (file lines).
    pub skipped_empty_lines: Vec<u64>,
    /// Format facts.
    pub dialect: Dialect,
    /// Each column as numbers, read on first use ([`Table::numbers`]).
    numbers: Vec<std::sync::OnceLock<Numbers>>,
    /// Each column's distinct values, read on first use ([`Table::distinct`]).
    distinct: Vec<std::sync::OnceLock<Distinct>>,
    /// Columns [`Table::compact`] has looked at (coded or not: not read
    /// again).
    looked_at: Vec<bool>,
}

impl Table {
    /// Number of data rows.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// File line of data row `i`.
    pub fn line(&self, i: usize) -> u64 {
        self.lines.get(i)
    }

    /// The column named `name`, or an error naming the file and listing the
    /// columns that exist.
    pub fn column(&self, name: &str) -> Result<&TextColumn> {
        Ok(&self.columns[self.index(name)?])
    }

    /// The position of the column named `name`, or the error of
    /// [`Table::column`].
    fn index(&self, name: &str) -> Result<usize> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownColumn,
                format!(
                    "no column \"{name}\" in the file; its columns are: {}",
                    self.headers.join(", ")
                ),
            )
            .in_file(&self.file_name)
            .in_column(name)
        })
    }

    /// All columns in header order.
    pub fn columns(&self) -> &[TextColumn] {
        &self.columns
    }

    /// Column `j` as numbers — read on the first call and kept, so that
    /// the first look at a file and every analysis of it parse each cell
    /// once (a column of few values compacted, [`Table::compact`], is read
    /// again when its numbers are asked for: an event indicator or a count,
    /// rarely).
    pub fn numbers(&self, j: usize) -> &Numbers {
        self.numbers[j].get_or_init(|| {
            Numbers::read(
                &self.columns[j],
                &self.dialect.missing_codes,
                self.dialect.decimal_mark,
            )
        })
    }

    /// Column `j`'s distinct values and a code per row, read on the first
    /// call and kept (counted up to [`typed::DISTINCT_NUMBERS`] in a column
    /// of numbers, [`typed::DISTINCT_LIMIT`] in a text column).
    pub fn distinct(&self, j: usize) -> &Distinct {
        self.distinct[j].get_or_init(|| {
            Distinct::read(&self.columns[j], &self.dialect.missing_codes, || {
                // a missing cell is NaN, a number never (it is finite)
                let numbers = self.numbers(j);
                (numbers.is_numeric()).then(|| numbers.values.iter().filter(|x| x.is_nan()).count())
            })
        })
    }

    /// Lets go of the text of each column whose distinct values give it
    /// back, keeping those values and the codes of its rows instead (one or
    /// two bytes a cell): every field reads as before. Coded are the
    /// columns of few values ([`Table::distinct`], read here column by
    /// column: groups, categories, event codes) and the columns of numbers
    /// with at most [`typed::DISTINCT_LIMIT`] distinct values (counted on
    /// here past the first look's count: ages, times rounded to 0.1 month).
    /// The numbers of a column of few values go too unless in use (read
    /// again if asked for: an event indicator, a count); those of other
    /// columns stay. (At 10⁷ rows of the synthetic cohort, about 540 MB
    /// less.) The app calls it before and after its first look at a file
    /// (which reads the numbers of every column). Returns the number of
    /// columns coded.
    pub fn compact(&mut self) -> usize {
        let mut coded = 0;
        for j in 0..self.columns.len() {
            if !self.looked_at[j] {
                self.looked_at[j] = true;
                self.distinct(j);
                if let Some(distinct) = self.distinct[j].get() {
                    let mut done = self.columns[j].code(distinct);
                    if !done && distinct.capped && distinct.values.len() == typed::DISTINCT_NUMBERS
                    {
                        // a column of numbers: its values counted on
                        let missing = &self.dialect.missing_codes;
                        let all = Distinct::read(&self.columns[j], missing, || None);
                        done = self.columns[j].code(&all);
                    }
                    coded += usize::from(done);
                }
            }
            let few = self.distinct[j].get().is_some_and(|d| !d.capped);
            let numbers = &mut self.numbers[j];
            if few
                && self.columns[j].coded.is_some()
                && numbers
                    .get()
                    .is_some_and(|n| std::sync::Arc::strong_count(&n.values) == 1)
            {
                numbers.take();
            }
        }
        coded
    }

    /// [`Table::numbers`] of the column named `name`, or the error of
    /// [`Table::column`].
    pub fn numbers_of(&self, name: &str) -> Result<&Numbers> {
        Ok(self.numbers(self.index(name)?))
    }

    /// [`Table::distinct`] of the column named `name`, or the error of
    /// [`Table::column`].
    pub fn distinct_of(&self, name: &str) -> Result<&Distinct> {
        Ok(self.distinct(self.index(name)?))
    }

    /// An error about data row `i` of column `column`, with its value.
    pub fn cell_error(&self, kind: ErrorKind, i: usize, column: &str, message: String) -> Error {
        let value = self
            .column(column)
            .map(|c| c.get(i).to_string())
            .unwrap_or_default();
        Error::new(kind, message)
            .in_file(&self.file_name)
            .at_line(self.line(i))
            .in_column(column)
            .with_value(value)
    }
}

/// Reads delimited text from `bytes`. `file_name` is used in messages only.
pub fn read_table(bytes: &[u8], file_name: &str, options: &ReadOptions) -> Result<Table> {
    let (text, encoding) = match options.encoding {
        None => {
            let decoded = decode::decode(bytes);
            let fallback = decoded.1 == TextEncoding::Windows1252;
            if let Some(offset) = fallback.then(|| decode::utf8_with_stray_bytes(bytes)).flatten() {
                let line = line_breaks(&bytes[..offset]) as u64 + 1;
                return Err(Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "the file is UTF-8 (it has UTF-8 accented letters) except for the byte \
                         0x{:02X} on line {line}, which is not valid UTF-8; correct that \
                         character, or choose the encoding by hand (Windows-1252 reads every \
                         byte, but then each UTF-8 accent becomes two letters, é as Ã©)",
                        bytes[offset]
                    ),
                )
                .in_file(file_name)
                .at_line(line));
            }
            decoded
        }
        Some(chosen) => match decode::decode_as(bytes, chosen) {
            Ok(text) => (text, chosen),
            Err(offset) => {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "the file is not valid {} (first bad byte at offset {offset}); choose another encoding, e.g. Windows-1252",
                        chosen.name()
                    ),
                )
                .in_file(file_name))
            }
        },
    };
    let text = text.as_ref();
    if text.trim().is_empty() {
        return Err(Error::new(ErrorKind::EmptyFile, "the file is empty").in_file(file_name));
    }
    if let Some(pos) = text.find('\0') {
        let line = line_breaks(&text.as_bytes()[..pos]) as u64 + 1;
        let message = if decode::looks_like_utf16(bytes) {
            "the file looks like UTF-16 text without a byte-order mark (every other byte is \
             NUL); choose the encoding UTF-16 (in the page: Encoding; in a spec: \
             \"encoding\": \"utf16\"), or save it from Excel as \"CSV UTF-8\""
        } else {
            "the file contains NUL bytes; it is not a text (CSV) file"
        };
        return Err(Error::new(ErrorKind::Malformed, message)
            .in_file(file_name)
            .at_line(line));
    }
    let (delimiter, delimiter_detected) = match options.delimiter {
        Some(d) => {
            if !d.is_ascii() {
                return Err(Error::new(
                    ErrorKind::Spec,
                    format!("the delimiter must be a single ASCII character, not \"{d}\""),
                ));
            }
            (d, false)
        }
        None => (dialect::detect_delimiter(text), true),
    };
    // a large file without quotes is read as two halves at once
    let split = halves(text.as_bytes());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(split.map_or(text.as_bytes(), |(first, _, _)| first));

    // One reused byte record (no allocation or UTF-8 check per row); the
    // fields go straight into each column's byte arena, checked as UTF-8
    // once per column at the end.
    let mut record = csv::ByteRecord::new();
    let header = match reader.read_byte_record(&mut record) {
        Ok(true) => csv::StringRecord::from_byte_record(record.clone()).map_err(|e| {
            Error::new(
                ErrorKind::Malformed,
                format!("the header is not valid text: {}", e.utf8_error()),
            )
            .in_file(file_name)
            .at_line(1)
        })?,
        Ok(false) => {
            return Err(Error::new(ErrorKind::EmptyFile, "the file is empty").in_file(file_name))
        }
        Err(e) => return Err(csv_error(e, file_name)),
    };
    let headers = clean_headers(&header, file_name)?;
    let n_cols = headers.len();
    let format = RowFormat {
        file_name,
        delimiter,
        n_cols,
    };
    let (first, second) = match split {
        // the second half is read as if the file started there, its lines
        // counted on from the first half's
        Some((first, second, first_line)) => {
            let (a, b) = crate::parallel::join(
                || read_rows(&mut reader, first, first.len(), 1, &format),
                || {
                    let mut rest = csv::ReaderBuilder::new()
                        .has_headers(false)
                        .flexible(true)
                        .delimiter(delimiter as u8)
                        .from_reader(second);
                    read_rows(&mut rest, second, second.len(), first_line, &format)
                },
            );
            match (a?, b) {
                (a, Ok(b)) => (a, Some(b)),
                // an error in the second half: read it again after the
                // first, so the message is the one a single pass gives
                (_, Err(_)) => {
                    let mut reader = csv::ReaderBuilder::new()
                        .has_headers(true)
                        .flexible(true)
                        .delimiter(delimiter as u8)
                        .from_reader(text.as_bytes());
                    let all = read_rows(&mut reader, text.as_bytes(), text.len(), 1, &format)?;
                    (all, None)
                }
            }
        }
        None => (
            read_rows(&mut reader, text.as_bytes(), text.len(), 1, &format)?,
            None,
        ),
    };
    let rows = join_halves(first, second)
        .map_err(|message| Error::new(ErrorKind::Malformed, message).in_file(file_name))?;
    let format = Dialect {
        encoding,
        delimiter,
        delimiter_detected,
        decimal_mark: DecimalMark::Point, // settled from the columns
        missing_codes: MissingCodes::new(&options.missing_codes),
    };
    table_of(file_name, headers, rows, format, options)
}

/// The table of the rows read, the decimal mark settled (given, or as the
/// columns suggest: `dialect.decimal_mark` is replaced).
fn table_of(
    file_name: &str,
    headers: Vec<String>,
    rows: Rows<TextColumn>,
    mut dialect: Dialect,
    options: &ReadOptions,
) -> Result<Table> {
    let Rows {
        columns,
        lines,
        skipped_empty_lines,
    } = rows;
    if lines.len() == 0 {
        return Err(Error::new(
            ErrorKind::EmptyFile,
            "the file has a header but no data rows",
        )
        .in_file(file_name));
    }
    dialect.decimal_mark = options.decimal_mark.unwrap_or_else(|| {
        dialect::default_decimal_mark(dialect.delimiter, &columns, &dialect.missing_codes)
    });
    Ok(Table {
        file_name: file_name.to_string(),
        headers,
        numbers: vec![std::sync::OnceLock::new(); columns.len()],
        distinct: vec![std::sync::OnceLock::new(); columns.len()],
        looked_at: vec![false; columns.len()],
        columns,
        lines,
        skipped_empty_lines,
        dialect,
    })
}

/// What every row of a file is checked against.
struct RowFormat<'a> {
    file_name: &'a str,
    delimiter: char,
    n_cols: usize,
}

/// Data rows read: their fields by column (being read, then text columns),
/// their file lines, and the lines of empty rows skipped.
struct Rows<C = ColumnBuilder> {
    columns: Vec<C>,
    lines: Lines,
    skipped_empty_lines: Vec<u64>,
}

/// The text columns of the rows read, and of a second half read apart
/// (whose fields stay where they were read).
#[cfg(feature = "threads")]
fn join_halves(first: Rows, second: Option<Rows>) -> std::result::Result<Rows<TextColumn>, String> {
    let Rows {
        columns: builders,
        mut lines,
        mut skipped_empty_lines,
    } = first;
    let mut tails = Vec::new();
    if let Some(second) = second {
        lines.append(second.lines);
        skipped_empty_lines.extend(second.skipped_empty_lines);
        tails = second.columns;
    }
    tails.resize_with(builders.len(), ColumnBuilder::default);
    let columns = (builders.into_iter().zip(tails))
        .map(|(head, tail)| {
            Ok(TextColumn {
                head: head.finish()?,
                tail: tail.finish()?,
                coded: None,
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    Ok(Rows {
        columns,
        lines,
        skipped_empty_lines,
    })
}

/// The text columns of the rows read (a build without threads reads a
/// file in one pass: there is no second half).
#[cfg(not(feature = "threads"))]
fn join_halves(first: Rows, _: Option<Rows>) -> std::result::Result<Rows<TextColumn>, String> {
    let columns = (first.columns.into_iter())
        .map(|head| {
            Ok(TextColumn {
                head: head.finish()?,
                coded: None,
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    Ok(Rows {
        columns,
        lines: first.lines,
        skipped_empty_lines: first.skipped_empty_lines,
    })
}

/// Below this size a file is read in one pass.
#[cfg(feature = "threads")]
const HALVES_FROM_BYTES: usize = 1 << 22;

/// Where a large file can be read as two halves at once: only a file
/// without any quote character, where every line break ends a row, is cut
/// (at the first line break after the middle, so after the header). Returns
/// the two halves and the file line the second starts on; `None` without
/// threads, for a small file, or one with quotes.
#[cfg(feature = "threads")]
fn halves(text: &[u8]) -> Option<(&[u8], &[u8], u64)> {
    if text.len() < HALVES_FROM_BYTES || text.contains(&b'"') {
        return None;
    }
    let middle = text.len() / 2;
    let cut = middle + text[middle..].iter().position(|&b| b == b'\n')? + 1;
    let (first, second) = text.split_at(cut);
    // the second half's reader would take a U+FEFF opening its first row
    // for a byte-order mark and drop it, where one pass keeps it: no cut
    if second.starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    Some((first, second, line_breaks(first) as u64 + 1))
}

#[cfg(not(feature = "threads"))]
fn halves(_: &[u8]) -> Option<(&[u8], &[u8], u64)> {
    None
}

/// Reads the rows `reader` has left of `text` (the bytes it reads, whose
/// first byte is on file line `first_line`), checking each against `format`;
/// the columns are sized for `room` bytes of file.
fn read_rows<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    text: &[u8],
    room: usize,
    first_line: u64,
    format: &RowFormat,
) -> Result<Rows> {
    let mut record = csv::ByteRecord::new();
    let mut rows = Rows::new(format.n_cols);
    let mut lines_seen = LineCounter::new(text);
    lines_seen.line = first_line;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(e, format.file_name))?
    {
        let line = record
            .position()
            .map_or(0, |p| lines_seen.line_at(p.byte() as usize));
        rows.push(record.iter(), line, format)?;
        if rows.lines.len() == SIZING_ROWS {
            let read = record.position().map_or(0, |p| p.byte() as usize);
            rows.size_for(room, read);
        }
    }
    Ok(rows)
}

impl Rows {
    fn new(n_cols: usize) -> Rows {
        Rows {
            columns: vec![ColumnBuilder::default(); n_cols],
            lines: Lines::default(),
            skipped_empty_lines: Vec::new(),
        }
    }

    /// Adds the record on file line `line` (its fields untrimmed): a data
    /// row, or an empty one skipped; a row of another length than the
    /// header is an error.
    fn push<'r>(
        &mut self,
        record: impl ExactSizeIterator<Item = &'r [u8]> + Clone,
        line: u64,
        format: &RowFormat,
    ) -> Result<()> {
        let n_cols = format.n_cols;
        if record.clone().all(|f| trimmed(f).is_empty()) {
            self.skipped_empty_lines.push(line);
            return Ok(());
        }
        if record.len() != n_cols {
            // a field running over several lines: most often a quote that
            // is never closed, which swallows the rows after it
            let spanned = record.clone().map(line_breaks).max().unwrap_or(0);
            let quote = if spanned > 0 {
                format!(
                    "; a quoted field starting on this line runs over {} lines — is a quote (\") \
                     on line {line} never closed?",
                    spanned + 1
                )
            } else {
                String::new()
            };
            return Err(Error::new(
                ErrorKind::RaggedRow,
                format!(
                    "this row has {} fields but the header has {n_cols} (delimiter \"{}\"){quote}",
                    record.len(),
                    dialect::delimiter_name(format.delimiter)
                ),
            )
            .in_file(format.file_name)
            .at_line(line));
        }
        for (column, field) in self.columns.iter_mut().zip(record) {
            column.push(trimmed(field));
        }
        self.lines.push(line);
        Ok(())
    }

    /// Reserves what the rest of a file of `room` bytes needs, as the rows
    /// in its first `read` bytes predict it, instead of doubling (a copy of
    /// every column, and up to twice the memory, for a large file).
    fn size_for(&mut self, room: usize, read: usize) {
        let scale = room as f64 / read.max(1) as f64 * SIZING_MARGIN;
        let more = |len: usize| (len as f64 * (scale - 1.0)).max(0.0) as usize;
        for column in &mut self.columns {
            column.reserve(more);
        }
    }
}

/// File lines from byte offsets. The `csv` crate's own line count is one
/// short for CRLF files (a record starts at the `\n` of the previous `\r\n`),
/// so lines are counted here, incrementally, from the record start offsets.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// Line of the first character of a record starting at byte `start`
    /// (offsets must not decrease).
    fn line_at(&mut self, start: usize) -> u64 {
        let mut start = start.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            self.line += line_breaks(&self.bytes[self.offset..start]) as u64;
            self.offset = start;
        }
        self.line
    }
}

/// Line breaks in `bytes` as the `csv` crate ends records: LF, CRLF and a
/// lone CR (classic Mac files) each end one line.
fn line_breaks(bytes: &[u8]) -> usize {
    // LFs plus CRs minus CRLFs: both counted in one pass (which the
    // compiler vectorises natively; in WebAssembly, one scalar loop instead
    // of two), the pairs only in a file with CRs
    let (mut lf, mut cr) = (0, 0);
    for &b in bytes {
        lf += usize::from(b == b'\n');
        cr += usize::from(b == b'\r');
    }
    let crlf = if cr == 0 {
        0
    } else {
        bytes.windows(2).filter(|w| w == b"\r\n").count()
    };
    lf + cr - crlf
}

fn clean_headers(header: &csv::StringRecord, file_name: &str) -> Result<Vec<String>> {
    let mut headers: Vec<String> = Vec::with_capacity(header.len());
    let written: Vec<&str> = header.iter().map(str::trim).collect();
    for (j, name) in written.iter().enumerate() {
        let name = if name.is_empty() {
            let generated = format!("column_{}", j + 1);
            if let Some(k) = written.iter().position(|w| *w == generated) {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "column {} has no name, and the name it would be given, \"{generated}\", \
                         is that of column {}; name column {}",
                        j + 1,
                        k + 1,
                        j + 1
                    ),
                )
                .in_file(file_name)
                .at_line(1));
            }
            generated
        } else {
            name.to_string()
        };
        if headers.contains(&name) {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "the header names column \"{name}\" twice (columns {} and {}); rename one",
                    headers.iter().position(|h| *h == name).map_or(0, |p| p + 1),
                    j + 1
                ),
            )
            .in_file(file_name)
            .at_line(1)
            .in_column(name));
        }
        headers.push(name);
    }
    Ok(headers)
}

fn csv_error(e: csv::Error, file_name: &str) -> Error {
    let line = e.position().map(|p| p.line());
    let mut err =
        Error::new(ErrorKind::Malformed, format!("cannot read the row: {e}")).in_file(file_name);
    if let Some(line) = line {
        err = err.at_line(line);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Table {
        read_table(text.as_bytes(), "t.csv", &ReadOptions::default()).unwrap()
    }

    /// Which columns `compact` codes: few values (text or numbers), numbers
    /// of up to DISTINCT_LIMIT values past the first count, and not a
    /// column of more values, of mixed missing spellings; the numbers of
    /// columns of few values go (and come back alike), those of others stay.
    #[test]
    fn compact_codes_what_it_can_give_back() {
        let mut text = String::from("sex,event,time,id,mixed\n");
        for k in 0..3000 {
            let missing = if k % 2 == 0 { "NA" } else { "." };
            let time = if k % 17 == 0 {
                String::new()
            } else {
                format!("{}.{}", k % 400, k % 10)
            };
            text.push_str(&format!(
                "{},{},{time},p{k},{}\n",
                ["F", "M"][k % 2],
                k % 2,
                if k % 5 == 0 {
                    missing.to_string()
                } else {
                    (k % 3).to_string()
                }
            ));
        }
        let plain = read(&text);
        let mut table = read(&text);
        // (as printed: a clone would share the numbers, which then stay)
        let first: Vec<String> = (0..5).map(|j| format!("{:?}", table.numbers(j))).collect();
        assert_eq!(table.compact(), 3);
        let coded: Vec<bool> = table.columns().iter().map(|c| c.coded.is_some()).collect();
        assert_eq!(coded, [true, true, true, false, false]);
        // numbers of the columns of few values let go, of `time` kept
        assert!(table.numbers[1].get().is_none());
        assert!(table.numbers[2].get().is_some());
        for (j, first) in first.iter().enumerate() {
            let (a, b) = (&table.columns()[j], &plain.columns()[j]);
            assert!(a.iter().eq(b.iter()) && a.iter_bytes().eq(b.iter_bytes()));
            assert!((0..b.len()).all(|i| a.get(i) == b.get(i)));
            assert_eq!(&format!("{:?}", table.numbers(j)), first);
        }
        assert_eq!(table.compact(), 0);
    }

    /// LF, CRLF and a lone CR each end one line, wherever they fall.
    #[test]
    fn line_breaks_count_lf_crlf_and_lone_cr() {
        let one_by_one = |bytes: &[u8]| {
            (0..bytes.len())
                .filter(|&k| {
                    bytes[k] == b'\n' || (bytes[k] == b'\r' && bytes.get(k + 1) != Some(&b'\n'))
                })
                .count()
        };
        for text in [
            &b""[..],
            b"\r",
            b"\r\n",
            b"\n\r",
            b"a\r\rb\r\n\nc\r",
            b"x,y\r\n1,2\r\n\r\n3,4\n5,6\r7,8",
        ] {
            assert_eq!(line_breaks(text), one_by_one(text), "{text:?}");
        }
    }

    /// Every field back as it was pushed, in order and one by one: short
    /// and long (255 bytes and more: the length kept apart), empty and
    /// accented, across the marks.
    #[test]
    fn fields_keep_every_length() {
        let lengths = [0, 1, 254, 255, 256, 70_000, 3, 300, 0, 128];
        let fields: Vec<String> = (0..1000)
            .map(|k| {
                let len = lengths[k % lengths.len()] + k % 7;
                "é".repeat(k % 3) + &"x".repeat(len)
            })
            .collect();
        let mut builder = ColumnBuilder::default();
        for field in &fields {
            builder.push(field.as_bytes());
        }
        let column = builder.finish().unwrap();
        assert_eq!(column.len(), fields.len());
        assert!(column.iter().eq(fields.iter().map(String::as_str)));
        assert!(column.iter_bytes().eq(fields.iter().map(String::as_bytes)));
        for (i, field) in fields.iter().enumerate().rev() {
            assert_eq!(column.get(i), field, "field {i}");
        }
    }

    /// A row's line is the last jump's plus the rows since, whatever the
    /// jumps.
    #[test]
    fn lines_are_kept_as_jumps() {
        let written: Vec<u64> = vec![2, 3, 4, 6, 7, 10, 11, 12, 13, 20, 21];
        let mut lines = Lines::default();
        for &line in &written {
            lines.push(line);
        }
        assert_eq!(lines.len(), written.len());
        assert_eq!(lines.jumps.len(), 4);
        for (i, &line) in written.iter().enumerate() {
            assert_eq!(lines.get(i), line, "row {i}");
        }
        // a file's first row anywhere, and the rows of a second half after it
        let mut first = Lines::default();
        first.push(5);
        first.push(6);
        assert_eq!((first.get(0), first.get(1)), (5, 6));
        #[cfg(feature = "threads")]
        {
            first.append(lines);
            assert_eq!(first.len(), 2 + written.len());
            assert_eq!(first.get(2), 2);
            assert_eq!(first.get(12), 21);
        }
    }

    #[test]
    fn quoted_fields_keep_delimiters_quotes_and_newlines() {
        let t =
            read("id,note,x\r\n1,\"a, b\",2\r\n2,\"say \"\"hi\"\"\",3\r\n3,\"two\nlines\",4\r\n");
        assert_eq!(t.headers, ["id", "note", "x"]);
        let note = t.column("note").unwrap();
        assert_eq!(note.get(0), "a, b");
        assert_eq!(note.get(1), "say \"hi\"");
        assert_eq!(note.get(2), "two\nlines");
        assert_eq!(t.line(2), 4);
    }

    #[test]
    fn semicolon_file_with_decimal_commas() {
        let t = read("age;sex\n62,5;M\n70,1;F\n");
        assert_eq!(t.dialect.delimiter, ';');
        assert_eq!(t.dialect.decimal_mark, DecimalMark::Comma);
        assert_eq!(t.column("age").unwrap().get(0), "62,5");
    }

    #[test]
    fn ragged_row_names_its_line() {
        let e = read_table(b"a,b\n1,2\n3\n", "r.csv", &ReadOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RaggedRow);
        assert_eq!(e.location().line, Some(3));
        assert!(
            e.to_string().contains("1 fields but the header has 2"),
            "{e}"
        );
    }

    #[test]
    fn empty_and_header_only_files_are_errors() {
        let e = read_table(b"", "e.csv", &ReadOptions::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::EmptyFile);
        let e = read_table(b"a,b\n", "h.csv", &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().contains("header but no data rows"), "{e}");
    }

    #[test]
    fn unknown_column_lists_the_columns() {
        let t = read("a,b\n1,2\n");
        let e = t.column("age").unwrap_err();
        assert!(e.to_string().contains("its columns are: a, b"), "{e}");
    }

    #[test]
    fn windows_1252_accents_are_decoded() {
        let bytes = b"name;city\nJos\xe9;K\xf6ln\n";
        let t = read_table(bytes, "w.csv", &ReadOptions::default()).unwrap();
        assert_eq!(t.dialect.encoding, TextEncoding::Windows1252);
        assert_eq!(t.column("name").unwrap().get(0), "José");
        assert_eq!(t.column("city").unwrap().get(0), "Köln");
    }

    #[test]
    fn rows_of_empty_fields_are_skipped_and_counted() {
        let t = read("a;b\n1;2\n;\n3;4\n");
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.skipped_empty_lines, vec![3]);
    }
}
