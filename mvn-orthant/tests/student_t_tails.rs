//! Small multivariate t probabilities with relative accuracy: the chi mixture with the normal
//! minimax tilting inside (`MethodChoice::Tilted` for the t, and `auto` on rare events).
//!
//! The reference is the exact one-factor t (`student_t::integrate_exact`): a deterministic 2-D
//! integral (the chi mixture of the one-factor normal reduction) that shares no sampling with the
//! tilted estimator and is itself checked against the mpmath table
//! `tests/data/student_t_one_factor.csv` (`student_t_reference.rs`). General (not one-factor)
//! problems are bracketed by Slepian's inequality between two equicorrelated ones.

use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::{Covariance, Error, Estimate, Method, MethodChoice, Problem, Settings};

const INF: f64 = f64::INFINITY;

fn equicorrelated_orthant(d: usize, rho: f64, b: f64, nu: f64) -> StudentProblem {
    let sigma = Covariance::equicorrelated(d, rho).unwrap();
    StudentProblem::new(Problem::lower_orthant(sigma, vec![b; d]).unwrap(), nu).unwrap()
}

fn settings(seed: u64, rel_tol: f64) -> Settings {
    Settings { seed, rel_tol, ..Settings::default() }
}

fn tilted(p: &StudentProblem, settings: &Settings) -> Estimate {
    student_t::integrate(p, MethodChoice::Tilted, settings).unwrap()
}

/// (relative error against ln P = `exact_log`, reported relative error; NaN where P underflows).
fn relative(e: &Estimate, exact_log: f64) -> (f64, f64) {
    ((e.log_value - exact_log).exp_m1(), e.error / e.value)
}

/// A general scale matrix: equicorrelated at 0.5 with off-diagonal perturbations in
/// [−0.01, 0.01] that make it not one-factor.
fn perturbed(d: usize) -> Covariance {
    let mut rows = vec![vec![0.5; d]; d];
    for i in 0..d {
        rows[i][i] = 1.0;
        for j in 0..i {
            let delta = 0.01 * (((3 * i + 7 * j) % 5) as f64 - 2.0) / 2.0;
            rows[i][j] += delta;
            rows[j][i] += delta;
        }
    }
    Covariance::from_rows(&rows).unwrap()
}

#[test]
fn tails_match_the_exact_one_factor_t() {
    // (d, ν, upper limit): P from 1e-3 down to 1e-32 (ln P from −7 to −73), ν from 0.5.
    let cases = [
        (5, 5.0, -3.0),
        (5, 0.5, -1e30),
        (8, 1.0, -1e10),
        (10, 30.0, -5.0),
        (10, 5.0, -1e4),
        (10, 30.0, -8.0),
        (10, 30.0, -20.0),
        (10, 2.5, -20.0),
        (10, 2.5, -1e12),
        (20, 5.0, -10.0),
    ];
    for (d, nu, b) in cases {
        let p = equicorrelated_orthant(d, 0.5, b, nu);
        let exact = student_t::integrate_exact(&p).unwrap();
        let e = tilted(&p, &settings(1, 2e-3));
        let (error, bar) = relative(&e, exact.log_value);
        assert_eq!(e.method, Method::Tilted);
        assert!(e.converged, "d = {d}, ν = {nu}, b = {b}: {e:?}");
        assert!(bar < 1e-2, "d = {d}, ν = {nu}, b = {b}: bar {bar:e}");
        assert!(error.abs() <= bar, "d = {d}, ν = {nu}, b = {b}: error {error:e}, bar {bar:e}");
    }
}

#[test]
fn boxes_with_a_location_and_a_general_one_factor_scale() {
    // Σ = D + λλᵀ with unequal loadings, a box in the upper tail, a location μ ≠ 0.
    let loading = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    let d = loading.len();
    let rows: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..d).map(|j| if i == j { 1.0 } else { loading[i] * loading[j] }).collect())
        .collect();
    let sigma = Covariance::from_rows(&rows).unwrap();
    let mean = vec![0.5, -0.5, 0.0, 1.0, 0.0, -1.0];
    for (nu, lower, upper) in [(5.0, 4.0, 9.0), (2.5, 30.0, 90.0), (30.0, 3.0, 5.0)] {
        let lo: Vec<f64> = mean.iter().map(|m| m + lower).collect();
        let hi: Vec<f64> = mean.iter().map(|m| m + upper).collect();
        let p = StudentProblem::new(Problem::new(mean.clone(), sigma.clone(), lo, hi).unwrap(), nu).unwrap();
        let exact = student_t::integrate_exact(&p).unwrap();
        let e = tilted(&p, &settings(2, 2e-3));
        let (error, bar) = relative(&e, exact.log_value);
        assert!(exact.log_value < -9.0, "ν = {nu}: not a tail ({})", exact.log_value);
        assert!(bar < 1e-2 && error.abs() <= bar, "ν = {nu}: P {} vs {}, bar {bar:e}", e.value, exact.value);
    }
}

#[test]
fn log_value_below_the_smallest_double() {
    // P ≈ e^{−792} and e^{−924}: the value underflows, ln P keeps its digits.
    for (d, nu, b) in [(5, 30.0, -1e12), (10, 5.0, -1e80)] {
        let p = equicorrelated_orthant(d, 0.5, b, nu);
        let exact = student_t::integrate_exact(&p).unwrap();
        let e = tilted(&p, &settings(3, 2e-3));
        assert!(exact.log_value < -750.0 && e.value == 0.0, "{}", exact.log_value);
        assert!((e.log_value - exact.log_value).abs() < 3e-3, "{} vs {}", e.log_value, exact.log_value);
    }
}

#[test]
fn the_bar_covers_the_exact_value() {
    // 3 problems × 40 seeds at rel_tol 1e-2: the 99% bar must cover at least 97% of the time.
    let problems = [(4, 5.0, -6.0), (5, 30.0, -4.0), (4, 2.5, -50.0)];
    let (mut covered, mut total) = (0, 0);
    for (k, &(d, nu, b)) in problems.iter().enumerate() {
        let p = equicorrelated_orthant(d, 0.5, b, nu);
        let exact = student_t::integrate_exact(&p).unwrap();
        for seed in 0..40 {
            let e = tilted(&p, &settings(1000 * k as u64 + seed, 1e-2));
            let (error, bar) = relative(&e, exact.log_value);
            assert!(bar < 2e-2, "{bar}");
            covered += usize::from(error.abs() <= bar);
            total += 1;
        }
    }
    eprintln!("the 99% bar covered {covered} of {total}");
    assert!(covered as f64 >= 0.97 * total as f64, "{covered} of {total}");
}

#[test]
fn large_nu_agrees_with_the_normal_tilting() {
    // ν = 1e8 against ν = ∞ (the normal tilted estimator) on a general d = 6 problem; the t
    // differs from the normal by O(1/ν) relative.
    let problem = Problem::lower_orthant(perturbed(6), vec![-3.0; 6]).unwrap();
    let normal = mvn_orthant::integrate(&problem, MethodChoice::Tilted, &settings(4, 1e-3)).unwrap();
    let t = tilted(&StudentProblem::new(problem, 1e8).unwrap(), &settings(5, 1e-3));
    let both = t.error + normal.error;
    assert!(normal.log_value < -10.0, "{}", normal.log_value);
    assert!((t.value - normal.value).abs() <= both, "{} vs {} ± {both}", t.value, normal.value);
}

#[test]
fn auto_and_genz_agree_with_the_tilted_t() {
    // A general d = 6 problem with P ≈ 1.5e-4: Genz-t at a tight tolerance, the tilted t and
    // `auto` (here Genz's first rounds are noisy enough for the normal rule to hand over to
    // tilting) agree within their bars. Where P is not small, `auto` keeps Genz.
    let p = StudentProblem::new(Problem::lower_orthant(perturbed(6), vec![-4.0; 6]).unwrap(), 5.0).unwrap();
    let tight = Settings { abs_tol: 1e-7, ..settings(6, 0.0) };
    let genz = student_t::integrate(&p, MethodChoice::Genz, &tight).unwrap();
    let t = tilted(&p, &settings(7, 5e-4));
    let auto = student_t::integrate(&p, MethodChoice::Auto, &settings(8, 0.0)).unwrap();
    assert!(genz.value > 1e-5 && genz.value < 1e-3, "{}", genz.value);
    assert!(genz.error < 1e-3 * genz.value && t.error < 1e-3 * t.value, "{genz:?} {t:?}");
    assert!((genz.value - t.value).abs() <= genz.error + t.error, "{genz:?} {t:?}");
    assert!(auto.converged && (genz.value - auto.value).abs() <= genz.error + auto.error, "{auto:?}");
    let common =
        StudentProblem::new(Problem::lower_orthant(perturbed(6), vec![-0.5; 6]).unwrap(), 5.0).unwrap();
    let auto = student_t::integrate(&common, MethodChoice::Auto, &settings(8, 0.0)).unwrap();
    assert_eq!(auto.method, Method::Genz, "{auto:?}");
}

#[test]
fn auto_switches_to_tilting_on_a_rare_general_problem() {
    // P ≈ 1e-15 for a general d = 6 scale matrix: `auto` hands Genz over to the tilted t, whose
    // value lies between the exact one-factor values of the equicorrelated matrices with the
    // smallest and largest correlation (Slepian's inequality holds given S, hence for the t).
    let (b, nu) = (-30.0, 10.0);
    let p = StudentProblem::new(Problem::lower_orthant(perturbed(6), vec![b; 6]).unwrap(), nu).unwrap();
    let e = student_t::integrate(&p, MethodChoice::Auto, &Settings::default()).unwrap();
    assert_eq!(e.method, Method::Tilted);
    let low = student_t::integrate_exact(&equicorrelated_orthant(6, 0.49, b, nu)).unwrap();
    let high = student_t::integrate_exact(&equicorrelated_orthant(6, 0.51, b, nu)).unwrap();
    eprintln!("Slepian bracket [{:e}, {:e}], auto {:e} ± {:e}", low.value, high.value, e.value, e.error);
    assert!(high.value < 1e-12 && low.value < high.value, "{} {}", low.value, high.value);
    assert!(e.value - e.error <= high.value && e.value + e.error >= low.value, "{e:?} {low:?} {high:?}");
    assert!(e.error < 1e-2 * e.value, "{e:?}");
}

#[test]
fn same_seed_same_bits_for_any_thread_count() {
    let p = equicorrelated_orthant(6, 0.5, -8.0, 5.0);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| tilted(&p, &settings(9, 1e-2)))
    };
    let one = run(1);
    assert_eq!(one.log_value.to_bits(), run(3).log_value.to_bits());
    assert_eq!(one.error.to_bits(), run(3).error.to_bits());
    assert_ne!(one.log_value.to_bits(), tilted(&p, &settings(10, 1e-2)).log_value.to_bits());
}

#[test]
fn trivial_problems_and_bad_input() {
    let sigma = perturbed(5);
    let empty = Problem::new(
        vec![0.0; 5],
        sigma.clone(),
        vec![1.0, 1.0, 1.0, 1.0, -INF],
        vec![INF, 2.0, 3.0, 4.0, -INF],
    )
    .unwrap();
    let e = tilted(&StudentProblem::new(empty, 3.0).unwrap(), &settings(0, 1e-2));
    assert_eq!((e.value, e.error), (0.0, 0.0));
    let whole = Problem::new(vec![0.0; 5], sigma.clone(), vec![-INF; 5], vec![INF; 5]).unwrap();
    assert_eq!(tilted(&StudentProblem::new(whole, 3.0).unwrap(), &settings(0, 1e-2)).value, 1.0);
    // A cone: P does not depend on ν; the normal tilted estimator's value.
    let cone =
        StudentProblem::new(Problem::lower_orthant(sigma.clone(), vec![0.0; 5]).unwrap(), 3.0).unwrap();
    let normal = mvn_orthant::integrate(cone.problem(), MethodChoice::Tilted, &settings(0, 1e-2)).unwrap();
    assert_eq!(tilted(&cone, &settings(0, 1e-2)).value, normal.value);
    // Invalid settings are typed errors, whatever the method.
    let p = equicorrelated_orthant(5, 0.5, -3.0, 3.0);
    for bad in [
        Settings { abs_tol: 0.0, rel_tol: 0.0, ..Settings::default() },
        Settings { rel_tol: f64::NAN, ..Settings::default() },
    ] {
        assert!(matches!(
            student_t::integrate(&p, MethodChoice::Tilted, &bad),
            Err(Error::InvalidTolerance { .. })
        ));
    }
    let none = Settings { max_evaluations: 0, ..Settings::default() };
    assert!(matches!(
        student_t::integrate(&p, MethodChoice::Tilted, &none),
        Err(Error::InvalidBudget { .. })
    ));
    // Beyond 400 steps the tilt is not offered.
    let big = equicorrelated_orthant(401, 0.3, -1.0, 3.0);
    assert!(matches!(
        student_t::integrate(&big, MethodChoice::Tilted, &Settings::default()),
        Err(Error::MethodNotApplicable { .. })
    ));
}

#[test]
fn auto_gradient_of_a_rare_general_problem() {
    // An equicorrelated scale matrix with one entry moved by 1e-8 is no longer one-factor: `auto`
    // takes the value from the tilted t and each conditional (d = 3, ν + 1) from the exact
    // trivariate t. The exact one-factor gradient of the unmoved matrix differs by O(1e-8).
    let (d, b, nu) = (4, -30.0, 10.0);
    let mut rows = vec![vec![0.5; d]; d];
    for (i, row) in rows.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    rows[0][1] += 1e-8;
    rows[1][0] += 1e-8;
    let sigma = Covariance::from_rows(&rows).unwrap();
    let p = StudentProblem::new(Problem::lower_orthant(sigma, vec![b; d]).unwrap(), nu).unwrap();
    assert!(student_t::integrate_exact(&p).is_err());
    let (e, g) = student_t::integrate_with_gradient(&p, MethodChoice::Auto, &settings(11, 0.0)).unwrap();
    let reference = equicorrelated_orthant(d, 0.5, b, nu);
    let (exact, exact_gradient) =
        student_t::integrate_with_gradient(&reference, MethodChoice::Exact, &Settings::default()).unwrap();
    assert_eq!(e.method, Method::Tilted);
    assert!(exact.value < 1e-10 && (e.value - exact.value).abs() <= e.error, "{e:?} {exact:?}");
    for k in 0..d {
        let (got, want) = (g.upper[k], exact_gradient.upper[k]);
        assert!(want > 0.0 && (got / want - 1.0).abs() < 1e-6, "k = {k}: {got} vs {want}");
        assert!((g.mean[k] + got).abs() <= 1e-6 * want);
    }
}

/// The table of `docs/student-t.md` (printed with `--nocapture`): relative error against the
/// exact one-factor t, the reported relative bar, paths and time at the default settings; then
/// the coverage of the 99% bar over 50 seeds. Asserts that the bars hold: at most 2 of the cases
/// outside their bar (one case underflows and has no relative bar: its ln P is checked), at
/// least 46 of 50 seeds covered (for an honest 99% bar each failure has probability below 3e-4).
#[test]
fn measured_accuracy_and_time() {
    let mut outside = 0;
    let cases = [
        (5, 5.0, -4.0),
        (5, 30.0, -1e12),
        (10, 30.0, -4.0),
        (10, 30.0, -13.0),
        (10, 5.0, -50.0),
        (10, 5.0, -1e4),
        (10, 2.5, -1e8),
        (10, 2.5, -1e12),
        (20, 30.0, -6.0),
        (20, 5.0, -1e3),
    ];
    for (d, nu, b) in cases {
        let p = equicorrelated_orthant(d, 0.5, b, nu);
        let exact = student_t::integrate_exact(&p).unwrap();
        let start = std::time::Instant::now();
        let e = student_t::integrate(&p, MethodChoice::Tilted, &Settings::default()).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        let (error, bar) = relative(&e, exact.log_value);
        if bar.is_finite() {
            outside += usize::from(error.abs() > bar);
        } else {
            // P underflows (ln P = −792): no relative bar in an absolute Estimate; ln P itself
            // must still be right to the requested 1e-3 with room.
            assert!(error.abs() < 1e-2, "d = {d}, ν = {nu}, b = {b}: relative error {error:e}");
        }
        println!(
            "| {d} | {nu} | {b:e} | {:.3e} (ln {:.2}) | {error:+.1e} | {bar:.1e} | {} | {seconds:.2} |",
            exact.value, exact.log_value, e.evaluations
        );
    }
    for (d, nu, b) in [(5, 5.0, -10.0), (10, 30.0, -8.0)] {
        let p = equicorrelated_orthant(d, 0.5, b, nu);
        let exact = student_t::integrate_exact(&p).unwrap();
        let covered = (0..50)
            .filter(|&seed| {
                let e = tilted(&p, &settings(seed, 0.0));
                let (error, bar) = relative(&e, exact.log_value);
                error.abs() <= bar
            })
            .count();
        println!("coverage d = {d}, ν = {nu}, b = {b}: {covered}/50 at rel_tol 1e-3");
        assert!(covered >= 46, "coverage d = {d}, ν = {nu}: {covered}/50");
    }
    assert!(outside <= 2, "{outside} of 10 cases outside their 99% bar");
}

#[test]
fn semidefinite_scale_matrix() {
    // X₄ = X₀ (a repeated coordinate): P(X ≤ b) is the d = 4 equicorrelated probability with
    // upper limit min(b₀, b₄) in coordinate 0, exact by the one-factor t.
    let (b, nu) = ([-6.0, -6.0, -6.0, -6.0, -7.0], 5.0);
    let mut rows = vec![vec![0.5; 5]; 5];
    for (i, row) in rows.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    rows[0][4] = 1.0;
    rows[4][0] = 1.0;
    let p = StudentProblem::new(
        Problem::lower_orthant(Covariance::from_rows(&rows).unwrap(), b.to_vec()).unwrap(),
        nu,
    )
    .unwrap();
    let marginal =
        Problem::lower_orthant(Covariance::equicorrelated(4, 0.5).unwrap(), vec![-7.0, -6.0, -6.0, -6.0])
            .unwrap();
    let exact = student_t::integrate_exact(&StudentProblem::new(marginal, nu).unwrap()).unwrap();
    let e = tilted(&p, &settings(12, 2e-3));
    let (error, bar) = relative(&e, exact.log_value);
    assert!(exact.value < 1e-4 && bar < 1e-2 && error.abs() <= bar, "{e:?} {exact:?}");
}
