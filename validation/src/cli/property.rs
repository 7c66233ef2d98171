//! `orthant validate --command CMD --property N [--seed S] [--max-dim D]`: property-based
//! search for a problem the integrator gets wrong, shrunk to a minimal one.
//!
//! * **Problems**: N draws of [`crate::strategies::problem`] (random, equicorrelated,
//!   one-factor, low-rank-plus-ε and near-singular correlations rescaled by standard deviations
//!   in [0.1, 10], means, finite and infinite limits), d = 1 … D (default 5), from a proptest
//!   runner seeded with S: the same seed gives the same problems.
//! * **Reference**: [`crate::oracle::exact_reference`] (a closed form, or an exact method of
//!   `mvn-orthant`) where one applies; otherwise Genz's method with abs_tol 1e-9 and 2·10⁷
//!   evaluations, whose own 99% error is added to the allowance (both stated in the output).
//! * **Failure**: no valid answer (a crash, a hang, a malformed line; as in the suite run), or
//!   |value − reference| > allowance + reference error, where the allowance is
//!   [`ERROR_FACTOR`] × the reported error (an honest 99% half-width is exceeded by that factor
//!   with probability below 10⁻⁶, so a correct integrator does not fail by bad luck), 1e-9 ·
//!   reference for an answer that claims exactness (error 0), or max(abs_tol, rel_tol ·
//!   reference) for an answer without an error.
//! * **Shrinking** the first failing problem, greedily while the failure persists: drop a
//!   coordinate (the marginal problem), set the correlations to 0 or halve them (while some
//!   exceeds 0.05), standardise to unit variances, set the mean
//!   to 0, replace a finite limit by an infinite one, round the limits to integers or to one
//!   decimal. The result is printed as a ready-to-run `orthant eval` line and written to
//!   `DIR/counterexample.jsonl` with the integrator's answer and the reference.

use super::validate::{ask, AnswerOutcome, Request, Session, MAX_CONSECUTIVE_FAILURES};
use crate::harness::{AccuracyAsked, Status};
use crate::json_number::JsonF64;
use crate::oracle::{exact_reference, Reference};
use crate::problem_line::ProblemLine;
use crate::strategies;
use mvn_orthant::{Covariance, MethodChoice, Problem, Settings};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use std::collections::HashSet;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

/// The factor applied to a reported error before a single answer counts as a failure.
pub const ERROR_FACTOR: f64 = 2.0;
/// The default largest dimension of the drawn problems.
pub const DEFAULT_MAX_DIM: usize = 5;
/// The most shrinking candidates tried (each costs a reference and a request).
pub const MAX_SHRINK_STEPS: usize = 200;

/// Options of a property run.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyOptions {
    /// The integrator's command line.
    pub command: String,
    /// The integrator's name.
    pub name: String,
    /// Number of problems.
    pub problems: usize,
    /// The seed of the draws.
    pub seed: u64,
    /// Largest dimension.
    pub max_dim: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Output directory (counterexample.jsonl).
    pub out: PathBuf,
    /// The accuracy asked of answers without an error estimate.
    pub asked: AccuracyAsked,
}

/// What a property run found.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyOutcome {
    /// Problems drawn.
    pub problems: usize,
    /// Of which failed.
    pub failures: usize,
    /// The minimal failing problem, when one failed.
    pub counterexample: Option<Problem>,
    /// The file written, when one failed.
    pub file: Option<PathBuf>,
}

/// The problems of a seed: `n` draws of [`strategies::problem`] with d = 1 … `max_dim`.
///
/// # Panics
///
/// When `max_dim` is 0.
pub fn draw(n: usize, seed: u64, max_dim: usize) -> Vec<Problem> {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = strategies::problem(1..=max_dim);
    (0..n).filter_map(|_| strategy.new_tree(&mut runner).ok().map(|t| t.current())).collect()
}

/// The reference of a property problem: exact where possible, else Genz at abs_tol 1e-9.
pub fn reference(problem: &Problem) -> Reference {
    if let Some(r) = exact_reference(problem) {
        return r;
    }
    let settings = Settings { abs_tol: 1e-9, rel_tol: 0.0, max_evaluations: 20_000_000, seed: 7 };
    match mvn_orthant::integrate(problem, MethodChoice::Genz, &settings) {
        Ok(e) => Reference {
            value: e.value,
            error: e.error,
            source: format!("genz, abs_tol 1e-9, {} evaluations, 99% error {:.1e}", e.evaluations, e.error),
        },
        Err(_) => crate::oracle::monte_carlo_reference(problem, 10_000_000, 7),
    }
}

/// The `eval` request line of a problem (no reference fields).
pub fn request_line(id: &str, problem: &Problem) -> String {
    serde_json::to_string(&ProblemLine::new(id, problem)).expect("a request line serialises")
}

/// Why an answer fails against a reference (`None`: it passes).
pub fn failure(outcome: &AnswerOutcome, reference: &Reference, asked: AccuracyAsked) -> Option<String> {
    let answer = match outcome {
        Ok(a) => a,
        Err((Status::NotApplicable, _)) => return None,
        Err((_, reason)) => return Some(reason.clone()),
    };
    let allowance = match answer.error {
        Some(0.0) => 1e-9 * reference.value,
        Some(e) => ERROR_FACTOR * e,
        None => asked.allowance(reference.value),
    } + reference.error
        + 1e-13 * reference.value;
    let diff = (answer.value - reference.value).abs();
    (diff.is_nan() || diff > allowance).then(|| {
        format!(
            "value {:e} (reported error {}), reference {:e} ± {:.1e}: |difference| {:.2e} > allowance {:.2e}",
            answer.value,
            answer.error.map_or("none".into(), |e| format!("{e:.2e}")),
            reference.value,
            reference.error,
            diff,
            allowance
        )
    })
}

fn marginal(p: &Problem, drop: usize) -> Option<Problem> {
    let d = p.dim();
    if d < 2 {
        return None;
    }
    let keep: Vec<usize> = (0..d).filter(|&i| i != drop).collect();
    let s = p.covariance();
    let e = keep.iter().flat_map(|&i| keep.iter().map(move |&j| s.get(i, j))).collect();
    let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let c = Covariance::from_row_major(d - 1, e).ok()?;
    Problem::new(pick(p.mean()), c, pick(p.lower()), pick(p.upper())).ok()
}

fn with_covariance(p: &Problem, f: impl Fn(usize, usize, f64) -> f64) -> Option<Problem> {
    let d = p.dim();
    let s = p.covariance();
    let e = (0..d * d).map(|k| f(k / d, k % d, s.get(k / d, k % d))).collect();
    let c = Covariance::from_row_major(d, e).ok()?;
    Problem::new(p.mean().to_vec(), c, p.lower().to_vec(), p.upper().to_vec()).ok()
}

fn with_limits(p: &Problem, lower: Vec<f64>, upper: Vec<f64>, mean: Vec<f64>) -> Option<Problem> {
    Problem::new(mean, p.covariance().clone(), lower, upper).ok()
}

/// The shrinking candidates of a problem, simplest first; each is a valid problem and differs
/// from `p`.
pub fn candidates(p: &Problem) -> Vec<Problem> {
    let d = p.dim();
    let mut v: Vec<Problem> = (0..d).filter_map(|i| marginal(p, i)).collect();
    v.extend(with_covariance(p, |i, j, x| if i == j { x } else { 0.0 }));
    let s = p.covariance();
    let correlated =
        (0..d).any(|i| (0..i).any(|j| s.get(i, j).abs() > 0.05 * (s.get(i, i) * s.get(j, j)).sqrt()));
    if correlated {
        v.extend(with_covariance(p, |i, j, x| if i == j { x } else { x / 2.0 }));
    }
    // Unit variances: standardise the coordinates (the same probability).
    let sd: Vec<f64> = (0..d).map(|i| s.get(i, i).sqrt()).collect();
    if sd.iter().all(|&x| x > 0.0) && sd.iter().any(|&x| x != 1.0) {
        let scale = |v: &[f64]| v.iter().zip(&sd).map(|(x, s)| x / s).collect::<Vec<f64>>();
        let e = (0..d * d).map(|k| s.get(k / d, k % d) / (sd[k / d] * sd[k % d])).collect();
        if let Ok(c) = Covariance::from_row_major(d, e) {
            v.extend(Problem::new(scale(p.mean()), c, scale(p.lower()), scale(p.upper())).ok());
        }
    }
    if p.mean().iter().any(|&m| m != 0.0) {
        v.extend(with_limits(p, p.lower().to_vec(), p.upper().to_vec(), vec![0.0; d]));
    }
    for i in 0..d {
        if p.lower()[i].is_finite() {
            let mut lower = p.lower().to_vec();
            lower[i] = f64::NEG_INFINITY;
            v.extend(with_limits(p, lower, p.upper().to_vec(), p.mean().to_vec()));
        }
        if p.upper()[i].is_finite() {
            let mut upper = p.upper().to_vec();
            upper[i] = f64::INFINITY;
            v.extend(with_limits(p, p.lower().to_vec(), upper, p.mean().to_vec()));
        }
    }
    for scale in [1.0, 10.0] {
        let round = |x: &f64| if x.is_finite() { (x * scale).round() / scale } else { *x };
        let lower: Vec<f64> = p.lower().iter().map(round).collect();
        let upper: Vec<f64> = p.upper().iter().map(round).collect();
        let mean: Vec<f64> = p.mean().iter().map(round).collect();
        v.extend(with_limits(p, lower, upper, mean));
    }
    v.into_iter().filter(|c| c != p).collect()
}

/// Asks a running integrator about problems, restarting it after a crash or a hang.
struct Asker<'a> {
    options: &'a PropertyOptions,
    session: Option<Session>,
    asked: usize,
    lost_in_a_row: usize,
    notes: Vec<String>,
}

impl Asker<'_> {
    fn ask(&mut self, problem: &Problem) -> AnswerOutcome {
        if self.lost_in_a_row >= MAX_CONSECUTIVE_FAILURES {
            return Err((Status::Error, "not run: the integrator lost 3 problems in a row".into()));
        }
        if self.session.is_none() {
            match Session::start(&self.options.command) {
                Ok(s) => self.session = Some(s),
                Err(e) => {
                    self.lost_in_a_row = MAX_CONSECUTIVE_FAILURES;
                    return Err((Status::Error, format!("cannot start the command: {e}")));
                }
            }
        }
        self.asked += 1;
        let id = format!("property-{}", self.asked);
        let request = Request { id: &id, line: request_line(&id, problem), dim: problem.dim() };
        let session = self.session.as_mut().expect("a session was started");
        let (outcome, _, lost) = ask(
            session,
            &request,
            &self.options.name,
            self.options.timeout,
            &HashSet::new(),
            &HashSet::new(),
            &mut self.notes,
        );
        if lost {
            if let Some(mut s) = self.session.take() {
                s.kill();
            }
            self.lost_in_a_row += 1;
        } else {
            self.lost_in_a_row = 0;
        }
        outcome
    }
}

#[derive(Serialize)]
struct Counterexample<'a> {
    #[serde(flatten)]
    problem: ProblemLine<'a>,
    reference: JsonF64,
    reference_error: JsonF64,
    reference_source: &'a str,
    answer: Option<AnswerJson<'a>>,
    reason: &'a str,
}

#[derive(Serialize)]
struct AnswerJson<'a> {
    value: JsonF64,
    error: Option<JsonF64>,
    method: &'a str,
}

/// Runs the property search, writing progress and the verdict to `out`.
///
/// # Errors
///
/// I/O errors writing the output; not the integrator's misbehaviour.
pub fn run(options: &PropertyOptions, out: &mut dyn Write) -> io::Result<PropertyOutcome> {
    let problems = draw(options.problems, options.seed, options.max_dim.max(1));
    writeln!(
        out,
        "orthant validate --property: {} on {} random problems (seed {}, d = 1 … {}); references: exact where possible, else genz at abs_tol 1e-9 (its error added to the allowance); a failure: |value − reference| > {ERROR_FACTOR} × reported error (1e-9 relative for error 0, max(abs_tol {:e}, rel_tol {:e} · reference) without one)",
        options.name,
        problems.len(),
        options.seed,
        options.max_dim,
        options.asked.abs_tol,
        options.asked.rel_tol
    )?;
    let mut asker = Asker { options, session: None, asked: 0, lost_in_a_row: 0, notes: Vec::new() };
    let mut first: Option<(Problem, String)> = None;
    let mut failures = 0;
    for (k, p) in problems.iter().enumerate() {
        let r = reference(p);
        if let Some(reason) = failure(&asker.ask(p), &r, options.asked) {
            failures += 1;
            writeln!(out, "  problem {} (d = {}): FAIL: {reason}", k + 1, p.dim())?;
            if first.is_none() {
                first = Some((p.clone(), reason));
            }
        }
    }
    let Some((mut p, mut reason)) = first else {
        if let Some(s) = asker.session.take() {
            s.finish();
        }
        writeln!(
            out,
            "\nPASS: {} answered all {} problems within the allowance",
            options.name,
            problems.len()
        )?;
        return Ok(PropertyOutcome {
            problems: problems.len(),
            failures: 0,
            counterexample: None,
            file: None,
        });
    };
    writeln!(out, "\nshrinking the first failure (d = {}) …", p.dim())?;
    let mut steps = 0;
    'shrink: loop {
        for c in candidates(&p) {
            if steps >= MAX_SHRINK_STEPS {
                break 'shrink;
            }
            steps += 1;
            let r = reference(&c);
            if let Some(why) = failure(&asker.ask(&c), &r, options.asked) {
                writeln!(out, "  still fails at d = {}: {why}", c.dim())?;
                p = c;
                reason = why;
                continue 'shrink;
            }
        }
        break;
    }
    // The final answer and reference, for the record.
    let r = reference(&p);
    let answer = asker.ask(&p);
    if let Some(why) = failure(&answer, &r, options.asked) {
        reason = why;
    }
    if let Some(s) = asker.session.take() {
        s.finish();
    }
    let line = request_line("counterexample", &p);
    let d = p.dim();
    let record = Counterexample {
        problem: ProblemLine::new("counterexample", &p),
        reference: JsonF64(r.value),
        reference_error: JsonF64(r.error),
        reference_source: &r.source,
        answer: answer.as_ref().ok().map(|a| AnswerJson {
            value: JsonF64(a.value),
            error: a.error.map(JsonF64),
            method: &a.method,
        }),
        reason: &reason,
    };
    std::fs::create_dir_all(&options.out)?;
    let file = options.out.join("counterexample.jsonl");
    let text = serde_json::to_string(&record).map_err(io::Error::other)?;
    std::fs::write(&file, format!("{text}\n"))?;
    writeln!(
        out,
        "\nFAIL: {failures} of {} problems failed; minimal counterexample (d = {d}, after {steps} shrinking steps): {reason}\nreference: {:e} ± {:.1e} ({})\nrun it: echo '{line}' | orthant eval -\nwrote {}",
        problems.len(),
        r.value,
        r.error,
        r.source,
        file.display()
    )?;
    Ok(PropertyOutcome { problems: problems.len(), failures, counterexample: Some(p), file: Some(file) })
}
