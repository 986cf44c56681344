"""The checks, as a registry of plain functions (Schemathesis' design, recmock's checks).

A response check looks at one exchange and returns its problems (`[]` = passed) or None when
it does not apply. Probe checks (auth, paging, links) send their own requests; they are
registered here by name so reports and allow-lists know them, and live in `probes.py`.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from recmock.rules import Rules, get_path, records_of, violations
from recmock.specs import Operation, Spec
from recmock.verify.classify import Classified, Classifier, Verdict
from recmock.verify.contract import Contract, media_type_matches, write_only_leaks
from recmock.verify.wire import Exchange

Json = Any
REJECTIONS = (400, 422)  # what "your input is invalid" looks like; 404/403 are not that


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a response; `key` groups repeats of the same defect."""

    message: str
    key: str


@dataclass
class OperationContext:
    """What every check needs to know about the operation under test."""

    spec: Spec
    op: Operation
    contract: Contract
    classifier: Classifier
    base_url: str

    @property
    def rules(self) -> Rules:
        """The operation's x-recmock rules."""
        return self.op.rules

    @property
    def label(self) -> str:
        """How reports name the operation."""
        return f"{self.op.method} {self.op.path} ({self.op.operation_id})"


@dataclass(frozen=True)
class Observed:
    """An exchange with the verdict on its request."""

    exchange: Exchange
    classified: Classified


ResponseCheck = Callable[[OperationContext, Observed], "list[Problem] | None"]


@dataclass(frozen=True)
class CheckInfo:
    """A registered check: its name, the category reports group it under, and what it asks."""

    name: str
    category: str
    description: str
    function: ResponseCheck | None = None  # None: a probe check


CHECKS: dict[str, CheckInfo] = {}


def check(name: str, category: str, description: str) -> Callable[[ResponseCheck], ResponseCheck]:
    """Register a response check under `name`."""

    def register(function: ResponseCheck) -> ResponseCheck:
        CHECKS[name] = CheckInfo(name, category, description, function)
        return function

    return register


def probe_check(name: str, category: str, description: str) -> None:
    """Register the name of a check whose requests `probes.py` makes."""
    CHECKS[name] = CheckInfo(name, category, description)


probe_check("auth", "auth", "no credentials and wrong credentials are refused with 401/403")
probe_check("paging", "semantic", "walking every page reaches each record once, totals agree")
probe_check("links", "semantic", "next/prev/first/self links stay on the API and return the page")


def _ok(seen: Observed) -> bool:
    status = seen.exchange.status
    return status is not None and 200 <= status < 300


@check("server_error", "server", "no request gets a 5xx (or no HTTP answer at all)")
def server_error(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    ex = seen.exchange
    if ex.status is None:
        return [Problem(f"no HTTP response: {ex.error}", "transport")]
    if ex.status >= 500:
        text = _one_line(ex.excerpt())
        return [Problem(f"answered {ex.status}: {text}", f"{ex.status}:{_shape(text)[:60]}")]
    return []


@check("schema", "schema", "status documented, content type, headers and body match the spec")
def schema(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    ex = seen.exchange
    if ex.status is None or ex.status >= 500:
        return None
    documented = ctx.contract.for_status(ex.status)
    if documented is None:
        known = ", ".join(sorted(ctx.contract.responses))
        return [
            Problem(
                f"status {ex.status} is not documented (documented: {known})", f"status:{ex.status}"
            )
        ]
    problems = []
    for name, header in documented.headers.items():
        if isinstance(header, Mapping) and header.get("required") and name not in ex.headers:
            problems.append(Problem(f"{ex.status}: required header {name} is missing", name))
    if not documented.media_types:
        return problems
    if not any(media_type_matches(ex.media_type, m) for m in documented.media_types):
        return [
            *problems,
            Problem(
                f"{ex.status}: Content-Type {ex.media_type or '(none)'!r}, documented "
                f"{', '.join(documented.media_types)}",
                f"content-type:{ex.status}",
            ),
        ]
    if documented.validator is None:
        return problems
    ok, body = ex.json()
    if not ok:
        return [*problems, Problem(f"{ex.status}: body is not valid JSON", f"json:{ex.status}")]
    for error in sorted(documented.validator.iter_errors(body), key=lambda e: list(e.path))[:3]:
        where = _json_path(error.absolute_path)
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        problems.append(
            Problem(
                f"{ex.status} body {where}: {message}",
                f"{ex.status}:{_shape(where)}:{error.validator}",
            )
        )
    return problems


@check("write_only", "schema", "no property marked writeOnly is ever returned")
def write_only(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    ex = seen.exchange
    documented = ctx.contract.for_status(ex.status) if ex.status is not None else None
    if documented is None or documented.schema is None:
        return None
    ok, body = ex.json()
    if not ok:
        return None
    leaks = sorted(set(write_only_leaks(documented.schema, body)))
    return [Problem(f"{ex.status} body returns write-only {leak}", _shape(leak)) for leak in leaks]


@check("negative", "negative", "invalid input gets a documented 4xx; valid input is not refused")
def negative(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    ex, verdict = seen.exchange, seen.classified.verdict
    if ex.status is None or ex.status >= 500 or verdict is Verdict.AMBIGUOUS:
        return None
    if verdict is Verdict.INVALID and ex.status < 400:
        reason = seen.classified.reasons[0] if seen.classified.reasons else "invalid"
        return [
            Problem(
                f"invalid input accepted with {ex.status}: {reason}",
                f"accepted:{_shape(reason.split(':')[0])}",
            )
        ]
    if verdict is Verdict.VALID and ex.status in REJECTIONS:
        return [
            Problem(
                f"valid input rejected with {ex.status}: {_one_line(ex.excerpt())}",
                f"rejected:{ex.status}",
            )
        ]
    return []


@check("invariants", "semantic", "x-recmock invariants and lifecycle rules hold for every record")
def invariants(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    rules = ctx.rules
    if not (rules.invariants or rules.document_invariants or rules.lifecycle) or not _ok(seen):
        return None
    ok, body = seen.exchange.json()
    if not ok:
        return None
    return [Problem(p, _shape(p)) for p in violations(rules, body)]


@check("limit", "semantic", "limit/page_size honoured: never more, and full pages when more exist")
def limit(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    paging = ctx.rules.paging
    if paging is None or not _ok(seen) or seen.classified.verdict is not Verdict.VALID:
        return None
    ok, body = seen.exchange.json()
    if not ok:
        return None
    given, value = param_value(ctx.op, seen.classified, paging.limit_param)
    effective = effective_limit(paging.default_limit, paging.max_limit, paging.clamp, value)
    if effective is None:
        return None
    records = records_of(ctx.rules, body)
    shown = value if given else "(absent)"
    if len(records) > effective:
        return [
            Problem(
                f"{len(records)} records for {paging.limit_param}={shown} "
                f"(at most {effective} allowed)",
                "too-many",
            )
        ]
    expected = None
    if paging.style == "offset" and paging.total:
        total = get_path(body, paging.total)
        _, start = param_value(ctx.op, seen.classified, paging.offset_param)
        if isinstance(total, int) and isinstance(start or 0, int):
            expected = min(effective, max(0, total - (start or 0)))
    elif paging.links and isinstance(get_path(body, f"{paging.links}.next"), str):
        expected = effective
    if expected is not None and len(records) < expected:
        return [
            Problem(
                f"{len(records)} records for {paging.limit_param}={shown}, expected "
                f"{expected} (more records exist)",
                "too-few",
            )
        ]
    return []


@check("ordering", "semantic", "records come in the order the request asked for")
def ordering(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    rule = ctx.rules.ordering
    if rule is None or not _ok(seen) or seen.classified.verdict is not Verdict.VALID:
        return None
    ok, body = seen.exchange.json()
    if not ok:
        return None
    direction = rule.default
    if rule.param:
        _, value = param_value(ctx.op, seen.classified, rule.param)
        if isinstance(value, str) and value.upper() in ("ASC", "DESC"):
            direction = value.upper()
        elif value is not None:
            return None
    problem = order_problem(records_of(ctx.rules, body), rule.field, direction)
    return [Problem(problem, f"order:{direction}")] if problem else []


@check("filter", "semantic", "every record matches the filters the request set")
def filters(ctx: OperationContext, seen: Observed) -> list[Problem] | None:
    if not ctx.rules.filters or not _ok(seen) or seen.classified.verdict is not Verdict.VALID:
        return None
    ok, body = seen.exchange.json()
    if not ok:
        return None
    records = records_of(ctx.rules, body)
    problems: list[Problem] = []
    applied = False
    for rule in ctx.rules.filters:
        given, wanted = param_value(ctx.op, seen.classified, rule.param)
        if not given or wanted is None:
            continue
        applied = True
        allowed = list(wanted) if rule.match == "in" and isinstance(wanted, list) else [wanted]
        for index, record in enumerate(records):
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
    import json

    return json.dumps(record, sort_keys=True)


def _json_path(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _shape(text: str) -> str:
    """`text` with list indexes and numbers blurred, so repeats of one defect group together."""
    import re

    return re.sub(r"\[\d+\]", "[*]", re.sub(r"\d{3,}", "N", text))


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


def run_response_checks(ctx: OperationContext, seen: Observed) -> dict[str, list[Problem] | None]:
    """Every registered response check on one exchange: name -> problems (None = n/a)."""
    return {
        name: info.function(ctx, seen) for name, info in CHECKS.items() if info.function is not None
    }


__all__ = ["CHECKS", "Classifier", "Observed", "OperationContext", "Problem", "check"]
