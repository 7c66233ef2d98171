"""mvn_orthant.scipy_plugin puts SciPy's multivariate_normal.cdf on our integrator (and restores it)."""

import numpy as np
import pytest
from scipy import stats
from scipy.stats import _multivariate

from mvn_orthant import multivariate_normal as mvn
from mvn_orthant import scipy_plugin


def test_plugin_replaces_and_restores_scipys_integrator():
    original = _multivariate.multivariate_normal_gen._cdf
    cov = [[1.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.0]]
    x = np.array([[0.1, -0.4, 0.7], [1.0, 1.0, -1.0]])
    scipy_plugin.pytest_configure(None)
    try:
        calls = scipy_plugin._STATE["calls"]
        theirs = stats.multivariate_normal.cdf(x, mean=[0, 0, 0], cov=cov, rng=3)
        frozen = stats.multivariate_normal(mean=[0, 0, 0], cov=cov).cdf(x, rng=3)
        assert scipy_plugin._STATE["calls"] == calls + 2
        ours = mvn.cdf(x, mean=[0, 0, 0], cov=cov, method="exact")
        np.testing.assert_allclose(theirs, ours, atol=1e-12)  # d = 3: our exact method under auto
        np.testing.assert_allclose(frozen, ours, atol=1e-12)
    finally:
        scipy_plugin.pytest_unconfigure(None)
    assert _multivariate.multivariate_normal_gen._cdf is original
    assert stats.multivariate_normal.cdf(x, mean=[0, 0, 0], cov=cov, rng=3) == pytest.approx(ours, abs=1e-4)


def test_plugin_replaces_and_restores_scipys_t_integrator():
    from mvn_orthant import multivariate_t

    original = _multivariate.multivariate_t_gen._cdf
    shape = [[1.0, 0.3, 0.1], [0.3, 2.0, 0.2], [0.1, 0.2, 1.0]]
    x = np.array([[0.1, -0.4, 0.7], [1.0, 1.0, -1.0]])
    scipy_plugin.pytest_configure(None)
    try:
        calls = scipy_plugin._STATE["t_calls"]
        theirs = stats.multivariate_t.cdf(x, loc=[0, 0, 0], shape=shape, df=2.5, random_state=3)
        frozen = stats.multivariate_t(loc=[0, 0, 0], shape=shape, df=2.5).cdf(x, random_state=3)
        assert scipy_plugin._STATE["t_calls"] == calls + 2
        ours = multivariate_t.cdf(x, [0, 0, 0], shape, 2.5, method="exact")
        np.testing.assert_allclose(theirs, ours, rtol=1e-15)
        np.testing.assert_allclose(frozen, ours, rtol=1e-15)
    finally:
        scipy_plugin.pytest_unconfigure(None)
    assert _multivariate.multivariate_t_gen._cdf is original
    # SciPy's own QSIMVT again: close, not equal.
    again = stats.multivariate_t.cdf(x, loc=[0, 0, 0], shape=shape, df=2.5, random_state=3)
    np.testing.assert_allclose(again, ours, atol=2e-3)
    assert not np.array_equal(again, ours)
