//! The result type shared by every integrator, and the trait through which they are swapped.

use crate::error::Result;
use crate::problem::Problem;
use std::fmt;

/// The confidence level of every stochastic error estimate in this crate: the reported `error`
/// is the half-width of a 99% confidence interval for the probability.
pub const CONFIDENCE_LEVEL: f64 = 0.99;

/// The unit roundoff u = 2⁻⁵³ of `f64` (half of [`f64::EPSILON`]).
pub(crate) const UNIT_ROUNDOFF: f64 = f64::EPSILON / 2.0;

/// Whether an error estimate meets the tolerances: `error ≤ max(abs_tol, rel_tol · |value|)`.
///
/// This is the one convergence test of the crate (the Genz convention: *either* tolerance
/// suffices, as [`crate::Settings::rel_tol`] documents). Every stochastic method sets
/// [`Estimate::converged`] with it, from the reported error (rounding floor included) and the
/// tolerances it was given. A NaN or infinite error never meets a tolerance.
pub(crate) fn tolerance_met(error: f64, value: f64, abs_tol: f64, rel_tol: f64) -> bool {
    error.is_finite() && error <= abs_tol.max(rel_tol * value.abs())
}

/// The absolute error of an estimate known in log space, P̂ = e^{`log_value`} with the relative
/// error `relative_error` (+∞: unknown): relative_error·P̂, plus, where P̂ is below the normal
/// range, the spacing of the subnormal doubles 2⁻¹⁰⁷⁴ times ⌈1 + relative_error⌉.
///
/// There the value is rounded to that spacing, and where it underflows to 0 the product alone
/// is 0, which would claim an exact result. With e^{`log_value`} < 2⁻¹⁰⁷⁴ (a value of 0) the
/// truth is below 2⁻¹⁰⁷⁴·(1 + relative_error), and a subnormal value is off by at most half the
/// spacing besides its relative error: either way the interval value ± error contains P.
pub(crate) fn error_of_relative(value: f64, log_value: f64, relative_error: f64) -> f64 {
    if !relative_error.is_finite() {
        return f64::INFINITY;
    }
    let error = relative_error * value;
    if value < f64::MIN_POSITIVE && log_value.is_finite() {
        error + f64::from_bits(1) * (1.0 + relative_error).ceil()
    } else {
        error
    }
}

/// The floating-point floor of a stochastic estimate: a bound on the rounding error of a value
/// |P| computed as a mean of products, which every stochastic method adds to its statistical
/// error (so that a constant integrand, whose randomisations agree to the last bit, is not
/// reported with an error below its rounding).
///
/// The bound is γ_n · |P| with γ_n = n·u/(1 − n·u), u = [`UNIT_ROUNDOFF`], and
/// n = `ulps_per_term + additions`:
///
/// * `ulps_per_term`: the relative rounding of one integrand value, in units of u (for a
///   product of r factors, each a difference of normal distribution functions evaluated to a
///   few ulps, about 4 per factor);
/// * `additions`: the length of the longest chain of sequential floating-point additions and
///   scalings that produced the mean (for sums of nonnegative terms, recursive summation of m
///   terms has relative error at most γ_{m−1}; Higham, *Accuracy and Stability of Numerical
///   Algorithms*, 2nd ed., §4.2). Chunked sums (chunks of c terms, k chunk sums added in order)
///   count c + k.
///
/// It does not cover cancellation inside one factor (a difference Φ(b) − Φ(a) of two nearly
/// equal values), which no a-posteriori floor can see.
pub(crate) fn rounding_floor(value: f64, ulps_per_term: f64, additions: u64) -> f64 {
    let n = ulps_per_term + additions as f64;
    let gamma = n * UNIT_ROUNDOFF / (1.0 - (n * UNIT_ROUNDOFF).min(0.5));
    gamma * value.abs()
}

/// The one vocabulary of method names, shared by Rust ([`Method::name`],
/// [`crate::MethodChoice::name`], [`Integrator::name`]), the `orthant` CLI, JSON and reports.
pub(crate) mod names {
    /// [`super::Method::Trivial`].
    pub const TRIVIAL: &str = "trivial";
    /// [`super::Method::Univariate`].
    pub const UNIVARIATE: &str = "univariate";
    /// [`super::Method::Bivariate`].
    pub const BIVARIATE: &str = "bivariate";
    /// [`super::Method::Trivariate`].
    pub const TRIVARIATE: &str = "trivariate";
    /// [`super::Method::OrthantClosedForm`].
    pub const ORTHANT_CLOSED_FORM: &str = "orthant-closed-form";
    /// [`super::Method::OneFactor`].
    pub const ONE_FACTOR: &str = "one-factor";
    /// [`super::Method::Genz`], [`crate::MethodChoice::Genz`] (scrambled Sobol points).
    pub const GENZ: &str = "genz";
    /// [`crate::MethodChoice::GenzLattice`] (its results say [`GENZ`]).
    pub const GENZ_LATTICE: &str = "genz-lattice";
    /// [`super::Method::Tilted`], [`crate::MethodChoice::Tilted`].
    pub const TILTED: &str = "tilted";
    /// [`super::Method::MonteCarlo`], [`crate::MethodChoice::MonteCarlo`].
    pub const MONTE_CARLO: &str = "monte-carlo";
    /// [`crate::MethodChoice::Auto`].
    pub const AUTO: &str = "auto";
    /// [`crate::MethodChoice::Exact`].
    pub const EXACT: &str = "exact";
}

/// Which algorithm produced an [`Estimate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// The probability is 1 or 0 without integration (every coordinate unbounded, an empty box,
    /// or a point mass outside its interval).
    Trivial,
    /// d = 1: a difference of normal distribution functions.
    Univariate,
    /// d = 2: the bivariate normal method.
    Bivariate,
    /// d = 3: the trivariate method (Plackett's reduction).
    Trivariate,
    /// A closed-form zero-mean orthant probability (d ≤ 3) or Plackett's 1-D integral (d = 4).
    OrthantClosedForm,
    /// The one-factor (diagonal plus rank one) reduction to a 1-D integral.
    OneFactor,
    /// Genz's separation of variables with randomised quasi-Monte Carlo.
    Genz,
    /// The Genz sampler with minimax exponential tilting (rare events).
    Tilted,
    /// Crude Monte Carlo with a Wilson confidence interval.
    MonteCarlo,
}

impl Method {
    /// The stable lower-case name used in JSON and reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Trivial => names::TRIVIAL,
            Method::Univariate => names::UNIVARIATE,
            Method::Bivariate => names::BIVARIATE,
            Method::Trivariate => names::TRIVARIATE,
            Method::OrthantClosedForm => names::ORTHANT_CLOSED_FORM,
            Method::OneFactor => names::ONE_FACTOR,
            Method::Genz => names::GENZ,
            Method::Tilted => names::TILTED,
            Method::MonteCarlo => names::MONTE_CARLO,
        }
    }

    /// Whether the method is deterministic and exact to rounding (its `error` is 0).
    pub fn is_exact(self) -> bool {
        matches!(
            self,
            Method::Trivial
                | Method::Univariate
                | Method::Bivariate
                | Method::Trivariate
                | Method::OrthantClosedForm
                | Method::OneFactor
        )
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A probability with its error estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The probability P (may underflow to 0 where `log_value` is still finite).
    pub value: f64,
    /// ln P, accurate where P underflows for methods that compute it in log space; ln(value)
    /// otherwise (−∞ when the estimate is 0).
    pub log_value: f64,
    /// Absolute error estimate: 0 for exact methods (their error is rounding only), otherwise
    /// the half-width of a [`CONFIDENCE_LEVEL`] confidence interval, the floating-point floor
    /// of the result (`rounding_floor`) included.
    pub error: f64,
    /// Number of integrand evaluations (quadrature nodes, lattice points or samples).
    pub evaluations: u64,
    /// The algorithm that produced the estimate.
    pub method: Method,
    /// Whether every tolerance given to the method was met, in the one sense used by every
    /// method of the crate (`tolerance_met`): `error ≤ max(abs_tol, rel_tol · |value|)` (always true for exact methods). A method that
    /// stops for another reason (budget spent, point set exhausted, an unreliable spread) says
    /// `false`.
    pub converged: bool,
}

impl Estimate {
    /// An exact result with zero error estimate.
    pub fn exact(value: f64, method: Method, evaluations: u64) -> Self {
        Estimate { value, log_value: value.ln(), error: 0.0, evaluations, method, converged: true }
    }

    /// The result for an empty box ([`Problem::is_empty_box`]): P = 0 exactly, ln P = −∞,
    /// error 0, by [`Method::Trivial`], whatever method was asked for.
    pub fn empty_box() -> Self {
        Self::exact(0.0, Method::Trivial, 0)
    }

    /// An exact result known in log space (value = exp(log_value), possibly underflowing).
    pub fn exact_log(log_value: f64, method: Method, evaluations: u64) -> Self {
        Estimate { value: log_value.exp(), log_value, error: 0.0, evaluations, method, converged: true }
    }

    /// Whether the interval value ± error contains `reference`.
    pub fn covers(&self, reference: f64) -> bool {
        (self.value - reference).abs() <= self.error
    }
}

/// An integrator of rectangle probabilities: every method implements it, so that methods can be
/// swapped, compared, and validated by the same harness.
///
/// Settings (tolerances, seeds, budgets) belong to the implementing value; `integrate` must be
/// deterministic given those settings.
pub trait Integrator: Sync {
    /// A short name for reports, from the crate's one vocabulary of method names (e.g.
    /// `"genz"`, `"genz-lattice"`, `"tilted"`).
    fn name(&self) -> String;

    /// Computes P(a ≤ X ≤ b).
    ///
    /// # Errors
    ///
    /// [`crate::Error::MethodNotApplicable`] when the method cannot handle this problem
    /// (e.g. a bivariate formula asked for d = 5).
    fn integrate(&self, problem: &Problem) -> Result<Estimate>;
}
