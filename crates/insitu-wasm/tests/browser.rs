//! The JS API in a real browser (headless Chromium through chromedriver):
//! every reference data set of `shared/reference` goes through the exported
//! `analyze`, and each number of the report is compared with R's value by
//! `insitu_core::validate::compare`, as `insitu validate` does natively.
//! Then the error paths: the page must get the core's message, naming file,
//! line and column.
//!
//! Run with `cargo test -p insitu-wasm --target wasm32-unknown-unknown`.

#![cfg(target_arch = "wasm32")]

use insitu_core::render;
use insitu_core::validate::compare;
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// One reference data set, embedded at compile time.
struct Reference {
    name: &'static str,
    csv: &'static [u8],
    spec: &'static str,
    expected: &'static str,
    /// Values validated by `insitu validate` when this test was written;
    /// more may be validated later (pending families), never fewer.
    min_validated: usize,
}

macro_rules! reference {
    ($name:literal, $min_validated:expr) => {
        Reference {
            name: $name,
            csv: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/reference/datasets/",
                $name,
                ".csv"
            )),
            spec: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/reference/datasets/",
                $name,
                ".spec.json"
            )),
            expected: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/reference/expected/",
                $name,
                ".json"
            )),
            min_validated: $min_validated,
        }
    };
}

const LUNG: Reference = reference!("lung", 3367);
const VETERAN: Reference = reference!("veteran", 2028);
const OVARIAN: Reference = reference!("ovarian", 716);
const COLON: Reference = reference!("colon", 23972);
const PAPER_LFA_M1: Reference = reference!("paper_lfa_m1", 7494);

/// The message of a thrown `JsError`, as the page sees it.
fn message(error: JsError) -> String {
    let value = JsValue::from(error);
    let error: js_sys::Error = value.dyn_into().expect("a JS Error");
    String::from(error.message())
}

/// Runs the exported `analyze` and returns the report as JSON.
fn analyze_to_json(r: &Reference) -> serde_json::Value {
    let file_name = format!("{}.csv", r.name);
    let report = insitu_wasm::analyze(r.csv, JsValue::from_str(r.spec), Some(file_name))
        .unwrap_or_else(|e| panic!("{}: {}", r.name, message(e)));
    serde_wasm_bindgen::from_value(report).expect("the report object reads back as JSON")
}

fn check_reference(r: &Reference) {
    let expected: serde_json::Value =
        serde_json::from_str(r.expected).expect("the reference JSON parses");
    let actual = analyze_to_json(r);
    let c = compare(&expected, &actual);
    assert!(
        c.mismatches.is_empty(),
        "{}: {} mismatches, first {:?}",
        r.name,
        c.mismatches.len(),
        &c.mismatches[..c.mismatches.len().min(5)]
    );
    assert!(
        c.validated >= r.min_validated,
        "{}: only {} values validated, expected at least {}",
        r.name,
        c.validated,
        r.min_validated
    );
    assert_eq!(actual["data_file"], format!("{}.csv", r.name));
}

#[wasm_bindgen_test]
fn lung_matches_r() {
    check_reference(&LUNG);
}

#[wasm_bindgen_test]
fn veteran_matches_r() {
    check_reference(&VETERAN);
}

#[wasm_bindgen_test]
fn ovarian_matches_r() {
    check_reference(&OVARIAN);
}

#[wasm_bindgen_test]
fn colon_matches_r() {
    check_reference(&COLON);
}

#[wasm_bindgen_test]
fn paper_lfa_m1_matches_r() {
    check_reference(&PAPER_LFA_M1);
}

#[wasm_bindgen_test]
fn the_object_is_the_json_text_parsed() {
    let r = &LUNG;
    let object = insitu_wasm::analyze(r.csv, JsValue::from_str(r.spec), None).unwrap();
    let text = insitu_wasm::analyze_json(r.csv, JsValue::from_str(r.spec), None).unwrap();
    let parsed = js_sys::JSON::parse(&text).unwrap();
    // same keys in the same order, same numbers
    assert_eq!(
        js_sys::JSON::stringify(&object).unwrap(),
        js_sys::JSON::stringify(&parsed).unwrap()
    );
}

#[wasm_bindgen_test]
fn analyze_json_is_the_core_json() {
    let r = &OVARIAN;
    let spec = insitu_core::Spec::from_json(r.spec, "ovarian.spec.json").unwrap();
    let core = insitu_core::analyze(r.csv, "ovarian.csv", &spec).unwrap();
    let text =
        insitu_wasm::analyze_json(r.csv, JsValue::from_str(r.spec), Some("ovarian.csv".into()))
            .unwrap();
    assert_eq!(text, render::json(&core));
}

#[wasm_bindgen_test]
fn spec_object_and_spec_text_give_the_same_report() {
    let r = &VETERAN;
    let object = js_sys::JSON::parse(r.spec).unwrap();
    let from_object = insitu_wasm::analyze_report(r.csv, &object, None).unwrap();
    let from_text = insitu_wasm::analyze_report(r.csv, &JsValue::from_str(r.spec), None).unwrap();
    assert_eq!(from_object, from_text);
    // the spec's "csv" names the file when the caller does not
    assert_eq!(from_text.data_file, "veteran.csv");
}

#[wasm_bindgen_test]
fn renderers_take_the_object_or_the_json_text() {
    let r = &LUNG;
    let spec = insitu_core::Spec::from_json(r.spec, "lung.spec.json").unwrap();
    let core = insitu_core::analyze(r.csv, "lung.csv", &spec).unwrap();
    let object =
        insitu_wasm::analyze(r.csv, JsValue::from_str(r.spec), Some("lung.csv".into())).unwrap();
    let text = JsValue::from_str(&render::json(&core));
    for report in [&object, &text] {
        assert_eq!(
            insitu_wasm::table1_html(report.clone()).unwrap(),
            render::html_table(&core.table1)
        );
        assert_eq!(
            insitu_wasm::table1_csv(report.clone()).unwrap(),
            render::csv(&core.table1)
        );
        assert_eq!(
            insitu_wasm::table1_markdown(report.clone()).unwrap(),
            render::markdown(&core.table1)
        );
        assert_eq!(
            insitu_wasm::html_page(report.clone()).unwrap(),
            render::html_page(&core)
        );
        assert_eq!(
            insitu_wasm::km_svg(report.clone(), 0, JsValue::UNDEFINED).unwrap(),
            render::km_svg(&core, 0, &render::SvgOptions::default())
        );
    }
}

#[wasm_bindgen_test]
fn km_svg_options_are_read_in_either_case() {
    let r = &OVARIAN;
    let report = insitu_wasm::analyze(r.csv, JsValue::from_str(r.spec), None).unwrap();
    let core = insitu_wasm::report_of(&report).unwrap();
    let wanted = render::SvgOptions {
        ci_bands: false,
        censor_marks: true,
        risk_table: false,
        ci: Some(insitu_core::options::CiType::LogLog),
    };
    for options in [
        r#"{"ciBands": false, "riskTable": false, "ci": "log-log"}"#,
        r#"{"ci_bands": false, "risk_table": false, "ci": "log-log"}"#,
    ] {
        let options = js_sys::JSON::parse(options).unwrap();
        assert_eq!(
            insitu_wasm::km_svg(report.clone(), 0, options).unwrap(),
            render::km_svg(&core, 0, &wanted)
        );
    }
    let e = insitu_wasm::km_svg(
        report.clone(),
        0,
        js_sys::JSON::parse(r#"{"bands": 1}"#).unwrap(),
    )
    .unwrap_err();
    assert!(message(e).contains("bands"));
}

#[wasm_bindgen_test]
fn km_svg_of_a_missing_endpoint_is_an_error() {
    let r = &OVARIAN;
    let report = insitu_wasm::analyze(r.csv, JsValue::from_str(r.spec), None).unwrap();
    let text = message(insitu_wasm::km_svg(report, 3, JsValue::NULL).unwrap_err());
    assert!(text.contains("endpoint index 3"), "{text}");
    assert!(text.contains("1 endpoint"), "{text}");
}

#[wasm_bindgen_test]
fn the_demo_runs() {
    let report = insitu_wasm::analyze(
        &insitu_wasm::demo_csv(),
        JsValue::from_str(&insitu_wasm::demo_spec()),
        None,
    )
    .unwrap();
    let report = insitu_wasm::report_of(&report).unwrap();
    assert_eq!(report.data_file, insitu_core::demo::DEMO_CSV_NAME);
    assert_eq!(report.groups.len(), 2);
    assert_eq!(report.insitu_version, insitu_wasm::version());
}

#[wasm_bindgen_test]
fn inspect_detects_semicolons_and_decimal_commas() {
    let bytes = b"arm;age;status\nA;61,5;1\nB;NA;0\nB;70;1\n";
    let inspection = insitu_wasm::inspect(bytes, JsValue::UNDEFINED, Some("x.csv".into())).unwrap();
    let inspection: insitu_core::inspect::Inspection =
        serde_wasm_bindgen::from_value(inspection).unwrap();
    assert_eq!(inspection.file_name, "x.csv");
    assert_eq!(inspection.delimiter_char, ";");
    assert_eq!(inspection.decimal_mark, "comma");
    assert_eq!(inspection.n_rows, 3);
    assert_eq!(inspection.columns[1].n_missing, 1);
}

#[wasm_bindgen_test]
fn inspect_takes_read_options() {
    let bytes = b"arm;age\nA;999\nB;60\n";
    let options = js_sys::JSON::parse(r#"{"delimiter": ";", "missingCodes": ["999"]}"#).unwrap();
    let inspection = insitu_wasm::inspect(bytes, options, None).unwrap();
    let inspection: insitu_core::inspect::Inspection =
        serde_wasm_bindgen::from_value(inspection).unwrap();
    assert!(!inspection.delimiter_detected);
    assert_eq!(inspection.columns[1].n_missing, 1);
    assert_eq!(inspection.file_name, insitu_wasm::DEFAULT_FILE_NAME);

    let bad = js_sys::JSON::parse(r#"{"separator": ";"}"#).unwrap();
    let text = message(insitu_wasm::inspect(bytes, bad, None).unwrap_err());
    assert!(text.contains("separator"), "{text}");
}

// ---------------------------------------------------------------------------
// Errors reach the page with the core's message.

const SPEC: &str = r#"{
  "group": {"column": "arm", "levels": ["A", "B"]},
  "variables": [{"name": "age", "kind": "continuous"}],
  "endpoints": [{"name": "OS", "time": "time", "event": "status", "time_unit": "months"}]
}"#;

fn analyze_error(csv: &str) -> String {
    let result = insitu_wasm::analyze(
        csv.as_bytes(),
        JsValue::from_str(SPEC),
        Some("cohort.csv".into()),
    );
    message(result.expect_err("should be refused"))
}

#[wasm_bindgen_test]
fn a_ragged_row_names_file_and_line() {
    let text = analyze_error("arm,age,time,status\nA,60,12,1\nB,61,10\n");
    assert!(text.starts_with("cohort.csv, line 3"), "{text}");
    // the typed error behind it
    let e = insitu_wasm::analyze_report(
        b"arm,age,time,status\nA,60,12,1\nB,61,10\n",
        &JsValue::from_str(SPEC),
        Some("cohort.csv"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), insitu_core::ErrorKind::RaggedRow);
    assert_eq!(e.location().line, Some(3));
    assert_eq!(text, e.to_string());
}

#[wasm_bindgen_test]
fn text_in_a_number_column_names_line_column_and_value() {
    let text = analyze_error("arm,age,time,status\nA,60,12,1\nB,sixty,10,0\nA,70,3,1\n");
    for part in ["cohort.csv", "line 3", "column \"age\"", "value \"sixty\""] {
        assert!(text.contains(part), "{part} missing in: {text}");
    }
}

#[wasm_bindgen_test]
fn a_broken_spec_names_its_line() {
    let result = insitu_wasm::analyze(b"arm\nA\n", JsValue::from_str("{\n  \"group\": \n}"), None);
    let text = message(result.unwrap_err());
    assert!(text.starts_with("spec, line 3"), "{text}");
}

#[wasm_bindgen_test]
fn an_unknown_spec_key_is_refused_as_in_a_file() {
    let spec = js_sys::JSON::parse(
        r#"{"group": {"column": "arm", "colour": "red"}, "variables": [], "endpoints": []}"#,
    )
    .unwrap();
    let text = message(insitu_wasm::analyze(b"arm\nA\nB\n", spec, None).unwrap_err());
    assert!(text.contains("colour"), "{text}");
}

#[wasm_bindgen_test]
fn no_spec_is_an_error() {
    let text = message(insitu_wasm::analyze(b"arm\nA\n", JsValue::UNDEFINED, None).unwrap_err());
    assert!(text.contains("no analysis spec"), "{text}");
}

#[wasm_bindgen_test]
fn something_else_than_a_report_is_refused() {
    let text = message(insitu_wasm::table1_html(JsValue::from_f64(3.0)).unwrap_err());
    assert!(text.contains("not an Insitu report"), "{text}");
}
