#!/usr/bin/env python3
"""SciPy's `multivariate_normal.cdf` (and `multivariate_t.cdf`) as an integrator for `orthant validate`.

    orthant validate --command "python3 validation/adapters/scipy_adapter.py" --name scipy

Reads one request a line on stdin (the `orthant suite` / `orthant eval` input format: `id`,
`covariance`, `mean`, `lower`, `upper`, with "inf"/"-inf" for infinite limits; other fields are
ignored) and writes one answer a line on stdout, flushed:
{"id": ..., "value": P, "seconds": t, "method": "scipy-<version>"}.

A request with `df` (a multivariate Student t: `covariance` is the scale matrix, `mean` the
location) is answered by `scipy.stats.multivariate_t.cdf(upper, loc=mean, shape=cov, df=df,
lower_limit=lower, maxpts=..., random_state=rng)` (method "scipy-t-<version>"): Genz's QSIMVT
randomized lattice rule with SciPy's default budget of 1000 * d points; it returns no error either.

No `error` field: `multivariate_normal.cdf` returns only the value. (Internally SciPy >= 1.10
estimates its error, 3 standard errors of randomized-QMC batches, for d >= 3, and stops when it is
below `abseps`; the public API does not return it.) `orthant validate` therefore judges each answer
on the accuracy asked of it, `--abs-tol` (default 1e-5, SciPy's own default `abseps`) and
`--rel-tol`. SciPy's `releps` is accepted but not used by its QMC code; only `abseps` steers it.

Options (environment): SCIPY_ABSEPS (default 1e-5), SCIPY_MAXPTS (default SciPy's: 1e6 * d for
the normal, 1000 * d for the t).
Each case uses a generator seeded with SCIPY_SEED (default 1), so runs are reproducible.
A failure (for example a covariance SciPy rejects) is answered with the error line, not a crash.
"""
import json
import math
import os
import sys
import time

import numpy as np
import scipy
from scipy.stats import multivariate_normal, multivariate_t

ABSEPS = float(os.environ.get("SCIPY_ABSEPS", "1e-5"))
MAXPTS = int(os.environ["SCIPY_MAXPTS"]) if os.environ.get("SCIPY_MAXPTS") else None
SEED = int(os.environ.get("SCIPY_SEED", "1"))
METHOD = "scipy-" + scipy.__version__
METHOD_T = "scipy-t-" + scipy.__version__


def limits(xs, d, default):
    """A list of limits, with "inf"/"-inf" (or null) as infinities."""
    if xs is None:
        return np.full(d, default)
    return np.array([default if x is None else float(x) for x in xs], dtype=float)


def answer(q):
    cov = np.array(q["covariance"], dtype=float)
    d = cov.shape[0]
    mean = np.array(q["mean"], dtype=float) if q.get("mean") is not None else np.zeros(d)
    lower = limits(q.get("lower"), d, -math.inf)
    upper = limits(q.get("upper"), d, math.inf)
    df = q.get("df")
    df = math.inf if df is None else float(df)  # absent, null or "inf": the normal
    # The keywords both distributions take; each then takes its own names for the location, the
    # matrix, the error target (the t has none) and the generator.
    common = dict(allow_singular=True, lower_limit=lower, maxpts=MAXPTS)
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    if df == math.inf:
        method = METHOD
        p = multivariate_normal.cdf(upper, mean=mean, cov=cov, abseps=ABSEPS, rng=rng, **common)
    else:
        method = METHOD_T
        p = multivariate_t.cdf(upper, loc=mean, shape=cov, df=df, random_state=rng, **common)
    seconds = time.perf_counter() - start
    p = float(p)
    if not math.isfinite(p):
        raise ValueError(f"{method}: cdf returned {p}")
    # Sent as SciPy returns it (not clamped to [0, 1]): a value outside is SciPy's, and recorded.
    return {"id": q["id"], "value": p, "seconds": seconds, "method": method}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        q = json.loads(line)
        try:
            out = answer(q)
        except Exception as e:  # noqa: BLE001 -- report every failure for its case, never die
            out = {"id": q.get("id"), "status": "error", "kind": "internal", "message": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
