//! The Sobol sequence in base 2 with Joe and Kuo's direction numbers, randomised by a linear
//! matrix scramble and a digital shift.
//!
//! # Definition
//!
//! Dimension j (1-based) has a primitive polynomial x^s + a_1 x^{s−1} + … + a_{s−1} x + 1 over
//! GF(2) and initial odd integers m_1, …, m_s with m_k < 2^k (dimension 1 is the van der Corput
//! sequence, every m_k = 1). Further integers follow the recurrence
//!
//! m_k = 2 a_1 m_{k−1} ⊕ 2² a_2 m_{k−2} ⊕ … ⊕ 2^{s−1} a_{s−1} m_{k−s+1} ⊕ 2^s m_{k−s} ⊕ m_{k−s},
//!
//! and the direction numbers are v_k = m_k / 2^k. The n-th point, with n = Σ_k n_k 2^{k−1}, is
//! x_n = ⊕_k n_k v_k (bitwise exclusive or of binary fractions). This generator visits the
//! points in Gray-code order, the i-th point produced being x_{g(i)} with g(i) = i ⊕ (i >> 1);
//! every block of 2^m consecutive indices starting at a multiple of 2^m is the same set of points
//! in either order, so nets and estimates over such blocks do not depend on the order.
//!
//! Direction numbers: `new-joe-kuo-6.21201` (S. Joe and F. Y. Kuo, "Constructing Sobol sequences
//! with better two-dimensional projections", SIAM J. Sci. Comput. 30 (2008) 2635–2654), 21201
//! dimensions, in `mvn-orthant/data/` with its provenance and licence (`data/README.md`).
//!
//! # Randomisation
//!
//! Matoušek's linear matrix scramble: every coordinate's 32 × 32 generator matrix C is replaced
//! by M C, where M is a random 64 × 32 lower-triangular binary matrix with unit diagonal, and a
//! uniform random 64-bit digital shift is added. This keeps every (t, m, s)-net property of the
//! unscrambled sequence (M is invertible on the leading digits), makes every point uniformly
//! distributed on [0, 1) to 64 bits, and costs nothing per point because the scramble is applied
//! to the direction numbers once. Different seeds give independent randomisations.
//!
//! # Output
//!
//! Values are the top 52 bits of the 64-bit fraction plus half a unit, so every coordinate lies
//! in [2⁻⁵³, 1 − 2⁻⁵³]: never exactly 0 or 1 before Φ⁻¹.

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::sync::OnceLock;

/// Bits per coordinate of the unscrambled sequence: at most 2³² points.
pub(crate) const SOBOL_BITS: u32 = 32;

/// Number of dimensions available (the Joe–Kuo file has 21201).
pub(crate) const SOBOL_MAX_DIM: usize = 21201;

/// The Joe–Kuo direction-number file, in its original format (header line, then one line
/// `d s a m_1 … m_s` per dimension d ≥ 2).
pub(crate) const JOE_KUO_DATA: &str = include_str!("../../data/new-joe-kuo-6.21201");

/// Primitive polynomial and initial direction integers of one dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirectionSpec {
    /// Degree s of the primitive polynomial (0 for the first dimension).
    pub degree: u32,
    /// The interior coefficients a_1 … a_{s−1} packed with a_1 as the most significant bit.
    pub coefficients: u32,
    /// Initial odd integers m_1, …, m_s (m_k < 2^k).
    pub initial: Vec<u32>,
}

/// Parses the Joe–Kuo data once: entry j is dimension j + 1.
pub(crate) fn direction_specs() -> &'static [DirectionSpec] {
    static SPECS: OnceLock<Vec<DirectionSpec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let mut specs = Vec::with_capacity(SOBOL_MAX_DIM);
        specs.push(DirectionSpec { degree: 0, coefficients: 0, initial: Vec::new() });
        for line in JOE_KUO_DATA.lines().skip(1) {
            let fields: Vec<u32> = line.split_whitespace().map(|f| f.parse().expect("data file")).collect();
            if fields.len() < 3 {
                continue;
            }
            specs.push(DirectionSpec {
                degree: fields[1],
                coefficients: fields[2],
                initial: fields[3..].to_vec(),
            });
        }
        specs
    })
}

/// The 32 direction numbers of one dimension as 32-bit binary fractions (`v[k − 1] = m_k · 2^{32−k}`).
fn direction_numbers(spec: &DirectionSpec) -> [u32; SOBOL_BITS as usize] {
    let mut v = [0u32; SOBOL_BITS as usize];
    if spec.degree == 0 {
        for (k, vk) in v.iter_mut().enumerate() {
            *vk = 1u32 << (31 - k);
        }
        return v;
    }
    let s = spec.degree as usize;
    for k in 0..s.min(32) {
        v[k] = spec.initial[k] << (31 - k);
    }
    for k in s..32 {
        let mut value = v[k - s] ^ (v[k - s] >> s);
        for l in 1..s {
            if (spec.coefficients >> (s - 1 - l)) & 1 == 1 {
                value ^= v[k - l];
            }
        }
        v[k] = value;
    }
    v
}

/// A (possibly scrambled) Sobol point set in a fixed dimension.
#[derive(Debug, Clone)]
pub struct Sobol {
    dim: usize,
    /// Generator columns, `columns[k * dim + j]` is the k-th direction number of coordinate j as
    /// a 64-bit fraction (after the scramble).
    columns: Vec<u64>,
    /// Digital shift per coordinate.
    shift: Vec<u64>,
}

impl Sobol {
    /// The unscrambled sequence in `dim` dimensions (1 ≤ dim ≤ `SOBOL_MAX_DIM`).
    ///
    /// # Panics
    ///
    /// When `dim` is 0 or above `SOBOL_MAX_DIM` (callers validate dimensions first).
    pub fn new(dim: usize) -> Self {
        assert!((1..=SOBOL_MAX_DIM).contains(&dim), "Sobol dimension {dim} outside 1..={SOBOL_MAX_DIM}");
        let specs = direction_specs();
        let mut columns = vec![0u64; SOBOL_BITS as usize * dim];
        for j in 0..dim {
            let v = direction_numbers(&specs[j]);
            for k in 0..SOBOL_BITS as usize {
                columns[k * dim + j] = u64::from(v[k]) << 32;
            }
        }
        Sobol { dim, columns, shift: vec![0; dim] }
    }

    /// The sequence randomised by a linear matrix scramble and a digital shift drawn from the
    /// Xoshiro256++ stream seeded by `seed`. Each seed is an independent randomisation.
    ///
    /// # Panics
    ///
    /// As [`Sobol::new`].
    pub fn scrambled(dim: usize, seed: u64) -> Self {
        Sobol::new(dim).scramble(seed, SOBOL_BITS)
    }

    /// The randomisation of [`Sobol::scrambled`] drawn from `seed` (the same random stream and
    /// the same points), applied to this unscrambled sequence ([`Sobol::new`]) and kept only for
    /// the first 2^`bits` points: the scramble of the direction numbers that later points
    /// would use is skipped (the cost of a randomisation grows with `bits`², which matters in
    /// high dimension for a short run). Asking for a point beyond them panics.
    pub(crate) fn scramble(&self, seed: u64, bits: u32) -> Self {
        let (dim, kept) = (self.dim, bits.min(SOBOL_BITS) as usize);
        let mut sobol = Sobol { dim, columns: self.columns[..kept * dim].to_vec(), shift: vec![0; dim] };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for j in 0..dim {
            // Column c of M: the unit diagonal bit at row c (bit 63 − c) and random bits below it.
            let mut m = [0u64; SOBOL_BITS as usize];
            for (c, mc) in m.iter_mut().enumerate() {
                let diagonal = 1u64 << (63 - c);
                *mc = diagonal | (rng.next_u64() & (diagonal - 1));
            }
            for k in 0..kept {
                // M·v over the set bits of v only (bit 63 − c selects column c).
                let mut bits = sobol.columns[k * dim + j];
                let mut scrambled = 0u64;
                while bits != 0 {
                    let c = bits.leading_zeros() as usize;
                    scrambled ^= m[c];
                    bits &= !(1u64 << (63 - c));
                }
                sobol.columns[k * dim + j] = scrambled;
            }
            sobol.shift[j] = rng.next_u64();
        }
        sobol
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The 64-bit fraction of coordinate j of the point with natural index n (x_n, not the
    /// Gray-code order).
    pub fn point_bits(&self, n: u64, j: usize) -> u64 {
        let mut x = self.shift[j];
        let mut rest = n;
        let mut k = 0;
        while rest != 0 {
            if rest & 1 == 1 {
                x ^= self.columns[k * self.dim + j];
            }
            rest >>= 1;
            k += 1;
        }
        x
    }

    /// A cursor producing the points with Gray-code positions `start, start + 1, …`.
    pub fn cursor(&self, start: u64) -> SobolCursor<'_> {
        let gray = start ^ (start >> 1);
        let state = (0..self.dim).map(|j| self.point_bits(gray, j)).collect();
        SobolCursor { sobol: self, state, position: start, fresh: true }
    }
}

/// Converts a 64-bit binary fraction to a double in [2⁻⁵³, 1 − 2⁻⁵³]: its top 52 bits plus half
/// a unit of the 52nd bit.
#[inline]
pub(crate) fn bits_to_unit(x: u64) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 52) as f64;
    ((x >> 12) as f64 + 0.5) * SCALE
}

/// Sequential generation in Gray-code order (one exclusive or per coordinate and point).
#[derive(Debug, Clone)]
pub struct SobolCursor<'a> {
    sobol: &'a Sobol,
    state: Vec<u64>,
    position: u64,
    fresh: bool,
}

impl SobolCursor<'_> {
    /// Writes the next point into `out` (length ≥ dim) and advances.
    #[inline]
    pub fn next_into(&mut self, out: &mut [f64]) {
        if self.fresh {
            self.fresh = false;
        } else {
            // Moving from Gray code g(p − 1) to g(p) flips the bit at the trailing zeros of p.
            let k = self.position.trailing_zeros() as usize;
            let column = &self.sobol.columns[k * self.sobol.dim..(k + 1) * self.sobol.dim];
            for (s, c) in self.state.iter_mut().zip(column) {
                *s ^= c;
            }
        }
        for (o, &s) in out.iter_mut().zip(&self.state) {
            *o = bits_to_unit(s);
        }
        self.position += 1;
    }
}
