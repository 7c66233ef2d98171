//! The bivariate method against the committed mpmath table (`data/exact_bivariate.csv`, generated
//! by `data/exact_bivariate_generate.py` at 40 digits from the 1-D integral representation), in
//! relative error, plus identities.

mod standard;

use mvn_orthant::exact::bivariate::{bivariate_cdf, box_probability, log_bivariate_cdf, Bivariate};
use mvn_orthant::normal::{cdf, upper_tail};
use mvn_orthant::{Covariance, Error, Integrator, Problem};
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use standard::{log_standard_box, standard_box, upper_orthant};

struct Row {
    kind: String,
    lower: [f64; 2],
    upper: [f64; 2],
    rho: f64,
    p: f64,
    ln_p: f64,
}

fn table() -> Vec<Row> {
    include_str!("data/exact_bivariate.csv")
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let x = |i: usize| f[i].parse::<f64>().unwrap();
            Row {
                kind: f[0].into(),
                lower: [x(1), x(3)],
                upper: [x(2), x(4)],
                rho: x(5),
                p: x(6),
                ln_p: x(7),
            }
        })
        .collect()
}

#[test]
fn matches_mpmath_table_in_relative_error() {
    let rows = table();
    assert!(rows.len() > 200, "table has {} rows", rows.len());
    let (mut max_abs, mut max_rel, mut max_log) = (0.0f64, 0.0f64, 0.0f64);
    let mut failures = Vec::new();
    for row in &rows {
        let value = standard_box(row.lower, row.upper, row.rho);
        let log_value = log_standard_box(row.lower, row.upper, row.rho);
        let abs = (value - row.p).abs();
        let rel = if row.p >= 1e-300 { abs / row.p } else { 0.0 };
        let log_err = (log_value - row.ln_p).abs() / row.ln_p.abs().max(1.0);
        max_abs = max_abs.max(abs);
        max_rel = max_rel.max(rel);
        max_log = max_log.max(log_err);
        if abs > 1e-15 || rel > 1e-12 || log_err > 1e-13 {
            failures.push(format!(
                "{} {:?} {:?} rho={} ref={:e} got={:e} rel={:.2e} lnref={} ln={} logerr={:.2e}",
                row.kind, row.lower, row.upper, row.rho, row.p, value, rel, row.ln_p, log_value, log_err
            ));
        }
        if row.kind == "orthant" {
            // The same rows through the named lower-orthant functions.
            assert_eq!(bivariate_cdf(row.upper[0], row.upper[1], row.rho), value);
            assert_eq!(log_bivariate_cdf(row.upper[0], row.upper[1], row.rho), log_value);
        }
    }
    println!(
        "bivariate: {} rows, max abs error {max_abs:.3e}, max rel error (P >= 1e-300) {max_rel:.3e}, \
         max rel error of ln P {max_log:.3e}",
        rows.len()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn identities() {
    let hs = [-30.0, -7.5, -2.0, -0.3, 0.0, 0.4, 1.5, 3.0, 8.0];
    for &h in &hs {
        for &k in &hs {
            // Independence: a product.
            let p = bivariate_cdf(h, k, 0.0);
            let q = cdf(h) * cdf(k);
            assert!((p - q).abs() <= 1e-15 * q, "{h} {k}");
            // ρ = 1: Φ(min(h, k)); ρ = −1: max(0, Φ(h) − Φ(−k)).
            assert_eq!(bivariate_cdf(h, k, 1.0), cdf(h.min(k)));
            let m = (cdf(h) - cdf(-k)).max(0.0);
            assert!((bivariate_cdf(h, k, -1.0) - m).abs() <= 1e-16 + 1e-15 * m);
            for r in [-0.999, -0.93, -0.6, 0.2, 0.8, 0.95, 0.999] {
                // Symmetry under swapping the coordinates.
                let a = bivariate_cdf(h, k, r);
                let b = bivariate_cdf(k, h, r);
                assert!((a - b).abs() <= 1e-15 * a.max(1e-300) + 1e-300, "{h} {k} {r}");
                // Upper orthant = lower orthant of the negated limits.
                assert_eq!(upper_orthant(-h, -k, r), a);
                // Inclusion–exclusion: Φ₂(h,k) + P(X ≤ h, Y > k) = Φ(h), with
                // P(X ≤ h, Y > k) = Φ₂(h, −k; −ρ).
                let c = bivariate_cdf(h, -k, -r);
                assert!((a + c - cdf(h)).abs() <= 4e-16, "{h} {k} {r}: {:e}", a + c - cdf(h));
                // A box equals its orthant decomposition.
                let bx = standard_box([h, k], [f64::INFINITY, f64::INFINITY], r);
                assert!((bx - upper_orthant(h, k, r)).abs() <= 1e-15 * bx, "{h} {k} {r}");
            }
        }
    }
    // Zero-mean orthants: 1/4 + asin(ρ)/(2π).
    for r in [-1.0, -0.9, -0.5, 0.0, 0.3, 0.99, 1.0] {
        let exact = 0.25 + f64::asin(r) / (2.0 * std::f64::consts::PI);
        assert!((bivariate_cdf(0.0, 0.0, r) - exact).abs() <= 1e-16, "{r}");
    }
    assert_eq!(upper_tail(3.0), upper_orthant(3.0, f64::NEG_INFINITY, 0.7));
}

#[test]
fn general_means_variances_and_singular_cases() {
    // Scaling: N(μ, Σ) box equals the standardised box.
    let (m, s0, s1, r) = ([1.0, -2.0], 2.0, 0.5, -0.4);
    let cov = [[s0 * s0, r * s0 * s1], [r * s0 * s1, s1 * s1]];
    let p = box_probability(m, cov, [0.0, -3.0], [4.0, -1.5]);
    let q = standard_box([(0.0 - 1.0) / s0, (-3.0 + 2.0) / s1], [(4.0 - 1.0) / s0, (-1.5 + 2.0) / s1], r);
    assert!((p - q).abs() <= 1e-15 * q);
    // Zero variance: an indicator times the other marginal.
    let cov = [[0.0, 0.0], [0.0, 1.0]];
    assert_eq!(
        box_probability([0.5, 0.0], cov, [0.0, -1.0], [1.0, 1.0]),
        standard_box([f64::NEG_INFINITY, -1.0], [f64::INFINITY, 1.0], 0.0)
    );
    assert_eq!(box_probability([1.5, 0.0], cov, [0.0, -1.0], [1.0, 1.0]), 0.0);
    // ρ = −1: Y = −X, P(X ≤ 1, Y ≤ 1) = P(−1 ≤ X ≤ 1).
    let p = box_probability([0.0; 2], [[1.0, -1.0], [-1.0, 1.0]], [f64::NEG_INFINITY; 2], [1.0, 1.0]);
    assert!((p - 0.682_689_492_137_085_9).abs() < 1e-15);
    // Through the integrator, with an unbounded third coordinate dropped.
    let sigma =
        Covariance::from_rows(&[vec![1.0, 0.5, 0.2], vec![0.5, 1.0, 0.1], vec![0.2, 0.1, 1.0]]).unwrap();
    let problem =
        Problem::new(vec![0.0; 3], sigma.clone(), vec![f64::NEG_INFINITY; 3], vec![0.0, 0.0, f64::INFINITY])
            .unwrap();
    let e = Bivariate.integrate(&problem).unwrap();
    assert!((e.value - 1.0 / 3.0).abs() < 1e-15);
    assert!((e.log_value - (1.0f64 / 3.0).ln()).abs() < 1e-15);
    let problem3 = Problem::lower_orthant(sigma, vec![0.0; 3]).unwrap();
    assert!(matches!(Bivariate.integrate(&problem3), Err(Error::MethodNotApplicable { .. })));
    // Far tail through the integrator: ln P where P underflows.
    let sigma = Covariance::from_rows(&[vec![1.0, -0.5], vec![-0.5, 1.0]]).unwrap();
    let problem = Problem::lower_orthant(sigma, vec![-30.0, -30.0]).unwrap();
    let e = Bivariate.integrate(&problem).unwrap();
    assert_eq!(e.value, 0.0);
    assert!(e.log_value.is_finite() && e.log_value < -1000.0);
}

/// A deterministic pseudo-random sweep over wide ranges (limits in [−40, 40], ρ in [−1, 1]):
/// results are probabilities, logarithms are consistent with values, and the complement identity
/// Φ₂(h, k; ρ) + Φ₂(h, −k; −ρ) = Φ(h) holds across the switch between the Genz and tail paths.
#[test]
fn random_sweep_is_consistent() {
    let state = 0x2545_f491_4f6c_dd1du64;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(state);
    let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    for i in 0..3000 {
        let scale = if i % 3 == 0 { 40.0 } else { 6.0 };
        let h = (2.0 * uniform() - 1.0) * scale;
        let k = (2.0 * uniform() - 1.0) * scale;
        let r = if i % 5 == 0 {
            (2.0 * uniform() - 1.0).signum() * (1.0 - 1e-3 * uniform())
        } else {
            2.0 * uniform() - 1.0
        };
        let p = bivariate_cdf(h, k, r);
        let lp = log_bivariate_cdf(h, k, r);
        assert!((0.0..=1.0).contains(&p), "{h} {k} {r}: {p}");
        if p > 1e-300 {
            assert!((lp - p.ln()).abs() <= 1e-13 * p.ln().abs().max(1.0), "{h} {k} {r}: {lp} vs {}", p.ln());
        } else {
            assert!(lp < -690.0, "{h} {k} {r}: {lp}");
        }
        let q = bivariate_cdf(h, -k, -r);
        assert!((p + q - cdf(h)).abs() <= 4e-16, "{h} {k} {r}: {:e}", p + q - cdf(h));
        let s = bivariate_cdf(k, h, r);
        assert!((p - s).abs() <= 1e-16 + 1e-13 * p, "{h} {k} {r}");
    }
}
