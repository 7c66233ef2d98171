//! Rectangle probabilities P(a ≤ X ≤ b), X ~ N(μ, Σ), and their gradients, on batches of limits
//! sharing one mean and one covariance (validated and factorised once per call).

use crate::value_error;
use mvn_orthant::student_t::StudentProblem;
use mvn_orthant::{
    integrate, integrate_with_gradient, Covariance, GradientOptions, MethodChoice, Problem, Settings,
};
use numpy::ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use rayon::prelude::*;
use std::str::FromStr;

/// A batch of n rectangles [a, b] ⊂ ℝ^d sharing one mean and one covariance, with the method,
/// settings and singularity policy of a call, checked for shape (the core validates the rest):
/// `_core.RectangleBatch(lower, upper, mean, cov, *, abs_tol, rel_tol, max_evaluations, seed,
/// method, allow_singular)`, then [`RectangleBatch::cdf`] or [`RectangleBatch::gradient`].
#[pyclass(module = "mvn_orthant._core", frozen)]
pub struct RectangleBatch {
    d: usize,
    n: usize,
    mean: Vec<f64>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    cov_entries: Vec<f64>,
    choice: MethodChoice,
    settings: Settings,
    allow_singular: bool,
}

#[pymethods]
impl RectangleBatch {
    /// The batch of the rows of `lower` and `upper` (n × d, every lower limit at most its upper
    /// limit) for X ~ N(mean, cov). Raises `ValueError` for mismatched shapes, an unknown method
    /// or unusable tolerances.
    #[new]
    #[pyo3(signature = (lower, upper, mean, cov, *, abs_tol, rel_tol, max_evaluations, seed, method, allow_singular))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        lower: PyReadonlyArray2<'_, f64>,
        upper: PyReadonlyArray2<'_, f64>,
        mean: PyReadonlyArray1<'_, f64>,
        cov: PyReadonlyArray2<'_, f64>,
        abs_tol: f64,
        rel_tol: f64,
        max_evaluations: u64,
        seed: u64,
        method: &str,
        allow_singular: bool,
    ) -> PyResult<Self> {
        let lower = lower.as_array();
        let upper = upper.as_array();
        let cov = cov.as_array();
        let mean: Vec<f64> = mean.as_array().iter().copied().collect();
        let d = mean.len();
        if cov.shape() != [d, d] {
            return Err(value_error(format!(
                "dimension mismatch: cov has shape {:?} but mean has length {d}",
                cov.shape()
            )));
        }
        if lower.shape() != upper.shape() || lower.shape()[1] != d {
            return Err(value_error(format!(
                "dimension mismatch: the limits have shapes {:?} and {:?}, expected (n, {d})",
                lower.shape(),
                upper.shape()
            )));
        }
        let choice = MethodChoice::from_str(method).map_err(value_error)?;
        let settings = Settings { abs_tol, rel_tol, max_evaluations, seed };
        settings.validate().map_err(value_error)?;
        Ok(RectangleBatch {
            d,
            n: lower.shape()[0],
            mean,
            lower: lower.iter().copied().collect(),
            upper: upper.iter().copied().collect(),
            cov_entries: cov.iter().copied().collect(),
            choice,
            settings,
            allow_singular,
        })
    }
    /// P(lower ≤ X ≤ upper) for X ~ N(mean, cov) at every rectangle of the batch; with `df` =
    /// ν < ∞, for the multivariate t X = mean + Z/√(W/ν), Z ~ N(0, cov), W ~ χ²_ν (`cov` the
    /// scale matrix), through `validation::student::integrate`.
    ///
    /// Returns three arrays of length n: the probabilities, their natural logarithms (computed in
    /// log space, finite far below 1e-308) and the error estimates (99% half-widths).
    ///
    /// Raises `ValueError` for an invalid covariance, a NaN limit or mean, a singular covariance
    /// when `allow_singular` is false, or no applicable method.
    #[pyo3(signature = (*, df = f64::INFINITY))]
    pub fn cdf<'py>(&self, py: Python<'py>, df: f64) -> PyResult<CdfArrays<'py>> {
        let results = py.allow_threads(|| {
            self.map(|problem, settings| {
                let e = if df == f64::INFINITY {
                    integrate(problem, self.choice, settings)?
                } else {
                    // The multivariate t: the one method choice of the tools for t problems.
                    let student = StudentProblem::new(problem.clone(), df)?;
                    validation::student::integrate(&student, self.choice, settings)?
                };
                Ok((e.value, e.log_value, e.error))
            })
        });
        let results = results.map_err(value_error)?;
        let values: Vec<f64> = results.iter().map(|r| r.0).collect();
        let logs: Vec<f64> = results.iter().map(|r| r.1).collect();
        let errors: Vec<f64> = results.iter().map(|r| r.2).collect();
        Ok((values.into_pyarray(py), logs.into_pyarray(py), errors.into_pyarray(py)))
    }

    /// P(lower ≤ X ≤ upper) and its gradient at every rectangle of the batch, through
    /// `mvn_orthant::integrate_with_gradient` (with the covariance derivative when
    /// `with_covariance`).
    ///
    /// Returns `(value, error, [d_lower, d_upper, d_mean, d_lower_error, d_upper_error,
    /// d_mean_error], cov)` where `cov` is None or `[d_cov, d_cov_error]` (n × d × d; the
    /// off-diagonal entry (i, j) is the derivative with respect to the pair Σ_ij = Σ_ji moved
    /// together). Errors are 99% half-widths (0 for the exact methods). Raises `ValueError` as
    /// [`RectangleBatch::cdf`], and for a method without gradients (`tilted`, `monte-carlo`).
    #[pyo3(signature = (*, with_covariance))]
    pub fn gradient<'py>(&self, py: Python<'py>, with_covariance: bool) -> PyResult<GradientArrays<'py>> {
        let results: Vec<PointGradient> = py
            .allow_threads(|| {
                self.map(|problem, settings| {
                    let options = if with_covariance {
                        GradientOptions::default().with_covariance()
                    } else {
                        GradientOptions::default()
                    };
                    let (estimate, gradient) =
                        integrate_with_gradient(problem, self.choice, settings, options)?;
                    let cov = match (with_covariance, &gradient.covariance, &gradient.covariance_error) {
                        (true, Some(g), Some(e)) => Some((g.clone(), e.clone())),
                        (true, Some(g), None) => Some((g.clone(), vec![0.0; g.len()])),
                        _ => None,
                    };
                    Ok((estimate.value, estimate.error, gradient, cov))
                })
            })
            .map_err(value_error)?;
        let (n, d) = (self.n, self.d);
        let values: Vec<f64> = results.iter().map(|r| r.0).collect();
        let errors: Vec<f64> = results.iter().map(|r| r.1).collect();
        let rows = |part: fn(&mvn_orthant::Gradient) -> &Vec<f64>| {
            let mut out = Array2::<f64>::zeros((n, d));
            for (i, r) in results.iter().enumerate() {
                for (k, &g) in part(&r.2).iter().enumerate() {
                    out[[i, k]] = g;
                }
            }
            out.into_pyarray(py)
        };
        let limits = [
            rows(|g| &g.lower),
            rows(|g| &g.upper),
            rows(|g| &g.mean),
            rows(|g| &g.lower_error),
            rows(|g| &g.upper_error),
            rows(|g| &g.mean_error),
        ];
        let covariance = with_covariance.then(|| {
            let matrices = |second: bool| {
                let mut out = Array3::<f64>::zeros((n, d, d));
                for (i, r) in results.iter().enumerate() {
                    if let Some((g, e)) = &r.3 {
                        for (k, &v) in (if second { e } else { g }).iter().enumerate() {
                            out[[i, k / d, k % d]] = v;
                        }
                    }
                }
                out.into_pyarray(py)
            };
            [matrices(false), matrices(true)]
        });
        Ok((values.into_pyarray(py), errors.into_pyarray(py), limits, covariance))
    }
}

impl RectangleBatch {
    /// Validates the covariance once, then maps `f` over the points in parallel (each point with
    /// its own seed derived from the call's seed and its index); the first error, prefixed by
    /// `point i:` in a batch of several points, is returned.
    fn map<T: Send, F>(&self, f: F) -> Result<Vec<T>, String>
    where
        F: Fn(&Problem, &Settings) -> mvn_orthant::Result<T> + Sync + Send,
    {
        let d = self.d;
        let covariance =
            Covariance::from_row_major(d, self.cov_entries.clone()).map_err(|e| e.to_string())?;
        if !self.allow_singular && covariance.rank() < d {
            return Err(format!(
                "singular matrix: the covariance has numerical rank {} < {d} (pass allow_singular=True to accept it)",
                covariance.rank()
            ));
        }
        let outcomes: Vec<mvn_orthant::Result<T>> = (0..self.n)
            .into_par_iter()
            .map(|i| {
                let rows = i * d..(i + 1) * d;
                let problem = Problem::new(
                    self.mean.clone(),
                    covariance.clone(),
                    self.lower[rows.clone()].to_vec(),
                    self.upper[rows].to_vec(),
                )?;
                let settings = Settings {
                    seed: mvn_orthant::qmc::derive_seed(self.settings.seed, i as u64),
                    ..self.settings
                };
                f(&problem, &settings)
            })
            .collect();
        let n = self.n;
        outcomes
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.map_err(|e| if n == 1 { e.to_string() } else { format!("point {i}: {e}") }))
            .collect()
    }
}

/// The probabilities, their natural logarithms and their errors (each of length n).
type CdfArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// One point's value, error, limit and mean derivatives with their errors, and (on request)
/// the covariance derivative with its error.
type PointGradient = (f64, f64, mvn_orthant::Gradient, Option<(Vec<f64>, Vec<f64>)>);

/// The value, gradient and errors of a batch, as Python arrays: `value`, `error` (n);
/// `d_lower`, `d_upper`, `d_mean` and their errors (n × d); and `d_cov`, `d_cov_error`
/// (n × d × d) when requested.
type GradientArrays<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    [Bound<'py, PyArray2<f64>>; 6],
    Option<[Bound<'py, PyArray3<f64>>; 2]>,
);
