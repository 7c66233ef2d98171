//! Small multivariate t probabilities with relative accuracy: the chi mixture with the normal
//! minimax tilting inside (`MethodChoice::Tilted` for the t, and `auto` on rare events), against
//! the exact one-factor t (`student_t::integrate_exact`, a deterministic 2-D integral checked
//! against the mpmath table `tests/data/student_t_one_factor.csv` in `student_t_reference.rs`).

use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::{Covariance, Estimate, MethodChoice, Problem, Settings};
use std::time::Instant;

fn equicorrelated_orthant(d: usize, rho: f64, b: f64, nu: f64) -> StudentProblem {
    let sigma = Covariance::equicorrelated(d, rho).unwrap();
    StudentProblem::new(Problem::lower_orthant(sigma, vec![b; d]).unwrap(), nu).unwrap()
}

fn tilted(p: &StudentProblem, seed: u64) -> Estimate {
    let settings = Settings { seed, ..Settings::default() };
    student_t::integrate(p, MethodChoice::Tilted, &settings).unwrap()
}

#[test]
fn explore() {
    for (d, nu, b) in [(10, 5.0, -1e4), (10, 30.0, -12.0), (10, 30.0, -20.0), (10, 2.5, -1e12), (5, 30.0, -1e12), (10, 5.0, -1e80), (20, 2.5, -1e6), (10, 1e8, -8.0)] {
        let p = equicorrelated_orthant(d, 0.5, b, nu);
        let exact = student_t::integrate_exact(&p).unwrap();
        let start = Instant::now();
        let e = tilted(&p, 1);
        let secs = start.elapsed().as_secs_f64();
        let rel = (e.log_value - exact.log_value).exp_m1();
        println!(
            "d={d} nu={nu} b={b}: lnP={:.6} exact={:.6} rel={rel:.2e} bar={:.2e} evals={} conv={} {secs:.3}s",
            e.log_value, exact.log_value, e.error / e.value, e.evaluations, e.converged
        );
    }
}
