//! Fisher's exact test, two-sided, as R's `fisher.test`: the P value is the
//! total probability of the tables with the observed margins whose
//! probability is at most the observed one's times `1 + 1e-7` (R's
//! `relErr`, which keeps tables tied in exact arithmetic but not in floating
//! point).
//!
//! 2 × 2 tables: the hypergeometric support enumerated directly, as R does.
//! Larger tables: [`super::fisher_rxc`].

use statrs::function::factorial::ln_binomial;

use super::contingency::Contingency;
use super::fisher_rxc;

/// R's relative tolerance for "at most as probable as the observed table".
pub const REL_ERR: f64 = 1.0 + 1e-7;

/// How the P value was obtained.
#[derive(Debug, Clone, PartialEq)]
pub enum FisherMethod {
    /// Exact: every table counted.
    Exact,
    /// Monte Carlo estimate over random tables with the observed margins.
    MonteCarlo {
        /// Number of random tables.
        replicates: u64,
        /// Seed of the random number generator.
        seed: u64,
        /// Standard error of the estimate.
        std_error: f64,
    },
}

/// Result of Fisher's exact test.
#[derive(Debug, Clone, PartialEq)]
pub struct FisherResult {
    /// Two-sided P value.
    pub p: f64,
    /// How it was computed.
    pub method: FisherMethod,
}

/// Fisher's exact test of a table without all-zero rows or columns, at
/// least 2 × 2.
pub fn fisher_test(table: &Contingency) -> FisherResult {
    if table.rows() == 2 && table.cols() == 2 {
        FisherResult {
            p: two_by_two(table),
            method: FisherMethod::Exact,
        }
    } else {
        fisher_rxc::fisher_rxc(table)
    }
}

/// R's 2 × 2 computation: the hypergeometric distribution of the top-left
/// cell over its support, normalised, summed where d ≤ d_observed · relErr.
fn two_by_two(table: &Contingency) -> f64 {
    let m = table.get(0, 0) + table.get(1, 0); // column 1 total
    let n = table.get(0, 1) + table.get(1, 1); // column 2 total
    let k = table.get(0, 0) + table.get(0, 1); // row 1 total
    let x = table.get(0, 0);
    let lo = k.saturating_sub(n);
    let hi = k.min(m);
    let log_d: Vec<f64> = (lo..=hi)
        .map(|s| ln_binomial(m, s) + ln_binomial(n, k - s))
        .collect();
    let max = log_d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let d: Vec<f64> = log_d.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = d.iter().sum();
    let observed = d[(x - lo) as usize];
    d.iter().filter(|&&v| v <= observed * REL_ERR).sum::<f64>() / total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};

    /// The paper's sex row: fisher.test(matrix(c(67, 116, 29, 48), 2))
    #[test]
    fn paper_sex_row_against_r() {
        let t = Contingency::new(2, 2, vec![67, 29, 116, 48]);
        assert_rel(fisher_test(&t).p, 0.8887696270763513, REL);
    }
}
