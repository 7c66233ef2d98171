"""SciPy-compatible ``multivariate_normal.cdf`` / ``.logcdf`` over the Rust core.

Argument processing follows ``scipy.stats.multivariate_normal`` (SciPy 1.15+): the dimension is
inferred from ``mean`` or ``cov``, ``cov`` may be a scalar, a 1-D diagonal or a 2-D matrix, ``x``
has its components on the last axis and is broadcast against ``lower_limit``, coordinates whose
lower limit exceeds the upper limit are swapped with the probability's sign flipped for each swap,
and the output is squeezed (a scalar for one point). The integration itself, the validation of
the covariance (once per call) and the batch loop run in Rust with the GIL released.
"""

from typing import Any, Dict, NamedTuple

import numpy as np

from . import _core

_UINT64 = 2**64


def _seed_from_rng(rng):
    """A 64-bit seed from ``rng``: None (fresh entropy), an int, or a NumPy Generator/RandomState."""
    if rng is None:
        return int(np.random.default_rng().integers(0, _UINT64, dtype=np.uint64))
    if isinstance(rng, (bool, np.bool_)):
        raise TypeError("rng must be None, an int, or a numpy.random.Generator")
    if isinstance(rng, (int, np.integer)):
        return int(rng) % _UINT64
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, _UINT64, dtype=np.uint64))
    if isinstance(rng, np.random.RandomState):
        return int(rng.randint(0, 2**63, dtype=np.int64))
    raise TypeError("rng must be None, an int, or a numpy.random.Generator")


def _process_parameters(mean, cov):
    # scipy.stats._multivariate.multivariate_normal_gen._process_parameters_psd
    if mean is None:
        if cov is None:
            dim = 1
        else:
            cov = np.asarray(cov, dtype=float)
            dim = 1 if cov.ndim < 2 else cov.shape[0]
    else:
        mean = np.asarray(mean, dtype=float)
        dim = mean.size
    if mean is None:
        mean = np.zeros(dim)
    mean = np.asarray(mean, dtype=float)
    if cov is None:
        cov = 1.0
    cov = np.asarray(cov, dtype=float)
    if dim == 1:
        mean = mean.reshape(1)
        cov = cov.reshape(1, 1)
    if mean.ndim != 1 or mean.shape[0] != dim:
        raise ValueError(f"Array 'mean' must be a vector of length {dim}.")
    return dim, mean, _square_matrix(cov, dim, "mean")


def _square_matrix(cov, dim, vector):
    """``cov`` (a scalar, a 1-D diagonal or a 2-D array) as a ``dim`` x ``dim`` matrix, with
    SciPy's messages (``vector`` names the location argument: ``mean`` or ``loc``)."""
    if cov.ndim == 0:
        return cov * np.eye(dim)
    mismatch = f"Dimension mismatch: array 'cov' is of shape {cov.shape}, but '{vector}' is a vector of length {dim}."
    if cov.ndim == 1:
        if cov.shape[0] != dim:
            raise ValueError(mismatch)
        return np.diag(cov)
    if cov.ndim == 2 and cov.shape != (dim, dim):
        rows, cols = cov.shape
        if rows != cols:
            raise ValueError(f"Array 'cov' must be square if it is two dimensional, but cov.shape = {cov.shape}.")
        raise ValueError(mismatch)
    if cov.ndim > 2:
        raise ValueError(f"Array 'cov' must be at most two-dimensional, but cov.ndim = {cov.ndim}")
    return cov


def _process_quantiles(x, dim):
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        x = x[np.newaxis]
    elif x.ndim == 1:
        x = x[:, np.newaxis] if dim == 1 else x[np.newaxis, :]
    return x


def _squeeze(out):
    out = out.squeeze()
    if out.ndim == 0:
        out = out[()]
    return out


def _result(value, error, return_error):
    """``value`` squeezed like SciPy's output, with the squeezed ``error`` when ``return_error``."""
    out = _squeeze(np.asarray(value))
    return (out, _squeeze(error)) if return_error else out


def _signed_log(log_value, signs):
    """ln P of the signed probability signs * exp(log_value): complex, log|P| + i*pi, where
    ``signs`` is negative, as in SciPy."""
    if np.any(signs < 0):
        return log_value + np.where(signs < 0, 1j * np.pi, 0.0)
    return log_value


def _prepare(x, mean, cov, maxpts, lower_limit):
    """The processed distribution and the (n, d) limits of a call, with SciPy's sign rule.

    Returns ``(dim, mean, cov, maxpts, lo, hi, swap, signs, shape)``: ``lo <= hi`` row by row,
    ``swap`` (shape + (d,)) marks the coordinates whose limits were exchanged, ``signs`` (shape)
    is (-1) to the number of swaps, ``shape`` the broadcast shape of the points.
    """
    dim, mean, cov = _process_parameters(mean, cov)
    return _limits(x, dim, mean, cov, maxpts, lower_limit, 1000000 * dim)


def _limits(x, dim, mean, cov, maxpts, lower_limit, default_maxpts):
    """:func:`_prepare` after the distribution's parameters are processed (shared with
    ``multivariate_t``, whose parameters and default budget differ)."""
    x = _process_quantiles(x, dim)
    if x.shape[-1] != dim:
        raise ValueError(
            f"dimension mismatch: x has {x.shape[-1]} components on its last axis, the distribution has {dim}"
        )
    if not maxpts:
        maxpts = default_maxpts
    maxpts = int(maxpts)
    if maxpts <= 0:
        raise ValueError(f"maxpts must be positive, got {maxpts}")
    lower = np.full(dim, -np.inf) if lower_limit is None else np.asarray(lower_limit, dtype=float)
    try:
        upper, lower = np.broadcast_arrays(x, lower)
    except ValueError as e:
        raise ValueError(f"lower_limit of shape {lower.shape} does not broadcast against x of shape {x.shape}") from e
    if upper.shape[-1] != dim:
        raise ValueError(f"dimension mismatch: the limits have {upper.shape[-1]} components, the distribution has {dim}")
    # SciPy's sign rule: a coordinate whose lower limit exceeds its upper limit is swapped, and
    # the probability changes sign once per swap.
    swap = upper < lower
    signs = (-1.0) ** swap.sum(axis=-1)
    lo = np.where(swap, upper, lower)
    hi = np.where(swap, lower, upper)
    shape = upper.shape[:-1]
    lo = np.ascontiguousarray(lo.reshape(-1, dim), dtype=np.float64)
    hi = np.ascontiguousarray(hi.reshape(-1, dim), dtype=np.float64)
    return dim, mean, cov, maxpts, lo, hi, swap, signs, shape


def _core_options(mean, cov, maxpts, abseps, releps, rng, method, allow_singular):
    return dict(
        abs_tol=float(abseps),
        rel_tol=float(releps),
        max_evaluations=maxpts,
        seed=_seed_from_rng(rng),
        method=str(method),
        allow_singular=bool(allow_singular),
    ), (np.ascontiguousarray(mean, dtype=np.float64), np.ascontiguousarray(cov, dtype=np.float64))


def _evaluate(x, mean, cov, allow_singular, maxpts, abseps, releps, lower_limit, rng, method):
    dim, mean, cov, maxpts, lo, hi, _, signs, shape = _prepare(x, mean, cov, maxpts, lower_limit)
    options, (mean, cov) = _core_options(mean, cov, maxpts, abseps, releps, rng, method, allow_singular)
    value, log_value, error = _core.RectangleBatch(lo, hi, mean, cov, **options).cdf()
    return value.reshape(shape), log_value.reshape(shape), error.reshape(shape), signs


class CdfGradient(NamedTuple):
    """The result of :meth:`multivariate_normal_gen.cdf_with_gradient`.

    ``value`` has the shape of :meth:`~multivariate_normal_gen.cdf`'s result; every derivative
    has that shape followed by ``(d,)`` (``(d, d)`` for ``cov``), one per point, and is None
    when not requested. ``error`` holds the 99% error half-widths of ``value`` and of every
    derivative under the same names (0 for the exact methods).
    """

    value: Any
    upper: Any
    lower: Any
    mean: Any
    cov: Any
    error: Dict[str, Any]


_WRT = ("upper", "lower", "mean")

class multivariate_normal_gen:
    """``cdf`` and ``logcdf`` of the multivariate normal distribution, with SciPy's signatures.

    Use as ``mvn_orthant.multivariate_normal.cdf(x, mean, cov, ...)`` in place of
    ``scipy.stats.multivariate_normal.cdf``. Extensions (keywords only): ``method`` (``"auto"``,
    ``"exact"``, ``"genz"``, ``"genz-lattice"``, ``"tilted"``, ``"monte-carlo"``) and
    ``return_error`` (also return the 99% error half-width of every probability).
    """

    def cdf(self, x, mean=None, cov=1, allow_singular=False, maxpts=None, abseps=1e-5, releps=1e-5,
            *, lower_limit=None, rng=None, method="auto", return_error=False):
        """P(lower_limit <= X <= x) for X ~ N(mean, cov), at every point of ``x`` (last axis: components).

        SciPy's semantics: a scalar for one point, otherwise an array (squeezed like SciPy's);
        a coordinate with ``lower_limit > x`` flips the probability's sign. ``rng`` (None, an int
        or a ``numpy.random.Generator``) seeds the randomised methods; results are deterministic
        for a given seed. Raises ``ValueError`` on invalid input (NaN, a covariance that is not
        symmetric positive semidefinite, a singular covariance unless ``allow_singular``,
        mismatched dimensions). With ``return_error=True`` returns ``(cdf, error)``.
        """
        value, _, error, signs = _evaluate(x, mean, cov, allow_singular, maxpts, abseps, releps, lower_limit, rng, method)
        return _result(value * signs, error, return_error)

    def logcdf(self, x, mean=None, cov=1, allow_singular=False, maxpts=None, abseps=1e-5, releps=1e-5,
               *, lower_limit=None, rng=None, method="auto", return_error=False):
        """The natural logarithm of :meth:`cdf`, computed in log space (finite far below 1e-308).

        An empty box gives ``-inf``. Where an odd number of limits are swapped the probability
        is negative and, as in SciPy, the result is complex (log|P| + i*pi). With
        ``return_error=True`` returns ``(logcdf, error)`` where ``error`` is the error of the
        probability (not of its logarithm).
        """
        _, log_value, error, signs = _evaluate(x, mean, cov, allow_singular, maxpts, abseps, releps, lower_limit, rng, method)
        return _result(_signed_log(log_value, signs), error, return_error)

    def cdf_with_gradient(self, x, mean=None, cov=1, allow_singular=False, maxpts=None, abseps=1e-5,
                          releps=1e-5, *, lower_limit=None, rng=None, method="auto", wrt=_WRT,
                          cov_gradient=False):
        """:meth:`cdf` with its derivatives, as a :class:`CdfGradient` ``(value, upper, lower, mean, cov, error)``.

        For P(a <= X <= b), X ~ N(mu, Sigma), with b = ``x`` and a = ``lower_limit``:

        * ``upper`` = dP/db_k = phi_k(b_k) P(a_-k <= X_-k <= b_-k | X_k = b_k) (0 where b_k is infinite);
        * ``lower`` = dP/da_k, the same at a_k with a minus sign;
        * ``mean`` = dP/dmu = -(dP/da + dP/db);
        * ``cov`` (with ``cov_gradient=True``) = dP/dSigma, d x d, symmetric: entry (i, i) is
          dP/dSigma_ii and entry (i, j), i != j, the derivative with respect to the pair
          Sigma_ij = Sigma_ji moved together (Plackett's identity). For a symmetric-matrix
          parametrisation with independent upper-triangle parameters this is the gradient; for
          the derivative with respect to one entry alone, halve the off-diagonal entries.

        Derivatives are per point (not summed over a broadcast ``lower_limit``); under SciPy's
        sign rule they are those of the signed value (a swapped coordinate's ``upper`` is the
        derivative at ``x``, where the swapped box has its lower limit). ``wrt`` selects among
        ``"upper"``, ``"lower"``, ``"mean"`` (the others are None; all cost the same). The exact
        methods (d <= 3, one-factor covariances) give exact derivatives; Genz's methods the
        pathwise estimate from the value's own points, each component with its error. The
        covariance derivative costs O(d^2) integrals of dimension d - 2 beyond d = 3. Methods
        ``"tilted"`` and ``"monte-carlo"`` give no gradient (``ValueError``).
        """
        wrt = (wrt,) if isinstance(wrt, str) else tuple(wrt)
        for name in wrt:
            if name not in _WRT:
                raise ValueError(f"unknown wrt {name!r}; expected some of {', '.join(_WRT)}")
        dim, mean, cov, maxpts, lo, hi, swap, signs, shape = _prepare(x, mean, cov, maxpts, lower_limit)
        options, (mean, cov) = _core_options(mean, cov, maxpts, abseps, releps, rng, method, allow_singular)
        batch = _core.RectangleBatch(lo, hi, mean, cov, **options)
        value, error, limits, covariance = batch.gradient(with_covariance=bool(cov_gradient))
        d_lo, d_hi, d_mean, e_lo, e_hi, e_mean = (a.reshape(shape + (dim,)) for a in limits)
        # Back from the ordered box to the caller's limits: a swapped coordinate's x is the box's
        # lower limit, its lower_limit the box's upper limit.
        per_point = signs[..., np.newaxis]
        d_upper = np.where(swap, d_lo, d_hi) * per_point
        d_lower = np.where(swap, d_hi, d_lo) * per_point
        e_upper = np.where(swap, e_lo, e_hi)
        e_lower = np.where(swap, e_hi, e_lo)
        out_shape = np.shape(_squeeze(np.empty(shape)))
        fit = lambda a, tail: a.reshape(out_shape + tail)  # noqa: E731
        vec, mat = (dim,), (dim, dim)
        errors = {"value": _squeeze(error.reshape(shape))}
        fields = {}
        for name, g, e in (("upper", d_upper, e_upper), ("lower", d_lower, e_lower), ("mean", d_mean * per_point, e_mean)):
            if name in wrt:
                fields[name] = fit(g, vec)
                errors[name] = fit(e, vec)
            else:
                fields[name] = None
        if cov_gradient:
            d_cov, e_cov = (a.reshape(shape + mat) for a in covariance)
            fields["cov"] = fit(d_cov * signs[..., np.newaxis, np.newaxis], mat)
            errors["cov"] = fit(e_cov, mat)
        else:
            fields["cov"] = None
        return CdfGradient(value=_squeeze(value.reshape(shape) * signs), error=errors, **fields)


multivariate_normal = multivariate_normal_gen()
