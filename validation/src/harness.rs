//! The integrator harness: runs any [`Integrator`] over a list of reference cases and reports,
//! per case, the value, the reference, the achieved error, the reported error, whether the
//! reference is covered and the time; and a summary (max errors, coverage rate, total time).
//!
//! **Covered** means |value − reference| ≤ reported error + [`ROUNDING`] · reference for a
//! stochastic estimate (the reported error is the half-width of a 99% interval, so about 99% of
//! cases should be covered),
//! and |value − reference| ≤ tolerance · reference (the case's tolerance) for an estimate whose
//! method is exact ([`mvn_orthant::Method::is_exact`]). An exact estimate outside its tolerance is
//! also counted in [`Summary::exact_failures`]: that is a bug, not bad luck.
//!
//! **Student t cases** (ν < ∞, [`Case::is_student_t`]) are integrated by a
//! [`StudentIntegrator`] ([`run_student`], [`run_student_case`]); [`run`] and [`run_case`] take a
//! normal [`Integrator`], which answers the normal cases and is `n/a` on the t cases
//! ([`NormalOnly`]).
//!
//! A case the integrator answers with [`mvn_orthant::Error::MethodNotApplicable`] is recorded as
//! [`Status::NotApplicable`]; any other error as [`Status::Error`]. Neither stops the run.
//!
//! **One scorer, several sources of answers.** [`score`] turns an [`Answer`] (a value, and
//! optionally a reported error) into a [`CaseResult`]; [`run_case`] uses it for an
//! [`Integrator`], and `orthant validate` for an external program's answers or a results file.
//! An answer that reports no error is judged on the accuracy asked of it ([`AccuracyAsked`]):
//! covered when |value − reference| ≤ max(abs_tol, rel_tol · reference) + [`ROUNDING`] · reference.

use crate::student::{NormalOnly, StudentIntegrator};
use crate::suite::Case;
use mvn_orthant::{Error, Estimate, Gradient, Integrator};
use std::time::Instant;

/// Relative rounding allowance in the coverage test of stochastic estimates: an estimate within
/// `ROUNDING · reference` of the reference counts as covered whatever its reported error (the
/// reference itself is rounded to a double, and a stochastic method may report an error of 0
/// on a problem it integrates exactly, such as independent coordinates).
pub const ROUNDING: f64 = 1e-13;

/// What happened on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The integrator returned an estimate.
    Ok,
    /// The integrator does not apply to this case (`MethodNotApplicable`).
    NotApplicable,
    /// The integrator failed with another error.
    Error,
}

impl Status {
    /// `"ok"`, `"n/a"` or `"error"`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotApplicable => "n/a",
            Status::Error => "error",
        }
    }
}

/// One answer to a case, from any source (a built-in method, an external program, a file).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The estimate of P.
    pub value: f64,
    /// ln P as reported (ln `value` when the source gives none).
    pub log_value: f64,
    /// The reported absolute error (half-width of a 99% interval); `None` when not reported.
    pub error: Option<f64>,
    /// Whether the answer claims to be exact to rounding: then, with a reported error of 0, it is
    /// judged against the case's tolerance, and a miss is an exact failure.
    pub exact: bool,
    /// The algorithm that produced the value (a method name, or the external integrator's).
    pub method: String,
    /// Integrand evaluations, when known.
    pub evaluations: Option<u64>,
    /// The gradient given with the answer, when any.
    pub gradient: Option<GradientVectors>,
}

/// A gradient of P, in whole or in part: ∂P/∂b (`upper`), ∂P/∂a (`lower`), ∂P/∂μ (`mean`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GradientVectors {
    /// ∂P/∂b_k, when given.
    pub upper: Option<Vec<f64>>,
    /// ∂P/∂a_k, when given.
    pub lower: Option<Vec<f64>>,
    /// ∂P/∂μ_k, when given.
    pub mean: Option<Vec<f64>>,
}

impl GradientVectors {
    /// All three vectors of a [`Gradient`].
    pub fn from_gradient(g: &Gradient) -> Self {
        GradientVectors {
            upper: Some(g.upper.clone()),
            lower: Some(g.lower.clone()),
            mean: Some(g.mean.clone()),
        }
    }

    /// Whether no vector is given.
    pub fn is_empty(&self) -> bool {
        self.upper.is_none() && self.lower.is_none() && self.mean.is_none()
    }
}

/// The denominator floor of [`gradient_error`]: a reference gradient whose largest component is
/// below it (e.g. all zeros) is compared in absolute terms.
pub const GRADIENT_TINY: f64 = 1e-300;

/// The error of a gradient against a reference: the largest component error relative to the
/// largest reference component, ‖g − g_ref‖_∞ / max(‖g_ref‖_∞, [`GRADIENT_TINY`]), over the
/// vectors given in both (`None` when they share none). Equal components (infinities included)
/// count as 0; a NaN, or a length mismatch, as ∞.
///
/// ```
/// use validation::harness::{gradient_error, GradientVectors};
/// let reference = GradientVectors { upper: Some(vec![0.5, -0.25]), lower: None, mean: Some(vec![-0.5, 0.25]) };
/// let given = GradientVectors { upper: Some(vec![0.5, -0.2]), lower: None, mean: None };
/// assert!((gradient_error(&given, &reference).unwrap() - 0.1).abs() < 1e-15);
/// assert_eq!(gradient_error(&GradientVectors::default(), &reference), None);
/// ```
pub fn gradient_error(given: &GradientVectors, reference: &GradientVectors) -> Option<f64> {
    let pairs: Vec<(&Vec<f64>, &Vec<f64>)> =
        [(&given.upper, &reference.upper), (&given.lower, &reference.lower), (&given.mean, &reference.mean)]
            .into_iter()
            .filter_map(|(g, r)| Some((g.as_ref()?, r.as_ref()?)))
            .collect();
    if pairs.is_empty() {
        return None;
    }
    let mut scale: f64 = 0.0;
    let mut worst: f64 = 0.0;
    for (g, r) in pairs {
        if g.len() != r.len() {
            return Some(f64::INFINITY);
        }
        for (&x, &y) in g.iter().zip(r) {
            if y.is_finite() {
                scale = scale.max(y.abs());
            }
            let diff = if x == y { 0.0 } else { (x - y).abs() };
            worst = worst.max(if diff.is_nan() { f64::INFINITY } else { diff });
        }
    }
    Some(worst / scale.max(GRADIENT_TINY))
}

impl Answer {
    /// The answer of an [`Estimate`]: exact when its method is.
    pub fn from_estimate(e: &Estimate) -> Self {
        Answer {
            value: e.value,
            log_value: e.log_value,
            error: Some(e.error),
            exact: e.method.is_exact(),
            method: e.method.name().to_string(),
            evaluations: Some(e.evaluations),
            gradient: None,
        }
    }
}

/// The accuracy asked of an answer that reports no error: covered when
/// |value − reference| ≤ max(`abs_tol`, `rel_tol` · reference) + [`ROUNDING`] · reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccuracyAsked {
    /// Absolute tolerance.
    pub abs_tol: f64,
    /// Relative tolerance.
    pub rel_tol: f64,
}

impl AccuracyAsked {
    /// The allowed absolute error on a case with this reference.
    pub fn allowance(&self, reference: f64) -> f64 {
        self.abs_tol.max(self.rel_tol * reference)
    }
}

/// The outcome of one integrator on one case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// The case category.
    pub category: String,
    /// The dimension.
    pub dim: usize,
    /// The reference value.
    pub reference: f64,
    /// The case's tolerance for exact methods.
    pub tolerance: f64,
    /// What happened.
    pub status: Status,
    /// The estimate, when [`Status::Ok`] and the source is an [`Integrator`].
    pub estimate: Option<Estimate>,
    /// The answer, when [`Status::Ok`] (whatever the source).
    pub answer: Option<Answer>,
    /// The error message otherwise.
    pub message: Option<String>,
    /// |value − reference|.
    pub abs_error: Option<f64>,
    /// |value − reference| / reference (0 when both are 0, ∞ when only the reference is 0).
    pub rel_error: Option<f64>,
    /// Whether the reference is covered (see the module docs).
    pub covered: Option<bool>,
    /// Whether the estimate is exact-method output outside the case's tolerance.
    pub exact_failure: bool,
    /// Wall-clock seconds of the call.
    pub seconds: f64,
    /// The answer's gradient error against the reference gradient ([`gradient_error`]), when
    /// both exist ([`score_gradient`]).
    pub grad_rel_error: Option<f64>,
}

/// Aggregates over the cases of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The integrator's name.
    pub integrator: String,
    /// Number of cases.
    pub cases: usize,
    /// Cases with an estimate.
    pub ok: usize,
    /// Cases answered `MethodNotApplicable`.
    pub not_applicable: usize,
    /// Cases failed with another error.
    pub errors: usize,
    /// Largest absolute error over the estimates (`None` without estimates).
    pub max_abs_error: Option<f64>,
    /// Largest relative error over the estimates with a positive reference.
    pub max_rel_error: Option<f64>,
    /// Fraction of estimates that cover their reference.
    pub coverage: Option<f64>,
    /// Number of estimates from stochastic methods (answers that do not claim exactness).
    pub stochastic: usize,
    /// Fraction of stochastic estimates that cover their reference.
    pub stochastic_coverage: Option<f64>,
    /// Exact-method estimates outside their tolerance.
    pub exact_failures: usize,
    /// Total seconds over all cases.
    pub total_seconds: f64,
    /// Answers whose gradient was scored against a reference gradient.
    pub gradients_scored: usize,
    /// Their largest gradient error ([`gradient_error`]).
    pub max_grad_rel_error: Option<f64>,
}

/// The result of a harness run.
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessReport {
    /// Per case, in the order of the input.
    pub results: Vec<CaseResult>,
    /// The aggregates.
    pub summary: Summary,
}

/// Runs the normal `integrator` on one case (`n/a` on a Student t case).
pub fn run_case(integrator: &dyn Integrator, case: &Case) -> CaseResult {
    run_student_case(&NormalOnly(integrator), case)
}

/// Runs `integrator` on one case, normal or Student t.
pub fn run_student_case(integrator: &dyn StudentIntegrator, case: &Case) -> CaseResult {
    let start = Instant::now();
    let outcome = if case.is_student_t() {
        integrator.integrate(&case.student_problem())
    } else {
        // The normal cases without cloning the problem (large at d = 1000).
        integrator.integrate_normal(&case.problem)
    };
    let seconds = start.elapsed().as_secs_f64();
    match outcome {
        Ok(estimate) => {
            let mut result = score(case, Ok(Answer::from_estimate(&estimate)), seconds, None);
            result.estimate = Some(estimate);
            result
        }
        Err(e @ Error::MethodNotApplicable { .. }) => {
            score(case, Err((Status::NotApplicable, e.to_string())), seconds, None)
        }
        Err(e) => score(case, Err((Status::Error, format!("{}: {e}", e.kind()))), seconds, None),
    }
}

/// Scores one answer (or a failure: its status and message) on `case`: the achieved errors,
/// coverage and exact failure of the module docs. `asked` judges an answer without a reported
/// error; without it such an answer is covered only within [`ROUNDING`] · reference.
pub fn score(
    case: &Case,
    outcome: Result<Answer, (Status, String)>,
    seconds: f64,
    asked: Option<AccuracyAsked>,
) -> CaseResult {
    let mut result = CaseResult {
        id: case.id.clone(),
        category: case.category.clone(),
        dim: case.dim,
        reference: case.reference,
        tolerance: case.tolerance,
        status: Status::Ok,
        estimate: None,
        answer: None,
        message: None,
        abs_error: None,
        rel_error: None,
        covered: None,
        exact_failure: false,
        seconds,
        grad_rel_error: None,
    };
    match outcome {
        Ok(answer) => {
            let abs = (answer.value - case.reference).abs();
            let rel = if case.reference > 0.0 {
                abs / case.reference
            } else if abs == 0.0 {
                0.0
            } else {
                f64::INFINITY
            };
            let within = case.within_tolerance(answer.value);
            let allowed = match answer.error {
                Some(e) => e,
                None => asked.map_or(0.0, |a| a.allowance(case.reference)),
            };
            // A NaN value is never covered.
            let covered = if answer.exact && answer.error == Some(0.0) {
                within
            } else {
                abs <= allowed + ROUNDING * case.reference
            };
            result.abs_error = Some(if abs.is_nan() { f64::INFINITY } else { abs });
            result.rel_error = Some(if rel.is_nan() { f64::INFINITY } else { rel });
            result.covered = Some(covered);
            result.exact_failure = answer.exact && !within;
            result.answer = Some(answer);
        }
        Err((status, message)) => {
            result.status = status;
            result.message = Some(message);
        }
    }
    result
}

/// Scores the gradient of `result`'s answer against `reference` ([`gradient_error`]), setting
/// [`CaseResult::grad_rel_error`] when the answer has a gradient and there is a reference. The
/// one gradient scorer, for external answers and built-in methods alike.
pub fn score_gradient(result: &mut CaseResult, reference: Option<&GradientVectors>) {
    let given = result.answer.as_ref().and_then(|a| a.gradient.as_ref());
    result.grad_rel_error = match (given, reference) {
        (Some(g), Some(r)) => gradient_error(g, r),
        _ => None,
    };
}

/// Runs the normal `integrator` over `cases` (`n/a` on the Student t cases).
pub fn run(integrator: &dyn Integrator, cases: &[Case]) -> HarnessReport {
    run_with_progress(integrator, cases, &mut |_| {})
}

/// Runs the normal `integrator` over `cases`, calling `progress` after each case.
pub fn run_with_progress(
    integrator: &dyn Integrator,
    cases: &[Case],
    progress: &mut dyn FnMut(&CaseResult),
) -> HarnessReport {
    run_student_with_progress(&NormalOnly(integrator), cases, progress)
}

/// Runs `integrator` over `cases`, normal and Student t.
pub fn run_student(integrator: &dyn StudentIntegrator, cases: &[Case]) -> HarnessReport {
    run_student_with_progress(integrator, cases, &mut |_| {})
}

/// Runs `integrator` over `cases`, normal and Student t, calling `progress` after each case.
pub fn run_student_with_progress(
    integrator: &dyn StudentIntegrator,
    cases: &[Case],
    progress: &mut dyn FnMut(&CaseResult),
) -> HarnessReport {
    let results: Vec<CaseResult> = cases
        .iter()
        .map(|case| {
            let r = run_student_case(integrator, case);
            progress(&r);
            r
        })
        .collect();
    let summary = summarize(&integrator.name(), &results);
    HarnessReport { results, summary }
}

/// Computes the summary of a list of results.
pub fn summarize(integrator: &str, results: &[CaseResult]) -> Summary {
    let ok: Vec<&CaseResult> = results.iter().filter(|r| r.status == Status::Ok).collect();
    let max = |f: &dyn Fn(&CaseResult) -> Option<f64>| ok.iter().filter_map(|r| f(r)).reduce(f64::max);
    let fraction = |rs: &[&&CaseResult]| {
        (!rs.is_empty())
            .then(|| rs.iter().filter(|r| r.covered == Some(true)).count() as f64 / rs.len() as f64)
    };
    let all: Vec<&&CaseResult> = ok.iter().collect();
    let stochastic: Vec<&&CaseResult> =
        ok.iter().filter(|r| r.answer.as_ref().is_some_and(|a| !a.exact)).collect();
    Summary {
        integrator: integrator.to_string(),
        cases: results.len(),
        ok: ok.len(),
        not_applicable: results.iter().filter(|r| r.status == Status::NotApplicable).count(),
        errors: results.iter().filter(|r| r.status == Status::Error).count(),
        max_abs_error: max(&|r| r.abs_error),
        max_rel_error: max(&|r| if r.reference > 0.0 { r.rel_error } else { None }),
        coverage: fraction(&all),
        stochastic: stochastic.len(),
        stochastic_coverage: fraction(&stochastic),
        exact_failures: results.iter().filter(|r| r.exact_failure).count(),
        total_seconds: results.iter().map(|r| r.seconds).sum(),
        gradients_scored: results.iter().filter(|r| r.grad_rel_error.is_some()).count(),
        max_grad_rel_error: results.iter().filter_map(|r| r.grad_rel_error).reduce(f64::max),
    }
}
