//! The regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x) in log space,
//! and the chi quantile that maps a uniform coordinate to the scale S = √(W/ν), W ~ χ²_ν, of
//! the multivariate t (Genz and Bretz 2002).
//!
//! * P(a, x) = γ(a, x)/Γ(a) by its power series
//!   P = x^a e^{−x}/Γ(a + 1) · Σ_{n≥0} x^n/((a + 1)⋯(a + n)) (DLMF 8.7.1, 8.11.4) for x < a + 1;
//! * Q(a, x) by the continued fraction of Legendre (DLMF 8.9.2), evaluated by the modified
//!   Lentz algorithm, for x ≥ a + 1; the other function by the complement;
//! * the common factor x^a e^{−x}/Γ(a) in log space, for a ≥ 10 as
//!   a(ln t − t + 1) + ½ ln a − ½ ln 2π − δ(a) with t = x/a and δ the Stirling remainder, so
//!   that the large terms a ln x, x and ln Γ(a) do not cancel numerically;
//! * the quantile by Halley's method on ln P (or ln Q above the median) as a function of ln x,
//!   from the Wilson–Hilferty start, kept inside a bracket by bisection.

use super::beta::{ln_gamma, stirling_remainder};
use crate::normal::inverse_cdf_unchecked;

/// ½ ln(2π).
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// The largest number of series or continued-fraction terms.
const MAX_TERMS: usize = 100_000;

/// The part of ln(x^a e^{−x}/Γ(a)) that depends on a only: ½ ln a − ½ ln 2π − δ(a) for a ≥ 10,
/// −ln Γ(a) below.
fn ln_prefactor_constant(a: f64) -> f64 {
    if a >= 10.0 {
        0.5 * a.ln() - HALF_LN_2PI - stirling_remainder(a)
    } else {
        -ln_gamma(a)
    }
}

/// ln(x^a e^{−x}/Γ(a)) for a > 0, x > 0, given `constant` = [`ln_prefactor_constant`]`(a)`.
fn ln_prefactor(a: f64, x: f64, constant: f64) -> f64 {
    if a >= 10.0 {
        let t = x / a;
        let ln_t = if (t - 1.0).abs() < 0.5 { (t - 1.0).ln_1p() } else { t.ln() };
        a * (ln_t - (t - 1.0)) + constant
    } else {
        a * x.ln() - x + constant
    }
}

/// (ln P(a, x), ln Q(a, x)) for a > 0 and x ≥ 0 (x = +∞ allowed), to about 10⁻¹⁵ relative
/// accuracy in both tails. (The library needs only the quantile; this is the entry point of the
/// mpmath table test.)
#[cfg(test)]
pub fn ln_regularized_gamma_pair(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (f64::NEG_INFINITY, 0.0);
    }
    if x == f64::INFINITY {
        return (0.0, f64::NEG_INFINITY);
    }
    ln_pair_given_prefactor(a, x, ln_prefactor(a, x, ln_prefactor_constant(a)))
}

/// (ln P(a, x), ln Q(a, x)) for a > 0, 0 < x < ∞, given ln(x^a e^{−x}/Γ(a)).
fn ln_pair_given_prefactor(a: f64, x: f64, ln_front: f64) -> (f64, f64) {
    if x < a + 1.0 {
        // P = front/a · Σ x^n/((a + 1)⋯(a + n)).
        let (mut term, mut sum) = (1.0, 1.0);
        for n in 1..MAX_TERMS {
            term *= x / (a + n as f64);
            sum += term;
            if term < sum * 1e-17 {
                break;
            }
        }
        let ln_p = ln_front - a.ln() + sum.ln();
        (ln_p, ln_complement(ln_p))
    } else {
        // Q = front · 1/(x + 1 − a − 1(1 − a)/(x + 3 − a − 2(2 − a)/(x + 5 − a − ⋯))).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for n in 1..MAX_TERMS {
            let an = -(n as f64) * (n as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        let ln_q = ln_front + h.ln();
        (ln_complement(ln_q), ln_q)
    }
}

/// ln(1 − e^y) for y ≤ 0, accurate on both sides of y = −ln 2.
fn ln_complement(y: f64) -> f64 {
    if y > -std::f64::consts::LN_2 {
        (-y.exp_m1()).ln()
    } else {
        (-y.exp()).ln_1p()
    }
}

/// The u-quantile of the gamma distribution with shape a > 0 and scale 1: the x with
/// P(a, x) = u, for u ∈ (0, 1) (0 at u ≤ 0, +∞ at u ≥ 1).
pub fn gamma_quantile(a: f64, u: f64) -> f64 {
    if u <= 0.0 {
        return 0.0;
    }
    if u >= 1.0 {
        return f64::INFINITY;
    }
    // Below the median solve ln P(a, e^t) = ln u, above it ln Q(a, e^t) = ln(1 − u): both are
    // monotone in t = ln x and nearly linear in the far tails.
    let lower_side = u <= 0.5;
    let target = if lower_side { u.ln() } else { (-u).ln_1p() };
    // Wilson–Hilferty: W/2 ≈ a(1 − 1/(9a) + z/(3√a))³, z = Φ⁻¹(u); for small a in the lower
    // tail, P ≈ x^a/Γ(a + 1) instead.
    let z = inverse_cdf_unchecked(u);
    let cube = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * a.sqrt());
    let small_x = (u.ln() + ln_gamma(a + 1.0)) / a;
    let mut t = if cube > 0.0 { (a * cube * cube * cube).ln() } else { small_x };
    if lower_side && small_x < t && a < 1.0 {
        t = small_x;
    }
    let (mut below, mut above) = (f64::NEG_INFINITY, f64::INFINITY);
    let constant = ln_prefactor_constant(a);
    for _ in 0..100 {
        let x = t.exp();
        let ln_density_x = ln_prefactor(a, x, constant); // x · dP/dx
        let (ln_p, ln_q) = ln_pair_given_prefactor(a, x, ln_density_x);
        // g(t) and g′(t) = q; g″ = q (a − x ∓ q) (d ln(x·dP/dx)/dt = a − x).
        let (g, slope, curvature) = if lower_side {
            let q = (ln_density_x - ln_p).exp();
            (ln_p - target, q, q * (a - x - q))
        } else {
            let q = (ln_density_x - ln_q).exp();
            (target - ln_q, q, q * (a - x + q))
        };
        if g == 0.0 {
            break;
        }
        if g < 0.0 {
            below = t;
        } else {
            above = t;
        }
        // Halley's step (cubic convergence), Newton's where the correction is not small.
        let newton = g / slope;
        let correction = 1.0 - 0.5 * newton * curvature / slope;
        let mut halley = (0.5..=2.0).contains(&correction);
        let mut next = if halley { t - newton / correction } else { t - newton };
        if next == t {
            break; // the correction is below the spacing of doubles at t
        }
        if !(next > below && next < above && next.is_finite()) {
            halley = false;
            next = match (below.is_finite(), above.is_finite()) {
                (true, true) => 0.5 * (below + above),
                (true, false) => below + 1.0,
                (false, true) => above - 1.0,
                (false, false) => unreachable!("one side is set"),
            };
        }
        let step = next - t;
        t = next;
        // Newton's correction g/g′ estimates the distance to the root; after a Halley step from
        // a point within e of it the distance is O(e³): e ≤ 1e-6 leaves rounding level. (t = ln x:
        // an absolute distance in t is a relative one in x.)
        let settled =
            if halley { newton.abs() <= 1e-6 } else { step.abs() <= 4.0 * f64::EPSILON * t.abs().max(1.0) };
        if settled || above - below <= f64::EPSILON * t.abs() {
            break;
        }
    }
    t.exp()
}

/// The scale S = √(W/ν) of the multivariate t at the u-quantile of W ~ χ²_ν (W/2 is gamma with
/// shape ν/2), kept in [f64::MIN_POSITIVE, f64::MAX] so that scaled limits are never NaN.
pub fn chi_scale_quantile(nu: f64, u: f64) -> f64 {
    let x = gamma_quantile(0.5 * nu, u);
    (2.0 * x / nu).sqrt().clamp(f64::MIN_POSITIVE, f64::MAX)
}

/// The incomplete gamma functions and the chi scale quantile against mpmath (50 digits;
/// `tests/data/student_t_gamma_generate.py`).
#[cfg(test)]
mod mpmath_reference {
    use super::{chi_scale_quantile, gamma_quantile, ln_regularized_gamma_pair};

    /// Closed forms: a = 1 (P = 1 − e^{−x}, the exponential quantile −ln(1 − u)) and ν = 2 (W
    /// exponential with mean 2, so S = √(−ln(1 − u))).
    #[test]
    fn closed_forms() {
        let (ln_p, ln_q) = ln_regularized_gamma_pair(1.0, 2.0);
        assert!((ln_q + 2.0).abs() < 1e-15);
        assert!((ln_p - (-(-2.0f64).exp()).ln_1p()).abs() < 1e-15);
        assert!((gamma_quantile(1.0, 0.75) - 4f64.ln()).abs() < 1e-15);
        assert!((chi_scale_quantile(2.0, 0.5) - 2f64.ln().sqrt()).abs() < 1e-15);
    }

    fn rows(text: &str) -> Vec<Vec<f64>> {
        text.lines().skip(1).map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect()
    }

    /// ln P and ln Q to 5e-13 relative (ln Q of a P below 1e-40 rounds to 0 in the table).
    #[test]
    fn incomplete_gamma_against_mpmath() {
        let mut worst = 0.0f64;
        let table = rows(include_str!("../../tests/data/student_t_gamma.csv"));
        assert!(table.len() >= 70);
        for r in &table {
            let (a, x) = (r[0], r[1]);
            let (ln_p, ln_q) = ln_regularized_gamma_pair(a, x);
            for (got, want) in [(ln_p, r[2]), (ln_q, r[3])] {
                let err = (got - want).abs() / want.abs().max(1.0);
                let err = if want.abs() < 1.0 { (got - want).abs() / want.abs().max(1e-40) } else { err };
                worst = worst.max(err);
                assert!(err < 5e-13, "a = {a}, x = {x}: {got} against {want} ({err:.1e})");
            }
        }
        println!("worst relative error {worst:.2e}");
    }

    /// S(ν, u) to 1e-13 relative from u = 1e-12 to 1 − 1e-10, ν from 0.3 to 1000.
    #[test]
    fn chi_scale_quantile_against_mpmath() {
        let mut worst = 0.0f64;
        let table = rows(include_str!("../../tests/data/student_t_chi_quantile.csv"));
        assert_eq!(table.len(), 99);
        for r in &table {
            let (nu, u, s) = (r[0], r[1], r[2]);
            let got = chi_scale_quantile(nu, u);
            let err = (got / s - 1.0).abs();
            worst = worst.max(err);
            assert!(err < 1e-13, "ν = {nu}, u = {u}: {got} against {s} ({err:.1e})");
        }
        println!("worst relative error {worst:.2e}");
    }

    /// The ends: S is positive and finite for u at 0 and 1 and below/above, and monotone.
    #[test]
    fn chi_scale_quantile_ends_and_monotone() {
        for nu in [0.1, 1.0, 4.0, 1e4] {
            for u in [0.0, f64::MIN_POSITIVE, 1e-300, 1.0 - f64::EPSILON / 2.0, 1.0] {
                let s = chi_scale_quantile(nu, u);
                assert!(s > 0.0 && s.is_finite(), "ν = {nu}, u = {u}: {s}");
            }
            let mut previous = 0.0;
            for i in 1..1000 {
                let s = chi_scale_quantile(nu, i as f64 / 1000.0);
                assert!(s > previous, "ν = {nu}, u = {}", i as f64 / 1000.0);
                previous = s;
            }
        }
    }

    /// Large ν (beyond the mpmath table): S agrees with the Wilson–Hilferty approximation
    /// (relative error 1e-7 at ν = 10⁵ in the 10⁻¹⁰ tail by mpmath, smaller as ν grows) to 3e-7,
    /// so the series and continued fraction are not truncated up to ν = 10⁷.
    #[test]
    fn large_degrees_of_freedom_match_wilson_hilferty() {
        for nu in [1e5f64, 1e6, 1e7] {
            for u in [1e-10, 1e-6, 0.01, 0.5, 0.99, 1.0 - 1e-6] {
                let z = crate::normal::inverse_cdf(u).unwrap();
                let c: f64 = 2.0 / (9.0 * nu);
                let wh = (1.0 - c + z * c.sqrt()).powi(3).sqrt();
                let s = chi_scale_quantile(nu, u);
                assert!((s / wh - 1.0).abs() < 3e-7, "ν = {nu}, u = {u}: {s} against {wh}");
            }
        }
    }
}
