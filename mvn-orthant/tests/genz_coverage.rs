//! Coverage of the error estimate: on 240 problems with known values (random d = 2, 3 orthants
//! by their closed forms, equicorrelated ρ = ½ orthants 1/(d + 1)), the interval value ± error
//! must contain the exact value in at least 97% of the cases (nominal level 99%). Tolerances are
//! loose (1e-3 … 1e-4) so that the whole sweep takes a second.

use mvn_orthant::qmc::PointSetKind;
use mvn_orthant::{Covariance, GenzSettings, Integrator, Problem};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn random_correlation3(rng: &mut Xoshiro256PlusPlus) -> [f64; 3] {
    loop {
        let r: [f64; 3] =
            [rng.random_range(-0.95..0.95), rng.random_range(-0.95..0.95), rng.random_range(-0.95..0.95)];
        let det = 1.0 + 2.0 * r[0] * r[1] * r[2] - r[0] * r[0] - r[1] * r[1] - r[2] * r[2];
        if det > 0.01 {
            return r;
        }
    }
}

#[test]
fn error_estimate_covers_the_exact_value() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let pi = std::f64::consts::PI;
    let (mut cases, mut covered) = (0, 0);
    for case in 0..240u64 {
        let kind = if case % 2 == 0 { PointSetKind::Sobol } else { PointSetKind::Lattice };
        let tol = if case % 3 == 0 { 1e-4 } else { 1e-3 };
        let genz = GenzSettings::default().abs_tol(tol).seed(case).point_set(kind).build().unwrap();
        let (problem, exact) = match case % 3 {
            0 => {
                let rho: f64 = rng.random_range(-0.99..0.99);
                let sigma = Covariance::from_rows(&[vec![1.0, rho], vec![rho, 1.0]]).unwrap();
                (Problem::lower_orthant(sigma, vec![0.0; 2]).unwrap(), 0.25 + rho.asin() / (2.0 * pi))
            }
            1 => {
                let r = random_correlation3(&mut rng);
                let sigma = Covariance::from_rows(&[
                    vec![1.0, r[0], r[1]],
                    vec![r[0], 1.0, r[2]],
                    vec![r[1], r[2], 1.0],
                ])
                .unwrap();
                let exact = 0.125 + (r[0].asin() + r[1].asin() + r[2].asin()) / (4.0 * pi);
                (Problem::lower_orthant(sigma, vec![0.0; 3]).unwrap(), exact)
            }
            _ => {
                let d = rng.random_range(4..16);
                let sigma = Covariance::equicorrelated(d, 0.5).unwrap();
                (Problem::lower_orthant(sigma, vec![0.0; d]).unwrap(), 1.0 / (d as f64 + 1.0))
            }
        };
        let e = genz.integrate(&problem).unwrap();
        assert!(e.converged);
        cases += 1;
        if (e.value - exact).abs() <= e.error {
            covered += 1;
        }
    }
    let rate = covered as f64 / cases as f64;
    println!("coverage {covered}/{cases} = {rate:.3}");
    assert!(rate >= 0.97, "coverage {covered}/{cases}");
}

/// A random one-factor problem in `d` dimensions (correlation D + λλᵀ, loadings in ±0.9):
/// an orthant (upper limits only) or a two-sided box, with its value by the one-factor
/// quadrature (exact to about 1e-15).
fn one_factor_case(rng: &mut Xoshiro256PlusPlus, d: usize, boxed: bool) -> (Problem, f64) {
    use mvn_orthant::OneFactor;
    let loading: Vec<f64> = (0..d).map(|_| rng.random_range(-0.9..0.9)).collect();
    let mut entries = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            entries[i * d + j] = if i == j { 1.0 } else { loading[i] * loading[j] };
        }
    }
    let sigma = Covariance::from_row_major(d, entries).unwrap();
    let (lower, upper): (Vec<f64>, Vec<f64>) = (0..d)
        .map(|_| {
            if boxed {
                let a: f64 = rng.random_range(-2.0..0.5);
                (a, a + rng.random_range(0.5..3.0))
            } else {
                (f64::NEG_INFINITY, rng.random_range(-0.5..1.5))
            }
        })
        .unzip();
    let problem = Problem::new(vec![0.0; d], sigma, lower, upper).unwrap();
    let exact = OneFactor.integrate(&problem).unwrap().value;
    (problem, exact)
}

/// Coverage by QMC dimension (`cargo test --release -p mvn-orthant --test genz_coverage --
/// --ignored --nocapture coverage_by_dimension_sweep`; `SWEEP_SEEDS` runs per class, default
/// 200): misses of the 99% interval per problem dimension d (d − 1 QMC coordinates), orthant or
/// box, point set, and stopping mode (a fixed sample of 16384 evaluations; the
/// sequential rule at abs_tol 1e-4; the validation report's abs_tol 1e-7, rel_tol 1e-4, budget
/// 5·10⁵).
#[test]
#[ignore]
fn coverage_by_dimension_sweep() {
    let seeds: u64 = std::env::var("SWEEP_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    // `SWEEP_R` overrides the number of randomisations (to measure that lever).
    let randomizations: Option<usize> = std::env::var("SWEEP_R").ok().and_then(|s| s.parse().ok());
    let modes: [(&str, GenzSettings); 3] = [
        ("fixed 16k", GenzSettings::default().abs_tol(1e-15).max_evaluations(16_384)),
        ("seq 1e-4", GenzSettings::default().abs_tol(1e-4)),
        ("report", GenzSettings::default().abs_tol(1e-7).rel_tol(1e-4).max_evaluations(500_000)),
    ];
    let (mut all_runs, mut all_misses) = (0u64, 0u64);
    for (mode, base) in modes {
        for kind in [PointSetKind::Sobol, PointSetKind::Lattice] {
            for boxed in [false, true] {
                let mut line = format!("{mode:>10} {kind:?} {:>7}:", if boxed { "box" } else { "orthant" });
                for d in [2usize, 3, 4, 6, 10] {
                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7 + d as u64 + 100 * boxed as u64);
                    let (mut misses, mut evaluations, mut worst) = (0u64, 0u64, 0.0f64);
                    for seed in 0..seeds {
                        let (problem, exact) = one_factor_case(&mut rng, d, boxed);
                        let mut settings = base.seed(seed).point_set(kind);
                        if let Some(r) = randomizations {
                            settings = settings.randomizations(r);
                        }
                        let genz = settings.build().unwrap();
                        let e = genz.integrate(&problem).unwrap();
                        let ratio = (e.value - exact).abs() / e.error;
                        worst = worst.max(ratio);
                        misses += (ratio > 1.0) as u64;
                        evaluations += e.evaluations;
                    }
                    all_runs += seeds;
                    all_misses += misses;
                    line += &format!(
                        "  d={d}: {misses:>2} ({:>6.0} ev, max {worst:.1})",
                        evaluations as f64 / seeds as f64
                    );
                }
                println!("{line}");
            }
        }
    }
    println!("all: {all_misses} misses in {all_runs} runs");
}
