"""The /__recmock/ admin API: health, scenarios, reset and the request journal, per session.

Only its owner may drive it. A web page in the owner's browser must not: writes need
`Content-Type: application/json` (so a cross-origin POST is never a "simple" request and must be
preflighted), every preflight is refused and no admin answer carries CORS headers; a foreign
`Origin` is refused; the `Host` must be an IP address, a loopback name or the address the server
listens on (a DNS-rebinding page names its own host). Without `--admin-token` only clients on
this machine are answered; with it, any client presenting `Authorization: Bearer <token>`.
`--no-admin` turns everything but /health off.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from recmock.server import live_admin
from recmock.server.asgi_body import read_body
from recmock.server.pipeline import Mock, encode
from recmock.state import DEFAULT_SESSION, session_problem
from recmock.state.interface import (
    ACTIVE,
    SESSION_HEADER,
    SESSION_QUERY,
    JournalEntry,
    StateUnavailable,
)

PREFIX = "/__recmock/"
LOOPBACK_NAMES = ("localhost", "localhost.", "ip6-localhost", "ip6-loopback")
MAX_BODY = 4096  # a scenario name in JSON needs far less
JSON_DEPTH = 8

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Reply = tuple[int, Any]


def is_loopback(client: tuple[str, int] | None) -> bool:
    """True for requests from this machine: the peer (or a trusted proxy's X-Forwarded-For)
    parses as a loopback address. Names never count: `127.evil.com` is not an address."""
    if client is None:
        return True  # in-process ASGI calls without a transport
    return _loopback_address(client[0])


def _loopback_address(text: str) -> bool:
    if "%" in text:  # a zone (`::1%x`, anything after the %) is never a peer's plain address
        return False
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def host_is_ours(host: str, server: tuple[str, int] | None) -> bool:
    """True when a `Host` header cannot come from DNS rebinding: an IP literal (a browser only
    sends one when the page itself was loaded from that address), a loopback name, or the name
    the server was started on."""
    if not host:
        return True  # HTTP/1.0 without Host: no browser sends that
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1 : host.find("]")]
    if host.count(":") > 1 and not host.startswith("["):
        name = host  # a bare IPv6 address
    name = name.lower()
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    return server is not None and name == str(server[0]).lower()


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), "")


def origin_of(scope: Scope) -> str:
    """This server's origin as the client addressed it (scheme and Host)."""
    host = _header(scope, b"host")
    if not host and scope.get("server"):
        server_host, port = scope["server"]
        host = f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host or '127.0.0.1'}"


def refusal(scope: Scope, *, enabled: bool, token: str) -> Reply | None:
    """Why this admin request must not be answered (status, body), or None to answer it."""
    if not enabled:
        return 404, {"error": "admin API disabled for this client"}
    if scope["method"] == "OPTIONS":
        return 403, {"error": "admin API: cross-origin requests are refused (no CORS here)"}
    if token:
        sent = _header(scope, b"authorization")
        scheme, _, value = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
            return 401, {"error": "admin API: send Authorization: Bearer <the --admin-token>"}
    else:
        if not is_loopback(scope.get("client")):
            return 404, {"error": "admin API disabled for this client"}
        host = _header(scope, b"host")
        if not host_is_ours(host, scope.get("server")):
            return 403, {"error": f"admin API: Host {host!r} is not this server's address; "
                         "use 127.0.0.1, localhost or the address it listens on"}  # fmt: skip
    origin = _header(scope, b"origin")
    if origin and origin != origin_of(scope):
        return 403, {"error": f"admin API: requests from origin {origin!r} are refused"}
    if scope["method"] in ("POST", "PUT"):
        media = _header(scope, b"content-type").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return 415, {"error": "admin API: writes need Content-Type: application/json"}
    return None


def session_of(scope: Scope) -> str:
    """The session a request names (`__session=` wins over X-Recmock-Session), unchecked."""
    query = scope.get("query_string", b"")
    if b"__session=" in query:
        pairs = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        if pairs.get(SESSION_QUERY):
            return pairs[SESSION_QUERY]
    return _header(scope, SESSION_HEADER.encode()) or DEFAULT_SESSION


def unknown_scenario(name: object, known: Iterable[str]) -> Reply:
    """The answer to PUT /scenario naming no scenario."""
    return 400, {"error": f"unknown scenario {name!r}", "scenarios": sorted(known)}


def journal_view(
    entries: Iterable[Mapping[str, Any]], query: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    """Journal entries, newest last, filtered by `status`, `path` prefix and `limit`."""
    selected = list(entries)
    if "status" in query:
        selected = [e for e in selected if str(e["status"]) == query["status"]]
    if "path" in query:
        selected = [e for e in selected if str(e["path"]).startswith(query["path"])]
    if "operation" in query:
        selected = [e for e in selected if e.get("operation") == query["operation"]]
    limit = query.get("limit", "")
    if limit.isascii() and limit.isdigit():  # '²' is a digit to str.isdigit, not to int()
        count = int(limit[-6:]) if len(limit) <= 6 else len(selected)
        selected = selected[-count:] if count else []
    return selected


def entry_view(entry: JournalEntry) -> dict[str, Any]:
    """A stored journal tuple as the dict the journal endpoint answers with."""
    when, method, path, query, status, operation, scenario, problems, cached = entry
    return {
        "time": round(when, 3), "method": method, "path": path, "query": query,
        "status": status, "operation": operation, "scenario": scenario or None,
        "problems": [p for p in problems.split("\n") if p], "cached": cached,
    }  # fmt: skip


def _depth(value: Any, limit: int) -> bool:
    """True when `value` nests no deeper than `limit`."""
    if limit < 0:
        return False
    if isinstance(value, dict):
        return all(_depth(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        return all(_depth(v, limit - 1) for v in value)
    return True


class AdminAPI:
    """The admin endpoints over a `Mock` and its `State` (see the module docstring)."""

    def __init__(self, mock: Mock, *, enabled: bool = True, token: str = "") -> None:
        self.mock = mock
        self.state = mock.state
        self.enabled = enabled
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"][len(PREFIX) :].rstrip("/")
        if path == "health":
            # The pid tells a client which worker answered (`--workers N` tests rely on it).
            await respond(send, 200, {"status": "ok", "pid": os.getpid()})
            return
        refused = refusal(scope, enabled=self.enabled, token=self.token)
        if refused is None:
            session = session_of(scope)
            problem = session_problem(session)
            if problem:
                refused = 400, {"error": f"X-Recmock-Session / __session: {problem}"}
            else:
                try:
                    refused = await self._answer(path, scope, receive, session)
                except StateUnavailable as exc:
                    refused = 503, {"error": str(exc)}
        await respond(send, *refused)

    async def _answer(self, path: str, scope: Scope, receive: Receive, session: str) -> Reply:
        method, state, mock = scope["method"], self.state, self.mock
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if path == "journal" and method == "GET":
            await _settle(state.lag)  # entries recorded anywhere before this request are in
            entries = journal_view([entry_view(e) for e in state.journal(session)], query)
            return 200, {"entries": entries, "count": len(entries), "session": session}
        if path == "journal" and method == "DELETE":
            await _settle(state.lag)
            state.clear_journal(session)
            return 200, {"cleared": True, "session": session}
        if path == "reset" and method == "POST":
            await _settle(state.lag)
            mock.reset(session)
            await _settle(state.lag)  # every worker and replica has seen the change
            return 200, {"reset": True, "active": mock.active_in(session), "session": session}
        if path == "scenarios" and method == "GET":
            active = mock.active_in(session)
            listing = [{"name": s.name, "description": s.description, "active": s.name == active}
                       for s in mock.scenarios.values()]  # fmt: skip
            return 200, {"scenarios": listing, "active": active, "session": session}
        if path == "scenario" and method == "GET":
            return 200, {"active": mock.active_in(session)}
        if path == "scenario" and method in ("PUT", "POST"):
            name = _name(await read_body(receive, MAX_BODY))
            if not isinstance(name, str) or name not in mock.scenarios:
                return unknown_scenario(name, mock.scenarios)
            state.put(session, ACTIVE, name)
            await _settle(state.lag)
            return 200, {"active": name}
        if mock.live is not None:  # the clock, QA recordings, webhook deliveries
            body = lambda: read_body(receive, MAX_BODY)  # noqa: E731  (read only if needed)
            found = await live_admin.answer(mock.live, mock, scope, path, body, session)
            if found is not None:
                if method != "GET":  # what it changed (clock, recordings) is everywhere now
                    await _settle(state.lag)
                return found
        return 404, {"error": f"no admin endpoint {method} {scope['path']}"}


def _name(body: bytes | None) -> object:
    """The `name` of a JSON object body, or None (too long, not JSON, too deep, no object)."""
    if body is None:
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not _depth(value, JSON_DEPTH):
        return None
    return value.get("name")


async def _settle(lag: float) -> None:
    if lag:
        await asyncio.sleep(lag)


async def respond(send: Send, status: int, body: Any) -> None:
    """A JSON admin answer: never cached by a browser, never with CORS headers."""
    payload = encode(body)
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(payload)).encode()),
               (b"cache-control", b"no-store")]  # fmt: skip
    if status >= 400:  # an error of the mock itself, marked as the API's mock errors are
        headers.append((b"x-recmock-error", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
