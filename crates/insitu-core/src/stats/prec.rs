//! Named tolerances for comparing with R, in one place (as statrs'
//! `prec.rs`). Tests use these names; no test invents a looser literal.

/// Relative tolerance for every statistic except the Cox model.
pub const REL: f64 = 1e-9;
/// Relative tolerance for the Cox model (R's own convergence differs by up
/// to 1.7e-7 between eps = 1e-9 and 1e-12).
pub const REL_COX: f64 = 1e-6;
/// Absolute tolerance where R's value is exactly zero.
pub const ABS_ZERO: f64 = 1e-15;

/// True when `actual` is within `rel` of `expected` (relative), or within
/// [`ABS_ZERO`] when `expected` is 0.
pub fn close(actual: f64, expected: f64, rel: f64) -> bool {
    if expected == 0.0 {
        actual.abs() <= ABS_ZERO
    } else {
        (actual - expected).abs() <= rel * expected.abs()
    }
}

/// Panics with both values unless [`close`].
#[track_caller]
pub fn assert_rel(actual: f64, expected: f64, rel: f64) {
    assert!(
        close(actual, expected, rel),
        "actual {actual:e} vs expected {expected:e} (relative difference {:e}, tolerance {rel:e})",
        ((actual - expected) / expected).abs()
    );
}
