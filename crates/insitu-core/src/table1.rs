//! Table 1 formatted for publication, in the style of the reference paper:
//! header `LFA (n = 96)`, categorical levels as `54 (56)` (count and whole
//! percentage of the non-missing values), continuous values as
//! `62.6 (56.3–67.8)` (median and quartiles, one decimal), P as `0.873` or
//! `<0.001`, a footnote marker per test and a footnote naming every test and
//! convention used.
//!
//! Rounding rule: half away from zero on the decimal value, as Excel's
//! ROUND and SPSS do (12.5 % shows as 13, a median of 62.55 as 62.6). R's
//! `sprintf` rounds the binary value instead, which is slightly below 62.55,
//! and prints 62.5: a deliberate difference in display only. Numbers whose displayed values
//! are all whole (counts such as the number of metastases) are shown without
//! decimals.

use serde::{Deserialize, Serialize};

use crate::options::{CategoricalTest, ContinuousTest, Conventions, QuantileType, WilcoxonMethod};
use crate::report::{
    CategoricalResult, ContinuousResult, ContinuousSummary, LevelCounts, Quartiles, Report,
};
use crate::spec::Spec;
use crate::spec::{Display, PStyle, Table1Options, VariableSpec};

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

/// P in a journal's style.
pub fn format_p_style(p: Option<f64>, style: PStyle) -> String {
    let Some(p) = p else {
        return "–".to_string();
    };
    match style {
        PStyle::ThreeDecimals => format_p(Some(p)),
        PStyle::Nejm => {
            if p < 0.001 {
                "<0.001".to_string()
            } else if p < 0.01 {
                fixed(p, 3)
            } else {
                fixed(p, 2)
            }
        }
        PStyle::TwoSignificant => {
            if p < 0.0001 {
                "<0.0001".to_string()
            } else {
                // two significant figures: decimals from the magnitude
                let decimals = (1 - p.log10().floor() as i32).max(1) as usize;
                fixed(p, decimals)
            }
        }
    }
}

/// Standardised mean difference of two groups' means and SDs.
fn smd_continuous(a: &ContinuousSummary, b: &ContinuousSummary) -> Option<f64> {
    let (m1, s1, m2, s2) = (a.mean?, a.sd?, b.mean?, b.sd?);
    let pooled = ((s1 * s1 + s2 * s2) / 2.0).sqrt();
    (pooled > 0.0).then(|| (m1 - m2).abs() / pooled)
}

/// Standardised difference of two groups' level distributions: Yang &
/// Dalton's multivariate form, sqrt(Tᵀ S⁻¹ T) with T the differences of the
/// proportions of levels 2…k and S the mean of the groups' multinomial
/// covariance matrices (for two levels the usual
/// |p₁ − p₂| / sqrt((p₁q₁ + p₂q₂)/2)).
///
/// S = D − (u uᵀ + v vᵀ)/2, with u and v the two groups' proportions and
/// D = diag((u + v)/2): by Woodbury's identity Tᵀ S⁻¹ T = Tᵀ D⁻¹ T +
/// wᵀ (2I − Uᵀ D⁻¹ U)⁻¹ w, with U = [u v] and w = Uᵀ D⁻¹ T — O(k) instead
/// of a dense solve of order k (minutes and gigabytes for an identifier of
/// thousands of values taken for a category). A level that neither group
/// has contributes nothing to T or S and is left out, as a generalised
/// inverse leaves it out; "level 1", the one not in T, is the first level
/// present.
fn smd_categorical(a: &LevelCounts, b: &LevelCounts) -> Option<f64> {
    let (na, nb) = (a.n_nonmissing as f64, b.n_nonmissing as f64);
    if na == 0.0 || nb == 0.0 {
        return None;
    }
    let mut present = a
        .counts
        .iter()
        .zip(&b.counts)
        .filter(|(&ca, &cb)| ca + cb > 0);
    let (&ra, &rb) = present.next()?;
    let (ur, vr) = (ra as f64 / na, rb as f64 / nb);
    // Σ over levels 2…k of t²/d, uv/d, ut/d, vt/d
    let mut sums = [0.0; 4];
    for (&ca, &cb) in present {
        let (u, v) = (ca as f64 / na, cb as f64 / nb);
        let (d, t) = ((u + v) / 2.0, u - v);
        for (sum, term) in sums.iter_mut().zip([t * t, u * v, u * t, v * t]) {
            *sum += term / d;
        }
    }
    let [tt, uv, ut, vt] = sums;
    if tt == 0.0 {
        return Some(0.0);
    }
    // 2I − Uᵀ D⁻¹ U without cancellation: as Σ u = 1 over the levels
    // present, Σ u²/d = Σ 2u − Σ uv/d = 2(1 − u₁) − Σ uv/d, so the
    // diagonal is 2u₁ + Σ uv/d (v alike) and the determinant a sum of
    // terms ≥ 0 — exactly 0, not rounding noise, for groups without a
    // level in common (S singular: no SMD)
    let (m11, m12, m22) = (2.0 * ur + uv, -uv, 2.0 * vr + uv);
    let det = 4.0 * ur * vr + 2.0 * uv * (ur + vr);
    let q = tt + (ut * ut * m22 - 2.0 * ut * vt * m12 + vt * vt * m11) / det;
    (det > 0.0 && q >= 0.0).then(|| q.sqrt())
}

/// What the whole table shows besides the group columns.
struct Layout {
    conventions: Conventions,
    options: Table1Options,
    two_groups: bool,
}

impl Layout {
    fn p(&self, p: Option<f64>) -> String {
        format_p_style(p, self.options.p_style)
    }

    /// Cells after the group cells: Overall, then SMD.
    fn extra(&self, overall: String, smd: Option<f64>) -> Vec<String> {
        let mut cells = Vec::new();
        if self.options.overall_column {
            cells.push(overall);
        }
        if self.options.smd {
            cells.push(if self.two_groups {
                smd.map_or_else(|| "–".to_string(), |d| fixed(d, 2))
            } else {
                String::new()
            });
        }
        cells
    }
}

/// Builds Table 1 from the report, rows in spec order, with the spec's
/// display options.
pub fn build(report: &Report, spec: &Spec) -> Table1 {
    let c = report.conventions.resolved;
    let layout = Layout {
        conventions: c,
        options: spec.table1.clone().unwrap_or_default(),
        two_groups: report.groups.len() == 2,
    };
    let mut columns = vec![String::new()];
    columns.extend(
        report
            .groups
            .iter()
            .map(|g| format!("{} (n = {})", g.label, g.n)),
    );
    if layout.options.overall_column {
        let n: usize = report.groups.iter().map(|g| g.n).sum();
        columns.push(format!("Overall (n = {n})"));
    }
    if layout.options.smd {
        columns.push("SMD".to_string());
    }
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
    let mut any_ratio = false;
    for v in &spec.variables {
        if let Some(r) = report.categorical.iter().find(|r| r.variable == v.name) {
            any_missing |= r.by_group.iter().any(|g| g.missing > 0);
            any_ratio |= v.display == Some(Display::Ratio);
            categorical_rows(r, v, &layout, &mut markers, &mut rows);
        } else if let Some(r) = report.continuous.iter().find(|r| r.variable == v.name) {
            let display = v.display.unwrap_or_else(|| {
                if shows_mean(&r.label, c.continuous_test) {
                    Display::MeanSd
                } else {
                    Display::MedianIqr
                }
            });
            any_mean |= matches!(display, Display::MeanSd | Display::MedianIqrMeanSd);
            any_median |= !matches!(display, Display::MeanSd);
            continuous_rows(r, v, display, &layout, &mut markers, &mut rows);
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
    if any_ratio {
        values.push_str("; ratios are counts of the two levels");
    }
    values.push('.');
    footnotes.push(values);
    footnotes.push(if any_missing {
        "Percentages are of patients with a known value; missing values are excluded.".to_string()
    } else {
        "Percentages are of patients with a known value.".to_string()
    });
    footnotes.push(format!(
        "Percentages and values are rounded half away from zero; {}.",
        match layout.options.p_style {
            PStyle::ThreeDecimals => "P < 0.001 is shown as <0.001",
            PStyle::Nejm =>
                "P is shown with two decimals, three below 0.01, and <0.001 below 0.001",
            PStyle::TwoSignificant => "P is shown to two significant figures, <0.0001 below 0.0001",
        }
    ));
    if layout.options.smd {
        footnotes.push(
            "SMD, standardised mean difference (absolute; for categories the multivariate form of Yang and Dalton)."
                .to_string(),
        );
    }
    for (k, test) in markers.tests.iter().enumerate() {
        let marker = MARKERS
            .get(k)
            .map_or_else(|| format!("({})", k + 1), |m| m.to_string());
        footnotes.push(format!("{marker}{test}."));
    }
    footnotes.extend(layout.options.footnotes.iter().cloned());

    Table1 {
        caption: layout.options.caption.clone().unwrap_or_else(|| {
            report
                .title
                .clone()
                .map_or_else(|| "Table 1".to_string(), |t| format!("Table 1. {t}"))
        }),
        columns,
        rows,
        footnotes,
    }
}

/// Whether a continuous row shows mean (s.d.) by default: with a t test or
/// ANOVA, or when its label asks for it ("…, mean (s.d.)") — the test is
/// still the convention's, as in the paper's hospital-stay row.
fn shows_mean(label: &str, test: ContinuousTest) -> bool {
    // (ASCII case: the words looked for are ASCII, and no Unicode table is
    // needed in the app's module)
    let label = label.to_ascii_lowercase();
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

fn n_percent(g: &LevelCounts, i: usize) -> String {
    match g.percent[i] {
        Some(pct) => format!("{} ({})", g.counts[i], fixed(pct, 0)),
        None => g.counts[i].to_string(),
    }
}

fn categorical_rows(
    r: &CategoricalResult,
    v: &VariableSpec,
    layout: &Layout,
    markers: &mut Markers,
    rows: &mut Vec<Table1Row>,
) {
    let tests = &r.tests;
    let two_by_two = tests.table_dim == [2, 2];
    let (p, name) = match layout.conventions.categorical_test {
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
    let (p, marker) = if has_test {
        (layout.p(p), markers.of(&name))
    } else {
        (String::new(), String::new())
    };
    let smd = match r.by_group.as_slice() {
        [a, b] if layout.options.smd => smd_categorical(a, b),
        _ => None,
    };
    let shown: Vec<usize> = match &v.show_levels {
        Some(show) => (0..r.levels.len())
            .filter(|&i| show.contains(&r.levels[i]))
            .collect(),
        None => (0..r.levels.len()).collect(),
    };
    let missing_row = |rows: &mut Vec<Table1Row>| {
        if layout.options.missing_row && r.by_group.iter().any(|g| g.missing > 0) {
            let mut cells: Vec<String> = r.by_group.iter().map(|g| g.missing.to_string()).collect();
            cells.extend(layout.extra(r.overall.missing.to_string(), None));
            rows.push(Table1Row {
                kind: RowKind::Level,
                label: "Missing".to_string(),
                cells,
                p: String::new(),
                marker: String::new(),
            });
        }
    };
    if v.display == Some(Display::Ratio) && r.levels.len() == 2 {
        let ratio = |g: &LevelCounts| format!("{} : {}", g.counts[0], g.counts[1]);
        let mut cells: Vec<String> = r.by_group.iter().map(ratio).collect();
        cells.extend(layout.extra(ratio(&r.overall), smd));
        rows.push(Table1Row {
            kind: RowKind::Variable,
            label: r.label.clone(),
            cells,
            p,
            marker,
        });
        missing_row(rows);
        return;
    }
    if let [only] = shown[..] {
        // one level shown ("yes"): one row named after the variable
        let mut cells: Vec<String> = r.by_group.iter().map(|g| n_percent(g, only)).collect();
        cells.extend(layout.extra(n_percent(&r.overall, only), smd));
        rows.push(Table1Row {
            kind: RowKind::Variable,
            label: r.label.clone(),
            cells,
            p,
            marker,
        });
        missing_row(rows);
        return;
    }
    let mut head = vec![String::new(); r.by_group.len()];
    head.extend(layout.extra(String::new(), smd));
    rows.push(Table1Row {
        kind: RowKind::Variable,
        label: r.label.clone(),
        cells: head,
        p,
        marker,
    });
    for &i in &shown {
        let mut cells: Vec<String> = r.by_group.iter().map(|g| n_percent(g, i)).collect();
        cells.extend(layout.extra(n_percent(&r.overall, i), None));
        if layout.options.smd {
            // the SMD sits on the variable's row
            if let Some(last) = cells.last_mut() {
                last.clear();
            }
        }
        rows.push(Table1Row {
            kind: RowKind::Level,
            label: r.levels[i].clone(),
            cells,
            p: String::new(),
            marker: String::new(),
        });
    }
    missing_row(rows);
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

fn mean_sd(s: &ContinuousSummary, decimals: usize) -> String {
    match (s.mean, s.sd) {
        (Some(m), Some(sd)) => format!("{} ({})", fixed(m, decimals), fixed(sd, decimals)),
        (Some(m), None) => fixed(m, decimals),
        _ => "–".to_string(),
    }
}

/// Median (i.q.r.) cells with `decimals`, or by default one decimal unless
/// every group's quartiles are whole numbers.
fn median_cells(
    summaries: &[&ContinuousSummary],
    kind: QuantileType,
    decimals: Option<usize>,
) -> Vec<String> {
    let quartiles: Vec<Option<Quartiles>> =
        summaries.iter().map(|s| quartiles_of(s, kind)).collect();
    let whole = quartiles
        .iter()
        .flatten()
        .all(|q| [q.q1, q.median, q.q3].iter().all(|x| x.fract() == 0.0));
    let decimals = decimals.unwrap_or(if whole { 0 } else { 1 });
    quartiles
        .iter()
        .map(|q| q.map_or_else(|| "–".to_string(), |q| median_iqr(q, decimals)))
        .collect()
}

fn continuous_rows(
    r: &ContinuousResult,
    v: &VariableSpec,
    display: Display,
    layout: &Layout,
    markers: &mut Markers,
    rows: &mut Vec<Table1Row>,
) {
    let c = layout.conventions;
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
    let mut summaries: Vec<&ContinuousSummary> = r.by_group.iter().collect();
    summaries.push(&r.overall);
    let smd = match r.by_group.as_slice() {
        [a, b] => smd_continuous(a, b),
        _ => None,
    };
    let with_extra = |mut all: Vec<String>, smd: Option<f64>| -> Vec<String> {
        let overall = all.pop().unwrap_or_default();
        all.extend(layout.extra(overall, smd));
        all
    };
    let medians = || median_cells(&summaries, c.quantile_type, v.decimals);
    let means = || -> Vec<String> {
        summaries
            .iter()
            .map(|s| mean_sd(s, v.decimals.unwrap_or(1)))
            .collect()
    };
    let label_lower = r.label.to_ascii_lowercase();
    let has_test = tests.groups_used.len() >= 2;
    let (p, marker) = if has_test {
        (layout.p(p), markers.of(&name))
    } else {
        (String::new(), String::new())
    };
    match display {
        Display::MeanSd => rows.push(Table1Row {
            kind: RowKind::Variable,
            label: if label_lower.contains("mean") {
                r.label.clone()
            } else {
                format!("{}, mean (s.d.)", r.label)
            },
            cells: with_extra(means(), smd),
            p,
            marker,
        }),
        Display::MedianIqrMeanSd => {
            rows.push(Table1Row {
                kind: RowKind::Variable,
                label: r.label.clone(),
                cells: with_extra(vec![String::new(); summaries.len()], smd),
                p,
                marker,
            });
            rows.push(Table1Row {
                kind: RowKind::Level,
                label: "median (i.q.r.)".to_string(),
                cells: with_extra(medians(), None),
                p: String::new(),
                marker: String::new(),
            });
            rows.push(Table1Row {
                kind: RowKind::Level,
                label: "mean (s.d.)".to_string(),
                cells: with_extra(means(), None),
                p: String::new(),
                marker: String::new(),
            });
        }
        // a continuous variable cannot be a ratio or n (%): median (i.q.r.)
        Display::MedianIqr | Display::NPercent | Display::Ratio => rows.push(Table1Row {
            kind: RowKind::Variable,
            label: if label_lower.contains("median") {
                r.label.clone()
            } else {
                format!("{}, median (i.q.r.)", r.label)
            },
            cells: with_extra(medians(), smd),
            p,
            marker,
        }),
    }
    if layout.options.missing_row && r.by_group.iter().any(|g| g.missing > 0) {
        let mut cells: Vec<String> = r.by_group.iter().map(|g| g.missing.to_string()).collect();
        cells.extend(layout.extra(r.overall.missing.to_string(), None));
        rows.push(Table1Row {
            kind: RowKind::Level,
            label: "Missing".to_string(),
            cells,
            p: String::new(),
            marker: String::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::linalg::Square;

    fn level_counts(counts: &[u64]) -> LevelCounts {
        let n: u64 = counts.iter().sum();
        LevelCounts {
            group: String::new(),
            n: n as usize,
            n_nonmissing: n as usize,
            missing: 0,
            counts: counts.to_vec(),
            percent: Vec::new(),
        }
    }

    /// Yang & Dalton's sqrt(Tᵀ S⁻¹ T) by a dense solve of S, levels 2…k.
    fn smd_by_dense_solve(a: &[u64], b: &[u64]) -> Option<f64> {
        let share = |c: &[u64]| -> Vec<f64> {
            let n: u64 = c.iter().sum();
            c.iter().map(|&x| x as f64 / n as f64).collect()
        };
        let (pa, pb) = (share(a), share(b));
        let k = a.len();
        let t: Vec<f64> = (1..k).map(|i| pa[i] - pb[i]).collect();
        let mut s = Square::zeros(k - 1);
        for i in 1..k {
            for j in 1..k {
                let cov = |p: &[f64]| {
                    if i == j {
                        p[i] * (1.0 - p[i])
                    } else {
                        -p[i] * p[j]
                    }
                };
                *s.at(i - 1, j - 1) = (cov(&pa) + cov(&pb)) / 2.0;
            }
        }
        s.inverse_quadratic_form(&t).map(f64::sqrt)
    }

    /// The O(k) form equals the dense solve (every level present), the
    /// two-level formula, and leaves out levels neither group has.
    #[test]
    fn categorical_smd_equals_the_dense_solve() {
        let mut rng = crate::stats::rng::Xoshiro256::new(12345);
        let mut next = |m: u64| rng.next_u64() % m;
        for _ in 0..2000 {
            let k = 2 + next(8) as usize;
            let a: Vec<u64> = (0..k).map(|_| 1 + next(30)).collect();
            let b: Vec<u64> = (0..k).map(|_| 1 + next(30)).collect();
            let fast = smd_categorical(&level_counts(&a), &level_counts(&b)).unwrap();
            let dense = smd_by_dense_solve(&a, &b).unwrap();
            assert!(
                (fast - dense).abs() <= 1e-9 * dense.max(1e-3),
                "{a:?} {b:?}: {fast} vs {dense}"
            );
        }
        // two levels: |p₁ − p₂| / sqrt((p₁q₁ + p₂q₂)/2), p = 3/10 and 6/15
        let two = smd_categorical(&level_counts(&[7, 3]), &level_counts(&[9, 6])).unwrap();
        let (p1, p2) = (0.3f64, 0.4f64);
        let want = (p1 - p2).abs() / ((p1 * (1.0 - p1) + p2 * (1.0 - p2)) / 2.0).sqrt();
        assert!((two - want).abs() < 1e-12, "{two} vs {want}");
        // absent levels (first and third) change nothing
        let with_absent =
            smd_categorical(&level_counts(&[0, 7, 0, 3]), &level_counts(&[0, 9, 0, 6])).unwrap();
        assert!(
            (with_absent - want).abs() < 1e-12,
            "{with_absent} vs {want}"
        );
        // R, the definition in base R (tableone is not at hand):
        // pa <- a/sum(a); pb <- b/sum(b); T <- (pa - pb)[-1]
        // cv <- function(p) { S <- -outer(p, p); diag(S) <- p*(1-p); S[-1,-1] }
        // sqrt(drop(t(T) %*% solve((cv(pa) + cv(pb))/2) %*% T)), on
        // c(10, 20, 30) vs c(25, 15, 5) (here with a fourth level that
        // neither group has: left out) and the second pair
        for (a, b, r) in [
            ([10, 20, 30, 0], [25, 15, 5, 0], 1.0882509040710604),
            ([3, 0, 7, 12], [5, 9, 1, 4], 1.7238174859715996),
        ] {
            let got = smd_categorical(&level_counts(&a), &level_counts(&b)).unwrap();
            crate::stats::prec::assert_rel(got, r, crate::stats::prec::REL);
        }
        // the first level in one group only (u₁ = 0 for the first group)
        for (a, b) in [([0, 5, 5], [3, 4, 3]), ([0, 2, 7], [5, 1, 1])] {
            let fast = smd_categorical(&level_counts(&a), &level_counts(&b)).unwrap();
            let dense = smd_by_dense_solve(&a, &b).unwrap();
            assert!((fast - dense).abs() <= 1e-12 * dense, "{fast} vs {dense}");
        }
        // groups without a level in common: S is singular, no SMD (not
        // the 1e8 that rounding noise in the determinant gave)
        let separated = [
            level_counts(&[9, 0, 0, 0, 0]),
            level_counts(&[0, 10, 4, 11, 5]),
        ];
        assert_eq!(smd_categorical(&separated[0], &separated[1]), None);
        assert_eq!(
            smd_categorical(&level_counts(&[0, 3, 0]), &level_counts(&[2, 0, 5])),
            None
        );
        // identical distributions, one level only, a group without values
        assert_eq!(
            smd_categorical(&level_counts(&[2, 4]), &level_counts(&[1, 2])),
            Some(0.0)
        );
        assert_eq!(
            smd_categorical(&level_counts(&[0, 4]), &level_counts(&[0, 2])),
            Some(0.0)
        );
        assert_eq!(
            smd_categorical(&level_counts(&[0, 0]), &level_counts(&[1, 2])),
            None
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(fixed(12.5, 0), "13");
        assert_eq!(fixed(2.25, 1), "2.3");
        assert_eq!(fixed(-2.25, 1), "-2.3");
        assert_eq!(fixed(56.25, 0), "56");
        assert_eq!(fixed(-0.04, 1), "0.0");
    }

    #[test]
    fn p_styles_of_journals() {
        assert_eq!(format_p_style(Some(0.0456), PStyle::Nejm), "0.05");
        assert_eq!(format_p_style(Some(0.0046), PStyle::Nejm), "0.005");
        assert_eq!(
            format_p_style(Some(0.0456), PStyle::TwoSignificant),
            "0.046"
        );
        assert_eq!(format_p_style(Some(0.456), PStyle::TwoSignificant), "0.46");
        assert_eq!(
            format_p_style(Some(0.00005), PStyle::TwoSignificant),
            "<0.0001"
        );
    }

    #[test]
    fn smd_of_two_levels_is_the_usual_formula() {
        let counts = |g: &str, c: Vec<u64>| {
            let n = c.iter().sum::<u64>() as usize;
            LevelCounts {
                group: g.to_string(),
                n,
                n_nonmissing: n,
                missing: 0,
                percent: c
                    .iter()
                    .map(|&x| Some(100.0 * x as f64 / n as f64))
                    .collect(),
                counts: c,
            }
        };
        let (a, b) = (counts("a", vec![42, 54]), counts("b", vec![79, 85]));
        let (p1, p2) = (54.0 / 96.0, 85.0 / 164.0);
        let expected = (p1 - p2) / ((p1 * (1.0 - p1) + p2 * (1.0 - p2)) / 2.0f64).sqrt();
        crate::stats::prec::assert_rel(smd_categorical(&a, &b).unwrap(), expected, 1e-12);
    }

    #[test]
    fn p_values_in_journal_style() {
        assert_eq!(format_p(Some(0.8727068411965815)), "0.873");
        assert_eq!(format_p(Some(0.0009)), "<0.001");
        assert_eq!(format_p(Some(0.0104)), "0.010");
        assert_eq!(format_p(None), "–");
    }
}
