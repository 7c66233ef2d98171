//! The separation-of-variables integrand over `[0, 1]^(r−1)` and its single-pass gradient.
//!
//! For a point w, step k forms the interval `[lo_k, hi_k]` of z_k given y_0 … y_{k−1} (the
//! intersection of the intervals of the step's constraints), its probability
//! p_k = Φ(hi_k) − Φ(lo_k), and, except at the last step, y_k = Φ⁻¹(Φ(lo_k) + w_k p_k). The
//! integrand is f(w) = Π_k p_k; its mean over the cube is P.
//!
//! When lo_k > 0 the step works with upper tails instead, p_k = Q(lo_k) − Q(hi_k) and
//! y_k = Q⁻¹(Q(lo_k) − w_k p_k), so that no relative accuracy is lost to 1 − Φ.
//!
//! The hot loops use the branch-free tail [`crate::mills_ratio::upper_tail_of_magnitude`] (or
//! [`crate::normal::cdf_fast`] built on it) and [`crate::normal::inverse_cdf_fast`], with relative
//! errors below 7e-16 and 1e-15; [`OrderedFactor::values`] evaluates eight points at a time (see
//! [`BATCH`]).
//!
//! # Gradient by pinning
//!
//! If the bound hi_k comes from the upper limit b_j of variable j (scaled by its conditional
//! standard deviation s_j), then, by the conditioning theorem applied given z_0 … z_{k−1},
//!
//! ∂P/∂b_j = E[ Π_{m<k} p_m · φ(hi_k)/s_j · Π_{m>k} p′_m ],
//!
//! where the p′_m continue the recursion with z_k pinned at hi_k and the same w_{k+1}, w_{k+2},
//! …: the same random numbers as the value. A lower limit enters with a minus sign; a bound that
//! is not the active (tightest) one of its step contributes nothing.

// `!(p > 0.0)` is meant: it also rejects NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::factor::{density, OrderedFactor};
use crate::mills_ratio::{density_branch_free, upper_tail_of_magnitude};
use crate::normal::{cdf_fast as cdf, inverse_cdf_fast, inverse_upper_tail_fast};

/// The largest double below 1.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

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

/// Number of points that [`OrderedFactor::values`] carries through the recursion together.
///
/// Within one point the recursion is a chain of dependent operations (each y_k feeds the next
/// interval), so a single point leaves most of the processor idle waiting on latencies. Eight
/// independent points interleaved step by step fill those gaps, and the conditional means of
/// the eight points become one small matrix–vector product per constraint that the compiler
/// vectorises.
pub const BATCH: usize = 8;

/// Per-chunk scratch space, so that the per-point loop allocates nothing.
#[derive(Debug, Clone)]
pub struct Scratch {
    y: Vec<f64>,
    pinned: Vec<f64>,
    intervals: Vec<(f64, f64, usize, usize)>,
    prefix: Vec<f64>,
    /// The y of a batch, `batch_y[k * BATCH + p]` for step k and point p.
    batch_y: Vec<f64>,
    /// The steps of a batch for the backward sweep, indexed like `batch_y`.
    batch_record: Vec<StepRecord>,
    /// ∂ln f/∂y of a batch, indexed like `batch_y`.
    batch_y_bar: Vec<f64>,
}

/// One step of one point of the batched forward recursion, kept for the backward sweep.
#[derive(Debug, Clone, Copy, Default)]
struct StepRecord {
    lo: f64,
    hi: f64,
    probability: f64,
    lo_source: usize,
    hi_source: usize,
}

impl Scratch {
    /// Scratch space for a factor of rank r.
    pub fn new(rank: usize) -> Self {
        Scratch {
            y: vec![0.0; rank],
            pinned: vec![0.0; rank],
            intervals: vec![(0.0, 0.0, 0, 0); rank],
            prefix: vec![0.0; rank],
            batch_y: vec![0.0; rank * BATCH],
            batch_record: vec![StepRecord::default(); rank * BATCH],
            batch_y_bar: vec![0.0; rank * BATCH],
        }
    }
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
    fn interval(&self, k: usize, y: &[f64]) -> Interval {
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
    pub fn value(&self, w: &[f64], scratch: &mut Scratch) -> f64 {
        let r = self.steps.len();
        let mut f = 1.0;
        for k in 0..r {
            let iv = self.interval(k, &scratch.y);
            if iv.lo >= iv.hi {
                return 0.0;
            }
            let (p, y) = probability_and_sample(iv.lo, iv.hi, (k + 1 < r).then(|| w[k]));
            if !(p > 0.0) {
                return 0.0;
            }
            f *= p;
            scratch.y[k] = y;
        }
        f
    }

    /// f at up to [`BATCH`] points at once: point p (p < `count`) is
    /// `points[p * stride..p * stride + r − 1]`, and f of point p is written to `out[p]`.
    ///
    /// The same recursion as [`OrderedFactor::value`], carried out step by step for all points
    /// together (see [`BATCH`]); a point whose interval becomes empty is finished with f = 0 and
    /// rides along with y = 0. Results agree with [`OrderedFactor::value`] to rounding (the
    /// conditional means are summed in another order).
    ///
    /// # Panics
    ///
    /// When `count` exceeds [`BATCH`] or `points` is too short.
    pub fn values(
        &self,
        points: &[f64],
        stride: usize,
        count: usize,
        scratch: &mut Scratch,
        out: &mut [f64; BATCH],
    ) {
        *out = self.forward_batch::<false>(points, stride, count, scratch);
    }

    /// The batched forward recursion behind [`OrderedFactor::values`]; with `RECORD` it also
    /// keeps, per step and point, the interval, its probability and the constraints that set its
    /// ends, for the backward sweep of [`OrderedFactor::values_and_pathwise_gradients`].
    #[inline(always)]
    fn forward_batch<const RECORD: bool>(
        &self,
        points: &[f64],
        stride: usize,
        count: usize,
        scratch: &mut Scratch,
    ) -> [f64; BATCH] {
        assert!(count <= BATCH, "at most {BATCH} points per batch");
        let r = self.steps.len();
        let y = &mut scratch.batch_y;
        let record = &mut scratch.batch_record;
        let mut f = [0.0f64; BATCH];
        f[..count].iter_mut().for_each(|v| *v = 1.0);
        for k in 0..r {
            let step = &self.steps[k];
            let constraints = &self.constraints[step.first..step.first + step.count];
            let mut lo = [f64::NEG_INFINITY; BATCH];
            let mut hi = [f64::INFINITY; BATCH];
            let mut lo_source = [step.first; BATCH];
            let mut hi_source = [step.first; BATCH];
            for (index, constraint) in constraints.iter().enumerate() {
                let coefficients = &self.coefficients[constraint.offset..constraint.offset + k];
                let mut shift = [0.0f64; BATCH];
                for (&a, ym) in coefficients.iter().zip(y[..k * BATCH].chunks_exact(BATCH)) {
                    for p in 0..BATCH {
                        shift[p] += a * ym[p];
                    }
                }
                for p in 0..BATCH {
                    let (l, h) = (constraint.lower - shift[p], constraint.upper - shift[p]);
                    if RECORD {
                        // The scalar recursion's rule: a later constraint takes over only if
                        // strictly tighter.
                        if l > lo[p] {
                            lo[p] = l;
                            lo_source[p] = step.first + index;
                        }
                        if h < hi[p] {
                            hi[p] = h;
                            hi_source[p] = step.first + index;
                        }
                    } else {
                        lo[p] = lo[p].max(l);
                        hi[p] = hi[p].min(h);
                    }
                }
            }
            let last = k + 1 == r;
            // Which ends can be finite at this step (the same for every point).
            let bounded_below = constraints.iter().any(|c| c.lower > f64::NEG_INFINITY);
            let bounded_above = constraints.iter().any(|c| c.upper < f64::INFINITY);
            // Phase 1: the tails Q(|lo|) and Q(|hi|), branch-free and independent across points.
            let mut tail_lo = [0.0f64; BATCH];
            let mut tail_hi = [0.0f64; BATCH];
            if bounded_below {
                for p in 0..BATCH {
                    tail_lo[p] = upper_tail_of_magnitude(lo[p]);
                }
            }
            if bounded_above {
                for p in 0..BATCH {
                    tail_hi[p] = upper_tail_of_magnitude(hi[p]);
                }
            }
            // Phase 2: the interval probability and the argument of the inverse. Below zero
            // Φ(lo) = Q(|lo|); an interval above zero works with upper tails (see
            // `probability_and_sample`), where Q(lo) = Q(|lo|) as well.
            let mut argument = [0.5f64; BATCH];
            let mut upper_mode = [false; BATCH];
            for p in 0..BATCH {
                let (l, h) = (lo[p], hi[p]);
                let upper = l > 0.0;
                let top = if upper || h <= 0.0 { tail_hi[p] } else { 1.0 - tail_hi[p] };
                let probability = if upper { tail_lo[p] - top } else { top - tail_lo[p] };
                let alive = f[p] != 0.0 && l < h && probability > 0.0;
                f[p] = if alive { f[p] * probability } else { 0.0 };
                if RECORD {
                    record[k * BATCH + p] = StepRecord {
                        lo: l,
                        hi: h,
                        probability,
                        lo_source: lo_source[p],
                        hi_source: hi_source[p],
                    };
                }
                if !last {
                    let w = points[p * stride + k];
                    let u = if upper { tail_lo[p] - w * probability } else { tail_lo[p] + w * probability };
                    argument[p] = if alive { u.clamp(f64::MIN_POSITIVE, BELOW_ONE) } else { 0.5 };
                    upper_mode[p] = upper;
                }
            }
            // Phase 3: the samples, eight independent inverses.
            if !last {
                for p in 0..BATCH {
                    let z = inverse_cdf_fast(argument[p]);
                    y[k * BATCH + p] = if upper_mode[p] { -z } else { z };
                }
            }
        }
        f
    }

    /// The batched form of [`OrderedFactor::value_and_pathwise_gradient`]: f at up to [`BATCH`]
    /// points (laid out as for [`OrderedFactor::values`]), returned per point, and the sum over
    /// the points of the pathwise derivatives ∂f/∂a_j, ∂f/∂b_j added to `lower` and `upper`.
    ///
    /// The forward recursion is [`OrderedFactor::values`]'s, recording each step; the backward
    /// sweep runs over the steps for all points together, and its propagation of ȳ through the
    /// coefficients is one small matrix–vector product per constraint, as in the forward pass.
    ///
    /// # Panics
    ///
    /// When `count` exceeds [`BATCH`] or `points` is too short.
    pub fn values_and_pathwise_gradients(
        &self,
        points: &[f64],
        stride: usize,
        count: usize,
        scratch: &mut Scratch,
        lower: &mut [f64],
        upper: &mut [f64],
    ) -> [f64; BATCH] {
        let f = self.forward_batch::<true>(points, stride, count, scratch);
        let r = self.steps.len();
        let Scratch { batch_y: y, batch_record: record, batch_y_bar: y_bar, .. } = scratch;
        y_bar[..r * BATCH].iter_mut().for_each(|v| *v = 0.0);
        for k in (0..r).rev() {
            let step = &self.steps[k];
            let constraints = &self.constraints[step.first..step.first + step.count];
            let bounded_below = constraints.iter().any(|c| c.lower > f64::NEG_INFINITY);
            let bounded_above = constraints.iter().any(|c| c.upper < f64::INFINITY);
            let mut lo_bar = [0.0f64; BATCH];
            let mut hi_bar = [0.0f64; BATCH];
            for p in 0..BATCH {
                if f[p] == 0.0 {
                    continue;
                }
                let StepRecord { lo, hi, probability, .. } = record[k * BATCH + p];
                let density_lo = if bounded_below { density_branch_free(lo) } else { 0.0 };
                let density_hi = if bounded_above { density_branch_free(hi) } else { 0.0 };
                let mut lb = -density_lo / probability;
                let mut hb = density_hi / probability;
                let yb = y_bar[k * BATCH + p];
                if k + 1 < r && yb != 0.0 {
                    let density_y = density_branch_free(y[k * BATCH + p]);
                    if density_y > 0.0 {
                        let w = points[p * stride + k];
                        lb += yb * (1.0 - w) * density_lo / density_y;
                        hb += yb * w * density_hi / density_y;
                    }
                }
                lo_bar[p] = lb;
                hi_bar[p] = hb;
            }
            // ∂f/∂(bound) = f·bar per point, added to the limit that sets the bound. With a single
            // constraint every point's bounds come from it, and the points are summed first.
            let mut add = |source: usize, g: f64, is_upper_bound: bool| {
                let constraint = &self.constraints[source];
                // As in the scalar sweep: a flipped constraint (negative pivot) takes its lower
                // bound from the upper limit and vice versa.
                let g = g / constraint.scale;
                let g = if constraint.flipped { -g } else { g };
                if is_upper_bound != constraint.flipped {
                    upper[constraint.variable] += g;
                } else {
                    lower[constraint.variable] += g;
                }
            };
            if step.count == 1 {
                let (mut sum_lo, mut sum_hi) = (0.0, 0.0);
                for p in 0..BATCH {
                    sum_lo += f[p] * lo_bar[p];
                    sum_hi += f[p] * hi_bar[p];
                }
                if sum_lo != 0.0 {
                    add(step.first, sum_lo, false);
                }
                if sum_hi != 0.0 {
                    add(step.first, sum_hi, true);
                }
            } else {
                for p in 0..BATCH {
                    let StepRecord { lo_source, hi_source, .. } = record[k * BATCH + p];
                    if lo_bar[p] != 0.0 {
                        add(lo_source, f[p] * lo_bar[p], false);
                    }
                    if hi_bar[p] != 0.0 {
                        add(hi_source, f[p] * hi_bar[p], true);
                    }
                }
            }
            if k == 0 {
                continue;
            }
            for (index, constraint) in constraints.iter().enumerate() {
                let c = step.first + index;
                let mut weight = [0.0f64; BATCH];
                for p in 0..BATCH {
                    let StepRecord { lo_source, hi_source, .. } = record[k * BATCH + p];
                    weight[p] = if lo_source == c { lo_bar[p] } else { 0.0 }
                        + if hi_source == c { hi_bar[p] } else { 0.0 };
                }
                let coefficients = &self.coefficients[constraint.offset..constraint.offset + k];
                for (&a, bar_m) in coefficients.iter().zip(y_bar[..k * BATCH].chunks_exact_mut(BATCH)) {
                    for p in 0..BATCH {
                        bar_m[p] -= weight[p] * a;
                    }
                }
            }
        }
        f
    }

    /// f(w) and adds the pinned estimates of ∂f/∂a_j and ∂f/∂b_j (original indexing) to
    /// `lower` and `upper`.
    pub fn value_and_gradient(
        &self,
        w: &[f64],
        scratch: &mut Scratch,
        lower: &mut [f64],
        upper: &mut [f64],
    ) -> f64 {
        let r = self.steps.len();
        let mut f = 1.0;
        let mut reached = 0;
        for k in 0..r {
            let iv = self.interval(k, &scratch.y);
            scratch.intervals[k] = (iv.lo, iv.hi, iv.lo_source, iv.hi_source);
            scratch.prefix[k] = f;
            reached = k + 1;
            if iv.lo >= iv.hi {
                f = 0.0;
                break;
            }
            let (p, y) = probability_and_sample(iv.lo, iv.hi, (k + 1 < r).then(|| w[k]));
            if !(p > 0.0) {
                f = 0.0;
                break;
            }
            f *= p;
            scratch.y[k] = y;
        }
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
                let g = weight * self.pinned_rest(k, bound, w, scratch);
                // Which limit of the original variable this bound is.
                let from_upper_limit = is_upper_bound != constraint.flipped;
                if from_upper_limit {
                    upper[constraint.variable] += g;
                } else {
                    lower[constraint.variable] -= g;
                }
            }
        }
        f
    }

    /// f(w) and adds the pathwise (reverse-mode) derivatives ∂f/∂a_j and ∂f/∂b_j of the integrand
    /// at the fixed point w to `lower` and `upper` (original indexing).
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
    /// against O(r³) for the pinned estimator of [`OrderedFactor::value_and_gradient`].
    pub fn value_and_pathwise_gradient(
        &self,
        w: &[f64],
        scratch: &mut Scratch,
        lower: &mut [f64],
        upper: &mut [f64],
    ) -> f64 {
        let r = self.steps.len();
        let mut f = 1.0;
        for k in 0..r {
            let iv = self.interval(k, &scratch.y);
            scratch.intervals[k] = (iv.lo, iv.hi, iv.lo_source, iv.hi_source);
            if iv.lo >= iv.hi {
                return 0.0;
            }
            let (p, y) = probability_and_sample(iv.lo, iv.hi, (k + 1 < r).then(|| w[k]));
            if !(p > 0.0) {
                return 0.0;
            }
            f *= p;
            scratch.prefix[k] = p;
            scratch.y[k] = y;
        }
        let y_bar = &mut scratch.pinned;
        y_bar[..r].iter_mut().for_each(|v| *v = 0.0);
        for k in (0..r).rev() {
            let (lo, hi, lo_source, hi_source) = scratch.intervals[k];
            let p = scratch.prefix[k];
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
                if is_upper_bound != constraint.flipped {
                    upper[constraint.variable] += if constraint.flipped { -g } else { g };
                } else {
                    lower[constraint.variable] += if constraint.flipped { -g } else { g };
                }
                let coefficients = &self.coefficients[constraint.offset..constraint.offset + k];
                for (m, &c) in coefficients.iter().enumerate() {
                    y_bar[m] -= bar * c;
                }
            }
        }
        f
    }

    /// Π_{m>k} p′_m with z_k pinned at `z`, continuing with the same w.
    fn pinned_rest(&self, k: usize, z: f64, w: &[f64], scratch: &mut Scratch) -> f64 {
        let r = self.steps.len();
        scratch.pinned[..k].copy_from_slice(&scratch.y[..k]);
        scratch.pinned[k] = z;
        let mut f = 1.0;
        for m in k + 1..r {
            let iv = self.interval(m, &scratch.pinned);
            if iv.lo >= iv.hi {
                return 0.0;
            }
            let (p, y) = probability_and_sample(iv.lo, iv.hi, (m + 1 < r).then(|| w[m]));
            if !(p > 0.0) {
                return 0.0;
            }
            f *= p;
            scratch.pinned[m] = y;
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genz::factor::{reduce, Reduction};
    use crate::problem::{Covariance, Problem};

    /// A problem whose steps mix one- and two-sided limits, a step with the interval in the upper
    /// tail, and (through a repeated and a negated variable) steps with several constraints.
    fn mixed_problem() -> Problem {
        let base = [
            [1.0, 0.5, 0.3, -0.2, 0.1],
            [0.5, 1.0, 0.4, 0.1, -0.3],
            [0.3, 0.4, 1.0, 0.2, 0.2],
            [-0.2, 0.1, 0.2, 1.0, 0.4],
            [0.1, -0.3, 0.2, 0.4, 1.0],
        ];
        // Variables 5 and 6 repeat variable 1 and negate variable 2.
        let map: [(usize, f64); 7] = [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, 1.0), (1, 1.0), (2, -1.0)];
        let mut entries = Vec::new();
        for &(i, si) in &map {
            for &(j, sj) in &map {
                entries.push(si * sj * base[i][j]);
            }
        }
        let inf = f64::INFINITY;
        Problem::new(
            vec![0.1, -0.2, 0.0, 0.3, 0.0, -0.2, 0.0],
            Covariance::from_row_major(7, entries).unwrap(),
            vec![-inf, -1.0, 0.4, -inf, -2.0, -0.5, -inf],
            vec![0.5, 1.5, inf, 1.0, inf, 2.0, 0.3],
        )
        .unwrap()
    }

    /// The batched recursion and its backward sweep agree with the scalar ones point by point
    /// (to rounding: the conditional means are summed in another order).
    #[test]
    fn batched_values_and_gradients_match_the_scalar_recursion() {
        let problem = mixed_problem();
        let Reduction::Factor(factor) = reduce(&problem) else { panic!("not trivial") };
        assert!(factor.steps.iter().any(|s| s.count > 1), "the test needs multi-constraint steps");
        let r = factor.rank();
        let dims = r - 1;
        let d = problem.dim();
        let mut scratch = Scratch::new(r);
        let mut state: u64 = 7;
        let mut uniform = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        for _ in 0..50 {
            let points: Vec<f64> = (0..BATCH * dims).map(|_| uniform()).collect();
            let count = BATCH - 1; // the last slot is an unused (dead) point
            let mut batched = [0.0; BATCH];
            factor.values(&points, dims, count, &mut scratch, &mut batched);
            let (mut lower, mut upper) = (vec![0.0; d], vec![0.0; d]);
            let with_gradient = factor.values_and_pathwise_gradients(
                &points,
                dims,
                count,
                &mut scratch,
                &mut lower,
                &mut upper,
            );
            let (mut lower_scalar, mut upper_scalar) = (vec![0.0; d], vec![0.0; d]);
            for p in 0..count {
                let w = &points[p * dims..(p + 1) * dims];
                let scalar = factor.value(w, &mut scratch);
                let scalar_g =
                    factor.value_and_pathwise_gradient(w, &mut scratch, &mut lower_scalar, &mut upper_scalar);
                assert!(
                    (batched[p] - scalar).abs() <= 1e-13 * scalar.abs().max(1e-300),
                    "{} vs {scalar}",
                    batched[p]
                );
                assert_eq!(batched[p], with_gradient[p]);
                assert!((scalar_g - scalar).abs() <= 1e-15 * scalar.abs());
            }
            assert_eq!(batched[BATCH - 1], 0.0);
            for (a, b) in lower.iter().chain(&upper).zip(lower_scalar.iter().chain(&upper_scalar)) {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-3), "gradient {a} vs {b}");
            }
        }
    }
}
