"""Requests as recmock sends them and exchanges as it saw them; the HTTP edge of `verify`.

A `WireRequest` holds no credentials: `Credentials.headers_for` adds them at send time, so no
event, report or reproducer can carry a secret by construction. The body is the exact byte
string that goes on the wire, which is what a plugNmeet signature covers.

Whatever the target does, a request ends by its deadline (the run's time limit or --timeout,
whichever comes first) and reads at most `MAX_BODY` decoded bytes: see `deadline.py`, `body.py`.
"""

from __future__ import annotations

import json
import math
import re
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from recmock.errors import TargetError
from recmock.specs import Operation
from recmock.verify.body import (
    ACCEPT_ENCODING,
    BoundedDecoder,
    declared_too_large,
    too_large,
)
from recmock.verify.deadline import deadline_for_thread, deadline_transport

Json = Any
MAX_EXCERPT = 600
RATE_LIMIT_RETRIES = 3
# A body over the cap is unusable (not JSON, no records); a run may hold many exchanges, so only
# this much of it is kept, for excerpts and messages.
KEPT_WHEN_TRUNCATED = 64 * 1024
TIME_LIMIT = "time limit reached"  # starts the error of an exchange the time limit cut short


@dataclass(frozen=True)
class WireRequest:
    """One request before credentials are added: method, encoded path, query pairs, body bytes."""

    method: str
    path: str  # below the base URL, percent-encoded, e.g. /room_sessions/abc/recordings
    path_params: Mapping[str, str] = field(default_factory=dict)  # decoded, as the server sees
    query: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    auth: str = "valid"  # valid | none | a Credentials wrong-variant name
    origin: str = ""  # which phase made it: example, coverage, fuzz, probe:<name>, link

    def with_auth(self, auth: str) -> WireRequest:
        """The same request sent with other credentials (or none)."""
        return replace(self, auth=auth)

    @property
    def key(self) -> tuple[Any, ...]:
        """Identity for de-duplication: everything that reaches the server."""
        return (self.method, self.path, self.query, self.body, self.auth)

    def url(self, base_url: str) -> str:
        """The absolute URL, query included."""
        query = f"?{urlencode(self.query)}" if self.query else ""
        return f"{base_url.rstrip('/')}{self.path}{query}"

    def json_body(self) -> tuple[bool, Json]:
        """(True, value) when the body is JSON, else (False, None)."""
        if self.body is None:
            return False, None
        try:
            return True, json.loads(self.body)
        except (ValueError, RecursionError):
            return False, None


@dataclass(frozen=True)
class Exchange:
    """A request and what came back.

    - `status` None: no HTTP response arrived and `error` says why. An error starting with
      `TIME_LIMIT` means the run's time limit ended the request (or it was never sent): that is
      no verdict on the target, not a transport failure.
    - `truncated`: the body was larger than `MAX_BODY` (8 MiB), declared by Content-Length or
      counted while inflating gzip/deflate; reading stopped there. `status` and `headers` are
      the server's, `body` keeps the first `KEPT_WHEN_TRUNCATED` (64 KiB) decoded bytes (none
      when the declared length was already over) and `error` starts with "response body exceeds
      8 MiB". Checks see the cut bytes, so a JSON parse just fails.
    - `throttled`: still 429 after `Transport`'s bounded Retry-After waits: no verdict either.
    """

    request: WireRequest
    status: int | None
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    elapsed: float
    error: str = ""
    truncated: bool = False

    @property
    def throttled(self) -> bool:
        """True when the target still rate-limited the request after every retry."""
        return self.status == 429

    @property
    def time_limited(self) -> bool:
        """True when the run's time limit, not the target, ended this request."""
        return self.status is None and self.error.startswith(TIME_LIMIT)

    @property
    def media_type(self) -> str:
        """The response's media type without parameters, lower-case."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> tuple[bool, Json]:
        """(True, value) when the body parses as JSON."""
        try:
            return True, json.loads(self.body)
        except (ValueError, RecursionError):
            return False, None

    def excerpt(self) -> str:
        """The start of the response body as text, for messages and reports."""
        text = self.body.decode("utf-8", "replace")
        return text if len(text) <= MAX_EXCERPT else text[:MAX_EXCERPT] + "..."


def _retry_after(value: str) -> float:
    """Seconds to wait from a Retry-After header (seconds form), kept between 0.5 and 5."""
    try:
        return min(max(float(value), 0.5), 5.0)
    except ValueError:
        return 1.0


def encode_path(template: str, params: Mapping[str, str]) -> str:
    """Fill a path template, percent-encoding every value so it stays one segment."""

    def fill(match: re.Match[str]) -> str:
        return quote(str(params.get(match.group(1), "")), safe="")

    return re.sub(r"\{(\w+)\}", fill, template)


def path_matcher(op: Operation) -> re.Pattern[str]:
    """A regex matching the operation's served path below the base URL."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op.path))
    return re.compile(f"^{pattern}/?$")


def query_pairs(query: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Serialise query values the way form-style, exploded OpenAPI parameters travel."""
    pairs: list[tuple[str, str]] = []
    for name, value in query.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            pairs.append((str(name), scalar_text(item)))
    return tuple(pairs)


def scalar_text(value: Any) -> str:
    """A query value as text: JSON spelling for booleans, objects and nested lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def json_bytes(value: Json) -> bytes:
    """Compact ASCII JSON: escapes keep lone surrogates and any text encodable."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).encode()


class Transport:
    """Sends `WireRequest`s to one base URL with credentials; a pool of `workers` threads.

    `deadline` (time.monotonic) is the run's hard end: no request starts after it and none
    outlives it, whatever the target trickles. `timeout` bounds each attempt as a whole.
    """

    def __init__(
        self,
        base_url: str,
        headers_for: Callable[[WireRequest], dict[str, str]],
        *,
        client: httpx.Client | None = None,
        workers: int = 1,
        timeout: float = 10.0,
        deadline: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers_for = headers_for
        self.timeout = timeout
        self.deadline = deadline
        self.client = client or httpx.Client(
            timeout=timeout, follow_redirects=False, transport=deadline_transport()
        )
        self._owns_client = client is None
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
        self.sent = 0

    def close(self) -> None:
        """Release connections and threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self._owns_client:
            self.client.close()

    def send(self, request: WireRequest) -> Exchange:
        """Send one request; transport failures become an Exchange with `error` set."""
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": "recmock-verify",
        }
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        run_end = math.inf if self.deadline is None else self.deadline
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            exchange = self._attempt(request, headers, run_end)
            if exchange.status != 429 or attempt == RATE_LIMIT_RETRIES:
                break
            # Staging deployments rate-limit; a contract test should wait, not report a 429,
            # but never past the time limit: then the 429 stands, marked `throttled`.
            wait = _retry_after(exchange.headers.get("retry-after", ""))
            if time.monotonic() + wait >= run_end:
                break
            time.sleep(wait)
        return replace(exchange, elapsed=time.monotonic() - started)

    def _attempt(self, request: WireRequest, headers: dict[str, str], run_end: float) -> Exchange:
        now = time.monotonic()
        if now >= run_end:
            return Exchange(request, None, {}, b"", 0.0, f"{TIME_LIMIT}: request not sent")
        end = min(now + self.timeout, run_end)
        headers.update(self.headers_for(request))
        self.sent += 1
        try:
            with (
                deadline_for_thread(end),
                self.client.stream(
                    request.method,
                    self.base_url + request.path,
                    params=request.query or None,
                    content=request.body,
                    headers=headers,
                    timeout=max(end - now, 0.001),
                ) as response,
            ):
                return _read(request, response, end)
        except httpx.TimeoutException as exc:
            if run_end < now + self.timeout:  # the time limit was the nearer end
                return Exchange(request, None, {}, b"", 0.0, f"{TIME_LIMIT} while waiting ({exc})")
            message = f"{type(exc).__name__}: no complete response within {self.timeout:g} s"
            return Exchange(request, None, {}, b"", 0.0, message)
        except httpx.HTTPError as exc:
            return Exchange(request, None, {}, b"", 0.0, f"{type(exc).__name__}: {exc}")

    def send_all(self, requests: Iterable[WireRequest]) -> list[Exchange]:
        """Send a batch, concurrently when workers > 1; results keep the input order."""
        batch = list(requests)
        if self._pool is None or len(batch) < 2:
            return [self.send(r) for r in batch]
        return list(self._pool.map(self.send, batch))

    def preflight(self, request: WireRequest) -> None:
        """Fail fast with one clear line when nothing answers HTTP at the base URL."""
        exchange = self.send(request.with_auth("none"))
        if exchange.status is None:
            raise TargetError(
                f"--base-url {self.base_url}: cannot reach the target ({exchange.error}); "
                "is the server running and the URL right?"
            )


def _read(request: WireRequest, response: httpx.Response, end: float) -> Exchange:
    """The response's body within `MAX_BODY` decoded bytes, read by `end`."""
    headers = {k.lower(): v for k, v in response.headers.items()}
    status = response.status_code
    declared = declared_too_large(headers.get("content-length"))
    if declared is not None:
        error = too_large(f"declared Content-Length {declared}; not read")
        return Exchange(request, status, headers, b"", 0.0, error, truncated=True)
    decoder = BoundedDecoder(headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    try:
        for raw in response.iter_raw():
            chunks.append(decoder.feed(raw))
            if decoder.over:
                error = too_large(f"{decoder.size} bytes read, more followed")
                kept = b"".join(chunks)[:KEPT_WHEN_TRUNCATED]
                return Exchange(request, status, headers, kept, 0.0, error, True)
            if time.monotonic() >= end:  # also when a client without the deadline backend
                raise httpx.ReadTimeout("deadline reached while reading the body")
    except zlib.error as exc:
        error = f"cannot decode Content-Encoding {headers.get('content-encoding')!r}: {exc}"
        return Exchange(request, status, headers, b"", 0.0, error)
    return Exchange(request, status, headers, b"".join(chunks), 0.0)


def split_link(url: str, base_url: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """(path below base URL, query pairs) for a link on the same origin and API root."""
    from urllib.parse import parse_qsl

    link, base = urlsplit(url), urlsplit(base_url.rstrip("/"))
    if (link.scheme, link.netloc) != (base.scheme, base.netloc):
        return None
    if not link.path.startswith(base.path + "/"):
        return None
    pairs = tuple(parse_qsl(link.query, keep_blank_values=True))
    return link.path[len(base.path) :], pairs
