//! Analytic gradients of the exact methods (d = 1, 2, 3): value and gradient together.
//!
//! * Limits (the conditioning theorem): ∂P/∂b_k = φ_k(b_k)·P(a_{−k} ≤ X_{−k} ≤ b_{−k} | X_k = b_k),
//!   with φ_k the N(μ_k, Σ_kk) density and the conditional law N(μ_{−k} + Σ_{−k,k}(b_k − μ_k)/Σ_kk,
//!   Σ_{−k,−k} − Σ_{−k,k}Σ_{k,−k}/Σ_kk); the conditional probability is univariate for d = 2 and
//!   bivariate for d = 3. ∂P/∂a_k is the same at a_k with a minus sign; ∂P/∂μ = −(∂P/∂a + ∂P/∂b).
//! * Correlations (Plackett's identity): for the standardised problem,
//!   ∂P/∂ρ_ij = Σ_{corners} s_i s_j φ₂(c_i, c_j; ρ_ij)·P(rest | X_i = c_i, X_j = c_j), the corners
//!   (c_i, c_j) ∈ {α_i, β_i} × {α_j, β_j} with s = +1 at an upper and −1 at a lower limit.
//! * Covariance entries by the chain rule through σ_i = √Σ_ii and ρ_ij = Σ_ij/(σ_iσ_j):
//!   ∂P/∂Σ_ij = (∂P/∂ρ_ij)/(σ_iσ_j) for i ≠ j (the symmetric pair as one parameter), and
//!   ∂P/∂Σ_ii = −[(a_i − μ_i)∂P/∂a_i + (b_i − μ_i)∂P/∂b_i + Σ_{j≠i} ρ_ij ∂P/∂ρ_ij]/(2Σ_ii).
//!
//! Coordinates with zero variance have zero limit derivatives (the probability is locally
//! constant in their limits, except exactly at the point mass, where it jumps). The covariance
//! gradient is returned (`Some`) only when every variance is positive and every |ρ_ij| < 1,
//! where it exists; otherwise it is `None`.

use super::bivariate::box_pair;
use super::plackett::correlation_derivative;
use super::trivariate::box_pair3;
use super::univariate::{interval_probability, standard_interval_pair, standardize};
use crate::error::{Error, Result};
use crate::estimate::{Estimate, Method};
use crate::gradient::Gradient;
use crate::normal::pdf;
use crate::problem::{conditional_normal, Problem};

/// A problem copied into fixed-size arrays (d ≤ 3), unused slots independent and unbounded.
struct Small {
    d: usize,
    mean: [f64; 3],
    cov: [[f64; 3]; 3],
    lower: [f64; 3],
    upper: [f64; 3],
}

impl Small {
    fn new(problem: &Problem, d_expected: usize, method: &str) -> Result<Small> {
        let d = problem.dim();
        if d != d_expected {
            return Err(Error::MethodNotApplicable {
                method: method.into(),
                reason: format!("this gradient is for dimension {d_expected}, the problem has dimension {d}"),
            });
        }
        let mut s = Small {
            d,
            mean: [0.0; 3],
            cov: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            lower: [f64::NEG_INFINITY; 3],
            upper: [f64::INFINITY; 3],
        };
        for i in 0..d {
            s.mean[i] = problem.mean()[i];
            s.lower[i] = problem.lower()[i];
            s.upper[i] = problem.upper()[i];
            for j in 0..d {
                s.cov[i][j] = problem.covariance().get(i, j);
            }
        }
        Ok(s)
    }

    /// (P, ln P) by the exact method of this dimension.
    fn value(&self) -> (f64, f64) {
        match self.d {
            1 => {
                let (a, b) = standardize(self.lower[0], self.upper[0], self.mean[0], self.cov[0][0]);
                standard_interval_pair(a, b)
            }
            2 => box_pair(
                [self.mean[0], self.mean[1]],
                [[self.cov[0][0], self.cov[0][1]], [self.cov[1][0], self.cov[1][1]]],
                [self.lower[0], self.lower[1]],
                [self.upper[0], self.upper[1]],
            ),
            _ => box_pair3(self.mean, self.cov, self.lower, self.upper),
        }
    }

    /// φ_k(c)·P(rest | X_k = c) for a finite c (0 for a zero variance).
    fn limit_term(&self, k: usize, c: f64) -> f64 {
        let vk = self.cov[k][k];
        if vk.is_nan() || vk <= 0.0 || !c.is_finite() {
            return 0.0;
        }
        let sk = vk.sqrt();
        let density = pdf((c - self.mean[k]) / sk) / sk;
        if density == 0.0 {
            return 0.0;
        }
        let (m, c) = conditional_normal(&self.mean[..self.d], |i, j| self.cov[i][j], k, c);
        let rest: Vec<usize> = (0..self.d).filter(|&j| j != k).collect();
        let p = match rest.len() {
            0 => 1.0,
            1 => {
                let j = rest[0];
                interval_probability(self.lower[j], self.upper[j], m[0], c[0])
            }
            _ => {
                let (i, j) = (rest[0], rest[1]);
                box_pair(
                    [m[0], m[1]],
                    [[c[0], c[1]], [c[2], c[3]]],
                    [self.lower[i], self.lower[j]],
                    [self.upper[i], self.upper[j]],
                )
                .0
            }
        };
        density * p
    }

    /// ∂P/∂ρ_ij of the standardised problem by Plackett's identity (|ρ_ij| < 1, σ > 0).
    fn plackett(&self, i: usize, j: usize, sigma: &[f64; 3], r: &[[f64; 3]; 3]) -> f64 {
        let lim =
            |m: usize| ((self.lower[m] - self.mean[m]) / sigma[m], (self.upper[m] - self.mean[m]) / sigma[m]);
        let third = (self.d == 3).then(|| {
            let k = 3 - i - j;
            (r[k][i], r[k][j], lim(k))
        });
        correlation_derivative(lim(i), lim(j), r[i][j], third)
    }

    fn gradient(&self, method: Method) -> (Estimate, Gradient) {
        let d = self.d;
        let (value, log_value) = self.value();
        let estimate = Estimate { value, log_value, ..Estimate::exact(value, method, 1) };
        let lower: Vec<f64> = (0..d).map(|k| -self.limit_term(k, self.lower[k])).collect();
        let upper: Vec<f64> = (0..d).map(|k| self.limit_term(k, self.upper[k])).collect();
        let mut gradient = Gradient::exact(lower, upper);
        let mut sigma = [1.0; 3];
        let mut r = [[1.0; 3]; 3];
        let mut regular = true;
        for i in 0..d {
            regular &= self.cov[i][i] > 0.0;
            sigma[i] = self.cov[i][i].sqrt();
        }
        if regular {
            for i in 0..d {
                for j in 0..d {
                    if i != j {
                        r[i][j] = (self.cov[i][j] / (sigma[i] * sigma[j])).clamp(-1.0, 1.0);
                        regular &= r[i][j].abs() < 1.0;
                    }
                }
            }
        }
        if regular {
            let mut g_rho = [[0.0; 3]; 3];
            for i in 0..d {
                for j in i + 1..d {
                    let g = self.plackett(i, j, &sigma, &r);
                    g_rho[i][j] = g;
                    g_rho[j][i] = g;
                }
            }
            let mut cov = vec![0.0; d * d];
            for i in 0..d {
                for j in 0..d {
                    cov[i * d + j] = if i != j {
                        g_rho[i][j] / (sigma[i] * sigma[j])
                    } else {
                        let mut s = 0.0;
                        if self.lower[i].is_finite() {
                            s += (self.lower[i] - self.mean[i]) * gradient.lower[i];
                        }
                        if self.upper[i].is_finite() {
                            s += (self.upper[i] - self.mean[i]) * gradient.upper[i];
                        }
                        for k in 0..d {
                            if k != i {
                                s += r[i][k] * g_rho[i][k];
                            }
                        }
                        -s / (2.0 * self.cov[i][i])
                    };
                }
            }
            gradient.covariance = Some(cov);
        }
        (estimate, gradient)
    }
}

/// Value and exact gradient for d = 1: ∂P/∂b = φ(β)/σ, ∂P/∂a = −φ(α)/σ, and
/// ∂P/∂Σ₁₁ = −[(a − μ)∂P/∂a + (b − μ)∂P/∂b]/(2Σ₁₁).
///
/// # Errors
///
/// [`Error::MethodNotApplicable`] when the problem is not one-dimensional.
///
/// ```
/// use mvn_orthant::{exact::Univariate, Covariance, Differentiable, GradientOptions, Problem};
/// let p = Problem::new(vec![0.0], Covariance::identity(1).unwrap(), vec![-1.0], vec![2.0]).unwrap();
/// let (e, g) = Univariate.integrate_with_gradient(&p, GradientOptions::default()).unwrap();
/// assert!((g.upper[0] - mvn_orthant::normal::pdf(2.0)).abs() < 1e-17);
/// assert!((g.mean[0] - (mvn_orthant::normal::pdf(-1.0) - mvn_orthant::normal::pdf(2.0))).abs() < 1e-16);
/// assert!(e.value > 0.8);
/// ```
pub(crate) fn univariate_gradient(problem: &Problem) -> Result<(Estimate, Gradient)> {
    if problem.is_empty_box() {
        return Ok((Estimate::empty_box(), Gradient::empty_box(problem.dim())));
    }
    Ok(Small::new(problem, 1, "univariate")?.gradient(Method::Univariate))
}

/// Value and exact gradient for d = 2 (limits, mean, and the covariance when Σ is regular).
///
/// # Errors
///
/// [`Error::MethodNotApplicable`] when the problem is not two-dimensional.
pub(crate) fn bivariate_gradient(problem: &Problem) -> Result<(Estimate, Gradient)> {
    if problem.is_empty_box() {
        return Ok((Estimate::empty_box(), Gradient::empty_box(problem.dim())));
    }
    Ok(Small::new(problem, 2, "bivariate")?.gradient(Method::Bivariate))
}

/// Value and exact gradient for d = 3 (limits, mean, and the covariance when no pair is
/// perfectly correlated and every variance is positive).
///
/// # Errors
///
/// [`Error::MethodNotApplicable`] when the problem is not three-dimensional.
pub(crate) fn trivariate_gradient(problem: &Problem) -> Result<(Estimate, Gradient)> {
    if problem.is_empty_box() {
        return Ok((Estimate::empty_box(), Gradient::empty_box(problem.dim())));
    }
    Ok(Small::new(problem, 3, "trivariate")?.gradient(Method::Trivariate))
}
