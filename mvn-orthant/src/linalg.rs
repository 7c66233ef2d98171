//! Small dense linear algebra on row-major matrices: the pivoted Cholesky factorisation used to
//! certify that a covariance is positive semidefinite and to draw Gaussian vectors.

/// Result of a pivoted Cholesky factorisation P Σ Pᵀ = L Lᵀ of a symmetric positive
/// semidefinite matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct PivotedCholesky {
    /// Dimension d.
    pub dim: usize,
    /// Numerical rank r: the number of pivots above the zero threshold.
    pub rank: usize,
    /// `order[k]` is the original index of the variable factorised at step k.
    pub order: Vec<usize>,
    /// Row-major d × d factor in the pivoted order: `Σ[order[i]][order[j]] = Σ_k L[i][k]·L[j][k]`.
    /// Columns k ≥ rank are zero.
    pub factor: Vec<f64>,
}

/// Outcome of [`pivoted_cholesky`] on a matrix that is not positive semidefinite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NegativePivot {
    /// Original index of the variable whose conditional variance is negative.
    pub(crate) index: usize,
    /// That conditional variance (or the smallest eigenvalue of an offending 2 × 2 block).
    pub(crate) pivot: f64,
}

/// The threshold below which a pivot counts as zero: 8·d·ε times the largest diagonal entry.
/// Pivots at or below it end the factorisation (the numerical rank is the number of pivots
/// above it); what remains must then be zero up to [`negative_pivot_tolerance`].
pub(crate) fn zero_pivot_threshold(dim: usize, max_diagonal: f64) -> f64 {
    8.0 * (dim.max(1) as f64) * f64::EPSILON * max_diagonal
}

/// Relative size of the negative pivots accepted as rounding: 10⁶·ε ≈ 2.2 × 10⁻¹⁰.
///
/// A matrix that is positive semidefinite in exact arithmetic (a low-rank product `F Fᵀ`, a
/// correlation matrix estimated from few samples) often reaches a zero pivot as a small
/// negative number after rounding: −1.5 × 10⁻¹² on a 20 × 20 matrix built from a rank-5 factor.
/// The same relative tolerance is SciPy's default for its eigenvalue test of `allow_singular`
/// (10⁶·ε times the largest eigenvalue magnitude; we scale by the largest diagonal entry, which
/// is within a factor d of it and needs no eigen-decomposition).
pub(crate) const SEMIDEFINITE_TOLERANCE: f64 = 1e6 * f64::EPSILON;

/// The most negative pivot (conditional variance, or smallest eigenvalue of a 2 × 2 block of the
/// remaining Schur complement) still treated as a rounded zero:
/// max([`zero_pivot_threshold`], [`SEMIDEFINITE_TOLERANCE`] · max Σ_ii), in absolute value.
pub(crate) fn negative_pivot_tolerance(dim: usize, max_diagonal: f64) -> f64 {
    zero_pivot_threshold(dim, max_diagonal).max(SEMIDEFINITE_TOLERANCE * max_diagonal)
}

/// Pivoted (diagonal-pivoting) Cholesky factorisation of the symmetric row-major matrix `a`.
///
/// At each step the remaining variable with the largest conditional variance is eliminated,
/// which is the stable order for semidefinite matrices (Higham, *Accuracy and Stability of
/// Numerical Algorithms*, §10.3). It stops when every remaining conditional variance is below
/// [`zero_pivot_threshold`]; the remaining Schur complement must then vanish within
/// [`negative_pivot_tolerance`] (its negative pivots and 2 × 2 eigenvalues are treated as
/// zeros), otherwise the matrix is indefinite.
///
/// # Errors
///
/// Returns the offending variable and pivot when the matrix is not positive semidefinite.
pub(crate) fn pivoted_cholesky(a: &[f64], dim: usize) -> Result<PivotedCholesky, NegativePivot> {
    debug_assert_eq!(a.len(), dim * dim);
    let max_diagonal = (0..dim).map(|i| a[i * dim + i].abs()).fold(0.0, f64::max);
    let threshold = zero_pivot_threshold(dim, max_diagonal);
    let tolerance = negative_pivot_tolerance(dim, max_diagonal);
    let mut order: Vec<usize> = (0..dim).collect();
    // The Schur complement in the original indexing (never permuted): after step k the rows and
    // columns of the variables not yet eliminated (`order[k + 1..]`) hold it; step k takes every
    // such row down by its multiple of column k at once (a contiguous update that vectorises).
    // Each entry sees the same operations in the same order as in a permuted lower triangle.
    let mut s = a.to_vec();
    let mut factor = vec![0.0; dim * dim];
    // Column k of the factor by original index (0 for the variables already eliminated).
    let mut column = vec![0.0; dim];
    let entry = |s: &[f64], i: usize, j: usize| s[i * dim + j];
    let mut rank = 0;
    for k in 0..dim {
        // Choose the largest remaining diagonal.
        let (best, best_value) = (k..dim)
            .map(|i| (i, entry(&s, order[i], order[i])))
            .fold((k, f64::NEG_INFINITY), |acc, x| if x.1 > acc.1 { x } else { acc });
        if best_value <= threshold {
            // Every remaining pivot is (numerically) zero or negative: check the remainder.
            for i in k..dim {
                let sii = entry(&s, order[i], order[i]);
                if sii < -tolerance {
                    return Err(NegativePivot { index: order[i], pivot: sii });
                }
            }
            for i in k..dim {
                for j in k..i {
                    let sij = entry(&s, order[i], order[j]);
                    if sij.abs() > tolerance {
                        let (sii, sjj) = (entry(&s, order[i], order[i]), entry(&s, order[j], order[j]));
                        let half_trace = 0.5 * (sii + sjj);
                        let radius = (0.25 * (sii - sjj).powi(2) + sij * sij).sqrt();
                        let eigen = half_trace - radius;
                        if eigen < -tolerance {
                            return Err(NegativePivot { index: order[i], pivot: eigen });
                        }
                    }
                }
            }
            break;
        }
        if best != k {
            order.swap(k, best);
            for c in 0..k {
                factor.swap(k * dim + c, best * dim + c);
            }
        }
        let pick = order[k];
        let pivot = best_value.sqrt();
        factor[k * dim + k] = pivot;
        column.fill(0.0);
        for i in (k + 1)..dim {
            let lik = entry(&s, order[i], pick) / pivot;
            factor[i * dim + k] = lik;
            column[order[i]] = lik;
        }
        for i in (k + 1)..dim {
            let lik = factor[i * dim + k];
            let row = &mut s[order[i] * dim..(order[i] + 1) * dim];
            for (x, &ljk) in row.iter_mut().zip(&column) {
                *x -= lik * ljk;
            }
        }
        rank += 1;
    }
    Ok(PivotedCholesky { dim, rank, order, factor })
}

/// Solves the dense system A x = b in place by Gaussian elimination with partial pivoting.
///
/// `a` is row-major n × n and is overwritten; `b` becomes the solution. Returns `false` (and
/// leaves `b` unspecified) when a pivot is exactly zero or the solution is not finite.
pub(crate) fn solve_in_place(a: &mut [f64], b: &mut [f64], n: usize) -> bool {
    debug_assert_eq!(a.len(), n * n);
    debug_assert_eq!(b.len(), n);
    for k in 0..n {
        let pivot_row =
            (k..n).max_by(|&i, &j| a[i * n + k].abs().total_cmp(&a[j * n + k].abs())).unwrap_or(k);
        if a[pivot_row * n + k] == 0.0 {
            return false;
        }
        if pivot_row != k {
            for c in 0..n {
                a.swap(k * n + c, pivot_row * n + c);
            }
            b.swap(k, pivot_row);
        }
        let pivot = a[k * n + k];
        for i in (k + 1)..n {
            let factor = a[i * n + k] / pivot;
            if factor != 0.0 {
                for c in k..n {
                    a[i * n + c] -= factor * a[k * n + c];
                }
                b[i] -= factor * b[k];
            }
        }
    }
    for k in (0..n).rev() {
        let tail: f64 = ((k + 1)..n).map(|c| a[k * n + c] * b[c]).sum();
        b[k] = (b[k] - tail) / a[k * n + k];
    }
    b.iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reconstruct(f: &PivotedCholesky) -> Vec<f64> {
        let d = f.dim;
        let mut out = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                let v: f64 = (0..d).map(|k| f.factor[i * d + k] * f.factor[j * d + k]).sum();
                out[f.order[i] * d + f.order[j]] = v;
            }
        }
        out
    }

    #[test]
    fn reconstructs_full_rank_and_semidefinite() {
        let a = [4.0, 2.0, 0.6, 2.0, 2.0, 0.3, 0.6, 0.3, 1.0];
        let f = pivoted_cholesky(&a, 3).unwrap();
        assert_eq!(f.rank, 3);
        for (x, y) in reconstruct(&f).iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-14);
        }
        // Repeated variable: rank 2.
        let b = [1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0];
        let f = pivoted_cholesky(&b, 3).unwrap();
        assert_eq!(f.rank, 2);
        for (x, y) in reconstruct(&f).iter().zip(b.iter()) {
            assert!((x - y).abs() < 1e-14);
        }
    }

    #[test]
    fn solves_a_pivoting_system() {
        let mut a = vec![0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 2.0, 0.0, 3.0];
        let mut b = vec![5.0, 3.0, 11.0];
        assert!(solve_in_place(&mut a, &mut b, 3));
        // Check the residual against the original system.
        let a0 = [0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 2.0, 0.0, 3.0];
        let rhs = [5.0, 3.0, 11.0];
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| a0[i * 3 + j] * b[j]).sum();
            assert!((r - rhs[i]).abs() < 1e-14);
        }
        let mut singular = vec![1.0, 2.0, 2.0, 4.0];
        assert!(!solve_in_place(&mut singular, &mut [1.0, 1.0], 2));
    }

    /// The textbook form: the rows and columns of a copy swapped into the pivoted order and the
    /// lower triangle of the trailing block updated entry by entry (mirrored), for full-rank
    /// matrices. The factorisation must give its bits.
    fn permuted_lower_triangle(a: &[f64], dim: usize) -> (Vec<usize>, Vec<f64>) {
        let mut s = a.to_vec();
        let mut order: Vec<usize> = (0..dim).collect();
        let mut factor = vec![0.0; dim * dim];
        for k in 0..dim {
            let best = (k..dim).fold(k, |b, i| if s[i * dim + i] > s[b * dim + b] { i } else { b });
            for c in 0..dim {
                s.swap(k * dim + c, best * dim + c);
            }
            for r in 0..dim {
                s.swap(r * dim + k, r * dim + best);
            }
            order.swap(k, best);
            for c in 0..k {
                factor.swap(k * dim + c, best * dim + c);
            }
            let pivot = s[k * dim + k].sqrt();
            factor[k * dim + k] = pivot;
            for i in (k + 1)..dim {
                factor[i * dim + k] = s[i * dim + k] / pivot;
            }
            for i in (k + 1)..dim {
                for j in (k + 1)..=i {
                    let v = s[i * dim + j] - factor[i * dim + k] * factor[j * dim + k];
                    s[i * dim + j] = v;
                    s[j * dim + i] = v;
                }
            }
        }
        (order, factor)
    }

    #[test]
    fn the_factor_has_the_bits_of_the_permuted_lower_triangle_form() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for dim in [1usize, 2, 3, 7, 16, 41] {
            // A random Gram matrix B Bᵀ/dim + 0.1 I (full rank, pivots in no simple order).
            let b: Vec<f64> = (0..dim * dim).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut a = vec![0.0; dim * dim];
            for i in 0..dim {
                for j in 0..=i {
                    let v: f64 = (0..dim).map(|m| b[i * dim + m] * b[j * dim + m]).sum::<f64>() / dim as f64;
                    let v = if i == j { v + 0.1 } else { v };
                    a[i * dim + j] = v;
                    a[j * dim + i] = v;
                }
            }
            let f = pivoted_cholesky(&a, dim).unwrap();
            let (order, factor) = permuted_lower_triangle(&a, dim);
            assert_eq!(f.rank, dim);
            assert_eq!(f.order, order, "d = {dim}");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&f.factor), bits(&factor), "d = {dim}");
        }
    }

    #[test]
    fn rejects_indefinite() {
        let a = [1.0, 2.0, 2.0, 1.0];
        assert!(pivoted_cholesky(&a, 2).is_err());
        let b = [0.0, 1.0, 1.0, 0.0];
        assert!(pivoted_cholesky(&b, 2).is_err());
        let c = [1.0, 0.0, 0.0, -1e-3];
        assert!(pivoted_cholesky(&c, 2).is_err());
    }
}
