//! # exact-train
//!
//! Training linear classifiers on tabular data with EXACT, cross-entropy and hinge, and the
//! evaluation protocol that compares them with Table 1 of the EXACT paper (Karpukhin, Dereka,
//! Kolesnikov, "EXACT: How to Train Your Accuracy", arXiv 2205.09615).
//!
//! * [`data`]: the CSV loader ([`Dataset::load`]) with typed [`DataError`]s, splits, standardisation.
//! * [`model`]: the linear model `μ = W x + b`.
//! * [`optimizer`]: momentum SGD with weight decay on the weights and an exponential LR decay.
//! * [`losses`]: cross-entropy, multi-class hinge and the EXACT batch objective (`exact-loss`'s
//!   `ExactLoss`, whose module docs fix the one batch standard-deviation convention), with
//!   gradients.
//! * [`trainer`]: the training loop (σ schedule and gradient normaliser for EXACT).
//! * [`protocol`]: split, hyper-parameter search on a validation split, several seeds.
//! * [`report`]: markdown and CSV tables beside the paper's numbers.
//!
//! ```
//! use exact_train::{run_experiment, Dataset, Loss, Protocol, TrainConfig, Grid};
//! // Two well separated blobs in two dimensions.
//! let mut text = String::from("x0,x1,label\n");
//! for i in 0..40 {
//!     let t = i as f64 / 40.0;
//!     text += &format!("{},{},0\n{},{},1\n", -2.0 + t, t, 2.0 - t, -t);
//! }
//! let data = Dataset::parse("blobs", &text).unwrap();
//! let protocol = Protocol {
//!     seeds: vec![0, 1],
//!     grid: Grid { learning_rates: vec![0.1], weight_decays: vec![0.0], ..Grid::default() },
//!     train: TrainConfig { epochs: 4, batches_per_epoch: 5, batch_size: 32, ..TrainConfig::default() },
//!     ..Protocol::default()
//! };
//! let result = run_experiment(&data, Loss::CrossEntropy, &protocol, &mut |_, _| {}).unwrap();
//! assert!(result.mean > 0.9);
//! ```

pub mod data;
pub mod losses;
pub mod model;
pub mod optimizer;
pub mod protocol;
pub mod report;
pub mod trainer;

pub use data::{DataError, Dataset, Standardizer};
pub use losses::{ExactBackend, Loss};
pub use model::LinearModel;
pub use protocol::{run_experiment, run_table, ExperimentResult, Grid, Protocol, SearchPoint};
pub use report::{csv_table, markdown_table, paper_accuracy};
pub use trainer::{train_model, EpochRecord, Hyper, TrainConfig, Trained};
