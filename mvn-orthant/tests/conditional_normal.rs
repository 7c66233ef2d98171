//! The conditional normal distribution (`Problem::conditional`) against an independent formula: with Λ = Σ⁻¹ the precision matrix, X_{−k} | X_k = x has
//! covariance (Λ_{−k,−k})⁻¹ and mean μ_{−k} − (Λ_{−k,−k})⁻¹ Λ_{−k,k} (x − μ_k) (the Schur
//! complement read from the other side); and bad conditioning requests are typed errors.

use mvn_orthant::{Covariance, Error, Problem};

/// The inverse of a small regular matrix by Gauss–Jordan elimination with partial pivoting.
fn inverse(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n).max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs())).unwrap();
        m.swap(c, p);
        let pivot = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= pivot);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let row_c = m[c].clone();
                m[r].iter_mut().zip(&row_c).for_each(|(v, &w)| *v -= f * w);
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

/// A reproducible regular covariance G Gᵀ + I/2 of dimension d.
fn covariance(d: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let g: Vec<Vec<f64>> = (0..d).map(|_| (0..d).map(|_| next()).collect()).collect();
    (0..d)
        .map(|i| {
            (0..d)
                .map(|j| (0..d).map(|l| g[i][l] * g[j][l]).sum::<f64>() + if i == j { 0.5 } else { 0.0 })
                .collect()
        })
        .collect()
}

#[test]
fn conditional_matches_the_precision_matrix_form() {
    for (d, seed) in [(2, 1), (3, 2), (4, 3), (6, 4)] {
        let sigma = covariance(d, seed);
        let mean: Vec<f64> = (0..d).map(|i| 0.3 * i as f64 - 0.5).collect();
        let lower: Vec<f64> = (0..d).map(|i| -1.0 - i as f64).collect();
        let upper: Vec<f64> = (0..d).map(|i| 1.0 + i as f64).collect();
        let problem =
            Problem::new(mean.clone(), Covariance::from_rows(&sigma).unwrap(), lower.clone(), upper.clone())
                .unwrap();
        let precision = inverse(&sigma);
        for k in 0..d {
            let x = 1.7 - 0.4 * k as f64;
            let conditional = problem.conditional(k, x).unwrap();
            let others: Vec<usize> = (0..d).filter(|&i| i != k).collect();
            let block: Vec<Vec<f64>> =
                others.iter().map(|&i| others.iter().map(|&j| precision[i][j]).collect()).collect();
            let reference = inverse(&block);
            for (a, &i) in others.iter().enumerate() {
                let shift: f64 =
                    (0..others.len()).map(|b| reference[a][b] * precision[others[b]][k]).sum::<f64>();
                let expected_mean = mean[i] - shift * (x - mean[k]);
                let m = conditional.mean()[a];
                assert!((m - expected_mean).abs() < 1e-12, "d {d}, k {k}: mean {m} vs {expected_mean}");
                for b in 0..others.len() {
                    let got = conditional.covariance().get(a, b);
                    let want = reference[a][b];
                    assert!((got - want).abs() < 1e-12, "d {d}, k {k}: C {got} vs {want}");
                }
                assert_eq!((conditional.lower()[a], conditional.upper()[a]), (lower[i], upper[i]));
            }
        }
    }
}

#[test]
fn impossible_conditioning_is_a_typed_error() {
    let sigma = Covariance::from_rows(&[vec![1.0, 0.0], vec![0.0, 0.0]]).unwrap();
    let p = Problem::new(vec![0.0; 2], sigma, vec![-1.0; 2], vec![1.0; 2]).unwrap();
    for (k, x) in [(2, 0.0), (1, 0.0), (0, f64::NAN), (0, f64::INFINITY)] {
        assert!(matches!(p.conditional(k, x), Err(Error::InvalidArgument { .. })), "k {k}, x {x}");
    }
    assert!(p.conditional(0, 0.3).is_ok());
}
