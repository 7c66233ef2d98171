"""Gaussian orthant and rectangle probabilities, and the EXACT expected accuracy, from a Rust core.

* :data:`mvn_orthant.multivariate_normal` -- ``cdf`` and ``logcdf`` with SciPy's signatures
  (``scipy.stats.multivariate_normal``), batches evaluated at once with the GIL released, and a
  true log-probability.
* :data:`mvn_orthant.multivariate_t` -- ``cdf`` with ``scipy.stats.multivariate_t``'s signature
  (any real df > 0; exact in low dimension and for one-factor shape matrices, also in the
  polynomial tails), and ``logcdf`` in log space.
* :mod:`mvn_orthant.exact` -- ``expected_accuracy``, the EXACT loss's expected accuracy and its
  gradients on batches.
* :mod:`mvn_orthant.sweep` -- ``orthant eval`` on JSON Lines problems with the CLI's seed rule (a
  problem's stream from the seed and its id), so split sweeps give the single-process output;
  :mod:`mvn_orthant.distributed` (needs ``dask``) maps it over a ``dask.bag``.
"""

from . import _core, exact, sweep
from ._multivariate import multivariate_normal
from ._multivariate_t import multivariate_t

__version__ = _core.__version__

__all__ = ["multivariate_normal", "multivariate_t", "exact", "sweep", "__version__"]
