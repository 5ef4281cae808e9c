//! CSV ingest on arbitrary bytes with arbitrary reading options: decoding,
//! delimiter and decimal-mark detection, the CSV reader, line counting, then
//! the inspection and the suggested spec the app shows first. Nothing may
//! panic; whatever is read must be consistent.

#![no_main]

use arbitrary::Arbitrary;
use insitu_core::ingest::decode::{decode, decode_as};
use insitu_core::ingest::{read_table, DecimalMark, ReadOptions, TextEncoding};
use insitu_core::inspect::{inspect_table, suggest_spec};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    delimiter: Option<u8>,
    decimal_comma: Option<bool>,
    encoding: Option<u8>,
    missing_codes: Vec<String>,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let options = ReadOptions {
        delimiter: input.delimiter.map(char::from),
        decimal_mark: input.decimal_comma.map(|comma| {
            if comma {
                DecimalMark::Comma
            } else {
                DecimalMark::Point
            }
        }),
        missing_codes: input.missing_codes,
        encoding: input.encoding.map(|e| match e % 4 {
            0 => TextEncoding::Utf8,
            1 => TextEncoding::Utf8Bom,
            2 => TextEncoding::Utf16,
            _ => TextEncoding::Windows1252,
        }),
        ..ReadOptions::default()
    };
    let Ok(table) = read_table(&input.bytes, "fuzz.csv", &options) else {
        return;
    };
    assert!(table.n_rows() > 0, "a table without rows was returned");
    for (name, column) in table.headers.iter().zip(table.columns()) {
        assert_eq!(column.len(), table.n_rows(), "column {name} is short");
        assert!(table.column(name).is_ok());
    }
    // Known gap (corpus: cr_only_line_ends_bad_value_line_5.csv): lines
    // are counted at LF only, so after a bare CR (a record end for the CSV
    // reader) two rows share a line number. Strict only without bare CRs.
    let text: String = match options.encoding {
        None => decode(&input.bytes).0.into_owned(),
        Some(chosen) => decode_as(&input.bytes, chosen)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
    };
    let bare_cr = text.replace("\r\n", "\n").contains('\r');
    for i in 1..table.n_rows() {
        if bare_cr {
            assert!(table.line(i) >= table.line(i - 1), "file lines decrease");
        } else {
            assert!(
                table.line(i) > table.line(i - 1),
                "file lines do not increase"
            );
        }
    }
    let inspection = inspect_table(&table);
    assert_eq!(inspection.columns.len(), table.headers.len());
    let spec = suggest_spec(&inspection);
    // the suggested spec is a valid spec
    let text = serde_json::to_string(&spec).expect("a spec serialises");
    if let Err(e) = insitu_core::Spec::from_json(&text, "suggested.json") {
        panic!("the suggested spec does not parse back: {e}\n{text}");
    }
});
