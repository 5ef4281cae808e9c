//! Sample quartiles by R's `quantile(x, probs, type)` for types 2, 6 and 7
//! (Hyndman & Fan 1996), step for step as R 4.2's `quantile.default`,
//! including its `fuzz = 4 · ε` guard against rounding in n·p.

use crate::options::QuantileType;

const FUZZ: f64 = 4.0 * f64::EPSILON;

/// The `p` quantile of `sorted` (ascending, no NaN, not empty).
pub fn quantile_sorted(sorted: &[f64], p: f64, kind: QuantileType) -> f64 {
    let n = sorted.len();
    let nf = n as f64;
    // x[i] with R's 1-based index, padded as c(x[1], x[1], x, x[n], x[n])
    let padded = |j: i64| -> f64 {
        // j is the index into the padded vector (1-based)
        let i = (j - 2).clamp(1, n as i64);
        sorted[(i - 1) as usize]
    };
    match kind {
        QuantileType::Type7 => {
            let index = 1.0 + (nf - 1.0) * p;
            let lo = index.floor();
            let hi = index.ceil();
            let x_lo = sorted[lo as usize - 1];
            let x_hi = sorted[hi as usize - 1];
            let h = index - lo;
            if index > lo && x_hi != x_lo {
                (1.0 - h) * x_lo + h * x_hi
            } else {
                x_lo
            }
        }
        QuantileType::Type2 => {
            let nppm = nf * p;
            let j = (nppm + FUZZ).floor();
            let h = if nppm > j { 1.0 } else { 0.5 };
            let a = padded(j as i64 + 2);
            let b = padded(j as i64 + 3);
            interpolate(a, b, h)
        }
        QuantileType::Type6 => {
            let nppm = p * (nf + 1.0);
            let j = (nppm + FUZZ).floor();
            let mut h = nppm - j;
            if h.abs() < FUZZ {
                h = 0.0;
            }
            let a = padded(j as i64 + 2);
            let b = padded(j as i64 + 3);
            interpolate(a, b, h)
        }
    }
}

fn interpolate(a: f64, b: f64, h: f64) -> f64 {
    if h == 1.0 {
        b
    } else if h > 0.0 && h < 1.0 && a != b {
        (1.0 - h) * a + h * b
    } else {
        a
    }
}

/// R's `median()`: the middle value or the mean of the two middle values.
pub fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    let half = n / 2;
    if n % 2 == 1 {
        sorted[half]
    } else {
        (sorted[half - 1] + sorted[half]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// R: quantile(c(1, 2, 4, 7, 11), c(.25, .5, .75), type = k)
    #[test]
    fn five_values_against_r() {
        let x = [1.0, 2.0, 4.0, 7.0, 11.0];
        let q = |p, t| quantile_sorted(&x, p, t);
        assert_eq!(
            [
                q(0.25, QuantileType::Type7),
                q(0.5, QuantileType::Type7),
                q(0.75, QuantileType::Type7)
            ],
            [2.0, 4.0, 7.0]
        );
        assert_eq!(
            [
                q(0.25, QuantileType::Type6),
                q(0.5, QuantileType::Type6),
                q(0.75, QuantileType::Type6)
            ],
            [1.5, 4.0, 9.0]
        );
        assert_eq!(
            [
                q(0.25, QuantileType::Type2),
                q(0.5, QuantileType::Type2),
                q(0.75, QuantileType::Type2)
            ],
            [2.0, 4.0, 7.0]
        );
    }

    /// R: quantile(c(1, 2, 4, 7), c(.25, .5, .75), type = k)
    #[test]
    fn four_values_against_r() {
        let x = [1.0, 2.0, 4.0, 7.0];
        let q = |p, t| quantile_sorted(&x, p, t);
        assert_eq!(
            [
                q(0.25, QuantileType::Type7),
                q(0.5, QuantileType::Type7),
                q(0.75, QuantileType::Type7)
            ],
            [1.75, 3.0, 4.75]
        );
        assert_eq!(
            [
                q(0.25, QuantileType::Type6),
                q(0.5, QuantileType::Type6),
                q(0.75, QuantileType::Type6)
            ],
            [1.25, 3.0, 6.25]
        );
        assert_eq!(
            [
                q(0.25, QuantileType::Type2),
                q(0.5, QuantileType::Type2),
                q(0.75, QuantileType::Type2)
            ],
            [1.5, 3.0, 5.5]
        );
        assert_eq!(median_sorted(&x), 3.0);
    }

    #[test]
    fn one_value() {
        for t in [
            QuantileType::Type2,
            QuantileType::Type6,
            QuantileType::Type7,
        ] {
            assert_eq!(quantile_sorted(&[5.0], 0.25, t), 5.0);
        }
    }
}
