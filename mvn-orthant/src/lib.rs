//! # mvn-orthant
//!
//! Probabilities P(a ≤ X ≤ b) of boxes and orthants under a multivariate normal X ~ N(μ, Σ),
//! in any dimension, with an error estimate you can trust and with gradients.
//!
//! One call does it: [`integrate`] picks the best method for the problem (or runs the one you
//! name, [`MethodChoice`]) and returns an [`Estimate`] (value, ln value, 99% error half-width,
//! evaluations, method, convergence); [`integrate_with_gradient`] adds one [`Gradient`] (limits,
//! mean and, with [`GradientOptions::with_covariance`], covariance, each with its error).
//!
//! ```
//! use mvn_orthant::{integrate, Covariance, MethodChoice, Problem, Settings};
//! let sigma = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
//! let problem = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
//! let estimate = integrate(&problem, MethodChoice::Auto, &Settings::default()).unwrap();
//! // Exact value: 1/4 + asin(1/2)/(2π) = 1/3.
//! assert!((estimate.value - 1.0 / 3.0).abs() < 1e-15);
//! ```
//!
//! Every method is also a type implementing [`Integrator`] and [`Differentiable`], so that
//! methods can be swapped and compared. The modules:
//!
//! * [`auto`]: the method choice behind [`integrate`] and [`integrate_with_gradient`].
//! * [`problem`]: validated inputs ([`Covariance`], [`Problem`]); semidefinite Σ is valid.
//! * [`estimate`]: the result type [`Estimate`], the [`Integrator`] trait, [`Method`] names.
//! * [`gradient`]: the result type [`Gradient`] and the [`Differentiable`] trait.
//! * [`error`]: the one error type [`Error`].
//! * [`exact`]: d = 1, 2, 3 formulas and closed-form orthants (exact to rounding).
//! * [`one_factor`]: Σ = D + λλᵀ in any dimension by a 1-D integral ([`OneFactor`]).
//! * [`genz`]: Genz's separation of variables with randomised quasi-Monte Carlo ([`Genz`]).
//! * [`tilting`]: the same sampler with minimax exponential tilting, for rare events.
//! * [`rqmc`]: the settings ([`rqmc::RqmcSettings`]) and driver shared by the last two.
//! * [`qmc`]: scrambled Sobol and shifted lattice point sets.
//! * [`monte_carlo`]: crude Monte Carlo with a Wilson interval, the independent oracle.
//! * [`student_t`]: the multivariate Student t: exact in d ≤ 3 and for one-factor scale matrices.
//! * [`normal`]: φ, Φ, Q, ln Φ and Φ⁻¹ to full double precision (relative error in the tails).
//! * [`quadrature`]: the Gauss–Kronrod (7, 15) panel, also for vector-valued integrands
//!   ([`quadrature::gauss_kronrod_panel`]), and the log-concave integrator with a gradient hook
//!   ([`quadrature::integrate_log_concave`]) behind the exact methods and the one-factor reduction.
//! * [`mills_ratio`]: the Mills ratio R = Q/φ, and ln Φ with φ/Φ from one evaluation.
//! * [`linalg`]: the pivoted Cholesky factorisation and small dense solves.
//! * `interop` (optional cargo features `nalgebra` and `statrs`, off by default): inputs from
//!   nalgebra matrices (`Covariance::from_nalgebra`, `Problem::from_nalgebra`) and box and
//!   orthant probabilities of a `statrs::distribution::MultivariateNormal`.

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
pub mod quadrature;
pub mod rqmc;
pub mod student_t;
pub mod tilting;
pub(crate) mod truncated;

#[cfg(test)]
mod fast_normal_reference;

pub use auto::{integrate, integrate_with_gradient, Auto, MethodChoice, Settings};
pub use error::{Error, Result};
pub use estimate::{Estimate, Integrator, Method, CONFIDENCE_LEVEL};
pub use genz::{Genz, GenzSettings};
pub use gradient::{Differentiable, Gradient, GradientEstimator, GradientOptions};
pub use monte_carlo::MonteCarlo;
pub use one_factor::{OneFactor, OneFactorProblem};
pub use problem::{Covariance, Problem};
