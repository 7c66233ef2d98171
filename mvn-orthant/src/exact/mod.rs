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

/// Declares the public `box_probability` (with the given documentation) and
/// `log_box_probability` of the `$d`-dimensional normal from `$pair`, which gives (P, ln P) of a
/// general box: `$pair(mean, covariance, lower limits, upper limits)`.
macro_rules! box_probability_functions {
    ($(#[$doc:meta])* $d:literal, $pair:path) => {
        $(#[$doc])*
        pub fn box_probability(mean: [f64; $d], cov: [[f64; $d]; $d], lower: [f64; $d], upper: [f64; $d]) -> f64 {
            $pair(mean, cov, lower, upper).0
        }

        /// ln P(lower ≤ X ≤ upper) for X ~ N(mean, cov), accurate where P underflows.
        pub fn log_box_probability(
            mean: [f64; $d],
            cov: [[f64; $d]; $d],
            lower: [f64; $d],
            upper: [f64; $d],
        ) -> f64 {
            $pair(mean, cov, lower, upper).1
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

/// (P, ln P) of a general `N`-dimensional box from its mean, covariance, lower and upper limits.
pub(crate) type BoxPair<const N: usize> = fn([f64; N], [[f64; N]; N], [f64; N], [f64; N]) -> (f64, f64);

/// (P, ln P) of a problem with at most `N` coordinates by `pair`, the (P, ln P) of a general
/// `N`-dimensional box (mean, covariance, lower and upper limits), after padding the problem to
/// `N` coordinates with independent standard ones without limits (which leave P unchanged).
pub(crate) fn padded_box_pair<const N: usize>(p: &Problem, pair: BoxPair<N>) -> (f64, f64) {
    let mut mean = [0.0; N];
    let mut cov = [[0.0; N]; N];
    let mut lower = [f64::NEG_INFINITY; N];
    let mut upper = [f64::INFINITY; N];
    for i in 0..N {
        cov[i][i] = 1.0;
    }
    for i in 0..p.dim() {
        mean[i] = p.mean()[i];
        lower[i] = p.lower()[i];
        upper[i] = p.upper()[i];
        for j in 0..p.dim() {
            cov[i][j] = p.covariance().get(i, j);
        }
    }
    pair(mean, cov, lower, upper)
}

/// 1/(2π).
pub(crate) const FRAC_1_2PI: f64 = 0.5 / std::f64::consts::PI;

/// When Σ|terms| exceeds the result by this factor, the inclusion–exclusion of corner orthants
/// has cancelled too much and the box is recomputed by a conditional 1-D integral.
pub(crate) const CANCELLATION_LIMIT: f64 = 8.0;

/// Whether an inclusion–exclusion of corner orthants has cancelled: Σ|terms| (`magnitude`)
/// exceeds [`CANCELLATION_LIMIT`] times the result, compared in log space (the largest term's
/// log against ln P) where the terms underflow. NaN counts as cancelled.
fn inclusion_exclusion_cancelled(magnitude: f64, value: f64, largest_log_term: f64, log_value: f64) -> bool {
    let greater = |a: f64, b: f64| a.partial_cmp(&b).is_none_or(|o| o == std::cmp::Ordering::Greater);
    if magnitude > 1e-290 {
        greater(magnitude, CANCELLATION_LIMIT * value)
    } else {
        greater(largest_log_term, CANCELLATION_LIMIT.ln() + log_value)
    }
}

/// (P, ln P) of a box from the inclusion–exclusion sum of its corner orthants, given as
/// (sign, (U, ln U)) with each U accurate relative to itself and the largest first:
/// P = Σ sign·U, with ln P from the logarithms ([`log_signed_sum`]) where P is below the normal
/// range; where the terms cancel ([`inclusion_exclusion_cancelled`]), `conditional()` instead (a
/// conditional 1-D integral of the box). At most eight corners (d ≤ 3), at least one.
pub(crate) fn relative_corner_sum(
    corners: impl Iterator<Item = (f64, (f64, f64))>,
    conditional: impl FnOnce() -> (f64, f64),
) -> (f64, f64) {
    let mut terms = [(0.0, f64::NEG_INFINITY); 8];
    let (mut n, mut value, mut magnitude) = (0, 0.0, 0.0);
    for (sign, (v, lv)) in corners {
        value += sign * v;
        magnitude += v;
        terms[n] = (sign, lv);
        n += 1;
    }
    if n == 1 {
        return (value, terms[0].1);
    }
    let log_value = if value > 1e-290 { value.ln() } else { log_signed_sum(&terms[..n]) };
    if inclusion_exclusion_cancelled(magnitude, value, terms[0].1, log_value) {
        return conditional();
    }
    if value > 1e-290 {
        (value, log_value)
    } else {
        (log_value.exp(), log_value)
    }
}

/// sin x for |x| ≤ π/2 by its Taylor series to x²¹, x·P(x²) with P of degree 10 evaluated by
/// Estrin's scheme (a dependency chain of five multiplications instead of Horner's ten): the first
/// omitted term is below (π/2)²³/23! = 1.2e-18 relative, and the terms of P decrease from 1
/// (|c_k y^k| ≤ (π/2)^{2k}/(2k + 1)!), so the rounding stays at a few ulp (the unit test below:
/// at most 4 ulp against the library's sine on [−π/2, π/2]). Inlined, it is faster than the
/// library's sine in the Plackett integrand and in Genz's bivariate rule, whose arguments lie in
/// [−π/2, π/2].
#[inline(always)]
pub(crate) fn sin_of_small(x: f64) -> f64 {
    // (−1)^k/(2k + 1)!, k = 0, …, 10.
    const C: [f64; 11] = [
        1.0,
        -1.0 / 6.0,
        1.0 / 120.0,
        -1.0 / 5040.0,
        1.0 / 362_880.0,
        -1.0 / 39_916_800.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 1_307_674_368_000.0,
        1.0 / 355_687_428_096_000.0,
        -1.0 / 121_645_100_408_832_000.0,
        1.0 / 51_090_942_171_709_440_000.0,
    ];
    let y = x * x;
    let y2 = y * y;
    let y4 = y2 * y2;
    let y8 = y4 * y4;
    let low = (C[0] + C[1] * y) + y2 * (C[2] + C[3] * y);
    let middle = (C[4] + C[5] * y) + y2 * (C[6] + C[7] * y);
    let high = (C[8] + C[9] * y) + y2 * C[10];
    x * ((low + y4 * middle) + y8 * high)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_of_small_matches_the_library_sine() {
        let mut worst = 0.0f64;
        for i in 0..=100_000 {
            let x = std::f64::consts::FRAC_PI_2 * (f64::from(i) / 50_000.0 - 1.0);
            let exact = x.sin();
            let ulp = f64::EPSILON * exact.abs().max(f64::MIN_POSITIVE);
            worst = worst.max((sin_of_small(x) - exact).abs() / ulp);
        }
        assert!(worst <= 4.0, "{worst} ulp");
    }
}
