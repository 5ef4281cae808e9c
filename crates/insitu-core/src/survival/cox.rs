//! Cox proportional hazards model on the group (k − 1 indicator columns
//! against the first group), with Efron or Breslow handling of ties.
//!
//! With indicator covariates every sum over a risk set reduces to counts per
//! group: S0 = Σ_g n_g e^{β_g}, S1_g = n_g e^{β_g}, and S2 is diagonal with
//! S2_gg = S1_g. The fit therefore runs on [`GroupedRiskSets`] in
//! O(event times × groups) per Newton–Raphson step, and works unchanged on
//! pooled multicentre counts.
//!
//! Newton–Raphson from β = 0 with step halving, as R's `coxph` (`coxfit6`),
//! but iterated until the step is below 1e-12 — tighter than R's default
//! `eps = 1e-9` (whose coefficients differ from the converged ones by up to
//! 1.7e-7 relative); the reference values use `eps = 1e-12`. A fit whose ℓ
//! stops improving while β still moves far — no point of a step better
//! than ℓ's rounding, or [`MAX_FLAT_STEPS`] large steps in a row that
//! leave ℓ flat — stops at its best point with a warning: a coefficient
//! drifting to ±∞ (a group without events), where R says "Loglik
//! converged before variable …". Tests: Wald βᵀ I β, likelihood ratio
//! 2(ℓ(β̂) − ℓ(0)), score U(0)ᵀ I(0)⁻¹ U(0).

use crate::options::Ties;
use crate::stats::dist::{chisq_upper, normal_two_sided};
use crate::stats::linalg::Square;

use super::data::GroupedRiskSets;
use super::km::Z95;

const MAX_ITERATIONS: usize = 100;
const STEP_TOLERANCE: f64 = 1e-12;
/// Far Newton steps in a row that leave ℓ unchanged within its rounding
/// error before the fit counts as stalled (a coefficient drifting to ±∞).
const MAX_FLAT_STEPS: usize = 5;
/// A Newton step this large (relative change of a coefficient) is far: a
/// converging fit's steps are below it once ℓ is flat within rounding.
const FAR_STEP: f64 = 1e-6;
/// Halvings of one Newton step before the fit stops (the step is then
/// 2⁻⁶⁰ of itself).
const MAX_HALVINGS: usize = 60;
/// Relative change of the log partial likelihood below its rounding error
/// (sums of up to one term per event time and group, each accurate to a few
/// ulps): smaller decreases do not trigger step halving. R's `coxph` stops
/// at a relative change of `eps` = 1e-9 (1e-12 for the reference values).
const LOGLIK_ROUNDING: f64 = 1e-13;
/// Denominators multiplied together before their `ln` is taken, and the
/// range a product is kept in: a factor of at most 1e100 times a product of
/// at most 1e200 cannot overflow (nor underflow at the other end), and a
/// product of k factors is accurate to about k ulps, as a sum of k `ln`s.
const PRODUCT_FACTOR_RANGE: (f64, f64) = (1e-100, 1e100);
const PRODUCT_RANGE: (f64, f64) = (1e-200, 1e200);

/// One coefficient: group `group` against the reference group.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxCoefficient {
    /// Index of the compared group.
    pub group: usize,
    /// log hazard ratio.
    pub coef: f64,
    /// Its standard error.
    pub se: f64,
    /// Hazard ratio.
    pub hr: f64,
    /// Lower 95 % limit of the hazard ratio.
    pub hr_lower95: f64,
    /// Upper 95 % limit of the hazard ratio.
    pub hr_upper95: f64,
    /// Wald z.
    pub z: f64,
    /// Two-sided Wald P value.
    pub p_wald: f64,
    /// The coefficient may be infinite: far from 0 with a standard error
    /// much larger still, or none (as when a group has no events).
    pub infinite: bool,
}

/// A χ² test of all coefficients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChisqTest {
    /// Statistic.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// Upper-tail P value.
    pub p: f64,
}

impl ChisqTest {
    fn new(chisq: f64, df: usize) -> ChisqTest {
        ChisqTest {
            chisq,
            df,
            p: chisq_upper(chisq, df as f64),
        }
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxFit {
    /// Ties method.
    pub ties: Ties,
    /// The reference group (first group with data).
    pub reference: usize,
    /// One coefficient per other group with data.
    pub coefficients: Vec<CoxCoefficient>,
    /// Log partial likelihood at β = 0.
    pub loglik_null: f64,
    /// Log partial likelihood at β̂.
    pub loglik: f64,
    /// Wald test.
    pub wald_test: ChisqTest,
    /// Likelihood-ratio test.
    pub lr_test: ChisqTest,
    /// Score test at β = 0.
    pub score_test: ChisqTest,
    /// Newton–Raphson iterations.
    pub iterations: usize,
    /// Number of subjects.
    pub n: u64,
    /// Number of events.
    pub nevent: u64,
    /// Warnings (non-convergence; an infinite coefficient is flagged in
    /// [`CoxCoefficient::infinite`]).
    pub warnings: Vec<String>,
}

/// Fits the model; `group_sizes` gives the subjects per group (groups
/// without subjects get no coefficient). `None` with fewer than two groups
/// with subjects or no event.
pub fn fit(sets: &GroupedRiskSets, group_sizes: &[usize], ties: Ties) -> Option<CoxFit> {
    let used: Vec<usize> = (0..sets.n_groups).filter(|&g| group_sizes[g] > 0).collect();
    if used.len() < 2 || sets.is_empty() {
        return None;
    }
    let reference = used[0];
    let terms: Vec<usize> = used[1..].to_vec();
    let p = terms.len();
    let model = Model {
        sets,
        terms: &terms,
        ties,
    };

    let mut beta = vec![0.0; p];
    let start = model.evaluate(&beta);
    let loglik_null = start.loglik;
    let score_chisq = start
        .information
        .inverse_quadratic_form(&start.score)
        .unwrap_or(f64::NAN);
    let mut current = start;
    let mut iterations = 0;
    let mut converged = false;
    let mut stalled = false;
    let mut flat_steps = 0;
    let mut warnings = Vec::new();
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let Some(step) = current.information.solve(&current.score) else {
            warnings.push("information matrix is singular; the fit stopped".to_string());
            break;
        };
        let mut candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
        let far = moved(&candidate, &beta) > FAR_STEP;
        let mut next = model.evaluate(&candidate);
        // A step is taken if ℓ does not decrease beyond its rounding error
        // (near β̂ a step of 1e-9 changes ℓ ≈ −10⁷ by less than its last
        // bit, and halving on that noise would stall the iteration). NaN and
        // ±∞ (an overflow at huge β) count as worse, so the step is halved.
        let worse = current.loglik - LOGLIK_ROUNDING * (1.0 + current.loglik.abs());
        let takes = |e: &Evaluation| e.loglik.is_finite() && e.loglik >= worse;
        let mut halvings = 0;
        while !takes(&next) && halvings < MAX_HALVINGS {
            for (c, b) in candidate.iter_mut().zip(&beta) {
                *c = (*c + b) / 2.0;
            }
            next = model.evaluate(&candidate);
            halvings += 1;
        }
        if !takes(&next) {
            // No point along the step improves ℓ. Near β̂ that is rounding
            // noise in ℓ (a sum over up to millions of event times) against
            // a small step: converged, as before the halvings. After a far
            // step ℓ's supremum is reached within rounding while a
            // coefficient drifts towards ±∞ (a monotone likelihood: R's
            // "Loglik converged before variable …"), the step, from a
            // near-singular information, huge. Either way β stays at the
            // best point, as R's `coxph` (which stops on the change of ℓ)
            // leaves it.
            converged = !far;
            stalled = far;
            break;
        }
        let moved = moved(&candidate, &beta);
        let gain = next.loglik - current.loglik;
        let flat = gain.abs() <= LOGLIK_ROUNDING * (1.0 + current.loglik.abs());
        flat_steps = if flat && moved > FAR_STEP {
            flat_steps + 1
        } else {
            0
        };
        beta = candidate;
        current = next;
        if moved < STEP_TOLERANCE {
            converged = true;
            break;
        }
        // (a convergent fit's step shrinks quadratically: once ℓ is flat
        // the steps are small and do not count; far steps that leave ℓ
        // flat this many times in a row wander along a ridge to ±∞)
        if flat_steps == MAX_FLAT_STEPS {
            stalled = true;
            break;
        }
    }
    if stalled {
        warnings.push(
            "the log-likelihood stopped improving before the coefficients converged".to_string(),
        );
    } else if !converged && warnings.is_empty() {
        warnings.push(format!(
            "Newton–Raphson did not converge in {iterations} iterations"
        ));
    }
    let variance = current.information.inverse();
    let wald = quadratic(&current.information, &beta);
    let mut coefficients = Vec::with_capacity(p);
    for (j, &g) in terms.iter().enumerate() {
        let coef = beta[j];
        let se = variance.as_ref().map_or(f64::NAN, |v| v.get(j, j).sqrt());
        // (an se that is not a number — a singular information — counts)
        let infinite = coef.abs() > 10.0 && (se.is_nan() || se > 10.0 * coef.abs());
        let z = coef / se;
        coefficients.push(CoxCoefficient {
            group: g,
            coef,
            se,
            hr: coef.exp(),
            hr_lower95: (coef - Z95 * se).exp(),
            hr_upper95: (coef + Z95 * se).exp(),
            z,
            p_wald: normal_two_sided(z),
            infinite,
        });
    }
    let n = used.iter().map(|&g| group_sizes[g] as u64).sum();
    let nevent = sets.n_event.iter().sum();
    Some(CoxFit {
        ties,
        reference,
        coefficients,
        loglik_null,
        loglik: current.loglik,
        wald_test: ChisqTest::new(wald, p),
        lr_test: ChisqTest::new(2.0 * (current.loglik - loglik_null), p),
        score_test: ChisqTest::new(score_chisq, p),
        iterations,
        n,
        nevent,
        warnings,
    })
}

/// The largest change of a coefficient, relative to 1 + |β|.
fn moved(candidate: &[f64], beta: &[f64]) -> f64 {
    candidate
        .iter()
        .zip(beta)
        .map(|(c, b)| (c - b).abs() / (1.0 + b.abs()))
        .fold(0.0, f64::max)
}

fn quadratic(a: &Square, x: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            sum += x[i] * a.get(i, j) * x[j];
        }
    }
    sum
}

struct Model<'a> {
    sets: &'a GroupedRiskSets,
    terms: &'a [usize],
    ties: Ties,
}

struct Evaluation {
    loglik: f64,
    score: Vec<f64>,
    information: Square,
}

impl Model<'_> {
    fn evaluate(&self, beta: &[f64]) -> Evaluation {
        let k = self.sets.n_groups;
        let p = self.terms.len();
        let mut log_w = vec![0.0; k];
        for (j, &g) in self.terms.iter().enumerate() {
            log_w[g] = beta[j];
        }
        let w: Vec<f64> = log_w.iter().map(|b| b.exp()).collect();
        let mut loglik = 0.0;
        let mut score = vec![0.0; p];
        let mut information = Square::zeros(p);
        let mut a = vec![0.0; p];
        // sums over the tied deaths of one time, added to the totals once
        // per time: the totals then gather one term per event time, not
        // one per death, and keep their precision at 10⁶ deaths
        let mut a_sum = vec![0.0; p];
        let mut aa_sum = vec![0.0; p * p];
        for t in 0..self.sets.len() {
            let risk = self.sets.risk(t);
            let events = self.sets.events(t);
            let d: u64 = events.iter().sum();
            let s0_risk: f64 = (0..k).map(|g| risk[g] as f64 * w[g]).sum();
            let s0_dead: f64 = (0..k).map(|g| events[g] as f64 * w[g]).sum();
            for g in 0..k {
                loglik += events[g] as f64 * log_w[g];
            }
            // Efron: the r-th of d tied deaths sees the risk set minus r/d of
            // the dying; Breslow: the full risk set d times.
            let steps: u64 = match self.ties {
                Ties::Efron => d,
                Ties::Breslow => 1,
            };
            let repeat = match self.ties {
                Ties::Efron => 1.0,
                Ties::Breslow => d as f64,
            };
            let mut log_denom_sum = 0.0;
            // Σ ln(denominator) as the ln of products of a few dozen
            // denominators: one `ln` per product instead of one per death
            let mut product = 1.0f64;
            a_sum.fill(0.0);
            aa_sum.fill(0.0);
            for r in 0..steps {
                let frac = match self.ties {
                    Ties::Efron => r as f64 / d as f64,
                    Ties::Breslow => 0.0,
                };
                let denom = s0_risk - frac * s0_dead;
                if (PRODUCT_FACTOR_RANGE.0..=PRODUCT_FACTOR_RANGE.1).contains(&denom) {
                    if !(PRODUCT_RANGE.0..=PRODUCT_RANGE.1).contains(&product) {
                        log_denom_sum += product.ln();
                        product = 1.0;
                    }
                    product *= denom;
                } else {
                    log_denom_sum += denom.ln();
                }
                for (j, &g) in self.terms.iter().enumerate() {
                    a[j] = w[g] * (risk[g] as f64 - frac * events[g] as f64) / denom;
                    a_sum[j] += a[j];
                }
                for i in 0..p {
                    for j in 0..p {
                        aa_sum[i * p + j] += a[i] * a[j];
                    }
                }
            }
            log_denom_sum += product.ln();
            loglik -= repeat * log_denom_sum;
            for (j, &g) in self.terms.iter().enumerate() {
                score[j] += events[g] as f64 - repeat * a_sum[j];
            }
            for i in 0..p {
                *information.at(i, i) += repeat * a_sum[i];
                for j in 0..p {
                    *information.at(i, j) -= repeat * aa_sum[i * p + j];
                }
            }
        }
        Evaluation {
            loglik,
            score,
            information,
        }
    }
}

#[cfg(test)]
// R's values are kept digit for digit as R printed them.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::stats::prec::{assert_rel, REL_COX};
    use crate::survival::SurvivalData;

    fn data() -> SurvivalData {
        SurvivalData::new(
            vec![1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0],
            vec![true, true, true, false, true, true, true, false],
            vec![0, 0, 1, 1, 0, 1, 0, 1],
            2,
        )
        .unwrap()
    }

    /// R: coxph(Surv(t, e) ~ factor(g), ties = "efron" / "breslow",
    ///   control = coxph.control(eps = 1e-12)) on the data above.
    #[test]
    fn tied_deaths_efron_and_breslow_against_r() {
        let d = data();
        let efron = fit(&d.risk_sets(), &d.group_sizes(), Ties::Efron).unwrap();
        assert!(efron.warnings.is_empty() && !efron.coefficients[0].infinite);
        assert_rel(efron.coefficients[0].coef, EFRON_COEF, REL_COX);
        assert_rel(efron.coefficients[0].se, EFRON_SE, REL_COX);
        assert_rel(efron.loglik, EFRON_LOGLIK, REL_COX);
        let breslow = fit(&d.risk_sets(), &d.group_sizes(), Ties::Breslow).unwrap();
        assert_rel(breslow.coefficients[0].coef, BRESLOW_COEF, REL_COX);
        assert_rel(breslow.score_test.chisq, BRESLOW_SCORE, REL_COX);
    }

    /// A group without events: the likelihood is monotone and the
    /// coefficient goes to −∞. R: as above, also with
    /// `iter.max = 100`, on the data below; it warns "Loglik converged
    /// before variable 1; coefficient may be infinite". The log-likelihood
    /// is R's; the coefficient only has to be far out.
    #[test]
    fn group_without_events_stops_at_rs_log_likelihood_with_a_warning() {
        let d = SurvivalData::new(
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 1.5, 2.5, 3.5, 4.5, 5.5, 2.0, 3.0],
            vec![
                true, true, true, true, true, false, false, false, false, false, true, false,
            ],
            vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1],
            2,
        )
        .unwrap();
        for (ties, null, loglik) in [
            (Ties::Efron, -11.0100680108534146, -6.5792512120134692),
            (Ties::Breslow, -11.1154285265112396, -6.8023947633276878),
        ] {
            let f = fit(&d.risk_sets(), &d.group_sizes(), ties).unwrap();
            assert_rel(f.loglik_null, null, REL_COX);
            assert_rel(f.loglik, loglik, REL_COX);
            assert!(f.coefficients[0].coef < -20.0, "{f:?}");
            assert!(f.coefficients[0].infinite);
            assert_eq!(
                f.warnings,
                ["the log-likelihood stopped improving before the coefficients converged"]
            );
        }
    }

    const EFRON_COEF: f64 = -1.1186548109155996;
    const EFRON_SE: f64 = 0.88149815603296322;
    const EFRON_LOGLIK: f64 = -8.12821691781883437;
    const BRESLOW_COEF: f64 = -1.03329093924579629;
    const BRESLOW_SCORE: f64 = 1.51936758893280599;
}
