//! Criterion benchmarks of the EXACT loss forward + backward ([`ExactLoss::evaluate`], batch
//! normalisation on, no margin) for B = 256 and C = 10, 100, 1000, with the exact one-factor
//! quadrature and the authors' 16-sample Genz estimator.
//!
//! The 16-sample Genz estimator with its gradient costs O(samples · C²) per example (one
//! (C − 2)-dimensional pass per gradient component): one to a few seconds per example at C = 1000 on one
//! core (more under load), so a B = 256 batch takes minutes. At C = 1000 it is therefore timed on
//! a batch of B = 4 (the cost is linear in B: examples are independent); multiply by 64 for
//! B = 256.
//!
//! Run with `cargo bench -p benches --bench exact_loss`; CI runs it once with `-- --test`.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use exact_loss::{Backend, ExactLoss, Sigma};
use std::time::Duration;
use validation::fixtures::exact_loss_batch;

/// Batch size of the comparison (issue 6).
const BATCH: usize = 256;

fn loss_forward_backward(c: &mut Criterion) {
    let mut g = c.benchmark_group("exact_loss");
    // Flat sampling: 10 samples of equal iteration counts (linear sampling would run 55
    // iterations of a multi-second call).
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    let quadrature =
        ExactLoss { normalize: true, margin: None, backend: Backend::Quadrature, ..Default::default() };
    let genz = ExactLoss {
        normalize: true,
        margin: None,
        backend: Backend::Genz { samples: 16, seed: 1 },
        ..Default::default()
    };
    for classes in [10usize, 100, 1000] {
        let (logits, labels) = exact_loss_batch(BATCH, classes, 5);
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_with_input(BenchmarkId::new("quadrature_b256", classes), &classes, |b, &c| {
            b.iter(|| quadrature.evaluate(black_box(&logits), c, &labels, Sigma::Scalar(0.5)).unwrap())
        });
        // Confident examples (σ = 0.01 on unnormalised logits, true class 0.2 above every other):
        // every accuracy within 1e-20 of 1, so value and gradient come from the complement 1 − A.
        let mut confident = logits.clone();
        for (b, &y) in labels.iter().enumerate() {
            let row = &mut confident[b * classes..(b + 1) * classes];
            let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            row[y] = top + 0.2;
        }
        let raw = ExactLoss { normalize: false, ..quadrature };
        g.bench_with_input(BenchmarkId::new("quadrature_b256_confident", classes), &classes, |b, &c| {
            b.iter(|| raw.evaluate(black_box(&confident), c, &labels, Sigma::Scalar(0.01)).unwrap())
        });
        // Genz at C = 1000 on B = 4 (see the module documentation).
        let batch = if classes >= 1000 { 4 } else { BATCH };
        let rows = batch * classes;
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_with_input(BenchmarkId::new(format!("genz16_b{batch}"), classes), &classes, |b, &c| {
            b.iter(|| {
                genz.evaluate(black_box(&logits[..rows]), c, &labels[..batch], Sigma::Scalar(0.5)).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, loss_forward_backward);
criterion_main!(benches);
