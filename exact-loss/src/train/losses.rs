//! The three training objectives compared in the experiments, as batch losses on scores.
//!
//! Each takes a batch of scores `μ` (`B × C`, row-major) with labels `y`, and returns the loss
//! (a mean over the batch) and its gradient with respect to the scores (`B × C`).
//!
//! * **Cross-entropy**: `L = (1/B) Σ_b [log Σ_i exp μ_bi − μ_{b,y_b}]`, with
//!   `∂L/∂μ_bi = (softmax(μ_b)_i − [i = y_b]) / B`.
//! * **Multi-class hinge** (as in the EXACT paper's baseline): with margin `m`,
//!   `L = 1/(B (C−1)) Σ_b Σ_{i≠y_b} max(0, m − (μ_{b,y_b} − μ_bi))`. Each active term (`> 0`)
//!   adds `+1/(B(C−1))` to `∂L/∂μ_bi` and `−1/(B(C−1))` to `∂L/∂μ_{b,y_b}`; at the kink the
//!   sub-gradient 0 is used.
//! * **EXACT**: `1 − mean expected accuracy`, computed by the crate's EXACT batch loss (see
//!   [`exact_objective`]).

use std::fmt;
use std::str::FromStr;

/// Which objective a model is trained with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loss {
    /// The EXACT loss: one minus the expected accuracy of Gaussian scores.
    Exact,
    /// Softmax cross-entropy.
    CrossEntropy,
    /// Multi-class hinge, mean over the wrong classes.
    Hinge,
}

impl Loss {
    /// All three losses, in the order of the paper's table (cross-entropy, hinge, EXACT).
    pub const ALL: [Loss; 3] = [Loss::CrossEntropy, Loss::Hinge, Loss::Exact];

    /// The name used on the command line and in reports: `exact`, `cross-entropy`, `hinge`.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Exact => "exact",
            Loss::CrossEntropy => "cross-entropy",
            Loss::Hinge => "hinge",
        }
    }

    /// Whether the loss has a margin hyper-parameter (hinge and EXACT).
    pub fn has_margin(self) -> bool {
        !matches!(self, Loss::CrossEntropy)
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loss {
    type Err = mvn_orthant::Error;

    /// Parses `exact`, `cross-entropy` (also `ce`, `xent`) or `hinge`.
    fn from_str(s: &str) -> Result<Loss, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "exact" => Ok(Loss::Exact),
            "cross-entropy" | "crossentropy" | "ce" | "xent" => Ok(Loss::CrossEntropy),
            "hinge" => Ok(Loss::Hinge),
            _ => Err(mvn_orthant::Error::InvalidArgument {
                name: "loss".into(),
                reason: format!("`{s}` is not one of exact, cross-entropy, hinge"),
            }),
        }
    }
}

/// Mean softmax cross-entropy of a batch and its gradient with respect to the scores.
///
/// `scores` is `B × C` row-major; the log-sum-exp is shifted by the row maximum, so large scores
/// do not overflow.
pub fn cross_entropy(scores: &[f64], labels: &[usize], n_classes: usize) -> (f64, Vec<f64>) {
    let b = labels.len().max(1) as f64;
    let mut grad = vec![0.0; scores.len()];
    let mut loss = 0.0;
    for ((row, g), &y) in scores.chunks_exact(n_classes).zip(grad.chunks_exact_mut(n_classes)).zip(labels) {
        let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for (gi, &s) in g.iter_mut().zip(row) {
            *gi = (s - max).exp();
            sum += *gi;
        }
        loss += sum.ln() + max - row[y];
        for gi in g.iter_mut() {
            *gi /= sum * b;
        }
        g[y] -= 1.0 / b;
    }
    (loss / b, grad)
}

/// Mean multi-class hinge loss `max(0, m − (μ_y − μ_i))` over the batch and the wrong classes
/// `i ≠ y`, and its gradient with respect to the scores.
pub fn hinge(scores: &[f64], labels: &[usize], n_classes: usize, margin: f64) -> (f64, Vec<f64>) {
    let terms = (labels.len() * (n_classes - 1)).max(1) as f64;
    let mut grad = vec![0.0; scores.len()];
    let mut loss = 0.0;
    for ((row, g), &y) in scores.chunks_exact(n_classes).zip(grad.chunks_exact_mut(n_classes)).zip(labels) {
        for i in 0..n_classes {
            if i == y {
                continue;
            }
            let term = margin - (row[y] - row[i]);
            if term > 0.0 {
                loss += term;
                g[i] += 1.0 / terms;
                g[y] -= 1.0 / terms;
            }
        }
    }
    (loss / terms, grad)
}

/// The EXACT batch objective as the authors train with it, and its gradient with respect to the
/// raw scores: returns `(1 − mean_b A_b, ∂/∂μ)`.
///
/// Steps (Karpukhin et al., arXiv 2205.09615, and the authors' published code):
///
/// 1. **Batch logit normalisation**: `z = (μ − m)/s` with `m` the mean and `s` the sample standard
///    deviation (`N − 1`) of all `N = B·C` scores of the batch (one scalar each). The gradient
///    passes through `m` and `s`: `∂L/∂μ_j = (g_j − ḡ − z_j Σ_k g_k z_k/(N − 1)) / s`.
/// 2. **Deltas** `D_bi = z_{b,y_b} − z_bi` for `i ≠ y_b`, clipped from above at the margin `r`
///    (`min(D, r)`; clipped entries get no gradient), then divided by `σ`: `d = min(D, r)/σ`.
/// 3. **Expected accuracy** `A_b = ∫ φ(t) Π_i Φ(d_bi + t) dt` (the orthant probability of
///    `N(d, I + 11ᵀ)`), computed with its gradient by [`expected_accuracy_fast`].
///
/// This is the training path's adaptor to the EXACT loss; it evaluates `A` by a deterministic 1-D
/// quadrature (noise-free) instead of the authors' 16-sample Genz estimate.
pub fn exact_objective(
    scores: &[f64],
    labels: &[usize],
    n_classes: usize,
    sigma: f64,
    margin: Option<f64>,
) -> (f64, Vec<f64>) {
    let (loss, grad, _) = exact_objective_with_accuracy(scores, labels, n_classes, sigma, margin);
    (loss, grad)
}

/// [`exact_objective`] that also returns the expected accuracy of every row (`A_b`).
pub fn exact_objective_with_accuracy(
    scores: &[f64],
    labels: &[usize],
    n_classes: usize,
    sigma: f64,
    margin: Option<f64>,
) -> (f64, Vec<f64>, Vec<f64>) {
    let c = n_classes;
    let b = labels.len();
    let n = scores.len();
    // 1. One scalar mean and standard deviation over the whole batch.
    let mean = scores.iter().sum::<f64>() / n as f64;
    let var = scores.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / (n.max(2) - 1) as f64;
    let sd = var.sqrt();
    // A constant batch has no scale to normalise by; it is then only centred.
    let normalise = sd > 1e-12;
    let scale = if normalise { sd } else { 1.0 };
    let z: Vec<f64> = scores.iter().map(|s| (s - mean) / scale).collect();
    // 2–3. Per row: clipped deltas over σ, the orthant and its gradient.
    let mut grad_z = vec![0.0; n];
    let mut accuracies = Vec::with_capacity(b);
    let mut d = vec![0.0; c - 1];
    let mut clipped = vec![false; c - 1];
    let mut grad_a = vec![0.0; c - 1];
    let mut work = vec![0.0; 2 * c];
    let mut total = 0.0;
    for (row, &y) in labels.iter().enumerate() {
        let zr = &z[row * c..(row + 1) * c];
        let mut k = 0;
        for i in 0..c {
            if i == y {
                continue;
            }
            let delta = zr[y] - zr[i];
            let (value, is_clipped) = match margin {
                Some(r) if delta > r => (r, true),
                _ => (delta, false),
            };
            d[k] = value / sigma;
            clipped[k] = is_clipped;
            k += 1;
        }
        let a = expected_accuracy_fast(&d, &mut grad_a, &mut work);
        accuracies.push(a);
        total += a;
        // ∂(1 − A/B)/∂D_k = −(A/B) · ∂ln A/∂d_k / σ for unclipped k.
        let g = &mut grad_z[row * c..(row + 1) * c];
        let mut k = 0;
        for i in 0..c {
            if i == y {
                continue;
            }
            if !clipped[k] {
                let gd = -grad_a[k] / (b as f64 * sigma);
                g[y] += gd;
                g[i] -= gd;
            }
            k += 1;
        }
    }
    let loss = 1.0 - total / b as f64;
    // 1'. Back through the normalisation.
    let grad = if normalise {
        let gbar = grad_z.iter().sum::<f64>() / n as f64;
        let gz = grad_z.iter().zip(&z).map(|(g, zz)| g * zz).sum::<f64>() / (n - 1) as f64;
        grad_z.iter().zip(&z).map(|(g, zz)| (g - gbar - zz * gz) / sd).collect()
    } else {
        let gbar = grad_z.iter().sum::<f64>() / n as f64;
        grad_z.iter().map(|g| g - gbar).collect()
    };
    (loss, grad, accuracies)
}

/// Half-width of the integration range of [`expected_accuracy_fast`]: `Q(8) ≈ 6e−16`.
pub const FAST_RANGE: f64 = 8.0;
/// Node spacing of [`expected_accuracy_fast`].
pub const FAST_STEP: f64 = 0.25;

/// The EXACT orthant `A(d) = ∫ φ(t) Π_i Φ(d_i + t) dt` and its gradient
/// `∂A/∂d_k = ∫ φ(t) φ(d_k + t) Π_{i≠k} Φ(d_i + t) dt` (written into `grad`), by the trapezoidal
/// rule with step [`FAST_STEP`] on `[−FAST_RANGE, FAST_RANGE]` (65 nodes).
///
/// The integrand is smooth and decays like `φ(t)`, so the uniform trapezoidal rule converges
/// geometrically in the step; the truncation error is below `2 Q(8) ≈ 1.3e−15` and the
/// discretisation error with step 0.25 stays below `1e−11` up to ten classes (tested against the
/// adaptive integrator of `mvn_orthant::one_factor`; step 0.5 would give `1e−8` at ten classes). Accuracy is absolute, not relative: tiny values are not resolved
/// (irrelevant for the loss, whose gradient there is equally negligible). The products without the `k`-th factor come
/// from prefix and suffix products, so a factor that underflows to zero does not poison the
/// others. `work` must hold at least `2·len(d)` entries. Cost `O(len(d) · 65)`; for one delta
/// (two classes) the closed form `A = Φ(d/√2)` is used instead.
pub fn expected_accuracy_fast(d: &[f64], grad: &mut [f64], work: &mut [f64]) -> f64 {
    use mvn_orthant::normal::{cdf, pdf};
    let m = d.len();
    if m == 1 {
        // Two classes: A = Φ(d/√2) in closed form.
        let x = d[0] * std::f64::consts::FRAC_1_SQRT_2;
        grad[0] = pdf(x) * std::f64::consts::FRAC_1_SQRT_2;
        return cdf(x);
    }
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (cdfs, prefix) = work.split_at_mut(m);
    let nodes = (2.0 * FAST_RANGE / FAST_STEP).round() as usize;
    let mut total = 0.0;
    for j in 0..=nodes {
        let t = -FAST_RANGE + j as f64 * FAST_STEP;
        let w = FAST_STEP * pdf(t) * if j == 0 || j == nodes { 0.5 } else { 1.0 };
        let mut p = 1.0;
        for i in 0..m {
            prefix[i] = p;
            cdfs[i] = cdf(d[i] + t);
            p *= cdfs[i];
        }
        total += w * p;
        let mut suffix = 1.0;
        for k in (0..m).rev() {
            let others = prefix[k] * suffix;
            if others != 0.0 {
                grad[k] += w * pdf(d[k] + t) * others;
            }
            suffix *= cdfs[k];
        }
    }
    total
}
