"""Honest coverage: what an operation's run never got to test, and what the user should supply.

A contract test that received only 404s and empty pages has checked nothing, so it must not
pass. Schemathesis warns about `missing_test_data` at 10% 404s; recmock refuses to call such a
run a pass: an operation that never answered a valid request with records, or a check that
applies to an operation but never ran on it, makes the run inconclusive (exit 3), and the
message names the `--param` that would fix it. Pure: reads a finished `OperationRun`.
"""

from __future__ import annotations

from recmock.verify.operation_run import OperationRun
from recmock.verify.registry import CHECKS

# Why a check that applies to an operation can still have had nothing to look at.
_NEEDS = {
    "auth": "no request succeeded with the given credentials",
    "negative": "no request got a verdict from the spec",
    "server_error": "no request was answered",
    "schema": "no request was answered below 500",
}
_RECORDS = "no response carried records"


def hint(run: OperationRun) -> str:
    """The `--param` flags that would give this operation data to return."""
    op = run.ctx.op
    cover = run.coverage
    refused = sum(n for status, n in cover.statuses.items() if status in (401, 403))
    succeeded = sum(n for status, n in cover.statuses.items() if 200 <= status < 300)
    if refused and not succeeded and refused >= 0.8 * cover.valid:
        return (
            f"the given credentials were refused on {refused} of {cover.valid} requests: "
            "check the auth options, or give ids these credentials may read with --param"
        )
    path = [p.name for p in op.parameters if p.location == "path"]
    if path:
        return "give known ids with " + " ".join(f"--param {n}=..." for n in path)
    filters = [f.param for f in run.ctx.rules.filters]
    if filters:
        return "give known values with " + " ".join(f"--param {n}=..." for n in filters[:2])
    return "check that the target has data for this operation"


def _statuses(run: OperationRun) -> str:
    cover = run.coverage
    parts = []
    if cover.empty_success:
        parts.append(f"{cover.empty_success} answered 2xx without records")
    for status, count in sorted(cover.statuses.items()):
        if not 200 <= status < 300:
            parts.append(f"{count} answered {status}")
    return ", ".join(parts) or "none was answered"


def inconclusive_reasons(run: OperationRun, *, timed_out: bool = False) -> list[str]:
    """Why this operation's run does not prove conformance; [] when it does."""
    ctx = run.ctx
    label = f"{ctx.op.method} {ctx.op.path}"
    reasons = []
    lists_records = bool(ctx.rules.items or ctx.rules.record)
    if lists_records and run.coverage.with_records == 0:
        where = f" in `{ctx.rules.items or ctx.rules.record}`"
        reasons.append(
            f"{label}: 0 of {run.coverage.valid} valid requests returned a record{where} "
            f"({_statuses(run)}); {hint(run)}"
        )
    for name, info in CHECKS.items():
        stats = run.stats.get(name)
        if stats is None or stats.runs or not info.applies.to_operation(ctx):
            continue
        why = _NEEDS.get(name, _RECORDS)
        if timed_out:
            why += " before the time limit"
        stats.skipped = why
        if not reasons or name in _NEEDS:
            reasons.append(f"{label}: check {name} never ran: {why}")
    return reasons
