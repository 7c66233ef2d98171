//! Valid input at the edges of the domain (issue "Honest at the edges", items 4 and 10):
//! empty boxes are valid everywhere (P = 0 exactly, ln P = −∞, every derivative 0), NaN stays an
//! error, and covariances that are positive semidefinite up to rounding are accepted.

mod common;
use common::covariance_gradient;
use mvn_orthant::exact::{Bivariate, OrthantClosedForm, Trivariate, Univariate};
use mvn_orthant::tilting::{Tilted, TiltingSettings};
use mvn_orthant::{
    integrate, integrate_with_gradient, Auto, Covariance, Error, Estimate, Genz, GenzSettings, Gradient,
    Integrator, MethodChoice, MonteCarlo, OneFactor, OneFactorProblem, Problem, Settings,
};
use mvn_orthant::{Differentiable, GradientEstimator, GradientOptions};

const INF: f64 = f64::INFINITY;

fn ar1(d: usize, rho: f64) -> Covariance {
    let rows: Vec<Vec<f64>> =
        (0..d).map(|i| (0..d).map(|j| rho.powi((i as i32 - j as i32).abs())).collect()).collect();
    Covariance::from_rows(&rows).unwrap()
}

/// Empty boxes of several shapes: an upper limit of −∞ or a lower limit of +∞ somewhere, in
/// problems that each method family would otherwise take (d = 1, 2, 3, one-factor, general).
fn empty_boxes() -> Vec<(&'static str, Problem)> {
    let mut out = Vec::new();
    for d in [1usize, 2, 3, 5, 12] {
        // Upper −∞ in the last coordinate, an ordinary two-sided box elsewhere.
        let mut lower = vec![-1.0; d];
        let mut upper = vec![0.5; d];
        upper[d - 1] = -INF;
        lower[d - 1] = -INF;
        out.push(("upper -inf, ar1", Problem::new(vec![0.1; d], ar1(d, 0.6), lower, upper).unwrap()));
        // Lower +∞ in the first coordinate of an equicorrelated (one-factor) orthant.
        let mut lower = vec![-INF; d];
        let mut upper = vec![0.0; d];
        lower[0] = INF;
        upper[0] = INF;
        let sigma = Covariance::equicorrelated(d, 0.5).unwrap();
        out.push(("lower +inf, equicorrelated", Problem::new(vec![0.0; d], sigma, lower, upper).unwrap()));
    }
    // A zero-mean orthant at 0 in which one coordinate is empty (the closed-form shape otherwise).
    let sigma = Covariance::equicorrelated(3, 0.3).unwrap();
    out.push((
        "orthant with -inf",
        Problem::new(vec![0.0; 3], sigma, vec![-INF; 3], vec![0.0, -INF, 0.0]).unwrap(),
    ));
    // A semidefinite covariance (rank one) with an empty coordinate.
    let sigma = Covariance::equicorrelated(4, 1.0).unwrap();
    out.push((
        "rank one",
        Problem::new(vec![0.0; 4], sigma, vec![-INF, -1.0, -1.0, -1.0], vec![-INF, 1.0, 1.0, 1.0]).unwrap(),
    ));
    out
}

fn assert_empty(label: &str, method: &str, e: &Estimate) {
    assert_eq!(e.value, 0.0, "{label} / {method}: value");
    assert_eq!(e.log_value, f64::NEG_INFINITY, "{label} / {method}: log value");
    assert_eq!(e.error, 0.0, "{label} / {method}: error");
    assert!(e.converged, "{label} / {method}: converged");
}

fn assert_zero_gradient(label: &str, method: &str, g: &Gradient, d: usize) {
    assert_eq!(g.dim(), d, "{label} / {method}");
    for v in [&g.lower, &g.upper, &g.mean, &g.lower_error, &g.upper_error, &g.mean_error] {
        assert!(v.iter().all(|&x| x == 0.0), "{label} / {method}: {v:?}");
    }
    if let Some(c) = &g.covariance {
        assert!(c.iter().all(|&x| x == 0.0), "{label} / {method}: covariance {c:?}");
    }
}

#[test]
fn empty_boxes_are_valid_and_have_probability_zero_for_every_method() {
    let settings = Settings { abs_tol: 1e-4, max_evaluations: 1 << 14, ..Settings::default() };
    for (label, problem) in empty_boxes() {
        assert!(problem.is_empty_box(), "{label}");
        for choice in MethodChoice::ALL {
            let e = integrate(&problem, choice, &settings).unwrap();
            assert_empty(label, choice.name(), &e);
            let auto = Auto { choice, settings };
            assert_empty(label, choice.name(), &auto.integrate(&problem).unwrap());
        }
        let integrators: Vec<(&str, Box<dyn Integrator>)> = vec![
            ("univariate", Box::new(Univariate)),
            ("bivariate", Box::new(Bivariate)),
            ("trivariate", Box::new(Trivariate)),
            ("orthant-closed-form", Box::new(OrthantClosedForm)),
            ("one-factor", Box::new(OneFactor)),
            ("genz", Box::new(Genz::new(GenzSettings::default()).unwrap())),
            ("tilted", Box::new(Tilted::new(TiltingSettings::default()).unwrap())),
            ("monte-carlo", Box::new(MonteCarlo::new(1000, 3).unwrap())),
        ];
        for (name, integrator) in &integrators {
            assert_empty(label, name, &integrator.integrate(&problem).unwrap());
        }
        let tilted = Tilted::new(TiltingSettings::default()).unwrap().estimate(&problem).unwrap();
        assert_empty(label, "tilted estimate", &tilted.estimate);
    }
}

#[test]
fn empty_boxes_have_zero_gradients_on_every_gradient_path() {
    let settings = Settings { abs_tol: 1e-4, max_evaluations: 1 << 14, ..Settings::default() };
    let genz = Genz::new(GenzSettings::default()).unwrap();
    for (label, problem) in empty_boxes() {
        let d = problem.dim();
        for choice in MethodChoice::ALL {
            let (e, g) =
                integrate_with_gradient(&problem, choice, &settings, GradientOptions::default()).unwrap();
            assert_empty(label, choice.name(), &e);
            assert_zero_gradient(label, choice.name(), &g, d);
            let (c, c_error) = covariance_gradient(&problem, choice, &settings).unwrap();
            assert!(c.iter().chain(&c_error).all(|&x| x == 0.0), "{label} / {choice}: ∂P/∂Σ");
        }
        let gradient_paths = [
            (
                "genz pinned",
                genz.integrate_with_gradient(
                    &problem,
                    GradientOptions::default().estimator(GradientEstimator::Pinned),
                ),
            ),
            ("genz pathwise", genz.integrate_with_gradient(&problem, GradientOptions::default())),
            (
                "genz conditioning",
                genz.integrate_with_gradient(
                    &problem,
                    GradientOptions::default().estimator(GradientEstimator::Conditioning),
                ),
            ),
            ("one-factor", OneFactor.integrate_with_gradient(&problem)),
            ("univariate", Univariate.integrate_with_gradient(&problem, GradientOptions::default())),
            ("bivariate", Bivariate.integrate_with_gradient(&problem, GradientOptions::default())),
            ("trivariate", Trivariate.integrate_with_gradient(&problem, GradientOptions::default())),
        ];
        for (name, result) in gradient_paths {
            let (e, g) = result.unwrap();
            assert_empty(label, name, &e);
            assert_zero_gradient(label, name, &g, d);
        }
    }
}

#[test]
fn one_factor_problems_accept_empty_boxes() {
    let d = 6;
    let mut upper = vec![1.0; d];
    upper[2] = -INF;
    let p = OneFactorProblem::new(vec![0.0; d], vec![0.5; d], vec![0.7; d], vec![-INF; d], upper).unwrap();
    assert_empty("one-factor problem", "integrate", &p.integrate());
    let (e, g) = p.integrate_with_gradient();
    assert_empty("one-factor problem", "gradient", &e);
    assert_zero_gradient("one-factor problem", "gradient", &g, d);
}

#[test]
fn nan_and_inverted_limits_stay_errors() {
    let sigma = Covariance::identity(2).unwrap();
    let nan = Problem::new(vec![0.0; 2], sigma.clone(), vec![f64::NAN, 0.0], vec![1.0; 2]);
    assert!(matches!(nan, Err(Error::NonFinite { .. })), "{nan:?}");
    let nan = Problem::new(vec![0.0; 2], sigma.clone(), vec![0.0; 2], vec![1.0, f64::NAN]);
    assert!(matches!(nan, Err(Error::NonFinite { .. })), "{nan:?}");
    // A lower limit of +∞ above a finite upper limit is a lower limit above its upper limit.
    let inverted = Problem::new(vec![0.0; 2], sigma.clone(), vec![INF, 0.0], vec![1.0; 2]);
    assert!(matches!(inverted, Err(Error::LowerAboveUpper { index: 0, .. })), "{inverted:?}");
    // Equal infinite limits on the wrong side are the empty box, not an error.
    let empty = Problem::new(vec![0.0; 2], sigma, vec![-INF, INF], vec![-INF, INF]).unwrap();
    assert!(empty.is_empty_box());
}

/// Σ = F Fᵀ − δ I for a fixed 20 × 5 factor F: positive semidefinite of rank 5 when δ = 0, and
/// with its zero eigenvalues pushed to −δ otherwise.
fn low_rank_minus(delta: f64) -> Vec<Vec<f64>> {
    let (d, r) = (20usize, 5usize);
    let f: Vec<f64> = (0..d * r).map(|k| ((k * 37 + 11) % 23) as f64 / 23.0 - 0.4).collect();
    (0..d)
        .map(|i| {
            (0..d)
                .map(|j| {
                    let v: f64 = (0..r).map(|m| f[i * r + m] * f[j * r + m]).sum();
                    if i == j {
                        v - delta
                    } else {
                        v
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn semidefinite_up_to_rounding_is_accepted_and_indefinite_is_rejected() {
    let exact = low_rank_minus(0.0);
    let max_diagonal = (0..20).map(|i| exact[i][i]).fold(0.0, f64::max);
    // A negative pivot of −1e-12 relative: rounding, far above 8·d·ε ≈ 3.6e-14 (rejected before).
    let rounded = Covariance::from_rows(&low_rank_minus(1e-12 * max_diagonal)).unwrap();
    assert_eq!(rounded.rank(), 5);
    // Such a covariance is usable: the probability matches the one of the exact factor product.
    let box_of =
        |sigma: Covariance| Problem::new(vec![0.0; 20], sigma, vec![-1.0; 20], vec![2.0; 20]).unwrap();
    let settings = Settings { abs_tol: 1e-4, seed: 7, ..Settings::default() };
    let p_rounded = integrate(&box_of(rounded), MethodChoice::Auto, &settings).unwrap();
    let p_exact =
        integrate(&box_of(Covariance::from_rows(&exact).unwrap()), MethodChoice::Auto, &settings).unwrap();
    assert!(
        (p_rounded.value - p_exact.value).abs() <= p_rounded.error + p_exact.error,
        "{p_rounded:?} vs {p_exact:?}"
    );
    // −1e-8 relative is beyond the tolerance (10⁶ ε ≈ 2.2e-10): not positive semidefinite.
    let indefinite = Covariance::from_rows(&low_rank_minus(1e-8 * max_diagonal));
    assert!(matches!(indefinite, Err(Error::NotPositiveSemidefinite { .. })), "{indefinite:?}");
}
