//! The incomplete gamma functions and the chi scale quantile against mpmath (50 digits;
//! `data/student_t_gamma_generate.py`).

use mvn_orthant::student_t::gamma::{chi_scale_quantile, ln_regularized_gamma_pair};

fn rows(text: &str) -> Vec<Vec<f64>> {
    text.lines().skip(1).map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect()
}

/// ln P and ln Q to 5e-13 relative (ln Q of a P below 1e-40 rounds to 0 in the table).
#[test]
fn incomplete_gamma_against_mpmath() {
    let mut worst = 0.0f64;
    let table = rows(include_str!("data/student_t_gamma.csv"));
    assert!(table.len() >= 70);
    for r in &table {
        let (a, x) = (r[0], r[1]);
        let (ln_p, ln_q) = ln_regularized_gamma_pair(a, x);
        for (got, want) in [(ln_p, r[2]), (ln_q, r[3])] {
            let err = (got - want).abs() / want.abs().max(1.0);
            let err = if want.abs() < 1.0 { (got - want).abs() / want.abs().max(1e-40) } else { err };
            worst = worst.max(err);
            assert!(err < 5e-13, "a = {a}, x = {x}: {got} against {want} ({err:.1e})");
        }
    }
    println!("worst relative error {worst:.2e}");
}

/// S(ν, u) to 1e-13 relative from u = 1e-12 to 1 − 1e-10, ν from 0.3 to 1000.
#[test]
fn chi_scale_quantile_against_mpmath() {
    let mut worst = 0.0f64;
    let table = rows(include_str!("data/student_t_chi_quantile.csv"));
    assert_eq!(table.len(), 99);
    for r in &table {
        let (nu, u, s) = (r[0], r[1], r[2]);
        let got = chi_scale_quantile(nu, u);
        let err = (got / s - 1.0).abs();
        worst = worst.max(err);
        assert!(err < 1e-13, "ν = {nu}, u = {u}: {got} against {s} ({err:.1e})");
    }
    println!("worst relative error {worst:.2e}");
}

/// The ends: S is positive and finite for u at 0 and 1 and below/above, and monotone.
#[test]
fn chi_scale_quantile_ends_and_monotone() {
    for nu in [0.1, 1.0, 4.0, 1e4] {
        for u in [0.0, f64::MIN_POSITIVE, 1e-300, 1.0 - f64::EPSILON / 2.0, 1.0] {
            let s = chi_scale_quantile(nu, u);
            assert!(s > 0.0 && s.is_finite(), "ν = {nu}, u = {u}: {s}");
        }
        let mut previous = 0.0;
        for i in 1..1000 {
            let s = chi_scale_quantile(nu, i as f64 / 1000.0);
            assert!(s > previous, "ν = {nu}, u = {}", i as f64 / 1000.0);
            previous = s;
        }
    }
}

/// Large ν (beyond the mpmath table): S agrees with the Wilson–Hilferty approximation
/// (relative error 1e-7 at ν = 10⁵ in the 10⁻¹⁰ tail by mpmath, smaller as ν grows) to 3e-7,
/// so the series and continued fraction are not truncated up to ν = 10⁷.
#[test]
fn large_degrees_of_freedom_match_wilson_hilferty() {
    for nu in [1e5f64, 1e6, 1e7] {
        for u in [1e-10, 1e-6, 0.01, 0.5, 0.99, 1.0 - 1e-6] {
            let z = mvn_orthant::normal::inverse_cdf(u).unwrap();
            let c: f64 = 2.0 / (9.0 * nu);
            let wh = (1.0 - c + z * c.sqrt()).powi(3).sqrt();
            let s = chi_scale_quantile(nu, u);
            assert!((s / wh - 1.0).abs() < 3e-7, "ν = {nu}, u = {u}: {s} against {wh}");
        }
    }
}
