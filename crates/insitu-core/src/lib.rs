//! # insitu-core
//!
//! The statistics engine of Insitu: it takes the bytes of a patient-level
//! file and an analysis spec, and returns a typed report — Table 1 by group
//! and survival analyses — with renderers to HTML, CSV, Markdown, SVG and
//! JSON. It knows nothing of the browser, the terminal or wasm-bindgen; the
//! CLI, the JS API and the web app only move data in and out.
//!
//! Every number is checked against R (see `shared/reference` and
//! `insitu validate`).

pub mod analyze;
pub mod data;
pub mod demo;
pub mod error;
pub mod ingest;
pub mod inspect;
pub mod multicentre;
pub mod options;
pub mod parallel;
pub mod render;
pub mod report;
pub mod spec;
pub mod stats;
pub mod survival;
pub mod synth;
pub mod table1;
pub mod validate;

pub use analyze::{analyze, analyze_table};
pub use error::{Error, ErrorKind, Result};
pub use report::Report;
pub use spec::Spec;
