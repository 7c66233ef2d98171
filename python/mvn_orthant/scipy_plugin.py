"""A pytest plugin that runs SciPy's own tests of ``multivariate_normal.cdf`` on mvn_orthant.

SciPy's ``multivariate_normal_gen._cdf`` (its integrator: Genz-Bretz QMC through ``_qauto``, the
bivariate ``_bvn`` in d = 2) is replaced, for the whole session, by
:func:`mvn_orthant.multivariate_normal.cdf` on the same arguments (the points, the mean, the
covariance SciPy has already validated, ``maxpts``, ``abseps``, ``releps``, ``lower_limit`` and
SciPy's random generator), so that SciPy's argument processing, frozen distributions and
``logcdf`` (SciPy's ``log(cdf)``) all run on our integrator::

    python -m pytest -p mvn_orthant.scipy_plugin --pyargs scipy.stats.tests.test_multivariate \\
        -k "TestMultivariateNormal and cdf"

The terminal summary says how many times the replacement was called and on how many points
(a session in which it was never called fails: the plugin would be testing SciPy, not us).
"""

import numpy as np

from ._multivariate import multivariate_normal as _ours

_STATE = {"calls": 0, "points": 0, "original": None}


def _cdf(self, x, mean, cov, maxpts, abseps, releps, lower_limit, rng):
    """``multivariate_normal_gen._cdf`` on mvn_orthant (SciPy validated ``cov`` already)."""
    _STATE["calls"] += 1
    _STATE["points"] += int(np.prod(np.shape(x)[:-1], dtype=np.int64))
    return _ours.cdf(x, mean, cov, allow_singular=True, maxpts=maxpts, abseps=abseps, releps=releps,
                     lower_limit=lower_limit, rng=rng)


def pytest_configure(config):
    from scipy.stats import _multivariate

    _STATE["original"] = _multivariate.multivariate_normal_gen._cdf
    _multivariate.multivariate_normal_gen._cdf = _cdf


def pytest_unconfigure(config):
    if _STATE["original"] is not None:
        from scipy.stats import _multivariate

        _multivariate.multivariate_normal_gen._cdf = _STATE["original"]
        _STATE["original"] = None


def pytest_sessionfinish(session, exitstatus):
    if _STATE["calls"] == 0 and session.testscollected > 0 and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line(
        f"mvn_orthant.scipy_plugin: SciPy's multivariate_normal._cdf ran on mvn_orthant "
        f"{_STATE['calls']} times ({_STATE['points']} points)"
        + ("" if _STATE["calls"] else " -- never called: this session did not test mvn_orthant"))
