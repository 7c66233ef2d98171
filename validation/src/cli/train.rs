//! `orthant train`: linear classifiers trained with EXACT, cross-entropy and hinge on the tabular
//! datasets, under the protocol of `exact_train` (80/20 split, hyper-parameter search on a
//! validation split, several seeds), written as a markdown table beside the paper's numbers and
//! as CSV.

use exact_train::{csv_table, markdown_table, run_table, Dataset, ExperimentResult, Loss, Protocol};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Default output directory.
pub const DEFAULT_OUT: &str = "target/orthant-train";

/// The datasets `--all` runs, in table order.
pub const DEFAULT_DATASETS: [&str; 3] = ["wine", "breast_cancer", "digits"];

/// What to train.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Dataset names (files `NAME.csv` under `datasets_dir`) or paths to CSV files.
    pub datasets: Vec<String>,
    /// The losses.
    pub losses: Vec<Loss>,
    /// Where `NAME.csv` is looked up.
    pub datasets_dir: PathBuf,
    /// Output directory for `experiments.md` and `experiments.csv`.
    pub out: PathBuf,
    /// Draw a progress bar (epochs) on stderr.
    pub progress: bool,
    /// The protocol (defaults: `Protocol::default()`).
    pub protocol: Protocol,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            datasets: DEFAULT_DATASETS.iter().map(|s| s.to_string()).collect(),
            losses: Loss::ALL.to_vec(),
            datasets_dir: default_datasets_dir(),
            out: PathBuf::from(DEFAULT_OUT),
            progress: io::stderr().is_terminal(),
            protocol: Protocol::default(),
        }
    }
}

/// The `datasets/` folder of the workspace this binary was built from.
pub fn default_datasets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("datasets")
}

/// Why `orthant train` failed.
#[derive(Debug)]
pub enum TrainError {
    /// A dataset could not be loaded (message names the file and the problem).
    Data(String),
    /// The protocol or a training run was rejected.
    Protocol(mvn_orthant::Error),
    /// Writing the outputs failed.
    Io(io::Error),
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainError::Data(m) => write!(f, "{m}"),
            TrainError::Protocol(e) => write!(f, "{e}"),
            TrainError::Io(e) => write!(f, "cannot write the outputs: {e}"),
        }
    }
}

impl std::error::Error for TrainError {}

/// Loads a dataset given by name (looked up as `dir/NAME.csv`) or by path (anything ending in
/// `.csv` or containing a path separator).
///
/// # Errors
///
/// [`TrainError::Data`] with the loader's message.
pub fn load_dataset(name_or_path: &str, dir: &Path) -> Result<Dataset, TrainError> {
    let path = if name_or_path.ends_with(".csv") || name_or_path.contains(std::path::MAIN_SEPARATOR) {
        PathBuf::from(name_or_path)
    } else {
        dir.join(format!("{name_or_path}.csv"))
    };
    Dataset::load(&path).map_err(|e| TrainError::Data(format!("{}: {e}", path.display())))
}

/// Runs the experiments, prints the markdown table to `out`, and writes `experiments.md` and
/// `experiments.csv` to the output directory.
///
/// # Errors
///
/// A dataset that cannot be loaded, a rejected protocol, or an output that cannot be written.
pub fn run(options: &TrainOptions, out: &mut dyn Write) -> Result<Vec<ExperimentResult>, TrainError> {
    let datasets = options
        .datasets
        .iter()
        .map(|d| load_dataset(d, &options.datasets_dir))
        .collect::<Result<Vec<_>, _>>()?;
    let bar = if options.progress {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} epochs")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let results = run_table(&datasets, &options.losses, &options.protocol, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .map_err(TrainError::Protocol)?;
    bar.finish_and_clear();
    let markdown = markdown_table(&results);
    writeln!(out, "{markdown}").map_err(TrainError::Io)?;
    for r in &results {
        writeln!(
            out,
            "{} / {}: {:.2} ± {:.2} % over {} seeds ({:.1} s)",
            r.dataset,
            r.loss,
            100.0 * r.mean,
            100.0 * r.std,
            r.test_accuracies.len(),
            r.seconds
        )
        .map_err(TrainError::Io)?;
    }
    std::fs::create_dir_all(&options.out).map_err(TrainError::Io)?;
    std::fs::write(options.out.join("experiments.md"), &markdown).map_err(TrainError::Io)?;
    std::fs::write(options.out.join("experiments.csv"), csv_table(&results)).map_err(TrainError::Io)?;
    writeln!(out, "wrote {}/experiments.md and experiments.csv", options.out.display())
        .map_err(TrainError::Io)?;
    Ok(results)
}
