//! Renderers: the report as JSON, Table 1 as HTML, CSV and Markdown, and
//! each endpoint's Kaplan–Meier figure as SVG ([`svg`]).
//!
//! Renderers only format; every number comes from the [`Report`]. Text from
//! the user (labels, levels) is escaped for HTML and SVG, and CSV cells that
//! a spreadsheet would run as a formula (`=`, `+`, `-`, `@` followed by
//! text) are prefixed with `'`.

#[cfg(feature = "office")]
mod docx;
mod png;
mod summary;
mod svg;

pub use summary::survival_summary_html;

#[cfg(feature = "office")]
pub use docx::table1_docx;
pub use png::{crc32, png_with_dpi};

pub use svg::{km_svg, SvgOptions};

use crate::report::Report;
use crate::table1::{RowKind, Table1};

/// The full report as pretty JSON (non-finite numbers are `null`).
pub fn json(report: &Report) -> String {
    match serde_json::to_string(report) {
        Ok(compact) => pretty_json(&compact),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    }
}

/// Compact JSON (as `serde_json::to_string` writes it) laid out as
/// `serde_json::to_string_pretty` lays it out: the same bytes. Written
/// here because the pretty writer of `serde_json` is compiled anew for
/// every type it writes — in the app's WebAssembly 1 KB gzipped more for
/// the report and the spec, where its size budget had none to spare.
pub fn pretty_json(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut previous = '\0';
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        (0..depth).for_each(|_| out.push_str("  "));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                '"' => {
                    in_string = true;
                    out.push(c);
                }
                // an empty array or object stays `[]` / `{}`
                '{' | '[' if !matches!(chars.peek(), Some('}' | ']')) => {
                    out.push(c);
                    depth += 1;
                    newline(&mut out, depth);
                }
                '}' | ']' if !matches!(previous, '{' | '[') => {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                    out.push(c);
                }
                ',' => {
                    out.push(c);
                    newline(&mut out, depth);
                }
                ':' => out.push_str(": "),
                _ => out.push(c),
            }
        }
        previous = c;
    }
    out
}

/// Escapes text for HTML and XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A file-name-safe stem for an endpoint (`OS`, `PFS`, else `endpoint2`).
pub fn file_stem(name: &str, index: usize) -> String {
    let stem: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if stem.is_empty() {
        format!("endpoint{}", index + 1)
    } else {
        stem
    }
}

/// Table 1 as an HTML `<table id="table1">` (the same markup in the CLI and
/// the app).
pub fn html_table(table: &Table1) -> String {
    let mut h = String::new();
    h.push_str("<table id=\"table1\" class=\"table1\">\n");
    h.push_str(&format!("<caption>{}</caption>\n", escape(&table.caption)));
    h.push_str("<thead><tr>");
    for (k, c) in table.columns.iter().enumerate() {
        let class = if k == 0 { " class=\"label\"" } else { "" };
        h.push_str(&format!("<th scope=\"col\"{class}>{}</th>", escape(c)));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        let class = match row.kind {
            RowKind::Variable => "variable",
            RowKind::Level => "level",
        };
        h.push_str(&format!(
            "<tr class=\"{class}\"><th scope=\"row\">{}</th>",
            escape(&row.label)
        ));
        for cell in &row.cells {
            h.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        if row.marker.is_empty() {
            h.push_str(&format!("<td class=\"p\">{}</td>", escape(&row.p)));
        } else {
            h.push_str(&format!(
                "<td class=\"p\">{}<sup>{}</sup></td>",
                escape(&row.p),
                escape(&row.marker)
            ));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n");
    h.push_str(&format!(
        "<tfoot><tr><td colspan=\"{}\">",
        table.columns.len()
    ));
    let notes: Vec<String> = table.footnotes.iter().map(|f| escape(f)).collect();
    h.push_str(&notes.join(" "));
    h.push_str("</td></tr></tfoot>\n</table>\n");
    h
}

/// Table 1 as HTML for the clipboard ("copy for Word"): the same table with
/// its rules as inline `style` attributes, which Word keeps when pasting
/// (a `<style>` element would be dropped, and a page with a strict
/// Content-Security-Policy may not parse one).
pub fn word_html(table: &Table1) -> String {
    const FONT: &str = "font-family:Arial,Helvetica,sans-serif;font-size:10pt";
    const TOP: &str = "border-top:1.5pt solid #000";
    const MID: &str = "border-bottom:0.75pt solid #000";
    const BOTTOM: &str = "border-bottom:1.5pt solid #000";
    let mut h = format!("<table style=\"border-collapse:collapse;{FONT}\">");
    h.push_str(&format!(
        "<caption style=\"text-align:left;font-weight:bold\">{}</caption><tr>",
        escape(&table.caption)
    ));
    for (k, c) in table.columns.iter().enumerate() {
        let align = if k == 0 { "left" } else { "center" };
        h.push_str(&format!(
            "<th style=\"{TOP};{MID};padding:3pt 8pt;text-align:{align}\">{}</th>",
            escape(c)
        ));
    }
    h.push_str("</tr>");
    for (r, row) in table.rows.iter().enumerate() {
        let last = if r + 1 == table.rows.len() {
            BOTTOM
        } else {
            ""
        };
        let indent = match row.kind {
            RowKind::Variable => "8pt",
            RowKind::Level => "20pt",
        };
        h.push_str(&format!(
            "<tr><td style=\"{last};padding:2pt 8pt 2pt {indent};text-align:left\">{}</td>",
            escape(&row.label)
        ));
        for cell in row
            .cells
            .iter()
            .chain(std::iter::once(&format!("{}{}", row.p, row.marker)))
        {
            h.push_str(&format!(
                "<td style=\"{last};padding:2pt 8pt;text-align:center\">{}</td>",
                escape(cell)
            ));
        }
        h.push_str("</tr>");
    }
    h.push_str(&format!(
        "<tr><td colspan=\"{}\" style=\"font-size:8.5pt;padding-top:4pt\">{}</td></tr></table>",
        table.columns.len(),
        table
            .footnotes
            .iter()
            .map(|f| escape(f))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    h
}

/// CSS shared by the standalone HTML page and the app.
pub const TABLE1_CSS: &str = "table.table1{border-collapse:collapse;font-family:Arial,Helvetica,sans-serif;font-size:10pt}\
table.table1 caption{text-align:left;font-weight:bold;padding-bottom:4pt}\
table.table1 thead th{border-top:1.5pt solid #000;border-bottom:0.75pt solid #000;padding:3pt 8pt;text-align:center;font-weight:bold}\
table.table1 thead th.label{text-align:left}\
table.table1 tbody th{text-align:left;font-weight:normal;padding:2pt 8pt}\
table.table1 tr.level th{padding-left:20pt}\
table.table1 td{text-align:center;padding:2pt 8pt}\
table.table1 tbody tr:last-child>*{border-bottom:1.5pt solid #000}\
table.table1 tfoot td{text-align:left;font-size:8.5pt;padding-top:4pt;max-width:40em}\
table.survival-summary{border-collapse:collapse;font-family:Arial,Helvetica,sans-serif;font-size:10pt;margin-top:1.5em}\
table.survival-summary caption{text-align:left;font-weight:bold;padding-bottom:4pt}\
table.survival-summary th,table.survival-summary td{padding:2pt 8pt;text-align:center}\
table.survival-summary thead th{border-top:1.5pt solid #000;border-bottom:0.75pt solid #000}\
table.survival-summary tbody th{text-align:left;font-weight:normal}\
table.survival-summary tbody tr:last-child>*{border-bottom:1.5pt solid #000}\
p.survival-tests{font-family:Arial,Helvetica,sans-serif;font-size:9pt;max-width:60em}";

/// A standalone HTML page with Table 1 and the figures.
pub fn html_page(report: &Report) -> String {
    let mut h =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<title>{}</title>\n<style>{}body{{margin:2em;font-family:Arial,Helvetica,sans-serif}}</style>\n</head>\n<body>\n",
        escape(&report.table1.caption),
        TABLE1_CSS
    ));
    h.push_str(&html_table(&report.table1));
    h.push_str(&survival_summary_html(report));
    for k in 0..report.survival.len() {
        h.push_str("<figure>\n");
        h.push_str(&km_svg(report, k, &SvgOptions::default()));
        h.push_str("</figure>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// Neutralises a CSV cell that a spreadsheet would evaluate as a formula;
/// numbers (`-1.5`) stay numbers.
pub fn csv_safe(cell: &str) -> String {
    // after leading spaces (Table 1's level indent): LibreOffice's "trim
    // spaces" import would otherwise evaluate "  =cmd|…"
    let text = cell.trim_start_matches(' ');
    let starts_formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let is_number = cell.trim().parse::<f64>().is_ok_and(f64::is_finite);
    if starts_formula && !is_number {
        let indent = &cell[..cell.len() - text.len()];
        format!("{indent}'{text}")
    } else {
        cell.to_string()
    }
}

fn csv_row(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| {
            let c = csv_safe(c);
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Table 1 as CSV (UTF-8, comma-separated; level rows indented by two
/// spaces; the footnotes follow an empty line).
pub fn csv(table: &Table1) -> String {
    let mut out = String::new();
    out.push_str(&csv_row(&table.columns));
    out.push('\n');
    for row in &table.rows {
        let mut cells = vec![match row.kind {
            RowKind::Variable => row.label.clone(),
            RowKind::Level => format!("  {}", row.label),
        }];
        cells.extend(row.cells.iter().cloned());
        cells.push(format!("{}{}", row.p, row.marker));
        out.push_str(&csv_row(&cells));
        out.push('\n');
    }
    out.push('\n');
    for f in &table.footnotes {
        out.push_str(&csv_row(std::slice::from_ref(f)));
        out.push('\n');
    }
    out
}

/// A Markdown table cell: the text shows as itself, and a label from the
/// data can open no HTML tag, entity, link, image, code span or emphasis
/// when the file is rendered (a converter passes raw HTML through). `<`,
/// `&` and `]` are escaped only where they would start such a construct —
/// before a letter, `/`, `!` or `?`; before a letter, digit or `#`; before `(` —
/// so "<0.001" and "M & F" stay readable as text; `\`, `|`, `*`, `_`, `` ` ``,
/// `~` and `[` always. Line ends (LF, CR) become spaces: one row stays one.
fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied().unwrap_or(' ');
        let escape = match c {
            '\\' | '|' | '*' | '_' | '`' | '~' | '[' => true,
            '<' => next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?'),
            '&' => next.is_ascii_alphanumeric() || next == '#',
            ']' => next == '(',
            '\n' | '\r' => {
                out.push(' ');
                continue;
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Table 1 as a Markdown (GFM) table with the footnotes below.
pub fn markdown(table: &Table1) -> String {
    let mut out = format!("**{}**\n\n", md_cell(&table.caption));
    out.push_str(&format!(
        "| {} |\n",
        table
            .columns
            .iter()
            .map(|c| md_cell(c))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    let mut rule = vec![":---"];
    rule.extend(std::iter::repeat_n(":---:", table.columns.len() - 1));
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in &table.rows {
        let label = match row.kind {
            RowKind::Variable => md_cell(&row.label),
            RowKind::Level => format!("&nbsp;&nbsp;{}", md_cell(&row.label)),
        };
        let mut cells = vec![label];
        cells.extend(row.cells.iter().map(|c| md_cell(c)));
        cells.push(format!("{}{}", md_cell(&row.p), md_cell(&row.marker)));
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
    for f in &table.footnotes {
        out.push_str(&md_cell(f));
        out.push_str("  \n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markup in a label is text in the Markdown: no tag, entity, link or
    /// emphasis, and a table cell stays one cell; "<0.001" and "M & F" as
    /// they are.
    #[test]
    fn markdown_cells_carry_no_markup() {
        assert_eq!(
            md_cell("<script>alert(1)</script>"),
            "\\<script>alert(1)\\</script>"
        );
        assert_eq!(md_cell("<!-- x --> <?php"), "\\<!-- x --> \\<?php");
        assert_eq!(
            md_cell("[x](javascript:alert(1)) ![i](y)"),
            "\\[x\\](javascript:alert(1)) !\\[i\\](y)"
        );
        assert_eq!(md_cell("&lt; &#60; M & F"), "\\&lt; \\&#60; M & F");
        assert_eq!(
            md_cell("a|b *c* _d_ `e` ~~f~~ \\"),
            "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\~\\~f\\~\\~ \\\\"
        );
        assert_eq!(md_cell("<0.001 < 5, line\nbreak"), "<0.001 < 5, line break");
        // a lone CR ends a Markdown line too: "# x" would be a heading
        assert_eq!(md_cell("a\r# x\r\nb"), "a # x  b");
        assert_eq!(md_cell("x <"), "x <");
    }

    /// The pretty layout is serde_json's, byte for byte: the demo's report
    /// and spec, and values with empty and nested containers, escapes and
    /// brackets, commas and colons inside strings.
    #[test]
    fn pretty_json_is_serde_jsons() {
        let same = |value: &serde_json::Value| {
            let compact = serde_json::to_string(value).unwrap();
            assert_eq!(
                pretty_json(&compact),
                serde_json::to_string_pretty(value).unwrap()
            );
        };
        let spec = crate::Spec::from_json(crate::demo::DEMO_SPEC, "demo").unwrap();
        let report = crate::analyze(crate::demo::DEMO_CSV, "demo.csv", &spec).unwrap();
        same(&serde_json::to_value(&report).unwrap());
        same(&serde_json::to_value(&spec).unwrap());
        same(&serde_json::json!({
            "a": [], "b": {}, "c": [[], {}, [[]], {"d": {}}],
            "e": "quote \" backslash \\ \\\" [ ] { } , : \n é ☃",
            "f": ["[", "]", "{", "}", ",", ":", "\\"], "g": [1, -2.5e-300, null, true],
            "": "", "h": [{"i": [1, {"j": []}]}]
        }));
        same(&serde_json::json!([]));
        same(&serde_json::json!("x"));
        same(&serde_json::json!(1.5));
    }

    #[test]
    fn formula_cells_are_neutralised_numbers_are_not() {
        assert_eq!(csv_safe("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("-1.5"), "-1.5");
        assert_eq!(csv_safe("+3"), "+3");
        assert_eq!(csv_safe("54 (56)"), "54 (56)");
        // a level row's indent: the apostrophe goes after it
        assert_eq!(csv_safe("  =cmd|' /C calc'!A0"), "  '=cmd|' /C calc'!A0");
        assert_eq!(csv_safe("  -2"), "  -2");
        assert_eq!(csv_safe("-inf"), "'-inf");
    }

    #[test]
    fn html_escapes_labels() {
        assert_eq!(
            escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
    }
}
