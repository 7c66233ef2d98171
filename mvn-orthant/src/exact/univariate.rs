//! d = 1: P(a ≤ X ≤ b) = Φ(β) − Φ(α) with α = (a − μ)/σ, β = (b − μ)/σ, computed without
//! cancellation, and its logarithm accurate where the probability underflows.
//!
//! The interval is first oriented towards the nearer tail: when α + β > 0 the probability is
//! Q(α) − Q(β) (upper tails), otherwise Φ(β) − Φ(α); intervals inside [−1, 1] use
//! (erf(β/√2) − erf(α/√2))/2, which keeps narrow intervals near the origin accurate. In log space,
//! ln(e^u − e^v) = u + ln(−expm1(v − u)) with u = ln Q(α) ≥ v = ln Q(β) (or the mirror image).

use crate::estimate::Method;

use crate::problem::Problem;

/// P(α ≤ Z ≤ β) for a standard normal Z, with relative accuracy in either tail.
/// Returns 0 when α ≥ β. Infinite limits are allowed.
pub(crate) fn standard_interval(alpha: f64, beta: f64) -> f64 {
    if alpha.is_nan() || beta.is_nan() {
        return f64::NAN;
    }
    crate::normal::interval_probability(alpha, beta)
}

/// ln P(α ≤ Z ≤ β) for a standard normal Z, accurate when the probability underflows
/// (e.g. α = 40, β = 41 gives ≈ −804.6). −∞ when α ≥ β.
pub(crate) fn log_standard_interval(alpha: f64, beta: f64) -> f64 {
    if alpha.is_nan() || beta.is_nan() {
        return f64::NAN;
    }
    crate::normal::log_interval_probability(alpha, beta)
}

/// Standardised limits of an interval for a normal with mean `mean` and variance `variance`
/// (≥ 0). A zero variance gives (−∞, ∞) when the point mass lies in `[a, b]`, else an empty
/// interval (∞, ∞).
#[inline]
pub(crate) fn standardize(a: f64, b: f64, mean: f64, variance: f64) -> (f64, f64) {
    if variance > 0.0 {
        let s = variance.sqrt();
        ((a - mean) / s, (b - mean) / s)
    } else if a <= mean && mean <= b {
        (f64::NEG_INFINITY, f64::INFINITY)
    } else {
        (f64::INFINITY, f64::INFINITY)
    }
}

/// P(a ≤ X ≤ b) for X ~ N(mean, variance), variance ≥ 0 (a zero variance is a point mass).
pub(crate) fn interval_probability(a: f64, b: f64, mean: f64, variance: f64) -> f64 {
    let (alpha, beta) = standardize(a, b, mean, variance);
    standard_interval(alpha, beta)
}

/// ln P(a ≤ X ≤ b) for X ~ N(mean, variance), accurate where P underflows.
pub(crate) fn log_interval_probability(a: f64, b: f64, mean: f64, variance: f64) -> f64 {
    let (alpha, beta) = standardize(a, b, mean, variance);
    log_standard_interval(alpha, beta)
}

exact_method!(
    /// The d = 1 method as an [`Integrator`](crate::Integrator). Coordinates with both limits
    /// infinite are dropped first; the method applies when at most one constrained coordinate
    /// remains.
    Univariate, Method::Univariate, 1, interval_pair_of_problem
);

/// (P, ln P) of a problem with one constrained coordinate.
fn interval_pair_of_problem(p: &Problem) -> (f64, f64) {
    let (a, b, m, v) = (p.lower()[0], p.upper()[0], p.mean()[0], p.covariance().get(0, 0));
    let value = interval_probability(a, b, m, v);
    (value, if value > 1e-300 { value.ln() } else { log_interval_probability(a, b, m, v) })
}

/// (P, ln P) of a standard interval: ln P from the log-space formula only where P is too small
/// for its own logarithm to be accurate.
#[inline]
pub(crate) fn standard_interval_pair(alpha: f64, beta: f64) -> (f64, f64) {
    let value = standard_interval(alpha, beta);
    if value > 1e-290 {
        (value, value.ln())
    } else {
        let log_value = log_standard_interval(alpha, beta);
        (log_value.exp(), log_value)
    }
}

/// (P, ln P) of P(α ≤ Z ≤ α + w) for a standard normal Z, given the lower limit α and the
/// width w ≥ 0 (w = +∞ allowed; α = −∞ allowed with w = +∞).
///
/// Passing the width rather than the upper limit matters for narrow intervals away from 0: the
/// rounded double β = α + w knows w only to ulp(β)/w relative (5e-8 for w = 1e-9 at β ≈ 0.4).
/// Where w·max(|α|, |α + w|, 1) ≤ 1/4, P = φ(α)∫_0^w exp(−s(α + s/2)) ds by 8-point
/// Gauss–Legendre in s (the nodes are small numbers with relative rounding only); otherwise the
/// relatively accurate interval function of `normal` is used with β = α + w.
#[inline]
pub(crate) fn interval_pair_by_width(alpha: f64, w: f64) -> (f64, f64) {
    if alpha.is_nan() || w.is_nan() || w <= 0.0 || alpha == f64::INFINITY {
        return if alpha.is_nan() || w.is_nan() { (f64::NAN, f64::NAN) } else { (0.0, f64::NEG_INFINITY) };
    }
    if alpha.is_finite() && w * alpha.abs().max((alpha + w).abs()).max(1.0) <= 0.25 {
        let ratio = crate::normal::narrow_interval_ratio_of_width(alpha, w);
        let log_value = crate::normal::log_pdf(alpha) + ratio.ln();
        let value = crate::normal::pdf(alpha) * ratio;
        return (if value > 1e-300 { value } else { log_value.exp() }, log_value);
    }
    if w == f64::INFINITY {
        return standard_interval_pair(alpha, f64::INFINITY);
    }
    standard_interval_pair(alpha, alpha + w)
}
