//! `orthant eval` for Python (`mvn_orthant.sweep`): JSON Lines requests answered by the CLI's own
//! Rust function ([`validation::cli::eval::eval_line`]) under the same seed rule
//! ([`validation::cli::eval::seed_for_id`]: a line without `seed` uses
//! derive_seed(S, fnv1a_64(id))), so a line's output is the CLI's, every field but `seconds`,
//! in whichever process, thread or Dask worker it runs.

use crate::value_error;
use pyo3::prelude::*;
use rayon::prelude::*;
use serde_json::Value;
use validation::cli::eval;

/// Answers `lines` (non-blank `orthant eval` request lines) under the sweep seed `seed`, in
/// parallel with the GIL released; returns one output line per input line, in order, and the
/// number of failed lines (their outputs are the CLI's error lines).
#[pyfunction]
#[pyo3(signature = (lines, seed = 0))]
pub fn eval_lines(py: Python<'_>, lines: Vec<String>, seed: u64) -> (Vec<String>, usize) {
    let answers: Vec<(String, bool)> =
        py.allow_threads(|| lines.par_iter().map(|line| eval::eval_line(line, seed)).collect());
    let failures = answers.iter().filter(|(_, failed)| *failed).count();
    (answers.into_iter().map(|(text, _)| text).collect(), failures)
}

/// The seed `orthant eval --seed seed` gives a line with the id whose JSON text is `id_json`
/// and no `seed` field: derive_seed(seed, fnv1a_64(key)), key the UTF-8 bytes of a string id,
/// else the compact JSON text. Raises `ValueError` when `id_json` is not JSON.
#[pyfunction]
#[pyo3(signature = (id_json, seed = 0))]
pub fn seed_for_id(id_json: &str, seed: u64) -> PyResult<u64> {
    let id: Value = serde_json::from_str(id_json).map_err(value_error)?;
    Ok(eval::seed_for_id(seed, &id))
}
