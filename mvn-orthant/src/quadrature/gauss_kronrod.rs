//! The Gauss–Kronrod (7, 15) panel (Piessens et al., QUADPACK, 1983; `qk15`): the crate's one
//! implementation of the rule, for scalar and for vector-valued integrands.
//!
//! On a panel [lo, hi] with centre c and half width h, the Kronrod value of ∫ f is
//! K = h Σ_{j} w_j f(c + h x_j) over the 15 nodes x_j of [`KRONROD_NODES`] (±, and 0), and the
//! embedded Gauss value G = h Σ_{j odd} g_j f(c + h x_j) uses the 7 odd-indexed nodes (and 0).
//! |K − G| measures the error of G; two estimates of the (far smaller) error of K are built on
//! it:
//!
//! * [`kronrod_error_estimate`] (QUADPACK's): S·min(1, (200 |K − G|/S)^{3/2}) with
//!   S = ∫|f − mean f| the spread of the integrand, for integrands that may change sign or have
//!   endpoint singularities (the adaptive rule);
//! * [`smooth_error_estimate`]: |K − G|·min(1, (200 |K − G|/K)^{3/2}) for positive analytic
//!   integrands (the EXACT complement; the log-concave integrator takes |K − G| itself, since
//!   this one accepted its panels with Kronrod values still off by 1e-13).
//!
//! [`gauss_kronrod_panel`] is the rule itself: it evaluates a vector-valued f: ℝ → ℝᵐ once per
//! node and gives the rule per component ([`KronrodSums`]), so that integrals sharing their nodes
//! (the EXACT complement and its gradient) cost one evaluation per node. [`gauss_kronrod_15`] is
//! the scalar panel on top of it, with the spread, the nodes and the weighted values that the
//! callers of the scalar rule need.

/// Gauss–Kronrod 15-point nodes on `[−1, 1]`, positive half in decreasing order (the last is 0);
/// the rule is symmetric (QUADPACK `qk15`, Piessens et al. 1983).
const KRONROD_NODES: [f64; 8] = [
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
const KRONROD_WEIGHTS: [f64; 8] = [
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
const GAUSS_7_WEIGHTS: [f64; 4] = [
    0.129_484_966_168_869_693_270_611_432_679_082,
    0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975,
    0.417_959_183_673_469_387_755_102_040_816_327,
];

/// The Kronrod weight of the `n`-th node in the order of evaluation of [`gauss_kronrod_panel`]
/// (pairs −x_j, +x_j from the outermost in, then the centre).
#[inline]
fn kronrod_weight_of_node(n: usize) -> f64 {
    KRONROD_WEIGHTS[(n / 2).min(7)]
}

/// QUADPACK's error estimate of one Gauss–Kronrod panel: with `difference` = |K − G| and
/// `spread` = ∫|f − mean f| on the panel (both by the rules, scaled to the panel),
/// spread·min(1, (200·difference/spread)^{3/2}); the difference itself when the spread is 0.
pub(crate) fn kronrod_error_estimate(difference: f64, spread: f64) -> f64 {
    if spread > 0.0 && difference > 0.0 {
        spread * (200.0 * difference / spread).powf(1.5).min(1.0)
    } else {
        difference
    }
}

/// The error estimate of a panel of a positive analytic integrand: E·min(1, (200 E/K)^{3/2})
/// with E = `difference` = |K − G| and K = `value` (E itself when K ≤ 0). On such integrands the
/// Kronrod value's error falls off far faster than E, which this estimate (unlike QUADPACK's,
/// linear in the spread) credits.
#[inline]
pub(crate) fn smooth_error_estimate(value: f64, difference: f64) -> f64 {
    if value > 0.0 {
        difference * (200.0 * difference / value).powf(1.5).min(1.0)
    } else {
        difference
    }
}

/// The Gauss–Kronrod (7, 15) rule of one component of an integrand on one panel, as filled in
/// by [`gauss_kronrod_panel`]: with c the centre of the panel and h its half width, the Kronrod
/// value K = h Σ_j w_j f(c + h x_j) over the 15 nodes, the embedded Gauss value
/// G = h Σ_j g_j f(c + h x_j) over 7 of them, and error estimates built on |K − G|.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct KronrodSums {
    /// Σ w_j f(c + h x_j), the Kronrod sum on the reference interval [−1, 1].
    kronrod: f64,
    /// Σ g_j f(c + h x_j), the Gauss sum on [−1, 1].
    gauss: f64,
    /// The half width h of the panel.
    half: f64,
}

impl KronrodSums {
    /// The Kronrod value K of ∫ f over the panel.
    #[inline]
    pub fn value(&self) -> f64 {
        self.kronrod * self.half
    }

    /// |K − G|: the error estimate of the Gauss value, far above that of K.
    #[inline]
    pub fn difference(&self) -> f64 {
        ((self.kronrod - self.gauss) * self.half).abs()
    }

    /// The error estimate of K for a positive analytic integrand,
    /// |K − G|·min(1, (200 |K − G|/K)^{3/2}) (|K − G| itself when K ≤ 0): on such integrands the
    /// Kronrod value's error falls off far faster than |K − G|.
    #[inline]
    pub fn smooth_error(&self) -> f64 {
        smooth_error_estimate(self.value(), self.difference())
    }
}

/// The Gauss–Kronrod (7, 15) panel (QUADPACK's `qk15`, Piessens et al. 1983) of a vector-valued
/// integrand f: ℝ → ℝᵐ on `[lo, hi]`, one evaluation of f per node for all m components:
/// `f(x, values)` writes the m = `sums.len()` components of f(x) into `values` (of length at
/// least m), and `sums[c]` receives the rule of component c ([`KronrodSums`]: its value and error
/// estimates). Integrals that share their nodes (an integral and its gradient) are computed
/// together this way. The nodes are evaluated in pairs c − h x_j, c + h x_j from the outermost
/// in, then the centre c.
///
/// ```
/// use mvn_orthant::quadrature::{gauss_kronrod_panel, KronrodSums};
/// // ∫_0^2 (1, t, e^t) dt = (2, 2, e² − 1).
/// let mut sums = [KronrodSums::default(); 3];
/// let mut f = |t: f64, v: &mut [f64]| v.copy_from_slice(&[1.0, t, t.exp()]);
/// gauss_kronrod_panel(&mut f, 0.0, 2.0, &mut [0.0; 3], &mut sums);
/// let exact = [2.0, 2.0, 2f64.exp() - 1.0];
/// for (s, e) in sums.iter().zip(exact) {
///     assert!((s.value() - e).abs() < 1e-14 && s.smooth_error() < 1e-14);
/// }
/// ```
#[inline]
pub fn gauss_kronrod_panel<F: FnMut(f64, &mut [f64])>(
    f: &mut F,
    lo: f64,
    hi: f64,
    values: &mut [f64],
    sums: &mut [KronrodSums],
) {
    let (center, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
    let values = &mut values[..sums.len()];
    sums.fill(KronrodSums { kronrod: 0.0, gauss: 0.0, half });
    for j in 0..8 {
        let offsets: &[f64] = if j == 7 { &[0.0] } else { &[-KRONROD_NODES[j], KRONROD_NODES[j]] };
        for &x in offsets {
            f(center + half * x, values);
            for (sum, &v) in sums.iter_mut().zip(values.iter()) {
                sum.kronrod += KRONROD_WEIGHTS[j] * v;
                if j % 2 == 1 {
                    sum.gauss += GAUSS_7_WEIGHTS[j / 2] * v;
                }
            }
        }
    }
}

/// One Gauss–Kronrod (7, 15) panel of a scalar integrand: the Kronrod value, its error
/// estimate, and the 15 nodes with their weighted integrand values (which sum to the value).
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

/// The Gauss–Kronrod (7, 15) panel of a scalar `f` on `[lo, hi]` ([`gauss_kronrod_panel`] with
/// one component), with QUADPACK's error estimate.
#[inline]
pub(crate) fn gauss_kronrod_15<F: FnMut(f64) -> f64>(f: &mut F, lo: f64, hi: f64) -> KronrodPanel {
    let mut nodes = [0.0; 15];
    let mut values = [0.0; 15];
    let mut n = 0;
    let mut sums = [KronrodSums::default()];
    gauss_kronrod_panel(
        &mut |s, out: &mut [f64]| {
            let v = f(s);
            nodes[n] = s;
            values[n] = v;
            n += 1;
            out[0] = v;
        },
        lo,
        hi,
        &mut [0.0],
        &mut sums,
    );
    let sums = sums[0];
    let (half, mean) = (sums.half, 0.5 * sums.kronrod);
    let mut spread = 0.0;
    let mut weighted = [0.0; 15];
    for (k, &v) in values.iter().enumerate() {
        spread += kronrod_weight_of_node(k) * (v - mean).abs();
        weighted[k] = kronrod_weight_of_node(k) * half * v;
    }
    let difference = sums.difference();
    KronrodPanel {
        value: sums.value(),
        error: kronrod_error_estimate(difference, spread * half.abs()),
        difference,
        nodes,
        weighted,
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
    fn quadpack_error_estimate_credits_a_small_difference() {
        // A difference far below the spread is taken as a gross overestimate of the Kronrod error.
        assert!((kronrod_error_estimate(1e-10, 1.0) - (2e-8f64).powf(1.5)).abs() < 1e-24);
        assert_eq!(kronrod_error_estimate(0.5, 1.0), 1.0);
        assert_eq!(kronrod_error_estimate(0.5, 0.0), 0.5);
        assert!((smooth_error_estimate(1.0, 1e-10) - 1e-10 * (2e-8f64).powf(1.5)).abs() < 1e-34);
        assert_eq!(smooth_error_estimate(-1.0, 0.25), 0.25);
    }

    #[test]
    fn vector_panel_gives_each_component_the_scalar_panel_bits() {
        // Components e^{kt}, k = 0..5, on [−0.3, 1.7]: each must equal the scalar panel of that
        // component bit for bit, and the exact integral (e^{1.7k} − e^{−0.3k})/k to 1e-14.
        let (lo, hi) = (-0.3, 1.7);
        let mut values = [0.0; 6];
        let mut sums = [KronrodSums::default(); 6];
        gauss_kronrod_panel(
            &mut |t, out: &mut [f64]| {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = (k as f64 * t).exp();
                }
            },
            lo,
            hi,
            &mut values,
            &mut sums,
        );
        for (k, s) in sums.iter().enumerate() {
            let kf = k as f64;
            let scalar = gauss_kronrod_15(&mut |t: f64| (kf * t).exp(), lo, hi);
            assert_eq!(s.value().to_bits(), scalar.value.to_bits(), "component {k}");
            assert_eq!(s.difference().to_bits(), scalar.difference.to_bits(), "component {k}");
            let value = s.value();
            let exact = if k == 0 { hi - lo } else { ((kf * hi).exp() - (kf * lo).exp()) / kf };
            assert!((value / exact - 1.0).abs() < 1e-14, "component {k}: {value} vs {exact}");
        }
    }
}
