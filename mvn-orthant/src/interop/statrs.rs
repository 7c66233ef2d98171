//! Probabilities of boxes and orthants under a statrs multivariate normal
//! (feature `statrs`).
//!
//! statrs 0.18's `MultivariateNormal<Dyn>` exposes its mean ([`MeanN`]) and covariance
//! ([`VarianceN`]); these functions build the [`Problem`] from them and integrate it with
//! [`integrate`] and [`MethodChoice::Auto`]. The returned [`Estimate`] carries the probability
//! (`value`) and its logarithm (`log_value`, accurate where the probability underflows for the
//! methods that work in log space), with an error estimate.
//!
//! Limits are slices; pass `v.as_slice()` for a nalgebra `DVector`.
//!
//! ```
//! use mvn_orthant::interop::statrs::{box_probability, orthant_probability};
//! use mvn_orthant::Settings;
//! use statrs::distribution::MultivariateNormal;
//! let mvn = MultivariateNormal::new(vec![0.0, 0.0], vec![1.0, 0.5, 0.5, 1.0]).unwrap();
//! let settings = Settings::default();
//! let orthant = orthant_probability(&mvn, &[0.0, 0.0], &settings).unwrap();
//! // Exact value: 1/4 + asin(1/2)/(2π) = 1/3.
//! assert!((orthant.value - 1.0 / 3.0).abs() < 1e-12);
//! let inf = f64::INFINITY;
//! let half = box_probability(&mvn, &[0.0, -inf], &[inf, inf], &settings).unwrap();
//! assert!((half.value - 0.5).abs() < 1e-12);
//! assert!((half.log_value - 0.5f64.ln()).abs() < 1e-12);
//! ```

use ::nalgebra::Dyn;
use ::statrs::distribution::MultivariateNormal;
use ::statrs::statistics::{MeanN, VarianceN};

use crate::auto::{integrate, MethodChoice, Settings};
use crate::error::{Error, Result};
use crate::estimate::Estimate;
use crate::problem::{Covariance, Problem};

fn mean_and_covariance(mvn: &MultivariateNormal<Dyn>) -> Result<(Vec<f64>, Covariance)> {
    // statrs 0.18 always returns Some; a None would be a change of statrs's contract.
    let missing = |what: &str| Error::MethodNotApplicable {
        method: "statrs interop".into(),
        reason: format!("the statrs distribution returned no {what}"),
    };
    let mean = mvn.mean().ok_or_else(|| missing("mean"))?;
    let covariance = mvn.variance().ok_or_else(|| missing("covariance"))?;
    Ok((mean.as_slice().to_vec(), Covariance::from_nalgebra(&covariance)?))
}

/// The problem P(lower ≤ X ≤ upper) for X distributed as `mvn`.
///
/// # Errors
///
/// As [`Problem::new`] (limits of the wrong length, NaN limits, a lower limit above its upper
/// limit) and [`Covariance::from_nalgebra`].
pub fn problem(mvn: &MultivariateNormal<Dyn>, lower: &[f64], upper: &[f64]) -> Result<Problem> {
    let (mean, covariance) = mean_and_covariance(mvn)?;
    Problem::new(mean, covariance, lower.to_vec(), upper.to_vec())
}

/// P(lower ≤ X ≤ upper) and ln P for X distributed as `mvn`, by [`integrate`] with
/// [`MethodChoice::Auto`] and `settings`.
///
/// # Errors
///
/// As [`problem`] and [`integrate`] (invalid settings).
pub fn box_probability(
    mvn: &MultivariateNormal<Dyn>,
    lower: &[f64],
    upper: &[f64],
    settings: &Settings,
) -> Result<Estimate> {
    integrate(&problem(mvn, lower, upper)?, MethodChoice::Auto, settings)
}

/// The lower orthant P(X ≤ upper) and its logarithm for X distributed as `mvn` (the box with
/// every lower limit −∞), by [`integrate`] with [`MethodChoice::Auto`] and `settings`.
///
/// # Errors
///
/// As [`box_probability`].
pub fn orthant_probability(
    mvn: &MultivariateNormal<Dyn>,
    upper: &[f64],
    settings: &Settings,
) -> Result<Estimate> {
    let lower = vec![f64::NEG_INFINITY; upper.len()];
    box_probability(mvn, &lower, upper, settings)
}
