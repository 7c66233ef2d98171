//! The built-in reference suite: rectangle problems with reference values and their provenance.
//!
//! The cases live in `validation/data/suite.jsonl` (one JSON object per line), written by the
//! committed script `validation/data/generate_suite.py` with mpmath at 40 digits; the file is
//! compiled into the crate, so neither the tests nor the `orthant` tool need Python or the
//! source tree at run time.
//!
//! # Line format
//!
//! ```json
//! {"id": "d2-orthant-rho0.5", "category": "orthant-closed-form", "dim": 2,
//!  "covariance": {"dense": [[1.0, 0.5], [0.5, 1.0]]},
//!  "mean": [0.0, 0.0],
//!  "lower": ["-inf", "-inf"], "upper": [0.0, 0.0],
//!  "reference": 0.3333333333333333, "log_reference": -1.0986122886681098,
//!  "provenance": "closed form: 1/4 + asin(rho)/(2 pi) (mpmath)", "tolerance": 1e-12}
//! ```
//!
//! * `covariance` is one of `{"dense": rows}`, `{"diagonal": variances}`,
//!   `{"equicorrelated": {"dim": d, "rho": ρ}}` (unit variances) or
//!   `{"one_factor": {"loadings": λ, "diagonal": D}}` meaning Σ = diag(D) + λλᵀ. The compact
//!   forms keep d = 1000 cases small.
//! * `mean` is optional (zeros); limits use the encoding of [`crate::json_number`].
//! * `reference` is P rounded to a double; `log_reference` is ln P (`"-inf"` for P = 0).
//! * `df` (optional) makes the case a multivariate Student t: X = μ + Z/√(W/ν), Z ~ N(0, Σ),
//!   W ~ χ²_ν, ν = `df` (`covariance` is the scale matrix, `mean` the location); absent for the
//!   normal cases. The t cases live in `validation/data/suite_t.jsonl`, written by
//!   `validation/data/generate_suite_t.py`, and follow the normal ones in [`builtin`].
//! * `tolerance` is the relative error an exact method must meet on this case (the absolute
//!   error must be ≤ `tolerance` · P); it reflects the conditioning of the case (|ρ| near 1,
//!   far tails), not the accuracy of the reference, which is far better.

use crate::json_number::parse_extended_number;
use crate::problem_line::problem_from_fields;
use mvn_orthant::student_t::StudentProblem;
use mvn_orthant::{Covariance, Problem};
use serde::Deserialize;
use serde_json::Value;
use std::sync::OnceLock;

/// The suite file, compiled in.
pub const SUITE_JSONL: &str = include_str!("../data/suite.jsonl");

/// The Student t cases of the suite (lines with `df`), compiled in.
pub const SUITE_T_JSONL: &str = include_str!("../data/suite_t.jsonl");

/// A compactly described covariance matrix.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CovarianceSpec {
    /// Explicit rows.
    Dense(Vec<Vec<f64>>),
    /// A diagonal matrix with these variances.
    Diagonal(Vec<f64>),
    /// Unit variances and every correlation equal to `rho`.
    Equicorrelated {
        /// The dimension.
        dim: usize,
        /// The common correlation.
        rho: f64,
    },
    /// Σ = diag(D) + λλᵀ.
    OneFactor {
        /// The loadings λ.
        loadings: Vec<f64>,
        /// The diagonal D (≥ 0).
        diagonal: Vec<f64>,
    },
}

impl CovarianceSpec {
    /// The dimension.
    pub fn dim(&self) -> usize {
        match self {
            CovarianceSpec::Dense(rows) => rows.len(),
            CovarianceSpec::Diagonal(v) => v.len(),
            CovarianceSpec::Equicorrelated { dim, .. } => *dim,
            CovarianceSpec::OneFactor { loadings, .. } => loadings.len(),
        }
    }

    /// Builds the validated covariance.
    ///
    /// # Errors
    ///
    /// As [`Covariance::from_row_major`], and a dimension mismatch between loadings and diagonal.
    pub fn to_covariance(&self) -> mvn_orthant::Result<Covariance> {
        match self {
            CovarianceSpec::Dense(rows) => Covariance::from_rows(rows),
            CovarianceSpec::Diagonal(v) => {
                let d = v.len();
                let mut e = vec![0.0; d * d];
                for i in 0..d {
                    e[i * d + i] = v[i];
                }
                Covariance::from_row_major(d, e)
            }
            CovarianceSpec::Equicorrelated { dim, rho } => Covariance::equicorrelated(*dim, *rho),
            CovarianceSpec::OneFactor { loadings, diagonal } => {
                let d = loadings.len();
                if diagonal.len() != d {
                    return Err(mvn_orthant::Error::DimensionMismatch {
                        what: "one-factor diagonal".into(),
                        expected: d,
                        found: diagonal.len(),
                    });
                }
                let mut e = vec![0.0; d * d];
                for i in 0..d {
                    for j in 0..d {
                        e[i * d + j] = loadings[i] * loadings[j] + if i == j { diagonal[i] } else { 0.0 };
                    }
                }
                Covariance::from_row_major(d, e)
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    category: String,
    dim: usize,
    covariance: CovarianceSpec,
    mean: Option<Vec<f64>>,
    lower: Option<Value>,
    upper: Option<Value>,
    df: Option<Value>,
    reference: f64,
    log_reference: Value,
    provenance: String,
    tolerance: f64,
}

/// One reference case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// A unique, descriptive identifier.
    pub id: String,
    /// The family of the case (e.g. `"orthant-closed-form"`, `"one-factor-tail"`, `"singular"`).
    pub category: String,
    /// The dimension d.
    pub dim: usize,
    /// The validated problem (for a t case: location, scale matrix and limits).
    pub problem: Problem,
    /// The degrees of freedom ν of a multivariate t case; +∞ for the normal cases.
    pub degrees_of_freedom: f64,
    /// The reference probability.
    pub reference: f64,
    /// ln of the reference (−∞ for 0).
    pub log_reference: f64,
    /// Where the reference comes from.
    pub provenance: String,
    /// Relative tolerance for exact methods on this case.
    pub tolerance: f64,
}

impl Case {
    /// Whether an estimate meets this case's tolerance for exact methods:
    /// |value − reference| ≤ tolerance · reference (exact equality when the reference is 0).
    pub fn within_tolerance(&self, value: f64) -> bool {
        (value - self.reference).abs() <= self.tolerance * self.reference
    }

    /// Whether the case is a multivariate t (ν < ∞).
    pub fn is_student_t(&self) -> bool {
        self.degrees_of_freedom != f64::INFINITY
    }

    /// The case's problem with its degrees of freedom (ν = ∞ for the normal cases).
    pub fn student_problem(&self) -> StudentProblem {
        StudentProblem::new(self.problem.clone(), self.degrees_of_freedom)
            .expect("the degrees of freedom were validated when the case was built")
    }
}

/// Parses one suite line.
///
/// # Errors
///
/// A message for malformed JSON, unknown fields, or an invalid problem.
pub fn parse_case(line: &str) -> Result<Case, String> {
    let raw: RawCase = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let covariance = raw.covariance.to_covariance().map_err(|e| format!("case {}: {e}", raw.id))?;
    let d = covariance.dim();
    if d != raw.dim {
        return Err(format!("case {}: dim is {} but the covariance has dimension {d}", raw.id, raw.dim));
    }
    let problem = problem_from_fields(covariance, raw.mean, raw.lower.as_ref(), raw.upper.as_ref())
        .map_err(|e| format!("case {}: {e}", raw.id))?;
    let nu =
        crate::student::degrees_of_freedom(raw.df.as_ref()).map_err(|e| format!("case {}: {e}", raw.id))?;
    StudentProblem::new(problem.clone(), nu).map_err(|e| format!("case {}: {e}", raw.id))?;
    let log_reference = parse_extended_number(&raw.log_reference, "log_reference")
        .map_err(|e| format!("case {}: {e}", raw.id))?;
    if !(raw.reference >= 0.0 && raw.reference <= 1.0) {
        return Err(format!("case {}: reference {} is not a probability", raw.id, raw.reference));
    }
    Ok(Case {
        id: raw.id,
        category: raw.category,
        dim: d,
        problem,
        degrees_of_freedom: nu,
        reference: raw.reference,
        log_reference,
        provenance: raw.provenance,
        tolerance: raw.tolerance,
    })
}

/// Parses a JSON Lines suite (blank lines are skipped).
///
/// # Errors
///
/// The first malformed line, with its line number.
pub fn parse_suite(text: &str) -> Result<Vec<Case>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| parse_case(l).map_err(|e| format!("suite line {}: {e}", n + 1)))
        .collect()
}

/// The built-in suite (the normal cases, then the Student t cases), parsed once and cached.
///
/// # Errors
///
/// A message if the compiled-in file is malformed (a bug caught by the crate's tests).
pub fn builtin() -> Result<&'static [Case], String> {
    static SUITE: OnceLock<Result<Vec<Case>, String>> = OnceLock::new();
    SUITE
        .get_or_init(|| {
            let mut cases = parse_suite(SUITE_JSONL)?;
            cases.extend(parse_suite(SUITE_T_JSONL).map_err(|e| format!("suite_t.jsonl: {e}"))?);
            Ok(cases)
        })
        .as_deref()
        .map_err(Clone::clone)
}
