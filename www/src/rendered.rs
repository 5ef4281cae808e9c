//! What the worker sends the page after an analysis: text only.
//!
//! The report stays in the worker. The page keeps the rendered pieces (the
//! results section, each export, each figure) as strings and asks the
//! worker again when a figure option changes. Reading the report back into
//! Rust data in the page would put the deserialiser of the whole report
//! model into the module every visitor downloads (about 14 KB gzip of the
//! 300 KB budget, measured).

use insitu_core::render::{self, SvgOptions};
use insitu_core::Report;
use serde::{Deserialize, Serialize};

use crate::views;

/// The figure options the page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Shaded 95% confidence bands.
    pub ci_bands: bool,
    /// Censoring marks.
    pub censor_marks: bool,
    /// Number-at-risk table.
    pub risk_table: bool,
}

impl Default for Figures {
    fn default() -> Figures {
        let svg = SvgOptions::default();
        Figures {
            ci_bands: svg.ci_bands,
            censor_marks: svg.censor_marks,
            risk_table: svg.risk_table,
        }
    }
}

impl Figures {
    fn svg_options(self) -> SvgOptions {
        SvgOptions {
            ci_bands: self.ci_bands,
            censor_marks: self.censor_marks,
            risk_table: self.risk_table,
            ..SvgOptions::default()
        }
    }
}

/// One analysis, rendered.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Rendered {
    /// The full report (the JSON export), as the CLI writes it.
    pub report_json: String,
    /// The page's results section.
    pub results_html: String,
    /// Table 1 as CSV.
    pub table1_csv: String,
    /// Table 1 as Markdown.
    pub table1_markdown: String,
    /// The stand-alone HTML report.
    pub html_page: String,
    /// Table 1 as HTML with inline styles, for the clipboard (Word).
    pub word_html: String,
    /// One Kaplan–Meier figure (SVG) per endpoint, with the figure options.
    pub figures: Vec<String>,
    /// File-name stems of the endpoints.
    pub endpoint_stems: Vec<String>,
    /// The status line.
    pub summary: String,
}

/// What a changed figure option redraws: the results section and the
/// figures (the exports of Table 1 and the report stay as they were).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Redrawn {
    /// The page's results section.
    pub results_html: String,
    /// One Kaplan–Meier figure (SVG) per endpoint.
    pub figures: Vec<String>,
}

/// The results section and the figures with `figures`' options.
pub fn redraw(report: &Report, figures: Figures) -> Redrawn {
    let svg = figures.svg_options();
    let svgs: Vec<String> = (0..report.survival.len())
        .map(|k| render::km_svg(report, k, &svg))
        .collect();
    Redrawn {
        results_html: views::results(report, &svgs, figures),
        figures: svgs,
    }
}

/// Renders everything the page shows or saves.
pub fn render(report: &Report, figures: Figures) -> Rendered {
    let Redrawn {
        results_html,
        figures,
    } = redraw(report, figures);
    Rendered {
        report_json: render::json(report),
        results_html,
        table1_csv: render::csv(&report.table1),
        table1_markdown: render::markdown(&report.table1),
        html_page: render::html_page(report),
        word_html: render::word_html(&report.table1),
        endpoint_stems: report
            .survival
            .iter()
            .enumerate()
            .map(|(k, s)| render::file_stem(&s.endpoint, k))
            .collect(),
        figures,
        summary: format!(
            "Analysed {} rows: {} groups, {} Table 1 rows, {} endpoint(s). Nothing left this computer.",
            report.n_rows,
            report.groups.len(),
            report.categorical.len() + report.continuous.len(),
            report.survival.len()
        ),
    }
}
