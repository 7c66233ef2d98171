//! Gradients of multivariate t probabilities (conditioning formula) against central finite
//! differences of the exact methods, each component relative to itself.

use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::{Covariance, MethodChoice, Problem, Settings};

const INF: f64 = f64::INFINITY;

fn probability(mean: &[f64], sigma: &Covariance, lower: &[f64], upper: &[f64], nu: f64) -> f64 {
    let p = Problem::new(mean.to_vec(), sigma.clone(), lower.to_vec(), upper.to_vec()).unwrap();
    student_t::integrate_exact(&StudentProblem::new(p, nu).unwrap()).unwrap().value
}

/// Central difference of P in one input, with step 10⁻⁴/max(1, |x|) (in a tail at x the
/// log-derivative of P grows like |x|, so the step shrinks with it).
fn central_difference(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-4 / x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn check(mean: Vec<f64>, rows: &[Vec<f64>], lower: Vec<f64>, upper: Vec<f64>, nu: f64) {
    let sigma = Covariance::from_rows(rows).unwrap();
    let d = mean.len();
    let p = Problem::new(mean.clone(), sigma.clone(), lower.clone(), upper.clone()).unwrap();
    let (estimate, gradient) = student_t::integrate_with_gradient(
        &StudentProblem::new(p, nu).unwrap(),
        MethodChoice::Exact,
        &Settings::default(),
    )
    .unwrap();
    let base = probability(&mean, &sigma, &lower, &upper, nu);
    assert_eq!(estimate.value, base);
    for k in 0..d {
        for (side, analytic) in [(0, gradient.lower[k]), (1, gradient.upper[k])] {
            let limit = if side == 0 { lower[k] } else { upper[k] };
            if !limit.is_finite() {
                assert_eq!(analytic, 0.0);
                continue;
            }
            let fd = central_difference(
                |x| {
                    let (mut lo, mut hi) = (lower.clone(), upper.clone());
                    if side == 0 {
                        lo[k] = x;
                    } else {
                        hi[k] = x;
                    }
                    probability(&mean, &sigma, &lo, &hi, nu)
                },
                limit,
            );
            assert!(
                (analytic - fd).abs() <= 2e-6 * fd.abs(),
                "ν = {nu}, d = {d}, k = {k}, side {side}: analytic {analytic:e}, finite difference {fd:e}"
            );
        }
        // The location: a shift of both limits the other way.
        let fd = central_difference(
            |x| {
                let mut m = mean.clone();
                m[k] = x;
                probability(&m, &sigma, &lower, &upper, nu)
            },
            mean[k],
        );
        let analytic = gradient.mean[k];
        assert!((analytic - fd).abs() <= 2e-6 * fd.abs(), "ν = {nu}, μ_{k}: {analytic:e} vs {fd:e}");
    }
}

#[test]
fn univariate_gradient() {
    for nu in [0.5, 3.0, 1e6] {
        check(vec![0.3], &[vec![2.0]], vec![-1.0], vec![4.0], nu);
        check(vec![0.0], &[vec![1.0]], vec![-INF], vec![-20.0], nu);
    }
}

#[test]
fn bivariate_gradient() {
    for nu in [0.5, 2.5, 30.0] {
        let rows = [vec![1.5, -0.6], vec![-0.6, 0.8]];
        check(vec![0.2, -0.1], &rows, vec![-1.0, -INF], vec![2.0, 0.5], nu);
        check(vec![0.0, 0.0], &rows, vec![3.0, -INF], vec![INF, -2.0], nu);
    }
}

#[test]
fn trivariate_gradient() {
    let rows = [vec![1.0, 0.3, -0.2], vec![0.3, 2.0, 0.5], vec![-0.2, 0.5, 1.0]];
    check(vec![0.1, 0.0, -0.3], &rows, vec![-INF; 3], vec![1.0, 0.5, 0.2], 4.0);
}

#[test]
fn one_factor_gradient() {
    let d = 5;
    let rows: Vec<Vec<f64>> =
        (0..d).map(|i| (0..d).map(|j| if i == j { 1.0 } else { 0.5 }).collect()).collect();
    check(vec![0.0; d], &rows, vec![-INF; d], vec![1.0, 0.5, 2.0, -0.5, 1.5], 3.0);
}
