"""Requests as recmock sends them and exchanges as it saw them; the HTTP edge of `verify`.

A `WireRequest` holds no credentials: `Credentials.headers_for` adds them at send time, so no
event, report or reproducer can carry a secret by construction. The body is the exact byte
string that goes on the wire, which is what a plugNmeet signature covers.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from recmock.errors import TargetError
from recmock.specs import Operation

if TYPE_CHECKING:
    from recmock.verify.credentials import Reproduction

Json = Any
MAX_EXCERPT = 600
RATE_LIMIT_RETRIES = 3


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
    """A request and what came back (status None when no HTTP response arrived)."""

    request: WireRequest
    status: int | None
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    elapsed: float
    error: str = ""

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
    """Sends `WireRequest`s to one base URL with credentials; a pool of `workers` threads."""

    def __init__(
        self,
        base_url: str,
        headers_for: Callable[[WireRequest], dict[str, str]],
        *,
        client: httpx.Client | None = None,
        workers: int = 1,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers_for = headers_for
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)
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
        headers = {"Accept": "application/json", "User-Agent": "recmock-verify"}
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            headers.update(self.headers_for(request))
            self.sent += 1
            try:
                response = self.client.request(
                    request.method,
                    self.base_url + request.path,
                    params=request.query or None,
                    content=request.body,
                    headers=headers,
                )
            except httpx.HTTPError as exc:
                elapsed = time.perf_counter() - started
                return Exchange(request, None, {}, b"", elapsed, f"{type(exc).__name__}: {exc}")
            if response.status_code != 429 or attempt == RATE_LIMIT_RETRIES:
                break
            # Staging deployments rate-limit; a contract test should wait, not report a 429.
            time.sleep(_retry_after(response.headers.get("retry-after", "")))
        elapsed = time.perf_counter() - started
        lowered = {k.lower(): v for k, v in response.headers.items()}
        return Exchange(request, response.status_code, lowered, response.content, elapsed)

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


def curl_command(request: WireRequest, base_url: str, repro: Reproduction) -> str:
    """A copy-paste `curl` reproducer; credentials appear only as placeholders."""
    lines = list(repro.preamble)
    args = ["curl", "-sS", "-X", request.method, shlex.quote(request.url(base_url)), *repro.args]
    body = request.body
    if body is not None:
        text = body.decode("utf-8", "strict") if _is_text(body) else None
        if text is not None:
            lines.append(f"BODY={shlex.quote(text)}")
            source, data = "printf '%s' \"$BODY\" | ", '"$BODY"'
        else:
            octal = "".join(f"\\{b:03o}" for b in body)
            lines.append(f"printf '{octal}' > recmock-body.bin")
            source, data = "cat recmock-body.bin | ", "@recmock-body.bin"
        if repro.sign_with:
            lines.append(
                f"SIG=$({source}openssl dgst -sha256 -hmac {repro.sign_with} -r | cut -d' ' -f1)"
            )
        args += ["-H", shlex.quote("Content-Type: application/json"), "--data-binary", data]
    return "\n".join([*lines, " ".join(args)])


def _is_text(body: bytes) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text
