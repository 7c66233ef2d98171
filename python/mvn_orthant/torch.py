"""The EXACT loss for PyTorch (CPU; float32 and float64), on the Rust core.

:class:`ExactLoss` is an ``nn.Module`` with the authors' recipe (Karpukhin, Dereka, Kolesnikov,
"EXACT: How to Train Your Accuracy", arXiv 2205.09615): logit normalisation, the margin, sigma
fixed, learned (a parameter) or following a schedule, and the gradient normaliser
(:class:`GradientNormalizer`, applied to the model's gradients between ``backward`` and the
optimiser's step). The value and the gradient come from :func:`mvn_orthant.exact.exact_loss`
through :class:`ExactLossFunction`, a ``torch.autograd.Function`` (first derivatives only).

Requires PyTorch, which is not a dependency of the package (``pip install torch``).
"""

import math

import numpy as np
import torch

from . import exact as _exact

__all__ = ["ExactLoss", "ExactLossFunction", "GradientNormalizer"]


class ExactLossFunction(torch.autograd.Function):
    """loss = EXACT(logits, sigma) with its gradients with respect to ``logits`` and ``sigma``.

    ``apply(logits, sigma, labels, normalize, margin, objective, method, samples, seed, info)``:
    ``logits`` (B, C) float32 or float64 on the CPU, ``sigma`` a 0-d or (B,) tensor of the same
    dtype, ``labels`` (B,) integers; ``info`` None or a dict that receives the batch's
    ``"mean_accuracy"``; the rest as :func:`mvn_orthant.exact.exact_loss`. The core
    computes in float64; the loss and the gradients come back in the logits' dtype. Not twice
    differentiable.
    """

    @staticmethod
    def forward(ctx, logits, sigma, labels, normalize, margin, objective, method, samples, seed, info=None):
        if logits.device.type != "cpu":
            raise ValueError(f"mvn_orthant.torch runs on the CPU; got logits on {logits.device}")
        x = logits.detach().to(torch.float64).numpy()
        s = sigma.detach().to(torch.float64).numpy()
        y = labels.detach().cpu().numpy()
        loss, d_logits, d_sigma, mean_accuracy = _exact.exact_loss(
            x, y, s, normalize=normalize, margin=margin, objective=objective, method=method,
            samples=samples, seed=seed)
        d_sigma = np.sum(d_sigma) if s.ndim == 0 else d_sigma
        ctx.save_for_backward(torch.from_numpy(np.ascontiguousarray(d_logits)).to(logits.dtype),
                              torch.as_tensor(d_sigma, dtype=sigma.dtype))
        if info is not None:
            info["mean_accuracy"] = mean_accuracy
        return torch.tensor(loss, dtype=logits.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss):
        d_logits, d_sigma = ctx.saved_tensors
        grad_logits = grad_loss * d_logits if ctx.needs_input_grad[0] else None
        grad_sigma = grad_loss * d_sigma if ctx.needs_input_grad[1] else None
        return grad_logits, grad_sigma, None, None, None, None, None, None, None, None


class ExactLoss(torch.nn.Module):
    """The EXACT loss, 1 - mean expected accuracy (or -mean log accuracy), with the authors' recipe.

    Parameters
    ----------
    sigma : float, or a callable ``schedule(step) -> float`` (e.g.
        :class:`mvn_orthant.exact.GeometricSchedule`; :meth:`step` advances it, once per epoch in
        the authors' recipe).
    learn_sigma : make sigma a parameter (``self.log_sigma``, so that it stays positive),
        initialised at ``sigma`` (a float).
    margin : None or r, the upper clip of the deltas z_y - z_i (the authors use one).
    normalize : standardise the batch's logits by one scalar mean and standard deviation.
    objective : ``"one-minus-accuracy"`` (the authors' loss) or ``"negative-log-accuracy"``.
    method, samples : ``"quadrature"`` (exact, deterministic), or ``"genz"``/``"monte-carlo"``
        with ``samples`` points per example (the authors' estimator: Genz with 16).
    seed : None (fresh entropy at each call) or an int (call k uses a seed derived from it and
        k), for the sampling methods.

    ``forward(logits, labels)`` returns the loss (a 0-d tensor of the logits' dtype); the mean
    expected accuracy of the batch is kept in ``self.last_mean_accuracy``.
    """

    def __init__(self, sigma=1.0, *, learn_sigma=False, margin=None, normalize=True,
                 objective="one-minus-accuracy", method="quadrature", samples=16, seed=None):
        super().__init__()
        if learn_sigma and callable(sigma):
            raise ValueError("learn_sigma needs a float sigma to start from, not a schedule")
        self.schedule = sigma if callable(sigma) else None
        if learn_sigma:
            sigma = float(sigma)
            if not (math.isfinite(sigma) and sigma > 0):
                raise ValueError(f"sigma must be finite and positive, got {sigma}")
            self.log_sigma = torch.nn.Parameter(torch.tensor(math.log(sigma), dtype=torch.float64))
        else:
            self.log_sigma = None
            self.fixed_sigma = None if self.schedule is not None else float(sigma)
        self.margin = margin
        self.normalize = bool(normalize)
        self.objective = objective
        self.method = method
        self.samples = int(samples)
        self.seed = seed
        self.schedule_step = 0
        self.calls = 0
        self.last_mean_accuracy = float("nan")

    def sigma(self):
        """The current sigma (a float; a 0-d tensor when learned)."""
        if self.log_sigma is not None:
            return self.log_sigma.exp()
        if self.schedule is not None:
            return float(self.schedule(self.schedule_step))
        return self.fixed_sigma

    def step(self):
        """Advances the sigma schedule by one step (the authors: once per epoch)."""
        self.schedule_step += 1

    def forward(self, logits, labels):
        if logits.ndim != 2:
            raise ValueError(f"logits must have shape (B, C), got {tuple(logits.shape)}")
        sigma = self.sigma()
        sigma = sigma.to(logits.dtype) if torch.is_tensor(sigma) else torch.tensor(sigma, dtype=logits.dtype)
        seed = None
        if self.seed is not None:
            seed = (int(self.seed) + self.calls * 0x9E3779B97F4A7C15) % 2**64
        self.calls += 1
        info = {}
        loss = ExactLossFunction.apply(logits, sigma, labels, self.normalize, self.margin, self.objective,
                                       self.method, self.samples, seed, info)
        self.last_mean_accuracy = info["mean_accuracy"]
        return loss

    def extra_repr(self):
        return (f"margin={self.margin}, normalize={self.normalize}, objective={self.objective!r}, "
                f"method={self.method!r}")


class GradientNormalizer:
    """Divides the gradients of ``parameters`` by max(EMA of their global L2 norm, floor), in place.

    The authors' replacement for gradient clipping with EXACT (momentum 0.9, floor 0.01), via
    :class:`mvn_orthant.exact.GradientNormalizer`. Call ``normalizer(model.parameters())``
    after ``loss.backward()`` and before ``optimizer.step()``; returns the divisor.
    """

    def __init__(self, momentum=0.9, floor=0.01):
        self._inner = _exact.GradientNormalizer(momentum, floor)

    def __call__(self, parameters):
        grads = [p.grad for p in parameters if p.grad is not None]
        if not grads:
            return 1.0
        norm = math.sqrt(sum(float(torch.sum(g.detach().to(torch.float64) ** 2)) for g in grads))
        divisor = self._inner.divisor(norm)
        with torch.no_grad():
            for g in grads:
                g.div_(divisor)
        return divisor
