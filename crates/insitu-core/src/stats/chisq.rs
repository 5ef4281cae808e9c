//! Pearson's χ² test of independence, without and with Yates' continuity
//! correction, as R's `chisq.test(tab, correct = FALSE / TRUE)`.
//!
//! Yates applies to 2 × 2 tables only and, as in R, the correction is
//! capped at |O − E| (`YATES <- min(0.5, abs(x - E))`), so it never flips
//! the sign of a difference.

use super::contingency::Contingency;
use super::dist::chisq_upper;

/// A χ² test result with R's warning when an expected count is below 5.
#[derive(Debug, Clone, PartialEq)]
pub struct ChisqResult {
    /// Statistic.
    pub statistic: f64,
    /// Degrees of freedom (r − 1)(c − 1).
    pub df: usize,
    /// Upper-tail P value.
    pub p: f64,
    /// "Chi-squared approximation may be incorrect" when any E < 5.
    pub warnings: Vec<String>,
}

/// R's warning text.
pub const SMALL_EXPECTED_WARNING: &str = "Chi-squared approximation may be incorrect";

/// Pearson's χ²; with `yates` the 2 × 2 continuity correction.
pub fn chisq_test(table: &Contingency, yates: bool) -> ChisqResult {
    let expected = table.expected();
    let correction = |o: f64, e: f64| {
        if yates {
            0.5f64.min((o - e).abs())
        } else {
            0.0
        }
    };
    let mut statistic = 0.0;
    for i in 0..table.rows() {
        for j in 0..table.cols() {
            let o = table.get(i, j) as f64;
            let e = expected[i * table.cols() + j];
            let diff = (o - e).abs() - correction(o, e);
            statistic += diff * diff / e;
        }
    }
    let df = (table.rows() - 1) * (table.cols() - 1);
    let warnings = if expected.iter().any(|&e| e < 5.0) {
        vec![SMALL_EXPECTED_WARNING.to_string()]
    } else {
        Vec::new()
    };
    ChisqResult {
        statistic,
        df,
        p: chisq_upper(statistic, df as f64),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};

    /// The paper's sex row: chisq.test(matrix(c(67, 29, 116, 48), 2), correct = FALSE / TRUE)
    #[test]
    fn paper_sex_row_against_r() {
        let t = Contingency::new(2, 2, vec![67, 116, 29, 48]);
        let plain = chisq_test(&t, false);
        assert_rel(plain.statistic, 0.025670828349756918, REL);
        assert_rel(plain.p, 0.8727068411965815, REL);
        let yates = chisq_test(&t, true);
        assert_rel(yates.statistic, 0.0003797182425731174, REL);
        assert_rel(yates.p, 0.9844531177834941, REL);
        assert!(plain.warnings.is_empty());
    }
}
