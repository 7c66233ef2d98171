//! The factors of the one-factor integrand and the EXACT orthant, as log-concave integrands of
//! [`crate::quadrature::integrate_log_concave`].

use crate::mills_ratio::mills_ratio;
use crate::normal::{log_interval_probability_with_width, log_pdf, pdf};
use crate::quadrature::{integrate_log_concave, LogConcaveIntegrand};

/// A factor whose slope |c_i| = |λ_i|/√D_ii reaches this value changes from 1 to 0 over a
/// t-width of order 1/|c_i| ≤ 1/8: its kinks (α_i/c_i, β_i/c_i) become breakpoints of the
/// quadrature, with panels graded geometrically towards them.
const SHARP_SLOPE: f64 = 8.0;

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
pub(super) struct IntervalFactors {
    pub(super) alpha: Vec<f64>,
    pub(super) beta: Vec<f64>,
    /// β_i − α_i from the unstandardised limits, (b_i − a_i)/√D_ii (+∞ for a one-sided factor):
    /// the width of a narrow box keeps its relative accuracy after any shift.
    pub(super) width: Vec<f64>,
    pub(super) slope: Vec<f64>,
    pub(super) inv_scale: Vec<f64>,
}

/// The limits of every factor at an anchor κ: α_i − c_i κ and β_i − c_i κ, each correctly
/// rounded (one fused multiply–add), and ln φ(κ).
pub(super) struct IntervalFrame {
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

impl LogConcaveIntegrand for IntervalFactors {
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
    integrate_log_concave(&ShiftedOrthant { shift }, f64::NEG_INFINITY, f64::INFINITY, Some(log_gradient))
        .log_value
}
