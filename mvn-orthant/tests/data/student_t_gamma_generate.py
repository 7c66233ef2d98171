"""mpmath reference for the regularised incomplete gamma and the chi scale quantile.

Writes student_t_gamma.csv: a, x, ln P(a, x), ln Q(a, x), and student_t_chi_quantile.csv:
nu, u, S with P(chi2_nu <= nu S^2) = u. Run: python3 student_t_gamma_generate.py
"""
import mpmath as mp

mp.mp.dps = 50
with open("student_t_gamma.csv", "w") as f:
    f.write("a,x,ln_p,ln_q\n")
    for a in ["0.05", "0.5", "1.5", "2.5", "5", "12.5", "50", "500", "5000"]:
        A = mp.mpf(a)
        for r in ["1e-6", "0.01", "0.3", "0.9", "1", "1.1", "2", "5", "20"]:
            X = A * mp.mpf(r) if float(a) >= 1 else mp.mpf(r)
            if float(a) >= 500:
                X = A + mp.sqrt(A) * (mp.mpf(r) * 8 - 8)
                if X <= 0:
                    continue
            x = float(X)
            X = mp.mpf(x)
            p = mp.gammainc(A, 0, X, regularized=True)
            q = mp.gammainc(A, X, mp.inf, regularized=True)
            f.write(f"{a},{x!r},{mp.nstr(mp.log(p), 20)},{mp.nstr(mp.log(q), 20)}\n")
with open("student_t_chi_quantile.csv", "w") as f:
    f.write("nu,u,s\n")
    for nu in ["0.3", "1", "2", "3.5", "5", "10", "30", "100", "1000"]:
        N = mp.mpf(nu)
        for u in ["1e-12", "1e-6", "0.001", "0.1", "0.3", "0.5", "0.7", "0.9", "0.999", "0.999999", "0.9999999999"]:
            U = mp.mpf(float(u))
            # Bisection in log space (P(a, e^t) increases in t).
            lo, hi = mp.mpf(-700), mp.log(N) + 40
            for _ in range(250):
                mid = (lo + hi) / 2
                if mp.gammainc(N / 2, 0, mp.exp(mid), regularized=True) < U:
                    lo = mid
                else:
                    hi = mid
            s = mp.sqrt(2 * mp.exp((lo + hi) / 2) / N)
            f.write(f"{nu},{float(u)!r},{mp.nstr(s, 20)}\n")
