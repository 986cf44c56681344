"""Validate and coerce one incoming request against its 3.1 operation. Pure: no ASGI here.

Connexion 3.3 validates with JSON Schema Draft 4 and answers in its own problem+json shape;
providers need 2020-12 semantics (`type: [integer, "null"]`) and their own error bodies, so
requests are checked here and the provider turns `Issue`s into its documented error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from recmock.specs import Operation, Schema

Json = Any
_INTEGER = re.compile(r"^[+-]?\d{1,100}$")  # as many digits as MAX_INT_DIGITS in a body
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
MAX_BODY_DEPTH = 64
MAX_ITEMS = 100  # per array in a request: room ids per fetch, values of a list parameter
MAX_ITEM_CHARS = 256  # per string in such an array: an id, not a payload
MAX_INT_DIGITS = 100  # far beyond 64 bits, far below the cost of converting thousands
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class RawRequest:
    """What arrived on the wire, already split by the ASGI edge."""

    method: str
    path: str
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str:
        """A header value by case-insensitive name ('' when absent)."""
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class Issue:
    """One reason a request is invalid: where, which field, what was expected."""

    location: str  # path, query, header or body
    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.location} {self.name or '(body)'}: {self.message}"


@dataclass(frozen=True)
class Parsed:
    """The request's parameters coerced to their schema types, and its decoded JSON body."""

    params: Mapping[str, Json]
    body: Json = None


class RequestParser:
    """Compiled validators for one operation, built once at start-up."""

    def __init__(self, operation: Operation, format_checker: FormatChecker | None = None) -> None:
        self.operation = operation
        checker = format_checker or FormatChecker()
        self.params = [
            (p, Draft202012Validator(p.schema, format_checker=checker))
            for p in operation.parameters
            if p.location in ("path", "query")
        ]
        body = operation.request_body
        self.body = Draft202012Validator(body, format_checker=checker) if body else None

    def parse(self, raw: RawRequest) -> tuple[Parsed, list[Issue]]:
        """Coerce and validate; the issue list is empty when the request is valid."""
        issues: list[Issue] = []
        params: dict[str, Json] = {}
        query: dict[str, list[str]] = {}
        for key, value in raw.query:
            query.setdefault(key, []).append(value)
        for param, validator in self.params:
            values = (
                [raw.path_params[param.name]]
                if param.location == "path" and param.name in raw.path_params
                else query.get(param.name)
            )
            if not values:
                if param.required:
                    issues.append(Issue(param.location, param.name, "is required"))
                continue
            value, problem = coerce(values, param.schema)
            if problem is None:
                problem = _first_error(validator, value)
            if problem is not None:
                issues.append(Issue(param.location, param.name, problem))
            else:
                params[param.name] = value
        body: Json = None
        if self.body is not None:
            body, decode_problem = decode_json(raw.body)
            found = ("", decode_problem) if decode_problem else _over_bounds(body, [])
            found = found or _body_error(self.body, body)
            if found is not None:
                issues.append(Issue("body", found[0], found[1]))
        return Parsed(params, body), issues


def coerce(values: list[str], schema: Schema) -> tuple[Json, str | None]:
    """Turn query strings into the schema's type; the message names what was expected."""
    kinds = schema.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "array" in kinds:
        items = schema.get("items", {})
        parts = [part for v in values for part in v.split(",")]
        if len(parts) > MAX_ITEMS:
            return None, f"{len(parts)} items; expected at most {MAX_ITEMS} per request"
        out = []
        for part in parts:
            value, problem = coerce([part], items)
            if problem:
                return None, problem
            out.append(value)
        return out, None
    text = values[-1]
    if "integer" in kinds:
        if _INTEGER.match(text):
            return int(text), None
        return None, f"expected an integer, got {text[:40]!r}"
    if "number" in kinds:
        if _NUMBER.match(text):
            number = float(text)
            return (int(number) if number.is_integer() else number), None
        return None, f"expected a number, got {text[:40]!r}"
    if "boolean" in kinds:
        if text in ("true", "false"):
            return text == "true", None
        return None, f"expected true or false, got {text[:40]!r}"
    return text, None


def decode_json(body: bytes) -> tuple[Json, str | None]:
    """Decode a JSON body defensively: bad UTF-8, bad JSON and absurd nesting are errors."""
    if not body.strip():
        return None, "expected a JSON body, got an empty one"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"expected UTF-8, got an invalid byte at offset {exc.start}"
    if _depth_exceeds(text, MAX_BODY_DEPTH):
        return None, f"JSON nested deeper than {MAX_BODY_DEPTH} levels"
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except RecursionError:
        return None, f"JSON nested deeper than {MAX_BODY_DEPTH} levels"
    except ValueError as exc:  # from the hooks: a number JSON allows but no provider reads
        return None, str(exc)
    if _SURROGATE_ESCAPE.search(text):
        value = _replace_lone_surrogates(value)
    return value, None


def _over_bounds(value: Json, where: list[str]) -> tuple[str, str] | None:
    """(where, why) when an array holds more than MAX_ITEMS items or a string item is longer
    than MAX_ITEM_CHARS: the work a request causes (rooms looked up, ids echoed on every row)
    grows with both, so both are bounded before any of it starts."""
    if isinstance(value, list):
        name = ".".join(where)
        if len(value) > MAX_ITEMS:
            return name, f"{len(value)} items; expected at most {MAX_ITEMS} per request"
        for item in value:
            if isinstance(item, str) and len(item) > MAX_ITEM_CHARS:
                return name, (f"an item of {len(item)} characters; expected at most "
                              f"{MAX_ITEM_CHARS}")  # fmt: skip
            found = _over_bounds(item, where) if isinstance(item, list | dict) else None
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            nested = isinstance(item, list | dict)
            found = _over_bounds(item, [*where, str(key)]) if nested else None
            if found:
                return found
    return None


def _bounded_int(text: str) -> int:
    """An integer literal of at most MAX_INT_DIGITS digits (Go, the real servers, stops at 64
    bits; Python's int() refuses 4300 digits with a ValueError that would be a 500)."""
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"a number with {len(text)} digits; expected at most {MAX_INT_DIGITS}")
    return int(text)


def _no_constant(text: str) -> float:
    """NaN and Infinity are not JSON (Python's decoder accepts them)."""
    raise ValueError(f"not valid JSON: {text} is not a number")


def _replace_lone_surrogates(value: Json) -> Json:
    """A `\\ud800` escape with no partner decodes to a lone surrogate, which no response can
    encode as UTF-8; replace it with U+FFFD as Go's encoding/json (the real servers) does."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    return value


def _depth_exceeds(text: str, limit: int) -> bool:
    depth = 0
    for char in text:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _first_error(validator: Draft202012Validator, value: Json) -> str | None:
    error = next(iter(validator.iter_errors(value)), None)
    return None if error is None else _short(error.message)


def _body_error(validator: Draft202012Validator, body: Json) -> tuple[str, str] | None:
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    error = errors[0]
    where = ".".join(str(p) for p in error.absolute_path)
    return where, _short(error.message)


def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:157] + "..."
