//! Public proptest strategies that generate valid problems.
//!
//! Every covariance strategy yields a validated [`Covariance`] (candidates that fail validation
//! through rounding are filtered out, which is rare). Correlation strategies have unit
//! variances; [`covariance`] rescales a correlation by random standard deviations.
//!
//! ```
//! use proptest::prelude::*;
//! use validation::strategies;
//! proptest!(ProptestConfig::with_cases(8), |(p in strategies::problem(1..=4))| {
//!     prop_assert!(p.dim() >= 1 && p.dim() <= 4);
//! });
//! ```

use mvn_orthant::{Covariance, Problem};
use proptest::prelude::*;
use std::ops::RangeInclusive;

fn from_row_major(d: usize, e: Vec<f64>) -> Option<Covariance> {
    Covariance::from_row_major(d, e).ok()
}

/// Scales a positive semidefinite matrix to unit diagonal (zero diagonals stay zero).
fn to_correlation(d: usize, mut e: Vec<f64>) -> Vec<f64> {
    let s: Vec<f64> = (0..d).map(|i| e[i * d + i].sqrt()).collect();
    for i in 0..d {
        for j in 0..d {
            if s[i] > 0.0 && s[j] > 0.0 {
                e[i * d + j] = if i == j { 1.0 } else { (e[i * d + j] / (s[i] * s[j])).clamp(-1.0, 1.0) };
            }
        }
    }
    e
}

/// G Gᵀ for a row-major d × k matrix G.
fn gram(d: usize, k: usize, g: &[f64]) -> Vec<f64> {
    let mut e = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let v: f64 = (0..k).map(|m| g[i * k + m] * g[j * k + m]).sum();
            e[i * d + j] = v;
            e[j * d + i] = v;
        }
    }
    e
}

/// A random correlation matrix: G Gᵀ for a random d × k factor G (k from 1 to d + 2 entries
/// in [−1, 1]) plus 0.05 I, scaled to unit diagonal. Small k gives strongly correlated,
/// nearly singular matrices; large k nearly independent ones.
pub fn correlation_matrix(dim: RangeInclusive<usize>) -> impl Strategy<Value = Covariance> {
    dim.prop_flat_map(|d| (Just(d), 1..=d + 2))
        .prop_flat_map(|(d, k)| (Just(d), Just(k), prop::collection::vec(-1.0..1.0f64, d * k)))
        .prop_filter_map("not positive semidefinite after rounding", |(d, k, g)| {
            let mut e = gram(d, k, &g);
            for i in 0..d {
                e[i * d + i] += 0.05;
            }
            from_row_major(d, to_correlation(d, e))
        })
}

/// An equicorrelated correlation matrix with ρ ∈ [−1/(d−1), 1] (ρ ∈ [−1, 1] for d ≤ 2).
pub fn equicorrelated(dim: RangeInclusive<usize>) -> impl Strategy<Value = Covariance> {
    dim.prop_flat_map(|d| {
        let low = if d <= 2 { -1.0 } else { -1.0 / (d as f64 - 1.0) };
        (Just(d), low..=1.0f64)
    })
    .prop_filter_map("not positive semidefinite after rounding", |(d, rho)| {
        Covariance::equicorrelated(d, rho).ok()
    })
}

/// A one-factor correlation matrix Σ = D + λλᵀ with loadings λ_i ∈ (−0.99, 0.99) and
/// D_ii = 1 − λ_i² (unit variances). The exact one-factor reduction applies to it.
pub fn one_factor(dim: RangeInclusive<usize>) -> impl Strategy<Value = Covariance> {
    dim.prop_flat_map(|d| prop::collection::vec(-0.99..0.99f64, d)).prop_filter_map(
        "not positive semidefinite after rounding",
        |l| {
            let d = l.len();
            let mut e = vec![0.0; d * d];
            for i in 0..d {
                for j in 0..d {
                    e[i * d + j] = if i == j { 1.0 } else { l[i] * l[j] };
                }
            }
            from_row_major(d, e)
        },
    )
}

/// A block-diagonal correlation matrix made of `blocks` random blocks of sizes in `block_dim`,
/// with the block sizes (in order).
pub fn block_diagonal(
    blocks: RangeInclusive<usize>,
    block_dim: RangeInclusive<usize>,
) -> impl Strategy<Value = (Covariance, Vec<usize>)> {
    blocks.prop_flat_map(move |n| prop::collection::vec(correlation_matrix(block_dim.clone()), n)).prop_map(
        |parts| {
            let sizes: Vec<usize> = parts.iter().map(Covariance::dim).collect();
            let d: usize = sizes.iter().sum();
            let mut e = vec![0.0; d * d];
            let mut offset = 0;
            for part in &parts {
                let k = part.dim();
                for i in 0..k {
                    for j in 0..k {
                        e[(offset + i) * d + offset + j] = part.get(i, j);
                    }
                }
                offset += k;
            }
            (
                Covariance::from_row_major(d, e).expect("a block-diagonal matrix of valid blocks is valid"),
                sizes,
            )
        },
    )
}

/// A low-rank matrix plus ε I: G Gᵀ + ε I for a d × r factor (r < d) and ε ∈ [0, 10⁻³]
/// (ε = 0 half of the time, which is singular), scaled to unit diagonal.
pub fn low_rank_plus_epsilon(dim: RangeInclusive<usize>) -> impl Strategy<Value = Covariance> {
    dim.prop_flat_map(|d| (Just(d), 1..d.max(2)))
        .prop_flat_map(|(d, r)| {
            (
                Just(d),
                Just(r),
                prop::collection::vec(-1.0..1.0f64, d * r),
                prop_oneof![Just(0.0), 0.0..1e-3f64],
            )
        })
        .prop_filter_map("not positive semidefinite after rounding", |(d, r, g, eps)| {
            let mut e = gram(d, r, &g);
            for i in 0..d {
                e[i * d + i] += eps;
            }
            // Rows of G that are all but zero would give zero variances: keep them as they are.
            from_row_major(d, to_correlation(d, e))
        })
}

/// A nearly singular correlation matrix: equicorrelated with ρ = 1 − 10^(−k), k ∈ [3, 12], or
/// a random correlation whose first two variables have correlation ±(1 − 10^(−k)).
pub fn near_singular(dim: RangeInclusive<usize>) -> impl Strategy<Value = Covariance> {
    let equi = (dim.clone(), 3.0..12.0f64)
        .prop_filter_map("invalid", |(d, k)| Covariance::equicorrelated(d, 1.0 - 10f64.powf(-k)).ok());
    let pair = (dim.prop_map(|d| d.max(2)), 3.0..12.0f64, prop::bool::ANY).prop_filter_map(
        "invalid",
        |(d, k, negative)| {
            let rho = (1.0 - 10f64.powf(-k)) * if negative { -1.0 } else { 1.0 };
            let mut e = vec![0.0; d * d];
            for i in 0..d {
                e[i * d + i] = 1.0;
            }
            e[1] = rho;
            e[d] = rho;
            from_row_major(d, e)
        },
    );
    prop_oneof![equi, pair]
}

/// Any of the correlation families above.
pub fn any_correlation(dim: RangeInclusive<usize>) -> impl Strategy<Value = Covariance> {
    prop_oneof![
        correlation_matrix(dim.clone()),
        equicorrelated(dim.clone()),
        one_factor(dim.clone()),
        low_rank_plus_epsilon(dim.clone()),
        near_singular(dim),
    ]
}

/// A covariance: a correlation from [`any_correlation`] rescaled by standard deviations in
/// [0.1, 10].
pub fn covariance(dim: RangeInclusive<usize>) -> impl Strategy<Value = Covariance> {
    any_correlation(dim)
        .prop_flat_map(|c| {
            let d = c.dim();
            (Just(c), prop::collection::vec(0.1..10.0f64, d))
        })
        .prop_filter_map("not positive semidefinite after rounding", |(c, s)| {
            let d = c.dim();
            let e = (0..d * d).map(|k| c.as_slice()[k] * s[k / d] * s[k % d]).collect();
            from_row_major(d, e)
        })
}

/// One limit pair (a, b) with a ≤ b: both finite, one side infinite, or both infinite, with
/// finite limits in [−4, 4].
pub fn interval() -> impl Strategy<Value = (f64, f64)> {
    prop_oneof![
        3 => (-4.0..4.0f64, -4.0..4.0f64).prop_map(|(x, y)| (x.min(y), x.max(y))),
        2 => (-4.0..4.0f64).prop_map(|b| (f64::NEG_INFINITY, b)),
        2 => (-4.0..4.0f64).prop_map(|a| (a, f64::INFINITY)),
        1 => Just((f64::NEG_INFINITY, f64::INFINITY)),
    ]
}

/// A box of dimension `d` as (lower, upper).
pub fn boxes(d: usize) -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    prop::collection::vec(interval(), d).prop_map(|v| v.into_iter().unzip())
}

/// An orthant of dimension `d` around the mean: each coordinate is either (−∞, μ_i] or
/// [μ_i, ∞), so the closed forms of [`crate::closed_form`] apply for d ≤ 3.
pub fn orthant_signs(d: usize) -> impl Strategy<Value = Vec<bool>> {
    prop::collection::vec(prop::bool::ANY, d)
}

/// A problem: a covariance from [`covariance`], a mean in [−1, 1]^d (scaled by the standard
/// deviations) and a box from [`boxes`] (scaled likewise).
pub fn problem(dim: RangeInclusive<usize>) -> impl Strategy<Value = Problem> {
    covariance(dim)
        .prop_flat_map(|c| {
            let d = c.dim();
            (Just(c), prop::collection::vec(-1.0..1.0f64, d), boxes(d))
        })
        .prop_map(|(c, m, (lo, hi))| {
            let d = c.dim();
            let s: Vec<f64> = (0..d).map(|i| c.get(i, i).sqrt()).collect();
            let mean: Vec<f64> = (0..d).map(|i| m[i] * s[i]).collect();
            let lower = (0..d).map(|i| lo[i] * s[i]).collect();
            let upper = (0..d).map(|i| hi[i] * s[i]).collect();
            Problem::new(mean, c, lower, upper).expect("limits are ordered and finite or infinite")
        })
}

/// A zero-mean orthant problem with a random sign pattern on a correlation from
/// [`any_correlation`].
pub fn orthant_problem(dim: RangeInclusive<usize>) -> impl Strategy<Value = Problem> {
    any_correlation(dim)
        .prop_flat_map(|c| {
            let d = c.dim();
            (Just(c), orthant_signs(d))
        })
        .prop_map(|(c, signs)| orthant_from_signs(c, &signs))
}

/// The zero-mean orthant with coordinate i in (−∞, 0] when `lower_side[i]` and [0, ∞) otherwise.
///
/// # Panics
///
/// When `lower_side.len()` differs from the covariance's dimension.
pub fn orthant_from_signs(c: Covariance, lower_side: &[bool]) -> Problem {
    let d = c.dim();
    assert_eq!(lower_side.len(), d);
    let lower = lower_side.iter().map(|&s| if s { f64::NEG_INFINITY } else { 0.0 }).collect();
    let upper = lower_side.iter().map(|&s| if s { 0.0 } else { f64::INFINITY }).collect();
    Problem::new(vec![0.0; d], c, lower, upper).expect("orthant limits are valid")
}

/// EXACT inputs: logits for `classes` classes (entries in [−5, 5]) and a label in 0..C.
pub fn exact_logits(classes: RangeInclusive<usize>) -> impl Strategy<Value = (Vec<f64>, usize)> {
    classes.prop_flat_map(|c| (prop::collection::vec(-5.0..5.0f64, c), 0..c))
}

/// A batch of EXACT inputs: a row-major B × C logit matrix and B labels, with C ≥ 2.
pub fn exact_batch(
    batch: RangeInclusive<usize>,
    classes: RangeInclusive<usize>,
) -> impl Strategy<Value = (usize, Vec<f64>, Vec<usize>)> {
    (batch, classes).prop_flat_map(|(b, c)| {
        (Just(c), prop::collection::vec(-5.0..5.0f64, b * c), prop::collection::vec(0..c, b))
    })
}
