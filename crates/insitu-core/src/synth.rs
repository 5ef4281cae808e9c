//! Synthetic cohorts for demos, teaching and benchmarks (being written).

/// Writes a synthetic cohort of `rows` patients as CSV, reproducible from
/// `seed`.
pub fn write_csv<W: std::io::Write>(_out: &mut W, _rows: u64, _seed: u64) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "the synthetic cohort generator is not written yet",
    ))
}

/// The analysis spec of a synthetic cohort written to `csv_name`.
pub fn spec_json(csv_name: &str) -> String {
    format!("{{\"csv\": \"{csv_name}\", \"group\": {{\"column\": \"arm\"}}, \"variables\": [], \"endpoints\": []}}")
}
