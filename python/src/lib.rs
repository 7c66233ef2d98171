//! The Rust half of the `mvn_orthant` Python package (`mvn_orthant._core`): a thin PyO3 layer
//! over [`mvn_orthant`] and [`exact_loss`].
//!
//! Argument processing in SciPy's manner (dimension inference, broadcasting, output shapes, the
//! sign rule of swapped limits) lives in the pure-Python package `python/mvn_orthant/`; this
//! crate receives contiguous `float64` arrays, validates them through the Rust constructors
//! (whose errors become `ValueError` with the same message as the `orthant` CLI), and evaluates
//! a whole batch with the GIL released, in parallel over the points with rayon. No mathematics
//! happens here.
//!
//! * [`cdf`]: rectangle probabilities and their gradients (`RectangleBatch`);
//! * [`exact`]: the EXACT expected accuracy, the loss and its training pieces;
//! * [`suite`]: the reference suite and the scoring of `orthant validate`;
//! * [`sweep`]: `orthant eval` on JSON Lines with its seed rule (sweeps split over processes).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

pub mod cdf;
pub mod exact;
pub mod suite;
pub mod sweep;

/// A `ValueError` carrying the message of a core error (the CLI's wording).
pub(crate) fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The extension module `mvn_orthant._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<cdf::RectangleBatch>()?;
    m.add_class::<exact::LogitBatch>()?;
    m.add_function(wrap_pyfunction!(exact::geometric_schedule, m)?)?;
    m.add_class::<exact::GradientNormalizer>()?;
    m.add_function(wrap_pyfunction!(suite::suite_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(suite::score_answers, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::eval_lines, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::seed_for_id, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
