//! The gradient of Genz-t (conditioning: t density × a conditional t probability with ν + 1
//! degrees of freedom, each by Genz's method for the t) against central finite differences of
//! the exact one-factor t method, per component, within the reported error.

use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::{Covariance, MethodChoice, Problem, Settings};

fn one_factor(d: usize) -> Covariance {
    let loading: Vec<f64> = (0..d).map(|i| 0.8 - 0.25 * i as f64).collect();
    let mut rows = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            rows[i * d + j] = if i == j { 1.0 } else { loading[i] * loading[j] };
        }
    }
    Covariance::from_row_major(d, rows).unwrap()
}

fn exact_probability(mean: &[f64], sigma: &Covariance, lower: &[f64], upper: &[f64], nu: f64) -> f64 {
    let p = Problem::new(mean.to_vec(), sigma.clone(), lower.to_vec(), upper.to_vec()).unwrap();
    student_t::integrate(&StudentProblem::new(p, nu).unwrap(), MethodChoice::Exact, &Settings::default())
        .unwrap()
        .value
}

#[test]
fn genz_t_gradient_matches_finite_differences() {
    let d = 5;
    let sigma = one_factor(d);
    let mean = vec![0.1, -0.2, 0.0, 0.3, 0.05];
    let lower = vec![-1.0, f64::NEG_INFINITY, -0.5, f64::NEG_INFINITY, -2.0];
    let upper = vec![1.5, 0.8, f64::INFINITY, 1.2, 0.7];
    for nu in [2.0, 6.0] {
        let p = StudentProblem::new(
            Problem::new(mean.clone(), sigma.clone(), lower.clone(), upper.clone()).unwrap(),
            nu,
        )
        .unwrap();
        let settings = Settings { abs_tol: 2e-5, rel_tol: 0.0, max_evaluations: 20_000_000, seed: 4 };
        let (estimate, g) = student_t::integrate_with_gradient(&p, MethodChoice::Genz, &settings).unwrap();
        let exact = exact_probability(&mean, &sigma, &lower, &upper, nu);
        assert!((estimate.value - exact).abs() <= estimate.error);
        let h = 1e-4;
        let mut misses = 0;
        for k in 0..d {
            for side in 0..3 {
                let (analytic, error) = match side {
                    0 => (g.lower[k], g.lower_error[k]),
                    1 => (g.upper[k], g.upper_error[k]),
                    _ => (g.mean[k], g.mean_error[k]),
                };
                let shifted = |delta: f64| {
                    let (mut m, mut lo, mut hi) = (mean.clone(), lower.clone(), upper.clone());
                    match side {
                        0 => lo[k] += delta,
                        1 => hi[k] += delta,
                        _ => m[k] += delta,
                    }
                    exact_probability(&m, &sigma, &lo, &hi, nu)
                };
                let limit = [lower[k], upper[k], 0.0][side];
                if !limit.is_finite() {
                    assert_eq!(analytic, 0.0);
                    continue;
                }
                let fd = (shifted(h) - shifted(-h)) / (2.0 * h);
                // The central difference is exact to O(h²) ≈ 1e-8 (and rounding 1e-15/h).
                assert!(error > 0.0 && error < 1e-3, "ν = {nu}, k = {k}, side {side}: error {error:e}");
                misses += u32::from((analytic - fd).abs() > error + 1e-7);
                assert!(
                    (analytic - fd).abs() <= 2.0 * error + 1e-7,
                    "ν = {nu}, k = {k}, side {side}: {analytic:e} against {fd:e} (error {error:.1e})"
                );
            }
        }
        // 99% intervals: at most one miss among the 12 finite components.
        assert!(misses <= 1, "ν = {nu}: {misses} misses");
    }
}

/// `auto` on an exact-method problem gives the exact gradient; on a d = 5 problem that is not
/// one-factor it runs Genz-t, with positive errors.
#[test]
fn auto_gradient_routes() {
    let sigma = Covariance::from_rows(&[vec![1.0, 0.4], vec![0.4, 1.0]]).unwrap();
    let p = StudentProblem::new(Problem::lower_orthant(sigma, vec![0.5, 1.0]).unwrap(), 3.0).unwrap();
    let (_, g) = student_t::integrate_with_gradient(&p, MethodChoice::Auto, &Settings::default()).unwrap();
    let (_, exact) =
        student_t::integrate_with_gradient(&p, MethodChoice::Exact, &Settings::default()).unwrap();
    assert_eq!(g.upper, exact.upper);
    assert!(g.upper_error.iter().all(|&e| e == 0.0));
    let rows: Vec<Vec<f64>> = (0..5)
        .map(|i| (0..5).map(|j| if i == j { 1.0 } else { 0.3 + 0.1 * ((i * j) % 3) as f64 }).collect())
        .collect();
    let p5 = StudentProblem::new(
        Problem::lower_orthant(Covariance::from_rows(&rows).unwrap(), vec![1.0; 5]).unwrap(),
        4.0,
    )
    .unwrap();
    let settings = Settings { abs_tol: 1e-4, ..Settings::default() };
    let (e, g) = student_t::integrate_with_gradient(&p5, MethodChoice::Auto, &settings).unwrap();
    assert_eq!(e.method, mvn_orthant::Method::Genz);
    assert!(g.upper_error.iter().all(|&x| x > 0.0) && g.upper.iter().all(|&x| x > 0.0));
}
