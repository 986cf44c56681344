"""Requests from Schemathesis: the spec's examples, coverage boundary values and fuzzing.

Schemathesis and Hypothesis decide *what* to send; recmock decides how it travels (one encoding,
credentials added at send time) and whether it is valid (`classify`), never the generation mode.
Every draw is seeded, so a seed names exactly the same requests.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from recmock.specs import Operation, Spec
from recmock.verify.wire import WireRequest, encode_path, json_bytes, query_pairs

Json = Any


class Generator:
    """Schemathesis' view of one spec, producing `WireRequest`s per operation."""

    def __init__(self, spec: Spec) -> None:
        import schemathesis
        from schemathesis.config import SchemathesisConfig
        from schemathesis.core.result import Ok

        # An explicit config: never pick up a schemathesis.toml from the working directory.
        self.schema = schemathesis.openapi.from_dict(spec.document, config=SchemathesisConfig())
        self._operations: dict[tuple[str, str], Any] = {}
        for result in self.schema.get_all_operations():
            if isinstance(result, Ok):  # an Err is an invalid operation: the spec tests catch it
                operation = result.ok()
                self._operations[(operation.method.upper(), operation.path)] = operation

    def _operation(self, op: Operation) -> Any:
        return self._operations[(op.method, op.path)]

    def examples(self, op: Operation, seed: int = 0) -> list[WireRequest]:
        """One request per example set the spec documents (parameters and request bodies)."""
        operation = self._operation(op)
        out = []
        try:
            strategies = operation.get_strategies_from_examples()
        except Exception:  # an example Schemathesis cannot use is the spec tests' business
            return []
        for strategy in strategies:
            try:
                (case,) = draw(strategy, 1, seed)  # seeded: parts without examples are drawn
                out.append(to_wire(op, case, "example"))
            except Exception:
                continue
        out += self._body_examples(op)
        return [r for r in out if r is not None]

    def _body_examples(self, op: Operation) -> list[WireRequest | None]:
        """Named `examples` of the JSON request body, each with the parameters' examples."""
        content = (
            self.schema.raw_schema.get("paths", {})
            .get(op.path, {})
            .get(op.method.lower(), {})
            .get("requestBody", {})
            .get("content", {})
        )
        media = content.get("application/json", {}) if isinstance(content, Mapping) else {}
        named = media.get("examples") or {}
        path = {p.name: p.example for p in op.parameters if p.location == "path"}
        query = {
            p.name: p.example
            for p in op.parameters
            if p.location == "query" and p.example is not None
        }
        out = []
        for example in named.values():
            if isinstance(example, Mapping) and "value" in example:
                out.append(build(op, path, query, example["value"], "example"))
        return out

    def coverage(self, op: Operation) -> list[WireRequest]:
        """Schemathesis' coverage phase: boundary values, wrong types, missing parameters."""
        from schemathesis import GenerationMode
        from schemathesis.config import GenerationConfig

        operation = self._operation(op)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cases = operation.schema.iter_coverage_cases(
                operation,
                generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                generation_config=GenerationConfig(),
            )
            for case in cases:
                if str(case.method).upper() != op.method:
                    # Never send undocumented methods: on a real deployment another operation
                    # may live there (DELETE a recording!), and verify must stay read-only.
                    continue
                request = to_wire(op, case, "coverage")
                if request is not None:
                    out.append(request)
        return out

    def fuzz(
        self,
        op: Operation,
        *,
        negative: bool,
        count: int,
        seed: int,
        path_parameters: Mapping[str, str] | None = None,
        until: float | None = None,
    ) -> list[WireRequest]:
        """`count` Hypothesis draws, positive or negative, optionally with pinned path values."""
        from schemathesis import GenerationMode

        mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
        kwargs: dict[str, Any] = {}
        if path_parameters:
            kwargs["path_parameters"] = dict(path_parameters)
        strategy = self._operation(op).as_strategy(mode, **kwargs)
        origin = "fuzz-negative" if negative else "fuzz"
        return [
            r for r in (to_wire(op, c, origin) for c in draw(strategy, count, seed, until)) if r
        ]


class _Enough(BaseException):
    """Stops a Hypothesis draw early; a BaseException, so Hypothesis does not shrink it."""


def draw(strategy: Any, count: int, seed: int, until: float | None = None) -> list[Any]:
    """Up to `count` values of a strategy, reproducibly for `seed`; stops at time `until`."""
    import time

    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seed_with

    found: list[Any] = []

    @seed_with(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        derandomize=False,
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)
        if until is not None and time.monotonic() > until:
            raise _Enough

    with warnings.catch_warnings(), contextlib.suppress(_Enough):
        warnings.simplefilter("ignore")
        with contextlib.suppress(Exception):  # Unsatisfiable and kin: keep what was drawn
            collect()
    return found


def to_wire(op: Operation, case: Any, origin: str) -> WireRequest | None:
    """A Schemathesis case as recmock sends it; None when its path cannot be one segment.

    Only path, query and body are taken: Schemathesis' security headers and cookies are
    replaced by real credentials, and the body always travels as JSON.
    """
    from schemathesis.core import NOT_SET

    body = case.body
    raw: bytes | None
    if body is NOT_SET or (body is None and op.request_body is None):
        raw = None
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json_bytes(body)
    if op.request_body is None:
        raw = None
    # Schemathesis percent-encodes generated path values; recmock encodes when it sends.
    path = {
        k: unquote(v) if isinstance(v, str) else v for k, v in (case.path_parameters or {}).items()
    }
    return build(op, path, dict(case.query or {}), raw, origin)


def build(
    op: Operation, path: Mapping[str, Any], query: Mapping[str, Any], body: Any, origin: str
) -> WireRequest | None:
    """A request from typed values; bytes bodies go as they are, others as JSON."""
    values = {name: _path_text(value) for name, value in path.items()}
    if any(v in ("", ".", "..") or "/" in v for v in values.values()):
        return None  # would not route to this operation at all: no verdict is possible
    if body is not None and not isinstance(body, bytes):
        body = json_bytes(body)
    # Undeclared `__name` query parameters are mock controls (recmock's __scenario, Prism's
    # __code/__example/__dynamic), not the API's: fuzzing them tests the mock, not the contract.
    # (Hypothesis draws string constants from the code under test, so it does find them.)
    declared = {p.name for p in op.parameters if p.location == "query"}
    query = {k: v for k, v in query.items() if not str(k).startswith("__") or k in declared}
    return WireRequest(
        method=op.method,
        path=encode_path(op.path, values),
        path_params=values,
        query=query_pairs(query),
        body=body,
        origin=origin,
    )


def _path_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def without(request: WireRequest, names: Iterable[str]) -> WireRequest:
    """The request minus some query parameters (stateful ones, for positive cases)."""
    from dataclasses import replace

    drop = set(names)
    return replace(request, query=tuple((k, v) for k, v in request.query if k not in drop))


def unique(requests: Iterable[WireRequest]) -> Iterator[WireRequest]:
    """Each distinct request once, first occurrence kept."""
    seen: set[tuple[Any, ...]] = set()
    for request in requests:
        if request.key not in seen:
            seen.add(request.key)
            yield request
