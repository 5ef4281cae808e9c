//! The worker side: parse once, analyse on request.

use std::cell::RefCell;

use insitu_core::ingest::{read_table, ReadOptions, Table};
use insitu_core::inspect::inspect_table;
use insitu_core::{analyze_table, demo, Spec};
use wasm_bindgen::prelude::*;

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
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

fn error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn load(bytes: &[u8], name: &str, options: &ReadOptions) -> Result<String, JsError> {
    let table = read_table(bytes, name, options).map_err(error)?;
    let inspection = inspect_table(&table);
    TABLE.with(|t| *t.borrow_mut() = Some(table));
    serde_json::to_string(&inspection).map_err(error)
}

/// Reads a file (bytes) with the reading options (JSON of `ReadOptions`)
/// and returns its inspection as JSON.
#[wasm_bindgen]
pub fn worker_load(name: String, bytes: &[u8], options: &str) -> Result<String, JsError> {
    let options: ReadOptions = if options.trim().is_empty() {
        ReadOptions::default()
    } else {
        serde_json::from_str(options).map_err(error)?
    };
    load(bytes, &name, &options)
}

/// Reads the built-in demo cohort.
#[wasm_bindgen]
pub fn worker_load_demo() -> Result<String, JsError> {
    let spec = demo::demo_spec().map_err(error)?;
    load(
        demo::DEMO_CSV,
        demo::DEMO_CSV_NAME,
        &spec.options.read_options(),
    )
}

/// Analyses the loaded file with a spec (JSON); the report as JSON.
#[wasm_bindgen]
pub fn worker_analyze(spec: &str) -> Result<String, JsError> {
    let spec = Spec::from_json(spec, "analysis spec").map_err(error)?;
    TABLE.with(|t| {
        let table = t.borrow();
        let table = table
            .as_ref()
            .ok_or_else(|| JsError::new("no file is loaded"))?;
        let report = analyze_table(table, &spec).map_err(error)?;
        Ok(insitu_core::render::json(&report))
    })
}
