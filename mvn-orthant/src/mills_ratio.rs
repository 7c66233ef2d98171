//! The Mills ratio of the standard normal, R(x) = Q(x)/φ(x) for x ≥ 0, by a piecewise polynomial
//! table, and the upper tail Q(x) = φ(x)·R(x) built on it.
//!
//! # The approximation
//!
//! The substitution t = 4/(4 + x) maps [0, ∞) onto (0, 1], and T(t) = R(x)/t = R(x)(4 + x)/4 is
//! smooth on [0, 1] and bounded away from zero: T(1) = √(π/2) at x = 0 and T(0) = ¼, the limit of
//! the asymptotic R(x) ~ 1/x. (This change of variable is the one S. G. Johnson's Faddeeva
//! package uses for the scaled complementary error function.) The interval [0, 1] is cut into
//! 32 equal pieces; on piece i, u = 2(32t − i) − 1 ∈ [−1, 1] and T is
//! a polynomial of degree 7 in u, the Chebyshev interpolant computed in 50-digit arithmetic by
//! `data/fit_mills_ratio_table.py` of the crate. The interpolants reproduce T to 5e-18; rounding their
//! coefficients to doubles leaves 9e-17 (the generator prints both figures into
//! `mills_ratio/table.rs`).
//!
//! Evaluation costs one division, a table lookup and a degree-7 polynomial by Estrin's scheme,
//! with no branch on the argument: about a third of the cost of a complementary error function, which needs two
//! exponentials where this needs none.
//!
//! # The upper tail
//!
//! [`upper_tail_of_magnitude`] gives Q(|x|) = φ(x)·R(|x|), with φ through an exactly split x²
//! and an inlinable exponential (`exp_nonpositive`), and no branch on the argument: the
//! batched integrands evaluate it for eight independent points at a time, and a branch or a
//! call into the system library there would serialise them. Relative error below 1e-15 where
//! the result is a normal number.

mod table;

use table::{COEFFICIENTS, DEGREE, PIECES};

// The pieces are evaluated by the degree-7 Estrin scheme of `normal::polynomial`; a table
// regenerated with another degree must not compile silently.
const _: () = assert!(DEGREE == 7, "mills_ratio/table.rs must hold degree-7 polynomials");

/// T(t) = R(x)(4 + x)/4 at t = 4/(4 + x) ∈ [0, 1].
#[inline]
fn scaled_mills_ratio(t: f64) -> f64 {
    let position = t * PIECES as f64;
    // Saturating casts: t = 1 falls into the last piece; NaN gives piece 0 and a NaN result.
    let piece = (position as usize).min(PIECES - 1);
    let u = 2.0 * (position - piece as f64) - 1.0;
    crate::normal::polynomial(&COEFFICIENTS[piece], u)
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

/// ln 2 split into a high part with trailing zero bits (so that n·high is exact for |n| < 2¹¹)
/// and the rest.
const LN2_HIGH: f64 = 6.931_471_803_691_238e-1; // bits 0x3FE62E42FEE00000
const LN2_LOW: f64 = 1.9082149292705877e-10; // ln 2 − LN2_HIGH (mpmath)

/// e^x for x ≤ 0 without branches (x below −746 is treated as −746, where e^x is 0): the
/// reduction x = n ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial of degree 13
/// (truncation error 4e-18 relative) in Estrin's form, and the scaling by 2ⁿ in two halves so
/// that subnormal results come out right. Relative error about 2 ulp. NaN gives NaN.
///
/// Written for the batched integrand loops: unlike a call to the system `exp`, the compiler can
/// inline it and interleave independent evaluations.
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    // Adding 1.5·2⁵² rounds to an integer, which then sits in the low bits of the result.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let x = if x < -746.0 { -746.0 } else { x };
    let shifted = x * std::f64::consts::LOG2_E + SHIFTER;
    let n = shifted - SHIFTER;
    let n_int = shifted.to_bits() as i64 - SHIFTER.to_bits() as i64;
    let r = (x - n * LN2_HIGH) - n * LN2_LOW;
    // 1/k! for k = 0 … 13.
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        0.16666666666666666,
        0.041666666666666664,
        0.008333333333333333,
        0.001388888888888889,
        0.0001984126984126984,
        2.48015873015873e-05,
        2.7557319223985893e-06,
        2.755731922398589e-07,
        2.505210838544172e-08,
        2.08767569878681e-09,
        1.6059043836821613e-10,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = C[0] + C[1] * r;
    let p23 = C[2] + C[3] * r;
    let p45 = C[4] + C[5] * r;
    let p67 = C[6] + C[7] * r;
    let p89 = C[8] + C[9] * r;
    let p1011 = C[10] + C[11] * r;
    let p1213 = C[12] + C[13] * r;
    let low = (p01 + r2 * p23) + r4 * (p45 + r2 * p67);
    let high = (p89 + r2 * p1011) + r4 * p1213;
    let e_r = low + r8 * high;
    // n ∈ [−1077, 0]: 2ⁿ as two normal powers of two.
    let half = n_int >> 1;
    let rest = n_int - half;
    let scale = |m: i64| f64::from_bits(((m + 1023) as u64) << 52);
    e_r * scale(half) * scale(rest)
}

/// The upper tail Q(|x|) = φ(x)·R(|x|), with no branch on x.
///
/// φ(x) = e^{−x²/2}/√(2π) is formed with x² split exactly into s + e by Veltkamp's splitting (no
/// fused multiply–add needed), e^{−s/2}(1 − e/2), so that it keeps its relative accuracy where
/// x²/2 is in the hundreds; the exponential is `exp_nonpositive`. Relative error below 1e-15
/// where the result is a normal number (|x| < 37.5; measured against the 50-digit table of
/// `tests/normal_reference.rs`). 0 for |x| > 38.6; NaN gives NaN.
///
/// ```
/// use mvn_orthant::mills_ratio::upper_tail_of_magnitude;
/// // Q(10) = 7.619853024160526e-24 (mpmath); the sign of x does not matter.
/// assert!((upper_tail_of_magnitude(-10.0) / 7.619_853_024_160_526e-24 - 1.0).abs() < 1e-15);
/// assert_eq!(upper_tail_of_magnitude(f64::INFINITY), 0.0);
/// ```
#[inline(always)]
pub fn upper_tail_of_magnitude(x: f64) -> f64 {
    let a = x.abs();
    let clamped = if a > 38.6 { 38.6 } else { a };
    let (s, e) = crate::normal::square_with_error(clamped);
    let t = 4.0 / (4.0 + clamped);
    let q = crate::normal::FRAC_1_SQRT_2PI
        * exp_nonpositive(-0.5 * s)
        * (1.0 - 0.5 * e)
        * t
        * scaled_mills_ratio(t);
    if a > 38.6 {
        0.0
    } else {
        q
    }
}

/// The standard normal density φ(x) without branches, for the batched integrand loops: x² split
/// exactly and `exp_nonpositive`; 0 for |x| > 38.6 (and for ±∞), NaN for NaN. Relative error
/// about 3 ulp.
#[inline(always)]
pub(crate) fn density_branch_free(x: f64) -> f64 {
    let a = x.abs();
    let clamped = if a > 38.6 { 38.6 } else { a };
    let (s, e) = crate::normal::square_with_error(clamped);
    let value = crate::normal::FRAC_1_SQRT_2PI * exp_nonpositive(-0.5 * s) * (1.0 - 0.5 * e);
    if a > 38.6 {
        0.0
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::exp_nonpositive;

    /// The branch-free exponential against the system one (a few ulp), including the subnormal
    /// range.
    #[test]
    fn exp_nonpositive_matches_the_system_exponential() {
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(-1e300) == 0.0 && exp_nonpositive(f64::NAN).is_nan());
        let mut largest: f64 = 0.0;
        for i in 0..=200_000 {
            let x = -708.0 * i as f64 / 200_000.0;
            let (got, want) = (exp_nonpositive(x), x.exp());
            largest = largest.max(((got - want) / want).abs());
        }
        assert!(largest <= 5e-16, "exp_nonpositive: {largest:e}");
        for x in [-709.0, -720.5, -740.0, -744.4] {
            let (got, want) = (exp_nonpositive(x), x.exp());
            // Subnormal results: within a few units of the smallest subnormal's scale.
            assert!(
                (got - want).abs() <= 4.0 * want * f64::EPSILON + 2.0 * 4.9e-324,
                "{x}: {got:e} vs {want:e}"
            );
        }
        assert_eq!(exp_nonpositive(-800.0), 0.0);
    }
}
