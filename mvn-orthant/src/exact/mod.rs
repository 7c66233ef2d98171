//! Exact methods for low dimensions: d = 1, 2, 3 boxes and closed-form zero-mean orthants
//! up to d = 4, each with its logarithm (accurate where the probability underflows) and
//! analytic gradients.
//!
//! * [`univariate`]: Φ(β) − Φ(α) without cancellation.
//! * [`bivariate`]: Genz's bivariate method with a log-space tail formulation.
//! * [`trivariate`]: Plackett's reduction (Genz 2004) with a log-space tail formulation.
//! * [`orthant`]: closed forms for d ≤ 3 and Plackett's 1-D integral for d = 4.
//! * [`gradient`]: ∂P/∂a, ∂P/∂b, ∂P/∂μ and ∂P/∂Σ for d = 1, 2, 3.
//!
//! The derivations and measured accuracies are in `docs/exact-methods.md`.

pub mod bivariate;
pub mod gradient;
pub mod orthant;
pub(crate) mod quadrature;
pub mod trivariate;
pub mod univariate;

pub use bivariate::{bivariate_cdf, Bivariate};
pub use gradient::{bivariate_gradient, trivariate_gradient, univariate_gradient};
pub use orthant::{zero_mean_orthant, OrthantClosedForm};
pub use trivariate::{trivariate_cdf, Trivariate};
pub use univariate::Univariate;
