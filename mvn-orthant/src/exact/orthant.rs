//! Closed-form zero-mean orthant probabilities for d ≤ 4, any sign pattern.
//!
//! For X ~ N(0, R) with R a correlation matrix, P(s_i X_i > 0 for all i) for signs s_i = ±1 is
//! the positive orthant of S R S (S = diag(s)); the lower orthant P(X < 0) equals the upper one
//! by the symmetry X → −X. Zero-variance coordinates are point masses at 0, counted inside the
//! closed orthant (factor 1), as in [`Problem::standardized_limits`].
//!
//! * d = 1: 1/2.
//! * d = 2: 1/4 + asin(ρ)/(2π) (Sheppard), as asin(√((1 + ρ)/2))/π for ρ < 0.
//! * d = 3: 1/8 + (asin ρ₁₂ + asin ρ₁₃ + asin ρ₂₃)/(4π).
//! * d = 4: along the path R(t) = I + t(R − I), Plackett's identity gives
//!   ∂P/∂ρ_ij = φ₂(0, 0; ρ_ij)·P(X_k > 0, X_l > 0 | X_i = X_j = 0)
//!   = [1/(2π√(1 − ρ_ij²))]·[1/4 + asin(ρ_{kl·ij})/(2π)], with ρ_{kl·ij} the partial
//!   correlation, so P = 1/16 + ∫_0^1 Σ_{i<j} ρ_ij ∂P/∂ρ_ij(R(t)) dt, a 1-D integral of
//!   elementary functions. The substitution t = 1 − (1 − s)² removes the 1/√(1 − t²ρ²)
//!   endpoint singularity when |ρ_ij| = 1. Adaptive Gauss–Kronrod, absolute error ≈ 1e-16.

use super::FRAC_1_2PI;
use crate::error::{Error, Result};
use crate::estimate::{Estimate, Integrator, Method};
use crate::problem::{Covariance, Problem};
use crate::quadrature::adaptive_integral;
use std::f64::consts::PI;

/// Zero-mean bivariate orthant P(X > 0, Y > 0) = 1/4 + asin(ρ)/(2π).
///
/// For ρ < 0 the sum cancels (P → 0 as ρ → −1); there the equivalent form
/// acos(−ρ)/(2π) = asin(√((1 + ρ)/2))/π is used, in which 1 + ρ is exact for ρ ≤ −1/2
/// (Sterbenz), so P keeps full relative accuracy down to ρ = −1.
#[inline]
pub(crate) fn orthant2(r: f64) -> f64 {
    let r = r.clamp(-1.0, 1.0);
    if r < 0.0 {
        (0.5 * (1.0 + r)).sqrt().asin() / PI
    } else {
        0.25 + r.asin() * FRAC_1_2PI
    }
}

/// Zero-mean trivariate orthant 1/8 + (asin ρ₁₂ + asin ρ₁₃ + asin ρ₂₃)/(4π).
#[inline]
pub(crate) fn orthant3(r12: f64, r13: f64, r23: f64) -> f64 {
    let s = r12.clamp(-1.0, 1.0).asin() + r13.clamp(-1.0, 1.0).asin() + r23.clamp(-1.0, 1.0).asin();
    (0.125 + s / (4.0 * PI)).max(0.0)
}

/// Zero-mean four-variate orthant P(X > 0) for the correlation matrix `r` (symmetric, unit
/// diagonal, positive semidefinite), by Plackett's 1-D integral.
pub(crate) fn orthant4(r: [[f64; 4]; 4]) -> f64 {
    const PAIRS: [(usize, usize, usize, usize); 6] =
        [(0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2), (1, 2, 0, 3), (1, 3, 0, 2), (2, 3, 0, 1)];
    let mut integrand = |s: f64| {
        let u = 1.0 - s;
        let t = 1.0 - u * u;
        let mut total = 0.0;
        for &(i, j, k, l) in &PAIRS {
            let rij = r[i][j].clamp(-1.0, 1.0);
            if rij == 0.0 {
                continue;
            }
            let rho = t * rij;
            let (rik, rjk, ril, rjl, rkl) = (t * r[i][k], t * r[j][k], t * r[i][l], t * r[j][l], t * r[k][l]);
            // Conditional covariance of (X_k, X_l) given X_i = X_j = 0, times (1 − ρ²).
            let den = (1.0 - rho) * (1.0 + rho);
            let ckk = den - (rik * rik - 2.0 * rho * rik * rjk + rjk * rjk);
            let cll = den - (ril * ril - 2.0 * rho * ril * rjl + rjl * rjl);
            let ckl = den * rkl - (rik * ril - rho * (rik * rjl + rjk * ril) + rjk * rjl);
            let partial =
                if ckk > 0.0 && cll > 0.0 { (ckl / (ckk * cll).sqrt()).clamp(-1.0, 1.0) } else { 0.0 };
            // ρ_ij/√(1 − t²ρ_ij²) · dt/ds with dt/ds = 2u; 1 − t|ρ| ≥ u² so the ratio stays bounded.
            let sq = ((1.0 - t * rij.abs()) * (1.0 + t * rij.abs())).sqrt();
            let jac = if sq > 0.0 { 2.0 * u / sq } else { 2.0 / (1.0 + t * rij.abs()).sqrt() };
            total += rij * jac * (0.25 + partial.asin() * FRAC_1_2PI);
        }
        total * FRAC_1_2PI
    };
    (0.0625 + adaptive_integral(&mut integrand, 0.0, 1.0, 1e-17)).clamp(0.0, 1.0)
}

/// The zero-mean orthant P(s_i X_i ≥ 0 for all i) for X ~ N(0, Σ), d ≤ 4, with `positive[i]`
/// giving s_i = +1 (true) or −1 (false).
///
/// # Errors
///
/// [`Error::MethodNotApplicable`] for d > 4 (after dropping zero-variance coordinates), and
/// [`Error::DimensionMismatch`] when `positive` does not have length d.
///
/// ```
/// use mvn_orthant::{exact::orthant::zero_mean_orthant, Covariance};
/// let sigma = Covariance::equicorrelated(3, 0.5).unwrap();
/// let p = zero_mean_orthant(&sigma, &[true, false, true]).unwrap();
/// // Signs flip ρ₁₂ and ρ₂₃: 1/8 + (−π/6 + π/6 − π/6)/(4π) = 1/8 − 1/24.
/// assert!((p - 1.0 / 12.0).abs() < 1e-16);
/// ```
pub fn zero_mean_orthant(covariance: &Covariance, positive: &[bool]) -> Result<f64> {
    let d = covariance.dim();
    if positive.len() != d {
        return Err(Error::DimensionMismatch { what: "positive".into(), expected: d, found: positive.len() });
    }
    let keep: Vec<usize> = (0..d).filter(|&i| covariance.get(i, i) > 0.0).collect();
    let m = keep.len();
    if m > 4 {
        return Err(Error::MethodNotApplicable {
            method: "orthant-closed-form".into(),
            reason: format!("closed forms exist for at most 4 coordinates with positive variance, got {m}"),
        });
    }
    let mut r = [[1.0; 4]; 4];
    for (a, &i) in keep.iter().enumerate() {
        for (b, &j) in keep.iter().enumerate() {
            if a != b {
                let s = if positive[i] == positive[j] { 1.0 } else { -1.0 };
                r[a][b] = (s * covariance.get(i, j)
                    / (covariance.get(i, i).sqrt() * covariance.get(j, j).sqrt()))
                .clamp(-1.0, 1.0);
            }
        }
    }
    Ok(match m {
        0 => 1.0,
        1 => 0.5,
        2 => orthant2(r[0][1]),
        3 => orthant3(r[0][1], r[0][2], r[1][2]),
        _ => orthant4(r),
    })
}

/// Closed-form orthants as an [`Integrator`]: applies to zero-mean problems whose every
/// constrained coordinate has limits (−∞, 0] or [0, ∞), with at most four such coordinates
/// of positive variance.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrthantClosedForm;

impl Integrator for OrthantClosedForm {
    fn name(&self) -> String {
        "orthant-closed-form".into()
    }

    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        if problem.is_empty_box() {
            return Ok(Estimate::empty_box());
        }
        let not_applicable =
            |reason: String| Error::MethodNotApplicable { method: "orthant-closed-form".into(), reason };
        let Some(p) = problem.without_unbounded() else {
            return Ok(Estimate::exact(1.0, Method::OrthantClosedForm, 0));
        };
        if p.mean().iter().any(|&m| m != 0.0) {
            return Err(not_applicable("the mean is not zero".into()));
        }
        let mut positive = Vec::with_capacity(p.dim());
        for i in 0..p.dim() {
            let (a, b) = (p.lower()[i], p.upper()[i]);
            if a == 0.0 && b == f64::INFINITY {
                positive.push(true);
            } else if a == f64::NEG_INFINITY && b == 0.0 {
                positive.push(false);
            } else {
                return Err(not_applicable(format!(
                    "coordinate {i} has limits [{a}, {b}], not an orthant at 0"
                )));
            }
        }
        let value = zero_mean_orthant(p.covariance(), &positive)?;
        Ok(Estimate::exact(value, Method::OrthantClosedForm, 1))
    }
}
