//! The analysis spec: which column is the group, which variables go into
//! Table 1, which endpoints are analysed, and the options.
//!
//! The JSON shape is the one of `shared/reference/datasets/*.spec.json`, plus
//! an `options` block. Informational keys (`title`, `source`, `columns`,
//! `notes`, `event_meaning`) are kept and shown; unknown keys are refused so
//! that a typo (`"levles"`) does not silently change an analysis.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::ingest::{DecimalMark, ReadOptions};
use crate::options::{
    CategoricalTest, CiType, ContinuousTest, ConventionOptions, Preset, QuantileType, Ties,
    WilcoxonMethod,
};

/// A whole analysis spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Short name of the data set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Data file, relative to the spec file.
    #[serde(default, alias = "data", skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// Where the data come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Expected number of data rows; checked when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_rows: Option<usize>,
    /// Title of the analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The grouping column.
    pub group: GroupSpec,
    /// Table 1 rows, in order.
    #[serde(default)]
    pub variables: Vec<VariableSpec>,
    /// Time-to-event endpoints, in order.
    #[serde(default)]
    pub endpoints: Vec<EndpointSpec>,
    /// Descriptions of the columns (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<BTreeMap<String, String>>,
    /// Free notes (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<String>>,
    /// Reading and statistical options.
    #[serde(default)]
    pub options: SpecOptions,
}

/// The grouping column and the order of its levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Column name.
    pub column: String,
    /// Level order; the first is the reference. Default: sorted by bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
    /// Label for the group in outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Whether a variable is summarised as counts or as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VariableKind {
    /// Counts per level.
    Categorical,
    /// Mean, SD, quartiles.
    Continuous,
}

/// One Table 1 row (or block of rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    /// Column name.
    pub name: String,
    /// Kind; inferred from the column when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<VariableKind>,
    /// Label shown in Table 1; the column name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Level order for categorical variables; default sorted by bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
}

/// One time-to-event endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// Name (OS, PFS, ...).
    pub name: String,
    /// Column with the time.
    pub time: String,
    /// Column with the event indicator.
    pub event: String,
    /// Unit of the time column (days, weeks, months, years).
    #[serde(default = "default_time_unit")]
    pub time_unit: String,
    /// What an event is (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_meaning: Option<String>,
    /// Times at which survival is reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landmark_times: Option<Vec<f64>>,
    /// Labels of the landmark times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landmark_labels: Option<Vec<String>>,
    /// Step of the number-at-risk table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_table_by: Option<f64>,
    /// Columns by which a stratified log-rank test is also made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stratified_logrank: Option<Vec<String>>,
}

fn default_time_unit() -> String {
    "days".to_string()
}

/// Which values of the event column mean event and censored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventCodes {
    /// Values meaning "event" (default `1`).
    pub event: Vec<String>,
    /// Values meaning "censored" (default `0`).
    pub censored: Vec<String>,
}

impl Default for EventCodes {
    fn default() -> EventCodes {
        EventCodes {
            event: vec!["1".to_string()],
            censored: vec!["0".to_string()],
        }
    }
}

/// The `options` block of a spec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecOptions {
    /// Preset of conventions (`r`, `spss`, `sas`).
    #[serde(default)]
    pub preset: Preset,
    /// Quartile definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_type: Option<QuantileType>,
    /// Mann–Whitney P value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wilcoxon: Option<WilcoxonMethod>,
    /// Kaplan–Meier CI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub km_ci: Option<CiType>,
    /// Cox ties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cox_ties: Option<Ties>,
    /// Test for categorical rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorical_test: Option<CategoricalTest>,
    /// Test for continuous rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous_test: Option<ContinuousTest>,
    /// Field delimiter; detected when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<char>,
    /// Decimal mark; detected when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal_mark: Option<DecimalMark>,
    /// Extra missing-value codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_codes: Vec<String>,
    /// Event and censoring codes of the event columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_codes: Option<EventCodes>,
    /// Text encoding of the data file; detected when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<crate::ingest::TextEncoding>,
}

impl SpecOptions {
    /// The reading options.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            delimiter: self.delimiter,
            decimal_mark: self.decimal_mark,
            missing_codes: self.missing_codes.clone(),
            encoding: self.encoding,
        }
    }

    /// The convention options.
    pub fn conventions(&self) -> ConventionOptions {
        ConventionOptions {
            preset: self.preset,
            quantile_type: self.quantile_type,
            wilcoxon: self.wilcoxon,
            km_ci: self.km_ci,
            cox_ties: self.cox_ties,
            categorical_test: self.categorical_test,
            continuous_test: self.continuous_test,
        }
    }

    /// Sets every convention from `conventions` (e.g. a `--preset` flag
    /// replaces the preset and clears overrides).
    pub fn set_conventions(&mut self, conventions: &ConventionOptions) {
        self.preset = conventions.preset;
        self.quantile_type = conventions.quantile_type;
        self.wilcoxon = conventions.wilcoxon;
        self.km_ci = conventions.km_ci;
        self.cox_ties = conventions.cox_ties;
        self.categorical_test = conventions.categorical_test;
        self.continuous_test = conventions.continuous_test;
    }
}

impl Spec {
    /// Parses a spec from JSON text; `file_name` is used in messages.
    pub fn from_json(text: &str, file_name: &str) -> Result<Spec> {
        let spec: Spec = serde_json::from_str(text).map_err(|e| {
            Error::new(ErrorKind::Spec, format!("invalid analysis spec: {e}"))
                .in_file(file_name)
                .at_line(e.line() as u64)
        })?;
        spec.check().map_err(|e| e.in_file(file_name))?;
        Ok(spec)
    }

    /// Checks what JSON typing cannot: lengths, positive steps, duplicates.
    pub fn check(&self) -> Result<()> {
        let spec_error = |m: String| Err(Error::new(ErrorKind::Spec, m));
        if let Some(levels) = &self.group.levels {
            if let Some(dup) = first_duplicate(levels) {
                return spec_error(format!("group level \"{dup}\" is listed twice"));
            }
        }
        for v in &self.variables {
            if let Some(levels) = &v.levels {
                if let Some(dup) = first_duplicate(levels) {
                    return spec_error(format!(
                        "variable \"{}\": level \"{dup}\" is listed twice",
                        v.name
                    ));
                }
            }
        }
        for e in &self.endpoints {
            if let (Some(times), Some(labels)) = (&e.landmark_times, &e.landmark_labels) {
                if times.len() != labels.len() {
                    return spec_error(format!(
                        "endpoint \"{}\": {} landmark times but {} labels",
                        e.name,
                        times.len(),
                        labels.len()
                    ));
                }
            }
            if let Some(times) = &e.landmark_times {
                if times.iter().any(|t| !t.is_finite() || *t < 0.0) {
                    return spec_error(format!(
                        "endpoint \"{}\": landmark times must be finite and not negative",
                        e.name
                    ));
                }
            }
            if let Some(by) = e.risk_table_by {
                if !(by.is_finite() && by > 0.0) {
                    return spec_error(format!(
                        "endpoint \"{}\": risk_table_by must be a positive number",
                        e.name
                    ));
                }
            }
        }
        Ok(())
    }
}

fn first_duplicate(items: &[String]) -> Option<&String> {
    items
        .iter()
        .enumerate()
        .find(|(i, x)| items[..*i].contains(x))
        .map(|(_, x)| x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_shape_with_options() {
        let spec = Spec::from_json(
            r#"{"name": "x", "csv": "x.csv", "n_rows": 3, "title": "t", "source": "s",
                "group": {"column": "arm", "levels": ["A", "B"]},
                "variables": [{"name": "age", "kind": "continuous", "label": "Age"}],
                "endpoints": [{"name": "OS", "time": "t", "event": "e", "time_unit": "months",
                               "event_meaning": "death", "landmark_times": [12],
                               "landmark_labels": ["1y"], "risk_table_by": 6}],
                "columns": {"arm": "treatment"}, "notes": ["n"],
                "options": {"preset": "spss", "km_ci": "log-log", "delimiter": ";",
                            "decimal_mark": "comma", "missing_codes": ["999"],
                            "event_codes": {"event": ["dead"], "censored": ["alive"]}}}"#,
            "x.spec.json",
        )
        .unwrap();
        assert_eq!(spec.options.preset, Preset::Spss);
        assert_eq!(spec.options.read_options().delimiter, Some(';'));
        assert_eq!(spec.endpoints[0].risk_table_by, Some(6.0));
    }

    #[test]
    fn unknown_key_is_refused_with_its_name() {
        let e = Spec::from_json(
            r#"{"group": {"column": "arm", "levles": ["A"]}}"#,
            "typo.spec.json",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Spec);
        assert!(e.to_string().contains("levles"), "{e}");
        assert!(e.to_string().contains("typo.spec.json"), "{e}");
    }

    #[test]
    fn data_is_an_alias_of_csv() {
        let spec = Spec::from_json(r#"{"data": "a.csv", "group": {"column": "g"}}"#, "s").unwrap();
        assert_eq!(spec.csv.as_deref(), Some("a.csv"));
    }

    #[test]
    fn landmark_labels_must_match_times() {
        let e = Spec::from_json(
            r#"{"group": {"column": "g"}, "endpoints": [{"name": "OS", "time": "t", "event": "e",
                "landmark_times": [1, 2], "landmark_labels": ["1y"]}]}"#,
            "s",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("2 landmark times but 1 labels"),
            "{e}"
        );
    }
}
