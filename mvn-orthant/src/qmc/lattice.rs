//! A rank-1 lattice sequence (base 2, extensible to 2³² points) with a random shift and the
//! tent (baker's) transform.
//!
//! # Definition
//!
//! With the generating vector z = (z_1, …, z_d) of odd integers and the 32-bit radical inverse
//! φ(n) (the bits of n reversed), the n-th point is
//!
//! x_n = tent({φ(n) z / 2³² + Δ}),   tent(u) = 1 − |2u − 1|,
//!
//! where {·} is the fractional part and Δ is a uniform random shift. The first 2^m points form
//! the rank-1 lattice {k z / 2^m} (k < 2^m) in a different order, so sample sizes that are powers
//! of two extend one another (an embedded lattice sequence, Cools, Kuo and Nuyens, SIAM J. Sci.
//! Comput. 28 (2006) 2162–2188). The random shift makes every point uniform on the cube and the
//! estimate unbiased; the tent transform (Hickernell, 2002) makes the rule converge at the rate
//! of smoothness two for non-periodic integrands.
//!
//! # Generating vector
//!
//! Korobov form z_j = A^{j−1} mod 2³² with the multiplier A = `KOROBOV_MULTIPLIER`, chosen by
//! `data/korobov_search.py` of the crate: among 1000 seeded random odd candidates, the one that
//! minimises the mean, over N = 2⁸ … 2¹⁴, of the log shift-averaged worst-case error in the
//! weighted Korobov space (smoothness 1, product weights γ_j = j⁻², first 32 coordinates).
//!
//! # Output
//!
//! Coordinates are computed as 64-bit fractions and mapped like the Sobol points, into
//! [2⁻⁵³, 1 − 2⁻⁵³].

use super::sobol::bits_to_unit;
use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The Korobov multiplier A of the generating vector z_j = A^{j−1} mod 2³².
pub(crate) const KOROBOV_MULTIPLIER: u32 = 4_038_717_227;

/// A randomly shifted, tent-transformed rank-1 lattice sequence.
#[derive(Debug, Clone)]
pub struct Lattice {
    generator: Vec<u32>,
    shift: Vec<u64>,
}

impl Lattice {
    /// The unshifted lattice sequence (Δ = 0, no tent transform applied to the shift) in `dim`
    /// dimensions: its points are tent({φ(n) z / 2³²}).
    pub fn new(dim: usize) -> Self {
        let mut generator = Vec::with_capacity(dim);
        let mut z: u32 = 1;
        for _ in 0..dim {
            generator.push(z);
            z = z.wrapping_mul(KOROBOV_MULTIPLIER);
        }
        Lattice { generator, shift: vec![0; dim] }
    }

    /// The lattice sequence with a uniform random shift drawn from the Xoshiro256++ stream
    /// seeded by `seed` (each seed an independent randomisation).
    pub fn shifted(dim: usize, seed: u64) -> Self {
        let mut lattice = Lattice::new(dim);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for s in lattice.shift.iter_mut() {
            *s = rng.next_u64();
        }
        lattice
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.generator.len()
    }

    /// The generating vector z.
    pub fn generator(&self) -> &[u32] {
        &self.generator
    }

    /// Writes point n into `out` (length ≥ dim).
    #[inline]
    pub fn point_into(&self, n: u64, out: &mut [f64]) {
        let k = (n as u32).reverse_bits();
        for ((o, &z), &s) in out.iter_mut().zip(&self.generator).zip(&self.shift) {
            let u = (u64::from(k.wrapping_mul(z)) << 32).wrapping_add(s);
            // Tent transform in fixed point: 2u for u < ½, 2(1 − u) otherwise.
            let folded = if u >> 63 == 1 { !u } else { u };
            *o = bits_to_unit(folded << 1);
        }
    }
}
