//! Plackett's identity (Plackett 1954): for standard normals with correlation matrix R,
//!
//! ```text
//! ∂P/∂ρ_ij = Σ_{corners} s_i s_j φ₂(c_i, c_j; ρ_ij)·P(rest | X_i = c_i, X_j = c_j),
//! ```
//!
//! over the corners (c_i, c_j) ∈ {α_i, β_i} × {α_j, β_j} of the box, s = +1 at an upper and −1 at
//! a lower limit. The trivariate method integrates it along a path of correlation matrices
//! (`TrivariatePath`: a whole box on one path, with the fixed graded Gauss–Legendre rules of
//! `GRADED_RULES`); the exact gradients use it for ∂P/∂Σ_ij. Given the pair, a third variable X_k with
//! correlations r_ki, r_kj is normal with
//!
//! ```text
//! mean  = [(r_ki − ρ r_kj) c_i + (r_kj − ρ r_ki) c_j]/(1 − ρ²),
//! variance·(1 − ρ²)² = (1 − ρ²)·[(1 − ρ²) − (r_ki − r_kj)² − 2 r_ki r_kj (1 − ρ)],
//! ```
//!
//! the second form of the variance free of the cancellation of 1 − (r_ki² − 2ρ r_ki r_kj +
//! r_kj²)/(1 − ρ²) when the correlations are near ±1.

use super::bivariate::{standard_box_pair, upper_orthant_absolute};
use super::{sin_of_small, CANCELLATION_LIMIT, FRAC_1_2PI};
use crate::mills_ratio::mills_ratio;
use crate::normal::{cdf, cdf_fast, interval_probability, is_narrow, FRAC_1_SQRT_2PI};
use crate::quadrature::{adaptive_integral, GAUSS_LEGENDRE_12, GAUSS_LEGENDRE_20, GAUSS_LEGENDRE_8};
use std::f64::consts::PI;

/// The third variable X_k of a Plackett term: its correlations with the pair and its limits
/// (standardised).
#[derive(Clone, Copy)]
pub(crate) struct Third {
    /// r_ki, the correlation with the first variable of the pair.
    pub(crate) r_ki: f64,
    /// r_kj, the correlation with the second.
    pub(crate) r_kj: f64,
    /// The limits [a_k, b_k] of X_k.
    pub(crate) lower: f64,
    pub(crate) upper: f64,
}

/// exp(−q/2)·P(a_k ≤ X_k ≤ b_k | X_i = c_i, X_j = c_j) with
/// q = (c_i² − 2ρ c_i c_j + c_j²)/(1 − ρ²) the quadratic form of the pair (so that φ₂(c_i, c_j; ρ) = exp(−q/2)/(2π√(1 − ρ²))); the
/// conditional probability is 1 without a third variable. `one_minus_rho_squared` = 1 − ρ² is
/// passed by the caller, who may know it more accurately than from ρ (cos² θ for ρ = sin θ).
/// Finite c_i, c_j, |ρ| < 1. Where the conditional variance vanishes X_k is a point mass.
pub(crate) fn plackett_term(
    ci: f64,
    cj: f64,
    rho: f64,
    one_minus_rho_squared: f64,
    third: Option<Third>,
) -> f64 {
    let rr = one_minus_rho_squared;
    let q = (ci * ci - 2.0 * rho * ci * cj + cj * cj) / rr;
    if q > 1500.0 {
        return 0.0;
    }
    let conditional = match third {
        None => 1.0,
        Some(Third { r_ki, r_kj, lower, upper }) => {
            // Numerators (limit − mean)·(1 − ρ²) and the conditional variance times (1 − ρ²)².
            let det = rr * (rr - (r_ki - r_kj) * (r_ki - r_kj) - 2.0 * r_ki * r_kj * (1.0 - rho));
            let num = |limit: f64| limit * rr - (r_ki - rho * r_kj) * ci - (r_kj - rho * r_ki) * cj;
            let (lo, hi) = (num(lower), num(upper));
            if det > 0.0 {
                let s = det.sqrt();
                if lower == f64::NEG_INFINITY {
                    cdf(hi / s)
                } else {
                    interval_probability(lo / s, hi / s)
                }
            } else if lo <= 0.0 && 0.0 <= hi {
                1.0
            } else {
                0.0
            }
        }
    };
    (-0.5 * q).exp() * conditional
}

/// ∂P/∂ρ_ij of the standardised box [α, β] (limits per coordinate, infinite allowed) by
/// Plackett's identity, with an optional third variable (|ρ_ij| < 1).
pub(crate) fn correlation_derivative(
    limits_i: (f64, f64),
    limits_j: (f64, f64),
    rho: f64,
    third: Option<(f64, f64, (f64, f64))>,
) -> f64 {
    let rr = (1.0 - rho) * (1.0 + rho);
    let mut total = 0.0;
    for (ci, si) in [(limits_i.0, -1.0), (limits_i.1, 1.0)] {
        for (cj, sj) in [(limits_j.0, -1.0), (limits_j.1, 1.0)] {
            if !ci.is_finite() || !cj.is_finite() {
                continue;
            }
            let third = third.map(|(r_ki, r_kj, (lower, upper))| Third { r_ki, r_kj, lower, upper });
            total += si * sj * plackett_term(ci, cj, rho, rr, third);
        }
    }
    total / (2.0 * PI * rr.sqrt())
}

/// P(lower ≤ Z ≤ upper) for a normal Z of mean 0 and standard deviation `sd` from the limits
/// (infinite allowed); a point mass at 0 when `sd` = 0. By [`cdf_fast`] (relative error below
/// 1e-15, a third of the cost of `cdf`), one Φ where one limit is infinite; a narrow interval by
/// [`interval_probability`] (no cancellation).
#[inline]
fn centred_interval(lower: f64, upper: f64, sd: f64) -> f64 {
    if sd > 0.0 {
        let (a, b) = (lower / sd, upper / sd);
        if a == f64::NEG_INFINITY {
            cdf_fast(b)
        } else if b == f64::INFINITY {
            cdf_fast(-a)
        } else if a >= b {
            0.0
        } else if is_narrow(a, b) {
            interval_probability(a, b)
        } else if a >= 0.0 {
            cdf_fast(-a) - cdf_fast(-b)
        } else {
            cdf_fast(b) - cdf_fast(a)
        }
    } else if lower <= 0.0 && 0.0 <= upper {
        1.0
    } else {
        0.0
    }
}

/// e^{−q/2}·Φ(x) for q ≥ 0 with one exponential where x ≤ 0: there Φ(x) = φ(x)·R(−x) (R the
/// Mills ratio, [`mills_ratio`]), so the product is e^{−(q + x²)/2}·R(−x)/√(2π); for x > 0 it
/// is e^{−q/2}·(1 − φ(x)·R(x)). The rounding of q + x² changes the result by a relative
/// ε·(q + x²)/2, which matters only where the result is below e^{−40}: the absolute error is
/// about 3e-16·e^{−q/2} (the accuracy of [`cdf_fast`]). The library's exponential measured
/// faster here than the inlined branch-free one of `mills_ratio` (1.32 against 1.43 µs per
/// trivariate orthant).
#[inline(always)]
fn exp_half_times_cdf(q: f64, x: f64) -> f64 {
    if x <= 0.0 {
        FRAC_1_SQRT_2PI * (-0.5 * (q + x * x)).exp() * mills_ratio(-x)
    } else {
        (-0.5 * q).exp() * (1.0 - FRAC_1_SQRT_2PI * (-0.5 * x * x).exp() * mills_ratio(x))
    }
}

/// e^{−q/2}·P(lower ≤ Z ≤ upper) for Z ~ N(0, sd²) (q ≥ 0, infinite limits allowed, a point
/// mass at 0 when `sd` = 0): [`centred_interval`] times the Gaussian factor of a Plackett term,
/// each Φ through [`exp_half_times_cdf`] so that a Φ of a negative argument shares the factor's
/// exponential.
#[inline(always)]
fn exp_half_times_interval(q: f64, lower: f64, upper: f64, sd: f64) -> f64 {
    if sd > 0.0 {
        let (a, b) = (lower / sd, upper / sd);
        if a == f64::NEG_INFINITY {
            exp_half_times_cdf(q, b)
        } else if b == f64::INFINITY {
            exp_half_times_cdf(q, -a)
        } else if a >= b {
            0.0
        } else if is_narrow(a, b) {
            (-0.5 * q).exp() * interval_probability(a, b)
        } else if a >= 0.0 {
            exp_half_times_cdf(q, -a) - exp_half_times_cdf(q, -b)
        } else {
            exp_half_times_cdf(q, b) - exp_half_times_cdf(q, a)
        }
    } else if lower <= 0.0 && 0.0 <= upper {
        (-0.5 * q).exp()
    } else {
        0.0
    }
}

/// (sin x, cos² x) for |x| ≤ π/2: cos² x = (1 − sin x)(1 + sin x) (one sine instead of a sine
/// and a cosine) where |sin x| ≤ 0.9, whose relative error is then below 10ε (the rounding of
/// sin x amplified by (1 + |s|)/(1 − |s|) ≤ 19, halved); the squared cosine itself closer to ±π/2.
#[inline]
fn sin_and_cos_squared(x: f64) -> (f64, f64) {
    let s = sin_of_small(x);
    if s.abs() <= 0.9 {
        (s, (1.0 - s) * (1.0 + s))
    } else {
        let c = x.cos();
        (s, c * c)
    }
}

/// The finite limits of one coordinate, each with its Plackett sign (−1 lower, +1 upper).
#[derive(Clone, Copy)]
struct Limits {
    lower: f64,
    upper: f64,
    ends: [(f64, f64); 2],
    count: usize,
}

impl Limits {
    fn new(lower: f64, upper: f64) -> Self {
        let mut ends = [(0.0, 0.0); 2];
        let mut count = 0;
        for (c, s) in [(lower, -1.0), (upper, 1.0)] {
            if c.is_finite() {
                ends[count] = (c, s);
                count += 1;
            }
        }
        Limits { lower, upper, ends, count }
    }

    fn finite(&self) -> &[(f64, f64)] {
        &self.ends[..self.count]
    }
}

/// Plackett's reduction of a standardised 3-D box [a, b] with correlation matrix R (|r_ij| < 1)
/// along the path r₁₂(t) = sin(tθ₁₂), r₁₃(t) = sin(tθ₁₃), θ = asin r, r₂₃ fixed, t ∈ [0, 1],
/// variable 1 being the one outside the most correlated pair:
///
/// ```text
/// P = P(a₁ ≤ X₁ ≤ b₁)·P(a₂ ≤ X₂ ≤ b₂, a₃ ≤ X₃ ≤ b₃; r₂₃)
///   + (1/2π) ∫_0^1 Σ_{j=2,3} θ₁ⱼ Σ_{c₁ ∈ {a₁,b₁}, cⱼ ∈ {aⱼ,bⱼ}} s₁sⱼ exp(−q/2)·P(a_k ≤ X_k ≤ b_k | c₁, cⱼ) dt,
/// ```
///
/// q the quadratic form of the pair at r = r₁ⱼ(t) (the √(1 − r²) of φ₂ cancels against
/// dr/dt = θ cos tθ), s = ∓1 at a lower/upper limit, infinite limits dropped. All corners share
/// the nodes and the sines and cosines of the path: a box costs one integral, not eight.
pub(crate) struct TrivariatePath {
    limits: [Limits; 3],
    theta: [f64; 2],
    r23: f64,
}

impl TrivariatePath {
    /// The path of the box [`lower`, `upper`] (standardised, relabelled so that variable 0 is
    /// outside the most correlated pair) with r₁₂ = `r12`, r₁₃ = `r13`, r₂₃ = `r23`.
    pub(crate) fn new(lower: [f64; 3], upper: [f64; 3], r12: f64, r13: f64, r23: f64) -> Self {
        TrivariatePath {
            limits: [0, 1, 2].map(|i| Limits::new(lower[i], upper[i])),
            theta: [r12.asin(), r13.asin()],
            r23,
        }
    }

    /// Whether variable 1 is independent of the pair (θ₁₂ = θ₁₃ = 0): the base term is exact.
    pub(crate) fn is_trivial(&self) -> bool {
        self.theta == [0.0, 0.0]
    }

    /// The integrand at `t`: (Σ terms, Σ |terms|).
    #[inline(always)]
    pub(crate) fn integrand(&self, t: f64) -> (f64, f64) {
        let (s12, cc12) = sin_and_cos_squared(t * self.theta[0]);
        let (s13, cc13) = sin_and_cos_squared(t * self.theta[1]);
        let r23 = self.r23;
        let (mut value, mut magnitude) = (0.0, 0.0);
        for (theta, j, k, r, rr, rk) in
            [(self.theta[0], 1, 2, s12, cc12, s13), (self.theta[1], 2, 1, s13, cc13, s12)]
        {
            if theta == 0.0 {
                continue;
            }
            // The conditional mean of X_k times (1 − r²) is a·c₁ + b·cⱼ; its variance times
            // (1 − r²)² is rr·D (see the module documentation).
            let (a, b) = (rk - r * r23, r23 - r * rk);
            let variance = rr * (rr - (rk - r23) * (rk - r23) - 2.0 * rk * r23 * (1.0 - r));
            let sd = if variance > 0.0 { variance.sqrt() } else { 0.0 };
            let third = self.limits[k];
            let (lower, upper) = (third.lower * rr, third.upper * rr);
            for &(c1, s1) in self.limits[0].finite() {
                for &(cj, sj) in self.limits[j].finite() {
                    let q = (c1 * c1 - 2.0 * r * c1 * cj + cj * cj) / rr;
                    if q > 1500.0 {
                        continue;
                    }
                    let mean = a * c1 + b * cj;
                    let term = theta * s1 * sj * exp_half_times_interval(q, lower - mean, upper - mean, sd);
                    value += term;
                    magnitude += term.abs();
                }
            }
        }
        (value, magnitude)
    }
}

impl TrivariatePath {
    /// The base term P(a₁ ≤ X₁ ≤ b₁)·P(a₂ ≤ X₂ ≤ b₂, a₃ ≤ X₃ ≤ b₃; r₂₃) with the sum of the
    /// magnitudes of its terms. The bivariate box is summed from its (at most four) upper
    /// orthants after reflecting a coordinate without lower limit (X → −X, r₂₃ → −r₂₃), so an
    /// orthant is one bivariate orthant; where they cancel (Σ|terms| > 8·value) it is the
    /// relatively accurate bivariate box (whose own error would otherwise be of the order of
    /// 1e-16·Σ|terms|: 2e-17 at P = 1.2e-3 seen).
    pub(crate) fn base(&self) -> (f64, f64) {
        let [first, second, third] = self.limits;
        let p1 = centred_interval(first.lower, first.upper, 1.0);
        let mut r = self.r23;
        let mut reflect = |l: Limits| {
            if l.lower == f64::NEG_INFINITY {
                r = -r;
                (-l.upper, -l.lower)
            } else {
                (l.lower, l.upper)
            }
        };
        let ((a2, b2), (a3, b3)) = (reflect(second), reflect(third));
        let (mut value, mut magnitude) = (0.0, 0.0);
        for (h, sh) in [(a2, 1.0), (b2, -1.0)] {
            for (k, sk) in [(a3, 1.0), (b3, -1.0)] {
                if h == f64::INFINITY || k == f64::INFINITY {
                    continue;
                }
                let u = upper_orthant_absolute(h, k, r, |x| cdf_fast(-x));
                value += sh * sk * u;
                magnitude += u;
            }
        }
        if magnitude > CANCELLATION_LIMIT * value {
            // The corners cancel: the relatively accurate bivariate box instead.
            value = standard_box_pair([second.lower, third.lower], [second.upper, third.upper], self.r23).0;
            magnitude = value;
        }
        (p1 * value, p1 * magnitude)
    }

    /// ∫_0^1 of [`Self::integrand`] (value and magnitude) by the Gauss–Legendre `rule` on
    /// `panels` equal panels of v ∈ [0, 1] after the substitution 1 − t = δ(e^{Lv} − 1),
    /// L = ln(1 + 1/δ), which grades the nodes towards t = 1 on the scale δ
    /// (dt = −Lδ e^{Lv} dv).
    ///
    /// The two nodes v = m ∓ hx of a symmetric pair (m the panel's centre, h its half-width)
    /// share one exponential: e^{Lv} = e^{Lm}·e^{∓Lhx}, with e^{Lm} once per panel. The relative
    /// error of e^{Lv}, a few ulp, moves 1 − t by δ·e^{Lv}·ε ≤ (1 + δ)·ε, far below what the
    /// rule resolves (no expm1 needed).
    pub(crate) fn graded_integral(&self, rule: &[(f64, f64)], delta: f64, panels: u32) -> (f64, f64) {
        let l = (1.0 / delta).ln_1p();
        let width = 1.0 / f64::from(panels);
        let half = 0.5 * width;
        let (mut value, mut magnitude) = (0.0, 0.0);
        for p in 0..panels {
            let centre = (l * (f64::from(p) * width + half)).exp();
            for &(x, w) in rule {
                let below = (-l * half * x).exp();
                for e in [centre * below, centre / below] {
                    let (f, m) = self.integrand(1.0 - delta * (e - 1.0));
                    value += w * e * f;
                    magnitude += w * e * m;
                }
            }
        }
        let scale = half * l * delta;
        (scale * value, scale * magnitude)
    }

    /// (P, Σ|terms|) of the box, absolute accuracy about 1e-16, for det R = `det`: the graded
    /// rule with δ = 3 det R, the first of [`GRADED_RULES`] whose least det R is met, else the
    /// adaptive rule to 4e-16, the magnitude then from the last graded rule if `with_magnitude`
    /// (NaN otherwise).
    pub(crate) fn probability(&self, det: f64, with_magnitude: bool) -> (f64, f64) {
        let (base, base_magnitude) = self.base();
        if self.is_trivial() {
            return (base, base_magnitude);
        }
        let delta = 3.0 * det;
        let (integral, magnitude) = match GRADED_RULES.iter().find(|graded| det >= graded.min_det) {
            Some(graded) => self.graded_integral(graded.rule, delta, graded.panels),
            None => {
                let value = adaptive_integral(&mut |t| self.integrand(t).0, 0.0, 1.0, 4e-16);
                let last = &GRADED_RULES[GRADED_RULES.len() - 1];
                let magnitude = if with_magnitude {
                    self.graded_integral(last.rule, delta, last.panels).1
                } else {
                    f64::NAN
                };
                (value, magnitude)
            }
        };
        (base + integral * FRAC_1_2PI, base_magnitude + magnitude * FRAC_1_2PI)
    }
}

/// The graded rules by the least det R where each is used (δ = 3 det R throughout).
/// Against the adaptive rule at 2e-19 over random correlation matrices (uniform off-diagonal
/// entries, or with det R drawn near the end of the valid range; the valid ones not nearly
/// singular) and orthants and boxes with limits uniform in [−8, 8], the largest absolute error of
/// T was 2.1e-17 for 8 nodes at det R ≥ 0.7 (8e-17 at det R ∈ [0.6, 0.7)), 2.8e-17 for 10 nodes at
/// det R ≥ 0.4 (2e-16 at [0.3, 0.4)), over 6·10⁴ cases with det R ≥ 0.3; 4e-17 for 12 nodes at
/// det R ≥ 0.2 (2e-15 at det R ≥ 0.1), 6e-17 for 20 nodes at det R ≥ 0.02 (3·10⁵ matrices),
/// 4e-15 for two panels of 20 at det R ≥ 1e-3 (10⁶ matrices), 6e-16 for three panels at
/// det R ∈ [3e-4, 1e-3) and 2e-16 for four panels at det R ∈ [1e-4, 3e-4) (4·10⁴ orthants and
/// boxes with det R < 1e-3; four panels: 1e-15 down to det R = 1e-5). Below 1e-4 the adaptive
/// rule is kept.
pub(crate) const GRADED_RULES: [GradedRule; 7] = [
    GradedRule { min_det: 0.7, rule: &GAUSS_LEGENDRE_8, panels: 1 },
    GradedRule { min_det: 0.4, rule: &GAUSS_LEGENDRE_10, panels: 1 },
    GradedRule { min_det: 0.2, rule: &GAUSS_LEGENDRE_12, panels: 1 },
    GradedRule { min_det: 0.02, rule: &GAUSS_LEGENDRE_20, panels: 1 },
    GradedRule { min_det: 1e-3, rule: &GAUSS_LEGENDRE_20, panels: 2 },
    GradedRule { min_det: 3e-4, rule: &GAUSS_LEGENDRE_20, panels: 3 },
    GradedRule { min_det: 1e-4, rule: &GAUSS_LEGENDRE_20, panels: 4 },
];

/// Positive Gauss–Legendre nodes and weights on [−1, 1], 10 points (Newton's iteration on
/// P₁₀ in 40-digit mpmath arithmetic, printed to 20 digits; the unit test below checks
/// exactness to degree 19).
#[allow(clippy::excessive_precision)] // the digits as computed
const GAUSS_LEGENDRE_10: [(f64, f64); 5] = [
    (0.973_906_528_517_171_720_08, 0.066_671_344_308_688_137_594),
    (0.865_063_366_688_984_510_73, 0.149_451_349_150_580_593_15),
    (0.679_409_568_299_024_406_23, 0.219_086_362_515_982_044),
    (0.433_395_394_129_247_190_8, 0.269_266_719_309_996_355_09),
    (0.148_874_338_981_631_210_88, 0.295_524_224_714_752_870_17),
];

/// One graded rule of [`GRADED_RULES`].
pub(crate) struct GradedRule {
    /// The least det R where the rule is used.
    pub(crate) min_det: f64,
    /// The Gauss–Legendre rule (positive half) on each panel.
    rule: &'static [(f64, f64)],
    /// The number of equal panels of v ∈ [0, 1].
    panels: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ∫_{−1}^1 x^k dx = 2/(k + 1) for even k (0 for odd k, by the symmetry of the nodes): the
    /// 10-point rule is exact to degree 19.
    #[test]
    fn ten_point_rule_integrates_degree_19_exactly() {
        for k in (0..20).step_by(2) {
            let sum: f64 = GAUSS_LEGENDRE_10.iter().map(|&(x, w)| 2.0 * w * x.powi(k)).sum();
            let exact = 2.0 / f64::from(k + 1);
            assert!((sum / exact - 1.0).abs() < 1e-15, "degree {k}: {sum} vs {exact}");
        }
    }
}
