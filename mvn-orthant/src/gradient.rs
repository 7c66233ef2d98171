//! Gradients of rectangle probabilities: the one result type [`Gradient`], the one trait
//! [`Differentiable`] that every method type implements, and its [`GradientOptions`].
//!
//! For P(a, b, μ, Σ) = P(a ≤ X ≤ b), X ~ N(μ, Σ):
//!
//! * ∂P/∂b_k = φ_k(b_k) · P(a_{−k} ≤ X_{−k} ≤ b_{−k} | X_k = b_k), with φ_k the marginal density of
//!   X_k; ∂P/∂a_k is the same at a_k with a minus sign (the conditioning theorem, see
//!   `docs/gradients.md`).
//! * ∂P/∂μ = −(∂P/∂a + ∂P/∂b), because shifting the mean is shifting both limits the other way.
//! * Components for infinite limits are 0.
//! * ∂P/∂Σ (on request, [`GradientOptions::covariance`]): from the method where it has it in
//!   closed form (the exact methods for d ≤ 3), otherwise by Plackett's identity evaluated by
//!   conditioning (see [`Differentiable`]).
//!
//! ```
//! use mvn_orthant::{Covariance, Differentiable, Genz, GradientOptions, Problem};
//! let sigma = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
//! let problem = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
//! let (estimate, gradient) =
//!     Genz::default().integrate_with_gradient(&problem, GradientOptions::default().with_covariance()).unwrap();
//! // ∂P/∂b_k = φ(0)·Φ(0 | ρ = ½) = φ(0)/2 for each k; ∂P/∂Σ₁₂ = φ₂(0, 0; ρ) = 1/(2π√(1 − ρ²)).
//! let half_density = 0.5 / (2.0 * std::f64::consts::PI).sqrt();
//! assert!((gradient.upper[0] - half_density).abs() <= gradient.upper_error[0].max(1e-9));
//! let covariance = gradient.covariance.unwrap();
//! let pair = 1.0 / (2.0 * std::f64::consts::PI * 0.75f64.sqrt());
//! assert!((covariance[1] - pair).abs() <= gradient.covariance_error.unwrap()[1].max(1e-9));
//! assert!((estimate.value - 1.0 / 3.0).abs() <= estimate.error.max(1e-9));
//! ```

use crate::error::{Error, Result};
use crate::estimate::{Estimate, Integrator, Method};
use crate::problem::Problem;

/// Which estimator of the limit derivatives a sampling method uses ([`crate::Genz`]; the exact
/// methods ignore it). `docs/gradients.md` compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GradientEstimator {
    /// The derivative of the integrand at each point (reverse mode), from the same points and
    /// randomisations as the value: about twice the value's cost, O(r²) per point.
    #[default]
    Pathwise,
    /// Each active bound pinned in turn (the conditioning theorem given the earlier steps), from
    /// the same points as the value: O(r³) per point.
    Pinned,
    /// The conditioning theorem with one separate integration of dimension d − 1 per finite
    /// limit (up to 2d integrations).
    Conditioning,
}

/// What a gradient computation returns beyond the limit and mean derivatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GradientOptions {
    /// The estimator of the limit derivatives (sampling methods).
    pub estimator: GradientEstimator,
    /// Whether ∂P/∂Σ is computed too ([`Gradient::covariance`] and
    /// [`Gradient::covariance_error`]); where the method has it in closed form it is returned
    /// either way.
    pub covariance: bool,
}

impl GradientOptions {
    /// The same options with the covariance derivative requested.
    pub fn with_covariance(self) -> Self {
        GradientOptions { covariance: true, ..self }
    }

    /// The same options with another estimator of the limit derivatives.
    pub fn estimator(self, estimator: GradientEstimator) -> Self {
        GradientOptions { estimator, ..self }
    }
}

/// A method that computes P together with its gradient: every method type of the crate
/// implements it (those that estimate P only, [`crate::tilting::Tilted`] and
/// [`crate::MonteCarlo`], answer [`Error::MethodNotApplicable`]).
pub trait Differentiable: Integrator {
    /// P(a ≤ X ≤ b) and its gradient with respect to the limits and the mean, each component
    /// with its error estimate, and (per `options`) with respect to the covariance.
    ///
    /// Where the method gives no covariance derivative of its own, it is evaluated by
    /// Plackett's identity (`docs/gradients.md`) by conditioning: for i ≠ j,
    ///
    /// ∂P/∂Σ_ij = Σ_corners ± f_ij(c_i, c_j) · P(a_{−ij} ≤ X_{−ij} ≤ b_{−ij} | X_i = c_i, X_j = c_j)
    ///
    /// over the finite corners (c_i, c_j) of the (i, j) face (+ where both are upper or both
    /// lower limits), each conditional probability by this method; and for the diagonal, by the
    /// chain rule through the standardised limits and the correlations,
    ///
    /// ∂P/∂Σ_ii = −[(b_i − μ_i) ∂P/∂b_i + (a_i − μ_i) ∂P/∂a_i]/(2Σ_ii) − Σ_{j≠i} Σ_ij ∂P/∂Σ_ij/(2Σ_ii).
    ///
    /// That costs one integral of dimension d − 2 per finite corner of every pair. Errors of
    /// the covariance entries are sums of the absolute errors of the terms, each a 99%
    /// half-width.
    ///
    /// # Errors
    ///
    /// As [`Integrator::integrate`]; [`Error::MethodNotApplicable`] for a method that gives no
    /// gradient, and, when the covariance derivative is requested by conditioning, when a
    /// variance is zero or a pair of variables is perfectly correlated (no bivariate density).
    fn integrate_with_gradient(
        &self,
        problem: &Problem,
        options: GradientOptions,
    ) -> Result<(Estimate, Gradient)>;
}

/// Completes a method's value and limit gradient per `options`: the covariance derivative by
/// conditioning (see [`Differentiable::integrate_with_gradient`]) with `integrate` for the
/// conditional probabilities, when requested and not given by the method; the error of a
/// covariance derivative given by an exact method (0).
pub(crate) fn complete<F>(
    problem: &Problem,
    options: GradientOptions,
    (estimate, mut gradient): (Estimate, Gradient),
    integrate: F,
) -> Result<(Estimate, Gradient)>
where
    F: FnMut(&Problem) -> Result<Estimate>,
{
    if let (Some(c), None) = (&gradient.covariance, &gradient.covariance_error) {
        gradient.covariance_error = Some(vec![0.0; c.len()]);
    }
    if options.covariance && gradient.covariance.is_none() {
        let (covariance, error) = covariance_by_conditioning(problem, &gradient, integrate)?;
        gradient.covariance = Some(covariance);
        gradient.covariance_error = Some(error);
    }
    Ok((estimate, gradient))
}

/// The error of a method that gives no gradient.
pub(crate) fn no_gradient(method: &str) -> Error {
    Error::MethodNotApplicable {
        method: method.into(),
        reason: "this method estimates the probability only, not its gradient".into(),
    }
}

/// ∂P/∂Σ by Plackett's identity evaluated by conditioning (see
/// [`Differentiable::integrate_with_gradient`]), from the limit derivatives `limits`; returns the
/// row-major d × d derivative and its error estimates.
fn covariance_by_conditioning<F>(
    problem: &Problem,
    limits: &Gradient,
    mut integrate: F,
) -> Result<(Vec<f64>, Vec<f64>)>
where
    F: FnMut(&Problem) -> Result<Estimate>,
{
    let d = problem.dim();
    let sigma = problem.covariance();
    let (mean, lower, upper) = (problem.mean(), problem.lower(), problem.upper());
    let not_applicable =
        |reason: String| Error::MethodNotApplicable { method: "covariance gradient".into(), reason };
    let mut gradient = vec![0.0; d * d];
    let mut error = vec![0.0; d * d];
    for i in 0..d {
        if sigma.get(i, i) <= 0.0 {
            return Err(not_applicable(format!("variable {i} has zero variance")));
        }
    }
    for i in 0..d {
        for j in (i + 1)..d {
            let (sii, sjj, sij) = (sigma.get(i, i), sigma.get(j, j), sigma.get(i, j));
            let determinant = sii * sjj - sij * sij;
            if determinant <= 1e-14 * sii * sjj {
                return Err(not_applicable(format!(
                    "variables {i} and {j} are perfectly correlated: no bivariate density"
                )));
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
                        let given_i = problem.conditional(i, ci)?;
                        let given_both = given_i.conditional(j - 1, cj)?;
                        integrate(&given_both)?
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

/// The limit derivatives by the conditioning theorem: for every finite limit c of coordinate k
/// with σ_kk > 0,
///
/// ∂P/∂b_k = φ_k(b_k) · P(a_{−k} ≤ X_{−k} ≤ b_{−k} | X_k = b_k), and −φ_k(a_k) · P(… | X_k = a_k),
///
/// where `conditional(rest, k, side, density)` computes the conditional (d − 1)-dimensional
/// probability of `rest` = [`Problem::conditional`]`(k, c)` with the method
/// of the caller (`side` is 0 for a_k and 1 for b_k, `density` = φ_k(c), by which the caller
/// scales its absolute tolerance). Each component's error is φ_k(c) times the conditional
/// estimate's error. For d = 1 the conditional probability is 1 and no call is made.
///
/// # Errors
///
/// Whatever `conditional` returns.
pub(crate) fn limit_gradient_by_conditioning<F>(problem: &Problem, mut conditional: F) -> Result<Gradient>
where
    F: FnMut(&Problem, usize, usize, f64) -> Result<Estimate>,
{
    limit_gradient_by_marginal_and_conditional(problem, crate::normal::pdf, |k, side, limit, density| {
        conditional(&problem.conditional(k, limit)?, k, side, density)
    })
}

/// The conditioning theorem's loop, for any elliptical law: for every finite limit c of
/// coordinate k with Σ_kk > 0, ∂P/∂c = ±f(z)/√Σ_kk · P₋ₖ(c) with z = (c − μ_k)/√Σ_kk, the
/// standardised marginal density f given by `marginal_density` (φ for the normal, the t density
/// for the t) and P₋ₖ by `conditional(k, side, c, density)` (side 0: a_k, 1: b_k; `density` the
/// factor it is multiplied by). Each component's error is the density times the conditional
/// estimate's error; for d = 1, P₋ₖ = 1 and no call is made.
pub(crate) fn limit_gradient_by_marginal_and_conditional(
    problem: &Problem,
    marginal_density: impl Fn(f64) -> f64,
    mut conditional: impl FnMut(usize, usize, f64, f64) -> Result<Estimate>,
) -> Result<Gradient> {
    let d = problem.dim();
    let mut limits = [vec![0.0; d], vec![0.0; d]];
    let mut errors = [vec![0.0; d], vec![0.0; d]];
    let sigma = problem.covariance();
    for k in 0..d {
        let variance = sigma.get(k, k);
        if variance <= 0.0 {
            continue;
        }
        let sd = variance.sqrt();
        for (side, limit) in [(0usize, problem.lower()[k]), (1usize, problem.upper()[k])] {
            if !limit.is_finite() {
                continue;
            }
            let density = marginal_density((limit - problem.mean()[k]) / sd) / sd;
            if density == 0.0 {
                continue;
            }
            let sign = if side == 0 { -1.0 } else { 1.0 };
            if d == 1 {
                limits[side][k] = sign * density;
                continue;
            }
            let e = conditional(k, side, limit, density)?;
            limits[side][k] = sign * density * e.value;
            errors[side][k] = density * e.error;
        }
    }
    let [lower, upper] = limits;
    let [lower_error, upper_error] = errors;
    Ok(Gradient::from_limits(lower, upper, lower_error, upper_error))
}

/// The gradient of a rectangle probability with respect to the limits, the mean and (optionally)
/// the covariance, with error estimates for each component.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient {
    /// ∂P/∂a_k for every coordinate (0 where a_k = −∞).
    pub lower: Vec<f64>,
    /// ∂P/∂b_k for every coordinate (0 where b_k = +∞).
    pub upper: Vec<f64>,
    /// ∂P/∂μ_k = −(∂P/∂a_k + ∂P/∂b_k).
    pub mean: Vec<f64>,
    /// Absolute error estimates of `lower` (0 for exact methods; otherwise the half-width of a
    /// [`CONFIDENCE_LEVEL`](crate::CONFIDENCE_LEVEL) interval, the rounding floor included; +∞
    /// where the error is unknown, e.g. a Genz run whose value estimate is 0 on a rare event).
    pub lower_error: Vec<f64>,
    /// Absolute error estimates of `upper`.
    pub upper_error: Vec<f64>,
    /// Absolute error estimates of `mean`.
    pub mean_error: Vec<f64>,
    /// Row-major d × d derivative with respect to the covariance entries, when computed. Entry
    /// (i, j) with i ≠ j is the derivative with respect to the symmetric pair Σ_ij = Σ_ji moved
    /// together (one parameter), so the matrix is symmetric; entry (i, i) is ∂P/∂Σ_ii.
    pub covariance: Option<Vec<f64>>,
    /// Absolute error estimates of `covariance`, when it is computed (0 for exact methods).
    pub covariance_error: Option<Vec<f64>>,
}

impl Gradient {
    /// Assembles a gradient from the limit derivatives and their error estimates; the mean
    /// derivative and its error (errors added, a conservative bound) are derived.
    pub fn from_limits(
        lower: Vec<f64>,
        upper: Vec<f64>,
        lower_error: Vec<f64>,
        upper_error: Vec<f64>,
    ) -> Self {
        let mean = lower.iter().zip(&upper).map(|(a, b)| -(a + b)).collect();
        let mean_error = lower_error.iter().zip(&upper_error).map(|(a, b)| a + b).collect();
        Gradient {
            lower,
            upper,
            mean,
            lower_error,
            upper_error,
            mean_error,
            covariance: None,
            covariance_error: None,
        }
    }

    /// An exact gradient (zero error estimates).
    pub fn exact(lower: Vec<f64>, upper: Vec<f64>) -> Self {
        let d = lower.len();
        Self::from_limits(lower, upper, vec![0.0; d], vec![0.0; d])
    }

    /// The gradient of an empty box ([`Problem::is_empty_box`](crate::Problem::is_empty_box)):
    /// every derivative is exactly 0, the covariance part included, since moving any finite
    /// parameter a little leaves the box empty.
    pub fn empty_box(dim: usize) -> Self {
        Gradient {
            covariance: Some(vec![0.0; dim * dim]),
            covariance_error: Some(vec![0.0; dim * dim]),
            ..Self::exact(vec![0.0; dim], vec![0.0; dim])
        }
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.upper.len()
    }
}

/// The exact methods and the one-factor reduction: exact gradients (error 0).
mod exact_methods {
    use super::{complete, Differentiable, Gradient, GradientOptions};
    use crate::auto::{MethodChoice, Settings};
    use crate::error::Result;
    use crate::estimate::{Estimate, Integrator};
    use crate::exact::gradient::{bivariate_gradient, trivariate_gradient, univariate_gradient};
    use crate::exact::{Bivariate, OrthantClosedForm, Trivariate, Univariate};
    use crate::one_factor::OneFactor;
    use crate::problem::Problem;

    macro_rules! exact_gradient {
        ($type:ty, $function:expr) => {
            impl Differentiable for $type {
                fn integrate_with_gradient(
                    &self,
                    problem: &Problem,
                    options: GradientOptions,
                ) -> Result<(Estimate, Gradient)> {
                    complete(problem, options, $function(self, problem)?, |p| self.integrate(p))
                }
            }
        };
    }

    exact_gradient!(Univariate, |_: &Univariate, p| univariate_gradient(p));
    exact_gradient!(Bivariate, |_: &Bivariate, p| bivariate_gradient(p));
    exact_gradient!(Trivariate, |_: &Trivariate, p| trivariate_gradient(p));
    exact_gradient!(OneFactor, |o: &OneFactor, p| o.integrate_with_gradient(p));
    exact_gradient!(OrthantClosedForm, |o: &OrthantClosedForm,
                                        p: &Problem|
     -> Result<(Estimate, Gradient)> {
        // The value by the closed form (which checks that it applies); the gradient by the exact
        // methods of the constrained coordinates (d ≤ 3, or a one-factor covariance).
        let estimate = o.integrate(p)?;
        let exact = crate::auto::integrate_with_gradient(
            p,
            MethodChoice::Exact,
            &Settings::default(),
            Default::default(),
        );
        Ok((estimate, exact?.1))
    });
}
