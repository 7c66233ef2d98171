//! The training loop shared by the three losses.
//!
//! The recipe follows the EXACT paper's tabular experiments (Karpukhin, Dereka, Kolesnikov,
//! arXiv 2205.09615, §5 and the authors' published UCI script): a linear model on standardised
//! features; mini-batches of 256 drawn from a stream of shuffled passes over the training set (a
//! small training set is repeated, so every batch has 256 rows); SGD with momentum 0.9, weight
//! decay on the weights only; the learning rate decays geometrically from its initial value to
//! `1e−4` at the last epoch. For EXACT, σ follows the geometric schedule
//! `σ_e = σ_start (σ_end/σ_start)^(e/E)` (constant within epoch `e` of `E`), the batch objective
//! is `exact-loss`'s `ExactLoss` (see [`exact_objective`]), and every gradient is
//! divided by `max(EMA₀.₉ of the global gradient norm, 0.01)` (the authors' gradient normaliser;
//! the EMA starts at the first norm).

use rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use exact_loss::GradientNormalizer;

use crate::data::{shuffle, Dataset};
use crate::losses::{cross_entropy, exact_objective, hinge, ExactBackend, Loss};
use crate::model::LinearModel;
use crate::optimizer::{learning_rate, Sgd};

/// Settings of one training run that are not searched over.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Number of epochs `E` (16 in the paper).
    pub epochs: usize,
    /// Rows per mini-batch (256 in the paper).
    pub batch_size: usize,
    /// Mini-batches per epoch. The authors enlarge each epoch to about 500 batches by repeating
    /// the training set; fewer batches make the whole table faster.
    pub batches_per_epoch: usize,
    /// Momentum coefficient of SGD (0.9).
    pub momentum: f64,
    /// Learning rate at the last epoch (`1e−4`).
    pub min_learning_rate: f64,
    /// σ of EXACT at the first epoch (10).
    pub sigma_start: f64,
    /// σ of EXACT towards the end of training (0.01).
    pub sigma_end: f64,
    /// EMA coefficient of the gradient normaliser (0.9).
    pub normaliser_momentum: f64,
    /// Floor of the gradient normaliser's divisor (0.01).
    pub normaliser_floor: f64,
    /// How EXACT's expected accuracy is computed during training.
    pub exact_backend: ExactBackend,
}

impl Default for TrainConfig {
    /// The paper's recipe with 50 batches per epoch (the authors use about 500).
    fn default() -> Self {
        TrainConfig {
            epochs: 16,
            batch_size: 256,
            batches_per_epoch: 50,
            momentum: 0.9,
            min_learning_rate: 1e-4,
            sigma_start: 10.0,
            sigma_end: 0.01,
            normaliser_momentum: 0.9,
            normaliser_floor: 0.01,
            exact_backend: ExactBackend::Trapezoid,
        }
    }
}

impl TrainConfig {
    /// σ of EXACT during epoch `epoch` (zero-based): `σ_start (σ_end/σ_start)^(epoch/E)`.
    pub fn sigma(&self, epoch: usize) -> f64 {
        self.sigma_start * (self.sigma_end / self.sigma_start).powf(epoch as f64 / self.epochs.max(1) as f64)
    }

    /// Checks that every setting is usable.
    pub fn validate(&self) -> Result<(), mvn_orthant::Error> {
        let bad = |name: &str, reason: &str| {
            Err(mvn_orthant::Error::InvalidArgument { name: name.into(), reason: reason.into() })
        };
        if self.epochs == 0 {
            return bad("epochs", "at least one epoch is needed");
        }
        if self.batch_size == 0 || self.batches_per_epoch == 0 {
            return bad("batch size", "batch_size and batches_per_epoch must be positive");
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad("momentum", "must lie in [0, 1)");
        }
        for (name, v) in [
            ("min_learning_rate", self.min_learning_rate),
            ("sigma_start", self.sigma_start),
            ("sigma_end", self.sigma_end),
            ("normaliser_floor", self.normaliser_floor),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(name, "must be a finite positive number");
            }
        }
        Ok(())
    }
}

/// The searched hyper-parameters of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyper {
    /// Initial learning rate `η₀`.
    pub learning_rate: f64,
    /// Weight-decay coefficient `λ` (weights only).
    pub weight_decay: f64,
    /// Margin: the hinge margin `m` (1 when `None`), or EXACT's clipping margin `r` (no clipping
    /// when `None`). Ignored by cross-entropy.
    pub margin: Option<f64>,
}

/// What happened during one epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// Zero-based epoch.
    pub epoch: usize,
    /// Learning rate used in this epoch.
    pub learning_rate: f64,
    /// σ of EXACT in this epoch (`None` for the other losses).
    pub sigma: Option<f64>,
    /// The training objective on the whole training set after the epoch: the loss for
    /// cross-entropy and hinge, `1 − expected accuracy` (at this epoch's σ) for EXACT.
    pub objective: f64,
    /// Accuracy on the whole training set after the epoch.
    pub train_accuracy: f64,
}

/// A trained model with its per-epoch history.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model after the last epoch.
    pub model: LinearModel,
    /// One record per epoch.
    pub history: Vec<EpochRecord>,
}

/// The loss and its gradient with respect to the scores of a batch, for `loss` with the given
/// margin and (for EXACT) σ and evaluator.
///
/// A batch EXACT rejects (non-finite scores after a diverged step) gives a NaN loss and a zero
/// gradient, so the run stops moving instead of panicking.
pub fn batch_loss(
    loss: Loss,
    scores: &[f64],
    labels: &[usize],
    n_classes: usize,
    margin: Option<f64>,
    sigma: f64,
    backend: ExactBackend,
) -> (f64, Vec<f64>) {
    match loss {
        Loss::CrossEntropy => cross_entropy(scores, labels, n_classes),
        Loss::Hinge => hinge(scores, labels, n_classes, margin.unwrap_or(1.0)),
        Loss::Exact => match exact_objective(scores, labels, n_classes, sigma, margin, backend) {
            Ok(out) => (out.loss, out.gradient),
            Err(_) => (f64::NAN, vec![0.0; scores.len()]),
        },
    }
}

/// Trains a linear model on `data` (features already standardised) with `loss` and `hyper`.
///
/// `seed` fixes the initial weights and the order of the mini-batches; the same arguments give the
/// same bits. `on_epoch` is called after every epoch (for progress bars and logs).
pub fn train_model(
    data: &Dataset,
    loss: Loss,
    hyper: &Hyper,
    config: &TrainConfig,
    seed: u64,
    on_epoch: &mut dyn FnMut(&EpochRecord),
) -> Trained {
    let (f, c) = (data.n_features, data.n_classes);
    let mut model = LinearModel::random(f, c, seed);
    let mut sgd = Sgd::new(&model, config.momentum, hyper.weight_decay);
    // Separate stream for the batch order, derived from the seed.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9E37_79B9_7F4A_7C15);
    let n = data.len();
    let mut order: Vec<usize> = (0..n).collect();
    let mut cursor = n; // forces a shuffle on first use
    let mut normaliser =
        GradientNormalizer::new(config.normaliser_momentum, config.normaliser_floor).unwrap_or_default();
    let mut history = Vec::with_capacity(config.epochs);
    let mut x = vec![0.0; config.batch_size * f];
    let mut y = vec![0usize; config.batch_size];
    for epoch in 0..config.epochs {
        let lr = learning_rate(hyper.learning_rate, config.min_learning_rate, epoch, config.epochs);
        let sigma = config.sigma(epoch);
        for _ in 0..config.batches_per_epoch {
            for r in 0..config.batch_size {
                if cursor == n {
                    shuffle(&mut order, &mut rng);
                    cursor = 0;
                }
                let i = order[cursor];
                cursor += 1;
                x[r * f..(r + 1) * f].copy_from_slice(data.row(i));
                y[r] = data.labels[i];
            }
            let scores = model.forward(&x);
            let (_, grad_scores) =
                batch_loss(loss, &scores, &y, c, hyper.margin, sigma, config.exact_backend);
            let (mut gw, mut gb) = model.backward(&x, &grad_scores);
            if loss == Loss::Exact {
                // The crate's normaliser acts on the global gradient (weights and biases together).
                let mut all: Vec<f64> = gw.iter().chain(&gb).copied().collect();
                normaliser.normalize(&mut all);
                let (w, b) = all.split_at(gw.len());
                gw.copy_from_slice(w);
                gb.copy_from_slice(b);
            }
            sgd.step(&mut model, &gw, &gb, lr);
        }
        let scores = model.forward(&data.features);
        let (objective, _) =
            batch_loss(loss, &scores, &data.labels, c, hyper.margin, sigma, config.exact_backend);
        let record = EpochRecord {
            epoch,
            learning_rate: lr,
            sigma: (loss == Loss::Exact).then_some(sigma),
            objective,
            train_accuracy: model.accuracy(&data.features, &data.labels),
        };
        on_epoch(&record);
        history.push(record);
    }
    Trained { model, history }
}
