//! The `insitu` binary end to end: outputs, exit codes, validation.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn insitu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insitu"))
        .args(args)
        .output()
        .expect("run insitu")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn reference_dir() -> PathBuf {
    match std::env::var_os("INSITU_REFERENCE") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    }
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("insitu-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn demo_json_report() {
    let o = insitu(&["analyze", "--demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["groups"][0]["label"], "LFA");
    assert_eq!(report["groups"][0]["n"], 96);
    assert_eq!(report["groups"][1]["n"], 164);
    assert_eq!(report["survival"][0]["endpoint"], "OS");
}

#[test]
fn demo_markdown_in_the_paper_style() {
    let o = insitu(&["analyze", "--demo", "--format", "md"]);
    assert_eq!(o.status.code(), Some(0));
    let md = stdout(&o);
    assert!(md.contains("| LFA (n = 96) | M1 (n = 164) | P |"), "{md}");
    assert!(
        md.contains("| Sex ratio (M : F) | 67 : 29 | 116 : 48 | 0.873\\* |"),
        "{md}"
    );
}

#[test]
fn preset_changes_the_conventions_in_the_report() {
    let o = insitu(&["analyze", "--demo", "--preset", "sas"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let c = &report["conventions"]["resolved"];
    assert_eq!(c["quantile_type"], "type2");
    assert_eq!(c["km_ci"], "log-log");
    assert_eq!(c["wilcoxon"], "normal_cc");
}

#[test]
fn out_writes_every_format() {
    let dir = scratch("out");
    let o = insitu(&["analyze", "--demo", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for name in [
        "paper_lfa_m1.json",
        "paper_lfa_m1.table1.html",
        "paper_lfa_m1.table1.csv",
        "paper_lfa_m1.table1.md",
        "paper_lfa_m1.km.OS.svg",
        "paper_lfa_m1.km.PFS.svg",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(!text.is_empty(), "{name} is empty");
    }
    // figures as PNG at 300 dpi (pixels = SVG size × 300/96, pHYs after IHDR)
    let png = std::fs::read(dir.join("paper_lfa_m1.km.OS.png")).unwrap();
    assert_eq!(&png[..8], &[137, 80, 78, 71, 13, 10, 26, 10]);
    assert_eq!(&png[37..41], b"pHYs");
    assert_eq!(
        u32::from_be_bytes([png[41], png[42], png[43], png[44]]),
        11811
    );
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let svg = std::fs::read_to_string(dir.join("paper_lfa_m1.km.OS.svg")).unwrap();
    let svg_width: f64 = svg
        .split("width=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(width, (svg_width * 300.0 / 96.0).ceil() as u32);
    let docx = std::fs::read(dir.join("paper_lfa_m1.table1.docx")).unwrap();
    assert_eq!(&docx[..4], b"PK\x03\x04");
    assert!(svg.starts_with("<svg") && svg.contains("class=\"km-plot\""));
    assert!(svg.contains("Number at risk") && svg.contains("Log-rank P = "));
}

#[test]
fn validate_the_reference_passes() {
    let dir = reference_dir();
    let o = insitu(&["validate", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("validated ") && last.ends_with(" 0 mismatches"),
        "{last}"
    );
    assert!(out.contains("lung: validated "), "{out}");
}

fn copy_dataset(from: &Path, to: &Path, name: &str) {
    std::fs::create_dir_all(to.join("datasets")).unwrap();
    std::fs::create_dir_all(to.join("expected")).unwrap();
    let spec = std::fs::read_to_string(from.join(format!("datasets/{name}.spec.json"))).unwrap();
    std::fs::write(to.join(format!("datasets/{name}.spec.json")), spec).unwrap();
    std::fs::copy(
        from.join(format!("datasets/{name}.csv")),
        to.join(format!("datasets/{name}.csv")),
    )
    .unwrap();
    std::fs::copy(
        from.join(format!("expected/{name}.json")),
        to.join(format!("expected/{name}.json")),
    )
    .unwrap();
}

#[test]
fn validate_fails_on_a_perturbed_reference_value() {
    let dir = scratch("perturbed");
    copy_dataset(&reference_dir(), &dir, "ovarian");
    let path = dir.join("expected/ovarian.json");
    let mut expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let p = &mut expected["survival"][0]["logrank"]["p"];
    let value = p.as_f64().unwrap();
    *p = serde_json::json!(value * (1.0 + 1e-7));
    std::fs::write(&path, serde_json::to_string(&expected).unwrap()).unwrap();

    let o = insitu(&["validate", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("ovarian: validated "), "{out}");
    assert!(out.contains(", 1 mismatches"), "{out}");
    assert!(
        out.contains("mismatch survival[0].logrank.p: expected"),
        "{out}"
    );
}

#[test]
fn bad_input_exits_2_with_the_place_named() {
    let dir = scratch("bad");
    std::fs::write(
        dir.join("cohort.csv"),
        "arm;age;time;status\nA;60,5;12;1\nB;61;10;1\nB;x;3;0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("spec.json"),
        r#"{"csv": "cohort.csv", "group": {"column": "arm"},
            "variables": [{"name": "age", "kind": "continuous"}],
            "endpoints": [{"name": "OS", "time": "time", "event": "status", "time_unit": "months"}]}"#,
    )
    .unwrap();
    let o = insitu(&["analyze", dir.join("spec.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("cohort.csv, line 4, column \"age\", value \"x\""),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(insitu(&["analyze"]).status.code(), Some(2));
    assert_eq!(insitu(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(insitu(&["validate", "/no/such/dir"]).status.code(), Some(2));
}

#[test]
fn synth_writes_a_cohort_and_a_spec_that_analyse() {
    let dir = scratch("synth");
    let csv = dir.join("cohort.csv");
    let o = insitu(&[
        "synth",
        "--rows",
        "1500",
        "--seed",
        "9",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // the same seed on standard output gives the same bytes
    let again = insitu(&["synth", "--rows", "1500", "--seed", "9"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(again.stdout, std::fs::read(&csv).unwrap());
    let spec = dir.join("cohort.spec.json");
    let o = insitu(&["analyze", spec.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["n_rows"], 1500);
    assert!(report["data_file"]
        .as_str()
        .is_some_and(|f| f.ends_with("cohort.csv")));
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().contains("excluded from PFS"));
    // an unwritable place is bad input, not a panic
    let o = insitu(&["synth", "--out", "/nonexistent-dir/c.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot create"), "{}", stderr(&o));
}
