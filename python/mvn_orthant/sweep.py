"""``orthant eval`` from Python: JSON Lines problems answered by the CLI's own Rust code.

A request line is an ``orthant eval`` line (``id``, ``covariance``, ``mean``, ``lower``, ``upper``,
``method``, ``abs_tol``, ``rel_tol``, ``max_evaluations``, ``seed``, ``gradient``, ``df``; the
reference fields of an ``orthant suite`` line are accepted and ignored); an output line is the
CLI's output line (``id``, ``value``, ``log_value``, ``error``, ``method``, ``evaluations``,
``seconds``, ``converged`` and the gradients), or its error line ``{"id": ..., "status":
"error", "kind": ..., "message": ...}``. See ``orthant eval --help`` and docs/validation.md.

The seed rule is the CLI's: a line's own ``seed`` is used as given; a line without one uses
``seed_for_id(id, seed)`` = SplitMix64(seed, FNV-1a-64(id)), a function of the sweep seed and
the problem's id only. So the output of a line does not depend on where it is in the file, on
how the lines are split into shards, or on the process, thread or Dask worker that answers it:
``evaluate_lines(lines, seed=S)`` equals ``orthant eval --seed S`` line for line, every field but
the wall-clock ``seconds``. :mod:`mvn_orthant.distributed` builds the Dask recipe on this.
"""

import json
import operator

from . import _core

__all__ = ["evaluate_lines", "evaluate_file", "shard", "seed_for_id", "without_seconds"]


def _non_blank(lines):
    return [line.strip() for line in lines if line.strip()]


def evaluate_lines(lines, *, seed=0, raise_on_error=False):
    """Answers ``orthant eval`` request lines (strings; blank lines are skipped, trailing
    newlines ignored) with the seed rule of ``orthant eval --seed seed``; returns the output lines
    (strings without newline), one per non-blank input line, in order. The batch runs in
    parallel in Rust with the GIL released.

    A failing line gives the CLI's error line in its place; with ``raise_on_error=True`` a
    ``ValueError`` listing the failed lines is raised instead. ``seed`` is an integer
    ``0 <= seed < 2**64`` (else ``ValueError``)."""
    seed = _sweep_seed(seed)
    outputs, failures = _core.eval_lines(_non_blank(lines), seed)
    if raise_on_error and failures:
        bad = [line for line in outputs if json.loads(line).get("status") == "error"]
        raise ValueError(f"{failures} line(s) failed:\n" + "\n".join(bad))
    return outputs


def shard(lines, k, n):
    """The lines of shard ``k/n`` as ``orthant eval --shard k/n`` takes them: the non-blank lines
    of 0-based index i with ``i % n == k - 1`` (``1 <= k <= n``, else ``ValueError``)."""
    if isinstance(k, bool) or isinstance(n, bool) or not (isinstance(k, int) and isinstance(n, int)):
        raise ValueError(f"shard {k!r}/{n!r}: K and N must be integers with 1 <= K <= N")
    if not 1 <= k <= n:
        raise ValueError(f"shard {k}/{n}: need 1 <= K <= N")
    return _non_blank(lines)[k - 1::n]


def evaluate_file(path, *, seed=0, shard_k_of_n=None, raise_on_error=False):
    """:func:`evaluate_lines` on the lines of the JSON Lines file ``path``, or on those of one
    shard (``shard_k_of_n=(k, n)``, as ``orthant eval --shard k/n``)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if shard_k_of_n is not None:
        lines = shard(lines, *shard_k_of_n)
    return evaluate_lines(lines, seed=seed, raise_on_error=raise_on_error)


def seed_for_id(id, seed=0):
    """The seed of a line with this ``id`` (a string, a number or None) and no ``seed`` field
    under the sweep seed ``seed``: SplitMix64(seed, FNV-1a-64 of the id's UTF-8 bytes; a
    non-string id hashes its compact JSON text). The Rust function the CLI uses."""
    return _core.seed_for_id(json.dumps(id, separators=(",", ":")), _sweep_seed(seed))


def without_seconds(line):
    """An output line as a dict without its ``seconds`` (the wall-clock time, the one field that
    is not a function of the line and the seed): for comparing runs."""
    d = json.loads(line)
    d.pop("seconds", None)
    return d


def _sweep_seed(seed):
    try:
        value = None if isinstance(seed, bool) else operator.index(seed)
    except TypeError:
        value = None
    if value is None or not 0 <= value < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    return value
