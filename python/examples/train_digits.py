"""Train a small MLP on the digits images with the EXACT loss and with cross-entropy (CPU).

The data are ``datasets/digits.csv`` of this repository (1797 8x8 images, 10 classes, UCI;
see ``datasets/README.md``), split 2/3 for training and 1/3 for testing with a fixed seed.
EXACT follows the authors' recipe (arXiv 2205.09615): normalised logits, a margin, sigma on a
geometric schedule over the epochs (10 -> 0.3 here: with the MLP's normalised logits, smaller
sigma makes the last epochs unstable), and the gradient normaliser in place of clipping. Both
losses use SGD with momentum and a cosine learning-rate decay.

    python python/examples/train_digits.py --epochs 30

prints the test accuracy of both losses after each epoch. ``train`` is importable (the test
suite runs a short run).
"""

import argparse
import pathlib
import time

import numpy as np
import torch

from mvn_orthant.exact import GeometricSchedule
from mvn_orthant.torch import ExactLoss, GradientNormalizer

DIGITS = pathlib.Path(__file__).resolve().parents[2] / "datasets" / "digits.csv"


def load_digits(path=DIGITS, seed=0):
    """(x_train, y_train, x_test, y_test) as tensors: pixels scaled to [0, 1], a 2/3 : 1/3 split."""
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = data[:, :-1] / 16.0, data[:, -1].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = 2 * len(y) // 3
    train, test = order[:cut], order[cut:]
    as_x = lambda idx: torch.tensor(x[idx], dtype=torch.float32)  # noqa: E731
    as_y = lambda idx: torch.tensor(y[idx])  # noqa: E731
    return as_x(train), as_y(train), as_x(test), as_y(test)


def mlp(seed, hidden=64):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))


def train(loss="exact", epochs=10, batch_size=64, seed=0, lr=None, verbose=False):
    """Trains the MLP with ``loss`` (``"exact"`` or ``"cross-entropy"``); returns the history of
    test accuracies (one per epoch)."""
    x_train, y_train, x_test, y_test = load_digits(seed=seed)
    model = mlp(seed)
    if loss == "exact":
        criterion = ExactLoss(GeometricSchedule(10.0, 0.3, epochs), margin=5.0, seed=seed)
        normalizer = GradientNormalizer()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr or 0.05, momentum=0.9)
    elif loss == "cross-entropy":
        criterion = torch.nn.CrossEntropyLoss()
        normalizer = None
        optimizer = torch.optim.SGD(model.parameters(), lr=lr or 0.1, momentum=0.9)
    else:
        raise ValueError(f"unknown loss {loss!r}")
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * -(-len(y_train) // batch_size))
    generator = torch.Generator().manual_seed(seed)
    history = []
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y_train), generator=generator)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad()
            value = criterion(model(x_train[idx]), y_train[idx])
            value.backward()
            if normalizer is not None:
                normalizer(model.parameters())
            optimizer.step()
            scheduler.step()
        if loss == "exact":
            criterion.step()
        model.eval()
        with torch.no_grad():
            accuracy = float((model(x_test).argmax(dim=1) == y_test).float().mean())
        history.append(accuracy)
        if verbose:
            print(f"{loss:>13} epoch {epoch + 1:3d}: test accuracy {accuracy:.4f}")
    return history


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for loss in ("exact", "cross-entropy"):
        t = time.perf_counter()
        history = train(loss, epochs=args.epochs, seed=args.seed, verbose=True)
        print(f"{loss}: final test accuracy {history[-1]:.4f} ({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
