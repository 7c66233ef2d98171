#!/usr/bin/env python3
"""Reference table for the four-variate zero-mean orthant (tests/exact_orthant.rs).

For a one-factor correlation matrix r_ij = l_i l_j (|l_i| < 1), conditioning on the factor Z gives
independent coordinates, so with mpmath at 40 digits

  P(X_1 > 0, ..., X_4 > 0) = int phi(z) prod_i Phi(l_i z / sqrt(1 - l_i^2)) dz,

an identity independent of Plackett's formula used by the library. Output: l1,l2,l3,l4,P.
Run: python3 exact_orthant_generate.py > exact_orthant.csv
"""
import mpmath as mp

mp.mp.dps = 40
loadings = [
    ["0.5", "0.5", "0.5", "0.5"],
    ["0.7071067811865475244008443621048490392848", "0.7071067811865475244008443621048490392848",
     "0.7071067811865475244008443621048490392848", "0.7071067811865475244008443621048490392848"],
    ["0.9", "-0.8", "0.3", "0.1"],
    ["0.99", "0.95", "-0.9", "0.6"],
    ["0.999", "0.999", "0.999", "-0.999"],
    ["-0.2", "0.4", "-0.6", "0.8"],
    ["0.3", "0.3", "0.3", "0.95"],
    ["0", "0.5", "0.7", "-0.9"],
]
print("l1,l2,l3,l4,P")
for ls in loadings:
    l = [mp.mpf(x) for x in ls]
    f = lambda z: mp.npdf(z) * mp.fprod(mp.ncdf(li * z / mp.sqrt(1 - li * li)) for li in l)
    p = mp.quad(f, mp.linspace(-40, 40, 161))
    print(",".join(mp.nstr(x, 20) for x in l) + f",{mp.nstr(p, 30)}", flush=True)
