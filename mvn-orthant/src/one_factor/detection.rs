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
    let s = |i: usize, j: usize| covariance.get(i, j);
    let sd: Vec<f64> = (0..d).map(|i| s(i, i).sqrt()).collect();
    let corr = |i: usize, j: usize| if sd[i] > 0.0 && sd[j] > 0.0 { s(i, j) / (sd[i] * sd[j]) } else { 0.0 };
    let mut loading = vec![0.0; d];
    let mut lam_j_squared = (0.0, 0.0);
    let mut anchor = None;
    // Most correlated pair.
    let mut best = (0.0, 0, 0);
    for i in 0..d {
        for j in 0..i {
            let r = corr(i, j).abs();
            if r > best.0 {
                best = (r, j, i);
            }
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
        for l in 0..i {
            if (s(i, l) - loading[i] * loading[l]).abs() > DETECTION_TOLERANCE * sd[i] * sd[l] {
                return None;
            }
        }
    }
    Some((diagonal, loading))
}
