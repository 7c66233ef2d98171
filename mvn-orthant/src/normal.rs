//! The standard normal distribution to full double precision: the density φ, the distribution
//! function Φ, the upper tail Q = 1 − Φ, their logarithms, and the quantile function Φ⁻¹.
//!
//! # Accuracy (measured against a 40-digit mpmath table, see `tests/normal_reference.rs`)
//!
//! | function | domain | relative error |
//! |---|---|---|
//! | [`cdf`], [`upper_tail`] | x ∈ [−38, 38], normal (non-subnormal) results | ≤ 1e-15 |
//! | [`log_cdf`], [`log_upper_tail`] | every finite x | ≤ 1e-14 |
//! | [`inverse_cdf`] | p ∈ [1e-300, 1 − 1e-16] | ≤ 1e-15 (absolute ≤ 1e-17 where \|x\| < 0.01) |
//!
//! # How
//!
//! Φ(x) = ½ erfc(−x/√2). The complementary error function is the correctly split-exponent
//! implementation of the `libm` crate (a port of FreeBSD/musl, < 1 ulp). What loses accuracy in
//! the lower tail is not erfc but the rounding of its argument z = −x/√2: a relative perturbation
//! ε of z changes erfc(z) ≈ e^{−z²}/(z√π) by a factor of about e^{−2z²ε}, that is by ~2z²ε
//! relative, which is 1.6e-13 at x = −38. We therefore compute the rounding residual
//! δ = z_exact − fl(z) exactly (Dekker's exact product plus the low part of 1/√2 in double-double)
//! and apply the first-order correction erfc(z + δ) = erfc(z)·(1 + δ·erfc′(z)/erfc(z)), where
//! the logarithmic derivative is only needed to a few digits.
//!
//! log Φ uses log1p(−Q) for x > 0, ln Φ for moderate negative x, and the asymptotic expansion
//! ln Φ(x) = −x²/2 − ln(−x) − ½ln(2π) + ln(1 − 1/x² + 3/x⁴ − 15/x⁶ + …) below x = −20, where
//! twelve terms leave a truncation error below 1e-19.
//!
//! Φ⁻¹ is Wichura's algorithm AS 241 (PPND16, Applied Statistics 37(3), 1988, 477–484), whose
//! rational approximations have relative accuracy about 1e-16, followed by one Newton step on
//! the accurate Φ (on erf in the central region, so that no cancellation occurs near p = ½).

// The published constants of AS 241 are kept with all their published digits.
#![allow(clippy::excessive_precision)]

use crate::error::{Error, Result};
use crate::quadrature::{gauss_legendre_nodes, GAUSS_LEGENDRE_8};

/// 1/√(2π).
pub(crate) const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// ln √(2π) = ½ ln(2π).
pub(crate) const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// 1/√2 rounded to double (high part of a double-double).
const FRAC_1_SQRT_2_HI: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// 1/√2 − [`FRAC_1_SQRT_2_HI`] (low part; from mpmath at 40 digits).
const FRAC_1_SQRT_2_LO: f64 = -4.833_646_656_726_456_5e-17;
/// 2/√π.
const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// The standard normal density φ(x) = exp(−x²/2)/√(2π).
///
/// The square x² is formed exactly (its rounding error is recovered by Veltkamp's splitting and
/// fed back as a first-order correction), so the relative error stays near 1 ulp even where
/// x²/2 is large. Returns 0 for |x| > 38.6 (underflow) and NaN for NaN.
///
/// ```
/// use mvn_orthant::normal::pdf;
/// assert!((pdf(0.0) - 0.398_942_280_401_432_7).abs() < 1e-17);
/// ```
#[inline]
pub fn pdf(x: f64) -> f64 {
    let (s, e) = square_with_error(x);
    if s == f64::INFINITY {
        return 0.0;
    }
    FRAC_1_SQRT_2PI * (-0.5 * s).exp() * (1.0 - 0.5 * e)
}

/// The rounding error a·b − p of the product p = fl(a·b), exactly (Dekker's product with
/// Veltkamp's splitting; |a|, |b| well inside the range of doubles).
#[inline(always)]
fn product_error(a: f64, b: f64, p: f64) -> f64 {
    const SPLITTER: f64 = 134_217_729.0; // 2^27 + 1
    let split = |v: f64| {
        let c = SPLITTER * v;
        let high = c - (c - v);
        (high, v - high)
    };
    let ((a_high, a_low), (b_high, b_low)) = (split(a), split(b));
    ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low
}

/// x² as s + e with s = fl(x²) and e its rounding error, exactly, whenever s is finite:
/// Veltkamp's splitting of x into two 26-bit halves and Dekker's product, plain arithmetic (no
/// fused multiply–add, which is a software call on the default x86-64 target).
#[inline(always)]
pub(crate) fn square_with_error(x: f64) -> (f64, f64) {
    const SPLITTER: f64 = 134_217_729.0; // 2^27 + 1
    let s = x * x;
    let c = SPLITTER * x;
    let high = c - (c - x);
    let low = x - high;
    (s, ((high * high - s) + 2.0 * high * low) + low * low)
}

/// ln φ(x) = −x²/2 − ½ ln(2π), for every finite x (−∞ when x² overflows); x² is formed
/// exactly as in [`pdf`].
#[inline]
pub fn log_pdf(x: f64) -> f64 {
    let (s, e) = square_with_error(x);
    if s == f64::INFINITY {
        return f64::NEG_INFINITY;
    }
    -0.5 * s - (0.5 * e + LN_SQRT_2PI)
}

/// erfc(−x/√2) for x ≤ 0, with the rounding of the argument corrected (see the module docs).
#[inline]
fn erfc_of_scaled_negative(x: f64) -> f64 {
    let z = -x * FRAC_1_SQRT_2_HI;
    // z_exact = −x·(hi + lo) = z + δ with δ from the exact product residual and the low part.
    let delta = product_error(-x, FRAC_1_SQRT_2_HI, z) + (-x) * FRAC_1_SQRT_2_LO;
    let value = libm::erfc(z);
    if z < 0.5 {
        // Here erfc is flat on the scale of δ: the correction is below 1e-16 relative.
        return value + delta * (-FRAC_2_SQRT_PI * (-z * z).exp());
    }
    // Logarithmic derivative erfc′(z)/erfc(z) = −(2/√π) e^{−z²}/erfc(z); a few digits suffice.
    let log_derivative = if z > 3.0 { -2.0 * z - 1.0 / z } else { -FRAC_2_SQRT_PI * (-z * z).exp() / value };
    value * (1.0 + delta * log_derivative)
}

/// The standard normal distribution function Φ(x) = P(Z ≤ x).
///
/// Relative error ≤ 1e-15 for x ∈ [−38, 38] (results in the subnormal range, x < −37.5,
/// lose precision gradually); 0 below about −38.5, 1 above about 8.3. NaN gives NaN.
///
/// ```
/// use mvn_orthant::normal::cdf;
/// assert_eq!(cdf(0.0), 0.5);
/// let tail = cdf(-10.0); // 7.619853024160526e-24
/// assert!((tail / 7.619_853_024_160_526_07e-24 - 1.0).abs() < 1e-15);
/// ```
#[inline]
pub fn cdf(x: f64) -> f64 {
    if x < -39.0 {
        // Φ(−39) ≈ 1.4e-333 is below the smallest subnormal: the result rounds to 0.
        return 0.0;
    }
    if x <= 0.0 {
        0.5 * erfc_of_scaled_negative(x)
    } else if x.is_nan() {
        f64::NAN
    } else if x > 9.0 {
        // Q(9) ≈ 1.1e-19 is below half an ulp of 1.
        1.0
    } else {
        1.0 - 0.5 * erfc_of_scaled_negative(-x)
    }
}

/// The upper tail Q(x) = 1 − Φ(x) = Φ(−x), accurate in relative terms for large x.
///
/// Same accuracy as [`cdf`] with x mirrored.
#[inline]
pub fn upper_tail(x: f64) -> f64 {
    cdf(-x)
}

/// Whether [a, b] is narrow on the scale of φ's variation: (b − a)·max(1, |a|, |b|) ≤ ¼. On such
/// an interval φ changes by a factor of at most e^{1/4}, so an 8-point Gauss–Legendre rule
/// integrates it to full precision, while a difference of Φ values would cancel.
#[inline]
pub(crate) fn is_narrow(a: f64, b: f64) -> bool {
    (b - a) * a.abs().max(b.abs()).max(1.0) <= 0.25
}

/// ∫_a^b φ(t) dt / φ(a) by Gauss–Legendre, for a narrow finite interval.
///
/// With t = a + s, φ(a + s) = φ(a)·exp(−s(a + s/2)): the nodes s ∈ [0, b − a] are small numbers
/// carrying only relative rounding, and the exact endpoint a enters only through φ(a). (Placing
/// nodes at rounded absolute positions t would cost a relative error of about |t|·ulp(t).)
fn narrow_interval_ratio(a: f64, b: f64) -> f64 {
    narrow_interval_ratio_of_width(a, b - a)
}

/// [`narrow_interval_ratio`] for the interval [a, a + width], from the width itself (which a
/// caller may know more accurately than the difference of two rounded limits).
pub(crate) fn narrow_interval_ratio_of_width(a: f64, width: f64) -> f64 {
    let mut sum = 0.0;
    for (s, weight) in gauss_legendre_nodes(&GAUSS_LEGENDRE_8, width) {
        sum += weight * (-s * (a + 0.5 * s)).exp();
    }
    sum * (0.5 * width)
}

/// Φ(b) − Φ(a) for a ≤ b, with relative accuracy wherever the result is a normal number.
///
/// Infinite limits are allowed; returns 0 when a ≥ b. Three regimes avoid cancellation:
/// a narrow interval is integrated by Gauss–Legendre; an interval in the upper (lower) tail is
/// Q(a) − Q(b) (Φ(b) − Φ(a)), where the two terms differ by a factor of at least e^{1/4}; an
/// interval containing 0 is ½(erf(b/√2) − erf(a/√2)), a sum of two terms of the same sign.
///
/// ```
/// use mvn_orthant::normal::interval_probability;
/// let p = interval_probability(10.0, 10.000001); // ≈ φ(10)·1e-6
/// assert!((p / 7.694_560_148_081_663e-29 - 1.0).abs() < 1e-15);
/// ```
#[inline]
pub fn interval_probability(a: f64, b: f64) -> f64 {
    if a >= b || a.is_nan() || b.is_nan() {
        return 0.0;
    }
    if is_narrow(a, b) {
        return pdf(a) * narrow_interval_ratio(a, b);
    }
    if a >= 0.0 {
        (upper_tail(a) - upper_tail(b)).max(0.0)
    } else if b <= 0.0 {
        (cdf(b) - cdf(a)).max(0.0)
    } else {
        0.5 * (libm::erf(b * FRAC_1_SQRT_2_HI) - libm::erf(a * FRAC_1_SQRT_2_HI))
    }
}

/// ln(Φ(b) − Φ(a)) for a ≤ b, accurate where the probability underflows (e.g. a = 40, b = ∞
/// gives ln Q(40) = −804.6…). Returns −∞ when a ≥ b.
///
/// ```
/// use mvn_orthant::normal::{log_interval_probability, log_upper_tail};
/// let v = log_interval_probability(40.0, f64::INFINITY);
/// assert_eq!(v, log_upper_tail(40.0));
/// ```
pub fn log_interval_probability(a: f64, b: f64) -> f64 {
    if a >= b || a.is_nan() || b.is_nan() {
        return f64::NEG_INFINITY;
    }
    if is_narrow(a, b) {
        return log_pdf(a) + narrow_interval_ratio(a, b).ln();
    }
    if a >= 0.0 {
        let (la, lb) = (log_upper_tail(a), log_upper_tail(b));
        la + (-(lb - la).exp_m1()).ln()
    } else if b <= 0.0 {
        let (la, lb) = (log_cdf(a), log_cdf(b));
        lb + (-(la - lb).exp_m1()).ln()
    } else {
        // a < 0 < b: near probability 1 the logarithm needs the small complement Φ(a) + Q(b).
        let complement = cdf(a) + upper_tail(b);
        if complement < 0.5 {
            (-complement).ln_1p()
        } else {
            interval_probability(a, b).ln()
        }
    }
}

/// ln(Φ(u) − Φ(l)) for an interval [l, u] whose width w = u − l the caller knows more
/// accurately than the difference of the rounded limits (for example when l and u are both
/// shifted by the same large number: the shift rounds each limit, not the width).
///
/// Where the interval is narrow, (w · max(1, |l|, |u|) ≤ ¼), the result is
/// ln φ(l) + ln ∫₀^w exp(−s(l + s/2)) ds from the given w, so it keeps the relative accuracy of
/// w whatever the size of l; elsewhere it is [`log_interval_probability`]`(l, u)`, where the
/// rounding of u − l costs at most a relative 4·max(1, |l|)²·ε. An infinite or NaN `width`
/// always takes the second route. Returns −∞ for an empty interval (l ≥ u, or w ≤ 0).
pub(crate) fn log_interval_probability_with_width(l: f64, u: f64, width: f64) -> f64 {
    if width.is_finite() && l.is_finite() {
        if width <= 0.0 {
            return f64::NEG_INFINITY;
        }
        let u_exact = l + width;
        if is_narrow(l, u_exact) {
            return log_pdf(l) + narrow_interval_ratio_of_width(l, width).ln();
        }
    }
    log_interval_probability(l, u)
}

/// Terms (2k−1)!! of the asymptotic series of the Mills ratio, k = 1..12.
const MILLS_SERIES: [f64; 12] = [
    1.0,
    3.0,
    15.0,
    105.0,
    945.0,
    10_395.0,
    135_135.0,
    2_027_025.0,
    34_459_425.0,
    654_729_075.0,
    13_749_310_575.0,
    316_234_143_225.0,
];

/// ln Φ(x), accurate (relative error ≤ 1e-14) for every finite x, including where Φ(x)
/// underflows (x = −1e5 gives −5.0000000124318…e9). Returns −∞ only when −x²/2 itself
/// overflows (|x| > 1.8e154), and −0 where Φ(x) rounds to 1.
///
/// ```
/// use mvn_orthant::normal::log_cdf;
/// let v = log_cdf(-1e5);
/// assert!((v / -5.000_000_012_431_864e9 - 1.0).abs() < 1e-14);
/// ```
pub fn log_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x > 0.0 {
        return (-upper_tail(x)).ln_1p();
    }
    if x > -20.0 {
        return cdf(x).ln();
    }
    // Asymptotic expansion: Φ(x) = φ(x)/(−x) · (1 − 1/x² + 3/x⁴ − …).
    let inv_x2 = 1.0 / (x * x);
    let mut term = 1.0;
    let mut series = 1.0;
    for &c in &MILLS_SERIES {
        term *= -inv_x2;
        series += c * term;
    }
    log_pdf(x) - (-x).ln() + series.ln()
}

/// ln Q(x) = ln(1 − Φ(x)) = ln Φ(−x); same accuracy as [`log_cdf`].
#[inline]
pub fn log_upper_tail(x: f64) -> f64 {
    log_cdf(-x)
}

/// Wichura's AS 241 central rational approximation, valid for |q| ≤ 0.425 where q = p − ½
/// (finite for every |q| ≤ ½). Branch-free, so a loop over a Genz batch vectorises.
#[inline(always)]
pub(crate) fn as241_central(q: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    let r = 0.180_625 - q * q;
    q * polynomial(&A, r) / polynomial(&B, r)
}

/// Wichura's AS 241 tail approximation: returns x > 0 with Q(x) = t, for t ∈ (0, 0.075].
#[inline]
fn as241_tail(t: f64) -> f64 {
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    let r = (-t.ln()).sqrt();
    if r <= 5.0 {
        let s = r - 1.6;
        polynomial(&C, s) / polynomial(&D, s)
    } else {
        let s = r - 5.0;
        polynomial(&E, s) / polynomial(&F, s)
    }
}

/// Σ_{k<8} c_k x^k by Estrin's scheme (three levels of independent multiply–adds rather than
/// Horner's chain of seven dependent ones). Plain multiply–add rather than `mul_add`: on
/// targets without a hardware FMA (the default x86-64 baseline) `mul_add` is a call to a
/// software routine.
#[inline]
pub(crate) fn polynomial(c: &[f64; 8], x: f64) -> f64 {
    let x2 = x * x;
    let x4 = x2 * x2;
    let low = (c[0] + c[1] * x) + x2 * (c[2] + c[3] * x);
    let high = (c[4] + c[5] * x) + x2 * (c[6] + c[7] * x);
    low + x4 * high
}

/// Φ⁻¹(p) without argument checks, for hot loops whose arguments are known to lie in [0, 1].
///
/// Same accuracy as [`inverse_cdf`]: p = 0 gives −∞ and p = 1 gives +∞. For p outside [0, 1]
/// the result is unspecified (but no panic occurs); NaN gives NaN.
#[inline]
pub fn inverse_cdf_unchecked(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let x = as241_central(q);
        // Newton step on ½·erf(x/√2) = q: no cancellation near p = ½.
        let residual = 0.5 * libm::erf(x * FRAC_1_SQRT_2_HI) - q;
        return x - residual / pdf(x);
    }
    if q < 0.0 {
        -inverse_upper_tail_unchecked(p)
    } else {
        inverse_upper_tail_unchecked(1.0 - p)
    }
}

/// Q⁻¹(t) = −Φ⁻¹(t): the x with Q(x) = t, accurate for tiny t (no 1 − t is formed).
///
/// No argument checks: t = 0 gives +∞, t = 1 gives −∞; t outside [0, 1] gives an unspecified
/// value; NaN gives NaN.
#[inline]
pub(crate) fn inverse_upper_tail_unchecked(t: f64) -> f64 {
    if t > 0.075 {
        return -inverse_cdf_unchecked(t);
    }
    if t <= 0.0 {
        return if t == 0.0 { f64::INFINITY } else { f64::NAN };
    }
    let x = as241_tail(t);
    // Newton step on Q(x) = t in relative form: Q(x) − t over −φ(x), with both tiny but normal.
    let density = pdf(x);
    if density > 0.0 {
        x + (upper_tail(x) - t) / density
    } else {
        x
    }
}

/// Φ(x) for hot loops: Q(−x) = φ(x)·R(−x) through the Mills-ratio table of
/// [`crate::mills_ratio`] for x ≤ 0, and 1 − Q(x) above. Relative error below 1e-15 on
/// [−38, 38] (normal results), like [`cdf`], at about a third of its cost: no complementary
/// error function, and an inlined exponential
/// ([`crate::mills_ratio::upper_tail_of_magnitude`]).
///
/// NaN gives NaN, −∞ gives 0 and +∞ gives 1.
#[inline]
pub(crate) fn cdf_fast(x: f64) -> f64 {
    // Both sides through one tail evaluation and a select, not a branch: in the integrands the
    // sign of x is random, and a mispredicted branch would cost as much as the arithmetic.
    let tail = crate::mills_ratio::upper_tail_of_magnitude(x);
    if x <= 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

/// Φ⁻¹(p) by Wichura's AS 241 alone, without the refining Newton step of
/// [`inverse_cdf_unchecked`]: about half the cost, relative error below 1e-15 on
/// [1e-300, 1 − 1e-16] as measured against the mpmath table (see `src/fast_normal_reference.rs`).
/// Same conventions as [`inverse_cdf_unchecked`]; for hot loops.
#[inline]
pub(crate) fn inverse_cdf_fast(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        as241_central(q)
    } else if q < 0.0 {
        if p <= 0.0 {
            return if p == 0.0 { f64::NEG_INFINITY } else { f64::NAN };
        }
        -as241_tail(p)
    } else {
        let t = 1.0 - p;
        if t <= 0.0 {
            return if t == 0.0 { f64::INFINITY } else { f64::NAN };
        }
        as241_tail(t)
    }
}

/// Q⁻¹(t) = −Φ⁻¹(t) by AS 241 alone (see [`inverse_cdf_fast`]), accurate for tiny t (the scalar
/// reference recursion of the tests uses it; the batched integrand has its own branch-free form).
#[cfg(test)]
#[inline]
pub(crate) fn inverse_upper_tail_fast(t: f64) -> f64 {
    if t > 0.075 {
        return -inverse_cdf_fast(t);
    }
    if t <= 0.0 {
        return if t == 0.0 { f64::INFINITY } else { f64::NAN };
    }
    as241_tail(t)
}

/// Q⁻¹ of a probability given by its logarithm: the x with ln Q(x) = `log_t`, for log_t ≤ 0.
///
/// Works far beyond the range of doubles (ln t = −1e6 gives x ≈ 1414.2); for log_t ≥ −690 it
/// is [`inverse_upper_tail_unchecked`] of e^{log_t}. Below, Newton's method on ln Q, whose
/// derivative is −φ(x)/Q(x), from the asymptotic start x₀ = √(−2 ln t − ln(−4π ln t)); it
/// converges to full precision in a few steps because ln Q is smooth and nearly quadratic.
/// NaN gives NaN; log_t ≥ 0 gives −∞.
pub(crate) fn inverse_log_upper_tail(log_t: f64) -> f64 {
    if log_t.is_nan() {
        return f64::NAN;
    }
    if log_t == f64::NEG_INFINITY {
        return f64::INFINITY;
    }
    if log_t >= -690.0 {
        return inverse_upper_tail_unchecked(log_t.exp());
    }
    let mut x = (-2.0 * log_t - (-4.0 * std::f64::consts::PI * log_t).ln()).sqrt();
    for _ in 0..8 {
        let residual = log_upper_tail(x) - log_t;
        let slope = -(log_pdf(x) - log_upper_tail(x)).exp();
        let step = residual / slope;
        x -= step;
        if step.abs() <= 1e-16 * x.abs() {
            break;
        }
    }
    x
}

/// The standard normal quantile Φ⁻¹(p), the x with Φ(x) = p.
///
/// Relative error ≤ 1e-15 for p ∈ [1e-300, 1 − 1e-16] (absolute ≤ 1e-17 where |x| < 0.01).
/// p = 0 gives −∞ and p = 1 gives +∞.
///
/// # Errors
///
/// [`Error::InvalidProbability`] when p is NaN or outside [0, 1].
///
/// ```
/// use mvn_orthant::normal::inverse_cdf;
/// assert_eq!(inverse_cdf(0.5).unwrap(), 0.0);
/// assert!((inverse_cdf(0.975).unwrap() - 1.959_963_984_540_054).abs() < 1e-15);
/// assert!(inverse_cdf(1.5).is_err());
/// ```
pub fn inverse_cdf(p: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::InvalidProbability { value: p });
    }
    Ok(inverse_cdf_unchecked(p))
}

/// The inverse upper tail Q⁻¹(t) = −Φ⁻¹(t), accurate for tiny t (e.g. t = 1e-300 gives 37.047…).
///
/// # Errors
///
/// [`Error::InvalidProbability`] when t is NaN or outside [0, 1].
pub fn inverse_upper_tail(t: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&t) {
        return Err(Error::InvalidProbability { value: t });
    }
    Ok(inverse_upper_tail_unchecked(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_by_width_keeps_the_accuracy_of_the_width() {
        let (shift, w) = (1e8, 1e-12);
        // [shift + 0.5, shift + 0.5 + w] shifted back: the limits are rounded to ulp(1e8) ≈
        // 1.5e-8, but the width is exact.
        let l = (shift + 0.5) - shift;
        let v = log_interval_probability_with_width(l, l + w, w);
        let want = -1.043_938_533_204_672_7 + (1e-12f64).ln(); // ln φ(½) + ln w to first order
        assert!((v - want).abs() < 1e-12);
    }

    #[test]
    fn symmetry_and_complement() {
        for i in -380..=380 {
            let x = f64::from(i) * 0.1;
            let s = cdf(x) + cdf(-x);
            assert!((s - 1.0).abs() <= 2.0 * f64::EPSILON, "x = {x}: Φ(x) + Φ(−x) = {s}");
        }
    }

    #[test]
    fn inverse_round_trip() {
        // Φ(x) is a rounded double: the round trip can be no better than half an ulp of Φ(x)
        // divided by φ(x), plus the quantile's own few ulps of x.
        for i in -370..=80 {
            let x = f64::from(i) * 0.1 + 0.0123;
            let p = cdf(x);
            let back = inverse_cdf_unchecked(p);
            let tol = p * f64::EPSILON / pdf(x) + 4.0 * f64::EPSILON * x.abs();
            assert!((back - x).abs() <= tol, "x = {x}: Φ⁻¹(Φ(x)) = {back}, tolerance {tol:e}");
        }
    }

    #[test]
    fn special_values() {
        assert_eq!(inverse_cdf(0.0).unwrap(), f64::NEG_INFINITY);
        assert_eq!(inverse_cdf(1.0).unwrap(), f64::INFINITY);
        assert!(matches!(inverse_cdf(f64::NAN), Err(Error::InvalidProbability { .. })));
        assert!(matches!(inverse_cdf(-0.1), Err(Error::InvalidProbability { .. })));
        assert_eq!(cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(cdf(f64::INFINITY), 1.0);
        assert!(cdf(f64::NAN).is_nan());
        assert_eq!(interval_probability(f64::NEG_INFINITY, f64::INFINITY), 1.0);
        assert_eq!(interval_probability(1.0, 1.0), 0.0);
        assert_eq!(pdf(f64::INFINITY), 0.0);
        assert_eq!(pdf(-1e200), 0.0);
        assert_eq!(log_pdf(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(log_cdf(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(log_interval_probability(f64::NEG_INFINITY, f64::INFINITY), 0.0);
        assert_eq!(log_interval_probability(2.0, 2.0), f64::NEG_INFINITY);
    }
}
