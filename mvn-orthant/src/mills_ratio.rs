//! The Mills ratio of the standard normal, R(x) = Q(x)/φ(x) for x ≥ 0, by a piecewise polynomial
//! table, and the upper tail Q(x) = φ(x)·R(x) built on it.
//!
//! # The approximation
//!
//! The substitution t = 4/(4 + x) maps [0, ∞) onto (0, 1], and T(t) = R(x)/t = R(x)(4 + x)/4 is
//! smooth on [0, 1] and bounded away from zero: T(1) = √(π/2) at x = 0 and T(0) = ¼, the limit of
//! the asymptotic R(x) ~ 1/x. (This change of variable is the one S. G. Johnson's Faddeeva
//! package uses for the scaled complementary error function.) The interval [0, 1] is cut into
//! [`PIECES`](table::PIECES) = 32 equal pieces; on piece i, u = 2(32t − i) − 1 ∈ [−1, 1] and T is
//! a polynomial of degree 7 in u, the Chebyshev interpolant computed in 50-digit arithmetic by
//! `mills_ratio/fit_table.py`. The interpolants reproduce T to 5e-18; rounding their
//! coefficients to doubles leaves 9e-17 (the generator prints both figures into
//! `mills_ratio/table.rs`).
//!
//! Evaluation costs one division, a table lookup and a degree-7 polynomial by Estrin's scheme,
//! with no branch on the argument: about a third of the cost of a complementary error function, which needs two
//! exponentials where this needs none.
//!
//! # The upper tail
//!
//! Q(x) = φ(x)·R(x), where φ(x) = e^{−x²/2}/√(2π) is formed with x² split exactly into
//! s + e (Veltkamp's splitting, no fused multiply–add needed) so that e^{−s/2}(1 − e/2) keeps
//! its relative accuracy where x²/2 is in the hundreds. Measured against the 40-digit table of
//! `tests/normal_reference.rs`, the relative error is below 1e-15 on [0, 37.5] (results that are
//! not subnormal).

mod table;

use table::{COEFFICIENTS, DEGREE, PIECES};

/// T(t) = R(x)(4 + x)/4 at t = 4/(4 + x) ∈ [0, 1].
#[inline]
fn scaled_mills_ratio(t: f64) -> f64 {
    let position = t * PIECES as f64;
    // Saturating casts: t = 1 falls into the last piece; NaN gives piece 0 and a NaN result.
    let piece = (position as usize).min(PIECES - 1);
    let u = 2.0 * (position - piece as f64) - 1.0;
    estrin7(&COEFFICIENTS[piece], u)
}

/// Σ_{k ≤ 7} c_k u^k by Estrin's scheme: three levels of independent multiply–adds instead of
/// Horner's chain of seven dependent ones (the chain's latency, not its arithmetic, is what
/// costs in a hot loop).
#[inline]
fn estrin7(c: &[f64; DEGREE + 1], u: f64) -> f64 {
    let u2 = u * u;
    let u4 = u2 * u2;
    let low = (c[0] + c[1] * u) + u2 * (c[2] + c[3] * u);
    let high = (c[4] + c[5] * u) + u2 * (c[6] + c[7] * u);
    low + u4 * high
}

/// The Mills ratio R(x) = Q(x)/φ(x) = e^{x²/2} ∫_x^∞ e^{−s²/2} ds for x ≥ 0 (R(0) = √(π/2),
/// R(x) ~ 1/x as x → ∞), to a relative error of a few 1e-16.
///
/// Arguments below 0 are outside the table: the result is unspecified (no panic). NaN gives
/// NaN, +∞ gives 0.
///
/// ```
/// use mvn_orthant::mills_ratio::mills_ratio;
/// assert!((mills_ratio(0.0) / (std::f64::consts::PI / 2.0).sqrt() - 1.0).abs() < 3e-16);
/// // R(10) from mpmath: 0.09902859647173192…
/// assert!((mills_ratio(10.0) / 0.099_028_596_471_731_92 - 1.0).abs() < 1e-15);
/// ```
#[inline]
pub fn mills_ratio(x: f64) -> f64 {
    let t = 4.0 / (4.0 + x);
    t * scaled_mills_ratio(t)
}

/// x² as an unevaluated sum s + e with s = fl(x²), exact for |x| ≤ 1e150 (Veltkamp's splitting
/// of x into two 26-bit halves, then Dekker's product); e = 0 beyond.
#[inline]
pub(crate) fn exact_square(x: f64) -> (f64, f64) {
    let s = x * x;
    if x.abs() > 1e150 || x.is_nan() {
        return (s, 0.0);
    }
    const SPLITTER: f64 = 134_217_729.0; // 2^27 + 1
    let c = SPLITTER * x;
    let high = c - (c - x);
    let low = x - high;
    let e = ((high * high - s) + 2.0 * high * low) + low * low;
    (s, e)
}

/// The upper tail Q(x) = φ(x)·R(x) for x ≥ 0 (see the module documentation); 0 above 38.6,
/// where it underflows. Arguments below 0 give an unspecified value (no panic); NaN gives NaN.
#[inline]
pub fn upper_tail_nonnegative(x: f64) -> f64 {
    if x > 38.6 {
        return 0.0;
    }
    let (s, e) = exact_square(x);
    crate::normal::FRAC_1_SQRT_2PI * (-0.5 * s).exp() * (1.0 - 0.5 * e) * mills_ratio(x)
}
