#![allow(dead_code)]
//! Shared helpers of the integration tests: where the reference is.

use std::path::PathBuf;

/// `shared/reference` (override with `INSITU_REFERENCE`).
pub fn reference_dir() -> PathBuf {
    match std::env::var_os("INSITU_REFERENCE") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    }
}

/// The reference data set names (those with a spec and expected values).
pub fn dataset_names() -> Vec<String> {
    let dir = reference_dir();
    let mut names: Vec<String> = std::fs::read_dir(dir.join("expected"))
        .expect("reference folder (set INSITU_REFERENCE)")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Analyses reference data set `name` and returns its report as JSON.
pub fn analyse_reference(name: &str) -> (insitu_core::Report, serde_json::Value) {
    let dir = reference_dir().join("datasets");
    let spec_text = std::fs::read_to_string(dir.join(format!("{name}.spec.json"))).unwrap();
    let spec = insitu_core::Spec::from_json(&spec_text, name).unwrap();
    let csv = spec.csv.clone().unwrap();
    let bytes = std::fs::read(dir.join(&csv)).unwrap();
    let report = insitu_core::analyze(&bytes, &csv, &spec).unwrap();
    let value = serde_json::to_value(&report).unwrap();
    (report, value)
}

/// R's expected values for `name`.
pub fn expected(name: &str) -> serde_json::Value {
    let path = reference_dir()
        .join("expected")
        .join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}
