"""SignalWire Video: Basic auth, page_number/page_size/page_token paging with real links."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

from recmock.providers.base import FOREVER, Provider, Reply, View, rfc3339
from recmock.specs import Operation
from recmock.validation import Issue, Parsed, RawRequest
from recmock.world import Recording, session_id_from_any

DOCS = "https://developer.signalwire.com/rest/overview/error-codes"
STATUS = {"INVOKED": "recording", "RECORDING": "recording", "PAUSED": "paused",
          "UPLOADING": "processing", "UPLOADED": "completed", "ERRORED": None}  # fmt: skip
ERROR_WORDS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
               413: "Payload Too Large", 429: "Too Many Requests"}  # fmt: skip
DEFAULT_PAGE_SIZE, DEFAULT_TTL = 50, 900
CENTS_PER_MINUTE = 0.45


def page_token(seed: int, session_id: str, page_size: int, page_number: int) -> str:
    """An opaque cursor bound to one session, page size and page, so it cannot be forged."""
    payload = f"{session_id}|{page_size}|{page_number}"
    mac = hmac.new(f"recmock-{seed}".encode(), payload.encode(), hashlib.sha256).hexdigest()[:16]
    return "PA" + base64.urlsafe_b64encode(f"{payload}|{mac}".encode()).decode().rstrip("=")


def token_matches(seed: int, token: str, session_id: str, page_size: int, number: int) -> bool:
    """True when `token` is exactly the cursor this mock minted for this page.

    Compared as text, not decoded: base64 decoding skips stray characters, so a decoded
    comparison accepted edited tokens (e.g. with a ':' inserted) as valid.
    """
    expected = page_token(seed, session_id, page_size, number)
    return hmac.compare_digest(token.encode(), expected.encode())


class SignalWire(Provider):
    """The SignalWire view of a room session's recordings, newest first."""

    name = "signalwire"

    def authenticate(self, op: Operation, raw: RawRequest, view: View) -> Reply | float:
        creds = view.credentials
        expected = f"{creds.signalwire_project}:{creds.signalwire_token}".encode()
        scheme, _, value = raw.header("authorization").partition(" ")
        try:
            given = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            given = b""
        if scheme.lower() != "basic" or not hmac.compare_digest(given, expected):
            return Reply(
                401, {"error": "Unauthorized"}, {"WWW-Authenticate": 'Basic realm="SignalWire"'}
            )
        return FOREVER

    def invalid(self, op: Operation, issues: list[Issue]) -> Reply:
        return Reply(
            422, {"errors": [self._item(i.name, "invalid_parameter", i.message) for i in issues]}
        )

    def _item(self, attribute: str, code: str, message: str) -> dict[str, Any]:
        return {"type": "validation_error", "code": code, "message": f"{attribute} {message}",
                "attribute": attribute, "url": f"{DOCS}#{code}"}  # fmt: skip

    def error(self, status: int, message: str, op: Operation | None = None) -> Reply:
        if status == 422:
            return Reply(422, {"errors": [self._item("request", "invalid_parameter", message)]})
        return Reply(status, {"error": ERROR_WORDS.get(status, "Internal Server Error")})

    def serve(self, op: Operation, request: Parsed, raw: RawRequest, view: View) -> Reply:
        params = request.params
        requested = str(params["id"])
        session_key = session_id_from_any(requested)
        size = params.get("page_size", DEFAULT_PAGE_SIZE)
        number = params.get("page_number", 0)
        ttl = params.get("media_ttl", DEFAULT_TTL)
        seed = view.world.seed
        if number > 0 and not token_matches(
            seed, params.get("page_token", ""), session_key, size, number
        ):
            problem = "is missing, malformed, or was issued for another page, size or session"
            return Reply(422, {"errors": [self._item("page_token", "invalid_page_token", problem)]})
        session = view.world.session(session_key)
        recordings = list(reversed(session.recordings)) if session else []
        page = recordings[number * size : (number + 1) * size]
        if number > 0 and not page:
            problem = "points past the last page"
            return Reply(
                422, {"errors": [self._item("page_number", "invalid_page_number", problem)]}
            )
        base = f"{view.origin}{op.prefix}/room_sessions/{requested}/recordings"

        def link(n: int) -> str:
            query: dict[str, Any] = (
                {"page_number": n, "page_size": size} if n else {"page_size": size}
            )
            if n:
                query["page_token"] = page_token(seed, session_key, size, n)
            if ttl != DEFAULT_TTL:
                query["media_ttl"] = ttl
            return f"{base}?{urlencode(query)}"

        links = {"self": link(number), "first": link(0)}
        if (number + 1) * size < len(recordings):
            links["next"] = link(number + 1)
        if number > 0:
            links["prev"] = link(number - 1)
        data = [render(view, requested, rec, ttl) for rec in page]
        return Reply(200, {"links": links, "data": data})


def render(view: View, session_id: str, rec: Recording, ttl: int) -> dict[str, Any]:
    """One RoomRecording; fields unknown in the recording's state are null, as SignalWire does."""
    # Called once per item of a page of up to 1000: attributes are read once, no generators.
    world = view.world
    invoked, started, stopped, size = rec.invoked, rec.started, rec.stopped, rec.size
    duration = None if started is None or stopped is None else stopped - started
    uri = None
    if rec.status == "UPLOADED":
        # Presigned on the mock's own origin: stops working `media_ttl` seconds after this call.
        expires = world.now + min(ttl, world.shape.link_lifetime)
        uri = view.media_links().signalwire(rec.id, expires)
    minutes = (duration or 0) / 60
    changed = invoked
    for moment in (started, stopped, rec.uploaded):
        if moment is not None and moment > changed:
            changed = moment
    out = {
        "id": rec.id,
        "room_session_id": session_id,
        "status": STATUS[rec.status],
        "started_at": rfc3339(started) if started is not None else None,
        "finished_at": rfc3339(stopped) if stopped is not None else None,
        "duration": duration,
        "size_in_bytes": size,
        "format": "video/mp4" if size is not None else None,
        "cost_in_dollars": round(minutes * CENTS_PER_MINUTE / 100, 4),
        "uri": uri,
        "created_at": rfc3339(invoked),
        "updated_at": rfc3339(changed),
    }
    pinned = rec.provider_fields.get("signalwire")
    if pinned:
        # The recorded file's MIME type, none while processing (the mock's rules promise it);
        # the cost the target showed, only while the recording is in the state it was seen in.
        if isinstance(pinned.get("format"), str) and rec.status == "UPLOADED":
            out["format"] = pinned["format"]
        cost = (pinned.get("costs") or {}).get(rec.status)
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            out["cost_in_dollars"] = cost
    return out
