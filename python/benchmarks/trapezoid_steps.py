"""The error of the peak-centred trapezoid rule on EXACT integrands, by step (a report, not a test).

For logits as in ``speed.py`` (N(0, 2^2), the true class raised by 3, sigma = 1) the expected
accuracy is A = integral of phi(z) prod_i Phi(z + d_i) dz. This script locates the peak z* of the
log-integrand g, its curvature radius sigma = 1/sqrt(-g''(z*)), and evaluates the trapezoid rule
with nodes z* + j h over +-14 (wide enough for every example here) at h = sigma, sigma/2,
sigma/4 and sigma/8, printing the relative error of each against h = sigma/16. It is the
measurement behind ``docs/performance.md`` section 15: the error squares when h halves (the
e^(-c/h) behaviour the three-level acceptance of ``log_concave_trapezoid.rs`` assumes), so the
library's initial step sigma/4 cannot be doubled. SciPy's ``log_ndtr`` in doubles, so errors
below about 1e-15 are rounding.

    python python/benchmarks/trapezoid_steps.py [--examples 20]
"""

import argparse

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr


def log_integrand(z, d):
    z = np.atleast_1d(z)
    return -0.5 * z * z - 0.5 * np.log(2 * np.pi) + log_ndtr(z[:, None] + d[None, :]).sum(axis=1)


def trapezoid_errors(d):
    grid = np.linspace(-15, 15, 3001)
    k = int(np.argmax(log_integrand(grid, d)))
    slope = lambda z: (log_integrand(z + 1e-6, d) - log_integrand(z - 1e-6, d))[0]
    peak = brentq(slope, grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)])
    g_peak = log_integrand(peak, d)[0]
    eps = 1e-4
    curvature = (log_integrand(peak + eps, d)[0] - 2 * g_peak + log_integrand(peak - eps, d)[0]) / eps**2
    sigma = 1 / np.sqrt(-curvature)
    values = {}
    for fraction in (1.0, 0.5, 0.25, 0.125, 0.0625):
        h = fraction * sigma
        j = np.arange(-int(14 / h) - 1, int(14 / h) + 2)
        values[fraction] = h * np.exp(log_integrand(peak + j * h, d) - g_peak).sum()
    reference = values[0.0625]
    return sigma, {f: abs(v - reference) / reference for f, v in values.items() if f > 0.1}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    for classes in (10, 100, 1000):
        worst = {}
        for example in range(args.examples):
            logits = 2 * rng.standard_normal(classes)
            label = example % classes
            logits[label] += 3
            d = logits[label] - np.delete(logits, label)
            sigma, errors = trapezoid_errors(d)
            for f, e in errors.items():
                lo, hi = worst.get(f, (np.inf, 0.0))
                worst[f] = (min(lo, e), max(hi, e))
        print(f"C = {classes}: " + ", ".join(
            f"step sigma/{round(1 / f)}: {lo:.1e} to {hi:.1e}" for f, (lo, hi) in sorted(worst.items(), reverse=True)))


if __name__ == "__main__":
    main()
