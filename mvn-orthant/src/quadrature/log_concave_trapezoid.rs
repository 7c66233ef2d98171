//! The peak-centred trapezoid rule of [`super::integrate_log_concave`]: ln ∫ e^{g} for a
//! concave g with g″ ≤ −1 and no sharp factor, on the whole line, from nodes around the peak
//! whose spacing widens smoothly in a wide tail (a graded map), with the agreement of the rules
//! of twice and four times the step as its error check.
//!
//! For an integrand analytic in a strip |Im t| < a around the real axis, the trapezoid rule on
//! the line has the error Σ_{k≠0} f̂(2πk/h) (Poisson summation), of order e^{−2πa/h}: it
//! converges geometrically in 1/h, and for a near-Gaussian far faster (2√(2π)·e^{−2π²σ²/h²}
//! for e^{−t²/(2σ²)}). So the rule of step h is far more accurate than the rule of step 2h, whose
//! nodes are its even nodes; we accept T_h when |T_h − T_{2h}| is below the tolerance, which
//! bounds the error of the coarser rule, not only of the finer one, or when the disagreements
//! of T_h, T_{2h} and T_{4h} show a geometric rate that puts the error of T_h below it.
//!
//! The same holds for the rule in a variable u with t = t* + ψ(u) and ψ analytic and increasing:
//! ∫ e^{g(t)} dt = ∫ e^{g(t* + ψ(u))} ψ′(u) du, a trapezoid rule in u with the weights ψ′. The
//! integrands here are lopsided: on one side of the peak the factors tend to 1 and g to ln φ,
//! whose curvature −1 is far weaker than the curvature at the peak (a wide Gaussian tail); on the
//! other a wall (the factors tending to 0). A constant step sized by the peak spends most of its
//! nodes in the wide tail (68 of 90 nodes on the one-factor orthant of d = 100 with distinct
//! loadings). [`GradedMap`] keeps the step σh at the peak and widens it smoothly to r·σh in a
//! wide tail, r from the curvature measured there.
use super::log_concave::{LogConcaveIntegrand, LOG_WINDOW};
use super::CompensatedSum;
use std::cell::Cell;

/// Step of the peak-centred trapezoid rule ([`integrate_by_trapezoid`]) in the variable u of
/// [`GradedMap`], i.e. near the peak in units of the curvature radius σ = 1/√(−g″(t*)): 75 nodes
/// over the window ±9.2σ of a Gaussian (no stretch), for which the check rule of step 2h = 0.5σ
/// is already exact to e^{−79} (2√(2π)·e^{−2π²σ²/(2h)²}). EXACT integrands are further from
/// Gaussian: with 2h = 0.5σ and the constant step the two rules differed by 1e-16 to 3e-11 on the
/// benchmark examples (C = 10 to 1000), the one-factor orthants of ρ = ½ by 4e-12 (d = 100) and
/// 3e-10 (d = 1000); with the graded map by up to 6e-11 on EXACT examples of C = 1000 and 4e-9
/// on ∫ φ(t)Φ(t)^m dt at m = 10⁴ (an emulation in doubles), all accepted at this step by the
/// three-level test of [`converged`] (about 55 nodes, 85 to 110 with the constant step).
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
/// * the convergence is visibly geometric (a < b) and the error it implies for T_h, if the
///   error falls from T_2h to T_h by no more than it fell from T_4h to T_2h, is below the
///   tolerance with a safety factor of [`TRAPEZOID_ESTIMATE_SAFETY`]: err(T_2h) ≈ a and
///   err(T_4h) ≈ b give err(T_h) ≈ a·(a/b) = a²/b.
///
/// For one smooth feature the error of the trapezoid rule falls ever faster as h halves
/// (e^{−c/h} for an integrand analytic in a strip, e^{−c/h²} for a near-Gaussian), and a²/b
/// overestimates it. But an integrand with two features of different widths converges first
/// at the rate of the wide one and then at the slower rate of the narrow one: a wall on the
/// far side of the peak holding 1e-3 of the mass, as when A is close to 1 with many classes
/// crowded at one shift (299 shifts equal to 6.28: a = 1.7e-9, b = 9.7e-6, and T_h still wrong
/// by 9.3e-13 of itself, the error falling 5 800-fold from T_4h to T_2h and only 1 800-fold
/// from T_2h to T_h). An estimate that assumes the rate to improve (a³/b², from
/// err(T_kh) ≈ C·q^{1/k}, used before) put that error at 5e-17 and accepted it; a²/b = 2.9e-13
/// rejects it, and one halving gives the value to rounding. On the EXACT benchmark 0.35% of
/// the integrals take that halving. A rate that is not visibly geometric (a ≥ b) is never
/// accepted this way.
fn converged(agreement: f64, rough: f64) -> bool {
    let estimate = agreement * agreement / rough;
    agreement <= TRAPEZOID_AGREEMENT
        || (agreement < rough && TRAPEZOID_ESTIMATE_SAFETY * estimate <= TRAPEZOID_AGREEMENT)
}

/// The sums of a trapezoid rule with nodes on a lattice z₀ + jh, and of the rules of steps 2h
/// and 4h on its even nodes and on every fourth node (no new evaluation), with the acceptance
/// test of the peak-centred rule of [`super::integrate_log_concave`]: T_h is accepted when
/// |T_h − T_2h| ≤ 1e-14·T_h, or when the disagreements of the three rules show a geometric rate
/// that puts the error of T_h below that with a safety factor of 100. For an integrand analytic
/// in a strip around the real axis and negligible beyond the nodes visited, the rule converges
/// geometrically in 1/h, and the three levels bound the error of the finest.
///
/// ```
/// use mvn_orthant::quadrature::TrapezoidSums;
/// // ∫ e^{−t²} dt = √π, step ¼ from −8 to 8.
/// let mut sums = TrapezoidSums::default();
/// for j in -32..=32 {
///     let t = 0.25 * j as f64;
///     sums.add(j, (-t * t).exp());
/// }
/// assert!(sums.converged(0.0));
/// assert!((0.25 * sums.sum() / std::f64::consts::PI.sqrt() - 1.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Default)]
pub struct TrapezoidSums {
    fine: CompensatedSum,
    coarse: CompensatedSum,
    quarter: CompensatedSum,
}

impl TrapezoidSums {
    /// Adds the integrand's value at the lattice node of index `j` (its residue modulo 2 and 4
    /// decides whether the coarser rules see it).
    #[inline]
    pub fn add(&mut self, j: i64, value: f64) {
        self.fine.add(value);
        if j % 2 == 0 {
            self.coarse.add(value);
        }
        if j % 4 == 0 {
            self.quarter.add(value);
        }
    }

    /// The sums of the rule of half the step: `midpoints` holds the values at the midpoints of
    /// the current nodes (added with any index), the current nodes become the even ones and the
    /// current even nodes every fourth one; the integral is then h/2 times [`Self::sum`].
    pub fn halve(&mut self, midpoints: &TrapezoidSums) {
        let mut fine = self.fine;
        fine.add(midpoints.fine.sum);
        fine.add(midpoints.fine.compensation);
        self.quarter = self.coarse;
        self.coarse = self.fine;
        self.fine = fine;
    }

    /// The sum of the values at every node: the integral is h times this.
    pub fn sum(&self) -> f64 {
        self.fine.value()
    }

    /// Whether the rule of step h is accepted: by the three-level test of the peak-centred rule
    /// on its relative disagreements with the rules of steps 2h and 4h, or where its disagreement
    /// with the rule of step 2h is below `noise` (the relative rounding noise of the values). A
    /// zero sum (nothing visited) is accepted; a sum that is not finite is not.
    pub fn converged(&self, noise: f64) -> bool {
        let fine = self.fine.value();
        if fine == 0.0 {
            return true;
        }
        let agreement = (fine - 2.0 * self.coarse.value()).abs() / fine;
        let rough = (2.0 * self.coarse.value() - 4.0 * self.quarter.value()).abs() / fine;
        fine.is_finite() && (converged(agreement, rough) || agreement <= noise)
    }
}

/// Where the graded step starts to widen, in the variable u of [`GradedMap`] (units of the peak's
/// curvature radius σ): ψ′ has moved halfway from σ to r·σ at |u| = this. Chosen on the
/// integrands of `benches`' speed probe and ∫ φ(t)Φ(t)^m dt up to m = 10⁴ (an emulation in
/// doubles of this rule, onsets 0.5 to 2): at 0.5 the step widened before the curvature had
/// relaxed on the steepest of them and the first check failed (one halving); from 1 on, none
/// failed, and later onsets only add nodes.
const GRADING_ONSET: f64 = 1.0;

/// The width, in u, of the smooth change of the step from σ to r·σ (ψ′ moves by a logistic
/// curve of this scale; the branch points of the softplus at u = ±[`GRADING_ONSET`] ± iπ·this
/// keep the mapped integrand analytic in the strip |Im u| < π·this, wide beside the steps used).
const GRADING_WIDTH: f64 = 1.0;

/// The curvature of a tail is measured at t* ± this·σ: far enough that the factors have settled
/// (on the benchmark integrands the curvature radius there is 1.4–2.7σ on the wide side), near
/// enough that the point lies well inside the window.
const GRADING_PROBE: f64 = 5.0;

/// The widest step, in units of the step at the peak. Larger stretches (up to 3.75 measured, on
/// ∫ φ(t)Φ(t)^{10⁴} dt) bring the rule of step 2h close to failing its check and save few nodes.
const MAX_STRETCH: f64 = 3.0;

/// Stretches below this (r − 1) save too few nodes to matter: that side keeps the constant step
/// (and the node no lookup of the profile).
const MIN_STRETCH: f64 = 0.1;

/// A side whose curvature radius at the probe is below this fraction of σ (a wall far steeper
/// than the peak) is compressed: its step shrinks to r/this of the step at the peak (at least
/// [`MIN_COMPRESSION`]). On EXACT examples at C = 1000 the walls measure 0.13–0.41σ at the probe,
/// and the rules whose check failed at the constant step were those below 0.22σ (16 of the 17
/// failures among 300 examples, the 16 steepest walls); compressed from 0.3σ, none fails (with
/// every wall compressed in proportion, 3 to 15 more nodes fell on the wall side, where every
/// class is near, than the failures cost).
const COMPRESSION_ONSET: f64 = 0.3;

/// The narrowest step of a compressed side, in units of the step at the peak: ψ′ stays above
/// σ/2 even with both sides compressed (the two logistic terms sum to at most 1).
const MIN_COMPRESSION: f64 = 0.5;

/// The map t = t* + ψ(u) of the graded trapezoid rule, with
///
/// ψ′(u) = σ·(1 + (r₊ − 1)·S((u − u₀)/w) + (r₋ − 1)·S((−u − u₀)/w)), ψ(0) = 0,
///
/// where S is the logistic function, u₀ = [`GRADING_ONSET`], w = [`GRADING_WIDTH`], and
/// r₊, r₋ ∈ [½, 3] are the stretches of the right and left tails (above 1 on a wide side,
/// below 1 on a wall far steeper than the peak); integrated,
///
/// ψ(u) = σ·(u + (r₊ − 1)·P(u) − (r₋ − 1)·P(−u)),  P(v) = w·(sp((v − u₀)/w) − sp(−u₀/w)),
///
/// with the softplus sp(x) = ln(1 + eˣ). Near the peak the step in t is σh, as for the constant
/// rule; from a few σ out on a stretched or compressed side it is r·σh. Since the two logistic
/// terms sum to less than 1 (their arguments sum to −2u₀/w < 0), ψ′ ≥ σ/2 and ψ increases;
/// at the centre ψ′(0)/σ ≥ 1 − S(−u₀/w) > ½. ψ is analytic for |Im u| < πw, so the rule in u
/// keeps the geometric convergence (and the three-level check) of the constant one.
struct GradedMap {
    sigma: f64,
    /// r₋ − 1 and r₊ − 1 (0 for a side that keeps the constant step; negative for a compressed
    /// side).
    stretch: [f64; 2],
}

/// (sp(x), S(x)) = (ln(1 + eˣ), 1/(1 + e^{−x})) from one exponential, without overflow.
#[inline]
fn softplus_and_logistic(x: f64) -> (f64, f64) {
    let e = (-x.abs()).exp();
    let logistic = if x >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
    (x.max(0.0) + e.ln_1p(), logistic)
}

/// The stretch profile of one side of [`GradedMap`] at v (v = u on the right, −u on the left):
/// (P(v), P′(v)) = (w·(sp((v − u₀)/w) − sp(−u₀/w)), S((v − u₀)/w)).
fn stretch_profile(v: f64) -> (f64, f64) {
    let (sp, logistic) = softplus_and_logistic((v - GRADING_ONSET) / GRADING_WIDTH);
    let (sp0, _) = softplus_and_logistic(-GRADING_ONSET / GRADING_WIDTH);
    (GRADING_WIDTH * (sp - sp0), logistic)
}

/// Spacing of the finest grid in u that the rule visits ([`TRAPEZOID_STEP`] after
/// [`TRAPEZOID_HALVINGS`] halvings): every node is a multiple of it.
const FINEST_SPACING: f64 = TRAPEZOID_STEP / (1u32 << TRAPEZOID_HALVINGS) as f64;

/// The profile is tabulated for |v| ≤ this (640 nodes of the finest grid each way; the march
/// rarely goes past 20).
const PROFILE_REACH: f64 = 40.0;

/// [`stretch_profile`] at v, from a table of its values on the finest grid (computed once per
/// process) when v is a node within [`PROFILE_REACH`], otherwise directly: the same bits either
/// way, without an exponential and a logarithm per node.
#[inline]
fn tabulated_stretch_profile(v: f64) -> (f64, f64) {
    static TABLE: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    let half = (PROFILE_REACH / FINEST_SPACING) as usize;
    let k = v / FINEST_SPACING;
    if k.fract() != 0.0 || k.abs() > half as f64 {
        return stretch_profile(v);
    }
    let table = TABLE.get_or_init(|| {
        (0..=2 * half).map(|i| stretch_profile((i as f64 - half as f64) * FINEST_SPACING)).collect()
    });
    table[(k + half as f64) as usize]
}

impl GradedMap {
    /// The map of a rule around a peak of curvature radius σ: with ρ the curvature radius at
    /// t* ± [`GRADING_PROBE`]·σ over σ, a side is stretched by r = min(ρ, [`MAX_STRETCH`]) where
    /// ρ ≥ 1 + [`MIN_STRETCH`], compressed by r = max(ρ/[`COMPRESSION_ONSET`],
    /// [`MIN_COMPRESSION`]) where ρ < [`COMPRESSION_ONSET`], and kept constant otherwise (as
    /// where the probe falls outside the range, or the curvature is not finite and negative).
    /// Two evaluations of the derivatives (of the surrogate where the integrand has one,
    /// [`LogConcaveIntegrand::surrogate_derivatives`]).
    fn measured<F: LogConcaveIntegrand>(
        f: &F,
        lo: f64,
        hi: f64,
        peak: f64,
        sigma: f64,
        evaluations: &Cell<u64>,
    ) -> Self {
        let mut stretch = [0.0; 2];
        for (side, sign) in [-1.0f64, 1.0].into_iter().enumerate() {
            let t = peak + sign * GRADING_PROBE * sigma;
            if !(t > lo && t < hi) {
                continue;
            }
            // The surrogate's curvature where the integrand has one (not counted: a fraction of
            // an evaluation), g's otherwise.
            let (_, _, curvature) = f.surrogate_derivatives(t);
            if !f.has_surrogate() {
                evaluations.set(evaluations.get() + 1);
            }
            let r = 1.0 / (sigma * (-curvature).sqrt());
            // NaN (a curvature ≥ 0 or not finite) fails the comparisons and keeps the side constant.
            if r - 1.0 >= MIN_STRETCH {
                stretch[side] = r.min(MAX_STRETCH) - 1.0;
            } else if r < COMPRESSION_ONSET {
                stretch[side] = (r / COMPRESSION_ONSET).max(MIN_COMPRESSION) - 1.0;
            }
        }
        Self { sigma, stretch }
    }

    /// A lower bound of the spacing, in t, of the nodes of step h beyond u (outward, on u's side):
    /// σh·(1 + (r − 1)·S((|u| − u₀)/w)) for a stretched side (r > 1), whose logistic grows
    /// outward, and σh·r for a compressed one (r < 1, the limit of its step), less the other
    /// side's compression (r′ − 1 < 0; a stretch there only adds).
    fn least_spacing_beyond(&self, u: f64, h: f64) -> f64 {
        let side = usize::from(u > 0.0);
        let extra = self.stretch[side];
        let own = if extra > 0.0 { extra * tabulated_stretch_profile(u.abs()).1 } else { extra };
        self.sigma * h * (1.0 + own + self.stretch[1 - side].min(0.0))
    }

    /// An upper bound of every node's weight ψ′(u)/σ: 1 plus the stretches (r − 1 > 0) of the
    /// stretched sides.
    fn largest_weight(&self) -> f64 {
        1.0 + self.stretch[0].max(0.0) + self.stretch[1].max(0.0)
    }

    /// (ψ(u), ψ′(u)/σ): the node's offset from the peak and its weight relative to the
    /// constant rule's.
    #[inline]
    fn offset_and_weight(&self, u: f64) -> (f64, f64) {
        let (mut offset, mut weight) = (u, 1.0);
        for (side, sign) in [-1.0f64, 1.0].into_iter().enumerate() {
            let extra = self.stretch[side];
            if extra != 0.0 {
                let (profile, slope) = tabulated_stretch_profile(sign * u);
                offset += sign * extra * profile;
                weight += extra * slope;
            }
        }
        (self.sigma * offset, weight)
    }
}

/// Halvings of the trapezoid step before the adaptive rule takes over.
const TRAPEZOID_HALVINGS: usize = 2;

/// Cap on the trapezoid nodes of one integral.
const TRAPEZOID_MAX_NODES: usize = 1024;

/// The march outward stops once a bound of the terms it has not visited is below this fraction
/// of the sum so far ([`tail_bound`]); a tenth of a rounding of the result.
const TAIL_TOLERANCE: f64 = 1e-17;

/// The bound of [`tail_bound`] is tried only below this many log-units under the peak (where
/// the march is surely past the peak, on the integrand's decreasing tail).
const TAIL_CHECK_DEPTH: f64 = 25.0;

/// An upper bound of the trapezoid terms beyond the last node J of a side (outward), from the
/// last two nodes: g is concave, so beyond t_J it lies below the line through its values at
/// t_{J−1} and t_J, of slope −κ with κ = (g(t_{J−1}) − g(t_J))/|t_J − t_{J−1}| > 0; the later
/// nodes are at least `spacing` apart and weigh at most `weight`, so the k-th is at most
/// weight·e^{g(t_J) − g*}·q^k with q = e^{−κ·spacing}, and all of them together at most
///
/// weight·e^{g(t_J) − g*}·q/(1 − q).
///
/// +∞ when the last two values do not decrease outward.
/// How a node changed the accumulated gradient: the largest |change| of a component and the
/// largest |component| after it (both in the units of the running sums, e^{g − g*}·ψ′/σ·∂g/∂θ).
#[derive(Clone, Copy, Default)]
struct GradientSpread {
    change: f64,
    largest: f64,
}

impl GradientSpread {
    /// From the gradient sums before and after a node.
    fn of_change(before: &[f64], after: &[f64]) -> Self {
        let mut spread = GradientSpread::default();
        for (&b, &a) in before.iter().zip(after) {
            spread.change = spread.change.max((a - b).abs());
            spread.largest = spread.largest.max(a.abs());
        }
        spread
    }
}

/// An upper bound of every gradient component's terms beyond a side's last node J (outward):
/// with the decay of [`tail_bound`] (q = e^{−κ·`spacing`}), the later nodes at most `widest`
/// apart each, and |∂g/∂θ_k| growing along t by at most `growth` per unit
/// ([`LogConcaveIntegrand::gradient_growth`]), the m-th node beyond adds at most
/// W·e^{g(t_J) − g*}·q^m·(|∂g/∂θ_k(t_J)| + growth·m·widest) to component k, and
/// W·e^{g(t_J) − g*}·|∂g/∂θ_k(t_J)| is at most W/w_J times the node's own change of the sums
/// (w_J its weight `node_term`·e^{−(g(t_J) − g*)}); in all
///
/// (W/w_J)·change·q/(1 − q) + W·e^{g(t_J) − g*}·growth·widest·q/(1 − q)².
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn gradient_tail_bound(
    previous: (f64, f64),
    last: (f64, f64),
    spacing: f64,
    widest: f64,
    weight: f64,
    node_term: f64,
    spread: GradientSpread,
    growth: f64,
) -> f64 {
    let g1 = last.1;
    match tail_decay(previous, last, spacing) {
        Some(q) if node_term > 0.0 => {
            let ratio = q / (1.0 - q);
            let node_weight = node_term / g1.exp();
            (weight / node_weight) * spread.change * ratio
                + weight * g1.exp() * growth * widest * ratio / (1.0 - q)
        }
        _ => f64::INFINITY,
    }
}

/// The factor q = e^{−κ·`spacing`} by which the terms beyond the last node J at least decay from
/// one node to the next, κ = (g(t_{J−1}) − g(t_J))/|t_J − t_{J−1}| the secant slope through the
/// last two (value, relative log) pairs; `None` when g does not decrease outward there.
fn tail_decay(previous: (f64, f64), last: (f64, f64), spacing: f64) -> Option<f64> {
    let ((s0, g0), (s1, g1)) = (previous, last);
    let slope = (g0 - g1) / (s1 - s0).abs();
    (slope > 0.0).then(|| (-slope * spacing).exp())
}

// Out of line: it runs a few times per integral, and inlined it enlarged the march loop
// (criterion: 21.2 against 19.8 µs for the distinct-loadings orthant at d = 100).
#[inline(never)]
fn tail_bound(previous: (f64, f64), last: (f64, f64), spacing: f64, weight: f64) -> f64 {
    tail_decay(previous, last, spacing).map_or(f64::INFINITY, |q| weight * last.1.exp() * q / (1.0 - q))
}

/// Where the trapezoid rule of [`integrate_by_trapezoid`] is centred and how it is scaled: the
/// peak t*, the value of g there and the curvature, both of g or of its surrogate
/// ([`LogConcaveIntegrand::surrogate_derivatives`]).
pub(super) struct Scales {
    /// The centre t*.
    pub(super) peak: f64,
    /// g(t*), or the surrogate's value there when `exact` is false (the first node then gives
    /// g(t*)).
    pub(super) g_peak: f64,
    /// Whether `g_peak` is g(t*) itself.
    pub(super) exact: bool,
    /// The curvature at t*, which sets the step.
    pub(super) curvature: f64,
}

/// ln ∫ e^{g} by the trapezoid rule on the whole line, centred at the peak t* and scaled by
/// the curvature there, or `None` when it cannot be trusted (the adaptive rule then takes over).
///
/// The nodes are t* + ψ(j·h) with h = [`TRAPEZOID_STEP`] and σ = 1/√(−g″(t*)) in the map ψ
/// of [`GradedMap`], marched outward on each side until the terms not visited are bounded by
/// [`TAIL_TOLERANCE`] of the sum ([`tail_bound`], from the concavity of g: about 36 log-units
/// below the peak, four nodes fewer in all) and, with a gradient, of its largest component
/// ([`gradient_tail_bound`], where [`LogConcaveIntegrand::gradient_growth`] is known), or else
/// until g has dropped by [`LOG_WINDOW`]. For an integrand analytic in a strip around the real axis the trapezoid rule on
/// the line converges geometrically in 1/h, so T_h is accepted by [`converged`] from its
/// agreement with T_{2h} and T_{4h} (the even nodes and every fourth node, no new evaluation);
/// otherwise h is halved (the old nodes kept) up to [`TRAPEZOID_HALVINGS`] times. `None` also when the window reaches an
/// end of the range (the rule would not be the one on the line) or g rises above g* (the peak
/// was not the maximum).
pub(super) fn integrate_by_trapezoid<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    scales: Scales,
    gradient: Option<&mut [f64]>,
    evaluations: &Cell<u64>,
) -> Option<f64> {
    let sigma = 1.0 / (-scales.curvature).sqrt();
    if !(sigma.is_finite() && sigma > 0.0) {
        return None;
    }
    let map = GradedMap::measured(f, lo, hi, scales.peak, sigma, evaluations);
    let g_peak = (scales.g_peak, scales.exact);
    trapezoid_with_map(f, lo, hi, scales.peak, g_peak, &map, gradient, evaluations)
}

/// The rule of [`integrate_by_trapezoid`] with a given map.
#[allow(clippy::too_many_arguments)]
fn trapezoid_with_map<F: LogConcaveIntegrand>(
    f: &F,
    lo: f64,
    hi: f64,
    peak: f64,
    (g_peak, exact): (f64, bool),
    map: &GradedMap,
    gradient: Option<&mut [f64]>,
    evaluations: &Cell<u64>,
) -> Option<f64> {
    let frame = f.frame(peak);
    let mut h = TRAPEZOID_STEP;
    // ∂g/∂θ is accumulated with the weights exp(g − g*)·ψ′/σ as the nodes come (the final
    // weights are these times σh, which cancels in the division by the sum).
    let mut gradient = gradient;
    if let Some(out) = gradient.as_deref_mut() {
        out.iter_mut().for_each(|o| *o = 0.0);
    }
    // g* = g(t*) is the shift of every term. A centre found on the surrogate comes with an
    // estimate of it: the centre's node is then evaluated first, with the gradient against the
    // estimate and rescaled to g* (one evaluation, as the centre's node costs anyway).
    let centre_weight = map.offset_and_weight(0.0).1;
    let (g_peak, centre_term) = if exact {
        (g_peak, None)
    } else {
        if !(peak > lo && peak < hi) {
            return None;
        }
        evaluations.set(evaluations.get() + 1);
        match gradient.as_deref_mut() {
            None => (f.log_value_at(&frame, 0.0), Some(centre_weight)),
            Some(out) => {
                let (g, term) = f.log_value_and_gradient_at(&frame, 0.0, g_peak, centre_weight, out);
                if term > 0.0 && term.is_finite() {
                    let rescale = centre_weight / term;
                    out.iter_mut().for_each(|o| *o *= rescale);
                    (g, Some(centre_weight))
                } else {
                    // The estimate was too far off for the shifted term: the node again below.
                    out.iter_mut().for_each(|o| *o = 0.0);
                    (g, None)
                }
            }
        }
    };
    if !g_peak.is_finite() {
        return None;
    }
    // The march stops early where the terms not visited are bounded ([`tail_bound`]); with a
    // gradient only when the integrand bounds the growth of its parameter derivatives along t
    // ([`LogConcaveIntegrand::gradient_growth`]), whose tails can otherwise weigh far more than
    // those of e^{g} (an EXACT class far below the others). Otherwise it goes to LOG_WINDOW.
    let value_only = gradient.is_none();
    let growth = gradient.as_ref().and_then(|_| f.gradient_growth());
    let bounded_tail = value_only || growth.is_some();
    let mut count = 0usize;
    let mut before: Vec<f64> = Vec::new();
    // (s, g − g*, exp(g − g*)·ψ′/σ) at the node u of the map; with `measure` and a gradient, also
    // the largest change of a component of `out` at this node and the largest component after it.
    let mut node = |u: f64, measure: bool| -> Option<(f64, f64, f64, GradientSpread)> {
        let (s, weight) = map.offset_and_weight(u);
        let t = peak + s;
        if !(t > lo && t < hi) || count >= TRAPEZOID_MAX_NODES {
            return None;
        }
        let mut spread = GradientSpread::default();
        // The node's term exp(g − g*)·ψ′/σ, from the integrand with a gradient.
        let (g, term) = match gradient.as_deref_mut() {
            Some(out) if measure => {
                before.clear();
                before.extend_from_slice(out);
                let node = f.log_value_and_gradient_at(&frame, s, g_peak, weight, out);
                spread = GradientSpread::of_change(&before, out);
                node
            }
            Some(out) => f.log_value_and_gradient_at(&frame, s, g_peak, weight, out),
            None => {
                let g = f.log_value_at(&frame, s);
                (g, weight * (g - g_peak).exp())
            }
        };
        count += 1;
        evaluations.set(evaluations.get() + 1);
        let relative = g - g_peak;
        (relative <= 0.5).then_some((s, relative, term, spread))
    };
    // Σ exp(g − g*) over the nodes (T_h = h·Σ), and over the even ones and every fourth one for
    // the check, compensated: ~100 terms summed naively would leave 1e-15 of noise. The index of
    // a node counts from the peak on either side, so the coarser rules are centred there too.
    let mut sums = TrapezoidSums::default();
    // The peak's term is its weight times e^{g* − g*} = 1, without evaluating g again (g* is
    // its value there), unless the gradient is wanted at the node.
    let v = match centre_term {
        Some(v) => v,
        None if value_only => centre_weight,
        None => node(0.0, false)?.2,
    };
    sums.add(0, v);
    let mut reach = [0usize; 2];
    for (side, sign) in [-1.0f64, 1.0].into_iter().enumerate() {
        let mut j = 0usize;
        let mut previous = (0.0, 0.0);
        loop {
            j += 1;
            let u = sign * j as f64 * h;
            // The gradient's spread is measured where the bound may be tried.
            let measure = growth.is_some() && previous.1 < -TAIL_CHECK_DEPTH;
            let (s, relative, v, spread) = node(u, measure)?;
            sums.add(j as i64, v);
            if relative < -LOG_WINDOW {
                break;
            }
            if bounded_tail && relative < -TAIL_CHECK_DEPTH {
                let last = (s, relative);
                let (spacing, weight) = (map.least_spacing_beyond(u, h), map.largest_weight());
                let value_done = tail_bound(previous, last, spacing, weight) <= TAIL_TOLERANCE * sums.sum();
                let gradient_done = match growth {
                    None => true,
                    Some(growth) => {
                        // Spacing of the nodes beyond at most σh times the largest weight.
                        let widest = map.sigma * h * weight;
                        measure
                            && gradient_tail_bound(previous, last, spacing, widest, weight, v, spread, growth)
                                <= TAIL_TOLERANCE * spread.largest
                    }
                };
                if value_done && gradient_done {
                    break;
                }
            }
            previous = (s, relative);
        }
        reach[side] = j;
    }
    let mut halvings = 0;
    let mut noise = None;
    while !sums.converged(0.0) {
        // Relative rounding noise of exp(g − g*): a few ulps of Σ |ln factor| (computed once,
        // only when the rule has not agreed to the tolerance).
        let noise = *noise.get_or_insert_with(|| {
            evaluations.set(evaluations.get() + 1);
            4.0 * f64::EPSILON * (1.0 + f.log_magnitude(peak))
        });
        if sums.converged(noise) {
            break;
        }
        if halvings == TRAPEZOID_HALVINGS {
            return None;
        }
        halvings += 1;
        // The midpoints of the current grid, from the leftmost node to the rightmost.
        let mut midpoints = TrapezoidSums::default();
        let (left, right) = (reach[0] as i64, reach[1] as i64);
        for k in -left..right {
            midpoints.add(0, node((k as f64 + 0.5) * h, false)?.2);
        }
        h *= 0.5;
        (reach[0], reach[1]) = (2 * reach[0], 2 * reach[1]);
        sums.halve(&midpoints);
    }
    let fine = sums.sum();
    if let Some(out) = gradient {
        out.iter_mut().for_each(|o| *o /= fine);
    }
    Some(g_peak + (map.sigma * h * fine).ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lattice sums accept the rule of step h where it is accurate and refuse it where it is
    /// not: on e^{−t²/(2σ²)}, whose trapezoid rule is off by about 2e^{−2π²σ²/h²} relative,
    /// the steps σ/4 and σ/3 pass (their results within 1e-15 of σ√(2π)); the steps σ (off by
    /// 5e-9) and 2σ do not, nor does σ/2, accurate but vouched for only by a check rule of step
    /// σ that is off by 5e-9 (a²/b = 2e-15, short of the safety factor); the rule of step σ
    /// halved by its midpoints is that of step σ/2, sums and verdict; an empty sum passes, a
    /// non-finite one does not.
    #[test]
    fn trapezoid_sums_accept_only_converged_rules() {
        let sigma = 0.7;
        let rule = |h: f64| {
            let mut sums = TrapezoidSums::default();
            let reach = (12.0 * sigma / h).ceil() as i64;
            for j in -reach..=reach {
                let t = h * j as f64;
                sums.add(j, (-0.5 * t * t / (sigma * sigma)).exp());
            }
            (sums.converged(0.0), h * sums.sum() / (sigma * (2.0 * std::f64::consts::PI).sqrt()) - 1.0)
        };
        for divisor in [4.0, 3.0] {
            let (accepted, error) = rule(sigma / divisor);
            assert!(accepted && error.abs() < 1e-15, "σ/{divisor}: {accepted} {error:e}");
        }
        assert!(rule(sigma / 2.0).1.abs() < 1e-15);
        for divisor in [2.0, 1.0, 0.5] {
            assert!(!rule(sigma / divisor).0, "σ/{divisor} accepted");
        }
        // The rule of step σ (refused) halved by its midpoints is the rule of step σ/2, sums
        // and verdict alike.
        let (coarse_step, reach) = (sigma, 12);
        let value = |t: f64| (-0.5 * t * t / (sigma * sigma)).exp();
        let (mut halved, mut midpoints, mut fine) =
            (TrapezoidSums::default(), TrapezoidSums::default(), TrapezoidSums::default());
        for j in -reach..=reach {
            halved.add(j, value(coarse_step * j as f64));
            midpoints.add(0, value(coarse_step * (j as f64 + 0.5)));
        }
        for j in -2 * reach..=2 * reach + 1 {
            fine.add(j, value(0.5 * coarse_step * j as f64));
        }
        assert!(!halved.converged(0.0));
        halved.halve(&midpoints);
        assert_eq!(halved.converged(0.0), fine.converged(0.0));
        assert!((halved.sum() / fine.sum() - 1.0).abs() < 1e-15);
        assert!(TrapezoidSums::default().converged(0.0));
        let mut infinite = TrapezoidSums::default();
        infinite.add(0, f64::INFINITY);
        assert!(!infinite.converged(0.0));
    }
    use crate::mills_ratio::log_cdf_and_inverse_mills;
    use crate::normal::log_pdf;

    /// ψ(0) = 0, ψ′ is the derivative of ψ (central differences), ψ increases, and far out the
    /// step is r·σ on a stretched side and σ on the other.
    /// The bound of the terms beyond a side's last node holds (with little slack on a Gaussian)
    /// for Gaussian and lopsided concave integrands (g = −t²/2, and ln φ(t) + ln Φ(10t)), for nodes of
    /// steps 0.05 to 0.5 from 5 to 40 log-units down, and is +∞ where g does not decrease.
    #[test]
    fn tail_bound_covers_the_unvisited_terms() {
        let integrands: [&dyn Fn(f64) -> f64; 2] =
            [&|t: f64| -0.5 * t * t, &|t: f64| log_pdf(t) + log_cdf_and_inverse_mills(10.0 * t).0];
        for (k, g) in integrands.iter().enumerate() {
            for h in [0.05, 0.2, 0.5] {
                for sign in [-1.0, 1.0] {
                    for j in 1..400 {
                        let (t0, t1) = (sign * (j - 1) as f64 * h, sign * j as f64 * h);
                        let (g0, g1) = (g(t0), g(t1));
                        if !(-40.0..=-5.0).contains(&g1) || g1 >= g0 {
                            continue;
                        }
                        let rest: f64 = (1..2000).map(|m| g(t1 + sign * m as f64 * h).exp()).sum();
                        let bound = tail_bound((t0, g0), (t1, g1), h, 1.0);
                        assert!(rest <= bound, "integrand {k}, h = {h}, t = {t1}: {rest:e} > {bound:e}");
                        // Tight on the Gaussian (the secant slope is nearly the slope beyond);
                        // on a wall it is the secant's, far below the steepness further out.
                        if k == 0 {
                            assert!(bound <= 1e3 * rest, "h = {h}, t = {t1}: {bound:e} ≫ {rest:e}");
                        }
                    }
                }
            }
        }
        assert_eq!(tail_bound((0.0, -1.0), (0.5, -1.0), 0.5, 1.0), f64::INFINITY);
        assert_eq!(tail_bound((0.0, -2.0), (0.5, -1.0), 0.5, 1.0), f64::INFINITY);
    }

    /// The bound of the gradient's terms beyond a side's last node holds for a Gaussian g and
    /// for g = −2|t| (exponential tails, where the growth term is needed) whose parameter
    /// derivative is the inverse Mills ratio r(−t) (growing like |t| into the right
    /// tail and falling into the left one, at most 1 per unit: growth 1) or 1 + 10|t| (growth
    /// 10), for steps 0.05 to 0.5 and node weights 1 and 2.5; within a few orders of them where
    /// the derivative grows; +∞ where g does not decrease.
    #[test]
    fn gradient_tail_bound_covers_the_unvisited_terms() {
        let gaussian = |t: f64| -0.5 * t * t;
        let exponential = |t: f64| -2.0 * t.abs();
        check_gradient_tail_bound(&gaussian);
        check_gradient_tail_bound(&exponential);
        let spread = GradientSpread { change: 1.0, largest: 1.0 };
        assert_eq!(
            gradient_tail_bound((0.0, -1.0), (0.5, -1.0), 0.5, 0.5, 1.0, 1.0, spread, 1.0),
            f64::INFINITY
        );
    }

    fn check_gradient_tail_bound(g: &dyn Fn(f64) -> f64) {
        let mills = |t: f64| log_cdf_and_inverse_mills(-t).1;
        let linear = |t: f64| 1.0 + 10.0 * t.abs();
        let derivatives: [(&dyn Fn(f64) -> f64, f64); 2] = [(&mills, 1.0), (&linear, 10.0)];
        for (k, &(derivative, growth)) in derivatives.iter().enumerate() {
            for h in [0.05, 0.2, 0.5] {
                for weight in [1.0, 2.5] {
                    for sign in [-1.0, 1.0] {
                        for j in 2..400 {
                            let (t0, t1) = (sign * (j - 1) as f64 * h, sign * j as f64 * h);
                            let (g0, g1) = (g(t0), g(t1));
                            if !(-40.0..=-5.0).contains(&g1) {
                                continue;
                            }
                            // The sums' terms carry the node weight; every later node weighs at
                            // most `weight` (here exactly).
                            let rest: f64 = (1..4000)
                                .map(|m| t1 + sign * m as f64 * h)
                                .map(|t| weight * g(t).exp() * derivative(t))
                                .sum();
                            let node_term = weight * g1.exp();
                            let spread = GradientSpread { change: node_term * derivative(t1), largest: 1.0 };
                            let bound = gradient_tail_bound(
                                (t0, g0),
                                (t1, g1),
                                h,
                                h,
                                weight,
                                node_term,
                                spread,
                                growth,
                            );
                            // (Exact for linear g and derivative, up to the rounding of the sums.)
                            assert!(
                                rest <= bound * (1.0 + 1e-12),
                                "{k}: h = {h}, t = {t1}: {rest:e} > {bound:e}"
                            );
                            // Where the derivative grows the bound is within a few orders of the
                            // terms; where it falls it is loose (the growth term).
                            if sign > 0.0 || k == 1 {
                                assert!(bound <= 1e3 * rest, "{k}: h = {h}, t = {t1}: {bound:e} ≫ {rest:e}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// For stretched, compressed and mixed maps: ψ(0) = 0, ψ′ is the derivative of ψ (central
    /// differences), ψ increases with ψ′ ≥ σ/2, the centre's weight is above ½, far out the step
    /// is r·σ on each side, and the bounds of the tails hold: the spacing of the nodes beyond u
    /// is at least [`GradedMap::least_spacing_beyond`] and every weight at most
    /// [`GradedMap::largest_weight`].
    #[test]
    fn graded_map_offset_is_the_integral_of_its_weight() {
        for stretch in [[1.5, 0.0], [-0.5, 2.0], [-0.5, -0.5], [0.0, -0.3]] {
            let map = GradedMap { sigma: 0.3, stretch };
            assert_eq!(map.offset_and_weight(0.0).0, 0.0);
            assert!(map.offset_and_weight(0.0).1 > 0.5, "{stretch:?}");
            let mut previous = f64::NEG_INFINITY;
            for k in -400..=400 {
                let u = k as f64 * 0.05;
                let (offset, weight) = map.offset_and_weight(u);
                assert!(offset > previous && weight >= 0.5, "{stretch:?}, u = {u}");
                assert!(weight <= map.largest_weight(), "{stretch:?}, u = {u}");
                previous = offset;
                let e = 1e-5;
                let slope = (map.offset_and_weight(u + e).0 - map.offset_and_weight(u - e).0) / (2.0 * e);
                assert!(
                    (slope - map.sigma * weight).abs() <= 1e-9,
                    "u = {u}: {slope} vs {}",
                    map.sigma * weight
                );
                // Every later node on u's side (u ≠ 0, as the march asks), for the step 0.05, is at
                // least this far from the last.
                let h = 0.05;
                if k == 0 {
                    continue;
                }
                let least = map.least_spacing_beyond(u, h);
                for j in 0..200 {
                    let v = u + u.signum() * j as f64 * h;
                    let gap =
                        (map.offset_and_weight(v + u.signum() * h).0 - map.offset_and_weight(v).0).abs();
                    assert!(gap >= least * (1.0 - 1e-12), "{stretch:?}, u = {u}, v = {v}: {gap} < {least}");
                }
            }
            for (side, sign) in [-1.0f64, 1.0].into_iter().enumerate() {
                let far = map.offset_and_weight(sign * 30.0).1;
                assert!((far - (1.0 + stretch[side])).abs() < 1e-12, "{stretch:?}: {far}");
            }
        }
    }

    /// g(t) = ln φ(t) + m·ln Φ(t), ∫ e^{g} = 1/(m + 1): a wall on the left, the wide Gaussian
    /// tail on the right.
    struct PowerOfCdf(f64);

    impl LogConcaveIntegrand for PowerOfCdf {
        type Frame = f64;
        fn frame(&self, anchor: f64) -> f64 {
            anchor
        }
        fn log_value_at(&self, anchor: &f64, s: f64) -> f64 {
            self.log_value(anchor + s)
        }
        fn log_value(&self, t: f64) -> f64 {
            log_pdf(t) + self.0 * log_cdf_and_inverse_mills(t).0
        }
        fn log_magnitude(&self, t: f64) -> f64 {
            log_pdf(t).abs() + self.0 * log_cdf_and_inverse_mills(t).0.abs()
        }
        fn derivatives(&self, t: f64) -> (f64, f64, f64) {
            let r = log_cdf_and_inverse_mills(t).1;
            (self.log_value(t), self.0 * r - t, -1.0 - self.0 * r * (t + r))
        }
        fn add_parameter_gradient_at(&self, _: &f64, _: f64, _: f64, _: &mut [f64]) {}
    }

    /// The tabulated profile is the direct one, bit for bit, on and off the grid.
    #[test]
    fn tabulated_profile_is_the_direct_profile() {
        for k in -700..=700 {
            for v in [k as f64 * FINEST_SPACING, k as f64 * FINEST_SPACING + 0.01] {
                let (a, b) = (tabulated_stretch_profile(v), stretch_profile(v));
                assert_eq!((a.0.to_bits(), a.1.to_bits()), (b.0.to_bits(), b.1.to_bits()), "v = {v}");
            }
        }
    }

    /// On a lopsided integrand with a closed form the measured map stretches the wide side only
    /// (and compresses a steep wall), and the graded rule is as accurate as the constant one with
    /// fewer nodes.
    #[test]
    fn graded_rule_matches_the_closed_form_with_fewer_nodes_than_the_constant_step() {
        for m in [10.0f64, 100.0, 1000.0, 10_000.0] {
            let f = PowerOfCdf(m);
            // The peak by Newton's method from 0 (g is concave).
            let mut peak = 0.0;
            for _ in 0..50 {
                let (_, d1, d2) = f.derivatives(peak);
                peak -= d1 / d2;
            }
            let (g_peak, _, curvature) = f.derivatives(peak);
            let sigma = 1.0 / (-curvature).sqrt();
            let (inf, measured) = (f64::INFINITY, Cell::new(0));
            let map = GradedMap::measured(&f, -inf, inf, peak, sigma, &measured);
            assert_eq!(measured.get(), 2);
            // The wide side stretched; the wall kept, or compressed where far steeper than the
            // peak (m = 1000 and 10⁴: its curvature radius at the probe 0.23σ and 0.16σ).
            assert!(map.stretch[0] <= 0.0 && map.stretch[1] > 0.5, "m = {m}: {:?}", map.stretch);
            let constant = GradedMap { sigma, stretch: [0.0; 2] };
            let want = -(m + 1.0).ln();
            let mut counts = [0; 2];
            for (k, map) in [map, constant].iter().enumerate() {
                let evaluations = Cell::new(0);
                let got = trapezoid_with_map(&f, -inf, inf, peak, (g_peak, true), map, None, &evaluations)
                    .expect("accepted");
                assert!((got - want).abs() <= 1e-15 * want.abs(), "m = {m}, map {k}: {got} vs {want}");
                counts[k] = evaluations.get();
            }
            assert!(4 * counts[0] < 3 * counts[1], "m = {m}: {counts:?}");
        }
    }
}
