//! Bad input gets a clear message naming file, row (file line), column and
//! value — never a panic, never a silent drop.

use insitu_core::{analyze, ErrorKind, Spec};

const SPEC: &str = r#"{
  "group": {"column": "arm", "levels": ["A", "B"]},
  "variables": [{"name": "age", "kind": "continuous"},
                {"name": "sex", "kind": "categorical", "levels": ["M", "F"]}],
  "endpoints": [{"name": "OS", "time": "time", "event": "status", "time_unit": "months"}]
}"#;

fn run(csv: &str) -> insitu_core::Error {
    let spec = Spec::from_json(SPEC, "spec.json").unwrap();
    analyze(csv.as_bytes(), "cohort.csv", &spec).expect_err("should be refused")
}

const GOOD: &str = "arm,age,sex,time,status\nA,60,M,12,1\nB,61,F,10,0\nA,62,F,3,1\nB,58,M,7,1\n";

#[test]
fn the_good_file_is_accepted() {
    let spec = Spec::from_json(SPEC, "spec.json").unwrap();
    let report = analyze(GOOD.as_bytes(), "cohort.csv", &spec).unwrap();
    assert_eq!(report.groups[0].n, 2);
}

#[test]
fn ragged_row_names_file_and_line() {
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nB,61,F,10\n");
    assert_eq!(e.kind(), ErrorKind::RaggedRow);
    let text = e.to_string();
    assert!(text.contains("cohort.csv"), "{text}");
    assert!(text.contains("line 3"), "{text}");
    assert!(text.contains("4 fields") && text.contains('5'), "{text}");
}

#[test]
fn text_in_a_continuous_column() {
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nB,sixty,F,10,0\n");
    assert_eq!(e.kind(), ErrorKind::NotANumber);
    let text = e.to_string();
    for part in ["cohort.csv", "line 3", "\"age\"", "\"sixty\""] {
        assert!(text.contains(part), "{part} missing in: {text}");
    }
}

#[test]
fn event_other_than_0_1_explains_event_codes() {
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nB,61,F,10,dead\n");
    assert_eq!(e.kind(), ErrorKind::BadEvent);
    let text = e.to_string();
    for part in ["line 3", "\"status\"", "\"dead\"", "event_codes"] {
        assert!(text.contains(part), "{part} missing in: {text}");
    }
}

#[test]
fn lung_style_2_1_coding_is_refused_unless_declared() {
    let csv = "arm,age,sex,time,status\nA,60,M,12,2\nB,61,F,10,1\nA,62,F,3,2\nB,58,M,7,2\n";
    let e = run(csv);
    assert_eq!(e.kind(), ErrorKind::BadEvent);
    let declared = SPEC.replacen(
        "\"endpoints\"",
        "\"options\": {\"event_codes\": {\"event\": [\"2\"], \"censored\": [\"1\"]}},\n  \"endpoints\"",
        1,
    );
    let spec = Spec::from_json(&declared, "spec.json").unwrap();
    let report = analyze(csv.as_bytes(), "cohort.csv", &spec).unwrap();
    assert_eq!(report.survival[0].km[0].events, 2);
    assert_eq!(report.survival[0].km[1].events, 1);
}

#[test]
fn negative_time() {
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nB,61,F,-3,0\n");
    assert_eq!(e.kind(), ErrorKind::BadTime);
    let text = e.to_string();
    for part in ["line 3", "\"time\"", "\"-3\""] {
        assert!(text.contains(part), "{part} missing in: {text}");
    }
}

#[test]
fn unknown_column_lists_the_columns() {
    let e = run("arm,age,gender,time,status\nA,60,M,12,1\nB,61,F,10,0\n");
    assert_eq!(e.kind(), ErrorKind::UnknownColumn);
    let text = e.to_string();
    assert!(text.contains("\"sex\""), "{text}");
    assert!(text.contains("gender"), "{text}");
}

#[test]
fn a_level_not_in_the_spec_is_an_error_not_a_drop() {
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nB,61,X,10,0\n");
    assert_eq!(e.kind(), ErrorKind::UnknownLevel);
    let text = e.to_string();
    for part in ["line 3", "\"sex\"", "\"X\""] {
        assert!(text.contains(part), "{part} missing in: {text}");
    }
}

#[test]
fn fewer_than_two_groups() {
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nA,61,F,10,0\n");
    assert_eq!(e.kind(), ErrorKind::TooFewGroups);
    let text = e.to_string();
    assert!(
        text.contains("\"arm\"") && text.contains("found 1 (A)"),
        "{text}"
    );
}

#[test]
fn empty_file() {
    let e = run("");
    assert_eq!(e.kind(), ErrorKind::EmptyFile);
    assert!(e.to_string().contains("cohort.csv"), "{e}");
}

#[test]
fn missing_time_excludes_the_row_and_says_so() {
    let csv =
        "arm,age,sex,time,status\nA,60,M,12,1\nB,61,F,NA,0\nA,62,F,3,1\nB,58,M,7,1\nB,50,M,9,0\n";
    let spec = Spec::from_json(SPEC, "spec.json").unwrap();
    let report = analyze(csv.as_bytes(), "cohort.csv", &spec).unwrap();
    assert_eq!(report.survival[0].n_excluded_missing, 1);
    assert_eq!(report.survival[0].n_used, 4);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("1 row(s) excluded from OS") && w.contains("line 3")),
        "{:?}",
        report.warnings
    );
}

/// With errors in a Table 1 column and in an endpoint's column, the
/// message is the first in spec order — the variable's — whichever is
/// typed first (the CLI types them two at a time).
#[test]
fn the_first_error_in_spec_order_is_reported() {
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nB,sixty,F,10,dead\nA,62,X,-3,1\n");
    assert_eq!(e.kind(), ErrorKind::NotANumber);
    assert!(e.to_string().contains("\"sixty\""), "{e}");
    let e = run("arm,age,sex,time,status\nA,60,M,12,1\nB,61,X,10,dead\n");
    assert!(e.to_string().contains("\"sex\""), "{e}");
}
