"""Does one proxied exchange keep the spec's promises? verify's contract, applied live.

Messages name the body path and the schema keyword, never a value from the exchange: they go
to the terminal and into the `X-Recmock-Violations` header, and a value could be a secret or
someone's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from recmock.specs import Operation, Spec
from recmock.verify.contract import Contract, contract_for, media_type_matches, write_only_leaks
from recmock.verify.wire import path_matcher

MAX_SCHEMA_ERRORS = 5


@dataclass(frozen=True)
class Route:
    """One operation of the spec and the contract of its responses."""

    op: Operation
    contract: Contract

    @cached_property
    def write_only(self) -> frozenset[str]:
        """Names of properties any response schema marks writeOnly (never recorded)."""
        names: set[str] = set()
        stack: list[Any] = [d.schema for d in self.contract.responses.values()]
        while stack:
            node = stack.pop()
            if isinstance(node, Mapping):
                for name, prop in (node.get("properties") or {}).items():
                    if isinstance(prop, Mapping) and prop.get("writeOnly") is True:
                        names.add(str(name))
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return frozenset(names)


class Router:
    """Finds the operation a proxied request addresses (path below the spec's prefix)."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._routes = [
            (op, path_matcher(op), Route(op, contract_for(spec, op))) for op in spec.operations
        ]

    def route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """(route, decoded path parameters) for `path` (below the prefix), or None."""
        from urllib.parse import unquote

        for op, matcher, route in self._routes:
            found = matcher.match(path)
            if found and op.method == method.upper():
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None


def _where(path: Any) -> str:
    return (
        "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "(body)"
    )


def violations(
    route: Route | None, status: int, headers: Mapping[str, str], body: bytes
) -> list[str]:
    """What the exchange breaks of the spec, one short line each (empty: conforms)."""
    if route is None:
        return ["request: no operation of the spec has this method and path"]
    documented = route.contract.for_status(status)
    if documented is None:
        return [f"status: {status} is not documented for {route.op.operation_id}"]
    out = []
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if documented.media_types and not any(
        media_type_matches(media, m) for m in documented.media_types
    ):
        out.append(
            f"content-type: {media or '(none)'} is not one of {list(documented.media_types)}"
        )
        return out
    if documented.validator is None or not body:
        return out
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return [*out, "body: not JSON"]
    errors = sorted(documented.validator.iter_errors(value), key=lambda e: list(e.path))
    for error in errors[:MAX_SCHEMA_ERRORS]:
        out.append(
            f"schema: {_where(error.path)}: {error.validator} {error.validator_value!r}"[:200]
        )
    if len(errors) > MAX_SCHEMA_ERRORS:
        out.append(f"schema: {len(errors) - MAX_SCHEMA_ERRORS} more")
    out += [
        f"write_only: {where} is writeOnly but in a response"
        for where in write_only_leaks(documented.schema, value)
    ]
    return out
