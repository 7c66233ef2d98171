//! The exact low-dimensional methods against the one-factor reduction where both apply
//! (covariances D + λλᵀ): bivariate, trivariate and the d = 4 orthant, values in relative error,
//! including tails, and the analytic gradients.

use mvn_orthant::exact::orthant::OrthantClosedForm;
use mvn_orthant::exact::{Bivariate, Trivariate};
use mvn_orthant::one_factor::OneFactor;
use mvn_orthant::{Covariance, Differentiable, GradientOptions, Integrator, Problem};

fn one_factor_cov(diag: &[f64], loading: &[f64]) -> Covariance {
    let d = diag.len();
    let mut c = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            c[i * d + j] = loading[i] * loading[j] + if i == j { diag[i] } else { 0.0 };
        }
    }
    Covariance::from_row_major(d, c).unwrap()
}

/// (diagonal D, loading λ, mean, lower, upper).
type Case = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn agree(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-15 + 1e-11 * a.abs().max(b.abs()), "{what}: {a:e} vs {b:e}");
}

#[test]
fn bivariate_and_trivariate_agree_with_one_factor() {
    let inf = f64::INFINITY;
    let cases: Vec<Case> = vec![
        (vec![1.0, 0.5], vec![0.7, -0.4], vec![0.0, 0.0], vec![-inf, -inf], vec![0.5, -1.0]),
        (vec![0.3, 2.0], vec![1.2, 0.9], vec![0.5, -0.5], vec![-1.0, 0.0], vec![2.0, inf]),
        (vec![1.0, 1.0], vec![1.0, 1.0], vec![0.0, 0.0], vec![-inf, -inf], vec![-9.0, -8.0]),
        (vec![0.5, 1.0, 0.8], vec![0.6, -0.7, 0.4], vec![0.0; 3], vec![-inf; 3], vec![1.0, 0.0, -0.5]),
        (vec![1.0, 1.0, 1.0], vec![1.0, 1.0, 1.0], vec![0.0; 3], vec![-inf; 3], vec![-5.0, -5.0, -5.0]),
        (
            vec![0.2, 0.4, 1.0],
            vec![0.9, 0.3, -1.1],
            vec![0.1, 0.2, 0.3],
            vec![-1.0, -2.0, 0.0],
            vec![1.0, 0.5, 3.0],
        ),
    ];
    for (diag, loading, mean, lower, upper) in cases {
        let problem = Problem::new(mean, one_factor_cov(&diag, &loading), lower, upper).unwrap();
        let reference = OneFactor.integrate(&problem).unwrap();
        let (exact, gradient) = if problem.dim() == 2 {
            (
                Bivariate.integrate(&problem).unwrap(),
                Bivariate.integrate_with_gradient(&problem, GradientOptions::default()).unwrap().1,
            )
        } else {
            (
                Trivariate.integrate(&problem).unwrap(),
                Trivariate.integrate_with_gradient(&problem, GradientOptions::default()).unwrap().1,
            )
        };
        agree(exact.value, reference.value, "value");
        agree(exact.log_value, reference.log_value, "log value");
        if let Ok((_, g)) = OneFactor.integrate_with_gradient(&problem) {
            for k in 0..problem.dim() {
                agree(gradient.upper[k], g.upper[k], "upper gradient");
                agree(gradient.lower[k], g.lower[k], "lower gradient");
            }
        }
    }
}

#[test]
fn four_variate_orthant_agrees_with_one_factor() {
    for loading in [[0.5, 0.5, 0.5, 0.5], [0.9, -0.8, 0.3, 0.1], [0.99, 0.95, -0.9, 0.6]] {
        let diag: Vec<f64> = loading.iter().map(|l| 1.0 - l * l).collect();
        let problem =
            Problem::new(vec![0.0; 4], one_factor_cov(&diag, &loading), vec![0.0; 4], vec![f64::INFINITY; 4])
                .unwrap();
        let closed = OrthantClosedForm.integrate(&problem).unwrap().value;
        let reference = OneFactor.integrate(&problem).unwrap().value;
        agree(closed, reference, "d = 4 orthant");
    }
}
