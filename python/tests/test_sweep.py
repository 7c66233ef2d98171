"""mvn_orthant.sweep and mvn_orthant.distributed: ``orthant eval`` on JSON Lines with a seed rule
that makes a split sweep (shards, Dask partitions, processes) give the single-process output."""

import json
import pathlib
import re
import subprocess

import pytest

from mvn_orthant import _core
from mvn_orthant.sweep import evaluate_file, evaluate_lines, seed_for_id, shard, without_seconds

CLI = pathlib.Path(__file__).resolve().parents[2] / "target" / "release" / "orthant"
MASK = 2**64 - 1


# An independent implementation of the documented seed rule (orthant eval --help, "SEEDS AND
# SHARDS"): FNV-1a 64 (Fowler-Noll-Vo reference parameters) and SplitMix64 as in
# mvn_orthant::qmc::derive_seed (Steele, Lea and Flood 2014).
def _fnv1a_64(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def _splitmix(seed, stream):
    z = seed ^ (((stream + 1) * 0x9E3779B97F4A7C15) & MASK)
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _seed_rule(id, seed):
    key = id.encode("utf-8") if isinstance(id, str) else json.dumps(id, separators=(",", ":")).encode()
    return _splitmix(seed, _fnv1a_64(key))


def _random_sweep():
    """The suite up to d = 5 as requests with random methods (Genz and Monte Carlo, a small
    budget), an explicit seed on every seventh line, a blank line and a bad line."""
    lines = []
    for i, line in enumerate(_core.suite_jsonl(5, None).splitlines()):
        d = json.loads(line)
        d["method"] = ("genz", "monte-carlo")[i % 2]
        d["max_evaluations"] = 20000
        if i % 7 == 3:
            d["seed"] = 1000 + i
        lines.append(json.dumps(d))
    assert len(lines) > 60
    lines.insert(10, "")
    lines.insert(20, '{"id":"bad","covariance":[[1,2],[2,1]]}')
    return lines


def _strip(lines):
    return [without_seconds(line) for line in lines]


def test_seed_for_id_is_the_documented_rule():
    for id in ["d2-orthant-rho0.5", "", "ünïcode-Σ", 12, 1.5, None, "12"]:
        for seed in [0, 1, 7, 2**64 - 1]:
            assert seed_for_id(id, seed) == _seed_rule(id, seed), (id, seed)
    assert seed_for_id(12) == seed_for_id("12")
    for bad in [-1, 2**64, 1.0, True, "3"]:
        with pytest.raises(ValueError, match="seed"):
            seed_for_id("a", bad)


def test_a_line_without_seed_uses_the_rule_and_an_explicit_seed_wins():
    base = {"id": "mc", "covariance": [[1, 0.5], [0.5, 1]], "upper": [0, 0], "method": "monte-carlo",
            "max_evaluations": 10000}
    value = lambda d, **kw: json.loads(evaluate_lines([json.dumps(d)], **kw)[0])["value"]  # noqa: E731
    assert value(base, seed=3) == value(dict(base, seed=_seed_rule("mc", 3)), seed=0)
    assert value(base) == value(dict(base, seed=_seed_rule("mc", 0)))
    assert value(base, seed=3) != value(base, seed=4)  # fixed streams; a tie has probability ~0.006
    assert value(dict(base, seed=42), seed=3) == value(dict(base, seed=42), seed=99)
    mc = value(base, seed=3)
    assert abs(mc - 1 / 3) < 0.02  # P = 1/3 for rho = 1/2 (Sheppard); 10^4 draws, sd 0.005


def test_split_and_reordered_sweeps_equal_the_whole():
    lines = _random_sweep()
    whole = evaluate_lines(lines, seed=11)
    assert len(whole) == len(lines) - 1
    assert sum('"method":"monte-carlo"' in line for line in whole) > 20
    bad = [json.loads(line) for line in whole if '"id":"bad"' in line]
    assert bad == [{"id": "bad", "status": "error", "kind": "not-positive-semidefinite",
                    "message": bad[0]["message"]}]
    shards = [evaluate_lines(shard(lines, k, 3), seed=11) for k in (1, 2, 3)]
    merged = [shards[i % 3][i // 3] for i in range(len(whole))]
    assert _strip(merged) == _strip(whole)
    assert _strip(evaluate_lines(lines[::-1], seed=11)[::-1]) == _strip(whole)
    with pytest.raises(ValueError, match="1 line"):
        evaluate_lines(lines, seed=11, raise_on_error=True)


def test_shard_and_evaluate_file(tmp_path):
    lines = ["a", "", "b", "c", "  ", "d", "e"]
    assert shard(lines, 1, 2) == ["a", "c", "e"] and shard(lines, 2, 2) == ["b", "d"]
    assert shard(lines, 1, 1) == ["a", "b", "c", "d", "e"]
    for k, n in [(0, 3), (4, 3), (1, 0), (1.0, 2), (True, 1)]:
        with pytest.raises(ValueError, match="K <= N"):
            shard(lines, k, n)
    sweep = _random_sweep()
    path = tmp_path / "sweep.jsonl"
    path.write_text("\n".join(sweep) + "\n", encoding="utf-8")
    whole = evaluate_file(path, seed=5)
    assert _strip(whole) == _strip(evaluate_lines(sweep, seed=5))
    part = evaluate_file(path, seed=5, shard_k_of_n=(2, 4))
    assert _strip(part) == _strip(whole[1::4])


def test_python_output_equals_the_cli_output(tmp_path):
    if not CLI.exists():
        pytest.skip("target/release/orthant is not built (cargo build --release -p validation)")
    lines = _random_sweep()
    path = tmp_path / "sweep.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for args, k_of_n in [([], None), (["--shard", "2/3"], (2, 3))]:
        cli = subprocess.run([str(CLI), "eval", "--seed", "9", *args, str(path)], capture_output=True, text=True)
        assert cli.returncode in (0, 1), cli.stderr
        ours = evaluate_file(path, seed=9, shard_k_of_n=k_of_n)
        assert _strip(cli.stdout.splitlines()) == _strip(ours)
        # byte for byte, once the seconds member is cut out of the text
        cut = re.compile(r',"seconds":[^,}]*')
        assert [cut.sub("", line) for line in cli.stdout.splitlines()] == [cut.sub("", line) for line in ours]


# ---- Dask ------------------------------------------------------------------------------------

def _write_shards(tmp_path, lines, n):
    paths = []
    for k in range(1, n + 1):
        path = tmp_path / f"shard-{k}-of-{n}.jsonl"
        path.write_text("\n".join(shard(lines, k, n)) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def test_dask_bag_over_shards_equals_a_single_process_run(tmp_path):
    pytest.importorskip("dask", reason="dask is not installed (pip install dask; scripts/test-all installs it)")
    import dask.bag as db

    from mvn_orthant.distributed import evaluate_bag, evaluate_jsonl

    lines = _random_sweep()
    single = {d["id"]: d for d in _strip(evaluate_lines(lines, seed=7))}
    # Shards in files, one partition each, run by two worker processes; merged by id.
    paths = _write_shards(tmp_path, lines, 3)
    bag = db.read_text(paths, files_per_partition=1)
    assert bag.npartitions == 3
    answers = evaluate_bag(bag, seed=7).compute(scheduler="processes", num_workers=2)
    merged = {d["id"]: d for d in _strip(answers)}
    assert len(answers) == len(single) == len(merged)
    assert merged == single  # every value bit-identical (floats compare exactly)
    # One file cut into many partitions by size, threads: the order of the input comes back.
    whole = tmp_path / "whole.jsonl"
    whole.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = evaluate_jsonl(str(whole), seed=7, blocksize=4096, scheduler="threads")
    assert db.read_text(str(whole), blocksize=4096).npartitions > 3
    assert _strip(out) == _strip(evaluate_lines(lines, seed=7))
    with pytest.raises(TypeError, match="dask.bag.Bag"):
        evaluate_bag(lines)


def test_dask_distributed_local_cluster_equals_a_single_process_run():
    pytest.importorskip("dask", reason="dask is not installed (pip install dask; scripts/test-all installs it)")
    pytest.importorskip("distributed", reason="distributed is not installed (pip install distributed; "
                                              "scripts/test-all installs it)")
    import dask.bag as db
    from dask.distributed import Client, LocalCluster

    from mvn_orthant.distributed import evaluate_bag

    lines = _random_sweep()
    single = _strip(evaluate_lines(lines, seed=3))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster):
        answers = evaluate_bag(db.from_sequence(lines, npartitions=5), seed=3).compute()
    assert _strip(answers) == single
