//! Merging centre files into one report.
//!
//! 1. **Check** ([`merge`]): one spec (the same [`super::spec_hash`] in
//!    every file — refused otherwise, naming both files), one format
//!    version (checked when reading, [`AggregateFile::from_json`]), one
//!    file per centre, the same histogram width and time grid everywhere.
//! 2. **Harmonise**: group and level orders as the patient-level analysis
//!    would find them in the pooled file (the spec's, else sorted); levels a
//!    centre merged are merged for everyone; histogram and time bins on the
//!    cuts common to all centres ([`super::grid`]).
//! 3. **Pool and analyse** with the same statistics as
//!    [`crate::analyze()`] (the `pooled` builders) into an ordinary
//!    [`Report`], so that every renderer works; add the analyses stratified
//!    by centre — Cochran–Mantel–Haenszel, van Elteren, log-rank — in
//!    [`Multicentre`], with a column of Table 1 when they mean something.
//! 4. **Label** everything approximate or incomplete, in the report's
//!    warnings and in Table 1 (a "≈" on every approximate cell and P, and
//!    footnotes), because the renderers show Table 1 everywhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::aggregate::{AggregateFile, CentreLogRank, TimeCounts};
use super::cmh::{cmh, Cmh};
use super::disclosure::SmallCells;
use super::grid::{common_cut_at_or_above, common_cut_at_or_below, Cuts, Grid};
use super::histogram::{Bin, BoundedQuantile};
use super::moments::Moments;
use super::pooled::{self, CategoricalCounts, StrataBins, TimeBins};
use super::van_elteren::{van_elteren, StratumRanks, VanElteren};
use crate::error::{Error, ErrorKind, Result};
use crate::options::{CategoricalTest, ContinuousTest, Conventions, QuantileType};
use crate::report::*;
use crate::spec::{EndpointSpec, Spec};
use crate::stats::contingency::Contingency;
use crate::stats::dist::chisq_upper;
use crate::stats::linalg::Square;
use crate::survival::logrank::{logrank, LogRank};
use crate::table1::{self, format_p, RowKind, Table1};

/// How to merge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeOptions {
    /// Add one column per centre and group to Table 1.
    pub by_centre: bool,
}

/// A merged report: an ordinary report (same keys as `insitu analyze`),
/// plus what only a multicentre analysis has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedReport {
    /// The pooled analysis.
    #[serde(flatten)]
    pub report: Report,
    /// Centres, stratified tests, approximations.
    pub multicentre: Multicentre,
}

/// The multicentre part of a merged report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Multicentre {
    /// Identity of the spec every file was made with.
    pub spec_hash: String,
    /// The centres, in the order of the files.
    pub centres: Vec<CentreInfo>,
    /// What is exact, in words.
    pub exact: Vec<String>,
    /// Every approximate statistic, in words, with its bound.
    pub approximate: Vec<String>,
    /// What lacks a centre's data (withheld by disclosure control).
    pub incomplete: Vec<String>,
    /// Notes on the stratified analyses.
    pub notes: Vec<String>,
    /// Categorical variables: CMH stratified by centre.
    pub categorical: Vec<CategoricalByCentre>,
    /// Continuous variables: quartile bounds, van Elteren.
    pub continuous: Vec<ContinuousByCentre>,
    /// Endpoints: log-rank per centre and stratified by centre.
    pub survival: Vec<SurvivalByCentre>,
}

/// One centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreInfo {
    /// Centre name.
    pub centre: String,
    /// The file it came from.
    pub file: String,
    /// Group sizes (`None`: withheld).
    pub groups: Vec<CentreGroupSize>,
    /// Its smallest cell k.
    pub min_cell: u64,
    /// Its policy.
    pub small_cells: SmallCells,
    /// What its disclosure control merged or withheld.
    pub disclosure_actions: Vec<String>,
}

/// A group's size at a centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreGroupSize {
    /// Group label.
    pub label: String,
    /// Patients (`None`: withheld).
    pub n: Option<u64>,
}

/// A categorical variable across centres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalByCentre {
    /// Column name.
    pub variable: String,
    /// Categories pooled (levels merged by some centre joined by "or").
    pub categories: Vec<String>,
    /// Centres whose counts are pooled.
    pub centres: Vec<String>,
    /// Cochran–Mantel–Haenszel test stratified by centre.
    pub cmh: Option<Cmh>,
    /// Why there is no CMH test, or what it left out.
    pub cmh_note: Option<String>,
}

/// A continuous variable across centres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuousByCentre {
    /// Column name.
    pub variable: String,
    /// Centres whose sums are pooled.
    pub centres: Vec<String>,
    /// Histogram bin width (`None` without histograms).
    pub histogram_width: Option<f64>,
    /// True when some bins were merged (by a centre or to align centres).
    pub bins_merged: bool,
    /// Quartile definition of the bounds below (the report's convention).
    pub quantile_type: QuantileType,
    /// Estimated quartiles with the interval holding the exact value, per
    /// group then overall.
    pub quartiles: Vec<GroupQuartiles>,
    /// Largest possible error of any estimate above.
    pub error_bound: Option<f64>,
    /// Each centre's rank sums (the Mann–Whitney U within the centre).
    pub rank_sums_by_centre: Vec<CentreRankSums>,
    /// van Elteren's test stratified by centre.
    pub van_elteren: Option<VanElteren>,
    /// Why there is no van Elteren test.
    pub van_elteren_note: Option<String>,
}

/// Bounded quartiles of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupQuartiles {
    /// Group label, or "overall".
    pub group: String,
    /// 25th percentile.
    pub q1: BoundedQuantile,
    /// Median.
    pub median: BoundedQuantile,
    /// 75th percentile.
    pub q3: BoundedQuantile,
}

/// Rank sums of one centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreRankSums {
    /// Centre.
    pub centre: String,
    /// Values per group (group order).
    pub n: Vec<u64>,
    /// Rank sum per group, midranks within the centre.
    pub rank_sum: Vec<f64>,
    /// Mann–Whitney U of the first group (two groups with values only).
    pub u_group1: Option<f64>,
    /// Its tie-corrected variance under no difference.
    pub variance: Option<f64>,
}

/// An endpoint across centres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalByCentre {
    /// Endpoint name.
    pub endpoint: String,
    /// Step of the time grid.
    pub grid: Option<f64>,
    /// Time unit.
    pub time_unit: String,
    /// True when some time bins were merged.
    pub bins_merged: bool,
    /// Centres whose counts are pooled.
    pub centres: Vec<String>,
    /// Each centre's log-rank test on its exact times.
    pub logrank_by_centre: Vec<CentreLogRankResult>,
    /// Log-rank stratified by centre from the centres' exact-time O, E, V
    /// (R: `survdiff(Surv(time, event) ~ group + strata(centre))`).
    pub stratified_by_centre: Option<LogRankResult>,
    /// The same on the grid (times grouped as in the pooled analyses).
    pub stratified_by_centre_grid: Option<LogRankResult>,
    /// Why a stratified test is missing or meaningless.
    pub note: Option<String>,
}

/// A centre's own log-rank test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreLogRankResult {
    /// Centre.
    pub centre: String,
    /// The test.
    pub logrank: LogRankResult,
}

// ---- layout: what the pooled analysis looks like ---------------------------

struct CategoricalLayout {
    variable: String,
    label: String,
    order_source: String,
    /// pooled category of each level
    category_of: BTreeMap<String, usize>,
    categories: Vec<String>,
}

struct ContinuousLayout {
    variable: String,
    label: String,
    grid: Option<Grid>,
    cuts: Vec<Cuts>,
}

struct SurvivalLayout {
    spec: EndpointSpec,
    grid: Option<Grid>,
    cuts: Vec<Cuts>,
    strata: Vec<(String, Vec<String>)>,
}

/// Where a spec variable sits.
enum Kind {
    Categorical(usize),
    Continuous(usize),
}

struct Layout {
    spec: Spec,
    centres: Vec<String>,
    group_levels: Vec<String>,
    group_order_source: String,
    /// per spec variable: its kind and index in each file's list
    kinds: Vec<(String, Kind, Vec<usize>)>,
    categorical: Vec<CategoricalLayout>,
    continuous: Vec<ContinuousLayout>,
    survival: Vec<SurvivalLayout>,
}

fn malformed(file: &str, message: String) -> Error {
    Error::new(ErrorKind::Malformed, message).in_file(file.to_string())
}

fn sorted_union<'a>(lists: impl Iterator<Item = &'a Vec<String>>) -> Vec<String> {
    let mut all: Vec<String> = lists.flatten().cloned().collect();
    all.sort();
    all.dedup();
    all
}

impl Layout {
    fn new(files: &[(String, AggregateFile)]) -> Result<Layout> {
        let spec = files[0].1.spec.clone();
        let centres = files.iter().map(|(_, f)| f.centre.clone()).collect();
        let (group_levels, group_order_source) = match &spec.group.levels {
            Some(levels) => (levels.clone(), "spec".to_string()),
            None => (
                sorted_union(
                    files
                        .iter()
                        .map(|(_, f)| f.groups.iter().map(|g| g.label.clone()).collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                        .iter(),
                ),
                "sorted (byte order, C locale)".to_string(),
            ),
        };

        let mut kinds = Vec::new();
        let mut categorical = Vec::new();
        let mut continuous = Vec::new();
        for v in &spec.variables {
            let mut cat_index = Vec::new();
            let mut cont_index = Vec::new();
            for (name, f) in files {
                match (
                    f.categorical.iter().position(|c| c.variable == v.name),
                    f.continuous.iter().position(|c| c.variable == v.name),
                ) {
                    (Some(i), None) => cat_index.push(i),
                    (None, Some(i)) => cont_index.push(i),
                    _ => {
                        return Err(malformed(
                            name,
                            format!("the file has no summary of variable \"{}\"", v.name),
                        ))
                    }
                }
            }
            let label = v.label.clone().unwrap_or_else(|| v.name.clone());
            if cat_index.len() == files.len() {
                let aggregates: Vec<_> = files
                    .iter()
                    .zip(&cat_index)
                    .map(|((_, f), &i)| &f.categorical[i])
                    .collect();
                let from_spec = aggregates.iter().all(|a| a.level_order_source == "spec");
                let levels = if from_spec {
                    aggregates[0].levels.clone()
                } else {
                    sorted_union(aggregates.iter().map(|a| &a.levels))
                };
                // levels any centre merged are merged for everyone
                let mut parent: Vec<usize> = (0..levels.len()).collect();
                fn root(parent: &mut [usize], mut i: usize) -> usize {
                    while parent[i] != i {
                        parent[i] = parent[parent[i]];
                        i = parent[i];
                    }
                    i
                }
                let index = |l: &String| levels.iter().position(|x| x == l);
                for a in &aggregates {
                    for cat in &a.categories {
                        let members: Vec<usize> = cat.iter().filter_map(index).collect();
                        for w in members.windows(2) {
                            let (x, y) = (root(&mut parent, w[0]), root(&mut parent, w[1]));
                            parent[x.max(y)] = x.min(y);
                        }
                    }
                }
                let mut roots: Vec<usize> =
                    (0..levels.len()).map(|l| root(&mut parent, l)).collect();
                let mut firsts = roots.clone();
                firsts.sort_unstable();
                firsts.dedup();
                let mut category_of = BTreeMap::new();
                let mut categories = Vec::new();
                for (c, &first) in firsts.iter().enumerate() {
                    let members: Vec<&str> = (0..levels.len())
                        .filter(|&l| roots[l] == first)
                        .map(|l| levels[l].as_str())
                        .collect();
                    for m in &members {
                        category_of.insert(m.to_string(), c);
                    }
                    categories.push(members.join(" or "));
                }
                roots.clear();
                kinds.push((
                    v.name.clone(),
                    Kind::Categorical(categorical.len()),
                    cat_index,
                ));
                categorical.push(CategoricalLayout {
                    variable: v.name.clone(),
                    label,
                    order_source: if from_spec {
                        "spec".to_string()
                    } else {
                        "sorted (byte order, C locale)".to_string()
                    },
                    category_of,
                    categories,
                });
            } else if cont_index.len() == files.len() {
                let mut grid: Option<(Grid, &str)> = None;
                let mut cuts = Vec::new();
                for ((_, f), &i) in files.iter().zip(&cont_index) {
                    if let Some(h) = &f.continuous[i].histogram {
                        let g = Grid::new(h.width)?;
                        match grid {
                            Some((first, centre)) if first != g => {
                                return Err(Error::new(
                                    ErrorKind::Spec,
                                    format!(
                                        "the histograms of \"{}\" have different bin widths: {} at centre {centre}, {} at centre {}; aggregate again with the same --bin at every centre",
                                        v.name, first.step, g.step, f.centre
                                    ),
                                ))
                            }
                            Some(_) => {}
                            None => grid = Some((g, f.centre.as_str())),
                        }
                        cuts.push(file_cuts(&g, &h.merged_bins));
                    }
                }
                kinds.push((
                    v.name.clone(),
                    Kind::Continuous(continuous.len()),
                    cont_index,
                ));
                continuous.push(ContinuousLayout {
                    variable: v.name.clone(),
                    label,
                    grid: grid.map(|(g, _)| g),
                    cuts,
                });
            } else {
                return Err(Error::new(
                    ErrorKind::Spec,
                    format!(
                        "variable \"{}\" is categorical at some centres and continuous at others; give its \"kind\" in the spec",
                        v.name
                    ),
                ));
            }
        }

        let mut survival = Vec::new();
        for (k, e) in spec.endpoints.iter().enumerate() {
            let mut grid: Option<(Grid, &str)> = None;
            let mut cuts = Vec::new();
            for (name, f) in files {
                let s = f
                    .survival
                    .get(k)
                    .filter(|s| s.endpoint == e.name)
                    .ok_or_else(|| {
                        malformed(
                            name,
                            format!("the file has no summary of endpoint \"{}\"", e.name),
                        )
                    })?;
                if s.withheld.is_some() {
                    continue;
                }
                let g = Grid::new(s.grid)?;
                match grid {
                    Some((first, centre)) if first != g => {
                        return Err(Error::new(
                            ErrorKind::Spec,
                            format!(
                                "the time grids of {} differ: {} {} at centre {centre}, {} at centre {}; aggregate again with the same --grid at every centre",
                                e.name, first.step, e.time_unit, g.step, f.centre
                            ),
                        ))
                    }
                    Some(_) => {}
                    None => grid = Some((g, f.centre.as_str())),
                }
                cuts.push(file_cuts(&g, &s.merged_bins));
            }
            let strata = e
                .stratified_logrank
                .iter()
                .flatten()
                .map(|column| {
                    let spec_levels = spec
                        .variables
                        .iter()
                        .find(|v| &v.name == column)
                        .and_then(|v| v.levels.clone());
                    let levels = spec_levels.unwrap_or_else(|| {
                        sorted_union(
                            files
                                .iter()
                                .flat_map(|(_, f)| f.survival[k].strata.iter())
                                .filter(|s| &s.column == column)
                                .map(|s| &s.levels),
                        )
                    });
                    (column.clone(), levels)
                })
                .collect();
            survival.push(SurvivalLayout {
                spec: e.clone(),
                grid: grid.map(|(g, _)| g),
                cuts,
                strata,
            });
        }
        Ok(Layout {
            spec,
            centres,
            group_levels,
            group_order_source,
            kinds,
            categorical,
            continuous,
            survival,
        })
    }

    fn group_index(&self, label: &str, file: &str) -> Result<usize> {
        self.group_levels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| {
                malformed(
                    file,
                    format!(
                        "group \"{label}\" is not among the spec's groups ({})",
                        self.group_levels.join(", ")
                    ),
                )
            })
    }
}

fn file_cuts(grid: &Grid, merged: &[[f64; 2]]) -> Cuts {
    super::aggregate::cuts_of(grid, merged)
}

// ---- sufficient statistics of one centre or of all ------------------------

#[derive(Clone)]
struct ContinuousSums {
    moments: Vec<Moments>,
    missing: Vec<u64>,
    /// per group: count per common cut (`None` if a centre sent none)
    histogram: Option<Vec<BTreeMap<i64, u64>>>,
    /// per group: every centre's own bins (`None` if a centre sent none)
    own_bins: Option<Vec<Vec<Bin>>>,
    ranks: Vec<StratumRanks>,
}

#[derive(Clone)]
struct SurvivalCounts {
    groups: Vec<TimeBins>,
    /// `[column][level][group]`
    strata: Vec<Vec<Vec<TimeBins>>>,
    n_excluded: u64,
    /// (centre, exact-time log-rank terms in pooled group order)
    logrank: Vec<(usize, CentreLogRank)>,
    /// per centre, its grid counts per group (for the grid-stratified test)
    by_centre: Vec<(usize, Vec<TimeBins>)>,
}

#[derive(Clone)]
struct Sufficient {
    group_n: Vec<u64>,
    n_rows: Option<u64>,
    n_missing_group: u64,
    n_filtered: u64,
    categorical: Vec<Option<CategoricalCounts>>,
    continuous: Vec<Option<ContinuousSums>>,
    survival: Vec<Option<SurvivalCounts>>,
}

fn add_vec(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

fn add_time_bins(a: &mut TimeBins, b: &TimeBins) {
    for (&k, &(d, c)) in b {
        let e = a.entry(k).or_insert((0, 0));
        e.0 += d;
        e.1 += c;
    }
}

fn add_option<T: Clone>(a: &mut Option<T>, b: &Option<T>, add: impl FnOnce(&mut T, &T)) {
    match (a.as_mut(), b) {
        (_, None) => {}
        (None, Some(y)) => *a = Some(y.clone()),
        (Some(x), Some(y)) => add(x, y),
    }
}

impl Sufficient {
    fn add(&mut self, other: &Sufficient) {
        add_vec(&mut self.group_n, &other.group_n);
        self.n_rows = match (self.n_rows, other.n_rows) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        self.n_missing_group += other.n_missing_group;
        self.n_filtered += other.n_filtered;
        for (a, b) in self.categorical.iter_mut().zip(&other.categorical) {
            add_option(a, b, |x, y| {
                for (cx, cy) in x.counts.iter_mut().zip(&y.counts) {
                    add_vec(cx, cy);
                }
                add_vec(&mut x.missing, &y.missing);
            });
        }
        for (a, b) in self.continuous.iter_mut().zip(&other.continuous) {
            add_option(a, b, |x, y| {
                for (mx, my) in x.moments.iter_mut().zip(&y.moments) {
                    *mx = mx.pooled(*my);
                }
                add_vec(&mut x.missing, &y.missing);
                x.histogram = match (x.histogram.take(), &y.histogram) {
                    (Some(mut hx), Some(hy)) => {
                        for (gx, gy) in hx.iter_mut().zip(hy) {
                            for (&k, &c) in gy {
                                *gx.entry(k).or_insert(0) += c;
                            }
                        }
                        Some(hx)
                    }
                    _ => None,
                };
                x.own_bins = match (x.own_bins.take(), &y.own_bins) {
                    (Some(mut bx), Some(by)) => {
                        for (gx, gy) in bx.iter_mut().zip(by) {
                            gx.extend(gy.iter().copied());
                        }
                        Some(bx)
                    }
                    _ => None,
                };
                x.ranks.extend(y.ranks.iter().cloned());
            });
        }
        for (a, b) in self.survival.iter_mut().zip(&other.survival) {
            add_option(a, b, |x, y| {
                for (gx, gy) in x.groups.iter_mut().zip(&y.groups) {
                    add_time_bins(gx, gy);
                }
                for (sx, sy) in x.strata.iter_mut().zip(&y.strata) {
                    for (lx, ly) in sx.iter_mut().zip(sy) {
                        for (gx, gy) in lx.iter_mut().zip(ly) {
                            add_time_bins(gx, gy);
                        }
                    }
                }
                x.n_excluded += y.n_excluded;
                x.logrank.extend(y.logrank.iter().cloned());
                x.by_centre.extend(y.by_centre.iter().cloned());
            });
        }
    }
}

fn harmonize(
    layout: &Layout,
    centre: usize,
    name: &str,
    file: &AggregateFile,
) -> Result<Sufficient> {
    let k = layout.group_levels.len();
    let mut group_n = vec![0u64; k];
    for g in &file.groups {
        group_n[layout.group_index(&g.label, name)?] += g.n.unwrap_or(0);
    }
    let mut categorical = vec![None; layout.categorical.len()];
    let mut continuous = vec![None; layout.continuous.len()];
    for (_, kind, index) in &layout.kinds {
        match kind {
            Kind::Categorical(v) => {
                let a = &file.categorical[index[centre]];
                if a.withheld.is_some() {
                    continue;
                }
                let lay = &layout.categorical[*v];
                let mut counts = vec![vec![0u64; lay.categories.len()]; k];
                let mut missing = vec![0u64; k];
                for g in &a.by_group {
                    let gi = layout.group_index(&g.group, name)?;
                    for (cat, &count) in a.categories.iter().zip(&g.counts) {
                        let c = cat
                            .first()
                            .and_then(|l| lay.category_of.get(l))
                            .ok_or_else(|| {
                                malformed(
                                    name,
                                    format!("\"{}\": unknown level in {cat:?}", a.variable),
                                )
                            })?;
                        counts[gi][*c] += count;
                    }
                    missing[gi] += g.missing;
                }
                categorical[*v] = Some(CategoricalCounts { counts, missing });
            }
            Kind::Continuous(v) => {
                let a = &file.continuous[index[centre]];
                if a.withheld.is_some() {
                    continue;
                }
                let lay = &layout.continuous[*v];
                let mut moments = vec![Moments::default(); k];
                let mut missing = vec![0u64; k];
                let mut stratum = StratumRanks {
                    n: vec![0; k],
                    rank_sum: vec![0.0; k],
                    ties: a.rank_ties,
                };
                let mut index_of = Vec::new();
                for g in &a.by_group {
                    let gi = layout.group_index(&g.group, name)?;
                    moments[gi] = Moments {
                        n: g.n,
                        sum: g.sum,
                        sum_sq: g.sum_sq,
                    };
                    missing[gi] = g.missing;
                    stratum.n[gi] = g.n;
                    stratum.rank_sum[gi] = g.rank_sum;
                    index_of.push(gi);
                }
                let (histogram, own_bins) = match (&a.histogram, &lay.grid) {
                    (Some(h), Some(grid)) => {
                        // a bin count beyond the group's values (an edited or
                        // damaged file) would make the pooled quartiles spread
                        // that many values, up to running out of memory
                        for (j, g) in a.by_group.iter().enumerate() {
                            let in_bins = h.bins.iter().try_fold(0u64, |sum, bin| {
                                sum.checked_add(bin.counts.get(j).copied().unwrap_or(0))
                            });
                            if in_bins.is_none_or(|n| n > g.n) {
                                return Err(malformed(
                                    name,
                                    format!(
                                        "\"{}\": the histogram of group {} counts more values \
                                         than the group has ({}); the file was edited or damaged",
                                        a.variable, g.group, g.n
                                    ),
                                ));
                            }
                        }
                        let all: Vec<&Cuts> = lay.cuts.iter().collect();
                        let own = super::aggregate::cuts_of(grid, &h.merged_bins);
                        let mut per_group = vec![BTreeMap::new(); k];
                        let mut bins = vec![Vec::new(); k];
                        for bin in &h.bins {
                            let upper = grid.index_of_edge(bin.upper);
                            let cut = common_cut_at_or_above(&all, upper);
                            let lower = grid.edge(own.at_or_below(upper - 1));
                            for (&gi, &count) in index_of.iter().zip(&bin.counts) {
                                *per_group[gi].entry(cut).or_insert(0) += count;
                                if count > 0 {
                                    bins[gi].push(Bin {
                                        lower,
                                        upper: grid.edge(upper),
                                        count,
                                    });
                                }
                            }
                        }
                        (Some(per_group), Some(bins))
                    }
                    _ => (None, None),
                };
                continuous[*v] = Some(ContinuousSums {
                    moments,
                    missing,
                    histogram,
                    own_bins,
                    ranks: vec![stratum],
                });
            }
        }
    }
    let mut survival = Vec::new();
    for (e, lay) in layout.survival.iter().enumerate() {
        let s = &file.survival[e];
        let Some(grid) = lay.grid.filter(|_| s.withheld.is_none()) else {
            survival.push(None);
            continue;
        };
        let all: Vec<&Cuts> = lay.cuts.iter().collect();
        let bins_of = |t: &TimeCounts| -> TimeBins {
            let mut out = TimeBins::new();
            for b in &t.bins {
                let cut = common_cut_at_or_above(&all, grid.index_of_edge(b.time));
                let entry = out.entry(cut).or_insert((0, 0));
                entry.0 += b.events;
                entry.1 += b.censored;
            }
            out
        };
        let mut groups = vec![TimeBins::new(); k];
        for t in &s.by_group {
            groups[layout.group_index(&t.group, name)?] = bins_of(t);
        }
        let mut strata = Vec::new();
        for (column, levels) in &lay.strata {
            let mut by_level = vec![vec![TimeBins::new(); k]; levels.len()];
            if let Some(sc) = s.strata.iter().find(|x| &x.column == column) {
                for level in &sc.by_level {
                    let li = levels
                        .iter()
                        .position(|l| *l == level.level)
                        .ok_or_else(|| {
                            malformed(
                                name,
                                format!("unknown level \"{}\" of {column}", level.level),
                            )
                        })?;
                    for t in &level.by_group {
                        by_level[li][layout.group_index(&t.group, name)?] = bins_of(t);
                    }
                }
            }
            strata.push(by_level);
        }
        let logrank = match &s.logrank {
            Some(lr) => {
                let n = lr.groups.len();
                if lr.observed.len() != n
                    || lr.expected.len() != n
                    || lr.variance.len() != n
                    || lr.variance.iter().any(|row| row.len() != n)
                {
                    return Err(malformed(
                        name,
                        format!("{}: the log-rank terms do not match its groups", s.endpoint),
                    ));
                }
                let mut mapped = CentreLogRank {
                    groups: layout.group_levels.clone(),
                    observed: vec![0.0; k],
                    expected: vec![0.0; k],
                    variance: vec![vec![0.0; k]; k],
                };
                let idx: Vec<usize> = lr
                    .groups
                    .iter()
                    .map(|g| layout.group_index(g, name))
                    .collect::<Result<_>>()?;
                for (a, &ia) in idx.iter().enumerate() {
                    mapped.observed[ia] = lr.observed[a];
                    mapped.expected[ia] = lr.expected[a];
                    for (b, &ib) in idx.iter().enumerate() {
                        mapped.variance[ia][ib] = lr.variance[a][b];
                    }
                }
                vec![(centre, mapped)]
            }
            None => Vec::new(),
        };
        survival.push(Some(SurvivalCounts {
            by_centre: vec![(centre, groups.clone())],
            groups,
            strata,
            n_excluded: s.n_excluded_missing,
            logrank,
        }));
    }
    Ok(Sufficient {
        group_n,
        n_rows: file.n_rows,
        n_missing_group: file.n_missing_group,
        n_filtered: file.n_filtered,
        categorical,
        continuous,
        survival,
    })
}

// ---- the report ------------------------------------------------------------

/// Pooled bins of every group as `(lower, upper]` intervals.
fn group_bins(lay: &ContinuousLayout, histogram: &[BTreeMap<i64, u64>]) -> Option<Vec<Vec<Bin>>> {
    let grid = lay.grid?;
    let all: Vec<&Cuts> = lay.cuts.iter().collect();
    Some(
        histogram
            .iter()
            .map(|bins| {
                bins.iter()
                    .filter(|(_, &c)| c > 0)
                    .map(|(&k, &count)| Bin {
                        lower: grid.edge(common_cut_at_or_below(&all, k - 1)),
                        upper: grid.edge(k),
                        count,
                    })
                    .collect()
            })
            .collect(),
    )
}

fn build_report(layout: &Layout, s: &Sufficient, with_survival: bool, data_file: &str) -> Report {
    let spec = &layout.spec;
    let conventions = Conventions::resolve(&spec.options.conventions());
    let levels = &layout.group_levels;
    let mut categorical = Vec::new();
    let mut continuous = Vec::new();
    for (_, kind, _) in &layout.kinds {
        match kind {
            Kind::Categorical(v) => {
                if let Some(c) = &s.categorical[*v] {
                    let lay = &layout.categorical[*v];
                    categorical.push(pooled::categorical_result(
                        &lay.variable,
                        &lay.label,
                        &lay.categories,
                        &lay.order_source,
                        levels,
                        c,
                        conventions.categorical_test == CategoricalTest::Fisher,
                    ));
                }
            }
            Kind::Continuous(v) => {
                if let Some(c) = &s.continuous[*v] {
                    let lay = &layout.continuous[*v];
                    let bins = c.histogram.as_ref().and_then(|h| group_bins(lay, h));
                    continuous.push(pooled::continuous_result(
                        &lay.variable,
                        &lay.label,
                        levels,
                        &c.moments,
                        &c.missing,
                        c.own_bins.as_deref(),
                        bins.as_deref(),
                    ));
                }
            }
        }
    }
    let mut survival = Vec::new();
    if with_survival {
        for (lay, counts) in layout.survival.iter().zip(&s.survival) {
            let (Some(c), Some(grid)) = (counts, lay.grid) else {
                continue;
            };
            let strata: Vec<StrataBins> = lay
                .strata
                .iter()
                .zip(&c.strata)
                .map(|((column, levels), bins)| StrataBins {
                    column: column.clone(),
                    levels: levels.clone(),
                    bins: bins.clone(),
                })
                .collect();
            survival.push(pooled::survival_result(
                &lay.spec,
                &grid,
                levels,
                &c.groups,
                &strata,
                c.n_excluded as usize,
            ));
        }
    }
    let mut report = Report {
        schema_version: SCHEMA_VERSION.to_string(),
        insitu_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset: spec.name.clone(),
        title: spec.title.clone(),
        source: spec.source.clone(),
        data_file: data_file.to_string(),
        reading: Reading {
            encoding: "aggregate files (JSON)".to_string(),
            delimiter: String::new(),
            decimal_mark: String::new(),
            missing_codes: Vec::new(),
        },
        conventions: ConventionsUsed {
            resolved: conventions,
            described: table1::describe_conventions(&conventions),
        },
        n_rows: s
            .n_rows
            .unwrap_or_else(|| s.group_n.iter().sum::<u64>() + s.n_missing_group)
            as usize,
        n_missing_group: s.n_missing_group as usize,
        group: GroupInfo {
            column: spec.group.column.clone(),
            label: spec
                .group
                .label
                .clone()
                .unwrap_or_else(|| spec.group.column.clone()),
            order_source: layout.group_order_source.clone(),
            levels: levels.clone(),
            n: s.group_n.iter().map(|&n| n as usize).collect(),
        },
        groups: levels
            .iter()
            .zip(&s.group_n)
            .map(|(label, &n)| GroupSize {
                label: label.clone(),
                n: n as usize,
            })
            .collect(),
        categorical,
        continuous,
        survival,
        table1: Table1::default(),
        warnings: Vec::new(),
    };
    report.table1 = table1::build(&report, spec);
    report
}

/// The report with every approximate number removed: cells that differ
/// from the full table are the approximate ones.
fn without_approximations(report: &Report, quartiles: bool, ranks: bool) -> Report {
    let mut r = report.clone();
    for c in &mut r.continuous {
        if quartiles {
            for s in c.by_group.iter_mut().chain(std::iter::once(&mut c.overall)) {
                s.median = None;
                s.quantiles = None;
            }
        }
        if ranks {
            c.tests.wilcoxon = None;
            c.tests.kruskal_wallis = None;
        }
    }
    r
}

/// Puts "≈" before every cell (and P) that depends on the histograms.
fn mark_approximate(table: &mut Table1, report: &Report, spec: &Spec) {
    let no_quartiles = table1::build(&without_approximations(report, true, false), spec);
    let no_ranks = table1::build(&without_approximations(report, false, true), spec);
    if no_quartiles.rows.len() != table.rows.len() || no_ranks.rows.len() != table.rows.len() {
        return;
    }
    for (k, row) in table.rows.iter_mut().enumerate() {
        for (j, cell) in row.cells.iter_mut().enumerate() {
            if no_quartiles.rows[k].cells.get(j) != Some(cell) && !cell.is_empty() && cell != "–"
            {
                *cell = format!("≈{cell}");
            }
        }
        if no_ranks.rows[k].p != row.p && !row.p.is_empty() && row.p != "–" {
            row.p = format!("≈{}", row.p);
        }
    }
}

/// For each row of Table 1, the index of the spec variable it belongs to.
fn row_variables(table: &Table1, report: &Report, spec: &Spec) -> Vec<Option<usize>> {
    let shown: Vec<usize> = spec
        .variables
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            report.categorical.iter().any(|r| r.variable == v.name)
                || report.continuous.iter().any(|r| r.variable == v.name)
        })
        .map(|(i, _)| i)
        .collect();
    let mut current: Option<usize> = None;
    let mut seen = 0;
    table
        .rows
        .iter()
        .map(|row| {
            if row.kind == RowKind::Variable {
                current = shown.get(seen).copied();
                seen += 1;
            }
            current
        })
        .collect()
}

fn logrank_from_terms(observed: Vec<f64>, expected: Vec<f64>, variance: Square) -> LogRank {
    // as survival::logrank: groups with expected > 0, the first left out
    let k = observed.len();
    let used: Vec<usize> = (0..k).filter(|&g| expected[g] > 0.0).collect();
    let (chisq, df) = if used.len() < 2 {
        (0.0, used.len().saturating_sub(1))
    } else {
        let rest = &used[1..];
        let diff: Vec<f64> = rest.iter().map(|&g| observed[g] - expected[g]).collect();
        let chisq = variance
            .select(rest)
            .inverse_quadratic_form(&diff)
            .unwrap_or(f64::NAN);
        (chisq, used.len() - 1)
    };
    let p = if df == 0 {
        f64::NAN
    } else {
        chisq_upper(chisq, df as f64)
    };
    LogRank {
        rho: 0.0,
        observed,
        expected,
        variance,
        chisq,
        df,
        p,
    }
}

fn terms_to_logrank(terms: &[&CentreLogRank], k: usize) -> LogRank {
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut variance = Square::zeros(k);
    for t in terms {
        for g in 0..k {
            observed[g] += t.observed[g];
            expected[g] += t.expected[g];
            for h in 0..k {
                *variance.at(g, h) += t.variance[g][h];
            }
        }
    }
    logrank_from_terms(observed, expected, variance)
}

fn sizes_of(groups: &[TimeBins]) -> Vec<usize> {
    groups
        .iter()
        .map(|b| b.values().map(|(d, c)| (d + c) as usize).sum())
        .collect()
}

/// Merges files read with [`AggregateFile::from_json`] (which checks the
/// format, the version and the spec hash of each file), after checking that
/// they belong together: one spec, one file per centre, the same grids.
/// `files` are (file name, file) in the order the centres should appear.
pub fn merge(files: &[(String, AggregateFile)], options: &MergeOptions) -> Result<MergedReport> {
    let Some((first_name, first)) = files.first() else {
        return Err(Error::new(ErrorKind::Spec, "no aggregate files to merge"));
    };
    for (name, f) in &files[1..] {
        if f.spec_hash != first.spec_hash {
            return Err(Error::new(
                ErrorKind::Spec,
                format!(
                    "{name} (centre {}) was made with another spec than {first_name} (centre {}): {} against {}. Every centre must aggregate with the same spec file (same groups, variables, endpoints, labels and conventions)",
                    f.centre, first.centre, f.spec_hash, first.spec_hash
                ),
            )
            .in_file(name.clone()));
        }
    }
    for (i, (name, f)) in files.iter().enumerate() {
        if let Some((other, _)) = files[..i].iter().find(|(_, g)| g.centre == f.centre) {
            return Err(Error::new(
                ErrorKind::Spec,
                format!(
                    "two files for centre {}: {other} and {name}; each centre is merged once",
                    f.centre
                ),
            ));
        }
    }
    let layout = Layout::new(files)?;
    let centres: Vec<Sufficient> = files
        .iter()
        .enumerate()
        .map(|(c, (name, f))| harmonize(&layout, c, name, f))
        .collect::<Result<_>>()?;
    let mut pooled = centres[0].clone();
    for c in &centres[1..] {
        pooled.add(c);
    }
    let file_list = files
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut report = build_report(&layout, &pooled, true, &file_list);
    let spec = &layout.spec;
    let conventions = report.conventions.resolved;
    let k = layout.group_levels.len();
    let centre_names = &layout.centres;

    let mut multi = Multicentre {
        spec_hash: first.spec_hash.clone(),
        centres: files
            .iter()
            .map(|(name, f)| CentreInfo {
                centre: f.centre.clone(),
                file: name.clone(),
                groups: f
                    .groups
                    .iter()
                    .map(|g| CentreGroupSize {
                        label: g.label.clone(),
                        n: g.n,
                    })
                    .collect(),
                min_cell: f.disclosure.min_cell,
                small_cells: f.disclosure.small_cells,
                disclosure_actions: f.disclosure.actions.clone(),
            })
            .collect(),
        exact: vec![
            "Counts and percentages, χ² and Fisher's tests of the pooled counts, means and SDs (from double-double sums), t tests and ANOVA, the Cochran–Mantel–Haenszel and van Elteren tests and the log-rank test stratified by centre are exact.".to_string(),
        ],
        approximate: Vec::new(),
        incomplete: Vec::new(),
        notes: Vec::new(),
        categorical: Vec::new(),
        continuous: Vec::new(),
        survival: Vec::new(),
    };

    // centres with patients of two or more groups
    let mixed: Vec<usize> = (0..centres.len())
        .filter(|&c| centres[c].group_n.iter().filter(|&&n| n > 0).count() >= 2)
        .collect();
    let single: Vec<String> = (0..centres.len())
        .filter(|c| !mixed.contains(c))
        .map(|c| {
            let groups: Vec<&str> = (0..k)
                .filter(|&g| centres[c].group_n[g] > 0)
                .map(|g| layout.group_levels[g].as_str())
                .collect();
            format!("{}: {}", centre_names[c], groups.join(", "))
        })
        .collect();
    let stratified_meaningful = !mixed.is_empty();
    if !stratified_meaningful {
        multi.notes.push(format!(
            "Tests stratified by centre are meaningless here and are not given: each centre has patients of one group only ({}). Centre and group cannot be separated, so any difference between groups may be a difference between centres.",
            single.join("; ")
        ));
    } else if !single.is_empty() {
        multi.notes.push(format!(
            "Centres with patients of one group only contribute nothing to the tests stratified by centre: {}.",
            single.join("; ")
        ));
    }

    // what lacks a centre
    let missing_centres = |present: &dyn Fn(usize) -> bool| -> Vec<String> {
        (0..centres.len())
            .filter(|&c| !present(c))
            .map(|c| centre_names[c].clone())
            .collect()
    };
    for (c, (_, f)) in files.iter().enumerate() {
        for g in &f.groups {
            if g.n.is_none() {
                multi.incomplete.push(format!(
                    "Group {} of centre {} was withheld (fewer than {} patients): it is in no pooled result.",
                    g.label, centre_names[c], f.disclosure.min_cell
                ));
            }
        }
    }

    // categorical: CMH
    for (v, lay) in layout.categorical.iter().enumerate() {
        let lacking = missing_centres(&|c| centres[c].categorical[v].is_some());
        if !lacking.is_empty() {
            multi.incomplete.push(format!(
                "{}: withheld by centre(s) {} (disclosure control); pooled from the others.",
                lay.label,
                lacking.join(", ")
            ));
        }
        let Some(pooled_counts) = &pooled.categorical[v] else {
            continue;
        };
        let used_levels: Vec<usize> = (0..lay.categories.len())
            .filter(|&l| pooled_counts.counts.iter().any(|g| g[l] > 0))
            .collect();
        let used_groups: Vec<usize> = (0..k)
            .filter(|&g| pooled_counts.counts[g].iter().any(|&c| c > 0))
            .collect();
        let mut strata = Vec::new();
        let mut dropped = Vec::new();
        let mut contributing = Vec::new();
        for (c, centre) in centres.iter().enumerate() {
            let Some(cc) = &centre.categorical[v] else {
                continue;
            };
            contributing.push(centre_names[c].clone());
            let t = Contingency::new(
                used_levels.len(),
                used_groups.len(),
                used_levels
                    .iter()
                    .flat_map(|&l| used_groups.iter().map(move |&g| cc.counts[g][l]))
                    .collect(),
            );
            if t.total() < 2 {
                dropped.push(centre_names[c].clone());
            } else {
                strata.push(t);
            }
        }
        let (result, mut note) = if stratified_meaningful {
            match cmh(&strata, true) {
                Ok(r) => (Some(r), None),
                Err(why) => (None, Some(format!("no CMH test: {why}"))),
            }
        } else {
            (
                None,
                Some("no CMH test: each centre has one group only".to_string()),
            )
        };
        if !dropped.is_empty() && result.is_some() {
            note = Some(format!(
                "centre(s) {} left out of the CMH test: fewer than 2 patients with a value (R's mantelhaen.test stops there)",
                dropped.join(", ")
            ));
        }
        multi.categorical.push(CategoricalByCentre {
            variable: lay.variable.clone(),
            categories: lay.categories.clone(),
            centres: contributing,
            cmh: result,
            cmh_note: note,
        });
    }

    // continuous: bounds, van Elteren
    let mut any_quartiles = false;
    let mut largest_bound: f64 = 0.0;
    for (v, lay) in layout.continuous.iter().enumerate() {
        let lacking = missing_centres(&|c| centres[c].continuous[v].is_some());
        if !lacking.is_empty() {
            multi.incomplete.push(format!(
                "{}: withheld by centre(s) {} (disclosure control); pooled from the others.",
                lay.label,
                lacking.join(", ")
            ));
        }
        let Some(sums) = &pooled.continuous[v] else {
            continue;
        };
        let contributing: Vec<String> = (0..centres.len())
            .filter(|&c| centres[c].continuous[v].is_some())
            .map(|c| centre_names[c].clone())
            .collect();
        let no_histogram: Vec<String> = (0..centres.len())
            .filter(|&c| {
                centres[c].continuous[v]
                    .as_ref()
                    .is_some_and(|s| s.histogram.is_none())
            })
            .map(|c| centre_names[c].clone())
            .collect();
        if !no_histogram.is_empty() {
            multi.incomplete.push(format!(
                "{}: no median, quartiles or rank test, because centre(s) {} withheld the histogram (disclosure control).",
                lay.label,
                no_histogram.join(", ")
            ));
        }
        let bins = sums.own_bins.as_ref();
        let mut quartiles = Vec::new();
        let mut bound: Option<f64> = None;
        if let Some(bins) = &bins {
            let mut lists: Vec<(String, Vec<Bin>)> = layout
                .group_levels
                .iter()
                .cloned()
                .zip(bins.iter().cloned())
                .collect();
            lists.push(("overall".to_string(), bins.concat()));
            for (label, b) in lists {
                if let Some((_, bounded)) = pooled::quartile_set(&b) {
                    let q = match conventions.quantile_type {
                        QuantileType::Type2 => bounded[0],
                        QuantileType::Type6 => bounded[1],
                        QuantileType::Type7 => bounded[2],
                    };
                    let worst = q
                        .iter()
                        .map(BoundedQuantile::error_bound)
                        .fold(0.0, f64::max);
                    bound = Some(bound.map_or(worst, |b: f64| b.max(worst)));
                    quartiles.push(GroupQuartiles {
                        group: label,
                        q1: q[0],
                        median: q[1],
                        q3: q[2],
                    });
                }
            }
        }
        if let Some(b) = bound {
            any_quartiles = true;
            largest_bound = largest_bound.max(b);
        }
        let bins_merged = lay.cuts.iter().any(Cuts::is_merged);
        if let (Some(b), Some(grid)) = (bound, lay.grid) {
            multi.approximate.push(format!(
                "{}: median and quartiles estimated from the centres' histograms (bins of width {}{}); each estimate is within {} of the patient-level value.",
                lay.label,
                grid.step,
                if bins_merged { ", some merged" } else { "" },
                table1::number(round_bound(b))
            ));
        }
        let rank_sums_by_centre = (0..centres.len())
            .filter_map(|c| {
                let s = centres[c].continuous[v].as_ref()?;
                let r = s.ranks.first()?;
                let with_values: Vec<usize> = (0..k).filter(|&g| r.n[g] > 0).collect();
                let (u, var) = match with_values[..] {
                    [g1, g2] => {
                        let (n1, n2) = (r.n[g1] as f64, r.n[g2] as f64);
                        let n = n1 + n2;
                        let u = r.rank_sum[g1] - n1 * (n1 + 1.0) / 2.0;
                        let var = n1 * n2 / 12.0 * ((n + 1.0) - r.ties / (n * (n - 1.0)));
                        (Some(u), Some(var))
                    }
                    _ => (None, None),
                };
                Some(CentreRankSums {
                    centre: centre_names[c].clone(),
                    n: r.n.clone(),
                    rank_sum: r.rank_sum.clone(),
                    u_group1: u,
                    variance: var,
                })
            })
            .collect();
        let (ve, ve_note) = if stratified_meaningful {
            match van_elteren(&sums.ranks) {
                Ok(r) => (Some(r), None),
                Err(why) => (None, Some(format!("no van Elteren test: {why}"))),
            }
        } else {
            (
                None,
                Some("no van Elteren test: each centre has one group only".to_string()),
            )
        };
        multi.continuous.push(ContinuousByCentre {
            variable: lay.variable.clone(),
            centres: contributing,
            histogram_width: lay.grid.map(|g| g.step),
            bins_merged,
            quantile_type: conventions.quantile_type,
            quartiles,
            error_bound: bound,
            rank_sums_by_centre,
            van_elteren: ve,
            van_elteren_note: ve_note,
        });
    }
    let rank_test = conventions.continuous_test == ContinuousTest::Rank;
    if !layout.continuous.is_empty() {
        multi.approximate.push(
            "Mann–Whitney and Kruskal–Wallis tests of pooled data are computed on the values grouped to the histogram bins (tied within a bin), not on the exact values.".to_string(),
        );
    }

    // survival
    for (e, lay) in layout.survival.iter().enumerate() {
        let lacking = missing_centres(&|c| centres[c].survival[e].is_some());
        if !lacking.is_empty() {
            multi.incomplete.push(format!(
                "{}: withheld by centre(s) {} (disclosure control); pooled from the others.",
                lay.spec.name,
                lacking.join(", ")
            ));
        }
        let bins_merged = lay.cuts.iter().any(Cuts::is_merged);
        if let Some(grid) = lay.grid {
            multi.approximate.push(format!(
                "{}: times grouped to a grid of {} {} (a time t counts at ⌈t/{}⌉·{}){}; pooled Kaplan–Meier curves, medians, landmarks, risk table, follow-up, log-rank, Peto & Peto and Cox models are exact for the grouped times, not for the exact times.",
                lay.spec.name,
                grid.step,
                lay.spec.time_unit,
                grid.step,
                grid.step,
                if bins_merged {
                    ", with neighbouring bins merged by disclosure control"
                } else {
                    ""
                }
            ));
        }
        let contributing: Vec<String> = (0..centres.len())
            .filter(|&c| centres[c].survival[e].is_some())
            .map(|c| centre_names[c].clone())
            .collect();
        let mut by_centre = SurvivalByCentre {
            endpoint: lay.spec.name.clone(),
            grid: lay.grid.map(|g| g.step),
            time_unit: lay.spec.time_unit.clone(),
            bins_merged,
            centres: contributing,
            logrank_by_centre: Vec::new(),
            stratified_by_centre: None,
            stratified_by_centre_grid: None,
            note: None,
        };
        if let (Some(counts), Some(grid)) = (&pooled.survival[e], lay.grid) {
            let sizes = sizes_of(&counts.groups);
            for (c, terms) in &counts.logrank {
                let sizes_c = counts
                    .by_centre
                    .iter()
                    .find(|(cc, _)| cc == c)
                    .map(|(_, g)| sizes_of(g))
                    .unwrap_or_else(|| vec![0; k]);
                by_centre.logrank_by_centre.push(CentreLogRankResult {
                    centre: centre_names[*c].clone(),
                    logrank: crate::analyze::logrank_result(
                        &terms_to_logrank(&[terms], k),
                        &layout.group_levels,
                        &sizes_c,
                    ),
                });
            }
            if stratified_meaningful {
                let strata_levels: Vec<String> = counts
                    .by_centre
                    .iter()
                    .map(|(c, _)| centre_names[*c].clone())
                    .collect();
                let label = |mut r: LogRankResult| {
                    r.strata_column = Some("centre".to_string());
                    r.strata_levels = Some(strata_levels.clone());
                    r.n_used = Some(sizes.iter().sum());
                    r
                };
                let terms: Vec<&CentreLogRank> = counts.logrank.iter().map(|(_, t)| t).collect();
                let exact = label(crate::analyze::logrank_result(
                    &terms_to_logrank(&terms, k),
                    &layout.group_levels,
                    &sizes,
                ));
                let sets: Vec<_> = counts
                    .by_centre
                    .iter()
                    .map(|(_, g)| pooled::risk_sets(g, &grid))
                    .collect();
                by_centre.stratified_by_centre_grid = Some(label(crate::analyze::logrank_result(
                    &logrank(&sets, 0.0),
                    &layout.group_levels,
                    &sizes,
                )));
                if let Some(s) = report
                    .survival
                    .iter_mut()
                    .find(|s| s.endpoint == lay.spec.name)
                {
                    s.stratified_logrank
                        .get_or_insert_with(Vec::new)
                        .push(exact.clone());
                }
                by_centre.stratified_by_centre = Some(exact);
            } else {
                by_centre.note = Some(
                    "no log-rank test stratified by centre: each centre has one group only"
                        .to_string(),
                );
            }
        }
        multi.survival.push(by_centre);
    }

    // Table 1
    let mut table = report.table1.clone();
    mark_approximate(&mut table, &report, spec);
    let rows_of = row_variables(&table, &report, spec);
    let mut footnotes = vec![format!(
        "Pooled from {} centres ({}) without sharing patient rows; counts, percentages, χ² and Fisher's tests, means, SDs, t tests and ANOVA are exact.",
        centres.len(),
        centre_names.join(", ")
    )];
    if any_quartiles {
        footnotes.push(format!(
            "≈ Approximate: median (i.q.r.) estimated from histograms pooled across centres; each value is within {} of the value from the patient rows (largest bound; per variable in the report).",
            table1::number(round_bound(largest_bound))
        ));
    }
    if rank_test && !layout.continuous.is_empty() {
        footnotes.push(
            "≈ Approximate: Mann–Whitney / Kruskal–Wallis P computed on the values grouped to the histogram bins (tied within a bin)."
                .to_string(),
        );
    }
    // stratified column
    let any_stratified = multi.categorical.iter().any(|c| c.cmh.is_some())
        || multi.continuous.iter().any(|c| c.van_elteren.is_some());
    if any_stratified {
        let p_column = table.columns.len() - 1;
        table
            .columns
            .insert(p_column, "P, stratified by centre".to_string());
        let mut used_cmh = false;
        let mut used_ve = false;
        for (row, v) in table.rows.iter_mut().zip(&rows_of) {
            let mut cell = String::new();
            if row.kind == RowKind::Variable {
                if let Some(name) = v.map(|i| &spec.variables[i].name) {
                    if let Some(c) = multi.categorical.iter().find(|c| &c.variable == name) {
                        cell = c.cmh.as_ref().map_or_else(
                            || "–".to_string(),
                            |r| {
                                used_cmh = true;
                                format!("{}ᵃ", format_p(Some(r.p)))
                            },
                        );
                    } else if let Some(c) = multi.continuous.iter().find(|c| &c.variable == name) {
                        cell = c.van_elteren.as_ref().map_or_else(
                            || "–".to_string(),
                            |r| {
                                used_ve = true;
                                format!("{}ᵇ", format_p(Some(r.p)))
                            },
                        );
                    }
                }
            }
            row.cells.push(cell);
        }
        if used_cmh {
            footnotes.push("ᵃ Cochran–Mantel–Haenszel test stratified by centre (with continuity correction for 2 × 2 tables, as R's mantelhaen.test).".to_string());
        }
        if used_ve {
            footnotes.push("ᵇ van Elteren's stratified Wilcoxon test (ranks within centre, weights 1/(n + 1)).".to_string());
        }
    }
    footnotes.extend(multi.notes.iter().cloned());
    footnotes.extend(multi.incomplete.iter().map(|s| format!("Incomplete: {s}")));

    if options.by_centre {
        add_centre_columns(&mut table, &layout, &centres, &rows_of, &report);
    }
    table.footnotes.extend(footnotes);
    report.table1 = table;

    // warnings: everything a reader must know
    let mut warnings = vec![format!(
        "Merged from {} centre summaries ({}) by insitu merge: no patient rows were shared.",
        centres.len(),
        centre_names.join(", ")
    )];
    if pooled.n_missing_group > 0 {
        warnings.push(format!(
            "{} row(s) with an empty group ({}) excluded from every analysis",
            pooled.n_missing_group, spec.group.column
        ));
    }
    if pooled.n_filtered > 0 {
        warnings.push(format!(
            "{} row(s) excluded from every analysis by the spec's filter",
            pooled.n_filtered
        ));
    }
    if pooled.n_rows.is_none() {
        warnings.push(
            "The number of data rows is a lower bound: a centre withheld a small group."
                .to_string(),
        );
    }
    warnings.extend(
        multi
            .approximate
            .iter()
            .map(|s| format!("Approximate: {s}")),
    );
    warnings.extend(multi.incomplete.iter().map(|s| format!("Incomplete: {s}")));
    warnings.extend(multi.notes.iter().cloned());
    // a spec's risk_table_by widened to bound the number-at-risk table
    for s in &report.survival {
        let Some(endpoint) = spec.endpoints.iter().find(|e| e.name == s.endpoint) else {
            continue;
        };
        let step = crate::analyze::RiskStep {
            by: s.risk_table.by,
            widened_from: endpoint
                .risk_table_by
                .filter(|&asked| asked != s.risk_table.by),
        };
        let max_time =
            s.km.iter()
                .filter_map(|k| k.table.time.last().copied())
                .fold(0.0, f64::max);
        warnings.extend(step.warning(&endpoint.name, &endpoint.time_unit, max_time));
    }
    for (c, (_, f)) in files.iter().enumerate() {
        if f.disclosure.small_cells == SmallCells::Keep {
            warnings.push(format!(
                "Centre {} shared counts below {} (policy keep, for sharing under a data agreement).",
                centre_names[c], f.disclosure.min_cell
            ));
        }
        for a in &f.disclosure.actions {
            warnings.push(format!("Centre {}: {a}", centre_names[c]));
        }
    }
    report.warnings = warnings;
    Ok(MergedReport {
        report,
        multicentre: multi,
    })
}

/// A bound rounded up to two significant digits, for display.
fn round_bound(b: f64) -> f64 {
    if !(b.is_finite() && b > 0.0) {
        return b;
    }
    let scale = 10f64.powi(1 - b.log10().floor() as i32);
    (b * scale).ceil() / scale
}

/// Inserts one column per centre and group (with patients) before the
/// pooled group columns.
fn add_centre_columns(
    table: &mut Table1,
    layout: &Layout,
    centres: &[Sufficient],
    rows_of: &[Option<usize>],
    pooled_report: &Report,
) {
    let spec = &layout.spec;
    let mut columns: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); table.rows.len()];
    for (c, centre) in centres.iter().enumerate() {
        // a variable withheld here gets zeros, then "withheld" cells
        let mut filled = centre.clone();
        let mut withheld = Vec::new();
        for (v, slot) in filled.categorical.iter_mut().enumerate() {
            if slot.is_none() {
                withheld.push(layout.categorical[v].variable.clone());
                *slot = Some(CategoricalCounts {
                    counts: vec![
                        vec![0; layout.categorical[v].categories.len()];
                        centre.group_n.len()
                    ],
                    missing: vec![0; centre.group_n.len()],
                });
            }
        }
        for (v, slot) in filled.continuous.iter_mut().enumerate() {
            if slot.is_none() {
                withheld.push(layout.continuous[v].variable.clone());
                *slot = Some(ContinuousSums {
                    moments: vec![Moments::default(); centre.group_n.len()],
                    missing: vec![0; centre.group_n.len()],
                    histogram: None,
                    own_bins: None,
                    ranks: Vec::new(),
                });
            }
        }
        let report = build_report(layout, &filled, false, "");
        let mut t = report.table1.clone();
        mark_approximate(&mut t, &report, spec);
        let own_rows = row_variables(&t, &report, spec);
        // rows of variables the pooled table lacks are not in it either
        let rows: Vec<&crate::table1::Table1Row> = t
            .rows
            .iter()
            .zip(&own_rows)
            .filter(|(_, v)| {
                v.is_none_or(|i| {
                    let name = &spec.variables[i].name;
                    pooled_report
                        .categorical
                        .iter()
                        .any(|r| &r.variable == name)
                        || pooled_report.continuous.iter().any(|r| &r.variable == name)
                })
            })
            .map(|(r, _)| r)
            .collect();
        if rows.len() != table.rows.len() {
            continue;
        }
        for (g, label) in layout.group_levels.iter().enumerate() {
            if centre.group_n[g] == 0 {
                continue;
            }
            columns.push(format!(
                "{}: {} (n = {})",
                layout.centres[c], label, centre.group_n[g]
            ));
            for (r, row) in rows.iter().enumerate() {
                let name = rows_of[r].map(|i| &spec.variables[i].name);
                let shown = row.cells.get(g).is_some_and(|c| !c.is_empty());
                let cell = if name.is_some_and(|n| withheld.contains(n)) && shown {
                    "withheld".to_string()
                } else {
                    row.cells.get(g).cloned().unwrap_or_default()
                };
                cells[r].push(cell);
            }
        }
    }
    let mut new_columns = vec![table.columns[0].clone()];
    new_columns.extend(columns);
    new_columns.extend(table.columns[1..].iter().cloned());
    table.columns = new_columns;
    for (row, mut before) in table.rows.iter_mut().zip(cells) {
        before.append(&mut row.cells);
        row.cells = before;
    }
}
