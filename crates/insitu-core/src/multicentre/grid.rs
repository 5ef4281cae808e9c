//! The declared grids of aggregate files: survival times and continuous
//! values are counted in bins of a regular grid, never written themselves.
//!
//! **Binning rule.** With step `s`, bin `k` (an integer) holds the values
//! `x` with `(k − 1)·s < x ≤ k·s`, and a value is represented by the bin's
//! upper edge `k·s`: `x ↦ ⌈x/s⌉·s`. A time of 0 stays 0; with `s = 1` a
//! whole number of days stays itself and 12.3 months becomes 13. To keep
//! decimal input decimal, `x/s` within 1e-9 of a whole number `j` counts as
//! `j` (0.3 with step 0.1 is bin 3, not 4), and the edge `k·s` is computed
//! from the decimal digits of `s` (3 × 0.1 gives 0.3, not
//! 0.30000000000000004).
//!
//! **Coarsened bins.** Disclosure control may merge neighbouring bins. A
//! set of [`Cuts`] says which grid points still separate bins; counts sit
//! at the upper cut of their merged bin. Files from different centres are
//! merged on the cuts common to all of them ([`common_cut_at_or_above`]),
//! the finest partition on which every centre's counts are exact.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// Values within this fraction of a step below a grid point belong to it.
pub const TOLERANCE: f64 = 1e-9;

/// The largest bin index, 2^53 in either direction: beyond it `x/step` no
/// longer tells neighbouring bins apart (and `as i64` would saturate, so
/// that different values shared a bin silently). A value further from 0,
/// in steps, is refused by [`Grid::checked_index`].
pub const MAX_INDEX: i64 = 1 << 53;

/// A regular grid with bins `((k − 1)·step, k·step]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Width of a bin.
    pub step: f64,
}

impl Grid {
    /// A grid of positive, finite `step`.
    pub fn new(step: f64) -> Result<Grid> {
        if step.is_finite() && step > 0.0 {
            Ok(Grid { step })
        } else {
            Err(Error::new(
                ErrorKind::Spec,
                format!("a grid step must be a positive number, not {step}"),
            ))
        }
    }

    /// The bin index of `x`: ⌈x/step⌉, with the decimal tolerance, within
    /// ±[`MAX_INDEX`] (use [`Grid::checked_index`] for values from a file).
    pub fn index(&self, x: f64) -> i64 {
        let q = x / self.step;
        let k = q.ceil();
        let k = if k - q > 1.0 - TOLERANCE { k - 1.0 } else { k };
        (k as i64).clamp(-MAX_INDEX, MAX_INDEX)
    }

    /// The bin index of `x`, or an error naming `what` (e.g. "time 1e300
    /// of endpoint OS") when `x` is more than [`MAX_INDEX`] steps from 0.
    pub fn checked_index(&self, x: f64, what: &str) -> Result<i64> {
        if (x / self.step).abs() <= MAX_INDEX as f64 {
            Ok(self.index(x))
        } else {
            Err(Error::new(
                ErrorKind::Spec,
                format!(
                    "{what} is more than 2^53 grid steps of {} from 0, too far for the grid \
                     to count exactly; choose a larger step (or correct the value)",
                    short(self.step)
                ),
            ))
        }
    }

    /// The upper edge of bin `k`, `k·step`, exact for a decimal step.
    pub fn edge(&self, k: i64) -> f64 {
        if let Some((mantissa, decimals)) = decimal_parts(self.step) {
            if let Some(units) = k.checked_mul(mantissa) {
                if units.unsigned_abs() < (1u64 << 53) && decimals <= 22 {
                    return units as f64 / 10f64.powi(decimals as i32);
                }
            }
        }
        k as f64 * self.step
    }

    /// `x` binned: the upper edge of its bin.
    pub fn bin(&self, x: f64) -> f64 {
        self.edge(self.index(x))
    }

    /// The bin index of an edge read back from a file.
    pub fn index_of_edge(&self, edge: f64) -> i64 {
        ((edge / self.step).round() as i64).clamp(-MAX_INDEX, MAX_INDEX)
    }
}

/// A number for a message: shortest decimal, or with an exponent when it
/// is very large or small (1e300, not 301 digits).
pub fn short(x: f64) -> String {
    if x == 0.0 || (1e-6..1e15).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// `step` as `mantissa / 10^decimals` from its shortest decimal form.
fn decimal_parts(step: f64) -> Option<(i64, u32)> {
    let text = format!("{step}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = format!("{whole}{fraction}");
    let mantissa: i64 = digits.parse().ok()?;
    Some((mantissa, fraction.len() as u32))
}

/// Which grid points separate bins: every one, except the points strictly
/// inside a merged bin.
///
/// A merged bin is `(lo, hi]` in bin indices (the values above `lo·step` and
/// at most `hi·step`); bins of one step are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cuts {
    /// Merged bins `(lo, hi]`, ascending and disjoint.
    pub merged: Vec<(i64, i64)>,
}

impl Cuts {
    /// No bin merged.
    pub fn every() -> Cuts {
        Cuts::default()
    }

    /// True when some bin was merged.
    pub fn is_merged(&self) -> bool {
        !self.merged.is_empty()
    }

    /// The merged bin with `k` strictly inside, if any.
    fn around(&self, k: i64) -> Option<(i64, i64)> {
        let i = self.merged.partition_point(|&(_, hi)| hi <= k);
        self.merged.get(i).copied().filter(|&(lo, _)| lo < k)
    }

    /// True when `k` separates bins.
    pub fn is_cut(&self, k: i64) -> bool {
        self.around(k).is_none()
    }

    /// The smallest cut ≥ `k`.
    pub fn at_or_above(&self, k: i64) -> i64 {
        self.around(k).map_or(k, |(_, hi)| hi)
    }

    /// The largest cut ≤ `k`.
    pub fn at_or_below(&self, k: i64) -> i64 {
        self.around(k).map_or(k, |(lo, _)| lo)
    }
}

/// The smallest grid point ≥ `k` that is a cut of every set: where a count
/// at `k` of any centre lies in the merged partition.
pub fn common_cut_at_or_above(all: &[&Cuts], k: i64) -> i64 {
    let mut c = k;
    loop {
        let next = all
            .iter()
            .map(|cuts| cuts.at_or_above(c))
            .max()
            .unwrap_or(c);
        if next == c {
            return c;
        }
        c = next;
    }
}

/// The largest grid point ≤ `k` that is a cut of every set.
pub fn common_cut_at_or_below(all: &[&Cuts], k: i64) -> i64 {
    let mut c = k;
    loop {
        let next = all
            .iter()
            .map(|cuts| cuts.at_or_below(c))
            .min()
            .unwrap_or(c);
        if next == c {
            return c;
        }
        c = next;
    }
}

/// Bins as `(k, cells)`: the upper index and one count per cell.
pub type Bins = Vec<(i64, Vec<u64>)>;

/// Width, in grid steps, of the blocks that small bins are merged into
/// first ([`coarsen`]).
pub const BLOCK: i64 = 5;

/// Merges bins until every cell of every merged bin is 0 or at least
/// `min_cell`, in two steps:
/// 1. a bin with a small cell is merged with the other bins of its block
///    of [`BLOCK`] grid steps, `(5b, 5b + 5]`; bins of blocks without a small
///    cell stay as they are;
/// 2. left to right, a unit (bin or block) with a small cell is merged with
///    the units after it until the cells pass; an unfinished last bin is
///    folded into the bins before it.
///
/// Step 1 keeps the edges of merged bins on a lattice that does not depend
/// on the data, so that two centres' merged bins mostly coincide and the
/// pooled partition keeps its resolution where the data are dense; it also
/// keeps the outermost merged bins from showing the smallest and largest
/// value to within one step. Step 2 handles sparse tails without letting
/// one outlier swallow the whole range.
///
/// `bins` are `(k, cells)` in ascending `k`, all with the same number of
/// cells. Returns the cuts and the merged bins keyed by their upper index,
/// or `None` when the data cannot be merged into bins without small cells.
pub fn coarsen(bins: &[(i64, Vec<u64>)], min_cell: u64) -> Option<(Cuts, Bins)> {
    let passes = |cells: &[u64]| cells.iter().all(|&c| c == 0 || c >= min_cell);
    let width = bins.first().map_or(0, |(_, c)| c.len());
    let add = |a: &mut Vec<u64>, b: &[u64]| {
        for (x, y) in a.iter_mut().zip(b) {
            *x += y;
        }
    };
    // step 1: units (lo, hi, cells)
    let mut units: Vec<(i64, i64, Vec<u64>)> = Vec::new();
    let mut i = 0;
    while i < bins.len() {
        let block = (bins[i].0 - 1).div_euclid(BLOCK);
        let mut j = i;
        while j < bins.len() && (bins[j].0 - 1).div_euclid(BLOCK) == block {
            j += 1;
        }
        if bins[i..j].iter().all(|(_, c)| passes(c)) {
            units.extend(bins[i..j].iter().map(|(k, c)| (k - 1, *k, c.clone())));
        } else {
            let mut cells = vec![0; width];
            for (_, c) in &bins[i..j] {
                add(&mut cells, c);
            }
            units.push((block * BLOCK, (block + 1) * BLOCK, cells));
        }
        i = j;
    }
    // step 2: greedy accumulation
    let mut merged: Vec<(i64, i64, Vec<u64>)> = Vec::new();
    let mut open: Option<(i64, i64, Vec<u64>)> = None;
    for (lo, hi, cells) in units {
        let acc = open.get_or_insert_with(|| (lo, hi, vec![0; width]));
        acc.1 = hi;
        add(&mut acc.2, &cells);
        if passes(&acc.2) {
            merged.extend(open.take());
        }
    }
    if let Some((_, hi, mut tail)) = open {
        loop {
            let (lo, _, before) = merged.pop()?;
            add(&mut tail, &before);
            if passes(&tail) {
                merged.push((lo, hi, tail));
                break;
            }
        }
    }
    let cuts = Cuts {
        merged: merged
            .iter()
            .filter(|(lo, hi, _)| hi - lo > 1)
            .map(|(lo, hi, _)| (*lo, *hi))
            .collect(),
    };
    Some((cuts, merged.into_iter().map(|(_, hi, c)| (hi, c)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A time of 1e300 on a grid of 1, or 100 on a grid of 1e-300, used to
    /// saturate `as i64`: every such value fell into bin i64::MAX (edge
    /// 9.2e18) silently, and i64::MIN − 1 overflowed in `coarsen`.
    #[test]
    fn values_beyond_the_grid_are_refused() {
        let grid = Grid::new(1.0).unwrap();
        let e = grid
            .checked_index(1e300, "the time 1e300 of endpoint OS")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Spec);
        assert!(
            e.to_string()
                .contains("the time 1e300 of endpoint OS is more than 2^53 grid steps of 1"),
            "{e}"
        );
        assert!(grid.checked_index(-1e300, "x").is_err());
        assert_eq!(
            grid.checked_index(MAX_INDEX as f64, "x").unwrap(),
            MAX_INDEX
        );
        assert_eq!(grid.checked_index(12.3, "x").unwrap(), 13);
        let fine = Grid::new(1e-300).unwrap();
        assert!(fine.checked_index(100.0, "x").is_err());
        assert_eq!(fine.checked_index(0.0, "x").unwrap(), 0);
        // unchecked: clamped, never saturated
        assert_eq!(grid.index(1e300), MAX_INDEX);
        assert_eq!(grid.index(-1e300), -MAX_INDEX);
        assert_eq!(grid.index_of_edge(-1e300), -MAX_INDEX);
    }

    #[test]
    fn binning_is_ceiling_with_decimal_tolerance() {
        let day = Grid::new(1.0).unwrap();
        assert_eq!(day.bin(0.0), 0.0);
        assert_eq!(day.bin(5.0), 5.0);
        assert_eq!(day.bin(5.2), 6.0);
        let tenth = Grid::new(0.1).unwrap();
        assert_eq!(tenth.index(0.3), 3);
        assert_eq!(tenth.bin(0.3), 0.3);
        assert_eq!(tenth.bin(0.30000000000000004), 0.3);
        assert_eq!(tenth.bin(0.31), 0.4);
        assert_eq!(tenth.bin(0.7), 0.7);
        let month = Grid::new(3.0).unwrap();
        assert_eq!(month.bin(12.3), 15.0);
        assert_eq!(Grid::new(0.5).unwrap().bin(-1.2), -1.0);
        assert!(Grid::new(0.0).is_err());
    }

    #[test]
    fn common_cuts_of_two_coarsenings() {
        let a = Cuts {
            merged: vec![(3, 7), (8, 10)],
        };
        let b = Cuts {
            merged: vec![(1, 5)],
        };
        let all = [&a, &b];
        // a's (3, 7] and b's (1, 5] overlap: one pooled bin (1, 7]
        assert_eq!(common_cut_at_or_above(&all, 2), 7);
        assert_eq!(common_cut_at_or_below(&all, 6), 1);
        assert_eq!(common_cut_at_or_above(&all, 9), 10);
        assert_eq!(common_cut_at_or_above(&all, 12), 12);
        assert_eq!(common_cut_at_or_above(&[&Cuts::every()], 4), 4);
    }

    #[test]
    fn coarsening_merges_blocks_then_neighbours() {
        let bins = vec![
            (1, vec![2, 0]),
            (2, vec![3, 5]),
            (7, vec![6, 0]),
            (8, vec![5, 5]),
            (13, vec![1, 1]),
        ];
        let (cuts, merged) = coarsen(&bins, 5).unwrap();
        // block (0, 5] merges k = 1, 2; block (5, 10] passes as it is;
        // block (10, 15] fails and is folded back into (7, 8]... then (5, 8]
        assert_eq!(
            merged,
            vec![(5, vec![5, 5]), (7, vec![6, 0]), (15, vec![6, 6])]
        );
        assert_eq!(cuts.merged, vec![(0, 5), (7, 15)]);
        for (_, cells) in &merged {
            assert!(cells.iter().all(|&c| c == 0 || c >= 5));
        }
        assert!(coarsen(&[(1, vec![2])], 5).is_none());
        // nothing small: nothing merged
        let (cuts, merged) = coarsen(&[(3, vec![5]), (9, vec![7])], 5).unwrap();
        assert!(!cuts.is_merged());
        assert_eq!(merged.len(), 2);
        // one outlier far away joins its neighbour, not the whole range
        let far = vec![(61, vec![5]), (62, vec![6]), (90, vec![1])];
        let (_, merged) = coarsen(&far, 5).unwrap();
        assert_eq!(merged, vec![(61, vec![5]), (90, vec![7])]);
    }
}
