"""Confirmation: every candidate failure is re-sent (or its probe re-run) before it is reported.

A semantic or schema failure that does not happen again is not reported: the deployment's data
may have moved under the probe. A 5xx always counts: a server error that does not repeat is
still a server error, reported with how often it repeated ("failed 1 of 4 attempts"). Requests
that Hypothesis or the coverage phase generated are first made smaller (optional inputs dropped
one at a time) while the same defect persists, so reproducers show only what matters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from recmock.verify.operation_run import Candidate, OperationRun
from recmock.verify.registry import CHECKS, Observed, OperationContext
from recmock.verify.wire import WireRequest, encode_path, json_bytes

MAX_CONFIRM = 40  # distinct candidate defects re-checked per operation
MAX_SHRINK_STEPS = 48
SERVER_ERROR_REPEATS = 3


@dataclass(frozen=True)
class Confirmed:
    """A candidate that stands: its evidence, whether it was shrunk, and repeat counts."""

    candidate: Candidate
    seen: Observed | None
    shrunk: bool = False
    failed: int = 1  # attempts that failed, the first one included
    attempts: int = 1


def confirm(run: OperationRun, out_of_time: Callable[[], bool]) -> Iterator[Confirmed]:
    """Re-check (and shrink) every candidate; yield the ones that stand."""
    run.counting = False
    try:
        for candidate in list(run.candidates.values())[:MAX_CONFIRM]:
            stats = run.stats[candidate.check]
            if candidate.check == "server_error" and candidate.seen is not None:
                yield _server_error(run, candidate)
                continue
            confirmed = _recheck(run, candidate, out_of_time)
            if confirmed is None:
                stats.flaky += 1
                continue
            yield confirmed
    finally:
        run.counting = True


def _server_error(run: OperationRun, candidate: Candidate) -> Confirmed:
    """Re-send a 5xx a few times; it is reported whatever happens, with the count."""
    assert candidate.seen is not None
    request = candidate.seen.exchange.request
    failed, attempts = 1, 1
    for _ in range(SERVER_ERROR_REPEATS):
        (seen,) = run.observe([request])
        if seen.exchange.time_limited:
            break
        attempts += 1
        failed += bool(_same_defect(run, candidate, seen))
    return Confirmed(candidate, candidate.seen, False, failed, attempts)


def _same_defect(run: OperationRun, candidate: Candidate, seen: Observed) -> bool:
    info = CHECKS[candidate.check]
    if info.function is None or not info.applies.to(seen):
        return False
    problems = list(info.function(run.ctx, seen) or [])
    return any(p.key == candidate.problem.key for p in problems)


def _recheck(
    run: OperationRun, candidate: Candidate, out_of_time: Callable[[], bool]
) -> Confirmed | None:
    if candidate.probe is not None:
        result = candidate.probe.function(run)
        for check, problem, seen in result.findings:
            if (check, problem.key) == (candidate.check, candidate.problem.key):
                return Confirmed(candidate, seen)
        return None
    assert candidate.seen is not None
    again = _fails(run, candidate, candidate.seen.exchange.request)
    if again is None:
        return None
    if not candidate.seen.exchange.request.origin.startswith(("fuzz", "coverage")):
        return Confirmed(candidate, again)
    shrunk = _shrink(run, candidate, again, out_of_time)
    return Confirmed(candidate, shrunk, shrunk is not again)


def _fails(run: OperationRun, candidate: Candidate, request: WireRequest) -> Observed | None:
    (seen,) = run.observe([request])
    return seen if _same_defect(run, candidate, seen) else None


def _shrink(
    run: OperationRun, candidate: Candidate, seen: Observed, out_of_time: Callable[[], bool]
) -> Observed:
    """Drop optional query parameters and body fields while the same defect persists."""
    steps = 0
    current = seen
    changed = True
    while changed and steps < MAX_SHRINK_STEPS and not out_of_time():
        changed = False
        for smaller in _smaller(current.exchange.request, run.ctx):
            steps += 1
            again = _fails(run, candidate, smaller)
            if again is not None:
                current, changed = again, True
                break
            if steps >= MAX_SHRINK_STEPS:
                break
    return current


def _smaller(request: WireRequest, ctx: OperationContext) -> Iterator[WireRequest]:
    """Requests one step plainer than `request`: an optional input dropped, or one value
    made plainer (a string halved, a number towards 0), so the reproducer shows only what
    triggers the defect (a valid-input refusal shrinks to the one character it refuses)."""
    required = {p.name for p in ctx.op.parameters if p.required}
    for index, (name, _) in enumerate(request.query):
        if name not in required:
            yield replace(request, query=request.query[:index] + request.query[index + 1 :])
    ok, body = request.json_body()
    if ok and isinstance(body, dict):
        needed = set((ctx.op.request_body or {}).get("required") or [])
        for name in list(body):
            if name not in needed:
                rest = {k: v for k, v in body.items() if k != name}
                yield replace(request, body=json_bytes(rest))
        for name, value in body.items():
            for plainer in _plainer(value):
                yield replace(request, body=json_bytes({**body, name: plainer}))
    for index, (name, value) in enumerate(request.query):
        for plainer in _plainer(value):
            query = (*request.query[:index], (name, str(plainer)), *request.query[index + 1 :])
            yield replace(request, query=query)
    for name, value in request.path_params.items():
        for plainer in _plainer(value):
            if isinstance(plainer, str) and plainer:
                params = {**request.path_params, name: plainer}
                yield replace(request, path=encode_path(ctx.op.path, params), path_params=params)


def _plainer(value: object) -> list[object]:
    """Simpler values of the same type: halves of a string, a smaller number, fewer items."""
    if isinstance(value, str) and len(value) > 1:
        half = len(value) // 2
        return [value[:half], value[half:]]
    if isinstance(value, bool) or not isinstance(value, int | list):
        return []
    if isinstance(value, int):
        return (
            [0] if value not in (0, 1) and abs(value) < 2**16 else ([value // 2] if value else [])
        )
    return [value[:1]] if len(value) > 1 else []
