//! Method choice: which method `auto` picks, forced methods, and the embedding of gradients.

use mvn_orthant::GradientOptions;
use mvn_orthant::{
    integrate, integrate_with_gradient, Covariance, Error, Method, MethodChoice, Problem, Settings,
};

const INF: f64 = f64::INFINITY;

/// A fixed, well-conditioned 5 × 5 correlation matrix that is not one-factor.
fn random_correlation() -> Covariance {
    let g = [
        [1.0, 0.3, -0.2, 0.5],
        [0.2, 1.0, 0.4, -0.3],
        [-0.6, 0.1, 1.0, 0.2],
        [0.3, -0.5, 0.2, 1.0],
        [0.4, 0.4, -0.4, 0.1],
    ];
    let mut a = vec![0.0; 25];
    for i in 0..5 {
        for j in 0..5 {
            a[i * 5 + j] = (0..4).map(|k| g[i][k] * g[j][k]).sum::<f64>() + if i == j { 0.2 } else { 0.0 };
        }
    }
    let s: Vec<f64> = (0..5).map(|i| a[i * 5 + i].sqrt()).collect();
    for i in 0..5 {
        for j in 0..5 {
            a[i * 5 + j] /= s[i] * s[j];
        }
    }
    Covariance::from_row_major(5, a).unwrap()
}

#[test]
fn auto_picks_the_exact_method_by_dimension_and_structure() {
    let settings = Settings::default();
    let all_unbounded =
        Problem::new(vec![0.0; 2], Covariance::identity(2).unwrap(), vec![-INF; 2], vec![INF; 2]).unwrap();
    let e = integrate(&all_unbounded, MethodChoice::Auto, &settings).unwrap();
    assert_eq!((e.value, e.method), (1.0, Method::Trivial));

    // Four coordinates, two of them unbounded: reduced to the bivariate method.
    let sigma = Covariance::equicorrelated(4, 0.3).unwrap();
    let p = Problem::new(vec![0.0; 4], sigma, vec![-INF; 4], vec![0.0, INF, 0.0, INF]).unwrap();
    let e = integrate(&p, MethodChoice::Auto, &settings).unwrap();
    assert_eq!(e.method, Method::Bivariate);
    assert!((e.value - (0.25 + 0.3f64.asin() / (2.0 * std::f64::consts::PI))).abs() < 1e-15);

    let p = Problem::lower_orthant(random_correlation().submatrix(&[0, 1, 2]), vec![0.5, -0.2, 1.0]).unwrap();
    assert_eq!(integrate(&p, MethodChoice::Auto, &settings).unwrap().method, Method::Trivariate);

    let p = Problem::lower_orthant(Covariance::equicorrelated(50, 0.5).unwrap(), vec![0.0; 50]).unwrap();
    let e = integrate(&p, MethodChoice::Auto, &settings).unwrap();
    assert_eq!(e.method, Method::OneFactor);
    assert!((e.value * 51.0 - 1.0).abs() < 1e-12);
}

#[test]
fn auto_uses_genz_otherwise_and_exact_refuses() {
    let p = Problem::lower_orthant(random_correlation(), vec![0.5, 0.0, 1.0, -0.3, 0.8]).unwrap();
    let settings = Settings { abs_tol: 1e-5, ..Settings::default() };
    let e = integrate(&p, MethodChoice::Auto, &settings).unwrap();
    assert_eq!(e.method, Method::Genz);
    assert!(e.converged && e.error <= 1e-5);
    let mc =
        integrate(&p, MethodChoice::MonteCarlo, &Settings { max_evaluations: 400_000, ..settings }).unwrap();
    assert!((e.value - mc.value).abs() <= e.error + mc.error, "genz {e:?} vs monte carlo {mc:?}");
    assert!(matches!(integrate(&p, MethodChoice::Exact, &settings), Err(Error::MethodNotApplicable { .. })));
}

#[test]
fn auto_switches_to_tilting_for_rare_events() {
    // AR(1) correlation ρ^|i−j| (not one-factor) in d = 20, all coordinates above 3: P ≈ 1.4e-25,
    // far below the default absolute tolerance; the plain Genz estimate is good to about 8%.
    let d: usize = 20;
    let p = Problem::new(vec![0.0; d], ar1(d, 0.5), vec![3.0; d], vec![INF; d]).unwrap();
    let settings = Settings::default();
    let e = integrate(&p, MethodChoice::Auto, &settings).unwrap();
    assert_eq!(e.method, Method::Tilted);
    assert!(e.converged && e.error <= 1e-3 * e.value, "{e:?}");
    // Forced Genz agrees within its (absolute) error.
    let g = integrate(&p, MethodChoice::Genz, &settings).unwrap();
    assert!((g.value - e.value).abs() <= g.error + e.error);
}

/// AR(1) correlation ρ^|i−j| in dimension d (not one-factor).
fn ar1(d: usize, rho: f64) -> Covariance {
    let entries = (0..d * d).map(|k| rho.powi((k / d).abs_diff(k % d) as i32)).collect();
    Covariance::from_row_major(d, entries).unwrap()
}

/// A 30-D box whose P ≈ 2.3e-3 is small against abs_tol 1e-3 but is no tail event (Genz's first
/// round has fewer than two digits for each of the ten seeds tried): `auto` refines it to three
/// digits, and by Genz's method, whose variance per evaluation is no larger than the tilted
/// estimator's here, at a fraction of its cost per evaluation (`RareEventRule`). Checked against
/// the tilted estimator forced to the same relative precision.
#[test]
fn auto_refines_a_small_box_with_genz_where_tilting_gains_nothing() {
    let d = 30;
    let p = Problem::new(vec![0.0; d], ar1(d, 0.5), vec![-1.0; d], vec![1.5; d]).unwrap();
    let settings = Settings { abs_tol: 1e-3, ..Settings::default() };
    let e = integrate(&p, MethodChoice::Auto, &settings).unwrap();
    assert_eq!(e.method, Method::Genz, "{e:?}");
    assert!(e.converged && e.error <= 1e-3 * e.value, "not refined to three digits: {e:?}");
    let tilted = integrate(&p, MethodChoice::Tilted, &Settings { rel_tol: 1e-3, ..settings }).unwrap();
    assert!(tilted.converged, "{tilted:?}");
    assert!((e.value - tilted.value).abs() <= e.error + tilted.error, "auto {e:?} vs tilted {tilted:?}");

    // The gradient follows the same rule: Genz's single-pass gradient, not 2d tilted
    // conditional probabilities; checked against forced Genz at a tolerance 100 times tighter.
    let (eg, g) =
        integrate_with_gradient(&p, MethodChoice::Auto, &settings, GradientOptions::default()).unwrap();
    assert_eq!(eg.method, Method::Genz, "{eg:?}");
    assert!(eg.error <= 1e-3 * eg.value, "{eg:?}");
    let tight = Settings { abs_tol: 1e-7, ..Settings::default() };
    let (et, gt) =
        integrate_with_gradient(&p, MethodChoice::Genz, &tight, GradientOptions::default()).unwrap();
    assert!((eg.value - et.value).abs() <= eg.error + et.error, "{eg:?} vs {et:?}");
    for k in 0..d {
        let (a, b) = (g.upper[k], gt.upper[k]);
        assert!((a - b).abs() <= g.upper_error[k] + gt.upper_error[k], "∂P/∂b_{k}: {a} vs {b}");
        assert!(g.upper_error[k] < 0.05 * a.abs(), "∂P/∂b_{k} = {a} ± {}", g.upper_error[k]);
    }
}

#[test]
fn gradients_embed_back_into_the_full_dimension() {
    let sigma = Covariance::equicorrelated(4, 0.3).unwrap();
    let p = Problem::new(vec![0.0; 4], sigma, vec![-INF; 4], vec![0.0, INF, 0.5, INF]).unwrap();
    let (e, g) =
        integrate_with_gradient(&p, MethodChoice::Auto, &Settings::default(), GradientOptions::default())
            .unwrap();
    assert_eq!(e.method, Method::Bivariate);
    assert_eq!(g.upper.len(), 4);
    assert_eq!((g.upper[1], g.upper[3], g.mean[1]), (0.0, 0.0, 0.0));
    assert!(g.upper[0] > 0.0 && g.upper[2] > 0.0);
    // ∂P/∂b_0 = φ(0)·Φ((0.5 − 0.3·0)/√(1 − 0.09)).
    let expected = mvn_orthant::normal::pdf(0.0) * mvn_orthant::normal::cdf(0.5 / (1.0f64 - 0.09).sqrt());
    assert!((g.upper[0] - expected).abs() < 1e-14, "{} vs {expected}", g.upper[0]);
    assert!(matches!(
        integrate_with_gradient(
            &p,
            MethodChoice::MonteCarlo,
            &Settings::default(),
            GradientOptions::default()
        ),
        Err(Error::MethodNotApplicable { .. })
    ));
}

#[test]
fn method_names_round_trip_and_unknown_names_are_errors() {
    for m in MethodChoice::ALL {
        assert_eq!(m.name().parse::<MethodChoice>().unwrap(), m);
    }
    let err = "genz2".parse::<MethodChoice>().unwrap_err();
    assert!(err.to_string().contains("unknown method"), "{err}");
    let bad = Settings { abs_tol: -1.0, ..Settings::default() };
    let p = Problem::lower_orthant(Covariance::identity(2).unwrap(), vec![0.0; 2]).unwrap();
    assert!(matches!(integrate(&p, MethodChoice::Auto, &bad), Err(Error::InvalidTolerance { .. })));
}

/// One vocabulary: every choice's name parses back to it, and every sampling method type
/// reports (as an `Integrator`) and produces (in its estimates) a name of that vocabulary.
#[test]
fn method_names_come_from_one_vocabulary() {
    use mvn_orthant::qmc::PointSetKind;
    use mvn_orthant::tilting::Tilted;
    use mvn_orthant::{GenzSettings, Integrator, MonteCarlo};
    for choice in MethodChoice::ALL {
        assert_eq!(choice.name().parse::<MethodChoice>().unwrap(), choice);
    }
    assert!("genz-sobol".parse::<MethodChoice>().is_err());
    let p = Problem::lower_orthant(Covariance::equicorrelated(4, 0.3).unwrap(), vec![0.5; 4]).unwrap();
    let lattice = GenzSettings::default().point_set(PointSetKind::Lattice).build().unwrap();
    let methods: [(&dyn Integrator, MethodChoice, Method); 4] = [
        (&GenzSettings::default().build().unwrap(), MethodChoice::Genz, Method::Genz),
        (&lattice, MethodChoice::GenzLattice, Method::Genz),
        (&Tilted::default(), MethodChoice::Tilted, Method::Tilted),
        (&MonteCarlo::new(1000, 1).unwrap(), MethodChoice::MonteCarlo, Method::MonteCarlo),
    ];
    for (integrator, choice, method) in methods {
        assert_eq!(integrator.name(), choice.name());
        let estimate = integrator.integrate(&p).unwrap();
        assert_eq!(estimate.method, method);
        assert_eq!(
            estimate.method.name(),
            integrate(&p, choice, &Settings::default()).unwrap().method.name()
        );
    }
}
