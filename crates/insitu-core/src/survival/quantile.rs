//! Quantiles of a survival curve (the median survival and its confidence
//! interval), by R's rule.
//!
//! This is `survival:::findq` (survival 3.5.3), reproduced step by step
//! because its edge cases are what a reader compares: the quantile is the
//! first time S(t) ≤ 1 − p; where S sits at 1 − p (within √ε) over an
//! interval, the midpoint between the time S reached 1 − p and the next drop;
//! where the curve ends exactly at 1 − p, the midpoint with the last time.
//! The limits of the interval apply the same rule to the lower and upper
//! band curves. lifelines takes the first t with S ≤ 0.5 in floating point
//! instead, so 34/68 stored as 0.49999999999999967 gives 52 there and 52.5
//! in R (veteran, arm "test"); Insitu follows R.

use crate::options::CiType;

use super::km::KaplanMeier;

/// R's `tolerance = sqrt(.Machine$double.eps)`.
pub const TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// A quantile of a survival curve with its confidence limits; `None` where
/// the curve (or band) never reaches the level.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SurvivalQuantile {
    /// The time at which S reaches 1 − p.
    pub estimate: Option<f64>,
    /// Where the lower band reaches 1 − p.
    pub lower: Option<f64>,
    /// Where the upper band reaches 1 − p.
    pub upper: Option<f64>,
}

/// The `p` quantile (0.5 = median) of a KM curve with the `ci` band limits.
pub fn km_quantile(km: &KaplanMeier, p: f64, ci: CiType) -> SurvivalQuantile {
    let mut x = Vec::with_capacity(km.len() + 1);
    x.push(0.0);
    x.extend_from_slice(&km.table.time);
    let cdf = |values: &mut dyn Iterator<Item = Option<f64>>| -> Vec<Option<f64>> {
        std::iter::once(Some(0.0))
            .chain(values.map(|s| s.map(|s| 1.0 - s)))
            .collect()
    };
    let band = km.band(ci);
    let y = cdf(&mut km.surv.iter().map(|&s| Some(s)));
    let y_lower = cdf(&mut band.iter().map(|b| b.lower));
    let y_upper = cdf(&mut band.iter().map(|b| b.upper));
    SurvivalQuantile {
        estimate: findq(&x, &y, p, TOLERANCE),
        lower: findq(&x, &y_lower, p, TOLERANCE),
        upper: findq(&x, &y_upper, p, TOLERANCE),
    }
}

/// `survival:::findq(x, y, p, tol)` for one `p`; `None` is R's NA.
fn findq(x: &[f64], y: &[Option<f64>], p: f64, tol: f64) -> Option<f64> {
    let max_y = y
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if max_y < p {
        return None;
    }
    let xmax = *x.last()?;
    let (xs, ys) = first_of_each_value(x, y);
    let n = ys.len();
    let index1 = approx_constant_right(&ys, tol, p);
    let index2 = approx_constant_right(&ys, -tol, p);
    let at = |index: Option<f64>| index.map(|i| xs[i as usize - 1]);
    let mut quant = match (at(index1), at(index2)) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        _ => None,
    };
    if let Some(last) = ys[n - 1] {
        if (p - last).abs() < tol {
            quant = at(index1).map(|a| (a + xmax) / 2.0);
        }
    }
    quant
}

/// `!duplicated(y)`: the points whose y is the first of its value (NA
/// counts as a value). A set of the values seen keeps it linear (the curve
/// has one point per distinct time, up to one per patient).
fn first_of_each_value(x: &[f64], y: &[Option<f64>]) -> (Vec<f64>, Vec<Option<f64>>) {
    let mut xs: Vec<f64> = Vec::with_capacity(x.len());
    let mut ys: Vec<Option<f64>> = Vec::with_capacity(y.len());
    // (a set of `Option<u64>` as the keys `v` and 2⁶⁴ for NA)
    let mut seen = crate::stats::keymap::KeyMap::default();
    for (&xi, &yi) in x.iter().zip(y) {
        // the bits of a value, +0 for both zeros (equal as numbers); a NaN
        // equals no value, so it is always kept
        let key = yi.map(|v| if v == 0.0 { 0 } else { v.to_bits() });
        let key = key.map_or(1u128 << 64, u128::from);
        let duplicate = !yi.is_some_and(f64::is_nan) && seen.insert(key, 0).is_some();
        if !duplicate {
            xs.push(xi);
            ys.push(yi);
        }
    }
    (xs, ys)
}

/// `approx(y + shift, 1:n, p, method = "constant", f = 1)$y`: the 1-based
/// index of the first point whose shifted y is ≥ p, with R's handling of NA
/// (dropped), ties (mean of the indices) and out-of-range (NA).
fn approx_constant_right(y: &[Option<f64>], shift: f64, p: f64) -> Option<f64> {
    let points: Vec<(f64, f64)> = y
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (v + shift, (i + 1) as f64)))
        .collect();
    // stably by total_cmp (as `sort_by(|a, b| a.0.total_cmp(&b.0))`)
    let shifted: Vec<f64> = points.iter().map(|p| p.0).collect();
    let points: Vec<(f64, f64)> = crate::stats::order::stable_order_f64(&shifted)
        .into_iter()
        .map(|k| points[k])
        .collect();
    // ties = mean
    let mut xs: Vec<f64> = Vec::with_capacity(points.len());
    let mut vs: Vec<f64> = Vec::with_capacity(points.len());
    let mut k = 0;
    while k < points.len() {
        let mut j = k;
        let mut sum = 0.0;
        while j < points.len() && points[j].0 == points[k].0 {
            sum += points[j].1;
            j += 1;
        }
        xs.push(points[k].0);
        vs.push(sum / (j - k) as f64);
        k = j;
    }
    let n = xs.len();
    if n == 0 || p < xs[0] || p > xs[n - 1] {
        return None;
    }
    let (mut i, mut j) = (0usize, n - 1);
    while i + 1 < j {
        let mid = (i + j) / 2;
        if p < xs[mid] {
            j = mid;
        } else {
            i = mid;
        }
    }
    if p == xs[j] {
        return Some(vs[j]);
    }
    if p == xs[i] {
        return Some(vs[i]);
    }
    Some(vs[j])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::SurvivalData;

    fn km(time: &[f64], event: &[bool]) -> KaplanMeier {
        let data =
            SurvivalData::new(time.to_vec(), event.to_vec(), vec![0; time.len()], 1).unwrap();
        KaplanMeier::fit(&data.event_table(None))
    }

    /// R: quantile(survfit(Surv(c(1,2,3,4), rep(1,4)) ~ 1), 0.5) = 2.5
    /// (S = 0.5 exactly on [2, 3): the midpoint).
    #[test]
    fn flat_at_one_half_gives_the_midpoint() {
        let fit = km(&[1.0, 2.0, 3.0, 4.0], &[true; 4]);
        assert_eq!(km_quantile(&fit, 0.5, CiType::Log).estimate, Some(2.5));
    }

    /// S ends at exactly 0.5 (last time censored): midpoint with the last time.
    /// R: quantile(survfit(Surv(c(1,2,3,4), c(1,1,0,0)) ~ 1), .5) = 3
    #[test]
    fn curve_ending_at_one_half_uses_the_last_time() {
        let fit = km(&[1.0, 2.0, 3.0, 4.0], &[true, true, false, false]);
        assert_eq!(km_quantile(&fit, 0.5, CiType::Log).estimate, Some(3.0));
    }

    #[test]
    fn not_reached_is_none() {
        let fit = km(&[1.0, 2.0, 3.0, 4.0], &[true, false, false, false]);
        assert_eq!(km_quantile(&fit, 0.5, CiType::Log).estimate, None);
    }

    /// The quadratic scan `first_of_each_value` replaced, as the oracle.
    fn first_of_each_value_by_scan(y: &[Option<f64>]) -> Vec<usize> {
        let mut kept: Vec<usize> = Vec::new();
        for (i, &yi) in y.iter().enumerate() {
            let dup = kept.iter().any(|&k| match (y[k], yi) {
                (None, None) => true,
                (Some(a), Some(b)) => a == b,
                _ => false,
            });
            if !dup {
                kept.push(i);
            }
        }
        kept
    }

    #[test]
    fn duplicated_values_are_dropped_as_by_a_scan() {
        let y = [
            Some(0.0),
            Some(-0.0),
            Some(0.25),
            None,
            Some(0.25),
            None,
            Some(f64::NAN),
            Some(f64::NAN),
            Some(0.5),
            Some(0.5),
            Some(1.0),
        ];
        let x: Vec<f64> = (0..y.len()).map(|i| i as f64).collect();
        let kept = first_of_each_value_by_scan(&y);
        assert_eq!(kept, [0, 2, 3, 6, 7, 8, 10]);
        let (xs, _) = first_of_each_value(&x, &y);
        assert_eq!(xs, kept.iter().map(|&i| x[i]).collect::<Vec<_>>());
        // a band with repeated values, as a KM curve and its limits have
        let y: Vec<Option<f64>> = (0..3000)
            .map(|i| (i % 7 != 3).then(|| f64::from((i * 37 % 1001) / 13) / 77.0))
            .collect();
        let x: Vec<f64> = (0..y.len()).map(|i| i as f64 * 0.1).collect();
        let kept = first_of_each_value_by_scan(&y);
        let (xs, ys) = first_of_each_value(&x, &y);
        assert_eq!(xs, kept.iter().map(|&i| x[i]).collect::<Vec<_>>());
        assert_eq!(ys, kept.iter().map(|&i| y[i]).collect::<Vec<_>>());
    }

    /// R survival tests/quantile.R, test1 without the NA row: quantiles of
    /// (6/7)(3/5)(1/2) at 1 − qq.
    #[test]
    fn survival_package_quantile_test() {
        let fit = km(
            &[9.0, 1.0, 1.0, 6.0, 6.0, 8.0, 10.0],
            &[true, true, false, true, true, false, false],
        );
        let qq = [13.0 / 14.0, 6.0 / 7.0, 2.0 / 3.0, 0.5, 9.0 / 35.0, 0.1];
        let expected = [Some(1.0), Some(3.5), Some(6.0), Some(9.0), Some(9.5), None];
        for (q, e) in qq.iter().zip(expected) {
            assert_eq!(
                km_quantile(&fit, 1.0 - q, CiType::Log).estimate,
                e,
                "q = {q}"
            );
        }
    }
}
