//! The built-in suite against independent computations: the Rust closed forms of this crate,
//! Monte Carlo with confidence intervals, and whatever exact methods `mvn-orthant` provides.

use mvn_orthant::{Estimate, Integrator, Method, MethodChoice, MonteCarlo, Problem};
use std::collections::HashSet;
use validation::cli::report::Budgeted;
use validation::closed_form::ClosedFormIntegrator;
use validation::harness::{self, Status};
use validation::oracle::{self, OracleOptions};
use validation::suite;

#[test]
fn builtin_suite_is_modest_diverse_and_consistent() {
    let cases = suite::builtin().unwrap();
    let normal = cases.iter().filter(|c| !c.is_student_t()).count();
    assert!((60..=120).contains(&normal), "{normal} normal cases");
    assert!((30..=60).contains(&(cases.len() - normal)), "{} Student t cases", cases.len() - normal);
    // The normal cases come first, then the t cases.
    assert!(cases[..normal].iter().all(|c| !c.is_student_t()));
    let ids: HashSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "ids are unique");
    let dims: HashSet<usize> = cases.iter().map(|c| c.dim).collect();
    for d in [1, 2, 3, 10, 100, 1000] {
        assert!(dims.contains(&d), "no case of dimension {d}");
    }
    let categories: HashSet<&str> = cases.iter().map(|c| c.category.as_str()).collect();
    for c in [
        "univariate",
        "orthant-closed-form",
        "bivariate-box",
        "trivariate-published",
        "one-factor",
        "one-factor-tail",
        "exact-orthant",
        "independent",
        "block-diagonal",
        "singular",
        "infinite-limits",
        "empty-box",
        "narrow-box",
        "near-singular",
        "rare-event",
    ] {
        assert!(categories.contains(c), "no case in category {c}");
    }
    assert!(cases.iter().any(|c| c.reference > 0.0 && c.reference < 1e-20), "a tail below 1e-20");
    assert!(cases.iter().any(|c| c.problem.covariance().rank() < c.dim), "a singular covariance");
    assert!(cases.iter().any(|c| c.problem.lower().iter().chain(c.problem.upper()).any(|x| x.is_infinite())));
    for c in cases {
        assert!(c.tolerance >= 0.0 && !c.provenance.is_empty());
        if c.reference > 0.0 {
            let rel = (c.reference.ln() - c.log_reference).abs() / c.log_reference.abs().max(1.0);
            assert!(
                rel < 1e-13,
                "{}: ln(reference) {} vs log_reference {}",
                c.id,
                c.reference.ln(),
                c.log_reference
            );
        } else {
            assert_eq!(c.log_reference, f64::NEG_INFINITY);
        }
    }
}

#[test]
fn rust_closed_forms_agree_with_the_mpmath_references() {
    let cases = suite::builtin().unwrap();
    let report = harness::run(&ClosedFormIntegrator, cases);
    let applicable = report.results.iter().filter(|r| r.status == Status::Ok).count();
    assert!(applicable >= 40, "closed forms applied to only {applicable} cases");
    for r in &report.results {
        if r.status == Status::Ok {
            // Rounding only: the tolerance of the case or 1e-13 relative, whichever is larger.
            let allowed = (r.tolerance.max(1e-13)) * r.reference;
            assert!(r.abs_error.unwrap() <= allowed, "{}: {:?} vs {}", r.id, r.estimate, r.reference);
        }
    }
    assert_eq!(report.summary.exact_failures, 0);
}

#[test]
fn monte_carlo_intervals_cover_the_suite_references() {
    let cases: Vec<_> = suite::builtin().unwrap().iter().filter(|c| c.dim <= 40).cloned().collect();
    let mc = MonteCarlo::new(20_000, 11).unwrap();
    let report = harness::run(&mc, &cases);
    let s = &report.summary;
    // A normal integrator answers the normal cases and is n/a on the Student t ones.
    let t_cases = cases.iter().filter(|c| c.is_student_t()).count();
    assert!(t_cases > 0);
    assert_eq!(s.ok, cases.len() - t_cases);
    assert_eq!(s.not_applicable, t_cases);
    // 99% intervals: allow a few misses, but not many.
    assert!(
        s.stochastic_coverage.unwrap() >= 0.93,
        "coverage {:?} over {} cases",
        s.stochastic_coverage,
        s.ok
    );
    // Where the reference is large the error must be small (2e4 samples: about 0.01).
    assert!(
        report.results.iter().filter(|r| r.status == Status::Ok).all(|r| r.abs_error.unwrap() < 0.02),
        "{:?}",
        s
    );
}

#[test]
fn exact_method_choices_meet_the_case_tolerances_where_they_apply() {
    let cases = suite::builtin().unwrap();
    for choice in [MethodChoice::Exact, MethodChoice::Auto] {
        let report = harness::run_student(&Budgeted(choice), cases);
        for r in &report.results {
            assert!(r.status != Status::Error, "{choice} failed on {}: {:?}", r.id, r.message);
            assert!(!r.exact_failure, "{choice} on {}: {:?}, reference {}", r.id, r.estimate, r.reference);
        }
        // At least the trivial case must be exact today; more as methods land.
        let trivial = report.results.iter().find(|r| r.id == "unbounded-all").unwrap();
        assert_eq!(trivial.estimate.as_ref().map(|e| e.value), Some(1.0));
        eprintln!("{choice}: {} of {} cases evaluated", report.summary.ok, report.summary.cases);
    }
}

#[test]
fn student_t_cases_cover_the_brief_and_exact_t_methods_meet_their_tolerances() {
    let cases: Vec<_> = suite::builtin().unwrap().iter().filter(|c| c.is_student_t()).cloned().collect();
    // d = 1 in both tails (P < 1e-12 below and above) for every ν of the brief.
    for nu in [0.5, 1.0, 2.5, 5.0, 30.0] {
        let d1: Vec<_> = cases.iter().filter(|c| c.dim == 1 && c.degrees_of_freedom == nu).collect();
        let lower_tail = d1.iter().any(|c| c.reference < 1e-12 && c.problem.lower()[0] == f64::NEG_INFINITY);
        let upper_tail = d1.iter().any(|c| c.reference < 1e-12 && c.problem.upper()[0] == f64::INFINITY);
        assert!(lower_tail && upper_tail, "ν = {nu}: both tails");
    }
    let dims: HashSet<usize> = cases.iter().map(|c| c.dim).collect();
    for d in [1, 2, 3, 10, 50] {
        assert!(dims.contains(&d), "no t case of dimension {d}");
    }
    let categories: HashSet<&str> = cases.iter().map(|c| c.category.as_str()).collect();
    for c in [
        "student-t-univariate",
        "student-t-orthant-closed-form",
        "student-t-bivariate",
        "student-t-trivariate",
        "student-t-one-factor",
        "student-t-dunnett",
    ] {
        assert!(categories.contains(c), "no t case in category {c}");
    }
    // The orthants are 1/4 + asin(ρ)/(2π) for every ν: the same reference across ν.
    for c in cases.iter().filter(|c| c.category == "student-t-orthant-closed-form") {
        let rho = c.problem.covariance().get(0, 1);
        let closed = 0.25 + rho.asin() / (2.0 * std::f64::consts::PI);
        assert!((c.reference - closed).abs() <= 1e-15, "{}", c.id);
    }
    // Exact t methods on every t case, within the case's tolerance (they are not the generator's
    // route: the library integrates over the chi variable, the generator conditions on a
    // coordinate (d ≤ 2) or uses fixed Gauss–Legendre rules on (chi, factor)).
    let report = harness::run_student(&Budgeted(MethodChoice::Exact), &cases);
    assert_eq!(report.summary.ok, cases.len(), "{:?}", report.summary);
    assert_eq!(report.summary.exact_failures, 0);
    let worst = report.results.iter().filter_map(|r| r.rel_error).fold(0.0, f64::max);
    eprintln!("exact t methods on {} t cases: worst relative error {worst:.2e}", cases.len());
    // A normal integrator (the closed forms) declines them all.
    let report = harness::run(&ClosedFormIntegrator, &cases);
    assert_eq!(report.summary.not_applicable, cases.len());
}

/// A deliberately biased integrator, to check that the oracles fail loudly.
struct Biased;

impl Integrator for Biased {
    fn name(&self) -> String {
        "biased".into()
    }
    fn integrate(&self, problem: &Problem) -> mvn_orthant::Result<Estimate> {
        let v = validation::closed_form::probability(problem).map_or(0.5, |c| c.value) + 1e-3;
        Ok(Estimate {
            value: v,
            log_value: v.ln(),
            error: 1e-4,
            evaluations: 1,
            method: Method::Genz,
            converged: true,
        })
    }
}

#[test]
fn oracles_pass_good_integrators_and_explain_failures() {
    let case = suite::builtin().unwrap().iter().find(|c| c.id == "equi-half-orthant-d5").unwrap();
    let options = OracleOptions::default();
    let ok = oracle::check(&MonteCarlo::new(100_000, 5).unwrap(), &case.problem, &options).unwrap();
    assert_eq!(ok.reference.value, 1.0 / 6.0);
    assert!(ok.reference.source.contains("closed form"));
    let failure = oracle::check_case(&Biased, case, &options).unwrap_err();
    let message = failure.to_string();
    for needle in [
        "biased",
        "value",
        "reference",
        "achieved error",
        "reported error",
        "allowed",
        "equi-half-orthant-d5",
    ] {
        assert!(message.contains(needle), "message lacks {needle:?}: {message}");
    }
    assert!(!failure.not_applicable());
    let na = oracle::check(
        &ClosedFormIntegrator,
        &suite::builtin()
            .unwrap()
            .iter()
            .find(|c| c.id == "d2-box-rho0.5--inf-1.0--inf--0.5")
            .unwrap()
            .problem,
        &options,
    )
    .unwrap_err();
    assert!(na.not_applicable(), "{na}");
    // Without an exact reference the oracle falls back to Monte Carlo with an interval.
    let box_case = suite::builtin().unwrap().iter().find(|c| c.category == "bivariate-box").unwrap();
    let r = oracle::reference(&box_case.problem, &OracleOptions { monte_carlo_samples: 50_000, ..options });
    assert!(r.error > 0.0 || r.source.starts_with("exact method"));
    assert!((r.value - box_case.reference).abs() <= r.error + 1e-9, "{r:?} vs {}", box_case.reference);
}
