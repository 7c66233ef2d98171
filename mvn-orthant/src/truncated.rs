//! The standard normal distribution truncated to an interval [α, β]: its log mass, mean,
//! variance and quantile function, accurate in the far tails.
//!
//! These are the building blocks of the separation-of-variables samplers: the plain Genz
//! integrand draws from truncated standard normals, and the exponentially tilted sampler of
//! [`crate::tilting`] draws from N(μ, 1) truncated to [l, u], i.e. μ + the truncated standard
//! normal on [l − μ, u − μ].
//!
//! # Formulas
//!
//! With Z = Φ(β) − Φ(α), the density on [α, β] is φ(y)/Z and
//!
//! * mean m = (φ(α) − φ(β))/Z,
//! * variance v = 1 + (αφ(α) − βφ(β))/Z − m²,
//! * quantile y(u) = Φ⁻¹(Φ(α) + uZ).
//!
//! Each is evaluated in a form that keeps relative accuracy where it matters:
//!
//! * an interval with α + β < 0 is mirrored to (−β, −α), so only intervals reaching into the
//!   upper side are handled (mean and quantile change sign);
//! * the ratios φ(α)/Z and φ(β)/Z are formed in log space, so they are finite where φ and Z
//!   underflow (α = 50);
//! * on a narrow interval ((β − α)·max(1, |α|, |β|) ≤ ¼) the moments are integrated with an
//!   8-point Gauss–Legendre rule relative to φ(α), avoiding the cancellation in the variance
//!   formula;
//! * the quantile in the upper tail inverts the upper tail: y = Q⁻¹(Q(α) − uZ), with the
//!   argument formed in log space and inverted by [`normal::inverse_log_upper_tail`], so samples
//!   stay accurate when Q(α) underflows.

use crate::normal::{self, log_interval_probability, log_pdf, log_upper_tail};
use crate::quadrature::{gauss_legendre_nodes, GAUSS_LEGENDRE_8};

/// ln Z = ln(Φ(β) − Φ(α)), the log mass of the interval (−∞ when α ≥ β).
#[inline]
pub fn log_mass(alpha: f64, beta: f64) -> f64 {
    log_interval_probability(alpha, beta)
}

/// Mean and variance of the standard normal truncated to [α, β] (α < β).
///
/// Relative accuracy of the mean is about 1e-15; the variance is accurate to about 1e-15
/// relative on bounded or moderate intervals and to about ε·α² absolute for one-sided tails at
/// large α (where v ≈ 1/α²), which is ample for the Newton solves it serves.
pub fn mean_and_variance(alpha: f64, beta: f64) -> (f64, f64) {
    if alpha + beta < 0.0 {
        let (m, v) = mean_and_variance(-beta, -alpha);
        return (-m, v);
    }
    if normal::is_narrow(alpha, beta) {
        // Moments of s = y − α on [0, w] with weight exp(−s(α + s/2)).
        let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for (s, weight) in gauss_legendre_nodes(&GAUSS_LEGENDRE_8, beta - alpha) {
            let g = weight * (-s * (alpha + 0.5 * s)).exp();
            m0 += g;
            m1 += g * s;
            m2 += g * s * s;
        }
        let shift = m1 / m0;
        return (alpha + shift, (m2 / m0 - shift * shift).max(0.0));
    }
    let log_z = log_mass(alpha, beta);
    let ratio = |x: f64| if x.is_finite() { (log_pdf(x) - log_z).exp() } else { 0.0 };
    let (ra, rb) = (ratio(alpha), ratio(beta));
    let mean = ra - rb;
    let weighted = |x: f64, r: f64| if x.is_finite() { x * r } else { 0.0 };
    let variance = 1.0 + weighted(alpha, ra) - weighted(beta, rb) - mean * mean;
    (mean, variance.max(0.0))
}

/// The quantile of the standard normal truncated to [α, β]: the y ∈ [α, β] with
/// (Φ(y) − Φ(α))/(Φ(β) − Φ(α)) = u, for u ∈ (0, 1).
///
/// Accurate where the interval lies far in a tail (α = 40 gives samples just above 40, not ∞
/// or NaN). The result is clamped to [α, β] against rounding.
pub fn quantile(alpha: f64, beta: f64, u: f64) -> f64 {
    if alpha + beta < 0.0 {
        return -quantile(-beta, -alpha, 1.0 - u);
    }
    let y = if alpha >= 0.0 {
        // Upper tail: Q(y) = Q(α) − uZ = Q(α)·(1 − u·Z/Q(α)).
        let log_qa = log_upper_tail(alpha);
        // Z/Q(α) ≤ 1 exactly; rounding can push the computed ratio just above 1.
        let fraction = (log_mass(alpha, beta) - log_qa).exp().min(1.0);
        normal::inverse_log_upper_tail(log_qa + (-u * fraction).ln_1p())
    } else {
        // α < 0 < β with α + β ≥ 0: Φ(α) ≤ ½. Work from whichever end keeps the tail.
        let z = normal::interval_probability(alpha, beta);
        let p = normal::cdf(alpha) + u * z;
        if p <= 0.5 {
            normal::inverse_cdf_unchecked(p)
        } else {
            normal::inverse_upper_tail_unchecked(normal::upper_tail(beta) + (1.0 - u) * z)
        }
    };
    y.clamp(alpha, beta)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moments by brute-force midpoint integration in f64 on a moderate interval.
    fn brute_moments(a: f64, b: f64) -> (f64, f64) {
        let n = 200_000;
        let h = (b - a) / n as f64;
        let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let y = a + (i as f64 + 0.5) * h;
            let f = normal::pdf(y);
            m0 += f;
            m1 += f * y;
            m2 += f * y * y;
        }
        let m = m1 / m0;
        (m, m2 / m0 - m * m)
    }

    #[test]
    fn moments_match_brute_force() {
        for (a, b) in [(-1.0, 2.0), (0.5, 3.0), (-3.0, -0.2), (2.0, 2.1), (-0.01, 0.01), (1.0, 9.0)] {
            let (m, v) = mean_and_variance(a, b);
            let (bm, bv) = brute_moments(a, b);
            assert!((m - bm).abs() < 1e-9, "[{a}, {b}]: mean {m} vs {bm}");
            assert!((v - bv).abs() < 1e-8 * bv.max(1e-3), "[{a}, {b}]: variance {v} vs {bv}");
        }
    }

    #[test]
    fn one_sided_tail_moments_follow_the_mills_ratio() {
        // For large α, mean ≈ α + 1/α − 2/α³ and variance ≈ 1/α² − 6/α⁴.
        for alpha in [20.0, 50.0, 200.0] {
            let (m, v) = mean_and_variance(alpha, f64::INFINITY);
            let a2 = alpha * alpha;
            assert!((m - (alpha + 1.0 / alpha - 2.0 / (a2 * alpha))).abs() < 10.0 / (a2 * a2 * alpha));
            assert!((v * a2 - (1.0 - 6.0 / a2)).abs() < 1e-3, "α = {alpha}: v·α² = {}", v * a2);
        }
        let (m, _) = mean_and_variance(f64::NEG_INFINITY, -50.0);
        assert!((m + 50.02).abs() < 0.001);
    }

    #[test]
    fn quantile_inverts_the_truncated_cdf() {
        for (a, b) in [
            (-1.0, 2.0),
            (0.5, 3.0),
            (-3.0, -0.2),
            (3.0, 3.0001),
            (-2.0, f64::INFINITY),
            (f64::NEG_INFINITY, 1.0),
        ] {
            let z = normal::interval_probability(a, b);
            for u in [1e-12, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-12] {
                let y = quantile(a, b, u);
                assert!(y >= a && y <= b);
                let back = normal::interval_probability(a, y) / z;
                // y is a double: F(y) can only match u to about ulp(y)·f(y).
                let tol = 1e-12 * u.max(1e-3) + 4.0 * f64::EPSILON * y.abs() * normal::pdf(y) / z;
                assert!((back - u).abs() <= tol, "[{a}, {b}], u = {u}: y = {y}, F(y) = {back}");
            }
        }
    }

    #[test]
    fn far_tail_quantiles_are_finite_and_ordered() {
        let mut last = 40.0;
        for u in [1e-9, 0.1, 0.5, 0.9, 1.0 - 1e-9] {
            let y = quantile(40.0, f64::INFINITY, u);
            assert!(y.is_finite() && y >= last, "u = {u}: {y}");
            // Q(y)/Q(40) = 1 − u, checked in log space.
            let ratio = (log_upper_tail(y) - log_upper_tail(40.0)).exp();
            assert!((ratio - (1.0 - u)).abs() < 1e-9, "u = {u}: {ratio}");
            last = y;
        }
        let y = quantile(f64::NEG_INFINITY, -1000.0, 0.5);
        assert!(y < -1000.0 && y > -1000.01);
    }
}
