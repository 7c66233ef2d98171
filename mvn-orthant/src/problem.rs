//! Validated problem types: a covariance matrix, and the rectangle probability problem
//! P(a ≤ X ≤ b) for X ~ N(μ, Σ).
//!
//! Constructors check everything once (finiteness, shapes, symmetry, positive
//! semidefiniteness, ordered limits), so that every integrator can evaluate a [`Problem`]
//! without further checks. Semidefinite (singular) covariances are valid: zero variances,
//! repeated variables and rank-deficient matrices are accepted.

use crate::error::{Error, Result};
use crate::linalg::{pivoted_cholesky, PivotedCholesky};

/// Relative tolerance of the symmetry check: |Σ_ij − Σ_ji| ≤ 1e-12 · max(|Σ_ij|, |Σ_ji|, √(Σ_ii Σ_jj)).
/// Accepted matrices are symmetrised by averaging the two triangles.
pub(crate) const SYMMETRY_TOLERANCE: f64 = 1e-12;

/// A symmetric positive semidefinite covariance matrix (row-major, validated).
#[derive(Debug, Clone, PartialEq)]
pub struct Covariance {
    dim: usize,
    entries: Vec<f64>,
    rank: usize,
}

impl Covariance {
    /// Builds a covariance from its rows.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionZero`], [`Error::DimensionMismatch`] for a ragged or non-square matrix,
    /// [`Error::NonFinite`], [`Error::Asymmetric`] when |Σ_ij − Σ_ji| exceeds
    /// 1e-12·max(|Σ_ij|, |Σ_ji|, √(Σ_ii Σ_jj)) (within it, the two triangles are averaged), and
    /// [`Error::NotPositiveSemidefinite`] when a pivoted Cholesky factorisation meets a negative
    /// pivot beyond rounding: below −max(8dε, 10⁶ε)·max Σ_ii (pivots within 8dε·max Σ_ii of 0
    /// count as zero and end the factorisation).
    ///
    /// ```
    /// use mvn_orthant::Covariance;
    /// let c = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 1.0]]).unwrap();
    /// assert_eq!(c.dim(), 2);
    /// assert!(Covariance::from_rows(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_err());
    /// ```
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let dim = rows.len();
        let mut entries = Vec::with_capacity(dim * dim);
        for (i, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != dim {
                return Err(Error::DimensionMismatch {
                    what: format!("covariance row {i}"),
                    expected: dim,
                    found: row.len(),
                });
            }
            entries.extend_from_slice(row);
        }
        Self::from_row_major(dim, entries)
    }

    /// Builds a covariance from a row-major vector of `dim * dim` entries.
    ///
    /// # Errors
    ///
    /// As [`Covariance::from_rows`].
    pub fn from_row_major(dim: usize, mut entries: Vec<f64>) -> Result<Self> {
        if dim == 0 {
            return Err(Error::DimensionZero);
        }
        if entries.len() != dim * dim {
            return Err(Error::DimensionMismatch {
                what: "covariance (row-major entries)".into(),
                expected: dim * dim,
                found: entries.len(),
            });
        }
        for i in 0..dim {
            for j in 0..dim {
                let v = entries[i * dim + j];
                if !v.is_finite() {
                    return Err(Error::NonFinite { what: "covariance".into(), index: vec![i, j], value: v });
                }
            }
        }
        for i in 0..dim {
            for j in 0..i {
                let (upper, lower) = (entries[j * dim + i], entries[i * dim + j]);
                let scale = upper
                    .abs()
                    .max(lower.abs())
                    .max((entries[i * dim + i] * entries[j * dim + j]).abs().sqrt());
                if (upper - lower).abs() > SYMMETRY_TOLERANCE * scale {
                    return Err(Error::Asymmetric { row: j, col: i, upper, lower });
                }
                let mean = 0.5 * (upper + lower);
                entries[j * dim + i] = mean;
                entries[i * dim + j] = mean;
            }
        }
        let factorisation = pivoted_cholesky(&entries, dim)
            .map_err(|e| Error::NotPositiveSemidefinite { index: e.index, pivot: e.pivot })?;
        Ok(Covariance { dim, entries, rank: factorisation.rank })
    }

    /// The d × d identity matrix.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionZero`] when `dim` is 0.
    pub fn identity(dim: usize) -> Result<Self> {
        Self::equicorrelated(dim, 0.0)
    }

    /// The equicorrelated correlation matrix with unit variances and every off-diagonal entry ρ.
    /// It is positive semidefinite exactly when −1/(d−1) ≤ ρ ≤ 1.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionZero`], [`Error::NonFinite`], or [`Error::NotPositiveSemidefinite`].
    pub fn equicorrelated(dim: usize, rho: f64) -> Result<Self> {
        let mut entries = vec![rho; dim * dim];
        for i in 0..dim {
            entries[i * dim + i] = 1.0;
        }
        Self::from_row_major(dim, entries)
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The numerical rank found by the validating factorisation.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Entry Σ_ij.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.entries[i * self.dim + j]
    }

    /// The row-major entries (symmetrised).
    pub fn as_slice(&self) -> &[f64] {
        &self.entries
    }

    /// The rows as vectors (convenient for serialisation).
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        self.entries.chunks(self.dim).map(<[f64]>::to_vec).collect()
    }

    /// A pivoted Cholesky factor (largest conditional variance first), valid for semidefinite
    /// matrices.
    pub fn pivoted_cholesky(&self) -> PivotedCholesky {
        pivoted_cholesky(&self.entries, self.dim).expect("validated at construction")
    }

    /// The sub-matrix on the given indices (in the given order).
    pub fn submatrix(&self, indices: &[usize]) -> Covariance {
        let k = indices.len();
        let mut entries = Vec::with_capacity(k * k);
        for &i in indices {
            for &j in indices {
                entries.push(self.get(i, j));
            }
        }
        let rank = if k == 0 { 0 } else { pivoted_cholesky(&entries, k).map(|f| f.rank).unwrap_or(k) };
        Covariance { dim: k, entries, rank }
    }
}

/// The conditional normal distribution: for X ~ N(μ, Σ) (Σ given entrywise by `covariance`,
/// dimension `mean.len()`) and Σ_kk > 0, the law of X_{−k} (the other coordinates, in order)
/// given X_k = x is N(m, C) with
///
/// ```text
/// m_i  = μ_i + Σ_ik·(x − μ_k)/Σ_kk,
/// C_ij = Σ_ij − Σ_ik Σ_jk/Σ_kk   (diagonal clamped at 0 against rounding).
/// ```
///
/// Returns (m, C row-major). This is the one implementation of the formula in the crate (the
/// gradients by conditioning, the exact gradients, [`Problem::conditional`]).
pub(crate) fn conditional_normal(
    mean: &[f64],
    covariance: impl Fn(usize, usize) -> f64,
    k: usize,
    x: f64,
) -> (Vec<f64>, Vec<f64>) {
    let d = mean.len();
    let skk = covariance(k, k);
    let others: Vec<usize> = (0..d).filter(|&i| i != k).collect();
    let shift = (x - mean[k]) / skk;
    let conditional_mean = others.iter().map(|&i| mean[i] + covariance(i, k) * shift).collect();
    let mut entries = Vec::with_capacity(others.len() * others.len());
    for &i in &others {
        for &j in &others {
            let c = covariance(i, j) - covariance(i, k) * covariance(j, k) / skk;
            entries.push(if i == j { c.max(0.0) } else { c });
        }
    }
    (conditional_mean, entries)
}

/// [`Error::DimensionMismatch`] for the first vector of `vectors` (named) whose length is not
/// `dim`.
pub(crate) fn check_lengths(dim: usize, vectors: &[(&str, &[f64])]) -> Result<()> {
    for &(what, v) in vectors {
        if v.len() != dim {
            return Err(Error::DimensionMismatch { what: what.into(), expected: dim, found: v.len() });
        }
    }
    Ok(())
}

/// [`Error::NonFinite`] for the first entry of `vectors` (named) that is infinite or NaN.
pub(crate) fn check_finite(vectors: &[(&str, &[f64])]) -> Result<()> {
    for &(what, v) in vectors {
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite { what: what.into(), index: vec![i], value: v[i] });
        }
    }
    Ok(())
}

/// Checks the limits of a box, coordinate by coordinate: [`Error::NonFinite`] for a NaN limit,
/// [`Error::LowerAboveUpper`] for a > b. With `infinite_empty`, a lower limit of +∞ or an
/// upper limit of −∞ is accepted whatever the other limit (an empty interval, P = 0).
pub(crate) fn check_limits(lower: &[f64], upper: &[f64], infinite_empty: bool) -> Result<()> {
    for (i, (&a, &b)) in lower.iter().zip(upper).enumerate() {
        if a.is_nan() {
            return Err(Error::NonFinite { what: "lower".into(), index: vec![i], value: a });
        }
        if b.is_nan() {
            return Err(Error::NonFinite { what: "upper".into(), index: vec![i], value: b });
        }
        let empty = infinite_empty && (a == f64::INFINITY || b == f64::NEG_INFINITY);
        if a > b && !empty {
            return Err(Error::LowerAboveUpper { index: i, lower: a, upper: b });
        }
    }
    Ok(())
}

/// Whether the box [a, b] is empty whatever the distribution: some a_i = +∞ or some b_i = −∞.
pub(crate) fn is_empty_box(lower: &[f64], upper: &[f64]) -> bool {
    lower.contains(&f64::INFINITY) || upper.contains(&f64::NEG_INFINITY)
}

/// The problem P(a ≤ X ≤ b) for X ~ N(μ, Σ): a validated mean, covariance, and box.
///
/// Limits may be infinite and may coincide (a degenerate interval has probability 0 unless the
/// variable is a point mass there); a lower limit of +∞ or an upper limit of −∞ describes an
/// empty box (P = 0). NaN limits are rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    mean: Vec<f64>,
    covariance: Covariance,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Problem {
    /// Builds and validates a problem.
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] when `mean`, `lower` or `upper` do not have the covariance's
    /// dimension, [`Error::NonFinite`] for a non-finite mean or a NaN limit,
    /// [`Error::LowerAboveUpper`] when a lower limit exceeds its upper limit.
    ///
    /// Every infinite limit is valid: a lower limit of +∞ (with an upper limit of +∞) or an upper
    /// limit of −∞ (with a lower limit of −∞) makes the box empty, and every method then returns
    /// P = 0 exactly, ln P = −∞ and zero gradients (see [`Problem::is_empty_box`]).
    ///
    /// ```
    /// use mvn_orthant::{Covariance, Problem};
    /// let sigma = Covariance::equicorrelated(3, 0.5).unwrap();
    /// let p = Problem::new(vec![0.0; 3], sigma, vec![f64::NEG_INFINITY; 3], vec![0.0; 3]).unwrap();
    /// assert_eq!(p.dim(), 3);
    /// ```
    pub fn new(mean: Vec<f64>, covariance: Covariance, lower: Vec<f64>, upper: Vec<f64>) -> Result<Self> {
        let dim = covariance.dim();
        check_lengths(dim, &[("mean", &mean), ("lower", &lower), ("upper", &upper)])?;
        check_finite(&[("mean", &mean)])?;
        check_limits(&lower, &upper, false)?;
        Ok(Problem { mean, covariance, lower, upper })
    }

    /// The lower orthant P(X ≤ b) with zero mean.
    ///
    /// # Errors
    ///
    /// As [`Problem::new`].
    pub fn lower_orthant(covariance: Covariance, upper: Vec<f64>) -> Result<Self> {
        let d = covariance.dim();
        Self::new(vec![0.0; d], covariance, vec![f64::NEG_INFINITY; d], upper)
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.covariance.dim()
    }

    /// The mean μ.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The covariance Σ.
    pub fn covariance(&self) -> &Covariance {
        &self.covariance
    }

    /// The lower limits a.
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }

    /// The upper limits b.
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// Whether the box is empty whatever the covariance: some coordinate has a lower limit of
    /// +∞ or an upper limit of −∞. Then P = 0 exactly, ln P = −∞, and every derivative is 0
    /// (moving a finite limit leaves the box empty).
    ///
    /// ```
    /// use mvn_orthant::{Covariance, Problem};
    /// let sigma = Covariance::identity(2).unwrap();
    /// let p = Problem::lower_orthant(sigma, vec![0.0, f64::NEG_INFINITY]).unwrap();
    /// assert!(p.is_empty_box());
    /// ```
    pub fn is_empty_box(&self) -> bool {
        is_empty_box(&self.lower, &self.upper)
    }

    /// Indices of the coordinates with at least one finite limit (the others integrate to 1 and
    /// can be dropped without changing the probability).
    pub fn constrained_indices(&self) -> Vec<usize> {
        (0..self.dim())
            .filter(|&i| self.lower[i] > f64::NEG_INFINITY || self.upper[i] < f64::INFINITY)
            .collect()
    }

    /// The marginal problem on the given coordinates (in the given order).
    ///
    /// # Panics
    ///
    /// Never for indices below `dim()`; indices out of range panic as slice indexing does.
    pub fn marginal(&self, indices: &[usize]) -> Problem {
        Problem {
            mean: indices.iter().map(|&i| self.mean[i]).collect(),
            covariance: self.covariance.submatrix(indices),
            lower: indices.iter().map(|&i| self.lower[i]).collect(),
            upper: indices.iter().map(|&i| self.upper[i]).collect(),
        }
    }

    /// The law of X_{−k} given X_k = x, with the box of the other coordinates: the
    /// (d − 1)-dimensional problem with the conditional normal distribution
    /// N(μ_{−k} + Σ_{−k,k}(x − μ_k)/Σ_kk, Σ_{−k,−k} − Σ_{−k,k}Σ_{k,−k}/Σ_kk).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `k ≥ d` or Σ_kk = 0 (no density to condition on) or `x`
    /// is not finite; validation errors of the conditional covariance (which cannot occur for a
    /// valid problem beyond rounding).
    ///
    /// ```
    /// use mvn_orthant::{Covariance, Problem};
    /// let sigma = Covariance::from_rows(&[vec![2.0, 1.0], vec![1.0, 1.0]]).unwrap();
    /// let p = Problem::new(vec![0.0, 1.0], sigma, vec![-1.0; 2], vec![1.0; 2]).unwrap();
    /// // X₁ | X₀ = 1 ~ N(1 + ½·1, 1 − ½).
    /// let c = p.conditional(0, 1.0).unwrap();
    /// assert_eq!((c.mean()[0], c.covariance().get(0, 0)), (1.5, 0.5));
    /// ```
    pub fn conditional(&self, k: usize, x: f64) -> Result<Problem> {
        let d = self.dim();
        if k >= d || self.covariance.get(k, k) <= 0.0 || !x.is_finite() {
            return Err(Error::InvalidArgument {
                name: "k, x".into(),
                reason: format!(
                    "cannot condition on X_{k} = {x} in dimension {d} (needs k < d, Σ_kk > 0, x finite)"
                ),
            });
        }
        let (mean, entries) = conditional_normal(&self.mean, |i, j| self.covariance.get(i, j), k, x);
        let covariance = Covariance::from_row_major(d - 1, entries)?;
        let pick = |v: &[f64]| (0..d).filter(|&i| i != k).map(|i| v[i]).collect::<Vec<f64>>();
        Problem::new(mean, covariance, pick(&self.lower), pick(&self.upper))
    }

    /// The problem with unbounded coordinates dropped, or `None` when every coordinate is
    /// unbounded (the probability is then exactly 1).
    pub fn without_unbounded(&self) -> Option<Problem> {
        let keep = self.constrained_indices();
        if keep.is_empty() {
            None
        } else if keep.len() == self.dim() {
            Some(self.clone())
        } else {
            Some(self.marginal(&keep))
        }
    }

    /// Standardised limits of coordinate i: ((a_i − μ_i)/σ_i, (b_i − μ_i)/σ_i). For a zero
    /// variance the interval collapses to (−∞, ∞) when μ_i ∈ [a_i, b_i] and to an empty
    /// interval (∞, ∞) otherwise.
    pub fn standardized_limits(&self, i: usize) -> (f64, f64) {
        let s2 = self.covariance.get(i, i);
        let (a, b, m) = (self.lower[i], self.upper[i], self.mean[i]);
        if s2 > 0.0 {
            let s = s2.sqrt();
            ((a - m) / s, (b - m) / s)
        } else if a <= m && m <= b {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            (f64::INFINITY, f64::INFINITY)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_normal_of_a_small_example() {
        let sigma = [[1.0, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 1.0]];
        let (m, c) = conditional_normal(&[0.0, 0.0, 1.0], |i, j| sigma[i][j], 1, 2.0);
        assert_eq!(m, vec![1.0, 2.0]);
        assert_eq!(c, vec![0.75, 0.0, 0.0, 0.75]);
    }

    #[test]
    fn rejects_each_bad_case_with_its_variant() {
        assert!(matches!(Covariance::from_rows::<Vec<f64>>(&[]), Err(Error::DimensionZero)));
        assert!(matches!(
            Covariance::from_rows(&[vec![1.0], vec![0.0, 1.0]]),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            Covariance::from_rows(&[vec![1.0, f64::NAN], vec![f64::NAN, 1.0]]),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            Covariance::from_rows(&[vec![1.0, 0.5], vec![0.4, 1.0]]),
            Err(Error::Asymmetric { .. })
        ));
        assert!(matches!(
            Covariance::from_rows(&[vec![1.0, 1.5], vec![1.5, 1.0]]),
            Err(Error::NotPositiveSemidefinite { .. })
        ));
        let c = Covariance::identity(2).unwrap();
        assert!(matches!(
            Problem::new(vec![0.0], c.clone(), vec![0.0; 2], vec![1.0; 2]),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            Problem::new(vec![0.0; 2], c.clone(), vec![0.0, 2.0], vec![1.0; 2]),
            Err(Error::LowerAboveUpper { index: 1, .. })
        ));
        assert!(matches!(
            Problem::new(vec![f64::INFINITY, 0.0], c, vec![0.0; 2], vec![1.0; 2]),
            Err(Error::NonFinite { .. })
        ));
    }

    #[test]
    fn accepts_semidefinite() {
        // Zero variance, repeated variable, rank one.
        assert_eq!(Covariance::from_rows(&[vec![0.0, 0.0], vec![0.0, 1.0]]).unwrap().rank(), 1);
        assert_eq!(Covariance::from_rows(&[vec![1.0, 1.0], vec![1.0, 1.0]]).unwrap().rank(), 1);
        assert_eq!(Covariance::equicorrelated(50, 1.0).unwrap().rank(), 1);
        assert_eq!(Covariance::equicorrelated(4, -1.0 / 3.0).unwrap().rank(), 3);
    }
}
