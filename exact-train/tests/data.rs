//! The dataset loader: real files load with the documented shape, malformed files give the
//! documented typed error, and standardisation uses only the data it was fitted on.

use exact_train::{DataError, Dataset, Standardizer};

fn datasets_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets").to_string()
}

fn write_temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("exact-loss-train-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn committed_datasets_have_documented_shapes() {
    for (name, rows, features, classes) in
        [("wine", 178, 13, 3), ("breast_cancer", 569, 30, 2), ("digits", 1797, 64, 10)]
    {
        let d = Dataset::load(format!("{}/{name}.csv", datasets_dir())).unwrap();
        assert_eq!((d.name.as_str(), d.len(), d.n_features, d.n_classes), (name, rows, features, classes));
        assert_eq!(d.features.len(), rows * features);
    }
    // Class counts of wine from datasets/README.md: 59/71/48.
    let wine = Dataset::load(format!("{}/wine.csv", datasets_dir())).unwrap();
    let counts: Vec<usize> = (0..3).map(|c| wine.labels.iter().filter(|&&l| l == c).count()).collect();
    assert_eq!(counts, vec![59, 71, 48]);
}

#[test]
fn malformed_files_give_typed_errors() {
    let cases: Vec<(&str, &str, DataError)> = vec![
        ("empty.csv", "", DataError::Empty { missing: "header" }),
        ("header_only.csv", "x0,x1,label\n", DataError::Empty { missing: "examples" }),
        ("no_label.csv", "x0,x1,class\n1,2,0\n", DataError::BadHeader { header: "x0,x1,class".into() }),
        (
            "columns.csv",
            "x0,x1,label\n1,2,0\n1,2,3,1\n",
            DataError::ColumnCount { line: 3, expected: 3, found: 4 },
        ),
        ("short.csv", "x0,x1,label\n1,2,0\n1,1\n", DataError::ColumnCount { line: 3, expected: 3, found: 2 }),
        (
            "text.csv",
            "x0,x1,label\n1,2,0\n1,abc,1\n",
            DataError::NonNumeric { line: 3, column: 1, value: "abc".into() },
        ),
        (
            "nan.csv",
            "x0,x1,label\nNaN,2,0\n1,2,1\n",
            DataError::NonFinite { line: 2, column: 0, value: "NaN".into() },
        ),
        ("neg_label.csv", "x0,label\n1,0\n2,-1\n", DataError::InvalidLabel { line: 3, value: "-1".into() }),
        (
            "frac_label.csv",
            "x0,label\n1,0\n2,1.5\n",
            DataError::InvalidLabel { line: 3, value: "1.5".into() },
        ),
        ("word_label.csv", "x0,label\n1,cat\n", DataError::InvalidLabel { line: 2, value: "cat".into() }),
        ("gap.csv", "x0,label\n1,0\n2,2\n", DataError::MissingClass { class: 1, classes: 3 }),
        ("one_class.csv", "x0,label\n1,0\n2,0\n", DataError::MissingClass { class: 1, classes: 1 }),
    ];
    for (file, text, expected) in cases {
        let path = write_temp(file, text);
        let err = Dataset::load(&path).expect_err(file);
        assert_eq!(err, expected, "{file}");
        assert!(!err.to_string().is_empty());
    }
    let missing = Dataset::load("/nonexistent/dir/nothing.csv").unwrap_err();
    assert!(matches!(missing, DataError::Io { .. }), "{missing:?}");
}

#[test]
fn blank_lines_are_skipped_and_line_numbers_count_them() {
    let d = Dataset::parse("t", "x0,label\n\n1,0\n\n2,1\n").unwrap();
    assert_eq!((d.len(), d.features.clone(), d.labels.clone()), (2, vec![1.0, 2.0], vec![0, 1]));
    let e = Dataset::parse("t", "x0,label\n\n1,0\nx,1\n").unwrap_err();
    assert_eq!(e, DataError::NonNumeric { line: 4, column: 0, value: "x".into() });
    // Whitespace-only lines are blank too; CRLF line ends and quoted fields are CSV.
    let d = Dataset::parse("t", "x0,label\r\n  \r\n\"1.5\", 0\r\n 2 ,\"1\"\r\n").unwrap();
    assert_eq!((d.features.clone(), d.labels.clone()), (vec![1.5, 2.0], vec![0, 1]));
    let e = Dataset::parse("t", "x0,label\n\"1,5\",0\n").unwrap_err();
    assert_eq!(e, DataError::NonNumeric { line: 2, column: 0, value: "1,5".into() });
}

#[test]
fn split_is_a_seeded_partition() {
    let d = Dataset::load(format!("{}/wine.csv", datasets_dir())).unwrap();
    let (train, test) = d.split(0.2, 0);
    assert_eq!((train.len(), test.len()), (142, 36)); // ⌈0.2 · 178⌉ = 36
    let (train2, test2) = d.split(0.2, 0);
    assert_eq!((train.labels.clone(), test.features.clone()), (train2.labels, test2.features));
    let (_, test3) = d.split(0.2, 1);
    assert_ne!(test.features, test3.features);
    // Every row appears exactly once in the union: compare sorted first features and labels.
    let mut all: Vec<(u64, usize)> =
        (0..d.len()).map(|i| (d.row(i)[12].to_bits() ^ d.row(i)[0].to_bits(), d.labels[i])).collect();
    let mut parts: Vec<(u64, usize)> = (0..train.len())
        .map(|i| (train.row(i)[12].to_bits() ^ train.row(i)[0].to_bits(), train.labels[i]))
        .chain(
            (0..test.len()).map(|i| (test.row(i)[12].to_bits() ^ test.row(i)[0].to_bits(), test.labels[i])),
        )
        .collect();
    all.sort();
    parts.sort();
    assert_eq!(all, parts);
}

#[test]
fn standardiser_is_fitted_on_the_training_part_only() {
    let train = Dataset::parse("t", "x0,x1,label\n1,5,0\n3,5,1\n").unwrap();
    let test = Dataset::parse("t", "x0,x1,label\n5,7,0\n0,5,1\n").unwrap();
    let s = Standardizer::fit(&train);
    assert_eq!(s.mean, vec![2.0, 5.0]);
    assert_eq!(s.scale, vec![1.0, 1e-6]); // a constant column gets the floor
    let t = s.apply(&test);
    assert_eq!(t.features, vec![3.0, 2e6, -2.0, 0.0]);
    let tr = s.apply(&train);
    assert_eq!(tr.features, vec![-1.0, 0.0, 1.0, 0.0]);
}
