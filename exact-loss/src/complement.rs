//! The error probability 1 − A of the EXACT accuracy and the gradient of A, accurate relative to
//! themselves when A is close to 1.
//!
//! With shifts d (length n = C − 1), A = ∫ φ(z) Π_i Φ(d_i + z) dz. When every d_i is large, A
//! rounds to 1 and the one-factor quadrature of A, whose nodes sit where Π Φ ≈ 1, cannot see
//! either 1 − A or the gradient, whose integrands live near z ≈ −d_i/2. Here both are integrated
//! directly:
//!
//! ```text
//! 1 − A = ∫ φ(z) (−expm1(S(z))) dz,          S(z) = Σ_i ln Φ(d_i + z) ≤ 0,
//! ∂A/∂d_k = ∫ φ(z) φ(d_k + z) Π_{i≠k} Φ(d_i + z) dz
//!        = φ(d_k/√2)/√2 · P_k,                P_k = ∫ e^{−(z + d_k/2)²}/√π · e^{S(z) − ln Φ(d_k + z)} dz,
//! ```
//!
//! using φ(z)φ(d + z) = φ(d/√2) e^{−(z + d/2)²}/√(2π). P_k ∈ (0, 1] is a probability (of the
//! conditional orthant given Y_k = 0, Karpukhin et al., arXiv 2205.09615, eq. for the gradient),
//! so every component is formed as its exact scale φ(d_k/√2)/√2 times a number computed to a
//! relative accuracy, and nothing underflows before the final product. For 1 − A, with
//! d₀ = min d_i > 0 and x_i = d_i + z, the integrand is written around its dominant factor:
//!
//! ```text
//! φ(z)(−expm1(S)) = φ(d₀/√2) · e^{−(z + d₀/2)²}/√(2π) · R(x₀) · Σ_i ρ_i · κ,
//! ρ_i = (−ln Φ(x_i))/Q(x₀),  κ = −expm1(S)/(−S),
//! ```
//!
//! (R the Mills ratio, Q = 1 − Φ), so the large exponent d₀²/4 is taken out exactly and no
//! difference 1 − Π Φ is ever formed.
//!
//! All integrals share one set of nodes: adaptive Gauss–Kronrod (7/15) on unit panels over a
//! range that contains every peak (each peak lies in [−d_k/2 − 1, −d₀/2 + 10] and every
//! integrand falls off at least like e^{−t²/2} around it), each panel one vector-valued rule
//! ([`mvn_orthant::quadrature::gauss_kronrod_panel`]) with the integrands (1 − A's, then the
//! P_k's) as its components, bisected until the error estimate of 1 − A and of every P_k
//! (|K − G|·min(1, (200 |K − G|/K)^{3/2}), [`KronrodSums::smooth_error`]: the integrands are
//! positive and analytic) is below 1e-14 of its own value (or below the rounding noise of the
//! values: a few ulps of the log-terms summed in their exponents). At a node the sum S costs one Mills
//! ratio per class, stopping once the remaining (smaller) terms cannot matter, and each
//! component costs one exponential.
//!
//! Most of that work is not needed: each P_k lives within a few units of its own peak, and on
//! confident examples much of the range holds neither a component near its peak nor a
//! noticeable part of 1 − A. A first pass evaluates the nodes at the panel ends only; since S
//! and every S_k = S − ln Φ(d_k + z) increase with z, their values there bound every integrand
//! on every panel (`Plan`). A component is evaluated only on panels where it can come within
//! e^{−60} of its peak (and, at a node, only where it does, against the largest value met so
//! far), and a panel is skipped when no component is evaluated on it and 1 − A's integrand is
//! below 1e-20 of the integral there. Components whose Gaussian factor e^{−(z + d_k/2)²} is
//! below e^{−400} are never evaluated.
//!
//! Every integrand here is entire (Gaussians times products of Φ) and positive, and on
//! confident examples close to a Gaussian of width 1/√2 in z, which the trapezoid rule of step
//! ½ already integrates to about 1e-17. So the rule tried first is the trapezoid rule on the
//! lattice of four steps per panel over the panels of the plan (4 nodes per unit where the
//! Gauss–Kronrod panels take 15), each integral accepted by the three-level check of
//! [`TrapezoidSums`] on its own; the ones it does not accept get one halving of the step, and
//! the adaptive Gauss–Kronrod panels above integrate those that still fail (a component
//! steepened by classes with d_i well below d_k/2, whose P_k is then tiny).
//!
//! The accuracy and the loss need the gradient in doubles only, where a component with
//! d_k > 55 is 0 whatever P_k is (its scale φ(d_k/√2)/√2 is below half the smallest subnormal).
//! They integrate the components up to that shift alone, over the range those need
//! (`UNDERFLOWING_SHIFT`): on the confident examples of the benchmark, where most shifts are
//! far larger, this is most of the work left out. [`error_probability_of_shifts`] integrates
//! every component, for the logarithms of the gradient.

use mvn_orthant::mills_ratio::{log_cdf_and_inverse_mills, mills_ratio, upper_tail_of_magnitude};
use mvn_orthant::normal::upper_tail;
use mvn_orthant::one_factor::shifted_orthant_log_value_and_gradient;
use mvn_orthant::quadrature::{gauss_kronrod_panel, KronrodSums, TrapezoidSums};

/// Below this union bound Σ_i Q(d_i/√2) ≥ 1 − A, the accuracy entry points compute A, its
/// gradient and 1 − A by this module instead of the one-factor quadrature of A.
///
/// The one-factor quadrature resolves its integrand to e^{−36}…e^{−42} of the peak (its march
/// stops once the terms it has not visited are below 1e-17 of the value and of the largest
/// gradient component), so components of the gradient far below A are lost, and 1 − A formed from A has an absolute error of a few
/// 1e-16. Above the threshold, 1 − A ≥ (union bound)/n ≥ 1e-3/n, so for n < 10⁴ 1 − A ≥ 1e-7
/// and the largest gradient component (of the order of 1 − A) is resolved by the one-factor
/// quadrature to better than 1e-10 of itself; below it, the complement costs a few times more
/// but only for examples that are already classified with confidence.
pub const COMPLEMENT_THRESHOLD: f64 = 1e-3;

/// ln √(2π) = ½ ln(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// ½ ln π.
const HALF_LN_PI: f64 = 0.572_364_942_924_700_1;
/// ½ ln 2.
const HALF_LN_2: f64 = 0.346_573_590_279_972_65;
/// Relative tolerance of every integral.
const TOLERANCE: f64 = 1e-14;
/// A component is skipped at nodes where |z + d_k/2| exceeds this (its factor is < e^{−400}), so
/// components whose conditional probability P_k is above about e^{−300} keep their relative accuracy.
const COMPONENT_REACH: f64 = 20.0;
/// Left of its centre z_k = −d_k/2 the integrand of P_k is at most e^{−u²} times its value at
/// the centre (u = z + d_k/2: the factor Π_{i≠k} Φ(d_i + z) increases with z), so a component is
/// skipped at nodes with u below −this: what it leaves out is below e^{−64} of the component's
/// peak value, and P_k ≥ ½√(2π/(n + 1)) times that value (its log-integrand is concave with
/// curvature ≥ −(n + 1), since |(ln Φ)″| ≤ 1; the ½ for a peak at an end of its range).
const COMPONENT_LEFT_REACH: f64 = 8.0;
/// A component is also skipped at a node where its exponent is more than this below the largest
/// exponent of that component met so far (a lower bound of its peak): each value left out is
/// below e^{−60} of the peak, together (over a range of at most [`MAX_RANGE`] and Kronrod
/// weights summing to the panel widths) below 1e-22 of P_k by the bound above. The nodes come
/// left to right on the first pass, so a component is computed from u = −[`COMPONENT_LEFT_REACH`]
/// to a little past its peak, instead of over the whole reach.
const COMPONENT_DROP: f64 = 60.0;
/// Widest integration range: shifts more than about 2·`MAX_RANGE` above the smallest one have
/// components below e^{−10⁴} and are left out (gradient 0, log-gradient −∞).
const MAX_RANGE: f64 = 120.0;
/// Maximal bisection depth and number of panels.
const MAX_DEPTH: u32 = 40;
const MAX_PANELS: usize = 5000;

/// 1 − A and the gradient for shifts d, as computed by [`error_probability_of_shifts`].
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftErrorProbability {
    /// 1 − A (0 when there are no competitors).
    pub value: f64,
    /// ln(1 − A), accurate far below the smallest double (−∞ when there are no competitors).
    pub log_value: f64,
    /// ∂(1 − A)/∂d_k = −∂A/∂d_k (≤ 0).
    pub gradient: Vec<f64>,
    /// ln ∂A/∂d_k = ln(−∂(1 − A)/∂d_k), finite where the component underflows.
    pub log_accuracy_gradient: Vec<f64>,
}

/// The union bound Σ_i Q(d_i/√2) ≥ 1 − A (each term is P(Y_i ≤ 0), Y_i ~ N(d_i, 2)), summed
/// until it reaches `stop`.
pub fn union_bound(shifts: &[f64], stop: f64) -> f64 {
    let mut sum = 0.0;
    for &d in shifts {
        sum += upper_tail(d * std::f64::consts::FRAC_1_SQRT_2);
        if sum >= stop || sum.is_nan() {
            break;
        }
    }
    sum
}

/// ln(1 − A), the log error probability of the EXACT orthant, by the complement quadrature
/// (relative error of 1 − A about 1e-13 for any shifts, including where it underflows).
///
/// ```
/// use exact_loss::complement::log_error_probability_of_shifts;
/// // Two classes: 1 − A = Q(d/√2); Q(20) = 2.7536241186062337e-89 (mpmath).
/// let v = log_error_probability_of_shifts(&[20.0 * std::f64::consts::SQRT_2]);
/// assert!((v - 2.753_624_118_606_233_7e-89f64.ln()).abs() < 1e-12);
/// ```
pub fn log_error_probability_of_shifts(shifts: &[f64]) -> f64 {
    complement(shifts, None, Components::All)
}

/// 1 − A, ln(1 − A) and the gradient of the EXACT orthant A(d) = P(Y > 0), Y ~ N(d, I + 11ᵀ), by
/// the complement quadrature described in the module documentation: 1 − A to about 1e-13 relative
/// and every gradient component to about 1e-12 relative to itself (components whose conditional
/// probability P_k is below ~e^{−300} ≈ 1e-130 only to that fraction of their scale
/// φ(d_k/√2)/√2).
///
/// Works for any shifts; it is meant for A close to 1, where A itself rounds to 1. An empty
/// `shifts` (one class) gives 1 − A = 0. A shift of +∞ is a competitor that never wins
/// (gradient 0), one of −∞ makes A = 0; NaN shifts give NaN.
///
/// ```
/// use exact_loss::complement::error_probability_of_shifts;
/// // C = 1000 confident classes: 1 − A ≈ 1e-100, which the accuracy itself cannot show.
/// let e = error_probability_of_shifts(&vec![30.0; 999]);
/// assert!(e.value > 0.0 && e.value < 1e-90);
/// assert!(e.gradient.iter().all(|&g| g < 0.0));
/// ```
pub fn error_probability_of_shifts(shifts: &[f64]) -> ShiftErrorProbability {
    let n = shifts.len();
    let mut log_gradient = vec![f64::NEG_INFINITY; n];
    let log_value = complement(shifts, Some(&mut log_gradient), Components::All);
    let gradient = log_gradient.iter().map(|&l| -l.exp()).collect();
    ShiftErrorProbability { value: log_value.exp(), log_value, gradient, log_accuracy_gradient: log_gradient }
}

/// (1 − A, ln(1 − A), ∂(1 − A)/∂d) as [`error_probability_of_shifts`] computes them, for callers
/// that need the gradient in doubles only (the accuracy and the loss): the components with
/// d_k > [`UNDERFLOWING_SHIFT`], whose ∂A/∂d_k rounds to 0 whatever P_k is, are not integrated,
/// nor is the range that only they would need. Every value returned has the same accuracy as
/// there; only the logarithms of those components, which this does not return, are left out.
pub(crate) fn error_probability_and_gradient_of_shifts(shifts: &[f64]) -> (f64, f64, Vec<f64>) {
    let mut log_gradient = vec![f64::NEG_INFINITY; shifts.len()];
    let log_value = complement(shifts, Some(&mut log_gradient), Components::Representable);
    (log_value.exp(), log_value, log_gradient.iter().map(|&l| -l.exp()).collect())
}

/// Above this shift the gradient component ∂A/∂d_k = φ(d_k/√2)/√2 · P_k, with P_k ≤ 1, is below
/// e^{−d_k²/4}/(2√π) < 2⁻¹⁰⁷⁵ (half the smallest subnormal double, from d_k > 54.56): it rounds
/// to 0 whatever P_k is.
const UNDERFLOWING_SHIFT: f64 = 55.0;

/// Which gradient components the complement integrates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Components {
    /// Every one within the range (for their logarithms).
    All,
    /// Those with d_k ≤ [`UNDERFLOWING_SHIFT`], the only ones that are not 0 in doubles.
    Representable,
}

/// The relevant shifts, sorted, and what the integration needs to know about them.
struct Setup<'a> {
    /// The shifts taking part in the integration range, in increasing order.
    d: Vec<f64>,
    /// Original index of each sorted shift.
    index: Vec<usize>,
    /// Number of finite shifts (those of `d` and those beyond the range).
    count: usize,
    /// The number of leading shifts of `d` whose gradient components are integrated (0 without
    /// a gradient).
    components: usize,
    /// ln of the scale of 1 − A: −d₀²/4 − ln √(2π) when d₀ > 0, else 0.
    reference: f64,
    /// Whether the integrand of 1 − A is written around Q(x₀) (d₀ > 0).
    anchored: bool,
    /// ∂A/∂d_k wanted.
    gradient: Option<&'a mut [f64]>,
    /// Whether the work is planned ([`Plan`], [`COMPONENT_LEFT_REACH`], [`COMPONENT_DROP`]);
    /// without, every component is evaluated at every node of its reach (the tests' reference).
    planned: bool,
    /// The rule tried first on a planned integration.
    rule: Rule,
}

/// The quadrature rule of the complement.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rule {
    /// The trapezoid rule on the lattice of [`TRAPEZOID_STEPS`] steps per panel of the plan,
    /// with the adaptive Gauss–Kronrod rule where it does not pass its check.
    Trapezoid,
    /// The adaptive Gauss–Kronrod rule alone (the tests' reference).
    #[cfg(test)]
    Kronrod,
}

/// One evaluated panel: 1 − A's Kronrod value and error, and those of the components on it.
struct Panel {
    lo: f64,
    hi: f64,
    depth: u32,
    value: f64,
    error: f64,
    /// The components evaluated on the panel (sorted indices).
    active: Vec<usize>,
    /// Their Kronrod values and error estimates.
    components: Vec<(f64, f64)>,
    /// Relative rounding noise of the integrand values on the panel: a few ulps of the largest
    /// log-terms that are added up (|S|, z², the reference) — error estimates below it are noise.
    noise: f64,
}

/// ln(1 − A); with `log_gradient`, ln ∂A/∂d_k written into it for the `components` asked for
/// (−∞ for the others).
fn complement(shifts: &[f64], log_gradient: Option<&mut [f64]>, components: Components) -> f64 {
    complement_planned(shifts, log_gradient, components, true, Rule::Trapezoid)
}

/// [`complement`], planned or not (see [`Setup::planned`]).
fn complement_planned(
    shifts: &[f64],
    mut log_gradient: Option<&mut [f64]>,
    components: Components,
    planned: bool,
    rule: Rule,
) -> f64 {
    if let Some(g) = log_gradient.as_deref_mut() {
        g.iter_mut().for_each(|x| *x = f64::NEG_INFINITY);
    }
    if shifts.iter().any(|d| d.is_nan()) {
        if let Some(g) = log_gradient {
            g.iter_mut().for_each(|x| *x = f64::NAN);
        }
        return f64::NAN;
    }
    if shifts.contains(&f64::NEG_INFINITY) {
        return 0.0; // A = 0; every component of ∂A/∂d is 0.
    }
    // The pairs (the bits of d_i mapped to an unsigned integer of the same order, i): sorted,
    // they give the shifts in increasing order, ties by index (the pairs are distinct, so the
    // unstable sort gives one order, comparing integers instead of going through the indices).
    let mut keyed: Vec<(u64, usize)> = shifts
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_finite())
        .map(|(i, &d)| (ordered_bits(d), i))
        .collect();
    let Some(&(_, first)) = keyed.iter().min() else {
        return f64::NEG_INFINITY;
    };
    let (count, d0) = (keyed.len(), shifts[first]);
    let unzip = |keyed: &[(u64, usize)]| -> (Vec<f64>, Vec<usize>) {
        keyed.iter().map(|&(_, i)| (shifts[i], i)).unzip()
    };
    if d0 < -40.0 {
        // A < Q(28) ≈ 1e-173: 1 − A rounds to 1 and the one-factor quadrature of A, accurate
        // in log space where A is tiny, gives everything (∂A/∂d_k = A ∂ln A/∂d_k).
        keyed.sort_unstable();
        let (d, index) = unzip(&keyed);
        let mut g = vec![0.0; d.len()];
        let log_a = shifted_orthant_log_value_and_gradient(&d, &mut g);
        if let Some(out) = log_gradient {
            for (k, &i) in index.iter().enumerate() {
                out[i] = log_a + g[k].ln();
            }
        }
        return (-log_a.exp_m1()).ln();
    }
    // The range: from below the leftmost relevant peak to beyond the rightmost.
    let right = if d0 >= 0.0 { -0.5 * d0 } else { -d0 } + 18.0;
    // Only the relevant shifts are sorted and kept: the others have x = d + z ≥ 38 at every
    // node (z ≥ left ≥ −(2·MAX_RANGE − 2·right − 24)/2 − 12, with right ≤ 58), so their terms of
    // S, below Q(38) ≈ 3e-316, are left out; the gradient is −∞ there either way.
    let is_relevant = |x: f64| -0.5 * x - 12.0 >= right - MAX_RANGE;
    keyed.retain(|&(_, i)| i == first || is_relevant(shifts[i]));
    keyed.sort_unstable();
    let (d, index) = unzip(&keyed);
    let components = match (&log_gradient, components) {
        (None, _) => 0,
        (Some(_), Components::All) => d.len(),
        (Some(_), Components::Representable) => d.partition_point(|&x| x <= UNDERFLOWING_SHIFT),
    };
    // Left of the leftmost component's reach (of the peak of 1 − A's integrand, near −d₀/2,
    // without components).
    let left = (-0.5 * d[components.max(1) - 1]).min(0.0) - 12.0;
    let anchored = d0 > 0.0;
    let reference = if anchored { -0.25 * d0 * d0 - LN_SQRT_2PI } else { 0.0 };
    let mut setup =
        Setup { d, index, count, components, reference, anchored, gradient: log_gradient, planned, rule };
    integrate(&mut setup, left, right)
}

/// The bits of x as an unsigned integer whose order is that of the doubles (`f64::total_cmp`):
/// negative numbers have every bit flipped, the others only the sign bit.
fn ordered_bits(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// ln Φ(x) from one Mills ratio (`mvn_orthant::mills_ratio`).
#[inline]
fn log_cdf(x: f64) -> f64 {
    log_cdf_and_inverse_mills(x).0
}

/// The node values at z: the logarithm of the scaled integrand of 1 − A, S(z) over the terms
/// used, and their number; with `buffer`, ln Φ(d_i + z) for the first `used` sorted shifts (the
/// rest are negligible and taken as 0).
fn node(setup: &Setup<'_>, z: f64, buffer: &mut [f64]) -> (f64, f64, usize) {
    let d = &setup.d;
    let n = d.len();
    // The number of terms left after term i counts the shifts beyond the range as well.
    let count = setup.count;
    let x0 = d[0] + z;
    let mut s = 0.0; // S(z) over the terms used
    let mut used = n;
    if setup.anchored && x0 > 0.0 {
        let r0 = mills_ratio(x0);
        // Q(x) = φ(x)R(x) with x² split exactly (relative error below 1e-15 where it is normal).
        let q0 = upper_tail_of_magnitude(x0);
        let log_form = q0 < 1e-250;
        let inverse_q0 = 1.0 / q0;
        let mut rho = 0.0;
        for i in 0..n {
            let x = d[i] + z;
            // The first shift is the anchor itself; R(x) is needed only by the logarithmic form.
            let q = if i == 0 { q0 } else { upper_tail_of_magnitude(x) };
            // ln(1 − q) and c = −ln(1 − q)/q = 1 + q/2 + q²/3 + …; below 1e-5 the series to q³
            // (relative error below q⁴/5 = 2e-21), without a logarithm and a division.
            let (lp, c) = if q < 1e-5 {
                let c = 1.0 + q * (0.5 + q * (1.0 / 3.0 + 0.25 * q));
                (-q * c, c)
            } else {
                let lp = (-q).ln_1p();
                (lp, -lp / q)
            };
            buffer[i] = lp;
            s += lp;
            let ratio = if log_form {
                (-(d[i] - d[0]) * 0.5 * (x + x0) + (mills_ratio(x) / r0).ln()).exp()
            } else {
                q * inverse_q0
            };
            let term = ratio * c;
            rho += term;
            if term * ((count - i) as f64) <= 1e-18 * rho {
                used = i + 1;
                break;
            }
        }
        let t = -(z + 0.5 * d[0]).powi(2) - LN_SQRT_2PI + (r0 * rho).ln() + log_kappa(s);
        (t, s, used)
    } else {
        for i in 0..n {
            let lp = log_cdf(d[i] + z);
            buffer[i] = lp;
            s += lp;
            if -lp * ((count - i) as f64) <= -1e-18 * s {
                used = i + 1;
                break;
            }
        }
        let t = -0.5 * z * z - LN_SQRT_2PI + (-s.exp_m1()).ln() - setup.reference;
        (t, s, used)
    }
}

/// ln κ(s) with κ = −expm1(s)/(−s) = (e^s − 1)/s, for s ≤ 0: ln κ = s/2 + s²/24 − s⁴/2880 + …,
/// by that series where |s| < 1e-4 (error below s⁶/181440 relative to 1, 6e-30), which spares the
/// confident examples (S ~ −1e-20) an `expm1` and a logarithm; 0 where −s ≤ 1e-300.
#[inline]
fn log_kappa(s: f64) -> f64 {
    if -s <= 1e-300 {
        0.0
    } else if -s < 1e-4 {
        let s2 = s * s;
        0.5 * s + s2 * (1.0 / 24.0 - s2 * (1.0 / 2880.0))
    } else {
        (s.exp_m1() / s).ln()
    }
}

/// Evaluates one Gauss–Kronrod panel of every integral: component 0 of the vector integrand is
/// 1 − A's, component 1 + j is P_k's for k = `active[j]`, all from one evaluation of the node
/// values. `peak` holds, per sorted component, the largest exponent met so far (at first the
/// bound of [`Plan`]).
fn panel(
    setup: &Setup<'_>,
    lo: f64,
    hi: f64,
    depth: u32,
    active: Vec<usize>,
    buffer: &mut [f64],
    peak: &mut [f64],
) -> Panel {
    let width = active.len();
    let mut magnitude = 0.0f64;
    let mut integrand = |z: f64, values: &mut [f64]| {
        magnitude = magnitude.max(integrands_at(setup, z, &active, buffer, peak, values));
    };
    let mut sums = vec![KronrodSums::default(); 1 + width];
    gauss_kronrod_panel(&mut integrand, lo, hi, &mut vec![0.0; 1 + width], &mut sums);
    // The smooth (positive, analytic) integrands take the sharper error estimate of the panel.
    let estimate = |s: &KronrodSums| (s.value(), s.smooth_error());
    let (value, error) = estimate(&sums[0]);
    let components = sums[1..].iter().map(estimate).collect();
    let noise = 4.0 * f64::EPSILON * (1.0 + magnitude + setup.reference.abs());
    Panel { lo, hi, depth, value, error, active, components, noise }
}

/// The integrands at z: 1 − A's (scaled as in the module documentation) into `values[0]`, and
/// the components `active` into `values[1..]`, each 0 at a node where the plan skips it (left of
/// its reach, or more than [`COMPONENT_DROP`] below the largest exponent met so far, which
/// `peak` keeps per sorted component). Returns the magnitude of the log-terms added up at the
/// node, |S| + z²/2, for the rounding noise.
fn integrands_at(
    setup: &Setup<'_>,
    z: f64,
    active: &[usize],
    buffer: &mut [f64],
    peak: &mut [f64],
    values: &mut [f64],
) -> f64 {
    let (log_value, s, used) = node(setup, z, buffer);
    let log_cdf = |k: usize| if k < used { buffer[k] } else { 0.0 };
    integrands_from_node(setup, z, (log_value, s), log_cdf, active, peak, values)
}

/// [`integrands_at`] from the values of [`node`] at z: (ln of 1 − A's scaled integrand, S) and
/// ln Φ(d_k + z) by component.
fn integrands_from_node(
    setup: &Setup<'_>,
    z: f64,
    (log_value, s): (f64, f64),
    log_cdf: impl Fn(usize) -> f64,
    active: &[usize],
    peak: &mut [f64],
    values: &mut [f64],
) -> f64 {
    let (left_reach, drop) =
        if setup.planned { (COMPONENT_LEFT_REACH, COMPONENT_DROP) } else { (COMPONENT_REACH, f64::INFINITY) };
    values[0] = log_value.exp();
    for (&k, out) in active.iter().zip(&mut values[1..]) {
        let lp = log_cdf(k);
        let u = z + 0.5 * setup.d[k];
        let exponent = -u * u - HALF_LN_PI + (s - lp);
        let top = &mut peak[k];
        *out = if u < -left_reach || exponent < *top - drop {
            0.0
        } else {
            *top = top.max(exponent);
            exponent.exp()
        };
    }
    s.abs() + 0.5 * z * z
}

/// Lattice steps per panel of the plan in the trapezoid rule ([`trapezoid`]): a step of about
/// ¼, for integrands that are Gaussians of width 1/√2 in z times slowly varying factors on the
/// confident examples, whose rule of step ½ (the check) is already exact to about 1e-17.
const TRAPEZOID_STEPS: usize = 4;

/// 1 − A's scaled integral and every component's P_k by the trapezoid rule on the lattice
/// z_j = left + j·h, h = `step`/[`TRAPEZOID_STEPS`], over the panels that the plan keeps (each
/// integrand evaluated where the plan evaluates it); each integral is checked on its own by the
/// three-level test of [`TrapezoidSums`], those that fail get one halving of the step (the
/// midpoints on the panels where they are evaluated) and a second check, and an integral is
/// `None` where that fails too. The rounding noise
/// below which a disagreement is not counted is, per integral, 4ε times the magnitude of the
/// log-terms at the nodes (|S| + z²/2, the reference, and z² for a component) averaged with the
/// weights of its values: the bound of the rounding of its sum.
///
/// Every integrand here is analytic and positive (entire, in fact: Gaussians times products of
/// Φ), and negligible where the plan leaves it out (below e^{−60} of a component's peak, below
/// 1e-20 of 1 − A), so the rule on the lattice is the rule on the whole line up to that, which
/// converges geometrically in 1/h; its rules of steps 2h and 4h come from the same nodes. On the
/// confident examples every integrand is close to a Gaussian of width 1/√2 in z, which the rule
/// of step ½ already integrates to about 1e-17, and the lattice needs 4 nodes per unit where the
/// Gauss–Kronrod panels take 15. A component whose integrand is narrow (classes with d_i well
/// below d_k/2 steepen it; its P_k is then tiny) can fail the check at both steps, and the
/// adaptive rule integrates it again.
fn trapezoid(
    setup: &Setup<'_>,
    left: f64,
    step: f64,
    plan: &[Option<Vec<usize>>],
    ends: &Ends,
    buffer: &mut [f64],
    peak: &mut [f64],
) -> (Option<f64>, Vec<Option<f64>>) {
    let pieces = plan.len();
    let h = step / TRAPEZOID_STEPS as f64;
    let mut value = TrapezoidSums::default();
    let mut components = vec![TrapezoidSums::default(); setup.components];
    let mut values = Vec::new();
    // Σ v_j and Σ v_j·(magnitude at node j), for 1 − A (first) and each component.
    let mut weights = vec![(0.0f64, 0.0f64); 1 + setup.components];
    for (p, active) in plan.iter().enumerate() {
        let Some(active) = active else { continue };
        // A panel's nodes: its left end and interior; its right end too when the next panel is
        // skipped (or this is the last). A node shared by two panels takes the components of the
        // right one: those of the left one that it drops are below e^{−60} of their peaks there.
        let last = p + 1 == pieces || plan[p + 1].is_none();
        let count = TRAPEZOID_STEPS + usize::from(last);
        values.resize(1 + active.len(), 0.0);
        for m in 0..count {
            let j = p * TRAPEZOID_STEPS + m;
            // The panel ends are the plan's nodes, evaluated already.
            let node_magnitude = if m % TRAPEZOID_STEPS == 0 {
                let e = p + m / TRAPEZOID_STEPS;
                let node = (ends.log_value[e], ends.log_sum[e]);
                integrands_from_node(
                    setup,
                    ends.z[e],
                    node,
                    |k| ends.log_cdf(e, k),
                    active,
                    peak,
                    &mut values,
                )
            } else {
                integrands_at(setup, left + h * j as f64, active, buffer, peak, &mut values)
            };
            value.add(j as i64, values[0]);
            weights[0].0 += values[0];
            weights[0].1 += values[0] * node_magnitude;
            for (&k, &v) in active.iter().zip(&values[1..]) {
                components[k].add(j as i64, v);
                weights[1 + k].0 += v;
                weights[1 + k].1 += v * node_magnitude;
            }
        }
    }
    let noise = |(total, weighted): (f64, f64), extra: f64| {
        let magnitude = if total > 0.0 { weighted / total } else { 0.0 };
        4.0 * f64::EPSILON * (1.0 + magnitude + setup.reference.abs() + extra)
    };
    // A component's exponent also holds −(z + d_k/2)² ≥ −COMPONENT_REACH².
    let component_extra = COMPONENT_REACH * COMPONENT_REACH;
    // 1 − A's sums first, then the components'.
    let mut sums: Vec<TrapezoidSums> = std::iter::once(value).chain(components).collect();
    let accepted = |sums: &[TrapezoidSums], weights: &[(f64, f64)]| -> Vec<bool> {
        let extra = |i: usize| if i == 0 { 0.0 } else { component_extra };
        sums.iter().zip(weights).enumerate().map(|(i, (s, &w))| s.converged(noise(w, extra(i)))).collect()
    };
    let mut settled = accepted(&sums, &weights);
    let mut steps = vec![h; sums.len()];
    if settled.contains(&false) {
        // One halving for the integrals not accepted: the midpoints of the lattice on the panels
        // where one of them is evaluated (every panel kept, when 1 − A is one of them); the
        // others keep their sums.
        let mut midpoints = vec![TrapezoidSums::default(); sums.len()];
        for (p, active) in plan.iter().enumerate() {
            let Some(active) = active else { continue };
            if settled[0] && active.iter().all(|&k| settled[1 + k]) {
                continue;
            }
            values.resize(1 + active.len(), 0.0);
            for m in 0..TRAPEZOID_STEPS {
                let z = left + h * ((p * TRAPEZOID_STEPS + m) as f64 + 0.5);
                let node_magnitude = integrands_at(setup, z, active, buffer, peak, &mut values);
                let integrals = std::iter::once(0).chain(active.iter().map(|&k| 1 + k));
                for (i, &v) in integrals.zip(&values).filter(|&(i, _)| !settled[i]) {
                    midpoints[i].add(0, v);
                    weights[i].0 += v;
                    weights[i].1 += v * node_magnitude;
                }
            }
        }
        for (i, midpoints) in midpoints.iter().enumerate().filter(|&(i, _)| !settled[i]) {
            sums[i].halve(midpoints);
            steps[i] = 0.5 * h;
        }
        settled = accepted(&sums, &weights);
    }
    let mut results =
        sums.iter().zip(&settled).zip(&steps).map(|((s, &ok), &step)| ok.then(|| step * s.sum()));
    let value = results.next().flatten();
    (value, results.collect())
}

/// Which unit panels and which components on them are worth evaluating, from [`node`] at the
/// panel ends z_j = left + j·step (j = 0 … pieces; one node evaluation each).
///
/// Two monotonicities make the values at the ends bound the integrands on a whole panel
/// [z_j, z_{j+1}]: S(z) = Σ ln Φ(d_i + z) increases with z, and so does every
/// S_k = S − ln Φ(d_k + z), while −ln Φ(d_k + z) decreases.
///
/// * 1 − A: its integrand φ(z)(1 − e^{S(z)}) is at most φ(z)/φ(z_j) times its value at z_j for
///   z ≥ z_j and at least that for z ≤ z_j; so the panel left of an end is a lower bound of
///   the integral, and each panel has an upper bound. A panel whose bound is below e^{−46}
///   (1e-20) of the largest lower bound is negligible for 1 − A.
/// * P_k: the exponent −(z + d_k/2)² − ½ ln π + S_k(z) of its integrand, at the panel ends in
///   its reach, bounds its peak from below (`peak_bound`); on a panel it is at most
///   −min (z + d_k/2)² − ½ ln π + S(z_{j+1}) − ln Φ(d_k + z_j). Where that is more than
///   [`COMPONENT_DROP`] below the peak bound, [`panel`] would skip the component at every node
///   (its running maximum only rises above the bound), so it is left off the panel's list.
///
/// A panel with no component on its list and negligible for 1 − A is skipped. On the confident
/// examples of the benchmark (`speed_probe confident`, 64 examples of C = 1000) this leaves out
/// the far left of the range, where only the components of the largest shifts reach, all far
/// below their own peaks, and the right end, where 1 − A's integrand is below 1e-30 of its
/// peak: per example 1 259 node evaluations instead of 1 798 (121 of them at the panel ends),
/// 5 187 terms of S instead of 10 247, and 5 852 exponentials of components instead of 49 393.
/// What is left out is below e^{−60} of each component's peak and 1e-20 of 1 − A, below the
/// rounding of the sums: on 400 random sets of shifts (C = 2 to 1 000, d₀ from 1 to 46) 1 − A
/// and every component with P_k above e^{−300} came out bit for bit as without the plan.
struct Plan {
    /// Per sorted component, a lower bound of the largest exponent of its integrand.
    peak_bound: Vec<f64>,
    /// Per unit panel, the components to evaluate on it, or `None` when the panel is skipped.
    panels: Vec<Option<Vec<usize>>>,
    /// The node values at the panel ends (empty without the plan), for the trapezoid rule,
    /// whose lattice contains them.
    ends: Ends,
}

/// [`node`] at the panel ends z_j: its values, and ln Φ(d_k + z_j) for the components k below
/// the node's stop (flattened; 0 beyond, as in [`integrands_at`]).
#[derive(Default)]
struct Ends {
    z: Vec<f64>,
    log_value: Vec<f64>,
    log_sum: Vec<f64>,
    log_cdf: Vec<f64>,
    /// Where each end's ln Φ values start in `log_cdf` (one more entry than ends).
    start: Vec<usize>,
}

impl Ends {
    /// ln Φ(d_k + z_j) as [`integrands_at`] takes it (0 beyond the node's stop).
    fn log_cdf(&self, j: usize, k: usize) -> f64 {
        let at = self.start[j] + k;
        if at < self.start[j + 1] {
            self.log_cdf[at]
        } else {
            0.0
        }
    }
}

/// A panel is negligible for 1 − A when the bound of its integral is below e^{−this} (1e-20) of
/// the largest lower bound of the integral ([`Plan`]).
const PANEL_NEGLIGIBLE: f64 = 46.0;

/// Slack added to the upper bounds of [`Plan`] for the rounding of S and of the terms left out
/// by the early stop of [`node`] (both below 1e-10 in the exponent).
const BOUND_SLACK: f64 = 1.0;

impl Plan {
    fn new(setup: &Setup<'_>, left: f64, right: f64, pieces: usize, buffer: &mut [f64]) -> Plan {
        let step = (right - left) / pieces as f64;
        let end = |j: usize| if j == pieces { right } else { left + step * j as f64 };
        let relevant = setup.components;
        // The components whose reach meets [lo, hi] (d sorted: a contiguous range).
        let in_reach = |lo: f64, hi: f64, left_reach: f64| {
            let low = -2.0 * hi - 2.0 * left_reach;
            let high = -2.0 * lo + 2.0 * COMPONENT_REACH;
            let d = &setup.d[..relevant];
            d.partition_point(|&x| x < low)..d.partition_point(|&x| x <= high)
        };
        if !setup.planned {
            let panels =
                (0..pieces).map(|j| Some(in_reach(end(j), end(j + 1), COMPONENT_REACH).collect())).collect();
            return Plan {
                peak_bound: vec![f64::NEG_INFINITY; setup.d.len()],
                panels,
                ends: Ends::default(),
            };
        }
        // Per end: ln of the scaled 1 − A integrand, S, and ln Φ(d_k + z_j) for k below the
        // node's stop and below `relevant` (flattened; 0 beyond, as in [`panel`]).
        let mut ends = Ends { start: vec![0], ..Ends::default() };
        for j in 0..=pieces {
            let z = end(j);
            let (t, s, used) = node(setup, z, buffer);
            ends.z.push(z);
            ends.log_value.push(t);
            ends.log_sum.push(s);
            ends.log_cdf.extend_from_slice(&buffer[..used.min(relevant)]);
            ends.start.push(ends.log_cdf.len());
        }
        let (log_value, log_sum) = (&ends.log_value, &ends.log_sum);
        let lp = |j: usize, k: usize| ends.log_cdf(j, k);
        // 1 − A: the largest lower bound (the panel left of an end) and each panel's upper bound.
        let log_step = step.ln();
        let lower = (1..=pieces)
            .map(|j| {
                let (z, z_left) = (end(j), end(j - 1));
                log_value[j] + (0.5 * (z * z - z_left * z_left)).min(0.0) + (z - z_left).ln()
            })
            .fold(f64::NEG_INFINITY, f64::max);
        let nearest_square = |lo: f64, hi: f64, c: f64| {
            let u = if c < lo {
                lo - c
            } else if c > hi {
                c - hi
            } else {
                0.0
            };
            u * u
        };
        // Components: the peak bounds from the exponents at the ends within reach.
        let mut peak_bound = vec![f64::NEG_INFINITY; setup.d.len()];
        let reach = |k: usize| {
            let centre = -0.5 * setup.d[k];
            let first = ((centre - COMPONENT_LEFT_REACH - left) / step).ceil().max(0.0) as usize;
            let last = (((centre + COMPONENT_REACH - left) / step).floor().max(-1.0) + 1.0) as usize;
            (centre, first, last.min(pieces + 1))
        };
        for (k, bound) in peak_bound.iter_mut().enumerate().take(relevant) {
            let (centre, first, last) = reach(k);
            for j in first..last {
                let u = end(j) - centre;
                *bound = bound.max(-u * u - HALF_LN_PI + log_sum[j] - lp(j, k));
            }
        }
        let panels = (0..pieces)
            .map(|j| {
                let (lo, hi) = (end(j), end(j + 1));
                let active: Vec<usize> = in_reach(lo, hi, COMPONENT_LEFT_REACH)
                    .filter(|&k| {
                        let above = -nearest_square(lo, hi, -0.5 * setup.d[k]) - HALF_LN_PI + log_sum[j + 1]
                            - lp(j, k);
                        above + BOUND_SLACK >= peak_bound[k] - COMPONENT_DROP
                    })
                    .collect();
                let upper = log_value[j] + 0.5 * (lo * lo - nearest_square(lo, hi, 0.0)) + log_step;
                let negligible = upper + BOUND_SLACK < lower - PANEL_NEGLIGIBLE;
                (!(active.is_empty() && negligible)).then_some(active)
            })
            .collect();
        Plan { peak_bound, panels, ends }
    }
}

/// The adaptive quadrature over [left, right]; returns ln(1 − A) and fills the log-gradient.
fn integrate(setup: &mut Setup<'_>, left: f64, right: f64) -> f64 {
    let n = setup.d.len();
    let mut buffer = vec![0.0; n];
    let pieces = ((right - left).ceil() as usize).max(1);
    let step = (right - left) / pieces as f64;
    let Plan { peak_bound: mut peak, panels: plan, ends } =
        Plan::new(setup, left, right, pieces, &mut buffer);
    let (sum, totals) = if setup.planned && setup.rule == Rule::Trapezoid {
        let (value, components) = trapezoid(setup, left, step, &plan, &ends, &mut buffer, &mut peak);
        let unsettled: Vec<bool> = components.iter().map(Option::is_none).collect();
        if value.is_some() && !unsettled.contains(&true) {
            (value.unwrap_or_default(), components.into_iter().map(Option::unwrap_or_default).collect())
        } else {
            // The adaptive rule for what the trapezoid rule did not settle: the panels of the
            // plan with those components (and with 1 − A, when it is one of them).
            let plan: Vec<Option<Vec<usize>>> = plan
                .iter()
                .map(|active| {
                    let kept: Vec<usize> =
                        active.as_ref()?.iter().copied().filter(|&k| unsettled[k]).collect();
                    (value.is_none() || !kept.is_empty()).then_some(kept)
                })
                .collect();
            let (sum, totals) = adaptive(setup, left, right, step, &plan, value, &mut buffer, &mut peak);
            let totals = components.iter().zip(&totals).map(|(c, &t)| c.unwrap_or(t)).collect();
            (value.unwrap_or(sum), totals)
        }
    } else {
        adaptive(setup, left, right, step, &plan, None, &mut buffer, &mut peak)
    };
    if let Some(out) = setup.gradient.as_deref_mut() {
        for (k, &total) in totals.iter().enumerate() {
            let dk = setup.d[k];
            // ln[φ(d_k/√2)/√2] + ln P_k.
            out[setup.index[k]] = -0.25 * dk * dk - LN_SQRT_2PI - HALF_LN_2 + total.ln();
        }
    }
    setup.reference + sum.ln()
}

/// 1 − A's scaled integral and every component's P_k by adaptive Gauss–Kronrod panels, bisected
/// from the plan's unit panels until every integral meets its tolerance. With `settled_value`
/// (1 − A's scaled integral, known), the panels are those of some components only: 1 − A's
/// tolerance on each is set from that value, as on the full set of panels, so the panels are
/// bisected as they would be there, and the sum returned for 1 − A is partial.
#[allow(clippy::too_many_arguments)]
fn adaptive(
    setup: &Setup<'_>,
    left: f64,
    right: f64,
    step: f64,
    plan: &[Option<Vec<usize>>],
    settled_value: Option<f64>,
    buffer: &mut [f64],
    peak: &mut [f64],
) -> (f64, Vec<f64>) {
    let n = setup.d.len();
    let pieces = plan.len();
    let initial: Vec<Panel> = (0..pieces)
        .filter_map(|p| {
            let active = plan[p].clone()?;
            let lo = left + step * p as f64;
            let hi = if p + 1 == pieces { right } else { lo + step };
            Some(panel(setup, lo, hi, 0, active, buffer, peak))
        })
        .collect();
    // Rough totals set the tolerances.
    let rough_value: f64 = settled_value.unwrap_or_else(|| initial.iter().map(|p| p.value).sum());
    let mut rough = vec![0.0; n];
    for p in &initial {
        for (&k, &(v, _)) in p.active.iter().zip(&p.components) {
            rough[k] += v;
        }
    }
    let total_width = right - left;
    let accept = |p: &Panel, rough: &[f64]| -> bool {
        let share = (p.hi - p.lo) / total_width;
        let fine = |value: f64, error: f64, total: f64, noise: f64| {
            error <= (TOLERANCE * total * share).max(noise * value).max(f64::MIN_POSITIVE)
        };
        // A component's exponent also holds −(z + d_k/2)² ≥ −COMPONENT_REACH².
        let component_noise = p.noise + 4.0 * f64::EPSILON * COMPONENT_REACH * COMPONENT_REACH;
        fine(p.value, p.error, rough_value, p.noise)
            && p.active.iter().zip(&p.components).all(|(&k, &(v, e))| fine(v, e, rough[k], component_noise))
    };
    let mut sum = 0.0;
    let mut totals = vec![0.0; n];
    let mut panels = initial.len();
    let mut stack: Vec<Panel> = initial.into_iter().rev().collect();
    while let Some(p) = stack.pop() {
        if accept(&p, &rough) || p.depth >= MAX_DEPTH || panels + stack.len() >= MAX_PANELS {
            sum += p.value;
            for (&k, &(v, _)) in p.active.iter().zip(&p.components) {
                totals[k] += v;
            }
        } else {
            let mid = 0.5 * (p.lo + p.hi);
            let right_half = panel(setup, mid, p.hi, p.depth + 1, p.active.clone(), buffer, peak);
            let left_half = panel(setup, p.lo, mid, p.depth + 1, p.active, buffer, peak);
            panels += 2;
            stack.push(right_half);
            stack.push(left_half);
        }
    }
    (sum, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// ln P_k from ln ∂A/∂d_k = ln[φ(d_k/√2)/√2] + ln P_k.
    fn log_conditional(log_gradient: f64, d: f64) -> f64 {
        log_gradient + 0.25 * d * d + LN_SQRT_2PI + HALF_LN_2
    }

    /// The plan leaves out only what lies below the rounding of the sums: against the unplanned
    /// integration (every component at every node of its reach, every panel), the planned one
    /// by the same adaptive rule gives 1 − A and every component whose P_k is above e^{−300}
    /// (the documented range of relative accuracy) to 1e-15 relative, on random shifts from two
    /// to a thousand classes, close together and spread out. The trapezoid rule (what the
    /// functions use), also without the gradient or with the representable components only
    /// (a shorter range), agrees with it to the documented accuracies: 1 − A to 1e-13, the
    /// components and the gradients in doubles to 1e-12 (where P_k > e^{−300} and the gradient
    /// is a normal double); the components left out (d_k > 55) are 0, as the full
    /// integration's round to 0.
    #[test]
    fn planned_integration_matches_the_unplanned_one() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut uniform = || ((rng.next_u64() >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0;
        let (mut worst_value, mut worst_component, mut compared) = (0.0f64, 0.0f64, 0usize);
        let (mut worst_other_range, mut worst_representable, mut compared_representable) =
            (0.0f64, 0.0f64, 0usize);
        let mut worst_trapezoid = 0.0f64;
        for case in 0..56 {
            let classes = [2usize, 3, 10, 30, 100, 300, 1000][case % 7];
            let d0 = 1.0 + 45.0 * uniform();
            let spread = [0.5, 3.0, 20.0, 100.0][(case / 7) % 4];
            let shifts: Vec<f64> = (0..classes - 1)
                .map(|i| {
                    let half_normal =
                        (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos().abs();
                    if i == 0 {
                        d0
                    } else {
                        d0 + spread * half_normal
                    }
                })
                .collect();
            let n = shifts.len();
            let (mut planned, mut unplanned, mut trapezoid) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            let log_planned =
                complement_planned(&shifts, Some(&mut planned), Components::All, true, Rule::Kronrod);
            let log_unplanned =
                complement_planned(&shifts, Some(&mut unplanned), Components::All, false, Rule::Kronrod);
            let log_trapezoid = complement(&shifts, Some(&mut trapezoid), Components::All);
            let log_value_only = complement(&shifts, None, Components::All);
            let (_, log_representable, representable) = error_probability_and_gradient_of_shifts(&shifts);
            let relative = (log_planned - log_unplanned).exp_m1().abs();
            assert!(relative <= 1e-15, "case {case}: 1 − A off by {relative:e}");
            worst_value = worst_value.max(relative);
            for log in [log_trapezoid, log_value_only, log_representable] {
                let relative = (log - log_unplanned).exp_m1().abs();
                assert!(relative <= 1e-13, "case {case}: 1 − A on another range off by {relative:e}");
                worst_other_range = worst_other_range.max(relative);
            }
            for (k, (&p, &u)) in planned.iter().zip(&unplanned).enumerate() {
                if log_conditional(u, shifts[k]) > -300.0 {
                    let relative = (p - u).exp_m1().abs();
                    assert!(relative <= 1e-15, "case {case}, component {k}: off by {relative:e}");
                    worst_component = worst_component.max(relative);
                    compared += 1;
                    let relative = (trapezoid[k] - u).exp_m1().abs();
                    assert!(
                        relative <= 1e-12,
                        "case {case}, component {k}: the trapezoid off by {relative:e}"
                    );
                    worst_trapezoid = worst_trapezoid.max(relative);
                }
                // The gradient in doubles, −∂A/∂d_k: 0 beyond d_k = 55; within the documented
                // 1e-12 of itself where P_k > e^{−300} and the gradient is a normal double.
                let (got, want) = (representable[k], -u.exp());
                if shifts[k] > UNDERFLOWING_SHIFT {
                    assert!(got == 0.0 && want == 0.0, "case {case}, component {k}: {got:e} {want:e}");
                } else if log_conditional(u, shifts[k]) > -300.0 && want.abs() >= f64::MIN_POSITIVE {
                    let relative = ((got - want) / want).abs();
                    assert!(relative <= 1e-12, "case {case}, component {k}: {got:e} against {want:e}");
                    worst_representable = worst_representable.max(relative);
                    compared_representable += 1;
                }
            }
        }
        println!(
            "{compared} components compared; worst: 1 − A {worst_value:e}, component {worst_component:e}; \
             by the trapezoid rule or on the shorter ranges: 1 − A {worst_other_range:e}, components \
             {worst_trapezoid:e}, {compared_representable} gradients in doubles {worst_representable:e}"
        );
        assert!(compared > 5000 && compared_representable > 1000, "{compared} {compared_representable}");
    }
}
