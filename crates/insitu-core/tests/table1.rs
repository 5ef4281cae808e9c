//! The demo's Table 1 in the paper's style, cell by cell, in every format.

use insitu_core::demo::demo_report;
use insitu_core::render;
use insitu_core::table1::RowKind;

fn row<'a>(t: &'a insitu_core::table1::Table1, label: &str) -> &'a insitu_core::table1::Table1Row {
    t.rows
        .iter()
        .find(|r| r.label == label)
        .unwrap_or_else(|| panic!("no row {label}"))
}

#[test]
fn demo_table1_cells() {
    let report = demo_report().unwrap();
    let t = &report.table1;
    assert_eq!(t.columns, ["", "LFA (n = 96)", "M1 (n = 164)", "P"]);

    let age = row(t, "Age (years), median (i.q.r.)");
    // quantile(age, type = 7) per group; reference: 62.5 (56.4–67.9), 61.6 (55.5–68.8)
    assert_eq!(age.cells, ["62.6 (56.4–67.9)", "61.6 (55.5–68.8)"]);
    assert_eq!((age.p.as_str(), age.marker.as_str()), ("0.799", "†"));

    let sex = row(t, "Sex");
    assert_eq!((sex.p.as_str(), sex.marker.as_str()), ("0.873", "*"));
    let male = &t.rows[t.rows.iter().position(|r| r.label == "Sex").unwrap() + 1];
    assert_eq!(male.kind, RowKind::Level);
    assert_eq!(male.cells, ["67 (70)", "116 (71)"]);

    // whole-number quartiles are shown without decimals, as in the paper
    let mets = row(t, "Number of liver metastases, median (i.q.r.)");
    assert_eq!(mets.cells, ["3 (2–5)", "2 (1–4)"]);

    // a label asking for mean (s.d.) gets it; the test stays Mann–Whitney
    let stay = row(t, "Hospital stay (days), mean (s.d.)");
    assert_eq!(stay.cells, ["18.8 (8.9)", "18.0 (11.8)"]);
    assert_eq!(stay.marker, "†");

    let rectal = row(t, "Response of rectal tumour");
    assert_eq!(rectal.p, "0.263");
    let ccr = t.rows.iter().find(|r| r.label == "cCR").unwrap();
    assert_eq!(ccr.cells, ["0 (0)", "5 (4)"]);

    let centre = row(t, "Centre");
    assert_eq!(centre.p, "<0.001");

    assert!(t.footnotes[0].starts_with("Values are n (%) unless otherwise indicated"));
    assert!(t
        .footnotes
        .iter()
        .any(|f| f == "*Pearson χ² test without continuity correction."));
    assert!(t
        .footnotes
        .iter()
        .any(|f| f == "†Mann–Whitney U test (normal approximation with continuity correction)."));
}

#[test]
fn html_csv_and_markdown_carry_the_same_cells() {
    let report = demo_report().unwrap();
    let html = render::html_table(&report.table1);
    assert!(html.starts_with("<table id=\"table1\""));
    assert!(html.contains("<th scope=\"col\">LFA (n = 96)</th>"));
    assert!(html.contains(
        "<td>62.6 (56.4–67.9)</td><td>61.6 (55.5–68.8)</td><td class=\"p\">0.799<sup>†</sup></td>"
    ));
    let csv = render::csv(&report.table1);
    assert!(csv.starts_with(",LFA (n = 96),M1 (n = 164),P\n"), "{csv}");
    assert!(csv.contains("\n  M,67 (70),116 (71),\n"), "{csv}");
    assert!(
        csv.contains("\"Age (years), median (i.q.r.)\",62.6 (56.4–67.9),61.6 (55.5–68.8),0.799†\n"),
        "{csv}"
    );
    let md = render::markdown(&report.table1);
    assert!(
        md.contains("| &nbsp;&nbsp;cCR | 0 (0) | 5 (4) |  |"),
        "{md}"
    );
}

#[test]
fn labels_are_escaped_in_html_and_svg() {
    let spec_text = r#"{
      "group": {"column": "arm"},
      "variables": [{"name": "x", "kind": "categorical", "label": "<script>alert(1)</script>"}],
      "endpoints": [{"name": "<b>OS</b>", "time": "t", "event": "e", "time_unit": "months"}]
    }"#;
    let spec = insitu_core::Spec::from_json(spec_text, "s.json").unwrap();
    let csv = "arm,x,t,e\n<i>A</i>,a,1,1\nB,b,2,0\nB,a,3,1\n<i>A</i>,b,4,1\n";
    let report = insitu_core::analyze(csv.as_bytes(), "x.csv", &spec).unwrap();
    let html = render::html_page(&report);
    assert!(!html.contains("<script>") && !html.contains("<i>A</i>") && !html.contains("<b>OS"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let svg = render::km_svg(&report, 0, &render::SvgOptions::default());
    assert!(svg.contains("&lt;i&gt;A&lt;/i&gt;") && !svg.contains("<i>"));
}
