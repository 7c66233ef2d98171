//! Closed-form zero-mean orthants: d = 2, 3 closed forms against the bivariate and trivariate
//! methods, and the d = 4 Plackett integral against the committed one-factor mpmath table
//! (`data/exact_orthant.csv`, from `data/exact_orthant_generate.py`), against a 1-D integral of
//! the trivariate method, and against Monte Carlo.

mod standard;

use mvn_orthant::exact::orthant::{zero_mean_orthant, OrthantClosedForm};
use mvn_orthant::normal::pdf;
use mvn_orthant::{Covariance, Error, Integrator, MonteCarlo, Problem};
use standard::{correlation_matrix, upper_orthant as upper2, upper_orthant3 as upper3};

/// The zero-mean positive orthant P(X > 0) of the correlation matrix `r` by the closed forms
/// (`r` enters them unchanged: its variances are 1).
fn positive_orthant<const D: usize>(r: [[f64; D]; D]) -> f64 {
    let rows: Vec<Vec<f64>> = r.iter().map(|row| row.to_vec()).collect();
    zero_mean_orthant(&Covariance::from_rows(&rows).unwrap(), &[true; D]).unwrap()
}

fn one_factor(l: &[f64; 4]) -> [[f64; 4]; 4] {
    let mut r = [[1.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            if i != j {
                r[i][j] = l[i] * l[j];
            }
        }
    }
    r
}

#[test]
fn four_variate_against_one_factor_table() {
    let (mut max_abs, mut max_rel) = (0.0f64, 0.0f64);
    let mut rows = 0;
    for line in include_str!("data/exact_orthant.csv").lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        let l = [v[0], v[1], v[2], v[3]];
        let p = positive_orthant(one_factor(&l));
        let abs = (p - v[4]).abs();
        let rel = abs / v[4];
        assert!(abs <= 2e-15 && rel <= 1e-12, "{l:?}: {p:e} vs {:e} (rel {rel:.2e})", v[4]);
        max_abs = max_abs.max(abs);
        max_rel = max_rel.max(rel);
        rows += 1;
    }
    assert!(rows >= 8);
    println!("orthant d=4: {rows} rows, max abs error {max_abs:.3e}, max rel error {max_rel:.3e}");
}

/// P(X > 0) = ∫_0^∞ φ(x) P(X_{2..4} > −(ρ_{1j} x) | X_1 = x) dx with the trivariate method,
/// by composite 20-point Gauss–Legendre (Golub–Welsch-free: nodes from the library's rule are
/// private, so a simple composite Simpson rule on a fine grid is used instead).
fn orthant4_by_trivariate(r: [[f64; 4]; 4]) -> f64 {
    let s: Vec<f64> = (1..4).map(|j| (1.0 - r[0][j] * r[0][j]).sqrt()).collect();
    let mut c = [[1.0; 3]; 3];
    for a in 0..3 {
        for b in 0..3 {
            if a != b {
                c[a][b] = (r[a + 1][b + 1] - r[0][a + 1] * r[0][b + 1]) / (s[a] * s[b]);
            }
        }
    }
    let f = |x: f64| pdf(x) * upper3([-r[0][1] * x / s[0], -r[0][2] * x / s[1], -r[0][3] * x / s[2]], c);
    let n = 4000;
    let h = 10.0 / n as f64;
    let mut sum = f(0.0) + f(10.0);
    for i in 1..n {
        sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

#[test]
fn four_variate_against_trivariate_integral_and_monte_carlo() {
    let r = [[1.0, 0.3, -0.2, 0.5], [0.3, 1.0, 0.4, 0.1], [-0.2, 0.4, 1.0, -0.3], [0.5, 0.1, -0.3, 1.0]];
    let p = positive_orthant(r);
    let q = orthant4_by_trivariate(r);
    assert!((p - q).abs() <= 1e-12, "{p:e} vs {q:e}");
    let rows: Vec<Vec<f64>> = r.iter().map(|x| x.to_vec()).collect();
    let sigma = Covariance::from_rows(&rows).unwrap();
    let problem = Problem::new(vec![0.0; 4], sigma, vec![0.0; 4], vec![f64::INFINITY; 4]).unwrap();
    let e = OrthantClosedForm.integrate(&problem).unwrap();
    assert_eq!(e.value, p);
    let mc = MonteCarlo::new(400_000, 3).unwrap().integrate(&problem).unwrap();
    assert!((p - mc.value).abs() <= mc.error, "{p} vs {} ± {}", mc.value, mc.error);
    // Singular: X₄ = X₁ reduces to the trivariate closed form.
    let mut r = r;
    for j in 0..4 {
        r[3][j] = r[0][j];
        r[j][3] = r[0][j];
    }
    r[3][3] = 1.0;
    r[0][3] = 1.0;
    r[3][0] = 1.0;
    let p = positive_orthant(r);
    let q = positive_orthant(correlation_matrix(r[0][1], r[0][2], r[1][2]));
    assert!((p - q).abs() <= 1e-14, "{p:e} vs {q:e}");
}

#[test]
fn closed_forms_agree_with_the_low_dimensional_methods_and_sign_patterns() {
    for r in [-1.0, -0.999, -0.5, 0.0, 0.4, 0.999, 1.0] {
        assert!((positive_orthant([[1.0, r], [r, 1.0]]) - upper2(0.0, 0.0, r)).abs() <= 1e-16, "{r}");
    }
    for (a, b, c) in [(0.6, 1.0 / 3.0, 11.0 / 15.0), (-0.5, -0.5, -0.5), (0.9, 0.8, 0.75), (-0.3, 0.2, 0.1)] {
        let t = upper3([0.0; 3], correlation_matrix(a, b, c));
        assert!((positive_orthant(correlation_matrix(a, b, c)) - t).abs() <= 1e-15, "{a} {b} {c}");
    }
    // ρ = −(1 − 1e-10): P = asin(√(5e-11))/π = 2.250790883527152e-6 (mpmath), to relative accuracy.
    let r = -(1.0 - 1e-10);
    assert!((positive_orthant([[1.0, r], [r, 1.0]]) / 2.250_790_883_527_152_4e-6 - 1.0).abs() < 1e-12);
    // Equicorrelated ρ = 1/2: 1/(d + 1).
    for d in 1..=4 {
        let sigma = Covariance::equicorrelated(d, 0.5).unwrap();
        let p = zero_mean_orthant(&sigma, &vec![false; d]).unwrap();
        assert!((p - 1.0 / (d as f64 + 1.0)).abs() <= 1e-15, "{d}: {p}");
    }
    // Sign patterns: the 2^d orthants partition the space.
    let rows = vec![
        vec![2.0, 0.6, -0.3, 0.5],
        vec![0.6, 1.0, 0.2, 0.1],
        vec![-0.3, 0.2, 0.5, -0.2],
        vec![0.5, 0.1, -0.2, 1.5],
    ];
    let sigma = Covariance::from_rows(&rows).unwrap();
    let mut total = 0.0;
    for mask in 0..16u32 {
        let signs: Vec<bool> = (0..4).map(|i| mask & (1 << i) != 0).collect();
        total += zero_mean_orthant(&sigma, &signs).unwrap();
        // X → −X symmetry.
        let flipped: Vec<bool> = signs.iter().map(|s| !s).collect();
        let a = zero_mean_orthant(&sigma, &signs).unwrap();
        let b = zero_mean_orthant(&sigma, &flipped).unwrap();
        assert!((a - b).abs() <= 1e-15);
    }
    assert!((total - 1.0).abs() <= 1e-14, "{total}");
    // Wrong dimension and wrong shape.
    let big = Covariance::identity(5).unwrap();
    assert!(matches!(zero_mean_orthant(&big, &[true; 5]), Err(Error::MethodNotApplicable { .. })));
    let problem =
        Problem::new(vec![0.0; 2], Covariance::identity(2).unwrap(), vec![0.0, 1.0], vec![f64::INFINITY; 2])
            .unwrap();
    assert!(matches!(OrthantClosedForm.integrate(&problem), Err(Error::MethodNotApplicable { .. })));
}
