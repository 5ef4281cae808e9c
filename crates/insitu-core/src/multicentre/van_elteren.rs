//! van Elteren's stratified Wilcoxon rank-sum test (van Elteren 1960),
//! stratified by centre, and its k-group generalisation.
//!
//! Ranks are taken within each centre (midranks for ties), so a centre
//! contributes its rank sums R_g, group sizes n_g and tie term
//! T = Σ(t³ − t) — nothing else. With stratum weights 1/(n + 1) (van
//! Elteren's locally best weights):
//!
//! S_g = Σ_centres (R_g − n_g(n + 1)/2) / (n + 1),
//! Cov(S_g, S_h) = Σ_centres σ² (n·n_g·[g = h] − n_g·n_h) / (n (n + 1)²),
//! σ² = (n³ − n − T) / (12 (n − 1)),
//!
//! the permutation covariance of rank sums with ties. The statistic is
//! Sᵀ Cov⁻¹ S over the groups with values, the first left out; χ² with
//! (groups − 1) df. With two groups it is Z² for
//! Z = S₁/√Var(S₁), the usual van Elteren Z (no continuity correction), as
//! SAS's `PROC FREQ` CMH row-mean-scores statistic with
//! `SCORES = MODRIDIT`.
//!
//! R has no built-in version; the reference values come from the formula
//! above written out in R with `rank()` per stratum
//! (`tests/data/multicentre_r.R`).

use serde::{Deserialize, Serialize};

use crate::stats::dist::chisq_upper;
use crate::stats::linalg::Square;

/// What one centre gives.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumRanks {
    /// Values per group.
    pub n: Vec<u64>,
    /// Sum of the group's midranks within the centre.
    pub rank_sum: Vec<f64>,
    /// Σ(t³ − t) over the centre's ties.
    pub ties: f64,
}

/// Result of van Elteren's test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VanElteren {
    /// χ² (= Z² with two groups).
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// Upper-tail P value (two-sided with two groups).
    pub p: f64,
    /// Z of the first group (two groups only); positive when its values
    /// rank higher.
    pub z: Option<f64>,
    /// Centres that contributed (at least two patients).
    pub strata_used: usize,
}

/// The test; `Err` with the reason when no test can be made.
pub fn van_elteren(strata: &[StratumRanks]) -> Result<VanElteren, String> {
    let k = strata.first().map_or(0, |s| s.n.len());
    let totals: Vec<u64> = (0..k)
        .map(|g| strata.iter().map(|s| s.n[g]).sum())
        .collect();
    let used: Vec<usize> = (0..k).filter(|&g| totals[g] > 0).collect();
    if used.len() < 2 {
        return Err(format!("{} group(s) with values", used.len()));
    }
    let mut score = vec![0.0; k];
    let mut cov = Square::zeros(k);
    let mut strata_used = 0;
    for s in strata {
        let n_u: u64 = s.n.iter().sum();
        if n_u < 2 {
            continue;
        }
        strata_used += 1;
        let n = n_u as f64;
        let w = 1.0 / (n + 1.0);
        let sigma2 = (n * n * n - n - s.ties) / (12.0 * (n - 1.0));
        for (g, score_g) in score.iter_mut().enumerate() {
            let ng = s.n[g] as f64;
            *score_g += w * (s.rank_sum[g] - ng * (n + 1.0) / 2.0);
            for h in 0..k {
                let nh = s.n[h] as f64;
                let same = if g == h { n * ng } else { 0.0 };
                *cov.at(g, h) += w * w * sigma2 * (same - ng * nh) / n;
            }
        }
    }
    let rest = &used[1..];
    let diff: Vec<f64> = rest.iter().map(|&g| score[g]).collect();
    let statistic = cov
        .select(rest)
        .inverse_quadratic_form(&diff)
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            "no variance within centres: no centre has values of more than one group, so the comparison cannot be stratified by centre".to_string()
        })?;
    let df = used.len() - 1;
    let first = used[0];
    let z = (df == 1).then(|| score[first] / cov.get(first, first).sqrt());
    Ok(VanElteren {
        statistic,
        df,
        p: chisq_upper(statistic, df as f64),
        z,
        strata_used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};
    use crate::stats::ranks::{midranks, tie_sum};
    use crate::stats::wilcoxon::wilcoxon;

    fn stratum(x1: &[f64], x2: &[f64]) -> StratumRanks {
        let pooled: Vec<f64> = x1.iter().chain(x2).copied().collect();
        let (r, t) = midranks(&pooled);
        StratumRanks {
            n: vec![x1.len() as u64, x2.len() as u64],
            rank_sum: vec![r[..x1.len()].iter().sum(), r[x1.len()..].iter().sum()],
            ties: tie_sum(&t),
        }
    }

    /// One stratum: van Elteren is the Mann–Whitney test without
    /// continuity correction.
    #[test]
    fn one_stratum_is_the_plain_rank_sum_test() {
        let (x1, x2) = ([1.0, 2.0, 2.0, 3.0], [2.0, 3.0, 4.0, 4.0, 5.0]);
        let v = van_elteren(&[stratum(&x1, &x2)]).unwrap();
        assert_rel(v.p, wilcoxon(&x1, &x2).p_normal, REL);
        assert!(v.z.unwrap() < 0.0);
    }

    #[test]
    fn one_group_per_centre_has_no_test() {
        let a = StratumRanks {
            n: vec![3, 0],
            rank_sum: vec![6.0, 0.0],
            ties: 0.0,
        };
        let b = StratumRanks {
            n: vec![0, 4],
            rank_sum: vec![0.0, 10.0],
            ties: 0.0,
        };
        assert!(van_elteren(&[a, b]).is_err());
    }
}
