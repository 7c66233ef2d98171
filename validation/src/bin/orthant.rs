//! The `orthant` command-line tool: rectangle probabilities and the EXACT accuracy from JSON
//! Lines, and the validation report. The logic lives in `validation::cli`.

use clap::{Parser, Subcommand};
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use validation::cli::{
    eval, exact, export, open_input, property, report, run_shard_lines, tradeoff, train, validate, LineError,
    Shard,
};

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
  seed             randomisation seed, used as given (default: derived from --seed and id, below)
  gradient         true to also output the gradient (default false)
  df               degrees of freedom nu > 0 of a multivariate Student t: X = mean + Z/sqrt(W/nu),
                   Z ~ N(0, covariance), W ~ chi2_nu (covariance is then the scale matrix, mean
                   the location); null, "inf" or absent: the normal. auto and exact use the exact
                   t methods (d <= 3, one-factor scale matrices); other methods answer
                   method-not-applicable for finite df
Unknown fields are rejected, so typos do not pass silently.

OUTPUT (one JSON object per input line, same order):
  id, value, log_value, error (absolute error estimate: 0 for exact methods, 99% half-width
  otherwise), method (the algorithm used), evaluations, seconds, converged, and with gradient:
  grad_lower, grad_upper, grad_mean. Non-finite numbers are written as the strings "inf",
  "-inf", "nan" (log_value of a zero probability is "-inf").
A failing line outputs {"id": ..., "status": "error", "kind": ..., "message": ...}, a message
goes to stderr, processing continues, and the exit status is 1.

SEEDS AND SHARDS:
  A line without its own seed uses derive_seed(S, fnv1a_64(id)) (SplitMix64 of the --seed S and
  the FNV-1a hash of the id's UTF-8 bytes; a non-string id hashes its JSON text): a problem's
  random stream depends on S and its id only, not on its position or on the process. With
  --shard K/N only the non-blank lines i (0-based) with i mod N = K-1 are answered, so N
  processes can split a file; interleaving their outputs round-robin (or matching by id) gives
  the unsharded output, every field equal but seconds.
  orthant eval --seed 7 --shard 2/3 problems.jsonl > part2.jsonl

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

const SUITE_HELP: &str = r#"OUTPUT (one JSON object per line, a valid `orthant eval` request plus reference fields):
  id               the case id
  covariance       d rows of d numbers (dense)
  mean             d numbers
  lower, upper     d entries each: a number, "-inf" or "inf"
  reference        P, rounded to a double (mpmath, 40 digits, or a closed form)
  reference_error  the bound used when checking against the reference: the case's tolerance
                   times P (the relative accuracy asked of exact methods; the reference itself is
                   far more accurate); 0 for P = 0
  log_reference    ln P ("-inf" for P = 0), accurate where P underflows
  tags             the category (e.g. "orthant-closed-form", "one-factor-tail", "singular",
                   "near-singular", "rare-event") and the dimension class: "d<=3",
                   "4<=d<=100" or "d>100"
  provenance       where the reference comes from
  df               (Student t cases only, tag "student-t") the degrees of freedom nu
  reference_grad_upper, reference_grad_lower, reference_grad_mean
                   (optional, only where an exact gradient exists: d <= 3 after dropping
                   unbounded coordinates, one-factor covariances) dP/db, dP/da, dP/dmu, d
                   entries each (numbers, "inf"/"-inf" as above)
  gradient_provenance  (with them) how they were computed: our exact gradient (conditioning
                   theorem with the exact d <= 2 formulas, or the one-factor quadrature)
`orthant eval` ignores the reference fields, so `orthant suite | orthant eval -` works.
The d = 1000 lines are about 20 MB each; --max-dim 100 leaves them out.

EXAMPLE:
  orthant suite --max-dim 2 --tag orthant-closed-form | head -1
  {"id":"d2-orthant-rho-0.9","covariance":[[1.0,-0.9],[-0.9,1.0]],"mean":[0.0,0.0],
   "lower":["-inf","-inf"],"upper":[0.0,0.0],"reference":0.0718...,"reference_error":7.1e-14,
   "log_reference":-2.63...,"tags":["orthant-closed-form","d<=3"],"provenance":"..."}"#;

const VALIDATE_HELP: &str = r#"PROTOCOL: CMD is started once (sh -c CMD, its own process group). Each suite problem is written
to its stdin as one `orthant suite` line (ignore the fields you do not need); the next is sent
after the answer. Write one JSON answer line per request to stdout and flush:
  id          the request's id (required)
  value       P in [0, 1] (required)
  error       your absolute error estimate, the half-width of a 99% interval (optional;
              0 claims exactness: then judged against the case's reference_error)
  log_value   ln P (optional)
  seconds     your time for the case (optional; else the wall time from request to answer)
  method      a label for the report (optional)
  grad_upper, grad_lower, grad_mean   dP/db, dP/da, dP/dmu (optional, d numbers each; scored
              against the case's reference gradient where it has one, see GRADIENTS)
A request with df is a multivariate Student t (see orthant eval --help); answer it, or decline it
with kind "method-not-applicable". Other fields are ignored; stderr is free for logging. {"id":..,"status":"error","kind":..,
"message":..} records an error ("method-not-applicable": n/a, which does not fail the run).
Example exchange:
  request  {"id":"d2-orthant-rho0.5","covariance":[[1.0,0.5],[0.5,1.0]],"mean":[0.0,0.0],
            "lower":["-inf","-inf"],"upper":[0.0,0.0],"reference":0.333...,...}
  answer   {"id":"d2-orthant-rho0.5","value":0.33334,"error":2.1e-5,"seconds":0.003}
Adapters to copy: validation/adapters/template.py (dependency-free Python),
scipy_adapter.py (SciPy) and mvtnorm_adapter.R (R mvtnorm); docs/validation.md, "Validate your
integrator in five minutes" and "SciPy and mvtnorm, validated".

ROBUSTNESS: a crash or a hang (no answer within --timeout) is recorded for its case and the
command restarted for the next; a garbage line, a missing or unexpected id, a NaN value, a value
outside [0, 1] or a malformed field is recorded for its case; a duplicate answer is recorded.
After 3 cases lost in a row to crashes or hangs the rest are recorded as not run.

VERDICT: exit 0 when every case is answered (or declared n/a), no protocol violation was seen,
error-0 answers are within reference_error, and answers with a positive error (or none) miss the
reference no more often than a 99% interval allows: misses <= the 99.9% quantile of
Binomial(n, 0.01) (n = 10: 2, n = 100: 5, ...). An answer without `error` is covered when
|value - reference| <= max(abs_tol, rel_tol * reference). Otherwise exit 1; exit 2 on a usage or
I/O error. The table, report.csv, report.json and the SVG plots are written as by `orthant report`,
with the methods of --compare beside the integrator.

GRADIENTS: where an answer has grad_* and the case reference_grad_* (exact gradients: d <= 3
after dropping unbounded coordinates, one-factor covariances), the gradient error is
max |g - g_ref| / max |g_ref| over the components of the vectors given in both; reported per case
(grad_rel_error in report.csv/json) and summarised (gradients scored, worst error). --compare
methods are run for their gradients on those cases and scored alike. Without --grad-tol gradient
errors do not change the exit status; with --grad-tol T any scored gradient error above T exits 1.

PROPERTY MODE (--property N [--seed S] [--max-dim D, default 5]): N random problems (random,
equicorrelated, one-factor, low-rank and near-singular correlations, means, finite and infinite
limits; the same seed gives the same problems) instead of the suite, requests without reference
fields. References: exact where possible, else genz at abs_tol 1e-9 (its error is added to the
allowance). A problem fails on no valid answer or |value - reference| > 2 x the reported error
(1e-9 relative for error 0; max(abs_tol, rel_tol * reference) without one). The first failure is
shrunk while it persists (drop a coordinate, zero or halve correlations, zero the mean, infinite
or rounded limits), printed as an `orthant eval` line and written to DIR/counterexample.jsonl
with the answer and the reference; exit 1. Exit 0 when no problem fails.

EXAMPLES:
  orthant validate --command "python3 my_integrator.py" --name mine --max-dim 10
  orthant validate --command "python3 my_integrator.py" --property 200 --seed 1
  orthant validate --command "orthant eval -" --name ours --tag d<=3 --compare auto,genz
  orthant validate --results answers.jsonl --name cluster-run"#;

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
        /// The sweep seed S: a line without `seed` uses derive_seed(S, fnv1a_64(id)).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Answer only the non-blank lines i (0-based) with i mod N = K-1 (1 <= K <= N).
        #[arg(long, value_name = "K/N")]
        shard: Option<Shard>,
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
    /// The reference suite as JSON Lines (eval requests with references), for any harness.
    #[command(after_help = SUITE_HELP)]
    Suite {
        /// Output file (default stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only cases of dimension at most this.
        #[arg(long)]
        max_dim: Option<usize>,
        /// Only cases with this tag (a category or "d<=3", "4<=d<=100", "d>100").
        #[arg(long)]
        tag: Option<String>,
    },
    /// Score an external integrator (any language, JSON Lines over stdin/stdout) on the suite.
    #[command(after_help = VALIDATE_HELP)]
    Validate {
        /// The integrator's command line, run with `sh -c`.
        #[arg(long, required_unless_present = "results", conflicts_with = "results")]
        command: Option<String>,
        /// Score a JSON Lines file of answers computed elsewhere instead of running a command.
        #[arg(long)]
        results: Option<PathBuf>,
        /// The integrator's name in the report.
        #[arg(long, default_value = "external")]
        name: String,
        /// `builtin` or an `orthant suite` file.
        #[arg(long, default_value = "builtin")]
        suite: String,
        /// Output directory of the report files.
        #[arg(long, default_value = validate::DEFAULT_OUT)]
        out: PathBuf,
        /// Seconds to wait for each answer before killing and restarting the command.
        #[arg(long, default_value_t = validate::DEFAULT_TIMEOUT)]
        timeout: f64,
        /// Only cases of dimension at most this [default: 100; with --property: 5] (d = 1000
        /// requests are about 20 MB each).
        #[arg(long)]
        max_dim: Option<usize>,
        /// Property mode: N random problems instead of the suite, the first failure shrunk to a
        /// minimal one (DIR/counterexample.jsonl).
        #[arg(long, value_name = "N", conflicts_with = "results")]
        property: Option<usize>,
        /// The seed of the property mode's draws.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Only cases with this tag.
        #[arg(long)]
        tag: Option<String>,
        /// Our methods to run beside it, comma-separated (auto, exact, genz, ...); default none.
        #[arg(long, value_delimiter = ',')]
        compare: Vec<String>,
        /// Absolute accuracy asked of answers without an `error` field.
        #[arg(long, default_value_t = validate::DEFAULT_ABS_TOL)]
        abs_tol: f64,
        /// Relative accuracy asked of answers without an `error` field.
        #[arg(long, default_value_t = validate::DEFAULT_REL_TOL)]
        rel_tol: f64,
        /// Fail (exit 1) when a scored gradient error exceeds T (default: report only).
        #[arg(long, value_name = "T")]
        grad_tol: Option<f64>,
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
    shard: Shard,
    handle_line: &mut dyn FnMut(&serde_json::Value, serde_json::Value) -> Result<String, LineError>,
) -> ExitCode {
    let input = match open_input(file) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("orthant: {e}");
            return ExitCode::from(2);
        }
    };
    match run_shard_lines(input, io::stdout().lock(), io::stderr(), shard, handle_line) {
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

fn suite_command(out: Option<PathBuf>, max_dim: Option<usize>, tag: Option<&str>) -> ExitCode {
    let result = match &out {
        None => export::run(max_dim, tag, &mut io::stdout().lock()),
        Some(path) => std::fs::File::create(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))
            .and_then(|f| export::run(max_dim, tag, &mut io::BufWriter::new(f))),
    };
    match result {
        Ok(n) => {
            if let Some(path) = out {
                eprintln!("orthant suite: wrote {n} cases to {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("orthant suite: {e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Eval { file, seed, shard } => {
            lines_command(file.as_deref(), shard.unwrap_or(Shard::ALL), &mut |id, line| {
                eval::handle_line(id, line, seed)
            })
        }
        Command::Exact { file } => lines_command(file.as_deref(), Shard::ALL, &mut exact::handle_line),
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
        Command::Suite { out, max_dim, tag } => suite_command(out, max_dim, tag.as_deref()),
        Command::Validate {
            command,
            results,
            name,
            suite,
            out,
            timeout,
            max_dim,
            property,
            seed,
            tag,
            compare,
            abs_tol,
            rel_tol,
            grad_tol,
        } => {
            let Ok(timeout) = std::time::Duration::try_from_secs_f64(timeout) else {
                eprintln!("orthant validate: --timeout must be a positive number of seconds");
                return ExitCode::from(2);
            };
            if timeout.is_zero() {
                eprintln!("orthant validate: --timeout must be a positive number of seconds");
                return ExitCode::from(2);
            }
            if !(abs_tol >= 0.0 && rel_tol >= 0.0 && abs_tol.is_finite() && rel_tol.is_finite()) {
                eprintln!("orthant validate: --abs-tol and --rel-tol must be finite and >= 0");
                return ExitCode::from(2);
            }
            if let (Some(n), Some(command)) = (property, &command) {
                let options = property::PropertyOptions {
                    command: command.clone(),
                    name,
                    problems: n,
                    seed,
                    max_dim: max_dim.unwrap_or(property::DEFAULT_MAX_DIM).max(1),
                    timeout: timeout.max(std::time::Duration::from_millis(1)),
                    out,
                    asked: validation::harness::AccuracyAsked { abs_tol, rel_tol },
                };
                let mut stdout = io::stdout().lock();
                return match property::run(&options, &mut stdout) {
                    Ok(outcome) if outcome.failures == 0 => ExitCode::SUCCESS,
                    Ok(_) => ExitCode::from(1),
                    Err(e) => {
                        let _ = stdout.flush();
                        eprintln!("orthant validate --property: {e}");
                        ExitCode::from(2)
                    }
                };
            }
            let source = match (command, results) {
                (Some(c), _) => validate::Source::Command(c),
                (None, Some(r)) => validate::Source::Results(r),
                (None, None) => {
                    eprintln!("orthant validate: give --command CMD or --results FILE");
                    return ExitCode::from(2);
                }
            };
            if grad_tol.is_some_and(|t| t.is_nan() || t < 0.0) {
                eprintln!("orthant validate: --grad-tol must be >= 0");
                return ExitCode::from(2);
            }
            let compare = match compare.iter().map(|m| m.parse()).collect::<Result<Vec<_>, _>>() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("orthant validate: --compare: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut options = validate::ValidateOptions::new(source);
            options.name = name;
            options.suite = (suite != "builtin").then(|| PathBuf::from(suite));
            options.out = out;
            options.timeout = timeout;
            options.max_dim = Some(max_dim.unwrap_or(validate::DEFAULT_MAX_DIM));
            options.tag = tag;
            options.compare = compare;
            options.asked = validation::harness::AccuracyAsked { abs_tol, rel_tol };
            options.grad_tol = grad_tol;
            let mut stdout = io::stdout().lock();
            match validate::run(&options, &mut stdout) {
                Ok(outcome) if outcome.passed() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::from(1),
                Err(e) => {
                    let _ = stdout.flush();
                    eprintln!("orthant validate: {e}");
                    ExitCode::from(2)
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
