//! Point sets: the unscrambled Sobol sequence against an independent implementation of the
//! direction-number definition; the net property of scrambled points; comparison with
//! `sobol_burley`; the lattice sequence against its definition.

use mvn_orthant::qmc::{Lattice, PointSetKind, RandomizedPointSet, Sobol};

/// Independent implementation: parse the Joe–Kuo file, run the recurrence on the integers m_k,
/// and build x_n bit by bit in natural order.
fn reference_direction_integers(dims: &[usize]) -> Vec<Vec<u64>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/new-joe-kuo-6.21201");
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    dims.iter()
        .map(|&j| {
            if j == 1 {
                return vec![1u64; 32];
            }
            let f: Vec<u64> = lines[j - 1].split_whitespace().map(|x| x.parse().unwrap()).collect();
            assert_eq!(f[0] as usize, j);
            let (s, a) = (f[1] as usize, f[2]);
            let mut m: Vec<u64> = f[3..3 + s].to_vec();
            for k in s..32 {
                // m_k = 2 a_1 m_{k−1} ⊕ … ⊕ 2^{s−1} a_{s−1} m_{k−s+1} ⊕ 2^s m_{k−s} ⊕ m_{k−s}
                let mut v = (m[k - s] << s) ^ m[k - s];
                for i in 1..s {
                    let ai = (a >> (s - 1 - i)) & 1;
                    v ^= (ai * m[k - i]) << i;
                }
                m.push(v);
            }
            m
        })
        .collect()
}

fn reference_point(m: &[u64], n: u64) -> f64 {
    // x_n = ⊕_k n_k m_k / 2^k as a 32-bit fraction.
    let mut x: u64 = 0;
    for k in 0..32 {
        if (n >> k) & 1 == 1 {
            x ^= m[k] << (31 - k);
        }
    }
    x as f64 / 4294967296.0
}

#[test]
fn unscrambled_sobol_matches_the_definition_for_2_pow_16_points() {
    let dims = [1usize, 2, 3, 4, 5, 6, 7, 8, 13, 100, 999, 1000, 1111, 21201];
    let m = reference_direction_integers(&dims);
    let sobol = Sobol::new(21201);
    let mut cursor = sobol.cursor(0);
    let mut point = vec![0.0; 21201];
    let half_unit = 2f64.powi(-53);
    for i in 0..(1u64 << 16) {
        cursor.next_into(&mut point);
        let gray = i ^ (i >> 1);
        for (c, &j) in dims.iter().enumerate() {
            let expected = reference_point(&m[c], gray) + half_unit;
            assert_eq!(point[j - 1], expected, "point {i} (natural index {gray}) dimension {j}");
        }
    }
    // The well-known start of dimensions 1 and 2 in natural order: (0,0), (½,½), (¼,¾), (¾,¼).
    let expected = [(0.0, 0.0), (0.5, 0.5), (0.25, 0.75), (0.75, 0.25)];
    for (n, &(u, v)) in expected.iter().enumerate() {
        assert_eq!(sobol.point_bits(n as u64, 0) >> 32, (u * 4294967296.0) as u64);
        assert_eq!(sobol.point_bits(n as u64, 1) >> 32, (v * 4294967296.0) as u64);
    }
}

/// Counts points of `points` (rows of the given coordinates) in the 2^a × 2^b grid.
fn grid_counts(points: &[(f64, f64)], a: u32, b: u32) -> Vec<u32> {
    let mut counts = vec![0u32; 1 << (a + b)];
    for &(u, v) in points {
        let i = (u * (1u64 << a) as f64) as usize;
        let j = (v * (1u64 << b) as f64) as usize;
        counts[(i << b) | j] += 1;
    }
    counts
}

#[test]
fn scrambled_sobol_keeps_every_stratification_of_the_net() {
    let m = 10u32;
    let n = 1usize << m;
    let dim = 1000;
    let pairs = [(0usize, 1usize), (1, 2), (2, 5), (10, 500), (3, 999), (998, 999)];
    let plain = Sobol::new(dim);
    for seed in [1u64, 2, 3] {
        let scrambled = Sobol::scrambled(dim, seed);
        let take = |s: &Sobol| {
            let mut c = s.cursor(0);
            let mut x = vec![0.0; dim];
            (0..n)
                .map(|_| {
                    c.next_into(&mut x);
                    x.clone()
                })
                .collect::<Vec<_>>()
        };
        let (p0, p1) = (take(&plain), take(&scrambled));
        // Every coordinate stays in (0, 1) and is stratified in 2^m intervals (t = 0 in 1-D).
        for j in 0..dim {
            let counts = grid_counts(&p1.iter().map(|x| (x[j], 0.5)).collect::<Vec<_>>(), m, 0);
            assert!(counts.iter().all(|&c| c == 1), "dimension {j} seed {seed}");
            assert!(p1.iter().all(|x| x[j] > 0.0 && x[j] < 1.0));
        }
        let mut checked = 0;
        for &(j1, j2) in &pairs {
            let q0: Vec<(f64, f64)> = p0.iter().map(|x| (x[j1], x[j2])).collect();
            let q1: Vec<(f64, f64)> = p1.iter().map(|x| (x[j1], x[j2])).collect();
            for a in 0..=m {
                for b in 0..=(m - a) {
                    let expected = 1u32 << (m - a - b);
                    if grid_counts(&q0, a, b).iter().all(|&c| c == expected) {
                        assert!(
                            grid_counts(&q1, a, b).iter().all(|&c| c == expected),
                            "pair ({j1}, {j2}), grid 2^{a} x 2^{b}, seed {seed}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100);
        // The first two dimensions form a (0, m, 2)-net: every a + b = m grid is balanced.
        let q1: Vec<(f64, f64)> = p1.iter().map(|x| (x[0], x[1])).collect();
        for a in 0..=m {
            assert!(grid_counts(&q1, a, m - a).iter().all(|&c| c == 1));
        }
        // Scrambling changed the points.
        assert!(p0.iter().zip(&p1).filter(|(x, y)| x[5] != y[5]).count() > n / 2);
    }
}

/// A smooth test integrand on [0,1]^s with integral 1.
fn smooth(x: &[f64]) -> f64 {
    x.iter().enumerate().map(|(j, &u)| 1.0 + (u - 0.5) * 12f64.sqrt() / (j as f64 + 1.0)).product()
}

#[test]
fn scrambled_sobol_compares_with_sobol_burley() {
    let (s, n, reps) = (8usize, 1024u32, 16u32);
    let mut ours = 0.0;
    let mut burley = 0.0;
    let mut x = vec![0.0; s];
    for seed in 0..reps {
        let points = RandomizedPointSet::new(PointSetKind::Sobol, s, 1000 + seed as u64);
        let mut c = points.cursor(0);
        let mut sum = 0.0;
        for _ in 0..n {
            c.next_into(&mut x);
            sum += smooth(&x);
        }
        ours += (sum / n as f64 - 1.0).powi(2);
        let mut sum_b = 0.0;
        for i in 0..n {
            for (j, xj) in x.iter_mut().enumerate() {
                *xj = f64::from(sobol_burley::sample(i, j as u32, seed + 77));
            }
            sum_b += smooth(&x);
        }
        burley += (sum_b / n as f64 - 1.0).powi(2);
    }
    let (rmse_ours, rmse_burley) = ((ours / reps as f64).sqrt(), (burley / reps as f64).sqrt());
    // Crude Monte Carlo: the variance of `smooth` is Π(1 + 1/(j+1)²) − 1 ≈ 1.3; RMSE ≈ 0.036.
    let variance: f64 = (0..s).map(|j| 1.0 + 1.0 / ((j as f64 + 1.0).powi(2))).product::<f64>() - 1.0;
    let rmse_mc = (variance / n as f64).sqrt();
    println!("RMSE ours {rmse_ours:e}, sobol_burley {rmse_burley:e}, Monte Carlo {rmse_mc:e}");
    assert!(rmse_ours < rmse_mc / 10.0);
    assert!(rmse_burley < rmse_mc / 10.0);
    assert!(rmse_ours < 10.0 * rmse_burley && rmse_burley < 10.0 * rmse_ours);
}

#[test]
fn lattice_first_points_form_the_rank_one_lattice() {
    let dim = 50;
    let lattice = Lattice::new(dim);
    let z = lattice.generator();
    assert!(z.iter().all(|&zj| zj % 2 == 1));
    let m = 8u32;
    let n = 1u64 << m;
    let mut x = vec![0.0; dim];
    let mut seen = std::collections::HashSet::new();
    for i in 0..n {
        lattice.point_into(i, &mut x);
        // Radical inverse of i in m bits: the lattice index k.
        let k = (i as u32).reverse_bits() >> (32 - m);
        seen.insert(k);
        for j in 0..dim {
            let u = (u64::from(k) * u64::from(z[j]) % n) as f64 / n as f64;
            let tent = 1.0 - (2.0 * u - 1.0).abs();
            assert!((x[j] - tent).abs() <= 2f64.powi(-52), "point {i} coordinate {j}");
        }
    }
    assert_eq!(seen.len() as u64, n);
    // A shifted lattice integrates the smooth function well.
    let mut err = 0.0;
    for seed in 0..16 {
        let shifted = Lattice::shifted(8, seed);
        let mut y = vec![0.0; 8];
        let sum: f64 = (0..1024)
            .map(|i| {
                shifted.point_into(i, &mut y);
                assert!(y.iter().all(|&u| u > 0.0 && u < 1.0));
                smooth(&y)
            })
            .sum();
        err += (sum / 1024.0 - 1.0).powi(2);
    }
    assert!((err / 16.0).sqrt() < 3e-3, "lattice RMSE {}", (err / 16.0f64).sqrt());
}

#[test]
fn value_stability_of_the_scrambled_streams() {
    // Pins the randomisation streams: a silent change of the scramble or of the RNG is caught.
    let s = Sobol::scrambled(3, 12345);
    let bits: Vec<u64> = (0..3).map(|j| s.point_bits(5, j)).collect();
    let again: Vec<u64> = (0..3).map(|j| Sobol::scrambled(3, 12345).point_bits(5, j)).collect();
    assert_eq!(bits, again);
    assert_eq!(bits, [6311838573784771669, 14579469597647053363, 7286426909542389227]);
    assert_ne!(Sobol::scrambled(3, 12346).point_bits(5, 0), bits[0]);
}
