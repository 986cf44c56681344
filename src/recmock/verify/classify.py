"""Is a request valid, invalid, or a matter of opinion? The oracle behind the negative check.

Plain Schemathesis trusts its generation mode: a "negative" case is expected to be rejected even
when it is valid (an unknown query key, a `null` where the schema allows null, a huge `limit`
plugNmeet clamps). We judge what is actually sent instead, twice:

- strictly, with `recmock.validation.RequestParser` (the mock's own 2020-12 reading), plus no
  integer beyond 64 bits and no integral float such as `5.0` where a server may want an int;
- leniently: unbounded integers, `5.0` counts as an integer, whitespace-padded numbers parse.

Valid strictly -> VALID (must not be rejected); invalid even leniently -> INVALID (must get a
documented 4xx); anything in between -> AMBIGUOUS, and the negative check says nothing.

"Valid" also means a real server *can* accept it, so these are AMBIGUOUS too:
- a server-minted cursor (`page_token`, even an empty one) or the page number it unlocks, unless
  recmock took it from a link: no client can forge a token the server never issued;
- an integer beyond the wire type the schema's `format` names (`int32`, `uint32`, `int64`,
  `uint64`: plugNmeet's protobuf `from`/`limit` are uint32), or beyond 64 bits anywhere;
- text that is not valid Unicode (an unpaired surrogate, which JSON escapes can carry).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from recmock.specs import Operation, Parameter, Schema
from recmock.validation import Parsed, RawRequest, RequestParser
from recmock.verify.contract import format_checker
from recmock.verify.wire import WireRequest

Json = Any
INT64 = 2**63 - 1
_LENIENT_INT = re.compile(r"^\s*[+-]?\d+(\.0*)?\s*$")
_CURSOR = re.compile(r"(^|_)(token|cursor)$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^page(_?(number|index|num))?$", re.IGNORECASE)


class Verdict(Enum):
    """What the spec says about a request."""

    VALID = "valid"
    INVALID = "invalid"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Classified:
    """A verdict, its reasons, and the request's values as the spec types them."""

    verdict: Verdict
    reasons: tuple[str, ...] = ()
    parsed: Parsed = field(default_factory=lambda: Parsed({}, None))


def stateful_params(op: Operation) -> frozenset[str]:
    """Parameters whose valid values only the server can mint (cursors, and page numbers then).

    From the rules when they say so (`paging.style: page` names the page-number parameter), and
    by name otherwise: `*_token`/`cursor` parameters, plus `page`/`page_number` beside them.
    """
    names = {p.name for p in op.parameters if p.location == "query"}
    cursors = {n for n in names if _CURSOR.search(n)}
    stateful = set(cursors)
    paging = op.rules.paging
    if paging is not None and paging.style == "page" and paging.offset_param:
        stateful.add(paging.offset_param)
    if cursors:
        stateful |= {n for n in names if _PAGE_NUMBER.match(n)}
    return frozenset(stateful)


class Classifier:
    """Compiled validators for one operation."""

    def __init__(self, op: Operation) -> None:
        self.op = op
        self.parser = RequestParser(op, format_checker())
        self.stateful = stateful_params(op)
        self._params = self.parser.params
        self._body = self.parser.body

    def classify(self, request: WireRequest, *, trusted: bool = False) -> Classified:
        """The verdict for `request`; `trusted` requests came from a server link."""
        raw = RawRequest(
            request.method,
            request.path,
            request.path_params,
            request.query,
            {},
            request.body or b"",
        )
        parsed, issues = self.parser.parse(raw)
        lenient = self._lenient_issues(request)
        if lenient:
            return Classified(Verdict.INVALID, tuple(lenient), parsed)
        if issues:
            return Classified(
                Verdict.AMBIGUOUS, tuple(f"only strictly invalid: {i}" for i in issues), parsed
            )
        risky = (
            _risky_numbers(parsed.body)
            or _beyond_wire_types(parsed, self.op)
            or _not_unicode(request.json_body()[1], parsed.params)
        )
        if risky:
            return Classified(Verdict.AMBIGUOUS, (risky,), parsed)
        if not trusted:
            used = sorted(
                name for name in self.stateful if _given(request.query, name, self.op.parameters)
            )
            if used:
                reason = f"{', '.join(used)} only make sense with a server-minted cursor"
                return Classified(Verdict.AMBIGUOUS, (reason,), parsed)
        return Classified(Verdict.VALID, (), parsed)

    def _lenient_issues(self, request: WireRequest) -> list[str]:
        issues: list[str] = []
        query: dict[str, list[str]] = {}
        for key, value in request.query:
            query.setdefault(key, []).append(value)
        for param, validator in self._params:
            if param.location == "path":
                values = (
                    [request.path_params[param.name]] if param.name in request.path_params else []
                )
            else:
                values = query.get(param.name, [])
            if not values:
                if param.required:
                    issues.append(f"{param.location} {param.name}: is required")
                continue
            candidates = _lenient_values(values, param.schema)
            if not any(validator.is_valid(c) for c in candidates):
                error = next(iter(validator.iter_errors(candidates[0])), None)
                detail = error.message if error is not None else "does not match its schema"
                issues.append(f"{param.location} {param.name}: {_short(detail)}")
        if self._body is not None:
            if not (request.body or b"").strip():
                issues.append("body: expected a JSON body, got an empty one")
            else:
                try:
                    body = json.loads(request.body or b"")
                except (ValueError, RecursionError) as exc:
                    if isinstance(exc, RecursionError):
                        return issues  # too deep to judge here: strictness decides
                    issues.append(f"body: not valid JSON ({type(exc).__name__})")
                else:
                    errors = sorted(self._body.iter_errors(body), key=lambda e: list(e.path))
                    if errors:
                        where = ".".join(str(p) for p in errors[0].absolute_path) or "(body)"
                        issues.append(f"body {where}: {_short(errors[0].message)}")
        return issues


def _given(query: tuple[tuple[str, str], ...], name: str, params: tuple[Parameter, ...]) -> bool:
    """A stateful parameter counts as used unless absent or its default; a cursor (`*_token`)
    counts even when empty: an empty token is not one the server issued either."""
    default = next((p.schema.get("default") for p in params if p.name == name), None)
    if _CURSOR.search(name):
        return any(k == name for k, _ in query)
    return any(k == name and v != "" and v != str(default) for k, v in query)


def _lenient_values(values: list[str], schema: Schema) -> list[Json]:
    """Every reading a forgiving server could give the query text."""
    kinds = schema.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    text = values[-1]
    out: list[Json] = []
    if "array" in kinds:
        parts = [part for v in values for part in v.split(",")]
        items = schema.get("items", {})
        readings = [_lenient_values([p], items) for p in parts]
        out.append([r[0] if r else p for r, p in zip(readings, parts, strict=True)])
    if "integer" in kinds and _LENIENT_INT.match(text):
        out.append(int(float(text)) if "." in text else int(text))
    if "number" in kinds:
        try:
            number = float(text)
            if math.isfinite(number):
                out.append(number)
        except ValueError:
            pass
    if "boolean" in kinds and text.strip().lower() in ("true", "false", "1", "0"):
        out.append(text.strip().lower() in ("true", "1"))
    if "null" in kinds and text in ("", "null"):
        out.append(None)
    if "string" in kinds or not kinds:
        out.append(text)
    return out or [text]


def _risky_numbers(value: Json) -> str:
    """A reason a strictly valid body may still be refused by a typed server, or ''."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, bool):
            continue
        if isinstance(node, int) and abs(node) > INT64:
            return f"integer {str(node)[:24]}... exceeds 64 bits"
        if isinstance(node, float) and node.is_integer():
            return f"{node!r} is an integer written as a float"
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return ""


WIRE_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}


def _formats(schema: Schema) -> set[str]:
    """The integer wire formats a (possibly nullable / anyOf) schema names."""
    found = {str(schema.get("format"))} if schema.get("format") in WIRE_RANGES else set()
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or []:
            if isinstance(branch, Mapping):
                found |= _formats(dict(branch))
    return found


def _beyond_wire_types(parsed: Parsed, op: Operation) -> str:
    """A reason when a top-level integer input exceeds the wire type its schema names, or ''."""
    inputs: list[tuple[str, Json, Schema]] = []
    for param in op.parameters:
        if param.name in parsed.params:
            inputs.append((param.name, parsed.params[param.name], param.schema))
    body_schema = op.request_body or {}
    if isinstance(parsed.body, Mapping):
        for name, schema in (body_schema.get("properties") or {}).items():
            if name in parsed.body and isinstance(schema, Mapping):
                inputs.append((name, parsed.body[name], dict(schema)))
    for name, value, schema in inputs:
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        for fmt in _formats(schema):
            low, high = WIRE_RANGES[fmt]
            if not low <= value <= high:
                return f"{name} = {str(value)[:24]} is outside {fmt}, the wire type"
    return ""


def _not_unicode(*values: Json) -> str:
    """A reason when some text holds an unpaired surrogate (not valid Unicode), or ''."""
    stack = list(values)
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "text with an unpaired surrogate is not valid Unicode"
        elif isinstance(node, Mapping):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return ""


def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:157] + "..."
