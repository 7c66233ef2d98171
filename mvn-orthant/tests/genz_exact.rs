//! The Genz engine against closed forms: d = 2 and d = 3 orthants, equicorrelated ρ = ½
//! orthants (1/(d + 1)) up to d = 200, independent boxes (products of Φ differences), a
//! one-factor box by an independent quadrature, and d = 1000.

use mvn_orthant::exact::Bivariate;
use mvn_orthant::normal::{cdf, pdf};
use mvn_orthant::qmc::PointSetKind;
use mvn_orthant::{Covariance, Error, Genz, GenzSettings, Integrator, Method, Problem};

fn genz(tol: f64, seed: u64) -> Genz {
    GenzSettings::default().abs_tol(tol).seed(seed).build().unwrap()
}

/// Passes when |value − exact| ≤ error (the reported 99% half-width), the run converged, and
/// the error met the tolerance.
fn check(e: &mvn_orthant::Estimate, exact: f64, tol: f64, what: &str) {
    assert_eq!(e.method, Method::Genz);
    assert!(e.converged, "{what}: not converged {e:?}");
    assert!(e.error <= tol, "{what}: error {} above tolerance", e.error);
    assert!(
        (e.value - exact).abs() <= e.error.max(1e-15),
        "{what}: {} vs exact {exact}, error {}",
        e.value,
        e.error
    );
}

#[test]
fn bivariate_and_trivariate_orthants() {
    for (i, &rho) in [-0.95, -0.5, 0.0, 0.3, 0.9, 0.999].iter().enumerate() {
        let sigma = Covariance::from_rows(&[vec![1.0, rho], vec![rho, 1.0]]).unwrap();
        let p = Problem::lower_orthant(sigma, vec![0.0; 2]).unwrap();
        let exact = 0.25 + rho.asin() / (2.0 * std::f64::consts::PI);
        check(&genz(1e-7, i as u64).integrate(&p).unwrap(), exact, 1e-7, "d=2");
    }
    let cases = [(0.5, 0.5, 0.5), (-0.3, 0.2, 0.6), (0.9, -0.4, -0.2), (0.1, 0.1, -0.45)];
    for (i, &(r12, r13, r23)) in cases.iter().enumerate() {
        let sigma =
            Covariance::from_rows(&[vec![1.0, r12, r13], vec![r12, 1.0, r23], vec![r13, r23, 1.0]]).unwrap();
        let exact = 0.125 + (f64::asin(r12) + f64::asin(r13) + f64::asin(r23)) / (4.0 * std::f64::consts::PI);
        // Upper orthant of the scaled problem: P(X ≥ 0) equals the lower one by symmetry.
        let scaled = Covariance::from_rows(&[
            vec![4.0, 2.0 * r12 * 1.5, 2.0 * r13 * 0.5],
            vec![2.0 * r12 * 1.5, 2.25, 1.5 * r23 * 0.5],
            vec![2.0 * r13 * 0.5, 1.5 * r23 * 0.5, 0.25],
        ])
        .unwrap();
        let p = Problem::lower_orthant(sigma, vec![0.0; 3]).unwrap();
        check(&genz(1e-6, i as u64).integrate(&p).unwrap(), exact, 1e-6, "d=3");
        let q =
            Problem::new(vec![1.0, -2.0, 0.5], scaled, vec![1.0, -2.0, 0.5], vec![f64::INFINITY; 3]).unwrap();
        check(&genz(1e-6, 10 + i as u64).integrate(&q).unwrap(), exact, 1e-6, "d=3 upper, scaled");
    }
}

#[test]
fn equicorrelated_half_orthants_up_to_d_200() {
    for (&d, &tol) in [5usize, 10, 20, 50, 100, 200].iter().zip(&[1e-6, 1e-5, 1e-4, 2e-4, 5e-4, 5e-4]) {
        let p = Problem::lower_orthant(Covariance::equicorrelated(d, 0.5).unwrap(), vec![0.0; d]).unwrap();
        let e = genz(tol, d as u64).integrate(&p).unwrap();
        check(&e, 1.0 / (d as f64 + 1.0), tol, &format!("equicorrelated d={d}"));
        if d > 20 {
            continue;
        }
        let lattice = GenzSettings::default().abs_tol(tol).point_set(PointSetKind::Lattice).build().unwrap();
        check(&lattice.integrate(&p).unwrap(), 1.0 / (d as f64 + 1.0), tol, &format!("lattice d={d}"));
    }
}

#[test]
fn independent_boxes_are_products() {
    let d = 12;
    let variances: Vec<f64> = (0..d).map(|i| 0.5 + 0.25 * i as f64).collect();
    let mut entries = vec![0.0; d * d];
    for i in 0..d {
        entries[i * d + i] = variances[i];
    }
    let sigma = Covariance::from_row_major(d, entries).unwrap();
    let mean: Vec<f64> = (0..d).map(|i| 0.1 * i as f64 - 0.5).collect();
    let lower: Vec<f64> =
        (0..d).map(|i| if i % 3 == 0 { f64::NEG_INFINITY } else { -1.0 - 0.1 * i as f64 }).collect();
    let upper: Vec<f64> =
        (0..d).map(|i| if i % 4 == 1 { f64::INFINITY } else { 1.5 + 0.05 * i as f64 }).collect();
    let exact: f64 = (0..d)
        .map(|i| {
            let s = variances[i].sqrt();
            cdf((upper[i] - mean[i]) / s) - cdf((lower[i] - mean[i]) / s)
        })
        .product();
    let p = Problem::new(mean, sigma, lower, upper).unwrap();
    let e = genz(1e-8, 5).integrate(&p).unwrap();
    // The integrand is constant for independent variables: the estimate is exact to rounding.
    assert!((e.value - exact).abs() <= 1e-14 + e.error, "{} vs {exact}", e.value);
}

/// P(a ≤ X ≤ b) for X = √ρ·T·1 + √(1−ρ)·E: ∫ φ(t) Π Φ-differences dt by composite Simpson
/// on [−12, 12] with 24001 nodes (error far below 1e-10 for this smooth integrand).
fn one_factor_reference(rho: f64, lower: &[f64], upper: &[f64]) -> f64 {
    let n = 24000;
    let h = 24.0 / n as f64;
    let s = (1.0 - rho).sqrt();
    let f = |t: f64| {
        pdf(t)
            * lower
                .iter()
                .zip(upper)
                .map(|(&a, &b)| cdf((b - rho.sqrt() * t) / s) - cdf((a - rho.sqrt() * t) / s))
                .product::<f64>()
    };
    let mut sum = f(-12.0) + f(12.0);
    for i in 1..n {
        let t = -12.0 + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(t);
    }
    sum * h / 3.0
}

#[test]
fn one_factor_boxes_against_quadrature() {
    for (&d, &rho) in [5usize, 30, 120].iter().zip(&[0.3, 0.7, 0.2]) {
        let lower: Vec<f64> = (0..d).map(|i| -1.5 - (i % 5) as f64 * 0.3).collect();
        let upper: Vec<f64> =
            (0..d).map(|i| if i % 7 == 3 { f64::INFINITY } else { 2.0 + (i % 3) as f64 * 0.4 }).collect();
        let exact = one_factor_reference(rho, &lower, &upper);
        let p =
            Problem::new(vec![0.0; d], Covariance::equicorrelated(d, rho).unwrap(), lower, upper).unwrap();
        let tol = [1e-5, 1e-4, 1e-3][(d > 10) as usize + (d > 50) as usize];
        check(&genz(tol, 3).integrate(&p).unwrap(), exact, tol, &format!("one-factor d={d}"));
    }
}

#[test]
fn dimension_1000_works() {
    let d = 1000;
    let p = Problem::lower_orthant(Covariance::equicorrelated(d, 0.5).unwrap(), vec![0.0; d]).unwrap();
    let e = genz(1e-3, 1).integrate(&p).unwrap();
    check(&e, 1.0 / 1001.0, 1e-3, "d=1000");
}

#[test]
fn settings_are_validated() {
    let bad = [
        GenzSettings::default().abs_tol(-1.0),
        GenzSettings::default().abs_tol(f64::NAN),
        GenzSettings::default().rel_tol(f64::NAN),
        GenzSettings::default().abs_tol(0.0).rel_tol(0.0),
    ];
    for s in bad {
        assert!(matches!(s.build(), Err(Error::InvalidTolerance { .. })), "{s:?}");
    }
    for s in [
        GenzSettings::default().max_evaluations(0),
        GenzSettings::default().randomizations(1),
        GenzSettings::default().randomizations(100),
        GenzSettings::default().initial_points(100),
        GenzSettings::default().initial_points(0),
        GenzSettings::default().well_conditioned_initial_points(48),
    ] {
        assert!(matches!(s.build(), Err(Error::InvalidBudget { .. })), "{s:?}");
    }
    assert!(GenzSettings::default().abs_tol(0.0).rel_tol(1e-3).build().is_ok());
}

#[test]
fn budget_exhaustion_is_reported() {
    let d = 30;
    let p = Problem::lower_orthant(Covariance::equicorrelated(d, 0.5).unwrap(), vec![0.0; d]).unwrap();
    let e = GenzSettings::default()
        .abs_tol(1e-12)
        .initial_points(64)
        .max_evaluations(4096)
        .build()
        .unwrap()
        .integrate(&p)
        .unwrap();
    assert!(!e.converged);
    assert!(e.evaluations <= 4096);
    assert!(e.error > 1e-12);
}

#[test]
fn relative_tolerance_and_trivial_cases() {
    let d = 8;
    let p = Problem::lower_orthant(Covariance::equicorrelated(d, 0.5).unwrap(), vec![-2.0; d]).unwrap();
    let e = GenzSettings::default().abs_tol(0.0).rel_tol(1e-3).build().unwrap().integrate(&p).unwrap();
    assert!(e.converged && e.error <= 1e-3 * e.value);
    // Every coordinate unbounded: exactly 1.
    let q = Problem::new(
        vec![0.0; 3],
        Covariance::identity(3).unwrap(),
        vec![f64::NEG_INFINITY; 3],
        vec![f64::INFINITY; 3],
    )
    .unwrap();
    let e = Genz::default().integrate(&q).unwrap();
    assert_eq!((e.value, e.error), (1.0, 0.0));
}

/// The first round is 64 points per randomisation for a well-conditioned factor and 1024 for a
/// nearly singular one, so a loose tolerance costs 512 evaluations in the first case and 8192 in
/// the second; both estimates must still cover the exact value.
#[test]
fn first_round_follows_the_conditioning() {
    let smooth = Problem::lower_orthant(Covariance::equicorrelated(6, 0.5).unwrap(), vec![0.0; 6]).unwrap();
    let sharp = Problem::new(
        vec![0.0; 2],
        Covariance::from_row_major(2, vec![1.0, 0.999, 0.999, 1.0]).unwrap(),
        vec![-1.0, 2.5],
        vec![3.0, 4.0],
    )
    .unwrap();
    // A repeated variable (its zero pivot tightens the interval of its twin) is not well
    // conditioned either: its value is the bivariate probability of the distinct pair.
    let repeated = Problem::new(
        vec![0.0; 3],
        Covariance::from_row_major(3, vec![1.0, 0.5, 0.5, 0.5, 1.0, 1.0, 0.5, 1.0, 1.0]).unwrap(),
        vec![-1.0; 3],
        vec![1.0; 3],
    )
    .unwrap();
    let pair =
        Problem::new(vec![0.0; 2], Covariance::equicorrelated(2, 0.5).unwrap(), vec![-1.0; 2], vec![1.0; 2])
            .unwrap();

    let loose = GenzSettings::default().abs_tol(1e-2).build().unwrap();
    let e = loose.integrate(&smooth).unwrap();
    assert_eq!(e.evaluations, 512);
    assert!((e.value - 1.0 / 7.0).abs() <= e.error, "{e:?}");
    let e = loose.integrate(&sharp).unwrap();
    assert_eq!(e.evaluations, 8192);
    let exact = Bivariate.integrate(&sharp).unwrap().value;
    assert!((e.value - exact).abs() <= e.error, "{e:?} against {exact}");
    let e = loose.integrate(&repeated).unwrap();
    assert_eq!(e.evaluations, 8192);
    let exact = Bivariate.integrate(&pair).unwrap().value;
    assert!((e.value - exact).abs() <= e.error, "{e:?} against {exact}");
    // A smaller `initial_points` also bounds the well-conditioned first round.
    let e =
        GenzSettings::default().abs_tol(1e-2).initial_points(16).build().unwrap().integrate(&smooth).unwrap();
    assert_eq!(e.evaluations, 128);
}
