//! Quadrature rules shared by the exact methods: fixed Gauss–Legendre rules, an adaptive
//! Gauss–Kronrod (7, 15) rule, and a log-space integrator for log-concave integrands.
//!
//! Nothing here allocates: the adaptive rule recurses on the stack with a bounded depth.

// The nodes and weights are stored with all the digits of their source.
#![allow(clippy::excessive_precision)]

use std::f64::consts::PI;

/// Positive Gauss–Legendre nodes and weights on `[−1, 1]` (the rule is symmetric), 6 points.
/// Computed with mpmath at 40 digits (Newton on the Legendre polynomial).
pub(crate) const GL6: [(f64, f64); 3] = [
    (0.932_469_514_203_152_027_81, 0.171_324_492_379_170_345_04),
    (0.661_209_386_466_264_513_66, 0.360_761_573_048_138_607_57),
    (0.238_619_186_083_196_908_63, 0.467_913_934_572_691_047_39),
];

/// Positive Gauss–Legendre nodes and weights on `[−1, 1]`, 12 points.
pub(crate) const GL12: [(f64, f64); 6] = [
    (0.981_560_634_246_719_250_69, 0.047_175_336_386_511_827_195),
    (0.904_117_256_370_474_856_68, 0.106_939_325_995_318_430_96),
    (0.769_902_674_194_304_687_04, 0.160_078_328_543_346_226_33),
    (0.587_317_954_286_617_447_3, 0.203_167_426_723_065_921_75),
    (0.367_831_498_998_180_193_75, 0.233_492_536_538_354_808_76),
    (0.125_233_408_511_468_915_47, 0.249_147_045_813_402_785),
];

/// Positive Gauss–Legendre nodes and weights on `[−1, 1]`, 20 points.
pub(crate) const GL20: [(f64, f64); 10] = [
    (0.993_128_599_185_094_924_79, 0.017_614_007_139_152_118_312),
    (0.963_971_927_277_913_791_27, 0.040_601_429_800_386_941_331),
    (0.912_234_428_251_325_905_87, 0.062_672_048_334_109_063_57),
    (0.839_116_971_822_218_823_39, 0.083_276_741_576_704_748_725),
    (0.746_331_906_460_150_792_61, 0.101_930_119_817_240_435_04),
    (0.636_053_680_726_515_025_45, 0.118_194_531_961_518_417_31),
    (0.510_867_001_950_827_098, 0.131_688_638_449_176_626_9),
    (0.373_706_088_715_419_560_67, 0.142_096_109_318_382_051_33),
    (0.227_785_851_141_645_078_08, 0.149_172_986_472_603_746_79),
    (0.076_526_521_133_497_333_755, 0.152_753_387_130_725_850_7),
];

/// Kronrod 15-point nodes (positive half, last is 0) and weights (QUADPACK `qk15`).
pub(crate) const GK15_X: [f64; 8] = [
    0.991_455_371_120_812_639_206_854_697_526_329,
    0.949_107_912_342_758_524_526_189_684_047_851,
    0.864_864_423_359_769_072_789_712_788_640_926,
    0.741_531_185_599_394_439_863_864_773_280_788,
    0.586_087_235_467_691_130_294_144_845_693_013,
    0.405_845_151_377_397_166_906_606_412_076_961,
    0.207_784_955_007_898_467_600_689_403_773_245,
    0.0,
];
pub(crate) const GK15_W: [f64; 8] = [
    0.022_935_322_010_529_224_963_732_008_058_970,
    0.063_092_092_629_978_553_290_700_663_189_204,
    0.104_790_010_322_250_183_839_876_322_541_518,
    0.140_653_259_715_525_918_745_189_590_510_238,
    0.169_004_726_639_267_902_826_583_426_598_550,
    0.190_350_578_064_785_409_913_256_402_421_014,
    0.204_432_940_075_298_892_414_161_999_234_649,
    0.209_482_141_084_727_828_012_999_174_891_714,
];
/// Gauss 7-point weights for the nodes `GK15_X[1], GK15_X[3], GK15_X[5]` and 0.
pub(crate) const G7_W: [f64; 4] = [
    0.129_484_966_168_869_693_270_611_432_679_082,
    0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975,
    0.417_959_183_673_469_387_755_102_040_816_327,
];

/// One Gauss–Kronrod (7, 15) step on `[lo, hi]`: the Kronrod value and an error estimate.
///
/// The estimate is QUADPACK's: with E = |Kronrod − Gauss| and the spread
/// S = ∫|f − mean f| (by the Kronrod rule), E is replaced by S·min(1, (200E/S)^{3/2}), because
/// the Kronrod value is far more accurate than the Gauss value it is compared with.
#[inline]
fn gauss_kronrod_15<F: FnMut(f64) -> f64>(f: &mut F, lo: f64, hi: f64) -> (f64, f64) {
    let c = 0.5 * (lo + hi);
    let h = 0.5 * (hi - lo);
    let f0 = f(c);
    let mut values = [(0.0, 0.0); 7];
    let mut kronrod = GK15_W[7] * f0;
    let mut gauss = G7_W[3] * f0;
    for j in 0..7 {
        let dx = h * GK15_X[j];
        let (fm, fp) = (f(c - dx), f(c + dx));
        values[j] = (fm, fp);
        kronrod += GK15_W[j] * (fm + fp);
        if j % 2 == 1 {
            gauss += G7_W[j / 2] * (fm + fp);
        }
    }
    let mean = 0.5 * kronrod;
    let mut spread = GK15_W[7] * (f0 - mean).abs();
    for j in 0..7 {
        spread += GK15_W[j] * ((values[j].0 - mean).abs() + (values[j].1 - mean).abs());
    }
    let spread = spread * h.abs();
    let mut error = ((kronrod - gauss) * h).abs();
    if spread > 0.0 && error > 0.0 {
        error = spread * (200.0 * error / spread).powf(1.5).min(1.0);
    }
    (kronrod * h, error)
}

/// Adaptive Gauss–Kronrod integral of `f` on `[lo, hi]`: bisects until the Kronrod–Gauss
/// difference of a piece is at most `abs_tol` or 32ε times the piece's value, with at most 40 levels of bisection and at most
/// [`MAX_PIECES`] pieces in all (a guard against integrands whose rounding noise exceeds the
/// tolerance).
pub(crate) fn adaptive_integral<F: FnMut(f64) -> f64>(f: &mut F, lo: f64, hi: f64, abs_tol: f64) -> f64 {
    fn recurse<F: FnMut(f64) -> f64>(
        f: &mut F,
        lo: f64,
        hi: f64,
        tol: f64,
        depth: u32,
        budget: &mut u32,
    ) -> f64 {
        let (value, error) = gauss_kronrod_15(f, lo, hi);
        // A piece is also done when its error is at the level of rounding of its own value:
        // bisecting further would only resolve the noise of f.
        if error <= tol
            || error <= 32.0 * f64::EPSILON * value.abs()
            || depth == 0
            || !error.is_finite()
            || *budget == 0
        {
            return value;
        }
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            return value;
        }
        *budget -= 1;
        recurse(f, lo, mid, tol, depth - 1, budget) + recurse(f, mid, hi, tol, depth - 1, budget)
    }
    if hi <= lo {
        return 0.0;
    }
    let mut budget = MAX_PIECES;
    recurse(f, lo, hi, abs_tol, 40, &mut budget)
}

/// The most bisections one adaptive integral may spend.
const MAX_PIECES: u32 = 400;

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
    let first = log_concave_from_first_support_point(&g, &linear, lo, hi, breaks, false);
    if first.1.is_finite() || first.1 == f64::NEG_INFINITY {
        return first;
    }
    // The doubling search for the support's start overshot it, past the mode of an integrand
    // that decays from there: the scales were measured from a point below the maximum and
    // exp(g − g(mode)) overflowed. Search again from the support's start, found by bisection.
    log_concave_from_first_support_point(&g, &linear, lo, hi, breaks, true)
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

/// The adaptive integral of `f` on `[p, q]`, cut at c ± w·4^m (m = 0, …, 20) and c for each
/// feature (c, w) of `breaks` (at most [`MAX_BREAKS`] are used).
fn integral_with_breaks<F: FnMut(f64) -> f64>(
    f: &mut F,
    p: f64,
    q: f64,
    tol: f64,
    breaks: &[(f64, f64)],
) -> f64 {
    let mut cuts = [0.0; 2 + MAX_BREAKS * 43];
    cuts[0] = p;
    let mut n = 1;
    let in_range = |&&(c, w): &&(f64, f64)| c.is_finite() && w > 0.0 && c + 1e6 * w >= p && c - 1e6 * w <= q;
    for &(c, w) in breaks.iter().filter(in_range).take(MAX_BREAKS) {
        let mut offset = w;
        let mut add = |x: f64| {
            if p < x && x < q {
                cuts[n] = x;
                n += 1;
            }
        };
        add(c);
        for _ in 0..=20 {
            add(c - offset);
            add(c + offset);
            offset *= 4.0;
        }
    }
    cuts[n] = q;
    n += 1;
    let cuts = &mut cuts[..n];
    cuts.sort_unstable_by(f64::total_cmp);
    cuts.windows(2).map(|w| adaptive_integral(f, w[0], w[1], tol)).sum()
}

/// The most features [`integral_with_breaks`] uses.
const MAX_BREAKS: usize = 8;

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

/// 1/(2π).
pub(crate) const FRAC_1_2PI: f64 = 0.5 / PI;

/// ln(Σ_i s_i e^{u_i}) for terms whose first entry dominates (u_0 ≥ u_i, the sum positive):
/// u_0 + ln(1 + Σ_{i≥1} s_i e^{u_i − u_0}). Returns −∞ when the sum is not positive (the
/// difference vanished within rounding). `terms` holds (sign, ln |term|).
pub(crate) fn log_signed_sum(terms: &[(f64, f64)]) -> f64 {
    let u0 = terms[0].1;
    if u0 == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let mut s = 0.0;
    for &(sign, u) in &terms[1..] {
        s += sign * (u - u0).exp();
    }
    if s <= -1.0 {
        f64::NEG_INFINITY
    } else {
        u0 + s.ln_1p()
    }
}
