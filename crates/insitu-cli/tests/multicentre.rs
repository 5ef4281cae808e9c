//! `insitu aggregate` and `insitu merge` end to end: files, outputs,
//! audit, exit codes and messages.

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
    let dir = std::env::temp_dir().join(format!("insitu-mc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn spec(name: &str) -> PathBuf {
    reference_dir()
        .join("datasets")
        .join(format!("{name}.spec.json"))
}

/// The reference CSV split by row into `k` files C1..Ck.csv in `dir`.
fn split(name: &str, k: usize, dir: &Path) -> Vec<PathBuf> {
    let text =
        std::fs::read_to_string(reference_dir().join("datasets").join(format!("{name}.csv")))
            .unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    (0..k)
        .map(|c| {
            let mut part = format!("{header}\n");
            for (i, row) in rows.iter().enumerate() {
                if i % k == c {
                    part.push_str(row);
                    part.push('\n');
                }
            }
            let path = dir.join(format!("C{}.csv", c + 1));
            std::fs::write(&path, part).unwrap();
            path
        })
        .collect()
}

/// Aggregates each part; returns the JSON files.
fn aggregate_all(name: &str, parts: &[PathBuf], dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    parts
        .iter()
        .enumerate()
        .map(|(c, part)| {
            let spec = spec(name);
            let out = dir.join(format!("C{}.json", c + 1));
            let centre = format!("C{}", c + 1);
            let mut args = vec![
                "aggregate",
                s(&spec),
                "--csv",
                s(part),
                "--centre",
                &centre,
                "--out",
                s(&out),
            ];
            args.extend_from_slice(extra);
            let o = insitu(&args);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            assert!(stderr(&o).contains("wrote"), "{}", stderr(&o));
            out
        })
        .collect()
}

#[test]
fn aggregate_then_merge_gives_the_pooled_report() {
    let dir = scratch("round-trip");
    let parts = split("ovarian", 2, &dir);
    let files = aggregate_all("ovarian", &parts, &dir, &["--small-cells", "keep"]);
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(file["format"], "insitu-aggregate");
    assert_eq!(file["version"], 1);
    assert_eq!(file["disclosure"]["small_cells"], "keep");

    let o = insitu(&["merge", s(&files[0]), s(&files[1])]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let merged: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // the same groups as the patient-level report, and the multicentre part
    let analysed = insitu(&["analyze", s(&spec("ovarian"))]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&analysed)).unwrap();
    assert_eq!(merged["groups"], report["groups"]);
    assert_eq!(
        merged["categorical"][0]["by_group"],
        report["categorical"][0]["by_group"]
    );
    assert_eq!(merged["multicentre"]["centres"][1]["centre"], "C2");
    assert!(stderr(&o).contains("insitu: note: Merged from 2 centre summaries"));

    let md = stdout(&insitu(&[
        "merge",
        s(&files[0]),
        s(&files[1]),
        "--format",
        "md",
    ]));
    assert!(md.contains("Pooled from 2 centres"), "{md}");
    assert!(md.contains('≈'), "{md}");
    let csv = stdout(&insitu(&[
        "merge",
        s(&files[0]),
        s(&files[1]),
        "--format",
        "csv",
    ]));
    assert!(csv.contains("P, stratified by centre"), "{csv}");
    let html = stdout(&insitu(&[
        "merge",
        s(&files[0]),
        s(&files[1]),
        "--format",
        "html",
    ]));
    assert!(html.contains("Multicentre summary") && html.contains("<svg"));
    let by_centre = stdout(&insitu(&[
        "merge",
        s(&files[0]),
        s(&files[1]),
        "--format",
        "md",
        "--by-centre",
    ]));
    assert!(
        by_centre.contains("| C1: 1 (n = 8) | C1: 2 (n = 5) |"),
        "{by_centre}"
    );
}

#[test]
fn audit_prints_every_number_without_writing() {
    let dir = scratch("audit");
    let parts = split("lung", 2, &dir);
    let o = insitu(&[
        "aggregate",
        s(&spec("lung")),
        "--csv",
        s(&parts[0]),
        "--centre",
        "North",
        "--audit",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("Everything this file sends out of centre North"));
    assert!(text.contains("smallest cell 5, policy coarsen"));
    assert!(text.contains("log-rank terms of this centre"));
    assert!(
        std::fs::read_dir(&dir).unwrap().count() == 2,
        "nothing written"
    );
}

#[test]
fn aggregate_refusals_exit_with_two() {
    let dir = scratch("refusals");
    let parts = split("ovarian", 2, &dir);
    let spec = spec("ovarian");
    let base = [
        "aggregate",
        s(&spec),
        "--csv",
        s(&parts[0]),
        "--centre",
        "C1",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        insitu(&args)
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("give --out FILE.json"),
        "{}",
        stderr(&o)
    );
    let out = dir.join("x.json");
    let o = run(&["--out", s(&out), "--min-cell", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("at least 3"), "{}", stderr(&o));
    let o = run(&["--out", s(&out), "--grid", "zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--grid zero"), "{}", stderr(&o));
    let o = run(&["--out", s(&out), "--grid", "DFS=7"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("endpoint \"DFS\""), "{}", stderr(&o));
    let o = run(&["--out", s(&out), "--small-cells", "drop"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    let o = run(&["--out", s(&out), "--grid", "OS=7", "--bin", "age=5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let file = std::fs::read_to_string(&out).unwrap();
    assert!(file.contains("\"grid\": 7.0") && file.contains("\"width\": 5.0"));
}

#[test]
fn merge_refuses_another_spec_and_foreign_files() {
    let dir = scratch("merge-refusals");
    let parts = split("ovarian", 2, &dir);
    let files = aggregate_all("ovarian", &parts, &dir, &[]);
    // the second centre used an edited spec
    let mut edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(spec("ovarian")).unwrap()).unwrap();
    edited["title"] = serde_json::Value::String("Another title".to_string());
    edited["csv"] = serde_json::Value::String(s(&parts[1]).to_string());
    let edited_path = dir.join("edited.spec.json");
    std::fs::write(&edited_path, edited.to_string()).unwrap();
    let other = dir.join("other.json");
    let o = insitu(&[
        "aggregate",
        s(&edited_path),
        "--centre",
        "C2",
        "--out",
        s(&other),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = insitu(&["merge", s(&files[0]), s(&other)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("was made with another spec"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());

    let o = insitu(&["merge", s(&files[0]), s(&spec("ovarian"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not an Insitu aggregate file"),
        "{}",
        stderr(&o)
    );

    let o = insitu(&["merge", s(&files[0]), s(&files[0])]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("two files for centre C1"),
        "{}",
        stderr(&o)
    );

    let o = insitu(&["merge"]);
    assert_eq!(o.status.code(), Some(2));

    let o = insitu(&["merge", s(&dir.join("missing.json"))]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}
