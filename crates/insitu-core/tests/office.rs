//! Office formats: Table 1 as a Word document (the XML inside is checked
//! cell by cell) and a spreadsheet copy of a reference data set, with dates
//! in date-formatted cells, giving exactly the CSV's results.
#![cfg(feature = "office")]

mod common;

use std::io::{Read, Write};

use insitu_core::demo::demo_report;
use insitu_core::ingest::date::{civil_from_days, days_from_civil};
use insitu_core::render::table1_docx;
use insitu_core::{analyze, Spec};

/// The text of each `<w:tc>` cell of the document, row by row.
fn docx_cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let text_of = |fragment: &str| -> String {
        let mut out = String::new();
        let mut rest = fragment;
        // a <w:t> or <w:t xml:space=...> element (not <w:tc>, <w:top>, ...)
        while let Some(start) = [rest.find("<w:t>"), rest.find("<w:t ")]
            .into_iter()
            .flatten()
            .min()
        {
            let after = &rest[start..];
            let open_end = after.find('>').unwrap() + 1;
            if after[..open_end].ends_with("/>") {
                rest = &after[open_end..];
                continue;
            }
            let close = after.find("</w:t>").unwrap();
            out.push_str(&after[open_end..close]);
            rest = &after[close..];
        }
        out.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
    };
    let table = &xml[..xml.find("</w:tbl>").unwrap()];
    table
        .split("<w:tr>")
        .skip(1)
        .map(|row| row.split("<w:tc>").skip(1).map(text_of).collect())
        .collect()
}

#[test]
fn the_paper_table1_as_a_word_table() {
    let report = demo_report().unwrap();
    let bytes = table1_docx(&report.table1).unwrap();
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    let cells = docx_cells(&bytes);
    assert_eq!(cells[0], ["", "LFA (n = 96)", "M1 (n = 164)", "P"]);
    assert_eq!(cells.len(), report.table1.rows.len() + 1);
    for (docx_row, row) in cells[1..].iter().zip(&report.table1.rows) {
        let mut expected = vec![row.label.clone()];
        expected.extend(row.cells.iter().cloned());
        expected.push(format!("{}{}", row.p, row.marker));
        assert_eq!(docx_row, &expected);
    }
    assert_eq!(
        cells[2],
        ["Sex ratio (M : F)", "67 : 29", "116 : 48", "0.873*"]
    );
    assert_eq!(
        cells[29],
        [
            "Total duration of hospital stay if scheme completed (days), mean (s.d.)",
            "19.2 (8.2)",
            "18.2 (11.8)",
            "0.045†"
        ]
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(xml.contains("Table 1 Baseline and treatment characteristics"));
    assert!(xml.contains("Pearson χ² test without continuity correction"));
    assert!(xml.contains("w:vertAlign w:val=\"superscript\""));
}

/// A minimal .xlsx: shared nothing, inline strings, numbers, and dates as
/// serial numbers in cells with Excel's date format 14.
fn xlsx(rows: &[Vec<Cell>]) -> Vec<u8> {
    xlsx_with_rows_after(rows, "")
}

/// [`xlsx`] with raw `<row>` XML after the rows.
fn xlsx_with_rows_after(rows: &[Vec<Cell>], after: &str) -> Vec<u8> {
    let column = |k: usize| -> String {
        let mut k = k + 1;
        let mut name = String::new();
        while k > 0 {
            name.insert(0, (b'A' + ((k - 1) % 26) as u8) as char);
            k = (k - 1) / 26;
        }
        name
    };
    let mut sheet = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", column(c), r + 1);
            match cell {
                Cell::Text(t) => sheet.push_str(&format!(
                    "<c r=\"{at}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    t.replace('&', "&amp;").replace('<', "&lt;")
                )),
                Cell::Number(x) => sheet.push_str(&format!("<c r=\"{at}\"><v>{x}</v></c>")),
                Cell::Date(serial) => {
                    sheet.push_str(&format!("<c r=\"{at}\" s=\"1\"><v>{serial}</v></c>"))
                }
                Cell::Empty => {}
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str(after);
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/></Types>".to_string()),
        ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".to_string()),
        ("xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Patients\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>".to_string()),
        ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>".to_string()),
        ("xl/styles.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>".to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in parts {
        writer.start_file(name, options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

enum Cell {
    Text(String),
    Number(f64),
    Date(i64),
    Empty,
}

#[test]
fn an_xlsx_copy_with_dates_gives_the_csv_results() {
    let dir = common::reference_dir().join("datasets");
    let csv = std::fs::read_to_string(dir.join("lung.csv")).unwrap();
    let spec_text = std::fs::read_to_string(dir.join("lung.spec.json")).unwrap();
    let spec = Spec::from_json(&spec_text, "lung.spec.json").unwrap();
    let original = analyze(csv.as_bytes(), "lung.csv", &spec).unwrap();

    // the same data as a workbook; OS from a diagnosis date and an end date
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let time_col = lines[0].iter().position(|h| *h == "os_days").unwrap();
    let excel_day = |day: i64| day - days_from_civil(1899, 12, 30);
    let mut rows = Vec::new();
    let mut header: Vec<Cell> = lines[0].iter().map(|h| Cell::Text(h.to_string())).collect();
    header.push(Cell::Text("diagnosis".into()));
    header.push(Cell::Text("end".into()));
    rows.push(header);
    for (i, line) in lines.iter().enumerate().skip(1) {
        let mut row: Vec<Cell> = line
            .iter()
            .map(|f| match f.parse::<f64>() {
                _ if f.is_empty() => Cell::Empty,
                Ok(x) => Cell::Number(x),
                Err(_) => Cell::Text(f.to_string()),
            })
            .collect();
        let start = days_from_civil(2003, 1, 1) + (i as i64 * 13) % 700;
        row.push(Cell::Date(excel_day(start)));
        let t: f64 = line[time_col].parse().unwrap();
        row.push(Cell::Date(excel_day(start + t as i64)));
        rows.push(row);
    }
    let book = xlsx(&rows);
    // a check that the date cells come out as dates
    let (y, m, d) = civil_from_days(days_from_civil(2003, 1, 1) + 13);
    assert_eq!((y, m, d), (2003, 1, 14));

    let mut spec_json: serde_json::Value = serde_json::from_str(&spec_text).unwrap();
    spec_json["csv"] = "lung.xlsx".into();
    spec_json["options"] = serde_json::json!({"sheet": "Patients"});
    let endpoint = spec_json["endpoints"][0].as_object_mut().unwrap();
    endpoint.remove("time");
    endpoint.insert("start_date".into(), "diagnosis".into());
    endpoint.insert("end_date".into(), "end".into());
    let spec = Spec::from_json(&spec_json.to_string(), "lung.xlsx.spec.json").unwrap();
    let from_xlsx = analyze(&book, "lung.xlsx", &spec).unwrap();
    assert_eq!(from_xlsx.table1, original.table1);
    assert_eq!(
        serde_json::to_value(&from_xlsx.survival[0].km).unwrap(),
        serde_json::to_value(&original.survival[0].km).unwrap()
    );
    assert_eq!(from_xlsx.survival[0].logrank, original.survival[0].logrank);
    assert_eq!(from_xlsx.survival[0].cox, original.survival[0].cox);

    // a sheet that is not there is named with the sheets that are
    spec_json["options"] = serde_json::json!({"sheet": "Data"});
    let spec = Spec::from_json(&spec_json.to_string(), "s.json").unwrap();
    let e = analyze(&book, "lung.xlsx", &spec).unwrap_err();
    assert!(
        e.to_string().contains("no sheet \"Data\"") && e.to_string().contains("Patients"),
        "{e}"
    );
}

#[test]
fn a_stray_cell_far_away_is_refused_before_the_grid_is_made() {
    let rows = vec![
        vec![Cell::Text("arm".into()), Cell::Text("age".into())],
        vec![Cell::Text("A".into()), Cell::Number(61.0)],
        vec![Cell::Text("B".into()), Cell::Number(57.0)],
    ];
    let stray =
        "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row>";
    let bytes = xlsx_with_rows_after(&rows, stray);
    let options = insitu_core::ingest::ReadOptions::default();
    let error =
        insitu_core::ingest::spreadsheet::read_spreadsheet(&bytes, "far.xlsx", None, &options)
            .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("far.xlsx"), "{message}");
    assert!(message.contains("A1:XFD1048576"), "{message}");
    assert!(message.contains("17179869184 cells"), "{message}");
    assert_eq!(error.location().column.as_deref(), Some("XFD1048576"));
    assert_eq!(error.location().value.as_deref(), Some("x"));
    assert_eq!(error.location().line, Some(1_048_576));
    // the same sheet without the stray cell reads
    let table = insitu_core::ingest::spreadsheet::read_spreadsheet(
        &xlsx(&rows),
        "near.xlsx",
        None,
        &options,
    )
    .unwrap();
    assert_eq!(table.n_rows(), 2);
}
