"""Gaussian orthant and rectangle probabilities, and the EXACT expected accuracy, from a Rust core.

* :data:`mvn_orthant.multivariate_normal` -- ``cdf`` and ``logcdf`` with SciPy's signatures
  (``scipy.stats.multivariate_normal``), batches evaluated at once with the GIL released, and a
  true log-probability.
* :mod:`mvn_orthant.exact` -- ``expected_accuracy``, the EXACT loss's expected accuracy and its
  gradients on batches.
"""

from . import _core, exact
from ._multivariate import multivariate_normal

__version__ = _core.__version__

__all__ = ["multivariate_normal", "exact", "__version__"]
