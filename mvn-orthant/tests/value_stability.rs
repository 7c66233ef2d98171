//! Value stability: the exact bits of every seeded estimator on fixed problems and seeds, in the
//! style of rand's value-stability tests. A change of random stream, point set, summation order
//! or error formula changes these bits; such a change must be deliberate, and the pins updated
//! with it (run with `PRINT_PINS=1 cargo test --release --test value_stability -- --nocapture`
//! to print the new values; the test then fails on purpose). Each value is computed with one
//! thread and with four, which must agree bit for bit. The accuracy of the estimates is tested
//! elsewhere; here only their reproducibility is.

mod common;
use common::pools::in_pools;
use mvn_orthant::tilting::{Tilted, TiltingSettings};
use mvn_orthant::GradientOptions;
use mvn_orthant::{
    integrate, integrate_with_gradient, Covariance, Estimate, Integrator, MethodChoice, MonteCarlo, Problem,
    Settings,
};

/// A 6-D AR(1) box (no exact method applies to a sub-problem of it), mean shifted.
fn problem() -> Problem {
    let d = 6;
    let rows: Vec<Vec<f64>> =
        (0..d).map(|i| (0..d).map(|j| 0.6f64.powi((i as i32 - j as i32).abs())).collect()).collect();
    let sigma = Covariance::from_rows(&rows).unwrap();
    Problem::new(
        vec![0.1; d],
        sigma,
        vec![-1.5, -2.0, -1.0, -2.5, -1.2, -3.0],
        vec![1.0, 2.0, 0.5, 1.5, 2.2, 0.0],
    )
    .unwrap()
}

/// A rare 6-D event for the tilted estimator.
fn rare_problem() -> Problem {
    let d = 6;
    let rows: Vec<Vec<f64>> =
        (0..d).map(|i| (0..d).map(|j| 0.5f64.powi((i as i32 - j as i32).abs())).collect()).collect();
    Problem::lower_orthant(Covariance::from_rows(&rows).unwrap(), vec![-3.0; d]).unwrap()
}

fn bits(e: &Estimate) -> [u64; 3] {
    [e.value.to_bits(), e.error.to_bits(), e.evaluations]
}

fn check(name: &str, got: [u64; 3], pinned: [u64; 3]) {
    if std::env::var_os("PRINT_PINS").is_some() {
        println!("{name}: [{:#018x}, {:#018x}, {}]", got[0], got[1], got[2]);
        panic!("PRINT_PINS is set: printed the pins instead of checking them");
    }
    assert_eq!(
        got,
        pinned,
        "{name}: value {} error {} evaluations {} changed; if deliberate, update the pin",
        f64::from_bits(got[0]),
        f64::from_bits(got[1]),
        got[2]
    );
}

#[test]
fn genz_sobol_and_lattice_values_are_pinned() {
    let settings = Settings { abs_tol: 1e-5, seed: 2026, ..Settings::default() };
    let sobol = in_pools(|| integrate(&problem(), MethodChoice::Genz, &settings).unwrap());
    check("genz sobol", bits(&sobol), [0x3fc4694d5a13fc84, 0x3ed4eee18fb8d190, 8192]);
    let lattice = in_pools(|| integrate(&problem(), MethodChoice::GenzLattice, &settings).unwrap());
    check("genz lattice", bits(&lattice), [0x3fc46947364bd2c2, 0x3ed4e10823f2bb2e, 32768]);
    let (value, gradient) = in_pools(|| {
        integrate_with_gradient(&problem(), MethodChoice::Genz, &settings, GradientOptions::default())
            .unwrap()
    });
    check("genz pathwise value", bits(&value), [0x3fc4694d5a13fc84, 0x3ed4eee18fb8d190, 8192]);
    check(
        "genz pathwise ∂P/∂b₀",
        [gradient.upper[0].to_bits(), gradient.upper_error[0].to_bits(), 0],
        [0x3fa84ed4886f6ef8, 0x3ec4798accbb0ebe, 0],
    );
}

#[test]
fn monte_carlo_values_are_pinned() {
    let e = in_pools(|| MonteCarlo::new(100_000, 2026).unwrap().integrate(&problem()).unwrap());
    check("monte carlo", bits(&e), [0x3fc43afb7e90ff97, 0x3f6886fa2cdace84, 100000]);
}

#[test]
fn tilted_values_are_pinned() {
    let tilted = Tilted::new(TiltingSettings::default().seed(2026)).unwrap();
    let e = in_pools(|| tilted.integrate(&rare_problem()).unwrap());
    check(
        "tilted",
        [e.log_value.to_bits(), e.error.to_bits(), e.evaluations],
        [0xc0340cb436fddcea, 0x3d6d48c20e1ed630, 4096],
    );
}

/// `auto` on a rare event that its rule refines by Genz's method (a 30-D AR(1) box with P ≈ 2.3e-3
/// at abs_tol 1e-3, refined to three digits; the rule runs a tilted pilot before it keeps Genz),
/// value and gradient.
#[test]
fn auto_refined_rare_event_values_are_pinned() {
    let d = 30;
    let rows: Vec<Vec<f64>> =
        (0..d).map(|i| (0..d).map(|j| 0.5f64.powi((i as i32 - j as i32).abs())).collect()).collect();
    let problem =
        Problem::new(vec![0.0; d], Covariance::from_rows(&rows).unwrap(), vec![-1.0; d], vec![1.5; d])
            .unwrap();
    let settings = Settings { abs_tol: 1e-3, seed: 2026, ..Settings::default() };
    let e = in_pools(|| integrate(&problem, MethodChoice::Auto, &settings).unwrap());
    assert_eq!(e.method, mvn_orthant::Method::Genz);
    assert!(e.error <= 1e-3 * e.value, "not the refined path: {e:?}");
    check("auto refined", bits(&e), [0x3f62532f818a6921, 0x3eb7d65fb0d5c7ca, 32768]);
    let (value, gradient) = in_pools(|| {
        integrate_with_gradient(&problem, MethodChoice::Auto, &settings, GradientOptions::default()).unwrap()
    });
    assert_eq!(value.method, mvn_orthant::Method::Genz);
    assert!(value.error <= 1e-3 * value.value, "not the refined path: {value:?}");
    check(
        "auto refined gradient",
        [value.value.to_bits(), gradient.upper[3].to_bits(), value.evaluations],
        [0x3f62532f818a6921, 0x3f376a1c579a06d3, 32768],
    );
}
