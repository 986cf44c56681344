"""Every webhook body the mock sends is checked against its provider's spec (`webhooks:`).

The specs declare each event as an OpenAPI 3.1 top-level webhook whose request body schema is
the contract; a body that breaks it is a bug in the mock, never something to send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from recmock.specs import Spec, deref, load_specs


def webhook_schemas(spec: Spec) -> dict[str, Any]:
    """event name -> its dereferenced JSON body schema, from the spec's `webhooks` section."""
    out: dict[str, Any] = {}
    for name, item in (spec.document.get("webhooks") or {}).items():
        body = ((item.get("post") or {}).get("requestBody") or {}).get("content") or {}
        schema = (body.get("application/json") or {}).get("schema")
        if schema is not None:
            out[str(name)] = deref(spec.document, schema)
    return out


@lru_cache(maxsize=16)
def _validators(provider: str) -> Mapping[str, Draft202012Validator]:
    found: dict[str, Draft202012Validator] = {}
    for spec in load_specs():
        if spec.provider == provider:
            for name, schema in webhook_schemas(spec).items():
                found.setdefault(name, Draft202012Validator(schema, format_checker=FormatChecker()))
    return found


def declared(provider: str) -> frozenset[str]:
    """The events `provider`'s specs declare."""
    return frozenset(_validators(provider))


def problems(provider: str, event: str, body: Any) -> list[str]:
    """Why `body` is not a valid `event` of `provider` (empty when it is), one line each."""
    validator = _validators(provider).get(event)
    if validator is None:
        return [f"{provider}: event {event!r} is not declared in the spec's webhooks"]
    errors: Iterable[Any] = validator.iter_errors(body)
    return [f"{provider} {event}: /{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in errors]  # fmt: skip
