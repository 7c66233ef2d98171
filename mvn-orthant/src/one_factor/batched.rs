//! The per-node work shared by the batched integrands of [`super::integrand`]: ln Φ and φ/Φ of
//! every factor (or class) at a node through the vectorised batch of [`crate::mills_ratio`],
//! kept in a scratch allocated once per integral, and their compensated sum in independent
//! lanes.

use crate::mills_ratio::{
    density_branch_free, log_cdf_and_inverse_mills_batch, log_cdf_and_inverse_mills_batch_shifted,
};

/// Independent accumulators of the sums over classes or factors: each lane sums every
/// `LANES`-th term, so that the additions of consecutive terms are independent.
const LANES: usize = 8;

/// s + v with its rounding error added to `compensation` (Knuth's TwoSum, no branch).
#[inline(always)]
fn two_sum_into(sum: &mut f64, compensation: &mut f64, v: f64) {
    let t = *sum + v;
    let b = t - *sum;
    *compensation += (*sum - (t - b)) + (v - b);
    *sum = t;
}

/// The lanes of [`log_density_plus_sum`] start from −this, so that every term of magnitude up
/// to it is smaller than the running sum (all terms are ≤ 0): a power of two above the largest
/// |ln Φ| of the table's range (1 300 at x = −51).
const LANE_OFFSET: f64 = 2048.0;

/// Sums of fewer terms than this go through one TwoSum chain instead of the lanes.
const SHORT_SUM: usize = 2 * LANES;

/// ln φ(z) + Σ_i ln Φ_i (every ln Φ_i ≤ 0), with the terms summed in [`LANES`] lanes whose
/// rounding errors are kept exactly, and the lanes combined with compensation.
///
/// Each lane starts from −[`LANE_OFFSET`], so its running sum s is at least as large in
/// magnitude as any term v with |v| ≤ 2048; the rounding error of s + v is then exactly
/// v − ((s + v) − s) (Dekker's Fast2Sum: three operations instead of TwoSum's six). A slice with
/// a larger term (x below −63 or so, or ln Φ = −∞) is summed again with TwoSum in every lane.
/// The lanes, their errors and the offsets 8 × 2048 are then combined by TwoSum (the branch of
/// Neumaier's form mispredicts on lane sums of similar sizes), so the result is the sum rounded
/// about once, as with TwoSum throughout. Fewer than [`SHORT_SUM`] terms (EXACT with up to 16
/// classes, one-factor problems with few distinct factors) go through that one TwoSum chain
/// directly: the lanes' setup and their combination cost more than they save there (EXACT at
/// C = 10: 7.1 against 8.1 µs per example), and the fingerprint of `speed_probe` kept its bits.
pub(super) fn log_density_plus_sum(log_pdf_z: f64, log_cdf: &[f64]) -> f64 {
    if log_cdf.len() < SHORT_SUM {
        // One TwoSum chain: fewer operations than filling and combining the lanes.
        return two_sum_chain(log_pdf_z, log_cdf);
    }
    let (sum, compensation, offset) = match pulp::Arch::new().dispatch(OffsetLaneSums(log_cdf)) {
        Some((sum, compensation)) => (sum, compensation, LANES as f64 * LANE_OFFSET),
        None => {
            let (sum, compensation) = pulp::Arch::new().dispatch(LaneSums(log_cdf));
            (sum, compensation, 0.0)
        }
    };
    combined(log_pdf_z, &sum, &compensation, offset)
}

/// ln φ(z) + Σ_i v_i for terms of either sign (the weighted ln Φ of the points of an
/// interpolated EXACT orthant, whose weights may be negative): the lanes of
/// [`log_density_plus_sum`] with TwoSum throughout (its Fast2Sum needs terms ≤ 0), combined
/// the same way; the result is again the sum rounded about once.
pub(super) fn log_density_plus_signed_sum(log_pdf_z: f64, terms: &[f64]) -> f64 {
    if terms.len() < SHORT_SUM {
        return two_sum_chain(log_pdf_z, terms);
    }
    let (sum, compensation) = pulp::Arch::new().dispatch(LaneSums(terms));
    combined(log_pdf_z, &sum, &compensation, 0.0)
}

/// first + Σ_i terms_i by one TwoSum chain, its compensation added at the end (any signs).
#[inline(always)]
fn two_sum_chain(first: f64, terms: &[f64]) -> f64 {
    let (mut g, mut compensation) = (first, 0.0);
    for &v in terms {
        two_sum_into(&mut g, &mut compensation, v);
    }
    g + compensation
}

/// first + Σ_j (sum_j + compensation_j) + offset, each addition's rounding error kept by TwoSum.
#[inline(always)]
fn combined(first: f64, sum: &[f64; LANES], compensation: &[f64; LANES], offset: f64) -> f64 {
    let (mut g, mut g_compensation) = (first, 0.0);
    for j in 0..LANES {
        two_sum_into(&mut g, &mut g_compensation, sum[j]);
        two_sum_into(&mut g, &mut g_compensation, compensation[j]);
    }
    two_sum_into(&mut g, &mut g_compensation, offset);
    g + g_compensation
}

/// (Σ_i a_i, Σ_i b_i) over i < n for the pairs (a_i, b_i) = `term(i)`, in [`LANES`] independent
/// partial sums each (the first and second derivatives of g at a node: a chain of n dependent
/// additions per sum would cost n times the latency of an addition).
#[inline(always)]
pub(super) fn lane_sums_of_pairs(n: usize, term: impl Fn(usize) -> (f64, f64)) -> (f64, f64) {
    let (mut first, mut second) = ([0.0; LANES], [0.0; LANES]);
    let whole = n / LANES * LANES;
    for start in (0..whole).step_by(LANES) {
        for j in 0..LANES {
            let (a, b) = term(start + j);
            first[j] += a;
            second[j] += b;
        }
    }
    for i in whole..n {
        let (a, b) = term(i);
        first[i - whole] += a;
        second[i - whole] += b;
    }
    (first.iter().sum(), second.iter().sum())
}

/// The [`LANES`] lane sums of a slice of terms ≤ 0, each started from −[`LANE_OFFSET`] and
/// compensated by Fast2Sum (see [`log_density_plus_sum`]), as an operation that `pulp` compiles
/// for AVX2 as well; `None` when a term is below −[`LANE_OFFSET`] (or −∞), where Fast2Sum would
/// not be exact.
struct OffsetLaneSums<'a>(&'a [f64]);

impl pulp::WithSimd for OffsetLaneSums<'_> {
    type Output = Option<([f64; LANES], [f64; LANES])>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
        let (mut sum, mut compensation, mut lowest) = ([-LANE_OFFSET; LANES], [0.0; LANES], [0.0f64; LANES]);
        let mut add = |j: usize, v: f64| {
            let t = sum[j] + v;
            compensation[j] += v - (t - sum[j]);
            sum[j] = t;
            lowest[j] = if v < lowest[j] { v } else { lowest[j] };
        };
        let chunks = self.0.chunks_exact(LANES);
        let rest = chunks.remainder();
        for chunk in chunks {
            for (j, &v) in chunk.iter().enumerate() {
                add(j, v);
            }
        }
        for (j, &v) in rest.iter().enumerate() {
            add(j, v);
        }
        lowest.iter().all(|&v| v >= -LANE_OFFSET).then_some((sum, compensation))
    }
}

/// The [`LANES`] compensated lane sums of a slice, as an operation that `pulp` compiles for
/// AVX2 as well (the lanes then run in vector registers; the same operations in the same order,
/// so the same bits).
struct LaneSums<'a>(&'a [f64]);

impl pulp::WithSimd for LaneSums<'_> {
    type Output = ([f64; LANES], [f64; LANES]);

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
        let (mut sum, mut compensation) = ([0.0; LANES], [0.0; LANES]);
        let chunks = self.0.chunks_exact(LANES);
        let rest = chunks.remainder();
        for chunk in chunks {
            for j in 0..LANES {
                two_sum_into(&mut sum[j], &mut compensation[j], chunk[j]);
            }
        }
        for (j, &v) in rest.iter().enumerate() {
            two_sum_into(&mut sum[j], &mut compensation[j], v);
        }
        (sum, compensation)
    }
}

/// out_i += weight·ratio_i for the first classes (as many as `ratio` holds: the near classes of
/// the EXACT orthant, their φ/Φ from the ln Φ kernel) and out_i += weight·φ(d_i + z) for the
/// others (the classes far in the upper tail, whose φ/Φ is φ to rounding; `shift` holds their
/// shifts in increasing order), compiled for AVX2 as well where the CPU has it (the same
/// operations, so the same bits). φ by [`crate::mills_ratio::density_branch_free`]; beyond
/// x = 38.6 it is 0 and nothing is added.
pub(super) fn add_weighted_ratios(ratio: &[f64], far_shift: &[f64], z: f64, weight: f64, out: &mut [f64]) {
    let (near, far) = out.split_at_mut(ratio.len());
    let visible = match far_shift.last() {
        Some(&d) if d + z > 38.6 => far_shift.partition_point(|&d| d + z <= 38.6),
        _ => far_shift.len(),
    }
    .min(far.len());
    pulp::Arch::new().dispatch(WeightedRatios {
        ratio,
        far_shift: &far_shift[..visible],
        z,
        weight,
        near,
        far,
    });
}

/// The loops of [`add_weighted_ratios`], as an operation that `pulp` compiles per instruction
/// set.
struct WeightedRatios<'a> {
    ratio: &'a [f64],
    far_shift: &'a [f64],
    z: f64,
    weight: f64,
    near: &'a mut [f64],
    far: &'a mut [f64],
}

impl pulp::WithSimd for WeightedRatios<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        for (o, &r) in self.near.iter_mut().zip(self.ratio) {
            *o += self.weight * r;
        }
        for (o, &d) in self.far.iter_mut().zip(self.far_shift) {
            *o += self.weight * density_branch_free(d + self.z);
        }
    }
}

/// Per-integral scratch of the batched per-class loops: the arguments x_i, ln Φ(x_i) and
/// φ(x_i)/Φ(x_i) (allocated once per integral, reused at every node).
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) x: Vec<f64>,
    pub(super) log_cdf: Vec<f64>,
    pub(super) ratio: Vec<f64>,
}

impl Scratch {
    /// ln Φ(x_i) (and φ/Φ(x_i) when `with_ratios`) for x_i = `x_of(i)`, i < n, through the
    /// vectorised [`log_cdf_and_inverse_mills_batch`].
    #[inline]
    pub(super) fn evaluate(&mut self, n: usize, with_ratios: bool, x_of: impl Fn(&mut [f64])) {
        self.x.resize(n, 0.0);
        self.log_cdf.resize(n, 0.0);
        x_of(&mut self.x);
        if with_ratios {
            self.ratio.resize(n, 0.0);
            log_cdf_and_inverse_mills_batch(&self.x, &mut self.log_cdf, Some(&mut self.ratio));
        } else {
            log_cdf_and_inverse_mills_batch(&self.x, &mut self.log_cdf, None);
        }
    }

    /// ln Φ(d_i + z) (and φ/Φ(d_i + z) when `with_ratios`) for every entry of `d`, through
    /// [`log_cdf_and_inverse_mills_batch_shifted`], which forms each argument where it finds its
    /// piece: `x` is left empty (the counts are those of `log_cdf`).
    #[inline]
    pub(super) fn evaluate_shifted(&mut self, d: &[f64], z: f64, with_ratios: bool) {
        self.x.clear();
        self.log_cdf.resize(d.len(), 0.0);
        if with_ratios {
            self.ratio.resize(d.len(), 0.0);
            log_cdf_and_inverse_mills_batch_shifted(d, z, &mut self.log_cdf, Some(&mut self.ratio));
        } else {
            log_cdf_and_inverse_mills_batch_shifted(d, z, &mut self.log_cdf, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{combined, log_density_plus_sum, two_sum_into, LaneSums};
    use crate::mills_ratio::log_cdf_and_inverse_mills;
    use rand_core::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The sum of `terms` to about ε² relative (one TwoSum chain with its compensation), as the
    /// reference.
    fn reference_sum(first: f64, terms: &[f64]) -> f64 {
        let (mut sum, mut compensation) = (first, 0.0);
        for &v in terms {
            two_sum_into(&mut sum, &mut compensation, v);
        }
        sum + compensation
    }

    /// The offset lanes (Fast2Sum) give the sum rounded to within one ulp, like the TwoSum lanes,
    /// on slices of ln Φ over (−51, 12] and of 1 to 2 000 terms, and fall back to the TwoSum lanes
    /// where a term is below −2048 (exactly those lanes' value).
    #[test]
    fn offset_lanes_sum_to_within_a_rounding() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let mut worst: f64 = 0.0;
        for case in 0..400 {
            let n = [1usize, 7, 8, 9, 100, 2000][case % 6];
            let spread = [1.0, 10.0, 60.0][case % 3];
            let terms: Vec<f64> =
                (0..n).map(|_| log_cdf_and_inverse_mills((12.0 - spread * uniform()).max(-50.9)).0).collect();
            let first = -0.5 * (3.0 * uniform()).powi(2) - 0.918_938_533_204_672_7;
            let got = log_density_plus_sum(first, &terms);
            let want = reference_sum(first, &terms);
            let ulps = (got - want).abs() / (f64::EPSILON * want.abs());
            assert!(ulps <= 1.0, "case {case}: {got:e} vs {want:e} ({ulps} ulp)");
            worst = worst.max(ulps);
        }
        // A term beyond the offset: the TwoSum lanes' value, bit for bit.
        let mut terms: Vec<f64> = (0..37).map(|i| -0.1 * f64::from(i)).collect();
        terms[11] = -5000.25;
        let (sum, compensation) = pulp::Arch::new().dispatch(LaneSums(&terms));
        assert_eq!(
            log_density_plus_sum(-1.0, &terms).to_bits(),
            combined(-1.0, &sum, &compensation, 0.0).to_bits()
        );
        println!("offset lanes: worst {worst} ulp");
    }
}
