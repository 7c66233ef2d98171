//! The problem fields of every JSON line the tools read and write: `id`, `covariance` (dense
//! rows), `mean`, `lower` and `upper` (infinite limits as strings, see [`crate::json_number`]),
//! and `df`, the degrees of freedom of a multivariate t (absent for the normal; see
//! [`crate::student`]).
//!
//! An `orthant eval` request is exactly these fields (plus optional settings); an `orthant suite`
//! line and a counterexample of `orthant validate --property` are these fields followed by
//! their own (the references, the answer). [`ProblemLine`] writes them once for all three
//! (flattened into the longer lines with `#[serde(flatten)]`), and [`problem_from_fields`]
//! reads them back into a validated [`Problem`] for the suite files, the suite lines and the
//! `eval` requests.

use crate::json_number::{json_vec, parse_limits, JsonF64, LimitsError, Side};
use mvn_orthant::student_t::StudentProblem;
use mvn_orthant::{Covariance, Problem};
use serde::Serialize;
use serde_json::Value;

/// The problem fields of a JSON line, in their order on the line.
///
/// ```
/// use mvn_orthant::{Covariance, Problem};
/// use validation::problem_line::ProblemLine;
/// let p = Problem::lower_orthant(Covariance::identity(1).unwrap(), vec![0.5]).unwrap();
/// let line = serde_json::to_string(&ProblemLine::new("a", &p)).unwrap();
/// assert_eq!(line, r#"{"id":"a","covariance":[[1.0]],"mean":[0.0],"lower":["-inf"],"upper":[0.5]}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemLine<'a> {
    /// The case or request id.
    pub id: &'a str,
    /// The covariance matrix, one array per row.
    pub covariance: Vec<Vec<f64>>,
    /// The mean μ.
    pub mean: &'a [f64],
    /// The lower limits a (`"-inf"` where unbounded).
    pub lower: Vec<JsonF64>,
    /// The upper limits b (`"inf"` where unbounded).
    pub upper: Vec<JsonF64>,
    /// The degrees of freedom ν of a multivariate t (`covariance` is then its scale matrix and
    /// `mean` its location); `None`, and no field on the line, for the normal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub df: Option<f64>,
}

impl<'a> ProblemLine<'a> {
    /// The fields of `problem` under `id`.
    pub fn new(id: &'a str, problem: &'a Problem) -> Self {
        let d = problem.dim();
        let sigma = problem.covariance();
        ProblemLine {
            id,
            covariance: (0..d).map(|i| (0..d).map(|j| sigma.get(i, j)).collect()).collect(),
            mean: problem.mean(),
            lower: json_vec(problem.lower()),
            upper: json_vec(problem.upper()),
            df: None,
        }
    }

    /// The fields of a multivariate t problem (`df` = ν; no `df` when ν = ∞).
    ///
    /// ```
    /// use mvn_orthant::{student_t::StudentProblem, Covariance, Problem};
    /// use validation::problem_line::ProblemLine;
    /// let p = Problem::lower_orthant(Covariance::identity(1).unwrap(), vec![0.5]).unwrap();
    /// let t = StudentProblem::new(p, 2.5).unwrap();
    /// let line = serde_json::to_string(&ProblemLine::student("a", &t)).unwrap();
    /// assert!(line.ends_with(r#""upper":[0.5],"df":2.5}"#));
    /// ```
    pub fn student(id: &'a str, problem: &'a StudentProblem) -> Self {
        ProblemLine {
            df: crate::student::df_field(problem.degrees_of_freedom()),
            ..Self::new(id, problem.problem())
        }
    }
}

/// Why the problem fields of a line do not make a problem.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldError {
    /// A limits array is malformed or of the wrong length.
    Limits(LimitsError),
    /// The problem is invalid (mean of the wrong length, limits out of order, …).
    Problem(mvn_orthant::Error),
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldError::Limits(e) => write!(f, "{e}"),
            FieldError::Problem(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FieldError {}

/// The validated problem of a line's fields: the mean defaults to 0 and absent or `null` limits
/// to unbounded (see [`parse_limits`]).
///
/// # Errors
///
/// [`FieldError::Limits`] for malformed limits, [`FieldError::Problem`] for an invalid problem.
pub fn problem_from_fields(
    covariance: Covariance,
    mean: Option<Vec<f64>>,
    lower: Option<&Value>,
    upper: Option<&Value>,
) -> Result<Problem, FieldError> {
    let d = covariance.dim();
    let lower = parse_limits(lower, d, Side::Lower).map_err(FieldError::Limits)?;
    let upper = parse_limits(upper, d, Side::Upper).map_err(FieldError::Limits)?;
    let mean = mean.unwrap_or_else(|| vec![0.0; d]);
    Problem::new(mean, covariance, lower, upper).map_err(FieldError::Problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_bad_fields_are_typed() {
        let sigma = Covariance::equicorrelated(2, 0.5).unwrap();
        let p = Problem::new(
            vec![0.1, 0.0],
            sigma.clone(),
            vec![f64::NEG_INFINITY, -1.0],
            vec![0.5, f64::INFINITY],
        )
        .unwrap();
        let text = serde_json::to_string(&ProblemLine::new("x", &p)).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let mean: Vec<f64> = serde_json::from_value(v["mean"].clone()).unwrap();
        let back = problem_from_fields(sigma.clone(), Some(mean), v.get("lower"), v.get("upper")).unwrap();
        assert_eq!(back, p);
        let short: Value = serde_json::json!([0.0]);
        assert!(matches!(
            problem_from_fields(sigma.clone(), None, Some(&short), None),
            Err(FieldError::Limits(_))
        ));
        let reversed: Value = serde_json::json!([1.0, 1.0]);
        let upper: Value = serde_json::json!([0.0, 0.0]);
        assert!(matches!(
            problem_from_fields(sigma, Some(vec![0.0; 3]), Some(&reversed), Some(&upper)),
            Err(FieldError::Problem(_))
        ));
    }
}
