//! Sorting orders of large samples in linear time: the stable sorting
//! permutation of numbers by an LSD radix sort, used for the ranks of the
//! rank tests and the one sort of the survival times per endpoint.
//!
//! A comparison sort of indices (`order.sort_by(|&a, &b| x[a].total_cmp(&x[b]))`)
//! reads the values in random order and costs about 0.1 s per 10⁶ values;
//! the radix sort streams the keys and their indices through six passes of
//! 11-bit digits (passes where every key has the same digit are skipped),
//! about five times faster at 10⁶, and its cost grows linearly. Data with at most
//! a few thousand distinct values (rounded times and measurements, the usual
//! case) take a counting sort instead, one pass to number the values and
//! one to place them. The permutation is the one a stable sort by
//! [`f64::total_cmp`] gives, so every result computed from it is the same.

/// Below this many values a comparison sort is faster than the passes of
/// the radix sort.
const SMALL: usize = 512;
/// Bits per radix digit: six passes cover 64 bits, and 2¹¹ counters of
/// each pass stay in the first-level cache.
const DIGIT_BITS: u32 = 11;
const RADIX: usize = 1 << DIGIT_BITS;
const PASSES: usize = 6;
/// Most distinct keys for the counting sort of [`few_distinct_runs`].
const FEW_DISTINCT: usize = 4096;

/// An integer with the order of [`f64::total_cmp`]: −0.0 just below +0.0,
/// NaN with the sign bit below every number and NaN without above.
pub fn total_order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The number whose [`total_order_key`] is `key`.
pub fn from_total_order_key(key: u64) -> f64 {
    if key >> 63 == 1 {
        f64::from_bits(key & !(1 << 63))
    } else {
        f64::from_bits(!key)
    }
}

/// Sorts numbers by [`f64::total_cmp`] through their integer keys: the
/// result of `values.sort_unstable_by(f64::total_cmp)` (equal keys are
/// equal bits), with each comparison one integer `<`. In the app's
/// size-optimised WebAssembly this is also 2 KB smaller than the two
/// `total_cmp` sorts it replaces.
pub fn sort_f64(values: &mut [f64]) {
    let mut keys: Vec<u64> = values.iter().map(|&x| total_order_key(x)).collect();
    keys.sort_unstable();
    for (value, key) in values.iter_mut().zip(keys) {
        *value = from_total_order_key(key);
    }
}

/// Slices each sorted by [`f64::total_cmp`] merged into one so sorted:
/// what sorting them together gives, bit for bit (equal keys are equal
/// bits), in one pass into one allocation (time: the number of slices per
/// value, a few groups).
pub fn merge_sorted_f64(sorted: &[&[f64]]) -> Vec<f64> {
    let mut merged = Vec::with_capacity(sorted.iter().map(|s| s.len()).sum());
    let mut rest: Vec<&[f64]> = sorted.iter().copied().filter(|s| !s.is_empty()).collect();
    while let Some(k) = (0..rest.len()).min_by_key(|&k| total_order_key(rest[k][0])) {
        merged.push(rest[k][0]);
        rest[k] = &rest[k][1..];
        if rest[k].is_empty() {
            rest.remove(k);
        }
    }
    merged
}

/// The stable sorting permutation of `values` by [`f64::total_cmp`]:
/// `order[k]` is the index of the k-th smallest value, equal values in
/// input order.
pub fn stable_order_f64(values: &[f64]) -> Vec<usize> {
    stable_order(values.iter().map(|&x| total_order_key(x)).collect())
}

/// The stable sorting permutation of `keys` (ascending; equal keys in input
/// order). The keys are let go once the sort holds its own copy of them
/// (memory: at 10⁷ rows, 80 MB less at the sort's peak).
pub fn stable_order(keys: Vec<u64>) -> Vec<usize> {
    let n = keys.len();
    // (the radix sort numbers the keys with `u32`s)
    if n < SMALL || u32::try_from(n).is_err() {
        let mut order: Vec<usize> = (0..n).collect();
        sort_indices_by_key(&mut order, &keys);
        return order;
    }
    if let Some((ids, start)) = few_distinct_runs(&keys) {
        // the keys let go before the order is made (at 10⁷ rows, 80 MB
        // less at the sort's peak)
        drop(keys);
        return place(&ids, start);
    }
    let mut counts = vec![[0usize; RADIX]; PASSES];
    for &key in &keys {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[digit(key, pass)] += 1;
        }
    }
    // the keys and their input positions in two arrays (12 bytes a key,
    // where (u64, usize) pairs take 16), passed back and forth
    let mut current = (keys, (0..n as u32).collect::<Vec<u32>>());
    let mut next = (vec![0u64; n], vec![0u32; n]);
    let mut start = vec![0usize; RADIX];
    for (pass, count) in counts.iter().enumerate() {
        if count.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut offset = 0;
        for (s, &c) in start.iter_mut().zip(count.iter()) {
            *s = offset;
            offset += c;
        }
        for (&key, &index) in current.0.iter().zip(&current.1) {
            let d = digit(key, pass);
            next.0[start[d]] = key;
            next.1[start[d]] = index;
            start[d] += 1;
        }
        std::mem::swap(&mut current, &mut next);
    }
    drop(next);
    current.1.into_iter().map(|index| index as usize).collect()
}

/// The stable order by a counting sort when there are at most
/// [`FEW_DISTINCT`] distinct keys (times rounded to 0.1 month, ages to 0.1
/// year: a few hundred): the keys are numbered in a small hash table, the
/// distinct keys sorted, and the indices placed in one pass ([`place`]).
/// Returns each key's number and where each number's run starts in the
/// order; `None` (after a few thousand keys) when there are more.
fn few_distinct_runs(keys: &[u64]) -> Option<(Vec<u32>, Vec<usize>)> {
    const SLOTS: usize = 4 * FEW_DISTINCT; // a power of two, at most ¼ full
    const EMPTY: u32 = u32::MAX;
    let mut slot_key = vec![0u64; SLOTS];
    let mut slot_id = vec![EMPTY; SLOTS];
    let mut distinct: Vec<u64> = Vec::new();
    let mut ids: Vec<u32> = Vec::with_capacity(keys.len());
    for &key in keys {
        let mut s = hash_slot(key, SLOTS);
        let id = loop {
            if slot_id[s] == EMPTY {
                if distinct.len() == FEW_DISTINCT {
                    return None;
                }
                slot_key[s] = key;
                slot_id[s] = distinct.len() as u32;
                distinct.push(key);
                break slot_id[s];
            }
            if slot_key[s] == key {
                break slot_id[s];
            }
            s = (s + 1) & (SLOTS - 1);
        };
        ids.push(id);
    }
    let mut by_key: Vec<usize> = (0..distinct.len()).collect();
    sort_indices_by_key(&mut by_key, &distinct);
    // start of each distinct key's run in the output
    let mut count = vec![0usize; distinct.len()];
    for &id in &ids {
        count[id as usize] += 1;
    }
    let mut start = vec![0usize; distinct.len()];
    let mut offset = 0;
    for &i in &by_key {
        start[i] = offset;
        offset += count[i];
    }
    Some((ids, start))
}

/// Sorts the indices `order` by `keys[i]`, equal keys by index: the stable
/// order when `order` starts ascending (one sort instance for both uses).
fn sort_indices_by_key(order: &mut [usize], keys: &[u64]) {
    order.sort_unstable_by_key(|&i| (keys[i], i));
}

/// The order of a counting sort: each index placed at the next free place
/// of its number's run.
fn place(ids: &[u32], mut start: Vec<usize>) -> Vec<usize> {
    let mut order = vec![0usize; ids.len()];
    for (index, &id) in ids.iter().enumerate() {
        order[start[id as usize]] = index;
        start[id as usize] += 1;
    }
    order
}

/// The first slot of `key` in an open-addressing table of `slots` (a power
/// of two) slots: Fibonacci hashing, the top bits of the key times 2⁶⁴/φ.
/// Shared by the counting sort here and the distinct values of a column
/// (`ingest::typed`).
pub(crate) fn hash_slot(key: u64, slots: usize) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - slots.trailing_zeros())) as usize
}

fn digit(key: u64, pass: usize) -> usize {
    ((key >> (pass as u32 * DIGIT_BITS)) as usize) & (RADIX - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorting through the keys gives `sort_unstable_by(f64::total_cmp)`,
    /// bit for bit (signed zeros, infinities and NaN included).
    #[test]
    fn sort_f64_equals_total_cmp_sort() {
        for (n, distinct) in [(0, 1), (7, 3), (1000, 10), (5000, 1 << 40)] {
            let mut v = values(n, 11, distinct);
            v.extend([
                -0.0,
                0.0,
                f64::NAN,
                -f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ]);
            let mut expected = v.clone();
            expected.sort_unstable_by(f64::total_cmp);
            sort_f64(&mut v);
            let bits = |x: &[f64]| x.iter().map(|y| y.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&v), bits(&expected));
        }
    }

    /// Merging sorted slices gives the sort of all their values, bit for
    /// bit (signed zeros and empty slices included).
    #[test]
    fn merge_sorted_equals_sorting_together() {
        let bits = |x: &[f64]| x.iter().map(|y| y.to_bits()).collect::<Vec<_>>();
        for distinct in [1, 10, 1 << 40] {
            let mut parts: Vec<Vec<f64>> = [(300, 1), (0, 2), (1000, 3), (41, 4)]
                .iter()
                .map(|&(n, seed)| {
                    let mut v = values(n, seed, distinct);
                    v.extend([-0.0, 0.0]);
                    sort_f64(&mut v);
                    v
                })
                .collect();
            parts[1].clear();
            let slices: Vec<&[f64]> = parts.iter().map(Vec::as_slice).collect();
            let mut expected: Vec<f64> = parts.concat();
            expected.sort_unstable_by(f64::total_cmp);
            assert_eq!(bits(&merge_sorted_f64(&slices)), bits(&expected));
        }
        assert!(merge_sorted_f64(&[]).is_empty());
    }

    /// The obviously correct order: a stable comparison sort.
    fn oracle(values: &[f64]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        order
    }

    /// A reproducible stream of awkward values: few distinct (heavy ties),
    /// wide magnitudes, signed zeros, infinities.
    fn values(n: usize, seed: u64, distinct: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let r = state >> 11;
                match r % 50 {
                    0 => -0.0,
                    1 => 0.0,
                    2 => f64::INFINITY,
                    3 => f64::NEG_INFINITY,
                    4 => f64::from_bits(r) * 1e-300,
                    _ => ((r % distinct) as f64 - distinct as f64 / 3.0) / 10.0,
                }
            })
            .collect()
    }

    #[test]
    fn key_has_the_order_of_total_cmp() {
        let v = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            1e300,
            f64::INFINITY,
        ];
        for w in v.windows(2) {
            assert!(total_order_key(w[0]) < total_order_key(w[1]), "{w:?}");
        }
    }

    #[test]
    fn radix_order_equals_stable_comparison_sort() {
        for (n, distinct) in [
            (0, 1),
            (1, 1),
            (511, 7),
            (512, 7),
            (5000, 3),
            (20_000, 720),
            (50_000, 4000),
            (50_000, 5000),
        ] {
            for seed in 1..4 {
                let v = values(n, seed, distinct);
                assert_eq!(stable_order_f64(&v), oracle(&v), "n {n} seed {seed}");
            }
        }
        let wide = values(30_000, 9, u64::MAX >> 11);
        assert_eq!(stable_order_f64(&wide), oracle(&wide));
    }

    #[test]
    fn all_equal_keys_keep_input_order() {
        let v = vec![2.5; 4000];
        assert_eq!(stable_order_f64(&v), (0..4000).collect::<Vec<_>>());
    }
}
