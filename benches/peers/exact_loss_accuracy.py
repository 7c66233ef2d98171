"""Relative error of the EXACT quadrature (`orthant exact`, method quadrature) at C = 1000 against
mpmath at 30 digits: A = ∫ φ(z) Π_{i≠y} Φ(d_i + z) dz with d_i = (μ_y − μ_i)/σ.

Usage: python3 exact_loss_accuracy.py PATH/TO/orthant   (needs mpmath; a minute or two)
Logits: N(0, 1) from Python's random.Random(seed), label 0 raised by `lift`; prints one line per
case: C, sigma, A (ours), A (mpmath), relative error."""
import json
import random
import subprocess
import sys

import mpmath as mp

mp.mp.dps = 30
orthant = sys.argv[1]
cases = [(1000, 1.0, 0.0, 1), (1000, 0.5, 3.0, 2), (1000, 2.0, 1.0, 3)]
for classes, sigma, lift, seed in cases:
    rng = random.Random(seed)
    logits = [rng.gauss(0.0, 1.0) for _ in range(classes)]
    logits[0] += lift
    line = json.dumps({"logits": logits, "label": 0, "sigma": sigma})
    out = json.loads(subprocess.run([orthant, "exact", "-"], input=line, capture_output=True, text=True,
                                    check=True).stdout)
    shifts = [(mp.mpf(logits[0]) - mp.mpf(x)) / sigma for x in logits[1:]]

    def f(z):
        p = mp.npdf(z)
        for d in shifts:
            p *= mp.ncdf(d + z)
        return p

    exact = mp.quad(f, [-mp.inf, -6, -3, 0, 3, 6, mp.inf])
    rel = abs(out["accuracy"] - exact) / exact
    print(f"C={classes} sigma={sigma} lift={lift}: ours {out['accuracy']:.17e} mpmath {mp.nstr(exact, 20)} "
          f"rel.err {mp.nstr(rel, 3)}", flush=True)
