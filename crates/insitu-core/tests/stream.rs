//! A file read as a stream of chunks (the browser's way for a large file)
//! gives the table read_table gives for the whole file: the same headers,
//! cells, file lines, skipped empty lines and format — whatever the chunk
//! sizes, over the bad-input corpus, the demo and random text. Where the
//! stream gives up, the caller reads the whole file; a clean UTF-8 file
//! never gives up.

use insitu_core::ingest::stream::{read_in_chunks, TableStream};
use insitu_core::ingest::{read_table, DecimalMark, ReadOptions, Table, TextEncoding};
use proptest::prelude::*;

fn corpus_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus")
}

/// Everything a table holds, cell by cell, compared.
fn assert_same(streamed: &Table, whole: &Table, what: &str) {
    assert_eq!(streamed.headers, whole.headers, "{what}");
    assert_eq!(streamed.n_rows(), whole.n_rows(), "{what}");
    assert_eq!(streamed.dialect, whole.dialect, "{what}");
    assert_eq!(
        streamed.skipped_empty_lines, whole.skipped_empty_lines,
        "{what}"
    );
    for i in 0..whole.n_rows() {
        assert_eq!(streamed.line(i), whole.line(i), "{what}: row {i}");
    }
    for (a, b) in streamed.columns().iter().zip(whole.columns()) {
        assert!(a.iter().eq(b.iter()), "{what}");
    }
}

/// Streams `bytes` in chunks of `chunk` bytes; when the stream gives a
/// table, it is read_table's. Returns whether it gave one.
fn check(bytes: &[u8], chunk: usize, options: &ReadOptions, what: &str) -> bool {
    let whole = read_table(bytes, "f.csv", options);
    match read_in_chunks(bytes, chunk, "f.csv", options) {
        Some(streamed) => {
            let whole = whole.unwrap_or_else(|e| panic!("{what}: streamed, but whole: {e}"));
            assert_same(&streamed, &whole, what);
            true
        }
        None => false,
    }
}

const CHUNKS: [usize; 8] = [1, 2, 3, 5, 64, 1000, 65_536, usize::MAX];

#[test]
fn the_corpus_streams_as_it_reads_whole() {
    let mut streamed = Vec::new();
    let mut given_up = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    assert!(files.len() >= 40);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcomes: Vec<bool> = CHUNKS
            .iter()
            .map(|&chunk| {
                check(
                    &bytes,
                    chunk,
                    &ReadOptions::default(),
                    &format!("{name}, chunks of {chunk}"),
                )
            })
            .collect();
        // the chunk size never changes whether a file streams
        assert!(
            outcomes.iter().all(|&o| o == outcomes[0]),
            "{name}: {outcomes:?}"
        );
        if outcomes[0] {
            streamed.push(name);
        } else {
            given_up.push(name);
        }
    }
    // what is given up: files read_table refuses or reads otherwise than
    // as UTF-8
    for name in &given_up {
        let bytes = std::fs::read(corpus_dir().join(name)).unwrap();
        let whole = read_table(&bytes, "f.csv", &ReadOptions::default());
        let refused_or_not_utf8 = whole.as_ref().map_or(true, |t| {
            !matches!(
                t.dialect.encoding,
                TextEncoding::Utf8 | TextEncoding::Utf8Bom
            )
        });
        assert!(
            refused_or_not_utf8,
            "{name} was given up but reads as UTF-8"
        );
    }
    for name in [
        "clean.csv",
        "utf8_bom.csv",
        "decimal_comma_semicolon.csv",
        "crlf_line_ends_bad_value_line_5.csv",
        "cr_only_line_ends_bad_value_line_5.csv",
        "quoted_newline_then_bad_value_line_7.csv",
        "rows_of_empty_fields.csv",
        "long_value_1000_chars.csv",
        "whitespace_around_values.csv",
    ] {
        assert!(streamed.iter().any(|s| s == name), "{name} did not stream");
    }
    for name in [
        "windows_1252_accents.csv",
        "utf16le_bom.csv",
        "nul_bytes.csv",
        "ragged_short_row.csv",
        "empty.csv",
        "header_only.csv",
    ] {
        assert!(given_up.iter().any(|s| s == name), "{name} streamed");
    }
}

#[test]
fn the_demo_streams_with_its_options_and_without() {
    let bytes = insitu_core::demo::DEMO_CSV;
    let spec = insitu_core::demo::demo_spec().unwrap();
    for chunk in CHUNKS {
        assert!(check(bytes, chunk, &spec.options.read_options(), "demo"));
        assert!(check(bytes, chunk, &ReadOptions::default(), "demo"));
    }
}

/// A file long enough to be sized from its first rows, with a delimiter
/// settled after 50 lines, an empty line and a quoted field over two lines
/// far in, and CRLF pairs cut between chunks.
#[test]
fn a_long_file_streams_in_uneven_chunks() {
    let mut text = String::from("\u{feff}id;arm;age;note\r\n");
    for k in 0..20_000 {
        text.push_str(&format!(
            "P{k};{};{},{};x\r\n",
            ["A", "B"][k % 2],
            40 + k % 50,
            k % 10
        ));
        if k == 12_345 {
            text.push_str(";;;\r\n\r\nQ;A;50,5;\"two\r\nlines\"\r\n");
        }
    }
    let bytes = text.as_bytes();
    for chunk in [1, 4095, 4096, 65_535, 65_536, 1 << 20] {
        assert!(check(
            bytes,
            chunk,
            &ReadOptions::default(),
            &format!("chunks of {chunk}")
        ));
    }
    let table = read_in_chunks(bytes, 7919, "f.csv", &ReadOptions::default()).unwrap();
    assert_eq!(table.n_rows(), 20_001);
    assert_eq!(table.dialect.encoding, TextEncoding::Utf8Bom);
    assert_eq!(table.dialect.delimiter, ';');
    assert_eq!(table.dialect.decimal_mark, DecimalMark::Comma);
    assert_eq!(table.skipped_empty_lines, [12_348]);
    assert_eq!(table.column("note").unwrap().get(12_346), "two\r\nlines");
    assert_eq!(table.line(12_346), 12_350);
    assert_eq!(table.line(20_000), 20_005);
}

/// An empty chunk is nothing: it does not end the record being read (the
/// parser takes an empty input for the file's end).
#[test]
fn empty_chunks_change_nothing() {
    let options = ReadOptions {
        delimiter: Some(','),
        ..ReadOptions::default()
    };
    let mut stream = TableStream::new("f.csv", 9, &options);
    for chunk in [&b""[..], b"v\n12345", b"", b"", b"6\n", b""] {
        assert!(stream.feed(chunk));
    }
    let table = stream.finish().unwrap();
    assert_eq!(table.n_rows(), 1);
    assert_eq!(table.column("v").unwrap().get(0), "123456");
    let whole = read_table(b"v\n123456\n", "f.csv", &options).unwrap();
    assert_same(&table, &whole, "empty chunks");
}

/// The start of a file where the delimiter is not settled within the
/// first megabyte (a quoted field over it) is given up, and read whole.
#[test]
fn an_unsettled_start_is_given_up() {
    let text = format!("a,b\n\"{}\",1\n", "x\n".repeat(600_000));
    assert!(read_in_chunks(text.as_bytes(), 65_536, "f.csv", &ReadOptions::default()).is_none());
    // with the delimiter given, it streams
    let options = ReadOptions {
        delimiter: Some(','),
        ..ReadOptions::default()
    };
    assert!(check(text.as_bytes(), 65_536, &options, "delimiter given"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random text of the characters that matter to a CSV reader: where
    /// the stream gives a table, it is the whole file's.
    #[test]
    fn random_text_streams_as_it_reads_whole(
        cells in proptest::collection::vec(
            prop_oneof![
                Just("a"), Just("1"), Just("2,5"), Just(","), Just(";"), Just("\""),
                Just("\r"), Just("\n"), Just("\r\n"), Just(" "), Just("é"), Just("\t"),
                Just("NA"), Just("\u{feff}"),
            ],
            0..120,
        ),
        chunk in 1usize..40,
    ) {
        let text: String = cells.concat();
        check(text.as_bytes(), chunk, &ReadOptions::default(), &format!("{text:?}"));
    }

    /// Files of rows (the same number of cells, mostly), with quoted cells
    /// holding delimiters, quotes and line ends, blank lines, any line
    /// ends and a byte-order mark or none: where the stream gives a table,
    /// it is the whole file's — and it gives one whenever read_table reads
    /// the file as UTF-8.
    #[test]
    fn random_files_stream_as_they_read_whole(
        bom in any::<bool>(),
        delimiter in prop_oneof![Just(","), Just(";"), Just("\t")],
        n_cols in 1usize..5,
        rows in proptest::collection::vec(
            (
                proptest::collection::vec(
                    prop_oneof![
                        Just("1"), Just("2,5"), Just(" x "), Just(""), Just("NA"), Just("é"),
                        Just("\"a;b,c\""), Just("\"two\nlines\""), Just("\"say \"\"hi\"\"\""),
                        Just("\"\r\n\""), Just("12.5"),
                    ],
                    0..6,
                ),
                prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just("\n\n"), Just("\r\n\r\n")],
            ),
            0..40,
        ),
        ragged in any::<bool>(),
        chunk in 1usize..50,
    ) {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        let header: Vec<String> = (0..n_cols).map(|j| format!("c{j}")).collect();
        text.push_str(&header.join(delimiter));
        text.push('\n');
        for (cells, end) in &rows {
            let width = if ragged { cells.len() } else { n_cols };
            let row: Vec<&str> = (0..width).map(|j| cells.get(j).copied().unwrap_or("7")).collect();
            text.push_str(&row.join(delimiter));
            text.push_str(end);
        }
        let streamed = check(text.as_bytes(), chunk, &ReadOptions::default(), &format!("{text:?}"));
        let whole_utf8 = read_table(text.as_bytes(), "f.csv", &ReadOptions::default())
            .is_ok_and(|t| matches!(t.dialect.encoding, TextEncoding::Utf8 | TextEncoding::Utf8Bom));
        // the delimiter of a file under 50 lines is settled at its end
        prop_assert_eq!(streamed, whole_utf8, "{:?}", text);
    }
}
