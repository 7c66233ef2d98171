"""Testing helpers for Python integrators of Gaussian rectangle probabilities and EXACT code.

* :func:`check_integrator` (needs nothing beyond NumPy): runs a Python function over the
  reference suite of ``orthant suite`` and scores it as ``orthant validate`` does (the same Rust
  code), returning a :class:`CheckResult`.
* :mod:`mvn_orthant.testing.strategies` (needs ``hypothesis``): strategies for covariance and
  correlation matrices (random, equicorrelated, one-factor, near-singular), boxes with infinite
  limits, whole problems, and EXACT batches (logits, labels, sigma). Its names are also
  available here: ``mvn_orthant.testing.correlation_matrices`` and so on.
"""

from .check import CaseScore, CheckResult, SuiteProblem, check_integrator, suite_problems

__all__ = ["check_integrator", "CheckResult", "CaseScore", "SuiteProblem", "suite_problems",
           "correlation_matrices", "covariance_matrices", "boxes", "problems", "exact_batches"]

_STRATEGIES = ("correlation_matrices", "covariance_matrices", "boxes", "problems", "exact_batches")


def __getattr__(name):
    # The strategies import hypothesis, which check_integrator does not need.
    if name in _STRATEGIES:
        from . import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
