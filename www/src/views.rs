//! The page's panels as HTML text. Every user-supplied string goes through
//! `escape`; the numbers and tables come from `insitu_core::render`, so the
//! app's Table 1 is the CLI's, byte for byte.

use insitu_core::ingest::SheetName;
use insitu_core::inspect::Inspection;
use insitu_core::options::Preset;
use insitu_core::render::{self, escape};
use insitu_core::spec::{Spec, VariableKind};
use insitu_core::table1::number;
use insitu_core::Report;

use crate::rendered::Figures;

fn option(value: &str, label: &str, selected: bool) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        escape(value),
        if selected { " selected" } else { "" },
        escape(label)
    )
}

fn select(id: &str, field: &str, options: &[(&str, &str)], current: &str, extra: &str) -> String {
    let mut h = format!(
        "<select id=\"{id}\" data-field=\"{field}\"{extra}>",
        id = escape(id),
        field = escape(field)
    );
    for (value, label) in options {
        h.push_str(&option(value, label, *value == current));
    }
    h.push_str("</select>");
    h
}

/// Whether a file's name is a spreadsheet's (the page offers a sheet
/// choice and a smaller size limit).
pub fn is_spreadsheet_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xlsx", ".xlsm", ".xls", ".ods"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// The detected format with overrides, and the first rows.
pub fn preview(inspection: &Inspection, spec: &Spec) -> String {
    let delimiter = spec
        .options
        .delimiter
        .map(|c| {
            if c == '\t' {
                "tab".to_string()
            } else {
                c.to_string()
            }
        })
        .unwrap_or_default();
    let decimal = spec
        .options
        .decimal_mark
        .map(|d| d.name().to_string())
        .unwrap_or_default();
    let mut h = String::from("<h2>Data preview</h2>\n<div class=\"format\">");
    let encoding = spec
        .options
        .encoding
        .and_then(|e| serde_json::to_value(e).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    h.push_str(&format!(
        "<span class=\"fact\">{} rows × {} columns</span><label>Encoding (read as: <b id=\"detected-encoding\">{}</b>) {}</label>",
        inspection.n_rows,
        inspection.columns.len(),
        escape(&inspection.encoding),
        select(
            "opt-encoding",
            "encoding",
            &[("", "automatic"), ("utf8", "UTF-8"), ("windows1252", "Windows-1252 (Excel, Western Europe)"), ("utf16", "UTF-16")],
            &encoding,
            ""
        )
    ));
    if is_spreadsheet_name(&inspection.file_name) {
        let sheet = match &spec.options.sheet {
            Some(SheetName::Index(k)) => (k + 1).to_string(),
            Some(SheetName::Name(n)) => n.clone(),
            None => String::new(),
        };
        h.push_str(&format!(
            "<label>Sheet (name, or number from 1) <input id=\"opt-sheet\" data-field=\"sheet\" type=\"text\" size=\"10\" placeholder=\"first\" value=\"{}\"></label>",
            escape(&sheet)
        ));
    }
    h.push_str(&format!(
        "<label>Delimiter (detected: <b id=\"detected-delimiter\">{}</b>) {}</label>",
        escape(&inspection.delimiter),
        select(
            "opt-delimiter",
            "delimiter",
            &[
                ("", "as detected"),
                (",", ","),
                (";", ";"),
                ("tab", "tab"),
                ("|", "|")
            ],
            &delimiter,
            ""
        )
    ));
    h.push_str(&format!(
        "<label>Decimal mark (in use: <b id=\"detected-decimal\">{}</b>) {}</label>",
        escape(&inspection.decimal_mark),
        select(
            "opt-decimal",
            "decimal_mark",
            &[
                ("", "automatic"),
                ("point", "point 1.5"),
                ("comma", "comma 1,5")
            ],
            &decimal,
            ""
        )
    ));
    h.push_str(&format!(
        "<label>Missing values: <span class=\"codes\">{}</span> and <input id=\"opt-missing\" data-field=\"missing_codes\" type=\"text\" size=\"12\" placeholder=\"e.g. 999\" value=\"{}\"></label>",
        escape(
            &inspection
                .missing_codes
                .iter()
                .filter(|c| !spec.options.missing_codes.contains(c))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        ),
        escape(&spec.options.missing_codes.join(" "))
    ));
    h.push_str(
        "</div>\n<div class=\"scroll\"><table id=\"preview-table\" class=\"preview\"><thead><tr>",
    );
    for c in &inspection.columns {
        h.push_str(&format!("<th scope=\"col\">{}</th>", escape(&c.name)));
    }
    h.push_str("</tr><tr class=\"kinds\">");
    for c in &inspection.columns {
        let kind = match c.kind {
            VariableKind::Categorical => format!("text · {} values", c.n_distinct),
            VariableKind::Continuous => "number".to_string(),
        };
        let missing = if c.n_missing > 0 {
            format!(" · {} missing", c.n_missing)
        } else {
            String::new()
        };
        h.push_str(&format!("<td>{}{}</td>", kind, missing));
    }
    h.push_str("</tr></thead><tbody>");
    for row in &inspection.preview {
        h.push_str("<tr>");
        for cell in row {
            h.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>\n");
    if !inspection.skipped_empty_lines.is_empty() {
        h.push_str(&format!(
            "<p class=\"note\">{} empty line(s) skipped.</p>",
            inspection.skipped_empty_lines.len()
        ));
    }
    h
}

/// Group, Table 1 rows and endpoints.
pub fn choose(inspection: &Inspection, spec: &Spec) -> String {
    let names: Vec<&str> = inspection.columns.iter().map(|c| c.name.as_str()).collect();
    let column_options = |current: &str| -> String {
        names
            .iter()
            .map(|n| option(n, n, *n == current))
            .collect::<String>()
    };
    let mut h = String::from("<h2>Groups, Table 1 rows and endpoints</h2>\n");
    h.push_str(&format!(
        "<div class=\"field\"><label for=\"group-select\">Groups to compare (column)</label> <select id=\"group-select\" data-field=\"group\">{}</select>",
        column_options(&spec.group.column)
    ));
    if let Some(c) = inspection
        .columns
        .iter()
        .find(|c| c.name == spec.group.column)
    {
        h.push_str(&format!(
            " <span class=\"hint\">values: {}</span>",
            escape(&c.levels.join(", "))
        ));
    }
    h.push_str("</div>\n<h3>Table 1 rows</h3>\n<table id=\"variables\" class=\"choices\"><thead><tr><th>Show</th><th>Column</th><th>Kind</th><th>Label in Table 1</th><th>Order</th></tr></thead><tbody>\n");
    // included rows in spec order, then the other columns
    let mut order: Vec<&str> = spec.variables.iter().map(|v| v.name.as_str()).collect();
    for n in &names {
        if !order.contains(n) && *n != spec.group.column {
            order.push(n);
        }
    }
    for name in order {
        let Some(info) = inspection.columns.iter().find(|c| c.name == name) else {
            continue;
        };
        let chosen = spec.variables.iter().find(|v| v.name == name);
        let kind = chosen.and_then(|v| v.kind).unwrap_or(info.kind);
        let label = chosen
            .and_then(|v| v.label.clone())
            .unwrap_or_else(|| name.to_string());
        let attr = format!(" data-column=\"{}\"", escape(name));
        h.push_str(&format!(
            "<tr{attr}><td><input type=\"checkbox\" data-field=\"var-include\"{attr}{}></td><td>{}</td><td>{}</td><td><input type=\"text\" data-field=\"var-label\"{attr} value=\"{}\"></td><td>{}</td></tr>\n",
            if chosen.is_some() { " checked" } else { "" },
            escape(name),
            select(
                "",
                "var-kind",
                &[("categorical", "categories: n (%)"), ("continuous", "numbers: median (i.q.r.)")],
                match kind {
                    VariableKind::Categorical => "categorical",
                    VariableKind::Continuous => "continuous",
                },
                &attr
            )
            .replace(" id=\"\"", ""),
            escape(&label),
            if chosen.is_some() {
                format!(
                    "<button type=\"button\" data-action=\"var-up\"{attr} aria-label=\"move up\">↑</button><button type=\"button\" data-action=\"var-down\"{attr} aria-label=\"move down\">↓</button>"
                )
            } else {
                String::new()
            }
        ));
    }
    h.push_str("</tbody></table>\n<h3>Survival endpoints</h3>\n<div id=\"endpoints\">\n");
    for (k, e) in spec.endpoints.iter().enumerate() {
        let attr = format!(" data-index=\"{k}\"");
        let landmarks = e
            .landmark_times
            .as_ref()
            .map(|t| t.iter().map(|x| number(*x)).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        h.push_str(&format!(
            "<div class=\"endpoint\"{attr}><label>Name <input type=\"text\" size=\"8\" data-field=\"ep-name\"{attr} value=\"{}\"></label> <label>Time <select data-field=\"ep-time\"{attr}>{}</select></label> <label>Event (1 = event, 0 = censored) <select data-field=\"ep-event\"{attr}>{}</select></label> <label>Unit {}</label> <label>Landmarks <input type=\"text\" size=\"12\" data-field=\"ep-landmarks\"{attr} value=\"{}\" placeholder=\"1, 3, 5 years\"></label> <label>Risk table every <input type=\"text\" size=\"4\" data-field=\"ep-risk-by\"{attr} value=\"{}\" placeholder=\"auto\"></label> <button type=\"button\" class=\"secondary\" data-action=\"endpoint-remove\"{attr}>Remove</button></div>\n",
            escape(&e.name),
            column_options(&e.time),
            column_options(&e.event),
            select(
                "",
                "ep-unit",
                &[("days", "days"), ("weeks", "weeks"), ("months", "months"), ("years", "years")],
                &e.time_unit,
                &attr
            )
            .replace(" id=\"\"", ""),
            escape(&landmarks),
            e.risk_table_by.map(number).unwrap_or_default()
        ));
    }
    h.push_str("</div>\n<button type=\"button\" class=\"secondary\" data-action=\"endpoint-add\">Add endpoint</button>\n");
    h
}

/// One convention select: field, label, choices, current value.
type ConventionRow<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], String);

/// Preset and every convention.
pub fn settings(spec: &Spec) -> String {
    let o = &spec.options;
    let value = |v: Option<String>| v.unwrap_or_default();
    let as_json = |v: serde_json::Result<serde_json::Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let preset = match o.preset {
        Preset::R => "r",
        Preset::Spss => "spss",
        Preset::Sas => "sas",
    };
    let codes = o.event_codes.clone().unwrap_or_default();
    let mut h = String::from("<h2>Conventions</h2>\n<p class=\"hint\">The preset sets the conventions that differ between programs; each can be changed on its own. The footnote under Table 1 states every choice.</p>\n<div class=\"settings-grid\">");
    h.push_str(&format!(
        "<label>Preset {}</label>",
        select(
            "opt-preset",
            "preset",
            &[("r", "R (default)"), ("spss", "SPSS"), ("sas", "SAS")],
            preset,
            ""
        )
    ));
    let rows: [ConventionRow; 6] = [
        (
            "quantile_type",
            "Quartiles",
            &[
                ("", "as preset"),
                ("type7", "R type 7 (R, Excel)"),
                ("type6", "R type 6 (SPSS)"),
                ("type2", "R type 2 (SAS)"),
            ],
            value(o.quantile_type.map(|v| as_json(serde_json::to_value(v)))),
        ),
        (
            "wilcoxon",
            "Mann–Whitney P",
            &[
                ("", "as preset"),
                ("r_default", "as R (exact if possible)"),
                ("normal_cc", "normal, continuity correction"),
                ("normal", "normal, no correction"),
            ],
            value(o.wilcoxon.map(|v| as_json(serde_json::to_value(v)))),
        ),
        (
            "categorical_test",
            "Categorical test",
            &[
                ("", "as preset"),
                ("chisq", "Pearson χ²"),
                ("yates", "χ² with Yates (2×2)"),
                ("fisher", "Fisher exact"),
            ],
            value(o.categorical_test.map(|v| as_json(serde_json::to_value(v)))),
        ),
        (
            "continuous_test",
            "Continuous test",
            &[
                ("", "as preset"),
                ("rank", "Mann–Whitney / Kruskal–Wallis"),
                ("welch", "Welch t / ANOVA"),
                ("student", "Student t / ANOVA"),
            ],
            value(o.continuous_test.map(|v| as_json(serde_json::to_value(v)))),
        ),
        (
            "km_ci",
            "Kaplan–Meier CI",
            &[
                ("", "as preset"),
                ("log", "log (R)"),
                ("log-log", "log-log (SAS)"),
            ],
            value(o.km_ci.map(|v| as_json(serde_json::to_value(v)))),
        ),
        (
            "cox_ties",
            "Cox ties",
            &[
                ("", "as preset"),
                ("efron", "Efron (R)"),
                ("breslow", "Breslow (SAS, SPSS)"),
            ],
            value(o.cox_ties.map(|v| as_json(serde_json::to_value(v)))),
        ),
    ];
    for (field, label, options, current) in rows {
        h.push_str(&format!(
            "<label>{label} {}</label>",
            select(&format!("opt-{field}"), field, options, &current, "")
        ));
    }
    h.push_str(&format!(
        "<label>Event codes <input id=\"opt-event-codes\" data-field=\"event_codes\" type=\"text\" size=\"10\" value=\"{}\"></label><label>Censored codes <input id=\"opt-censored-codes\" data-field=\"censored_codes\" type=\"text\" size=\"10\" value=\"{}\"></label>",
        escape(&codes.event.join(" ")),
        escape(&codes.censored.join(" "))
    ));
    h.push_str("</div>\n");
    h
}

/// Table 1, the survival summary, the figures and the exports.
pub fn results(report: &Report, svgs: &[String], figures: Figures) -> String {
    let mut h = String::from(
        "<h2>Results</h2>\n<div class=\"toolbar\" id=\"exports\"><span>Table 1:</span>",
    );
    for (action, label) in [
        ("export-table1-csv", "CSV"),
        ("export-table1-md", "Markdown"),
        ("export-table1-html", "HTML"),
        ("export-table1-docx", "Word (.docx)"),
        ("copy-word", "Copy for Word"),
    ] {
        h.push_str(&format!(
            "<button type=\"button\" data-action=\"{action}\">{label}</button>"
        ));
    }
    h.push_str("<span>Analysis:</span><button type=\"button\" data-action=\"export-spec\">Save spec</button><button type=\"button\" data-action=\"export-json\">Full report (JSON)</button></div>\n");
    if !report.warnings.is_empty() {
        h.push_str("<ul class=\"warnings\">");
        for w in &report.warnings {
            h.push_str(&format!("<li>{}</li>", escape(w)));
        }
        h.push_str("</ul>\n");
    }
    h.push_str(&render::html_table(&report.table1));
    if !report.survival.is_empty() {
        h.push_str("<h2>Survival</h2>\n<div id=\"survival-summary\">");
        h.push_str(&render::survival_summary_html(report));
        h.push_str("</div>\n<div class=\"toolbar\" id=\"figure-options\"><span>Figures:</span>");
        for (field, label, on) in [
            ("toggle-ci", "95% CI bands", figures.ci_bands),
            ("toggle-censor", "censor marks", figures.censor_marks),
            ("toggle-risk", "number at risk", figures.risk_table),
        ] {
            h.push_str(&format!(
                "<label><input type=\"checkbox\" id=\"{field}\" data-field=\"{field}\"{}> {label}</label>",
                if on { " checked" } else { "" }
            ));
        }
        h.push_str("</div>\n<div id=\"figures\">");
        for (k, s) in report.survival.iter().enumerate() {
            h.push_str(&format!(
                "<figure class=\"km\" data-index=\"{k}\"><div class=\"toolbar\"><span>{}:</span><button type=\"button\" data-action=\"export-svg\" data-index=\"{k}\">SVG</button><button type=\"button\" data-action=\"export-png\" data-index=\"{k}\">PNG 300 dpi</button></div>{}</figure>\n",
                escape(&s.endpoint),
                svgs.get(k).map_or("", String::as_str)
            ));
        }
        h.push_str("</div>\n");
    }
    h
}
