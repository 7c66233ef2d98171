//! Invariants of the expected accuracy and the EXACT loss (issue 6).

use exact_loss::accuracy::{accuracy_of_shifts, expected_accuracy, expected_accuracy_batch, Backend, Sigma};
use exact_loss::delta::{delta_matrix, orthant_problem};
use exact_loss::{ExactLoss, GeometricSchedule, GradientNormalizer, LossError, Objective};
use mvn_orthant::normal::cdf;
use mvn_orthant::{Covariance, Integrator, OneFactor};
use proptest::prelude::*;

const Q: Backend = Backend::Quadrature;

#[test]
fn equal_logits_give_one_over_c() {
    for c in [2usize, 3, 10, 100, 1000] {
        let a = expected_accuracy(&vec![0.7; c], c / 2, 1.3, Q).unwrap();
        assert!((a.value * c as f64 - 1.0).abs() < 1e-12, "C = {c}: {}", a.value);
        // Gradient: symmetric; ∂A/∂μ sums to 0 (shift invariance) and ∂A/∂σ = 0.
        assert!(a.d_logits.iter().sum::<f64>().abs() < 1e-14 && a.d_sigma.abs() < 1e-14);
    }
}

#[test]
fn two_classes_closed_form() {
    for &(m0, m1, s) in &[(0.0, 1.0, 1.0), (2.0, -3.0, 0.5), (0.0, 30.0, 1.0), (1.0, 1.5, 10.0)] {
        let a = expected_accuracy(&[m0, m1], 0, s, Q).unwrap();
        let exact = cdf((m0 - m1) / (s * 2f64.sqrt()));
        assert!((a.value / exact - 1.0).abs() < 1e-13, "{m0} {m1} {s}: {} vs {exact}", a.value);
    }
}

/// Two classes take the closed form A = Φ(d/√2) (`accuracy_of_shifts`); against the peak-centred
/// quadrature of the EXACT orthant (`shifted_orthant_log_value_and_gradient`) for ln A and
/// ∂ ln A/∂d (ln A to 2e-14 of max(1, |ln A|)), and against the complement quadrature for
/// ln(1 − A) (relative), from A ≈ 1e-300 to A = 1 − 1e-300.
#[test]
fn two_classes_closed_form_matches_the_quadratures() {
    use mvn_orthant::one_factor::shifted_orthant_log_value_and_gradient;
    for d in [-52.0, -20.0, -3.0, -0.4, 0.0, 0.9, 4.0, 11.0, 30.0, 52.0] {
        let a = accuracy_of_shifts(&[d], &Q, 0);
        let mut log_gradient = [0.0];
        let log_value = shifted_orthant_log_value_and_gradient(&[d], &mut log_gradient);
        assert!(
            (a.log_value - log_value).abs() <= 2e-14 * log_value.abs().max(1.0),
            "d = {d}: ln A {} vs {log_value}",
            a.log_value
        );
        assert!(
            // Relative, and absolute where A is close to 1 (the quadrature of A, not of 1 − A).
            (a.log_gradient[0] - log_gradient[0]).abs() <= 1e-12 * (log_gradient[0].abs() + 1e-3),
            "d = {d}: {} vs {}",
            a.log_gradient[0],
            log_gradient[0]
        );
        // The shift is (μ_y − μ_o)/σ = d with σ = 1.
        let log_error = exact_loss::log_error_probability(&[d, 0.0], 0, 1.0).unwrap();
        if log_error == 0.0 {
            // 1 − A = 1 − Φ(d/√2) rounds to 1 there; the closed form keeps −Φ(d/√2).
            let want = -cdf(d * std::f64::consts::FRAC_1_SQRT_2);
            assert!((a.log_error_probability / want - 1.0).abs() <= 1e-15, "d = {d}");
        } else {
            let error = (a.log_error_probability / log_error - 1.0).abs();
            assert!(error <= 1e-13, "d = {d}: ln(1 − A) {} vs {log_error}", a.log_error_probability);
        }
    }
}

#[test]
fn delta_reduction_matches_general_path() {
    let d = delta_matrix(4, 2).unwrap();
    assert_eq!(d.len(), 12);
    let mean = [0.3, -1.0, 0.8, 0.1];
    let sigma = 0.9;
    let cov = Covariance::from_row_major(
        4,
        (0..16).map(|k| if k % 5 == 0 { sigma * sigma } else { 0.0 }).collect(),
    )
    .unwrap();
    let p = orthant_problem(&mean, &cov, 2).unwrap();
    let via_general = OneFactor.integrate(&p).unwrap().value;
    let direct = expected_accuracy(&mean, 2, sigma, Q).unwrap().value;
    assert!((via_general / direct - 1.0).abs() < 1e-13);
    assert_eq!(delta_matrix(1, 0).unwrap(), Vec::<f64>::new());
    assert!(matches!(delta_matrix(0, 0), Err(LossError::TooFewClasses { .. })));
    assert!(matches!(delta_matrix(3, 3), Err(LossError::LabelOutOfRange { .. })));
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(matches!(expected_accuracy(&[], 0, 1.0, Q), Err(LossError::TooFewClasses { .. })));
    assert!(matches!(expected_accuracy(&[1.0, 2.0], 2, 1.0, Q), Err(LossError::LabelOutOfRange { .. })));
    assert!(matches!(expected_accuracy(&[1.0, f64::NAN], 0, 1.0, Q), Err(LossError::NonFiniteLogit { .. })));
    assert!(matches!(expected_accuracy(&[1.0, 2.0], 0, 0.0, Q), Err(LossError::InvalidSigma { .. })));
    assert!(matches!(expected_accuracy(&[1.0, 2.0], 0, -1.0, Q), Err(LossError::InvalidSigma { .. })));
    assert!(matches!(
        expected_accuracy_batch(&[0.0; 5], 2, &[0, 1], Sigma::Scalar(1.0), Q),
        Err(LossError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        expected_accuracy_batch(&[0.0; 4], 2, &[0, 1], Sigma::PerExample(&[1.0]), Q),
        Err(LossError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        expected_accuracy(&[0.0, 1.0], 0, 1.0, Backend::Genz { samples: 0, seed: 1 }),
        Err(LossError::InvalidSetting { .. })
    ));
}

#[test]
fn gradients_match_finite_differences() {
    let logits = [0.4, -1.2, 2.0, 0.0, 0.9, -0.3];
    let (y, s) = (2usize, 0.8);
    let a = expected_accuracy(&logits, y, s, Q).unwrap();
    let h = 1e-5;
    for k in 0..logits.len() {
        let (mut p, mut m) = (logits, logits);
        p[k] += h;
        m[k] -= h;
        let fd = (expected_accuracy(&p, y, s, Q).unwrap().value
            - expected_accuracy(&m, y, s, Q).unwrap().value)
            / (2.0 * h);
        assert!(
            (a.d_logits[k] - fd).abs() < 1e-8 * fd.abs().max(a.value),
            "k = {k}: {} vs {fd}",
            a.d_logits[k]
        );
    }
    let fd = (expected_accuracy(&logits, y, s + h, Q).unwrap().value
        - expected_accuracy(&logits, y, s - h, Q).unwrap().value)
        / (2.0 * h);
    assert!((a.d_sigma - fd).abs() < 1e-8 * fd.abs().max(a.value));
}

#[test]
fn loss_gradient_matches_finite_differences_with_normalisation_and_margin() {
    let logits = [0.4, -1.2, 2.0, 0.0, 0.9, -0.3, 1.5, 1.4, -2.0, 0.2, 0.1, 0.0];
    let labels = [2usize, 0, 1];
    for objective in [Objective::OneMinusAccuracy, Objective::NegativeLogAccuracy] {
        let loss = ExactLoss { normalize: true, margin: Some(1.0), objective, backend: Q };
        let sigma = Sigma::Scalar(0.7);
        let out = loss.evaluate(&logits, 4, &labels, sigma).unwrap();
        let h = 1e-6;
        for k in 0..logits.len() {
            let (mut p, mut m) = (logits, logits);
            p[k] += h;
            m[k] -= h;
            let fd = (loss.evaluate(&p, 4, &labels, sigma).unwrap().loss
                - loss.evaluate(&m, 4, &labels, sigma).unwrap().loss)
                / (2.0 * h);
            assert!(
                (out.gradient[k] - fd).abs() < 1e-7,
                "{objective:?} k = {k}: {} vs {fd}",
                out.gradient[k]
            );
        }
    }
}

#[test]
fn backends_agree_within_error_estimates_and_genz_is_unbiased() {
    let shifts = [0.3, -0.5, 1.2, 0.0, 2.0];
    let exact = accuracy_of_shifts(&shifts, &Q, 0);
    let genz = accuracy_of_shifts(&shifts, &Backend::Genz { samples: 20_000, seed: 5 }, 0);
    let mc = accuracy_of_shifts(&shifts, &Backend::MonteCarlo { samples: 200_000, seed: 9 }, 0);
    assert!(
        (genz.value - exact.value).abs() <= genz.error,
        "genz {} ± {} vs {}",
        genz.value,
        genz.error,
        exact.value
    );
    assert!((mc.value - exact.value).abs() <= mc.error, "mc {} ± {} vs {}", mc.value, mc.error, exact.value);
    for k in 0..shifts.len() {
        assert!(
            (genz.gradient[k] - exact.gradient[k]).abs() <= genz.gradient_error[k] + 1e-12,
            "genz grad {k}"
        );
        assert!((mc.gradient[k] - exact.gradient[k]).abs() <= mc.gradient_error[k], "mc grad {k}");
    }
    // Unbiasedness of the 16-sample estimator: mean over 400 seeds within 3 standard errors.
    let values: Vec<f64> = (0..400u64)
        .map(|seed| accuracy_of_shifts(&shifts, &Backend::Genz { samples: 16, seed }, 0).value)
        .collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((mean - exact.value).abs() <= 3.0 * sd / n.sqrt(), "{mean} vs {}", exact.value);
}

#[test]
fn batches_are_deterministic_and_match_single_examples() {
    let c = 7;
    let logits: Vec<f64> = (0..20 * c).map(|i| ((i * 31) % 17) as f64 * 0.3 - 2.0).collect();
    let labels: Vec<usize> = (0..20).map(|i| (i * 3) % c).collect();
    let backend = Backend::Genz { samples: 16, seed: 42 };
    let a = expected_accuracy_batch(&logits, c, &labels, Sigma::Scalar(1.1), backend).unwrap();
    let b = expected_accuracy_batch(&logits, c, &labels, Sigma::Scalar(1.1), backend).unwrap();
    assert_eq!(a, b);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let single =
        pool.install(|| expected_accuracy_batch(&logits, c, &labels, Sigma::Scalar(1.1), backend).unwrap());
    assert_eq!(a, single);
    let q = expected_accuracy_batch(&logits, c, &labels, Sigma::Scalar(1.1), Q).unwrap();
    for (i, r) in q.iter().enumerate() {
        assert_eq!(r, &expected_accuracy(&logits[i * c..(i + 1) * c], labels[i], 1.1, Q).unwrap());
    }
}

#[test]
fn schedule_and_normaliser() {
    let s = GeometricSchedule::new(10.0, 0.01, 4).unwrap();
    let v: Vec<f64> = (0..4).map(|k| s.value(k)).collect();
    assert!((v[0] - 10.0).abs() < 1e-12 && (v[3] - 0.01).abs() < 1e-15 && (v[1] - 1.0).abs() < 1e-12);
    assert!(GeometricSchedule::new(0.0, 1.0, 3).is_err());
    let mut n = GradientNormalizer::default();
    let mut g = vec![3.0, 4.0];
    assert_eq!(n.normalize(&mut g), 5.0);
    let mut g = vec![0.0, 0.0];
    assert!((n.normalize(&mut g) - 4.5).abs() < 1e-15);
    let mut tiny = GradientNormalizer::default();
    let mut g = vec![1e-5];
    assert_eq!(tiny.normalize(&mut g), 0.01);
}

/// Half an ulp of x: the largest rounding error of an operation whose exact result rounds to x.
fn half_ulp(x: f64) -> f64 {
    let x = x.abs();
    if x == 0.0 {
        0.0
    } else {
        (f64::from_bits(x.to_bits() + 1) - x) / 2.0
    }
}

/// The relative change of A that rounding the inputs may cause: Σ_j |∂ ln A/∂μ_j| · δμ_j + |∂ ln A/∂σ| · δσ,
/// where δ are the rounding errors of the transformed inputs. A small A is steep in its inputs (at
/// σ = 0.05 and gaps near 5, ∂ ln A/∂μ is in the thousands), so an exact transformation of the
/// problem can change A by far more than rounding in the result alone.
fn input_rounding_bound(logits: &[f64], y: usize, sigma: f64) -> f64 {
    let a = expected_accuracy(logits, y, sigma, Q).unwrap();
    let through_logits: f64 = a.d_logits.iter().zip(logits).map(|(g, x)| g.abs() * half_ulp(*x)).sum();
    (through_logits + a.d_sigma.abs() * half_ulp(sigma)) / a.value
}

/// Whether `a` and `b` agree to `rel` relative to `b`; where `b` is near the underflow threshold
/// (the accuracy of a hopeless label, e^−900 say, rounds to 0 or a subnormal) both must be below
/// 1e-290 instead, since no relative statement holds there.
fn agree(a: f64, b: f64, rel: f64) -> bool {
    const UNDERFLOW_ZONE: f64 = 1e-290;
    if b < UNDERFLOW_ZONE {
        a < UNDERFLOW_ZONE
    } else {
        (a / b - 1.0).abs() < rel
    }
}

proptest! {
    // A fixed seed: every run (and every failure) is reproducible, so no regression file.
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_130),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn accuracies_over_labels_sum_to_one(
        c in 2usize..=50,
        seed in 0u64..1000,
        sigma in 0.05f64..20.0,
        spread in 0.0f64..5.0,
    ) {
        let logits: Vec<f64> = (0..c).map(|i| ((i as u64 * 2654435761 + seed * 97) % 1000) as f64 / 1000.0 * spread).collect();
        let total: f64 = (0..c).map(|y| expected_accuracy(&logits, y, sigma, Q).unwrap().value).sum();
        prop_assert!((total - 1.0).abs() < 1e-12, "Σ A = {}", total);
        // Shift invariance and joint scaling, up to what rounding the shifted or scaled inputs
        // can cause (`input_rounding_bound`, counted twice for safety) plus 1e-12 for the method.
        let y = (seed as usize) % c;
        let base = expected_accuracy(&logits, y, sigma, Q).unwrap().value;
        let shifted: Vec<f64> = logits.iter().map(|x| x + 3.7).collect();
        let scaled: Vec<f64> = logits.iter().map(|x| x * 2.5).collect();
        let a1 = expected_accuracy(&shifted, y, sigma, Q).unwrap().value;
        let a2 = expected_accuracy(&scaled, y, sigma * 2.5, Q).unwrap().value;
        let tol1 = 1e-12 + 2.0 * input_rounding_bound(&shifted, y, sigma);
        let tol2 = 1e-12 + 2.0 * input_rounding_bound(&scaled, y, sigma * 2.5);
        prop_assert!(agree(a1, base, tol1), "shift: {} vs {}, allowed {:e}", a1, base, tol1);
        prop_assert!(agree(a2, base, tol2), "scale: {} vs {}, allowed {:e}", a2, base, tol2);
    }
}

/// Cases proptest once found (the second failed in CI against an input-blind 1e-12: σ = 0.05 and
/// gaps near 4.7 make ∂ ln A/∂μ about 2000, so rounding x + 3.7 moves A by about 1e-12).
#[test]
fn transformation_invariance_on_past_failures() {
    for &(c, seed, sigma, spread) in
        &[(17usize, 275u64, 0.765945693377272, 4.176302208382239), (47, 896, 0.05, 4.69318484829198)]
    {
        let logits: Vec<f64> =
            (0..c).map(|i| ((i as u64 * 2654435761 + seed * 97) % 1000) as f64 / 1000.0 * spread).collect();
        let total: f64 = (0..c).map(|y| expected_accuracy(&logits, y, sigma, Q).unwrap().value).sum();
        assert!((total - 1.0).abs() < 1e-12, "Σ A = {total}");
        let y = (seed as usize) % c;
        let base = expected_accuracy(&logits, y, sigma, Q).unwrap().value;
        let shifted: Vec<f64> = logits.iter().map(|x| x + 3.7).collect();
        let a1 = expected_accuracy(&shifted, y, sigma, Q).unwrap().value;
        let tol = 1e-12 + 2.0 * input_rounding_bound(&shifted, y, sigma);
        assert!(agree(a1, base, tol), "c = {c}: {a1} vs {base}, allowed {tol:e}");
    }
}

/// Many classes, where the quadrature interpolates runs of crowded classes in the shift
/// (`mvn_orthant::one_factor`, "interpolation in the shift"): the accuracies over the C choices
/// of the true class sum to 1, and for every class k the derivatives ∂A_y/∂μ_k over the labels
/// y sum to 0 (the sum is 1 whatever μ). Logits spread like the speed probe's, 2·Φ⁻¹ of evenly
/// spaced quantiles in a scrambled order, at σ = 1 and 0.5.
///
/// Each gradient is accurate relative to its largest component, so the sums over the labels
/// are held to the sum of those largest components, Σ_y max_j |∂A_y/∂μ_j| (measured: 2.0e-16 of
/// it at worst), and to their own terms Σ_y |∂A_y/∂μ_k| only for the classes whose terms are
/// not negligible beside that (above 1e-10 of it; measured 2.7e-13 at σ = 0.5, 3.0e-14 and
/// 1.0e-14 at σ = 1, all three the same without the interpolation). Below that are classes far
/// below all others: at σ = 0.5 the lowest class's terms are about 1e-124, carried by the far
/// left tail of each example's integrand, which the trapezoid march leaves out once its bound
/// is below 1e-17 of the largest component, and their sum is off by 5e-3 of its terms (the same
/// without the interpolation).
#[test]
fn accuracies_and_their_gradients_sum_over_labels_at_many_classes() {
    use mvn_orthant::normal::inverse_cdf_unchecked;
    for &(c, sigma) in &[(300usize, 1.0), (1000, 1.0), (1000, 0.5)] {
        let logits: Vec<f64> = (0..c)
            .map(|i| 2.0 * inverse_cdf_unchecked(((i * 7919) % c) as f64 / c as f64 + 0.5 / c as f64))
            .collect();
        let (mut total, mut largest_sum) = (0.0, 0.0);
        let (mut gradient_sum, mut gradient_scale) = (vec![0.0; c], vec![0.0f64; c]);
        for y in 0..c {
            let a = expected_accuracy(&logits, y, sigma, Q).unwrap();
            total += a.value;
            largest_sum += a.d_logits.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            for (k, &g) in a.d_logits.iter().enumerate() {
                gradient_sum[k] += g;
                gradient_scale[k] += g.abs();
            }
        }
        let worst_absolute = gradient_sum.iter().fold(0.0f64, |w, s| w.max(s.abs())) / largest_sum;
        let worst_own = gradient_sum
            .iter()
            .zip(&gradient_scale)
            .filter(|(_, &m)| m > 1e-10 * largest_sum)
            .fold(0.0f64, |w, (&s, &m)| w.max(s.abs() / m));
        println!(
            "C = {c}, σ = {sigma}: Σ A − 1 = {:e}; Σ_y ∂A_y/∂μ_k at worst {worst_absolute:e} of Σ_y max_j |∂A_y/∂μ_j| and {worst_own:e} of its own terms",
            total - 1.0
        );
        assert!((total - 1.0).abs() < 1e-14, "C = {c}, σ = {sigma}: Σ A = {total}");
        assert!(worst_absolute < 1e-15, "C = {c}, σ = {sigma}: a gradient sum {worst_absolute:e}");
        assert!(worst_own < 1e-12, "C = {c}, σ = {sigma}: a gradient sum {worst_own:e} of its terms");
    }
}
