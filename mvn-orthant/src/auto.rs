//! Method choice: one entry point that picks the best integrator for a problem, or runs the one
//! the user forces.
//!
//! The `auto` rule, in order:
//!
//! 1. Coordinates whose two limits are infinite are dropped (they integrate to 1); if none is
//!    left the probability is exactly 1.
//! 2. d = 1 → univariate; d = 2 → bivariate; d = 3 → trivariate (exact methods).
//! 3. A one-factor covariance (diagonal plus rank one) → the 1-D reduction (exact).
//! 4. Otherwise → the Genz integrator with the requested tolerances.
//!
//! Stages that are not built yet answer [`Error::MethodNotApplicable`] with a clear reason.

use crate::error::{Error, Result};
use crate::estimate::{Estimate, Integrator, Method};
use crate::gradient::Gradient;
use crate::monte_carlo::MonteCarlo;
use crate::problem::Problem;
use std::fmt;
use std::str::FromStr;

/// Which method the user asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MethodChoice {
    /// The best applicable method (see the module docs).
    #[default]
    Auto,
    /// An exact method (fails when none applies).
    Exact,
    /// The Genz integrator, forced for any problem.
    Genz,
    /// Crude Monte Carlo.
    MonteCarlo,
}

impl MethodChoice {
    /// Every choice, in the order reports list them.
    pub const ALL: [MethodChoice; 4] =
        [MethodChoice::Auto, MethodChoice::Exact, MethodChoice::Genz, MethodChoice::MonteCarlo];

    /// The stable name (`"auto"`, `"exact"`, `"genz"`, `"monte-carlo"`).
    pub fn name(self) -> &'static str {
        match self {
            MethodChoice::Auto => "auto",
            MethodChoice::Exact => "exact",
            MethodChoice::Genz => "genz",
            MethodChoice::MonteCarlo => "monte-carlo",
        }
    }
}

impl fmt::Display for MethodChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MethodChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        MethodChoice::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| Error::InvalidArgument {
            name: "method".into(),
            reason: format!(
                "unknown method {s:?}; expected one of {}",
                MethodChoice::ALL.map(MethodChoice::name).join(", ")
            ),
        })
    }
}

/// Tolerances, budget and seed shared by every method (exact methods ignore them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Absolute error target (≥ 0).
    pub abs_tol: f64,
    /// Relative error target (≥ 0); the target is max(abs_tol, rel_tol · P).
    pub rel_tol: f64,
    /// Largest number of integrand evaluations (samples) a stochastic method may spend.
    pub max_evaluations: u64,
    /// Seed of the randomisation.
    pub seed: u64,
}

impl Default for Settings {
    /// abs_tol 1e-6, rel_tol 0, 10⁷ evaluations, seed 0.
    fn default() -> Self {
        Settings { abs_tol: 1e-6, rel_tol: 0.0, max_evaluations: 10_000_000, seed: 0 }
    }
}

impl Settings {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTolerance`] for a negative or non-finite tolerance or both tolerances 0;
    /// [`Error::InvalidBudget`] for a zero evaluation budget.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [("abs_tol", self.abs_tol), ("rel_tol", self.rel_tol)] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::InvalidTolerance { name: name.into(), value });
            }
        }
        if self.abs_tol == 0.0 && self.rel_tol == 0.0 {
            return Err(Error::InvalidTolerance { name: "abs_tol".into(), value: 0.0 });
        }
        if self.max_evaluations == 0 {
            return Err(Error::InvalidBudget {
                name: "max_evaluations".into(),
                value: 0,
                reason: "at least one evaluation is needed".into(),
            });
        }
        Ok(())
    }
}

/// Computes P(a ≤ X ≤ b) with the chosen method.
///
/// # Errors
///
/// Invalid settings, or [`Error::MethodNotApplicable`] when the forced method cannot handle the
/// problem.
pub fn integrate(problem: &Problem, choice: MethodChoice, settings: &Settings) -> Result<Estimate> {
    settings.validate()?;
    match choice {
        MethodChoice::MonteCarlo => MonteCarlo::new(settings.max_evaluations.min(1 << 24), settings.seed)?
            .integrate(problem),
        MethodChoice::Auto | MethodChoice::Exact => {
            let Some(reduced) = problem.without_unbounded() else {
                return Ok(Estimate::exact(1.0, Method::Trivial, 0));
            };
            Err(Error::MethodNotApplicable {
                method: choice.name().into(),
                reason: format!("no exact method for this {}-dimensional problem yet", reduced.dim()),
            })
        }
        MethodChoice::Genz => Err(Error::MethodNotApplicable {
            method: "genz".into(),
            reason: "the Genz integrator is not built yet".into(),
        }),
    }
}

/// Computes P and its gradient with the chosen method.
///
/// # Errors
///
/// As [`integrate`]; Monte Carlo gives no gradient.
pub fn integrate_with_gradient(
    problem: &Problem,
    choice: MethodChoice,
    settings: &Settings,
) -> Result<(Estimate, Gradient)> {
    settings.validate()?;
    let _ = problem;
    Err(Error::MethodNotApplicable {
        method: choice.name().into(),
        reason: "gradients are not available for this method yet".into(),
    })
}

/// The `auto` method as an [`Integrator`], for harnesses that take integrators.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Auto {
    /// Which method to run.
    pub choice: MethodChoice,
    /// Its settings.
    pub settings: Settings,
}

impl Integrator for Auto {
    fn name(&self) -> String {
        self.choice.name().into()
    }

    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        integrate(problem, self.choice, &self.settings)
    }
}
