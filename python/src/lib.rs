//! The Rust half of the `mvn_orthant` Python package (`mvn_orthant._core`): a thin PyO3 layer
//! over [`mvn_orthant`] and [`exact_loss`].
//!
//! Argument processing in SciPy's manner (dimension inference, broadcasting, output shapes, the
//! sign rule of swapped limits) lives in the pure-Python package `python/mvn_orthant/`; this
//! module receives contiguous `float64` arrays, validates them through the Rust constructors
//! (whose errors become `ValueError` with the same message as the `orthant` CLI), and evaluates
//! a whole batch with the GIL released, in parallel over the points with rayon. No mathematics
//! happens here.

use exact_loss::accuracy::{expected_accuracy_batch as accuracy_batch, Backend};
use exact_loss::Sigma;
use mvn_orthant::{integrate, Covariance, MethodChoice, Problem, Settings};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rayon::prelude::*;
use std::str::FromStr;

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

type CdfArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// P(lower ≤ X ≤ upper) for X ~ N(mean, cov) at every row of `lower` and `upper` (n × d, every
/// lower limit at most its upper limit).
///
/// Returns three arrays of length n: the probabilities, their natural logarithms (computed in
/// log space, finite far below 1e-308) and the error estimates (99% half-widths).
///
/// Raises `ValueError` for an invalid covariance, a NaN limit or mean, mismatched shapes, a
/// singular covariance when `allow_singular` is false, an unknown method or unusable
/// tolerances.
#[pyfunction]
#[pyo3(signature = (lower, upper, mean, cov, *, abs_tol, rel_tol, max_evaluations, seed, method, allow_singular))]
fn mvn_cdf<'py>(
    py: Python<'py>,
    lower: PyReadonlyArray2<'py, f64>,
    upper: PyReadonlyArray2<'py, f64>,
    mean: PyReadonlyArray1<'py, f64>,
    cov: PyReadonlyArray2<'py, f64>,
    abs_tol: f64,
    rel_tol: f64,
    max_evaluations: u64,
    seed: u64,
    method: &str,
    allow_singular: bool,
) -> PyResult<CdfArrays<'py>> {
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
    let n = lower.shape()[0];
    let lower: Vec<f64> = lower.iter().copied().collect();
    let upper: Vec<f64> = upper.iter().copied().collect();
    let cov_entries: Vec<f64> = cov.iter().copied().collect();
    let choice = MethodChoice::from_str(method).map_err(value_error)?;
    let settings = Settings { abs_tol, rel_tol, max_evaluations, seed };
    settings.validate().map_err(value_error)?;

    let results = py.allow_threads(move || -> Result<Vec<(f64, f64, f64)>, String> {
        // Validated (symmetry, finiteness, positive semidefiniteness) once for the batch.
        let covariance = Covariance::from_row_major(d, cov_entries).map_err(|e| e.to_string())?;
        if !allow_singular && covariance.rank() < d {
            return Err(format!(
                "singular matrix: the covariance has numerical rank {} < {d} (pass allow_singular=True to accept it)",
                covariance.rank()
            ));
        }
        let outcomes: Vec<mvn_orthant::Result<(f64, f64, f64)>> = (0..n)
            .into_par_iter()
            .map(|i| {
                let rows = i * d..(i + 1) * d;
                let problem =
                    Problem::new(mean.clone(), covariance.clone(), lower[rows.clone()].to_vec(), upper[rows].to_vec())?;
                let settings = Settings { seed: mvn_orthant::qmc::derive_seed(seed, i as u64), ..settings };
                let e = integrate(&problem, choice, &settings)?;
                Ok((e.value, e.log_value, e.error))
            })
            .collect();
        outcomes
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.map_err(|e| if n == 1 { e.to_string() } else { format!("point {i}: {e}") }))
            .collect()
    });
    let results = results.map_err(value_error)?;
    let values: Vec<f64> = results.iter().map(|r| r.0).collect();
    let logs: Vec<f64> = results.iter().map(|r| r.1).collect();
    let errors: Vec<f64> = results.iter().map(|r| r.2).collect();
    Ok((values.into_pyarray(py), logs.into_pyarray(py), errors.into_pyarray(py)))
}

type AccuracyArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>);

/// The EXACT expected accuracy of every row of `logits` (B × C) with its gradients.
///
/// `sigma` is a scalar (`sigma_scalar`) or one value per example (`sigma_per_example`, length
/// B); `method` is `"quadrature"` (exact, deterministic), `"genz"` or `"monte-carlo"` (with
/// `samples` points per example and `seed`). Returns the accuracies (B), ∂A/∂logits (B × C)
/// and ∂A/∂σ (B).
#[pyfunction]
#[pyo3(signature = (logits, labels, *, sigma_scalar, sigma_per_example, method, samples, seed))]
fn expected_accuracy<'py>(
    py: Python<'py>,
    logits: PyReadonlyArray2<'py, f64>,
    labels: PyReadonlyArray1<'py, i64>,
    sigma_scalar: Option<f64>,
    sigma_per_example: Option<PyReadonlyArray1<'py, f64>>,
    method: &str,
    samples: u32,
    seed: u64,
) -> PyResult<AccuracyArrays<'py>> {
    let logits_view = logits.as_array();
    let (batch, classes) = (logits_view.shape()[0], logits_view.shape()[1]);
    let logits: Vec<f64> = logits_view.iter().copied().collect();
    let labels: Vec<usize> = labels
        .as_array()
        .iter()
        .enumerate()
        .map(|(b, &y)| {
            usize::try_from(y).map_err(|_| value_error(format!("label {y} of example {b} is negative")))
        })
        .collect::<PyResult<_>>()?;
    if labels.len() != batch {
        return Err(value_error(format!("labels has length {} but logits has {batch} rows", labels.len())));
    }
    let sigma_values: Option<Vec<f64>> = sigma_per_example.map(|s| s.as_array().iter().copied().collect());
    let backend = match method {
        "quadrature" => Backend::Quadrature,
        "genz" => Backend::Genz { samples, seed },
        "monte-carlo" | "monte_carlo" => Backend::MonteCarlo { samples, seed },
        other => {
            return Err(value_error(format!(
                "unknown method {other:?}; expected one of quadrature, genz, monte-carlo"
            )))
        }
    };
    let results = py.allow_threads(|| {
        let sigma = match (&sigma_values, sigma_scalar) {
            (Some(v), _) => Sigma::PerExample(v),
            (None, Some(s)) => Sigma::Scalar(s),
            (None, None) => Sigma::Scalar(f64::NAN),
        };
        accuracy_batch(&logits, classes, &labels, sigma, backend).map_err(|e| e.to_string())
    });
    let results = results.map_err(value_error)?;
    let values: Vec<f64> = results.iter().map(|a| a.value).collect();
    let d_sigma: Vec<f64> = results.iter().map(|a| a.d_sigma).collect();
    let mut d_logits = numpy::ndarray::Array2::<f64>::zeros((batch, classes));
    for (b, a) in results.iter().enumerate() {
        for (c, &g) in a.d_logits.iter().enumerate() {
            d_logits[[b, c]] = g;
        }
    }
    Ok((values.into_pyarray(py), d_logits.into_pyarray(py), d_sigma.into_pyarray(py)))
}

/// The extension module `mvn_orthant._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mvn_cdf, m)?)?;
    m.add_function(wrap_pyfunction!(expected_accuracy, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
