//! Report sections from pooled counts and sums: the same statistics and the
//! same report fields as [`crate::analyze()`], fed with what the centres sent.
//!
//! The builders mirror the private ones of `analyze.rs` line for line
//! (Kaplan–Meier tables, landmarks, risk table, reverse
//! Kaplan–Meier, log-rank, Peto & Peto, Cox), so that a pooled report
//! equals the patient-level report of the pooled data with times grouped to
//! the grid. They should become one set once `analyze.rs` exposes builders
//! that take event tables.

use std::collections::BTreeMap;

use super::grid::Grid;
use super::histogram::{self, Bin, BoundedQuantile};
use super::moments::{self, Moments};
use crate::analyze::{contingency_tests, landmarks_of, risk_step};
use crate::options::{CiType, QuantileType, Ties};
use crate::report::*;
use crate::spec::EndpointSpec;
use crate::stats::{contingency::Contingency, kruskal::kruskal_wallis, wilcoxon::wilcoxon};
use crate::survival::{
    cox,
    km::{KaplanMeier, RiskTable},
    logrank::{logrank, LogRank},
    quantile::km_quantile,
    EventTable, GroupedRiskSets,
};

/// Events and censorings per grid bin (by bin index) of one group.
pub type TimeBins = BTreeMap<i64, (u64, u64)>;

fn level_counts(label: &str, counts: &[u64], missing: u64) -> LevelCounts {
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

/// Pooled counts of a categorical variable.
#[derive(Debug, Clone)]
pub struct CategoricalCounts {
    /// Per group, per category.
    pub counts: Vec<Vec<u64>>,
    /// Missing values per group.
    pub missing: Vec<u64>,
}

/// A categorical variable from counts per group × category.
pub fn categorical_result(
    name: &str,
    label: &str,
    levels: &[String],
    order_source: &str,
    group_levels: &[String],
    pooled: &CategoricalCounts,
    fisher_chosen: bool,
) -> CategoricalResult {
    let (counts, missing) = (&pooled.counts, &pooled.missing);
    let k = levels.len();
    let by_group: Vec<LevelCounts> = group_levels
        .iter()
        .enumerate()
        .map(|(g, level)| level_counts(level, &counts[g], missing[g]))
        .collect();
    let overall_counts: Vec<u64> = (0..k).map(|i| counts.iter().map(|c| c[i]).sum()).collect();
    let overall = level_counts("overall", &overall_counts, missing.iter().sum());
    let full = Contingency::new(
        k,
        by_group.len(),
        (0..k)
            .flat_map(|i| by_group.iter().map(move |g| g.counts[i]))
            .collect(),
    );
    let tests = contingency_tests(&full, levels, group_levels, fisher_chosen);
    CategoricalResult {
        variable: name.to_string(),
        label: label.to_string(),
        kind: "categorical".to_string(),
        levels: levels.to_vec(),
        level_order_source: order_source.to_string(),
        by_group,
        overall,
        tests,
    }
}

/// The quartiles of the three definitions, estimated from `bins`.
pub fn quartile_set(bins: &[Bin]) -> Option<(QuartileSet, [[BoundedQuantile; 3]; 3])> {
    let q = |kind| histogram::quartiles(bins, kind);
    let (t2, t6, t7) = (
        q(QuantileType::Type2)?,
        q(QuantileType::Type6)?,
        q(QuantileType::Type7)?,
    );
    let plain = |b: &[BoundedQuantile; 3]| Quartiles {
        q1: b[0].estimate,
        median: b[1].estimate,
        q3: b[2].estimate,
    };
    Some((
        QuartileSet {
            type2: plain(&t2),
            type6: plain(&t6),
            type7: plain(&t7),
        },
        [t2, t6, t7],
    ))
}

/// A descriptive summary from moments and, if given, a histogram. Minimum
/// and maximum are never shared, so they are `None`.
pub fn continuous_summary(
    label: &str,
    m: &Moments,
    missing: u64,
    bins: Option<&[Bin]>,
) -> ContinuousSummary {
    let quartiles = bins.and_then(quartile_set).map(|(q, _)| q);
    ContinuousSummary {
        group: label.to_string(),
        n: (m.n + missing) as usize,
        missing: missing as usize,
        n_nonmissing: m.n as usize,
        mean: m.mean().and_then(finite),
        sd: m.sd().and_then(finite),
        min: None,
        max: None,
        median: quartiles.as_ref().map(|q| q.type7.median),
        quantiles: quartiles,
    }
}

/// A continuous variable from moments per group and, when every centre
/// sent a histogram, bins per group: `quartile_bins` (each centre's own
/// bins, for the quartiles) and `rank_bins` (all centres on common cuts, for
/// the rank tests).
pub fn continuous_result(
    name: &str,
    label: &str,
    group_levels: &[String],
    moments: &[Moments],
    missing: &[u64],
    quartile_bins: Option<&[Vec<Bin>]>,
    rank_bins: Option<&[Vec<Bin>]>,
) -> ContinuousResult {
    let by_group = group_levels
        .iter()
        .enumerate()
        .map(|(g, level)| {
            continuous_summary(
                level,
                &moments[g],
                missing[g],
                quartile_bins.map(|b| b[g].as_slice()),
            )
        })
        .collect();
    let all = moments
        .iter()
        .fold(Moments::default(), |acc, m| acc.pooled(*m));
    let all_bins: Option<Vec<Bin>> = quartile_bins.map(|b| b.concat());
    let overall = continuous_summary("overall", &all, missing.iter().sum(), all_bins.as_deref());
    let used: Vec<usize> = (0..moments.len()).filter(|&g| moments[g].n > 0).collect();
    let mut tests = ContinuousTests {
        groups_used: used.iter().map(|&g| group_levels[g].clone()).collect(),
        wilcoxon: None,
        t_welch: None,
        t_student: None,
        kruskal_wallis: None,
        anova: None,
        anova_welch: None,
    };
    let grouped: Option<Vec<Vec<f64>>> = rank_bins.map(|b| {
        used.iter()
            .map(|&g| histogram::grouped_values(&b[g]))
            .collect()
    });
    if let [g1, g2] = used[..] {
        if let Some(grouped) = &grouped {
            let w = wilcoxon(&grouped[0], &grouped[1]);
            tests.wilcoxon = Some(WilcoxonResult {
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
            });
        }
        let t = |equal| {
            moments::t_test(&moments[g1], &moments[g2], equal).map(|t| TTestResult {
                statistic: finite(t.statistic),
                df: finite(t.df),
                p: finite(t.p),
                mean_difference: finite(t.mean_difference),
            })
        };
        tests.t_welch = t(false);
        tests.t_student = t(true);
    }
    if used.len() >= 2 {
        if let Some(grouped) = &grouped {
            let samples: Vec<&[f64]> = grouped.iter().map(Vec::as_slice).collect();
            tests.kruskal_wallis = kruskal_wallis(&samples).map(|k| KruskalResult {
                statistic: finite(k.statistic),
                df: k.df,
                p: finite(k.p),
            });
        }
        let samples: Vec<Moments> = used.iter().map(|&g| moments[g]).collect();
        let f = |equal| {
            moments::oneway(&samples, equal).map(|f| FTestResult {
                statistic: finite(f.statistic),
                df1: finite(f.df1),
                df2: finite(f.df2),
                p: finite(f.p),
            })
        };
        tests.anova = f(true);
        tests.anova_welch = f(false);
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

// ---- survival -------------------------------------------------------------

/// The event table of one group (or of groups added) from grid counts.
pub fn event_table(bins: &TimeBins, grid: &Grid, reverse: bool) -> EventTable {
    let mut table = EventTable::default();
    let mut at_risk: u64 = bins.values().map(|(d, c)| d + c).sum();
    for (&k, &(d, c)) in bins {
        if d + c == 0 {
            continue;
        }
        table.time.push(grid.edge(k));
        table.n_risk.push(at_risk);
        let (event, censor) = if reverse { (c, d) } else { (d, c) };
        table.n_event.push(event);
        table.n_censor.push(censor);
        at_risk -= d + c;
    }
    table
}

/// Grid counts of several groups added.
pub fn add_bins(groups: &[TimeBins]) -> TimeBins {
    let mut out = TimeBins::new();
    for bins in groups {
        for (&k, &(d, c)) in bins {
            let e = out.entry(k).or_insert((0, 0));
            e.0 += d;
            e.1 += c;
        }
    }
    out
}

/// At each time with an event, the numbers at risk and events of every
/// group, as [`crate::survival::SurvivalData::risk_sets`] of the grouped
/// times.
pub fn risk_sets(groups: &[TimeBins], grid: &Grid) -> GroupedRiskSets {
    let k = groups.len();
    let mut at_risk: Vec<u64> = groups
        .iter()
        .map(|b| b.values().map(|(d, c)| d + c).sum())
        .collect();
    let mut sets = GroupedRiskSets {
        n_groups: k,
        ..GroupedRiskSets::default()
    };
    let times: std::collections::BTreeSet<i64> =
        groups.iter().flat_map(|b| b.keys().copied()).collect();
    for t in times {
        let counts: Vec<(u64, u64)> = groups
            .iter()
            .map(|b| b.get(&t).copied().unwrap_or((0, 0)))
            .collect();
        if counts.iter().any(|(d, _)| *d > 0) {
            sets.time.push(grid.edge(t));
            sets.n_risk.extend_from_slice(&at_risk);
            sets.n_event.extend(counts.iter().map(|(d, _)| *d));
        }
        for (n, (d, c)) in at_risk.iter_mut().zip(&counts) {
            *n -= d + c;
        }
    }
    sets
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

/// A log-rank family result in the report's form.
pub fn logrank_result(test: &LogRank, levels: &[String], sizes: &[usize]) -> LogRankResult {
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

fn cox_result(
    sets: &GroupedRiskSets,
    sizes: &[usize],
    levels: &[String],
    ties: Ties,
) -> Option<CoxResult> {
    let fit = cox::fit(sets, sizes, ties)?;
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
        warnings: fit.warnings.clone(),
    })
}

/// Pooled counts of one spec stratification column.
pub struct StrataBins {
    /// Column name.
    pub column: String,
    /// Levels.
    pub levels: Vec<String>,
    /// `[level][group]` grid counts.
    pub bins: Vec<Vec<TimeBins>>,
}

/// The survival analyses of one endpoint from grid counts per group.
pub fn survival_result(
    spec: &EndpointSpec,
    grid: &Grid,
    levels: &[String],
    groups: &[TimeBins],
    strata: &[StrataBins],
    n_excluded_missing: usize,
) -> SurvivalResult {
    let sizes: Vec<usize> = groups
        .iter()
        .map(|b| b.values().map(|(d, c)| (d + c) as usize).sum())
        .collect();
    let fits: Vec<KaplanMeier> = groups
        .iter()
        .map(|b| KaplanMeier::fit(&event_table(b, grid, false)))
        .collect();
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

    let all = add_bins(groups);
    let pooled = KaplanMeier::fit(&event_table(&all, grid, false));
    let median = quantile_estimate(&pooled, 0.5);
    let overall = KmOverall {
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

    let max_time = all.keys().next_back().map_or(0.0, |&k| grid.edge(k));
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
            .zip(groups)
            .map(|(level, b)| followup_group(level, &event_table(b, grid, true)))
            .collect(),
        overall: followup_group("overall", &event_table(&all, grid, true)),
    };

    let sets = risk_sets(groups, grid);
    let usable = sizes.iter().filter(|&&n| n > 0).count() >= 2 && !all.is_empty();
    let (logrank_test, peto_peto) = if usable {
        let sets = std::slice::from_ref(&sets);
        (
            Some(logrank_result(&logrank(sets, 0.0), levels, &sizes)),
            Some(logrank_result(&logrank(sets, 1.0), levels, &sizes)),
        )
    } else {
        (None, None)
    };
    let stratified_logrank = spec.stratified_logrank.as_ref().map(|_| {
        strata
            .iter()
            .map(|s| {
                let sets: Vec<GroupedRiskSets> =
                    s.bins.iter().map(|level| risk_sets(level, grid)).collect();
                let sizes: Vec<usize> = (0..levels.len())
                    .map(|g| {
                        s.bins
                            .iter()
                            .map(|level| {
                                level[g]
                                    .values()
                                    .map(|(d, c)| (d + c) as usize)
                                    .sum::<usize>()
                            })
                            .sum()
                    })
                    .collect();
                let mut result = logrank_result(&logrank(&sets, 0.0), levels, &sizes);
                result.strata_column = Some(s.column.clone());
                result.strata_levels = Some(s.levels.clone());
                result.n_used = Some(sizes.iter().sum());
                result
            })
            .collect()
    });
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
        n_used: sizes.iter().sum(),
        n_excluded_missing,
        km,
        overall,
        risk_table,
        followup_reverse_km,
        logrank: logrank_test,
        peto_peto,
        stratified_logrank,
        cox,
    }
}
