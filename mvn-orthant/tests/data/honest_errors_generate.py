"""Reference for tests/honest_errors.rs: the 10-D diagonal problem's probability, the product of
univariate interval probabilities, by mpmath at 40 digits. The limits are the same double-precision
numbers as the test builds (identical IEEE operations)."""
import mpmath as mp

mp.mp.dps = 40
P = mp.mpf(1)
for i in range(10):
    var, mean = mp.mpf(0.5 + 0.25 * i), mp.mpf(0.1 * i - 0.3)
    lo, hi = mp.mpf(-1.0 - 0.1 * i), mp.mpf(0.7 + 0.2 * i)
    s = mp.sqrt(var)
    P *= mp.ncdf((hi - mean) / s) - mp.ncdf((lo - mean) / s)
print(mp.nstr(P, 25))
