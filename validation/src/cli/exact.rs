//! `orthant exact [FILE|-]`: the EXACT expected accuracy from JSON Lines.
//!
//! For scores s ~ N(μ, σ²I) with μ the logits and true class y, the expected accuracy is
//! A = P(s_y > max_{i≠y} s_i), an orthant probability of the delta vector (Karpukhin, Dereka,
//! Kolesnikov, arXiv 2205.09615). With a margin r the deltas μ_y − μ_i are clipped from above
//! at r before dividing by σ.
//!
//! # Input (one object per line)
//!
//! | field | type | default |
//! |---|---|---|
//! | `id` | string (echoed) | `null` |
//! | `logits` | array of C ≥ 1 finite numbers (required; C = 1 gives A = 1) | |
//! | `label` | integer in 0..C (required) | |
//! | `sigma` | number > 0 (required) | |
//! | `margin` | number > 0 | none (no clipping) |
//! | `method` | `"quadrature"`, `"genz"`, `"monte-carlo"` | `"quadrature"` |
//! | `samples` | integer > 0 (genz, monte-carlo) | method default |
//! | `seed` | integer ≥ 0 | 0 |
//!
//! # Output
//!
//! `id`, `accuracy`, `log_error_probability` (ln(1 − A): accurate relative to 1 − A where A
//! rounds to 1; `"-inf"` when A = 1 exactly, e.g. for one class; for `genz` and `monte-carlo`
//! the log of 1 − their estimate), `grad_logits` (∂A/∂logits, length C), `grad_sigma` (∂A/∂σ),
//! `error` (absolute error estimate of `accuracy`), `method`, `seconds`. Non-finite numbers are
//! strings (`"inf"`, `"-inf"`, `"nan"`, see [`crate::json_number`]). Errors as for `eval`.
//!
//! The computation itself is delegated to the `exact-loss` crate through [`compute`]
//! ([`exact_loss::expected_accuracy`]). Defaults: `genz` uses 16 samples (the authors' choice),
//! `monte-carlo` 100 000.

use super::LineError;
use crate::json_number::{json_vec, JsonF64};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Instant;

/// The estimator of the expected accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactMethod {
    /// The exact 1-D quadrature of the one-factor representation (deterministic).
    Quadrature,
    /// Genz's estimator (as in the authors' code).
    Genz,
    /// Crude Monte Carlo.
    MonteCarlo,
}

impl ExactMethod {
    /// Every method.
    pub const ALL: [ExactMethod; 3] = [ExactMethod::Quadrature, ExactMethod::Genz, ExactMethod::MonteCarlo];

    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            ExactMethod::Quadrature => "quadrature",
            ExactMethod::Genz => "genz",
            ExactMethod::MonteCarlo => "monte-carlo",
        }
    }

    /// Parses a name.
    ///
    /// # Errors
    ///
    /// An `"invalid-argument"` error listing the names.
    pub fn parse(name: &str) -> Result<Self, LineError> {
        Self::ALL.into_iter().find(|m| m.name() == name).ok_or_else(|| {
            LineError::new(
                "invalid-argument",
                format!(
                    "invalid method: unknown EXACT method {name:?}; expected one of {}",
                    Self::ALL.map(Self::name).join(", ")
                ),
            )
        })
    }
}

/// One `exact` request, as read from a line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExactRequest {
    /// Identifier echoed to the output.
    #[serde(default)]
    pub id: Value,
    /// The logits μ (C ≥ 1).
    pub logits: Vec<f64>,
    /// The true class y.
    pub label: usize,
    /// The score standard deviation σ > 0.
    pub sigma: f64,
    /// Optional margin r > 0.
    #[serde(default)]
    pub margin: Option<f64>,
    /// Method name.
    #[serde(default)]
    pub method: Option<String>,
    /// Sample count for the stochastic methods.
    #[serde(default)]
    pub samples: Option<u64>,
    /// Seed for the stochastic methods.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// A validated request.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactInput {
    /// The logits.
    pub logits: Vec<f64>,
    /// The label.
    pub label: usize,
    /// σ.
    pub sigma: f64,
    /// The margin, if any.
    pub margin: Option<f64>,
    /// The method.
    pub method: ExactMethod,
    /// Samples, if given.
    pub samples: Option<u64>,
    /// The seed.
    pub seed: u64,
}

/// The result of the computation.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactResult {
    /// A.
    pub accuracy: f64,
    /// ln(1 − A).
    pub log_error_probability: f64,
    /// ∂A/∂logits.
    pub grad_logits: Vec<f64>,
    /// ∂A/∂σ.
    pub grad_sigma: f64,
    /// Absolute error estimate of A.
    pub error: f64,
    /// The method's name as reported by the computation.
    pub method: String,
}

/// One successful output line.
#[derive(Debug, Clone, Serialize)]
pub struct ExactOutput {
    /// The request's id.
    pub id: Value,
    /// A.
    pub accuracy: JsonF64,
    /// ln(1 − A) (`"-inf"` when A = 1 exactly).
    pub log_error_probability: JsonF64,
    /// ∂A/∂logits.
    pub grad_logits: Vec<JsonF64>,
    /// ∂A/∂σ.
    pub grad_sigma: JsonF64,
    /// Absolute error estimate.
    pub error: JsonF64,
    /// The method.
    pub method: String,
    /// Wall-clock seconds.
    pub seconds: f64,
}

fn invalid(name: &str, reason: String) -> LineError {
    LineError::from(mvn_orthant::Error::InvalidArgument { name: name.into(), reason })
}

/// Validates a request.
///
/// # Errors
///
/// A [`LineError`] naming the offending field.
pub fn validate(r: &ExactRequest) -> Result<ExactInput, LineError> {
    let c = r.logits.len();
    if c < 1 {
        return Err(invalid("logits", "no logits given; at least 1 class is needed".into()));
    }
    if let Some((i, v)) = r.logits.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(LineError::from(mvn_orthant::Error::NonFinite {
            what: "logits".into(),
            index: vec![i],
            value: *v,
        }));
    }
    if r.label >= c {
        return Err(invalid("label", format!("label {} is not a class index in 0..{c}", r.label)));
    }
    if !(r.sigma.is_finite() && r.sigma > 0.0) {
        return Err(invalid("sigma", format!("sigma = {} must be a finite number > 0", r.sigma)));
    }
    if let Some(m) = r.margin {
        if !(m.is_finite() && m > 0.0) {
            return Err(invalid("margin", format!("margin = {m} must be a finite number > 0")));
        }
    }
    if r.samples == Some(0) {
        return Err(LineError::from(mvn_orthant::Error::InvalidBudget {
            name: "samples".into(),
            value: 0,
            reason: "at least one sample is needed".into(),
        }));
    }
    let method = match &r.method {
        None => ExactMethod::Quadrature,
        Some(name) => ExactMethod::parse(name)?,
    };
    Ok(ExactInput {
        logits: r.logits.clone(),
        label: r.label,
        sigma: r.sigma,
        margin: r.margin,
        method,
        samples: r.samples,
        seed: r.seed.unwrap_or(0),
    })
}

/// Default sample count of the `genz` method (the authors' choice).
pub const DEFAULT_GENZ_SAMPLES: u32 = 16;
/// Default sample count of the `monte-carlo` method.
pub const DEFAULT_MONTE_CARLO_SAMPLES: u32 = 100_000;

/// The adapter to the `exact-loss` crate: computes A and its gradients for a validated input
/// with [`exact_loss::expected_accuracy`].
///
/// The margin r is applied by clipping the logits from below at μ_y − r (so that every delta
/// μ_y − μ_i is at most r), and the gradient is then mapped back: a clipped logit gets no
/// gradient, and its share does not flow to μ_y either (the clipped delta is the constant r);
/// ∂A/∂σ is unchanged.
///
/// # Errors
///
/// An `"invalid-argument"` error for a sample count above 2³² − 1, and the crate's errors.
pub fn compute(input: &ExactInput) -> Result<ExactResult, LineError> {
    let samples = |default: u32| -> Result<u32, LineError> {
        match input.samples {
            None => Ok(default),
            Some(n) => u32::try_from(n)
                .map_err(|_| invalid("samples", format!("samples = {n} exceeds the limit {}", u32::MAX))),
        }
    };
    let backend = match input.method {
        ExactMethod::Quadrature => exact_loss::Backend::Quadrature,
        ExactMethod::Genz => {
            exact_loss::Backend::Genz { samples: samples(DEFAULT_GENZ_SAMPLES)?, seed: input.seed }
        }
        ExactMethod::MonteCarlo => exact_loss::Backend::MonteCarlo {
            samples: samples(DEFAULT_MONTE_CARLO_SAMPLES)?,
            seed: input.seed,
        },
    };
    let y = input.label;
    let top = input.logits[y];
    let clipped: Vec<bool> = input
        .logits
        .iter()
        .enumerate()
        .map(|(i, &l)| i != y && input.margin.is_some_and(|r| top - l > r))
        .collect();
    let logits: Vec<f64> = input
        .logits
        .iter()
        .zip(&clipped)
        .map(|(&l, &c)| if c { top - input.margin.unwrap_or(f64::INFINITY) } else { l })
        .collect();
    let a = exact_loss::expected_accuracy(&logits, y, input.sigma, backend).map_err(loss_error)?;
    // ln(1 − A): for the quadrature by the complement integral, accurate relative to 1 − A for
    // every A; for the estimators, the log of 1 − their estimate.
    let log_error_probability = match input.method {
        ExactMethod::Quadrature => {
            exact_loss::log_error_probability(&logits, y, input.sigma).map_err(loss_error)?
        }
        _ => a.log_error_probability,
    };
    let mut grad = a.d_logits.clone();
    for i in 0..grad.len() {
        if clipped[i] {
            grad[y] += grad[i];
            grad[i] = 0.0;
        }
    }
    Ok(ExactResult {
        accuracy: a.value,
        log_error_probability,
        grad_logits: grad,
        grad_sigma: a.d_sigma,
        error: a.error,
        method: input.method.name().to_string(),
    })
}

fn loss_error(e: exact_loss::LossError) -> LineError {
    match e {
        exact_loss::LossError::Orthant(inner) => LineError::from(inner),
        other => LineError::new("invalid-argument", other.to_string()),
    }
}

/// Handles one parsed line (the handler of [`super::run_lines`] for `orthant exact`).
///
/// # Errors
///
/// A [`LineError`] for anything that goes wrong.
pub fn handle_line(_id: &Value, line: Value) -> Result<String, LineError> {
    super::answer_line(line, |request: ExactRequest| {
        let input = validate(&request)?;
        let start = Instant::now();
        let result = compute(&input)?;
        Ok(ExactOutput {
            id: request.id,
            accuracy: JsonF64(result.accuracy),
            log_error_probability: JsonF64(result.log_error_probability),
            grad_logits: json_vec(&result.grad_logits),
            grad_sigma: JsonF64(result.grad_sigma),
            error: JsonF64(result.error),
            method: result.method,
            seconds: start.elapsed().as_secs_f64(),
        })
    })
}
