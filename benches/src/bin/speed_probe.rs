//! Timing probe for the EXACT quadrature and the one-factor orthant (a report, not a test).
//!
//! Prints, on one thread unless the batch says otherwise (best of a few runs, in CPU time of
//! the thread where Linux reports it, so that other jobs on the machine matter less):
//! * the one-factor orthant P(X ≤ 0), X ~ N(0, ½I + ½11ᵀ), d = 10, 100, 1000, from the
//!   structured `OneFactorProblem` (no detection), value and value with gradient, and the
//!   same with distinct loadings λ_i = √½·(0.8 + 0.4 i/d), D_ii = 1 − λ_i²;
//! * the EXACT accuracy with its gradient per example at C = 10, 100, 1000 (logits as in
//!   `python/benchmarks/speed.py`: N(0, 2²), the true class raised by 3, σ = 1);
//! * the batch B = 256, C = 1000 through [`expected_accuracy_batch`] (rayon over the cores),
//!   with the largest |Σ_y A_y − 1| over a few examples.
//!
//! `cargo run --release -p benches --bin speed_probe` (`-- exact`: the EXACT part only;
//! `-- confident [C]`: only the confident examples of the criterion benchmark
//! `exact_loss/quadrature_b256_confident/1000` (or the same construction at C classes), σ = 0.01 on the unnormalised logits of
//! `validation::fixtures::exact_loss_batch` with the true class 0.2 above every other, whose
//! accuracies come from the complement 1 − A, per example on one thread; `-- distinct`: only
//! the distinct-loadings orthant at d = 100 (target 3a of issue 18), timed, then run for six
//! seconds more for a profiler; `-- fingerprint`: a hash of the bits of 300 random one-factor
//! problems (values and log-gradients; orthants with runs of repeated factors, both sides, and
//! boxes) and 64 EXACT examples with their gradients (C = 3 to 1000, σ = 1 and 0.05), so that
//! a speed change meant to keep every bit can be checked against the build before it; a second
//! argument names a file for the values themselves, one per line, to compare two builds' digits;
//! `-- profile [C]`: the EXACT examples of the batch at C classes (default 1000) one after the
//! other on one thread for five seconds, then the time per example: steady enough (±0.3% on an
//! idle machine) to compare two builds, and the loop to run under `perf record`)

use exact_loss::accuracy::{expected_accuracy, expected_accuracy_batch, Backend, Sigma};
use exact_loss::complement::{error_probability_of_shifts, log_error_probability_of_shifts};
use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Instant;
use validation::fixtures::{
    exact_loss_batch, one_factor_distinct_loadings_orthant, one_factor_equicorrelated_orthant,
};

/// `println!` that ends the program quietly when standard output is closed (`| head`), instead
/// of panicking on the broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// Standard normal draws by Box–Muller.
fn normals(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut u = || ((rng.next_u64() >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0;
    (0..n).map(|_| (-2.0 * u().ln()).sqrt() * (std::f64::consts::TAU * u()).cos()).collect()
}

/// Logits B × C as in the Python benchmark and the labels.
fn batch(b: usize, c: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut logits: Vec<f64> = normals(b * c, seed).iter().map(|x| 2.0 * x).collect();
    let labels: Vec<usize> = (0..b).map(|i| (i * 7919 + 13) % c).collect();
    for (i, &y) in labels.iter().enumerate() {
        logits[i * c + y] += 3.0;
    }
    (logits, labels)
}

/// Seconds of CPU time of the calling thread (Linux: `/proc/thread-self/schedstat`), or of wall
/// time elsewhere: on a machine shared with other jobs the CPU time of the thread is the
/// steadier figure.
fn thread_seconds(wall: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split(' ').next()?.parse::<f64>().ok())
        .map_or_else(|| wall.elapsed().as_secs_f64(), |ns| ns * 1e-9)
}

/// Best of `repeats` runs of `f`, in seconds of thread CPU time.
fn best<T>(repeats: usize, mut f: impl FnMut() -> T) -> f64 {
    let origin = Instant::now();
    (0..repeats)
        .map(|_| {
            let t = thread_seconds(origin);
            black_box(f());
            thread_seconds(origin) - t
        })
        .fold(f64::INFINITY, f64::min)
}

/// Seconds per call of `f`: best of three runs of enough calls to last about 0.3 s (the CPU-time
/// clock advances in scheduler ticks of a few milliseconds).
fn per_call<T>(mut f: impl FnMut() -> T) -> f64 {
    let start = Instant::now();
    black_box(f());
    let once = start.elapsed().as_secs_f64().max(1e-7);
    let calls = ((0.3 / once) as usize).max(1);
    best(3, || (0..calls).map(|_| black_box(f())).count()) / calls as f64
}

/// Best of `repeats` runs of `f`, in seconds of wall time (for the multi-threaded batch).
fn best_wall<T>(repeats: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..repeats)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Per-example times of the confident examples at C classes (1000 unless the command line gives
/// another number after `confident`; the complement path): through
/// [`expected_accuracy`], and the complement alone, value only and with the gradient.
fn confident(c: usize) {
    let (b, sigma) = (64, 0.01);
    let (mut logits, labels) = exact_loss_batch(b, c, 5);
    let mut shifts = Vec::with_capacity(b);
    for (i, &y) in labels.iter().enumerate() {
        let row = &mut logits[i * c..(i + 1) * c];
        row[y] = row.iter().copied().fold(f64::NEG_INFINITY, f64::max) + 0.2;
        // d_k = (l_y − l_k)/σ over the competitors.
        shifts.push((0..c).filter(|&k| k != y).map(|k| (row[y] - row[k]) / sigma).collect::<Vec<f64>>());
    }
    let per_example = |f: &dyn Fn(usize) -> f64| per_call(|| (0..b).map(f).sum::<f64>()) / b as f64;
    let accuracy = per_example(&|i| {
        let a = expected_accuracy(&logits[i * c..(i + 1) * c], labels[i], sigma, Backend::Quadrature);
        a.unwrap().log_error_probability
    });
    let value = per_example(&|i| log_error_probability_of_shifts(&shifts[i]));
    let gradient = per_example(&|i| error_probability_of_shifts(&shifts[i]).log_value);
    say!(
        "EXACT confident C = {c}: {:8.2} us per example (one thread); the complement alone: 1 - A {:8.2} us, with the gradient {:8.2} us",
        accuracy * 1e6,
        value * 1e6,
        gradient * 1e6
    );
}

/// A fingerprint of the bits of many one-factor and EXACT results (random problems): two builds
/// that print the same fingerprint computed the same bits (a check that a speed change kept them).
fn fingerprint(dump: Option<String>) {
    use mvn_orthant::one_factor::OneFactorProblem;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut values = Vec::new();
    let mut mix = |v: f64| {
        hash ^= v.to_bits();
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        values.push(v);
    };
    let z = normals(400_000, 11);
    let mut k = 0;
    let mut next = || {
        k += 1;
        z[k - 1]
    };
    for case in 0..300 {
        let d = [1usize, 2, 5, 17, 100, 333][case % 6];
        let mut lower = vec![f64::NEG_INFINITY; d];
        let mut upper = vec![f64::INFINITY; d];
        let mut loading = Vec::with_capacity(d);
        let mut diagonal = Vec::with_capacity(d);
        for i in 0..d {
            let lam = 0.9 * next().tanh();
            // Repeated factors in runs (merged), both sides, and two-sided boxes every fifth case.
            let l = if i % 3 == 2 { loading[i - 1] } else { lam };
            loading.push(l);
            diagonal.push(1.0 - l * l);
            let limit = next();
            match (case % 5, i % 2) {
                (4, _) => (lower[i], upper[i]) = (limit - 1.0, limit + 0.5),
                (_, 0) => upper[i] = limit,
                _ => lower[i] = limit,
            }
        }
        let p = OneFactorProblem::new(vec![0.0; d], diagonal, loading, lower, upper).unwrap();
        mix(p.integrate().log_value);
        let g = p.log_gradient();
        mix(g.log_value);
        g.lower.iter().chain(&g.upper).for_each(|&v| mix(v));
    }
    for c in [3usize, 10, 100, 1000] {
        let (logits, labels) = batch(8, c, 7);
        for i in 0..8 {
            for sigma in [1.0, 0.05] {
                let row = &logits[i * c..(i + 1) * c];
                let a = expected_accuracy(row, labels[i], sigma, Backend::Quadrature).unwrap();
                mix(a.log_value);
                mix(a.d_sigma);
                a.d_logits.iter().for_each(|&v| mix(v));
            }
        }
    }
    say!("fingerprint {hash:016x}");
    if let Some(path) = dump {
        let text: String = values.iter().map(|v| format!("{v:e}\n")).collect();
        std::fs::write(&path, text).expect("the dump file is writable");
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("fingerprint") {
        fingerprint(std::env::args().nth(2));
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("confident") {
        let classes = std::env::args().nth(2).and_then(|c| c.parse().ok()).unwrap_or(1000);
        confident(classes);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("distinct") {
        let p = one_factor_distinct_loadings_orthant(100).expect("valid fixture");
        let t = per_call(|| p.integrate().value);
        let start = Instant::now();
        while start.elapsed().as_secs_f64() < 6.0 {
            black_box(p.integrate());
        }
        say!("one-factor d = 100 (distinct): value {:8.2} us", t * 1e6);
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("profile") {
        // One thread, one number of classes, for `perf record`: the examples of the batch below
        // again and again for five seconds.
        let c = std::env::args().nth(2).and_then(|c| c.parse().ok()).unwrap_or(1000);
        let (logits, labels) = batch(256, c, 5);
        let (start, mut examples) = (Instant::now(), 0usize);
        while start.elapsed().as_secs_f64() < 5.0 {
            let i = examples % 256;
            black_box(
                expected_accuracy(&logits[i * c..(i + 1) * c], labels[i], 1.0, Backend::Quadrature).unwrap(),
            );
            examples += 1;
        }
        say!(
            "EXACT C = {c}: {:.2} us per example (one thread)",
            start.elapsed().as_secs_f64() / examples as f64 * 1e6
        );
        return;
    }
    let only_exact = std::env::args().nth(1).as_deref() == Some("exact");
    for d in [10usize, 100, 1000].into_iter().filter(|_| !only_exact) {
        let equal = one_factor_equicorrelated_orthant(d).expect("valid fixture");
        let distinct = one_factor_distinct_loadings_orthant(d).expect("valid fixture");
        for (name, p) in [("equal factors", &equal), ("distinct", &distinct)] {
            let tv = per_call(|| p.integrate().value);
            let tg = per_call(|| p.integrate_with_gradient().0.value);
            let e = p.integrate();
            let with_gradient = p.log_gradient().evaluations;
            say!(
                "one-factor d = {d:4} ({name:13}): value {:8.2} us, with gradient {:8.2} us, {} evaluations ({with_gradient} with the gradient), P = {:.16e}",
                tv * 1e6,
                tg * 1e6,
                e.evaluations,
                e.value
            );
        }
    }
    for c in [10usize, 100, 1000] {
        let n = 64;
        let (logits, labels) = batch(n, c, 5);
        // Each timed run long enough (≥ 0.1 s) for the CPU-time clock.
        let rounds = (2000 / c).max(1);
        let t = best(3, || {
            (0..rounds * n)
                .map(|k| {
                    let i = k % n;
                    expected_accuracy(&logits[i * c..(i + 1) * c], labels[i], 1.0, Backend::Quadrature)
                        .unwrap()
                        .value
                })
                .sum::<f64>()
        }) / (rounds * n) as f64;
        // Σ_y A_y = 1 over every choice of the true class, on a few examples.
        let mut worst: f64 = 0.0;
        for i in 0..(if c >= 1000 { 1 } else { 4 }) {
            let row = &logits[i * c..(i + 1) * c];
            let total: f64 =
                (0..c).map(|y| expected_accuracy(row, y, 1.0, Backend::Quadrature).unwrap().value).sum();
            worst = worst.max((total - 1.0).abs());
        }
        say!(
            "EXACT C = {c:4}: {:9.2} us per example (one thread), max |sum_y A_y - 1| = {worst:.1e}",
            t * 1e6
        );
    }
    if only_exact {
        return;
    }
    let (b, c) = (256, 1000);
    let (logits, labels) = batch(b, c, 5);
    let t = best_wall(3, || {
        expected_accuracy_batch(&logits, c, &labels, Sigma::Scalar(1.0), Backend::Quadrature).unwrap()
    });
    say!("EXACT batch B = {b}, C = {c}: {:.2} ms ({} threads)", t * 1e3, rayon_threads());
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
