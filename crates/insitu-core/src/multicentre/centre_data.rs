//! The checked data of one centre, which may treat one group only.
//!
//! [`AnalysisData::new`] is the front door, and it refuses a file with
//! fewer than two groups — right for a comparison, wrong for a centre that
//! treats one arm only (in the reference study the centre decided the
//! schedule). The typing rules must stay exactly those of the front door,
//! so the front door is still used: the table is passed once more with one
//! *phantom* row appended — a copy of a real row of the file, in another
//! group — and that row is taken out of the typed data again. A copy of a
//! real row passes the same filter, has the same kinds of values and adds no
//! level, date format or decimal mark, so nothing else changes; line numbers
//! in error messages are those of the original file.
//!
//! This goes once `data.rs` offers a constructor that accepts one group.

use crate::data::{AnalysisData, VariableData};
use crate::error::{Error, ErrorKind, Result};
use crate::ingest::{read_table, ReadOptions, Table};
use crate::spec::Spec;
use crate::survival::SurvivalData;

/// A group label that sorts after every other (U+10FFFF is the last code
/// point, and UTF-8 preserves code point order).
const PHANTOM_GROUP: &str = "\u{10FFFF}insitu-phantom";

/// The centre's data, with one group allowed.
pub fn centre_data(table: &Table, spec: &Spec) -> Result<AnalysisData> {
    match AnalysisData::new(table, spec) {
        Err(refusal) if refusal.kind() == ErrorKind::TooFewGroups => {
            with_phantom(table, spec).unwrap_or(Err(refusal))
        }
        other => other,
    }
}

/// `None` when there is no row to copy (no group at all): the refusal
/// stands.
fn with_phantom(table: &Table, spec: &Spec) -> Option<Result<AnalysisData>> {
    let n = table.n_rows();
    let group_column = table.column(&spec.group.column).ok()?;
    let missing = &table.dialect.missing_codes;
    let passes_filter = |i: usize| {
        spec.filter.iter().all(|c| {
            table
                .column(&c.column)
                .is_ok_and(|column| c.matches(column.get(i)))
        })
    };
    let source = (0..n).find(|&i| !missing.is_missing(group_column.get(i)) && passes_filter(i))?;
    let present = group_column.get(source);
    let phantom = match &spec.group.levels {
        Some(levels) => levels.iter().find(|l| l.as_str() != present)?.clone(),
        None => PHANTOM_GROUP.to_string(),
    };

    let mut text = String::new();
    let delimiter = table.dialect.delimiter;
    record(
        &mut text,
        table.headers.iter().map(String::as_str),
        delimiter,
    );
    for i in 0..n {
        record(
            &mut text,
            table.columns().iter().map(|c| c.get(i)),
            delimiter,
        );
    }
    record(
        &mut text,
        table.headers.iter().zip(table.columns()).map(|(h, c)| {
            if *h == spec.group.column {
                phantom.as_str()
            } else {
                c.get(source)
            }
        }),
        delimiter,
    );
    let options = ReadOptions {
        delimiter: Some(delimiter),
        decimal_mark: Some(table.dialect.decimal_mark),
        missing_codes: table.dialect.missing_codes.extra.clone(),
        ..ReadOptions::default()
    };
    let rebuilt = match read_table(text.as_bytes(), &table.file_name, &options) {
        Ok(t) if t.n_rows() == n + 1 => t,
        _ => return None,
    };
    let original_line = |line: u64| {
        (0..n)
            .find(|&i| rebuilt.line(i) == line)
            .map_or(line, |i| table.line(i))
    };
    let mut data = match AnalysisData::new(&rebuilt, spec) {
        Ok(data) => data,
        Err(e) => {
            let line = e.location().line;
            return Some(Err(match line {
                Some(line) => e.at_line(original_line(line)),
                None => e,
            }));
        }
    };
    Some(remove_phantom(&mut data, &phantom, spec, original_line).map(|()| data))
}

/// Appends one CSV record, every field quoted.
fn record<'a>(text: &mut String, fields: impl Iterator<Item = &'a str>, delimiter: char) {
    for (k, field) in fields.enumerate() {
        if k > 0 {
            text.push(delimiter);
        }
        text.push('"');
        text.push_str(&field.replace('"', "\"\""));
        text.push('"');
    }
    text.push('\n');
}

fn remove_phantom(
    data: &mut AnalysisData,
    phantom: &str,
    spec: &Spec,
    original_line: impl Fn(u64) -> u64,
) -> Result<()> {
    let broken = || {
        Error::new(
            ErrorKind::Computation,
            "typing a one-group centre failed (phantom row not where expected)",
        )
    };
    let p = data
        .group_levels
        .iter()
        .position(|l| l == phantom)
        .ok_or_else(broken)?;
    if data.group.pop() != Some(Some(p as u32)) {
        return Err(broken());
    }
    data.n_rows -= 1;
    let invented = spec.group.levels.is_none();
    if invented {
        if p + 1 != data.group_levels.len() {
            return Err(broken());
        }
        data.group_levels.pop();
    }
    let n_groups = data.group_levels.len();
    for v in &mut data.variables {
        match &mut v.data {
            VariableData::Categorical(c) => {
                c.codes.pop();
            }
            VariableData::Continuous(x) => {
                *x = std::sync::Arc::new(x[..x.len().saturating_sub(1)].to_vec());
            }
        }
        if let Some(rows) = &mut v.rows {
            rows.pop();
        }
    }
    for e in &mut data.endpoints {
        let (without, kept) = without_group(&e.data, p as u32, n_groups)?;
        if kept.len() == e.data.len() {
            // the phantom had no time or event: it was counted as excluded
            e.n_excluded_missing -= 1;
            e.excluded_lines.pop();
        }
        e.data = without;
        for line in &mut e.excluded_lines {
            *line = original_line(*line);
        }
        for s in &mut e.strata {
            let (without, kept) = without_group(&s.data, p as u32, n_groups)?;
            s.stratum = kept.iter().map(|&i| s.stratum[i]).collect();
            s.data = without;
        }
    }
    Ok(())
}

/// The observations not in group `p` (indices kept, in order).
fn without_group(
    data: &SurvivalData,
    p: u32,
    n_groups: usize,
) -> Result<(SurvivalData, Vec<usize>)> {
    let kept: Vec<usize> = (0..data.len()).filter(|&i| data.group()[i] != p).collect();
    let without = SurvivalData::new(
        kept.iter().map(|&i| data.time()[i]).collect(),
        kept.iter().map(|&i| data.event()[i]).collect(),
        kept.iter().map(|&i| data.group()[i]).collect(),
        n_groups,
    )?;
    Ok((without, kept))
}
