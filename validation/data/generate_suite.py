#!/usr/bin/env python3
"""Generates validation/data/suite.jsonl: the built-in reference suite of the `validation` crate.

Every case is a rectangle probability P(a <= X <= b), X ~ N(mu, Sigma), with a reference value
computed here independently of the Rust code, at 30+ significant digits with mpmath 1.3:

* closed forms (d = 1 intervals, d = 2 and d = 3 zero-mean orthants, equicorrelated rho = 1/2
  orthants P = 1/(d+1), products for independent coordinates and block-diagonal matrices,
  reduced values for singular matrices);
* 1-D integrals evaluated by mpmath.quad (tanh-sinh) with breakpoints around the peak:
  bivariate boxes  P = int_{a1}^{b1} phi(x) [Phi((b2 - r x)/s) - Phi((a2 - r x)/s)] dx, s = sqrt(1 - r^2);
  one-factor covariances Sigma = diag(D) + lambda lambda^T
      P = int phi(t) prod_i [Phi((b_i - mu_i - lambda_i t)/sqrt(D_i)) - Phi((a_i - mu_i - lambda_i t)/sqrt(D_i))] dt;
* a nested 2-level integral for trivariate boxes (conditioning on X1);
* the published trivariate value of Genz (1992).

Every number written to the file is a double; the integrals use exactly those doubles (mpf(float) is
exact), so the only difference between the problem the Rust code sees and the one integrated here
is the rounding of Sigma's entries when Rust assembles them from loadings (relative 1e-16).

Run from the repository root:  python3 validation/data/generate_suite.py
Deterministic (fixed seeds); takes about six minutes on one core.
"""

import json
import math
import random
import sys

import mpmath as mp
from mpmath import mpf

mp.mp.dps = 40
INF = float("inf")


def lim(x):
    if x == INF:
        return "inf"
    if x == -INF:
        return "-inf"
    return x


def ncdf(x):
    return mp.ncdf(x)


def interval(a, b):
    """Phi(b) - Phi(a) without cancellation in the upper tail."""
    a, b = mpf(a), mpf(b)
    if a > 0:
        return mp.ncdf(-a) - mp.ncdf(-b)
    return mp.ncdf(b) - mp.ncdf(a)


CASES = []


def case_record(case_id, category, dim, covariance, mean, lower, upper, reference, provenance, tolerance,
                df=None):
    """One line of a suite file: the problem (``mean`` omitted when None; ``df``, the degrees of
    freedom of a multivariate t, only when given), its reference value and logarithm (``"-inf"``
    for 0), where the value comes from, and the tolerance. Shared with generate_suite_t.py."""
    reference = mpf(reference)
    case = {"id": case_id, "category": category, "dim": dim, "covariance": covariance}
    if mean is not None:
        case["mean"] = mean
    case["lower"] = [lim(x) for x in lower]
    case["upper"] = [lim(x) for x in upper]
    if df is not None:
        case["df"] = df
    case["reference"] = float(reference)
    case["log_reference"] = float(mp.log(reference)) if reference > 0 else "-inf"
    case["provenance"] = provenance
    case["tolerance"] = tolerance
    return case


def add(case_id, category, covariance, lower, upper, reference, provenance, tolerance, mean=None):
    assert mpf(reference) >= 0
    d = None
    if "dense" in covariance:
        d = len(covariance["dense"])
    elif "one_factor" in covariance:
        d = len(covariance["one_factor"]["loadings"])
    elif "equicorrelated" in covariance:
        d = covariance["equicorrelated"]["dim"]
    elif "diagonal" in covariance:
        d = len(covariance["diagonal"])
    assert len(lower) == d and len(upper) == d, case_id
    CASES.append(case_record(case_id, category, d, covariance, mean, lower, upper, reference, provenance, tolerance))

# ---------------------------------------------------------------- one-factor quadrature (mpmath)


def one_factor_integral(loadings, diagonal, mean, lower, upper):
    """int phi(t) prod_i [Phi((b_i - mu_i - l_i t)/sqrt(D_i)) - Phi((a_i - ...)/sqrt(D_i))] dt.

    Identical coordinates are grouped and raised to a power, so d = 1000 equicorrelated cases cost
    the same as d = 1.
    """
    groups = {}
    for l, dd, m, a, b in zip(loadings, diagonal, mean, lower, upper):
        key = (l, dd, m, a, b)
        groups[key] = groups.get(key, 0) + 1
    groups = [(mpf(l), mp.sqrt(mpf(dd)), mpf(m), a, b, n) for (l, dd, m, a, b), n in groups.items()]

    def log_integrand(t):
        s = -t * t / 2 - mp.log(2 * mp.pi) / 2
        for l, sd, m, a, b, n in groups:
            lo = (mpf(a) - m - l * t) / sd if a != -INF else -mp.inf
            hi = (mpf(b) - m - l * t) / sd if b != INF else mp.inf
            p = interval(lo, hi)
            if p <= 0:
                return -mp.inf
            s += n * mp.log(p)
        return s

    def integrand(t):
        v = log_integrand(t)
        return mp.exp(v) if v != -mp.inf else mpf(0)

    # Locate the peak on a coarse grid in double precision (only its position matters), then
    # split the line around it.
    fgroups = [(float(l), float(sd), float(m), a, b, n) for l, sd, m, a, b, n in groups]

    def log_integrand_float(t):
        s = -t * t / 2
        for l, sd, m, a, b, n in fgroups:
            lo = (a - m - l * t) / sd if a != -INF else -INF
            hi = (b - m - l * t) / sd if b != INF else INF
            if lo > 0:
                p = 0.5 * (math.erfc(lo / math.sqrt(2)) - math.erfc(hi / math.sqrt(2)))
            else:
                p = 0.5 * (math.erfc(-hi / math.sqrt(2)) - math.erfc(-lo / math.sqrt(2)))
            if p <= 0:
                # Far tail in double precision: use the leading asymptotic term of the nearer end.
                x = lo if lo > 0 else -hi
                s += n * (-x * x / 2 - math.log(x * math.sqrt(2 * math.pi)))
            else:
                s += n * math.log(p)
        return s

    grid = [k / 10 for k in range(-200, 201)]
    peak = mpf(max(grid, key=log_integrand_float))
    offsets = [-24, -12, -6, -3, -1.5, 0, 1.5, 3, 6, 12, 24]
    points = [peak + mpf(o) for o in offsets]
    # Near-singular factors (small D_i) are steps of width sqrt(D_i)/|l_i| at their kinks
    # t = (c - mu_i)/l_i: break the line there too, so that tanh-sinh sees smooth pieces.
    for l, sd, m, a, b, n in groups:
        if l == 0 or sd > mpf("0.3") * abs(l):
            continue
        width = sd / abs(l)
        for c in (a, b):
            if abs(c) != INF:
                kink = (mpf(c) - m) / l
                points += [kink + k * width for k in (-8, -2, -0.5, 0, 0.5, 2, 8)]
    points = [-mp.inf] + sorted(set(points)) + [mp.inf]
    value, err = mp.quad(integrand, points, error=True)
    assert err <= mpf(10) ** -18 * value or err < mpf(10) ** -320, (value, err)
    return value


def equicorrelated_one_factor(d, rho):
    return [math.sqrt(rho)] * d, [1.0 - rho] * d


# ---------------------------------------------------------------- bivariate / trivariate integrals


def bivariate_box(rho, a1, b1, a2, b2):
    """P(a1 <= X1 <= b1, a2 <= X2 <= b2) for unit variances and correlation rho (|rho| < 1)."""
    rho = mpf(rho)
    s = mp.sqrt(1 - rho * rho)

    def f(x):
        hi = (mpf(b2) - rho * x) / s if b2 != INF else mp.inf
        lo = (mpf(a2) - rho * x) / s if a2 != -INF else -mp.inf
        return mp.npdf(x) * interval(lo, hi)

    lo = mpf(a1) if a1 != -INF else -mp.inf
    hi = mpf(b1) if b1 != INF else mp.inf
    pts = [lo]
    for c in (a2, b2):
        if abs(c) != INF and rho != 0:
            x = mpf(c) / rho
            for w in (-4 * s, -s, 0, s, 4 * s):
                if lo < x + w < hi:
                    pts.append(x + w)
    for c in (-8, -4, -2, 0, 2, 4, 8):
        if lo < c < hi:
            pts.append(mpf(c))
    pts = sorted(set(pts)) + [hi]
    return mp.quad(f, pts, maxdegree=10)


def bivariate_lower(h, k, r):
    """P(X1 <= h, X2 <= k) for correlation r: int_{-inf}^{h} phi(x) Phi((k - r x)/sqrt(1 - r^2)) dx."""
    s = mp.sqrt(1 - r * r)
    pts = [-mp.inf]
    if r != 0 and k / r < h:
        pts.append(k / r)
    pts.append(h)
    return mp.quad(lambda x: mp.npdf(x) * mp.ncdf((k - r * x) / s), pts)


def trivariate_lower(b, r12, r13, r23):
    """P(X <= b) for a trivariate standard normal, conditioning on X1 (nested 1-D integrals)."""
    r12, r13, r23 = mpf(r12), mpf(r13), mpf(r23)
    s2 = mp.sqrt(1 - r12 * r12)
    s3 = mp.sqrt(1 - r13 * r13)
    rc = (r23 - r12 * r13) / (s2 * s3)

    def f(x):
        h = (mpf(b[1]) - r12 * x) / s2
        k = (mpf(b[2]) - r13 * x) / s3
        return mp.npdf(x) * bivariate_lower(h, k, rc)

    pts = [-mp.inf] + [mpf(c) for c in (-6, -3, 0) if c < b[0]] + [mpf(b[0])]
    return mp.quad(f, pts)


# ---------------------------------------------------------------- the cases


def univariate():
    for a, b in [(-1.0, 1.0), (-INF, 0.0), (-INF, -5.0), (-INF, -10.0), (-INF, -20.0), (8.0, INF),
                 (37.0, INF), (-37.5, -37.0), (2.0, 2.5), (-INF, 6.0)]:
        ref = interval(a, b)
        add(f"d1-interval-{a}-{b}", "univariate", {"dense": [[1.0]]}, [a], [b], ref,
            "closed form: Phi(b) - Phi(a) (mpmath, 40 digits)", 1e-12)
    # Non-unit variance and a mean.
    ref = interval((1.0 - 3.0) / 2.0, (4.0 - 3.0) / 2.0)
    add("d1-scaled", "univariate", {"dense": [[4.0]]}, [1.0], [4.0], ref,
        "closed form: Phi((b - mu)/sigma) - Phi((a - mu)/sigma) (mpmath)", 1e-12, mean=[3.0])


def orthants_d2():
    for rho in [-0.999999, -0.9, -0.5, -0.1, 0.0, 0.3, 0.5, 0.9, 0.999, 0.999999]:
        ref = mpf(1) / 4 + mp.asin(mpf(rho)) / (2 * mp.pi)
        add(f"d2-orthant-rho{rho}", "orthant-closed-form", {"dense": [[1.0, rho], [rho, 1.0]]},
            [-INF, -INF], [0.0, 0.0], ref, "closed form: 1/4 + asin(rho)/(2 pi) (mpmath)",
            1e-8 if abs(rho) > 0.999 else 1e-12)


def boxes_d2():
    cases = [(0.5, -INF, 1.0, -INF, -0.5), (-0.7, -1.0, 2.0, -0.5, 1.5), (0.9, -INF, -3.0, -INF, -3.0),
             (0.3, -INF, -6.0, -INF, -6.0), (-0.95, 1.0, INF, 1.0, INF), (0.99999, -INF, 0.5, -INF, 0.5),
             (-0.99999, -INF, 0.3, -INF, 0.2), (0.6, 4.0, INF, 4.5, INF), (0.0, -2.0, 2.0, -INF, 1.0)]
    for rho, a1, b1, a2, b2 in cases:
        ref = bivariate_box(rho, a1, b1, a2, b2)
        tol = 1e-8 if abs(rho) > 0.999 else 1e-11
        add(f"d2-box-rho{rho}-{a1}-{b1}-{a2}-{b2}", "bivariate-box", {"dense": [[1.0, rho], [rho, 1.0]]},
            [a1, a2], [b1, b2], ref,
            "mpmath quad: int phi(x) [Phi((b2 - rho x)/s) - Phi((a2 - rho x)/s)] dx, 40 digits", tol)
    # Non-unit variances with a mean: standardise.
    s1, s2, rho = 2.0, 0.5, 0.4
    cov = [[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]]
    mean = [1.0, -1.0]
    a, b = [-1.0, -1.5], [3.0, 0.0]
    z = lambda v, i: (v - mean[i]) / (s1 if i == 0 else s2)  # noqa: E731
    ref = bivariate_box(mpf(cov[0][1]) / (mpf(s1) * s2), z(a[0], 0), z(b[0], 0), z(a[1], 1), z(b[1], 1))
    add("d2-box-scaled-mean", "bivariate-box", {"dense": cov}, a, b, ref,
        "mpmath quad after standardising (exact in binary: sigma = 2, 0.5)", 1e-11, mean=mean)


def orthants_d3():
    rng = random.Random(3)
    mats = [(0.5, 0.5, 0.5), (0.2, -0.3, 0.4), (0.9, 0.8, 0.85), (-0.4, -0.4, 0.1), (0.999, 0.998, 0.9975)]
    for _ in range(3):
        # Random correlation from random factors (3 x 5).
        f = [[rng.gauss(0, 1) for _ in range(5)] for _ in range(3)]
        g = [[sum(f[i][k] * f[j][k] for k in range(5)) for j in range(3)] for i in range(3)]
        c = [[g[i][j] / math.sqrt(g[i][i] * g[j][j]) for j in range(3)] for i in range(3)]
        mats.append((c[0][1], c[0][2], c[1][2]))
    for n, (r12, r13, r23) in enumerate(mats):
        cov = [[1.0, r12, r13], [r12, 1.0, r23], [r13, r23, 1.0]]
        ref = mpf(1) / 8 + (mp.asin(mpf(r12)) + mp.asin(mpf(r13)) + mp.asin(mpf(r23))) / (4 * mp.pi)
        add(f"d3-orthant-{n}", "orthant-closed-form", {"dense": cov}, [-INF] * 3, [0.0] * 3, ref,
            "closed form: 1/8 + (asin r12 + asin r13 + asin r23)/(4 pi) (mpmath)", 1e-11)
    # Upper orthant (same value by symmetry).
    cov = [[1.0, 0.2, -0.3], [0.2, 1.0, 0.4], [-0.3, 0.4, 1.0]]
    ref = mpf(1) / 8 + (mp.asin(mpf(0.2)) + mp.asin(mpf(-0.3)) + mp.asin(mpf(0.4))) / (4 * mp.pi)
    add("d3-upper-orthant", "orthant-closed-form", {"dense": cov}, [0.0] * 3, [INF] * 3, ref,
        "closed form: P(X >= 0) = P(X <= 0) by symmetry (mpmath)", 1e-11)


def trivariate():
    cov = [[1.0, 0.6, 1.0 / 3.0], [0.6, 1.0, 11.0 / 15.0], [1.0 / 3.0, 11.0 / 15.0, 1.0]]
    add("d3-genz-1992", "trivariate-published", {"dense": cov}, [-INF] * 3, [1.0, 4.0, 2.0],
        mpf("0.82798489745683348"),
        "published: Genz (1992), Statist. Comput. Graph.; b = (1, 4, 2), r = (3/5, 1/3, 11/15)", 1e-12)
    with mp.workdps(20):
        check = trivariate_lower([1.0, 4.0, 2.0], 0.6, 1.0 / 3.0, 11.0 / 15.0)
    assert abs(check - mpf("0.82798489745683348")) < 1e-15, check
    for n, (b, r) in enumerate([([0.5, -0.5, 1.0], (0.5, 0.3, -0.2)), ([-2.0, -2.5, -1.5], (0.7, 0.6, 0.8))]):
        with mp.workdps(20):
            ref = trivariate_lower(b, *r)
        cov = [[1.0, r[0], r[1]], [r[0], 1.0, r[2]], [r[1], r[2], 1.0]]
        add(f"d3-lower-{n}", "trivariate-box", {"dense": cov}, [-INF] * 3, b, ref,
            "mpmath nested quad conditioning on X1 (20 digits)", 1e-11)


def equicorrelated_half():
    for d in [4, 5, 8, 10, 20, 50, 100, 200, 500, 1000]:
        add(f"equi-half-orthant-d{d}", "orthant-closed-form", {"equicorrelated": {"dim": d, "rho": 0.5}},
            [-INF] * d, [0.0] * d, mpf(1) / (d + 1),
            "closed form: equicorrelated rho = 1/2 orthant = 1/(d+1)", 1e-10)


def one_factor_equicorrelated():
    specs = [(10, 0.3, -INF, 1.0), (10, 0.9, -INF, -1.0), (50, 0.5, -INF, 2.5), (100, 0.1, -INF, 3.0),
             (100, 0.99, -INF, -2.0), (1000, 0.5, -INF, 3.5), (1000, 0.25, -1.0, 4.0), (5, 0.5, 3.0, INF),
             (20, 0.2, 2.0, INF), (200, 0.8, -INF, -3.0), (1000, 0.9, -INF, -3.5), (10, 0.95, -INF, -5.0),
             (30, 0.999, -INF, 0.0), (50, 0.05, -0.5, 0.5)]
    for d, rho, a, b in specs:
        l, dd = equicorrelated_one_factor(d, rho)
        ref = one_factor_integral(l, dd, [0.0] * d, [a] * d, [b] * d)
        tol = 1e-9 if ref < 1e-6 or rho > 0.99 else 1e-10
        add(f"equi-d{d}-rho{rho}-[{a},{b}]", "one-factor-tail" if ref < 1e-6 else "one-factor",
            {"equicorrelated": {"dim": d, "rho": rho}}, [a] * d, [b] * d, ref,
            "mpmath quad of the one-factor 1-D integral, 40 digits", tol)


def one_factor_random():
    rng = random.Random(11)
    for d, lmax, shift in [(5, 0.9, 0.0), (16, 0.8, 1.0), (40, 0.95, -0.5), (80, 0.7, 2.0), (150, 0.6, 2.5)]:
        l = [rng.uniform(-lmax, lmax) for _ in range(d)]
        dd = [rng.uniform(0.2, 1.5) for _ in range(d)]
        mean = [rng.uniform(-0.5, 0.5) for _ in range(d)]
        lower, upper = [], []
        for i in range(d):
            kind = rng.random()
            c = rng.uniform(0.5, 2.0) + shift
            if kind < 0.4:
                lower.append(-INF)
                upper.append(c)
            elif kind < 0.6:
                lower.append(-c)
                upper.append(INF)
            elif kind < 0.9:
                lower.append(-c)
                upper.append(c)
            else:
                lower.append(-INF)
                upper.append(INF)
        ref = one_factor_integral(l, dd, mean, lower, upper)
        add(f"one-factor-random-d{d}", "one-factor-tail" if ref < 1e-6 else "one-factor",
            {"one_factor": {"loadings": l, "diagonal": dd}}, lower, upper, ref,
            "mpmath quad of the one-factor 1-D integral (random loadings, seed 11), 40 digits", 1e-10, mean=mean)


def exact_style():
    rng = random.Random(7)
    for classes in [2, 3, 10, 100, 1000]:
        d = classes - 1
        # Deltas on a grid of 1/8 (exact in binary), so that equal deltas can be grouped.
        deltas = [round(8 * rng.gauss(0.5, 1.0)) / 8 for _ in range(d)]
        ref = one_factor_integral([1.0] * d, [1.0] * d, deltas, [0.0] * d, [INF] * d)
        add(f"exact-C{classes}", "exact-orthant", {"one_factor": {"loadings": [1.0] * d, "diagonal": [1.0] * d}},
            [0.0] * d, [INF] * d, ref,
            "EXACT orthant: int phi(z) prod Phi(d_i + z) dz (mpmath quad, 40 digits)", 1e-10, mean=deltas)
    # All deltas zero: accuracy 1/C exactly.
    for classes in [4, 50]:
        d = classes - 1
        add(f"exact-C{classes}-zero", "exact-orthant",
            {"one_factor": {"loadings": [1.0] * d, "diagonal": [1.0] * d}}, [0.0] * d, [INF] * d,
            mpf(1) / classes, "closed form: EXACT accuracy with equal scores = 1/C", 1e-10, mean=[0.0] * d)
    # A confident classifier: accuracy close to 1.
    d = 9
    ref = one_factor_integral([1.0] * d, [1.0] * d, [3.0] * d, [0.0] * d, [INF] * d)
    add("exact-C10-confident", "exact-orthant", {"one_factor": {"loadings": [1.0] * d, "diagonal": [1.0] * d}},
        [0.0] * d, [INF] * d, ref, "EXACT orthant, 1-D integral (mpmath, 40 digits)", 1e-10, mean=[3.0] * d)


def independent():
    rng = random.Random(5)
    for d, lo_shift in [(3, 0.0), (10, 0.0), (100, 1.0), (1000, 2.0), (25, -3.0)]:
        var = [rng.uniform(0.25, 4.0) for _ in range(d)]
        lower, upper = [], []
        for i in range(d):
            s = math.sqrt(var[i])
            if lo_shift < 0:
                lower.append(-INF)
                upper.append(lo_shift * s * rng.uniform(0.5, 1.0))
            else:
                c = (rng.uniform(1.0, 3.0) + lo_shift) * s
                if rng.random() < 0.3:
                    lower.append(-INF)
                else:
                    lower.append(-c)
                upper.append(c)
        ref = mpf(1)
        for i in range(d):
            s = mp.sqrt(mpf(var[i]))
            lo = mpf(lower[i]) / s if lower[i] != -INF else -mp.inf
            ref *= interval(lo, mpf(upper[i]) / s)
        add(f"independent-d{d}", "independent-tail" if ref < 1e-6 else "independent", {"diagonal": var},
            lower, upper, ref, "closed form: product of Phi differences (mpmath, 40 digits)", 1e-11)


def block_diagonal():
    rhos = [0.5, -0.3, 0.9, 0.0, -0.8, 0.2]
    d = 2 * len(rhos)
    cov = [[0.0] * d for _ in range(d)]
    ref = mpf(1)
    for k, r in enumerate(rhos):
        i = 2 * k
        cov[i][i] = cov[i + 1][i + 1] = 1.0
        cov[i][i + 1] = cov[i + 1][i] = r
        ref *= mpf(1) / 4 + mp.asin(mpf(r)) / (2 * mp.pi)
    add("block-diag-6x2-orthant", "block-diagonal", {"dense": cov}, [-INF] * d, [0.0] * d, ref,
        "closed form: product of bivariate orthants", 1e-11)
    # Three trivariate blocks.
    blocks = [(0.5, 0.5, 0.5), (0.2, -0.3, 0.4), (0.7, 0.6, 0.8)]
    d = 9
    cov = [[0.0] * d for _ in range(d)]
    ref = mpf(1)
    for k, (r12, r13, r23) in enumerate(blocks):
        i = 3 * k
        m = [[1.0, r12, r13], [r12, 1.0, r23], [r13, r23, 1.0]]
        for p in range(3):
            for q in range(3):
                cov[i + p][i + q] = m[p][q]
        ref *= mpf(1) / 8 + (mp.asin(mpf(r12)) + mp.asin(mpf(r13)) + mp.asin(mpf(r23))) / (4 * mp.pi)
    add("block-diag-3x3-orthant", "block-diagonal", {"dense": cov}, [-INF] * d, [0.0] * d, ref,
        "closed form: product of trivariate orthants", 1e-11)
    # Bivariate boxes in two blocks plus an independent coordinate (a non-one-factor box).
    cov = [[1.0, 0.5, 0, 0, 0], [0.5, 1.0, 0, 0, 0], [0, 0, 1.0, -0.7, 0], [0, 0, -0.7, 1.0, 0], [0, 0, 0, 0, 1.0]]
    lower = [-INF, -INF, -1.0, -0.5, -INF]
    upper = [1.0, -0.5, 2.0, 1.5, 0.3]
    ref = bivariate_box(0.5, -INF, 1.0, -INF, -0.5) * bivariate_box(-0.7, -1.0, 2.0, -0.5, 1.5) * mp.ncdf(0.3)
    add("block-diag-boxes-d5", "block-diagonal", {"dense": [[float(x) for x in r] for r in cov]}, lower, upper,
        ref, "product of mpmath bivariate boxes and Phi", 1e-11)


def singular():
    # Repeated variable: P(X1 <= a, X2 <= b) with X1 = X2 = Phi(min(a, b)).
    add("singular-repeated", "singular", {"dense": [[1.0, 1.0], [1.0, 1.0]]}, [-INF, -INF], [0.5, -0.25],
        mp.ncdf(-0.25), "reduced: X1 = X2, P = Phi(min(b))", 1e-12)
    # Perfect negative correlation: X2 = -X1, P(X1 <= a, -X1 <= b) = Phi(a) - Phi(-b).
    add("singular-antithetic", "singular", {"dense": [[1.0, -1.0], [-1.0, 1.0]]}, [-INF, -INF], [1.0, 0.5],
        mp.ncdf(1.0) - mp.ncdf(-0.5), "reduced: X2 = -X1, P = Phi(b1) - Phi(-b2)", 1e-12)
    # Zero variance inside the box: the variable drops out.
    add("singular-zero-variance-inside", "singular", {"dense": [[0.0, 0.0], [0.0, 1.0]]}, [-1.0, -INF],
        [1.0, 0.7], mp.ncdf(0.7), "reduced: X1 = mu1 = 0 lies in [a1, b1], P = Phi(b2)", 1e-12, mean=[0.0, 0.0])
    # Equicorrelated rho = 1 (rank one), d = 10: P = Phi(min b).
    b = [1.0, 0.5, 2.0, -0.3, 0.8, 1.5, 0.0, 3.0, 0.2, 0.4]
    add("singular-rank-one-d10", "singular", {"equicorrelated": {"dim": 10, "rho": 1.0}}, [-INF] * 10, b,
        mp.ncdf(-0.3), "reduced: rank one, all coordinates equal, P = Phi(min b)", 1e-12)
    # Duplicated trivariate: X = (Y1, Y2, Y1) with corr(Y1, Y2) = 0.5, orthant = bivariate orthant 1/3.
    cov = [[1.0, 0.5, 1.0], [0.5, 1.0, 0.5], [1.0, 0.5, 1.0]]
    add("singular-duplicate-d3", "singular", {"dense": cov}, [-INF] * 3, [0.0] * 3, mpf(1) / 3,
        "reduced: X3 = X1, P = 1/4 + asin(1/2)/(2 pi) = 1/3", 1e-11)
    # Low rank plus zero diagonal in a one-factor form: Sigma = l l^T, P = P(a_i <= l_i t <= b_i for all i).
    l = [1.0, 2.0, 0.5, -1.0]
    lower = [-1.0, -INF, -INF, -1.5]
    upper = [INF, 3.0, 0.4, INF]
    lo, hi = -mp.inf, mp.inf
    for li, a, bb in zip(l, lower, upper):
        for c, is_upper in ((a, False), (bb, True)):
            if abs(c) == INF:
                continue
            t = mpf(c) / li
            if (li > 0) == is_upper:
                hi = min(hi, t)
            else:
                lo = max(lo, t)
    ref = mp.ncdf(hi) - mp.ncdf(lo)
    add("singular-rank-one-loadings", "singular", {"one_factor": {"loadings": l, "diagonal": [0.0] * 4}}, lower,
        upper, ref, "reduced: Sigma = l l^T, an interval for the single factor", 1e-12)
    # Zero variance outside its box: probability exactly 0.
    add("singular-zero-variance-outside", "singular", {"dense": [[0.0, 0.0], [0.0, 1.0]]}, [0.5, -INF],
        [1.0, 0.7], mpf(0), "reduced: X1 = 0 lies outside [0.5, 1], P = 0", 0.0)


def unbounded():
    # Coordinates with both limits infinite drop out: 5-d problem that reduces to a bivariate orthant.
    rho = 0.4
    d = 5
    cov = [[1.0 if i == j else 0.3 for j in range(d)] for i in range(d)]
    cov[0][3] = cov[3][0] = rho
    lower = [-INF] * d
    upper = [0.0, INF, INF, 0.0, INF]
    ref = mpf(1) / 4 + mp.asin(mpf(rho)) / (2 * mp.pi)
    add("unbounded-reduces-to-d2", "infinite-limits", {"dense": cov}, lower, upper, ref,
        "closed form after dropping unbounded coordinates: 1/4 + asin(rho)/(2 pi)", 1e-12)
    add("unbounded-all", "infinite-limits", {"equicorrelated": {"dim": 7, "rho": 0.3}}, [-INF] * 7, [INF] * 7,
        mpf(1), "trivial: every coordinate unbounded, P = 1", 1e-15)


def trivariate_box(r12, r13, r23, lower, upper):
    """P(lower <= X <= upper) for a trivariate standard normal, conditioning on X1:
    int_{a1}^{b1} phi(x) B(x) dx, with B the bivariate box of (X2, X3) given X1 = x."""
    r12, r13, r23 = mpf(r12), mpf(r13), mpf(r23)
    s2 = mp.sqrt(1 - r12 * r12)
    s3 = mp.sqrt(1 - r13 * r13)
    rc = (r23 - r12 * r13) / (s2 * s3)

    def shifted(c, r, x, s):
        return (mpf(c) - r * x) / s if abs(c) != INF else (mp.inf if c > 0 else -mp.inf)

    def f(x):
        return mp.npdf(x) * bivariate_box(rc, shifted(lower[1], r12, x, s2), shifted(upper[1], r12, x, s2),
                                          shifted(lower[2], r13, x, s3), shifted(upper[2], r13, x, s3))

    return mp.quad(f, [mpf(lower[0]), mpf(upper[0])])


def ar1_lower_orthant(d, rho, b, nodes=160, depth=14.0):
    """P(X_1 <= b, ..., X_d <= b) for the stationary AR(1) chain X_{k+1} = rho X_k + sqrt(1 - rho^2) e_k
    (Sigma_ij = rho^|i-j|), by the Markov property: the sub-density f_k(x) of X_k on {X_1..X_k <= b}
    obeys f_{k+1}(x) = int_{-inf}^{b} f_k(y) phi((x - rho y)/s)/s dy. Gauss-Legendre on [b - depth, b]
    (the mass below is below exp(-depth^2/2) relative) in mpmath; P = int f_d."""
    rho, b = mpf(rho), mpf(b)
    s = mp.sqrt(1 - rho * rho)
    xs, ws = [], []
    lo = b - depth
    # Composite Gauss-Legendre: 8 panels of nodes/8 points each.
    panels = 8
    gl_x, gl_w = gauss_legendre(nodes // panels)
    for k in range(panels):
        a0 = lo + (b - lo) * k / panels
        a1 = lo + (b - lo) * (k + 1) / panels
        for x, w in zip(gl_x, gl_w):
            xs.append((a0 + a1) / 2 + (a1 - a0) / 2 * x)
            ws.append((a1 - a0) / 2 * w)
    f = [mp.npdf(x) for x in xs]
    kernel = [[mp.npdf((x - rho * y) / s) / s for y in xs] for x in xs]
    for _ in range(d - 1):
        f = [mp.fsum(kr[j] * ws[j] * f[j] for j in range(len(xs))) for kr in kernel]
    return mp.fsum(w * v for w, v in zip(ws, f))


def gauss_legendre(n):
    """Nodes and weights of the n-point Gauss-Legendre rule on [-1, 1] (Newton on P_n, mpmath)."""
    xs, ws = [], []
    for i in range(1, n + 1):
        x = mp.cos(mp.pi * (i - mpf(1) / 4) / (n + mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mpf(1), x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            step = p1 / dp
            x -= step
            if abs(step) < mpf(10) ** (-mp.mp.dps + 5):
                break
        xs.append(x)
        ws.append(2 / ((1 - x * x) * dp * dp))
    return xs, ws


def edges():
    """The edges of the domain (issue 14): empty boxes, narrow boxes, (near-)singular
    correlations, rare events on general covariances."""
    # Empty boxes: an upper limit of -inf or a lower limit of +inf; P = 0 exactly.
    add("empty-d2-upper-minus-inf", "empty-box", {"dense": [[1.0, 0.5], [0.5, 1.0]]}, [-INF, -1.0],
        [-INF, 1.0], mpf(0), "empty box: an upper limit of -inf, P = 0", 0.0)
    cov = [[0.6 ** abs(i - j) for j in range(5)] for i in range(5)]
    add("empty-d5-lower-plus-inf", "empty-box", {"dense": cov}, [-1.0, INF, -1.0, -INF, -INF],
        [1.0, INF, 1.0, 0.0, 2.0], mpf(0), "empty box: a lower limit of +inf, P = 0", 0.0)
    upper = [1.0] * 100
    upper[57] = -INF
    add("empty-equi-d100", "empty-box", {"equicorrelated": {"dim": 100, "rho": 0.5}}, [-INF] * 100, upper,
        mpf(0), "empty box: an upper limit of -inf, P = 0", 0.0)
    # Narrow two-sided boxes, d = 2, in the centre and in the tails: inclusion-exclusion of corner
    # CDFs would cancel. Upper limits a + w are the doubles nearest to it, used exactly.
    for rho, a1, w, a2, b2 in [(0.6, 0.3, 1e-6, -1.0, 1.0), (0.5, 5.0, 1e-4, 4.0, INF),
                               (-0.3, -20.0, 1e-9, -INF, -1.0), (0.9, -3.0, 1e-12, -3.5, -2.5)]:
        b1 = a1 + w
        ref = bivariate_box(rho, a1, b1, a2, b2)
        add(f"narrow-d2-rho{rho}-at{a1}-w{w:g}", "narrow-box", {"dense": [[1.0, rho], [rho, 1.0]]},
            [a1, a2], [b1, b2], ref,
            "mpmath quad over the narrow coordinate of phi(x) times the conditional interval, 40 digits", 1e-12)
    # Narrow boxes, d = 3 (nested quad conditioning on the narrow coordinate).
    for (r12, r13, r23), lower, upper in [
        ((0.5, 0.3, -0.2), [2.0, -1.0, -INF], [2.0 + 1e-5, 1.0, 0.5]),
        ((0.7, 0.6, 0.8), [-6.0, -INF, -INF], [-6.0 + 1e-8, -5.0, -4.0]),
    ]:
        ref = trivariate_box(r12, r13, r23, lower, upper)
        cov = [[1.0, r12, r13], [r12, 1.0, r23], [r13, r23, 1.0]]
        add(f"narrow-d3-at{lower[0]}-w{upper[0] - lower[0]:.0e}", "narrow-box", {"dense": cov}, lower, upper, ref,
            "mpmath nested quad conditioning on the narrow coordinate, 40 digits", 1e-12)
    # Near-singular correlations: closed-form orthants and one-factor integrals split at the kinks.
    for rho in [1.0 - 1e-8, 1.0 - 1e-12, -(1.0 - 1e-10)]:
        ref = mpf(1) / 4 + mp.asin(mpf(rho)) / (2 * mp.pi)
        add(f"near-singular-d2-orthant-rho{rho!r}", "near-singular", {"dense": [[1.0, rho], [rho, 1.0]]},
            [-INF, -INF], [0.0, 0.0], ref, "closed form: 1/4 + asin(rho)/(2 pi) (mpmath)", 1e-12)
    r12, r13, r23 = 1.0 - 1e-10, 0.5, 0.5
    ref = mpf(1) / 8 + (mp.asin(mpf(r12)) + mp.asin(mpf(r13)) + mp.asin(mpf(r23))) / (4 * mp.pi)
    add("near-singular-d3-orthant", "near-singular", {"dense": [[1.0, r12, r13], [r12, 1.0, r23], [r13, r23, 1.0]]},
        [-INF] * 3, [0.0] * 3, ref, "closed form: 1/8 + (asin r12 + asin r13 + asin r23)/(4 pi) (mpmath)", 1e-12)
    for d, rho, b in [(10, 0.999999, 0.0), (100, 0.9999, 0.0), (1000, 0.99, -1.0)]:
        l, dd = equicorrelated_one_factor(d, rho)
        ref = one_factor_integral(l, dd, [0.0] * d, [-INF] * d, [b] * d)
        add(f"near-singular-equi-d{d}-rho{rho}", "near-singular", {"equicorrelated": {"dim": d, "rho": rho}},
            [-INF] * d, [b] * d, ref, "mpmath quad of the one-factor integral split at the kinks, 40 digits", 1e-12)
    # Rare events on covariances with no exact method, and one with (for the forced methods).
    with mp.workdps(30):
        ref = ar1_lower_orthant(20, 0.7, -2.0)
        check = ar1_lower_orthant(20, 0.7, -2.0, nodes=240, depth=16.0)
    assert abs(ref - check) < mpf(10) ** -22 * ref, (ref, check)
    cov = [[0.7 ** abs(i - j) for j in range(20)] for i in range(20)]
    add("rare-ar1-d20-rho0.7-b-2", "rare-event", {"dense": cov}, [-INF] * 20, [-2.0] * 20, ref,
        "AR(1) Markov recursion, composite Gauss-Legendre in mpmath (30 digits; 160 and 240 nodes agree to 1e-22)",
        1e-12)
    l, dd = equicorrelated_one_factor(20, 0.5)
    ref = one_factor_integral(l, dd, [0.0] * 20, [-INF] * 20, [-4.0] * 20)
    add("rare-equi-d20-rho0.5-b-4", "rare-event", {"equicorrelated": {"dim": 20, "rho": 0.5}}, [-INF] * 20,
        [-4.0] * 20, ref, "mpmath quad of the one-factor 1-D integral, 40 digits", 1e-12)


def write_suite(sections, cases, default_out):
    """Runs ``sections`` in order (each appends its cases to ``cases``), checks that the ids are
    distinct, and writes one JSON line per case to the path given as the first argument, else
    ``default_out``. Shared with generate_suite_t.py."""
    import time
    t0 = time.time()
    for section in sections:
        section()
        print(f"{section.__name__}: {len(cases)} cases, {time.time() - t0:.1f} s", file=sys.stderr, flush=True)
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate ids"
    out = sys.argv[1] if len(sys.argv) > 1 else default_out
    with open(out, "w") as fh:
        for c in cases:
            fh.write(json.dumps(c, allow_nan=False) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


def main():
    sections = [univariate, orthants_d2, boxes_d2, orthants_d3, trivariate, equicorrelated_half,
                one_factor_equicorrelated, one_factor_random, exact_style, independent, block_diagonal,
                singular, unbounded, edges]
    write_suite(sections, CASES, "validation/data/suite.jsonl")


if __name__ == "__main__":
    main()
