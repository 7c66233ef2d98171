//! The protocol and the report writers on a small configuration: the progress callback counts
//! every epoch, the search covers the grid, results are reproducible, and the tables carry the
//! paper's numbers beside ours.

use exact_train::{
    csv_table, markdown_table, paper_accuracy, run_experiment, run_table, Dataset, Grid, Loss, Protocol,
    TrainConfig,
};

fn small_protocol() -> Protocol {
    Protocol {
        seeds: vec![0, 1],
        grid: Grid {
            learning_rates: vec![0.1, 1.0],
            weight_decays: vec![0.0],
            hinge_margins: vec![Some(1.0)],
            exact_margins: vec![None, Some(1.0)],
        },
        train: TrainConfig { epochs: 4, batches_per_epoch: 5, batch_size: 64, ..TrainConfig::default() },
        ..Protocol::default()
    }
}

fn wine() -> Dataset {
    Dataset::load(format!("{}/../datasets/wine.csv", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn experiment_searches_the_grid_and_reports_progress() {
    let data = wine();
    let protocol = small_protocol();
    for loss in Loss::ALL {
        let mut calls = Vec::new();
        let r = run_experiment(&data, loss, &protocol, &mut |done, total| calls.push((done, total))).unwrap();
        let total = protocol.total_epochs(loss);
        assert_eq!(total, (protocol.grid.points(loss).len() + 2) * 4);
        assert_eq!(calls, (1..=total).map(|d| (d, total)).collect::<Vec<_>>());
        assert_eq!(r.search.len(), protocol.grid.points(loss).len());
        assert!(r.search.iter().any(|p| p.hyper == r.chosen));
        assert_eq!((r.train_rows, r.test_rows), (142, 36));
        assert_eq!(r.test_accuracies.len(), 2);
        assert!(r.mean > 0.8, "{loss}: {}", r.mean);
        // Same protocol, same numbers.
        let again = run_experiment(&data, loss, &protocol, &mut |_, _| {}).unwrap();
        assert_eq!(again.test_accuracies, r.test_accuracies);
    }
}

#[test]
fn table_writers_show_paper_numbers_and_every_result() {
    let data = wine();
    let protocol = Protocol { seeds: vec![0], ..small_protocol() };
    let mut last = (0, 0);
    let results =
        run_table(&[data], &[Loss::CrossEntropy, Loss::Hinge], &protocol, &mut |d, t| last = (d, t)).unwrap();
    assert_eq!(last.0, last.1);
    let md = markdown_table(&results);
    assert_eq!(md.lines().count(), 2 + results.len());
    assert!(md.contains("| wine | cross-entropy |") && md.contains("| 100.00 |"));
    let csv = csv_table(&results);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + results.len());
    let columns = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == columns));
    // Read back with a CSV reader: every result's mean and per-seed accuracies, to the bit.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mean_column = reader.headers().unwrap().iter().position(|h| h == "mean").unwrap();
    for (record, r) in reader.records().zip(&results) {
        let record = record.unwrap();
        assert_eq!(record[mean_column].parse::<f64>().unwrap(), r.mean);
        let seeds: Vec<f64> = record[columns - 1].split(';').map(|a| a.parse().unwrap()).collect();
        assert_eq!(seeds, r.test_accuracies);
    }
    assert_eq!(paper_accuracy("breast_cancer", Loss::Exact), Some(96.49));
    assert_eq!(paper_accuracy("digits", Loss::Exact), None);
}

#[test]
fn invalid_settings_are_typed_errors() {
    let data = wine();
    let mut p = small_protocol();
    p.seeds.clear();
    assert!(run_experiment(&data, Loss::Hinge, &p, &mut |_, _| {}).is_err());
    let mut p = small_protocol();
    p.train.epochs = 0;
    assert!(run_experiment(&data, Loss::Hinge, &p, &mut |_, _| {}).is_err());
    let mut p = small_protocol();
    p.test_fraction = 1.0;
    assert!(run_experiment(&data, Loss::Hinge, &p, &mut |_, _| {}).is_err());
    assert_eq!("cross-entropy".parse::<Loss>().unwrap(), Loss::CrossEntropy);
    assert_eq!("EXACT".parse::<Loss>().unwrap(), Loss::Exact);
    assert!("svm".parse::<Loss>().is_err());
}
