//! ln ∫ e^{g(t)} dt for a concave log-integrand g with g″ ≤ −1, given with its derivatives, and
//! the derivatives of that logarithm with respect to the parameters of g.
//!
//! We locate the maximum t* of g by safeguarded Newton on g′. When no factor is sharp, the
//! integral is first the trapezoid rule on the line, centred at t* with a step proportional to
//! the curvature radius 1/√(−g″(t*)) near the peak and widening smoothly in a wide tail, marched
//! outward until a bound of the terms not visited, from the concavity of g, is below 1e-17 of
//! the sum (about 36 log-units down; with a gradient also of its largest component, where the
//! integrand bounds the growth of its parameter derivatives, and otherwise until g has dropped
//! by [`LOG_WINDOW`]) and accepted when it agrees with the rule of
//! twice the step (its even nodes) to 1e-14, or when the rules of steps h, 2h and 4h converge
//! geometrically to that accuracy (`log_concave_trapezoid`; about 55 nodes on an EXACT orthant
//! against about 250 for the adaptive rule). The trapezoid rule on the line needs its centre near
//! the peak only (its accuracy does not depend on where the nodes start), so for it the search
//! stops as soon as Newton predicts a gain g′²/|g″| ≤ [`PEAK_GAIN`] (a step below 1e-3 of the
//! curvature radius); an integrand with a cheaper surrogate g̃
//! ([`LogConcaveIntegrand::surrogate_derivatives`]: the EXACT orthant of many classes, on a
//! sample of them) has the search and the curvature probes done on g̃, and g itself is evaluated
//! only at the nodes. Otherwise — sharp factors, a window that reaches an end of the range, no
//! agreement after two halvings — we find the points where g has dropped by [`LOG_WINDOW`] on
//! each side (Newton from the outside, which converges monotonically for a concave function),
//! and integrate exp(g − g*) on each side of t* with adaptive Gauss–Kronrod (7, 15) bisection.
//! The result is returned as ln ∫ = g* + ln ∫ exp(g − g*), so integrals far below the smallest
//! double are still accurate in log space.
//!
//! Integrands with near-steps (a factor changing from 1 to 0 over a width h ≪ 1) report their
//! kinks ([`LogConcaveIntegrand::kinks`]); each becomes an anchor κ, the nodes near it are
//! placed at t = κ + s with s carrying only its own rounding ([`LogConcaveIntegrand::Frame`]),
//! and the first panels next to κ grow geometrically from the step width h.
//!
//! The gradient hook: on the nodes of the accepted panels (of the trapezoid rule: on every node,
//! as it is evaluated, [`LogConcaveIntegrand::log_value_and_gradient_at`]) we accumulate
//! exp(g − g*)·∂g/∂θ ([`LogConcaveIntegrand::add_parameter_gradient_at`]); divided by
//! ∫ exp(g − g*) this is
//! ∂/∂θ ln ∫ e^{g} (differentiation under the integral sign), with no product of factors formed
//! and nothing to underflow.

use super::log_concave_trapezoid::{integrate_by_trapezoid, Scales};
use super::{gauss_kronrod_15, KronrodPanel};
use std::cell::Cell;

/// How far (in natural-log units) below its maximum the log-integrand is followed before the
/// tails are dropped. With g concave, the neglected mass is below e^{−LOG_WINDOW} times the
/// window width relative to the peak, far below double precision.
pub(super) const LOG_WINDOW: f64 = 42.0;

/// Relative tolerance of the adaptive Gauss–Kronrod bisection, applied to |K − G| of each panel
/// (the error estimate of the Gauss value, which bounds the far smaller error of the Kronrod
/// value that is kept). The sharper estimate |K − G|·min(1, (200 |K − G|/K)^{3/2})
/// ([`super::KronrodSums::smooth_error`], kept for the complement of `exact-loss`) accepted
/// panels whose Kronrod value was still wrong: ln P off by 2.6e-13 on a three-factor one-factor
/// orthant (against 40-digit mpmath), ln A by 7e-15 and ∂ ln A by 3.6e-13 of the largest
/// component on EXACT orthants; with |K − G| the adaptive rule agrees with the trapezoid rule to
/// 4e-16 and 2e-15 on the same problems (`one_factor::integrand` tests), for 1.1–1.3× the
/// evaluations on problems with sharp factors.
const QUADRATURE_TOLERANCE: f64 = 1e-14;

const MAX_DEPTH: usize = 30;

/// Every side of the peak is bisected at least once before a panel may be accepted: on a single
/// wide panel the Gauss and Kronrod rules can agree by accident (an integrand of width ~2
/// concentrated in a window of width ~20), and QUADPACK's error heuristic then accepts a value
/// wrong in the ninth digit (seen on an EXACT orthant with C = 17, kept as a proptest
/// regression). One bisection cured it and 1000 random EXACT orthants (C ≤ 50) keep
/// Σ_y A_y = 1 to 1e-12; two cost 20% more time at C = 1000 for no measured gain.
const MIN_DEPTH: usize = 1;

/// Cap on the number of Kronrod panels of one integral (a guard against noise-limited
/// tolerances; smooth integrands use a few dozen).
const MAX_PANELS: usize = 600;

/// A concave log-integrand g(t) with g″ ≤ −1 (e.g. ln φ(t) plus log-concave factors), its
/// derivatives in t, and its derivatives with respect to parameters θ (the gradient hook of
/// [`integrate_log_concave`]).
///
/// The quadrature places its nodes at t = κ + s for an anchor κ (the peak, or a kink of a sharp
/// factor) and an offset s that carries only its own relative rounding. A
/// [`LogConcaveIntegrand::Frame`] holds what depends on κ alone, computed once per anchor with
/// correct rounding, so that a factor that is a near-step at κ is evaluated at κ + s to the
/// accuracy of s, not of ulp(κ). Integrands without near-steps take `Frame = f64` (the anchor)
/// and evaluate g(κ + s).
pub trait LogConcaveIntegrand {
    /// Precomputed quantities for the points κ + s of one anchor κ.
    type Frame;
    /// The frame of anchor κ.
    fn frame(&self, anchor: f64) -> Self::Frame;
    /// g(κ + s).
    fn log_value_at(&self, frame: &Self::Frame, s: f64) -> f64;
    /// g(t) (for locating the peak and the window; rounded at t).
    fn log_value(&self, t: f64) -> f64;
    /// Σ |ln factor| at t (including |ln φ(t)|): the scale of the rounding noise of g(t).
    fn log_magnitude(&self, t: f64) -> f64;
    /// (g(t), g′(t), g″(t)).
    fn derivatives(&self, t: f64) -> (f64, f64, f64);
    /// Adds `weight · ∂g/∂θ_j` at κ + s to `out[j]` for every parameter θ_j.
    fn add_parameter_gradient_at(&self, frame: &Self::Frame, s: f64, weight: f64, out: &mut [f64]);
    /// (g(κ + s), w) with w = scale·exp(g(κ + s) − peak), the node's quadrature weight when it
    /// is known in advance up to the factor exp(g − peak), and `w · ∂g/∂θ_j` added to `out[j]`
    /// for every parameter (where w is positive and finite). The default evaluates
    /// [`LogConcaveIntegrand::log_value_at`] and then
    /// [`LogConcaveIntegrand::add_parameter_gradient_at`]; integrands whose value and parameter
    /// derivatives share their work (the EXACT orthant: ln Φ and φ/Φ of each class) override it
    /// with one pass.
    ///
    /// Only the trapezoid rule calls it, with κ its centre and s the node's offset from it; the
    /// centre itself (s = 0) is always one of its nodes, with the gradient, and a weight of at
    /// least ½ in the units of `out`. An integrand may therefore leave out the terms of a
    /// component that it can bound far below (below e^{−50} of) that component's own term at
    /// the centre: they cannot change the component (the EXACT orthant does so for its far
    /// classes right of the centre).
    fn log_value_and_gradient_at(
        &self,
        frame: &Self::Frame,
        s: f64,
        peak: f64,
        scale: f64,
        out: &mut [f64],
    ) -> (f64, f64) {
        let g = self.log_value_at(frame, s);
        let weight = scale * (g - peak).exp();
        if weight > 0.0 && weight.is_finite() {
            self.add_parameter_gradient_at(frame, s, weight, out);
        }
        (g, weight)
    }
    /// A bound L on how fast the parameter derivatives can grow along t, for every parameter
    /// θ_k and all t, t′: |∂g/∂θ_k(t′)| ≤ |∂g/∂θ_k(t)| + L·|t′ − t|; `None` (the default) when
    /// none is known. With it, the trapezoid rule stops marching into a tail once a bound of
    /// the gradient's unvisited terms is negligible beside the largest component, as it does
    /// for the value; without it an integral with a gradient goes until g has dropped by 42.
    fn gradient_growth(&self) -> Option<f64> {
        None
    }
    /// The kinks of the sharp factors (sorted, duplicates removed) and the smallest step width
    /// 1/|c_i| among them (+∞ when no factor is sharp).
    fn kinks(&self) -> (Vec<f64>, f64) {
        (Vec::new(), f64::INFINITY)
    }
    /// Whether [`LogConcaveIntegrand::surrogate_derivatives`] is a cheaper approximation than
    /// [`LogConcaveIntegrand::derivatives`] (the default: no).
    fn has_surrogate(&self) -> bool {
        false
    }
    /// (g̃(t), g̃′(t), g̃″(t)) of an approximation g̃ of g that costs far less to evaluate (the
    /// default: g itself). The trapezoid rule finds its centre and measures its scales on g̃
    /// (its accuracy depends on neither; its check and every node use g), so a g̃ whose peak
    /// lies within a fraction of a curvature radius of g's, with curvatures of the right size,
    /// saves the evaluations of g that the search and the probes would cost.
    fn surrogate_derivatives(&self, t: f64) -> (f64, f64, f64) {
        self.derivatives(t)
    }
}

/// At most this many kinks (those nearest the peak) become breakpoints; the others are left to
/// the adaptive bisection.
const MAX_KINKS: usize = 64;

/// Ratio of the geometric grading of the first panels next to an anchor.
const GRADING: f64 = 4.0;

/// The result of [`integrate_log_concave`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogIntegral {
    /// ln ∫ e^{g} over the range (−∞ when the integral is 0).
    pub log_value: f64,
    /// The number of evaluations of g (and of its derivatives).
    pub evaluations: u64,
}

/// When no factor is sharp, the peak search ends at a point where Newton's step would raise g by
/// at most this (g′²/|g″|): a step below 1e-3 of the curvature radius, which moves the centre of
/// the trapezoid rule but not its accuracy, and leaves g within 1e-6 of its maximum (the shift of
/// the exponentials).
const PEAK_GAIN: f64 = 1e-6;

/// The point found by [`locate_peak`] and, when its last evaluation was there, (g, g″) at it.
struct Peak {
    t: f64,
    value_and_curvature: Option<(f64, f64)>,
}

/// Maximiser of the concave g on [lo, hi] (g″ ≤ −1 is assumed). With `smooth` (no sharp factor)
/// the search ends early at a point whose Newton step gains at most [`PEAK_GAIN`].
fn locate_peak(
    derivatives: impl Fn(f64) -> (f64, f64, f64),
    lo: f64,
    hi: f64,
    smooth: bool,
    evaluations: &mut u64,
) -> Peak {
    let bare = |t: f64| Peak { t, value_and_curvature: None };
    let mut t = 0.0f64.clamp(lo, hi);
    let (g0, d1, d2) = derivatives(t);
    *evaluations += 1;
    if smooth && d1 * d1 <= -PEAK_GAIN * d2 {
        return Peak { t, value_and_curvature: Some((g0, d2)) };
    }
    // g′(s) ≤ g′(t) − (s − t), so the root lies between t and t + g′(t).
    let (mut left, mut right) = if d1 > 0.0 { (t, (t + d1).min(hi)) } else { ((t + d1).max(lo), t) };
    if d1 > 0.0 && right == hi {
        let (_, dh, _) = derivatives(hi);
        *evaluations += 1;
        if dh >= 0.0 {
            return bare(hi);
        }
    }
    if d1 < 0.0 && left == lo {
        let (_, dl, _) = derivatives(lo);
        *evaluations += 1;
        if dl <= 0.0 {
            return bare(lo);
        }
    }
    if d1 == 0.0 {
        return Peak { t, value_and_curvature: Some((g0, d2)) };
    }
    // The first Newton step from t when it lands inside the bracket (it usually lands near the
    // peak: starting from the middle of a wide bracket cost 3 to 6 more evaluations), the
    // middle otherwise.
    let newton = t - d1 / d2;
    // (t, g″) of the previous evaluation, for the third derivative of Halley's step.
    let mut previous = (t, d2);
    t = if newton > left && newton < right { newton } else { 0.5 * (left + right) };
    for _ in 0..100 {
        let (g, d1, d2) = derivatives(t);
        *evaluations += 1;
        if smooth && d1 * d1 <= -PEAK_GAIN * d2 {
            return Peak { t, value_and_curvature: Some((g, d2)) };
        }
        if d1 > 0.0 {
            left = t;
        } else if d1 < 0.0 {
            right = t;
        } else {
            return Peak { t, value_and_curvature: Some((g, d2)) };
        }
        let tol = 1e-12 * (1.0 + t.abs());
        if right - left <= tol {
            return Peak { t, value_and_curvature: Some((g, d2)) };
        }
        let mut next = t - d1 / d2 / halley_factor(smooth, d1, d2, previous, t);
        previous = (t, d2);
        if (next - t).abs() <= tol {
            // A tiny Newton step ends the search only where the gain it predicts, g′²/|g″|, is
            // small: on the flank of a near-step (D_ii → 0) g″ can be huge and noisy while g′ is
            // far from 0, and the search must go on by bisection.
            if d1 * d1 <= -d2 {
                return bare(next);
            }
            next = 0.5 * (left + right);
        }
        if !(next > left && next < right) {
            // Bisection; on a huge bracket (g′ ~ c_i ~ 1e50 at the start, D_ii ~ 1e-100) on the
            // logarithmic scale of the distance from the end Newton pointed at, so that the
            // bracket's exponent halves at each step instead of its size.
            let width = right - left;
            next = if width > 16.0 && next <= left {
                left + width.sqrt()
            } else if width > 16.0 && next >= right {
                right - width.sqrt()
            } else {
                0.5 * (left + right)
            };
        }
        t = next;
    }
    bare(t)
}

/// The divisor 1 − g′g‴/(2g″²) that turns the Newton step −g′/g″ for the root of g′ into
/// Halley's, with g‴ the difference quotient of g″ between the previous evaluation and this one;
/// 1 (Newton) without `smooth` or where the divisor falls outside [½, 2].
///
/// On the integrands here g″ weakens steadily on the way to the peak from a wall (the factors
/// settle towards 1), so Newton's steps from there fall short by up to half (7 to 9 evaluations
/// on the one-factor orthants of the speed probe from t = 0); the cubic model with the measured
/// g‴ takes most of the way at once.
fn halley_factor(smooth: bool, d1: f64, d2: f64, previous: (f64, f64), t: f64) -> f64 {
    let (t_previous, d2_previous) = previous;
    if !smooth || t == t_previous {
        return 1.0;
    }
    let d3 = (d2 - d2_previous) / (t - t_previous);
    let factor = 1.0 - d1 * d3 / (2.0 * d2 * d2);
    if (0.5..=2.0).contains(&factor) {
        factor
    } else {
        1.0
    }
}

/// The point beyond the peak (in direction `sign`) where g has dropped by [`LOG_WINDOW`], or the
/// end of the range when it has not dropped that far by then.
fn window_end<F: LogConcaveIntegrand>(
    f: &F,
    peak: f64,
    g_peak: f64,
    end: f64,
    sign: f64,
    ev: &mut u64,
) -> f64 {
    let target = g_peak - LOG_WINDOW;
    // g(t) ≤ g* + g′(t*)(t − t*) − (t − t*)²/2 with g′(t*)(t − t*) ≤ 0 on this side.
    let far = peak + sign * (2.0 * LOG_WINDOW + 4.0).sqrt();
    let t = if sign > 0.0 { far.min(end) } else { far.max(end) };
    if t == end {
        *ev += 1;
        if f.log_value(end) >= target {
            return end;
        }
    }
    // Newton from outside: monotone for a concave function in exact arithmetic. Near a sharp
    // step (D_ii → 0) the computed g′ is noisy, so the iterate is kept in a bracket
    // [inner, outer] (g(inner) ≥ target > g(outer)) and replaced by the midpoint when Newton
    // leaves it; a point found inside the window moves the inner end, never the answer.
    let (mut g_outer, mut d1_outer, _) = f.derivatives(t);
    *ev += 1;
    let (mut outer, mut inner) = (t, peak);
    for _ in 0..200 {
        let h = g_outer - target;
        if h > -2.0 {
            break;
        }
        let mut next = outer - h / d1_outer;
        if !(next.is_finite() && (next - inner) * sign > 0.0 && (outer - next) * sign > 0.0) {
            next = 0.5 * (inner + outer);
        }
        if (outer - next).abs() <= 1e-3 * (outer - peak).abs() {
            break;
        }
        let (g, d1, _) = f.derivatives(next);
        *ev += 1;
        if g >= target {
            inner = next;
        } else {
            (outer, g_outer, d1_outer) = (next, g, d1);
        }
    }
    outer
}

/// The Gauss–Kronrod panel of exp(g − shift) over the offsets [lo, hi] of the anchor of
/// `frame`, and the largest g − shift at its nodes (positive when the shift was not the maximum
/// of g).
fn kronrod_panel<F: LogConcaveIntegrand>(
    f: &F,
    frame: &F::Frame,
    lo: f64,
    hi: f64,
    shift: f64,
) -> (KronrodPanel, f64) {
    let mut excess = f64::NEG_INFINITY;
    let panel = gauss_kronrod_15(
        &mut |s| {
            let relative = f.log_value_at(frame, s) - shift;
            excess = excess.max(relative);
            relative.exp()
        },
        lo,
        hi,
    );
    (panel, excess)
}

/// ln ∫_lo^hi e^{g(t)} dt for a concave g with g″ ≤ −1 (see the module documentation), and,
/// when `gradient` is given, ∂/∂θ_j of that logarithm written into `gradient[j]` for the
/// parameters of [`LogConcaveIntegrand::add_parameter_gradient_at`]. The limits may be infinite.
/// Relative accuracy about 1e-14 whatever the size of the integral.
///
/// ```
/// use mvn_orthant::normal::{cdf, log_cdf, log_pdf, pdf};
/// use mvn_orthant::quadrature::{integrate_log_concave, LogConcaveIntegrand};
/// // g(t) = ln φ(t) + ln Φ(d + t): ∫ e^g = Φ(d/√2), ∂/∂d ln ∫ = φ(d/√2)/(√2 Φ(d/√2)).
/// struct Shifted(f64);
/// impl LogConcaveIntegrand for Shifted {
///     type Frame = f64;
///     fn frame(&self, anchor: f64) -> f64 { anchor }
///     fn log_value_at(&self, anchor: &f64, s: f64) -> f64 { self.log_value(anchor + s) }
///     fn log_value(&self, t: f64) -> f64 { log_pdf(t) + log_cdf(self.0 + t) }
///     fn log_magnitude(&self, t: f64) -> f64 { log_pdf(t).abs() + log_cdf(self.0 + t).abs() }
///     fn derivatives(&self, t: f64) -> (f64, f64, f64) {
///         let r = pdf(self.0 + t) / cdf(self.0 + t);
///         (self.log_value(t), r - t, -1.0 - r * (self.0 + t + r))
///     }
///     fn add_parameter_gradient_at(&self, anchor: &f64, s: f64, weight: f64, out: &mut [f64]) {
///         let x = self.0 + anchor + s;
///         out[0] += weight * pdf(x) / cdf(x);
///     }
/// }
/// let d = 0.7;
/// let mut gradient = [0.0];
/// let result = integrate_log_concave(&Shifted(d), f64::NEG_INFINITY, f64::INFINITY, Some(&mut gradient));
/// let z = d / 2f64.sqrt();
/// assert!((result.log_value - cdf(z).ln()).abs() < 1e-14);
/// assert!((gradient[0] - pdf(z) / (2f64.sqrt() * cdf(z))).abs() < 1e-13);
/// ```
pub fn integrate_log_concave<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    gradient: Option<&mut [f64]>,
) -> LogIntegral {
    integrate(f, lo, hi, gradient, true)
}

/// [`integrate_log_concave`] by the adaptive Gauss–Kronrod rule alone (no trapezoid first): an
/// independent rule on the same integrand, for the tests that check the trapezoid against it.
#[cfg(test)]
pub(crate) fn integrate_log_concave_adaptive<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    gradient: Option<&mut [f64]>,
) -> LogIntegral {
    integrate(f, lo, hi, gradient, false)
}

/// The peak, then the trapezoid rule (when `trapezoid` and no factor is sharp; placed on the
/// surrogate's peak where the integrand has one), then the adaptive rule if the trapezoid was not
/// accepted.
fn integrate<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    mut gradient: Option<&mut [f64]>,
    trapezoid: bool,
) -> LogIntegral {
    let mut evaluations = 0u64;
    if let Some(out) = gradient.as_deref_mut() {
        out.iter_mut().for_each(|o| *o = 0.0);
    }
    if lo >= hi {
        return LogIntegral { log_value: f64::NEG_INFINITY, evaluations };
    }
    let smooth = trapezoid && f.kinks().0.is_empty();
    if smooth && f.has_surrogate() {
        // The centre and the scale of the trapezoid rule from the surrogate (its evaluations
        // are not counted: they cost a small fraction of one of g).
        let (peak, g_peak, curvature) =
            peak_with_value_and_curvature(|t| f.surrogate_derivatives(t), lo, hi, smooth, &mut 0);
        let scales = Scales { peak, g_peak, exact: false, curvature };
        if let Some(log_value) =
            trapezoid_counted(f, lo, hi, scales, gradient.as_deref_mut(), &mut evaluations)
        {
            return LogIntegral { log_value, evaluations };
        }
        // Not accepted: the adaptive rule, around the peak of g itself.
        return integrate_from_peak_of_g(f, lo, hi, gradient, false, evaluations);
    }
    integrate_from_peak_of_g(f, lo, hi, gradient, smooth, evaluations)
}

/// The maximiser t* of the concave function whose (value, first, second derivative) `derivatives`
/// gives ([`locate_peak`]), with its value and curvature there: from the search's last
/// evaluation, or from one more (counted in `evaluations`).
fn peak_with_value_and_curvature(
    derivatives: impl Fn(f64) -> (f64, f64, f64),
    lo: f64,
    hi: f64,
    smooth: bool,
    evaluations: &mut u64,
) -> (f64, f64, f64) {
    let Peak { t, value_and_curvature } = locate_peak(&derivatives, lo, hi, smooth, evaluations);
    let (g, curvature) = value_and_curvature.unwrap_or_else(|| {
        *evaluations += 1;
        let (g, _, curvature) = derivatives(t);
        (g, curvature)
    });
    (t, g, curvature)
}

/// [`integrate_by_trapezoid`], its evaluations added to `evaluations`.
fn trapezoid_counted<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    scales: Scales,
    gradient: Option<&mut [f64]>,
    evaluations: &mut u64,
) -> Option<f64> {
    let count = Cell::new(0);
    let result = integrate_by_trapezoid(f, lo, hi, scales, gradient, &count);
    *evaluations += count.get();
    result
}

/// The peak of g itself, then (when `smooth`) the trapezoid rule, then the adaptive rule if the
/// trapezoid was not accepted; `evaluations` already spent are added to the count.
fn integrate_from_peak_of_g<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    mut gradient: Option<&mut [f64]>,
    smooth: bool,
    mut evaluations: u64,
) -> LogIntegral {
    let (peak, mut g_peak, curvature) =
        peak_with_value_and_curvature(|t| f.derivatives(t), lo, hi, smooth, &mut evaluations);
    if !g_peak.is_finite() {
        return LogIntegral { log_value: f64::NEG_INFINITY, evaluations };
    }
    if smooth {
        let scales = Scales { peak, g_peak, exact: true, curvature };
        if let Some(log_value) =
            trapezoid_counted(f, lo, hi, scales, gradient.as_deref_mut(), &mut evaluations)
        {
            return LogIntegral { log_value, evaluations };
        }
    }
    // When the factors are extremely sharp (a diagonal entry of D near 0), rounding can leave
    // the located peak below the true maximum of g; a quadrature node then sees g above the
    // shift. Retry with the shift raised to the largest value seen, so exp never overflows.
    for _ in 0..4 {
        let attempt = integrate_around(f, lo, hi, peak, g_peak, gradient.as_deref_mut(), &mut evaluations);
        match attempt {
            Ok(log_value) => return LogIntegral { log_value, evaluations },
            Err(excess) => g_peak += excess,
        }
    }
    LogIntegral { log_value: g_peak, evaluations }
}

/// The initial panels of the window [left, right]: (anchor index, offset from, offset to).
///
/// The window is cut at the peak and at the kinks of the sharp factors (the anchors); a stretch
/// between two anchors is halved, each half measured from its own anchor, and a stretch between
/// an anchor and an end of the window is measured from the anchor. When some factor is sharp
/// (step width h), each stretch starts with panels of widths h, 3h, 12h, … (offsets h·4^j from
/// its anchor), so that a step at the anchor is resolved from the first pass on.
fn initial_panels(
    left: f64,
    right: f64,
    peak: f64,
    kinks: &[f64],
    step: f64,
) -> (Vec<f64>, Vec<(usize, f64, f64)>) {
    // Anchors: the peak and the kinks inside the window (at most MAX_KINKS, nearest the peak).
    let mut inside: Vec<f64> =
        kinks.iter().copied().filter(|&k| k >= left && k <= right && k != peak).collect();
    if inside.len() > MAX_KINKS {
        inside.sort_by(|a, b| (a - peak).abs().total_cmp(&(b - peak).abs()));
        inside.truncate(MAX_KINKS);
    }
    inside.push(peak);
    inside.sort_by(f64::total_cmp);
    let anchors = inside;
    let mut stretches: Vec<(usize, f64, f64)> = Vec::new();
    // Before the first anchor, between anchors, after the last.
    if anchors[0] > left {
        stretches.push((0, left - anchors[0], 0.0));
    }
    for k in 1..anchors.len() {
        let (p, q) = (anchors[k - 1], anchors[k]);
        let mid = p + 0.5 * (q - p);
        stretches.push((k - 1, 0.0, mid - p));
        stretches.push((k, mid - q, 0.0));
    }
    let last = anchors.len() - 1;
    if right > anchors[last] {
        stretches.push((last, 0.0, right - anchors[last]));
    }
    let mut panels = Vec::new();
    for (a, from, to) in stretches {
        // Offsets measured outward from the anchor: [0, len] with sign.
        let (sign, len) = if to > 0.0 { (1.0, to) } else { (-1.0, -from) };
        if len.is_nan() || len <= 0.0 {
            continue;
        }
        let mut edge = 0.0;
        let mut width = step;
        while width.is_finite() && edge + width < 0.5 * len {
            let next = edge + width;
            panels.push(if sign > 0.0 { (a, edge, next) } else { (a, -next, -edge) });
            edge = next;
            width = next * (GRADING - 1.0);
        }
        panels.push(if sign > 0.0 { (a, edge, len) } else { (a, -len, -edge) });
    }
    (anchors, panels)
}

/// One pass of the windowed adaptive quadrature with shift `g_peak`: ln ∫ exp(g), or the excess
/// of the largest g over the shift when some node exceeded it by more than 1.
fn integrate_around<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    peak: f64,
    g_peak: f64,
    mut gradient: Option<&mut [f64]>,
    evaluations: &mut u64,
) -> std::result::Result<f64, f64> {
    let mut excess = f64::NEG_INFINITY;
    if let Some(out) = gradient.as_deref_mut() {
        out.iter_mut().for_each(|o| *o = 0.0);
    }
    let left = window_end(f, peak, g_peak, lo, -1.0, evaluations);
    let right = window_end(f, peak, g_peak, hi, 1.0, evaluations);
    let (kinks, step) = f.kinks();
    let (anchors, initial) = initial_panels(left, right, peak, &kinks, step);
    let frames: Vec<F::Frame> = anchors.iter().map(|&a| f.frame(a)).collect();
    // The initial panels give a rough estimate that sets the absolute tolerance.
    let mut first = Vec::with_capacity(initial.len());
    let mut rough = 0.0;
    for &(a, pa, pb) in &initial {
        let result = kronrod_panel(f, &frames[a], pa, pb, g_peak);
        *evaluations += 15;
        excess = excess.max(result.1);
        rough += result.0.value;
        first.push(Some(result));
    }
    let total_width = right - left;
    // Relative rounding noise of exp(g − g*) near the peak: a few ulps of Σ |ln factor|.
    let noise = 4.0 * f64::EPSILON * (1.0 + f.log_magnitude(peak));
    *evaluations += 1;
    let tolerance = QUADRATURE_TOLERANCE * rough.max(f64::MIN_POSITIVE);
    let max_panels = MAX_PANELS + 8 * initial.len();
    let mut sum = 0.0;
    let mut panels = 0usize;
    let mut stack = [(0.0f64, 0.0f64, 0usize); MAX_DEPTH + 2];
    for (&(a, pa, pb), cached) in initial.iter().zip(first.iter_mut()) {
        let frame = &frames[a];
        let mut top = 1;
        stack[0] = (pa, pb, 0);
        let mut cached = cached.take();
        while top > 0 {
            top -= 1;
            let (pa, pb, depth) = stack[top];
            let (panel, panel_excess) = match cached.take() {
                Some(result) => result,
                None => {
                    *evaluations += 15;
                    kronrod_panel(f, frame, pa, pb, g_peak)
                }
            };
            let (value, error) = (panel.value, panel.difference);
            panels += 1;
            excess = excess.max(panel_excess);
            if excess > 1.0 {
                return Err(excess);
            }
            // Rounding noise of the integrand must not force bisection forever.
            if (depth >= MIN_DEPTH && error <= (tolerance * (pb - pa) / total_width).max(noise * value))
                || depth >= MAX_DEPTH
                || panels + top >= max_panels
            {
                sum += value;
                if let Some(out) = gradient.as_deref_mut() {
                    for (&s, &w) in panel.nodes.iter().zip(&panel.weighted) {
                        if w > 0.0 {
                            f.add_parameter_gradient_at(frame, s, w, out);
                        }
                    }
                }
            } else {
                let mid = 0.5 * (pa + pb);
                stack[top] = (mid, pb, depth + 1);
                stack[top + 1] = (pa, mid, depth + 1);
                top += 2;
            }
        }
    }
    if let Some(out) = gradient {
        out.iter_mut().for_each(|o| *o /= sum);
    }
    Ok(g_peak + sum.ln())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normal::{cdf, log_cdf, log_pdf, pdf};

    /// g(t) = ln φ(t) + ln Φ(d + t): ∫ e^g = Φ(d/√2) (the convolution of two standard
    /// normals), ∂/∂d ln ∫ = φ(d/√2)/(√2 Φ(d/√2)); the reference is `normal::log_cdf`, a separate
    /// path.
    struct Shifted(f64);

    /// φ(x)/Φ(x), from logarithms so that it stays finite in the lower tail.
    fn inverse_mills(x: f64) -> f64 {
        (log_pdf(x) - log_cdf(x)).exp()
    }

    impl LogConcaveIntegrand for Shifted {
        type Frame = f64;
        fn frame(&self, anchor: f64) -> f64 {
            anchor
        }
        fn log_value_at(&self, anchor: &f64, s: f64) -> f64 {
            self.log_value(anchor + s)
        }
        fn log_value(&self, t: f64) -> f64 {
            log_pdf(t) + log_cdf(self.0 + t)
        }
        fn log_magnitude(&self, t: f64) -> f64 {
            log_pdf(t).abs() + log_cdf(self.0 + t).abs()
        }
        fn derivatives(&self, t: f64) -> (f64, f64, f64) {
            let r = inverse_mills(self.0 + t);
            (self.log_value(t), r - t, -1.0 - r * (self.0 + t + r))
        }
        fn add_parameter_gradient_at(&self, anchor: &f64, s: f64, weight: f64, out: &mut [f64]) {
            out[0] += weight * inverse_mills(self.0 + anchor + s);
        }
    }

    /// The trapezoid rule (few evaluations) and the adaptive rule both reproduce the closed form,
    /// on the whole line; a range cut inside the window sends the trapezoid to the adaptive rule.
    #[test]
    fn trapezoid_and_adaptive_rules_reproduce_the_closed_form() {
        for d in [-30.0, -3.0, 0.0, 0.7, 4.0, 12.0] {
            let z = d / 2f64.sqrt();
            let (want, want_gradient) = (log_cdf(z), pdf(z) / (2f64.sqrt() * cdf(z)));
            let mut g = [0.0];
            let fast = integrate_log_concave(&Shifted(d), f64::NEG_INFINITY, f64::INFINITY, Some(&mut g));
            let mut ga = [0.0];
            let slow =
                integrate_log_concave_adaptive(&Shifted(d), f64::NEG_INFINITY, f64::INFINITY, Some(&mut ga));
            for (name, r, grad) in [("trapezoid", fast, g[0]), ("adaptive", slow, ga[0])] {
                assert!((r.log_value - want).abs() <= 1e-14 * want.abs().max(1.0), "{name} d = {d}");
                // Components far below the scale of ∂ ln A (A close to 1) to that scale.
                let tolerance = 1e-13 * want_gradient + 1e-15;
                assert!(
                    (grad - want_gradient).abs() <= tolerance,
                    "{name} d = {d}: {grad} vs {want_gradient}"
                );
            }
            assert!(
                fast.evaluations < slow.evaluations,
                "d = {d}: {} vs {}",
                fast.evaluations,
                slow.evaluations
            );
        }
        // ∫_{−∞}^{0.3} φ = Φ(0.3): the window reaches the end, so the adaptive rule answers.
        struct Gaussian;
        impl LogConcaveIntegrand for Gaussian {
            type Frame = f64;
            fn frame(&self, anchor: f64) -> f64 {
                anchor
            }
            fn log_value_at(&self, anchor: &f64, s: f64) -> f64 {
                log_pdf(anchor + s)
            }
            fn log_value(&self, t: f64) -> f64 {
                log_pdf(t)
            }
            fn log_magnitude(&self, t: f64) -> f64 {
                log_pdf(t).abs()
            }
            fn derivatives(&self, t: f64) -> (f64, f64, f64) {
                (log_pdf(t), -t, -1.0)
            }
            fn add_parameter_gradient_at(&self, _: &f64, _: f64, _: f64, _: &mut [f64]) {}
        }
        let cut = integrate_log_concave(&Gaussian, f64::NEG_INFINITY, 0.3, None);
        assert!((cut.log_value - log_cdf(0.3)).abs() < 1e-15, "{}", cut.log_value);
        let whole = integrate_log_concave(&Gaussian, f64::NEG_INFINITY, f64::INFINITY, None);
        assert!(whole.log_value.abs() < 1e-15, "{}", whole.log_value);
    }

    /// The provided one-pass hook is the value plus the weighted gradient.
    #[test]
    fn log_value_and_gradient_at_defaults_to_the_two_hooks() {
        let f = Shifted(0.4);
        let (mut out, mut want) = ([0.5], [0.5]);
        let (g, weight) = f.log_value_and_gradient_at(&0.2, 0.1, -1.0, 0.75, &mut out);
        assert_eq!(g, f.log_value_at(&0.2, 0.1));
        assert_eq!(weight, 0.75 * (g + 1.0).exp());
        f.add_parameter_gradient_at(&0.2, 0.1, weight, &mut want);
        assert_eq!(out, want);
    }

    /// Relative accuracy far below the smallest double.
    #[test]
    fn log_concave_integral_keeps_relative_accuracy_in_the_far_tail() {
        for d in [-60.0, -40.0, -10.0, -1.0, 0.0, 3.0, 8.0] {
            let mut gradient = [0.0];
            let result =
                integrate_log_concave(&Shifted(d), f64::NEG_INFINITY, f64::INFINITY, Some(&mut gradient));
            let z = d / std::f64::consts::SQRT_2;
            let want = log_cdf(z);
            // Relative error of the integral (absolute in its logarithm), allowing for the rounding
            // ε·|ln P| of the logarithm itself far in the tail.
            let tolerance = 2e-14 * want.abs().max(1.0);
            assert!((result.log_value - want).abs() <= tolerance, "d = {d}: {} vs {want}", result.log_value);
            let want_gradient = (log_pdf(z) - log_cdf(z)).exp() / std::f64::consts::SQRT_2;
            assert!(
                (gradient[0] / want_gradient - 1.0).abs() < 1e-12,
                "d = {d}: ∂/∂d {} vs {want_gradient}",
                gradient[0]
            );
            assert!(result.evaluations > 0);
        }
    }

    #[test]
    fn finite_ranges_and_empty_ranges() {
        // ∫_0^∞ φ(t) dt·… with d = +∞ is Φ(∞) − Φ(0) = ½; an empty range is ln 0 = −∞.
        let result = integrate_log_concave(&Shifted(40.0), 0.0, f64::INFINITY, None);
        assert!((result.log_value - 0.5f64.ln()).abs() < 1e-14, "{}", result.log_value);
        assert_eq!(integrate_log_concave(&Shifted(0.0), 1.0, 1.0, None).log_value, f64::NEG_INFINITY);
    }
}
