//! Regenerates the table of `docs/experiments.md`: every dataset of `datasets/` × the three losses
//! under the default protocol, printed as markdown (stdout) and written as CSV.
//!
//! ```text
//! cargo run -p exact-train --release --example table -- [DATASET ...] [--loss NAME] [--batches N]
//!     [--epochs N] [--split-seed N] [--csv PATH]
//! ```
//!
//! Without dataset names it runs wine, breast_cancer and digits.

use std::time::Instant;

use exact_train::{csv_table, markdown_table, run_experiment, Dataset, Loss, Protocol};

fn main() {
    let mut names = Vec::new();
    let mut protocol = Protocol::default();
    let mut csv_path = String::from("experiments.csv");
    let mut losses: Vec<Loss> = Loss::ALL.to_vec();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--batches" => {
                protocol.train.batches_per_epoch = args.next().expect("N").parse().expect("integer")
            }
            "--epochs" => protocol.train.epochs = args.next().expect("N").parse().expect("integer"),
            "--csv" => csv_path = args.next().expect("PATH"),
            "--split-seed" => protocol.split_seed = args.next().expect("N").parse().expect("integer"),
            "--loss" => losses = vec![args.next().expect("LOSS").parse().expect("loss name")],
            _ => names.push(a),
        }
    }
    if names.is_empty() {
        names = vec!["wine".into(), "breast_cancer".into(), "digits".into()];
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets");
    let start = Instant::now();
    let mut results = Vec::new();
    for name in &names {
        let data = Dataset::load(format!("{root}/{name}.csv")).unwrap_or_else(|e| panic!("{e}"));
        for &loss in &losses {
            let r = run_experiment(&data, loss, &protocol, &mut |_, _| {}).unwrap_or_else(|e| panic!("{e}"));
            eprintln!(
                "{name} {loss}: {:.2} ± {:.2} % (lr {}, wd {}, margin {:?}) in {:.1} s; seeds {:?}",
                100.0 * r.mean,
                100.0 * r.std,
                r.chosen.learning_rate,
                r.chosen.weight_decay,
                r.chosen.margin,
                r.seconds,
                r.test_accuracies
            );
            results.push(r);
        }
    }
    println!("{}", markdown_table(&results));
    println!("total: {:.1} s", start.elapsed().as_secs_f64());
    std::fs::write(&csv_path, csv_table(&results)).expect("write CSV");
}
