//! The delta matrix and the reduction of "class y wins" to an orthant probability.
//!
//! For scores s ∈ R^C and true class y, D_y is the (C−1) × C matrix whose rows are e_y − e_i for
//! i ≠ y (in increasing order of i). Class y wins exactly when D_y s > 0. If s ~ N(μ, Σ_s) then
//! D_y s ~ N(D_y μ, D_y Σ_s D_yᵀ); for Σ_s = σ² I the covariance is σ²(I + 11ᵀ), and after
//! dividing by σ the problem is the orthant P(Y > 0), Y ~ N(d, I + 11ᵀ), d_i = (μ_y − μ_i)/σ.

use crate::error::LossError;
use mvn_orthant::{Covariance, Problem};

/// The (C−1) × C delta matrix D_y, row-major.
///
/// # Errors
///
/// [`LossError::TooFewClasses`] for C = 0, [`LossError::LabelOutOfRange`] for y ≥ C. One class
/// gives the empty 0 × 1 matrix.
///
/// ```
/// let d = exact_loss::delta::delta_matrix(3, 1).unwrap();
/// assert_eq!(d, vec![-1.0, 1.0, 0.0, 0.0, 1.0, -1.0]);
/// ```
pub fn delta_matrix(classes: usize, label: usize) -> Result<Vec<f64>, LossError> {
    check_label(classes, label, 0)?;
    let mut m = vec![0.0; (classes - 1) * classes];
    for (row, i) in (0..classes).filter(|&i| i != label).enumerate() {
        m[row * classes + label] = 1.0;
        m[row * classes + i] = -1.0;
    }
    Ok(m)
}

pub(crate) fn check_label(classes: usize, label: usize, example: usize) -> Result<(), LossError> {
    if classes < 1 {
        return Err(LossError::TooFewClasses { classes });
    }
    if label >= classes {
        return Err(LossError::LabelOutOfRange { example, label, classes });
    }
    Ok(())
}

/// The standardised shifts d_i = (μ_y − μ_i)/σ for i ≠ y, written into `out` (length C − 1).
/// No validation (the public entry points validate).
pub fn shifts_into(logits: &[f64], label: usize, sigma: f64, out: &mut [f64]) {
    let top = logits[label];
    // The classes below and above the label as two contiguous runs, so that the loops vectorise.
    let (out_below, out_above) = out.split_at_mut(label.min(out.len()));
    for (o, &m) in out_below.iter_mut().zip(&logits[..label]) {
        *o = (top - m) / sigma;
    }
    for (o, &m) in out_above.iter_mut().zip(&logits[label + 1..]) {
        *o = (top - m) / sigma;
    }
}

/// The gradient with respect to the logits and σ of a function of the shifts d_i = (μ_y − μ_i)/σ
/// ([`shifts_into`]) from its gradient g in the shifts (`gradient`, in the order of `shifts`):
/// ∂/∂μ_i = −g_i/σ for i ≠ y, ∂/∂μ_y = Σ_i g_i/σ and ∂/∂σ = −Σ_i g_i d_i/σ (the sums in the
/// order of the shifts). Returns (∂/∂μ, of length C, ∂/∂σ).
pub(crate) fn logit_gradient(gradient: &[f64], shifts: &[f64], label: usize, sigma: f64) -> (Vec<f64>, f64) {
    let mut d_logits = vec![0.0; gradient.len() + 1];
    let (below, above) = d_logits.split_at_mut(label);
    let above = &mut above[1..];
    let (g_below, g_above) = gradient.split_at(label);
    for (o, &g) in below.iter_mut().zip(g_below).chain(above.iter_mut().zip(g_above)) {
        *o = -g / sigma;
    }
    // g_i/σ = −∂/∂μ_i exactly.
    let top = below.iter().chain(above.iter()).fold(0.0, |sum, &o| sum + -o);
    d_logits[label] = top;
    let d_sigma = gradient.iter().zip(shifts).fold(0.0, |sum, (&g, &d)| sum - g * d / sigma);
    (d_logits, d_sigma)
}

/// The orthant problem P(D_y s > 0) for s ~ N(μ, Σ_s) with a general score covariance: mean
/// D_y μ, covariance D_y Σ_s D_yᵀ, lower limits 0, upper limits +∞. Evaluate it with any
/// `mvn_orthant` integrator (`mvn_orthant::integrate` picks one).
///
/// # Errors
///
/// [`LossError::TooFewClasses`] for C < 2 (one class has no orthant: it always wins);
/// [`LossError::LabelOutOfRange`]; [`LossError::ShapeMismatch`] when `mean` does not have C entries;
/// [`LossError::NonFiniteLogit`]; [`LossError::Orthant`] if the reduced covariance is rejected.
///
/// ```
/// use mvn_orthant::{Covariance, Integrator, OneFactor};
/// let sigma = Covariance::identity(4).unwrap();
/// let p = exact_loss::delta::orthant_problem(&[0.0; 4], &sigma, 2).unwrap();
/// // Four equal classes: each wins with probability 1/4.
/// assert!((OneFactor.integrate(&p).unwrap().value - 0.25).abs() < 1e-14);
/// ```
pub fn orthant_problem(
    mean: &[f64],
    score_covariance: &Covariance,
    label: usize,
) -> Result<Problem, LossError> {
    let c = score_covariance.dim();
    if c < 2 {
        return Err(LossError::TooFewClasses { classes: c });
    }
    check_label(c, label, 0)?;
    if mean.len() != c {
        return Err(LossError::ShapeMismatch { what: "mean".into(), expected: c, found: mean.len() });
    }
    if let Some(i) = mean.iter().position(|x| !x.is_finite()) {
        return Err(LossError::NonFiniteLogit { index: i, value: mean[i] });
    }
    let others: Vec<usize> = (0..c).filter(|&i| i != label).collect();
    let n = c - 1;
    let s = |i: usize, j: usize| score_covariance.get(i, j);
    let y = label;
    let mut cov = vec![0.0; n * n];
    for (a, &i) in others.iter().enumerate() {
        for (b, &j) in others.iter().enumerate() {
            // Cov(s_y − s_i, s_y − s_j).
            cov[a * n + b] = s(y, y) - s(y, j) - s(i, y) + s(i, j);
        }
    }
    let mu: Vec<f64> = others.iter().map(|&i| mean[y] - mean[i]).collect();
    let covariance = Covariance::from_row_major(n, cov)?;
    Ok(Problem::new(mu, covariance, vec![0.0; n], vec![f64::INFINITY; n])?)
}
