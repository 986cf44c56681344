"""What a provider handler sees and returns: plain data, so handlers stay free of ASGI.

`Choices` are the double's own *valid* readings of the docs, where they leave room. Each one is
a flag so a choice the spec on disk still refuses can be switched off in one place (and named
in the report) instead of being dropped from the double.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

Json = Any
_RAW_NUMBER = re.compile(r'"@number:([-+.0-9e]+)"')


@dataclass(frozen=True)
class Choices:
    """Valid choices the mock does not make; all on = the double as a real server behaves."""

    own_status_codes: bool = True  # plugNmeet errors say BAD_REQUEST / UNAUTHENTICATED / ...
    int64_as_string: bool = True  # plugNmeet int64 fields as decimal strings (protojson)
    float_exponent: bool = True  # plugNmeet float file_size as 1.572864e+07 (protojson)
    sdk_nulls: bool = True  # Cloudflare null where the SDK types `string | null`
    protobuf_limit: bool = True  # plugNmeet limit is uint32 (v2-era): negative is a 400, not 20
    empty_token_422: bool = True  # SignalWire `page_token=` (never issued) is a 422
    processing_format: bool = True  # SignalWire `processing` already knows its MIME type
    # Not a valid choice: a seeded drift for `recmock drift` tests (signalwire.py `_drift`):
    # "" none, renamed-field, new-enum, null-field, error-shape.
    drift: str = ""


@dataclass(frozen=True)
class Request:
    """One HTTP request, the path already split into decoded segments after the prefix."""

    method: str
    segments: tuple[str, ...]
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    body: bytes
    base: str  # scheme://host:port plus the provider prefix, for links

    def last(self, name: str) -> str | None:
        """The last value of a query parameter (what most servers read), or None."""
        values = [v for k, v in self.query if k == name]
        return values[-1] if values else None


@dataclass(frozen=True)
class Reply:
    """Status, body bytes and content type of an answer."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = field(default=())


Bug = Callable[[str], bool]


def reply(status: int, document: Json) -> Reply:
    """A JSON reply; `raw_number` strings become bare JSON numbers (protojson's float text)."""
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return Reply(status, _RAW_NUMBER.sub(r"\1", text).encode())


def raw_number(text: str) -> str:
    """A placeholder that `reply` writes as the JSON number `text`, unquoted."""
    return f"@number:{text}"


def split_path(raw_path: bytes) -> tuple[str, ...]:
    """Path segments, each percent-decoded once (so an encoded '/' stays inside its segment)."""
    return tuple(unquote(part) for part in raw_path.decode("latin-1").split("/")[1:])


def parse_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    """Query pairs in order, blanks kept (an empty `page_token=` is a value too)."""
    return tuple(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


INTEGER = re.compile(r"^[+-]?[0-9]+$")


def query_int(text: str) -> int | None:
    """A query integer as a strict server reads it: digits with an optional sign, else None."""
    return int(text) if INTEGER.match(text) else None


def rfc3339(moment: Any, millis: bool = False) -> str:
    """UTC time as RFC 3339 with a Z; with milliseconds the way Cloudflare writes them."""
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
