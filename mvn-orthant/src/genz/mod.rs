//! Genz's separation-of-variables method with randomised quasi-Monte Carlo: the general-dimension
//! integrator of P(a ≤ X ≤ b), X ~ N(μ, Σ), semidefinite Σ included.
//!
//! * `factor`: reordering (Gibson–Glasbey–Elston) with a Cholesky factorisation, zero pivots
//!   turned into tightened intervals, packed storage.
//! * `integrand`: the integrand f(w) = Π_k (e_k − d_k) over `[0, 1]^(r−1)` and its single-pass
//!   (pinned) gradient.
//! * This module: the RQMC driver ([`Genz`], [`GenzSettings`]) and the gradients.
//!
//! # Error estimate
//!
//! R independent randomisations of the point set (scrambles or shifts) give R unbiased estimates
//! P̂_1 … P̂_R of P, each the mean of f over the same number N of points. The estimate is their
//! mean P̂ and the reported error is (t + g·(1 + 2t²)/(6√R)) · s/√R, where s is their sample
//! standard deviation, t = t_{R−1} the 0.995 quantile of Student's t with R − 1 degrees of freedom
//! and g their sample skewness beyond its noise level. With g = 0 this is the half-width of a
//! two-sided [`CONFIDENCE_LEVEL`](crate::CONFIDENCE_LEVEL) = 99% interval when the P̂_r are
//! normal (for the default R = 8 the multiple is 3.4995, Genz's customary 3.5); the g term is the
//! first-order Edgeworth correction for skewed P̂_r, which low-dimensional integrands give (see
//! `docs/genz.md`). After a doubling the error is at least the previous round's spread divided
//! by `MAX_ROUND_GAIN` (against optional stopping). Added to it: the rounding floor
//! (`crate::estimate::rounding_floor`); and where the spread is not
//! trusted (a rare event: fewer than `MIN_EXPECTED_HITS` points expected where the mass is, or a
//! relative half-width above `UNRELIABLE_RELATIVE_ERROR`; or all randomisations equal), the
//! value's error is at least the missed-mass bound M·ln(100)/n with M ≥ sup f. Where a far
//! finite limit leaves a dip on a set of the cube too small for the points to have seen
//! (`faint_limits`), the mass beyond the limit is added to the error. N doubles (all
//! points are kept) until the error is at most max(abs_tol, rel_tol · P̂)
//! (`estimate::tolerance_met`) or the next doubling would exceed the evaluation budget;
//! [`Estimate::converged`] says which.
//!
//! # Determinism
//!
//! The work of each doubling is cut into chunks of `CHUNK_POINTS` points of one
//! randomisation, each summed sequentially; chunk sums are added in a fixed order. The same seed
//! therefore gives the same bits with 1, 2 or 8 threads, with or without the `parallel` feature.
//!
//! ```
//! use mvn_orthant::{Covariance, Genz, Integrator, Problem};
//! let problem = Problem::lower_orthant(Covariance::equicorrelated(10, 0.5).unwrap(), vec![0.0; 10]).unwrap();
//! let estimate = Genz::default().integrate(&problem).unwrap();
//! // Equicorrelated ρ = ½ orthant: exactly 1/(d + 1).
//! assert!((estimate.value - 1.0 / 11.0).abs() <= estimate.error.max(1e-12));
//! assert!(estimate.converged && estimate.error <= 1e-6);
//! ```

pub(crate) mod factor;
mod faint_limits;
pub(crate) mod integrand;
#[cfg(test)]
mod scalar;

use crate::error::{Error, Result};
use crate::estimate::{names, rounding_floor, tolerance_met, Estimate, Integrator, Method};
use crate::gradient::{
    self, limit_gradient_by_conditioning, Differentiable, Gradient, GradientEstimator, GradientOptions,
};
use crate::problem::Problem;
use crate::qmc::{derive_seed, PointCursor, PointSetKind};
use crate::rqmc::{
    self, missed_feature_bound, replicate_half_width, Driver, RqmcSettings, Skewness, CHUNK_POINTS,
};
use factor::{reduce, OrderedFactor, Reduction};
use faint_limits::FaintLimits;
use integrand::{Scratch, SinglePass, BATCH, UNSCALED};

/// Settings of the Genz integrator, validated by [`GenzSettings::build`] / [`Genz::new`].
///
/// Chainable setters share the field names:
///
/// ```
/// use mvn_orthant::genz::GenzSettings;
/// let genz = GenzSettings::default().abs_tol(1e-5).seed(3).build().unwrap();
/// assert_eq!(genz.settings().rqmc.abs_tol, 1e-5);
/// assert!(GenzSettings::default().abs_tol(-1.0).build().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenzSettings {
    /// The settings shared by the RQMC methods. Defaults: abs_tol 1e-6, rel_tol 0 (the run
    /// stops when error ≤ max(abs_tol, rel_tol · P̂)), 10⁷ evaluations, R = 8 randomisations,
    /// seed 0, scrambled Sobol points, and a first round of 1024 points per randomisation
    /// (8192 points before any error estimate is trusted, so that a feature of measure above
    /// ~1e-3 is almost surely sampled and shows in the spread), used for factors that are not
    /// well conditioned (`OrderedFactor::is_well_conditioned`: a nearly singular or
    /// semidefinite covariance).
    pub rqmc: RqmcSettings,
    /// Points per randomisation in the first round when the factor is well conditioned, a power
    /// of two (default 64, so 512 points with the 8 randomisations; `initial_points` if that is
    /// smaller): such an integrand has no transition narrower than about 1/8 in the normal
    /// coordinates, and a small first round lets loose tolerances stop early. Set it equal to
    /// `initial_points` for a first round that ignores the conditioning.
    pub well_conditioned_initial_points: u64,
    /// Evaluate f(w) and f(1 − w) for every point and use their mean (default false).
    pub antithetic: bool,
}

impl Default for GenzSettings {
    fn default() -> Self {
        GenzSettings {
            rqmc: RqmcSettings {
                abs_tol: 1e-6,
                rel_tol: 0.0,
                max_evaluations: 10_000_000,
                randomizations: 8,
                initial_points: 1024,
                seed: 0,
                point_set: PointSetKind::Sobol,
            },
            well_conditioned_initial_points: 64,
            antithetic: false,
        }
    }
}

impl GenzSettings {
    rqmc::rqmc_setters!();

    /// Sets the points per randomisation of the first round for a well-conditioned factor.
    pub fn well_conditioned_initial_points(mut self, value: u64) -> Self {
        self.well_conditioned_initial_points = value;
        self
    }

    /// Enables or disables antithetic pairing.
    pub fn antithetic(mut self, value: bool) -> Self {
        self.antithetic = value;
        self
    }

    /// Integrand evaluations per point of one randomisation: 2 with antithetic pairs, else 1.
    fn evaluations_per_point(&self) -> u64 {
        if self.antithetic {
            2
        } else {
            1
        }
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTolerance`] for a negative or NaN tolerance or both zero;
    /// [`Error::InvalidBudget`] for R outside 2 … 64, a first round that is not a power of two
    /// (or above 2³¹), or a budget smaller than the first round.
    pub fn validate(&self) -> Result<()> {
        self.rqmc.validate(self.evaluations_per_point())?;
        if !self.well_conditioned_initial_points.is_power_of_two() {
            return Err(Error::InvalidBudget {
                name: "well_conditioned_initial_points".into(),
                value: self.well_conditioned_initial_points,
                reason: "the first round of a well-conditioned factor must be a power of two".into(),
            });
        }
        Ok(())
    }

    /// Validates and builds the integrator.
    ///
    /// # Errors
    ///
    /// As [`GenzSettings::validate`].
    pub fn build(self) -> Result<Genz> {
        Genz::new(self)
    }

    /// The multiple of the standard error for the configured R.
    fn error_multiplier(&self) -> f64 {
        self.rqmc.error_multiplier()
    }
}

/// The Genz integrator (see the module documentation); `Genz::default()` uses
/// [`GenzSettings::default`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Genz {
    settings: GenzSettings,
    /// A relative precision the run keeps refining to after the tolerances are met (0: none), as
    /// [`crate::tilting::TiltingSettings::required_rel_tol`]: `auto` sets it when it refines a
    /// rare event with Genz's method. It never changes what `converged` means.
    required_rel_tol: f64,
}

/// Per-randomisation means of the integrand outputs after an RQMC run.
pub(crate) struct RqmcRun {
    /// `means[r * outputs + o]`.
    means: Vec<f64>,
    outputs: usize,
    evaluations: u64,
    converged: bool,
    /// Lower bound on the value's error (see [`rqmc::missed_feature_bound`]); 0 when the spread between
    /// randomisations is informative.
    value_error_floor: f64,
    /// The bound M·ln(100)/n on what the sample can have missed, with M ≥ sup f (see
    /// [`rqmc::missed_feature_bound`]): the value's error when the spread is unreliable.
    missed_mass: f64,
    /// What far finite limits can lift the value by without the spread showing it
    /// ([`FaintLimits::unsampled_lift`]): added to the value's error, at most the value itself
    /// ([`RqmcRun::unsampled_lift_of`]).
    unsampled_lift: f64,
    /// The bound M ≥ sup f ([`OrderedFactor::max_value`]).
    max_value: f64,
    /// Integrand evaluations behind the means (all randomisations, antithetic pairs counted
    /// twice).
    points: u64,
    /// Relative rounding of one integrand value, in units of the unit roundoff.
    ulps_per_term: f64,
    /// How the replicates' skewness widens the interval: at face value for an integrand of at
    /// most [`LOW_DIMENSION`] coordinates, beyond its noise level above.
    skewness: Skewness,
    /// Longest chain of sequential additions behind each mean (see [`rounding_floor`]).
    additions: u64,
}

impl RqmcRun {
    /// Mean over randomisations and the error half-width of output o: the Student-t interval
    /// of the spread, raised to the missed-mass bound when the spread is unreliable (output 0,
    /// see [`UNRELIABLE_RELATIVE_ERROR`]), plus the rounding floor.
    fn summary(&self, o: usize, multiplier: f64) -> (f64, f64) {
        let r = self.means.len() / self.outputs;
        let values = (0..r).map(|i| self.means[i * self.outputs + o]);
        let (mean, mut error) = replicate_half_width(values, multiplier, self.skewness);
        if o == 0 {
            error = error.max(self.value_error_floor);
            if self.spread_distrusted(mean, error) {
                error = error.max(self.missed_mass);
            }
            error += self.unsampled_lift_of(mean);
        } else {
            // A derivative is sampled by the same points as the value: where the value's spread
            // is not trusted, neither is the derivative's, and its relative error is taken to be
            // at least the value's (unknown, +∞, when the value's estimate is 0).
            let (value, value_error) = self.summary(0, multiplier);
            let value_spread = self.spread_error(multiplier).max(self.value_error_floor);
            if self.unsampled_lift_of(value) > 0.0 || self.spread_distrusted(value, value_spread) {
                let relative = if value != 0.0 { value_error / value.abs() } else { f64::INFINITY };
                let scaled =
                    if mean == 0.0 && relative.is_infinite() { f64::INFINITY } else { mean.abs() * relative };
                error = error.max(scaled);
            }
        }
        (mean, error + rounding_floor(mean, self.ulps_per_term, self.additions))
    }

    /// How far above the truth the value estimate `value` can be from faint limits whose dips the
    /// sample has not seen ([`FaintLimits::unsampled_lift`]): at most the estimate itself, since
    /// P ≥ 0.
    fn unsampled_lift_of(&self, value: f64) -> f64 {
        self.unsampled_lift.min(value.max(0.0))
    }

    /// Whether the spread (half-width `spread` around the value estimate `value`) is not trusted
    /// as an error estimate: see [`UNRELIABLE_RELATIVE_ERROR`] and [`MIN_EXPECTED_HITS`].
    fn spread_distrusted(&self, value: f64, spread: f64) -> bool {
        !spread_is_trusted(value, spread, self.points, self.max_value)
    }

    /// The statistical part of output 0's error alone (no floors): what the spread says.
    fn spread_error(&self, multiplier: f64) -> f64 {
        let r = self.means.len() / self.outputs;
        replicate_half_width((0..r).map(|i| self.means[i * self.outputs]), multiplier, self.skewness).1
    }

    /// Whether the randomisations of output 0 agree to 1e-12 relative: their spread is then
    /// rounding noise and carries no information on the error.
    fn spread_is_zero(&self) -> bool {
        let r = self.means.len() / self.outputs;
        let values = (0..r).map(|i| self.means[i * self.outputs]);
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        hi - lo <= 1e-12 * hi.abs().max(f64::MIN_POSITIVE)
    }
}

/// Whether the spread half-width `spread` around the value estimate `value`, from `points`
/// evaluations of an integrand bounded by `max_value` (M ≥ sup f), is trusted as an error
/// estimate: at most [`UNRELIABLE_RELATIVE_ERROR`] of the value, with at least
/// [`MIN_EXPECTED_HITS`] points expected where the mass can sit (n·P̂ ≥ 32·M).
pub(crate) fn spread_is_trusted(value: f64, spread: f64, points: u64, max_value: f64) -> bool {
    !(spread > UNRELIABLE_RELATIVE_ERROR * value.abs()
        || (points as f64) * value.abs() < MIN_EXPECTED_HITS * max_value)
}

/// The early-stop hook of a run: `(value, spread error, evaluations so far) → stop?`.
pub(crate) type Abandon<'a> = dyn Fn(f64, f64, u64) -> bool + Sync + 'a;

/// A hook that never stops a run early.
pub(crate) const NEVER: &Abandon<'static> = &|_, _, _| false;

/// When the spread's 99% half-width exceeds this fraction of the estimate, the spread between
/// randomisations is not trusted as an error estimate: the replicate means of a rare event are
/// skewed (most of the mass comes from a few points; a randomisation that misses them is far
/// below the truth, and R of them are far below more often than a t-interval allows). The value's
/// error is then at least the missed-mass bound M·ln(100)/n (see the module docs).
pub(crate) const UNRELIABLE_RELATIVE_ERROR: f64 = 0.25;

/// The spread is also not trusted while n·P̂ < `MIN_EXPECTED_HITS` · M, with n the points of all
/// randomisations and M ≥ sup f ([`OrderedFactor::max_value`]). Since f ≤ M, the mass P can sit
/// on a set of measure as small as P/M; n·P/M is the number of points expected in it. With few
/// of them, the replicate means of a rare event are skewed even when their spread looks
/// small (20-D tails with P ≈ 1e-8 came back 20% low with a reported 5%). The error is then at
/// least M·ln(100)/n, which is at most 14% of P̂ once the count is reached.
pub(crate) const MIN_EXPECTED_HITS: f64 = 32.0;

/// The points expected in the set where half of a faint limit's lift lives before the spread is
/// trusted to show the limit's dip (see `faint_limits`): until then the mass beyond the limit is
/// added to the value's error.
///
/// Measured on P(X₁ ≥ 0, X₂ ≤ 5, X₃ ≥ −0.5) at equicorrelation 0.75 and P(X₁ ≤ 4, X₂ ≥ 0) at
/// ρ = 0.999, 24 seeds each at abs_tol 1e-5, 1e-6 and 1e-7: with 8, 1 interval of 144 missed
/// (1.12 errors off); with 2, 3 of 24 missed at 1e-7; with 32 (the count of the rare-mass rule)
/// none, but random boxes at abs_tol 1e-4 took up to twice the evaluations (6-D: 1065 against
/// 527 without the guard, 604 with 8).
pub(crate) const MIN_DIP_HITS: f64 = 8.0;

/// Integrands of at most this many coordinates have skewed replicates: their sample skewness is
/// used at face value in the error (see `docs/genz.md`).
///
/// The error of a shifted lattice or a scrambled net as a function of its randomisation is a
/// fixed function of the shift whose values pile up at one end (a 2-D orthant with ρ = 0.3 by the
/// lattice: skewness about 1.8 per replicate), and eight of them gave 99% intervals that missed
/// 5–7% of the time. For the near-normal replicates of higher dimensions γ̂ is mostly noise: above
/// this many coordinates its noise level σ_R (0.60 for R = 8) is subtracted so that it does not
/// inflate their errors (with the raw |γ̂| everywhere, a 50-D orthant needed 47% more evaluations
/// at abs_tol 1e-4). Measured coverage (`docs/genz.md`, 12 000 runs): 212 misses without the
/// correction; 65 with the raw |γ̂| everywhere, 107 with σ_R subtracted everywhere, 61 with this
/// rule.
pub(crate) const LOW_DIMENSION: usize = 3;

/// The largest factor by which one doubling of the points is taken to reduce the value's spread
/// half-width: 2√2, the N⁻³ᐟ² rate of scrambled nets on smooth integrands. After each doubling
/// the value's error is at least the previous round's spread half-width divided by this factor.
///
/// This guards against optional stopping: the run stops at the first round whose (noisy) spread
/// meets the tolerance, which selects rounds where the spread came out low; the previous round's
/// spread is a second, partly independent estimate. An integrand whose error falls faster (a
/// tent-transformed lattice can reach N⁻²) pays at most one more round for it. Measured
/// (`coverage_by_dimension_sweep`, see `docs/genz.md`, raw skewness correction, before the
/// first-round halves): with the skewness correction alone, 122 misses in 12 000 runs; with this
/// guard too, 65; with a factor 4, 88.
pub(crate) const MAX_ROUND_GAIN: f64 = 2.828_427_124_746_190_3;

/// Relative rounding of one integrand value per step, in units of the unit roundoff: Φ at each
/// limit to about one ulp, the difference, the product, and the limit shift.
const ULPS_PER_STEP: f64 = 4.0;

impl Genz {
    /// Validates the settings and builds the integrator.
    ///
    /// # Errors
    ///
    /// As [`GenzSettings::validate`].
    pub fn new(settings: GenzSettings) -> Result<Self> {
        settings.validate()?;
        Ok(Genz { settings, required_rel_tol: 0.0 })
    }

    /// The integrator for settings known to be valid (derived from validated
    /// [`crate::Settings`]): no second check.
    pub(crate) fn from_valid(settings: GenzSettings) -> Self {
        debug_assert!(settings.validate().is_ok(), "{settings:?}");
        Genz { settings, required_rel_tol: 0.0 }
    }

    /// This integrator, refining after its tolerances are met until error ≤
    /// `required_rel_tol` · |P̂| (or the budget is spent or `abandon` stops the run).
    pub(crate) fn refining_to(self, required_rel_tol: f64) -> Self {
        Genz { required_rel_tol, ..self }
    }

    /// The settings (chain from [`GenzSettings::default`] to build one).
    pub fn builder() -> GenzSettings {
        GenzSettings::default()
    }

    /// The settings in use.
    pub fn settings(&self) -> &GenzSettings {
        &self.settings
    }

    /// Runs the RQMC loop: `eval(points, count, scratch, acc)` adds the `outputs` integrand
    /// values at each of the `count` ≤ [`BATCH`] points of the block (point p at
    /// `points[p * (r − 1)..]`) to `acc`, in point order; the run stops on the tolerance for
    /// output 0.
    ///
    /// After each round that has not met the tolerance, `abandon(value, spread error,
    /// evaluations)` may stop the run early (not converged): `auto` uses it to hand rare events
    /// to the tilted estimator.
    ///
    /// With `chi_degrees_of_freedom` = ν every point has one more coordinate, first (so point p
    /// is at `points[p * r..]`), from which the integrand draws the scale of the limits (the
    /// multivariate t with ν degrees of freedom, [`crate::student_t::genz`]); the integrand is
    /// then never constant, is bounded by [`OrderedFactor::max_value_over_scales`], and its faint
    /// limits are those of the t ([`FaintLimits::of_student`]).
    pub(crate) fn run<F>(
        &self,
        factor: &OrderedFactor,
        outputs: usize,
        chi_degrees_of_freedom: Option<f64>,
        abandon: &Abandon<'_>,
        eval: F,
    ) -> Result<RqmcRun>
    where
        F: Fn(&[f64], usize, &mut Scratch, &mut [f64]) + Sync,
    {
        let s = &self.settings;
        let chi_coordinate = chi_degrees_of_freedom.is_some();
        let dims = factor.rank() - 1 + usize::from(chi_coordinate);
        let r_count = s.rqmc.randomizations;
        // No round goes past the budget (the first one is checked to fit it).
        let max_points = s.rqmc.max_evaluations / (r_count as u64 * s.evaluations_per_point());
        let (kind, seed) = (s.rqmc.point_set, s.rqmc.seed);
        let driver = Driver::new(names::GENZ, kind, dims, r_count, seed, factor.rank(), max_points)?;
        let constant = !chi_coordinate && factor.is_constant();
        let max_value = if chi_coordinate { factor.max_value_over_scales() } else { factor.max_value() };
        let faint_limits = match chi_degrees_of_freedom {
            None => FaintLimits::of(factor),
            Some(nu) => FaintLimits::of_student(factor, nu),
        };
        let first_round = if factor.is_well_conditioned() {
            s.well_conditioned_initial_points.min(s.rqmc.initial_points)
        } else {
            s.rqmc.initial_points
        };
        let multiplier = s.error_multiplier();
        let pair = s.evaluations_per_point();
        // One chunk: its points in blocks of BATCH (and their antithetic mirrors), summed in
        // point order.
        let work = |cursor: &mut PointCursor<'_>, count: u64| -> Vec<f64> {
            let mut scratch = Scratch::new(factor.rank());
            let mut block = vec![0.0; BATCH * dims];
            let mut flipped = vec![0.0; BATCH * dims];
            let mut acc = vec![0.0; outputs];
            let mut left = count as usize;
            while left > 0 {
                let n = left.min(BATCH);
                for w in block.chunks_exact_mut(dims).take(n) {
                    cursor.next_into(w);
                }
                eval(&block, n, &mut scratch, &mut acc);
                if pair == 2 {
                    for (f, &x) in flipped.iter_mut().zip(&block).take(n * dims) {
                        *f = 1.0 - x;
                    }
                    eval(&flipped, n, &mut scratch, &mut acc);
                }
                left -= n;
            }
            acc
        };
        // Per-randomisation sums of the outputs, and the previous round's spread.
        let mut state = (vec![0.0; r_count * outputs], 0.0f64);
        // The first round is computed in two halves: the first half's spread is not used to stop,
        // only as the previous round of the guard (see [`MAX_ROUND_GAIN`]), so that a run that
        // stops after the first round is guarded too. The points are the same.
        let first_target = if first_round >= 2 { first_round / 2 } else { first_round };
        let run = driver.run(
            first_target,
            pair,
            s.rqmc.max_evaluations,
            s.rqmc.point_set,
            &mut state,
            work,
            |(sums, _), r, acc| {
                for (o, v) in acc.iter().enumerate() {
                    sums[r * outputs + o] += v;
                }
            },
            |(sums, previous_spread), progress| {
                let done = progress.done;
                let scale = 1.0 / (done * pair) as f64;
                let points = done * pair * r_count as u64;
                let mut run = RqmcRun {
                    means: sums.iter().map(|v| v * scale).collect(),
                    outputs,
                    evaluations: progress.evaluations,
                    converged: false,
                    value_error_floor: 0.0,
                    missed_mass: missed_feature_bound(max_value, points),
                    unsampled_lift: faint_limits.unsampled_lift(points, MIN_DIP_HITS),
                    max_value,
                    points,
                    ulps_per_term: ULPS_PER_STEP * factor.rank() as f64,
                    skewness: if dims <= LOW_DIMENSION {
                        Skewness::AtFaceValue
                    } else {
                        Skewness::BeyondNoise
                    },
                    // Within a chunk ≤ CHUNK_POINTS (× 2 antithetic) terms, then the chunk sums of
                    // a randomisation in order, the scaling, and the mean over randomisations.
                    additions: (done.min(CHUNK_POINTS) * pair)
                        + done.div_ceil(CHUNK_POINTS)
                        + r_count as u64
                        + 2,
                };
                if !constant && run.spread_is_zero() {
                    run.value_error_floor = run.missed_mass;
                }
                let spread = run.spread_error(multiplier);
                // Optional-stopping guard: the error may not fall below the previous round's
                // spread by more than a doubling of the points can buy (see [`MAX_ROUND_GAIN`]).
                run.value_error_floor = run.value_error_floor.max(*previous_spread / MAX_ROUND_GAIN);
                *previous_spread = spread;
                let (value, error) = run.summary(0, multiplier);
                if done < first_round {
                    return None;
                }
                let converged = tolerance_met(error, value, s.rqmc.abs_tol, s.rqmc.rel_tol);
                let refined = self.required_rel_tol == 0.0 || error <= self.required_rel_tol * value.abs();
                if converged && refined {
                    return Some(RqmcRun { converged, ..run });
                }
                if !progress.next_fits || abandon(value, run.spread_error(multiplier), progress.evaluations) {
                    return Some(RqmcRun { converged, ..run });
                }
                None
            },
        );
        Ok(run)
    }

    /// The estimate of output 0 of a run (value clamped at 0).
    pub(crate) fn estimate_from(&self, run: &RqmcRun) -> Estimate {
        let (value, error) = run.summary(0, self.settings.error_multiplier());
        let value = value.max(0.0);
        Estimate {
            value,
            log_value: value.ln(),
            error,
            evaluations: run.evaluations,
            method: Method::Genz,
            converged: run.converged,
        }
    }

    /// The probability, given the reduction of the problem.
    pub(crate) fn integrate_reduced(&self, reduction: &Reduction, abandon: &Abandon<'_>) -> Result<Estimate> {
        match reduction {
            Reduction::Trivial(p) => {
                Ok(Estimate { method: Method::Genz, ..Estimate::exact(*p, Method::Genz, 0) })
            }
            Reduction::Factor(factor) if factor.rank() == 1 => {
                // One interval probability, no sampling: its error is its rounding.
                let mut scratch = Scratch::new(1);
                let value = factor.values(&[], 0, 1, &UNSCALED, &mut scratch)[0];
                Ok(Estimate {
                    error: rounding_floor(value, ULPS_PER_STEP, 0),
                    ..Estimate::exact(value, Method::Genz, 1)
                })
            }
            Reduction::Factor(factor) => {
                let dims = factor.rank() - 1;
                let run = self.run(factor, 1, None, abandon, |points, count, scratch, acc| {
                    let values = factor.values(points, dims, count, &UNSCALED, scratch);
                    for v in &values[..count] {
                        acc[0] += v;
                    }
                })?;
                Ok(self.estimate_from(&run))
            }
        }
    }

    /// The probability and its gradient with respect to the limits and the mean by `estimator`
    /// (see [`GradientEstimator`]). The single-pass estimators take every component from the
    /// same randomisations and points as the value, each with its own error estimate (same
    /// confidence level); the stopping rule uses the value's tolerance only, so the gradient's
    /// errors are reported, not controlled. After each round `abandon` may stop the run (see
    /// [`Genz::run`]). The covariance part is not computed here.
    ///
    /// * [`GradientEstimator::Pinned`]: each active bound pinned in turn
    ///   ([`OrderedFactor::values_and_gradients`]), O(r³) flops and O(r²) normal
    ///   functions per point instead of O(r²) and O(r).
    /// * [`GradientEstimator::Pathwise`]: the reverse-mode derivative of the integrand at each
    ///   point (the same function), unbiased too, at O(r²) cost
    ///   per point; its variance differs from the pinned estimator's (it differentiates the
    ///   sampling map instead of conditioning); `docs/gradients.md` compares the two.
    /// * [`GradientEstimator::Conditioning`]: see [`Genz::conditioning_gradient`].
    pub(crate) fn limit_gradient(
        &self,
        problem: &Problem,
        estimator: GradientEstimator,
        abandon: &Abandon<'_>,
    ) -> Result<(Estimate, Gradient)> {
        if estimator == GradientEstimator::Conditioning {
            return self.conditioning_gradient(problem);
        }
        self.limit_gradient_reduced(problem, &reduce(problem), estimator, abandon)
    }

    /// [`Genz::limit_gradient`] given the reordered factorisation of `problem` (computed once
    /// per request and shared with the fallbacks of `auto`).
    pub(crate) fn limit_gradient_reduced(
        &self,
        problem: &Problem,
        reduction: &Reduction,
        estimator: GradientEstimator,
        abandon: &Abandon<'_>,
    ) -> Result<(Estimate, Gradient)> {
        let single_pass = match estimator {
            GradientEstimator::Conditioning => return self.conditioning_gradient(problem),
            GradientEstimator::Pinned => SinglePass::Pinned,
            GradientEstimator::Pathwise => SinglePass::Pathwise,
        };
        let d = problem.dim();
        match reduction {
            Reduction::Factor(factor) if factor.rank() > 1 => {
                self.gradient_run(factor, d, single_pass, abandon)
            }
            _ => {
                // No randomness: one evaluation of the value and the pinned gradient is exact.
                let estimate = self.integrate_reduced(reduction, NEVER)?;
                let mut lower = vec![0.0; 2 * d];
                if let Reduction::Factor(f) = reduction {
                    f.values_and_gradients(SinglePass::Pinned, &[], 0, 1, &mut Scratch::new(1), &mut lower);
                }
                let upper = lower.split_off(d);
                Ok((estimate, Gradient::exact(lower, upper)))
            }
        }
    }

    /// One RQMC run of the value (output 0) and the 2d limit derivatives (outputs 1 … 2d) given by
    /// `estimator`, summarised with an error estimate per component.
    fn gradient_run(
        &self,
        factor: &OrderedFactor,
        d: usize,
        estimator: SinglePass,
        abandon: &Abandon<'_>,
    ) -> Result<(Estimate, Gradient)> {
        let dims = factor.rank() - 1;
        let run = self.run(factor, 1 + 2 * d, None, abandon, |points, count, scratch, acc| {
            let (value, gradient) = acc.split_at_mut(1);
            let values = factor.values_and_gradients(estimator, points, dims, count, scratch, gradient);
            for v in &values[..count] {
                value[0] += v;
            }
        })?;
        let estimate = self.estimate_from(&run);
        let m = self.settings.error_multiplier();
        let component = |o: usize| run.summary(o, m);
        let (lower, lower_error): (Vec<f64>, Vec<f64>) = (0..d).map(|k| component(1 + k)).unzip();
        let (upper, upper_error): (Vec<f64>, Vec<f64>) = (0..d).map(|k| component(1 + d + k)).unzip();
        Ok((estimate, Gradient::from_limits(lower, upper, lower_error, upper_error)))
    }

    /// The probability and its gradient by the conditioning theorem: for every finite limit,
    /// ∂P/∂b_k = φ_k(b_k) · P(a_{−k} ≤ X_{−k} ≤ b_{−k} | X_k = b_k) (minus sign at a_k), each
    /// conditional (d − 1)-dimensional probability integrated by this method with its own
    /// randomisations (seeds derived from the settings' seed), absolute tolerance
    /// abs_tol / φ_k(b_k), and error estimate. Costs up to 2d integrations.
    ///
    /// # Errors
    ///
    /// As [`Integrator::integrate`].
    fn conditioning_gradient(&self, problem: &Problem) -> Result<(Estimate, Gradient)> {
        let estimate = self.integrate(problem)?;
        let gradient = limit_gradient_by_conditioning(problem, |rest, k, side, density| {
            let mut settings = self.settings;
            settings.rqmc.abs_tol = self.settings.rqmc.abs_tol / density;
            settings.rqmc.seed = derive_seed(self.settings.rqmc.seed, (2 * k + side + 1) as u64 * 0x1_0000);
            Genz::new(settings)?.integrate(rest)
        })?;
        Ok((estimate, gradient))
    }
}

impl Differentiable for Genz {
    /// P and its gradient by the estimator of `options` (see [`GradientEstimator`]), the
    /// covariance part by conditioning when requested.
    fn integrate_with_gradient(
        &self,
        problem: &Problem,
        options: GradientOptions,
    ) -> Result<(Estimate, Gradient)> {
        let limits = self.limit_gradient(problem, options.estimator, NEVER)?;
        gradient::complete(problem, options, limits, |p| self.integrate(p))
    }
}

impl Integrator for Genz {
    fn name(&self) -> String {
        match self.settings.rqmc.point_set {
            PointSetKind::Sobol => names::GENZ.into(),
            PointSetKind::Lattice => names::GENZ_LATTICE.into(),
        }
    }

    /// Reorders, factorises and integrates by RQMC (see the module documentation). Problems that
    /// reduce to a single stochastic variable are evaluated exactly (error 0).
    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        self.integrate_reduced(&reduce(problem), NEVER)
    }
}
