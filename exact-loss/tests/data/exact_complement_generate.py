#!/usr/bin/env python3
"""Reference values for the EXACT accuracy near 1: writes exact_complement.csv beside this file.

For shifts d (length n = C - 1) the expected accuracy is A = ∫ φ(z) Π_i Φ(d_i + z) dz, so

    1 − A       = ∫ φ(z) · (−expm1(Σ_i ln Φ(d_i + z))) dz,
    ∂A/∂d_k     = ∫ φ(z) φ(d_k + z) Π_{i≠k} Φ(d_i + z) dz,

with ln Φ(x) = log1p(−Q(x)), Q(x) = erfc(x/√2)/2 (ln Φ(x) itself for x ≤ 0), so that nothing
cancels even where 1 − A is 1e-300 or below. Both integrals are evaluated with mpmath's tanh-sinh
quadrature at 60 significant digits over subintervals of width 2 (or less) of a finite range that
holds every peak (near −d_i/2 for every distinct d_i), and of width 0.5 within ±8 of the
integrand's own maximiser. Each integrand is first divided by its peak value (mp.quad stops on an
absolute error estimate, so the integral must be O(1)). Each value is checked against a second evaluation at 50 digits with
other split points (agreement better than 1e-18 is required), and for C = 2 against the closed
form Q(d/√2).

The shifts are given with their multiplicities ("value x count"), which lets the products over
1000 classes be formed as powers; the Rust test expands them and knows nothing about that.

Columns: name, shifts (space-separated, expanded), log_error_probability = ln(1 − A),
log_gradient = ln(∂A/∂d_k) for every k (space-separated). Logarithms, because several values
are far below the smallest double.

Run: python3 exact_complement_generate.py [CASE ...]   (mpmath >= 1.0; all cases take several
minutes on two cores; named cases are recomputed and their rows replaced)
"""
import csv
import multiprocessing
import os
import sys
from mpmath import mp, mpf, erfc, exp, expm1, log, log1p, sqrt, pi, quad, inf

CASES = [
    # name, [(value, count), ...]
    # Two classes: 1 − A = Q(d/√2).
    ("c2-d5", [(5, 1)]),
    ("c2-d10", [(10, 1)]),
    ("c2-d20", [(20, 1)]),
    ("c2-d40", [(40, 1)]),
    ("c2-d100", [(100, 1)]),
    # Three classes.
    ("c3-10-12", [(10, 1), (12, 1)]),
    ("c3-15-30", [(15, 1), (30, 1)]),
    ("c3-8-40", [(8, 1), (40, 1)]),
    ("c3-12-12", [(12, 2)]),
    # Ten classes.
    ("c10-mixed", [(12, 2), (13, 1), (15, 1), (18, 1), (20, 1), (25, 1), (30, 1), (60, 1)]),
    ("c10-far", [(9, 1), (16, 4), (28, 4)]),
    # A hundred classes: one close competitor pulls the peaks of the far ones to the right.
    ("c100-groups", [(14, 10), (16, 30), (22, 59)]),
    ("c100-one-close", [(10, 5), (30, 94)]),
    # A thousand classes, confident logits (σ = 0.01 and logit gaps of 0.17 … 0.45).
    ("c1000-confident", [(17, 3), (20, 100), (25, 400), (45, 496)]),
    ("c1000-very-confident", [(43, 10), (45, 989)]),
    ("c1000-equal-20", [(20, 999)]),
    # Moderate cases (accuracy far from 1) and cases near the switch of the Rust code.
    ("c3-moderate", [(0.5, 1), (1.5, 1)]),
    ("c10-moderate", [(-1, 1), (0, 2), (1, 3), (2, 3)]),
    ("c100-moderate", [(1, 30), (2, 30), (3, 39)]),
    ("c1000-moderate", [(3, 500), (5, 499)]),
    ("c1000-near-switch-above", [(6.5, 999)]),
    ("c1000-near-switch-below", [(7.5, 999)]),
]


def Q(x):
    return erfc(x / sqrt(2)) / 2


def phi(x):
    return exp(-x * x / 2) / sqrt(2 * pi)


def log_Phi(x):
    # log1p(−Q) keeps Φ near 1 exact; below 0, Φ itself (Q would round to 1 and give −inf).
    return log1p(-Q(x)) if x > 0 else log(erfc(-x / sqrt(2)) / 2)


def split_points(groups, extra=()):
    """Finite split points, two units apart, from below the leftmost peak to beyond the last one.

    Every integrand is below e^-120 of its peak outside [lo, hi] (the peaks lie in
    [-max d/2 - 1, max(0, -min d)] and fall off at least like e^{-t^2/2}), so the tails are dropped.
    """
    values = [mpf(v) for v, _ in groups]
    lo = min([-v / 2 for v in values] + [mpf(0)]) - 16
    hi = max([-min(values) / 2, -min(values), mpf(0)]) + 16
    points = {lo + 2 * j for j in range(int(hi - lo) // 2 + 1)}
    for v in values:
        points.update([-v / 2, -v / 2 - 0.5, -v / 2 + 0.5])
    points.update(mpf(e) for e in extra)
    return sorted(p for p in points if lo <= p <= hi)


def around_peak(log_f, groups):
    """The maximiser of log_f on a grid of step 0.25 over the range of `split_points`, and split
    points every 0.5 within ±8 of it: the peak of a gradient integrand can sit far from −d_k/2
    when classes with d_i < d_k/2 push it right, and tanh-sinh must see it."""
    points = split_points(groups)
    grid = [points[0] + mpf(j) / 4 for j in range(int((points[-1] - points[0]) * 4) + 1)]
    best = max(grid, key=log_f)
    return best, [best + mpf(j) / 2 for j in range(-16, 17)]


def integrate(log_f, groups, extra):
    """∫ e^{log_f}: mp.quad stops on an absolute error estimate, so the integrand is divided by
    its value at the peak first (an O(1) integral), and split at the points above."""
    best, near = around_peak(log_f, groups)
    top = log_f(best)
    return quad(lambda z: exp(log_f(z) - top), split_points(groups, list(extra) + near)) * exp(top)


def complement(groups, shift=0):
    def log_f(z):
        s = sum(m * log_Phi(mpf(v) + z) for v, m in groups)
        return log(phi(z)) + log(-expm1(s))

    return integrate(log_f, groups, [shift])


def gradient(groups, k, shift=0):
    vk = mpf(groups[k][0])

    def log_f(z):
        s = sum((m - (1 if j == k else 0)) * log_Phi(mpf(v) + z) for j, (v, m) in enumerate(groups))
        return log(phi(z)) + log(phi(vk + z)) + s

    return integrate(log_f, groups, [-vk / 2 - 1, -vk / 2 + 1, -vk / 2 + shift])


def evaluate(case):
    name, groups = case
    mp.dps = 60
    e = complement(groups)
    g = [gradient(groups, k) for k in range(len(groups))]
    mp.dps = 50
    e2 = complement(groups, shift=0.37)
    g2 = [gradient(groups, k, shift=0.61) for k in range(len(groups))]
    mp.dps = 60
    check = max([abs(e / e2 - 1)] + [abs(a / b - 1) for a, b in zip(g, g2)])
    assert check < mpf(10) ** -18, (name, check)
    if len(groups) == 1 and groups[0][1] == 1:
        closed = Q(mpf(groups[0][0]) / sqrt(2))
        assert abs(e / closed - 1) < mpf(10) ** -18, (name, e, closed)
    shifts, logs = [], []
    for (v, m), gk in zip(groups, g):
        shifts += [mp.nstr(mpf(v), 17)] * m
        logs += [mp.nstr(log(gk), 25)] * m
    print(name, mp.nstr(e, 10), "agreement", mp.nstr(check, 3), flush=True)
    return [name, " ".join(shifts), mp.nstr(log(e), 25), " ".join(logs)]


def main():
    """All cases, or (with case names as arguments) only those, replacing their rows."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exact_complement.csv")
    names = sys.argv[1:]
    cases = [c for c in CASES if not names or c[0] in names]
    # Two processes; the rows keep the order of CASES.
    with multiprocessing.Pool(2) as pool:
        rows = pool.map(evaluate, cases, chunksize=1)
    if names:
        with open(path, newline="") as fh:
            old = {r[0]: r for r in list(csv.reader(fh))[1:]}
        old.update({r[0]: r for r in rows})
        rows = [old[name] for name, _ in CASES if name in old]
    for r in rows:
        assert "nan" not in r[2] + r[3], r[0]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "shifts", "log_error_probability", "log_gradient"])
        w.writerows(rows)


if __name__ == "__main__":
    main()
