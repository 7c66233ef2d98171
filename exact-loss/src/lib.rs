//! # exact-loss
//!
//! The EXACT loss (Karpukhin, Dereka, Kolesnikov, "EXACT: How to Train Your Accuracy",
//! arXiv 2205.09615): the expected accuracy of a classifier whose scores are Gaussian,
//! computed as an orthant probability through the delta matrix.
//!
//! This crate is the objective: [`ExactLoss`] (its batch normalisation and its one
//! standard-deviation convention are documented in [`loss`]), the expected accuracy and its
//! gradient ([`accuracy`], [`complement`]) and the delta matrix ([`delta`]). Training linear
//! classifiers with it lives in the crate `exact-train`.

pub mod accuracy;
pub mod complement;
pub mod delta;
pub mod error;
pub mod loss;
pub mod toy;

pub use accuracy::{
    error_probability, expected_accuracy, expected_accuracy_batch, log_error_probability, Accuracy, Backend,
    ErrorProbability, Sigma,
};
pub use error::LossError;
pub use loss::{ExactLoss, GeometricSchedule, GradientNormalizer, LossOutput, Objective};
