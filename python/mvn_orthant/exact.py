"""The EXACT loss's expected accuracy on batches (Karpukhin et al., arXiv 2205.09615)."""

import numpy as np

from . import _core

__all__ = ["expected_accuracy"]

_METHODS = ("quadrature", "genz", "monte-carlo")


def expected_accuracy(logits, labels, sigma, *, margin=None, method="quadrature", samples=16, seed=None,
                      return_grad=False):
    """Expected accuracy A_b = P(argmax_i (logits_b,i + sigma_b * Z_i) = labels_b), Z ~ N(0, I).

    Parameters
    ----------
    logits : array_like, shape (B, C)
    labels : array_like of int, shape (B,)
    sigma : float or array_like of shape (B,), positive
    margin : None, or r: the deltas x_y - x_i are clipped from above at r (the authors' margin:
        an example already ahead by r of class i gets no push from i, and its derivative with
        respect to that delta is 0). With a sampling method each example is then seeded by a
        seed derived from ``seed`` and its index (other streams than with ``margin=None``).
    method : ``"quadrature"`` (exact one-factor quadrature, deterministic), ``"genz"`` (the
        authors' estimator with ``samples`` points) or ``"monte-carlo"``
    samples : points per example for ``"genz"`` and ``"monte-carlo"``
    seed : None (fresh entropy) or an int; seeds the per-example streams of the sampling methods
    return_grad : also return dA/dlogits (B, C) and dA/dsigma (B,)

    Returns
    -------
    accuracy : ndarray (B,), or ``(accuracy, d_logits, d_sigma)`` with ``return_grad``.

    Raises ``ValueError`` on invalid input (non-finite logits, labels out of range, sigma <= 0,
    mismatched shapes) with the Rust core's message.
    """
    if margin is not None:
        margin = float(margin)
        if np.isnan(margin):
            raise ValueError("margin must not be NaN")
    if method not in _METHODS and method != "monte_carlo":
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(_METHODS)}")
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (B, C), got shape {logits.shape}")
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size > 0 and not np.issubdtype(labels.dtype, np.integer)):
        raise ValueError(f"labels must be a 1-D integer array, got dtype {labels.dtype} and shape {labels.shape}")
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    sigma_arr = np.asarray(sigma, dtype=np.float64)
    if sigma_arr.ndim == 0:
        sigma_scalar, sigma_per_example = float(sigma_arr), None
    elif sigma_arr.ndim == 1:
        sigma_scalar, sigma_per_example = None, np.ascontiguousarray(sigma_arr)
    else:
        raise ValueError(f"sigma must be a scalar or have shape (B,), got shape {sigma_arr.shape}")
    samples = int(samples)
    if not 0 < samples < 2**32:
        raise ValueError(f"samples must be a positive 32-bit integer, got {samples}")
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**64, dtype=np.uint64))
    seed = int(seed) % 2**64
    value, d_logits, d_sigma = _core.expected_accuracy(
        np.ascontiguousarray(logits),
        labels,
        sigma_scalar=sigma_scalar,
        sigma_per_example=sigma_per_example,
        margin=margin,
        method=method,
        samples=samples,
        seed=seed,
    )
    if return_grad:
        return value, d_logits, d_sigma
    return value
