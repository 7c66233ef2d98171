//! `orthant report [--out DIR]`: runs the built-in suite through every method and writes the
//! validation report.
//!
//! The methods are every [`MethodChoice`] in [`MethodChoice::ALL`] (so new choices appear
//! without changes here) plus the closed forms of this crate
//! ([`crate::closed_form::ClosedFormIntegrator`]). Each runs with a budget that shrinks with
//! the dimension ([`settings_for`]) so the whole report takes a minute or two on two cores.
//!
//! Outputs in DIR: `report.csv` (one row per case and method), `report.json` (the summaries and
//! the rows), `error_vs_time.svg` (achieved error against time per method, one panel per
//! dimension class) and `reported_vs_achieved.svg` (reported against achieved error of the
//! stochastic estimates). A summary table goes to stdout.
//!
//! A case a method does not apply to is recorded as `n/a` (also when the method refuses the
//! report's budget for that dimension). The report fails (non-zero exit)
//! only when something is wrong: an estimate from an exact method outside its case's tolerance,
//! or a method failing with an error other than `MethodNotApplicable`.

use super::plot::{legend, log_log_chart, log_range, scatter, Labels, PlotResult, ERROR_FLOOR};
use crate::closed_form::ClosedFormIntegrator;
use crate::harness::{self, CaseResult, HarnessReport, Status};
use crate::json_number::JsonF64;
use crate::student::{NormalOnly, StudentIntegrator};
use crate::suite::{self, Case};
use indicatif::{ProgressBar, ProgressStyle};
use mvn_orthant::student_t::StudentProblem;
use mvn_orthant::{Estimate, Integrator, MethodChoice, Problem, Settings};
use plotters::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The default output directory.
pub const DEFAULT_OUT: &str = "target/orthant-report";

/// Settings of a method choice for a problem of dimension `d` in the report: abs_tol 1e-7,
/// rel_tol 1e-4, and an evaluation budget of 2·10⁸/d² clamped to [4096, 5·10⁵] for d ≤ 500 and
/// 512 above (Monte Carlo: [500, 2·10⁵]), because one evaluation costs about d² operations; this
/// keeps the whole report within a minute or two on two cores. The seed is `seed` (see
/// [`problem_seed`]).
pub fn settings_for(choice: MethodChoice, d: usize, seed: u64) -> Settings {
    let d2 = (d * d).max(1) as f64;
    let max_evaluations = if choice == MethodChoice::MonteCarlo {
        (2e8 / d2).clamp(500.0, 2e5) as u64
    } else {
        let floor = if d <= 500 { 4096.0 } else { 512.0 };
        (2e8 / d2).clamp(floor, 5e5) as u64
    };
    Settings { abs_tol: 1e-7, rel_tol: 1e-4, max_evaluations, seed }
}

/// A seed derived from the problem's data (FNV-1a over the bits of its mean, limits and
/// covariance diagonal), so that different cases use independent random streams (a common seed
/// would make the errors of similar cases correlated) while every run gives the same bits.
pub fn problem_seed(problem: &Problem) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let sigma = problem.covariance();
    let diagonal = (0..problem.dim()).map(|i| sigma.get(i, i));
    let off = (1..problem.dim()).map(|i| sigma.get(i - 1, i));
    let values = problem
        .mean()
        .iter()
        .chain(problem.lower())
        .chain(problem.upper())
        .copied()
        .chain(diagonal)
        .chain(off);
    for x in values {
        for byte in x.to_bits().to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// A method choice run with [`settings_for`] the problem's dimension and [`problem_seed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgeted(pub MethodChoice);

impl Integrator for Budgeted {
    fn name(&self) -> String {
        self.0.name().into()
    }

    /// As [`mvn_orthant::integrate`], except that a method refusing the report's budget
    /// ([`mvn_orthant::Error::InvalidBudget`], e.g. a minimum number of paths per round) is
    /// recorded as not applicable under that budget rather than as a failure.
    fn integrate(&self, problem: &Problem) -> mvn_orthant::Result<Estimate> {
        let settings = settings_for(self.0, problem.dim(), problem_seed(problem));
        mvn_orthant::integrate(problem, self.0, &settings).map_err(|e| match e {
            mvn_orthant::Error::InvalidBudget { .. } => mvn_orthant::Error::MethodNotApplicable {
                method: self.0.name().into(),
                reason: format!(
                    "the report's budget of {} evaluations is too small: {e}",
                    settings.max_evaluations
                ),
            },
            other => other,
        })
    }
}

impl StudentIntegrator for Budgeted {
    fn name(&self) -> String {
        self.0.name().into()
    }

    fn integrate_normal(&self, problem: &Problem) -> mvn_orthant::Result<Estimate> {
        Integrator::integrate(self, problem)
    }

    /// The normal problems as [`Integrator::integrate`]; a t problem by
    /// [`crate::student::integrate`] with the same budget (the methods that do not apply to t
    /// are `n/a`).
    fn integrate(&self, problem: &StudentProblem) -> mvn_orthant::Result<Estimate> {
        if problem.is_normal() {
            return Integrator::integrate(self, problem.problem());
        }
        let p = problem.problem();
        let settings = settings_for(self.0, p.dim(), problem_seed(p));
        crate::student::integrate(problem, self.0, &settings)
    }
}

/// The closed forms of this crate (normal only: `n/a` on the Student t cases).
struct ClosedForms;

impl StudentIntegrator for ClosedForms {
    fn name(&self) -> String {
        ClosedFormIntegrator.name()
    }

    fn integrate_normal(&self, problem: &Problem) -> mvn_orthant::Result<Estimate> {
        NormalOnly(&ClosedFormIntegrator).integrate_normal(problem)
    }

    fn integrate(&self, problem: &StudentProblem) -> mvn_orthant::Result<Estimate> {
        NormalOnly(&ClosedFormIntegrator).integrate(problem)
    }
}

/// The integrators of the report, in order: every [`MethodChoice`] ([`Budgeted`], on the
/// normal and the Student t cases) and the closed forms (normal cases).
pub fn integrators() -> Vec<Box<dyn StudentIntegrator>> {
    let mut v: Vec<Box<dyn StudentIntegrator>> =
        MethodChoice::ALL.into_iter().map(|c| Box::new(Budgeted(c)) as Box<dyn StudentIntegrator>).collect();
    v.push(Box::new(ClosedForms));
    v
}

/// Options of a report run.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Keep only cases of dimension ≤ this (all when `None`); used by tests.
    pub max_dim: Option<usize>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { out: PathBuf::from(DEFAULT_OUT), progress: io::stderr().is_terminal(), max_dim: None }
    }
}

/// What a report run found.
#[derive(Debug, Clone)]
pub struct ReportOutcome {
    /// One harness report per integrator.
    pub runs: Vec<HarnessReport>,
    /// Descriptions of the problems that make the report fail (empty when all is well).
    pub failures: Vec<String>,
    /// The files written.
    pub files: Vec<PathBuf>,
}

#[derive(Serialize)]
struct Row<'a> {
    case: &'a str,
    category: &'a str,
    dim: usize,
    integrator: &'a str,
    status: &'static str,
    method: Option<&'a str>,
    value: Option<JsonF64>,
    reference: JsonF64,
    abs_error: Option<JsonF64>,
    rel_error: Option<JsonF64>,
    reported_error: Option<JsonF64>,
    covered: Option<bool>,
    exact_failure: bool,
    evaluations: Option<u64>,
    seconds: f64,
    message: Option<&'a str>,
    grad_rel_error: Option<JsonF64>,
}

fn row<'a>(integrator: &'a str, r: &'a CaseResult) -> Row<'a> {
    let e = r.answer.as_ref();
    Row {
        case: &r.id,
        category: &r.category,
        dim: r.dim,
        integrator,
        status: r.status.name(),
        method: e.map(|e| e.method.as_str()),
        value: e.map(|e| JsonF64(e.value)),
        reference: JsonF64(r.reference),
        abs_error: r.abs_error.map(JsonF64),
        rel_error: r.rel_error.map(JsonF64),
        reported_error: e.and_then(|e| e.error).map(JsonF64),
        covered: r.covered,
        exact_failure: r.exact_failure,
        evaluations: e.and_then(|e| e.evaluations),
        seconds: r.seconds,
        message: r.message.as_deref(),
        grad_rel_error: r.grad_rel_error.map(JsonF64),
    }
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    integrator: &'a str,
    cases: usize,
    ok: usize,
    not_applicable: usize,
    errors: usize,
    max_abs_error: Option<JsonF64>,
    max_rel_error: Option<JsonF64>,
    coverage: Option<f64>,
    stochastic: usize,
    stochastic_coverage: Option<f64>,
    exact_failures: usize,
    total_seconds: f64,
    gradients_scored: usize,
    max_grad_rel_error: Option<JsonF64>,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    suite_cases: usize,
    failures: &'a [String],
    summaries: Vec<SummaryJson<'a>>,
    rows: Vec<Row<'a>>,
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.2e}"))
}

fn fmt_pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// The summary table as text.
pub fn summary_table(runs: &[HarnessReport]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<24} {:>5} {:>5} {:>5} {:>11} {:>11} {:>9} {:>11} {:>11} {:>9}",
        "method",
        "ok",
        "n/a",
        "err",
        "max abs err",
        "max rel err",
        "coverage",
        "stoch. cov.",
        "exact fails",
        "time (s)"
    );
    for run in runs {
        let m = &run.summary;
        let _ = writeln!(
            s,
            "{:<24} {:>5} {:>5} {:>5} {:>11} {:>11} {:>9} {:>11} {:>11} {:>9.3}",
            m.integrator,
            m.ok,
            m.not_applicable,
            m.errors,
            fmt_opt(m.max_abs_error),
            fmt_opt(m.max_rel_error),
            fmt_pct(m.coverage),
            fmt_pct(m.stochastic_coverage),
            m.exact_failures,
            m.total_seconds
        );
    }
    let _ = writeln!(
        s,
        "\ncoverage: the share of answers whose reported error (a 99% half-width; nominal coverage 99%) \
         contains the reference, exact answers judged on the case's tolerance; stoch. cov.: the same \
         among stochastic answers; exact fails: exact answers off by more than the case's tolerance"
    );
    s
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v:e}"))
}

fn write_csv(path: &Path, runs: &[HarnessReport]) -> io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record([
        "case",
        "category",
        "dim",
        "integrator",
        "status",
        "method",
        "value",
        "reference",
        "abs_error",
        "rel_error",
        "reported_error",
        "covered",
        "exact_failure",
        "evaluations",
        "seconds",
        "message",
        "grad_rel_error",
    ])?;
    for run in runs {
        for r in &run.results {
            let e = r.answer.as_ref();
            w.write_record([
                r.id.clone(),
                r.category.clone(),
                r.dim.to_string(),
                run.summary.integrator.clone(),
                r.status.name().to_string(),
                e.map_or_else(String::new, |e| e.method.clone()),
                num(e.map(|e| e.value)),
                format!("{:e}", r.reference),
                num(r.abs_error),
                num(r.rel_error),
                num(e.and_then(|e| e.error)),
                r.covered.map_or_else(String::new, |c| c.to_string()),
                r.exact_failure.to_string(),
                e.and_then(|e| e.evaluations).map_or_else(String::new, |n| n.to_string()),
                format!("{:e}", r.seconds),
                r.message.clone().unwrap_or_default(),
                num(r.grad_rel_error),
            ])?;
        }
    }
    w.flush()
}

fn write_json(path: &Path, runs: &[HarnessReport], failures: &[String], cases: usize) -> io::Result<()> {
    let summaries = runs
        .iter()
        .map(|run| {
            let m = &run.summary;
            SummaryJson {
                integrator: &m.integrator,
                cases: m.cases,
                ok: m.ok,
                not_applicable: m.not_applicable,
                errors: m.errors,
                max_abs_error: m.max_abs_error.map(JsonF64),
                max_rel_error: m.max_rel_error.map(JsonF64),
                coverage: m.coverage,
                stochastic: m.stochastic,
                stochastic_coverage: m.stochastic_coverage,
                exact_failures: m.exact_failures,
                total_seconds: m.total_seconds,
                gradients_scored: m.gradients_scored,
                max_grad_rel_error: m.max_grad_rel_error.map(JsonF64),
            }
        })
        .collect();
    let rows = runs
        .iter()
        .flat_map(|run| run.results.iter().map(move |r| row(&run.summary.integrator, r)))
        .collect();
    let report = ReportJson { suite_cases: cases, failures, summaries, rows };
    let text = serde_json::to_string_pretty(&report).map_err(io::Error::other)?;
    std::fs::write(path, text)
}

const TIME_FLOOR: f64 = 1e-7;

/// A panel label and the dimensions it shows.
type DimensionClass = (&'static str, fn(usize) -> bool);

/// The relative error of an answer, |value − reference|/reference (the absolute error where the
/// reference is 0), raised to the error floor.
fn relative_error(r: &CaseResult) -> Option<f64> {
    let e = if r.reference > 0.0 { r.rel_error? } else { r.abs_error? };
    e.is_finite().then_some(e.max(ERROR_FLOOR))
}

/// Whether a point sits on the error floor (an answer exactly equal to its reference).
fn on_floor(p: &(f64, f64)) -> bool {
    p.1 <= ERROR_FLOOR
}

fn plot_error_vs_time(path: &Path, runs: &[HarnessReport]) -> PlotResult {
    let root = SVGBackend::new(path, (1500, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 3));
    let classes: [DimensionClass; 3] =
        [("d ≤ 3", |d| d <= 3), ("4 ≤ d ≤ 100", |d| (4..=100).contains(&d)), ("d > 100", |d| d > 100)];
    let ok = |r: &&CaseResult| r.status == Status::Ok;
    let all: Vec<&CaseResult> = runs.iter().flat_map(|r| r.results.iter()).filter(ok).collect();
    let xr = log_range(all.iter().map(|r| r.seconds), TIME_FLOOR);
    let yr = log_range(all.iter().filter_map(|r| relative_error(r)), ERROR_FLOOR);
    // Four decades of headroom above the data for the legend, one below for the exact zeros.
    let yr = yr.start / 10.0..(yr.end * 1e4).max(1e3);
    for (panel, (label, class)) in panels.iter().zip(classes) {
        let caption = format!("relative error vs time, {label}");
        let labels = Labels {
            caption: &caption,
            x: "seconds",
            y: "|value − reference| / reference   (× at 1e-17: exactly 0)",
        };
        let mut chart = log_log_chart(panel, &labels, xr.clone(), yr.clone())?;
        for (k, run) in runs.iter().enumerate() {
            let points: Vec<(f64, f64)> = run
                .results
                .iter()
                .filter(ok)
                .filter(|r| class(r.dim))
                .filter_map(|r| relative_error(r).map(|e| (r.seconds.max(TIME_FLOOR), e)))
                .collect();
            scatter(&mut chart, &points, on_floor, Palette99::pick(k).mix(0.8), &run.summary.integrator)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    }
    root.present()?;
    Ok(())
}

fn plot_reported_vs_achieved(path: &Path, runs: &[HarnessReport]) -> PlotResult {
    let root = SVGBackend::new(path, (760, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let stochastic = |r: &&CaseResult| {
        r.answer.as_ref().is_some_and(|e| !e.exact && e.error.is_some_and(|x| x > 0.0))
            && r.abs_error.is_some_and(f64::is_finite)
    };
    // (reported, achieved) of every stochastic answer, both raised to the error floor.
    let points_of = |run: &HarnessReport| -> Vec<(f64, f64)> {
        run.results
            .iter()
            .filter(stochastic)
            .map(|r| {
                (
                    r.answer.as_ref().and_then(|e| e.error).unwrap_or(0.0).max(ERROR_FLOOR),
                    r.abs_error.unwrap_or(0.0).max(ERROR_FLOOR),
                )
            })
            .collect()
    };
    let range = log_range(runs.iter().flat_map(points_of).flat_map(|(a, b)| [a, b]), ERROR_FLOOR);
    let labels = Labels {
        caption: "reported vs achieved error (stochastic estimates)",
        x: "reported error (99% half-width)",
        y: "achieved error   (× at 1e-17: exactly 0)",
    };
    let mut chart = log_log_chart(&root, &labels, range.clone(), range.clone())?;
    chart
        .draw_series(LineSeries::new([(range.start, range.start), (range.end, range.end)], BLACK))?
        .label("achieved = reported")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK));
    for (k, run) in runs.iter().enumerate() {
        let points = points_of(run);
        if !points.is_empty() {
            // Answers exactly equal to their reference sit on the bottom axis, drawn as crosses.
            scatter(&mut chart, &points, on_floor, Palette99::pick(k).mix(0.8), &run.summary.integrator)?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

/// Writes the report files into `dir` (created if needed): `report.csv`, `report.json`,
/// `error_vs_time.svg` and `reported_vs_achieved.svg`, from the runs of any sources of answers
/// (`orthant report` and `orthant validate` share this). Returns the paths written.
///
/// # Errors
///
/// I/O and plotting errors.
pub fn write_files(
    dir: &Path,
    runs: &[HarnessReport],
    failures: &[String],
    cases: usize,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let csv = dir.join("report.csv");
    let json = dir.join("report.json");
    let svg1 = dir.join("error_vs_time.svg");
    let svg2 = dir.join("reported_vs_achieved.svg");
    write_csv(&csv, runs)?;
    write_json(&json, runs, failures, cases)?;
    plot_error_vs_time(&svg1, runs).map_err(|e| io::Error::other(format!("plot {}: {e}", svg1.display())))?;
    plot_reported_vs_achieved(&svg2, runs)
        .map_err(|e| io::Error::other(format!("plot {}: {e}", svg2.display())))?;
    Ok(vec![csv, json, svg1, svg2])
}

/// Runs the report, writing the table and plain progress to `out`.
///
/// # Errors
///
/// I/O errors (creating DIR, writing files) and a malformed built-in suite.
pub fn run(options: &ReportOptions, out: &mut dyn Write) -> io::Result<ReportOutcome> {
    let suite = suite::builtin().map_err(io::Error::other)?;
    let cases: Vec<Case> =
        suite.iter().filter(|c| options.max_dim.is_none_or(|m| c.dim <= m)).cloned().collect();
    let integrators = integrators();
    writeln!(
        out,
        "orthant report: {} cases (d = 1 … {}), {} methods",
        cases.len(),
        cases.iter().map(|c| c.dim).max().unwrap_or(0),
        integrators.len()
    )?;
    let bar = if options.progress {
        let bar = ProgressBar::new((cases.len() * integrators.len()) as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut runs = Vec::new();
    for integrator in &integrators {
        bar.set_message(integrator.name());
        let run = harness::run_student_with_progress(integrator.as_ref(), &cases, &mut |r| {
            bar.inc(1);
            bar.set_message(format!("{} {}", integrator.name(), r.id));
        });
        if !options.progress {
            let m = &run.summary;
            writeln!(
                out,
                "  {:<24} {} ok, {} n/a, {} errors in {:.2} s",
                m.integrator, m.ok, m.not_applicable, m.errors, m.total_seconds
            )?;
        }
        runs.push(run);
    }
    bar.finish_and_clear();

    let mut failures = Vec::new();
    for run in &runs {
        for r in &run.results {
            if r.exact_failure {
                let e = r.answer.as_ref().expect("an exact failure has an answer");
                failures.push(format!(
                    "{} on {}: exact method {} gave {:e}, reference {:e}, relative error {:.2e} > tolerance {:.0e}",
                    run.summary.integrator,
                    r.id,
                    e.method,
                    e.value,
                    r.reference,
                    r.rel_error.unwrap_or(f64::NAN),
                    r.tolerance
                ));
            }
            if r.status == Status::Error {
                failures.push(format!(
                    "{} on {}: failed: {}",
                    run.summary.integrator,
                    r.id,
                    r.message.as_deref().unwrap_or("")
                ));
            }
        }
    }

    writeln!(out)?;
    write!(out, "{}", summary_table(&runs))?;
    for run in &runs {
        if let Some(c) = run.summary.stochastic_coverage {
            if run.summary.stochastic >= 20 && c < 0.9 {
                writeln!(
                    out,
                    "warning: {} covers its references in only {:.1}% of {} stochastic estimates (99% intervals)",
                    run.summary.integrator,
                    100.0 * c,
                    run.summary.stochastic
                )?;
            }
        }
    }

    let files = write_files(&options.out, &runs, &failures, cases.len())?;
    writeln!(out)?;
    for f in &files {
        writeln!(out, "wrote {}", f.display())?;
    }
    if failures.is_empty() {
        writeln!(out, "\nOK: no exact method disagrees with its reference, no method failed")?;
    } else {
        writeln!(out, "\nFAILED: {} problem(s):", failures.len())?;
        for f in &failures {
            writeln!(out, "  {f}")?;
        }
    }
    Ok(ReportOutcome { runs, failures, files })
}
