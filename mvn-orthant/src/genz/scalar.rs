//! The scalar (one point at a time) forms of the separation-of-variables integrand and its two
//! single-pass gradients: the references against which the batched recursion of
//! [`super::integrand`] is tested. Test-only.

// `!(p > 0.0)` is meant: it also rejects NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::factor::{density, OrderedFactor};
use crate::normal::{cdf_fast as cdf, inverse_cdf_fast, inverse_upper_tail_fast};

/// The largest double below 1.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// Scratch space of the scalar recursions.
pub(crate) struct ScalarScratch {
    y: Vec<f64>,
    pinned: Vec<f64>,
    intervals: Vec<(f64, f64, usize, usize)>,
    /// f before step k.
    prefix: Vec<f64>,
    /// p_k.
    probability: Vec<f64>,
}

impl ScalarScratch {
    /// Scratch space for a factor of rank r.
    pub(crate) fn new(rank: usize) -> Self {
        ScalarScratch {
            y: vec![0.0; rank],
            pinned: vec![0.0; rank],
            intervals: vec![(0.0, 0.0, 0, 0); rank],
            prefix: vec![0.0; rank],
            probability: vec![0.0; rank],
        }
    }
}

/// Dot product with eight independent accumulators: a fixed association order (so results are
/// reproducible bit for bit) and a loop the compiler vectorises. Plain multiply–add, not
/// `mul_add`: without a target FMA unit `mul_add` is a call to a software fused multiply–add,
/// which made this loop the dominant cost of the integrand.
#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 8;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; LANES];
    let (a_chunks, a_tail) = a.split_at(n - n % LANES);
    let (b_chunks, b_tail) = b.split_at(n - n % LANES);
    for (ca, cb) in a_chunks.chunks_exact(LANES).zip(b_chunks.chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] += ca[l] * cb[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in a_tail.iter().zip(b_tail) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// The interval of step k and the constraints that set its ends.
#[derive(Debug, Clone, Copy)]
struct Interval {
    lo: f64,
    hi: f64,
    lo_source: usize,
    hi_source: usize,
}

/// p = Φ(hi) − Φ(lo) and the inverse map y(w), from the tail that keeps accuracy.
#[inline]
fn probability_and_sample(lo: f64, hi: f64, w: Option<f64>) -> (f64, f64) {
    if lo > 0.0 {
        let (q_lo, q_hi) = (cdf(-lo), cdf(-hi));
        let p = q_lo - q_hi;
        let y = match w {
            Some(w) if p > 0.0 => inverse_upper_tail_fast((q_lo - w * p).clamp(f64::MIN_POSITIVE, BELOW_ONE)),
            _ => 0.0,
        };
        (p, y)
    } else {
        let (c_lo, c_hi) = (cdf(lo), cdf(hi));
        let p = c_hi - c_lo;
        let y = match w {
            Some(w) if p > 0.0 => inverse_cdf_fast((c_lo + w * p).clamp(f64::MIN_POSITIVE, BELOW_ONE)),
            _ => 0.0,
        };
        (p, y)
    }
}

impl OrderedFactor {
    #[inline]
    fn scalar_interval(&self, k: usize, y: &[f64]) -> Interval {
        let step = &self.steps[k];
        let mut out = Interval {
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            lo_source: step.first,
            hi_source: step.first,
        };
        for c in step.first..step.first + step.count {
            let constraint = &self.constraints[c];
            let shift = dot(&self.coefficients[constraint.offset..constraint.offset + k], &y[..k]);
            let (lo, hi) = (constraint.lower - shift, constraint.upper - shift);
            if lo > out.lo {
                out.lo = lo;
                out.lo_source = c;
            }
            if hi < out.hi {
                out.hi = hi;
                out.hi_source = c;
            }
        }
        out
    }

    /// f(w) = Π_k p_k at the point w (length ≥ r − 1).
    #[inline]
    pub(crate) fn scalar_value(&self, w: &[f64], scratch: &mut ScalarScratch) -> f64 {
        self.scalar_forward(0, w, &mut scratch.y)
    }

    /// Π_{k ≥ from} p_k, continuing the recursion from step `from` with the samples
    /// y_0 … y_{from−1} already in `y` and the same w; writes y_from … into `y`.
    fn scalar_forward(&self, from: usize, w: &[f64], y: &mut [f64]) -> f64 {
        let r = self.steps.len();
        let mut f = 1.0;
        for k in from..r {
            let iv = self.scalar_interval(k, y);
            if iv.lo >= iv.hi {
                return 0.0;
            }
            let (p, y_k) = probability_and_sample(iv.lo, iv.hi, (k + 1 < r).then(|| w[k]));
            if !(p > 0.0) {
                return 0.0;
            }
            f *= p;
            y[k] = y_k;
        }
        f
    }

    /// The forward recursion from step 0 that keeps, per step, the interval and the constraints
    /// that set its ends, the prefix product (f before the step), p_k and y_k in `scratch`.
    /// Returns f(w) and the number of steps reached: all r, or up to and including the first
    /// step whose interval is empty or of probability 0 (f = 0 then).
    fn scalar_recorded_forward(&self, w: &[f64], scratch: &mut ScalarScratch) -> (f64, usize) {
        let r = self.steps.len();
        let mut f = 1.0;
        for k in 0..r {
            let iv = self.scalar_interval(k, &scratch.y);
            scratch.intervals[k] = (iv.lo, iv.hi, iv.lo_source, iv.hi_source);
            scratch.prefix[k] = f;
            if iv.lo >= iv.hi {
                return (0.0, k + 1);
            }
            let (p, y) = probability_and_sample(iv.lo, iv.hi, (k + 1 < r).then(|| w[k]));
            if !(p > 0.0) {
                return (0.0, k + 1);
            }
            f *= p;
            scratch.probability[k] = p;
            scratch.y[k] = y;
        }
        (f, r)
    }

    /// f(w) and adds the pinned estimates of ∂f/∂a_j and ∂f/∂b_j (original indexing) to
    /// `gradient` = (∂/∂a_0 … ∂/∂a_{d−1}, ∂/∂b_0 … ∂/∂b_{d−1}).
    pub(crate) fn scalar_pinned(&self, w: &[f64], scratch: &mut ScalarScratch, gradient: &mut [f64]) -> f64 {
        let (f, reached) = self.scalar_recorded_forward(w, scratch);
        for k in 0..reached {
            let (lo, hi, lo_source, hi_source) = scratch.intervals[k];
            let prefix = scratch.prefix[k];
            if !(lo < hi) || prefix == 0.0 {
                continue;
            }
            for (bound, source, is_upper_bound) in [(lo, lo_source, false), (hi, hi_source, true)] {
                if !bound.is_finite() {
                    continue;
                }
                let constraint = &self.constraints[source];
                let weight = prefix * density(bound) / constraint.scale;
                if weight == 0.0 {
                    continue;
                }
                let g = weight * self.scalar_pinned_rest(k, bound, w, scratch);
                // Which limit of the original variable this bound is.
                let from_upper_limit = is_upper_bound != constraint.flipped;
                let sign = if from_upper_limit { 1.0 } else { -1.0 };
                gradient[usize::from(from_upper_limit) * self.dim + constraint.variable] += sign * g;
            }
        }
        f
    }

    /// f(w) and adds the pathwise (reverse-mode) derivatives ∂f/∂a_j and ∂f/∂b_j of the integrand
    /// at the fixed point w to `gradient` (original indexing, laid out as for
    /// [`OrderedFactor::scalar_pinned`]).
    ///
    /// The cube does not depend on the limits, so E_w[∂f/∂b] = ∂P/∂b: differentiating the
    /// integrand at fixed w is a second unbiased single-pass estimator. With ln f = Σ_k ln p_k,
    /// p_k = Φ(hi_k) − Φ(lo_k) and y_k = Φ⁻¹((1 − w_k)Φ(lo_k) + w_k Φ(hi_k)), one backward sweep
    /// over the steps accumulates ȳ_k = ∂ln f/∂y_k and
    ///
    /// ∂ln f/∂hi_k = φ(hi_k)/p_k + ȳ_k w_k φ(hi_k)/φ(y_k),
    /// ∂ln f/∂lo_k = −φ(lo_k)/p_k + ȳ_k (1 − w_k) φ(lo_k)/φ(y_k),
    ///
    /// then passes −(∂ln f/∂lo_k)·c_lo − (∂ln f/∂hi_k)·c_hi back to the earlier ȳ through the
    /// coefficients of the active constraints. Cost: about twice the value's, O(r²) per point,
    /// against O(r³) for the pinned estimator of [`OrderedFactor::scalar_pinned`].
    pub(crate) fn scalar_pathwise(
        &self,
        w: &[f64],
        scratch: &mut ScalarScratch,
        gradient: &mut [f64],
    ) -> f64 {
        let r = self.steps.len();
        let (f, _) = self.scalar_recorded_forward(w, scratch);
        if f == 0.0 {
            return 0.0;
        }
        let y_bar = &mut scratch.pinned;
        y_bar[..r].iter_mut().for_each(|v| *v = 0.0);
        for k in (0..r).rev() {
            let (lo, hi, lo_source, hi_source) = scratch.intervals[k];
            let p = scratch.probability[k];
            let (density_lo, density_hi) = (density(lo), density(hi));
            let mut lo_bar = -density_lo / p;
            let mut hi_bar = density_hi / p;
            if k + 1 < r && y_bar[k] != 0.0 {
                let density_y = density(scratch.y[k]);
                if density_y > 0.0 {
                    lo_bar += y_bar[k] * (1.0 - w[k]) * density_lo / density_y;
                    hi_bar += y_bar[k] * w[k] * density_hi / density_y;
                }
            }
            for (bar, source, is_upper_bound) in [(lo_bar, lo_source, false), (hi_bar, hi_source, true)] {
                if bar == 0.0 {
                    continue;
                }
                let constraint = &self.constraints[source];
                // The bound is (limit − shift)/t with |t| = scale; a flipped constraint (t < 0)
                // takes its lower bound from the upper limit and vice versa.
                let g = f * bar / constraint.scale;
                let from_upper_limit = is_upper_bound != constraint.flipped;
                gradient[usize::from(from_upper_limit) * self.dim + constraint.variable] +=
                    if constraint.flipped { -g } else { g };
                let coefficients = &self.coefficients[constraint.offset..constraint.offset + k];
                for (m, &c) in coefficients.iter().enumerate() {
                    y_bar[m] -= bar * c;
                }
            }
        }
        f
    }

    /// Π_{m>k} p′_m with z_k pinned at `z`, continuing with the same w.
    fn scalar_pinned_rest(&self, k: usize, z: f64, w: &[f64], scratch: &mut ScalarScratch) -> f64 {
        scratch.pinned[..k].copy_from_slice(&scratch.y[..k]);
        scratch.pinned[k] = z;
        self.scalar_forward(k + 1, w, &mut scratch.pinned)
    }
}
