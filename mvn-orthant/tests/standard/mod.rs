//! The standardised forms of the exact methods (zero means, unit variances), written through
//! the public functions: the tests state their references in these forms. Each is the public
//! function on exactly the same arithmetic path (standardising with mean 0 and variance 1 is
//! exact, and U(h; R) = T(−h; R) is a sign flip).
#![allow(dead_code)]

use mvn_orthant::exact::{bivariate, trivariate};
use mvn_orthant::normal;

/// P(α ≤ Z ≤ β) for a standard normal Z.
pub fn standard_interval(alpha: f64, beta: f64) -> f64 {
    normal::interval_probability(alpha, beta)
}

/// ln P(α ≤ Z ≤ β) for a standard normal Z.
pub fn log_standard_interval(alpha: f64, beta: f64) -> f64 {
    normal::log_interval_probability(alpha, beta)
}

/// The 2 × 2 correlation matrix of ρ.
fn correlation2(r: f64) -> [[f64; 2]; 2] {
    [[1.0, r], [r, 1.0]]
}

/// P(lower ≤ Z ≤ upper) for standard normals with correlation ρ.
pub fn standard_box(lower: [f64; 2], upper: [f64; 2], r: f64) -> f64 {
    bivariate::box_probability([0.0; 2], correlation2(r), lower, upper)
}

/// ln P(lower ≤ Z ≤ upper) for standard normals with correlation ρ.
pub fn log_standard_box(lower: [f64; 2], upper: [f64; 2], r: f64) -> f64 {
    bivariate::log_box_probability([0.0; 2], correlation2(r), lower, upper)
}

/// U(h, k; ρ) = P(X > h, Y > k) = Φ₂(−h, −k; ρ).
pub fn upper_orthant(h: f64, k: f64, r: f64) -> f64 {
    bivariate::bivariate_cdf(-h, -k, r)
}

/// ln U(h, k; ρ).
pub fn log_upper_orthant(h: f64, k: f64, r: f64) -> f64 {
    bivariate::log_bivariate_cdf(-h, -k, r)
}

/// The symmetric correlation matrix of (r₁₂, r₁₃, r₂₃).
pub fn correlation_matrix(r12: f64, r13: f64, r23: f64) -> [[f64; 3]; 3] {
    [[1.0, r12, r13], [r12, 1.0, r23], [r13, r23, 1.0]]
}

/// P(X > h) = T(−h; R) for standard normals with correlation matrix R.
pub fn upper_orthant3(h: [f64; 3], r: [[f64; 3]; 3]) -> f64 {
    trivariate::trivariate_cdf([-h[0], -h[1], -h[2]], r)
}
