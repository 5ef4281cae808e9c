// R's values are kept digit for digit as R printed them.
#![allow(clippy::excessive_precision)]
//! Fisher's exact test for r × c tables against R 4.2.2 (`fisher.test`),
//! against brute-force enumeration, and the Monte Carlo fallback against the
//! exact value.
//!
//! Tables are written as R writes `matrix(c(...), nrow)`: column-major.
//! R calls are given next to each value; `workspace = 2e8` where R's default
//! workspace is too small.

use insitu_core::stats::contingency::Contingency;
use insitu_core::stats::fisher::{fisher_test, FisherMethod};
use insitu_core::stats::fisher_rxc::{
    fisher_rxc, fisher_rxc_exact, fisher_rxc_simulated, fisher_two_column_split, FEXACT_TOL,
    MAX_WORK, MC_REPLICATES, MC_SEED,
};
use insitu_core::stats::prec::{assert_rel, REL};

/// A table from R's column-major `matrix(c(...), nrow = r)`.
fn r_matrix(r: usize, c: usize, v: &[u64]) -> Contingency {
    assert_eq!(v.len(), r * c);
    let counts = (0..r)
        .flat_map(|i| (0..c).map(move |j| v[j * r + i]))
        .collect();
    Contingency::new(r, c, counts)
}

/// A table from its rows (groups × levels, as the reference JSON's
/// `by_group[*].counts`).
fn by_rows(rows: &[&[u64]]) -> Contingency {
    let c = rows[0].len();
    Contingency::new(
        rows.len(),
        c,
        rows.iter().flat_map(|r| r.iter().copied()).collect(),
    )
}

fn exact_p(t: &Contingency) -> f64 {
    let r = fisher_rxc(t);
    assert_eq!(r.method, FisherMethod::Exact, "expected an exact P value");
    r.p
}

// ---------------------------------------------------------------------------
// Small tables against R.

#[test]
fn small_tables_against_r() {
    let cases: &[(usize, usize, &[u64], f64)] = &[
        // fisher.test(matrix(c(3,1,4, 1,5,9), 3))$p.value
        (3, 2, &[3, 1, 4, 1, 5, 9], 0.24112711446134155),
        // fisher.test(matrix(c(2,7,1, 8,2,8), 2))$p.value
        (2, 3, &[2, 7, 1, 8, 2, 8], 1.0),
        // fisher.test(matrix(c(10,4,6, 3,12,5, 7,8,2), 3))$p.value
        (3, 3, &[10, 4, 6, 3, 12, 5, 7, 8, 2], 0.04752429039568009),
        // fisher.test(matrix(c(12,5,9,3, 4,11,6,8, 7,7,2,10), 4))$p.value
        (
            4,
            3,
            &[12, 5, 9, 3, 4, 11, 6, 8, 7, 7, 2, 10],
            0.022168077735262273,
        ),
        // fisher.test(matrix(c(20,25,18,30,22,15, 28,20,27,19,24,30), 6))$p.value  (n = 278)
        (
            6,
            2,
            &[20, 25, 18, 30, 22, 15, 28, 20, 27, 19, 24, 30],
            0.072790039697966061,
        ),
        // p near 1: fisher.test(matrix(c(10,10,10, 10,10,10), 3))$p.value
        // (R: 0.99999999999995315; every table counts, so exactly 1)
        (3, 2, &[10, 10, 10, 10, 10, 10], 0.99999999999995315),
        // p ~ 1e-8: fisher.test(matrix(c(12,2,1, 1,10,2, 2,1,11), 3))$p.value
        (
            3,
            3,
            &[12, 2, 1, 1, 10, 2, 2, 1, 11],
            9.2438050447610425e-08,
        ),
        // fisher.test(matrix(c(15,3,2,1, 2,12,3,2, 1,2,14,3), 4))$p.value
        (
            4,
            3,
            &[15, 3, 2, 1, 2, 12, 3, 2, 1, 2, 14, 3],
            2.479387807026242e-08,
        ),
        // fisher.test(matrix(c(20,2,1, 1,3,22, 2,21,2), 3))$p.value
        (
            3,
            3,
            &[20, 2, 1, 1, 3, 22, 2, 21, 2],
            1.7146246742223401e-18,
        ),
        // fisher.test(matrix(c(40,30,12,8,5,3, 3,6,10,25,30,45), 6), workspace = 2e8)$p.value
        // (n = 257; R's default workspace fails: "LDSTP=18630 is too small")
        (
            6,
            2,
            &[40, 30, 12, 8, 5, 3, 3, 6, 10, 25, 30, 45],
            7.7126667411819324e-26,
        ),
    ];
    for &(r, c, v, expected) in cases {
        let t = r_matrix(r, c, v);
        assert_rel(exact_p(&t), expected, REL);
        // Orientation and order of rows do not matter.
        assert_rel(exact_p(&t.transposed()), expected, REL);
    }
}

// ---------------------------------------------------------------------------
// The reference data sets (shared/reference/expected/*.json,
// categorical[*].tests.fisher.p, R 4.2.2; `fisher.test(tab, workspace =
// 2e8)`); tables are by_group[*].counts, groups × levels.

#[test]
fn reference_datasets_against_r() {
    let cases: &[(&str, &[&[u64]], f64)] = &[
        (
            "colon sex",
            &[&[149, 166], &[133, 177], &[163, 141]],
            0.02843834701907847,
        ),
        (
            "colon obstruct",
            &[&[252, 63], &[247, 63], &[250, 54]],
            0.687500624992787,
        ),
        (
            "colon perfor",
            &[&[306, 9], &[300, 10], &[296, 8]],
            0.9407624127536908,
        ),
        (
            "colon adhere",
            &[&[268, 47], &[261, 49], &[265, 39]],
            0.5566243196517823,
        ),
        (
            "colon node4",
            &[&[228, 87], &[221, 89], &[225, 79]],
            0.7483654438476194,
        ),
        (
            "colon differ",
            &[&[27, 229, 52], &[37, 219, 44], &[29, 215, 54]],
            0.529759685663349,
        ),
        (
            "colon extent",
            &[&[8, 38, 249, 20], &[3, 36, 259, 12], &[10, 32, 251, 11]],
            0.26127388901335263,
        ),
        (
            "colon surg",
            &[&[224, 91], &[230, 80], &[228, 76]],
            0.5098760202983815,
        ),
        // Level "3" has counts 1 and 0: kept (not an empty row).
        (
            "lung ph_ecog",
            &[&[36, 71, 29, 1], &[27, 42, 21, 0]],
            0.8225102214415959,
        ),
        (
            "paper ct_category",
            &[&[1, 57, 32], &[4, 119, 41]],
            0.18527247338148753,
        ),
        (
            "paper cn_category",
            &[&[4, 22, 52], &[12, 50, 101]],
            0.7476816880773798,
        ),
        (
            "paper rectal_response",
            &[&[59, 6, 0], &[113, 10, 5]],
            0.29930416333520715,
        ),
        (
            "paper centre",
            &[&[58, 38, 0, 0, 0, 0], &[0, 0, 52, 45, 39, 28]],
            8.510954156983518e-74,
        ),
        (
            "veteran celltype",
            &[&[15, 30, 9, 15], &[20, 18, 18, 12]],
            0.06989372808834075,
        ),
    ];
    for &(name, rows, expected) in cases {
        let p = exact_p(&by_rows(rows));
        assert!(
            (p - expected).abs() <= REL * expected,
            "{name}: {p:e} vs R {expected:e}"
        );
    }
}

/// The colon 3 × 2 tables by exact rational arithmetic (Python `fractions`,
/// every table enumerated): R's FEXACT is ~1e-11 off, this is ~1e-13.
#[test]
fn colon_against_exact_rational_arithmetic() {
    let cases: &[(&[&[u64]], f64)] = &[
        (
            &[&[149, 166], &[133, 177], &[163, 141]],
            0.028438347020431184,
        ),
        (&[&[252, 63], &[247, 63], &[250, 54]], 0.68750062500372555),
        (&[&[224, 91], &[230, 80], &[228, 76]], 0.5098760203081335),
    ];
    for &(rows, expected) in cases {
        assert_rel(exact_p(&by_rows(rows)), expected, 1e-12);
    }
}

// ---------------------------------------------------------------------------
// flchain (R survival 3.5.3, data(flchain), n = 7874).

/// table(flchain$flc.grp, flchain$sex): chisq.test p = 5.197757724545828e-10.
/// fisher.test(..., workspace = 2e8) fails: "FEXACT error 7(location).
/// LDSTP=18715440 is too small for this problem".
const FLC_SEX: [u64; 20] = [
    491, 278, 474, 337, 484, 336, 464, 322, 434, 357, 417, 374, 430, 376, 364, 366, 406, 397, 386,
    381,
];

/// table(flchain$flc.grp, flchain$death): chisq.test p = 1.8287574936214122e-163;
/// fisher.test fails as above.
const FLC_DEATH: [u64; 20] = [
    654, 115, 690, 121, 678, 142, 630, 156, 637, 154, 581, 210, 588, 218, 482, 248, 484, 319, 281,
    486,
];

fn flc(rows: &[usize], counts: &[u64; 20]) -> Contingency {
    Contingency::new(
        rows.len(),
        2,
        rows.iter()
            .flat_map(|&g| [counts[2 * (g - 1)], counts[2 * (g - 1) + 1]])
            .collect(),
    )
}

/// Sub-tables of flchain that R can do, and that this does exactly.
#[test]
fn flchain_subtables_against_r() {
    // t1 <- table(flchain$flc.grp, flchain$sex); fisher.test(unclass(t1)[8:10,])$p.value
    assert_rel(
        exact_p(&flc(&[8, 9, 10], &FLC_SEX)),
        0.96466635552521529,
        REL,
    );
    // fisher.test(unclass(t1)[5:7,])$p.value
    assert_rel(
        exact_p(&flc(&[5, 6, 7], &FLC_SEX)),
        0.67724369807993645,
        REL,
    );
    // fisher.test(unclass(t1)[c(6,8,9,10),])$p.value  (n = 3091)
    assert_rel(
        exact_p(&flc(&[6, 8, 9, 10], &FLC_SEX)),
        0.68326310142922153,
        REL,
    );
    // set.seed(1); s <- flchain[sample(nrow(flchain), 300),]
    // fisher.test(table(s$flc.grp, s$sex), workspace = 2e8)$p.value
    let sub_sex = r_matrix(
        10,
        2,
        &[
            25, 11, 13, 22, 17, 11, 20, 15, 16, 20, 12, 11, 8, 13, 12, 14, 16, 11, 18, 15,
        ],
    );
    assert_rel(exact_p(&sub_sex), 0.74971544619295449, REL);
    // set.seed(2); s <- flchain[sample(nrow(flchain), 200),]
    // fisher.test(table(s$flc.grp, s$death), workspace = 2e8)$p.value  (R: 3.9 s)
    let sub_death = r_matrix(
        10,
        2,
        &[
            25, 14, 20, 18, 18, 13, 10, 11, 13, 4, 2, 5, 5, 2, 2, 6, 4, 6, 6, 16,
        ],
    );
    assert_rel(exact_p(&sub_death), 6.8639757400831951e-06, REL);
}

/// The full flchain tables have of the order of 1e20 tables near the
/// observed probability: beyond R's FEXACT, the network algorithm and the
/// split (each half has ~2e9 partial tables per column sum that matter, for
/// 604 column sums).
/// The exact computation gives up within its work limits and the P value is
/// simulated; with p ≈ 5e-10 no random table of 1e6 is as extreme, so
/// p = 1 / (B + 1), as R's `fisher.test(simulate.p.value = TRUE, B = 1e6)`.
///
/// Measured (this machine, 2 cores, whole `fisher_rxc` call per table):
/// the two tables together ≈ 2 s in release (most of it the 10⁶ simulated
/// tables), ≈ 100 s in debug.
#[test]
fn flchain_full_tables_fall_back_to_monte_carlo() {
    for counts in [&FLC_SEX, &FLC_DEATH] {
        let t = flc(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], counts);
        assert_eq!(fisher_rxc_exact(&t, MAX_WORK), None);
        assert_eq!(fisher_two_column_split(&t, MAX_WORK), None);
        let r = fisher_rxc(&t);
        let b = MC_REPLICATES as f64;
        match r.method {
            FisherMethod::MonteCarlo {
                replicates,
                seed,
                std_error,
            } => {
                assert_eq!((replicates, seed), (MC_REPLICATES, MC_SEED));
                assert!(std_error > 0.0 && std_error < 2e-6);
            }
            FisherMethod::Exact => panic!("flchain cannot be exact"),
        }
        assert_rel(r.p, 1.0 / (b + 1.0), REL);
    }
}

/// The Monte Carlo estimate agrees with the exact value (within 4 standard
/// errors) on flchain sub-tables with moderate P values.
#[test]
fn monte_carlo_agrees_with_exact() {
    for rows in [&[6usize, 8, 9, 10][..], &[1, 2, 3][..]] {
        let t = flc(rows, &FLC_SEX);
        let exact = exact_p(&t);
        let sim = fisher_rxc_simulated(&t, 1_000_000, 12345);
        let FisherMethod::MonteCarlo {
            replicates,
            std_error,
            ..
        } = sim.method
        else {
            panic!("not simulated");
        };
        assert_eq!(replicates, 1_000_000);
        assert!(
            (sim.p - exact).abs() <= 4.0 * std_error,
            "rows {rows:?}: simulated {} ± {std_error} vs exact {exact}",
            sim.p
        );
        // Deterministic.
        assert_eq!(fisher_rxc_simulated(&t, 1_000_000, 12345), sim);
    }
}

// ---------------------------------------------------------------------------
// Brute force.

fn ln_fact(k: u64) -> f64 {
    (1..=k).map(|i| (i as f64).ln()).sum()
}

/// Every table with the margins of `t`, cell by cell: Σ P(T) over
/// log P(T) ≤ log P(observed) + FEXACT_TOL.
fn brute_force(t: &Contingency) -> f64 {
    let (r, c) = (t.rows(), t.cols());
    let rows = t.row_sums();
    let cols = t.col_sums();
    let n = t.total();
    let k: f64 = rows.iter().map(|&x| ln_fact(x)).sum::<f64>()
        + cols.iter().map(|&x| ln_fact(x)).sum::<f64>()
        - ln_fact(n);
    let obs: f64 = (0..r)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .map(|(i, j)| ln_fact(t.get(i, j)))
        .sum();
    let threshold = k - obs + FEXACT_TOL;
    let mut row_left = rows.clone();
    let mut col_left = cols.clone();
    let mut total = 0.0;
    #[allow(clippy::too_many_arguments)]
    fn rec(
        cell: usize,
        r: usize,
        c: usize,
        row_left: &mut [u64],
        col_left: &mut [u64],
        acc: f64,
        k: f64,
        threshold: f64,
        total: &mut f64,
    ) {
        if cell == r * c {
            let lp = k - acc;
            if lp <= threshold {
                *total += lp.exp();
            }
            return;
        }
        let (i, j) = (cell / c, cell % c);
        let forced_row = j == c - 1;
        let forced_col = i == r - 1;
        let (lo, hi) = if forced_row {
            (row_left[i], row_left[i])
        } else if forced_col {
            (col_left[j], col_left[j])
        } else {
            (0, row_left[i].min(col_left[j]))
        };
        for x in lo..=hi {
            if x > row_left[i] || x > col_left[j] {
                continue;
            }
            row_left[i] -= x;
            col_left[j] -= x;
            rec(
                cell + 1,
                r,
                c,
                row_left,
                col_left,
                acc + ln_fact(x),
                k,
                threshold,
                total,
            );
            row_left[i] += x;
            col_left[j] += x;
        }
    }
    rec(
        0,
        r,
        c,
        &mut row_left,
        &mut col_left,
        0.0,
        k,
        threshold,
        &mut total,
    );
    total
}

/// A linear congruential generator: `next(m)` is in `0..m`.
fn lcg(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut state = seed;
    move |m| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    }
}

/// Deterministic small tables (a linear congruential generator), r × c up
/// to 4 × 4, n up to 24, against brute force.
#[test]
fn random_small_tables_against_brute_force() {
    let mut next = lcg(42);
    let mut checked = 0;
    while checked < 150 {
        let r = 2 + next(3) as usize;
        let c = 2 + next(3) as usize;
        let n = 4 + next(21);
        let mut counts = vec![0u64; r * c];
        // Uneven cell weights, so that P values spread over (0, 1].
        let w: Vec<u64> = (0..r * c).map(|_| 1 + next(6)).collect();
        let wsum: u64 = w.iter().sum();
        for _ in 0..n {
            let mut u = next(wsum);
            let mut cell = 0;
            while u >= w[cell] {
                u -= w[cell];
                cell += 1;
            }
            counts[cell] += 1;
        }
        let t = Contingency::new(r, c, counts).without_empty().0;
        if t.rows() < 2 || t.cols() < 2 {
            continue;
        }
        let expected = brute_force(&t);
        let p = fisher_rxc_exact(&t, u64::MAX).expect("small table");
        assert!(
            (p - expected).abs() <= 1e-12 * expected.max(1e-300) + 1e-15,
            "{t:?}: {p:e} vs brute force {expected:e}"
        );
        checked += 1;
    }
}

/// An independent, deliberately naive exact computation for r × 2 tables: a
/// pass over the rows with state = running count in column 1, keeping every
/// path's log probability (no bounds, no merging), summed at the end.
fn naive_two_column(t: &Contingency) -> f64 {
    let rows = t.row_sums();
    let c1 = t.col_sums()[0];
    let n = t.total();
    let ln_choose = |a: u64, b: u64| ln_fact(a) - ln_fact(b) - ln_fact(a - b);
    let norm = ln_choose(n, c1);
    let obs: f64 = (0..t.rows()).map(|i| ln_choose(rows[i], t.get(i, 0))).sum();
    let threshold = obs - norm + FEXACT_TOL;
    // states[s] = log probabilities of the paths with s in column 1 so far.
    let mut states: Vec<Vec<f64>> = vec![Vec::new(); c1 as usize + 1];
    states[0].push(0.0);
    for &r in &rows {
        let mut next: Vec<Vec<f64>> = vec![Vec::new(); c1 as usize + 1];
        for (s, paths) in states.iter().enumerate() {
            for x in 0..=r.min(c1 - s as u64) {
                let g = ln_choose(r, x);
                next[s + x as usize].extend(paths.iter().map(|a| a + g));
            }
        }
        states = next;
    }
    states[c1 as usize]
        .iter()
        .map(|a| a - norm)
        .filter(|&lp| lp <= threshold)
        .map(f64::exp)
        .sum()
}

/// Two-column tables (column-major), for the naive enumeration.
const TWO_COLUMN_CASES: &[&[u64]] = &[
    &[5, 3, 8, 2, 7, 1, 4, 6],
    &[12, 3, 7, 9, 2, 5, 1, 8, 6, 4],
    &[20, 1, 3, 2, 0, 1, 4, 9, 2, 5],
    &[6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6],
    &[1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1],
    // 2 × 2 and 3 × 2
    &[3, 1, 1, 3],
    &[10, 0, 4, 2, 9, 11],
];

/// The network algorithm (through `fisher_rxc`) and the split (meet in the
/// middle) alone, on r × 2 tables and their 2 × c transposes, against the
/// naive enumeration; the split also on random small two-column tables
/// against brute force.
#[test]
fn two_column_tables_against_naive_enumeration_and_brute_force() {
    for v in TWO_COLUMN_CASES {
        let t = r_matrix(v.len() / 2, 2, v);
        let naive = naive_two_column(&t);
        for table in [t.clone(), t.transposed()] {
            let network = exact_p(&table);
            let split = fisher_two_column_split(&table, MAX_WORK).expect("small table");
            for (p, how) in [(network, "network"), (split, "split")] {
                assert!(
                    (p - naive).abs() <= 1e-11 * naive,
                    "{table:?}: {how} {p:e} vs naive {naive:e}"
                );
            }
        }
    }
    let mut next = lcg(7);
    for _ in 0..100 {
        let r = 2 + next(5) as usize;
        let counts: Vec<u64> = (0..2 * r).map(|_| next(7)).collect();
        let t = Contingency::new(r, 2, counts).without_empty().0;
        if t.rows() < 2 || t.cols() < 2 {
            continue;
        }
        let expected = brute_force(&t);
        let p = fisher_two_column_split(&t, MAX_WORK).expect("small table");
        assert!(
            (p - expected).abs() <= 1e-12 * expected + 1e-15,
            "{t:?}: split {p:e} vs brute force {expected:e}"
        );
    }
    // Not two columns or two rows: not its job.
    assert_eq!(
        fisher_two_column_split(&r_matrix(3, 3, &[1, 2, 3, 4, 5, 6, 7, 8, 9]), MAX_WORK),
        None
    );
}

/// The split and the network algorithm are two computations of the same
/// sum; on flchain tables both can do (R can too) they agree to 1e-11.
#[test]
fn split_agrees_with_the_network_algorithm() {
    for rows in [&[1usize, 2, 3, 4, 5][..], &[5, 6, 7, 8, 9, 10], &[8, 9, 10]] {
        for counts in [&FLC_SEX, &FLC_DEATH] {
            let t = flc(rows, counts);
            let network = fisher_rxc_exact(&t, MAX_WORK);
            let split = fisher_two_column_split(&t, MAX_WORK);
            if let (Some(network), Some(split)) = (network, split) {
                assert_rel(split, network, 1e-11);
            } else if counts == &FLC_SEX {
                panic!("rows {rows:?}: network {network:?}, split {split:?}");
            }
        }
    }
    // fisher.test(unclass(t1)[2:7,], workspace = 2e8)$p.value (R: 145 s;
    // here the network gives up and the split does it)
    let t = flc(&[2, 3, 4, 5, 6, 7], &FLC_SEX);
    assert_eq!(
        fisher_rxc_exact(&t, MAX_WORK),
        fisher_two_column_split(&t, MAX_WORK)
    );
    assert_rel(exact_p(&t), 0.015631653975618453, REL);
}

/// Beyond R's FEXACT (and the network algorithm's limits): six flchain
/// groups, n = 4,724. `fisher.test(unclass(t1)[3:8,], workspace = 2e8)`
/// stops with "LDSTP=18716040 is too small"; the split gives the exact P
/// value, checked against R's own Monte Carlo with 2 · 10⁸ random tables
/// (`fisher.test(..., simulate.p.value = TRUE, B = 1e8)`, seeds 1 and 2,
/// hits pooled).
#[test]
fn beyond_r_workspace_exact_against_long_monte_carlo() {
    // seed 1: 85,878 hits in 1e8; seed 2: 86,519 (R 4.2.2, 2 min each).
    const SPLIT_MC: (u64, u64) = (85_878 + 86_519, 200_000_000);
    let t = flc(&[3, 4, 5, 6, 7, 8], &FLC_SEX);
    let r = fisher_rxc(&t);
    assert_eq!(r.method, FisherMethod::Exact);
    let (hits, b) = SPLIT_MC;
    let mc = hits as f64 / b as f64;
    let se = (mc * (1.0 - mc) / b as f64).sqrt();
    assert!(
        (r.p - mc).abs() <= 4.0 * se,
        "exact {} vs R's Monte Carlo {mc} ± {se}",
        r.p
    );
}

// ---------------------------------------------------------------------------
// Edge cases.

#[test]
fn empty_rows_and_columns_are_ignored() {
    // fisher.test(matrix(c(3,1,4, 1,5,9), 3)) with an empty row and column
    let t = Contingency::new(4, 3, vec![3, 0, 1, 0, 0, 0, 1, 0, 5, 4, 0, 9]);
    assert_rel(exact_p(&t), 0.24112711446134155, REL);
    // One column left: a single table.
    let t = Contingency::new(3, 2, vec![3, 0, 1, 0, 4, 0]);
    assert_eq!(exact_p(&t), 1.0);
}

#[test]
fn two_by_two_agrees_with_fisher_test() {
    // fisher.test(matrix(c(67, 116, 29, 48), 2)): R's 2 × 2 path
    let t = Contingency::new(2, 2, vec![67, 29, 116, 48]);
    assert_rel(exact_p(&t), fisher_test(&t).p, REL);
    assert_rel(exact_p(&t), 0.8887696270763513, REL);
}

#[test]
fn totals_beyond_r_integers_give_nan() {
    let big = u64::from(u32::MAX);
    let t = Contingency::new(3, 2, vec![big, 1, 2, 3, 4, 5]);
    assert!(fisher_rxc(&t).p.is_nan());
    // Overflowing u64 sums: no panic.
    let t = Contingency::new(3, 2, vec![u64::MAX, u64::MAX, 2, 3, 4, 5]);
    assert!(fisher_rxc(&t).p.is_nan());
}

#[test]
#[ignore = "slow (minutes even in release): huge tables run up to the work limit; run with cargo test --release -- --ignored"]
fn large_and_wide_tables_do_not_panic() {
    // Large counts in a small table.
    let t = Contingency::new(
        3,
        2,
        vec![400_000, 600_000, 500_000, 510_000, 450_000, 470_000],
    );
    let r = fisher_rxc(&t);
    assert!(r.p > 0.0 && r.p <= 1.0, "{r:?}");
    // Many cells.
    let (rows, cols) = (40, 30);
    let counts = (0..rows * cols).map(|k| ((k * 7919) % 5) as u64).collect();
    let t = Contingency::new(rows, cols, counts);
    let r = fisher_rxc(&t);
    assert!(r.p > 0.0 && r.p <= 1.0, "{r:?}");
    assert!(matches!(r.method, FisherMethod::MonteCarlo { .. }));
}
