"""The EXACT loss's expected accuracy on batches (Karpukhin et al., arXiv 2205.09615)."""

import numpy as np

from . import _core

__all__ = ["expected_accuracy", "exact_loss", "GeometricSchedule", "GradientNormalizer"]

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
    margin = _margin(margin)
    value, d_logits, d_sigma = _batch(logits, labels, sigma, method, samples, seed).expected_accuracy(margin=margin)
    if return_grad:
        return value, d_logits, d_sigma
    return value


def _margin(margin):
    """None, or the margin as a float (``ValueError`` for NaN)."""
    if margin is None:
        return None
    margin = float(margin)
    if np.isnan(margin):
        raise ValueError("margin must not be NaN")
    return margin


def _batch(logits, labels, sigma, method, samples, seed):
    """The core's ``LogitBatch`` of the checked, contiguous arguments."""
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
    return _core.LogitBatch(np.ascontiguousarray(logits), labels, sigma_scalar=sigma_scalar,
                            sigma_per_example=sigma_per_example, method=method, samples=samples,
                            seed=int(seed) % 2**64)


class GeometricSchedule:
    """sigma decreasing geometrically from ``start`` to ``end`` over ``steps`` steps (the authors'
    schedule, e.g. 10 -> 0.01 over the epochs): sigma_k = start * (end/start)**(k/(steps-1)),
    clamped to the last step. ``schedule(k)`` is sigma at step k (``exact_loss::GeometricSchedule``).
    """

    def __init__(self, start, end, steps):
        self.start, self.end, self.steps = float(start), float(end), int(steps)
        if self.steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        _core.geometric_schedule(self.start, self.end, self.steps, 0)  # validates

    def __call__(self, step):
        step = int(step)
        if step < 0:
            raise ValueError(f"step must be non-negative, got {step}")
        return _core.geometric_schedule(self.start, self.end, self.steps, step)

    def __repr__(self):
        return f"GeometricSchedule(start={self.start}, end={self.end}, steps={self.steps})"


class GradientNormalizer:
    """The authors' gradient normaliser: divide the gradients by max(EMA of their global norm, floor)
    instead of clipping them (``exact_loss::GradientNormalizer``; authors: momentum 0.9, floor 0.01).

    ``divisor(norm)`` updates the exponential moving average with the global gradient norm (the
    first call initialises it) and returns the divisor. ``mvn_orthant.torch.ExactLoss`` applies it
    to a model's parameters.
    """

    def __init__(self, momentum=0.9, floor=0.01):
        self._inner = _core.GradientNormalizer(float(momentum), float(floor))

    def divisor(self, norm):
        return self._inner.divisor(float(norm))


_OBJECTIVES = ("one-minus-accuracy", "negative-log-accuracy")


def exact_loss(logits, labels, sigma, *, normalize=True, margin=None, objective="one-minus-accuracy",
               method="quadrature", samples=16, seed=None):
    """The EXACT loss of a batch with the authors' recipe, and its gradients (NumPy).

    1. with ``normalize``, the logits are standardised by one scalar mean and standard deviation
       over the whole batch: z = (x - m)/s;
    2. the deltas z_y - z_i are clipped from above at ``margin``;
    3. A_b = P(argmax_i (z_b,i + sigma_b Z_i) = y_b) as in :func:`expected_accuracy`;
    4. loss = 1 - mean_b A_b (``"one-minus-accuracy"``) or -mean_b ln A_b
       (``"negative-log-accuracy"``).

    Returns ``(loss, d_logits (B, C), d_sigma (B,), mean_accuracy)``; for a scalar sigma its
    derivative is ``d_sigma.sum()``. Raises ``ValueError`` as :func:`expected_accuracy`.
    """
    if objective not in _OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected one of {', '.join(_OBJECTIVES)}")
    batch = _batch(logits, labels, sigma, method, samples, seed)
    return batch.exact_loss(normalize=bool(normalize), margin=_margin(margin), objective=objective)
