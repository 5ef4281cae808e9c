//! The Cochran–Mantel–Haenszel test of a level × group association
//! stratified by centre, as R's `mantelhaen.test(x)` for a
//! level × group × centre array `x`.
//!
//! * 2 × 2 × K: the Mantel–Haenszel χ² with R's continuity correction
//!   (`correct = TRUE`: ½ subtracted from |Σ(x₁₁ − E)| when that is at
//!   least ½), df 1, and the Mantel–Haenszel common odds ratio with the
//!   Robins–Breslow–Greenland interval.
//! * I × J × K: the generalised CMH statistic M² = nᵀV⁻¹n over the first
//!   (I − 1)(J − 1) cells, df (I − 1)(J − 1) (Landis, Heyman & Koch 1978).
//!
//! Where R stops with an error, this returns `None` with the reason:
//! fewer than 2 levels or groups, no variance (every centre holds one group
//! only, so the centre explains the whole comparison), a singular V.
//! Deliberate difference: R refuses strata with fewer than 2 patients
//! ("sample size in each stratum must be > 1"); they carry no information,
//! so they are dropped here and the caller says so.

use serde::{Deserialize, Serialize};

use crate::stats::contingency::Contingency;
use crate::stats::dist::chisq_upper;
use crate::stats::linalg::Square;
use crate::survival::km::Z95;

/// The Mantel–Haenszel common odds ratio of 2 × 2 × K tables.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CommonOddsRatio {
    /// Estimate (odds of the first level in the first group vs the second).
    pub estimate: Option<f64>,
    /// Lower 95 % limit.
    pub lower: Option<f64>,
    /// Upper 95 % limit.
    pub upper: Option<f64>,
}

/// Result of the CMH test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cmh {
    /// R's method name.
    pub method: String,
    /// χ² (M² for larger tables).
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// Upper-tail P value.
    pub p: f64,
    /// 2 × 2 × K only.
    pub common_odds_ratio: Option<CommonOddsRatio>,
}

/// Why no CMH test could be made.
pub type NoTest = String;

/// The test over `strata` (each levels × groups, equal dimensions, strata
/// with fewer than 2 patients already removed). `correct`: R's continuity
/// correction of the 2 × 2 × K case.
pub fn cmh(strata: &[Contingency], correct: bool) -> Result<Cmh, NoTest> {
    let Some(first) = strata.first() else {
        return Err("no centre has data".to_string());
    };
    let (i_dim, j_dim) = (first.rows(), first.cols());
    if i_dim < 2 || j_dim < 2 {
        return Err(format!("{i_dim} level(s) and {j_dim} group(s) with data"));
    }
    if i_dim == 2 && j_dim == 2 {
        two_by_two(strata, correct)
    } else {
        generalised(strata, i_dim, j_dim)
    }
}

fn no_variance() -> NoTest {
    "no variance within centres: no centre has patients of more than one group (or of more than one level), so the comparison cannot be stratified by centre".to_string()
}

fn two_by_two(strata: &[Contingency], correct: bool) -> Result<Cmh, NoTest> {
    let (mut delta, mut variance) = (0.0, 0.0);
    let (mut s_diag, mut s_offd) = (0.0, 0.0);
    let (mut t_diag, mut t_mixed, mut t_offd) = (0.0, 0.0, 0.0);
    for t in strata {
        let n = t.total() as f64;
        let rows = t.row_sums();
        let cols = t.col_sums();
        let x = |i, j| t.get(i, j) as f64;
        delta += x(0, 0) - rows[0] as f64 * cols[0] as f64 / n;
        variance +=
            rows[0] as f64 * rows[1] as f64 * cols[0] as f64 * cols[1] as f64 / (n * n * (n - 1.0));
        let (a, b, c, d) = (x(0, 0), x(0, 1), x(1, 0), x(1, 1));
        s_diag += a * d / n;
        s_offd += b * c / n;
        t_diag += (a + d) * a * d / (n * n);
        t_mixed += ((a + d) * b * c + (b + c) * a * d) / (n * n);
        t_offd += (b + c) * b * c / (n * n);
    }
    if variance <= 0.0 {
        return Err(no_variance());
    }
    let yates = if correct && delta.abs() >= 0.5 {
        0.5
    } else {
        0.0
    };
    let statistic = (delta.abs() - yates).powi(2) / variance;
    let estimate = s_diag / s_offd;
    let sd = (t_diag / (2.0 * s_diag * s_diag)
        + t_mixed / (2.0 * s_diag * s_offd)
        + t_offd / (2.0 * s_offd * s_offd))
        .sqrt();
    let finite = |x: f64| x.is_finite().then_some(x);
    Ok(Cmh {
        method: format!(
            "Mantel-Haenszel chi-squared test {} continuity correction",
            if yates > 0.0 { "with" } else { "without" }
        ),
        statistic,
        df: 1,
        p: chisq_upper(statistic, 1.0),
        common_odds_ratio: Some(CommonOddsRatio {
            estimate: finite(estimate),
            lower: finite(estimate * (-Z95 * sd).exp()),
            upper: finite(estimate * (Z95 * sd).exp()),
        }),
    })
}

fn generalised(strata: &[Contingency], i_dim: usize, j_dim: usize) -> Result<Cmh, NoTest> {
    let (ri, rj) = (i_dim - 1, j_dim - 1);
    let df = ri * rj;
    let mut diff = vec![0.0; df];
    let mut v = Square::zeros(df);
    for t in strata {
        let n = t.total() as f64;
        let rows: Vec<f64> = t.row_sums()[..ri].iter().map(|&x| x as f64).collect();
        let cols: Vec<f64> = t.col_sums()[..rj].iter().map(|&x| x as f64).collect();
        // R flattens f[-I, -J] column-major: cell (i, j) at i + j·(I − 1)
        for j in 0..rj {
            for i in 0..ri {
                diff[i + j * ri] += t.get(i, j) as f64 - rows[i] * cols[j] / n;
            }
        }
        let scale = n * n * (n - 1.0);
        for j in 0..rj {
            for jj in 0..rj {
                let a = f64::from(u8::from(j == jj)) * n * cols[j] - cols[j] * cols[jj];
                for i in 0..ri {
                    for ii in 0..ri {
                        let b = f64::from(u8::from(i == ii)) * n * rows[i] - rows[i] * rows[ii];
                        *v.at(i + j * ri, ii + jj * ri) += a * b / scale;
                    }
                }
            }
        }
    }
    let statistic = v
        .inverse_quadratic_form(&diff)
        .filter(|s| s.is_finite())
        .ok_or_else(no_variance)?;
    Ok(Cmh {
        method: "Cochran-Mantel-Haenszel test".to_string(),
        statistic,
        df,
        p: chisq_upper(statistic, df as f64),
        common_odds_ratio: None,
    })
}

#[cfg(test)]
// R's values are kept digit for digit as R printed them.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};

    /// R: x <- array(c(12, 5, 7, 9,  4, 8, 6, 11,  10, 3, 2, 6), c(2, 2, 3));
    /// mantelhaen.test(x)
    #[test]
    fn two_by_two_by_three_against_r() {
        let t = |a, b, c, d| Contingency::new(2, 2, vec![a, c, b, d]);
        let strata = [t(12, 5, 7, 9), t(4, 8, 6, 11), t(10, 3, 2, 6)];
        let r = cmh(&strata, true).unwrap();
        assert_rel(r.statistic, MH_STATISTIC, REL);
        assert_rel(r.p, MH_P, REL);
        let or = r.common_odds_ratio.unwrap();
        assert_rel(or.estimate.unwrap(), MH_OR, REL);
        assert_rel(or.lower.unwrap(), MH_OR_LOWER, REL);
        assert_rel(or.upper.unwrap(), MH_OR_UPPER, REL);
    }

    /// One group per centre: no variance, no test.
    #[test]
    fn one_group_per_centre_is_refused() {
        let strata = [
            Contingency::new(2, 2, vec![3, 0, 5, 0]),
            Contingency::new(2, 2, vec![0, 4, 0, 6]),
        ];
        assert!(cmh(&strata, true)
            .unwrap_err()
            .contains("more than one group"));
    }

    // R 4.2.2, printed with sprintf("%.17g")
    const MH_STATISTIC: f64 = 3.4401993312202883;
    const MH_P: f64 = 0.063628015706709951;
    const MH_OR: f64 = 2.5477694335306111;
    const MH_OR_LOWER: f64 = 1.0434332505166557;
    const MH_OR_UPPER: f64 = 6.2209337139858345;
}
