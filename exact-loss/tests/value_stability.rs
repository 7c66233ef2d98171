//! Value stability of the EXACT estimators with random numbers: the exact bits of the authors'
//! Genz estimator (16 samples) and of the Monte Carlo oracle on fixed logits and seeds, so that a
//! change of stream is deliberate (print new pins with
//! `PRINT_PINS=1 cargo test --release -p exact-loss --test value_stability -- --nocapture`).

use exact_loss::accuracy::{expected_accuracy_batch, Backend};
use exact_loss::Sigma;

#[path = "../../mvn-orthant/tests/common/pools.rs"]
mod pools;
use pools::in_pools;

fn check(name: &str, got: [u64; 2], pinned: [u64; 2]) {
    if std::env::var_os("PRINT_PINS").is_some() {
        println!("{name}: [{:#018x}, {:#018x}]", got[0], got[1]);
        panic!("PRINT_PINS is set: printed the pins instead of checking them");
    }
    assert_eq!(
        got,
        pinned,
        "{name}: accuracy {} and ∂A/∂logit₀ {} changed; if deliberate, update the pin",
        f64::from_bits(got[0]),
        f64::from_bits(got[1])
    );
}

#[test]
fn genz_and_monte_carlo_backends_are_pinned() {
    let classes = 5;
    let logits = [0.3, -0.2, 1.1, 0.0, 0.4, -1.0, 0.5, 0.2, 0.9, -0.3];
    let labels = [2, 3];
    let pins = [
        (
            "genz 16",
            Backend::Genz { samples: 16, seed: 2026 },
            [[0x3fdffd9d55d5edc5, 0xbfbe31ccac46ff37], [0x3fdc0f5aa1b0f790, 0xbf8539867a53c133]],
        ),
        (
            "monte carlo 1000",
            Backend::MonteCarlo { samples: 1000, seed: 2026 },
            [[0x3fe21cac083126e9, 0xbfbe7e59cb4d9fe4], [0x3fdfbe76c8b43958, 0xbf89b6c1a81ce361]],
        ),
    ];
    for (name, backend, pinned) in pins {
        let out = in_pools(|| {
            let out =
                expected_accuracy_batch(&logits, classes, &labels, Sigma::Scalar(0.8), backend).unwrap();
            out.iter().map(|a| (a.value.to_bits(), a.d_logits[0].to_bits())).collect::<Vec<_>>()
        });
        for (b, &(value, gradient)) in out.iter().enumerate() {
            check(&format!("{name}, example {b}"), [value, gradient], pinned[b]);
        }
    }
}
