//! Kruskal–Wallis rank-sum test of k groups with the tie correction, as R's
//! `kruskal.test(x, g)`. With two groups it equals the uncorrected normal
//! Mann–Whitney test.

use super::dist::chisq_upper;
use super::ranks::{rank_sums, tie_sum, RankSums};

/// A χ² test with its degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KruskalWallis {
    /// H, tie-corrected.
    pub statistic: f64,
    /// Number of groups with values − 1.
    pub df: usize,
    /// Upper-tail P value.
    pub p: f64,
}

/// The test on the non-empty samples in `groups` (`None` with fewer than 2).
pub fn kruskal_wallis(groups: &[&[f64]]) -> Option<KruskalWallis> {
    let used: Vec<&[f64]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    if used.len() < 2 {
        return None;
    }
    let sizes: Vec<usize> = used.iter().map(|g| g.len()).collect();
    Some(kruskal_wallis_ranked(&sizes, &rank_sums(&used)))
}

/// The test from the rank sums of at least two non-empty samples of sizes
/// `sizes` in their pooled sample.
pub fn kruskal_wallis_ranked(sizes: &[usize], ranked: &RankSums) -> KruskalWallis {
    let n = sizes.iter().sum::<usize>() as f64;
    let mut sum = 0.0;
    for (&size, r) in sizes.iter().zip(&ranked.sums) {
        sum += r * r / size as f64;
    }
    let statistic = (12.0 * sum / (n * (n + 1.0)) - 3.0 * (n + 1.0))
        / (1.0 - tie_sum(&ranked.ties) / (n * n * n - n));
    let df = sizes.len() - 1;
    KruskalWallis {
        statistic,
        df,
        p: chisq_upper(statistic, df as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL};

    /// R: kruskal.test(list(c(1, 2, 2), c(3, 4), c(2, 5, 6)))
    #[test]
    fn three_groups_with_ties_against_r() {
        let kw = kruskal_wallis(&[&[1.0, 2.0, 2.0], &[3.0, 4.0], &[2.0, 5.0, 6.0]]).unwrap();
        assert_eq!(kw.df, 2);
        assert_rel(kw.statistic, H, REL);
        assert_rel(kw.p, P, REL);
    }

    const H: f64 = 3.9958333333333353;
    const P: f64 = 0.13561752564377877;
}
