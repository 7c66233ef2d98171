//! The derivative-free log-space integrator: ln ∫ e^{g} for a concave g given only as a closure,
//! with its value in linear scale where that is representable.

use super::adaptive::integral_with_breaks;

/// `ln ∫_lo^hi exp(g(x)) dx` for a concave `g` (log-concave integrand), finite `lo` and
/// `hi > lo` finite or +∞.
///
/// The integral is computed in log space and keeps relative accuracy whatever the size of
/// the result (it may be far below the smallest double):
///
/// 1. the maximiser x* of g on `[lo, hi]` is bracketed by doubling steps (capped at `hi`) and
///    refined by golden section (concavity makes g unimodal);
/// 2. on each side, the distance σ at which g has dropped by one nat below g(x*) is found by
///    doubling a step from 1e-12 (so that features as narrow as the cliff of Φ((k − ρx)/√(1−ρ²))
///    with ρ = ±(1 − 1e-15) are seen);
/// 3. panels x* ± σ·[0, 1], [1, 2], [2, 4], … are integrated by adaptive Gauss–Kronrod applied
///    to exp(g(x) − g(x*)) until g has dropped by more than 46 nats (concavity guarantees that the
///    drop grows at least linearly, so at most a handful of panels are needed and the neglected
///    tail is below 1e-19 relative).
///
/// When the peak value e^{g(x*)} is a normal double, the panels are integrated instead with
/// `linear(x)/linear(x*)`, where `linear` = e^g computed directly in linear scale with relative
/// accuracy: this avoids the error ε·|g(x*)| that exponentiating a large logarithm would add
/// (5e-13 relative at P ≈ 1e-250), and the value is `linear(x*)·integral`.
///
/// `breaks` lists known features (c, w) of the integrand: a cliff of width w at c (a conditional
/// probability whose standard deviation is small) that the panels above could step over when it
/// lies far from the maximiser, e.g. at a limit of integration. A panel containing c ± w·4^m
/// (m = 0, …, 20) is cut there, so that the feature is seen at every scale.
///
/// Returns (value, ln value); (0, −∞) when g is −∞ at its maximum.
pub(crate) fn integral_log_concave<G: Fn(f64) -> f64, L: Fn(f64) -> f64>(
    g: G,
    linear: L,
    lo: f64,
    hi: f64,
    breaks: &[(f64, f64)],
) -> (f64, f64) {
    if let Some(pair) = nearly_constant_integral(&g, &linear, lo, hi, breaks) {
        return pair;
    }
    let first = log_concave_from_first_support_point(&g, &linear, lo, hi, breaks, false);
    if first.1.is_finite() || first.1 == f64::NEG_INFINITY {
        return first;
    }
    // The doubling search for the support's start overshot it, past the mode of an integrand
    // that decays from there: the scales were measured from a point below the maximum and
    // exp(g − g(mode)) overflowed. Search again from the support's start, found by bisection.
    log_concave_from_first_support_point(&g, &linear, lo, hi, breaks, true)
}

/// Above this change of g across an interval, [`nearly_constant_integral`] declines.
const NEARLY_CONSTANT: f64 = 1e-10;

/// Simpson's rule on a finite interval across which g is nearly constant (|g(lo) − g(mid)| and
/// |g(hi) − g(mid)| ≤ [`NEARLY_CONSTANT`]) and narrower than every known feature by 10³: the
/// narrow boxes of widths down to the smallest doubles, whose integrals lie far below the
/// smallest double. For a smooth g with total change δ and curvature term c·(hi − lo)² ≲ 4δ,
/// Simpson's relative error (hi − lo)⁴·|f⁗/f|/2880 ≤ (δ⁴ + 48δ²)/2880 ≈ 2e-22 at δ = 1e-10,
/// below rounding. Returns `None` where the conditions fail (the general path then runs).
fn nearly_constant_integral<G: Fn(f64) -> f64, L: Fn(f64) -> f64>(
    g: &G,
    linear: &L,
    lo: f64,
    hi: f64,
    breaks: &[(f64, f64)],
) -> Option<(f64, f64)> {
    let width = hi - lo;
    if !(width > 0.0 && width.is_finite()) || breaks.iter().any(|&(_, w)| w > 0.0 && w < 1e3 * width) {
        return None;
    }
    let mid = lo + 0.5 * width;
    let (g_lo, g_mid, g_hi) = (g(lo), g(mid), g(hi));
    if !(g_mid.is_finite()
        && (g_lo - g_mid).abs() <= NEARLY_CONSTANT
        && (g_hi - g_mid).abs() <= NEARLY_CONSTANT)
    {
        return None;
    }
    let simpson = ((g_lo - g_mid).exp() + 4.0 + (g_hi - g_mid).exp()) / 6.0;
    let log_value = g_mid + width.ln() + simpson.ln();
    let peak = linear(mid);
    let value =
        if peak.is_normal() && (peak * width).is_normal() { peak * width * simpson } else { log_value.exp() };
    Some((value, log_value))
}

/// The body of [`integral_log_concave`]; with `refine_start`, the first point of the support
/// found by doubling steps is moved back to the support's start by bisection.
fn log_concave_from_first_support_point<G: Fn(f64) -> f64, L: Fn(f64) -> f64>(
    g: &G,
    linear: &L,
    lo: f64,
    hi: f64,
    breaks: &[(f64, f64)],
    refine_start: bool,
) -> (f64, f64) {
    if hi <= lo {
        return (0.0, f64::NEG_INFINITY);
    }
    // 1. Bracket the maximiser.
    let mut step = if hi < f64::INFINITY { (0.25 * (hi - lo)).min(1.0) } else { 1.0 };
    let mut x_prev = lo;
    let mut x_cur = lo;
    let mut g_cur = g(lo);
    if g_cur == f64::NEG_INFINITY {
        // The support (convex) starts further on: step with doubling steps to its first point.
        let mut s = if hi < f64::INFINITY { (hi - lo) / 1024.0 } else { 1e-3 };
        let mut outside = lo;
        loop {
            x_cur = (x_cur + s).min(hi);
            g_cur = g(x_cur);
            if g_cur > f64::NEG_INFINITY {
                break;
            }
            if x_cur >= hi || s > 1e6 {
                return (0.0, f64::NEG_INFINITY);
            }
            outside = x_cur;
            s *= 2.0;
        }
        if refine_start {
            // The support is an interval: its start lies between `outside` and x_cur.
            for _ in 0..200 {
                let mid = 0.5 * (outside + x_cur);
                if mid <= outside || mid >= x_cur {
                    break;
                }
                let g_mid = g(mid);
                if g_mid > f64::NEG_INFINITY {
                    (x_cur, g_cur) = (mid, g_mid);
                } else {
                    outside = mid;
                }
            }
        }
        x_prev = x_cur;
    }
    let start = x_cur;
    let mut left = start;
    let right;
    loop {
        let x_next = (x_cur + step).min(hi);
        let g_next = g(x_next);
        if g_next <= g_cur || step > 1e6 || x_next >= hi {
            left = if x_cur == start { start } else { x_prev.max(left) };
            right = x_next;
            break;
        }
        x_prev = x_cur;
        x_cur = x_next;
        g_cur = g_next;
        step *= 2.0;
    }
    // Golden-section search on [left, right].
    let ratio = 0.5 * (5f64.sqrt() - 1.0);
    let (mut a, mut b) = (left, right);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut gc, mut gd) = (g(c), g(d));
    for _ in 0..60 {
        if gc >= gd {
            b = d;
            d = c;
            gd = gc;
            c = b - ratio * (b - a);
            gc = g(c);
        } else {
            a = c;
            c = d;
            gc = gd;
            d = a + ratio * (b - a);
            gd = g(d);
        }
        if b - a <= 1e-14 * (1.0 + a.abs()) {
            break;
        }
    }
    let (mut mode, mut top) = if gc >= gd { (c, gc) } else { (d, gd) };
    let g_lo = g(lo);
    if g_lo >= top {
        mode = lo;
        top = g_lo;
    }
    if hi < f64::INFINITY {
        let g_hi = g(hi);
        if g_hi > top {
            mode = hi;
            top = g_hi;
        }
    }
    if top == f64::NEG_INFINITY || top.is_nan() {
        return (0.0, f64::NEG_INFINITY);
    }
    // 2. One-nat scales on each side.
    let scale_right = if mode < hi { drop_scale(&g, mode, top, 1.0, hi - mode) } else { 0.0 };
    let scale_left = if mode > lo { drop_scale(&g, mode, top, -1.0, mode - lo) } else { 0.0 };
    let width = scale_left + scale_right;
    // The integrand exp(g − g(x*)) carries the rounding noise of g, about ε·|g(x*)| relative:
    // asking for less than that would only bisect noise.
    let tol = 2e-17 * top.abs().max(1.0) * width.max(f64::MIN_POSITIVE);
    let peak = if top > -700.0 { linear(mode) } else { 0.0 };
    let use_linear = peak > 1e-300;
    let inverse_peak = if use_linear { 1.0 / peak } else { 0.0 };
    let mut f = |x: f64| if use_linear { linear(x) * inverse_peak } else { (g(x) - top).exp() };
    // 3. Panels.
    let mut total = 0.0;
    for (direction, scale, limit) in [(1.0, scale_right, hi - mode), (-1.0, scale_left, mode - lo)] {
        if scale <= 0.0 {
            continue;
        }
        let mut inner = 0.0;
        let mut outer = scale.min(limit);
        loop {
            let (p, q) =
                if direction > 0.0 { (mode + inner, mode + outer) } else { (mode - outer, mode - inner) };
            total += integral_with_breaks(&mut f, p, q, tol, breaks);
            if outer >= limit || g(mode + direction * outer) < top - 46.0 || outer > 1e8 * scale {
                break;
            }
            inner = outer;
            outer = (2.0 * outer).min(limit);
        }
    }
    if use_linear {
        let value = peak * total;
        (value, value.ln())
    } else {
        let log_value = top + total.ln();
        (log_value.exp(), log_value)
    }
}

/// The distance δ ≤ `limit` (doubling from 1e-12 times the position's scale) at which
/// g(mode + direction·δ) first drops one nat below `top`; `limit` when it never does.
fn drop_scale<G: Fn(f64) -> f64>(g: &G, mode: f64, top: f64, direction: f64, limit: f64) -> f64 {
    let mut delta = 1e-12 * (1.0 + mode.abs());
    loop {
        if delta >= limit {
            return limit;
        }
        if g(mode + direction * delta) < top - 1.0 {
            return delta;
        }
        delta *= 2.0;
        if delta > 1e12 {
            return delta;
        }
    }
}
