"""The only ASGI code: the reply cache in front, CORS and the gateway behind it, then Connexion.

Request flow: the admin API (beside everything, never behind CORS) | reply cache (served
operations only, dropped whenever the shared state's version changes) -> CORS -> gateway
dispatch (3.1 spec documents, routing errors in the provider's shape, body limit) -> Connexion
(routing, Swagger UI, handler resolution) -> `Mock.handle` (auth -> validate -> serve). The mock is
deterministic, so an identical request (every header included) gets the exact bytes that CORS
and the handler produced the first time, while the reply stays valid (`Reply.valid_until`):
the cost of CORS and Connexion is paid once per distinct request.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from recmock.media.links import PREFIX as MEDIA_PREFIX
from recmock.server import admin, limits, live_admin
from recmock.server.asgi_body import read_body
from recmock.server.connexion_parts import (  # Connexion without its DeprecationWarnings
    AsyncApp,
    ContextMiddleware,
    ExceptionMiddleware,
    LifespanMiddleware,
    Resolver,
    RoutingMiddleware,
    ServerErrorMiddleware,
    SwaggerUIMiddleware,
)
from recmock.server.media import MediaApp
from recmock.server.pipeline import Mock, encode
from recmock.server.routing import Route, Router
from recmock.server.swagger import SwaggerUI
from recmock.specs import Operation, Spec, connexion_view
from recmock.state import DEFAULT_SESSION, session_problem
from recmock.validation import Issue, RawRequest
from recmock.webhooks.cloudflare import PUBLIC_KEY_PATH

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_KEY = "recmock.body"
HEADERS_KEY = "recmock.headers"  # the request's own headers, as the handler must see them
ARRIVED_KEY = "recmock.arrived"  # when the request arrived (unix seconds), for the journal
NOTE_KEY = "recmock.note"  # handler -> gateway: valid_until, problems, scenario (never on the wire)
log = logging.getLogger("recmock")
CORS_HEADERS = ["Authorization", "API-KEY", "HASH-SIGNATURE", "Content-Type",
                "X-Recmock-Scenario", "Prefer"]  # fmt: skip


@dataclass
class Options:
    """Serving options the CLI and tests choose."""

    cors_origins: Sequence[str] = ("*",)
    admin: bool = True
    max_body: int = 1 << 20
    cache_entries: int = 4096
    cache_bytes: int = 4 << 20  # replayed bodies kept, so RSS stays flat under unique requests
    admin_token: str = field(default="", repr=False)  # never printed


CacheEntry = tuple[float, int, list[tuple[bytes, bytes]], bytes, str, str, str]


@dataclass
class ReplyCache:
    """A bounded LRU of complete responses keyed by everything the pipeline reads.

    Bounded twice: by entries and by the bytes of the bodies and keys it holds, so a stream of
    unique requests (each cached, none replayed) keeps memory flat instead of filling it.
    """

    capacity: int
    max_bytes: int = 4 << 20
    entries: OrderedDict[tuple[Any, ...], CacheEntry] = field(default_factory=OrderedDict)
    size: int = 0

    def get(self, key: tuple[Any, ...], now: float) -> tuple[Any, ...] | None:
        """A stored response still valid at `now`."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            self._drop(key)
            return None
        self.entries.move_to_end(key)
        return entry[1:]

    def put(self, key: tuple[Any, ...], valid_until: float, *response: Any) -> None:
        """Store (status, headers, body, problems, scenario, session); the least recently used
        goes."""
        cost = _cost(key, response[2])
        if cost > self.max_bytes // 4:
            return  # one huge reply must not flush everything else
        if key in self.entries:
            self._drop(key)
        status, headers, body, *rest = response
        # orjson hands out bytes with up to 2x slack; a kept body should cost only its length.
        body = bytes(memoryview(body)) if len(body) > 4096 else body
        self.entries[key] = (valid_until, status, headers, body, *rest)
        self.size += cost
        while len(self.entries) > self.capacity or self.size > self.max_bytes:
            self._drop(next(iter(self.entries)))

    def clear(self) -> None:
        """Forget every stored response."""
        self.entries.clear()
        self.size = 0

    def _drop(self, key: tuple[Any, ...]) -> None:
        entry = self.entries.pop(key)
        self.size -= _cost(key, entry[3])


def _cost(key: tuple[Any, ...], body: bytes) -> int:
    """Roughly the bytes an entry keeps alive: its body and the request (path, query, body,
    headers) that is its key."""
    _method, path, query, request_body, headers = key
    size = 256 + len(body) + len(path) + len(query) + len(request_body)
    return size + sum(len(k) + len(v) + 64 for k, v in headers)


def _raw_request(scope: Scope, body: bytes, path_params: dict[str, str]) -> RawRequest:
    query = tuple(
        parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    )
    sent = scope.get(HEADERS_KEY, scope["headers"])
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in sent}
    return RawRequest(scope["method"], scope["path"], path_params, query, headers, body)


class Gateway:
    """The reply cache in front of everything; behind it (`edge`: CORS around `_dispatch`) the
    admin API, spec documents, routing errors, the body limit and Connexion.

    The cache sits outside CORS so that a replay is one lookup and two sends: the stored
    response is the one CORS and the handler produced for a byte-identical request (Origin
    included), so replaying it is exactly what the whole stack would do again.
    """

    def __init__(self, mock: Mock, inner: ASGIApp, options: Options) -> None:
        self.mock = mock
        self.inner = inner
        self.options = options
        self.router = Router(mock.operations())
        self.cache = ReplyCache(options.cache_entries, options.cache_bytes)
        self.state = mock.state
        self.admin = admin.AdminAPI(mock, enabled=options.admin, token=options.admin_token)
        self._version = self.state.version()
        self.documents = {spec.prefix + "/openapi.json": spec for spec in mock.specs}
        self.ui_prefixes = tuple(spec.prefix + "/ui" for spec in mock.specs)
        self.ui = SwaggerUI(mock.specs, mock.credentials)  # Swagger UI 5: renders 3.1
        self.media = MediaApp(mock, options.cors_origins)  # /media/...: download links that play
        self.edge: ASGIApp = self._dispatch
        self._routes: dict[tuple[str, str], Route] = {}

    def wrap_edge(self, middleware: Callable[[ASGIApp], ASGIApp]) -> None:
        """Put `middleware` (CORS) between the reply cache and everything behind it."""
        self.edge = middleware(self._dispatch)

    def _route(self, method: str, path: str) -> Route:
        """Router.match, memoised: clients repeat their paths, and the router is pure."""
        route = self._routes.get((method, path))
        if route is None:
            route = self.router.match(method, path)
            if len(path) <= 512:  # bounded in bytes too: 4096 paths of 64 KiB would be 256 MB
                if len(self._routes) >= 4096:
                    self._routes.clear()
                self._routes[(method, path)] = route
        return route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            live = self.mock.live
            if scope["type"] == "lifespan" and live is not None and live.clock_speed > 0:
                live.ensure_ticker(self.mock)  # --clock-speed: events flow with no request
            await self.edge(scope, receive, send)
            return
        if scope["path"] == PUBLIC_KEY_PATH and self.mock.live is not None:
            await admin.respond(send, 200, live_admin.public_key_document(self.mock.live))
            return
        if scope["path"].startswith(MEDIA_PREFIX):
            await self.media(scope, receive, send)  # streamed files: no reply cache, own CORS
            return
        # Journal times are arrival times: a worker that answers later must not list first.
        now = scope[ARRIVED_KEY] = time.time()
        route = self._route(scope["method"], scope["path"])
        if route.operation is not None:  # per-request metadata for outer layers (request log)
            op = route.operation
            scope.setdefault("state", {})["operation"] = f"{op.spec_name}/{op.operation_id}"
        if route.path:  # a path the client encoded twice (@zoom/rivet): serve its plain form
            scope = {**scope, "path": route.path, "raw_path": route.path.encode()}
        if route.operation is None or route.status != 200:
            if scope["path"].startswith(admin.PREFIX):
                await self.admin(scope, receive, send)  # outside CORS: no admin answer has any
                return
            await self.edge(scope, receive, send)  # documents, UI, routing errors
            return
        body = await read_body(receive, self.options.max_body)
        if body is None:
            await self.edge({**scope, BODY_KEY: None}, _replay(b""), send)  # 413
            return
        key = (scope["method"], scope["path"], scope["query_string"], body, tuple(scope["headers"]))
        version = self.state.version()
        if version != self._version:  # some worker or replica changed the state: forget replies
            self.cache.clear()
            self._version = version
        hit = self.cache.get(key, now)
        if hit is not None:
            status, out_headers, payload, problems, scenario, session = hit
            await send({"type": "http.response.start", "status": status, "headers": out_headers})
            await send({"type": "http.response.body", "body": payload})
            self._remember(scope, status, route.operation, problems, cached=True,
                           scenario=scenario, session=session)  # fmt: skip
            return
        # The body was read here already; handlers take it from the scope, Connexion never needs it.
        # The handler leaves its notes in `note` (a dict survives Connexion's copies of the scope),
        # so request text in them never has to pass through a response header.
        note: dict[str, Any] = {}
        captured = _Captured()
        await self.edge({**scope, BODY_KEY: body, NOTE_KEY: note}, _replay(b""), captured.send)
        problems, scenario = note.get("problems", ""), note.get("scenario", "")
        session = note.get("session", "")
        valid_until = note.get("valid_until", 0.0)
        if valid_until > now:
            self.cache.put(key, valid_until, captured.status, captured.headers, captured.body,
                           problems, scenario, session)  # fmt: skip
        await send(
            {"type": "http.response.start", "status": captured.status, "headers": captured.headers}
        )
        await send({"type": "http.response.body", "body": captured.body})
        self._remember(scope, captured.status, route.operation, problems, cached=False,
                       scenario=scenario, session=session)  # fmt: skip

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Everything but the cache: what a request would get if nothing were ever replayed."""
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if path.startswith(admin.PREFIX):
            await self.admin(scope, receive, send)  # reached only for non-HTTP-cache paths
            return
        if path.startswith(self.ui_prefixes):
            await self.ui(scope, receive, send)
            return
        if path in self.documents and method in ("GET", "HEAD"):
            await _send(send, 200, self._document(self.documents[path], scope))
            return
        route = self._route(method, path)
        if route.operation is not None and route.status == 400:
            issues = [Issue("path", k, "must not contain control characters")
                      for k, v in route.path_params.items() if not v.isprintable()]  # fmt: skip
            reply = self.mock.provider(route.provider or "").invalid(route.operation, issues)
            await _send(send, reply.status, encode(reply.body))
            self._remember(scope, reply.status, route.operation, str(issues[0]), cached=False)
            return
        if route.operation is None:
            await self._routing_error(route.status, route.provider, route.allow, scope, send)
            return
        if BODY_KEY in scope:  # read by __call__ already
            body = scope[BODY_KEY]
        else:
            body = await read_body(receive, self.options.max_body)
        if body is None:
            reply = self.mock.provider(route.provider or "").error(413, "request body too large")
            await _send(send, 413, encode(reply.body))
            self._remember(scope, 413, route.operation, "body over the size limit", cached=False)
            return
        note = scope.setdefault(NOTE_KEY, {})
        await self._answer(route.operation, {**scope, BODY_KEY: body}, note, send)

    async def _answer(self, op: Operation, scope: Scope, note: dict[str, Any], send: Send) -> None:
        """Connexion -> handler -> Mock.handle; an exception still answers in the provider shape."""
        captured = _Captured()
        # Connexion parses form bodies by itself (a multipart type without a boundary made it
        # fail: a 500). The handler reads the body from the scope, so Connexion never needs the
        # content type; the handler gets the headers as sent.
        headers = scope["headers"]
        plain = [h for h in headers if h[0] != b"content-type"]
        await self.inner({**scope, "headers": plain, HEADERS_KEY: headers}, _replay(b""),
                         captured.send)  # fmt: skip
        if "valid_until" not in note:
            # Connexion answered by itself (an exception became its problem+json 500): the
            # client still gets the provider's documented shape, the log gets the details.
            log.error("internal error on %s %s: status %s", scope["method"], scope["path"],
                      captured.status)  # fmt: skip
            reply = self.mock.provider(op.provider).error(500, "internal error in recmock", op)
            note.update(valid_until=0.0, problems="internal error: see the server log",
                        scenario="")  # fmt: skip
            await _send(send, 500, encode(reply.body))
            return
        await send(
            {"type": "http.response.start", "status": captured.status, "headers": captured.headers}
        )
        await send({"type": "http.response.body", "body": captured.body})

    async def _routing_error(self, status: int, provider: str | None, allow: tuple[str, ...],
                             scope: Scope, send: Send) -> None:  # fmt: skip
        message = "method not allowed" if status == 405 else f"no such endpoint: {scope['path']}"
        if provider is None:
            body = encode({"error": "not_found", "message": message, "hint": self._hint()})
        else:
            body = encode(self.mock.provider(provider).error(status, message).body)
        extra = [(b"allow", ", ".join(allow).encode())] if allow else []
        await _send(send, status, body, extra)
        self._remember(scope, status, None, message, cached=False)

    def _hint(self) -> str:
        return "served: " + ", ".join(
            f"{op.method} {op.full_path}" for op in self.mock.operations()
        )

    def _document(self, spec: Spec, scope: Scope) -> bytes:
        """The 3.1 document as written, with this mock as its first server."""
        doc = dict(spec.document)
        here = {"url": admin.origin_of(scope) + spec.prefix, "description": "this recmock server"}
        doc["servers"] = [here, *spec.document.get("servers", [])[1:]]
        return encode(doc)

    def _remember(self, scope: Scope, status: int, op: Operation | None, problems: str,
                  *, cached: bool, scenario: str = "", session: str = "") -> None:  # fmt: skip
        # A tuple of plain values per request (shared backends store it as JSON), turned into a
        # dict only when someone reads the journal.
        name = f"{op.spec_name}#{op.operation_id}" if op else None
        when = scope.get(ARRIVED_KEY) or time.time()
        query = scope["query_string"].decode("latin-1")
        self.state.record(session or _session(scope), (
            when, scope["method"], scope["path"], query, status, name, scenario, problems,
            cached))  # fmt: skip


def _session(scope: Scope) -> str:
    """The session a request's journal entry belongs to (an invalid name: the default one)."""
    name = admin.session_of(scope)
    return DEFAULT_SESSION if session_problem(name) else name


class _Captured:
    """An ASGI `send` that keeps one whole response (start + every body chunk)."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _send(
    send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": body})


def header_value(text: str) -> str:
    """`text` as a response header value that cannot fail or split the response.

    Printable ASCII passes unchanged; anything else (a line break, a character beyond latin-1,
    both reachable from a client's query string) is backslash-escaped.
    """
    if text.isascii() and text.isprintable():
        return text
    return text.encode("unicode_escape").decode("ascii")


def _handler_for(state: Gateway, op: Operation) -> Callable[..., Awaitable[Response]]:
    heavy = limits.fans_out(op)  # work grows with the request: served off the event loop

    async def handler(**_: Any) -> Response:  # Connexion passes path params; we read scope
        from connexion import request

        scope = request.scope
        raw = _raw_request(scope, scope.get(BODY_KEY, b""), dict(request.path_params))
        serve = functools.partial(state.mock.handle, op, raw, origin=admin.origin_of(scope),
                                  wall_clock=time.time())  # fmt: skip
        outcome = await limits.off_loop(serve) if heavy else serve()
        if outcome.delay:
            await asyncio.sleep(outcome.delay)
        reply = outcome.reply
        headers = {name: header_value(value) for name, value in reply.headers.items()}
        if outcome.scenario:  # may echo a client's unknown scenario name, hence header_value
            headers["X-Recmock-Scenario"] = header_value(outcome.scenario)
        response = Response(
            encode(reply.body), reply.status, headers, media_type="application/json"
        )
        note = scope.get(NOTE_KEY)
        if note is not None:  # only once the response exists: a failure above must not be cached
            note.update(valid_until=reply.valid_until, problems="\n".join(outcome.problems),
                        scenario=outcome.scenario, session=outcome.session)  # fmt: skip
        return response

    return handler


def create_app(mock: Mock, options: Options | None = None) -> ASGIApp:
    """The ASGI application serving every spec of `mock` on one port."""
    options = options or Options()
    # Connexion warns about every query parameter the routing view leaves undeclared, on purpose.
    logging.getLogger("connexion.decorators.parameter").setLevel(logging.CRITICAL)
    middlewares = [ServerErrorMiddleware, ExceptionMiddleware, SwaggerUIMiddleware,
                   RoutingMiddleware, LifespanMiddleware, ContextMiddleware]  # fmt: skip
    app = AsyncApp(__name__, middlewares=middlewares)
    gateway = Gateway(mock, app, options)
    for spec in mock.specs:
        handlers = {op.operation_id: _handler_for(gateway, op) for op in spec.operations}
        app.add_api(
            connexion_view(spec),
            base_path=spec.prefix,
            name=spec.name,
            resolver=Resolver(function_resolver=handlers.__getitem__),
        )
    if options.cors_origins:
        origins = list(options.cors_origins)
        gateway.wrap_edge(lambda behind: CORSMiddleware(
            behind,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=CORS_HEADERS,
            expose_headers=["Link", "Retry-After", "X-Recmock-Scenario"],
            max_age=600,
        ))  # fmt: skip
    return gateway
