//! # mvn-orthant
//!
//! Probabilities P(a ≤ X ≤ b) of boxes and orthants under a multivariate normal X ~ N(μ, Σ),
//! in any dimension, with an error estimate you can trust and with gradients.
//!
//! * [`normal`]: φ, Φ, Q, ln Φ and Φ⁻¹ to full double precision (relative error in the tails).
//! * [`problem`]: validated inputs ([`Covariance`], [`Problem`]); semidefinite Σ is valid.
//! * [`estimate`]: the shared result type [`Estimate`] and the [`Integrator`] trait.
//! * [`monte_carlo`]: crude Monte Carlo with a Wilson interval, the independent oracle.
//! * `interop` (optional cargo features `nalgebra` and `statrs`, off by default): inputs from
//!   nalgebra matrices (`Covariance::from_nalgebra`, `Problem::from_nalgebra`) and box and
//!   orthant probabilities of a `statrs::distribution::MultivariateNormal`.
//!
//! ```
//! use mvn_orthant::{Covariance, Integrator, MonteCarlo, Problem};
//! let sigma = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
//! let problem = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
//! let estimate = MonteCarlo::new(100_000, 7).unwrap().integrate(&problem).unwrap();
//! // Exact value: 1/4 + asin(1/2)/(2π) = 1/3.
//! assert!((estimate.value - 1.0 / 3.0).abs() <= estimate.error);
//! ```

pub mod auto;
pub mod error;
pub mod estimate;
pub mod exact;
pub mod genz;
pub mod gradient;
#[cfg(any(feature = "nalgebra", feature = "statrs"))]
pub mod interop;
pub mod linalg;
pub mod mills_ratio;
pub mod monte_carlo;
pub mod normal;
pub mod one_factor;
pub mod problem;
pub mod qmc;
pub mod student_t;
pub mod tilting;
pub mod truncated;

pub use auto::{covariance_gradient, integrate, integrate_with_gradient, Auto, MethodChoice, Settings};
pub use error::{Error, Result};
pub use estimate::{Estimate, Integrator, Method, CONFIDENCE_LEVEL};
pub use genz::{Genz, GenzSettings};
pub use gradient::Gradient;
pub use monte_carlo::MonteCarlo;
pub use one_factor::{OneFactor, OneFactorProblem};
pub use problem::{Covariance, Problem};
