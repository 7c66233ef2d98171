//! `orthant train`: runs, writes its tables, and fails cleanly on bad input.

use std::process::Command;

fn orthant() -> Command {
    Command::new(env!("CARGO_BIN_EXE_orthant"))
}

#[test]
fn trains_wine_with_cross_entropy_and_writes_the_tables() {
    let out = std::env::temp_dir().join(format!("orthant-train-test-{}", std::process::id()));
    let result = orthant()
        .args([
            "train",
            "--dataset",
            "wine",
            "--loss",
            "cross-entropy",
            "--seeds",
            "2",
            "--no-progress",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let stdout = String::from_utf8(result.stdout).unwrap();
    assert!(stdout.contains("| wine | cross-entropy |"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("experiments.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    // Accuracy far above chance (1/3) on wine.
    let md = std::fs::read_to_string(out.join("experiments.md")).unwrap();
    let row = md.lines().find(|l| l.starts_with("| wine")).unwrap();
    let accuracy: f64 = row.split('|').nth(3).unwrap().split('±').next().unwrap().trim().parse().unwrap();
    assert!(accuracy > 85.0, "{row}");
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn bad_dataset_and_loss_are_clear_errors() {
    let r = orthant().args(["train", "--dataset", "no-such-set", "--no-progress"]).output().unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no-such-set.csv"));
    let r = orthant().args(["train", "--dataset", "wine", "--loss", "squared"]).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("not one of exact, cross-entropy, hinge"));
    let r = orthant().args(["train"]).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
}
