//! Tests of the batched recursion against the scalar one (`super::super::scalar`), and of its
//! dispatched form against the portable one.

use super::*;
use crate::genz::factor::{reduce, Reduction};
use crate::genz::scalar::ScalarScratch;
use crate::problem::{Covariance, Problem};

/// A problem whose steps mix one- and two-sided limits, a step with the interval in the upper
/// tail, and (through a repeated and a negated variable) steps with several constraints.
fn mixed_problem() -> Problem {
    let base = [
        [1.0, 0.5, 0.3, -0.2, 0.1],
        [0.5, 1.0, 0.4, 0.1, -0.3],
        [0.3, 0.4, 1.0, 0.2, 0.2],
        [-0.2, 0.1, 0.2, 1.0, 0.4],
        [0.1, -0.3, 0.2, 0.4, 1.0],
    ];
    // Variables 5 and 6 repeat variable 1 and negate variable 2.
    let map: [(usize, f64); 7] = [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, 1.0), (1, 1.0), (2, -1.0)];
    let mut entries = Vec::new();
    for &(i, si) in &map {
        for &(j, sj) in &map {
            entries.push(si * sj * base[i][j]);
        }
    }
    let inf = f64::INFINITY;
    Problem::new(
        vec![0.1, -0.2, 0.0, 0.3, 0.0, -0.2, 0.0],
        Covariance::from_row_major(7, entries).unwrap(),
        vec![-inf, -1.0, 0.4, -inf, -2.0, -0.5, -inf],
        vec![0.5, 1.5, inf, 1.0, inf, 2.0, 0.3],
    )
    .unwrap()
}

/// The batched recursion, its pinned continuation and its backward sweep agree with the
/// scalar ones point by point (to rounding: the conditional means are summed in another
/// order); the dispatched recursion and pinned sweep give the bits of the portable ones.
#[test]
fn batched_values_and_gradients_match_the_scalar_recursion() {
    let problem = mixed_problem();
    let Reduction::Factor(factor) = reduce(&problem) else { panic!("not trivial") };
    assert!(factor.steps.iter().any(|s| s.count > 1), "the test needs multi-constraint steps");
    let r = factor.rank();
    let dims = r - 1;
    let d = problem.dim();
    let mut scratch = Scratch::new(r);
    let mut scalar_scratch = ScalarScratch::new(r);
    let mut state: u64 = 7;
    let mut uniform = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for _ in 0..50 {
        let points: Vec<f64> = (0..BATCH * dims).map(|_| uniform()).collect();
        let count = BATCH - 1; // the last slot is an unused (dead) point
        let batched = factor.values(&points, dims, count, &UNSCALED, &mut scratch);
        // The portable recursion gives the bits of the dispatched one (AVX2 on such CPUs).
        let at = BatchPoints { points: &points, stride: dims, count, limit_scale: &UNSCALED };
        assert_eq!(batched, factor.genz_forward::<false>(&at, &mut scratch, TailsOneAtATime));
        for estimator in [SinglePass::Pinned, SinglePass::Pathwise] {
            let mut gradient = vec![0.0; 2 * d];
            let with_gradient =
                factor.values_and_gradients(estimator, &points, dims, count, &mut scratch, &mut gradient);
            assert_eq!(batched, with_gradient);
            if estimator == SinglePass::Pinned {
                // The dispatched pinned sweep (AVX2 on such CPUs) gives the bits of the portable
                // one, after the same recorded forward recursion.
                let mut portable = vec![0.0; 2 * d];
                factor.pinned_sweep_with(&points, dims, &mut scratch, &mut portable, TailsOneAtATime);
                assert_eq!(gradient, portable);
            }
            let mut scalar_gradient = vec![0.0; 2 * d];
            for p in 0..count {
                let w = &points[p * dims..(p + 1) * dims];
                let scalar = factor.scalar_value(w, &mut scalar_scratch);
                let scalar_with_gradient = match estimator {
                    SinglePass::Pinned => factor.scalar_pinned(w, &mut scalar_scratch, &mut scalar_gradient),
                    SinglePass::Pathwise => {
                        factor.scalar_pathwise(w, &mut scalar_scratch, &mut scalar_gradient)
                    }
                };
                assert!(
                    (batched[p] - scalar).abs() <= 1e-13 * scalar.abs().max(1e-300),
                    "{} vs {scalar}",
                    batched[p]
                );
                assert!((scalar_with_gradient - scalar).abs() <= 1e-15 * scalar.abs());
            }
            for (a, b) in gradient.iter().zip(&scalar_gradient) {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-3), "{estimator:?} gradient {a} vs {b}");
            }
            assert!(gradient.iter().any(|&g| g != 0.0), "{estimator:?}");
        }
        assert_eq!(batched[BATCH - 1], 0.0);
    }
}
