//! Fisher's exact test for r × c tables (placeholder: being written).

use super::contingency::Contingency;
use super::fisher::{FisherMethod, FisherResult};

/// Fisher's exact test of an r × c table (not 2 × 2).
pub fn fisher_rxc(_table: &Contingency) -> FisherResult {
    FisherResult {
        p: f64::NAN,
        method: FisherMethod::Exact,
    }
}
