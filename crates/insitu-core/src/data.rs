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
use crate::ingest::value::{parse_number, MarkUsed};
use crate::ingest::{Table, TextColumn};
use crate::spec::{EndpointSpec, EventCodes, Spec, VariableKind};
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
    pub codes: Vec<Option<u32>>,
}

/// The data of one Table 1 variable.
#[derive(Debug, Clone)]
pub enum VariableData {
    /// Counts per level.
    Categorical(Categorical),
    /// Numbers; NaN = missing.
    Continuous(Vec<f64>),
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
    pub group: Vec<Option<u32>>,
    /// Rows with a missing group.
    pub n_missing_group: usize,
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
        let group = categorical(table, &spec.group.column, spec.group.levels.as_deref())?;
        let n_missing_group = group.codes.iter().filter(|c| c.is_none()).count();
        let mut non_empty = vec![0usize; group.levels.len()];
        for code in group.codes.iter().flatten() {
            non_empty[*code as usize] += 1;
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

        let mut variables = Vec::with_capacity(spec.variables.len());
        for v in &spec.variables {
            let column = table.column(&v.name)?;
            let kind = match v.kind {
                Some(kind) => kind,
                None if v.levels.is_some() => VariableKind::Categorical,
                None => infer_kind(table, column),
            };
            let data = match kind {
                VariableKind::Categorical => {
                    VariableData::Categorical(categorical(table, &v.name, v.levels.as_deref())?)
                }
                VariableKind::Continuous => VariableData::Continuous(numbers(table, &v.name)?),
            };
            variables.push(Variable {
                name: v.name.clone(),
                label: v.label.clone().unwrap_or_else(|| v.name.clone()),
                data,
            });
        }

        let codes = spec.options.event_codes.clone().unwrap_or_default();
        let mut endpoints = Vec::with_capacity(spec.endpoints.len());
        for e in &spec.endpoints {
            endpoints.push(endpoint(table, spec, e, &group, &codes)?);
        }

        Ok(AnalysisData {
            n_rows: table.n_rows(),
            group_column: spec.group.column.clone(),
            group_levels: group.levels,
            group_order_source: group.order_source,
            group: group.codes,
            n_missing_group,
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
            n[*g as usize] += 1;
        }
        n
    }
}

/// Numeric when every non-missing value is a number (and there is one).
pub fn infer_kind(table: &Table, column: &TextColumn) -> VariableKind {
    let missing = &table.dialect.missing_codes;
    let mark = table.dialect.decimal_mark;
    let mut any = false;
    for field in column.iter() {
        if missing.is_missing(field) {
            continue;
        }
        if parse_number(field, mark).is_none() {
            return VariableKind::Categorical;
        }
        any = true;
    }
    if any {
        VariableKind::Continuous
    } else {
        VariableKind::Categorical
    }
}

/// Codes a column against `levels` (or its sorted distinct values).
fn categorical(table: &Table, name: &str, levels: Option<&[String]>) -> Result<Categorical> {
    let column = table.column(name)?;
    let missing = &table.dialect.missing_codes;
    let (levels, order_source) = match levels {
        Some(levels) => (levels.to_vec(), OrderSource::Spec),
        None => {
            let mut seen: Vec<&str> = column.iter().filter(|f| !missing.is_missing(f)).collect();
            seen.sort_unstable();
            seen.dedup();
            (
                seen.into_iter().map(str::to_string).collect(),
                OrderSource::Sorted,
            )
        }
    };
    let mut codes = Vec::with_capacity(column.len());
    for (i, field) in column.iter().enumerate() {
        if missing.is_missing(field) {
            codes.push(None);
            continue;
        }
        match levels.iter().position(|l| l == field) {
            Some(k) => codes.push(Some(k as u32)),
            None => {
                return Err(table.cell_error(
                    ErrorKind::UnknownLevel,
                    i,
                    name,
                    format!(
                        "is not one of the levels given in the spec ({}); add it to \"levels\" or correct the value",
                        levels.join(", ")
                    ),
                ))
            }
        }
    }
    Ok(Categorical {
        levels,
        order_source,
        codes,
    })
}

/// Parses a column as numbers; NaN for missing.
fn numbers(table: &Table, name: &str) -> Result<Vec<f64>> {
    let column = table.column(name)?;
    let missing = &table.dialect.missing_codes;
    let mark = table.dialect.decimal_mark;
    let mut values = Vec::with_capacity(column.len());
    let mut first_point: Option<usize> = None;
    let mut first_comma: Option<usize> = None;
    for (i, field) in column.iter().enumerate() {
        if missing.is_missing(field) {
            values.push(f64::NAN);
            continue;
        }
        match parse_number(field, mark) {
            Some((x, used)) => {
                match used {
                    MarkUsed::Point => first_point = first_point.or(Some(i)),
                    MarkUsed::Comma => first_comma = first_comma.or(Some(i)),
                    MarkUsed::None => {}
                }
                values.push(x);
            }
            None => {
                return Err(table.cell_error(
                    ErrorKind::NotANumber,
                    i,
                    name,
                    format!(
                        "is not a number, but \"{name}\" is used as a number{}",
                        number_hint(field, mark)
                    ),
                ))
            }
        }
    }
    if let (Some(p), Some(c)) = (first_point, first_comma) {
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
    Ok(values)
}

fn number_hint(field: &str, mark: crate::ingest::DecimalMark) -> &'static str {
    if mark == crate::ingest::DecimalMark::Point && field.contains(',') {
        " (for decimal commas set \"decimal_mark\": \"comma\" in the spec options)"
    } else {
        " (declare \"kind\": \"categorical\" in the spec if it is a category, or add the code to \"missing_codes\")"
    }
}

fn endpoint(
    table: &Table,
    spec: &Spec,
    e: &EndpointSpec,
    group: &Categorical,
    codes: &EventCodes,
) -> Result<Endpoint> {
    let time_column = table.column(&e.time)?;
    let event_column = table.column(&e.event)?;
    let missing = &table.dialect.missing_codes;
    let mark = table.dialect.decimal_mark;
    let mut time = Vec::new();
    let mut event = Vec::new();
    let mut grp = Vec::new();
    let mut rows = Vec::new();
    let mut excluded_lines = Vec::new();
    let mut n_excluded = 0;
    for i in 0..table.n_rows() {
        let t_field = time_column.get(i);
        let e_field = event_column.get(i);
        let t = if missing.is_missing(t_field) {
            None
        } else {
            match parse_number(t_field, mark) {
                Some((t, _)) if t >= 0.0 => Some(t),
                Some(_) => {
                    return Err(table.cell_error(
                        ErrorKind::BadTime,
                        i,
                        &e.time,
                        format!("survival time of endpoint {} is negative", e.name),
                    ))
                }
                None => {
                    return Err(table.cell_error(
                        ErrorKind::NotANumber,
                        i,
                        &e.time,
                        format!("survival time of endpoint {} is not a number", e.name),
                    ))
                }
            }
        };
        let d = if missing.is_missing(e_field) {
            None
        } else {
            Some(event_value(e_field, codes).ok_or_else(|| {
                table.cell_error(
                    ErrorKind::BadEvent,
                    i,
                    &e.event,
                    format!(
                        "event indicator of endpoint {} must be {} (event) or {} (censored). If the file codes events differently (e.g. 2/1 as in R's lung data, or dead/alive), declare the codes in the spec: \"options\": {{\"event_codes\": {{\"event\": [\"2\"], \"censored\": [\"1\"]}}}}",
                        e.name,
                        codes.event.join("/"),
                        codes.censored.join("/")
                    ),
                )
            })?)
        };
        match (group.codes[i], t, d) {
            (Some(g), Some(t), Some(d)) => {
                time.push(t);
                event.push(d);
                grp.push(g);
                rows.push(i);
            }
            (g, t, d) => {
                n_excluded += 1;
                if g.is_some() && (t.is_none() || d.is_none()) {
                    excluded_lines.push(table.line(i));
                }
            }
        }
    }
    let mut strata = Vec::new();
    for column in e.stratified_logrank.iter().flatten() {
        let levels = spec
            .variables
            .iter()
            .find(|v| &v.name == column)
            .and_then(|v| v.levels.as_deref());
        let cat = categorical(table, column, levels)?;
        // (index into the endpoint's rows, stratum) for rows with a stratum
        let kept: Vec<(usize, u32)> = (0..rows.len())
            .filter_map(|k| cat.codes[rows[k]].map(|s| (k, s)))
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
