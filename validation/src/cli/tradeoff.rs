//! `orthant tradeoff [--out DIR] [--quick] [--criterion DIR]`: work-precision curves.
//!
//! Each stochastic method runs over a ladder of evaluation budgets (2¹⁰, 2¹¹, … up to a cap that
//! depends on the dimension) with an absolute tolerance of 1e-15, so that the budget, not the
//! tolerance, decides when a run stops. Genz runs with 8 randomisations of a first round of 64
//! points, doubled each round, so a budget of 2ᵏ buys 2ᵏ⁻³ points per randomisation. For every rung the tool records the mean wall time of a
//! call and the achieved error |P̂ − P| against a reference, as the root mean square over a few
//! seeds (one seed says little about a randomised method). The exact one-factor quadrature is one
//! point per problem where it applies.
//!
//! Problems and references:
//!
//! * equicorrelated ρ = ½ lower orthants P(X ≤ 0), d = 5, 20, 100: exact value 1/(d + 1);
//! * random correlation boxes, d = 5 and 20 (the same matrices and limits as
//!   the benchmarks, [`crate::fixtures::random_box`]`(d, 7)`): no closed form, so the reference is a long Genz run (Sobol,
//!   16 randomisations, seed 12345, disjoint from the ladder's seeds) whose reported 99% error is
//!   written to the CSV; achieved errors below about three times that reported error are at the
//!   reference's floor and say nothing more.
//!
//! Output in DIR (default `target/orthant-tradeoff`): `tradeoff.csv` (one row per
//! method × problem × budget), `tradeoff.svg` (log achieved error against log seconds, one curve
//! per method, one panel per problem) and, with `--criterion DIR`, `criterion.csv`: the mean
//! time of every criterion benchmark found under DIR (`**/new/estimates.json`).
//!
//! Timings are wall time on whatever machine runs the tool, with the rayon pool of the Genz
//! engine on all cores; run it on an idle machine.

use super::plot::{legend, log_log_chart, log_range, Labels, ERROR_FLOOR};
use crate::fixtures::{equicorrelated_orthant, random_box};
use mvn_orthant::genz::GenzSettings;
use mvn_orthant::qmc::PointSetKind;
use mvn_orthant::{Integrator, MonteCarlo, OneFactor, Problem};
use plotters::prelude::*;
use serde_json::Value;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Default output directory.
pub const DEFAULT_OUT: &str = "target/orthant-tradeoff";

/// Options of the sweep.
#[derive(Debug, Clone)]
pub struct TradeoffOptions {
    /// Output directory.
    pub out: PathBuf,
    /// A tiny ladder (2¹⁰ … 2¹², d = 5 only, one seed) for tests.
    pub quick: bool,
    /// A criterion output directory (e.g. `target/criterion`) to merge timings from.
    pub criterion: Option<PathBuf>,
}

impl Default for TradeoffOptions {
    fn default() -> Self {
        TradeoffOptions { out: PathBuf::from(DEFAULT_OUT), quick: false, criterion: None }
    }
}

/// A problem of the sweep with its reference value.
#[derive(Debug, Clone)]
pub struct TradeoffProblem {
    /// Short name, e.g. `equicorrelated-orthant-d20`.
    pub name: String,
    /// The dimension.
    pub dim: usize,
    /// The problem.
    pub problem: Problem,
    /// The reference value.
    pub reference: f64,
    /// Uncertainty of the reference (0 for exact references).
    pub reference_error: f64,
    /// How the reference was obtained.
    pub reference_kind: &'static str,
    /// The largest evaluation budget of the ladder for this problem.
    pub max_budget: u64,
}

/// One point of a work-precision curve.
#[derive(Debug, Clone, PartialEq)]
pub struct TradeoffPoint {
    /// Problem name.
    pub problem: String,
    /// Dimension.
    pub dim: usize,
    /// Method name (`genz-sobol`, `genz-lattice`, `monte-carlo`, `one-factor`).
    pub method: String,
    /// Evaluation budget asked for.
    pub budget: u64,
    /// Evaluations actually spent (mean over seeds).
    pub evaluations: f64,
    /// Wall time of one call, seconds: the median over the seeds of each seed's median batch
    /// time (robust to a busy machine).
    pub seconds: f64,
    /// Root mean square over seeds of |estimate − reference|.
    pub achieved_error: f64,
    /// Mean reported error (99% half-width; 0 for exact methods).
    pub reported_error: f64,
    /// Reference value and its uncertainty.
    pub reference: f64,
    /// Uncertainty of the reference.
    pub reference_error: f64,
}

/// Largest budget for dimension d: about 2²³ coordinate evaluations (d · budget), capped at 2²⁰.
fn max_budget(d: usize, quick: bool) -> u64 {
    if quick {
        return 1 << 12;
    }
    let cap = ((1u64 << 23) / d.max(1) as u64).max(1 << 10);
    (1u64 << 20).min(1 << (63 - cap.leading_zeros()))
}

/// The problems of the sweep (the random boxes' references are computed here: a few seconds).
///
/// # Errors
///
/// Only if a fixture fails to build or the reference run fails.
pub fn problems(quick: bool) -> mvn_orthant::Result<Vec<TradeoffProblem>> {
    let mut out = Vec::new();
    let orthant_dims: &[usize] = if quick { &[5] } else { &[5, 20, 100] };
    for &d in orthant_dims {
        let problem = equicorrelated_orthant(d)?;
        out.push(TradeoffProblem {
            name: format!("equicorrelated-orthant-d{d}"),
            dim: d,
            problem,
            reference: 1.0 / (d as f64 + 1.0),
            reference_error: 0.0,
            reference_kind: "exact 1/(d+1)",
            max_budget: max_budget(d, quick),
        });
    }
    let box_dims: &[usize] = if quick { &[5] } else { &[5, 20] };
    for &d in box_dims {
        let problem = random_box(d, 7)?;
        // Reference: a long Genz run, 16 randomisations, a seed no ladder run uses.
        let budget: u64 = if quick {
            1 << 16
        } else if d <= 5 {
            1 << 24
        } else {
            1 << 23
        };
        let genz = GenzSettings::default()
            .abs_tol(1e-15)
            .randomizations(16)
            .max_evaluations(budget)
            .seed(12_345)
            .build()?;
        let e = genz.integrate(&problem)?;
        out.push(TradeoffProblem {
            name: format!("random-box-d{d}"),
            dim: d,
            problem,
            reference: e.value,
            reference_error: e.error,
            reference_kind: "long Genz run",
            max_budget: max_budget(d, quick),
        });
    }
    Ok(out)
}

/// Seconds per call of `f`: the median over five batches of the mean time per call, each batch
/// repeating `f` enough to fill about 4 ms (at most 50 calls), so that one slow batch (the other
/// core busy, a page fault) does not bend the work-precision line; and the last result. A call
/// slower than 20 ms is timed once.
fn timed<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let start = Instant::now();
    let mut result = f();
    let first = start.elapsed().as_secs_f64();
    if first >= 0.02 {
        return (first, result);
    }
    let reps = ((0.004 / first.max(1e-9)).ceil() as usize).clamp(1, 50);
    let mut batches = [0.0; 5];
    for batch in &mut batches {
        let start = Instant::now();
        for _ in 0..reps {
            result = f();
        }
        *batch = start.elapsed().as_secs_f64() / reps as f64;
    }
    (median(&mut batches), result)
}

/// The median of a non-empty slice (sorted in place).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// Runs the ladder of one method on one problem. `make(budget, seed)` builds the integrator.
fn ladder(
    p: &TradeoffProblem,
    method: &str,
    seeds: &[u64],
    make: &dyn Fn(u64, u64) -> mvn_orthant::Result<Box<dyn Integrator>>,
) -> mvn_orthant::Result<Vec<TradeoffPoint>> {
    let mut points = Vec::new();
    let mut budget = 1u64 << 10;
    while budget <= p.max_budget {
        let (mut sq, mut reported, mut evaluations) = (0.0, 0.0, 0.0);
        let mut seconds = Vec::with_capacity(seeds.len());
        for &seed in seeds {
            let integrator = make(budget, seed)?;
            let (s, e) = timed(|| integrator.integrate(&p.problem));
            let e = e?;
            seconds.push(s);
            sq += (e.value - p.reference).powi(2);
            reported += e.error;
            evaluations += e.evaluations as f64;
        }
        let n = seeds.len() as f64;
        points.push(TradeoffPoint {
            problem: p.name.clone(),
            dim: p.dim,
            method: method.into(),
            budget,
            evaluations: evaluations / n,
            seconds: median(&mut seconds),
            achieved_error: (sq / n).sqrt(),
            reported_error: reported / n,
            reference: p.reference,
            reference_error: p.reference_error,
        });
        budget *= 2;
    }
    Ok(points)
}

/// Runs every method on every problem.
///
/// # Errors
///
/// When an integrator fails (it should not on these problems).
pub fn sweep(
    problems: &[TradeoffProblem],
    quick: bool,
    progress: &mut dyn Write,
) -> io::Result<Vec<TradeoffPoint>> {
    let seeds: &[u64] = if quick { &[1] } else { &[1, 2, 3] };
    let to_io = |e: mvn_orthant::Error| io::Error::other(e.to_string());
    let mut all = Vec::new();
    for p in problems {
        writeln!(
            progress,
            "tradeoff: {} (reference {:.15e} ± {:.1e}, {})",
            p.name, p.reference, p.reference_error, p.reference_kind
        )?;
        for (name, kind) in [("genz-sobol", PointSetKind::Sobol), ("genz-lattice", PointSetKind::Lattice)] {
            let make = move |budget: u64, seed: u64| -> mvn_orthant::Result<Box<dyn Integrator>> {
                let g = GenzSettings::default()
                    .abs_tol(1e-15)
                    .randomizations(8)
                    .initial_points(64)
                    .max_evaluations(budget)
                    .seed(seed)
                    .point_set(kind)
                    .build()?;
                Ok(Box::new(g))
            };
            all.extend(ladder(p, name, seeds, &make).map_err(to_io)?);
        }
        let make_mc = |budget: u64, seed: u64| -> mvn_orthant::Result<Box<dyn Integrator>> {
            Ok(Box::new(MonteCarlo::new(budget, seed)?))
        };
        all.extend(ladder(p, "monte-carlo", seeds, &make_mc).map_err(to_io)?);
        if let Ok(e) = OneFactor.integrate(&p.problem) {
            let (seconds, _) = timed(|| OneFactor.integrate(&p.problem));
            all.push(TradeoffPoint {
                problem: p.name.clone(),
                dim: p.dim,
                method: "one-factor".into(),
                budget: 0,
                evaluations: e.evaluations as f64,
                seconds,
                achieved_error: (e.value - p.reference).abs(),
                reported_error: e.error,
                reference: p.reference,
                reference_error: p.reference_error,
            });
        }
    }
    Ok(all)
}

/// The CSV text of the points.
pub fn to_csv(points: &[TradeoffPoint]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "problem",
        "dim",
        "method",
        "budget",
        "evaluations",
        "seconds",
        "achieved_error",
        "reported_error",
        "reference",
        "reference_error",
    ];
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for p in points {
        let _ = w.write_record([
            p.problem.clone(),
            p.dim.to_string(),
            p.method.clone(),
            p.budget.to_string(),
            format!("{:.0}", p.evaluations),
            format!("{:.6e}", p.seconds),
            format!("{:.3e}", p.achieved_error),
            format!("{:.3e}", p.reported_error),
            format!("{:.17e}", p.reference),
            format!("{:.3e}", p.reference_error),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Draws the SVG: one panel per problem, log error against log seconds, one curve per method.
///
/// # Errors
///
/// Drawing or file errors.
pub fn plot(
    path: &Path,
    problems: &[TradeoffProblem],
    points: &[TradeoffPoint],
) -> Result<(), Box<dyn std::error::Error>> {
    let cols = problems.len().clamp(1, 3);
    let rows = problems.len().div_ceil(cols).max(1);
    let root = SVGBackend::new(path, (520 * cols as u32, 440 * rows as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((rows, cols));
    let methods = ["genz-sobol", "genz-lattice", "monte-carlo", "one-factor"];
    for (panel, p) in panels.iter().zip(problems) {
        let mine: Vec<&TradeoffPoint> = points.iter().filter(|q| q.problem == p.name).collect();
        let xr = log_range(mine.iter().map(|q| q.seconds), 1e-8);
        let yr = log_range(mine.iter().map(|q| q.achieved_error), ERROR_FLOOR);
        // Three decades of headroom above the curves for the legend.
        let yr = yr.start..yr.end * 1e3;
        let caption = format!("{} ({})", p.name, p.reference_kind);
        let labels = Labels { caption: &caption, x: "seconds per call", y: "RMS |P̂ − P|" };
        let mut chart = log_log_chart(panel, &labels, xr, yr)?;
        if p.reference_error > 0.0 {
            let floor = p.reference_error;
            let (x0, x1) = (chart.x_range().start, chart.x_range().end);
            let line = BLACK.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(vec![(x0, floor), (x1, floor)], 8, 5, line))?
                .label("error of the reference")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], line));
        }
        for (k, m) in methods.iter().enumerate() {
            let color = Palette99::pick(k).mix(0.9);
            let curve: Vec<(f64, f64)> = mine
                .iter()
                .filter(|q| q.method == *m)
                .map(|q| (q.seconds.max(1e-8), q.achieved_error.max(ERROR_FLOOR)))
                .collect();
            if curve.is_empty() {
                continue;
            }
            chart.draw_series(LineSeries::new(curve.clone(), color.stroke_width(2)))?;
            chart
                .draw_series(curve.iter().map(|&c| Circle::new(c, 3, color.filled())))?
                .label(*m)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    root.present()?;
    Ok(())
}

/// Mean times of the criterion benchmarks under `dir`: (benchmark id, mean ns, its standard
/// error ns), from every `new/estimates.json`, sorted by id.
pub fn criterion_timings(dir: &Path) -> Vec<(String, f64, f64)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, f64, f64)>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "new") {
                    let file = path.join("estimates.json");
                    let Ok(text) = fs::read_to_string(&file) else { continue };
                    let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                    let mean = v.pointer("/mean/point_estimate").and_then(Value::as_f64);
                    let se = v.pointer("/mean/standard_error").and_then(Value::as_f64);
                    if let (Some(mean), Some(se)) = (mean, se) {
                        let id = dir.strip_prefix(root).unwrap_or(dir).to_string_lossy().replace('\\', "/");
                        out.push((id, mean, se));
                    }
                } else if path.file_name().is_some_and(|n| n != "report" && n != "base" && n != "change") {
                    walk(&path, root, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Runs the sweep and writes the files; progress and a summary go to `out`.
///
/// # Errors
///
/// I/O errors, integrator failures and drawing errors (as I/O errors).
pub fn run(options: &TradeoffOptions, out: &mut dyn Write) -> io::Result<Vec<TradeoffPoint>> {
    fs::create_dir_all(&options.out)?;
    let problems = problems(options.quick).map_err(|e| io::Error::other(e.to_string()))?;
    let points = sweep(&problems, options.quick, out)?;
    let csv = options.out.join("tradeoff.csv");
    fs::write(&csv, to_csv(&points))?;
    let svg = options.out.join("tradeoff.svg");
    plot(&svg, &problems, &points).map_err(|e| io::Error::other(e.to_string()))?;
    writeln!(
        out,
        "{:<28} {:<13} {:>9} {:>12} {:>10} {:>10}",
        "problem", "method", "budget", "seconds", "achieved", "reported"
    )?;
    for p in &points {
        writeln!(
            out,
            "{:<28} {:<13} {:>9} {:>12.3e} {:>10.2e} {:>10.2e}",
            p.problem, p.method, p.budget, p.seconds, p.achieved_error, p.reported_error
        )?;
    }
    writeln!(out, "wrote {} and {}", csv.display(), svg.display())?;
    if let Some(dir) = &options.criterion {
        let timings = criterion_timings(dir);
        let path = options.out.join("criterion.csv");
        let mut w = csv::Writer::from_path(&path)?;
        w.write_record(["benchmark", "mean_ns", "standard_error_ns"])?;
        for (id, mean, se) in &timings {
            w.write_record([id.clone(), format!("{mean:.1}"), format!("{se:.1}")])?;
        }
        w.flush()?;
        writeln!(out, "merged {} criterion timings into {}", timings.len(), path.display())?;
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_fit_the_dimension() {
        assert_eq!(max_budget(5, false), 1 << 20);
        assert_eq!(max_budget(20, false), 1 << 18);
        assert_eq!(max_budget(100, false), 1 << 16);
        assert_eq!(max_budget(100, true), 1 << 12);
    }

    #[test]
    fn criterion_estimates_are_read() {
        let dir = std::env::temp_dir().join(format!("tradeoff-criterion-{}", std::process::id()));
        let new = dir.join("genz").join("sobol").join("5").join("new");
        fs::create_dir_all(&new).unwrap();
        fs::write(new.join("estimates.json"), r#"{"mean":{"point_estimate":1234.5,"standard_error":6.5}}"#)
            .unwrap();
        let t = criterion_timings(&dir);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(t, vec![("genz/sobol/5".to_string(), 1234.5, 6.5)]);
    }
}
