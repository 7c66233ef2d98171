//! Semidefinite covariances: a repeated variable, a zero variance, and a rank-deficient factor
//! give the same probability as the equivalent reduced problem.

use mvn_orthant::{Covariance, Genz, GenzSettings, Integrator, Problem};

fn genz(seed: u64) -> Genz {
    GenzSettings::default().abs_tol(1e-6).seed(seed).build().unwrap()
}

/// No lower limit.
const NEG: f64 = f64::NEG_INFINITY;

/// The problem N(mean, Σ) on the box [lower, upper], Σ given by its rows.
fn boxed(mean: &[f64], rows: &[Vec<f64>], lower: &[f64], upper: &[f64]) -> Problem {
    Problem::new(mean.to_vec(), Covariance::from_rows(rows).unwrap(), lower.to_vec(), upper.to_vec()).unwrap()
}

/// |p − q| within the two error estimates combined (each a 99% half-width).
fn agree(p: &Problem, q: &Problem, what: &str) {
    let (a, b) = (genz(1).integrate(p).unwrap(), genz(2).integrate(q).unwrap());
    assert!(a.converged && b.converged, "{what}");
    assert!((a.value - b.value).abs() <= a.error + b.error + 1e-14, "{what}: {a:?} vs {b:?}");
}

#[test]
fn repeated_variable_tightens_the_interval() {
    // X = (Y1, Y2, Y1, Y3) with limits on the copy that are tighter on one side.
    let base = [vec![1.0, 0.4, 0.2], vec![0.4, 1.5, -0.3], vec![0.2, -0.3, 0.8]];
    let idx = [0usize, 1, 0, 2];
    let rows: Vec<Vec<f64>> = idx.iter().map(|&i| idx.iter().map(|&j| base[i][j]).collect()).collect();
    let full = boxed(&[0.1, 0.0, 0.1, -0.2], &rows, &[-1.0, -0.5, -0.3, NEG], &[0.8, 2.0, 1.2, 0.4]);
    let reduced = boxed(&[0.1, 0.0, -0.2], &base, &[-0.3, -0.5, NEG], &[0.8, 2.0, 0.4]);
    agree(&full, &reduced, "repeated variable");
    // A negated copy: X4 = −Y1 with limits mapping to [−0.6, 0.9] on Y1.
    let mut rows2 = rows.clone();
    for i in 0..4 {
        rows2[i][2] = if i == 2 { 1.0 } else { -rows[i][2] };
        rows2[2][i] = rows2[i][2];
    }
    let neg = boxed(&[0.1, 0.0, -0.1, -0.2], &rows2, &[-1.0, -0.5, -0.9, NEG], &[0.8, 2.0, 0.6, 0.4]);
    let reduced2 = boxed(&[0.1, 0.0, -0.2], &base, &[-0.6, -0.5, NEG], &[0.8, 2.0, 0.4]);
    agree(&neg, &reduced2, "negated copy");
}

#[test]
fn zero_variance_is_a_constant() {
    let rows = [vec![1.0, 0.0, 0.5], vec![0.0, 0.0, 0.0], vec![0.5, 0.0, 2.0]];
    let sigma = Covariance::from_rows(&rows).unwrap();
    let reduced_sigma = Covariance::from_rows(&[vec![1.0, 0.5], vec![0.5, 2.0]]).unwrap();
    let inside =
        Problem::new(vec![0.0, 0.3, 0.0], sigma.clone(), vec![-1.0, 0.0, -2.0], vec![1.0, 1.0, 0.5]).unwrap();
    let reduced = Problem::new(vec![0.0, 0.0], reduced_sigma, vec![-1.0, -2.0], vec![1.0, 0.5]).unwrap();
    agree(&inside, &reduced, "zero variance inside");
    let outside =
        Problem::new(vec![0.0, 1.3, 0.0], sigma, vec![-1.0, 0.0, -2.0], vec![1.0, 1.0, 0.5]).unwrap();
    let e = genz(3).integrate(&outside).unwrap();
    assert_eq!(e.value, 0.0);
}

#[test]
fn rank_deficient_factor_matches_its_generating_problem() {
    // X = A Y with A (6 × 3) and Y ~ N(0, I): P(a ≤ AY ≤ b) against the same box written
    // through a full-rank 3-variable problem plus deterministic combinations is not available
    // directly, so compare two equivalent semidefinite descriptions: X and a permutation of X
    // with duplicated rows, and the 3-dimensional marginal when only three rows are bounded.
    let a = [
        [1.0, 0.0, 0.0],
        [0.5, 0.8, 0.0],
        [0.2, -0.4, 0.9],
        [1.5, 0.8, 0.0],  // row0 + row1
        [0.7, 0.4, 0.9],  // row1 + row2
        [-1.0, 0.0, 0.0], // −row0
    ];
    let d = a.len();
    let mut entries = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            entries[i * d + j] = (0..3).map(|k| a[i][k] * a[j][k]).sum();
        }
    }
    let sigma = Covariance::from_row_major(d, entries.clone()).unwrap();
    assert_eq!(sigma.rank(), 3);
    let lower = vec![-1.0, -1.2, -0.8, -2.0, -1.5, -0.7];
    let upper = vec![1.2, 1.0, 1.1, 1.8, 1.6, 1.3];
    let p = Problem::new(vec![0.0; d], sigma, lower.clone(), upper.clone()).unwrap();
    // Reverse order description of the same event.
    let perm: Vec<usize> = (0..d).rev().collect();
    let pe: Vec<f64> = perm
        .iter()
        .flat_map(|&i| perm.iter().map(move |&j| (i, j)))
        .map(|(i, j)| entries[i * d + j])
        .collect();
    let q = Problem::new(
        vec![0.0; d],
        Covariance::from_row_major(d, pe).unwrap(),
        perm.iter().map(|&i| lower[i]).collect(),
        perm.iter().map(|&i| upper[i]).collect(),
    )
    .unwrap();
    agree(&p, &q, "rank-deficient, permuted");
    // Against crude Monte Carlo on the generating factor (independent code path).
    let e = genz(4).integrate(&p).unwrap();
    let mc = mvn_orthant::MonteCarlo::new(4_000_000, 101).unwrap().integrate(&p).unwrap();
    assert!((e.value - mc.value).abs() <= mc.error + e.error, "{e:?} vs {mc:?}");
    // Unbounded deterministic rows drop out: only rows 0..3 bounded equals the 3-dim marginal.
    let mut lo2 = lower.clone();
    let mut up2 = upper.clone();
    for i in 3..d {
        lo2[i] = f64::NEG_INFINITY;
        up2[i] = f64::INFINITY;
    }
    let p2 = Problem::new(vec![0.0; d], Covariance::from_row_major(d, entries).unwrap(), lo2, up2).unwrap();
    agree(&p2, &p2.marginal(&[0, 1, 2]), "marginal");
}

/// A nearly singular pair (ρ = 1 − 5e-12): the integrand is constant except on a set of measure
/// ~1e-6, which most point sets miss entirely, so the randomisations agree to rounding. The
/// reported error must then not be 0: when they agree exactly it is the 99% missed-feature bound
/// ln(100)/N, which covers the truth. (When a few points graze the feature the spread is tiny
/// but nonzero and can still under-report: the documented limitation of sampling methods on
/// nearly singular covariances, `docs/genz.md`.)
#[test]
fn agreeing_randomisations_do_not_claim_zero_error() {
    use mvn_orthant::{integrate, MethodChoice, Settings};
    let rho = 1.0 - 5.3e-12;
    let sigma = Covariance::from_rows(&[vec![1.0, rho], vec![rho, 1.0]]).unwrap();
    let p = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
    let exact = integrate(&p, MethodChoice::Exact, &Settings::default()).unwrap().value;
    let mut covered_by_the_bound = 0;
    for seed in 0..8 {
        let settings = Settings { abs_tol: 1e-4, rel_tol: 0.0, max_evaluations: 40_000, seed };
        let e = integrate(&p, MethodChoice::Genz, &settings).unwrap();
        assert!(e.error > 0.0, "{e:?}");
        if e.error >= 1e-5 {
            // The missed-feature bound was applied: it must cover the truth.
            assert!((e.value - exact).abs() <= e.error, "{e:?} vs exact {exact}");
            covered_by_the_bound += 1;
        }
    }
    assert!(covered_by_the_bound >= 1, "the zero-spread rule never applied");
}
