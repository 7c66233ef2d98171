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
//! * **EXACT**: `1 − mean expected accuracy`, computed by `exact-loss`'s [`ExactLoss`] (see
//!   [`exact_objective`]).

use std::fmt;
use std::str::FromStr;

use exact_loss::accuracy::{accuracy_of_shifts, ShiftAccuracy};
use exact_loss::loss::LossOutput;
use exact_loss::{Backend, ExactLoss, LossError, Sigma};

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

/// How the expected accuracy inside the EXACT objective is evaluated during training.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ExactBackend {
    /// [`trapezoid_rule`]: the fixed 65-node trapezoidal rule (closed form for two classes),
    /// deterministic; the default, with which `docs/experiments.md` was produced. Which backend
    /// is faster depends on σ since `exact-loss`'s quadrature got its graded rule
    /// (`docs/performance.md` §16–§22). The objective of a batch of 256 at C = 10, scores
    /// uniform on (−3, 3) with the true class raised by 0, 2 or 6:
    ///
    /// | σ | this rule | [`Backend::Quadrature`] |
    /// |---|---|---|
    /// | 1 | 2.4–2.6 ms | 0.84–0.88 ms |
    /// | 0.1 | 1.3–2.3 ms | 1.7–3.7 ms |
    /// | 0.01 | 0.74–0.82 ms | 1.6–2.2 ms |
    ///
    /// At C = 100 and σ from 10 to 0.1, 19–24 ms against 3.1–3.7 ms. Over a whole run, whose σ
    /// falls from 10 to 0.01, the digits model took 44.6 s with this rule and 47.0 s with the
    /// quadrature (one seed, the same test accuracy, 96.67%).
    #[default]
    Trapezoid,
    /// One of `exact-loss`'s accuracy backends: [`Backend::Quadrature`] (adaptive, accurate) or
    /// [`Backend::Genz`] with 16 samples (the authors' noisy estimator).
    Crate(Backend),
}

/// The EXACT batch objective as the authors train with it, `1 − mean_b A_b`, with its gradient
/// with respect to the raw scores (`B × C`, row-major).
///
/// This is `exact-loss`'s [`ExactLoss`] with the batch normalisation on, the clipping margin `r`
/// (`None`: no clipping), the objective `1 − mean A` and the scalar `σ`; see
/// [`exact_loss::loss`] for the steps and for the one standard-deviation convention (population
/// standard deviation of all `B·C` scores). Only the evaluation of `A` is chosen here, by
/// `backend`.
///
/// # Errors
///
/// Those of [`ExactLoss::evaluate`]: non-finite scores, a label out of range, σ not finite and
/// positive, a NaN margin.
pub fn exact_objective(
    scores: &[f64],
    labels: &[usize],
    n_classes: usize,
    sigma: f64,
    margin: Option<f64>,
    backend: ExactBackend,
) -> Result<LossOutput, LossError> {
    let sigma = Sigma::Scalar(sigma);
    match backend {
        ExactBackend::Trapezoid => ExactLoss { margin, ..ExactLoss::default() }.evaluate_with_rule(
            scores,
            n_classes,
            labels,
            sigma,
            |d, _| trapezoid_rule(d),
        ),
        ExactBackend::Crate(backend) => {
            ExactLoss { margin, backend, ..ExactLoss::default() }.evaluate(scores, n_classes, labels, sigma)
        }
    }
}

/// The expected accuracy `A(d)` of one example and its gradient by [`expected_accuracy_fast`],
/// as the [`ShiftAccuracy`] that [`ExactLoss::evaluate_with_rule`] takes.
///
/// `ln A`, `∂ln A/∂d = ∇A/A` and `ln(1 − A)` are formed from `A`, so they are accurate only where
/// `A` and `1 − A` are not tiny (the rule's accuracy is absolute, see
/// [`expected_accuracy_fast`]); the objective `1 − mean A` and its gradient need only `1 − A` and
/// `∇A` to absolute accuracy. The error fields are 0 (the rule is deterministic).
pub fn trapezoid_rule(shifts: &[f64]) -> ShiftAccuracy {
    let m = shifts.len();
    if m == 0 {
        // One class: it always wins (A = 1 exactly, as every backend of exact-loss says).
        return accuracy_of_shifts(shifts, &Backend::Quadrature, 0);
    }
    let mut gradient = vec![0.0; m];
    let mut work = vec![0.0; 2 * m];
    let value = expected_accuracy_fast(shifts, &mut gradient, &mut work);
    ShiftAccuracy {
        value,
        log_value: value.ln(),
        error: 0.0,
        log_gradient: gradient.iter().map(|g| g / value).collect(),
        gradient,
        gradient_error: vec![0.0; m],
        log_error_probability: (-value).ln_1p(),
    }
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
/// adaptive integrator of `mvn_orthant::one_factor`; step 0.5 would give `1e−8` at ten
/// classes). Accuracy is absolute, not relative: tiny values are not resolved (irrelevant for the
/// loss, whose gradient there is equally negligible). The products without the `k`-th factor
/// come from prefix and suffix products, so a factor that underflows to zero does not poison the
/// others. `work` must hold at least `2·len(d)` entries. Cost `O(len(d) · 65)`; for one delta
/// (two classes) the closed form `A = Φ(d/√2)` is used instead.
///
/// Why a rule of its own rather than the core EXACT quadrature
/// ([`accuracy_of_shifts`] with [`Backend::Quadrature`]: the peak-centred trapezoid of
/// `mvn_orthant::quadrature`, relative accuracy): at the smaller training sizes the fixed rule
/// is faster, because the core path pays about 10 µs per example for locating the peak and its
/// ~100 nodes whatever the number of classes. Measured per example (thread CPU time, shared
/// 2-core machine, shifts spread over [−2, 4.6]): C = 2: 0.09 µs against 0.12 µs (both closed
/// forms); C = 3: 5.8 against 9.9; C = 5: 10.5 against 11.1; C = 10: 22.3 against 19.9; C = 20:
/// 46.2 against 35.5 (the two agree to 1e-15 there). The accurate path stays available as
/// [`ExactBackend::Crate`].
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
