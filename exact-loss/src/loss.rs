//! The EXACT training objective as the authors use it, and its reusable training pieces.
//!
//! For a batch of logits x (B × C, row-major):
//!
//! 1. (switchable) normalise by one scalar mean m and standard deviation s over all N = B·C
//!    entries: z = (x − m)/s (see *The standard-deviation convention* below; s = 0 leaves
//!    z = x − m);
//! 2. deltas δ_i = z_y − z_i (i ≠ y), clipped from above at the margin r: δ_i ← min(δ_i, r);
//!    clipped entries get zero gradient;
//! 3. shifts d_i = δ_i/σ and A = P(Y > 0), Y ~ N(d, I + 11ᵀ);
//! 4. loss = 1 − mean_b A_b (summed as mean_b (1 − A_b), so a batch of confident examples keeps
//!    its small loss to full relative accuracy), or −mean_b ln A_b.
//!
//! The gradient is propagated back through every step, including the normalisation:
//! ∂L/∂x = (g − mean(g) − z·mean(g z))/s with g = ∂L/∂z.
//!
//! # The standard-deviation convention
//!
//! This is the one definition of the batch normalisation in the workspace (the trainer of
//! `exact-train` uses [`ExactLoss`] too): s is the **population** standard deviation,
//! s² = (1/N) Σ_j (x_j − m)², N = B·C. The authors' PyTorch code divides by N − 1 instead
//! (`torch.std`), so their z-scores are k = √((N−1)/N) times ours and their loss at (σ, r) equals
//! ours at (σ/k, r/k): a relative difference of about 1/(2N) in σ and r (0.02% for a batch of
//! 256 × 10 logits).

use crate::accuracy::{accuracy_of_shifts, map_examples, validate_batch, Backend, ShiftAccuracy, Sigma};
use crate::error::LossError;

/// Which function of the accuracies is minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Objective {
    /// 1 − mean A (the authors' loss).
    #[default]
    OneMinusAccuracy,
    /// −mean ln A.
    NegativeLogAccuracy,
}

/// The EXACT loss settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactLoss {
    /// Normalise the batch logits by one scalar mean and standard deviation.
    pub normalize: bool,
    /// Upper clip r of the deltas (`None`: no clipping).
    pub margin: Option<f64>,
    /// The objective.
    pub objective: Objective,
    /// The accuracy backend.
    pub backend: Backend,
}

impl Default for ExactLoss {
    fn default() -> Self {
        ExactLoss {
            normalize: true,
            margin: None,
            objective: Objective::OneMinusAccuracy,
            backend: Backend::Quadrature,
        }
    }
}

/// Loss value and gradient of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct LossOutput {
    /// The loss.
    pub loss: f64,
    /// ∂loss/∂logits, row-major B × C.
    pub gradient: Vec<f64>,
    /// ∂loss/∂σ per example (for a scalar σ, sum them).
    pub d_sigma: Vec<f64>,
    /// Mean expected accuracy of the batch.
    pub mean_accuracy: f64,
}

impl ExactLoss {
    /// Loss and gradient for a batch (`logits` row-major B × C, `labels` of length B).
    ///
    /// # Errors
    ///
    /// [`LossError::TooFewClasses`], [`LossError::ShapeMismatch`], [`LossError::LabelOutOfRange`],
    /// [`LossError::NonFiniteLogit`], [`LossError::InvalidSigma`], [`LossError::InvalidSetting`]
    /// (a NaN margin, zero samples).
    ///
    /// ```
    /// use exact_loss::{ExactLoss, Sigma};
    /// let loss = ExactLoss { normalize: false, ..ExactLoss::default() };
    /// let out = loss.evaluate(&[0.0, 0.0, 2.0, 0.0], 2, &[0, 0], Sigma::Scalar(1.0)).unwrap();
    /// assert_eq!(out.gradient.len(), 4);
    /// assert!(out.loss > 0.0 && out.loss < 0.5);
    /// ```
    pub fn evaluate(
        &self,
        logits: &[f64],
        classes: usize,
        labels: &[usize],
        sigma: Sigma<'_>,
    ) -> Result<LossOutput, LossError> {
        let backend = self.backend;
        self.evaluate_with_rule(logits, classes, labels, sigma, |shifts, example| {
            accuracy_of_shifts(shifts, &backend, example)
        })
    }

    /// [`ExactLoss::evaluate`] with the expected accuracy of each example computed by `rule`
    /// instead of [`ExactLoss::backend`] (which is then ignored): `rule(d, b)` returns A(d) of
    /// example `b` with its gradient, where d are the example's shifts (length C − 1). The
    /// normalisation, the clipping, the objective and the chain rule are the same as
    /// [`ExactLoss::evaluate`]'s. A rule must fill [`ShiftAccuracy::value`],
    /// [`ShiftAccuracy::gradient`], [`ShiftAccuracy::log_value`], [`ShiftAccuracy::log_gradient`]
    /// and [`ShiftAccuracy::log_error_probability`]; the error fields are not read.
    ///
    /// # Errors
    ///
    /// Those of [`ExactLoss::evaluate`].
    ///
    /// ```
    /// use exact_loss::accuracy::{accuracy_of_shifts, Backend};
    /// use exact_loss::{ExactLoss, Sigma};
    /// let loss = ExactLoss::default();
    /// let (logits, labels) = ([0.0, 1.0, 2.0, 0.5, 0.0, 0.3], [2, 0]);
    /// let rule = |d: &[f64], b: usize| accuracy_of_shifts(d, &Backend::Quadrature, b);
    /// let a = loss.evaluate_with_rule(&logits, 3, &labels, Sigma::Scalar(0.5), rule).unwrap();
    /// let b = loss.evaluate(&logits, 3, &labels, Sigma::Scalar(0.5)).unwrap();
    /// assert_eq!(a, b);
    /// ```
    pub fn evaluate_with_rule<F>(
        &self,
        logits: &[f64],
        classes: usize,
        labels: &[usize],
        sigma: Sigma<'_>,
        rule: F,
    ) -> Result<LossOutput, LossError>
    where
        F: Fn(&[f64], usize) -> ShiftAccuracy + Sync + Send,
    {
        validate_batch(logits, classes, labels)?;
        let batch = labels.len();
        sigma.validate(batch)?;
        if let Some(r) = self.margin {
            if r.is_nan() {
                return Err(LossError::InvalidSetting { name: "margin".into(), reason: "NaN".into() });
            }
        }
        if batch == 0 {
            return Ok(LossOutput { loss: 0.0, gradient: vec![], d_sigma: vec![], mean_accuracy: f64::NAN });
        }
        let (mean, scale) = if self.normalize {
            let n = logits.len() as f64;
            let m = logits.iter().sum::<f64>() / n;
            let v = logits.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
            (m, if v > 0.0 { v.sqrt() } else { 1.0 })
        } else {
            (0.0, 1.0)
        };
        let inv_b = 1.0 / batch as f64;
        let objective = self.objective;
        let margin = self.margin.unwrap_or(f64::INFINITY);
        // Per example: (term of the loss, A, ∂loss/∂z row, ∂loss/∂σ).
        let rows = map_examples(batch, |b| {
            let z: Vec<f64> =
                logits[b * classes..(b + 1) * classes].iter().map(|x| (x - mean) / scale).collect();
            let y = labels[b];
            let s = sigma.get(b);
            let others: Vec<usize> = (0..classes).filter(|&i| i != y).collect();
            let deltas: Vec<f64> = others.iter().map(|&i| z[y] - z[i]).collect();
            let shifts: Vec<f64> = deltas.iter().map(|&d| d.min(margin) / s).collect();
            let r = rule(&shifts, b);
            let (term, dterm): (f64, &[f64]) = match objective {
                // 1 − A_b itself (accurate where A_b rounds to 1, and exactly 0 for one class).
                Objective::OneMinusAccuracy => (r.log_error_probability.exp() * inv_b, &r.gradient),
                Objective::NegativeLogAccuracy => (-r.log_value * inv_b, &r.log_gradient),
            };
            let mut gz = vec![0.0; classes];
            let mut gs = 0.0;
            for (k, &i) in others.iter().enumerate() {
                let g = -dterm[k] * inv_b; // ∂term/∂d_k
                gs -= g * shifts[k] / s;
                if deltas[k] < margin {
                    gz[y] += g / s;
                    gz[i] -= g / s;
                }
            }
            (term, r.value, gz, gs)
        });
        let mut loss = 0.0;
        let mut mean_accuracy = 0.0;
        let mut gradient = Vec::with_capacity(logits.len());
        let mut d_sigma = Vec::with_capacity(batch);
        for (term, a, gz, gs) in rows {
            loss += term;
            mean_accuracy += a * inv_b;
            gradient.extend(gz);
            d_sigma.push(gs);
        }
        if self.normalize {
            let n = logits.len() as f64;
            let gm = gradient.iter().sum::<f64>() / n;
            let gzm = gradient.iter().zip(logits).map(|(g, x)| g * (x - mean) / scale).sum::<f64>() / n;
            for (g, x) in gradient.iter_mut().zip(logits) {
                *g = (*g - gm - (x - mean) / scale * gzm) / scale;
            }
        }
        Ok(LossOutput { loss, gradient, d_sigma, mean_accuracy })
    }
}

/// σ decreasing geometrically from `start` to `end` over `steps` steps (step 0 gives `start`,
/// step `steps − 1` gives `end`): σ_k = start · (end/start)^{k/(steps−1)}.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeometricSchedule {
    start: f64,
    end: f64,
    steps: usize,
}

impl GeometricSchedule {
    /// A schedule (the authors' tabular setting is 10 → 0.01 over the epochs).
    ///
    /// # Errors
    ///
    /// [`LossError::InvalidSetting`] unless start and end are finite and positive and steps ≥ 1.
    pub fn new(start: f64, end: f64, steps: usize) -> Result<Self, LossError> {
        if !(start.is_finite() && start > 0.0 && end.is_finite() && end > 0.0) || steps == 0 {
            return Err(LossError::InvalidSetting {
                name: "schedule".into(),
                reason: format!("need finite positive start/end and steps ≥ 1, got {start}, {end}, {steps}"),
            });
        }
        Ok(GeometricSchedule { start, end, steps })
    }

    /// σ at `step` (clamped to the last step).
    pub fn value(&self, step: usize) -> f64 {
        if self.steps == 1 {
            return self.end;
        }
        let k = step.min(self.steps - 1) as f64 / (self.steps - 1) as f64;
        self.start * (self.end / self.start).powf(k)
    }
}

/// Divides gradients by max(EMA of the global gradient norm, floor) (authors: factor 0.9,
/// floor 0.01), instead of clipping. The first call initialises the EMA with the first norm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientNormalizer {
    momentum: f64,
    floor: f64,
    average: Option<f64>,
}

impl Default for GradientNormalizer {
    fn default() -> Self {
        GradientNormalizer { momentum: 0.9, floor: 0.01, average: None }
    }
}

impl GradientNormalizer {
    /// A normaliser with the given EMA factor (in [0, 1)) and floor (> 0).
    ///
    /// # Errors
    ///
    /// [`LossError::InvalidSetting`] for values outside those ranges.
    pub fn new(momentum: f64, floor: f64) -> Result<Self, LossError> {
        if !((0.0..1.0).contains(&momentum) && floor > 0.0 && floor.is_finite()) {
            return Err(LossError::InvalidSetting {
                name: "gradient normaliser".into(),
                reason: format!("momentum must be in [0, 1) and floor > 0, got {momentum}, {floor}"),
            });
        }
        Ok(GradientNormalizer { momentum, floor, average: None })
    }

    /// Updates the EMA with ‖gradient‖₂ and divides the gradient by max(EMA, floor) in place;
    /// returns the divisor.
    pub fn normalize(&mut self, gradient: &mut [f64]) -> f64 {
        let norm = gradient.iter().map(|g| g * g).sum::<f64>().sqrt();
        let average = match self.average {
            None => norm,
            Some(a) => self.momentum * a + (1.0 - self.momentum) * norm,
        };
        self.average = Some(average);
        let divisor = average.max(self.floor);
        gradient.iter_mut().for_each(|g| *g /= divisor);
        divisor
    }
}
