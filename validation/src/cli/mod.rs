//! The logic of the `orthant` command-line tool, kept in the library so it can be tested.
//!
//! * [`eval`]: `orthant eval [FILE|-]`, rectangle probabilities from JSON Lines.
//! * [`exact`]: `orthant exact [FILE|-]`, the EXACT expected accuracy from JSON Lines.
//! * [`report`]: `orthant report [--out DIR]`, the validation report on the built-in suite.
//! * [`export`]: `orthant suite [--out FILE]`, the reference suite as JSON Lines.
//! * [`validate`]: `orthant validate --command CMD`, an external integrator scored on the suite.
//! * [`property`]: `orthant validate --command CMD --property N`, random problems and shrinking.
//! * [`tradeoff`]: `orthant tradeoff [--out DIR]`, work-precision curves of the methods.
//! * [`train`]: `orthant train --dataset NAME --loss LOSS [--all]`, the tabular experiments.
//!
//! The two JSON Lines commands share one protocol: one output line per non-blank input line, in
//! the same order; a line that fails gives `{"id": …, "status": "error", "kind": …, "message": …}`
//! on its output line and a message on stderr, and processing goes on; the caller then exits
//! with status 1. [`run_shard_lines`] answers one [`Shard`] `K/N` of the lines (`orthant eval
//! --shard K/N`), so a sweep can be split over processes.

pub mod eval;
pub mod exact;
pub mod export;
mod plot;
pub mod property;
pub mod report;
pub mod tradeoff;
pub mod train;
pub mod validate;

use serde::Serialize;
use serde_json::Value;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

/// A per-line failure: a machine-readable kind and a message.
///
/// Kinds are those of [`mvn_orthant::Error::kind`] plus `"parse-error"` (the line is not valid
/// JSON), `"invalid-input"` (a missing or mistyped field, or an unknown field) and
/// `"not-available"` (a method that is not built yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The machine-readable kind.
    pub kind: String,
    /// The human-readable message.
    pub message: String,
}

impl LineError {
    /// A failure of the given kind.
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        LineError { kind: kind.into(), message: message.into() }
    }
}

impl From<mvn_orthant::Error> for LineError {
    fn from(e: mvn_orthant::Error) -> Self {
        LineError { kind: e.kind().into(), message: e.to_string() }
    }
}

#[derive(Serialize)]
struct ErrorLine<'a> {
    id: &'a Value,
    status: &'static str,
    kind: &'a str,
    message: &'a str,
}

/// Opens `path` for reading, or stdin for `None` or `"-"`.
///
/// # Errors
///
/// When the file cannot be opened.
pub fn open_input(path: Option<&str>) -> io::Result<Box<dyn BufRead>> {
    match path {
        None | Some("-") => Ok(Box::new(BufReader::new(io::stdin()))),
        Some(p) => {
            let f = File::open(p).map_err(|e| io::Error::new(e.kind(), format!("cannot open {p}: {e}")))?;
            Ok(Box::new(BufReader::new(f)))
        }
    }
}

/// Parses a line as JSON and extracts its `id` (null when absent).
pub(crate) fn parse_line(line: &str) -> Result<(Value, Value), (Value, LineError)> {
    match serde_json::from_str::<Value>(line) {
        Ok(v) => {
            let id = v.get("id").cloned().unwrap_or(Value::Null);
            if !v.is_object() {
                return Err((Value::Null, LineError::new("parse-error", "each line must be a JSON object")));
            }
            Ok((id, v))
        }
        Err(e) => Err((Value::Null, LineError::new("parse-error", format!("invalid JSON: {e}")))),
    }
}

/// A share of the input lines for one process of a split sweep: `K/N` with 1 ≤ K ≤ N keeps the
/// non-blank input lines whose 0-based index i (counted over non-blank lines, whatever their
/// content) satisfies i mod N = K − 1. The N shards partition the lines; output line j of shard
/// K answers input line j·N + K − 1, so interleaving the shard outputs round-robin (or sorting
/// by `id`) restores the unsharded output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K − 1, the 0-based shard index.
    index: usize,
    /// N, the number of shards.
    count: usize,
}

impl Shard {
    /// Every line: the shard 1/1.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// The shard K/N (1-based `k`).
    ///
    /// # Errors
    ///
    /// A message unless 1 ≤ k ≤ n.
    pub fn new(k: usize, n: usize) -> Result<Shard, String> {
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard {k}/{n}: need 1 <= K <= N"));
        }
        Ok(Shard { index: k - 1, count: n })
    }

    /// Whether the non-blank line of 0-based index `line` belongs to this shard.
    pub fn contains(&self, line: usize) -> bool {
        line % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `K/N` (decimal integers, 1 ≤ K ≤ N).
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("invalid shard {s:?}: expected K/N with integers 1 <= K <= N, e.g. 2/3");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n).map_err(|_| bad())
    }
}

/// The output line (without its newline) of one non-blank input line: the handler's answer,
/// or the error line `{"id": …, "status": "error", "kind": …, "message": …}` together with the
/// id and the failure.
pub fn answer_or_error_line(
    line: &str,
    handle: &mut dyn FnMut(&Value, Value) -> Result<String, LineError>,
) -> (String, Option<(Value, LineError)>) {
    let result = match parse_line(line) {
        Ok((id, v)) => handle(&id, v).map_err(|e| (id, e)),
        Err(e) => Err(e),
    };
    match result {
        Ok(text) => (text, None),
        Err((id, e)) => {
            let error = ErrorLine { id: &id, status: "error", kind: &e.kind, message: &e.message };
            let text = serde_json::to_string(&error).unwrap_or_else(|_| {
                r#"{"id":null,"status":"error","kind":"internal","message":"unserialisable error"}"#.into()
            });
            (text, Some((id, e)))
        }
    }
}

/// Runs the JSON Lines protocol: for each non-blank input line, `handle` returns the output
/// object (serialised, one line) or a [`LineError`]. Returns the number of failed lines.
///
/// # Errors
///
/// Only I/O errors on the streams.
pub fn run_lines<R: BufRead, W: Write, E: Write>(
    input: R,
    output: W,
    errors: E,
    handle: &mut dyn FnMut(&Value, Value) -> Result<String, LineError>,
) -> io::Result<usize> {
    run_shard_lines(input, output, errors, Shard::ALL, handle)
}

/// [`run_lines`] on the lines of one [`Shard`]: the other non-blank lines are skipped unread
/// (not even parsed), so their failures are reported by the shard that owns them.
///
/// # Errors
///
/// Only I/O errors on the streams.
pub fn run_shard_lines<R: BufRead, W: Write, E: Write>(
    input: R,
    mut output: W,
    mut errors: E,
    shard: Shard,
    handle: &mut dyn FnMut(&Value, Value) -> Result<String, LineError>,
) -> io::Result<usize> {
    let mut failures = 0;
    let mut index = 0;
    for (n, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        index += 1;
        if !shard.contains(index - 1) {
            continue;
        }
        let (text, failure) = answer_or_error_line(&line, handle);
        if let Some((id, e)) = failure {
            failures += 1;
            writeln!(errors, "orthant: line {} (id {}): {}: {}", n + 1, id, e.kind, e.message)?;
        }
        output.write_all(text.as_bytes())?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(failures)
}

/// Answers one line of a JSON Lines command: deserialises the request (a mistyped or unknown
/// field is an `"invalid-input"` error), answers it with `answer` and serialises the output
/// object.
///
/// # Errors
///
/// The [`LineError`] of the deserialisation or of `answer`.
pub fn answer_line<Req, Out>(
    line: Value,
    answer: impl FnOnce(Req) -> Result<Out, LineError>,
) -> Result<String, LineError>
where
    Req: serde::de::DeserializeOwned,
    Out: Serialize,
{
    let output = answer(from_value(line)?)?;
    serde_json::to_string(&output).map_err(|e| LineError::new("internal", e.to_string()))
}

/// Deserialises a request, mapping serde's messages (unknown field, wrong type) to
/// `"invalid-input"` errors.
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, LineError> {
    serde_json::from_value(v).map_err(|e| LineError::new("invalid-input", e.to_string()))
}
