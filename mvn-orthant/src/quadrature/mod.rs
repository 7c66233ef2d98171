//! One-dimensional quadrature, shared by every method of the crate: fixed Gauss–Legendre rules,
//! the Gauss–Kronrod (7, 15) panel with its error estimate, the adaptive bisection rule, and two
//! log-space integrators for log-concave integrands.
//!
//! * Fixed rules: Gauss–Legendre with 6, 8, 12 and 20 points (the exact bivariate method, the
//!   narrow intervals of [`crate::normal`] and of the truncated normal, the univariate box), and the
//!   Gauss–Kronrod (7, 15) pair ([`KRONROD_NODES`], [`KRONROD_WEIGHTS`], [`GAUSS_7_WEIGHTS`]).
//! * [`kronrod_error_estimate`]: QUADPACK's error estimate of one panel (Piessens et al. 1983).
//!   With E = |K − G| the difference of the Kronrod and Gauss values and S = ∫|f − mean f| the
//!   spread of the integrand (by the Kronrod rule), the error is S·min(1, (200 E/S)^{3/2}): the
//!   Kronrod value is far more accurate than the Gauss value it is compared with. The adaptive
//!   rule uses it; its integrands may change sign or have endpoint singularities (the d = 4
//!   orthant). The log-concave integrator, whose integrands are positive and analytic, uses the
//!   sharper E·min(1, (200 E/K)^{3/2}) of the same panel (`KronrodPanel::smooth_error`): with
//!   QUADPACK's estimate it spends 1.8 times the evaluations for no measured gain in accuracy,
//!   and with the sharper one the d = 4 orthant misses its reference, so each keeps its own.
//! * The adaptive rule: bisection of Gauss–Kronrod panels to an absolute tolerance, optionally
//!   cut at known features of the integrand (the exact methods, the d = 4 orthant).
//! * [`integrate_log_concave`]: ln ∫ e^{g(t)} dt for a concave g with g″ ≤ −1 given with its
//!   derivatives, written as a [`LogConcaveIntegrand`], with the derivatives of the logarithm
//!   with respect to the parameters of g (the gradient hook). The one-factor reduction and the
//!   EXACT orthant use it; it keeps relative accuracy far below the smallest double. Smooth
//!   integrands take a peak-centred trapezoid rule first (`log_concave_trapezoid`), the others
//!   (and those where the trapezoid's check fails) adaptive Gauss–Kronrod.
//! * A derivative-free variant for a concave g given only as a closure (with its linear-scale
//!   value), used by the log-space tails of the exact bivariate and trivariate methods.

// The nodes and weights are stored with all the digits of their source.
#![allow(clippy::excessive_precision)]

mod adaptive;
mod log_concave;
mod log_concave_derivative_free;
mod log_concave_trapezoid;

pub(crate) use adaptive::adaptive_integral;
#[cfg(test)]
pub(crate) use log_concave::integrate_log_concave_adaptive;
pub use log_concave::{integrate_log_concave, LogConcaveIntegrand, LogIntegral};
pub(crate) use log_concave_derivative_free::integral_log_concave;

/// Neumaier's compensated sum: the rounding of each addition is kept in `compensation`, so a
/// sum of many terms (the d log-factors of an integrand, the nodes of a trapezoid rule) does not
/// collect one rounding of the (larger) running total per term.
#[derive(Clone, Copy, Default)]
pub(crate) struct CompensatedSum {
    pub(crate) sum: f64,
    pub(crate) compensation: f64,
}

impl CompensatedSum {
    #[inline]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    #[inline]
    pub(crate) fn value(self) -> f64 {
        self.sum + self.compensation
    }
}

/// Positive Gauss–Legendre nodes and weights on `[−1, 1]` (the rule is symmetric), 6 points.
/// Computed with mpmath at 40 digits (Newton on the Legendre polynomial).
pub(crate) const GAUSS_LEGENDRE_6: [(f64, f64); 3] = [
    (0.932_469_514_203_152_027_81, 0.171_324_492_379_170_345_04),
    (0.661_209_386_466_264_513_66, 0.360_761_573_048_138_607_57),
    (0.238_619_186_083_196_908_63, 0.467_913_934_572_691_047_39),
];

/// Positive Gauss–Legendre nodes and weights on `[−1, 1]`, 8 points (Abramowitz & Stegun,
/// table 25.4).
pub(crate) const GAUSS_LEGENDRE_8: [(f64, f64); 4] = [
    (0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (0.796_666_477_413_626_7, 0.222_381_034_453_374_5),
    (0.960_289_856_497_536_3, 0.101_228_536_290_376_3),
];

/// Positive Gauss–Legendre nodes and weights on `[−1, 1]`, 12 points.
pub(crate) const GAUSS_LEGENDRE_12: [(f64, f64); 6] = [
    (0.981_560_634_246_719_250_69, 0.047_175_336_386_511_827_195),
    (0.904_117_256_370_474_856_68, 0.106_939_325_995_318_430_96),
    (0.769_902_674_194_304_687_04, 0.160_078_328_543_346_226_33),
    (0.587_317_954_286_617_447_3, 0.203_167_426_723_065_921_75),
    (0.367_831_498_998_180_193_75, 0.233_492_536_538_354_808_76),
    (0.125_233_408_511_468_915_47, 0.249_147_045_813_402_785),
];

/// Positive Gauss–Legendre nodes and weights on `[−1, 1]`, 20 points.
pub(crate) const GAUSS_LEGENDRE_20: [(f64, f64); 10] = [
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

/// The nodes s ∈ (0, w) of a symmetric Gauss–Legendre `rule` (positive half, as the constants
/// above) mapped to the interval [0, w], in pairs (w/2·(1 − x), w/2·(1 + x)), each with the
/// weight of the rule on [−1, 1]: Σ weight·f(s) times w/2 is the rule's ∫_0^w f.
pub(crate) fn gauss_legendre_nodes(rule: &[(f64, f64)], width: f64) -> impl Iterator<Item = (f64, f64)> + '_ {
    let half = 0.5 * width;
    rule.iter().flat_map(move |&(x, w)| [(half * (1.0 - x), w), (half * (1.0 + x), w)])
}

/// Gauss–Kronrod 15-point nodes on `[−1, 1]`, positive half in decreasing order (the last is 0);
/// the rule is symmetric (QUADPACK `qk15`, Piessens et al. 1983).
pub const KRONROD_NODES: [f64; 8] = [
    0.991_455_371_120_812_639_206_854_697_526_329,
    0.949_107_912_342_758_524_526_189_684_047_851,
    0.864_864_423_359_769_072_789_712_788_640_926,
    0.741_531_185_599_394_439_863_864_773_280_788,
    0.586_087_235_467_691_130_294_144_845_693_013,
    0.405_845_151_377_397_166_906_606_412_076_961,
    0.207_784_955_007_898_467_600_689_403_773_245,
    0.0,
];

/// Gauss–Kronrod 15-point weights of [`KRONROD_NODES`] (the last, of the node 0, counts once).
pub const KRONROD_WEIGHTS: [f64; 8] = [
    0.022_935_322_010_529_224_963_732_008_058_970,
    0.063_092_092_629_978_553_290_700_663_189_204,
    0.104_790_010_322_250_183_839_876_322_541_518,
    0.140_653_259_715_525_918_745_189_590_510_238,
    0.169_004_726_639_267_902_826_583_426_598_550,
    0.190_350_578_064_785_409_913_256_402_421_014,
    0.204_432_940_075_298_892_414_161_999_234_649,
    0.209_482_141_084_727_828_012_999_174_891_714,
];

/// Gauss 7-point weights of the nodes `KRONROD_NODES[1]`, `[3]`, `[5]` and 0 (embedded in the
/// Kronrod rule: the Gauss value uses the odd-indexed Kronrod nodes and the centre).
pub const GAUSS_7_WEIGHTS: [f64; 4] = [
    0.129_484_966_168_869_693_270_611_432_679_082,
    0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975,
    0.417_959_183_673_469_387_755_102_040_816_327,
];

/// QUADPACK's error estimate of one Gauss–Kronrod panel: with `difference` = |K − G| and
/// `spread` = ∫|f − mean f| on the panel (both by the rules, scaled to the panel),
/// spread·min(1, (200·difference/spread)^{3/2}); the difference itself when the spread is 0.
///
/// ```
/// use mvn_orthant::quadrature::kronrod_error_estimate;
/// // A difference far below the spread is taken as a gross overestimate of the Kronrod error.
/// assert!((kronrod_error_estimate(1e-10, 1.0) - (2e-8f64).powf(1.5)).abs() < 1e-24);
/// assert_eq!(kronrod_error_estimate(0.5, 1.0), 1.0);
/// ```
pub fn kronrod_error_estimate(difference: f64, spread: f64) -> f64 {
    if spread > 0.0 && difference > 0.0 {
        spread * (200.0 * difference / spread).powf(1.5).min(1.0)
    } else {
        difference
    }
}

/// One Gauss–Kronrod (7, 15) panel: the Kronrod value, its error estimate, and the 15 nodes
/// with their weighted integrand values (which sum to the value).
pub(crate) struct KronrodPanel {
    /// The Kronrod value of ∫ f over the panel.
    pub(crate) value: f64,
    /// [`kronrod_error_estimate`] of the panel.
    pub(crate) error: f64,
    /// |K − G| on the panel.
    pub(crate) difference: f64,
    /// The nodes of the panel.
    pub(crate) nodes: [f64; 15],
    /// Kronrod weight × half width × f at each node.
    pub(crate) weighted: [f64; 15],
}

/// The Gauss–Kronrod (7, 15) panel of `f` on `[lo, hi]` (the crate's only implementation of
/// the rule). Nodes are evaluated in pairs −x_j, +x_j from the outermost in, then the centre.
#[inline]
pub(crate) fn gauss_kronrod_15<F: FnMut(f64) -> f64>(f: &mut F, lo: f64, hi: f64) -> KronrodPanel {
    let (center, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
    let mut panel =
        KronrodPanel { value: 0.0, error: 0.0, difference: 0.0, nodes: [0.0; 15], weighted: [0.0; 15] };
    let mut values = [0.0; 15];
    let (mut kronrod, mut gauss, mut n) = (0.0, 0.0, 0);
    for j in 0..8 {
        let offsets: &[f64] = if j == 7 { &[0.0] } else { &[-KRONROD_NODES[j], KRONROD_NODES[j]] };
        for &x in offsets {
            let s = center + half * x;
            let v = f(s);
            kronrod += KRONROD_WEIGHTS[j] * v;
            if j % 2 == 1 {
                gauss += GAUSS_7_WEIGHTS[j / 2] * v;
            }
            panel.nodes[n] = s;
            panel.weighted[n] = KRONROD_WEIGHTS[j] * half * v;
            values[n] = v;
            n += 1;
        }
    }
    let mean = 0.5 * kronrod;
    let mut spread = 0.0;
    for (k, &v) in values.iter().enumerate() {
        spread += KRONROD_WEIGHTS[(k / 2).min(7)] * (v - mean).abs();
    }
    panel.value = kronrod * half;
    panel.difference = ((kronrod - gauss) * half).abs();
    panel.error = kronrod_error_estimate(panel.difference, spread * half.abs());
    panel
}

impl KronrodPanel {
    /// The error estimate for a positive analytic integrand: E·min(1, (200 E/K)^{3/2}) with
    /// E = |K − G| (the difference itself when K ≤ 0). On such integrands the Kronrod value's
    /// error falls off far faster than E, which this estimate (unlike QUADPACK's, linear in the
    /// spread) credits.
    pub(crate) fn smooth_error(&self) -> f64 {
        let e = self.difference;
        if self.value > 0.0 {
            e * (200.0 * e / self.value).powf(1.5).min(1.0)
        } else {
            e
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronrod_rule_is_exact_for_polynomials_and_gauss_to_degree_13() {
        for k in 0..=20 {
            let panel = gauss_kronrod_15(&mut |t: f64| (t + 2.0).powi(k), -1.0, 1.0);
            let exact = (3f64.powi(k + 1) - 1.0) / f64::from(k + 1);
            assert!((panel.value / exact - 1.0).abs() < 1e-14, "degree {k}: {} vs {exact}", panel.value);
            let sum: f64 = panel.weighted.iter().sum();
            assert!((sum / exact - 1.0).abs() < 1e-14);
        }
        let panel = gauss_kronrod_15(&mut |t: f64| (t + 2.0).powi(13), -1.0, 1.0);
        assert!(panel.error < 1e-10 * panel.value, "Gauss 7 is exact to degree 13: {}", panel.error);
        // Degree 14 is beyond Gauss 7: the estimate must see it.
        let panel = gauss_kronrod_15(&mut |t: f64| t.powi(14), -1.0, 1.0);
        assert!(panel.error > 1e-6, "degree 14: {}", panel.error);
    }

    #[test]
    fn gauss_legendre_rules_integrate_their_degree_exactly() {
        // ∫_0^2 s^k ds = 2^{k+1}/(k + 1); an n-point rule is exact to degree 2n − 1.
        for (rule, n) in [
            (&GAUSS_LEGENDRE_6[..], 6),
            (&GAUSS_LEGENDRE_8[..], 8),
            (&GAUSS_LEGENDRE_12[..], 12),
            (&GAUSS_LEGENDRE_20[..], 20),
        ] {
            for k in 0..2 * n {
                let sum: f64 = gauss_legendre_nodes(rule, 2.0).map(|(s, w)| w * s.powi(k)).sum();
                let exact = 2f64.powi(k + 1) / f64::from(k + 1);
                assert!((sum / exact - 1.0).abs() < 1e-14, "{n} points, degree {k}: {sum} vs {exact}");
            }
        }
    }
}
