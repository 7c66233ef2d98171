//! Rare events: the separation-of-variables sampler with minimax exponential tilting
//! (Botev, "The normal law under linear restrictions: simulation and estimation via minimax
//! tilting", JRSS-B 79(1), 2017).
//!
//! # The estimator
//!
//! After the reordering and factorisation of `crate::genz::factor`, the probability is
//! P = E[Π_k p_k] where step k draws z_k from the standard normal truncated to its interval
//! [l̃_k, ũ_k] (which depends on z_0 … z_{k−1}). For a tiny P the factors p_k are tiny and wildly
//! variable, and the plain estimator's relative error explodes. Tilting draws z_k instead from
//! N(μ_k, 1) truncated to the same interval; the likelihood ratio keeps the estimator unbiased:
//!
//! ln w(z) = Σ_k [ ln(Φ(ũ_k − μ_k) − Φ(l̃_k − μ_k)) + μ_k²/2 − μ_k z_k ],  P = E_μ[w(z)].
//!
//! (The last step draws nothing: μ_{r−1} = 0 and its factor is its interval probability.)
//!
//! # The minimax tilt
//!
//! Writing ψ(x, μ) for ln w evaluated at a path x, Botev chooses (x*, μ*) as the saddle point
//! ∇ψ = 0, which minimises the worst-case likelihood ratio over the paths. With
//! m_k and v_k the mean and variance of the standard normal truncated to
//! [l̃_k(x) − μ_k, ũ_k(x) − μ_k], the equations are
//!
//! * ∂ψ/∂μ_k = μ_k − x_k + m_k = 0 (x_k is the mean of the tilted truncated law),
//! * ∂ψ/∂x_j = −μ_j + Σ_{k>j} L_kj m_k = 0,
//!
//! a smooth system in 2(r − 1) unknowns whose Jacobian (the Hessian of ψ) follows from
//! ∂m_k/∂(shift of both limits) = 1 − v_k. We solve it by Newton's method with a backtracking
//! line search on |∇ψ|², starting from the Gibson–Glasbey–Elston path (x_k the truncated means
//! with μ = 0). At the solution, exp(ψ*) is a deterministic **upper bound** on P (Botev,
//! Theorem 2). If Newton fails (it has not in our tests), the last iterate is used: the
//! estimator stays unbiased for any μ, only less efficient, and no bound is reported.
//!
//! # Error estimate and log-space
//!
//! Weights are summed in log space (log-sum-exp per chunk of points, chunks merged in a fixed
//! order), so nothing underflows or overflows even for P = 1e-400, and ln P is reported directly.
//! R independent randomisations of the QMC point set give the standard error; the reported error
//! is the Student-t multiple for the crate's 99% level plus the rounding floor
//! (`crate::estimate::rounding_floor`). If no path has positive weight the error is reported as
//! +∞ (unknown) and `converged` is false. `converged` is
//! `tolerance_met`: error ≤ max(abs_tol, rel_tol · P); the run stops when it holds (and the
//! relative error is at most [`TiltingSettings::required_rel_tol`], when set) or the budget is
//! spent, or cannot suffice: when even the n^(−3/2) convergence of scrambled nets on smooth
//! integrands would need more than the budget (evaluations · (error/goal)^(2/3) > budget), the
//! run stops early, not converged.
//!
//! # Ill-conditioned factors and narrow intervals
//!
//! When the ordered factor is not well conditioned
//! (`OrderedFactor::is_well_conditioned`: a near-singular or semidefinite covariance), the
//! weight can have a near step in some coordinate (a conditional standard deviation of 1e-4) that
//! no point hits while the randomisations agree: the spread is then no error estimate. As in the
//! Genz driver, the relative error is then at least the missed-mass bound M·ln(100)/(n·P̂) for n
//! paths, with M ≥ sup w: the saddle-point value exp(ψ*) (ψ(·, μ*) is concave in the path, so
//! x* maximises it; a semidefinite step's interval lies inside its primary one), raised by a
//! small margin and to the largest weight sampled. If the saddle point is not found on such a
//! factor, the tilt is dropped (μ = 0) and M is `OrderedFactor::max_value`.
//!
//! Each step's limits are shifted by the earlier variables and the tilt, which rounds each limit
//! but not the width: the log-masses are formed from each constraint's width (b − a)/scale,
//! taken from the problem's limits, by `normal::log_interval_probability_with_width`, so a narrow
//! interval (width 1e-6) keeps full relative accuracy.
//!
//! # Scope
//!
//! Full-rank steps use the tilt. Semidefinite problems (steps carrying several constraints) are
//! still sampled exactly (the interval of each step is the intersection of its constraints),
//! but the saddle point uses only each step's primary constraint, so no bound is reported.

use crate::error::{Error, Result};
use crate::estimate::{
    error_of_relative, names, rounding_floor, tolerance_met, Estimate, Integrator, Method,
};
use crate::genz::factor::{reduce, OrderedFactor, Reduction};
use crate::genz::integrand::{StepIntervals, BATCH, UNSCALED};
use crate::gradient::{no_gradient, Differentiable, Gradient, GradientOptions};
use crate::normal::log_interval_probability_with_width;
use crate::problem::Problem;
use crate::qmc::{PointCursor, PointSetKind};
use crate::rqmc::{
    self, missed_feature_bound, replicate_half_width, Driver, Progress, RqmcSettings, Skewness, CHUNK_POINTS,
};
use crate::truncated;

mod saddle_point;
use saddle_point::Tilt;

/// The largest number of steps (the rank of the reordered factor) for which the tilt is
/// computed: each Newton step of the saddle point factorises a dense matrix of order 2(r − 1),
/// O(r³) work, which at r = 1000 takes seconds per iteration.
pub(crate) const MAX_TILTED_RANK: usize = 400;

/// Settings of the tilted estimator.
///
/// ```
/// use mvn_orthant::tilting::TiltingSettings;
/// let settings = TiltingSettings::default().seed(7).rel_tol(1e-2);
/// assert_eq!((settings.rqmc.seed, settings.rqmc.rel_tol), (7, 1e-2));
/// assert!(settings.validate().is_ok());
/// assert!(TiltingSettings::default().randomizations(1).validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TiltingSettings {
    /// The settings shared by the RQMC methods. Defaults: rel_tol 1e-3 (the issue's target at
    /// the 99% level), abs_tol 0 (the run has converged when error ≤ max(abs_tol, rel_tol · P),
    /// `tolerance_met`), 10⁶ paths, R = 16 randomisations of a first round of 256 points,
    /// seed 0, scrambled Sobol points.
    pub rqmc: RqmcSettings,
    /// A relative precision the run keeps refining to after the tolerances are met (0, the
    /// default: none). It never changes what `converged` means (the tolerances above); `auto`
    /// sets it so that a rare event whose P is far below `abs_tol` is still returned with a few
    /// correct digits.
    pub required_rel_tol: f64,
}

impl Default for TiltingSettings {
    fn default() -> Self {
        TiltingSettings {
            rqmc: RqmcSettings {
                rel_tol: 1e-3,
                abs_tol: 0.0,
                max_evaluations: 1_000_000,
                randomizations: 16,
                initial_points: 256,
                seed: 0,
                point_set: PointSetKind::Sobol,
            },
            required_rel_tol: 0.0,
        }
    }
}

impl TiltingSettings {
    rqmc::rqmc_setters!();

    /// Sets the relative precision to refine to after the tolerances are met.
    pub fn required_rel_tol(mut self, value: f64) -> Self {
        self.required_rel_tol = value;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTolerance`] for negative or non-finite tolerances or both zero;
    /// [`Error::InvalidBudget`] for a randomisation count outside 2..=64, a first round that
    /// is not a power of two, or a budget smaller than the first round.
    pub fn validate(&self) -> Result<()> {
        rqmc::check_tolerance("required_rel_tol", self.required_rel_tol)?;
        self.rqmc.validate(1)
    }
}

/// The result of the tilted estimator.
#[derive(Debug, Clone, PartialEq)]
pub struct TiltedEstimate {
    /// Value, ln value (accurate where the value underflows), absolute error, paths, method
    /// [`Method::Tilted`], and whether the tolerance was met.
    pub estimate: Estimate,
    /// The relative error estimate error/P at the 99% level.
    pub relative_error: f64,
    /// ln of Botev's deterministic upper bound exp(ψ*) ≥ P, when the saddle point was found on
    /// a full-rank problem.
    pub log_upper_bound: Option<f64>,
    /// Whether Newton's method found the saddle point.
    pub saddle_point_found: bool,
}

/// The tilted separation-of-variables estimator.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tilted {
    settings: TiltingSettings,
}

impl Tilted {
    /// A tilted estimator with validated settings.
    ///
    /// # Errors
    ///
    /// As [`TiltingSettings::validate`].
    pub fn new(settings: TiltingSettings) -> Result<Self> {
        settings.validate()?;
        Ok(Tilted { settings })
    }

    /// The estimator for settings known to be valid (derived from validated
    /// [`crate::Settings`]): no second check.
    pub(crate) fn from_valid(settings: TiltingSettings) -> Self {
        debug_assert!(settings.validate().is_ok(), "{settings:?}");
        Tilted { settings }
    }

    /// The settings.
    pub fn settings(&self) -> &TiltingSettings {
        &self.settings
    }

    /// Estimates P with its relative error and the upper bound.
    ///
    /// # Errors
    ///
    /// [`Error::MethodNotApplicable`] when the integrand has more dimensions than the point set.
    pub fn estimate(&self, problem: &Problem) -> Result<TiltedEstimate> {
        self.estimate_reduced(problem, &reduce(problem))
    }

    /// [`Tilted::estimate`] given the reordered factorisation of `problem` (computed once per
    /// request and shared with the Genz run of `auto`).
    pub(crate) fn estimate_reduced(
        &self,
        problem: &Problem,
        reduction: &Reduction,
    ) -> Result<TiltedEstimate> {
        let factor = match reduction {
            Reduction::Trivial(p) => {
                return Ok(TiltedEstimate {
                    estimate: Estimate::exact(*p, Method::Tilted, 0),
                    relative_error: 0.0,
                    log_upper_bound: Some(p.ln()),
                    saddle_point_found: true,
                })
            }
            Reduction::Factor(f) => f,
        };
        if factor.constraints.iter().any(|c| c.lower >= c.upper) {
            // A zero-width interval on a variable with positive variance: P = 0 exactly.
            return Ok(TiltedEstimate {
                estimate: Estimate::exact(0.0, Method::Tilted, 0),
                relative_error: 0.0,
                log_upper_bound: Some(f64::NEG_INFINITY),
                saddle_point_found: true,
            });
        }
        if factor.rank() > MAX_TILTED_RANK {
            return Err(Error::MethodNotApplicable {
                method: names::TILTED.into(),
                reason: format!(
                    "the saddle point is a dense Newton system of order 2(r − 1) for r = {} steps; \
                     minimax tilting is offered up to r = {MAX_TILTED_RANK} (use genz above)",
                    factor.rank()
                ),
            });
        }
        let path = TiltedPath::new(factor, problem);
        let mut tilt = path.saddle_point();
        let well_conditioned = factor.is_well_conditioned();
        // ln M with M ≥ sup w, the bound on the weights behind the missed-feature floor of an
        // ill-conditioned factor (see the module docs): exp(ψ*) when the saddle point was found;
        // otherwise the tilt is dropped (μ = 0, the plain separation of variables, whose
        // integrand is at most [`OrderedFactor::max_value`]).
        let log_max_weight = if well_conditioned {
            None
        } else if tilt.converged {
            Some(tilt.log_bound)
        } else {
            tilt.mu.iter_mut().for_each(|m| *m = 0.0);
            Some(factor.max_value().ln())
        };
        self.sample(&path, &tilt, log_max_weight)
    }

    /// Samples the tilted weights. `log_max_weight`, set for a factor that is not well
    /// conditioned, is ln M for a bound M ≥ sup w: the error is then at least the missed-mass
    /// bound M·ln(100)/n.
    fn sample(&self, path: &TiltedPath, tilt: &Tilt, log_max_weight: Option<f64>) -> Result<TiltedEstimate> {
        let s = &self.settings;
        let dims = path.rank - 1;
        let full_rank = path.full_rank;
        if dims == 0 {
            // One step: the probability is its interval probability, exactly.
            let log_p = path.log_weights(&[], 1, &tilt.mu, &mut [0.0; BATCH])[0];
            // No sampling: the error is the rounding of one interval log-probability.
            let relative_error = rounding_floor(1.0, 4.0 * (1.0 + log_p.abs().min(1e300)), 0);
            let exact = Estimate::exact_log(log_p, Method::Tilted, 1);
            return Ok(TiltedEstimate {
                estimate: Estimate { error: relative_error * exact.value, ..exact },
                relative_error,
                log_upper_bound: Some(log_p),
                saddle_point_found: true,
            });
        }
        // One evaluation per point; no round goes past the budget (the first one is checked to
        // fit it when the settings are validated).
        let max_points = s.rqmc.max_evaluations / s.rqmc.randomizations as u64;
        let (kind, seed) = (s.rqmc.point_set, s.rqmc.seed);
        let driver =
            Driver::new(names::TILTED, kind, dims, s.rqmc.randomizations, seed, path.rank, max_points)?;
        let multiplier = rqmc::t_quantile(s.rqmc.randomizations);
        // Each chunk returns the log of its sum of weights and its largest log-weight; chunks are
        // merged by log-sum-exp in a fixed order, so nothing overflows or underflows and the
        // result does not depend on the thread count.
        let work = |cursor: &mut PointCursor<'_>, count: u64| -> (f64, f64) {
            let mut block = vec![0.0; BATCH * dims];
            let mut y = vec![0.0; path.rank * BATCH];
            let mut log_weights = Vec::with_capacity(count as usize);
            let mut left = count as usize;
            while left > 0 {
                let n = left.min(BATCH);
                for w in block.chunks_exact_mut(dims).take(n) {
                    cursor.next_into(w);
                }
                log_weights.extend_from_slice(&path.log_weights(&block, n, &tilt.mu, &mut y)[..n]);
                left -= n;
            }
            let largest = log_weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (log_sum_exp(log_weights.iter().copied()), largest)
        };
        // Per-randomisation log-sums, and the largest log-weight seen: a guard on the bound M
        // (it cannot be below it).
        let mut state = (vec![f64::NEG_INFINITY; s.rqmc.randomizations], f64::NEG_INFINITY);
        let estimate = driver.run(
            s.rqmc.initial_points,
            1,
            s.rqmc.max_evaluations,
            s.rqmc.point_set,
            &mut state,
            work,
            |(log_sums, log_largest), r, (v, largest)| {
                log_sums[r] = log_sum_exp([log_sums[r], v].into_iter());
                *log_largest = log_largest.max(largest);
            },
            |(log_sums, log_largest), progress| {
                let Progress { done, evaluations, next_fits } = progress;
                // Means per randomisation relative to the largest: m_r = exp(L_r − L_max) ∈ [0, 1].
                let log_max = log_sums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let (log_value, relative_error) = if log_max == f64::NEG_INFINITY {
                    (f64::NEG_INFINITY, f64::INFINITY)
                } else {
                    let relative = log_sums.iter().map(|&l| (l - log_max).exp());
                    let (mean, half_width) = replicate_half_width(relative, multiplier, Skewness::Ignored);
                    (log_max - (done as f64).ln() + mean.ln(), half_width / mean)
                };
                let value = log_value.exp();
                // The rounding floor, relative: each log-weight sums r terms whose magnitudes add
                // up to about |ln P| or more, so its absolute rounding is a few ulps of
                // r·(1 + |ln P|); then the log-sum-exp of a chunk, the chunk merges, and the mean
                // over randomisations.
                let floor = rounding_floor(
                    1.0,
                    4.0 * path.rank as f64 * (1.0 + log_value.abs().min(1e300)),
                    done.min(CHUNK_POINTS) + done.div_ceil(CHUNK_POINTS) + s.rqmc.randomizations as u64 + 2,
                );
                // An ill-conditioned factor can hide a narrow feature (a near step in one
                // coordinate) that no point has hit, while the randomisations agree: the spread is
                // then no error estimate. The error is at least what n points miss with 1%
                // probability, M·ln(100)/n, with M ≥ sup w (a small margin over the saddle-point
                // bound for the tolerance of the Newton solve).
                let missed = match log_max_weight {
                    Some(log_m) if log_value.is_finite() => {
                        let log_m = log_m.max(*log_largest) + 1e-6;
                        missed_feature_bound((log_m - log_value).exp(), done * s.rqmc.randomizations as u64)
                    }
                    _ => 0.0,
                };
                let relative_error = relative_error.max(missed) + floor;
                // With no path of positive weight the spread says nothing: the error is unknown.
                let error = error_of_relative(value, log_value, relative_error);
                // `tolerance_met`, with the relative test done on the relative error so that it
                // stays meaningful where P underflows.
                let converged = relative_error.is_finite()
                    && (tolerance_met(error, value, s.rqmc.abs_tol, s.rqmc.rel_tol)
                        || relative_error <= s.rqmc.rel_tol);
                let refined = s.required_rel_tol == 0.0 || relative_error <= s.required_rel_tol;
                // The relative error still to reach: the tolerance if unmet, else the refinement.
                let goal =
                    if converged { s.required_rel_tol } else { s.rqmc.rel_tol.max(s.rqmc.abs_tol / value) };
                // Out of reach even at the n^(−3/2) rate of scrambled nets on smooth integrands
                // (the best RQMC can do; Monte Carlo is n^(−1/2)): stop now rather than spend the
                // budget. The missed-mass floor falls only as 1/n: where it dominates, that is
                // the rate.
                let rate = if missed >= 0.5 * relative_error { 1.0 } else { 2.0 / 3.0 };
                let unreachable = goal > 0.0
                    && relative_error.is_finite()
                    && evaluations as f64 * (relative_error / goal).powf(rate)
                        > s.rqmc.max_evaluations as f64;
                ((converged && refined) || unreachable || !next_fits).then_some((
                    Estimate { value, log_value, error, evaluations, method: Method::Tilted, converged },
                    relative_error,
                ))
            },
        );
        let (estimate, relative_error) = estimate;
        let bound_valid = tilt.converged && full_rank;
        Ok(TiltedEstimate {
            estimate,
            relative_error,
            log_upper_bound: bound_valid.then_some(tilt.log_bound),
            saddle_point_found: tilt.converged,
        })
    }
}

/// ψ*, the log of Botev's minimax saddle-point value of a problem given its reduction, without
/// sampling: a deterministic, smooth stand-in for ln P (an upper bound on it for full-rank
/// problems) that the Student t tails (`crate::student_t::tilting`) use to place their quadrature
/// nodes. `None` when Newton's method does not find the saddle point or the rank exceeds
/// [`MAX_TILTED_RANK`]; ln P itself for a trivial reduction, −∞ for an empty interval.
pub(crate) fn saddle_point_log_value(problem: &Problem, reduction: &Reduction) -> Option<f64> {
    let factor = match reduction {
        Reduction::Trivial(p) => return Some(p.ln()),
        Reduction::Factor(f) => f,
    };
    if factor.constraints.iter().any(|c| c.lower >= c.upper) {
        return Some(f64::NEG_INFINITY);
    }
    if factor.rank() > MAX_TILTED_RANK {
        return None;
    }
    let tilt = TiltedPath::new(factor, problem).saddle_point();
    (tilt.converged && tilt.log_bound.is_finite()).then_some(tilt.log_bound)
}

impl Differentiable for Tilted {
    /// [`Error::MethodNotApplicable`]: the tilted estimator gives the probability only (`auto`
    /// differentiates a rare event by conditioning with tilting).
    fn integrate_with_gradient(&self, _: &Problem, _: GradientOptions) -> Result<(Estimate, Gradient)> {
        Err(no_gradient(names::TILTED))
    }
}

impl Integrator for Tilted {
    fn name(&self) -> String {
        names::TILTED.into()
    }

    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        Ok(self.estimate(problem)?.estimate)
    }
}

/// ln Σ exp(x_i), exact for −∞ entries (an empty or all −∞ input gives −∞).
pub(crate) fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + values.map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// The sequential structure of the reordered problem, flattened for the tilted sampler.
struct TiltedPath<'a> {
    factor: &'a OrderedFactor,
    rank: usize,
    full_rank: bool,
    /// Width of each constraint's interval, (b_j − a_j)/scale from the problem's own limits:
    /// the shifted limits lose the width of a narrow interval to cancellation (a width of 1e-6
    /// at 0.3 keeps only ten digits in c.upper − c.lower − shift), the width itself does not.
    widths: Vec<f64>,
}

impl<'a> TiltedPath<'a> {
    fn new(factor: &'a OrderedFactor, problem: &Problem) -> Self {
        let full_rank = factor.steps.iter().all(|s| s.count == 1);
        let widths = factor
            .constraints
            .iter()
            .map(|c| (problem.upper()[c.variable] - problem.lower()[c.variable]) / c.scale)
            .collect();
        TiltedPath { factor, rank: factor.rank(), full_rank, widths }
    }

    /// The interval of step k from its primary constraint only (the smooth part used by the
    /// saddle-point equations), its coefficients, and its width.
    #[inline]
    fn primary(&self, k: usize, x: &[f64]) -> (f64, f64, &[f64], f64) {
        let first = self.factor.steps[k].first;
        let c = &self.factor.constraints[first];
        let coefficients = &self.factor.coefficients[c.offset..c.offset + k];
        let shift: f64 = coefficients.iter().zip(x).map(|(a, b)| a * b).sum();
        (c.lower - shift, c.upper - shift, coefficients, self.widths[first])
    }

    /// ln w(z) at up to [`BATCH`] points (point p at `points[p * (r − 1)..]`, unused slots
    /// −∞), by the forward recursion of the separation of variables
    /// ([`OrderedFactor::forward`]) with the tilted sampling rule: step k draws
    /// z_k = μ_k + F⁻¹(w_k) from N(μ_k, 1) truncated to its interval and adds
    /// ln(Φ(ũ_k − μ_k) − Φ(l̃_k − μ_k)) + μ_k²/2 − μ_k z_k; the last step adds its interval's
    /// log-probability. `y` is scratch of length r · [`BATCH`].
    fn log_weights(&self, points: &[f64], count: usize, mu: &[f64], y: &mut [f64]) -> [f64; BATCH] {
        let dims = self.rank - 1;
        let mut log_w = [f64::NEG_INFINITY; BATCH];
        log_w[..count].iter_mut().for_each(|v| *v = 0.0);
        self.factor.forward::<false, _>(0, y, &UNSCALED, |k: usize, iv: &StepIntervals| {
            let single = self.factor.steps[k].count == 1;
            let first = self.factor.steps[k].first;
            let mut z = [0.0f64; BATCH];
            for p in 0..BATCH {
                let (lo, hi) = (iv.lo[p], iv.hi[p]);
                if log_w[p] == f64::NEG_INFINITY {
                    // A finished path (or an unused slot) rides along with z = 0.
                    continue;
                }
                if lo >= hi {
                    log_w[p] = f64::NEG_INFINITY;
                    continue;
                }
                // The width of a single constraint is carried exactly (+∞ for an unbounded one).
                let width = if single { self.widths[first] } else { hi - lo };
                if k + 1 == self.rank {
                    log_w[p] += log_interval_probability_with_width(lo, hi, width);
                } else {
                    let m = mu[k];
                    let (alpha, beta) = (lo - m, hi - m);
                    log_w[p] += log_interval_probability_with_width(alpha, beta, width);
                    let zk = m + truncated::quantile(alpha, beta, points[p * dims + k]);
                    z[p] = zk;
                    log_w[p] += m * (0.5 * m - zk);
                }
            }
            z
        });
        log_w
    }
}
