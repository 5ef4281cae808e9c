//! Descriptive summary of a continuous variable: n, missing, mean, SD
//! (n − 1 denominator), min, max, median and quartiles of types 2, 6, 7.

use crate::options::QuantileType;

use super::quantile::{median_sorted, quantile_sorted};

/// Quartiles by one definition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quartiles {
    /// 25th percentile.
    pub q1: f64,
    /// 50th percentile.
    pub median: f64,
    /// 75th percentile.
    pub q3: f64,
}

/// Summary of the non-missing values of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Rows (missing included).
    pub n: usize,
    /// Missing values.
    pub missing: usize,
    /// Non-missing values.
    pub n_nonmissing: usize,
    /// Mean (`None` without values).
    pub mean: Option<f64>,
    /// SD with n − 1 denominator (`None` with fewer than 2 values).
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Median (R's `median`).
    pub median: Option<f64>,
    /// Quartiles of types 2, 6 and 7 (`None` without values).
    pub quartiles: Option<[Quartiles; 3]>,
}

/// The three quartile definitions in the order of [`Summary::quartiles`].
pub const QUARTILE_TYPES: [QuantileType; 3] = [
    QuantileType::Type2,
    QuantileType::Type6,
    QuantileType::Type7,
];

impl Summary {
    /// Summarises `values` (NaN = missing).
    pub fn of(values: &[f64]) -> Summary {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        // equal values under total_cmp have the same bits: the unstable
        // sort (faster with the many ties of rounded data) gives the same
        crate::stats::order::sort_f64(&mut sorted);
        Summary::of_sorted(values.len(), &sorted)
    }

    /// Summarises `n` rows whose non-missing values are `sorted` (ascending
    /// by [`f64::total_cmp`], as [`crate::stats::order::sort_f64`] leaves
    /// them): the same as [`Summary::of`] on the rows, without sorting.
    pub fn of_sorted(n: usize, sorted: &[f64]) -> Summary {
        let n_nonmissing = sorted.len();
        let (mean, sd) = mean_sd(sorted);
        let quartiles = (!sorted.is_empty()).then(|| {
            QUARTILE_TYPES.map(|t| Quartiles {
                q1: quantile_sorted(sorted, 0.25, t),
                median: quantile_sorted(sorted, 0.5, t),
                q3: quantile_sorted(sorted, 0.75, t),
            })
        });
        Summary {
            n,
            missing: n - n_nonmissing,
            n_nonmissing,
            mean,
            sd,
            min: sorted.first().copied(),
            max: sorted.last().copied(),
            median: (!sorted.is_empty()).then(|| median_sorted(sorted)),
            quartiles,
        }
    }

    /// Quartiles of one type.
    pub fn quartiles_of(&self, kind: QuantileType) -> Option<Quartiles> {
        let k = QUARTILE_TYPES.iter().position(|&t| t == kind)?;
        self.quartiles.map(|q| q[k])
    }
}

/// Mean with R's second-pass correction, and the two-pass sample SD.
pub fn mean_sd(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let n = values.len() as f64;
    let mut mean = values.iter().sum::<f64>() / n;
    mean += values.iter().map(|x| x - mean).sum::<f64>() / n;
    let sd = (values.len() > 1).then(|| {
        let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        (ss / (n - 1.0)).sqrt()
    });
    (Some(mean), sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_with_missing() {
        let s = Summary::of(&[3.0, f64::NAN, 1.0, 2.0]);
        assert_eq!((s.n, s.missing, s.n_nonmissing), (4, 1, 3));
        assert_eq!(s.mean, Some(2.0));
        assert_eq!(s.sd, Some(1.0));
        assert_eq!((s.min, s.max, s.median), (Some(1.0), Some(3.0), Some(2.0)));
    }

    #[test]
    fn one_value_has_no_sd_and_no_values_no_mean() {
        assert_eq!(Summary::of(&[5.0]).sd, None);
        let empty = Summary::of(&[f64::NAN]);
        assert_eq!(
            (empty.mean, empty.median, empty.quartiles),
            (None, None, None)
        );
    }
}
