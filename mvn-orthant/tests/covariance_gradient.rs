//! ∂P/∂Σ by Plackett's identity for any dimension (`covariance_gradient`), against the exact
//! trivariate covariance gradient and against the product rule on block-diagonal covariances.

mod common;
use common::covariance_gradient;
use mvn_orthant::GradientOptions;
use mvn_orthant::{integrate_with_gradient, Covariance, MethodChoice, Problem, Settings};

const INF: f64 = f64::INFINITY;

fn settings() -> Settings {
    Settings { abs_tol: 1e-6, rel_tol: 0.0, max_evaluations: 4_000_000, seed: 5 }
}

#[test]
fn genz_plackett_matches_the_exact_trivariate_covariance_gradient() {
    let rows = vec![vec![1.0, 0.3, -0.2], vec![0.3, 2.0, 0.5], vec![-0.2, 0.5, 0.7]];
    let p = Problem::new(
        vec![0.1, -0.2, 0.0],
        Covariance::from_rows(&rows).unwrap(),
        vec![-1.0, -INF, -0.5],
        vec![0.8, 1.5, INF],
    )
    .unwrap();
    let (_, exact) =
        integrate_with_gradient(&p, MethodChoice::Exact, &settings(), GradientOptions::default()).unwrap();
    let exact = exact.covariance.expect("d = 3 has an exact covariance gradient");
    let (genz, error) = covariance_gradient(&p, MethodChoice::Genz, &settings()).unwrap();
    for k in 0..9 {
        assert!(
            (genz[k] - exact[k]).abs() <= 2.0 * error[k] + 1e-9,
            "entry {k}: {} vs exact {}, error {}",
            genz[k],
            exact[k],
            error[k]
        );
    }
    // The exact path returns the exact matrix itself, with zero errors.
    let (same, zero) = covariance_gradient(&p, MethodChoice::Exact, &settings()).unwrap();
    assert_eq!(same, exact);
    assert!(zero.iter().all(|&e| e == 0.0));
}

#[test]
fn block_diagonal_covariance_gradient_follows_the_product_rule() {
    // Blocks (0, 1) and (2, 3) independent: P = P₁ P₂, so within a block ∂P/∂Σ = P_other ∂P_block/∂Σ,
    // and across blocks ∂P/∂Σ_ik = ∂P₁/∂μ_i · ∂P₂/∂μ_k (Plackett's corner sum factorises).
    let rows = vec![
        vec![1.0, 0.4, 0.0, 0.0],
        vec![0.4, 1.5, 0.0, 0.0],
        vec![0.0, 0.0, 0.8, -0.3],
        vec![0.0, 0.0, -0.3, 1.0],
    ];
    let mean = vec![0.2, 0.0, -0.1, 0.3];
    let lower = vec![-0.5, -INF, -1.0, -0.7];
    let upper = vec![1.0, 0.9, INF, 1.2];
    let p = Problem::new(mean, Covariance::from_rows(&rows).unwrap(), lower, upper).unwrap();
    let block = |idx: &[usize]| {
        let (e, g) = integrate_with_gradient(
            &p.marginal(idx),
            MethodChoice::Exact,
            &settings(),
            GradientOptions::default(),
        )
        .unwrap();
        (e.value, g)
    };
    let (p1, g1) = block(&[0, 1]);
    let (p2, g2) = block(&[2, 3]);
    let (c1, c2) = (g1.covariance.unwrap(), g2.covariance.unwrap());
    let mut expected = [[0.0; 4]; 4];
    for a in 0..2 {
        for b in 0..2 {
            expected[a][b] = p2 * c1[a * 2 + b];
            expected[a + 2][b + 2] = p1 * c2[a * 2 + b];
            expected[a][b + 2] = g1.mean[a] * g2.mean[b];
            expected[b + 2][a] = g1.mean[a] * g2.mean[b];
        }
    }
    let (grad, error) = covariance_gradient(&p, MethodChoice::Auto, &settings()).unwrap();
    for i in 0..4 {
        for j in 0..4 {
            let k = i * 4 + j;
            assert!(
                (grad[k] - expected[i][j]).abs() <= 2.0 * error[k] + 1e-12,
                "({i}, {j}): {} vs {}, error {}",
                grad[k],
                expected[i][j],
                error[k]
            );
        }
    }
    // The cross-block entries are not zero although the covariances are.
    assert!(expected[0][2].abs() > 1e-3);
}

#[test]
fn zero_variance_is_a_clear_error() {
    let rows = vec![
        vec![1.0, 0.0, 0.0, 0.0],
        vec![0.0, 0.0, 0.0, 0.0],
        vec![0.0, 0.0, 1.0, 0.2],
        vec![0.0, 0.0, 0.2, 1.0],
    ];
    let p = Problem::new(vec![0.0; 4], Covariance::from_rows(&rows).unwrap(), vec![-1.0; 4], vec![1.0; 4])
        .unwrap();
    let r = covariance_gradient(&p, MethodChoice::Genz, &settings());
    assert!(matches!(r, Err(mvn_orthant::Error::MethodNotApplicable { .. })), "{r:?}");
}
