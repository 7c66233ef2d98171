//! Timings of the Genz engine (release mode, `--ignored`): equicorrelated ρ = ½ orthants, whose
//! exact value is 1/(d + 1), at several tolerances. Speed is reported here, never asserted.
//!
//! `cargo test -p mvn-orthant --release --test genz_speed -- --ignored --nocapture`

use mvn_orthant::{Covariance, Genz, GenzSettings, Integrator, Problem};
use std::time::Instant;

fn orthant(d: usize) -> Problem {
    Problem::lower_orthant(Covariance::equicorrelated(d, 0.5).unwrap(), vec![0.0; d]).unwrap()
}

#[test]
#[ignore]
fn equicorrelated_orthant_timings() {
    println!(
        "{:>4} {:>9} {:>10} {:>10} {:>10} {:>10} {:>5}",
        "d", "abs_tol", "time_ms", "error_est", "achieved", "evals", "conv"
    );
    for &d in &[5usize, 10, 20, 50, 100] {
        let problem = orthant(d);
        let tolerances: &[f64] = match d {
            0..=20 => &[1e-4, 1e-5, 1e-6],
            21..=50 => &[1e-4, 1e-5],
            _ => &[1e-4],
        };
        for &tol in tolerances {
            let genz = GenzSettings::default().abs_tol(tol).max_evaluations(100_000_000).build().unwrap();
            let _ = genz.integrate(&problem).unwrap();
            let reps = 3;
            let start = Instant::now();
            let mut e = None;
            for _ in 0..reps {
                e = Some(genz.integrate(&problem).unwrap());
            }
            let ms = start.elapsed().as_secs_f64() * 1e3 / reps as f64;
            let e = e.unwrap();
            println!(
                "{:>4} {:>9.0e} {:>10.3} {:>10.2e} {:>10.2e} {:>10} {:>5}",
                d,
                tol,
                ms,
                e.error,
                (e.value - 1.0 / (d as f64 + 1.0)).abs(),
                e.evaluations,
                e.converged
            );
        }
    }
    let _ = Genz::default();
}

/// Value only against value + gradient (single pass and by conditioning) at a fixed budget.
#[test]
#[ignore]
fn gradient_cost() {
    println!("{:>4} {:>14} {:>10} {:>12} {:>12}", "d", "what", "time_ms", "value_err", "mean_grad_err");
    for &d in &[20usize, 100] {
        let problem = orthant(d);
        let budget = 8 * 1024;
        let genz = GenzSettings::default().abs_tol(1e-12).max_evaluations(budget).build().unwrap();
        let t = Instant::now();
        let e = genz.integrate(&problem).unwrap();
        let t_value = t.elapsed().as_secs_f64() * 1e3;
        println!("{:>4} {:>14} {:>10.2} {:>12.2e} {:>12}", d, "value", t_value, e.error, "-");
        let t = Instant::now();
        let (e, g) = genz.integrate_with_gradient(&problem).unwrap();
        let t_single = t.elapsed().as_secs_f64() * 1e3;
        let mean_err = g.upper_error.iter().sum::<f64>() / d as f64;
        println!(
            "{:>4} {:>14} {:>10.2} {:>12.2e} {:>12.2e}  ({:.1}x value)",
            d,
            "single-pass",
            t_single,
            e.error,
            mean_err,
            t_single / t_value
        );
        // Conditioning: each of the d conditional integrals gets the same per-integral budget.
        let t = Instant::now();
        let (_, g) = genz.gradient_by_conditioning(&problem).unwrap();
        let t_cond = t.elapsed().as_secs_f64() * 1e3;
        let mean_err = g.upper_error.iter().sum::<f64>() / d as f64;
        println!(
            "{:>4} {:>14} {:>10.2} {:>12} {:>12.2e}  ({:.1}x value)",
            d,
            "conditioning",
            t_cond,
            "-",
            mean_err,
            t_cond / t_value
        );
    }
}
