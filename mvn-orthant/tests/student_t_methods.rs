//! The exact multivariate t methods against closed forms, against each other (the chi mixture of
//! different normal methods), against the normal methods as ν → ∞, and on bad input.

use mvn_orthant::student_t::{self, univariate, StudentProblem};
use mvn_orthant::{Covariance, Error, Method, MethodChoice, Problem, Settings};
use std::f64::consts::PI;

const INF: f64 = f64::INFINITY;

fn student(mean: Vec<f64>, rows: &[Vec<f64>], lower: Vec<f64>, upper: Vec<f64>, nu: f64) -> StudentProblem {
    let sigma = Covariance::from_rows(rows).unwrap();
    StudentProblem::new(Problem::new(mean, sigma, lower, upper).unwrap(), nu).unwrap()
}

fn equicorrelated(d: usize, rho: f64) -> Vec<Vec<f64>> {
    (0..d).map(|i| (0..d).map(|j| if i == j { 1.0 } else { rho }).collect()).collect()
}

#[test]
fn bivariate_orthant_is_the_normal_closed_form_for_every_nu() {
    for nu in [0.5, 1.0, 2.5, 5.0, 30.0, 1e6, INF] {
        for rho in [-0.9, -0.3, 0.0, 0.5, 0.99] {
            let p = student(vec![1.0, -2.0], &equicorrelated(2, rho), vec![-INF; 2], vec![1.0, -2.0], nu);
            let e = student_t::integrate_exact(&p).unwrap();
            let exact = 0.25 + rho.asin() / (2.0 * PI);
            assert!((e.value - exact).abs() <= 2e-16, "ν = {nu}, ρ = {rho}: {} vs {exact}", e.value);
        }
    }
}

#[test]
fn independent_coordinates_are_not_a_product_but_the_mixture_is_consistent() {
    // With Σ = I the t coordinates are dependent (shared S); P(T₁ ≤ 0, T₂ > b) = ½ P(T > b)
    // because the sign of Z₁ is independent of (S, Z₂).
    for nu in [0.5, 3.0, 30.0] {
        for b in [-2.0, 0.5, 4.0, 1e3] {
            let p = student(vec![0.0; 2], &equicorrelated(2, 0.0), vec![-INF, b], vec![0.0, INF], nu);
            let e = student_t::integrate_exact(&p).unwrap();
            let exact = 0.5 * univariate::upper_tail(b, nu);
            assert!((e.value / exact - 1.0).abs() < 1e-13, "ν = {nu}, b = {b}: {} vs {exact}", e.value);
        }
    }
}

#[test]
fn trivariate_with_one_unbounded_coordinate_matches_bivariate() {
    // A d = 3 problem with a coordinate unbounded is dropped to d = 2; with a coordinate bounded
    // far away (P(T₃ < 1e8) ≈ 1) the trivariate chi mixture must agree to that probability.
    for nu in [1.0, 2.5, 30.0] {
        let rows = vec![vec![1.0, 0.4, 0.2], vec![0.4, 1.0, -0.3], vec![0.2, -0.3, 1.0]];
        let tri = student(vec![0.0; 3], &rows, vec![-1.0, -INF, -INF], vec![2.0, 0.5, 1e15], nu);
        let bi =
            student(vec![0.0; 2], &[vec![1.0, 0.4], vec![0.4, 1.0]], vec![-1.0, -INF], vec![2.0, 0.5], nu);
        let (t, b) = (student_t::integrate_exact(&tri).unwrap(), student_t::integrate_exact(&bi).unwrap());
        assert_eq!(t.method, Method::Trivariate);
        assert!((t.value / b.value - 1.0).abs() < 1e-13, "ν = {nu}: {} vs {}", t.value, b.value);
    }
}

#[test]
fn one_factor_matches_trivariate_and_bivariate() {
    // Equicorrelated d = 3 evaluated by the trivariate route, and the same problem embedded in
    // d = 4 with a far-away fourth limit (the one-factor route): the same P.
    // (The trivariate normal method is slow on the tiny boxes met at small s: one box case.)
    let cases = [
        (0.5, [-INF; 3], [0.5, -1.0, 2.0]),
        (30.0, [-INF; 3], [0.5, -1.0, 2.0]),
        (2.5, [-1.0, 0.0, -2.0], [1.0, 2.0, 1.5]),
    ];
    for (nu, lo, hi) in cases {
        {
            let tri = student(vec![0.0; 3], &equicorrelated(3, 0.4), lo.to_vec(), hi.to_vec(), nu);
            let mut lo4 = lo.to_vec();
            lo4.push(-1e200);
            let mut hi4 = hi.to_vec();
            hi4.push(1e200);
            let four = student(vec![0.0; 4], &equicorrelated(4, 0.4), lo4, hi4, nu);
            let (t, f) =
                (student_t::integrate_exact(&tri).unwrap(), student_t::integrate_exact(&four).unwrap());
            assert_eq!(f.method, Method::OneFactor);
            assert!((t.log_value - f.log_value).abs() < 1e-13, "ν = {nu}: {} vs {}", t.value, f.value);
        }
    }
}

#[test]
fn large_nu_agrees_with_the_normal_methods() {
    let rows = [vec![2.0, 0.6, -0.3], vec![0.6, 1.0, 0.2], vec![-0.3, 0.2, 0.5]];
    let (mean, lower, upper) = (vec![0.1, -0.2, 0.3], vec![-1.0, -INF, -0.5], vec![2.0, 0.7, INF]);
    for d in 1..=3 {
        let sub: Vec<Vec<f64>> = rows[..d].iter().map(|r| r[..d].to_vec()).collect();
        let make = |nu| student(mean[..d].to_vec(), &sub, lower[..d].to_vec(), upper[..d].to_vec(), nu);
        let normal =
            mvn_orthant::integrate(make(INF).problem(), MethodChoice::Auto, &Settings::default()).unwrap();
        let at_inf = student_t::integrate_exact(&make(INF)).unwrap();
        assert!((at_inf.value / normal.value - 1.0).abs() < 1e-14, "d = {d}");
        // The t probability differs from the normal one by O(1/ν).
        for (nu, tol) in [(1e6, 1e-5), (1e12, 1e-11)] {
            let e = student_t::integrate_exact(&make(nu)).unwrap();
            assert!(
                (e.value / normal.value - 1.0).abs() < tol,
                "d = {d}, ν = {nu}: {} vs {}",
                e.value,
                normal.value
            );
        }
    }
}

#[test]
fn degrees_of_freedom_are_validated() {
    let p = Problem::lower_orthant(Covariance::identity(2).unwrap(), vec![0.0, 1.0]).unwrap();
    for bad in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY, -0.0] {
        match StudentProblem::new(p.clone(), bad) {
            Err(Error::InvalidArgument { name, .. }) => assert_eq!(name, "degrees of freedom"),
            other => panic!("ν = {bad}: {other:?}"),
        }
    }
    for good in [1e-3, 0.5, 7.0, 1e300, INF] {
        assert_eq!(StudentProblem::new(p.clone(), good).unwrap().degrees_of_freedom(), good);
    }
}

#[test]
fn trivial_empty_and_unsupported_problems() {
    let nu = 3.0;
    // Every coordinate unbounded: P = 1.
    let all = student(vec![0.0; 2], &equicorrelated(2, 0.5), vec![-INF; 2], vec![INF; 2], nu);
    assert_eq!(student_t::integrate_exact(&all).unwrap().value, 1.0);
    // An empty box: P = 0, ln P = −∞.
    let empty = student(vec![0.0; 2], &equicorrelated(2, 0.5), vec![-INF, INF], vec![1.0, INF], nu);
    let e = student_t::integrate_exact(&empty).unwrap();
    assert_eq!((e.value, e.log_value), (0.0, f64::NEG_INFINITY));
    // A point mass (zero scale) inside and outside its interval.
    let rows = vec![vec![0.0, 0.0], vec![0.0, 1.0]];
    let inside = student(vec![0.5, 0.0], &rows, vec![0.0, -INF], vec![1.0, 1.0], nu);
    let outside = student(vec![1.5, 0.0], &rows, vec![0.0, -INF], vec![1.0, 1.0], nu);
    assert!((student_t::integrate_exact(&inside).unwrap().value - univariate::cdf(1.0, nu)).abs() < 1e-15);
    assert_eq!(student_t::integrate_exact(&outside).unwrap().value, 0.0);
    // d = 4, not one-factor: not applicable (a typed error, no panic).
    let rows = vec![
        vec![1.0, 0.5, 0.0, 0.0],
        vec![0.5, 1.0, 0.5, 0.0],
        vec![0.0, 0.5, 1.0, 0.5],
        vec![0.0, 0.0, 0.5, 1.0],
    ];
    let band = student(vec![0.0; 4], &rows, vec![-INF; 4], vec![1.0; 4], nu);
    assert!(matches!(student_t::integrate_exact(&band), Err(Error::MethodNotApplicable { .. })));
}

#[test]
fn cone_probabilities_do_not_depend_on_nu() {
    // Limits at the location (a cone): P is the normal orthant probability for every ν.
    let rows = equicorrelated(5, 0.5);
    let normal = student(vec![1.0; 5], &rows, vec![-INF; 5], vec![1.0; 5], INF);
    let exact = 1.0 / 6.0; // P(X ≤ μ), equicorrelated ½: 1/(d + 1)
    assert!((student_t::integrate_exact(&normal).unwrap().value - exact).abs() < 1e-15);
    for nu in [0.5, 4.0] {
        let p = student(vec![1.0; 5], &rows, vec![-INF; 5], vec![1.0; 5], nu);
        assert!((student_t::integrate_exact(&p).unwrap().value - exact).abs() < 1e-15);
    }
}
