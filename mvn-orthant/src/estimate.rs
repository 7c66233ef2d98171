//! The result type shared by every integrator, and the trait through which they are swapped.

use crate::error::Result;
use crate::problem::Problem;
use std::fmt;

/// The confidence level of every stochastic error estimate in this crate: the reported `error`
/// is the half-width of a 99% confidence interval for the probability.
pub const CONFIDENCE_LEVEL: f64 = 0.99;

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
            Method::Trivial => "trivial",
            Method::Univariate => "univariate",
            Method::Bivariate => "bivariate",
            Method::Trivariate => "trivariate",
            Method::OrthantClosedForm => "orthant-closed-form",
            Method::OneFactor => "one-factor",
            Method::Genz => "genz",
            Method::Tilted => "tilted",
            Method::MonteCarlo => "monte-carlo",
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
    /// the half-width of a [`CONFIDENCE_LEVEL`] confidence interval.
    pub error: f64,
    /// Number of integrand evaluations (quadrature nodes, lattice points or samples).
    pub evaluations: u64,
    /// The algorithm that produced the estimate.
    pub method: Method,
    /// Whether the requested tolerance was met (always true for exact methods).
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
    /// A short name for reports (e.g. `"genz-sobol"`).
    fn name(&self) -> String;

    /// Computes P(a ≤ X ≤ b).
    ///
    /// # Errors
    ///
    /// [`crate::Error::MethodNotApplicable`] when the method cannot handle this problem
    /// (e.g. a bivariate formula asked for d = 5).
    fn integrate(&self, problem: &Problem) -> Result<Estimate>;
}
