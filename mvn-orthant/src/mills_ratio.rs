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
//! `upper_tail_of_magnitude` gives Q(|x|) = φ(x)·R(|x|), with φ through an exactly split x²
//! and an inlinable exponential (`exp_nonpositive`), and no branch on the argument: the
//! batched integrands evaluate it for sixteen independent points at a time, and a branch or a
//! call into the system library there would serialise them. Relative error below 1e-15 where
//! the result is a normal number.

//!
//! # ln Φ and the inverse Mills ratio
//!
//! [`log_cdf_and_inverse_mills`] gives ln Φ(x) and φ(x)/Φ(x) together, for x ∈ (−51, 12] from
//! piecewise polynomials in x (no division, exponential or logarithm):
//!
//! * the piece is read off the bits of y = 13 − x, its binade [2^e, 2^(e+1)) (y ∈ [1, 64)) and
//!   the top 9 bits of its mantissa, so that the pieces have width 2^e/512: from 1/512 on
//!   (11, 12] to 1/16 on (−51, −19], 3 072 of them, narrow where ln Φ behaves like Q(x) and its
//!   Taylor coefficients relative to the value grow like x^k;
//! * on each, ln Φ and φ/Φ are their degree-7 Chebyshev interpolants in x − x_c, computed in
//!   40-digit arithmetic by `data/fit_log_cdf_table.py` of the crate (the nearest singularities
//!   of both, the zeros of Φ, are at about 1.92 ± 2.82i); the generator evaluates the rounded
//!   coefficients in doubles exactly as the code does and measures 2.2e-16 relative against
//!   mpmath (printed into `mills_ratio/log_cdf_table.rs`).
//!
//! Above 12, Q(x) < 1.8e-33, so ln Φ = −Q and φ/Φ = φ to rounding, with R from pieces of width ¼
//! in x; at or below −51, ln Φ = ln φ + ln R(|x|) and φ/Φ = 1/R(|x|).
//!
//! # The vectorised batch
//!
//! The per-class loop of the EXACT integrand and the one-sided factors of a one-factor orthant
//! run through `log_cdf_and_inverse_mills_batch` (crate-internal): the pieces of a block of
//! arguments are found in one loop (four wide with AVX2, with one mask telling whether any
//! argument is outside the table) and the polynomials evaluated in a second, four arguments at
//! a time; the arguments outside the table are gathered and go through their own forms (above
//! 12 the Mills-ratio pieces and an inlined exponential `exp_nonpositive`; below −51 a
//! branch-free form with an inlined logarithm `ln_positive_normal`), so that each result
//! depends on its own argument only. On a CPU with AVX2 (chosen at run time through `pulp`, no
//! `-C target-cpu` needed) the rows of four pieces are read as 4-wide vectors and transposed by
//! safe shuffles into one vector per coefficient, and the polynomials run four wide; elsewhere
//! one after the other. Rust never fuses a product and a sum unless asked (`mul_add`), so both
//! forms perform the same IEEE operations in the same order: **the results are bit-identical on
//! every CPU** and equal to [`log_cdf_and_inverse_mills`] (a test checks both forms bit for bit).
//! Measured on 1 000 arguments spread over (−8, 9): 2.2 ns per argument for both values and
//! 1.4 ns for ln Φ alone with AVX2 (3.0 and 2.0 ns with the pieces found one at a time), 4.2–4.5
//! ns one at a time, against 13 ns for the former form built on the Mills ratio (one thread of
//! this 2-core machine).

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

/// e^x for x ≤ 0 without branches (0 below −746, where e^x rounds to 0): the
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
    // Below −746 the result is 0. The arithmetic then runs on 0 instead of at the edge, where
    // the scaling would underflow through subnormals, each costing a microcode assist of about
    // a hundred cycles on x86 (the normal density of the far classes, clamped there, spent a
    // quarter of the complement's node time in it).
    let underflow = x < -746.0;
    let x = if underflow { 0.0 } else { x };
    let shifted = x * std::f64::consts::LOG2_E + SHIFTER;
    let n = shifted - SHIFTER;
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
    // n ∈ [−1077, 0]: 2ⁿ as two normal powers of two 2^half·2^rest (half = n/2 rounded to an
    // integer, in floating point: vectorisable without 64-bit integer conversions; any split
    // gives the same bits, the first product being exact). 2^m is the bit pattern of 2⁵² + 1023
    // + m (an exact integer in a double) shifted into the exponent field.
    const EXPONENT_BIAS: f64 = 4_503_599_627_371_519.0; // 2⁵² + 1023
    let half = (0.5 * n + SHIFTER) - SHIFTER;
    let rest = n - half;
    let scale = |m: f64| f64::from_bits((m + EXPONENT_BIAS).to_bits() << 52);
    let value = e_r * scale(half) * scale(rest);
    if underflow {
        0.0
    } else {
        value
    }
}

/// The upper tail Q(|x|) = φ(x)·R(|x|), with no branch on x.
///
/// φ(x) = e^{−x²/2}/√(2π) is formed with x² split exactly into s + e by Veltkamp's splitting (no
/// fused multiply–add needed), e^{−s/2}(1 − e/2), so that it keeps its relative accuracy where
/// x²/2 is in the hundreds; the exponential is `exp_nonpositive`. Relative error below 1e-15
/// where the result is a normal number (|x| < 37.5; measured against the 50-digit table of
/// `src/fast_normal_reference.rs`). 0 for |x| > 38.6; NaN gives NaN.
///
/// The same values as [`crate::normal::upper_tail`] of |x| to that accuracy, at a fraction of
/// its cost (no complementary error function, an inlined exponential), for hot loops.
///
/// ```
/// use mvn_orthant::mills_ratio::upper_tail_of_magnitude;
/// // Q(10) from mpmath: 7.619853024160526e-24.
/// assert!((upper_tail_of_magnitude(-10.0) / 7.619_853_024_160_526e-24 - 1.0).abs() < 1e-15);
/// assert_eq!(upper_tail_of_magnitude(40.0), 0.0);
/// ```
#[inline(always)]
pub fn upper_tail_of_magnitude(x: f64) -> f64 {
    let a = x.abs();
    // Beyond 38.6 the result is 0; the arithmetic runs on 0 instead, since an exponential that
    // underflows to a subnormal costs a microcode assist of about a hundred cycles on x86.
    let clamped = if a > 38.6 { 0.0 } else { a };
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

/// [`upper_tail_of_magnitude`] of the points of a Genz batch (`genz::integrand`, N a multiple
/// of 4), with the same bits whatever the implementation.
pub(crate) trait UpperTails: Copy {
    /// Q(|x_p|) for p < N.
    fn of_magnitude<const N: usize>(self, x: &[f64; N]) -> [f64; N];
}

/// [`UpperTails`] one point after the other (any CPU).
#[derive(Clone, Copy)]
pub(crate) struct TailsOneAtATime;

impl UpperTails for TailsOneAtATime {
    #[inline(always)]
    fn of_magnitude<const N: usize>(self, x: &[f64; N]) -> [f64; N] {
        x.map(upper_tail_of_magnitude)
    }
}

/// [`UpperTails`] with AVX2, for code compiled inside `V3::vectorize`: the rows of the Mills-ratio
/// table of four points are read as two 4-wide vectors each and transposed ([`transpose4`])
/// into one vector per coefficient, and T(t) is evaluated four points wide by the operations of
/// `normal::polynomial` (the same bits as [`upper_tail_of_magnitude`]; the rest of the tail is
/// plain arithmetic over the batch's points, which the compiler vectorises in that context).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct TailsAvx2(pub(crate) pulp::x86::V3);

#[cfg(target_arch = "x86_64")]
impl UpperTails for TailsAvx2 {
    #[inline(always)]
    fn of_magnitude<const N: usize>(self, x: &[f64; N]) -> [f64; N] {
        use pulp::Simd;
        const { assert!(N % 4 == 0, "the points go four at a time") };
        let simd = self.0;
        // |x|, clamped, t = 4/(4 + |x|), and the pieces and offsets of `scaled_mills_ratio` (the
        // same u, through a conversion that AVX2 has).
        let (mut a, mut clamped, mut t) = ([0.0; N], [0.0; N], [0.0; N]);
        let mut piece = [0usize; N];
        let mut u = [0.0; N];
        for p in 0..N {
            a[p] = x[p].abs();
            // 0 beyond 38.6, as in `upper_tail_of_magnitude`: no subnormal arithmetic.
            clamped[p] = if a[p] > 38.6 { 0.0 } else { a[p] };
            t[p] = 4.0 / (4.0 + clamped[p]);
            (piece[p], u[p]) = batch::piece_and_offset(t[p]);
        }
        let mut scaled = [0.0; N];
        for quad in 0..N / 4 {
            let rows: [[pulp::f64x4; 2]; 4] = std::array::from_fn(|k| {
                *pulp::bytemuck::cast_ref::<[f64; 8], [pulp::f64x4; 2]>(&COEFFICIENTS[piece[4 * quad + k]])
            });
            let low = transpose4(simd, rows.map(|r| r[0]));
            let high = transpose4(simd, rows.map(|r| r[1]));
            let v: pulp::f64x4 = pulp::cast([u[4 * quad], u[4 * quad + 1], u[4 * quad + 2], u[4 * quad + 3]]);
            // normal::polynomial: (c0 + c1 u) + u²(c2 + c3 u), (c4 + c5 u) + u²(c6 + c7 u), low + u⁴ high.
            let v2 = simd.mul_f64s(v, v);
            let v4 = simd.mul_f64s(v2, v2);
            let low = simd.add_f64s(
                simd.add_f64s(low[0], simd.mul_f64s(low[1], v)),
                simd.mul_f64s(v2, simd.add_f64s(low[2], simd.mul_f64s(low[3], v))),
            );
            let high = simd.add_f64s(
                simd.add_f64s(high[0], simd.mul_f64s(high[1], v)),
                simd.mul_f64s(v2, simd.add_f64s(high[2], simd.mul_f64s(high[3], v))),
            );
            let value: [f64; 4] = pulp::cast(simd.add_f64s(low, simd.mul_f64s(v4, high)));
            scaled[4 * quad..4 * quad + 4].copy_from_slice(&value);
        }
        let mut tails = [0.0; N];
        for p in 0..N {
            let (s, e) = crate::normal::square_with_error(clamped[p]);
            let q = crate::normal::FRAC_1_SQRT_2PI
                * exp_nonpositive(-0.5 * s)
                * (1.0 - 0.5 * e)
                * t[p]
                * scaled[p];
            tails[p] = if a[p] > 38.6 { 0.0 } else { q };
        }
        tails
    }
}

/// The 4 × 4 transpose by AVX2 shuffles (two unpacks and two lane permutes per pair): vector k of
/// the result holds element k of each of the four inputs. Used on table rows, so that four
/// arguments' polynomials run four wide without gathers (which would need `unsafe`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn transpose4(simd: pulp::x86::V3, r: [pulp::f64x4; 4]) -> [pulp::f64x4; 4] {
    use pulp::cast;
    let avx = simd.avx;
    let t0 = avx._mm256_unpacklo_pd(cast(r[0]), cast(r[1]));
    let t1 = avx._mm256_unpackhi_pd(cast(r[0]), cast(r[1]));
    let t2 = avx._mm256_unpacklo_pd(cast(r[2]), cast(r[3]));
    let t3 = avx._mm256_unpackhi_pd(cast(r[2]), cast(r[3]));
    [
        cast(avx._mm256_permute2f128_pd::<0x20>(t0, t2)),
        cast(avx._mm256_permute2f128_pd::<0x20>(t1, t3)),
        cast(avx._mm256_permute2f128_pd::<0x31>(t0, t2)),
        cast(avx._mm256_permute2f128_pd::<0x31>(t1, t3)),
    ]
}

/// The standard normal density φ(x) without branches, for the batched integrand loops: x² split
/// exactly and `exp_nonpositive`; 0 for |x| > 38.6 (and for ±∞), NaN for NaN. Relative error
/// about 3 ulp.
#[inline(always)]
pub(crate) fn density_branch_free(x: f64) -> f64 {
    let a = x.abs();
    // 0 beyond 38.6, as in `upper_tail_of_magnitude`: no subnormal arithmetic.
    let clamped = if a > 38.6 { 0.0 } else { a };
    let (s, e) = crate::normal::square_with_error(clamped);
    let value = crate::normal::FRAC_1_SQRT_2PI * exp_nonpositive(-0.5 * s) * (1.0 - 0.5 * e);
    if a > 38.6 {
        0.0
    } else {
        value
    }
}

/// ln Φ(x) and φ(x)/Φ(x) above the table (x > 12), where Q(x) < 1.8e-33: ln Φ = ln(1 − Q) = −Q
/// and φ/Φ = φ/(1 − Q) = φ to rounding, with Q = φ(x)R(x), R from the Mills-ratio pieces of
/// width ¼ of `log_cdf_table` (x − x_c exact) and φ from [`density_branch_free`]. Branch-free;
/// beyond the last piece (44) R is that piece's value at its centre, and φ is 0 there anyway.
#[inline(always)]
pub(super) fn log_cdf_and_inverse_mills_right_tail(x: f64) -> (f64, f64) {
    use log_cdf_table::{RIGHT_MILLS_RATIO, RIGHT_PIECES, RIGHT_START, RIGHT_WIDTH};
    let position = (x - RIGHT_START) * (1.0 / RIGHT_WIDTH);
    let last = (RIGHT_PIECES - 1) as f64;
    let clamped = if position < last { position } else { last };
    let index = if clamped > 0.0 { clamped as i32 } else { 0 };
    let centre = RIGHT_START + (f64::from(index) + 0.5) * RIGHT_WIDTH;
    let argument = if position < last + 1.0 { x } else { centre };
    let ratio =
        piece_polynomial(&RIGHT_MILLS_RATIO[(index as usize).min(RIGHT_PIECES - 1)], argument - centre);
    let density = density_branch_free(x);
    (-(density * ratio), density)
}

/// ln Φ(x) and the inverse Mills ratio φ(x)/Φ(x) together:
///
/// * x ∈ (−51, 12]: by the piecewise polynomials of the module documentation (two degree-7
///   polynomials in x − x_c; no division, exponential or logarithm);
/// * x ≤ −51: Φ(x) = φ(x)R(|x|), so ln Φ(x) = ln φ(x) + ln R(|x|) (ln φ with x² split exactly)
///   and φ/Φ = 1/R(|x|), with R from its table and an inlined logarithm;
/// * x > 12: Q = φ(x)R(x) < 1.8e-33, so ln Φ(x) = ln(1 − Q) = −Q and φ/Φ = φ(x)/(1 − Q) = φ(x)
///   to rounding, R by pieces of width ¼ in x (no division or logarithm).
///
/// Relative error 2.2e-16 on the table and a few 1e-16 beyond, for every finite x (ln Φ(x) =
/// −Q(x) underflows, as it must, beyond x ≈ 38.5); ±∞ give (−∞, +∞) and (0, 0); NaN gives NaN.
///
/// This is the scalar form, and the reference of the tests of the vectorised batch that the
/// EXACT integrand and the one-sided factors of the one-factor orthant use (see the module
/// documentation).
///
/// ```
/// use mvn_orthant::mills_ratio::log_cdf_and_inverse_mills;
/// use mvn_orthant::normal::{cdf, log_cdf, pdf};
/// for x in [-50.0, -3.0, 0.0, 0.7, 9.0] {
///     let (log_cdf_x, ratio) = log_cdf_and_inverse_mills(x);
///     assert!((log_cdf_x / log_cdf(x) - 1.0).abs() < 1e-15);
///     if x > -30.0 {
///         assert!((ratio / (pdf(x) / cdf(x)) - 1.0).abs() < 1e-14);
///     }
/// }
/// ```
#[inline]
pub fn log_cdf_and_inverse_mills(x: f64) -> (f64, f64) {
    if let (piece, delta, true) = log_cdf_piece(x) {
        log_cdf_and_inverse_mills_from_table(piece, delta)
    } else if above_table(x) {
        log_cdf_and_inverse_mills_right_tail(x)
    } else {
        batch::log_cdf_and_inverse_mills_below_table(x)
    }
}

/// The inverse Mills ratio φ(x)/Φ(x) alone (see [`log_cdf_and_inverse_mills`], same bits), without
/// the logarithm: the table's polynomial on (−51, 12], φ(x) above, 1/R(|x|) below.
#[inline]
pub(crate) fn inverse_mills_ratio(x: f64) -> f64 {
    if let (piece, delta, true) = log_cdf_piece(x) {
        piece_polynomial(&log_cdf_table::COEFFICIENTS[piece].0[8..], delta)
    } else if above_table(x) {
        log_cdf_and_inverse_mills_right_tail(x).1
    } else {
        batch::log_cdf_and_inverse_mills_below_table(x).1
    }
}

mod batch;
mod log_cdf_table;

/// The piece of x in `log_cdf_table` and the offset x − x_c from its centre; the third value
/// is `false` when x is outside the table, (−51, 12] (y = 13 − x outside [1, 64), or NaN), and
/// the piece is then 0.
///
/// The piece is q = (bits of y) ≫ 43 − 1023·512: the binade of y and the top 9 bits of its
/// mantissa. Its centre y_c has those bits and the next one set; x_c = 13 − y_c is exact (a
/// multiple of 2⁻¹⁰ below 64), and x − x_c is rounded once, relative to itself, so the rounding
/// of y matters only in choosing the piece: a neighbour's polynomial a rounding error beyond
/// its end is as accurate.
#[inline(always)]
pub(super) fn log_cdf_piece(x: f64) -> (usize, f64, bool) {
    use log_cdf_table::{MANTISSA_BITS, ORIGIN, PIECES};
    const SHIFT: u32 = 52 - MANTISSA_BITS;
    const OFFSET: u64 = 1023 << MANTISSA_BITS;
    let y = ORIGIN - x;
    let inside = (1.0..64.0).contains(&y);
    let piece = (y.to_bits() >> SHIFT).wrapping_sub(OFFSET);
    let piece = if inside { piece } else { 0 };
    let centre = ORIGIN - f64::from_bits(((piece + OFFSET) << SHIFT) | (1 << (SHIFT - 1)));
    ((piece as usize).min(PIECES - 1), x - centre, inside)
}

/// Above the table: x > `log_cdf_table::RIGHT_START` (12), where [`log_cdf_and_inverse_mills_right_tail`]
/// takes over.
#[inline(always)]
pub(super) fn above_table(x: f64) -> bool {
    x > log_cdf_table::RIGHT_START
}

/// The degree-7 polynomial of a piece at the offset δ: the terms of degree 1 to 7 by Estrin's
/// scheme, then the constant added last (one rounding of the dominant term; the generator of
/// the table evaluates it in the same order to measure its error).
#[inline(always)]
pub(super) fn piece_polynomial(c: &[f64], delta: f64) -> f64 {
    let (d2, c) = (delta * delta, &c[..8]);
    let d4 = d2 * d2;
    let low = c[1] * delta + d2 * (c[2] + c[3] * delta);
    let high = (c[4] + c[5] * delta) + d2 * (c[6] + c[7] * delta);
    c[0] + (low + d4 * high)
}

/// ln Φ(x) and φ(x)/Φ(x) from the table, for x inside it ([`log_cdf_piece`]).
#[inline(always)]
pub(super) fn log_cdf_and_inverse_mills_from_table(piece: usize, delta: f64) -> (f64, f64) {
    let row = &log_cdf_table::COEFFICIENTS[piece].0;
    (piece_polynomial(&row[..8], delta), piece_polynomial(&row[8..], delta))
}

pub(crate) use batch::{log_cdf_and_inverse_mills_batch, log_cdf_and_inverse_mills_batch_shifted};

#[cfg(test)]
mod tests {
    use super::{
        density_branch_free, exp_nonpositive, inverse_mills_ratio, log_cdf_and_inverse_mills,
        log_cdf_and_inverse_mills_batch,
    };
    use crate::normal::{cdf, log_cdf, pdf};

    /// ln Φ and φ/Φ against the 50-digit mpmath table of the crate's tests
    /// (`tests/data/normal_reference.csv`, `tests/data/generate_normal_table.py`): its ln Φ rows,
    /// ln Φ = ln(1 − Q) from its Q rows (x > 0) and ln Φ from its Φ rows (x ≤ 0, Φ normal).
    #[test]
    fn log_cdf_and_inverse_mills_match_the_mpmath_table() {
        let text = include_str!("../tests/data/normal_reference.csv");
        let (mut worst, mut rows) = (0.0f64, 0);
        let mut checked = Vec::new();
        for line in text.lines().skip(1) {
            let mut parts = line.split(',');
            let (function, argument, value) =
                (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            let (Ok(x), Ok(v)) = (argument.parse::<f64>(), value.parse::<f64>()) else { continue };
            let want = match function {
                "log_cdf" => v,
                "upper_tail" if x > 0.0 && v > 1e-300 => (-v).ln_1p(),
                "cdf" if x <= 0.0 && v >= f64::MIN_POSITIVE => v.ln(),
                _ => continue,
            };
            if want == 0.0 || want.abs() < 1e-300 {
                continue;
            }
            let (l, r) = log_cdf_and_inverse_mills(x);
            checked.push((x, want));
            let error = ((l - want) / want).abs();
            assert!(error <= 8e-16, "ln Φ({x}) = {l:e}, mpmath {want:e}: {error:e}");
            worst = worst.max(error);
            if function == "cdf" && x > -30.0 {
                let ratio = pdf(x) / v;
                assert!(((r - ratio) / ratio).abs() <= 8e-16, "φ/Φ({x}) = {r:e} vs {ratio:e}");
            }
            rows += 1;
        }
        assert!(rows > 900, "{rows} rows");
        println!("ln Φ: max relative error {worst:e} over {rows} mpmath rows");
        // The vectorised batch on the same rows.
        let (x, want): (Vec<f64>, Vec<f64>) = checked.into_iter().unzip();
        let mut batch = vec![0.0; x.len()];
        log_cdf_and_inverse_mills_batch(&x, &mut batch, None);
        let worst_batch = batch.iter().zip(&want).fold(0.0f64, |e, (&l, &w)| e.max(((l - w) / w).abs()));
        assert!(worst_batch <= 8e-16, "batch ln Φ: {worst_batch:e}");
        println!("batch ln Φ: max relative error {worst_batch:e}");
    }

    /// ln Φ against `normal::log_cdf` (tested against 50-digit values in
    /// tests/normal_reference.rs) on a dense grid over [−40, 40] and in the far lower tail, and
    /// φ/Φ against the direct ratio where Φ is a normal number and the asymptotic series of the
    /// Mills ratio beyond.
    #[test]
    fn log_cdf_and_inverse_mills_match_the_scalar_functions() {
        let (mut worst_log, mut worst_ratio): (f64, f64) = (0.0, 0.0);
        for i in 0..=800_000 {
            let x = -40.0 + 80.0 * f64::from(i) / 800_000.0;
            let (l, r) = log_cdf_and_inverse_mills(x);
            let want = log_cdf(x);
            if want != 0.0 && want.abs() > 1e-300 {
                worst_log = worst_log.max(((l - want) / want).abs());
            } else {
                assert!((l - want).abs() <= 1e-300, "{x}: {l:e} vs {want:e}");
            }
            // Where φ(x) is a normal number.
            if x.abs() < 37.0 {
                let ratio = pdf(x) / cdf(x);
                worst_ratio = worst_ratio.max(((r - ratio) / ratio).abs());
            }
        }
        // Both sides carry their own rounding (`log_cdf` about 1e-15 near x = 0.2).
        assert!(worst_log <= 2e-15, "ln Φ on [−40, 40]: {worst_log:e}");
        assert!(worst_ratio <= 1.5e-15, "φ/Φ on [−37, 37]: {worst_ratio:e}");
        for k in 0..=300 {
            // |x| from 100 to 1e15.
            let a = 100.0 * 10f64.powf(f64::from(k) * 13.0 / 300.0);
            let (l, r) = log_cdf_and_inverse_mills(-a);
            let want = log_cdf(-a);
            assert!(((l - want) / want).abs() <= 6e-16, "ln Φ({}): {l:e} vs {want:e}", -a);
            // R(a) = (1/a) Σ_k (−1)^k (2k − 1)!!/a^{2k}, to 1e-19 for a ≥ 100.
            let inv = 1.0 / (a * a);
            let (mut term, mut series) = (1.0, 1.0);
            for j in 1..=6 {
                term *= -f64::from(2 * j - 1) * inv;
                series += term;
            }
            let ratio = a / series;
            assert!(((r - ratio) / ratio).abs() <= 6e-16, "φ/Φ({}): {r:e} vs {ratio:e}", -a);
        }
        // Beyond x ≈ 38.5, ln Φ(x) = −Q(x) is below the smallest subnormal.
        assert_eq!(log_cdf_and_inverse_mills(39.0).0, 0.0);
        assert_eq!(log_cdf_and_inverse_mills(f64::INFINITY), (0.0, 0.0));
        let (l, r) = log_cdf_and_inverse_mills(f64::NEG_INFINITY);
        assert!(l == f64::NEG_INFINITY && r == f64::INFINITY);
        assert_eq!(log_cdf_and_inverse_mills(-1e200).0, f64::NEG_INFINITY);
        assert!(log_cdf_and_inverse_mills(f64::NAN).0.is_nan());
        for x in [-30.0, -1.0, 0.0, 0.5, 3.0, 20.0] {
            assert_eq!(inverse_mills_ratio(x).to_bits(), log_cdf_and_inverse_mills(x).1.to_bits(), "{x}");
        }
    }

    /// The tails of a Genz batch give the bits of [`upper_tail_of_magnitude`] in both forms (the
    /// AVX2 one where this CPU has it, called here outside the `V3` context: slower, same
    /// results), over [−40, 40], the far tails, ±∞ and NaN, in batches of 4, 8 and 16 points.
    #[test]
    fn batch_tails_give_the_bits_of_the_scalar_tail() {
        batch_tails_give_the_bits::<4>();
        batch_tails_give_the_bits::<8>();
        batch_tails_give_the_bits::<16>();
    }

    fn batch_tails_give_the_bits<const N: usize>() {
        use super::{upper_tail_of_magnitude, TailsOneAtATime, UpperTails};
        let mut x: Vec<f64> = (0..=80_000).map(|i| -40.0 + 80.0 * f64::from(i) / 80_000.0).collect();
        x.extend([0.0, -0.0, 38.6, 38.7, 1e300, -1e300, f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
        let check = |tails: &dyn Fn(&[f64; N]) -> [f64; N]| {
            for chunk in x.chunks(N) {
                let mut batch = [0.5; N];
                batch[..chunk.len()].copy_from_slice(chunk);
                let got = tails(&batch);
                for p in 0..N {
                    let want = upper_tail_of_magnitude(batch[p]);
                    assert!(
                        got[p].to_bits() == want.to_bits(),
                        "Q(|{}|) = {:e}, not {want:e}",
                        batch[p],
                        got[p]
                    );
                }
            }
        };
        check(&|e| TailsOneAtATime.of_magnitude(e));
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            check(&|e| super::TailsAvx2(simd).of_magnitude(e));
        }
    }

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
        assert_eq!(exp_nonpositive(f64::NEG_INFINITY), 0.0);
    }

    /// The branch-free density against `normal::pdf` (the system exponential, x² split exactly)
    /// where the result is normal, and 0 beyond 38.6 (±∞ included; the arithmetic runs on 0 there,
    /// which must not leak into the result).
    #[test]
    fn density_branch_free_matches_the_density_and_vanishes_beyond_its_range() {
        for i in 0..=37_000 {
            let x = i as f64 * 1e-3;
            let want = pdf(x);
            let got = density_branch_free(if i % 2 == 0 { x } else { -x });
            assert!(((got - want) / want).abs() <= 4.0 * f64::EPSILON, "{x}: {got:e} vs {want:e}");
        }
        for x in [38.61, 40.0, 1e10, f64::MAX, f64::INFINITY] {
            assert_eq!(density_branch_free(x), 0.0);
            assert_eq!(density_branch_free(-x), 0.0);
        }
        assert!(density_branch_free(f64::NAN).is_nan());
    }
}
