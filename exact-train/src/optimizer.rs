//! Stochastic gradient descent with heavy-ball momentum, weight decay on the weights only, and an
//! exponentially decaying learning rate.
//!
//! One step, for each parameter `θ` with gradient `g` (as PyTorch's `SGD` with `momentum` and
//! `weight_decay`):
//!
//! ```text
//! g ← g + λ θ        (weights only; biases are not decayed)
//! v ← m v + g
//! θ ← θ − η_e v
//! ```
//!
//! The learning rate is constant within an epoch and decays geometrically between epochs, from
//! `η₀` at the first epoch to `η_min` at the last: `η_e = η₀ (η_min/η₀)^(e/(E−1))`, `e = 0 … E−1`
//! (no decay if `η_min ≥ η₀` or `E = 1`).

use crate::model::LinearModel;

/// Momentum SGD state for a [`LinearModel`].
#[derive(Debug, Clone)]
pub struct Sgd {
    /// Momentum coefficient `m` (0.9 in the recipe).
    pub momentum: f64,
    /// Weight-decay coefficient `λ`, applied to the weights and not to the biases.
    pub weight_decay: f64,
    velocity_w: Vec<f64>,
    velocity_b: Vec<f64>,
}

impl Sgd {
    /// A fresh optimiser (zero velocity) for a model of the given shape.
    pub fn new(model: &LinearModel, momentum: f64, weight_decay: f64) -> Sgd {
        Sgd {
            momentum,
            weight_decay,
            velocity_w: vec![0.0; model.weights.len()],
            velocity_b: vec![0.0; model.bias.len()],
        }
    }

    /// One update with learning rate `lr` and gradients `grad_w`, `grad_b` (the shapes of the
    /// model's weights and biases).
    pub fn step(&mut self, model: &mut LinearModel, grad_w: &[f64], grad_b: &[f64], lr: f64) {
        for ((w, v), g) in model.weights.iter_mut().zip(&mut self.velocity_w).zip(grad_w) {
            *v = self.momentum * *v + g + self.weight_decay * *w;
            *w -= lr * *v;
        }
        for ((b, v), g) in model.bias.iter_mut().zip(&mut self.velocity_b).zip(grad_b) {
            *v = self.momentum * *v + g;
            *b -= lr * *v;
        }
    }
}

/// The learning rate of epoch `epoch` (zero-based) of `epochs`: geometric decay from `initial` to
/// `minimum` at the last epoch; constant when `minimum ≥ initial` or there is one epoch.
pub fn learning_rate(initial: f64, minimum: f64, epoch: usize, epochs: usize) -> f64 {
    if minimum >= initial || epochs <= 1 {
        return initial;
    }
    initial * (minimum / initial).powf(epoch as f64 / (epochs - 1) as f64)
}
