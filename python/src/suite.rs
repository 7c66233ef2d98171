//! The reference suite of `orthant suite` and the scoring of `orthant validate`, for
//! `mvn_orthant.testing.check_integrator`: the same Rust functions as the CLI
//! (`export::run` for the lines; `validate::parse_answer`, `harness::score`,
//! `harness::score_gradient` and `validate::verdict` for the scoring), so the lines and the
//! verdict are the CLI's by construction. With `out`, the report files of `orthant validate`
//! (`report.csv`, `report.json`, `error_vs_time.svg`, `reported_vs_achieved.svg`) are written by
//! the CLI's `report::write_files`.

use crate::value_error;
use pyo3::prelude::*;
use std::path::PathBuf;
use validation::cli::export::{self, SuiteEntry};
use validation::cli::report;
use validation::cli::validate;
use validation::harness::{self, AccuracyAsked, CaseResult, HarnessReport, Status};

/// The built-in reference suite as the JSON Lines of `orthant suite [--max-dim D] [--tag T]`
/// (one string, a newline after each line).
#[pyfunction]
#[pyo3(signature = (max_dim = None, tag = None))]
pub fn suite_jsonl(py: Python<'_>, max_dim: Option<usize>, tag: Option<String>) -> PyResult<String> {
    let mut out = Vec::new();
    py.allow_threads(|| export::run(max_dim, tag.as_deref(), &mut out)).map_err(value_error)?;
    String::from_utf8(out).map_err(value_error)
}

/// One scored case: id, status (`ok`, `n/a`, `error`), absolute and relative error, whether the
/// reported error covers the reference, the gradient error, and the message of a failure.
type CaseRow = (String, String, Option<f64>, Option<f64>, Option<bool>, Option<f64>, Option<String>);

/// The verdict: passed, failures, claims, misses, allowed misses, the printed text, the cases,
/// the report files written.
type Verdict = (bool, Vec<String>, usize, usize, usize, String, Vec<CaseRow>, Vec<PathBuf>);

/// Scores `answers`, one `orthant validate` answer line per suite case in the suite's order
/// (the built-in suite, or the `orthant suite` file `suite`, filtered by `max_dim` and `tag`),
/// as `orthant validate --results` does, and with `out` writes its report files there.
///
/// Returns `(passed, failures, claims, misses, allowed_misses, text, cases, files)`. Raises
/// `ValueError` when the suite cannot be read, no case matches, or the number of answers
/// differs from the number of cases, and `OSError` when the report files cannot be written.
#[pyfunction]
#[pyo3(signature = (answers, *, name, suite, max_dim, tag, abs_tol, rel_tol, grad_tol, out = None))]
#[allow(clippy::too_many_arguments)]
pub fn score_answers(
    py: Python<'_>,
    answers: Vec<String>,
    name: String,
    suite: Option<PathBuf>,
    max_dim: Option<usize>,
    tag: Option<String>,
    abs_tol: f64,
    rel_tol: f64,
    grad_tol: Option<f64>,
    out: Option<PathBuf>,
) -> PyResult<Verdict> {
    let entries: Vec<SuiteEntry> = match &suite {
        None => export::builtin_entries(max_dim, tag.as_deref()).map_err(value_error)?,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| value_error(format!("cannot read {}: {e}", path.display())))?;
            export::parse_lines(&text).map_err(|e| value_error(format!("{}: {e}", path.display())))?
        }
    };
    let entries = export::filter(entries, max_dim, tag.as_deref());
    if entries.is_empty() {
        return Err(value_error("no suite case matches max_dim and tag"));
    }
    if answers.len() != entries.len() {
        return Err(value_error(format!("{} answers for {} suite cases", answers.len(), entries.len())));
    }
    let asked = AccuracyAsked { abs_tol, rel_tol };
    let results: Vec<CaseResult> = py.allow_threads(|| {
        entries
            .iter()
            .zip(&answers)
            .map(|(e, line)| {
                let (outcome, seconds) = match validate::parse_answer(line, e.case.dim, &name) {
                    Ok(p) if p.id.as_deref() == Some(e.case.id.as_str()) => match p.outcome {
                        Ok((answer, own)) => (Ok(answer), own.unwrap_or(0.0)),
                        Err(err) => (Err(err), 0.0),
                    },
                    Ok(p) => (
                        Err((
                            Status::Error,
                            format!("malformed answer: id {:?}, expected {:?}", p.id, e.case.id),
                        )),
                        0.0,
                    ),
                    Err(reason) => (Err((Status::Error, format!("garbage answer: {reason}"))), 0.0),
                };
                let mut r = harness::score(&e.case, outcome, seconds, Some(asked));
                harness::score_gradient(&mut r, e.reference_gradient.as_ref());
                r
            })
            .collect()
    });
    let (failures, claims, misses, allowed) = validate::verdict(&name, &results, &[], grad_tol);
    let summary = harness::summarize(&name, &results);
    let run = HarnessReport { results: results.clone(), summary: summary.clone() };
    let files = match &out {
        None => Vec::new(),
        Some(dir) => py
            .allow_threads(|| report::write_files(dir, std::slice::from_ref(&run), &failures, entries.len()))
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", dir.display())))?,
    };
    let with_reference = entries.iter().filter(|e| e.reference_gradient.is_some()).count();
    let mut text = report::summary_table(std::slice::from_ref(&run));
    text.push_str(&format!(
        "\ncoverage rule: {misses} of {claims} answers with a positive or no reported error miss their reference (allowed: {allowed}, the 99.9% quantile of Binomial({claims}, 0.01)); answers without an error are judged on abs_tol {abs_tol:e}, rel_tol {rel_tol:e}\n"
    ));
    text.push_str(&format!(
        "gradients: {name} scored {} of the {with_reference} cases with a reference gradient; worst error {}\n",
        summary.gradients_scored,
        summary.max_grad_rel_error.map_or("-".into(), |e| format!("{e:.2e}")),
    ));
    if failures.is_empty() {
        text.push_str(&format!("\nPASS: {name} answered every case and meets its own error claims\n"));
    } else {
        text.push_str(&format!("\nFAIL: {} problem(s):\n", failures.len()));
        for f in &failures {
            text.push_str(&format!("  {f}\n"));
        }
    }
    let cases = results
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                r.status.name().to_string(),
                r.abs_error,
                r.rel_error,
                r.covered,
                r.grad_rel_error,
                r.message.clone(),
            )
        })
        .collect();
    Ok((failures.is_empty(), failures, claims, misses, allowed, text, cases, files))
}
