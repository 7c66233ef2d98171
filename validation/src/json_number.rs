//! JSON encoding of numbers that may be infinite.
//!
//! JSON has no infinities, so the suite files and the `orthant` tool use strings:
//!
//! * **Input limits** may be a number, `null`, `"-inf"` or `"inf"` (also `"-Infinity"`,
//!   `"Infinity"`, `"+inf"`). `null` means unbounded on that side: −∞ for a lower limit, +∞ for
//!   an upper limit. A missing or `null` array means unbounded on that side for every coordinate.
//! * **Output numbers** are written as JSON numbers when finite, and as the strings `"inf"`,
//!   `"-inf"` or `"nan"` otherwise (for example `log_value` of a zero probability is `"-inf"`).

use serde::{Serialize, Serializer};
use serde_json::Value;

/// An `f64` that serialises as a JSON number when finite and as `"inf"`, `"-inf"` or `"nan"`
/// otherwise, so the output is always valid JSON.
///
/// ```
/// use validation::json_number::JsonF64;
/// assert_eq!(serde_json::to_string(&JsonF64(0.5)).unwrap(), "0.5");
/// assert_eq!(serde_json::to_string(&JsonF64(f64::NEG_INFINITY)).unwrap(), "\"-inf\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JsonF64(pub f64);

impl Serialize for JsonF64 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_finite() {
            serializer.serialize_f64(x)
        } else if x.is_nan() {
            serializer.serialize_str("nan")
        } else if x > 0.0 {
            serializer.serialize_str("inf")
        } else {
            serializer.serialize_str("-inf")
        }
    }
}

/// Wraps a slice of `f64` for serialisation with [`JsonF64`].
pub fn json_vec(v: &[f64]) -> Vec<JsonF64> {
    v.iter().copied().map(JsonF64).collect()
}

/// Which side of the box a limit belongs to (decides what `null` means).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A lower limit: `null` means −∞.
    Lower,
    /// An upper limit: `null` means +∞.
    Upper,
}

impl Side {
    /// The field name (`"lower"` or `"upper"`).
    pub fn name(self) -> &'static str {
        match self {
            Side::Lower => "lower",
            Side::Upper => "upper",
        }
    }

    /// The unbounded value of this side.
    pub fn unbounded(self) -> f64 {
        match self {
            Side::Lower => f64::NEG_INFINITY,
            Side::Upper => f64::INFINITY,
        }
    }
}

/// Parses a number that may be written as a JSON number or as one of the strings `"inf"`,
/// `"+inf"`, `"Infinity"`, `"-inf"`, `"-Infinity"` (case-insensitive).
///
/// # Errors
///
/// A message naming `what` when the value is neither.
pub fn parse_extended_number(value: &Value, what: &str) -> Result<f64, String> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{what} is not representable as a double")),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "inf" | "+inf" | "infinity" | "+infinity" => Ok(f64::INFINITY),
            "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(format!("{what} is the string {s:?}; expected a number, null, \"-inf\" or \"inf\"")),
        },
        other => Err(format!("{what} is {other}; expected a number, null, \"-inf\" or \"inf\"")),
    }
}

/// Why a limits array could not be read; [`LimitsError::kind`] is the machine-readable kind
/// used in JSON error lines (the same vocabulary as [`mvn_orthant::Error::kind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitsError {
    /// The array's length is not the covariance's dimension (kind `"dimension-mismatch"`, as for
    /// a mean of the wrong length).
    Length {
        /// `"lower"` or `"upper"`.
        side: &'static str,
        /// The covariance's dimension.
        expected: usize,
        /// The array's length.
        found: usize,
    },
    /// The value is not an array, or an entry is not a number, `null` or an infinity string
    /// (kind `"invalid-input"`, as for any mistyped field).
    Malformed(String),
}

impl LimitsError {
    /// The machine-readable kind: `"dimension-mismatch"` or `"invalid-input"`.
    pub fn kind(&self) -> &'static str {
        match self {
            LimitsError::Length { .. } => "dimension-mismatch",
            LimitsError::Malformed(_) => "invalid-input",
        }
    }
}

impl std::fmt::Display for LimitsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitsError::Length { side, expected, found } => {
                write!(f, "{side} has length {found}, but the problem has dimension {expected}")
            }
            LimitsError::Malformed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for LimitsError {}

/// Parses an optional array of limits of length `dim`; `None`/`null` gives all-unbounded.
///
/// ```
/// use serde_json::json;
/// use validation::json_number::{parse_limits, LimitsError, Side};
/// let v = json!([1.0, null, "-inf"]);
/// let lower = parse_limits(Some(&v), 3, Side::Lower).unwrap();
/// assert_eq!(lower, vec![1.0, f64::NEG_INFINITY, f64::NEG_INFINITY]);
/// assert_eq!(parse_limits(None, 2, Side::Upper).unwrap(), vec![f64::INFINITY; 2]);
/// let short = parse_limits(Some(&json!([0.0])), 2, Side::Upper).unwrap_err();
/// assert_eq!(short.kind(), "dimension-mismatch");
/// ```
///
/// # Errors
///
/// [`LimitsError::Length`] when the array has the wrong length, [`LimitsError::Malformed`] when
/// the value is not an array or holds an entry that is not a number, `null`, or an infinity
/// string.
pub fn parse_limits(value: Option<&Value>, dim: usize, side: Side) -> Result<Vec<f64>, LimitsError> {
    let name = side.name();
    match value {
        None | Some(Value::Null) => Ok(vec![side.unbounded(); dim]),
        Some(Value::Array(entries)) => {
            if entries.len() != dim {
                return Err(LimitsError::Length { side: name, expected: dim, found: entries.len() });
            }
            entries
                .iter()
                .enumerate()
                .map(|(i, e)| match e {
                    Value::Null => Ok(side.unbounded()),
                    other => {
                        parse_extended_number(other, &format!("{name}[{i}]")).map_err(LimitsError::Malformed)
                    }
                })
                .collect()
        }
        Some(other) => Err(LimitsError::Malformed(format!("{name} is {other}; expected an array (or null)"))),
    }
}
