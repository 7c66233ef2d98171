//! `orthant eval [--seed S] [--shard K/N] [FILE|-]`: rectangle probabilities from JSON Lines.
//!
//! # Input (one object per line)
//!
//! | field | type | default |
//! |---|---|---|
//! | `id` | string (echoed back as given) | `null` |
//! | `covariance` | array of d rows of d numbers (required) | |
//! | `mean` | array of d numbers | zeros |
//! | `lower`, `upper` | array of d entries: number, `null`, `"-inf"`, `"inf"`; `null` array = unbounded | unbounded |
//! | `method` | `"auto"`, `"exact"`, `"genz"`, `"monte-carlo"`, … (any name `MethodChoice` parses) | `"auto"` |
//! | `abs_tol`, `rel_tol` | numbers ≥ 0 | 1e-6, 0 |
//! | `max_evaluations` | integer > 0 | 10⁷ |
//! | `seed` | integer ≥ 0 | [`seed_for_id`]`(S, id)` (see *Seeds*) |
//! | `gradient` | bool | false |
//! | `df` | degrees of freedom ν > 0 of a multivariate t (`covariance` is then its scale matrix and `mean` its location); `null` or `"inf"`: the normal | normal |
//!
//! The reference fields of an `orthant suite` line (`reference`, `reference_error`,
//! `log_reference`, `tags`, `provenance`, `reference_grad_upper`, `reference_grad_lower`,
//! `reference_grad_mean`, `gradient_provenance`) are accepted and ignored, so suite lines are valid
//! input. Other unknown fields are rejected (kind `"invalid-input"`), so a typo such as `"uper"`
//! is reported instead of silently ignored.
//!
//! # Output (one object per line, same order)
//!
//! `id`, `value`, `log_value`, `error` (absolute error estimate: 0 for exact methods, the 99%
//! half-width otherwise), `method` (the algorithm that produced the value, e.g. `"bivariate"`,
//! `"genz"`, `"monte-carlo"`), `evaluations`, `seconds`, `converged`, and with `gradient`:
//! `grad_lower`, `grad_upper`, `grad_mean`. Non-finite numbers are written as the strings
//! `"inf"`, `"-inf"`, `"nan"` (e.g. `log_value` of a zero probability is `"-inf"`).
//!
//! With `df` the problem is P(a ≤ X ≤ b) for X = μ + Z/√(W/ν), Z ~ N(0, Σ), W ~ χ²_ν
//! independent ([`crate::student`]): `auto` and `exact` use the exact t methods (d ≤ 3 and
//! one-factor scale matrices), `gradient` their conditioning gradient; the output fields are
//! the same. A `df` that is not a number, `null` or `"inf"` is kind `"invalid-input"`; ν ≤ 0 is
//! kind `"invalid-argument"`.
//!
//! A failing line gives `{"id": …, "status": "error", "kind": …, "message": …}`.
//!
//! # Seeds
//!
//! A line's own `seed` is authoritative: it is the seed of the method, as given. A line without
//! one gets [`seed_for_id`]`(S, id)` = SplitMix64(S, FNV-1a₆₄(key(id)))
//! ([`mvn_orthant::qmc::derive_seed`] of the sweep seed S, `--seed`, default 0, and [`fnv1a_64`]
//! of the id's key: the UTF-8 bytes of a string id, the compact JSON text of any other id, so
//! `1` and `"1"` share a stream, as do all lines without an id, key `null`). A problem's random
//! stream is thus a function of S and its id alone, never of its position in the input or of
//! the process that runs it, and different ids get independent streams. The Python package
//! applies the same rule (`mvn_orthant.sweep`).
//!
//! # Shards
//!
//! `--shard K/N` answers only the non-blank lines of 0-based index i ≡ K − 1 (mod N) (see
//! [`super::Shard`]). With the seed rule above, the N shard outputs, interleaved round-robin
//! (line j of shard K is input line j·N + K − 1) or matched by `id`, equal the unsharded output
//! line for line, except for `seconds`, the wall-clock time.

use super::LineError;
use crate::json_number::{json_vec, JsonF64};
use crate::problem_line::{problem_from_fields, FieldError};
use crate::student;
use mvn_orthant::qmc::derive_seed;
use mvn_orthant::student_t::StudentProblem;
use mvn_orthant::{Covariance, MethodChoice, Settings};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;
use std::time::Instant;

/// One `eval` request, as read from a line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalRequest {
    /// Identifier echoed to the output.
    #[serde(default)]
    pub id: Value,
    /// The covariance rows.
    pub covariance: Vec<Vec<f64>>,
    /// The mean (zeros when absent).
    #[serde(default)]
    pub mean: Option<Vec<f64>>,
    /// Lower limits (see the module docs).
    #[serde(default)]
    pub lower: Option<Value>,
    /// Upper limits.
    #[serde(default)]
    pub upper: Option<Value>,
    /// Method name.
    #[serde(default)]
    pub method: Option<String>,
    /// Absolute tolerance.
    #[serde(default)]
    pub abs_tol: Option<f64>,
    /// Relative tolerance.
    #[serde(default)]
    pub rel_tol: Option<f64>,
    /// Evaluation budget.
    #[serde(default)]
    pub max_evaluations: Option<u64>,
    /// Seed; when absent, [`seed_for_id`] of the sweep seed and the id.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Whether to compute the gradient.
    #[serde(default)]
    pub gradient: bool,
    /// The degrees of freedom ν of a multivariate t: a positive number, `null` or `"inf"` (the
    /// normal, also when absent); see [`student::degrees_of_freedom`].
    #[serde(default)]
    pub df: Option<Value>,
    /// `reference` of an `orthant suite` line: accepted and ignored (so suite lines are valid
    /// `eval` input), as are the four fields below.
    #[serde(default)]
    pub reference: Option<Value>,
    /// `reference_error` of a suite line (ignored).
    #[serde(default)]
    pub reference_error: Option<Value>,
    /// `log_reference` of a suite line (ignored).
    #[serde(default)]
    pub log_reference: Option<Value>,
    /// `tags` of a suite line (ignored).
    #[serde(default)]
    pub tags: Option<Value>,
    /// `provenance` of a suite line (ignored).
    #[serde(default)]
    pub provenance: Option<Value>,
    /// `reference_grad_upper` of a suite line (ignored).
    #[serde(default)]
    pub reference_grad_upper: Option<Value>,
    /// `reference_grad_lower` of a suite line (ignored).
    #[serde(default)]
    pub reference_grad_lower: Option<Value>,
    /// `reference_grad_mean` of a suite line (ignored).
    #[serde(default)]
    pub reference_grad_mean: Option<Value>,
    /// `gradient_provenance` of a suite line (ignored).
    #[serde(default)]
    pub gradient_provenance: Option<Value>,
}

/// One successful `eval` output line.
#[derive(Debug, Clone, Serialize)]
pub struct EvalOutput {
    /// The request's id.
    pub id: Value,
    /// P.
    pub value: JsonF64,
    /// ln P.
    pub log_value: JsonF64,
    /// Absolute error estimate.
    pub error: JsonF64,
    /// The algorithm that produced the value.
    pub method: String,
    /// Integrand evaluations.
    pub evaluations: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Whether the tolerance was met.
    pub converged: bool,
    /// ∂P/∂a (with `gradient`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_lower: Option<Vec<JsonF64>>,
    /// ∂P/∂b (with `gradient`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_upper: Option<Vec<JsonF64>>,
    /// ∂P/∂μ (with `gradient`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_mean: Option<Vec<JsonF64>>,
}

/// FNV-1a, 64-bit (Fowler, Noll and Vo): offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3; h ← (h ⊕ byte)·prime over the bytes. A stable hash of a problem id, the same
/// on every platform and in every process.
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The seed of a request without its own `seed`: `derive_seed(sweep_seed, fnv1a_64(key))`, with
/// key the UTF-8 bytes of a string `id` and the compact JSON text of any other (`null` when
/// absent). See the module docs, *Seeds*.
pub fn seed_for_id(sweep_seed: u64, id: &Value) -> u64 {
    let key = match id {
        Value::String(s) => fnv1a_64(s.as_bytes()),
        other => fnv1a_64(other.to_string().as_bytes()),
    };
    derive_seed(sweep_seed, key)
}

/// Builds the validated problem (normal when the request has no `df`), method and settings of a
/// request; `sweep_seed` is the S of the seed rule (module docs, *Seeds*).
///
/// # Errors
///
/// A [`LineError`] naming the offending field.
pub fn prepare(
    request: &EvalRequest,
    sweep_seed: u64,
) -> Result<(StudentProblem, MethodChoice, Settings), LineError> {
    let covariance = Covariance::from_rows(&request.covariance)?;
    let problem =
        problem_from_fields(covariance, request.mean.clone(), request.lower.as_ref(), request.upper.as_ref())
            .map_err(|e| match e {
                FieldError::Limits(e) => LineError::new(e.kind(), e.to_string()),
                FieldError::Problem(e) => LineError::from(e),
            })?;
    let nu =
        student::degrees_of_freedom(request.df.as_ref()).map_err(|m| LineError::new("invalid-input", m))?;
    let problem = StudentProblem::new(problem, nu)?;
    let choice = match &request.method {
        None => MethodChoice::Auto,
        Some(name) => MethodChoice::from_str(name)?,
    };
    let defaults = Settings::default();
    let settings = Settings {
        abs_tol: request.abs_tol.unwrap_or(defaults.abs_tol),
        rel_tol: request.rel_tol.unwrap_or(defaults.rel_tol),
        max_evaluations: request.max_evaluations.unwrap_or(defaults.max_evaluations),
        seed: request.seed.unwrap_or_else(|| seed_for_id(sweep_seed, &request.id)),
    };
    settings.validate()?;
    Ok((problem, choice, settings))
}

/// Evaluates one request under the sweep seed `sweep_seed` (module docs, *Seeds*).
///
/// # Errors
///
/// A [`LineError`] for invalid input or a method that does not apply.
pub fn evaluate(request: &EvalRequest, sweep_seed: u64) -> Result<EvalOutput, LineError> {
    let (problem, choice, settings) = prepare(request, sweep_seed)?;
    let start = Instant::now();
    let (estimate, gradient) = if request.gradient {
        let (e, g) = student::integrate_with_gradient(&problem, choice, &settings)?;
        (e, Some(g))
    } else {
        (student::integrate(&problem, choice, &settings)?, None)
    };
    let seconds = start.elapsed().as_secs_f64();
    Ok(EvalOutput {
        id: request.id.clone(),
        value: JsonF64(estimate.value),
        log_value: JsonF64(estimate.log_value),
        error: JsonF64(estimate.error),
        method: estimate.method.name().to_string(),
        evaluations: estimate.evaluations,
        seconds,
        converged: estimate.converged,
        grad_lower: gradient.as_ref().map(|g| json_vec(&g.lower)),
        grad_upper: gradient.as_ref().map(|g| json_vec(&g.upper)),
        grad_mean: gradient.as_ref().map(|g| json_vec(&g.mean)),
    })
}

/// Handles one parsed line under the sweep seed `sweep_seed`: deserialise, evaluate, serialise
/// (the handler of [`super::run_shard_lines`] for `orthant eval --seed S`).
///
/// # Errors
///
/// A [`LineError`] for anything that goes wrong.
pub fn handle_line(_id: &Value, line: Value, sweep_seed: u64) -> Result<String, LineError> {
    super::answer_line(line, |request: EvalRequest| evaluate(&request, sweep_seed))
}

/// The output line (without its newline) of one non-blank `orthant eval --seed S` input line:
/// the answer, or the error line, exactly as the CLI writes it (the Python package's
/// `mvn_orthant.sweep` calls this). The `bool` is whether the line failed.
pub fn eval_line(line: &str, sweep_seed: u64) -> (String, bool) {
    let (text, failure) = super::answer_or_error_line(line, &mut |id, v| handle_line(id, v, sweep_seed));
    (text, failure.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fnv1a_64_matches_the_published_test_vectors() {
        // Test vectors of the FNV reference (Noll, "FNV hash", test suite of fnv-1a 64-bit).
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn seed_for_id_depends_on_the_id_and_the_sweep_seed_only() {
        let a = seed_for_id(7, &json!("d2-orthant"));
        assert_eq!(a, derive_seed(7, fnv1a_64(b"d2-orthant")));
        assert_ne!(a, seed_for_id(8, &json!("d2-orthant")));
        assert_ne!(a, seed_for_id(7, &json!("d2-orthant2")));
        assert_eq!(seed_for_id(0, &json!(12)), seed_for_id(0, &json!("12")));
        assert_eq!(seed_for_id(0, &Value::Null), derive_seed(0, fnv1a_64(b"null")));
    }
}
