"""The request pipeline without ASGI: authenticate -> validate -> serve, Prism's order.

Everything here is a plain function of (mock state, operation, raw request), which is what
lets the ASGI edge replay a reply for an identical request instead of recomputing it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from recmock.providers import Credentials, Provider, Reply, View, provider_for
from recmock.specs import Operation, Spec
from recmock.validation import RawRequest, RequestParser
from recmock.world import World


@dataclass(frozen=True)
class Outcome:
    """A reply plus what the journal should remember about the request."""

    reply: Reply
    problems: tuple[str, ...] = ()


@dataclass
class Mock:
    """Everything the mock serves from: specs, one world, credentials, compiled validators."""

    specs: tuple[Spec, ...]
    world: World
    credentials: Credentials = field(default_factory=Credentials)
    parsers: dict[tuple[str, str], RequestParser] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for op in self.operations():
            self.parsers[(op.spec_name, op.operation_id)] = RequestParser(op)
            provider_for(op.provider)  # fail at start-up, not on the first request

    def operations(self) -> Iterable[Operation]:
        """Every served operation, in spec order."""
        return (op for spec in self.specs for op in spec.operations)

    def provider(self, name: str) -> Provider:
        """The provider module serving specs/<name>/."""
        return provider_for(name)

    def handle(self, op: Operation, raw: RawRequest, *, origin: str, wall_clock: float) -> Outcome:
        """The reply the provider gives to `raw`, with validation problems for the journal."""
        provider = provider_for(op.provider)
        view = View(self.world, self.credentials, origin, wall_clock)
        accepted = provider.authenticate(op, raw, view)
        if isinstance(accepted, Reply):
            return Outcome(accepted, ("credentials refused",))
        parsed, issues = self.parsers[(op.spec_name, op.operation_id)].parse(raw)
        if issues:
            reply = provider.invalid(op, issues)
            return Outcome(_until(reply, accepted), tuple(str(i) for i in issues))
        return Outcome(_until(provider.serve(op, parsed, raw, view), accepted))


def _until(reply: Reply, accepted_until: float) -> Reply:
    if reply.valid_until <= accepted_until:
        return reply
    return Reply(reply.status, reply.body, reply.headers, accepted_until)


def encode(body: Any) -> bytes:
    """Compact, key-order-preserving JSON: the same body always gives the same bytes."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
