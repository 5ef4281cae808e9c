//! Two-sample t tests, Welch (unequal variances) and Student (pooled
//! variance), as R's `t.test(x1, x2, var.equal = FALSE / TRUE)`.
//! The difference is group 1 − group 2.

use super::descriptive::mean_sd;
use super::dist::t_two_sided;

/// A t test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    /// t statistic.
    pub statistic: f64,
    /// Degrees of freedom (Welch–Satterthwaite for Welch).
    pub df: f64,
    /// Two-sided P value.
    pub p: f64,
    /// Mean of group 1 − mean of group 2.
    pub mean_difference: f64,
}

/// The test; `None` when a group has fewer than 2 values or the data are
/// constant (where R stops with an error).
pub fn t_test(x1: &[f64], x2: &[f64], equal_variance: bool) -> Option<TTest> {
    if x1.len() < 2 || x2.len() < 2 {
        return None;
    }
    let (m1, s1) = mean_sd(x1);
    let (m2, s2) = mean_sd(x2);
    let (m1, m2, s1, s2) = (m1?, m2?, s1?, s2?);
    let (n1, n2) = (x1.len() as f64, x2.len() as f64);
    let (v1, v2) = (s1 * s1, s2 * s2);
    let (stderr, df) = if equal_variance {
        let df = n1 + n2 - 2.0;
        let v = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / df;
        ((v * (1.0 / n1 + 1.0 / n2)).sqrt(), df)
    } else {
        let se1 = v1 / n1;
        let se2 = v2 / n2;
        let stderr = (se1 + se2).sqrt();
        (
            stderr,
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

#[cfg(test)]
// R's values are kept digit for digit as R printed them.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};

    /// R: t.test(c(1, 2, 4, 7), c(2, 3, 3, 9, 12), var.equal = FALSE / TRUE)
    #[test]
    fn welch_and_student_against_r() {
        let x1 = [1.0, 2.0, 4.0, 7.0];
        let x2 = [2.0, 3.0, 3.0, 9.0, 12.0];
        let welch = t_test(&x1, &x2, false).unwrap();
        assert_rel(welch.statistic, WELCH_T, REL);
        assert_rel(welch.df, WELCH_DF, REL);
        assert_rel(welch.p, WELCH_P, REL);
        let student = t_test(&x1, &x2, true).unwrap();
        assert_rel(student.p, STUDENT_P, REL);
        assert_eq!(student.df, 7.0);
        assert!(t_test(&[1.0], &x2, false).is_none());
    }

    const WELCH_T: f64 = -0.96421015874573257;
    const WELCH_DF: f64 = 6.60503087343252737;
    const WELCH_P: f64 = 0.36890395651359725;
    const STUDENT_P: f64 = 0.39404288662058029;
}
