//! The one gradient trait: every method type implements [`Differentiable`], with one result
//! shape; the sampling methods agree with the exact bivariate and trivariate gradients (closed
//! forms: ∂P/∂b_k = φ(b_k)·Φ((b_j − ρ b_k)/√(1 − ρ²)) for d = 2) within their error estimates.

use mvn_orthant::exact::{Bivariate, OrthantClosedForm, Trivariate, Univariate};
use mvn_orthant::normal::{cdf, pdf};
use mvn_orthant::tilting::Tilted;
use mvn_orthant::{
    Auto, Covariance, Differentiable, Error, GenzSettings, GradientEstimator, GradientOptions, MethodChoice,
    MonteCarlo, OneFactor, Problem, Settings,
};

/// A 2-D box with ρ = 0.4 and its exact limit gradient from the closed form.
fn bivariate_box() -> (Problem, Vec<f64>, Vec<f64>) {
    let rho: f64 = 0.4;
    let sigma = Covariance::from_rows(&[vec![1.0, rho], vec![rho, 1.0]]).unwrap();
    let (a, b) = ([-1.0, -0.5], [0.7, 1.2]);
    let problem = Problem::new(vec![0.0; 2], sigma, a.to_vec(), b.to_vec()).unwrap();
    let s = (1.0 - rho * rho).sqrt();
    // ∂P/∂c_k at the limit c_k of coordinate k: ±φ(c_k)·P(a_j ≤ X_j ≤ b_j | X_k = c_k).
    let derivative = |k: usize, c: f64| {
        let j = 1 - k;
        pdf(c) * (cdf((b[j] - rho * c) / s) - cdf((a[j] - rho * c) / s))
    };
    let lower = (0..2).map(|k| -derivative(k, a[k])).collect();
    let upper = (0..2).map(|k| derivative(k, b[k])).collect();
    (problem, lower, upper)
}

#[test]
fn every_sampling_estimator_matches_the_closed_form_within_its_error() {
    let (problem, lower, upper) = bivariate_box();
    let genz = GenzSettings::default().abs_tol(1e-7).seed(5).build().unwrap();
    for estimator in [GradientEstimator::Pathwise, GradientEstimator::Pinned, GradientEstimator::Conditioning]
    {
        let options = GradientOptions::default().estimator(estimator);
        let (_, g) = genz.integrate_with_gradient(&problem, options).unwrap();
        for k in 0..2 {
            for (got, error, want) in
                [(g.lower[k], g.lower_error[k], lower[k]), (g.upper[k], g.upper_error[k], upper[k])]
            {
                assert!(error > 0.0 && error < 1e-4, "{estimator:?}: error {error}");
                assert!((got - want).abs() <= error, "{estimator:?}: {got} vs {want} ± {error}");
            }
        }
        assert!(g.covariance.is_none() && g.covariance_error.is_none());
    }
    // The exact method gives the same, with zero errors.
    let (_, exact) = Bivariate.integrate_with_gradient(&problem, GradientOptions::default()).unwrap();
    for k in 0..2 {
        assert!((exact.lower[k] - lower[k]).abs() < 1e-14 && (exact.upper[k] - upper[k]).abs() < 1e-14);
        assert_eq!(exact.upper_error[k], 0.0);
    }
}

#[test]
fn covariance_option_gives_errors_with_every_covariance() {
    let rows = vec![vec![1.0, 0.3, 0.2], vec![0.3, 1.0, 0.4], vec![0.2, 0.4, 1.0]];
    let problem =
        Problem::new(vec![0.0; 3], Covariance::from_rows(&rows).unwrap(), vec![-1.0; 3], vec![1.0, 0.5, 2.0])
            .unwrap();
    let options = GradientOptions::default().with_covariance();
    let (_, exact) = Trivariate.integrate_with_gradient(&problem, options).unwrap();
    let exact_covariance = exact.covariance.unwrap();
    assert_eq!(exact.covariance_error.unwrap(), vec![0.0; 9]);
    let genz = GenzSettings::default().abs_tol(1e-7).seed(9).build().unwrap();
    let (_, sampled) = genz.integrate_with_gradient(&problem, options).unwrap();
    let (c, e) = (sampled.covariance.unwrap(), sampled.covariance_error.unwrap());
    for i in 0..9 {
        assert!(
            (c[i] - exact_covariance[i]).abs() <= e[i].max(1e-12),
            "entry {i}: {} vs {}",
            c[i],
            exact_covariance[i]
        );
    }
    // Without the option a sampling method leaves it out; the exact method keeps its own.
    let (_, plain) = genz.integrate_with_gradient(&problem, GradientOptions::default()).unwrap();
    assert!(plain.covariance.is_none());
    let (_, plain_exact) = Trivariate.integrate_with_gradient(&problem, GradientOptions::default()).unwrap();
    assert!(plain_exact.covariance.is_some() && plain_exact.covariance_error.is_some());
}

#[test]
fn methods_without_a_gradient_say_so() {
    let (problem, _, _) = bivariate_box();
    let options = GradientOptions::default();
    let methods: [&dyn Differentiable; 2] = [&Tilted::default(), &MonteCarlo::new(1000, 1).unwrap()];
    for method in methods {
        assert!(matches!(
            method.integrate_with_gradient(&problem, options),
            Err(Error::MethodNotApplicable { .. })
        ));
    }
}

#[test]
fn auto_one_factor_and_univariate_agree_with_the_crate_call() {
    let sigma = Covariance::equicorrelated(5, 0.5).unwrap();
    let problem = Problem::new(vec![0.1; 5], sigma, vec![-1.0; 5], vec![1.5; 5]).unwrap();
    let options = GradientOptions::default();
    let auto = Auto { choice: MethodChoice::Auto, settings: Settings::default() };
    let (e1, g1) = auto.integrate_with_gradient(&problem, options).unwrap();
    // The inherent one-argument method of `OneFactor` shadows the trait method in call syntax.
    let (e2, g2) = Differentiable::integrate_with_gradient(&OneFactor, &problem, options).unwrap();
    assert_eq!(e1.value, e2.value);
    assert_eq!(g1.upper, g2.upper);
    let one = Problem::new(vec![0.0], Covariance::identity(1).unwrap(), vec![-1.0], vec![2.0]).unwrap();
    let (_, g) = Univariate.integrate_with_gradient(&one, options).unwrap();
    assert!((g.upper[0] - pdf(2.0)).abs() < 1e-17 && (g.lower[0] + pdf(-1.0)).abs() < 1e-17);
    // A zero-mean orthant with an unbounded third coordinate: the closed form's gradient is the
    // bivariate one, ∂P/∂b_k = φ(0)·Φ(0) = φ(0)/2 for ρ = 0 (independent coordinates).
    let inf = f64::INFINITY;
    let orthant =
        Problem::new(vec![0.0; 3], Covariance::identity(3).unwrap(), vec![-inf; 3], vec![0.0, 0.0, inf])
            .unwrap();
    let (e, g) = OrthantClosedForm.integrate_with_gradient(&orthant, options).unwrap();
    assert!((e.value - 0.25).abs() < 1e-16);
    for k in 0..2 {
        assert!((g.upper[k] - 0.5 * pdf(0.0)).abs() < 1e-16, "{:?}", g.upper);
    }
    assert_eq!(g.upper[2], 0.0);
}
