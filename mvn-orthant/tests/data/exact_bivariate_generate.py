#!/usr/bin/env python3
"""Reference table for the bivariate normal methods (tests/exact_bivariate.rs).

Every probability is an integral of positive terms evaluated with mpmath at 40 digits:

  orthant rows  P(X <= h, Y <= k)     = int_{-inf}^{h} phi(x) Phi((k - rho x)/s) dx,  s = sqrt(1 - rho^2)
  box rows      P(a1<=X<=b1, a2<=Y<=b2) = int_{a1}^{b1} phi(x) [Phi((b2 - rho x)/s) - Phi((a2 - rho x)/s)] dx

(X, Y standard with correlation rho; every input is first rounded to the nearest double, the value
the library receives, so the table is exact for the library's actual inputs). The integration range is cut where the log-integrand has
dropped 110 nats below its maximum on a grid, and split at many breakpoints (a 0.5 grid plus points
around the cliff x = k/rho whose width is s), so that tanh-sinh sees smooth pieces.
Output columns: kind,a1,b1,a2,b2,rho,P,lnP (orthant rows have a1 = a2 = -inf).
Run: python3 exact_bivariate_generate.py > exact_bivariate.csv
"""
import mpmath as mp

mp.mp.dps = 40


def log_integrand(x, a2, b2, rho):
    s = mp.sqrt((1 - rho) * (1 + rho))
    lo = (a2 - rho * x) / s if a2 != -mp.inf else -mp.inf
    hi = (b2 - rho * x) / s if b2 != mp.inf else mp.inf
    if hi <= 0:
        p = mp.ncdf(hi) - mp.ncdf(lo)
    else:
        p = mp.ncdf(-lo) - mp.ncdf(-hi)
    if p <= 0:
        return -mp.inf
    return -x * x / 2 - mp.log(mp.sqrt(2 * mp.pi)) + mp.log(p)


def probability(a1, b1, a2, b2, rho):
    # The library sees the inputs rounded to doubles: use exactly those values.
    rho = mp.mpf(float(rho))
    a1, b1, a2, b2 = (mp.mpf(float(x)) for x in (a1, b1, a2, b2))
    s = mp.sqrt((1 - rho) * (1 + rho))
    left = a1 if a1 != -mp.inf else mp.mpf(-140)
    right = b1 if b1 != mp.inf else mp.mpf(140)
    n = int((right - left) / mp.mpf("0.05")) + 1
    grid = [left + (right - left) * i / n for i in range(n + 1)]
    vals = [log_integrand(x, a2, b2, rho) for x in grid]
    top = max(vals)
    keep = [x for x, v in zip(grid, vals) if v > top - 110]
    lo = max(left, keep[0] - mp.mpf("0.05")) if keep[0] > left else left
    hi = min(right, keep[-1] + mp.mpf("0.05")) if keep[-1] < right else right
    pts = set([lo, hi])
    x = lo
    while x < hi:
        pts.add(x)
        x += mp.mpf("0.5")
    if rho != 0:
        for lim in (a2, b2):
            if lim in (-mp.inf, mp.inf):
                continue
            c = lim / rho
            for m in (0, 0.25, 0.5, 1, 2, 4, 8, 16):
                for sg in (-1, 1):
                    p = c + sg * m * s
                    if lo < p < hi:
                        pts.add(p)
    pts = sorted(pts)

    def f(x):
        return mp.exp(log_integrand(x, a2, b2, rho) - top)

    integral = mp.quad(f, pts)
    lnp = top + mp.log(integral)
    return mp.exp(lnp), lnp


def fmt(x):
    if x == mp.inf:
        return "inf"
    if x == -mp.inf:
        return "-inf"
    return mp.nstr(mp.mpf(x), 17)


rows = []
rhos = ["-0.999", "-0.9", "-0.5", "0", "0.3", "0.5", "0.9", "0.95", "0.999"]
pairs = [(-37, -37), (-30, -2), (-20, -20), (-12, -9), (-8, -8), (-5, 3), (-3, -4), (-2, 0.5),
         (-1, -1), (0, 0), (0.5, -0.7), (1, 2), (2, -3), (3, 3), (4, -4.5), (6, 7), (8, -8.5),
         (-6, 6), (10, -10), (-25, 24), (15, 12)]
for h, k in pairs:
    for r in rhos:
        rows.append(("orthant", -mp.inf, mp.mpf(h), -mp.inf, mp.mpf(k), r))
# probabilities below the double range (log checks)
for h, k, r in [(-30, -30, "-0.5"), (-30, -30, "0.5"), (-40, -10, "0.3"), (-25, -25, "-0.95"), (20, -35, "0.9")]:
    rows.append(("orthant", -mp.inf, mp.mpf(h), -mp.inf, mp.mpf(k), r))
boxes = [(-1, 1, -1, 1), (0, 2, -0.5, 0.5), (3, 4, 3, 5), (5, 6, -6, -5), (-10, -9, -10, -9.5),
         (20, 21, 20, 20.5), (-2, 7, 3, 3.1), (0.1, 0.2, 0.1, 0.2), (-8, 8, 4, mp.inf), (6, mp.inf, -mp.inf, -6)]
for a1, b1, a2, b2 in boxes:
    for r in ["-0.999", "-0.6", "0", "0.6", "0.999"]:
        rows.append(("box", mp.mpf(a1), mp.mpf(b1), mp.mpf(a2), mp.mpf(b2), r))

print("kind,a1,b1,a2,b2,rho,P,lnP")
for kind, a1, b1, a2, b2, r in rows:
    p, lnp = probability(a1, b1, a2, b2, r)
    print(f"{kind},{fmt(a1)},{fmt(b1)},{fmt(a2)},{fmt(b2)},{r},{mp.nstr(p, 30)},{mp.nstr(lnp, 30)}", flush=True)
