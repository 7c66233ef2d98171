"""Accuracy check of the EXACT quadrature at C = 1000 through `orthant exact` (method quadrature):
the C expected accuracies of one logit vector, one per choice of the true class, must sum to 1
(the classes' winning events partition the space), and equal logits give A = 1/C exactly.
An error of the quadrature of relative size e in each A shows as |Σ_y A_y − 1| of order e.

Usage: python3 exact_loss_sum_rule.py PATH/TO/orthant [C]   (about a minute at C = 1000)"""
import json
import random
import subprocess
import sys

orthant = sys.argv[1]
classes = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
for seed, sigma, scale in [(1, 1.0, 1.0), (2, 0.5, 2.0)]:
    rng = random.Random(seed)
    logits = [scale * rng.gauss(0.0, 1.0) for _ in range(classes)]
    lines = "\n".join(json.dumps({"logits": logits, "label": y, "sigma": sigma}) for y in range(classes))
    out = subprocess.run([orthant, "exact", "-"], input=lines, capture_output=True, text=True, check=True).stdout
    values = [json.loads(l)["accuracy"] for l in out.splitlines()]
    total = sum(sorted(values))
    print(f"C={classes} sigma={sigma} logit scale={scale}: sum of A over labels - 1 = {total - 1:.3e}, "
          f"largest A = {max(values):.6f}, smallest A = {min(values):.3e}", flush=True)
line = json.dumps({"logits": [0.0] * classes, "label": 0, "sigma": 1.0})
out = subprocess.run([orthant, "exact", "-"], input=line, capture_output=True, text=True, check=True).stdout
a = json.loads(out)["accuracy"]
print(f"C={classes} equal logits: A*C - 1 = {a * classes - 1:.3e}")
