//! The crate's single error type.
//!
//! Every constructor validates its input once and reports the first problem it finds as one of
//! these variants; evaluation on a validated problem is then infallible, except where a method
//! does not apply to a problem (for example the bivariate formula asked for a 5-dimensional box).

use std::fmt;

/// Everything that can go wrong when building or evaluating a problem.
///
/// Messages name the offending entry (with zero-based indices) and say what was expected, so a
/// user can act on them without reading the source.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A problem of dimension zero was requested.
    DimensionZero,
    /// Two inputs that must have the same length do not.
    DimensionMismatch {
        /// Which input has the wrong length (e.g. `"mean"`, `"lower"`, `"covariance row 3"`).
        what: String,
        /// The length that was expected.
        expected: usize,
        /// The length that was found.
        found: usize,
    },
    /// A number that must be finite is NaN or infinite (limits may be infinite, but never NaN).
    NonFinite {
        /// Which input holds the entry (e.g. `"mean"`, `"covariance"`).
        what: String,
        /// Position of the entry: `[i]` for vectors, `[i, j]` for matrices.
        index: Vec<usize>,
        /// The offending value.
        value: f64,
    },
    /// The covariance matrix is not symmetric within the documented tolerance.
    Asymmetric {
        /// Row of the first asymmetric pair found.
        row: usize,
        /// Column of the first asymmetric pair found.
        col: usize,
        /// `Σ[row][col]`.
        upper: f64,
        /// `Σ[col][row]`.
        lower: f64,
    },
    /// The covariance matrix is not positive semidefinite: a pivoted Cholesky factorisation met a
    /// pivot that is negative beyond rounding.
    NotPositiveSemidefinite {
        /// The variable (original index) at which the negative pivot appeared.
        index: usize,
        /// The value of the pivot (a conditional variance, which must be ≥ 0).
        pivot: f64,
    },
    /// A lower limit is above its upper limit.
    LowerAboveUpper {
        /// The coordinate.
        index: usize,
        /// Its lower limit.
        lower: f64,
        /// Its upper limit.
        upper: f64,
    },
    /// A tolerance is negative, NaN, or both tolerances are zero.
    InvalidTolerance {
        /// Which tolerance (`"abs_tol"`, `"rel_tol"`).
        name: String,
        /// The offending value.
        value: f64,
    },
    /// A sample or evaluation budget is zero or otherwise unusable.
    InvalidBudget {
        /// Which budget.
        name: String,
        /// The offending value.
        value: u64,
        /// Why it cannot be used.
        reason: String,
    },
    /// A probability argument lies outside `[0, 1]` or is NaN.
    InvalidProbability {
        /// The offending value.
        value: f64,
    },
    /// A scalar argument is outside its documented domain.
    InvalidArgument {
        /// The argument's name.
        name: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The requested method cannot evaluate this problem.
    MethodNotApplicable {
        /// The method asked for.
        method: String,
        /// Why it does not apply.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DimensionZero => {
                write!(f, "the problem has dimension zero; at least one variable is required")
            }
            Error::DimensionMismatch { what, expected, found } => {
                write!(f, "{what} has length {found}, but the problem has dimension {expected}")
            }
            Error::NonFinite { what, index, value } => {
                let idx: Vec<String> = index.iter().map(ToString::to_string).collect();
                write!(f, "{what}[{}] is {value}; every entry must be a finite number", idx.join(", "))
            }
            Error::Asymmetric { row, col, upper, lower } => write!(
                f,
                "the covariance is not symmetric: entry [{row}, {col}] = {upper} but [{col}, {row}] = {lower}"
            ),
            Error::NotPositiveSemidefinite { index, pivot } => write!(
                f,
                "the covariance is not positive semidefinite: the conditional variance of variable {index} \
                 given the others factorised before it is {pivot:e} < 0"
            ),
            Error::LowerAboveUpper { index, lower, upper } => {
                write!(f, "lower limit {lower} is above upper limit {upper} at coordinate {index}")
            }
            Error::InvalidTolerance { name, value } => write!(
                f,
                "{name} = {value} is not a valid tolerance: tolerances must be finite and ≥ 0, and not both 0"
            ),
            Error::InvalidBudget { name, value, reason } => {
                write!(f, "{name} = {value} is not usable: {reason}")
            }
            Error::InvalidProbability { value } => {
                write!(f, "{value} is not a probability; expected a number in [0, 1]")
            }
            Error::InvalidArgument { name, reason } => write!(f, "invalid {name}: {reason}"),
            Error::MethodNotApplicable { method, reason } => {
                write!(f, "method {method} does not apply to this problem: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// A short, stable, machine-readable name of the variant (used as `kind` in JSON output).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::DimensionZero => "dimension-zero",
            Error::DimensionMismatch { .. } => "dimension-mismatch",
            Error::NonFinite { .. } => "non-finite",
            Error::Asymmetric { .. } => "asymmetric",
            Error::NotPositiveSemidefinite { .. } => "not-positive-semidefinite",
            Error::LowerAboveUpper { .. } => "lower-above-upper",
            Error::InvalidTolerance { .. } => "invalid-tolerance",
            Error::InvalidBudget { .. } => "invalid-budget",
            Error::InvalidProbability { .. } => "invalid-probability",
            Error::InvalidArgument { .. } => "invalid-argument",
            Error::MethodNotApplicable { .. } => "method-not-applicable",
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
