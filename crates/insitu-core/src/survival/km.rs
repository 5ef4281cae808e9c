//! Kaplan–Meier estimate with Greenwood standard errors, pointwise
//! confidence intervals (log and log-log), the Nelson–Aalen cumulative
//! hazard, landmark survival and the number-at-risk table.
//!
//! Follows R `survival::survfit` (3.5.3): `std_err_cumhaz` is the Greenwood
//! standard error of −log S, √Σ d/(n(n−d)), infinite once S = 0; the SE of S
//! is that times S. Intervals follow `survfit_confint`: log, exp(log S ±
//! z·se) with the upper limit capped at 1 and none where S = 0; log-log,
//! S^exp(∓z·se/log S), none where S is 0 or 1. Landmarks follow
//! `summary(fit, times, extend = TRUE)`: right-continuous S, the last value
//! carried beyond the last time with n at risk 0.

use crate::options::CiType;

use super::data::EventTable;

/// The standard normal quantile for 95 % intervals, `qnorm(0.975)`.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A Kaplan–Meier curve: one entry per distinct time.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    /// Counts at each distinct time.
    pub table: EventTable,
    /// S(t), right-continuous.
    pub surv: Vec<f64>,
    /// Greenwood SE of the cumulative hazard −log S(t) (infinite at S = 0).
    pub std_err_cumhaz: Vec<f64>,
    /// Nelson–Aalen cumulative hazard Σ d/n.
    pub cumhaz: Vec<f64>,
    /// SE of the Nelson–Aalen estimate, √Σ d/n².
    pub std_err_nelson_aalen: Vec<f64>,
}

/// A pointwise confidence interval; `None` where R gives NA.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Interval {
    /// Lower limit.
    pub lower: Option<f64>,
    /// Upper limit.
    pub upper: Option<f64>,
}

/// Survival at one landmark time.
#[derive(Debug, Clone, PartialEq)]
pub struct Landmark {
    /// The time asked for.
    pub time: f64,
    /// True when the time lies beyond the last observed time.
    pub beyond_last_time: bool,
    /// Subjects with time ≥ the landmark.
    pub n_risk: u64,
    /// S at the landmark (events at that time included).
    pub surv: f64,
    /// Greenwood SE of S (NaN where S = 0).
    pub std_err_surv: f64,
    /// Greenwood SE of −log S.
    pub std_err_cumhaz: f64,
}

impl KaplanMeier {
    /// Estimates the curve from its table of distinct times.
    pub fn fit(table: &EventTable) -> KaplanMeier {
        let len = table.len();
        let mut surv = Vec::with_capacity(len);
        let mut std_err_cumhaz = Vec::with_capacity(len);
        let mut cumhaz = Vec::with_capacity(len);
        let mut std_err_nelson_aalen = Vec::with_capacity(len);
        let (mut s, mut greenwood, mut h, mut h_var) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
        for k in 0..len {
            let n = table.n_risk[k] as f64;
            let d = table.n_event[k] as f64;
            if d > 0.0 {
                s *= (n - d) / n;
                greenwood += if n > d {
                    d / (n * (n - d))
                } else {
                    f64::INFINITY
                };
                h += d / n;
                h_var += d / (n * n);
            }
            surv.push(s);
            std_err_cumhaz.push(greenwood.sqrt());
            cumhaz.push(h);
            std_err_nelson_aalen.push(h_var.sqrt());
        }
        KaplanMeier {
            table: table.clone(),
            surv,
            std_err_cumhaz,
            cumhaz,
            std_err_nelson_aalen,
        }
    }

    /// Number of distinct times.
    pub fn len(&self) -> usize {
        self.surv.len()
    }

    /// True without times.
    pub fn is_empty(&self) -> bool {
        self.surv.is_empty()
    }

    /// Greenwood SE of S at each time (NaN where S = 0, as R's Inf · 0).
    pub fn std_err_surv(&self) -> Vec<f64> {
        self.surv
            .iter()
            .zip(&self.std_err_cumhaz)
            .map(|(s, se)| s * se)
            .collect()
    }

    /// The 95 % interval at a landmark: the band at the last time ≤ t, and
    /// [1, 1] before the first time (as `summary.survfit` pads the curve).
    pub fn landmark_interval(&self, landmark: &Landmark, ci: CiType) -> Interval {
        if self
            .table
            .time
            .first()
            .is_none_or(|&first| landmark.time < first)
        {
            Interval {
                lower: Some(1.0),
                upper: Some(1.0),
            }
        } else {
            interval(landmark.surv, landmark.std_err_cumhaz, ci)
        }
    }

    /// The 95 % pointwise interval at each time.
    pub fn band(&self, ci: CiType) -> Vec<Interval> {
        self.surv
            .iter()
            .zip(&self.std_err_cumhaz)
            .map(|(&s, &se)| interval(s, se, ci))
            .collect()
    }

    /// Survival at landmark times, as `summary(fit, times, extend = TRUE)`.
    pub fn landmark(&self, t: f64) -> Landmark {
        let last = self.table.time.last().copied().unwrap_or(0.0);
        // index of the last distinct time ≤ t
        let k = self.table.time.partition_point(|&s| s <= t);
        let (surv, se) = if k == 0 {
            (1.0, 0.0)
        } else {
            (self.surv[k - 1], self.std_err_cumhaz[k - 1])
        };
        Landmark {
            time: t,
            beyond_last_time: t > last,
            n_risk: self.table.n_risk_at(t),
            surv,
            std_err_surv: surv * se,
            std_err_cumhaz: se,
        }
    }
}

/// R's `survfit_confint` for one point.
pub fn interval(s: f64, se: f64, ci: CiType) -> Interval {
    let finite = |x: f64| x.is_finite().then_some(x);
    match ci {
        CiType::Log => {
            if s == 0.0 {
                return Interval::default();
            }
            let half = Z95 * se;
            Interval {
                lower: finite((s.ln() - half).exp()),
                upper: finite((s.ln() + half).exp().min(1.0)),
            }
        }
        CiType::LogLog => {
            if s == 0.0 || s == 1.0 {
                return Interval::default();
            }
            let half = Z95 * se / s.ln();
            let log_minus_log = (-s.ln()).ln();
            Interval {
                lower: finite((-(log_minus_log - half).exp()).exp()),
                upper: finite((-(log_minus_log + half).exp()).exp()),
            }
        }
    }
}

/// The most columns a number-at-risk table has (the time 0 included). A
/// mistyped time (1e7 months) or a tiny step would otherwise ask for
/// millions of columns; [`bounded_step`] widens the step to stay within.
pub const MAX_RISK_COLUMNS: usize = 1000;

/// `by`, or the smallest of 2·by, 5·by, 10·by, 20·by, … that gives at most
/// [`MAX_RISK_COLUMNS`] columns from 0 to `max_time` (so the columns stay
/// at multiples of the step asked for). Not finite or not positive (a step
/// computed from a subnormal time): `max_time` itself, else 1.
pub fn bounded_step(by: f64, max_time: f64) -> f64 {
    let fallback = if max_time.is_finite() && max_time > 0.0 {
        max_time
    } else {
        1.0
    };
    if !(by.is_finite() && by > 0.0) {
        return fallback;
    }
    let steps = (MAX_RISK_COLUMNS - 1) as f64;
    let columns = max_time / by;
    if columns.is_nan() || columns <= steps {
        return by;
    }
    // 1, 2, 5 × 10^k from a power of ten just below what is needed
    let mut power = 10f64.powi((((max_time / by) / steps).log10().floor() as i32) - 1);
    if !(power.is_finite() && power >= 1.0) {
        power = 1.0;
    }
    loop {
        for m in [1.0, 2.0, 5.0] {
            // 12 significant digits: 1e-5 × 5000 is 0.05, not 0.05000000000000001
            let widened = by * (m * power);
            let widened = format!("{widened:.11e}").parse().unwrap_or(widened);
            if !widened.is_finite() {
                return fallback;
            }
            if max_time / widened <= steps {
                return widened;
            }
        }
        power *= 10.0;
    }
}

/// The number-at-risk table at 0, by, 2·by, … up to `max_time`.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskTable {
    /// Step.
    pub by: f64,
    /// Times of the columns.
    pub times: Vec<f64>,
}

impl RiskTable {
    /// Columns at multiples of `by` not beyond `max_time`, at most
    /// [`MAX_RISK_COLUMNS`] (a step from [`bounded_step`] stays within; a
    /// step that is not positive and finite gives the column 0 only).
    pub fn new(by: f64, max_time: f64) -> RiskTable {
        let mut times = vec![0.0];
        if !(by.is_finite() && by > 0.0) {
            return RiskTable { by, times };
        }
        let mut k = 1u32;
        while times.len() < MAX_RISK_COLUMNS {
            let t = f64::from(k) * by;
            // R's seq(0, max, by) uses the same multiplication; a small
            // tolerance keeps a last column that rounding would drop.
            if t > max_time * (1.0 + 1e-10) {
                break;
            }
            times.push(t);
            k += 1;
        }
        RiskTable { by, times }
    }

    /// At each column time: at risk (time ≥ t), events and censorings with
    /// time ≤ t.
    pub fn counts(&self, table: &EventTable) -> RiskCounts {
        let mut counts = RiskCounts::default();
        for &t in &self.times {
            counts.n_risk.push(table.n_risk_at(t));
            let upto = table.time.partition_point(|&s| s <= t);
            counts.cum_events.push(table.n_event[..upto].iter().sum());
            counts
                .cum_censored
                .push(table.n_censor[..upto].iter().sum());
        }
        counts
    }
}

/// Number-at-risk table counts of one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskCounts {
    /// At risk at each column time.
    pub n_risk: Vec<u64>,
    /// Events up to and including each column time.
    pub cum_events: Vec<u64>,
    /// Censorings up to and including each column time.
    pub cum_censored: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::SurvivalData;

    /// R: survfit(Surv(c(1,2,2,3,4,4), c(1,1,0,1,0,1)) ~ 1)
    #[test]
    fn tied_death_and_censoring() {
        let data = SurvivalData::new(
            vec![1.0, 2.0, 2.0, 3.0, 4.0, 4.0],
            vec![true, true, false, true, false, true],
            vec![0; 6],
            1,
        )
        .unwrap();
        let km = KaplanMeier::fit(&data.event_table(None));
        // S: 5/6, 5/6*4/5 = 4/6, 4/6 * 2/3 = 4/9, then 4/9 * 1/2 = 2/9
        let expected = [5.0 / 6.0, 4.0 / 6.0, 4.0 / 9.0, 2.0 / 9.0];
        for (s, e) in km.surv.iter().zip(expected) {
            assert!((s - e).abs() < 1e-15, "{s} vs {e}");
        }
        // Greenwood at t=2: 1/(6*5) + 1/(5*4)
        let gw: f64 = 1.0 / 30.0 + 1.0 / 20.0;
        assert!((km.std_err_cumhaz[1] - gw.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn all_dead_gives_infinite_greenwood_and_no_interval() {
        let data = SurvivalData::new(vec![1.0, 2.0], vec![true, true], vec![0, 0], 1).unwrap();
        let km = KaplanMeier::fit(&data.event_table(None));
        assert_eq!(km.surv[1], 0.0);
        assert!(km.std_err_cumhaz[1].is_infinite());
        assert!(km.std_err_surv()[1].is_nan());
        assert_eq!(km.band(CiType::Log)[1], Interval::default());
        assert!(km.std_err_nelson_aalen[1].is_finite());
    }

    #[test]
    fn landmark_before_first_time_and_beyond_last() {
        let data =
            SurvivalData::new(vec![2.0, 3.0, 5.0], vec![true, false, true], vec![0; 3], 1).unwrap();
        let km = KaplanMeier::fit(&data.event_table(None));
        let early = km.landmark(1.0);
        assert_eq!(
            (early.surv, early.n_risk, early.beyond_last_time),
            (1.0, 3, false)
        );
        let at = km.landmark(2.0);
        assert_eq!((at.n_risk, at.surv), (3, 2.0 / 3.0));
        let late = km.landmark(9.0);
        assert_eq!(
            (late.n_risk, late.surv, late.beyond_last_time),
            (0, 0.0, true)
        );
    }

    #[test]
    fn risk_table_counts() {
        let data =
            SurvivalData::new(vec![2.0, 3.0, 5.0], vec![true, false, true], vec![0; 3], 1).unwrap();
        let table = data.event_table(None);
        let risk = RiskTable::new(2.0, 5.0);
        assert_eq!(risk.times, [0.0, 2.0, 4.0]);
        let c = risk.counts(&table);
        assert_eq!(c.n_risk, [3, 3, 1]);
        assert_eq!(c.cum_events, [0, 1, 1]);
        assert_eq!(c.cum_censored, [0, 0, 1]);
    }

    #[test]
    fn bounded_step_keeps_a_step_within_the_limit() {
        assert_eq!(bounded_step(12.0, 120.0), 12.0);
        assert_eq!(bounded_step(12.0, 999.0 * 12.0), 12.0);
        assert_eq!(bounded_step(0.5, 0.0), 0.5);
    }

    /// A time of 1e7 months with the months step of 12: 833,334 columns
    /// before the bound; multiples of 12 (12·10^k, 24·10^k, 60·10^k) after.
    #[test]
    fn huge_time_widens_the_step_to_a_multiple() {
        let by = bounded_step(12.0, 1e7);
        assert_eq!(by, 12_000.0);
        assert_eq!(RiskTable::new(by, 1e7).times.len(), 834);
        for max_time in [1e12, 1e300, f64::MAX] {
            let by = bounded_step(12.0, max_time);
            assert!(by.is_finite() && max_time / by <= 999.0, "{max_time}: {by}");
            assert!(RiskTable::new(by, max_time).times.len() <= MAX_RISK_COLUMNS);
        }
    }

    /// `risk_table_by` 1e-5 over 40 months: 4e6 columns asked, a step of
    /// 0.05 (500·1e-5, 801 columns) given.
    #[test]
    fn tiny_step_is_widened() {
        let by = bounded_step(1e-5, 40.0);
        assert_eq!(by, 0.05);
        assert_eq!(RiskTable::new(by, 40.0).times.len(), 801);
        let by = bounded_step(f64::MIN_POSITIVE * f64::EPSILON, 1e300);
        assert!(by > 0.0 && 1e300 / by <= 999.0, "{by}");
    }

    /// A step that is 0, negative or not finite never loops: the column 0
    /// only; and `bounded_step` replaces it.
    #[test]
    fn degenerate_step_gives_one_column() {
        for by in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(RiskTable::new(by, 10.0).times, [0.0]);
        }
        assert_eq!(bounded_step(0.0, 3e-323), 3e-323);
        assert_eq!(bounded_step(f64::NAN, 0.0), 1.0);
        assert!(
            RiskTable::new(bounded_step(0.0, 3e-323), 3e-323)
                .times
                .len()
                == 2
        );
    }

    /// The column cap holds even for a step that `bounded_step` would
    /// have widened.
    #[test]
    fn risk_table_is_capped() {
        assert_eq!(RiskTable::new(1.0, 1e9).times.len(), MAX_RISK_COLUMNS);
    }
}
