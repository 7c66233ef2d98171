# Regenerates new-joe-kuo-6.21201 from the copy of Joe & Kuo's direction numbers shipped in SciPy.
import numpy as np, scipy, sys, os
f = os.path.join(os.path.dirname(scipy.__file__), "stats", "_sobol_direction_numbers.npz")
z = np.load(f)
vinit, poly = z["vinit"], z["poly"]
out = ["d       s       a       m_i"]
for j in range(1, len(poly)):
    p = int(poly[j]); s = p.bit_length() - 1; a = (p >> 1) & ((1 << (s - 1)) - 1)
    m = [int(v) for v in vinit[j, :s]]
    assert all(v % 2 == 1 and v < (1 << (i + 1)) for i, v in enumerate(m))
    out.append(" ".join(str(x) for x in [j + 1, s, a] + m))
sys.stdout.write("\n".join(out) + "\n")
