//! Crude Monte Carlo for the multivariate t: the independent oracle of Genz's method for the t.
//!
//! Draws X = μ + L z/√(W/ν) with z ~ N(0, I) (Ziggurat, `rand_distr`), W ~ χ²_ν (`rand_distr`'s
//! gamma sampler, not the chi quantile of [`super::gamma`]) and a pivoted Cholesky factor L, and
//! reports the hit fraction with the half-width of the 99% Wilson score interval, as
//! [`crate::MonteCarlo`] does for the normal. Determinism: chunks of `CHUNK_SIZE` draws, chunk i
//! on the seed's Xoshiro256++ stream advanced by i jumps, counts summed in chunk order (the result
//! does not depend on the thread count). The sampler is the normal oracle's
//! (`crate::monte_carlo`), with the scale draw W after z from the same stream.

use super::StudentProblem;
use crate::error::{Error, Result};
use crate::estimate::Estimate;
use crate::monte_carlo::{count_hits, estimate_from_hits};
use rand_distr::ChiSquared;

/// P(a ≤ X ≤ b) by `samples` crude draws from the stream seeded by `seed`; `converged` is true
/// (a fixed sample; the dispatcher replaces it by whether the tolerance was met).
///
/// # Errors
///
/// [`Error::InvalidBudget`] for 0 samples; [`Error::InvalidArgument`] for ν = ∞ (use the normal
/// [`crate::MonteCarlo`]).
pub fn integrate_monte_carlo(student: &StudentProblem, samples: u64, seed: u64) -> Result<Estimate> {
    if samples == 0 {
        return Err(Error::InvalidBudget {
            name: "samples".into(),
            value: 0,
            reason: "Monte Carlo needs at least one sample".into(),
        });
    }
    let nu = student.degrees_of_freedom();
    let chi_squared = ChiSquared::new(nu).map_err(|e| Error::InvalidArgument {
        name: "degrees of freedom".into(),
        reason: format!("{nu}: {e}"),
    })?;
    let problem = student.problem();
    if problem.is_empty_box() {
        return Ok(Estimate::empty_box());
    }
    let hits = count_hits(problem, samples, seed, Some((chi_squared, nu)));
    Ok(estimate_from_hits(hits, samples))
}
