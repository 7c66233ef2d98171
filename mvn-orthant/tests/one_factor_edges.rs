//! The one-factor reduction at its edges, against the mpmath table
//! `tests/data/one_factor_edges.csv` (generator `one_factor_edges_generate.py` beside it):
//! near-singular covariances (ρ = 1 − 10⁻ᵏ, k = 1 … 16, and ρ = 1), mixtures of zero and tiny
//! diagonal entries, and narrow boxes (widths 1e-3 … 1e-12) in the centre and in the tails, for
//! d up to 1000. Every case must be accurate to 1e-12 in relative terms, for P (where it is a
//! normal double) and for ln P, through every public entry point.

use mvn_orthant::one_factor::OneFactorProblem;
use mvn_orthant::{integrate, Covariance, Integrator, MethodChoice, OneFactor, Problem, Settings};
use std::collections::BTreeMap;

const TABLE: &str = include_str!("data/one_factor_edges.csv");
const TOLERANCE: f64 = 1e-12;
/// Gradients: the log-gradient of one coordinate, relative to its own size.
const GRADIENT_TOLERANCE: f64 = 1e-10;

fn parse(s: &str) -> f64 {
    match s {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        _ => s.parse().unwrap_or_else(|_| panic!("bad number {s:?}")),
    }
}

struct Row {
    name: String,
    class: String,
    ln_p: f64,
    p: f64,
    dlnp_db0: f64,
    dlnp_da0: f64,
    /// (multiplicity, mean, D, λ, lower, upper) per group of identical coordinates.
    groups: Vec<(usize, [f64; 5])>,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let groups = f[8]
                .split(';')
                .map(|g| {
                    let v: Vec<&str> = g.split(':').collect();
                    (v[0].parse().unwrap(), [parse(v[1]), parse(v[2]), parse(v[3]), parse(v[4]), parse(v[5])])
                })
                .collect();
            Row {
                name: f[1].into(),
                class: f[2].into(),
                ln_p: parse(f[4]),
                p: parse(f[5]),
                dlnp_db0: parse(f[6]),
                dlnp_da0: parse(f[7]),
                groups,
            }
        })
        .collect()
}

fn problem(row: &Row) -> OneFactorProblem {
    let (mut mean, mut diag, mut load, mut lower, mut upper) = (vec![], vec![], vec![], vec![], vec![]);
    for &(m, [mu, dd, lam, a, b]) in &row.groups {
        for _ in 0..m {
            mean.push(mu);
            diag.push(dd);
            load.push(lam);
            lower.push(a);
            upper.push(b);
        }
    }
    OneFactorProblem::new(mean, diag, load, lower, upper).unwrap()
}

/// The same problem as a covariance matrix, when it is an equicorrelated one with unit
/// variances and zero mean (ρ = λ², D = 1 − ρ).
fn equicorrelated(row: &Row) -> Option<Problem> {
    if row.groups.len() != 1 {
        return None;
    }
    let (d, [mu, dd, lam, a, b]) = row.groups[0];
    // Validating a 1000 × 1000 covariance costs seconds: at d = 1000, only a few orthants.
    let few = ["equi_orthant_k4_", "equi_orthant_k12_", "equi_orthant_k16_", "equi_orthant_rho1_"];
    if d > 100 && !few.iter().any(|f| row.name.starts_with(f)) {
        return None;
    }
    let rho = 1.0 - dd;
    // Only when D = 1 − ρ holds exactly in doubles (the table's D = 1e-8 is not 1 − fl(1 − 1e-8)).
    if mu != 0.0 || 1.0 - rho != dd || (lam - rho.sqrt()).abs() > 0.0 {
        return None;
    }
    let c = Covariance::equicorrelated(d, rho).ok()?;
    Some(Problem::new(vec![0.0; d], c, vec![a; d], vec![b; d]).unwrap())
}

/// (relative error of P where the reference is a normal double, error of ln P relative to
/// max(1, |ln P|)).
fn errors(row: &Row, value: f64, log_value: f64) -> (f64, f64) {
    let ev = if row.p >= f64::MIN_POSITIVE && row.p.is_finite() {
        (value - row.p).abs() / row.p
    } else if row.p == 0.0 && row.ln_p == f64::NEG_INFINITY {
        value.abs()
    } else {
        0.0
    };
    let el = if row.ln_p == log_value { 0.0 } else { (log_value - row.ln_p).abs() / row.ln_p.abs().max(1.0) };
    (if ev.is_nan() { f64::INFINITY } else { ev }, if el.is_nan() { f64::INFINITY } else { el })
}

/// Per class and entry point: the worst finite errors (with the case), the number of cases and
/// of cases above the tolerance (NaN or infinite errors included).
#[derive(Default)]
struct Worst {
    value: (f64, String),
    log: (f64, String),
    count: usize,
    failed: usize,
}

fn record(w: &mut BTreeMap<String, Worst>, key: &str, name: &str, (ev, el): (f64, f64)) {
    let e = w.entry(key.into()).or_default();
    e.count += 1;
    if !(ev <= TOLERANCE && el <= TOLERANCE) {
        e.failed += 1;
    }
    let (ev, el) = (if ev.is_finite() { ev } else { 0.0 }, if el.is_finite() { el } else { 0.0 });
    if ev > e.value.0 || e.value.1.is_empty() {
        e.value = (ev.max(e.value.0), if ev >= e.value.0 { name.into() } else { e.value.1.clone() });
    }
    if el > e.log.0 || e.log.1.is_empty() {
        e.log = (el.max(e.log.0), if el >= e.log.0 { name.into() } else { e.log.1.clone() });
    }
}

#[test]
fn edges_match_mpmath_table() {
    let rows = rows();
    let mut worst: BTreeMap<String, Worst> = BTreeMap::new();
    let mut failures = Vec::new();
    for row in &rows {
        let p = problem(row);
        let mut check = |via: &str, value: f64, log_value: f64| {
            let e = errors(row, value, log_value);
            record(&mut worst, &format!("{}/{via}", row.class), &row.name, e);
            if !(e.0 <= TOLERANCE && e.1 <= TOLERANCE) {
                failures.push(format!(
                    "{} via {via}: P {value:e} vs {:e} ({:.1e}), ln P {log_value} vs {} ({:.1e})",
                    row.name, row.p, e.0, row.ln_p, e.1
                ));
            }
        };
        let e = p.integrate();
        check("OneFactorProblem", e.value, e.log_value);
        if let Some(problem) = equicorrelated(row) {
            let e = OneFactor.integrate(&problem).unwrap();
            check("OneFactor", e.value, e.log_value);
            // d ≤ 3 goes to the bivariate and trivariate formulas, which are not measured here.
            if problem.dim() > 3 {
                let e = integrate(&problem, MethodChoice::Exact, &Settings::default()).unwrap();
                check("integrate(Exact)", e.value, e.log_value);
                let e = integrate(&problem, MethodChoice::Auto, &Settings::default()).unwrap();
                check("integrate(Auto)", e.value, e.log_value);
            }
        }
    }
    for (k, w) in &worst {
        eprintln!(
            "{k:28} n = {:3}  over 1e-12: {:3}  worst finite rel. P {:.2e} ({})  ln P {:.2e} ({})",
            w.count, w.failed, w.value.0, w.value.1, w.log.0, w.log.1
        );
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert!(rows.len() > 300, "table has {} rows", rows.len());
}

#[test]
fn near_singular_log_gradients_match_mpmath() {
    let mut worst = 0.0f64;
    let mut failures = Vec::new();
    let mut n = 0;
    for row in rows().iter().filter(|r| r.dlnp_db0.is_finite()) {
        n += 1;
        let g = problem(row).log_gradient();
        for (got, want, what) in [(g.upper[0], row.dlnp_db0, "b0"), (g.lower[0], row.dlnp_da0, "a0")] {
            let e = if got == want { 0.0 } else { (got - want).abs() / want.abs().max(1e-300) };
            let e = if e.is_nan() { f64::INFINITY } else { e };
            worst = worst.max(e);
            if e > GRADIENT_TOLERANCE {
                failures.push(format!("{} ∂lnP/∂{what}: {got:e} vs {want:e} ({e:.1e})", row.name));
            }
        }
        // The value-scale gradient agrees with the log-gradient.
        let (est, grad) = problem(row).integrate_with_gradient();
        let scale = est.value;
        let e = (grad.upper[0] - scale * row.dlnp_db0).abs() / (scale * row.dlnp_db0).abs();
        if e.is_nan() || e > GRADIENT_TOLERANCE {
            failures.push(format!("{} ∂P/∂b0: {} ({e:.1e})", row.name, grad.upper[0]));
        }
    }
    eprintln!("gradients: {n} cases, worst relative error {worst:.2e}");
    assert!(n >= 6);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn empty_intervals_give_zero_without_nan() {
    let d = 5;
    let inf = f64::INFINITY;
    for (diag, lam) in [(0.5, 0.5f64.sqrt()), (0.0, 1.0), (1e-14, 1.0), (1.0, 0.0)] {
        for (a, b) in [(inf, inf), (-inf, -inf), (2.0, 2.0)] {
            let mut lower = vec![-inf; d];
            let mut upper = vec![0.0; d];
            lower[2] = a;
            upper[2] = b;
            let p = OneFactorProblem::new(vec![0.0; d], vec![diag; d], vec![lam; d], lower, upper).unwrap();
            let e = p.integrate();
            assert_eq!(e.value, 0.0, "({a}, {b}) D = {diag}");
            assert_eq!(e.log_value, f64::NEG_INFINITY);
            let g = p.log_gradient();
            assert!(g.lower.iter().chain(&g.upper).all(|&x| x == 0.0), "{g:?}");
            let (_, g) = p.integrate_with_gradient();
            assert!(g.lower.iter().chain(&g.upper).chain(&g.mean).all(|&x| x == 0.0));
        }
    }
}

#[test]
fn fully_singular_equicorrelated_is_a_normal_interval() {
    // ρ = 1: X_i = t for every i, P = Φ(min b) − Φ(max a), exactly.
    use mvn_orthant::normal::{interval_probability, log_interval_probability};
    for d in [2usize, 10, 1000] {
        for (a, b) in [(-1.0, 0.5), (-40.0, -38.0), (5.0, 5.0 + 1e-9), (-0.3, -0.3 + 1e-12)] {
            let p = OneFactorProblem::new(vec![0.0; d], vec![0.0; d], vec![1.0; d], vec![a; d], vec![b; d])
                .unwrap();
            let e = p.integrate();
            let want = log_interval_probability(a, b);
            assert!((e.log_value - want).abs() <= 1e-14 * want.abs().max(1.0), "{d} ({a}, {b})");
            let v = interval_probability(a, b);
            if v > 0.0 {
                assert!((e.value - v).abs() <= 1e-14 * v);
            }
        }
    }
}

#[test]
fn extreme_diagonals_approach_the_singular_limit_without_nan() {
    // D_ii from 1e-30 down to subnormal: P equals the ρ = 1 value Φ(b) − Φ(a) to rounding, with
    // zero, tiny and subnormal entries mixed.
    use mvn_orthant::normal::interval_probability;
    let inf = f64::INFINITY;
    for d in [3usize, 50] {
        for dd in [1e-30, 1e-100, 1e-300, 4e-320] {
            for (a, b) in [(-inf, 0.5), (-1.0, 0.5), (2.0, inf)] {
                let diag: Vec<f64> = (0..d).map(|i| if i % 3 == 0 { 0.0 } else { dd }).collect();
                let p =
                    OneFactorProblem::new(vec![0.0; d], diag, vec![1.0; d], vec![a; d], vec![b; d]).unwrap();
                let e = p.integrate();
                let want = interval_probability(a, b);
                assert!(
                    (e.value - want).abs() <= 1e-14 * want,
                    "D = {dd:e}, d = {d}, ({a}, {b}): {}",
                    e.value
                );
                let g = p.log_gradient();
                assert!(g.lower.iter().chain(&g.upper).all(|x| x.is_finite()), "{g:?}");
            }
        }
    }
}
