"""mvn_orthant.multivariate_normal.cdf / logcdf against closed forms, SciPy, and SciPy's semantics."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import log_ndtr, ndtr

from mvn_orthant import multivariate_normal as mvn


@pytest.mark.parametrize("rho", [-0.9, -0.5, 0.0, 0.3, 0.8, 0.99])
def test_bivariate_orthant_closed_form(rho):
    cov = [[1.0, rho], [rho, 1.0]]
    p = mvn.cdf([0.0, 0.0], mean=[0.0, 0.0], cov=cov)
    assert np.ndim(p) == 0
    assert p == pytest.approx(0.25 + math.asin(rho) / (2 * math.pi), abs=1e-14)


@pytest.mark.parametrize("d", [2, 3, 5, 10, 20])
def test_equicorrelated_half_orthant(d):
    cov = np.full((d, d), 0.5) + 0.5 * np.eye(d)
    p = mvn.cdf(np.zeros(d), mean=np.zeros(d), cov=cov)
    assert p == pytest.approx(1.0 / (d + 1), rel=1e-10, abs=1e-12)


def test_independent_product_with_mean_and_diagonal_cov():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=4)
    var = rng.uniform(0.5, 2.0, size=4)
    lo = rng.normal(size=4) - 1.0
    hi = lo + rng.uniform(0.1, 2.0, size=4)
    expected = np.prod(ndtr((hi - mean) / np.sqrt(var)) - ndtr((lo - mean) / np.sqrt(var)))
    assert mvn.cdf(hi, mean=mean, cov=var, lower_limit=lo) == pytest.approx(expected, rel=1e-12)
    assert mvn.cdf(hi, mean=mean, cov=np.diag(var), lower_limit=lo) == pytest.approx(expected, rel=1e-12)


def test_scalar_cov_is_a_multiple_of_the_identity():
    p = mvn.cdf([1.0, -0.5, 0.2], mean=[0, 0, 0], cov=2.0)
    expected = np.prod(ndtr(np.array([1.0, -0.5, 0.2]) / math.sqrt(2.0)))
    assert p == pytest.approx(expected, rel=1e-12)


def _random_problem(rng, d):
    a = rng.normal(size=(d, d))
    cov = a @ a.T + 0.3 * np.eye(d)
    mean = rng.normal(size=d)
    return mean, cov


@pytest.mark.parametrize("d", [2, 3, 4, 6])
def test_against_scipy_on_random_problems(d):
    rng = np.random.default_rng(100 + d)
    for _ in range(3):
        mean, cov = _random_problem(rng, d)
        x = mean + rng.normal(size=(5, d)) * np.sqrt(np.diag(cov))
        lower = x - rng.uniform(0.5, 3.0, size=(5, d))
        ours, err = mvn.cdf(x, mean=mean, cov=cov, lower_limit=lower, rng=1, return_error=True)
        theirs = stats.multivariate_normal.cdf(x, mean=mean, cov=cov, lower_limit=lower, rng=np.random.default_rng(2))
        assert ours.shape == theirs.shape == (5,)
        # Both aim at abseps = 1e-5; allow a few times SciPy's own tolerance.
        np.testing.assert_allclose(ours, theirs, atol=5e-5)
        assert np.all(err <= 1e-5 + 1e-12)


def test_broadcasting_shapes_match_scipy():
    mean = [0.1, -0.2]
    cov = [[1.0, 0.4], [0.4, 2.0]]
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3, 2))
    for lower in [None, [-1.0, -2.0], rng.normal(size=(3, 2)) - 2, rng.normal(size=(4, 1, 2)) - 2]:
        ours = mvn.cdf(x, mean=mean, cov=cov, lower_limit=lower)
        theirs = stats.multivariate_normal.cdf(x, mean=mean, cov=cov, lower_limit=lower)
        assert ours.shape == theirs.shape == (4, 3)
        np.testing.assert_allclose(ours, theirs, atol=1e-8)
    # one point → a scalar (NumPy float), like SciPy
    p = mvn.cdf([0.0, 1.0], mean=mean, cov=cov)
    assert np.ndim(p) == 0 and isinstance(p, float)
    # dim 1: a 1-D x is a list of points
    assert mvn.cdf([-1.0, 0.0, 1.0]).shape == (3,)
    np.testing.assert_allclose(mvn.cdf([-1.0, 0.0, 1.0]), ndtr([-1.0, 0.0, 1.0]), rtol=1e-14)
    # (n, 1, d): squeezed like SciPy
    assert mvn.cdf(x[:, :1, :], mean=mean, cov=cov).shape == (4,)


def test_sign_rule_for_swapped_limits_matches_scipy():
    mean = [0.0, 0.0]
    cov = [[1.0, 0.3], [0.3, 1.0]]
    x = np.array([[1.0, 0.5], [-1.0, 0.5], [-1.0, -2.0]])
    lower = np.array([0.0, 0.0])
    ours = mvn.cdf(x, mean=mean, cov=cov, lower_limit=lower)
    theirs = stats.multivariate_normal.cdf(x, mean=mean, cov=cov, lower_limit=lower)
    np.testing.assert_allclose(ours, theirs, atol=1e-8)
    assert ours[0] > 0 and ours[1] < 0 and ours[2] > 0
    # the swapped problem has the same magnitude
    swapped = mvn.cdf([0.0, 0.5], mean=mean, cov=cov, lower_limit=[-1.0, 0.0])
    assert ours[1] == pytest.approx(-swapped, abs=1e-15)
    # logcdf of a negative probability is complex, as in SciPy
    lc = mvn.logcdf(x, mean=mean, cov=cov, lower_limit=lower)
    np.testing.assert_allclose(np.exp(lc), ours, atol=1e-12)


def test_logcdf_is_finite_far_below_the_smallest_double():
    lc = mvn.logcdf([-30.0, -30.0], mean=[0.0, 0.0], cov=1)
    assert np.isfinite(lc)
    assert lc == pytest.approx(2 * log_ndtr(-30.0), rel=1e-12)
    assert lc < -390 * math.log(10)  # P < 1e-390
    # correlated, genuinely multivariate, far in the tail
    lc3 = mvn.logcdf([-40.0, -40.0, -40.0], mean=[0, 0, 0], cov=[[1, 0.2, 0.1], [0.2, 1, 0.3], [0.1, 0.3, 1]])
    assert np.isfinite(lc3) and lc3 < -1000
    # and agrees with log(cdf) where the cdf is representable
    p = mvn.cdf([-3.0, -1.0], mean=[0, 0], cov=[[1, 0.5], [0.5, 1]])
    assert mvn.logcdf([-3.0, -1.0], mean=[0, 0], cov=[[1, 0.5], [0.5, 1]]) == pytest.approx(math.log(p), rel=1e-12)


def test_empty_box():
    assert mvn.cdf([0.0, -np.inf], mean=[0, 0]) == 0.0
    assert mvn.logcdf([0.0, -np.inf], mean=[0, 0]) == -np.inf
    assert mvn.cdf([np.inf, 1.0], mean=[0, 0], lower_limit=[np.inf, 0.0]) == 0.0
    # a degenerate interval has probability 0
    assert mvn.cdf([1.0, 1.0], mean=[0, 0], lower_limit=[1.0, 0.0]) == 0.0


def test_errors_are_value_errors():
    with pytest.raises(ValueError, match="NaN"):
        mvn.cdf([np.nan, 0.0], mean=[0, 0])
    with pytest.raises(ValueError, match="NaN"):
        mvn.cdf([0.0, 0.0], mean=[0, 0], lower_limit=[np.nan, 0.0])
    with pytest.raises(ValueError):
        mvn.cdf([0.0, 0.0, 0.0], mean=[0, 0])  # mismatched dimensions
    with pytest.raises(ValueError):
        mvn.cdf([0.0, 0.0], mean=[0, 0], cov=np.eye(3))
    with pytest.raises(ValueError):
        mvn.cdf([0.0, 0.0], mean=[0, 0], lower_limit=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="positive semidefinite"):
        mvn.cdf([0.0, 0.0], mean=[0, 0], cov=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        mvn.cdf([0.0, 0.0], mean=[0, 0], cov=[[1.0, 0.5], [0.2, 1.0]])
    with pytest.raises(ValueError, match="method"):
        mvn.cdf([0.0, 0.0], mean=[0, 0], method="nope")
    with pytest.raises(ValueError, match="point 1"):
        mvn.cdf([[0.0, 0.0], [np.nan, 0.0]], mean=[0, 0])


def test_singular_covariance():
    cov = [[1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="singular"):
        mvn.cdf([0.0, 1.0], mean=[0, 0], cov=cov)
    with pytest.raises(ValueError):  # SciPy agrees
        stats.multivariate_normal.cdf([0.0, 1.0], mean=[0, 0], cov=cov)
    # X1 = X2: P(X1 <= 0, X2 <= 1) = Φ(0)
    assert mvn.cdf([0.0, 1.0], mean=[0, 0], cov=cov, allow_singular=True) == pytest.approx(0.5, abs=1e-12)


def test_seeds_are_deterministic_and_generators_accepted():
    d = 6
    mean, cov = _random_problem(np.random.default_rng(7), d)
    x = np.random.default_rng(8).normal(size=(20, d))
    a = mvn.cdf(x, mean=mean, cov=cov, rng=42, method="genz")
    b = mvn.cdf(x, mean=mean, cov=cov, rng=42, method="genz")
    np.testing.assert_array_equal(a, b)
    c = mvn.cdf(x, mean=mean, cov=cov, rng=np.random.default_rng(5), method="genz")
    e = mvn.cdf(x, mean=mean, cov=cov, rng=np.random.default_rng(5), method="genz")
    np.testing.assert_array_equal(c, e)
    # a point's value does not depend on the batch it is in
    single = mvn.cdf(x[:1], mean=mean, cov=cov, rng=42, method="genz")
    assert single == a[0]
    with pytest.raises(TypeError):
        mvn.cdf(x, mean=mean, cov=cov, rng="seed")


def test_methods_and_return_error():
    cov = [[1.0, 0.5, 0.2], [0.5, 1.0, 0.1], [0.2, 0.1, 1.0]]
    exact, err = mvn.cdf([0.3, -0.2, 1.0], mean=[0, 0, 0], cov=cov, method="exact", return_error=True)
    assert err <= 1e-14
    for method in ["auto", "genz", "genz-lattice", "tilted", "monte-carlo"]:
        # Each reported error (a 99% half-width) must cover the exact value.
        p, e = mvn.cdf([0.3, -0.2, 1.0], mean=[0, 0, 0], cov=cov, method=method, rng=0,
                       abseps=1e-6, releps=0, maxpts=200_000, return_error=True)
        assert abs(p - exact) <= e + 1e-15, (method, p, e, exact)
        assert e <= (1e-2 if method == "monte-carlo" else 1e-5), (method, e)


def test_threads_share_the_module_and_agree():
    # The batch runs with the GIL released: several Python threads may call in at once, and
    # each gets the same (seeded) answer as a sequential call.
    from concurrent.futures import ThreadPoolExecutor

    d = 5
    mean, cov = _random_problem(np.random.default_rng(11), d)
    x = np.random.default_rng(12).normal(size=(50, d))
    expected = mvn.cdf(x, mean=mean, cov=cov, rng=3, method="genz")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: mvn.cdf(x, mean=mean, cov=cov, rng=3, method="genz"), range(8)))
    for r in results:
        np.testing.assert_array_equal(r, expected)
