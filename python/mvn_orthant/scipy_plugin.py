"""A pytest plugin that runs SciPy's own tests of ``multivariate_normal.cdf`` and
``multivariate_t.cdf`` on mvn_orthant.

SciPy's ``multivariate_normal_gen._cdf`` (its integrator: Genz-Bretz QMC through ``_qauto``, the
bivariate ``_bvn`` in d = 2) is replaced, for the whole session, by
:func:`mvn_orthant.multivariate_normal.cdf` on the same arguments (the points, the mean, the
covariance SciPy has already validated, ``maxpts``, ``abseps``, ``releps``, ``lower_limit`` and
SciPy's random generator), so that SciPy's argument processing, frozen distributions and
``logcdf`` (SciPy's ``log(cdf)``) all run on our integrator::

    python -m pytest -p mvn_orthant.scipy_plugin --pyargs scipy.stats.tests.test_multivariate \\
        -k "TestMultivariateNormal and cdf"

In the same way ``multivariate_t_gen._cdf`` (SciPy's QSIMVT, ``_qmvt``) is replaced by
:func:`mvn_orthant.multivariate_t.cdf` on the same arguments (the points, ``loc``, the shape matrix
SciPy has validated, ``df``, ``maxpts``, ``lower_limit``, ``random_state``)::

    python -m pytest -p mvn_orthant.scipy_plugin --pyargs scipy.stats.tests.test_multivariate \
        -k "TestMultivariateT and cdf"

The terminal summary says how many times each replacement was called and on how many points
(a session in which neither was called fails: the plugin would be testing SciPy, not us).
"""

import numpy as np

from ._multivariate import multivariate_normal as _ours
from ._multivariate_t import multivariate_t as _ours_t

_STATE = {"calls": 0, "points": 0, "original": None, "t_calls": 0, "t_points": 0, "t_original": None}


def _cdf(self, x, mean, cov, maxpts, abseps, releps, lower_limit, rng):
    """``multivariate_normal_gen._cdf`` on mvn_orthant (SciPy validated ``cov`` already)."""
    _STATE["calls"] += 1
    _STATE["points"] += int(np.prod(np.shape(x)[:-1], dtype=np.int64))
    return _ours.cdf(x, mean, cov, allow_singular=True, maxpts=maxpts, abseps=abseps, releps=releps,
                     lower_limit=lower_limit, rng=rng)


def _cdf_t(self, x, loc, shape, df, dim, maxpts=None, lower_limit=None, random_state=None):
    """``multivariate_t_gen._cdf`` on mvn_orthant (SciPy validated ``shape`` already)."""
    _STATE["t_calls"] += 1
    x = np.asarray(x, dtype=float)
    _STATE["t_points"] += int(np.prod(np.shape(x)[:-1], dtype=np.int64)) if x.ndim > 1 else 1
    if random_state is None:
        random_state = self._random_state
    return _ours_t.cdf(x, loc, shape, df, allow_singular=True, maxpts=maxpts, lower_limit=lower_limit,
                       random_state=random_state)


def pytest_configure(config):
    from scipy.stats import _multivariate

    _STATE["original"] = _multivariate.multivariate_normal_gen._cdf
    _multivariate.multivariate_normal_gen._cdf = _cdf
    _STATE["t_original"] = _multivariate.multivariate_t_gen._cdf
    _multivariate.multivariate_t_gen._cdf = _cdf_t


def pytest_unconfigure(config):
    if _STATE["original"] is not None:
        from scipy.stats import _multivariate

        _multivariate.multivariate_normal_gen._cdf = _STATE["original"]
        _STATE["original"] = None
    if _STATE["t_original"] is not None:
        from scipy.stats import _multivariate

        _multivariate.multivariate_t_gen._cdf = _STATE["t_original"]
        _STATE["t_original"] = None


def pytest_sessionfinish(session, exitstatus):
    if _STATE["calls"] + _STATE["t_calls"] == 0 and session.testscollected > 0 and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line(
        f"mvn_orthant.scipy_plugin: SciPy's multivariate_normal._cdf ran on mvn_orthant "
        f"{_STATE['calls']} times ({_STATE['points']} points)"
        + f"; multivariate_t._cdf {_STATE['t_calls']} times ({_STATE['t_points']} points)"
        + ("" if _STATE["calls"] + _STATE["t_calls"] else " -- never called: this session did not test mvn_orthant"))
