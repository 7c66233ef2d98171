//! Closed-form rectangle probabilities, implemented here independently of the methods of
//! `mvn-orthant` so that they can serve as oracles for them.
//!
//! [`probability`] reduces a problem in three exact steps and then applies a formula to each
//! independent block:
//!
//! 1. A coordinate with zero variance is a point mass at μ_i (and, Σ being semidefinite, it is
//!    uncorrelated with every other coordinate): it contributes a factor 1 when a_i ≤ μ_i ≤ b_i
//!    and makes the probability 0 otherwise.
//! 2. A coordinate with both limits infinite integrates to 1 and is dropped.
//! 3. The remaining coordinates are split into the connected components of the graph with an
//!    edge where Σ_ij ≠ 0 (a block-diagonal Σ after permutation); the probability is the product
//!    of the components' probabilities.
//!
//! Each component then needs one of:
//!
//! * d = 1: Φ(β) − Φ(α) with α = (a − μ)/σ, β = (b − μ)/σ;
//! * a zero-mean orthant, where every coordinate is either X_i ≤ μ_i (sign s_i = +1) or
//!   X_i ≥ μ_i (s_i = −1). With the correlations r_ij = s_i s_j Σ_ij / √(Σ_ii Σ_jj):
//!   - d = 2: P = 1/4 + asin(r_12)/(2π) (Sheppard's formula), as atan(√((1 + r)/(1 − r)))/π for
//!     r < 0 (no cancellation as r → −1);
//!   - d = 3: P = 1/8 + (asin r_12 + asin r_13 + asin r_23)/(4π);
//!   - any d with every r_ij = ½: P = 1/(d+1) (write X_i = Z_i − Z_0 with Z_0, …, Z_d
//!     independent; the orthant is the event that Z_0 is the largest of d + 1 exchangeable
//!     variables).
//!
//! Anything else answers `None`.

use mvn_orthant::normal;
use mvn_orthant::{Error, Estimate, Integrator, Method, Problem};
use std::f64::consts::PI;

/// A closed-form value and the formula that gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedForm {
    /// The probability.
    pub value: f64,
    /// A human-readable description of the formula(s) used.
    pub formula: String,
}

/// The closed-form probability of `problem`, when one of the formulas of the module applies.
///
/// ```
/// use mvn_orthant::{Covariance, Problem};
/// use validation::closed_form::probability;
/// let sigma = Covariance::equicorrelated(2, 0.5).unwrap();
/// let p = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
/// assert!((probability(&p).unwrap().value - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn probability(problem: &Problem) -> Option<ClosedForm> {
    let sigma = problem.covariance();
    let (mean, lower, upper) = (problem.mean(), problem.lower(), problem.upper());
    let mut active = Vec::new();
    for i in 0..problem.dim() {
        if sigma.get(i, i) <= 0.0 {
            if !(lower[i] <= mean[i] && mean[i] <= upper[i]) {
                return Some(ClosedForm {
                    value: 0.0,
                    formula: format!("point mass x{i} outside its interval"),
                });
            }
            continue;
        }
        if lower[i] == f64::NEG_INFINITY && upper[i] == f64::INFINITY {
            continue;
        }
        active.push(i);
    }
    if active.is_empty() {
        return Some(ClosedForm {
            value: 1.0,
            formula: "every coordinate unbounded or a point mass inside".into(),
        });
    }
    let mut value = 1.0;
    let mut formulas = Vec::new();
    for component in components(problem, &active) {
        let (v, f) = component_probability(problem, &component)?;
        value *= v;
        if !formulas.contains(&f) {
            formulas.push(f);
        }
    }
    Some(ClosedForm { value, formula: formulas.join(" × ") })
}

/// Connected components of the correlation graph restricted to `active` (in increasing order).
fn components(problem: &Problem, active: &[usize]) -> Vec<Vec<usize>> {
    let sigma = problem.covariance();
    let mut seen = vec![false; active.len()];
    let mut out = Vec::new();
    for start in 0..active.len() {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut component = Vec::new();
        while let Some(k) = stack.pop() {
            component.push(active[k]);
            for (m, s) in seen.iter_mut().enumerate() {
                if !*s && sigma.get(active[k], active[m]) != 0.0 {
                    *s = true;
                    stack.push(m);
                }
            }
        }
        component.sort_unstable();
        out.push(component);
    }
    out
}

fn component_probability(problem: &Problem, idx: &[usize]) -> Option<(f64, String)> {
    let sigma = problem.covariance();
    let (mean, lower, upper) = (problem.mean(), problem.lower(), problem.upper());
    if idx.len() == 1 {
        let i = idx[0];
        let s = sigma.get(i, i).sqrt();
        let (alpha, beta) = ((lower[i] - mean[i]) / s, (upper[i] - mean[i]) / s);
        // Φ(β) − Φ(α), computed in the tail where it does not cancel.
        let p = if alpha > 0.0 {
            normal::upper_tail(alpha) - normal::upper_tail(beta)
        } else {
            normal::cdf(beta) - normal::cdf(alpha)
        };
        return Some((p.max(0.0), "Φ(β) − Φ(α)".into()));
    }
    // Orthant signs.
    let mut signs = Vec::with_capacity(idx.len());
    for &i in idx {
        if lower[i] == f64::NEG_INFINITY && upper[i] == mean[i] {
            signs.push(1.0);
        } else if lower[i] == mean[i] && upper[i] == f64::INFINITY {
            signs.push(-1.0);
        } else {
            return None;
        }
    }
    let r = |p: usize, q: usize| {
        let (i, j) = (idx[p], idx[q]);
        (signs[p] * signs[q] * sigma.get(i, j) / (sigma.get(i, i) * sigma.get(j, j)).sqrt()).clamp(-1.0, 1.0)
    };
    match idx.len() {
        // For ρ < 0, 1/4 + asin ρ/(2π) cancels; the same angle as atan(√((1 + ρ)/(1 − ρ)))/π keeps
        // relative accuracy down to ρ = −1.
        2 if r(0, 1) < 0.0 => {
            let rho = r(0, 1);
            Some((((1.0 + rho) / (1.0 - rho)).sqrt().atan() / PI, "atan(√((1 + ρ)/(1 − ρ)))/π".into()))
        }
        2 => Some((0.25 + r(0, 1).asin() / (2.0 * PI), "1/4 + asin ρ/(2π)".into())),
        3 => Some((
            0.125 + (r(0, 1).asin() + r(0, 2).asin() + r(1, 2).asin()) / (4.0 * PI),
            "1/8 + Σ asin ρ_ij/(4π)".into(),
        )),
        d => {
            let all_half = (0..d).all(|p| (0..p).all(|q| (r(p, q) - 0.5).abs() <= 4.0 * f64::EPSILON));
            all_half.then(|| (1.0 / (d as f64 + 1.0), "1/(d+1) (ρ = ½ orthant)".into()))
        }
    }
}

/// The closed forms of this module as an [`Integrator`] (name `"validation-closed-form"`), so
/// that the harness and the report can run them like any method. Problems without a closed form
/// answer [`Error::MethodNotApplicable`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClosedFormIntegrator;

impl Integrator for ClosedFormIntegrator {
    fn name(&self) -> String {
        "validation-closed-form".into()
    }

    fn integrate(&self, problem: &Problem) -> mvn_orthant::Result<Estimate> {
        match probability(problem) {
            Some(c) => Ok(Estimate::exact(c.value, Method::OrthantClosedForm, 1)),
            None => Err(Error::MethodNotApplicable {
                method: self.name(),
                reason: "no closed form: the problem is not a product of intervals, d ≤ 3 orthants or ρ = ½ orthants"
                    .into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mvn_orthant::Covariance;

    #[test]
    fn trivariate_equicorrelated_half_agrees_between_formulas() {
        // d = 3, ρ = ½: 1/8 + 3·asin(½)/(4π) = 1/8 + 1/8 = 1/4 = 1/(d+1).
        let p = Problem::lower_orthant(Covariance::equicorrelated(3, 0.5).unwrap(), vec![0.0; 3]).unwrap();
        assert!((probability(&p).unwrap().value - 0.25).abs() < 1e-16);
    }

    #[test]
    fn sign_flips_and_blocks() {
        // Upper orthant in coordinate 0, lower in 1: correlation flips sign.
        let sigma = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
        let p = Problem::new(vec![0.0; 2], sigma, vec![0.0, f64::NEG_INFINITY], vec![f64::INFINITY, 0.0])
            .unwrap();
        assert!((probability(&p).unwrap().value - 1.0 / 6.0).abs() < 1e-15);
        // Identity: product of halves.
        let p = Problem::lower_orthant(Covariance::identity(5).unwrap(), vec![0.0; 5]).unwrap();
        assert!((probability(&p).unwrap().value - 1.0 / 32.0).abs() < 1e-17);
        // Not a closed form: a general 4-d box.
        let p = Problem::lower_orthant(Covariance::equicorrelated(4, 0.3).unwrap(), vec![0.0; 4]).unwrap();
        assert!(probability(&p).is_none());
    }
}
