//! The tilted estimator against exact references in the tails (mpmath table of equicorrelated
//! orthant tails from 1e-6 to 1e-100, `data/tilting_reference.csv`), its upper bound, its error
//! estimate, and its determinism.

use mvn_orthant::tilting::{Tilted, TiltingSettings};
use mvn_orthant::{Covariance, Problem};

struct Case {
    d: usize,
    rho: f64,
    c: f64,
    log10_p: f64,
}

fn cases() -> Vec<Case> {
    include_str!("data/tilting_reference.csv")
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Case {
                d: f[0].parse().unwrap(),
                rho: f[1].parse().unwrap(),
                c: f[2].parse().unwrap(),
                log10_p: f[3].parse().unwrap(),
            }
        })
        .collect()
}

fn upper_orthant(d: usize, rho: f64, c: f64) -> Problem {
    Problem::new(
        vec![0.0; d],
        Covariance::equicorrelated(d, rho).unwrap(),
        vec![c; d],
        vec![f64::INFINITY; d],
    )
    .unwrap()
}

/// Runs the table; cases with d > `cheap_above` use the looser `cheap_tol` to keep CI fast.
fn check_table(cheap_above: usize, cheap_tol: f64) {
    let mut worst: f64 = 0.0;
    for case in cases() {
        let rel_tol = if case.d > cheap_above { cheap_tol } else { 1e-3 };
        let tilted =
            Tilted::new(TiltingSettings::default().seed(3).rel_tol(rel_tol).max_evaluations(4_000_000))
                .unwrap();
        let problem = upper_orthant(case.d, case.rho, case.c);
        let result = tilted.estimate(&problem).unwrap();
        let ln_reference = case.log10_p * std::f64::consts::LN_10;
        // Relative error of P, computed in log space (P may underflow in other tests).
        let relative = (result.estimate.log_value - ln_reference).exp_m1().abs();
        worst = worst.max(relative);
        println!(
            "d = {:3}, ρ = {}, c = {:4}: log10 P = {:9.4}, relative error {:.2e} (reported {:.2e}), {} paths, converged {}, saddle {}",
            case.d,
            case.rho,
            case.c,
            case.log10_p,
            relative,
            result.relative_error,
            result.estimate.evaluations,
            result.estimate.converged,
            result.saddle_point_found
        );
        assert!(result.estimate.converged, "d = {}, c = {}: not converged", case.d, case.c);
        assert!(result.relative_error <= rel_tol);
        // 99% intervals: a miss is possible but rare; allow twice the reported error.
        assert!(
            relative <= 2.0 * result.relative_error.max(1e-12),
            "d = {}, c = {}: {relative:e}",
            case.d,
            case.c
        );
        let bound = result.log_upper_bound.expect("full-rank problem: the bound is reported");
        assert!(bound >= ln_reference - 1e-12, "upper bound {bound} below ln P = {ln_reference}");
    }
    println!("max relative error {worst:.2e}");
}

#[test]
fn relative_error_within_the_reported_error_on_the_tail_table() {
    check_table(30, 5e-3);
}

/// The whole table at the target (rel_tol 1e-3 for every d); slow, run by hand:
/// `cargo test --release -p mvn-orthant --test tilting -- --ignored --nocapture`.
#[test]
#[ignore]
fn whole_table_at_1e_3() {
    check_table(usize::MAX, 1e-3);
}

#[test]
fn log_value_survives_underflow() {
    // P(X_i ≥ 30, i = 1..3) for independent coordinates: Q(30)³ ≈ 1.5e-594, below f64.
    let problem = upper_orthant(3, 0.0, 30.0);
    let result = Tilted::default().estimate(&problem).unwrap();
    let exact = 3.0 * mvn_orthant::normal::log_upper_tail(30.0);
    assert_eq!(result.estimate.value, 0.0);
    assert!((result.estimate.log_value - exact).abs() < 1e-3, "{} vs {exact}", result.estimate.log_value);
    // An estimate, not an exact 0: the error is at least the spacing of the subnormals (the
    // product of the relative error and the underflowed value alone would be 0).
    assert!(result.estimate.error >= f64::from_bits(1), "{:?}", result.estimate);
    assert!(result.estimate.error <= 1e-322, "{:?}", result.estimate);
}

#[test]
fn same_seed_same_bits_on_1_2_and_8_threads() {
    let problem = upper_orthant(10, 0.5, 3.0);
    let tilted = Tilted::new(TiltingSettings::default().seed(17)).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| tilted.estimate(&problem).unwrap())
    };
    let one = run(1);
    for threads in [2, 8] {
        let other = run(threads);
        assert_eq!(one.estimate.log_value.to_bits(), other.estimate.log_value.to_bits());
        assert_eq!(one.estimate.error.to_bits(), other.estimate.error.to_bits());
    }
}

#[test]
fn invalid_settings_are_typed_errors() {
    use mvn_orthant::Error;
    assert!(matches!(
        Tilted::new(TiltingSettings::default().rel_tol(-1.0)),
        Err(Error::InvalidTolerance { .. })
    ));
    assert!(matches!(
        Tilted::new(TiltingSettings::default().randomizations(1)),
        Err(Error::InvalidBudget { .. })
    ));
}

#[test]
fn degenerate_and_semidefinite_problems_give_finite_answers() {
    use mvn_orthant::MethodChoice;
    let tilted = Tilted::default();
    // A zero-width interval on a variable with positive variance: P = 0 exactly.
    let p = Problem::new(
        vec![0.0; 3],
        Covariance::equicorrelated(3, 0.5).unwrap(),
        vec![f64::NEG_INFINITY, 0.0, f64::NEG_INFINITY],
        vec![0.0, 0.0, 0.0],
    )
    .unwrap();
    let e = tilted.estimate(&p).unwrap().estimate;
    assert_eq!((e.value, e.error), (0.0, 0.0), "{e:?}");
    // A repeated variable: P(X1 ≤ 0, X1 ≤ 0, X3 ≤ 0) = P(X1 ≤ 0, X3 ≤ 0) = 1/3 for ρ = ½.
    let rows = vec![vec![1.0, 1.0, 0.5], vec![1.0, 1.0, 0.5], vec![0.5, 0.5, 1.0]];
    let p = Problem::lower_orthant(Covariance::from_rows(&rows).unwrap(), vec![0.0; 3]).unwrap();
    let r = tilted.estimate(&p).unwrap();
    let e = r.estimate;
    assert!(e.value.is_finite() && e.error.is_finite(), "{e:?}");
    assert!((e.value - 1.0 / 3.0).abs() <= e.error.max(1e-12), "{e:?}");
    assert!(r.log_upper_bound.is_none(), "no bound is claimed for a semidefinite problem");
    // A rank-deficient tail: X2 = X1, P(X1 ≥ 3, X2 ≥ 3, X3 ≥ 3).
    let p = Problem::new(
        vec![0.0; 3],
        Covariance::from_rows(&rows).unwrap(),
        vec![3.0; 3],
        vec![f64::INFINITY; 3],
    )
    .unwrap();
    let e = tilted.estimate(&p).unwrap().estimate;
    let exact =
        mvn_orthant::integrate(&p.marginal(&[0, 2]), MethodChoice::Exact, &mvn_orthant::Settings::default())
            .unwrap();
    assert!(e.value.is_finite() && e.error.is_finite(), "{e:?}");
    assert!((e.value - exact.value).abs() <= 2.0 * e.error, "{e:?} vs {exact:?}");
}
