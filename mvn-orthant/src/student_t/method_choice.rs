//! The method choice for the multivariate t: one entry point, [`integrate`], with the same
//! [`MethodChoice`] and [`Settings`] as the normal [`crate::integrate`].
//!
//! The `auto` rule, in order:
//!
//! 1. ν = ∞: the normal [`crate::integrate`] with the same choice and settings.
//! 2. An exact method ([`integrate_exact`]: d ≤ 3 after dropping unbounded coordinates, a
//!    one-factor scale matrix, a cone).
//! 3. Otherwise (ν ≤ 10⁷) Genz's method for the t (`super::genz`: the chi variable as one more
//!    coordinate) with scrambled Sobol points and the settings' tolerances.
//! 4. Rare events, by the normal rule (`crate::auto`, step 5: the same criterion and threshold):
//!    after its first 2¹⁵ evaluations (`EVALUATIONS_BEFORE_HANDOVER`: the chi coordinate makes
//!    the first rounds noisy), the Genz run is abandoned after a round with an estimate of 0, or
//!    with fewer than two correct digits when the tolerance allows fewer than two digits or the
//!    budget cannot reach it; a finished run with an estimate of 0 or fewer than two correct digits is handed over
//!    too. A rare event is refined to a relative error of `rel_tol` (10⁻³ when it is 0) by
//!    whichever of Genz's method for the t and the chi mixture with the normal minimax tilting
//!    inside (`super::tilting`, relative accuracy) does it with less work, by the normal rule
//!    (`crate::auto`'s `RareEventRule`; its pilot is the first round of the tilted t, and it
//!    compares nothing before 2¹⁵ evaluations). Where the tilted t runs, the better of its
//!    estimate and the first Genz one is returned (converged over not converged, then the
//!    smaller error). ν > 10⁷, where Genz's method for the t does not run, goes to the tilted
//!    estimator directly.
//!
//! `genz` and `genz-lattice` run Genz's method for the t with their point set for any problem;
//! `tilted` runs the chi mixture with tilting inside for any problem; `monte-carlo` samples
//! X = μ + Z/√(W/ν) crudely; `exact` fails with [`Error::MethodNotApplicable`] where no exact
//! method applies.

use super::gradient::{integrate_with_gradient_exact, limit_gradient_by_conditioning};
use super::{genz, integrate_exact, tilting::integrate_tilted, StudentProblem};
use crate::auto::{better, is_rare_for_genz, refine_rare_event, MethodChoice, RareEventRule, Settings};
use crate::error::{Error, Result};
use crate::estimate::{tolerance_met, Estimate};
use crate::genz::factor::reduce;
use crate::genz::NEVER;
use crate::gradient::Gradient;
use crate::qmc::PointSetKind;

/// The evaluations Genz's method for the t spends before the normal rare-event rule may hand it
/// over to tilting (step 4 of the module docs). The chi coordinate makes the first rounds of
/// Genz-t far noisier than the normal's (a spread of several percent at P ≈ 0.05 after 1024
/// evaluations), and the rule's Monte Carlo-rate prediction of the cost from such a round would
/// hand even common events over; 2¹⁵ evaluations cost little beside a tilted run.
pub(crate) const EVALUATIONS_BEFORE_HANDOVER: u64 = 1 << 15;

/// P(a ≤ X ≤ b) for X = μ + Z/√(W/ν) with the chosen method and settings.
///
/// * `Exact`: [`integrate_exact`];
/// * `Genz`, `GenzLattice`: Genz's method for the t (`super::genz`);
/// * `Tilted`: the chi mixture with the normal minimax tilting inside (`super::tilting`);
/// * `MonteCarlo`: crude sampling of X = μ + Z/√(W/ν) (`super::monte_carlo`), `max_evaluations`
///   draws;
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
///
/// // A tail (P ≈ 2e-13) with relative accuracy, against the exact one-factor t.
/// let sigma = Covariance::equicorrelated(5, 0.5).unwrap();
/// let t = student_t::StudentProblem::new(Problem::lower_orthant(sigma, vec![-300.0; 5]).unwrap(), 5.0).unwrap();
/// let exact = student_t::integrate_exact(&t).unwrap();
/// let e = student_t::integrate(&t, MethodChoice::Tilted, &Settings::default()).unwrap();
/// assert!(exact.value < 1e-12 && e.error < 1e-3 * e.value);
/// assert!((e.value - exact.value).abs() <= e.error);
/// ```
pub fn integrate(student: &StudentProblem, choice: MethodChoice, settings: &Settings) -> Result<Estimate> {
    settings.validate()?;
    if student.is_normal() {
        return crate::auto::integrate(student.problem(), choice, settings);
    }
    let nu = student.degrees_of_freedom();
    let genz_t = |point_set: PointSetKind| {
        genz::integrate_reduced(&settings.genz(point_set), &reduce(student.problem()), nu, NEVER)
    };
    match choice {
        MethodChoice::Exact => integrate_exact(student),
        MethodChoice::Auto => match integrate_exact(student) {
            Err(Error::MethodNotApplicable { .. }) => auto_inexact(student, settings),
            result => result,
        },
        MethodChoice::Genz => genz_t(PointSetKind::Sobol),
        MethodChoice::GenzLattice => genz_t(PointSetKind::Lattice),
        MethodChoice::Tilted => integrate_tilted(student, settings),
        MethodChoice::MonteCarlo => {
            let e =
                super::monte_carlo::integrate_monte_carlo(student, settings.max_evaluations, settings.seed)?;
            // A fixed sample: converged only if its interval happens to meet the tolerance.
            let converged = tolerance_met(e.error, e.value, settings.abs_tol, settings.rel_tol);
            Ok(Estimate { converged, ..e })
        }
    }
}

/// `auto` where no exact method applies: Genz's method for the t, handed over to the tilted
/// estimator on a rare event by the normal rule (steps 3 and 4 of the module docs).
fn auto_inexact(student: &StudentProblem, settings: &Settings) -> Result<Estimate> {
    let nu = student.degrees_of_freedom();
    if nu > genz::MAX_DEGREES_OF_FREEDOM {
        return integrate_tilted(student, settings);
    }
    let hopeless = |value: f64, spread: f64, evaluations: u64| {
        evaluations >= EVALUATIONS_BEFORE_HANDOVER && settings.genz_is_hopeless(value, spread, evaluations)
    };
    let reduction = reduce(student.problem());
    let genz = genz::integrate_reduced(&settings.genz(PointSetKind::Sobol), &reduction, nu, &hopeless)?;
    if !is_rare_for_genz(&genz) {
        return Ok(genz);
    }
    let rule = RareEventRule::new(settings, student.problem(), &reduction, genz.evaluations, Some(student));
    if let Some(refined) =
        refine_rare_event(rule, |g, abandon| genz::integrate_reduced(g, &reduction, nu, abandon))?
    {
        return Ok(refined);
    }
    match integrate_tilted(student, settings) {
        Ok(tilted) => Ok(better(tilted, genz)),
        Err(Error::MethodNotApplicable { .. }) => Ok(genz),
        Err(e) => Err(e),
    }
}

/// P(a ≤ X ≤ b) (as [`integrate`]) and its gradient with respect to a, b and μ by the
/// conditioning formula (`student_t::gradient`): ∂P/∂b_k = f_ν(z_k)/√Σ_kk · P₋ₖ, where P₋ₖ is
/// the probability of the other coordinates given X_k = b_k, a t probability with ν + 1 degrees
/// of freedom, computed by the same `choice` (for `auto`: an exact method where one applies,
/// else Genz's method for the t or, for a rare event, the tilted estimator), with absolute
/// tolerance abs_tol/density and a seed derived from the settings' seed; each
/// component comes with its error (density × the conditional estimate's error). Costs up to 2d
/// integrations of dimension d − 1 besides P. ν = ∞: the normal
/// [`crate::integrate_with_gradient`] with default options.
///
/// # Errors
///
/// As [`integrate`] for the problem and each conditional problem.
///
/// ```
/// use mvn_orthant::{student_t, Covariance, MethodChoice, Problem, Settings};
/// let p = Problem::lower_orthant(Covariance::identity(1).unwrap(), vec![1.0]).unwrap();
/// let t = student_t::StudentProblem::new(p, 1.0).unwrap();
/// let (_, g) = student_t::integrate_with_gradient(&t, MethodChoice::Auto, &Settings::default()).unwrap();
/// // ν = 1 (Cauchy): the density at 1 is 1/(2π).
/// assert!((g.upper[0] - 0.5 / std::f64::consts::PI).abs() < 1e-16);
/// ```
pub fn integrate_with_gradient(
    student: &StudentProblem,
    choice: MethodChoice,
    settings: &Settings,
) -> Result<(Estimate, Gradient)> {
    settings.validate()?;
    if student.is_normal() {
        return crate::auto::integrate_with_gradient(
            student.problem(),
            choice,
            settings,
            crate::GradientOptions::default(),
        );
    }
    if matches!(choice, MethodChoice::Exact | MethodChoice::Auto) {
        match integrate_with_gradient_exact(student) {
            Err(Error::MethodNotApplicable { .. }) if choice == MethodChoice::Auto => {}
            result => return result,
        }
    }
    // `auto` where no exact gradient applies: the value and every conditional by `auto` (an
    // exact method where the conditional has one, Genz's method, tilting for rare events).
    let inner = choice;
    let estimate = integrate(student, inner, settings)?;
    let gradient = limit_gradient_by_conditioning(student, |conditional, k, side, density| {
        let conditional_settings = Settings {
            // Finite, as a tolerance must be (a subnormal density would overflow it).
            abs_tol: (settings.abs_tol / density).min(f64::MAX),
            seed: crate::qmc::derive_seed(settings.seed, (2 * k + side + 1) as u64 * 0x1_0000),
            ..*settings
        };
        integrate(conditional, inner, &conditional_settings)
    })?;
    Ok((estimate, gradient))
}
