//! The G-rho family of k-sample tests: log-rank (ρ = 0) and Peto & Peto's
//! modification of the Gehan–Wilcoxon test (ρ = 1), optionally stratified.
//!
//! As R's `survdiff` (C routine `survdiff2`): at each event time the weight
//! is S(t−)^ρ with S the pooled Kaplan–Meier of the stratum; observed and
//! expected are weighted, the variance matrix uses the hypergeometric
//! variance d(n−d)/(n²(n−1)) · w². Strata are summed. The χ² is
//! (O−E)ᵀ V⁻¹ (O−E) over the groups with expected > 0, dropping the first of
//! them; df = (number of such groups) − 1.

use crate::stats::dist::chisq_upper;
use crate::stats::linalg::Square;

use super::data::GroupedRiskSets;

/// Result of a log-rank family test.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRank {
    /// ρ of the weight S(t−)^ρ.
    pub rho: f64,
    /// Weighted observed events per group.
    pub observed: Vec<f64>,
    /// Weighted expected events per group.
    pub expected: Vec<f64>,
    /// Variance matrix of O − E.
    pub variance: Square,
    /// χ² statistic.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// Upper-tail P value.
    pub p: f64,
}

/// The test over one or more strata (each with its own risk sets).
pub fn logrank(strata: &[GroupedRiskSets], rho: f64) -> LogRank {
    let k = strata.first().map_or(0, |s| s.n_groups);
    let mut observed = vec![0.0; k];
    let mut expected = vec![0.0; k];
    let mut variance = Square::zeros(k);
    for sets in strata {
        accumulate(sets, rho, &mut observed, &mut expected, &mut variance);
    }
    let used: Vec<usize> = (0..k).filter(|&g| expected[g] > 0.0).collect();
    let (chisq, df) = if used.len() < 2 {
        (0.0, used.len().saturating_sub(1))
    } else {
        let rest = &used[1..];
        let diff: Vec<f64> = rest.iter().map(|&g| observed[g] - expected[g]).collect();
        let chisq = variance
            .select(rest)
            .inverse_quadratic_form(&diff)
            .unwrap_or(f64::NAN);
        (chisq, used.len() - 1)
    };
    let p = if df == 0 {
        f64::NAN
    } else {
        chisq_upper(chisq, df as f64)
    };
    LogRank {
        rho,
        observed,
        expected,
        variance,
        chisq,
        df,
        p,
    }
}

fn accumulate(
    sets: &GroupedRiskSets,
    rho: f64,
    observed: &mut [f64],
    expected: &mut [f64],
    variance: &mut Square,
) {
    let k = sets.n_groups;
    let mut km = 1.0f64; // pooled S(t−) of the stratum
    for t in 0..sets.len() {
        let risk = sets.risk(t);
        let events = sets.events(t);
        let n: u64 = risk.iter().sum();
        let d: u64 = events.iter().sum();
        let (n, d) = (n as f64, d as f64);
        let w = if rho == 0.0 { 1.0 } else { km.powf(rho) };
        for g in 0..k {
            observed[g] += w * events[g] as f64;
            expected[g] += w * d * risk[g] as f64 / n;
        }
        if n > 1.0 {
            let kt = w * w * d * (n - d) / (n * n * (n - 1.0));
            for i in 0..k {
                let tmp = kt * risk[i] as f64;
                for (j, &r) in risk.iter().enumerate().take(k) {
                    *variance.at(i, j) -= tmp * r as f64;
                }
                *variance.at(i, i) += tmp * n;
            }
        }
        km *= (n - d) / n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};
    use crate::survival::SurvivalData;

    /// R: survdiff(Surv(c(1,2,2,3,4,5), c(1,1,1,0,1,1)) ~ c(1,1,2,2,1,2))
    #[test]
    fn small_two_group_case_against_r() {
        let data = SurvivalData::new(
            vec![1.0, 2.0, 2.0, 3.0, 4.0, 5.0],
            vec![true, true, true, false, true, true],
            vec![0, 0, 1, 1, 0, 1],
            2,
        )
        .unwrap();
        let lr = logrank(&[data.risk_sets()], 0.0);
        assert_eq!(lr.observed, [3.0, 2.0]);
        assert_rel(lr.expected[0], 1.8, REL);
        assert_rel(lr.chisq, 1.6744186046511635, REL);
        assert_eq!(lr.df, 1);
    }
}
