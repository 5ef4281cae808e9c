//! Fisher's exact test for r × c tables (anything but 2 × 2), two-sided, as
//! R's `fisher.test`.
//!
//! # What is computed
//!
//! Among all tables with the observed row and column sums, under the
//! multiple hypergeometric law
//! `P(T) = Π r_i! Π c_j! / (n! Π t_ij!)`, the P value is the total
//! probability of the tables at most as probable as the observed one:
//! `log P(T) ≤ log P(observed) + 3.45254e-7` ([`FEXACT_TOL`]). That tolerance
//! is the one R's FEXACT adds to the observed "path length" (`tol` in
//! `fexact.c`); R's `relErr = 1 + 1e-7` of [`super::fisher::REL_ERR`] is only
//! used by `fisher.test` for 2 × 2 tables. Both only keep tables that tie
//! with the observed one in exact arithmetic but not in floating point, so
//! they give the same P value unless a table's probability lies within
//! 3.45e-7 (relative) of the observed one's without being equal to it.
//!
//! # Algorithm: network algorithm (Mehta & Patel 1983), as FEXACT
//!
//! The table is filled one column at a time ("stages"; the longer dimension,
//! smallest sums first). A node of the network is the multiset of row sums
//! still to be filled (sorted, so that rows with equal remaining sums are
//! merged); an arc fills one column with a vector `y`, and has the
//! conditional probability `Π_i C(R_i, y_i) / C(N, c)` of that column given
//! the remaining row sums `R` and total `N`. The product of the arcs of a
//! path is the probability of the table, and the completions of any node
//! sum to probability 1.
//!
//! Each node keeps its "past probabilities" (log probability of the path
//! that reached it; equal ones merged with a multiplicity). For each node,
//! bounds on the largest ([`Bounds::lp`], a Lagrangian dual bound) and
//! smallest ([`Bounds::sp`], a majorisation bound) log probability of its
//! completions decide, for each past, that every completion counts (the past
//! probability is added wholesale, times 1), that none does (dropped), or
//! that the past must be carried to the next stage. Past probabilities are
//! kept sorted with prefix sums, so the wholesale part of an arc costs one
//! binary search. The last column is forced, so every path is resolved at
//! the last free column. Sums are done in linear space with a moving scale
//! and Neumaier compensation, so small P values (1e-10 and far below) keep
//! their relative precision, as do P values near 1.
//!
//! # Two columns beyond the network's limits: meet in the middle
//!
//! For k × 2 (and 2 × k) tables the number of distinct partial
//! probabilities the network carries grows like the number of tables near
//! the observed probability; R's FEXACT stops there ("LDSTP is too small")
//! from about six groups of ~800 (flchain, n ≈ 4,700). When the network
//! gives up on such a table, [`split`] sums the same P value by splitting
//! the rows into two halves, listing each half's partial tables per column
//! sum and merging the sorted lists — the square root of the work, with a
//! rigorous bound on the (≤ 1e-12 relative) probability it leaves out.
//!
//! # When the exact computation is too large: Monte Carlo
//!
//! Some tables are beyond both (the full 10 × 2 flchain tables, n = 7,874:
//! counted for flc.grp × sex, each half of the split has 2.1e9 partial
//! tables to list in the middle column sum alone, and 604 column sums —
//! about 2.5e12 partial tables per half, lists of 17 GB, days of CPU; the
//! network would carry ~1e20 paths; R's FEXACT stops too). The network is
//! abandoned when its work count (arcs plus carried past probabilities) exceeds
//! [`MAX_WORK`] or more than [`MAX_STORED`] past probabilities would be held
//! at once (about 64 MB); the split when its work count (partial tables
//! listed and probabilities evaluated) exceeds [`MAX_WORK`] or a list
//! [`MAX_LIST`] entries. The P value is then simulated as R's
//! `fisher.test(simulate.p.value = TRUE)`: random tables with the observed
//! margins by Patefield's algorithm (AS 159, 1981; a port of R's `rcont2`),
//! [`MC_REPLICATES`] of them (fewer, but at least [`MC_MIN_REPLICATES`], if
//! their work count exceeds [`MC_MAX_WORK`]), with a fixed seed
//! ([`MC_SEED`]) and a xoshiro256** generator, so the result is
//! deterministic; `p = (1 + #{P(T) ≤ P(observed)}) / (B + 1)`, reported as
//! [`FisherMethod::MonteCarlo`] with its standard error
//! `sqrt(p (1 − p) / B)`.
//!
//! # Why by hand
//!
//! No Rust crate computes Fisher's exact test for r × c tables (statrs and
//! the others stop at the hypergeometric distribution, i.e. 2 × 2).
//!
//! # Deliberate differences from R
//!
//! * Where FEXACT fails ("LDSTP/LDKEY is too small", even with a large
//!   `workspace`), R stops with an error; this gives the exact P value if the
//!   work limits allow (for two-column tables by the split), otherwise the
//!   Monte Carlo estimate (R needs the caller to ask for
//!   `simulate.p.value = TRUE`; R's default is B = 2000).
//! * FEXACT merges past probabilities that differ by less than its `tol`
//!   (keeping one of them); here only those within 1e-9 (log scale) are
//!   merged and the merged probability keeps the exact mass, so on tables
//!   where that merging matters R's value is the slightly less exact one.
//! * The simulation counts `log P(T) ≤ log P(observed) + FEXACT_TOL`, the
//!   same rule as the exact computation; R's simulation uses
//!   `STATISTIC / (1 + 64 eps)` instead. Both only catch rounding ties.
//! * R refuses tables with counts above 2^31 − 1; so does this one: the P
//!   value is NaN (as R's NA) when the total exceeds [`MAX_TOTAL`].
//!
//! References: C. R. Mehta and N. R. Patel (1983), "A network algorithm for
//! performing Fisher's exact test in r × c contingency tables", JASA 78,
//! 427–434; (1986) "FEXACT: a Fortran subroutine for Fisher's exact test on
//! unordered r × c contingency tables", ACM TOMS 12, 154–161;
//! W. M. Patefield (1981), "Algorithm AS 159: an efficient method of
//! generating random r × c tables with given row and column totals",
//! Applied Statistics 30, 91–97; R's `fisher.test` (stats, R 4.2.2).

mod split;

use super::keymap::KeyMap;
use super::rng::Xoshiro256;

use statrs::function::gamma::ln_gamma;

use super::contingency::Contingency;
use super::fisher::{FisherMethod, FisherResult};

/// FEXACT's tolerance, added to the observed log probability (`tol` in R's
/// `fexact.c`, "the square root of the smallest relative spacing").
pub const FEXACT_TOL: f64 = 3.45254e-7;

/// Work limit of the exact computation: arcs enumerated plus past
/// probabilities carried or resolved one by one (about 1 s in a release
/// build).
#[cfg(not(fuzzing))]
pub const MAX_WORK: u64 = 50_000_000;

/// Under fuzzing (`cfg(fuzzing)`, set by cargo fuzz) the limits of the
/// exact computation and of the simulation are a thousandth of the real
/// ones (the simulation draws 100 tables): a fuzzed file with many levels
/// then reaches the give-up paths (network → split → Monte Carlo) in
/// milliseconds instead of seconds under the fuzzer's instrumentation, so
/// they are fuzzed more, not less.
#[cfg(fuzzing)]
pub const MAX_WORK: u64 = 50_000;

/// Longest list of a node's completions built to resolve its past
/// probabilities at once (16 bytes each).
pub const MAX_LIST: usize = 4_000_000;

/// Most past probabilities held at once by the exact computation (16 bytes
/// each).
pub const MAX_STORED: usize = 4_000_000;

/// Random tables drawn when the exact computation is abandoned.
#[cfg(not(fuzzing))]
pub const MC_REPLICATES: u64 = 1_000_000;
/// Under fuzzing: see [`MAX_WORK`].
#[cfg(fuzzing)]
pub const MC_REPLICATES: u64 = 100;

/// Fewest random tables drawn, whatever their cost (R's default B).
#[cfg(not(fuzzing))]
pub const MC_MIN_REPLICATES: u64 = 2_000;
/// Under fuzzing: see [`MAX_WORK`].
#[cfg(fuzzing)]
pub const MC_MIN_REPLICATES: u64 = 100;

/// Work limit of the simulation (steps of Patefield's search plus cells);
/// it stops drawing once past this, after at least [`MC_MIN_REPLICATES`].
#[cfg(not(fuzzing))]
pub const MC_MAX_WORK: u64 = 500_000_000;
/// Under fuzzing: see [`MAX_WORK`].
#[cfg(fuzzing)]
pub const MC_MAX_WORK: u64 = 500_000;

/// Seed of the simulation.
pub const MC_SEED: u64 = 20_251_124;

/// Largest total count accepted (R's integer limit).
pub const MAX_TOTAL: u64 = i32::MAX as u64;

/// Past probabilities closer than this (log scale) are merged.
const MERGE_TOL: f64 = 1e-9;

/// Log factorials are tabulated up to this count, computed beyond.
const LOG_FACT_TABLE: u64 = 1 << 21;

/// Fisher's exact test of an r × c table (not 2 × 2; any table is accepted):
/// exact where the work limit allows, Monte Carlo otherwise.
pub fn fisher_rxc(table: &Contingency) -> FisherResult {
    let t = match Prepared::new(table) {
        Prep::Table(t) => t,
        Prep::Trivial => return exact(1.0),
        Prep::TooLarge => return exact(f64::NAN),
    };
    match exact_p(&t, MAX_WORK) {
        Some(p) => exact(p),
        None => simulate(&t, MC_REPLICATES, MC_SEED),
    }
}

/// The exact P value, or `None` when the computation would exceed `max_work`
/// (see [`MAX_WORK`]) or hold more than [`MAX_STORED`] past probabilities.
/// NaN when the total exceeds [`MAX_TOTAL`].
pub fn fisher_rxc_exact(table: &Contingency, max_work: u64) -> Option<f64> {
    match Prepared::new(table) {
        Prep::Table(t) => exact_p(&t, max_work),
        Prep::Trivial => Some(1.0),
        Prep::TooLarge => Some(f64::NAN),
    }
}

/// The exact P value of a table with two columns or two rows by the split
/// of [`split`] alone (without trying the network algorithm first); `None`
/// for other tables or beyond `max_work`. For tests against the network
/// algorithm.
pub fn fisher_two_column_split(table: &Contingency, max_work: u64) -> Option<f64> {
    match Prepared::new(table) {
        Prep::Table(t) => split::two_column(&t, max_work, MAX_LIST),
        Prep::Trivial => Some(1.0),
        Prep::TooLarge => Some(f64::NAN),
    }
}

/// The Monte Carlo P value with `replicates` random tables (subject to
/// [`MC_MAX_WORK`] beyond [`MC_MIN_REPLICATES`]) from `seed`, whatever the
/// size of the table.
pub fn fisher_rxc_simulated(table: &Contingency, replicates: u64, seed: u64) -> FisherResult {
    match Prepared::new(table) {
        Prep::Table(t) => simulate(&t, replicates, seed),
        Prep::Trivial => exact(1.0),
        Prep::TooLarge => exact(f64::NAN),
    }
}

/// The network algorithm, then (two columns or two rows) the split.
fn exact_p(t: &Prepared, max_work: u64) -> Option<f64> {
    network(t, max_work, MAX_STORED).or_else(|| split::two_column(t, max_work, MAX_LIST))
}

fn exact(p: f64) -> FisherResult {
    FisherResult {
        p,
        method: FisherMethod::Exact,
    }
}

// ---------------------------------------------------------------------------
// The table, without empty rows and columns, with checked totals.

struct Prepared {
    rows: usize,
    cols: usize,
    row_sums: Vec<u64>,
    col_sums: Vec<u64>,
    total: u64,
    lf: LogFact,
    /// log P(observed) + FEXACT_TOL.
    threshold: f64,
    /// Σ log t_ij! of the observed table.
    observed_stat: f64,
}

enum Prep {
    Table(Prepared),
    /// One row or column left: a single table, P = 1.
    Trivial,
    TooLarge,
}

/// Called for each column vector with its log multiplicity and log
/// probability; stops the enumeration by returning `TooBig`.
type ColumnVisitor<'a> = dyn FnMut(&[u64], f64, f64) -> Result<(), TooBig> + 'a;

impl Prepared {
    #[allow(clippy::new_ret_no_self)] // `Prep` says whether the table needs work at all
    fn new(table: &Contingency) -> Prep {
        let (r0, c0) = (table.rows(), table.cols());
        let mut row_sums = vec![0u64; r0];
        let mut col_sums = vec![0u64; c0];
        let mut total = 0u64;
        for (i, row_sum) in row_sums.iter_mut().enumerate() {
            for (j, col_sum) in col_sums.iter_mut().enumerate() {
                let x = table.get(i, j);
                let (Some(rs), Some(cs), Some(t)) = (
                    row_sum.checked_add(x),
                    col_sum.checked_add(x),
                    total.checked_add(x),
                ) else {
                    return Prep::TooLarge;
                };
                *row_sum = rs;
                *col_sum = cs;
                total = t;
            }
        }
        if total > MAX_TOTAL {
            return Prep::TooLarge;
        }
        let keep_r: Vec<usize> = (0..r0).filter(|&i| row_sums[i] > 0).collect();
        let keep_c: Vec<usize> = (0..c0).filter(|&j| col_sums[j] > 0).collect();
        if keep_r.len() < 2 || keep_c.len() < 2 {
            return Prep::Trivial;
        }
        let counts: Vec<u64> = keep_r
            .iter()
            .flat_map(|&i| keep_c.iter().map(move |&j| table.get(i, j)))
            .collect();
        let row_sums: Vec<u64> = keep_r.iter().map(|&i| row_sums[i]).collect();
        let col_sums: Vec<u64> = keep_c.iter().map(|&j| col_sums[j]).collect();
        let lf = LogFact::new(total);
        let observed_stat = lf.sum(counts.iter().copied());
        let log_p = lf.sum(row_sums.iter().copied()) + lf.sum(col_sums.iter().copied())
            - lf.get(total)
            - observed_stat;
        Prep::Table(Prepared {
            rows: keep_r.len(),
            cols: keep_c.len(),
            row_sums,
            col_sums,
            total,
            lf,
            threshold: log_p + FEXACT_TOL,
            observed_stat,
        })
    }
}

// ---------------------------------------------------------------------------
// Numerics.

/// log k!, tabulated (compensated running sum) up to [`LOG_FACT_TABLE`].
struct LogFact {
    table: Vec<f64>,
}

impl LogFact {
    fn new(n: u64) -> LogFact {
        let len = n.min(LOG_FACT_TABLE) as usize + 1;
        let mut table = Vec::with_capacity(len);
        let mut acc = Neumaier::default();
        table.push(0.0);
        for k in 1..len {
            acc.add((k as f64).ln());
            table.push(acc.value());
        }
        LogFact { table }
    }

    fn get(&self, k: u64) -> f64 {
        match usize::try_from(k).ok().and_then(|i| self.table.get(i)) {
            Some(&v) => v,
            None => ln_factorial_beyond_table(k),
        }
    }

    /// Σ log k! over `ks`, compensated.
    fn sum(&self, ks: impl Iterator<Item = u64>) -> f64 {
        let mut acc = Neumaier::default();
        for k in ks {
            acc.add(self.get(k));
        }
        acc.value()
    }

    /// log C(n, k).
    fn ln_choose(&self, n: u64, k: u64) -> f64 {
        self.get(n) - self.get(k) - self.get(n - k)
    }
}

/// log k! beyond the table. Out of line: inlined, the optimiser may compute
/// it speculatively on every look-up.
#[cold]
#[inline(never)]
fn ln_factorial_beyond_table(k: u64) -> f64 {
    ln_gamma(k as f64 + 1.0)
}

/// Neumaier's compensated sum.
#[derive(Default, Clone, Copy)]
struct Neumaier {
    sum: f64,
    comp: f64,
}

impl Neumaier {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.comp
    }

    fn scale(&mut self, f: f64) {
        self.sum *= f;
        self.comp *= f;
    }
}

/// A sum of exp(x) terms, kept as exp(scale) · (compensated sum), the
/// scale moving up as larger terms come, so that nothing overflows and
/// terms far below the total underflow harmlessly.
#[derive(Clone, Copy)]
struct ExpSum {
    scale: f64,
    acc: Neumaier,
}

impl ExpSum {
    fn new(scale: f64) -> ExpSum {
        ExpSum {
            scale,
            acc: Neumaier::default(),
        }
    }

    fn add_ln(&mut self, x: f64) {
        if x == f64::NEG_INFINITY || x.is_nan() {
            return;
        }
        if x > self.scale + 64.0 {
            self.acc.scale((self.scale - x).exp());
            self.scale = x;
        }
        self.acc.add((x - self.scale).exp());
    }

    fn ln(&self) -> f64 {
        let v = self.acc.value();
        if v > 0.0 {
            self.scale + v.ln()
        } else {
            f64::NEG_INFINITY
        }
    }
}

/// ln(e^a + e^b).
fn ln_add(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

// ---------------------------------------------------------------------------
// Network algorithm.

/// Bounds on the log probabilities of the completions of a node.
#[derive(Clone, Copy)]
struct Bounds {
    /// At least the largest ("longest path").
    lp: f64,
    /// At most the smallest ("shortest path").
    sp: f64,
}

/// Bounds for the tables with row sums `rows` and column sums `cols`
/// (total `n`), on the log of their probability given the margins,
/// `log P(Y) = K − Σ log y_ik!` with `K` the margins' part.
///
/// `lp` (largest): a Lagrangian bound. Dualising the row sums with
/// multipliers `u_i`, `min Σ log y_ik! ≥ Σ u_i R_i + Σ_k min_{Σ_i y_ik = c_k}
/// Σ_i (log y_ik! − u_i y_ik)`, each column's minimum exact (a convex
/// separable problem with one sum: the c_k cheapest unit steps). With two
/// rows the best `u` is found by bisection and the bound is the maximum
/// itself (the problem is totally unimodular with convex piecewise-linear
/// costs, so there is no duality gap); with more rows `u` is the
/// independence one, `u_i = log R_i`, improved by a few coordinate steps.
///
/// `sp` (smallest): with two rows, exact: `log P = Σ_k log C(c_k, y_k) −
/// log C(n, R_1)` is concave in `y`, so its minimum is at a vertex, all
/// columns but one full or empty, found from the subset sums of the
/// columns. Otherwise `Σ log y_ik!` is Schur-convex, so within one column it
/// is at most the value of the column poured into the largest rows first
/// (that vector majorises every other); the same by rows; the smaller total
/// holds.
/// Also returns the cost of computing them, in work units.
fn bounds(rows: &[u64], cols: &[u64], n: u64, lf: &LogFact) -> (Bounds, u64) {
    let nz: Vec<u64> = rows.iter().copied().filter(|&r| r > 0).collect();
    if cols.len() <= 1 || nz.len() <= 1 || n == 0 {
        return (Bounds { lp: 0.0, sp: 0.0 }, 1);
    }
    let kk = cols.len() as u64;
    let m = nz.len() as u64;
    let k = lf.sum(nz.iter().copied()) + lf.sum(cols.iter().copied()) - lf.get(n);
    let (lp, sp, cost) = if m == 2 {
        let r1 = nz[0].min(nz[1]);
        let lp = k - two_row_min(r1, cols, lf);
        let (sp, sp_cost) = match two_row_min_log_p(r1, cols, n, lf) {
            Some((v, cost)) => (v, cost),
            None => (k - majorised_max(&nz, cols, lf), 4 * kk),
        };
        (lp, sp, 64 * kk + sp_cost)
    } else {
        let (dual, evals) = dual_min(&nz, cols, lf, m * kk <= 64);
        let sp = k - majorised_max(&nz, cols, lf);
        (k - dual, sp, evals * kk * 66 * m + 4 * m * kk)
    };
    let lp = lp.min(0.0);
    (Bounds { lp, sp: sp.min(lp) }, cost)
}

/// Two rows, first row sum `r1`: min over Σ y_k = r1, 0 ≤ y_k ≤ c_k of
/// Σ_k (log y_k! + log (c_k − y_k)!), as the maximum over μ of the dual
/// μ r1 + Σ_k min_y (log y! + log (c_k − y)! − μ y) (concave in μ;
/// bisection on the sign of its slope r1 − Σ_k y_k(μ)).
fn two_row_min(r1: u64, cols: &[u64], lf: &LogFact) -> f64 {
    let inner = |mu: f64| -> (f64, u64) {
        let e = mu.exp();
        let mut val = Neumaier::default();
        val.add(mu * r1 as f64);
        let mut used = 0u64;
        for &c in cols {
            // Minimiser: smallest y with (y + 1) / (c − y) ≥ e^μ.
            let t = (c as f64 * e - 1.0) / (1.0 + e);
            let y0 = if t.is_finite() {
                t.ceil().clamp(0.0, c as f64) as u64
            } else if t > 0.0 {
                c
            } else {
                0
            };
            let f = |y: u64| lf.get(y) + lf.get(c - y) - mu * y as f64;
            let (mut best, mut arg) = (f(y0), y0);
            if y0 > 0 && f(y0 - 1) < best {
                best = f(y0 - 1);
                arg = y0 - 1;
            }
            if y0 < c && f(y0 + 1) < best {
                best = f(y0 + 1);
                arg = y0 + 1;
            }
            val.add(best);
            used += arg;
        }
        (val.value(), used)
    };
    let n: u64 = cols.iter().sum();
    let span = (n as f64 + 1.0).ln() + 1.0;
    let (mut lo, mut hi) = (-span, span);
    let mut best = f64::NEG_INFINITY;
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        let (v, used) = inner(mid);
        best = best.max(v);
        if used < r1 {
            lo = mid;
        } else if used > r1 {
            hi = mid;
        } else {
            break;
        }
        if hi - lo <= 1e-15 * span {
            break;
        }
    }
    best
}

/// Two rows, first row sum `r1`: the exact minimum of log P over the
/// tables, from the subset sums of the columns; `None` if that costs too
/// much.
fn two_row_min_log_p(r1: u64, cols: &[u64], n: u64, lf: &LogFact) -> Option<(f64, u64)> {
    if let [c1, c2] = *cols {
        // One free cell: the extremes of its range.
        let (lo, hi) = (r1.saturating_sub(c2), r1.min(c1));
        let f = |y: u64| lf.ln_choose(c1, y) + lf.ln_choose(c2, r1 - y);
        return Some((f(lo).min(f(hi)) - lf.ln_choose(n, r1), 4));
    }
    let kk = cols.len() as u64;
    let words = r1 / 64 + 1;
    let cost = kk.saturating_mul(kk).saturating_mul(words);
    if cost > 20_000 {
        return None;
    }
    let words = words as usize;
    let mut best = f64::INFINITY;
    let mut bits = vec![0u64; words];
    for (j, &cj) in cols.iter().enumerate() {
        // Subset sums (≤ r1) of the other columns.
        bits.iter_mut().for_each(|w| *w = 0);
        bits[0] = 1;
        for (l, &cl) in cols.iter().enumerate() {
            if l != j && cl <= r1 {
                shift_or(&mut bits, cl as usize, r1 as usize);
            }
        }
        // y_j = r1 − T in [0, c_j]: T in [r1 − c_j, r1]; the smallest and
        // the largest such T give the extreme y_j.
        let lo_t = r1.saturating_sub(cj);
        let reachable = |t: u64| bits[(t / 64) as usize] >> (t % 64) & 1 == 1;
        if let Some(t) = (lo_t..=r1).find(|&t| reachable(t)) {
            best = best.min(lf.ln_choose(cj, r1 - t));
        }
        if let Some(t) = (lo_t..=r1).rev().find(|&t| reachable(t)) {
            best = best.min(lf.ln_choose(cj, r1 - t));
        }
    }
    if best.is_finite() {
        Some((best - lf.ln_choose(n, r1), cost + n / 16))
    } else {
        None
    }
}

/// bits |= bits << shift, keeping bits 0..=max.
fn shift_or(bits: &mut [u64], shift: usize, max: usize) {
    let (ws, bs) = (shift / 64, shift % 64);
    for i in (ws..bits.len()).rev() {
        let mut v = bits[i - ws] << bs;
        if bs > 0 && i > ws {
            v |= bits[i - ws - 1] >> (64 - bs);
        }
        bits[i] |= v;
    }
    let last = bits.len() - 1;
    let keep = max % 64;
    if keep < 63 {
        bits[last] &= (1u64 << (keep + 1)) - 1;
    }
}

/// Upper bound on Σ log y_ik! (majorisation), see [`bounds`].
fn majorised_max(rows: &[u64], cols: &[u64], lf: &LogFact) -> f64 {
    let mut rows_desc: Vec<u64> = rows.to_vec();
    rows_desc.sort_unstable();
    rows_desc.reverse();
    let mut cols_desc: Vec<u64> = cols.to_vec();
    cols_desc.sort_unstable();
    cols_desc.reverse();
    let pour = |amount: u64, caps: &[u64]| {
        let mut left = amount;
        let mut s = 0.0;
        for &cap in caps {
            if left == 0 {
                break;
            }
            let take = cap.min(left);
            s += lf.get(take);
            left -= take;
        }
        s
    };
    let by_cols: f64 = cols.iter().map(|&c| pour(c, &rows_desc)).sum();
    let by_rows: f64 = rows.iter().map(|&r| pour(r, &cols_desc)).sum();
    by_cols.min(by_rows)
}

/// Lower bound on min Σ log y_ik! (rows all non-zero), see [`bounds`];
/// coordinate steps only if `steps`. Also returns the number of evaluations
/// of the dual.
fn dual_min(rows: &[u64], cols: &[u64], lf: &LogFact, steps: bool) -> (f64, u64) {
    let mut u: Vec<f64> = rows.iter().map(|&r| (r as f64).ln()).collect();
    let mut y = vec![0u64; rows.len()];
    let mut used = vec![0u64; rows.len()];
    let mut evals = 0u64;
    let mut eval = |u: &[f64], used: &mut [u64]| -> f64 {
        evals += 1;
        let mut val = Neumaier::default();
        used.iter_mut().for_each(|v| *v = 0);
        for (&r, &ui) in rows.iter().zip(u) {
            val.add(ui * r as f64);
        }
        for &c in cols {
            val.add(column_min(rows, c, u, &mut y, lf));
            for (s, &yi) in used.iter_mut().zip(&y) {
                *s += yi;
            }
        }
        val.value()
    };
    let mut best = eval(&u, &mut used);
    // A few coordinate steps: move u_i towards balancing its row, keeping
    // a move only if the bound improves.
    for _ in 0..if steps { 4 } else { 0 } {
        let mut improved = false;
        for i in 0..rows.len() {
            let diff = rows[i] as f64 - used[i] as f64;
            if diff == 0.0 {
                continue;
            }
            let old = u[i];
            let mut step = diff / (rows[i] as f64 + 1.0);
            let mut trial_used = used.clone();
            let mut accepted = false;
            for _ in 0..6 {
                u[i] = old + step;
                let v = eval(&u, &mut trial_used);
                if v > best {
                    best = v;
                    accepted = true;
                    break;
                }
                step *= 0.3;
            }
            if accepted {
                used = trial_used;
                improved = true;
            } else {
                u[i] = old;
            }
        }
        if !improved {
            break;
        }
    }
    (best, evals)
}

/// min over Σ_i y_i = c, 0 ≤ y_i ≤ min(R_i, c) of Σ_i (log y_i! − u_i y_i):
/// the c cheapest unit steps, unit t of row i costing log t − u_i. The
/// minimiser is left in `y`.
fn column_min(rows: &[u64], c: u64, u: &[f64], y: &mut [u64], lf: &LogFact) -> f64 {
    let caps = |i: usize| rows[i].min(c);
    let count = |tau: f64, y: &mut [u64]| -> u64 {
        let mut s = 0u64;
        for (i, (yi, &ui)) in y.iter_mut().zip(u).enumerate() {
            let t = (tau + ui).exp();
            *yi = if t.is_finite() {
                (t.floor().max(0.0) as u64).min(caps(i))
            } else {
                caps(i)
            };
            s += *yi;
        }
        s
    };
    // Bracket: below, no unit; above, every unit.
    let umax = u.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let umin = u.iter().copied().fold(f64::INFINITY, f64::min);
    let mut lo = -umax - 1.0;
    let mut hi = (c as f64 + 1.0).ln() - umin + 1.0;
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if count(mid, y) <= c {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * (1.0 + hi.abs()) {
            break;
        }
    }
    let mut total = count(lo, y);
    // Add the cheapest next units, or remove the dearest, to reach c.
    while total < c {
        let mut arg = None;
        let mut cost = f64::INFINITY;
        for (i, &yi) in y.iter().enumerate() {
            if yi < caps(i) {
                let ci = ((yi + 1) as f64).ln() - u[i];
                if ci < cost {
                    cost = ci;
                    arg = Some(i);
                }
            }
        }
        match arg {
            Some(i) => y[i] += 1,
            None => break,
        }
        total += 1;
    }
    while total > c {
        let mut arg = None;
        let mut cost = f64::NEG_INFINITY;
        for (i, &yi) in y.iter().enumerate() {
            if yi > 0 {
                let ci = (yi as f64).ln() - u[i];
                if ci > cost {
                    cost = ci;
                    arg = Some(i);
                }
            }
        }
        match arg {
            Some(i) => y[i] -= 1,
            None => break,
        }
        total -= 1;
    }
    let mut val = Neumaier::default();
    for (&yi, &ui) in y.iter().zip(u) {
        val.add(lf.get(yi) - ui * yi as f64);
    }
    val.value()
}

/// Node of the network: remaining row sums and past probabilities.
struct Node {
    /// Remaining row sums, ascending.
    rows: Vec<u64>,
    bounds: Bounds,
    /// (log past probability, log multiplicity).
    pasts: Vec<(f64, f64)>,
}

/// Why the exact computation stopped.
struct TooBig;

/// Everything one stage needs.
struct Network<'a> {
    lf: &'a LogFact,
    /// Stage sums, in processing order.
    stages: Vec<u64>,
    /// Mixed-radix multipliers of the node keys.
    radix: Vec<u128>,
    threshold: f64,
    /// Slack for rounding in bound decisions.
    margin: f64,
    max_work: u64,
    max_stored: usize,
    work: u64,
    stored: usize,
    p: ExpSum,
}

/// Exact P value by the network algorithm, `None` beyond the limits.
fn network(t: &Prepared, max_work: u64, max_stored: usize) -> Option<f64> {
    // Orientation: the shorter dimension is the node state.
    let (mut state, mut stages) = if t.rows < t.cols
        || (t.rows == t.cols
            && cost_estimate(&t.row_sums, &t.col_sums) <= cost_estimate(&t.col_sums, &t.row_sums))
    {
        (t.row_sums.clone(), t.col_sums.clone())
    } else {
        (t.col_sums.clone(), t.row_sums.clone())
    };
    state.sort_unstable();
    stages.sort_unstable();
    let mut radix = Vec::with_capacity(state.len());
    let mut mult: u128 = 1;
    for &r in &state {
        radix.push(mult);
        mult = mult.checked_mul(u128::from(r) + 1)?;
    }
    let n = t.total;
    let margin =
        1e-12 + 64.0 * f64::EPSILON * t.lf.get(n) * (state.len() * stages.len() + 2) as f64;
    let mut net = Network {
        lf: &t.lf,
        stages,
        radix,
        threshold: t.threshold,
        margin,
        max_work,
        max_stored,
        work: 0,
        stored: 0,
        p: ExpSum::new(t.threshold.min(0.0)),
    };
    let (root_bounds, _) = bounds(&state, &net.stages, n, net.lf);
    let mut current = vec![Node {
        rows: state,
        bounds: root_bounds,
        pasts: vec![(0.0, 0.0)],
    }];
    let k = net.stages.len();
    for j in 0..k - 1 {
        let mut next: Vec<Node> = Vec::new();
        let mut index = KeyMap::default();
        net.stored = 0;
        for node in current.drain(..) {
            net.process(j, node, &mut next, &mut index).ok()?;
        }
        if std::env::var("FISHER_DEBUG").is_ok() {
            eprintln!(
                "stage {j}: nodes {} stored {} work {} p {:e}",
                next.len(),
                net.stored,
                net.work,
                net.p.ln().exp()
            );
        }
        current = next;
    }
    let ln_p = net.p.ln();
    Some(ln_p.exp().clamp(0.0, 1.0))
}

/// Rough log count of the paths when the stage sums are `stages` and the
/// state `state` (to choose the orientation of square tables).
fn cost_estimate(state: &[u64], stages: &[u64]) -> f64 {
    let m = state.len() as f64;
    let mut s: Vec<u64> = stages.to_vec();
    s.sort_unstable();
    s.iter()
        .take(s.len().saturating_sub(2))
        .map(|&c| {
            // log C(c + m − 1, m − 1)
            let c = c as f64;
            ln_gamma(c + m) - ln_gamma(c + 1.0) - ln_gamma(m)
        })
        .sum()
}

impl Network<'_> {
    fn process(
        &mut self,
        j: usize,
        mut node: Node,
        next: &mut Vec<Node>,
        index: &mut KeyMap,
    ) -> Result<(), TooBig> {
        // Sort and merge past probabilities.
        let mut pasts = std::mem::take(&mut node.pasts);
        let log_len = u64::from(usize::BITS - pasts.len().leading_zeros());
        self.charge(pasts.len() as u64 * (2 + log_len))?;
        pasts.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(pasts.len());
        for (a, w) in pasts {
            match merged.last_mut() {
                Some(last) if a - last.0 <= MERGE_TOL => {
                    last.1 = ln_add(last.1, w + (a - last.0));
                }
                _ => merged.push((a, w)),
            }
        }
        // Wholesale and dropped pasts of this node.
        let th = self.threshold;
        let k_in = merged.partition_point(|p| p.0 <= th - node.bounds.lp - self.margin);
        let k_out = merged.partition_point(|p| p.0 <= th - node.bounds.sp + self.margin);
        for &(a, w) in &merged[..k_in] {
            self.p.add_ln(a + w);
        }
        let live = &merged[k_in..k_out.max(k_in)];
        if live.is_empty() {
            return Ok(());
        }
        let rows = node.rows;
        // Many pasts and few completions: list the completions once.
        if self.stages.len() - j >= 3 && self.by_completions(&rows, j, live)? {
            return Ok(());
        }
        // Prefix sums of the live masses (log).
        let mut prefix = Vec::with_capacity(live.len() + 1);
        prefix.push(f64::NEG_INFINITY);
        let mut acc = ExpSum::new(live[0].0 + live[0].1);
        for &(a, w) in live {
            acc.add_ln(a + w);
            prefix.push(acc.ln());
        }
        let ctx = ArcCtx {
            rows: &rows,
            live,
            prefix: &prefix,
            child_stages_left: self.stages.len() - j - 1,
            remaining_after: self.stages[j + 1..].iter().sum(),
            j,
        };
        let lf = self.lf;
        let mut child = vec![0u64; rows.len()];
        for_each_column(&rows, self.stages[j], lf, &mut |y, g, ln_mult| {
            self.arc(&ctx, g, ln_mult, y, &mut child, next, index)
        })
    }

    /// Resolves the live pasts of a node against the sorted list of its
    /// completions, if that list is small enough (else `false`).
    fn by_completions(
        &mut self,
        rows: &[u64],
        j: usize,
        live: &[(f64, f64)],
    ) -> Result<bool, TooBig> {
        let cap = (16 * live.len() + 1024).min(MAX_LIST);
        let mut list: Vec<(f64, f64)> = Vec::new();
        if completions(rows, &self.stages[j..], self.lf, 0.0, 0.0, &mut list, cap).is_err() {
            self.charge(cap as u64)?;
            return Ok(false);
        }
        let log_len = u64::from(usize::BITS - list.len().leading_zeros());
        self.charge((list.len() as u64) * (8 + log_len) + (live.len() as u64) * log_len)?;
        list.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut cum = Vec::with_capacity(list.len() + 1);
        cum.push(f64::NEG_INFINITY);
        let mut acc = ExpSum::new(list[0].0 + list[0].1);
        for &(g, m) in &list {
            acc.add_ln(g + m);
            cum.push(acc.ln());
        }
        let th = self.threshold;
        for &(a, w) in live {
            let k = list.partition_point(|c| a + c.0 <= th);
            self.p.add_ln(a + w + cum[k]);
        }
        Ok(true)
    }

    fn charge(&mut self, units: u64) -> Result<(), TooBig> {
        self.work = self.work.saturating_add(units);
        if self.work > self.max_work {
            Err(TooBig)
        } else {
            Ok(())
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn arc(
        &mut self,
        ctx: &ArcCtx,
        g: f64,
        ln_mult: f64,
        y: &[u64],
        child: &mut [u64],
        next: &mut Vec<Node>,
        index: &mut KeyMap,
    ) -> Result<(), TooBig> {
        let th = self.threshold;
        let live = ctx.live;
        self.charge(1 + u64::from(usize::BITS - live.len().leading_zeros()))?;
        if ctx.child_stages_left == 1 {
            // Last column forced: a table of log probability a + g.
            let k = live.partition_point(|p| p.0 + g <= th);
            self.p.add_ln(ctx.prefix[k] + g + ln_mult);
            return Ok(());
        }
        for ((c, &r), &yi) in child.iter_mut().zip(ctx.rows).zip(y) {
            *c = r - yi;
        }
        child.sort_unstable();
        let key: u128 = child
            .iter()
            .zip(&self.radix)
            .map(|(&c, &r)| u128::from(c) * r)
            .sum();
        let idx = match index.get(&key) {
            Some(&idx) => idx,
            None => {
                let stages = &self.stages[ctx.j + 1..];
                let (b, cost) = bounds(child, stages, ctx.remaining_after, self.lf);
                self.charge(cost)?;
                next.push(Node {
                    rows: child.to_vec(),
                    bounds: b,
                    pasts: Vec::new(),
                });
                index.insert(key, next.len() - 1);
                next.len() - 1
            }
        };
        let b = next[idx].bounds;
        let k_in = live.partition_point(|p| p.0 + g <= th - b.lp - self.margin);
        let k_out = live
            .partition_point(|p| p.0 + g <= th - b.sp + self.margin)
            .max(k_in);
        if k_in > 0 {
            self.p.add_ln(ctx.prefix[k_in] + g + ln_mult);
        }
        let carried = k_out - k_in;
        if carried > 0 {
            self.charge(carried as u64)?;
            self.stored += carried;
            if self.stored > self.max_stored {
                return Err(TooBig);
            }
            let pasts = &mut next[idx].pasts;
            pasts.extend(live[k_in..k_out].iter().map(|&(a, w)| (a + g, w + ln_mult)));
        }
        Ok(())
    }
}

/// Per-node data of the arcs.
struct ArcCtx<'a> {
    rows: &'a [u64],
    live: &'a [(f64, f64)],
    prefix: &'a [f64],
    child_stages_left: usize,
    remaining_after: u64,
    j: usize,
}

/// Every (log probability, log multiplicity) of the completions of the node
/// `rows` with columns `cols`, offset by `g0`, `m0`, into `out`; `Err` past
/// `cap` entries.
fn completions(
    rows: &[u64],
    cols: &[u64],
    lf: &LogFact,
    g0: f64,
    m0: f64,
    out: &mut Vec<(f64, f64)>,
    cap: usize,
) -> Result<(), TooBig> {
    if cols.len() <= 1 {
        if out.len() >= cap {
            return Err(TooBig);
        }
        out.push((g0, m0));
        return Ok(());
    }
    let mut child = vec![0u64; rows.len()];
    for_each_column(rows, cols[0], lf, &mut |y, g, ln_mult| {
        for ((c, &r), &yi) in child.iter_mut().zip(rows).zip(y) {
            *c = r - yi;
        }
        child.sort_unstable();
        completions(&child, &cols[1..], lf, g0 + g, m0 + ln_mult, out, cap)
    })
}

/// Calls `f(y, g, ln_mult)` for each way `y` of filling a column of sum `c`
/// from the remaining row sums `rows` (ascending), `g` the log of its
/// conditional probability `Π_i C(R_i, y_i) / C(N, c)`. Rows with equal
/// sums are interchangeable: `y` is enumerated non-increasing within them,
/// `ln_mult` the log of the number of its distinct arrangements.
fn for_each_column(
    rows: &[u64],
    c: u64,
    lf: &LogFact,
    f: &mut ColumnVisitor<'_>,
) -> Result<(), TooBig> {
    let m = rows.len();
    let mut suffix = vec![0u64; m + 1];
    for i in (0..m).rev() {
        suffix[i] = suffix[i + 1] + rows[i];
    }
    if c > suffix[0] {
        return Ok(());
    }
    // group_end[i]: one past the last index with rows == rows[i];
    // group_pos[i]: position of i within its group.
    let mut group_end = vec![m; m];
    for i in (0..m).rev() {
        group_end[i] = if i + 1 < m && rows[i + 1] == rows[i] {
            group_end[i + 1]
        } else {
            i + 1
        };
    }
    let mut group_pos = vec![0usize; m];
    for i in 1..m {
        if rows[i] == rows[i - 1] {
            group_pos[i] = group_pos[i - 1] + 1;
        }
    }
    let e = ColumnEnum {
        rows,
        lf,
        suffix,
        group_end,
        group_pos,
    };
    let mut y = vec![0u64; m];
    e.rec(
        0,
        c,
        -lf.ln_choose(suffix_total(rows), c),
        0.0,
        0,
        &mut y,
        f,
    )
}

fn suffix_total(rows: &[u64]) -> u64 {
    rows.iter().sum()
}

struct ColumnEnum<'a> {
    rows: &'a [u64],
    lf: &'a LogFact,
    suffix: Vec<u64>,
    group_end: Vec<usize>,
    group_pos: Vec<usize>,
}

impl ColumnEnum<'_> {
    /// Row `i` on, `left` to place; `g` the log probability so far,
    /// `ln_mult` the log multiplicity so far, `run` the length of the run of
    /// equal values ending at row i − 1 within its group.
    #[allow(clippy::too_many_arguments)]
    fn rec(
        &self,
        i: usize,
        left: u64,
        g: f64,
        ln_mult: f64,
        run: u64,
        y: &mut [u64],
        f: &mut ColumnVisitor<'_>,
    ) -> Result<(), TooBig> {
        let rows = self.rows;
        if i == rows.len() {
            return if left == 0 { f(y, g, ln_mult) } else { Ok(()) };
        }
        let in_group = self.group_pos[i] > 0;
        let mut hi = rows[i].min(left);
        if in_group {
            hi = hi.min(y[i - 1]);
        }
        // Later rows of this group take at most y_i each.
        let later_in_group = (self.group_end[i] - i - 1) as u64;
        let need = left.saturating_sub(self.suffix[self.group_end[i]]);
        let lo = need
            .div_ceil(later_in_group + 1)
            .max(left.saturating_sub(self.suffix[i + 1]));
        if lo > hi {
            return Ok(());
        }
        let lf = self.lf;
        let row_term = lf.get(rows[i]);
        let pos = (self.group_pos[i] + 1) as f64;
        for yi in lo..=hi {
            y[i] = yi;
            let gi = g + row_term - lf.get(yi) - lf.get(rows[i] - yi);
            // Arrangements of a group: s! / Π (run lengths)!, built one
            // element at a time.
            let r = if in_group && yi == y[i - 1] {
                run + 1
            } else {
                1
            };
            let ln_m = if in_group {
                ln_mult + pos.ln() - (r as f64).ln()
            } else {
                ln_mult
            };
            self.rec(i + 1, left - yi, gi, ln_m, r, y, f)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Monte Carlo.

fn simulate(t: &Prepared, replicates: u64, seed: u64) -> FisherResult {
    let mut rng = Xoshiro256::new(seed);
    let (nr, nc) = (t.rows, t.cols);
    let mut matrix = vec![0u64; nr * nc];
    let mut jwork = vec![0u64; nc];
    let mut work = 0u64;
    let mut hits = 0u64;
    let mut b = 0u64;
    // log P(T) ≤ log P(obs) + tol  ⇔  Σ log t! ≥ Σ log obs! − tol.
    let cut = t.observed_stat - FEXACT_TOL;
    while b < replicates && (b < MC_MIN_REPLICATES || work <= MC_MAX_WORK) {
        rcont2(t, &mut jwork, &mut matrix, &mut rng, &mut work);
        // Per cell: the table look-ups and exp of the mode, and the statistic.
        work += 12 * (nr * nc) as u64;
        if t.lf.sum(matrix.iter().copied()) >= cut {
            hits += 1;
        }
        b += 1;
    }
    let p = (1.0 + hits as f64) / (b as f64 + 1.0);
    let std_error = if b > 0 {
        (p * (1.0 - p) / b as f64).sqrt()
    } else {
        f64::NAN
    };
    FisherResult {
        p,
        method: FisherMethod::MonteCarlo {
            replicates: b,
            seed,
            std_error,
        },
    }
}

/// Patefield's AS 159 as R's `rcont2`: a random table with the margins of
/// `t` into `matrix` (row-major here), cell by cell from its conditional
/// hypergeometric law, searching outwards from the mode.
fn rcont2(
    t: &Prepared,
    jwork: &mut [u64],
    matrix: &mut [u64],
    rng: &mut Xoshiro256,
    work: &mut u64,
) {
    let (nrow, ncol) = (t.rows, t.cols);
    let lf = &t.lf;
    let fact = |k: i64| -> f64 { lf.get(k.max(0) as u64) };
    let nr_1 = nrow - 1;
    let nc_1 = ncol - 1;
    jwork[..nc_1].copy_from_slice(&t.col_sums[..nc_1]);
    let mut jc = t.total as i64;
    for l in 0..nr_1 {
        let mut ia = t.row_sums[l] as i64;
        let mut ic = jc;
        jc -= ia;
        let mut m = 0;
        while m < nc_1 {
            let id = jwork[m] as i64;
            let ie = ic;
            let ib = ie - ia;
            let ii = ib - id;
            ic -= id;
            if ie == 0 {
                for cell in &mut matrix[l * ncol + m..l * ncol + nc_1] {
                    *cell = 0;
                }
                ia = 0;
                break;
            }
            let mut u = rng.uniform_interior();
            let nlm_out: i64;
            'outer: loop {
                let mut nlm = (ia as f64 * (id as f64 / ie as f64) + 0.5) as i64;
                let mut x = (fact(ia) + fact(ib) + fact(ic) + fact(id)
                    - fact(ie)
                    - fact(nlm)
                    - fact(id - nlm)
                    - fact(ia - nlm)
                    - fact(ii + nlm))
                .exp();
                if x >= u
                    || x.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
                    || !x.is_finite()
                {
                    nlm_out = nlm;
                    break 'outer;
                }
                let mut sumprb = x;
                let mut y = x;
                let mut nll = nlm;
                loop {
                    *work += 1;
                    // Increment entry.
                    let j = (id - nlm) as f64 * (ia - nlm) as f64;
                    let lsp = nlm == ia || nlm == id;
                    if !lsp {
                        nlm += 1;
                        x *= j / (nlm as f64 * (ii + nlm) as f64);
                        sumprb += x;
                        if sumprb >= u {
                            nlm_out = nlm;
                            break 'outer;
                        }
                    }
                    let mut lsm;
                    loop {
                        *work += 1;
                        // Decrement entry.
                        let j = nll as f64 * (ii + nll) as f64;
                        lsm = nll == 0;
                        if !lsm {
                            nll -= 1;
                            y *= j / ((id - nll) as f64 * (ia - nll) as f64);
                            sumprb += y;
                            if sumprb >= u {
                                nlm_out = nll;
                                break 'outer;
                            }
                            if !lsp {
                                break;
                            }
                        }
                        if lsm {
                            break;
                        }
                    }
                    if lsp && lsm {
                        break;
                    }
                }
                u = sumprb * rng.uniform_interior();
            }
            let v = nlm_out.max(0);
            matrix[l * ncol + m] = v as u64;
            ia -= v;
            jwork[m] = jwork[m].saturating_sub(v as u64);
            m += 1;
        }
        matrix[l * ncol + nc_1] = ia.max(0) as u64;
    }
    // Last row: what the columns still need; its last cell what the row
    // still needs (R: `ib - matrix[nr_1, nc_1 - 1]`, the same number).
    let last_row = &mut matrix[nr_1 * ncol..];
    last_row[..nc_1].copy_from_slice(&jwork[..nc_1]);
    let used: u64 = jwork[..nc_1].iter().sum();
    last_row[nc_1] = t.row_sums[nr_1].saturating_sub(used);
}

#[cfg(test)]
mod probe_bounds {
    use super::*;

    // exact max/min of log P over tables with margins rows x cols (brute force)
    fn brute(rows: &[u64], cols: &[u64], lf: &LogFact) -> (f64, f64) {
        let n: u64 = rows.iter().sum();
        let k = lf.sum(rows.iter().copied()) + lf.sum(cols.iter().copied()) - lf.get(n);
        let mut best = (f64::NEG_INFINITY, f64::INFINITY);
        fn rec(
            rows: &mut Vec<u64>,
            cols: &[u64],
            j: usize,
            acc: f64,
            lf: &LogFact,
            k: f64,
            best: &mut (f64, f64),
        ) {
            if j == cols.len() - 1 {
                let s: f64 = acc + rows.iter().map(|&r| lf.get(r)).sum::<f64>();
                let v = k - s;
                best.0 = best.0.max(v);
                best.1 = best.1.min(v);
                return;
            }
            // enumerate column j
            let m = rows.len();
            let mut y = vec![0u64; m];
            #[allow(clippy::too_many_arguments)]
            fn col(
                i: usize,
                left: u64,
                rows: &mut Vec<u64>,
                y: &mut Vec<u64>,
                cols: &[u64],
                j: usize,
                acc: f64,
                lf: &LogFact,
                k: f64,
                best: &mut (f64, f64),
            ) {
                let m = rows.len();
                if i == m - 1 {
                    if left <= rows[i] {
                        y[i] = left;
                        let add: f64 = y.iter().map(|&v| lf.get(v)).sum();
                        for t in 0..m {
                            rows[t] -= y[t];
                        }
                        rec(rows, cols, j + 1, acc + add, lf, k, best);
                        for t in 0..m {
                            rows[t] += y[t];
                        }
                    }
                    return;
                }
                for v in 0..=rows[i].min(left) {
                    y[i] = v;
                    col(i + 1, left - v, rows, y, cols, j, acc, lf, k, best);
                }
            }
            col(0, cols[j], rows, &mut y, cols, j, acc, lf, k, best);
        }
        rec(&mut rows.to_vec(), cols, 0, 0.0, lf, k, &mut best);
        best
    }

    #[test]
    fn gap() {
        let lf = LogFact::new(1000);
        let cases: Vec<(Vec<u64>, Vec<u64>)> = vec![
            (vec![20, 30], vec![5, 10, 15, 20]),
            (vec![7, 43], vec![5, 10, 15, 20]),
            (vec![12, 60], vec![5, 6, 6, 7, 13, 15, 20]),
            (vec![3, 40], vec![5, 6, 6, 7, 19]),
            (vec![10, 20, 30], vec![15, 20, 25]),
            (vec![2, 5, 30], vec![6, 7, 24]),
            (vec![100, 150], vec![40, 60, 70, 80]),
        ];
        for (r, c) in cases {
            let n = r.iter().sum();
            let b = bounds(&r, &c, n, &lf).0;
            let (mx, mn) = brute(&r, &c, &lf);
            println!("{r:?} {c:?}: lp_ub {:.4} true max {:.4} gap {:e} | sp_lb {:.4} true min {:.4} gap {:e}", b.lp, mx, b.lp - mx, b.sp, mn, mn - b.sp);
        }
        // random nodes
        let mut rng = Xoshiro256::new(7);
        let (mut worst_lp, mut worst_sp, mut max_lp_gap, mut max_sp_gap) =
            (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for _ in 0..3000 {
            let m = 2 + (rng.next_u64() % 3) as usize;
            let kk = 2 + (rng.next_u64() % 3) as usize;
            let n = 2 + rng.next_u64() % 25;
            // random table
            let mut rows = vec![0u64; m];
            let mut cols = vec![0u64; kk];
            for _ in 0..n {
                let i = (rng.next_u64() % m as u64) as usize;
                let j = (rng.next_u64() % kk as u64) as usize;
                rows[i] += 1;
                cols[j] += 1;
            }
            if cols.contains(&0) {
                continue;
            }
            rows.sort();
            let b = bounds(&rows, &cols, n, &lf).0;
            let (mx, mn) = brute(&rows, &cols, &lf);
            worst_lp = worst_lp.min(b.lp - mx);
            worst_sp = worst_sp.min(mn - b.sp);
            max_lp_gap = max_lp_gap.max(b.lp - mx);
            max_sp_gap = max_sp_gap.max(mn - b.sp);
            assert!(
                b.lp - mx > -1e-9 && mn - b.sp > -1e-9,
                "{rows:?} {cols:?} {} {} {} {}",
                b.lp,
                mx,
                b.sp,
                mn
            );
        }
        println!("worst violations lp {worst_lp:e} sp {worst_sp:e}; max gaps lp {max_lp_gap} sp {max_sp_gap}");
    }
}
