//! Method choice: one entry point that picks the best integrator for a problem, or runs the one
//! the user forces.
//!
//! The `auto` rule, in order:
//!
//! 1. Coordinates whose two limits are infinite are dropped (they integrate to 1); if none is
//!    left the probability is exactly 1.
//! 2. d = 1 → univariate; d = 2 → bivariate; d = 3 → trivariate (exact methods).
//! 3. A one-factor covariance (diagonal plus rank one, detected from Σ) → the 1-D reduction
//!    (exact, any dimension).
//! 4. Otherwise → the Genz integrator with the requested tolerances.
//! 5. Rare events. After each Genz round that has not met the tolerance, the run is abandoned
//!    when its estimate is 0, or when it has fewer than two correct digits (spread > 1% of P̂,
//!    [`RARE_EVENT_RATIO`]) and either the tolerance allows fewer than two digits
//!    (max(abs_tol, rel_tol·P̂) ≥ 1% of P̂: P is small against the tolerance) or reaching the
//!    tolerance at the Monte Carlo rate, n·(spread/target)², would exceed the budget. A finished
//!    Genz run with an estimate of 0 or fewer than two correct digits is handed over too. The
//!    minimax-tilted estimator then runs with the same tolerances, refining to a relative error
//!    of `rel_tol` (1e-3 when `rel_tol` is 0, [`DEFAULT_RARE_EVENT_REL_TOL`]); the better of the
//!    two estimates is returned (converged over not converged, then the smaller error).
//!
//! [`integrate_with_gradient`] follows the same rule with the pathwise Genz gradient; on a rare
//! event the gradient comes from the conditioning theorem, every conditional probability by
//! tilting (relative error per component).
//!
//! `exact` runs steps 1–3 and fails with [`Error::MethodNotApplicable`] when none applies.
//!
//! # What `converged` means
//!
//! For every method, [`Estimate::converged`] is [`tolerance_met`]: the reported error (99%
//! half-width, rounding floor included) is at most max(abs_tol, rel_tol · |P|), the convention of
//! [`Settings::rel_tol`]. A method that runs out of budget, or that is given no way to refine
//! (Monte Carlo draws exactly `max_evaluations` samples), reports `false` when its error does not
//! meet that target. Exact methods always report `true`.

use crate::error::{Error, Result};
use crate::estimate::{tolerance_met, Estimate, Integrator, Method};
use crate::exact::gradient::{bivariate_gradient, trivariate_gradient, univariate_gradient};
use crate::exact::{Bivariate, Trivariate, Univariate};
use crate::genz::{Genz, GenzSettings};
use crate::gradient::{limit_gradient_by_conditioning, Gradient};
use crate::monte_carlo::MonteCarlo;
use crate::one_factor::OneFactorProblem;
use crate::problem::Problem;
use crate::qmc::PointSetKind;
use crate::tilting::{Tilted, TiltingSettings};
use std::fmt;
use std::str::FromStr;

/// When the Genz estimate's error exceeds `RARE_EVENT_RATIO` · P (fewer than two correct
/// digits), `auto` switches to the tilted estimator.
pub const RARE_EVENT_RATIO: f64 = 0.01;

/// The relative tolerance the tilted estimator uses under `auto` when the user gave none.
pub const DEFAULT_RARE_EVENT_REL_TOL: f64 = 1e-3;

/// Which method the user asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MethodChoice {
    /// The best applicable method (see the module docs).
    #[default]
    Auto,
    /// An exact method (fails when none applies).
    Exact,
    /// The Genz integrator with scrambled Sobol points, forced for any problem.
    Genz,
    /// The Genz integrator with shifted rank-1 lattice points.
    GenzLattice,
    /// The minimax exponentially tilted estimator (rare events, relative error).
    Tilted,
    /// Crude Monte Carlo with `max_evaluations` samples.
    MonteCarlo,
}

impl MethodChoice {
    /// Every choice, in the order reports list them.
    pub const ALL: [MethodChoice; 6] = [
        MethodChoice::Auto,
        MethodChoice::Exact,
        MethodChoice::Genz,
        MethodChoice::GenzLattice,
        MethodChoice::Tilted,
        MethodChoice::MonteCarlo,
    ];

    /// The stable name (`"auto"`, `"exact"`, `"genz"`, `"genz-lattice"`, `"tilted"`,
    /// `"monte-carlo"`).
    pub fn name(self) -> &'static str {
        match self {
            MethodChoice::Auto => "auto",
            MethodChoice::Exact => "exact",
            MethodChoice::Genz => "genz",
            MethodChoice::GenzLattice => "genz-lattice",
            MethodChoice::Tilted => "tilted",
            MethodChoice::MonteCarlo => "monte-carlo",
        }
    }
}

impl fmt::Display for MethodChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MethodChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        MethodChoice::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| Error::InvalidArgument {
            name: "method".into(),
            reason: format!(
                "unknown method {s:?}; expected one of {}",
                MethodChoice::ALL.map(MethodChoice::name).join(", ")
            ),
        })
    }
}

/// Tolerances, budget and seed shared by every method (exact methods ignore them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Absolute error target (≥ 0).
    pub abs_tol: f64,
    /// Relative error target (≥ 0); the target is max(abs_tol, rel_tol · P).
    pub rel_tol: f64,
    /// Largest number of integrand evaluations (samples) a stochastic method may spend. The
    /// quasi-Monte Carlo methods shrink their first round to fit it (to a power of two per
    /// randomisation) and need at least one point per randomisation, so budgets below 8 (Genz)
    /// or 16 (tilted) are raised to that minimum.
    pub max_evaluations: u64,
    /// Seed of the randomisation.
    pub seed: u64,
}

impl Default for Settings {
    /// abs_tol 1e-6, rel_tol 0, 10⁷ evaluations, seed 0.
    fn default() -> Self {
        Settings { abs_tol: 1e-6, rel_tol: 0.0, max_evaluations: 10_000_000, seed: 0 }
    }
}

impl Settings {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTolerance`] for a negative or non-finite tolerance or both tolerances 0;
    /// [`Error::InvalidBudget`] for a zero evaluation budget.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [("abs_tol", self.abs_tol), ("rel_tol", self.rel_tol)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::InvalidTolerance { name: name.into(), value });
            }
        }
        if self.abs_tol == 0.0 && self.rel_tol == 0.0 {
            return Err(Error::InvalidTolerance { name: "abs_tol".into(), value: 0.0 });
        }
        if self.max_evaluations == 0 {
            return Err(Error::InvalidBudget {
                name: "max_evaluations".into(),
                value: 0,
                reason: "at least one evaluation is needed".into(),
            });
        }
        Ok(())
    }
}

impl Settings {
    fn genz(&self, point_set: PointSetKind) -> Result<Genz> {
        let defaults = GenzSettings::default();
        // The first round must fit the budget: shrink it (to a power of two) for small budgets.
        let per_randomisation = (self.max_evaluations / defaults.randomizations as u64).max(1);
        let largest_fitting = 1u64 << (63 - per_randomisation.leading_zeros());
        Genz::new(GenzSettings {
            abs_tol: self.abs_tol,
            rel_tol: self.rel_tol,
            max_evaluations: self.max_evaluations.max(defaults.randomizations as u64),
            seed: self.seed,
            point_set,
            initial_points: defaults.initial_points.min(largest_fitting),
            well_conditioned_initial_points: defaults.well_conditioned_initial_points.min(largest_fitting),
            ..defaults
        })
    }

    /// The tilted estimator for these settings. It has converged when error ≤ max(abs_tol,
    /// rel_tol · P), as every method; it also keeps refining until its relative error is at most
    /// `rel_tol` (or [`DEFAULT_RARE_EVENT_REL_TOL`] when `rel_tol` is 0), so that a rare event
    /// far below `abs_tol` still comes back with a few correct digits.
    fn tilted(&self) -> Result<Tilted> {
        let required_rel_tol = if self.rel_tol > 0.0 { self.rel_tol } else { DEFAULT_RARE_EVENT_REL_TOL };
        let defaults = TiltingSettings::default();
        let per_randomisation = (self.max_evaluations / defaults.randomizations as u64).max(1);
        let largest_fitting = 1u64 << (63 - per_randomisation.leading_zeros());
        Tilted::new(TiltingSettings {
            rel_tol: self.rel_tol,
            abs_tol: self.abs_tol,
            required_rel_tol,
            max_evaluations: self.max_evaluations.max(defaults.randomizations as u64),
            seed: self.seed,
            initial_points: defaults.initial_points.min(largest_fitting),
            ..defaults
        })
    }

    /// Whether a Genz run that has not met its tolerance should hand over to the tilted
    /// estimator now: its estimate is 0, or it has fewer than two correct digits
    /// (`spread > RARE_EVENT_RATIO · P̂`) and either the tolerance itself allows fewer than two
    /// digits (so that `auto` would switch at the end anyway) or reaching it at the Monte Carlo
    /// rate, evaluations · (spread/target)², would exceed the budget.
    fn genz_is_hopeless(&self, value: f64, spread: f64, evaluations: u64) -> bool {
        if value <= 0.0 {
            return true;
        }
        if spread <= RARE_EVENT_RATIO * value {
            return false;
        }
        let target = self.abs_tol.max(self.rel_tol * value);
        let predicted = evaluations as f64 * (spread / target).powi(2);
        target >= RARE_EVENT_RATIO * value || predicted > self.max_evaluations as f64
    }
}

/// Whether a Genz result leaves `auto` to try the tilted estimator: an estimate of 0, or fewer
/// than two correct digits.
fn is_rare_for_genz(estimate: &Estimate) -> bool {
    !(estimate.value > 0.0 && estimate.error <= RARE_EVENT_RATIO * estimate.value)
}

/// Of two estimates of the same probability, the better: a converged one over one that is not,
/// then the smaller error (the first on ties).
fn better(first: Estimate, second: Estimate) -> Estimate {
    match (first.converged, second.converged) {
        (true, false) => first,
        (false, true) => second,
        _ if second.error < first.error => second,
        _ => first,
    }
}

/// P for `auto` on a rare event: the exact method when one applies, else the tilted estimator.
fn rare_event_value(problem: &Problem, settings: &Settings) -> Result<Estimate> {
    let Some(reduced) = problem.without_unbounded() else {
        return Ok(Estimate::exact(1.0, Method::Trivial, 0));
    };
    match exact_method(&reduced) {
        Some(result) => result,
        None => settings.tilted()?.integrate(&reduced),
    }
}

/// The gradient of a rare event by the conditioning theorem, every conditional probability by
/// [`rare_event_value`] (tilting, relative error): ∂P/∂b_k = φ_k(b_k) · P(rest | X_k = b_k)
/// (minus sign at a_k), with absolute tolerance abs_tol/φ_k(b_k) and the relative tolerance of
/// the settings, seeds derived from the settings' seed. Costs up to 2d tilted integrations of
/// dimension d − 1.
fn rare_event_gradient(problem: &Problem, settings: &Settings) -> Result<Gradient> {
    limit_gradient_by_conditioning(problem, |rest, k, side, density| {
        let conditional_settings = Settings {
            abs_tol: settings.abs_tol / density,
            seed: crate::qmc::derive_seed(settings.seed, (2 * k + side + 1) as u64 * 0x1_0000),
            ..*settings
        };
        rare_event_value(rest, &conditional_settings)
    })
}

/// The exact method for a problem without unbounded coordinates, if one applies.
fn exact_method(reduced: &Problem) -> Option<Result<Estimate>> {
    match reduced.dim() {
        1 => Some(Univariate.integrate(reduced)),
        2 => Some(Bivariate.integrate(reduced)),
        3 => Some(Trivariate.integrate(reduced)),
        _ => OneFactorProblem::from_problem(reduced).map(|f| Ok(f.integrate())),
    }
}

fn not_applicable(choice: MethodChoice, reason: String) -> Error {
    Error::MethodNotApplicable { method: choice.name().into(), reason }
}

/// Computes P(a ≤ X ≤ b) with the chosen method.
///
/// # Errors
///
/// Invalid settings, or [`Error::MethodNotApplicable`] when the forced method cannot handle the
/// problem.
///
/// ```
/// use mvn_orthant::{integrate, Covariance, MethodChoice, Problem, Settings};
/// let sigma = Covariance::equicorrelated(10, 0.5).unwrap();
/// let p = Problem::lower_orthant(sigma, vec![0.0; 10]).unwrap();
/// let e = integrate(&p, MethodChoice::Auto, &Settings::default()).unwrap();
/// assert!((e.value - 1.0 / 11.0).abs() < 1e-14); // one-factor: exact
/// ```
pub fn integrate(problem: &Problem, choice: MethodChoice, settings: &Settings) -> Result<Estimate> {
    settings.validate()?;
    if problem.is_empty_box() {
        return Ok(Estimate::empty_box());
    }
    match choice {
        MethodChoice::MonteCarlo => {
            let e = MonteCarlo::new(settings.max_evaluations, settings.seed)?.integrate(problem)?;
            // A fixed sample: converged only if its interval happens to meet the tolerance.
            let converged = tolerance_met(e.error, e.value, settings.abs_tol, settings.rel_tol);
            Ok(Estimate { converged, ..e })
        }
        MethodChoice::Genz => settings.genz(PointSetKind::Sobol)?.integrate(problem),
        MethodChoice::GenzLattice => settings.genz(PointSetKind::Lattice)?.integrate(problem),
        MethodChoice::Tilted => settings.tilted()?.integrate(problem),
        MethodChoice::Exact | MethodChoice::Auto => {
            let Some(reduced) = problem.without_unbounded() else {
                return Ok(Estimate::exact(1.0, Method::Trivial, 0));
            };
            if let Some(result) = exact_method(&reduced) {
                return result;
            }
            if choice == MethodChoice::Exact {
                return Err(not_applicable(
                    choice,
                    format!(
                        "no exact method for this {}-dimensional problem: exact formulas cover d ≤ 3 and \
                         one-factor covariances (diagonal plus rank one)",
                        reduced.dim()
                    ),
                ));
            }
            let hopeless = |value: f64, spread: f64, evaluations: u64| {
                settings.genz_is_hopeless(value, spread, evaluations)
            };
            let genz = settings.genz(PointSetKind::Sobol)?.integrate_abandoning(&reduced, &hopeless)?;
            if !is_rare_for_genz(&genz) {
                return Ok(genz);
            }
            match settings.tilted()?.integrate(&reduced) {
                Ok(tilted) => Ok(better(tilted, genz)),
                Err(Error::MethodNotApplicable { .. }) => Ok(genz),
                Err(e) => Err(e),
            }
        }
    }
}

/// Embeds a gradient of the problem restricted to `kept` coordinates into dimension `dim`
/// (unbounded coordinates have zero derivatives).
fn embed(gradient: Gradient, kept: &[usize], dim: usize) -> Gradient {
    if kept.len() == dim {
        return gradient;
    }
    let spread = |v: &[f64]| {
        let mut out = vec![0.0; dim];
        for (&i, &x) in kept.iter().zip(v) {
            out[i] = x;
        }
        out
    };
    let covariance = gradient.covariance.as_ref().map(|c| {
        let k = kept.len();
        let mut out = vec![0.0; dim * dim];
        for (a, &i) in kept.iter().enumerate() {
            for (b, &j) in kept.iter().enumerate() {
                out[i * dim + j] = c[a * k + b];
            }
        }
        out
    });
    Gradient {
        lower: spread(&gradient.lower),
        upper: spread(&gradient.upper),
        mean: spread(&gradient.mean),
        lower_error: spread(&gradient.lower_error),
        upper_error: spread(&gradient.upper_error),
        mean_error: spread(&gradient.mean_error),
        covariance,
    }
}

/// Computes P and its gradient with respect to the limits and the mean (and, for d ≤ 3, the
/// covariance) with the chosen method.
///
/// Exact methods give exact gradients; `genz` and `genz-lattice` (and `auto` where no exact
/// method applies and the event is not rare, see the module docs) use the single-pass pathwise
/// estimator
/// ([`Genz::integrate_with_pathwise_gradient`]: the derivative of the integrand at each point,
/// from the same points and randomisations as the value, about the value's cost), with an error
/// estimate per component. The pinned estimator ([`Genz::integrate_with_gradient`]) and the
/// conditioning estimator ([`Genz::gradient_by_conditioning`]) remain available on `Genz`.
///
/// # Errors
///
/// As [`integrate`]; the tilted estimator and Monte Carlo give no gradient when forced
/// ([`Error::MethodNotApplicable`]); `auto` computes the gradient of a rare event by
/// conditioning with tilting.
pub fn integrate_with_gradient(
    problem: &Problem,
    choice: MethodChoice,
    settings: &Settings,
) -> Result<(Estimate, Gradient)> {
    settings.validate()?;
    let d = problem.dim();
    if problem.is_empty_box() {
        return Ok((Estimate::empty_box(), Gradient::empty_box(d)));
    }
    match choice {
        MethodChoice::Genz => settings.genz(PointSetKind::Sobol)?.integrate_with_pathwise_gradient(problem),
        MethodChoice::GenzLattice => {
            settings.genz(PointSetKind::Lattice)?.integrate_with_pathwise_gradient(problem)
        }
        MethodChoice::Tilted | MethodChoice::MonteCarlo => {
            Err(not_applicable(choice, "this method estimates the probability only, not its gradient".into()))
        }
        MethodChoice::Exact | MethodChoice::Auto => {
            let kept = problem.constrained_indices();
            if kept.is_empty() {
                return Ok((
                    Estimate::exact(1.0, Method::Trivial, 0),
                    Gradient::exact(vec![0.0; d], vec![0.0; d]),
                ));
            }
            let reduced = problem.marginal(&kept);
            let exact = match reduced.dim() {
                1 => Some(univariate_gradient(&reduced)),
                2 => Some(bivariate_gradient(&reduced)),
                3 => Some(trivariate_gradient(&reduced)),
                _ => OneFactorProblem::from_problem(&reduced).map(|f| Ok(f.integrate_with_gradient())),
            };
            let (estimate, gradient) = match exact {
                Some(result) => result?,
                None if choice == MethodChoice::Exact => {
                    return Err(not_applicable(
                        choice,
                        format!("no exact gradient for this {}-dimensional problem", reduced.dim()),
                    ))
                }
                None => {
                    let hopeless = |value: f64, spread: f64, evaluations: u64| {
                        settings.genz_is_hopeless(value, spread, evaluations)
                    };
                    let genz = settings
                        .genz(PointSetKind::Sobol)?
                        .pathwise_gradient_abandoning(&reduced, &hopeless)?;
                    if is_rare_for_genz(&genz.0) {
                        match settings.tilted()?.integrate(&reduced) {
                            Ok(tilted) if better(tilted.clone(), genz.0.clone()) == tilted => {
                                (tilted, rare_event_gradient(&reduced, settings)?)
                            }
                            Ok(_) | Err(Error::MethodNotApplicable { .. }) => genz,
                            Err(e) => return Err(e),
                        }
                    } else {
                        genz
                    }
                }
            };
            Ok((estimate, embed(gradient, &kept, d)))
        }
    }
}

/// The `auto` method as an [`Integrator`], for harnesses that take integrators.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Auto {
    /// Which method to run.
    pub choice: MethodChoice,
    /// Its settings.
    pub settings: Settings,
}

impl Integrator for Auto {
    fn name(&self) -> String {
        self.choice.name().into()
    }

    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        integrate(problem, self.choice, &self.settings)
    }
}

/// ∂P/∂Σ for every entry of the covariance, with error estimates, for any problem the chosen
/// method can integrate.
///
/// Where the method's own gradient includes the covariance part (the exact methods for d ≤ 3),
/// that is returned. Otherwise Plackett's identity (`docs/gradients.md`) is evaluated by
/// conditioning: for i ≠ j,
///
/// ∂P/∂Σ_ij = Σ_corners ± f_ij(c_i, c_j) · P(a_{−ij} ≤ X_{−ij} ≤ b_{−ij} | X_i = c_i, X_j = c_j)
///
/// over the finite corners (c_i, c_j) of the (i, j) face (+ where both are upper or both lower
/// limits), each conditional probability computed with `choice`; and for the diagonal, by the
/// chain rule through the standardised limits and the correlations,
///
/// ∂P/∂Σ_ii = −[(b_i − μ_i) ∂P/∂b_i + (a_i − μ_i) ∂P/∂a_i]/(2Σ_ii) − Σ_{j≠i} Σ_ij ∂P/∂Σ_ij/(2Σ_ii).
///
/// Entry (i, j), i ≠ j, is the derivative with respect to the pair Σ_ij = Σ_ji moved together.
/// The cost is one integral per finite corner of every pair: O(d²) integrals of dimension d − 2.
/// Returns (row-major d × d gradient, its error estimates: sums of the absolute errors of the
/// terms, each a 99% half-width).
///
/// # Errors
///
/// As [`integrate_with_gradient`]; [`Error::MethodNotApplicable`] when a variance is zero or a
/// pair of variables is perfectly correlated (the bivariate density does not exist).
pub fn covariance_gradient(
    problem: &Problem,
    choice: MethodChoice,
    settings: &Settings,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (_, limits) = integrate_with_gradient(problem, choice, settings)?;
    let d = problem.dim();
    if let Some(exact) = limits.covariance.clone() {
        return Ok((exact, vec![0.0; d * d]));
    }
    let sigma = problem.covariance();
    let (mean, lower, upper) = (problem.mean(), problem.lower(), problem.upper());
    let mut gradient = vec![0.0; d * d];
    let mut error = vec![0.0; d * d];
    for i in 0..d {
        if sigma.get(i, i) <= 0.0 {
            return Err(not_applicable(choice, format!("variable {i} has zero variance")));
        }
    }
    for i in 0..d {
        for j in (i + 1)..d {
            let (sii, sjj, sij) = (sigma.get(i, i), sigma.get(j, j), sigma.get(i, j));
            let determinant = sii * sjj - sij * sij;
            if determinant <= 1e-14 * sii * sjj {
                return Err(not_applicable(
                    choice,
                    format!("variables {i} and {j} are perfectly correlated: no bivariate density"),
                ));
            }
            let (mut value, mut err) = (0.0, 0.0);
            for (ci, upper_i) in [(lower[i], false), (upper[i], true)] {
                for (cj, upper_j) in [(lower[j], false), (upper[j], true)] {
                    if !ci.is_finite() || !cj.is_finite() {
                        continue;
                    }
                    let (xi, xj) = (ci - mean[i], cj - mean[j]);
                    let quadratic = (sjj * xi * xi - 2.0 * sij * xi * xj + sii * xj * xj) / determinant;
                    let density =
                        (-0.5 * quadratic).exp() / (2.0 * std::f64::consts::PI * determinant.sqrt());
                    if density == 0.0 {
                        continue;
                    }
                    let rest = if d == 2 {
                        Estimate::exact(1.0, Method::Trivial, 0)
                    } else {
                        let given_i = crate::genz::conditional_problem(problem, i, ci)?;
                        let given_both = crate::genz::conditional_problem(&given_i, j - 1, cj)?;
                        integrate(&given_both, choice, settings)?
                    };
                    let sign = if upper_i == upper_j { 1.0 } else { -1.0 };
                    value += sign * density * rest.value;
                    err += density * rest.error;
                }
            }
            gradient[i * d + j] = value;
            gradient[j * d + i] = value;
            error[i * d + j] = err;
            error[j * d + i] = err;
        }
    }
    for i in 0..d {
        let sii = sigma.get(i, i);
        let weighted = |limit: f64, derivative: f64| {
            if limit.is_finite() {
                (limit - mean[i]) * derivative
            } else {
                0.0
            }
        };
        let weighted_error =
            |limit: f64, e: f64| if limit.is_finite() { (limit - mean[i]).abs() * e } else { 0.0 };
        let mut value =
            -(weighted(upper[i], limits.upper[i]) + weighted(lower[i], limits.lower[i])) / (2.0 * sii);
        let mut err = (weighted_error(upper[i], limits.upper_error[i])
            + weighted_error(lower[i], limits.lower_error[i]))
            / (2.0 * sii);
        for j in (0..d).filter(|&j| j != i) {
            let factor = sigma.get(i, j) / (2.0 * sii);
            value -= factor * gradient[i * d + j];
            err += factor.abs() * error[i * d + j];
        }
        gradient[i * d + i] = value;
        error[i * d + i] = err;
    }
    Ok((gradient, error))
}
