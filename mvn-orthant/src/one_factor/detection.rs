//! Detection of one-factor structure Σ = D + λλᵀ in a covariance matrix.

use crate::problem::Covariance;

/// Relative tolerance used when verifying detected one-factor structure entry by entry:
/// |Σ_ij − λ_i λ_j| ≤ `DETECTION_TOLERANCE` · √(Σ_ii Σ_jj).
const DETECTION_TOLERANCE: f64 = 1e-12;

/// x·y/(z₀ + z₁) as an unevaluated sum hi + lo, accurate to about twice the working precision
/// (the product by a fused multiply–add, the quotient corrected by its residual).
fn ratio_double_double(x: f64, y: f64, z: (f64, f64)) -> (f64, f64) {
    let p = x * y;
    let p_err = x.mul_add(y, -p);
    let q = p / z.0;
    let residual = (-q).mul_add(z.0, p) + p_err - q * z.1;
    (q, residual / z.0)
}

/// max(0, max_l f(a_l, b_l, c_l)) over slices of equal length (the f here are never NaN), in four
/// independent lanes so that the compiler keeps them in one vector register.
fn largest(a: &[f64], b: &[f64], c: &[f64], f: impl Fn(f64, f64, f64) -> f64) -> f64 {
    let n = a.len().min(b.len()).min(c.len());
    let (a, b, c) = (&a[..n], &b[..n], &c[..n]);
    let mut lanes = [0.0f64; 4];
    let body = n - n % 4;
    for l in (0..body).step_by(4) {
        for k in 0..4 {
            let v = f(a[l + k], b[l + k], c[l + k]);
            lanes[k] = if v > lanes[k] { v } else { lanes[k] };
        }
    }
    let head = lanes[0].max(lanes[1]).max(lanes[2].max(lanes[3]));
    (body..n).map(|l| f(a[l], b[l], c[l])).fold(head, f64::max)
}

/// Detects Σ = D + λλᵀ with D diagonal ≥ 0, returning (D, λ) or `None`.
///
/// Every 1 × 1 and 2 × 2 covariance is one-factor. For d ≥ 3 the most correlated pair (j, k)
/// anchors the factor; a third index m with the largest |ρ_jm ρ_km| gives
/// λ_j² = Σ_jk Σ_jm / Σ_km, then λ_i = Σ_ij/λ_j for every other i (λ_k likewise). If no such m
/// exists (only j and k are correlated), the pair is split as in the 2 × 2 case. Every
/// off-diagonal entry is then verified, |Σ_il − λ_i λ_l| ≤ 10⁻¹²·√(Σ_ii Σ_ll),
/// and D_ii = Σ_ii − λ_i² must be ≥ −10⁻¹²·Σ_ii (small negatives are set to 0).
/// D is formed from λ_i² carried in double-double arithmetic, so that a near-singular Σ (an
/// equicorrelated ρ = 1 − 10⁻¹⁴ gives D = 1 − ρ exactly) keeps its small diagonal accurately.
/// The verification costs O(d²), like reading Σ.
///
/// ```
/// use mvn_orthant::{Covariance, one_factor::detect_one_factor};
/// let c = Covariance::equicorrelated(4, 0.3).unwrap();
/// let (diag, loading) = detect_one_factor(&c).unwrap();
/// assert!((diag[0] - 0.7).abs() < 1e-15 && (loading[0] * loading[1] - 0.3).abs() < 1e-15);
/// assert!(detect_one_factor(&Covariance::equicorrelated(4, -0.2).unwrap()).is_none());
/// ```
pub fn detect_one_factor(covariance: &Covariance) -> Option<(Vec<f64>, Vec<f64>)> {
    let d = covariance.dim();
    let entries = covariance.as_slice();
    let s = |i: usize, j: usize| entries[i * d + j];
    // The strictly lower part of row i, Σ_i0 … Σ_i,i−1.
    let lower_row = |i: usize| &entries[i * d..i * d + i];
    let sd: Vec<f64> = (0..d).map(|i| s(i, i).sqrt()).collect();
    // 1/σ_i (0 for a zero variance: its correlations count as 0), so that the O(d²) scans below
    // multiply instead of divide.
    let inverse_sd: Vec<f64> = sd.iter().map(|&v| if v > 0.0 { 1.0 / v } else { 0.0 }).collect();
    let corr = |i: usize, j: usize| s(i, j) * inverse_sd[i] * inverse_sd[j];
    let mut loading = vec![0.0; d];
    let mut lam_j_squared = (0.0, 0.0);
    let mut anchor = None;
    // Most correlated pair (the first in row order among equals): the largest |ρ| of each row by
    // a branch-free maximum, then its position only in a row that beats the best so far.
    let mut best = (0.0, 0, 0);
    for i in 1..d {
        let row_max = largest(lower_row(i), &inverse_sd[..i], &inverse_sd[..i], |v, w, _| (v * w).abs());
        if row_max * inverse_sd[i] > best.0 {
            let scaled = |(v, w): (&f64, &f64)| (v * w).abs();
            let j = lower_row(i).iter().zip(&inverse_sd[..i]).map(scaled).position(|r| r == row_max);
            best = (row_max * inverse_sd[i], j.unwrap_or(0), i);
        }
    }
    if best.0 > 0.0 {
        let (_, j, k) = best;
        let mut third = (0.0, usize::MAX);
        for m in 0..d {
            if m != j && m != k {
                let w = (corr(j, m) * corr(k, m)).abs();
                if w > third.0 {
                    third = (w, m);
                }
            }
        }
        let sq = if third.1 != usize::MAX {
            let m = third.1;
            let sq = ratio_double_double(s(j, k), s(j, m), (s(k, m), 0.0));
            if sq.0.is_nan() || sq.0 <= 0.0 {
                return None;
            }
            sq
        } else {
            // Only j and k are correlated: λ_j² = |Σ_jk| σ_j/σ_k keeps both D entries ≥ 0.
            ratio_double_double(s(j, k).abs(), sd[j], (sd[k], 0.0))
        };
        lam_j_squared = sq;
        anchor = Some(j);
        let lam_j = sq.0.sqrt();
        loading[j] = lam_j;
        for i in 0..d {
            if i != j {
                loading[i] = s(i, j) / lam_j;
            }
        }
    }
    let mut diagonal = vec![0.0; d];
    for i in 0..d {
        // D_ii = Σ_ii − λ_i² with λ_i² = Σ_ij²/λ_j² carried to twice the working precision: when
        // D_ii is a tiny remainder (ρ = 1 − 10⁻¹⁵) the rounding of λ_i² would be all of it.
        let square = match anchor {
            Some(j) if i == j => lam_j_squared,
            Some(j) => ratio_double_double(s(i, j), s(i, j), lam_j_squared),
            None => (0.0, 0.0),
        };
        let di = (s(i, i) - square.0) - square.1;
        if di < -DETECTION_TOLERANCE * s(i, i) {
            return None;
        }
        diagonal[i] = di.max(0.0);
        // The largest excess of |Σ_il − λ_i λ_l| over its tolerance along the row, branch-free.
        let (lambda_i, tolerance_i) = (loading[i], DETECTION_TOLERANCE * sd[i]);
        let excess = largest(lower_row(i), &loading[..i], &sd[..i], |v, l, sl| {
            (v - lambda_i * l).abs() - tolerance_i * sl
        });
        if excess > 0.0 {
            return None;
        }
    }
    Some((diagonal, loading))
}
