//! Mann–Whitney U / Wilcoxon rank-sum test of two groups, as R's
//! `wilcox.test(x1, x2)`.
//!
//! W is U of the **first** group (rank sum of group 1 − n1(n1 + 1)/2), as R
//! reports it; some programs report min(U1, U2) instead. The normal
//! approximation uses the tie-corrected variance, with or without the
//! continuity correction 0.5·sign(z). The exact P (no ties, both n < 50, R's
//! default rule) comes from the exact null distribution of U, counted with
//! the Gaussian-binomial recurrence (R's `cwilcox`).

use super::dist::normal_cdf;
use super::ranks::{rank_sums, tie_sum, RankSums};
use crate::options::WilcoxonMethod;

/// Largest group size for which R's default uses the exact test.
pub const EXACT_LIMIT: usize = 50;

/// Result of the two-sample rank test.
#[derive(Debug, Clone, PartialEq)]
pub struct Wilcoxon {
    /// U of the first group (R's W).
    pub u1: f64,
    /// U of the second group, n1·n2 − U1.
    pub u2: f64,
    /// Size of group 1.
    pub n1: usize,
    /// Size of group 2.
    pub n2: usize,
    /// Whether the pooled sample has ties.
    pub ties: bool,
    /// Normal approximation with continuity correction.
    pub p_normal_cc: f64,
    /// Normal approximation without continuity correction.
    pub p_normal: f64,
    /// Exact P; `None` with ties or a group of 50 or more.
    pub p_exact: Option<f64>,
}

impl Wilcoxon {
    /// Why no exact P was computed, if none was.
    pub fn exact_note(&self) -> Option<&'static str> {
        if self.p_exact.is_some() {
            None
        } else if self.ties {
            Some("no exact p-value: ties in the pooled sample")
        } else {
            Some("no exact p-value: a group has 50 or more values")
        }
    }

    /// The P value `method` asks for.
    pub fn p(&self, method: WilcoxonMethod) -> f64 {
        match method {
            WilcoxonMethod::RDefault => self.p_exact.unwrap_or(self.p_normal_cc),
            WilcoxonMethod::NormalCc => self.p_normal_cc,
            WilcoxonMethod::Normal => self.p_normal,
        }
    }

    /// R's name of the method behind `p(method)`.
    pub fn method_name(&self, method: WilcoxonMethod) -> &'static str {
        match method {
            WilcoxonMethod::RDefault if self.p_exact.is_some() => "Wilcoxon rank sum exact test",
            WilcoxonMethod::RDefault | WilcoxonMethod::NormalCc => {
                "Wilcoxon rank sum test with continuity correction"
            }
            WilcoxonMethod::Normal => "Wilcoxon rank sum test",
        }
    }
}

/// The test on two samples without missing values (both non-empty).
pub fn wilcoxon(x1: &[f64], x2: &[f64]) -> Wilcoxon {
    wilcoxon_ranked(x1.len(), x2.len(), &rank_sums(&[x1, x2]))
}

/// The test from the rank sums of two samples of sizes `n1` and `n2`
/// (both non-empty) in their pooled sample.
pub fn wilcoxon_ranked(n1: usize, n2: usize, ranked: &RankSums) -> Wilcoxon {
    let (rank_sum, tie_sizes) = (ranked.sums[0], &ranked.ties);
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = rank_sum - f1 * (f1 + 1.0) / 2.0;
    let ties = tie_sizes.iter().any(|&t| t > 1);
    let z = u1 - f1 * f2 / 2.0;
    let n = f1 + f2;
    let sigma = ((f1 * f2 / 12.0) * ((n + 1.0) - tie_sum(tie_sizes) / (n * (n - 1.0)))).sqrt();
    let two_sided = |z: f64| 2.0 * normal_cdf(z).min(normal_cdf(-z));
    let p_normal = two_sided(z / sigma);
    let correction = 0.5 * z.signum() * f64::from(z != 0.0);
    let p_normal_cc = two_sided((z - correction) / sigma);
    let p_exact =
        (!ties && n1 < EXACT_LIMIT && n2 < EXACT_LIMIT).then(|| exact_two_sided(u1, n1, n2));
    Wilcoxon {
        u1,
        u2: f1 * f2 - u1,
        n1,
        n2,
        ties,
        p_normal_cc,
        p_normal,
        p_exact,
    }
}

/// Exact two-sided P of U = `u` as R: 2 · min tail, capped at 1.
fn exact_two_sided(u: f64, n1: usize, n2: usize) -> f64 {
    let dist = u_distribution(n1, n2);
    let total: f64 = dist.iter().sum();
    let cdf = |q: i64| -> f64 {
        if q < 0 {
            0.0
        } else {
            dist[..=(q as usize).min(dist.len() - 1)]
                .iter()
                .sum::<f64>()
                / total
        }
    };
    let half = (n1 * n2) as f64 / 2.0;
    let u = u.round() as i64;
    let p = if u as f64 > half {
        1.0 - cdf(u - 1)
    } else {
        cdf(u)
    };
    (2.0 * p).min(1.0)
}

/// Number of arrangements giving U = 0, 1, …, n1·n2: the coefficients of the
/// Gaussian binomial [n1 + n2 choose n1]_q.
fn u_distribution(n1: usize, n2: usize) -> Vec<f64> {
    let max = n1 * n2;
    let mut poly = vec![0.0; max + 1];
    poly[0] = 1.0;
    for i in 1..=n1 {
        // multiply by (1 − q^(n2 + i)), then divide by (1 − q^i)
        let up = n2 + i;
        for k in (up..=max).rev() {
            poly[k] -= poly[k - up];
        }
        for k in i..=max {
            poly[k] += poly[k - i];
        }
    }
    poly
}

#[cfg(test)]
// R's values are kept digit for digit as R printed them.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};

    /// R: wilcox.test(c(1.1, 2.2, 3.3, 4.4), c(2.5, 3.6, 5.7, 6.8, 7.9))
    #[test]
    fn exact_small_sample_against_r() {
        let w = wilcoxon(&[1.1, 2.2, 3.3, 4.4], &[2.5, 3.6, 5.7, 6.8, 7.9]);
        assert_eq!(w.u1, 3.0);
        assert_eq!(w.u2, 17.0);
        assert_rel(w.p_exact.unwrap(), 0.1111111111111111, REL);
    }

    #[test]
    fn u_distribution_sums_to_binomial() {
        let d = u_distribution(4, 5);
        assert_eq!(d.iter().sum::<f64>(), 126.0);
        assert_eq!(d[0], 1.0);
        assert_eq!(d[20], 1.0);
    }

    /// R: wilcox.test(c(1, 2, 2, 3), c(2, 3, 4, 4, 5), correct = TRUE / FALSE)
    #[test]
    fn ties_use_the_normal_approximation() {
        let w = wilcoxon(&[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 4.0, 4.0, 5.0]);
        assert!(w.ties && w.p_exact.is_none());
        assert_rel(w.p_normal_cc, P_CC, REL);
        assert_rel(w.p_normal, P_PLAIN, REL);
    }

    const P_CC: f64 = 0.078545850951190696;
    const P_PLAIN: f64 = 0.059451093311553647;
}
