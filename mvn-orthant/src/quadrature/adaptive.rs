//! The adaptive rule: bisection of Gauss–Kronrod (7, 15) panels to an absolute tolerance, and
//! the same cut at known features of the integrand.
//!
//! Nothing here allocates: the rule recurses on the stack with a bounded depth.

use super::gauss_kronrod_15;

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
        let panel = gauss_kronrod_15(f, lo, hi);
        let (value, error) = (panel.value, panel.error);
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

/// The adaptive integral of `f` on `[p, q]`, cut at c ± w·4^m (m = 0, …, 20) and c for each
/// feature (c, w) of `breaks` (at most [`MAX_BREAKS`] are used).
pub(super) fn integral_with_breaks<F: FnMut(f64) -> f64>(
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
