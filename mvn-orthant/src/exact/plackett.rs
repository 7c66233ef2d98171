//! Plackett's identity (Plackett 1954): for standard normals with correlation matrix R,
//!
//! ```text
//! ∂P/∂ρ_ij = Σ_{corners} s_i s_j φ₂(c_i, c_j; ρ_ij)·P(rest | X_i = c_i, X_j = c_j),
//! ```
//!
//! over the corners (c_i, c_j) ∈ {α_i, β_i} × {α_j, β_j} of the box, s = +1 at an upper and −1 at
//! a lower limit. The trivariate method integrates it along a path of correlation matrices,
//! the exact gradients use it for ∂P/∂Σ_ij. Given the pair, a third variable X_k with
//! correlations r_ki, r_kj is normal with
//!
//! ```text
//! mean  = [(r_ki − ρ r_kj) c_i + (r_kj − ρ r_ki) c_j]/(1 − ρ²),
//! variance·(1 − ρ²)² = (1 − ρ²)·[(1 − ρ²) − (r_ki − r_kj)² − 2 r_ki r_kj (1 − ρ)],
//! ```
//!
//! the second form of the variance free of the cancellation of 1 − (r_ki² − 2ρ r_ki r_kj +
//! r_kj²)/(1 − ρ²) when the correlations are near ±1.

use crate::normal::{cdf, interval_probability};
use std::f64::consts::PI;

/// The third variable X_k of a Plackett term: its correlations with the pair and its limits
/// (standardised).
#[derive(Clone, Copy)]
pub(crate) struct Third {
    /// r_ki, the correlation with the first variable of the pair.
    pub(crate) r_ki: f64,
    /// r_kj, the correlation with the second.
    pub(crate) r_kj: f64,
    /// The limits [a_k, b_k] of X_k.
    pub(crate) lower: f64,
    pub(crate) upper: f64,
}

/// exp(−q/2)·P(a_k ≤ X_k ≤ b_k | X_i = c_i, X_j = c_j) with
/// q = (c_i² − 2ρ c_i c_j + c_j²)/(1 − ρ²) the quadratic form of the pair (so that φ₂(c_i, c_j; ρ) = exp(−q/2)/(2π√(1 − ρ²))); the
/// conditional probability is 1 without a third variable. `one_minus_rho_squared` = 1 − ρ² is
/// passed by the caller, who may know it more accurately than from ρ (cos² θ for ρ = sin θ).
/// Finite c_i, c_j, |ρ| < 1. Where the conditional variance vanishes X_k is a point mass.
pub(crate) fn plackett_term(
    ci: f64,
    cj: f64,
    rho: f64,
    one_minus_rho_squared: f64,
    third: Option<Third>,
) -> f64 {
    let rr = one_minus_rho_squared;
    let q = (ci * ci - 2.0 * rho * ci * cj + cj * cj) / rr;
    if q > 1500.0 {
        return 0.0;
    }
    let conditional = match third {
        None => 1.0,
        Some(Third { r_ki, r_kj, lower, upper }) => {
            // Numerators (limit − mean)·(1 − ρ²) and the conditional variance times (1 − ρ²)².
            let det = rr * (rr - (r_ki - r_kj) * (r_ki - r_kj) - 2.0 * r_ki * r_kj * (1.0 - rho));
            let num = |limit: f64| limit * rr - (r_ki - rho * r_kj) * ci - (r_kj - rho * r_ki) * cj;
            let (lo, hi) = (num(lower), num(upper));
            if det > 0.0 {
                let s = det.sqrt();
                if lower == f64::NEG_INFINITY {
                    cdf(hi / s)
                } else {
                    interval_probability(lo / s, hi / s)
                }
            } else if lo <= 0.0 && 0.0 <= hi {
                1.0
            } else {
                0.0
            }
        }
    };
    (-0.5 * q).exp() * conditional
}

/// ∂P/∂ρ_ij of the standardised box [α, β] (limits per coordinate, infinite allowed) by
/// Plackett's identity, with an optional third variable (|ρ_ij| < 1).
pub(crate) fn correlation_derivative(
    limits_i: (f64, f64),
    limits_j: (f64, f64),
    rho: f64,
    third: Option<(f64, f64, (f64, f64))>,
) -> f64 {
    let rr = (1.0 - rho) * (1.0 + rho);
    let mut total = 0.0;
    for (ci, si) in [(limits_i.0, -1.0), (limits_i.1, 1.0)] {
        for (cj, sj) in [(limits_j.0, -1.0), (limits_j.1, 1.0)] {
            if !ci.is_finite() || !cj.is_finite() {
                continue;
            }
            let third = third.map(|(r_ki, r_kj, (lower, upper))| Third { r_ki, r_kj, lower, upper });
            total += si * sj * plackett_term(ci, cj, rho, rr, third);
        }
    }
    total / (2.0 * PI * rr.sqrt())
}
