//! The per-node work shared by the batched integrands of [`super::integrand`]: ln Φ and φ/Φ of
//! every factor (or class) at a node through the vectorised batch of [`crate::mills_ratio`],
//! kept in a scratch allocated once per integral, and their compensated sum in independent
//! lanes.

use crate::mills_ratio::log_cdf_and_inverse_mills_batch;

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

/// ln φ(z) + Σ_i ln Φ_i, with the terms summed in [`LANES`] lanes with TwoSum compensation and
/// the lanes combined with compensation.
pub(super) fn log_density_plus_sum(log_pdf_z: f64, log_cdf: &[f64]) -> f64 {
    let (sum, compensation) = pulp::Arch::new().dispatch(LaneSums(log_cdf));
    // Neumaier's combination of the lanes (the bits of `CompensatedSum`, whose error term is
    // the same exact rounding error) without its branch, which mispredicts on lane sums of
    // similar sizes.
    let (mut g, mut g_compensation) = (log_pdf_z, 0.0);
    for j in 0..LANES {
        two_sum_into(&mut g, &mut g_compensation, sum[j]);
        two_sum_into(&mut g, &mut g_compensation, compensation[j]);
    }
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
}
