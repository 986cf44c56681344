"""What an operation promises about its responses, read from the 3.1 document. Pure.

`Operation.responses` keeps only JSON body schemas; the schema check also needs every documented
media type and header, so they are read here from the document as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from recmock.specs import Operation, Schema, Spec, deref

Json = Any
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")


@lru_cache(maxsize=1)
def format_checker() -> FormatChecker:
    """jsonschema's checkers plus `uri` (absolute, no spaces), which it only has with rfc3987."""
    checker = FormatChecker()
    checker.checks("uri")(lambda value: not isinstance(value, str) or bool(_URI.match(value)))
    return checker


@dataclass(frozen=True)
class Documented:
    """One documented response: its media types, JSON schema and headers."""

    media_types: tuple[str, ...] = ()
    schema: Schema | None = None
    headers: Mapping[str, Schema] = field(default_factory=dict)  # name -> header object
    validator: Draft202012Validator | None = None


@dataclass(frozen=True)
class Contract:
    """Every documented response of one operation, by status key ("200", "4XX", "default")."""

    responses: Mapping[str, Documented]

    def for_status(self, status: int) -> Documented | None:
        """The documented response that covers `status`, exact code first."""
        for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
            if key in self.responses:
                return self.responses[key]
        return None

    def documents(self, status: int) -> bool:
        """True when `status` is a documented outcome."""
        return self.for_status(status) is not None

    @property
    def has_write_only(self) -> bool:
        """Some documented response schema marks a property `writeOnly`."""
        return any(_mentions_write_only(d.schema) for d in self.responses.values())

    @property
    def client_errors(self) -> tuple[int, ...]:
        """The documented 4xx codes (explicit ones only)."""
        return tuple(sorted(int(k) for k in self.responses if k.isdigit() and k.startswith("4")))


def contract_for(spec: Spec, op: Operation) -> Contract:
    """Read the operation's responses from the spec document (all `$ref`s inlined)."""
    item = deref(spec.document, spec.document.get("paths", {}).get(op.path, {}))
    raw = (item.get(op.method.lower()) or {}).get("responses") or {}
    responses: dict[str, Documented] = {}
    for status, response in raw.items():
        content = response.get("content") or {}
        schema = op.responses.get(str(status))
        validator = (
            Draft202012Validator(schema, format_checker=format_checker())
            if isinstance(schema, dict)
            else None
        )
        responses[str(status)] = Documented(
            media_types=tuple(str(m).lower() for m in content),
            schema=schema,
            headers={str(k).lower(): v for k, v in (response.get("headers") or {}).items()},
            validator=validator,
        )
    return Contract(responses)


def media_type_matches(actual: str, documented: str) -> bool:
    """`application/json` matches itself, `application/*`, `*/*` and `+json` suffix types."""
    if documented in (actual, "*/*"):
        return True
    main, _, sub = documented.partition("/")
    a_main, _, a_sub = actual.partition("/")
    if sub == "*":
        return main == a_main
    return documented == "application/json" and a_main == "application" and a_sub.endswith("+json")


def write_only_leaks(schema: Json, body: Json, path: str = "") -> Iterator[str]:
    """Body paths of properties the schema marks `writeOnly: true` that a response carries."""
    if not isinstance(schema, Mapping):
        return
    branches = [schema, *_branches(schema)]
    if isinstance(body, Mapping):
        declared: dict[str, list[Schema]] = {}
        for branch in branches:
            for name, prop in (branch.get("properties") or {}).items():
                if isinstance(prop, Mapping):
                    declared.setdefault(name, []).append(dict(prop))
        for name, value in body.items():
            props = declared.get(name)
            where = f"{path}.{name}" if path else name
            if props and all(p.get("writeOnly") is True for p in props):
                yield where
                continue
            for prop in props or [
                b["additionalProperties"]
                for b in branches
                if isinstance(b.get("additionalProperties"), Mapping)
            ]:
                yield from write_only_leaks(prop, value, where)
    elif isinstance(body, list):
        for branch in branches:
            items = branch.get("items")
            if isinstance(items, Mapping):
                for index, value in enumerate(body):
                    yield from write_only_leaks(items, value, f"{path}[{index}]")


def _mentions_write_only(schema: Json) -> bool:
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if node.get("writeOnly") is True:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _branches(schema: Mapping[str, Any]) -> Iterator[Schema]:
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            if isinstance(branch, Mapping):
                yield dict(branch)
                yield from _branches(branch)
