#!/usr/bin/env python3
"""An integrator for `orthant validate`: reads one problem a line (JSON) on stdin and writes one
answer a line on stdout. Replace integrate() with yours; the rest is the protocol."""
import json, math, random, sys, time

def parse_limit(x, default):
    if x is None:
        return default
    if isinstance(x, str):  # "inf", "-inf"
        return float(x)
    return float(x)

def integrate(cov, mean, lower, upper, df=math.inf, n=20000, seed=1):
    """Crude Monte Carlo: returns (P, its 99% half-width). df: the Student t's degrees of freedom
    (X = mean + L z / sqrt(W/df), W ~ chi2_df; df = inf is the normal)."""
    d = len(cov)
    # Cholesky factor L (lower triangular), zero columns for zero pivots (semidefinite).
    L = [[0.0] * d for _ in range(d)]
    for j in range(d):
        s = cov[j][j] - sum(L[j][k] ** 2 for k in range(j))
        L[j][j] = math.sqrt(s) if s > 1e-12 * max(cov[j][j], 1e-300) else 0.0
        for i in range(j + 1, d):
            t = cov[i][j] - sum(L[i][k] * L[j][k] for k in range(j))
            L[i][j] = t / L[j][j] if L[j][j] > 0 else 0.0
    rng = random.Random(seed)
    hits = 0
    for _ in range(n):
        z = [rng.gauss(0.0, 1.0) for _ in range(d)]
        if df != math.inf:  # Student t: divide by sqrt(W/df)
            s = math.sqrt(rng.gammavariate(df / 2, 2.0) / df)
            z = [x / s for x in z]
        if all(lower[i] <= mean[i] + sum(L[i][k] * z[k] for k in range(i + 1)) <= upper[i]
               for i in range(d)):
            hits += 1
    p = hits / n
    z99 = 2.5758293035489
    # Wilson-style half-width: never 0, so a miss at p = 0 or 1 is not a claim of exactness.
    return p, z99 * math.sqrt((p * (1 - p) + z99 * z99 / (4 * n)) / n) + z99 * z99 / (2 * n)

for line in sys.stdin:
    if not line.strip():
        continue
    q = json.loads(line)
    d = len(q["covariance"])
    mean = q.get("mean") or [0.0] * d
    lower = [parse_limit(x, -math.inf) for x in (q.get("lower") or [None] * d)]
    upper = [parse_limit(x, math.inf) for x in (q.get("upper") or [None] * d)]
    start = time.perf_counter()
    try:
        df = parse_limit(q.get("df"), math.inf)  # absent or null: the normal
        p, err = integrate(q["covariance"], mean, lower, upper, df)
        answer = {"id": q["id"], "value": p, "error": err, "seconds": time.perf_counter() - start}
    except Exception as e:  # report, do not die: the harness records the case as an error
        answer = {"id": q["id"], "status": "error", "kind": "internal", "message": str(e)}
    print(json.dumps(answer), flush=True)
