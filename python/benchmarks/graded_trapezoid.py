"""Node counts of the graded trapezoid rule against the constant step (a report, not a test).

An emulation in doubles of ``mvn-orthant/src/quadrature/log_concave_trapezoid.rs`` on the integrands
it was tuned on: EXACT examples as in ``speed.py`` (N(0, 2^2) logits, the true class raised by 3,
sigma = 1) at C = 10, 100, 1000, two confident ones (A close to 1), the one-factor orthants with
distinct loadings of ``benches``' speed probe (d = 10, 100, 1000), and the lopsided closed form
integral of phi(t) Phi(t)^m dt = 1/(m + 1) up to m = 10^4. For each it prints the nodes of the
constant step sigma/4 and of the graded map (the step sigma h near the peak, widening smoothly to
r sigma h in a tail, r the curvature radius at t* +- K sigma over sigma), whether the three-level
check accepted the first step, its disagreement a = |T_h - T_2h| / T_h, and the error against the
rule of step sigma/16. ``docs/performance.md`` section 16 quotes it; the parameters are the
library's (onset 1, width 1, largest stretch 3, probe 5), and others can be tried:

    python python/benchmarks/graded_trapezoid.py [--onset 1] [--width 1] [--max-stretch 3] [--probe 5]
"""

import argparse

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, log_ndtr

WINDOW = 42.0


def exact_integrand(d):
    return lambda z: -0.5 * z * z - 0.5 * np.log(2 * np.pi) + log_ndtr(z[:, None] + d[None, :]).sum(axis=1)


def one_factor_integrand(c):
    return lambda z: -0.5 * z * z - 0.5 * np.log(2 * np.pi) + log_ndtr(-z[:, None] * c[None, :]).sum(axis=1)


def power_integrand(m):
    return lambda z: -0.5 * z * z - 0.5 * np.log(2 * np.pi) + m * log_ndtr(z)


def peak_of(g):
    grid = np.linspace(-15, 15, 3001)
    k = int(np.argmax(g(grid)))
    slope = lambda z: (g(np.array([z + 1e-6])) - g(np.array([z - 1e-6])))[0]
    peak = brentq(slope, grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)])
    return peak, g(np.array([peak]))[0], 1 / np.sqrt(-curvature(g, peak))


def curvature(g, t, e=1e-4):
    return (g(np.array([t + e]))[0] - 2 * g(np.array([t]))[0] + g(np.array([t - e]))[0]) / e**2


def accepted(a, b):
    estimate = a * a * max(a / (b * b), 1.0) if b > 0 else a * a
    return a <= 1e-14 or (a < b and 100 * estimate <= 1e-14)


def trapezoid(g, peak, g_peak, offset, weight, h=0.25):
    """The rule in u (nodes offset(j h), weights weight(j h)), marched until g dropped by WINDOW,
    halved until the check accepts (twice at most): (value, nodes, halvings, first a)."""
    first = None
    for halvings in range(3):
        js, vs = [0], [g(np.array([peak]))[0] - g_peak + np.log(weight(0.0))]
        for sign in (-1, 1):
            j = 0
            while True:
                j += 1
                u = sign * j * h
                gu = g(np.array([peak + offset(u)]))[0] - g_peak
                js.append(sign * j)
                vs.append(gu + np.log(weight(u)))
                if gu < -WINDOW:
                    break
        js, e = np.array(js), np.exp(np.array(vs))
        fine, coarse, quarter = e.sum(), e[js % 2 == 0].sum(), e[js % 4 == 0].sum()
        a, b = abs(fine - 2 * coarse) / fine, abs(2 * coarse - 4 * quarter) / fine
        first = a if first is None else first
        if accepted(a, b):
            break
        h /= 2
    return h * fine, len(js), halvings, first


def softplus(x):
    return np.logaddexp(0.0, x)


def cases():
    rng = np.random.default_rng(1)
    for classes in (10, 100, 1000):
        for example in range(8):
            logits = 2 * rng.standard_normal(classes)
            label = example % classes
            logits[label] += 3
            yield f"EXACT C = {classes}", exact_integrand(logits[label] - np.delete(logits, label))
    for classes in (100, 999):
        logits = rng.standard_normal(classes + 1)
        logits[0] += 9
        yield f"EXACT confident C = {classes}", exact_integrand(logits[0] - logits[1:])
    for d in (10, 100, 1000):
        loading = np.sqrt(0.5) * (0.8 + 0.4 * np.arange(d) / d)
        yield f"one-factor distinct d = {d}", one_factor_integrand(loading / np.sqrt(1 - loading**2))
    for m in (10, 100, 1000, 10000):
        yield f"phi Phi^m, m = {m}", power_integrand(m)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onset", type=float, default=1.0)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--max-stretch", type=float, default=3.0)
    parser.add_argument("--probe", type=float, default=5.0)
    args = parser.parse_args()
    u0, w = args.onset, args.width
    totals = [0, 0]
    for name, g in cases():
        peak, g_peak, sigma = peak_of(g)
        j = np.arange(-int(20 * 16 / sigma) - 1, int(20 * 16 / sigma) + 2)
        reference = sigma / 16 * np.exp(g(peak + j * sigma / 16) - g_peak).sum()
        stretch = []
        for sign in (-1, 1):
            r = 1 / (sigma * np.sqrt(-curvature(g, peak + sign * args.probe * sigma)))
            stretch.append(min(r, args.max_stretch) - 1 if r - 1 >= 0.1 else 0.0)
        left, right = stretch
        sp0 = softplus(-u0 / w)
        offset = lambda u: sigma * (
            u + right * w * (softplus((u - u0) / w) - sp0) - left * w * (softplus((-u - u0) / w) - sp0)
        )
        weight = lambda u: 1 + right * expit((u - u0) / w) + left * expit((-u - u0) / w)
        constant = trapezoid(g, peak, g_peak, lambda u: sigma * u, lambda u: 1.0)
        graded = trapezoid(g, peak, g_peak, offset, weight)
        totals[0] += constant[1]
        totals[1] += graded[1]
        error = abs(sigma * graded[0] - reference) / reference
        print(
            f"{name:28s} r = ({1 + left:.2f}, {1 + right:.2f}): nodes {constant[1]:3d} -> {graded[1]:3d}"
            f" (halvings {constant[2]} -> {graded[2]}), first a {graded[3]:.1e}, error {error:.1e}"
        )
    print(f"all: {totals[0]} -> {totals[1]} nodes")


if __name__ == "__main__":
    main()
