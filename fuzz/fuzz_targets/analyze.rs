//! The whole analysis on arbitrary bytes with the corpus spec: ingest,
//! typing, Table 1, survival, every export. Seeded with the bad-input
//! corpus (scripts/fuzz).

#![no_main]

use insitu_core::analyze;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let spec = insitu_fuzz::corpus_spec();
    match analyze(bytes, "fuzz.csv", &spec) {
        Ok(report) => {
            insitu_fuzz::check_report(&report);
            insitu_fuzz::render_all(&report);
        }
        // every error names the file
        Err(e) => assert!(e.to_string().contains("fuzz.csv"), "{e}"),
    }
});
