//! The problems shared by the criterion benchmarks (`benches`), the peer comparison
//! (`benches/src/bin/peer_problems.rs`) and the work-precision sweep (`orthant tradeoff`), so that
//! every timing refers to the same inputs.
//!
//! The random fixtures draw from one pinned stream, [`PinnedStream`]: a 64-bit linear
//! congruential generator (Knuth's MMIX constants). It is kept, rather than Xoshiro256++, because
//! the published timings, probabilities and peer comparisons of `docs/performance.md` were
//! measured on exactly these matrices; a new stream would silently change the problems behind
//! them. Everything else in the workspace draws from `rand_xoshiro`.

use mvn_orthant::one_factor::OneFactorProblem;
use mvn_orthant::{Covariance, Problem};

/// The pinned uniform stream of the fixtures: `s ← a·s + c (mod 2⁶⁴)` with `a = 6364136223846793005`
/// and `c = 1442695040888963407`, seeded with `s₀ = a·seed + c`; each draw uses the top 53 bits.
#[derive(Debug, Clone)]
pub struct PinnedStream {
    state: u64,
}

impl PinnedStream {
    const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
    const INCREMENT: u64 = 1_442_695_040_888_963_407;

    /// The stream of `seed`.
    pub fn new(seed: u64) -> Self {
        PinnedStream { state: seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(Self::INCREMENT) }
    }

    /// The next 53 random bits, as an integer in `0 … 2⁵³ − 1`.
    fn next_bits(&mut self) -> u64 {
        self.state = self.state.wrapping_mul(Self::MULTIPLIER).wrapping_add(Self::INCREMENT);
        self.state >> 11
    }

    /// A draw on the grid `k/2⁵³` of `[0, 1)`.
    pub fn next_closed_open(&mut self) -> f64 {
        self.next_bits() as f64 / (1u64 << 53) as f64
    }

    /// A draw on the midpoints `(k + ½)/2⁵³` of `(0, 1)` (never 0, so its logarithm is finite).
    pub fn next_open(&mut self) -> f64 {
        (self.next_bits() as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// The equicorrelated ρ = ½ lower orthant P(X ≤ 0) in dimension d (exact value 1/(d + 1)), the
/// anchor problem of the comparison with R's mvtnorm.
///
/// # Errors
///
/// d = 0 (no problem).
pub fn equicorrelated_orthant(d: usize) -> mvn_orthant::Result<Problem> {
    Problem::lower_orthant(Covariance::equicorrelated(d, 0.5)?, vec![0.0; d])
}

/// A reproducible random correlation matrix of dimension d: A = G Gᵀ + 0.1·I rescaled to unit
/// diagonal, R_ij = A_ij/√(A_ii A_jj), with G a d × d matrix of uniform(−1, 1) entries from the
/// [`PinnedStream`] of `seed`. Positive definite (A ⪰ 0.1·I).
///
/// # Errors
///
/// d = 0 (no matrix).
pub fn random_correlation(d: usize, seed: u64) -> mvn_orthant::Result<Covariance> {
    let mut stream = PinnedStream::new(seed);
    let g: Vec<f64> = (0..d * d).map(|_| stream.next_closed_open() * 2.0 - 1.0).collect();
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
    Covariance::from_row_major(d, a)
}

/// A box problem on [`random_correlation`]`(d, seed)` with zero mean and limits
/// (−1 − 0.1·(i mod 5), 1.5 + 0.1·(i mod 3)) for coordinate i.
///
/// # Errors
///
/// d = 0 (no problem).
pub fn random_box(d: usize, seed: u64) -> mvn_orthant::Result<Problem> {
    let lower: Vec<f64> = (0..d).map(|i| -1.0 - 0.1 * (i % 5) as f64).collect();
    let upper: Vec<f64> = (0..d).map(|i| 1.5 + 0.1 * (i % 3) as f64).collect();
    Problem::new(vec![0.0; d], random_correlation(d, seed)?, lower, upper)
}

/// The equicorrelated ρ = ½ lower orthant of [`equicorrelated_orthant`] given in its one-factor
/// form, Σ = D + λλᵀ with D = ½I and λ = √½·1 (every factor alike), so that a timing measures
/// the 1-D integral without the O(d²) detection of the structure in a dense covariance.
///
/// # Errors
///
/// d = 0 (no problem).
pub fn one_factor_equicorrelated_orthant(d: usize) -> mvn_orthant::Result<OneFactorProblem> {
    OneFactorProblem::new(
        vec![0.0; d],
        vec![0.5; d],
        vec![0.5f64.sqrt(); d],
        vec![f64::NEG_INFINITY; d],
        vec![0.0; d],
    )
}

/// The one-factor lower orthant P(X ≤ 0) with distinct loadings λ_i = √½·(0.8 + 0.4 i/d) and
/// D_ii = 1 − λ_i² (unit variances, no two factors alike, so nothing can be merged and the cost
/// is O(d · nodes)).
///
/// # Errors
///
/// d = 0 (no problem).
pub fn one_factor_distinct_loadings_orthant(d: usize) -> mvn_orthant::Result<OneFactorProblem> {
    let loading: Vec<f64> = (0..d).map(|i| 0.5f64.sqrt() * (0.8 + 0.4 * i as f64 / d as f64)).collect();
    let diagonal = loading.iter().map(|l| 1.0 - l * l).collect();
    OneFactorProblem::new(vec![0.0; d], diagonal, loading, vec![f64::NEG_INFINITY; d], vec![0.0; d])
}

/// A reproducible EXACT batch: `batch × classes` logits (row-major) from N(0, 1) by the
/// [`PinnedStream`] of `seed` and the Box–Muller transform (`√(−2 ln u) cos 2πv`), with the
/// label's logit raised by 1 so the true class usually leads (accuracies spread over (0, 1)
/// rather than all near 1/C), and labels `(7b + 3) mod C` cycling through the classes.
/// `classes = 0` gives no logits and no labels.
pub fn exact_loss_batch(batch: usize, classes: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    if classes == 0 {
        return (vec![], vec![]);
    }
    let mut stream = PinnedStream::new(seed);
    let mut logits = Vec::with_capacity(batch * classes);
    for _ in 0..batch * classes {
        let (u, v) = (stream.next_open(), stream.next_open());
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
        assert_eq!(random_correlation(7, 3).unwrap(), random_correlation(7, 3).unwrap());
        assert_ne!(random_correlation(7, 3).unwrap(), random_correlation(7, 4).unwrap());
        assert_eq!(equicorrelated_orthant(5).unwrap().dim(), 5);
        assert_eq!(random_box(12, 1).unwrap().dim(), 12);
        assert!(random_box(0, 1).is_err() && equicorrelated_orthant(0).is_err());
        assert_eq!(one_factor_equicorrelated_orthant(4).unwrap().dim(), 4);
        assert_eq!(one_factor_distinct_loadings_orthant(4).unwrap().dim(), 4);
        assert!(one_factor_distinct_loadings_orthant(0).is_err());
        let (logits, labels) = exact_loss_batch(4, 3, 1);
        assert_eq!((logits.len(), labels.len()), (12, 4));
        assert!(logits.iter().all(|x| x.is_finite()) && labels.iter().all(|&y| y < 3));
        assert_eq!(exact_loss_batch(4, 3, 1), (logits, labels));
        assert_eq!(exact_loss_batch(4, 0, 1), (vec![], vec![]));
    }

    #[test]
    fn the_stream_is_the_pinned_one() {
        // s₁ = a·(a·0 + c) + c mod 2⁶⁴, by 128-bit arithmetic; the first draw is s₁ >> 11 over 2⁵³.
        let (a, c) = (6_364_136_223_846_793_005u128, 1_442_695_040_888_963_407u128);
        let s1 = (a * c + c) % (1u128 << 64);
        let expected = (s1 >> 11) as f64 / (1u64 << 53) as f64;
        assert_eq!(PinnedStream::new(0).next_closed_open(), expected);
        // The unit diagonal of the correlation fixture.
        let r = random_correlation(6, 9).unwrap();
        for i in 0..6 {
            assert!((r.get(i, i) - 1.0).abs() < 1e-15);
        }
    }
}
