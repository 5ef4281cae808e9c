//! Two pieces of work at once on a native build with the `threads` feature
//! (the CLI's): Table 1 beside the survival analyses, columns read two at a
//! time. Without the feature — the WebAssembly builds, where a thread
//! cannot be started — the pieces run one after the other. The results are
//! the same either way: the pieces share nothing they write.
//!
//! `std::thread::scope` is all this needs (two pieces, no pool); a crate
//! such as rayon would add a thread pool the browser build must not carry.

/// Runs `a` and `b`, at the same time where threads are available.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    #[cfg(feature = "threads")]
    {
        std::thread::scope(|scope| {
            let b = scope.spawn(b);
            let ra = a();
            let rb = b
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (ra, rb)
        })
    }
    #[cfg(not(feature = "threads"))]
    {
        (a(), b())
    }
}

/// `f` of every item, in item order; natively two items at a time, each
/// thread taking the next item not started (so a long item does not hold
/// up the short ones behind it).
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    #[cfg(feature = "threads")]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        if items.len() < 2 {
            return items.iter().map(f).collect();
        }
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(k) else {
                    return done;
                };
                done.push((k, f(item)));
            }
        };
        let (mut all, b) = join(work, work);
        all.extend(b);
        all.sort_by_key(|&(k, _)| k);
        all.into_iter().map(|(_, r)| r).collect()
    }
    #[cfg(not(feature = "threads"))]
    {
        items.iter().map(f).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_results_come_back_in_order() {
        let data: Vec<u64> = (1..=1000).collect();
        let (sum, max) = super::join(|| data.iter().sum::<u64>(), || data.iter().max().copied());
        assert_eq!((sum, max), (500_500, Some(1000)));
    }

    #[test]
    fn map_keeps_the_item_order() {
        let items: Vec<u64> = (0..100).collect();
        // uneven work, so that the two threads interleave
        let squares = super::map(&items, |&k| {
            std::hint::black_box((0..(k % 7) * 10_000).fold(0u64, |a, b| a ^ b));
            k * k
        });
        assert_eq!(squares, items.iter().map(|k| k * k).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u64], |&k| k).is_empty());
    }
}
