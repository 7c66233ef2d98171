"""Search for the Korobov multiplier of the rank-1 lattice sequence in `lattice.rs`.

The lattice sequence (base 2, 2^32 points) uses the generating vector z_j = a^(j-1) mod 2^32.
Its first 2^m points form the rank-1 lattice with vector z mod 2^m. We choose the odd multiplier
a that minimises the mean over m = 8..14 of log2 of the shift-averaged worst-case error of the
rank-1 lattice in the weighted Korobov space of smoothness alpha = 1 (product weights
gamma_j = 1/j^2, the first 32 dimensions): with B2(x) = x^2 - x + 1/6,

    e^2(z, N) = -1 + (1/N) sum_{k<N} prod_j (1 + gamma_j * 2 pi^2 * B2({k z_j / N})).

Candidates: 1000 odd numbers drawn with numpy's PCG64 seeded with 20240601 (plus a check of
the classic 2^32-period multipliers). Run with numpy installed: python3 korobov_search.py
"""
import numpy as np

DIMS = 32
MS = range(8, 15)
gamma = 1.0 / np.arange(1, DIMS + 1) ** 2


def error(a):
    total = 0.0
    for m in MS:
        n = 1 << m
        z = np.array([pow(int(a), j, n) for j in range(DIMS)], dtype=np.int64)
        k = np.arange(n, dtype=np.int64)
        x = (k[:, None] * z[None, :] % n) / n
        b2 = x * x - x + 1.0 / 6.0
        e2 = -1.0 + np.mean(np.prod(1.0 + gamma * 2.0 * np.pi**2 * b2, axis=1))
        total += 0.5 * np.log2(max(e2, 1e-300))
    return total / len(MS)


rng = np.random.Generator(np.random.PCG64(20240601))
candidates = (rng.integers(0, 1 << 31, size=1000, dtype=np.int64) * 2 + 1).tolist()
best = min(candidates, key=error)
print("best multiplier a =", best, "mean log2 error =", error(best))
