//! Gradients of a multivariate t probability with respect to the limits and the location.
//!
//! Differentiating P(a ≤ X ≤ b) in b_k gives the density of X_k at b_k times the probability of
//! the other coordinates' box given X_k = b_k. Given X_k = x, the other coordinates are again
//! multivariate t (Genz and Bretz 2009, §1.2):
//!
//! * with ν + 1 degrees of freedom,
//! * location μ₋ₖ + Σ₋ₖ,ₖ (x − μ_k)/Σ_kk,
//! * scale matrix c · (Σ₋ₖ,₋ₖ − Σ₋ₖ,ₖ Σₖ,₋ₖ/Σ_kk), with c = (ν + z²)/(ν + 1) and
//!   z = (x − μ_k)/√Σ_kk,
//!
//! so ∂P/∂b_k = f_ν(z)/√Σ_kk · P₋ₖ(x = b_k) and ∂P/∂a_k = −f_ν(z)/√Σ_kk · P₋ₖ(x = a_k), where f_ν
//! is the t_ν density. A shift of μ is a shift of both limits the other way:
//! ∂P/∂μ_k = −(∂P/∂a_k + ∂P/∂b_k). For ν = ∞, c = 1 and this is the normal formula.

use super::{integrate_exact as integrate, univariate, StudentProblem};
use crate::error::Result;
use crate::estimate::Estimate;
use crate::gradient::Gradient;
use crate::problem::Problem;

/// P(a ≤ X ≤ b) (as [`integrate_exact`](super::integrate_exact)) and its exact gradient with
/// respect to a, b and μ. Coordinates with zero scale (point masses) and infinite limits have
/// zero derivatives.
///
/// # Errors
///
/// As [`integrate_exact`](super::integrate_exact), for the problem and for each conditional
/// problem (the conditional scale matrix of a one-factor Σ is one-factor, so every problem it
/// accepts is accepted).
pub(crate) fn integrate_with_gradient_exact(student: &StudentProblem) -> Result<(Estimate, Gradient)> {
    let estimate = integrate(student)?;
    let gradient = limit_gradient_by_conditioning(student, |conditional, _, _, _| integrate(conditional))?;
    Ok((estimate, gradient))
}

/// The gradient with respect to a, b and μ by the conditioning formula of the module docs,
/// every conditional probability P₋ₖ by `conditional(problem, k, side, density)` (side 0: a_k,
/// 1: b_k; `density` = f_ν(z)/√Σ_kk, the factor it will be multiplied by). Each component's
/// error is the density times the conditional estimate's error; the mean's are derived
/// ([`Gradient::from_limits`]). The empty box has the zero gradient.
///
/// # Errors
///
/// Those of `conditional`, and of [`conditional_problem`].
pub(crate) fn limit_gradient_by_conditioning(
    student: &StudentProblem,
    mut conditional: impl FnMut(&StudentProblem, usize, usize, f64) -> Result<Estimate>,
) -> Result<Gradient> {
    let problem = student.problem();
    if problem.is_empty_box() {
        return Ok(Gradient::empty_box(problem.dim()));
    }
    let nu = student.degrees_of_freedom();
    crate::gradient::limit_gradient_by_marginal_and_conditional(
        problem,
        |z| univariate::pdf(z, nu),
        |k, side, limit, density| conditional(&conditional_problem(student, k, limit)?, k, side, density),
    )
}

/// The distribution of the other coordinates given X_k = x (d ≥ 2, Σ_kk > 0), as a t problem:
/// ν + 1 degrees of freedom, the normal conditional location and scale, the scale multiplied by
/// c = (ν + z²)/(ν + 1) (folded into the limits: centred limits divided by √c, location 0).
///
/// # Errors
///
/// When the Schur complement fails validation (it is positive semidefinite in exact arithmetic).
pub(crate) fn conditional_problem(student: &StudentProblem, k: usize, x: f64) -> Result<StudentProblem> {
    let problem = student.problem();
    let nu = student.degrees_of_freedom();
    let normal = problem.conditional(k, x)?;
    let z2 = {
        let z = (x - problem.mean()[k]) / problem.covariance().get(k, k).sqrt();
        z * z
    };
    let factor = if nu == f64::INFINITY { 1.0 } else { ((nu + z2) / (nu + 1.0)).sqrt() };
    let rescale =
        |v: &[f64]| -> Vec<f64> { v.iter().zip(normal.mean()).map(|(l, m)| (l - m) / factor).collect() };
    let scaled = Problem::new(
        vec![0.0; normal.dim()],
        normal.covariance().clone(),
        rescale(normal.lower()),
        rescale(normal.upper()),
    )?;
    StudentProblem::new(scaled, nu + 1.0)
}
