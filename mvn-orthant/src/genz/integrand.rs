//! The separation-of-variables integrand over `[0, 1]^(r−1)` and its two single-pass gradients,
//! from one batched forward recursion ([`OrderedFactor::forward`]).
//!
//! For a point w, step k forms the interval `[lo_k, hi_k]` of z_k given y_0 … y_{k−1} (the
//! intersection of the intervals of the step's constraints), its probability
//! p_k = Φ(hi_k) − Φ(lo_k), and, except at the last step, y_k = Φ⁻¹(Φ(lo_k) + w_k p_k). The
//! integrand is f(w) = Π_k p_k; its mean over the cube is P.
//!
//! When lo_k > 0 the step works with upper tails instead, p_k = Q(lo_k) − Q(hi_k) and
//! y_k = Q⁻¹(Q(lo_k) − w_k p_k), so that no relative accuracy is lost to 1 − Φ.
//!
//! The recursion carries [`BATCH`] points through the steps together and uses the branch-free
//! tail [`crate::mills_ratio::upper_tail_of_magnitude`] and [`crate::normal::inverse_cdf_fast`],
//! with relative errors below 7e-16 and 1e-15. The same recursion, with its own sampling rule,
//! gives the tilted weights of [`crate::tilting`]; the pinned gradient continues it from a pinned
//! step, the pathwise gradient sweeps back over its record. The scalar forms (one point at a
//! time) are kept in the tests only, as references.

use super::factor::{density, OrderedFactor};
use crate::mills_ratio::{density_branch_free, TailsOneAtATime, UpperTails};
use crate::normal::{as241_central, inverse_cdf_fast};

/// The largest double below 1.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// Number of points that the forward recursion carries through the steps together.
///
/// Within one point the recursion is a chain of dependent operations (each y_k feeds the next
/// interval), so a single point leaves most of the processor idle waiting on latencies.
/// Independent points interleaved step by step fill those gaps, and the conditional means of
/// the points become one small matrix–vector product per constraint that the compiler
/// vectorises. Eight points still left the step latency-bound (a tail, Φ⁻¹ with its division,
/// and the next interval in a chain): sixteen took 8–14% less time per evaluation on the peer
/// problems from d = 5 to 100 (`docs/performance.md` §23), thirty-two no less than sixteen.
/// The points are summed in their order whatever the batch, so the estimates keep their bits.
pub(crate) const BATCH: usize = 16;

/// The limit scale of the normal problem: every limit taken as it is (multiplying by 1 is exact,
/// so the normal integrand is unchanged bit for bit).
pub(crate) const UNSCALED: [f64; BATCH] = [1.0; BATCH];

/// The single-pass gradient estimators of the integrand
/// ([`OrderedFactor::values_and_gradients`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SinglePass {
    /// Each bound pinned in turn: the conditioning theorem given the earlier variables.
    Pinned,
    /// The reverse-mode derivative of the integrand at the fixed point.
    Pathwise,
}

/// Per-chunk scratch space, so that the per-point loop allocates nothing.
#[derive(Debug, Clone)]
pub(crate) struct Scratch {
    /// The y of a batch, `batch_y[k * BATCH + p]` for step k and point p.
    batch_y: Vec<f64>,
    /// The y of a batch with one step pinned (the pinned gradient), indexed like `batch_y`.
    pinned_y: Vec<f64>,
    /// The steps of a batch for the gradients, indexed like `batch_y`.
    batch_record: Vec<StepRecord>,
    /// ∂ln f/∂y of a batch, indexed like `batch_y`.
    batch_y_bar: Vec<f64>,
}

/// The points of a batch as [`OrderedFactor::values`] takes them: point p (p < `count`) at
/// `points[p * stride..]`, its limits multiplied by `limit_scale[p]`.
#[derive(Clone, Copy)]
struct BatchPoints<'a> {
    /// The coordinates, point after point.
    points: &'a [f64],
    /// The offset from one point to the next in `points`.
    stride: usize,
    /// The points in use (at most [`BATCH`]; the other slots give f = 0).
    count: usize,
    /// The scale of every limit, per point ([`UNSCALED`] for the normal).
    limit_scale: &'a [f64; BATCH],
}

/// One step of one point of the forward recursion, kept for the gradients.
#[derive(Debug, Clone, Copy, Default)]
struct StepRecord {
    lo: f64,
    hi: f64,
    probability: f64,
    /// f before this step (the product of the earlier probabilities).
    prefix: f64,
    lo_source: usize,
    hi_source: usize,
}

/// The sampling rule of one step of [`OrderedFactor::forward`]: the samples y_k of the batch
/// from the step's intervals. Closures are samplers; Genz's rule is a type of its own
/// ([`GenzSampler`]), whose `#[inline(always)]` method keeps the recursion in one function when
/// it is compiled for AVX2 (the body of a closure would be compiled without it).
pub(crate) trait StepSampler {
    /// y_k for the batch at step k with intervals `iv`.
    fn sample(&mut self, k: usize, iv: &StepIntervals) -> [f64; BATCH];
}

impl<F: FnMut(usize, &StepIntervals) -> [f64; BATCH]> StepSampler for F {
    #[inline(always)]
    fn sample(&mut self, k: usize, iv: &StepIntervals) -> [f64; BATCH] {
        self(k, iv)
    }
}

/// Genz's rule ([`OrderedFactor::genz_step`]) as a [`StepSampler`]: multiplies `f` by the
/// interval probabilities and, with `RECORD`, keeps each step for the gradients.
struct GenzSampler<'a, const RECORD: bool, T> {
    factor: &'a OrderedFactor,
    points: &'a [f64],
    stride: usize,
    f: &'a mut [f64; BATCH],
    record: &'a mut [StepRecord],
    tails: T,
}

impl<const RECORD: bool, T: UpperTails> StepSampler for GenzSampler<'_, RECORD, T> {
    #[inline(always)]
    fn sample(&mut self, k: usize, iv: &StepIntervals) -> [f64; BATCH] {
        let prefix = *self.f;
        let (y_k, probability) = self.factor.genz_step(k, iv, self.points, self.stride, self.f, self.tails);
        if RECORD {
            for p in 0..BATCH {
                self.record[k * BATCH + p] = StepRecord {
                    lo: iv.lo[p],
                    hi: iv.hi[p],
                    probability: probability[p],
                    prefix: prefix[p],
                    lo_source: iv.lo_source[p],
                    hi_source: iv.hi_source[p],
                };
            }
        }
        y_k
    }
}

/// [`OrderedFactor::genz_forward`] on a CPU with AVX2 and FMA: the whole recursion compiled for
/// it inside `V3::vectorize`, the tails by [`crate::mills_ratio::TailsAvx2`] (the same bits as
/// the portable form: the tests compare [`OrderedFactor::values`] with the portable recursion
/// bit for bit on machines with AVX2, and the two forms of the tails on 80 000 arguments).
#[cfg(target_arch = "x86_64")]
struct ForwardAvx2<'a, 'b, const RECORD: bool> {
    factor: &'a OrderedFactor,
    at: BatchPoints<'b>,
    scratch: &'a mut Scratch,
    simd: pulp::x86::V3,
}

#[cfg(target_arch = "x86_64")]
impl<const RECORD: bool> pulp::NullaryFnOnce for ForwardAvx2<'_, '_, RECORD> {
    type Output = [f64; BATCH];

    #[inline(always)]
    fn call(self) -> [f64; BATCH] {
        let tails = crate::mills_ratio::TailsAvx2(self.simd);
        self.factor.genz_forward::<RECORD>(&self.at, self.scratch, tails)
    }
}

/// [`OrderedFactor::pinned_sweep`] on a CPU with AVX2 and FMA: the pinned continuations
/// compiled for it inside `V3::vectorize` like [`ForwardAvx2`], with the same bits.
#[cfg(target_arch = "x86_64")]
struct PinnedSweepAvx2<'a> {
    factor: &'a OrderedFactor,
    points: &'a [f64],
    stride: usize,
    scratch: &'a mut Scratch,
    gradient: &'a mut [f64],
    simd: pulp::x86::V3,
}

#[cfg(target_arch = "x86_64")]
impl pulp::NullaryFnOnce for PinnedSweepAvx2<'_> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        let tails = crate::mills_ratio::TailsAvx2(self.simd);
        self.factor.pinned_sweep_with(self.points, self.stride, self.scratch, self.gradient, tails);
    }
}

impl Scratch {
    /// Scratch space for a factor of rank r.
    pub(crate) fn new(rank: usize) -> Self {
        Scratch {
            batch_y: vec![0.0; rank * BATCH],
            pinned_y: vec![0.0; rank * BATCH],
            batch_record: vec![StepRecord::default(); rank * BATCH],
            batch_y_bar: vec![0.0; rank * BATCH],
        }
    }
}

/// The intervals [lo, hi] of one step for the points of a batch, and (when asked for) the
/// constraints that set their ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepIntervals {
    /// Lower ends, per point.
    pub lo: [f64; BATCH],
    /// Upper ends, per point.
    pub hi: [f64; BATCH],
    /// The constraint (index into [`OrderedFactor::constraints`]) that sets each lower end.
    pub lo_source: [usize; BATCH],
    /// The constraint that sets each upper end.
    pub hi_source: [usize; BATCH],
}

impl OrderedFactor {
    /// The intervals of step k for a batch whose earlier samples are `y[m * BATCH + p]`, m < k:
    /// the intersection over the step's constraints of [s·lower − c·y, s·upper − c·y], with
    /// s = `limit_scale[p]` the point's scale of the limits ([`UNSCALED`] for the normal; the
    /// chi scale √(W/ν) for the multivariate t, see [`crate::student_t::genz`]). With
    /// `SOURCES`, a later constraint takes over an end only if strictly tighter, and the
    /// constraint that sets each end is kept.
    #[inline(always)]
    fn step_intervals<const SOURCES: bool>(
        &self,
        k: usize,
        y: &[f64],
        limit_scale: &[f64; BATCH],
    ) -> StepIntervals {
        let step = &self.steps[k];
        let mut iv = StepIntervals {
            lo: [f64::NEG_INFINITY; BATCH],
            hi: [f64::INFINITY; BATCH],
            lo_source: [step.first; BATCH],
            hi_source: [step.first; BATCH],
        };
        for (index, constraint) in self.constraints[step.first..step.first + step.count].iter().enumerate() {
            let coefficients = &self.coefficients[constraint.offset..constraint.offset + k];
            let mut shift = [0.0f64; BATCH];
            for (&a, ym) in coefficients.iter().zip(y[..k * BATCH].chunks_exact(BATCH)) {
                for p in 0..BATCH {
                    shift[p] += a * ym[p];
                }
            }
            for p in 0..BATCH {
                let (l, h) = (
                    constraint.lower * limit_scale[p] - shift[p],
                    constraint.upper * limit_scale[p] - shift[p],
                );
                if SOURCES {
                    if l > iv.lo[p] {
                        iv.lo[p] = l;
                        iv.lo_source[p] = step.first + index;
                    }
                    if h < iv.hi[p] {
                        iv.hi[p] = h;
                        iv.hi_source[p] = step.first + index;
                    }
                } else {
                    iv.lo[p] = iv.lo[p].max(l);
                    iv.hi[p] = iv.hi[p].min(h);
                }
            }
        }
        iv
    }

    /// The forward recursion of the separation of variables for a batch of [`BATCH`] points,
    /// steps `from .. r`: at step k the intervals follow from the samples y_0 … y_{k−1} (held in
    /// `y[m * BATCH + p]`), and `sample(k, intervals)` returns the samples y_k of the batch (its
    /// sampling rule: Genz's inverse map, or the tilted one of [`crate::tilting`]), stored in
    /// `y` for the later steps. Every limit of point p is multiplied by `limit_scale[p]`
    /// ([`UNSCALED`] for the normal). This is the one implementation of the recursion.
    #[inline(always)]
    pub(crate) fn forward<const SOURCES: bool, F: StepSampler>(
        &self,
        from: usize,
        y: &mut [f64],
        limit_scale: &[f64; BATCH],
        mut sample: F,
    ) {
        let r = self.steps.len();
        for k in from..r {
            let iv = self.step_intervals::<SOURCES>(k, y, limit_scale);
            let y_k = sample.sample(k, &iv);
            if k + 1 < r {
                y[k * BATCH..(k + 1) * BATCH].copy_from_slice(&y_k);
            }
        }
    }

    /// Genz's rule at step k for a batch: the interval probabilities p = Φ(hi) − Φ(lo) (upper
    /// tails Q(lo) − Q(hi) above 0, so that no relative accuracy is lost to 1 − Φ) multiply `f`
    /// (a point whose interval is empty or of probability 0 is finished, f = 0), and, except at
    /// the last step, the samples y_k = Φ⁻¹(Φ(lo) + w_k p) (Q⁻¹(Q(lo) − w_k p) above 0) with w_k
    /// the point's k-th coordinate; 0 for a finished point. Returns (y_k, p).
    #[inline(always)]
    fn genz_step(
        &self,
        k: usize,
        iv: &StepIntervals,
        points: &[f64],
        stride: usize,
        f: &mut [f64; BATCH],
        tails: impl UpperTails,
    ) -> ([f64; BATCH], [f64; BATCH]) {
        let step = &self.steps[k];
        let constraints = &self.constraints[step.first..step.first + step.count];
        let last = k + 1 == self.steps.len();
        // Which ends can be finite at this step (the same for every point).
        let bounded_below = constraints.iter().any(|c| c.lower > f64::NEG_INFINITY);
        let bounded_above = constraints.iter().any(|c| c.upper < f64::INFINITY);
        // Phase 1: the tails Q(|lo|) and Q(|hi|), branch-free and independent across points.
        let mut tail_lo = [0.0f64; BATCH];
        let mut tail_hi = [0.0f64; BATCH];
        if bounded_below {
            tail_lo = tails.of_magnitude(&iv.lo);
        }
        if bounded_above {
            tail_hi = tails.of_magnitude(&iv.hi);
        }
        // Phase 2: the interval probability and the argument of the inverse. Below zero
        // Φ(lo) = Q(|lo|); an interval above zero works with upper tails, where Q(lo) = Q(|lo|).
        let mut argument = [0.5f64; BATCH];
        let mut upper_mode = [false; BATCH];
        let mut probabilities = [0.0f64; BATCH];
        for p in 0..BATCH {
            let (l, h) = (iv.lo[p], iv.hi[p]);
            let upper = l > 0.0;
            let top = if upper || h <= 0.0 { tail_hi[p] } else { 1.0 - tail_hi[p] };
            let probability = if upper { tail_lo[p] - top } else { top - tail_lo[p] };
            probabilities[p] = probability;
            let alive = f[p] != 0.0 && l < h && probability > 0.0;
            f[p] = if alive { f[p] * probability } else { 0.0 };
            if !last {
                let w = points[p * stride + k];
                let u = if upper { tail_lo[p] - w * probability } else { tail_lo[p] + w * probability };
                argument[p] = if alive { u.clamp(f64::MIN_POSITIVE, BELOW_ONE) } else { 0.5 };
                upper_mode[p] = upper;
            }
        }
        // Phase 3: the samples. AS 241's central rational function for every point at once (a
        // loop the compiler vectorises), then the points outside its range one by one.
        let mut y = [0.0f64; BATCH];
        if !last {
            let central: [f64; BATCH] = std::array::from_fn(|p| as241_central(argument[p] - 0.5));
            for p in 0..BATCH {
                let z = if (argument[p] - 0.5).abs() <= 0.425 {
                    central[p]
                } else {
                    inverse_cdf_fast(argument[p])
                };
                y[p] = if upper_mode[p] { -z } else { z };
            }
        }
        (y, probabilities)
    }

    /// f at up to [`BATCH`] points at once: point p (p < `count`) is
    /// `points[p * stride..p * stride + r − 1]`, and f of point p is returned in slot p (0 for
    /// the unused slots). Point p's limits are multiplied by `limit_scale[p]` ([`UNSCALED`] for
    /// the normal).
    ///
    /// # Panics
    ///
    /// When `count` exceeds [`BATCH`] or `points` is too short.
    pub(crate) fn values(
        &self,
        points: &[f64],
        stride: usize,
        count: usize,
        limit_scale: &[f64; BATCH],
        scratch: &mut Scratch,
    ) -> [f64; BATCH] {
        self.dispatched_forward::<false>(BatchPoints { points, stride, count, limit_scale }, scratch)
    }

    /// [`OrderedFactor::genz_forward`] compiled for AVX2 where the CPU has it ([`ForwardAvx2`]),
    /// the portable form elsewhere: the same bits.
    fn dispatched_forward<const RECORD: bool>(
        &self,
        at: BatchPoints<'_>,
        scratch: &mut Scratch,
    ) -> [f64; BATCH] {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd.vectorize(ForwardAvx2::<RECORD> { factor: self, at, scratch, simd });
        }
        self.genz_forward::<RECORD>(&at, scratch, TailsOneAtATime)
    }

    /// Genz's forward recursion from step 0 for a batch; with `RECORD` it also keeps, per step
    /// and point, the interval, its probability, the prefix product and the constraints that
    /// set its ends, for the gradients.
    #[inline(always)]
    fn genz_forward<const RECORD: bool>(
        &self,
        at: &BatchPoints<'_>,
        scratch: &mut Scratch,
        tails: impl UpperTails,
    ) -> [f64; BATCH] {
        let BatchPoints { points, stride, count, limit_scale } = *at;
        assert!(count <= BATCH, "at most {BATCH} points per batch");
        let Scratch { batch_y: y, batch_record: record, .. } = scratch;
        let mut f = [0.0f64; BATCH];
        f[..count].iter_mut().for_each(|v| *v = 1.0);
        let sampler = GenzSampler::<RECORD, _> { factor: self, points, stride, f: &mut f, record, tails };
        self.forward::<RECORD, _>(0, y, limit_scale, sampler);
        f
    }

    /// Adds the derivative `g` of f with respect to an end of an interval set by constraint
    /// `source` (`is_upper_bound`: its upper end) to the derivative of the limit it comes from,
    /// in `gradient` = (∂/∂a_0 … ∂/∂a_{d−1}, ∂/∂b_0 … ∂/∂b_{d−1}): the end is (limit − shift)/t
    /// with |t| = scale, and a flipped constraint (t < 0) takes its lower end from the upper
    /// limit and vice versa.
    #[inline]
    fn add_to_limit(&self, source: usize, g: f64, is_upper_bound: bool, gradient: &mut [f64]) {
        let constraint = &self.constraints[source];
        let g = g / constraint.scale;
        let g = if constraint.flipped { -g } else { g };
        let from_upper_limit = is_upper_bound != constraint.flipped;
        gradient[usize::from(from_upper_limit) * self.dim + constraint.variable] += g;
    }

    /// f at up to [`BATCH`] points (laid out as for [`OrderedFactor::values`]), returned per
    /// point, and the sum over the points of the single-pass estimates of ∂f/∂a_j and ∂f/∂b_j by
    /// `estimator`, added to `gradient` = (∂/∂a_0 … ∂/∂a_{d−1}, ∂/∂b_0 … ∂/∂b_{d−1}) (original
    /// indexing; length 2d). Both estimators continue the same recorded forward recursion.
    ///
    /// # Panics
    ///
    /// When `count` exceeds [`BATCH`], `points` is too short or `gradient` shorter than 2d.
    pub(crate) fn values_and_gradients(
        &self,
        estimator: SinglePass,
        points: &[f64],
        stride: usize,
        count: usize,
        scratch: &mut Scratch,
        gradient: &mut [f64],
    ) -> [f64; BATCH] {
        let f = self.dispatched_forward::<true>(
            BatchPoints { points, stride, count, limit_scale: &UNSCALED },
            scratch,
        );
        match estimator {
            SinglePass::Pinned => self.pinned_sweep(points, stride, scratch, gradient),
            SinglePass::Pathwise => self.pathwise_sweep(&f, points, stride, scratch, gradient),
        }
        f
    }

    /// The pinned estimates of ∂f/∂a_j, ∂f/∂b_j after the recorded forward recursion of a batch,
    /// summed over its points into `gradient` (see [`OrderedFactor::values_and_gradients`]).
    ///
    /// If the end hi_k of step k comes from the upper limit b_j (scaled by s_j), then by the
    /// conditioning theorem applied given z_0 … z_{k−1},
    /// ∂P/∂b_j = E[Π_{m<k} p_m · φ(hi_k)/s_j · Π_{m>k} p′_m], where the p′_m continue the
    /// recursion with z_k pinned at hi_k and the same w_{k+1}, …; a lower limit enters with a
    /// minus sign; an end that is not the active (tightest) one of its step contributes nothing.
    /// Each pinned continuation is the forward recursion from step k + 1 for the whole batch.
    /// Cost: O(r³) per point, against O(r²) for the value.
    fn pinned_sweep(&self, points: &[f64], stride: usize, scratch: &mut Scratch, gradient: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd.vectorize(PinnedSweepAvx2 { factor: self, points, stride, scratch, gradient, simd });
        }
        self.pinned_sweep_with(points, stride, scratch, gradient, TailsOneAtATime);
    }

    /// [`OrderedFactor::pinned_sweep`] with the tails `tails` (the same bits either way).
    #[inline(always)]
    fn pinned_sweep_with(
        &self,
        points: &[f64],
        stride: usize,
        scratch: &mut Scratch,
        gradient: &mut [f64],
        tails: impl UpperTails,
    ) {
        let r = self.steps.len();
        let Scratch { batch_y: y, pinned_y, batch_record: record, .. } = scratch;
        for k in 0..r {
            let steps = &record[k * BATCH..(k + 1) * BATCH];
            for is_upper_bound in [false, true] {
                // The weight prefix · φ(end) of each point (0 where nothing is contributed).
                let mut weight = [0.0f64; BATCH];
                for (p, s) in steps.iter().enumerate() {
                    let end = if is_upper_bound { s.hi } else { s.lo };
                    if s.lo < s.hi && s.prefix != 0.0 && end.is_finite() {
                        weight[p] = s.prefix * density(end);
                    }
                }
                if weight.iter().all(|&w| w == 0.0) {
                    continue;
                }
                let mut rest = weight;
                if k + 1 < r {
                    pinned_y[..k * BATCH].copy_from_slice(&y[..k * BATCH]);
                    for (p, s) in steps.iter().enumerate() {
                        let end = if is_upper_bound { s.hi } else { s.lo };
                        pinned_y[k * BATCH + p] = if weight[p] != 0.0 { end } else { 0.0 };
                    }
                    let sampler = GenzSampler::<false, _> {
                        factor: self,
                        points,
                        stride,
                        f: &mut rest,
                        record: &mut [],
                        tails,
                    };
                    self.forward::<false, _>(k + 1, pinned_y, &UNSCALED, sampler);
                }
                for (p, s) in steps.iter().enumerate() {
                    if rest[p] != 0.0 {
                        let (source, sign) =
                            if is_upper_bound { (s.hi_source, 1.0) } else { (s.lo_source, -1.0) };
                        self.add_to_limit(source, sign * rest[p], is_upper_bound, gradient);
                    }
                }
            }
        }
    }

    /// The pathwise (reverse-mode) derivatives ∂f/∂a_j, ∂f/∂b_j of the integrand at the fixed
    /// points of a batch, after its recorded forward recursion (values `f`), summed over the
    /// points into `gradient` (see [`OrderedFactor::values_and_gradients`]).
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
    /// coefficients of the active constraints, one small matrix–vector product per constraint
    /// for the batch. Cost: about twice the value's, O(r²) per point.
    fn pathwise_sweep(
        &self,
        f: &[f64; BATCH],
        points: &[f64],
        stride: usize,
        scratch: &mut Scratch,
        gradient: &mut [f64],
    ) {
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
            // ∂f/∂(end) = f·bar per point, added to the limit that sets the end. With a single
            // constraint every point's ends come from it, and the points are summed first.
            if step.count == 1 {
                let (mut sum_lo, mut sum_hi) = (0.0, 0.0);
                for p in 0..BATCH {
                    sum_lo += f[p] * lo_bar[p];
                    sum_hi += f[p] * hi_bar[p];
                }
                if sum_lo != 0.0 {
                    self.add_to_limit(step.first, sum_lo, false, gradient);
                }
                if sum_hi != 0.0 {
                    self.add_to_limit(step.first, sum_hi, true, gradient);
                }
            } else {
                for p in 0..BATCH {
                    let StepRecord { lo_source, hi_source, .. } = record[k * BATCH + p];
                    if lo_bar[p] != 0.0 {
                        self.add_to_limit(lo_source, f[p] * lo_bar[p], false, gradient);
                    }
                    if hi_bar[p] != 0.0 {
                        self.add_to_limit(hi_source, f[p] * hi_bar[p], true, gradient);
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
    }
}

#[cfg(test)]
mod tests;
