#!/usr/bin/env python3
"""Reference table for the edge cases of the exact d = 2 and d = 3 methods (tests/exact_edges.rs).

Classes: narrow two-sided boxes (widths 1e-3 ... 1e-12) in the centre and in the tails, with
probabilities down to about 1e-300 and below; correlations rho = +-(1 - 10^-k), k = 1..16, and
|rho| = 1; rank-deficient 3 x 3 covariances (rank 1 and 2).

Method (mpmath, 32 digits, independent of the Rust code path): every input is first rounded to the
double the library receives. X ~ N(0, C) with C the given covariance (exact in mpmath).

  d = 2: P = int_{a1}^{b1} phi_1(x) P(a2 <= X2 <= b2 | X1 = x) dx, where the conditional law is
         N(c12/c11 x, c22 - c12^2/c11) and its interval probability is taken from erfc of the side
         that does not cancel. A zero conditional variance (a singular C) makes the conditional an
         indicator, and P is a univariate probability over the intersection of the intervals.
  d = 3: P = int_{a1}^{b1} phi_1(x) B(x) dx with B the d = 2 probability above for the
         conditional law of (X2, X3) given X1 = x (a nested 1-D integral).

The outer integral is cut where its log-integrand has dropped 120 nats below the maximum on a grid,
and split at breakpoints (panels around the mode, the cliffs of the conditional where its variance
is small, and the kinks of singular cases), each integrated by 16-point Gauss-Legendre. Each row is computed twice,
conditioning on the first and on the last coordinate (two different nested integrals); the script
skips a row whose two routes differ by more than 1e-20 relative in ln P, so the table is correct
to at least 20 digits. The second route runs on every singular and near-singular d = 3 row, on
every third other d = 3 row and on every d = 2 row.

Columns: class,d,c11,c12,c13,c22,c23,c33,a1,b1,a2,b2,a3,b3,P,lnP (the mean is 0; for d = 2 the
entries c13, c23, c33, a3, b3 are unused and written as 0).
Run: python3 exact_edges_generate.py > exact_edges.csv   (about ten minutes on two cores)
"""
import sys

import mpmath as mp

mp.mp.dps = 32
INF = mp.inf
LOG_SQRT_2PI = mp.log(mp.sqrt(2 * mp.pi))


def log_interval(lo, hi):
    """ln(Phi(hi) - Phi(lo)) for a standard normal, without cancellation of the two tails."""
    if lo >= hi:
        return -INF
    if lo >= 0:
        p = mp.erfc(lo / mp.sqrt(2)) / 2 - (mp.erfc(hi / mp.sqrt(2)) / 2 if hi != INF else 0)
    elif hi <= 0:
        p = mp.erfc(-hi / mp.sqrt(2)) / 2 - (mp.erfc(-lo / mp.sqrt(2)) / 2 if lo != -INF else 0)
    else:
        p = 1 - (mp.erfc(-lo / mp.sqrt(2)) / 2 if lo != -INF else 0) - (mp.erfc(hi / mp.sqrt(2)) / 2 if hi != INF else 0)
    if p <= 0:
        return -INF
    return mp.log(p)


def log_normal_interval(a, b, m, v):
    """ln P(a <= Y <= b) for Y ~ N(m, v), v >= 0 (v = 0: a point mass)."""
    if v == 0:
        return mp.mpf(0) if a <= m <= b else -INF
    s = mp.sqrt(v)
    return log_interval((a - m) / s if a != -INF else -INF, (b - m) / s if b != INF else INF)


def affine_interval(a, b, c0, c1):
    """{y : a <= c0 + c1 y <= b} as (lo, hi), c1 != 0."""
    lo = (a - c0) / c1 if a != -INF else (-INF if c1 > 0 else INF)
    hi = (b - c0) / c1 if b != INF else (INF if c1 > 0 else -INF)
    if c1 < 0:
        lo, hi = hi, lo
        if lo == INF:
            lo = -INF
        if hi == -INF:
            hi = INF
    return lo, hi


def gauss_legendre(n):
    """Nodes and weights of the n-point Gauss-Legendre rule on [-1, 1] (Newton on P_n)."""
    nodes = []
    for i in range(1, n + 1):
        x = mp.cos(mp.pi * (i - mp.mpf(1) / 4) / (n + mp.mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mp.mpf(1), x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            dx = p1 / dp
            x -= dx
            if abs(dx) < mp.mpf(10) ** (-mp.mp.dps - 2):
                break
        p0, p1 = mp.mpf(1), x
        for k in range(2, n + 1):
            p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        dp = n * (x * p1 - p0) / (x * x - 1)
        nodes.append((x, 2 / ((1 - x * x) * dp * dp)))
    return nodes


GL = gauss_legendre(16)


def quad_log(logf, left, right, breaks):
    """ln int_left^right exp(logf(x)) dx for a log-concave, piecewise smooth integrand.

    The mode is located (grid, then golden section), the one-nat scale on each side is found,
    and panels mode +- scale * [0, 1/4, 1/2, 1, 2, ..., 256], cut at the breakpoints (cliffs and
    kinks) and at the limits, are each integrated by 16-point Gauss-Legendre.
    """
    lo = left if left != -INF else mp.mpf(-80)
    hi = right if right != INF else mp.mpf(80)
    if lo >= hi:
        return -INF
    n = 16
    grid = sorted(set([lo + (hi - lo) * i / n for i in range(n + 1)] + [x for x in breaks if lo < x < hi]))
    vals = [logf(x) for x in grid]
    ib = max(range(len(grid)), key=lambda i: vals[i])
    top = vals[ib]
    if top == -INF:
        return -INF
    # Golden section on the bracket around the best grid point.
    a, b = grid[max(ib - 1, 0)], grid[min(ib + 1, len(grid) - 1)]
    ratio = (mp.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = logf(c), logf(d)
    for _ in range(28):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = logf(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = logf(d)
    mode, top2 = (c, fc) if fc >= fd else (d, fd)
    if top2 > top:
        top = top2
    else:
        mode = grid[ib]

    def scale(direction, limit):
        if limit <= 0:
            return mp.mpf(0)
        delta = min(mp.mpf("0.01"), limit)
        if logf(mode + direction * delta) < top - 1:
            while delta > mp.mpf("1e-20") and logf(mode + direction * delta / 2) < top - 1:
                delta /= 2
            return delta / 2
        while delta < limit and logf(mode + direction * delta) >= top - 1:
            delta *= 2
        return min(delta, limit)

    pts = set([lo, hi, mode])
    for direction, limit in ((1, hi - mode), (-1, mode - lo)):
        sc = scale(direction, limit)
        if sc == 0:
            continue
        for m in (0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256):
            x = mode + direction * sc * m
            if not lo < x < hi:
                break
            pts.add(x)
            if logf(x) < top - 130:
                break
    pts.update(x for x in breaks if lo < x < hi)
    pts = sorted(pts)
    total = mp.mpf(0)
    for u, v in zip(pts[:-1], pts[1:]):
        # skip panels far below the peak (both ends and, by concavity, everything between)
        if logf(u) < top - 140 and logf(v) < top - 140 and not (u <= mode <= v):
            continue
        h = (v - u) / 2
        cm = (u + v) / 2
        total += h * mp.fsum(w * mp.exp(logf(cm + h * x) - top) for x, w in GL)
    if total <= 0:
        return -INF
    return top + mp.log(total)


def log_box2(m, c, a, b):
    """ln P(a <= Y <= b) for Y ~ N(m, c) in d = 2 (c = [[c11, c12], [c12, c22]], PSD)."""
    c11, c12, c22 = c[0][0], c[0][1], c[1][1]
    if c11 == 0:
        return log_normal_interval(a[0], b[0], m[0], 0) + log_normal_interval(a[1], b[1], m[1], c22)
    if c22 == 0:
        return log_normal_interval(a[1], b[1], m[1], 0) + log_normal_interval(a[0], b[0], m[0], c11)
    det = c11 * c22 - c12 * c12
    if det < 0:
        raise ValueError("indefinite")
    s1 = mp.sqrt(c11)
    # Standardised outer variable x: Y1 = m1 + s1 x.
    alpha = (a[0] - m[0]) / s1 if a[0] != -INF else -INF
    beta = (b[0] - m[0]) / s1 if b[0] != INF else INF
    slope = c12 / s1  # conditional mean of Y2 is m2 + slope x
    v = det / c11  # conditional variance of Y2
    if v == 0:
        # Y2 = m2 + slope x: x must also satisfy a2 <= m2 + slope x <= b2.
        if slope == 0:
            return log_interval(alpha, beta) + log_normal_interval(a[1], b[1], m[1], 0)
        lo, hi = affine_interval(a[1], b[1], m[1], slope)
        return log_interval(max(alpha, lo), min(beta, hi))

    def g(x):
        return -x * x / 2 - LOG_SQRT_2PI + log_normal_interval(a[1], b[1], m[1] + slope * x, v)

    breaks = []
    if slope != 0:
        sv = mp.sqrt(v)
        for lim in (a[1], b[1]):
            if lim in (-INF, INF):
                continue
            centre = (lim - m[1]) / slope
            for k in (0, 0.5, 1, 2, 4, 8, 16):
                for sg in (-1, 1):
                    breaks.append(centre + sg * k * sv / abs(slope))
    return quad_log(g, alpha, beta, breaks)


def log_box3(c, a, b, first):
    """ln P(a <= X <= b) for X ~ N(0, c) in d = 3, conditioning on coordinate `first`."""
    order = [first] + [i for i in range(3) if i != first]
    c = [[c[i][j] for j in order] for i in order]
    a = [a[i] for i in order]
    b = [b[i] for i in order]
    c11 = c[0][0]
    if c11 == 0:
        return log_normal_interval(a[0], b[0], 0, 0) + log_box2([0, 0], [[c[1][1], c[1][2]], [c[1][2], c[2][2]]], a[1:], b[1:])
    s1 = mp.sqrt(c11)
    alpha = a[0] / s1 if a[0] != -INF else -INF
    beta = b[0] / s1 if b[0] != INF else INF
    slopes = [c[0][1] / s1, c[0][2] / s1]
    m = [[c[i][j] - c[0][i] * c[0][j] / c11 for j in (1, 2)] for i in (1, 2)]

    def g(x):
        mean = [slopes[0] * x, slopes[1] * x]
        return -x * x / 2 - LOG_SQRT_2PI + log_box2(mean, m, a[1:], b[1:])

    # Kinks and cliffs: where a conditional mean crosses a limit, and (singular conditional law)
    # where the intersected limits of the second variable switch.
    breaks = []
    for j in (0, 1):
        if slopes[j] != 0:
            sd = mp.sqrt(m[j][j])
            for lim in (a[1 + j], b[1 + j]):
                if lim in (-INF, INF):
                    continue
                for k in (0, 0.5, 1, 2, 4, 8):
                    for sg in (-1, 1):
                        breaks.append((lim + sg * k * sd) / slopes[j])
    det = m[0][0] * m[1][1] - m[0][1] ** 2
    if det == 0 and m[0][0] != 0 and m[1][1] != 0:
        lam = m[0][1] / m[0][0]  # Y3 - mean3 = lam (Y2 - mean2)
        # Y2 limits from Y3: a3 <= s3 x + lam (y - s2 x) <= b3: y = (lim - (s3 - lam s2) x)/lam.
        for lim3 in (a[2], b[2]):
            for lim2 in (a[1], b[1]):
                if lim3 in (-INF, INF) or lim2 in (-INF, INF):
                    continue
                k = slopes[1] - lam * slopes[0]
                if k != 0:
                    breaks.append((lim3 - lam * lim2) / k)
    return quad_log(g, alpha, beta, breaks)


def reference(d, c, a, b, check):
    if d == 2:
        c2 = [[c[0][0], c[0][1]], [c[0][1], c[1][1]]]
        r1 = log_box2([0, 0], c2, a[:2], b[:2])
        c2s = [[c[1][1], c[0][1]], [c[0][1], c[0][0]]]
        r2 = log_box2([0, 0], c2s, [a[1], a[0]], [b[1], b[0]]) if check else r1
    else:
        r1 = log_box3(c, a, b, 0)
        r2 = log_box3(c, a, b, 2) if check else r1
    if r1 == -INF or r2 == -INF:
        raise ValueError("zero probability")
    if abs(r1 - r2) > mp.mpf("1e-20") * max(1, abs(r1)):
        raise ValueError(f"routes disagree: {r1} {r2}")
    return r1, abs(r1 - r2)


def dbl(x):
    return mp.mpf(float(x)) if x not in (INF, -INF) else x


def fmt(x):
    if x == INF:
        return "inf"
    if x == -INF:
        return "-inf"
    return repr(float(x))


def corr3(r12, r13, r23):
    return [[1.0, r12, r13], [r12, 1.0, r23], [r13, r23, 1.0]]


def corr2(r):
    return [[1.0, r, 0.0], [r, 1.0, 0.0], [0.0, 0.0, 0.0]]


rows = []
widths = [1e-3, 1e-6, 1e-9, 1e-12]

# --- d = 2, narrow boxes: one coordinate narrow, in the centre and in tails.
for rho in [-0.9, -0.5, 0.0, 0.3, 0.8, 0.99]:
    for w in widths:
        # centre
        rows.append(("narrow2-centre", 2, corr2(rho), [0.2, -1.0, 0], [0.2 + w, 0.5, 0]))
        rows.append(("narrow2-centre", 2, corr2(rho), [-0.5, -INF, 0], [-0.5 + w, 0.3, 0]))
        # both narrow
        rows.append(("narrow2-centre", 2, corr2(rho), [0.1, -0.3, 0], [0.1 + w, -0.3 + w, 0]))
        # tails: moderate (P ~ 1e-13) and deep (P down to 1e-300 and below)
        rows.append(("narrow2-tail", 2, corr2(rho), [5.0, 4.0, 0], [5.0 + w, INF, 0]))
        rows.append(("narrow2-tail", 2, corr2(rho), [-6.0, 3.0, 0], [-6.0 + w, 5.0, 0]))
        rows.append(("narrow2-tail", 2, corr2(rho), [12.0, 10.0, 0], [12.0 + w, 14.0, 0]))
        rows.append(("narrow2-tail", 2, corr2(rho), [-30.0, -INF, 0], [-30.0 + w, -25.0, 0]))
        rows.append(("narrow2-tail", 2, corr2(rho), [20.0, 20.0, 0], [20.0 + w, 20.0 + w, 0]))

# --- d = 2, near-singular and singular correlations.
for k in range(1, 17):
    for sign in (1.0, -1.0):
        rho = sign * (1.0 - 10.0 ** (-k))
        rows.append(("rho2-orthant", 2, corr2(rho), [-INF, -INF, 0], [0.0, 0.0, 0]))
        rows.append(("rho2-orthant", 2, corr2(rho), [-INF, -INF, 0], [0.7, -0.4 * sign, 0]))
        rows.append(("rho2-orthant", 2, corr2(rho), [3.0, 2.5 if sign > 0 else -INF, 0], [INF, INF if sign > 0 else -2.5, 0]))
        rows.append(("rho2-box", 2, corr2(rho), [-0.5, -1.0, 0], [1.0, 0.25, 0]))
        rows.append(("rho2-box", 2, corr2(rho), [4.0, 4.0 * sign, 0], [4.5, 4.5 * sign + 1e-3, 0]) if sign > 0
                    else ("rho2-box", 2, corr2(rho), [4.0, -4.5, 0], [4.5, -4.0, 0]))
for c in ([[1.0, 1.0, 0], [1.0, 1.0, 0], [0, 0, 0]], [[2.0, 2.0, 0], [2.0, 2.0, 0], [0, 0, 0]],
          [[4.0, -2.0, 0], [-2.0, 1.0, 0], [0, 0, 0]], [[0.1, 0.1, 0], [0.1, 0.1, 0], [0, 0, 0]]):
    for lo, hi in (([-INF, -INF], [0.0, 0.0]), ([-INF, -INF], [0.3, 0.1]), ([0.5, -1.0], [2.0, 0.75]),
                   ([3.0, -INF], [INF, 1.8]), ([-1.0, 0.0], [1.0, 1e-6])):
        rows.append(("singular2", 2, c, lo + [0], hi + [0]))

# --- d = 3, narrow boxes.
mats = [corr3(0.5, 0.3, 0.2), corr3(-0.4, 0.3, -0.3), corr3(0.9, 0.8, 0.7)]
for r in mats:
    for w in widths:
        rows.append(("narrow3-centre", 3, r, [0.2, -1.0, -INF], [0.2 + w, 0.5, 0.8]))
        rows.append(("narrow3-centre", 3, r, [0.1, -0.3, 0.4], [0.1 + w, -0.3 + w, 0.4 + w]))
        rows.append(("narrow3-tail", 3, r, [5.0, 4.0, 3.0], [5.0 + w, INF, INF]))
        rows.append(("narrow3-tail", 3, r, [16.0, 12.0, -INF], [16.0 + w, 30.0, 10.0]))

# --- d = 3, near-singular correlations (k = 1..3 here: the nested reference is slow there, each
# row taking minutes; k up to 16 is checked in the test against the closed-form orthant at 0).
for k in range(1, 4):
    r = 1.0 - 10.0 ** (-k)
    for mat in (corr3(r, 0.5, 0.5), corr3(-r, 0.5, -0.5)):
        rows.append(("rho3-orthant", 3, mat, [-INF] * 3, [0.7, -0.2, 1.1]))
        rows.append(("rho3-box", 3, mat, [-0.5, -1.0, -0.2], [1.0, 0.25, 2.0]))
    rows.append(("rho3-orthant", 3, corr3(r, 0.5, 0.5), [2.5, 2.5, 1.0], [INF, INF, INF]))

# --- d = 3, singular covariances (rank 2 and rank 1).
sing3 = [
    [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 2.0]],  # X3 = X1 + X2
    [[1.0, 0.5, 1.5], [0.5, 1.0, 1.5], [1.5, 1.5, 3.0]],  # X3 = X1 + X2, r12 = 0.5
    [[2.0, 1.0, -1.0], [1.0, 1.0, 0.0], [-1.0, 0.0, 1.0]],  # X1 = X2 - X3
    [[1.0, 1.0, 0.3], [1.0, 1.0, 0.3], [0.3, 0.3, 1.0]],  # X2 = X1
    [[1.0, -1.0, 0.5], [-1.0, 1.0, -0.5], [0.5, -0.5, 1.0]],  # X2 = -X1
    [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]],  # rank 1
    [[4.0, 2.0, -6.0], [2.0, 1.0, -3.0], [-6.0, -3.0, 9.0]],  # rank 1: 2Z, Z, -3Z
]
for c in sing3:
    for lo, hi in (([-INF] * 3, [0.0, 0.0, 0.0]), ([-INF] * 3, [0.5, -0.2, 1.0]), ([-1.0, -0.5, -2.0], [1.0, 2.0, 0.5]),
                   ([1.0, -INF, -INF], [INF, 1.5, 2.5]), ([0.0, 0.0, -1.0], [0.5, 0.25, 1.0])):
        rows.append(("singular3", 3, c, lo, hi))



def compute(item):
    index, (cls, d, c, lo, hi) = item
    c = [[dbl(x) for x in row] for row in c]
    lo = [dbl(x) for x in lo]
    hi = [dbl(x) for x in hi]
    # The second route on every third row and on every singular or near-singular d = 3 row.
    check = d == 2 or index % 3 == 0 or cls.startswith("singular") or cls.startswith("rho3")
    try:
        lnp, diff = reference(d, c, lo, hi, check)
    except ValueError as e:
        return None, f"skipped {cls} {c} {lo} {hi}: {e}", 0
    p = mp.exp(lnp)
    cov = [c[0][0], c[0][1], c[0][2], c[1][1], c[1][2], c[2][2]]
    lim = [lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]]
    fields = [cls, str(d)] + [fmt(x) for x in cov + lim] + [mp.nstr(p, 30), mp.nstr(lnp, 30)]
    return ",".join(fields), None, diff / max(1, abs(lnp))


if __name__ == "__main__":
    from multiprocessing import Pool

    print("class,d,c11,c12,c13,c22,c23,c33,a1,b1,a2,b2,a3,b3,P,lnP")
    worst = mp.mpf(0)
    # `--classes A,B` computes only the rows of those classes (to regenerate part of the table).
    selected = list(enumerate(rows))
    if len(sys.argv) > 2 and sys.argv[1] == "--classes":
        wanted = sys.argv[2].split(",")
        selected = [item for item in selected if item[1][0] in wanted]
    with Pool(2) as pool:
        for line, message, diff in pool.imap(compute, selected):
            if line is None:
                print(message, file=sys.stderr)
                continue
            worst = max(worst, diff)
            print(line, flush=True)
    print(f"largest difference between the two routes (ln P, relative): {mp.nstr(worst, 3)}", file=sys.stderr)
