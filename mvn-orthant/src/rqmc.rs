//! The randomised quasi-Monte Carlo driver shared by the sampling methods ([`crate::genz`] and
//! [`crate::tilting`]): the checks of their settings, the randomisations and their seeds, the
//! chunk plan, the (parallel) map over chunks, the doubling of the points under a budget, the
//! Student-t summary of the replicates and the bound on what a sample can have missed.
//!
//! # The scheme
//!
//! R independent randomisations of one point set (scrambles or shifts, seeds
//! [`derive_seed`]`(seed, r)`) each give an unbiased estimate P̂_r of an integral over the unit
//! cube, the mean of the integrand over the same N points. A run starts with a first round of
//! N_0 points per randomisation and doubles N (all points are kept) until the method's stopping
//! rule holds or the next doubling would exceed the evaluation budget or the point set
//! (`Driver::run`). The summary of the replicates is their mean and the half-width
//! t_{R−1}·s/√R of its 99% interval (`replicate_half_width`, `t_quantile`).
//!
//! # Determinism
//!
//! The points of each round are cut into chunks of at most `CHUNK_POINTS` points of one
//! randomisation, in a fixed order (randomisation, then first point); each chunk is evaluated
//! sequentially, and the methods merge the chunk results in that order. The same seed therefore
//! gives the same bits with 1, 2 or 8 threads, with or without the `parallel` feature. Small
//! rounds (below `PARALLEL_MIN_WORK` point-steps) run on the calling thread.

use crate::error::{Error, Result};
use crate::qmc::{derive_seed, PointCursor, PointSetKind, RandomizedPointSet, Sobol};

/// Points of one randomisation summed sequentially as one unit of (parallel) work.
pub(crate) const CHUNK_POINTS: u64 = 256;

/// Rounds with fewer point-steps (points × integrand steps) than this run on the calling thread,
/// about 0.2 ms of work: handing them to the pool costs more in thread wake-ups than the work.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_WORK: u64 = 1 << 15;

/// Student's t quantiles t_{ν}(0.995) for ν = 1 … 63 degrees of freedom (SciPy
/// `scipy.stats.t.ppf(0.995, ν)`): the multiple of the standard error for R = ν + 1
/// randomisations at the 99% level.
const T_QUANTILES_995: [f64; 63] = [
    63.656741162871526,
    9.924843200918287,
    5.840909309733355,
    4.604094871349992,
    4.032142983555228,
    3.7074280213248065,
    3.4994832973504924,
    3.355387331333395,
    3.249835541592126,
    3.16927267261695,
    3.1058065155392804,
    3.0545395893929013,
    3.012275838716578,
    2.9768427343708344,
    2.946712883475238,
    2.9207816224251,
    2.8982305196774183,
    2.8784404727386077,
    2.8609346064649794,
    2.8453397097861077,
    2.83135955802305,
    2.8187560606001423,
    2.807335683769999,
    2.796939504774456,
    2.78743581367697,
    2.778714533329683,
    2.770682957122211,
    2.763262455461444,
    2.756385903670605,
    2.7499956535672254,
    2.744041919294269,
    2.7384814820121877,
    2.7332766423508357,
    2.7283943670707203,
    2.7238055892080912,
    2.7194846304500073,
    2.7154087215499882,
    2.7115576019130825,
    2.707913183517662,
    2.7044592674331622,
    2.701181303578522,
    2.6980661862199846,
    2.6951020791576745,
    2.6922782656930218,
    2.689585019374643,
    2.6870134922422158,
    2.6845556178665246,
    2.6822040269502154,
    2.679951973631552,
    2.677793270940844,
    2.6757222341106477,
    2.6737336306472197,
    2.671822636241004,
    2.6699847957348917,
    2.6682159884861933,
    2.666512397556063,
    2.664870482241971,
    2.6632869535376584,
    2.6617587521629673,
    2.6602830288550368,
    2.6588571266539263,
    2.6574785649511563,
    2.6561450250998613,
];

/// The fewest and the most randomisations a sampling method accepts.
pub(crate) const RANDOMIZATIONS: std::ops::RangeInclusive<usize> = 2..=64;

/// The multiple t_{R−1}(0.995) of the standard error s/√R for R randomisations: the half-width
/// of a two-sided 99% interval when the replicates are normal (3.4995 for R = 8).
///
/// # Panics
///
/// When R is outside 2 … 64 (settings are validated first, see [`RqmcSettings`]).
pub(crate) fn t_quantile(randomizations: usize) -> f64 {
    T_QUANTILES_995[randomizations - 2]
}

/// The settings every randomised quasi-Monte Carlo method shares, embedded in
/// [`GenzSettings`](crate::genz::GenzSettings) and
/// [`TiltingSettings`](crate::tilting::TiltingSettings) (each with its own defaults and
/// chainable setters of the same names) and checked in one place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RqmcSettings {
    /// Absolute tolerance (≥ 0): the run has converged when error ≤ max(abs_tol, rel_tol · P̂)
    /// (`estimate::tolerance_met`).
    pub abs_tol: f64,
    /// Relative tolerance (≥ 0; not both 0).
    pub rel_tol: f64,
    /// Largest number of integrand evaluations over all randomisations.
    pub max_evaluations: u64,
    /// Number R of independent randomisations, 2 … 64.
    pub randomizations: usize,
    /// Points per randomisation in the first round, a power of two up to 2³¹ (doubled each
    /// round).
    pub initial_points: u64,
    /// Seed of the randomisations (randomisation r uses [`derive_seed`]`(seed, r)`).
    pub seed: u64,
    /// Point set family.
    pub point_set: PointSetKind,
}

impl RqmcSettings {
    /// The one check of a sampling method's settings, for `evaluations_per_point` integrand
    /// evaluations per point of one randomisation (2 with antithetic pairs).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTolerance`] for a negative or non-finite tolerance or both zero;
    /// [`Error::InvalidBudget`] for R outside 2 … 64, a first round that is not a power of two
    /// (or above 2³¹), or a budget smaller than the first round.
    pub(crate) fn validate(&self, evaluations_per_point: u64) -> Result<()> {
        check_tolerances(self.abs_tol, self.rel_tol)?;
        if !RANDOMIZATIONS.contains(&self.randomizations) {
            return Err(Error::InvalidBudget {
                name: "randomizations".into(),
                value: self.randomizations as u64,
                reason: "the number of randomisations must be between 2 and 64".into(),
            });
        }
        if !self.initial_points.is_power_of_two() || self.initial_points > 1 << 31 {
            return Err(Error::InvalidBudget {
                name: "initial_points".into(),
                value: self.initial_points,
                reason: "the first round must be a power of two between 1 and 2^31 points".into(),
            });
        }
        let first_round = self.initial_points * self.randomizations as u64 * evaluations_per_point;
        if self.max_evaluations < first_round {
            return Err(Error::InvalidBudget {
                name: "max_evaluations".into(),
                value: self.max_evaluations,
                reason: format!(
                    "the first round alone needs {first_round} evaluations (randomizations × initial_points{})",
                    if evaluations_per_point > 1 { " × 2" } else { "" }
                ),
            });
        }
        Ok(())
    }

    /// The multiple t_{R−1}(0.995) of the standard error for the configured R
    /// ([`t_quantile`]).
    pub(crate) fn error_multiplier(&self) -> f64 {
        t_quantile(self.randomizations)
    }
}

/// Chainable setters named after the fields of the embedded [`RqmcSettings`] (`rqmc`).
macro_rules! rqmc_setters {
    () => {
        $crate::rqmc::rqmc_setters!(@one abs_tol, f64, "Sets the absolute tolerance.");
        $crate::rqmc::rqmc_setters!(@one rel_tol, f64, "Sets the relative tolerance.");
        $crate::rqmc::rqmc_setters!(@one max_evaluations, u64, "Sets the evaluation budget.");
        $crate::rqmc::rqmc_setters!(@one randomizations, usize, "Sets the number of randomisations.");
        $crate::rqmc::rqmc_setters!(@one initial_points, u64, "Sets the points per randomisation of the first round.");
        $crate::rqmc::rqmc_setters!(@one seed, u64, "Sets the seed.");
        $crate::rqmc::rqmc_setters!(@one point_set, $crate::qmc::PointSetKind, "Sets the point set family.");
    };
    (@one $name:ident, $t:ty, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(mut self, value: $t) -> Self {
            self.rqmc.$name = value;
            self
        }
    };
}
pub(crate) use rqmc_setters;

/// Checks a pair of tolerances (the one rule of every method): each finite and ≥ 0, not both 0.
///
/// # Errors
///
/// [`Error::InvalidTolerance`] otherwise.
pub(crate) fn check_tolerances(abs_tol: f64, rel_tol: f64) -> Result<()> {
    check_tolerance("abs_tol", abs_tol)?;
    check_tolerance("rel_tol", rel_tol)?;
    if abs_tol == 0.0 && rel_tol == 0.0 {
        return Err(Error::InvalidTolerance { name: "abs_tol".into(), value: 0.0 });
    }
    Ok(())
}

/// Checks one tolerance: finite and ≥ 0.
///
/// # Errors
///
/// [`Error::InvalidTolerance`] otherwise.
pub(crate) fn check_tolerance(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidTolerance { name: name.into(), value })
    }
}

/// Where a run stands after a round, for the method's stopping rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress {
    /// Points per randomisation evaluated so far.
    pub done: u64,
    /// Integrand evaluations so far (all randomisations).
    pub evaluations: u64,
    /// Whether the next doubling fits the point set and the evaluation budget.
    pub next_fits: bool,
}

/// The randomisations of one run and the evaluation of its rounds.
pub(crate) struct Driver {
    sets: Vec<RandomizedPointSet>,
    /// Integrand steps per point (the rank of the factor), the unit of work of the small-round
    /// rule.
    #[cfg_attr(not(feature = "parallel"), allow(dead_code))]
    steps_per_point: u64,
}

impl Driver {
    /// R randomisations of `point_set` in `dims` dimensions, randomisation r drawn from
    /// [`derive_seed`]`(seed, r)`, for runs that evaluate at most `max_points` points of each
    /// (the budget divided by the randomisations; `u64::MAX` for no limit). A Sobol
    /// randomisation is prepared for the first 2^⌈log₂ max_points⌉ points only, from one
    /// unscrambled sequence ([`Sobol::scramble`]): the same points as a full randomisation at a
    /// fraction of the setup (at d = 100 and the default budget, 21 of the 32 direction numbers
    /// per coordinate).
    ///
    /// # Errors
    ///
    /// [`Error::MethodNotApplicable`] (naming `method`) when `dims` exceeds the point set's
    /// dimension.
    pub(crate) fn new(
        method: &str,
        point_set: PointSetKind,
        dims: usize,
        randomizations: usize,
        seed: u64,
        steps_per_point: usize,
        max_points: u64,
    ) -> Result<Self> {
        if dims > point_set.max_dim() {
            return Err(Error::MethodNotApplicable {
                method: method.into(),
                reason: format!(
                    "the integrand has {dims} dimensions, more than the {} of the point set",
                    point_set.max_dim()
                ),
            });
        }
        let seeds = (0..randomizations).map(|r| derive_seed(seed, r as u64));
        let sets = match point_set {
            PointSetKind::Sobol => {
                let base = Sobol::new(dims);
                let bits = max_points.clamp(1, point_set.max_points()).next_power_of_two().trailing_zeros();
                seeds.map(|s| RandomizedPointSet::Sobol(base.scramble(s, bits))).collect()
            }
            PointSetKind::Lattice => seeds.map(|s| RandomizedPointSet::new(point_set, dims, s)).collect(),
        };
        Ok(Driver { sets, steps_per_point: steps_per_point as u64 })
    }

    /// Evaluates points `done .. target` of every randomisation: `work(cursor, count)` consumes
    /// `count` ≤ [`CHUNK_POINTS`] points from the cursor; the results come back with their
    /// randomisation, in the fixed chunk order (see the module documentation).
    fn round<T, W>(&self, done: u64, target: u64, work: &W) -> Vec<(usize, T)>
    where
        T: Send,
        W: Fn(&mut PointCursor<'_>, u64) -> T + Sync,
    {
        let mut chunks = Vec::new();
        for r in 0..self.sets.len() {
            let mut start = done;
            while start < target {
                let count = CHUNK_POINTS.min(target - start);
                chunks.push((r, start, count));
                start += count;
            }
        }
        let evaluate =
            |&(r, start, count): &(usize, u64, u64)| (r, work(&mut self.sets[r].cursor(start), count));
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            let size = (target - done) * self.sets.len() as u64 * self.steps_per_point;
            if size >= PARALLEL_MIN_WORK {
                return chunks.par_iter().map(evaluate).collect();
            }
        }
        chunks.iter().map(evaluate).collect()
    }

    /// Runs rounds until `decide` returns a result. The first round evaluates `first_target`
    /// points per randomisation, each later round doubles the points; after each round the
    /// chunk results are passed to `merge(state, r, result)` in the fixed order, then
    /// `decide(state, progress)` either returns the run's result or lets the next doubling run.
    /// `decide` must return when [`Progress::next_fits`] is false.
    pub(crate) fn run<S, T, R, W, M, D>(
        &self,
        first_target: u64,
        evaluations_per_point: u64,
        max_evaluations: u64,
        point_set: PointSetKind,
        state: &mut S,
        work: W,
        mut merge: M,
        mut decide: D,
    ) -> R
    where
        T: Send,
        W: Fn(&mut PointCursor<'_>, u64) -> T + Sync,
        M: FnMut(&mut S, usize, T),
        D: FnMut(&mut S, Progress) -> Option<R>,
    {
        let per_point = evaluations_per_point * self.sets.len() as u64;
        let (mut done, mut target, mut evaluations) = (0u64, first_target, 0u64);
        loop {
            for (r, result) in self.round(done, target, &work) {
                merge(state, r, result);
            }
            evaluations += (target - done) * per_point;
            done = target;
            let next = 2 * done;
            let next_fits =
                next <= point_set.max_points() && evaluations + (next - done) * per_point <= max_evaluations;
            if let Some(result) = decide(state, Progress { done, evaluations, next_fits }) {
                return result;
            }
            debug_assert!(next_fits || done < first_target * 2, "a stopping rule ran past the budget");
            target = next;
        }
    }
}

/// How the skewness of the replicates enters [`replicate_half_width`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skewness {
    /// Not at all: the Student-t half-width t·s/√R.
    Ignored,
    /// Beyond its noise level σ_R (near-normal replicates of higher-dimensional integrands).
    BeyondNoise,
    /// At face value (the skewed replicates of low-dimensional integrands).
    AtFaceValue,
}

/// The mean of the replicate estimates and the half-width of its 99% interval: the Student-t
/// half-width t·s/√R, widened (unless [`Skewness::Ignored`]) by the skewness correction
/// g·(1 + 2t²)/(6√R) · s/√R, with g = max(0, |γ̂| − σ_R) ([`Skewness::BeyondNoise`]) or |γ̂|
/// ([`Skewness::AtFaceValue`]), γ̂ the sample skewness of the replicates,
/// σ_R = √(6(R − 2)/((R + 1)(R + 3))) the standard deviation of the sample skewness of R normal
/// values, and t = `multiplier`.
///
/// The correction is the first-order Edgeworth term of the studentised mean (Johnson, JASA 73
/// (1978) 536–544; Hall, *The Bootstrap and Edgeworth Expansion*, 1992, §3.5): with skewed
/// replicates the t-interval misses more often on one side, and moving its far end out by this
/// amount restores the level to first order; both ends are moved, so that the error stays a
/// symmetric half-width. `docs/genz.md` gives the measured coverage behind the Genz rule.
pub(crate) fn replicate_half_width(
    values: impl Iterator<Item = f64> + Clone,
    multiplier: f64,
    skewness: Skewness,
) -> (f64, f64) {
    let r = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / r;
    let (m2, m3) = values.fold((0.0, 0.0), |(a, b), v| {
        let d = v - mean;
        (a + d * d, b + d * d * d)
    });
    let variance = m2 / (r - 1.0);
    let standard_error = (variance / r).sqrt();
    let gamma = if m2 > 0.0 { (m3 / r) / (m2 / r).powf(1.5) } else { 0.0 };
    // The standard deviation of the sample skewness of r normal values: skewness up to this
    // much is noise, and correcting for it would only inflate the error of near-normal replicates.
    let noise = (6.0 * (r - 2.0) / ((r + 1.0) * (r + 3.0))).sqrt();
    let g = match skewness {
        Skewness::Ignored => 0.0,
        Skewness::BeyondNoise => (gamma.abs() - noise).max(0.0),
        Skewness::AtFaceValue => gamma.abs(),
    };
    let correction = g * (1.0 + 2.0 * multiplier * multiplier) / (6.0 * r.sqrt());
    (mean, (multiplier + correction) * standard_error)
}

/// The 99% bound on what n uniformly distributed sample points can have missed of an integrand
/// bounded by `max_value`.
///
/// If the integrand lies in [0, M] and the sample has seen nothing of a set of measure m, the
/// integral can differ from what it saw by up to M·m; and n uniformly distributed points all
/// miss a set of measure m with probability (1 − m)^n ≤ e^{−mn}, which is 1% at m = ln(100)/n.
/// So where the spread between randomisations says nothing (they agree, or the event is rare),
/// the error is reported as at least M·ln(100)/n.
pub(crate) fn missed_feature_bound(max_value: f64, points: u64) -> f64 {
    max_value * std::f64::consts::LN_10 * 2.0 / points as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table against the Cornish–Fisher-free check: for ν = 1 the t quantile is
    /// tan(π(p − ½)) in closed form, for ν = 2 it is (2p − 1)·√(2/(4p(1 − p)))
    /// (Student's t with one and two degrees of freedom).
    #[test]
    fn t_quantiles_match_closed_forms() {
        let p: f64 = 0.995;
        let one = (std::f64::consts::PI * (p - 0.5)).tan();
        assert!((t_quantile(2) - one).abs() <= 1e-12 * one);
        let two = (2.0 * p - 1.0) * (2.0 / (4.0 * p * (1.0 - p))).sqrt();
        assert!((t_quantile(3) - two).abs() <= 1e-12 * two);
        // Decreasing towards the normal quantile 2.5758.
        assert!(T_QUANTILES_995.windows(2).all(|w| w[1] < w[0]));
        assert!(t_quantile(64) > 2.5758 && t_quantile(64) < 2.66);
    }

    #[test]
    fn half_width_of_symmetric_replicates_is_student_t() {
        let values = [1.0, 2.0, 3.0, 4.0];
        let (mean, half) = replicate_half_width(values.iter().copied(), 2.0, Skewness::AtFaceValue);
        assert_eq!(mean, 2.5);
        // s² = 5/3, s/√4 = √(5/12); no skewness.
        assert!((half - 2.0 * (5.0f64 / 12.0).sqrt()).abs() < 1e-15);
        // Skewed replicates widen the interval, except when skewness is ignored: for
        // (1, 1, 1, 5) the sample skewness is (24/4)/(12/4)^{3/2} = 2/√3, and the multiple grows
        // from t = 2 by γ̂·(1 + 2t²)/(6√4) = (2/√3)·(3/4); beyond the noise σ_4 = √(12/35) less.
        let skewed = [1.0, 1.0, 1.0, 5.0];
        let plain = replicate_half_width(skewed.iter().copied(), 2.0, Skewness::Ignored).1;
        let wide = replicate_half_width(skewed.iter().copied(), 2.0, Skewness::AtFaceValue).1;
        let beyond = replicate_half_width(skewed.iter().copied(), 2.0, Skewness::BeyondNoise).1;
        let gamma = 2.0 / 3f64.sqrt();
        assert!((wide / plain - (2.0 + 0.75 * gamma) / 2.0).abs() < 1e-14, "{wide} vs {plain}");
        let noise = (12.0f64 / 35.0).sqrt();
        assert!((beyond / plain - (2.0 + 0.75 * (gamma - noise)) / 2.0).abs() < 1e-14);
    }

    #[test]
    fn validation_rejects_each_bad_field() {
        let good = RqmcSettings {
            abs_tol: 1e-6,
            rel_tol: 0.0,
            randomizations: 8,
            initial_points: 64,
            max_evaluations: 1 << 20,
            seed: 0,
            point_set: PointSetKind::Sobol,
        };
        assert!(good.validate(1).is_ok());
        assert!(RqmcSettings { max_evaluations: 1024, ..good }.validate(2).is_ok());
        let bad = [
            (RqmcSettings { abs_tol: f64::NAN, ..good }, 1),
            (RqmcSettings { abs_tol: 0.0, ..good }, 1),
            (RqmcSettings { rel_tol: -1.0, ..good }, 1),
            (RqmcSettings { randomizations: 1, ..good }, 1),
            (RqmcSettings { randomizations: 65, ..good }, 1),
            (RqmcSettings { initial_points: 3, ..good }, 1),
            (RqmcSettings { max_evaluations: 511, ..good }, 1),
            (RqmcSettings { max_evaluations: 1023, ..good }, 2),
        ];
        for (b, per_point) in bad {
            assert!(b.validate(per_point).is_err(), "{b:?}");
        }
    }

    /// The chunk plan covers every point of every randomisation exactly once, in order; a
    /// driver prepared for the 800 points of the run only (1024 after rounding up, 10 of the 32
    /// scrambled direction numbers) gives the same points as the full randomisations.
    #[test]
    fn rounds_cover_each_point_once() {
        let full = Driver::new("test", PointSetKind::Sobol, 2, 3, 5, 3, u64::MAX).unwrap();
        let short = Driver::new("test", PointSetKind::Sobol, 2, 3, 5, 3, 800).unwrap();
        for driver in [full, short] {
            cover_each_point_once(&driver);
        }
    }

    fn cover_each_point_once(driver: &Driver) {
        let mut seen = vec![Vec::new(); 3];
        let result = driver.run(
            100,
            1,
            u64::MAX,
            PointSetKind::Sobol,
            &mut seen,
            |cursor, count| {
                let mut x = [0.0; 2];
                (0..count)
                    .flat_map(|_| {
                        cursor.next_into(&mut x);
                        x
                    })
                    .collect::<Vec<f64>>()
            },
            |seen, r, xs| seen[r].extend(xs),
            |_, progress| (progress.done >= 800).then_some(progress.evaluations),
        );
        assert_eq!(result, 3 * 800);
        for (r, xs) in seen.iter().enumerate() {
            let set = RandomizedPointSet::new(PointSetKind::Sobol, 2, derive_seed(5, r as u64));
            let mut cursor = set.cursor(0);
            let mut x = [0.0; 2];
            let direct: Vec<f64> = (0..800)
                .flat_map(|_| {
                    cursor.next_into(&mut x);
                    x
                })
                .collect();
            assert_eq!(xs, &direct);
        }
    }
}
