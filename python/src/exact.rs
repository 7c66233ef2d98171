//! The EXACT expected accuracy, loss, σ schedule and gradient normaliser of [`exact_loss`], for
//! NumPy and PyTorch.

use crate::value_error;
use ::exact_loss::accuracy::{expected_accuracy_batch as accuracy_batch, Backend};
use ::exact_loss::{ExactLoss, GeometricSchedule, Objective, Sigma};
use numpy::ndarray::Array2;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use rayon::prelude::*;
use std::borrow::Cow;

/// A batch of B classification examples: the logits (row-major B × C), the labels, σ (a scalar
/// or one per example) and the backend of the expected accuracy, checked for shape and sign (the
/// core checks the rest): `_core.LogitBatch(logits, labels, *, sigma_scalar, sigma_per_example,
/// method, samples, seed)`, then [`LogitBatch::expected_accuracy`] or [`LogitBatch::exact_loss`].
#[pyclass(module = "mvn_orthant._core", frozen)]
pub struct LogitBatch {
    logits: Logits,
    batch: usize,
    classes: usize,
    labels: Vec<usize>,
    sigma_values: Option<Vec<f64>>,
    sigma_scalar: Option<f64>,
    backend: Backend,
    seed: u64,
}

#[pymethods]
impl LogitBatch {
    /// The batch of the rows of `logits` (B × C) with their `labels` (B); `sigma` is a scalar
    /// (`sigma_scalar`) or one value per example (`sigma_per_example`, length B); `method` is
    /// `"quadrature"` (exact, deterministic), `"genz"` or `"monte-carlo"` (with `samples` points
    /// per example and `seed`). Raises `ValueError` for a negative label, mismatched lengths or
    /// an unknown method.
    #[new]
    #[pyo3(signature = (logits, labels, *, sigma_scalar, sigma_per_example, method, samples, seed))]
    fn new(
        logits: PyReadonlyArray2<'_, f64>,
        labels: PyReadonlyArray1<'_, i64>,
        sigma_scalar: Option<f64>,
        sigma_per_example: Option<PyReadonlyArray1<'_, f64>>,
        method: &str,
        samples: u32,
        seed: u64,
    ) -> PyResult<Self> {
        let view = logits.as_array();
        let (batch, classes) = (view.shape()[0], view.shape()[1]);
        let labels: Vec<usize> = labels
            .as_array()
            .iter()
            .enumerate()
            .map(|(b, &y)| {
                usize::try_from(y).map_err(|_| value_error(format!("label {y} of example {b} is negative")))
            })
            .collect::<PyResult<_>>()?;
        if labels.len() != batch {
            return Err(value_error(format!(
                "labels has length {} but logits has {batch} rows",
                labels.len()
            )));
        }
        // The caller's buffer where it is contiguous (as the Python layer passes it), else a copy.
        // (NumPy's `as_slice` also takes a Fortran-ordered buffer, hence the test of the order.)
        let logits = if logits.is_c_contiguous() {
            Logits::Shared(logits.as_unbound().clone_ref(logits.py()))
        } else {
            Logits::Copied(view.iter().copied().collect())
        };
        Ok(LogitBatch {
            logits,
            batch,
            classes,
            labels,
            sigma_values: sigma_per_example.map(|s| s.as_array().iter().copied().collect()),
            sigma_scalar,
            backend: backend(method, samples, seed)?,
            seed,
        })
    }

    /// The EXACT expected accuracy of every example with its gradients.
    ///
    /// With `margin` = r the deltas δ_i = x_y − x_i are clipped from above at r
    /// (`exact_loss::ExactLoss` without normalisation, one example at a time, the sampling
    /// backends seeded per example by `derive_seed(seed, b)`). Returns the accuracies (B),
    /// ∂A/∂logits (B × C) and ∂A/∂σ (B).
    #[pyo3(signature = (*, margin))]
    pub fn expected_accuracy<'py>(
        &self,
        py: Python<'py>,
        margin: Option<f64>,
    ) -> PyResult<AccuracyArrays<'py>> {
        let logits = self.logits.readonly(py)?;
        let logits = logits.as_slice();
        let (values, d_logits, d_sigma) = match margin {
            None => {
                let results = py
                    .allow_threads(|| {
                        accuracy_batch(logits, self.classes, &self.labels, self.sigma(), self.backend)
                    })
                    .map_err(value_error)?;
                let values: Vec<f64> = results.iter().map(|a| a.value).collect();
                let d_sigma: Vec<f64> = results.iter().map(|a| a.d_sigma).collect();
                let d_logits = self.matrix(results.iter().map(|a| a.d_logits.as_slice()));
                (values, d_logits, d_sigma)
            }
            Some(r) => {
                let sigma = self.sigma();
                if let Sigma::PerExample(v) = sigma {
                    if v.len() != self.batch {
                        return Err(value_error(format!(
                            "shape mismatch: sigma has length {} but the batch has {} examples",
                            v.len(),
                            self.batch
                        )));
                    }
                }
                let c = self.classes;
                // 1 − A_b of the one-example loss without normalisation: A_b is its mean accuracy,
                // and its gradients are those of −A_b.
                let outcomes: Vec<Result<_, ::exact_loss::LossError>> = py.allow_threads(|| {
                    (0..self.batch)
                        .into_par_iter()
                        .map(|b| {
                            let loss = ExactLoss {
                                normalize: false,
                                margin: Some(r),
                                objective: Objective::OneMinusAccuracy,
                                backend: reseeded(
                                    self.backend,
                                    mvn_orthant::qmc::derive_seed(self.seed, b as u64),
                                ),
                            };
                            loss.evaluate(
                                &logits[b * c..(b + 1) * c],
                                c,
                                &self.labels[b..b + 1],
                                Sigma::Scalar(sigma.get(b)),
                            )
                        })
                        .collect()
                });
                let outputs = outcomes
                    .into_iter()
                    .enumerate()
                    .map(|(b, o)| o.map_err(|e| value_error(format!("example {b}: {e}"))))
                    .collect::<PyResult<Vec<_>>>()?;
                let values: Vec<f64> = outputs.iter().map(|o| o.mean_accuracy).collect();
                let d_sigma: Vec<f64> = outputs.iter().map(|o| -o.d_sigma[0]).collect();
                let mut d_logits = self.matrix(outputs.iter().map(|o| o.gradient.as_slice()));
                d_logits.mapv_inplace(|g| -g);
                (values, d_logits, d_sigma)
            }
        };
        Ok((values.into_pyarray(py), d_logits.into_pyarray(py), d_sigma.into_pyarray(py)))
    }

    /// The EXACT loss of the batch (`exact_loss::ExactLoss::evaluate`): with `normalize` the
    /// logits are standardised by one scalar mean and standard deviation over the batch, the
    /// deltas are clipped at `margin`, and the objective is `"one-minus-accuracy"` (1 − mean A) or
    /// `"negative-log-accuracy"` (−mean ln A). Returns (loss, ∂loss/∂logits (B × C), ∂loss/∂σ per
    /// example (B), mean accuracy).
    #[pyo3(signature = (*, normalize, margin, objective))]
    pub fn exact_loss<'py>(
        &self,
        py: Python<'py>,
        normalize: bool,
        margin: Option<f64>,
        objective: &str,
    ) -> PyResult<LossArrays<'py>> {
        let objective = match objective {
            "one-minus-accuracy" => Objective::OneMinusAccuracy,
            "negative-log-accuracy" => Objective::NegativeLogAccuracy,
            other => {
                return Err(value_error(format!(
                    "unknown objective {other:?}; expected one-minus-accuracy or negative-log-accuracy"
                )))
            }
        };
        let loss = ExactLoss { normalize, margin, objective, backend: self.backend };
        let logits = self.logits.readonly(py)?;
        let logits = logits.as_slice();
        let out = py
            .allow_threads(|| loss.evaluate(logits, self.classes, &self.labels, self.sigma()))
            .map_err(value_error)?;
        let gradient = self.matrix(out.gradient.chunks(self.classes.max(1)));
        Ok((out.loss, gradient.into_pyarray(py), out.d_sigma.into_pyarray(py), out.mean_accuracy))
    }
}

/// The logits of a [`LogitBatch`]: the caller's C-contiguous NumPy array, read in place at each
/// call, or a contiguous copy of any other array. (A copy of the 2 MB of B = 256, C = 1000 costs a
/// `memcpy` of about 0.2 ms, and about 2 ms more where the allocator hands out pages that must
/// be faulted in afresh: `docs/performance.md` §23.) The array is read while the GIL is
/// released, like NumPy's own functions read theirs: Rust code cannot borrow it mutably
/// meanwhile, and Python code that writes to it from another thread during the call gets
/// accuracies of a mix of its old and new values.
enum Logits {
    Shared(Py<PyArray2<f64>>),
    Copied(Vec<f64>),
}

/// The logits of a [`LogitBatch`] for the length of one call: the caller's array borrowed
/// read-only, or the batch's own buffer (or a copy).
enum LogitsView<'py> {
    Shared(PyReadonlyArray2<'py, f64>),
    Buffer(Cow<'py, [f64]>),
}

impl LogitsView<'_> {
    /// The row-major B × C buffer.
    fn as_slice(&self) -> &[f64] {
        match self {
            // C-contiguous (checked in `Logits::readonly`), so never the empty default.
            LogitsView::Shared(view) => view.as_slice().unwrap_or_default(),
            LogitsView::Buffer(v) => v,
        }
    }
}

impl Logits {
    /// The logits for the length of one call. A shared array that has lost its contiguity
    /// meanwhile (which does not happen through the Python layer, which makes the batch and calls
    /// it at once) is read through a copy; one borrowed mutably elsewhere is a `ValueError`.
    fn readonly<'py>(&'py self, py: Python<'py>) -> PyResult<LogitsView<'py>> {
        match self {
            Logits::Copied(v) => Ok(LogitsView::Buffer(Cow::Borrowed(v))),
            Logits::Shared(array) => match array.bind(py).try_readonly() {
                Ok(view) if view.is_c_contiguous() => Ok(LogitsView::Shared(view)),
                Ok(view) => Ok(LogitsView::Buffer(Cow::Owned(view.as_array().iter().copied().collect()))),
                Err(e) => Err(value_error(format!("the logits cannot be read: {e}"))),
            },
        }
    }
}

impl LogitBatch {
    fn sigma(&self) -> Sigma<'_> {
        match (&self.sigma_values, self.sigma_scalar) {
            (Some(v), _) => Sigma::PerExample(v),
            (None, Some(s)) => Sigma::Scalar(s),
            (None, None) => Sigma::Scalar(f64::NAN),
        }
    }

    /// A B × C array from per-example rows.
    fn matrix<'a>(&self, rows: impl Iterator<Item = &'a [f64]>) -> Array2<f64> {
        // Row by row into one buffer (a copy of each row, not an indexed write per entry).
        let mut flat = Vec::with_capacity(self.batch * self.classes);
        for row in rows.take(self.batch) {
            flat.extend_from_slice(&row[..self.classes.min(row.len())]);
            flat.resize(flat.len().next_multiple_of(self.classes.max(1)), 0.0);
        }
        flat.resize(self.batch * self.classes, 0.0);
        Array2::from_shape_vec((self.batch, self.classes), flat)
            .expect("the buffer holds batch × classes entries")
    }
}

fn backend(method: &str, samples: u32, seed: u64) -> PyResult<Backend> {
    match method {
        "quadrature" => Ok(Backend::Quadrature),
        "genz" => Ok(Backend::Genz { samples, seed }),
        "monte-carlo" | "monte_carlo" => Ok(Backend::MonteCarlo { samples, seed }),
        other => Err(value_error(format!(
            "unknown method {other:?}; expected one of quadrature, genz, monte-carlo"
        ))),
    }
}

/// The same backend with its seed replaced by `seed`.
fn reseeded(backend: Backend, seed: u64) -> Backend {
    match backend {
        Backend::Quadrature => Backend::Quadrature,
        Backend::Genz { samples, .. } => Backend::Genz { samples, seed },
        Backend::MonteCarlo { samples, .. } => Backend::MonteCarlo { samples, seed },
    }
}

/// The accuracies (B), ∂A/∂logits (B × C) and ∂A/∂σ (B).
type AccuracyArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>);

/// The loss, ∂loss/∂logits (B × C), ∂loss/∂σ (B) and the mean accuracy.
type LossArrays<'py> = (f64, Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>, f64);

/// σ at `step` of the geometric schedule from `start` to `end` over `steps` steps
/// (`exact_loss::GeometricSchedule`): σ_k = start · (end/start)^{k/(steps−1)}, clamped to the
/// last step. Raises `ValueError` unless start and end are finite and positive and steps ≥ 1.
#[pyfunction]
pub fn geometric_schedule(start: f64, end: f64, steps: usize, step: usize) -> PyResult<f64> {
    Ok(GeometricSchedule::new(start, end, steps).map_err(value_error)?.value(step))
}

/// The authors' gradient normaliser (`exact_loss::GradientNormalizer`): gradients are divided
/// by max(EMA of the global gradient norm, floor) instead of being clipped.
#[pyclass(module = "mvn_orthant._core")]
pub struct GradientNormalizer {
    inner: ::exact_loss::GradientNormalizer,
}

#[pymethods]
impl GradientNormalizer {
    /// A normaliser with EMA factor `momentum` in [0, 1) and `floor` > 0 (authors: 0.9, 0.01).
    #[new]
    #[pyo3(signature = (momentum = 0.9, floor = 0.01))]
    fn new(momentum: f64, floor: f64) -> PyResult<Self> {
        Ok(GradientNormalizer {
            inner: ::exact_loss::GradientNormalizer::new(momentum, floor).map_err(value_error)?,
        })
    }

    /// Updates the EMA with the global gradient norm `norm` (the first call initialises it) and
    /// returns the divisor max(EMA, floor) by which every gradient is to be divided.
    fn divisor(&mut self, norm: f64) -> PyResult<f64> {
        if !(norm.is_finite() && norm >= 0.0) {
            return Err(value_error(format!(
                "the gradient norm must be finite and non-negative, got {norm}"
            )));
        }
        Ok(self.inner.normalize(&mut [norm]))
    }
}
