//! The method choice for the multivariate t: one entry point, [`integrate`], with the same
//! [`MethodChoice`] and [`Settings`] as the normal [`crate::integrate`].
//!
//! The `auto` rule, in order:
//!
//! 1. ν = ∞: the normal [`crate::integrate`] with the same choice and settings.
//! 2. An exact method ([`integrate_exact`]: d ≤ 3 after dropping unbounded coordinates, a
//!    one-factor scale matrix, a cone).
//! 3. Otherwise [`Error::MethodNotApplicable`] (the t version of Genz's method comes next).

use super::{integrate_exact, StudentProblem};
use crate::auto::{MethodChoice, Settings};
use crate::error::{Error, Result};
use crate::estimate::Estimate;

/// P(a ≤ X ≤ b) for X = μ + Z/√(W/ν) with the chosen method and settings.
///
/// * `Exact`: [`integrate_exact`];
/// * `Auto`: see the module docs;
/// * ν = ∞: the normal [`crate::integrate`] for every choice.
///
/// # Errors
///
/// Invalid settings ([`Settings::validate`]); [`Error::MethodNotApplicable`] where the chosen
/// method (or, for `Auto`, every method) does not apply.
///
/// ```
/// use mvn_orthant::{student_t, Covariance, MethodChoice, Problem, Settings};
/// let sigma = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
/// let p = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
/// let t = student_t::StudentProblem::new(p, 3.0).unwrap();
/// let e = student_t::integrate(&t, MethodChoice::Auto, &Settings::default()).unwrap();
/// assert!((e.value - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn integrate(student: &StudentProblem, choice: MethodChoice, settings: &Settings) -> Result<Estimate> {
    settings.validate()?;
    if student.is_normal() {
        return crate::auto::integrate(student.problem(), choice, settings);
    }
    match choice {
        MethodChoice::Exact | MethodChoice::Auto => integrate_exact(student),
        _ => Err(Error::MethodNotApplicable {
            method: choice.name().into(),
            reason: format!(
                "not yet implemented for the multivariate t (ν = {})",
                student.degrees_of_freedom()
            ),
        }),
    }
}
