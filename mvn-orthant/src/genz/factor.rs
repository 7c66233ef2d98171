//! Variable reordering with a Cholesky factorisation (Gibson–Glasbey–Elston prioritisation),
//! semidefinite covariances included, producing the packed constraint table of the integrand.
//!
//! # What is computed
//!
//! With centred limits a′ = a − μ, b′ = b − μ and Σ = L Lᵀ (rows permuted), X − μ = L z with
//! z ~ N(0, I). Step k of the factorisation chooses, among the variables not yet placed, the one
//! with the smallest probability Φ(e) − Φ(d) of its standardised conditional interval given the
//! earlier z at their truncated means (Gibson, Glasbey and Elston 1994; Genz and Bretz 2009,
//! §4.1.3), makes it the k-th row of L, and sets the k-th truncated mean
//! y_k = (φ(d) − φ(e)) / (Φ(e) − Φ(d)) for the later choices.
//!
//! # Zero pivots
//!
//! A variable whose conditional variance given the placed ones is below the threshold
//! 64·n·ε·max Σ_ii is a linear function of the earlier z: X_j − μ_j = Σ_{m ≤ c} L_jm z_m with
//! c its last column whose coefficient is not negligible (|L_jc|² above the threshold). It does
//! not get a step of its own; its constraint a′_j ≤ Σ L_jm z_m ≤ b′_j becomes an interval for
//! z_c given z_1 … z_{c−1} and is intersected with the interval of step c (a tightened interval).
//! A variable with (numerically) zero variance is a constant: the probability is 0 unless
//! a_j ≤ μ_j ≤ b_j, in which case it is dropped.
//!
//! # Packed storage
//!
//! Every constraint row of step k keeps only its k coefficients (scaled by the pivot), one after
//! another in a single vector: the factor takes about r²/2 numbers for rank r.

use crate::linalg::zero_pivot_threshold;
use crate::normal::{interval_probability, pdf};
use crate::problem::Problem;

/// The largest coefficient norm of a well-conditioned factor (see
/// [`OrderedFactor::is_well_conditioned`]).
pub const WELL_CONDITIONED_NORM: f64 = 8.0;

/// One linear constraint lower ≤ z_k + Σ_{m<k} coefficient_m z_m ≤ upper on the k-th variable
/// of its step (coefficients already divided by the pivot, limits too).
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// Offset of the k coefficients in [`OrderedFactor::coefficients`].
    pub offset: usize,
    /// Lower limit for z_k + Σ coefficient·z (may be −∞).
    pub lower: f64,
    /// Upper limit (may be +∞).
    pub upper: f64,
    /// |pivot|: the conditional standard deviation of the original variable given z_{<k}, per
    /// unit of z_k (its density at a limit is φ(z*)/scale).
    pub scale: f64,
    /// Index of the original variable in the problem.
    pub variable: usize,
    /// Whether `lower` comes from the variable's upper limit b (the pivot was negative).
    pub flipped: bool,
}

/// One step of the separation of variables: one standard normal z_k and its constraints (the
/// first is the variable that was placed at this step).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Index of the first constraint in [`OrderedFactor::constraints`].
    pub first: usize,
    /// Number of constraints.
    pub count: usize,
}

/// The outcome of the reordering.
#[derive(Debug, Clone, PartialEq)]
pub enum Reduction {
    /// The probability is known without integration (0: a constant outside its interval; 1:
    /// every variable unbounded).
    Trivial(f64),
    /// The ordered, packed factor.
    Factor(OrderedFactor),
}

/// The reordered Cholesky factor of a problem, as a table of constraints per step.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedFactor {
    /// The problem dimension d (original indexing).
    pub dim: usize,
    /// The steps, one per stochastic variable (the numerical rank of the kept variables).
    pub steps: Vec<Step>,
    /// All constraints, grouped by step.
    pub constraints: Vec<Constraint>,
    /// Packed coefficients of all constraints.
    pub coefficients: Vec<f64>,
}

impl OrderedFactor {
    /// The number of steps r (the integrand lives on `[0, 1]^(r−1)`).
    pub fn rank(&self) -> usize {
        self.steps.len()
    }

    /// Whether every step has a single constraint (no zero pivot was folded into a tightened
    /// interval) whose coefficient vector has Euclidean norm at most
    /// [`WELL_CONDITIONED_NORM`]: every variable keeps at least 1/√(1 + 8²) ≈ 12% of its
    /// standard deviation given the variables placed before it.
    ///
    /// The norm of the coefficients c of a constraint z_k + c·z_{<k} ∈ [lo, hi] is
    /// √(1/s² − 1), where s is the variable's conditional standard deviation as a fraction of its
    /// standard deviation; the interval of z_k then moves by at most ‖c‖ per unit of the earlier
    /// z, so the integrand has no transition narrower than about 1/‖c‖ in those coordinates. A
    /// factor that fails the test (a nearly singular or semidefinite covariance) can hide a
    /// narrow feature that a small first round misses entirely.
    pub fn is_well_conditioned(&self) -> bool {
        self.steps.iter().enumerate().all(|(k, step)| {
            step.count == 1
                && self.coefficient_norm_squared(k, &self.constraints[step.first])
                    <= WELL_CONDITIONED_NORM * WELL_CONDITIONED_NORM
        })
    }

    /// The k coefficients c of `constraint`, a constraint of step k: z_k + c·z_{<k} ∈ [lower, upper].
    pub fn coefficients_of(&self, k: usize, constraint: &Constraint) -> &[f64] {
        &self.coefficients[constraint.offset..constraint.offset + k]
    }

    /// ‖c‖² for the coefficients c of `constraint`, a constraint of step k: the variance of
    /// c·z_{<k}, so that z_k + c·z_{<k} has variance 1 + ‖c‖² and the variable keeps the fraction
    /// 1/√(1 + ‖c‖²) of its standard deviation given the earlier ones.
    pub fn coefficient_norm_squared(&self, k: usize, constraint: &Constraint) -> f64 {
        self.coefficients_of(k, constraint).iter().map(|a| a * a).sum()
    }

    /// A deterministic upper bound M ≥ sup f on the integrand f = Π_k p_k: the first step's
    /// interval probability (its limits depend on no earlier variable) times, for every later
    /// step, the largest probability an interval of its width can have, 2Φ(w/2) − 1 (1 when a
    /// limit is infinite). Used to bound the mass a sample can miss.
    pub fn max_value(&self) -> f64 {
        let mut bound = 1.0;
        for (k, step) in self.steps.iter().enumerate() {
            let constraints = &self.constraints[step.first..step.first + step.count];
            let factor = if k == 0 {
                let lo = constraints.iter().map(|c| c.lower).fold(f64::NEG_INFINITY, f64::max);
                let hi = constraints.iter().map(|c| c.upper).fold(f64::INFINITY, f64::min);
                if lo < hi {
                    interval_probability(lo, hi)
                } else {
                    0.0
                }
            } else {
                constraints
                    .iter()
                    .map(|c| {
                        let half = 0.5 * (c.upper - c.lower);
                        if half.is_finite() {
                            interval_probability(-half, half)
                        } else {
                            1.0
                        }
                    })
                    .fold(1.0, f64::min)
            };
            bound *= factor;
        }
        bound
    }

    /// A deterministic upper bound on the integrand when every limit is multiplied by a scale
    /// s > 0 ([`OrderedFactor::forward`] with a limit scale, the multivariate t), for every s:
    /// the first step's interval probability is at most 1 when its interval contains 0 in its
    /// interior and at most ½ otherwise (Φ(hi·s) − Φ(lo·s) ≤ ½ for 0 ≤ lo or hi ≤ 0); the later
    /// steps' widths grow without bound with s, so they are bounded by 1 only.
    pub fn max_value_over_scales(&self) -> f64 {
        let Some(step) = self.steps.first() else { return 1.0 };
        let constraints = &self.constraints[step.first..step.first + step.count];
        let lo = constraints.iter().map(|c| c.lower).fold(f64::NEG_INFINITY, f64::max);
        let hi = constraints.iter().map(|c| c.upper).fold(f64::INFINITY, f64::min);
        if lo >= hi {
            0.0
        } else if lo < 0.0 && hi > 0.0 {
            1.0
        } else {
            0.5
        }
    }

    /// Whether the integrand is constant by structure: no finite limit of any step depends on
    /// an earlier variable (all such coefficients are zero), as for independent coordinates.
    pub fn is_constant(&self) -> bool {
        self.steps.iter().enumerate().all(|(k, step)| {
            self.constraints[step.first..step.first + step.count].iter().all(|c| {
                let unbounded = c.lower == f64::NEG_INFINITY && c.upper == f64::INFINITY;
                unbounded || self.coefficients[c.offset..c.offset + k].iter().all(|&a| a == 0.0)
            })
        })
    }
}

/// Reorders and factorises the problem.
pub fn reduce(problem: &Problem) -> Reduction {
    if problem.is_empty_box() {
        return Reduction::Trivial(0.0);
    }
    let d = problem.dim();
    let kept = problem.constrained_indices();
    if kept.is_empty() {
        return Reduction::Trivial(1.0);
    }
    let n = kept.len();
    let sigma = problem.covariance();
    let cov: Vec<f64> = kept.iter().flat_map(|&i| kept.iter().map(move |&j| sigma.get(i, j))).collect();
    let lower: Vec<f64> = kept.iter().map(|&i| problem.lower()[i] - problem.mean()[i]).collect();
    let upper: Vec<f64> = kept.iter().map(|&i| problem.upper()[i] - problem.mean()[i]).collect();
    let max_diagonal = (0..n).map(|i| cov[i * n + i]).fold(0.0, f64::max);
    let threshold = 8.0 * zero_pivot_threshold(n, max_diagonal);

    // l[j * n + m]: coefficient of z_m in variable j (kept indexing); filled column by column.
    let mut l = vec![0.0; n * n];
    let mut variance: Vec<f64> = (0..n).map(|j| cov[j * n + j]).collect();
    let mut remaining: Vec<usize> = (0..n).collect();
    // shift[j] = Σ_{m<k} l[j, m]·y_m, the conditional mean of variable j at the truncated means,
    // extended by one term per step (the terms in the order of a sum recomputed at each step).
    // (−0.0 is the neutral element that `Iterator::sum` starts from: the same bits to the sign of
    // a zero.)
    let mut shift = vec![-0.0f64; n];
    // Constraint rows per step before packing: (variable, column count, sign of pivot).
    let mut per_step: Vec<Vec<(usize, f64)>> = Vec::new();

    while !remaining.is_empty() {
        let k = per_step.len();
        // Deterministic variables first: attach them to their last significant column.
        let mut still = Vec::with_capacity(remaining.len());
        for &j in &remaining {
            if variance[j] > threshold {
                still.push(j);
                continue;
            }
            let last = (0..k).rev().find(|&m| l[j * n + m] * l[j * n + m] > threshold);
            match last {
                None => {
                    if !(lower[j] <= 0.0 && 0.0 <= upper[j]) {
                        return Reduction::Trivial(0.0);
                    }
                }
                Some(c) => per_step[c].push((j, l[j * n + c])),
            }
        }
        remaining = still;
        if remaining.is_empty() {
            break;
        }
        // Gibson–Glasbey–Elston: the smallest conditional interval probability.
        let mut best = (remaining[0], f64::INFINITY, 0.0, 0.0);
        for &j in &remaining {
            let s = variance[j].sqrt();
            let (lo, hi) = ((lower[j] - shift[j]) / s, (upper[j] - shift[j]) / s);
            let p = interval_probability(lo, hi);
            if p < best.1 {
                best = (j, p, lo, hi);
            }
        }
        let (pick, p, lo, hi) = best;
        let pivot = variance[pick].sqrt();
        l[pick * n + k] = pivot;
        remaining.retain(|&j| j != pick);
        // Column k: l[j, k] = (Σ_{j,pick} − Σ_{m<k} l[j, m]·l[pick, m]) / pivot. The dot products
        // of four variables run side by side (four independent chains of additions instead of one
        // waiting on each addition), each summed in the order m = 0 … k − 1 from −0.0 like
        // `Iterator::sum`.
        let pick_row = l[pick * n..pick * n + k].to_vec();
        let row = |j: usize| &l[j * n..j * n + k];
        let mut column = Vec::with_capacity(remaining.len());
        let mut groups = remaining.chunks_exact(4);
        for group in &mut groups {
            let (r0, r1, r2, r3) = (row(group[0]), row(group[1]), row(group[2]), row(group[3]));
            let (mut d0, mut d1, mut d2, mut d3) = (-0.0f64, -0.0f64, -0.0f64, -0.0f64);
            for ((((&b, &a0), &a1), &a2), &a3) in pick_row.iter().zip(r0).zip(r1).zip(r2).zip(r3) {
                d0 += a0 * b;
                d1 += a1 * b;
                d2 += a2 * b;
                d3 += a3 * b;
            }
            column.extend(group.iter().copied().zip([d0, d1, d2, d3]));
        }
        for &j in groups.remainder() {
            column.push((j, row(j).iter().zip(&pick_row).map(|(a, b)| a * b).sum()));
        }
        for (j, dot) in column {
            let v = (cov[j * n + pick] - dot) / pivot;
            l[j * n + k] = v;
            variance[j] -= v * v;
        }
        let y_k = truncated_mean(lo, hi, p);
        for &j in &remaining {
            shift[j] += l[j * n + k] * y_k;
        }
        per_step.push(vec![(pick, pivot)]);
    }

    // Pack.
    let mut steps = Vec::with_capacity(per_step.len());
    let mut constraints = Vec::new();
    let mut coefficients = Vec::new();
    for (k, rows) in per_step.iter().enumerate() {
        steps.push(Step { first: constraints.len(), count: rows.len() });
        for &(j, t) in rows {
            let offset = coefficients.len();
            coefficients.extend((0..k).map(|m| l[j * n + m] / t));
            let (lo, hi, flipped) = if t > 0.0 {
                (lower[j] / t, upper[j] / t, false)
            } else {
                (upper[j] / t, lower[j] / t, true)
            };
            constraints.push(Constraint {
                offset,
                lower: lo,
                upper: hi,
                scale: t.abs(),
                variable: kept[j],
                flipped,
            });
        }
    }
    Reduction::Factor(OrderedFactor { dim: d, steps, constraints, coefficients })
}

/// φ(x), with φ(±∞) = 0.
#[inline]
pub(crate) fn density(x: f64) -> f64 {
    if x.is_finite() {
        pdf(x)
    } else {
        0.0
    }
}

/// E[Z | lo < Z < hi] for a standard normal Z, given p = Φ(hi) − Φ(lo); the midpoint of the
/// nearer finite end when p underflows.
fn truncated_mean(lo: f64, hi: f64, p: f64) -> f64 {
    if p > 1e-300 {
        let m = (density(lo) - density(hi)) / p;
        if m.is_finite() {
            return m.clamp(lo, hi);
        }
    }
    if lo.is_finite() {
        lo
    } else if hi.is_finite() {
        hi
    } else {
        0.0
    }
}
