"""Summarises DIR/results.csv (written by compare_mvtnorm_scipy.sh) as markdown: every peer run
beside our time at the same achieved error, and the ratio peer time / our time.

Our time at a given achieved error e comes from our runs on the same problem (Genz, Sobol, a ladder
of tolerances, or the exact formula for d <= 3): on the frontier of (time, achieved error) pairs,
the log time is interpolated linearly in log error between the two runs that bracket e; when our
cheapest run is already more accurate than e its time is used (a conservative ratio). The target
error is never taken below three times the reference's own uncertainty (random boxes), since
achieved errors below that are not resolved, nor below 1e-15 (double-precision rounding).
"n/a": our runs did not reach the peer's achieved error (our ladder stops at 1e-7, or 1e-6 in
high dimension). Usage: python3 summarize.py DIR"""
import csv
import math
import sys
from collections import defaultdict

directory = sys.argv[1] if len(sys.argv) > 1 else "target/peers"
rows = list(csv.DictReader(open(f"{directory}/results.csv")))
index = {r["name"]: r for r in csv.DictReader(open(f"{directory}/index.csv"))}


def frontier(points):
    """(time, error) pairs sorted by time, keeping only those more accurate than all faster ones."""
    out = []
    for t, e in sorted(points):
        if not out or e < out[-1][1]:
            out.append((t, e))
    return out


def time_at(front, e):
    if not front or e < front[-1][1]:
        return None
    if front[0][1] <= e:
        return front[0][0]
    for (t0, e0), (t1, e1) in zip(front, front[1:]):
        if e1 <= e < e0:
            if e1 <= 0:
                return t1
            a = (math.log(e0) - math.log(e)) / (math.log(e0) - math.log(e1))
            return math.exp(math.log(t0) + a * (math.log(t1) - math.log(t0)))
    return None


# Errors below double-precision rounding of a probability are all "exact".
FLOOR = 1e-15

ours = defaultdict(list)
for r in rows:
    if r["peer"] == "ours":
        ours[(r["problem"], r["threads"])].append((float(r["time_ms"]), max(float(r["achieved_error"]), FLOOR)))
threads = sorted({r["threads"] for r in rows if r["peer"] == "ours"}, key=int)
fronts = {k: frontier(v) for k, v in ours.items()}


def fmt(x, digits=3):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"


print(open(f"{directory}/load.txt").read().strip().replace("\n", "  \n") if __import__("os").path.exists(f"{directory}/load.txt") else "")
print()
head = "| problem | d | peer | algorithm | tol | peer ms | peer achieved | " + " | ".join(
    f"ours ms ({t} thr) | ratio ({t} thr)" for t in threads) + " |"
print(head)
print("|" + "---|" * (head.count("|") - 1))
for r in rows:
    if r["peer"] == "ours":
        continue
    prob = r["problem"]
    ref_err = float(index[prob]["reference_error"]) if prob in index else 0.0
    achieved = float(r["achieved_error"])
    target = max(achieved, 3 * ref_err, FLOOR)
    cells = []
    for t in threads:
        mine = time_at(fronts.get((prob, t), []), target)
        ratio = float(r["time_ms"]) / mine if mine else None
        cells += [fmt(mine), (fmt(ratio) + "×") if ratio else "n/a"]
    print(f"| {prob} | {r['d']} | {r['peer']} | {r['algorithm']} | {r['tol']} | {fmt(float(r['time_ms']))} | "
          f"{fmt(achieved, 2)}{' (ref floor)' if target > max(achieved, FLOOR) else ''} | " + " | ".join(cells) + " |")
print()
print("Our runs (Genz, Sobol, 8 randomisations; exact formulas for d <= 3):")
print()
print("| problem | d | algorithm | tol | threads | ms | reported | achieved |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["peer"] == "ours":
        print(f"| {r['problem']} | {r['d']} | {r['algorithm']} | {r['tol']} | {r['threads']} | "
              f"{fmt(float(r['time_ms']))} | {fmt(float(r['reported_error']), 2)} | {fmt(float(r['achieved_error']), 2)} |")
