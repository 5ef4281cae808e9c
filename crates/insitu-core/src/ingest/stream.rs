//! A CSV file read as it arrives, chunk by chunk (in the browser, from
//! `File.stream()`): each row goes into the columns as soon as it is
//! complete, so the whole file is never held. At 10⁷ rows that is 520 MB
//! less in the worker's memory, and the page's copy of the file as well
//! (docs/scale.md).
//!
//! The table is the one [`read_table`] gives for the same bytes — the same
//! parser (`csv_core`, which the `csv` crate drives there), the same rows,
//! lines, checks and settings. What this reader would have to follow
//! differently it gives up instead ([`TableStream::feed`] returns false,
//! [`TableStream::finish`] `None`), and the caller reads the whole file
//! with [`read_table`], whose table or message is then the answer: a file
//! that is not UTF-8 (Windows-1252 and UTF-16 are told by the whole file),
//! a NUL byte, a delimiter not settled by the file's first
//! [`HEAD_LIMIT`] bytes, a ragged row or any other error. So a message
//! never differs with the way a file was read, and a clean UTF-8 file —
//! what a registry extract is — streams.

use super::{
    clean_headers, dialect, line_breaks, table_of, Dialect, MissingCodes, ReadOptions, RowFormat,
    Rows, Table, TextEncoding, SIZING_ROWS,
};
#[cfg(doc)]
use crate::ingest::read_table;
use crate::ingest::value::DecimalMark;

/// The most of a file's start held while its delimiter is not settled.
pub const HEAD_LIMIT: usize = 1 << 20;

/// A file being read; see the module documentation.
pub struct TableStream {
    file_name: String,
    options: ReadOptions,
    /// The file's size, as announced (sizes the columns; any size reads).
    size: usize,
    state: State,
}

enum State {
    /// The first bytes, until the format is settled.
    Head(Vec<u8>),
    Rows(Box<RowReader>),
    /// The caller reads the whole file instead.
    GivenUp,
}

impl TableStream {
    /// A stream for the file `file_name` of `size` bytes, read with
    /// `options`.
    pub fn new(file_name: &str, size: usize, options: &ReadOptions) -> TableStream {
        let streamable = matches!(
            options.encoding,
            None | Some(TextEncoding::Utf8 | TextEncoding::Utf8Bom)
        ) && options.delimiter.is_none_or(|d| d.is_ascii());
        TableStream {
            file_name: file_name.to_string(),
            options: options.clone(),
            size,
            state: if streamable {
                State::Head(Vec::new())
            } else {
                State::GivenUp
            },
        }
    }

    /// Reads the next bytes of the file. False once the file is given up
    /// (read it whole with [`read_table`]); later chunks are then ignored.
    pub fn feed(&mut self, chunk: &[u8]) -> bool {
        if chunk.is_empty() {
            // nothing came (the parser would take an empty input for the
            // file's end, and end the record being read there)
            return !matches!(self.state, State::GivenUp);
        }
        if chunk.contains(&0) {
            // a NUL byte is an error of the whole file
            self.state = State::GivenUp;
        }
        match &mut self.state {
            State::GivenUp => {}
            State::Head(head) => {
                head.extend_from_slice(chunk);
                self.settle(false);
            }
            State::Rows(reader) => {
                if reader.feed(chunk, &self.file_name).is_err() {
                    self.state = State::GivenUp;
                }
            }
        }
        !matches!(self.state, State::GivenUp)
    }

    /// The table, once the whole file is fed; `None` when the file was
    /// given up (read it whole with [`read_table`]).
    pub fn finish(mut self) -> Option<Table> {
        if matches!(self.state, State::Head(_)) {
            self.settle(true);
        }
        let State::Rows(reader) = self.state else {
            return None;
        };
        reader.finish(&self.file_name, &self.options).ok()
    }

    /// Moves on from the file's start to its rows once the encoding and
    /// the delimiter are settled — with `whole`, the start is the whole
    /// file.
    fn settle(&mut self, whole: bool) {
        let State::Head(head) = &mut self.state else {
            return;
        };
        if !whole && head.len() < 6 {
            // a byte-order mark is not yet told (nor a second one, which
            // the parser strips too)
            return;
        }
        if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            self.state = State::GivenUp; // UTF-16
            return;
        }
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let body = &head[if bom { 3 } else { 0 }..];
        let text = match std::str::from_utf8(body) {
            Ok(text) => text,
            // a character cut at the end of what came so far
            Err(e) if e.error_len().is_none() && !whole => {
                std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => {
                self.state = State::GivenUp;
                return;
            }
        };
        let delimiter = match self.options.delimiter {
            Some(d) => Some((d, false)),
            None if whole => Some((dialect::detect_delimiter(text), true)),
            None => dialect::detect_delimiter_from_start(text).map(|d| (d, true)),
        };
        let Some((delimiter, delimiter_detected)) = delimiter else {
            if head.len() > HEAD_LIMIT {
                self.state = State::GivenUp;
            }
            return;
        };
        let encoding = match self.options.encoding {
            Some(chosen) => chosen,
            None if bom => TextEncoding::Utf8Bom,
            None => TextEncoding::Utf8,
        };
        let head = std::mem::take(head);
        let mut reader = Box::new(RowReader::new(
            encoding,
            delimiter,
            delimiter_detected,
            self.size,
        ));
        let fed = reader.feed(&head[if bom { 3 } else { 0 }..], &self.file_name);
        self.state = if fed.is_ok() {
            State::Rows(reader)
        } else {
            State::GivenUp
        };
    }
}

/// Rows being read, once the format is settled.
struct RowReader {
    encoding: TextEncoding,
    delimiter: char,
    delimiter_detected: bool,
    room: usize,
    csv: csv_core::Reader,
    utf8: Utf8Check,
    /// The record being read: its fields' bytes, and where each ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
    n_bytes: usize,
    n_ends: usize,
    /// A record has begun (its first byte was read).
    in_record: bool,
    /// The file line of the next byte, and whether the last byte was a CR
    /// (a CRLF counts once, whichever chunks its bytes came in).
    line: u64,
    after_cr: bool,
    /// The line the record being read starts on.
    record_line: u64,
    /// Bytes read (after a byte-order mark).
    read: usize,
    headers: Option<Vec<String>>,
    rows: Rows,
}

/// The stream stops: the whole file is read instead.
#[derive(Debug)]
struct GiveUp;

impl RowReader {
    fn new(encoding: TextEncoding, delimiter: char, delimiter_detected: bool, room: usize) -> Self {
        RowReader {
            encoding,
            delimiter,
            delimiter_detected,
            room,
            // what `csv::ReaderBuilder` sets up in `read_table`: the
            // defaults (quote `"`, doubled quotes, CR, LF or CRLF ending a
            // record) and the delimiter
            csv: csv_core::ReaderBuilder::new()
                .delimiter(delimiter as u8)
                .build(),
            utf8: Utf8Check::default(),
            fields: vec![0; 1024],
            ends: vec![0; 64],
            n_bytes: 0,
            n_ends: 0,
            // the header is read from the first byte on, as `read_table`
            // reads it (the parser strips a byte-order mark only there)
            in_record: true,
            line: 1,
            after_cr: false,
            record_line: 1,
            read: 0,
            headers: None,
            rows: Rows::new(0),
        }
    }

    /// Counts the line breaks of bytes read, as [`line_breaks`] counts
    /// them in the whole file.
    fn count_lines(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        let carried = usize::from(self.after_cr && bytes[0] == b'\n');
        self.line += (line_breaks(bytes) - carried) as u64;
        self.after_cr = last == b'\r';
        self.read += bytes.len();
    }

    fn feed(&mut self, mut input: &[u8], file_name: &str) -> Result<(), GiveUp> {
        if !self.utf8.check(input) {
            return Err(GiveUp);
        }
        use csv_core::ReadRecordResult::*;
        loop {
            if !self.in_record {
                // the line ends before a record: `read_table` counts its
                // line from its first other byte on (`LineCounter`), and
                // the parser skips them
                let skip = input
                    .iter()
                    .position(|b| !matches!(b, b'\r' | b'\n'))
                    .unwrap_or(input.len());
                self.count_lines(&input[..skip]);
                input = &input[skip..];
                if input.is_empty() {
                    return Ok(());
                }
                self.in_record = true;
                self.record_line = self.line;
            }
            let (result, n_in, n_out, n_end) = self.csv.read_record(
                input,
                &mut self.fields[self.n_bytes..],
                &mut self.ends[self.n_ends..],
            );
            self.count_lines(&input[..n_in]);
            input = &input[n_in..];
            self.n_bytes += n_out;
            self.n_ends += n_end;
            match result {
                InputEmpty | End => return Ok(()),
                OutputFull => self.fields.resize(self.fields.len() * 2, 0),
                OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                Record => self.record(file_name)?,
            }
        }
    }

    /// The record just read: the header, or a row.
    fn record(&mut self, file_name: &str) -> Result<(), GiveUp> {
        let (n_bytes, n_ends) = (self.n_bytes, self.n_ends);
        (self.n_bytes, self.n_ends, self.in_record) = (0, 0, false);
        let record = Record {
            bytes: &self.fields[..n_bytes],
            ends: self.ends[..n_ends].iter(),
            start: 0,
        };
        let Some(headers) = &self.headers else {
            let header: Vec<&str> = record
                .map(std::str::from_utf8)
                .collect::<Result<_, _>>()
                .map_err(|_| GiveUp)?;
            let headers =
                clean_headers(&csv::StringRecord::from(header), file_name).map_err(|_| GiveUp)?;
            self.rows = Rows::new(headers.len());
            self.headers = Some(headers);
            return Ok(());
        };
        let format = RowFormat {
            file_name,
            delimiter: self.delimiter,
            n_cols: headers.len(),
        };
        self.rows
            .push(record, self.record_line, &format)
            .map_err(|_| GiveUp)?;
        if self.rows.lines.len() == SIZING_ROWS {
            self.rows.size_for(self.room, self.read);
        }
        Ok(())
    }

    fn finish(mut self, file_name: &str, options: &ReadOptions) -> Result<Table, GiveUp> {
        if !self.utf8.is_complete() {
            return Err(GiveUp);
        }
        // the last record, when the file does not end with a line end
        while self.in_record {
            let (result, _, n_out, n_end) = self.csv.read_record(
                &[],
                &mut self.fields[self.n_bytes..],
                &mut self.ends[self.n_ends..],
            );
            self.n_bytes += n_out;
            self.n_ends += n_end;
            match result {
                csv_core::ReadRecordResult::Record => self.record(file_name)?,
                csv_core::ReadRecordResult::OutputFull => {
                    self.fields.resize(self.fields.len() * 2, 0)
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    self.ends.resize(self.ends.len() * 2, 0)
                }
                _ => break,
            }
        }
        let headers = self.headers.ok_or(GiveUp)?;
        let rows = super::join_halves(self.rows, None).map_err(|_| GiveUp)?;
        let dialect = Dialect {
            encoding: self.encoding,
            delimiter: self.delimiter,
            delimiter_detected: self.delimiter_detected,
            decimal_mark: DecimalMark::Point, // settled from the columns
            missing_codes: MissingCodes::new(&options.missing_codes),
        };
        table_of(file_name, headers, rows, dialect, options).map_err(|_| GiveUp)
    }
}

/// UTF-8 checked chunk by chunk: a character cut between two chunks is
/// checked when its last byte comes.
#[derive(Debug, Default)]
struct Utf8Check {
    cut: Vec<u8>,
}

impl Utf8Check {
    /// False when `chunk` (after the bytes before it) is not UTF-8.
    fn check(&mut self, mut chunk: &[u8]) -> bool {
        if let Some(&lead) = self.cut.first() {
            let width = match lead {
                0xF0.. => 4,
                0xE0.. => 3,
                _ => 2,
            };
            let take = (width - self.cut.len()).min(chunk.len());
            self.cut.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.cut.len() < width {
                return true;
            }
            if std::str::from_utf8(&self.cut).is_err() {
                return false;
            }
            self.cut.clear();
        }
        match std::str::from_utf8(chunk) {
            Ok(_) => true,
            Err(e) if e.error_len().is_none() => {
                self.cut.extend_from_slice(&chunk[e.valid_up_to()..]);
                true
            }
            Err(_) => false,
        }
    }

    /// True when no character is left cut at the end.
    fn is_complete(&self) -> bool {
        self.cut.is_empty()
    }
}

/// Reads `bytes` as a stream in chunks of `chunk` bytes; `None` when the
/// stream gives up. (For the tests, which compare it with
/// [`read_table`].)
pub fn read_in_chunks(
    bytes: &[u8],
    chunk: usize,
    file_name: &str,
    options: &ReadOptions,
) -> Option<Table> {
    let mut stream = TableStream::new(file_name, bytes.len(), options);
    for piece in bytes.chunks(chunk.max(1)) {
        if !stream.feed(piece) {
            return None;
        }
    }
    stream.finish()
}

/// The fields of the record just read.
#[derive(Clone)]
struct Record<'a> {
    bytes: &'a [u8],
    ends: std::slice::Iter<'a, usize>,
    start: usize,
}

impl<'a> Iterator for Record<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let end = *self.ends.next()?;
        let field = &self.bytes[self.start..end];
        self.start = end;
        Some(field)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl ExactSizeIterator for Record<'_> {}
