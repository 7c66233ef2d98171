//! `orthant suite [--out FILE] [--max-dim D] [--tag T]`: the reference suite as JSON Lines in
//! the `eval` input format, with the references, so any harness in any language can use them.
//!
//! # Line format (the field names are a contract)
//!
//! ```json
//! {"id": "d2-orthant-rho0.5", "covariance": [[1.0, 0.5], [0.5, 1.0]], "mean": [0.0, 0.0],
//!  "lower": ["-inf", "-inf"], "upper": [0.0, 0.0],
//!  "reference": 0.3333333333333333, "reference_error": 3.333333333333333e-13,
//!  "log_reference": -1.0986122886681098, "tags": ["orthant-closed-form", "d<=3"],
//!  "provenance": "closed form: 1/4 + asin(rho)/(2 pi) (mpmath)"}
//! ```
//!
//! * `id`, `covariance` (dense rows), `mean`, `lower`, `upper`: the problem, exactly as
//!   `orthant eval` reads it (infinite limits as the strings `"inf"` and `"-inf"`). `orthant
//!   eval` accepts and ignores the reference fields, so a suite line is a valid `eval` request.
//! * `reference`: P rounded to a double.
//! * `reference_error`: the bound used to check against the reference: the case's tolerance
//!   times the reference (the relative error asked of exact methods on this case; it reflects
//!   the conditioning of the case, and the reference itself, computed with mpmath at 40 digits,
//!   is far more accurate). 0 when the reference is 0 (an empty box).
//! * `log_reference`: ln P (`"-inf"` for P = 0), accurate where P underflows.
//! * `tags`: the case's category (e.g. `"orthant-closed-form"`, `"one-factor-tail"`,
//!   `"singular"`) and its dimension class: `"d<=3"`, `"4<=d<=100"` or `"d>100"`; the Student t
//!   cases also carry [`STUDENT_T_TAG`].
//! * `df` (only on Student t cases): the degrees of freedom ν of X = μ + Z/√(W/ν), Z ~ N(0, Σ),
//!   W ~ χ²_ν (`covariance` is then the scale matrix, `mean` the location); absent on the normal
//!   cases. `orthant eval` reads it the same way.
//! * `provenance`: where the reference comes from.
//! * `reference_grad_upper`, `reference_grad_lower`, `reference_grad_mean` (optional: only on
//!   cases with an exact gradient): ∂P/∂b, ∂P/∂a and ∂P/∂μ, with `gradient_provenance`, how
//!   they were computed ([`GRADIENT_PROVENANCE`]). Absent where no exact gradient exists.
//!
//! Dense rows make the d = 1000 lines large (about 20 MB each); `--max-dim` leaves them out.

use crate::harness::GradientVectors;
use crate::json_number::{json_vec, parse_extended_number, JsonF64};
use crate::problem_line::{problem_from_fields, ProblemLine};
use crate::suite::{self, Case};
use mvn_orthant::GradientOptions;
use mvn_orthant::{Covariance, MethodChoice, Problem, Settings};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{self, Write};

/// A suite case with its `orthant suite` extras: the tags and the reference's error bound.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteEntry {
    /// The case (for a parsed file: category = first tag, tolerance = reference_error / reference).
    pub case: Case,
    /// The tags.
    pub tags: Vec<String>,
    /// The bound on |reference − P| used when checking against it.
    pub reference_error: f64,
    /// The reference gradient (all three vectors for built-in cases), when one exists.
    pub reference_gradient: Option<GradientVectors>,
    /// How the reference gradient was computed.
    pub gradient_provenance: Option<String>,
}

/// The tag of every Student t case (`orthant suite --tag student-t`).
pub const STUDENT_T_TAG: &str = "student-t";

/// The `gradient_provenance` of the Student t cases' reference gradients.
pub const STUDENT_T_GRADIENT_PROVENANCE: &str = "our exact gradient, mvn_orthant::student_t::integrate_with_gradient: conditioning on X_k = b_k (dP/db_k = t_nu density times the probability of the others under their conditional t law with nu + 1 degrees of freedom), with the exact t methods inside; tested against central finite differences in mvn-orthant/tests/student_t_gradient.rs; kept only where the exact value meets the case's tolerance";

/// The `gradient_provenance` of the built-in cases' reference gradients.
pub const GRADIENT_PROVENANCE: &str = "our exact gradient, mvn_orthant::integrate_with_gradient \
with MethodChoice::Exact: the conditioning theorem (dP/db_k = phi_k(b_k) P(rest | X_k = b_k)) \
after dropping unbounded coordinates, with the exact d <= 2 formulas (d <= 3), or the one-factor \
quadrature; tested against mpmath and central finite differences in \
mvn-orthant/tests/exact_gradient.rs and one_factor.rs; kept only where the exact value meets \
the case's tolerance and, for a singular covariance, one-sided differences confirm that P is \
differentiable";

/// The exact gradient of a case ([`GRADIENT_PROVENANCE`]): `None` when
/// `MethodChoice::Exact` does not apply, when its value misses the case's tolerance (then the
/// gradient is not trusted either), or when P is not differentiable there (a singular
/// covariance at a kink, found by one-sided differences).
pub fn exact_gradient(case: &Case) -> Option<GradientVectors> {
    if case.is_student_t() {
        let (estimate, gradient) = crate::student::integrate_with_gradient(
            &case.student_problem(),
            MethodChoice::Exact,
            &Settings::default(),
        )
        .ok()?;
        let finite = [&gradient.upper, &gradient.lower, &gradient.mean]
            .iter()
            .all(|v| v.iter().all(|x| x.is_finite()));
        return (finite
            && case.within_tolerance(estimate.value)
            && case.problem.covariance().rank() == case.dim)
            .then(|| GradientVectors::from_gradient(&gradient));
    }
    let (estimate, gradient) = mvn_orthant::integrate_with_gradient(
        &case.problem,
        MethodChoice::Exact,
        &Settings::default(),
        GradientOptions::default(),
    )
    .ok()?;
    let finite =
        [&gradient.upper, &gradient.lower, &gradient.mean].iter().all(|v| v.iter().all(|x| x.is_finite()));
    (finite
        && case.within_tolerance(estimate.value)
        && differentiable(&case.problem, estimate.value, &gradient))
    .then(|| GradientVectors::from_gradient(&gradient))
}

/// Whether P is differentiable at the problem, as far as one-sided differences tell: always for
/// a nonsingular covariance; for a singular one (where P can have kinks, e.g. a duplicated
/// coordinate whose two upper limits are equal: P = Φ(min(b₁, b₃)) there), both one-sided
/// difference quotients of every finite limit, step 10⁻⁶ standard deviations, must agree with
/// the exact gradient to 10⁻³ of its largest component.
fn differentiable(problem: &Problem, value: f64, gradient: &mvn_orthant::Gradient) -> bool {
    let d = problem.dim();
    let sigma = problem.covariance();
    if sigma.rank() == d {
        return true;
    }
    let scale = gradient.upper.iter().chain(&gradient.lower).fold(0.0_f64, |m, g| m.max(g.abs())).max(1e-300);
    let exact = |lower: Vec<f64>, upper: Vec<f64>| -> Option<f64> {
        let p = Problem::new(problem.mean().to_vec(), sigma.clone(), lower, upper).ok()?;
        mvn_orthant::integrate(&p, MethodChoice::Exact, &Settings::default()).ok().map(|e| e.value)
    };
    for k in 0..d {
        let h = 1e-6 * sigma.get(k, k).sqrt().max(1e-3);
        for (upper_side, g) in [(true, gradient.upper[k]), (false, gradient.lower[k])] {
            let limit = if upper_side { problem.upper()[k] } else { problem.lower()[k] };
            if !limit.is_finite() {
                continue;
            }
            for step in [h, -h] {
                let (mut lower, mut upper) = (problem.lower().to_vec(), problem.upper().to_vec());
                if upper_side {
                    upper[k] += step;
                } else {
                    lower[k] += step;
                }
                // A step that empties the box or is not evaluable: no verdict from this side.
                let Some(shifted) = exact(lower, upper) else { continue };
                if ((shifted - value) / step - g).abs() > 1e-3 * scale {
                    return false;
                }
            }
        }
    }
    true
}

/// The dimension class tag of a dimension: `"d<=3"`, `"4<=d<=100"` or `"d>100"`.
pub fn dimension_tag(d: usize) -> &'static str {
    match d {
        0..=3 => "d<=3",
        4..=100 => "4<=d<=100",
        _ => "d>100",
    }
}

impl SuiteEntry {
    /// The entry of a built-in case: tags = category and dimension class, reference_error =
    /// tolerance · reference, the exact gradient where there is one ([`exact_gradient`]); a
    /// Student t case also has the tag [`STUDENT_T_TAG`].
    pub fn from_case(case: &Case) -> Self {
        let reference_gradient = exact_gradient(case);
        let mut tags = vec![case.category.clone(), dimension_tag(case.dim).to_string()];
        let provenance = if case.is_student_t() {
            tags.push(STUDENT_T_TAG.to_string());
            STUDENT_T_GRADIENT_PROVENANCE
        } else {
            GRADIENT_PROVENANCE
        };
        SuiteEntry {
            case: case.clone(),
            tags,
            reference_error: case.tolerance * case.reference,
            gradient_provenance: reference_gradient.as_ref().map(|_| provenance.to_string()),
            reference_gradient,
        }
    }

    /// Whether the entry has tag `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// The `orthant suite` line of the entry (no trailing newline).
    pub fn to_line(&self) -> String {
        let gradient = |pick: fn(&GradientVectors) -> Option<&Vec<f64>>| {
            self.reference_gradient.as_ref().and_then(pick).map(|v| json_vec(v))
        };
        let line = SuiteLine {
            problem: ProblemLine {
                df: crate::student::df_field(self.case.degrees_of_freedom),
                ..ProblemLine::new(&self.case.id, &self.case.problem)
            },
            reference: self.case.reference,
            reference_error: self.reference_error,
            log_reference: JsonF64(self.case.log_reference),
            tags: &self.tags,
            provenance: &self.case.provenance,
            reference_grad_upper: gradient(|g| g.upper.as_ref()),
            reference_grad_lower: gradient(|g| g.lower.as_ref()),
            reference_grad_mean: gradient(|g| g.mean.as_ref()),
            gradient_provenance: self.gradient_provenance.as_deref(),
        };
        serde_json::to_string(&line).expect("a suite line serialises")
    }
}

/// An `orthant suite` line: the problem fields, then the references.
#[derive(Serialize)]
struct SuiteLine<'a> {
    #[serde(flatten)]
    problem: ProblemLine<'a>,
    reference: f64,
    reference_error: f64,
    log_reference: JsonF64,
    tags: &'a [String],
    provenance: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_grad_upper: Option<Vec<JsonF64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_grad_lower: Option<Vec<JsonF64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference_grad_mean: Option<Vec<JsonF64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gradient_provenance: Option<&'a str>,
}

/// An `orthant suite` line as read (absent `Option` fields are `None`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    id: String,
    covariance: Vec<Vec<f64>>,
    mean: Option<Vec<f64>>,
    lower: Option<Value>,
    upper: Option<Value>,
    df: Option<Value>,
    reference: f64,
    reference_error: Option<f64>,
    log_reference: Option<Value>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    provenance: String,
    reference_grad_upper: Option<Vec<Value>>,
    reference_grad_lower: Option<Vec<Value>>,
    reference_grad_mean: Option<Vec<Value>>,
    gradient_provenance: Option<String>,
}

/// Parses an optional reference gradient vector of length `d`.
fn gradient_vector(v: Option<&Vec<Value>>, d: usize, what: &str) -> Result<Option<Vec<f64>>, String> {
    let Some(v) = v else { return Ok(None) };
    if v.len() != d {
        return Err(format!("{what} has {} entries, expected {d}", v.len()));
    }
    let x = v.iter().map(|x| parse_extended_number(x, what)).collect::<Result<Vec<f64>, String>>()?;
    if x.iter().any(|x| x.is_nan()) {
        return Err(format!("{what} has a NaN"));
    }
    Ok(Some(x))
}

/// Parses one `orthant suite` line (`reference_error` defaults to 0, `log_reference` to
/// ln `reference`, `tags` to none, `provenance` to "").
///
/// # Errors
///
/// A message for malformed JSON, unknown fields or an invalid problem.
pub fn parse_line(line: &str) -> Result<SuiteEntry, String> {
    let raw: RawLine = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let id = raw.id.clone();
    let bad = |e: String| format!("case {id}: {e}");
    let covariance = Covariance::from_rows(&raw.covariance).map_err(|e| bad(e.to_string()))?;
    let d = covariance.dim();
    let problem = problem_from_fields(covariance, raw.mean, raw.lower.as_ref(), raw.upper.as_ref())
        .map_err(|e| bad(e.to_string()))?;
    let degrees_of_freedom = crate::student::degrees_of_freedom(raw.df.as_ref()).map_err(bad)?;
    mvn_orthant::student_t::StudentProblem::new(problem.clone(), degrees_of_freedom)
        .map_err(|e| bad(e.to_string()))?;
    if !(0.0..=1.0).contains(&raw.reference) {
        return Err(bad(format!("reference {} is not a probability", raw.reference)));
    }
    let reference_error = raw.reference_error.unwrap_or(0.0);
    if reference_error.is_nan() || reference_error < 0.0 {
        return Err(bad(format!("reference_error {reference_error} is not ≥ 0")));
    }
    let log_reference = match &raw.log_reference {
        Some(v) => parse_extended_number(v, "log_reference").map_err(bad)?,
        None => raw.reference.ln(),
    };
    let tolerance = if raw.reference > 0.0 { reference_error / raw.reference } else { 0.0 };
    let category = raw.tags.first().cloned().unwrap_or_else(|| "external".into());
    let reference_gradient = GradientVectors {
        upper: gradient_vector(raw.reference_grad_upper.as_ref(), d, "reference_grad_upper").map_err(bad)?,
        lower: gradient_vector(raw.reference_grad_lower.as_ref(), d, "reference_grad_lower").map_err(bad)?,
        mean: gradient_vector(raw.reference_grad_mean.as_ref(), d, "reference_grad_mean").map_err(bad)?,
    };
    let reference_gradient = (!reference_gradient.is_empty()).then_some(reference_gradient);
    Ok(SuiteEntry {
        case: Case {
            id: raw.id,
            category,
            dim: d,
            problem,
            degrees_of_freedom,
            reference: raw.reference,
            log_reference,
            provenance: raw.provenance,
            tolerance,
        },
        tags: raw.tags,
        reference_error,
        gradient_provenance: reference_gradient.as_ref().map(|_| raw.gradient_provenance.unwrap_or_default()),
        reference_gradient,
    })
}

/// Parses an `orthant suite` file (blank lines skipped).
///
/// # Errors
///
/// The first malformed line, with its number.
pub fn parse_lines(text: &str) -> Result<Vec<SuiteEntry>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| parse_line(l).map_err(|e| format!("suite line {}: {e}", n + 1)))
        .collect()
}

/// The built-in suite as entries, filtered by dimension and tag.
///
/// # Errors
///
/// A malformed built-in suite (a bug).
pub fn builtin_entries(max_dim: Option<usize>, tag: Option<&str>) -> Result<Vec<SuiteEntry>, String> {
    if max_dim.is_none() && tag.is_none() {
        return Ok(suite::builtin()?.iter().map(SuiteEntry::from_case).collect());
    }
    // Validating the large covariances takes seconds: peek at each line's dimension and
    // category first and build only the cases kept.
    #[derive(Deserialize)]
    struct Peek {
        dim: usize,
        category: String,
        #[serde(default)]
        df: Option<Value>,
    }
    let mut entries = Vec::new();
    let lines = suite::SUITE_JSONL.lines().chain(suite::SUITE_T_JSONL.lines());
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let peek: Peek = serde_json::from_str(line).map_err(|e| format!("suite line {}: {e}", n + 1))?;
        let student = if peek.df.is_some() { STUDENT_T_TAG } else { "" };
        let tags = [peek.category.as_str(), dimension_tag(peek.dim), student];
        if max_dim.is_some_and(|m| peek.dim > m) || tag.is_some_and(|t| t.is_empty() || !tags.contains(&t)) {
            continue;
        }
        let case = suite::parse_case(line).map_err(|e| format!("suite line {}: {e}", n + 1))?;
        entries.push(SuiteEntry::from_case(&case));
    }
    Ok(entries)
}

/// Keeps the entries of dimension ≤ `max_dim` that carry `tag`.
pub fn filter(entries: Vec<SuiteEntry>, max_dim: Option<usize>, tag: Option<&str>) -> Vec<SuiteEntry> {
    entries
        .into_iter()
        .filter(|e| max_dim.is_none_or(|m| e.case.dim <= m))
        .filter(|e| tag.is_none_or(|t| e.has_tag(t)))
        .collect()
}

/// Writes the built-in suite (filtered) as JSON Lines. Returns the number of lines.
///
/// # Errors
///
/// I/O errors, and a malformed built-in suite.
pub fn run(max_dim: Option<usize>, tag: Option<&str>, out: &mut dyn Write) -> io::Result<usize> {
    let entries = builtin_entries(max_dim, tag).map_err(io::Error::other)?;
    for e in &entries {
        out.write_all(e.to_line().as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(entries.len())
}
