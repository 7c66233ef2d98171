//! Tabular datasets: a CSV loader (on the `csv` crate), train/test splits and feature standardisation.
//!
//! The file format is the one of `datasets/*.csv`: a header `x0,…,x{n−1},label`, then one example
//! per line, `n` real features and the class as an integer `0 … C−1`. Every class from `0` to the
//! largest label must occur at least once. Blank lines are skipped. The loader reports the first
//! problem it meets as a [`DataError`] that names the line (one-based, the header is line 1) and
//! the column (zero-based).

use std::fmt;
use std::path::Path;

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// What can be wrong with a dataset file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be read.
    Io {
        /// The path that was opened.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The file has no header, or a header but no example.
    Empty {
        /// What is missing (`"header"` or `"examples"`).
        missing: &'static str,
    },
    /// The header does not end with a column named `label`, or has no feature column.
    BadHeader {
        /// The header line as read.
        header: String,
    },
    /// A line has a different number of comma-separated fields from the header.
    ColumnCount {
        /// One-based line number.
        line: usize,
        /// Number of columns in the header.
        expected: usize,
        /// Number of fields on this line.
        found: usize,
    },
    /// A feature field is not a number.
    NonNumeric {
        /// One-based line number.
        line: usize,
        /// Zero-based column.
        column: usize,
        /// The field as written.
        value: String,
    },
    /// A feature is NaN or infinite.
    NonFinite {
        /// One-based line number.
        line: usize,
        /// Zero-based column.
        column: usize,
        /// The field as written.
        value: String,
    },
    /// A label is not a non-negative integer.
    InvalidLabel {
        /// One-based line number.
        line: usize,
        /// The field as written.
        value: String,
    },
    /// The CSV reader rejected the text (e.g. an unterminated quoted field).
    Malformed {
        /// One-based line number where the reader stopped.
        line: usize,
        /// The reader's message.
        message: String,
    },
    /// A class between 0 and the largest label never occurs, or there is only one class.
    MissingClass {
        /// The class that never occurs (or 1 when the file has a single class).
        class: usize,
        /// The number of classes implied by the largest label.
        classes: usize,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Io { path, message } => write!(f, "cannot read dataset {path}: {message}"),
            DataError::Empty { missing } => write!(f, "the dataset file has no {missing}"),
            DataError::BadHeader { header } => write!(
                f,
                "the header `{header}` must name at least one feature column and end with a column `label`"
            ),
            DataError::ColumnCount { line, expected, found } => {
                write!(f, "line {line} has {found} fields, but the header has {expected} columns")
            }
            DataError::NonNumeric { line, column, value } => {
                write!(f, "line {line}, column {column}: `{value}` is not a number")
            }
            DataError::NonFinite { line, column, value } => {
                write!(f, "line {line}, column {column}: `{value}` is not a finite number")
            }
            DataError::InvalidLabel { line, value } => {
                write!(f, "line {line}: label `{value}` is not a class index (an integer 0, 1, 2, …)")
            }
            DataError::Malformed { line, message } => write!(f, "line {line}: malformed CSV: {message}"),
            DataError::MissingClass { class, classes } => {
                if *classes < 2 {
                    write!(f, "the dataset has a single class; at least two are needed")
                } else {
                    write!(f, "class {class} never occurs, but the largest label implies {classes} classes")
                }
            }
        }
    }
}

impl std::error::Error for DataError {}

/// A labelled dataset: `n` examples with `f` real features each and a class in `0 … C−1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// A short name (the file stem when loaded from a file).
    pub name: String,
    /// Features, row-major, `n × f`.
    pub features: Vec<f64>,
    /// Class of each example.
    pub labels: Vec<usize>,
    /// Number of features `f`.
    pub n_features: usize,
    /// Number of classes `C`.
    pub n_classes: usize,
}

impl Dataset {
    /// Reads a dataset file (see the module documentation for the format); the name is the file
    /// stem (`wine` for `datasets/wine.csv`).
    pub fn load(path: impl AsRef<Path>) -> Result<Dataset, DataError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| DataError::Io { path: path.display().to_string(), message: e.to_string() })?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Dataset::parse(&name, &text)
    }

    /// Parses the text of a dataset file (read with the `csv` crate: quoted fields are allowed,
    /// fields are trimmed, blank lines skipped).
    pub fn parse(name: &str, text: &str) -> Result<Dataset, DataError> {
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut records = reader.records().filter(|r| match r {
            Ok(record) => !record.iter().all(|f| f.trim().is_empty()),
            Err(_) => true,
        });
        let line_of = |record: &csv::StringRecord| record.position().map_or(0, |p| p.line() as usize);
        let malformed = |e: csv::Error| DataError::Malformed {
            line: e.position().map_or(0, |p| p.line() as usize),
            message: e.to_string(),
        };
        let header = records.next().ok_or(DataError::Empty { missing: "header" })?.map_err(malformed)?;
        let columns: Vec<&str> = header.iter().map(str::trim).collect();
        if columns.len() < 2 || columns[columns.len() - 1] != "label" {
            return Err(DataError::BadHeader { header: header.iter().collect::<Vec<_>>().join(",") });
        }
        let n_features = columns.len() - 1;
        let mut features = Vec::new();
        let mut labels = Vec::new();
        for record in records {
            let record = record.map_err(malformed)?;
            let line_no = line_of(&record);
            let fields: Vec<&str> = record.iter().map(str::trim).collect();
            if fields.len() != columns.len() {
                return Err(DataError::ColumnCount {
                    line: line_no,
                    expected: columns.len(),
                    found: fields.len(),
                });
            }
            for (column, field) in fields[..n_features].iter().enumerate() {
                let value: f64 = field.parse().map_err(|_| DataError::NonNumeric {
                    line: line_no,
                    column,
                    value: field.to_string(),
                })?;
                if !value.is_finite() {
                    return Err(DataError::NonFinite { line: line_no, column, value: field.to_string() });
                }
                features.push(value);
            }
            let label_field = fields[n_features];
            let label: usize = label_field
                .parse()
                .map_err(|_| DataError::InvalidLabel { line: line_no, value: label_field.to_string() })?;
            labels.push(label);
        }
        if labels.is_empty() {
            return Err(DataError::Empty { missing: "examples" });
        }
        let n_classes = labels.iter().max().map_or(0, |&m| m + 1);
        let mut seen = vec![false; n_classes];
        for &l in &labels {
            seen[l] = true;
        }
        if n_classes < 2 {
            return Err(DataError::MissingClass { class: 1, classes: n_classes });
        }
        if let Some(class) = seen.iter().position(|&s| !s) {
            return Err(DataError::MissingClass { class, classes: n_classes });
        }
        Ok(Dataset { name: name.to_string(), features, labels, n_features, n_classes })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the dataset has no example (never true for a loaded dataset).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The features of example `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.features[i * self.n_features..(i + 1) * self.n_features]
    }

    /// The examples at `indices`, in that order, as a new dataset with the same classes.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut features = Vec::with_capacity(indices.len() * self.n_features);
        for &i in indices {
            features.extend_from_slice(self.row(i));
        }
        Dataset {
            name: self.name.clone(),
            features,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            n_features: self.n_features,
            n_classes: self.n_classes,
        }
    }

    /// Splits into `(rest, held_out)` by a seeded random permutation: `held_out` gets
    /// `⌈fraction · n⌉` examples (as scikit-learn's `train_test_split` sizes its test part), `rest`
    /// the others. The same seed gives the same split.
    pub fn split(&self, fraction: f64, seed: u64) -> (Dataset, Dataset) {
        let n = self.len();
        let held = ((fraction * n as f64).ceil() as usize).clamp(1, n.saturating_sub(1).max(1));
        let perm = permutation(n, seed);
        let (held_idx, rest_idx) = perm.split_at(held);
        (self.subset(rest_idx), self.subset(held_idx))
    }
}

/// A uniformly random permutation of `0 … n−1` (Fisher–Yates driven by Xoshiro256++ seeded with
/// `seed`).
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut p: Vec<usize> = (0..n).collect();
    shuffle(&mut p, &mut rng);
    p
}

/// Shuffles `items` in place (Fisher–Yates) with the generator `rng`.
pub fn shuffle<R: RngCore>(items: &mut [usize], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = uniform_below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// An integer uniform on `0 … bound−1` (Lemire's multiply-and-reject, no modulo bias).
pub(crate) fn uniform_below<R: RngCore>(rng: &mut R, bound: u64) -> u64 {
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(bound);
        let low = m as u64;
        if low >= bound.wrapping_neg() % bound {
            return (m >> 64) as u64;
        }
    }
}

/// Per-feature standardisation `x ↦ (x − mean) / max(std, 1e−6)`, with the mean and the
/// population standard deviation fitted on one dataset (the training part) and then applied to
/// others, so no statistic of held-out data leaks into training.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Mean of each feature on the fitting data.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature on the fitting data, floored at `1e−6`.
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// Fits the means and standard deviations on `data`.
    pub fn fit(data: &Dataset) -> Standardizer {
        let f = data.n_features;
        let n = data.len().max(1) as f64;
        let mut mean = vec![0.0; f];
        for i in 0..data.len() {
            for (m, x) in mean.iter_mut().zip(data.row(i)) {
                *m += x;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; f];
        for i in 0..data.len() {
            for ((v, x), m) in var.iter_mut().zip(data.row(i)).zip(&mean) {
                *v += (x - m) * (x - m);
            }
        }
        let scale = var.iter().map(|v| (v / n).sqrt().max(1e-6)).collect();
        Standardizer { mean, scale }
    }

    /// Returns a copy of `data` with standardised features.
    pub fn apply(&self, data: &Dataset) -> Dataset {
        let mut out = data.clone();
        for row in out.features.chunks_mut(data.n_features) {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *x = (*x - m) / s;
            }
        }
        out
    }
}
