//! Loss values and gradients: cross-entropy, hinge and the EXACT batch objective against finite
//! differences; the EXACT orthant quadrature against closed forms and mvn-orthant's independent
//! adaptive one-factor integrator.

use exact_loss::{Backend, ExactLoss, Sigma};
use exact_train::losses::{
    cross_entropy, exact_objective, expected_accuracy_fast, hinge, trapezoid_rule, ExactBackend,
};
use mvn_orthant::normal::cdf;
use mvn_orthant::one_factor::shifted_orthant_log_value_and_gradient;
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Pseudo-random scores in [−2, 2) from a fixed Xoshiro256++ stream.
fn scores(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n).map(|_| 4.0 * ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64) - 2.0).collect()
}

/// Central finite differences of `f` at `x` (step `h`), compared with `grad` entry by entry in
/// relative terms: |FD − g_j| ≤ `rel`·|FD| + 1e-9, where 1e-9 covers the rounding of the
/// difference quotient (≈ ε·|f|/h ≈ 2e-10 for |f| ≤ 1 and h = 1e-6), so a small component is held
/// to the same relative accuracy as the largest.
fn check_gradient(f: &dyn Fn(&[f64]) -> f64, x: &[f64], grad: &[f64], h: f64, rel: f64, what: &str) {
    for j in 0..x.len() {
        let mut xp = x.to_vec();
        let mut xm = x.to_vec();
        xp[j] += h;
        xm[j] -= h;
        let fd = (f(&xp) - f(&xm)) / (2.0 * h);
        assert!(
            (fd - grad[j]).abs() <= rel * fd.abs() + 1e-9,
            "{what}: entry {j}: analytic {} vs FD {fd}",
            grad[j]
        );
    }
}

#[test]
fn cross_entropy_gradient_matches_finite_differences() {
    let (b, c) = (5, 4);
    let labels = [0, 3, 1, 2, 3];
    let x = scores(b * c, 1);
    let (_, grad) = cross_entropy(&x, &labels, c);
    check_gradient(&|s| cross_entropy(s, &labels, c).0, &x, &grad, 1e-5, 1e-6, "cross-entropy");
    // Closed form: equal scores give ln C.
    let (l, _) = cross_entropy(&[0.3; 8], &[1, 2], 4);
    assert!((l - 4f64.ln()).abs() < 1e-15);
    // Large scores do not overflow.
    let (l, g) = cross_entropy(&[1000.0, 0.0], &[0], 2);
    assert!(l.abs() < 1e-300 && g.iter().all(|v| v.is_finite()));
}

#[test]
fn hinge_gradient_matches_finite_differences() {
    let (b, c) = (6, 3);
    let labels = [0, 1, 2, 2, 1, 0];
    let x = scores(b * c, 2);
    for margin in [0.1, 1.0, 5.0] {
        let (_, grad) = hinge(&x, &labels, c, margin);
        // Away from the kinks (none of these random deltas is within 1e−4 of the margin).
        check_gradient(&|s| hinge(s, &labels, c, margin).0, &x, &grad, 1e-6, 1e-6, "hinge");
    }
    // Hand value: scores (2, 0, 1.5), y = 0, m = 1: terms max(0, 1 − 2) = 0 and max(0, 1 − 0.5) = 0.5,
    // mean over the two wrong classes = 0.25.
    let (l, g) = hinge(&[2.0, 0.0, 1.5], &[0], 3, 1.0);
    assert_eq!(l, 0.25);
    assert_eq!(g, vec![-0.5, 0.0, 0.5]);
}

#[test]
fn fast_orthant_matches_closed_forms_and_adaptive_integrator() {
    let mut grad = [0.0; 9];
    let mut work = vec![0.0; 18];
    // C = 2: A = Φ(d/√2); all-zero deltas: A = 1/C.
    for d in [-6.0, -2.0, -0.3, 0.0, 0.7, 3.0, 8.0] {
        let a = expected_accuracy_fast(&[d], &mut grad[..1], &mut work);
        assert!((a - cdf(d / 2f64.sqrt())).abs() < 1e-12, "C = 2, d = {d}: {a}");
    }
    for c in 2..=10 {
        let a = expected_accuracy_fast(&vec![0.0; c - 1], &mut grad[..c - 1], &mut work);
        assert!((a - 1.0 / c as f64).abs() < 1e-12, "C = {c}: {a}");
    }
    // Against mvn-orthant's adaptive Gauss–Kronrod one-factor integrator, with gradients.
    for seed in 0..20 {
        let m = 1 + (seed as usize % 9);
        let d: Vec<f64> = scores(m, 100 + seed).iter().map(|v| 3.0 * v).collect();
        let mut g_ref = vec![0.0; m];
        let a_ref = shifted_orthant_log_value_and_gradient(&d, &mut g_ref).exp();
        let a = expected_accuracy_fast(&d, &mut grad[..m], &mut work);
        assert!((a - a_ref).abs() < 1e-11, "{d:?}: {a} vs {a_ref}");
        for k in 0..m {
            let gk = a_ref * g_ref[k]; // ∂A/∂d_k = A · ∂ln A/∂d_k
            assert!((grad[k] - gk).abs() < 1e-11, "{d:?}, k = {k}: {} vs {gk}", grad[k]);
        }
    }
}

/// The training objective with the trapezoidal rule: loss and gradient.
fn trapezoid(x: &[f64], labels: &[usize], c: usize, sigma: f64, margin: Option<f64>) -> (f64, Vec<f64>) {
    let out = exact_objective(x, labels, c, sigma, margin, ExactBackend::Trapezoid).unwrap();
    (out.loss, out.gradient)
}

#[test]
fn exact_objective_gradient_matches_finite_differences() {
    // Through the batch normalisation, the margin clipping and the division by σ.
    let (b, c) = (4, 3);
    let labels = [0, 2, 1, 2];
    let x = scores(b * c, 3);
    for (sigma, margin) in [(1.0, None), (0.5, Some(0.8)), (3.0, Some(5.0))] {
        let (_, grad) = trapezoid(&x, &labels, c, sigma, margin);
        check_gradient(&|s| trapezoid(s, &labels, c, sigma, margin).0, &x, &grad, 1e-6, 1e-6, "exact");
    }
    // The loss is invariant to adding a constant and to a positive scaling of all scores (batch
    // normalisation), and the gradient sums to zero.
    let (l0, g0) = trapezoid(&x, &labels, c, 1.0, None);
    let shifted: Vec<f64> = x.iter().map(|v| 3.0 * v + 7.0).collect();
    let (l1, _) = trapezoid(&shifted, &labels, c, 1.0, None);
    assert!((l0 - l1).abs() < 1e-12);
    assert!(g0.iter().sum::<f64>().abs() < 1e-12);
}

#[test]
fn the_batch_is_normalised_by_the_population_standard_deviation() {
    // The one convention (exact_loss::loss): z = (x − m)/s with s² = (1/N) Σ (x − m)², N = B·C.
    // Normalising by hand and evaluating without normalisation gives the same loss.
    let (b, c) = (5, 4);
    let labels = [0, 3, 1, 2, 3];
    let x = scores(b * c, 5);
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let s = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
    let z: Vec<f64> = x.iter().map(|v| (v - m) / s).collect();
    for (sigma, margin) in [(1.0, None), (0.4, Some(0.7))] {
        let (ours, _) = trapezoid(&x, &labels, c, sigma, margin);
        let by_hand = ExactLoss { normalize: false, margin, ..ExactLoss::default() }
            .evaluate_with_rule(&z, c, &labels, Sigma::Scalar(sigma), |d, _| trapezoid_rule(d))
            .unwrap();
        assert!((ours - by_hand.loss).abs() <= 1e-14 * by_hand.loss, "{ours} vs {}", by_hand.loss);
        // The unbiased standard deviation (N − 1) would differ by far more than that.
        let k = ((n - 1.0) / n).sqrt();
        let z_unbiased: Vec<f64> = z.iter().map(|v| v * k).collect();
        let (unbiased, _) = trapezoid(&z_unbiased, &labels, c, sigma, margin);
        let unnormalised = ExactLoss { normalize: false, margin, ..ExactLoss::default() }
            .evaluate_with_rule(&z_unbiased, c, &labels, Sigma::Scalar(sigma), |d, _| trapezoid_rule(d))
            .unwrap();
        assert!((unbiased - ours).abs() < 1e-14, "normalisation is scale-invariant");
        assert!((unnormalised.loss - ours).abs() > 1e-4, "{} vs {ours}", unnormalised.loss);
    }
}

#[test]
fn trapezoid_objective_agrees_with_the_adaptive_quadrature() {
    // Same objective (exact-loss's ExactLoss), two evaluations of A: the fixed trapezoidal rule and
    // exact-loss's adaptive one-factor quadrature.
    let (b, c) = (6, 4);
    let labels = [0, 3, 1, 2, 3, 0];
    let x = scores(b * c, 9);
    for (sigma, margin) in [(1.0, None), (0.3, Some(0.5)), (2.0, Some(1.0))] {
        let fast = exact_objective(&x, &labels, c, sigma, margin, ExactBackend::Trapezoid).unwrap();
        let adaptive =
            exact_objective(&x, &labels, c, sigma, margin, ExactBackend::Crate(Backend::Quadrature)).unwrap();
        assert!((fast.loss - adaptive.loss).abs() < 1e-11, "σ = {sigma}: {} vs {}", fast.loss, adaptive.loss);
        assert!((fast.mean_accuracy - adaptive.mean_accuracy).abs() < 1e-11);
        for (a, t) in fast.gradient.iter().zip(&adaptive.gradient) {
            assert!((a - t).abs() < 1e-11, "σ = {sigma}: gradient {a} vs {t}");
        }
    }
    // Bad input is a typed error, not a panic or a NaN.
    assert!(exact_objective(&[f64::NAN, 0.0], &[0], 2, 1.0, None, ExactBackend::Trapezoid).is_err());
    assert!(exact_objective(&[1.0, 0.0], &[0], 2, 0.0, None, ExactBackend::Trapezoid).is_err());
}
