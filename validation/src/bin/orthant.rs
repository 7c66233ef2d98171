//! The `orthant` command-line tool: rectangle probabilities and the EXACT accuracy from JSON
//! Lines, and the validation report. The logic lives in `validation::cli`.

use clap::{Parser, Subcommand};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use validation::cli::{eval, exact, open_input, report, tradeoff, train};

const EVAL_HELP: &str = r#"INPUT (one JSON object per line; blank lines are skipped):
  id               string, echoed back (optional)
  covariance       array of d rows of d numbers (required); semidefinite matrices are valid
  mean             array of d numbers (default zeros)
  lower, upper     arrays of d entries: a number, null, "-inf" or "inf"; null entries and a
                   missing or null array mean unbounded on that side
  method           "auto" (default), "exact", "genz", "genz-lattice", "tilted", "monte-carlo"
  abs_tol          absolute error target (default 1e-6)
  rel_tol          relative error target (default 0)
  max_evaluations  evaluation budget of stochastic methods (default 10000000)
  seed             randomisation seed (default 0)
  gradient         true to also output the gradient (default false)
Unknown fields are rejected, so typos do not pass silently.

OUTPUT (one JSON object per input line, same order):
  id, value, log_value, error (absolute error estimate: 0 for exact methods, 99% half-width
  otherwise), method (the algorithm used), evaluations, seconds, converged, and with gradient:
  grad_lower, grad_upper, grad_mean. Non-finite numbers are written as the strings "inf",
  "-inf", "nan" (log_value of a zero probability is "-inf").
A failing line outputs {"id": ..., "status": "error", "kind": ..., "message": ...}, a message
goes to stderr, processing continues, and the exit status is 1.

EXAMPLE:
  echo '{"id":"a","covariance":[[1,0.5],[0.5,1]],"upper":[0,0],"method":"monte-carlo","seed":3}' \
    | orthant eval -
  {"id":"a","value":0.33...,"log_value":-1.09...,"error":0.0012...,"method":"monte-carlo",...}"#;

const EXACT_HELP: &str = r#"INPUT (one JSON object per line; blank lines are skipped):
  id        string, echoed back (optional)
  logits    array of C >= 1 finite numbers: the mean scores (required; C = 1 gives A = 1)
  label     the true class, an integer in 0..C (required)
  sigma     the score standard deviation, > 0 (required)
  margin    clip the deltas logit[label] - logit[i] from above at this value (optional, > 0)
  method    "quadrature" (default, exact 1-D quadrature), "genz", "monte-carlo"
  samples   sample count of genz (default 16) / monte-carlo (default 100000)
  seed      seed of genz / monte-carlo (default 0)
Unknown fields are rejected.

OUTPUT (one JSON object per input line, same order):
  id, accuracy (the expected accuracy A = P(s_label > max_other s_i), s ~ N(logits, sigma^2 I)),
  log_error_probability (ln(1 - A), accurate relative to 1 - A even where accuracy prints as 1;
  "-inf" when A = 1 exactly, e.g. for one class), grad_logits (dA/dlogits, length C),
  grad_sigma (dA/dsigma), error (absolute error estimate), method, seconds. Non-finite numbers
  are the strings "inf", "-inf", "nan". Errors as for `orthant eval`. With a margin, clipped
  logits get a zero gradient.

EXAMPLE:
  echo '{"id":"x","logits":[2.0,0.5,-1.0],"label":0,"sigma":1.0}' | orthant exact -"#;

const REPORT_HELP: &str = r#"Runs the built-in reference suite (d = 1 ... 1000: closed forms, mpmath one-factor integrals,
published values, singular and infinite-limit cases) through every method (auto, exact, genz,
monte-carlo, later methods, and this crate's closed forms), prints a summary table and writes
to DIR: report.csv, report.json, error_vs_time.svg, reported_vs_achieved.svg.
A case a method does not apply to is recorded as "n/a". The exit status is 1 when an exact
method disagrees with its reference beyond the case's tolerance or a method fails with an error.

EXAMPLE:
  cargo run --release -p validation --bin orthant -- report --out target/orthant-report"#;

const TRAIN_HELP: &str = r#"Trains linear models (standardised features, momentum SGD, batch 256, LR decaying to 1e-4)
with the chosen losses under the protocol of docs/experiments.md: an 80/20 train/test split with a
fixed seed, a small search over learning rate, weight decay and margin on a validation split of the
training part, then one run per seed scored on the test part. Prints a markdown table beside the
numbers of the EXACT paper (Table 1) and writes DIR/experiments.md and DIR/experiments.csv.

Datasets (CSV with header x0,...,x{n-1},label; see datasets/README.md): wine, breast_cancer, digits.

Examples:
  cargo run --release -p validation --bin orthant -- train --dataset wine --loss exact
  cargo run --release -p validation --bin orthant -- train --all"#;

const TRADEOFF_HELP: &str = r#"Runs genz-sobol, genz-lattice and monte-carlo over a ladder of evaluation budgets (2^10 up to
2^20, fewer in high dimension; abs_tol 1e-15 so the budget binds) on equicorrelated rho = 1/2
orthants (d = 5, 20, 100; exact 1/(d+1)) and random correlation boxes (d = 5, 20; reference from a
long Genz run, its reported error in the CSV), plus the exact one-factor quadrature where it
applies. Writes DIR/tradeoff.csv and DIR/tradeoff.svg (log RMS achieved error over 3 seeds against
log seconds per call, one panel per problem). With --criterion DIR2, also DIR/criterion.csv with the
mean time of every criterion benchmark under DIR2. Takes about a minute or two.

EXAMPLE:
  cargo run --release -p validation --bin orthant -- tradeoff --out target/orthant-tradeoff"#;

/// Gaussian rectangle probabilities, the EXACT expected accuracy, and the validation report.
#[derive(Parser)]
#[command(name = "orthant", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rectangle probabilities P(lower <= X <= upper), X ~ N(mean, covariance), from JSON Lines.
    #[command(after_help = EVAL_HELP)]
    Eval {
        /// Input file of JSON Lines; `-` or nothing reads stdin.
        file: Option<String>,
    },
    /// The EXACT expected accuracy and its gradients, from JSON Lines.
    #[command(after_help = EXACT_HELP)]
    Exact {
        /// Input file of JSON Lines; `-` or nothing reads stdin.
        file: Option<String>,
    },
    /// The validation report on the built-in suite.
    #[command(after_help = REPORT_HELP)]
    Report {
        /// Output directory.
        #[arg(long, default_value = report::DEFAULT_OUT)]
        out: PathBuf,
        /// Only run cases of dimension at most this.
        #[arg(long)]
        max_dim: Option<usize>,
        /// Never show a progress bar (plain output), even on a terminal.
        #[arg(long)]
        no_progress: bool,
    },
    /// Train linear classifiers with EXACT, cross-entropy and hinge on tabular data.
    #[command(after_help = TRAIN_HELP)]
    Train {
        /// Dataset name (`wine`, `breast_cancer`, `digits`: files under datasets/) or a CSV path;
        /// repeat for several.
        #[arg(long = "dataset")]
        datasets: Vec<String>,
        /// Loss: `exact`, `cross-entropy` or `hinge`; repeat for several (default: all three).
        #[arg(long = "loss")]
        losses: Vec<String>,
        /// The whole table: every default dataset with every loss.
        #[arg(long)]
        all: bool,
        /// Where dataset names are looked up.
        #[arg(long)]
        datasets_dir: Option<PathBuf>,
        /// Output directory (experiments.md, experiments.csv).
        #[arg(long, default_value = train::DEFAULT_OUT)]
        out: PathBuf,
        /// Seeds of the final runs (default 5: 0..5).
        #[arg(long)]
        seeds: Option<usize>,
        /// Never show a progress bar, even on a terminal.
        #[arg(long)]
        no_progress: bool,
    },
    /// Work-precision curves: achieved error against time for each method and budget.
    #[command(after_help = TRADEOFF_HELP)]
    Tradeoff {
        /// Output directory.
        #[arg(long, default_value = tradeoff::DEFAULT_OUT)]
        out: PathBuf,
        /// A tiny ladder on d = 5 only (seconds; for tests).
        #[arg(long)]
        quick: bool,
        /// Merge the timings of the criterion benchmarks under this directory (e.g. target/criterion).
        #[arg(long)]
        criterion: Option<PathBuf>,
    },
}

fn lines_command(
    file: Option<&str>,
    run: fn(Box<dyn io::BufRead>, io::StdoutLock<'static>, io::Stderr) -> io::Result<usize>,
) -> ExitCode {
    let input = match open_input(file) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("orthant: {e}");
            return ExitCode::from(2);
        }
    };
    match run(input, io::stdout().lock(), io::stderr()) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(n) => {
            eprintln!("orthant: {n} line(s) failed");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("orthant: {e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Eval { file } => lines_command(file.as_deref(), eval::run),
        Command::Exact { file } => lines_command(file.as_deref(), exact::run),
        Command::Train { datasets, losses, all, datasets_dir, out, seeds, no_progress } => {
            let mut options = train::TrainOptions { out, ..Default::default() };
            if no_progress {
                options.progress = false;
            }
            if let Some(dir) = datasets_dir {
                options.datasets_dir = dir;
            }
            if let Some(n) = seeds {
                options.protocol.seeds = (0..n as u64).collect();
            }
            if !all {
                if datasets.is_empty() {
                    eprintln!("orthant train: give --dataset NAME (repeatable) or --all");
                    return ExitCode::from(2);
                }
                options.datasets = datasets;
            }
            if !losses.is_empty() {
                match losses.iter().map(|l| l.parse()).collect::<Result<Vec<_>, _>>() {
                    Ok(l) => options.losses = l,
                    Err(e) => {
                        eprintln!("orthant train: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            match train::run(&options, &mut io::stdout().lock()) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("orthant train: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Tradeoff { out, quick, criterion } => {
            let options = tradeoff::TradeoffOptions { out, quick, criterion };
            match tradeoff::run(&options, &mut io::stdout().lock()) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("orthant tradeoff: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Report { out, max_dim, no_progress } => {
            let mut options = report::ReportOptions { out, max_dim, ..Default::default() };
            if no_progress {
                options.progress = false;
            }
            let mut stdout = io::stdout().lock();
            match report::run(&options, &mut stdout) {
                Ok(outcome) if outcome.failures.is_empty() => ExitCode::SUCCESS,
                Ok(outcome) => {
                    let _ = stdout.flush();
                    eprintln!("orthant report: FAILED with {} problem(s); see above", outcome.failures.len());
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprintln!("orthant report: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
