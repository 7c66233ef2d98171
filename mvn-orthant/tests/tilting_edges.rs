//! The tilted estimator on near-singular and narrow problems: its error must cover the truth
//! (a 99% half-width) and `converged` must only be claimed with such an error, over several
//! seeds. References are closed forms or the crate's exact methods.

use mvn_orthant::tilting::{Tilted, TiltingSettings};
use mvn_orthant::{integrate, Covariance, Estimate, MethodChoice, Problem, Settings};

const SEEDS: u64 = 4;

/// The zero-mean bivariate lower orthant with correlation ρ.
fn bivariate_orthant(rho: f64) -> Problem {
    let cov = Covariance::from_row_major(2, vec![1.0, rho, rho, 1.0]).unwrap();
    Problem::lower_orthant(cov, vec![0.0; 2]).unwrap()
}

/// 1/4 + asin(ρ)/(2π) = 1/2 − asin(√((1 − ρ)/2))/π, accurate for ρ near 1 (1 − ρ is exact).
fn bivariate_orthant_exact(rho: f64) -> f64 {
    0.5 - ((1.0 - rho) / 2.0).sqrt().asin() / std::f64::consts::PI
}

/// Checks that the estimate covers the truth up to rounding (1e-13·P).
fn assert_covers(label: &str, e: &Estimate, truth: f64) {
    let miss = (e.value - truth).abs();
    println!(
        "{label}: value {:.17e} ± {:.3e} (truth {truth:.17e}, off {miss:.3e}), converged {}, {} paths",
        e.value, e.error, e.converged, e.evaluations
    );
    assert!(miss <= e.error + 1e-13 * truth, "{label}: {e:?} misses {truth:e} by {miss:e}");
}

/// The tilted estimator with its defaults (rel_tol 1e-3), through `integrate` (abs_tol 1e-5,
/// which on these ill-conditioned problems takes about 4·10⁵ paths), and with the validation
/// report's settings (abs_tol 1e-7, rel_tol 1e-4, 5·10⁵ paths), for several seeds.
fn check(label: &str, problem: &Problem, truth: f64) {
    for seed in 0..SEEDS {
        let tilted = Tilted::new(TiltingSettings::default().seed(seed)).unwrap();
        let e = tilted.estimate(problem).unwrap().estimate;
        assert_covers(&format!("{label}, tilted seed {seed}"), &e, truth);
        let settings = Settings { seed, abs_tol: 1e-5, ..Settings::default() };
        let e = integrate(problem, MethodChoice::Tilted, &settings).unwrap();
        assert_covers(&format!("{label}, integrate seed {seed}"), &e, truth);
        // The validation report's settings for small d.
        let report = Settings { abs_tol: 1e-7, rel_tol: 1e-4, max_evaluations: 500_000, seed };
        let e = integrate(problem, MethodChoice::Tilted, &report).unwrap();
        assert_covers(&format!("{label}, report settings seed {seed}"), &e, truth);
    }
}

#[test]
fn near_singular_bivariate_orthants_are_covered() {
    for delta in [1e-6, 1e-8, 1e-10, 1e-12] {
        let rho = 1.0 - delta;
        check(&format!("ρ = 1 − {delta:e}"), &bivariate_orthant(rho), bivariate_orthant_exact(rho));
    }
}

#[test]
fn narrow_box_is_covered_to_its_relative_error() {
    // X1 ∈ [0.3, 0.3 + 1e-6] (the upper limit is the double nearest, used exactly), X2 ∈ [−1, 1],
    // ρ = 0.6: mpmath reference (validation suite case narrow-d2-rho0.6-at0.3-w1e-06).
    let cov = Covariance::from_row_major(2, vec![1.0, 0.6, 0.6, 1.0]).unwrap();
    let problem =
        Problem::new(vec![0.0; 2], cov, vec![0.3, -1.0], vec![0.300_000_999_999_999_96, 1.0]).unwrap();
    check("narrow box", &problem, 2.964_191_791_222_955_6e-7);
}

#[test]
fn near_singular_trivariate_orthant_is_covered() {
    let (r12, r13, r23) = (1.0 - 1e-10, 0.5, 0.5);
    let cov = Covariance::from_row_major(3, vec![1.0, r12, r13, r12, 1.0, r23, r13, r23, 1.0]).unwrap();
    let problem = Problem::lower_orthant(cov, vec![0.0; 3]).unwrap();
    // 1/8 + (asin r12 + asin r13 + asin r23)/(4π), with asin r12 = π/2 − 2 asin √((1 − r12)/2).
    let pi = std::f64::consts::PI;
    let asin12 = 0.5 * pi - 2.0 * ((1.0 - r12) / 2.0).sqrt().asin();
    let truth = 0.125 + (asin12 + 2.0 * 0.5f64.asin()) / (4.0 * pi);
    check("trivariate ρ12 = 1 − 1e-10", &problem, truth);
}

#[test]
fn near_singular_equicorrelated_orthant_is_covered() {
    let problem =
        Problem::lower_orthant(Covariance::equicorrelated(5, 1.0 - 1e-8).unwrap(), vec![0.0; 5]).unwrap();
    let exact = integrate(&problem, MethodChoice::Exact, &Settings::default()).unwrap();
    println!("exact reference {exact:?}");
    check("equicorrelated d = 5, ρ = 1 − 1e-8", &problem, exact.value);
}

#[test]
fn near_singular_rare_event_is_covered_and_keeps_relative_accuracy() {
    // P(X1 ≥ 5, X2 ≥ 5) with ρ = 1 − 1e-8, about Q(5) ≈ 2.9e-7 times a factor of order 1: the
    // missed-mass floor is relative to Botev's bound exp(ψ*), which stays within a small factor
    // of P, so the tilted estimator still meets rel_tol 1e-3.
    let rho = 1.0 - 1e-8;
    let cov = Covariance::from_row_major(2, vec![1.0, rho, rho, 1.0]).unwrap();
    let problem = Problem::new(vec![0.0; 2], cov, vec![5.0; 2], vec![f64::INFINITY; 2]).unwrap();
    let truth = integrate(&problem, MethodChoice::Exact, &Settings::default()).unwrap().value;
    for seed in 0..SEEDS {
        let tilted = Tilted::new(TiltingSettings::default().seed(seed)).unwrap();
        let e = tilted.estimate(&problem).unwrap().estimate;
        assert_covers(&format!("rare ρ = 1 − 1e-8, seed {seed}"), &e, truth);
        assert!(e.converged && e.error <= 1e-3 * e.value, "{e:?}");
    }
}
