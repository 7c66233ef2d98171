//! Interoperability with the Rust numerics crates users hold their data in, each behind an
//! optional cargo feature (all off by default, so the default build gains no dependency):
//!
//! * feature `nalgebra`: [`Covariance::from_nalgebra`](crate::Covariance::from_nalgebra) and
//!   [`Problem::from_nalgebra`](crate::Problem::from_nalgebra) (module [`nalgebra`]);
//! * feature `statrs`: rectangle and orthant probabilities of a
//!   `statrs::distribution::MultivariateNormal` (module [`statrs`]; implies `nalgebra`).
//!
//! Both features use nalgebra 0.33, the version statrs 0.18 is built on, so a matrix taken out of
//! a statrs distribution passes straight to the nalgebra constructors.

#[cfg(feature = "nalgebra")]
pub mod nalgebra;
#[cfg(feature = "statrs")]
pub mod statrs;
