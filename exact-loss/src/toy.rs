//! The toy problem of the EXACT paper: points x = [−6, −5, −4, 0, 2] with labels
//! [0, 1, 1, 0, 1], logits [0, x − b], only the bias b trained.
//!
//! Accuracy is 80% for b ∈ (−6, −5) (only x = 0 is wrong) and at most 60% at the cross-entropy
//! optimum (b ≈ −4.23) and at the hinge optimum (b = −5, where x = −5 ties).

use crate::{ExactLoss, GeometricSchedule, GradientNormalizer, Objective, Sigma};

/// The points.
pub const POINTS: [f64; 5] = [-6.0, -5.0, -4.0, 0.0, 2.0];
/// The labels.
pub const LABELS: [usize; 5] = [0, 1, 1, 0, 1];

fn logits(b: f64) -> Vec<f64> {
    POINTS.iter().flat_map(|&x| [0.0, x - b]).collect()
}

/// Fraction of points whose true class has the strictly larger logit.
pub fn accuracy(b: f64) -> f64 {
    let correct =
        POINTS.iter().zip(LABELS).filter(|&(&x, y)| if y == 1 { x - b > 0.0 } else { x - b < 0.0 }).count();
    correct as f64 / POINTS.len() as f64
}

/// Trains b from 0 by gradient descent on 1 − mean A with σ annealed geometrically from 100 to
/// 0.05 over 3000 steps, the gradient normaliser of the authors, and step 0.02.
pub fn train_exact_bias() -> f64 {
    let steps = 3000;
    let schedule = GeometricSchedule::new(100.0, 0.05, steps).expect("valid schedule");
    let loss = ExactLoss {
        normalize: false,
        margin: None,
        objective: Objective::OneMinusAccuracy,
        ..ExactLoss::default()
    };
    let mut normalizer = GradientNormalizer::default();
    let mut b = 0.0;
    for step in 0..steps {
        let out =
            loss.evaluate(&logits(b), 2, &LABELS, Sigma::Scalar(schedule.value(step))).expect("valid input");
        // logit_1 = x − b, so ∂loss/∂b = −Σ ∂loss/∂logit_1.
        let mut grad = [-out.gradient.iter().skip(1).step_by(2).sum::<f64>()];
        normalizer.normalize(&mut grad);
        b -= 0.02 * grad[0];
    }
    b
}

/// The minimiser of the logistic (cross-entropy) loss Σ ln(1 + exp(−s_i(x_i − b))), s = ±1,
/// by Newton's method.
pub fn cross_entropy_optimum() -> f64 {
    let mut b = 0.0;
    for _ in 0..100 {
        let (mut g, mut h) = (0.0, 0.0);
        for (&x, y) in POINTS.iter().zip(LABELS) {
            let s = if y == 1 { 1.0 } else { -1.0 };
            let p = 1.0 / (1.0 + (s * (x - b)).exp()); // σ(−s m)
            g += s * p; // ∂/∂b of ln(1 + e^{−s(x−b)})
            h += p * (1.0 - p);
        }
        b -= g / h;
    }
    b
}

/// The minimiser of the hinge loss Σ max(0, 1 − s_i(x_i − b)) (piecewise linear: the best kink).
pub fn hinge_optimum() -> f64 {
    let hinge = |b: f64| {
        POINTS
            .iter()
            .zip(LABELS)
            .map(|(&x, y)| (1.0 - if y == 1 { 1.0 } else { -1.0 } * (x - b)).max(0.0))
            .sum::<f64>()
    };
    let kinks = POINTS.iter().flat_map(|&x| [x - 1.0, x + 1.0]);
    kinks
        .fold((f64::NAN, f64::INFINITY), |(bb, bv), b| if hinge(b) < bv { (b, hinge(b)) } else { (bb, bv) })
        .0
}
