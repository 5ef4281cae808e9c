//! The aggregate file of one centre: what exact pooling needs, and nothing
//! about any single patient.
//!
//! Contents (JSON, `"format": "insitu-aggregate"`, `"version": 1`):
//! * the analysis spec without its file details, and its SHA-256
//!   ([`spec_hash`]) so that the coordinator can refuse files made with
//!   another spec;
//! * group sizes;
//! * categorical variables: counts per group × level (levels possibly
//!   merged) and missing counts;
//! * continuous variables, per group: n, missing, Σx and Σx² in
//!   double-double ([`super::moments`]), the rank sum within the centre
//!   (midranks of the centre's values) and the centre's tie term Σ(t³ − t)
//!   — the Mann–Whitney U and its variance for van Elteren's test — and a
//!   histogram on a declared grid ([`super::grid`]) for approximate pooled
//!   quartiles;
//! * each endpoint, per group: events and censorings per time bin of the
//!   declared grid (default 1 unit of the endpoint's time), the same per
//!   stratum for the spec's stratified log-rank columns, and the centre's
//!   log-rank observed, expected and variance on its exact times.
//!
//! Never written: rows, identifiers, dates, exact times or values, minima
//! and maxima. Disclosure control ([`super::disclosure`]) runs before
//! anything is written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::centre_data::centre_data;
use super::disclosure::{
    self, is_small, merge_levels, SmallCells, DEFAULT_MIN_CELL, MIN_CELL_FLOOR,
};
use super::grid::{self, coarsen, Bins, Cuts, Grid};
use super::hash::sha256_hex;
use super::moments::{Compensated, Moments};
use crate::data::{AnalysisData, Codes, OrderSource, VariableData};
use crate::error::{Error, ErrorKind, Result};
use crate::ingest::Table;
use crate::spec::{Spec, SpecOptions};
use crate::stats::ranks::{midranks, tie_sum};
use crate::survival::logrank::logrank;
use crate::survival::SurvivalData;

/// Fewer merged time bins than this make a coarse pooled curve: the audit
/// then says so and what would keep more of the grid.
pub const COARSE_CURVE_BINS: usize = 12;

/// The `format` of an aggregate file.
pub const FORMAT: &str = "insitu-aggregate";
/// The version of the aggregate format this code writes and reads.
pub const VERSION: u32 = 1;

/// How a centre aggregates its data.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateOptions {
    /// Name of the centre, as it will appear in merged reports.
    pub centre: String,
    /// Smallest cell k (at least [`MIN_CELL_FLOOR`]).
    pub min_cell: u64,
    /// What to do with cells below k.
    pub small_cells: SmallCells,
    /// Time grid step of every endpoint, in its time unit (default 1).
    pub time_step: f64,
    /// Time grid steps of named endpoints.
    pub time_steps: BTreeMap<String, f64>,
    /// Histogram bin width of every continuous variable (default 1).
    pub bin_width: f64,
    /// Histogram bin widths of named variables.
    pub bin_widths: BTreeMap<String, f64>,
}

impl AggregateOptions {
    /// The defaults for `centre`: k = 5, coarsen, grids of 1 unit.
    pub fn new(centre: &str) -> AggregateOptions {
        AggregateOptions {
            centre: centre.to_string(),
            min_cell: DEFAULT_MIN_CELL,
            small_cells: SmallCells::Coarsen,
            time_step: 1.0,
            time_steps: BTreeMap::new(),
            bin_width: 1.0,
            bin_widths: BTreeMap::new(),
        }
    }
}

/// A centre's aggregate file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregateFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for files this code reads.
    pub version: u32,
    /// Insitu version that wrote the file.
    pub insitu_version: String,
    /// The centre.
    pub centre: String,
    /// `sha256:` and the digest of the analysis spec ([`spec_hash`]).
    pub spec_hash: String,
    /// The analysis spec (file details removed: [`analysis_spec`]).
    pub spec: Spec,
    /// The disclosure control applied.
    pub disclosure: Disclosure,
    /// Group sizes, in the centre's group order.
    pub groups: Vec<CentreGroup>,
    /// Data rows (withheld with a withheld group).
    pub n_rows: Option<u64>,
    /// Rows with an empty group (excluded from everything).
    pub n_missing_group: u64,
    /// Rows excluded by the spec's filter.
    pub n_filtered: u64,
    /// Categorical variables, in spec order.
    pub categorical: Vec<CategoricalAggregate>,
    /// Continuous variables, in spec order.
    pub continuous: Vec<ContinuousAggregate>,
    /// Endpoints, in spec order.
    pub survival: Vec<SurvivalAggregate>,
}

/// The disclosure control of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    /// Smallest cell k.
    pub min_cell: u64,
    /// Policy for cells below k.
    pub small_cells: SmallCells,
    /// The policy in one sentence.
    pub statement: String,
    /// What was merged or withheld, one sentence each.
    pub actions: Vec<String>,
}

/// One group of the centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentreGroup {
    /// Group label.
    pub label: String,
    /// Patients; `None` when the group was withheld.
    pub n: Option<u64>,
}

/// Counts of a categorical variable at one centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoricalAggregate {
    /// Column name.
    pub variable: String,
    /// Levels in order (spec, else sorted among this centre's values).
    pub levels: Vec<String>,
    /// Where the order came from.
    pub level_order_source: String,
    /// The categories counted: each one level, or neighbouring levels merged.
    pub categories: Vec<Vec<String>>,
    /// Counts per group with patients.
    pub by_group: Vec<CategoryCounts>,
    /// Why the variable was withheld, if it was.
    pub withheld: Option<String>,
}

/// Counts of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryCounts {
    /// Group label.
    pub group: String,
    /// Count per category.
    pub counts: Vec<u64>,
    /// Missing values.
    pub missing: u64,
}

/// Sums of a continuous variable at one centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuousAggregate {
    /// Column name.
    pub variable: String,
    /// Per group with patients.
    pub by_group: Vec<ContinuousGroup>,
    /// Σ(t³ − t) over the tied values of the centre (all groups), for the
    /// variance of the rank sums.
    pub rank_ties: f64,
    /// Histogram of the values, `None` when withheld.
    pub histogram: Option<Histogram>,
    /// Why the variable was withheld, if it was.
    pub withheld: Option<String>,
    /// Why the histogram was withheld, if it was.
    pub histogram_withheld: Option<String>,
}

/// Sums of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuousGroup {
    /// Group label.
    pub group: String,
    /// Values.
    pub n: u64,
    /// Missing values.
    pub missing: u64,
    /// Σx.
    pub sum: Compensated,
    /// Σx².
    pub sum_sq: Compensated,
    /// Sum of the group's midranks among the centre's values.
    pub rank_sum: f64,
}

/// Counts of values per bin `(lower, upper]` of a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Histogram {
    /// Bin width of the declared grid.
    pub width: f64,
    /// Bins merged by disclosure control, as `[lower, upper]` edges (values
    /// above the lower and at most the upper); empty when none was.
    pub merged_bins: Vec<[f64; 2]>,
    /// Non-empty bins, ascending.
    pub bins: Vec<HistogramBin>,
}

/// One histogram bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistogramBin {
    /// Upper edge (values ≤ it and above the previous edge).
    pub upper: f64,
    /// Count per group, in `by_group` order.
    pub counts: Vec<u64>,
}

/// One endpoint at one centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurvivalAggregate {
    /// Endpoint name.
    pub endpoint: String,
    /// Step of the time grid, in the endpoint's unit.
    pub grid: f64,
    /// Time bins merged by disclosure control, as `[lower, upper]` edges;
    /// empty when none was.
    pub merged_bins: Vec<[f64; 2]>,
    /// Rows excluded for a missing group, time or event.
    pub n_excluded_missing: u64,
    /// Per group with patients.
    pub by_group: Vec<TimeCounts>,
    /// Per stratum of each spec `stratified_logrank` column.
    pub strata: Vec<StrataCounts>,
    /// The centre's log-rank test on its exact times.
    pub logrank: Option<CentreLogRank>,
    /// Why the endpoint was withheld, if it was.
    pub withheld: Option<String>,
}

/// Events and censorings of one group per time bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeCounts {
    /// Group label.
    pub group: String,
    /// Patients.
    pub n: u64,
    /// Bins with an event or a censoring, ascending.
    pub bins: Vec<TimeBin>,
}

/// One time bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeBin {
    /// Upper edge of the bin: the time the counts are placed at.
    pub time: f64,
    /// Events in the bin.
    pub events: u64,
    /// Censorings in the bin.
    pub censored: u64,
}

/// Counts per stratum of one stratification column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrataCounts {
    /// Column name.
    pub column: String,
    /// Levels (spec, else sorted among this centre's values).
    pub levels: Vec<String>,
    /// Per level with patients.
    pub by_level: Vec<StratumCounts>,
}

/// Counts of one stratum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StratumCounts {
    /// Stratum level.
    pub level: String,
    /// Per group with patients in the stratum.
    pub by_group: Vec<TimeCounts>,
}

/// A centre's log-rank test on its exact times (R's `survdiff` terms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentreLogRank {
    /// Groups of the vectors and matrix below.
    pub groups: Vec<String>,
    /// Observed events.
    pub observed: Vec<f64>,
    /// Expected events.
    pub expected: Vec<f64>,
    /// Variance matrix of O − E.
    pub variance: Vec<Vec<f64>>,
}

/// The spec as it travels in aggregate files: the data file, row count,
/// source, column descriptions, notes and every reading option removed
/// (they differ between centres); group, variables, endpoints, labels,
/// title and conventions kept.
pub fn analysis_spec(spec: &Spec) -> Spec {
    let mut s = spec.clone();
    s.csv = None;
    s.n_rows = None;
    s.source = None;
    s.columns = None;
    s.notes = None;
    let conventions = spec.options.conventions();
    s.options = SpecOptions::default();
    s.options.set_conventions(&conventions);
    s
}

/// `sha256:` and the SHA-256 of the compact JSON of [`analysis_spec`]: the
/// identity merge compares.
pub fn spec_hash(spec: &Spec) -> String {
    let text = serde_json::to_string(&analysis_spec(spec)).unwrap_or_default();
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}

impl AggregateFile {
    /// Reads a file, refusing another format or version with a message
    /// that says so.
    pub fn from_json(text: &str, file_name: &str) -> Result<AggregateFile> {
        let malformed =
            |m: String| Error::new(ErrorKind::Malformed, m).in_file(file_name.to_string());
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| malformed(format!("not a JSON file: {e}")).at_line(e.line() as u64))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(malformed(format!(
                    "format \"{other}\" is not an Insitu aggregate file (\"{FORMAT}\")"
                )))
            }
            None => {
                return Err(malformed(format!(
                    "no \"format\": not an Insitu aggregate file (\"{FORMAT}\"); make one with insitu aggregate"
                )))
            }
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(malformed(format!(
                    "aggregate format version {v}; this Insitu ({}) reads version {VERSION} only. Aggregate again with the same Insitu version at every centre",
                    env!("CARGO_PKG_VERSION")
                )))
            }
            None => return Err(malformed("no aggregate format \"version\"".to_string())),
        }
        let file: AggregateFile = serde_json::from_value(value)
            .map_err(|e| malformed(format!("invalid aggregate file: {e}")))?;
        let hash = spec_hash(&file.spec);
        if hash != file.spec_hash {
            return Err(malformed(format!(
                "the spec in the file does not match its spec_hash ({} written, {hash} computed): the file was edited",
                file.spec_hash
            )));
        }
        Ok(file)
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Builds a centre's aggregate file from its table, after disclosure
/// control, and checks it once more ([`disclosure::check`]).
pub fn aggregate(table: &Table, spec: &Spec, options: &AggregateOptions) -> Result<AggregateFile> {
    check_options(spec, options)?;
    let mut reading = spec.clone();
    reading.n_rows = None; // the spec's n_rows is the pooled count
    let data = centre_data(table, &reading)?;
    let k = options.min_cell;
    let policy = options.small_cells;
    let mut actions = Vec::new();

    let sizes = data.group_sizes();
    let withheld_group: Vec<bool> = sizes
        .iter()
        .map(|&n| policy != SmallCells::Keep && is_small(n as u64, k))
        .collect();
    for (g, label) in data.group_levels.iter().enumerate() {
        if withheld_group[g] {
            actions.push(format!(
                "Group {label} withheld entirely: fewer than {k} patients."
            ));
        }
    }
    let present: Vec<usize> = (0..data.n_groups())
        .filter(|&g| sizes[g] > 0 && !withheld_group[g])
        .collect();
    let groups = data
        .group_levels
        .iter()
        .enumerate()
        .map(|(g, label)| CentreGroup {
            label: label.clone(),
            n: (!withheld_group[g]).then_some(sizes[g] as u64),
        })
        .collect();

    let mut categorical = Vec::new();
    let mut continuous = Vec::new();
    for variable in &data.variables {
        // a row summarised within a subset sees only the subset's patients
        let groups: Codes = match &variable.rows {
            Some(rows) => data
                .group
                .iter()
                .zip(rows)
                .map(|(g, &keep)| g.filter(|_| keep))
                .collect(),
            None => data.group.clone(),
        };
        match &variable.data {
            VariableData::Categorical(c) => categorical.push(categorical_aggregate(
                &variable.name,
                c,
                &data,
                &groups,
                &present,
                options,
                &mut actions,
            )),
            VariableData::Continuous(x) => continuous.push(continuous_aggregate(
                &variable.name,
                x,
                &data,
                &groups,
                &present,
                options,
                &mut actions,
            )?),
        }
    }
    let mut survival = Vec::new();
    for endpoint in &data.endpoints {
        survival.push(survival_aggregate(
            endpoint,
            &data,
            &withheld_group,
            options,
            &mut actions,
        )?);
    }

    let file = AggregateFile {
        format: FORMAT.to_string(),
        version: VERSION,
        insitu_version: env!("CARGO_PKG_VERSION").to_string(),
        centre: options.centre.trim().to_string(),
        spec_hash: spec_hash(spec),
        spec: analysis_spec(spec),
        disclosure: Disclosure {
            min_cell: k,
            small_cells: policy,
            statement: disclosure::statement(policy, k),
            actions,
        },
        groups,
        n_rows: (!withheld_group.contains(&true)).then_some(data.n_rows as u64),
        n_missing_group: data.n_missing_group as u64,
        n_filtered: data.n_filtered as u64,
        categorical,
        continuous,
        survival,
    };
    disclosure::check(&file)?;
    Ok(file)
}

fn check_options(spec: &Spec, options: &AggregateOptions) -> Result<()> {
    let bad = |m: String| Err(Error::new(ErrorKind::Spec, m));
    if options.centre.trim().is_empty() {
        return bad("give the centre a name (--centre NAME)".to_string());
    }
    if options.min_cell < MIN_CELL_FLOOR {
        return bad(format!(
            "the smallest cell (--min-cell) must be at least {MIN_CELL_FLOOR}, not {}",
            options.min_cell
        ));
    }
    Grid::new(options.time_step)?;
    Grid::new(options.bin_width)?;
    for (name, &step) in &options.time_steps {
        if !spec.endpoints.iter().any(|e| &e.name == name) {
            return bad(format!(
                "--grid names endpoint \"{name}\", which the spec does not have"
            ));
        }
        Grid::new(step)?;
    }
    for (name, &width) in &options.bin_widths {
        if !spec.variables.iter().any(|v| &v.name == name) {
            return bad(format!(
                "--bin names variable \"{name}\", which the spec does not have"
            ));
        }
        Grid::new(width)?;
    }
    Ok(())
}

fn order_source_name(o: OrderSource) -> String {
    match o {
        OrderSource::Spec => "spec".to_string(),
        OrderSource::Sorted => "sorted (byte order, C locale)".to_string(),
    }
}

fn small_cell_reason(k: u64, policy: SmallCells) -> String {
    format!(
        "a count between 1 and {} could not be {}",
        k - 1,
        match policy {
            SmallCells::Suppress => "written (policy suppress)",
            _ => "merged away (policy coarsen)",
        }
    )
}

fn categorical_aggregate(
    name: &str,
    variable: &crate::data::Categorical,
    data: &AnalysisData,
    groups: &Codes,
    present: &[usize],
    options: &AggregateOptions,
    actions: &mut Vec<String>,
) -> CategoricalAggregate {
    let n_levels = variable.levels.len();
    let mut counts = vec![vec![0u64; n_levels]; present.len()];
    let mut missing = vec![0u64; present.len()];
    for (group, code) in groups.iter().zip(variable.codes.iter()) {
        let Some(j) = group.and_then(|g| present.iter().position(|&p| p == g as usize)) else {
            continue;
        };
        match code {
            Some(l) => counts[j][l as usize] += 1,
            None => missing[j] += 1,
        }
    }
    let (k, policy) = (options.min_cell, options.small_cells);
    let any_small = counts.iter().flatten().any(|&c| is_small(c, k));
    let singletons: Vec<Vec<usize>> = (0..n_levels).map(|l| vec![l]).collect();
    let categories = match policy {
        SmallCells::Keep => Some(singletons),
        _ if !any_small => Some(singletons),
        SmallCells::Suppress => None,
        // one category left says nothing about the levels: withhold instead,
        // so that the other centres' levels stay apart in the pooled table
        SmallCells::Coarsen => merge_levels(&counts, n_levels, k).filter(|c| c.len() > 1),
    };
    let mut result = CategoricalAggregate {
        variable: name.to_string(),
        levels: variable.levels.clone(),
        level_order_source: order_source_name(variable.order_source),
        categories: Vec::new(),
        by_group: Vec::new(),
        withheld: None,
    };
    match categories {
        None => {
            let reason = small_cell_reason(k, policy);
            actions.push(format!("{name} withheld: {reason}."));
            result.withheld = Some(reason);
        }
        Some(categories) => {
            for cat in categories.iter().filter(|c| c.len() > 1) {
                actions.push(format!(
                    "{name}: levels {} merged into one category.",
                    cat.iter()
                        .map(|&l| format!("\"{}\"", variable.levels[l]))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            result.by_group = present
                .iter()
                .enumerate()
                .map(|(j, &g)| CategoryCounts {
                    group: data.group_levels[g].clone(),
                    counts: categories
                        .iter()
                        .map(|cat| cat.iter().map(|&l| counts[j][l]).sum())
                        .collect(),
                    missing: missing[j],
                })
                .collect();
            result.categories = categories
                .iter()
                .map(|cat| cat.iter().map(|&l| variable.levels[l].clone()).collect())
                .collect();
        }
    }
    result
}

/// Merges or withholds bins per policy. `None`: withheld.
fn disclose_bins(
    bins: &BTreeMap<i64, Vec<u64>>,
    options: &AggregateOptions,
) -> Option<(Cuts, Bins)> {
    let (k, policy) = (options.min_cell, options.small_cells);
    let list: Vec<(i64, Vec<u64>)> = bins.iter().map(|(&b, c)| (b, c.clone())).collect();
    let any_small = list.iter().any(|(_, c)| c.iter().any(|&x| is_small(x, k)));
    match policy {
        SmallCells::Keep => Some((Cuts::every(), list)),
        _ if !any_small => Some((Cuts::every(), list)),
        SmallCells::Suppress => None,
        SmallCells::Coarsen => coarsen(&list, k),
    }
}

fn merged_edges(grid: &Grid, cuts: &Cuts) -> Vec<[f64; 2]> {
    cuts.merged
        .iter()
        .map(|&(lo, hi)| [grid.edge(lo), grid.edge(hi)])
        .collect()
}

/// The cuts of a file's merged bins.
pub fn cuts_of(grid: &Grid, merged: &[[f64; 2]]) -> Cuts {
    Cuts {
        merged: merged
            .iter()
            .map(|&[lo, hi]| (grid.index_of_edge(lo), grid.index_of_edge(hi)))
            .collect(),
    }
}

fn continuous_aggregate(
    name: &str,
    values: &[f64],
    data: &AnalysisData,
    groups: &Codes,
    present: &[usize],
    options: &AggregateOptions,
    actions: &mut Vec<String>,
) -> Result<ContinuousAggregate> {
    let (k, policy) = (options.min_cell, options.small_cells);
    let mut per_group: Vec<Vec<f64>> = vec![Vec::new(); present.len()];
    let mut missing = vec![0u64; present.len()];
    for (group, &x) in groups.iter().zip(values) {
        let Some(j) = group.and_then(|g| present.iter().position(|&p| p == g as usize)) else {
            continue;
        };
        if x.is_nan() {
            missing[j] += 1;
        } else {
            per_group[j].push(x);
        }
    }
    let mut result = ContinuousAggregate {
        variable: name.to_string(),
        by_group: Vec::new(),
        rank_ties: 0.0,
        histogram: None,
        withheld: None,
        histogram_withheld: None,
    };
    if policy != SmallCells::Keep && per_group.iter().any(|x| is_small(x.len() as u64, k)) {
        let reason = format!("a group has between 1 and {} values", k - 1);
        actions.push(format!("{name} withheld: {reason}."));
        result.withheld = Some(reason);
        return Ok(result);
    }
    let pooled: Vec<f64> = per_group.iter().flatten().copied().collect();
    let (ranks, ties) = midranks(&pooled);
    result.rank_ties = tie_sum(&ties);
    let mut start = 0;
    for (j, &g) in present.iter().enumerate() {
        let m = Moments::of(&per_group[j]);
        let n = per_group[j].len();
        result.by_group.push(ContinuousGroup {
            group: data.group_levels[g].clone(),
            n: m.n,
            missing: missing[j],
            sum: m.sum,
            sum_sq: m.sum_sq,
            rank_sum: ranks[start..start + n].iter().sum(),
        });
        start += n;
    }

    let grid = Grid::new(*options.bin_widths.get(name).unwrap_or(&options.bin_width))?;
    for &v in per_group.iter().flatten() {
        grid.checked_index(v, &format!("the value {} of {name}", grid::short(v)))?;
    }
    let mut bins: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    for (j, x) in per_group.iter().enumerate() {
        for &v in x {
            bins.entry(grid.index(v))
                .or_insert_with(|| vec![0; present.len()])[j] += 1;
        }
    }
    match disclose_bins(&bins, options) {
        Some((cuts, merged)) => {
            if cuts.is_merged() {
                actions.push(format!(
                    "{name}: histogram bins of width {} merged into {} bins.",
                    grid.step,
                    merged.len()
                ));
            }
            result.histogram = Some(Histogram {
                width: grid.step,
                merged_bins: merged_edges(&grid, &cuts),
                bins: merged
                    .into_iter()
                    .map(|(b, counts)| HistogramBin {
                        upper: grid.edge(b),
                        counts,
                    })
                    .collect(),
            });
        }
        None => {
            let reason = small_cell_reason(k, policy);
            actions.push(format!("{name}: histogram withheld: {reason}."));
            result.histogram_withheld = Some(reason);
        }
    }
    Ok(result)
}

/// The observations of the kept groups.
fn kept(data: &SurvivalData, keep: &[bool]) -> Result<(SurvivalData, Vec<usize>)> {
    let rows: Vec<usize> = (0..data.len())
        .filter(|&i| keep[data.group()[i] as usize])
        .collect();
    let filtered = SurvivalData::new(
        rows.iter().map(|&i| data.time()[i]).collect(),
        rows.iter().map(|&i| data.event()[i]).collect(),
        rows.iter().map(|&i| data.group()[i]).collect(),
        data.n_groups(),
    )?;
    Ok((filtered, rows))
}

fn survival_aggregate(
    endpoint: &crate::data::Endpoint,
    data: &AnalysisData,
    withheld_group: &[bool],
    options: &AggregateOptions,
    actions: &mut Vec<String>,
) -> Result<SurvivalAggregate> {
    let name = &endpoint.spec.name;
    let grid = Grid::new(*options.time_steps.get(name).unwrap_or(&options.time_step))?;
    let keep: Vec<bool> = withheld_group.iter().map(|w| !w).collect();
    let (obs, _) = kept(&endpoint.data, &keep)?;
    let sizes = obs.group_sizes();
    let present: Vec<usize> = (0..data.n_groups()).filter(|&g| sizes[g] > 0).collect();

    // strata: the kept observations of each column, with their stratum
    let mut strata_obs = Vec::new();
    for strata in &endpoint.strata {
        let (s_obs, rows) = kept(&strata.data, &keep)?;
        let stratum: Vec<u32> = rows.iter().map(|&i| strata.stratum[i]).collect();
        let mut levels_present: Vec<u32> = stratum.clone();
        levels_present.sort_unstable();
        levels_present.dedup();
        strata_obs.push((strata, s_obs, stratum, levels_present));
    }

    // one cell pair (events, censored) per group, then per stratum × group
    let g_index = |g: u32| present.iter().position(|&p| p == g as usize);
    let mut width = 2 * present.len();
    let mut offsets = Vec::new();
    for (_, _, _, levels) in &strata_obs {
        offsets.push(width);
        width += 2 * present.len() * levels.len();
    }
    // times are sorted: the last is the furthest from 0
    if let Some(&t) = obs.time().last() {
        grid.checked_index(
            t,
            &format!("the time {} of endpoint {name}", grid::short(t)),
        )?;
    }
    let mut bins: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    let add = |bins: &mut BTreeMap<i64, Vec<u64>>, t: f64, event: bool, cell: usize| {
        let row = bins.entry(grid.index(t)).or_insert_with(|| vec![0; width]);
        row[cell + usize::from(!event)] += 1;
    };
    for i in 0..obs.len() {
        if let Some(j) = g_index(obs.group()[i]) {
            add(&mut bins, obs.time()[i], obs.event()[i], 2 * j);
        }
    }
    for (s, (_, s_obs, stratum, levels)) in strata_obs.iter().enumerate() {
        for (i, level) in stratum.iter().enumerate() {
            let (Some(j), Some(l)) = (
                g_index(s_obs.group()[i]),
                levels.iter().position(|x| x == level),
            ) else {
                continue;
            };
            let cell = offsets[s] + 2 * (l * present.len() + j);
            add(&mut bins, s_obs.time()[i], s_obs.event()[i], cell);
        }
    }

    let mut result = SurvivalAggregate {
        endpoint: name.clone(),
        grid: grid.step,
        merged_bins: Vec::new(),
        n_excluded_missing: endpoint.n_excluded_missing as u64,
        by_group: Vec::new(),
        strata: Vec::new(),
        logrank: None,
        withheld: None,
    };
    let Some((cuts, merged)) = disclose_bins(&bins, options) else {
        let reason = small_cell_reason(options.min_cell, options.small_cells);
        actions.push(format!("{name} withheld: {reason}."));
        result.withheld = Some(reason);
        return Ok(result);
    };
    if cuts.is_merged() {
        let mut action = format!(
            "{name}: time bins of {} {} merged into {} bins.",
            grid.step,
            endpoint.spec.time_unit,
            merged.len()
        );
        if merged.len() < COARSE_CURVE_BINS {
            action.push_str(&format!(
                " This centre's patients add to the pooled Kaplan–Meier curve at {} time \
                 points only: with k = {} every bin needs no or at least {} events, and no \
                 or at least {} censorings, in each group. Under a data agreement, small \
                 cells \"keep\" writes the grid of {} {}.",
                merged.len(),
                options.min_cell,
                options.min_cell,
                options.min_cell,
                grid.step,
                endpoint.spec.time_unit
            ));
        }
        actions.push(action);
    }
    result.merged_bins = merged_edges(&grid, &cuts);
    let time_counts = |label: &str, cell: usize| {
        let bins: Vec<TimeBin> = merged
            .iter()
            .filter(|(_, c)| c[cell] + c[cell + 1] > 0)
            .map(|(b, c)| TimeBin {
                time: grid.edge(*b),
                events: c[cell],
                censored: c[cell + 1],
            })
            .collect();
        TimeCounts {
            group: label.to_string(),
            n: bins.iter().map(|b| b.events + b.censored).sum(),
            bins,
        }
    };
    result.by_group = present
        .iter()
        .enumerate()
        .map(|(j, &g)| time_counts(&data.group_levels[g], 2 * j))
        .collect();
    for (s, (strata, _, _, levels)) in strata_obs.iter().enumerate() {
        result.strata.push(StrataCounts {
            column: strata.column.clone(),
            levels: strata.levels.clone(),
            by_level: levels
                .iter()
                .enumerate()
                .map(|(l, &level)| StratumCounts {
                    level: strata.levels[level as usize].clone(),
                    by_group: present
                        .iter()
                        .enumerate()
                        .map(|(j, &g)| {
                            time_counts(
                                &data.group_levels[g],
                                offsets[s] + 2 * (l * present.len() + j),
                            )
                        })
                        .filter(|t| t.n > 0)
                        .collect(),
                })
                .collect(),
        });
    }
    if !obs.is_empty() {
        let test = logrank(&[obs.risk_sets()], 0.0);
        let n = data.n_groups();
        result.logrank = Some(CentreLogRank {
            groups: data.group_levels.clone(),
            observed: test.observed.clone(),
            expected: test.expected.clone(),
            variance: (0..n)
                .map(|i| (0..n).map(|j| test.variance.get(i, j)).collect())
                .collect(),
        });
    }
    Ok(result)
}
