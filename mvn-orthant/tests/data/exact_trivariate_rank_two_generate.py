"""Reference for mvn-orthant/tests/exact_trivariate.rs::rank_two_tail_with_an_anticorrelated_conditional_pair.

ln P(X1 <= x1, X2 <= x2, X3 <= x3) for the rank-2 correlation matrix below (X3 a combination of X1
and X2; the residual variance 1.5e-16 of the doubles is rounding), as one integral over Z1 of the
interval probability of Z2, split densely towards the point where the interval closes.
Run: python3 exact_trivariate_rank_two_generate.py  (mpmath, 40 digits); prints the reference.
"""
import mpmath as mp
mp.mp.dps = 40
x = [mp.mpf(-6.927723367649481), mp.mpf(-2.3101499023810277), mp.mpf(-5.05310533265615)]
r12, r13, r23 = mp.mpf(0.771887195263515), mp.mpf(-0.6387679308207339), mp.mpf(-0.9822098128080263)
s = mp.sqrt(1 - r12**2); c = (r23 - r12*r13)/s
# X1 = Z1, X2 = r12 Z1 + s Z2, X3 = r13 Z1 + c Z2 (rank 2; the residual variance 1.5e-16 of the
# given doubles is rounding). Constraints: Z1 <= x0, Z2 <= (x1 - r12 Z1)/s, c Z2 <= x2 - r13 Z1, c < 0.
assert c < 0
def interval(z1):
    hi = (x[1] - r12*z1)/s
    lo = (x[2] - r13*z1)/c
    return lo, hi
# hi - lo is linear in z1: find the zero.
a0 = interval(mp.mpf(0)); a1 = interval(mp.mpf(1))
w0 = a0[1]-a0[0]; w1 = a1[1]-a1[0]
kink = -w0/(w1-w0)
print("kink", kink, "slope", w1-w0)
def f(z1):
    lo, hi = interval(z1)
    if hi <= lo: return mp.mpf(0)
    return mp.npdf(z1)*(mp.ncdf(-lo) - mp.ncdf(-hi)) if lo > 0 else mp.npdf(z1)*(mp.ncdf(hi)-mp.ncdf(lo))
# support z1 < kink (width grows as z1 decreases) and z1 <= x0
top = min(kink, x[0])
pts3 = [top - k for k in (60, 40, 30, 20, 15, 10, 7, 5, 3, 2, 1.5, 1, 0.7, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.001, 0)]
v3 = mp.quad(f, [-mp.inf] + pts3, maxdegree=10)
print("fine log", mp.log(v3))


# Second reference (rank_two_tail_identity_in_relative_terms): T = P(X <= x) for a rank-2 R whose
# conditional pair given X1 is perfectly positively correlated; the interval of Z2 switches from
# one limit to the other at a kink, where the quadrature is split.
def rank_two_lower(x, r12, r13, r23):
    x = [mp.mpf(v) for v in x]
    r12, r13, r23 = mp.mpf(r12), mp.mpf(r13), mp.mpf(r23)
    s = mp.sqrt(1 - r12**2)
    c = (r23 - r12 * r13) / s

    def f(z1):
        hi2 = (x[1] - r12 * z1) / s
        t = (x[2] - r13 * z1) / c
        lo, hi = (-mp.inf, min(hi2, t)) if c > 0 else (t, hi2)
        if hi <= lo:
            return mp.mpf(0)
        if lo > 0:
            return mp.npdf(z1) * (mp.ncdf(-lo) - mp.ncdf(-hi))
        return mp.npdf(z1) * (mp.ncdf(hi) - mp.ncdf(lo))

    kink = (x[1] / s - x[2] / c) / (r12 / s - r13 / c)
    pts = sorted(p for p in [kink - 5, kink - 1, kink - 0.1, kink, kink + 0.1, kink + 1, kink + 5,
                             x[0] - 10, x[0] - 3, x[0] - 1] if p < x[0])
    return mp.quad(f, [-mp.inf] + pts + [x[0]], maxdegree=10)


print("rank-2 lower T", mp.nstr(rank_two_lower([5.360010735285854, -6.990484335028054, -4.828406050175849],
                                                0.8652709535800631, 0.9812186855776791, 0.7523190687579202), 20))
