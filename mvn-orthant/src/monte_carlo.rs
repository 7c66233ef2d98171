//! Crude Monte Carlo: the independent oracle.
//!
//! Draws X = μ + L z with z ~ N(0, I) from the Ziggurat sampler of `rand_distr` (not through
//! Φ⁻¹) and a pivoted Cholesky factor L (valid for semidefinite Σ), counts the draws inside the
//! box, and reports p̂ = k/n with the half-width of a Wilson score interval at the
//! [`CONFIDENCE_LEVEL`](crate::CONFIDENCE_LEVEL). The Wilson interval stays honest when p̂ is 0
//! or 1, where the normal approximation would report zero error.
//!
//! It shares no code with the Genz integrator besides the validated [`Problem`], which is why it
//! can serve as an oracle for it.
//!
//! # Determinism
//!
//! The n draws are cut into chunks of `CHUNK_SIZE`; chunk i uses its own Xoshiro256++ stream,
//! the seed's stream advanced by i jumps of 2¹²⁸. Counts are integers combined in chunk order,
//! so the same seed gives the same bits with 1, 2 or 8 threads, with or without the `parallel`
//! feature.

use crate::error::{Error, Result};
use crate::estimate::{names, rounding_floor, Estimate, Integrator, Method};
use crate::gradient::{no_gradient, Differentiable, Gradient, GradientOptions};
use crate::problem::Problem;
use rand::SeedableRng;
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Number of draws per independent random stream.
pub(crate) const CHUNK_SIZE: u64 = 1 << 14;

/// The two-sided standard normal quantile for the crate's 99% confidence level, Φ⁻¹(0.995).
pub(crate) const Z_99: f64 = 2.575_829_303_548_900_4;

/// Crude Monte Carlo integrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonteCarlo {
    samples: u64,
    seed: u64,
}

impl MonteCarlo {
    /// A Monte Carlo integrator drawing `samples` vectors from the stream seeded by `seed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidBudget`] when `samples` is 0.
    pub fn new(samples: u64, seed: u64) -> Result<Self> {
        if samples == 0 {
            return Err(Error::InvalidBudget {
                name: "samples".into(),
                value: 0,
                reason: "Monte Carlo needs at least one sample".into(),
            });
        }
        Ok(MonteCarlo { samples, seed })
    }

    /// The number of samples.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Counts the draws that fall in the box: returns (hits, draws).
    pub(crate) fn count_hits(&self, problem: &Problem) -> (u64, u64) {
        (count_hits(problem, self.samples, self.seed, None), self.samples)
    }
}

/// The number of `samples` draws of X = μ + L z/S that fall in the box, from the streams of
/// `seed` (see the module docs): S = 1 for the normal (`scale` = `None`), and S = √(W/ν) with
/// W ~ χ²_ν drawn after z from the same stream for the Student t (`scale` = the χ²_ν law and ν).
pub(crate) fn count_hits(
    problem: &Problem,
    samples: u64,
    seed: u64,
    scale: Option<(ChiSquared<f64>, f64)>,
) -> u64 {
    let sampler = BoxSampler::new(problem, scale);
    let chunks = samples.div_ceil(CHUNK_SIZE);
    let streams = chunk_streams(seed, chunks);
    let chunk_len = |i: u64| CHUNK_SIZE.min(samples - i * CHUNK_SIZE);
    #[cfg(feature = "parallel")]
    let hits: u64 = {
        use rayon::prelude::*;
        streams
            .into_par_iter()
            .enumerate()
            .map(|(i, rng)| sampler.count(rng, chunk_len(i as u64)))
            .collect::<Vec<u64>>()
            .into_iter()
            .sum()
    };
    #[cfg(not(feature = "parallel"))]
    let hits: u64 =
        streams.into_iter().enumerate().map(|(i, rng)| sampler.count(rng, chunk_len(i as u64))).sum();
    hits
}

/// The estimate p̂ = hits/draws with the larger distance from p̂ to the ends of the 99% Wilson
/// interval, plus the crate's rounding floor (the Wilson end points take a few roundings of values
/// of order p̂); `converged` is true (a fixed sample, no tolerance).
pub(crate) fn estimate_from_hits(hits: u64, draws: u64) -> Estimate {
    let value = hits as f64 / draws as f64;
    let (low, high) = wilson_interval(hits, draws, Z_99);
    let error = (value - low).max(high - value) + rounding_floor(value, 8.0, 0);
    Estimate {
        value,
        log_value: value.ln(),
        error,
        evaluations: draws,
        method: Method::MonteCarlo,
        converged: true,
    }
}

/// The independent streams: the seed's Xoshiro256++ stream and its successive 2¹²⁸-jumps.
fn chunk_streams(seed: u64, chunks: u64) -> Vec<Xoshiro256PlusPlus> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut streams = Vec::with_capacity(chunks as usize);
    for _ in 0..chunks {
        streams.push(rng.clone());
        rng.jump();
    }
    streams
}

/// Wilson score interval for k = `hits` successes in n = `draws` trials (k ≤ n) at the normal
/// quantile z (z = Φ⁻¹(0.995) ≈ 2.5758 for the crate's 99% level): returns (low, high), the
/// roots in p of (k/n − p)² = z² p(1 − p)/n, with low = 0 when k = 0 and high = 1 when k = n
/// (so (0, 1) when n = 0). Wilson, J. Amer. Statist. Assoc. 22 (1927).
pub fn wilson_interval(hits: u64, draws: u64, z: f64) -> (f64, f64) {
    let n = draws as f64;
    let p = hits as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At k = 0 (k = n) the exact interval ends at 0 (at 1); pin them against rounding.
    let low = if hits == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if hits == draws { 1.0 } else { (centre + half).min(1.0) };
    (low, high)
}

/// Draws X = μ + L z/S in the pivoted order of the factor and tests the box.
struct BoxSampler {
    /// The χ²_ν law of W and ν, for S = √(W/ν); `None`: S = 1.
    scale: Option<(ChiSquared<f64>, f64)>,
    dim: usize,
    rank: usize,
    /// Row-major factor rows in pivoted order, truncated to `rank` columns.
    factor: Vec<f64>,
    mean: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl BoxSampler {
    fn new(problem: &Problem, scale: Option<(ChiSquared<f64>, f64)>) -> Self {
        let f = problem.covariance().pivoted_cholesky();
        let (d, r) = (f.dim, f.rank);
        let mut factor = Vec::with_capacity(d * r);
        for i in 0..d {
            factor.extend_from_slice(&f.factor[i * d..i * d + r]);
        }
        let pick = |v: &[f64]| f.order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        BoxSampler {
            scale,
            dim: d,
            rank: r,
            factor,
            mean: pick(problem.mean()),
            lower: pick(problem.lower()),
            upper: pick(problem.upper()),
        }
    }

    fn count(&self, mut rng: Xoshiro256PlusPlus, draws: u64) -> u64 {
        let mut z = vec![0.0; self.rank];
        let mut hits = 0;
        for _ in 0..draws {
            for zi in z.iter_mut() {
                *zi = StandardNormal.sample(&mut rng);
            }
            // 1/S (multiplying by 1 is exact: the normal draws keep their bits).
            let inverse_scale = match &self.scale {
                Some((chi_squared, nu)) => (nu / chi_squared.sample(&mut rng)).sqrt(),
                None => 1.0,
            };
            let inside = (0..self.dim).all(|i| {
                let row = &self.factor[i * self.rank..(i + 1) * self.rank];
                let x = self.mean[i] + inverse_scale * row.iter().zip(&z).map(|(l, z)| l * z).sum::<f64>();
                self.lower[i] <= x && x <= self.upper[i]
            });
            hits += u64::from(inside);
        }
        hits
    }
}

impl Differentiable for MonteCarlo {
    /// [`crate::Error::MethodNotApplicable`]: the oracle estimates the probability only.
    fn integrate_with_gradient(&self, _: &Problem, _: GradientOptions) -> Result<(Estimate, Gradient)> {
        Err(no_gradient(names::MONTE_CARLO))
    }
}

impl Integrator for MonteCarlo {
    fn name(&self) -> String {
        names::MONTE_CARLO.into()
    }

    /// Estimates P by the hit fraction; `error` is the larger distance from p̂ to the ends of
    /// the 99% Wilson interval plus the rounding floor. `converged` is true: this integrator is
    /// given no tolerance (a fixed number of samples). Through [`crate::integrate`] with
    /// [`crate::Settings`], `converged` is instead whether the error met the settings'
    /// tolerances ([`Estimate::converged`]: error ≤ max(abs_tol, rel_tol · |value|)).
    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        if problem.is_empty_box() {
            return Ok(Estimate::empty_box());
        }
        let (hits, draws) = self.count_hits(problem);
        Ok(estimate_from_hits(hits, draws))
    }
}
