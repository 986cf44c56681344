"""The media edge: serves `/media/...` links (GET, HEAD, CORS preflight) to players.

Order per request: read the link (`media.links.parse`) -> the world its scope names -> access
as the provider's storage checks it (signature and expiry for presigned links, the token for
Zoom), on that world's clock -> the recording must be finished -> validators and Range
(`media.ranges.decide`) -> the bytes, streamed in chunks from one shared immutable buffer, so
memory stays flat however many players stream at once. Every answer carries CORS headers, so a
player or a `fetch` on another origin can read it, and lands in the session's journal.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl

from recmock.media import assets, links, ranges, refusals
from recmock.media.refusals import Refusal
from recmock.providers.base import rfc3339
from recmock.providers.cloudflare import STORAGE_TYPES
from recmock.providers.zoom import api_token_expiry, download_token_claims
from recmock.server.pipeline import Mock
from recmock.state import DEFAULT_SESSION, session_problem
from recmock.world import World, session_id_from_any, stable_choice

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CHUNK = 64 * 1024
EXPOSED = b"Accept-Ranges, Content-Range, Content-Length, Content-Disposition, ETag, Last-Modified"
ALLOWED_HEADERS = b"Range, Authorization, If-Range, If-None-Match, If-Modified-Since"
REDACTED = ("access_token", "signature")  # capabilities: never written to the journal


def link_world(mock: Mock, scenario: str, session: str) -> World:
    """The world a link is judged in: the very one the API served it from (per scenario and,
    once the lifecycle's world clock is present as `mock.live`, per session and clock), so
    advancing that clock expires links and finishes recordings here exactly as there."""
    live = getattr(mock, "live", None)
    return mock.world(scenario) if live is None else live.world(mock, scenario, session)


def world_now(world: World) -> int:
    """The clock that decides expiry: the one every provider reads (`world.now`)."""
    return world.now


class MediaApp:
    """ASGI app for everything under `links.PREFIX`."""

    def __init__(self, mock: Mock, cors_origins: Sequence[str] = ("*",)) -> None:
        self.mock = mock
        self.origins = tuple(cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = time.time()
        method = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cors = self._cors(headers.get("origin"))
        target = links.parse(scope["path"])
        if method == "OPTIONS":
            await self._preflight(send, cors, headers)
            return
        if target is None:
            unknown = refusals.missing("aws", scope["path"], "no such media link")
            await self._refuse(send, unknown, cors)
            self._journal(scope, arrived, unknown.status, None, unknown.reason)
            return
        if method not in ("GET", "HEAD"):
            body = b'{"error":"method not allowed: media links answer GET and HEAD"}'
            extra = [(b"allow", b"GET, HEAD, OPTIONS")]
            await _start(send, 405, [(b"content-type", b"application/json"), *extra, *cors], body)
            self._journal(scope, arrived, 405, target, "method not allowed")
            return
        refusal, asset, modified = self._access(target, scope, headers, arrived)
        if refusal is not None:
            await self._refuse(send, refusal, cors, head=method == "HEAD")
            self._journal(scope, arrived, refusal.status, target, refusal.reason)
            return
        assert asset is not None
        plan = await self._serve(send, method, headers, asset, modified, target, cors)
        note = ranges.content_range(plan, len(asset.data)) if plan.status in (206, 416) else ""
        self._journal(scope, arrived, plan.status, target, note)

    def _access(
        self, target: links.Target, scope: Scope, headers: dict[str, str], arrived: float
    ) -> tuple[Refusal | None, assets.Asset | None, str]:
        """(refusal or None, asset, Last-Modified) for a parsed link."""
        resource = scope["path"]
        if target.scenario not in self.mock.scenarios or session_problem(target.session):
            return refusals.missing("aws", resource, "unknown scenario or session"), None, ""
        world = link_world(self.mock, target.scenario, target.session)
        now = world_now(world)
        rec = world.recording(target.recording_id)
        storage = "aws"
        if target.provider == "cloudflare" and rec is not None:
            storage = stable_choice(world.seed, rec.session_id, STORAGE_TYPES)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if target.provider == "zoom":
            refused = self._zoom_access(world, rec, query, headers, now, arrived)
        else:
            refused = self._presigned_access(world, storage, resource, query, now)
        if refused is not None:
            return refused, None, ""
        if rec is None or rec.status != "UPLOADED" or rec.uploaded is None:
            why = "no finished recording behind this link at the world's clock"
            if target.provider == "zoom":
                return refusals.zoom(404, "This recording does not exist.", why), None, ""
            return refusals.missing(storage, resource, why), None, ""
        return None, assets.asset(target.asset), formatdate(rec.uploaded, usegmt=True)

    def _presigned_access(
        self, world: World, storage: str, path: str, query: dict[str, str], now: int
    ) -> Refusal | None:
        key = links.signing_key(self.mock.credentials.secrets(), world.seed)
        expires = query.get("expires", "")
        if not links.signature_matches(key, path, expires, query.get("signature", "")):
            return refusals.forged(storage, path)
        if int(expires) <= now:
            return refusals.expired(storage, rfc3339(int(expires)), rfc3339(now), path)
        return None

    def _zoom_access(
        self, world: World, rec: Any, query: dict[str, str], headers: dict[str, str],
        now: int, arrived: float,
    ) -> Refusal | None:  # fmt: skip
        """Zoom: the session's `download_access_token` (its `ttl` on the world clock), or a
        Video SDK API JWT (its `exp` on the real clock, as the API checks it)."""
        token = query.get("access_token", "")
        scheme, _, bearer = headers.get("authorization", "").partition(" ")
        if not token and scheme.lower() == "bearer":
            token = bearer.strip()
        if not token:
            return refusals.zoom(401, "Invalid access token.", "no access_token or bearer token")
        claims = download_token_claims(world.seed, token)
        if claims is not None:
            sid, exp = claims
            if rec is not None and session_id_from_any(sid) != rec.session_id:
                return refusals.zoom(401, "Invalid access token.", "token of another session")
            if exp <= now:
                return refusals.zoom(401, "Access token is expired.", "download token expired")
            return None
        api_exp = api_token_expiry(token, self.mock.credentials)
        if api_exp is None:
            return refusals.zoom(401, "Invalid access token.", "not a token of this server")
        if api_exp <= arrived:
            return refusals.zoom(401, "Access token is expired.", "API JWT expired")
        return None

    async def _serve(
        self, send: Send, method: str, headers: dict[str, str], asset: assets.Asset,
        modified: str, target: links.Target, cors: list[tuple[bytes, bytes]],
    ) -> ranges.Plan:  # fmt: skip
        length = len(asset.data)
        plan = ranges.decide(method, headers, length, asset.etag, modified)
        validators = [(b"etag", asset.etag.encode()), (b"last-modified", modified.encode()),
                      (b"accept-ranges", b"bytes"), (b"cache-control", b"private")]  # fmt: skip
        if plan.status == 304:
            await _start(send, 304, [*validators, *cors], b"")
            return plan
        if plan.status == 416:
            range_header = [(b"content-range", ranges.content_range(plan, length).encode())]
            await _start(send, 416, [*range_header, *validators, *cors], b"")
            return plan
        disposition = f'attachment; filename="{target.file_name}"'.encode()
        out = [(b"content-type", asset.content_type.encode()),
               (b"content-length", str(plan.stop - plan.start).encode()),
               (b"content-disposition", disposition), *validators, *cors]  # fmt: skip
        if plan.status == 206:
            out.append((b"content-range", ranges.content_range(plan, length).encode()))
        await send({"type": "http.response.start", "status": plan.status, "headers": out})
        if method == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return plan
        view = memoryview(asset.data)
        for at in range(plan.start, plan.stop, CHUNK):
            end = min(at + CHUNK, plan.stop)
            await send({"type": "http.response.body", "body": bytes(view[at:end]),
                        "more_body": end < plan.stop})  # fmt: skip
        if plan.start == plan.stop:
            await send({"type": "http.response.body", "body": b""})
        return plan

    def _cors(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        if not self.origins or not origin:
            return []
        if "*" in self.origins:
            allowed = b"*"
        elif origin in self.origins:
            allowed = origin.encode("latin-1")
        else:
            return []
        return [(b"access-control-allow-origin", allowed), (b"access-control-expose-headers",
                EXPOSED), (b"vary", b"Origin")]  # fmt: skip

    async def _preflight(
        self, send: Send, cors: list[tuple[bytes, bytes]], headers: dict[str, str]
    ) -> None:
        out = [(b"allow", b"GET, HEAD, OPTIONS"), *cors]
        if cors and "access-control-request-method" in headers:
            out += [(b"access-control-allow-methods", b"GET, HEAD"),
                    (b"access-control-allow-headers", ALLOWED_HEADERS),
                    (b"access-control-max-age", b"600")]  # fmt: skip
        await _start(send, 204, out, b"")

    async def _refuse(
        self, send: Send, refusal: Refusal, cors: list[tuple[bytes, bytes]], *, head: bool = False
    ) -> None:
        out = [(b"content-type", refusal.content_type.encode()), *cors]
        await _start(send, refusal.status, out, b"" if head else refusal.body,
                     length=len(refusal.body))  # fmt: skip

    def _journal(
        self, scope: Scope, arrived: float, status: int, target: links.Target | None, note: str
    ) -> None:
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        query = "&".join(f"{k}={'***' if k in REDACTED else v}" for k, v in pairs)
        session = target.session if target else DEFAULT_SESSION
        if session_problem(session):
            session = DEFAULT_SESSION
        scenario = target.scenario if target else ""
        operation = f"media#{target.provider}" if target else None
        self.mock.state.record(session, (arrived, scope["method"], scope["path"], query, status,
                                         operation, scenario, note, False))  # fmt: skip


async def _start(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes,
    *, length: int | None = None,
) -> None:  # fmt: skip
    size = len(body) if length is None else length
    if status not in (204, 304):
        headers = [*headers, (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
