//! The chi mixture: a Student t probability as a 1-D integral of normal probabilities.
//!
//! With X = μ + Z/S, Z ~ N(0, Σ) and S = √(W/ν), W ~ χ²_ν independent of Z,
//!
//! P(a ≤ X ≤ b) = ∫₀^∞ f_S(s) P(s(a − μ) ≤ Z ≤ s(b − μ)) ds,
//!
//! where f_S(s) = 2 (ν/2)^{ν/2}/Γ(ν/2) · s^{ν−1} e^{−νs²/2}. The integral is taken over
//! τ = ln S, whose density is
//!
//! f_τ(t) = √(ν/π) e^{−δ(ν/2)} exp(−(ν/2)(e^{2t} − 1 − 2t))
//!
//! (δ is Stirling's remainder, [`stirling_remainder`]): written this way the large terms
//! (ν/2) ln(ν/2) and ln Γ(ν/2) cancel analytically, and e^{2t} − 1 − 2t is evaluated by its Taylor
//! series near 0, so that the density keeps full relative accuracy for ν up to 10¹² and more.
//!
//! **Unimodality.** The set {(z, s) : s(a − μ) ≤ z ≤ s(b − μ), s ≥ 0} is convex, so by Prékopa's
//! theorem s ↦ P_N(s) = P(s(a − μ) ≤ Z ≤ s(b − μ)) is log-concave; so is e^{−νs²/2}. The
//! integrand over τ is exp(ν t + L(e^t)) with L concave, and its log-derivative ν + s L′(s)
//! changes sign at most once (s L′(s) is positive while L′ > 0 and decreasing once L′ < 0): the
//! integrand is unimodal for every ν > 0. The log-space integrator of the exact methods for
//! unimodal (log-concave) integrands therefore applies: it finds the mode, the one-nat scales on
//! each side, and integrates panels until the integrand has dropped by 46 nats, in log space, so
//! that the result keeps relative accuracy far below the smallest double.

use super::beta::stirling_remainder;

/// e^u − 1 − u without cancellation (Taylor series for |u| < 1).
fn exp_minus_one_minus(u: f64) -> f64 {
    if u.abs() >= 1.0 {
        return u.exp_m1() - u;
    }
    let mut term = 0.5 * u * u;
    let mut sum = term;
    let mut k = 2.0;
    while term.abs() > 1e-18 * sum.abs() {
        k += 1.0;
        term *= u / k;
        sum += term;
    }
    sum
}

/// ln f_τ(t): the log density of τ = ln √(W/ν), W ~ χ²_ν.
pub fn log_chi_density(t: f64, nu: f64) -> f64 {
    let half = 0.5 * nu;
    0.5 * (nu / std::f64::consts::PI).ln() - stirling_remainder(half) - half * exp_minus_one_minus(2.0 * t)
}

/// (P, ln P) = ∫ f_τ(t) P_N(e^t) dt, where `normal_pair(t)` returns (P_N, ln P_N) of the normal
/// problem with its centred limits scaled by s = e^t (see [`scale_limit`]).
///
/// **Range.** The upper end is ½ ln(3400/ν + 20), where (ν/2)(e^{2t} − 1 − 2t) > 1700, so that
/// (P_N ≤ 1) the mass beyond is below e^{−1700}. On the left, f_τ(t) ≤ √(ν/π) e^{ν t} bounds the
/// mass below a point t₀ by √(ν/π) e^{ν t₀}/ν. The integral is first taken from
/// t₀ = −50/ν − 5 − ln max(1, max |x − μ|) (the mass sits where e^t |x − μ| is at most of order
/// one: far left for huge limits); if that bound is not 40 nats below the result, t₀ is moved to
/// where it is, and the integral taken again (to the left end below when the normal probability
/// vanished over the whole first range). Far to the left the normal methods lose the shrunken box (its
/// probability underflows even in log space), so starting no further left than needed also
/// keeps the integrand unimodal in floating point. `limits` are the centred limits: t₀ never
/// goes below −700 − ln min |x − μ| (over the finite nonzero ones), where a scaled limit would
/// become subnormal.
pub fn chi_mixture_pair<F: Fn(f64) -> (f64, f64)>(nu: f64, limits: &[f64], normal_pair: F) -> (f64, f64) {
    let (t_min, hi, mut lo) = mixture_range(nu, limits);
    let ln_front = 0.5 * (nu / std::f64::consts::PI).ln() - nu.ln();
    loop {
        let result = integrate_from(nu, &normal_pair, lo, hi);
        let ln_neglected = ln_front + nu * lo;
        if lo <= t_min || result.1.is_nan() || ln_neglected <= result.1 - 40.0 {
            return result;
        }
        // A box so far out (|x − μ| ≳ e^{50/ν}) that the normal probability has vanished over
        // the whole first range, ln P_N = −∞ in floating point: its mass lies further left.
        let vanished = result.1 == f64::NEG_INFINITY;
        let next = if vanished { t_min } else { ((result.1 - 40.0 - ln_front) / nu).max(t_min) };
        if next >= lo {
            return result;
        }
        lo = next;
    }
}

/// The range of the chi mixture for the centred `limits` (see [`chi_mixture_pair`]): (t_min, hi,
/// t₀), with t₀ = −50/ν − 5 − ln max(1, max |x − μ|) (no lower than t_min) the first left end:
/// the mass sits where e^t |x − μ| is of order one or less, so far left for huge limits.
pub(crate) fn mixture_range(nu: f64, limits: &[f64]) -> (f64, f64, f64) {
    let finite = || limits.iter().map(|x| x.abs()).filter(|x| *x > 0.0 && x.is_finite());
    let smallest = finite().fold(f64::INFINITY, f64::min);
    let largest = finite().fold(1.0, f64::max);
    let t_min = if smallest.is_finite() { -700.0 - smallest.ln() } else { f64::NEG_INFINITY };
    let hi = 0.5 * (3400.0 / nu + 20.0).ln();
    (t_min, hi, (-50.0 / nu - 5.0 - largest.ln()).max(t_min))
}

/// ∫_lo^hi f_τ(t) P_N(e^t) dt in log space.
fn integrate_from<F: Fn(f64) -> (f64, f64)>(nu: f64, normal_pair: &F, lo: f64, hi: f64) -> (f64, f64) {
    let g = |t: f64| {
        let lp = normal_pair(t).1;
        if lp == f64::NEG_INFINITY {
            return lp;
        }
        log_chi_density(t, nu) + lp
    };
    let linear = |t: f64| {
        let (p, _) = normal_pair(t);
        if p == 0.0 {
            return 0.0;
        }
        log_chi_density(t, nu).exp() * p
    };
    crate::quadrature::integral_log_concave(g, linear, lo, hi, &[])
}

/// A centred limit x − μ scaled by s = e^t: the product s·(x − μ) where s and the product are
/// normal doubles, ±exp(t + ln|x − μ|) otherwise (so that neither s nor the product leaves the
/// range of doubles before the result does); infinite limits stay infinite and 0 stays 0.
///
/// The product is preferred: every limit is scaled by the same rounded s (a shift of t by at most
/// ε/2, common to the whole box) and then rounded once. Through exp(t + ln|x − μ|) each limit
/// would carry the rounding of its own logarithm, the same at every node t: for a narrow box
/// (b − a ≪ |a|) that error of the width, ε|a|/(b − a) relative, does not average out over the
/// quadrature (1.3·10⁻¹³ in ln P for the box (1, 1.001) × (−2, −1.999)).
#[inline]
pub fn scale_limit(centred: f64, t: f64) -> f64 {
    if centred == 0.0 || centred.is_infinite() {
        return centred;
    }
    let s = t.exp();
    let product = s * centred;
    if s.is_normal() && product.is_normal() {
        product
    } else {
        centred.signum() * (t + centred.abs().ln()).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi_density_is_normalised() {
        for nu in [0.5, 1.0, 2.5, 30.0, 1e6] {
            let (p, _) = chi_mixture_pair(nu, &[], |_| (1.0, 0.0));
            assert!((p - 1.0).abs() < 1e-14, "ν = {nu}: {p}");
        }
    }

    #[test]
    fn univariate_mixture_matches_the_beta_route() {
        for nu in [0.5, 2.5, 30.0] {
            for b in [-30.0, -2.0, 0.7, 5.0] {
                let (p, lp) = chi_mixture_pair(nu, &[b], |t| {
                    let lcdf = crate::normal::log_cdf(scale_limit(b, t));
                    (lcdf.exp(), lcdf)
                });
                let exact = super::super::univariate::log_cdf(b, nu);
                assert!((lp - exact).abs() < 1e-13, "ν = {nu}, b = {b}: {p} {lp} {exact}");
            }
        }
    }
}

#[cfg(test)]
mod examples {
    use super::*;

    #[test]
    fn chi_density_for_two_degrees_of_freedom() {
        // ν = 2: S² = W/2 ~ Exp(1), so f_τ(t) = 2 e^{2t} exp(−e^{2t}).
        let t = 0.3f64;
        let exact = 2f64.ln() + 2.0 * t - (2.0 * t).exp();
        assert!((log_chi_density(t, 2.0) - exact).abs() < 1e-15);
    }
}
