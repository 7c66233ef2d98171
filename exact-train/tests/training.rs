//! Training: each loss raises accuracy far above chance on a small subset of a real dataset;
//! EXACT's training objective (expected accuracy) increases over the epochs; the run is
//! reproducible bit for bit from its seed.

use exact_train::losses::{exact_objective, ExactBackend};
use exact_train::{train_model, Dataset, Hyper, LinearModel, Loss, Standardizer, TrainConfig};

fn load(name: &str) -> Dataset {
    Dataset::load(format!("{}/../datasets/{name}.csv", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A small standardised training subset and a held-out subset of `name`.
fn small(name: &str, rows: usize) -> (Dataset, Dataset) {
    let d = load(name);
    let (rest, held) = d.split(0.3, 7);
    let train = rest.subset(&(0..rows.min(rest.len())).collect::<Vec<_>>());
    let s = Standardizer::fit(&train);
    (s.apply(&train), s.apply(&held))
}

fn quick() -> TrainConfig {
    TrainConfig { epochs: 8, batches_per_epoch: 10, batch_size: 64, ..TrainConfig::default() }
}

#[test]
fn every_loss_learns_far_above_chance() {
    // digits: 10 classes, chance 10 %; wine: 3 classes, chance about 40 % (majority class).
    for (name, rows, floor) in [("wine", 80, 0.85), ("digits", 300, 0.8)] {
        let (train, held) = small(name, rows);
        let untrained = LinearModel::random(train.n_features, train.n_classes, 3);
        let before = untrained.accuracy(&held.features, &held.labels);
        for loss in Loss::ALL {
            let hyper = Hyper { learning_rate: 0.1, weight_decay: 1e-3, margin: None };
            let trained = train_model(&train, loss, &hyper, &quick(), 3, &mut |_| {});
            let after = trained.model.accuracy(&held.features, &held.labels);
            assert!(after >= floor, "{name} {loss}: held-out accuracy {after} (untrained {before})");
            assert!(after > before + 0.2, "{name} {loss}: {before} -> {after}");
        }
    }
}

#[test]
fn exact_expected_accuracy_increases_over_epochs() {
    let (train, _) = small("wine", 80);
    let hyper = Hyper { learning_rate: 0.1, weight_decay: 0.0, margin: None };
    let mut seen = Vec::new();
    let trained = train_model(&train, Loss::Exact, &hyper, &quick(), 5, &mut |r| seen.push(r.clone()));
    assert_eq!(seen, trained.history);
    let expected: Vec<f64> = trained.history.iter().map(|r| 1.0 - r.objective).collect();
    // The objective is evaluated on the whole training set at each epoch's σ: it must rise from
    // near chance (σ = 10 blurs everything) to near 1, and never fall by more than a little.
    assert!(expected[0] < 0.6, "{expected:?}");
    assert!(*expected.last().unwrap() > 0.95, "{expected:?}");
    for w in expected.windows(2) {
        assert!(w[1] >= w[0] - 0.01, "expected accuracy fell: {expected:?}");
    }
    // Independently of the σ schedule: at a fixed σ, the trained model's expected accuracy is
    // higher than the initial model's.
    let init = LinearModel::random(train.n_features, train.n_classes, 5);
    let at = |m: &LinearModel| {
        let scores = m.forward(&train.features);
        exact_objective(&scores, &train.labels, train.n_classes, 0.5, None, ExactBackend::Trapezoid)
            .unwrap()
            .mean_accuracy
    };
    let (a0, a1) = (at(&init), at(&trained.model));
    assert!(a1 > a0 + 0.2, "expected accuracy at σ = 0.5: initial {a0}, trained {a1}");
}

#[test]
fn training_is_reproducible_from_the_seed() {
    let (train, _) = small("wine", 60);
    let hyper = Hyper { learning_rate: 0.1, weight_decay: 1e-3, margin: Some(1.0) };
    let cfg = TrainConfig { epochs: 2, batches_per_epoch: 3, batch_size: 32, ..TrainConfig::default() };
    for loss in Loss::ALL {
        let a = train_model(&train, loss, &hyper, &cfg, 11, &mut |_| {});
        let b = train_model(&train, loss, &hyper, &cfg, 11, &mut |_| {});
        let c = train_model(&train, loss, &hyper, &cfg, 12, &mut |_| {});
        assert_eq!(a.model, b.model, "{loss}");
        assert_ne!(a.model, c.model, "{loss}");
    }
}
