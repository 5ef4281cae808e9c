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
    /// Rows kept for the whole analysis (all conditions must hold); the
    /// others are excluded from everything and counted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Condition>,
    /// Layout of the formatted Table 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table1: Option<Table1Options>,
    /// Reading and statistical options.
    #[serde(default)]
    pub options: SpecOptions,
}

/// "Column equals one of these values" (text compared exactly after
/// trimming; numbers also compared as numbers, so `1` matches `1.0`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Column name.
    pub column: String,
    /// Accepted value or values (strings or numbers).
    pub equals: serde_json::Value,
}

impl Condition {
    /// The accepted values as text.
    pub fn values(&self) -> Vec<String> {
        fn text(v: &serde_json::Value) -> Option<String> {
            match v {
                serde_json::Value::String(s) => Some(s.trim().to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                serde_json::Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        }
        match &self.equals {
            serde_json::Value::Array(items) => items.iter().filter_map(text).collect(),
            other => text(other).into_iter().collect(),
        }
    }

    /// Whether `field` is one of the accepted values.
    pub fn matches(&self, field: &str) -> bool {
        let field = field.trim();
        self.values().iter().any(|v| {
            v == field
                || matches!((v.parse::<f64>(), field.parse::<f64>()), (Ok(a), Ok(b)) if a == b)
        })
    }

    /// "treatment_completed = yes" for messages and footnotes.
    pub fn describe(&self) -> String {
        format!("{} = {}", self.column, self.values().join(" or "))
    }
}

/// How a Table 1 row shows its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Display {
    /// Count and percentage of each level.
    NPercent,
    /// Median and quartiles.
    MedianIqr,
    /// Mean and standard deviation.
    MeanSd,
    /// Median (i.q.r.) and, below, mean (s.d.).
    MedianIqrMeanSd,
    /// Counts of a two-level variable as a ratio, `67 : 29`.
    Ratio,
}

/// P-value formats of journals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PStyle {
    /// Three decimals, `<0.001` below (the reference paper; BJS, JAMA).
    #[default]
    ThreeDecimals,
    /// NEJM: two decimals above 0.01, three between 0.001 and 0.01, `<0.001`.
    Nejm,
    /// Two significant figures, `<0.0001` below (The Lancet).
    TwoSignificant,
}

/// Layout options of the formatted Table 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table1Options {
    /// Caption (default: "Table 1" and the spec's title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Add an Overall column.
    #[serde(default)]
    pub overall_column: bool,
    /// Add a row with the missing count under each variable that has any.
    #[serde(default)]
    pub missing_row: bool,
    /// Add a standardised mean difference column (two groups).
    #[serde(default)]
    pub smd: bool,
    /// P-value format.
    #[serde(default)]
    pub p_style: PStyle,
    /// Extra footnote sentences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub footnotes: Vec<String>,
}

/// Cuts a continuous column into categories at `breaks`: intervals
/// [b₀, b₁), [b₁, b₂), … with −∞ and +∞ at the ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bin {
    /// Increasing cut points.
    pub breaks: Vec<f64>,
    /// One label per interval (default `< 70`, `≥ 70`, `70 to < 80`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

impl Bin {
    /// Label of each interval.
    pub fn labels(&self) -> Vec<String> {
        if let Some(labels) = &self.labels {
            return labels.clone();
        }
        let n = crate::table1::number;
        let mut out = Vec::with_capacity(self.breaks.len() + 1);
        for k in 0..=self.breaks.len() {
            out.push(
                match (k.checked_sub(1).map(|j| self.breaks[j]), self.breaks.get(k)) {
                    (None, Some(&b)) => format!("< {}", n(b)),
                    (Some(a), None) => format!("≥ {}", n(a)),
                    (Some(a), Some(&b)) => format!("{} to < {}", n(a), n(b)),
                    (None, None) => "all".to_string(),
                },
            );
        }
        out
    }

    /// Interval index of `x`.
    pub fn index(&self, x: f64) -> usize {
        self.breaks.partition_point(|&b| b <= x)
    }
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    /// Column name, or the row's own name when `column` is given.
    pub name: String,
    /// The data column, when several rows come from one column (e.g. age as
    /// a median and age ≥ 70 as a category).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Summarise only the patients meeting this condition (e.g. treatment
    /// duration if the schedule was completed).
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub subset: Option<Condition>,
    /// How the row shows its values (default: n (%) or median (i.q.r.)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<Display>,
    /// Decimals of continuous values (default 1; 0 when all are whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<usize>,
    /// Levels shown (e.g. only "yes"); all are tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_levels: Option<Vec<String>>,
    /// Cut a continuous column into categories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<Bin>,
    /// New level → the file's values it gathers (also renames a level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_levels: Option<BTreeMap<String, Vec<String>>>,
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

impl EndpointSpec {
    /// Whether the endpoint names the columns its times and events come
    /// from in one of the accepted ways (time and event; start and end
    /// dates and event; start, event and last follow-up dates; or
    /// components).
    pub fn names_its_times(&self) -> bool {
        let dates = self.start_date.is_some();
        if !self.components.is_empty() {
            self.components
                .iter()
                .all(|c| (c.event.is_some() && c.time.is_some()) || (c.date.is_some() && dates))
                && (dates == self.last_followup_date.is_some() || !dates)
        } else if dates {
            (self.end_date.is_some() && !self.event.is_empty())
                || (self.event_date.is_some() && self.last_followup_date.is_some())
        } else {
            !self.time.is_empty() && !self.event.is_empty()
        }
    }
}

impl VariableSpec {
    /// The data column of the row.
    pub fn data_column(&self) -> &str {
        self.column.as_deref().unwrap_or(&self.name)
    }
}

/// One time-to-event endpoint: a time and an event column, or dates (start
/// and end dates, or start, event and last follow-up dates), or a
/// composite of several events (progression-free survival = the first of
/// progression or death).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// Name (OS, PFS, ...).
    pub name: String,
    /// Column with the time (empty when the time comes from dates).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub time: String,
    /// Column with the event indicator (empty with `event_date` or
    /// `components`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub event: String,
    /// Column with the date time is counted from (diagnosis, surgery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Column with the date of the event or, if none, of last follow-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Column with the date of the event (empty: no event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_date: Option<String>,
    /// Column with the date of last follow-up (for patients without event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_followup_date: Option<String>,
    /// Order of day and month in the date columns; detected when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_format: Option<crate::ingest::date::DateFormat>,
    /// Events of a composite endpoint; the first that happens counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentSpec>,
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

/// One event of a composite endpoint: an event column with its time column,
/// or an event date column (empty = did not happen).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSpec {
    /// What the event is (progression, death).
    pub name: String,
    /// Event indicator column (with `time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Time column (with `event`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Event date column (with the endpoint's `start_date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
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
    /// Sheet of a spreadsheet data file (name or 0-based index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<crate::ingest::SheetName>,
}

impl SpecOptions {
    /// The reading options.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            delimiter: self.delimiter,
            decimal_mark: self.decimal_mark,
            missing_codes: self.missing_codes.clone(),
            encoding: self.encoding,
            sheet: self.sheet.clone(),
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
        if let Some(dup) = first_duplicate(
            &self
                .variables
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>(),
        ) {
            return spec_error(format!(
                "variable \"{dup}\" is listed twice; to show one column twice give the rows different names and the same \"column\""
            ));
        }
        if let Some(levels) = &self.group.levels {
            if let Some(dup) = first_duplicate(levels) {
                return spec_error(format!("group level \"{dup}\" is listed twice"));
            }
        }
        for v in &self.variables {
            if let Some(bin) = &v.bin {
                let increasing = bin.breaks.windows(2).all(|w| w[0] < w[1]);
                let labels_ok = bin
                    .labels
                    .as_ref()
                    .is_none_or(|l| l.len() == bin.breaks.len() + 1);
                if bin.breaks.is_empty()
                    || !increasing
                    || !labels_ok
                    || bin.breaks.iter().any(|b| !b.is_finite())
                {
                    return spec_error(format!(
                        "variable \"{}\": \"bin\" needs increasing, finite \"breaks\" and one label more than breaks",
                        v.name
                    ));
                }
            }
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
            if !e.names_its_times() {
                return spec_error(format!(
                    "endpoint \"{}\": give \"time\" and \"event\"; or \"start_date\", \"end_date\" and \"event\"; or \"start_date\", \"event_date\" and \"last_followup_date\"; or \"components\" (each with \"event\" and \"time\", or \"date\" with the endpoint's \"start_date\" and \"last_followup_date\")",
                    e.name
                ));
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
