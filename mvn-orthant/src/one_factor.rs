//! The one-factor reduction: rectangle probabilities for Σ = D + λλᵀ (D diagonal, ≥ 0) in any
//! dimension, as one 1-D integral, with log-probabilities and analytic gradients.
//!
//! Writing X = μ + λ t + D^{1/2} ε with t ~ N(0, 1) and ε ~ N(0, I) independent, the coordinates
//! are independent given t, so
//!
//! ```text
//! P(a ≤ X ≤ b) = ∫ φ(t) Π_i [Φ(β_i − c_i t) − Φ(α_i − c_i t)] dt,
//! α_i = (a_i − μ_i)/√D_ii,  β_i = (b_i − μ_i)/√D_ii,  c_i = λ_i/√D_ii.
//! ```
//!
//! A coordinate with `D_ii = 0` is the indicator of a t-interval; it restricts the range of
//! integration exactly instead of entering the integrand.
//!
//! # Quadrature
//!
//! The log-integrand g(t) = ln φ(t) + Σ_i ln(interval_i(t)) is concave (every factor is the
//! probability of a fixed interval under a translated log-concave density, Prékopa), and
//! g″ ≤ −1 because of the ln φ term. We locate its maximum t* by safeguarded Newton on g′,
//! find the points where g has dropped by [`LOG_WINDOW`] on each side (Newton from the outside,
//! which converges monotonically for a concave function), and integrate exp(g − g*) on each side
//! of t* with adaptive Gauss–Kronrod (7/15) bisection. The result is returned as
//! ln P = g* + ln ∫ exp(g − g*), so probabilities far below the smallest double are still
//! accurate in log space. The cost is O(d · nodes); typical node counts are 60–300.
//!
//! Near-singular covariances (D_ii → 0) make factor i a near-step of width 1/|c_i| at its kinks
//! t = α_i/c_i and β_i/c_i. For every factor with |c_i| ≥ 8 these kinks are breakpoints: each
//! stretch of the window between two breakpoints is measured from its nearer breakpoint κ
//! (t = κ + s), the limits α_i − c_i κ are formed once per anchor with a single rounding (fused
//! multiply–add), and the first panels next to κ grow geometrically from the step width. A
//! factor is then evaluated at the accuracy of the offset s rather than of ulp(κ) (which, times
//! c_i ~ 10⁸, would be a relative error of 1e-8). Narrow boxes keep the width
//! (b_i − a_i)/√D_ii of each factor apart from its shifted limits, so the interval probability
//! never comes from a difference of two rounded limits.
//!
//! Gradients are differentiated under the integral sign. On the nodes of the accepted panels
//! we accumulate exp(g − g*) · ∂g/∂θ, where ∂g/∂b_k = φ(β_k − c_k t)/(√D_kk · interval_k(t)) is
//! computed as a ratio in log space, so no product of d − 1 factors is formed and no factor
//! can underflow to a spurious zero. This gives ∂ ln P/∂θ, and ∂P/∂θ = P · ∂ ln P/∂θ.
//! Coordinates with `D_kk = 0` contribute boundary terms: the integrand at the active end of
//! the t-range divided by |λ_k|.
//!
//! See `docs/one-factor.md` for the derivations and the measured accuracy.

use crate::error::{Error, Result};
use crate::estimate::{Estimate, Integrator, Method};
use crate::gradient::Gradient;
use crate::mills_ratio::mills_ratio;
use crate::normal::{log_interval_probability, log_interval_probability_with_width, log_pdf, pdf};
use crate::problem::{Covariance, Problem};

/// How far (in natural-log units) below its maximum the log-integrand is followed before the
/// tails are dropped. With g concave, the neglected mass is below e^{−LOG_WINDOW} times the
/// window width relative to the peak, far below double precision.
pub const LOG_WINDOW: f64 = 42.0;

/// Relative tolerance of the adaptive Gauss–Kronrod bisection, applied to QUADPACK's error
/// estimate |K − G|·min(1, (200 |K − G|/|K|)^{3/2}) of each panel.
pub const QUADRATURE_TOLERANCE: f64 = 1e-14;

/// Relative tolerance used when verifying detected one-factor structure entry by entry:
/// |Σ_ij − λ_i λ_j| ≤ `DETECTION_TOLERANCE` · √(Σ_ii Σ_jj).
pub const DETECTION_TOLERANCE: f64 = 1e-12;

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

// Gauss–Kronrod 7/15 abscissae and weights on [−1, 1] (Piessens et al., QUADPACK, 1983), shared
// with the exact methods.
use crate::exact::quadrature::{G7_W as WG, GK15_W as WGK, GK15_X as XGK};

/// A concave log-integrand g(t) with its derivatives and the derivatives of g with respect to
/// the parameters of the problem.
///
/// The quadrature places its nodes at t = κ + s for an anchor κ (the peak, or a kink of a sharp
/// factor) and an offset s that carries only its own relative rounding. A [`LogIntegrand::Frame`]
/// holds what depends on κ alone, computed once per anchor with correct rounding, so that a
/// factor that is a near-step at κ is evaluated at κ + s to the accuracy of s, not of ulp(κ).
trait LogIntegrand {
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
    /// The kinks of the sharp factors (sorted, duplicates removed) and the smallest step width
    /// 1/|c_i| among them (+∞ when no factor is sharp).
    fn kinks(&self) -> (Vec<f64>, f64) {
        (Vec::new(), f64::INFINITY)
    }
}

/// A factor whose slope |c_i| = |λ_i|/√D_ii reaches this value changes from 1 to 0 over a
/// t-width of order 1/|c_i| ≤ 1/8: its kinks (α_i/c_i, β_i/c_i) become breakpoints of the
/// quadrature, with panels graded geometrically towards them.
const SHARP_SLOPE: f64 = 8.0;

/// At most this many kinks (those nearest the peak) become breakpoints; the others are left to
/// the adaptive bisection.
const MAX_KINKS: usize = 64;

/// Ratio of the geometric grading of the first panels next to an anchor.
const GRADING: f64 = 4.0;

/// Neumaier's compensated sum: the rounding of each addition is kept in `compensation`, so the
/// sum of d log-factors does not collect d roundings of the (larger) running total.
#[derive(Clone, Copy, Default)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    #[inline]
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    #[inline]
    fn value(self) -> f64 {
        self.sum + self.compensation
    }
}

/// ln Φ(x) and φ(x)/Φ(x) (the inverse Mills ratio of the lower tail) from one evaluation of
/// the Mills ratio R of [`crate::mills_ratio`]: for x ≤ 0, Φ(x) = φ(x)·R(−x), so
/// ln Φ(x) = ln φ(x) + ln R(−x) and φ(x)/Φ(x) = 1/R(−x), with no complementary error function and
/// no exponential; for x > 0, Φ(x) = 1 − φ(x)R(x). Relative errors of a few 1e-16 for every
/// finite x (the EXACT integrand calls this for every node and every class).
#[inline]
fn log_cdf_and_inverse_mills(x: f64) -> (f64, f64) {
    if x <= 0.0 {
        let r = mills_ratio(-x);
        (log_pdf(x) + r.ln(), 1.0 / r)
    } else {
        let density = pdf(x);
        let tail = density * mills_ratio(x);
        ((-tail).ln_1p(), density / (1.0 - tail))
    }
}

/// φ(x)/Φ(x), see [`log_cdf_and_inverse_mills`].
#[inline]
fn inverse_mills(x: f64) -> f64 {
    if x <= 0.0 {
        1.0 / mills_ratio(-x)
    } else {
        pdf(x) / (1.0 - pdf(x) * mills_ratio(x))
    }
}

/// The general factors of a one-factor problem, standardised: factor i is
/// Φ(β_i − c_i t) − Φ(α_i − c_i t), an interval of width w_i = β_i − α_i.
struct IntervalFactors {
    alpha: Vec<f64>,
    beta: Vec<f64>,
    /// β_i − α_i from the unstandardised limits, (b_i − a_i)/√D_ii (+∞ for a one-sided factor):
    /// the width of a narrow box keeps its relative accuracy after any shift.
    width: Vec<f64>,
    slope: Vec<f64>,
    inv_scale: Vec<f64>,
}

/// The limits of every factor at an anchor κ: α_i − c_i κ and β_i − c_i κ, each correctly
/// rounded (one fused multiply–add), and ln φ(κ).
struct IntervalFrame {
    anchor: f64,
    log_pdf_anchor: f64,
    lower: Vec<f64>,
    upper: Vec<f64>,
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
    /// (∂ ln p/∂u, ∂ ln p/∂l, ln p) at the standardised limits l, u of width w.
    #[inline]
    fn log_and_ratios(l: f64, u: f64, w: f64) -> (f64, f64, f64) {
        let lp = log_interval_probability_with_width(l, u, w);
        if lp == f64::NEG_INFINITY {
            return (0.0, 0.0, lp);
        }
        // One-sided factors from the Mills ratio directly: exp(ln φ − ln Φ) would subtract two
        // numbers of size u²/2, hopeless where u ~ 1e8 (a near-singular factor far from its step).
        let ru = if u == f64::INFINITY {
            0.0
        } else if l == f64::NEG_INFINITY {
            inverse_mills(u)
        } else {
            (log_pdf(u) - lp).exp()
        };
        let rl = if l == f64::NEG_INFINITY {
            0.0
        } else if u == f64::INFINITY {
            -inverse_mills(-l)
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

impl LogIntegrand for IntervalFactors {
    type Frame = IntervalFrame;

    fn frame(&self, anchor: f64) -> IntervalFrame {
        let n = self.alpha.len();
        let (mut lower, mut upper) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            lower.push(shifted_limit(self.alpha[i], self.slope[i], anchor));
            upper.push(shifted_limit(self.beta[i], self.slope[i], anchor));
        }
        IntervalFrame { anchor, log_pdf_anchor: log_pdf(anchor), lower, upper }
    }

    fn log_value_at(&self, frame: &IntervalFrame, s: f64) -> f64 {
        let mut g = CompensatedSum::default();
        g.add(Self::log_pdf_at(frame, s));
        for i in 0..self.alpha.len() {
            let c = self.slope[i] * s;
            g.add(log_interval_probability_with_width(frame.lower[i] - c, frame.upper[i] - c, self.width[i]));
        }
        g.value()
    }

    fn log_value(&self, t: f64) -> f64 {
        let mut g = CompensatedSum::default();
        g.add(log_pdf(t));
        for i in 0..self.alpha.len() {
            let c = self.slope[i] * t;
            g.add(log_interval_probability_with_width(self.alpha[i] - c, self.beta[i] - c, self.width[i]));
        }
        g.value()
    }

    fn log_magnitude(&self, t: f64) -> f64 {
        let mut s = log_pdf(t).abs();
        for i in 0..self.alpha.len() {
            let c = self.slope[i] * t;
            s +=
                log_interval_probability_with_width(self.alpha[i] - c, self.beta[i] - c, self.width[i]).abs();
        }
        s
    }

    fn derivatives(&self, t: f64) -> (f64, f64, f64) {
        let (mut g, mut g1, mut g2) = (CompensatedSum::default(), -t, -1.0);
        g.add(log_pdf(t));
        for i in 0..self.alpha.len() {
            let c = self.slope[i];
            let (l, u) = (self.alpha[i] - c * t, self.beta[i] - c * t);
            let (a, b, lp) = Self::log_and_ratios(l, u, self.width[i]);
            g.add(lp);
            g1 -= c * (a + b);
            let ua = if a == 0.0 { 0.0 } else { u * a };
            let lb = if b == 0.0 { 0.0 } else { l * b };
            // −(u a + l b) − (a + b)² = −(1 − variance of the normal truncated to [l, u]) lies in
            // [−1, 0]; in the far tails its two terms of size u² cancel, so clamp the rounding.
            g2 += c * c * (-ua - lb - (a + b) * (a + b)).clamp(-1.0, 0.0);
        }
        (g.value(), g1, g2)
    }

    /// Layout of `out`: ∂g/∂a for the m factors, then ∂g/∂b.
    fn add_parameter_gradient_at(&self, frame: &IntervalFrame, s: f64, weight: f64, out: &mut [f64]) {
        let m = self.alpha.len();
        for i in 0..m {
            let c = self.slope[i] * s;
            let (a, b, _) = Self::log_and_ratios(frame.lower[i] - c, frame.upper[i] - c, self.width[i]);
            out[i] += weight * b * self.inv_scale[i];
            out[m + i] += weight * a * self.inv_scale[i];
        }
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

/// The EXACT orthant: g(z) = ln φ(z) + Σ ln Φ(d_i + z); parameters are the shifts d.
struct ShiftedOrthant<'a> {
    shift: &'a [f64],
}

impl LogIntegrand for ShiftedOrthant<'_> {
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
        for (o, &d) in out.iter_mut().zip(self.shift) {
            *o += weight * inverse_mills(d + z);
        }
    }

    fn log_value(&self, z: f64) -> f64 {
        let mut g = CompensatedSum::default();
        g.add(log_pdf(z));
        for &d in self.shift {
            g.add(log_cdf_and_inverse_mills(d + z).0);
        }
        g.value()
    }

    fn log_magnitude(&self, z: f64) -> f64 {
        self.shift.iter().fold(log_pdf(z).abs(), |s, &d| s + log_cdf_and_inverse_mills(d + z).0.abs())
    }

    fn derivatives(&self, z: f64) -> (f64, f64, f64) {
        let (mut g, mut g1, mut g2) = (CompensatedSum::default(), -z, -1.0);
        g.add(log_pdf(z));
        for &d in self.shift {
            let x = d + z;
            let (log_cdf_x, r) = log_cdf_and_inverse_mills(x);
            g.add(log_cdf_x);
            g1 += r;
            g2 -= r * (x + r);
        }
        (g.value(), g1, g2)
    }
}

/// Result of the core quadrature: ln ∫ exp(g) over the range, and the node count.
struct LogIntegral {
    log_value: f64,
    evaluations: u64,
}

/// Maximiser of the concave g on [lo, hi] (g″ ≤ −1 is assumed).
fn locate_peak<F: LogIntegrand>(f: &F, lo: f64, hi: f64, evaluations: &mut u64) -> f64 {
    let mut t = 0.0f64.clamp(lo, hi);
    let (_, d1, _) = f.derivatives(t);
    *evaluations += 1;
    // g′(s) ≤ g′(t) − (s − t), so the root lies between t and t + g′(t).
    let (mut left, mut right) = if d1 > 0.0 { (t, (t + d1).min(hi)) } else { ((t + d1).max(lo), t) };
    if d1 > 0.0 && right == hi {
        let (_, dh, _) = f.derivatives(hi);
        *evaluations += 1;
        if dh >= 0.0 {
            return hi;
        }
    }
    if d1 < 0.0 && left == lo {
        let (_, dl, _) = f.derivatives(lo);
        *evaluations += 1;
        if dl <= 0.0 {
            return lo;
        }
    }
    if d1 == 0.0 {
        return t;
    }
    t = 0.5 * (left + right);
    for _ in 0..100 {
        let (_, d1, d2) = f.derivatives(t);
        *evaluations += 1;
        if d1 > 0.0 {
            left = t;
        } else if d1 < 0.0 {
            right = t;
        } else {
            return t;
        }
        let tol = 1e-12 * (1.0 + t.abs());
        if right - left <= tol {
            return t;
        }
        let mut next = t - d1 / d2;
        if (next - t).abs() <= tol {
            // A tiny Newton step ends the search only where the gain it predicts, g′²/|g″|, is
            // small: on the flank of a near-step (D_ii → 0) g″ can be huge and noisy while g′ is
            // far from 0, and the search must go on by bisection.
            if d1 * d1 <= -d2 {
                return next;
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
    t
}

/// The point beyond the peak (in direction `sign`) where g has dropped by [`LOG_WINDOW`], or the
/// end of the range when it has not dropped that far by then.
fn window_end<F: LogIntegrand>(f: &F, peak: f64, g_peak: f64, end: f64, sign: f64, ev: &mut u64) -> f64 {
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

/// Kronrod node offsets s_j of the panel and the weighted integrand values
/// w_j·exp(g(κ + s_j) − shift).
struct Panel {
    nodes: [f64; 15],
    weighted: [f64; 15],
    /// max over the nodes of g(t) − shift (positive when the shift was not the maximum of g).
    excess: f64,
}

/// One Gauss–Kronrod 7/15 panel of exp(g − shift) over the offsets [lo, hi] of the anchor of
/// `frame`: (Kronrod value, error estimate, nodes).
fn kronrod_panel<F: LogIntegrand>(
    f: &F,
    frame: &F::Frame,
    lo: f64,
    hi: f64,
    shift: f64,
) -> (f64, f64, Panel) {
    let (center, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
    let mut panel = Panel { nodes: [0.0; 15], weighted: [0.0; 15], excess: f64::NEG_INFINITY };
    let (mut kronrod, mut gauss, mut n) = (0.0, 0.0, 0);
    for j in 0..8 {
        let nodes: &[f64] = if j == 7 { &[0.0] } else { &[-XGK[j], XGK[j]] };
        for &x in nodes {
            let s = center + half * x;
            let relative = f.log_value_at(frame, s) - shift;
            panel.excess = panel.excess.max(relative);
            let v = relative.exp();
            kronrod += WGK[j] * v;
            if j % 2 == 1 {
                gauss += WG[j / 2] * v;
            }
            panel.nodes[n] = s;
            panel.weighted[n] = WGK[j] * half * v;
            n += 1;
        }
    }
    // QUADPACK's heuristic: the Kronrod value is far more accurate than |K − G| once that
    // difference is small, error ≈ |K − G|·min(1, (200 |K − G|/|K|)^{3/2}).
    let difference = ((kronrod - gauss) * half).abs();
    let value = kronrod * half;
    let error =
        if value > 0.0 { difference * (200.0 * difference / value).powf(1.5).min(1.0) } else { difference };
    (value, error, panel)
}

/// ln ∫_lo^hi exp(g), and (when `gradient` is given) ∂/∂θ of that logarithm written into it.
fn integrate_log<F: LogIntegrand>(f: &F, lo: f64, hi: f64, mut gradient: Option<&mut [f64]>) -> LogIntegral {
    let mut evaluations = 0u64;
    if let Some(out) = gradient.as_deref_mut() {
        out.iter_mut().for_each(|o| *o = 0.0);
    }
    if lo >= hi {
        return LogIntegral { log_value: f64::NEG_INFINITY, evaluations };
    }
    let peak = locate_peak(f, lo, hi, &mut evaluations);
    let mut g_peak = f.log_value(peak);
    evaluations += 1;
    if !g_peak.is_finite() {
        return LogIntegral { log_value: f64::NEG_INFINITY, evaluations };
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
fn integrate_around<F: LogIntegrand>(
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
        excess = excess.max(result.2.excess);
        rough += result.0;
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
            let (value, error, panel) = match cached.take() {
                Some(result) => result,
                None => {
                    *evaluations += 15;
                    kronrod_panel(f, frame, pa, pb, g_peak)
                }
            };
            panels += 1;
            excess = excess.max(panel.excess);
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

/// The EXACT orthant A(d) = P(Y > 0) for Y ~ N(d, I + 11ᵀ), that is
/// `A = ∫ φ(z) Π_i Φ(d_i + z) dz`, in log space, with ∂ ln A/∂d_k written into `log_gradient`
/// (∂A/∂d_k = A · ∂ ln A/∂d_k = ∫ φ(z) φ(d_k + z) Π_{i≠k} Φ(d_i + z) dz).
///
/// This is the hot path of the EXACT loss: it allocates nothing and costs O(n · nodes).
/// Returns ln A (accurate far below the smallest double). With an empty `shift`, A = 1.
///
/// # Panics
///
/// When `log_gradient.len() != shift.len()`. Shifts must be finite (not checked here; the
/// callers validate them), otherwise the result is NaN.
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
    integrate_log(&ShiftedOrthant { shift }, f64::NEG_INFINITY, f64::INFINITY, Some(log_gradient)).log_value
}

/// ln A for the EXACT orthant of [`shifted_orthant_log_value_and_gradient`], without the gradient.
pub fn shifted_orthant_log_value(shift: &[f64]) -> f64 {
    integrate_log(&ShiftedOrthant { shift }, f64::NEG_INFINITY, f64::INFINITY, None).log_value
}

/// A validated one-factor rectangle problem: X ~ N(μ, D + λλᵀ), P(a ≤ X ≤ b).
#[derive(Debug, Clone, PartialEq)]
pub struct OneFactorProblem {
    mean: Vec<f64>,
    diagonal: Vec<f64>,
    loading: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

/// The log-probability and its gradient with respect to the limits.
#[derive(Debug, Clone, PartialEq)]
pub struct LogGradient {
    /// ln P (−∞ when P = 0).
    pub log_value: f64,
    /// ∂ ln P/∂a_k (0 where a_k = −∞).
    pub lower: Vec<f64>,
    /// ∂ ln P/∂b_k (0 where b_k = +∞).
    pub upper: Vec<f64>,
    /// Number of integrand evaluations.
    pub evaluations: u64,
}

/// Preprocessed form: the smooth factors, the t-range, and index maps.
struct Reduced {
    factors: IntervalFactors,
    /// Original index of each smooth factor.
    index: Vec<usize>,
    lo: f64,
    hi: f64,
    /// Coordinates (original index) whose indicator sets the lower/upper end of the t-range.
    lo_owner: Option<usize>,
    hi_owner: Option<usize>,
    /// false when an indicator with λ = 0 excludes its point mass, or a D > 0 interval is empty.
    feasible: bool,
}

impl Reduced {
    /// ln ∫ over [lo, hi] of φ times the smooth factors (with ∂/∂θ when asked). Without smooth
    /// factors (every coordinate an indicator, e.g. ρ = 1) this is ln(Φ(hi) − Φ(lo)) in closed
    /// form.
    fn integrate(&self, gradient: Option<&mut [f64]>) -> LogIntegral {
        if self.index.is_empty() {
            return LogIntegral { log_value: log_interval_probability(self.lo, self.hi), evaluations: 1 };
        }
        integrate_log(&self.factors, self.lo, self.hi, gradient)
    }
}

impl OneFactorProblem {
    /// Builds a problem from the mean, the diagonal D (≥ 0), the loadings λ (any signs) and the
    /// limits.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionZero`], [`Error::DimensionMismatch`], [`Error::NonFinite`] (mean,
    /// diagonal, loading; NaN limits), [`Error::InvalidArgument`] for a negative diagonal entry,
    /// [`Error::LowerAboveUpper`] for finite a_i > b_i. A lower limit of +∞ or an upper limit of
    /// −∞ is accepted: the interval is empty and P = 0 (ln P = −∞, zero gradients).
    ///
    /// ```
    /// use mvn_orthant::one_factor::OneFactorProblem;
    /// let d = 3;
    /// // Equicorrelated ρ = ½: D = ½ I, λ = √½ 1; P(X ≤ 0) = 1/(d + 1).
    /// let p = OneFactorProblem::new(vec![0.0; d], vec![0.5; d], vec![0.5f64.sqrt(); d],
    ///     vec![f64::NEG_INFINITY; d], vec![0.0; d]).unwrap();
    /// assert!((p.integrate().value - 0.25).abs() < 1e-15);
    /// ```
    pub fn new(
        mean: Vec<f64>,
        diagonal: Vec<f64>,
        loading: Vec<f64>,
        lower: Vec<f64>,
        upper: Vec<f64>,
    ) -> Result<Self> {
        let dim = mean.len();
        if dim == 0 {
            return Err(Error::DimensionZero);
        }
        for (what, v) in
            [("diagonal", &diagonal), ("loading", &loading), ("lower", &lower), ("upper", &upper)]
        {
            if v.len() != dim {
                return Err(Error::DimensionMismatch { what: what.into(), expected: dim, found: v.len() });
            }
        }
        for (what, v) in [("mean", &mean), ("diagonal", &diagonal), ("loading", &loading)] {
            if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                return Err(Error::NonFinite { what: what.into(), index: vec![i], value: v[i] });
            }
        }
        if let Some(i) = diagonal.iter().position(|&x| x < 0.0) {
            return Err(Error::InvalidArgument {
                name: format!("diagonal[{i}]"),
                reason: format!("{} is negative; the diagonal part D must be ≥ 0", diagonal[i]),
            });
        }
        for i in 0..dim {
            let (a, b) = (lower[i], upper[i]);
            if a.is_nan() {
                return Err(Error::NonFinite { what: "lower".into(), index: vec![i], value: a });
            }
            if b.is_nan() {
                return Err(Error::NonFinite { what: "upper".into(), index: vec![i], value: b });
            }
            // A lower limit of +∞ or an upper limit of −∞ is an empty interval (P = 0).
            if a > b && a != f64::INFINITY && b != f64::NEG_INFINITY {
                return Err(Error::LowerAboveUpper { index: i, lower: a, upper: b });
            }
        }
        Ok(OneFactorProblem { mean, diagonal, loading, lower, upper })
    }

    /// Detects one-factor structure in a validated [`Problem`] (see [`detect_one_factor`]).
    /// Returns `None` when the covariance is not of the form D + λλᵀ with D ≥ 0.
    pub fn from_problem(problem: &Problem) -> Option<Self> {
        let (diagonal, loading) = detect_one_factor(problem.covariance())?;
        Some(OneFactorProblem {
            mean: problem.mean().to_vec(),
            diagonal,
            loading,
            lower: problem.lower().to_vec(),
            upper: problem.upper().to_vec(),
        })
    }

    /// Whether some coordinate has a lower limit of +∞ or an upper limit of −∞ (P = 0, every
    /// derivative 0; see [`Problem::is_empty_box`]).
    pub fn is_empty_box(&self) -> bool {
        crate::problem::is_empty_box(&self.lower, &self.upper)
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// The mean μ.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The lower limits a.
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }

    /// The upper limits b.
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// The diagonal part D.
    pub fn diagonal(&self) -> &[f64] {
        &self.diagonal
    }

    /// The loadings λ.
    pub fn loading(&self) -> &[f64] {
        &self.loading
    }

    /// The full covariance D + λλᵀ (row-major, d × d), e.g. to cross-check with other methods.
    pub fn covariance_entries(&self) -> Vec<f64> {
        let d = self.dim();
        let mut out = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                out[i * d + j] =
                    self.loading[i] * self.loading[j] + if i == j { self.diagonal[i] } else { 0.0 };
            }
        }
        out
    }

    fn reduce(&self) -> Reduced {
        let mut factors = IntervalFactors {
            alpha: Vec::new(),
            beta: Vec::new(),
            width: Vec::new(),
            slope: Vec::new(),
            inv_scale: Vec::new(),
        };
        let mut index = Vec::new();
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        let (mut lo_owner, mut hi_owner) = (None, None);
        let mut feasible = true;
        for i in 0..self.dim() {
            let (a, b, m, lam, dii) =
                (self.lower[i], self.upper[i], self.mean[i], self.loading[i], self.diagonal[i]);
            if a == f64::NEG_INFINITY && b == f64::INFINITY {
                continue;
            }
            // A step narrower than 1e-100 (in t, and 1e-20 of the box width) changes P by far
            // less than a rounding: such a factor is its D = 0 limit, an indicator. (Kept as a
            // factor, |c_i| > 1e100 would square to infinity in the far nodes.)
            let negligible = dii.sqrt() <= 1e-100 * lam.abs() && b - a >= 1e20 * dii.sqrt();
            if dii > 0.0 && !negligible {
                if a >= b {
                    feasible = false;
                }
                let s = dii.sqrt();
                factors.alpha.push((a - m) / s);
                factors.beta.push((b - m) / s);
                factors.width.push((b - a) / s);
                factors.slope.push(lam / s);
                factors.inv_scale.push(1.0 / s);
                index.push(i);
            } else if lam == 0.0 {
                if !(a <= m && m <= b) {
                    feasible = false;
                }
            } else {
                // a ≤ m + λ t ≤ b.
                let (t1, t2) = ((a - m) / lam, (b - m) / lam);
                let (tl, th) = if lam > 0.0 { (t1, t2) } else { (t2, t1) };
                if tl > lo {
                    lo = tl;
                    lo_owner = Some(i);
                }
                if th < hi {
                    hi = th;
                    hi_owner = Some(i);
                }
            }
        }
        if lo >= hi {
            feasible = false;
        }
        Reduced { factors, index, lo, hi, lo_owner, hi_owner, feasible }
    }

    /// ln P and its gradient with respect to the limits, ∂ ln P/∂a and ∂ ln P/∂b (finite even
    /// where P underflows). When P = 0 exactly (an empty t-range, an empty interval, or an
    /// excluded point mass) the log-gradient is reported as 0.
    pub fn log_gradient(&self) -> LogGradient {
        let d = self.dim();
        let (mut lower, mut upper) = (vec![0.0; d], vec![0.0; d]);
        if self.is_empty_box() {
            return LogGradient { log_value: f64::NEG_INFINITY, lower, upper, evaluations: 0 };
        }
        let r = self.reduce();
        if !r.feasible {
            return LogGradient { log_value: f64::NEG_INFINITY, lower, upper, evaluations: 0 };
        }
        let m = r.index.len();
        let mut buf = vec![0.0; 2 * m];
        let result = r.integrate(Some(&mut buf));
        for (j, &i) in r.index.iter().enumerate() {
            lower[i] = buf[j];
            upper[i] = buf[m + j];
        }
        let mut evaluations = result.evaluations;
        // Boundary terms of the indicator coordinates: ∂ ln P/∂(end) = ±exp(g(end) − ln P).
        for (end, owner, sign) in [(r.lo, r.lo_owner, -1.0), (r.hi, r.hi_owner, 1.0)] {
            if let Some(k) = owner {
                // g at the end, with the factors' limits shifted to the end exactly.
                let density = (r.factors.log_value_at(&r.factors.frame(end), 0.0) - result.log_value).exp();
                evaluations += 1;
                let lam = self.loading[k];
                // The end is (limit − μ_k)/λ_k; which limit depends on the end and the sign of λ.
                let derivative = sign * density / lam;
                if (sign > 0.0) == (lam > 0.0) {
                    upper[k] += derivative;
                } else {
                    lower[k] += derivative;
                }
            }
        }
        LogGradient { log_value: result.log_value, lower, upper, evaluations }
    }

    /// P(a ≤ X ≤ b) with `log_value` accurate where P underflows (`Method::OneFactor`, error 0).
    pub fn integrate(&self) -> Estimate {
        if self.is_empty_box() {
            return Estimate::empty_box();
        }
        let r = self.reduce();
        if !r.feasible {
            return Estimate::exact_log(f64::NEG_INFINITY, Method::OneFactor, 0);
        }
        let result = r.integrate(None);
        Estimate::exact_log(result.log_value, Method::OneFactor, result.evaluations)
    }

    /// P with its exact gradient with respect to the limits and the mean (∂P = P · ∂ ln P, so
    /// components underflow to 0 with P; use [`OneFactorProblem::log_gradient`] there).
    pub fn integrate_with_gradient(&self) -> (Estimate, Gradient) {
        if self.is_empty_box() {
            return (Estimate::empty_box(), Gradient::empty_box(self.dim()));
        }
        let lg = self.log_gradient();
        let p = lg.log_value.exp();
        let lower = lg.lower.iter().map(|g| g * p).collect();
        let upper = lg.upper.iter().map(|g| g * p).collect();
        (Estimate::exact_log(lg.log_value, Method::OneFactor, lg.evaluations), Gradient::exact(lower, upper))
    }
}

/// x·y/(z₀ + z₁) as an unevaluated sum hi + lo, accurate to about twice the working precision
/// (the product by a fused multiply–add, the quotient corrected by its residual).
fn ratio_double_double(x: f64, y: f64, z: (f64, f64)) -> (f64, f64) {
    let p = x * y;
    let p_err = x.mul_add(y, -p);
    let q = p / z.0;
    let residual = (-q).mul_add(z.0, p) + p_err - q * z.1;
    (q, residual / z.0)
}

/// Detects Σ = D + λλᵀ with D diagonal ≥ 0, returning (D, λ) or `None`.
///
/// Every 1 × 1 and 2 × 2 covariance is one-factor. For d ≥ 3 the most correlated pair (j, k)
/// anchors the factor; a third index m with the largest |ρ_jm ρ_km| gives
/// λ_j² = Σ_jk Σ_jm / Σ_km, then λ_i = Σ_ij/λ_j for every other i (λ_k likewise). If no such m
/// exists (only j and k are correlated), the pair is split as in the 2 × 2 case. Every
/// off-diagonal entry is then verified, |Σ_il − λ_i λ_l| ≤ [`DETECTION_TOLERANCE`]·√(Σ_ii Σ_ll),
/// and D_ii = Σ_ii − λ_i² must be ≥ −[`DETECTION_TOLERANCE`]·Σ_ii (small negatives are set to 0).
/// D is formed from λ_i² carried in double-double arithmetic, so that a near-singular Σ (an
/// equicorrelated ρ = 1 − 10⁻¹⁴ gives D = 1 − ρ exactly) keeps its small diagonal accurately.
/// The verification costs O(d²), like reading Σ.
///
/// ```
/// use mvn_orthant::{Covariance, one_factor::detect_one_factor};
/// let c = Covariance::equicorrelated(4, 0.3).unwrap();
/// let (diag, loading) = detect_one_factor(&c).unwrap();
/// assert!((diag[0] - 0.7).abs() < 1e-15 && (loading[0] * loading[1] - 0.3).abs() < 1e-15);
/// assert!(detect_one_factor(&Covariance::equicorrelated(4, -0.2).unwrap()).is_none());
/// ```
pub fn detect_one_factor(covariance: &Covariance) -> Option<(Vec<f64>, Vec<f64>)> {
    let d = covariance.dim();
    let s = |i: usize, j: usize| covariance.get(i, j);
    let sd: Vec<f64> = (0..d).map(|i| s(i, i).sqrt()).collect();
    let corr = |i: usize, j: usize| if sd[i] > 0.0 && sd[j] > 0.0 { s(i, j) / (sd[i] * sd[j]) } else { 0.0 };
    let mut loading = vec![0.0; d];
    let mut lam_j_squared = (0.0, 0.0);
    let mut anchor = None;
    // Most correlated pair.
    let mut best = (0.0, 0, 0);
    for i in 0..d {
        for j in 0..i {
            let r = corr(i, j).abs();
            if r > best.0 {
                best = (r, j, i);
            }
        }
    }
    if best.0 > 0.0 {
        let (_, j, k) = best;
        let mut third = (0.0, usize::MAX);
        for m in 0..d {
            if m != j && m != k {
                let w = (corr(j, m) * corr(k, m)).abs();
                if w > third.0 {
                    third = (w, m);
                }
            }
        }
        let sq = if third.1 != usize::MAX {
            let m = third.1;
            let sq = ratio_double_double(s(j, k), s(j, m), (s(k, m), 0.0));
            if sq.0.is_nan() || sq.0 <= 0.0 {
                return None;
            }
            sq
        } else {
            // Only j and k are correlated: λ_j² = |Σ_jk| σ_j/σ_k keeps both D entries ≥ 0.
            ratio_double_double(s(j, k).abs(), sd[j], (sd[k], 0.0))
        };
        lam_j_squared = sq;
        anchor = Some(j);
        let lam_j = sq.0.sqrt();
        loading[j] = lam_j;
        for i in 0..d {
            if i != j {
                loading[i] = s(i, j) / lam_j;
            }
        }
    }
    let mut diagonal = vec![0.0; d];
    for i in 0..d {
        // D_ii = Σ_ii − λ_i² with λ_i² = Σ_ij²/λ_j² carried to twice the working precision: when
        // D_ii is a tiny remainder (ρ = 1 − 10⁻¹⁵) the rounding of λ_i² would be all of it.
        let square = match anchor {
            Some(j) if i == j => lam_j_squared,
            Some(j) => ratio_double_double(s(i, j), s(i, j), lam_j_squared),
            None => (0.0, 0.0),
        };
        let di = (s(i, i) - square.0) - square.1;
        if di < -DETECTION_TOLERANCE * s(i, i) {
            return None;
        }
        diagonal[i] = di.max(0.0);
        for l in 0..i {
            if (s(i, l) - loading[i] * loading[l]).abs() > DETECTION_TOLERANCE * sd[i] * sd[l] {
                return None;
            }
        }
    }
    Some((diagonal, loading))
}

/// The one-factor integrator: detects Σ = D + λλᵀ in a [`Problem`] and evaluates the 1-D
/// integral (deterministic; `error` is 0; `log_value` accurate where P underflows).
///
/// ```
/// use mvn_orthant::{Covariance, Integrator, OneFactor, Problem};
/// let d = 100;
/// let p = Problem::lower_orthant(Covariance::equicorrelated(d, 0.5).unwrap(), vec![0.0; d]).unwrap();
/// let e = OneFactor.integrate(&p).unwrap();
/// assert!((e.value * 101.0 - 1.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OneFactor;

impl OneFactor {
    fn structure(problem: &Problem) -> Result<OneFactorProblem> {
        OneFactorProblem::from_problem(problem).ok_or_else(|| Error::MethodNotApplicable {
            method: Method::OneFactor.name().into(),
            reason: "the covariance is not of the form D + λλᵀ with D diagonal and non-negative".into(),
        })
    }

    /// P and its exact gradient with respect to the limits and the mean.
    ///
    /// # Errors
    ///
    /// [`Error::MethodNotApplicable`] when the covariance is not one-factor.
    pub fn integrate_with_gradient(&self, problem: &Problem) -> Result<(Estimate, Gradient)> {
        if problem.is_empty_box() {
            return Ok((Estimate::empty_box(), Gradient::empty_box(problem.dim())));
        }
        Ok(Self::structure(problem)?.integrate_with_gradient())
    }
}

impl Integrator for OneFactor {
    fn name(&self) -> String {
        "one-factor".into()
    }

    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        if problem.is_empty_box() {
            return Ok(Estimate::empty_box());
        }
        Ok(Self::structure(problem)?.integrate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normal::cdf;

    #[test]
    fn kronrod_rule_is_exact_for_polynomials() {
        struct Poly(i32);
        impl LogIntegrand for Poly {
            type Frame = f64;
            fn frame(&self, anchor: f64) -> f64 {
                anchor
            }
            fn log_value_at(&self, anchor: &f64, s: f64) -> f64 {
                self.log_value(anchor + s)
            }
            fn add_parameter_gradient_at(&self, _: &f64, _: f64, _: f64, _: &mut [f64]) {}
            fn log_value(&self, t: f64) -> f64 {
                (t + 2.0).powi(self.0).ln()
            }
            fn derivatives(&self, _: f64) -> (f64, f64, f64) {
                unreachable!()
            }
            fn log_magnitude(&self, _: f64) -> f64 {
                unreachable!()
            }
        }
        for k in 0..=20 {
            let (v, _, _) = kronrod_panel(&Poly(k), &0.0, -1.0, 1.0, 0.0);
            let exact = (3f64.powi(k + 1) - 1.0) / f64::from(k + 1);
            assert!((v / exact - 1.0).abs() < 1e-14, "degree {k}: {v} vs {exact}");
        }
        let (_, err13, _) = kronrod_panel(&Poly(13), &0.0, -1.0, 1.0, 0.0);
        assert!(err13 < 1e-10, "Gauss 7 is exact to degree 13: {err13}");
    }

    #[test]
    fn log_interval_matches_direct_difference() {
        for &(l, u) in &[(-1.0, 2.0), (0.5, 3.0), (-3.0, -0.5), (-40.0, -39.0), (39.0, 40.0), (-0.1, 0.1)] {
            let direct = (cdf(u) - cdf(l)).ln();
            let v = log_interval_probability(l, u);
            if direct.is_finite() && direct > -700.0 && l.abs() < 8.0 {
                assert!((v - direct).abs() < 1e-14 * (1.0 + direct.abs()), "({l}, {u}): {v} vs {direct}");
            }
            assert!(v.is_finite());
        }
    }
}
