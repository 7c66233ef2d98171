#!/usr/bin/env python3
"""Generates log_cdf_table.rs: piecewise polynomials of ln Phi(x) and phi(x)/Phi(x) in x.

The pieces are indexed by the bits of y = 13 - x, for y in [1, 64), that is x in (-51, 12]: the
exponent of y (binades [1, 2), [2, 4), ..., [32, 64)) and the top 9 bits of its mantissa, so
that the piece width is 2^e / 512 in the binade [2^e, 2^(e+1)):

    x in (11, 12]: 1/512,  (9, 11]: 1/256,  (5, 9]: 1/128,  (-3, 5]: 1/64,  (-19, -3]: 1/32,
    (-51, -19]: 1/16.

Piece q (0 <= q < 3072, e = q // 512, m = q % 512) has its centre at y_c = 2^e (1 + (m + 1/2)/512),
x_c = 13 - y_c (exact in doubles: a multiple of 2^-10 below 64), and half-width r = 2^e / 1024. On
it, both functions are approximated by their degree-7 Chebyshev interpolants in u = (x - x_c)/r,
written as monomials in delta = x - x_c (coefficient k divided by r^k, exact: r is a power of
two).

Why degree 7 suffices (the figures below are measured, not assumed): ln Phi is analytic except
at the zeros of Phi, the nearest to the real axis at about 1.92 +- 2.82i and the others farther
from every real x <= 9; phi/Phi shares those poles. Where x is large the functions behave like
Q(x) = phi(x) R(x), whose Taylor coefficients relative to the value grow like x^k; the finer
pieces on the right keep (x r)^8/8! far below 1e-16.

Above x = 12 (where Q(x) < 1.8e-33, so that ln Phi = -Q and phi/Phi = phi to rounding) a second
table holds the Mills ratio R(x) = Q(x)/phi(x) on 128 pieces of width 1/4 up to x = 44 (beyond
38.6 phi underflows), degree 7 in x - x_c, for Q = phi R.

The script evaluates the rounded coefficients exactly as the Rust code does (Python floats are
IEEE doubles, and the Rust evaluation fuses no product with a sum), on 33 equally spaced and
16 random doubles of every piece, against mpmath at 40 digits, and prints the largest relative
errors into the header of the generated file.

Requires mpmath (pip install mpmath). Run from this directory (about a minute):
python3 fit_log_cdf_table.py > ../src/mills_ratio/log_cdf_table.rs
"""
import random
import struct

import mpmath as mp

from fit_mills_ratio_table import chebyshev_monomials, print_rows

mp.mp.dps = 40
DEGREE = 7
BINADES = 6
MANTISSA_BITS = 9
PER_BINADE = 1 << MANTISSA_BITS
SHIFT = 52 - MANTISSA_BITS
PIECES = BINADES * PER_BINADE
REFERENCE = 13.0
# Above the table (x > 12): the Mills ratio R alone, on pieces of width 1/4 up to 44 (phi
# underflows beyond 38.6).
RIGHT_START = REFERENCE - 1
RIGHT_WIDTH = 0.25
RIGHT_PIECES = 128


def log_cdf(x):
    """ln Phi(x) to full precision on both sides (log1p of the upper tail above 0)."""
    x = mp.mpf(x)
    if x > 0:
        return mp.log1p(-mp.erfc(x / mp.sqrt(2)) / 2)
    return mp.log(mp.erfc(-x / mp.sqrt(2)) / 2)


def inverse_mills(x):
    """phi(x)/Phi(x)."""
    x = mp.mpf(x)
    return mp.npdf(x) / (mp.erfc(-x / mp.sqrt(2)) / 2)


def piece_centre_and_half_width(q):
    e, m = divmod(q, PER_BINADE)
    y_c = mp.mpf(2) ** e * (1 + (mp.mpf(m) + mp.mpf(1) / 2) / PER_BINADE)
    x_c = REFERENCE - y_c
    assert float(x_c) == x_c, "the centre must be a double"
    return float(x_c), mp.mpf(2) ** e / (2 * PER_BINADE)


def fit(f, x_c, r):
    """Monomial coefficients in delta = x - x_c (constant first), exact, then rounded."""
    mono = chebyshev_monomials(lambda u: f(mp.mpf(x_c) + r * u), DEGREE)
    return [float(a / r**k) for k, a in enumerate(mono)]


def piece_of(x):
    """The piece of a double x, as the Rust code finds it (None outside the table)."""
    y = REFERENCE - x
    if not (1.0 <= y < 64.0):
        return None
    bits = struct.unpack("<Q", struct.pack("<d", y))[0]
    return (bits >> SHIFT) - (1023 << MANTISSA_BITS)


def centre_of(q):
    """x_c of piece q from its bits, as the Rust code forms it."""
    bits = ((q + (1023 << MANTISSA_BITS)) << SHIFT) | (1 << (SHIFT - 1))
    return REFERENCE - struct.unpack("<d", struct.pack("<Q", bits))[0]


def polynomial(c, d):
    """The degree-7 polynomial as the Rust code evaluates it in doubles: the terms of degree
    1 to 7 by Estrin's scheme, then the constant added last (one rounding of the dominant
    term)."""
    d2 = d * d
    d4 = d2 * d2
    low = c[1] * d + d2 * (c[2] + c[3] * d)
    high = (c[4] + c[5] * d) + d2 * (c[6] + c[7] * d)
    return c[0] + (low + d4 * high)


def mills_ratio(x):
    """R(x) = Q(x)/phi(x)."""
    x = mp.mpf(x)
    return mp.sqrt(mp.pi / 2) * mp.erfc(x / mp.sqrt(2)) * mp.exp(x * x / 2)


def right_tail_rows(rng):
    """The Mills ratio R on the pieces [12 + i/4, 12 + (i + 1)/4), i < RIGHT_PIECES, centred, with
    the largest relative error of the rounded coefficients evaluated in doubles."""
    rows, worst = [], (0.0, None)
    for i in range(RIGHT_PIECES):
        x_c = RIGHT_START + (i + 0.5) * RIGHT_WIDTH
        r = mp.mpf(RIGHT_WIDTH) / 2
        rows.append(fit(mills_ratio, x_c, r))
        points = [x_c + RIGHT_WIDTH / 2 * k / 16 for k in range(-16, 17)]
        points += [x_c + RIGHT_WIDTH / 2 * (2 * rng.random() - 1) for _ in range(16)]
        for x in points:
            j = min(max(int((x - RIGHT_START) * (1 / RIGHT_WIDTH)), 0), RIGHT_PIECES - 1)
            if j > i:
                continue
            exact = mills_ratio(x)
            error = float(abs((polynomial(rows[j], x - (RIGHT_START + (j + 0.5) * RIGHT_WIDTH)) - exact) / exact))
            if error > worst[0]:
                worst = (error, x)
    return rows, worst


def main():
    rng = random.Random(20261201)
    rows = []
    worst = {"log_cdf": (0.0, None), "inverse_mills": (0.0, None)}
    for q in range(PIECES):
        x_c, r = piece_centre_and_half_width(q)
        assert centre_of(q) == x_c
        rows.append((x_c, fit(log_cdf, x_c, r), fit(inverse_mills, x_c, r)))
        rf = float(r)
        points = [x_c + rf * k / 16 for k in range(-16, 17)]
        points += [x_c + rf * (2 * rng.random() - 1) for _ in range(16)]
        for x in points:
            p = piece_of(x)
            if p is None:
                continue
            x_p, lc, im = rows[p] if p < len(rows) else (centre_of(p), None, None)
            if lc is None:
                continue
            d = x - x_p
            for name, coefficients, f in (("log_cdf", lc, log_cdf), ("inverse_mills", im, inverse_mills)):
                exact = f(x)
                error = float(abs((polynomial(coefficients, d) - exact) / exact))
                if error > worst[name][0]:
                    worst[name] = (error, x)
    right, right_worst = right_tail_rows(rng)
    print("// Generated by mvn-orthant/data/fit_log_cdf_table.py (mpmath, 40 digits); do not edit by hand.")
    print(f"// {PIECES} pieces of x in ({REFERENCE - 64:g}, {REFERENCE - 1:g}] indexed by the bits of {REFERENCE:g} - x, degree {DEGREE} in x - x_c;")
    print("// largest relative error of the rounded coefficients evaluated in doubles (49 points per")
    print(f"// piece): ln Phi {worst['log_cdf'][0]:.3g} (at x = {worst['log_cdf'][1]!r}),")
    print(f"// phi/Phi {worst['inverse_mills'][0]:.3g} (at x = {worst['inverse_mills'][1]!r});")
    print(f"// {RIGHT_PIECES} pieces of width {RIGHT_WIDTH} of x in [{RIGHT_START}, {RIGHT_START + RIGHT_PIECES * RIGHT_WIDTH}) for the Mills ratio R(x),")
    print(f"// degree {DEGREE} in x - x_c: largest relative error {right_worst[0]:.3g} (at x = {right_worst[1]!r}).")
    print()
    print("/// The pieces are indexed by the bits of y = `ORIGIN` − x, y ∈ [1, 64).")
    print(f"pub(super) const ORIGIN: f64 = {REFERENCE!r};")
    print()
    print("/// Mantissa bits of y in the index of a piece (the pieces per binade of y: 2^this).")
    print(f"pub(super) const MANTISSA_BITS: u32 = {MANTISSA_BITS};")
    print()
    print("/// Number of pieces (six binades of y, [1, 64)).")
    print(f"pub(super) const PIECES: usize = {PIECES};")
    print()
    print("/// The coefficients of one piece, aligned so that they fill two cache lines.")
    print("#[repr(align(64))]")
    print("pub(super) struct Row(pub(super) [f64; 16]);")
    print()
    print("/// Per piece: the monomial coefficients in x − x_c (constant first) of ln Φ, then of φ/Φ.")
    print("#[rustfmt::skip]")
    print(f"pub(super) static COEFFICIENTS: [Row; {PIECES}] = [")
    print_rows([lc + im for _, lc, im in rows], "Row({})")
    print("];")
    print()
    print("/// The first x of the Mills-ratio pieces above the table.")
    print(f"pub(super) const RIGHT_START: f64 = {RIGHT_START!r};")
    print()
    print("/// Width of the Mills-ratio pieces above the table.")
    print(f"pub(super) const RIGHT_WIDTH: f64 = {RIGHT_WIDTH!r};")
    print()
    print("/// Pieces of the Mills ratio above the table.")
    print(f"pub(super) const RIGHT_PIECES: usize = {RIGHT_PIECES};")
    print()
    print("/// Per piece above the table: the monomial coefficients in x − x_c of the Mills ratio R.")
    print("#[rustfmt::skip]")
    print(f"pub(super) static RIGHT_MILLS_RATIO: [[f64; {DEGREE + 1}]; {RIGHT_PIECES}] = [")
    print_rows(right)
    print("];")


if __name__ == "__main__":
    main()
