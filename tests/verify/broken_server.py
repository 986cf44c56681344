"""A deliberately broken deployment: recmock's own app behind a wrapper that breaks it on purpose.

Each defect is switched on by name and only breaks *some* requests, the way real bugs do. With
no defect switched on the wrapper passes everything through, so the correct variant is the mock.
Served by uvicorn in a thread on a free 127.0.0.1 port, so `recmock verify` talks real HTTP.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn

from recmock.auth import hmac_hex
from recmock.providers import Credentials
from recmock.server.run import ServeConfig, build_app

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]
# Distinctive credentials, so a test can prove none of them leaks into any output.
CREDENTIALS = Credentials(
    plugnmeet_key="pnm-key",
    plugnmeet_secret="pnm-SECRET-71f9a",
    signalwire_project="sw-project",
    signalwire_token="sw-TOKEN-3c1d8",
    zoom_key="zoom-key",
    zoom_secret="zoom-SECRET-5b2e0",
    cloudflare_token="cf-TOKEN-a8d34",
)
AUTH = {
    "plugnmeet": (
        "/auth",
        ["--plugnmeet-key", "pnm-key", "--plugnmeet-secret", "pnm-SECRET-71f9a"],
    ),
    "signalwire": ("/api/video", ["--basic", "sw-project:sw-TOKEN-3c1d8"]),
    "zoom": ("/v2", ["--zoom-key", "zoom-key", "--zoom-secret", "zoom-SECRET-5b2e0"]),
    "cloudflare": ("/client/v4", ["--bearer", "cf-TOKEN-a8d34"]),
}
SECRETS = ("pnm-SECRET-71f9a", "sw-TOKEN-3c1d8", "zoom-SECRET-5b2e0", "cf-TOKEN-a8d34")

# defect -> (provider it breaks, the check that must catch it)
DEFECTS = {
    "schema": ("plugnmeet", "schema"),  # order_by ASC: file_path becomes a number
    "rejects-valid": ("plugnmeet", "negative"),  # limit > 100 (the spec clamps it) -> 400
    "accepts-invalid": ("zoom", "negative"),  # ttl > 604800 (documented maximum) -> 200
    "limit": ("plugnmeet", "limit"),  # limit 1 -> two records
    "ordering": ("plugnmeet", "ordering"),  # order_by ASC -> newest first anyway
    "filter": ("plugnmeet", "filter"),  # a room_sid string is ignored
    "paging": ("plugnmeet", "paging"),  # from > 0 -> pages overlap by one record
    "links": ("signalwire", "links"),  # after the first page, links.prev points at self
    "invariants": ("cloudflare", "invariants"),  # uploaded: started/stopped swapped
    "write-only": ("cloudflare", "write_only"),  # aws/gcs storage: secret returned
    "auth": ("cloudflare", "auth"),  # no Authorization header at all -> served anyway
    "server-error": ("zoom", "server_error"),  # ttl under a minute -> 500
}


class Broken:
    """ASGI wrapper: rewrites some requests and mutates some responses of `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.defects: set[str] = set()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.defects:
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        headers = [(k, v) for k, v in scope["headers"]]
        early = self.refuse(scope["path"], dict(query), body)
        if early is not None:
            await _respond(send, *early)
            return
        query, headers, body = self.rewrite(scope["path"], query, headers, body)
        inner = {**scope, "query_string": urlencode(query).encode(), "headers": headers}
        status, out_headers, payload = await _call(self.app, inner, body)
        status, payload = self.mutate(scope["path"], dict(query), status, payload)
        out_headers = [(k, v) for k, v in out_headers if k.lower() != b"content-length"]
        out_headers.append((b"content-length", str(len(payload)).encode()))
        await _respond(send, status, out_headers, payload)

    def refuse(self, path: str, query: dict[str, str], body: bytes) -> tuple[Any, ...] | None:
        """Answers the wrapper gives without asking the mock."""
        json_headers = [(b"content-type", b"application/json")]
        if "server-error" in self.defects and path.startswith("/v2/") and _int(query.get("ttl")):
            ttl = _int(query.get("ttl"))
            if ttl is not None and 0 <= ttl < 60:
                return 500, json_headers, b'{"code":500,"message":"broken on purpose"}'
        if "rejects-valid" in self.defects and path == "/auth/recording/fetch":
            doc = _json(body)
            if isinstance(doc, dict) and isinstance(doc.get("limit"), int) and doc["limit"] > 100:
                refusal = {"status": False, "msg": "limit too large", "status_code": "INVALID_BODY"}
                return 400, json_headers, json.dumps(refusal).encode()
        return None

    def rewrite(
        self, path: str, query: list[tuple[str, str]], headers: list[Any], body: bytes
    ) -> tuple[list[tuple[str, str]], list[Any], bytes]:
        """Requests the broken server misreads."""
        defects = self.defects
        if path.startswith("/v2/") and "accepts-invalid" in defects:
            query = [
                (k, "604800" if k == "ttl" and (_int(v) or 0) > 604800 else v) for k, v in query
            ]
        has_auth = any(k == b"authorization" for k, _ in headers)
        if path.startswith("/client/v4/") and "auth" in defects and not has_auth:
            headers = [
                *headers,
                (b"authorization", f"Bearer {CREDENTIALS.cloudflare_token}".encode()),
            ]
        if path == "/auth/recording/fetch":
            doc = _json(body)
            if isinstance(doc, dict):
                changed = dict(doc)
                if "limit" in defects and changed.get("limit") == 1:
                    changed["limit"] = 2
                if "ordering" in defects and changed.get("order_by") == "ASC":
                    changed["order_by"] = "DESC"
                if "filter" in defects and isinstance(changed.get("room_sid"), str):
                    changed.pop("room_sid")
                start = changed.get("from")
                # Only offsets the wire type carries: from=2^32 must still reach the 400.
                if "paging" in defects and type(start) is int and 0 < start < 2**32:
                    changed["from"] = start - 1
                if changed != doc:
                    body, headers = _resign(body, json.dumps(changed).encode(), headers)
        return query, headers, body

    def mutate(
        self, path: str, query: dict[str, str], status: int, payload: bytes
    ) -> tuple[int, bytes]:
        """Responses the broken server gets wrong."""
        doc = _json(payload)
        if status != 200 or not isinstance(doc, dict):
            return status, payload
        defects = self.defects
        result = doc.get("result")
        if "schema" in defects and isinstance(result, dict) and result.get("order_by") == "ASC":
            for record in result.get("recordings_list", [])[:1]:
                record["file_path"] = 42
        links = doc.get("links")
        if "links" in defects and isinstance(links, dict) and "prev" in links:
            links["prev"] = links["self"]
        data = doc.get("data")
        if path.startswith("/client/v4/") and isinstance(data, dict):
            status_name = data.get("status")
            if "invariants" in defects and status_name == "UPLOADED":
                data["started_time"], data["stopped_time"] = (
                    data["stopped_time"],
                    data["started_time"],
                )
            if "invariants" in defects and status_name in ("RECORDING", "PAUSED"):
                data["download_url"] = "https://media.example.com/too-early.mp4"
            storage = data.get("storage_config")
            leaky = isinstance(storage, dict) and storage.get("type") in ("aws", "gcs")
            if "write-only" in defects and leaky:
                storage["secret"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        return status, json.dumps(doc).encode()


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _resign(old: bytes, new: bytes, headers: list[Any]) -> tuple[bytes, list[Any]]:
    """Re-sign a rewritten plugNmeet body, but only if the client's signature was right."""
    given = next((v.decode() for k, v in headers if k == b"hash-signature"), "")
    if given != hmac_hex(old, CREDENTIALS.plugnmeet_secret):
        return new, headers
    kept = [(k, v) for k, v in headers if k not in (b"hash-signature", b"content-length")]
    return new, [
        *kept,
        (b"hash-signature", hmac_hex(new, CREDENTIALS.plugnmeet_secret).encode()),
        (b"content-length", str(len(new)).encode()),
    ]


async def _call(app: ASGIApp, scope: Scope, body: bytes) -> tuple[int, list[Any], bytes]:
    sent = False
    captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            captured["status"] = message["status"]
            captured["headers"] = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            captured["body"] += message.get("body", b"")

    await app(scope, receive, capture)
    return captured["status"], captured["headers"], captured["body"]


async def _respond(send: Any, status: int, headers: list[Any], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def broken_app() -> Broken:
    """The mock with the distinctive credentials, behind a (so far harmless) Broken wrapper."""
    return Broken(build_app(ServeConfig(credentials=CREDENTIALS)))


class ThreadedServer:
    """uvicorn serving an ASGI app on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: ASGIApp) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 20 s")
            time.sleep(0.02)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
