//! Analytic gradients of the exact methods against central finite differences of the values,
//! and the identities ∂P/∂μ = −(∂P/∂a + ∂P/∂b), Σ_k ∂P/∂b_k = d/dt P(b + t·1), zero components
//! for infinite limits.

use mvn_orthant::exact::{Bivariate, Trivariate, Univariate};
use mvn_orthant::{Covariance, Differentiable, Error, GradientOptions, Problem};

fn problem(mean: &[f64], cov: &[f64], lower: &[f64], upper: &[f64]) -> Problem {
    let d = mean.len();
    Problem::new(
        mean.to_vec(),
        Covariance::from_row_major(d, cov.to_vec()).unwrap(),
        lower.to_vec(),
        upper.to_vec(),
    )
    .unwrap()
}

fn value(method: &impl Differentiable, p: &Problem) -> f64 {
    method.integrate_with_gradient(p, GradientOptions::default()).unwrap().0.value
}

/// Checks every gradient component against a central difference with step 1e-5 (relative to
/// the largest component, tolerance 1e-8·scale + truncation).
fn check(method: impl Differentiable, p: &Problem) {
    let (e, g) = method.integrate_with_gradient(p, GradientOptions::default()).unwrap();
    let d = p.dim();
    let h = 1e-5;
    let scale = g.upper.iter().chain(&g.lower).fold(0.0f64, |m, x| m.max(x.abs())).max(e.value);
    let tol = 1e-8 * scale.max(1e-300);
    let close = |analytic: f64, numeric: f64, what: &str| {
        assert!(
            (analytic - numeric).abs() <= tol,
            "{what}: analytic {analytic:e} vs numeric {numeric:e} (tol {tol:e})"
        );
    };
    for k in 0..d {
        for (which, limits, grad) in [("upper", p.upper(), &g.upper), ("lower", p.lower(), &g.lower)] {
            if !limits[k].is_finite() {
                assert_eq!(grad[k], 0.0);
                continue;
            }
            let shifted = |delta: f64| {
                let mut lo = p.lower().to_vec();
                let mut hi = p.upper().to_vec();
                if which == "upper" {
                    hi[k] += delta;
                } else {
                    lo[k] += delta;
                }
                Problem::new(p.mean().to_vec(), p.covariance().clone(), lo, hi).unwrap()
            };
            let numeric = (value(&method, &shifted(h)) - value(&method, &shifted(-h))) / (2.0 * h);
            close(grad[k], numeric, &format!("{which}[{k}]"));
        }
        let shifted = |delta: f64| {
            let mut m = p.mean().to_vec();
            m[k] += delta;
            Problem::new(m, p.covariance().clone(), p.lower().to_vec(), p.upper().to_vec()).unwrap()
        };
        let numeric = (value(&method, &shifted(h)) - value(&method, &shifted(-h))) / (2.0 * h);
        close(g.mean[k], numeric, &format!("mean[{k}]"));
        assert_eq!(g.mean[k], -(g.lower[k] + g.upper[k]));
    }
    // Σ_k ∂P/∂b_k = d/dt P(b + t·1).
    let shifted = |delta: f64| {
        let hi: Vec<f64> = p.upper().iter().map(|b| b + delta).collect();
        Problem::new(p.mean().to_vec(), p.covariance().clone(), p.lower().to_vec(), hi).unwrap()
    };
    let numeric = (value(&method, &shifted(h)) - value(&method, &shifted(-h))) / (2.0 * h);
    close(g.upper.iter().sum(), numeric, "sum of upper");
    // Covariance entries (the symmetric pair moved together), Plackett's identity included.
    let cov = g.covariance.as_ref().expect("regular covariance has a covariance gradient");
    for i in 0..d {
        for j in i..d {
            let shifted = |delta: f64| {
                let mut c = p.covariance().as_slice().to_vec();
                c[i * d + j] += delta;
                if i != j {
                    c[j * d + i] += delta;
                }
                Problem::new(
                    p.mean().to_vec(),
                    Covariance::from_row_major(d, c).unwrap(),
                    p.lower().to_vec(),
                    p.upper().to_vec(),
                )
                .unwrap()
            };
            let numeric = (value(&method, &shifted(h)) - value(&method, &shifted(-h))) / (2.0 * h);
            close(cov[i * d + j], numeric, &format!("cov[{i},{j}]"));
            assert_eq!(cov[i * d + j], cov[j * d + i]);
        }
    }
}

const INF: f64 = f64::INFINITY;

#[test]
fn univariate_against_finite_differences() {
    check(Univariate, &problem(&[0.3], &[2.0], &[-1.0], &[1.5]));
    check(Univariate, &problem(&[0.0], &[0.5], &[-INF], &[-1.0]));
    check(Univariate, &problem(&[1.0], &[1.0], &[2.0], &[INF]));
}

#[test]
fn bivariate_against_finite_differences() {
    check(Bivariate, &problem(&[0.0, 0.0], &[1.0, 0.5, 0.5, 1.0], &[-INF, -INF], &[0.3, -0.2]));
    check(Bivariate, &problem(&[0.5, -1.0], &[2.0, -1.2, -1.2, 1.5], &[-1.0, -2.0], &[1.0, 0.5]));
    check(Bivariate, &problem(&[0.0, 0.0], &[1.0, 0.95, 0.95, 1.0], &[0.5, -INF], &[INF, 1.0]));
    check(Bivariate, &problem(&[0.0, 0.2], &[1.0, -0.9, -0.9, 1.0], &[-3.0, 1.0], &[-2.0, 2.0]));
}

#[test]
fn trivariate_against_finite_differences() {
    let r = [1.0, 0.6, 1.0 / 3.0, 0.6, 1.0, 11.0 / 15.0, 1.0 / 3.0, 11.0 / 15.0, 1.0];
    check(Trivariate, &problem(&[0.0; 3], &r, &[-INF; 3], &[1.0, 4.0, 2.0]));
    let c = [2.0, 0.3, -0.5, 0.3, 1.0, 0.2, -0.5, 0.2, 0.8];
    check(Trivariate, &problem(&[0.1, -0.3, 0.2], &c, &[-1.0, -INF, -0.5], &[1.0, 0.5, INF]));
    let c = [1.0, -0.5, 0.3, -0.5, 1.0, 0.2, 0.3, 0.2, 1.0];
    check(Trivariate, &problem(&[0.0; 3], &c, &[0.0, -1.0, -2.0], &[2.0, 1.0, 0.0]));
}

#[test]
fn singular_cases_and_wrong_dimensions() {
    // ρ = 1: limit gradients exist, the covariance gradient does not.
    let p = problem(&[0.0, 0.0], &[1.0, 1.0, 1.0, 1.0], &[-INF, -INF], &[0.5, 1.0]);
    let (e, g) = Bivariate.integrate_with_gradient(&p, GradientOptions::default()).unwrap();
    assert!((e.value - mvn_orthant::normal::cdf(0.5)).abs() < 1e-16);
    assert!(g.covariance.is_none());
    assert!((g.upper[0] - mvn_orthant::normal::pdf(0.5)).abs() < 1e-16);
    assert_eq!(g.upper[1], 0.0);
    // Zero variance: zero limit derivatives for that coordinate.
    let p = problem(&[0.0, 0.0, 0.0], &[1.0, 0.2, 0.0, 0.2, 1.0, 0.0, 0.0, 0.0, 0.0], &[-1.0; 3], &[1.0; 3]);
    let (_, g) = Trivariate.integrate_with_gradient(&p, GradientOptions::default()).unwrap();
    assert_eq!((g.lower[2], g.upper[2]), (0.0, 0.0));
    assert!(g.upper[0] > 0.0);
    let p3 = problem(&[0.0; 3], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], &[-1.0; 3], &[1.0; 3]);
    assert!(matches!(
        Bivariate.integrate_with_gradient(&p3, GradientOptions::default()),
        Err(Error::MethodNotApplicable { .. })
    ));
    assert!(matches!(
        Univariate.integrate_with_gradient(&p3, GradientOptions::default()),
        Err(Error::MethodNotApplicable { .. })
    ));
}
