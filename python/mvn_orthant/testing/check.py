"""``check_integrator``: a Python function over the reference suite, scored as ``orthant validate``."""

import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import List, NamedTuple, Optional, Tuple

import numpy as np

from .. import _core

__all__ = ["check_integrator", "CheckResult", "CaseScore", "SuiteProblem", "suite_problems"]


class SuiteProblem(NamedTuple):
    """One case of the reference suite: P(lower <= X <= upper), X ~ N(mean, cov), or for a
    Student t case (``df`` finite) X = mean + Z/sqrt(W/df), Z ~ N(0, cov), W ~ chi2_df (``cov``
    the scale matrix, ``mean`` the location; tag ``"student-t"``).

    ``lower``/``upper`` may hold infinities; ``reference`` is the reference probability,
    ``reference_error`` its absolute tolerance, ``log_reference`` ln P (accurate where P
    underflows); ``tags`` the category and the dimension class; ``line`` the JSON line itself.
    """

    id: str
    mean: np.ndarray
    cov: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    reference: float
    reference_error: float
    log_reference: float
    tags: Tuple[str, ...]
    line: str
    df: float = math.inf

    @property
    def dim(self):
        return self.mean.shape[0]


def _number(v):
    return float(v)  # the suite writes infinities as the strings "inf" and "-inf"


def _problem(line):
    case = json.loads(line)
    vec = lambda key: np.array([_number(v) for v in case[key]], dtype=float)  # noqa: E731
    return SuiteProblem(
        id=case["id"],
        mean=vec("mean"),
        cov=np.array(case["covariance"], dtype=float).reshape(len(case["mean"]), len(case["mean"])),
        lower=vec("lower"),
        upper=vec("upper"),
        reference=_number(case["reference"]),
        reference_error=_number(case["reference_error"]),
        log_reference=_number(case["log_reference"]),
        tags=tuple(case["tags"]),
        line=line,
        df=math.inf if case.get("df") is None else float(case["df"]),
    )


def suite_problems(max_dim=100, tag=None):
    """The reference suite (the lines of ``orthant suite --max-dim max_dim [--tag tag]``) as
    :class:`SuiteProblem` s. ``max_dim=None`` keeps every case (the d = 1000 ones are large)."""
    text = _core.suite_jsonl(max_dim, tag)
    return [_problem(line) for line in text.splitlines() if line.strip()]


class CaseScore(NamedTuple):
    """One scored case: ``status`` is ``"ok"``, ``"n/a"`` or ``"error"``; the errors of the value
    (absolute and relative), whether the reported error covers the reference, the gradient error
    (largest component error over the largest reference component) and the failure message."""

    id: str
    status: str
    abs_error: Optional[float]
    rel_error: Optional[float]
    covered: Optional[bool]
    grad_rel_error: Optional[float]
    message: Optional[str]


@dataclass
class CheckResult:
    """What :func:`check_integrator` found (``orthant validate``'s verdict).

    ``passed``: every case answered (or declared not applicable), no error-0 answer outside its
    tolerance, and the answers with a positive or no error miss their reference no more often
    than a 99% interval allows (``misses <= allowed_misses`` of ``claims``). ``failures`` says
    why not; ``report`` the summary table and verdict as ``orthant validate`` prints them;
    ``cases`` the :class:`CaseScore` of every case; ``files`` the report files written with
    ``check_integrator(..., out=DIR)`` (empty without ``out``).
    """

    passed: bool
    failures: List[str]
    claims: int
    misses: int
    allowed_misses: int
    report: str
    cases: List[CaseScore]
    files: List[str] = field(default_factory=list)

    def __bool__(self):
        return self.passed

    def assert_passed(self):
        """Raises ``AssertionError`` with the report unless the integrator passed."""
        if not self.passed:
            raise AssertionError("check_integrator failed:\n" + "\n".join(self.failures) + "\n\n" + self.report)


def _clean(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _answer(problem, result, seconds):
    if isinstance(result, dict):
        answer = dict(result)
    elif isinstance(result, tuple):
        if len(result) != 2:
            raise TypeError("an integrator returns a value, (value, error) or a dict; got a tuple of "
                            f"{len(result)}")
        answer = {"value": result[0], "error": result[1]}
    else:
        answer = {"value": result}
    out = {"id": problem.id}
    for key, v in answer.items():
        if key in ("grad_upper", "grad_lower", "grad_mean"):
            out[key] = [_clean(g) for g in np.asarray(v, dtype=float).ravel()]
        elif key in ("value", "error", "log_value", "seconds"):
            out[key] = None if v is None else _clean(v)
        else:
            out[key] = v
    out.setdefault("seconds", seconds)
    return out


def check_integrator(fn, *, max_dim=100, tag=None, name="python", abs_tol=1e-5, rel_tol=1e-3,
                     grad_tol=None, suite=None, student_t=False, out=None):
    """Runs ``fn`` over the reference suite and scores it exactly as ``orthant validate`` does.

    ``fn(problem)`` receives a :class:`SuiteProblem` (``mean``, ``cov``, ``lower``, ``upper`` as
    NumPy arrays, limits possibly infinite) and returns P, or ``(P, error)`` with ``error`` the
    half-width of a 99% interval (0 claims exactness), or a dict with ``value`` and optionally
    ``error``, ``log_value``, ``grad_upper``, ``grad_lower``, ``grad_mean`` (dP/db, dP/da, dP/dmu,
    scored where the case has an exact reference gradient), ``method``. Raising
    ``NotImplementedError`` declares the case not applicable (it does not fail the run); any
    other exception is recorded as an error for the case.

    ``max_dim``/``tag`` select cases (``orthant validate --max-dim/--tag``); ``abs_tol``/``rel_tol``
    the accuracy asked of answers without an error; ``grad_tol`` makes gradient errors above it
    failures; ``suite`` an ``orthant suite`` file instead of the built-in suite. Returns a
    :class:`CheckResult`.

    ``student_t``: with False (the default, for normal integrators) the Student t cases (finite
    ``problem.df``) are not passed to ``fn`` and are recorded as not applicable; with True ``fn``
    receives them too and must use ``problem.df``.

    ``out``: a directory (created if needed) to write the report files of ``orthant validate``
    into, by the same Rust code: ``report.csv`` (one row per case), ``report.json`` (the cases,
    the summary and the failures), ``error_vs_time.svg`` and ``reported_vs_achieved.svg``.
    Raises ``OSError`` when they cannot be written.
    """
    if suite is None:
        problems = suite_problems(max_dim, tag)
    else:
        with open(suite, encoding="utf-8") as f:
            problems = [_problem(line) for line in f if line.strip()]
    lines = []
    for problem in problems:
        if not student_t and problem.df != math.inf:
            lines.append(json.dumps({"id": problem.id, "status": "error", "kind": "method-not-applicable",
                                     "message": "a Student t case (check_integrator(..., student_t=False))"}))
            continue
        start = time.perf_counter()
        try:
            result = fn(problem)
            answer = _answer(problem, result, time.perf_counter() - start)
        except NotImplementedError as e:
            answer = {"id": problem.id, "status": "error", "kind": "method-not-applicable", "message": str(e)}
        except Exception as e:  # noqa: BLE001 - recorded for the case, as the CLI records a crash
            answer = {"id": problem.id, "status": "error", "kind": type(e).__name__, "message": str(e)}
        lines.append(json.dumps(answer))
    passed, failures, claims, misses, allowed, text, cases, files = _core.score_answers(
        lines, name=str(name), suite=None if suite is None else str(suite), max_dim=max_dim, tag=tag,
        abs_tol=float(abs_tol), rel_tol=float(rel_tol), grad_tol=None if grad_tol is None else float(grad_tol),
        out=None if out is None else os.fspath(out))
    return CheckResult(passed=passed, failures=list(failures), claims=claims, misses=misses,
                       allowed_misses=allowed, report=text, cases=[CaseScore(*c) for c in cases],
                       files=[str(f) for f in files])
