//! Sums of values and of squares, kept in double-double precision, and the
//! tests that need nothing else: pooled mean and SD, Welch's and Student's
//! t tests, one-way ANOVA with equal variances and Welch's version.
//!
//! Why double-double: the pooled variance is (Σx² − (Σx)²/n)/(n − 1), a
//! difference of two large numbers. In plain floating point it loses about
//! log10(mean²/variance) digits (six for a date stored as a number, with an
//! SD of a few days). Each sum here is carried as an unevaluated pair
//! `value + remainder` with error-free transformations (Knuth's two-sum,
//! the fused multiply-add two-product; Dekker 1971, the QD library of Hida,
//! Li & Bailey), so the pooled mean and SD agree with the two-pass
//! patient-level values to the last bits.
//!
//! The tests mirror [`crate::stats::ttest`] and [`crate::stats::anova`]
//! formula for formula (R's `t.test` and `oneway.test`), fed with moments
//! instead of raw values.

use std::ops::{Add, Mul, Sub};

use serde::{Deserialize, Serialize};

use crate::stats::anova::FTest;
use crate::stats::dist::{f_upper, t_two_sided};
use crate::stats::ttest::TTest;

/// A double-double number `value + remainder`, |remainder| ≤ ulp(value)/2.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Compensated {
    /// The nearest double to the sum.
    pub value: f64,
    /// What the double leaves out of the exact sum.
    pub remainder: f64,
}

fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

fn two_product(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Compensated {
    /// Zero.
    pub const ZERO: Compensated = Compensated {
        value: 0.0,
        remainder: 0.0,
    };

    fn from_pair((value, remainder): (f64, f64)) -> Compensated {
        Compensated { value, remainder }
    }

    /// The exact square of `x` (as a double-double).
    pub fn square(x: f64) -> Compensated {
        Compensated::from_pair(two_product(x, x))
    }

    /// `self + x`.
    pub fn add_f64(self, x: f64) -> Compensated {
        let (s, e) = two_sum(self.value, x);
        Compensated::from_pair(quick_two_sum(s, e + self.remainder))
    }

    /// `self / d`.
    pub fn div_f64(self, d: f64) -> Compensated {
        let q1 = self.value / d;
        let (p1, p2) = two_product(q1, d);
        let (s, e) = two_sum(self.value, -p1);
        let e = e - p2 + self.remainder;
        let q2 = (s + e) / d;
        Compensated::from_pair(quick_two_sum(q1, q2))
    }

    /// The nearest double.
    pub fn to_f64(self) -> f64 {
        self.value + self.remainder
    }

    /// Σ `values`, compensated.
    pub fn sum(values: impl IntoIterator<Item = f64>) -> Compensated {
        values
            .into_iter()
            .fold(Compensated::ZERO, Compensated::add_f64)
    }

    /// Σ `values`², compensated (each square exact).
    pub fn sum_of_squares(values: impl IntoIterator<Item = f64>) -> Compensated {
        values
            .into_iter()
            .fold(Compensated::ZERO, |acc, x| acc + Compensated::square(x))
    }
}

/// Relative resolution of the double-double difference Σx² − (Σx)²/n.
const RESOLUTION: f64 = 1.0 / (1u128 << 100) as f64;

impl Add for Compensated {
    type Output = Compensated;

    /// The sum, with the error of each partial sum carried.
    fn add(self, other: Compensated) -> Compensated {
        let (s1, s2) = two_sum(self.value, other.value);
        let (t1, t2) = two_sum(self.remainder, other.remainder);
        let (s1, s2) = quick_two_sum(s1, s2 + t1);
        Compensated::from_pair(quick_two_sum(s1, s2 + t2))
    }
}

impl Sub for Compensated {
    type Output = Compensated;

    fn sub(self, other: Compensated) -> Compensated {
        self + Compensated {
            value: -other.value,
            remainder: -other.remainder,
        }
    }
}

impl Mul for Compensated {
    type Output = Compensated;

    fn mul(self, other: Compensated) -> Compensated {
        let (p, e) = two_product(self.value, other.value);
        let e = e + (self.value * other.remainder + self.remainder * other.value);
        Compensated::from_pair(quick_two_sum(p, e))
    }
}

/// n, Σx and Σx² of one sample: all a pooled mean, SD and t test need.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Number of values.
    pub n: u64,
    /// Σx.
    pub sum: Compensated,
    /// Σx².
    pub sum_sq: Compensated,
}

impl Moments {
    /// The moments of `values` (no NaN).
    pub fn of(values: &[f64]) -> Moments {
        Moments {
            n: values.len() as u64,
            sum: Compensated::sum(values.iter().copied()),
            sum_sq: Compensated::sum_of_squares(values.iter().copied()),
        }
    }

    /// The moments of two samples together.
    pub fn pooled(self, other: Moments) -> Moments {
        Moments {
            n: self.n + other.n,
            sum: self.sum + other.sum,
            sum_sq: self.sum_sq + other.sum_sq,
        }
    }

    /// Mean (`None` without values).
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum.div_f64(self.n as f64).to_f64())
    }

    /// Σ(x − mean)², in double-double: Σx² − (Σx)²/n.
    fn sum_sq_deviations(&self) -> f64 {
        let n = self.n as f64;
        let m2 = (self.sum_sq - (self.sum * self.sum).div_f64(n)).to_f64();
        // Below the resolution of double-double arithmetic (about 2⁻¹⁰⁴ of
        // Σx²) the difference is rounding, not spread: a constant sample
        // has SD 0, as the two-pass formula gives.
        if m2 <= RESOLUTION * self.sum_sq.to_f64().abs() {
            0.0
        } else {
            m2
        }
    }

    /// Sample variance, n − 1 denominator (`None` with fewer than 2 values).
    pub fn variance(&self) -> Option<f64> {
        (self.n > 1).then(|| self.sum_sq_deviations() / (self.n as f64 - 1.0))
    }

    /// Sample SD, n − 1 denominator (`None` with fewer than 2 values).
    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }
}

/// Welch's (`equal_variance = false`) or Student's t test of two samples
/// given by their moments, as [`crate::stats::ttest::t_test`]; `None` where
/// that gives none.
pub fn t_test(x1: &Moments, x2: &Moments, equal_variance: bool) -> Option<TTest> {
    if x1.n < 2 || x2.n < 2 {
        return None;
    }
    let (m1, m2, s1, s2) = (x1.mean()?, x2.mean()?, x1.sd()?, x2.sd()?);
    let (n1, n2) = (x1.n as f64, x2.n as f64);
    let (v1, v2) = (s1 * s1, s2 * s2);
    let (stderr, df) = if equal_variance {
        let df = n1 + n2 - 2.0;
        let v = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / df;
        ((v * (1.0 / n1 + 1.0 / n2)).sqrt(), df)
    } else {
        let se1 = v1 / n1;
        let se2 = v2 / n2;
        (
            (se1 + se2).sqrt(),
            (se1 + se2).powi(2) / (se1 * se1 / (n1 - 1.0) + se2 * se2 / (n2 - 1.0)),
        )
    };
    if stderr < 10.0 * f64::EPSILON * m1.abs().max(m2.abs()) || stderr == 0.0 {
        return None;
    }
    let statistic = (m1 - m2) / stderr;
    Some(TTest {
        statistic,
        df,
        p: t_two_sided(statistic, df),
        mean_difference: m1 - m2,
    })
}

/// One-way ANOVA (equal variances, or Welch's) of samples given by their
/// moments, as [`crate::stats::anova::oneway`]; `None` with fewer than two
/// non-empty samples or any with fewer than two values.
pub fn oneway(groups: &[Moments], equal_variance: bool) -> Option<FTest> {
    let used: Vec<&Moments> = groups.iter().filter(|g| g.n > 0).collect();
    let k = used.len();
    if k < 2 || used.iter().any(|g| g.n < 2) {
        return None;
    }
    let n_i: Vec<f64> = used.iter().map(|g| g.n as f64).collect();
    let stats: Vec<(f64, f64)> = used
        .iter()
        .map(|g| {
            let s = g.sd().unwrap_or(f64::NAN);
            (g.mean().unwrap_or(f64::NAN), s * s)
        })
        .collect();
    let kf = k as f64;
    if equal_variance {
        let n: f64 = n_i.iter().sum();
        let all = used
            .iter()
            .fold(Moments::default(), |acc, g| acc.pooled(**g));
        let m = all.mean()?;
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
mod tests {
    use super::*;
    use crate::stats::descriptive::mean_sd;
    use crate::stats::prec::{assert_rel, REL};

    #[test]
    fn compensated_sum_keeps_what_plain_sum_loses() {
        let s = Compensated::sum([1e16, 1.0, -1e16, 1.0]);
        assert_eq!(s.to_f64(), 2.0);
        let plain: f64 = [1e16, 1.0, -1e16, 1.0].iter().sum();
        assert_ne!(plain, 2.0);
    }

    #[test]
    fn variance_of_large_values_with_small_spread() {
        // Days since 1970 of dates a few days apart: mean² / variance ≈ 1e8.
        let x = [19_000.25, 19_001.5, 19_003.75, 19_002.0, 19_000.0];
        let m = Moments::of(&x);
        let (mean, sd) = mean_sd(&x);
        assert_rel(m.mean().unwrap(), mean.unwrap(), 1e-15);
        assert_rel(m.sd().unwrap(), sd.unwrap(), 1e-14);
    }

    #[test]
    fn split_and_pooled_moments_give_the_raw_value_tests() {
        let x1 = [1.0, 2.0, 4.0, 7.0, 3.5, 2.25];
        let x2 = [2.0, 3.0, 3.0, 9.0, 12.0];
        let a = Moments::of(&x1[..3]).pooled(Moments::of(&x1[3..]));
        let b = Moments::of(&x2);
        for equal in [false, true] {
            let raw = crate::stats::ttest::t_test(&x1, &x2, equal).unwrap();
            let pooled = t_test(&a, &b, equal).unwrap();
            assert_rel(pooled.statistic, raw.statistic, REL);
            assert_rel(pooled.df, raw.df, REL);
            assert_rel(pooled.p, raw.p, REL);
        }
        let x3 = [5.0, 7.0, 8.0, 12.0];
        for equal in [false, true] {
            let raw = crate::stats::anova::oneway(&[&x1, &x2, &x3], equal).unwrap();
            let pooled = oneway(&[a, b, Moments::of(&x3)], equal).unwrap();
            assert_rel(pooled.statistic, raw.statistic, REL);
            assert_rel(pooled.df2, raw.df2, REL);
            assert_rel(pooled.p, raw.p, REL);
        }
    }

    #[test]
    fn constant_sample_has_zero_sd_and_no_t_test() {
        let m = Moments::of(&[0.1, 0.1, 0.1]);
        assert_eq!(m.sd(), Some(0.0));
        assert!(t_test(&m, &m, false).is_none());
    }
}
