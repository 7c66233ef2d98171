"""SciPy-compatible ``multivariate_t.cdf`` (and ``logcdf``) over the Rust core.

X = loc + Z / sqrt(W/df), Z ~ N(0, shape), W ~ chi2_df independent, df > 0 real (df = inf: the
normal). Argument processing follows ``scipy.stats.multivariate_t`` (SciPy 1.15+): the dimension
is inferred from ``loc`` or ``shape``, ``shape`` may be a scalar, a 1-D diagonal or a 2-D matrix,
``x`` has its components on the last axis and is broadcast against ``lower_limit``, SciPy's sign
rule applies (a coordinate whose lower limit exceeds its upper limit is swapped, and flips the
probability's sign), and the output is squeezed (a scalar for one point). The integration runs in
Rust (``mvn_orthant::student_t``) with the GIL released.
"""

import numpy as np

from . import _core
from ._multivariate import _core_options, _limits, _result, _signed_log, _square_matrix

# The error targets of the randomised methods (SciPy's multivariate_t.cdf has none: its QSIMVT
# spends a fixed budget); the exact methods do not use them.
_ABSEPS = 1e-5
_RELEPS = 1e-5


def _process_parameters(loc, shape, df):
    # scipy.stats._multivariate.multivariate_t_gen._process_parameters (SciPy 1.15+)
    if loc is None and shape is None:
        loc = np.asarray(0, dtype=float)
        shape = np.asarray(1, dtype=float)
        dim = 1
    elif loc is None:
        shape = np.asarray(shape, dtype=float)
        dim = 1 if shape.ndim < 2 else shape.shape[0]
        loc = np.zeros(dim)
    elif shape is None:
        loc = np.asarray(loc, dtype=float)
        dim = loc.size
        shape = np.eye(dim)
    else:
        shape = np.asarray(shape, dtype=float)
        loc = np.asarray(loc, dtype=float)
        dim = loc.size
    if dim == 1:
        loc = loc.reshape(1)
        shape = shape.reshape(1, 1)
    if loc.ndim != 1 or loc.shape[0] != dim:
        raise ValueError(f"Array 'loc' must be a vector of length {dim}.")
    shape = _square_matrix(shape, dim, "loc")
    if df is None:
        df = 1.0
    elif df <= 0:
        raise ValueError("'df' must be greater than zero.")
    elif np.isnan(df):
        raise ValueError("'df' is 'nan' but must be greater than zero or 'np.inf'.")
    return dim, loc, shape, float(df)


def _evaluate(x, loc, shape, df, allow_singular, maxpts, lower_limit, random_state, method):
    dim, loc, shape, df = _process_parameters(loc, shape, df)
    dim, loc, shape, maxpts, lo, hi, _, signs, out_shape = _limits(x, dim, loc, shape, maxpts, lower_limit, 1000 * dim)
    options, (loc, shape) = _core_options(loc, shape, maxpts, _ABSEPS, _RELEPS, random_state, method, allow_singular)
    value, log_value, error = _core.RectangleBatch(lo, hi, loc, shape, **options).cdf(df=df)
    return value.reshape(out_shape), log_value.reshape(out_shape), error.reshape(out_shape), signs


class multivariate_t_gen:
    """``cdf`` and ``logcdf`` of the multivariate Student t distribution, with SciPy's signature.

    Use as ``mvn_orthant.multivariate_t.cdf(x, loc, shape, df, ...)`` in place of
    ``scipy.stats.multivariate_t.cdf``. ``shape`` is the scale matrix (the covariance of X is
    df/(df - 2) * shape for df > 2); ``df`` may be any positive real or ``np.inf`` (the normal).
    Extensions (keywords only): ``method`` (``"auto"``, ``"exact"``; the other names of
    ``multivariate_normal`` apply to ``df = inf`` and raise ``ValueError`` for a finite ``df``
    until their t versions exist) and ``return_error``.
    """

    def cdf(self, x, loc=None, shape=1, df=1, allow_singular=False, *, maxpts=None, lower_limit=None,
            random_state=None, method="auto", return_error=False):
        """P(lower_limit <= X <= x) at every point of ``x`` (last axis: components).

        SciPy's semantics: a scalar for one point, otherwise an array squeezed like SciPy's; a
        coordinate with ``lower_limit > x`` flips the probability's sign. ``maxpts`` is the
        evaluation budget of the randomised methods (default ``1000 * dim``, SciPy's);
        ``random_state`` (None, an int, a ``numpy.random.Generator`` or ``RandomState``) seeds
        them. The exact methods (d <= 3 after dropping unbounded coordinates, one-factor shape
        matrices ``D + l l^T`` in any dimension) are deterministic and accurate to ~1e-14
        relative, also in the polynomial tails (P = 1e-30 and far below). Raises ``ValueError``
        on invalid input (df <= 0 or NaN, NaN limits, a shape matrix that is not symmetric
        positive semidefinite, a singular one unless ``allow_singular``, mismatched dimensions)
        and where no method applies. With ``return_error=True`` returns ``(cdf, error)`` (the
        99% error half-widths; 0 for the exact methods).
        """
        value, _, error, signs = _evaluate(x, loc, shape, df, allow_singular, maxpts, lower_limit, random_state, method)
        return _result(value * signs, error, return_error)

    def logcdf(self, x, loc=None, shape=1, df=1, allow_singular=False, *, maxpts=None, lower_limit=None,
               random_state=None, method="auto", return_error=False):
        """The natural logarithm of :meth:`cdf`, computed in log space (finite far below 1e-308).

        SciPy's ``multivariate_t`` has no ``logcdf``; this one follows
        ``multivariate_normal.logcdf``: an empty box gives ``-inf``, and where an odd number of
        limits are swapped the probability is negative and the result complex (log|P| + i*pi).
        With ``return_error=True`` returns ``(logcdf, error)``, ``error`` that of the probability.
        """
        _, log_value, error, signs = _evaluate(x, loc, shape, df, allow_singular, maxpts, lower_limit, random_state, method)
        return _result(_signed_log(log_value, signs), error, return_error)


multivariate_t = multivariate_t_gen()
