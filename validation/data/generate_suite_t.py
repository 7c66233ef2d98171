#!/usr/bin/env python3
"""Generates validation/data/suite_t.jsonl: the multivariate Student t cases of the reference suite.

Each case is P(a <= X <= b) for X = mu + Z / sqrt(W/nu), Z ~ N(0, Sigma), W ~ chi2_nu (the line's
"df" field is nu), with a reference computed here with mpmath, independently of the Rust code, by
the formulas of mvn-orthant/tests/data/student_t_generate.py (imported, written once), which
condition on a coordinate or integrate over (chi, factor) -- never the library's route for d = 1, 2:

* d = 1: the regularised incomplete beta function (mpmath betainc, 60 digits), both tails:
  P(T < t) = I_{nu/(nu+t^2)}(nu/2, 1/2)/2 for t < 0; limits standardised by (x - mu)/sigma with
  dyadic mu and sigma (exact in doubles);
* d = 2 orthants: 1/4 + asin(rho)/(2 pi) for every nu (a cone is invariant under the chi scaling);
* d = 2 boxes: int_{a1}^{b1} f_nu(x) [F_{nu+1}(u(b2, x)) - F_{nu+1}(u(a2, x))] dx (conditional law of
  T2 given T1 = x), 40 digits, computed twice (conditioning on either coordinate), kept when the two
  agree to 5e-15;
* d = 3, equicorrelated d = 10 and 50, and a Dunnett many-to-one case (d treatments against one
  control, equal group sizes: correlation 1/2, two-sided limits +-c): the (tau = ln S, factor z)
  double integral by fixed Gauss-Legendre rules at 25 digits, 5 and 6 nodes' degree per piece,
  kept when the two agree to 1e-16.

Every number written is a double and the integrals use exactly those doubles.
Run from the repository root:  python3 validation/data/generate_suite_t.py   (a few minutes)
"""

import os
import sys

import mpmath as mp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "mvn-orthant", "tests", "data"))
import student_t_generate as st  # noqa: E402

import generate_suite as suite  # noqa: E402  (the line format and the writer, next to this script)

INF = float("inf")
CASES = []


def add(case_id, category, covariance, dim, lower, upper, reference, nu, provenance, tolerance, mean=None):
    reference = mp.mpf(reference)
    assert 0 <= reference <= 1, (case_id, reference)
    CASES.append(suite.case_record(case_id, category, dim, covariance, mean, lower, upper, reference, provenance,
                                   tolerance, df=nu))
    print(f"  {case_id}: {mp.nstr(reference, 17)}", file=sys.stderr, flush=True)


NUS = [0.5, 1.0, 2.5, 5.0, 30.0]
# Far tails per nu: P(T > t) ~ t^-nu, so P of 1e-20 ... 1e-50.
TAILS = {0.5: 1e60, 1.0: 1e30, 2.5: 1e12, 5.0: 1e6, 30.0: 12.0}


def univariate():
    mp.mp.dps = 60
    mu, sigma = 1.0, 2.0
    for nu in NUS:
        t = TAILS[nu]
        boxes = [(-INF, -t), (t, INF), (-1.0, 2.5), (-INF, 0.5)]
        for a, b in boxes:
            # X = mu + sigma T: limits mu + sigma x (exact: dyadic mu, sigma, x).
            lo = mu + sigma * a if a != -INF else -INF
            hi = mu + sigma * b if b != INF else INF
            p = st.interval(mp.mpf(a), mp.mpf(b), mp.mpf(nu))
            add(f"t-d1-nu{nu:g}-[{lo:g},{hi:g}]", "student-t-univariate", {"dense": [[sigma * sigma]]}, 1,
                [lo], [hi], p, nu,
                "regularised incomplete beta function (mpmath betainc, 60 digits) at (x - mu)/sigma", 1e-12,
                mean=[mu])


def orthants_d2():
    mp.mp.dps = 40
    for nu in [0.5, 2.5, 30.0]:
        for rho in [-0.7, 0.5]:
            p = mp.mpf(1) / 4 + mp.asin(mp.mpf(rho)) / (2 * mp.pi)
            add(f"t-d2-orthant-nu{nu:g}-rho{rho:g}", "student-t-orthant-closed-form",
                {"dense": [[1.0, rho], [rho, 1.0]]}, 2, [-INF, -INF], [0.0, 0.0], p, nu,
                "closed form for every nu: 1/4 + asin(rho)/(2 pi) (mpmath)", 1e-12)


def boxes_d2():
    mp.mp.dps = 40
    inf = mp.inf
    cases = [(1.0, -inf, -1.0, -inf, -1.0, 0.5), (2.5, -1.0, 2.0, 0.5, 3.0, 0.6),
             (5.0, -inf, 2.0, -inf, -3.0, -0.7), (0.5, -inf, -1e6, -inf, -1e6, 0.5),
             (30.0, 5.0, 6.0, 5.0, 7.0, 0.9)]
    for nu, a1, b1, a2, b2, rho in cases:
        args = [mp.mpf(v) for v in (a1, b1, a2, b2)]
        p = st.bivariate(args[0], args[1], args[2], args[3], rho, nu)
        q = st.bivariate(args[2], args[3], args[0], args[1], rho, nu)
        if abs(p - q) > mp.mpf("5e-15") * p:
            sys.exit(f"bivariate check failed: {nu} {a1} {b1} {a2} {b2} {rho}: {p} {q}")
        lower, upper = [float(a1), float(a2)], [float(b1), float(b2)]
        add(f"t-d2-box-nu{nu:g}-rho{rho:g}-[{a1},{b1}]x[{a2},{b2}]", "student-t-bivariate",
            {"dense": [[1.0, rho], [rho, 1.0]]}, 2, lower, upper, p, nu,
            "conditioning on T1: int f_nu(x) [F_nu+1(u(b2,x)) - F_nu+1(u(a2,x))] dx (mpmath, 40 digits; "
            "conditioning on T2 agrees to 5e-15)", 1e-12)


def one_factor_case(case_id, category, dim, rho, a, b, nu, tolerance, note=""):
    mp.mp.dps = 25
    p = st.one_factor(dim, rho, mp.mpf(a), mp.mpf(b), nu, 6)
    q = st.one_factor(dim, rho, mp.mpf(a), mp.mpf(b), nu, 5)
    if abs(p - q) > mp.mpf("1e-16") * p:
        sys.exit(f"one-factor check failed: {case_id}: {p} {q}")
    add(case_id, category, {"equicorrelated": {"dim": dim, "rho": rho}}, dim, [a] * dim, [b] * dim, p, nu,
        "(chi, factor) double integral, fixed Gauss-Legendre in mpmath (25 digits; degrees 5 and 6 agree "
        "to 1e-16)" + note, tolerance)


def chi_factor():
    one_factor_case("t-d3-equi-nu2.5-rho0.3-[-1,2]", "student-t-trivariate", 3, 0.3, -1.0, 2.0, 2.5, 1e-11)
    one_factor_case("t-equi-d10-nu1-rho0.5-[-inf,1]", "student-t-one-factor", 10, 0.5, -INF, 1.0, 1.0, 1e-11)
    one_factor_case("t-equi-d50-nu5-rho0.3-[-inf,2.5]", "student-t-one-factor", 50, 0.3, -INF, 2.5, 5.0, 1e-11)
    # Dunnett (1955): 6 treatments against one control, equal group sizes (correlation 1/2), error
    # degrees of freedom 20, two-sided |T_i| <= 2.8.
    one_factor_case("t-dunnett-d6-nu20-[-2.8,2.8]", "student-t-dunnett", 6, 0.5, -2.8, 2.8, 20.0, 1e-11,
                    "; Dunnett's many-to-one comparison: 6 treatments, one control, nu = 20")


def main():
    suite.write_suite([univariate, orthants_d2, boxes_d2, chi_factor], CASES, os.path.join(HERE, "suite_t.jsonl"))


if __name__ == "__main__":
    main()
