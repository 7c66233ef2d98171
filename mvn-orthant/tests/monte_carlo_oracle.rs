//! The Monte Carlo oracle against closed forms, its coverage, and its determinism.

use mvn_orthant::monte_carlo::wilson_interval;
use mvn_orthant::normal::{interval_probability, inverse_cdf};
use mvn_orthant::{Covariance, Integrator, MonteCarlo, Problem, CONFIDENCE_LEVEL};
use std::f64::consts::PI;

const INF: f64 = f64::INFINITY;

fn orthant(rows: &[Vec<f64>]) -> Problem {
    let d = rows.len();
    Problem::lower_orthant(Covariance::from_rows(rows).unwrap(), vec![0.0; d]).unwrap()
}

fn bivariate_orthant(rho: f64) -> f64 {
    0.25 + rho.asin() / (2.0 * PI)
}

fn trivariate_orthant(r12: f64, r13: f64, r23: f64) -> f64 {
    0.125 + (r12.asin() + r13.asin() + r23.asin()) / (4.0 * PI)
}

/// Fraction of `seeds` seeds whose 99% interval covers `truth`.
fn coverage(problem: &Problem, truth: f64, samples: u64, seeds: u64) -> f64 {
    let covered = (0..seeds)
        .filter(|&seed| MonteCarlo::new(samples, seed).unwrap().integrate(problem).unwrap().covers(truth))
        .count();
    let rate = covered as f64 / seeds as f64;
    println!("coverage of {truth:.6}: {covered}/{seeds} = {rate:.3}");
    rate
}

#[test]
fn independent_coordinates_give_products() {
    let variances: [f64; 3] = [1.0, 4.0, 0.25];
    let mut rows = vec![vec![0.0; 3]; 3];
    for i in 0..3 {
        rows[i][i] = variances[i];
    }
    let mean = vec![0.5, -1.0, 0.0];
    let lower = vec![-1.0, -INF, 0.1];
    let upper = vec![1.0, 0.0, INF];
    let truth: f64 = (0..3)
        .map(|i| {
            let s = variances[i].sqrt();
            interval_probability((lower[i] - mean[i]) / s, (upper[i] - mean[i]) / s)
        })
        .product();
    let p = Problem::new(mean, Covariance::from_rows(&rows).unwrap(), lower, upper).unwrap();
    let rate = coverage(&p, truth, 4_000, 200);
    assert!(rate >= 0.95, "coverage {rate} of the product {truth}");
}

#[test]
fn bivariate_orthant_coverage_at_least_95_percent() {
    for rho in [-0.9, -0.3, 0.5, 0.95] {
        let p = orthant(&[vec![1.0, rho], vec![rho, 1.0]]);
        let rate = coverage(&p, bivariate_orthant(rho), 4_000, 200);
        assert!(rate >= 0.95, "ρ = {rho}: coverage {rate}");
    }
}

#[test]
fn trivariate_orthant_coverage_at_least_95_percent() {
    let (r12, r13, r23) = (0.6, 1.0 / 3.0, 11.0 / 15.0);
    let p = orthant(&[vec![1.0, r12, r13], vec![r12, 1.0, r23], vec![r13, r23, 1.0]]);
    let rate = coverage(&p, trivariate_orthant(r12, r13, r23), 4_000, 200);
    assert!(rate >= 0.95, "coverage {rate}");
}

#[test]
fn large_sample_agrees_with_closed_form() {
    let p = orthant(&[vec![1.0, -0.5], vec![-0.5, 1.0]]);
    let e = MonteCarlo::new(2_000_000, 11).unwrap().integrate(&p).unwrap();
    let truth = bivariate_orthant(-0.5); // 1/6
    assert!(e.covers(truth), "{e:?} vs {truth}");
    assert!(e.error < 1e-3);
}

#[test]
fn semidefinite_covariance_is_sampled_correctly() {
    // X2 = X1 exactly: P(X1 ≤ 0, X2 ≤ 0) = 1/2; zero variance at μ inside the box: factor 1.
    let rows = vec![vec![1.0, 1.0, 0.0], vec![1.0, 1.0, 0.0], vec![0.0, 0.0, 0.0]];
    let p = Problem::new(
        vec![0.0, 0.0, 0.3],
        Covariance::from_rows(&rows).unwrap(),
        vec![-INF, -INF, 0.0],
        vec![0.0, 0.0, 1.0],
    )
    .unwrap();
    let e = MonteCarlo::new(200_000, 3).unwrap().integrate(&p).unwrap();
    assert!(e.covers(0.5), "{e:?}");
}

#[test]
fn wilson_interval_is_honest_at_the_edges() {
    let z = inverse_cdf(0.5 + 0.5 * CONFIDENCE_LEVEL).unwrap();
    let (low, high) = wilson_interval(0, 1000, z);
    assert_eq!(low, 0.0);
    assert!(high > 0.0 && high < 0.01);
    let (low, high) = wilson_interval(1000, 1000, z);
    assert_eq!(high, 1.0);
    assert!(low > 0.99);
    // Inside, both ends are the roots in p of (k/n − p)² = z² p(1 − p)/n.
    let (k, n) = (37u64, 200u64);
    let p_hat = k as f64 / n as f64;
    let (low, high) = wilson_interval(k, n, z);
    for end in [low, high] {
        let gap = (p_hat - end).powi(2) - z * z * end * (1.0 - end) / n as f64;
        assert!(gap.abs() < 1e-15, "{end}: {gap:e}");
    }
    assert!(low < p_hat && p_hat < high);
    assert_eq!(wilson_interval(0, 0, z), (0.0, 1.0));
}

#[test]
fn same_seed_same_bits_on_1_2_and_8_threads() {
    let p = orthant(&[vec![1.0, 0.3, 0.2], vec![0.3, 1.0, 0.1], vec![0.2, 0.1, 1.0]]);
    let mc = MonteCarlo::new(300_001, 99).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| mc.integrate(&p).unwrap())
    };
    let one = run(1);
    for threads in [2, 8] {
        let other = run(threads);
        assert_eq!(one.value.to_bits(), other.value.to_bits(), "{threads} threads");
        assert_eq!(one.error.to_bits(), other.error.to_bits(), "{threads} threads");
    }
    // A different seed gives a different stream.
    let other_seed = MonteCarlo::new(300_001, 100).unwrap().integrate(&p).unwrap();
    assert_ne!(one.value.to_bits(), other_seed.value.to_bits());
}

#[test]
fn zero_samples_is_a_typed_error() {
    assert!(matches!(MonteCarlo::new(0, 1), Err(mvn_orthant::Error::InvalidBudget { .. })));
}
