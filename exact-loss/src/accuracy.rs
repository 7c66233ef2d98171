//! Expected accuracy A = P(s_y > max_{i≠y} s_i) for s ~ N(μ, σ² I), with gradients, by three
//! backends, for one example and for batches.
//!
//! Everything is computed from the shifts d_i = (μ_y − μ_i)/σ (i ≠ y): A(d) = P(Y > 0) with
//! Y ~ N(d, I + 11ᵀ). With g_k = ∂A/∂d_k, the chain rule gives ∂A/∂μ_y = Σ_k g_k/σ,
//! ∂A/∂μ_i = −g_i/σ (i ≠ y) and ∂A/∂σ = −Σ_k g_k d_k/σ.
//!
//! * [`Backend::Quadrature`] (default): A = ∫ φ(z) Π Φ(d_i + z) dz by the one-factor
//!   quadrature of `mvn_orthant::one_factor` (deterministic, relative error ~1e-13). When A is
//!   close to 1 (the union bound Σ Q(d_i/√2) ≥ 1 − A is below
//!   [`COMPLEMENT_THRESHOLD`]), 1 − A and the gradient
//!   are integrated directly by [`crate::complement`], so that both stay accurate relative to
//!   themselves where A rounds to 1.
//!
//! One class (C = 1, no competitor) is allowed: A = 1 exactly, 1 − A = 0, zero gradients.
//! * [`Backend::Genz`]: the authors' estimator, Genz's separation of variables with the Cholesky
//!   factor of I + 11ᵀ and n pseudo-random points, and the single-pass gradient: for each k,
//!   g_k = φ(d_k/√2)/√2 · P(Y_{−k} > 0 | Y_k = 0), the conditional orthant (mean
//!   d_{−k} − d_k/2, covariance I + ½11ᵀ) estimated with the same random numbers. Both
//!   covariances are I + c11ᵀ, whose Cholesky factor has constant columns below the diagonal,
//!   so one Genz point costs O(C) (value) and O(C²) (gradient).
//! * [`Backend::MonteCarlo`]: crude Monte Carlo on Y = d + ε + z1 (the oracle), with the
//!   likelihood-ratio gradient g = E[1{Y > 0} (I + 11ᵀ)⁻¹(Y − d)].
//!
//! Random backends use one Xoshiro256++ stream per example: the seed's stream advanced by
//! `example` jumps of 2¹²⁸, so batches give the same bits for any thread count.

use crate::complement::{
    error_probability_and_gradient_of_shifts, log_error_probability_of_shifts, union_bound,
    COMPLEMENT_THRESHOLD,
};
use crate::delta::{check_label, logit_gradient, shifts_into};
use crate::error::LossError;
use mvn_orthant::mills_ratio::log_cdf_and_inverse_mills;
use mvn_orthant::normal::{cdf, inverse_cdf_unchecked, log_cdf, pdf};
use mvn_orthant::one_factor::shifted_orthant_log_value_and_gradient;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Two-sided 99% normal quantile (the confidence level of `mvn_orthant`).
const Z_99: f64 = 2.575_829_303_548_900_4;

/// How the expected accuracy is computed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Backend {
    /// The exact one-factor quadrature (deterministic).
    #[default]
    Quadrature,
    /// Genz's estimator with `samples` pseudo-random points (the authors use 16).
    Genz {
        /// Points per example.
        samples: u32,
        /// Seed of the per-example streams.
        seed: u64,
    },
    /// Crude Monte Carlo with `samples` draws (oracle).
    MonteCarlo {
        /// Draws per example.
        samples: u32,
        /// Seed of the per-example streams.
        seed: u64,
    },
}

impl Backend {
    fn validate(&self) -> Result<(), LossError> {
        match *self {
            Backend::Genz { samples: 0, .. } | Backend::MonteCarlo { samples: 0, .. } => {
                Err(LossError::InvalidSetting {
                    name: "samples".into(),
                    reason: "at least one sample is needed".into(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// A and its gradient with respect to the shifts d (length C − 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftAccuracy {
    /// A.
    pub value: f64,
    /// ln A (accurate where A underflows, for the quadrature backend).
    pub log_value: f64,
    /// Half-width of a 99% confidence interval of `value` (0 for the quadrature).
    pub error: f64,
    /// ∂A/∂d_k.
    pub gradient: Vec<f64>,
    /// ∂ ln A/∂d_k (for the quadrature finite even where A underflows; otherwise gradient/A).
    pub log_gradient: Vec<f64>,
    /// 99% half-widths of `gradient` (0 for the quadrature).
    pub gradient_error: Vec<f64>,
    /// ln(1 − A), the log error probability (−∞ when A = 1 exactly, e.g. for one class). For the
    /// quadrature accurate to ~1e-13 relative in 1 − A when A is close to 1 (complement path);
    /// on the ordinary path formed from ln A, so to ~1e-16 absolute in 1 − A (use
    /// [`crate::complement::log_error_probability_of_shifts`] for full relative accuracy).
    pub log_error_probability: f64,
}

/// A and its gradient with respect to the logits and σ for one example.
#[derive(Debug, Clone, PartialEq)]
pub struct Accuracy {
    /// The expected accuracy A.
    pub value: f64,
    /// ln A.
    pub log_value: f64,
    /// 99% half-width of `value` (0 for the quadrature).
    pub error: f64,
    /// ∂A/∂μ (length C).
    pub d_logits: Vec<f64>,
    /// ∂A/∂σ.
    pub d_sigma: f64,
    /// ln(1 − A) (see [`ShiftAccuracy::log_error_probability`]).
    pub log_error_probability: f64,
}

/// The error probability 1 − A of one example and its gradient (see [`error_probability`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorProbability {
    /// 1 − A.
    pub value: f64,
    /// ln(1 − A) (finite where 1 − A underflows; −∞ for one class).
    pub log_value: f64,
    /// ∂(1 − A)/∂μ (length C).
    pub d_logits: Vec<f64>,
    /// ∂(1 − A)/∂σ.
    pub d_sigma: f64,
}

/// The uniform in (0, 1) from 53 random bits, never 0 or 1.
#[inline]
fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
}

/// The stream of example `example`: the seed's stream advanced by `example` jumps.
pub fn example_stream(seed: u64, example: usize) -> Xoshiro256PlusPlus {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for _ in 0..example {
        rng.jump();
    }
    rng
}

/// Cholesky factor of I + c·11ᵀ (dimension n): (diagonal L_kk, below-diagonal column values ℓ_k).
fn equicorrelated_cholesky(n: usize, c: f64) -> (Vec<f64>, Vec<f64>) {
    let (mut diag, mut col) = (vec![0.0; n], vec![0.0; n]);
    let mut q = 0.0; // Σ_{j<k} ℓ_j²
    for k in 0..n {
        diag[k] = (1.0 + c - q).sqrt();
        col[k] = (c - q) / diag[k];
        q += col[k] * col[k];
    }
    (diag, col)
}

/// One Genz point for P(Y > 0), Y ~ N(shift, I + c11ᵀ) with factor (diag, col); uniforms `u`.
fn genz_point<F: Fn(usize) -> f64>(shift: F, n: usize, diag: &[f64], col: &[f64], u: &[f64]) -> f64 {
    let (mut product, mut s) = (1.0, 0.0);
    for i in 0..n {
        let e = cdf((shift(i) + s) / diag[i]);
        product *= e;
        if product == 0.0 {
            return 0.0;
        }
        if i + 1 < n {
            let w = -inverse_cdf_unchecked(u[i] * e);
            s += col[i] * w;
        }
    }
    product
}

/// The deterministic (quadrature) result: error 0 for the value and for every gradient component.
fn quadrature_accuracy(
    value: f64,
    log_value: f64,
    gradient: Vec<f64>,
    log_gradient: Vec<f64>,
    log_error_probability: f64,
) -> ShiftAccuracy {
    let gradient_error = vec![0.0; gradient.len()];
    ShiftAccuracy {
        value,
        log_value,
        error: 0.0,
        gradient,
        log_gradient,
        gradient_error,
        log_error_probability,
    }
}

/// The estimate of a sampling backend from its sums over `samples` draws: the value from
/// (Σ f, Σ f²), each gradient component from (Σ g_k, Σ g_k²), each with its 99% half-width.
fn sampled_accuracy(value_sums: (f64, f64), gsum: &[f64], gsq: &[f64], samples: f64) -> ShiftAccuracy {
    let (value, error) = mean_and_error(value_sums.0, value_sums.1, samples);
    let (gradient, gradient_error): (Vec<f64>, Vec<f64>) =
        gsum.iter().zip(gsq).map(|(&g, &g2)| mean_and_error(g, g2, samples)).unzip();
    let log_gradient = gradient.iter().map(|g| g / value).collect();
    ShiftAccuracy {
        value,
        log_value: value.ln(),
        error,
        gradient,
        log_gradient,
        gradient_error,
        log_error_probability: (-value).ln_1p(),
    }
}

fn mean_and_error(sum: f64, sum_sq: f64, n: f64) -> (f64, f64) {
    let mean = sum / n;
    let var = if n > 1.0 { ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0) } else { 0.0 };
    (mean, Z_99 * (var / n).sqrt())
}

/// A(d) = P(Y > 0), Y ~ N(d, I + 11ᵀ), and its gradient, for one example (`example` selects the
/// random stream of the random backends).
pub fn accuracy_of_shifts(shifts: &[f64], backend: &Backend, example: usize) -> ShiftAccuracy {
    let n = shifts.len();
    if n == 0 {
        // One class: it always wins.
        return ShiftAccuracy {
            value: 1.0,
            log_value: 0.0,
            error: 0.0,
            gradient: vec![],
            log_gradient: vec![],
            gradient_error: vec![],
            log_error_probability: f64::NEG_INFINITY,
        };
    }
    match *backend {
        Backend::Quadrature if n == 1 => {
            // Two classes: A = Φ(d/√2) in closed form (Y_1 ~ N(d, 2)), ∂A/∂d = φ(d/√2)/√2, and
            // 1 − A = Φ(−d/√2); the quadrature would cost ~100 nodes for the same value.
            let z = shifts[0] * std::f64::consts::FRAC_1_SQRT_2;
            let (log_value, inverse_mills) = log_cdf_and_inverse_mills(z);
            let value = cdf(z);
            let log_gradient = inverse_mills * std::f64::consts::FRAC_1_SQRT_2;
            let gradient = pdf(z) * std::f64::consts::FRAC_1_SQRT_2;
            quadrature_accuracy(value, log_value, vec![gradient], vec![log_gradient], log_cdf(-z))
        }
        Backend::Quadrature if union_bound(shifts, COMPLEMENT_THRESHOLD) < COMPLEMENT_THRESHOLD => {
            // A close to 1: integrate 1 − A and every gradient component around its own peak.
            let (error, log_error, error_gradient) = error_probability_and_gradient_of_shifts(shifts);
            let value = -error + 1.0;
            let log_value = (-error).ln_1p();
            let gradient: Vec<f64> = error_gradient.iter().map(|g| -g).collect();
            let log_gradient = gradient.iter().map(|g| g / value).collect();
            quadrature_accuracy(value, log_value, gradient, log_gradient, log_error)
        }
        Backend::Quadrature => {
            let mut log_gradient = vec![0.0; n];
            let log_value = shifted_orthant_log_value_and_gradient(shifts, &mut log_gradient);
            let value = log_value.exp();
            let gradient = log_gradient.iter().map(|g| g * value).collect();
            quadrature_accuracy(value, log_value, gradient, log_gradient, (-log_value.exp_m1()).ln())
        }
        Backend::Genz { samples, seed } => {
            let mut rng = example_stream(seed, example);
            let (diag, col) = equicorrelated_cholesky(n, 1.0);
            let (cdiag, ccol) = equicorrelated_cholesky(n.saturating_sub(1), 0.5);
            let density: Vec<f64> = shifts.iter().map(|&d| pdf(d / 2f64.sqrt()) / 2f64.sqrt()).collect();
            let mut u = vec![0.0; n];
            let (mut sum, mut sum_sq) = (0.0, 0.0);
            let (mut gsum, mut gsq) = (vec![0.0; n], vec![0.0; n]);
            for _ in 0..samples {
                u.iter_mut().for_each(|x| *x = uniform(&mut rng));
                let f = genz_point(|i| shifts[i], n, &diag, &col, &u);
                sum += f;
                sum_sq += f * f;
                for k in 0..n {
                    let dk = shifts[k];
                    let cond = |i: usize| if i < k { shifts[i] - 0.5 * dk } else { shifts[i + 1] - 0.5 * dk };
                    let g = density[k] * genz_point(cond, n - 1, &cdiag, &ccol, &u);
                    gsum[k] += g;
                    gsq[k] += g * g;
                }
            }
            let ns = f64::from(samples);
            sampled_accuracy((sum, sum_sq), &gsum, &gsq, ns)
        }
        Backend::MonteCarlo { samples, seed } => {
            let mut rng = example_stream(seed, example);
            let mut x = vec![0.0; n];
            let (mut hits, mut gsum, mut gsq) = (0u64, vec![0.0; n], vec![0.0; n]);
            for _ in 0..samples {
                let z = inverse_cdf_unchecked(uniform(&mut rng));
                let mut win = true;
                for i in 0..n {
                    x[i] = inverse_cdf_unchecked(uniform(&mut rng)) + z;
                    win &= shifts[i] + x[i] > 0.0;
                }
                if win {
                    hits += 1;
                    // (I + 11ᵀ)⁻¹ x = x − (Σx)/(1 + n)·1.
                    let correction = x.iter().sum::<f64>() / (1.0 + n as f64);
                    for i in 0..n {
                        let g = x[i] - correction;
                        gsum[i] += g;
                        gsq[i] += g * g;
                    }
                }
            }
            let ns = f64::from(samples);
            // A hit indicator is its own square.
            sampled_accuracy((hits as f64, hits as f64), &gsum, &gsq, ns)
        }
    }
}

/// σ for a batch: one scalar or one value per example.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sigma<'a> {
    /// The same σ for every example.
    Scalar(f64),
    /// One σ per example.
    PerExample(&'a [f64]),
}

impl Sigma<'_> {
    /// σ of example `i`.
    pub fn get(&self, i: usize) -> f64 {
        match *self {
            Sigma::Scalar(s) => s,
            Sigma::PerExample(v) => v[i],
        }
    }

    pub(crate) fn validate(&self, batch: usize) -> Result<(), LossError> {
        let bad = |example: usize, value: f64| LossError::InvalidSigma { example, value };
        match *self {
            Sigma::Scalar(s) => {
                if !(s.is_finite() && s > 0.0) {
                    return Err(bad(0, s));
                }
            }
            Sigma::PerExample(v) => {
                if v.len() != batch {
                    return Err(LossError::ShapeMismatch {
                        what: "sigma".into(),
                        expected: batch,
                        found: v.len(),
                    });
                }
                if let Some(i) = v.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
                    return Err(bad(i, v[i]));
                }
            }
        }
        Ok(())
    }
}

/// Validates a batch: C ≥ 1, `logits.len() = B·C`, labels in range, finite logits.
pub(crate) fn validate_batch(logits: &[f64], classes: usize, labels: &[usize]) -> Result<(), LossError> {
    if classes < 1 {
        return Err(LossError::TooFewClasses { classes });
    }
    if logits.len() != labels.len() * classes {
        return Err(LossError::ShapeMismatch {
            what: "logits".into(),
            expected: labels.len() * classes,
            found: logits.len(),
        });
    }
    for (b, &y) in labels.iter().enumerate() {
        check_label(classes, y, b)?;
    }
    if let Some(i) = logits.iter().position(|x| !x.is_finite()) {
        return Err(LossError::NonFiniteLogit { index: i, value: logits[i] });
    }
    Ok(())
}

fn accuracy_from_logits(
    logits: &[f64],
    label: usize,
    sigma: f64,
    backend: &Backend,
    example: usize,
) -> Accuracy {
    let c = logits.len();
    let mut shifts = vec![0.0; c - 1];
    shifts_into(logits, label, sigma, &mut shifts);
    let r = accuracy_of_shifts(&shifts, backend, example);
    let (d_logits, d_sigma) = logit_gradient(&r.gradient, &shifts, label, sigma);
    Accuracy {
        value: r.value,
        log_value: r.log_value,
        error: r.error,
        d_logits,
        d_sigma,
        log_error_probability: r.log_error_probability,
    }
}

/// Expected accuracy of one example with its gradient w.r.t. the logits and σ.
///
/// One class (a single logit) gives A = 1 and zero gradients.
///
/// # Errors
///
/// [`LossError::TooFewClasses`] (no logits), [`LossError::LabelOutOfRange`], [`LossError::NonFiniteLogit`],
/// [`LossError::InvalidSigma`], [`LossError::InvalidSetting`] (zero samples).
///
/// ```
/// use exact_loss::accuracy::{expected_accuracy, Backend};
/// let a = expected_accuracy(&[1.0, 1.0, 1.0], 0, 0.7, Backend::Quadrature).unwrap();
/// assert!((a.value - 1.0 / 3.0).abs() < 1e-14);
/// ```
pub fn expected_accuracy(
    logits: &[f64],
    label: usize,
    sigma: f64,
    backend: Backend,
) -> Result<Accuracy, LossError> {
    validate_batch(logits, logits.len(), &[label])?;
    Sigma::Scalar(sigma).validate(1)?;
    backend.validate()?;
    Ok(accuracy_from_logits(logits, label, sigma, &backend, 0))
}

/// Maps `f` over the examples 0..batch, in parallel with the `parallel` feature; results come
/// back in example order, so sums over them are bit-identical for any thread count.
pub(crate) fn map_examples<T: Send, F: Fn(usize) -> T + Sync + Send>(batch: usize, f: F) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..batch).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..batch).map(f).collect()
    }
}

/// Expected accuracy of every example of a batch (`logits` row-major B × C).
///
/// # Errors
///
/// As [`expected_accuracy`], and [`LossError::ShapeMismatch`] for inconsistent lengths.
pub fn expected_accuracy_batch(
    logits: &[f64],
    classes: usize,
    labels: &[usize],
    sigma: Sigma<'_>,
    backend: Backend,
) -> Result<Vec<Accuracy>, LossError> {
    validate_batch(logits, classes, labels)?;
    sigma.validate(labels.len())?;
    backend.validate()?;
    Ok(map_examples(labels.len(), |b| {
        accuracy_from_logits(&logits[b * classes..(b + 1) * classes], labels[b], sigma.get(b), &backend, b)
    }))
}

/// The error probability 1 − A = P(s_y < max_{i≠y} s_i) of one example, with its logarithm and
/// its gradient w.r.t. the logits and σ, by the complement quadrature of [`crate::complement`]:
/// accurate relative to itself where A rounds to 1 (confident logits), and for any A.
///
/// # Errors
///
/// As [`expected_accuracy`] (no backend: this is always the deterministic quadrature).
///
/// ```
/// use exact_loss::error_probability;
/// // Two classes: 1 − A = Q((μ_y − μ_o)/(σ√2)) = Q(20) = 2.7536241186062337e-89 (mpmath).
/// let e = error_probability(&[0.4, 0.0], 0, 0.02 / 2f64.sqrt()).unwrap();
/// assert!((e.value / 2.753_624_118_606_233_7e-89 - 1.0).abs() < 1e-12);
/// assert!(e.d_logits[0] < 0.0 && e.d_logits[1] > 0.0);
/// ```
pub fn error_probability(logits: &[f64], label: usize, sigma: f64) -> Result<ErrorProbability, LossError> {
    validate_batch(logits, logits.len(), &[label])?;
    Sigma::Scalar(sigma).validate(1)?;
    let c = logits.len();
    let mut shifts = vec![0.0; c - 1];
    shifts_into(logits, label, sigma, &mut shifts);
    // ∂(1 − A)/∂d_k = gradient[k]; d_k = (μ_y − μ_i)/σ.
    let (value, log_value, gradient) = error_probability_and_gradient_of_shifts(&shifts);
    let (d_logits, d_sigma) = logit_gradient(&gradient, &shifts, label, sigma);
    Ok(ErrorProbability { value, log_value, d_logits, d_sigma })
}

/// ln(1 − A) of one example (see [`error_probability`]), without the gradient.
///
/// # Errors
///
/// As [`error_probability`].
///
/// ```
/// // One class: A = 1, so ln(1 − A) = −∞.
/// assert_eq!(exact_loss::log_error_probability(&[3.0], 0, 1.0).unwrap(), f64::NEG_INFINITY);
/// ```
pub fn log_error_probability(logits: &[f64], label: usize, sigma: f64) -> Result<f64, LossError> {
    validate_batch(logits, logits.len(), &[label])?;
    Sigma::Scalar(sigma).validate(1)?;
    let mut shifts = vec![0.0; logits.len() - 1];
    shifts_into(logits, label, sigma, &mut shifts);
    Ok(log_error_probability_of_shifts(&shifts))
}
