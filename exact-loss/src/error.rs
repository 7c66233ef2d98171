//! Typed errors of the EXACT loss.

use std::fmt;

/// Everything that can be wrong with the inputs of the EXACT loss.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LossError {
    /// No class at all (or, for [`crate::delta::orthant_problem`], fewer than two).
    TooFewClasses {
        /// The number of classes given.
        classes: usize,
    },
    /// A label is not in `0..classes`.
    LabelOutOfRange {
        /// The example.
        example: usize,
        /// Its label.
        label: usize,
        /// The number of classes.
        classes: usize,
    },
    /// A logit is NaN or infinite.
    NonFiniteLogit {
        /// Position in the row-major logits.
        index: usize,
        /// The value.
        value: f64,
    },
    /// σ is not a finite positive number.
    InvalidSigma {
        /// The example (0 for a scalar σ).
        example: usize,
        /// The value.
        value: f64,
    },
    /// Two inputs have incompatible lengths.
    ShapeMismatch {
        /// What has the wrong length.
        what: String,
        /// Expected length.
        expected: usize,
        /// Found length.
        found: usize,
    },
    /// A setting (margin, samples, schedule) is unusable.
    InvalidSetting {
        /// The setting.
        name: String,
        /// Why.
        reason: String,
    },
    /// An error from the orthant library (general score covariance path).
    Orthant(mvn_orthant::Error),
}

impl fmt::Display for LossError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LossError::TooFewClasses { classes } => {
                write!(f, "{classes} classes given; at least 1 is needed (2 for an orthant problem)")
            }
            LossError::LabelOutOfRange { example, label, classes } => {
                write!(f, "label {label} of example {example} is out of range: there are {classes} classes")
            }
            LossError::NonFiniteLogit { index, value } => {
                write!(f, "logit [{index}] is {value}; logits must be finite")
            }
            LossError::InvalidSigma { example, value } => {
                write!(f, "σ = {value} (example {example}) is invalid; σ must be finite and > 0")
            }
            LossError::ShapeMismatch { what, expected, found } => {
                write!(f, "{what} has length {found}, expected {expected}")
            }
            LossError::InvalidSetting { name, reason } => write!(f, "invalid {name}: {reason}"),
            LossError::Orthant(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LossError {}

impl From<mvn_orthant::Error> for LossError {
    fn from(e: mvn_orthant::Error) -> Self {
        LossError::Orthant(e)
    }
}
