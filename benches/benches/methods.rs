//! Criterion benchmarks of every integrator of `mvn-orthant` over the dimensions where it
//! applies. Run with `cargo bench -p benches --bench methods`; CI runs each once with `-- --test`.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mvn_orthant::exact::trivariate::box_probability as trivariate_box;
use mvn_orthant::exact::{bivariate_cdf, trivariate_cdf};
use mvn_orthant::genz::GenzSettings;
use mvn_orthant::normal;
use mvn_orthant::qmc::PointSetKind;
use mvn_orthant::tilting::{Tilted, TiltingSettings};
use mvn_orthant::{Covariance, Integrator, MonteCarlo, OneFactor, Problem};
use mvn_orthant::{Differentiable, GradientEstimator, GradientOptions};
use std::time::Duration;
use validation::fixtures::{
    equicorrelated_orthant, one_factor_distinct_loadings_orthant, one_factor_equicorrelated_orthant,
    random_box,
};

fn normal_functions(c: &mut Criterion) {
    let mut g = c.benchmark_group("normal");
    let xs: Vec<f64> = (0..1000).map(|i| -8.0 + 0.016 * i as f64).collect();
    let ps: Vec<f64> = (1..=1000).map(|i| i as f64 / 1001.0).collect();
    g.throughput(Throughput::Elements(1000));
    g.bench_function("cdf", |b| b.iter(|| xs.iter().map(|&x| normal::cdf(black_box(x))).sum::<f64>()));
    g.bench_function("inverse_cdf", |b| {
        b.iter(|| ps.iter().map(|&p| normal::inverse_cdf_unchecked(black_box(p))).sum::<f64>())
    });
    g.bench_function("univariate_interval", |b| {
        b.iter(|| xs.iter().map(|&x| normal::interval_probability(black_box(x), x + 0.7)).sum::<f64>())
    });
    g.finish();
}

fn low_dimensional(c: &mut Criterion) {
    let mut g = c.benchmark_group("exact");
    g.bench_function("bivariate_cdf", |b| {
        b.iter(|| bivariate_cdf(black_box(0.3), black_box(-1.2), black_box(0.6)))
    });
    g.bench_function("bivariate_cdf_high_rho", |b| {
        b.iter(|| bivariate_cdf(black_box(0.3), black_box(-1.2), black_box(0.97)))
    });
    let r = [[1.0, 0.6, 1.0 / 3.0], [0.6, 1.0, 11.0 / 15.0], [1.0 / 3.0, 11.0 / 15.0, 1.0]];
    g.bench_function("trivariate_cdf", |b| {
        b.iter(|| trivariate_cdf(black_box([1.0, 4.0, 2.0]), black_box(r)))
    });
    for d in [10usize, 100, 1000] {
        let p = equicorrelated_orthant(d).expect("valid fixture");
        g.bench_with_input(BenchmarkId::new("one_factor", d), &p, |b, p| {
            b.iter(|| OneFactor.integrate(p).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("one_factor_gradient", d), &p, |b, p| {
            b.iter(|| OneFactor.integrate_with_gradient(p).unwrap())
        });
        // The same orthant given in its one-factor form (D = ½I, λ = √½·1): the integral alone,
        // without the O(d²) detection of the structure in the dense covariance.
        let structured = one_factor_equicorrelated_orthant(d).expect("valid fixture");
        g.bench_with_input(BenchmarkId::new("one_factor_structured", d), &structured, |b, p| {
            b.iter(|| p.integrate())
        });
        g.bench_with_input(BenchmarkId::new("one_factor_structured_gradient", d), &structured, |b, p| {
            b.iter(|| p.log_gradient())
        });
        // Distinct loadings: no two factors alike, so nothing is merged and the cost is
        // O(d · nodes).
        let distinct = one_factor_distinct_loadings_orthant(d).expect("valid fixture");
        g.bench_with_input(BenchmarkId::new("one_factor_distinct", d), &distinct, |b, p| {
            b.iter(|| p.integrate())
        });
        g.bench_with_input(BenchmarkId::new("one_factor_distinct_gradient", d), &distinct, |b, p| {
            b.iter(|| p.log_gradient())
        });
    }
    g.finish();
}

fn genz(c: &mut Criterion) {
    let mut g = c.benchmark_group("genz");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    for (name, kind) in [("sobol", PointSetKind::Sobol), ("lattice", PointSetKind::Lattice)] {
        for d in [5usize, 10, 20, 50, 100] {
            let p = equicorrelated_orthant(d).expect("valid fixture");
            let genz = GenzSettings::default().abs_tol(1e-4).point_set(kind).build().unwrap();
            g.bench_with_input(BenchmarkId::new(format!("{name}_orthant_1e-4"), d), &p, |b, p| {
                b.iter(|| genz.integrate(p).unwrap())
            });
        }
    }
    // d = 1000: one point costs ~d²/2 flops, so a looser tolerance keeps a call near a second.
    let p = equicorrelated_orthant(1000).expect("valid fixture");
    let genz = GenzSettings::default().abs_tol(1e-3).build().unwrap();
    g.bench_with_input(BenchmarkId::new("sobol_orthant_1e-3", 1000), &p, |b, p| {
        b.iter(|| genz.integrate(p).unwrap())
    });
    for d in [5usize, 10, 20, 50, 100] {
        let p = random_box(d, 7).expect("valid fixture");
        let genz = GenzSettings::default().abs_tol(1e-4).build().unwrap();
        g.bench_with_input(BenchmarkId::new("sobol_random_box_1e-4", d), &p, |b, p| {
            b.iter(|| genz.integrate(p).unwrap())
        });
    }
    // Gradient cost (issue 5): value alone against value + gradient at the same fixed budget
    // (2^13 evaluations: 8 randomisations × 1024 points; abs_tol tiny so the budget binds), so
    // the ratio is the cost per point. Pathwise and pinned single passes (common random
    // numbers) and by conditioning
    // (d conditional integrals) at d = 20; single pass only at d = 100 (conditioning: d × value).
    for d in [20usize, 100] {
        let p = equicorrelated_orthant(d).expect("valid fixture");
        let genz = GenzSettings::default()
            .abs_tol(1e-15)
            .initial_points(1024)
            .randomizations(8)
            .max_evaluations(1 << 13)
            .build()
            .unwrap();
        g.throughput(Throughput::Elements(1 << 13));
        g.bench_with_input(BenchmarkId::new("value_only_2^13", d), &p, |b, p| {
            b.iter(|| genz.integrate(p).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("value_and_gradient_2^13", d), &p, |b, p| {
            b.iter(|| {
                genz.integrate_with_gradient(
                    p,
                    GradientOptions::default().estimator(GradientEstimator::Pinned),
                )
                .unwrap()
            })
        });
        g.bench_with_input(BenchmarkId::new("value_and_pathwise_gradient_2^13", d), &p, |b, p| {
            b.iter(|| genz.integrate_with_gradient(p, GradientOptions::default()).unwrap())
        });
        if d <= 20 {
            g.bench_with_input(BenchmarkId::new("gradient_by_conditioning_2^13", d), &p, |b, p| {
                b.iter(|| {
                    genz.integrate_with_gradient(
                        p,
                        GradientOptions::default().estimator(GradientEstimator::Conditioning),
                    )
                    .unwrap()
                })
            });
        }
    }
    g.finish();
}

fn rare_events(c: &mut Criterion) {
    let mut g = c.benchmark_group("tilted");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    for d in [5usize, 20] {
        let p = Problem::new(
            vec![0.0; d],
            Covariance::equicorrelated(d, 0.5).unwrap(),
            vec![3.0; d],
            vec![f64::INFINITY; d],
        )
        .unwrap();
        let tilted = Tilted::new(TiltingSettings::default()).unwrap();
        g.bench_with_input(BenchmarkId::new("upper_orthant_c3_rel_1e-3", d), &p, |b, p| {
            b.iter(|| tilted.integrate(p).unwrap())
        });
    }
    g.finish();
}

fn monte_carlo(c: &mut Criterion) {
    let mut g = c.benchmark_group("monte_carlo");
    g.sample_size(10).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(300));
    for d in [2usize, 10, 100] {
        let p = equicorrelated_orthant(d).expect("valid fixture");
        let mc = MonteCarlo::new(100_000, 1).unwrap();
        g.throughput(Throughput::Elements(100_000));
        g.bench_with_input(BenchmarkId::new("samples_1e5", d), &p, |b, p| {
            b.iter(|| mc.integrate(p).unwrap())
        });
    }
    g.finish();
}

/// The trivariate normal (Plackett's reduction): the lower orthant and a two-sided box (eight
/// corners), at moderate correlations (Genz 1992's matrix) and with |ρ| up to 0.99.
fn trivariate(c: &mut Criterion) {
    let mut g = c.benchmark_group("exact");
    let moderate = [[1.0, 0.6, 1.0 / 3.0], [0.6, 1.0, 11.0 / 15.0], [1.0 / 3.0, 11.0 / 15.0, 1.0]];
    let high = [[1.0, 0.95, 0.9], [0.95, 1.0, 0.99], [0.9, 0.99, 1.0]];
    g.bench_function("trivariate_cdf_high_rho", |b| {
        b.iter(|| trivariate_cdf(black_box([0.5, 1.0, 0.3]), black_box(high)))
    });
    // Weak correlations (det R = 0.66): the 10-node tier of the fixed rule.
    let weak = [[1.0, 0.3, -0.2], [0.3, 1.0, 0.4], [-0.2, 0.4, 1.0]];
    g.bench_function("trivariate_cdf_weak_rho", |b| {
        b.iter(|| trivariate_cdf(black_box([0.5, -0.3, 1.2]), black_box(weak)))
    });
    for (name, r) in [("trivariate_box", moderate), ("trivariate_box_high_rho", high)] {
        g.bench_function(name, |b| {
            b.iter(|| trivariate_box(black_box([0.0; 3]), black_box(r), [-1.0, -0.5, -2.0], [1.5, 2.0, 1.0]))
        });
    }
    g.finish();
}

criterion_group!(benches, normal_functions, low_dimensional, trivariate, genz, rare_events, monte_carlo);
criterion_main!(benches);
