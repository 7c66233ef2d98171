//! Genz's method for the multivariate t against the exact t methods (d ≤ 3, one-factor at
//! d = 10 and 50) within its reported error, the normal limit ν → ∞, and determinism.

use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::{Covariance, Method, MethodChoice, Problem, Settings};

mod common;
use common::allowed_misses;

fn settings(abs_tol: f64, seed: u64) -> Settings {
    Settings { abs_tol, rel_tol: 0.0, max_evaluations: 20_000_000, seed }
}

/// A random correlation matrix from a random factor (d × d) with a little diagonal.
fn random_correlation(d: usize, next: &mut impl FnMut() -> f64) -> Covariance {
    let a: Vec<f64> = (0..d * d).map(|_| 2.0 * next() - 1.0).collect();
    let mut c = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            c[i * d + j] =
                (0..d).map(|k| a[i * d + k] * a[j * d + k]).sum::<f64>() + if i == j { 0.1 } else { 0.0 };
        }
    }
    let s: Vec<f64> = (0..d).map(|i| c[i * d + i].sqrt()).collect();
    for i in 0..d {
        for j in 0..d {
            c[i * d + j] /= s[i] * s[j];
        }
    }
    Covariance::from_row_major(d, c).unwrap()
}

fn lcg(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// d = 2 random boxes and orthants, d = 3 orthants (the exact trivariate t box takes ~20 s), ν ∈ {1, 3.5, 12}: |Genz-t − exact| ≤ reported error
/// (a 99% half-width: at most `allowed_misses(36)` = 3 misses, each within twice the error).
#[test]
fn agrees_with_the_exact_methods_in_low_dimension() {
    let mut next = lcg(7);
    let (mut checked, mut misses) = (0, 0);
    for d in [2usize, 3] {
        for case in 0..6 {
            for nu in [1.0, 3.5, 12.0] {
                let sigma = random_correlation(d, &mut next);
                let upper: Vec<f64> = (0..d).map(|_| 2.0 * next() - 0.5).collect();
                let lower: Vec<f64> = upper
                    .iter()
                    .map(|u| if case % 2 == 0 || d == 3 { f64::NEG_INFINITY } else { u - 0.3 - 2.0 * next() })
                    .collect();
                let mean: Vec<f64> = (0..d).map(|_| 0.3 * next()).collect();
                let p = StudentProblem::new(Problem::new(mean, sigma, lower, upper).unwrap(), nu).unwrap();
                let exact = student_t::integrate(&p, MethodChoice::Exact, &Settings::default()).unwrap();
                let genz =
                    student_t::integrate(&p, MethodChoice::Genz, &settings(1e-5, case as u64)).unwrap();
                assert_eq!(genz.method, Method::Genz);
                assert!(genz.converged && genz.error <= 1e-5, "{genz:?}");
                misses += u64::from((genz.value - exact.value).abs() > genz.error);
                assert!(
                    (genz.value - exact.value).abs() <= 2.0 * genz.error,
                    "d = {d}, ν = {nu}: {} against {} (error {:.2e})",
                    genz.value,
                    exact.value,
                    genz.error
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 36);
    assert!(misses <= allowed_misses(36), "{misses} misses");
}

/// One-factor scale matrices at d = 10 and 50 (exact by the chi mixture of the one-factor
/// reduction), both point sets.
#[test]
fn agrees_with_the_one_factor_method_at_d_10_and_50() {
    for (d, nu) in [(10usize, 2.0), (10, 7.0), (50, 4.0), (50, 30.0)] {
        let loading: Vec<f64> = (0..d).map(|i| 0.3 + 0.5 * (i as f64 / d as f64)).collect();
        let mut rows = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                rows[i * d + j] =
                    loading[i] * loading[j] + if i == j { 1.0 - loading[i] * loading[i] } else { 0.0 };
            }
        }
        let sigma = Covariance::from_row_major(d, rows).unwrap();
        let upper: Vec<f64> = (0..d).map(|i| 1.5 + (i % 3) as f64).collect();
        let lower: Vec<f64> = (0..d).map(|i| if i % 4 == 0 { -1.0 } else { f64::NEG_INFINITY }).collect();
        let p = StudentProblem::new(Problem::new(vec![0.0; d], sigma, lower, upper).unwrap(), nu).unwrap();
        let exact = student_t::integrate(&p, MethodChoice::Exact, &Settings::default()).unwrap();
        assert_eq!(exact.method, Method::OneFactor);
        for choice in [MethodChoice::Genz, MethodChoice::GenzLattice] {
            let genz = student_t::integrate(&p, choice, &settings(1e-4, 3)).unwrap();
            assert!(genz.converged, "{genz:?}");
            assert!(
                (genz.value - exact.value).abs() <= genz.error,
                "d = {d}, ν = {nu}, {choice}: {} against {} (error {:.2e})",
                genz.value,
                exact.value,
                genz.error
            );
        }
    }
}

/// ν → ∞: the t probability tends to the normal one (difference O(1/ν)); at ν = 10⁴ Genz-t
/// agrees with the normal Genz estimate within both errors plus the exact t–normal gap, and
/// ν = ∞ is the normal engine itself (same bits).
#[test]
fn large_degrees_of_freedom_tend_to_the_normal() {
    let mut next = lcg(11);
    let d = 6;
    let sigma = random_correlation(d, &mut next);
    let upper: Vec<f64> = (0..d).map(|_| 0.5 + next()).collect();
    let problem = Problem::new(vec![0.0; d], sigma, vec![f64::NEG_INFINITY; d], upper).unwrap();
    let s = settings(1e-5, 5);
    let normal = mvn_orthant::integrate(&problem, MethodChoice::Genz, &s).unwrap();
    let at_infinity =
        student_t::integrate(&StudentProblem::normal(problem.clone()), MethodChoice::Genz, &s).unwrap();
    assert_eq!(normal.value.to_bits(), at_infinity.value.to_bits());
    let mut gaps = Vec::new();
    for nu in [100.0, 1e4] {
        let t =
            student_t::integrate(&StudentProblem::new(problem.clone(), nu).unwrap(), MethodChoice::Genz, &s)
                .unwrap();
        gaps.push((t.value - normal.value).abs());
        assert!(t.converged);
        if nu == 1e4 {
            // |P_ν − P_∞| ≤ C/ν with C ≈ ½ Σ|b_k|³ φ(b_k) < 2 for these limits: 2e-4 at most.
            assert!((t.value - normal.value).abs() <= t.error + normal.error + 2e-4);
        }
    }
    assert!(gaps[1] < gaps[0], "{gaps:?}");
}

/// Same seed, same bits (the parallel driver combines chunk sums in a fixed order); another
/// seed, another estimate.
#[test]
fn deterministic_for_a_seed() {
    let mut next = lcg(3);
    let d = 7;
    let sigma = random_correlation(d, &mut next);
    let upper: Vec<f64> = (0..d).map(|_| 1.0 + next()).collect();
    let lower: Vec<f64> = (0..d).map(|_| -1.0 - next()).collect();
    let p = StudentProblem::new(Problem::new(vec![0.0; d], sigma, lower, upper).unwrap(), 5.0).unwrap();
    let a = student_t::integrate(&p, MethodChoice::Auto, &settings(1e-5, 9)).unwrap();
    let b = student_t::integrate(&p, MethodChoice::Auto, &settings(1e-5, 9)).unwrap();
    let c = student_t::integrate(&p, MethodChoice::Auto, &settings(1e-5, 10)).unwrap();
    assert_eq!(a.method, Method::Genz);
    assert_eq!(a.value.to_bits(), b.value.to_bits());
    assert_ne!(a.value.to_bits(), c.value.to_bits());
    assert!((a.value - c.value).abs() <= a.error + c.error);
}

/// Crude Monte Carlo (an independent sampler: Ziggurat normals, gamma-sampled χ²) agrees with
/// the exact one-factor value and with Genz-t on a general d = 5 problem, within both errors.
#[test]
fn monte_carlo_agrees_with_exact_and_genz() {
    let settings = Settings { abs_tol: 1e-3, rel_tol: 0.0, max_evaluations: 400_000, seed: 21 };
    let mut next = lcg(5);
    let d = 5;
    for one_factor in [true, false] {
        let sigma = if one_factor {
            Covariance::equicorrelated(d, 0.4).unwrap()
        } else {
            random_correlation(d, &mut next)
        };
        let upper: Vec<f64> = (0..d).map(|_| 0.5 + next()).collect();
        let lower: Vec<f64> = upper.iter().map(|u| u - 1.0 - 2.0 * next()).collect();
        let p = StudentProblem::new(Problem::new(vec![0.0; d], sigma, lower, upper).unwrap(), 3.0).unwrap();
        let mc = student_t::integrate(&p, MethodChoice::MonteCarlo, &settings).unwrap();
        assert_eq!(mc.method, Method::MonteCarlo);
        assert_eq!(mc.evaluations, 400_000);
        let reference = if one_factor {
            student_t::integrate(&p, MethodChoice::Exact, &settings).unwrap()
        } else {
            student_t::integrate(&p, MethodChoice::Genz, &Settings { abs_tol: 1e-5, ..settings }).unwrap()
        };
        assert!(
            (mc.value - reference.value).abs() <= mc.error + reference.error,
            "{} against {} ({:.1e})",
            mc.value,
            reference.value,
            mc.error
        );
    }
}

/// Same seed, same bits with 1, 2 and 8 threads (value and gradient), both point sets.
#[test]
fn thread_count_does_not_change_the_bits() {
    let mut next = lcg(17);
    let d = 9;
    let sigma = random_correlation(d, &mut next);
    let upper: Vec<f64> = (0..d).map(|_| 0.5 + next()).collect();
    let lower: Vec<f64> = upper.iter().map(|u| u - 1.5 - next()).collect();
    let p = StudentProblem::new(Problem::new(vec![0.0; d], sigma, lower, upper).unwrap(), 2.5).unwrap();
    let settings = Settings { abs_tol: 1e-7, rel_tol: 0.0, max_evaluations: 65_536, seed: 17 };
    let coarse = Settings { abs_tol: 1e-3, ..settings };
    for choice in [MethodChoice::Genz, MethodChoice::GenzLattice] {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let e = student_t::integrate(&p, choice, &settings).unwrap();
                let (_, g) = student_t::integrate_with_gradient(&p, choice, &coarse).unwrap();
                let mut bits = vec![e.value.to_bits(), e.error.to_bits()];
                bits.extend(g.upper.iter().chain(&g.lower).chain(&g.upper_error).map(|x| x.to_bits()));
                bits
            })
        };
        let one = run(1);
        assert_eq!(one, run(2), "{choice}");
        assert_eq!(one, run(8), "{choice}");
    }
}

/// ν = 10⁷ (the largest for Genz-t) agrees with the normal within the errors plus O(1/ν); above
/// it Genz-t is not applicable (a typed error, not a silently truncated series).
#[test]
fn largest_degrees_of_freedom() {
    let d = 4;
    let rows: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..d).map(|j| if i == j { 1.0 } else { 0.2 + 0.1 * ((i + j) % 2) as f64 }).collect())
        .collect();
    let problem =
        Problem::lower_orthant(Covariance::from_rows(&rows).unwrap(), vec![1.0, 0.5, 1.5, 0.8]).unwrap();
    let s = settings(1e-4, 2);
    let normal = mvn_orthant::integrate(&problem, MethodChoice::Genz, &s).unwrap();
    let t = student_t::integrate(&StudentProblem::new(problem.clone(), 1e7).unwrap(), MethodChoice::Genz, &s)
        .unwrap();
    assert!((t.value - normal.value).abs() <= t.error + normal.error + 1e-6);
    let beyond = StudentProblem::new(problem, 2e7).unwrap();
    assert!(matches!(
        student_t::integrate(&beyond, MethodChoice::Genz, &s),
        Err(mvn_orthant::Error::MethodNotApplicable { .. })
    ));
    // `auto` goes to the tilted t (the chi mixture with tilting inside), which has no limit on ν.
    let auto = student_t::integrate(&beyond, MethodChoice::Auto, &s).unwrap();
    assert_eq!(auto.method, mvn_orthant::Method::Tilted);
    assert!((auto.value - normal.value).abs() <= auto.error + normal.error + 1e-6);
}

/// `auto` on a t event that Genz finds rare but that is no tail (a 40-D box with P ≈ 0.036 at
/// abs_tol 1e-3): the normal rule (`auto::RareEventRule`) keeps Genz's method for the t,
/// refined to three digits, and the tilted t (the chi mixture with tilting inside, an
/// independent estimator) agrees.
#[test]
fn auto_refines_a_small_t_box_with_genz() {
    let mut next = lcg(11);
    let d = 40;
    let sigma = random_correlation(d, &mut next);
    let upper: Vec<f64> = (0..d).map(|_| 1.5 + 0.2 * next()).collect();
    let lower: Vec<f64> = (0..d).map(|_| -1.0 - 0.5 * next()).collect();
    let p = StudentProblem::new(Problem::new(vec![0.0; d], sigma, lower, upper).unwrap(), 5.0).unwrap();
    let s = settings(1e-3, 0);
    let e = student_t::integrate(&p, MethodChoice::Auto, &s).unwrap();
    assert_eq!(e.method, Method::Genz, "{e:?}");
    assert!(e.converged && e.error <= 1e-3 * e.value, "not refined to three digits: {e:?}");
    let tilted = student_t::integrate(&p, MethodChoice::Tilted, &Settings { rel_tol: 1e-2, ..s }).unwrap();
    assert!((e.value - tilted.value).abs() <= e.error + tilted.error, "auto {e:?} vs tilted t {tilted:?}");
}
