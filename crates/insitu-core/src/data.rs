//! The checked front door: a [`Table`] and a [`Spec`] become typed analysis
//! data, or an error naming file, line, column and value.
//!
//! After this step nothing can be wrong with the input: group and level codes
//! are in range, continuous values are finite numbers or missing, survival
//! times are finite and not negative, events are true or false. The
//! statistics never check again.
//!
//! Rules (the reference README's): rows with a missing group are excluded
//! from everything and counted; a value not among the spec's `levels` is an
//! error, never dropped; level order is the spec's, else sorted by the UTF-8
//! bytes (R's `sort(method = "radix")`); rows with a missing time or event
//! are excluded from that endpoint only, and counted.

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::ingest::date::{self, DateError, DateFormat, Detected};
use crate::ingest::typed::{Numbers, MISSING};
use crate::ingest::Table;
use crate::spec::{EndpointSpec, EventCodes, Spec, VariableKind, VariableSpec};
use crate::survival::SurvivalData;

/// Where an order of levels came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OrderSource {
    /// Listed in the spec.
    #[serde(rename = "spec")]
    Spec,
    /// Sorted by the bytes of the labels.
    #[serde(rename = "sorted (byte order, C locale)")]
    Sorted,
}

/// A categorical column coded against its levels.
#[derive(Debug, Clone)]
pub struct Categorical {
    /// Level labels in order.
    pub levels: Vec<String>,
    /// Where the order came from.
    pub order_source: OrderSource,
    /// Level index per row; `None` = missing.
    pub codes: Codes,
}

/// A level index per row, or `None` for a missing value: two bytes a row
/// where `Vec<Option<u32>>` takes eight (at 10⁷ rows, 60 MB less for the
/// group and for each categorical variable). A variable has at most
/// [`MAX_LEVELS`] levels ([`check_levels`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Codes(Vec<u16>);

/// The stored code of a missing value, above every level index.
const NO_CODE: u16 = u16::MAX;
/// Levels a group or categorical variable may have, at most.
pub const MAX_LEVELS: usize = NO_CODE as usize - 1;

impl Codes {
    /// The code of row `i`.
    pub fn get(&self, i: usize) -> Option<u32> {
        Some(self.0[i]).filter(|&c| c != NO_CODE).map(u32::from)
    }

    /// Every row's code, in row order.
    pub fn iter(&self) -> impl Iterator<Item = Option<u32>> + Clone + '_ {
        self.0
            .iter()
            .map(|&c| (c != NO_CODE).then_some(u32::from(c)))
    }

    /// Marks row `i` missing.
    pub fn clear(&mut self, i: usize) {
        self.0[i] = NO_CODE;
    }

    /// Takes the last row off; its code.
    pub fn pop(&mut self) -> Option<Option<u32>> {
        self.0.pop().map(|c| (c != NO_CODE).then_some(u32::from(c)))
    }
}

impl FromIterator<Option<u32>> for Codes {
    fn from_iter<I: IntoIterator<Item = Option<u32>>>(codes: I) -> Codes {
        // (no formatted error: in the app's WebAssembly its formatting
        // code alone took 1 KB)
        let code = |c: u32| match u16::try_from(c) {
            Ok(c) if c != NO_CODE => c,
            _ => panic!("a level index above MAX_LEVELS (checked before coding)"),
        };
        Codes(codes.into_iter().map(|c| c.map_or(NO_CODE, code)).collect())
    }
}

/// An error when column `name` has more than [`MAX_LEVELS`] levels: no
/// group or category of a Table 1 has so many (an identifier or free text
/// taken for a category).
fn check_levels(table: &Table, name: &str, n_levels: usize) -> Result<()> {
    if n_levels <= MAX_LEVELS {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Spec,
        format!(
            "column \"{name}\" has {n_levels} levels; a group or categorical variable may have at most {MAX_LEVELS} (is it an identifier or free text?)"
        ),
    )
    .in_file(&table.file_name)
    .in_column(name))
}

/// The data of one Table 1 variable.
#[derive(Debug, Clone)]
pub enum VariableData {
    /// Counts per level.
    Categorical(Categorical),
    /// Numbers; NaN = missing (the table's, shared).
    Continuous(std::sync::Arc<Vec<f64>>),
}

/// One Table 1 variable.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Column name.
    pub name: String,
    /// Label for Table 1.
    pub label: String,
    /// Values.
    pub data: VariableData,
    /// Rows summarised (`where`); `None` = all rows.
    pub rows: Option<Vec<bool>>,
    /// The condition behind `rows`, in words.
    pub subset: Option<String>,
}

/// A stratification column of an endpoint.
#[derive(Debug, Clone)]
pub struct Strata {
    /// Column name.
    pub column: String,
    /// Levels (sorted unless the column is also a spec variable with levels).
    pub levels: Vec<String>,
    /// Data used: the endpoint's rows with a non-missing stratum.
    pub data: SurvivalData,
    /// Stratum index of each observation of `data`, in `data`'s order.
    pub stratum: Vec<u32>,
}

/// One endpoint, ready for survival analysis.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The endpoint as specified.
    pub spec: EndpointSpec,
    /// Rows with group, time and event present.
    pub data: SurvivalData,
    /// Rows excluded because group, time or event is missing.
    pub n_excluded_missing: usize,
    /// File lines of the rows excluded for a missing time or event.
    pub excluded_lines: Vec<u64>,
    /// Stratified log-rank inputs, one per `stratified_logrank` column.
    pub strata: Vec<Strata>,
}

/// Everything the analysis needs, checked.
#[derive(Debug, Clone)]
pub struct AnalysisData {
    /// Data rows in the file.
    pub n_rows: usize,
    /// Group column name.
    pub group_column: String,
    /// Group labels in order; the first is the reference.
    pub group_levels: Vec<String>,
    /// Where the group order came from.
    pub group_order_source: OrderSource,
    /// Group index per row; `None` = missing (row excluded).
    pub group: Codes,
    /// Rows with a missing group.
    pub n_missing_group: usize,
    /// Rows excluded by the spec's `filter` (their group is set to `None`
    /// and they are not counted as missing).
    pub n_filtered: usize,
    /// Table 1 variables in spec order.
    pub variables: Vec<Variable>,
    /// Endpoints in spec order.
    pub endpoints: Vec<Endpoint>,
}

impl AnalysisData {
    /// Checks `table` against `spec` and types every column the spec uses.
    pub fn new(table: &Table, spec: &Spec) -> Result<AnalysisData> {
        if let Some(expected) = spec.n_rows {
            if expected != table.n_rows() {
                return Err(Error::new(
                    ErrorKind::Spec,
                    format!(
                        "the spec says n_rows = {expected} but the file has {} data rows",
                        table.n_rows()
                    ),
                )
                .in_file(&table.file_name));
            }
        }
        #[cfg(feature = "threads")]
        read_columns(table, spec);
        let mut group = categorical(
            table,
            &spec.group.column,
            spec.group.levels.as_deref(),
            None,
        )?;
        let n_missing_group = group.codes.iter().filter(|c| c.is_none()).count();
        let kept = filter_rows(table, &spec.filter)?;
        let mut n_filtered = 0;
        if let Some(kept) = &kept {
            for (i, keep) in kept.iter().enumerate() {
                if !keep && group.codes.get(i).is_some() {
                    group.codes.clear(i);
                    n_filtered += 1;
                }
            }
        }
        let mut non_empty = vec![0usize; group.levels.len()];
        for code in group.codes.iter().flatten() {
            non_empty[code as usize] += 1;
        }
        if non_empty.iter().filter(|&&n| n > 0).count() < 2 {
            let present: Vec<&str> = group
                .levels
                .iter()
                .zip(&non_empty)
                .filter(|(_, &n)| n > 0)
                .map(|(l, _)| l.as_str())
                .collect();
            return Err(Error::new(
                ErrorKind::TooFewGroups,
                format!(
                    "at least two groups with data are needed to compare; found {} ({})",
                    present.len(),
                    if present.is_empty() {
                        "none".to_string()
                    } else {
                        present.join(", ")
                    }
                ),
            )
            .in_file(&table.file_name)
            .in_column(&spec.group.column));
        }

        let codes = spec.options.event_codes.clone().unwrap_or_default();
        let endpoint_of = |e| endpoint(table, spec, e, &group, &codes, kept.as_deref());
        // natively two at a time, the endpoints first (their sorts take
        // longest); an error is the first in spec order, variables before
        // endpoints, as one at a time
        #[cfg(feature = "threads")]
        let (variables, endpoints) = {
            let tasks: Vec<Task> = (spec.endpoints.iter().map(Task::Endpoint))
                .chain(spec.variables.iter().map(Task::Variable))
                .collect();
            let mut done = crate::parallel::map(&tasks, |task| match task {
                Task::Variable(v) => Done::Variable(variable(table, v)),
                Task::Endpoint(e) => Done::Endpoint(endpoint_of(e).map(Box::new)),
            });
            let later = done.split_off(spec.endpoints.len());
            let variables = later
                .into_iter()
                .filter_map(|d| match d {
                    Done::Variable(v) => Some(v),
                    Done::Endpoint(_) => None,
                })
                .collect::<Result<Vec<Variable>>>()?;
            let endpoints = done
                .into_iter()
                .filter_map(|d| match d {
                    Done::Endpoint(e) => Some(e.map(|e| *e)),
                    Done::Variable(_) => None,
                })
                .collect::<Result<Vec<Endpoint>>>()?;
            (variables, endpoints)
        };
        #[cfg(not(feature = "threads"))]
        let (variables, endpoints) = (
            (spec.variables.iter())
                .map(|v| variable(table, v))
                .collect::<Result<Vec<Variable>>>()?,
            (spec.endpoints.iter())
                .map(endpoint_of)
                .collect::<Result<Vec<Endpoint>>>()?,
        );

        Ok(AnalysisData {
            n_rows: table.n_rows(),
            group_column: spec.group.column.clone(),
            group_levels: group.levels,
            group_order_source: group.order_source,
            group: group.codes,
            n_missing_group,
            n_filtered,
            variables,
            endpoints,
        })
    }

    /// Number of groups.
    pub fn n_groups(&self) -> usize {
        self.group_levels.len()
    }

    /// Rows per group (rows with a missing group excluded).
    pub fn group_sizes(&self) -> Vec<usize> {
        let mut n = vec![0; self.n_groups()];
        for g in self.group.iter().flatten() {
            n[g as usize] += 1;
        }
        n
    }
}

/// One piece of [`AnalysisData::new`]'s work.
#[cfg(feature = "threads")]
enum Task<'s> {
    Variable(&'s VariableSpec),
    Endpoint(&'s EndpointSpec),
}

/// A [`Task`] done.
#[cfg(feature = "threads")]
enum Done {
    Variable(Result<Variable>),
    Endpoint(Result<Box<Endpoint>>),
}

/// A Table 1 variable typed as the spec says.
fn variable(table: &Table, v: &VariableSpec) -> Result<Variable> {
    let name = v.data_column();
    let kind = match v.kind {
        Some(kind) => kind,
        None if v.levels.is_some() || v.bin.is_some() || v.merge_levels.is_some() => {
            VariableKind::Categorical
        }
        None => infer_kind(table.numbers_of(name)?),
    };
    let data = match (kind, &v.bin) {
        (_, Some(bin)) => {
            let values = numbers(table, name)?;
            let labels = bin.labels();
            // (every index `bin.index` gives, whatever the labels)
            check_levels(table, name, labels.len().max(bin.breaks.len() + 1))?;
            VariableData::Categorical(Categorical {
                codes: values
                    .iter()
                    .map(|x| (!x.is_nan()).then(|| bin.index(*x) as u32))
                    .collect(),
                levels: labels,
                order_source: OrderSource::Spec,
            })
        }
        (VariableKind::Categorical, None) => VariableData::Categorical(categorical(
            table,
            name,
            v.levels.as_deref(),
            v.merge_levels.as_ref(),
        )?),
        (VariableKind::Continuous, None) => VariableData::Continuous(numbers(table, name)?),
    };
    let rows = match &v.subset {
        None => None,
        Some(condition) => {
            let column = table.column(&condition.column)?;
            Some(column.iter().map(|f| condition.matches(f)).collect())
        }
    };
    Ok(Variable {
        name: v.name.clone(),
        // a row counting a subset says so unless the spec labels it
        label: v.label.clone().unwrap_or_else(|| match &v.subset {
            Some(c) => format!("{} if {}", v.name, c.describe()),
            None => v.name.clone(),
        }),
        data,
        rows,
        subset: v.subset.as_ref().map(|c| c.describe()),
    })
}

/// Reads the columns the spec uses as numbers or as distinct values, two
/// at a time ([`crate::parallel`]; without threads the steps below read
/// them one by one); the table keeps them for the steps below, which then
/// only look them up. (A column the file lacks is left to those steps to
/// report.)
#[cfg(feature = "threads")]
fn read_columns(table: &Table, spec: &Spec) {
    // (column, as numbers?) — categories, groups and events by their values
    let mut wanted: Vec<(&str, bool)> = vec![(spec.group.column.as_str(), false)];
    for v in &spec.variables {
        let numbers = v.bin.is_some()
            || (v.kind != Some(VariableKind::Categorical)
                && v.levels.is_none()
                && v.merge_levels.is_none());
        wanted.push((v.data_column(), numbers));
    }
    for e in &spec.endpoints {
        if e.start_date.is_none() && e.components.is_empty() {
            wanted.push((e.time.as_str(), true));
            wanted.push((e.event.as_str(), false));
        }
    }
    // the columns of numbers first: parsing takes longest
    wanted.sort_by_key(|&(_, numbers)| !numbers);
    crate::parallel::map(&wanted, |&(name, numbers)| {
        // errors (an unknown column) are reported by the steps below
        let _ = if numbers {
            table.numbers_of(name).map(|_| ())
        } else {
            table.distinct_of(name).map(|_| ())
        };
    });
}

/// Numeric when every non-missing value is a number (and there is one).
pub fn infer_kind(column: &Numbers) -> VariableKind {
    if column.is_numeric() {
        VariableKind::Continuous
    } else {
        VariableKind::Categorical
    }
}

/// The rows meeting every condition of the spec's `filter` (`None` when
/// there is no filter).
fn filter_rows(table: &Table, filter: &[crate::spec::Condition]) -> Result<Option<Vec<bool>>> {
    if filter.is_empty() {
        return Ok(None);
    }
    let mut kept = vec![true; table.n_rows()];
    for condition in filter {
        let column = table.column(&condition.column)?;
        for (keep, field) in kept.iter_mut().zip(column.iter()) {
            *keep &= condition.matches(field);
        }
    }
    Ok(Some(kept))
}

/// Codes a column against `levels` (or its sorted distinct values), after
/// mapping the file's values through `merge` (new level → old values).
fn categorical(
    table: &Table,
    name: &str,
    levels: Option<&[String]>,
    merge: Option<&std::collections::BTreeMap<String, Vec<String>>>,
) -> Result<Categorical> {
    let distinct = table.distinct_of(name)?;
    if distinct.capped {
        return categorical_by_cell(table, name, levels, merge);
    }
    // each distinct value mapped once; the rows by their code
    let mapped: Vec<std::borrow::Cow<'_, str>> = distinct
        .values
        .iter()
        .map(|v| map_level(v, merge))
        .collect();
    let (levels, order_source) = match levels {
        Some(levels) => (levels.to_vec(), OrderSource::Spec),
        None => {
            let seen = mapped
                .iter()
                .map(|l| std::borrow::Cow::Borrowed(l.as_ref()));
            (sorted_distinct(seen.collect()), OrderSource::Sorted)
        }
    };
    check_levels(table, name, levels.len())?;
    let level_of: Vec<Option<u32>> = mapped
        .iter()
        .map(|m| levels.iter().position(|l| l == m).map(|k| k as u32))
        .collect();
    let unknown: Vec<bool> = level_of.iter().map(Option::is_none).collect();
    if let Some(i) = distinct.first_row_with(&unknown) {
        return Err(unknown_level(table, i, name, &levels));
    }
    let codes = distinct
        .codes
        .iter()
        .map(|c| (c != MISSING).then(|| level_of[c as usize]).flatten())
        .collect();
    Ok(Categorical {
        levels,
        order_source,
        codes,
    })
}

/// The distinct values in byte order (what a `BTreeSet` gives; one sort
/// instance for both kinds of column).
fn sorted_distinct(mut values: Vec<std::borrow::Cow<'_, str>>) -> Vec<String> {
    values.sort_unstable();
    values.dedup();
    values
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect()
}

/// The merged level, else the field itself (borrowed: no String per cell).
fn map_level<'f>(
    field: &'f str,
    merge: Option<&std::collections::BTreeMap<String, Vec<String>>>,
) -> std::borrow::Cow<'f, str> {
    merge
        .and_then(|m| {
            m.iter()
                .find(|(_, olds)| olds.iter().any(|o| o == field))
                .map(|(new, _)| std::borrow::Cow::Owned(new.clone()))
        })
        .unwrap_or(std::borrow::Cow::Borrowed(field))
}

fn unknown_level(table: &Table, i: usize, name: &str, levels: &[String]) -> Error {
    table.cell_error(
        ErrorKind::UnknownLevel,
        i,
        name,
        format!(
            "is not one of the levels given in the spec ({}); add it to \"levels\" or correct the value",
            levels.join(", ")
        ),
    )
}

/// [`categorical`] cell by cell, for a column with more distinct values
/// than [`crate::ingest::typed`] counts (an identifier or free text used
/// as a category).
fn categorical_by_cell(
    table: &Table,
    name: &str,
    levels: Option<&[String]>,
    merge: Option<&std::collections::BTreeMap<String, Vec<String>>>,
) -> Result<Categorical> {
    let column = table.column(name)?;
    let missing = &table.dialect.missing_codes;
    let (levels, order_source) = match levels {
        Some(levels) => (levels.to_vec(), OrderSource::Spec),
        None => {
            // distinct values in byte order (a set, not a String per cell)
            let seen = column
                .iter()
                .filter(|f| !missing.is_missing(f))
                .map(|f| map_level(f, merge));
            (sorted_distinct(seen.collect()), OrderSource::Sorted)
        }
    };
    check_levels(table, name, levels.len())?;
    // this path is for more than a thousand values: the sorted distinct
    // values are searched by bisection, not one by one (rows × levels
    // comparisons); the spec's levels, in its own order, one by one (to
    // list over a thousand levels in a spec is rare, and a value it lacks
    // stops the coding)
    let sorted = order_source == OrderSource::Sorted;
    let mut codes = Vec::with_capacity(column.len());
    for (i, field) in column.iter().enumerate() {
        if missing.is_missing(field) {
            codes.push(None);
            continue;
        }
        let field = map_level(field, merge);
        let found = if sorted {
            levels.binary_search_by(|l| l.as_str().cmp(&field)).ok()
        } else {
            levels.iter().position(|l| **l == *field)
        };
        match found {
            Some(k) => codes.push(Some(k as u32)),
            None => return Err(unknown_level(table, i, name, &levels)),
        }
    }
    Ok(Categorical {
        levels,
        order_source,
        codes: codes.into_iter().collect(),
    })
}

/// A column as numbers; NaN for missing.
fn numbers(table: &Table, name: &str) -> Result<std::sync::Arc<Vec<f64>>> {
    let typed = table.numbers_of(name)?;
    if let Some(i) = first_bad_number(table, typed, name)? {
        return Err(not_a_number(
            table,
            i,
            name,
            format!(
                "is not a number, but \"{name}\" is used as a number{}",
                number_hint(table.column(name)?.get(i), table.dialect.decimal_mark)
            ),
        ));
    }
    if let (Some(p), Some(c)) = (typed.first_point, typed.first_comma) {
        let later = p.max(c);
        return Err(table.cell_error(
            ErrorKind::NotANumber,
            later,
            name,
            format!(
                "this column mixes decimal points (line {}) and decimal commas (line {}); a point could be a thousands separator, so the values are not guessed. Use one decimal mark.",
                table.line(p),
                table.line(c)
            ),
        ));
    }
    Ok(std::sync::Arc::clone(&typed.values))
}

/// The first row that is not a number (`Ok(Some(row))`), unless an
/// ambiguous `1.040` comes before it (then that error).
fn first_bad_number(table: &Table, typed: &Numbers, name: &str) -> Result<Option<usize>> {
    match (typed.first_ambiguous, typed.first_not_number) {
        (Some(a), n) if n.is_none_or(|n| a < n) => {
            Err(ambiguous_point(table, a, name, table.column(name)?.get(a)))
        }
        (_, n) => Ok(n),
    }
}

fn not_a_number(table: &Table, i: usize, name: &str, message: String) -> Error {
    table.cell_error(ErrorKind::NotANumber, i, name, message)
}

/// The error for `1.040` in a file with decimal commas.
fn ambiguous_point(table: &Table, i: usize, column: &str, field: &str) -> Error {
    table.cell_error(
        ErrorKind::NotANumber,
        i,
        column,
        format!(
            "is ambiguous: the decimal mark of this file is the comma, and a point followed \
             by three digits may be a thousands separator ({}) or a decimal point ({}); write \
             the number without the point, or with a decimal comma",
            field.replace('.', ""),
            field.replacen('.', ",", 1)
        ),
    )
}

fn number_hint(field: &str, mark: crate::ingest::DecimalMark) -> &'static str {
    if mark == crate::ingest::DecimalMark::Point && field.contains(',') {
        " (for decimal commas set \"decimal_mark\": \"comma\" in the spec options)"
    } else {
        " (declare \"kind\": \"categorical\" in the spec if it is a category, or add the code to \"missing_codes\")"
    }
}

/// Days per unit of time for endpoints computed from dates.
fn days_per_unit(unit: &str) -> Option<f64> {
    match unit.to_ascii_lowercase().as_str() {
        "days" | "day" => Some(1.0),
        "weeks" | "week" => Some(7.0),
        "months" | "month" => Some(30.4375),
        "years" | "year" => Some(365.25),
        _ => None,
    }
}

/// A date column read as day numbers (`None` = missing), in the spec's
/// format or the one detected.
fn dates(table: &Table, name: &str, format: Option<DateFormat>) -> Result<Vec<Option<f64>>> {
    let column = table.column(name)?;
    let missing = &table.dialect.missing_codes;
    let present: Vec<&str> = column.iter().filter(|f| !missing.is_missing(f)).collect();
    let format = match format {
        Some(f) => f,
        None => match date::detect(present.iter().copied()) {
            Detected::Format(f) => f,
            Detected::Ambiguous => {
                return Err(Error::new(
                    ErrorKind::BadTime,
                    format!(
                        "the dates in column \"{name}\" read as day-month and as month-day (every day is 12 or less); set \"date_format\": \"dmy\" or \"mdy\" on the endpoint"
                    ),
                )
                .in_file(&table.file_name)
                .in_column(name))
            }
            Detected::Unreadable(_) => DateFormat::Dmy, // the row loop names the value
        },
    };
    let mut out = Vec::with_capacity(column.len());
    for (i, field) in column.iter().enumerate() {
        if missing.is_missing(field) {
            out.push(None);
            continue;
        }
        match date::parse_date(field, format) {
            Ok(day) => out.push(Some(day)),
            Err(DateError::NoSuchDay(why)) => {
                return Err(table.cell_error(
                    ErrorKind::BadTime,
                    i,
                    name,
                    format!("is not a valid date: {why}"),
                ))
            }
            Err(DateError::NotADate) => {
                return Err(table.cell_error(
                    ErrorKind::BadTime,
                    i,
                    name,
                    format!(
                        "is not a date in the column's format ({}); one column must use one format",
                        format.name()
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// The time and event of every row of an endpoint (`None` = missing).
type TimesEvents = (Times, Vec<Option<bool>>);

/// An endpoint's time per row: a time column's numbers as the table holds
/// them (NaN = missing; shared, not copied: at 10⁷ rows, 160 MB less than
/// `Option<f64>`s), or times computed from dates.
enum Times {
    Column(std::sync::Arc<Vec<f64>>),
    Computed(Vec<Option<f64>>),
}

impl Times {
    fn get(&self, i: usize) -> Option<f64> {
        match self {
            Times::Column(times) => Some(times[i]).filter(|t| !t.is_nan()),
            Times::Computed(times) => times[i],
        }
    }
}

fn times_from_column(table: &Table, e: &EndpointSpec, column: &str) -> Result<Times> {
    let typed = table.numbers_of(column)?;
    let parsed = &typed.values[..typed.first_not_number.unwrap_or(typed.values.len())];
    // the first bad row, as a reading row by row would meet it
    let ambiguous = typed.first_ambiguous.filter(|&a| a < parsed.len());
    let negative = parsed.iter().position(|&t| t < 0.0);
    let first = [ambiguous, negative, typed.first_not_number]
        .into_iter()
        .flatten()
        .min();
    match first {
        // no bad row: every row was read (`parsed` is all of them)
        None => Ok(Times::Column(std::sync::Arc::clone(&typed.values))),
        Some(i) if Some(i) == ambiguous => Err(ambiguous_point(
            table,
            i,
            column,
            table.column(column)?.get(i),
        )),
        Some(i) if Some(i) == negative => Err(table.cell_error(
            ErrorKind::BadTime,
            i,
            column,
            format!("survival time of endpoint {} is negative", e.name),
        )),
        Some(i) => Err(not_a_number(
            table,
            i,
            column,
            format!("survival time of endpoint {} is not a number", e.name),
        )),
    }
}

fn events_from_column(
    table: &Table,
    e: &EndpointSpec,
    column: &str,
    codes: &EventCodes,
) -> Result<Vec<Option<bool>>> {
    let distinct = table.distinct_of(column)?;
    let bad = |i: usize| {
        table.cell_error(
            ErrorKind::BadEvent,
            i,
            column,
            format!(
                "event indicator of endpoint {} must be {} (event) or {} (censored). If the file codes events differently (e.g. 2/1 as in R's lung data, or dead/alive), declare the codes in the spec: \"options\": {{\"event_codes\": {{\"event\": [\"2\"], \"censored\": [\"1\"]}}}}",
                e.name,
                codes.event.join("/"),
                codes.censored.join("/")
            ),
        )
    };
    if distinct.capped {
        // more distinct values than counted: certainly a bad one among them
        let missing = &table.dialect.missing_codes;
        let field = table.column(column)?.iter().enumerate();
        let mut out = Vec::with_capacity(table.n_rows());
        for (i, field) in field {
            if missing.is_missing(field) {
                out.push(None);
            } else {
                out.push(Some(event_value(field, codes).ok_or_else(|| bad(i))?));
            }
        }
        return Ok(out);
    }
    let value: Vec<Option<bool>> = distinct
        .values
        .iter()
        .map(|v| event_value(v, codes))
        .collect();
    let unknown: Vec<bool> = value.iter().map(Option::is_none).collect();
    if let Some(i) = distinct.first_row_with(&unknown) {
        return Err(bad(i));
    }
    Ok(distinct
        .codes
        .iter()
        .map(|c| (c != MISSING).then(|| value[c as usize]).flatten())
        .collect())
}

/// Time from `start` to `end` in the endpoint's unit; an end before the
/// start is an error naming the row.
fn elapsed(
    table: &Table,
    e: &EndpointSpec,
    i: usize,
    start: f64,
    end: f64,
    end_column: &str,
    per_unit: f64,
) -> Result<f64> {
    if end < start {
        let start_column = e.start_date.as_deref().unwrap_or("start date");
        return Err(table.cell_error(
            ErrorKind::BadTime,
            i,
            end_column,
            format!(
                "is before the start date (\"{start_column}\") of endpoint {}",
                e.name
            ),
        ));
    }
    Ok((end - start) / per_unit)
}

fn times_and_events(table: &Table, e: &EndpointSpec, codes: &EventCodes) -> Result<TimesEvents> {
    let n = table.n_rows();
    let per_unit = || {
        days_per_unit(&e.time_unit).ok_or_else(|| {
            Error::new(
                ErrorKind::Spec,
                format!(
                    "endpoint {}: time from dates needs \"time_unit\" days, weeks, months or years, not \"{}\"",
                    e.name, e.time_unit
                ),
            )
        })
    };
    let start = match &e.start_date {
        Some(column) => Some(dates(table, column, e.date_format)?),
        None => None,
    };
    if !e.components.is_empty() {
        // composite: the first event that happens; censored at the earliest
        // censoring time (or last follow-up) when none happens
        let mut times = vec![Some(f64::INFINITY); n];
        let mut events = vec![Some(false); n];
        let mut censor = vec![Some(f64::INFINITY); n];
        let per = if start.is_some() { per_unit()? } else { 1.0 };
        for c in &e.components {
            let (t, d): TimesEvents = match (&c.time, &c.event, &c.date, &start) {
                (Some(time), Some(event), _, _) => (
                    times_from_column(table, e, time)?,
                    events_from_column(table, e, event, codes)?,
                ),
                (_, _, Some(date), Some(start)) => {
                    let when = dates(table, date, e.date_format)?;
                    let mut t = Vec::with_capacity(n);
                    for i in 0..n {
                        t.push(match (start[i], when[i]) {
                            (Some(s), Some(w)) => Some(elapsed(table, e, i, s, w, date, per)?),
                            (Some(_), None) => Some(f64::INFINITY), // did not happen
                            (None, _) => None,
                        });
                    }
                    let d = when.iter().map(|w| Some(w.is_some())).collect();
                    (Times::Computed(t), d)
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::Spec,
                        format!(
                            "endpoint {}: component {} has no time or date",
                            e.name, c.name
                        ),
                    ))
                }
            };
            for i in 0..n {
                match (t.get(i), d[i]) {
                    (Some(t), Some(true)) => {
                        if let Some(best) = times[i].as_mut() {
                            *best = best.min(t);
                        }
                        events[i] = events[i].map(|_| true);
                    }
                    (Some(t), Some(false)) => {
                        if let Some(c) = censor[i].as_mut() {
                            *c = c.min(t);
                        }
                    }
                    _ => {
                        times[i] = None;
                        events[i] = None;
                    }
                }
            }
        }
        let followup = match (&e.last_followup_date, &start) {
            (Some(column), Some(start)) => {
                Some((column, dates(table, column, e.date_format)?, start))
            }
            _ => None,
        };
        for i in 0..n {
            if events[i] == Some(false) {
                times[i] = match &followup {
                    Some((column, last, start)) => match (start[i], last[i]) {
                        (Some(s), Some(l)) => Some(elapsed(table, e, i, s, l, column, per)?),
                        _ => None,
                    },
                    None => censor[i].filter(|c| c.is_finite()),
                };
                if times[i].is_none() {
                    events[i] = None;
                }
            }
        }
        return Ok((Times::Computed(times), events));
    }
    let Some(start) = start else {
        return Ok((
            times_from_column(table, e, &e.time)?,
            events_from_column(table, e, &e.event, codes)?,
        ));
    };
    let per = per_unit()?;
    if let Some(end_column) = &e.end_date {
        let end = dates(table, end_column, e.date_format)?;
        let events = events_from_column(table, e, &e.event, codes)?;
        let mut times = Vec::with_capacity(n);
        for i in 0..n {
            times.push(match (start[i], end[i]) {
                (Some(s), Some(t)) => Some(elapsed(table, e, i, s, t, end_column, per)?),
                _ => None,
            });
        }
        return Ok((Times::Computed(times), events));
    }
    // start, event date and last follow-up date
    let (Some(event_column), Some(last_column)) = (&e.event_date, &e.last_followup_date) else {
        return Err(Error::new(
            ErrorKind::Spec,
            format!("endpoint {}: incomplete date columns", e.name),
        ));
    };
    let when = dates(table, event_column, e.date_format)?;
    let last = dates(table, last_column, e.date_format)?;
    let indicator = if e.event.is_empty() {
        None
    } else {
        Some(events_from_column(table, e, &e.event, codes)?)
    };
    let mut times = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    for i in 0..n {
        let happened = match &indicator {
            Some(d) => d[i],
            None => Some(when[i].is_some()),
        };
        let (end, column) = match happened {
            Some(true) => (when[i], event_column),
            Some(false) => (last[i], last_column),
            None => (None, last_column),
        };
        let t = match (start[i], end) {
            (Some(s), Some(t)) => Some(elapsed(table, e, i, s, t, column, per)?),
            _ => None,
        };
        times.push(t);
        events.push(happened.filter(|_| t.is_some()));
    }
    Ok((Times::Computed(times), events))
}

fn endpoint(
    table: &Table,
    spec: &Spec,
    e: &EndpointSpec,
    group: &Categorical,
    codes: &EventCodes,
    filtered: Option<&[bool]>,
) -> Result<Endpoint> {
    let (times, events) = times_and_events(table, e, codes)?;
    // room for every row at once (growing by doubling would take up to
    // twice it); the rows themselves only for a stratified test
    let n = table.n_rows();
    let mut time = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    let mut grp = Vec::with_capacity(n);
    let stratified = e.stratified_logrank.iter().flatten().next().is_some();
    let mut rows = Vec::with_capacity(if stratified { n } else { 0 });
    let mut excluded_lines = Vec::new();
    let mut n_excluded = 0;
    for i in 0..table.n_rows() {
        if filtered.is_some_and(|kept| !kept[i]) {
            continue; // excluded by the spec's filter, counted there
        }
        match (group.codes.get(i), times.get(i), events[i]) {
            (Some(g), Some(t), Some(d)) => {
                time.push(t);
                event.push(d);
                grp.push(g);
                if stratified {
                    rows.push(i);
                }
            }
            (g, t, d) => {
                n_excluded += 1;
                if g.is_some() && (t.is_none() || d.is_none()) {
                    excluded_lines.push(table.line(i));
                }
            }
        }
    }
    // let go of what the sorts below need room for (at 10⁷ rows, 170 MB)
    drop((times, events));
    let mut strata = Vec::new();
    for column in e.stratified_logrank.iter().flatten() {
        let levels = spec
            .variables
            .iter()
            .find(|v| &v.name == column)
            .and_then(|v| v.levels.as_deref());
        let cat = categorical(table, column, levels, None)?;
        // (index into the endpoint's rows, stratum) for rows with a stratum
        let kept: Vec<(usize, u32)> = (0..rows.len())
            .filter_map(|k| cat.codes.get(rows[k]).map(|s| (k, s)))
            .collect();
        let (s_data, order) = SurvivalData::new_with_order(
            kept.iter().map(|&(k, _)| time[k]).collect(),
            kept.iter().map(|&(k, _)| event[k]).collect(),
            kept.iter().map(|&(k, _)| grp[k]).collect(),
            group.levels.len(),
        )?;
        let stratum = order.iter().map(|&j| kept[j].1).collect();
        strata.push(Strata {
            column: column.clone(),
            levels: cat.levels,
            data: s_data,
            stratum,
        });
    }
    drop(rows);
    let data = SurvivalData::new(time, event, grp, group.levels.len())?;
    Ok(Endpoint {
        spec: e.clone(),
        data,
        n_excluded_missing: n_excluded,
        excluded_lines,
        strata,
    })
}

/// `Some(true)` for an event code, `Some(false)` for a censoring code.
fn event_value(field: &str, codes: &EventCodes) -> Option<bool> {
    if codes.event.iter().any(|c| c == field) {
        return Some(true);
    }
    if codes.censored.iter().any(|c| c == field) {
        return Some(false);
    }
    // Numeric codes also match when written differently ("1.0" for "1").
    let x: f64 = field.parse().ok()?;
    let matches = |list: &[String]| list.iter().any(|c| c.parse::<f64>().is_ok_and(|v| v == x));
    if matches(&codes.event) {
        Some(true)
    } else if matches(&codes.censored) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_table, ReadOptions};

    #[test]
    fn codes_read_back() {
        let given = [Some(0), None, Some(65_533), Some(3)];
        let mut codes: Codes = given.into_iter().collect();
        assert!(codes.iter().eq(given));
        codes.clear(2);
        assert_eq!(codes.get(2), None);
        assert_eq!(codes.get(3), Some(3));
        assert_eq!(codes.pop(), Some(Some(3)));
        assert_eq!(codes.pop(), Some(None));
        assert_eq!(codes.iter().count(), 2);
    }

    /// A column of more distinct values than the first look counts is
    /// coded cell by cell: by the sorted distinct values, or by the spec's
    /// levels in the spec's order, a value outside them an error naming
    /// its line.
    #[test]
    fn many_levels_are_coded_cell_by_cell() {
        let n = crate::ingest::typed::DISTINCT_LIMIT + 500;
        let mut text = String::from("id\n");
        for k in 0..n {
            text.push_str(&format!("p{:05}\n", (k * 7) % n));
        }
        text.push_str("NA\n");
        let table = read_table(text.as_bytes(), "ids.csv", &ReadOptions::default()).unwrap();
        assert!(table.distinct_of("id").unwrap().capped);
        let sorted = categorical(&table, "id", None, None).unwrap();
        assert_eq!(sorted.levels.len(), n);
        assert!(sorted.levels.windows(2).all(|w| w[0] < w[1]));
        let reversed: Vec<String> = sorted.levels.iter().rev().cloned().collect();
        let by_spec = categorical(&table, "id", Some(&reversed), None).unwrap();
        for (row, (a, b)) in sorted.codes.iter().zip(by_spec.codes.iter()).enumerate() {
            match (a, b) {
                (Some(a), Some(b)) => {
                    assert_eq!(sorted.levels[a as usize], format!("p{:05}", (row * 7) % n));
                    assert_eq!(b as usize, n - 1 - a as usize);
                }
                (None, None) => assert_eq!(row, n),
                other => panic!("row {row}: {other:?}"),
            }
        }
        let e = categorical(&table, "id", Some(&reversed[1..]), None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownLevel);
        let first = (0..n).find(|&k| (k * 7) % n == n - 1).unwrap();
        assert_eq!(e.location().line, Some(first as u64 + 2), "{e}");
    }

    /// A column of more distinct values than a category may have (an
    /// identifier) is an error naming it, not codes that wrap around.
    #[test]
    fn too_many_levels_is_an_error() {
        let mut text = String::from("id\n");
        for k in 0..MAX_LEVELS + 2 {
            text.push_str(&format!("p{k}\n"));
        }
        let table = read_table(text.as_bytes(), "ids.csv", &ReadOptions::default()).unwrap();
        let e = categorical(&table, "id", None, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Spec);
        assert!(e.to_string().contains("has 65536 levels"), "{e}");
        assert_eq!(e.location().column.as_deref(), Some("id"));
        // one value fewer is coded
        let text: String = text
            .lines()
            .take(MAX_LEVELS + 1)
            .collect::<Vec<_>>()
            .join("\n");
        let table = read_table(text.as_bytes(), "ids.csv", &ReadOptions::default()).unwrap();
        let c = categorical(&table, "id", None, None).unwrap();
        assert_eq!(c.levels.len(), MAX_LEVELS);
        assert_eq!(
            c.codes.get(0),
            Some(u32::try_from(c.levels.binary_search(&"p0".to_string()).unwrap()).unwrap())
        );
    }
}
