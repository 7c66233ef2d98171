"""mvn_orthant.torch: gradcheck of the autograd Function, the module's recipe, and a short training run."""

import importlib.util
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (scripts/test-all installs it unless ORTHANT_WITH_TORCH=0)")

from mvn_orthant.exact import GeometricSchedule, exact_loss, expected_accuracy  # noqa: E402
from mvn_orthant.torch import ExactLoss, ExactLossFunction, GradientNormalizer  # noqa: E402


def _batch(seed, b=5, c=4):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, c, generator=g, dtype=torch.float64) * 1.5
    labels = torch.randint(0, c, (b,), generator=g)
    return logits, labels


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("margin", [None, 0.7])
@pytest.mark.parametrize("objective", ["one-minus-accuracy", "negative-log-accuracy"])
def test_gradcheck_quadrature(normalize, margin, objective):
    logits, labels = _batch(1)
    logits.requires_grad_(True)
    for sigma in (torch.tensor(0.8, dtype=torch.float64, requires_grad=True),
                  torch.tensor([0.5, 0.9, 1.3, 0.7, 1.1], dtype=torch.float64, requires_grad=True)):
        f = lambda x, s: ExactLossFunction.apply(x, s, labels, normalize, margin, objective,  # noqa: E731
                                                 "quadrature", 16, 0)
        assert torch.autograd.gradcheck(f, (logits, sigma), eps=1e-6, atol=1e-7, rtol=1e-5)


def test_genz_backend_is_seeded_and_close_to_the_quadrature():
    logits, labels = _batch(2)
    values, grads = [], []
    for method, seed in (("quadrature", None), ("genz", 7), ("genz", 7)):
        module = ExactLoss(1.0, normalize=False, method=method, samples=4096, seed=seed)
        x = logits.clone().requires_grad_(True)
        loss = module(x, labels)
        loss.backward()
        values.append(float(loss.detach()))
        grads.append(x.grad.clone())
    assert values[1] == values[2] and torch.equal(grads[1], grads[2])  # same seed, same bits
    # 4096 Genz points: a few 1e-4 from the exact quadrature (the module reseeds each call)
    assert abs(values[1] - values[0]) < 1e-3
    assert float((grads[1] - grads[0]).abs().max()) < 1e-3


def test_module_matches_numpy_and_the_expected_accuracy():
    logits, labels = _batch(3, b=8, c=6)
    module = ExactLoss(0.9, normalize=False)
    loss = module(logits, labels)
    acc = expected_accuracy(logits.numpy(), labels.numpy(), 0.9)
    assert float(loss) == pytest.approx(1 - acc.mean(), rel=1e-12)
    assert module.last_mean_accuracy == pytest.approx(acc.mean(), rel=1e-13)
    # with normalisation and a margin: the NumPy function of the same recipe
    module = ExactLoss(0.9, margin=1.0)
    x = logits.clone().requires_grad_(True)
    module(x, labels).backward()
    value, grad, _, _ = exact_loss(logits.numpy(), labels.numpy(), 0.9, margin=1.0)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-13, atol=1e-300)
    assert float(module(logits, labels)) == pytest.approx(value, rel=1e-14)


def test_float32_logits():
    logits, labels = _batch(4)
    x32 = logits.float().requires_grad_(True)
    loss = ExactLoss(1.0)(x32, labels)
    assert loss.dtype == torch.float32
    loss.backward()
    assert x32.grad.dtype == torch.float32
    x64 = logits.clone().requires_grad_(True)
    ExactLoss(1.0)(x64, labels).backward()
    np.testing.assert_allclose(x32.grad.numpy(), x64.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_learned_sigma_and_schedule():
    logits, labels = _batch(5)
    module = ExactLoss(2.0, learn_sigma=True)
    assert [n for n, _ in module.named_parameters()] == ["log_sigma"]
    loss = module(logits, labels)
    loss.backward()
    # d loss / d log sigma = sigma * sum_b d loss / d sigma_b
    _, _, d_sigma, _ = exact_loss(logits.numpy(), labels.numpy(), 2.0)
    assert float(module.log_sigma.grad) == pytest.approx(2.0 * d_sigma.sum(), rel=1e-6)
    schedule = GeometricSchedule(10.0, 0.01, 4)
    module = ExactLoss(schedule)
    assert module.sigma() == pytest.approx(10.0)
    for _ in range(3):
        module.step()
    assert module.sigma() == pytest.approx(0.01)
    module.step()  # clamped at the last step
    assert module.sigma() == pytest.approx(0.01)
    with pytest.raises(ValueError):
        GeometricSchedule(-1.0, 0.01, 4)


def test_gradient_normalizer_divides_by_the_ema_of_the_norm():
    p = torch.nn.Parameter(torch.zeros(3))
    normalizer = GradientNormalizer(momentum=0.5, floor=0.01)
    p.grad = torch.tensor([3.0, 4.0, 0.0])
    assert normalizer([p]) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-6)
    p.grad = torch.tensor([0.0, 0.0, 1.0])
    assert normalizer([p]) == pytest.approx(0.5 * 5.0 + 0.5 * 1.0)
    p.grad = torch.zeros(3)
    normalizer = GradientNormalizer(floor=0.01)
    assert normalizer([p]) == pytest.approx(0.01)
    with pytest.raises(ValueError):
        GradientNormalizer(momentum=1.5)


def test_errors():
    logits, labels = _batch(6)
    with pytest.raises(ValueError):
        ExactLoss(1.0)(logits, labels + 10)
    with pytest.raises(ValueError):
        ExactLoss(1.0)(logits[0], labels)
    with pytest.raises(ValueError):
        ExactLoss(-1.0)(logits, labels)
    with pytest.raises(ValueError, match="objective"):
        ExactLoss(1.0, objective="nope")(logits, labels)


def _example():
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / "train_digits.py"
    spec = importlib.util.spec_from_file_location("train_digits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_digits_short_run():
    example = _example()
    exact = example.train("exact", epochs=4, seed=0)
    cross_entropy = example.train("cross-entropy", epochs=4, seed=0)
    # chance is 0.1; both losses must have learned the digits
    assert exact[-1] > 0.85, exact
    assert cross_entropy[-1] > 0.85, cross_entropy
