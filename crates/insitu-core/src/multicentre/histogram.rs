//! Pooled quartiles from histograms, with a guaranteed error bound.
//!
//! The values of a bin `(lower, upper]` are unknown, so a quartile is
//! estimated by spreading them evenly inside the bin — the `c` values of a
//! bin at `lower + (j − ½)·(upper − lower)/c` — and applying the quartile
//! definition (R type 2, 6 or 7) to those. Every one of these definitions is
//! a non-decreasing function of the sorted values, so putting every value
//! at its bin's lower edge, then at its upper edge, bounds the true
//! quartile: the patient-level value lies in `[lower, upper]` of
//! [`BoundedQuantile`]. Both bounds are reported; the error of the estimate
//! is at most the larger distance to them (at most one bin width when the
//! order statistics involved share a bin).
//!
//! The rank tests on pooled data use the values *grouped* to the bins (each
//! at its upper edge, ties within a bin): a valid test of the grouped data,
//! but not the test of the exact values.

use serde::{Deserialize, Serialize};

use crate::options::QuantileType;
use crate::stats::quantile::quantile_sorted;

/// A pooled bin of one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// Lower edge (exclusive).
    pub lower: f64,
    /// Upper edge (inclusive).
    pub upper: f64,
    /// Values in the bin.
    pub count: u64,
}

/// An estimate with the interval that surely holds the exact value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundedQuantile {
    /// Estimate (values spread evenly within bins).
    pub estimate: f64,
    /// The exact value is at least this.
    pub lower: f64,
    /// The exact value is at most this.
    pub upper: f64,
}

impl BoundedQuantile {
    /// The largest possible error of the estimate.
    pub fn error_bound(&self) -> f64 {
        (self.estimate - self.lower).max(self.upper - self.estimate)
    }
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// Values spread evenly within their bins, ascending.
pub fn spread_values(bins: &[Bin]) -> Vec<f64> {
    let mut out = Vec::new();
    for b in bins {
        let c = b.count as f64;
        for j in 0..b.count {
            out.push(b.lower + (j as f64 + 0.5) / c * (b.upper - b.lower));
        }
    }
    sorted(out)
}

/// Every value at its bin's upper edge (the values grouped to the grid),
/// ascending.
pub fn grouped_values(bins: &[Bin]) -> Vec<f64> {
    sorted(
        bins.iter()
            .flat_map(|b| std::iter::repeat_n(b.upper, b.count as usize))
            .collect(),
    )
}

fn lower_values(bins: &[Bin]) -> Vec<f64> {
    sorted(
        bins.iter()
            .flat_map(|b| std::iter::repeat_n(b.lower, b.count as usize))
            .collect(),
    )
}

/// The three quartiles (p = ¼, ½, ¾) of definition `kind` with bounds;
/// `None` without values. The bins may overlap (each centre keeps its own
/// merged bins): every value only needs to lie in its own bin.
pub fn quartiles(bins: &[Bin], kind: QuantileType) -> Option<[BoundedQuantile; 3]> {
    let spread = spread_values(bins);
    if spread.is_empty() {
        return None;
    }
    let low = lower_values(bins);
    let high = grouped_values(bins);
    Some([0.25, 0.5, 0.75].map(|p| BoundedQuantile {
        estimate: quantile_sorted(&spread, p, kind),
        lower: quantile_sorted(&low, p, kind),
        upper: quantile_sorted(&high, p, kind),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_the_exact_quartiles() {
        let values = [1.2, 1.7, 2.1, 2.2, 2.9, 3.05, 4.8, 5.0, 5.5];
        let bins: Vec<Bin> = (1..=6)
            .map(|k| Bin {
                lower: (k - 1) as f64,
                upper: k as f64,
                count: values
                    .iter()
                    .filter(|&&v| v > (k - 1) as f64 && v <= k as f64)
                    .count() as u64,
            })
            .filter(|b| b.count > 0)
            .collect();
        for kind in [
            QuantileType::Type2,
            QuantileType::Type6,
            QuantileType::Type7,
        ] {
            let q = quartiles(&bins, kind).unwrap();
            for (b, p) in q.iter().zip([0.25, 0.5, 0.75]) {
                let exact = quantile_sorted(&values, p, kind);
                assert!(
                    b.lower <= exact && exact <= b.upper,
                    "{kind:?} {p}: {b:?} {exact}"
                );
                assert!(b.error_bound() <= 1.0 + 1e-12);
            }
        }
        assert!(quartiles(&[], QuantileType::Type7).is_none());
    }
}
