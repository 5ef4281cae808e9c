//! Multicentre aggregate files: arbitrary text through the aggregate-file
//! reader, and aggregate files built from arbitrary CSV bytes, written,
//! read back and merged with themselves — the coordinator's whole path,
//! with every export of the merged report.

#![no_main]

use arbitrary::Arbitrary;
use insitu_core::ingest::{read_table, ReadOptions};
use insitu_core::multicentre::{
    aggregate, audit, html::merged_html_page, merge, AggregateFile, AggregateOptions, MergeOptions,
    SmallCells,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Input {
    /// An aggregate file as received.
    File(String),
    /// A centre's CSV, aggregated with these settings.
    Centre {
        csv: Vec<u8>,
        min_cell: u8,
        policy: u8,
        time_step: u8,
        bin_width: u8,
        by_centre: bool,
    },
}

fn merge_and_render(file: AggregateFile, by_centre: bool) {
    let _ = audit(&file);
    // a second centre with the same data (one centre twice is refused)
    let mut other = file.clone();
    other.centre = format!("{} (2)", file.centre);
    let files = vec![("a.json".to_string(), file), ("b.json".to_string(), other)];
    if let Ok(merged) = merge(&files, &MergeOptions { by_centre }) {
        insitu_fuzz::check_report(&merged.report);
        insitu_fuzz::render_all(&merged.report);
        let _ = merged_html_page(&merged);
    }
}

fuzz_target!(|input: Input| match input {
    Input::File(text) => {
        if let Ok(file) = AggregateFile::from_json(&text, "fuzz.json") {
            merge_and_render(file, false);
        }
    }
    Input::Centre {
        csv,
        min_cell,
        policy,
        time_step,
        bin_width,
        by_centre,
    } => {
        let spec = insitu_fuzz::corpus_spec();
        let Ok(table) = read_table(&csv, "centre.csv", &ReadOptions::default()) else {
            return;
        };
        let mut options = AggregateOptions::new("centre");
        options.min_cell = u64::from(min_cell % 12);
        options.small_cells = match policy % 3 {
            0 => SmallCells::Coarsen,
            1 => SmallCells::Suppress,
            _ => SmallCells::Keep,
        };
        options.time_step = [1.0, 0.5, 3.0, 12.0, 1e-3][usize::from(time_step % 5)];
        options.bin_width = [1.0, 0.1, 5.0, 1e-3][usize::from(bin_width % 4)];
        let Ok(file) = aggregate(&table, &spec, &options) else {
            return;
        };
        let text = file.to_json();
        let again = AggregateFile::from_json(&text, "again.json")
            .unwrap_or_else(|e| panic!("an aggregate file does not read back: {e}\n{text}"));
        assert_eq!(
            again.to_json(),
            text,
            "the aggregate file changed in a round trip"
        );
        merge_and_render(again, by_centre);
    }
});
