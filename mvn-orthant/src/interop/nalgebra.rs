//! Inputs from nalgebra matrices and vectors (feature `nalgebra`).
//!
//! nalgebra stores matrices column-major; the conversions read entries by (row, column), so the
//! result never depends on the storage order, and an asymmetric matrix is reported with the same
//! (row, column) as [`Covariance::from_rows`] would report it.
//!
//! ```
//! use mvn_orthant::{integrate, Covariance, MethodChoice, Problem, Settings};
//! use nalgebra::{DMatrix, DVector};
//! let sigma = DMatrix::from_row_slice(2, 2, &[1.0, 0.5, 0.5, 1.0]);
//! let zero = DVector::zeros(2);
//! let lower = DVector::from_element(2, f64::NEG_INFINITY);
//! let problem = Problem::from_nalgebra(&zero, &sigma, &lower, &zero).unwrap();
//! let estimate = integrate(&problem, MethodChoice::Auto, &Settings::default()).unwrap();
//! // Exact value: 1/4 + asin(1/2)/(2π) = 1/3.
//! assert!((estimate.value - 1.0 / 3.0).abs() < 1e-12);
//! ```

use ::nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};
use crate::problem::{Covariance, Problem};

impl Covariance {
    /// Builds a covariance from a square nalgebra matrix, validated exactly like
    /// [`Covariance::from_row_major`] (entries are read by (row, column), whatever the storage
    /// order).
    ///
    /// # Errors
    ///
    /// [`Error::DimensionMismatch`] for a non-square matrix, otherwise as
    /// [`Covariance::from_rows`] ([`Error::DimensionZero`] for a 0 × 0 matrix, [`Error::NonFinite`],
    /// [`Error::Asymmetric`], [`Error::NotPositiveSemidefinite`]).
    ///
    /// ```
    /// use mvn_orthant::Covariance;
    /// use nalgebra::DMatrix;
    /// let m = DMatrix::from_row_slice(2, 2, &[2.0, 0.5, 0.5, 1.0]);
    /// let c = Covariance::from_nalgebra(&m).unwrap();
    /// assert_eq!(c, Covariance::from_rows(&[[2.0, 0.5], [0.5, 1.0]]).unwrap());
    /// assert!(Covariance::from_nalgebra(&DMatrix::from_element(2, 3, 1.0)).is_err());
    /// ```
    pub fn from_nalgebra(matrix: &DMatrix<f64>) -> Result<Self> {
        let (rows, cols) = matrix.shape();
        if rows != cols {
            return Err(Error::DimensionMismatch {
                what: "covariance columns (nalgebra matrix)".into(),
                expected: rows,
                found: cols,
            });
        }
        let mut entries = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for j in 0..cols {
                entries.push(matrix[(i, j)]);
            }
        }
        Self::from_row_major(rows, entries)
    }
}

impl TryFrom<&DMatrix<f64>> for Covariance {
    type Error = Error;

    /// As [`Covariance::from_nalgebra`].
    fn try_from(matrix: &DMatrix<f64>) -> Result<Self> {
        Self::from_nalgebra(matrix)
    }
}

impl Problem {
    /// Builds the problem P(lower ≤ X ≤ upper) for X ~ N(mean, covariance) from nalgebra inputs,
    /// validated exactly like [`Covariance::from_nalgebra`] followed by [`Problem::new`].
    ///
    /// # Errors
    ///
    /// As [`Covariance::from_nalgebra`] and [`Problem::new`] (a vector whose length differs from
    /// the covariance's dimension is an [`Error::DimensionMismatch`]).
    ///
    /// ```
    /// use mvn_orthant::Problem;
    /// use nalgebra::{DMatrix, DVector};
    /// let sigma = DMatrix::<f64>::identity(3, 3);
    /// let mean = DVector::zeros(3);
    /// let (a, b) = (DVector::from_element(3, -1.0), DVector::from_element(3, 1.0));
    /// assert_eq!(Problem::from_nalgebra(&mean, &sigma, &a, &b).unwrap().dim(), 3);
    /// assert!(Problem::from_nalgebra(&DVector::zeros(2), &sigma, &a, &b).is_err());
    /// ```
    pub fn from_nalgebra(
        mean: &DVector<f64>,
        covariance: &DMatrix<f64>,
        lower: &DVector<f64>,
        upper: &DVector<f64>,
    ) -> Result<Self> {
        let covariance = Covariance::from_nalgebra(covariance)?;
        Problem::new(
            mean.as_slice().to_vec(),
            covariance,
            lower.as_slice().to_vec(),
            upper.as_slice().to_vec(),
        )
    }
}
