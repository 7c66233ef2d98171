//! The factors of the one-factor integrand and the EXACT orthant, as log-concave integrands of
//! [`crate::quadrature::integrate_log_concave`].

use super::batched::{
    add_weighted_ratios, lane_sums_of_pairs, log_density_plus_signed_sum, log_density_plus_sum, Scratch,
};
use super::shift_interpolation::ShiftInterpolation;
use crate::mills_ratio::{inverse_mills_ratio, log_cdf_and_inverse_mills};
use crate::normal::{log_interval_probability_with_width, log_pdf};
use crate::quadrature::{integrate_log_concave, CompensatedSum, LogConcaveIntegrand};
use std::cell::{Cell, RefCell};

/// A factor whose slope |c_i| = |λ_i|/√D_ii reaches this value changes from 1 to 0 over a
/// t-width of order 1/|c_i| ≤ 1/8: its kinks (α_i/c_i, β_i/c_i) become breakpoints of the
/// quadrature, with panels graded geometrically towards them.
const SHARP_SLOPE: f64 = 8.0;

/// The general factors of a one-factor problem, standardised: factor i is
/// Φ(β_i − c_i t) − Φ(α_i − c_i t), an interval of width w_i = β_i − α_i.
#[derive(Default)]
pub(super) struct IntervalFactors {
    pub(super) alpha: Vec<f64>,
    pub(super) beta: Vec<f64>,
    /// β_i − α_i from the unstandardised limits, (b_i − a_i)/√D_ii (+∞ for a one-sided factor):
    /// the width of a narrow box keeps its relative accuracy after any shift.
    pub(super) width: Vec<f64>,
    pub(super) slope: Vec<f64>,
    pub(super) inv_scale: Vec<f64>,
    /// When every factor has one infinite limit (an orthant): the side of each, +1 for
    /// Φ(β_i − c_i t) (α_i = −∞) and −1 for Φ(−(α_i − c_i t)) (β_i = +∞), so that factor i is
    /// Φ(x_i) with x_i = side_i·(limit_i − c_i t); the factors then go through the vectorised
    /// [`crate::mills_ratio::log_cdf_and_inverse_mills_batch`]. Empty otherwise (each factor on its own).
    side: Vec<f64>,
    /// For an orthant, side_i·c_i and side_i times the finite standardised limit: factor i is
    /// Φ(x_i) with x_i = signed_limit_i − signed_slope_i·t (the same bits as
    /// side_i·(limit_i − c_i t), since a change of sign is exact and rounding symmetric).
    signed_slope: Vec<f64>,
    signed_limit: Vec<f64>,
    /// How many coordinates share factor i (identical standardised limits, width and slope,
    /// merged by [`IntervalFactors::merge_repeated`]): it enters g as m_i·ln p_i. Empty when
    /// every factor is distinct.
    multiplicity: Vec<f64>,
    /// Scratch of the batched loop (one allocation per integral).
    scratch: RefCell<Scratch>,
}

/// The limits of every factor at an anchor κ: α_i − c_i κ and β_i − c_i κ, each correctly
/// rounded (one fused multiply–add), and ln φ(κ); for an orthant only the finite one of each,
/// signed as [`IntervalFactors`]' `signed_limit` (the lower limits negated).
pub(super) struct IntervalFrame {
    anchor: f64,
    log_pdf_anchor: f64,
    lower: Vec<f64>,
    upper: Vec<f64>,
    finite: Vec<f64>,
}

/// limit − c·κ with one rounding (an infinite limit stays infinite).
#[inline]
fn shifted_limit(limit: f64, c: f64, anchor: f64) -> f64 {
    if limit.is_finite() {
        (-c).mul_add(anchor, limit)
    } else {
        limit
    }
}

impl IntervalFactors {
    /// No factors yet, with room for `n` (the vectors of [`OneFactorProblem::reduce`]).
    ///
    /// [`OneFactorProblem::reduce`]: super::OneFactorProblem
    pub(super) fn with_capacity(n: usize) -> Self {
        let room = || Vec::with_capacity(n);
        IntervalFactors {
            alpha: room(),
            beta: room(),
            width: room(),
            slope: room(),
            inv_scale: room(),
            ..Self::default()
        }
    }

    /// Fills [`IntervalFactors::side`] when every factor is one-sided.
    pub(super) fn detect_one_sided(&mut self) {
        let side: Vec<f64> = (self.alpha.iter().zip(&self.beta))
            .map(|(&a, &b)| match (a == f64::NEG_INFINITY, b == f64::INFINITY) {
                (true, false) => 1.0,
                (false, true) => -1.0,
                _ => 0.0,
            })
            .collect();
        self.side = if side.iter().all(|&s| s != 0.0) { side } else { Vec::new() };
        self.signed_slope = self.side.iter().zip(&self.slope).map(|(&side, &c)| side * c).collect();
        self.signed_limit = (0..self.side.len())
            .map(|i| if self.side[i] > 0.0 { self.beta[i] } else { -self.alpha[i] })
            .collect();
    }

    /// Merges runs of consecutive identical factors (equal bits of α, β, width, slope and scale,
    /// as in an equicorrelated orthant) into one factor with a multiplicity, so that the cost
    /// is set by the distinct factors. Returns the merged factor of each original one.
    pub(super) fn merge_repeated(&mut self) -> Vec<usize> {
        // Equal bits, field by field, the slope first (where distinct factors usually differ).
        let same = |f: &Self, i: usize, j: usize| {
            let bits = |v: &[f64], k: usize| v[k].to_bits();
            bits(&f.slope, i) == bits(&f.slope, j)
                && bits(&f.alpha, i) == bits(&f.alpha, j)
                && bits(&f.beta, i) == bits(&f.beta, j)
                && bits(&f.width, i) == bits(&f.width, j)
                && bits(&f.inv_scale, i) == bits(&f.inv_scale, j)
        };
        let n = self.alpha.len();
        let mut group = Vec::with_capacity(n);
        let mut multiplicity: Vec<f64> = Vec::with_capacity(n);
        let mut kept = 0usize;
        for i in 0..n {
            if i > 0 && same(self, i, kept - 1) {
                multiplicity[kept - 1] += 1.0;
            } else {
                if kept < i {
                    self.alpha[kept] = self.alpha[i];
                    self.beta[kept] = self.beta[i];
                    self.width[kept] = self.width[i];
                    self.slope[kept] = self.slope[i];
                    self.inv_scale[kept] = self.inv_scale[i];
                }
                multiplicity.push(1.0);
                kept += 1;
            }
            group.push(kept - 1);
        }
        for v in [&mut self.alpha, &mut self.beta, &mut self.width, &mut self.slope, &mut self.inv_scale] {
            v.truncate(kept);
        }
        self.multiplicity = if kept < n { multiplicity } else { Vec::new() };
        group
    }

    /// The multiplicity m_i of factor i.
    #[inline]
    fn multiplicity(&self, i: usize) -> f64 {
        if self.multiplicity.is_empty() {
            1.0
        } else {
            self.multiplicity[i]
        }
    }

    /// Whether the factors go through the batched loop (every factor one-sided).
    fn is_orthant(&self) -> bool {
        !self.side.is_empty()
    }

    /// ln Φ(x_i) (and φ/Φ(x_i)) of an orthant's factors, x_i = ℓ_i − side_i·c_i·s with the
    /// signed finite limits ℓ = `signed_limit` (of a frame, or the standardised ones), into the
    /// scratch.
    fn evaluate_orthant(
        &self,
        signed_limit: &[f64],
        s: f64,
        with_ratios: bool,
    ) -> std::cell::RefMut<'_, Scratch> {
        let mut scratch = self.scratch.borrow_mut();
        scratch.evaluate(self.side.len(), with_ratios, |x| {
            for (x, (&l, &c)) in x.iter_mut().zip(signed_limit.iter().zip(&self.signed_slope)) {
                *x = l - c * s;
            }
        });
        // m_i·ln Φ(x_i) (the ratios stay those of one factor: each coordinate has its limit).
        if !self.multiplicity.is_empty() {
            for (l, &m) in scratch.log_cdf.iter_mut().zip(&self.multiplicity) {
                *l *= m;
            }
        }
        scratch
    }

    /// Adds `weight`·∂g/∂(limits) of an orthant from the scratch ratios (layout of
    /// [`LogConcaveIntegrand::add_parameter_gradient_at`]): ∂ ln Φ(x_i)/∂β_i = r_i/√D_ii for
    /// an upper limit, ∂ ln Φ(x_i)/∂α_i = −r_i/√D_ii for a lower one (0 where Φ(x_i) = 0).
    fn add_orthant_gradient(&self, scratch: &Scratch, weight: f64, out: &mut [f64]) {
        let m = self.side.len();
        for i in 0..m {
            if scratch.log_cdf[i] == f64::NEG_INFINITY {
                continue;
            }
            let share = weight * scratch.ratio[i] * self.inv_scale[i];
            if self.side[i] > 0.0 {
                out[m + i] += share;
            } else {
                out[i] -= share;
            }
        }
    }

    /// ln p = ln(Φ(u) − Φ(l)) of one factor at the standardised limits l, u of width w; the
    /// one-sided factors (orthants) by the ln Φ of [`crate::mills_ratio`].
    #[inline]
    fn log_probability(l: f64, u: f64, w: f64) -> f64 {
        if l == f64::NEG_INFINITY {
            log_cdf_and_inverse_mills(u).0
        } else if u == f64::INFINITY {
            log_cdf_and_inverse_mills(-l).0
        } else {
            log_interval_probability_with_width(l, u, w)
        }
    }

    /// (∂ ln p/∂u, ∂ ln p/∂l, ln p) at the standardised limits l, u of width w.
    #[inline]
    fn log_and_ratios(l: f64, u: f64, w: f64) -> (f64, f64, f64) {
        // One-sided factors: ln Φ and φ/Φ from one Mills ratio.
        if l == f64::NEG_INFINITY || u == f64::INFINITY {
            let upper_only = l == f64::NEG_INFINITY;
            let (lp, r) = log_cdf_and_inverse_mills(if upper_only { u } else { -l });
            return match (lp == f64::NEG_INFINITY, upper_only) {
                (true, _) => (0.0, 0.0, lp),
                (false, true) => (r, 0.0, lp),
                (false, false) => (0.0, -r, lp),
            };
        }
        let lp = log_interval_probability_with_width(l, u, w);
        if lp == f64::NEG_INFINITY {
            return (0.0, 0.0, lp);
        }
        // One-sided factors from the Mills ratio directly: exp(ln φ − ln Φ) would subtract two
        // numbers of size u²/2, hopeless where u ~ 1e8 (a near-singular factor far from its step).
        let ru = if u == f64::INFINITY {
            0.0
        } else if l == f64::NEG_INFINITY {
            inverse_mills_ratio(u)
        } else {
            (log_pdf(u) - lp).exp()
        };
        let rl = if l == f64::NEG_INFINITY {
            0.0
        } else if u == f64::INFINITY {
            -inverse_mills_ratio(-l)
        } else {
            -(log_pdf(l) - lp).exp()
        };
        (ru, rl, lp)
    }

    /// ln φ(κ + s) = ln φ(κ) − s(κ + s/2), without rounding κ + s.
    #[inline]
    fn log_pdf_at(frame: &IntervalFrame, s: f64) -> f64 {
        frame.log_pdf_anchor - s * (frame.anchor + 0.5 * s)
    }
}

impl LogConcaveIntegrand for IntervalFactors {
    type Frame = IntervalFrame;

    fn frame(&self, anchor: f64) -> IntervalFrame {
        let log_pdf_anchor = log_pdf(anchor);
        if self.is_orthant() {
            // Only the finite limit of each factor, signed.
            let finite = (0..self.side.len())
                .map(|i| {
                    if self.side[i] > 0.0 {
                        shifted_limit(self.beta[i], self.slope[i], anchor)
                    } else {
                        -shifted_limit(self.alpha[i], self.slope[i], anchor)
                    }
                })
                .collect();
            return IntervalFrame { anchor, log_pdf_anchor, lower: Vec::new(), upper: Vec::new(), finite };
        }
        let n = self.alpha.len();
        let lower = (0..n).map(|i| shifted_limit(self.alpha[i], self.slope[i], anchor)).collect();
        let upper = (0..n).map(|i| shifted_limit(self.beta[i], self.slope[i], anchor)).collect();
        IntervalFrame { anchor, log_pdf_anchor, lower, upper, finite: Vec::new() }
    }

    fn log_value_at(&self, frame: &IntervalFrame, s: f64) -> f64 {
        if self.is_orthant() {
            let scratch = self.evaluate_orthant(&frame.finite, s, false);
            return log_density_plus_sum(Self::log_pdf_at(frame, s), &scratch.log_cdf);
        }
        let mut g = CompensatedSum::default();
        g.add(Self::log_pdf_at(frame, s));
        for i in 0..self.alpha.len() {
            let c = self.slope[i] * s;
            let lp = Self::log_probability(frame.lower[i] - c, frame.upper[i] - c, self.width[i]);
            g.add(self.multiplicity(i) * lp);
        }
        g.value()
    }

    fn log_value(&self, t: f64) -> f64 {
        if self.is_orthant() {
            let scratch = self.evaluate_orthant(&self.signed_limit, t, false);
            return log_density_plus_sum(log_pdf(t), &scratch.log_cdf);
        }
        let mut g = CompensatedSum::default();
        g.add(log_pdf(t));
        for i in 0..self.alpha.len() {
            let c = self.slope[i] * t;
            g.add(
                self.multiplicity(i)
                    * Self::log_probability(self.alpha[i] - c, self.beta[i] - c, self.width[i]),
            );
        }
        g.value()
    }

    fn log_magnitude(&self, t: f64) -> f64 {
        if self.is_orthant() {
            let scratch = self.evaluate_orthant(&self.signed_limit, t, false);
            return log_pdf(t).abs() - scratch.log_cdf.iter().sum::<f64>();
        }
        let mut s = log_pdf(t).abs();
        for i in 0..self.alpha.len() {
            let c = self.slope[i] * t;
            s += self.multiplicity(i)
                * Self::log_probability(self.alpha[i] - c, self.beta[i] - c, self.width[i]).abs();
        }
        s
    }

    fn derivatives(&self, t: f64) -> (f64, f64, f64) {
        if self.is_orthant() {
            // d/dt ln Φ(x_i) = −c_i·side_i·r_i and d²/dt² = −c_i²·r_i(x_i + r_i) (r = φ/Φ),
            // as in the general branch below (0 where Φ(x_i) = 0).
            let scratch = self.evaluate_orthant(&self.signed_limit, t, true);
            let n = self.side.len();
            let (x, r, l, c) =
                (&scratch.x[..n], &scratch.ratio[..n], &scratch.log_cdf[..n], &self.signed_slope[..n]);
            let term = |i: usize, m: f64| {
                if l[i] > f64::NEG_INFINITY {
                    (m * (c[i] * r[i]), m * (c[i] * c[i] * (-r[i] * (x[i] + r[i])).clamp(-1.0, 0.0)))
                } else {
                    (0.0, 0.0)
                }
            };
            let (slope, curvature) = if self.multiplicity.is_empty() {
                lane_sums_of_pairs(n, |i| term(i, 1.0))
            } else {
                let m = &self.multiplicity[..n];
                lane_sums_of_pairs(n, |i| term(i, m[i]))
            };
            return (log_density_plus_sum(log_pdf(t), &scratch.log_cdf), -t - slope, -1.0 + curvature);
        }
        let (mut g, mut g1, mut g2) = (CompensatedSum::default(), -t, -1.0);
        g.add(log_pdf(t));
        for i in 0..self.alpha.len() {
            let c = self.slope[i];
            let (l, u) = (self.alpha[i] - c * t, self.beta[i] - c * t);
            let (a, b, lp) = Self::log_and_ratios(l, u, self.width[i]);
            let m = self.multiplicity(i);
            g.add(m * lp);
            g1 -= m * (c * (a + b));
            let ua = if a == 0.0 { 0.0 } else { u * a };
            let lb = if b == 0.0 { 0.0 } else { l * b };
            // −(u a + l b) − (a + b)² = −(1 − variance of the normal truncated to [l, u]) lies in
            // [−1, 0]; in the far tails its two terms of size u² cancel, so clamp the rounding.
            g2 += m * (c * c * (-ua - lb - (a + b) * (a + b)).clamp(-1.0, 0.0));
        }
        (g.value(), g1, g2)
    }

    /// Layout of `out`: ∂g/∂a for the m factors, then ∂g/∂b.
    fn add_parameter_gradient_at(&self, frame: &IntervalFrame, s: f64, weight: f64, out: &mut [f64]) {
        let m = self.alpha.len();
        if self.is_orthant() {
            let scratch = self.evaluate_orthant(&frame.finite, s, true);
            self.add_orthant_gradient(&scratch, weight, out);
            return;
        }
        for i in 0..m {
            let c = self.slope[i] * s;
            let (a, b, _) = Self::log_and_ratios(frame.lower[i] - c, frame.upper[i] - c, self.width[i]);
            out[i] += weight * b * self.inv_scale[i];
            out[m + i] += weight * a * self.inv_scale[i];
        }
    }

    /// One pass for an orthant (ln Φ and φ/Φ of each factor together); the two hooks otherwise.
    fn log_value_and_gradient_at(
        &self,
        frame: &IntervalFrame,
        s: f64,
        peak: f64,
        scale: f64,
        out: &mut [f64],
    ) -> (f64, f64) {
        if !self.is_orthant() {
            let g = self.log_value_at(frame, s);
            let weight = scale * (g - peak).exp();
            if weight > 0.0 && weight.is_finite() {
                self.add_parameter_gradient_at(frame, s, weight, out);
            }
            return (g, weight);
        }
        let scratch = self.evaluate_orthant(&frame.finite, s, true);
        let g = log_density_plus_sum(Self::log_pdf_at(frame, s), &scratch.log_cdf);
        let weight = scale * (g - peak).exp();
        if weight > 0.0 && weight.is_finite() {
            self.add_orthant_gradient(&scratch, weight, out);
        }
        (g, weight)
    }

    /// For an orthant: ∂g/∂b_k = r(x_k)/√D_kk and ∂g/∂a_k = −r(x_k)/√D_kk with r = φ/Φ and
    /// x_k moving along t at the rate c_k; since 0 < −r′ < 1 (Sampford's inequality,
    /// r(x)(x + r(x)) ∈ (0, 1)), each grows by at most |c_k|/√D_kk per unit of t. None for
    /// two-sided factors.
    fn gradient_growth(&self) -> Option<f64> {
        self.is_orthant()
            .then(|| self.slope.iter().zip(&self.inv_scale).map(|(&c, &w)| (c * w).abs()).fold(0.0, f64::max))
    }

    fn kinks(&self) -> (Vec<f64>, f64) {
        let mut kinks = Vec::new();
        let mut step = f64::INFINITY;
        for i in 0..self.alpha.len() {
            let c = self.slope[i];
            if c.abs() >= SHARP_SLOPE {
                step = step.min(1.0 / c.abs());
                for limit in [self.alpha[i], self.beta[i]] {
                    let k = limit / c;
                    if k.is_finite() {
                        kinks.push(k);
                    }
                }
            }
        }
        kinks.sort_by(f64::total_cmp);
        kinks.dedup();
        (kinks, step)
    }
}

/// The EXACT orthant: g(z) = ln φ(z) + Σ ln Φ(d_i + z); parameters are the shifts d, in
/// increasing order.
///
/// At a node z the classes with x_i = d_i + z above [`ShiftedOrthant::far`] (a suffix of the
/// sorted shifts) are far in the upper tail: their ln Φ(x_i) ∈ (−2⁻⁶⁰/n, 0) are left out of g,
/// and their φ/Φ(x_i) is φ(x_i) to rounding, so they cost one exponential in a gradient pass
/// and nothing otherwise (see [`far_threshold`]).
struct ShiftedOrthant<'a> {
    shift: &'a [f64],
    /// The multiplicity of each shift in g (the points of a [`ShiftInterpolation`], which stand
    /// for runs of classes); `None` when every shift is one class.
    weight: Option<&'a [f64]>,
    /// The threshold T of [`far_threshold`] for `shift.len()` classes; ∞ when every class
    /// goes through the kernel (then `shift` may be in any order).
    far: f64,
    /// The number of near classes at the last node ([`ShiftedOrthant::near`]).
    last_near: Cell<usize>,
    /// Scratch of the per-class loop (one allocation per integral).
    scratch: RefCell<Scratch>,
    /// The classes that stand in for all of them where the rule is placed and scaled
    /// ([`SampledShifts`]); `None` below [`SURROGATE_FROM`] classes.
    surrogate: Option<SampledShifts>,
}

/// From this many classes on, the EXACT orthant locates its peak and measures its curvatures on
/// [`SampledShifts`] (about 48 classes) instead of on every class.
const SURROGATE_FROM: usize = 64;

/// The classes of [`SampledShifts`] taken one by one (the lowest shifts: the classes that
/// form the wall at the peak).
const SURROGATE_LEADING: usize = 16;

/// [`SampledShifts`] cuts the other classes into at least this many runs …
const SURROGATE_BLOCKS: usize = 32;

/// … of at most this many classes each (so its cost stays about 1/32 of an evaluation of g).
const SURROGATE_RUN: usize = 32;

/// The surrogate of the EXACT orthant ([`LogConcaveIntegrand::surrogate_derivatives`]): g̃(z) =
/// ln φ(z) + Σ_b w_b ln Φ(d_b + z) over representative shifts d_b with weights w_b: the
/// [`SURROGATE_LEADING`] lowest shifts with weight 1, then the others cut into runs of
/// consecutive sorted shifts (at least [`SURROGATE_BLOCKS`], of at most [`SURROGATE_RUN`]
/// classes), each represented by its middle shift with the run's length as weight. Its peak and
/// curvatures place and scale the trapezoid rule; every node and the check use every class.
struct SampledShifts {
    shift: Vec<f64>,
    weight: Vec<f64>,
    scratch: RefCell<Scratch>,
}

impl SampledShifts {
    /// The sample of the shifts `sorted` (in increasing order).
    fn of(sorted: &[f64]) -> Self {
        let leading = sorted.len().min(SURROGATE_LEADING);
        let (mut shift, mut weight): (Vec<f64>, Vec<f64>) =
            sorted[..leading].iter().map(|&d| (d, 1.0)).unzip();
        let rest = &sorted[leading..];
        let run = rest.len().div_ceil(SURROGATE_BLOCKS).clamp(1, SURROGATE_RUN);
        for block in rest.chunks(run) {
            shift.push(block[block.len() / 2]);
            weight.push(block.len() as f64);
        }
        SampledShifts { shift, weight, scratch: RefCell::default() }
    }

    /// (g̃(z), g̃′(z), g̃″(z)).
    fn derivatives(&self, z: f64) -> (f64, f64, f64) {
        let mut scratch = self.scratch.borrow_mut();
        scratch.evaluate(self.shift.len(), true, |x| {
            for (x, &d) in x.iter_mut().zip(&self.shift) {
                *x = d + z;
            }
        });
        let (mut g, mut slope, mut curvature) = (log_pdf(z), -z, -1.0);
        for (i, &w) in self.weight.iter().enumerate() {
            let (x, l, r) = (scratch.x[i], scratch.log_cdf[i], scratch.ratio[i]);
            g += w * l;
            slope += w * r;
            curvature -= w * r * (x + r);
        }
        (g, slope, curvature)
    }
}

/// The EXACT orthants of fewer classes go through the kernel whole: with few classes, few are
/// far, and sorting the shifts and the gradient costs more than they save (with the sort, the
/// criterion batch at C = 10 took 2–4% longer; at C = 100 it gained 13%). The threshold between
/// was not tuned.
const FAR_CLASSES_FROM: usize = 32;

/// Above T = √(2 ln(n·2⁶⁰/√(2π))) the n terms ln Φ(x) of the EXACT orthant add up to less than
/// 2⁻⁶³ in magnitude, and φ/Φ(x) = φ(x) to within a relative 2⁻⁶³: since φ(T) = 2⁻⁶⁰/n and
/// Q(x) < φ(x)/x for x > 0, each 0 < −ln Φ(x) = −ln(1 − Q(x)) ≤ Q(x)/(1 − Q(x)) < 2⁻⁶⁰/(nT)
/// with T > 9 (T = 9.02 for one class, 9.40 for 32, 9.75 for 999, 9.99 for 10⁴). Left out of g, they change
/// ln A by less than 2⁻⁶³, far below the rounding of g (ln φ(z) alone rounds by up to 2⁻⁵⁴).
fn far_threshold(n: usize) -> f64 {
    (2.0 * ((n.max(1) as f64).ln() + 60.0 * std::f64::consts::LN_2 - crate::normal::LN_SQRT_2PI)).sqrt()
}

/// Whether, at the trapezoid node at offset s > 0 right of the centre with weight w (in the
/// units of the gradient sums, where the centre weighs at least ½), every class far at the node
/// (x = d + z ≥ T) adds less than e^{−[`FAR_GRADIENT_CUTOFF`]} of its own term at the centre.
///
/// Class k adds w·φ(x) here and at least ½·φ/Φ(x − s) ≥ ½·φ(x − s) at the centre, and
/// φ(x)/φ(x − s) = e^{−s(2x − s)/2} ≤ e^{−s(2T − s)/2} for x ≥ T and 0 < s < 2T; so the far
/// terms are negligible when ln 2w − s(2T − s)/2 < −cutoff. Over at most 1 024 nodes they
/// change no component by more than 2e-19 of itself. On the benchmark's examples (C = 1000) the
/// test passes from about five units right of the centre, where most classes are far.
fn far_terms_negligible(s: f64, weight: f64, far: f64) -> bool {
    s > 0.0 && s < 2.0 * far && (2.0 * weight).ln() - 0.5 * s * (2.0 * far - s) < -FAR_GRADIENT_CUTOFF
}

/// See [`far_terms_negligible`].
const FAR_GRADIENT_CUTOFF: f64 = 50.0;

impl<'a> ShiftedOrthant<'a> {
    /// The integrand of the shifts `sorted` (in increasing order), the far classes left out.
    fn new(sorted: &'a [f64]) -> Self {
        debug_assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "shifts not sorted");
        let far = far_threshold(sorted.len());
        let surrogate = (sorted.len() >= SURROGATE_FROM).then(|| SampledShifts::of(sorted));
        ShiftedOrthant {
            shift: sorted,
            weight: None,
            far,
            last_near: Cell::new(0),
            scratch: RefCell::default(),
            surrogate,
        }
    }

    /// The integrand of the classes of shifts `sorted` (increasing) through the points of their
    /// [`ShiftInterpolation`] `points`: g(z) = ln φ(z) + Σ_m W_m ln Φ(δ_m + z), the gradient
    /// components those of the points; the rule is placed on the classes' own sample.
    fn interpolated(sorted: &[f64], points: &'a ShiftInterpolation) -> Self {
        let far = far_threshold(points.magnitude());
        let surrogate = (sorted.len() >= SURROGATE_FROM).then(|| SampledShifts::of(sorted));
        ShiftedOrthant {
            shift: &points.shift,
            weight: Some(&points.weight),
            far,
            last_near: Cell::new(0),
            scratch: RefCell::default(),
            surrogate,
        }
    }

    /// The integrand of the shifts in any order, every class through the ln Φ kernel (with the
    /// surrogate of [`ShiftedOrthant::new`] when they are sorted and as many).
    fn with_every_class(shift: &'a [f64]) -> Self {
        let sorted = shift.windows(2).all(|w| w[0] <= w[1]);
        let surrogate = (sorted && shift.len() >= SURROGATE_FROM).then(|| SampledShifts::of(shift));
        ShiftedOrthant {
            shift,
            weight: None,
            far: f64::INFINITY,
            last_near: Cell::new(0),
            scratch: RefCell::default(),
            surrogate,
        }
    }

    /// The number of classes that are not far at z (x_i = d_i + z ≤ T): a prefix of the shifts,
    /// found by walking from the count at the previous node (the march moves by a step at a
    /// time, so the boundary moves by a few classes; a bisection's unpredictable branches cost
    /// 7% of an example at C = 100).
    fn near(&self, z: f64) -> usize {
        if self.far == f64::INFINITY {
            return self.shift.len();
        }
        let is_near = |k: usize| self.shift[k] + z <= self.far;
        let mut k = self.last_near.get();
        while k < self.shift.len() && is_near(k) {
            k += 1;
        }
        while k > 0 && !is_near(k - 1) {
            k -= 1;
        }
        self.last_near.set(k);
        k
    }

    /// ln Φ(d_i + z) (and φ/Φ(d_i + z) when `with_ratios`) of the near classes into the scratch
    /// (without the arguments x_i: the kernel forms each where it finds its piece).
    fn evaluate(&self, z: f64, with_ratios: bool) -> std::cell::RefMut<'_, Scratch> {
        let near = &self.shift[..self.near(z)];
        let mut scratch = self.scratch.borrow_mut();
        scratch.evaluate_shifted(near, z, with_ratios);
        self.weigh(&mut scratch);
        scratch
    }

    /// g(z) from the terms of the scratch (ln Φ, or W_m·ln Φ of either sign where the shifts
    /// have multiplicities).
    fn log_value_from(&self, z: f64, scratch: &Scratch) -> f64 {
        match self.weight {
            Some(_) => log_density_plus_signed_sum(log_pdf(z), &scratch.log_cdf),
            None => log_density_plus_sum(log_pdf(z), &scratch.log_cdf),
        }
    }

    /// W_m·ln Φ in place of ln Φ where the shifts have multiplicities (the ratios stay those of
    /// one class).
    fn weigh(&self, scratch: &mut Scratch) {
        if let Some(weight) = self.weight {
            for (l, &w) in scratch.log_cdf.iter_mut().zip(weight) {
                *l *= w;
            }
        }
    }

    /// [`ShiftedOrthant::evaluate`] with the ratios and the arguments x_i = d_i + z kept (for the
    /// derivatives in z).
    fn evaluate_with_arguments(&self, z: f64) -> std::cell::RefMut<'_, Scratch> {
        let near = &self.shift[..self.near(z)];
        let mut scratch = self.scratch.borrow_mut();
        scratch.evaluate(near.len(), true, |x| {
            for (x, &d) in x.iter_mut().zip(near) {
                *x = d + z;
            }
        });
        self.weigh(&mut scratch);
        scratch
    }

    /// out_i += weight·φ/Φ(d_i + z) for every class: the near ones from the scratch of
    /// [`ShiftedOrthant::evaluate`] at z, the far ones as weight·φ(d_i + z).
    fn add_weighted_ratios(&self, scratch: &Scratch, z: f64, weight: f64, out: &mut [f64]) {
        let near = scratch.log_cdf.len();
        add_weighted_ratios(&scratch.ratio[..near], &self.shift[near..], z, weight, out);
    }
}

impl LogConcaveIntegrand for ShiftedOrthant<'_> {
    /// The anchor itself: the factors Φ(d_i + z) are never sharp, so z = κ + s is rounded.
    type Frame = f64;

    fn frame(&self, anchor: f64) -> f64 {
        anchor
    }

    fn log_value_at(&self, anchor: &f64, s: f64) -> f64 {
        self.log_value(anchor + s)
    }

    fn add_parameter_gradient_at(&self, anchor: &f64, s: f64, weight: f64, out: &mut [f64]) {
        let z = anchor + s;
        self.add_weighted_ratios(&self.evaluate(z, true), z, weight, out);
    }

    fn log_value(&self, z: f64) -> f64 {
        self.log_value_from(z, &self.evaluate(z, false))
    }

    /// ∂g/∂d_k = r(d_k + z) with r = φ/Φ, and 0 < −r′ < 1 (Sampford's inequality,
    /// r(x)(x + r(x)) ∈ (0, 1)): every component grows by less than 1 per unit of z.
    fn gradient_growth(&self) -> Option<f64> {
        Some(1.0)
    }

    /// One pass over the classes: ln Φ(d_i + z) and φ/Φ(d_i + z) together, the ratios weighted
    /// by w = scale·exp(g − peak) once g is known. Right of the centre (s > 0) the far classes
    /// are left out where [`far_terms_negligible`] bounds their terms below e^{−50} of their
    /// own terms at the centre.
    fn log_value_and_gradient_at(
        &self,
        anchor: &f64,
        s: f64,
        peak: f64,
        scale: f64,
        out: &mut [f64],
    ) -> (f64, f64) {
        let z = anchor + s;
        let scratch = self.evaluate(z, true);
        let g = self.log_value_from(z, &scratch);
        let weight = scale * (g - peak).exp();
        if weight > 0.0 && weight.is_finite() {
            let near = scratch.log_cdf.len();
            // (Only where some class is far at this node: no logarithm otherwise.)
            if near < self.shift.len() && far_terms_negligible(s, weight, self.far) {
                add_weighted_ratios(&scratch.ratio[..near], &[], z, weight, out);
            } else {
                self.add_weighted_ratios(&scratch, z, weight, out);
            }
        }
        (g, weight)
    }

    fn log_magnitude(&self, z: f64) -> f64 {
        log_pdf(z).abs() + self.evaluate(z, false).log_cdf.iter().map(|v| v.abs()).sum::<f64>()
    }

    fn has_surrogate(&self) -> bool {
        self.surrogate.is_some()
    }

    fn surrogate_derivatives(&self, z: f64) -> (f64, f64, f64) {
        match &self.surrogate {
            Some(sample) => sample.derivatives(z),
            None => self.derivatives(z),
        }
    }

    /// Over the near classes: the far ones would add φ(x)(x + φ(x)) < 2⁻⁶⁰(T + 1)/n each to
    /// g″ and less to g′, which only place the peak and the nodes.
    fn derivatives(&self, z: f64) -> (f64, f64, f64) {
        let scratch = self.evaluate_with_arguments(z);
        let (x, r) = (&scratch.x[..], &scratch.ratio[..scratch.x.len()]);
        let (slope, curvature) = match self.weight {
            Some(w) => lane_sums_of_pairs(r.len(), |i| (w[i] * r[i], w[i] * (r[i] * (x[i] + r[i])))),
            None => lane_sums_of_pairs(r.len(), |i| (r[i], r[i] * (x[i] + r[i]))),
        };
        (self.log_value_from(z, &scratch), -z + slope, -1.0 - curvature)
    }
}

/// The EXACT orthant A(d) = P(Y > 0) for Y ~ N(d, I + 11ᵀ), that is
/// `A = ∫ φ(z) Π_i Φ(d_i + z) dz`, in log space, with ∂ ln A/∂d_k written into `log_gradient`
/// (∂A/∂d_k = A · ∂ ln A/∂d_k = ∫ φ(z) φ(d_k + z) Π_{i≠k} Φ(d_i + z) dz).
///
/// This is the hot path of the EXACT loss: it costs O(n · nodes) (about 55 evaluations: the
/// graded peak-centred trapezoid rule of [`integrate_log_concave`], each node one pass
/// over the classes giving ln Φ and φ/Φ together; from 64 classes on the rule is placed and
/// scaled on a sample of about 48 classes, `SampledShifts`, so that every evaluation of all
/// of them is a node of the rule). From 32 classes on, the shifts are sorted
/// first, so that at each node the classes far in the upper tail (d_i + z above about 9.4 to
/// 10, where all their ln Φ together are below 2⁻⁶³) form a suffix that is left out of g and
/// costs one exponential (φ) in the gradient; on logits spread like a partly trained
/// classifier's that is a quarter of the class–node pairs at C = 1000. Where the sorted shifts
/// crowd (runs of at least 32 classes within a width of 1, saving at least a quarter of the
/// evaluations), each run enters g through 16 Chebyshev points with fixed weights and its
/// classes' components are interpolated from theirs (`shift_interpolation`; at C = 1000 about
/// 170 points stand for the 999 classes). Returns ln A (accurate far below the smallest
/// double). With an empty `shift`, A = 1.
///
/// # Panics
///
/// When `log_gradient.len() != shift.len()`. A NaN shift gives NaN (ln A and every component);
/// d_i = +∞ is a class that never outscores the true one (Φ = 1, component 0) and d_i = −∞ one
/// that always does (A = 0, ln A = −∞).
///
/// ```
/// use mvn_orthant::one_factor::shifted_orthant_log_value_and_gradient;
/// let d = [0.0; 4];
/// let mut grad = [0.0; 4];
/// let log_a = shifted_orthant_log_value_and_gradient(&d, &mut grad);
/// // ρ = ½ equicorrelated orthant in dimension 4: A = 1/5.
/// assert!((log_a.exp() - 0.2).abs() < 1e-15);
/// ```
pub fn shifted_orthant_log_value_and_gradient(shift: &[f64], log_gradient: &mut [f64]) -> f64 {
    assert_eq!(shift.len(), log_gradient.len(), "shift and gradient lengths differ");
    if shift.iter().any(|d| d.is_nan()) {
        log_gradient.fill(f64::NAN);
        return f64::NAN;
    }
    let whole_line = (f64::NEG_INFINITY, f64::INFINITY);
    if shift.len() < FAR_CLASSES_FROM {
        let integrand = ShiftedOrthant::with_every_class(shift);
        return integrate_log_concave(&integrand, whole_line.0, whole_line.1, Some(log_gradient)).log_value;
    }
    // The shifts in increasing order, the gradient in that order (equal shifts have equal terms,
    // so the order among them changes no bit).
    let order = increasing_order(shift);
    let sorted: Vec<f64> = order.iter().map(|&i| shift[i as usize]).collect();
    let mut sorted_gradient = vec![0.0; shift.len()];
    let log_value = match ShiftInterpolation::of(&sorted) {
        Some(points) => {
            let integrand = ShiftedOrthant::interpolated(&sorted, &points);
            let mut at_points = vec![0.0; points.shift.len()];
            let log_value =
                integrate_log_concave(&integrand, whole_line.0, whole_line.1, Some(&mut at_points)).log_value;
            points.spread(&sorted, &at_points, &mut sorted_gradient);
            log_value
        }
        None => {
            let integrand = ShiftedOrthant::new(&sorted);
            integrate_log_concave(&integrand, whole_line.0, whole_line.1, Some(&mut sorted_gradient))
                .log_value
        }
    };
    for (&i, &g) in order.iter().zip(&sorted_gradient) {
        log_gradient[i as usize] = g;
    }
    log_value
}

/// The indices of `values` (no NaN, fewer than 2³² of them) in increasing order of the values
/// (equal values in any order).
///
/// Each value's bits, made order-preserving as an unsigned integer (the sign bit flipped for
/// positives, every bit for negatives), keep their high bits and carry the index in the low
/// ⌈log₂ n⌉ bits; these integers are sorted (integer comparisons: half the time of sorting
/// (value, index) pairs by `f64::total_cmp`, 7.5 against 15.9 µs for 999 shifts), which orders
/// the values exactly except among those that agree in the kept bits, which end up adjacent
/// and are put in order by insertion.
fn increasing_order(values: &[f64]) -> Vec<u32> {
    let index_bits = usize::BITS - values.len().saturating_sub(1).leading_zeros();
    let index_mask = (1u64 << index_bits) - 1;
    let ordered_bits = |v: f64| {
        let b = v.to_bits();
        if b >> 63 == 1 {
            !b
        } else {
            b | (1 << 63)
        }
    };
    let mut packed: Vec<u64> =
        (values.iter().zip(0u64..)).map(|(&v, i)| (ordered_bits(v) & !index_mask) | i).collect();
    packed.sort_unstable();
    let mut order: Vec<u32> = packed.iter().map(|&p| (p & index_mask) as u32).collect();
    for k in 1..order.len() {
        let mut j = k;
        while j > 0 && values[order[j - 1] as usize] > values[order[j] as usize] {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadrature::integrate_log_concave_adaptive;

    /// Shifts of a random EXACT example: n classes, d_i = m + s·ε_i with ε_i ~ N(0, 1) (the
    /// Ziggurat of `rand_distr` on the crate's Xoshiro256++, seeded).
    fn shifts(n: usize, seed: u64, m: f64, s: f64) -> Vec<f64> {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                m + s * e
            })
            .collect()
    }

    /// The trapezoid rule (the default path) against the adaptive Gauss–Kronrod rule (an
    /// independent rule on the same integrand) on random EXACT orthants, C from 2 to 1000: ln A to
    /// 2e-15 (relative to max(1, |ln A|)) and ∂ ln A/∂d_k to 1e-13 of the largest component
    /// (plus 1e-15 absolutely); measured 3.3e-16 and 1.8e-15 (7.4e-15 and 3.6e-13 with the
    /// adaptive rule's former, optimistic error estimate).
    #[test]
    fn trapezoid_matches_the_adaptive_rule_on_exact_orthants() {
        let (mut worst_value, mut worst_gradient) = (0.0f64, 0.0f64);
        let mut case = 0;
        for &n in &[1usize, 2, 9, 30, 99, 300, 999] {
            // The last four: A close to 1 at large n (steep walls in the far left tail, where a
            // two-level check with a loose tolerance once accepted a wrong rule); closer still
            // to 1 the EXACT loss takes the complement path.
            for &(m, s) in &[
                (0.0, 1.0),
                (3.0, 2.0),
                (-2.0, 0.5),
                (6.0, 3.0),
                (1.0, 6.0),
                (4.0, 1.0),
                (5.0, 0.5),
                (3.0, 0.5),
                (5.0, 1.0),
            ] {
                case += 1;
                let mut d = shifts(n, case, m, s);
                d.sort_by(f64::total_cmp);
                let integrand = ShiftedOrthant::new(&d);
                let (mut fast, mut slow) = (vec![0.0; n], vec![0.0; n]);
                let a = integrate_log_concave(&integrand, f64::NEG_INFINITY, f64::INFINITY, Some(&mut fast));
                let b = integrate_log_concave_adaptive(
                    &integrand,
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                    Some(&mut slow),
                );
                let value = (a.log_value - b.log_value).abs() / b.log_value.abs().max(1.0);
                let largest = slow.iter().fold(0.0f64, |x, &y| x.max(y.abs()));
                // Relative to the largest component, and to 1e-15 absolutely (A close to 1, where
                // every component is of the size of 1 − A and below the window's resolution).
                let gradient = fast.iter().zip(&slow).fold(0.0f64, |x, (&p, &q)| x.max((p - q).abs()))
                    / (largest + 1e-3);
                assert!(value <= 2e-15, "n = {n}, ({m}, {s}): ln A {} vs {}", a.log_value, b.log_value);
                assert!(gradient <= 1e-13, "n = {n}, ({m}, {s}): gradient {gradient:e}");
                worst_value = worst_value.max(value);
                worst_gradient = worst_gradient.max(gradient);
            }
        }
        println!("trapezoid vs adaptive: ln A {worst_value:e}, gradient {worst_gradient:e} of the largest");
    }

    /// The trapezoid rule (graded, the default path) on random one-factor problems: n from 1
    /// to 1000 factors with distinct slopes of both signs (below the sharp ones, which skip the
    /// trapezoid), one-sided factors of both sides or two-sided intervals, limits around 0 or
    /// shifted into a tail. One factor against the closed form Φ(β/√(1 + c²)) − Φ(α/√(1 + c²))
    /// (the crate's interval probability, a separate path) to 1e-15 of max(1, |ln P|); all
    /// against the adaptive rule, ln P to 2e-15 of max(1, |ln P|) and the gradient to 1e-13 of
    /// its largest component (measured: 4.2e-16 and 1.5e-15). With the former error estimate
    /// of the adaptive rule (|K − G|·min(1, (200 |K − G|/K)^{3/2})) the adaptive rule was the one
    /// off, by 2.6e-13 in ln P on the three-factor case 110 (the trapezoid agrees with 40-digit
    /// mpmath there, −0.26015879139398501).
    #[test]
    fn trapezoid_matches_the_adaptive_rule_on_one_factor_problems() {
        let (mut worst_value, mut worst_gradient) = (0.0f64, 0.0f64);
        let mut case = 100;
        for &n in &[1usize, 3, 10, 100, 1000] {
            for &(m, s, c_mean, c_spread, kind) in &[
                (0.0, 1.0, 0.7, 0.3, 0),
                (1.5, 0.5, 1.0, 0.8, 0),
                (-1.0, 2.0, 0.3, 0.5, 1),
                (3.0, 1.0, 2.0, 1.5, 1),
                (0.0, 0.5, -1.0, 0.6, 2),
                (4.0, 1.0, 0.5, 1.0, 2),
            ] {
                case += 1;
                let limit = shifts(n, case, m, s);
                let slope = shifts(n, case + 1000, c_mean, c_spread);
                let mut factors = IntervalFactors::default();
                for i in 0..n {
                    // kind 0: upper limits; 1: alternating sides; 2: intervals of width 1 to 4.
                    let (alpha, beta) = match kind {
                        0 => (f64::NEG_INFINITY, limit[i]),
                        1 if i % 2 == 0 => (f64::NEG_INFINITY, limit[i]),
                        1 => (-limit[i], f64::INFINITY),
                        _ => (limit[i] - 1.0 - (i % 4) as f64, limit[i]),
                    };
                    factors.alpha.push(alpha);
                    factors.beta.push(beta);
                    factors.width.push(beta - alpha);
                    factors.slope.push(slope[i].clamp(-6.0, 6.0));
                    factors.inv_scale.push(1.0);
                }
                factors.detect_one_sided();
                let (mut fast, mut slow) = (vec![0.0; 2 * n], vec![0.0; 2 * n]);
                let inf = f64::INFINITY;
                let a = integrate_log_concave(&factors, -inf, inf, Some(&mut fast));
                if n == 1 {
                    let r = (1.0 + factors.slope[0] * factors.slope[0]).sqrt();
                    let (alpha, beta, width) =
                        (factors.alpha[0] / r, factors.beta[0] / r, factors.width[0] / r);
                    let want = crate::normal::log_interval_probability_with_width(alpha, beta, width);
                    let error = (a.log_value - want).abs() / want.abs().max(1.0);
                    assert!(error <= 1e-15, "case {case}: ln P {} vs {want}", a.log_value);
                }
                let b = integrate_log_concave_adaptive(&factors, -inf, inf, Some(&mut slow));
                let value = (a.log_value - b.log_value).abs() / b.log_value.abs().max(1.0);
                let largest = slow.iter().fold(0.0f64, |x, &y| x.max(y.abs()));
                let gradient =
                    fast.iter().zip(&slow).fold(0.0f64, |x, (&p, &q)| x.max((p - q).abs())) / largest;
                assert!(value <= 2e-15, "n = {n}, case {case}: ln P {} vs {}", a.log_value, b.log_value);
                assert!(gradient <= 1e-13, "n = {n}, case {case}: gradient {gradient:e}");
                worst_value = worst_value.max(value);
                worst_gradient = worst_gradient.max(gradient);
            }
        }
        println!("trapezoid vs adaptive: ln P {worst_value:e}, gradient {worst_gradient:e} of the largest");
    }

    /// The order of the packed sort is the increasing order of the values, exactly, on values
    /// that agree in their leading bits (the ties of the packed keys, put in order by
    /// insertion), of both signs, with zeros of both signs and infinities, for 1 to 3 000 of them.
    #[test]
    fn increasing_order_sorts_exactly() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for &n in &[1usize, 2, 3, 17, 1000, 1025, 3000] {
            for case in 0..4 {
                let values: Vec<f64> = (0..n)
                    .map(|_| match case {
                        // Neighbours of 1 and −1 one ulp to 2⁻¹² ulps apart: ties of the packed keys.
                        0 => f64::from_bits(1f64.to_bits() + rng.random_range(0..4096u64)),
                        1 => -f64::from_bits(1f64.to_bits() + rng.random_range(0..64u64)),
                        2 => [0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, 3.5][rng.random_range(0..5usize)],
                        _ => rng.random_range(-30.0..30.0),
                    })
                    .collect();
                let order = increasing_order(&values);
                let mut seen = vec![false; n];
                for &i in &order {
                    assert!(!std::mem::replace(&mut seen[i as usize], true), "index {i} twice");
                }
                for w in order.windows(2) {
                    let (a, b) = (values[w[0] as usize], values[w[1] as usize]);
                    assert!(a <= b, "n = {n}, case {case}: {a:e} before {b:e}");
                }
            }
        }
    }

    /// The surrogate of the EXACT orthant ([`SampledShifts`]) places the trapezoid rule near the
    /// peak of g and scales it by about g's curvature, on random examples of 64 to 3 000
    /// classes spread as in the tests above: its peak within 0.35 of g's curvature radius σ of
    /// g's peak (where g is within 0.07 of its maximum) and its curvature radius within 10% of
    /// σ (measured: 0.23σ, on 3 000 shifts spread over ±12, and 3.4%). The rule is accurate wherever
    /// it is centred; a centre this close keeps its nodes where they were.
    #[test]
    fn surrogate_places_the_rule_near_the_peak() {
        let newton = |derivatives: &dyn Fn(f64) -> (f64, f64, f64)| {
            let mut z = 0.0;
            for _ in 0..100 {
                let (_, slope, curvature) = derivatives(z);
                z -= slope / curvature;
            }
            (z, derivatives(z).2)
        };
        let (mut worst_offset, mut worst_scale) = (0.0f64, 0.0f64);
        let mut case = 300;
        for &n in &[64usize, 100, 300, 999, 3000] {
            for &(m, s) in
                &[(0.0, 1.0), (3.0, 2.0), (-2.0, 0.5), (6.0, 3.0), (1.0, 6.0), (4.0, 1.0), (3.0, 0.5)]
            {
                case += 1;
                let mut d = shifts(n, case, m, s);
                d.sort_by(f64::total_cmp);
                let integrand = ShiftedOrthant::new(&d);
                assert!(integrand.has_surrogate());
                let (peak, curvature) = newton(&|z| integrand.derivatives(z));
                let (centre, surrogate_curvature) = newton(&|z| integrand.surrogate_derivatives(z));
                let sigma = 1.0 / (-curvature).sqrt();
                let offset = (centre - peak).abs() / sigma;
                let scale = ((curvature / surrogate_curvature).sqrt() - 1.0).abs();
                assert!(offset <= 0.35, "n = {n}, ({m}, {s}): centre {centre}, peak {peak}, σ {sigma}");
                assert!(scale <= 0.1, "n = {n}, ({m}, {s}): curvature {surrogate_curvature} vs {curvature}");
                worst_offset = worst_offset.max(offset);
                worst_scale = worst_scale.max(scale);
            }
        }
        println!("surrogate: centre within {worst_offset:.3}σ of the peak, σ within {worst_scale:.3}");
    }

    /// The EXACT orthant through the interpolated runs of [`ShiftInterpolation`] against the
    /// class-by-class integrand (every class through the kernel at every node, on the same
    /// nodes: both rules are placed on the same sample of the classes), on 64 to 3 000 classes
    /// spread from 0.05 to 6 around shifts of −2 to 10 (runs everywhere, in the tails only, of
    /// crowded classes): ln A within 1e-15 of max(1, |ln A|) (measured 2.2e-16), the gradient
    /// within 1e-14 of its largest component (measured 2.6e-15), each component above 1e-20 of
    /// the largest within 1e-13 of itself (measured 1.8e-14) and every one above 1e-300 within
    /// 4e-13 (measured 7.9e-14, on components e^{−330} below the largest). More points or
    /// narrower runs leave these figures unchanged (measured with 12 to 24 points and widths
    /// 0.5 to 1.5): they are the rounding of g at the nodes where a component's own weight lies,
    /// which differs between the two integrands, not the interpolation's truncation.
    #[test]
    fn interpolated_runs_match_the_class_by_class_integrand() {
        let (mut worst_value, mut worst_gradient, mut worst_near, mut worst_each, mut cases) =
            (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0);
        let mut case = 200;
        for &n in &[64usize, 100, 300, 999, 3000] {
            for &(m, s) in &[
                (0.0, 1.0),
                (3.0, 2.0),
                (3.0, 2.8),
                (-2.0, 0.5),
                (6.0, 3.0),
                (1.0, 6.0),
                (4.0, 1.0),
                (5.0, 0.5),
                (10.0, 2.0),
                (2.0, 0.05),
                (0.5, 0.3),
            ] {
                case += 1;
                let mut d = shifts(n, case, m, s);
                d.sort_by(f64::total_cmp);
                let Some(points) = ShiftInterpolation::of(&d) else { continue };
                cases += 1;
                let interpolated = ShiftedOrthant::interpolated(&d, &points);
                let mut at_points = vec![0.0; points.shift.len()];
                let a = integrate_log_concave(
                    &interpolated,
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                    Some(&mut at_points),
                );
                let mut fast = vec![0.0; n];
                points.spread(&d, &at_points, &mut fast);
                let every = ShiftedOrthant::new(&d);
                let mut slow = vec![0.0; n];
                let b = integrate_log_concave(&every, f64::NEG_INFINITY, f64::INFINITY, Some(&mut slow));
                assert_eq!(a.evaluations, b.evaluations, "n = {n}, ({m}, {s}): different rules");
                let value = (a.log_value - b.log_value).abs() / b.log_value.abs().max(1.0);
                let largest = slow.iter().fold(0.0f64, |x, &y| x.max(y.abs()));
                let gradient =
                    fast.iter().zip(&slow).fold(0.0f64, |x, (&p, &q)| x.max((p - q).abs())) / largest;
                let relative_above = |floor: f64| {
                    fast.iter()
                        .zip(&slow)
                        .filter(|(_, &q)| q.abs() > floor)
                        .fold(0.0f64, |x, (&p, &q)| x.max((p - q).abs() / q.abs()))
                };
                let (near, each) = (relative_above(1e-20 * largest), relative_above(1e-300));
                assert!(value <= 1e-15, "n = {n}, ({m}, {s}): ln A {} vs {}", a.log_value, b.log_value);
                assert!(gradient <= 1e-14, "n = {n}, ({m}, {s}): gradient {gradient:e} of the largest");
                assert!(near <= 1e-13, "n = {n}, ({m}, {s}): a component {near:e} from itself");
                assert!(each <= 4e-13, "n = {n}, ({m}, {s}): a tiny component {each:e} from itself");
                worst_value = worst_value.max(value);
                worst_gradient = worst_gradient.max(gradient);
                worst_near = worst_near.max(near);
                worst_each = worst_each.max(each);
            }
        }
        assert!(cases >= 40, "the cases must form interpolated runs ({cases})");
        println!(
            "interpolated runs ({cases} cases): ln A {worst_value:e}, gradient {worst_gradient:e} of the largest, components {worst_near:e} (above 1e-20 of the largest) and {worst_each:e} (above 1e-300) of themselves"
        );
    }

    /// Leaving the far classes out of g (x_i > T) and taking φ for their φ/Φ changes ln A by
    /// less than its rounding (measured: not at all) and every gradient component by a few
    /// ulps of itself, down to components of 1e-300 (measured 4.3e-16), against the same
    /// integrand with every class through the ln Φ kernel (T = ∞); the sum over the near
    /// classes is the same prefix in the same lanes, so the difference is the far terms alone.
    /// Without the far classes' φ the components of the far classes would be 0. This also covers
    /// the far classes left out right of the centre ([`far_terms_negligible`]): with a cutoff of
    /// e^{−25} instead of e^{−50} the test fails.
    #[test]
    fn far_classes_change_nothing_beyond_rounding() {
        let (mut worst_value, mut worst_gradient, mut worst_each, mut far_seen) = (0.0f64, 0.0f64, 0.0f64, 0);
        for (case, &(n, m, s)) in
            [(30usize, 6.0, 2.0), (999, 3.0, 2.0), (999, 8.0, 3.0), (300, 10.0, 1.0), (999, 12.0, 6.0)]
                .iter()
                .enumerate()
        {
            let mut d = shifts(n, 40 + case as u64, m, s);
            d.sort_by(f64::total_cmp);
            let skipping = ShiftedOrthant::new(&d);
            let full = ShiftedOrthant::with_every_class(&d);
            far_seen = far_seen.max(n - skipping.near(0.0));
            let (mut fast, mut slow) = (vec![0.0; n], vec![0.0; n]);
            let a = integrate_log_concave(&skipping, f64::NEG_INFINITY, f64::INFINITY, Some(&mut fast));
            let b = integrate_log_concave(&full, f64::NEG_INFINITY, f64::INFINITY, Some(&mut slow));
            let value = (a.log_value - b.log_value).abs() / b.log_value.abs().max(1.0);
            let largest = slow.iter().fold(0.0f64, |x, &y| x.max(y.abs()));
            let gradient = fast.iter().zip(&slow).fold(0.0f64, |x, (&p, &q)| x.max((p - q).abs())) / largest;
            // Every component relative to itself, down to 1e-300: the far classes' φ(x) against
            // the kernel's φ/Φ(x) at the same nodes.
            let each = fast
                .iter()
                .zip(&slow)
                .filter(|(_, &q)| q.abs() > 1e-300)
                .fold(0.0f64, |x, (&p, &q)| x.max((p - q).abs() / q.abs()));
            assert!(each <= 8.0 * f64::EPSILON, "case {case}: a component {each:e} from itself");
            assert!(value <= 2.0 * f64::EPSILON, "case {case}: ln A {} vs {}", a.log_value, b.log_value);
            assert!(gradient <= 4.0 * f64::EPSILON, "case {case}: gradient {gradient:e}");
            worst_value = worst_value.max(value);
            worst_gradient = worst_gradient.max(gradient);
            worst_each = worst_each.max(each);
        }
        assert!(far_seen > 100, "the cases must have far classes");
        println!(
            "far classes left out: ln A {worst_value:e}, gradient {worst_gradient:e} of the largest, each component {worst_each:e} of itself"
        );
    }

    /// The public EXACT orthant at the edges, on both sides of the 32 classes where the far
    /// classes start and with runs interpolated in the shift (400 and 2 000 classes): a NaN
    /// shift gives NaN everywhere; a class at d = +∞ (Φ = 1) changes nothing and has gradient
    /// 0; a class at d = −∞ makes A = 0 (and every component 0).
    #[test]
    fn exact_orthant_edges() {
        for n in [5usize, 40, 400, 2000] {
            let d = shifts(n, 70 + n as u64, 2.0, 2.0);
            let mut sorted = d.clone();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(ShiftInterpolation::of(&sorted).is_some(), n >= 400, "n = {n}");
            let mut gradient = vec![0.0; n];
            let log_a = shifted_orthant_log_value_and_gradient(&d, &mut gradient);
            let mut with_nan = d.clone();
            with_nan[n / 2] = f64::NAN;
            let mut nan_gradient = vec![0.0; n];
            assert!(shifted_orthant_log_value_and_gradient(&with_nan, &mut nan_gradient).is_nan(), "n = {n}");
            assert!(nan_gradient.iter().all(|g| g.is_nan()), "n = {n}");
            let mut wider = d.clone();
            wider.insert(n / 3, f64::INFINITY);
            let mut wider_gradient = vec![1.0; n + 1];
            let log_wider = shifted_orthant_log_value_and_gradient(&wider, &mut wider_gradient);
            assert!(
                (log_wider - log_a).abs() <= 4.0 * f64::EPSILON * log_a.abs(),
                "n = {n}: {log_wider} vs {log_a}"
            );
            assert_eq!(wider_gradient.remove(n / 3), 0.0);
            let largest = gradient.iter().fold(0.0f64, |x, &g| x.max(g.abs()));
            for (k, (&g, &h)) in gradient.iter().zip(&wider_gradient).enumerate() {
                assert!((g - h).abs() <= 1e-14 * largest, "n = {n}, class {k}: {g} vs {h}");
            }
            let mut impossible = d.clone();
            impossible[0] = f64::NEG_INFINITY;
            let mut impossible_gradient = vec![0.0; n];
            let log_zero = shifted_orthant_log_value_and_gradient(&impossible, &mut impossible_gradient);
            assert_eq!(log_zero, f64::NEG_INFINITY, "n = {n}");
            // No integrand left to differentiate: every component 0, interpolated or not.
            assert!(impossible_gradient.iter().all(|&g| g == 0.0), "n = {n}");
        }
    }

    /// The one-pass hook of the EXACT integrand gives the bits of the two separate hooks.
    #[test]
    fn one_pass_value_and_gradient_equal_the_two_passes() {
        let mut d = shifts(37, 5, 1.0, 2.0);
        d.sort_by(f64::total_cmp);
        let integrand = ShiftedOrthant::new(&d);
        let (mut once, mut twice) = (vec![0.25; 37], vec![0.25; 37]);
        let (g, weight) = integrand.log_value_and_gradient_at(&-0.3, 0.05, -2.0, 1.25, &mut once);
        assert_eq!(g.to_bits(), integrand.log_value_at(&-0.3, 0.05).to_bits());
        assert_eq!(weight, 1.25 * (g + 2.0).exp());
        integrand.add_parameter_gradient_at(&-0.3, 0.05, weight, &mut twice);
        assert_eq!(once, twice);
    }

    /// An orthant's factors through the batched loop against the same factors one at a time
    /// (the general branch, with the branching ln Φ): g, g′, g″, and the integral with its
    /// gradient, on mixed upper and lower one-sided factors with slopes of both signs.
    #[test]
    fn batched_orthant_factors_match_the_per_factor_path() {
        let n = 37;
        let u = shifts(n, 11, 0.5, 1.5);
        let c = shifts(n, 12, 0.2, 1.0);
        let mut batched = IntervalFactors::default();
        for i in 0..n {
            let upper = i % 3 != 0;
            batched.alpha.push(if upper { f64::NEG_INFINITY } else { -u[i] });
            batched.beta.push(if upper { u[i] } else { f64::INFINITY });
            batched.width.push(f64::INFINITY);
            batched.slope.push(c[i]);
            batched.inv_scale.push(1.0 + 0.01 * i as f64);
        }
        let mut single = IntervalFactors {
            alpha: batched.alpha.clone(),
            beta: batched.beta.clone(),
            width: batched.width.clone(),
            slope: batched.slope.clone(),
            inv_scale: batched.inv_scale.clone(),
            ..IntervalFactors::default()
        };
        batched.detect_one_sided();
        single.side.clear();
        assert!(batched.is_orthant() && !single.is_orthant());
        for t in [-9.0, -2.5, -0.3, 0.0, 0.8, 3.0, 12.0] {
            let (a, b) = (batched.derivatives(t), single.derivatives(t));
            assert!((a.0 - b.0).abs() <= 1e-15 * b.0.abs().max(1.0), "g({t}): {} vs {}", a.0, b.0);
            assert!((a.1 - b.1).abs() <= 1e-14 * b.1.abs().max(1.0), "g′({t}): {} vs {}", a.1, b.1);
            // g″ = −1 − Σ c²r(x + r) cancels where x ≪ 0 (x + r → 0): both carry that rounding
            // (g″ only sets the step and the Newton iterates).
            assert!((a.2 - b.2).abs() <= 1e-12 * b.2.abs().max(1.0), "g″({t}): {} vs {}", a.2, b.2);
        }
        let (mut ga, mut gb) = (vec![0.0; 2 * n], vec![0.0; 2 * n]);
        let ra = integrate_log_concave(&batched, f64::NEG_INFINITY, f64::INFINITY, Some(&mut ga));
        let rb = integrate_log_concave(&single, f64::NEG_INFINITY, f64::INFINITY, Some(&mut gb));
        assert!((ra.log_value - rb.log_value).abs() <= 1e-14 * rb.log_value.abs(), "{ra:?} vs {rb:?}");
        let largest = gb.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
        for (k, (&p, &q)) in ga.iter().zip(&gb).enumerate() {
            assert!((p - q).abs() <= 1e-13 * largest, "∂[{k}]: {p} vs {q}");
        }
    }
}
