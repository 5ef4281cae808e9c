//! The page's panels as HTML text. Every user-supplied string goes through
//! `escape`; the numbers and tables come from `insitu_core::render`, so the
//! app's Table 1 is the CLI's, byte for byte.

use insitu_core::ingest::SheetName;
use insitu_core::inspect::{ColumnInfo, Inspection};
use insitu_core::options::Preset;
use insitu_core::render::{self, escape};
use insitu_core::spec::{Display, EndpointSpec, PStyle, Spec, VariableKind, VariableSpec};
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
            VariableKind::Categorical => format!(
                "text · {}{} values",
                c.n_distinct,
                if c.distinct_capped { "+" } else { "" }
            ),
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
    h.push_str("</div>\n<h3>Table 1 rows</h3>\n<p class=\"hint\">Each row's <b>Options</b> set how it is shown (n (%), a ratio such as M : F, median (i.q.r.), mean (s.d.), decimals, which levels), which patients it counts (e.g. only those who completed the schedule), and how a column becomes categories (cut points, merged levels). <b>Another row</b> adds a second row from the same column (e.g. age as a median and age ≥ 70 as n (%)).</p>\n<table id=\"variables\" class=\"choices\"><thead><tr><th>Show</th><th>Column</th><th>Kind</th><th>Label in Table 1</th><th>Order</th><th>Options</th></tr></thead><tbody>\n");
    // the spec's rows in order (derived rows too), then the unused columns
    let mut rows: Vec<(&str, &str, Option<&VariableSpec>)> = spec
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.data_column(), Some(v)))
        .collect();
    for n in &names {
        if *n != spec.group.column && !spec.variables.iter().any(|v| v.name == *n) {
            rows.push((n, n, None));
        }
    }
    for (name, column, chosen) in rows {
        let Some(info) = inspection.columns.iter().find(|c| c.name == column) else {
            continue;
        };
        let kind = chosen.and_then(|v| v.kind).unwrap_or(info.kind);
        let label = chosen
            .and_then(|v| v.label.clone())
            .unwrap_or_else(|| name.to_string());
        let attr = format!(" data-column=\"{}\"", escape(name));
        let source = if name == column {
            escape(column)
        } else {
            format!(
                "{} <span class=\"hint\">(another row)</span>",
                escape(column)
            )
        };
        let (order, options) = match chosen {
            Some(v) => (
                format!(
                    "<button type=\"button\" data-action=\"var-up\"{attr} aria-label=\"move up\">↑</button><button type=\"button\" data-action=\"var-down\"{attr} aria-label=\"move down\">↓</button>"
                ),
                row_options(v, kind, info, &names, &attr),
            ),
            None => (String::new(), String::new()),
        };
        h.push_str(&format!(
            "<tr{attr}><td><input type=\"checkbox\" data-field=\"var-include\"{attr}{}></td><td>{source}</td><td>{}</td><td><input type=\"text\" data-field=\"var-label\"{attr} value=\"{}\"></td><td>{order}</td><td>{options}</td></tr>\n",
            if chosen.is_some() { " checked" } else { "" },
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
        let date = |field: &str, label: &str, current: &Option<String>| {
            format!(
                "<label>{label} <select data-field=\"{field}\"{attr}>{}</select></label> ",
                column_choices(names.as_slice(), current.as_deref().unwrap_or(""))
            )
        };
        let mode = endpoint_mode(e);
        h.push_str(&format!(
            "<div class=\"endpoint\"{attr}><label>Name <input type=\"text\" size=\"8\" data-field=\"ep-name\"{attr} value=\"{}\"></label> <label>Times from {}</label> ",
            escape(&e.name),
            select(
                "",
                "ep-mode",
                &[
                    ("time", "a time column"),
                    ("dates-end", "dates: start and end"),
                    ("dates-event", "dates: start, event, last follow-up"),
                    ("first-dates", "first of several events (dates)"),
                    ("first-times", "first of several events (times)"),
                ],
                mode,
                &attr
            )
            .replace(" id=\"\"", "")
        ));
        if mode != "time" && mode != "first-times" {
            h.push_str(&date("ep-start", "Start date", &e.start_date));
        }
        match mode {
            "time" => h.push_str(&format!(
                "<label>Time <select data-field=\"ep-time\"{attr}>{}</select></label> <label>Event (1 = event, 0 = censored) <select data-field=\"ep-event\"{attr}>{}</select></label> ",
                column_choices(names.as_slice(), &e.time),
                column_choices(names.as_slice(), &e.event),
            )),
            "dates-end" => {
                h.push_str(&date("ep-end", "End date (event or last follow-up)", &e.end_date));
                h.push_str(&format!(
                    "<label>Event (1 = event, 0 = censored) <select data-field=\"ep-event\"{attr}>{}</select></label> ",
                    column_choices(names.as_slice(), &e.event)
                ));
            }
            "dates-event" => {
                h.push_str(&date("ep-event-date", "Event date (empty: none)", &e.event_date));
                h.push_str(&date("ep-last", "Last follow-up date", &e.last_followup_date));
            }
            _ => {
                h.push_str("<div class=\"components\">");
                for (j, c) in e.components.iter().enumerate() {
                    let cattr = format!("{attr} data-component=\"{j}\"");
                    h.push_str(&format!(
                        "<div class=\"component\"><label>Event <input type=\"text\" size=\"10\" data-field=\"comp-name\"{cattr} value=\"{}\"></label> ",
                        escape(&c.name)
                    ));
                    if mode == "first-dates" {
                        h.push_str(&format!(
                            "<label>its date (empty: none) <select data-field=\"comp-date\"{cattr}>{}</select></label> ",
                            column_choices(names.as_slice(), c.date.as_deref().unwrap_or(""))
                        ));
                    } else {
                        h.push_str(&format!(
                            "<label>time <select data-field=\"comp-time\"{cattr}>{}</select></label> <label>event (1/0) <select data-field=\"comp-event\"{cattr}>{}</select></label> ",
                            column_choices(names.as_slice(), c.time.as_deref().unwrap_or("")),
                            column_choices(names.as_slice(), c.event.as_deref().unwrap_or(""))
                        ));
                    }
                    h.push_str(&format!(
                        "<button type=\"button\" class=\"secondary\" data-action=\"comp-remove\"{cattr}>Remove event</button></div>"
                    ));
                }
                h.push_str(&format!(
                    "<button type=\"button\" class=\"secondary\" data-action=\"comp-add\"{attr}>Add event</button></div>"
                ));
                if mode == "first-dates" {
                    h.push_str(&date("ep-last", "Last follow-up date", &e.last_followup_date));
                }
            }
        }
        if mode != "time" && mode != "first-times" {
            let format = e.date_format.map_or("", |f| f.name());
            h.push_str(&format!(
                "<label>Date order {}</label> ",
                select(
                    "",
                    "ep-date-format",
                    &[
                        ("", "detected"),
                        ("dmy", "day-month-year"),
                        ("mdy", "month/day/year"),
                        ("ymd", "year-month-day"),
                        ("excel", "Excel day numbers"),
                    ],
                    format,
                    &attr
                )
                .replace(" id=\"\"", "")
            ));
        }
        h.push_str(&format!(
            "<label>Unit {}</label> <label>Landmarks <input type=\"text\" size=\"12\" data-field=\"ep-landmarks\"{attr} value=\"{}\" placeholder=\"1, 3, 5 years\"></label> <label>Risk table every <input type=\"text\" size=\"4\" data-field=\"ep-risk-by\"{attr} value=\"{}\" placeholder=\"auto\"></label> <button type=\"button\" class=\"secondary\" data-action=\"endpoint-remove\"{attr}>Remove</button></div>\n",
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
    h.push_str(&layout(spec, &names));
    h
}

/// How an endpoint gets its times, as the page's "Times from" select
/// names it.
pub fn endpoint_mode(e: &EndpointSpec) -> &'static str {
    if !e.components.is_empty() {
        if e.start_date.is_some() || e.components.iter().any(|c| c.date.is_some()) {
            "first-dates"
        } else {
            "first-times"
        }
    } else if e.event_date.is_some() || e.last_followup_date.is_some() {
        "dates-event"
    } else if e.start_date.is_some() || e.end_date.is_some() {
        "dates-end"
    } else {
        "time"
    }
}

/// `a, b, c` (levels and cut points are written and read with commas).
fn listed(items: &[String]) -> String {
    items.join(", ")
}

/// `<option>`s of the data columns, with "—" (none) first.
fn column_choices(names: &[&str], current: &str) -> String {
    let mut h = option("", "—", current.is_empty());
    for n in names {
        h.push_str(&option(n, n, *n == current));
    }
    h
}

/// The options of one Table 1 row, folded under "Options".
fn row_options(
    v: &VariableSpec,
    kind: VariableKind,
    info: &ColumnInfo,
    names: &[&str],
    attr: &str,
) -> String {
    let field = |name: &str, label: &str, value: &str, size: usize, placeholder: &str| {
        format!(
            "<label>{label} <input type=\"text\" size=\"{size}\" data-field=\"{name}\"{attr} value=\"{}\" placeholder=\"{}\"></label>",
            escape(value),
            escape(placeholder)
        )
    };
    let display = match v.display {
        Some(Display::NPercent) => "n_percent",
        Some(Display::Ratio) => "ratio",
        Some(Display::MedianIqr) => "median_iqr",
        Some(Display::MeanSd) => "mean_sd",
        Some(Display::MedianIqrMeanSd) => "median_iqr_mean_sd",
        None => "",
    };
    let shown_as_categories = kind == VariableKind::Categorical || v.bin.is_some();
    let displays: &[(&str, &str)] = if shown_as_categories {
        &[
            ("", "n (%)"),
            ("ratio", "ratio of two levels, e.g. 67 : 29"),
        ]
    } else {
        &[
            ("", "median (i.q.r.)"),
            ("mean_sd", "mean (s.d.)"),
            ("median_iqr_mean_sd", "median (i.q.r.) and mean (s.d.)"),
        ]
    };
    let mut h = format!(
        "<details class=\"row-options\"{attr}><summary>Options</summary><div class=\"row-options-body\"><label>Show as {}</label>",
        select("", "var-display", displays, display, attr).replace(" id=\"\"", "")
    );
    if shown_as_categories {
        let levels = v.levels.clone().unwrap_or_default();
        h.push_str(&field(
            "var-levels",
            "Level order",
            &listed(&levels),
            24,
            "as in the file, sorted",
        ));
        h.push_str(&field(
            "var-show",
            "Levels shown (all are tested)",
            &listed(&v.show_levels.clone().unwrap_or_default()),
            12,
            "all, or e.g. yes",
        ));
        let merge = v
            .merge_levels
            .as_ref()
            .map(|m| {
                m.iter()
                    .map(|(new, old)| format!("{new} = {}", listed(old)))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        h.push_str(&field(
            "var-merge",
            "Merge or rename levels",
            &merge,
            28,
            "e.g. Other = cT1, cT2; Yes = yes",
        ));
    } else {
        h.push_str(&field(
            "var-decimals",
            "Decimals",
            &v.decimals.map(|d| d.to_string()).unwrap_or_default(),
            3,
            "auto",
        ));
    }
    if info.kind == VariableKind::Continuous {
        let breaks = v
            .bin
            .as_ref()
            .map(|b| b.breaks.iter().map(|x| number(*x)).collect::<Vec<_>>())
            .unwrap_or_default();
        h.push_str(&field(
            "var-bin",
            "Cut into categories at",
            &listed(&breaks),
            10,
            "e.g. 70 (< 70, ≥ 70)",
        ));
    }
    let (where_column, where_value) = v
        .subset
        .as_ref()
        .map(|c| (c.column.clone(), listed(&c.values())))
        .unwrap_or_default();
    h.push_str(&format!(
        "<label>Only patients whose <select data-field=\"var-where-column\"{attr}>{}</select></label>{}",
        column_choices(names, &where_column),
        field("var-where-value", "is", &where_value, 10, "e.g. yes"),
    ));
    h.push_str(&format!(
        "<button type=\"button\" class=\"secondary\" data-action=\"var-another\"{attr}>Another row from {}</button></div></details>",
        escape(v.data_column())
    ));
    h
}

/// Overall, Missing and SMD columns, the P-value style, the caption and a
/// filter on the whole analysis.
fn layout(spec: &Spec, names: &[&str]) -> String {
    let t = spec.table1.clone().unwrap_or_default();
    let mut h =
        String::from("<h3>Table 1 layout</h3>\n<div class=\"settings-grid\" id=\"layout\">");
    for (field, label, on) in [
        ("t1-overall", "Overall column", t.overall_column),
        (
            "t1-missing",
            "Missing row under each variable",
            t.missing_row,
        ),
        ("t1-smd", "Standardised mean difference (two groups)", t.smd),
    ] {
        h.push_str(&format!(
            "<label><input type=\"checkbox\" id=\"{field}\" data-field=\"{field}\"{}> {label}</label>",
            if on { " checked" } else { "" }
        ));
    }
    let style = match t.p_style {
        PStyle::ThreeDecimals => "three_decimals",
        PStyle::Nejm => "nejm",
        PStyle::TwoSignificant => "two_significant",
    };
    h.push_str(&format!(
        "<label>P values {}</label>",
        select(
            "t1-p-style",
            "t1-p-style",
            &[
                ("three_decimals", "0.010, <0.001 (BJS, JAMA)"),
                ("nejm", "NEJM: 0.01, 0.003, <0.001"),
                (
                    "two_significant",
                    "two significant figures, <0.0001 (Lancet)"
                ),
            ],
            style,
            ""
        )
    ));
    h.push_str(&format!(
        "<label>Caption <input type=\"text\" id=\"t1-caption\" data-field=\"t1-caption\" size=\"30\" value=\"{}\" placeholder=\"Table 1 and the title\"></label>",
        escape(t.caption.as_deref().unwrap_or(""))
    ));
    let (column, value) = spec
        .filter
        .first()
        .map(|c| (c.column.clone(), listed(&c.values())))
        .unwrap_or_default();
    h.push_str(&format!(
        "</div>\n<div class=\"toolbar\" id=\"filter\"><label>Analyse only the patients whose <select id=\"filter-column\" data-field=\"filter-column\">{}</select></label><label>is <input type=\"text\" id=\"filter-value\" data-field=\"filter-value\" size=\"10\" value=\"{}\" placeholder=\"e.g. yes\"></label>",
        column_choices(names, &column),
        escape(&value)
    ));
    if spec.filter.len() > 1 {
        h.push_str(&format!(
            "<span class=\"hint\">and {} more condition(s) from the spec</span>",
            spec.filter.len() - 1
        ));
    }
    h.push_str("</div>\n");
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
