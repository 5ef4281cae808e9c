//! Disclosure control: no count between 1 and k − 1 leaves a centre unless
//! the centre says so.
//!
//! A *cell* is a count of patients with a characteristic: a group size, a
//! level count, the number of values of a continuous variable in a group, a
//! histogram bin, the events or censorings of a time bin. Counts of missing
//! values (and of rows without a group) describe the completeness of the
//! file, not the patients, and are not cells; they are still listed by the
//! audit. A cell is *small* when 1 ≤ count < k. Zeros are written.
//!
//! Policies ([`SmallCells`]):
//! * `coarsen` (default): neighbouring levels are merged ("cT2 or cT3"),
//!   neighbouring histogram and time bins are merged, until no cell is
//!   small. What merging cannot fix (a group of 3 patients, a variable with
//!   4 values in a group) is withheld as under `suppress`.
//! * `suppress`: the smallest unit containing a small cell is withheld —
//!   the whole variable or endpoint of the centre (a withheld cell whose
//!   margins are written could be recovered by subtraction), a histogram, or
//!   a whole group. Pooled results then lack that centre and say so.
//! * `keep`: everything is written as it is, for sharing under a data
//!   agreement; the file states it.
//!
//! k defaults to 5 and is never below 3. Before a file is written,
//! [`check`] goes through every cell again and refuses a small one.

use serde::{Deserialize, Serialize};

use super::aggregate::AggregateFile;
use crate::error::{Error, ErrorKind, Result};

/// Default smallest cell.
pub const DEFAULT_MIN_CELL: u64 = 5;
/// The smallest k that may be asked for.
pub const MIN_CELL_FLOOR: u64 = 3;

/// What to do with cells below k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmallCells {
    /// Merge neighbouring levels and bins; withhold what cannot be merged.
    #[default]
    Coarsen,
    /// Withhold every variable, histogram, endpoint or group with a small
    /// cell.
    Suppress,
    /// Write all counts (data-sharing agreement).
    Keep,
}

impl SmallCells {
    /// The policy's name as written in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SmallCells::Coarsen => "coarsen",
            SmallCells::Suppress => "suppress",
            SmallCells::Keep => "keep",
        }
    }
}

/// True when 1 ≤ `count` < `min_cell`.
pub fn is_small(count: u64, min_cell: u64) -> bool {
    count > 0 && count < min_cell
}

/// The sentence a file carries about its disclosure control.
pub fn statement(policy: SmallCells, min_cell: u64) -> String {
    match policy {
        SmallCells::Coarsen => format!(
            "No count between 1 and {} is written: neighbouring levels and bins were merged, and what could not be merged was withheld.",
            min_cell - 1
        ),
        SmallCells::Suppress => format!(
            "No count between 1 and {} is written: every variable, histogram, endpoint or group holding one was withheld.",
            min_cell - 1
        ),
        SmallCells::Keep => format!(
            "Counts below {min_cell} are written as they are (policy keep: for sharing under a data agreement only)."
        ),
    }
}

/// Merges neighbouring levels, the rarest first, until no level count of
/// any group is small. `counts[g][l]` is the count of level `l` in group
/// `g`. Returns the categories as runs of level indices, or `None` when a
/// single category is still small.
pub fn merge_levels(
    counts: &[Vec<u64>],
    n_levels: usize,
    min_cell: u64,
) -> Option<Vec<Vec<usize>>> {
    let mut categories: Vec<Vec<usize>> = (0..n_levels).map(|l| vec![l]).collect();
    let cell = |cat: &[usize], g: usize| -> u64 { cat.iter().map(|&l| counts[g][l]).sum() };
    let total = |cat: &[usize]| -> u64 { (0..counts.len()).map(|g| cell(cat, g)).sum() };
    loop {
        let offending = (0..categories.len())
            .filter(|&c| (0..counts.len()).any(|g| is_small(cell(&categories[c], g), min_cell)))
            .min_by_key(|&c| (total(&categories[c]), c));
        let Some(c) = offending else {
            return Some(categories);
        };
        if categories.len() < 2 {
            return None;
        }
        // merge with the smaller neighbour (the previous one on a tie)
        let neighbour = match (
            c.checked_sub(1),
            (c + 1 < categories.len()).then_some(c + 1),
        ) {
            (Some(p), Some(n)) => {
                if total(&categories[n]) < total(&categories[p]) {
                    n
                } else {
                    p
                }
            }
            (Some(p), None) => p,
            (None, Some(n)) => n,
            (None, None) => return None,
        };
        let (first, second) = (c.min(neighbour), c.max(neighbour));
        let moved = categories.remove(second);
        categories[first].extend(moved);
    }
}

/// One count written to a file, with what it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// What is counted, in words.
    pub what: String,
    /// The count.
    pub count: u64,
}

/// Every cell of a file (counts subject to the rule).
pub fn cells(file: &AggregateFile) -> Vec<Cell> {
    let mut out = Vec::new();
    let mut push = |what: String, count: u64| out.push(Cell { what, count });
    for g in &file.groups {
        if let Some(n) = g.n {
            push(format!("patients in group {}", g.label), n);
        }
    }
    for v in &file.categorical {
        for g in &v.by_group {
            for (cat, &count) in v.categories.iter().zip(&g.counts) {
                push(
                    format!("{} = {} in group {}", v.variable, cat.join(" or "), g.group),
                    count,
                );
            }
        }
    }
    for v in &file.continuous {
        for g in &v.by_group {
            push(
                format!("values of {} in group {}", v.variable, g.group),
                g.n,
            );
        }
        if let Some(h) = &v.histogram {
            for bin in &h.bins {
                for (group, &count) in v.by_group.iter().zip(&bin.counts) {
                    push(
                        format!(
                            "values of {} up to {} in group {}",
                            v.variable, bin.upper, group.group
                        ),
                        count,
                    );
                }
            }
        }
    }
    for s in &file.survival {
        let mut times = |label: String, counts: &super::aggregate::TimeCounts| {
            push(format!("{label}: patients"), counts.n);
            for bin in &counts.bins {
                push(format!("{label}: events at {}", bin.time), bin.events);
                push(format!("{label}: censored at {}", bin.time), bin.censored);
            }
        };
        for g in &s.by_group {
            times(format!("{} in group {}", s.endpoint, g.group), g);
        }
        for strata in &s.strata {
            for level in &strata.by_level {
                for g in &level.by_group {
                    times(
                        format!(
                            "{} in group {} with {} = {}",
                            s.endpoint, g.group, strata.column, level.level
                        ),
                        g,
                    );
                }
            }
        }
    }
    out
}

/// Refuses a file that would write a small cell against its policy.
pub fn check(file: &AggregateFile) -> Result<()> {
    let k = file.disclosure.min_cell;
    if k < MIN_CELL_FLOOR {
        return Err(Error::new(
            ErrorKind::Spec,
            format!("the smallest cell must be at least {MIN_CELL_FLOOR}, not {k}"),
        ));
    }
    if file.disclosure.small_cells == SmallCells::Keep {
        return Ok(());
    }
    match cells(file).into_iter().find(|c| is_small(c.count, k)) {
        Some(c) => Err(Error::new(
            ErrorKind::Computation,
            format!(
                "disclosure check failed: {} would be written as {} (below {k}); nothing was written",
                c.what, c.count
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_levels_merge_with_the_smaller_neighbour() {
        // levels: a b c d; b is rare in group 0
        let counts = vec![vec![10, 2, 7, 9], vec![8, 6, 5, 12]];
        let cats = merge_levels(&counts, 4, 5).unwrap();
        assert_eq!(cats, vec![vec![0], vec![1, 2], vec![3]]);
        // nothing small: unchanged
        let cats = merge_levels(&[vec![5, 0, 6]], 3, 5).unwrap();
        assert_eq!(cats, vec![vec![0], vec![1], vec![2]]);
        // a group of 3 cannot be helped
        assert!(merge_levels(&[vec![1, 2]], 2, 5).is_none());
    }

    #[test]
    fn small_means_one_to_k_minus_one() {
        assert!(!is_small(0, 5));
        assert!(is_small(1, 5) && is_small(4, 5));
        assert!(!is_small(5, 5));
    }
}
