//! Helpers shared by the integration tests (each test file that needs them has `mod common;`).

// Each test file compiles this module and uses part of it.
#![allow(dead_code)]

pub mod pools;

/// The largest number of misses among `runs` 99% intervals that is not evidence of
/// under-coverage: the smallest m with P(Binomial(runs, 0.01) > m) ≤ 0.001, so an honest method
/// fails such a test at most once in a thousand runs. (`validation::cli::validate::allowed_misses`
/// applies the same rule to external integrators.)
pub fn allowed_misses(runs: u64) -> u64 {
    let p: f64 = 0.01;
    let mut term = (1.0 - p).powi(runs as i32); // P(X = 0)
    let mut cumulative = term;
    let mut m = 0;
    while 1.0 - cumulative > 1e-3 {
        term *= (runs - m) as f64 / (m + 1) as f64 * p / (1.0 - p);
        cumulative += term;
        m += 1;
    }
    m
}

/// Random limits in `d` coordinates: a two-sided box (lower end in [−2, 0.5), width in
/// [0.5, 3)) when `boxed`, else an orthant with upper limits in [−0.5, `upper_max`).
pub fn random_limits(
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
    d: usize,
    boxed: bool,
    upper_max: f64,
) -> (Vec<f64>, Vec<f64>) {
    use rand::Rng;
    (0..d)
        .map(|_| {
            if boxed {
                let a: f64 = rng.random_range(-2.0..0.5);
                (a, a + rng.random_range(0.5..3.0))
            } else {
                (f64::NEG_INFINITY, rng.random_range(-0.5..upper_max))
            }
        })
        .unzip()
}

/// ∂P/∂Σ and its error estimates by `integrate_with_gradient` with the covariance requested.
pub fn covariance_gradient(
    problem: &mvn_orthant::Problem,
    choice: mvn_orthant::MethodChoice,
    settings: &mvn_orthant::Settings,
) -> mvn_orthant::Result<(Vec<f64>, Vec<f64>)> {
    let options = mvn_orthant::GradientOptions::default().with_covariance();
    let (_, g) = mvn_orthant::integrate_with_gradient(problem, choice, settings, options)?;
    Ok((g.covariance.expect("requested"), g.covariance_error.expect("requested")))
}
