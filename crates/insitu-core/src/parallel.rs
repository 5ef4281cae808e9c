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

#[cfg(test)]
mod tests {
    #[test]
    fn both_results_come_back_in_order() {
        let data: Vec<u64> = (1..=1000).collect();
        let (sum, max) = super::join(|| data.iter().sum::<u64>(), || data.iter().max().copied());
        assert_eq!((sum, max), (500_500, Some(1000)));
    }
}
