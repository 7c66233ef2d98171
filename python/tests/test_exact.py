"""mvn_orthant.exact.expected_accuracy against closed forms and finite differences."""

import math

import numpy as np
import pytest
from scipy.special import ndtr

from mvn_orthant.exact import expected_accuracy


def test_two_classes_closed_form():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(8, 2)) * 2
    labels = rng.integers(0, 2, size=8)
    sigma = rng.uniform(0.3, 2.0, size=8)
    acc = expected_accuracy(logits, labels, sigma)
    other = 1 - labels
    rows = np.arange(8)
    expected = ndtr((logits[rows, labels] - logits[rows, other]) / (sigma * math.sqrt(2)))
    np.testing.assert_allclose(acc, expected, rtol=1e-12, atol=1e-15)
    assert acc.shape == (8,)


def test_accuracies_over_labels_sum_to_one():
    rng = np.random.default_rng(1)
    c = 5
    row = rng.normal(size=c)
    logits = np.tile(row, (c, 1))
    acc = expected_accuracy(logits, np.arange(c), 0.8)
    assert acc.sum() == pytest.approx(1.0, abs=1e-12)
    # equal logits: 1/C each
    assert expected_accuracy(np.zeros((1, 4)), [2], 1.3)[0] == pytest.approx(0.25, abs=1e-14)


def test_gradient_against_finite_differences():
    rng = np.random.default_rng(2)
    b, c = 4, 4
    logits = rng.normal(size=(b, c))
    labels = rng.integers(0, c, size=b)
    sigma = rng.uniform(0.5, 1.5, size=b)
    acc, d_logits, d_sigma = expected_accuracy(logits, labels, sigma, return_grad=True)
    assert d_logits.shape == (b, c) and d_sigma.shape == (b,)
    h = 1e-6
    for j in range(c):
        up, dn = logits.copy(), logits.copy()
        up[:, j] += h
        dn[:, j] -= h
        fd = (expected_accuracy(up, labels, sigma) - expected_accuracy(dn, labels, sigma)) / (2 * h)
        np.testing.assert_allclose(d_logits[:, j], fd, atol=1e-7)
    fd_sigma = (expected_accuracy(logits, labels, sigma + h) - expected_accuracy(logits, labels, sigma - h)) / (2 * h)
    np.testing.assert_allclose(d_sigma, fd_sigma, atol=1e-7)
    # the accuracy depends on logit differences only
    np.testing.assert_allclose(d_logits.sum(axis=1), 0.0, atol=1e-14)


def test_scalar_sigma_matches_per_example_sigma():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(6, 3))
    labels = rng.integers(0, 3, size=6)
    np.testing.assert_array_equal(
        expected_accuracy(logits, labels, 0.7), expected_accuracy(logits, labels, np.full(6, 0.7))
    )


def test_sampling_methods_are_seeded_and_close():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(16, 6))
    labels = rng.integers(0, 6, size=16)
    exact = expected_accuracy(logits, labels, 1.0)
    g1 = expected_accuracy(logits, labels, 1.0, method="genz", samples=4096, seed=9)
    g2 = expected_accuracy(logits, labels, 1.0, method="genz", samples=4096, seed=9)
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_allclose(g1, exact, atol=0.02)
    mc = expected_accuracy(logits, labels, 1.0, method="monte-carlo", samples=20000, seed=1)
    np.testing.assert_allclose(mc, exact, atol=0.03)


def test_errors():
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, np.nan]], [0], 1.0)
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [2], 1.0)
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [-1], 1.0)
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [0], 0.0)
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [0, 1], 1.0)
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [0], [1.0, 2.0])
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [0], 1.0, method="nope")
    with pytest.raises(ValueError, match="NaN"):
        expected_accuracy([[0.0, 1.0]], [0], 1.0, margin=float("nan"))
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [0], [1.0, 2.0], margin=1.0)
    with pytest.raises(ValueError):
        expected_accuracy([[0.0, 1.0]], [0], -1.0, margin=1.0)


def test_margin_two_classes_closed_form():
    # A = Phi(min(delta, r) / (sigma sqrt 2)), delta = x_y - x_o; no push beyond the margin.
    from scipy.special import ndtr

    sigma, r = 0.7, 1.0
    logits = np.array([[0.5, 0.0], [2.0, 0.0], [-0.3, 0.4]])
    labels = np.array([0, 0, 1])
    a, g, gs = expected_accuracy(logits, labels, sigma, margin=r, return_grad=True)
    delta = np.array([0.5, 2.0, 0.7])
    z = np.minimum(delta, r) / (sigma * np.sqrt(2))
    np.testing.assert_allclose(a, ndtr(z), rtol=1e-13)
    dens = np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi) / (sigma * np.sqrt(2))
    unclipped = delta < r
    np.testing.assert_allclose(g[np.arange(3), labels], np.where(unclipped, dens, 0.0), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(gs, -dens * sigma * np.sqrt(2) * z / sigma, rtol=1e-12)


def test_margin_against_finite_differences_and_the_unclipped_accuracy():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(6, 5)) * 1.5
    labels = rng.integers(0, 5, size=6)
    sigma = rng.uniform(0.5, 1.5, size=6)
    a, g, gs = expected_accuracy(logits, labels, sigma, margin=0.8, return_grad=True)
    h = 1e-6
    for b in range(6):
        for c in range(5):
            lp, lm = logits.copy(), logits.copy()
            lp[b, c] += h
            lm[b, c] -= h
            fd = (expected_accuracy(lp, labels, sigma, margin=0.8)[b]
                  - expected_accuracy(lm, labels, sigma, margin=0.8)[b]) / (2 * h)
            assert g[b, c] == pytest.approx(fd, abs=1e-8)
    sp, sm = sigma + h, sigma - h
    fd = (expected_accuracy(logits, labels, sp, margin=0.8) - expected_accuracy(logits, labels, sm, margin=0.8)) / (2 * h)
    np.testing.assert_allclose(gs, fd, atol=1e-8)
    # clipping only lowers the deltas, hence the accuracy; an infinite margin clips nothing
    assert np.all(a <= expected_accuracy(logits, labels, sigma) + 1e-15)
    np.testing.assert_allclose(expected_accuracy(logits, labels, sigma, margin=np.inf),
                               expected_accuracy(logits, labels, sigma), rtol=1e-14)


def test_the_core_batch_reads_any_layout_of_the_logits():
    """``_core.LogitBatch`` reads a C-contiguous array in place and copies any other layout (a
    transposed array, a strided view): the same accuracies and gradients bit for bit, and the
    caller's array unchanged."""
    from mvn_orthant import _core

    rng = np.random.default_rng(3)
    contiguous = rng.normal(size=(6, 5)) * 2.0
    labels = np.array([0, 1, 2, 3, 4, 0], dtype=np.int64)
    before = contiguous.copy()
    layouts = [np.asfortranarray(contiguous), np.repeat(contiguous, 2, axis=1)[:, ::2]]
    assert not any(a.flags.c_contiguous for a in layouts)

    def run(logits):
        batch = _core.LogitBatch(logits, labels, sigma_scalar=0.7, sigma_per_example=None,
                                 method="quadrature", samples=16, seed=0)
        return batch.expected_accuracy(margin=None), batch.exact_loss(
            normalize=True, margin=None, objective="one-minus-accuracy")

    (value, d_logits, d_sigma), loss = run(contiguous)
    for logits in layouts:
        (v, g, s), other = run(logits)
        assert np.array_equal(v, value) and np.array_equal(g, d_logits) and np.array_equal(s, d_sigma)
        assert other[0] == loss[0] and np.array_equal(other[1], loss[1])
    assert np.array_equal(contiguous, before)
