//! Spreadsheet ingest (`.xlsx`, `.xls`, `.ods` via calamine) on arbitrary
//! bytes: the reader the CLI uses for workbooks. The input always starts
//! with a ZIP or OLE signature so that the workbook path is taken; seed the
//! corpus with real workbooks (scripts/fuzz copies the test workbooks).

#![no_main]

use insitu_core::ingest::{read_any, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let options = ReadOptions::default();
    // known-bug guard: see insitu_fuzz::workbook_hits_known_bug
    if insitu_fuzz::workbook_hits_known_bug(bytes) {
        return;
    }
    let bytes = if insitu_core::ingest::spreadsheet::is_spreadsheet(bytes) {
        bytes.to_vec()
    } else {
        [b"PK\x03\x04".as_slice(), bytes].concat()
    };
    if let Ok(table) = read_any(&bytes, "fuzz.xlsx", &options) {
        let _ = insitu_core::inspect::inspect_table(&table);
        let spec = insitu_fuzz::corpus_spec();
        if let Ok(report) = insitu_core::analyze_table(&table, &spec) {
            insitu_fuzz::check_report(&report);
            insitu_fuzz::render_all(&report);
        }
    }
});
