"""Hypothesis strategies for Gaussian rectangle problems and EXACT batches (needs ``hypothesis``).

Every strategy draws NumPy ``float64`` arrays. ``dim`` (and ``batch``/``classes``) may be an int
or a strategy of ints. The matrices are built from drawn parameters by formulas that make them
valid by construction:

* random correlation: S = A A^T + r I from a d x k factor A (k drawn in 1..d) and a ridge r in
  [0.05, 1], normalised to a unit diagonal: C = D^(-1/2) S D^(-1/2), D = diag(S);
* equicorrelated: C = (1 - rho) I + rho 1 1^T, rho in (-1/(d-1), 1);
* one-factor: C = lambda lambda^T + diag(1 - lambda^2), |lambda_i| < 1 (the exact one-factor
  quadrature's class);
* near-singular: a rank-r correlation (r < d) plus eps I with eps in [1e-12, 1e-6], renormalised
  (condition numbers 1e6 and beyond);
* covariances: a correlation scaled by standard deviations drawn log-uniformly in [1e-2, 1e2].
"""

import numpy as np
from hypothesis import strategies as st

__all__ = ["correlation_matrices", "covariance_matrices", "boxes", "problems", "exact_batches",
           "CORRELATION_KINDS"]

CORRELATION_KINDS = ("random", "equicorrelated", "one-factor", "near-singular")


def _ints(n, low, high):
    return n if isinstance(n, st.SearchStrategy) else st.just(int(n)) if n is not None else st.integers(low, high)


def _unit(elements=None):
    return st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False) if elements is None else elements


def _normalise(a):
    s = np.sqrt(np.diag(a))
    c = a / np.outer(s, s)
    c = (c + c.T) / 2
    np.fill_diagonal(c, 1.0)
    return c


@st.composite
def correlation_matrices(draw, dim=None, kinds=CORRELATION_KINDS, max_dim=6):
    """A d x d correlation matrix (unit diagonal, symmetric, positive semidefinite) of one of
    ``kinds``: ``"random"``, ``"equicorrelated"``, ``"one-factor"``, ``"near-singular"``."""
    d = draw(_ints(dim, 1, max_dim))
    kind = draw(st.sampled_from(tuple(kinds)))
    if d == 1:
        return np.ones((1, 1))
    if kind == "equicorrelated":
        low = -1.0 / (d - 1)
        rho = draw(st.floats(low, 0.999, allow_nan=False).filter(lambda r: r > low + 1e-6))
        c = (1 - rho) * np.eye(d) + rho * np.ones((d, d))
        np.fill_diagonal(c, 1.0)  # (1 - rho) + rho may round below 1
        return c
    if kind == "one-factor":
        lam = np.array(draw(st.lists(st.floats(-0.999, 0.999, allow_nan=False), min_size=d, max_size=d)))
        c = np.outer(lam, lam) + np.diag(1 - lam**2)
        np.fill_diagonal(c, 1.0)
        return c
    if kind == "random":
        k = draw(st.integers(1, d))
        a = np.array(draw(st.lists(_unit(), min_size=d * k, max_size=d * k))).reshape(d, k)
        ridge = draw(st.floats(0.05, 1.0))
        return _normalise(a @ a.T + ridge * np.eye(d))
    # near-singular: rank r < d plus a tiny ridge
    r = draw(st.integers(1, d - 1))
    a = np.array(draw(st.lists(_unit().filter(lambda v: abs(v) > 0.1), min_size=d * r, max_size=d * r))).reshape(d, r)
    eps = 10.0 ** draw(st.floats(-12.0, -6.0))
    return _normalise(a @ a.T + eps * np.eye(d))


@st.composite
def covariance_matrices(draw, dim=None, kinds=CORRELATION_KINDS, max_dim=6):
    """A covariance: a :func:`correlation_matrices` draw scaled by standard deviations drawn
    log-uniformly in [1e-2, 1e2]."""
    c = draw(correlation_matrices(dim, kinds, max_dim))
    d = c.shape[0]
    s = 10.0 ** np.array(draw(st.lists(st.floats(-2.0, 2.0), min_size=d, max_size=d)))
    return c * np.outer(s, s)


@st.composite
def boxes(draw, dim, scale=1.0, infinite=0.3):
    """``(lower, upper)`` with lower <= upper coordinate-wise; each limit is infinite (-inf below,
    +inf above) with probability about ``infinite``, finite ones within +-6 ``scale`` (an array
    of d scales, or one). Empty boxes (lower = upper) are possible."""
    d = draw(_ints(dim, 1, 6))
    scale = np.broadcast_to(np.asarray(scale, dtype=float), (d,))
    lower, upper = np.empty(d), np.empty(d)
    for i in range(d):
        a, b = sorted(draw(st.lists(st.floats(-6.0, 6.0, allow_nan=False), min_size=2, max_size=2)))
        lower[i] = -np.inf if draw(st.floats(0, 1)) < infinite else a * scale[i]
        upper[i] = np.inf if draw(st.floats(0, 1)) < infinite else b * scale[i]
    return lower, upper


@st.composite
def problems(draw, dim=None, kinds=CORRELATION_KINDS, max_dim=6, infinite=0.3):
    """A dict ``{"mean", "cov", "lower", "upper"}``: a :func:`covariance_matrices` draw, a mean
    within +-2 standard deviations and a :func:`boxes` draw scaled by the standard deviations
    around the mean."""
    cov = draw(covariance_matrices(dim, kinds, max_dim))
    d = cov.shape[0]
    sd = np.sqrt(np.diag(cov))
    mean = np.array(draw(st.lists(st.floats(-2.0, 2.0), min_size=d, max_size=d))) * sd
    lower, upper = draw(boxes(d, sd, infinite))
    return {"mean": mean, "cov": cov, "lower": mean + lower, "upper": mean + upper}


@st.composite
def exact_batches(draw, batch=None, classes=None, max_batch=8, max_classes=12, spread=20.0,
                  per_example_sigma=None):
    """``(logits (B, C), labels (B,), sigma)`` for the EXACT expected accuracy: logits within
    +-``spread`` (ties and confident rows included: a row may be drawn from few distinct values),
    labels in 0..C-1, sigma log-uniform in [1e-2, 1e1], a scalar or one per example."""
    b = draw(_ints(batch, 1, max_batch))
    c = draw(_ints(classes, 1, max_classes))
    values = st.floats(-spread, spread, allow_nan=False, allow_infinity=False)
    if draw(st.booleans()):
        pool = draw(st.lists(values, min_size=1, max_size=3))  # ties
        values = st.sampled_from(pool)
    logits = np.array(draw(st.lists(values, min_size=b * c, max_size=b * c)), dtype=float).reshape(b, c)
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=b, max_size=b)), dtype=np.int64)
    per_example = draw(st.booleans()) if per_example_sigma is None else per_example_sigma
    log_sigma = st.floats(-2.0, 1.0)
    if per_example:
        sigma = 10.0 ** np.array(draw(st.lists(log_sigma, min_size=b, max_size=b)))
    else:
        sigma = float(10.0 ** draw(log_sigma))
    return logits, labels, sigma
