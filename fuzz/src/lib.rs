//! What the fuzz targets share: the corpus spec and clean file, every
//! export rendered, the invariants every successful analysis keeps, and the
//! guard that steps around a bug already reported in a dependency (so that
//! a long run looks for new ones instead of re-finding the old).

use insitu_core::render::{self, SvgOptions};
use insitu_core::survival::km::MAX_RISK_COLUMNS;
use insitu_core::{Report, Spec};

/// The corpus's shared spec: group `arm`, `age` (continuous), `sex`
/// (categorical), OS from `time`/`status` in months.
pub const SPEC: &str = include_str!("../../tests/corpus/spec.json");

/// The corpus's clean file (8 patients, groups A and B).
pub const CLEAN_CSV: &[u8] = include_bytes!("../../tests/corpus/clean.csv");

/// The corpus spec, parsed.
pub fn corpus_spec() -> Spec {
    Spec::from_json(SPEC, "spec.json").expect("the corpus spec is valid")
}

/// Renders every export of a report; a panic in any renderer is a crash.
pub fn render_all(report: &Report) {
    let html = render::html_page(report);
    assert!(!html.is_empty());
    let _ = render::word_html(&report.table1);
    let _ = render::survival_summary_html(report);
    let _ = render::markdown(&report.table1);
    let _ = render::json(report);
    let csv = render::csv(&report.table1);
    check_csv_export(&csv);
    for k in 0..report.survival.len() {
        for ci_bands in [false, true] {
            let options = SvgOptions {
                ci_bands,
                ..SvgOptions::default()
            };
            let svg = render::km_svg(report, k, &options);
            // every "<" opens a tag: bare text "<0.001" was invalid XML
            for (at, _) in svg.match_indices('<') {
                let next = svg[at + 1..].chars().next().unwrap_or(' ');
                assert!(
                    next.is_ascii_alphabetic() || "/!?".contains(next),
                    "bare < in the SVG"
                );
            }
            // at most 21 time ticks (0 and up to 20 steps), whatever the data
            let labels = svg
                .split("class=\"tick-labels\"")
                .nth(1)
                .and_then(|g| g.split("</g>").next());
            let ticks = labels.map_or(0, |g| g.matches("text-anchor=\"middle\"").count());
            assert!((1..=21).contains(&ticks), "{ticks} time ticks");
        }
    }
    let docx = render::table1_docx(&report.table1).expect("Table 1 as .docx");
    assert!(docx.starts_with(b"PK"));
}

/// No CSV cell starts with a formula character (after leading spaces,
/// which some spreadsheets trim on import) unless it is a number.
fn check_csv_export(csv: &str) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("the CSV export does not parse: {e}\n{csv}"));
        for cell in record.iter() {
            let start = cell.trim_start_matches(' ');
            let is_number = cell.trim().parse::<f64>().is_ok_and(f64::is_finite);
            assert!(
                !start.starts_with(['=', '+', '-', '@', '\t', '\r']) || is_number,
                "formula-like CSV cell {cell:?}"
            );
        }
    }
}

/// Invariants of every report: each P in [0, 1], group sizes within the
/// rows read, Kaplan–Meier curves non-increasing in [0, 1] with their
/// numbers at risk non-increasing, the groups' patients adding up to the
/// patients used.
pub fn check_report(report: &Report) {
    let json = serde_json::to_value(report).expect("a report serialises");
    check_probabilities(&json, "");
    let with_group: usize = report.groups.iter().map(|g| g.n).sum();
    assert!(
        with_group + report.n_missing_group <= report.n_rows,
        "groups {with_group} + missing {} > rows {}",
        report.n_missing_group,
        report.n_rows
    );
    for s in &report.survival {
        let columns = s.risk_table.times.len();
        assert!(
            (1..=MAX_RISK_COLUMNS).contains(&columns),
            "{columns} risk-table columns"
        );
        assert!(
            s.risk_table.by.is_finite() && s.risk_table.by > 0.0,
            "step {}",
            s.risk_table.by
        );
        let n: u64 = s.km.iter().map(|k| k.n).sum();
        assert_eq!(n as usize, s.n_used, "KM patients vs used, {}", s.endpoint);
        for km in &s.km {
            let t = &km.table;
            for k in 0..t.surv.len() {
                assert!((0.0..=1.0).contains(&t.surv[k]), "S = {}", t.surv[k]);
                if k > 0 {
                    assert!(t.surv[k] <= t.surv[k - 1], "S increases");
                    assert!(t.n_risk[k] <= t.n_risk[k - 1], "n at risk increases");
                }
            }
        }
    }
}

/// Every number under a key `p` or `p_…` is a probability.
pub fn check_probabilities(value: &serde_json::Value, path: &str) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "p" || key.starts_with("p_") {
                    if let Some(p) = v.as_f64() {
                        assert!((0.0..=1.0).contains(&p), "{path}/{key} = {p}");
                    }
                }
                check_probabilities(v, &format!("{path}/{key}"));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_probabilities(v, &format!("{path}/{i}"));
            }
        }
        _ => {}
    }
}

/// KNOWN BUG GUARD, in a dependency, for fuzz builds only: calamine 0.38
/// parses a cell reference with unchecked `u32` arithmetic, so with
/// overflow checks on (the fuzz build; release builds wrap and go on) a
/// reference of 7 or more letters or 10 or more digits panics, and so
/// does a `<dimension ref="B2:A1">` whose end lies before its start. True
/// when the (stored, uncompressed) sheet XML has such a reference. (The
/// far-cell abort this guard also skipped is fixed: the reader refuses a
/// sheet spanning more than `MAX_SHEET_CELLS` before the grid is made.)
pub fn workbook_hits_known_bug(bytes: &[u8]) -> bool {
    let parse = |value: &[u8]| -> (usize, usize, u64, u64) {
        let letters = value.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let digits = value[letters..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let column = value[..letters].iter().fold(0u64, |c, b| {
            c.saturating_mul(26)
                .saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
        });
        let row = value[letters..letters + digits].iter().fold(0u64, |r, b| {
            r.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        (letters, digits, column, row)
    };
    // every `name = "value"` or `name='value'` (quick-xml allows spaces
    // around `=` and no space before the name)
    let mut k = 0;
    while let Some(offset) = bytes[k..].iter().position(|&b| b == b'=') {
        let eq = k + offset;
        k = eq + 1;
        let before = bytes[..eq].trim_ascii_end();
        let after = bytes[eq + 1..].trim_ascii_start();
        let Some((&quote, after)) = after.split_first() else {
            continue;
        };
        if quote != b'"' && quote != b'\'' {
            continue;
        }
        let named = |name: &[u8]| {
            before.ends_with(name)
                && before[..before.len() - name.len()]
                    .last()
                    .is_some_and(|b| !b.is_ascii_alphanumeric() && *b != b':' && *b != b'_')
        };
        if !(named(b"r") || named(b"ref")) {
            continue;
        }
        let value = &after[..after
            .iter()
            .position(|&b| b == quote)
            .unwrap_or(after.len())];
        let mut parts = value.split(|&b| b == b':');
        let Some(first) = parts.next() else { continue };
        let (letters, digits, column, row) = parse(first);
        if letters > 6 || digits > 9 {
            return true;
        }
        if let Some(second) = parts.next() {
            let (letters2, digits2, column2, row2) = parse(second);
            if letters2 > 6 || digits2 > 9 || column2 < column || row2 < row {
                return true;
            }
        }
    }
    false
}
