"""Times SciPy's multivariate_normal.cdf (randomised lattice QMC, Genz's method) on the problems
written by `peer_problems write DIR`.  Usage: python scipy_orthant.py DIR [REGEX]
(REGEX: only the problems whose name matches)

Prints CSV rows peer,algorithm,problem,d,tol,time_ms,reported_error,achieved_error,threads
(SciPy reports no error estimate: nan). abseps 1e-3 ... 1e-6 with releps 0 and maxpts 1e8 (fewer
tolerances from d = 10 on, where one call at a tight tolerance takes minutes); ten seeds per
setting (three when a call takes over 0.5 s): time is the mean, achieved error the root mean
square of |P - reference|."""
import csv
import math
import re
import sys
import time

import numpy as np
from scipy.stats import multivariate_normal

directory = sys.argv[1] if len(sys.argv) > 1 else "target/peers"
with open(f"{directory}/index.csv") as f:
    index = list(csv.DictReader(f))
if len(sys.argv) > 2:
    index = [row for row in index if re.search(sys.argv[2], row["name"])]
for row in index:
    name, d, ref = row["name"], int(row["d"]), float(row["reference"])
    cov = np.loadtxt(f"{directory}/{name}.cov.csv", delimiter=",", ndmin=2)
    lim = np.loadtxt(f"{directory}/{name}.lim.csv", delimiter=",", ndmin=2)
    lower, upper = lim[0], lim[1]
    if d <= 3:
        tols = (1e-5,)
    elif d <= 5:
        tols = (1e-3, 1e-4, 1e-5, 1e-6)
    elif d <= 10:
        tols = (1e-3, 1e-4, 1e-5)
    elif d <= 20:
        tols = (1e-3, 1e-4)
    else:
        tols = (1e-3,)  # tighter: minutes per call
    for tol in tols:
        total, sq = 0.0, 0.0
        warm = multivariate_normal(mean=np.zeros(d), cov=cov, seed=0, maxpts=10**8, abseps=tol, releps=0)
        t0 = time.perf_counter()
        warm.cdf(upper, lower_limit=lower)  # warm-up; its time picks the number of seeds
        seeds = range(1, 11) if time.perf_counter() - t0 < 0.5 else (1, 2, 3)
        for seed in seeds:
            mvn = multivariate_normal(mean=np.zeros(d), cov=cov, seed=seed, maxpts=10**8, abseps=tol, releps=0)
            t0 = time.perf_counter()
            p = mvn.cdf(upper, lower_limit=lower)
            total += time.perf_counter() - t0
            sq += (p - ref) ** 2
        n = len(seeds)
        print(f"scipy,cdf,{name},{d},{tol:g},{total * 1e3 / n:.6e},nan,{math.sqrt(sq / n):.3e},1", flush=True)
