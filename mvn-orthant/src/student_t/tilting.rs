//! Small multivariate t probabilities with relative accuracy: the chi mixture with minimax
//! tilting inside.
//!
//! # The estimator
//!
//! With X = μ + Z/S, S = √(W/ν), and τ = ln S (`chi_mixture`),
//!
//! P = ∫ f_τ(t) P_N(t) dt,  P_N(t) = P(e^t (a − μ) ≤ Z ≤ e^t (b − μ)),  Z ~ N(0, Σ).
//!
//! A fixed quadrature rule Σᵢ wᵢ f_τ(tᵢ) P_N(tᵢ) is applied with every P_N(tᵢ) estimated by the
//! normal minimax-tilted estimator (`crate::tilting`, Botev 2017), which keeps a bounded relative
//! error however small P_N is, with its own seed [`derive_seed`]`(seed, i)`. Every node's estimate
//! is unbiased and the nodes are independent, so the sum is an unbiased estimate of the rule,
//! and its 99% half-width is
//!
//! ε_sampling = √(Σᵢ (wᵢ f_τ(tᵢ) εᵢ)²),
//!
//! εᵢ the node's own 99% half-width (a node with no path of positive weight, whose error is
//! unknown, adds its proxy term wᵢ e^{ĝ(tᵢ)} instead, a bound on its true term). Everything is
//! summed in log space (log-sum-exp), so that `log_value` stays finite far below the smallest
//! double.
//!
//! # The rule: placed by a deterministic proxy
//!
//! The outer integrand is unimodal in t (`chi_mixture`, Prékopa), but its noisy estimates could
//! mislead a mode search. The rule is therefore built first from a deterministic proxy, then
//! applied to the estimates:
//!
//! 1. **Proxy.** ĝ(t) = ln f_τ(t) + ψ*(t), where ψ*(t) is the log of the minimax saddle-point
//!    value of the scaled normal problem (`crate::tilting::saddle_point_log_value`): smooth in t,
//!    an upper bound e^{ψ*} ≥ P_N for full-rank problems, and close to ln P_N (minimax tilting has
//!    vanishing relative error in the tails; Botev 2017, Theorem 2 and §4). Where Newton's method
//!    fails, ψ* is replaced by the log of a small tilted estimate with a fixed seed.
//! 2. **Mode and scales.** The maximiser t̂ of ĝ: the best of a grid over the range of
//!    `chi_mixture` (from −50/ν − 5 to ½ ln(3400/ν + 20)), refined by golden section; then the
//!    one-nat distances σ₋, σ₊ at which ĝ has dropped by 1 below ĝ(t̂).
//! 3. **Panels.** t̂ ± σ±·[0, 1], [1, 2], [2, 4], … on each side until ĝ has dropped by
//!    [`TAIL_DROP`] nats (or the range ends), each integrated by the Gauss–Kronrod (7, 15) panel
//!    (`crate::quadrature`).
//!
//! The proxy is integrated with the same panels; its Kronrod error estimates (QUADPACK's), as a
//! fraction of the proxy's integral, are the quadrature error. The integrand is the proxy times
//! the smooth, slowly varying ratio P_N/e^{ψ*} ≤ 1, so the rule's relative error on it is of the
//! same order; with one-nat panels both are ~10⁻¹⁰ or below, far under the sampling error. The
//! mass beyond the last panels is bounded from the proxy (by concavity of ĝ, e^{ĝ(t_e)}·h/δ for a
//! last panel of width h over which ĝ fell by δ; at the left end of the range, the chi bound
//! √(ν/π) e^{ν t}/ν of `chi_mixture`), and since e^{ψ*} ≥ P_N it bounds the neglected mass of
//! P as well.
//!
//! The reported error (99% half-width) is ε_sampling plus the quadrature and tail terms plus the
//! rounding floor; `converged` is [`tolerance_met`] (or the relative error within `rel_tol`).
//!
//! # The budget among the nodes
//!
//! With shares cᵢ = wᵢ e^{ĝ(tᵢ)}/Σⱼ wⱼ e^{ĝ(tⱼ)} of the proxy (Σ cᵢ = 1), node i is given the
//! relative tolerance R/√cᵢ (at most ½), so that Σ cᵢ² (R/√cᵢ)² = R² Σ cᵢ = R². This is the
//! allocation of least cost: if node i's relative variance is σ²/nᵢ after nᵢ paths, minimising
//! Σ nᵢ subject to Σ cᵢ² σ²/nᵢ = R² gives nᵢ ∝ cᵢ, hence (σ/R)² Σ cᵢ = (σ/R)² paths in all, as
//! for one normal tilted run at the tolerance R (beside each node's first round). R is the relative error `auto` asks of the
//! tilted estimator (`rel_tol`, 10⁻³ when it is 0; tighter when `abs_tol` is below that share of
//! P). Each node has an even share of `max_evaluations` (at least its first round, 16 × 16
//! paths).
//!
//! # Why conditioning, not a tilt of the chi coordinate
//!
//! Botev and L'Ecuyer (2015) tilt the chi variable as one more coordinate of a joint saddle
//! point. Conditioning on the chi variable instead reuses the normal minimax tilting unchanged
//! (one engine, its saddle point, its driver, its error estimate and its tests), and the outer
//! integral is one-dimensional, smooth and unimodal, so a fixed Gauss–Kronrod rule integrates it
//! to far below the sampling error. The price is one tilted run per node (about 150 nodes, most
//! of them cheap), which the measured times in `docs/student-t.md` show to be acceptable.

use super::chi_mixture::{log_chi_density, mixture_range, scale_limit};
use super::{centred_limits, StudentProblem};
use crate::auto::{Settings, DEFAULT_RARE_EVENT_REL_TOL};
use crate::error::Result;
use crate::estimate::{
    error_of_relative, names, rounding_floor, tolerance_met, Estimate, Integrator, Method,
};
use crate::genz::factor::{reduce, Reduction};
use crate::problem::{Covariance, Problem};
use crate::qmc::derive_seed;
use crate::quadrature::gauss_kronrod_15;
use crate::tilting::{log_sum_exp, saddle_point_log_value, Tilted, TiltingSettings, MAX_TILTED_RANK};

/// How far (nats) the proxy ĝ must have dropped below its peak where the panels stop: the
/// neglected mass is then about e^{−36} ≈ 2·10⁻¹⁶ of the proxy's integral.
pub const TAIL_DROP: f64 = 36.0;

/// The first round of every node's tilted run, per randomisation (16 randomisations).
const NODE_INITIAL_POINTS: u64 = 16;

/// The randomisations of every node's tilted run.
const NODE_RANDOMIZATIONS: usize = 16;

/// The largest relative tolerance given to a node.
const NODE_MAX_REL_TOL: f64 = 0.5;

/// Points of the grid that brackets the proxy's mode.
const GRID_POINTS: usize = 33;

/// The scaled normal problems P_N(t), t = ln s.
struct ScaledNormal {
    covariance: Covariance,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl ScaledNormal {
    /// The normal problem with the centred limits scaled by e^t.
    fn problem(&self, t: f64) -> Result<Problem> {
        let scaled = |v: &[f64]| v.iter().map(|&x| scale_limit(x, t)).collect::<Vec<f64>>();
        let d = self.lower.len();
        Problem::new(vec![0.0; d], self.covariance.clone(), scaled(&self.lower), scaled(&self.upper))
    }

    /// ψ*(t), or (where the saddle point is not found) the log of a small tilted estimate with
    /// a seed fixed by `seed`: the deterministic proxy for ln P_N(t).
    fn log_proxy(&self, t: f64, seed: u64) -> f64 {
        let Ok(problem) = self.problem(t) else {
            return f64::NAN;
        };
        let reduction = reduce(&problem);
        if let Some(psi) = saddle_point_log_value(&problem, &reduction) {
            return psi;
        }
        let coarse = TiltingSettings::default()
            .rel_tol(1.0)
            .initial_points(16)
            .max_evaluations(256)
            .seed(derive_seed(seed, u64::MAX));
        Tilted::from_valid(coarse)
            .estimate_reduced(&problem, &reduction)
            .map_or(f64::NAN, |e| e.estimate.log_value)
    }
}

/// One node of the rule: t, ln of its weight, and the proxy ĝ(t).
#[derive(Debug, Clone, Copy)]
struct Node {
    t: f64,
    log_weight: f64,
    log_proxy: f64,
}

/// The rule built from the proxy (see the module docs).
struct ProxyRule {
    nodes: Vec<Node>,
    /// ln of the proxy's integral ∫ e^{ĝ}.
    log_integral: f64,
    /// The quadrature error of the proxy plus the bound on its neglected tails, relative to its
    /// integral.
    relative_error: f64,
}

/// The maximiser of `g` on [lo, hi]: the best point of a grid, refined by golden section between
/// its neighbours.
fn maximise(g: &impl Fn(f64) -> f64, lo: f64, hi: f64) -> (f64, f64) {
    let step = (hi - lo) / (GRID_POINTS - 1) as f64;
    let value = |t: f64| {
        let v = g(t);
        if v.is_nan() {
            f64::NEG_INFINITY
        } else {
            v
        }
    };
    let (mut best, mut best_value) = (lo, value(lo));
    for i in 1..GRID_POINTS {
        let t = lo + step * i as f64;
        let v = value(t);
        if v > best_value {
            (best, best_value) = (t, v);
        }
    }
    let (mut a, mut b) = ((best - step).max(lo), (best + step).min(hi));
    let ratio = 0.5 * (5f64.sqrt() - 1.0);
    let (mut c, mut d) = (b - ratio * (b - a), a + ratio * (b - a));
    let (mut fc, mut fd) = (value(c), value(d));
    for _ in 0..200 {
        if b - a <= 1e-12 * (1.0 + a.abs().max(b.abs())) {
            break;
        }
        if fc >= fd {
            (b, d, fd) = (d, c, fc);
            c = b - ratio * (b - a);
            fc = value(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + ratio * (b - a);
            fd = value(d);
        }
    }
    let (t, v) = if fc >= fd { (c, fc) } else { (d, fd) };
    if v >= best_value {
        (t, v)
    } else {
        (best, best_value)
    }
}

/// The distance from `mode` towards `end` at which g has dropped by one nat below `peak` (the
/// whole distance when it does not): doubling from 10⁻⁹, then bisection.
fn one_nat_scale(g: &impl Fn(f64) -> f64, mode: f64, peak: f64, end: f64) -> f64 {
    let (side, room) = ((end - mode).signum(), (end - mode).abs());
    // A NaN proxy counts as dropped.
    let dropped = |h: f64| g(mode + side * h).partial_cmp(&(peak - 1.0)) != Some(std::cmp::Ordering::Greater);
    let mut h = 1e-9f64.min(room);
    while h < room && !dropped(h) {
        h = (4.0 * h).min(room);
    }
    if !dropped(h) {
        return room;
    }
    let mut inside = 0.25 * h;
    for _ in 0..30 {
        let mid = 0.5 * (inside + h);
        if dropped(mid) {
            h = mid;
        } else {
            inside = mid;
        }
    }
    h
}

/// Builds the rule from the proxy `g` with its maximum `peak` at `mode`, on [lo, hi] (see the
/// module docs); `left_tail(t)` is ln of the bound on the mass of the proxy below t when the
/// panels stop at `lo`.
fn proxy_rule(
    g: &impl Fn(f64) -> f64,
    (mode, peak): (f64, f64),
    (lo, hi): (f64, f64),
    left_tail: impl Fn(f64) -> f64,
) -> Option<ProxyRule> {
    if !peak.is_finite() {
        return None;
    }
    let mut nodes = Vec::new();
    let mut integral = 0.0;
    let mut error = 0.0;
    for end in [lo, hi] {
        let side = (end - mode).signum();
        let scale = one_nat_scale(g, mode, peak, end);
        let mut previous = (0.0f64, peak);
        let mut multiple = 1.0f64;
        loop {
            let h = (scale * multiple).min((end - mode).abs());
            if h <= previous.0 {
                break;
            }
            let (a, b) = (mode + side * previous.0, mode + side * h);
            let (p, q) = if a < b { (a, b) } else { (b, a) };
            let mut values = Vec::with_capacity(15);
            let panel = gauss_kronrod_15(
                &mut |t| {
                    let v = g(t);
                    values.push(v);
                    if v.is_nan() {
                        0.0
                    } else {
                        (v - peak).exp()
                    }
                },
                p,
                q,
            );
            integral += panel.value;
            error += panel.error;
            for ((&t, &weighted), &v) in panel.nodes.iter().zip(&panel.weighted).zip(&values) {
                if weighted > 0.0 {
                    nodes.push(Node { t, log_weight: weighted.ln() - (v - peak), log_proxy: v });
                }
            }
            let at_end = g(mode + side * h);
            if h >= (end - mode).abs() {
                // The range ends here: to the left, the chi bound on the mass beyond; to the
                // right, the range's end is where the chi density has fallen by 1700 nats.
                if side < 0.0 {
                    error += (left_tail(end) - peak).exp();
                }
                break;
            }
            // A NaN proxy ends the panels too (its tail term is then +∞: unknown).
            if at_end.partial_cmp(&(peak - TAIL_DROP)) != Some(std::cmp::Ordering::Greater) {
                // Concavity: beyond t_e the proxy stays below e^{ĝ(t_e) − δ(t − t_e)/h}.
                let fall = previous.1 - at_end;
                let tail =
                    if fall > 0.0 { (at_end - peak).exp() * (h - previous.0) / fall } else { f64::INFINITY };
                error += tail;
                break;
            }
            previous = (h, at_end);
            multiple *= 2.0;
        }
    }
    (integral > 0.0).then(|| ProxyRule {
        nodes,
        log_integral: peak + integral.ln(),
        relative_error: error / integral,
    })
}

/// P(a ≤ X ≤ b) for the multivariate t (finite ν) by the chi mixture with minimax tilting inside
/// (see the module docs), with relative accuracy for small P.
///
/// # Errors
///
/// [`crate::Error::MethodNotApplicable`] when the normal tilted estimator does not apply (more
/// than 400 steps after reduction, or more dimensions than the point set).
pub(crate) fn integrate_tilted(student: &StudentProblem, settings: &Settings) -> Result<Estimate> {
    let nu = student.degrees_of_freedom();
    let full = student.problem();
    if full.is_empty_box() {
        return Ok(Estimate::empty_box());
    }
    let Some(problem) = full.without_unbounded() else {
        return Ok(Estimate::exact(1.0, Method::Trivial, 0));
    };
    let (lower, upper) = centred_limits(&problem);
    let is_cone = lower.iter().chain(&upper).all(|&x| x == 0.0 || x.is_infinite());
    if is_cone || nu == f64::INFINITY {
        // P does not depend on S: the normal probability.
        return settings.tilted().integrate(&problem);
    }
    if let Reduction::Factor(factor) = reduce(&problem) {
        if factor.rank() > MAX_TILTED_RANK {
            return Err(crate::Error::MethodNotApplicable {
                method: names::TILTED.into(),
                reason: format!(
                    "{} steps after reduction: the normal minimax tilting inside the chi mixture is \
                     offered up to {MAX_TILTED_RANK} (use genz above)",
                    factor.rank()
                ),
            });
        }
    }
    let scaled = ScaledNormal { covariance: problem.covariance().clone(), lower, upper };
    let proxy = |t: f64| log_chi_density(t, nu) + scaled.log_proxy(t, settings.seed);
    // The range of `chi_mixture`: the chi density has fallen by 1700 nats at `hi`; no scaled
    // limit becomes subnormal above `floor`; the mode lies right of `search_lo`.
    let limits: Vec<f64> = scaled.lower.iter().chain(&scaled.upper).copied().collect();
    let (floor, hi, search_lo) = mixture_range(nu, &limits);
    let floor = floor.max(-1e4);
    let ln_front = 0.5 * (nu / std::f64::consts::PI).ln() - nu.ln();
    // The panels may run left of the search range, down to the floor.
    let (mode, peak) = maximise(&proxy, search_lo, hi);
    let lo = floor.max(mode - 2.0 * TAIL_DROP / nu - 10.0).min(search_lo);
    let rule = proxy_rule(&proxy, (mode, peak), (lo, hi), |t| ln_front + nu * t);
    let Some(rule) = rule else {
        return Err(crate::Error::MethodNotApplicable {
            method: names::TILTED.into(),
            reason: "the saddle-point proxy of the chi mixture was not finite".into(),
        });
    };
    integrate_on_rule(&scaled, nu, &rule, settings)
}

/// The relative variance per path, n·(e/(P̂·t))², of [`integrate_tilted`] with the first round
/// of every node alone (16 × 16 paths each: `max_evaluations` 1), from its reported error e
/// (every term of it: sampling, nodes without a path of positive weight, quadrature, rounding)
/// and t the Student-t multiple of its nodes. `auto` weighs it against Genz's method for the t on
/// a rare event (`auto::RareEventRule`). The nodes share the paths evenly here, and in proportion
/// to their terms in a refining run, so the figure tends to overstate the sampling variance per
/// path of a refining run. `None` where the estimator does not run; +∞ where its estimate is 0.
pub(crate) fn first_round_relative_variance(student: &StudentProblem, settings: &Settings) -> Option<f64> {
    let estimate = integrate_tilted(student, &Settings { max_evaluations: 1, ..*settings }).ok()?;
    if estimate.value <= 0.0 {
        return Some(f64::INFINITY);
    }
    let relative = estimate.error / estimate.value / crate::rqmc::t_quantile(NODE_RANDOMIZATIONS);
    Some(estimate.evaluations as f64 * relative * relative)
}

/// Applies the rule to the tilted estimates of P_N at its nodes.
fn integrate_on_rule(
    scaled: &ScaledNormal,
    nu: f64,
    rule: &ProxyRule,
    settings: &Settings,
) -> Result<Estimate> {
    let n = rule.nodes.len();
    let required = if settings.rel_tol > 0.0 { settings.rel_tol } else { DEFAULT_RARE_EVENT_REL_TOL };
    // The relative error asked for: the refinement of `auto`, or tighter where abs_tol is below
    // that share of P (the proxy's integral is at least P for full-rank problems).
    let target = required.min((settings.abs_tol * (-rule.log_integral).exp()).max(settings.rel_tol));
    let budget = (settings.max_evaluations / n as u64).max(NODE_INITIAL_POINTS * NODE_RANDOMIZATIONS as u64);
    let node_settings = |i: usize, node: &Node| {
        let share = (node.log_weight + node.log_proxy - rule.log_integral).exp();
        let rel_tol = (target / share.sqrt()).min(NODE_MAX_REL_TOL);
        TiltingSettings::default()
            .rel_tol(rel_tol)
            .abs_tol(0.0)
            .randomizations(NODE_RANDOMIZATIONS)
            .initial_points(NODE_INITIAL_POINTS)
            .max_evaluations(budget)
            .seed(derive_seed(settings.seed, i as u64))
    };
    let estimate_node = |(i, node): (usize, &Node)| -> Result<(f64, f64, u64)> {
        let problem = scaled.problem(node.t)?;
        let tilted = Tilted::new(node_settings(i, node))?.estimate(&problem)?;
        let log_term = node.log_weight + log_chi_density(node.t, nu) + tilted.estimate.log_value;
        Ok((log_term, tilted.relative_error, tilted.estimate.evaluations))
    };
    #[cfg(feature = "parallel")]
    let terms: Vec<Result<(f64, f64, u64)>> = {
        use rayon::prelude::*;
        rule.nodes.par_iter().enumerate().map(estimate_node).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let terms: Vec<Result<(f64, f64, u64)>> = rule.nodes.iter().enumerate().map(estimate_node).collect();
    let terms = terms.into_iter().collect::<Result<Vec<_>>>()?;
    let log_value = log_sum_exp(terms.iter().map(|t| t.0));
    let evaluations = terms.iter().map(|t| t.2).sum();
    // √(Σ (wᵢ f_τ(tᵢ) εᵢ)²)/P, with εᵢ = relative errorᵢ × estimateᵢ. A node whose error is
    // unknown (no path of positive weight) adds its whole proxy term wᵢ e^{ĝ(tᵢ)} instead, a
    // bound on its true term (e^{ψ*} ≥ P_N).
    let (mut sampling, mut unknown) = (0.0, 0.0);
    for (&(log_term, relative, _), node) in terms.iter().zip(&rule.nodes) {
        if relative.is_finite() {
            let e = (log_term - log_value).exp() * relative;
            sampling += e * e;
        } else {
            unknown += (node.log_weight + node.log_proxy - log_value).exp();
        }
    }
    let sampling = sampling.sqrt() + unknown;
    // The quadrature and tail terms of the proxy, relative to P (the proxy's integral is larger).
    let quadrature = rule.relative_error * (rule.log_integral - log_value).exp();
    let floor = rounding_floor(1.0, 8.0 + log_value.abs().min(1e300), n as u64);
    let relative_error = if log_value.is_finite() { sampling + quadrature + floor } else { f64::INFINITY };
    let value = log_value.exp();
    let error = error_of_relative(value, log_value, relative_error);
    let converged = relative_error.is_finite()
        && (tolerance_met(error, value, settings.abs_tol, settings.rel_tol)
            || relative_error <= settings.rel_tol);
    Ok(Estimate { value, log_value, error, evaluations, method: Method::Tilted, converged })
}
