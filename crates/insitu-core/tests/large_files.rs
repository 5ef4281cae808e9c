//! A large file reads the same whether it is read in one pass or, in the
//! native build with threads, as two halves at once (files without quotes
//! above 4 MB): the same cells, file lines, skipped empty lines, and the
//! same error for a bad row in the second half.

use insitu_core::ingest::{read_table, ReadOptions, Table};
use insitu_core::ErrorKind;

/// A 6 MB cohort; `quoted` puts one quoted field in the first row, which
/// makes any build read the file in one pass.
fn cohort(rows: usize, quoted: bool, extra: &str) -> String {
    let mut text = String::from("id;arm;age;note\r\n");
    for k in 0..rows {
        let note = if k == 0 && quoted { "\"a\"" } else { "x" };
        text.push_str(&format!(
            "P{k:07};{};{},{};{note}\r\n",
            ["A", "B"][k % 2],
            40 + k % 50,
            k % 10
        ));
        if k == 3 * rows / 4 {
            text.push_str(extra);
        }
    }
    text
}

fn read(text: &str) -> Result<Table, insitu_core::Error> {
    read_table(text.as_bytes(), "big.csv", &ReadOptions::default())
}

#[test]
fn halves_read_as_one_pass() {
    let rows = 300_000;
    let plain = read(&cohort(rows, false, ";;;\r\n")).unwrap();
    let single = read(&cohort(rows, true, ";;;\r\n")).unwrap();
    assert!(cohort(rows, false, "").len() > 5_000_000);
    assert_eq!(plain.n_rows(), rows);
    assert_eq!(plain.n_rows(), single.n_rows());
    assert_eq!(plain.skipped_empty_lines, single.skipped_empty_lines);
    // header on line 1, row k on line k + 2, and one more after the empty line
    assert_eq!(plain.skipped_empty_lines, [3 * rows as u64 / 4 + 3]);
    for i in [0, 1, rows / 2, rows / 2 + 1, 3 * rows / 4 + 1, rows - 1] {
        assert_eq!(plain.line(i), single.line(i), "row {i}");
        for (a, b) in plain.columns().iter().zip(single.columns()) {
            if i > 0 || a.get(i) != "x" {
                assert_eq!(a.get(i), b.get(i), "row {i}");
            }
        }
    }
    assert_eq!(plain.line(rows - 1), rows as u64 + 2);
    let age = plain.column("age").unwrap();
    assert_eq!(
        age.get(rows - 1),
        format!("{},{}", 40 + (rows - 1) % 50, (rows - 1) % 10)
    );
}

#[test]
fn a_bad_row_in_the_second_half_is_named_as_in_one_pass() {
    let rows = 300_000;
    let plain = read(&cohort(rows, false, "P;A;1\r\n")).unwrap_err();
    let single = read(&cohort(rows, true, "P;A;1\r\n")).unwrap_err();
    assert_eq!(plain.kind(), ErrorKind::RaggedRow);
    assert_eq!(plain.to_string(), single.to_string());
    assert_eq!(plain.location().line, Some(3 * rows as u64 / 4 + 3));
}

/// A U+FEFF opening the row where a large file would be cut stays in its
/// cell, as in one pass (the second half's reader would take it for a
/// byte-order mark and drop it).
#[test]
fn a_zero_width_no_break_space_at_the_cut_is_kept() {
    let rows = 300_000;
    let mut text = cohort(rows, false, "");
    let middle = text.len() / 2;
    let cut = middle + text[middle..].find('\n').unwrap() + 1;
    text.insert(cut, '\u{feff}');
    let table = read(&text).unwrap();
    assert_eq!(table.n_rows(), rows);
    // header on line 1, row k on line k + 2
    let row = text[..cut].matches('\n').count() - 1;
    let id = table.column("id").unwrap().get(row);
    assert!(id.starts_with("\u{feff}P"), "{id:?}");
}
