//! Property tests: constructors never panic on arbitrary input and reject each bad case with the
//! right error variant; valid semidefinite input is accepted.

use mvn_orthant::{Covariance, Error, Problem};
use proptest::prelude::*;

/// Any f64, with the awkward values over-represented.
fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -10.0..10.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1e308),
        1 => Just(-1e308),
        1 => Just(1e-310),
        1 => Just(0.0),
        1 => any::<f64>(),
    ]
}

/// A random positive semidefinite matrix G Gᵀ of rank ≤ r (row-major).
fn psd_matrix(d: usize, r: usize) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(-2.0..2.0f64, d * r).prop_map(move |g| {
        let mut a = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                a[i * d + j] = (0..r).map(|k| g[i * r + k] * g[j * r + k]).sum();
            }
        }
        a
    })
}

proptest! {
    // A fixed seed: every run (and every failure) is reproducible.
    #![proptest_config(ProptestConfig {
        cases: 400,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_130),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn covariance_constructor_never_panics(d in 0usize..5, entries in proptest::collection::vec(any_number(), 0..30)) {
        let _ = Covariance::from_row_major(d, entries);
    }

    #[test]
    fn problem_constructor_never_panics(
        mean in proptest::collection::vec(any_number(), 0..4),
        lower in proptest::collection::vec(any_number(), 0..4),
        upper in proptest::collection::vec(any_number(), 0..4),
    ) {
        let sigma = Covariance::identity(3).unwrap();
        match Problem::new(mean.clone(), sigma, lower.clone(), upper.clone()) {
            Ok(p) => {
                prop_assert_eq!(p.dim(), 3);
                for i in 0..3 {
                    prop_assert!(p.mean()[i].is_finite());
                    prop_assert!(p.lower()[i] <= p.upper()[i]);
                }
            }
            Err(Error::DimensionMismatch { .. }) => {
                let mismatched = mean.len() != 3 || lower.len() != 3 || upper.len() != 3;
                prop_assert!(mismatched);
            }
            Err(Error::NonFinite { .. }) | Err(Error::LowerAboveUpper { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
    }

    #[test]
    fn semidefinite_matrices_are_accepted(d in 1usize..7, seed_matrix in psd_matrix(6, 3)) {
        // The leading d × d block of a rank-≤3 matrix: singular whenever d > 3.
        let mut a = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                a[i * d + j] = seed_matrix[i * 6 + j];
            }
        }
        match Covariance::from_row_major(d, a) {
            Ok(c) => prop_assert!(c.rank() <= 3),
            Err(e) => prop_assert!(false, "rejected a PSD matrix: {}", e),
        }
    }

    #[test]
    fn indefinite_matrices_are_rejected(d in 2usize..6, shift in 0.01..5.0f64, m in psd_matrix(5, 2)) {
        // G Gᵀ of rank ≤ 2 in dimension ≥ 3 has a zero eigenvalue; subtracting shift·I makes it
        // indefinite. In d = 2 subtract more than the largest diagonal.
        let mut a = vec![0.0; d * d];
        let mut max_diag: f64 = 0.0;
        for i in 0..d {
            for j in 0..d {
                a[i * d + j] = m[i * 5 + j];
            }
            max_diag = max_diag.max(a[i * d + i]);
        }
        let s = if d >= 3 { shift } else { max_diag + shift };
        for i in 0..d {
            a[i * d + i] -= s;
        }
        let rejected = matches!(Covariance::from_row_major(d, a), Err(Error::NotPositiveSemidefinite { .. }));
        prop_assert!(rejected);
    }

    #[test]
    fn asymmetric_matrices_are_rejected(eps in 1e-6..1.0f64) {
        let a = vec![1.0, 0.2, 0.2 + eps, 1.0];
        let rejected = matches!(Covariance::from_row_major(2, a), Err(Error::Asymmetric { .. }));
        prop_assert!(rejected, "eps = {}", eps);
    }
}
