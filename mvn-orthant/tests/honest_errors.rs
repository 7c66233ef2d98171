//! Honest error estimates at the edges (issue 14): every reported `error` covers the truth at its
//! stated 99% level, rounding included, and `converged` means the tolerance was met.

use mvn_orthant::qmc::PointSetKind;
use mvn_orthant::tilting::{Tilted, TiltingSettings};
use mvn_orthant::GradientOptions;
use mvn_orthant::{
    integrate, integrate_with_gradient, Covariance, Estimate, GenzSettings, Integrator, Method, MethodChoice,
    Problem, Settings,
};
use std::time::Instant;

mod common;
use common::allowed_misses;

/// The diagonal problem's probability, Π_i [Φ((b_i − μ_i)/σ_i) − Φ((a_i − μ_i)/σ_i)], by mpmath at
/// 40 digits (`data/honest_errors_generate.py`: 0.0757818420684199398682426), rounded to f64.
const DIAGONAL_REFERENCE: f64 = 0.07578184206841994;

/// Two independent equicorrelated blocks (sizes `n1`, `n2`, correlations `r1`, `r2`): Σ is not
/// one-factor (so `auto` integrates it by Genz or tilting), but P is the product of two
/// one-factor probabilities, known exactly.
fn two_blocks(n1: usize, r1: f64, n2: usize, r2: f64, upper: f64) -> (Problem, Problem, Problem) {
    two_block_box(n1, r1, n2, r2, f64::NEG_INFINITY, upper)
}

/// [`two_blocks`] with every coordinate in the box [`lower`, `upper`].
fn two_block_box(
    n1: usize,
    r1: f64,
    n2: usize,
    r2: f64,
    lower: f64,
    upper: f64,
) -> (Problem, Problem, Problem) {
    let d = n1 + n2;
    let mut entries = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            let same_block = (i < n1) == (j < n1);
            let rho = if i < n1 { r1 } else { r2 };
            entries[i * d + j] = if i == j {
                1.0
            } else if same_block {
                rho
            } else {
                0.0
            };
        }
    }
    let block = |n: usize, sigma: Covariance| {
        Problem::new(vec![0.0; n], sigma, vec![lower; n], vec![upper; n]).unwrap()
    };
    let full = block(d, Covariance::from_row_major(d, entries).unwrap());
    let first = block(n1, Covariance::equicorrelated(n1, r1).unwrap());
    let second = block(n2, Covariance::equicorrelated(n2, r2).unwrap());
    (full, first, second)
}

/// Two-block boxes of dimension 20 whose P (exact) is small against abs_tol 1e-3 but that are no
/// tail events: `auto` refines them to three digits, by Genz's method where tilting gains nothing
/// (`RareEventRule`). (problem, P.)
fn small_two_block_boxes(count: usize) -> Vec<(Problem, f64)> {
    [(-1.0, 1.5), (-0.8, 1.0), (-0.5, 0.7)]
        .into_iter()
        .take(count)
        .map(|(lower, upper)| {
            let (full, first, second) = two_block_box(10, 0.5, 10, 0.2, lower, upper);
            (full, two_block_reference(&first, &second))
        })
        .collect()
}

/// `auto` on the first `count` of [`small_two_block_boxes`] at abs_tol 1e-3 over `seeds` seeds:
/// (runs, misses of the reported interval, worst relative error, methods used).
fn auto_misses_on_small_boxes(count: usize, seeds: u64) -> (u64, u64, f64, Vec<Method>) {
    let (mut runs, mut misses, mut worst, mut methods) = (0, 0, 0.0f64, Vec::new());
    for (problem, truth) in small_two_block_boxes(count) {
        for seed in 0..seeds {
            let e = integrate(
                &problem,
                MethodChoice::Auto,
                &Settings { abs_tol: 1e-3, seed, ..Settings::default() },
            )
            .unwrap();
            runs += 1;
            misses += u64::from(!e.covers(truth));
            worst = worst.max((e.value / truth - 1.0).abs());
            assert!(e.converged && e.error <= 1e-3 * e.value, "P = {truth:e}: {e:?}");
            if !methods.contains(&e.method) {
                methods.push(e.method);
            }
        }
    }
    (runs, misses, worst, methods)
}

/// P = 0.021 and 5.4e-4: Genz's method refines both (on the narrowest box, P = 1.1e-6, the two
/// estimators' variances per unit of work are within the rule's margin and either may be chosen).
#[test]
fn auto_refined_small_boxes_are_covered() {
    let (runs, misses, worst, methods) = auto_misses_on_small_boxes(2, 8);
    println!(
        "auto on small boxes: {misses} misses in {runs} runs, worst relative error {worst:.1e}, {methods:?}"
    );
    assert!(misses <= allowed_misses(runs), "{misses} misses in {runs} runs");
    assert_eq!(methods, [Method::Genz]);
}

/// [`auto_refined_small_boxes_are_covered`] on all three boxes over 100 seeds, with forced
/// tilting at the same relative precision beside it; by hand:
/// `cargo test --release -p mvn-orthant --test honest_errors -- --ignored --nocapture small_boxes`.
#[test]
#[ignore]
fn auto_small_boxes_coverage_sweep() {
    for count in 1..=3 {
        let (problem, truth) = small_two_block_boxes(count).pop().unwrap();
        let mut methods = Vec::new();
        let (mut runs, mut misses, mut worst, mut tilted_misses) = (0, 0, 0.0f64, 0);
        for seed in 0..100 {
            let settings = Settings { abs_tol: 1e-3, seed, ..Settings::default() };
            let e = integrate(&problem, MethodChoice::Auto, &settings).unwrap();
            let t =
                integrate(&problem, MethodChoice::Tilted, &Settings { rel_tol: 1e-3, ..settings }).unwrap();
            runs += 1;
            misses += u64::from(!e.covers(truth));
            tilted_misses += u64::from(!t.covers(truth));
            worst = worst.max((e.value / truth - 1.0).abs());
            methods.push(e.method);
        }
        let genz = methods.iter().filter(|&&m| m == Method::Genz).count();
        println!(
            "P = {truth:.3e}: auto {misses} misses in {runs} runs (Genz {genz}, tilted {}), worst relative error {worst:.1e}; forced tilted {tilted_misses} misses",
            runs - genz as u64
        );
    }
}

/// Coverage of Genz's sequential rule at a relative tolerance on 20 random two-block boxes per
/// dimension (blocks of d/2, correlations in [0.1, 0.8) and [0, 0.6), limits −a and b with a, b in
/// [0.8, 2.5); exact references): rel_tol 1e-3 at d = 20 and 30, 3e-3 at d = 50, `SWEEP_SEEDS`
/// seeds per box (default 50; half at d = 50). By hand (about two minutes):
/// `cargo test --release -p mvn-orthant --test honest_errors -- --ignored --nocapture relative_coverage`.
#[test]
#[ignore]
fn genz_relative_coverage_sweep() {
    use rand::{Rng, SeedableRng};
    let seeds: u64 = std::env::var("SWEEP_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(50);
    for (d, rel_tol, seeds) in [(20usize, 1e-3, seeds), (30, 1e-3, seeds), (50, 3e-3, seeds.div_ceil(2))] {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(d as u64);
        let (mut runs, mut misses, mut evaluations, mut smallest) = (0u64, 0u64, 0u64, 1.0f64);
        for _ in 0..20 {
            let (r1, r2) = (rng.random_range(0.1..0.8), rng.random_range(0.0..0.6));
            let (lower, upper) = (-rng.random_range(0.8..2.5), rng.random_range(0.8..2.5));
            let (full, first, second) = two_block_box(d / 2, r1, d - d / 2, r2, lower, upper);
            let truth = two_block_reference(&first, &second);
            smallest = smallest.min(truth);
            for seed in 0..seeds {
                let settings = Settings { abs_tol: 0.0, rel_tol, seed, ..Settings::default() };
                let e = integrate(&full, MethodChoice::Genz, &settings).unwrap();
                runs += 1;
                misses += u64::from(!e.covers(truth));
                evaluations += e.evaluations;
            }
        }
        println!(
            "d = {d}, rel_tol {rel_tol:e}: {misses} misses in {runs} runs, mean evaluations {}, smallest P {smallest:.1e}",
            evaluations / runs
        );
    }
}

/// P by the exact method.
fn exact(problem: &Problem) -> f64 {
    integrate(problem, MethodChoice::Exact, &Settings::default()).unwrap().value
}

fn two_block_reference(first: &Problem, second: &Problem) -> f64 {
    exact(first) * exact(second)
}

fn ar1(d: usize, rho: f64) -> Covariance {
    let entries = (0..d * d).map(|k| rho.powi((k / d).abs_diff(k % d) as i32)).collect();
    Covariance::from_row_major(d, entries).unwrap()
}

/// 10 independent coordinates with unequal variances and means.
fn diagonal_problem() -> Problem {
    let d = 10;
    let mut entries = vec![0.0; d * d];
    for i in 0..d {
        entries[i * d + i] = 0.5 + 0.25 * i as f64;
    }
    let mean: Vec<f64> = (0..d).map(|i| 0.1 * i as f64 - 0.3).collect();
    let lower: Vec<f64> = (0..d).map(|i| -1.0 - 0.1 * i as f64).collect();
    let upper: Vec<f64> = (0..d).map(|i| 0.7 + 0.2 * i as f64).collect();
    Problem::new(mean, Covariance::from_row_major(d, entries).unwrap(), lower, upper).unwrap()
}

fn equicorrelated_tail() -> Problem {
    Problem::lower_orthant(Covariance::equicorrelated(20, 0.5).unwrap(), vec![-4.0; 20]).unwrap()
}

fn ar1_tail() -> Problem {
    Problem::lower_orthant(ar1(20, 0.7), vec![-2.0; 20]).unwrap()
}

fn show(label: &str, truth: f64, run: impl FnOnce() -> Estimate) {
    let t = Instant::now();
    let e = run();
    let s = t.elapsed().as_secs_f64();
    println!(
        "{label}: value {:.6e} error {:.2e} |off| {:.2e} covered {} converged {} method {} evals {} time {s:.2}s",
        e.value,
        e.error,
        (e.value - truth).abs(),
        (e.value - truth).abs() <= e.error,
        e.converged,
        e.method,
        e.evaluations
    );
}

#[test]
fn allowed_misses_is_the_binomial_tail() {
    // P(Bin(100, 0.01) > 4) = 0.0034 > 0.001 and P(Bin(100, 0.01) > 5) = 0.00053.
    assert_eq!(allowed_misses(100), 5);
    assert_eq!(allowed_misses(1), 1);
}

#[test]
fn independent_coordinates_are_covered_down_to_rounding() {
    // A constant integrand: every randomisation agrees to the last bits, so the spread is
    // rounding noise; the reported error must still cover the truth (it was 0 with |off| 7e-17).
    let problem = diagonal_problem();
    for seed in 0..8 {
        for kind in [PointSetKind::Sobol, PointSetKind::Lattice] {
            let e = GenzSettings::default()
                .seed(seed)
                .point_set(kind)
                .build()
                .unwrap()
                .integrate(&problem)
                .unwrap();
            assert!(e.covers(DIAGONAL_REFERENCE), "{e:?}: off {:e}", e.value - DIAGONAL_REFERENCE);
            assert!(e.converged && e.error < 1e-13 * e.value, "{e:?}");
        }
    }
    // Every stochastic method through the common entry point.
    for choice in [MethodChoice::Genz, MethodChoice::GenzLattice, MethodChoice::Tilted] {
        let e = integrate(&problem, choice, &Settings::default()).unwrap();
        assert!(e.covers(DIAGONAL_REFERENCE), "{choice}: {e:?}");
        assert!(e.error > 0.0, "{choice}: an error of 0 claims no rounding at all: {e:?}");
    }
}

/// 5-D AR(1) orthant, P ≈ 0.177 (no closed form: used only for `converged`).
fn moderate_problem() -> Problem {
    Problem::lower_orthant(ar1(5, 0.5), vec![0.5, 0.0, 1.0, -0.3, 0.8]).unwrap()
}

#[test]
fn tilted_does_not_claim_an_absolute_tolerance_it_missed() {
    // It used to replace abs_tol 1e-14 by rel_tol 1e-3 and say converged with an error of 2.6e-5.
    let problem = moderate_problem();
    let settings = Settings { abs_tol: 1e-14, max_evaluations: 1 << 16, ..Settings::default() };
    let e = integrate(&problem, MethodChoice::Tilted, &settings).unwrap();
    assert!(!e.converged && e.error > 1e-14, "{e:?}");
    let loose = Settings { abs_tol: 1e-3, ..settings };
    let e = integrate(&problem, MethodChoice::Tilted, &loose).unwrap();
    assert!(e.converged && e.error <= 1e-3, "{e:?}");
    // The estimator itself, with both tolerances 'either' way: error ≤ max(abs, rel·P).
    let t = Tilted::new(TiltingSettings::default().abs_tol(1e-12).rel_tol(1e-9).max_evaluations(1 << 14))
        .unwrap()
        .estimate(&problem)
        .unwrap();
    assert!(!t.estimate.converged, "{t:?}");
}

#[test]
fn monte_carlo_converged_only_when_its_interval_meets_the_tolerance() {
    let problem = moderate_problem();
    let tight = Settings { abs_tol: 1e-9, max_evaluations: 100_000, ..Settings::default() };
    let e = integrate(&problem, MethodChoice::MonteCarlo, &tight).unwrap();
    assert!(!e.converged && e.error > 1e-9, "{e:?}");
    let loose = Settings { abs_tol: 1e-2, ..tight };
    let e = integrate(&problem, MethodChoice::MonteCarlo, &loose).unwrap();
    assert!(e.converged && e.error <= 1e-2, "{e:?}");
}

#[test]
fn converged_is_the_tolerance_test_for_every_method() {
    let problems = [moderate_problem(), diagonal_problem(), two_blocks(4, 0.5, 4, 0.3, -2.5).0];
    for problem in &problems {
        for (abs_tol, rel_tol) in [(1e-3, 0.0), (1e-6, 0.0), (0.0, 1e-2), (1e-12, 1e-12), (1e-5, 1e-3)] {
            let settings = Settings { abs_tol, rel_tol, max_evaluations: 1 << 16, seed: 5 };
            for choice in MethodChoice::ALL {
                let Ok(e) = integrate(problem, choice, &settings) else { continue };
                // Written out here rather than calling `estimate::tolerance_met`, so that a bug in
                // that function is caught.
                let met = e.error.is_finite() && e.error <= abs_tol.max(rel_tol * e.value.abs());
                assert_eq!(
                    e.converged,
                    e.method.is_exact() || met,
                    "{choice} with abs_tol {abs_tol:e}, rel_tol {rel_tol:e}: {e:?}"
                );
            }
        }
    }
}

/// Misses of forced Genz (default settings: a 512-point first round) on rare tails with exact
/// references, over `seeds` seeds per problem: (runs, misses).
fn genz_misses_on_tails(seeds: u64, levels: &[f64]) -> (u64, u64) {
    let mut cases: Vec<(Problem, f64)> = Vec::new();
    for &c in levels {
        let p = Problem::lower_orthant(Covariance::equicorrelated(20, 0.5).unwrap(), vec![c; 20]).unwrap();
        let truth = exact(&p);
        cases.push((p, truth));
    }
    for &c in levels {
        let (full, first, second) = two_blocks(6, 0.5, 6, 0.2, c / 1.5);
        cases.push((full, two_block_reference(&first, &second)));
    }
    let (mut runs, mut misses) = (0, 0);
    for (problem, truth) in &cases {
        for seed in 0..seeds {
            let e =
                integrate(problem, MethodChoice::Genz, &Settings { seed, ..Settings::default() }).unwrap();
            runs += 1;
            if !e.covers(*truth) {
                misses += 1;
                println!("miss: P = {truth:.4e}, estimate {:.4e} ± {:.2e}", e.value, e.error);
            }
        }
    }
    (runs, misses)
}

#[test]
fn forced_genz_intervals_cover_rare_events() {
    // The 20-D equicorrelated tail at −4 (P = 2.66e-12) used to come back as 1.43e-12 ± 8.0e-13.
    let (runs, misses) = genz_misses_on_tails(20, &[-3.0, -4.0, -5.0]);
    println!("forced genz on tails: {misses} misses in {runs} runs");
    assert!(misses <= allowed_misses(runs), "{misses} misses in {runs} runs");
}

#[test]
fn auto_switches_to_tilting_early_and_meets_the_relative_tolerance() {
    // A 12-D two-block tail (not one-factor), P ≈ 3.7e-13, asked to 1e-3 relative with no absolute
    // tolerance: Genz cannot get there within the budget; auto must stop it after its first
    // rounds and return a converged tilted estimate.
    let (full, first, second) = two_blocks(6, 0.5, 6, 0.2, -2.5);
    let truth = two_block_reference(&first, &second);
    let settings = Settings { abs_tol: 0.0, rel_tol: 1e-3, ..Settings::default() };
    let e = integrate(&full, MethodChoice::Auto, &settings).unwrap();
    println!("P = {truth:.6e}: {e:?}");
    assert_eq!(e.method, Method::Tilted);
    assert!(e.converged && e.error <= 1e-3 * e.value, "{e:?}");
    assert!(e.covers(truth), "{e:?} vs {truth:e}");
}

#[test]
fn auto_gradient_of_a_rare_event_has_relative_accuracy() {
    // 8-D two-block tail: the gradient used to come from a 512-point Genz run (24% off on the
    // value); now value and gradient come from tilting (gradient by conditioning).
    let (full, first, second) = two_blocks(4, 0.5, 4, 0.3, -3.0);
    let settings = Settings::default();
    let (p1, g1) =
        integrate_with_gradient(&first, MethodChoice::Exact, &settings, GradientOptions::default()).unwrap();
    let (p2, g2) =
        integrate_with_gradient(&second, MethodChoice::Exact, &settings, GradientOptions::default()).unwrap();
    let truth = p1.value * p2.value;
    let (e, g) =
        integrate_with_gradient(&full, MethodChoice::Auto, &settings, GradientOptions::default()).unwrap();
    println!("P = {truth:.6e}: {e:?}");
    assert_eq!(e.method, Method::Tilted);
    assert!(e.covers(truth) && e.error <= 1e-3 * e.value, "{e:?}");
    for k in 0..8 {
        let expected = if k < 4 { g1.upper[k] * p2.value } else { g2.upper[k - 4] * p1.value };
        let (got, error) = (g.upper[k], g.upper_error[k]);
        assert!((got - expected).abs() <= error, "∂P/∂b_{k}: {got:e} ± {error:e} vs {expected:e}");
        assert!(error <= 2e-3 * expected.abs(), "∂P/∂b_{k}: {got:e} ± {error:e}");
        assert!((g.mean[k] + expected).abs() <= g.mean_error[k]);
    }
}

/// Coverage of forced Genz over many seeds and levels (P from 0.05 to 1e-20); by hand:
/// `cargo test --release -p mvn-orthant --test honest_errors -- --ignored --nocapture coverage`.
#[test]
#[ignore]
fn genz_coverage_sweep() {
    for level in [-1.0, -1.5, -2.0, -2.5, -3.0, -4.0, -5.0, -6.0] {
        let (runs, misses) = genz_misses_on_tails(100, &[level]);
        println!("level {level}: {misses} misses in {runs} runs");
    }
}

/// Coverage of `auto` (values and gradients) and forced tilting on two-block tails, P from 1e-3
/// to 1e-40; by hand (minutes):
/// `cargo test --release -p mvn-orthant --test honest_errors -- --ignored --nocapture auto_coverage`.
#[test]
#[ignore]
fn auto_coverage_sweep() {
    for level in [-1.5, -2.5, -3.5, -5.0, -7.0] {
        let (full, truth, exact_upper) = two_block_tail(level);
        let (mut runs, mut auto_misses, mut tilted_misses, mut methods) = (0, 0, 0, Vec::new());
        let (mut gradient_components, mut gradient_misses, mut worst_relative) = (0, 0, 0.0f64);
        for seed in 0..40 {
            let settings = Settings { seed, ..Settings::default() };
            let e = integrate(&full, MethodChoice::Auto, &settings).unwrap();
            let t = integrate(&full, MethodChoice::Tilted, &settings).unwrap();
            runs += 1;
            auto_misses += u64::from(!e.covers(truth));
            tilted_misses += u64::from(!t.covers(truth));
            worst_relative = worst_relative.max((e.value / truth - 1.0).abs());
            methods.push(e.method);
            if seed < 10 {
                let (_, g) =
                    integrate_with_gradient(&full, MethodChoice::Auto, &settings, GradientOptions::default())
                        .unwrap();
                for (k, &expected) in exact_upper.iter().enumerate() {
                    gradient_components += 1;
                    gradient_misses += u64::from((g.upper[k] - expected).abs() > g.upper_error[k]);
                }
            }
        }
        methods.dedup();
        println!(
            "level {level}: P = {truth:.3e}, auto {auto_misses}/{runs} misses ({methods:?}, worst relative error {worst_relative:.1e}), tilted {tilted_misses}/{runs}, auto gradient {gradient_misses}/{gradient_components}"
        );
    }
}

/// The 12-D two-block tail (blocks of 6 at ρ = 0.5 and 0.2, upper limits `level`) with its exact
/// P and ∂P/∂b, by the product rule over the independent blocks (each by the exact one-factor
/// method).
fn two_block_tail(level: f64) -> (Problem, f64, Vec<f64>) {
    let (full, first, second) = two_blocks(6, 0.5, 6, 0.2, level);
    let exact = |p: &Problem| {
        integrate_with_gradient(p, MethodChoice::Exact, &Settings::default(), GradientOptions::default())
            .unwrap()
    };
    let ((p1, g1), (p2, g2)) = (exact(&first), exact(&second));
    let upper = g1.upper.iter().map(|g| g * p2.value).chain(g2.upper.iter().map(|g| g * p1.value)).collect();
    (full, p1.value * p2.value, upper)
}

/// Misses of forced Genz gradients (pathwise, default settings) on two-block tails with exact
/// gradients: (components, misses).
fn genz_gradient_misses(level: f64, seeds: u64) -> (u64, u64) {
    let (full, _, exact_upper) = two_block_tail(level);
    let (mut components, mut misses) = (0, 0);
    for seed in 0..seeds {
        let settings = Settings { seed, ..Settings::default() };
        let (_, g) =
            integrate_with_gradient(&full, MethodChoice::Genz, &settings, GradientOptions::default())
                .unwrap();
        for (k, &expected) in exact_upper.iter().enumerate() {
            components += 1;
            misses += u64::from((g.upper[k] - expected).abs() > g.upper_error[k]);
        }
    }
    (components, misses)
}

#[test]
fn forced_genz_gradient_intervals_cover_rare_events() {
    // Before, 15 and 25 of 480 components missed at these levels (P = 9e-8 and 2e-20).
    let (mut components, mut misses) = (0, 0);
    for level in [-1.5, -3.5] {
        let (c, m) = genz_gradient_misses(level, 8);
        components += c;
        misses += m;
    }
    println!("forced genz gradients on tails: {misses} misses in {components} components");
    assert!(misses <= allowed_misses(components), "{misses} misses in {components} components");
}

/// Coverage of forced Genz gradients on tails; by hand:
/// `cargo test --release -p mvn-orthant --test honest_errors -- --ignored --nocapture gradient_coverage`.
#[test]
#[ignore]
fn genz_gradient_coverage_sweep() {
    for level in [-0.5, -1.0, -1.5, -2.0, -2.5, -3.5] {
        let (components, misses) = genz_gradient_misses(level, 40);
        println!("level {level}: {misses} misses in {components} gradient components");
    }
}

/// `auto` on 40- and 100-dimensional two-block tails (P from 1e-6 to 1e-100), a few seeds; by
/// hand: `cargo test --release -p mvn-orthant --test honest_errors -- --ignored --nocapture large`.
#[test]
#[ignore]
fn auto_large_dimension_tails() {
    for (n, level) in [(20, -1.0), (20, -2.0), (20, -3.5), (50, -0.7), (50, -1.5), (50, -2.5)] {
        let (full, first, second) = two_blocks(n, 0.5, n, 0.2, level);
        let truth = two_block_reference(&first, &second);
        for seed in 0..3 {
            let t = Instant::now();
            let e = integrate(&full, MethodChoice::Auto, &Settings { seed, ..Settings::default() }).unwrap();
            println!(
                "d = {}, level {level}: P = {truth:.3e}, auto {} {:.4e} ± {:.1e} (relative {:.1e}, off {:.1e}) covered {} converged {} {:.1}s",
                2 * n,
                e.method,
                e.value,
                e.error,
                e.error / e.value,
                (e.value / truth - 1.0).abs(),
                e.covers(truth),
                e.converged,
                t.elapsed().as_secs_f64()
            );
        }
    }
}

#[test]
#[ignore]
fn measure_examples() {
    let diag = diagonal_problem();
    let truth = exact(&diag);
    println!("diagonal exact (one-factor) {truth:.17e}");
    show("diag genz", truth, || integrate(&diag, MethodChoice::Genz, &Settings::default()).unwrap());
    let sigma = ar1(5, 0.5);
    let p5 = Problem::lower_orthant(sigma, vec![0.5, 0.0, 1.0, -0.3, 0.8]).unwrap();
    let ref5 = integrate(
        &p5,
        MethodChoice::Genz,
        &Settings { abs_tol: 1e-9, max_evaluations: 100_000_000, ..Settings::default() },
    )
    .unwrap();
    println!("ar1 5-D reference {:.12e} ± {:.1e}", ref5.value, ref5.error);
    let tight = Settings { abs_tol: 1e-14, ..Settings::default() };
    show("tilted abs 1e-14", ref5.value, || integrate(&p5, MethodChoice::Tilted, &tight).unwrap());
    let mc = Settings { abs_tol: 1e-9, max_evaluations: 100_000, ..Settings::default() };
    show("monte-carlo abs 1e-9", ref5.value, || integrate(&p5, MethodChoice::MonteCarlo, &mc).unwrap());
    let eq = equicorrelated_tail();
    let truth = exact(&eq);
    println!("equicorrelated tail exact {truth:.10e}");
    show("eq tail genz", truth, || integrate(&eq, MethodChoice::Genz, &Settings::default()).unwrap());
    show("eq tail auto", truth, || integrate(&eq, MethodChoice::Tilted, &Settings::default()).unwrap());
    let ar = ar1_tail();
    let reference = integrate(
        &ar,
        MethodChoice::Tilted,
        &Settings { rel_tol: 1e-5, max_evaluations: 100_000_000, ..Settings::default() },
    )
    .unwrap();
    println!("ar1 tail reference {:.10e} ± {:.1e}", reference.value, reference.error);
    show("ar1 auto", reference.value, || integrate(&ar, MethodChoice::Auto, &Settings::default()).unwrap());
    let t = Instant::now();
    let (e, g) =
        integrate_with_gradient(&ar, MethodChoice::Auto, &Settings::default(), GradientOptions::default())
            .unwrap();
    println!(
        "ar1 auto+gradient: value {:.6e} error {:.2e} rel off {:.2e} converged {} method {} time {:.2}s grad[0] {:.4e} ± {:.1e}",
        e.value, e.error, (e.value / reference.value - 1.0).abs(), e.converged, e.method, t.elapsed().as_secs_f64(), g.upper[0], g.upper_error[0]
    );
    let rel = Settings { rel_tol: 1e-4, ..Settings::default() };
    show("ar1 auto rel 1e-4", reference.value, || integrate(&ar, MethodChoice::Auto, &rel).unwrap());
    show("ar1 tilted rel 1e-4", reference.value, || integrate(&ar, MethodChoice::Tilted, &rel).unwrap());
    let rel0 = Settings { abs_tol: 0.0, rel_tol: 1e-4, ..Settings::default() };
    show("ar1 auto abs 0 rel 1e-4", reference.value, || integrate(&ar, MethodChoice::Auto, &rel0).unwrap());
    show("ar1 genz default", reference.value, || {
        integrate(&ar, MethodChoice::Genz, &Settings::default()).unwrap()
    });
}
