//! Spec parsing on arbitrary text; a spec that parses is written back and
//! must parse again to the same spec, and is then applied to the corpus's
//! clean file through the whole analysis and every export.

#![no_main]

use insitu_core::{analyze, Spec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(spec) = Spec::from_json(text, "fuzz.spec.json") else {
        return;
    };
    let written = serde_json::to_string(&spec).expect("a spec serialises");
    let again = Spec::from_json(&written, "again.spec.json")
        .unwrap_or_else(|e| panic!("a parsed spec does not parse back: {e}\n{written}"));
    // NaN cannot be written in JSON, so equality is safe
    assert_eq!(spec, again, "the spec changed in a round trip");
    if let Ok(report) = analyze(insitu_fuzz::CLEAN_CSV, "clean.csv", &spec) {
        insitu_fuzz::check_report(&report);
        insitu_fuzz::render_all(&report);
    }
});
