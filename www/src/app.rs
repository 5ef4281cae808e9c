//! The page: state, events, the worker conversation and the exports.
//!
//! One click, change and drop listener each on the document dispatch by
//! `data-action` / `data-field`; the state lives in a thread-local, so
//! closures hold nothing.

use std::cell::RefCell;

use insitu_core::demo;
use insitu_core::ingest::SheetName;
use insitu_core::inspect::{suggest_spec, Inspection};
use insitu_core::options::Preset;
use insitu_core::render;
use insitu_core::spec::{
    Bin, ComponentSpec, Condition, Display, EndpointSpec, EventCodes, Spec, VariableKind,
    VariableSpec,
};
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    DragEvent, Element, Event, File, HtmlCanvasElement, HtmlImageElement, HtmlInputElement,
    MessageEvent, Worker, WorkerOptions, WorkerType,
};

use crate::dom::{self, by_id, checked, set_html, show, value_of};
use crate::rendered::{Figures, Redrawn, Rendered};
use crate::views;

/// Print resolution of PNG figures.
const PNG_DPI: f64 = 300.0;

/// Largest data file read, MB, unless the page's address sets another
/// (`?max-mb=N`): its text and its columns must fit in the worker's memory
/// (a CSV is streamed, not held whole; a 10⁷-row, 526 MB CSV peaks at
/// about 2.3 GB, and WebAssembly's memory ends at 4 GB).
const DEFAULT_MAX_MB: f64 = 1024.0;

/// Largest spreadsheet, MB: a workbook is unpacked whole in memory.
const DEFAULT_MAX_SPREADSHEET_MB: f64 = 100.0;

/// The size limit in force, MB, for a file named `name`.
fn max_mb(name: &str) -> f64 {
    let configured = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix("max-mb=").map(str::to_string))
        })
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0);
    match configured {
        Some(mb) => mb,
        None if views::is_spreadsheet_name(name) => DEFAULT_MAX_SPREADSHEET_MB,
        None => DEFAULT_MAX_MB,
    }
}

struct App {
    worker: Worker,
    next_id: u32,
    /// Id of the request whose answer is awaited (older answers are stale).
    awaited: u32,
    file_name: String,
    file: Option<File>,
    is_demo: bool,
    inspection: Option<Inspection>,
    spec: Option<Spec>,
    /// A spec loaded from a file, applied to the next data file.
    loaded_spec: Option<Spec>,
    /// The last analysis, rendered by the worker.
    report: Option<Rendered>,
    figures: Figures,
    /// A centre summary prepared for saving: (file name, JSON).
    summary: Option<(String, String)>,
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
    /// Table 1 (HTML, text) waiting for the `copy` event.
    static PENDING_COPY: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

fn with_app<T>(f: impl FnOnce(&mut App) -> T) -> Option<T> {
    APP.with(|a| a.borrow_mut().as_mut().map(f))
}

/// Shows a panic in the page (called by the panic hook).
pub fn show_panic(message: &str) {
    if web_sys::window().is_some() {
        status_error(&format!(
            "Internal error — please report it; your data were not sent anywhere: {message}"
        ));
    }
}

fn status(text: &str, busy: bool) {
    if let Some(s) = by_id("status") {
        s.set_class_name(if busy { "status busy" } else { "status" });
        let progress = if busy {
            "<progress aria-label=\"working\"></progress> "
        } else {
            ""
        };
        s.set_inner_html(&format!("{progress}{}", render::escape(text)));
    }
}

fn status_error(text: &str) {
    if let Some(s) = by_id("status") {
        s.set_class_name("status error");
        s.set_inner_html(&format!(
            "<strong>Problem:</strong> <span id=\"error-message\">{}</span>",
            render::escape(text)
        ));
    }
}

fn new_worker() -> Result<Worker, JsValue> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("./worker.js", &options)?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(on_worker_message);
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let on_error = Closure::<dyn FnMut(Event)>::new(|_e: Event| {
        status_error("the analysis worker failed to start");
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    Ok(worker)
}

/// Builds the app and shows the demo.
pub fn start() {
    if let Err(e) = try_start() {
        status_error(&format!("Insitu could not start: {e:?}"));
    }
}

fn try_start() -> Result<(), JsValue> {
    let worker = new_worker()?;
    APP.with(|a| {
        *a.borrow_mut() = Some(App {
            worker,
            next_id: 0,
            awaited: 0,
            file_name: String::new(),
            file: None,
            is_demo: true,
            inspection: None,
            spec: None,
            loaded_spec: None,
            report: None,
            figures: Figures::default(),
            summary: None,
        })
    });
    let document = dom::document();
    let click = Closure::<dyn Fn(Event)>::new(on_click);
    document.add_event_listener_with_callback("click", click.as_ref().unchecked_ref())?;
    click.forget();
    let copy = Closure::<dyn FnMut(web_sys::ClipboardEvent)>::new(on_copy);
    document.add_event_listener_with_callback("copy", copy.as_ref().unchecked_ref())?;
    copy.forget();
    // Fn, not FnMut: replacing a panel that holds a focused, edited input
    // makes the browser send that input's `change` again from inside the
    // handler (ignored below, see `RERENDERING`)
    let change = Closure::<dyn Fn(Event)>::new(on_change);
    document.add_event_listener_with_callback("change", change.as_ref().unchecked_ref())?;
    change.forget();
    if let Some(zone) = by_id("drop-zone") {
        let over = Closure::<dyn FnMut(DragEvent)>::new(|e: DragEvent| {
            e.prevent_default();
            if let Some(z) = by_id("drop-zone") {
                let _ = z.class_list().add_1("over");
            }
        });
        zone.add_event_listener_with_callback("dragover", over.as_ref().unchecked_ref())?;
        over.forget();
        let leave = Closure::<dyn FnMut(DragEvent)>::new(|_e: DragEvent| {
            if let Some(z) = by_id("drop-zone") {
                let _ = z.class_list().remove_1("over");
            }
        });
        zone.add_event_listener_with_callback("dragleave", leave.as_ref().unchecked_ref())?;
        leave.forget();
        let drop = Closure::<dyn FnMut(DragEvent)>::new(|e: DragEvent| {
            e.prevent_default();
            if let Some(z) = by_id("drop-zone") {
                let _ = z.class_list().remove_1("over");
            }
            let file = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                if file.name().to_ascii_lowercase().ends_with(".json") {
                    load_spec_file(file);
                } else {
                    load_file(file);
                }
            }
        });
        zone.add_event_listener_with_callback("drop", drop.as_ref().unchecked_ref())?;
        drop.forget();
    }
    load_demo();
    Ok(())
}

/// Runs `f` with the promise's value once it resolves (and `on_error` if it
/// rejects).
fn then_once(
    promise: JsValue,
    f: impl FnOnce(JsValue) + 'static,
    on_error: impl FnOnce(JsValue) + 'static,
) {
    let promise: js_sys::Promise = promise.unchecked_into();
    let ok = Closure::once(f);
    let fail = Closure::once(on_error);
    let _ = promise.then2(&ok, &fail);
    ok.forget();
    fail.forget();
}

fn report_failure(what: &'static str) -> impl FnOnce(JsValue) {
    move |e: JsValue| {
        status_error(&format!(
            "{what}: {}",
            e.as_string().unwrap_or_else(|| format!("{e:?}"))
        ))
    }
}

fn post(message: &Object) {
    with_app(|app| {
        app.next_id += 1;
        app.awaited = app.next_id;
        let _ = Reflect::set(message, &"id".into(), &app.next_id.into());
        if app.worker.post_message(message).is_err() {
            status_error("could not send the work to the analysis worker");
        }
    });
}

fn message(kind: &str) -> Object {
    let m = Object::new();
    let _ = Reflect::set(&m, &"type".into(), &kind.into());
    m
}

fn load_demo() {
    with_app(|app| {
        app.is_demo = true;
        app.file = None;
        app.file_name = demo::DEMO_CSV_NAME.to_string();
        // the demo's spec comes with its data from the worker
        app.spec = None;
        app.loaded_spec = None;
    });
    set_html(
        "dataset",
        "Showing the built-in demo: <b>paper_lfa_m1</b> — a <b>synthetic</b> cohort (no real patient) shaped like a published comparison of the liver-first approach (n = 96) and the M1 schedule (n = 164).",
    );
    status("Reading the demo…", true);
    post(&message("demo"));
}

fn read_options_json(spec: Option<&Spec>) -> String {
    spec.and_then(|s| serde_json::to_string(&s.options.read_options()).ok())
        .unwrap_or_default()
}

fn load_file(file: File) {
    let name = file.name();
    let limit = max_mb(&name);
    let size_mb = file.size() / 1e6;
    if size_mb > limit {
        let size = if size_mb >= 10.0 {
            format!("{size_mb:.0}")
        } else {
            format!("{size_mb:.3}")
        };
        return status_error(&format!(
            "{name} is {size} MB, more than this page reads ({limit} MB); nothing was read. \
             Save a smaller extract (fewer columns or rows), or use the insitu command line, \
             which has no such limit."
        ));
    }
    let options = with_app(|app| {
        app.is_demo = false;
        app.file = Some(file.clone());
        app.file_name = name.clone();
        app.inspection = None;
        app.report = None;
        // a spec loaded just before applies to this file (once); otherwise
        // a new spec is suggested from the file's columns
        app.spec = app.loaded_spec.take();
        read_options_json(app.spec.as_ref())
    })
    .unwrap_or_default();
    set_html(
        "dataset",
        &format!(
            "File: <b>{}</b> ({} bytes) — read in this browser only.",
            render::escape(&name),
            file.size() as u64
        ),
    );
    send_load(&file, &options);
}

fn send_load(file: &File, options: &str) {
    status("Reading the file…", true);
    let m = message("load");
    let _ = Reflect::set(&m, &"file".into(), file);
    let _ = Reflect::set(&m, &"options".into(), &options.into());
    post(&m);
}

fn load_spec_file(file: File) {
    let name = file.name();
    let on_text = move |text: JsValue| {
        let text = text.as_string().unwrap_or_default();
        match Spec::from_json(&text, &name) {
            Ok(spec) => {
                let has_data = with_app(|app| {
                    if app.inspection.is_some() && !app.is_demo {
                        app.spec = Some(spec.clone());
                        true
                    } else {
                        app.loaded_spec = Some(spec.clone());
                        false
                    }
                })
                .unwrap_or(false);
                if has_data {
                    // the reading options may differ: read the file again
                    reload_with_spec_options();
                } else {
                    status(
                        &format!("Spec {name} loaded. Now open the data file it describes."),
                        false,
                    );
                }
            }
            Err(e) => status_error(&e.to_string()),
        }
    };
    then_once(
        file.text().into(),
        on_text,
        report_failure("could not read the spec file"),
    );
}

/// A sheet as typed: a number counts from 1, anything else is a name.
fn parse_sheet(value: &str) -> Option<SheetName> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Some(SheetName::Index(n - 1)),
        _ => Some(SheetName::Name(value.to_string())),
    }
}

fn reload_with_spec_options() {
    let pending = with_app(|app| {
        (
            app.file.clone(),
            read_options_json(app.spec.as_ref()),
            app.is_demo,
        )
    });
    match pending {
        Some((Some(file), options, false)) => send_load(&file, &options),
        Some((_, _, true)) => {
            status("Reading the demo…", true);
            post(&message("demo"));
        }
        _ => {}
    }
}

/// A component of a composite endpoint with its columns still to choose.
fn component(name: &str, dates: bool) -> ComponentSpec {
    let blank = || Some(String::new());
    ComponentSpec {
        name: name.to_string(),
        date: if dates { blank() } else { None },
        time: if dates { None } else { blank() },
        event: if dates { None } else { blank() },
    }
}

/// Turns an endpoint's form to another way of giving its times (the
/// page's "Times from"); the columns of the new way are still to choose
/// (empty strings, so that the form shows them) except what carries over.
fn set_endpoint_mode(e: &mut EndpointSpec, mode: &str) {
    let blank = || Some(String::new());
    let start = e.start_date.take().or_else(blank);
    let last = e.last_followup_date.take().or_else(blank);
    e.end_date = None;
    e.event_date = None;
    match mode {
        "dates-end" => {
            e.components.clear();
            e.start_date = start;
            e.end_date = blank();
            e.time.clear();
        }
        "dates-event" => {
            e.components.clear();
            e.start_date = start;
            e.last_followup_date = last;
            e.event_date = blank();
            e.time.clear();
            e.event.clear();
        }
        "first-dates" | "first-times" => {
            let dates = mode == "first-dates";
            e.components = vec![component("progression", dates), component("death", dates)];
            if dates {
                e.start_date = start;
                e.last_followup_date = last;
            }
            e.time.clear();
            e.event.clear();
        }
        _ => e.components.clear(),
    }
}

/// An endpoint's columns with the ones not chosen yet (`""`) left out.
fn chosen_columns(e: &EndpointSpec) -> EndpointSpec {
    let chosen = |c: &Option<String>| c.clone().filter(|c| !c.is_empty());
    let mut e = e.clone();
    e.start_date = chosen(&e.start_date);
    e.end_date = chosen(&e.end_date);
    e.event_date = chosen(&e.event_date);
    e.last_followup_date = chosen(&e.last_followup_date);
    for c in &mut e.components {
        c.date = chosen(&c.date);
        c.time = chosen(&c.time);
        c.event = chosen(&c.event);
    }
    e
}

/// The spec without the conditions and endpoints still being filled in (a
/// column chosen, no value typed yet; a date column not chosen yet): what
/// is analysed and saved.
fn complete(spec: &Spec) -> Spec {
    let mut spec = spec.clone();
    spec.filter
        .retain(|c| !c.column.is_empty() && !c.values().is_empty());
    for v in &mut spec.variables {
        if v.subset.as_ref().is_some_and(|c| c.values().is_empty()) {
            v.subset = None;
        }
    }
    // endpoints whose columns are still being chosen wait in the page
    spec.endpoints = spec
        .endpoints
        .iter()
        .map(chosen_columns)
        .filter(EndpointSpec::names_its_times)
        .collect();
    spec
}

fn request_analysis() {
    let spec = with_app(|app| app.spec.as_ref().map(complete)).flatten();
    let Some(spec) = spec else { return };
    let figures = with_app(|app| app.figures).unwrap_or_default();
    match serde_json::to_string(&spec).map(|json| insitu_core::render::pretty_json(&json)) {
        Ok(json) => {
            status("Analysing…", true);
            let m = message("analyze");
            let _ = Reflect::set(&m, &"spec".into(), &json.into());
            let figures = serde_json::to_string(&figures).unwrap_or_default();
            let _ = Reflect::set(&m, &"figures".into(), &figures.into());
            post(&m);
        }
        Err(e) => status_error(&e.to_string()),
    }
}

fn get_str(m: &JsValue, key: &str) -> String {
    Reflect::get(m, &key.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn on_worker_message(event: MessageEvent) {
    let data = event.data();
    let id = Reflect::get(&data, &"id".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u32;
    let current = with_app(|app| app.awaited).unwrap_or(0);
    if id != current {
        return; // an answer to a request that was superseded
    }
    match get_str(&data, "type").as_str() {
        "progress" => on_progress(&data),
        "inspected" => on_inspected(&get_str(&data, "json"), &get_str(&data, "spec")),
        "report" => on_report(&get_str(&data, "json")),
        "redrawn" => on_redrawn(&get_str(&data, "json")),
        "docx" => on_docx(&data),
        "summary" => on_summary(&get_str(&data, "json")),
        _ => {
            let fatal = Reflect::get(&data, &"fatal".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            status_error(&get_str(&data, "message"));
            if fatal {
                // the worker's module is unusable after a trap: start a new one
                if let Ok(worker) = new_worker() {
                    with_app(|app| {
                        app.worker.terminate();
                        app.worker = worker;
                        app.inspection = None;
                    });
                }
            }
        }
    }
}

/// How far the worker has read a large file (bytes `read` of `size`).
fn on_progress(data: &JsValue) {
    let number = |key: &str| {
        Reflect::get(data, &key.into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
    };
    let (read, size) = (number("read"), number("size").max(1.0));
    if let Some(s) = by_id("status") {
        s.set_class_name("status busy");
        s.set_inner_html(&format!(
            "<progress aria-label=\"reading the file\" max=\"{size}\" value=\"{read}\"></progress> \
             Reading the file… {:.0} % of {:.0} MB",
            (100.0 * read / size).floor(),
            size / 1e6
        ));
    }
}

/// A file read (`json`: its first look), with the demo's spec text when it
/// is the demo.
fn on_inspected(json: &str, demo_spec: &str) {
    let inspection: Inspection = match serde_json::from_str(json) {
        Ok(i) => i,
        Err(e) => return status_error(&e.to_string()),
    };
    let spec = with_app(|app| {
        if app.is_demo && !demo_spec.is_empty() {
            app.spec = Spec::from_json(demo_spec, demo::DEMO_SPEC_NAME).ok();
        }
        let spec = match app.spec.take() {
            Some(mut spec) => {
                spec.csv = Some(inspection.file_name.clone());
                spec
            }
            None => suggest_spec(&inspection),
        };
        app.spec = Some(spec.clone());
        app.inspection = Some(inspection.clone());
        spec
    });
    let Some(spec) = spec else { return };
    render_setup(&inspection, &spec);
    request_analysis();
}

fn render_setup(inspection: &Inspection, spec: &Spec) {
    set_html("preview", &views::preview(inspection, spec));
    set_html("choose", &views::choose(inspection, spec));
    set_html("settings", &views::settings(spec));
    for id in ["preview", "choose", "settings"] {
        show(id, true);
    }
    // a new file opens the choices; the demo starts with them folded
    let is_demo = with_app(|app| app.is_demo).unwrap_or(true);
    if let Some(setup) = by_id("setup") {
        if is_demo {
            let _ = setup.remove_attribute("open");
        } else {
            let _ = setup.set_attribute("open", "");
        }
    }
}

fn on_report(json: &str) {
    let report: Rendered = match serde_json::from_str(json) {
        Ok(r) => r,
        Err(e) => return status_error(&e.to_string()),
    };
    let summary = report.summary.clone();
    with_app(|app| app.report = Some(report));
    render_results();
    status(&summary, false);
}

fn on_redrawn(json: &str) {
    let redrawn: Redrawn = match serde_json::from_str(json) {
        Ok(r) => r,
        Err(e) => return status_error(&e.to_string()),
    };
    let summary = with_app(|app| {
        app.report.as_mut().map(|r| {
            r.results_html = redrawn.results_html;
            r.figures = redrawn.figures;
            r.summary.clone()
        })
    })
    .flatten();
    render_results();
    status(&summary.unwrap_or_default(), false);
}

fn render_results() {
    let html = with_app(|app| app.report.as_ref().map(|r| r.results_html.clone())).flatten();
    if let Some(html) = html {
        set_html("results", &html);
        show("results", true);
    }
}

fn data_attr(e: &Element, name: &str) -> String {
    e.get_attribute(name).unwrap_or_default()
}

fn on_click(event: Event) {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let Ok(Some(button)) = target.closest("[data-action]") else {
        return;
    };
    let action = data_attr(&button, "data-action");
    let column = data_attr(&button, "data-column");
    let index: usize = data_attr(&button, "data-index").parse().unwrap_or(0);
    match action.as_str() {
        "demo" => load_demo(),
        "var-up" | "var-down" => edit_spec(|spec| {
            if let Some(k) = spec.variables.iter().position(|v| v.name == column) {
                let j = if action == "var-up" {
                    k.checked_sub(1)
                } else {
                    Some(k + 1).filter(|&j| j < spec.variables.len())
                };
                if let Some(j) = j {
                    spec.variables.swap(k, j);
                }
            }
        }),
        "var-another" => {
            let kind = with_app(|app| {
                let spec = app.spec.as_ref()?;
                let v = spec.variables.iter().find(|v| v.name == column)?;
                let source = v.data_column().to_string();
                let kind = app
                    .inspection
                    .as_ref()?
                    .columns
                    .iter()
                    .find(|c| c.name == source)
                    .map(|c| c.kind);
                Some((source, kind))
            })
            .flatten();
            if let Some((source, kind)) = kind {
                edit_spec(|spec| {
                    let name = (2..)
                        .map(|k| format!("{source} ({k})"))
                        .find(|n| spec.variables.iter().all(|v| v.name != *n))
                        .unwrap_or_default();
                    let at = spec
                        .variables
                        .iter()
                        .position(|v| v.name == column)
                        .map_or(spec.variables.len(), |k| k + 1);
                    spec.variables.insert(
                        at,
                        VariableSpec {
                            name,
                            column: Some(source),
                            kind,
                            ..VariableSpec::default()
                        },
                    );
                });
            }
        }
        "endpoint-add" => {
            let inspection = with_app(|app| app.inspection.clone()).flatten();
            edit_spec(|spec| {
                let first = |f: &dyn Fn(&insitu_core::inspect::ColumnInfo) -> bool| {
                    inspection
                        .as_ref()
                        .and_then(|i| i.columns.iter().find(|c| f(c)))
                        .map(|c| c.name.clone())
                        .unwrap_or_default()
                };
                spec.endpoints.push(EndpointSpec {
                    name: format!("Endpoint {}", spec.endpoints.len() + 1),
                    time: first(&|c| c.kind == VariableKind::Continuous && !c.binary_01),
                    event: first(&|c| c.binary_01),
                    time_unit: "months".to_string(),
                    ..EndpointSpec::default()
                });
            })
        }
        "comp-add" | "comp-remove" => {
            let j: usize = data_attr(&button, "data-component").parse().unwrap_or(0);
            edit_spec(|spec| {
                let Some(e) = spec.endpoints.get_mut(index) else {
                    return;
                };
                let dates = views::endpoint_mode(e) == "first-dates";
                if action == "comp-add" {
                    e.components.push(component(
                        &format!("event {}", e.components.len() + 1),
                        dates,
                    ));
                } else if e.components.len() > 1 && j < e.components.len() {
                    // the last one stays: without events the form would change
                    e.components.remove(j);
                }
            })
        }
        "endpoint-remove" => edit_spec(|spec| {
            if index < spec.endpoints.len() {
                spec.endpoints.remove(index);
            }
        }),
        "export-table1-csv" => export_text(|r| r.table1_csv.clone(), "table1.csv", "text/csv"),
        "export-table1-md" => {
            export_text(|r| r.table1_markdown.clone(), "table1.md", "text/markdown")
        }
        "export-table1-html" => export_text(|r| r.html_page.clone(), "table1.html", "text/html"),
        "export-json" => export_text(|r| r.report_json.clone(), "report.json", "application/json"),
        "export-table1-docx" => request_docx(),
        "mc-prepare" => request_summary(),
        "mc-save" => save_summary(),
        "export-spec" => export_spec(),
        "copy-word" => copy_for_word(),
        "export-svg" => export_text(
            |r| r.figures.get(index).cloned().unwrap_or_default(),
            &format!("km-{}.svg", endpoint_stem(index)),
            "image/svg+xml",
        ),
        "export-png" => export_png(index),
        _ => {}
    }
}

fn endpoint_stem(index: usize) -> String {
    with_app(|app| {
        app.report
            .as_ref()
            .and_then(|r| r.endpoint_stems.get(index).cloned())
    })
    .flatten()
    .unwrap_or_else(|| format!("endpoint{}", index + 1))
}

fn stem() -> String {
    with_app(|app| {
        app.file_name
            .rsplit_once('.')
            .map_or(app.file_name.clone(), |(s, _)| s.to_string())
    })
    .unwrap_or_else(|| "insitu".to_string())
}

fn export_text(make: impl FnOnce(&Rendered) -> String, suffix: &str, mime: &str) {
    save_text(
        with_app(|app| app.report.as_ref().map(make)).flatten(),
        suffix,
        mime,
    );
}

/// The body of [`export_text`], compiled once.
#[inline(never)]
fn save_text(text: Option<String>, suffix: &str, mime: &str) {
    let Some(text) = text else { return };
    let name = format!("{}.{suffix}", stem());
    let result = dom::text_blob(&text, &format!("{mime};charset=utf-8"))
        .and_then(|b| dom::download(&b, &name));
    match result {
        Ok(()) => status(&format!("Saved {name} (made in this browser)."), false),
        Err(e) => status_error(&format!("could not save {name}: {e:?}")),
    }
}

/// Asks the worker for Table 1 as .docx (made by the extras module, which
/// it loads on first use).
fn request_docx() {
    if with_app(|app| app.report.is_none()).unwrap_or(true) {
        return;
    }
    status("Making the Word document…", true);
    post(&message("docx"));
}

fn on_docx(data: &JsValue) {
    let bytes = Reflect::get(data, &"bytes".into())
        .ok()
        .and_then(|b| b.dyn_into::<Uint8Array>().ok())
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let name = format!("{}.table1.docx", stem());
    let mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    match dom::bytes_blob(&bytes, mime).and_then(|b| dom::download(&b, &name)) {
        Ok(()) => status(&format!("Saved {name} (made in this browser)."), false),
        Err(e) => status_error(&format!("could not save {name}: {e:?}")),
    }
}

fn input_value(id: &str) -> String {
    by_id(id).map(|e| value_of(&e)).unwrap_or_default()
}

/// Asks the worker (extras module) for this centre's summary of the data
/// and spec in use, to show its audit before anything is saved.
fn request_summary() {
    let spec = with_app(|app| {
        app.summary = None;
        app.spec.clone()
    })
    .flatten();
    show("mc-audit-box", false);
    let Some(spec) = spec else {
        return status_error("open a data file and choose the analysis first");
    };
    let number = |id: &str, default: f64| {
        let text = input_value(id).trim().replace(',', ".");
        if text.is_empty() {
            default
        } else {
            text.parse::<f64>().unwrap_or(f64::NAN)
        }
    };
    let min_cell = number("mc-min-cell", 5.0);
    if !(min_cell.is_finite() && min_cell >= 0.0) {
        return status_error("the smallest cell must be a whole number (at least 3)");
    }
    let choices = serde_json::json!({
        "centre": input_value("mc-centre"),
        "min_cell": min_cell.round() as u64,
        "small_cells": input_value("mc-small-cells"),
        "time_step": number("mc-grid", 1.0),
        "bin_width": number("mc-bin", 1.0),
    });
    match serde_json::to_string(&spec).map(|json| insitu_core::render::pretty_json(&json)) {
        Ok(json) => {
            status("Preparing the summary…", true);
            let m = message("aggregate");
            let _ = Reflect::set(&m, &"spec".into(), &json.into());
            let _ = Reflect::set(&m, &"choices".into(), &choices.to_string().into());
            post(&m);
        }
        Err(e) => status_error(&e.to_string()),
    }
}

fn on_summary(json: &str) {
    let value: serde_json::Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return status_error(&e.to_string()),
    };
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_string();
    let (name, file, audit) = (text("file_name"), text("json"), text("audit"));
    if let Some(pre) = by_id("mc-audit") {
        pre.set_text_content(Some(&audit));
    }
    show("mc-audit-box", true);
    with_app(|app| app.summary = Some((name.clone(), file)));
    status(
        &format!("Summary ready: read what it holds below, then save {name}."),
        false,
    );
}

fn save_summary() {
    let Some((name, json)) = with_app(|app| app.summary.clone()).flatten() else {
        return;
    };
    match dom::text_blob(&json, "application/json").and_then(|b| dom::download(&b, &name)) {
        Ok(()) => status(
            &format!("Saved {name}: send this file (not the data) to the coordinating centre."),
            false,
        ),
        Err(e) => status_error(&format!("could not save {name}: {e:?}")),
    }
}

/// Reads the chosen summary files and asks the worker to merge them.
fn merge_files(files: web_sys::FileList) {
    let files: Vec<File> = (0..files.length()).filter_map(|k| files.get(k)).collect();
    if files.is_empty() {
        return;
    }
    status(&format!("Merging {} summaries…", files.len()), true);
    let texts = js_sys::Array::new();
    for file in &files {
        texts.push(&file.text());
    }
    let names: Vec<String> = files.iter().map(File::name).collect();
    then_once(
        js_sys::Promise::all(&texts).into(),
        move |texts: JsValue| {
            let texts = js_sys::Array::from(&texts);
            let pairs: Vec<(String, String)> = names
                .into_iter()
                .zip(texts.iter().map(|t| t.as_string().unwrap_or_default()))
                .collect();
            let by_centre = by_id("mc-by-centre").is_some_and(|e| checked(&e));
            let figures = with_app(|app| app.figures).unwrap_or_default();
            let m = message("merge");
            let _ = Reflect::set(
                &m,
                &"files".into(),
                &serde_json::to_string(&pairs).unwrap_or_default().into(),
            );
            let _ = Reflect::set(&m, &"byCentre".into(), &by_centre.into());
            let _ = Reflect::set(
                &m,
                &"figures".into(),
                &serde_json::to_string(&figures).unwrap_or_default().into(),
            );
            with_app(|app| app.file_name = "merged".to_string());
            post(&m);
        },
        report_failure("could not read the summary files"),
    );
}

fn export_spec() {
    let spec = with_app(|app| app.spec.as_ref().map(complete)).flatten();
    let Some(spec) = spec else { return };
    match serde_json::to_string(&spec).map(|json| insitu_core::render::pretty_json(&json)) {
        Ok(json) => {
            let name = format!("{}.spec.json", stem());
            match dom::text_blob(&json, "application/json").and_then(|b| dom::download(&b, &name)) {
                Ok(()) => status(
                    &format!(
                        "Saved {name}: run it with `insitu analyze {name}` next to the data file."
                    ),
                    false,
                ),
                Err(e) => status_error(&format!("could not save the spec: {e:?}")),
            }
        }
        Err(e) => status_error(&e.to_string()),
    }
}

/// Puts Table 1 on the clipboard as HTML (Word pastes it as a table with
/// its rules) and as comma-separated text. The copy goes through the
/// `copy` event's `clipboardData`, which stores the HTML as given; the
/// asynchronous Clipboard API would re-parse it inside this page, where the
/// Content-Security-Policy forbids its inline styles.
fn copy_for_word() {
    let content = with_app(|app| {
        app.report
            .as_ref()
            .map(|r| (r.word_html.clone(), r.table1_csv.clone()))
    })
    .flatten();
    let Some(content) = content else { return };
    PENDING_COPY.with(|c| *c.borrow_mut() = Some(content));
    let copied = dom::document()
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false);
    if !copied {
        PENDING_COPY.with(|c| *c.borrow_mut() = None);
        status_error("the browser refused to copy; use the HTML export and open it in Word");
    }
}

fn on_copy(event: web_sys::ClipboardEvent) {
    let Some((html, text)) = PENDING_COPY.with(|c| c.borrow_mut().take()) else {
        return; // an ordinary copy of a selection
    };
    if let Some(data) = event.clipboard_data() {
        event.prevent_default();
        let ok =
            data.set_data("text/html", &html).is_ok() && data.set_data("text/plain", &text).is_ok();
        if ok {
            status("Table 1 copied: paste it into Word as a table.", false);
        } else {
            status_error("the browser refused to copy; use the HTML export");
        }
    }
}

/// Draws the figure's SVG on a canvas at 300 dpi and saves it as PNG with
/// the resolution recorded in the file.
fn export_png(index: usize) {
    let made = with_app(|app| {
        app.report
            .as_ref()
            .and_then(|r| r.figures.get(index).cloned())
    })
    .flatten();
    let Some(svg) = made else { return };
    let name = format!("{}.km-{}.png", stem(), endpoint_stem(index));
    let result = (|| -> Result<(), JsValue> {
        let blob = dom::text_blob(&svg, "image/svg+xml")?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)?;
        let image = HtmlImageElement::new()?;
        let img = image.clone();
        let url_done = url.clone();
        let on_load = Closure::once_into_js(move || {
            let scale = PNG_DPI / 96.0;
            let drawn = (|| -> Result<(), JsValue> {
                let canvas: HtmlCanvasElement =
                    dom::document().create_element("canvas")?.dyn_into()?;
                let (w, h) = (img.natural_width() as f64, img.natural_height() as f64);
                canvas.set_width((w * scale).round() as u32);
                canvas.set_height((h * scale).round() as u32);
                let context: web_sys::CanvasRenderingContext2d = canvas
                    .get_context("2d")?
                    .ok_or("no 2d canvas")?
                    .dyn_into()?;
                context.scale(scale, scale)?;
                context.set_fill_style_str("#fff");
                context.fill_rect(0.0, 0.0, w, h);
                context.draw_image_with_html_image_element(&img, 0.0, 0.0)?;
                let name = name.clone();
                let on_blob = Closure::once_into_js(move |blob: JsValue| {
                    let Ok(blob) = blob.dyn_into::<web_sys::Blob>() else {
                        return status_error("the browser could not make the PNG");
                    };
                    let on_bytes = move |buffer: JsValue| {
                        let bytes = Uint8Array::new(&buffer).to_vec();
                        let png = render::png_with_dpi(&bytes, PNG_DPI);
                        match dom::bytes_blob(&png, "image/png")
                            .and_then(|b| dom::download(&b, &name))
                        {
                            Ok(()) => status(&format!("Saved {name} (300 dpi)."), false),
                            Err(e) => status_error(&format!("could not save the PNG: {e:?}")),
                        }
                    };
                    then_once(
                        blob.array_buffer().into(),
                        on_bytes,
                        report_failure("could not read the PNG"),
                    );
                });
                canvas.to_blob(on_blob.unchecked_ref())?;
                Ok(())
            })();
            let _ = web_sys::Url::revoke_object_url(&url_done);
            if let Err(e) = drawn {
                status_error(&format!("could not draw the figure: {e:?}"));
            }
        });
        image.set_onload(Some(on_load.unchecked_ref()));
        image.set_src(&url);
        Ok(())
    })();
    if let Err(e) = result {
        status_error(&format!("could not make the PNG: {e:?}"));
    }
}

thread_local! {
    /// True while `edit_spec` replaces the panels: a `change` the browser
    /// sends then comes from the input being removed, whose edit is the
    /// one being applied.
    static RERENDERING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Applies `f` to the spec, re-renders the choices and re-runs the analysis.
fn edit_spec(f: impl FnOnce(&mut Spec)) {
    let mut f = Some(f);
    edit_spec_with(&mut |spec| {
        if let Some(f) = f.take() {
            f(spec);
        }
    });
}

/// The body of [`edit_spec`], compiled once (not once per kind of edit).
#[inline(never)]
fn edit_spec_with(f: &mut dyn FnMut(&mut Spec)) {
    let state = with_app(|app| {
        if let Some(spec) = app.spec.as_mut() {
            f(spec);
        }
        (app.inspection.clone(), app.spec.clone())
    });
    if let Some((Some(inspection), Some(spec))) = state {
        RERENDERING.with(|r| r.set(true));
        dom::set_html_keeping_open("choose", &views::choose(&inspection, &spec));
        set_html("settings", &views::settings(&spec));
        RERENDERING.with(|r| r.set(false));
        request_analysis();
    }
}

/// `a, b, c` → the items (levels, cut points).
fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One value as a JSON string, several (`a, b`) as an array.
fn values_json(text: &str) -> serde_json::Value {
    let items = split_list(text);
    match items.len() {
        0 => serde_json::Value::Null,
        1 => serde_json::Value::String(items[0].clone()),
        _ => items.into_iter().map(serde_json::Value::String).collect(),
    }
}

/// Applies a row option from the page (`field` = the control's
/// `data-field`) to a Table 1 row; `column_kind` is the kind of its data
/// column as read.
fn edit_row(v: &mut VariableSpec, field: &str, value: &str, column_kind: Option<VariableKind>) {
    let list = split_list(value);
    match field {
        "var-display" => v.display = parse_enum(value),
        "var-decimals" => v.decimals = value.trim().parse().ok().filter(|&d| d <= 6),
        "var-levels" => v.levels = (!list.is_empty()).then_some(list),
        "var-show" => v.show_levels = (!list.is_empty()).then_some(list),
        "var-merge" => {
            // "New = a, b; Other = c"
            // inserted one by one (a repeated name: the last wins, as
            // `collect` does), without `collect`'s stable sort
            let mut merged = std::collections::BTreeMap::new();
            for part in value.split(';') {
                if let Some((new, old)) = part.split_once('=') {
                    let old = split_list(old);
                    let new = new.trim();
                    if !new.is_empty() && !old.is_empty() {
                        merged.insert(new.to_string(), old);
                    }
                }
            }
            v.merge_levels = (!merged.is_empty()).then_some(merged);
        }
        "var-bin" => {
            let breaks: Vec<f64> = list
                .iter()
                .filter_map(|b| b.parse().ok())
                .filter(|b: &f64| b.is_finite())
                .collect();
            if breaks.is_empty() {
                v.bin = None;
                v.kind = column_kind;
            } else {
                v.bin = Some(Bin {
                    breaks,
                    labels: None,
                });
                v.kind = Some(VariableKind::Categorical);
                v.levels = None;
                v.merge_levels = None;
            }
            v.display = None;
        }
        "var-where-column" => {
            v.subset = match (value.is_empty(), v.subset.take()) {
                (true, _) => None,
                (false, Some(mut c)) => {
                    c.column = value.to_string();
                    Some(c)
                }
                (false, None) => Some(Condition {
                    column: value.to_string(),
                    equals: serde_json::Value::Null,
                }),
            }
        }
        _ => {
            if let Some(c) = v.subset.as_mut() {
                c.equals = values_json(value);
            }
        }
    }
    if v.display == Some(Display::Ratio) && v.kind == Some(VariableKind::Continuous) {
        v.display = None;
    }
}

fn split_codes(text: &str) -> Vec<String> {
    text.split([' ', ',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_enum<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    if value.is_empty() {
        None
    } else {
        serde_json::from_value(serde_json::Value::String(value.to_string())).ok()
    }
}

fn on_change(event: Event) {
    if RERENDERING.with(|r| r.get()) {
        return;
    }
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let id = target.id();
    if id == "mc-files" {
        if let Some(files) = target.dyn_ref::<HtmlInputElement>().and_then(|i| i.files()) {
            merge_files(files);
        }
        if let Some(i) = target.dyn_ref::<HtmlInputElement>() {
            i.set_value("");
        }
        return;
    }
    if id == "data-file" || id == "spec-file" {
        let file = target
            .dyn_ref::<HtmlInputElement>()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file {
            if id == "data-file" {
                load_file(file);
            } else {
                load_spec_file(file);
            }
        }
        if let Some(i) = target.dyn_ref::<HtmlInputElement>() {
            i.set_value(""); // choosing the same file again reloads it
        }
        return;
    }
    let field = data_attr(&target, "data-field");
    let value = value_of(&target);
    let column = data_attr(&target, "data-column");
    let index: usize = data_attr(&target, "data-index").parse().unwrap_or(0);
    match field.as_str() {
        "delimiter" | "decimal_mark" | "missing_codes" | "encoding" | "sheet" => {
            with_app(|app| {
                if let Some(spec) = app.spec.as_mut() {
                    match field.as_str() {
                        "delimiter" => {
                            spec.options.delimiter = match value.as_str() {
                                "" => None,
                                "tab" => Some('\t'),
                                v => v.chars().next(),
                            }
                        }
                        "decimal_mark" => spec.options.decimal_mark = parse_enum(&value),
                        "encoding" => spec.options.encoding = parse_enum(&value),
                        "sheet" => spec.options.sheet = parse_sheet(&value),
                        _ => spec.options.missing_codes = split_codes(&value),
                    }
                }
            });
            reload_with_spec_options();
        }
        "toggle-ci" | "toggle-censor" | "toggle-risk" => {
            let on = checked(&target);
            let figures = with_app(|app| {
                match field.as_str() {
                    "toggle-ci" => app.figures.ci_bands = on,
                    "toggle-censor" => app.figures.censor_marks = on,
                    _ => app.figures.risk_table = on,
                }
                app.figures
            });
            if let Some(figures) = figures {
                let m = message("render");
                let json = serde_json::to_string(&figures).unwrap_or_default();
                let _ = Reflect::set(&m, &"figures".into(), &json.into());
                post(&m);
            }
        }
        "group" => edit_spec(|spec| {
            spec.group.column = value;
            spec.group.levels = None;
            spec.variables.retain(|v| v.name != spec.group.column);
        }),
        "var-include" => {
            let include = checked(&target);
            let kind = with_app(|app| {
                app.inspection
                    .as_ref()
                    .and_then(|i| i.columns.iter().find(|c| c.name == column))
                    .map(|c| c.kind)
            })
            .flatten();
            edit_spec(|spec| {
                spec.variables.retain(|v| v.name != column);
                if include {
                    spec.variables.push(VariableSpec {
                        name: column,
                        kind,
                        ..VariableSpec::default()
                    });
                }
            })
        }
        "var-kind" => edit_spec(|spec| {
            if let Some(v) = spec.variables.iter_mut().find(|v| v.name == column) {
                v.kind = parse_enum(&value);
                if v.kind == Some(VariableKind::Continuous) {
                    // what only categories have goes, or the row would stay
                    // categories (a cut) while the page says numbers
                    v.levels = None;
                    v.bin = None;
                    v.merge_levels = None;
                    v.show_levels = None;
                    v.display = None;
                } else if matches!(v.display, Some(Display::MeanSd | Display::MedianIqrMeanSd)) {
                    v.display = None;
                }
            }
        }),
        "var-label" => edit_spec(|spec| {
            if let Some(v) = spec.variables.iter_mut().find(|v| v.name == column) {
                v.label = Some(value).filter(|l| !l.trim().is_empty() && *l != column);
            }
        }),
        "var-display" | "var-decimals" | "var-levels" | "var-show" | "var-merge" | "var-bin"
        | "var-where-column" | "var-where-value" => {
            let column_kind = with_app(|app| {
                let spec = app.spec.as_ref()?;
                let source = spec
                    .variables
                    .iter()
                    .find(|v| v.name == column)?
                    .data_column();
                app.inspection
                    .as_ref()?
                    .columns
                    .iter()
                    .find(|c| c.name == source)
                    .map(|c| c.kind)
            })
            .flatten();
            edit_spec(|spec| {
                if let Some(v) = spec.variables.iter_mut().find(|v| v.name == column) {
                    edit_row(v, &field, &value, column_kind);
                }
            })
        }
        "t1-overall" | "t1-missing" | "t1-smd" | "t1-p-style" | "t1-caption" => {
            let on = checked(&target);
            edit_spec(|spec| {
                let t = spec.table1.get_or_insert_with(Default::default);
                match field.as_str() {
                    "t1-overall" => t.overall_column = on,
                    "t1-missing" => t.missing_row = on,
                    "t1-smd" => t.smd = on,
                    "t1-p-style" => t.p_style = parse_enum(&value).unwrap_or_default(),
                    _ => t.caption = Some(value.trim().to_string()).filter(|c| !c.is_empty()),
                }
                if *t == Default::default() {
                    spec.table1 = None;
                }
            })
        }
        "filter-column" | "filter-value" => edit_spec(|spec| {
            if spec.filter.is_empty() {
                spec.filter.push(Condition {
                    column: String::new(),
                    equals: serde_json::Value::Null,
                });
            }
            if field == "filter-column" {
                spec.filter[0].column = value;
            } else {
                spec.filter[0].equals = values_json(&value);
            }
            if spec.filter[0].column.is_empty() {
                spec.filter.remove(0);
            }
        }),
        "ep-mode" => edit_spec(|spec| {
            if let Some(e) = spec.endpoints.get_mut(index) {
                set_endpoint_mode(e, &value);
            }
        }),
        "ep-start" | "ep-end" | "ep-event-date" | "ep-last" | "ep-date-format" => {
            edit_spec(|spec| {
                let Some(e) = spec.endpoints.get_mut(index) else {
                    return;
                };
                // "" stays Some: the endpoint keeps its form until complete
                match field.as_str() {
                    "ep-start" => e.start_date = Some(value),
                    "ep-end" => e.end_date = Some(value),
                    "ep-event-date" => e.event_date = Some(value),
                    "ep-last" => e.last_followup_date = Some(value),
                    _ => e.date_format = parse_enum(&value),
                }
            })
        }
        "comp-name" | "comp-date" | "comp-time" | "comp-event" => {
            let j: usize = data_attr(&target, "data-component").parse().unwrap_or(0);
            edit_spec(|spec| {
                let Some(c) = spec
                    .endpoints
                    .get_mut(index)
                    .and_then(|e| e.components.get_mut(j))
                else {
                    return;
                };
                match field.as_str() {
                    "comp-name" => c.name = value,
                    "comp-date" => c.date = Some(value),
                    "comp-time" => c.time = Some(value),
                    _ => c.event = Some(value),
                }
            })
        }
        "ep-name" | "ep-time" | "ep-event" | "ep-unit" | "ep-landmarks" | "ep-risk-by" => {
            edit_spec(|spec| {
                let Some(e) = spec.endpoints.get_mut(index) else {
                    return;
                };
                match field.as_str() {
                    "ep-name" => e.name = value,
                    "ep-time" => e.time = value,
                    "ep-event" => e.event = value,
                    "ep-unit" => e.time_unit = value,
                    "ep-landmarks" => {
                        let times: Vec<f64> = split_codes(&value.replace(", ", " "))
                            .iter()
                            .filter_map(|t| t.replace(',', ".").parse().ok())
                            .filter(|t: &f64| t.is_finite() && *t > 0.0)
                            .collect();
                        e.landmark_labels = None;
                        e.landmark_times = (!times.is_empty()).then_some(times);
                    }
                    _ => {
                        e.risk_table_by = value
                            .trim()
                            .replace(',', ".")
                            .parse()
                            .ok()
                            .filter(|b: &f64| b.is_finite() && *b > 0.0)
                    }
                }
            })
        }
        "preset" => edit_spec(|spec| {
            spec.options.preset = parse_enum(&value).unwrap_or(Preset::R);
            spec.options.quantile_type = None;
            spec.options.wilcoxon = None;
            spec.options.km_ci = None;
            spec.options.cox_ties = None;
            spec.options.categorical_test = None;
            spec.options.continuous_test = None;
        }),
        "quantile_type" => edit_spec(|spec| spec.options.quantile_type = parse_enum(&value)),
        "wilcoxon" => edit_spec(|spec| spec.options.wilcoxon = parse_enum(&value)),
        "km_ci" => edit_spec(|spec| spec.options.km_ci = parse_enum(&value)),
        "cox_ties" => edit_spec(|spec| spec.options.cox_ties = parse_enum(&value)),
        "categorical_test" => edit_spec(|spec| spec.options.categorical_test = parse_enum(&value)),
        "continuous_test" => edit_spec(|spec| spec.options.continuous_test = parse_enum(&value)),
        "event_codes" | "censored_codes" => edit_spec(|spec| {
            let mut codes = spec.options.event_codes.clone().unwrap_or_default();
            let list = split_codes(&value);
            if field == "event_codes" {
                codes.event = list;
            } else {
                codes.censored = list;
            }
            spec.options.event_codes = (codes != EventCodes::default()).then_some(codes);
        }),
        _ => {}
    }
}
