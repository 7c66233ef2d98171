#!/usr/bin/env python3
"""Reference tables for the multivariate Student t methods (tests/student_t_reference.rs).

T = Z / sqrt(W/nu), Z ~ N(0, R) with unit variances (correlations R), W ~ chi2_nu, nu real > 0.
Every value is computed with mpmath, independently of the library's route (the library integrates
over the chi variable; these formulas condition on the first coordinate instead):

  d = 1   P(a < T < b) from the regularised incomplete beta function (mpmath betainc, 60 digits):
          P(T < t) = I_{nu/(nu+t^2)}(nu/2, 1/2)/2 for t < 0.
  d = 2   P = int_{a1}^{b1} f_nu(x) [F_{nu+1}(u(b2, x)) - F_{nu+1}(u(a2, x))] dx,
          u(y, x) = (y - rho x) / sqrt((1 - rho^2)(nu + x^2)/(nu + 1)),
          the conditional law of T2 given T1 = x (a t with nu + 1 degrees of freedom); mp.quad at
          30 digits on the integrand divided by a running estimate of P (mp.quad's tolerance is
          absolute). Checks, each to 5e-15 relative, else the row is reported and not written:
          conditioning on T2 (for a symmetric box, the same integral by Gauss-Legendre instead
          of tanh-sinh); for integer nu <= 1000 the Dunnett-Sobel finite sums (Genz 2004) at 250
          digits; for the orthant (-inf, 0)^2 Sheppard's 1/4 + asin(rho)/(2 pi).
          Run time: about 4 minutes (2 minutes of CPU).
  d = 3   equicorrelated rho with equal limits, by the one-factor double integral below.
  one-factor (equicorrelated rho >= 0, equal limits a, b in every coordinate)
          P = int_0^inf f_S(s) int phi(z) [Phi((s b - sqrt(rho) z)/sqrt(1 - rho))
                                           - Phi((s a - sqrt(rho) z)/sqrt(1 - rho))]^d dz ds,
          f_S the density of S = sqrt(W/nu), over tau = ln S and the factor z by fixed Gauss-Legendre
          rules (48 and 96 nodes per piece, 25 digits); written only when the two agree to 1e-16.

Every input is a double (written with repr), so the table is exact for the library's inputs.
Columns: P and lnP with 25 significant digits.
Run: python3 student_t_generate.py [univariate] [bivariate] [trivariate] [one_factor]
     (writes the student_t_*.csv tables next to this script; all four without arguments)
"""
import os
import sys

import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
NUS = [0.5, 1.0, 2.5, 5.0, 30.0, 1e6]
# Beyond this many lost digits a t tail is negligible (see cdf).
TAIL_DIGITS_CUT = 300


def cdf(t, nu):
    """P(T < t) for T ~ t_nu."""
    if t == mp.inf:
        return mp.mpf(1)
    if t == -mp.inf:
        return mp.mpf(0)
    x = nu / (nu + t * t)
    if x < mp.mpf(1) / 2:
        half = mp.betainc(nu / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
        return half if t < 0 else 1 - half
    # Near the centre (or for large nu), the central part P(0 < T < |t|) from the other
    # parameter order: its hypergeometric series is in t^2/(nu + t^2), small.
    # 1/2 - central loses about -log10 P(T < -|t|) digits: work with that many more.
    lost = int((nu + 1) / 2 * mp.log10(1 + t * t / nu)) + 10
    if lost > TAIL_DIGITS_CUT:
        # f(t)/f(0) < 10^-(lost - 10) with t^2 < nu; as f decreases, the tail beyond |t| is below
        # sqrt(nu) f(t) + P(|T| > sqrt(nu)) < 2 sqrt(nu) f(t) < 1e-280 for nu <= 1e7: returned as
        # 0, it changes a probability integrated against a density by less than that.
        return mp.mpf(0) if t < 0 else mp.mpf(1)
    with mp.workdps(mp.mp.dps + lost):
        t = mp.mpf(t)
        central = mp.betainc(mp.mpf(1) / 2, nu / 2, 0, t * t / (nu + t * t), regularized=True) / 2
        value = mp.mpf(1) / 2 + central if t > 0 else mp.mpf(1) / 2 - central
    return +value


def interval(a, b, nu):
    """P(a < T < b) without cancellation: tails on the side away from 0."""
    if a + b < 0:
        a, b = -b, -a
    if a <= 0:
        return 1 - cdf(a, nu) - cdf(-b, nu)
    return cdf(-a, nu) - cdf(-b, nu)


def pdf(x, nu):
    return mp.exp(mp.loggamma((nu + 1) / 2) - mp.loggamma(nu / 2) - mp.log(nu * mp.pi) / 2
                  - (nu + 1) / 2 * mp.log1p(x * x / nu))


def fmt(x):
    return mp.nstr(x, 25, min_fixed=-10**9, max_fixed=10**9) if x != 0 else "0"


def lnfmt(p):
    return fmt(mp.log(p)) if p > 0 else "-inf"


def d(x):
    """A float as written in the table (repr round-trips)."""
    return repr(float(x)).replace("inf", "inf")


def integrate_line(f, a, b, extra, method="tanh-sinh"):
    """int_a^b f(x) dx over the real line: |x| >= 1 in v = ln|x| (the t tails are algebraic,
    exponential in v), split at v_lo + 1, 2, 4, ... and at the extra points; [-1, 1] directly.
    mp.quad stops on an absolute error of about 10^-dps: f must be scaled to an integral of
    order 1 (see bivariate)."""
    total = mp.mpf(0)
    finite_extra = [e for e in extra if mp.isfinite(e)]
    for sign in (-1, 1):
        # The part of [a, b] with sign*x >= 1, in v = ln(sign*x).
        lo, hi = (a, min(b, mp.mpf(-1))) if sign < 0 else (max(a, mp.mpf(1)), b)
        if lo >= hi:
            continue
        v_lo, v_hi = (mp.log(-hi), mp.log(-lo) if lo != -mp.inf else mp.inf) if sign < 0 else \
            (mp.log(lo), mp.log(hi) if hi != mp.inf else mp.inf)
        pts = {v_lo, v_hi}
        step = mp.mpf(1)
        while v_lo + step < v_hi and step < 1024:
            pts.add(v_lo + step)
            step *= 2
        for e in finite_extra:
            if sign * e > 1:
                v = mp.log(sign * e)
                if v_lo < v < v_hi:
                    pts.add(v)
        g = (lambda v, sign=sign: f(sign * mp.exp(v)) * mp.exp(v))
        total += mp.quad(g, sorted(pts), method=method)
    lo, hi = max(a, mp.mpf(-1)), min(b, mp.mpf(1))
    if lo < hi:
        pts = sorted({lo, hi, mp.mpf(0)} | {e for e in finite_extra if lo < e < hi})
        pts = [p for p in pts if lo <= p <= hi]
        total += mp.quad(f, pts, method=method)
    return total


def bivariate(a1, b1, a2, b2, rho, nu, method="tanh-sinh"):
    """P(a1 < T1 < b1, a2 < T2 < b2) by conditioning on T1 (|rho| < 1), by mp.quad's `method`.
    The integrand is divided by a running estimate of P (passes at 20 digits until the scaled
    integral is within a factor 2 of 1), so that mp.quad's absolute tolerance is a relative one
    also in the deep tails."""
    nu = mp.mpf(nu)
    rho = mp.mpf(rho)
    s = mp.sqrt((1 - rho) * (1 + rho))

    def f(x):
        scale = s * mp.sqrt((nu + x * x) / (nu + 1))
        lo = (a2 - rho * x) / scale if a2 != -mp.inf else -mp.inf
        hi = (b2 - rho * x) / scale if b2 != mp.inf else mp.inf
        return pdf(x, nu) * interval(lo, hi, nu + 1)

    # Features of the integrand: |x| ~ |y| (where the conditional scale sqrt(nu + x^2) turns) and
    # the cliff x = y/rho of width ~ sqrt(1 - rho^2)(1 + |y/rho|).
    extra = [v for y in (a2, b2) if mp.isfinite(y) and y != 0 for v in (y, -y)]
    if rho != 0:
        for y in (a2, b2):
            if mp.isfinite(y):
                c = y / rho
                extra += [c] + [c + k * s * (1 + abs(c)) for k in (-2, -0.5, 0.5, 2)]
    magnitude = mp.mpf(1)
    for _ in range(10):
        with mp.workdps(20):
            rough = integrate_line(lambda x: f(x) / magnitude, a1, b1, extra, method)
        if rough == 0:
            return mp.mpf(0)
        magnitude *= rough
        if abs(mp.log(rough)) < mp.log(2):
            break
    return magnitude * integrate_line(lambda x: f(x) / magnitude, a1, b1, extra, method)


def univariate_rows():
    rows = []
    tails = {0.5: [1e60, 1e100], 1.0: [1e30, 1e200], 2.5: [1e12, 1e50], 5.0: [1e6, 1e20],
             30.0: [12.0, 40.0], 1e6: [11.0, 20.0], 150.0: [10.0, 30.0], 250.0: [10.0, 30.0],
             1e12: [11.0, 30.0]}
    for nu in NUS + [150.0, 250.0, 1e12]:
        boxes = [(-mp.inf, 0.0), (-mp.inf, -1.0), (-mp.inf, 2.0), (-mp.inf, -3.5), (0.5, mp.inf),
                 (-1.0, 2.0), (1.0, 1.001), (1.0, 1.0 + 2.0**-40), (3.0, 4.0), (-1e-8, 1e-8)]
        for t in tails[nu]:
            boxes += [(-mp.inf, -t), (t, mp.inf), (t, 2 * t)]
        for a, b in boxes:
            p = interval(mp.mpf(a), mp.mpf(b), mp.mpf(nu))
            rows.append(f"{d(nu)},{d(a)},{d(b)},{fmt(p)},{lnfmt(p)}")
    return rows


def lower_orthant_integer_nu(h, k, rho, nu):
    """P(T1 < h, T2 < k) for integer nu by the Dunnett-Sobel (1954) finite sums, in the form of
    Genz (2004), "Numerical computation of rectangular bivariate and trivariate normal and t
    probabilities", Statistics and Computing 14: 251-260, section 2.2. The sums cancel in the
    tails: call it at a precision well above the digits of P."""
    if h == -mp.inf or k == -mp.inf:
        return mp.mpf(0)
    if h == mp.inf:
        return cdf(k, nu)
    if k == mp.inf:
        return cdf(h, nu)
    nu_i = int(nu)
    snu = mp.sqrt(nu)
    ors = 1 - rho * rho
    hrk, krh = h - rho * k, k - rho * h
    xnhk = hrk ** 2 / (hrk ** 2 + ors * (nu + k * k))
    xnkh = krh ** 2 / (krh ** 2 + ors * (nu + h * h))
    hs, ks = mp.sign(hrk), mp.sign(krh)
    pi = mp.pi
    if nu_i % 2 == 0:
        bvt = mp.atan2(mp.sqrt(ors), -rho) / (2 * pi)
        gmph, gmpk = h / mp.sqrt(16 * (nu + h * h)), k / mp.sqrt(16 * (nu + k * k))
        btnckh = 2 * mp.atan2(mp.sqrt(xnkh), mp.sqrt(1 - xnkh)) / pi
        btpdkh = 2 * mp.sqrt(xnkh * (1 - xnkh)) / pi
        btnchk = 2 * mp.atan2(mp.sqrt(xnhk), mp.sqrt(1 - xnhk)) / pi
        btpdhk = 2 * mp.sqrt(xnhk * (1 - xnhk)) / pi
        for j in range(1, nu_i // 2 + 1):
            bvt += gmph * (1 + ks * btnckh) + gmpk * (1 + hs * btnchk)
            btnckh += btpdkh
            btpdkh = 2 * j * btpdkh * (1 - xnkh) / (2 * j + 1)
            btnchk += btpdhk
            btpdhk = 2 * j * btpdhk * (1 - xnhk) / (2 * j + 1)
            gmph = gmph * (2 * j - 1) / (2 * j * (1 + h * h / nu))
            gmpk = gmpk * (2 * j - 1) / (2 * j * (1 + k * k / nu))
    else:
        qhrk = mp.sqrt(h * h + k * k - 2 * rho * h * k + nu * ors)
        hkrn, hkn, hpk = h * k + rho * nu, h * k - nu, h + k
        bvt = mp.atan2(-snu * (hkn * qhrk + hpk * hkrn), hkn * hkrn - nu * hpk * qhrk) / (2 * pi)
        if bvt < 0:
            bvt += 1
        gmph = h / (2 * pi * snu * (1 + h * h / nu))
        gmpk = k / (2 * pi * snu * (1 + k * k / nu))
        btnckh = btpdkh = mp.sqrt(xnkh)
        btnchk = btpdhk = mp.sqrt(xnhk)
        for j in range(1, (nu_i - 1) // 2 + 1):
            bvt += gmph * (1 + ks * btnckh) + gmpk * (1 + hs * btnchk)
            btpdkh = (2 * j - 1) * btpdkh * (1 - xnkh) / (2 * j)
            btnckh += btpdkh
            btpdhk = (2 * j - 1) * btpdhk * (1 - xnhk) / (2 * j)
            btnchk += btpdhk
            gmph = 2 * j * gmph / ((2 * j + 1) * (1 + h * h / nu))
            gmpk = 2 * j * gmpk / ((2 * j + 1) * (1 + k * k / nu))
    return bvt


def box_integer_nu(a1, b1, a2, b2, rho, nu):
    """The box from four lower orthants (inclusion-exclusion), at 250 digits."""
    with mp.workdps(250):
        rho, nu = mp.mpf(rho), mp.mpf(nu)
        f = lambda h, k: lower_orthant_integer_nu(mp.mpf(h), mp.mpf(k), rho, nu)
        value = f(b1, b2) - f(a1, b2) - f(b1, a2) + f(a1, a2)
    return +value


BIVARIATE_TOLERANCE = mp.mpf("5e-15")
# The Dunnett-Sobel sums have nu/2 terms at 250 digits: for nu = 1e6 a row would take minutes.
DUNNETT_SOBEL_MAX_NU = 1000


def bivariate_rows():
    """Each row by conditioning on T1 and on T2; for integer nu <= 1000 also by the Dunnett-Sobel sums,
    and for the orthant (-inf, 0)^2 also by 1/4 + asin(rho)/(2 pi). A row is written only when
    every pair agrees to BIVARIATE_TOLERANCE relative; a failing row is reported on stderr."""
    rows, rejected = [], []
    tails = {0.5: -1e60, 1.0: -1e30, 2.5: -1e12, 5.0: -1e6, 30.0: -12.0, 1e6: -11.0}
    inf = mp.inf
    for nu in NUS:
        h = tails[nu]
        cases = [(-inf, -1.0, -inf, -1.0, 0.5), (-inf, 2.0, -inf, -3.0, -0.7),
                 (-inf, 0.0, -inf, 0.0, 0.3), (-1.0, 2.0, 0.5, 3.0, 0.6),
                 (1.0, 1.001, -2.0, -1.999, -0.4), (5.0, 6.0, 5.0, 7.0, 0.9),
                 (-inf, h, -inf, h, 0.5), (-inf, h, -inf, h, -0.5), (-inf, h, 0.0, inf, 0.0),
                 # Near-singular scale matrices, and orthants with the closed form.
                 (-inf, -1.0, -inf, -1.0, 0.99), (-inf, 1.5, -inf, -1.0, -0.99),
                 (-inf, h, -inf, h, 0.99), (-0.5, 0.5, -0.5, 0.5, -0.99),
                 (-inf, 0.0, -inf, 0.0, 0.99), (-inf, 0.0, -inf, 0.0, -0.99),
                 (-inf, 0.0, -inf, 0.0, -0.5),
                 # Narrow boxes away from the mean (the width must survive the chi scaling).
                 (1.0, 1.0 + 1e-6, -2.0, -2.0 + 1e-6, -0.4),
                 (1.0, 1.0 + 2.0**-40, -2.0, -2.0 + 2.0**-40, -0.4),
                 (3.0, 3.0 + 2.0**-30, -inf, 1.0, 0.6)]
        for a1, b1, a2, b2, rho in cases:
            args = [mp.mpf(v) for v in (a1, b1, a2, b2)]
            values = {"T1": bivariate(args[0], args[1], args[2], args[3], rho, nu)}
            if (a1, b1) != (a2, b2):
                values["T2"] = bivariate(args[2], args[3], args[0], args[1], rho, nu)
            else:
                # Conditioning on T2 is the same integral: check the quadrature instead.
                values["Gauss-Legendre"] = bivariate(*args, rho, nu, method="gauss-legendre")
            if nu == int(nu) and nu <= DUNNETT_SOBEL_MAX_NU:
                values["Dunnett-Sobel"] = box_integer_nu(*args, rho, nu)
            if (a1, b1, a2, b2) == (-inf, 0.0, -inf, 0.0):
                values["orthant"] = mp.mpf(1) / 4 + mp.asin(mp.mpf(rho)) / (2 * mp.pi)
            p = values["T1"]
            spread = max(abs(v - p) for v in values.values())
            label = f"nu={nu} ({a1}, {b1}) x ({a2}, {b2}) rho={rho}"
            if not p > 0 or spread > BIVARIATE_TOLERANCE * p:
                rejected.append(label)
                print(f"REJECTED {label}: " + ", ".join(f"{k} {mp.nstr(v, 20)}" for k, v in values.items()),
                      file=sys.stderr, flush=True)
                continue
            print(f"{label}: P = {mp.nstr(p, 20)}, checks {sorted(values)}, spread/P = "
                  f"{mp.nstr(spread / p, 3)}", file=sys.stderr, flush=True)
            rows.append(f"{d(nu)},{d(a1)},{d(b1)},{d(a2)},{d(b2)},{d(rho)},{fmt(p)},{lnfmt(p)}")
    print(f"bivariate: {len(rows)} rows written, {len(rejected)} rejected", file=sys.stderr)
    return rows


def trivariate_rows():
    """d = 3 rows: equicorrelated scale matrices with equal limits, by the one-factor double
    integral below (the library evaluates them by its trivariate route)."""
    rows = []
    inf = float("inf")
    for dim, rho, a, b, nu in [(3, 0.5, -inf, 1.0, 1.0), (3, 0.3, -1.0, 2.0, 2.5), (3, 0.6, -inf, -3.0, 30.0)]:
        rows.append(one_factor_row(dim, rho, a, b, nu))
    return rows


def gauss_legendre(f, pts, nodes):
    """Fixed Gauss-Legendre rule (mpmath's nodes) on each piece of pts."""
    total = mp.mpf(0)
    for lo, hi in zip(pts[:-1], pts[1:]):
        half, mid = (hi - lo) / 2, (hi + lo) / 2
        total += half * mp.fsum(w * f(mid + half * x) for x, w in nodes)
    return total


def one_factor(dim, rho, a, b, nu, degree):
    """The (chi, factor) double integral by fixed Gauss-Legendre rules on pieces: over
    tau = ln S (density sqrt(nu/pi) exp(-(nu/2)(e^{2 tau} - 1 - 2 tau) - delta(nu/2)), written
    here as 2 (nu/2)^{nu/2}/Gamma(nu/2) exp(nu tau - nu e^{2 tau}/2)) and over the factor z in
    [-13, 13], split around the peak of the chi density and around the switch of the product."""
    from mpmath.calculus.quadrature import GaussLegendre
    nodes = GaussLegendre(mp.mp).calc_nodes(degree, mp.mp.prec)
    nu, rho = mp.mpf(nu), mp.mpf(rho)
    sr, sc = mp.sqrt(rho), mp.sqrt(1 - rho)
    log_c = mp.log(2) + nu / 2 * mp.log(nu / 2) - mp.loggamma(nu / 2)

    def inner(s):
        def g(z):
            hi = mp.ncdf((s * b - sr * z) / sc) if b != mp.inf else mp.mpf(1)
            lo = mp.ncdf((s * a - sr * z) / sc) if a != -mp.inf else mp.mpf(0)
            return mp.npdf(z) * (hi - lo) ** dim
        # The product switches on where Phi((s b - sr z)/sc)^d does: around Phi(-w) = 1/d.
        w = mp.sqrt(2 * mp.log(dim + 1))
        edge = b if b != mp.inf else a
        centre = (s * edge - sc * w) / sr if b != mp.inf else (s * edge + sc * w) / sr
        width = sc / sr / w
        cuts = [centre + k * width for k in (-16, -4, -1, 1, 4, 16)]
        pts = sorted({mp.mpf(-13), mp.mpf(13), mp.mpf(0)} | {c for c in cuts if -13 < c < 13})
        return gauss_legendre(g, pts, nodes)

    def outer(tau):
        s = mp.exp(tau)
        return mp.exp(log_c + nu * tau - nu * s * s / 2) * inner(s)

    width = 1 / mp.sqrt(2 * nu)
    lo, hi = -60 / nu - 2, mp.log(1 + 150 / nu) / 2 + mp.mpf(1) / 2
    cuts = [k * width for k in (-8, -3, -1, 1, 3)] + [lo / 4, lo / 2]
    pts = sorted({lo, hi} | {c for c in cuts if lo < c < hi})
    return gauss_legendre(outer, pts, nodes)


def one_factor_rows():
    rows = []
    inf = float("inf")
    # Each row costs about two minutes of one core (the two rules at 25 digits).
    cases = [(10, 0.5, -inf, 1.0, 2.5), (100, 0.3, -1.0, 2.0, 5.0), (100, 0.2, -inf, 0.0, 1.0),
             (1000, 0.5, -inf, 3.0, 5.0), (1000, 0.7, -inf, -1.0, 30.0)]
    return [one_factor_row(*case) for case in cases]


def one_factor_row(dim, rho, a, b, nu):
    p = one_factor(dim, rho, mp.mpf(a), mp.mpf(b), nu, 6)
    q = one_factor(dim, rho, mp.mpf(a), mp.mpf(b), nu, 5)
    if abs(p - q) > mp.mpf("1e-16") * p:
        sys.exit(f"one-factor check failed: {dim} {rho} {a} {b} {nu}: {p} {q}")
    return f"{dim},{d(rho)},{d(a)},{d(b)},{d(nu)},{fmt(p)},{lnfmt(p)}"


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w") as out:
        out.write(header + "\n")
        for r in rows:
            out.write(r + "\n")


# Each table: its name on the command line, the working precision (digits), the file, its header
# and the function computing its rows.
TABLES = [
    ("univariate", 60, "student_t_univariate.csv", "nu,a,b,P,lnP", univariate_rows),
    ("bivariate", 30, "student_t_bivariate.csv", "nu,a1,b1,a2,b2,rho,P,lnP", bivariate_rows),
    ("trivariate", 25, "student_t_trivariate.csv", "dim,rho,a,b,nu,P,lnP", trivariate_rows),
    ("one_factor", 25, "student_t_one_factor.csv", "dim,rho,a,b,nu,P,lnP", one_factor_rows),
]

if __name__ == "__main__":
    which = sys.argv[1:] or [table[0] for table in TABLES]
    for table, digits, name, header, rows in TABLES:
        if table in which:
            mp.mp.dps = digits
            write(name, header, rows())
