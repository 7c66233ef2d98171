//! Helpers shared by the integration tests (each test file that needs them has `mod common;`).

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
