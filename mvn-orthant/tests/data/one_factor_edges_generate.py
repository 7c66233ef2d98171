#!/usr/bin/env python3
"""Reference table for the edge cases of the one-factor reduction (tests/one_factor_edges.rs).

X ~ N(mu, D + lambda lambda^T) in dimension d; the coordinates come in groups of identical
coordinates (multiplicity m, mean, D, lambda, lower, upper), so d = 1000 costs no more than a
handful of distinct factors. Given the factor t the coordinates are independent, and

    P = int phi(t) prod_groups p_j(t)^{m_j} dt,
    p_j(t) = Phi((b_j - mu_j - lambda_j t)/sqrt(D_j)) - Phi((a_j - mu_j - lambda_j t)/sqrt(D_j)),

(a group with D_j = 0 is the indicator of a t-interval and restricts the range). Everything is
evaluated with mpmath at 40 significant digits from the double inputs written to the table, by
code independent of the Rust implementation:

* each interval probability is a difference of upper tails when both limits are positive and of
  lower tails otherwise (mpmath's erfc is relative-accurate; at 40 digits the cancellation of a
  width-1e-12 interval leaves more than 35 digits);
* the log-integrand g is concave; its maximum is found by ternary search, the window where
  g > g* - 160 by bisection;
* mpmath.quad (tanh-sinh) integrates exp(g - g*) over sub-intervals whose breakpoints are the
  window ends, the peak, every kink t = (limit - mu_j)/lambda_j of a group, and around each of
  those the points +-s*r^k (k = 0, 1, ...) with s the smallest scale sqrt(D_j)/|lambda_j| of a
  group, so each step of width s is resolved;
* a second pass with another ratio r (every third case and every gradient case) gives an
  agreement figure; the script stops if the two passes differ by more than 1e-28 relative in P.

Cross-checks run first (the script stops when one fails): the zero-mean equicorrelated orthant
with rho = 1/2 is 1/(d + 1); d = 2 orthants are 1/4 + asin(rho)/(2 pi); rho = 1 cases are
Phi-intervals of t.

Some cases also carry the log-gradient with respect to the upper and lower limit of the first
coordinate, d ln P/d b_0 = int phi(t) p_0'(t) prod_{other} ... / P, computed the same way.

Output columns: index, name, class, d, ln_p, p, dlnp_db0, dlnp_da0, groups, where groups is a
';'-separated list of 'm:mean:diag:loading:lower:upper' (doubles as Python repr, 'inf'/'-inf'),
and 'nan' marks an absent gradient. Run:

    python3 one_factor_edges_generate.py > one_factor_edges.csv
"""
import math
import sys

import mpmath as mp

# The CSV number format of the one-factor tables (inf, -inf, shortest round-trip repr), written
# once in the generator of one_factor_reference.csv. Imported before the precision is set here,
# since that module sets its own.
from generate_one_factor_table import fmt

mp.mp.dps = 40
INF = float("inf")
WINDOW = 160


def tail_interval(l, u):
    """Phi(u) - Phi(l) for l <= u (mp numbers or +-inf), without cancellation of the tails."""
    if l >= u:
        return mp.mpf(0)
    if l > 0:
        return mp.ncdf(-l) - mp.ncdf(-u)
    return mp.ncdf(u) - mp.ncdf(l)


def dens(x):
    if mp.isinf(x):
        return mp.mpf(0)
    return mp.npdf(x)


class Case:
    def __init__(self, name, cls, groups, grad=False):
        self.name, self.cls, self.groups, self.grad = name, cls, groups, grad
        self.d = sum(g[0] for g in groups)
        lo, hi = -mp.inf, mp.inf
        self.smooth = []  # (m, alpha, beta, c, 1/sqrt(D))
        self.kinks = []
        self.scale = mp.mpf(1)
        self.empty = False
        for m, mu, dd, lam, a, b in groups:
            a_ = -mp.inf if a == -INF else mp.mpf(a)
            b_ = mp.inf if b == INF else mp.mpf(b)
            mu, dd, lam = mp.mpf(mu), mp.mpf(dd), mp.mpf(lam)
            if dd == 0:
                if lam == 0:
                    if not (a_ <= mu <= b_):
                        self.empty = True
                    continue
                t1, t2 = (a_ - mu) / lam, (b_ - mu) / lam
                tl, th = (t1, t2) if lam > 0 else (t2, t1)
                lo, hi = max(lo, tl), min(hi, th)
                continue
            s = mp.sqrt(dd)
            al, be, c = (a_ - mu) / s, (b_ - mu) / s, lam / s
            self.smooth.append((m, al, be, c, 1 / s))
            if lam != 0:
                for lim in (a_, b_):
                    if not mp.isinf(lim):
                        self.kinks.append((lim - mu) / lam)
                self.scale = min(self.scale, s / abs(lam))
        self.lo, self.hi = lo, hi
        if lo >= hi:
            self.empty = True

    def g(self, t, skip_first=False):
        v = -t * t / 2 - mp.log(2 * mp.pi) / 2
        for j, (m, al, be, c, _) in enumerate(self.smooth):
            p = tail_interval(al - c * t, be - c * t)
            if p == 0:
                return -mp.inf
            mm = m - 1 if (skip_first and j == 0) else m
            v += mm * mp.log(p)
        return v

    def peak(self):
        lo = max(self.lo, mp.mpf(-80))
        hi = min(self.hi, mp.mpf(80))
        # Ternary search on the concave g (exact enough: only a breakpoint).
        for _ in range(160):
            m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
            if self.g(m1) < self.g(m2):
                lo = m1
            else:
                hi = m2
        return (lo + hi) / 2

    def edge(self, tstar, gstar, sign, end):
        target = gstar - WINDOW
        step = mp.mpf("1e-6")
        while True:
            t = tstar + sign * step
            if (sign > 0 and t >= end) or (sign < 0 and t <= end):
                return end
            if self.g(t) < target:
                break
            step *= 2
        a, b = tstar + sign * step / 2, tstar + sign * step
        for _ in range(60):
            c = (a + b) / 2
            if self.g(c) > target:
                a = c
            else:
                b = c
        return b

    def integral(self, fn, ratio, tstar, left, right):
        centres = [tstar] + [k for k in self.kinks if left < k < right]
        pts = {left, right}
        for c in centres:
            pts.add(c)
            off = self.scale / 4
            while off < right - left:
                for p in (c - off, c + off):
                    if left < p < right:
                        pts.add(p)
                off *= ratio
        pts = sorted(pts)
        return mp.quad(fn, pts)

    def compute(self, ratio):
        if self.empty:
            return -mp.inf, None, None
        tstar = self.peak()
        gstar = self.g(tstar)
        left, right = self.edge(tstar, gstar, -1, self.lo), self.edge(tstar, gstar, 1, self.hi)
        val = self.integral(lambda t: mp.exp(self.g(t) - gstar), ratio, tstar, left, right)
        lnp = gstar + mp.log(val)
        if not self.grad:
            return lnp, None, None
        m, al, be, c, inv = self.smooth[0]

        def part(lim_is_upper):
            def fn(t):
                gt = self.g(t, skip_first=True)
                x = (be if lim_is_upper else al) - c * t
                return mp.exp(gt - gstar) * dens(x) * inv
            return self.integral(fn, ratio, tstar, left, right)

        return lnp, part(True) / val, -part(False) / val


def fl(x):
    return float(x)


def equi_cases():
    out = []
    for d in (2, 3, 10, 100, 1000):
        for k in list(range(1, 17)) + [None]:
            rho = 1.0 if k is None else 1.0 - 10.0 ** (-k)
            dd, lam = 1.0 - rho, math.sqrt(rho)
            tag = "rho1" if k is None else f"k{k}"
            for kind, a, b in (("orthant", -INF, 0.0), ("shifted", -INF, 0.5), ("box", -1.0, 0.5)):
                grad = d == 10 and kind != "orthant" and k in (4, 8, 12)
                out.append(Case(f"equi_{kind}_{tag}_d{d}", "equi", [(d, 0.0, dd, lam, a, b)], grad))
    return out


def mixed_cases():
    """Non-equal loadings, a palette of diagonal entries including tiny and zero ones."""
    out = []
    palettes = {
        "tiny": [1.0, 1e-8, 1e-14, 0.3, 1e-12, 2.0],
        "zero_and_tiny": [0.5, 0.0, 1e-10, 1e-16, 1.0, 1e-6],
        "all_tiny": [1e-9, 1e-13, 1e-15, 1e-11, 1e-7, 1e-16],
    }
    for pname, diag in palettes.items():
        for d in (6, 60, 600):
            m = d // 6
            groups = []
            for j in range(6):
                lam = (0.6 + 0.17 * j) * (1 if j % 3 else -1)
                mu = 0.1 * j - 0.2
                a = -INF if j % 2 == 0 else -1.5 - 0.1 * j
                b = 0.4 + 0.15 * j if j != 3 else INF
                if diag[j] == 0.0:
                    # Indicator groups: keep the t-range wide enough to hold the bulk.
                    a, b = mu - 1.2 * abs(lam), mu + 2.0 * abs(lam)
                groups.append((m, mu, diag[j], lam, a, b))
            grad = d == 6
            out.append(Case(f"mixed_{pname}_d{d}", "mixed", groups, grad))
    # Mixtures of zero and tiny diagonal entries sharing one loading (all kinks at one point).
    for d in (10, 100, 1000):
        h = d // 2
        out.append(Case(f"mixed_zero_with_tiny_d{d}", "mixed",
                        [(h, 0.0, 0.0, 1.0, -INF, 0.3), (d - h, 0.0, 1e-14, 1.0, -INF, 0.3)]))
    return out


def narrow_cases():
    out = []
    rho = 0.5
    dd, lam = 1.0 - rho, math.sqrt(rho)
    for w in (1e-3, 1e-6, 1e-9, 1e-12):
        wt = f"w{-round(math.log10(w))}"
        for d in (1, 2, 10, 100, 1000):
            for where, x0 in (("centre", -0.3), ("tail3", 3.0), ("tailm8", -8.0), ("tail20", 20.0)):
                a, b = x0, x0 + w
                out.append(Case(f"narrow_{where}_{wt}_d{d}", "narrow", [(d, 0.0, dd, lam, a, b)]))
        # A narrow box in a few coordinates, an orthant in the others: P near 1e-300.
        out.append(Case(f"narrow_mixed_{wt}_d1000", "narrow",
                        [(20, 0.0, dd, lam, 1.0, 1.0 + w), (980, 0.0, dd, lam, -INF, 2.0)]))
        # Near-singular and narrow at once.
        out.append(Case(f"narrow_singular_{wt}_d100", "narrow",
                        [(100, 0.0, 1e-8, math.sqrt(1 - 1e-8), 0.5, 0.5 + w)]))
    return out


def cross_checks():
    # rho = 1/2 zero-mean orthant: 1/(d + 1).
    for d in (2, 10, 1000):
        c = Case("check", "x", [(d, 0.0, 0.5, math.sqrt(0.5), -INF, 0.0)])
        lnp, _, _ = c.compute(2)
        exact = mp.mpf(1) / (d + 1)
        # sqrt(0.5) is rounded: compare with the covariance actually represented.
        assert abs(mp.exp(lnp) / exact - 1) < 1e-15, (d, mp.exp(lnp))
    # d = 2 orthant: 1/4 + asin(rho)/(2 pi), rho = lambda^2/(D + lambda^2) in exact arithmetic.
    for k in (1, 4, 8, 12, 16):
        rho = 1.0 - 10.0 ** (-k)
        dd, lam = mp.mpf(1.0 - rho), mp.mpf(math.sqrt(rho))
        r = lam * lam / (dd + lam * lam)
        exact = mp.mpf(1) / 4 + mp.asin(r) / (2 * mp.pi)
        c = Case("check", "x", [(2, 0.0, 1.0 - rho, math.sqrt(rho), -INF, 0.0)])
        lnp, _, _ = c.compute(2)
        assert abs(mp.exp(lnp) / exact - 1) < mp.mpf("1e-30"), (k, mp.exp(lnp), exact)
    # rho = 1 box: Phi(0.5) - Phi(-1).
    c = Case("check", "x", [(10, 0.0, 0.0, 1.0, -1.0, 0.5)])
    lnp, _, _ = c.compute(2)
    assert abs(mp.exp(lnp) / (mp.ncdf(0.5) - mp.ncdf(-1)) - 1) < mp.mpf("1e-30")
    print("cross-checks passed", file=sys.stderr)


def main():
    # Optional argument 'i/n': compute only the cases with index = i mod n (the shards are
    # merged in case order by sorting on the first column); no argument: header and all cases.
    shard = sys.argv[1] if len(sys.argv) > 1 else None
    if shard is None:
        cross_checks()
        print("index,name,class,d,ln_p,p,dlnp_db0,dlnp_da0,groups")
    for index, case in enumerate(equi_cases() + mixed_cases() + narrow_cases()):
        if shard:
            i, n = map(int, shard.split("/"))
            if index % n != i:
                continue
        lnp, gb, ga = case.compute(4)
        # The second pass (another grading ratio) on every third case and every gradient case.
        lnp2, gb2, ga2 = case.compute(7) if index % 3 == 0 or case.grad else (lnp, gb, ga)
        if lnp != -mp.inf:
            agree = abs(lnp - lnp2)
            if agree > mp.mpf("1e-28"):
                sys.exit(f"{case.name}: passes disagree: {lnp} vs {lnp2}")
            if gb is not None:
                assert abs(gb - gb2) <= mp.mpf("1e-25") * (1 + abs(gb)), (case.name, gb, gb2)
                assert abs(ga - ga2) <= mp.mpf("1e-25") * (1 + abs(ga)), (case.name, ga, ga2)
        else:
            agree = 0
        groups = ";".join(":".join([str(g[0])] + [fmt(x) for x in g[1:]]) for g in case.groups)
        gtxt = ["nan" if x is None else mp.nstr(x, 25) for x in (gb, ga)]
        print(",".join([str(index), case.name, case.cls, str(case.d), mp.nstr(lnp, 30), mp.nstr(mp.exp(lnp), 30)]
                       + gtxt + [groups]))
        sys.stdout.flush()
        print(f"{case.name}: ln P = {mp.nstr(lnp, 20)}, agreement {mp.nstr(agree, 3)}", file=sys.stderr)


if __name__ == "__main__":
    main()
