//! Genz's method for the multivariate t (Genz and Bretz 2002; 2009, §4.2): the chi variable as
//! one more quasi-Monte Carlo coordinate, on the normal engine.
//!
//! With X = μ + Z/S, S = √(W/ν), W ~ χ²_ν independent of Z ~ N(0, Σ),
//!
//! P(a ≤ X ≤ b) = E_S[P(S(a − μ) ≤ Z ≤ S(b − μ))] = ∫₀¹ Φ_Σ(S(u)·(a − μ), S(u)·(b − μ)) du,
//!
//! where S(u) = √(F⁻¹_{χ²_ν}(u)/ν) ([`chi_scale_quantile`]). Each point w ∈ [0, 1]^r gives
//! S from w₀ and runs the normal separation-of-variables recursion on w₁ … w_{r−1} with every
//! (centred) limit multiplied by S: the one batched recursion of the normal
//! ([`crate::genz`]'s `OrderedFactor::forward` with a limit scale per point), the one RQMC
//! driver, the same reordering (Gibson–Glasbey–Elston on the normal problem: a scale common to
//! all limits changes the interval probabilities, not much their order), point sets, error
//! estimate and determinism. The integrand has one dimension more than the normal one.

use super::gamma::chi_scale_quantile;
use crate::error::{Error, Result};
use crate::estimate::{Estimate, Method};
use crate::genz::factor::Reduction;
use crate::genz::integrand::BATCH;
use crate::genz::{Abandon, Genz};

/// The largest ν for Genz's method for the t: the series and continued fraction of the chi
/// quantile take O(√ν) terms (about 2·10⁴ at ν = 10⁷, within their cap of 10⁵); beyond, the t
/// is within O(1/ν) of the normal (ν = ∞).
pub const MAX_DEGREES_OF_FREEDOM: f64 = 1e7;

/// P(a ≤ X ≤ b) for the multivariate t with ν degrees of freedom (0 < ν ≤
/// [`MAX_DEGREES_OF_FREEDOM`]), given the
/// reduction (reordered factor) of its normal problem, by Genz's method with the chi
/// coordinate. After each round `abandon(value, spread error, evaluations)` may stop the run
/// (not converged).
///
/// # Errors
///
/// [`Error::MethodNotApplicable`] for ν > [`MAX_DEGREES_OF_FREEDOM`]; the driver's errors.
pub(crate) fn integrate_reduced(
    genz: &Genz,
    reduction: &Reduction,
    nu: f64,
    abandon: &Abandon<'_>,
) -> Result<Estimate> {
    if nu > MAX_DEGREES_OF_FREEDOM {
        return Err(Error::MethodNotApplicable {
            method: "genz (student t)".into(),
            reason: format!(
                "ν = {nu} exceeds {MAX_DEGREES_OF_FREEDOM:e}: the chi quantile would need more than \
                 10⁵ series terms; use ν = ∞ (the normal), which differs by O(1/ν)"
            ),
        });
    }
    match reduction {
        // A constant outside its interval (0) or no constraint (1): the same for every scale.
        Reduction::Trivial(p) => Ok(Estimate::exact(*p, Method::Genz, 0)),
        Reduction::Factor(factor) => {
            let r = factor.rank();
            let run = genz.run(factor, 1, Some(nu), abandon, |points, count, scratch, acc| {
                let mut scale = [1.0f64; BATCH];
                for (p, s) in scale.iter_mut().enumerate().take(count) {
                    *s = chi_scale_quantile(nu, points[p * r]);
                }
                // The normal coordinates of point p start at points[p * r + 1].
                let values = factor.values(&points[1..], r, count, &scale, scratch);
                for v in &values[..count] {
                    acc[0] += v;
                }
            })?;
            Ok(genz.estimate_from(&run))
        }
    }
}
