//! Tail probabilities of the reference distributions, from `statrs`.
//!
//! Upper tails are computed directly (survival functions), never as 1 − CDF,
//! so that small P values keep their digits (R's `lower.tail = FALSE`).
//!
//! The normal tail is taken from the χ²(1) tail, P(Z > z) = ½·P(χ²₁ > z²)
//! for z ≥ 0: statrs' incomplete gamma agrees with R's `pchisq` to ~1e-14
//! relative, its `erfc` with `pnorm` only to ~1e-10 (measured against R
//! 4.2.2 from z = 0.5 to 30).

use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, StudentsT};

/// P(X > x) for X ~ χ²(df), R's `pchisq(x, df, lower.tail = FALSE)`.
pub fn chisq_upper(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    // (statrs takes x/2 and panics when that is 0: for x below the least
    // normal number the tail is 1 to ~1e-150 at df ≥ 1)
    if x < f64::MIN_POSITIVE {
        return 1.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// P(Z ≤ z) for the standard normal, R's `pnorm(z)`.
pub fn normal_cdf(z: f64) -> f64 {
    normal_upper(-z)
}

/// P(Z > z) for the standard normal, R's `pnorm(z, lower.tail = FALSE)`.
pub fn normal_upper(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let half_tail = 0.5 * chisq_upper(z * z, 1.0);
    if z >= 0.0 {
        half_tail
    } else {
        1.0 - half_tail
    }
}

/// Two-sided normal P value, 2·P(Z > |z|).
pub fn normal_two_sided(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    (2.0 * normal_upper(z.abs())).min(1.0)
}

/// Two-sided t P value, 2·P(T > |t|), R's `2 * pt(-abs(t), df)`.
pub fn t_two_sided(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => (2.0 * d.sf(t.abs())).min(1.0),
        Err(_) => f64::NAN,
    }
}

/// P(F > f), R's `pf(f, df1, df2, lower.tail = FALSE)`.
pub fn f_upper(f: f64, df1: f64, df2: f64) -> f64 {
    if f.is_nan() || df1.is_nan() || df2.is_nan() || df1 <= 0.0 || df2 <= 0.0 {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 1.0;
    }
    match FisherSnedecor::new(df1, df2) {
        Ok(d) => d.sf(f),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
// R's values are kept digit for digit as R printed them.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_rel;

    #[test]
    fn against_r() {
        // pchisq(3.84, 1, lower.tail = FALSE)
        assert_rel(chisq_upper(3.84, 1.0), 0.050043521248705224, 1e-12);
        // pchisq(400, 5, lower.tail = FALSE)
        assert_rel(chisq_upper(400.0, 5.0), 2.9666446590828852e-84, 1e-10);
        // 2 * pt(-2.1, 15.3)
        assert_rel(t_two_sided(2.1, 15.3), 0.052705194565949486, 1e-10);
        // pf(3.2, 2, 40, lower.tail = FALSE)
        assert_rel(f_upper(3.2, 2.0, 40.0), 0.051385456071628109, 1e-10);
        // 2 * pnorm(-3)
        assert_rel(normal_two_sided(3.0), 0.0026997960632601892, 1e-13);
    }

    /// An infinite statistic has tail 0, as R's
    /// `pchisq(Inf, df, lower.tail = FALSE)`.
    #[test]
    fn infinite_statistics_have_empty_tails() {
        assert_eq!(chisq_upper(f64::INFINITY, 1.0), 0.0);
        assert_eq!(chisq_upper(f64::INFINITY, 3.0), 0.0);
        assert_eq!(normal_two_sided(f64::INFINITY), 0.0);
        assert_eq!(normal_two_sided(f64::NEG_INFINITY), 0.0);
        assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(normal_cdf(f64::INFINITY), 1.0);
    }

    /// A statistic so small that statrs' scaled argument underflows to 0
    /// (a Cox z of ~1e-162, found by the `analyze` fuzz target: statrs
    /// panicked) has tail 1.
    #[test]
    fn underflowing_statistics_have_full_tails() {
        let least = f64::from_bits(1);
        assert_eq!(chisq_upper(least, 1.0), 1.0);
        assert_eq!(chisq_upper(2.0 * least, 2.0), 1.0);
        assert_eq!(normal_two_sided(least.sqrt()), 1.0);
    }
}
