"""The recording proxy: forwards each request to the target unchanged, validates the answer,
remembers it (scrubbed), and adds `X-Recmock-Violations` (a JSON list, like Prism's
`sl-violations`).

The raw path, raw query and body bytes travel as the client sent them, so body signatures and
tokens stay valid; only Host is the target's and hop-by-hop headers are the proxy's own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from recmock.record.capture import Captured
from recmock.record.scrub import Faker, scrub_json, scrub_url
from recmock.record.validate import Router, violations
from recmock.specs import Spec
from recmock.verify.body import BoundedDecoder

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailer", "transfer-encoding", "upgrade", "host", "content-length"}  # fmt: skip
HEADER = "X-Recmock-Violations"
MAX_REQUEST = 8 * 1024 * 1024
MAX_RESPONSE = 64 * 1024 * 1024  # raw bytes passed through; validation reads 8 MiB decoded
MAX_HEADER = 4000


@dataclass
class Recorder:
    """What the proxy saw: counts, violation lines and the scrubbed successful captures."""

    spec: Spec
    faker: Faker
    log: Callable[[str], None] = print
    max_requests: int = 0  # 0: no limit
    on_limit: Callable[[], None] = lambda: None
    requests: int = 0
    with_violations: int = 0
    violations: dict[str, int] = field(default_factory=dict)  # line -> times seen
    captures: list[Captured] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, method: str, shown_url: str, status: int, problems: list[str]) -> None:
        """Count one exchange and print it (and its violations) as it happens."""
        with self._lock:
            self.requests += 1
            self.with_violations += bool(problems)
            for line in problems:
                self.violations[line] = self.violations.get(line, 0) + 1
            count = self.requests
        mark = f" VIOLATIONS {len(problems)}" if problems else ""
        self.log(f"{method} {shown_url} -> {status}{mark}")
        for line in problems:
            self.log(f"    {line}")
        if self.max_requests and count >= self.max_requests:
            self.on_limit()


class Proxy:
    """ASGI app forwarding to `target` (an API root including the spec's path prefix)."""

    def __init__(self, target: str, recorder: Recorder, timeout: float = 30.0) -> None:
        parts = urlsplit(target.rstrip("/"))
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.root = parts.path  # the target's API root, e.g. /api/video
        self.prefix = recorder.spec.prefix
        self.recorder = recorder
        self.router = Router(recorder.spec)
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off; websockets are not proxied
        request = Request(scope, receive)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        below = path[len(self.prefix) :] if path.startswith(self.prefix) else path
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"{self.origin}{self.root}{below}" + (f"?{query}" if query else "")
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        shown = self.recorder.faker.text(
            scrub_url(f"{self.prefix}{below}" + (f"?{query}" if query else ""))
        )  # a path may name a person (Zoom's /users/{email}): the log shows the fake
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST:
                self.recorder.note(request.method, shown, 413, ["request: body over 8 MiB"])
                await _json_error(413, "request body over 8 MiB")(scope, receive, send)
                return
        try:
            upstream = await self.client.send(
                self.client.build_request(
                    request.method, httpx.URL(url), headers=headers, content=body
                ),
                stream=True,
            )
            raw = b""
            async for chunk in upstream.aiter_raw():
                raw += chunk
                if len(raw) > MAX_RESPONSE:
                    break
            await upstream.aclose()
        except httpx.HTTPError as exc:
            self.recorder.note(request.method, shown, 502, [f"target: {type(exc).__name__}"])
            await _json_error(502, "the target did not answer")(scope, receive, send)
            return
        if len(raw) > MAX_RESPONSE:
            self.recorder.note(request.method, shown, 502, ["target: response over 64 MiB"])
            await _json_error(502, "the target's response is over 64 MiB")(scope, receive, send)
            return
        out_headers = {k.lower(): v for k, v in upstream.headers.items()}
        decoder = BoundedDecoder(out_headers.get("content-encoding", ""))
        try:
            decoded, undecodable = decoder.feed(raw), False
        except Exception:  # an undecodable body is a violation, not a proxy crash
            decoded, undecodable = b"", True
        found = self.router.route(request.method, below)
        route, params = found if found else (None, {})
        if decoder.over or undecodable:
            problems = ["body: over 8 MiB decoded, or not decodable: not validated or recorded"]
            route = None if decoder.over else route
        else:
            problems = violations(route, upstream.status_code, out_headers, decoded)
        self.recorder.note(request.method, shown, upstream.status_code, problems)
        if route is not None and not undecodable and 200 <= upstream.status_code < 300:
            self._capture(route.op.operation_id, params, decoded, route.write_only)
        raw, dropped = self._keep_on_proxy(raw, decoded, request, undecodable or decoder.over)
        reply = Response(raw, upstream.status_code)
        passed = [
            (k, v)
            for k, v in upstream.headers.multi_items()
            if k.lower() not in HOP_BY_HOP and k.lower() not in dropped
        ]
        reply.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in passed]
        reply.raw_headers.append((b"content-length", str(len(raw)).encode()))
        if problems:
            value = json.dumps(problems, ensure_ascii=True)[:MAX_HEADER]
            reply.raw_headers.append((HEADER.lower().encode(), value.encode("ascii")))
        await reply(scope, receive, send)

    def _keep_on_proxy(
        self, raw: bytes, decoded: bytes, request: Request, opaque: bool
    ) -> tuple[bytes, set[str]]:
        """The answer with links to the target's API root pointed at the proxy instead.

        A client following `links.next` must stay on the proxy, or its later pages go
        unrecorded. Only absolute URLs of the target's API root change (plain or with JSON's
        escaped `\\/`); a rewritten body goes out decoded, without its Content-Encoding.
        """
        target = f"{self.origin}{self.root}".encode()
        if opaque or not decoded or target not in decoded.replace(b"\\/", b"/"):
            return raw, set()
        host = request.headers.get("host", "127.0.0.1")
        mine = f"{request.url.scheme}://{host}{self.prefix}".encode()
        body = decoded.replace(target, mine)
        body = body.replace(target.replace(b"/", b"\\/"), mine.replace(b"/", b"\\/"))
        return body, {"content-encoding"}

    def _capture(
        self, operation_id: str, params: dict[str, str], body: bytes, write_only: frozenset[str]
    ) -> None:
        try:
            value: Any = json.loads(body)
        except (ValueError, RecursionError):
            return
        dropped: set[str] = set()
        scrubbed = scrub_json(value, self.recorder.faker, write_only, dropped)
        capture = Captured(
            self.recorder.spec.provider, operation_id, dict(params), scrubbed, frozenset(dropped)
        )
        with self.recorder._lock:
            self.recorder.captures.append(capture)

    async def aclose(self) -> None:
        """Release the upstream connections."""
        await self.client.aclose()


def _json_error(status: int, message: str) -> Response:
    """The proxy's own answer when it cannot forward (never the target's shape: it says so)."""
    body = json.dumps({"error": f"recmock record: {message}"})
    return Response(body, status, media_type="application/json")
