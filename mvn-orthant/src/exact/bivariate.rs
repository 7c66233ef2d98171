//! d = 2: the bivariate normal probability of any box, with relative accuracy in the tails.
//!
//! The core is the standardised upper orthant U(h, k; ρ) = P(X > h, Y > k) for standard
//! normals with correlation ρ (the lower orthant is Φ₂(h, k; ρ) = U(−h, −k; ρ)):
//!
//! * |ρ| < 0.925: the Drezner–Wesolowsky form used by Genz (2004),
//!   U = Q(h)Q(k) + (1/2π) ∫_0^{asin ρ} exp(−(h² + k² − 2hk sin θ)/(2cos²θ)) dθ,
//!   with 6, 12 or 20 Gauss–Legendre points for |ρ| < 0.3, < 0.75, < 0.925;
//! * |ρ| ≥ 0.925: U = Q(max(h, k)) − (1/2π) ∫_0^{√(1−ρ²)} … dx (for ρ > 0; ρ < 0 by reflection),
//!   where the part of the integrand that is singular at x = 0 is integrated in closed form and
//!   the smooth remainder by 20-point Gauss–Legendre (Genz 2004, after Drezner & Wesolowsky 1990);
//! * tail: where that value is below `TAIL_SWITCH` = 1e-3 (and it may then have lost relative
//!   accuracy, through cancellation for ρ < 0 or an unresolved peak far out), the exact 1-D form
//!   U = ∫_h^∞ φ(x) Q((k − ρx)/√(1−ρ²)) dx, whose integrand is positive and log-concave, is
//!   integrated in log space around its peak (see `docs/exact-methods.md`).
//!
//! Boxes reduce to at most four orthants by inclusion–exclusion after each coordinate is
//! reflected (x → −x, which flips the sign of ρ) so that its interval lies towards +∞
//! (a + b ≥ 0): then every half-infinite interval becomes `[c, ∞)`, an orthant is one call, and
//! the dominant term U(a₁, a₂) is computed directly rather than as 1 − (…).
//!
//! Details and measured accuracy: `docs/exact-methods.md`.

use super::univariate::{interval_pair_by_width, standard_interval_pair, standardize};
use super::{relative_corner_sum, sin_of_small, CANCELLATION_LIMIT, FRAC_1_2PI};
use crate::estimate::Method;
use crate::normal::{log_pdf, log_upper_tail, pdf, upper_tail};
use crate::problem::Problem;
use crate::quadrature::{integral_log_concave, GAUSS_LEGENDRE_12, GAUSS_LEGENDRE_20, GAUSS_LEGENDRE_6};

/// Below this value the Genz (absolute-accuracy) result is replaced by the log-space 1-D
/// integral, which keeps relative accuracy.
pub(crate) const TAIL_SWITCH: f64 = 1e-3;

/// √(2π).
const SQRT_2PI: f64 = 2.506_628_274_631_000_5;

/// Genz's value of U(h, k; ρ) for finite h, k and |ρ| < 1: absolute accuracy about 1e-16, with
/// the normal upper tail Q(x) = 1 − Φ(x) evaluated by `tail` (the accurate [`upper_tail`] for
/// the public distribution function and the bivariate box; `cdf_fast(−x)`, a third of its cost,
/// in the trivariate method's base term, where only the absolute accuracy of U matters).
#[inline]
pub(crate) fn genz_upper(h: f64, k: f64, r: f64, tail: impl Fn(f64) -> f64) -> f64 {
    let ar = r.abs();
    if ar < 0.925 {
        let hs = 0.5 * (h * h + k * k);
        let hk = h * k;
        let asr = r.asin();
        let mut sum = 0.0;
        let mut add = |x: f64, w: f64| {
            for sign in [-1.0, 1.0] {
                let sn = sin_of_small(0.5 * asr * (1.0 + sign * x));
                sum += w * ((sn * hk - hs) / ((1.0 - sn) * (1.0 + sn))).exp();
            }
        };
        if ar < 0.3 {
            GAUSS_LEGENDRE_6.iter().for_each(|&(x, w)| add(x, w));
        } else if ar < 0.75 {
            GAUSS_LEGENDRE_12.iter().for_each(|&(x, w)| add(x, w));
        } else {
            GAUSS_LEGENDRE_20.iter().for_each(|&(x, w)| add(x, w));
        }
        return tail(h) * tail(k) + 0.5 * asr * sum * FRAC_1_2PI;
    }
    // |ρ| ≥ 0.925: work with U(h, k2; |ρ|), k2 = sign(ρ)·k.
    let (k2, hk) = if r < 0.0 { (-k, -h * k) } else { (k, h * k) };
    let a2 = (1.0 - ar) * (1.0 + ar);
    let a = a2.sqrt();
    let bs = (h - k2) * (h - k2);
    let c = (4.0 - hk) / 8.0;
    let d = (12.0 - hk) / 16.0;
    // J = ∫_0^a exp(−(bs/x² + hk)/2) · exp(−hk(1−t)/(2(1+t)))/t dx, t = √(1 − x²).
    let mut j = 0.0;
    let e_a = -(bs / a2 + hk) / 2.0;
    if e_a > -100.0 {
        j += a * e_a.exp() * (1.0 - c * (bs - a2) * (1.0 - d * bs / 5.0) / 3.0 + c * d * a2 * a2 / 5.0);
    }
    if -hk < 100.0 {
        let b = bs.sqrt();
        j -= (-hk / 2.0).exp() * SQRT_2PI * tail(b / a) * b * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0);
    }
    let half = 0.5 * a;
    for &(node, w) in GAUSS_LEGENDRE_20.iter() {
        for sign in [-1.0, 1.0] {
            let x = half * (1.0 + sign * node);
            let xs = x * x;
            let e = -(bs / xs + hk) / 2.0;
            if e > -100.0 {
                let t = (1.0 - xs).sqrt();
                let one_minus_t = xs / (1.0 + t);
                let f = (-hk * one_minus_t / (2.0 * (1.0 + t))).exp() / t;
                j += half * w * e.exp() * (f - (1.0 + c * xs * (1.0 + d * xs)));
            }
        }
    }
    let integral = j * FRAC_1_2PI;
    if r > 0.0 {
        tail(h.max(k2)) - integral
    } else {
        let (p, _) = standard_interval_pair(h, k2);
        p + integral
    }
}

/// (U, ln U) by the 1-D integral ∫_h^∞ φ(x) Q((k − ρx)/√(1−ρ²)) dx around its peak
/// (finite h, k; |ρ| < 1). The variable with the larger limit is integrated.
fn tail_upper(h: f64, k: f64, r: f64) -> (f64, f64) {
    let (h, k) = if h >= k { (h, k) } else { (k, h) };
    let s = ((1.0 - r) * (1.0 + r)).sqrt();
    integral_log_concave(
        |x| log_pdf(x) + log_upper_tail((-r).mul_add(x, k) / s),
        |x| pdf(x) * upper_tail((-r).mul_add(x, k) / s),
        h,
        f64::INFINITY,
        &[cliff(k, r, s)],
    )
}

/// (P, ln P) of the standardised box with lower corner `lo` (finite) and widths `width`
/// (+∞ for a half-infinite interval) by conditioning on coordinate `i` (|ρ| < 1):
///
/// P = ∫_0^{w_i} φ(lo_i + t) P(lo_j ≤ Y ≤ lo_j + w_j | X = lo_i + t) dt,
/// Y | X = x ~ N(ρx, 1 − ρ²).
///
/// The conditional interval probability is relatively accurate and takes the conditional width
/// w_j/√(1 − ρ²) directly ([`interval_pair_by_width`]), and the integrand is log-concave
/// (Prékopa), so the log-space integral keeps relative accuracy where the inclusion–exclusion of
/// corner orthants cancels, however narrow the box.
pub(crate) fn conditional_box(lo: [f64; 2], width: [f64; 2], r: f64, i: usize) -> (f64, f64) {
    let j = 1 - i;
    let s = ((1.0 - r) * (1.0 + r)).sqrt();
    let base = (-r).mul_add(lo[i], lo[j]);
    let conditional_width = width[j] / s;
    let limit = move |t: f64| (-r).mul_add(t, base) / s;
    let (start, length) = (lo[i], width[i]);
    integral_log_concave(
        |t| log_pdf(start + t) + interval_pair_by_width(limit(t), conditional_width).1,
        |t| pdf(start + t) * interval_pair_by_width(limit(t), conditional_width).0,
        0.0,
        length,
        &[cliff(lo[j] - r * lo[i], r, s), cliff(lo[j] + width[j] - r * lo[i], r, s)],
    )
}

/// (P, ln P) of a standardised box given by its lower corner and its widths (w ≥ 0, +∞ for
/// an interval without upper limit): the form used for conditional boxes, whose widths are known
/// more accurately than their upper limits.
pub(crate) fn standard_box_pair_by_width(lo: [f64; 2], width: [f64; 2], r: f64) -> (f64, f64) {
    if lo.iter().chain(width.iter()).any(|x| x.is_nan()) || r.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if !(width[0] > 0.0 && width[1] > 0.0) || lo.contains(&f64::INFINITY) {
        return (0.0, f64::NEG_INFINITY);
    }
    // Narrow in a coordinate (relative to its position): straight to the conditional integral,
    // the corners could not resolve the width.
    let narrow = |i: usize| lo[i].is_finite() && width[i] * lo[i].abs().max(1.0) < 1e-3;
    let r = r.clamp(-1.0, 1.0);
    if r.abs() < 1.0 && (narrow(0) || narrow(1)) {
        let i = if narrow(0) { 0 } else { 1 };
        let (mut lo, mut r) = (lo, r);
        // Orient the other coordinate's interval towards +∞ when it is two-sided and below 0,
        // and integrate the narrow one from its finite lower limit.
        let j = 1 - i;
        if width[j].is_finite() && lo[j].is_finite() && lo[j] + 0.5 * width[j] < 0.0 {
            lo[j] = -(lo[j] + width[j]);
            r = -r;
        }
        return conditional_box(lo, width, r, i);
    }
    let hi = [lo[0] + width[0], lo[1] + width[1]];
    standard_box_pair(lo, hi, r)
}

/// The feature (c, w) of x ↦ Φ((c − ρx)/s): a cliff at c/ρ of width s/|ρ|, reported only where
/// it is narrow (s/|ρ| < 0.05) and finite.
#[inline]
pub(crate) fn cliff(c: f64, r: f64, s: f64) -> (f64, f64) {
    let w = s / r.abs();
    if c.is_finite() && w < 0.05 {
        (c / r, w)
    } else {
        (0.0, 0.0)
    }
}

/// At or above this box probability the corners are summed from their absolute-accuracy values
/// ([`upper_orthant_absolute`], Genz's method, absolute error ≈ 1e-16) instead of the
/// relative-accuracy ones (a log-space tail integral for each corner below [`TAIL_SWITCH`]):
/// the small corners' absolute errors are then of the order of the large ones' rounding. Over
/// 20 000 random boxes (the unit test below) the two sums agree to 7e-15 relative (at 1e-3 they
/// would differ by up to 1e-13).
const ABSOLUTE_CORNERS_MIN: f64 = 1e-2;

/// (U, ln U) for the standardised upper orthant, every edge case included.
pub(crate) fn upper_orthant_pair(h: f64, k: f64, r: f64) -> (f64, f64) {
    if h.is_nan() || k.is_nan() || r.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if h == f64::INFINITY || k == f64::INFINITY {
        return (0.0, f64::NEG_INFINITY);
    }
    if h == f64::NEG_INFINITY {
        return standard_interval_pair(k, f64::INFINITY);
    }
    if k == f64::NEG_INFINITY {
        return standard_interval_pair(h, f64::INFINITY);
    }
    let r = r.clamp(-1.0, 1.0);
    if r == 1.0 {
        return standard_interval_pair(h.max(k), f64::INFINITY);
    }
    if r == -1.0 {
        return standard_interval_pair(h, -k);
    }
    if r == 0.0 {
        let (p, lp) = standard_interval_pair(h, f64::INFINITY);
        let (q, lq) = standard_interval_pair(k, f64::INFINITY);
        return (p * q, lp + lq);
    }
    let v = genz_upper(h, k, r, upper_tail);
    if v >= TAIL_SWITCH {
        return (v.min(1.0), v.min(1.0).ln());
    }
    tail_upper(h, k, r)
}

/// U(h, k; ρ) to absolute accuracy only (Genz's method with the edge cases), for use inside
/// other methods where relative accuracy of this term is not needed; the normal upper tail Q by
/// `tail` (as for [`genz_upper`]).
pub(crate) fn upper_orthant_absolute(h: f64, k: f64, r: f64, tail: impl Fn(f64) -> f64) -> f64 {
    if h == f64::INFINITY || k == f64::INFINITY {
        return 0.0;
    }
    if h == f64::NEG_INFINITY {
        return tail(k);
    }
    if k == f64::NEG_INFINITY {
        return tail(h);
    }
    let r = r.clamp(-1.0, 1.0);
    if r == 1.0 {
        return tail(h.max(k));
    }
    if r == -1.0 {
        return standard_interval_pair(h, -k).0;
    }
    genz_upper(h, k, r, tail).clamp(0.0, 1.0)
}

/// The bivariate normal distribution function Φ₂(h, k; ρ) = P(X ≤ h, Y ≤ k).
///
/// ```
/// use mvn_orthant::exact::bivariate::bivariate_cdf;
/// assert!((bivariate_cdf(0.0, 0.0, -0.5) - 1.0 / 6.0).abs() < 1e-15);
/// ```
pub fn bivariate_cdf(h: f64, k: f64, r: f64) -> f64 {
    upper_orthant_pair(-h, -k, r).0
}

/// ln Φ₂(h, k; ρ), accurate where Φ₂ underflows.
pub fn log_bivariate_cdf(h: f64, k: f64, r: f64) -> f64 {
    upper_orthant_pair(-h, -k, r).1
}

/// (P, ln P) of a standardised box `[lower, upper]` with correlation ρ.
pub(crate) fn standard_box_pair(lower: [f64; 2], upper: [f64; 2], r: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (lower, upper);
    if lo.iter().chain(hi.iter()).any(|x| x.is_nan()) || r.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if lo[0] >= hi[0] || lo[1] >= hi[1] {
        return (0.0, f64::NEG_INFINITY);
    }
    let unbounded = |i: usize| lo[i] == f64::NEG_INFINITY && hi[i] == f64::INFINITY;
    if unbounded(0) {
        return standard_interval_pair(lo[1], hi[1]);
    }
    if unbounded(1) {
        return standard_interval_pair(lo[0], hi[0]);
    }
    let mut r = r.clamp(-1.0, 1.0);
    if r == 1.0 {
        return standard_interval_pair(lo[0].max(lo[1]), hi[0].min(hi[1]));
    }
    if r == -1.0 {
        return standard_interval_pair(lo[0].max(-hi[1]), hi[0].min(-lo[1]));
    }
    for i in 0..2 {
        if lo[i] + hi[i] < 0.0 {
            (lo[i], hi[i]) = (-hi[i], -lo[i]);
            r = -r;
        }
    }
    box_by_absolute_corners(lo, hi, r).unwrap_or_else(|| box_by_relative_corners(lo, hi, r))
}

/// The corners of a standardised box oriented towards +∞, with their inclusion–exclusion signs.
fn box_corners(lo: [f64; 2], hi: [f64; 2]) -> [(f64, f64, f64); 4] {
    [(lo[0], lo[1], 1.0), (hi[0], lo[1], -1.0), (lo[0], hi[1], -1.0), (hi[0], hi[1], 1.0)]
}

/// (P, ln P) from the absolute-accuracy corners, or `None` below [`ABSOLUTE_CORNERS_MIN`], where
/// they cancel, or for an orthant (one corner: its relative-accuracy value costs no more).
fn box_by_absolute_corners(lo: [f64; 2], hi: [f64; 2], r: f64) -> Option<(f64, f64)> {
    if hi.iter().all(|h| *h == f64::INFINITY) {
        return None;
    }
    let (mut value, mut magnitude) = (0.0, 0.0);
    for (x, y, sign) in box_corners(lo, hi) {
        let v = upper_orthant_absolute(x, y, r, upper_tail);
        value += sign * v;
        magnitude += v;
    }
    (value >= ABSOLUTE_CORNERS_MIN && magnitude <= CANCELLATION_LIMIT * value)
        .then(|| (value.min(1.0), value.min(1.0).ln()))
}

/// (P, ln P) from corners each accurate relative to itself, or by conditioning on the narrower
/// coordinate where they cancel.
fn box_by_relative_corners(lo: [f64; 2], hi: [f64; 2], r: f64) -> (f64, f64) {
    let corners =
        box_corners(lo, hi).into_iter().filter(|&(x, y, _)| x != f64::INFINITY && y != f64::INFINITY);
    relative_corner_sum(corners.map(|(x, y, sign)| (sign, upper_orthant_pair(x, y, r))), || {
        // Condition on a coordinate with a finite (two-sided) interval, the narrower one.
        let width = [hi[0] - lo[0], hi[1] - lo[1]];
        let i = if width[0] <= width[1] { 0 } else { 1 };
        conditional_box(lo, width, r, i)
    })
}

/// Standardises a 2-D box: limits of each coordinate and the correlation (0 when a variance is
/// zero; a zero variance turns its coordinate into an indicator, see
/// [`univariate::interval_probability`](super::univariate::interval_probability)).
#[inline]
pub(crate) fn standardize_box(
    mean: [f64; 2],
    cov: [[f64; 2]; 2],
    lower: [f64; 2],
    upper: [f64; 2],
) -> ([f64; 2], [f64; 2], f64) {
    let (a0, b0) = standardize(lower[0], upper[0], mean[0], cov[0][0]);
    let (a1, b1) = standardize(lower[1], upper[1], mean[1], cov[1][1]);
    let r = correlation(cov[0][0], cov[1][1], cov[0][1]);
    ([a0, a1], [b0, b1], r)
}

/// a·b − c·d with an error of about one rounding of the result (Kahan's algorithm with fused
/// multiply–adds): no cancellation error when the two products are nearly equal.
#[inline]
pub(crate) fn difference_of_products(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let cd = c * d;
    let error = (-c).mul_add(d, cd); // cd − c·d exactly
    a.mul_add(b, -cd) + error
}

/// The correlation Σ_ij/√(Σ_ii Σ_jj) of a positive semidefinite 2 × 2 block, exactly ±1 when
/// the block is singular (Σ_ii Σ_jj − Σ_ij² ≤ 0, evaluated without cancellation error) and
/// otherwise strictly inside (−1, 1); 0 when a variance is zero.
#[inline]
pub(crate) fn correlation(cii: f64, cjj: f64, cij: f64) -> f64 {
    if !(cii > 0.0 && cjj > 0.0) {
        return 0.0;
    }
    if difference_of_products(cii, cjj, cij, cij) <= 0.0 {
        return if cij >= 0.0 { 1.0 } else { -1.0 };
    }
    let r = cij / (cii.sqrt() * cjj.sqrt());
    // Strictly inside (−1, 1): the block is not singular.
    r.clamp(-1.0 + f64::EPSILON / 2.0, 1.0 - f64::EPSILON / 2.0)
}

/// (P, ln P) of a general 2-D box.
pub(crate) fn box_pair(mean: [f64; 2], cov: [[f64; 2]; 2], lower: [f64; 2], upper: [f64; 2]) -> (f64, f64) {
    let (lo, hi, r) = standardize_box(mean, cov, lower, upper);
    // A narrow two-sided interval away from the mean: (b − μ)/σ − (a − μ)/σ rounds its width
    // (to 0 when b − a ≪ ulp(a − μ)), so the width is taken from b − a instead (exact for
    // nearby a, b by Sterbenz's lemma) and the narrow-box path carries it.
    let width = |i: usize| {
        let two_sided = lower[i].is_finite() && upper[i].is_finite() && cov[i][i] > 0.0;
        two_sided.then(|| (upper[i] - lower[i]) / cov[i][i].sqrt())
    };
    let narrow = |i: usize| width(i).is_some_and(|w| w * lo[i].abs().max(1.0) < 1e-3);
    let unbounded = |i: usize| lo[i] == f64::NEG_INFINITY && hi[i] == f64::INFINITY;
    if (narrow(0) || narrow(1)) && !unbounded(0) && !unbounded(1) {
        // Intervals as (finite lower limit, width): one below a finite upper limit is reflected
        // to [−b, ∞), which flips the sign of ρ.
        let (mut start, mut w, mut r) = (lo, [0.0; 2], r);
        for i in 0..2 {
            w[i] = width(i).unwrap_or(hi[i] - lo[i]);
            if lo[i] == f64::NEG_INFINITY {
                (start[i], w[i], r) = (-hi[i], f64::INFINITY, -r);
            }
        }
        return standard_box_pair_by_width(start, w, r);
    }
    standard_box_pair(lo, hi, r)
}

box_probability_functions!(
    /// P(lower ≤ X ≤ upper) for X ~ N(mean, cov) in two dimensions; `cov` must be positive
    /// semidefinite (zero variances and |ρ| = 1 are allowed).
    ///
    /// ```
    /// use mvn_orthant::exact::bivariate::box_probability;
    /// let cov = [[4.0, 2.0], [2.0, 1.0]]; // ρ = 1: X₀ = 2 X₁
    /// let p = box_probability([0.0, 0.0], cov, [f64::NEG_INFINITY; 2], [0.0, 1.0]);
    /// assert!((p - 0.5).abs() < 1e-16);
    /// ```
    2, box_pair
);

exact_method!(
    /// The d = 2 method as an [`Integrator`](crate::Integrator): coordinates with both limits
    /// infinite are dropped first; applies when at most two constrained coordinates remain (one
    /// is padded with an independent unbounded coordinate).
    Bivariate, Method::Bivariate, 2, |p| super::padded_box_pair(p, box_pair)
);

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The absolute-corner sum against the relative-corner sum on random boxes oriented towards
    /// +∞ (as `standard_box_pair` orients them): where the fast path answers, they agree to 1e-14.
    #[test]
    fn absolute_corners_agree_with_relative_corners() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_261_130);
        let (mut answered, mut worst) = (0, 0.0f64);
        for _ in 0..20_000 {
            let r: f64 = rng.random_range(-0.99..0.99);
            let (mut lo, mut hi) = ([0.0; 2], [0.0; 2]);
            for i in 0..2 {
                hi[i] = rng.random_range(-4.0..4.0);
                lo[i] = hi[i] - rng.random_range(0.01..5.0);
                if rng.random_bool(0.15) {
                    lo[i] = f64::NEG_INFINITY;
                }
                if rng.random_bool(0.15) {
                    hi[i] = f64::INFINITY;
                }
                if lo[i] + hi[i] < 0.0 {
                    (lo[i], hi[i]) = (-hi[i], -lo[i]);
                }
            }
            let Some((fast, _)) = box_by_absolute_corners(lo, hi, r) else { continue };
            let (reference, _) = box_by_relative_corners(lo, hi, r);
            answered += 1;
            worst = worst.max((fast / reference - 1.0).abs());
        }
        assert!(answered > 3000, "the fast path answered {answered} boxes");
        assert!(worst < 1e-14, "worst relative difference {worst:e}");
    }
}
