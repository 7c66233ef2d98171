//! Same seed, same bits, whatever the number of threads.

use mvn_orthant::qmc::PointSetKind;
use mvn_orthant::{Covariance, GenzSettings, Integrator, Problem};
use mvn_orthant::{Differentiable, GradientEstimator, GradientOptions};

#[test]
fn thread_count_does_not_change_the_bits() {
    let d = 15;
    let mut entries = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            entries[i * d + j] = 0.6f64.powi((i as i32 - j as i32).abs()) + if i == j { 0.2 } else { 0.0 };
        }
    }
    let sigma = Covariance::from_row_major(d, entries).unwrap();
    let lower: Vec<f64> = (0..d).map(|i| -1.0 - 0.1 * i as f64).collect();
    let upper: Vec<f64> = (0..d).map(|i| 1.0 + 0.05 * i as f64).collect();
    let p = Problem::new(vec![0.0; d], sigma, lower, upper).unwrap();
    for kind in [PointSetKind::Sobol, PointSetKind::Lattice] {
        let genz = GenzSettings::default()
            .abs_tol(1e-7)
            .max_evaluations(32768)
            .point_set(kind)
            .seed(17)
            .build()
            .unwrap();
        let coarse = GenzSettings::default()
            .abs_tol(1e-3)
            .max_evaluations(8192)
            .point_set(kind)
            .seed(5)
            .build()
            .unwrap();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let e = genz.integrate(&p).unwrap();
                let (g, grad) = coarse
                    .integrate_with_gradient(
                        &p,
                        GradientOptions::default().estimator(GradientEstimator::Pinned),
                    )
                    .unwrap();
                (e, g, grad)
            })
        };
        let (e1, g1, d1) = run(1);
        assert!(e1.evaluations > 8 * 256, "several chunks per randomisation");
        for threads in [2, 8] {
            let (e, g, grad) = run(threads);
            assert_eq!(e.value.to_bits(), e1.value.to_bits());
            assert_eq!(e.error.to_bits(), e1.error.to_bits());
            assert_eq!(e, e1);
            assert_eq!(g, g1);
            assert_eq!(grad, d1);
        }
    }
}
