//! Spreadsheets (`.xlsx`, `.xls`, `.xlsb`, `.ods`) with `calamine`, wherever
//! a CSV is accepted. The chosen sheet (by name or 0-based index; default the
//! first) becomes CSV text that the ordinary reader then types, so every
//! rule (missing codes, kinds, messages) is the same as for a CSV. Cells
//! formatted as dates become ISO dates (`2020-03-15`, with the time when it
//! is not midnight), which the date reader recognises; numbers are written
//! in their shortest exact form; line numbers in messages are sheet rows.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Data, Reader};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

use super::{read_table, DecimalMark, ReadOptions, Table};

/// Which sheet of a workbook to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SheetChoice {
    /// 0-based position.
    Index(usize),
    /// Sheet name.
    Name(String),
}

pub use super::is_spreadsheet;

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, h, min, s, _ms) = d.to_ymd_hms_milli();
            if (h, min, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02}T{h:02}:{min:02}:{s:02}")
            }
        }
        Data::DateTime(d) => format!("{}", d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Reads sheet `sheet` of a workbook into a table.
pub fn read_spreadsheet(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&SheetChoice>,
    options: &ReadOptions,
) -> Result<Table> {
    let fail = |m: String| Error::new(ErrorKind::Malformed, m).in_file(file_name);
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| fail(format!("cannot read the spreadsheet: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        None => names.first().cloned(),
        Some(SheetChoice::Index(k)) => names.get(*k).cloned(),
        Some(SheetChoice::Name(n)) => names.iter().find(|s| *s == n).cloned(),
    }
    .ok_or_else(|| {
        fail(format!(
            "no sheet {} in the workbook; its sheets are: {}",
            match sheet {
                Some(SheetChoice::Index(k)) => format!("number {k} (counting from 0)"),
                Some(SheetChoice::Name(n)) => format!("\"{n}\""),
                None => "at all".to_string(),
            },
            names.join(", ")
        ))
    })?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| fail(format!("cannot read sheet \"{name}\": {e}")))?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in range.rows() {
        let fields: Vec<String> = row.iter().map(cell_text).collect();
        writer
            .write_record(&fields)
            .map_err(|e| fail(format!("cannot convert sheet \"{name}\": {e}")))?;
    }
    let text = writer
        .into_inner()
        .map_err(|e| fail(format!("cannot convert sheet \"{name}\": {e}")))?;
    let csv_options = ReadOptions {
        delimiter: Some(','),
        decimal_mark: Some(DecimalMark::Point),
        ..options.clone()
    };
    let mut table = read_table(&text, file_name, &csv_options)?;
    table.dialect.delimiter_detected = false;
    Ok(table)
}
