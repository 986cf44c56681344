"""Webhooks as each provider sends them: payloads, headers and signatures, with no I/O.

A recording's `Timeline` (recmock.lifecycle) yields its transitions; each provider
module turns one transition into a `Message` (the exact body bytes and headers it would POST),
and `recmock.webhooks.schema` checks every body against the `webhooks` section of the
provider's spec. Delivery (queues, retries, HTTP) lives at the edges: recmock.webhooks.delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """One webhook request before it is sent: the event name, its body bytes, its headers."""

    provider: str
    event: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    recording_id: str = ""
    at: int = 0  # world time of the transition it reports

    def json(self) -> Any:
        """The body parsed back (for schema checks and tests)."""
        return json.loads(self.body)


def compact(value: Any) -> bytes:
    """JSON as JavaScript's JSON.stringify writes it: no spaces, UTF-8, keys in order.

    Zoom's receivers (Rivet) verify the signature over JSON.stringify(JSON.parse(body)), so the
    bytes sent must be exactly that re-serialisation.
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
