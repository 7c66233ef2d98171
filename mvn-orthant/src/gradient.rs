//! Gradients of rectangle probabilities: the shared result type.
//!
//! For P(a, b, μ, Σ) = P(a ≤ X ≤ b), X ~ N(μ, Σ):
//!
//! * ∂P/∂b_k = φ_k(b_k) · P(a_{−k} ≤ X_{−k} ≤ b_{−k} | X_k = b_k), with φ_k the marginal density of
//!   X_k; ∂P/∂a_k is the same at a_k with a minus sign (the conditioning theorem, see
//!   `docs/gradients.md`).
//! * ∂P/∂μ = −(∂P/∂a + ∂P/∂b), because shifting the mean is shifting both limits the other way.
//! * Components for infinite limits are 0.

use crate::error::Result;
use crate::estimate::Estimate;
use crate::problem::Problem;

/// The limit derivatives by the conditioning theorem: for every finite limit c of coordinate k
/// with σ_kk > 0,
///
/// ∂P/∂b_k = φ_k(b_k) · P(a_{−k} ≤ X_{−k} ≤ b_{−k} | X_k = b_k), and −φ_k(a_k) · P(… | X_k = a_k),
///
/// where `conditional(rest, k, side, density)` computes the conditional (d − 1)-dimensional
/// probability of `rest` = [`crate::genz::conditional_problem`]`(problem, k, c)` with the method
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
            let density = crate::normal::pdf((limit - problem.mean()[k]) / sd) / sd;
            if density == 0.0 {
                continue;
            }
            let sign = if side == 0 { -1.0 } else { 1.0 };
            if d == 1 {
                limits[side][k] = sign * density;
                continue;
            }
            let rest = crate::genz::conditional_problem(problem, k, limit)?;
            let e = conditional(&rest, k, side, density)?;
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
        Gradient { lower, upper, mean, lower_error, upper_error, mean_error, covariance: None }
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
        Gradient { covariance: Some(vec![0.0; dim * dim]), ..Self::exact(vec![0.0; dim], vec![0.0; dim]) }
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.upper.len()
    }
}
