//! The peak-centred trapezoid rule of [`super::integrate_log_concave`]: ln ∫ e^{g} for a
//! concave g with g″ ≤ −1 and no sharp factor, on the whole line, from nodes equally spaced
//! around the peak, with the agreement of the rules of twice and four times the step as its
//! error check.
//!
//! For an integrand analytic in a strip |Im t| < a around the real axis, the trapezoid rule on
//! the line has the error Σ_{k≠0} f̂(2πk/h) (Poisson summation), of order e^{−2πa/h}: it
//! converges geometrically in 1/h, and for a near-Gaussian far faster (2√(2π)·e^{−2π²σ²/h²}
//! for e^{−t²/(2σ²)}). So the rule of step h is far more accurate than the rule of step 2h, whose
//! nodes are its even nodes; we accept T_h when |T_h − T_{2h}| is below the tolerance, which
//! bounds the error of the coarser rule, not only of the finer one, or when the disagreements
//! of T_h, T_{2h} and T_{4h} show a geometric rate that puts the error of T_h below it.

use super::log_concave::{LogConcaveIntegrand, LOG_WINDOW};
use super::CompensatedSum;
use std::cell::Cell;

/// Step of the peak-centred trapezoid rule ([`integrate_by_trapezoid`]) in units of the
/// curvature radius σ = 1/√(−g″(t*)) at the peak: 75 nodes over the window ±9.2σ of a Gaussian,
/// for which the check rule of step 2h = 0.5σ is already exact to e^{−79}
/// (2√(2π)·e^{−2π²σ²/(2h)²}). EXACT integrands are further from Gaussian: with 2h = 0.5σ the
/// two rules differ by 1e-16 to 3e-11 on the benchmark examples (C = 10 to 1000), the
/// one-factor orthants of ρ = ½ by 4e-12 (d = 100) and 3e-10 (d = 1000); the three-level
/// test of [`converged`] accepts them all at this step (85 to 110 nodes).
const TRAPEZOID_STEP: f64 = 0.25;

/// The trapezoid value T_h is accepted when |T_h − T_{2h}| ≤ this × T_h (or below the rounding
/// noise of the integrand): the coarser rule is then already this accurate, and T_h far more
/// (geometric convergence in 1/h). Deliberately conservative: an integrand whose mass has a
/// small, steeper feature (a wall in the far tail, as when A is close to 1 at C = 1000) shows
/// |T_h − T_{2h}| ~ 1e-9 while T_h is still wrong in the 13th digit.
const TRAPEZOID_AGREEMENT: f64 = 1e-14;

/// Safety factor of the error estimate of T_h from three levels (see [`converged`]).
const TRAPEZOID_ESTIMATE_SAFETY: f64 = 100.0;

/// Whether T_h is accepted, from its relative disagreements with the rules of twice and four
/// times its step (a = |T_h − T_2h|/T_h, b = |T_2h − T_4h|/T_h): either
///
/// * a ≤ [`TRAPEZOID_AGREEMENT`]: the coarser rule T_2h is already that accurate; or
/// * the convergence is visibly geometric in 1/h (a < b) and the error it implies for T_h is
///   below the tolerance with a safety factor of [`TRAPEZOID_ESTIMATE_SAFETY`]: with
///   err(T_kh) ≈ C·q^{1/k} (the e^{−c/h} of an integrand analytic in a strip; faster for a
///   near-Gaussian), err(T_2h) ≈ a and err(T_4h) ≈ b give C ≈ b²/a and err(T_h) ≈ a²/C = a³/b²;
///   C is taken at most 1 (err(T_h) ≈ max(a², a³/b²)), since a larger relative prefactor only
///   says that T_4h was too coarse to be in the geometric regime.
///
/// The three-level estimate keeps the prefactor C, which the square a² alone (a two-level
/// test) assumes to be of order 1: a small, steep feature (a wall in the far tail holding
/// ~1e-6 of the mass, as when A is close to 1 at C = 1000) once gave a = 1e-9 with T_h still
/// wrong by 4.6e-13, which a test a ≤ 1e-7 accepted; for such a feature C is of the size of its
/// mass, and the estimate a³/b² recovers an error of that order (with a geometric error,
/// b ≈ 5e-8 gives a³/b² ≈ 4e-13): rejected. A rate that is not visibly geometric (a ≥ b)
/// is never accepted this way.
fn converged(agreement: f64, rough: f64) -> bool {
    // err(T_h) ≈ a²/C with C = b²/a, and C taken ≤ 1: a relative prefactor above 1 means that
    // T_4h was not yet in the geometric regime (b too large to be trusted), so a² is used.
    let estimate = agreement * agreement * (agreement / (rough * rough)).max(1.0);
    agreement <= TRAPEZOID_AGREEMENT
        || (agreement < rough && TRAPEZOID_ESTIMATE_SAFETY * estimate <= TRAPEZOID_AGREEMENT)
}

/// Halvings of the trapezoid step before the adaptive rule takes over.
const TRAPEZOID_HALVINGS: usize = 2;

/// Cap on the trapezoid nodes of one integral.
const TRAPEZOID_MAX_NODES: usize = 1024;

/// ln ∫ e^{g} by the trapezoid rule on the whole line, centred at the peak t* and scaled by
/// the curvature there, or `None` when it cannot be trusted (the adaptive rule then takes over).
///
/// The nodes are t* + j·h with h = [`TRAPEZOID_STEP`]·σ, σ = 1/√(−g″(t*)), marched outward
/// on each side until g has dropped by [`LOG_WINDOW`]. Because g is concave with g″ ≤ −1, the
/// tail beyond the last node t_J is at most e^{g(t_J)}/|g′(t_J)| ≤ e^{g* − LOG_WINDOW}/|t_J − t*|:
/// negligible. For an integrand analytic in a strip around the real axis the trapezoid rule on
/// the line converges geometrically in 1/h, so T_h is accepted by [`converged`] from its
/// agreement with T_{2h} and T_{4h} (the even nodes and every fourth node, no new evaluation);
/// otherwise h is halved (the old nodes kept) up to [`TRAPEZOID_HALVINGS`] times. `None` also when the window reaches an
/// end of the range (the rule would not be the one on the line) or g rises above g* (the peak
/// was not the maximum).
#[allow(clippy::too_many_arguments)]
pub(super) fn integrate_by_trapezoid<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    peak: f64,
    g_peak: f64,
    curvature: f64,
    gradient: Option<&mut [f64]>,
    evaluations: &Cell<u64>,
) -> Option<f64> {
    let sigma = 1.0 / (-curvature).sqrt();
    if !(sigma.is_finite() && sigma > 0.0) {
        return None;
    }
    let frame = f.frame(peak);
    let mut h = TRAPEZOID_STEP * sigma;
    // ∂g/∂θ is accumulated with the weights exp(g − g*) as the nodes come (the final weights
    // are these times h, and h cancels in the division by the sum).
    let mut gradient = gradient;
    if let Some(out) = gradient.as_deref_mut() {
        out.iter_mut().for_each(|o| *o = 0.0);
    }
    let mut count = 0usize;
    // (g − g*, exp(g − g*)) at the offset s.
    let mut node = |s: f64| -> Option<(f64, f64)> {
        let t = peak + s;
        if !(t > lo && t < hi) || count >= TRAPEZOID_MAX_NODES {
            return None;
        }
        let g = match gradient.as_deref_mut() {
            Some(out) => f.log_value_and_gradient_at(&frame, s, g_peak, out),
            None => f.log_value_at(&frame, s),
        };
        count += 1;
        evaluations.set(evaluations.get() + 1);
        let relative = g - g_peak;
        (relative <= 0.5).then(|| (relative, relative.exp()))
    };
    // Σ exp(g − g*) over all nodes (T_h = h·fine) and over the even ones (T_2h = 2h·coarse),
    // compensated: ~100 terms summed naively would leave 1e-15 of noise.
    let (mut fine, mut coarse) = (CompensatedSum::default(), CompensatedSum::default());
    // And over every fourth node (T_4h = 4h·quarter), for the rate of convergence.
    let mut quarter = CompensatedSum::default();
    let (_, v) = node(0.0)?;
    fine.add(v);
    coarse.add(v);
    quarter.add(v);
    let mut reach = [0usize; 2];
    for (side, sign) in [-1.0f64, 1.0].into_iter().enumerate() {
        let mut j = 0usize;
        loop {
            j += 1;
            let (relative, v) = node(sign * j as f64 * h)?;
            fine.add(v);
            if j % 2 == 0 {
                coarse.add(v);
            }
            if j % 4 == 0 {
                quarter.add(v);
            }
            if relative < -LOG_WINDOW {
                break;
            }
        }
        reach[side] = j;
    }
    // |T_h − T_2h| and |T_2h − T_4h|, relative to T_h.
    let mut agreement = (fine.value() - 2.0 * coarse.value()).abs() / fine.value();
    let mut rough = (2.0 * coarse.value() - 4.0 * quarter.value()).abs() / fine.value();
    let mut halvings = 0;
    let mut noise = None;
    while !converged(agreement, rough) {
        // Relative rounding noise of exp(g − g*): a few ulps of Σ |ln factor| (computed once,
        // only when the rule has not agreed to the tolerance).
        let noise = *noise.get_or_insert_with(|| {
            evaluations.set(evaluations.get() + 1);
            4.0 * f64::EPSILON * (1.0 + f.log_magnitude(peak))
        });
        if agreement <= noise {
            break;
        }
        if halvings == TRAPEZOID_HALVINGS {
            return None;
        }
        halvings += 1;
        // The midpoints of the current grid, from the leftmost node to the rightmost.
        let mut midpoints = CompensatedSum::default();
        let (left, right) = (reach[0] as i64, reach[1] as i64);
        for k in -left..right {
            midpoints.add(node((k as f64 + 0.5) * h)?.1);
        }
        h *= 0.5;
        (reach[0], reach[1]) = (2 * reach[0], 2 * reach[1]);
        let difference = (midpoints.value() - fine.value()).abs();
        fine.add(midpoints.sum);
        fine.add(midpoints.compensation);
        rough = agreement;
        agreement = difference / fine.value();
    }
    let fine = fine.value();
    if let Some(out) = gradient {
        out.iter_mut().for_each(|o| *o /= fine);
    }
    Some(g_peak + (h * fine).ln())
}
