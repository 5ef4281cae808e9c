//! # insitu-wasm
//!
//! Insitu's JavaScript API: the bytes of a patient-level file and an
//! analysis spec go in, the report comes out — computed in the browser, with
//! nothing uploaded. This crate only moves data across the wasm boundary;
//! every number and every rendering comes from `insitu-core`, so the page
//! gets what the `insitu` command line gives: the same report and
//! byte-identical Table 1, figures, CSV and Markdown. (Some floating-point
//! values differ from the native CLI's in the last bits, because wasm32 and
//! Linux do not share a maths library for `exp`, `ln` and `pow`.)
//!
//! ```js
//! import init, { analyze, table1Html, kmSvg, demoCsv, demoSpec } from "./pkg/insitu_wasm.js";
//! await init();
//! const report = analyze(demoCsv(), demoSpec());        // a plain object
//! document.body.innerHTML = table1Html(report) + kmSvg(report, 0);
//! ```
//!
//! | JS | returns |
//! |---|---|
//! | `analyze(bytes, spec, fileName?)` | the report as a plain object: `JSON.parse` of `analyzeJson` |
//! | `analyzeJson(bytes, spec, fileName?)` | the report as the JSON text of `insitu analyze --format json` (without the CLI's final newline) |
//! | `inspect(bytes, options?, fileName?)` | the detected format and columns, for a preview before any spec exists |
//! | `table1Html(report)`, `table1Csv(report)`, `table1Markdown(report)` | Table 1 as HTML, CSV or Markdown |
//! | `kmSvg(report, endpointIndex, options?)` | the Kaplan–Meier figure of one endpoint as SVG |
//! | `htmlPage(report)` | the standalone HTML page of `insitu analyze --format html` |
//! | `demoCsv()`, `demoSpec()` | the built-in synthetic demo cohort and its spec |
//! | `version()` | the Insitu version |
//!
//! `spec` is a spec object or its JSON text (the shape of
//! `shared/reference/datasets/*.spec.json`); `fileName` defaults to the
//! spec's `csv`. Render helpers take the report object (or its JSON text).
//!
//! Every function that can fail throws an `Error` whose message is the core's
//! ("lung.csv, line 14, column "age", value "abc": is not a number"). A bug
//! (a Rust panic) throws `internal error: <message>`; the module's memory is
//! then in an unknown state, so every later call throws the same message
//! until the page reloads the module, rather than risk a wrong number.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

use insitu_core::error::ErrorKind;
use insitu_core::ingest::ReadOptions;
use insitu_core::options::CiType;
use insitu_core::render::{self, SvgOptions};
use insitu_core::table1::Table1;
use insitu_core::{Error, Report, Spec};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// File name used in messages when neither the caller nor the spec names
/// the data file.
pub const DEFAULT_FILE_NAME: &str = "data";

/// Name of a spec given as an object or text, in messages.
const SPEC_NAME: &str = "spec";

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT_TYPES: &'static str = r#"
/** An analysis spec: the shape of `shared/reference/datasets/*.spec.json`. */
export interface Spec {
  name?: string;
  /** Data file name; the default `fileName` of `analyze`. */
  csv?: string;
  source?: string;
  n_rows?: number;
  title?: string;
  group: { column: string; levels?: string[]; label?: string };
  variables?: { name: string; kind?: "categorical" | "continuous"; label?: string; levels?: string[] }[];
  endpoints?: {
    name: string;
    time: string;
    event: string;
    time_unit?: string;
    event_meaning?: string;
    landmark_times?: number[];
    landmark_labels?: string[];
    risk_table_by?: number;
    stratified_logrank?: string[];
  }[];
  columns?: Record<string, string>;
  notes?: string[];
  options?: {
    preset?: "r" | "spss" | "sas";
    quantile_type?: "type2" | "type6" | "type7";
    wilcoxon?: "r_default" | "normal_cc" | "normal";
    km_ci?: "log" | "log-log";
    cox_ties?: "efron" | "breslow";
    categorical_test?: "chisq" | "yates" | "fisher";
    continuous_test?: "rank" | "welch" | "student";
    delimiter?: string;
    decimal_mark?: "point" | "comma";
    missing_codes?: string[];
    encoding?: TextEncoding;
    event_codes?: { event: string[]; censored: string[] };
    [key: string]: unknown;
  };
  /** Keys not typed here (see insitu-core's spec.rs); unknown keys are refused at run time. */
  [key: string]: unknown;
}

/** Text encoding of a data file (detected when not given). */
export type TextEncoding = "utf8" | "utf8_bom" | "utf16" | "windows1252";

/** How to read a file; what is left out is detected. camelCase names are accepted too. */
export interface ReadOptions {
  /** One character: "," ";" "\t" "|" or another single byte. */
  delimiter?: string;
  decimal_mark?: "point" | "comma";
  /** Codes that mean "missing" besides "", "NA", "N/A", "NaN", ".", "-". */
  missing_codes?: string[];
  encoding?: TextEncoding;
}

/** One column of an inspected file. */
export interface ColumnInfo {
  name: string;
  kind: "categorical" | "continuous";
  n_missing: number;
  n_distinct: number;
  distinct_capped: boolean;
  /** Distinct values in byte order (at most 50). */
  levels: string[];
  /** Every non-missing value is 0 or 1 (an event indicator?). */
  binary_01: boolean;
}

/** What a file looks like, before any analysis. */
export interface Inspection {
  file_name: string;
  encoding: string;
  delimiter: string;
  delimiter_char: string;
  delimiter_detected: boolean;
  decimal_mark: "point" | "comma";
  missing_codes: string[];
  n_rows: number;
  skipped_empty_lines: number[];
  columns: ColumnInfo[];
  /** The first rows (at most 10), as text. */
  preview: string[][];
}

/** What `kmSvg` draws; snake_case names are accepted too. */
export interface SvgOptions {
  /** Shaded pointwise confidence bands (default true). */
  ciBands?: boolean;
  /** Marks at censoring times (default true). */
  censorMarks?: boolean;
  /** Number-at-risk table under the axis (default true). */
  riskTable?: boolean;
  /** Interval of the bands; default: the report's convention. */
  ci?: "log" | "log-log" | null;
}

/** One row of Table 1. */
export interface Table1Row {
  kind: "variable" | "level";
  label: string;
  /** One cell per group. */
  cells: string[];
  /** Formatted P value (empty on level rows). */
  p: string;
  /** Footnote marker of the test. */
  marker: string;
}

/** Table 1, formatted for publication. */
export interface Table1 {
  caption: string;
  /** The label column, one per group, then "P". */
  columns: string[];
  rows: Table1Row[];
  footnotes: string[];
}

/** A whole analysis; `null` stands for a value that is not estimable. */
export interface Report {
  schema_version: string;
  insitu_version: string;
  dataset: string | null;
  title: string | null;
  source: string | null;
  data_file: string;
  reading: { encoding: string; delimiter: string; decimal_mark: string; missing_codes: string[] };
  conventions: {
    resolved: {
      preset: "r" | "spss" | "sas";
      quantile_type: "type2" | "type6" | "type7";
      wilcoxon: "r_default" | "normal_cc" | "normal";
      km_ci: "log" | "log-log";
      cox_ties: "efron" | "breslow";
      categorical_test: "chisq" | "yates" | "fisher";
      continuous_test: "rank" | "welch" | "student";
    };
    described: string[];
  };
  n_rows: number;
  n_missing_group: number;
  group: { column: string; label: string; order_source: string; levels: string[]; n: number[] };
  groups: { label: string; n: number }[];
  /** Categorical Table 1 variables: counts by group and tests. */
  categorical: ({ variable: string; label: string; kind: "categorical"; levels: string[] } & Record<string, unknown>)[];
  /** Continuous Table 1 variables: summaries by group and tests. */
  continuous: ({ variable: string; label: string; kind: "continuous" } & Record<string, unknown>)[];
  /** One entry per endpoint: Kaplan–Meier, log-rank, Cox. */
  survival: ({ endpoint: string; time_column: string; event_column: string; time_unit: string; n_used: number } & Record<string, unknown>)[];
  table1: Table1;
  warnings: string[];
}
"#;

// ---------------------------------------------------------------------------
// Panics

/// Message of the first panic in a call; once set, every call is refused.
static PANIC: Mutex<Option<String>> = Mutex::new(None);
/// Whether an API call is running: panics elsewhere (a test's assertion)
/// go to the previous hook untouched.
static IN_CALL: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// The message a panic is reported with.
pub fn internal_error(panic_message: &str) -> String {
    format!("internal error: {panic_message} (please reload the page and report this)")
}

/// Runs one API call: installs the panic hook (once), refuses the call if
/// an earlier one panicked, and turns a panic in `call` into a thrown
/// `internal error: <message>`. Every fallible export goes through here.
#[doc(hidden)]
pub fn guarded<T>(call: impl FnOnce() -> Result<T, JsError>) -> Result<T, JsError> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CALL.load(Ordering::Relaxed) {
                on_panic(info);
            }
            previous(info);
        }));
    });
    match PANIC.lock() {
        Ok(guard) => {
            if let Some(message) = guard.as_deref() {
                return Err(JsError::new(&internal_error(message)));
            }
        }
        Err(_) => return Err(JsError::new(&internal_error("poisoned lock"))),
    }
    IN_CALL.store(true, Ordering::Relaxed);
    let result = call();
    IN_CALL.store(false, Ordering::Relaxed);
    result
}

fn on_panic(info: &std::panic::PanicHookInfo<'_>) {
    let message = info.to_string();
    if let Ok(mut guard) = PANIC.lock() {
        guard.get_or_insert_with(|| message.clone());
    }
    let text = internal_error(&message);
    if cfg!(target_arch = "wasm32") {
        console_error(&text);
        // The panicking call throws this instead of a bare "unreachable"
        // trap. Rust frames are skipped (as by the trap): memory may be left
        // inconsistent, which is why later calls are refused.
        wasm_bindgen::throw_str(&text);
    }
}

// ---------------------------------------------------------------------------
// Crossing the boundary
//
// Results cross as JSON text that JS parses: the object the page gets is
// `JSON.parse` of exactly the text the CLI writes, so non-finite numbers are
// `null` on both sides (serde-wasm-bindgen would hand over `NaN`), and the
// module is a fifth smaller than with a second, JsValue serialiser of every
// report type. Parsing is as fast as building the object from Rust.

fn js_error(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// Parses JSON text written by the core into a JS value.
fn parse_in_js(json: &str) -> Result<JsValue, JsError> {
    js_sys::JSON::parse(json)
        .map_err(|_| JsError::new(&internal_error("JSON.parse refused the core's JSON")))
}

/// A value as JSON, read from JSON text or a JS object. An object goes
/// through `serde_json::Value` rather than straight into a struct, because
/// serde-wasm-bindgen looks up only the keys a struct knows, so
/// `deny_unknown_fields` would never see a misspelt one.
fn json_value(value: &JsValue) -> Result<serde_json::Value, String> {
    match value.as_string() {
        Some(text) => serde_json::from_str(&text).map_err(|e| e.to_string()),
        None => serde_wasm_bindgen::from_value(value.clone()).map_err(|e| e.to_string()),
    }
}

/// Options as the page spells them: JSON text or an object whose keys may be
/// camelCase (`decimalMark`) or snake_case (`decimal_mark`). `null` and
/// `undefined` give the defaults.
fn options_from_js<T: DeserializeOwned + Default>(value: &JsValue, what: &str) -> Result<T, Error> {
    if value.is_null() || value.is_undefined() {
        return Ok(T::default());
    }
    let invalid = |e: String| Error::new(ErrorKind::Spec, format!("invalid {what}: {e}"));
    let value = match json_value(value).map_err(invalid)? {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(key, v)| (snake_case(&key), v))
                .collect(),
        ),
        other => other,
    };
    serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
}

/// `decimalMark` → `decimal_mark`; snake_case stays as it is.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for ch in key.chars() {
        if ch.is_ascii_uppercase() {
            out.push('_');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// A report (or the part `T` of it) given as an object or JSON text.
fn report_from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, Error> {
    let text = match value.as_string() {
        Some(text) => Some(text),
        None => js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string()),
    };
    let not_a_report =
        |e: String| Error::new(ErrorKind::Malformed, format!("not an Insitu report: {e}"));
    let text = text.ok_or_else(|| not_a_report("cannot be written as JSON".into()))?;
    serde_json::from_str(&text).map_err(|e| not_a_report(e.to_string()))
}

// ---------------------------------------------------------------------------
// Analysis

/// Reads a spec given as JSON text or as an object, with the checks of
/// [`Spec::from_json`].
pub fn parse_spec(spec: &JsValue) -> Result<Spec, Error> {
    if let Some(text) = spec.as_string() {
        return Spec::from_json(&text, SPEC_NAME);
    }
    if spec.is_null() || spec.is_undefined() {
        return Err(Error::new(ErrorKind::Spec, "no analysis spec given").in_file(SPEC_NAME));
    }
    let invalid = |e: String| {
        Error::new(ErrorKind::Spec, format!("invalid analysis spec: {e}")).in_file(SPEC_NAME)
    };
    let value = json_value(spec).map_err(invalid)?;
    let spec: Spec = serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
    spec.check().map_err(|e| e.in_file(SPEC_NAME))?;
    Ok(spec)
}

/// Analyses `bytes` as `spec` says; the data file is called `file_name`,
/// else the spec's `csv`, else [`DEFAULT_FILE_NAME`].
pub fn analyze_report(
    bytes: &[u8],
    spec: &JsValue,
    file_name: Option<&str>,
) -> Result<Report, Error> {
    let spec = parse_spec(spec)?;
    let name = file_name
        .or(spec.csv.as_deref())
        .unwrap_or(DEFAULT_FILE_NAME)
        .to_string();
    insitu_core::analyze(bytes, &name, &spec)
}

/// Analyses a file (the bytes of delimited text) as `spec` (an object or
/// JSON text) says; returns the report as a plain object, `JSON.parse` of
/// what `analyzeJson` returns. `fileName` names the file in the report and
/// in messages (default: the spec's `csv`).
#[wasm_bindgen(js_name = analyze, unchecked_return_type = "Report")]
pub fn analyze(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "Spec | string")] spec: JsValue,
    #[wasm_bindgen(js_name = fileName)] file_name: Option<String>,
) -> Result<JsValue, JsError> {
    guarded(|| {
        let report = analyze_report(bytes, &spec, file_name.as_deref()).map_err(js_error)?;
        parse_in_js(&render::json(&report))
    })
}

/// Analyses a file; returns the report as JSON text, the text of
/// `insitu analyze --format json` (which adds a final newline).
#[wasm_bindgen(js_name = analyzeJson)]
pub fn analyze_json(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "Spec | string")] spec: JsValue,
    #[wasm_bindgen(js_name = fileName)] file_name: Option<String>,
) -> Result<String, JsError> {
    guarded(|| {
        let report = analyze_report(bytes, &spec, file_name.as_deref()).map_err(js_error)?;
        Ok(render::json(&report))
    })
}

/// Reads optional read options (object or JSON text).
pub fn parse_read_options(options: &JsValue) -> Result<ReadOptions, Error> {
    options_from_js(options, "read options")
}

/// Detects a file's format and columns, for a preview before any spec.
/// `options` fixes what detection should not guess; `fileName` names the
/// file in the result and in messages.
#[wasm_bindgen(js_name = inspect, unchecked_return_type = "Inspection")]
pub fn inspect(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "ReadOptions | null")] options: JsValue,
    #[wasm_bindgen(js_name = fileName, unchecked_optional_param_type = "string | null")]
    file_name: Option<String>,
) -> Result<JsValue, JsError> {
    guarded(|| {
        let options = parse_read_options(&options).map_err(js_error)?;
        let name = file_name.as_deref().unwrap_or(DEFAULT_FILE_NAME);
        let inspection = insitu_core::inspect::inspect(bytes, name, &options).map_err(js_error)?;
        let json = serde_json::to_string(&inspection)
            .map_err(|e| JsError::new(&internal_error(&e.to_string())))?;
        parse_in_js(&json)
    })
}

// ---------------------------------------------------------------------------
// Rendering

/// The part of a report the Table 1 renderers need; reading only this
/// skips over the survival curves.
#[derive(Deserialize)]
struct Table1Of {
    table1: Table1,
}

/// Table 1 of a report given as an object or JSON text.
pub fn table1_of(report: &JsValue) -> Result<Table1, Error> {
    report_from_js::<Table1Of>(report).map(|r| r.table1)
}

/// A report given as an object or JSON text.
pub fn report_of(report: &JsValue) -> Result<Report, Error> {
    report_from_js(report)
}

/// Table 1 as an HTML `<table id="table1">`, the markup of the CLI's page.
#[wasm_bindgen(js_name = table1Html)]
pub fn table1_html(
    #[wasm_bindgen(unchecked_param_type = "Report | string")] report: JsValue,
) -> Result<String, JsError> {
    guarded(|| Ok(render::html_table(&table1_of(&report).map_err(js_error)?)))
}

/// Table 1 as CSV (level rows indented, footnotes after an empty line).
#[wasm_bindgen(js_name = table1Csv)]
pub fn table1_csv(
    #[wasm_bindgen(unchecked_param_type = "Report | string")] report: JsValue,
) -> Result<String, JsError> {
    guarded(|| Ok(render::csv(&table1_of(&report).map_err(js_error)?)))
}

/// Table 1 as a Markdown (GFM) table with the footnotes below.
#[wasm_bindgen(js_name = table1Markdown)]
pub fn table1_markdown(
    #[wasm_bindgen(unchecked_param_type = "Report | string")] report: JsValue,
) -> Result<String, JsError> {
    guarded(|| Ok(render::markdown(&table1_of(&report).map_err(js_error)?)))
}

/// [`SvgOptions`] as the page gives them; what is left out keeps the
/// default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsSvgOptions {
    #[serde(default)]
    ci_bands: Option<bool>,
    #[serde(default)]
    censor_marks: Option<bool>,
    #[serde(default)]
    risk_table: Option<bool>,
    #[serde(default)]
    ci: Option<CiType>,
}

/// Reads optional figure options (`ciBands`, `censorMarks`, `riskTable`,
/// `ci`; snake_case accepted too).
pub fn parse_svg_options(options: &JsValue) -> Result<SvgOptions, Error> {
    let given: JsSvgOptions = options_from_js(options, "figure options")?;
    let defaults = SvgOptions::default();
    Ok(SvgOptions {
        ci_bands: given.ci_bands.unwrap_or(defaults.ci_bands),
        censor_marks: given.censor_marks.unwrap_or(defaults.censor_marks),
        risk_table: given.risk_table.unwrap_or(defaults.risk_table),
        ci: given.ci.or(defaults.ci),
    })
}

/// The Kaplan–Meier figure of endpoint `endpoint_index` (0-based, spec
/// order) as a standalone SVG.
pub fn km_svg_of(
    report: &Report,
    endpoint_index: usize,
    options: &SvgOptions,
) -> Result<String, Error> {
    let n = report.survival.len();
    if endpoint_index >= n {
        return Err(Error::new(
            ErrorKind::Spec,
            format!(
                "endpoint index {endpoint_index} is out of range: the report has {n} endpoint(s)"
            ),
        ));
    }
    Ok(render::km_svg(report, endpoint_index, options))
}

/// The Kaplan–Meier figure of one endpoint (`endpointIndex`, 0-based in
/// spec order) as SVG.
#[wasm_bindgen(js_name = kmSvg)]
pub fn km_svg(
    #[wasm_bindgen(unchecked_param_type = "Report | string")] report: JsValue,
    #[wasm_bindgen(js_name = endpointIndex)] endpoint_index: usize,
    #[wasm_bindgen(unchecked_optional_param_type = "SvgOptions | null")] options: JsValue,
) -> Result<String, JsError> {
    guarded(|| {
        let report = report_of(&report).map_err(js_error)?;
        let options = parse_svg_options(&options).map_err(js_error)?;
        km_svg_of(&report, endpoint_index, &options).map_err(js_error)
    })
}

/// The standalone HTML page of `insitu analyze --format html`: Table 1, the
/// survival summary and every figure.
#[wasm_bindgen(js_name = htmlPage)]
pub fn html_page(
    #[wasm_bindgen(unchecked_param_type = "Report | string")] report: JsValue,
) -> Result<String, JsError> {
    guarded(|| Ok(render::html_page(&report_of(&report).map_err(js_error)?)))
}

// ---------------------------------------------------------------------------
// Demo and version

/// The built-in demo data: a synthetic (seeded) cohort, LFA vs M1.
#[wasm_bindgen(js_name = demoCsv)]
pub fn demo_csv() -> Vec<u8> {
    insitu_core::demo::DEMO_CSV.to_vec()
}

/// The demo's analysis spec (JSON text; its `csv` names the demo file).
#[wasm_bindgen(js_name = demoSpec)]
pub fn demo_spec() -> String {
    insitu_core::demo::DEMO_SPEC.to_string()
}

/// The Insitu version.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::snake_case;

    #[test]
    fn camel_case_keys_become_snake_case() {
        assert_eq!(snake_case("decimalMark"), "decimal_mark");
        assert_eq!(snake_case("missing_codes"), "missing_codes");
        assert_eq!(snake_case("ciBands"), "ci_bands");
        assert_eq!(snake_case("ci"), "ci");
    }
}
