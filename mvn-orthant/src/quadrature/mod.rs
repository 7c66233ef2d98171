//! One-dimensional quadrature, shared by every method of the crate: fixed Gauss–Legendre rules,
//! the Gauss–Kronrod (7, 15) panel with its error estimates, the adaptive bisection rule, and two
//! log-space integrators for log-concave integrands.
//!
//! * Fixed rules: Gauss–Legendre with 6, 8, 12 and 20 points (the exact bivariate method, the
//!   narrow intervals of [`crate::normal`] and of the truncated normal, the univariate box).
//! * The Gauss–Kronrod (7, 15) panel (`gauss_kronrod`, QUADPACK's `qk15`, Piessens et al. 1983),
//!   the crate's one implementation of the rule, for scalar integrands and for vector-valued ones
//!   (integrals sharing their nodes: the EXACT complement and its gradient in `exact-loss`):
//!   [`gauss_kronrod_panel`] and its result per component, [`KronrodSums`]. With E = |K − G| the difference of the
//!   Kronrod and Gauss values and S = ∫|f − mean f| the spread of the integrand (by the Kronrod
//!   rule), QUADPACK's error estimate is S·min(1, (200 E/S)^{3/2}): the Kronrod value is far more
//!   accurate than the Gauss value it is compared with. The adaptive rule uses it; its
//!   integrands may change sign or have endpoint singularities (the d = 4 orthant). The
//!   log-concave integrator and the EXACT complement, whose integrands are positive and
//!   analytic, use the sharper E·min(1, (200 E/K)^{3/2}) of the same panel: with QUADPACK's
//!   estimate the log-concave integrator spends 1.8 times the evaluations for no measured gain in
//!   accuracy, and with the sharper one the d = 4 orthant misses its reference, so each keeps
//!   its own.
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
mod gauss_kronrod;
mod log_concave;
mod log_concave_derivative_free;
mod log_concave_trapezoid;

pub(crate) use adaptive::adaptive_integral;
pub(crate) use gauss_kronrod::{gauss_kronrod_15, KronrodPanel};
pub use gauss_kronrod::{gauss_kronrod_panel, KronrodSums};
#[cfg(test)]
pub(crate) use log_concave::integrate_log_concave_adaptive;
pub use log_concave::{integrate_log_concave, LogConcaveIntegrand, LogIntegral};
pub(crate) use log_concave_derivative_free::integral_log_concave;
pub use log_concave_trapezoid::TrapezoidSums;

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

#[cfg(test)]
mod tests {
    use super::*;

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
