//! Exact methods for low dimensions: d = 1, 2, 3 boxes and closed-form zero-mean orthants
//! up to d = 4, each with its logarithm (accurate where the probability underflows) and
//! analytic gradients.
//!
//! * [`univariate`]: Φ(β) − Φ(α) without cancellation.
//! * [`bivariate`]: Genz's bivariate method with a log-space tail formulation.
//! * [`trivariate`]: Plackett's reduction (Genz 2004) with a log-space tail formulation.
//! * [`orthant`]: closed forms for d ≤ 3 and Plackett's 1-D integral for d = 4.
//!
//! Each method type implements [`crate::Differentiable`]: for d = 1, 2, 3 its
//! `integrate_with_gradient` gives the exact ∂P/∂a, ∂P/∂b, ∂P/∂μ and ∂P/∂Σ (module `gradient`).
//!
//! The derivations and measured accuracies are in `docs/exact-methods.md`.

/// Declares the exact method type `$name` (a unit struct with the given documentation) and
/// implements [`crate::Integrator`] for it by [`integrate_constrained`], for d ≤ `$max_dim`, with
/// `$pair` giving (P, ln P) of the constrained problem.
macro_rules! exact_method {
    ($(#[$doc:meta])* $name:ident, $method:expr, $max_dim:expr, $pair:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl crate::estimate::Integrator for $name {
            fn name(&self) -> String {
                $method.name().into()
            }

            fn integrate(&self, problem: &Problem) -> crate::error::Result<crate::estimate::Estimate> {
                super::integrate_constrained(problem, $method, $max_dim, $pair)
            }
        }
    };
}

pub mod bivariate;
pub(crate) mod gradient;
pub mod orthant;
mod plackett;
pub mod trivariate;
pub mod univariate;

pub use bivariate::{bivariate_cdf, Bivariate};
pub use orthant::{zero_mean_orthant, OrthantClosedForm};
pub use trivariate::{trivariate_cdf, Trivariate};
pub use univariate::Univariate;

use crate::error::{Error, Result};
use crate::estimate::{Estimate, Method};
use crate::problem::Problem;

/// The frame shared by the exact integrators of d ≤ `max_dim`: an empty box is P = 0,
/// coordinates with both limits infinite are dropped (none left: P = 1), more than `max_dim`
/// constrained coordinates is [`Error::MethodNotApplicable`]; otherwise `pair` gives (P, ln P)
/// of the remaining problem, reported exactly (error 0, one evaluation).
pub(crate) fn integrate_constrained(
    problem: &Problem,
    method: Method,
    max_dim: usize,
    pair: impl FnOnce(&Problem) -> (f64, f64),
) -> Result<Estimate> {
    if problem.is_empty_box() {
        return Ok(Estimate::empty_box());
    }
    let Some(p) = problem.without_unbounded() else {
        return Ok(Estimate::exact(1.0, method, 0));
    };
    if p.dim() > max_dim {
        return Err(Error::MethodNotApplicable {
            method: method.name().into(),
            reason: format!(
                "it needs at most {max_dim} constrained coordinate(s), but the problem has {} after \
                 dropping unbounded ones",
                p.dim()
            ),
        });
    }
    let (value, log_value) = pair(&p);
    Ok(Estimate { value, log_value, ..Estimate::exact(value, method, 1) })
}

/// 1/(2π).
pub(crate) const FRAC_1_2PI: f64 = 0.5 / std::f64::consts::PI;

/// ln(Σ_i s_i e^{u_i}) for terms whose first entry dominates (u_0 ≥ u_i, the sum positive):
/// u_0 + ln(1 + Σ_{i≥1} s_i e^{u_i − u_0}). Returns −∞ when the sum is not positive (the
/// difference vanished within rounding). `terms` holds (sign, ln |term|).
pub(crate) fn log_signed_sum(terms: &[(f64, f64)]) -> f64 {
    let u0 = terms[0].1;
    if u0 == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let mut s = 0.0;
    for &(sign, u) in &terms[1..] {
        s += sign * (u - u0).exp();
    }
    if s <= -1.0 {
        f64::NEG_INFINITY
    } else {
        u0 + s.ln_1p()
    }
}
