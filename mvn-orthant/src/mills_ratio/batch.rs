//! The vectorised batch of [`super::log_cdf_and_inverse_mills`]: ln Φ and φ/Φ over a slice,
//! with AVX2 where the CPU has it (see the documentation of [`super`]): by the
//! piecewise polynomials of ln Φ and φ/Φ for x ∈ (−51, 12], above by the Mills-ratio pieces, and
//! below by the branch-free form built on the Mills ratio.

use super::log_cdf_table::COEFFICIENTS as LOG_CDF_PIECES;
use super::table::{COEFFICIENTS, DEGREE, PIECES};
use super::{
    above_table, exp_nonpositive, log_cdf_and_inverse_mills_from_table, log_cdf_and_inverse_mills_right_tail,
    log_cdf_piece, piece_polynomial, LN2_HIGH, LN2_LOW,
};

/// ln w for a positive normal w without branches (the result for 0, subnormals, +∞ or NaN is
/// unspecified, but no panic occurs): w = 2^k·m with m ∈ [√½, √2), f = m − 1 (exact),
/// s = f/(2 + f), and
///
/// ```text
/// ln m = 2 artanh s = f − (f²/2 − s·(f²/2 + Σ_{j=1}^{10} 2 s^{2j}/(2j + 1))),
/// ```
///
/// (since f − 2s = s·f = f²/2 − s·f²/2), the Taylor series of artanh truncated where
/// s^{22}/23 < 1e-18 (|s| ≤ 3 − 2√2); k·ln 2 is added in two parts ([`LN2_HIGH`] exact times k).
/// The exponent k is converted to a double through the bits of 2⁵² + k (no integer-to-float
/// instruction, which AVX2 lacks for 64-bit integers). Relative error about 1 ulp.
#[inline(always)]
fn ln_positive_normal(w: f64) -> f64 {
    const MANTISSA: u64 = (1 << 52) - 1;
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let bits = w.to_bits();
    // The biased exponent e ∈ [0, 2047] as a double: 2⁵² + e − 2⁵², exact.
    let biased = f64::from_bits(TWO_52.to_bits() | ((bits >> 52) & 0x7ff)) - TWO_52;
    let m = f64::from_bits((bits & MANTISSA) | (1023 << 52));
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { 0.5 * m } else { m };
    let k = (biased - 1023.0) + if big { 1.0 } else { 0.0 };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // 2/(2j + 1), j = 1 … 10.
    const C: [f64; 10] = [
        2.0 / 3.0,
        2.0 / 5.0,
        2.0 / 7.0,
        2.0 / 9.0,
        2.0 / 11.0,
        2.0 / 13.0,
        2.0 / 15.0,
        2.0 / 17.0,
        2.0 / 19.0,
        2.0 / 21.0,
    ];
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    // Σ C_j z^{j+1} by Estrin's scheme.
    let p01 = C[0] + C[1] * z;
    let p23 = C[2] + C[3] * z;
    let p45 = C[4] + C[5] * z;
    let p67 = C[6] + C[7] * z;
    let p89 = C[8] + C[9] * z;
    let series = z * ((p01 + z2 * p23) + z4 * (p45 + z2 * p67) + z8 * p89);
    let half_square = 0.5 * f * f;
    k * LN2_HIGH - ((half_square - (s * (half_square + series) + k * LN2_LOW)) - f)
}

/// The piece of t ∈ [0, 1] in the table and the position u ∈ [−1, 1] inside it (as
/// [`super::scaled_mills_ratio`] forms them: the same bits), with the index through a 32-bit
/// conversion. NaN falls into piece 0 with u NaN.
#[inline(always)]
pub(super) fn piece_and_offset(t: f64) -> (usize, f64) {
    let position = t * PIECES as f64;
    let clamped = if position < (PIECES - 1) as f64 { position } else { (PIECES - 1) as f64 };
    let index = if clamped > 0.0 { clamped as i32 } else { 0 };
    (index as usize & (PIECES - 1), 2.0 * (position - f64::from(index)) - 1.0)
}

/// ln Φ(x) and φ(x)/Φ(x) without branches on x, from one Mills ratio R(|x|), one inlined
/// exponential and one inlined logarithm, both sides computed and the right one selected:
///
/// * x ≤ 0: ln Φ(x) = −x²/2 − ln √(2π) + ln R(|x|) and φ/Φ = 1/R(|x|);
/// * x > 0: Q = φ(x)R(x), w = 1 − Q rounded and c = (1 − w) − Q its rounding error, so
///   ln Φ(x) = ln w + c/w (a log1p) and φ/Φ = φ(x)/w.
///
/// Exact for every x (a few 1e-16) but slower than the table: the form of
/// [`super::log_cdf_and_inverse_mills`] below the table (x ≤ −51, and NaN), which the batch
/// evaluates by blocks in [`mills_ratio_block`] with the same operations.
pub(super) fn log_cdf_and_inverse_mills_below_table(x: f64) -> (f64, f64) {
    let t = 4.0 / (4.0 + x.abs());
    let (piece, u) = piece_and_offset(t);
    log_cdf_and_inverse_mills_from_ratio(x, t * crate::normal::polynomial(&COEFFICIENTS[piece], u))
}

/// The rest of [`log_cdf_and_inverse_mills_below_table`] once the Mills ratio R(|x|) is known.
#[inline(always)]
fn log_cdf_and_inverse_mills_from_ratio(x: f64, ratio: f64) -> (f64, f64) {
    let a = x.abs();
    let negative = x <= 0.0;
    // φ(|x|) with x² split exactly; beyond 1e150 (where the split would overflow) x² itself,
    // and the density is 0.
    let huge = a > 1e150;
    let (square, square_error) = crate::normal::square_with_error(if huge { 1e150 } else { a });
    let (square, square_error) = if huge { (a * a, 0.0) } else { (square, square_error) };
    let density =
        crate::normal::FRAC_1_SQRT_2PI * exp_nonpositive(-0.5 * square) * (1.0 - 0.5 * square_error);
    let tail = density * ratio;
    let w = if negative { ratio } else { 1.0 - tail };
    let correction = if negative { 0.0 } else { ((1.0 - w) - tail) / w };
    let log_w = ln_positive_normal(w) + correction;
    // x = −∞: R = 0 and its logarithm is unspecified, but −x²/2 = −∞ takes over.
    let log_cdf = if negative {
        log_w - (0.5 * square + (0.5 * square_error + crate::normal::LN_SQRT_2PI))
    } else {
        log_w
    };
    let inverse_mills = (if negative { 1.0 } else { density }) / w;
    (log_cdf, inverse_mills)
}

/// ln Φ(x_i) into `log_cdf[i]` and, when asked, φ(x_i)/Φ(x_i) into `inverse_mills[i]`, for as
/// many entries as the shortest slice: the per-class loop of the EXACT integrand and the
/// per-factor loop of the one-factor orthant.
///
/// For x ∈ (−51, 12] both come from the piecewise polynomials of the module documentation (a
/// row of 16 coefficients and two degree-7 polynomials: no division, exponential or logarithm);
/// the arguments outside are gathered and go through [`log_cdf_and_inverse_mills_right_tail`]
/// above it and the branch-free form built on the Mills ratio below
/// ([`log_cdf_and_inverse_mills_below_table`]), so each result depends on its own argument only.
/// Where the CPU has AVX2 and FMA (detected at run time, no `-C target-cpu`), the loops run
/// inside `pulp`'s `V3::vectorize`, compiled for those instructions, with the polynomials of
/// four arguments evaluated together ([`Avx2Transposed`]); elsewhere inside
/// `pulp::Arch::dispatch`, one argument after the other ([`OneAtATime`]). Rust never contracts
/// a product and a sum into a fused multiply–add, so both forms execute the same IEEE
/// operations in the same order: the results are bit-identical whatever the CPU, and equal to
/// those of [`super::log_cdf_and_inverse_mills`] (a test checks both forms bit for bit).
pub(crate) fn log_cdf_and_inverse_mills_batch(
    x: &[f64],
    log_cdf: &mut [f64],
    inverse_mills: Option<&mut [f64]>,
) {
    log_cdf_and_inverse_mills_batch_shifted(x, 0.0, log_cdf, inverse_mills);
}

/// [`log_cdf_and_inverse_mills_batch`] at the arguments x_i = d_i + `shift` (the EXACT orthant's
/// d_i + z), each formed inside the loop that finds the pieces instead of in an array of its own
/// (the same bits: x + 0 is x for every x but −0, whose ln Φ and φ/Φ are those of +0).
pub(crate) fn log_cdf_and_inverse_mills_batch_shifted(
    d: &[f64],
    shift: f64,
    log_cdf: &mut [f64],
    inverse_mills: Option<&mut [f64]>,
) {
    let body = LogCdfLoop { x: d, shift, log_cdf, inverse_mills };
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(LogCdfLoopAvx2(body, simd));
    }
    pulp::Arch::new().dispatch(body);
}

/// The loop of [`log_cdf_and_inverse_mills_batch`], as the operation that `pulp` compiles once
/// per instruction set (its body must be inlined into the dispatched function, hence a type
/// with an `#[inline(always)]` method rather than a closure).
struct LogCdfLoop<'a> {
    /// The arguments less `shift`.
    x: &'a [f64],
    /// Added to every entry of `x`.
    shift: f64,
    log_cdf: &'a mut [f64],
    inverse_mills: Option<&'a mut [f64]>,
}

/// Arguments per block of [`LogCdfLoop`]: the pieces and offsets of a block are found first,
/// in a loop of their own, then the polynomials evaluated. Short slices use blocks of
/// [`TINY_BLOCK`] or [`SMALL_BLOCK`], whose stack buffers cost less to initialise.
const BLOCK: usize = 32;

/// Block length for slices of at most this many arguments (one-factor problems whose factors
/// are merged into a few, EXACT with few classes).
const TINY_BLOCK: usize = 4;

/// Block length for slices of at most this many arguments (EXACT with 6 to 17 classes, as on
/// the digits): the three buffers of a block of [`BLOCK`] took a twentieth of such a node to
/// initialise.
const SMALL_BLOCK: usize = 16;

impl pulp::WithSimd for LogCdfLoop<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        self.run_with(OneAtATime);
    }
}

impl LogCdfLoop<'_> {
    /// The loop by blocks, with `four` evaluating the polynomials of four pieces at once.
    #[inline(always)]
    fn run_with<F: FourPieces>(self, four: F) {
        if self.x.len() <= TINY_BLOCK {
            self.run::<TINY_BLOCK, F>(four);
        } else if self.x.len() <= SMALL_BLOCK {
            self.run::<SMALL_BLOCK, F>(four);
        } else {
            self.run::<BLOCK, F>(four);
        }
    }

    /// The loop, by blocks of `B` arguments: the pieces of the block first
    /// ([`FourPieces::find_pieces`]), then the polynomials four at a time, then (only where some
    /// argument is outside the table) the arguments outside it.
    #[inline(always)]
    fn run<const B: usize, F: FourPieces>(self, four: F) {
        let LogCdfLoop { x, shift, log_cdf, mut inverse_mills } = self;
        let n = x.len().min(log_cdf.len());
        let n = inverse_mills.as_deref().map_or(n, |r| n.min(r.len()));
        let mut piece = [0usize; B];
        let mut delta = [0.0; B];
        for start in (0..n).step_by(B) {
            let end = (start + B).min(n);
            let xs = &x[start..end];
            let m = xs.len();
            let all_inside = four.find_pieces(xs, shift, &mut piece[..m], &mut delta[..m]);
            let ls = &mut log_cdf[start..end];
            let mut rs = inverse_mills.as_deref_mut().map(|r| &mut r[start..end]);
            let (p4, p_rest) = pulp::as_arrays::<4, usize>(&piece[..m]);
            let (d4, d_rest) = pulp::as_arrays::<4, f64>(&delta[..m]);
            let rows = |p: &[usize; 4]| p.map(|i| &LOG_CDF_PIECES[i].0);
            match rs.as_deref_mut() {
                Some(rs) => {
                    let (l4, l_rest) = pulp::as_arrays_mut::<4, f64>(ls);
                    let (r4, r_rest) = pulp::as_arrays_mut::<4, f64>(rs);
                    for (((l, r), p), d) in l4.iter_mut().zip(r4.iter_mut()).zip(p4).zip(d4) {
                        (*l, *r) = four.both(rows(p), *d);
                    }
                    for k in 0..p_rest.len() {
                        (l_rest[k], r_rest[k]) = log_cdf_and_inverse_mills_from_table(p_rest[k], d_rest[k]);
                    }
                }
                None => {
                    let (l4, l_rest) = pulp::as_arrays_mut::<4, f64>(ls);
                    for ((l, p), d) in l4.iter_mut().zip(p4).zip(d4) {
                        *l = four.log_cdf(rows(p), *d);
                    }
                    for k in 0..p_rest.len() {
                        l_rest[k] = piece_polynomial(&LOG_CDF_PIECES[p_rest[k]].0[..8], d_rest[k]);
                    }
                }
            }
            if !all_inside {
                let (mut arguments, mut inside) = ([0.0; B], [false; B]);
                for ((a, i), &x) in arguments.iter_mut().zip(inside.iter_mut()).zip(xs) {
                    *a = x + shift;
                    *i = log_cdf_piece(*a).2;
                }
                outside_table::<B>(&arguments[..m], &inside[..m], ls, rs);
            }
        }
    }
}

/// The pieces of a block of arguments and the polynomials of four pieces at their offsets: ln Φ
/// alone, or ln Φ and φ/Φ. Every implementation performs, per argument, exactly the operations
/// of [`log_cdf_piece`] and [`piece_polynomial`], so that they all give their bits.
trait FourPieces: Copy {
    /// The pieces and offsets of [`log_cdf_piece`] at every argument `xs[j] + shift` (the same
    /// bits whatever the implementation), and whether every argument is inside the table.
    #[inline(always)]
    fn find_pieces(self, xs: &[f64], shift: f64, piece: &mut [usize], delta: &mut [f64]) -> bool {
        let mut all = true;
        for j in 0..xs.len() {
            let inside;
            (piece[j], delta[j], inside) = log_cdf_piece(xs[j] + shift);
            all &= inside;
        }
        all
    }
    /// ln Φ of four arguments from their rows and offsets.
    fn log_cdf(self, rows: [&[f64; 16]; 4], delta: [f64; 4]) -> [f64; 4];
    /// ln Φ and φ/Φ of four arguments.
    fn both(self, rows: [&[f64; 16]; 4], delta: [f64; 4]) -> ([f64; 4], [f64; 4]);
}

/// [`FourPieces`] one argument after the other (any CPU; the compiler does not vectorise the
/// loads of four rows).
#[derive(Clone, Copy)]
struct OneAtATime;

impl FourPieces for OneAtATime {
    #[inline(always)]
    fn log_cdf(self, rows: [&[f64; 16]; 4], delta: [f64; 4]) -> [f64; 4] {
        std::array::from_fn(|k| piece_polynomial(&rows[k][..8], delta[k]))
    }

    #[inline(always)]
    fn both(self, rows: [&[f64; 16]; 4], delta: [f64; 4]) -> ([f64; 4], [f64; 4]) {
        (
            std::array::from_fn(|k| piece_polynomial(&rows[k][..8], delta[k])),
            std::array::from_fn(|k| piece_polynomial(&rows[k][8..], delta[k])),
        )
    }
}

/// [`FourPieces`] with AVX2: each row is read as four 4-wide vectors, the rows of four
/// arguments are transposed ([`super::transpose4`]) into one vector per coefficient, and the
/// polynomial is evaluated four arguments wide with the operations of [`piece_polynomial`] (the
/// same bits; no fused multiply–add). Measured: 3.0–3.2 ns per argument for the whole batch with
/// both values, against 4.2–4.5 ns with [`OneAtATime`].
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Avx2Transposed(pulp::x86::V3);

#[cfg(target_arch = "x86_64")]
impl Avx2Transposed {
    /// The eight coefficient vectors of the polynomial starting at quarter `first` of the rows
    /// (0: ln Φ, 2: φ/Φ).
    #[inline(always)]
    fn coefficients(self, rows: [&[f64; 16]; 4], first: usize) -> [pulp::f64x4; 8] {
        let quarters = rows.map(|row| *pulp::bytemuck::cast_ref::<[f64; 16], [pulp::f64x4; 4]>(row));
        let low = super::transpose4(self.0, quarters.map(|q| q[first]));
        let high = super::transpose4(self.0, quarters.map(|q| q[first + 1]));
        [low[0], low[1], low[2], low[3], high[0], high[1], high[2], high[3]]
    }

    /// [`piece_polynomial`] four arguments wide.
    #[inline(always)]
    fn polynomial(self, c: [pulp::f64x4; 8], delta: pulp::f64x4) -> [f64; 4] {
        use pulp::Simd;
        let simd = self.0;
        let d2 = simd.mul_f64s(delta, delta);
        let d4 = simd.mul_f64s(d2, d2);
        let low = simd.add_f64s(
            simd.mul_f64s(c[1], delta),
            simd.mul_f64s(d2, simd.add_f64s(c[2], simd.mul_f64s(c[3], delta))),
        );
        let high = simd.add_f64s(
            simd.add_f64s(c[4], simd.mul_f64s(c[5], delta)),
            simd.mul_f64s(d2, simd.add_f64s(c[6], simd.mul_f64s(c[7], delta))),
        );
        pulp::cast(simd.add_f64s(c[0], simd.add_f64s(low, simd.mul_f64s(d4, high))))
    }
}

#[cfg(target_arch = "x86_64")]
impl FourPieces for Avx2Transposed {
    /// [`log_cdf_piece`] four arguments wide (the same operations on the same bits: y = 13 − x,
    /// its binade and top mantissa bits as the piece, 0 outside the table; the centre's bits
    /// from the piece's), the last few one by one; whether every argument is inside comes from
    /// the masks of the quads, with no pass over flags. Found one argument at a time, with a
    /// flag per argument to scan afterwards, the pieces had cost 60% of the batch (1.24 of
    /// 1.99 ns per argument for ln Φ alone); now 0.53 of 1.39 ns.
    #[inline(always)]
    fn find_pieces(self, xs: &[f64], shift: f64, piece: &mut [usize], delta: &mut [f64]) -> bool {
        use super::log_cdf_table::{MANTISSA_BITS, ORIGIN};
        use pulp::{cast, Simd};
        const SHIFT: i32 = 52 - MANTISSA_BITS as i32;
        const OFFSET: u64 = 1023 << MANTISSA_BITS;
        let simd = self.0;
        let (x4, x_rest) = pulp::as_arrays::<4, f64>(xs);
        let (p4, p_rest) = pulp::as_arrays_mut::<4, usize>(piece);
        let (d4, d_rest) = pulp::as_arrays_mut::<4, f64>(delta);
        let mut all = simd.splat_u64s(u64::MAX);
        for ((x, p_out), d_out) in x4.iter().zip(p4).zip(d4) {
            let x = simd.add_f64s(cast(*x), simd.splat_f64s(shift));
            let y = simd.sub_f64s(simd.splat_f64s(ORIGIN), x);
            let within = simd.and_m64s(
                simd.greater_than_or_equal_f64s(y, simd.splat_f64s(1.0)),
                simd.less_than_f64s(y, simd.splat_f64s(64.0)),
            );
            let p = simd.avx2._mm256_sub_epi64(
                simd.avx2._mm256_srli_epi64::<SHIFT>(cast(y)),
                cast(simd.splat_u64s(OFFSET)),
            );
            let p: pulp::u64x4 = simd.and_u64s(cast(p), cast(within));
            let centre_bits = simd.or_u64s(
                cast(simd.avx2._mm256_slli_epi64::<SHIFT>(cast(simd.add_u64s(p, simd.splat_u64s(OFFSET))))),
                simd.splat_u64s(1 << (SHIFT - 1)),
            );
            let centre = simd.sub_f64s(simd.splat_f64s(ORIGIN), cast(centre_bits));
            *d_out = cast(simd.sub_f64s(x, centre));
            *p_out = cast(p);
            all = simd.and_u64s(all, cast(within));
        }
        let all: [u64; 4] = cast(all);
        let mut all_inside = all.iter().all(|&w| w != 0);
        for (j, &x) in x_rest.iter().enumerate() {
            let inside;
            (p_rest[j], d_rest[j], inside) = log_cdf_piece(x + shift);
            all_inside &= inside;
        }
        all_inside
    }

    #[inline(always)]
    fn log_cdf(self, rows: [&[f64; 16]; 4], delta: [f64; 4]) -> [f64; 4] {
        self.polynomial(self.coefficients(rows, 0), pulp::cast(delta))
    }

    #[inline(always)]
    fn both(self, rows: [&[f64; 16]; 4], delta: [f64; 4]) -> ([f64; 4], [f64; 4]) {
        let delta = pulp::cast(delta);
        (
            self.polynomial(self.coefficients(rows, 0), delta),
            self.polynomial(self.coefficients(rows, 2), delta),
        )
    }
}

/// The loop of [`log_cdf_and_inverse_mills_batch`] on a CPU with AVX2 and FMA, with the
/// polynomials evaluated by [`Avx2Transposed`].
#[cfg(target_arch = "x86_64")]
struct LogCdfLoopAvx2<'a>(LogCdfLoop<'a>, pulp::x86::V3);

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for LogCdfLoopAvx2<'_> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        let LogCdfLoopAvx2(body, simd) = self;
        body.run_with(Avx2Transposed(simd));
    }
}

/// The arguments of a block outside the table ([`log_cdf_piece`]), gathered by side and
/// scattered back: above it (x > 12) by [`log_cdf_and_inverse_mills_right_tail`]; at or below
/// −51 (and NaN) by the branch-free form built on the Mills ratio.
#[inline(always)]
fn outside_table<const B: usize>(xs: &[f64], inside: &[bool], ls: &mut [f64], mut rs: Option<&mut [f64]>) {
    // Positions of the right-tail arguments from the front of `which`, of the others from
    // the back (no branch: each position is written to both ends and one count advances).
    let mut which = [0usize; B];
    let mut gathered = [0.0; B];
    let (mut right, mut left) = (0, 0);
    for (j, (&x, &i)) in xs.iter().zip(inside).enumerate() {
        let is_right = !i && above_table(x);
        let is_left = !i && !is_right;
        (which[right], gathered[right]) = (j, x);
        right += usize::from(is_right);
        (which[B - 1 - left], gathered[B - 1 - left]) = (j, x);
        left += usize::from(is_left);
    }
    let (mut l, mut r) = ([0.0; B], [0.0; B]);
    for k in 0..right {
        (l[k], r[k]) = log_cdf_and_inverse_mills_right_tail(gathered[k]);
    }
    if left > 0 {
        let at = B - left;
        let ratios = rs.is_some().then_some(&mut r[at..]);
        mills_ratio_block::<B>(&gathered[at..], &mut l[at..], ratios);
    }
    for k in (0..right).chain(B - left..B) {
        ls[which[k]] = l[k];
        if let Some(rs) = rs.as_deref_mut() {
            rs[which[k]] = r[k];
        }
    }
}

/// [`log_cdf_and_inverse_mills_below_table`] over at most `B` arguments: the Mills-ratio table
/// rows are first copied into columns (8 × `B` doubles on the stack) so that the vectorised
/// loop reads its coefficients from contiguous memory instead of gathering them.
#[inline(always)]
fn mills_ratio_block<const B: usize>(xs: &[f64], ls: &mut [f64], rs: Option<&mut [f64]>) {
    let m = xs.len();
    let mut t = [0.0; B];
    let mut u = [0.0; B];
    let mut columns = [[0.0; B]; DEGREE + 1];
    // The table lookup, one argument at a time.
    for (j, &xj) in xs.iter().enumerate() {
        t[j] = 4.0 / (4.0 + xj.abs());
        let piece;
        (piece, u[j]) = piece_and_offset(t[j]);
        for (k, column) in columns.iter_mut().enumerate() {
            column[j] = COEFFICIENTS[piece][k];
        }
    }
    // Everything else, vectorised: R = t·Σ c_k u^k (the Estrin scheme of
    // `normal::polynomial`, same operations), then ln Φ and φ/Φ.
    let ratio_at = |j: usize| {
        let c = |k: usize| columns[k][j];
        let (uj, u2) = (u[j], u[j] * u[j]);
        let u4 = u2 * u2;
        let low = (c(0) + c(1) * uj) + u2 * (c(2) + c(3) * uj);
        let high = (c(4) + c(5) * uj) + u2 * (c(6) + c(7) * uj);
        t[j] * (low + u4 * high)
    };
    match rs {
        Some(rs) => {
            for j in 0..m {
                (ls[j], rs[j]) = log_cdf_and_inverse_mills_from_ratio(xs[j], ratio_at(j));
            }
        }
        None => {
            for j in 0..m {
                ls[j] = log_cdf_and_inverse_mills_from_ratio(xs[j], ratio_at(j)).0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::log_cdf_and_inverse_mills;
    use super::{
        ln_positive_normal, log_cdf_and_inverse_mills_batch, log_cdf_and_inverse_mills_batch_shifted,
        LogCdfLoop, OneAtATime,
    };

    /// The batch through the portable loop (four polynomials one after the other, no dispatch):
    /// what a CPU without AVX2 runs.
    fn portable_batch(x: &[f64], log_cdf: &mut [f64], inverse_mills: Option<&mut [f64]>) {
        LogCdfLoop { x, shift: 0.0, log_cdf, inverse_mills }.run_with(OneAtATime);
    }
    /// The branch-free logarithm against the system one over many binades and inside one.
    #[test]
    fn ln_positive_normal_matches_the_system_logarithm() {
        let mut largest: f64 = 0.0;
        for i in 0..=400_000 {
            let w = 0.25 + 1.5 * f64::from(i) / 400_000.0;
            let (got, want) = (ln_positive_normal(w), w.ln());
            if want != 0.0 {
                largest = largest.max(((got - want) / want).abs());
            } else {
                assert_eq!(got, 0.0);
            }
        }
        for e in -1020..1020 {
            let w = 1.234_567_890_123 * 2f64.powi(e);
            let (got, want) = (ln_positive_normal(w), w.ln());
            largest = largest.max(((got - want) / want).abs());
        }
        assert!(largest <= 3e-16, "ln: {largest:e}");
    }

    /// Arguments for the batch tests: a dense grid over [−40, 40] (odd length, so that the
    /// vectorised loop has a remainder), the far lower tail to −1e15, and the special values.
    fn batch_arguments() -> Vec<f64> {
        let mut x: Vec<f64> = (0..=400_001).map(|i| -40.0 + 80.0 * f64::from(i) / 400_001.0).collect();
        x.extend((0..=300).map(|k| -100.0 * 10f64.powf(f64::from(k) * 13.0 / 300.0)));
        x.extend([0.0, -0.0, 38.0, 39.0, 1e300, -1e200, f64::INFINITY, f64::NEG_INFINITY]);
        x
    }

    /// The vectorised batch (the AVX2 form where this CPU has it) and the portable loop give
    /// exactly the bits of the scalar [`log_cdf_and_inverse_mills`], with and without the
    /// ratios, on a dense grid over [−40, 40], in the far lower tail, at the special values and
    /// NaN, and on short slices.
    #[test]
    fn batch_is_bit_identical_to_its_scalar_form() {
        let mut x = batch_arguments();
        x.push(f64::NAN);
        let n = x.len();
        for batch in [log_cdf_and_inverse_mills_batch, portable_batch] {
            let (mut l, mut r, mut l_only) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            batch(&x, &mut l, Some(&mut r));
            batch(&x, &mut l_only, None);
            for i in 0..n {
                let (want_l, want_r) = log_cdf_and_inverse_mills(x[i]);
                assert_eq!(l[i].to_bits(), want_l.to_bits(), "ln Φ({})", x[i]);
                assert_eq!(r[i].to_bits(), want_r.to_bits(), "φ/Φ({})", x[i]);
                assert_eq!(l_only[i].to_bits(), want_l.to_bits(), "ln Φ({}) alone", x[i]);
            }
            assert!(l[n - 1].is_nan() && r[n - 1].is_nan());
        }
        // The shifted batch at d_i + z gives the scalar form's bits at the rounded sums, for
        // shifts that move arguments into and out of the table (and −0 + 0).
        let d: Vec<f64> = x.iter().step_by(97).copied().chain([-0.0, 0.0, f64::NAN]).collect();
        for z in [0.0, -0.0, 0.37, -3.25, 12.5, -60.0] {
            let (mut l, mut r) = (vec![0.0; d.len()], vec![0.0; d.len()]);
            log_cdf_and_inverse_mills_batch_shifted(&d, z, &mut l, Some(&mut r));
            for i in 0..d.len() {
                let (want_l, want_r) = log_cdf_and_inverse_mills(d[i] + z);
                assert_eq!(
                    (l[i].to_bits(), r[i].to_bits()),
                    (want_l.to_bits(), want_r.to_bits()),
                    "d = {}, z = {z}",
                    d[i]
                );
            }
        }
        // Short slices (blocks of 4, 16 and 32, groups of four and their remainders), with
        // arguments above and below the table among those inside it.
        for len in [1usize, 3, 4, 5, 15, 16, 17, 31, 32, 33, 40, 70] {
            let xs: Vec<f64> = (0..len)
                .map(|i| match i % 7 {
                    3 => 14.0 + i as f64,
                    5 => -55.0 - i as f64,
                    _ => -9.0 + 0.47 * i as f64,
                })
                .collect();
            for batch in [log_cdf_and_inverse_mills_batch, portable_batch] {
                let (mut l, mut r) = (vec![0.0; len], vec![0.0; len]);
                batch(&xs, &mut l, Some(&mut r));
                for i in 0..len {
                    let (want_l, want_r) = log_cdf_and_inverse_mills(xs[i]);
                    assert_eq!(
                        (l[i].to_bits(), r[i].to_bits()),
                        (want_l.to_bits(), want_r.to_bits()),
                        "{len}: {i}"
                    );
                }
            }
        }
    }

    /// The batch against the 60-digit mpmath rows of `tests/data/normal_reference.csv`
    /// (`generate_normal_table.py`: ln Φ and φ/Φ at 2000 random doubles over (−60, 20), next to
    /// the edges of the table's binades, and ln Φ on a grid down to −1e10): inside the table
    /// (−51, 12] to 3e-16 relative (the generator of the table measured 2.2e-16 on 49 points per
    /// piece), outside to 8e-16 (the Mills-ratio forms).
    #[test]
    fn batch_matches_the_mpmath_table() {
        let text = include_str!("../../tests/data/normal_reference.csv");
        let mut rows: Vec<(bool, f64, f64)> = Vec::new();
        for line in text.lines().skip(1) {
            let mut parts = line.split(',');
            let (function, argument, value) =
                (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            let (Ok(x), Ok(v)) = (argument.parse::<f64>(), value.parse::<f64>()) else { continue };
            match function {
                "log_cdf" if v.abs() >= f64::MIN_POSITIVE && v.is_finite() => rows.push((false, x, v)),
                "inverse_mills" if v >= f64::MIN_POSITIVE => rows.push((true, x, v)),
                _ => {}
            }
        }
        let x: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let (mut l, mut r) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        log_cdf_and_inverse_mills_batch(&x, &mut l, Some(&mut r));
        let (mut worst_inside, mut worst_outside, mut counts) = ([0.0f64; 2], [0.0f64; 2], [0usize; 2]);
        for (i, &(ratio, x, want)) in rows.iter().enumerate() {
            let got = if ratio { r[i] } else { l[i] };
            let error = ((got - want) / want).abs();
            let k = usize::from(ratio);
            let inside = x > -51.0 && x <= 12.0;
            let (worst, bound) =
                if inside { (&mut worst_inside[k], 3e-16) } else { (&mut worst_outside[k], 8e-16) };
            assert!(error <= bound, "{} at {x:?}: {got:e} vs {want:e}", ["ln Φ", "φ/Φ"][k]);
            *worst = worst.max(error);
            counts[k] += 1;
        }
        assert!(counts[0] > 2200 && counts[1] > 2000, "{counts:?} rows");
        println!(
            "batch vs mpmath, inside the table: ln Φ {:e}, φ/Φ {:e}; outside: {:e}, {:e} ({counts:?} rows)",
            worst_inside[0], worst_inside[1], worst_outside[0], worst_outside[1]
        );
    }
}
