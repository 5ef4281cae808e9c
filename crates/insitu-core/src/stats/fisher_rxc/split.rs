//! Fisher's exact test for tables of two columns (or two rows) that the
//! network algorithm gives up on: meet in the middle.
//!
//! A k × 2 table is its first column `x` (the row sums `r_i` and the column
//! sum `c` fixed), with `log P(x) = Σ_i log C(r_i, x_i) − log C(n, c)`. The
//! rows are split into two halves A and B. For each sum `s` of `x` over A,
//! the half-tables of A with that sum and those of B with sum `c − s` are
//! listed with their `ℓ = Σ log C(r_i, x_i)`, both lists sorted, and the
//! pairs with `ℓ_a + ℓ_b ≤ log P(observed) + FEXACT_TOL + log C(n, c)` (the
//! network algorithm's rule, [`super::FEXACT_TOL`]) summed by one merge
//! pass over prefix sums of `exp(ℓ_b)`. The cost is the length of the lists,
//! about the square root of the number of tables, instead of the number of
//! distinct partial probabilities the network carries (which grows like the
//! number of tables near the observed probability).
//!
//! # What is left out, and the bound on it
//!
//! Half-tables are enumerated row by row. A prefix `x_1 … x_j` of a half
//! (with the slice's sum `s`) stands for a set of whole tables whose total
//! probability is known in closed form (Vandermonde):
//! `Π_{i ≤ j} C(r_i, x_i) · C(R_rest, s − S_j) · C(R_other, c − s) / C(n, c)`.
//! A prefix whose set has probability below `P(observed) · e^-PRUNE` is not
//! enumerated; its probability is added to a bound on what was left out.
//! Along one row the probability of the sets is a hypergeometric law in
//! `x_j`, log-concave, so the kept values form an interval around its mode,
//! and the mass beyond the interval is bounded by a geometric series once
//! the ratio of neighbours falls below 1/2. The true P value lies between
//! the sum computed and that sum plus the bound; the result is given only
//! when the bound is at most [`MAX_LEFT_OUT`] of the sum (the observed
//! table is never left out, so the sum is at least `P(observed)`), else the
//! caller falls back to the Monte Carlo estimate.
//!
//! # Why by hand
//!
//! No crate computes Fisher's exact test beyond 2 × 2 (see the parent
//! module). The split is the classical meet-in-the-middle; the pruning rule
//! and its bound are this module's own (documented above and tested against
//! the network algorithm, R and brute-force enumeration in
//! `tests/fisher_rxc.rs`).

use super::{ExpSum, LogFact, Neumaier, Prepared, TooBig, LOG_FACT_TABLE};
use crate::stats::order::sort_f64;

/// log C(n, k), out of line: called from every step of the enumeration,
/// inlined it would be copied into each (the app's wasm has a size budget).
#[inline(never)]
fn ln_choose(lf: &LogFact, n: u64, k: u64) -> f64 {
    lf.ln_choose(n, k)
}

/// Sets of tables less probable than `P(observed) · e^-PRUNE` (≈ 2e-22 of
/// it) are not enumerated.
const PRUNE: f64 = 36.0;

/// Largest bound on the left-out probability, relative to the P value, for
/// which the P value is given.
pub const MAX_LEFT_OUT: f64 = 1e-12;

/// Exact P value of a table with two columns or two rows by meeting in the
/// middle; `None` for other tables, beyond `max_work` (half-tables listed
/// plus probabilities evaluated), when a list would exceed `max_list`
/// entries, or when the bound on the left-out probability exceeds
/// [`MAX_LEFT_OUT`] of the P value.
pub(super) fn two_column(t: &Prepared, max_work: u64, max_list: usize) -> Option<f64> {
    let (parts, other) = if t.cols == 2 {
        (&t.row_sums, &t.col_sums)
    } else if t.rows == 2 {
        (&t.col_sums, &t.row_sums)
    } else {
        return None;
    };
    let c = other[0].min(other[1]);
    // beyond the table of log factorials every evaluation computes them
    // (about eight times the cost): the same time, a smaller count
    let max_work = if t.total > LOG_FACT_TABLE {
        max_work / 8
    } else {
        max_work
    };
    let (a, b) = halves(parts, c);
    let lf = &t.lf;
    let n = t.total;
    let ln_all = ln_choose(lf, n, c);
    let ln_eps = t.threshold - PRUNE;
    let bound = t.threshold + ln_all;
    let (ra, rb): (u64, u64) = (a.iter().sum(), b.iter().sum());
    let mut budget = Budget {
        work: 0,
        max_work,
        left_out: ExpSum::new(ln_eps),
    };
    let mut p = ExpSum::new(t.threshold.min(0.0));
    let (lo, hi) = (c.saturating_sub(rb), ra.min(c));
    let slice_mass = |s: u64| ln_choose(lf, ra, s) + ln_choose(lf, rb, c - s) - ln_all;
    let mode = hypergeometric_mode(c, ra, n).clamp(lo, hi);
    let (s_lo, s_hi) = kept_interval(lo, hi, mode, ln_eps, &slice_mass, &mut budget).ok()??;
    let mut half_a = Half::new(a, lf, ln_eps, max_list);
    let mut half_b = Half::new(b, lf, ln_eps, max_list);
    for s in s_lo..=s_hi {
        half_a
            .list(s, ln_choose(lf, rb, c - s) - ln_all, &mut budget)
            .ok()?;
        half_b
            .list(c - s, ln_choose(lf, ra, s) - ln_all, &mut budget)
            .ok()?;
        merge(&mut half_a.out, &mut half_b.out, bound, ln_all, &mut p);
    }
    let (ln_p, ln_left_out) = (p.ln(), budget.left_out.ln());
    if ln_left_out - ln_p > MAX_LEFT_OUT.ln() {
        return None;
    }
    Some(ln_p.exp().clamp(0.0, 1.0))
}

/// The rows split into two halves with about equal numbers of half-tables
/// (each row weighs log(min(r_i, c) + 1)), largest rows first.
fn halves(parts: &[u64], c: u64) -> (Vec<u64>, Vec<u64>) {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let (mut wa, mut wb) = (0.0, 0.0);
    for r in sorted.into_iter().rev() {
        let w = ((r.min(c) + 1) as f64).ln();
        if wa <= wb {
            a.push(r);
            wa += w;
        } else {
            b.push(r);
            wb += w;
        }
    }
    (a, b)
}

/// The mode of the hypergeometric law of the successes in `draws` draws
/// from `total` items of which `successes` are successes (in floating
/// point: one off at worst, and only where the quotient is within rounding
/// of an integer, i.e. where the two neighbours' masses are equal to
/// rounding).
fn hypergeometric_mode(draws: u64, successes: u64, total: u64) -> u64 {
    ((draws as f64 + 1.0) * (successes as f64 + 1.0) / (total as f64 + 2.0)) as u64
}

/// Work done and the probability left out.
struct Budget {
    work: u64,
    max_work: u64,
    left_out: ExpSum,
}

impl Budget {
    fn charge(&mut self, units: u64) -> Result<(), TooBig> {
        self.work += units;
        if self.work > self.max_work {
            Err(TooBig)
        } else {
            Ok(())
        }
    }
}

/// The values of `lo..=hi` whose log mass (log-concave, largest at `mode`)
/// is at least `ln_eps`, as an interval (`None`: none); the mass of the
/// others is bounded and added to the budget's left-out probability.
fn kept_interval(
    lo: u64,
    hi: u64,
    mode: u64,
    ln_eps: f64,
    mass: &dyn Fn(u64) -> f64,
    budget: &mut Budget,
) -> Result<Option<(u64, u64)>, TooBig> {
    budget.charge(1)?;
    let at_mode = mass(mode);
    let keep = at_mode >= ln_eps;
    if !keep {
        budget.left_out.add_ln(at_mode);
    }
    // From the mode up to `hi`, then down to `lo`.
    let mut ends = [mode, mode];
    for (k, end) in [hi, lo].into_iter().enumerate() {
        let up = k == 0;
        let mut x = mode;
        while x != end {
            let next = if up { x + 1 } else { x - 1 };
            budget.charge(1)?;
            let m = mass(next);
            if !keep || m < ln_eps {
                left_out_tail(next, end, up, m, mass, budget)?;
                break;
            }
            x = next;
        }
        ends[k] = x;
    }
    Ok(keep.then_some((ends[1], ends[0])))
}

/// Adds to the left-out probability a bound on the mass of `from..=end`
/// (upwards or downwards from `from`, which lies beyond the mode, so the
/// masses never grow on the way): segments of doubling length, each
/// bounded by its length times the mass at its start, until the rest is
/// below e^-50 of `at_from` (bounded the same way). A few dozen evaluations
/// even where the law is millions of values wide.
fn left_out_tail(
    from: u64,
    end: u64,
    up: bool,
    at_from: f64,
    mass: &dyn Fn(u64) -> f64,
    budget: &mut Budget,
) -> Result<(), TooBig> {
    let (mut x, mut m, mut len) = (from, at_from, 1u64);
    loop {
        let rest = x.abs_diff(end) + 1;
        if len >= rest || m + (rest as f64).ln() < at_from - 50.0 {
            budget.left_out.add_ln(m + (rest as f64).ln());
            return Ok(());
        }
        budget.left_out.add_ln(m + (len as f64).ln());
        x = if up { x + len } else { x - len };
        len *= 2;
        budget.charge(1)?;
        m = mass(x);
    }
}

/// One half of the rows and the list of its half-tables for one sum.
struct Half<'a> {
    parts: Vec<u64>,
    /// `suffix[i]` = Σ parts[i..].
    suffix: Vec<u64>,
    lf: &'a LogFact,
    ln_eps: f64,
    max_list: usize,
    /// log of the other half's count and of 1 / C(n, c), for the slice.
    ln_other: f64,
    /// Σ log C(r_i, x_i) of each half-table kept.
    out: Vec<f64>,
}

impl<'a> Half<'a> {
    fn new(parts: Vec<u64>, lf: &'a LogFact, ln_eps: f64, max_list: usize) -> Half<'a> {
        let mut suffix = vec![0u64; parts.len() + 1];
        for i in (0..parts.len()).rev() {
            suffix[i] = suffix[i + 1] + parts[i];
        }
        Half {
            parts,
            suffix,
            lf,
            ln_eps,
            max_list,
            ln_other: 0.0,
            out: Vec::new(),
        }
    }

    /// Lists the half-tables with sum `s` (the slice's other factors
    /// `ln_other`) into `out`.
    fn list(&mut self, s: u64, ln_other: f64, budget: &mut Budget) -> Result<(), TooBig> {
        self.out.clear();
        self.ln_other = ln_other;
        self.rec(0, s, 0.0, budget)
    }

    fn rec(&mut self, i: usize, s: u64, ln_prefix: f64, budget: &mut Budget) -> Result<(), TooBig> {
        let lf = self.lf;
        let h = self.parts[i];
        if i + 1 == self.parts.len() {
            budget.charge(1)?;
            if self.out.len() >= self.max_list {
                return Err(TooBig);
            }
            self.out.push(ln_prefix + ln_choose(lf, h, s));
            return Ok(());
        }
        let rest = self.suffix[i + 1];
        let (lo, hi) = (s.saturating_sub(rest), h.min(s));
        let ln_other = self.ln_other;
        let mass = |x: u64| ln_prefix + ln_choose(lf, h, x) + ln_choose(lf, rest, s - x) + ln_other;
        let mode = hypergeometric_mode(s, h, h + rest).clamp(lo, hi);
        if let Some((x_lo, x_hi)) = kept_interval(lo, hi, mode, self.ln_eps, &mass, budget)? {
            for x in x_lo..=x_hi {
                self.rec(i + 1, s - x, ln_prefix + ln_choose(lf, h, x), budget)?;
            }
        }
        Ok(())
    }
}

/// Adds to `p` the probability of the pairs of half-tables with
/// `ℓ_a + ℓ_b ≤ bound`, each pair weighing `exp(ℓ_a + ℓ_b − ln_all)`.
fn merge(a: &mut [f64], b: &mut [f64], bound: f64, ln_all: f64, p: &mut ExpSum) {
    sort_f64(a);
    sort_f64(b);
    let Some(&top) = b.last() else {
        return;
    };
    // prefix[j] = Σ_{i < j} exp(ℓ_b[i] − top), compensated.
    let mut prefix = Vec::with_capacity(b.len() + 1);
    let mut acc = Neumaier::default();
    prefix.push(0.0);
    for &lb in b.iter() {
        acc.add((lb - top).exp());
        prefix.push(acc.value());
    }
    let mut j = b.len();
    for &la in a.iter() {
        let limit = bound - la;
        while j > 0 && b[j - 1] > limit {
            j -= 1;
        }
        if j == 0 {
            break;
        }
        p.add_ln(la + top + prefix[j].ln() - ln_all);
    }
}
