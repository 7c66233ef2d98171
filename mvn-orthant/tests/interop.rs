//! The optional interop features: nalgebra inputs and statrs distributions.
#![cfg(all(feature = "nalgebra", feature = "statrs"))]

use mvn_orthant::interop::statrs::{box_probability, orthant_probability, problem};
use mvn_orthant::{integrate, Covariance, Error, MethodChoice, Problem, Settings};
use nalgebra::{DMatrix, DVector};
use statrs::distribution::MultivariateNormal;

fn bivariate_orthant(rho: f64) -> f64 {
    0.25 + rho.asin() / (2.0 * std::f64::consts::PI)
}

#[test]
fn nalgebra_storage_order_does_not_matter() {
    // Symmetric within the tolerance but not bit for bit (the constructors average the triangles).
    let rows = [[4.0, 1.0, 0.5], [1.0 + 1e-13, 3.0, -0.25], [0.5, -0.25, 2.0]];
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let m = DMatrix::from_row_slice(3, 3, &flat);
    assert_eq!(Covariance::from_nalgebra(&m).unwrap(), Covariance::from_rows(&rows).unwrap());
    assert_eq!(Covariance::try_from(&m).unwrap(), Covariance::from_rows(&rows).unwrap());

    // An asymmetric matrix: same error, same (row, column), as the row-major constructor.
    let asym = [[1.0, 0.5, 0.0], [0.1, 1.0, 0.0], [0.0, 0.0, 1.0]];
    let flat: Vec<f64> = asym.iter().flatten().copied().collect();
    let m = DMatrix::from_row_slice(3, 3, &flat);
    let ours = Covariance::from_rows(&asym).unwrap_err();
    assert!(matches!(ours, Error::Asymmetric { row: 0, col: 1, .. }), "{ours:?}");
    assert_eq!(Covariance::from_nalgebra(&m).unwrap_err(), ours);
    // A column-major read would have swapped the two entries.
    assert_ne!(Covariance::from_nalgebra(&m.transpose()).unwrap_err(), ours);
}

#[test]
fn nalgebra_rejects_nan_and_bad_shapes() {
    let mut m = DMatrix::<f64>::identity(3, 3);
    m[(2, 1)] = f64::NAN;
    let err = Covariance::from_nalgebra(&m).unwrap_err();
    assert!(matches!(&err, Error::NonFinite { index, .. } if index == &vec![2, 1]), "{err:?}");

    assert!(matches!(
        Covariance::from_nalgebra(&DMatrix::from_element(2, 3, 0.0)),
        Err(Error::DimensionMismatch { expected: 2, found: 3, .. })
    ));
    assert_eq!(Covariance::from_nalgebra(&DMatrix::zeros(0, 0)), Err(Error::DimensionZero));
    assert!(matches!(
        Covariance::from_nalgebra(&DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 2.0, 1.0])),
        Err(Error::NotPositiveSemidefinite { .. })
    ));

    let sigma = DMatrix::<f64>::identity(2, 2);
    let (zero, inf) = (DVector::zeros(2), DVector::from_element(2, f64::INFINITY));
    assert!(matches!(
        Problem::from_nalgebra(&DVector::zeros(3), &sigma, &zero, &inf),
        Err(Error::DimensionMismatch { expected: 2, found: 3, .. })
    ));
    let nan_mean = DVector::from_vec(vec![0.0, f64::NAN]);
    assert!(matches!(Problem::from_nalgebra(&nan_mean, &sigma, &zero, &inf), Err(Error::NonFinite { .. })));
    let nan_upper = DVector::from_vec(vec![f64::NAN, 1.0]);
    assert!(matches!(Problem::from_nalgebra(&zero, &sigma, &zero, &nan_upper), Err(Error::NonFinite { .. })));
}

#[test]
fn nalgebra_problem_matches_the_vec_problem() {
    let rows = [[1.0, 0.3], [0.3, 2.0]];
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let p = Problem::from_nalgebra(
        &DVector::from_vec(vec![0.1, -0.2]),
        &DMatrix::from_row_slice(2, 2, &flat),
        &DVector::from_vec(vec![-1.0, f64::NEG_INFINITY]),
        &DVector::from_vec(vec![0.5, 1.5]),
    )
    .unwrap();
    let q = Problem::new(
        vec![0.1, -0.2],
        Covariance::from_rows(&rows).unwrap(),
        vec![-1.0, f64::NEG_INFINITY],
        vec![0.5, 1.5],
    )
    .unwrap();
    assert_eq!(p, q);
}

#[test]
fn statrs_bivariate_orthant() {
    let settings = Settings::default();
    for rho in [-0.9, -0.3, 0.0, 0.5, 0.95] {
        let mvn = MultivariateNormal::new(vec![0.0, 0.0], vec![1.0, rho, rho, 1.0]).unwrap();
        let exact = bivariate_orthant(rho);
        let e = orthant_probability(&mvn, &[0.0, 0.0], &settings).unwrap();
        assert!((e.value - exact).abs() < 1e-12, "rho {rho}: {} vs {exact}", e.value);
        assert!((e.log_value - exact.ln()).abs() < 1e-12, "rho {rho}");
        // The same orthant as a box, shifted by a non-zero mean and scaled variances.
        let mvn = MultivariateNormal::new(vec![1.0, -2.0], vec![4.0, 2.0 * rho, 2.0 * rho, 1.0]).unwrap();
        let inf = f64::NEG_INFINITY;
        let e = box_probability(&mvn, &[inf, inf], &[1.0, -2.0], &settings).unwrap();
        assert!((e.value - exact).abs() < 1e-12, "rho {rho}: {} vs {exact}", e.value);
    }
}

#[test]
fn statrs_problem_and_estimate_match_the_native_path() {
    let mvn =
        MultivariateNormal::new(vec![0.5, 0.0, -0.5], vec![2.0, 0.6, 0.2, 0.6, 1.0, 0.3, 0.2, 0.3, 1.5])
            .unwrap();
    let (lower, upper) = ([-1.0, -0.5, f64::NEG_INFINITY], [1.0, 2.0, 0.0]);
    let settings = Settings { abs_tol: 1e-5, ..Settings::default() };
    let native = Problem::new(
        vec![0.5, 0.0, -0.5],
        Covariance::from_rows(&[[2.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.5]]).unwrap(),
        lower.to_vec(),
        upper.to_vec(),
    )
    .unwrap();
    assert_eq!(problem(&mvn, &lower, &upper).unwrap(), native);
    let ours = box_probability(&mvn, &lower, &upper, &settings).unwrap();
    let theirs = integrate(&native, MethodChoice::Auto, &settings).unwrap();
    assert_eq!(ours, theirs);
}

#[test]
fn statrs_mismatched_dimensions_and_bad_settings() {
    let mvn = MultivariateNormal::new(vec![0.0, 0.0], vec![1.0, 0.5, 0.5, 1.0]).unwrap();
    let settings = Settings::default();
    assert!(matches!(
        orthant_probability(&mvn, &[0.0, 0.0, 0.0], &settings),
        Err(Error::DimensionMismatch { expected: 2, found: 3, .. })
    ));
    assert!(matches!(
        box_probability(&mvn, &[0.0], &[1.0, 1.0], &settings),
        Err(Error::DimensionMismatch { expected: 2, found: 1, .. })
    ));
    assert!(matches!(
        box_probability(&mvn, &[1.0, 0.0], &[0.0, 1.0], &settings),
        Err(Error::LowerAboveUpper { .. })
    ));
    assert!(matches!(orthant_probability(&mvn, &[f64::NAN, 0.0], &settings), Err(Error::NonFinite { .. })));
    let bad = Settings { abs_tol: -1.0, ..settings };
    assert!(matches!(orthant_probability(&mvn, &[0.0, 0.0], &bad), Err(Error::InvalidTolerance { .. })));
}
