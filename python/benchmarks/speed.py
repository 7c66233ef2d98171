"""Timings against SciPy and NumPy (a report, not a test).

1. A batch of N bivariate and N trivariate rectangle probabilities (default N = 10,000: random
   correlations, means and boxes, some limits infinite) with ``mvn_orthant.multivariate_normal.cdf``
   (one call per batch; ``method="auto"``, exact for d <= 3, and ``method="genz"``, randomised
   QMC to the requested accuracy like SciPy) and with SciPy's ``multivariate_normal.cdf`` (one
   call per batch too; SciPy loops over the points in Python), all at the defaults (abseps =
   releps = 1e-5). The
   achieved error of each is measured against an independent reference on a subsample: SciPy's
   own integrator at abseps = 1e-8 (its bivariate method is Genz's BVN, accurate to ~1e-15; for
   d = 3 its randomised QMC, to about 1e-8), so neither side is judged by its own output.
2. ``mvn_orthant.exact.expected_accuracy`` with gradients at B = 256, C = 1000 (quadrature),
   against a NumPy cross-entropy with its gradient (softmax minus one-hot) on the same logits;
   and the same batch made confident (the true class 0.2 above every other, sigma = 0.01), as
   late in training, where the accuracies come from the complement 1 - A; ``--classes`` gives
   other numbers of classes (e.g. ``--classes 10 100 1000``).

Each timing is the best of ``--repeats`` runs (wall clock; the machine's other load shows). The
EXACT ratio is also given from five paired rounds (in each, the two timings as above, one right
after the other), as the median and range of the rounds' ratios: a drift of the machine's speed
between the separate timings does not enter it.

    python python/benchmarks/speed.py [--points 10000] [--repeats 1] [--reference-points 300] [--exact-only]
        [--classes 1000 ...]
"""

import argparse
import os
import time

import numpy as np
from scipy import stats

from mvn_orthant import multivariate_normal as mvn
from mvn_orthant.exact import expected_accuracy


def best_of(repeats, f):
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def problems(d, n, seed):
    """One correlation matrix per dimension (SciPy and we take one covariance per call) and n
    random boxes around a random mean; about 10% of the limits infinite."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(d, d))
    s = a @ a.T + 0.5 * np.eye(d)
    sd = np.sqrt(np.diag(s))
    cov = s / np.outer(sd, sd)
    mean = rng.normal(size=d) * 0.3
    upper = rng.normal(size=(n, d)) * 1.5
    lower = upper - rng.uniform(0.2, 3.0, size=(n, d))
    upper[rng.random((n, d)) < 0.1] = np.inf
    lower[rng.random((n, d)) < 0.1] = -np.inf
    return mean, cov, lower, upper


def rectangle_timings(n, repeats, reference_points):
    print(f"1. rectangle probabilities, {n} points per dimension, abseps = releps = 1e-5 (defaults)")
    for d in (2, 3):
        mean, cov, lower, upper = problems(d, n, seed=d)
        t_scipy, theirs = best_of(1, lambda: stats.multivariate_normal.cdf(
            upper, mean=mean, cov=cov, lower_limit=lower, rng=np.random.default_rng(1)))
        idx = np.random.default_rng(0).choice(n, size=min(reference_points, n), replace=False)
        reference = stats.multivariate_normal.cdf(upper[idx], mean=mean, cov=cov, lower_limit=lower[idx],
                                                  abseps=1e-8, releps=0, maxpts=2_000_000 * d,
                                                  rng=np.random.default_rng(2))
        rows = [("SciPy", t_scipy, theirs)]
        for method in ("auto", "genz"):
            t, ours = best_of(repeats, lambda: mvn.cdf(upper, mean=mean, cov=cov, lower_limit=lower, rng=1,
                                                       method=method))
            rows.append((f"mvn_orthant {method}", t, ours))
        print(f"   d = {d} (max |error| on {len(idx)} points against SciPy at abseps 1e-8):")
        for name, t, values in rows:
            err = np.abs(values[idx] - reference).max()
            print(f"     {name:<20} {t:9.3f} s {n / t:10.0f} points/s  {t_scipy / t:6.1f}x SciPy's speed"
                  f"   max |error| {err:.1e}", flush=True)


def cross_entropy_with_gradient(logits, labels):
    """Mean cross-entropy and its gradient (softmax - one-hot)/B, in NumPy."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    b = np.arange(len(labels))
    loss = np.mean(np.log(s[:, 0]) - z[b, labels])
    grad = e / s
    grad[b, labels] -= 1.0
    return loss, grad / len(labels)


def exact_timings(repeats, batch=256, classes=1000):
    print(f"2. EXACT expected accuracy with gradients, B = {batch}, C = {classes}")
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(batch, classes)) * 2.0
    labels = rng.integers(0, classes, size=batch)
    logits[np.arange(batch), labels] += 3.0  # a partly trained classifier
    t_exact, (a, g, gs) = best_of(repeats, lambda: expected_accuracy(logits, labels, 1.0, return_grad=True))
    t_ce, _ = best_of(max(repeats, 10), lambda: cross_entropy_with_gradient(logits, labels))
    few = 8  # Genz's pathwise gradient costs O(C^2) per sample at C = 1000: time a few examples
    t_genz, _ = best_of(1, lambda: expected_accuracy(logits[:few], labels[:few], 1.0, method="genz", samples=16,
                                                     seed=1, return_grad=True))
    t_genz *= batch / few
    # Late in training most examples are classified with confidence: A rounds to 1 and the
    # quadrature integrates 1 - A and the gradient directly (the complement path).
    confident = logits.copy()
    confident[np.arange(batch), labels] = logits.max(axis=1) + 0.2
    t_confident, _ = best_of(repeats, lambda: expected_accuracy(confident, labels, 0.01, return_grad=True))
    print(f"   expected_accuracy (quadrature, exact)   {t_exact * 1e3:9.2f} ms "
          f"({t_exact / batch * 1e6:.1f} us per example; mean accuracy {a.mean():.4f})")
    print(f"   the same, confident examples (sigma = 0.01, the true class 0.2 above the others) "
          f"{t_confident * 1e3:.2f} ms")
    print(f"   expected_accuracy (genz, 16 samples)    {t_genz * 1e3:9.2f} ms   (from {few} examples, x {batch // few})")
    print(f"   NumPy cross-entropy with gradient       {t_ce * 1e3:9.2f} ms   "
          f"(quadrature / cross-entropy: {t_exact / t_ce:.1f}x)")
    # The ratio again from paired rounds, each timing both as above (the best of `repeats`
    # quadratures, then the best of ten cross-entropies) right after each other, so that a drift
    # of the machine's speed between the two timings does not enter the ratio; the median and
    # range of the rounds' ratios.
    ratios = []
    for _ in range(5):
        t_q, _ = best_of(repeats, lambda: expected_accuracy(logits, labels, 1.0, return_grad=True))
        t_c, _ = best_of(max(repeats, 10), lambda: cross_entropy_with_gradient(logits, labels))
        ratios.append(t_q / t_c)
    ratios.sort()
    print(f"   paired rounds ({len(ratios)}): quadrature / cross-entropy median {np.median(ratios):.1f}x, "
          f"range {ratios[0]:.1f}-{ratios[-1]:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--reference-points", type=int, default=300)
    parser.add_argument("--exact-only", action="store_true", help="only the EXACT timings")
    parser.add_argument("--classes", type=int, nargs="+", default=[1000],
                        help="numbers of classes of the EXACT timings (default 1000)")
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}")
    if not args.exact_only:
        rectangle_timings(args.points, args.repeats, args.reference_points)
    for classes in args.classes:
        exact_timings(args.repeats, classes=classes)


if __name__ == "__main__":
    main()
