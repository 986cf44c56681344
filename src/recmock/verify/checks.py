"""The response checks, registered once each with what they need declared (see `registry`).

A response check looks at one exchange and yields its problems; the registry's runner decides
whether it applies (an answer, a 2xx, JSON, records, a valid request, rules of the operation).
Probe checks (auth, paging, links) send their own requests and live in `probes.py`.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from recmock.rules import get_path, violations
from recmock.specs import Operation
from recmock.verify.classify import Classified, Verdict
from recmock.verify.contract import media_type_matches, write_only_leaks
from recmock.verify.registry import (
    CHECKS,
    REGISTRY,
    Applies,
    Observed,
    OperationContext,
    Problem,
)

Json = Any
REJECTIONS = (400, 422)  # what "your input is invalid" looks like; 404/403 are not that
_DECIMAL = re.compile(r"^-?\d{1,30}$")

REGISTRY.reported(
    "auth",
    category="auth",
    description="no credentials and wrong credentials are refused with 401/403",
    applies=Applies(needs=lambda ctx: ctx.secured),
)
REGISTRY.reported(
    "paging",
    category="semantic",
    description="walking every page reaches each record once, totals agree",
    applies=Applies(needs=lambda ctx: ctx.rules.paging is not None),
)
REGISTRY.reported(
    "links",
    category="semantic",
    description="next/prev/first/self links stay on the API and return the page",
    applies=Applies(needs=lambda ctx: bool(ctx.rules.paging and ctx.rules.paging.links)),
)


@REGISTRY.check(category="server")
def server_error(ctx: OperationContext, seen: Observed) -> Iterator[Problem]:
    """no request gets a 5xx (or no HTTP answer at all)"""
    ex = seen.exchange
    if ex.status is None:
        yield Problem(f"no HTTP response: {ex.error}", "transport")
    elif ex.status >= 500:
        text = _one_line(ex.excerpt())
        yield Problem(f"answered {ex.status}: {text}", f"{ex.status}:{_shape(text)[:60]}")


@REGISTRY.check(category="schema", applies=Applies(answered=True))
def schema(ctx: OperationContext, seen: Observed) -> Iterator[Problem]:
    """status documented, content type, headers and body match the spec"""
    ex = seen.exchange
    assert ex.status is not None
    documented = ctx.contract.for_status(ex.status)
    if documented is None:
        known = ", ".join(sorted(ctx.contract.responses))
        yield Problem(
            f"status {ex.status} is not documented (documented: {known})", f"status:{ex.status}"
        )
        return
    for name, header in documented.headers.items():
        if isinstance(header, Mapping) and header.get("required") and name not in ex.headers:
            yield Problem(f"{ex.status}: required header {name} is missing", name)
    if not documented.media_types:
        return
    if not any(media_type_matches(ex.media_type, m) for m in documented.media_types):
        yield Problem(
            f"{ex.status}: Content-Type {ex.media_type or '(none)'!r}, documented "
            f"{', '.join(documented.media_types)}",
            f"content-type:{ex.status}",
        )
        return
    if documented.validator is None:
        return
    ok, body = seen.parsed
    if not ok:
        yield Problem(f"{ex.status}: body is not valid JSON", f"json:{ex.status}")
        return
    for error in sorted(documented.validator.iter_errors(body), key=lambda e: list(e.path))[:3]:
        where = _json_path(error.absolute_path)
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        yield Problem(
            f"{ex.status} body {where}: {message}",
            f"{ex.status}:{_shape(where)}:{error.validator}",
        )


@REGISTRY.check(
    category="schema",
    applies=Applies(answered=True, json=True, needs=lambda ctx: ctx.contract.has_write_only),
)
def write_only(ctx: OperationContext, seen: Observed) -> Iterator[Problem] | None:
    """no property marked writeOnly is ever returned"""
    ex = seen.exchange
    assert ex.status is not None
    documented = ctx.contract.for_status(ex.status)
    if documented is None or documented.schema is None:
        return None
    leaks = sorted(set(write_only_leaks(documented.schema, seen.body)))
    return (Problem(f"{ex.status} body returns write-only {leak}", _shape(leak)) for leak in leaks)


@REGISTRY.check(category="negative", applies=Applies(answered=True, judged=True))
def negative(ctx: OperationContext, seen: Observed) -> Iterator[Problem]:
    """invalid input gets a documented 4xx; valid input is not refused"""
    ex, verdict = seen.exchange, seen.classified.verdict
    assert ex.status is not None
    if verdict is Verdict.INVALID and ex.status < 400:
        reason = seen.classified.reasons[0] if seen.classified.reasons else "invalid"
        yield Problem(
            f"invalid input accepted with {ex.status}: {reason}",
            f"accepted:{_shape(reason.split(':')[0])}",
        )
    elif verdict is Verdict.VALID and ex.status in REJECTIONS and ex.request.origin != "link":
        # (a refused link the server minted itself is the `links` check's finding)
        yield Problem(
            f"valid input rejected with {ex.status}: {_one_line(ex.excerpt())}",
            f"rejected:{ex.status}",
        )


def _has_rules(ctx: OperationContext) -> bool:
    rules = ctx.rules
    return bool(rules.invariants or rules.document_invariants or rules.lifecycle)


@REGISTRY.check(category="semantic", applies=Applies(records=True, needs=_has_rules))
def invariants(ctx: OperationContext, seen: Observed) -> Iterator[Problem]:
    """the provider's promised invariants and lifecycle rules hold for every record"""
    return (Problem(p, _shape(p)) for p in violations(ctx.rules, seen.body))


@REGISTRY.check(
    category="semantic",
    applies=Applies(
        success=True, json=True, valid=True, needs=lambda c: c.rules.paging is not None
    ),
)
def limit(ctx: OperationContext, seen: Observed) -> Iterator[Problem] | None:
    """limit/page_size honoured: never more, and full pages when more exist"""
    paging = ctx.rules.paging
    assert paging is not None
    body = seen.body
    given, value = param_value(ctx.op, seen.classified, paging.limit_param)
    effective = effective_limit(paging.default_limit, paging.max_limit, paging.clamp, value)
    if effective is None:
        return None
    return _limit_problems(ctx, seen, body, effective, value if given else "(absent)")


def _limit_problems(
    ctx: OperationContext, seen: Observed, body: Json, effective: int, shown: Json
) -> Iterator[Problem]:
    paging = ctx.rules.paging
    assert paging is not None
    records = seen.records
    if len(records) > effective:
        yield Problem(
            f"{len(records)} records for {paging.limit_param}={shown} "
            f"(at most {effective} allowed)",
            "too-many",
        )
        return
    expected = None
    if paging.style == "offset" and paging.total:
        total = as_int(get_path(body, paging.total))
        _, start = param_value(ctx.op, seen.classified, paging.offset_param)
        if total is not None and isinstance(start or 0, int):
            expected = min(effective, max(0, total - (start or 0)))
    elif paging.links and isinstance(get_path(body, f"{paging.links}.next"), str):
        expected = effective
    if expected is not None and len(records) < expected:
        yield Problem(
            f"{len(records)} records for {paging.limit_param}={shown}, expected "
            f"{expected} (more records exist)",
            "too-few",
        )


@REGISTRY.check(
    category="semantic",
    applies=Applies(records=True, valid=True, needs=lambda ctx: ctx.rules.ordering is not None),
)
def ordering(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    """records come in the order the request asked for"""
    rule = ctx.rules.ordering
    assert rule is not None
    direction = rule.default
    if rule.param:
        _, value = param_value(ctx.op, seen.classified, rule.param)
        if isinstance(value, str) and value.upper() in ("ASC", "DESC"):
            direction = value.upper()
        elif value is not None:
            return None
    problem = order_problem(seen.records, rule.field, direction)
    return [Problem(problem, f"order:{direction}")] if problem else []


@REGISTRY.check(
    category="semantic",
    applies=Applies(records=True, valid=True, needs=lambda ctx: bool(ctx.rules.filters)),
)
def filter_(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    """every record matches the filters the request set"""
    problems: list[Problem] = []
    applied = False
    for rule in ctx.rules.filters:
        given, wanted = param_value(ctx.op, seen.classified, rule.param)
        if not given or wanted is None or _overridden(ctx, seen, rule.unless):
            continue
        applied = True
        allowed = list(wanted) if rule.match == "in" and isinstance(wanted, list) else [wanted]
        for index, record in enumerate(seen.records):
            actual = get_path(record, rule.field)
            if not any(same_value(actual, a) for a in allowed):
                where = f"{ctx.rules.items or ctx.rules.record}[{index}].{rule.field}"
                problems.append(
                    Problem(
                        f"{where} = {actual!r} but the request asked {rule.param} = {wanted!r}",
                        f"filter:{rule.param}",
                    )
                )
                break
    return problems if applied else None


def _overridden(ctx: OperationContext, seen: Observed, unless: tuple[str, ...]) -> bool:
    """A filter the provider ignores when another input is set (room_ids beside room_sid)."""
    return any(param_value(ctx.op, seen.classified, name)[1] is not None for name in unless)


def param_value(op: Operation, classified: Classified, name: str) -> tuple[bool, Json]:
    """(present, value) of a request parameter or top-level body field, as the spec types it."""
    params = classified.parsed.params
    if name in params:
        return True, params[name]
    body = classified.parsed.body
    if isinstance(body, Mapping) and name in body:
        return True, body[name]
    return False, None


def effective_limit(default: int, maximum: int, clamp: bool, value: Json) -> int | None:
    """The page size a server applies for `value`; None when the request is out of range."""
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if clamp:
        return default if value <= 0 else min(value, maximum)
    return value if 1 <= value <= maximum else None


def sort_key(value: Json) -> Any:
    """Numbers as they are; RFC 3339 times as unix seconds; other text as text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _DECIMAL.match(value):
        return int(value)  # an int64 as protojson writes it
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return value
        return moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=None).timestamp()
    return None


def order_problem(records: list[Mapping[str, Any]], field: str, direction: str) -> str:
    """Why `records` are not sorted by `field` in `direction`, or ''."""
    keyed = [(i, sort_key(get_path(r, field))) for i, r in enumerate(records)]
    keyed = [(i, k) for i, k in keyed if k is not None]
    for (i, a), (j, b) in itertools.pairwise(keyed):
        try:
            wrong = a > b if direction == "ASC" else a < b
        except TypeError:
            return ""
        if wrong:
            return (
                f"records not in {direction} order of {field}: [{i}] has "
                f"{get_path(records[i], field)!r} before [{j}] {get_path(records[j], field)!r}"
            )
    return ""


def same_value(actual: Json, wanted: Json) -> bool:
    """Equality as an API means it: UUIDs ignore case, numbers and their text compare equal."""
    if actual == wanted:
        return True
    if isinstance(actual, str) and isinstance(wanted, str):
        try:
            return uuid.UUID(actual) == uuid.UUID(wanted)
        except ValueError:
            return False
    return str(actual) == str(wanted) if isinstance(actual, int | str) else False


def record_key(record: Mapping[str, Any]) -> str:
    """A record's identity: its id field, else its canonical JSON."""
    for name in ("id", "record_id", "uuid", "sid"):
        value = record.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return json.dumps(record, sort_keys=True)


def _json_path(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _shape(text: str) -> str:
    """`text` with list indexes and numbers blurred, so repeats of one defect group together."""
    return re.sub(r"\[\d+\]", "[*]", re.sub(r"\d{3,}", "N", text))


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


def as_int(value: Json) -> int | None:
    """An integer as JSON carries it: a number, or the decimal string protojson writes for int64."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DECIMAL.match(value):
        return int(value)
    return None


def run_response_checks(ctx: OperationContext, seen: Observed) -> dict[str, list[Problem] | None]:
    """Every registered response check on one exchange: name -> problems (None = n/a)."""
    return REGISTRY.run(ctx, seen)


__all__ = ["CHECKS", "Observed", "OperationContext", "Problem", "run_response_checks"]
