#!/usr/bin/env python3
"""Reference table for the trivariate normal method (tests/exact_trivariate.rs).

Lower orthant T(x; R) = P(X1 <= x1, X2 <= x2, X3 <= x3) for standard normals with correlations
r12, r13, r23, computed with mpmath by Plackett's identity along the LINEAR path R(t) = I + t(R - I)
from the identity (a different path and parametrisation from the library's, which starts from a
matrix with one pair correlated and moves along arcsines):

  T = Phi(x1)Phi(x2)Phi(x3) + int_0^1 sum_{i<j} r_ij phi2(x_i, x_j; t r_ij) Phi(beta_k(t)) dt,

beta_k(t) the standardised conditional limit of X_k given X_i = x_i, X_j = x_j under R(t).
The working precision is raised to 40 + (digits cancelled) so that every stored value has at least
30 correct digits even where the product term and the integral nearly cancel. Matrices with
|r_ij| = 1 are evaluated by the exact reduction to a bivariate probability, itself the 1-D integral
int_{-inf}^{u} phi(y) Phi((v - rho y)/sqrt(1 - rho^2)) dy.
Output columns: x1,x2,x3,r12,r13,r23,P,lnP.
Run: python3 exact_trivariate_generate.py > exact_trivariate.csv
"""
import mpmath as mp


def phi2_density(u, v, rho):
    q = (u * u - 2 * rho * u * v + v * v) / (1 - rho * rho)
    return mp.exp(-q / 2) / (2 * mp.pi * mp.sqrt(1 - rho * rho))


def cond_cdf(xk, xi, xj, rho, a, b):
    # X_k | X_i = xi, X_j = xj with corr(i,j) = rho, corr(i,k) = a, corr(j,k) = b
    den = 1 - rho * rho
    mean = ((a - rho * b) * xi + (b - rho * a) * xj) / den
    var = 1 - (a * a - 2 * rho * a * b + b * b) / den
    if var <= 0:
        return mp.mpf(1) if xk >= mean else mp.mpf(0)
    return mp.ncdf((xk - mean) / mp.sqrt(var))


def plackett_linear(x, r12, r13, r23):
    pairs = [((0, 1, 2), r12, r13, r23), ((0, 2, 1), r13, r12, r23), ((1, 2, 0), r23, r12, r13)]

    def f(t):
        s = 0
        for (i, j, k), rij, rik, rjk in pairs:
            if rij == 0:
                continue
            s += rij * phi2_density(x[i], x[j], t * rij) * cond_cdf(x[k], x[i], x[j], t * rij, t * rik, t * rjk)
        return s

    base = mp.ncdf(x[0]) * mp.ncdf(x[1]) * mp.ncdf(x[2])
    return base + mp.quad(f, [0, mp.mpf(1) / 2, mp.mpf(9) / 10, mp.mpf(99) / 100, 1])


def phi2(u, v, rho):
    s = mp.sqrt((1 - rho) * (1 + rho))
    lo = min(u, 0) - 40
    return mp.quad(lambda y: mp.npdf(y) * mp.ncdf((v - rho * y) / s), mp.linspace(lo, u, 41))


def trivariate(x, r12, r13, r23):
    if r23 == 1:
        return phi2(x[0], min(x[1], x[2]), r12)
    # Raise the precision until the result keeps 40 digits above the cancellation noise.
    dps = 50
    while True:
        mp.mp.dps = dps
        p = plackett_linear(x, r12, r13, r23)
        if p > mp.mpf(10) ** (40 - dps):
            return p
        if dps >= 130:
            return mp.mpf(0)  # below 1e-90: not kept (rows must be >= 1e-100 anyway)
        dps += 80


mats = [("3/5", "1/3", "11/15"), ("-0.5", "0.3", "0.2"), ("0.999", "0.5", "0.5"), ("-0.999", "0.2", "-0.2"),
        ("0.9", "0.9", "0.9"), ("0.3", "-0.6", "0.4"), ("0.5", "0.5", "1"), ("-0.5", "-0.5", "-0.5")]
xs = [(0, 0, 0), (1, 4, 2), (-1, -2, -1.5), (2, -1, 0.5), (-3, -3, -3), (-5, -6, -4), (-8, -7, -9), (3, 3.5, -2.5)]
print("x1,x2,x3,r12,r13,r23,P,lnP")
for m in mats:
    for x in xs:
        mp.mp.dps = 50
        r = [mp.mpf(v.split("/")[0]) / mp.mpf(v.split("/")[1]) if "/" in v else mp.mpf(v) for v in m]
        # The library receives doubles: use exactly those values (the published row keeps the
        # exact fractions, whose effect is below 1e-16).
        r = [mp.mpf(float(v)) for v in r]
        x = [mp.mpf(float(v)) for v in x]
        if m[0] == "-0.5" and m[2] == "-0.5" and sum(x) <= 0:
            continue  # X1 + X2 + X3 = 0: the orthant is empty or null
        p = trivariate(x, *r)
        if p < mp.mpf(10) ** -100:
            continue
        mp.mp.dps = 40
        print(",".join(repr(float(v)) for v in x) + "," + ",".join(repr(float(v)) for v in r)
              + f",{mp.nstr(p, 30)},{mp.nstr(mp.log(p), 30)}", flush=True)
