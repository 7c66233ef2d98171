#!/usr/bin/env python3
"""Reference values for the EXACT accuracy near 1 with crowded shifts: writes
exact_complement_crowded.csv beside this file.

Moderately confident examples whose C − 1 shifts crowd just above d₀ (union bound Σ Q(d_i/√2)
below 1e-3, so the accuracy entry points integrate the complement 1 − A): many classes fall
together on the left of the integrand, where the gradient components live. For shifts d,

    1 − A       = ∫ φ(z) · (−expm1(Σ_i ln Φ(d_i + z))) dz,
    ∂A/∂d_k     = ∫ φ(z) φ(d_k + z) Π_{i≠k} Φ(d_i + z) dz,

by mpmath's tanh-sinh quadrature at 40 significant digits over panels split at the integrand's
scale around −d_k/2 (the components) and −d₀/2 (1 − A), for three components of each case: the
smallest shift, the middle one and the largest. The shifts are d₀ + w·frac(i·φ⁻¹) (i = 0 … n−1,
φ⁻¹ the golden ratio's inverse), rounded to doubles and written with repr, so the test reads the
same numbers that were integrated.

Columns: name, shifts (space-separated), ln(1 − A), components (space-separated k:ln ∂A/∂d_k).
Run: python3 exact_complement_crowded_generate.py  (mpmath; about three minutes)
"""

import os

import mpmath as mp

mp.mp.dps = 40
GOLDEN = (5 ** 0.5 - 1) / 2

CASES = [
    ("crowded-c30", 30, 5.8, 0.2),
    ("crowded-c100", 100, 6.75, 0.5),
    ("crowded-c300", 300, 6.5, 0.5),
]


def shifts_of(classes, d0, width):
    return [d0 + width * ((i * GOLDEN) % 1.0) for i in range(classes - 1)]


def log_error(d):
    dm = [mp.mpf(x) for x in d]
    centre = -dm[0] / 2

    def integrand(z):
        s = mp.fsum(mp.log(mp.ncdf(x + z)) for x in dm)
        return mp.npdf(z) * -mp.expm1(s)

    points = [centre - 14, centre - 6, centre - 3, centre, centre + 3, centre + 6, centre + 14]
    return mp.log(mp.quad(integrand, points))


def log_component(d, k):
    dm = [mp.mpf(x) for x in d]
    centre = -dm[k] / 2

    def integrand(z):
        p = mp.npdf(z) * mp.npdf(dm[k] + z)
        for i, x in enumerate(dm):
            if i != k:
                p *= mp.ncdf(x + z)
        return p

    points = [centre - 12, centre - 4, centre - 2, centre, centre + 2, centre + 4, centre + 12]
    return mp.log(mp.quad(integrand, points))


def main():
    rows = ["name,shifts,log_error,log_components"]
    for name, classes, d0, width in CASES:
        d = shifts_of(classes, d0, width)
        picks = sorted({0, len(d) // 2, max(range(len(d)), key=lambda i: d[i])})
        components = " ".join(f"{k}:{mp.nstr(log_component(d, k), 25)}" for k in picks)
        rows.append(f"{name},{' '.join(repr(x) for x in d)},{mp.nstr(log_error(d), 25)},{components}")
        print(rows[-1][:80], "...", flush=True)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exact_complement_crowded.csv")
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
