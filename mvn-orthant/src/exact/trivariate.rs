//! d = 3: the trivariate normal probability of any box, by Plackett's reduction to a 1-D
//! integral (Genz 2004), with a log-space tail formulation for relative accuracy.
//!
//! For standard normals with correlation matrix R, the lower orthant T(x; R) = P(X ≤ x) is
//! reached from a matrix where variable 1 is independent of the others, along the path
//! r₁₂(t) = sin(t·asin r₁₂), r₁₃(t) = sin(t·asin r₁₃), t ∈ [0, 1] (r₂₃ fixed). Plackett's
//! identity ∂T/∂r_ij = φ₂(x_i, x_j; r_ij)·P(X_k ≤ x_k | X_i = x_i, X_j = x_j) turns
//! dT/dt into elementary functions and Φ, so
//!
//! T(x; R) = Φ(x₁)Φ₂(x₂, x₃; r₂₃) + (1/2π) ∫_0^1 Σ_{j=2,3} θ_{1j} exp(−f_j(t)/2) Φ(β_j(t)) dt,
//!
//! with θ_{1j} = asin r_{1j}, f_j the bivariate quadratic form at (x₁, x_j) and β_j the
//! standardised conditional limit of the third variable (see `docs/exact-methods.md`). The
//! variable labelled 1 is the one outside the most correlated pair. A box is the same integral
//! with the corners of each pair summed under it (one path, shared nodes: `plackett::TrivariatePath`).
//! The integral is evaluated by a fixed Gauss–Legendre rule (8, 10, 12 or 20 nodes, one to four
//! panels, chosen by det R) after a substitution that grades the nodes towards t = 1 on the scale
//! det R, with adaptive Gauss–Kronrod below det R = 1e-4 (see `docs/exact-methods.md` §3.1). Where the
//! result is below `TAIL_SWITCH` = 1e-5, the probability is
//! recomputed as the log-concave 1-D integral of the bivariate conditional,
//! P(X > h) = ∫_{h_i}^∞ φ(x) U₂(conditional limits; partial correlation) dx, in log space.
//!
//! Singular cases: |r_ij| = 1 merges two variables and reduces to the bivariate method; other
//! nearly singular matrices (det R < 1e-6 or a |r_ij| > 1 − 1e-6) are integrated by conditioning
//! (the conditional variance vanishes at the end of the path and Φ(β) becomes a step there).

use super::bivariate::{self, standard_box_pair};
use super::plackett::TrivariatePath;
use super::univariate::standardize;
use super::{relative_corner_sum, CANCELLATION_LIMIT};
use crate::estimate::Method;
use crate::normal::{log_pdf, pdf};
use crate::problem::Problem;
use crate::quadrature::integral_log_concave;

/// Below this value the Plackett (absolute-accuracy) result is replaced by the log-space 1-D
/// integral of the bivariate conditional.
pub(crate) const TAIL_SWITCH: f64 = 1e-5;

/// The Plackett path of the standardised box [`lower`, `upper`] (|r_ij| < 1), with the variable
/// outside the most correlated pair labelled 1 (so that |r₁₂|, |r₁₃| ≤ |r₂₃|).
fn plackett_path(lower: [f64; 3], upper: [f64; 3], r: &[[f64; 3]; 3]) -> TrivariatePath {
    let (r01, r02, r12) = (r[0][1].abs(), r[0][2].abs(), r[1][2].abs());
    let (i, j, k) = if r12 >= r01 && r12 >= r02 {
        (0, 1, 2)
    } else if r02 >= r01 {
        (1, 0, 2)
    } else {
        (2, 0, 1)
    };
    TrivariatePath::new(
        [lower[i], lower[j], lower[k]],
        [upper[i], upper[j], upper[k]],
        r[i][j],
        r[i][k],
        r[j][k],
    )
}

/// (P, Σ|terms|) of the standardised box [`lower`, `upper`] by Plackett's reduction along the
/// path of [`TrivariatePath`] (|r_ij| < 1, infinite limits allowed), absolute accuracy.
fn plackett_box(lower: [f64; 3], upper: [f64; 3], r: [[f64; 3]; 3]) -> (f64, f64) {
    let (value, magnitude) = plackett_path(lower, upper, &r).probability(determinant(&r), true);
    (value.clamp(0.0, 1.0), magnitude)
}

/// T(x; R) by Plackett's reduction (finite x, |r_ij| < 1), absolute accuracy.
fn plackett_lower(x: [f64; 3], r: [[f64; 3]; 3]) -> f64 {
    let path = plackett_path([f64::NEG_INFINITY; 3], x, &r);
    path.probability(determinant(&r), false).0.clamp(0.0, 1.0)
}

/// (P, ln P) for P(X > h) by the 1-D integral over the variable with the largest limit of φ(x)
/// times the bivariate conditional upper orthant (finite h, |r_ij| < 1).
fn tail_upper(h: [f64; 3], r: [[f64; 3]; 3]) -> (f64, f64) {
    let i = if h[0] >= h[1] && h[0] >= h[2] {
        0
    } else if h[1] >= h[2] {
        1
    } else {
        2
    };
    conditional_box(h, [f64::INFINITY; 3], r, i)
}

/// The partial correlation ρ_jk·i = (r_jk − r_ij r_ik)/√((1 − r_ij²)(1 − r_ik²)) of the other two
/// variables given variable `i` (|r_ij|, |r_ik| < 1), the numerator with one rounding. Within
/// [`SINGULAR_SNAP`] of ±1 it is set to ±1: the conditional pair is then treated as perfectly
/// correlated (a singular R; rounding of the correlations cannot tell the difference).
fn partial_correlation(r: &[[f64; 3]; 3], i: usize) -> f64 {
    let (j, k) = other_two(i);
    let (rj, rk) = (r[i][j], r[i][k]);
    let sj = ((1.0 - rj) * (1.0 + rj)).sqrt();
    let sk = ((1.0 - rk) * (1.0 + rk)).sqrt();
    let rho = (-rj).mul_add(rk, r[j][k]) / (sj * sk);
    if rho.abs() >= 1.0 - SINGULAR_SNAP {
        rho.signum()
    } else {
        rho
    }
}

/// Partial correlations within this distance of ±1 are taken as ±1 (a singular correlation
/// matrix up to the rounding of its entries).
const SINGULAR_SNAP: f64 = 1e-14;

/// (P, ln P) of the standardised box with lower corner `lo` and widths `width` (+∞ for no
/// upper limit) by conditioning on variable `i`, whose lower limit must be finite (|r_ij| < 1 for
/// j ≠ i):
///
/// P = ∫_0^{w_i} φ(x) B₂(((lo_j − r_ij x)/s_j, (lo_k − r_ik x)/s_k), widths (w_j/s_j, w_k/s_k);
/// ρ_jk·i) dt, x = lo_i + t, s = √(1 − r²),
///
/// with B₂ the relatively accurate bivariate box given by its lower corner and widths (itself
/// conditional where its corners cancel or it is narrow). The integrand is log-concave (Prékopa:
/// the box is convex), so the log-space integral keeps relative accuracy for narrow boxes, deep
/// tails and near-singular R.
fn conditional_box(lo: [f64; 3], width: [f64; 3], r: [[f64; 3]; 3], i: usize) -> (f64, f64) {
    let (j, k) = other_two(i);
    let (rj, rk) = (r[i][j], r[i][k]);
    let sj = ((1.0 - rj) * (1.0 + rj)).sqrt();
    let sk = ((1.0 - rk) * (1.0 + rk)).sqrt();
    let rho = partial_correlation(&r, i);
    let (base_j, base_k) = ((-rj).mul_add(lo[i], lo[j]), (-rk).mul_add(lo[i], lo[k]));
    let widths = [width[j] / sj, width[k] / sk];
    let start = lo[i];
    let conditional = move |t: f64| {
        bivariate::standard_box_pair_by_width(
            [(-rj).mul_add(t, base_j) / sj, (-rk).mul_add(t, base_k) / sk],
            widths,
            rho,
        )
    };
    let mut breaks = [(0.0, 0.0); 8];
    breaks[..4].copy_from_slice(&[
        bivariate::cliff(base_j, rj, sj),
        bivariate::cliff(base_j + width[j], rj, sj),
        bivariate::cliff(base_k, rk, sk),
        bivariate::cliff(base_k + width[k], rk, sk),
    ]);
    if rho.abs() == 1.0 {
        // A singular conditional pair (Y_k = ρ Y_j): the box is one interval of Y_j whose ends
        // are the larger (smaller) of two limits linear in t, so the integrand has a kink where
        // a limit of j crosses a limit of k mapped by ρ: (c_j − r_j t)/s_j = ρ (c_k − r_k t)/s_k.
        // Cut there, with panels graded towards the kink.
        let mut n = 4;
        for cj in [base_j, base_j + width[j]] {
            for ck in [base_k, base_k + width[k]] {
                let slope = rho * rk / sk - rj / sj;
                let t = (rho * ck / sk - cj / sj) / slope;
                if t.is_finite() && t > 0.0 && t < width[i] {
                    breaks[n] = (t, 1e-9 * (1.0 + t.abs()));
                    n += 1;
                }
            }
        }
    }
    integral_log_concave(
        |t| log_pdf(start + t) + conditional(t).1,
        |t| pdf(start + t) * conditional(t).0,
        0.0,
        width[i],
        &breaks,
    )
}

/// Below this determinant of R (or with a pair within this distance of |r| = 1) Plackett's
/// integrand has a step the adaptive rule may not resolve, and the conditional integral is used.
const NEAR_SINGULAR: f64 = 1e-6;

/// det R = (1 − r₀₁²)(1 − r₀₂²)(1 − ρ₁₂·₀²), each factor without cancellation (|r₀ⱼ| < 1).
fn determinant(r: &[[f64; 3]; 3]) -> f64 {
    let rho = partial_correlation(r, 0);
    (1.0 - r[0][1]) * (1.0 + r[0][1]) * (1.0 - r[0][2]) * (1.0 + r[0][2]) * (1.0 - rho) * (1.0 + rho)
}

/// The variable to condition on for a nearly singular R: the one whose conditional pair is
/// least correlated. `None` when R is not nearly singular.
fn near_singular_pivot(r: &[[f64; 3]; 3]) -> Option<usize> {
    let near = [(0, 1), (0, 2), (1, 2)].iter().any(|&(i, j)| 1.0 - r[i][j].abs() < NEAR_SINGULAR);
    if !near && determinant(r) >= NEAR_SINGULAR {
        return None;
    }
    (0..3).min_by(|&a, &b| partial_correlation(r, a).abs().total_cmp(&partial_correlation(r, b).abs()))
}

/// (V, ln V) for the standardised upper orthant V = P(X > h), every edge case included.
pub(crate) fn upper_orthant_pair(h: [f64; 3], r: [[f64; 3]; 3]) -> (f64, f64) {
    if h.iter().any(|x| x.is_nan()) || r.iter().flatten().any(|x| x.is_nan()) {
        return (f64::NAN, f64::NAN);
    }
    if h.contains(&f64::INFINITY) {
        return (0.0, f64::NEG_INFINITY);
    }
    // Drop an unconstrained variable.
    for i in 0..3 {
        if h[i] == f64::NEG_INFINITY {
            let (j, k) = other_two(i);
            return super::bivariate::upper_orthant_pair(h[j], h[k], r[j][k]);
        }
    }
    // Merge perfectly correlated variables.
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let k = 3 - i - j;
        let rij = r[i][j].clamp(-1.0, 1.0);
        if rij == 1.0 {
            return super::bivariate::upper_orthant_pair(h[i].max(h[j]), h[k], r[i][k]);
        }
        if rij == -1.0 {
            // X_j = −X_i: h_i < X_i < −h_j.
            return standard_box_pair([h[i], h[k]], [-h[j], f64::INFINITY], r[i][k]);
        }
    }
    if let Some(i) = near_singular_pivot(&r) {
        return conditional_box(h, [f64::INFINITY; 3], r, i);
    }
    let v = plackett_lower([-h[0], -h[1], -h[2]], r);
    if v >= TAIL_SWITCH {
        return (v, v.ln());
    }
    tail_upper(h, r)
}

#[inline]
fn other_two(i: usize) -> (usize, usize) {
    match i {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    }
}

/// The trivariate normal distribution function T(x; R) = P(X ≤ x) for standard normals with
/// correlation matrix `r` (symmetric, unit diagonal); infinite limits and singular R allowed.
///
/// ```
/// use mvn_orthant::exact::trivariate::trivariate_cdf;
/// // Genz (1992): 0.82798489745683348.
/// let (r12, r13, r23) = (3.0 / 5.0, 1.0 / 3.0, 11.0 / 15.0);
/// let r = [[1.0, r12, r13], [r12, 1.0, r23], [r13, r23, 1.0]];
/// assert!((trivariate_cdf([1.0, 4.0, 2.0], r) - 0.827_984_897_456_833_48).abs() < 1e-15);
/// ```
pub fn trivariate_cdf(x: [f64; 3], r: [[f64; 3]; 3]) -> f64 {
    upper_orthant_pair([-x[0], -x[1], -x[2]], r).0
}

/// ln T(x; R), accurate where T underflows.
pub fn log_trivariate_cdf(x: [f64; 3], r: [[f64; 3]; 3]) -> f64 {
    upper_orthant_pair([-x[0], -x[1], -x[2]], r).1
}

/// (P, ln P) of a standardised 3-D box.
///
/// `width` holds the widths of the intervals (b_i − a_i of the standardised box, +∞ for a
/// one-sided interval), so that a narrow box away from the mean keeps its width exactly: the
/// difference of two standardised limits rounds it (to 0 when b − a ≪ ulp(a − μ)).
fn standard_box_pair3(lower: [f64; 3], upper: [f64; 3], width: [f64; 3], r: [[f64; 3]; 3]) -> (f64, f64) {
    let (mut lo, mut hi, mut r) = (lower, upper, r);
    if lo.iter().chain(hi.iter()).any(|x| x.is_nan()) {
        return (f64::NAN, f64::NAN);
    }
    if (0..3).any(|i| lo[i] >= hi[i]) {
        return (0.0, f64::NEG_INFINITY);
    }
    for i in 0..3 {
        if lo[i] == f64::NEG_INFINITY && hi[i] == f64::INFINITY {
            let (j, k) = other_two(i);
            return standard_box_pair([lo[j], lo[k]], [hi[j], hi[k]], r[j][k]);
        }
    }
    reflect_towards_upper(&mut lo, &mut hi, &mut r);
    // Merge perfectly correlated variables (X_j = ±X_i): a bivariate box.
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let k = 3 - i - j;
        let rij = r[i][j].clamp(-1.0, 1.0);
        if rij.abs() == 1.0 {
            let (a, b) = if rij == 1.0 { (lo[j], hi[j]) } else { (-hi[j], -lo[j]) };
            let (a, b) = (lo[i].max(a), hi[i].min(b));
            if a >= b {
                return (0.0, f64::NEG_INFINITY);
            }
            return standard_box_pair([a, lo[k]], [b, hi[k]], r[i][k]);
        }
    }
    // (A reflection maps [a, b] to [−b, −a]: the widths are unchanged.)
    if let Some(i) = near_singular_pivot(&r) {
        return conditional_box(lo, width, r, i);
    }
    // Narrow in a coordinate (relative to its position): the corners cannot resolve the width.
    let narrowest = (0..3).min_by(|&a, &b| width[a].total_cmp(&width[b])).unwrap_or(0);
    if width[narrowest] * lo[narrowest].abs().max(1.0) < 1e-3 {
        return conditional_box(lo, width, r, narrowest);
    }
    match box_by_absolute_corners(lo, hi, r) {
        Ok(pair) => pair,
        // A small box (P < ABSOLUTE_CORNERS_MIN) or one whose corners cancel: one log-space
        // integral conditioned on the narrowest coordinate, instead of up to eight corner
        // orthants of which the small ones would each need such an integral of their own.
        Err(Some(_)) => conditional_box(lo, width, r, narrowest),
        Err(None) => box_by_relative_corners(lo, hi, r, narrowest),
    }
}

/// Reflects each coordinate whose interval lies more below 0 than above (a + b < 0: X → −X,
/// [a, b] → [−b, −a], its correlations negated), so that every lower limit is finite unless the
/// coordinate is unconstrained, and the first corner orthant is the largest.
fn reflect_towards_upper(lo: &mut [f64; 3], hi: &mut [f64; 3], r: &mut [[f64; 3]; 3]) {
    for i in 0..3 {
        if lo[i] + hi[i] < 0.0 {
            (lo[i], hi[i]) = (-hi[i], -lo[i]);
            for j in 0..3 {
                if j != i {
                    r[i][j] = -r[i][j];
                    r[j][i] = -r[j][i];
                }
            }
        }
    }
}

/// (P, ln P) of a standardised box from corner orthants each accurate relative to itself (the
/// largest is the first: every interval lies towards +∞), or by conditioning on the `narrowest`
/// coordinate where they cancel.
fn box_by_relative_corners(lo: [f64; 3], hi: [f64; 3], r: [[f64; 3]; 3], narrowest: usize) -> (f64, f64) {
    let corners = (0..8u32).filter_map(|mask| box_corner(lo, hi, mask));
    relative_corner_sum(corners.map(|(corner, sign)| (sign, upper_orthant_pair(corner, r))), || {
        let width = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
        conditional_box(lo, width, r, narrowest)
    })
}

/// Below this box probability the corners are summed from their relative-accuracy values (tail
/// integrals for the small ones); at or above it, from Plackett's absolute-accuracy values alone.
/// A corner orthant below [`TAIL_SWITCH`] then costs one Plackett integral (microseconds)
/// instead of a log-space conditional integral (milliseconds), and its absolute error
/// (≈ 4e-16, the tolerance of the Plackett integral) is of the order of the rounding of the
/// large corners: over 3000 random boxes (the unit test below) the two sums agree to 5e-15
/// relative at and above this threshold.
const ABSOLUTE_CORNERS_MIN: f64 = 1e-3;

/// Corner `mask` of the box (bit i set: the upper limit of coordinate i) with its
/// inclusion–exclusion sign, or `None` when that upper limit is +∞ (the corner's upper orthant
/// is empty).
fn box_corner(lo: [f64; 3], hi: [f64; 3], mask: u32) -> Option<([f64; 3], f64)> {
    let mut corner = lo;
    let mut sign = 1.0;
    for i in (0..3).filter(|i| mask & (1 << i) != 0) {
        if hi[i] == f64::INFINITY {
            return None;
        }
        corner[i] = hi[i];
        sign = -sign;
    }
    Some((corner, sign))
}

/// (P, ln P) of a standardised box (lo < hi, R regular, no perfectly correlated pair) from the
/// absolute-accuracy corner orthants, or, when P < [`ABSOLUTE_CORNERS_MIN`] or the corners
/// cancel, `Err` with that absolute value (`Err(None)` for an orthant, which has no corners): the
/// caller then takes a relative-accuracy path.
fn box_by_absolute_corners(lo: [f64; 3], hi: [f64; 3], r: [[f64; 3]; 3]) -> Result<(f64, f64), Option<f64>> {
    if hi.iter().all(|h| *h == f64::INFINITY) {
        return Err(None);
    }
    let (value, magnitude) = plackett_box(lo, hi, r);
    let cancelled = magnitude > CANCELLATION_LIMIT * value;
    if value >= ABSOLUTE_CORNERS_MIN && !cancelled {
        Ok((value.min(1.0), value.min(1.0).ln()))
    } else {
        Err(Some(value))
    }
}

/// (P, ln P) of a general 3-D box.
pub(crate) fn box_pair3(mean: [f64; 3], cov: [[f64; 3]; 3], lower: [f64; 3], upper: [f64; 3]) -> (f64, f64) {
    let mut lo = [0.0; 3];
    let mut hi = [0.0; 3];
    let mut r = [[1.0; 3]; 3];
    let mut width = [0.0; 3];
    for i in 0..3 {
        (lo[i], hi[i]) = standardize(lower[i], upper[i], mean[i], cov[i][i]);
        // A two-sided interval's width from b − a (exact for nearby a, b by Sterbenz's lemma), as
        // for the bivariate box: (b − μ)/σ − (a − μ)/σ would round a narrow one away from μ.
        let two_sided = lower[i].is_finite() && upper[i].is_finite() && cov[i][i] > 0.0;
        width[i] = if two_sided { (upper[i] - lower[i]) / cov[i][i].sqrt() } else { hi[i] - lo[i] };
        for j in 0..3 {
            if i != j {
                r[i][j] = bivariate::correlation(cov[i][i], cov[j][j], cov[i][j]);
            }
        }
    }
    standard_box_pair3(lo, hi, width, r)
}

box_probability_functions!(
    /// P(lower ≤ X ≤ upper) for X ~ N(mean, cov) in three dimensions (`cov` positive
    /// semidefinite; zero variances and singular matrices allowed).
    ///
    /// ```
    /// use mvn_orthant::exact::trivariate::box_probability;
    /// let cov = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    /// let p = box_probability([0.0; 3], cov, [0.0; 3], [f64::INFINITY; 3]);
    /// assert!((p - 0.125).abs() < 1e-16);
    /// ```
    3, box_pair3
);

exact_method!(
    /// The d = 3 method as an [`Integrator`](crate::Integrator): coordinates with both limits
    /// infinite are dropped first; applies when at most three constrained coordinates remain
    /// (padded to three with independent unbounded coordinates).
    Trivariate, Method::Trivariate, 3, |p| super::padded_box_pair(p, box_pair3)
);

#[cfg(test)]
mod tests {
    use super::super::log_signed_sum;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// A correlation matrix with off-diagonal entries uniform in (−0.9, 0.9), or `None` when it
    /// is not valid or nearly singular (the box tests below draw until they have enough).
    fn random_regular_correlation(rng: &mut Xoshiro256PlusPlus) -> Option<[[f64; 3]; 3]> {
        let c: [f64; 3] =
            [rng.random_range(-0.9..0.9), rng.random_range(-0.9..0.9), rng.random_range(-0.9..0.9)];
        let r = [[1.0, c[0], c[1]], [c[0], 1.0, c[2]], [c[1], c[2], 1.0]];
        (near_singular_pivot(&r).is_none() && partial_correlation(&r, 0).abs() < 1.0).then_some(r)
    }

    /// Small boxes (absolute value below [`ABSOLUTE_CORNERS_MIN`]) by the one conditional integral against
    /// the sum of their corner orthants, each accurate relative to itself (the small corners by
    /// their own tail integrals), where those corners do not cancel: the two routes share only the
    /// bivariate method, and their ln P agree to 1e-13 · max(1, |ln P|) (1.5e-14 measured), and
    /// P itself to 1e-13 relative for P > e^{−60} (7.3e-14 measured).
    #[test]
    fn small_boxes_by_conditioning_agree_with_relative_corners() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(30_112_026);
        let (mut compared, mut worst, mut moderate) = (0, 0.0f64, 0.0f64);
        while compared < 150 {
            let Some(r) = random_regular_correlation(&mut rng) else { continue };
            let mut lo = [0.0; 3];
            let mut hi = [0.0; 3];
            for i in 0..3 {
                lo[i] = rng.random_range(-1.0..4.5);
                hi[i] = lo[i] + rng.random_range(0.05..3.0);
                if rng.random_bool(0.2) {
                    hi[i] = f64::INFINITY;
                }
            }
            let mut r = r;
            reflect_towards_upper(&mut lo, &mut hi, &mut r);
            let Err(Some(_)) = box_by_absolute_corners(lo, hi, r) else { continue };
            let width = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
            let narrowest = (0..3).min_by(|&a, &b| width[a].total_cmp(&width[b])).unwrap();
            let (_, by_conditioning) = conditional_box(lo, width, r, narrowest);
            // The corner sum, unless its terms cancel (then it is the conditional path itself).
            let mut terms = Vec::new();
            for mask in 0..8u32 {
                if let Some((corner, sign)) = box_corner(lo, hi, mask) {
                    terms.push((sign, upper_orthant_pair(corner, r).1));
                }
            }
            let by_corners = log_signed_sum(&terms);
            if terms.len() > 1 && terms[1..].iter().map(|t| (t.1 - terms[0].1).exp()).sum::<f64>() > 0.5 {
                continue;
            }
            compared += 1;
            // Relative to max(1, |ln P|): far in the tail (ln P down to about −900 here) the
            // rounding of the inputs alone moves ln P by ε·|ln P|.
            worst = worst.max((by_conditioning - by_corners).abs() / by_corners.abs().max(1.0));
            if by_corners > -60.0 {
                moderate = moderate.max((by_conditioning - by_corners).abs());
            }
        }
        println!("{compared} small boxes, worst |Δ ln P|/max(1, |ln P|) {worst:e}; P > e^-60: |Δ ln P| {moderate:e}");
        assert!(worst < 1e-13, "worst |Δ ln P|/max(1, |ln P|) {worst:e}");
        assert!(moderate < 1e-13, "worst relative difference for P > e^-60: {moderate:e}");
    }

    /// The absolute-corner sum against the relative-corner sum on random regular boxes: where the
    /// fast path answers (P ≥ [`ABSOLUTE_CORNERS_MIN`]), the two agree to 1e-14 relative (5e-15 measured).
    #[test]
    fn absolute_corners_agree_with_relative_corners() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_261_130);
        let (mut answered, mut worst) = (0, 0.0f64);
        for _ in 0..3000 {
            let Some(mut r) = random_regular_correlation(&mut rng) else { continue };
            let mut lo = [0.0; 3];
            let mut hi = [0.0; 3];
            for i in 0..3 {
                hi[i] = rng.random_range(-3.0..3.0);
                lo[i] = hi[i] - rng.random_range(0.01..4.0);
                if rng.random_bool(0.15) {
                    lo[i] = f64::NEG_INFINITY;
                }
                if rng.random_bool(0.15) {
                    hi[i] = f64::INFINITY;
                }
            }
            if (0..3).any(|i| lo[i] == f64::NEG_INFINITY && hi[i] == f64::INFINITY) {
                continue;
            }
            reflect_towards_upper(&mut lo, &mut hi, &mut r);
            let Ok((fast, _)) = box_by_absolute_corners(lo, hi, r) else { continue };
            let (reference, _) = box_by_relative_corners(lo, hi, r, 0);
            answered += 1;
            worst = worst.max((fast / reference - 1.0).abs());
        }
        println!("{answered} boxes, worst relative difference {worst:e}");
        assert!(answered > 300, "the fast path answered {answered} boxes");
        assert!(worst < 1e-14, "worst relative difference {worst:e}");
    }

    /// The graded fixed rules (one or two panels, chosen by det R) against the adaptive rule on
    /// the same batched integrand, at 2e-19 absolute (the reference), over random correlation
    /// matrices (uniform off-diagonal entries, the valid ones not nearly singular) and random
    /// orthants and boxes with limits in [−8, 8]: 2000 cases per rule. Each must agree
    /// to 1e-14 absolute (TVPACK's accuracy); the worst differences are printed.
    #[test]
    fn fixed_rules_agree_with_the_adaptive_rule() {
        use super::super::plackett::GRADED_RULES;
        use crate::quadrature::adaptive_integral;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(18);
        let mut count = [0usize; GRADED_RULES.len()];
        let mut worst = [0.0f64; GRADED_RULES.len()];
        for _ in 0..1_000_000 {
            if count.iter().all(|&c| c >= 2000) {
                break;
            }
            let mut c: [f64; 3] =
                [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)];
            if rng.random_bool(0.5) {
                // det R = (1 − c₀²)(1 − c₁²)·η with η log-uniform in [1e-5, 1]: r₂₃ inside its
                // valid range c₀c₁ ± √((1 − c₀²)(1 − c₁²)), close to an end.
                let eta = 10f64.powf(rng.random_range(-5.0..0.0));
                let side = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                let span = ((1.0 - c[0] * c[0]) * (1.0 - c[1] * c[1]) * (1.0 - eta)).sqrt();
                c[2] = c[0] * c[1] + side * span;
            }
            let r = [[1.0, c[0], c[1]], [c[0], 1.0, c[2]], [c[1], c[2], 1.0]];
            let det = 1.0 - c[0] * c[0] - c[1] * c[1] - c[2] * c[2] + 2.0 * c[0] * c[1] * c[2];
            if det <= 0.0 || near_singular_pivot(&r).is_some() {
                continue;
            }
            let det = determinant(&r);
            let Some(tier) = GRADED_RULES.iter().position(|graded| det >= graded.min_det) else { continue };
            if count[tier] >= 2000 {
                continue;
            }
            let mut lo = [f64::NEG_INFINITY; 3];
            let mut hi = [0.0; 3];
            let orthant = rng.random_bool(0.5);
            for i in 0..3 {
                hi[i] = rng.random_range(-8.0..8.0);
                if !orthant {
                    lo[i] = hi[i] - rng.random_range(0.01..6.0);
                    if rng.random_bool(0.15) {
                        lo[i] = f64::NEG_INFINITY;
                    } else if rng.random_bool(0.15) {
                        hi[i] = f64::INFINITY;
                    }
                }
            }
            let path = plackett_path(lo, hi, &r);
            let value = path.probability(det, false).0;
            let (base, _) = path.base();
            let reference = base
                + adaptive_integral(&mut |t| path.integrand(t).0, 0.0, 1.0, 2e-19) * super::super::FRAC_1_2PI;
            count[tier] += 1;
            worst[tier] = worst[tier].max((value - reference).abs());
        }
        println!("cases per rule {count:?}, worst absolute differences {worst:?}");
        assert!(count.iter().all(|&c| c >= 2000), "{count:?}");
        assert!(worst.iter().all(|&w| w <= 1e-15), "{worst:?}");
    }
}
