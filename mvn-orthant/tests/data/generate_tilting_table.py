#!/usr/bin/env python3
"""Reference values for the rare-event tests: equicorrelated orthant tails.

    python3 generate_tilting_table.py > tilting_reference.csv

Row: d, rho, c, log10_p, p — for P(X_i >= c for all i), X ~ N(0, R) with R equicorrelated
(unit variances, correlation rho >= 0). Conditioning on the common factor T ~ N(0, 1),
X_i = sqrt(rho) T + sqrt(1 - rho) E_i, so P = int phi(t) Q((c - sqrt(rho) t)/sqrt(1 - rho))^d dt,
computed with mpmath quad at 40 digits (the integrand is split at its peak).
"""
from mpmath import mp, mpf, sqrt, erfc, exp, pi, quad, log10, inf, findroot, diff, log

mp.dps = 40


def upper(x):
    return erfc(x / sqrt(2)) / 2


def prob(d, rho, c):
    rho, c = mpf(rho), mpf(c)
    s, q = sqrt(rho), sqrt(1 - rho)
    f = lambda t: exp(-t * t / 2) / sqrt(2 * pi) * upper((c - s * t) / q) ** d
    g = lambda t: -t * t / 2 + d * log(upper((c - s * t) / q))
    peak = findroot(lambda t: diff(g, t), c * s * d / (1 + rho * (d - 1)) + 1)
    pts = [-inf] + [peak + k for k in range(-12, 13)] + [inf]
    return quad(f, pts)


cases = [(20, 0.5, 3.0), (2, 0.5, 4.0), (3, 0.5, 4.0), (5, 0.5, 3.0), (10, 0.2, 2.5), (10, 0.5, 5.0),
         (30, 0.5, 4.0), (50, 0.5, 3.0), (50, 0.8, 6.0), (100, 0.5, 4.0), (20, 0.9, 8.0), (5, 0.0, 4.0),
         (3, 0.0, 12.0), (4, 0.5, 10.0), (20, 0.5, 10.0), (50, 0.5, 8.0), (8, 0.3, 9.0)]
print("d,rho,c,log10_p,p")
for d, rho, c in cases:
    p = prob(d, rho, c)
    print(f"{d},{rho},{c},{mp.nstr(log10(p), 20)},{mp.nstr(p, 30)}")
