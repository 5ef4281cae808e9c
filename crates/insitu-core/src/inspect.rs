//! A first look at a file before any analysis: the detected format, the
//! columns with their inferred kind, missing counts and levels, and the first
//! rows. The app shows this as the preview the user confirms or overrides;
//! the JS API returns it from `inspect(bytes)`.

use serde::{Deserialize, Serialize};

use crate::data::infer_kind;
use crate::error::Result;
use crate::ingest::{dialect::delimiter_name, read_table, ReadOptions, Table};
use crate::spec::{EndpointSpec, GroupSpec, Spec, SpecOptions, VariableKind, VariableSpec};

/// Distinct values listed per categorical column, at most.
pub const MAX_LEVELS_SHOWN: usize = 50;
/// Preview rows, at most.
pub const PREVIEW_ROWS: usize = 10;

/// What a file looks like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// Name of the file.
    pub file_name: String,
    /// Detected text encoding.
    pub encoding: String,
    /// Field delimiter (display name).
    pub delimiter: String,
    /// Field delimiter character.
    pub delimiter_char: String,
    /// Whether the delimiter was detected rather than given.
    pub delimiter_detected: bool,
    /// Decimal mark in use ("point" or "comma").
    pub decimal_mark: String,
    /// Values read as missing.
    pub missing_codes: Vec<String>,
    /// Data rows.
    pub n_rows: usize,
    /// Empty lines skipped.
    pub skipped_empty_lines: Vec<u64>,
    /// The columns.
    pub columns: Vec<ColumnInfo>,
    /// The first rows, as text.
    pub preview: Vec<Vec<String>>,
}

/// One column as inferred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// Header.
    pub name: String,
    /// Inferred kind.
    pub kind: VariableKind,
    /// Missing values.
    pub n_missing: usize,
    /// Distinct non-missing values, counted up to
    /// [`DISTINCT_LIMIT`](crate::ingest::typed::DISTINCT_LIMIT) for text and
    /// [`DISTINCT_NUMBERS`](crate::ingest::typed::DISTINCT_NUMBERS) for
    /// numbers (then `distinct_capped`).
    pub n_distinct: usize,
    /// True when the column has more distinct values than were counted
    /// (`n_distinct` is then the limit).
    #[serde(default)]
    pub distinct_capped: bool,
    /// Distinct values in byte order (at most [`MAX_LEVELS_SHOWN`]; of the
    /// first values met up to the limit when capped).
    pub levels: Vec<String>,
    /// Whether every non-missing value is 0 or 1 (an event indicator?).
    pub binary_01: bool,
}

/// Inspects a read table.
pub fn inspect_table(table: &Table) -> Inspection {
    let missing = &table.dialect.missing_codes;
    let columns = table
        .headers
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let numbers = table.numbers(j);
            let distinct = table.distinct(j);
            ColumnInfo {
                name: name.clone(),
                kind: infer_kind(numbers),
                n_missing: distinct.n_missing,
                n_distinct: distinct.values.len(),
                distinct_capped: distinct.capped,
                binary_01: !distinct.capped
                    && !distinct.values.is_empty()
                    && distinct.values.iter().all(|v| v == "0" || v == "1"),
                levels: distinct
                    .values
                    .iter()
                    .take(MAX_LEVELS_SHOWN)
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    let preview = (0..table.n_rows().min(PREVIEW_ROWS))
        .map(|i| {
            table
                .columns()
                .iter()
                .map(|c| c.get(i).to_string())
                .collect()
        })
        .collect();
    Inspection {
        file_name: table.file_name.clone(),
        encoding: table.dialect.encoding.name().to_string(),
        delimiter: delimiter_name(table.dialect.delimiter),
        delimiter_char: table.dialect.delimiter.to_string(),
        delimiter_detected: table.dialect.delimiter_detected,
        decimal_mark: table.dialect.decimal_mark.name().to_string(),
        missing_codes: missing.all(),
        n_rows: table.n_rows(),
        skipped_empty_lines: table.skipped_empty_lines.clone(),
        columns,
        preview,
    }
}

/// Reads and inspects `bytes`.
pub fn inspect(bytes: &[u8], file_name: &str, options: &ReadOptions) -> Result<Inspection> {
    Ok(inspect_table(&read_table(bytes, file_name, options)?))
}

/// Column names that usually hold the compared groups.
const GROUP_NAMES: [&str; 8] = [
    "group",
    "arm",
    "treatment",
    "trt",
    "rx",
    "schedule",
    "cohort",
    "groep",
];

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// A first spec for a file nobody has described yet: the group column (a
/// column named like "group"/"arm"/"treatment", else the first categorical
/// column with 2–6 levels), endpoints from time/event column pairs
/// (`os_months` + `os_event`, `time` + `status`), and every other column
/// with fewer than 50 distinct text values or numeric as a Table 1 row.
/// The user confirms or changes every choice.
pub fn suggest_spec(inspection: &Inspection) -> Spec {
    let columns = &inspection.columns;
    let candidate =
        |c: &&ColumnInfo| c.kind == VariableKind::Categorical && (2..=6).contains(&c.n_distinct);
    let group = columns
        .iter()
        .filter(candidate)
        .find(|c| GROUP_NAMES.contains(&lower(&c.name).as_str()))
        .or_else(|| columns.iter().find(candidate))
        .or_else(|| columns.iter().find(|c| (2..=6).contains(&c.n_distinct)))
        .or(columns.first());
    let group_name = group.map(|c| c.name.clone()).unwrap_or_default();

    // endpoints: an event column (0/1) whose prefix names a numeric time column
    let mut endpoints = Vec::new();
    let mut used: Vec<String> = vec![group_name.clone()];
    for event in columns.iter().filter(|c| c.binary_01) {
        let name = lower(&event.name);
        let prefix = ["_event", "_status", ".event", ".status", "event", "status"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .map(str::to_string);
        let Some(prefix) = prefix else { continue };
        let time = columns.iter().find(|c| {
            let t = lower(&c.name);
            c.kind == VariableKind::Continuous
                && !c.binary_01
                && t.starts_with(&prefix)
                && ["time", "days", "months", "weeks", "years", "_t", "futime"]
                    .iter()
                    .any(|s| t.ends_with(s))
        });
        if let Some(time) = time {
            let t = lower(&time.name);
            let unit = ["days", "weeks", "months", "years"]
                .iter()
                .find(|u| t.contains(&u[..u.len() - 1]))
                .unwrap_or(&"days");
            let label = prefix.trim_end_matches(['_', '.']).to_uppercase();
            endpoints.push(EndpointSpec {
                name: if label.is_empty() {
                    format!("Endpoint {}", endpoints.len() + 1)
                } else {
                    label
                },
                time: time.name.clone(),
                event: event.name.clone(),
                time_unit: unit.to_string(),
                ..EndpointSpec::default()
            });
            used.push(time.name.clone());
            used.push(event.name.clone());
        }
    }

    let variables = columns
        .iter()
        .filter(|c| !used.contains(&c.name))
        .filter(|c| c.n_distinct > 0)
        .filter(|c| c.kind == VariableKind::Continuous || c.n_distinct <= 20)
        .filter(|c| {
            let n = lower(&c.name);
            !(n == "id" || n.ends_with("_id") || n.starts_with("id_") || n == "patient")
        })
        .map(|c| VariableSpec {
            name: c.name.clone(),
            kind: Some(c.kind),
            ..VariableSpec::default()
        })
        .collect();

    Spec {
        name: Some(
            inspection
                .file_name
                .rsplit_once('.')
                .map_or(inspection.file_name.as_str(), |(stem, _)| stem)
                .to_string(),
        ),
        csv: Some(inspection.file_name.clone()),
        source: None,
        n_rows: None,
        title: None,
        group: GroupSpec {
            column: group_name,
            levels: None,
            label: None,
        },
        variables,
        endpoints,
        columns: None,
        notes: None,
        filter: Vec::new(),
        table1: None,
        options: SpecOptions::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::typed::{DISTINCT_LIMIT, DISTINCT_NUMBERS};

    #[test]
    fn semicolon_decimal_comma_file() {
        let bytes = b"arm;age;status\nA;61,5;1\nB;NA;0\nB;70;1\n";
        let i = inspect(bytes, "x.csv", &ReadOptions::default()).unwrap();
        assert_eq!(i.delimiter_char, ";");
        assert_eq!(i.decimal_mark, "comma");
        assert_eq!(i.n_rows, 3);
        assert_eq!(i.columns[0].kind, VariableKind::Categorical);
        assert_eq!(i.columns[0].levels, ["A", "B"]);
        assert_eq!(i.columns[1].kind, VariableKind::Continuous);
        assert_eq!(i.columns[1].n_missing, 1);
        assert!(i.columns[2].binary_01);
        assert_eq!(i.preview[0], ["A", "61,5", "1"]);
    }

    /// Distinct values are counted exactly up to the limits, then the
    /// count stops (and says so); levels and the 0/1 test stay exact below.
    #[test]
    fn distinct_values_are_counted_up_to_a_limit() {
        let mut csv = String::from("id,arm,dose,size,event\n");
        for k in 0..3000 {
            csv.push_str(&format!(
                "P{k:05},{},{},{},{}\n",
                ["B", "A", "C"][k % 3],
                k % 20,
                k,
                k % 2
            ));
        }
        let i = inspect(csv.as_bytes(), "x.csv", &ReadOptions::default()).unwrap();
        let c = |k: usize| &i.columns[k];
        assert_eq!(
            (c(0).n_distinct, c(0).distinct_capped),
            (DISTINCT_LIMIT, true)
        );
        assert_eq!(c(0).levels.len(), MAX_LEVELS_SHOWN);
        assert_eq!((c(1).n_distinct, c(1).distinct_capped), (3, false));
        assert_eq!(c(1).levels, ["A", "B", "C"]);
        assert_eq!((c(2).n_distinct, c(2).distinct_capped), (20, false));
        assert_eq!(
            (c(3).n_distinct, c(3).distinct_capped),
            (DISTINCT_NUMBERS, true)
        );
        assert_eq!(c(3).kind, VariableKind::Continuous);
        assert!(c(4).binary_01 && !c(3).binary_01);
    }

    #[test]
    fn suggested_spec_finds_group_and_endpoints() {
        let bytes =
            b"id,arm,age,sex,os_months,os_event\n1,A,60,M,12,1\n2,B,61,F,10,0\n3,A,70,F,3,1\n";
        let i = inspect(bytes, "trial.csv", &ReadOptions::default()).unwrap();
        let spec = suggest_spec(&i);
        assert_eq!(spec.group.column, "arm");
        assert_eq!(spec.endpoints.len(), 1);
        assert_eq!(spec.endpoints[0].name, "OS");
        assert_eq!(spec.endpoints[0].time, "os_months");
        assert_eq!(spec.endpoints[0].time_unit, "months");
        let names: Vec<&str> = spec.variables.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["age", "sex"]);
    }
}
