"""multivariate_normal.cdf_with_gradient against closed forms (d = 1, 2) and central differences."""

import math

import numpy as np
import pytest
from scipy.special import ndtr

from mvn_orthant import multivariate_normal as mvn


def phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def test_univariate_closed_form():
    mu, var, a, b = 0.3, 2.5, -1.2, 0.9
    s = math.sqrt(var)
    g = mvn.cdf_with_gradient(b, mean=mu, cov=var, lower_limit=a, cov_gradient=True)
    za, zb = (a - mu) / s, (b - mu) / s
    assert g.value == pytest.approx(ndtr(zb) - ndtr(za), rel=1e-14)
    assert g.upper.shape == (1,) and g.cov.shape == (1, 1)
    assert g.upper[0] == pytest.approx(phi(zb) / s, rel=1e-13)
    assert g.lower[0] == pytest.approx(-phi(za) / s, rel=1e-13)
    assert g.mean[0] == pytest.approx(-(phi(zb) - phi(za)) / s, rel=1e-12)
    # d/d(var) of Phi((b - mu)/sqrt(var)) = -(b - mu) phi(z_b) / (2 var^1.5)
    expected = (-(b - mu) * phi(zb) + (a - mu) * phi(za)) / (2 * var * s)
    assert g.cov[0, 0] == pytest.approx(expected, rel=1e-12)
    assert g.error["upper"][0] == 0.0


@pytest.mark.parametrize("rho", [-0.8, -0.3, 0.0, 0.5, 0.95])
def test_bivariate_closed_form(rho):
    b = np.array([0.4, -0.7])
    g = mvn.cdf_with_gradient(b, mean=[0, 0], cov=[[1, rho], [rho, 1]], cov_gradient=True)
    r = math.sqrt(1 - rho * rho)
    # dP/db_1 = phi(b_1) Phi((b_2 - rho b_1)/sqrt(1 - rho^2)), and symmetrically
    assert g.upper[0] == pytest.approx(phi(b[0]) * ndtr((b[1] - rho * b[0]) / r), rel=1e-12)
    assert g.upper[1] == pytest.approx(phi(b[1]) * ndtr((b[0] - rho * b[1]) / r), rel=1e-12)
    np.testing.assert_array_equal(g.lower, 0.0)
    np.testing.assert_allclose(g.mean, -g.upper, rtol=1e-15)
    # Plackett: dP/drho = phi_2(b_1, b_2; rho)
    q = (b[0] ** 2 - 2 * rho * b[0] * b[1] + b[1] ** 2) / (1 - rho * rho)
    density = math.exp(-0.5 * q) / (2 * math.pi * r)
    assert g.cov[0, 1] == pytest.approx(density, rel=1e-12)
    assert g.cov[1, 0] == g.cov[0, 1]


def _central(f, x, h):
    x = np.array(x, dtype=float)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        out[idx] = (f(xp) - f(xm)) / (2 * h)
    return out


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.5 * np.eye(d)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trivariate_finite_differences(seed):
    rng = np.random.default_rng(seed)
    d = 3
    cov = _spd(rng, d)
    mean = rng.normal(size=d) * 0.3
    lo = rng.normal(size=d) - 1.0
    hi = lo + rng.uniform(0.5, 2.5, size=d)
    lo[1] = -np.inf
    g = mvn.cdf_with_gradient(hi, mean=mean, cov=cov, lower_limit=lo, cov_gradient=True, method="exact")
    p = lambda **kw: mvn.cdf(kw.get("x", hi), mean=kw.get("m", mean), cov=kw.get("c", cov),  # noqa: E731
                             lower_limit=kw.get("a", lo), method="exact")
    h = 1e-5
    np.testing.assert_allclose(g.upper, _central(lambda v: p(x=v), hi, h), atol=1e-9)
    fin = np.where(np.isfinite(lo), lo, 0.0)
    fd_lower = _central(lambda v: p(a=np.where(np.isfinite(lo), v, -np.inf)), fin, h)
    np.testing.assert_allclose(g.lower, np.where(np.isfinite(lo), fd_lower, 0.0), atol=1e-9)
    assert g.lower[1] == 0.0
    np.testing.assert_allclose(g.mean, _central(lambda v: p(m=v), mean, h), atol=1e-9)
    for i in range(d):
        for j in range(i, d):
            def moved(t, i=i, j=j):
                c = cov.copy()
                c[i, j] += t
                if i != j:
                    c[j, i] += t
                return p(c=c)
            fd = (moved(h) - moved(-h)) / (2 * h)
            assert g.cov[i, j] == pytest.approx(fd, abs=1e-8), (i, j)
            assert g.cov[j, i] == g.cov[i, j]


def test_four_dimensional_covariance_gradient_by_plackett_against_finite_differences():
    # d = 4: the covariance derivative comes from Plackett's identity (bivariate densities
    # times exact bivariate conditionals); the values for the differences from Genz at 1e-10.
    rng = np.random.default_rng(7)
    d = 4
    cov = _spd(rng, d)
    hi = np.array([0.5, 1.0, -0.3, 0.8])
    lo = hi - 2.0
    g = mvn.cdf_with_gradient(hi, cov=cov, lower_limit=lo, cov_gradient=True, abseps=1e-9, releps=0, rng=3)
    p = lambda c: mvn.cdf(hi, cov=c, lower_limit=lo, abseps=1e-10, releps=0, rng=4)  # noqa: E731
    h = 2e-3
    for i, j in [(0, 0), (1, 3), (2, 3)]:
        def moved(t):
            c = cov.copy()
            c[i, j] += t
            if i != j:
                c[j, i] += t
            return p(c)
        fd = (moved(h) - moved(-h)) / (2 * h)
        assert g.cov[i, j] == pytest.approx(fd, abs=2e-6), (i, j)
    # the limit derivatives from Genz's pathwise estimator, within their error estimates
    fd_upper = _central(lambda v: mvn.cdf(v, cov=cov, lower_limit=lo, abseps=1e-10, releps=0, rng=5), hi, 1e-3)
    assert np.all(np.abs(g.upper - fd_upper) <= 3 * g.error["upper"] + 1e-6)


def test_genz_gradient_against_the_exact_one_factor_gradient():
    # d = 6 one-factor covariance (exact quadrature) against Genz's pathwise estimate.
    d = 6
    lam = np.linspace(0.3, 0.8, d)
    cov = np.outer(lam, lam) + np.diag(1 - lam**2)
    hi = np.linspace(-0.5, 1.0, d)
    lo = hi - 1.5
    exact = mvn.cdf_with_gradient(hi, cov=cov, lower_limit=lo, method="exact")
    genz = mvn.cdf_with_gradient(hi, cov=cov, lower_limit=lo, method="genz", rng=11, abseps=1e-7, releps=0)
    fd = _central(lambda v: mvn.cdf(v, cov=cov, lower_limit=lo, method="exact"), hi, 1e-5)
    np.testing.assert_allclose(exact.upper, fd, atol=1e-9)
    for name in ("upper", "lower", "mean"):
        got, want, err = getattr(genz, name), getattr(exact, name), genz.error[name]
        assert np.all(err > 0)
        assert np.all(np.abs(got - want) <= 2 * err + 1e-9), name


def test_batches_broadcasting_and_sign_rule():
    mean = [0.1, -0.2]
    cov = [[1.0, 0.4], [0.4, 2.0]]
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3, 2))
    lower = rng.normal(size=(3, 2))  # some lower limits exceed x: swapped coordinates
    g = mvn.cdf_with_gradient(x, mean=mean, cov=cov, lower_limit=lower, cov_gradient=True)
    assert g.value.shape == (4, 3)
    assert g.upper.shape == g.lower.shape == g.mean.shape == (4, 3, 2)
    assert g.cov.shape == (4, 3, 2, 2)
    np.testing.assert_allclose(g.value, mvn.cdf(x, mean=mean, cov=cov, lower_limit=lower), atol=1e-15)
    h = 1e-6
    for idx in [(0, 0), (1, 2), (3, 1)]:
        for k in range(2):
            xp, xm = x[idx].copy(), x[idx].copy()
            xp[k] += h
            xm[k] -= h
            fd = (mvn.cdf(xp, mean=mean, cov=cov, lower_limit=lower[idx[1]])
                  - mvn.cdf(xm, mean=mean, cov=cov, lower_limit=lower[idx[1]])) / (2 * h)
            assert g.upper[idx + (k,)] == pytest.approx(fd, abs=1e-8)
            lp, lm = lower[idx[1]].copy(), lower[idx[1]].copy()
            lp[k] += h
            lm[k] -= h
            fd = (mvn.cdf(x[idx], mean=mean, cov=cov, lower_limit=lp)
                  - mvn.cdf(x[idx], mean=mean, cov=cov, lower_limit=lm)) / (2 * h)
            assert g.lower[idx + (k,)] == pytest.approx(fd, abs=1e-8)
    assert np.any(np.sign(g.value) < 0)
    # one point: a scalar value and (d,) derivatives
    one = mvn.cdf_with_gradient([0.0, 1.0], mean=mean, cov=cov)
    assert np.ndim(one.value) == 0 and one.upper.shape == (2,) and one.cov is None


def test_wrt_selects_and_errors_raise():
    g = mvn.cdf_with_gradient([0.0, 1.0], cov=[[1, 0.2], [0.2, 1]], wrt="upper")
    assert g.upper is not None and g.lower is None and g.mean is None
    assert set(g.error) == {"value", "upper"}
    with pytest.raises(ValueError, match="wrt"):
        mvn.cdf_with_gradient([0.0, 1.0], wrt=("sigma",))
    with pytest.raises(ValueError):
        mvn.cdf_with_gradient([0.0, 1.0], method="tilted")
    with pytest.raises(ValueError, match="NaN"):
        mvn.cdf_with_gradient([np.nan, 1.0])
    with pytest.raises(ValueError, match="positive semidefinite"):
        mvn.cdf_with_gradient([0.0, 1.0], cov=[[1.0, 2.0], [2.0, 1.0]])


def test_seeded_genz_gradient_is_reproducible():
    cov = _spd(np.random.default_rng(5), 5)
    x = np.random.default_rng(6).normal(size=(8, 5))
    a = mvn.cdf_with_gradient(x, cov=cov, rng=42, method="genz")
    b = mvn.cdf_with_gradient(x, cov=cov, rng=42, method="genz")
    np.testing.assert_array_equal(a.upper, b.upper)
    np.testing.assert_array_equal(a.value, b.value)
