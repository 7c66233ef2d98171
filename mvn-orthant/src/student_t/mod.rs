//! Multivariate Student t probabilities P(a ≤ X ≤ b) for X = μ + Z/√(W/ν), Z ~ N(0, Σ),
//! W ~ χ²_ν independent of Z, ν > 0 real (ν = ∞: X ~ N(μ, Σ)).
//!
//! μ is the location and Σ the scale matrix (the covariance of X is ν/(ν − 2) Σ for ν > 2); both
//! are carried by a validated [`Problem`], and [`StudentProblem`] adds the degrees of freedom.
//!
//! Exact (deterministic, rounding-level) methods, run by [`integrate_exact`]:
//!
//! * d = 1: the regularised incomplete beta function ([`univariate`], `beta`);
//! * d = 2 and d = 3: a 1-D integral over the chi variable (`chi_mixture`) of the normal
//!   bivariate and trivariate methods, in log space;
//! * a one-factor scale matrix Σ = D + λλᵀ, any d: the same integral around the one-factor
//!   normal reduction (a 2-D integral in all);
//! * a cone (every finite limit equal to the location): P does not depend on ν, and is the
//!   normal probability.
//!
//! [`integrate`] chooses among these, Genz's method for the t (`genz`: the chi variable as
//! one more quasi-Monte Carlo coordinate) and, for small probabilities, the chi mixture with the
//! normal minimax tilting inside (`tilting`, relative accuracy) by a [`crate::MethodChoice`];
//! [`integrate_with_gradient`] adds ∂P/∂a, ∂P/∂b and ∂P/∂μ by conditioning (module `gradient`). The mathematics is in
//! `docs/student-t.md`.

pub(crate) mod beta;
pub(crate) mod chi_mixture;
pub(crate) mod gamma;
pub(crate) mod genz;
pub(crate) mod gradient;
pub(crate) mod method_choice;
pub(crate) mod monte_carlo;
pub(crate) mod tilting;
pub mod univariate;

pub use method_choice::{integrate, integrate_with_gradient};

use crate::error::{Error, Result};
use crate::estimate::{Estimate, Method};
use crate::problem::Problem;
use chi_mixture::{chi_mixture_pair, scale_limit};
use std::cell::Cell;

/// A validated multivariate t problem: a [`Problem`] (location μ, scale matrix Σ, limits a, b)
/// and the degrees of freedom ν ∈ (0, ∞].
#[derive(Debug, Clone, PartialEq)]
pub struct StudentProblem {
    problem: Problem,
    degrees_of_freedom: f64,
}

impl StudentProblem {
    /// Adds the degrees of freedom ν to a validated problem; ν = +∞ is the normal distribution.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] (name `"degrees of freedom"`) when ν is NaN, ≤ 0 or −∞.
    ///
    /// ```
    /// use mvn_orthant::{student_t::StudentProblem, Covariance, Problem};
    /// let p = Problem::lower_orthant(Covariance::identity(2).unwrap(), vec![1.0, 2.0]).unwrap();
    /// assert!(StudentProblem::new(p.clone(), 2.5).is_ok());
    /// assert!(StudentProblem::new(p.clone(), f64::INFINITY).unwrap().is_normal());
    /// assert!(StudentProblem::new(p.clone(), 0.0).is_err());
    /// assert!(StudentProblem::new(p, f64::NAN).is_err());
    /// ```
    pub fn new(problem: Problem, degrees_of_freedom: f64) -> Result<Self> {
        if degrees_of_freedom.is_nan() || degrees_of_freedom <= 0.0 {
            return Err(Error::InvalidArgument {
                name: "degrees of freedom".into(),
                reason: format!("{degrees_of_freedom} is not a positive number (use +∞ for the normal)"),
            });
        }
        Ok(StudentProblem { problem, degrees_of_freedom })
    }

    /// The normal problem (ν = ∞).
    pub fn normal(problem: Problem) -> Self {
        StudentProblem { problem, degrees_of_freedom: f64::INFINITY }
    }

    /// The location μ, scale matrix Σ and limits.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The degrees of freedom ν (+∞ for the normal).
    pub fn degrees_of_freedom(&self) -> f64 {
        self.degrees_of_freedom
    }

    /// Whether ν = ∞ (X ~ N(μ, Σ)).
    pub fn is_normal(&self) -> bool {
        self.degrees_of_freedom == f64::INFINITY
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.problem.dim()
    }
}

/// The centred limits (a − μ, b − μ) of a problem.
fn centred_limits(problem: &Problem) -> (Vec<f64>, Vec<f64>) {
    let m = problem.mean();
    let lower = problem.lower().iter().zip(m).map(|(a, m)| a - m).collect();
    let upper = problem.upper().iter().zip(m).map(|(b, m)| b - m).collect();
    (lower, upper)
}

/// The normal probability (P, ln P) of the centred box scaled by s = e^t (t = 0: the problem
/// itself), by the exact method of `method`.
///
/// P(s a ≤ Z ≤ s b) = P(a ≤ Z′ ≤ b) with Z′ = Z/s ~ N(0, e^{−2t} Σ): for d = 2, 3 the scale matrix
/// is scaled instead of the limits where [`scaled_covariance`] allows, so that the limits, and
/// the width b − a that the normal methods take from them for a narrow box, stay exact. Scaled
/// limits carry a rounding of about ε|a| each: a relative error ε|a|/(b − a) of the width
/// (7.7·10⁻⁶ in ln P for (1, 1 + 2⁻⁴⁰) × (−2, −2 + 2⁻⁴⁰)). Elsewhere, and for the one-factor
/// route, the limits are scaled ([`scale_limit`]).
fn scaled_normal_pair(method: &NormalMethod, lower: &[f64], upper: &[f64], t: f64) -> (f64, f64) {
    // The scale matrix e^{−2t} Σ with the limits as they are where it is representable, else Σ
    // with the scaled limits.
    fn pick<const N: usize>(cov: &[[f64; N]; N], t: f64) -> ([[f64; N]; N], Option<f64>) {
        scaled_covariance(cov, t).map_or((*cov, Some(t)), |c| (c, None))
    }
    fn limits<const N: usize>(v: &[f64], scale: Option<f64>) -> [f64; N] {
        std::array::from_fn(|i| scale.map_or(v[i], |t| scale_limit(v[i], t)))
    }
    match method {
        NormalMethod::Bivariate(cov) => {
            let (c, scale) = pick(cov, t);
            crate::exact::bivariate::box_pair([0.0; 2], c, limits(lower, scale), limits(upper, scale))
        }
        NormalMethod::Trivariate(cov) => {
            let (c, scale) = pick(cov, t);
            crate::exact::trivariate::box_pair3([0.0; 3], c, limits(lower, scale), limits(upper, scale))
        }
        NormalMethod::OneFactor { diagonal, loading } => {
            let scaled = |v: &[f64]| v.iter().map(|&x| scale_limit(x, t)).collect::<Vec<f64>>();
            match crate::one_factor::OneFactorProblem::new(
                vec![0.0; lower.len()],
                diagonal.clone(),
                loading.clone(),
                scaled(lower),
                scaled(upper),
            ) {
                Ok(p) => {
                    let e = p.integrate();
                    (e.value, e.log_value)
                }
                Err(_) => (f64::NAN, f64::NAN),
            }
        }
    }
}

/// e^{−2t} Σ, entry by entry (one rounding each, after the common rounding of e^{−2t}, which is a
/// shift of t by ε), when |t| ≤ 115 and every nonzero entry stays within 10^{±150}, so that the
/// normal methods' products and square roots of entries stay normal doubles; `None` otherwise.
fn scaled_covariance<const N: usize>(cov: &[[f64; N]; N], t: f64) -> Option<[[f64; N]; N]> {
    if t.abs() > 115.0 {
        return None;
    }
    let k = (-2.0 * t).exp();
    let scaled = cov.map(|row| row.map(|c| c * k));
    let representable = scaled.iter().flatten().all(|c| *c == 0.0 || (1e-150..=1e150).contains(&c.abs()));
    representable.then_some(scaled)
}

/// The normal method inside the chi mixture.
enum NormalMethod {
    Bivariate([[f64; 2]; 2]),
    Trivariate([[f64; 3]; 3]),
    OneFactor { diagonal: Vec<f64>, loading: Vec<f64> },
}

impl NormalMethod {
    fn method(&self) -> Method {
        match self {
            NormalMethod::Bivariate(_) => Method::Bivariate,
            NormalMethod::Trivariate(_) => Method::Trivariate,
            NormalMethod::OneFactor { .. } => Method::OneFactor,
        }
    }
}

/// P(a ≤ X ≤ b) for the multivariate t (or normal, ν = ∞) by an exact method (what
/// [`integrate`] runs for [`crate::MethodChoice::Exact`]): d = 1 by the
/// incomplete beta function, d = 2, 3 and one-factor scale matrices by the chi mixture
/// (after dropping coordinates with both limits infinite). `log_value` keeps relative accuracy
/// where `value` underflows; `error` is 0 (the methods are exact to rounding and quadrature at
/// ~10⁻¹⁴ relative).
///
/// # Errors
///
/// [`Error::MethodNotApplicable`] for d ≥ 4 without a one-factor scale matrix (Genz's method for the t
/// and the tilted t of [`integrate`] cover them).
///
/// ```
/// use mvn_orthant::{student_t, Covariance, Problem};
/// // The bivariate orthant is 1/4 + asin(ρ)/(2π) for every ν.
/// let sigma = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
/// let p = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
/// let e = student_t::integrate_exact(&student_t::StudentProblem::new(p, 3.0).unwrap()).unwrap();
/// assert!((e.value - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn integrate_exact(student: &StudentProblem) -> Result<Estimate> {
    let nu = student.degrees_of_freedom;
    let full = &student.problem;
    if full.is_empty_box() {
        return Ok(Estimate::empty_box());
    }
    let Some(problem) = full.without_unbounded() else {
        return Ok(Estimate::exact(1.0, Method::Trivial, 0));
    };
    let d = problem.dim();
    let sigma = problem.covariance();
    let (lower, upper) = centred_limits(&problem);
    if d == 1 {
        let variance = sigma.get(0, 0);
        if variance <= 0.0 {
            // A point mass at μ.
            let inside = lower[0] <= 0.0 && upper[0] >= 0.0;
            return Ok(Estimate::exact(if inside { 1.0 } else { 0.0 }, Method::Trivial, 0));
        }
        let sd = variance.sqrt();
        let (_, ln_p) = univariate::interval_pair(lower[0] / sd, upper[0] / sd, nu);
        return Ok(Estimate::exact_log(ln_p, Method::Univariate, 1));
    }
    let method = match d {
        2 => {
            NormalMethod::Bivariate([[sigma.get(0, 0), sigma.get(0, 1)], [sigma.get(1, 0), sigma.get(1, 1)]])
        }
        3 => {
            let mut cov = [[0.0; 3]; 3];
            for (i, row) in cov.iter_mut().enumerate() {
                for (j, c) in row.iter_mut().enumerate() {
                    *c = sigma.get(i, j);
                }
            }
            NormalMethod::Trivariate(cov)
        }
        _ => match crate::one_factor::detect_one_factor(sigma) {
            Some((diagonal, loading)) => NormalMethod::OneFactor { diagonal, loading },
            None => {
                return Err(Error::MethodNotApplicable {
                    method: "student-t exact".into(),
                    reason: format!(
                        "d = {d} with a scale matrix that is not one-factor (D + λλᵀ); the exact t \
                         methods cover d ≤ 3 and one-factor scale matrices"
                    ),
                })
            }
        },
    };
    // A cone (every finite centred limit 0) is invariant under scaling: P does not depend on S.
    let is_cone = lower.iter().chain(&upper).all(|&x| x == 0.0 || x.is_infinite());
    if nu == f64::INFINITY || is_cone {
        let (_, ln_p) = scaled_normal_pair(&method, &lower, &upper, 0.0);
        return Ok(Estimate::exact_log(ln_p, method.method(), 1));
    }
    let evaluations = Cell::new(0u64);
    let limits: Vec<f64> = lower.iter().chain(&upper).copied().collect();
    let (_, ln_p) = chi_mixture_pair(nu, &limits, |t| {
        evaluations.set(evaluations.get() + 1);
        scaled_normal_pair(&method, &lower, &upper, t)
    });
    if ln_p.is_nan() {
        return Err(Error::MethodNotApplicable {
            method: "student-t exact".into(),
            reason: "the chi-mixture integrand was not finite".into(),
        });
    }
    Ok(Estimate::exact_log(ln_p, method.method(), evaluations.get()))
}
