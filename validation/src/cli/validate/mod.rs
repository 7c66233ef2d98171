//! `orthant validate --command "CMD …"`: scores an external integrator, in any language, on the
//! reference suite over JSON Lines; `orthant validate --results FILE` scores answers computed
//! elsewhere.
//!
//! # Protocol
//!
//! The command is started once, through `sh -c`, in its own process group. Each suite problem
//! is written to its stdin as one `orthant suite` line (the `eval` input format plus reference
//! fields the integrator must ignore), and the next one only after the answer to this one (or
//! its timeout): the integrator reads a line, writes one answer line to stdout and flushes.
//! Every non-blank stdout line is taken as the answer to the current request:
//!
//! | field | meaning |
//! |---|---|
//! | `id` | the request's id (required) |
//! | `value` | P, a number in [0, 1] (required) |
//! | `error` | its own absolute error estimate, the half-width of a 99% interval (optional; 0 claims exactness) |
//! | `log_value` | ln P (optional) |
//! | `seconds` | its own time for the case (optional; else the wall time from request to answer) |
//! | `method` | a label for the report (optional) |
//! | `grad_upper`, `grad_lower`, `grad_mean` | ∂P/∂b, ∂P/∂a, ∂P/∂μ (optional; arrays of the problem's dimension; scored against the case's reference gradient where it has one) |
//!
//! Other fields are ignored. `{"id": …, "status": "error", "kind": …, "message": …}` (the
//! `eval` error line) records an error for the case; with kind `"method-not-applicable"` the
//! case is recorded as `n/a`, which does not fail the run. Stderr is free for logging (its last
//! lines are quoted when the integrator dies).
//!
//! # Misbehaviour
//!
//! Each is recorded for its case and the run goes on: a line that is not a JSON object, an
//! answer without an id or with an unexpected one, a value that is NaN, negative or above 1, a
//! malformed field; no answer within `--timeout` seconds (the process group is killed and the
//! command restarted for the next case); the command exiting (restarted for the next case). An
//! answer for an earlier case (a duplicate or late line) is recorded and skipped. After
//! [`MAX_CONSECUTIVE_FAILURES`] cases in a row lost to a crash, a hang or a failed start, the
//! remaining cases are recorded as not run. So a run ends within about (cases × timeout).
//!
//! # Verdict (the exit status)
//!
//! Scoring is [`crate::harness::score`], the scorer of `orthant report`. The run **passes**
//! (exit 0) when every case has an answer (or a declared `n/a`), no protocol violation was seen,
//! every answer with `error` 0 is within the case's tolerance (`reference_error`), and the
//! answers with a positive or absent error miss their reference no more often than a 99%
//! interval allows: misses ≤ [`allowed_misses`]`(n)`, the 99.9% quantile of Binomial(n, 0.01).
//! An answer without `error` is judged on the accuracy asked of it, `--abs-tol`/`--rel-tol`
//! (default 1e-5 and 1e-3): covered when |value − reference| ≤ max(abs_tol, rel_tol ·
//! reference). Otherwise it fails (exit 1).
//!
//! # Gradients
//!
//! Where an answer carries gradients and the case a reference gradient (`reference_grad_*`,
//! the exact gradient of [`export::exact_gradient`]), the answer's gradient error is
//! [`harness::gradient_error`]: ‖g − g_ref‖_∞ / max(‖g_ref‖_∞, tiny) over the vectors given in
//! both. It is reported per case (`grad_rel_error`) and summarised (gradients scored, worst
//! error). It fails the run only with `--grad-tol T` ([`ValidateOptions::grad_tol`]): then any
//! scored gradient error above T is a failure. The `--compare` methods are run for their
//! gradients too (`integrate_with_gradient`, the report's budgets) on the cases with a
//! reference gradient, and scored by the same code; they have no verdict.

mod answer;
mod session;

pub(crate) use answer::AnswerOutcome;
pub use answer::{parse_answer, ParsedAnswer};
pub(crate) use session::{ask, Request, Session};

use super::export::{self, SuiteEntry};
use super::report::{self, Budgeted};
use crate::harness::{self, AccuracyAsked, CaseResult, GradientVectors, HarnessReport, Status};
use answer::read_results;
use mvn_orthant::{MethodChoice, Problem};
use session::run_command;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

/// The default output directory.
pub const DEFAULT_OUT: &str = "target/orthant-validate";
/// The default per-case timeout in seconds.
pub const DEFAULT_TIMEOUT: f64 = 10.0;
/// The default largest dimension (the d = 1000 requests are about 20 MB each).
pub const DEFAULT_MAX_DIM: usize = 100;
/// The default absolute tolerance asked of answers without an error estimate.
pub const DEFAULT_ABS_TOL: f64 = 1e-5;
/// The default relative tolerance asked of answers without an error estimate.
pub const DEFAULT_REL_TOL: f64 = 1e-3;
/// Cases lost in a row to a crash, a hang or a failed start before the run gives up.
pub const MAX_CONSECUTIVE_FAILURES: usize = 3;
/// The nominal miss rate of a 99% interval.
pub const MISS_RATE: f64 = 0.01;
/// The confidence of the binomial rule.
pub const RULE_CONFIDENCE: f64 = 0.999;

/// Where the answers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A command run through `sh -c`.
    Command(String),
    /// A JSON Lines file of answers.
    Results(PathBuf),
}

/// Options of a validate run.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidateOptions {
    /// The source of the answers.
    pub source: Source,
    /// The integrator's name in the report (default `"external"`).
    pub name: String,
    /// An `orthant suite` file; `None` for the built-in suite.
    pub suite: Option<PathBuf>,
    /// Output directory of the report files.
    pub out: PathBuf,
    /// Per-case timeout.
    pub timeout: Duration,
    /// Keep cases of dimension ≤ this (`None`: all).
    pub max_dim: Option<usize>,
    /// Keep cases with this tag.
    pub tag: Option<String>,
    /// Our methods to run beside the integrator (with the report's budgets).
    pub compare: Vec<MethodChoice>,
    /// The accuracy asked of answers without an error estimate.
    pub asked: AccuracyAsked,
    /// The largest gradient error allowed (`None`: gradient errors are reported, not judged).
    pub grad_tol: Option<f64>,
}

impl ValidateOptions {
    /// Defaults for a source.
    pub fn new(source: Source) -> Self {
        ValidateOptions {
            source,
            name: "external".into(),
            suite: None,
            out: PathBuf::from(DEFAULT_OUT),
            timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT),
            max_dim: Some(DEFAULT_MAX_DIM),
            tag: None,
            compare: Vec::new(),
            asked: AccuracyAsked { abs_tol: DEFAULT_ABS_TOL, rel_tol: DEFAULT_REL_TOL },
            grad_tol: None,
        }
    }
}

/// What a validate run found.
#[derive(Debug, Clone)]
pub struct ValidateOutcome {
    /// The integrator's results.
    pub run: HarnessReport,
    /// The compared methods' results.
    pub compared: Vec<HarnessReport>,
    /// Protocol violations not tied to a scored case (duplicate or late answers, unknown ids).
    pub notes: Vec<String>,
    /// Answers judged by the binomial rule (a positive or absent error).
    pub claims: usize,
    /// Those that miss their reference.
    pub misses: usize,
    /// The most misses the rule allows.
    pub allowed_misses: usize,
    /// Why the run fails (empty when it passes).
    pub failures: Vec<String>,
    /// The report files written.
    pub files: Vec<PathBuf>,
}

impl ValidateOutcome {
    /// Whether the integrator passes (exit status 0).
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The largest number of misses of n independent 99% intervals that is not evidence of
/// overclaiming: the smallest k with P(Binomial(n, 0.01) ≤ k) ≥ 0.999.
///
/// ```
/// use validation::cli::validate::allowed_misses;
/// assert_eq!(allowed_misses(0), 0);
/// assert_eq!(allowed_misses(10), 2);
/// assert_eq!(allowed_misses(100), 5);
/// ```
pub fn allowed_misses(n: usize) -> usize {
    let (p, q) = (MISS_RATE, 1.0 - MISS_RATE);
    let mut pmf = q.powi(n as i32);
    let mut cdf = pmf;
    let mut k = 0;
    while cdf < RULE_CONFIDENCE && k < n {
        pmf *= (n - k) as f64 / (k + 1) as f64 * p / q;
        k += 1;
        cdf += pmf;
    }
    k
}

fn load_entries(options: &ValidateOptions) -> io::Result<Vec<SuiteEntry>> {
    let entries = match &options.suite {
        None => export::builtin_entries(options.max_dim, options.tag.as_deref()).map_err(io::Error::other)?,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
            export::parse_lines(&text).map_err(|e| io::Error::other(format!("{}: {e}", path.display())))?
        }
    };
    Ok(export::filter(entries, options.max_dim, options.tag.as_deref()))
}

/// Why the integrator fails, from its results and the protocol notes (empty: it passes); also
/// returns (claims, misses, allowed misses) of the binomial rule. With `grad_tol`, a scored
/// gradient error above it is a failure.
pub fn verdict(
    name: &str,
    results: &[CaseResult],
    notes: &[String],
    grad_tol: Option<f64>,
) -> (Vec<String>, usize, usize, usize) {
    let mut failures = Vec::new();
    for r in results {
        if let (Some(tol), Some(e)) = (grad_tol, r.grad_rel_error) {
            // A NaN error (never produced by the scorer) would fail too.
            if e.is_nan() || e > tol {
                failures.push(format!(
                    "{name} on {}: gradient error {e:.2e} (largest component error / largest reference component) exceeds --grad-tol {tol:e}",
                    r.id
                ));
            }
        }
        if r.status == Status::Error {
            failures.push(format!("{name} on {}: {}", r.id, r.message.as_deref().unwrap_or("")));
        }
        if r.exact_failure {
            failures.push(format!(
                "{name} on {}: claims exactness (error 0) but its relative error {:.2e} exceeds the case's tolerance {:.0e}",
                r.id,
                r.rel_error.unwrap_or(f64::NAN),
                r.tolerance
            ));
        }
    }
    failures.extend(notes.iter().map(|n| format!("{name}: protocol: {n}")));
    let judged: Vec<&CaseResult> =
        results.iter().filter(|r| r.answer.as_ref().is_some_and(|a| !a.exact)).collect();
    let misses = judged.iter().filter(|r| r.covered != Some(true)).count();
    let allowed = allowed_misses(judged.len());
    if misses > allowed {
        let worst: Vec<String> = judged
            .iter()
            .filter(|r| r.covered != Some(true))
            .take(5)
            .map(|r| {
                let a = r.answer.as_ref().expect("judged results have answers");
                format!(
                    "{} (value {:e}, reference {:e}, error {}, reported {})",
                    r.id,
                    a.value,
                    r.reference,
                    r.abs_error.map_or("-".into(), |e| format!("{e:.2e}")),
                    a.error.map_or("none".into(), |e| format!("{e:.2e}"))
                )
            })
            .collect();
        failures.push(format!(
            "{name}: {misses} of {} answers miss their reference by more than the reported error (or the asked accuracy); a 99% interval allows at most {allowed} (99.9% quantile of Binomial({}, 0.01)); e.g. {}",
            judged.len(),
            judged.len(),
            worst.join("; ")
        ));
    }
    (failures, judged.len(), misses, allowed)
}

/// Runs method `choice` for its gradient (`integrate_with_gradient`, the report's budgets) on
/// the cases with a reference gradient and the answer `report` holds, and scores it with
/// [`harness::score_gradient`] (a method without gradients, or one that fails, is not scored).
fn score_compared_gradients(choice: MethodChoice, entries: &[SuiteEntry], report: &mut HarnessReport) {
    for (e, r) in entries.iter().zip(&mut report.results) {
        let Some(reference) = e.reference_gradient.as_ref() else { continue };
        let Some(answer) = r.answer.as_mut() else { continue };
        let problem: &Problem = &e.case.problem;
        let settings = report::settings_for(choice, problem.dim(), report::problem_seed(problem));
        let outcome = if e.case.is_student_t() {
            crate::student::integrate_with_gradient(&e.case.student_problem(), choice, &settings)
        } else {
            mvn_orthant::integrate_with_gradient(
                problem,
                choice,
                &settings,
                mvn_orthant::GradientOptions::default(),
            )
        };
        if let Ok((_, g)) = outcome {
            answer.gradient = Some(GradientVectors::from_gradient(&g));
            harness::score_gradient(r, Some(reference));
        }
    }
    report.summary = harness::summarize(&report.summary.integrator, &report.results);
}

/// Runs `orthant validate`, writing progress, the per-case problems, the summary table and the
/// verdict to `out`, and the report files under `options.out`.
///
/// # Errors
///
/// I/O errors (reading the suite or results, writing the report); not the integrator's
/// misbehaviour, which is recorded.
pub fn run(options: &ValidateOptions, out: &mut dyn Write) -> io::Result<ValidateOutcome> {
    let entries = load_entries(options)?;
    if entries.is_empty() {
        return Err(io::Error::other("no suite case matches --max-dim and --tag"));
    }
    let name = options.name.as_str();
    writeln!(
        out,
        "orthant validate: {} on {} cases (d = 1 … {}), timeout {} s",
        name,
        entries.len(),
        entries.iter().map(|e| e.case.dim).max().unwrap_or(0),
        options.timeout.as_secs_f64()
    )?;
    let (outcomes, notes) = match &options.source {
        Source::Command(command) => {
            let mut count = 0;
            let total = entries.len();
            run_command(command, name, &entries, options.timeout, &mut |id, outcome| {
                count += 1;
                if let Err((status, reason)) = outcome {
                    let _ = writeln!(out, "  [{count}/{total}] {id}: {}: {reason}", status.name());
                }
            })
        }
        Source::Results(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display())))?;
            let mut ignored = 0;
            let (outcomes, notes) = read_results(&text, name, &entries, &mut ignored);
            if ignored > 0 {
                writeln!(
                    out,
                    "  ignored {ignored} answer line(s) for cases not selected (--max-dim, --tag) or unknown"
                )?;
            }
            for (e, (o, _)) in entries.iter().zip(&outcomes) {
                if let Err((status, reason)) = o {
                    writeln!(out, "  {}: {}: {reason}", e.case.id, status.name())?;
                }
            }
            (outcomes, notes)
        }
    };
    for n in &notes {
        writeln!(out, "  protocol: {n}")?;
    }
    let results: Vec<CaseResult> = entries
        .iter()
        .zip(outcomes)
        .map(|(e, (o, s))| {
            let mut r = harness::score(&e.case, o, s, Some(options.asked));
            harness::score_gradient(&mut r, e.reference_gradient.as_ref());
            r
        })
        .collect();
    let summary = harness::summarize(name, &results);
    let run = HarnessReport { results, summary };
    let cases: Vec<_> = entries.iter().map(|e| e.case.clone()).collect();
    let compared: Vec<HarnessReport> = options
        .compare
        .iter()
        .map(|&c| {
            let mut report = harness::run_student(&Budgeted(c), &cases);
            score_compared_gradients(c, &entries, &mut report);
            report
        })
        .collect();
    let (failures, claims, misses, allowed) = verdict(name, &run.results, &notes, options.grad_tol);

    let mut runs = vec![run.clone()];
    runs.extend(compared.iter().cloned());
    writeln!(out)?;
    write!(out, "{}", report::summary_table(&runs))?;
    writeln!(
        out,
        "\ncoverage rule: {misses} of {claims} answers with a positive or no reported error miss their reference (allowed: {allowed}, the 99.9% quantile of Binomial({claims}, 0.01)); answers without an error are judged on abs_tol {:e}, rel_tol {:e}",
        options.asked.abs_tol, options.asked.rel_tol
    )?;
    let with_reference = entries.iter().filter(|e| e.reference_gradient.is_some()).count();
    for r in &runs {
        let m = &r.summary;
        writeln!(
            out,
            "gradients: {} scored {} of the {with_reference} cases with a reference gradient; worst error {}",
            m.integrator,
            m.gradients_scored,
            m.max_grad_rel_error.map_or("-".into(), |e| format!("{e:.2e}")),
        )?;
    }
    if let Some(tol) = options.grad_tol {
        writeln!(out, "gradient rule: every scored gradient error of {name} must be ≤ --grad-tol {tol:e}")?;
    }
    let files = report::write_files(&options.out, &runs, &failures, entries.len())?;
    for f in &files {
        writeln!(out, "wrote {}", f.display())?;
    }
    if failures.is_empty() {
        writeln!(out, "\nPASS: {name} answered every case and meets its own error claims")?;
    } else {
        writeln!(out, "\nFAIL: {} problem(s):", failures.len())?;
        for f in &failures {
            writeln!(out, "  {f}")?;
        }
    }
    Ok(ValidateOutcome { run, compared, notes, claims, misses, allowed_misses: allowed, failures, files })
}
