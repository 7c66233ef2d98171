#!/usr/bin/env python3
"""Reference table for the univariate interval (tests/exact_univariate.rs): P(a <= Z <= b) for a
standard normal Z with mpmath at 50 digits (as a difference of erfc values, exact at that
precision), and ln P. Output columns: a,b,P,lnP.
Run: python3 exact_univariate_generate.py > exact_univariate.csv
"""
import mpmath as mp

mp.mp.dps = 60
pairs = [(-mp.inf, -40), (-mp.inf, -37.5), (-mp.inf, -20), (-mp.inf, -3), (-mp.inf, 0), (-mp.inf, 5), (-1, 1),
         (-0.5, 0.25), (0, 1e-8), (1e-10, 2e-10), (0.5, 0.6), (3, 4), (8, 8.5), (10, 11), (20, mp.inf), (37, 38),
         (40, 41), (100, 100.5), (-41, -40), (-12, -11.9), (-6, 6), (-38, 38), (5, mp.inf), (-2, mp.inf),
         (2.5, 2.5000001), (-30, -29.99)]
print("a,b,P,lnP")
for a, b in pairs:
    a = mp.mpf(a)
    b = mp.mpf(b)
    p = (mp.erfc(-b / mp.sqrt(2)) - mp.erfc(-a / mp.sqrt(2))) / 2 if a + b <= 0 else \
        (mp.erfc(a / mp.sqrt(2)) - mp.erfc(b / mp.sqrt(2))) / 2
    f = lambda x: "inf" if x == mp.inf else ("-inf" if x == -mp.inf else mp.nstr(x, 17))
    print(f"{f(a)},{f(b)},{mp.nstr(p, 30)},{mp.nstr(mp.log(p), 30)}")
