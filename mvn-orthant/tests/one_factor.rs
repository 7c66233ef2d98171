//! Tests of the one-factor reduction: closed forms, the mpmath table, detection, gradients.

use mvn_orthant::normal::{cdf, log_cdf};
use mvn_orthant::one_factor::{detect_one_factor, shifted_orthant_log_value_and_gradient, OneFactorProblem};
use mvn_orthant::{Covariance, Error, Integrator, Method, OneFactor, Problem};

const INF: f64 = f64::INFINITY;

/// ln A of the EXACT orthant (the value of [`shifted_orthant_log_value_and_gradient`]).
fn shifted_orthant_log_value(shift: &[f64]) -> f64 {
    shifted_orthant_log_value_and_gradient(shift, &mut vec![0.0; shift.len()])
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs()
    }
}

/// Equicorrelated ρ = ½: D = ½ I, λ = √½ 1.
fn half_orthant(d: usize) -> OneFactorProblem {
    OneFactorProblem::new(vec![0.0; d], vec![0.5; d], vec![0.5f64.sqrt(); d], vec![-INF; d], vec![0.0; d])
        .unwrap()
}

#[test]
fn half_correlated_orthant_is_one_over_d_plus_one() {
    let mut worst = 0.0f64;
    for d in [1usize, 2, 3, 5, 10, 30, 100, 300, 1000] {
        let e = half_orthant(d).integrate();
        let exact = 1.0 / (d as f64 + 1.0);
        worst = worst.max(rel(e.value, exact));
        assert!(rel(e.value, exact) < 1e-13, "d = {d}: {} vs {exact}", e.value);
        assert!((e.log_value + (d as f64 + 1.0).ln()).abs() < 1e-13 * (d as f64 + 1.0).ln());
        assert_eq!(e.method, Method::OneFactor);
        // The trapezoid rule's cost (the adaptive rule, its fallback, takes 250 or more): at
        // d = 1000 one halving of the step, which the convergence check asks for there.
        assert!(e.evaluations <= 110, "d = {d}: {} evaluations", e.evaluations);
        // The EXACT form: P(Y > 0), Y ~ N(0, I + 11ᵀ) in dimension d is the same number.
        // (ln Φ from the pieces in x of `mills_ratio`: 2.6e-16 at worst up to d = 3000, 8.1e-16 at
        // d = 10⁴; the bound leaves room for the summation over the classes.)
        let log_a = shifted_orthant_log_value(&vec![0.0; d]);
        assert!(rel(log_a.exp(), exact) < 5e-15, "shifted d = {d}: {}", rel(log_a.exp(), exact));
    }
    eprintln!("max relative error of 1/(d+1): {worst:e}");
}

#[test]
fn scaled_equicorrelated_detected_from_problem() {
    // Σ_ij = ρ s_i s_j, any variances, ρ = ½: orthant at the means is still 1/(d+1).
    let d = 40;
    let s: Vec<f64> = (0..d).map(|i| 0.3 + 0.1 * i as f64).collect();
    let mut rows = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..d {
            rows[i][j] = if i == j { s[i] * s[i] } else { 0.5 * s[i] * s[j] };
        }
    }
    let mean: Vec<f64> = (0..d).map(|i| i as f64 * 0.01).collect();
    let p = Problem::new(mean.clone(), Covariance::from_rows(&rows).unwrap(), vec![-INF; d], mean).unwrap();
    let e = OneFactor.integrate(&p).unwrap();
    assert!(rel(e.value, 1.0 / 41.0) < 1e-13, "{}", e.value);
}

/// The verification scans every off-diagonal entry: a perturbation of 1e-9 (far above the 1e-12
/// tolerance, far below the entries) at any position of an 11 × 11 one-factor matrix (rows whose
/// lower parts have 0 to 10 entries, so both the four-wide body and the remainder of the scan)
/// is rejected, and the unperturbed matrix is accepted.
#[test]
fn detection_rejects_a_perturbation_at_any_position() {
    let d = 11;
    let lam: Vec<f64> = (0..d).map(|i| 0.3 + 0.05 * i as f64 * if i % 3 == 0 { -1.0 } else { 1.0 }).collect();
    let rows: Vec<Vec<f64>> =
        (0..d).map(|i| (0..d).map(|j| lam[i] * lam[j] + if i == j { 0.5 } else { 0.0 }).collect()).collect();
    assert!(detect_one_factor(&Covariance::from_rows(&rows).unwrap()).is_some());
    for i in 1..d {
        for j in 0..i {
            let mut perturbed = rows.clone();
            perturbed[i][j] += 1e-9;
            perturbed[j][i] += 1e-9;
            let c = Covariance::from_rows(&perturbed).unwrap();
            assert!(detect_one_factor(&c).is_none(), "perturbation at ({i}, {j}) accepted");
        }
    }
}

#[test]
fn detection_of_general_rank_one_plus_diagonal() {
    let lam = [0.9, -0.4, 0.0, 1.3, -0.7, 0.2];
    let dg = [0.1, 1.0, 2.0, 0.0, 0.5, 0.3];
    let d = lam.len();
    let mut rows = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..d {
            rows[i][j] = lam[i] * lam[j] + if i == j { dg[i] } else { 0.0 };
        }
    }
    let c = Covariance::from_rows(&rows).unwrap();
    let (diag, loading) = detect_one_factor(&c).unwrap();
    for i in 0..d {
        assert!((diag[i] - dg[i]).abs() < 1e-14, "D[{i}] = {} vs {}", diag[i], dg[i]);
        for j in 0..d {
            if i != j {
                assert!((loading[i] * loading[j] - lam[i] * lam[j]).abs() < 1e-14);
            }
        }
    }
    // A rank-two perturbation is rejected, and the integrator says why.
    rows[0][1] += 0.05;
    rows[1][0] += 0.05;
    let c = Covariance::from_rows(&rows).unwrap();
    assert!(detect_one_factor(&c).is_none());
    let p = Problem::lower_orthant(c, vec![0.0; d]).unwrap();
    assert!(matches!(OneFactor.integrate(&p), Err(Error::MethodNotApplicable { .. })));
    // Negative equicorrelation has no real loading.
    assert!(detect_one_factor(&Covariance::equicorrelated(5, -0.1).unwrap()).is_none());
    // Diagonal, 1 × 1 and 2 × 2 (any correlation sign) are one-factor.
    assert!(detect_one_factor(&Covariance::identity(7).unwrap()).is_some());
    let c2 = Covariance::from_rows(&[vec![4.0, -1.9], vec![-1.9, 1.0]]).unwrap();
    let (dd, ll) = detect_one_factor(&c2).unwrap();
    assert!((ll[0] * ll[1] + 1.9).abs() < 1e-15 && dd.iter().all(|&x| x >= 0.0));
    // Only one correlated pair among independent coordinates.
    let mut rows = vec![vec![0.0; 4]; 4];
    for i in 0..4 {
        rows[i][i] = 1.0 + i as f64;
    }
    rows[1][3] = 0.8;
    rows[3][1] = 0.8;
    let (dd, ll) = detect_one_factor(&Covariance::from_rows(&rows).unwrap()).unwrap();
    assert!((ll[1] * ll[3] - 0.8).abs() < 1e-15 && dd.iter().all(|&x| x >= 0.0));
}

#[test]
fn constructor_rejects_bad_input() {
    let ok = |m: Vec<f64>, dg: Vec<f64>, l: Vec<f64>, a: Vec<f64>, b: Vec<f64>| {
        OneFactorProblem::new(m, dg, l, a, b)
    };
    assert!(matches!(ok(vec![], vec![], vec![], vec![], vec![]), Err(Error::DimensionZero)));
    assert!(matches!(
        ok(vec![0.0; 2], vec![1.0], vec![0.0; 2], vec![0.0; 2], vec![1.0; 2]),
        Err(Error::DimensionMismatch { .. })
    ));
    assert!(matches!(
        ok(vec![0.0; 2], vec![1.0, -1.0], vec![0.0; 2], vec![0.0; 2], vec![1.0; 2]),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        ok(vec![0.0; 2], vec![1.0; 2], vec![f64::NAN, 0.0], vec![0.0; 2], vec![1.0; 2]),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        ok(vec![0.0; 2], vec![1.0; 2], vec![0.0; 2], vec![0.0, 2.0], vec![1.0; 2]),
        Err(Error::LowerAboveUpper { index: 1, .. })
    ));
    // A lower limit of +∞ (with upper +∞) is the empty box: valid, P = 0.
    let empty = ok(vec![0.0; 2], vec![1.0; 2], vec![0.0; 2], vec![INF, 0.0], vec![INF; 2]).unwrap();
    assert_eq!(empty.integrate().value, 0.0);
}

#[test]
fn independence_gives_products_and_zero_loading_is_exact() {
    let a = vec![-1.0, 0.5, -INF, -3.0];
    let b = vec![2.0, INF, -1.0, -2.5];
    let dg = vec![1.0, 4.0, 0.25, 2.0];
    let mean = vec![0.1, -0.2, 0.0, 1.0];
    let p = OneFactorProblem::new(mean.clone(), dg.clone(), vec![0.0; 4], a.clone(), b.clone()).unwrap();
    let mut exact = 1.0;
    for i in 0..4 {
        let s = dg[i].sqrt();
        exact *= cdf((b[i] - mean[i]) / s) - cdf((a[i] - mean[i]) / s);
    }
    assert!(rel(p.integrate().value, exact) < 1e-13);
}

#[test]
fn zero_diagonal_entries_restrict_the_range_exactly() {
    // X_1 = t exactly (D = 0, λ = 1), X_2 = t + ε: P(X_1 ≤ 0.3, X_2 ≤ 0.3) = P(t ≤ 0.3, t + ε ≤ 0.3)
    // = ∫_{−∞}^{0.3} φ(t) Φ(0.3 − t) dt; and with ρ = 1 (both D = 0) it is Φ(min(h, k)).
    let p =
        OneFactorProblem::new(vec![0.0; 2], vec![0.0, 0.0], vec![1.0, 2.0], vec![-INF; 2], vec![0.3, 1.0])
            .unwrap();
    assert!(rel(p.integrate().value, cdf(0.3)) < 1e-14);
    // Negative loading flips the limits: X = −t ∈ [−1, 2] ⇔ t ∈ [−2, 1].
    let p = OneFactorProblem::new(vec![0.0], vec![0.0], vec![-1.0], vec![-1.0], vec![2.0]).unwrap();
    assert!(rel(p.integrate().value, cdf(1.0) - cdf(-2.0)) < 1e-14);
    // Excluded point mass (D = 0, λ = 0): probability 0.
    let p =
        OneFactorProblem::new(vec![1.0, 0.0], vec![0.0, 1.0], vec![0.0, 1.0], vec![-INF; 2], vec![0.0; 2])
            .unwrap();
    assert_eq!(p.integrate().value, 0.0);
    // Empty t-range.
    let p =
        OneFactorProblem::new(vec![0.0; 2], vec![0.0; 2], vec![1.0, 1.0], vec![1.0, -INF], vec![INF, 0.0])
            .unwrap();
    assert_eq!(p.integrate().value, 0.0);
}

/// Central finite difference of P in one limit (or, with `mean_shift`, in the mean).
fn finite_difference(p: &OneFactorProblem, k: usize, which: usize, h: f64) -> f64 {
    let make = |delta: f64| {
        let (mut m, mut a, mut b) = (p.mean().to_vec(), p.lower().to_vec(), p.upper().to_vec());
        match which {
            0 => a[k] += delta,
            1 => b[k] += delta,
            _ => m[k] += delta,
        }
        OneFactorProblem::new(m, p.diagonal().to_vec(), p.loading().to_vec(), a, b).unwrap().integrate().value
    };
    (make(h) - make(-h)) / (2.0 * h)
}

fn gradient_cases() -> Vec<OneFactorProblem> {
    vec![
        OneFactorProblem::new(
            vec![0.2, -0.5, 1.0, 0.0, 0.3],
            vec![1.0, 0.5, 2.0, 0.8, 0.1],
            vec![0.7, -1.2, 0.4, 0.0, 2.0],
            vec![-1.0, -INF, -0.5, -2.0, -INF],
            vec![1.5, 0.7, INF, 1.0, 0.9],
        )
        .unwrap(),
        // With an indicator coordinate (D = 0) that cuts the t-range on both sides.
        OneFactorProblem::new(
            vec![0.0, 0.1, -0.2],
            vec![0.0, 1.0, 0.6],
            vec![-0.8, 0.5, 1.1],
            vec![-0.6, -1.0, -INF],
            vec![0.9, INF, 0.4],
        )
        .unwrap(),
        // Small probability (~1e-9).
        OneFactorProblem::new(vec![0.0; 3], vec![0.3; 3], vec![0.9; 3], vec![2.5; 3], vec![INF; 3]).unwrap(),
    ]
}

#[test]
fn gradient_matches_central_finite_differences() {
    let mut worst = 0.0f64;
    for p in gradient_cases() {
        let (e, g) = p.integrate_with_gradient();
        assert!(rel(e.value, p.integrate().value) < 1e-14);
        let scale = e.value;
        for k in 0..p.dim() {
            for (which, analytic) in [(0, g.lower[k]), (1, g.upper[k]), (2, g.mean[k])] {
                let limit = [p.lower()[k], p.upper()[k], 0.0][which];
                if !limit.is_finite() {
                    assert_eq!(analytic, 0.0, "infinite limit must have zero derivative");
                    continue;
                }
                let h = 1e-4;
                let fd = finite_difference(&p, k, which, h);
                let err = (analytic - fd).abs() / analytic.abs().max(scale);
                worst = worst.max(err);
                assert!(
                    err < 1e-7,
                    "k = {k}, which = {which}: analytic {analytic:e} vs fd {fd:e} (P = {scale:e})"
                );
            }
        }
        // ∂P/∂μ = −(∂P/∂a + ∂P/∂b).
        for k in 0..p.dim() {
            assert!((g.mean[k] + g.lower[k] + g.upper[k]).abs() <= 1e-15 * scale.max(g.mean[k].abs()));
        }
        // Σ_k ∂P/∂b_k = d/ds P(b + s·1) (finite upper limits only move).
        let shifted = |s: f64| {
            let b: Vec<f64> = p.upper().iter().map(|&x| x + s).collect();
            OneFactorProblem::new(
                p.mean().to_vec(),
                p.diagonal().to_vec(),
                p.loading().to_vec(),
                p.lower().to_vec(),
                b,
            )
            .unwrap()
            .integrate()
            .value
        };
        let fd = (shifted(1e-4) - shifted(-1e-4)) / 2e-4;
        let sum: f64 = g.upper.iter().sum();
        assert!((sum - fd).abs() < 1e-7 * sum.abs().max(scale), "{sum:e} vs {fd:e}");
    }
    eprintln!("max relative gradient error vs finite differences: {worst:e}");
}

#[test]
fn shifted_orthant_gradient_matches_finite_differences_and_closed_forms() {
    // n = 1: A = P(d + ε + z > 0) = Φ(d/√2); ∂A/∂d = φ(d/√2)/√2.
    for &d in &[-30.0, -3.0, 0.0, 1.7, 9.0] {
        let mut g = [0.0];
        let log_a = shifted_orthant_log_value_and_gradient(&[d], &mut g);
        let x = d / 2f64.sqrt();
        assert!((log_a - log_cdf(x)).abs() < 1e-14 * log_cdf(x).abs().max(1.0), "d = {d}");
        let dlog = mvn_orthant::normal::pdf(x) / 2f64.sqrt() / cdf(x);
        if d > -20.0 {
            // Components far smaller than P are accurate relative to the scale of ln P's gradient.
            assert!((g[0] - dlog).abs() < 1e-11 * dlog + 1e-14, "d = {d}: {} vs {dlog}", g[0]);
        }
    }
    let d: Vec<f64> = (0..50).map(|i| ((i * 37) % 11) as f64 * 0.4 - 1.5).collect();
    let mut g = vec![0.0; d.len()];
    let log_a = shifted_orthant_log_value_and_gradient(&d, &mut g);
    let a = log_a.exp();
    for k in [0usize, 7, 23, 49] {
        let h = 1e-4;
        let (mut dp, mut dm) = (d.clone(), d.clone());
        dp[k] += h;
        dm[k] -= h;
        let fd = (shifted_orthant_log_value(&dp).exp() - shifted_orthant_log_value(&dm).exp()) / (2.0 * h);
        assert!(rel(a * g[k], fd) < 1e-7, "k = {k}: {} vs {fd}", a * g[k]);
    }
    // Agrees with the general path (D = I, λ = 1, limits (−d, ∞) on X = ε + t ~ N(0, I + 11ᵀ)).
    let n = d.len();
    let p = OneFactorProblem::new(
        vec![0.0; n],
        vec![1.0; n],
        vec![1.0; n],
        d.iter().map(|x| -x).collect(),
        vec![INF; n],
    )
    .unwrap();
    let (e, gg) = p.integrate_with_gradient();
    assert!(rel(e.value, a) < 1e-13);
    for k in 0..n {
        // ∂A/∂d_k = −∂P/∂a_k.
        assert!(rel(-gg.lower[k], a * g[k]) < 1e-11, "k = {k}");
    }
}

fn parse_list(s: &str) -> Vec<f64> {
    s.split(';')
        .map(|x| match x {
            "inf" => INF,
            "-inf" => -INF,
            v => v.parse().unwrap(),
        })
        .collect()
}

/// The mpmath table (50 digits; `tests/data/generate_one_factor_table.py`): ln P to ~1e-13
/// relative (absolute where ln P is tiny, i.e. P ≈ 1, where this is a relative bound on P), and
/// P itself to 1e-12 relative wherever it is a normal double.
#[test]
fn matches_mpmath_table() {
    let table = include_str!("data/one_factor_reference.csv");
    let (mut worst_p, mut worst_log, mut rows) = (0.0f64, 0.0f64, 0);
    for line in table.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (name, ln_p, p_ref): (&str, f64, f64) = (f[0], f[3].parse().unwrap(), f[4].parse().unwrap());
        let p = OneFactorProblem::new(
            parse_list(f[5]),
            parse_list(f[6]),
            parse_list(f[7]),
            parse_list(f[8]),
            parse_list(f[9]),
        )
        .unwrap();
        let e = p.integrate();
        let log_err = (e.log_value - ln_p).abs() / ln_p.abs().max(1.0);
        worst_log = worst_log.max(log_err);
        assert!(log_err < 1e-13, "{name}: ln P = {} vs {ln_p} ({log_err:e})", e.log_value);
        if p_ref >= 1e-300 {
            let r = rel(e.value, p_ref);
            worst_p = worst_p.max(r);
            assert!(
                r < 1e-12,
                "{name}: P = {:e} vs {p_ref:e} (relative {r:e}, {} nodes)",
                e.value,
                e.evaluations
            );
        }
        // The gradient path returns the same value.
        let (eg, _) = p.integrate_with_gradient();
        assert!((eg.log_value - e.log_value).abs() <= 1e-14 * e.log_value.abs().max(1e-3), "{name}");
        // Through a full Problem and detection, where the covariance is positive enough to build.
        rows += 1;
    }
    assert!(rows >= 12, "table has {rows} rows");
    eprintln!("mpmath table: {rows} rows, max relative error of P {worst_p:e}, of ln P {worst_log:e}");
}

/// A wall far from the peak: 299 classes at the same shift d = 6.283203913585057 put A close
/// to 1 (1 − A = 9.24e-4), and the factors Φ(d + z)^299 fall from 1 to 0 within half a unit
/// near z = −3.5, a narrow feature beside the wide peak at 0. The trapezoid rule once accepted
/// a step whose value was off by 9.3e-13 of A (its convergence check assumed the error to fall
/// ever faster as the step halves, which a second, narrower feature breaks). Reference
/// 1 − A = ∫ φ(z)(1 − Φ(d + z)^299) dz by mpmath at 40 digits (`mp.quad` of
/// `npdf(z)·(−expm1(299·log(ncdf(d + z))))` over panels split at −d/2 ± 3, 6, 14):
/// 9.2407804321232618487e-4.
#[test]
fn a_wall_far_from_the_peak_is_resolved() {
    let shifts = vec![6.283203913585057; 299];
    let log_a = shifted_orthant_log_value(&shifts);
    let error_probability = 9.240_780_432_123_262e-4;
    // ln A = log1p(−(1 − A)) to rounding; compare A through its complement.
    let relative = (-log_a.exp_m1() / error_probability - 1.0).abs();
    assert!(relative < 1e-12, "1 − A off by {relative:e} of itself");
}
