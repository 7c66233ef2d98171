"""Sweeps on Dask: ``orthant eval`` problems mapped over a ``dask.bag`` of JSON Lines.

Needs ``dask`` (``pip install "mvn-orthant[dask]"`` or ``pip install dask``); the rest of the
package does not. The recipe::

    import dask.bag as db
    from mvn_orthant.distributed import evaluate_bag

    lines = db.read_text("problems-*.jsonl", blocksize="1MiB")   # or files_per_partition=1
    answers = evaluate_bag(lines, seed=7).compute(scheduler="processes")

Each partition is answered by one call of :func:`mvn_orthant.sweep.evaluate_lines` (Rust, in
parallel over its lines, the GIL released), under the seed rule of ``orthant eval --seed 7``: a
problem's random stream is a function of the seed and its ``id`` only. So the merged output
equals a single-process run (``evaluate_lines`` or ``orthant eval --seed 7`` on the files
concatenated) line for line, every field but the wall-clock ``seconds``, however the lines are
split into partitions, files or shards and whichever scheduler or worker runs them (threads,
processes, a ``dask.distributed`` cluster). ``Bag.compute`` returns the partitions in order, so
the lines come back in the order of the input; ``Bag.to_textfiles`` writes one output file per
partition instead.
"""

try:
    import dask.bag as _bag
except ImportError as e:  # pragma: no cover - exercised only where dask is absent
    raise ImportError("mvn_orthant.distributed needs dask: pip install dask") from e

from .sweep import evaluate_lines

__all__ = ["evaluate_bag", "evaluate_jsonl"]


def _evaluate_partition(lines, seed):
    return evaluate_lines(list(lines), seed=seed)


def evaluate_bag(lines, *, seed=0):
    """A bag of ``orthant eval`` output lines (strings), one per non-blank line of the bag
    ``lines`` of request lines (``dask.bag.read_text`` output: trailing newlines are fine), in
    the same order, computed partition by partition with :func:`mvn_orthant.sweep.evaluate_lines`
    and the sweep seed ``seed``. Lazy: call ``.compute()`` or ``.to_textfiles(...)``."""
    if not isinstance(lines, _bag.Bag):
        raise TypeError(f"evaluate_bag takes a dask.bag.Bag of lines, got {type(lines).__name__}")
    return lines.map_partitions(_evaluate_partition, seed=seed)


def evaluate_jsonl(paths, *, seed=0, blocksize=None, files_per_partition=None, **compute_kwargs):
    """Reads the JSON Lines file(s) ``paths`` (a path, a glob or a list, as
    ``dask.bag.read_text``; ``blocksize``/``files_per_partition`` choose the partitions),
    evaluates them with :func:`evaluate_bag` and returns the output lines as a list, in input
    order; ``compute_kwargs`` go to ``Bag.compute`` (e.g. ``scheduler="processes"``)."""
    lines = _bag.read_text(paths, blocksize=blocksize, files_per_partition=files_per_partition)
    return evaluate_bag(lines, seed=seed).compute(**compute_kwargs)
