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
