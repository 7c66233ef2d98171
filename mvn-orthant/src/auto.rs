//! Method choice: one entry point that picks the best integrator for a problem, or runs the one
//! the user forces.
//!
//! The `auto` rule, in order:
//!
//! 1. Coordinates whose two limits are infinite are dropped (they integrate to 1); if none is
//!    left the probability is exactly 1.
//! 2. d = 1 → univariate; d = 2 → bivariate; d = 3 → trivariate (exact methods).
//! 3. A one-factor covariance (diagonal plus rank one, detected from Σ) → the 1-D reduction
//!    (exact, any dimension).
//! 4. Otherwise → the Genz integrator with the requested tolerances.
//! 5. Rare events. After each Genz round that has not met the tolerance, the run is abandoned
//!    when its estimate is 0, or when it has fewer than two correct digits (spread > 1% of P̂,
//!    `RARE_EVENT_RATIO`) and either the tolerance allows fewer than two digits
//!    (max(abs_tol, rel_tol·P̂) ≥ 1% of P̂: P is small against the tolerance) or reaching the
//!    tolerance at the Monte Carlo rate, n·(spread/target)², would exceed the budget. A finished
//!    Genz run with an estimate of 0 or fewer than two correct digits is a rare event too. A rare
//!    event is refined to a relative error of `rel_tol` (1e-3 when `rel_tol` is 0,
//!    `DEFAULT_RARE_EVENT_REL_TOL`) by the estimator with the smaller variance per unit of work,
//!    measured (`RareEventRule`): a Genz run refining to that target goes on while its variance
//!    per evaluation, once its spread is trusted, is within `TILTED_COST_RATIO` times that of one
//!    round of the minimax-tilted estimator; otherwise (a tail event, or a Genz spread that would
//!    take more than 1/16 of the budget to trust) the tilted estimator runs with the same
//!    tolerances and refinement, and the better of its estimate and the first Genz one is
//!    returned (converged over not converged, then the smaller error).
//!
//! [`integrate_with_gradient`] follows the same rule with the Genz gradient; on a rare
//! event that goes to tilting the gradient comes from the conditioning theorem, every
//! conditional probability by tilting (relative error per component).
//!
//! `exact` runs steps 1–3 and fails with [`Error::MethodNotApplicable`] when none applies.
//!
//! # What `converged` means
//!
//! For every method, [`Estimate::converged`] is `tolerance_met`: the reported error (99%
//! half-width, rounding floor included) is at most max(abs_tol, rel_tol · |P|), the convention of
//! [`Settings::rel_tol`]. A method that runs out of budget, or that is given no way to refine
//! (Monte Carlo draws exactly `max_evaluations` samples), reports `false` when its error does not
//! meet that target. Exact methods always report `true`.

use crate::error::{Error, Result};
use crate::estimate::{names, tolerance_met, Estimate, Integrator, Method};
use crate::exact::gradient::{bivariate_gradient, trivariate_gradient, univariate_gradient};
use crate::exact::{Bivariate, Trivariate, Univariate};
use crate::genz::factor::{reduce, Reduction};
use crate::genz::{
    spread_is_trusted, Abandon, Genz, GenzSettings, MIN_EXPECTED_HITS, NEVER, UNRELIABLE_RELATIVE_ERROR,
};
use crate::gradient::{
    self, limit_gradient_by_conditioning, no_gradient, Differentiable, Gradient, GradientEstimator,
    GradientOptions,
};
use crate::monte_carlo::MonteCarlo;
use crate::one_factor::OneFactorProblem;
use crate::problem::Problem;
use crate::qmc::PointSetKind;
use crate::rqmc::RqmcSettings;
use crate::student_t::method_choice::EVALUATIONS_BEFORE_HANDOVER;
use crate::student_t::tilting::first_round_relative_variance;
use crate::student_t::StudentProblem;
use crate::tilting::{Tilted, TiltingSettings, MAX_TILTED_RANK};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

/// When the Genz estimate's error exceeds `RARE_EVENT_RATIO` · P (fewer than two correct
/// digits), `auto` switches to the tilted estimator.
pub(crate) const RARE_EVENT_RATIO: f64 = 0.01;

/// The relative tolerance the tilted estimator uses under `auto` when the user gave none.
pub(crate) const DEFAULT_RARE_EVENT_REL_TOL: f64 = 1e-3;

/// Which method the user asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MethodChoice {
    /// The best applicable method (see the module docs).
    #[default]
    Auto,
    /// An exact method (fails when none applies).
    Exact,
    /// The Genz integrator with scrambled Sobol points, forced for any problem.
    Genz,
    /// The Genz integrator with shifted rank-1 lattice points.
    GenzLattice,
    /// The minimax exponentially tilted estimator (rare events, relative error).
    Tilted,
    /// Crude Monte Carlo with `max_evaluations` samples.
    MonteCarlo,
}

impl MethodChoice {
    /// Every choice, in the order reports list them.
    pub const ALL: [MethodChoice; 6] = [
        MethodChoice::Auto,
        MethodChoice::Exact,
        MethodChoice::Genz,
        MethodChoice::GenzLattice,
        MethodChoice::Tilted,
        MethodChoice::MonteCarlo,
    ];

    /// The stable name (`"auto"`, `"exact"`, `"genz"`, `"genz-lattice"`, `"tilted"`,
    /// `"monte-carlo"`).
    pub fn name(self) -> &'static str {
        match self {
            MethodChoice::Auto => names::AUTO,
            MethodChoice::Exact => names::EXACT,
            MethodChoice::Genz => names::GENZ,
            MethodChoice::GenzLattice => names::GENZ_LATTICE,
            MethodChoice::Tilted => names::TILTED,
            MethodChoice::MonteCarlo => names::MONTE_CARLO,
        }
    }
}

impl fmt::Display for MethodChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MethodChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        MethodChoice::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| Error::InvalidArgument {
            name: "method".into(),
            reason: format!(
                "unknown method {s:?}; expected one of {}",
                MethodChoice::ALL.map(MethodChoice::name).join(", ")
            ),
        })
    }
}

/// Tolerances, budget and seed shared by every method (exact methods ignore them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Absolute error target (≥ 0).
    pub abs_tol: f64,
    /// Relative error target (≥ 0); the target is max(abs_tol, rel_tol · P).
    pub rel_tol: f64,
    /// Largest number of integrand evaluations (samples) a stochastic method may spend. The
    /// quasi-Monte Carlo methods shrink their first round to fit it (to a power of two per
    /// randomisation) and need at least one point per randomisation, so budgets below 8 (Genz)
    /// or 16 (tilted) are raised to that minimum.
    pub max_evaluations: u64,
    /// Seed of the randomisation.
    pub seed: u64,
}

impl Default for Settings {
    /// abs_tol 1e-6, rel_tol 0, 10⁷ evaluations, seed 0.
    fn default() -> Self {
        Settings { abs_tol: 1e-6, rel_tol: 0.0, max_evaluations: 10_000_000, seed: 0 }
    }
}

impl Settings {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTolerance`] for a negative or non-finite tolerance or both tolerances 0;
    /// [`Error::InvalidBudget`] for a zero evaluation budget.
    pub fn validate(&self) -> Result<()> {
        crate::rqmc::check_tolerances(self.abs_tol, self.rel_tol)?;
        if self.max_evaluations == 0 {
            return Err(Error::InvalidBudget {
                name: "max_evaluations".into(),
                value: 0,
                reason: "at least one evaluation is needed".into(),
            });
        }
        Ok(())
    }
}

impl Settings {
    /// The shared RQMC settings of a method with these tolerances, budget and seed, from the
    /// method's `defaults`: the first round shrinks (to a power of two per randomisation) to fit
    /// the budget, and the budget is raised to one point per randomisation.
    fn rqmc(&self, defaults: RqmcSettings) -> RqmcSettings {
        let per_randomisation = (self.max_evaluations / defaults.randomizations as u64).max(1);
        let largest_fitting = 1u64 << (63 - per_randomisation.leading_zeros());
        RqmcSettings {
            abs_tol: self.abs_tol,
            rel_tol: self.rel_tol,
            max_evaluations: self.max_evaluations.max(defaults.randomizations as u64),
            seed: self.seed,
            initial_points: defaults.initial_points.min(largest_fitting),
            ..defaults
        }
    }

    /// The Genz integrator for these (validated) settings.
    pub(crate) fn genz(&self, point_set: PointSetKind) -> Genz {
        let defaults = GenzSettings::default();
        let rqmc = self.rqmc(RqmcSettings { point_set, ..defaults.rqmc });
        let per_randomisation = (self.max_evaluations / defaults.rqmc.randomizations as u64).max(1);
        let largest_fitting = 1u64 << (63 - per_randomisation.leading_zeros());
        Genz::from_valid(GenzSettings {
            rqmc,
            well_conditioned_initial_points: defaults.well_conditioned_initial_points.min(largest_fitting),
            ..defaults
        })
    }

    /// The tilted estimator for these (validated) settings. It has converged when error ≤
    /// max(abs_tol, rel_tol · P), as every method; it also keeps refining until its relative
    /// error is at most `rel_tol` (or [`DEFAULT_RARE_EVENT_REL_TOL`] when `rel_tol` is 0), so that
    /// a rare event far below `abs_tol` still comes back with a few correct digits.
    pub(crate) fn tilted(&self) -> Tilted {
        let defaults = TiltingSettings::default();
        Tilted::from_valid(TiltingSettings {
            rqmc: self.rqmc(defaults.rqmc),
            required_rel_tol: self.rare_event_rel_tol(),
        })
    }

    /// The relative error `auto` refines a rare event to: `rel_tol`, or
    /// [`DEFAULT_RARE_EVENT_REL_TOL`] when `rel_tol` is 0.
    fn rare_event_rel_tol(&self) -> f64 {
        if self.rel_tol > 0.0 {
            self.rel_tol
        } else {
            DEFAULT_RARE_EVENT_REL_TOL
        }
    }

    /// The first round of [`Settings::tilted`] alone: the pilot that measures the tilted
    /// estimator's variance on a rare event ([`RareEventRule`]).
    fn tilted_pilot(&self) -> Tilted {
        let defaults = TiltingSettings::default();
        let rqmc = self.rqmc(defaults.rqmc);
        let first_round = rqmc.initial_points * rqmc.randomizations as u64;
        Tilted::from_valid(TiltingSettings {
            rqmc: RqmcSettings { max_evaluations: first_round, ..rqmc },
            required_rel_tol: 0.0,
        })
    }

    /// Whether a Genz run that has not met its tolerance should hand over to the tilted
    /// estimator now: its estimate is 0, or it has fewer than two correct digits
    /// (`spread > RARE_EVENT_RATIO · P̂`) and either the tolerance itself allows fewer than two
    /// digits (so that `auto` would switch at the end anyway) or reaching it at the Monte Carlo
    /// rate, evaluations · (spread/target)², would exceed the budget.
    pub(crate) fn genz_is_hopeless(&self, value: f64, spread: f64, evaluations: u64) -> bool {
        if value <= 0.0 {
            return true;
        }
        if spread <= RARE_EVENT_RATIO * value {
            return false;
        }
        let target = self.abs_tol.max(self.rel_tol * value);
        let predicted = evaluations as f64 * (spread / target).powi(2);
        target >= RARE_EVENT_RATIO * value || predicted > self.max_evaluations as f64
    }
}

/// Whether a Genz result leaves `auto` to try the tilted estimator: an estimate of 0, or fewer
/// than two correct digits.
pub(crate) fn is_rare_for_genz(estimate: &Estimate) -> bool {
    !(estimate.value > 0.0 && estimate.error <= RARE_EVENT_RATIO * estimate.value)
}

/// The cost of one tilted evaluation in units of one Genz evaluation that [`RareEventRule`]
/// assumes when it weighs the two estimators' variances. Measured on random correlation boxes
/// and orthants from d = 5 to 100 (`docs/rare-events.md`, "Which estimator refines a rare
/// event"): 1.6–5.3 at d = 5, 5.3–8.3 from d = 10 on. The low end is taken, so that where the
/// variances are close the estimator with a relative error and an upper bound (tilting) keeps
/// the problem; the measured variance ratios were 0.8–1.2 on boxes and 20 to 10⁷ on tails.
const TILTED_COST_RATIO: f64 = 4.0;

/// The largest share of the budget, 1/`TRUST_SHARE`, that Genz's method may spend on a rare event
/// before its spread is trusted as an error estimate (`genz::spread_is_trusted`); when the trust
/// lies further away, the event goes to the tilted estimator.
const TRUST_SHARE: u64 = 16;

/// Which estimator refines a rare event under `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RareEventRefiner {
    /// Not decided yet: Genz's spread is not trusted yet, but will be within its share of the
    /// budget.
    Undecided,
    /// Genz's method, refining to the relative target.
    Genz,
    /// The minimax-tilted estimator.
    Tilted,
}

/// How `auto` refines a rare event (module docs, step 5): by the estimator with the smaller
/// variance per unit of work, measured rather than assumed.
///
/// A rare event for Genz's method (fewer than two correct digits at the tolerance) need not be a
/// tail event: a 100-dimensional box with P ≈ 8·10⁻⁷ is small because each of its many
/// constraints removes some mass, and there the tilted weights have the variance of Genz's
/// integrand at about seven times its cost per evaluation. For a tail event (an orthant far from
/// the mean) tilting has a variance smaller by orders of magnitude.
///
/// The rule is the stopping hook of a Genz run that refines to the relative target
/// ([`Genz::refining_to`]). After each of its rounds:
///
/// 1. nothing is judged before the pilot's number of evaluations (2¹⁵ for the multivariate t,
///    whose first Genz rounds are noisy); then, while Genz's spread is not trusted, the run goes
///    on if the trust is within 1/[`TRUST_SHARE`] of the budget (n·P̂ ≥ 32·M and a spread within
///    a quarter of P̂, predicted at the Monte Carlo rate); otherwise, or with P̂ = 0, the event
///    goes to tilting;
/// 2. once the spread is trusted, the first round of the tilted estimator that would refine the
///    event ([`TiltedPilot`]) measures its relative variance per path, v_T = n_T·(e_T/t_T)²,
///    against Genz's v_G = n_G·(e_G/(t_G·P̂))² (e: 99% half-widths, t: their Student-t
///    multiples); tilting is chosen when [`TILTED_COST_RATIO`]·v_T < v_G;
/// 3. with Genz chosen, the run refines to the relative target; once its spread is within the
///    tolerance it stops when even the n^(−3/2) rate of scrambled nets could not reach the target
///    within the budget, as the tilted estimator does (while the tolerance is not met it spends
///    the budget, as a Genz run does).
///
/// Both estimators are unbiased and carry honest error bars, so the rule decides the time spent,
/// never the validity of the answer; every quantity it reads is a deterministic function of the
/// seed, so the choice is the same on every machine and thread count.
pub(crate) struct RareEventRule<'a> {
    settings: &'a Settings,
    /// The problem and its reduction, for the pilot.
    problem: &'a Problem,
    reduction: &'a Reduction,
    /// M ≥ sup f, the bound on Genz's integrand.
    max_value: f64,
    /// The Genz evaluations before the comparison: at least the pilot's, so that the two
    /// variances are measured on samples of about the same size (a quasi-Monte Carlo variance per
    /// evaluation falls with n).
    min_evaluations: u64,
    /// The refining Genz run: Genz's method for the settings, refining to the relative target
    /// of a rare event.
    genz: Genz,
    /// The tilted pilot.
    pilot: TiltedPilot<'a>,
    decision: Mutex<RareEventRefiner>,
}

/// The first round of the tilted estimator that would refine the event, which measures its
/// variance per path for [`RareEventRule`].
enum TiltedPilot<'a> {
    /// The normal: [`Settings::tilted_pilot`], 16 × 256 paths.
    Normal(Tilted),
    /// The multivariate t: the first round of every node of the chi mixture
    /// (`student_t::tilting::first_round_relative_variance`).
    StudentT(&'a StudentProblem),
}

impl TiltedPilot<'_> {
    /// The pilot's relative variance per path n·(e/t)², `None` where tilting cannot run (the
    /// full run would fail the same way).
    fn relative_variance(
        &self,
        settings: &Settings,
        problem: &Problem,
        reduction: &Reduction,
    ) -> Option<f64> {
        match self {
            TiltedPilot::Normal(pilot) => {
                let estimate = pilot.estimate_reduced(problem, reduction).ok()?;
                let multiplier = pilot.settings().rqmc.error_multiplier();
                Some(relative_variance_per_evaluation(
                    estimate.estimate.evaluations,
                    estimate.relative_error,
                    multiplier,
                ))
            }
            TiltedPilot::StudentT(student) => first_round_relative_variance(student, settings),
        }
    }
}

impl<'a> RareEventRule<'a> {
    /// The rule for a rare event whose first Genz run took `first_evaluations`, or `None` where
    /// it has no choice to make: tilting does not apply to the factor, or Genz already spent half
    /// the budget (refining it would replay the run).
    ///
    /// With `student` (the multivariate t of `problem`) the Genz integrand is that of the t
    /// (`crate::student_t::genz`: the chi variable as one more coordinate, bounded by
    /// `OrderedFactor::max_value_over_scales`), whose first rounds are noisy: the comparison
    /// waits as long as the t's rare-event test ([`EVALUATIONS_BEFORE_HANDOVER`]), and the pilot
    /// is the t's tilted estimator.
    pub(crate) fn new(
        settings: &'a Settings,
        problem: &'a Problem,
        reduction: &'a Reduction,
        first_evaluations: u64,
        student: Option<&'a StudentProblem>,
    ) -> Option<Self> {
        let Reduction::Factor(factor) = reduction else { return None };
        if factor.rank() < 2
            || factor.rank() > MAX_TILTED_RANK
            || first_evaluations > settings.max_evaluations / 2
        {
            return None;
        }
        let normal = settings.tilted_pilot();
        let normal_pilot_size = normal.settings().rqmc.max_evaluations;
        let (max_value, min_evaluations, pilot) = match student {
            None => (factor.max_value(), normal_pilot_size, TiltedPilot::Normal(normal)),
            Some(student) => (
                factor.max_value_over_scales(),
                normal_pilot_size.max(EVALUATIONS_BEFORE_HANDOVER),
                TiltedPilot::StudentT(student),
            ),
        };
        Some(RareEventRule {
            settings,
            problem,
            reduction,
            max_value,
            min_evaluations,
            genz: settings.genz(PointSetKind::Sobol).refining_to(settings.rare_event_rel_tol()),
            pilot,
            decision: Mutex::new(RareEventRefiner::Undecided),
        })
    }

    /// The stopping hook of the refining Genz run (`(P̂, spread half-width, evaluations)` after a
    /// round): stops it when the event goes to tilting, or when Genz cannot reach the target.
    fn abandon(&self, value: f64, spread: f64, evaluations: u64) -> bool {
        let mut decision = self.decision.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *decision == RareEventRefiner::Undecided {
            *decision = self.decide(value, spread, evaluations);
        }
        match *decision {
            RareEventRefiner::Undecided => false,
            RareEventRefiner::Tilted => true,
            RareEventRefiner::Genz => self.out_of_reach(value, spread, evaluations),
        }
    }

    /// The choice after a round of Genz's method (steps 1 and 2 of the rule).
    fn decide(&self, value: f64, spread: f64, evaluations: u64) -> RareEventRefiner {
        if value <= 0.0 {
            return RareEventRefiner::Tilted;
        }
        let share = (self.settings.max_evaluations / TRUST_SHARE) as f64;
        let within_share = |needed: f64| {
            if needed <= share {
                RareEventRefiner::Undecided
            } else {
                RareEventRefiner::Tilted
            }
        };
        // Before `min_evaluations` the spread is too noisy even to predict from.
        if evaluations < self.min_evaluations {
            return within_share(self.min_evaluations as f64);
        }
        if !spread_is_trusted(value, spread, evaluations, self.max_value) {
            let for_hits = MIN_EXPECTED_HITS * self.max_value / value;
            let for_spread = evaluations as f64 * (spread / (UNRELIABLE_RELATIVE_ERROR * value)).powi(2);
            return within_share(for_hits.max(for_spread));
        }
        // Where tilting cannot run (the full run would fail the same way), Genz goes on.
        let Some(tilted_variance) = self.pilot.relative_variance(self.settings, self.problem, self.reduction)
        else {
            return RareEventRefiner::Genz;
        };
        let genz_multiplier = self.genz.settings().rqmc.error_multiplier();
        let genz_variance = relative_variance_per_evaluation(evaluations, spread / value, genz_multiplier);
        if TILTED_COST_RATIO * tilted_variance < genz_variance {
            RareEventRefiner::Tilted
        } else {
            RareEventRefiner::Genz
        }
    }

    /// Whether Genz's method, with spread half-width `spread` around P̂ after `evaluations`,
    /// has a spread within the tolerance but could not refine it to the relative target within
    /// the budget, even at the n^(−3/2) rate of scrambled nets. While the tolerance itself is not
    /// met the run spends its budget, as a Genz run does.
    fn out_of_reach(&self, value: f64, spread: f64, evaluations: u64) -> bool {
        let s = self.settings;
        let tolerance = s.abs_tol.max(s.rel_tol * value);
        let goal = s.rare_event_rel_tol() * value;
        spread <= tolerance && evaluations as f64 * (spread / goal).powf(2.0 / 3.0) > s.max_evaluations as f64
    }

    /// Whether the rule kept Genz's method.
    fn chose_genz(&self) -> bool {
        *self.decision.lock().unwrap_or_else(std::sync::PoisonError::into_inner) == RareEventRefiner::Genz
    }
}

/// n·(e/t)²: the relative variance per evaluation of an estimate from n evaluations with a
/// relative 99% half-width e whose Student-t multiple is t.
fn relative_variance_per_evaluation(evaluations: u64, relative_half_width: f64, multiplier: f64) -> f64 {
    evaluations as f64 * (relative_half_width / multiplier).powi(2)
}

/// A rare event refined by Genz's method where `rule` ([`RareEventRule`]) keeps it: `run` makes
/// the refining run with the rule as its stopping hook. `None` where there is no rule or it
/// chooses tilting (the caller then runs the tilted estimator).
pub(crate) fn refine_rare_event<T>(
    rule: Option<RareEventRule<'_>>,
    run: impl FnOnce(&Genz, &Abandon<'_>) -> Result<T>,
) -> Result<Option<T>> {
    let Some(rule) = rule else { return Ok(None) };
    let abandon = |value: f64, spread: f64, evaluations: u64| rule.abandon(value, spread, evaluations);
    let refined = run(&rule.genz, &abandon)?;
    Ok(rule.chose_genz().then_some(refined))
}

/// Of two estimates of the same probability, the better: a converged one over one that is not,
/// then the smaller error (the first on ties).
pub(crate) fn better(first: Estimate, second: Estimate) -> Estimate {
    match (first.converged, second.converged) {
        (true, false) => first,
        (false, true) => second,
        _ if second.error < first.error => second,
        _ => first,
    }
}

/// P for `auto` on a rare event: the exact method when one applies, else the tilted estimator.
fn rare_event_value(problem: &Problem, settings: &Settings) -> Result<Estimate> {
    let Some(reduced) = problem.without_unbounded() else {
        return Ok(Estimate::exact(1.0, Method::Trivial, 0));
    };
    match exact_method(&reduced) {
        Some(result) => result,
        None => settings.tilted().integrate(&reduced),
    }
}

/// The gradient of a rare event by the conditioning theorem, every conditional probability by
/// [`rare_event_value`] (tilting, relative error): ∂P/∂b_k = φ_k(b_k) · P(rest | X_k = b_k)
/// (minus sign at a_k), with absolute tolerance abs_tol/φ_k(b_k) and the relative tolerance of
/// the settings, seeds derived from the settings' seed. Costs up to 2d tilted integrations of
/// dimension d − 1.
fn rare_event_gradient(problem: &Problem, settings: &Settings) -> Result<Gradient> {
    limit_gradient_by_conditioning(problem, |rest, k, side, density| {
        let conditional_settings = Settings {
            // Finite, as a tolerance must be (a subnormal density would overflow it).
            abs_tol: (settings.abs_tol / density).min(f64::MAX),
            seed: crate::qmc::derive_seed(settings.seed, (2 * k + side + 1) as u64 * 0x1_0000),
            ..*settings
        };
        rare_event_value(rest, &conditional_settings)
    })
}

/// The exact method for a problem without unbounded coordinates, if one applies.
fn exact_method(reduced: &Problem) -> Option<Result<Estimate>> {
    match reduced.dim() {
        1 => Some(Univariate.integrate(reduced)),
        2 => Some(Bivariate.integrate(reduced)),
        3 => Some(Trivariate.integrate(reduced)),
        _ => OneFactorProblem::from_problem(reduced).map(|f| Ok(f.integrate())),
    }
}

fn not_applicable(choice: MethodChoice, reason: String) -> Error {
    Error::MethodNotApplicable { method: choice.name().into(), reason }
}

/// Computes P(a ≤ X ≤ b) with the chosen method.
///
/// # Errors
///
/// Invalid settings, or [`Error::MethodNotApplicable`] when the forced method cannot handle the
/// problem.
///
/// ```
/// use mvn_orthant::{integrate, Covariance, MethodChoice, Problem, Settings};
/// let sigma = Covariance::equicorrelated(10, 0.5).unwrap();
/// let p = Problem::lower_orthant(sigma, vec![0.0; 10]).unwrap();
/// let e = integrate(&p, MethodChoice::Auto, &Settings::default()).unwrap();
/// assert!((e.value - 1.0 / 11.0).abs() < 1e-14); // one-factor: exact
/// ```
pub fn integrate(problem: &Problem, choice: MethodChoice, settings: &Settings) -> Result<Estimate> {
    settings.validate()?;
    integrate_validated(problem, choice, settings)
}

/// [`integrate`] with settings already validated (once per request).
fn integrate_validated(problem: &Problem, choice: MethodChoice, settings: &Settings) -> Result<Estimate> {
    if problem.is_empty_box() {
        return Ok(Estimate::empty_box());
    }
    match choice {
        MethodChoice::MonteCarlo => {
            let e = MonteCarlo::new(settings.max_evaluations, settings.seed)?.integrate(problem)?;
            // A fixed sample: converged only if its interval happens to meet the tolerance.
            let converged = tolerance_met(e.error, e.value, settings.abs_tol, settings.rel_tol);
            Ok(Estimate { converged, ..e })
        }
        MethodChoice::Genz => settings.genz(PointSetKind::Sobol).integrate(problem),
        MethodChoice::GenzLattice => settings.genz(PointSetKind::Lattice).integrate(problem),
        MethodChoice::Tilted => settings.tilted().integrate(problem),
        MethodChoice::Exact | MethodChoice::Auto => {
            let Some(reduced) = problem.without_unbounded() else {
                return Ok(Estimate::exact(1.0, Method::Trivial, 0));
            };
            if let Some(result) = exact_method(&reduced) {
                return result;
            }
            if choice == MethodChoice::Exact {
                return Err(not_applicable(
                    choice,
                    format!(
                        "no exact method for this {}-dimensional problem: exact formulas cover d ≤ 3 and \
                         one-factor covariances (diagonal plus rank one)",
                        reduced.dim()
                    ),
                ));
            }
            let hopeless = |value: f64, spread: f64, evaluations: u64| {
                settings.genz_is_hopeless(value, spread, evaluations)
            };
            // One reordered factorisation for the Genz run and the tilted fallback.
            let reduction = reduce(&reduced);
            let genz = settings.genz(PointSetKind::Sobol).integrate_reduced(&reduction, &hopeless)?;
            if !is_rare_for_genz(&genz) {
                return Ok(genz);
            }
            let rule = RareEventRule::new(settings, &reduced, &reduction, genz.evaluations, None);
            let refine = |g: &Genz, abandon: &Abandon<'_>| g.integrate_reduced(&reduction, abandon);
            if let Some(refined) = refine_rare_event(rule, refine)? {
                return Ok(refined);
            }
            match settings.tilted().estimate_reduced(&reduced, &reduction) {
                Ok(tilted) => Ok(better(tilted.estimate, genz)),
                Err(Error::MethodNotApplicable { .. }) => Ok(genz),
                Err(e) => Err(e),
            }
        }
    }
}

/// Embeds a gradient of the problem restricted to `kept` coordinates into dimension `dim`
/// (unbounded coordinates have zero derivatives).
fn embed(gradient: Gradient, kept: &[usize], dim: usize) -> Gradient {
    if kept.len() == dim {
        return gradient;
    }
    let spread = |v: &[f64]| {
        let mut out = vec![0.0; dim];
        for (&i, &x) in kept.iter().zip(v) {
            out[i] = x;
        }
        out
    };
    let embed_matrix = |c: Option<&[f64]>| {
        let c = c?;
        let k = kept.len();
        let mut out = vec![0.0; dim * dim];
        for (a, &i) in kept.iter().enumerate() {
            for (b, &j) in kept.iter().enumerate() {
                out[i * dim + j] = c[a * k + b];
            }
        }
        Some(out)
    };
    Gradient {
        lower: spread(&gradient.lower),
        upper: spread(&gradient.upper),
        mean: spread(&gradient.mean),
        lower_error: spread(&gradient.lower_error),
        upper_error: spread(&gradient.upper_error),
        mean_error: spread(&gradient.mean_error),
        covariance: embed_matrix(gradient.covariance.as_deref()),
        covariance_error: embed_matrix(gradient.covariance_error.as_deref()),
    }
}

/// Computes P and its gradient with the chosen method: with respect to the limits and the mean,
/// and per `options` with respect to the covariance ([`GradientOptions::covariance`]; see
/// [`Differentiable::integrate_with_gradient`] for how it is computed where the method has no
/// closed form). Every component comes with its error estimate.
///
/// Exact methods give exact gradients; `genz` and `genz-lattice` (and `auto` where no exact
/// method applies and the event is not rare, see the module docs) use the estimator of
/// `options` ([`GradientEstimator::Pathwise`] by default: the derivative of the integrand at
/// each point, from the same points and randomisations as the value, about the value's cost).
///
/// ```
/// use mvn_orthant::{integrate_with_gradient, Covariance, GradientOptions, MethodChoice, Problem, Settings};
/// let sigma = Covariance::from_rows(&[vec![1.0, 0.3], vec![0.3, 1.0]]).unwrap();
/// let problem = Problem::lower_orthant(sigma, vec![0.0, 0.0]).unwrap();
/// let options = GradientOptions::default().with_covariance();
/// let (p, g) = integrate_with_gradient(&problem, MethodChoice::Auto, &Settings::default(), options).unwrap();
/// // P = 1/4 + asin(ρ)/(2π), so ∂P/∂Σ₁₂ = 1/(2π√(1 − ρ²)) on the unit diagonal.
/// let expected = 1.0 / (2.0 * std::f64::consts::PI * (1.0f64 - 0.09).sqrt());
/// assert!((g.covariance.unwrap()[1] - expected).abs() < 1e-14);
/// assert!((p.value - (0.25 + 0.3f64.asin() / (2.0 * std::f64::consts::PI))).abs() < 1e-15);
/// ```
///
/// # Errors
///
/// As [`integrate`]; the tilted estimator and Monte Carlo give no gradient when forced
/// ([`Error::MethodNotApplicable`]); `auto` computes the gradient of a rare event by
/// conditioning with tilting. With the covariance requested by conditioning:
/// [`Error::MethodNotApplicable`] when a variance is zero or a pair of variables is perfectly
/// correlated (the bivariate density does not exist).
pub fn integrate_with_gradient(
    problem: &Problem,
    choice: MethodChoice,
    settings: &Settings,
    options: GradientOptions,
) -> Result<(Estimate, Gradient)> {
    settings.validate()?;
    let limits = limit_gradient(problem, choice, settings, options.estimator)?;
    gradient::complete(problem, options, limits, |p| integrate_validated(p, choice, settings))
}

/// The value and the limit gradient of [`integrate_with_gradient`] (no covariance by
/// conditioning).
fn limit_gradient(
    problem: &Problem,
    choice: MethodChoice,
    settings: &Settings,
    estimator: GradientEstimator,
) -> Result<(Estimate, Gradient)> {
    let d = problem.dim();
    if problem.is_empty_box() {
        return Ok((Estimate::empty_box(), Gradient::empty_box(d)));
    }
    match choice {
        MethodChoice::Genz => settings.genz(PointSetKind::Sobol).limit_gradient(problem, estimator, NEVER),
        MethodChoice::GenzLattice => {
            settings.genz(PointSetKind::Lattice).limit_gradient(problem, estimator, NEVER)
        }
        MethodChoice::Tilted | MethodChoice::MonteCarlo => Err(no_gradient(choice.name())),
        MethodChoice::Exact | MethodChoice::Auto => {
            let kept = problem.constrained_indices();
            if kept.is_empty() {
                return Ok((
                    Estimate::exact(1.0, Method::Trivial, 0),
                    Gradient::exact(vec![0.0; d], vec![0.0; d]),
                ));
            }
            let reduced = problem.marginal(&kept);
            let exact = match reduced.dim() {
                1 => Some(univariate_gradient(&reduced)),
                2 => Some(bivariate_gradient(&reduced)),
                3 => Some(trivariate_gradient(&reduced)),
                _ => OneFactorProblem::from_problem(&reduced).map(|f| Ok(f.integrate_with_gradient())),
            };
            let (estimate, gradient) = match exact {
                Some(result) => result?,
                None if choice == MethodChoice::Exact => {
                    return Err(not_applicable(
                        choice,
                        format!("no exact gradient for this {}-dimensional problem", reduced.dim()),
                    ))
                }
                None => {
                    let hopeless = |value: f64, spread: f64, evaluations: u64| {
                        settings.genz_is_hopeless(value, spread, evaluations)
                    };
                    // One reordered factorisation for the Genz run and the tilted fallback.
                    let reduction = reduce(&reduced);
                    let genz = settings
                        .genz(PointSetKind::Sobol)
                        .limit_gradient_reduced(&reduced, &reduction, estimator, &hopeless)?;
                    let rare = is_rare_for_genz(&genz.0);
                    // The conditioning estimator makes 2d Genz runs of its own, with no hook.
                    let refined = if rare && estimator != GradientEstimator::Conditioning {
                        let rule =
                            RareEventRule::new(settings, &reduced, &reduction, genz.0.evaluations, None);
                        refine_rare_event(rule, |g, abandon| {
                            g.limit_gradient_reduced(&reduced, &reduction, estimator, abandon)
                        })?
                    } else {
                        None
                    };
                    if !rare {
                        genz
                    } else if let Some(refined) = refined {
                        refined
                    } else {
                        match settings.tilted().estimate_reduced(&reduced, &reduction).map(|t| t.estimate) {
                            Ok(tilted) if better(tilted.clone(), genz.0.clone()) == tilted => {
                                (tilted, rare_event_gradient(&reduced, settings)?)
                            }
                            Ok(_) | Err(Error::MethodNotApplicable { .. }) => genz,
                            Err(e) => return Err(e),
                        }
                    }
                }
            };
            Ok((estimate, embed(gradient, &kept, d)))
        }
    }
}

/// The `auto` method as an [`Integrator`], for harnesses that take integrators.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Auto {
    /// Which method to run.
    pub choice: MethodChoice,
    /// Its settings.
    pub settings: Settings,
}

impl Differentiable for Auto {
    fn integrate_with_gradient(
        &self,
        problem: &Problem,
        options: GradientOptions,
    ) -> Result<(Estimate, Gradient)> {
        integrate_with_gradient(problem, self.choice, &self.settings, options)
    }
}

impl Integrator for Auto {
    fn name(&self) -> String {
        self.choice.name().into()
    }

    fn integrate(&self, problem: &Problem) -> Result<Estimate> {
        integrate(problem, self.choice, &self.settings)
    }
}
