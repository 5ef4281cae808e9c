//! The whole analysis: bytes and a spec in, a [`Report`] out.
//!
//! This is the one place where the statistics are called for Table 1 and
//! the survival endpoints; the CLI, the JS API and the web app all come
//! through [`analyze`], so they give identical numbers.

use crate::data::{AnalysisData, Categorical, Codes, Endpoint, OrderSource, VariableData};
use crate::error::{Error, ErrorKind, Result};
use crate::ingest::{dialect::delimiter_name, read_any, Table};
use crate::options::{CategoricalTest, CiType, Conventions, Ties};
use crate::report::*;
use crate::spec::Spec;
use crate::stats::{
    anova::oneway,
    chisq::chisq_test,
    contingency::Contingency,
    descriptive::Summary,
    fisher::{fisher_test, FisherMethod},
    kruskal::kruskal_wallis_ranked,
    order::{merge_sorted_f64, sort_f64},
    ranks::rank_sums_sorted,
    ttest::t_test,
    wilcoxon::wilcoxon_ranked,
};
use crate::survival::{
    cox,
    km::{bounded_step, KaplanMeier, RiskTable, MAX_RISK_COLUMNS},
    logrank::{logrank, LogRank},
    quantile::km_quantile,
    EventTable, SurvivalData,
};
use crate::table1;

/// R's method name for an exact Fisher test.
const FISHER_EXACT_METHOD: &str = "Fisher's Exact Test for Count Data";

/// Largest table total for which Fisher's exact test is computed (and
/// reported) when it is not the chosen categorical test. Beyond it the
/// exact r × c computation takes seconds per table (and ends in a Monte
/// Carlo estimate), while Pearson's χ² is then as good; with
/// `categorical_test: fisher` it is computed at any size.
pub const FISHER_UNCHOSEN_MAX_TOTAL: u64 = 10_000;

/// Reads `bytes` (the file named `file_name`) and analyses it as `spec`
/// says.
pub fn analyze(bytes: &[u8], file_name: &str, spec: &Spec) -> Result<Report> {
    spec.check().map_err(|e| e.in_file(file_name))?;
    let table = read_any(bytes, file_name, &spec.options.read_options())?;
    analyze_table(&table, spec)
}

/// Analyses a table already read (the app re-uses it when a setting
/// changes, without parsing the file again).
pub fn analyze_table(table: &Table, spec: &Spec) -> Result<Report> {
    let data = AnalysisData::new(table, spec)?;
    let conventions = Conventions::resolve(&spec.options.conventions());
    let group_sizes = data.group_sizes();
    let groups: Vec<GroupSize> = data
        .group_levels
        .iter()
        .zip(&group_sizes)
        .map(|(label, &n)| GroupSize {
            label: label.clone(),
            n,
        })
        .collect();

    let mut warnings = Vec::new();
    if !table.skipped_empty_lines.is_empty() {
        warnings.push(format!(
            "{} empty line(s) skipped: {}",
            table.skipped_empty_lines.len(),
            list_lines(&table.skipped_empty_lines)
        ));
    }
    if data.n_missing_group > 0 {
        let missing = &table.dialect.missing_codes;
        let lines: Vec<u64> = table
            .column(&data.group_column)
            .map(|column| {
                column
                    .iter()
                    .enumerate()
                    .filter(|(_, field)| missing.is_missing(field))
                    .map(|(i, _)| table.line(i))
                    .collect()
            })
            .unwrap_or_default();
        warnings.push(format!(
            "{} row(s) with an empty group ({}) excluded from every analysis — {}",
            data.n_missing_group,
            data.group_column,
            list_lines(&lines)
        ));
    }

    if data.n_filtered > 0 {
        warnings.push(format!(
            "{} row(s) excluded from every analysis by the spec's filter ({})",
            data.n_filtered,
            spec.filter
                .iter()
                .map(|c| c.describe())
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }

    // Table 1 beside the survival analyses (two threads in the CLI)
    let ((categorical, continuous), survival) = crate::parallel::join(
        || table1_results(&data, &conventions),
        || {
            data.endpoints
                .iter()
                .map(|endpoint| survival_result(endpoint, &data.group_levels))
                .collect::<Vec<_>>()
        },
    );
    for endpoint in &data.endpoints {
        if !endpoint.excluded_lines.is_empty() {
            warnings.push(format!(
                "{} row(s) excluded from {}: missing time or event — {}",
                endpoint.excluded_lines.len(),
                endpoint.spec.name,
                list_lines(&endpoint.excluded_lines)
            ));
        }
        let max_time = endpoint.data.time().last().copied().unwrap_or(0.0);
        let step = risk_step(&endpoint.spec, max_time);
        warnings.extend(step.warning(&endpoint.spec.name, &endpoint.spec.time_unit, max_time));
    }

    let order_source = |o: OrderSource| {
        serde_json::to_value(o)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let mut report = Report {
        schema_version: SCHEMA_VERSION.to_string(),
        insitu_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset: spec.name.clone(),
        title: spec.title.clone(),
        source: spec.source.clone(),
        data_file: table.file_name.clone(),
        reading: Reading {
            encoding: table.dialect.encoding.name().to_string(),
            delimiter: delimiter_name(table.dialect.delimiter),
            decimal_mark: table.dialect.decimal_mark.name().to_string(),
            missing_codes: table.dialect.missing_codes.all(),
        },
        conventions: ConventionsUsed {
            resolved: conventions,
            described: table1::describe_conventions(&conventions),
        },
        n_rows: data.n_rows,
        n_missing_group: data.n_missing_group,
        group: GroupInfo {
            column: data.group_column.clone(),
            label: spec
                .group
                .label
                .clone()
                .unwrap_or_else(|| data.group_column.clone()),
            order_source: order_source(data.group_order_source),
            levels: data.group_levels.clone(),
            n: group_sizes,
        },
        groups,
        categorical,
        continuous,
        survival,
        table1: table1::Table1::default(),
        warnings,
    };
    report.table1 = table1::build(&report, spec);
    Ok(report)
}

/// "line 3, 7, 12, … (and N more)".
fn list_lines(lines: &[u64]) -> String {
    const SHOWN: usize = 20;
    let shown: Vec<String> = lines.iter().take(SHOWN).map(u64::to_string).collect();
    let more = lines.len().saturating_sub(SHOWN);
    let mut text = format!("line {}", shown.join(", "));
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// The tests of a categorical Table 1 row on its level × group table
/// (empty levels and groups left out): Pearson χ², Yates for 2 × 2,
/// Fisher's exact test (r × c; above [`FISHER_UNCHOSEN_MAX_TOTAL`] only
/// when it is the chosen test), expected counts. Shared by the
/// patient-level analysis and the pooled multicentre report.
pub(crate) fn contingency_tests(
    full: &Contingency,
    levels: &[String],
    groups: &[String],
    fisher_chosen: bool,
) -> CategoricalTests {
    let (table, rows, cols) = full.without_empty();
    let mut tests = CategoricalTests {
        levels_used: rows.iter().map(|&i| levels[i].clone()).collect(),
        groups_used: cols.iter().map(|&j| groups[j].clone()).collect(),
        table_dim: vec![table.rows(), table.cols()],
        chisq_pearson: None,
        chisq_yates: None,
        fisher: None,
        expected_min: None,
        n_cells_expected_lt5: None,
        n_cells: None,
        note: None,
    };
    if table.rows() < 2 || table.cols() < 2 {
        tests.note = Some(format!(
            "no test: {} level(s) and {} group(s) with data",
            table.rows(),
            table.cols()
        ));
    } else {
        let chisq = |yates| {
            let r = chisq_test(&table, yates);
            ChisqResult {
                statistic: finite(r.statistic),
                df: r.df,
                p: finite(r.p),
                warnings: r.warnings,
            }
        };
        tests.chisq_pearson = Some(chisq(false));
        if table.rows() == 2 && table.cols() == 2 {
            tests.chisq_yates = Some(chisq(true));
        }
        // exact r × c tables cost seconds at registry sizes: computed there
        // only when Fisher is the chosen test
        if fisher_chosen || table.total() <= FISHER_UNCHOSEN_MAX_TOTAL {
            let fisher = fisher_test(&table);
            tests.fisher = Some(match fisher.method {
                FisherMethod::Exact => FisherResult {
                    p: finite(fisher.p),
                    method: FISHER_EXACT_METHOD.to_string(),
                    replicates: None,
                    seed: None,
                    std_error: None,
                },
                FisherMethod::MonteCarlo {
                    replicates,
                    seed,
                    std_error,
                } => FisherResult {
                    p: finite(fisher.p),
                    method: format!(
                        "Fisher's Exact Test for Count Data with simulated p-value \
                         (based on {replicates} replicates, seed {seed}): the table is beyond exact computation"
                    ),
                    replicates: Some(replicates),
                    seed: Some(seed),
                    std_error: finite(std_error),
                },
            });
        }
        let expected = table.expected();
        tests.expected_min = finite(expected.iter().copied().fold(f64::INFINITY, f64::min));
        tests.n_cells_expected_lt5 = Some(expected.iter().filter(|&&e| e < 5.0).count());
        tests.n_cells = Some(expected.len());
    }
    tests
}

/// The counts of one group (or "overall") from its count per level and its
/// missing values (also of pooled counts).
pub(crate) fn level_counts(label: &str, counts: &[u64], missing: u64) -> LevelCounts {
    let n_nonmissing: u64 = counts.iter().sum();
    LevelCounts {
        group: label.to_string(),
        n: (n_nonmissing + missing) as usize,
        n_nonmissing: n_nonmissing as usize,
        missing: missing as usize,
        counts: counts.to_vec(),
        percent: counts
            .iter()
            .map(|&c| finite(100.0 * c as f64 / n_nonmissing as f64))
            .collect(),
    }
}

/// The Table 1 statistics of every variable, categorical and continuous.
fn table1_results(
    data: &AnalysisData,
    conventions: &Conventions,
) -> (Vec<CategoricalResult>, Vec<ContinuousResult>) {
    let mut categorical = Vec::new();
    let mut continuous = Vec::new();
    for variable in &data.variables {
        // a row summarised within a subset sees only the subset's patients
        let subset: Option<Codes> = variable.rows.as_ref().map(|rows| {
            data.group
                .iter()
                .zip(rows)
                .map(|(g, &keep)| g.filter(|_| keep))
                .collect()
        });
        let groups = subset.as_ref().unwrap_or(&data.group);
        match &variable.data {
            VariableData::Categorical(c) => categorical.push(categorical_result(
                &variable.name,
                &variable.label,
                c,
                data,
                groups,
                conventions.categorical_test == CategoricalTest::Fisher,
            )),
            VariableData::Continuous(x) => continuous.push(continuous_result(
                &variable.name,
                &variable.label,
                x,
                data,
                groups,
            )),
        }
    }
    (categorical, continuous)
}

fn categorical_result(
    name: &str,
    label: &str,
    variable: &Categorical,
    data: &AnalysisData,
    groups: &Codes,
    fisher_chosen: bool,
) -> CategoricalResult {
    let k = variable.levels.len();
    // one pass: per group, the patients of each level and (at k) missing
    let mut tally = vec![vec![0u64; k + 1]; data.group_levels.len()];
    for (group, code) in groups.iter().zip(variable.codes.iter()) {
        if let Some(g) = group {
            tally[g as usize][code.map_or(k, |c| c as usize)] += 1;
        }
    }
    let by_group: Vec<LevelCounts> = (tally.iter().zip(&data.group_levels))
        .map(|(t, level)| level_counts(level, &t[..k], t[k]))
        .collect();
    let total: Vec<u64> = (0..=k).map(|c| tally.iter().map(|t| t[c]).sum()).collect();
    let overall = level_counts("overall", &total[..k], total[k]);

    // table(level, group): levels are rows, groups columns.
    let full = Contingency::new(
        k,
        by_group.len(),
        (0..k)
            .flat_map(|i| by_group.iter().map(move |g| g.counts[i]))
            .collect(),
    );
    let tests = contingency_tests(&full, &variable.levels, &data.group_levels, fisher_chosen);

    CategoricalResult {
        variable: name.to_string(),
        label: label.to_string(),
        kind: "categorical".to_string(),
        levels: variable.levels.clone(),
        level_order_source: match variable.order_source {
            OrderSource::Spec => "spec".to_string(),
            OrderSource::Sorted => "sorted (byte order, C locale)".to_string(),
        },
        by_group,
        overall,
        tests,
    }
}

/// The report's summary of `n` rows whose non-missing values are `sorted`.
fn summary(label: &str, n: usize, sorted: &[f64]) -> ContinuousSummary {
    let s = Summary::of_sorted(n, sorted);
    let q = |k: usize| {
        s.quartiles.map(|q| Quartiles {
            q1: q[k].q1,
            median: q[k].median,
            q3: q[k].q3,
        })
    };
    ContinuousSummary {
        group: label.to_string(),
        n: s.n,
        missing: s.missing,
        n_nonmissing: s.n_nonmissing,
        mean: s.mean.and_then(finite),
        sd: s.sd.and_then(finite),
        min: s.min,
        max: s.max,
        median: s.median,
        quantiles: match (q(0), q(1), q(2)) {
            (Some(type2), Some(type6), Some(type7)) => Some(QuartileSet {
                type2,
                type6,
                type7,
            }),
            _ => None,
        },
    }
}

fn continuous_result(
    name: &str,
    label: &str,
    values: &[f64],
    data: &AnalysisData,
    groups: &Codes,
) -> ContinuousResult {
    // each group's rows and non-missing values, counted first so that each
    // group's values take one exact allocation
    let mut rows = vec![0usize; data.n_groups()];
    let mut sizes = vec![0usize; data.n_groups()];
    for (group, &x) in groups.iter().zip(values) {
        if let Some(g) = group {
            rows[g as usize] += 1;
            sizes[g as usize] += usize::from(!x.is_nan());
        }
    }
    let mut present: Vec<Vec<f64>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (group, &x) in groups.iter().zip(values) {
        if let (Some(g), false) = (group, x.is_nan()) {
            present[g as usize].push(x);
        }
    }

    let used: Vec<usize> = (0..present.len())
        .filter(|&g| !present[g].is_empty())
        .collect();
    let mut tests = ContinuousTests {
        groups_used: used.iter().map(|&g| data.group_levels[g].clone()).collect(),
        wilcoxon: None,
        t_welch: None,
        t_student: None,
        kruskal_wallis: None,
        anova: None,
        anova_welch: None,
    };
    // the tests that sum the values take them in row order; then each
    // group's values are sorted where they are (no copy: at 10⁷ rows, 80 MB
    // less) for the quartiles, the overall column (the sorted groups
    // merged) and the rank tests
    if used.len() >= 2 {
        let samples: Vec<&[f64]> = used.iter().map(|&g| present[g].as_slice()).collect();
        if let [x1, x2] = samples[..] {
            tests.t_welch = t_test(x1, x2, false).map(t_result);
            tests.t_student = t_test(x1, x2, true).map(t_result);
        }
        tests.anova = oneway(&samples, true).map(f_result);
        tests.anova_welch = oneway(&samples, false).map(f_result);
    }
    let mut sorted = present;
    for x in &mut sorted {
        sort_f64(x);
    }
    let by_group = sorted
        .iter()
        .zip(&rows)
        .zip(&data.group_levels)
        .map(|((x, &n), level)| summary(level, n, x))
        .collect();
    let sorted_slices: Vec<&[f64]> = sorted.iter().map(Vec::as_slice).collect();
    let overall = summary(
        "overall",
        rows.iter().sum(),
        &merge_sorted_f64(&sorted_slices),
    );
    if used.len() >= 2 {
        let sizes: Vec<usize> = used.iter().map(|&g| sorted[g].len()).collect();
        let used_sorted: Vec<&[f64]> = used.iter().map(|&g| sorted_slices[g]).collect();
        let ranked = rank_sums_sorted(&used_sorted);
        if let [n1, n2] = sizes[..] {
            tests.wilcoxon = Some(wilcoxon_result(&wilcoxon_ranked(n1, n2, &ranked)));
        }
        tests.kruskal_wallis = Some(kruskal_result(kruskal_wallis_ranked(&sizes, &ranked)));
    }
    ContinuousResult {
        variable: name.to_string(),
        label: label.to_string(),
        kind: "continuous".to_string(),
        by_group,
        overall,
        tests,
    }
}

/// The report's Mann–Whitney fields (also of pooled, grouped values).
pub(crate) fn wilcoxon_result(w: &crate::stats::wilcoxon::Wilcoxon) -> WilcoxonResult {
    WilcoxonResult {
        W: w.u1,
        U_group1: w.u1,
        U_group2: w.u2,
        n1: w.n1,
        n2: w.n2,
        ties: w.ties,
        p_normal_cc: finite(w.p_normal_cc),
        p_normal: finite(w.p_normal),
        p_exact: w.p_exact.and_then(finite),
        exact_note: w.exact_note().map(str::to_string),
        p_r_default: finite(w.p(crate::options::WilcoxonMethod::RDefault)),
        r_default_method: w
            .method_name(crate::options::WilcoxonMethod::RDefault)
            .to_string(),
    }
}

/// The report's t-test fields (from values or from pooled moments).
pub(crate) fn t_result(t: crate::stats::ttest::TTest) -> TTestResult {
    TTestResult {
        statistic: finite(t.statistic),
        df: finite(t.df),
        p: finite(t.p),
        mean_difference: finite(t.mean_difference),
    }
}

/// The report's Kruskal–Wallis fields.
pub(crate) fn kruskal_result(k: crate::stats::kruskal::KruskalWallis) -> KruskalResult {
    KruskalResult {
        statistic: finite(k.statistic),
        df: k.df,
        p: finite(k.p),
    }
}

/// The report's one-way ANOVA fields (from values or from pooled moments).
pub(crate) fn f_result(f: crate::stats::anova::FTest) -> FTestResult {
    FTestResult {
        statistic: finite(f.statistic),
        df1: finite(f.df1),
        df2: finite(f.df2),
        p: finite(f.p),
    }
}

fn ci(q: Option<f64>, r: Option<f64>) -> Ci {
    Ci { lower: q, upper: r }
}

fn quantile_estimate(km: &KaplanMeier, p: f64) -> QuantileEstimate {
    let log = km_quantile(km, p, CiType::Log);
    let loglog = km_quantile(km, p, CiType::LogLog);
    QuantileEstimate {
        estimate: log.estimate,
        ci_log: ci(log.lower, log.upper),
        ci_loglog: ci(loglog.lower, loglog.upper),
    }
}

fn km_table(km: &KaplanMeier) -> KmTable {
    let log = km.band(CiType::Log);
    let loglog = km.band(CiType::LogLog);
    KmTable {
        time: km.table.time.clone(),
        n_risk: km.table.n_risk.clone(),
        n_event: km.table.n_event.clone(),
        n_censor: km.table.n_censor.clone(),
        surv: km.surv.clone(),
        std_err_cumhaz: km.std_err_cumhaz.iter().map(|&x| finite(x)).collect(),
        std_err_surv: km.std_err_surv().into_iter().map(finite).collect(),
        lower_log: log.iter().map(|b| b.lower).collect(),
        upper_log: log.iter().map(|b| b.upper).collect(),
        lower_loglog: loglog.iter().map(|b| b.lower).collect(),
        upper_loglog: loglog.iter().map(|b| b.upper).collect(),
        cumhaz_nelson_aalen: km.cumhaz.clone(),
        std_err_nelson_aalen: km.std_err_nelson_aalen.clone(),
    }
}

/// Landmarks of the spec, else 1, 3 and 5 years in the endpoint's unit.
pub fn landmarks_of(endpoint: &crate::spec::EndpointSpec) -> Vec<(f64, String)> {
    if let Some(times) = &endpoint.landmark_times {
        let labels = endpoint.landmark_labels.clone().unwrap_or_default();
        return times
            .iter()
            .enumerate()
            .map(|(k, &t)| {
                let label = labels
                    .get(k)
                    .cloned()
                    .unwrap_or_else(|| format!("{} {}", table1::number(t), endpoint.time_unit));
                (t, label)
            })
            .collect();
    }
    let year = match endpoint.time_unit.to_ascii_lowercase().as_str() {
        "days" | "day" => Some(365.25),
        "weeks" | "week" => Some(365.25 / 7.0),
        "months" | "month" => Some(12.0),
        "years" | "year" => Some(1.0),
        _ => None,
    };
    match year {
        Some(y) => [1.0, 3.0, 5.0]
            .iter()
            .map(|&k| (k * y, format!("{k}y")))
            .collect(),
        None => Vec::new(),
    }
}

/// The step of an endpoint's number-at-risk table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskStep {
    /// The step used.
    pub by: f64,
    /// The spec's `risk_table_by` when it was widened because it gave more
    /// than [`MAX_RISK_COLUMNS`] columns.
    pub widened_from: Option<f64>,
}

impl RiskStep {
    /// The note for the report when the spec's step was widened.
    pub fn warning(&self, endpoint: &str, unit: &str, max_time: f64) -> Option<String> {
        let asked = self.widened_from?;
        Some(format!(
            "{endpoint}: risk_table_by {} {unit} would give {} number-at-risk columns up to \
             the largest time ({} {unit}); the table uses a step of {} {unit} instead (at most \
             {MAX_RISK_COLUMNS} columns)",
            table1::number(asked),
            // as RiskTable::new counts, with its rounding tolerance
            approximate_count((max_time / asked * (1.0 + 1e-10)).floor() + 1.0),
            table1::number(max_time),
            table1::number(self.by),
        ))
    }
}

/// A count of columns as text, in words beyond what a table can show.
fn approximate_count(n: f64) -> String {
    if n < 1e9 {
        format!("{}", n as u64)
    } else {
        format!("about {n:.0e}")
    }
}

/// The spec's risk-table step, else a round step giving about five columns
/// (12 for months beyond two years); either widened to a multiple (2, 5,
/// 10, 20, … times) when it gives more than [`MAX_RISK_COLUMNS`] columns up
/// to `max_time` — a mistyped time of 1e7 months or a `risk_table_by` of
/// 1e-5 would otherwise ask for millions.
pub fn risk_step(endpoint: &crate::spec::EndpointSpec, max_time: f64) -> RiskStep {
    let wanted = if let Some(by) = endpoint.risk_table_by {
        by
    } else if endpoint.time_unit.eq_ignore_ascii_case("months") && max_time > 24.0 {
        12.0
    } else {
        nice_step(max_time / 5.0)
    };
    let by = bounded_step(wanted, max_time);
    RiskStep {
        by,
        widened_from: endpoint.risk_table_by.filter(|&asked| asked != by),
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`; `raw` itself where the
/// power of ten underflows (a largest time below about 1e-307).
pub fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|&s| s >= raw && s.is_normal())
        .unwrap_or(raw)
}

fn followup_group(label: &str, table: &EventTable) -> FollowupGroup {
    let km = KaplanMeier::fit(table);
    let log = km_quantile(&km, 0.5, CiType::Log);
    let loglog = km_quantile(&km, 0.5, CiType::LogLog);
    FollowupGroup {
        group: label.to_string(),
        n: table.n(),
        n_censored: table.events(),
        median: log.estimate,
        ci_log: ci(log.lower, log.upper),
        ci_loglog: ci(loglog.lower, loglog.upper),
        quartiles: FollowupQuartiles {
            p25: km_quantile(&km, 0.25, CiType::Log).estimate,
            p75: km_quantile(&km, 0.75, CiType::Log).estimate,
        },
    }
}

pub(crate) fn logrank_result(test: &LogRank, levels: &[String], sizes: &[usize]) -> LogRankResult {
    let k = levels.len();
    LogRankResult {
        strata_column: None,
        strata_levels: None,
        n_used: None,
        rho: test.rho,
        chisq: finite(test.chisq),
        df: test.df,
        p: finite(test.p),
        by_group: (0..k)
            .map(|g| LogRankGroup {
                group: levels[g].clone(),
                n: sizes[g],
                observed: test.observed[g],
                expected: test.expected[g],
                o_minus_e: test.observed[g] - test.expected[g],
                variance: test.variance.get(g, g),
            })
            .collect(),
        variance_matrix: (0..k)
            .map(|i| (0..k).map(|j| test.variance.get(i, j)).collect())
            .collect(),
    }
}

/// The observations of each stratum, as separate sorted data sets.
fn split_strata(data: &SurvivalData, stratum: &[u32], n_strata: usize) -> Vec<SurvivalData> {
    (0..n_strata as u32)
        .filter_map(|s| {
            let keep: Vec<usize> = (0..data.len()).filter(|&k| stratum[k] == s).collect();
            SurvivalData::new(
                keep.iter().map(|&k| data.time()[k]).collect(),
                keep.iter().map(|&k| data.event()[k]).collect(),
                keep.iter().map(|&k| data.group()[k]).collect(),
                data.n_groups(),
            )
            .ok()
        })
        .collect()
}

fn cox_result(
    sets: &crate::survival::GroupedRiskSets,
    sizes: &[usize],
    levels: &[String],
    ties: Ties,
) -> Option<CoxResult> {
    let fit = cox::fit(sets, sizes, ties)?;
    let mut warnings = fit.warnings.clone();
    for c in fit.coefficients.iter().filter(|c| c.infinite) {
        warnings.push(format!(
            "the hazard ratio {} vs {} may be 0 or infinite (no events in one of the groups?)",
            levels[c.group], levels[fit.reference]
        ));
    }
    let test = |t: &cox::ChisqTest| TestResult {
        chisq: finite(t.chisq),
        df: t.df,
        p: finite(t.p),
    };
    Some(CoxResult {
        ties: match ties {
            Ties::Efron => "efron",
            Ties::Breslow => "breslow",
        }
        .to_string(),
        reference: levels[fit.reference].clone(),
        n: fit.n,
        nevent: fit.nevent,
        iterations: fit.iterations,
        loglik_null: fit.loglik_null,
        loglik: fit.loglik,
        coefficients: fit
            .coefficients
            .iter()
            .map(|c| CoxTerm {
                term: format!("{} vs {}", levels[c.group], levels[fit.reference]),
                coef: finite(c.coef),
                se: finite(c.se),
                hr: finite(c.hr),
                hr_lower95: finite(c.hr_lower95),
                hr_upper95: finite(c.hr_upper95),
                z: finite(c.z),
                p_wald: finite(c.p_wald),
            })
            .collect(),
        wald_test: test(&fit.wald_test),
        lr_test: test(&fit.lr_test),
        score_test: test(&fit.score_test),
        warnings,
    })
}

fn survival_result(endpoint: &Endpoint, levels: &[String]) -> SurvivalResult {
    let data = &endpoint.data;
    let stratified = endpoint.spec.stratified_logrank.as_ref().map(|_| {
        endpoint
            .strata
            .iter()
            .map(|strata| {
                let mut parts = split_strata(&strata.data, &strata.stratum, strata.levels.len());
                if parts.is_empty() {
                    // no patient has a stratum (every value missing): a test of
                    // nothing, with every group present, instead of a test
                    // without groups
                    let n_groups = strata.data.n_groups();
                    parts.extend(
                        SurvivalData::new(Vec::new(), Vec::new(), Vec::new(), n_groups).ok(),
                    );
                }
                let sets: Vec<_> = parts.iter().map(SurvivalData::risk_sets).collect();
                let sizes = strata.data.group_sizes();
                let mut result = logrank_result(&logrank(&sets, 0.0), levels, &sizes);
                result.strata_column = Some(strata.column.clone());
                result.strata_levels = Some(strata.levels.clone());
                result.n_used = Some(strata.data.len());
                result
            })
            .collect()
    });
    survival_from(SurvivalInputs {
        spec: &endpoint.spec,
        levels,
        sizes: data.group_sizes(),
        tables: (0..levels.len())
            .map(|g| data.event_table(Some(g as u32)))
            .collect(),
        overall: data.event_table(None),
        reverse_tables: (0..levels.len())
            .map(|g| data.reverse_event_table(Some(g as u32)))
            .collect(),
        reverse_overall: data.reverse_event_table(None),
        max_time: data.time().last().copied().unwrap_or(0.0),
        sets: data.risk_sets(),
        stratified,
        n_used: data.len(),
        n_excluded_missing: endpoint.n_excluded_missing,
    })
}

/// What the survival analyses of one endpoint are computed from: the
/// event tables and risk sets of the patients (here) or of the centres'
/// pooled grid counts (`multicentre::pooled`), so that both give their
/// reports from one set of builders.
pub(crate) struct SurvivalInputs<'a> {
    pub spec: &'a crate::spec::EndpointSpec,
    pub levels: &'a [String],
    /// Patients per group.
    pub sizes: Vec<usize>,
    /// Event table per group, and of all groups.
    pub tables: Vec<EventTable>,
    pub overall: EventTable,
    /// Event tables of the reverse (censoring) times.
    pub reverse_tables: Vec<EventTable>,
    pub reverse_overall: EventTable,
    /// Largest time (the end of the risk table).
    pub max_time: f64,
    /// Risk sets by group, for the log-rank tests and Cox.
    pub sets: crate::survival::GroupedRiskSets,
    /// The stratified log-rank tests, made by the caller.
    pub stratified: Option<Vec<LogRankResult>>,
    pub n_used: usize,
    pub n_excluded_missing: usize,
}

/// Kaplan–Meier by group and overall, landmarks, the risk table, the
/// reverse Kaplan–Meier follow-up, log-rank, Peto & Peto and Cox.
pub(crate) fn survival_from(inputs: SurvivalInputs) -> SurvivalResult {
    let SurvivalInputs {
        spec,
        levels,
        sizes,
        tables,
        overall,
        reverse_tables,
        reverse_overall,
        max_time,
        sets,
        stratified,
        n_used,
        n_excluded_missing,
    } = inputs;
    let fits: Vec<KaplanMeier> = tables.iter().map(KaplanMeier::fit).collect();
    let landmark_times = landmarks_of(spec);
    let km = fits
        .iter()
        .zip(levels)
        .map(|(fit, level)| {
            let median = quantile_estimate(fit, 0.5);
            KmResult {
                group: level.clone(),
                n: fit.table.n(),
                events: fit.table.events(),
                median: median.estimate,
                median_ci_log: median.ci_log,
                median_ci_loglog: median.ci_loglog,
                quartiles: SurvivalQuartiles {
                    p25: quantile_estimate(fit, 0.25),
                    p75: quantile_estimate(fit, 0.75),
                },
                landmarks: landmark_times
                    .iter()
                    .map(|(t, label)| {
                        let l = fit.landmark(*t);
                        let log = fit.landmark_interval(&l, CiType::Log);
                        let loglog = fit.landmark_interval(&l, CiType::LogLog);
                        LandmarkResult {
                            time: *t,
                            label: label.clone(),
                            beyond_last_time: l.beyond_last_time,
                            n_risk: l.n_risk,
                            surv: finite(l.surv),
                            std_err_surv: finite(l.std_err_surv),
                            ci_log: ci(log.lower, log.upper),
                            ci_loglog: ci(loglog.lower, loglog.upper),
                        }
                    })
                    .collect(),
                table: km_table(fit),
            }
        })
        .collect();

    let pooled = KaplanMeier::fit(&overall);
    let median = quantile_estimate(&pooled, 0.5);
    let overall_km = KmOverall {
        n: pooled.table.n(),
        events: pooled.table.events(),
        median: median.estimate,
        median_ci_log: median.ci_log,
        median_ci_loglog: median.ci_loglog,
        quartiles: SurvivalQuartiles {
            p25: quantile_estimate(&pooled, 0.25),
            p75: quantile_estimate(&pooled, 0.75),
        },
    };

    let steps = RiskTable::new(risk_step(spec, max_time).by, max_time);
    let risk_table = RiskTableResult {
        by: steps.by,
        times: steps.times.clone(),
        by_group: fits
            .iter()
            .zip(levels)
            .map(|(fit, level)| {
                let counts = steps.counts(&fit.table);
                RiskRow {
                    group: level.clone(),
                    n_risk: counts.n_risk,
                    cum_events: counts.cum_events,
                    cum_censored: counts.cum_censored,
                }
            })
            .collect(),
    };

    let followup_reverse_km = Followup {
        method: "reverse Kaplan–Meier: survfit(Surv(time, 1 - event) ~ 1) per group; \
                 median with CI as quantile(fit, 0.5, conf.int = TRUE)"
            .to_string(),
        by_group: levels
            .iter()
            .zip(&reverse_tables)
            .map(|(level, table)| followup_group(level, table))
            .collect(),
        overall: followup_group("overall", &reverse_overall),
    };

    let usable = sizes.iter().filter(|&&n| n > 0).count() >= 2 && n_used > 0;
    let (logrank_test, peto_peto) = if usable {
        let sets = std::slice::from_ref(&sets);
        (
            Some(logrank_result(&logrank(sets, 0.0), levels, &sizes)),
            Some(logrank_result(&logrank(sets, 1.0), levels, &sizes)),
        )
    } else {
        (None, None)
    };
    let cox = usable.then(|| CoxModels {
        efron: cox_result(&sets, &sizes, levels, Ties::Efron),
        breslow: cox_result(&sets, &sizes, levels, Ties::Breslow),
    });

    SurvivalResult {
        endpoint: spec.name.clone(),
        time_column: spec.time.clone(),
        event_column: spec.event.clone(),
        time_unit: spec.time_unit.clone(),
        event_meaning: spec.event_meaning.clone(),
        n_used,
        n_excluded_missing,
        km,
        overall: overall_km,
        risk_table,
        followup_reverse_km,
        logrank: logrank_test,
        peto_peto,
        stratified_logrank: stratified,
        cox,
    }
}

/// An error for a spec that names no data file where one is needed.
pub fn no_data_file(spec_file: &str) -> Error {
    Error::new(
        ErrorKind::Spec,
        "the spec names no data file (key \"csv\" or \"data\"); give one with --csv",
    )
    .in_file(spec_file)
}
