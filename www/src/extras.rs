//! The extras module's own functions (built with the `extras` feature; the
//! worker imports the module only when they are needed): Table 1 as Word,
//! a centre's aggregate summary with its audit, and the merge of centre
//! summaries. Spreadsheets need nothing here: `worker_load` reads them
//! through `read_any` once the core's `office` feature is on.

use std::cell::RefCell;
use std::collections::BTreeMap;

use insitu_core::multicentre::{
    self, html, AggregateFile, AggregateOptions, MergeOptions, MergedReport, SmallCells,
};
use insitu_core::render;
use insitu_core::Spec;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::rendered::Rendered;
use crate::worker::{error, figures, rendered, REPORT, TABLE};

thread_local! {
    /// The last merge (its report is also in `REPORT`, for the figures).
    static MERGED: RefCell<Option<MergedReport>> = const { RefCell::new(None) };
}

/// Table 1 of a report (JSON, from `worker_report_json` of whichever
/// module analysed) as a Word document.
#[wasm_bindgen]
pub fn worker_table1_docx(report: &str) -> Result<Vec<u8>, JsError> {
    /// Only Table 1 is read back.
    #[derive(Deserialize)]
    struct Table1Only {
        table1: insitu_core::table1::Table1,
    }
    let report: Table1Only = serde_json::from_str(report).map_err(error)?;
    render::table1_docx(&report.table1).map_err(|e| JsError::new(&e))
}

/// The page's choices for a centre's summary (`insitu aggregate`'s flags).
#[derive(Debug, Deserialize)]
struct SummaryChoices {
    centre: String,
    min_cell: u64,
    small_cells: String,
    time_step: f64,
    bin_width: f64,
}

/// A centre's summary, and in plain words every number in it.
#[derive(Debug, Serialize)]
struct Summary {
    file_name: String,
    json: String,
    audit: String,
}

/// The loaded table aggregated with a spec (JSON) and the page's choices
/// (JSON of `SummaryChoices`): `{file_name, json, audit}` as JSON.
#[wasm_bindgen]
pub fn worker_aggregate(spec: &str, choices: &str) -> Result<String, JsError> {
    let spec = Spec::from_json(spec, "analysis spec").map_err(error)?;
    let choices: SummaryChoices = serde_json::from_str(choices).map_err(error)?;
    let centre = choices.centre.trim();
    if centre.is_empty() {
        return Err(JsError::new(
            "give the centre's name: the coordinating centre sees it beside each count",
        ));
    }
    let small_cells = match choices.small_cells.as_str() {
        "coarsen" => SmallCells::Coarsen,
        "suppress" => SmallCells::Suppress,
        "keep" => SmallCells::Keep,
        other => {
            return Err(JsError::new(&format!(
                "unknown small-cell policy \"{other}\""
            )))
        }
    };
    for (what, x) in [
        ("time grid step", choices.time_step),
        ("bin width", choices.bin_width),
    ] {
        if !(x.is_finite() && x > 0.0) {
            return Err(JsError::new(&format!(
                "the {what} must be a positive number, not {x}"
            )));
        }
    }
    let options = AggregateOptions {
        centre: centre.to_string(),
        min_cell: choices.min_cell,
        small_cells,
        time_step: choices.time_step,
        time_steps: BTreeMap::new(),
        bin_width: choices.bin_width,
        bin_widths: BTreeMap::new(),
    };
    let file = TABLE.with(|t| {
        let table = t.borrow();
        let table = table
            .as_ref()
            .ok_or_else(|| JsError::new("no file is loaded"))?;
        multicentre::aggregate(table, &spec, &options).map_err(error)
    })?;
    let stem: String = centre
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let summary = Summary {
        file_name: format!("{stem}.summary.json"),
        json: file.to_json() + "\n",
        audit: multicentre::audit(&file),
    };
    serde_json::to_string(&summary).map_err(error)
}

/// Merges centre summaries (`[[file name, text], …]` as JSON) into a pooled
/// report; the page's pieces with the figure options, as after an analysis.
#[wasm_bindgen]
pub fn worker_merge(files: &str, by_centre: bool, figure_options: &str) -> Result<String, JsError> {
    let texts: Vec<(String, String)> = serde_json::from_str(files).map_err(error)?;
    if texts.is_empty() {
        return Err(JsError::new(
            "choose the centres' summary files (.json) to merge",
        ));
    }
    let mut files = Vec::with_capacity(texts.len());
    for (name, text) in texts {
        let file = AggregateFile::from_json(&text, &name).map_err(error)?;
        files.push((name, file));
    }
    let merged = multicentre::merge(&files, &MergeOptions { by_centre }).map_err(error)?;
    REPORT.with(|r| *r.borrow_mut() = Some(merged.report.clone()));
    MERGED.with(|m| *m.borrow_mut() = Some(merged));
    rendered(figures(figure_options)?)
}

/// A new analysis replaces the merge.
pub fn forget_merge() {
    MERGED.with(|m| *m.borrow_mut() = None);
}

/// After a merge, the multicentre section joins the results section.
pub fn add_multicentre_section(results_html: &mut String) {
    MERGED.with(|m| {
        if let Some(merged) = m.borrow().as_ref() {
            results_html.push_str(&html::multicentre_html(merged));
        }
    });
}

/// After a merge, the multicentre section joins the results, and the page
/// and JSON exports are the merged report's (as `insitu merge` writes them).
pub fn add_multicentre(pieces: &mut Rendered) {
    add_multicentre_section(&mut pieces.results_html);
    MERGED.with(|m| {
        if let Some(merged) = m.borrow().as_ref() {
            pieces.html_page = html::merged_html_page(merged);
            if let Ok(json) = serde_json::to_string_pretty(merged) {
                pieces.report_json = json;
            }
            pieces.summary = format!(
                "Merged {} centre summaries: {} patients in {} groups. Pooled from counts only; no patient rows were read.",
                merged.multicentre.centres.len(),
                merged.report.n_rows,
                merged.report.groups.len()
            );
        }
    });
}
