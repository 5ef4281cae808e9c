//! The worker side: parse once, analyse on request.
//!
//! The same code is built twice: the light module (CSV) that the page and
//! the worker load at once, and, with the `extras` feature, the extras
//! module (spreadsheets in, Word out, multicentre summaries and merging:
//! `crate::extras`) that the worker imports only when one of those is
//! asked for — calamine, docx-rs and the multicentre code would more than
//! double the module every visitor downloads.

use std::cell::RefCell;

use insitu_core::ingest::stream::TableStream;
use insitu_core::ingest::{read_any, ReadOptions, Table};
use insitu_core::inspect::inspect_table;
use insitu_core::{analyze_table, demo, Report, Spec};
use wasm_bindgen::prelude::*;

use crate::rendered::{self, Figures};

thread_local! {
    pub(crate) static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
    pub(crate) static REPORT: RefCell<Option<Report>> = const { RefCell::new(None) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static STREAM: RefCell<Option<TableStream>> = const { RefCell::new(None) };
}

/// Keeps the panic message so the page can show it instead of dying
/// silently, and prints it to the console.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&message));
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(message.clone()));
        crate::app::show_panic(&message);
    }));
}

/// The message of the last panic, if any.
#[wasm_bindgen]
pub fn worker_last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

pub(crate) fn error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn load(bytes: &[u8], name: &str, options: &ReadOptions) -> Result<String, JsError> {
    // the file read before (or being streamed) is let go first: its
    // memory is needed
    TABLE.with(|t| t.borrow_mut().take());
    STREAM.with(|s| s.borrow_mut().take());
    // a spreadsheet reaches this only in the extras build (the worker
    // routes it there); the light build answers that it reads CSV only
    keep(read_any(bytes, name, options).map_err(error)?)
}

/// Keeps the table read for the analyses — its columns of few values as
/// their values and codes, not text (`Table::compact`: before the first
/// look, and after it for the numbers it read) — and returns its
/// inspection (JSON).
fn keep(mut table: Table) -> Result<String, JsError> {
    table.compact();
    let inspection = inspect_table(&table);
    table.compact();
    TABLE.with(|t| *t.borrow_mut() = Some(table));
    serde_json::to_string(&inspection).map_err(error)
}

fn read_options(json: &str) -> Result<ReadOptions, JsError> {
    if json.trim().is_empty() {
        Ok(ReadOptions::default())
    } else {
        serde_json::from_str(json).map_err(error)
    }
}

/// Reads a file (bytes) with the reading options (JSON of `ReadOptions`)
/// and returns its inspection as JSON.
#[wasm_bindgen]
pub fn worker_load(name: String, bytes: &[u8], options: &str) -> Result<String, JsError> {
    load(bytes, &name, &read_options(options)?)
}

/// Begins reading a CSV file of `size` bytes as it arrives
/// (`insitu_core::ingest::stream`: the whole file is never held), with
/// the reading options (JSON). The file read before is let go.
#[wasm_bindgen]
pub fn worker_stream_start(name: String, size: f64, options: &str) -> Result<(), JsError> {
    let options = read_options(options)?;
    TABLE.with(|t| t.borrow_mut().take());
    let stream = TableStream::new(&name, size as usize, &options);
    STREAM.with(|s| *s.borrow_mut() = Some(stream));
    Ok(())
}

/// The next bytes of the file. False when the stream gave up: read the
/// file whole (`worker_load`), which then gives its table or its message.
#[wasm_bindgen]
pub fn worker_stream_feed(chunk: &[u8]) -> bool {
    STREAM.with(|s| {
        let mut stream = s.borrow_mut();
        let going = stream.as_mut().is_some_and(|stream| stream.feed(chunk));
        if !going {
            *stream = None; // its memory is needed for the whole file
        }
        going
    })
}

/// The streamed file's inspection (JSON), once every byte is fed;
/// `undefined` when the stream gave up (read the file whole).
#[wasm_bindgen]
pub fn worker_stream_finish() -> Result<Option<String>, JsError> {
    match STREAM
        .with(|s| s.borrow_mut().take())
        .and_then(TableStream::finish)
    {
        Some(table) => keep(table).map(Some),
        None => Ok(None),
    }
}

/// Whether a file's first bytes are a workbook's (the worker then reads it
/// with the extras module).
#[wasm_bindgen]
pub fn worker_is_spreadsheet(first_bytes: &[u8]) -> bool {
    insitu_core::ingest::is_spreadsheet(first_bytes)
}

/// Reads the built-in demo cohort with the reading options of its `spec`
/// (JSON text): both are served beside the app (`paper_lfa_m1.csv`,
/// `paper_lfa_m1.table1.spec.json`) and fetched by the worker from the
/// app's own site; in the module they would take 6.3 KB of the gzip budget.
#[wasm_bindgen]
pub fn worker_load_demo(bytes: &[u8], spec: &str) -> Result<String, JsError> {
    let spec = Spec::from_json(spec, demo::DEMO_SPEC_NAME).map_err(error)?;
    load(bytes, demo::DEMO_CSV_NAME, &spec.options.read_options())
}

pub(crate) fn figures(json: &str) -> Result<Figures, JsError> {
    if json.trim().is_empty() {
        Ok(Figures::default())
    } else {
        serde_json::from_str(json).map_err(error)
    }
}

fn with_report<T>(f: impl FnOnce(&Report) -> T) -> Result<T, JsError> {
    REPORT.with(|r| {
        r.borrow()
            .as_ref()
            .map(f)
            .ok_or_else(|| JsError::new("nothing has been analysed yet"))
    })
}

/// Everything the page shows or saves of the last report (`Rendered`, JSON).
pub(crate) fn rendered(figures: Figures) -> Result<String, JsError> {
    with_report(|report| {
        #[allow(unused_mut)]
        let mut pieces = rendered::render(report, figures);
        #[cfg(feature = "extras")]
        crate::extras::add_multicentre(&mut pieces);
        serde_json::to_string(&pieces).map_err(error)
    })?
}

/// Analyses the loaded file with a spec (JSON) and keeps the report; the
/// page's pieces (`Rendered`, JSON) with the figure options (`Figures`,
/// JSON; empty = the defaults).
#[wasm_bindgen]
pub fn worker_analyze(spec: &str, figure_options: &str) -> Result<String, JsError> {
    let spec = Spec::from_json(spec, "analysis spec").map_err(error)?;
    let figure_options = figures(figure_options)?;
    let report = TABLE.with(|t| {
        let table = t.borrow();
        let table = table
            .as_ref()
            .ok_or_else(|| JsError::new("no file is loaded"))?;
        analyze_table(table, &spec).map_err(error)
    })?;
    REPORT.with(|r| *r.borrow_mut() = Some(report));
    #[cfg(feature = "extras")]
    crate::extras::forget_merge();
    rendered(figure_options)
}

/// The last report's results section and figures with other figure
/// options (`Redrawn`, JSON).
#[wasm_bindgen]
pub fn worker_render(figure_options: &str) -> Result<String, JsError> {
    let figure_options = figures(figure_options)?;
    with_report(|report| {
        #[allow(unused_mut)]
        let mut redrawn = rendered::redraw(report, figure_options);
        #[cfg(feature = "extras")]
        crate::extras::add_multicentre_section(&mut redrawn.results_html);
        serde_json::to_string(&redrawn).map_err(error)
    })?
}

/// The last report as JSON (for the extras module's Word export).
#[wasm_bindgen]
pub fn worker_report_json() -> Result<String, JsError> {
    with_report(insitu_core::render::json)
}
