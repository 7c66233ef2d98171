#!/usr/bin/env python3
"""Generate normal_reference.csv: the standard normal functions at 40 significant digits.

Run from this directory with mpmath installed (pip install mpmath):

    python3 generate_normal_table.py > normal_reference.csv

Each row is `function,argument,value`. The argument is written with repr() of a Python float,
so it round-trips exactly to the f64 the Rust test evaluates; the value is the mpmath result for
that exact binary argument at 50 digits of working precision, printed with 40 significant digits.
"""
import math
import random
from mpmath import mp, mpf, erfc, sqrt, log, log1p, exp, pi, erfinv, quad

mp.dps = 60


def phi_cdf(x):
    return erfc(-mpf(x) / sqrt(2)) / 2


def log_phi_cdf(x):
    # For x > 0, ln(1 - Q(x)) through log1p keeps relative accuracy when Q(x) is tiny.
    if x > 0:
        return log1p(-phi_cdf(-x))
    return log(phi_cdf(x))


def inv_cdf(p):
    p = mpf(p)
    # Bracket with the erfinv identity, then polish with Newton at high precision.
    if p < mpf("1e-15") or p > 1 - mpf("1e-15"):
        t = p if p < 0.5 else 1 - p
        x = -sqrt(2) * erfinv(1 - 2 * t) if t > mpf("1e-300") else mpf(0)
        # Start from the asymptotic approximation and iterate Newton on log Phi.
        r = sqrt(-2 * log(t))
        x = -(r - (log(r * r) + log(2 * pi)) / (2 * r))
        for _ in range(100):
            f = log(phi_cdf(x)) - log(t)
            dens = exp(-x * x / 2) / sqrt(2 * pi)
            step = f / (dens / phi_cdf(x))
            x -= step
            if abs(step) < mpf("1e-45"):
                break
        return x if p < 0.5 else -x
    return sqrt(2) * erfinv(2 * p - 1)


def fmt(v):
    return mp.nstr(v, 40, min_fixed=0, max_fixed=0) if v != 0 else "0"


rows = []
# Phi and Q on a dense grid and at awkward points.
xs = [i / 8 for i in range(-304, 305)] + [-37.5, -37.9, -38.0, 37.9, 38.0, 1e-300, -1e-300, 1e-8, -1e-8,
      0.5, -0.5, 0.70710678118654757, -0.70710678118654757, 5.0e-3, -5.0e-3]
for k in range(200):
    xs.append(-38.0 * (k + 0.5) / 200.0 * 1.000001)
for x in sorted(set(xs)):
    rows.append(("cdf", repr(float(x)), fmt(phi_cdf(x))))
    rows.append(("upper_tail", repr(float(x)), fmt(phi_cdf(-x))))

# log Phi for all finite x, including where Phi underflows.
lxs = sorted(set([i / 4 for i in range(-160, 60)] + [-40.0, -50.0, -100.0, -1e3, -1e4, -1e5, -1e7, -1e10,
                   -37.99, -20.0, -20.000001, -19.999999, 5.0, 8.0, 9.0]))
for x in lxs:
    rows.append(("log_cdf", repr(float(x)), fmt(log_phi_cdf(x))))

# ln Phi and phi/Phi at random doubles over (-60, 20) (the piecewise table of
# src/mills_ratio/log_cdf_table.rs covers (-51, 12]; its piece widths change at 11, 9, 5, -3 and
# -19) and next to those edges.
rng = random.Random(20261201)
dense = [rng.uniform(-60.0, 20.0) for _ in range(2000)]
for edge in (12.0, 11.0, 9.0, 5.0, -3.0, -19.0, -51.0):
    dense += [edge, math.nextafter(edge, -math.inf), math.nextafter(edge, math.inf), edge - 1e-9, edge + 1e-9]
for x in sorted(set(dense)):
    rows.append(("log_cdf", repr(float(x)), fmt(log_phi_cdf(x))))
    rows.append(("inverse_mills", repr(float(x)), fmt(exp(-mpf(x) ** 2 / 2) / sqrt(2 * pi) / phi_cdf(x))))

# Inverse: p from 1e-300 to 1 - 1e-16, and a fine grid near 1/2.
ps = []
for e in range(-300, 0):
    for m in (1.0, 3.0):
        p = m * 10.0 ** e
        if p < 1.0:
            ps.append(p)
ps += [i / 1000 for i in range(1, 1000)]
ps += [0.5 + k * 1e-4 for k in range(-40, 41)]
ps += [0.5 + k * 1e-15 for k in range(-20, 21)]
ps += [1.0 - 10.0 ** (-k) for k in range(1, 17)]
ps += [0.075, 0.925, 0.07499999999999999, 0.9250000000000002]
for p in sorted(set(ps)):
    if 0 < p < 1 and p != 0.5:
        rows.append(("inverse_cdf", repr(float(p)), fmt(inv_cdf(p))))

def interval(a, b):
    # A difference of erfc values at 700 digits: exact in relative terms even for intervals of
    # width 1e-300 near 0 and for tails down to 1e-400000 (mpmath's quad is not reliable at the
    # 1e-15 relative level when the integrand is of order e^-450).
    if b <= 0:
        a, b = -b, -a  # mirror into the upper tail, where erfc keeps the small values
    with mp.workdps(700):
        a, b = mpf(a), mpf(b)
        v = (erfc(a / sqrt(2)) - erfc(b / sqrt(2))) / 2
    return +v


# Interval probabilities Phi(b) - Phi(a): narrow, tail, straddling; argument written "a:b".
pairs = [(-1e-10, 1e-10), (0.0, 1e-12), (10.0, 10.000001), (-10.000001, -10.0), (5.0, 5.05), (5.0, 6.0),
         (30.0, 30.001), (30.0, 31.0), (-0.01, 0.3), (-30.0, 0.1), (-3.0, 4.0), (1.0, 2.0), (-2.0, -1.0),
         (0.2, 0.45), (8.0, 9.0), (38.0, 38.5), (-38.5, -38.0), (0.0, 37.0), (2.0, 1e10), (-7.5, -7.49),
         (1e-300, 1e-299), (3.0, 3.0000000001), (-1.0, 1.0), (0.5, 0.7), (-0.7, -0.5)]
for a, b in pairs:
    v = interval(a, b)
    rows.append(("interval_probability", repr(float(a)) + ":" + repr(float(b)), fmt(v)))
for a, b in pairs + [(40.0, 41.0), (100.0, 100.5), (-200.0, -199.0), (45.0, 45.0001), (1000.0, 1000.0000001)]:
    v = log(interval(a, b))
    rows.append(("log_interval_probability", repr(float(a)) + ":" + repr(float(b)), fmt(v)))

print("function,argument,value")
for r in rows:
    print(",".join(r))
