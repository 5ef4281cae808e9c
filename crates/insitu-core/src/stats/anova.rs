//! One-way analysis of variance, with equal variances (F test, as
//! `anova(lm(x ~ g))`) and Welch's heteroscedastic version, as R's
//! `oneway.test(x ~ g, var.equal = TRUE / FALSE)`.

use super::descriptive::mean_sd;
use super::dist::f_upper;

/// An F test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FTest {
    /// F statistic.
    pub statistic: f64,
    /// Numerator degrees of freedom.
    pub df1: f64,
    /// Denominator degrees of freedom.
    pub df2: f64,
    /// Upper-tail P value.
    pub p: f64,
}

/// The test on the non-empty samples; `None` with fewer than 2 of them or
/// any with fewer than 2 values (R stops with "not enough observations").
pub fn oneway(groups: &[&[f64]], equal_variance: bool) -> Option<FTest> {
    let used: Vec<&[f64]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    let k = used.len();
    if k < 2 || used.iter().any(|g| g.len() < 2) {
        return None;
    }
    let n_i: Vec<f64> = used.iter().map(|g| g.len() as f64).collect();
    let stats: Vec<(f64, f64)> = used
        .iter()
        .map(|g| {
            let (m, s) = mean_sd(g);
            (m.unwrap_or(f64::NAN), s.map_or(f64::NAN, |s| s * s))
        })
        .collect();
    let kf = k as f64;
    if equal_variance {
        let n: f64 = n_i.iter().sum();
        let pooled: Vec<f64> = used.iter().flat_map(|g| g.iter().copied()).collect();
        let m = mean_sd(&pooled).0?;
        let between: f64 = n_i
            .iter()
            .zip(&stats)
            .map(|(n, (mi, _))| n * (mi - m) * (mi - m))
            .sum();
        let within: f64 = n_i
            .iter()
            .zip(&stats)
            .map(|(n, (_, vi))| (n - 1.0) * vi)
            .sum();
        let statistic = (between / (kf - 1.0)) / (within / (n - kf));
        let (df1, df2) = (kf - 1.0, n - kf);
        Some(FTest {
            statistic,
            df1,
            df2,
            p: f_upper(statistic, df1, df2),
        })
    } else {
        let w: Vec<f64> = n_i.iter().zip(&stats).map(|(n, (_, v))| n / v).collect();
        let sum_w: f64 = w.iter().sum();
        let tmp: f64 = w
            .iter()
            .zip(&n_i)
            .map(|(wi, n)| (1.0 - wi / sum_w).powi(2) / (n - 1.0))
            .sum::<f64>()
            / (kf * kf - 1.0);
        let m: f64 = w
            .iter()
            .zip(&stats)
            .map(|(wi, (mi, _))| wi * mi)
            .sum::<f64>()
            / sum_w;
        let statistic = w
            .iter()
            .zip(&stats)
            .map(|(wi, (mi, _))| wi * (mi - m) * (mi - m))
            .sum::<f64>()
            / ((kf - 1.0) * (1.0 + 2.0 * (kf - 2.0) * tmp));
        let (df1, df2) = (kf - 1.0, 1.0 / (3.0 * tmp));
        Some(FTest {
            statistic,
            df1,
            df2,
            p: f_upper(statistic, df1, df2),
        })
    }
}

#[cfg(test)]
// R's values are kept digit for digit as R printed them.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};

    /// R: oneway.test(x ~ g, var.equal = TRUE / FALSE) with
    /// x = c(1, 2, 4, 2, 3, 9, 5, 7, 8, 12), g = rep(1:3, c(3, 3, 4))
    #[test]
    fn equal_and_welch_against_r() {
        let groups: [&[f64]; 3] = [&[1.0, 2.0, 4.0], &[2.0, 3.0, 9.0], &[5.0, 7.0, 8.0, 12.0]];
        let f = oneway(&groups, true).unwrap();
        assert_rel(f.statistic, F_EQUAL, REL);
        assert_rel(f.p, P_EQUAL, REL);
        let w = oneway(&groups, false).unwrap();
        assert_rel(w.statistic, F_WELCH, REL);
        assert_rel(w.df2, DF2_WELCH, REL);
        assert_rel(w.p, P_WELCH, REL);
    }

    const F_EQUAL: f64 = 3.348595505617976809;
    const P_EQUAL: f64 = 0.095418557653119268;
    const F_WELCH: f64 = 4.744667222632058312;
    const DF2_WELCH: f64 = 4.089064731477331627;
    const P_WELCH: f64 = 0.0859685226696391;
}
