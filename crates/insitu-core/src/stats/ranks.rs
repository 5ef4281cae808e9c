//! Average ranks with ties ("midranks"), as R's `rank()`, and the tie sizes
//! the rank tests correct for.

/// Ranks of `values` (1-based, ties averaged) and the size of every group
/// of tied values (sizes of 1 included).
pub fn midranks(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
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

/// Σ (t³ − t) over tie groups.
pub fn tie_sum(ties: &[usize]) -> f64 {
    ties.iter().map(|&t| (t as f64).powi(3) - t as f64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_get_the_average_rank() {
        let (r, t) = midranks(&[10.0, 20.0, 10.0, 30.0, 10.0]);
        assert_eq!(r, [2.0, 4.0, 2.0, 5.0, 2.0]);
        assert_eq!(tie_sum(&t), 24.0);
    }
}
