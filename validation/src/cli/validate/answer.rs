//! The answer lines of an external integrator: parsing one line ([`parse_answer`]) and reading a
//! results file ([`read_results`]).

use crate::cli::export::SuiteEntry;
use crate::harness::{Answer, GradientVectors, Status};
use crate::json_number::parse_extended_number;
use serde_json::Value;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// An answer or a failure (its status and reason).
pub(crate) type AnswerOutcome = Result<Answer, (Status, String)>;

/// An answer or failure, and the seconds of the case.
pub(super) type CaseOutcome = (AnswerOutcome, f64);

/// One parsed answer line: its id (when it has one) and the answer or why it is malformed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAnswer {
    /// The `id` (`None` when absent).
    pub id: Option<String>,
    /// The answer and its own seconds, or a status and a reason.
    pub outcome: Result<(Answer, Option<f64>), (Status, String)>,
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

pub(super) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn number(v: &Value, what: &str) -> Result<f64, String> {
    match v {
        Value::String(s) if s.eq_ignore_ascii_case("nan") => Ok(f64::NAN),
        _ => parse_extended_number(v, what),
    }
}

/// Parses a line as JSON, also accepting the bare `NaN`, `Infinity` and `-Infinity` that
/// Python's `json.dumps` writes by default.
fn parse_json(line: &str) -> serde_json::Result<Value> {
    serde_json::from_str(line).or_else(|e| {
        let relaxed =
            line.replace("-Infinity", "\"-inf\"").replace("Infinity", "\"inf\"").replace("NaN", "\"nan\"");
        serde_json::from_str(&relaxed).map_err(|_| e)
    })
}

/// Parses one answer line for a case of dimension `dim` (gradients must have this length).
///
/// # Errors
///
/// When the line is not a JSON object (the reason, with the line quoted).
pub fn parse_answer(line: &str, dim: usize, name: &str) -> Result<ParsedAnswer, String> {
    let v: Value =
        parse_json(line).map_err(|e| format!("not a JSON line ({e}): {:?}", truncate(line, 80)))?;
    let Value::Object(map) = &v else {
        return Err(format!("not a JSON object: {:?}", truncate(line, 80)));
    };
    let id = map.get("id").and_then(id_string);
    let outcome = (|| {
        if map.get("status").and_then(Value::as_str) == Some("error") {
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or("error");
            let message = map.get("message").and_then(Value::as_str).unwrap_or("");
            let status = if kind == "method-not-applicable" { Status::NotApplicable } else { Status::Error };
            return Err((status, format!("the integrator reported {kind}: {message}")));
        }
        let bad = |m: String| (Status::Error, format!("malformed answer: {m}"));
        let value =
            number(map.get("value").ok_or_else(|| bad("no `value`".into()))?, "value").map_err(bad)?;
        if value.is_nan() {
            return Err(bad("value is NaN".into()));
        }
        if !(0.0..=1.0).contains(&value) {
            return Err(bad(format!("value {value:e} is not a probability")));
        }
        let opt = |key: &str| -> Result<Option<f64>, (Status, String)> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(x) => number(x, key).map(Some).map_err(bad),
            }
        };
        let error = opt("error")?;
        if let Some(e) = error {
            // An infinite error claims nothing: it is malformed rather than a free pass.
            if !(e.is_finite() && e >= 0.0) {
                return Err(bad(format!("error {e:e} is not a finite number ≥ 0")));
            }
        }
        let log_value = opt("log_value")?.unwrap_or(value.ln());
        if log_value.is_nan() || log_value > 1e-12 {
            return Err(bad(format!("log_value {log_value:e} is not the log of a probability")));
        }
        let seconds = opt("seconds")?;
        if let Some(s) = seconds {
            if !(s.is_finite() && s >= 0.0) {
                return Err(bad(format!("seconds {s:e} is not a time")));
            }
        }
        let mut vectors = [None, None, None];
        for (key, slot) in ["grad_upper", "grad_lower", "grad_mean"].into_iter().zip(&mut vectors) {
            match map.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(a)) if a.len() == dim => {
                    *slot = Some(
                        a.iter()
                            .map(|x| number(x, key))
                            .collect::<Result<Vec<f64>, String>>()
                            .map_err(bad)?,
                    );
                }
                Some(_) => return Err(bad(format!("{key} is not an array of {dim} numbers"))),
            }
        }
        let [upper, lower, mean] = vectors;
        let gradient = GradientVectors { upper, lower, mean };
        let gradient = (!gradient.is_empty()).then_some(gradient);
        let method = map.get("method").and_then(Value::as_str).unwrap_or(name).to_string();
        let evaluations = map.get("evaluations").and_then(Value::as_u64);
        let exact = error == Some(0.0);
        Ok((Answer { value, log_value, error, exact, method, evaluations, gradient }, seconds))
    })();
    Ok(ParsedAnswer { id, outcome })
}

/// Reads a results file: one outcome per entry (missing ids recorded as such), and notes for
/// duplicate lines and lines without an id. Lines for other cases are counted in `ignored`.
pub(super) fn read_results(
    text: &str,
    name: &str,
    entries: &[SuiteEntry],
    ignored: &mut usize,
) -> (Vec<CaseOutcome>, Vec<String>) {
    let dims: HashMap<&str, usize> = entries.iter().map(|e| (e.case.id.as_str(), e.case.dim)).collect();
    let mut answers: HashMap<String, CaseOutcome> = HashMap::new();
    let mut notes = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let first = parse_json(line).ok();
        let id = first.as_ref().and_then(|v| v.get("id")).and_then(id_string);
        let Some(id) = id else {
            notes.push(format!("results line {}: no `id` (or not JSON): {:?}", n + 1, truncate(line, 80)));
            continue;
        };
        let Some(&dim) = dims.get(id.as_str()) else {
            // An answer for a case not selected (--max-dim, --tag) or not in the suite: the
            // selected cases it should have answered are recorded as missing anyway.
            *ignored += 1;
            continue;
        };
        let outcome = match parse_answer(line, dim, name) {
            Ok(p) => match p.outcome {
                Ok((a, s)) => (Ok(a), s.unwrap_or(0.0)),
                Err(e) => (Err(e), 0.0),
            },
            Err(reason) => (Err((Status::Error, format!("garbage answer: {reason}"))), 0.0),
        };
        match answers.entry(id) {
            Entry::Occupied(e) => notes.push(format!(
                "results line {}: a duplicate answer for {:?} (the first is kept)",
                n + 1,
                e.key()
            )),
            Entry::Vacant(e) => {
                e.insert(outcome);
            }
        }
    }
    let outcomes = entries
        .iter()
        .map(|e| {
            answers.remove(&e.case.id).unwrap_or_else(|| {
                (Err((Status::Error, "missing: no answer line with this id".to_string())), 0.0)
            })
        })
        .collect();
    (outcomes, notes)
}
