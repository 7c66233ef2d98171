//! The evaluation protocol: split, hyper-parameter search on a validation split, several seeds.
//!
//! 1. The dataset is split once into a training part and a test part (`test_fraction`, default
//!    20 %, by a permutation seeded with `split_seed`). The test part is never looked at until the
//!    final evaluation.
//! 2. A validation part (`validation_fraction` of the training part, seeded likewise) is held out
//!    of the training part. For every point of the grid (learning rate × weight decay × margin, the
//!    margin only for hinge and EXACT) a model is trained with seed `seeds[0]` on the rest, with
//!    features standardised by statistics of that rest, and scored on the validation part. The
//!    point with the highest validation accuracy wins; ties go to the higher training accuracy,
//!    then to the earlier grid point.
//! 3. With the winning hyper-parameters, one model per seed is trained on the whole training part
//!    (standardised by its own statistics) and scored on the test part. The seeds change the
//!    initial weights and the batch order, not the split (as in the authors' evaluation).
//! 4. The result is the mean and the sample standard deviation (`n − 1`) of the test accuracies.

use std::time::Instant;

use crate::data::{Dataset, Standardizer};
use crate::losses::Loss;
use crate::trainer::{train_model, Hyper, TrainConfig};

/// The hyper-parameter grid searched on the validation split.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Initial learning rates.
    pub learning_rates: Vec<f64>,
    /// Weight-decay coefficients.
    pub weight_decays: Vec<f64>,
    /// Hinge margins (`None` = 1).
    pub hinge_margins: Vec<Option<f64>>,
    /// EXACT clipping margins (`None` = no clipping).
    pub exact_margins: Vec<Option<f64>>,
}

impl Default for Grid {
    fn default() -> Self {
        Grid {
            learning_rates: vec![0.01, 0.1, 1.0],
            weight_decays: vec![0.0, 1e-3, 1e-2],
            hinge_margins: vec![Some(0.1), Some(1.0), Some(5.0)],
            exact_margins: vec![None, Some(1.0), Some(5.0)],
        }
    }
}

impl Grid {
    /// The grid points for `loss`, learning rate varying slowest and margin fastest.
    pub fn points(&self, loss: Loss) -> Vec<Hyper> {
        let margins: Vec<Option<f64>> = match loss {
            Loss::CrossEntropy => vec![None],
            Loss::Hinge => self.hinge_margins.clone(),
            Loss::Exact => self.exact_margins.clone(),
        };
        let mut points = Vec::new();
        for &learning_rate in &self.learning_rates {
            for &weight_decay in &self.weight_decays {
                for &margin in &margins {
                    points.push(Hyper { learning_rate, weight_decay, margin });
                }
            }
        }
        points
    }
}

/// Everything that defines an experiment besides the dataset and the loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// Fraction of the dataset held out for testing (0.2).
    pub test_fraction: f64,
    /// Fraction of the training part held out for the hyper-parameter search (0.2).
    pub validation_fraction: f64,
    /// Seed of the train/test and train/validation permutations.
    pub split_seed: u64,
    /// Seeds of the final runs (five); the first also seeds the search runs.
    pub seeds: Vec<u64>,
    /// The searched grid.
    pub grid: Grid,
    /// The fixed training settings.
    pub train: TrainConfig,
}

impl Default for Protocol {
    fn default() -> Self {
        Protocol {
            test_fraction: 0.2,
            validation_fraction: 0.2,
            split_seed: 0,
            seeds: vec![0, 1, 2, 3, 4],
            grid: Grid::default(),
            train: TrainConfig::default(),
        }
    }
}

impl Protocol {
    /// Checks the protocol before any training.
    pub fn validate(&self) -> Result<(), mvn_orthant::Error> {
        let bad = |name: &str, reason: &str| {
            Err(mvn_orthant::Error::InvalidArgument { name: name.into(), reason: reason.into() })
        };
        for (name, v) in
            [("test_fraction", self.test_fraction), ("validation_fraction", self.validation_fraction)]
        {
            if !(v > 0.0 && v < 1.0) {
                return bad(name, "must lie strictly between 0 and 1");
            }
        }
        if self.seeds.is_empty() {
            return bad("seeds", "at least one seed is needed");
        }
        let g = &self.grid;
        if g.learning_rates.is_empty()
            || g.weight_decays.is_empty()
            || g.hinge_margins.is_empty()
            || g.exact_margins.is_empty()
        {
            return bad("grid", "every list of the grid needs at least one value");
        }
        if g.learning_rates.iter().any(|&v| !(v.is_finite() && v > 0.0)) {
            return bad("grid learning rate", "must be finite and positive");
        }
        if g.weight_decays.iter().any(|&v| !(v.is_finite() && v >= 0.0)) {
            return bad("grid weight decay", "must be finite and non-negative");
        }
        self.train.validate()
    }

    /// Number of epochs that [`run_experiment`] trains for `loss` (search plus final runs), the
    /// `total` reported to its progress callback.
    pub fn total_epochs(&self, loss: Loss) -> usize {
        (self.grid.points(loss).len() + self.seeds.len()) * self.train.epochs
    }
}

/// One point of the search with its scores.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPoint {
    /// The hyper-parameters tried.
    pub hyper: Hyper,
    /// Accuracy on the validation part.
    pub validation_accuracy: f64,
    /// Accuracy on the training part (without the validation part).
    pub train_accuracy: f64,
}

/// The outcome of one dataset × loss experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentResult {
    /// Dataset name.
    pub dataset: String,
    /// The loss trained with.
    pub loss: Loss,
    /// Rows of the training part (validation part included).
    pub train_rows: usize,
    /// Rows of the test part.
    pub test_rows: usize,
    /// The chosen hyper-parameters.
    pub chosen: Hyper,
    /// Every grid point with its validation score, in grid order.
    pub search: Vec<SearchPoint>,
    /// Test accuracy of each final seed (fractions in `[0, 1]`), in seed order.
    pub test_accuracies: Vec<f64>,
    /// Mean test accuracy.
    pub mean: f64,
    /// Sample standard deviation (`n − 1`) of the test accuracies (0 for one seed).
    pub std: f64,
    /// Wall-clock seconds the experiment took.
    pub seconds: f64,
}

/// Standardises `train` by its own statistics and `others` by the same.
fn standardise(train: &Dataset, others: &[&Dataset]) -> (Dataset, Vec<Dataset>) {
    let s = Standardizer::fit(train);
    (s.apply(train), others.iter().map(|d| s.apply(d)).collect())
}

/// Mean and sample standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

/// Runs the protocol (see the module documentation) for one dataset and one loss.
///
/// `progress(done, total)` is called after every epoch of every training run, with `total` the
/// number of epochs of the whole experiment ([`Protocol::total_epochs`]).
pub fn run_experiment(
    dataset: &Dataset,
    loss: Loss,
    protocol: &Protocol,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ExperimentResult, mvn_orthant::Error> {
    protocol.validate()?;
    if dataset.len() < 10 {
        return Err(mvn_orthant::Error::InvalidArgument {
            name: "dataset".into(),
            reason: format!("{} has {} rows; at least 10 are needed to split", dataset.name, dataset.len()),
        });
    }
    let start = Instant::now();
    let total = protocol.total_epochs(loss);
    let mut done = 0;
    let (train_part, test_part) = dataset.split(protocol.test_fraction, protocol.split_seed);
    let (fit_part, val_part) =
        train_part.split(protocol.validation_fraction, protocol.split_seed.wrapping_add(1));

    // Hyper-parameter search on the validation split.
    let (fit_std, rest) = standardise(&fit_part, &[&val_part]);
    let val_std = &rest[0];
    let mut search = Vec::new();
    let mut best: Option<usize> = None;
    for hyper in protocol.grid.points(loss) {
        let trained = train_model(&fit_std, loss, &hyper, &protocol.train, protocol.seeds[0], &mut |_| {
            done += 1;
            progress(done, total);
        });
        let point = SearchPoint {
            hyper,
            validation_accuracy: trained.model.accuracy(&val_std.features, &val_std.labels),
            train_accuracy: trained.model.accuracy(&fit_std.features, &fit_std.labels),
        };
        let better = match best {
            None => true,
            Some(b) => {
                let bp: &SearchPoint = &search[b];
                point.validation_accuracy > bp.validation_accuracy
                    || (point.validation_accuracy == bp.validation_accuracy
                        && point.train_accuracy > bp.train_accuracy)
            }
        };
        search.push(point);
        if better {
            best = Some(search.len() - 1);
        }
    }
    let chosen = search[best.expect("the grid is not empty")].hyper;

    // Final runs on the whole training part, scored on the test part.
    let (train_std, rest) = standardise(&train_part, &[&test_part]);
    let test_std = &rest[0];
    let mut test_accuracies = Vec::with_capacity(protocol.seeds.len());
    for &seed in &protocol.seeds {
        let trained = train_model(&train_std, loss, &chosen, &protocol.train, seed, &mut |_| {
            done += 1;
            progress(done, total);
        });
        test_accuracies.push(trained.model.accuracy(&test_std.features, &test_std.labels));
    }
    let (mean, std) = mean_std(&test_accuracies);
    Ok(ExperimentResult {
        dataset: dataset.name.clone(),
        loss,
        train_rows: train_part.len(),
        test_rows: test_part.len(),
        chosen,
        search,
        test_accuracies,
        mean,
        std,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Runs [`run_experiment`] for every dataset and every loss (datasets outer, losses inner).
///
/// `progress(done, total)` counts epochs over the whole table.
pub fn run_table(
    datasets: &[Dataset],
    losses: &[Loss],
    protocol: &Protocol,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<ExperimentResult>, mvn_orthant::Error> {
    let total: usize = datasets.len() * losses.iter().map(|&l| protocol.total_epochs(l)).sum::<usize>();
    let mut offset = 0;
    let mut results = Vec::new();
    for dataset in datasets {
        for &loss in losses {
            let r = run_experiment(dataset, loss, protocol, &mut |done, _| progress(offset + done, total))?;
            offset += protocol.total_epochs(loss);
            results.push(r);
        }
    }
    Ok(results)
}
