//! The browser's way of reading a CSV file, chunk by chunk
//! (`ingest::stream`), against `read_table` on the whole file: where the
//! stream gives a table it is `read_table`'s, cell by cell and line by line,
//! and a file `read_table` reads as UTF-8 always streams (these inputs are
//! far below the 1 MiB a delimiter may take to settle). Chunk sizes and the
//! options the stream takes are arbitrary too.

#![no_main]

use arbitrary::Arbitrary;
use insitu_core::ingest::stream::TableStream;
use insitu_core::ingest::{read_table, ReadOptions, TextEncoding};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    delimiter: Option<u8>,
    /// None: detected; true: UTF-8 chosen; false: UTF-8 with BOM chosen.
    utf8_chosen: Option<bool>,
    /// Chunk sizes, used in turn (none: the whole file in one chunk; 0: an
    /// empty chunk, then one byte).
    chunks: Vec<u8>,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let options = ReadOptions {
        delimiter: input.delimiter.map(char::from),
        encoding: input.utf8_chosen.map(|plain| {
            if plain {
                TextEncoding::Utf8
            } else {
                TextEncoding::Utf8Bom
            }
        }),
        ..ReadOptions::default()
    };
    let mut stream = TableStream::new("fuzz.csv", input.bytes.len(), &options);
    let mut rest = &input.bytes[..];
    let mut sizes = input.chunks.iter().cycle();
    while !rest.is_empty() {
        let size = sizes.next().map_or(rest.len(), |&s| usize::from(s));
        if size == 0 {
            stream.feed(&[]); // an empty chunk is nothing
        }
        let (chunk, after) = rest.split_at(size.clamp(1, rest.len()));
        stream.feed(chunk);
        rest = after;
    }
    let streamed = stream.finish();
    let whole = read_table(&input.bytes, "fuzz.csv", &options);
    let whole_utf8 = whole.as_ref().is_ok_and(|t| {
        matches!(t.dialect.encoding, TextEncoding::Utf8 | TextEncoding::Utf8Bom)
    });
    assert_eq!(streamed.is_some(), whole_utf8, "streamed or not: {whole:?}");
    let (Some(streamed), Ok(whole)) = (streamed, whole) else {
        return;
    };
    assert_eq!(streamed.headers, whole.headers);
    assert_eq!(streamed.n_rows(), whole.n_rows());
    assert_eq!(streamed.dialect, whole.dialect);
    assert_eq!(streamed.skipped_empty_lines, whole.skipped_empty_lines);
    for i in 0..whole.n_rows() {
        assert_eq!(streamed.line(i), whole.line(i), "line of row {i}");
    }
    for (a, b) in streamed.columns().iter().zip(whole.columns()) {
        assert!(a.iter().eq(b.iter()), "a column differs");
    }
});
