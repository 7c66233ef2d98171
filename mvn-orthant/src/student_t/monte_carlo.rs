//! Crude Monte Carlo for the multivariate t: the independent oracle of Genz's method for the t.
//!
//! Draws X = μ + L z/√(W/ν) with z ~ N(0, I) (Ziggurat, `rand_distr`), W ~ χ²_ν (`rand_distr`'s
//! gamma sampler, not the chi quantile of [`super::gamma`]) and a pivoted Cholesky factor L, and
//! reports the hit fraction with the half-width of the 99% Wilson score interval, as
//! [`crate::MonteCarlo`] does for the normal. Determinism: chunks of `CHUNK_SIZE` draws, chunk i
//! on the seed's Xoshiro256++ stream advanced by i jumps, counts summed in chunk order (one
//! thread; the result does not depend on the thread count).

use super::StudentProblem;
use crate::error::{Error, Result};
use crate::estimate::{rounding_floor, Estimate, Method};
use crate::monte_carlo::{wilson_interval, CHUNK_SIZE, Z_99};
use rand::SeedableRng;
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

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
    let f = problem.covariance().pivoted_cholesky();
    let (d, rank) = (f.dim, f.rank);
    let pick = |v: &[f64]| f.order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let (mean, lower, upper) = (pick(problem.mean()), pick(problem.lower()), pick(problem.upper()));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut z = vec![0.0; rank];
    let mut hits = 0u64;
    let mut left = samples;
    while left > 0 {
        let mut stream = rng.clone();
        rng.jump();
        for _ in 0..left.min(CHUNK_SIZE) {
            for zi in z.iter_mut() {
                *zi = StandardNormal.sample(&mut stream);
            }
            let w: f64 = chi_squared.sample(&mut stream);
            let inverse_scale = (nu / w).sqrt();
            let inside = (0..d).all(|i| {
                let row = &f.factor[i * d..i * d + rank];
                let x = mean[i] + inverse_scale * row.iter().zip(&z).map(|(l, z)| l * z).sum::<f64>();
                lower[i] <= x && x <= upper[i]
            });
            hits += u64::from(inside);
        }
        left -= left.min(CHUNK_SIZE);
    }
    let value = hits as f64 / samples as f64;
    let (low, high) = wilson_interval(hits, samples, Z_99);
    let error = (value - low).max(high - value) + rounding_floor(value, 8.0, 0);
    Ok(Estimate {
        value,
        log_value: value.ln(),
        error,
        evaluations: samples,
        method: Method::MonteCarlo,
        converged: true,
    })
}
