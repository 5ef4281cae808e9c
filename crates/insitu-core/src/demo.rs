//! The built-in demo: `paper_lfa_m1`, a synthetic (seeded) cohort shaped
//! like a published comparison of the liver-first approach (LFA, n = 96)
//! and the M1 schedule (n = 164). No real patient is in it.

use crate::error::Result;
use crate::spec::Spec;

/// File name of the demo data.
pub const DEMO_CSV_NAME: &str = "paper_lfa_m1.csv";
/// The demo data (CSV bytes).
pub const DEMO_CSV: &[u8] = include_bytes!("../data/paper_lfa_m1.csv");
/// The demo analysis spec (JSON text): the reference study's Table 1
/// layout, row by row (sex ratio, "yes"-only rows, renamed levels, the
/// duration and hospital-stay rows within completed schedules).
pub const DEMO_SPEC: &str = include_str!("../data/paper_lfa_m1.table1.spec.json");
/// File name of the demo spec (the web app serves it beside the data).
pub const DEMO_SPEC_NAME: &str = "paper_lfa_m1.table1.spec.json";

/// The demo spec, parsed.
pub fn demo_spec() -> Result<Spec> {
    Spec::from_json(DEMO_SPEC, DEMO_SPEC_NAME)
}

/// The demo, analysed with the spec's conventions.
pub fn demo_report() -> Result<crate::Report> {
    crate::analyze(DEMO_CSV, DEMO_CSV_NAME, &demo_spec()?)
}
