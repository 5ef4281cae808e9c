//! Property tests: every fast statistic against a slow, obviously-correct
//! oracle on random data, and the invariants every result must keep.
//!
//! The oracles are written the way a textbook states the method, without
//! sorting tricks or running sums: Mann–Whitney U by counting pairs (and its
//! exact null distribution by enumerating every split of the ranks),
//! Kaplan–Meier by the product over distinct event times with the risk set
//! recounted from the raw observations, the log-rank O, E and hypergeometric
//! variance by explicit risk-set loops, Pearson's χ² by the cell sum and the
//! closed 2 × 2 form, Fisher's 2 × 2 P by enumerating the hypergeometric
//! support in exact integer arithmetic, quartiles by Hyndman & Fan's
//! definitions. The invariants: S non-increasing in [0, 1], n at risk
//! non-increasing, counts adding up to n, every P in [0, 1], permuting rows
//! changing nothing, relabelling groups swapping exactly what it should.
//!
//! Tolerances are `prec::REL` / `prec::REL_COX`, or [`close_scaled`] where an
//! oracle subtracts nearly equal sums (see there). Failing cases are printed
//! shrunk but not persisted to a file: paste the printed case into a named
//! regression test.

use insitu_core::options::{QuantileType, Ties};
use insitu_core::stats::chisq::chisq_test;
use insitu_core::stats::contingency::Contingency;
use insitu_core::stats::fisher::fisher_test;
use insitu_core::stats::kruskal::kruskal_wallis;
use insitu_core::stats::prec::{close, REL, REL_COX};
use insitu_core::stats::quantile::quantile_sorted;
use insitu_core::stats::ttest::t_test;
use insitu_core::stats::wilcoxon::wilcoxon;
use insitu_core::survival::km::{bounded_step, KaplanMeier, RiskTable, MAX_RISK_COLUMNS};
use insitu_core::survival::logrank::{logrank, LogRank};
use insitu_core::survival::{cox, SurvivalData};
use insitu_core::{analyze, ErrorKind, Spec};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per property: enough to hit ties, empty groups and all-censored
/// groups every run, few enough that the file runs in seconds in debug.
const CASES: u32 = 256;
/// Cases for the properties that run the whole `analyze` path.
const REPORT_CASES: u32 = 128;

fn config(cases: u32) -> Config {
    Config {
        cases,
        // the repository keeps no proptest-regressions files; a failure
        // prints its shrunk input, which becomes a named regression test
        failure_persistence: None,
        ..Config::default()
    }
}

/// Where an oracle and the fast code compute the same quantity as a
/// difference of sums taken in different orders (O − E, a score U(0), a
/// variance diagonal formed as n·w − r·w), the rounding error is a few ulps
/// of the *operands*, not of the result, and the result may be near zero.
/// So the error is bounded relative to `scale`, the magnitude of the terms
/// before they cancelled, at the same `REL` as every other comparison.
fn close_scaled(actual: f64, expected: f64, scale: f64) -> bool {
    actual == expected || (actual - expected).abs() <= REL * scale.abs()
}

fn assert_p(p: f64, what: &str) {
    assert!(
        p.is_nan() || (0.0..=1.0).contains(&p),
        "{what}: P = {p} is outside [0, 1]"
    );
}

// ---------------------------------------------------------------------------
// Mann–Whitney U

/// U of sample 1: pairs where x1 wins, ties counting one half.
fn u_by_pairs(x1: &[f64], x2: &[f64]) -> f64 {
    let mut u = 0.0;
    for a in x1 {
        for b in x2 {
            if a > b {
                u += 1.0;
            } else if a == b {
                u += 0.5;
            }
        }
    }
    u
}

/// R's exact two-sided P without ties, from the null distribution of U
/// enumerated over every way of giving n1 of the ranks 1..N to sample 1.
fn exact_p_by_enumeration(u: f64, n1: usize, n2: usize) -> f64 {
    let n = n1 + n2;
    let (mut at_most, mut at_least, mut total) = (0u64, 0u64, 0u64);
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize != n1 {
            continue;
        }
        let rank_sum: usize = (0..n)
            .filter(|&i| mask & (1 << i) != 0)
            .map(|i| i + 1)
            .sum();
        let u_split = (rank_sum - n1 * (n1 + 1) / 2) as f64;
        total += 1;
        at_most += u64::from(u_split <= u);
        at_least += u64::from(u_split >= u);
    }
    // wilcox.test: the upper tail when U is above its mean, else the lower
    let tail = if u > (n1 * n2) as f64 / 2.0 {
        at_least
    } else {
        at_most
    };
    (2.0 * tail as f64 / total as f64).min(1.0)
}

/// Two samples from a small set of values, so that ties are common.
fn tied_samples() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    let value = (0u8..8).prop_map(|v| f64::from(v) * 0.5);
    (
        prop::collection::vec(value.clone(), 1..30),
        prop::collection::vec(value, 1..30),
    )
}

/// Two samples of distinct values, N ≤ 14 so the null distribution can be
/// enumerated.
fn distinct_samples() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (2usize..=14)
        .prop_flat_map(|n| {
            (
                prop::collection::btree_set(-500i32..500, n)
                    .prop_map(|set| set.into_iter().collect::<Vec<_>>())
                    .prop_shuffle(),
                1..n,
            )
        })
        .prop_map(|(values, n1)| {
            let x: Vec<f64> = values.into_iter().map(f64::from).collect();
            (x[..n1].to_vec(), x[n1..].to_vec())
        })
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn mann_whitney_u_equals_pair_counting((x1, x2) in tied_samples()) {
        let w = wilcoxon(&x1, &x2);
        // U is a sum of halves: exact in binary floating point both ways.
        prop_assert_eq!(w.u1, u_by_pairs(&x1, &x2));
        prop_assert_eq!(w.u2, u_by_pairs(&x2, &x1));
        prop_assert_eq!(w.u1 + w.u2, (x1.len() * x2.len()) as f64);
        assert_p(w.p_normal, "p_normal");
        assert_p(w.p_normal_cc, "p_normal_cc");
        if let Some(p) = w.p_exact {
            assert_p(p, "p_exact");
        }
    }

    #[test]
    fn mann_whitney_exact_p_equals_enumeration((x1, x2) in distinct_samples()) {
        let w = wilcoxon(&x1, &x2);
        let p = w.p_exact.expect("no ties and n < 50: exact");
        let oracle = exact_p_by_enumeration(w.u1, x1.len(), x2.len());
        prop_assert!(close(p, oracle, REL), "exact P {} vs enumeration {}", p, oracle);
    }

    #[test]
    fn mann_whitney_swapping_samples_swaps_u_and_keeps_p((x1, x2) in tied_samples()) {
        let a = wilcoxon(&x1, &x2);
        let b = wilcoxon(&x2, &x1);
        prop_assert_eq!((a.u1, a.u2), (b.u2, b.u1));
        // |z| is the same both ways, but z − n1·n2/2 is formed from another
        // rank sum: compare at REL, not bit for bit
        prop_assert!(close(a.p_normal, b.p_normal, REL) || (a.p_normal.is_nan() && b.p_normal.is_nan()));
        prop_assert!(close(a.p_normal_cc, b.p_normal_cc, REL) || (a.p_normal_cc.is_nan() && b.p_normal_cc.is_nan()));
        match (a.p_exact, b.p_exact) {
            (Some(pa), Some(pb)) => prop_assert!(close(pa, pb, REL), "{} vs {}", pa, pb),
            (None, None) => {}
            other => prop_assert!(false, "exact P on one side only: {:?}", other),
        }
    }

    /// The Kruskal–Wallis test of two groups is the uncorrected normal
    /// Mann–Whitney test (H = z²), computed by another route.
    #[test]
    fn kruskal_wallis_of_two_groups_is_the_normal_mann_whitney((x1, x2) in tied_samples()) {
        let w = wilcoxon(&x1, &x2);
        let kw = kruskal_wallis(&[&x1, &x2]).expect("two non-empty groups");
        prop_assert_eq!(kw.df, 1);
        assert_p(kw.p, "Kruskal–Wallis");
        if w.p_normal.is_nan() {
            // every value tied: both statistics are 0/0
            prop_assert!(kw.p.is_nan());
        } else {
            prop_assert!(close(kw.p, w.p_normal, REL), "KW {} vs MW {}", kw.p, w.p_normal);
        }
    }

    #[test]
    fn t_test_swapping_groups_flips_the_sign_only((x1, x2) in tied_samples(), equal in any::<bool>()) {
        match (t_test(&x1, &x2, equal), t_test(&x2, &x1, equal)) {
            (Some(a), Some(b)) => {
                // every sum of the two groups' terms has two operands, and
                // IEEE addition is commutative: exact
                prop_assert_eq!(a.statistic, -b.statistic);
                prop_assert_eq!(a.df, b.df);
                prop_assert_eq!(a.p, b.p);
                prop_assert_eq!(a.mean_difference, -b.mean_difference);
                assert_p(a.p, "t test");
            }
            (None, None) => {}
            other => prop_assert!(false, "t test on one side only: {:?}", other),
        }
    }
}

// ---------------------------------------------------------------------------
// Quartiles

/// x[i] with R's 1-based index, clamped to the sample.
fn at(sorted: &[f64], i: i64) -> f64 {
    sorted[(i.clamp(1, sorted.len() as i64) - 1) as usize]
}

/// Hyndman & Fan's definitions, written from the paper for p = 1/4, 1/2,
/// 3/4 (for which n·p is exact in binary floating point).
fn quartile_by_definition(sorted: &[f64], p: f64, kind: QuantileType) -> f64 {
    let n = sorted.len() as f64;
    let interpolate = |h: f64| {
        let j = h.floor();
        let g = h - j;
        let lo = at(sorted, j as i64);
        let hi = at(sorted, j as i64 + 1);
        lo + g * (hi - lo)
    };
    match kind {
        // inverse of the empirical CDF, averaging at discontinuities
        QuantileType::Type2 => {
            let np = n * p;
            if np == np.floor() {
                (at(sorted, np as i64) + at(sorted, np as i64 + 1)) / 2.0
            } else {
                at(sorted, np.ceil() as i64)
            }
        }
        QuantileType::Type6 => interpolate((n + 1.0) * p),
        QuantileType::Type7 => interpolate(1.0 + (n - 1.0) * p),
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn quartiles_equal_the_definitions(
        mut x in prop::collection::vec(-1000i32..1000, 1..40),
        scale in prop::sample::select(vec![1.0, 0.1, 1e-3, 7.25]),
    ) {
        x.sort_unstable();
        let sorted: Vec<f64> = x.into_iter().map(|v| f64::from(v) * scale).collect();
        let magnitude = sorted.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for kind in [QuantileType::Type2, QuantileType::Type6, QuantileType::Type7] {
            for p in [0.25, 0.5, 0.75] {
                let q = quantile_sorted(&sorted, p, kind);
                let oracle = quartile_by_definition(&sorted, p, kind);
                // R interpolates as (1 − h)·a + h·b, the definition as
                // a + h·(b − a): equal up to ulps of the data's magnitude
                prop_assert!(close_scaled(q, oracle, magnitude), "{:?} p = {}: {} vs {}", kind, p, q, oracle);
            }
        }
    }

    #[test]
    fn quantiles_are_monotone_and_within_the_range(
        mut x in prop::collection::vec(-1000i32..1000, 1..40),
        mut ps in prop::collection::vec(0.0f64..=1.0, 2..6),
    ) {
        x.sort_unstable();
        let sorted: Vec<f64> = x.into_iter().map(f64::from).collect();
        ps.sort_by(f64::total_cmp);
        for kind in [QuantileType::Type2, QuantileType::Type6, QuantileType::Type7] {
            let qs: Vec<f64> = ps.iter().map(|&p| quantile_sorted(&sorted, p, kind)).collect();
            for q in &qs {
                prop_assert!(*q >= sorted[0] && *q <= sorted[sorted.len() - 1], "{:?}: {} outside the data", kind, q);
            }
            for pair in qs.windows(2) {
                prop_assert!(pair[0] <= pair[1], "{:?}: {:?} not monotone in p {:?}", kind, qs, ps);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Survival

/// One observation: time, event, group.
type Obs = (f64, bool, u32);

/// Observations on a coarse time grid (many ties: deaths with deaths,
/// deaths with censorings), times of 0 included, in up to `k` groups.
fn tied_survival(k: u32) -> impl Strategy<Value = Vec<Obs>> {
    prop::collection::vec(
        (
            (0u8..12).prop_map(|t| f64::from(t) * 0.5),
            any::<bool>(),
            0..k,
        ),
        1..40,
    )
}

/// Observations with continuous times (ties have probability ~0).
fn untied_survival(k: u32) -> impl Strategy<Value = Vec<Obs>> {
    prop::collection::vec((0.0f64..100.0, any::<bool>(), 0..k), 2..40)
}

fn survival(obs: &[Obs], k: u32) -> SurvivalData {
    SurvivalData::new(
        obs.iter().map(|o| o.0).collect(),
        obs.iter().map(|o| o.1).collect(),
        obs.iter().map(|o| o.2).collect(),
        k as usize,
    )
    .expect("valid observations")
}

/// Distinct times, ascending, of the observations that `keep`.
fn distinct_times(obs: &[Obs], keep: impl Fn(&Obs) -> bool) -> Vec<f64> {
    let mut times: Vec<f64> = obs.iter().filter(|o| keep(o)).map(|o| o.0).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

/// S(t) = Π over distinct event times t_j ≤ t of (1 − d_j / n_j), n_j and
/// d_j counted afresh from the raw observations; also Greenwood's sum.
fn km_by_product(obs: &[Obs], t: f64) -> (f64, f64) {
    let mut s = 1.0;
    let mut greenwood = 0.0;
    for tj in distinct_times(obs, |o| o.1) {
        if tj > t {
            break;
        }
        let n = obs.iter().filter(|o| o.0 >= tj).count() as f64;
        let d = obs.iter().filter(|o| o.0 == tj && o.1).count() as f64;
        s *= 1.0 - d / n;
        greenwood += if n > d {
            d / (n * (n - d))
        } else {
            f64::INFINITY
        };
    }
    (s, greenwood)
}

/// Log-rank O, E and variance by explicit risk-set loops: at each distinct
/// event time count who is at risk and who dies in each group, and add
/// E_g += D·n_g/N and the hypergeometric covariance
/// V_gh += D(N − D)/(N − 1) · (n_g/N)(δ_gh − n_h/N).
struct LogRankOracle {
    observed: Vec<f64>,
    expected: Vec<f64>,
    variance: Vec<Vec<f64>>,
    /// Σ D(N − D)/(N(N − 1)) · n_g: the size of the terms behind V_gg.
    variance_scale: Vec<f64>,
}

fn logrank_by_risk_sets(obs: &[Obs], k: usize) -> LogRankOracle {
    let mut o = LogRankOracle {
        observed: vec![0.0; k],
        expected: vec![0.0; k],
        variance: vec![vec![0.0; k]; k],
        variance_scale: vec![0.0; k],
    };
    for t in distinct_times(obs, |o| o.1) {
        let at_risk: Vec<f64> = (0..k as u32)
            .map(|g| obs.iter().filter(|o| o.2 == g && o.0 >= t).count() as f64)
            .collect();
        let dying: Vec<f64> = (0..k as u32)
            .map(|g| obs.iter().filter(|o| o.2 == g && o.0 == t && o.1).count() as f64)
            .collect();
        let n: f64 = at_risk.iter().sum();
        let d: f64 = dying.iter().sum();
        for g in 0..k {
            o.observed[g] += dying[g];
            o.expected[g] += d * at_risk[g] / n;
        }
        if n > 1.0 {
            let factor = d * (n - d) / (n - 1.0);
            for g in 0..k {
                for h in 0..k {
                    let delta = if g == h { 1.0 } else { 0.0 };
                    o.variance[g][h] += factor * (at_risk[g] / n) * (delta - at_risk[h] / n);
                }
                o.variance_scale[g] += factor / n * at_risk[g];
            }
        }
    }
    o
}

fn check_logrank_against_oracle(test: &LogRank, oracle: &LogRankOracle, k: usize) {
    for g in 0..k {
        // counts of deaths: exact
        assert_eq!(test.observed[g], oracle.observed[g], "observed, group {g}");
        // sums of non-negative terms in the same time order
        assert!(
            close(test.expected[g], oracle.expected[g], REL),
            "expected, group {g}: {} vs {}",
            test.expected[g],
            oracle.expected[g]
        );
        for h in 0..k {
            let (fast, slow) = (test.variance.get(g, h), oracle.variance[g][h]);
            assert!(
                close_scaled(fast, slow, oracle.variance_scale[g]),
                "variance [{g}][{h}]: {fast} vs {slow}"
            );
        }
    }
}

fn swap_groups(obs: &[Obs]) -> Vec<Obs> {
    obs.iter().map(|&(t, d, g)| (t, d, 1 - g)).collect()
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn kaplan_meier_equals_the_product_formula(obs in tied_survival(3)) {
        let data = survival(&obs, 3);
        for group in [None, Some(0), Some(1), Some(2)] {
            let mine: Vec<Obs> = obs.iter().copied().filter(|o| group.is_none_or(|g| o.2 == g)).collect();
            let table = data.event_table(group);
            let km = KaplanMeier::fit(&table);
            prop_assert_eq!(&table.time, &distinct_times(&mine, |_| true));
            for (k, &t) in table.time.iter().enumerate() {
                let (s, greenwood) = km_by_product(&mine, t);
                // the same factors in the same order; 1 − d/n and (n − d)/n
                // differ by an ulp per factor
                prop_assert!(close(km.surv[k], s, REL), "S({}) = {} vs {}", t, km.surv[k], s);
                if greenwood.is_finite() {
                    prop_assert!(close(km.std_err_cumhaz[k], greenwood.sqrt(), REL));
                } else {
                    prop_assert!(km.std_err_cumhaz[k].is_infinite());
                }
                prop_assert_eq!(table.n_risk[k], mine.iter().filter(|o| o.0 >= t).count() as u64);
                prop_assert_eq!(table.n_event[k], mine.iter().filter(|o| o.0 == t && o.1).count() as u64);
                prop_assert_eq!(table.n_censor[k], mine.iter().filter(|o| o.0 == t && !o.1).count() as u64);
            }
        }
    }

    #[test]
    fn kaplan_meier_invariants(obs in tied_survival(2)) {
        let data = survival(&obs, 2);
        for group in [None, Some(0), Some(1)] {
            let table = data.event_table(group);
            let km = KaplanMeier::fit(&table);
            let n = obs.iter().filter(|o| group.is_none_or(|g| o.2 == g)).count() as u64;
            prop_assert_eq!(table.n(), n);
            prop_assert_eq!(table.n_event.iter().sum::<u64>() + table.n_censor.iter().sum::<u64>(), n);
            for k in 0..table.len() {
                prop_assert!((0.0..=1.0).contains(&km.surv[k]), "S = {}", km.surv[k]);
                if k > 0 {
                    prop_assert!(km.surv[k] <= km.surv[k - 1], "S increases at {}", table.time[k]);
                    prop_assert!(table.n_risk[k] <= table.n_risk[k - 1]);
                    prop_assert_eq!(table.n_risk[k], table.n_risk[k - 1] - table.n_event[k - 1] - table.n_censor[k - 1]);
                }
                for ci in [insitu_core::options::CiType::Log, insitu_core::options::CiType::LogLog] {
                    let band = km.band(ci)[k];
                    if let (Some(lower), Some(upper)) = (band.lower, band.upper) {
                        prop_assert!(0.0 <= lower && lower <= km.surv[k] && km.surv[k] <= upper && upper <= 1.0,
                            "{:?} band [{}, {}] around S = {}", ci, lower, upper, km.surv[k]);
                    }
                }
            }
        }
    }

    #[test]
    fn permuting_observations_changes_nothing(obs in tied_survival(3).prop_flat_map(|o| (Just(o.clone()), Just(o).prop_shuffle()))) {
        let (obs, shuffled) = obs;
        let a = survival(&obs, 3);
        let b = survival(&shuffled, 3);
        // counts only: equal exactly
        prop_assert_eq!(a.risk_sets(), b.risk_sets());
        for g in [None, Some(0), Some(1), Some(2)] {
            prop_assert_eq!(a.event_table(g), b.event_table(g));
        }
        prop_assert_eq!(a.group_sizes(), b.group_sizes());
        let (x, y) = (logrank(&[a.risk_sets()], 0.0), logrank(&[b.risk_sets()], 0.0));
        prop_assert_eq!(&x.observed, &y.observed);
        prop_assert_eq!(&x.expected, &y.expected);
        prop_assert_eq!(&x.variance, &y.variance);
        // bit for bit, NaN included
        prop_assert_eq!(x.chisq.to_bits(), y.chisq.to_bits());
    }

    #[test]
    fn logrank_equals_explicit_risk_set_loops(obs in tied_survival(3)) {
        let data = survival(&obs, 3);
        let test = logrank(&[data.risk_sets()], 0.0);
        let oracle = logrank_by_risk_sets(&obs, 3);
        check_logrank_against_oracle(&test, &oracle, 3);
        assert_p(test.p, "log-rank");
        assert_p(logrank(&[data.risk_sets()], 1.0).p, "Peto–Peto");
        prop_assert_eq!(test.observed.iter().sum::<f64>(), obs.iter().filter(|o| o.1).count() as f64);
    }

    /// With two groups χ² = (O − E)²/V of either group; the fast code takes
    /// the second, the oracle the first.
    #[test]
    fn logrank_chisq_of_two_groups(obs in tied_survival(2)) {
        let data = survival(&obs, 2);
        let test = logrank(&[data.risk_sets()], 0.0);
        let oracle = logrank_by_risk_sets(&obs, 2);
        check_logrank_against_oracle(&test, &oracle, 2);
        let v = oracle.variance[0][0];
        if oracle.expected.iter().all(|&e| e > 0.0) && v > 0.0 {
            let diff = oracle.observed[0] - oracle.expected[0];
            let chisq = diff * diff / v;
            let operands = oracle.observed[0] + oracle.expected[0];
            prop_assert!(close_scaled(test.chisq, chisq, operands * operands / v),
                "χ² {} vs oracle {}", test.chisq, chisq);
            prop_assert_eq!(test.df, 1);
        }
        assert_p(test.p, "log-rank");
    }

    #[test]
    fn relabelling_two_groups_keeps_the_logrank_test(obs in tied_survival(2)) {
        let a = logrank(&[survival(&obs, 2).risk_sets()], 0.0);
        let b = logrank(&[survival(&swap_groups(&obs), 2).risk_sets()], 0.0);
        prop_assert_eq!(a.observed[0], b.observed[1]);
        prop_assert_eq!(a.observed[1], b.observed[0]);
        prop_assert!(close(a.expected[0], b.expected[1], REL) && close(a.expected[1], b.expected[0], REL));
        prop_assert_eq!(a.df, b.df);
        if a.chisq.is_finite() {
            let v = a.variance.get(0, 0);
            let operands = a.observed[0] + a.expected[0];
            prop_assert!(close_scaled(a.chisq, b.chisq, operands * operands / v), "{} vs {}", a.chisq, b.chisq);
        } else {
            prop_assert!(b.chisq.is_nan() || b.chisq.is_infinite());
        }
    }

    /// Without tied event times the log-rank test is the Cox score test.
    #[test]
    fn logrank_is_the_cox_score_test_without_ties(obs in untied_survival(2)) {
        let times = distinct_times(&obs, |_| true);
        prop_assume!(times.len() == obs.len());
        let data = survival(&obs, 2);
        let sizes = data.group_sizes();
        let test = logrank(&[data.risk_sets()], 0.0);
        for ties in [Ties::Efron, Ties::Breslow] {
            let Some(fit) = cox::fit(&data.risk_sets(), &sizes, ties) else {
                // one group empty, or no event
                prop_assert!(sizes.contains(&0) || test.observed.iter().sum::<f64>() == 0.0);
                continue;
            };
            if test.chisq.is_finite() && fit.score_test.chisq.is_finite() {
                let v = test.variance.get(1, 1);
                let operands = test.observed[1] + test.expected[1];
                prop_assert!(close_scaled(fit.score_test.chisq, test.chisq, operands * operands / v),
                    "{:?} score {} vs log-rank {}", ties, fit.score_test.chisq, test.chisq);
            }
        }
    }

    #[test]
    fn cox_relabelling_two_groups_flips_the_coefficient(obs in tied_survival(2), efron in any::<bool>()) {
        let ties = if efron { Ties::Efron } else { Ties::Breslow };
        let a_data = survival(&obs, 2);
        let b_data = survival(&swap_groups(&obs), 2);
        let a = cox::fit(&a_data.risk_sets(), &a_data.group_sizes(), ties);
        let b = cox::fit(&b_data.risk_sets(), &b_data.group_sizes(), ties);
        match (a, b) {
            (Some(a), Some(b)) => {
                for test in [&a.wald_test, &a.lr_test, &a.score_test, &b.wald_test, &b.lr_test, &b.score_test] {
                    assert_p(test.p, "Cox test");
                }
                for c in a.coefficients.iter().chain(&b.coefficients) {
                    assert_p(c.p_wald, "Cox Wald");
                }
                prop_assert_eq!(a.nevent, b.nevent);
                prop_assert_eq!(a.n, b.n);
                // a finite, converged estimate only: a group without events
                // sends β to ±∞, where the two fits stop at different points
                if a.warnings.is_empty() && b.warnings.is_empty() {
                    let (ca, cb) = (a.coefficients[0].coef, b.coefficients[0].coef);
                    // β̂ is a Newton–Raphson result: REL_COX, and near 0 the
                    // convergence step bounds the absolute error
                    prop_assert!(close(ca, -cb, REL_COX) || (ca + cb).abs() <= REL_COX,
                        "β {} vs {}", ca, cb);
                    prop_assert!(close(a.loglik, b.loglik, REL_COX), "ℓ {} vs {}", a.loglik, b.loglik);
                    prop_assert!(close(a.coefficients[0].se, b.coefficients[0].se, REL_COX));
                }
            }
            (None, None) => {}
            other => prop_assert!(false, "a fit on one side only: {:?}", other.0.is_some()),
        }
    }

    /// Newton–Raphson from β = 0 with step halving never ends below the
    /// null log-likelihood, and its ℓ is finite — also when a group
    /// without events sends a coefficient to ±∞ (small groups on a coarse
    /// grid: many such fits).
    #[test]
    fn cox_never_ends_below_the_null_likelihood(obs in tied_survival(4), efron in any::<bool>()) {
        let ties = if efron { Ties::Efron } else { Ties::Breslow };
        let data = survival(&obs, 4);
        if let Some(fit) = cox::fit(&data.risk_sets(), &data.group_sizes(), ties) {
            prop_assert!(fit.loglik.is_finite() && fit.loglik_null.is_finite(), "{:?}", fit);
            // (each of at most 100 accepted steps may lower ℓ by its
            // rounding, 1e-13 relative)
            let rounding = 1e-11 * (1.0 + fit.loglik_null.abs());
            prop_assert!(fit.loglik >= fit.loglik_null - rounding, "{:?}", fit);
            prop_assert!(fit.lr_test.chisq >= -2.0 * rounding, "{:?}", fit);
        }
    }
}

// ---------------------------------------------------------------------------
// Contingency tables

fn table_of(rows: &[Vec<u64>]) -> Contingency {
    Contingency::new(rows.len(), rows[0].len(), rows.concat())
}

/// Σ (O − E)² / E, with E = row total · column total / n, margins
/// counted here.
fn pearson_by_cell_sum(rows: &[Vec<u64>]) -> f64 {
    let n: u64 = rows.iter().flatten().sum();
    let mut statistic = 0.0;
    for (i, row) in rows.iter().enumerate() {
        for (j, &o) in row.iter().enumerate() {
            let r: u64 = rows[i].iter().sum();
            let c: u64 = rows.iter().map(|row| row[j]).sum();
            let e = r as f64 * c as f64 / n as f64;
            statistic += (o as f64 - e).powi(2) / e;
        }
    }
    statistic
}

/// The closed 2 × 2 forms in integers: n(ad − bc)² / (r1 r2 c1 c2), and
/// with Yates' correction capped as R caps it (|O − E| = |ad − bc|/n in
/// every cell): n(|ad − bc| − min(n/2, |ad − bc|))² / (r1 r2 c1 c2).
fn pearson_2x2_closed_form(a: u64, b: u64, c: u64, d: u64, yates: bool) -> f64 {
    let n = u128::from(a + b + c + d);
    let cross = (i128::from(a * d) - i128::from(b * c)).unsigned_abs();
    let margins = u128::from((a + b) * (c + d)) * u128::from((a + c) * (b + d));
    if yates {
        // doubled to stay in integers: (2|ad − bc| − min(n, 2|ad − bc|))² / 4
        let twice = 2 * cross;
        let y = twice - twice.min(n);
        (n * y * y) as f64 / (4 * margins) as f64
    } else {
        (n * cross * cross) as f64 / margins as f64
    }
}

fn binomial(n: u64, k: u64) -> u128 {
    let mut r: u128 = 1;
    for i in 0..k {
        r = r * u128::from(n - i) / u128::from(i + 1);
    }
    r
}

/// R's two-sided Fisher P of [[a, b], [c, d]] by enumerating the support of
/// the top-left cell with exact hypergeometric weights C(m, x)·C(n, k − x),
/// summing those with weight ≤ observed · (1 + 10⁻⁷) — decided in integers.
fn fisher_by_enumeration(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (m, n, k) = (a + c, b + d, a + b);
    let weight = |x: u64| binomial(m, x) * binomial(n, k - x);
    let observed = weight(a);
    let (mut tail, mut total) = (0u128, 0u128);
    for x in k.saturating_sub(n)..=k.min(m) {
        let w = weight(x);
        total += w;
        if w * 10_000_000 <= observed * 10_000_001 {
            tail += w;
        }
    }
    tail as f64 / total as f64
}

/// A 2 × 2 table without an empty row or column, n ≤ 100 (so the exact
/// weights fit in u128 with room for the relErr comparison).
fn two_by_two() -> impl Strategy<Value = (u64, u64, u64, u64)> {
    (0u64..25, 0u64..25, 0u64..25, 0u64..25).prop_filter("no empty margin", |&(a, b, c, d)| {
        a + b > 0 && c + d > 0 && a + c > 0 && b + d > 0
    })
}

fn r_by_c() -> impl Strategy<Value = Vec<Vec<u64>>> {
    (2usize..5, 2usize..5)
        .prop_flat_map(|(r, c)| prop::collection::vec(prop::collection::vec(0u64..30, c), r))
        .prop_filter("no empty margin", |rows| {
            rows.iter().all(|row| row.iter().sum::<u64>() > 0)
                && (0..rows[0].len()).all(|j| rows.iter().map(|row| row[j]).sum::<u64>() > 0)
        })
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn pearson_chisq_equals_the_textbook_sum(rows in r_by_c()) {
        let table = table_of(&rows);
        let test = chisq_test(&table, false);
        let oracle = pearson_by_cell_sum(&rows);
        prop_assert!(close(test.statistic, oracle, REL), "{} vs {}", test.statistic, oracle);
        prop_assert_eq!(test.df, (rows.len() - 1) * (rows[0].len() - 1));
        assert_p(test.p, "χ²");
        // transposing or reordering rows is the same question
        let transposed = chisq_test(&table.transposed(), false);
        prop_assert!(close(transposed.statistic, test.statistic, REL));
        let mut reversed = rows.clone();
        reversed.reverse();
        prop_assert!(close(chisq_test(&table_of(&reversed), false).statistic, test.statistic, REL));
    }

    #[test]
    fn pearson_2x2_equals_the_closed_form((a, b, c, d) in two_by_two()) {
        let table = Contingency::new(2, 2, vec![a, b, c, d]);
        for yates in [false, true] {
            let test = chisq_test(&table, yates);
            let oracle = pearson_2x2_closed_form(a, b, c, d, yates);
            // O − E = ±(ad − bc)/n is formed by cancellation in the fast
            // code: bound its error by the size of the counts
            let n = (a + b + c + d) as f64;
            let scale = oracle.max(n * n / (((a + b) * (c + d)) as f64).min(((a + c) * (b + d)) as f64));
            prop_assert!(close(test.statistic, oracle, REL) || close_scaled(test.statistic, oracle, scale),
                "Yates {}: {} vs {}", yates, test.statistic, oracle);
            assert_p(test.p, "χ² 2 × 2");
        }
    }

    #[test]
    fn fisher_2x2_equals_enumeration((a, b, c, d) in two_by_two()) {
        let p = fisher_test(&Contingency::new(2, 2, vec![a, b, c, d])).p;
        let oracle = fisher_by_enumeration(a, b, c, d);
        prop_assert!(close(p, oracle, REL), "Fisher {} vs enumeration {}", p, oracle);
        assert_p(p, "Fisher");
        // the two-sided test does not care which row or column is first
        let swapped = fisher_test(&Contingency::new(2, 2, vec![c, d, a, b])).p;
        let transposed = fisher_test(&Contingency::new(2, 2, vec![a, c, b, d])).p;
        prop_assert!(close(swapped, p, REL) && close(transposed, p, REL), "{} {} {}", p, swapped, transposed);
    }
}

// ---------------------------------------------------------------------------
// The whole analysis

const SPEC: &str = r#"{
  "group": {"column": "arm"},
  "variables": [{"name": "age", "kind": "continuous"},
                {"name": "sex", "kind": "categorical"}],
  "endpoints": [{"name": "OS", "time": "time", "event": "status", "time_unit": "months"}]
}"#;

/// One patient: group (None = empty cell), age, sex, time, event.
type Patient = (Option<u8>, Option<u8>, Option<u8>, Option<u8>, bool);

fn patients() -> impl Strategy<Value = Vec<Patient>> {
    prop::collection::vec(
        (
            prop::option::weighted(0.95, 0u8..3),
            prop::option::weighted(0.9, 20u8..90),
            prop::option::weighted(0.9, 0u8..3),
            prop::option::weighted(0.9, 0u8..24),
            any::<bool>(),
        ),
        2..40,
    )
}

const GROUPS: [&str; 3] = ["A", "B", "C"];
const SEXES: [&str; 3] = ["F", "M", "X"];

fn csv_of(patients: &[Patient], groups: [&str; 3]) -> String {
    let mut csv = String::from("arm,age,sex,time,status\n");
    let cell = |v: Option<String>| v.unwrap_or_else(|| "NA".to_string());
    for &(g, age, sex, time, event) in patients {
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            g.map_or(String::new(), |g| groups[g as usize].to_string()),
            cell(age.map(|a| a.to_string())),
            cell(sex.map(|s| SEXES[s as usize].to_string())),
            cell(time.map(|t| (f64::from(t) / 2.0).to_string())),
            u8::from(event)
        ));
    }
    csv
}

fn spec() -> Spec {
    Spec::from_json(SPEC, "spec.json").expect("valid spec")
}

/// Every number under a key `p` or `p_…` is a probability.
fn check_every_p(value: &serde_json::Value, path: &str) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                let here = format!("{path}/{key}");
                if key == "p" || key.starts_with("p_") {
                    if let Some(p) = v.as_f64() {
                        assert!((0.0..=1.0).contains(&p), "{here} = {p}");
                    }
                }
                check_every_p(v, &here);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_every_p(v, &format!("{path}/{i}"));
            }
        }
        _ => {}
    }
}

/// Two reports are the same analysis: equal structure and text, numbers
/// within REL (the only order-dependent sums are over integers, but the
/// comparison does not rely on it).
fn same_json(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Result<(), String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if close(x, y, REL) {
                Ok(())
            } else {
                Err(format!("{path}: {x} vs {y}"))
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: different keys"));
            }
            for (key, v) in x {
                let w = y.get(key).ok_or(format!("{path}/{key} missing"))?;
                same_json(v, w, &format!("{path}/{key}"))?;
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: lengths {} and {}", x.len(), y.len()));
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                same_json(v, w, &format!("{path}/{i}"))?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} vs {b}")),
    }
}

fn report_json(csv: &str) -> Option<serde_json::Value> {
    match analyze(csv.as_bytes(), "random.csv", &spec()) {
        Ok(report) => {
            let mut value = serde_json::to_value(&report).expect("report serialises");
            // the warnings name file lines, which a permutation moves
            value["warnings"] = serde_json::Value::Null;
            Some(value)
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::TooFewGroups, "{e}");
            None
        }
    }
}

proptest! {
    #![proptest_config(config(REPORT_CASES))]

    #[test]
    fn report_counts_add_up_and_every_p_is_a_probability(patients in patients()) {
        let csv = csv_of(&patients, GROUPS);
        let groups_with_data = GROUPS.len() - (0..3u8).filter(|g| !patients.iter().any(|p| p.0 == Some(*g))).count();
        let report = match analyze(csv.as_bytes(), "random.csv", &spec()) {
            Ok(report) => report,
            Err(e) => {
                prop_assert_eq!(e.kind(), ErrorKind::TooFewGroups);
                prop_assert!(groups_with_data < 2);
                return Ok(());
            }
        };
        let n_rows = patients.len();
        let with_group = patients.iter().filter(|p| p.0.is_some()).count();
        prop_assert_eq!(report.n_rows, n_rows);
        prop_assert_eq!(report.n_missing_group, n_rows - with_group);
        prop_assert_eq!(report.groups.iter().map(|g| g.n).sum::<usize>(), with_group);
        if with_group < n_rows {
            prop_assert!(report.warnings.iter().any(|w| w.contains("empty group")), "{:?}", report.warnings);
        }

        for c in &report.categorical {
            for (g, counts) in c.by_group.iter().enumerate() {
                prop_assert_eq!(counts.n, report.groups[g].n);
                prop_assert_eq!(counts.counts.iter().sum::<u64>() as usize + counts.missing, counts.n);
            }
            prop_assert_eq!(c.overall.n, with_group);
        }
        for c in &report.continuous {
            for s in c.by_group.iter().chain([&c.overall]) {
                prop_assert_eq!(s.n_nonmissing + s.missing, s.n);
            }
        }

        let s = &report.survival[0];
        let complete: Vec<&Patient> = patients.iter().filter(|p| p.0.is_some() && p.3.is_some()).collect();
        prop_assert_eq!(s.n_used, complete.len());
        prop_assert_eq!(s.n_used + s.n_excluded_missing, n_rows);
        prop_assert_eq!(s.km.iter().map(|k| k.n).sum::<u64>() as usize, complete.len());
        let deaths = complete.iter().filter(|p| p.4).count();
        prop_assert_eq!(s.km.iter().map(|k| k.events).sum::<u64>() as usize, deaths);
        if let Some(lr) = &s.logrank {
            prop_assert_eq!(lr.by_group.iter().map(|g| g.observed).sum::<f64>(), deaths as f64);
        }
        for km in &s.km {
            let t = &km.table;
            for k in 1..t.surv.len() {
                prop_assert!(t.surv[k] <= t.surv[k - 1] && (0.0..=1.0).contains(&t.surv[k]));
                prop_assert!(t.n_risk[k] <= t.n_risk[k - 1]);
            }
        }
        for row in &s.risk_table.by_group {
            for k in 1..row.n_risk.len() {
                prop_assert!(row.n_risk[k] <= row.n_risk[k - 1]);
            }
        }
        check_every_p(&serde_json::to_value(&report).expect("serialises"), "");
    }

    #[test]
    fn permuting_rows_changes_nothing(patients in patients().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle()))) {
        let (patients, shuffled) = patients;
        let a = report_json(&csv_of(&patients, GROUPS));
        let b = report_json(&csv_of(&shuffled, GROUPS));
        match (a, b) {
            (Some(a), Some(b)) => {
                if let Err(difference) = same_json(&a, &b, "") {
                    prop_assert!(false, "{}", difference);
                }
            }
            (None, None) => {}
            _ => prop_assert!(false, "analysed one way only"),
        }
    }

    /// Swapping the labels A and B swaps the two groups' columns and keeps
    /// every test of the group effect; the Cox coefficient (2 groups) flips
    /// its sign.
    #[test]
    fn relabelling_groups_swaps_them(patients in patients()) {
        let two: Vec<Patient> = patients.into_iter().map(|p| (p.0.map(|g| g % 2), p.1, p.2, p.3, p.4)).collect();
        let spec = spec();
        let a = analyze(csv_of(&two, GROUPS).as_bytes(), "a.csv", &spec);
        let b = analyze(csv_of(&two, ["B", "A", "C"]).as_bytes(), "b.csv", &spec);
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(_), Err(_)) => return Ok(()),
            _ => {
                prop_assert!(false, "analysed one way only");
                unreachable!()
            }
        };
        prop_assert_eq!(a.groups[0].n, b.groups[1].n);
        prop_assert_eq!(a.groups[1].n, b.groups[0].n);
        let (sa, sb) = (&a.survival[0], &b.survival[0]);
        prop_assert_eq!(&sa.km[0].table.surv, &sb.km[1].table.surv);
        prop_assert_eq!(&sa.km[1].table.surv, &sb.km[0].table.surv);
        if let (Some(la), Some(lb)) = (&sa.logrank, &sb.logrank) {
            match (la.chisq, lb.chisq) {
                (Some(x), Some(y)) => {
                    let g = &la.by_group[1];
                    let scale = (g.observed + g.expected).powi(2) / g.variance;
                    prop_assert!(close_scaled(x, y, scale), "log-rank χ² {} vs {}", x, y);
                }
                (None, None) => {}
                other => prop_assert!(false, "χ² on one side only: {:?}", other),
            }
        }
        for (ca, cb) in a.categorical.iter().zip(&b.categorical) {
            let stat = |c: &insitu_core::report::CategoricalResult| c.tests.chisq_pearson.as_ref().and_then(|t| t.statistic);
            match (stat(ca), stat(cb)) {
                (Some(x), Some(y)) => prop_assert!(close(x, y, REL), "χ² {} vs {}", x, y),
                (x, y) => prop_assert_eq!(x, y),
            }
        }
        if let (Some(ca), Some(cb)) = (sa.cox.as_ref().and_then(|c| c.efron.as_ref()), sb.cox.as_ref().and_then(|c| c.efron.as_ref())) {
            if ca.warnings.is_empty() && cb.warnings.is_empty() {
                if let (Some(x), Some(y)) = (ca.coefficients[0].coef, cb.coefficients[0].coef) {
                    prop_assert!(close(x, -y, REL_COX) || (x + y).abs() <= REL_COX, "β {} vs {}", x, y);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The number-at-risk table's step: bounded whatever the data and the spec

/// The risk-table step against its definition: kept when it gives at most
/// `MAX_RISK_COLUMNS` columns, else the smallest of 2, 5, 10, 20, … times
/// it that does (found here by walking the multipliers one by one).
fn bounded_step_by_walking(by: f64, max_time: f64) -> f64 {
    let steps = (MAX_RISK_COLUMNS - 1) as f64;
    let mut power = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            let widened = by * (m * power);
            if max_time / widened <= steps * (1.0 + 1e-12) {
                return widened;
            }
        }
        power *= 10.0;
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn risk_step_is_the_smallest_round_multiple_within_the_limit(
        by_exp in -12.0f64..4.0, by_mantissa in 1.0f64..10.0,
        max_exp in -3.0f64..12.0, max_mantissa in 1.0f64..10.0,
    ) {
        let by = by_mantissa * 10f64.powf(by_exp.floor());
        let max_time = max_mantissa * 10f64.powf(max_exp.floor());
        let step = bounded_step(by, max_time);
        prop_assert!(step.is_finite() && step >= by, "{by} {max_time}: {step}");
        let table = RiskTable::new(step, max_time);
        prop_assert!(table.times.len() <= MAX_RISK_COLUMNS, "{} columns", table.times.len());
        prop_assert_eq!(table.times[0], 0.0);
        prop_assert!(*table.times.last().unwrap() <= max_time * (1.0 + 1e-10));
        if max_time / by <= (MAX_RISK_COLUMNS - 1) as f64 {
            prop_assert_eq!(step, by);
        }
        // rounded to 12 significant digits in the core
        let oracle = bounded_step_by_walking(by, max_time);
        prop_assert!(close(step, oracle, 1e-11), "{by} {max_time}: {step} vs {oracle}");
    }
}
