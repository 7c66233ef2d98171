//! Boxes narrow in every coordinate, down to widths whose probability is far below the smallest
//! double: P = w^d · φ_Σ(a − μ) · (1 + O(w)) for the box [a, a + w·1], so ln P is known in closed
//! form to rounding once w < 1e-20. The exact methods once returned ln P = −∞ below P ≈ 1e-308.
//!
//! Away from the mean (a ≠ μ) the standardisation (a − μ)/σ, (a + w − μ)/σ would round the
//! width away when w ≪ ulp(a − μ): d = 2 carries b − a instead (covered here at three
//! positions); d = 3 does not yet, and is covered at the mean only.

use mvn_orthant::{integrate, Covariance, MethodChoice, Problem, Settings};

/// ln of the N(μ, Σ) density at x, for d ≤ 3 (Σ inverted by cofactors).
fn log_density(x: &[f64], mean: &[f64], sigma: &[Vec<f64>]) -> f64 {
    let d = x.len();
    let z: Vec<f64> = (0..d).map(|i| x[i] - mean[i]).collect();
    let (det, inv) = match d {
        2 => {
            let det = sigma[0][0] * sigma[1][1] - sigma[0][1] * sigma[1][0];
            (
                det,
                vec![
                    vec![sigma[1][1] / det, -sigma[0][1] / det],
                    vec![-sigma[1][0] / det, sigma[0][0] / det],
                ],
            )
        }
        3 => {
            let m = |i: usize, j: usize| sigma[i][j];
            let cof = |i: usize, j: usize| {
                let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
                let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
                m(r0, c0) * m(r1, c1) - m(r0, c1) * m(r1, c0)
            };
            let det = (0..3).map(|j| m(0, j) * cof(0, j)).sum::<f64>();
            (det, (0..3).map(|i| (0..3).map(|j| cof(j, i) / det).collect()).collect())
        }
        _ => unreachable!(),
    };
    let q: f64 = (0..d).map(|i| (0..d).map(|j| z[i] * inv[i][j] * z[j]).sum::<f64>()).sum();
    -0.5 * q - 0.5 * det.ln() - 0.5 * d as f64 * (2.0 * std::f64::consts::PI).ln()
}

#[test]
fn narrow_boxes_far_below_the_smallest_double_have_finite_exact_logs() {
    let sigmas: [Vec<Vec<f64>>; 3] = [
        vec![vec![1.0, 0.3], vec![0.3, 1.0]],
        vec![vec![2.0, -0.9], vec![-0.9, 0.5]],
        vec![vec![1.0, 0.3, 0.2], vec![0.3, 1.0, 0.4], vec![0.2, 0.4, 1.0]],
    ];
    let mut worst = 0.0f64;
    for sigma in &sigmas {
        let d = sigma.len();
        let shifts: &[f64] = if d == 2 { &[0.0, 0.8, -1.7] } else { &[0.0] };
        for &shift in shifts {
            for w in [1e-20, 1e-60, 1e-110, 1e-150, 1e-200, 1e-300] {
                let mean = vec![-shift; d];
                let covariance = Covariance::from_rows(sigma).unwrap();
                let problem = Problem::new(mean.clone(), covariance, vec![0.0; d], vec![w; d]).unwrap();
                let e = integrate(&problem, MethodChoice::Exact, &Settings::default()).unwrap();
                let reference = d as f64 * w.ln() + log_density(&vec![0.0; d], &mean, sigma);
                // 1e-13 relative in P (the exact methods' target is 1e-12), plus the rounding of a
                // logarithm near −1400.
                let abs = (e.log_value - reference).abs();
                let rel = abs / reference.abs();
                assert!(
                    abs < 1e-13 + 4e-16 * reference.abs(),
                    "d = {d}, shift {shift}, w = {w:e}: ln P {} vs {reference}",
                    e.log_value
                );
                assert_eq!(e.error, 0.0);
                worst = worst.max(rel);
            }
        }
    }
    println!("worst relative error of ln P: {worst:e}");
}

/// A narrow trivariate box away from the mean, with variances ≠ 1: a third coordinate independent
/// of the other two with limits (−∞, μ₃) halves the bivariate value exactly, so the trivariate
/// route must give ln P₂ − ln 2. Before the width was taken from b − a, (b − μ)/σ − (a − μ)/σ
/// lost it: 1.9e-10 relative at width 1e-6 and 9.8e-9 at 1e-8.
#[test]
fn narrow_trivariate_boxes_away_from_the_mean_keep_their_width() {
    use mvn_orthant::exact::{bivariate, trivariate};
    let (v1, v2, c) = (1.7, 0.6, 0.4);
    for width in [1e-6, 1e-8, 2f64.powi(-40)] {
        for (a1, a2) in [(2.3, -1.1), (-3.7, 0.9), (40.0, 0.2)] {
            let lower2 = [a1, a2];
            let upper2 = [a1 + width, a2 + 1.5 * width];
            let two = bivariate::log_box_probability([0.1, -0.2], [[v1, c], [c, v2]], lower2, upper2);
            let three = trivariate::log_box_probability(
                [0.1, -0.2, 0.3],
                [[v1, c, 0.0], [c, v2, 0.0], [0.0, 0.0, 2.5]],
                [a1, a2, f64::NEG_INFINITY],
                [upper2[0], upper2[1], 0.3],
            );
            let expected = two - std::f64::consts::LN_2;
            assert!(
                (three - expected).abs() <= 1e-13 * expected.abs().max(1.0),
                "width {width:e}, a = ({a1}, {a2}): ln P₃ = {three} against ln P₂ − ln 2 = {expected}"
            );
        }
    }
}
