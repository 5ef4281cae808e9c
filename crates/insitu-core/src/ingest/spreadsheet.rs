//! Spreadsheets (`.xlsx`, `.xls`, `.xlsb`, `.ods`) with `calamine`, wherever
//! a CSV is accepted. The chosen sheet (by name or 0-based index; default the
//! first) becomes CSV text that the ordinary reader then types, so every
//! rule (missing codes, kinds, messages) is the same as for a CSV. Cells
//! formatted as dates become ISO dates (`2020-03-15`, with the time when it
//! is not midnight), which the date reader recognises; numbers are written
//! in their shortest exact form; line numbers in messages are sheet rows.

use std::io::Cursor;

use calamine::{open_workbook_auto_from_rs, Cell, Data, Range, Reader, Sheets};

use crate::error::{Error, ErrorKind, Result};

use super::{read_table, DecimalMark, ReadOptions, SheetName, Table};

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

/// The most cells (rows × columns, from the first filled cell to the
/// farthest) a sheet may span: 50 million, e.g. Excel's 1,048,576 rows ×
/// 47 columns. calamine makes a dense grid of that size (32 bytes a cell),
/// so one stray cell at XFD1048576 would ask for 1.7·10¹⁰ cells and abort
/// the process; the sheet is refused with a message instead.
pub const MAX_SHEET_CELLS: u64 = 50_000_000;

/// Reads one sheet into calamine's dense range. `.xlsx` and `.xlsb` sheets
/// are streamed cell by cell first, so that their extent is checked
/// against [`MAX_SHEET_CELLS`] before the grid is allocated; `.xls` sheets
/// cannot be larger than 65,536 × 256 cells by their format, and `.ods`
/// sheets are read by calamine directly.
fn read_sheet(
    book: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
    file_name: &str,
) -> Result<Range<Data>> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::new(
            ErrorKind::Malformed,
            format!("cannot read sheet \"{name}\": {e}"),
        )
        .in_file(file_name)
    };
    let mut cells = Vec::new();
    match book {
        Sheets::Xlsx(xlsx) => {
            let mut reader = xlsx.worksheet_cells_reader(name).map_err(|e| fail(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| fail(&e))? {
                push_cell(
                    &mut cells,
                    cell.get_position(),
                    cell.get_value().clone().into(),
                );
            }
        }
        Sheets::Xlsb(xlsb) => {
            let mut reader = xlsb.worksheet_cells_reader(name).map_err(|e| fail(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| fail(&e))? {
                push_cell(
                    &mut cells,
                    cell.get_position(),
                    cell.get_value().clone().into(),
                );
            }
        }
        _ => return book.worksheet_range(name).map_err(|e| fail(&e)),
    }
    check_extent(&cells, name).map_err(|e| e.in_file(file_name))?;
    Ok(Range::from_sparse(cells))
}

fn push_cell(cells: &mut Vec<Cell<Data>>, position: (u32, u32), value: Data) {
    if value != Data::Empty {
        cells.push(Cell::new(position, value));
    }
}

/// An error naming the farthest cell when the cells span more than
/// [`MAX_SHEET_CELLS`].
fn check_extent(cells: &[Cell<Data>], sheet: &str) -> Result<()> {
    let Some(first) = cells.first() else {
        return Ok(());
    };
    let (mut top, mut left) = first.get_position();
    let (mut bottom, mut right) = (top, left);
    let mut farthest = first;
    for cell in cells {
        let (row, column) = cell.get_position();
        top = top.min(row);
        left = left.min(column);
        if row > bottom || column > right {
            farthest = cell;
        }
        bottom = bottom.max(row);
        right = right.max(column);
    }
    let span = (u64::from(bottom - top) + 1) * (u64::from(right - left) + 1);
    if span <= MAX_SHEET_CELLS {
        return Ok(());
    }
    let (row, column) = farthest.get_position();
    let value: String = cell_text(farthest.get_value()).chars().take(40).collect();
    Err(Error::new(
        ErrorKind::Malformed,
        format!(
            "sheet \"{sheet}\" spans {}:{} ({span} cells), more than the \
             {MAX_SHEET_CELLS} cells Insitu reads from a sheet; cell {} holds \"{value}\". \
             Delete the cells beyond the data, or save the sheet as CSV",
            cell_name(top, left),
            cell_name(bottom, right),
            cell_name(row, column),
        ),
    )
    .at_line(u64::from(row) + 1)
    .in_column(cell_name(row, column))
    .with_value(value))
}

/// A1-style name of a 0-based (row, column) position.
fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut c = u64::from(column) + 1;
    while c > 0 {
        let digit = ((c - 1) % 26) as u8;
        letters.push(char::from(b'A' + digit));
        c = (c - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

/// Reads sheet `sheet` of a workbook into a table.
pub fn read_spreadsheet(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&SheetName>,
    options: &ReadOptions,
) -> Result<Table> {
    let fail = |m: String| Error::new(ErrorKind::Malformed, m).in_file(file_name);
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| fail(format!("cannot read the spreadsheet: {e}")))?;
    let names = book.sheet_names();
    let name = match sheet {
        None => names.first().cloned(),
        Some(SheetName::Index(k)) => names.get(*k).cloned(),
        Some(SheetName::Name(n)) => names.iter().find(|s| *s == n).cloned(),
    }
    .ok_or_else(|| {
        fail(format!(
            "no sheet {} in the workbook; its sheets are: {}",
            match sheet {
                Some(SheetName::Index(k)) => format!("number {k} (counting from 0)"),
                Some(SheetName::Name(n)) => format!("\"{n}\""),
                None => "at all".to_string(),
            },
            names.join(", ")
        ))
    })?;
    let range = read_sheet(&mut book, &name, file_name)?;
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
