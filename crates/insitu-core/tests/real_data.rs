//! Clinicians' real files: dates instead of times, Excel's semicolons,
//! decimal commas and Windows-1252, composite endpoints. Each copy is made
//! here from a shared reference CSV and must give exactly the results of
//! the original.

mod common;

use insitu_core::ingest::date::{civil_from_days, days_from_civil};
use insitu_core::{analyze, ErrorKind, Report, Spec};
use serde_json::Value;

fn read_reference(name: &str) -> (String, Value) {
    let dir = common::reference_dir().join("datasets");
    let csv = std::fs::read_to_string(dir.join(format!("{name}.csv"))).unwrap();
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}.spec.json"))).unwrap(),
    )
    .unwrap();
    (csv, spec)
}

fn run(csv: &[u8], spec: &Value) -> Report {
    let spec = Spec::from_json(&spec.to_string(), "spec.json").unwrap();
    analyze(csv, "copy.csv", &spec).unwrap()
}

/// A CSV as rows of fields (the reference files have no quoted commas).
fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn dmy(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{d:02}-{m:02}-{y}")
}

/// The survival results without the bookkeeping that names columns.
fn survival(report: &Report) -> Value {
    let mut v = serde_json::to_value(&report.survival).unwrap();
    for s in v.as_array_mut().unwrap() {
        let s = s.as_object_mut().unwrap();
        s.remove("time_column");
        s.remove("event_column");
    }
    v
}

#[test]
fn dates_give_exactly_the_results_of_times() {
    for name in ["lung", "colon", "veteran"] {
        let (csv, mut spec) = read_reference(name);
        let original = run(csv.as_bytes(), &spec);
        let table = rows(&csv);
        let header = &table[0];
        let endpoints = spec["endpoints"].as_array().unwrap().clone();
        let mut out = table.clone();
        out[0].push("diagnosis_date".to_string());
        let base = days_from_civil(2004, 3, 15);
        for (i, row) in out.iter_mut().enumerate().skip(1) {
            row.push(dmy(base + (i as i64 * 37) % 2000));
        }
        for (k, e) in endpoints.iter().enumerate() {
            let time = e["time"].as_str().unwrap();
            let col = header.iter().position(|h| h == time).unwrap();
            out[0].push(format!("end_date_{k}"));
            for i in 1..out.len() {
                let start = base + (i as i64 * 37) % 2000;
                let t = &table[i][col];
                out[i].push(if t.is_empty() {
                    String::new()
                } else {
                    dmy(start + t.parse::<f64>().unwrap() as i64)
                });
            }
            let endpoint = spec["endpoints"][k].as_object_mut().unwrap();
            endpoint.remove("time");
            endpoint.insert("start_date".into(), "diagnosis_date".into());
            endpoint.insert("end_date".into(), format!("end_date_{k}").into());
        }
        let dated: String = out.iter().map(|r| r.join(",") + "\n").collect();
        let from_dates = run(dated.as_bytes(), &spec);
        assert_eq!(survival(&from_dates), survival(&original), "{name}");
        assert_eq!(from_dates.table1, original.table1, "{name}");
    }
}

#[test]
fn excel_semicolons_decimal_commas_and_windows_1252_change_nothing() {
    let (csv, spec) = read_reference("paper_lfa_m1");
    let original = run(csv.as_bytes(), &spec);
    // Excel (Dutch/German Windows): ';' between fields, ',' in numbers,
    // CRLF, Windows-1252; an accented label proves the decoding.
    let mut text = String::new();
    for line in csv.lines() {
        let fields: Vec<String> = line.split(',').map(|f| f.replace('.', ",")).collect();
        text.push_str(&fields.join(";"));
        text.push_str("\r\n");
    }
    let text = text.replace(";No;", ";Non répondeur;");
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| if c == 'é' { 0xE9 } else { c as u8 })
        .collect();
    let mut spec = spec.clone();
    for v in spec["variables"].as_array_mut().unwrap() {
        if v["name"] == "rectal_response" {
            v["levels"] = serde_json::json!(["Non répondeur", "pCR", "cCR"]);
        }
    }
    let excel = run(&bytes, &spec);
    assert_eq!(excel.reading.delimiter, ";");
    assert_eq!(excel.reading.decimal_mark, "comma");
    assert_eq!(excel.reading.encoding, "Windows-1252");
    assert_eq!(survival(&excel), survival(&original));
    assert_eq!(
        serde_json::to_value(&excel.continuous).unwrap(),
        serde_json::to_value(&original.continuous).unwrap()
    );
    let rectal = excel
        .categorical
        .iter()
        .find(|c| c.variable == "rectal_response")
        .unwrap();
    assert_eq!(rectal.levels[0], "Non répondeur");
    let original_rectal = original
        .categorical
        .iter()
        .find(|c| c.variable == "rectal_response")
        .unwrap();
    assert_eq!(
        rectal.tests.chisq_pearson,
        original_rectal.tests.chisq_pearson
    );
    assert_eq!(rectal.by_group, original_rectal.by_group);
}

const PFS_SPEC: &str = r#"{
  "group": {"column": "arm"},
  "endpoints": [
    {"name": "PFS", "time_unit": "days", "start_date": "start",
     "components": [{"name": "progression", "date": "progression"}, {"name": "death", "date": "death"}],
     "last_followup_date": "last_seen"},
    {"name": "PFS from times", "time_unit": "days",
     "components": [{"name": "progression", "time": "prog_t", "event": "prog_e"},
                    {"name": "death", "time": "death_t", "event": "death_e"}]}
  ]
}"#;

#[test]
fn composite_endpoint_is_the_first_event() {
    // progression and death as dates, and the same as times
    let csv = "arm,start,progression,death,last_seen,prog_t,prog_e,death_t,death_e\n\
               A,2020-01-01,2020-03-01,2020-06-01,2020-06-01,60,1,152,1\n\
               A,2020-01-01,,2020-02-01,2020-02-01,31,0,31,1\n\
               B,2020-01-01,,,2020-12-31,365,0,365,0\n\
               B,2020-01-01,2020-01-11,,2020-05-01,10,1,121,0\n";
    let spec = Spec::from_json(PFS_SPEC, "pfs.json").unwrap();
    let report = analyze(csv.as_bytes(), "pfs.csv", &spec).unwrap();
    for s in &report.survival {
        let a = &s.km[0].table;
        assert_eq!(a.time, [31.0, 60.0], "{}", s.endpoint);
        assert_eq!(a.n_event, [1, 1]);
        let b = &s.km[1].table;
        assert_eq!(b.time, [10.0, 365.0]);
        assert_eq!(
            (b.n_event.clone(), b.n_censor.clone()),
            (vec![1, 0], vec![0, 1])
        );
    }
}

#[test]
fn date_errors_name_the_row() {
    let spec = r#"{"group": {"column": "arm"}, "endpoints": [{"name": "OS", "time_unit": "months",
        "start_date": "start", "end_date": "end", "event": "dead"}]}"#;
    let spec = Spec::from_json(spec, "s.json").unwrap();
    let before = "arm,start,end,dead\nA,15-01-2020,20-03-2020,1\nB,15-01-2020,10-01-2020,0\n";
    let e = analyze(before.as_bytes(), "d.csv", &spec).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadTime);
    assert!(
        e.to_string().contains("line 3") && e.to_string().contains("before the start date"),
        "{e}"
    );
    let no_day = "arm,start,end,dead\nA,15-01-2020,20-03-2020,1\nB,31-02-2020,10-05-2020,0\n";
    let e = analyze(no_day.as_bytes(), "d.csv", &spec).unwrap_err();
    assert!(
        e.to_string().contains("\"31-02-2020\"") && e.to_string().contains("no day 31"),
        "{e}"
    );
    let ambiguous = "arm,start,end,dead\nA,01-02-2020,03-04-2020,1\nB,05-06-2020,07-08-2020,0\n";
    let e = analyze(ambiguous.as_bytes(), "d.csv", &spec).unwrap_err();
    assert!(e.to_string().contains("date_format"), "{e}");
    // months: days / 30.4375
    let ok = "arm,start,end,dead\nA,15-01-2020,20-03-2020,1\nB,15-01-2020,25-01-2020,0\n";
    let report = analyze(ok.as_bytes(), "d.csv", &spec).unwrap();
    assert_eq!(report.survival[0].km[0].table.time, [65.0 / 30.4375]);
}
