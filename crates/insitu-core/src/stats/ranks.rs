//! Average ranks with ties ("midranks"), as R's `rank()`, and the tie sizes
//! the rank tests correct for.

use super::order::stable_order_f64;

/// Ranks of `values` (1-based, ties averaged) and the size of every group
/// of tied values (sizes of 1 included).
pub fn midranks(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let order = stable_order_f64(values);
    let mut ranks = vec![0.0; values.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j + 2) as f64 / 2.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        ties.push(j - i + 1);
        i = j + 1;
    }
    (ranks, ties)
}

/// The rank sums of samples within their pooled sample, and its tie sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct RankSums {
    /// Sum of the midranks of each sample, in the order given.
    pub sums: Vec<f64>,
    /// Size of every group of tied values, ascending by value (sizes of 1
    /// included).
    pub ties: Vec<usize>,
}

/// What [`midranks`] of the concatenated samples gives the rank tests (the
/// rank sum of each sample and the tie sizes), without ranking each value:
/// each sample is sorted on its own (quick with the ties of rounded data)
/// and the sorted samples are merged value by value. The sums are the same
/// to the last bit: midranks are multiples of ½, so every partial sum is
/// exact below 2⁵² (up to about 9·10⁷ values), in any order.
pub fn rank_sums(samples: &[&[f64]]) -> RankSums {
    let sorted: Vec<Vec<f64>> = samples
        .iter()
        .map(|s| {
            let mut v = s.to_vec();
            crate::stats::order::sort_f64(&mut v);
            v
        })
        .collect();
    let sorted: Vec<&[f64]> = sorted.iter().map(Vec::as_slice).collect();
    rank_sums_sorted(&sorted)
}

/// [`rank_sums`] of samples each already sorted by [`f64::total_cmp`]
/// (Table 1 sorts each group once for its quartiles and its rank tests).
pub fn rank_sums_sorted(sorted: &[&[f64]]) -> RankSums {
    let k = sorted.len();
    let mut next = vec![0usize; k];
    let mut counts = vec![0usize; k];
    let mut sums = vec![0.0; k];
    let mut ties = Vec::new();
    let mut ranked = 0usize;
    loop {
        // the smallest value not ranked yet, and a sample holding it
        let mut smallest: Option<(f64, usize)> = None;
        for (g, s) in sorted.iter().enumerate() {
            if let Some(&v) = s.get(next[g]) {
                if smallest.is_none_or(|(m, _)| v.total_cmp(&m).is_lt()) {
                    smallest = Some((v, g));
                }
            }
        }
        let Some((value, holder)) = smallest else {
            break;
        };
        let mut tied = 0;
        for (g, s) in sorted.iter().enumerate() {
            let start = next[g];
            if value.is_nan() {
                // NaN equals nothing, not even itself: a tie group of one
                next[g] += usize::from(g == holder);
            } else {
                while next[g] < s.len() && s[next[g]] == value {
                    next[g] += 1;
                }
            }
            counts[g] = next[g] - start;
            tied += counts[g];
        }
        let rank = (2 * ranked + tied + 1) as f64 / 2.0;
        for (sum, &c) in sums.iter_mut().zip(&counts) {
            *sum += c as f64 * rank;
        }
        ties.push(tied);
        ranked += tied;
    }
    RankSums { sums, ties }
}

/// Σ (t³ − t) over tie groups.
pub fn tie_sum(ties: &[usize]) -> f64 {
    ties.iter().map(|&t| (t as f64).powi(3) - t as f64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rank sums as the slow way gives them: midranks of the pooled
    /// sample, summed per sample.
    fn rank_sums_by_midranks(samples: &[&[f64]]) -> RankSums {
        let pooled: Vec<f64> = samples.iter().flat_map(|s| s.iter().copied()).collect();
        let (ranks, ties) = midranks(&pooled);
        let mut sums = Vec::new();
        let mut start = 0;
        for s in samples {
            sums.push(ranks[start..start + s.len()].iter().sum());
            start += s.len();
        }
        RankSums { sums, ties }
    }

    #[test]
    fn rank_sums_equal_summed_midranks() {
        let mut state = 7u64;
        let mut draw = |distinct: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            match (state >> 33) % 97 {
                0 => -0.0,
                1 => 0.0,
                _ => ((state >> 20) % distinct) as f64 / 10.0 - 3.0,
            }
        };
        for distinct in [1, 2, 30, 1000, 1 << 40] {
            let a: Vec<f64> = (0..3000).map(|_| draw(distinct)).collect();
            let b: Vec<f64> = (0..1700).map(|_| draw(distinct)).collect();
            let c: Vec<f64> = (0..40).map(|_| draw(distinct)).collect();
            for samples in [vec![&a[..], &b[..]], vec![&c[..], &a[..], &[][..], &b[..]]] {
                assert_eq!(rank_sums(&samples), rank_sums_by_midranks(&samples));
            }
        }
        let with_nan = [1.0, f64::NAN, 2.0, f64::NAN];
        let other = [2.0, f64::NAN, 0.5];
        assert_eq!(
            rank_sums(&[&with_nan, &other]),
            rank_sums_by_midranks(&[&with_nan, &other])
        );
    }

    #[test]
    fn ties_get_the_average_rank() {
        let (r, t) = midranks(&[10.0, 20.0, 10.0, 30.0, 10.0]);
        assert_eq!(r, [2.0, 4.0, 2.0, 5.0, 2.0]);
        assert_eq!(tie_sum(&t), 24.0);
    }
}
