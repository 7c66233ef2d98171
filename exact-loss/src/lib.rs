//! # exact-loss
//!
//! The EXACT loss (Karpukhin, Dereka, Kolesnikov, "EXACT: How to Train Your Accuracy",
//! arXiv 2205.09615): the expected accuracy of a classifier whose scores are Gaussian,
//! computed as an orthant probability through the delta matrix.
