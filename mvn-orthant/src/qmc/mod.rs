//! Point sets for randomised quasi-Monte Carlo: scrambled Sobol points and randomly shifted
//! rank-1 lattice points, both in f64 with coordinates in [2⁻⁵³, 1 − 2⁻⁵³].
//!
//! * [`sobol`]: the Sobol sequence with Joe–Kuo direction numbers (21201 dimensions, 2³² points),
//!   randomised by a linear matrix scramble and a digital shift.
//! * [`lattice`]: an extensible rank-1 lattice sequence (Korobov vector) with a random shift and
//!   the tent transform.
//!
//! [`RandomizedPointSet`] puts both behind one type for the RQMC driver.
//!
//! ```
//! use mvn_orthant::qmc::{PointSetKind, RandomizedPointSet};
//! let points = RandomizedPointSet::new(PointSetKind::Sobol, 3, 42);
//! let mut cursor = points.cursor(0);
//! let mut x = [0.0; 3];
//! cursor.next_into(&mut x);
//! assert!(x.iter().all(|&u| u > 0.0 && u < 1.0));
//! ```

pub mod lattice;
pub mod sobol;

pub use lattice::Lattice;
pub use sobol::{Sobol, SobolCursor};

/// Which family of point sets to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PointSetKind {
    /// Sobol points with a linear matrix scramble and a digital shift (the default).
    #[default]
    Sobol,
    /// A rank-1 lattice sequence with a random shift and the tent transform.
    Lattice,
}

impl PointSetKind {
    /// The largest number of points per randomisation (2³² for both families).
    pub fn max_points(self) -> u64 {
        1 << 32
    }

    /// The largest supported dimension.
    pub fn max_dim(self) -> usize {
        match self {
            PointSetKind::Sobol => sobol::SOBOL_MAX_DIM,
            PointSetKind::Lattice => usize::MAX,
        }
    }
}

/// One randomisation of a point set.
#[derive(Debug, Clone)]
pub enum RandomizedPointSet {
    /// A scrambled Sobol sequence.
    Sobol(Sobol),
    /// A shifted lattice sequence.
    Lattice(Lattice),
}

impl RandomizedPointSet {
    /// The randomisation drawn from `seed` of the given family in `dim` dimensions.
    ///
    /// # Panics
    ///
    /// When `dim` is 0 or above `kind.max_dim()` (callers validate dimensions first).
    pub fn new(kind: PointSetKind, dim: usize, seed: u64) -> Self {
        match kind {
            PointSetKind::Sobol => RandomizedPointSet::Sobol(Sobol::scrambled(dim, seed)),
            PointSetKind::Lattice => RandomizedPointSet::Lattice(Lattice::shifted(dim, seed)),
        }
    }

    /// A cursor producing points `start, start + 1, …` of the sequence.
    pub fn cursor(&self, start: u64) -> PointCursor<'_> {
        match self {
            RandomizedPointSet::Sobol(s) => PointCursor::Sobol(s.cursor(start)),
            RandomizedPointSet::Lattice(l) => PointCursor::Lattice(l, start),
        }
    }
}

/// Sequential access to the points of a [`RandomizedPointSet`].
#[derive(Debug, Clone)]
pub enum PointCursor<'a> {
    /// Gray-code Sobol generation.
    Sobol(SobolCursor<'a>),
    /// Lattice points by index.
    Lattice(&'a Lattice, u64),
}

impl PointCursor<'_> {
    /// Writes the next point into `out` (length ≥ dim) and advances.
    #[inline]
    pub fn next_into(&mut self, out: &mut [f64]) {
        match self {
            PointCursor::Sobol(c) => c.next_into(out),
            PointCursor::Lattice(l, n) => {
                l.point_into(*n, out);
                *n += 1;
            }
        }
    }
}

/// SplitMix64: derives well-separated 64-bit seeds for the randomisations from one user seed
/// (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
