//! The log-space integrator for log-concave integrands against a closed form far below the
//! smallest double: ∫ φ(t) Φ(d + t) dt = Φ(d/√2) (the convolution of two standard normals),
//! with ∂/∂d ln ∫ = φ(d/√2)/(√2 Φ(d/√2)); the reference is `normal::log_cdf`, a separate path.

use mvn_orthant::normal::{log_cdf, log_pdf};
use mvn_orthant::quadrature::{integrate_log_concave, LogConcaveIntegrand};

/// g(t) = ln φ(t) + ln Φ(d + t), the parameter d.
struct Shifted(f64);

impl Shifted {
    /// φ(x)/Φ(x), from logarithms so that it stays finite in the lower tail.
    fn inverse_mills(x: f64) -> f64 {
        (log_pdf(x) - log_cdf(x)).exp()
    }
}

impl LogConcaveIntegrand for Shifted {
    type Frame = f64;
    fn frame(&self, anchor: f64) -> f64 {
        anchor
    }
    fn log_value_at(&self, anchor: &f64, s: f64) -> f64 {
        self.log_value(anchor + s)
    }
    fn log_value(&self, t: f64) -> f64 {
        log_pdf(t) + log_cdf(self.0 + t)
    }
    fn log_magnitude(&self, t: f64) -> f64 {
        log_pdf(t).abs() + log_cdf(self.0 + t).abs()
    }
    fn derivatives(&self, t: f64) -> (f64, f64, f64) {
        let x = self.0 + t;
        let r = Self::inverse_mills(x);
        (self.log_value(t), r - t, -1.0 - r * (x + r))
    }
    fn add_parameter_gradient_at(&self, anchor: &f64, s: f64, weight: f64, out: &mut [f64]) {
        out[0] += weight * Self::inverse_mills(self.0 + anchor + s);
    }
}

#[test]
fn log_concave_integral_keeps_relative_accuracy_in_the_far_tail() {
    for d in [-60.0, -40.0, -10.0, -1.0, 0.0, 3.0, 8.0] {
        let mut gradient = [0.0];
        let result =
            integrate_log_concave(&Shifted(d), f64::NEG_INFINITY, f64::INFINITY, Some(&mut gradient));
        let z = d / std::f64::consts::SQRT_2;
        let want = log_cdf(z);
        // Relative error of the integral (absolute in its logarithm), allowing for the rounding
        // ε·|ln P| of the logarithm itself far in the tail.
        let tolerance = 2e-14 * want.abs().max(1.0);
        assert!((result.log_value - want).abs() <= tolerance, "d = {d}: {} vs {want}", result.log_value);
        let want_gradient = (log_pdf(z) - log_cdf(z)).exp() / std::f64::consts::SQRT_2;
        assert!(
            (gradient[0] / want_gradient - 1.0).abs() < 1e-12,
            "d = {d}: ∂/∂d {} vs {want_gradient}",
            gradient[0]
        );
        assert!(result.evaluations > 0);
    }
}

#[test]
fn finite_ranges_and_empty_ranges() {
    // ∫_0^∞ φ(t) dt·… with d = +∞ is Φ(∞) − Φ(0) = ½; an empty range is ln 0 = −∞.
    let result = integrate_log_concave(&Shifted(40.0), 0.0, f64::INFINITY, None);
    assert!((result.log_value - 0.5f64.ln()).abs() < 1e-14, "{}", result.log_value);
    assert_eq!(integrate_log_concave(&Shifted(0.0), 1.0, 1.0, None).log_value, f64::NEG_INFINITY);
}
