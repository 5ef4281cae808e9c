//! Table 1 as a Word document (`.docx`, with `docx-rs`): a real Word table
//! in the journal style (rules above and below the header and under the
//! last row, no vertical lines), the caption above and the footnotes below.
//! Behind the `office` feature, so the browser bundle need not carry it.

use docx_rs::{
    AlignmentType, BorderType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableCellBorder,
    TableCellBorderPosition, TableCellBorders, TableRow, VertAlignType, WidthType,
};

use crate::table1::{RowKind, Table1};

/// Font size in half-points (10 pt), footnotes 8 pt.
const SIZE: usize = 20;
const FOOTNOTE_SIZE: usize = 16;

fn run(text: &str) -> Run {
    Run::new()
        .add_text(text)
        .size(SIZE)
        .fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
}

fn rule(position: TableCellBorderPosition, eighths_of_a_point: usize) -> TableCellBorder {
    TableCellBorder::new(position)
        .border_type(BorderType::Single)
        .size(eighths_of_a_point)
        .color("000000")
}

fn cell(paragraph: Paragraph, top: Option<usize>, bottom: Option<usize>) -> TableCell {
    let mut borders = TableCellBorders::with_empty();
    if let Some(size) = top {
        borders = borders.set(rule(TableCellBorderPosition::Top, size));
    }
    if let Some(size) = bottom {
        borders = borders.set(rule(TableCellBorderPosition::Bottom, size));
    }
    TableCell::new()
        .add_paragraph(paragraph)
        .set_borders(borders)
}

/// The `.docx` bytes of Table 1.
pub fn table1_docx(table: &Table1) -> Result<Vec<u8>, String> {
    let columns = table.columns.len();
    let mut rows = Vec::with_capacity(table.rows.len() + 1);
    rows.push(TableRow::new(
        table
            .columns
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let align = if k == 0 {
                    AlignmentType::Left
                } else {
                    AlignmentType::Center
                };
                cell(
                    Paragraph::new().add_run(run(c).bold()).align(align),
                    Some(12),
                    Some(6),
                )
            })
            .collect(),
    ));
    for (r, row) in table.rows.iter().enumerate() {
        let last = (r + 1 == table.rows.len()).then_some(12);
        let indent = match row.kind {
            RowKind::Variable => None,
            RowKind::Level => Some(284), // 0.5 cm in twentieths of a point
        };
        let mut cells = vec![cell(
            Paragraph::new()
                .add_run(run(&row.label))
                .indent(indent, None, None, None),
            None,
            last,
        )];
        for value in &row.cells {
            cells.push(cell(
                Paragraph::new()
                    .add_run(run(value))
                    .align(AlignmentType::Center),
                None,
                last,
            ));
        }
        let mut p = Paragraph::new()
            .add_run(run(&row.p))
            .align(AlignmentType::Center);
        if !row.marker.is_empty() {
            let mut marker = run(&row.marker);
            marker.run_property = marker.run_property.vert_align(VertAlignType::SuperScript);
            p = p.add_run(marker);
        }
        cells.push(cell(p, None, last));
        rows.push(TableRow::new(cells));
    }
    // widths: the label column wider than the value columns (twips)
    let label_width = 4200;
    let other = 1500;
    let grid = std::iter::once(label_width)
        .chain(std::iter::repeat_n(other, columns - 1))
        .collect();
    let word_table = Table::without_borders(rows)
        .set_grid(grid)
        .width(label_width + other * (columns - 1), WidthType::Dxa);

    let mut doc = Docx::new()
        .default_fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
        .default_size(SIZE)
        .add_paragraph(Paragraph::new().add_run(run(&table.caption).bold()))
        .add_table(word_table);
    for f in &table.footnotes {
        doc = doc.add_paragraph(Paragraph::new().add_run(run(f).size(FOOTNOTE_SIZE)));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.pack(&mut out)
        .map_err(|e| format!("cannot write the .docx: {e}"))?;
    Ok(out.into_inner())
}
