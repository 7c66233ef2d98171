//! Shared fixtures for the criterion benchmarks of `mvn-orthant` and `exact-loss`: the problems
//! every bench and the work-precision sweep use, so that timings refer to the same inputs.

use mvn_orthant::{Covariance, Problem};

/// The equicorrelated ρ = ½ lower orthant P(X ≤ 0) in dimension d (exact value 1/(d + 1)), the
/// anchor problem of the comparison with R's mvtnorm.
pub fn equicorrelated_orthant(d: usize) -> Problem {
    Problem::lower_orthant(Covariance::equicorrelated(d, 0.5).expect("valid"), vec![0.0; d]).expect("valid")
}

/// A reproducible random correlation matrix of dimension d: G Gᵀ + 0.1·I rescaled to unit
/// diagonal, with G a d × d matrix of entries from a fixed linear congruential stream.
pub fn random_correlation(d: usize, seed: u64) -> Covariance {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let g: Vec<f64> = (0..d * d).map(|_| next()).collect();
    let mut a = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let v: f64 =
                (0..d).map(|k| g[i * d + k] * g[j * d + k]).sum::<f64>() + if i == j { 0.1 } else { 0.0 };
            a[i * d + j] = v;
            a[j * d + i] = v;
        }
    }
    let s: Vec<f64> = (0..d).map(|i| a[i * d + i].sqrt()).collect();
    for i in 0..d {
        for j in 0..d {
            a[i * d + j] /= s[i] * s[j];
        }
    }
    Covariance::from_row_major(d, a).expect("positive definite by construction")
}

/// A box problem on a random correlation matrix: limits (−1, 1.5) shifted per coordinate.
pub fn random_box(d: usize, seed: u64) -> Problem {
    let lower: Vec<f64> = (0..d).map(|i| -1.0 - 0.1 * (i % 5) as f64).collect();
    let upper: Vec<f64> = (0..d).map(|i| 1.5 + 0.1 * (i % 3) as f64).collect();
    Problem::new(vec![0.0; d], random_correlation(d, seed), lower, upper).expect("valid")
}

/// A reproducible EXACT batch: `batch × classes` logits (row-major) from N(0, 1) by a fixed linear
/// congruential stream and the Box–Muller transform, with the label's logit raised by 1 so the
/// true class usually leads (accuracies spread over (0, 1) rather than all near 1/C), and labels
/// cycling through the classes.
pub fn exact_loss_batch(batch: usize, classes: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut uniform = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut logits = Vec::with_capacity(batch * classes);
    for _ in 0..batch * classes {
        let (u, v) = (uniform(), uniform());
        logits.push((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos());
    }
    let labels: Vec<usize> = (0..batch).map(|b| (b * 7 + 3) % classes).collect();
    for (b, &y) in labels.iter().enumerate() {
        logits[b * classes + y] += 1.0;
    }
    (logits, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_valid_and_reproducible() {
        assert_eq!(random_correlation(7, 3), random_correlation(7, 3));
        assert_ne!(random_correlation(7, 3), random_correlation(7, 4));
        assert_eq!(equicorrelated_orthant(5).dim(), 5);
        assert_eq!(random_box(12, 1).dim(), 12);
        let (logits, labels) = exact_loss_batch(4, 3, 1);
        assert_eq!((logits.len(), labels.len()), (12, 4));
        assert!(logits.iter().all(|x| x.is_finite()) && labels.iter().all(|&y| y < 3));
        assert_eq!(exact_loss_batch(4, 3, 1), (logits, labels));
    }
}
