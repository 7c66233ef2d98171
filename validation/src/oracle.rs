//! Oracles: functions a test author calls to check any [`Integrator`] on a problem.
//!
//! The reference is chosen in this order ([`reference()`]):
//!
//! 1. a closed form of [`crate::closed_form`] (implemented in this crate, independent of
//!    `mvn-orthant`'s methods): d = 1, zero-mean orthants for d ≤ 3, equicorrelated ρ = ½
//!    orthants, and products over independent blocks;
//! 2. `mvn_orthant::integrate(problem, MethodChoice::Exact, …)` when it answers with an exact
//!    method (d ≤ 3 formulas, the one-factor reduction);
//! 3. crude Monte Carlo ([`mvn_orthant::MonteCarlo`]) with the half-width of its 99% Wilson
//!    interval as the reference's error.
//!
//! The check passes when
//!
//! |value − reference| ≤ error_factor · (reported error + reference error) + abs_tol + rel_tol · reference,
//!
//! so an exact integrator must match an exact reference to `rel_tol`, and a stochastic one must
//! have its interval overlap the reference's. A failure carries everything needed to judge it:
//! the value, the reference and its source, the achieved and the reported error, and the bound.
//!
//! ```
//! use mvn_orthant::{Covariance, MonteCarlo, Problem};
//! use validation::oracle::{check, OracleOptions};
//! let sigma = Covariance::equicorrelated(3, 0.5).unwrap();
//! let problem = Problem::lower_orthant(sigma, vec![0.0; 3]).unwrap();
//! let mc = MonteCarlo::new(50_000, 3).unwrap();
//! let report = check(&mc, &problem, &OracleOptions::default()).unwrap();
//! assert_eq!(report.reference.value, 0.25);
//! ```

use crate::closed_form;
use crate::suite::Case;
use mvn_orthant::{Estimate, Integrator, MethodChoice, MonteCarlo, Problem, Settings};
use std::fmt;

/// Tolerances of the oracles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OracleOptions {
    /// Relative tolerance added to the bound (default 1e-9).
    pub rel_tol: f64,
    /// Absolute tolerance added to the bound (default 1e-14).
    pub abs_tol: f64,
    /// Factor on the sum of the reported errors (default 1: the 99% half-widths as reported).
    pub error_factor: f64,
    /// Monte Carlo samples when no exact reference applies (default 10⁶).
    pub monte_carlo_samples: u64,
    /// Monte Carlo seed (default 20 240 601).
    pub seed: u64,
}

impl Default for OracleOptions {
    fn default() -> Self {
        OracleOptions {
            rel_tol: 1e-9,
            abs_tol: 1e-14,
            error_factor: 1.0,
            monte_carlo_samples: 1_000_000,
            seed: 20_240_601,
        }
    }
}

/// A reference value with its error (0 for exact references) and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The reference probability.
    pub value: f64,
    /// Its absolute error bound: 0 for exact references, the 99% half-width for Monte Carlo.
    pub error: f64,
    /// A description of the source (`"closed form: …"`, `"exact method: one-factor"`, …).
    pub source: String,
}

impl Reference {
    /// Whether the reference is exact (zero error).
    pub fn is_exact(&self) -> bool {
        self.error == 0.0
    }
}

/// An exact reference for `problem`: a closed form of this crate, or `mvn-orthant`'s exact
/// method choice when it applies. `None` when neither does.
pub fn exact_reference(problem: &Problem) -> Option<Reference> {
    if let Some(c) = closed_form::probability(problem) {
        return Some(Reference { value: c.value, error: 0.0, source: format!("closed form: {}", c.formula) });
    }
    match mvn_orthant::integrate(problem, MethodChoice::Exact, &Settings::default()) {
        Ok(e) if e.method.is_exact() => {
            Some(Reference { value: e.value, error: 0.0, source: format!("exact method: {}", e.method) })
        }
        _ => None,
    }
}

/// A Monte Carlo reference with its 99% Wilson half-width.
///
/// # Panics
///
/// When `samples` is 0.
pub fn monte_carlo_reference(problem: &Problem, samples: u64, seed: u64) -> Reference {
    let mc = MonteCarlo::new(samples, seed).expect("samples must be positive");
    let e = mc.integrate(problem).expect("Monte Carlo applies to every valid problem");
    Reference {
        value: e.value,
        error: e.error,
        source: format!("monte carlo: {samples} samples, seed {seed}, 99% Wilson"),
    }
}

/// The best available reference (see the module docs).
pub fn reference(problem: &Problem, options: &OracleOptions) -> Reference {
    exact_reference(problem)
        .unwrap_or_else(|| monte_carlo_reference(problem, options.monte_carlo_samples.max(1), options.seed))
}

/// A passed check.
#[derive(Debug, Clone, PartialEq)]
pub struct OracleReport {
    /// The integrator's name.
    pub integrator: String,
    /// Its estimate.
    pub estimate: Estimate,
    /// The reference it was compared with.
    pub reference: Reference,
    /// |value − reference|.
    pub abs_error: f64,
    /// The bound it had to meet.
    pub allowed: f64,
}

/// A failed check, with a message that says what was expected and what came out.
#[derive(Debug, Clone, PartialEq)]
pub struct OracleFailure {
    /// The integrator's name.
    pub integrator: String,
    /// Its estimate (`None` when it returned an error).
    pub estimate: Option<Estimate>,
    /// The reference.
    pub reference: Reference,
    /// The integrator's error, when it returned one.
    pub error: Option<mvn_orthant::Error>,
    /// |value − reference| (NaN when there is no estimate).
    pub abs_error: f64,
    /// The bound it had to meet.
    pub allowed: f64,
}

impl OracleFailure {
    /// Whether the integrator answered `MethodNotApplicable` (callers may want to skip those).
    pub fn not_applicable(&self) -> bool {
        matches!(self.error, Some(mvn_orthant::Error::MethodNotApplicable { .. }))
    }
}

impl fmt::Display for OracleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.reference;
        match (&self.estimate, &self.error) {
            (_, Some(err)) => write!(
                f,
                "integrator {} failed ({}): {err}; reference {:e} ± {:e} ({})",
                self.integrator,
                err.kind(),
                r.value,
                r.error,
                r.source
            ),
            (Some(e), None) => write!(
                f,
                "integrator {} disagrees with the reference: value {:e} (method {}), reference {:e} ± {:e} ({}), \
                 achieved error {:e} (relative {:e}), reported error {:e}, allowed {:e}",
                self.integrator,
                e.value,
                e.method,
                r.value,
                r.error,
                r.source,
                self.abs_error,
                if r.value > 0.0 { self.abs_error / r.value } else { f64::INFINITY },
                e.error,
                self.allowed
            ),
            (None, None) => write!(f, "integrator {} gave nothing", self.integrator),
        }
    }
}

impl std::error::Error for OracleFailure {}

/// Checks `integrator` on `problem` against a given reference.
///
/// # Errors
///
/// A boxed [`OracleFailure`] when the integrator errs or misses the bound of the module docs.
pub fn check_against(
    integrator: &dyn Integrator,
    problem: &Problem,
    reference: &Reference,
    options: &OracleOptions,
) -> Result<OracleReport, Box<OracleFailure>> {
    let name = integrator.name();
    match integrator.integrate(problem) {
        Err(err) => Err(Box::new(OracleFailure {
            integrator: name,
            estimate: None,
            reference: reference.clone(),
            error: Some(err),
            abs_error: f64::NAN,
            allowed: f64::NAN,
        })),
        Ok(estimate) => {
            let abs_error = (estimate.value - reference.value).abs();
            let allowed = options.error_factor * (estimate.error + reference.error)
                + options.abs_tol
                + options.rel_tol * reference.value.abs();
            // `!(a <= b)` also rejects NaN values.
            if abs_error <= allowed {
                Ok(OracleReport {
                    integrator: name,
                    estimate,
                    reference: reference.clone(),
                    abs_error,
                    allowed,
                })
            } else {
                Err(Box::new(OracleFailure {
                    integrator: name,
                    estimate: Some(estimate),
                    reference: reference.clone(),
                    error: None,
                    abs_error,
                    allowed,
                }))
            }
        }
    }
}

/// Checks `integrator` on `problem` against the best available reference ([`reference()`]).
///
/// # Errors
///
/// As [`check_against`].
pub fn check(
    integrator: &dyn Integrator,
    problem: &Problem,
    options: &OracleOptions,
) -> Result<OracleReport, Box<OracleFailure>> {
    check_against(integrator, problem, &reference(problem, options), options)
}

/// Checks `integrator` on a suite case against its stored reference, with the case's tolerance
/// as `rel_tol`.
///
/// # Errors
///
/// As [`check_against`].
pub fn check_case(
    integrator: &dyn Integrator,
    case: &Case,
    options: &OracleOptions,
) -> Result<OracleReport, Box<OracleFailure>> {
    let reference = Reference {
        value: case.reference,
        error: 0.0,
        source: format!("suite {}: {}", case.id, case.provenance),
    };
    let options = OracleOptions { rel_tol: case.tolerance, ..*options };
    check_against(integrator, &case.problem, &reference, &options)
}

/// Whether two estimates of the same probability agree:
/// |v₁ − v₂| ≤ error_factor · (e₁ + e₂) + abs_tol + rel_tol · max(v₁, v₂).
///
/// # Errors
///
/// A message with both estimates when they do not.
pub fn check_agreement(a: &Estimate, b: &Estimate, options: &OracleOptions) -> Result<(), String> {
    let diff = (a.value - b.value).abs();
    let allowed = options.error_factor * (a.error + b.error)
        + options.abs_tol
        + options.rel_tol * a.value.abs().max(b.value.abs());
    if diff <= allowed {
        Ok(())
    } else {
        Err(format!(
            "estimates disagree: {:e} ± {:e} ({}) vs {:e} ± {:e} ({}): difference {:e} > allowed {:e}",
            a.value, a.error, a.method, b.value, b.error, b.method, diff, allowed
        ))
    }
}
