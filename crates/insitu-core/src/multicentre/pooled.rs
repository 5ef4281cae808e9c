//! Report sections from pooled counts and sums: the same statistics and the
//! same report fields as [`crate::analyze()`], fed with what the centres sent.
//!
//! The survival section is made by the builders of `analyze.rs`
//! ([`crate::analyze::survival_from`]) from event tables and risk sets of
//! the pooled grid counts, so that a pooled report equals the
//! patient-level report of the pooled data with times grouped to the grid.

use std::collections::BTreeMap;

use super::grid::Grid;
use super::histogram::{self, Bin, BoundedQuantile};
use super::moments::{self, Moments};
use crate::analyze::{
    contingency_tests, f_result, kruskal_result, level_counts, logrank_result, survival_from,
    t_result, wilcoxon_result, SurvivalInputs,
};
use crate::options::QuantileType;
use crate::report::*;
use crate::spec::EndpointSpec;
use crate::stats::{contingency::Contingency, kruskal::kruskal_wallis, wilcoxon::wilcoxon};
use crate::survival::{logrank::logrank, EventTable, GroupedRiskSets};

/// Events and censorings per grid bin (by bin index) of one group.
pub type TimeBins = BTreeMap<i64, (u64, u64)>;

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
            tests.wilcoxon = Some(wilcoxon_result(&wilcoxon(&grouped[0], &grouped[1])));
        }
        tests.t_welch = moments::t_test(&moments[g1], &moments[g2], false).map(t_result);
        tests.t_student = moments::t_test(&moments[g1], &moments[g2], true).map(t_result);
    }
    if used.len() >= 2 {
        if let Some(grouped) = &grouped {
            let samples: Vec<&[f64]> = grouped.iter().map(Vec::as_slice).collect();
            tests.kruskal_wallis = kruskal_wallis(&samples).map(kruskal_result);
        }
        let samples: Vec<Moments> = used.iter().map(|&g| moments[g]).collect();
        tests.anova = moments::oneway(&samples, true).map(f_result);
        tests.anova_welch = moments::oneway(&samples, false).map(f_result);
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
    let all = add_bins(groups);
    let stratified = spec.stratified_logrank.as_ref().map(|_| {
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
    survival_from(SurvivalInputs {
        spec,
        levels,
        n_used: sizes.iter().sum(),
        tables: groups.iter().map(|b| event_table(b, grid, false)).collect(),
        overall: event_table(&all, grid, false),
        reverse_tables: groups.iter().map(|b| event_table(b, grid, true)).collect(),
        reverse_overall: event_table(&all, grid, true),
        max_time: all.keys().next_back().map_or(0.0, |&k| grid.edge(k)),
        sets: risk_sets(groups, grid),
        stratified,
        sizes,
        n_excluded_missing,
    })
}
