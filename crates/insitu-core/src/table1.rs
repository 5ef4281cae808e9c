//! Table 1 formatted for publication, in the style of the reference paper:
//! header `LFA (n = 96)`, categorical levels as `54 (56)` (count and whole
//! percentage of the non-missing values), continuous values as
//! `62.6 (56.3–67.8)` (median and quartiles, one decimal), P as `0.873` or
//! `<0.001`, a footnote marker per test and a footnote naming every test and
//! convention used.
//!
//! Rounding rule: half away from zero on the value as stored (so 12.5 %
//! shows as 13 and 2.25 as 2.3), as SPSS and Excel round; R's `sprintf`
//! rounds exact binary ties to even instead. Numbers whose displayed values
//! are all whole (counts such as the number of metastases) are shown without
//! decimals.

use serde::{Deserialize, Serialize};

use crate::options::{CategoricalTest, ContinuousTest, Conventions, QuantileType, WilcoxonMethod};
use crate::report::{CategoricalResult, ContinuousResult, ContinuousSummary, Quartiles, Report};
use crate::spec::Spec;

/// Footnote markers in order of first use.
const MARKERS: [&str; 6] = ["*", "†", "‡", "§", "¶", "**"];

/// A formatted Table 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Table1 {
    /// Caption.
    pub caption: String,
    /// Column headers: the row label column, one per group, then "P".
    pub columns: Vec<String>,
    /// Body rows.
    pub rows: Vec<Table1Row>,
    /// Footnote sentences, in order.
    pub footnotes: Vec<String>,
}

/// Whether a row names a variable or one of its levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// A variable (with its values when it has one row).
    Variable,
    /// A level of the categorical variable above (indented).
    Level,
}

/// One row of Table 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table1Row {
    /// Variable or level row.
    pub kind: RowKind,
    /// Row label.
    pub label: String,
    /// One cell per group.
    pub cells: Vec<String>,
    /// Formatted P value (empty on level rows).
    pub p: String,
    /// Footnote marker of the test (empty when no test).
    pub marker: String,
}

/// Formats a number with `decimals`, rounding half away from zero.
pub fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let scale = 10f64.powi(decimals as i32);
    let rounded = (x * scale).round() / scale;
    // avoid "-0.0"
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    format!("{rounded:.decimals$}")
}

/// A number in its shortest form (`12`, `365.25`), for labels.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// P in the journal style: three decimals, `<0.001` below 0.001.
pub fn format_p(p: Option<f64>) -> String {
    match p {
        None => "–".to_string(),
        Some(p) if p < 0.001 => "<0.001".to_string(),
        Some(p) => fixed(p, 3),
    }
}

/// One sentence per convention, for the report and the footnote.
pub fn describe_conventions(c: &Conventions) -> Vec<String> {
    let preset = match c.preset {
        crate::options::Preset::R => "r",
        crate::options::Preset::Spss => "spss",
        crate::options::Preset::Sas => "sas",
    };
    vec![
        format!("Preset: {preset} (every convention below can be set on its own)."),
        format!("Continuous values: {}.", c.quantile_type.describe()),
        format!(
            "Categorical test: {}.",
            match c.categorical_test {
                CategoricalTest::Chisq => "Pearson χ² test without continuity correction",
                CategoricalTest::Yates =>
                    "χ² test with Yates' continuity correction for 2 × 2 tables (Pearson χ² otherwise)",
                CategoricalTest::Fisher => "Fisher's exact test, two-sided",
            }
        ),
        format!(
            "Continuous test: {}.",
            match c.continuous_test {
                ContinuousTest::Rank => "Mann–Whitney U test with two groups, Kruskal–Wallis test with more",
                ContinuousTest::Welch => "Welch's t test with two groups, Welch's ANOVA with more",
                ContinuousTest::Student => "Student's t test with two groups, one-way ANOVA with more",
            }
        ),
        format!("Mann–Whitney P: {}.", c.wilcoxon.describe()),
        format!("Kaplan–Meier: {}.", c.km_ci.describe()),
        format!(
            "Cox model: {} method for tied event times.",
            match c.cox_ties {
                crate::options::Ties::Efron => "Efron",
                crate::options::Ties::Breslow => "Breslow",
            }
        ),
    ]
}

/// Collects footnote markers in order of first use.
#[derive(Default)]
struct Markers {
    tests: Vec<String>,
}

impl Markers {
    fn of(&mut self, test: &str) -> String {
        let k = match self.tests.iter().position(|t| t == test) {
            Some(k) => k,
            None => {
                self.tests.push(test.to_string());
                self.tests.len() - 1
            }
        };
        MARKERS
            .get(k)
            .map_or_else(|| format!("({})", k + 1), |m| m.to_string())
    }
}

/// Builds Table 1 from the report, rows in spec order.
pub fn build(report: &Report, spec: &Spec) -> Table1 {
    let c = report.conventions.resolved;
    let mut columns = vec![String::new()];
    columns.extend(
        report
            .groups
            .iter()
            .map(|g| format!("{} (n = {})", g.label, g.n)),
    );
    columns.push("P".to_string());

    let mut markers = Markers::default();
    // The categorical test takes the first marker, as in the paper's
    // "*χ² test, except †Mann–Whitney U test".
    if !report.categorical.is_empty() {
        markers.of(&categorical_test_name(report, c));
    }
    let mut rows = Vec::new();
    let mut any_missing = false;
    let mut any_mean = false;
    let mut any_median = false;
    for v in &spec.variables {
        if let Some(r) = report.categorical.iter().find(|r| r.variable == v.name) {
            any_missing |= r.by_group.iter().any(|g| g.missing > 0);
            categorical_rows(r, c, &mut markers, &mut rows);
        } else if let Some(r) = report.continuous.iter().find(|r| r.variable == v.name) {
            let mean = shows_mean(&r.label, c.continuous_test);
            any_mean |= mean;
            any_median |= !mean;
            rows.push(continuous_row(r, c, mean, &mut markers));
        }
    }

    let mut footnotes = Vec::new();
    let mut values = "Values are n (%) unless otherwise indicated".to_string();
    if any_median {
        values.push_str(&format!(
            "; median (i.q.r.): {}",
            match c.quantile_type {
                QuantileType::Type2 => "quartiles by R type 2 (SAS definition 5)",
                QuantileType::Type6 => "quartiles by R type 6 (SPSS)",
                QuantileType::Type7 => "quartiles by R type 7 (R and Excel default)",
            }
        ));
    }
    if any_mean {
        values.push_str("; mean (s.d.) with the n − 1 standard deviation");
    }
    values.push('.');
    footnotes.push(values);
    footnotes.push(if any_missing {
        "Percentages are of patients with a known value; missing values are excluded.".to_string()
    } else {
        "Percentages are of patients with a known value.".to_string()
    });
    footnotes.push(
        "Percentages and values are rounded half away from zero; P < 0.001 is shown as <0.001."
            .to_string(),
    );
    for (k, test) in markers.tests.iter().enumerate() {
        let marker = MARKERS
            .get(k)
            .map_or_else(|| format!("({})", k + 1), |m| m.to_string());
        footnotes.push(format!("{marker}{test}."));
    }

    Table1 {
        caption: report
            .title
            .clone()
            .map_or_else(|| "Table 1".to_string(), |t| format!("Table 1. {t}")),
        columns,
        rows,
        footnotes,
    }
}

/// Whether a continuous row shows mean (s.d.): with a t test or ANOVA, or
/// when its label asks for it ("…, mean (s.d.)") — the test is still the
/// convention's, as in the paper's hospital-stay row.
fn shows_mean(label: &str, test: ContinuousTest) -> bool {
    let label = label.to_lowercase();
    let asks_mean = label.contains("mean") && !label.contains("median");
    asks_mean || matches!(test, ContinuousTest::Welch | ContinuousTest::Student)
}

/// Name of the most common categorical test, for the first marker.
fn categorical_test_name(report: &Report, c: Conventions) -> String {
    let two_by_two = report
        .categorical
        .iter()
        .any(|r| r.tests.table_dim == [2, 2]);
    match c.categorical_test {
        CategoricalTest::Fisher => "Fisher's exact test".to_string(),
        CategoricalTest::Yates if two_by_two => {
            "χ² test with Yates' continuity correction".to_string()
        }
        _ => "Pearson χ² test without continuity correction".to_string(),
    }
}

fn categorical_rows(
    r: &CategoricalResult,
    c: Conventions,
    markers: &mut Markers,
    rows: &mut Vec<Table1Row>,
) {
    let tests = &r.tests;
    let two_by_two = tests.table_dim == [2, 2];
    let (p, name) = match c.categorical_test {
        CategoricalTest::Fisher => (
            tests.fisher.as_ref().and_then(|f| f.p),
            match &tests.fisher {
                Some(f) if f.replicates.is_some() => format!(
                    "Fisher's exact test, Monte Carlo estimate ({} random tables): the table is beyond exact computation",
                    f.replicates.unwrap_or(0)
                ),
                _ => "Fisher's exact test".to_string(),
            },
        ),
        CategoricalTest::Yates if two_by_two => (
            tests.chisq_yates.as_ref().and_then(|t| t.p),
            "χ² test with Yates' continuity correction".to_string(),
        ),
        _ => (
            tests.chisq_pearson.as_ref().and_then(|t| t.p),
            "Pearson χ² test without continuity correction".to_string(),
        ),
    };
    let has_test = tests.note.is_none();
    rows.push(Table1Row {
        kind: RowKind::Variable,
        label: r.label.clone(),
        cells: vec![String::new(); r.by_group.len()],
        p: if has_test { format_p(p) } else { String::new() },
        marker: if has_test {
            markers.of(&name)
        } else {
            String::new()
        },
    });
    for (i, level) in r.levels.iter().enumerate() {
        rows.push(Table1Row {
            kind: RowKind::Level,
            label: level.clone(),
            cells: r
                .by_group
                .iter()
                .map(|g| match g.percent[i] {
                    Some(pct) => format!("{} ({})", g.counts[i], fixed(pct, 0)),
                    None => g.counts[i].to_string(),
                })
                .collect(),
            p: String::new(),
            marker: String::new(),
        });
    }
}

fn quartiles_of(s: &ContinuousSummary, kind: QuantileType) -> Option<Quartiles> {
    s.quantiles.as_ref().map(|q| match kind {
        QuantileType::Type2 => q.type2,
        QuantileType::Type6 => q.type6,
        QuantileType::Type7 => q.type7,
    })
}

/// "62.6 (56.3–67.8)"; " to " replaces the dash when a limit is negative.
fn median_iqr(q: Quartiles, decimals: usize) -> String {
    let dash = if q.q1 < 0.0 || q.q3 < 0.0 {
        " to "
    } else {
        "–"
    };
    format!(
        "{} ({}{dash}{})",
        fixed(q.median, decimals),
        fixed(q.q1, decimals),
        fixed(q.q3, decimals)
    )
}

/// The cells of a continuous row: mean (s.d.), or median (i.q.r.) with one
/// decimal unless every group's quartiles are whole numbers.
fn continuous_cells(r: &ContinuousResult, c: Conventions, mean: bool) -> Vec<String> {
    if mean {
        return r
            .by_group
            .iter()
            .map(|s| match (s.mean, s.sd) {
                (Some(m), Some(sd)) => format!("{} ({})", fixed(m, 1), fixed(sd, 1)),
                (Some(m), None) => fixed(m, 1),
                _ => "–".to_string(),
            })
            .collect();
    }
    let quartiles: Vec<Option<Quartiles>> = r
        .by_group
        .iter()
        .map(|s| quartiles_of(s, c.quantile_type))
        .collect();
    let whole = quartiles
        .iter()
        .flatten()
        .all(|q| [q.q1, q.median, q.q3].iter().all(|x| x.fract() == 0.0));
    let decimals = if whole { 0 } else { 1 };
    quartiles
        .iter()
        .map(|q| q.map_or_else(|| "–".to_string(), |q| median_iqr(q, decimals)))
        .collect()
}

fn continuous_row(
    r: &ContinuousResult,
    c: Conventions,
    mean: bool,
    markers: &mut Markers,
) -> Table1Row {
    let tests = &r.tests;
    let two = tests.groups_used.len() == 2;
    let (p, name) = match (c.continuous_test, two) {
        (ContinuousTest::Rank, true) => {
            let w = tests.wilcoxon.as_ref();
            let exact = w.is_some_and(|w| w.p_exact.is_some());
            let (p, how) = match c.wilcoxon {
                WilcoxonMethod::RDefault if exact => (w.and_then(|w| w.p_exact), "exact"),
                WilcoxonMethod::RDefault | WilcoxonMethod::NormalCc => (
                    w.and_then(|w| w.p_normal_cc),
                    "normal approximation with continuity correction",
                ),
                WilcoxonMethod::Normal => (
                    w.and_then(|w| w.p_normal),
                    "normal approximation without continuity correction",
                ),
            };
            (p, format!("Mann–Whitney U test ({how})"))
        }
        (ContinuousTest::Rank, false) => (
            tests.kruskal_wallis.as_ref().and_then(|k| k.p),
            "Kruskal–Wallis test".to_string(),
        ),
        (ContinuousTest::Welch, true) => (
            tests.t_welch.as_ref().and_then(|t| t.p),
            "Welch's t test".to_string(),
        ),
        (ContinuousTest::Welch, false) => (
            tests.anova_welch.as_ref().and_then(|t| t.p),
            "Welch's one-way ANOVA".to_string(),
        ),
        (ContinuousTest::Student, true) => (
            tests.t_student.as_ref().and_then(|t| t.p),
            "Student's t test".to_string(),
        ),
        (ContinuousTest::Student, false) => (
            tests.anova.as_ref().and_then(|t| t.p),
            "one-way ANOVA".to_string(),
        ),
    };
    let cells = continuous_cells(r, c, mean);
    let label_lower = r.label.to_lowercase();
    let label = if mean && !label_lower.contains("mean") {
        format!("{}, mean (s.d.)", r.label)
    } else if !mean && !label_lower.contains("median") {
        format!("{}, median (i.q.r.)", r.label)
    } else {
        r.label.clone()
    };
    let has_test = tests.groups_used.len() >= 2;
    Table1Row {
        kind: RowKind::Variable,
        label,
        cells,
        p: if has_test { format_p(p) } else { String::new() },
        marker: if has_test {
            markers.of(&name)
        } else {
            String::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(fixed(12.5, 0), "13");
        assert_eq!(fixed(2.25, 1), "2.3");
        assert_eq!(fixed(-2.25, 1), "-2.3");
        assert_eq!(fixed(56.25, 0), "56");
        assert_eq!(fixed(-0.04, 1), "0.0");
    }

    #[test]
    fn p_values_in_journal_style() {
        assert_eq!(format_p(Some(0.8727068411965815)), "0.873");
        assert_eq!(format_p(Some(0.0009)), "<0.001");
        assert_eq!(format_p(Some(0.0104)), "0.010");
        assert_eq!(format_p(None), "–");
    }
}
