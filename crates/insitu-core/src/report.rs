//! The report model: every number of an analysis, in one serde structure.
//!
//! Key names follow the reference schema (`shared/reference/README.md`)
//! wherever the two overlap, so that `insitu validate` is a plain walk of
//! the reference JSON against this one. The model always holds the values
//! of every convention the reference holds (quartile types 2/6/7, log and
//! log-log intervals, Efron and Breslow); `conventions` says which of them
//! the formatted [`crate::table1::Table1`] and the figures use.
//!
//! Non-finite numbers (R's `NA`, `NaN`, `Inf`) are `None` and serialise as
//! `null`, as in the reference.

use serde::{Deserialize, Serialize};

use crate::options::Conventions;
use crate::table1::Table1;

/// Schema version of the report.
pub const SCHEMA_VERSION: &str = "1.0";

/// `Some(x)` for a finite `x`, else `None` (serialised as `null`).
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// A whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Report schema version.
    pub schema_version: String,
    /// Insitu version that produced the report.
    pub insitu_version: String,
    /// Data set name from the spec.
    pub dataset: Option<String>,
    /// Title from the spec.
    pub title: Option<String>,
    /// Source from the spec.
    pub source: Option<String>,
    /// Name of the data file that was read.
    pub data_file: String,
    /// How the file was read.
    pub reading: Reading,
    /// Conventions used for display, and their description.
    pub conventions: ConventionsUsed,
    /// Data rows in the file.
    pub n_rows: usize,
    /// Rows with an empty group (excluded from everything).
    pub n_missing_group: usize,
    /// The group column.
    pub group: GroupInfo,
    /// Group sizes in group order.
    pub groups: Vec<GroupSize>,
    /// Categorical Table 1 variables in spec order.
    pub categorical: Vec<CategoricalResult>,
    /// Continuous Table 1 variables in spec order.
    pub continuous: Vec<ContinuousResult>,
    /// Survival analyses, one per endpoint, in spec order.
    pub survival: Vec<SurvivalResult>,
    /// Table 1, formatted for publication.
    pub table1: Table1,
    /// Everything done to the data that a reader must know (rows skipped,
    /// rows excluded from an endpoint, approximations).
    pub warnings: Vec<String>,
}

/// How the data file was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Text encoding found.
    pub encoding: String,
    /// Field delimiter.
    pub delimiter: String,
    /// Decimal mark for numbers.
    pub decimal_mark: String,
    /// Values read as missing.
    pub missing_codes: Vec<String>,
}

/// The conventions and their plain-words description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConventionsUsed {
    /// Resolved conventions.
    pub resolved: Conventions,
    /// One sentence per convention, for the footnote and the report.
    pub described: Vec<String>,
}

/// The group column and its levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupInfo {
    /// Column name.
    pub column: String,
    /// Label for display.
    pub label: String,
    /// Where the level order came from.
    pub order_source: String,
    /// Group labels; the first is the reference.
    pub levels: Vec<String>,
    /// Patients per group.
    pub n: Vec<usize>,
}

/// One group and its size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSize {
    /// Group label.
    pub label: String,
    /// Patients.
    pub n: usize,
}

/// A categorical variable by group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalResult {
    /// Column name.
    pub variable: String,
    /// Display label.
    pub label: String,
    /// Always "categorical".
    pub kind: String,
    /// Levels in order.
    pub levels: Vec<String>,
    /// Where the level order came from.
    pub level_order_source: String,
    /// Counts per group.
    pub by_group: Vec<LevelCounts>,
    /// Counts over all patients with a group.
    pub overall: LevelCounts,
    /// Tests of association with the group.
    pub tests: CategoricalTests,
}

/// Counts of the levels within one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelCounts {
    /// Group label, or "overall".
    pub group: String,
    /// Patients.
    pub n: usize,
    /// Patients with a value.
    pub n_nonmissing: usize,
    /// Patients without a value.
    pub missing: usize,
    /// Count per level.
    pub counts: Vec<u64>,
    /// Percentage of `n_nonmissing` per level (0–100).
    pub percent: Vec<Option<f64>>,
}

/// Tests on the level × group table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalTests {
    /// Levels kept (all-zero rows dropped).
    pub levels_used: Vec<String>,
    /// Groups kept (all-zero columns dropped).
    pub groups_used: Vec<String>,
    /// Rows and columns of the tested table.
    pub table_dim: Vec<usize>,
    /// Pearson χ² without continuity correction.
    pub chisq_pearson: Option<ChisqResult>,
    /// χ² with Yates' correction (2 × 2 only).
    pub chisq_yates: Option<ChisqResult>,
    /// Fisher's exact test.
    pub fisher: Option<FisherResult>,
    /// Smallest expected count.
    pub expected_min: Option<f64>,
    /// Cells with expected count below 5.
    pub n_cells_expected_lt5: Option<usize>,
    /// Cells of the tested table.
    pub n_cells: Option<usize>,
    /// Why no test was done, when none was.
    pub note: Option<String>,
}

/// A χ² test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChisqResult {
    /// Statistic.
    pub statistic: Option<f64>,
    /// Degrees of freedom.
    pub df: usize,
    /// P value.
    pub p: Option<f64>,
    /// R's warnings (small expected counts).
    pub warnings: Vec<String>,
}

/// Fisher's exact test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FisherResult {
    /// Two-sided P value.
    pub p: Option<f64>,
    /// "Fisher's Exact Test for Count Data", or the Monte Carlo description.
    pub method: String,
    /// Monte Carlo replicates, when the table was beyond exact computation.
    pub replicates: Option<u64>,
    /// Monte Carlo seed.
    pub seed: Option<u64>,
    /// Monte Carlo standard error of `p`.
    pub std_error: Option<f64>,
}

/// A continuous variable by group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuousResult {
    /// Column name.
    pub variable: String,
    /// Display label.
    pub label: String,
    /// Always "continuous".
    pub kind: String,
    /// Summary per group.
    pub by_group: Vec<ContinuousSummary>,
    /// Summary over all patients with a group.
    pub overall: ContinuousSummary,
    /// Tests of a difference between groups.
    pub tests: ContinuousTests,
}

/// Descriptive summary of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuousSummary {
    /// Group label, or "overall".
    pub group: String,
    /// Patients.
    pub n: usize,
    /// Missing values.
    pub missing: usize,
    /// Values.
    pub n_nonmissing: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Standard deviation (n − 1).
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// Quartiles by definition.
    pub quantiles: Option<QuartileSet>,
}

/// Quartiles of R types 2, 6 and 7.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuartileSet {
    /// R type 2 (SAS definition 5).
    pub type2: Quartiles,
    /// R type 6 (SPSS, Minitab).
    pub type6: Quartiles,
    /// R type 7 (R's default, Excel `QUARTILE.INC`).
    pub type7: Quartiles,
}

/// Three quartiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quartiles {
    /// 25th percentile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub q3: f64,
}

/// Tests of a continuous variable between groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuousTests {
    /// Groups with at least one value.
    pub groups_used: Vec<String>,
    /// Mann–Whitney U / Wilcoxon rank-sum (two groups only).
    pub wilcoxon: Option<WilcoxonResult>,
    /// Welch's t test (two groups).
    pub t_welch: Option<TTestResult>,
    /// Student's t test (two groups).
    pub t_student: Option<TTestResult>,
    /// Kruskal–Wallis.
    pub kruskal_wallis: Option<KruskalResult>,
    /// One-way ANOVA, equal variances.
    pub anova: Option<FTestResult>,
    /// Welch's one-way ANOVA.
    pub anova_welch: Option<FTestResult>,
}

/// Mann–Whitney U.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(non_snake_case)]
pub struct WilcoxonResult {
    /// R's W: U of the first group.
    pub W: f64,
    /// U of the first group.
    pub U_group1: f64,
    /// U of the second group.
    pub U_group2: f64,
    /// Values in group 1.
    pub n1: usize,
    /// Values in group 2.
    pub n2: usize,
    /// Ties in the pooled sample.
    pub ties: bool,
    /// Normal approximation, tie-corrected, with continuity correction.
    pub p_normal_cc: Option<f64>,
    /// Normal approximation, tie-corrected, without continuity correction.
    pub p_normal: Option<f64>,
    /// Exact P (no ties and both n < 50).
    pub p_exact: Option<f64>,
    /// Why there is no exact P.
    pub exact_note: Option<String>,
    /// R's `wilcox.test` default.
    pub p_r_default: Option<f64>,
    /// R's name of its default method here.
    pub r_default_method: String,
}

/// A t test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TTestResult {
    /// t.
    pub statistic: Option<f64>,
    /// Degrees of freedom.
    pub df: Option<f64>,
    /// Two-sided P value.
    pub p: Option<f64>,
    /// Mean of group 1 minus mean of group 2.
    pub mean_difference: Option<f64>,
}

/// The Kruskal–Wallis test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KruskalResult {
    /// H, tie-corrected.
    pub statistic: Option<f64>,
    /// Degrees of freedom.
    pub df: usize,
    /// P value.
    pub p: Option<f64>,
}

/// An F test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FTestResult {
    /// F.
    pub statistic: Option<f64>,
    /// Numerator degrees of freedom.
    pub df1: Option<f64>,
    /// Denominator degrees of freedom.
    pub df2: Option<f64>,
    /// P value.
    pub p: Option<f64>,
}

/// Survival analyses of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalResult {
    /// Endpoint name.
    pub endpoint: String,
    /// Time column.
    pub time_column: String,
    /// Event column.
    pub event_column: String,
    /// Time unit.
    pub time_unit: String,
    /// What an event is.
    pub event_meaning: Option<String>,
    /// Rows analysed.
    pub n_used: usize,
    /// Rows excluded for a missing group, time or event.
    pub n_excluded_missing: usize,
    /// Kaplan–Meier per group.
    pub km: Vec<KmResult>,
    /// Kaplan–Meier of all groups pooled.
    pub overall: KmOverall,
    /// Number at risk table.
    pub risk_table: RiskTableResult,
    /// Median follow-up by reverse Kaplan–Meier.
    pub followup_reverse_km: Followup,
    /// Log-rank test.
    pub logrank: Option<LogRankResult>,
    /// Peto & Peto test.
    pub peto_peto: Option<LogRankResult>,
    /// Stratified log-rank tests, when asked for.
    pub stratified_logrank: Option<Vec<LogRankResult>>,
    /// Cox models on the group.
    pub cox: Option<CoxModels>,
}

/// A confidence interval; `None` limits are not estimable.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Ci {
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
}

/// A survival quantile with both intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuantileEstimate {
    /// The time; `None` = not reached.
    pub estimate: Option<f64>,
    /// Log interval.
    pub ci_log: Ci,
    /// Log-log interval.
    pub ci_loglog: Ci,
}

/// The 25th and 75th percentiles of a survival time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SurvivalQuartiles {
    /// Time by which 25 % had the event.
    pub p25: QuantileEstimate,
    /// Time by which 75 % had the event.
    pub p75: QuantileEstimate,
}

/// Kaplan–Meier of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmResult {
    /// Group label.
    pub group: String,
    /// Patients.
    pub n: u64,
    /// Events.
    pub events: u64,
    /// Median survival.
    pub median: Option<f64>,
    /// Its log interval.
    pub median_ci_log: Ci,
    /// Its log-log interval.
    pub median_ci_loglog: Ci,
    /// Quartiles.
    pub quartiles: SurvivalQuartiles,
    /// Survival at the landmark times.
    pub landmarks: Vec<LandmarkResult>,
    /// The curve.
    pub table: KmTable,
}

/// Kaplan–Meier of all groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmOverall {
    /// Patients.
    pub n: u64,
    /// Events.
    pub events: u64,
    /// Median survival.
    pub median: Option<f64>,
    /// Its log interval.
    pub median_ci_log: Ci,
    /// Its log-log interval.
    pub median_ci_loglog: Ci,
    /// Quartiles.
    pub quartiles: SurvivalQuartiles,
}

/// Survival at a landmark time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LandmarkResult {
    /// The time.
    pub time: f64,
    /// Its label ("1y").
    pub label: String,
    /// After the last observed time (values carried forward).
    pub beyond_last_time: bool,
    /// At risk at the time.
    pub n_risk: u64,
    /// S(t).
    pub surv: Option<f64>,
    /// Greenwood SE of S(t).
    pub std_err_surv: Option<f64>,
    /// Log interval.
    pub ci_log: Ci,
    /// Log-log interval.
    pub ci_loglog: Ci,
}

/// The Kaplan–Meier curve, one entry per distinct time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmTable {
    /// Time.
    pub time: Vec<f64>,
    /// At risk.
    pub n_risk: Vec<u64>,
    /// Events.
    pub n_event: Vec<u64>,
    /// Censored.
    pub n_censor: Vec<u64>,
    /// S(t).
    pub surv: Vec<f64>,
    /// Greenwood SE of −log S.
    pub std_err_cumhaz: Vec<Option<f64>>,
    /// Greenwood SE of S.
    pub std_err_surv: Vec<Option<f64>>,
    /// Log interval, lower.
    pub lower_log: Vec<Option<f64>>,
    /// Log interval, upper.
    pub upper_log: Vec<Option<f64>>,
    /// Log-log interval, lower.
    pub lower_loglog: Vec<Option<f64>>,
    /// Log-log interval, upper.
    pub upper_loglog: Vec<Option<f64>>,
    /// Nelson–Aalen cumulative hazard.
    pub cumhaz_nelson_aalen: Vec<f64>,
    /// Its standard error.
    pub std_err_nelson_aalen: Vec<f64>,
}

/// Number at risk (and cumulative events and censorings) at regular times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskTableResult {
    /// Step between columns.
    pub by: f64,
    /// Column times.
    pub times: Vec<f64>,
    /// Counts per group.
    pub by_group: Vec<RiskRow>,
}

/// One group's row of the number-at-risk table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskRow {
    /// Group label.
    pub group: String,
    /// At risk (time ≥ t).
    pub n_risk: Vec<u64>,
    /// Events with time ≤ t.
    pub cum_events: Vec<u64>,
    /// Censorings with time ≤ t.
    pub cum_censored: Vec<u64>,
}

/// Median follow-up by reverse Kaplan–Meier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followup {
    /// Method in words.
    pub method: String,
    /// Per group.
    pub by_group: Vec<FollowupGroup>,
    /// All groups.
    pub overall: FollowupGroup,
}

/// Reverse Kaplan–Meier summary of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowupGroup {
    /// Group label, or "overall".
    pub group: String,
    /// Patients.
    pub n: u64,
    /// Censored patients (the "events" of the reverse curve).
    pub n_censored: u64,
    /// Median follow-up.
    pub median: Option<f64>,
    /// Log interval.
    pub ci_log: Ci,
    /// Log-log interval.
    pub ci_loglog: Ci,
    /// Quartiles of follow-up.
    pub quartiles: FollowupQuartiles,
}

/// Quartiles of follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FollowupQuartiles {
    /// 25th percentile.
    pub p25: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
}

/// A log-rank family test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRankResult {
    /// Stratification column (stratified tests only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strata_column: Option<String>,
    /// Strata (stratified tests only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strata_levels: Option<Vec<String>>,
    /// Rows used (stratified tests only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub n_used: Option<usize>,
    /// ρ of the weight S(t−)^ρ.
    pub rho: f64,
    /// χ².
    pub chisq: Option<f64>,
    /// Degrees of freedom.
    pub df: usize,
    /// P value.
    pub p: Option<f64>,
    /// Observed and expected per group.
    pub by_group: Vec<LogRankGroup>,
    /// Variance matrix of O − E.
    pub variance_matrix: Vec<Vec<f64>>,
}

/// One group of a log-rank test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRankGroup {
    /// Group label.
    pub group: String,
    /// Patients.
    pub n: usize,
    /// (Weighted) observed events.
    pub observed: f64,
    /// (Weighted) expected events.
    pub expected: f64,
    /// Observed − expected.
    pub o_minus_e: f64,
    /// Variance of O − E.
    pub variance: f64,
}

/// Cox models with both tie methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxModels {
    /// Efron's approximation (R's default).
    pub efron: Option<CoxResult>,
    /// Breslow's approximation (SAS's and SPSS's default).
    pub breslow: Option<CoxResult>,
}

/// A Cox model on the group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxResult {
    /// "efron" or "breslow".
    pub ties: String,
    /// Reference group.
    pub reference: String,
    /// Patients.
    pub n: u64,
    /// Events.
    pub nevent: u64,
    /// Newton–Raphson iterations.
    pub iterations: usize,
    /// Log partial likelihood at β = 0.
    pub loglik_null: f64,
    /// Log partial likelihood at the estimate.
    pub loglik: f64,
    /// One coefficient per non-reference group.
    pub coefficients: Vec<CoxTerm>,
    /// Wald test.
    pub wald_test: TestResult,
    /// Likelihood-ratio test.
    pub lr_test: TestResult,
    /// Score (log-rank) test.
    pub score_test: TestResult,
    /// Warnings of the fit.
    pub warnings: Vec<String>,
}

/// One Cox coefficient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxTerm {
    /// "B vs A".
    pub term: String,
    /// log hazard ratio.
    pub coef: Option<f64>,
    /// Its SE.
    pub se: Option<f64>,
    /// Hazard ratio.
    pub hr: Option<f64>,
    /// Lower 95 % limit.
    pub hr_lower95: Option<f64>,
    /// Upper 95 % limit.
    pub hr_upper95: Option<f64>,
    /// Wald z.
    pub z: Option<f64>,
    /// Wald P.
    pub p_wald: Option<f64>,
}

/// A χ² test of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// χ².
    pub chisq: Option<f64>,
    /// Degrees of freedom.
    pub df: usize,
    /// P value.
    pub p: Option<f64>,
}
