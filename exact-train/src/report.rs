//! Markdown and CSV renderings of experiment results, beside the paper's Table 1.

use std::fmt::Write as _;

use crate::losses::Loss;
use crate::protocol::ExperimentResult;

/// Test accuracy in percent reported in Table 1 of the EXACT paper (Karpukhin, Dereka, Kolesnikov,
/// arXiv 2205.09615) for the datasets we share with it: wine and breast cancer (Wisconsin
/// diagnostic). `None` for any other dataset.
pub fn paper_accuracy(dataset: &str, loss: Loss) -> Option<f64> {
    match (dataset, loss) {
        ("wine", Loss::CrossEntropy | Loss::Hinge | Loss::Exact) => Some(100.0),
        ("breast_cancer", Loss::CrossEntropy) => Some(95.61),
        ("breast_cancer", Loss::Hinge) => Some(97.37),
        ("breast_cancer", Loss::Exact) => Some(96.49),
        _ => None,
    }
}

fn margin_text(r: &ExperimentResult) -> String {
    match (r.loss, r.chosen.margin) {
        (Loss::CrossEntropy, _) => "–".into(),
        (Loss::Hinge, None) => "1".into(),
        (Loss::Exact, None) => "none".into(),
        (_, Some(m)) => format!("{m}"),
    }
}

/// A markdown table: one row per result with mean ± std test accuracy (percent), the paper's value
/// where there is one and the difference, the chosen hyper-parameters, and the time.
pub fn markdown_table(results: &[ExperimentResult]) -> String {
    let mut s = String::new();
    s.push_str(
        "| dataset | loss | test accuracy % (mean ± std) | paper % | ours − paper (pp) | lr | weight decay | margin | test rows | seconds |\n",
    );
    s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for r in results {
        let paper = paper_accuracy(&r.dataset, r.loss);
        let (paper_text, diff_text) = match paper {
            Some(p) => (format!("{p:.2}"), format!("{:+.2}", 100.0 * r.mean - p)),
            None => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} ± {:.2} | {} | {} | {} | {} | {} | {} | {:.1} |",
            r.dataset,
            r.loss,
            100.0 * r.mean,
            100.0 * r.std,
            paper_text,
            diff_text,
            r.chosen.learning_rate,
            r.chosen.weight_decay,
            margin_text(r),
            r.test_rows,
            r.seconds
        );
    }
    s
}

/// CSV with a header (written with the `csv` crate); accuracies as fractions, one column per
/// seed's test accuracy joined by `;`.
pub fn csv_table(results: &[ExperimentResult]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "dataset",
        "loss",
        "mean",
        "std",
        "paper",
        "learning_rate",
        "weight_decay",
        "margin",
        "train_rows",
        "test_rows",
        "seconds",
        "test_accuracies",
    ];
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for r in results {
        let paper = paper_accuracy(&r.dataset, r.loss).map(|p| format!("{}", p / 100.0)).unwrap_or_default();
        let margin = r.chosen.margin.map(|m| m.to_string()).unwrap_or_default();
        let seeds: Vec<String> = r.test_accuracies.iter().map(|a| format!("{a}")).collect();
        let _ = w.write_record([
            r.dataset.clone(),
            r.loss.to_string(),
            r.mean.to_string(),
            r.std.to_string(),
            paper,
            r.chosen.learning_rate.to_string(),
            r.chosen.weight_decay.to_string(),
            margin,
            r.train_rows.to_string(),
            r.test_rows.to_string(),
            format!("{:.3}", r.seconds),
            seeds.join(";"),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
