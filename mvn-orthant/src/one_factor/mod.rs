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
//! g″ ≤ −1 because of the ln φ term, so the integral is [`crate::quadrature::integrate_log_concave`]
//! (Newton for the peak and the window, adaptive Gauss–Kronrod around it, the result in log space
//! so that probabilities far below the smallest double are still accurate). The cost is
//! O(d · nodes); typical node counts are 60–300.
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
use crate::normal::log_interval_probability;
use crate::problem::{check_finite, check_lengths, check_limits, Problem};
use crate::quadrature::{integrate_log_concave, LogConcaveIntegrand, LogIntegral};

mod batched;
mod detection;
mod integrand;
mod shift_interpolation;

pub use detection::detect_one_factor;
pub use integrand::shifted_orthant_log_value_and_gradient;
use integrand::IntervalFactors;

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
    /// The merged factor (of [`IntervalFactors::merge_repeated`]) of each smooth factor.
    group: Vec<usize>,
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
        integrate_log_concave(&self.factors, self.lo, self.hi, gradient)
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
        check_lengths(
            dim,
            &[("diagonal", &diagonal), ("loading", &loading), ("lower", &lower), ("upper", &upper)],
        )?;
        check_finite(&[("mean", &mean), ("diagonal", &diagonal), ("loading", &loading)])?;
        if let Some(i) = diagonal.iter().position(|&x| x < 0.0) {
            return Err(Error::InvalidArgument {
                name: format!("diagonal[{i}]"),
                reason: format!("{} is negative; the diagonal part D must be ≥ 0", diagonal[i]),
            });
        }
        // A lower limit of +∞ or an upper limit of −∞ is an empty interval (P = 0).
        check_limits(&lower, &upper, true)?;
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
        let d = self.dim();
        let mut factors = IntervalFactors::with_capacity(d);
        let mut index = Vec::with_capacity(d);
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        let (mut lo_owner, mut hi_owner) = (None, None);
        let mut feasible = true;
        for i in 0..d {
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
                // An infinite limit (or width) stays infinite, without a division (an orthant
                // has one per coordinate).
                let scaled = |v: f64| if v.is_finite() { v / s } else { v };
                factors.alpha.push(scaled(a - m));
                factors.beta.push(scaled(b - m));
                factors.width.push(scaled(b - a));
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
        let group = factors.merge_repeated();
        factors.detect_one_sided();
        Reduced { factors, index, group, lo, hi, lo_owner, hi_owner, feasible }
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
        let m = r.group.iter().max().map_or(0, |&g| g + 1);
        let mut buf = vec![0.0; 2 * m];
        let result = r.integrate(Some(&mut buf));
        for (&i, &g) in r.index.iter().zip(&r.group) {
            lower[i] = buf[g];
            upper[i] = buf[m + g];
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

    /// Repeated factors merged (consecutive runs) against the same coordinates interleaved so
    /// that none is merged: the same ln P and the same gradient, coordinate by coordinate, for
    /// an orthant (the batched path) and a box (the per-factor path).
    #[test]
    fn merged_repeated_factors_match_the_unmerged_problem() {
        // (mean, diagonal, loading, lower, upper) of three distinct coordinates.
        let kinds = [
            (0.1, 0.5, 0.7, f64::NEG_INFINITY, 0.3),
            (-0.2, 0.8, 0.4, f64::NEG_INFINITY, 1.1),
            (0.0, 0.3, -0.6, -0.5, f64::INFINITY),
        ];
        let boxed = [(0.1, 0.5, 0.7, -1.0, 0.3), (-0.2, 0.8, 0.4, -0.4, 1.1), (0.0, 0.3, -0.6, -0.5, 2.0)];
        for kinds in [kinds, boxed] {
            let merged_order = [0usize, 0, 0, 1, 1, 2];
            let interleaved = [0usize, 1, 0, 2, 0, 1];
            let build = |order: &[usize]| {
                let pick =
                    |f: fn(&(f64, f64, f64, f64, f64)) -> f64| order.iter().map(|&k| f(&kinds[k])).collect();
                OneFactorProblem::new(
                    pick(|k| k.0),
                    pick(|k| k.1),
                    pick(|k| k.2),
                    pick(|k| k.3),
                    pick(|k| k.4),
                )
                .unwrap()
            };
            let (a, b) = (build(&merged_order).log_gradient(), build(&interleaved).log_gradient());
            assert!((a.log_value - b.log_value).abs() <= 1e-15 * b.log_value.abs(), "{a:?} vs {b:?}");
            // Coordinate j of `merged_order` is the n-th of its kind; find the same in `interleaved`.
            for (j, &k) in merged_order.iter().enumerate() {
                let nth = merged_order[..j].iter().filter(|&&q| q == k).count();
                let jb = interleaved.iter().enumerate().filter(|(_, &q)| q == k).nth(nth).unwrap().0;
                for (x, y) in [(a.lower[j], b.lower[jb]), (a.upper[j], b.upper[jb])] {
                    assert!((x - y).abs() <= 1e-13 * y.abs().max(1e-3), "coordinate {j}: {x} vs {y}");
                }
            }
        }
    }
}
