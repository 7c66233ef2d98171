//! Interpolation in the shift: the EXACT orthant of many classes on a few Chebyshev points.
//!
//! At a node z the EXACT orthant needs Σ_k ln Φ(d_k + z) and, for its gradient, φ/Φ(d_k + z)
//! of every class k. Both are values of one analytic function at the points d_k + z: for a run
//! of classes whose shifts lie in an interval I = [c − h, c + h], the function s ↦ ln Φ(s + z)
//! on I is replaced by its interpolant at the N Chebyshev points (first kind)
//! δ_m = c + h·u_m, u_m = −cos((2m + 1)π/(2N)), whose Lagrange basis ℓ_m gives
//!
//! ```text
//! Σ_k ln Φ(d_k + z) ≈ Σ_m W_m ln Φ(δ_m + z),   W_m = Σ_k ℓ_m((d_k − c)/h),
//! ```
//!
//! with the weights W_m fixed once per example (they do not depend on z): the run costs N
//! evaluations of the kernel per node instead of one per class. The points δ_m are integrated
//! as classes of multiplicity W_m; their gradient components H(δ_m) = (1/A)∫ e^{g} φ/Φ(δ_m + z) dz
//! are the values at δ_m of H(s) = ∂ ln A/∂d for a class at shift s, again an analytic function
//! of s, and each class gets the interpolant of ln H at its own shift (so that a component far
//! below the others keeps its relative accuracy).
//!
//! **Why this is accurate.** ln Φ is analytic except at the zeros of Φ, the nearest of which
//! are 1.92 ± 2.82i; on an interval of width 1 the Chebyshev interpolant of degree N − 1
//! converges like ρ^{−N} with ρ ≈ 11 (the Bernstein ellipse through those zeros), so N = 16
//! leaves a truncation error near 1e-17 of the function's size in the ellipse. Measured over
//! every interval of width 1 with its centre in [−40, 12] (steps of 0.0137, 200 points in
//! each, against the scalar `log_cdf_and_inverse_mills`): ln Φ within 2.5e-15 of
//! max(|ln Φ(x)|, 1e-3), the same with 20 or 24 points, so the rounding of the samples and not
//! the truncation (where |ln Φ| < 1e-3 that is below 2.5e-18 absolutely, and the sum needs
//! absolute accuracy: it is the exponent of the integrand); ln(φ/Φ), after the value at the
//! centre is taken out, within 2.8e-14 absolutely, four ulps of its size (−60 at x = 11).
//!
//! The weights are Fejér's (positive) for classes spread evenly over the interval and may be
//! negative for classes crowded towards one end; Σ_m |W_m| is at most the Lebesgue constant of
//! the points (2.8) times the number of classes, so the weighted sum is as well conditioned as
//! the sum over the classes to within that factor, and it is summed with TwoSum in every lane
//! (terms of either sign). The gradient of each class is H_max·exp(p(u)), p the interpolant of
//! ln(H/H_max) over its run with the line through its end samples taken out first: a component
//! e^{−40} below its run's largest keeps about 1e-14 of itself (the rounding of its logarithm).
//! The tests compare the whole integrand with the class-by-class one.
//!
//! A run is formed from [`MIN_CLASSES`] classes within a width of [`WIDTH`] (greedily, in
//! increasing order of the shifts); every other class is its own point (weight 1, its component copied), and a
//! run of equal shifts is one point of weight the run's length (exact).

use crate::mills_ratio::exp_nonpositive;
use std::ops::Range;
use std::sync::OnceLock;

/// Chebyshev points per interpolated run.
const POINTS: usize = 16;

/// The widest interval of shifts interpolated by one run of [`POINTS`] points.
const WIDTH: f64 = 1.0;

/// The share of the evaluations per node that the runs must save for the interpolation to be
/// used: where they save less (a few short runs among classes of their own), the weights, the
/// spread and the sums of terms of either sign cost about what the runs save. On the speed
/// probe's logits no run forms at C = 100 (about 14 classes per unit of shift at the densest),
/// and the runs save 43–60% of the evaluations at C = 300 (120 to 171 points for 299 classes) and
/// 81–84% at C = 1000 (158 to 188 points for 999).
const MIN_SAVING: f64 = 0.25;

/// A run is interpolated from this many classes on: a run costs [`POINTS`] evaluations per node
/// instead of one per class, plus, once per example, its moments, the coefficients of its
/// spread and [`POINTS`] logarithms (about a microsecond), which about 16 classes fewer per node
/// repay over the 50-odd nodes of an example.
const MIN_CLASSES: usize = 32;

/// The Chebyshev points u_m = −cos((2m + 1)π/(2N)) in increasing order and T_j(u_m) for
/// j, m < N (computed once per process).
struct ChebyshevTable {
    point: [f64; POINTS],
    /// `basis[j][m]` = T_j(u_m).
    basis: [[f64; POINTS]; POINTS],
}

fn chebyshev_table() -> &'static ChebyshevTable {
    static TABLE: OnceLock<ChebyshevTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let point: [f64; POINTS] =
            std::array::from_fn(|m| -((2 * m + 1) as f64 * std::f64::consts::PI / (2 * POINTS) as f64).cos());
        let basis = std::array::from_fn(|j| {
            std::array::from_fn(|m| {
                // T_j(−cos θ) = (−1)^j cos(jθ), from the angle (no recurrence error).
                let angle = j as f64 * (2 * m + 1) as f64 * std::f64::consts::PI / (2 * POINTS) as f64;
                if j % 2 == 0 {
                    angle.cos()
                } else {
                    -angle.cos()
                }
            })
        });
        ChebyshevTable { point, basis }
    })
}

/// A run of classes (consecutive in the sorted shifts) and the points that stand for it.
struct Run {
    classes: Range<usize>,
    /// The first of its points (its points are consecutive: one for equal shifts, else
    /// [`POINTS`]).
    first_point: usize,
    /// Centre and half-width of the interval of its shifts (half-width 0 for equal shifts).
    centre: f64,
    half_width: f64,
}

/// The points that stand for the classes of an EXACT orthant (in increasing order, as the
/// classes), their multiplicities, and how to spread their gradient components back to the
/// classes. See the module documentation.
pub(super) struct ShiftInterpolation {
    /// The shifts of the points, in increasing order.
    pub(super) shift: Vec<f64>,
    /// The multiplicity W_m of each point in Σ W_m ln Φ(δ_m + z) (1 for a class of its own).
    pub(super) weight: Vec<f64>,
    /// The runs, in increasing order; every class outside them is a point of its own.
    runs: Vec<Run>,
}

impl ShiftInterpolation {
    /// The points for the classes of shifts `sorted` (increasing). `None` when they would save
    /// less than a [`MIN_SAVING`] share of the evaluations (every class its own point, or few
    /// classes in runs: the runs' weights, spread and weighted sums would cost more than they
    /// save).
    pub(super) fn of(sorted: &[f64]) -> Option<Self> {
        let n = sorted.len();
        // A run starts at class k when the MIN_CLASSES classes from k on lie within WIDTH (a
        // test of one pair; false where d_k or the last is infinite) and takes every class
        // within WIDTH of d_k. The first start, by a plain scan (none on sparse shifts) …
        let starts_run = |k: usize| sorted[k + MIN_CLASSES - 1] - sorted[k] <= WIDTH;
        let mut k = (0..n.saturating_sub(MIN_CLASSES - 1)).find(|&k| starts_run(k))?;
        // … then the runs greedily from there.
        let mut runs: Vec<Range<usize>> = Vec::new();
        let mut points = n;
        while k < n {
            if k + MIN_CLASSES <= n && starts_run(k) {
                let low = sorted[k];
                let end = k + sorted[k..].partition_point(|&d| d - low <= WIDTH);
                points = points + if sorted[end - 1] == low { 1 } else { POINTS } - (end - k);
                runs.push(k..end);
                k = end;
            } else {
                k += 1;
            }
        }
        if (points as f64) > (1.0 - MIN_SAVING) * n as f64 {
            return None;
        }
        let table = chebyshev_table();
        let mut this = ShiftInterpolation {
            shift: Vec::with_capacity(points),
            weight: Vec::with_capacity(points),
            runs: Vec::with_capacity(runs.len()),
        };
        let mut own = 0;
        for classes in runs {
            // The classes before the run, each its own point.
            this.shift.extend_from_slice(&sorted[own..classes.start]);
            this.weight.resize(this.shift.len(), 1.0);
            own = classes.end;
            let first_point = this.shift.len();
            let (low, high) = (sorted[classes.start], sorted[classes.end - 1]);
            if high == low {
                // Equal shifts: one point of multiplicity the run's length, exactly.
                this.shift.push(low);
                this.weight.push(classes.len() as f64);
                this.runs.push(Run { classes, first_point, centre: low, half_width: 0.0 });
                continue;
            }
            let centre = 0.5 * (low + high);
            let half_width = 0.5 * (high - low);
            let weight = run_weights(&sorted[classes.clone()], centre, half_width, table);
            this.shift.extend(table.point.iter().map(|&u| centre + half_width * u));
            this.weight.extend_from_slice(&weight);
            this.runs.push(Run { classes, first_point, centre, half_width });
        }
        this.shift.extend_from_slice(&sorted[own..]);
        this.weight.resize(this.shift.len(), 1.0);
        Some(this)
    }

    /// ⌈Σ_m |W_m|⌉: at least the number of classes (Σ_m W_m, since the Lagrange basis sums
    /// to one) and at most the Lebesgue constant of the points (about 2.8) times it. The n of
    /// the far threshold, which then bounds Σ_m |W_m|·|ln Φ(δ_m + z)| over the far points.
    pub(super) fn magnitude(&self) -> usize {
        self.weight.iter().map(|w| w.abs()).sum::<f64>().ceil() as usize
    }

    /// The gradient components of the classes of shifts `sorted` (`out`, in that order) from
    /// those of the points (`at_points`): copied for a class of its own and a run of equal
    /// shifts, interpolated for a run (ln H, relative to the largest component of the run, so
    /// that each class keeps its relative accuracy; H itself where some component of the run is
    /// 0 or not finite).
    pub(super) fn spread(&self, sorted: &[f64], at_points: &[f64], out: &mut [f64]) {
        let table = chebyshev_table();
        // The classes between two runs are points of their own, in the same order.
        let (mut own, mut point) = (0, 0);
        for run in &self.runs {
            let first = run.first_point;
            out[own..run.classes.start].copy_from_slice(&at_points[point..first]);
            own = run.classes.end;
            point = first + if run.half_width == 0.0 { 1 } else { POINTS };
            if run.half_width == 0.0 {
                out[run.classes.clone()].fill(at_points[first]);
                continue;
            }
            let values = &at_points[first..first + POINTS];
            let largest = values.iter().fold(0.0f64, |a, &v| a.max(v));
            let logarithmic = largest > 0.0 && largest.is_finite() && values.iter().all(|&v| v > 0.0);
            let sample: [f64; POINTS] =
                std::array::from_fn(|m| if logarithmic { (values[m] / largest).ln() } else { values[m] });
            // The line through the end samples, f ≈ α + βu, taken out before the coefficients:
            // ln H can change by tens across a run while its curvature is small, and the
            // coefficients of the rest then come from small numbers, not from the cancellation
            // of large ones.
            let (u_first, u_last) = (table.point[0], table.point[POINTS - 1]);
            let slope = (sample[POINTS - 1] - sample[0]) / (u_last - u_first);
            let level = 0.5 * (sample[0] + sample[POINTS - 1]);
            let rest: [f64; POINTS] = std::array::from_fn(|m| sample[m] - (level + slope * table.point[m]));
            // Chebyshev coefficients a_j = (2/N) Σ_m r_m T_j(u_m) of the rest, a_0 halved.
            let coefficient: [f64; POINTS] = std::array::from_fn(|j| {
                let sum: f64 = (0..POINTS).map(|m| rest[m] * table.basis[j][m]).sum();
                sum * if j == 0 { 1.0 } else { 2.0 } / POINTS as f64
            });
            pulp::Arch::new().dispatch(Interpolant {
                shift: &sorted[run.classes.clone()],
                centre: run.centre,
                inverse_half_width: 1.0 / run.half_width,
                coefficient,
                level,
                slope,
                scale: if logarithmic { Some(largest) } else { None },
                out: &mut out[run.classes.clone()],
            });
        }
        out[own..].copy_from_slice(&at_points[point..]);
    }
}

/// The interpolant of a run at its classes' shifts: α + βu + Σ_j a_j T_j(u), or
/// H_max·exp of it (ln(H/H_max) ≤ 0 at the points and at most slightly above between them), as
/// an operation that `pulp` compiles for AVX2 where the CPU has it (the same bits).
struct Interpolant<'a> {
    shift: &'a [f64],
    centre: f64,
    inverse_half_width: f64,
    coefficient: [f64; POINTS],
    level: f64,
    slope: f64,
    /// H_max when the samples are ln(H/H_max); `None` when they are H itself.
    scale: Option<f64>,
    out: &'a mut [f64],
}

impl pulp::WithSimd for Interpolant<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        for (o, chunk) in self.out.chunks_mut(LANES).zip(self.shift.chunks(LANES)) {
            let (u, _) = positions(chunk, self.centre, self.inverse_half_width);
            let value = clenshaw(&self.coefficient, u);
            let value: [f64; LANES] = std::array::from_fn(|k| self.level + self.slope * u[k] + value[k]);
            match self.scale {
                Some(largest) => {
                    let scaled: [f64; LANES] = std::array::from_fn(|k| largest * exp_nonpositive(value[k]));
                    o.copy_from_slice(&scaled[..o.len()]);
                }
                None => o.copy_from_slice(&value[..o.len()]),
            }
        }
    }
}

/// Σ_j a_j T_j(u) by Clenshaw's recurrence, at [`LANES`] arguments side by side.
#[inline(always)]
fn clenshaw(a: &[f64; POINTS], u: [f64; LANES]) -> [f64; LANES] {
    let (mut b1, mut b2) = ([0.0; LANES], [0.0; LANES]);
    for &a_j in a[1..].iter().rev() {
        for k in 0..LANES {
            let b0 = a_j + 2.0 * u[k] * b1[k] - b2[k];
            b2[k] = b1[k];
            b1[k] = b0;
        }
    }
    std::array::from_fn(|k| a[0] + u[k] * b1[k] - b2[k])
}

/// Classes per step of the loops over a run's classes: independent recurrences side by side,
/// which the compiler vectorises (four vectors of AVX2, enough to hide the latency of each
/// step of a recurrence).
const LANES: usize = 16;

/// The positions u = (d − c)/h ∈ [−1, 1] of up to [`LANES`] shifts in their run's interval, and
/// 1 for each lane that holds a class (0 for the padding of the last step).
#[inline(always)]
fn positions(chunk: &[f64], centre: f64, inverse_half_width: f64) -> ([f64; LANES], [f64; LANES]) {
    let (mut u, mut live) = ([0.0; LANES], [0.0; LANES]);
    for (k, &d) in chunk.iter().enumerate() {
        u[k] = ((d - centre) * inverse_half_width).clamp(-1.0, 1.0);
        live[k] = 1.0;
    }
    (u, live)
}

/// The weights W_m = Σ_k ℓ_m(u_k), u_k = (d_k − c)/h, of a run: from the Chebyshev moments
/// M_j = Σ_k T_j(u_k) (by the three-term recurrence, stable for |u| ≤ 1) and the discrete
/// orthogonality of the first-kind points, ℓ_m(u) = (1/N)(1 + 2 Σ_{j≥1} T_j(u_m) T_j(u)).
/// The weights are positive for classes spread over the interval (Fejér's weights, times the
/// number of classes, for classes spread evenly) and may be negative for classes crowded at
/// one end; Σ_m |W_m| is at most the Lebesgue constant of the points (2.8 for 16 points) times
/// the number of classes.
fn run_weights(shift: &[f64], centre: f64, half_width: f64, table: &ChebyshevTable) -> [f64; POINTS] {
    let moment = pulp::Arch::new().dispatch(Moments { shift, centre, inverse_half_width: 1.0 / half_width });
    let moment: [f64; POINTS] = std::array::from_fn(|j| moment[j].iter().sum());
    let weight: [f64; POINTS] = std::array::from_fn(|m| {
        let sum: f64 = (1..POINTS).map(|j| table.basis[j][m] * moment[j]).sum();
        (moment[0] + 2.0 * sum) / POINTS as f64
    });
    weight
}

/// The Chebyshev moments of a run by lanes (M_j of the classes in each lane), as an operation
/// that `pulp` compiles for AVX2 where the CPU has it (the same operations, so the same bits).
struct Moments<'a> {
    shift: &'a [f64],
    centre: f64,
    inverse_half_width: f64,
}

impl pulp::WithSimd for Moments<'_> {
    type Output = [[f64; LANES]; POINTS];

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
        let Moments { shift, centre, inverse_half_width } = self;
        let mut moment = [[0.0; LANES]; POINTS];
        for chunk in shift.chunks(LANES) {
            let (u, live) = positions(chunk, centre, inverse_half_width);
            let (mut previous, mut current) = (live, [0.0; LANES]);
            for k in 0..LANES {
                current[k] = u[k] * live[k];
                moment[0][k] += previous[k];
                moment[1][k] += current[k];
            }
            for row in moment.iter_mut().skip(2) {
                for k in 0..LANES {
                    let next = 2.0 * u[k] * current[k] - previous[k];
                    row[k] += next;
                    previous[k] = current[k];
                    current[k] = next;
                }
            }
        }
        moment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shifts spread over [0, 6] (dense: runs form) with a sparse tail beyond.
    fn spread_shifts() -> Vec<f64> {
        let mut d: Vec<f64> = (0..600).map(|k| 6.0 * ((k as f64 * 0.618_034) % 1.0)).collect();
        d.extend((0..10).map(|k| 8.0 + 1.5 * k as f64));
        d.sort_by(f64::total_cmp);
        d
    }

    /// The weights integrate every polynomial of degree below N exactly against the classes:
    /// Σ_m W_m p(δ_m) = Σ_k p(d_k) (to rounding), the points are increasing, and the sparse
    /// tail stays class by class.
    #[test]
    fn weights_reproduce_the_sums_of_polynomials() {
        let d = spread_shifts();
        let points = ShiftInterpolation::of(&d).expect("dense shifts form runs");
        assert!(points.shift.windows(2).all(|w| w[0] < w[1]), "points not increasing");
        assert!(points.shift.len() < d.len() / 4, "{} points for {} classes", points.shift.len(), d.len());
        assert!(points.magnitude() >= d.len() && points.magnitude() <= 3 * d.len());
        assert!(points.shift.ends_with(&d[d.len() - 10..]), "the sparse tail is its own points");
        for degree in [0, 1, 5, POINTS as i32 - 1] {
            // Powers of (s − 3)/3 keep every term within [−1, 1] on the dense part.
            let p = |s: f64| ((s - 3.0) / 3.0).powi(degree);
            let dense = &d[..d.len() - 10];
            let exact: f64 = dense.iter().map(|&s| p(s)).sum();
            let tail = points.shift.len() - 10;
            let by_points: f64 =
                points.shift[..tail].iter().zip(&points.weight).map(|(&s, &w)| w * p(s)).sum();
            assert!(
                (by_points - exact).abs() <= 1e-12 * dense.len() as f64,
                "degree {degree}: {by_points} vs {exact}"
            );
        }
    }

    /// The spread gives each class the interpolant of ln H at its shift: for a smooth H
    /// falling by e^{−42} over the shifts (by e^{−10} across the last run), within 3e-14 of
    /// itself (measured 1.1e-14: the rounding of ln(H/H_max), whose size across a run is
    /// about 10, is carried into the exponential).
    #[test]
    fn spread_interpolates_each_component_relative_to_itself() {
        let d = spread_shifts();
        let points = ShiftInterpolation::of(&d).expect("dense shifts form runs");
        let h = |s: f64| (-0.5 * s * s - 4.0 * s).exp() * (1.0 + 0.3 * (0.7 * s).sin());
        let at_points: Vec<f64> = points.shift.iter().map(|&s| h(s)).collect();
        let mut out = vec![0.0; d.len()];
        points.spread(&d, &at_points, &mut out);
        let worst = d.iter().zip(&out).fold(0.0f64, |w, (&s, &o)| w.max((o - h(s)).abs() / h(s)));
        assert!(worst <= 3e-14, "worst {worst:e}");
    }

    /// Equal shifts are one point of multiplicity their count (exact), with the component
    /// copied; too few or too spread classes give no interpolation at all.
    #[test]
    fn equal_shifts_merge_and_sparse_shifts_stay_apart() {
        let mut d = vec![1.5; 40];
        d.push(7.0);
        let points = ShiftInterpolation::of(&d).expect("a run of equal shifts");
        assert_eq!(points.shift, vec![1.5, 7.0]);
        assert_eq!(points.weight, vec![40.0, 1.0]);
        let mut out = vec![0.0; d.len()];
        points.spread(&d, &[0.25, 0.5], &mut out);
        assert!(out[..40].iter().all(|&o| o == 0.25) && out[40] == 0.5);
        let sparse: Vec<f64> = (0..100).map(|k| 2.0 * k as f64).collect();
        assert!(ShiftInterpolation::of(&sparse).is_none());
        assert!(ShiftInterpolation::of(&[]).is_none());
    }
}
