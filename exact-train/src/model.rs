//! The linear classifier `μ = W x + b` with its forward and backward passes.

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A linear model with `C` outputs (one score per class) on `f` features: `μ = W x + b`.
///
/// The predicted class is the arg-max of `μ` (the first one on ties).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    /// Weights, row-major `C × f` (row `c` holds the weights of class `c`).
    pub weights: Vec<f64>,
    /// Biases, one per class.
    pub bias: Vec<f64>,
    /// Number of features `f`.
    pub n_features: usize,
    /// Number of classes `C`.
    pub n_classes: usize,
}

impl LinearModel {
    /// A model with all parameters zero.
    pub fn zeros(n_features: usize, n_classes: usize) -> LinearModel {
        LinearModel {
            weights: vec![0.0; n_features * n_classes],
            bias: vec![0.0; n_classes],
            n_features,
            n_classes,
        }
    }

    /// A model with weights and biases drawn uniformly from `[−1/√f, 1/√f]` (the usual default
    /// initialisation of a linear layer), from a Xoshiro256++ stream seeded by `seed`.
    pub fn random(n_features: usize, n_classes: usize, seed: u64) -> LinearModel {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let bound = 1.0 / (n_features.max(1) as f64).sqrt();
        let mut draw = || {
            // 53 random bits to a double in [0, 1), then to [−bound, bound).
            let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            bound * (2.0 * u - 1.0)
        };
        let weights = (0..n_features * n_classes).map(|_| draw()).collect();
        let bias = (0..n_classes).map(|_| draw()).collect();
        LinearModel { weights, bias, n_features, n_classes }
    }

    /// Scores of a batch: `x` is `B × f` row-major, the result `B × C` row-major.
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let (f, c) = (self.n_features, self.n_classes);
        let rows = x.len() / f.max(1);
        let mut out = vec![0.0; rows * c];
        for (xi, oi) in x.chunks_exact(f).zip(out.chunks_exact_mut(c)) {
            for k in 0..c {
                let w = &self.weights[k * f..(k + 1) * f];
                oi[k] = self.bias[k] + w.iter().zip(xi).map(|(a, b)| a * b).sum::<f64>();
            }
        }
        out
    }

    /// Gradients of a loss with respect to the parameters, given the batch `x` (`B × f`) and the
    /// loss's gradient with respect to the scores `g = ∂L/∂μ` (`B × C`):
    /// `∂L/∂W = gᵀ x`, `∂L/∂b = Σ_rows g`. Returns `(∂L/∂W, ∂L/∂b)` with the parameters' shapes.
    pub fn backward(&self, x: &[f64], grad_scores: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (f, c) = (self.n_features, self.n_classes);
        let mut gw = vec![0.0; f * c];
        let mut gb = vec![0.0; c];
        for (xi, gi) in x.chunks_exact(f).zip(grad_scores.chunks_exact(c)) {
            for k in 0..c {
                let g = gi[k];
                if g == 0.0 {
                    continue;
                }
                gb[k] += g;
                for (w, xv) in gw[k * f..(k + 1) * f].iter_mut().zip(xi) {
                    *w += g * xv;
                }
            }
        }
        (gw, gb)
    }

    /// Predicted classes (arg-max of the scores, first on ties) of the rows of `x` (`B × f`).
    pub fn predict(&self, x: &[f64]) -> Vec<usize> {
        self.forward(x).chunks_exact(self.n_classes).map(argmax).collect()
    }

    /// Fraction of the rows of `x` whose predicted class equals the label.
    pub fn accuracy(&self, x: &[f64], labels: &[usize]) -> f64 {
        if labels.is_empty() {
            return 0.0;
        }
        let hits = self.predict(x).iter().zip(labels).filter(|(p, l)| p == l).count();
        hits as f64 / labels.len() as f64
    }
}

/// Index of the largest entry (the first one on ties).
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
