//! The faint limits of an ordered factor: finite limits whose tail a sample can miss, and the
//! bound on how far that lifts the estimate.
//!
//! # The defect it guards against
//!
//! A constraint of step k ≥ 1 reads X = z_k + c·z_{<k} ∈ [lo, hi] with z ~ N(0, I) under the
//! Gaussian measure. Take its upper limit hi (the lower one is its mirror). The integrand's factor
//! of that step falls below what it would be without the limit by the deficit
//! D(w) = Q(hi − c·y) at the sampled y(w): where the earlier variables push the conditional
//! mean M = c·y towards hi. Removing the limit raises the probability by its *lift*
//! P(box without hi) − P(box) ≤ P(X > hi) = Q(hi/σ) = τ, with σ = √(1 + ‖c‖²).
//!
//! When the limit is far in the tail and the step is strongly tied to the earlier variables
//! (ρ = ‖c‖/σ near 1), the lift lives on a tiny set of the cube: the set where the earlier
//! coordinates are extreme enough to bring M near hi. Everywhere else the integrand is at its
//! bound, so the replicates that miss the set agree, their spread is small, and the estimate is
//! too high by up to τ: the interval misses the truth. (P(X₁ ≤ 4, X₂ ≥ 0) at correlation 0.999:
//! 3.2e-5 high with a reported error of 9e-11; `docs/genz.md`, "Faint limits".)
//!
//! # The bound
//!
//! In standardised terms, X/σ = M/σ + Z/σ with corr(X, M) = ρ. Given X/σ = x the conditional
//! mean M/σ is normal with mean ρ²x, so half of the lift comes from M/σ above about
//! ρ²·Q⁻¹(τ/2) (the median of X/σ beyond the limit is Q⁻¹(τ/2)): a set of Gaussian measure
//! μ* = Q(ρ·Q⁻¹(τ/2)). While the n points of a run expect fewer than
//! [`super::MIN_DIP_HITS`] of them there, the spread cannot be trusted to show the lift,
//! and the value's error is raised by τ, which bounds the lift whatever the sample saw (and by
//! at most the estimate itself, since P ≥ 0): the
//! judgement of the missed-mass rule ([`super::MIN_EXPECTED_HITS`]), applied to where the dip
//! is instead of where the mass is.
//!
//! For a limit that is not faint the count is reached at once (an orthant at 0 with ρ = 0.7:
//! μ* ≈ 0.32, 25 points); for an independent step (c = 0) there is no dip at all (D is constant).
//! The Gaussian measure of the set stands in for its measure on the cube, which is larger where the
//! earlier limits truncate towards it and smaller where they cut it off (and with it the lift).
//!
//! # The multivariate t
//!
//! With the χ coordinate every limit is multiplied by the point's scale S = √(W/ν), so even
//! the first step and the independent ones have a dip: where S is small, the limit comes within
//! reach (P(T > 8) = 6e-6 at ν = 10 lives on S < 0.4 or so). Forced Genz on P(X₁ ≤ 8, X₂ ≥ 0)
//! at ρ = 0.999, ν = 10, came out 34 000 errors off on 5 seeds of 16 at abs_tol 1e-5. The lift
//! bound is the t's tail, τ = P(T_ν > limit/σ), for every finite limit of every step, and the
//! half-lift set is taken at its smallest possible measure, τ/2 (a set that carries lift L has
//! measure at least L, the deficit being at most 1): no narrower model of where the lift lives
//! is assumed ([`FaintLimits::of_student`]).

use crate::normal::{inverse_upper_tail_unchecked, upper_tail};
use crate::student_t::univariate::upper_tail as student_upper_tail;

use super::factor::OrderedFactor;

/// The finite limits whose dip can hide from a sample, with their lift bounds.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FaintLimits {
    /// (τ, μ*) per limit: the bound τ = P(X beyond the limit) on the lift, and the Gaussian
    /// measure μ* of the set where half of it lives.
    limits: Vec<(f64, f64)>,
}

impl FaintLimits {
    /// The limits of `factor` that carry a dip: finite, at a step k ≥ 1, with a constraint that
    /// depends on the earlier variables (‖c‖ > 0), a tail τ that is not zero in doubles, and a
    /// deficit that can vary by more than a factor 2 over the cube (see [`sample_ranges`]).
    pub(crate) fn of(factor: &OrderedFactor) -> Self {
        let ranges = sample_ranges(factor);
        let mut limits = Vec::new();
        for (k, step) in factor.steps.iter().enumerate().skip(1) {
            for c in &factor.constraints[step.first..step.first + step.count] {
                let coefficients = factor.coefficients_of(k, c);
                let norm_squared = factor.coefficient_norm_squared(k, c);
                if norm_squared == 0.0 {
                    continue;
                }
                let sigma = (1.0 + norm_squared).sqrt();
                let rho = norm_squared.sqrt() / sigma;
                let (m_lo, m_hi) = dot_range(coefficients, &ranges[..k]);
                // Beyond the upper limit (deficit Q(hi − M)), and beyond the lower one mirrored
                // (deficit Q(M − lo)): the distance from the limit at the nearest and the
                // farthest conditional mean.
                for (limit, nearest, farthest) in
                    [(c.upper, c.upper - m_hi, c.upper - m_lo), (-c.lower, m_lo - c.lower, m_hi - c.lower)]
                {
                    if limit == f64::INFINITY {
                        continue;
                    }
                    let (deepest, shallowest) = (upper_tail(nearest), upper_tail(farthest));
                    if shallowest >= 0.5 * deepest {
                        // The deficit is within a factor 2 of its largest value everywhere:
                        // no dip, a factor that every point sees.
                        continue;
                    }
                    let tau = upper_tail(limit / sigma).min(deepest);
                    if tau / 2.0 > 0.0 {
                        let median = inverse_upper_tail_unchecked(tau / 2.0);
                        limits.push((tau, upper_tail(rho * median)));
                    }
                }
            }
        }
        FaintLimits { limits }
    }

    /// The limits of `factor` for the multivariate t with `nu` degrees of freedom (see the module
    /// docs): every finite limit, with τ = P(T_ν > limit/σ) and a half-lift set of measure τ/2.
    pub(crate) fn of_student(factor: &OrderedFactor, nu: f64) -> Self {
        let mut limits = Vec::new();
        for (k, step) in factor.steps.iter().enumerate() {
            for c in &factor.constraints[step.first..step.first + step.count] {
                let sigma = (1.0 + factor.coefficient_norm_squared(k, c)).sqrt();
                for limit in [c.upper, -c.lower] {
                    if limit == f64::INFINITY {
                        continue;
                    }
                    let tau = student_upper_tail(limit / sigma, nu);
                    if tau / 2.0 > 0.0 {
                        limits.push((tau, tau / 2.0));
                    }
                }
            }
        }
        FaintLimits { limits }
    }

    /// The sum of the lift bounds τ of the limits whose half-lift set of measure μ* holds fewer
    /// than `min_hits` of `points` uniformly spread points: what the estimate can stand above
    /// the truth by without the spread showing it.
    pub(crate) fn unsampled_lift(&self, points: u64, min_hits: f64) -> f64 {
        let n = points as f64;
        self.limits
            .iter()
            .filter(|&&(_, measure)| n * measure < min_hits)
            .fold(0.0, |sum, &(tau, _)| sum + tau)
    }
}

/// The range of every step's sample over the cube, by interval arithmetic: the sample y_k of
/// step k lies in its interval [max_c (lower_c − sup c·y), min_c (upper_c − inf c·y)] over the
/// step's constraints c, given the ranges of the earlier samples (infinite ends where a limit
/// is). An earlier variable confined to a narrow interval pins the conditional means of the
/// later steps, and with them their deficits: a narrow box has no dip.
fn sample_ranges(factor: &OrderedFactor) -> Vec<(f64, f64)> {
    let mut ranges: Vec<(f64, f64)> = Vec::with_capacity(factor.rank());
    for (k, step) in factor.steps.iter().enumerate() {
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        for c in &factor.constraints[step.first..step.first + step.count] {
            let (m_lo, m_hi) = dot_range(factor.coefficients_of(k, c), &ranges);
            lo = lo.max(c.lower - m_hi);
            hi = hi.min(c.upper - m_lo);
        }
        // An empty range (rounding at a tightened interval) is taken as its lower end.
        ranges.push((lo, hi.max(lo)));
    }
    ranges
}

/// The range of Σ_m a_m·y_m for y_m in `ranges[m]`, by interval arithmetic (a zero coefficient
/// contributes nothing, even against an infinite range).
fn dot_range(coefficients: &[f64], ranges: &[(f64, f64)]) -> (f64, f64) {
    coefficients.iter().zip(ranges).fold((0.0, 0.0), |(lo, hi), (&a, &(y_lo, y_hi))| {
        if a > 0.0 {
            (lo + a * y_lo, hi + a * y_hi)
        } else if a < 0.0 {
            (lo + a * y_hi, hi + a * y_lo)
        } else {
            (lo, hi)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genz::factor::{reduce, Reduction};
    use crate::{Covariance, Problem};

    fn faint_limits(problem: &Problem) -> FaintLimits {
        match reduce(problem) {
            Reduction::Factor(factor) => FaintLimits::of(&factor),
            Reduction::Trivial(_) => panic!("not a factor"),
        }
    }

    #[test]
    fn a_far_limit_tied_to_its_predecessor_is_faint_until_sampled() {
        // P(X1 ≤ 4, X2 ≥ 0), ρ = 0.999: X1 given X2 has standard deviation 0.045, and the lift
        // τ = Q(4) = 3.17e-5 lives where X2 > 3.9 or so.
        let inf = f64::INFINITY;
        let cov = Covariance::from_rows(&[[1.0, 0.999], [0.999, 1.0]]).unwrap();
        let problem = Problem::new(vec![0.0; 2], cov, vec![-inf, 0.0], vec![4.0, inf]).unwrap();
        let limits = faint_limits(&problem);
        let tau = upper_tail(4.0);
        let lift = limits.unsampled_lift(8192, 8.0);
        assert!((lift - tau).abs() <= 1e-12 * tau, "{lift} against {tau}");
        // The half-lift set has measure Q(0.999 · Q⁻¹(τ/2)) = Q(4.156) = 1.62e-5: 8 points
        // expected there from 494 000 points on.
        assert!((limits.unsampled_lift(1 << 18, 8.0) - tau).abs() <= 1e-12 * tau);
        assert_eq!(limits.unsampled_lift(1 << 19, 8.0), 0.0);
    }

    #[test]
    fn limits_that_are_not_faint_or_not_tied_carry_nothing() {
        // An equicorrelated orthant at 0: every half-lift set has measure above 0.25.
        let problem =
            Problem::lower_orthant(Covariance::equicorrelated(10, 0.5).unwrap(), vec![0.0; 10]).unwrap();
        let limits = faint_limits(&problem);
        assert_eq!(limits.limits.len(), 9);
        assert!(limits.limits.iter().all(|&(tau, measure)| tau > 0.3 && measure > 0.25), "{limits:?}");
        assert_eq!(limits.unsampled_lift(32, 8.0), 0.0);
        // Independent coordinates: no step depends on another, so no limit has a dip.
        let problem = Problem::lower_orthant(Covariance::identity(4).unwrap(), vec![5.0; 4]).unwrap();
        assert_eq!(faint_limits(&problem), FaintLimits::default());
    }

    #[test]
    fn the_error_covers_a_dip_that_the_points_miss() {
        // P(X1 ≤ 4, X2 ≥ 0), ρ = 0.999 (mpmath: 0.499968328758166880). Without the guard seeds 0
        // and 1 stop after 8192 points that never see X1 > 4: 3.2e-5 high with errors of 9e-11
        // and 3e-9.
        use crate::genz::GenzSettings;
        use crate::Integrator;
        let inf = f64::INFINITY;
        let cov = Covariance::from_rows(&[[1.0, 0.999], [0.999, 1.0]]).unwrap();
        let problem = Problem::new(vec![0.0; 2], cov, vec![-inf, 0.0], vec![4.0, inf]).unwrap();
        let truth = 0.499_968_328_758_166_9;
        for seed in 0..4 {
            let genz = GenzSettings::default().abs_tol(1e-5).seed(seed).build().unwrap();
            let estimate = genz.integrate(&problem).unwrap();
            let off = (estimate.value - truth).abs();
            assert!(off <= estimate.error, "seed {seed}: {estimate:?} is {off:e} off");
            assert!(estimate.converged && estimate.error <= 1e-5, "{estimate:?}");
        }
    }

    #[test]
    fn the_error_of_the_t_covers_a_dip_where_the_scale_is_small() {
        // P(X1 ≤ 8, X2 ≥ 0) for the t with ν = 10, ρ = 0.999: the mass beyond X1 = 8 (about
        // 1e-5) lives where the χ scale is small. Without the guard, 5 of 16 seeds came out
        // 34 000 errors off at abs_tol 1e-5.
        use crate::student_t::{self, StudentProblem};
        use crate::{MethodChoice, Settings};
        let inf = f64::INFINITY;
        let cov = Covariance::from_rows(&[[1.0, 0.999], [0.999, 1.0]]).unwrap();
        let problem = Problem::new(vec![0.0; 2], cov, vec![-inf, 0.0], vec![8.0, inf]).unwrap();
        let student = StudentProblem::new(problem, 10.0).unwrap();
        let truth = student_t::integrate(&student, MethodChoice::Exact, &Settings::default()).unwrap().value;
        for seed in 0..8 {
            let settings = Settings { abs_tol: 1e-5, rel_tol: 0.0, seed, ..Settings::default() };
            let estimate = student_t::integrate(&student, MethodChoice::Genz, &settings).unwrap();
            let off = (estimate.value - truth).abs();
            assert!(off <= estimate.error, "seed {seed}: {estimate:?} is {off:e} off");
        }
    }
}
