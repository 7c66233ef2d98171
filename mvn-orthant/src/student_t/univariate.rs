//! d = 1: the Student t distribution function, its logarithm and its density, to full relative
//! precision in both tails, for real ν > 0.
//!
//! For T with ν degrees of freedom and t ≥ 0 (DLMF 8.17.4 and the substitution x = ν/(ν + t²)):
//!
//! * the upper tail P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½),
//! * the central part P(0 < T < t) = ½ I_{t²/(ν+t²)}(½, ν/2),
//!
//! and the two are complements of each other, so `incomplete_beta_log_pair` gives both at once,
//! each with its own relative accuracy. Both beta points come from ln(t²/ν) (see
//! `BetaPoint::from_log_ratio`), so that t² may overflow and ν may be 10¹².

use super::beta::{incomplete_beta_log_pair, ln_beta, BetaPoint};
use super::chi_mixture::{chi_mixture_pair, scale_limit};
use std::f64::consts::LN_2;

/// (ln P(T > t), ln P(T < t)) for T ~ t_ν, t any real (±∞ included), ν > 0 (ν = ∞: normal).
pub(crate) fn log_tails(t: f64, nu: f64) -> (f64, f64) {
    if t.is_nan() || nu.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if nu == f64::INFINITY {
        return (crate::normal::log_upper_tail(t), crate::normal::log_cdf(t));
    }
    if t == 0.0 {
        return (-LN_2, -LN_2);
    }
    if t.is_infinite() {
        return if t > 0.0 { (f64::NEG_INFINITY, 0.0) } else { (0.0, f64::NEG_INFINITY) };
    }
    let (ln_far, _) = log_far_and_central(t, nu);
    // The near side is the complement of the far tail (≤ ½).
    let ln_near = (-(ln_far.exp())).ln_1p();
    if t > 0.0 {
        (ln_far, ln_near)
    } else {
        (ln_near, ln_far)
    }
}

/// Above this ν the t functions integrate over the chi variable instead of evaluating the
/// incomplete beta function's continued fraction (whose rounding error grows like ν·10⁻¹⁹).
pub(crate) const LARGE_DEGREES_OF_FREEDOM: f64 = 200.0;

/// (ln P(T > |t|), ln P(0 < T < |t|)) for finite t ≠ 0 and finite ν: ½ I_x(ν/2, ½) and
/// ½ (1 − I_x(ν/2, ½)) with x = ν/(ν + t²), both from one continued fraction.
fn log_far_and_central(t: f64, nu: f64) -> (f64, f64) {
    if nu > LARGE_DEGREES_OF_FREEDOM {
        // The continued fraction loses ~ν·10⁻¹⁹ relative: integrate the normal tails over the
        // chi variable instead (relative accuracy in log space, any ν).
        let x = t.abs();
        let far = chi_mixture_pair(nu, &[x], |u| {
            let l = crate::normal::log_upper_tail(scale_limit(x, u));
            (l.exp(), l)
        });
        let central = chi_mixture_pair(nu, &[x], |u| {
            let l = crate::normal::log_interval_probability(0.0, scale_limit(x, u));
            (l.exp(), l)
        });
        return (far.1, central.1);
    }
    // ln(t²/ν) without forming t².
    let ln_ratio = 2.0 * (t.abs().ln() - 0.5 * nu.ln());
    let ln_ratio = if ln_ratio.abs() < 1.0 { ((t / nu.sqrt()) * (t / nu.sqrt())).ln() } else { ln_ratio };
    // Tail point x = ν/(ν + t²): the ratio ν/t².
    let point = BetaPoint::from_log_ratio(-ln_ratio);
    let (ln_i, ln_complement) = incomplete_beta_log_pair(point, 0.5 * nu, 0.5);
    (ln_i - LN_2, ln_complement - LN_2)
}

/// ln P(0 < T < |t|) for T ~ t_ν (the central part, accurate for small |t|).
pub(crate) fn log_central(t: f64, nu: f64) -> f64 {
    if t == 0.0 {
        return f64::NEG_INFINITY;
    }
    if t.is_infinite() {
        return -LN_2;
    }
    if nu == f64::INFINITY {
        return crate::normal::log_interval_probability(0.0, t.abs());
    }
    log_far_and_central(t, nu).1
}

/// P(T ≤ t) for T ~ t_ν.
///
/// ```
/// use mvn_orthant::student_t::univariate::cdf;
/// // ν = 1 is the Cauchy distribution: F(t) = ½ + atan(t)/π.
/// let t: f64 = -1e10;
/// let exact = (1.0 / t).atan().abs() / std::f64::consts::PI; // ½ + atan(t)/π for t < 0
/// assert!((cdf(t, 1.0) - exact).abs() <= 1e-14 * exact);
/// ```
pub fn cdf(t: f64, nu: f64) -> f64 {
    log_tails(t, nu).1.exp()
}

/// ln P(T ≤ t), accurate where P(T ≤ t) underflows.
pub fn log_cdf(t: f64, nu: f64) -> f64 {
    log_tails(t, nu).1
}

/// P(T > t).
pub fn upper_tail(t: f64, nu: f64) -> f64 {
    log_tails(t, nu).0.exp()
}

/// ln of the t_ν density, ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ) − (ν+1)/2 · ln(1 + t²/ν),
/// written as −ln B(ν/2, ½) − ½ ln ν − (ν+1)/2 · log1p(t²/ν) (B(ν/2, ½) = Γ(ν/2)Γ(½)/Γ((ν+1)/2)).
pub fn log_pdf(t: f64, nu: f64) -> f64 {
    if nu == f64::INFINITY {
        return crate::normal::log_pdf(t);
    }
    if t.is_infinite() {
        return f64::NEG_INFINITY;
    }
    let u = t / nu.sqrt();
    let ln_1p = if u.abs() < 1e150 { (u * u).ln_1p() } else { 2.0 * u.abs().ln() };
    -ln_beta(0.5 * nu, 0.5) - 0.5 * nu.ln() - 0.5 * (nu + 1.0) * ln_1p
}

/// The t_ν density.
pub fn pdf(t: f64, nu: f64) -> f64 {
    log_pdf(t, nu).exp()
}

/// (P, ln P) of P(α < T < β) for T ~ t_ν, α ≤ β, without cancellation: a difference of
/// tails on the side of the interval away from 0, and for an interval whose two tails agree to
/// more than a factor 2 (a narrow interval), the adaptive Gauss–Kronrod integral of the density.
pub(crate) fn interval_pair(alpha: f64, beta: f64, nu: f64) -> (f64, f64) {
    if alpha.is_nan() || beta.is_nan() || nu.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if alpha >= beta {
        return (0.0, f64::NEG_INFINITY);
    }
    if alpha == f64::NEG_INFINITY {
        let ln_p = log_tails(beta, nu).1;
        return (ln_p.exp(), ln_p);
    }
    if beta == f64::INFINITY {
        let ln_p = log_tails(alpha, nu).0;
        return (ln_p.exp(), ln_p);
    }
    // Reflect so that the interval's midpoint is ≥ 0.
    let (a, b) = if alpha + beta < 0.0 { (-beta, -alpha) } else { (alpha, beta) };
    if a <= 0.0 {
        // Straddles 0: P = P(a < T ≤ 0) + P(0 < T < b), two central parts.
        let p = log_central(a, nu).exp() + log_central(b, nu).exp();
        return (p, p.ln());
    }
    let (ln_sa, _) = log_tails(a, nu);
    let (ln_sb, _) = log_tails(b, nu);
    let drop = ln_sb - ln_sa;
    if drop < -LN_2 {
        let ln_p = ln_sa + super::beta::ln_one_minus_exp(drop);
        return (ln_p.exp(), ln_p);
    }
    // Narrow: integrate the density relative to its value at a (it decreases on [a, b]).
    let top = log_pdf(a, nu);
    let mut f = |x: f64| (log_pdf(x, nu) - top).exp();
    let width = b - a;
    let integral = crate::quadrature::adaptive_integral(&mut f, a, b, 1e-17 * width);
    let ln_p = top + integral.ln();
    (ln_p.exp(), ln_p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn cauchy_and_nu_two_closed_forms() {
        // ν = 1: P(T > t) = atan(1/t)/π for t > 0; ν = 2: P(T > t) = ½(1 − t/√(2 + t²)).
        for t in [1e-8f64, 0.3, 1.0, 7.0, 1e5, 1e200] {
            let cauchy = (1.0 / t).atan() / PI;
            // The power x^a is formed in log space: relative error ≈ ε·|ln P|.
            let tol = |p: f64| 4e-16 * (10.0 - p.ln());
            assert!((upper_tail(t, 1.0) / cauchy - 1.0).abs() < tol(cauchy), "t = {t}");
            if t > 1e150 {
                continue; // P(T > t) ≈ 1/(2t²) underflows for ν = 2.
            }
            let q = t * (1.0 + 2.0 / (t * t)).sqrt();
            let reference = 1.0 / q / (q + t);
            assert!((upper_tail(t, 2.0) / reference - 1.0).abs() < tol(reference), "t = {t}");
        }
    }

    #[test]
    fn density_integrates_to_the_interval() {
        for nu in [0.5, 3.0, 1e6] {
            let (p, _) = interval_pair(1.0, 1.0 + 1e-9, nu);
            let b = 1.0 + 1e-9;
            let mid = pdf(0.5 * (1.0 + b), nu) * (b - 1.0);
            assert!((p / mid - 1.0).abs() < 1e-12, "ν = {nu}");
        }
    }
}
