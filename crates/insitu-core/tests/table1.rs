//! The demo's Table 1 in the paper's style, cell by cell, in every format.

use insitu_core::demo::demo_report;
use insitu_core::render;

/// The paper's Table 1 (shared/reference/paper_table1_layout.md), row by
/// row: the categorical rows hold the published counts; continuous rows are
/// the synthetic cohort's (type 7 quartiles).
#[test]
fn demo_reproduces_the_paper_table1_layout() {
    let report = demo_report().unwrap();
    let t = &report.table1;
    assert_eq!(t.columns, ["", "LFA (n = 96)", "M1 (n = 164)", "P"]);
    let expected: [(&str, [&str; 2], &str, &str); 27] = [
        (
            "Age (years), median (i.q.r.)",
            ["62.6 (56.4–67.9)", "61.6 (55.5–68.8)"],
            "0.799",
            "†",
        ),
        ("Sex ratio (M : F)", ["67 : 29", "116 : 48"], "0.873", "*"),
        ("Co-morbidity", ["54 (56)", "85 (52)"], "0.490", "*"),
        ("Clinical T category", ["", ""], "0.175", "*"),
        ("cT2", ["1 (1)", "4 (2)"], "", ""),
        ("cT3", ["57 (63)", "119 (73)"], "", ""),
        ("cT4", ["32 (36)", "41 (25)"], "", ""),
        ("Clinical N category", ["", ""], "0.709", "*"),
        ("cN0", ["4 (5)", "12 (7)"], "", ""),
        ("cN1", ["22 (28)", "50 (31)"], "", ""),
        ("cN2", ["52 (67)", "101 (62)"], "", ""),
        ("LM distribution", ["", ""], "0.102", "*"),
        ("Unilobar", ["42 (44)", "89 (54)"], "", ""),
        ("Bilobar", ["54 (56)", "75 (46)"], "", ""),
        (
            "No. of LMs at diagnosis, median (i.q.r.)",
            ["3 (2–5)", "2 (1–4)"],
            "<0.001",
            "†",
        ),
        (
            "Diameter of largest LM lesion at diagnosis (cm), median (i.q.r.)",
            ["2.9 (2.0–4.5)", "2.8 (2.0–4.3)"],
            "0.819",
            "†",
        ),
        (
            "Extrahepatic disease at diagnosis",
            ["13 (14)", "32 (20)"],
            "0.219",
            "*",
        ),
        ("Completion of treatment", ["", ""], "0.245", "*"),
        ("No", ["24 (25)", "31 (19)"], "", ""),
        ("Yes", ["72 (75)", "133 (81)"], "", ""),
        ("LM pCR", ["", ""], "0.357", "*"),
        ("Yes", ["10 (12)", "18 (17)"], "", ""),
        ("No", ["73 (88)", "89 (83)"], "", ""),
        // published 0.266; the printed counts give 0.263 (reference README)
        ("Rectal complete response", ["", ""], "0.263", "*"),
        ("No", ["59 (91)", "113 (88)"], "", ""),
        ("pCR", ["6 (9)", "10 (8)"], "", ""),
        ("cCR", ["0 (0)", "5 (4)"], "", ""),
    ];
    for (row, (label, cells, p, marker)) in t.rows.iter().zip(expected) {
        assert_eq!(
            (
                row.label.as_str(),
                row.cells.clone(),
                row.p.as_str(),
                row.marker.as_str()
            ),
            (label, cells.map(str::to_string).to_vec(), p, marker)
        );
    }
    // the two rows within completed schedules (19.2 (8.2) and 18.2 (11.8)
    // in the reference layout notes)
    let duration = &t.rows[27];
    assert_eq!(
        duration.label,
        "Treatment duration if scheme completed (weeks), median (i.q.r.)"
    );
    assert_eq!(duration.cells, ["44.1 (39.4–49.9)", "35.9 (29.6–42.7)"]);
    assert_eq!(
        (duration.p.as_str(), duration.marker.as_str()),
        ("<0.001", "†")
    );
    let stay = &t.rows[28];
    assert_eq!(
        stay.label,
        "Total duration of hospital stay if scheme completed (days), mean (s.d.)"
    );
    assert_eq!(stay.cells, ["19.2 (8.2)", "18.2 (11.8)"]);
    assert_eq!(
        stay.marker, "†",
        "Mann–Whitney even for the mean (s.d.) row, as published"
    );
    assert_eq!(t.rows.len(), 29);

    assert!(t.footnotes[0].starts_with("Values are n (%) unless otherwise indicated"));
    assert!(t
        .footnotes
        .iter()
        .any(|f| f == "*Pearson χ² test without continuity correction."));
    assert!(t
        .footnotes
        .iter()
        .any(|f| f == "†Mann–Whitney U test (normal approximation with continuity correction)."));
    // the subset rows count only completed schedules: 72 and 133 patients
    let stay_stats = report
        .continuous
        .iter()
        .find(|c| c.variable == "hospital_stay_days")
        .unwrap();
    assert_eq!(stay_stats.by_group[0].n, 72);
    assert_eq!(stay_stats.by_group[1].n, 133);
}

#[test]
fn a_subset_row_without_a_label_names_its_condition() {
    let spec_text = r#"{
      "group": {"column": "arm"},
      "variables": [
        {"name": "weeks", "kind": "continuous", "where": {"column": "done", "equals": "yes"}},
        {"name": "stay", "kind": "continuous", "where": {"column": "done", "equals": ["yes", "partly"]}, "label": "Stay if completed"}
      ]
    }"#;
    let spec = insitu_core::Spec::from_json(spec_text, "s.json").unwrap();
    let csv = "arm,weeks,stay,done\nA,10,5,yes\nA,12,6,no\nA,11,7,partly\nB,14,8,yes\nB,15,9,no\nB,9,3,yes\n";
    let report = insitu_core::analyze(csv.as_bytes(), "d.csv", &spec).unwrap();
    let labels: Vec<&str> = report
        .table1
        .rows
        .iter()
        .map(|r| r.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "weeks if done = yes, median (i.q.r.)",
            "Stay if completed, median (i.q.r.)"
        ]
    );
    let weeks = &report.continuous[0];
    assert_eq!((weeks.by_group[0].n, weeks.by_group[1].n), (1, 2));
    let stay = &report.continuous[1];
    assert_eq!((stay.by_group[0].n, stay.by_group[1].n), (2, 2));
    // the overall column sees the same subset: weeks 10, 14, 9; stay 5, 7,
    // 8, 3 (not the rows with done = no)
    assert_eq!(weeks.overall.n, 3);
    assert_eq!(
        (weeks.overall.median, weeks.overall.min, weeks.overall.max),
        (Some(10.0), Some(9.0), Some(14.0))
    );
    assert_eq!(stay.overall.n, 4);
    assert_eq!(stay.overall.mean, Some(5.75));
}

#[test]
fn display_options_overall_missing_smd_and_p_style() {
    let spec_text = r#"{
      "group": {"column": "arm", "levels": ["A", "B"]},
      "filter": [{"column": "keep", "equals": ["y", 1]}],
      "variables": [
        {"name": "age", "kind": "continuous", "display": "median_iqr_mean_sd", "decimals": 2},
        {"name": "old", "column": "age", "bin": {"breaks": [70]}, "label": "Age ≥ 70", "show_levels": ["≥ 70"]},
        {"name": "sex", "levels": ["M", "F"]}
      ],
      "table1": {"overall_column": true, "missing_row": true, "smd": true, "p_style": "nejm"}
    }"#;
    let spec = insitu_core::Spec::from_json(spec_text, "s.json").unwrap();
    let csv = "arm,age,sex,keep
A,60,M,y
A,72,F,y
A,NA,M,1
B,75,F,y
B,80,,y
B,65,M,y
B,99,M,n
";
    let report = insitu_core::analyze(csv.as_bytes(), "x.csv", &spec).unwrap();
    let t = &report.table1;
    assert_eq!(
        t.columns,
        ["", "A (n = 3)", "B (n = 3)", "Overall (n = 6)", "SMD", "P"]
    );
    assert!(report
        .warnings
        .iter()
        .any(|w| w.contains("1 row(s) excluded") && w.contains("keep = y or 1")));
    let labels: Vec<&str> = t.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "age",
            "median (i.q.r.)",
            "mean (s.d.)",
            "Missing",
            "Age ≥ 70",
            "Missing",
            "sex",
            "M",
            "F",
            "Missing"
        ]
    );
    // A: 60, 72 → median 66 (63–69), mean 66 (8.49); B: 75, 80, 65
    assert_eq!(t.rows[1].cells[0], "66.00 (63.00–69.00)");
    assert_eq!(t.rows[2].cells[0], "66.00 (8.49)");
    assert_eq!(t.rows[3].cells[..3], ["1", "0", "1"]);
    // the binned row shows only "≥ 70": A 1 of 2, B 2 of 3
    assert_eq!(t.rows[4].cells[..3], ["1 (50)", "2 (67)", "3 (60)"]);
    // SMD of age: |66 − 73.33| / sqrt((72 + 58.33)/2)
    let smd: f64 = t.rows[0].cells[3].parse().unwrap();
    let expected = (66.0f64 - 220.0 / 3.0).abs() / ((72.0 + 175.0 / 3.0) / 2.0f64).sqrt();
    assert!((smd - expected).abs() < 0.005, "{smd} vs {expected}");
    // NEJM style: two decimals above 0.01
    assert_eq!(t.rows[0].p.len(), 4, "{}", t.rows[0].p);
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
    assert!(csv.contains("\n  cT2,1 (1),4 (2),\n"), "{csv}");
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
