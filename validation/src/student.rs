//! The multivariate Student t in the tools: the degrees of freedom of a JSON line (the `df`
//! field), the one place where a method choice is applied to a t problem, and the integrator
//! trait of the harness for suites that hold t cases.
//!
//! X = μ + Z/√(W/ν), Z ~ N(0, Σ), W ~ χ²_ν independent, ν > 0 real; ν = ∞ is the normal
//! distribution (see `mvn_orthant::student_t` and `docs/student-t.md`). Every line without `df`
//! (or with `null` or `"inf"`) is a normal problem, so the normal tools are unchanged.

use mvn_orthant::student_t::{self, StudentProblem};
use mvn_orthant::{Error, Estimate, Gradient, GradientOptions, Integrator, MethodChoice, Problem, Settings};
use serde_json::Value;

/// The degrees of freedom of a line's `df` field: absent, `null` or `"inf"` (also `"+inf"`,
/// `"Infinity"`, case-insensitive) mean ν = ∞ (the normal); a number is taken as it is and
/// validated by [`StudentProblem::new`] (ν ≤ 0 is rejected there).
///
/// ```
/// use serde_json::json;
/// use validation::student::degrees_of_freedom;
/// assert_eq!(degrees_of_freedom(None).unwrap(), f64::INFINITY);
/// assert_eq!(degrees_of_freedom(Some(&json!(null))).unwrap(), f64::INFINITY);
/// assert_eq!(degrees_of_freedom(Some(&json!("inf"))).unwrap(), f64::INFINITY);
/// assert_eq!(degrees_of_freedom(Some(&json!(2.5))).unwrap(), 2.5);
/// assert!(degrees_of_freedom(Some(&json!("five"))).is_err());
/// assert!(degrees_of_freedom(Some(&json!([5]))).is_err());
/// ```
///
/// # Errors
///
/// A message for a value that is neither a number nor `null` nor the string `"inf"` (`"-inf"`
/// and `"nan"` included): the `invalid-input` kind of the tools.
pub fn degrees_of_freedom(value: Option<&Value>) -> Result<f64, String> {
    let bad = |what: String| {
        format!(
            "df is {what}; expected a positive number of degrees of freedom, null or \"inf\" (the normal)"
        )
    };
    match value {
        None | Some(Value::Null) => Ok(f64::INFINITY),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(|| bad(n.to_string())),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "inf" | "+inf" | "infinity" | "+infinity" => Ok(f64::INFINITY),
            _ => Err(bad(format!("the string {s:?}"))),
        },
        Some(other) => Err(bad(other.to_string())),
    }
}

/// The `df` value written on a line: `None` (no field) for the normal, ν otherwise.
pub fn df_field(nu: f64) -> Option<f64> {
    (nu != f64::INFINITY).then_some(nu)
}

/// `choice` applied to a t problem with `settings`: the normal entry point
/// [`mvn_orthant::integrate`] for ν = ∞; otherwise [`student_t::integrate`] (exact in d ≤ 3
/// and for one-factor scale matrices, Genz's method with the chi coordinate, the tilted t for
/// small probabilities, crude Monte Carlo).
///
/// # Errors
///
/// As the methods.
pub fn integrate(
    problem: &StudentProblem,
    choice: MethodChoice,
    settings: &Settings,
) -> mvn_orthant::Result<Estimate> {
    if problem.is_normal() {
        return mvn_orthant::integrate(problem.problem(), choice, settings);
    }
    student_t::integrate(problem, choice, settings)
}

/// As [`integrate`], with ∂P/∂a, ∂P/∂b and ∂P/∂μ: [`mvn_orthant::integrate_with_gradient`]
/// for ν = ∞, [`student_t::integrate_with_gradient`] (conditioning: the conditional law is t
/// with ν + 1 degrees of freedom, each conditional probability by the chosen method) otherwise.
///
/// # Errors
///
/// As [`integrate`].
pub fn integrate_with_gradient(
    problem: &StudentProblem,
    choice: MethodChoice,
    settings: &Settings,
) -> mvn_orthant::Result<(Estimate, Gradient)> {
    if problem.is_normal() {
        return mvn_orthant::integrate_with_gradient(
            problem.problem(),
            choice,
            settings,
            GradientOptions::default(),
        );
    }
    student_t::integrate_with_gradient(problem, choice, settings)
}

/// An integrator of multivariate t problems (ν = ∞ is the normal): what the harness runs over a
/// suite that holds t cases. The t analogue of [`Integrator`]; [`NormalOnly`] makes any
/// `Integrator` one.
pub trait StudentIntegrator {
    /// A short name for reports.
    fn name(&self) -> String;

    /// P(a ≤ X ≤ b) for the problem's ν.
    ///
    /// # Errors
    ///
    /// [`Error::MethodNotApplicable`] for problems the integrator does not handle.
    fn integrate(&self, problem: &StudentProblem) -> mvn_orthant::Result<Estimate>;

    /// P(a ≤ X ≤ b) for a normal problem (ν = ∞); by default [`Self::integrate`] of
    /// [`StudentProblem::normal`]. Integrators that hold a normal method override it to skip
    /// the copy of the problem.
    ///
    /// # Errors
    ///
    /// As [`Self::integrate`].
    fn integrate_normal(&self, problem: &Problem) -> mvn_orthant::Result<Estimate> {
        self.integrate(&StudentProblem::normal(problem.clone()))
    }
}

/// A normal [`Integrator`] as a [`StudentIntegrator`]: it answers the normal problems (ν = ∞)
/// and declines the others with [`Error::MethodNotApplicable`].
pub struct NormalOnly<'a>(pub &'a dyn Integrator);

impl StudentIntegrator for NormalOnly<'_> {
    fn name(&self) -> String {
        self.0.name()
    }

    fn integrate_normal(&self, problem: &Problem) -> mvn_orthant::Result<Estimate> {
        self.0.integrate(problem)
    }

    fn integrate(&self, problem: &StudentProblem) -> mvn_orthant::Result<Estimate> {
        if problem.is_normal() {
            self.0.integrate(problem.problem())
        } else {
            Err(Error::MethodNotApplicable {
                method: self.0.name(),
                reason: format!(
                    "a normal integrator; the problem is multivariate t with {} degrees of freedom",
                    problem.degrees_of_freedom()
                ),
            })
        }
    }
}
