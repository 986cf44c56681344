"""SignalWire Video `GET /room_sessions/{id}/recordings`, from the OpenAPI text in seed 002.

Basic auth `project:token`; invalid parameters are a 422 with an `errors` list. Pages are
newest first; a later page needs the `page_token` from a link, and the double signs its tokens
(session, page, size) with a key of its own, so a token it never issued is a 422.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import urlencode

from .data import SW_PROJECT, SW_RECORDINGS, SW_SESSION_B, SW_TOKEN, SwRecording
from .exchange import Bug, Choices, Reply, Request, query_int, reply, rfc3339

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TOKEN_KEY = b"staging-double page tokens"  # not a credential: only signs the double's cursors


def recordings(req: Request, bug: Bug, choices: Choices) -> Reply:
    """The page, or with `choices.drift` the seeded drift for `recmock drift` tests."""
    answer = _recordings(req, bug, choices)
    if choices.drift == "error-shape" and answer.status == 422:
        return reply(422, {"error": "Unprocessable Entity"})  # an error shape the mock never uses
    return answer


def _recordings(req: Request, bug: Bug, choices: Choices) -> Reply:
    """Authenticate, validate, then one page of the session's recordings with its links."""
    if not _authorised(req.headers.get("authorization", ""), bug):
        return reply(401, {"error": "Unauthorized"})
    segs = req.segments
    if (
        req.method != "GET"
        or len(segs) != 3
        or segs[0] != "room_sessions"
        or segs[2] != "recordings"
    ):
        return Reply(404, b"Not Found", "text/plain")
    session = segs[1]
    if not UUID.match(session):
        return _invalid(req, "id", "id must be a valid UUID")
    params: dict[str, int] = {}
    for name, low, high, default in (
        ("media_ttl", 1, None, 900),
        ("page_number", 0, None, 0),
        ("page_size", 1, 1000, 50),
    ):
        text = req.last(name)
        value = default if text is None else query_int(text)
        if value == 0 and name == "page_size" and bug("sw-page-size-zero-accepted"):
            value = 50
        if value is None or value < low or (high is not None and value > high):
            if name == "page_size" and value is not None and value > 1000 and bug("sw-422-as-html"):
                return Reply(
                    422, b"<html><body><h1>422 Unprocessable</h1></body></html>", "text/html"
                )
            return _invalid(
                req,
                name,
                f"{name} must be an integer of at least {low}"
                + (f" and at most {high}" if high else ""),
            )
        params[name] = value
    if params["media_ttl"] > 3600 and bug("sw-media-ttl-capped"):
        return _invalid(req, "media_ttl", "media_ttl must be less than or equal to 3600")
    page, size = params["page_number"], params["page_size"]
    token = req.last("page_token")
    needs_token = page > 0 or (token is not None and (token != "" or choices.empty_token_422))
    if needs_token and (token is None or token != _token(session, page, size)):
        return reply(
            422,
            _error_doc(req, "invalid_page_token", "page_token is invalid or expired", "page_token"),
        )
    if size == 1000 and bug("sw-500-max-page"):
        return reply(500, {"error": "Internal Server Error"})
    listed = sorted(
        (r for r in SW_RECORDINGS if r.session == session.lower()),
        key=lambda r: r.created,
        reverse=True,
    )
    if not listed and bug("sw-unknown-session-404"):
        return reply(404, {"error": "Not Found"})
    start = page * size - (1 if page >= 1 and bug("sw-pages-overlap") else 0)
    shown = size - 1 if page == 0 and len(listed) > size and bug("sw-first-page-short") else size
    if size <= 2 and bug("sw-min-page-three"):
        shown = 3
    chunk = listed[start : start + shown]
    if page >= 1 and bug("sw-foreign-record"):
        chunk.append(
            max((r for r in SW_RECORDINGS if r.session == SW_SESSION_B), key=lambda r: r.created)
        )
    ttl = params["media_ttl"]
    data = [_record(req, r, ttl, page, bug, choices) for r in chunk]
    more = page * size + size < len(listed)
    return reply(
        200,
        {"links": _links(req, session, page, size, more, req.last("media_ttl"), bug), "data": data},
    )


def _authorised(header: str, bug: Bug) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    right_user = hmac.compare_digest(user, SW_PROJECT)
    return right_user and (hmac.compare_digest(password, SW_TOKEN) or bug("sw-password-ignored"))


def _token(session: str, page: int, size: int) -> str:
    claim = f"{session.lower()}|{page}|{size}".encode()
    mac = hmac.new(TOKEN_KEY, claim, hashlib.sha256).hexdigest()[:20]
    return "PG" + base64.urlsafe_b64encode(claim).decode().rstrip("=") + "." + mac


def _links(
    req: Request, session: str, page: int, size: int, more: bool, ttl: str | None, bug: Bug
) -> dict[str, str]:
    here = f"{req.base}/room_sessions/{session}/recordings"
    extra = [("media_ttl", ttl)] if ttl is not None else []

    def url(number: int, token: bool = True) -> str:
        query: list[tuple[str, Any]] = [("page_number", number), ("page_size", size)]
        if number > 0 and token:
            query.append(("page_token", _token(session, number, size)))
        return f"{here}?{urlencode(query + extra)}"

    links = {
        "self": url(page, token=not bug("sw-self-loses-token")),
        "first": f"{here}?{urlencode([('page_size', size), *extra])}",
    }
    if page >= 1 and size % 2 == 0 and bug("sw-first-is-self"):
        links["first"] = links["self"]
    if more:
        links["next"] = url(page + 1)
    if page > 0:
        links["prev"] = url(0 if page >= 2 and bug("sw-prev-to-first") else page - 1)
    return links


def _record(
    req: Request, r: SwRecording, ttl: int, page: int, bug: Bug, choices: Choices
) -> dict[str, Any]:
    naive = r.session == SW_SESSION_B and bug("sw-naive-datetime")

    def when(moment: Any) -> str | None:
        if moment is None:
            return None
        return moment.strftime("%Y-%m-%dT%H:%M:%S") if naive else rfc3339(moment)

    duration = int((r.finished - r.started).total_seconds()) if r.finished else None
    finished = r.finished
    if finished is not None and (duration or 0) > 3600 and bug("sw-finished-before-started"):
        finished = r.started - (finished - r.started)  # a sign slip in the end-time query
    done = r.status == "completed"
    size: Any = r.size
    if size is not None and page >= 1 and bug("sw-page2-size-string"):
        size = str(size)
    known_format = done or (r.status == "processing" and choices.processing_format)
    origin = req.base.rsplit("/api/video", 1)[0]
    doc = {
        "id": r.id,
        "room_session_id": r.session,
        "status": r.status,
        "started_at": when(r.started),
        "finished_at": when(finished),
        "duration": duration,
        "size_in_bytes": size,
        "format": "video/mp4" if known_format else None,
        "cost_in_dollars": r.cost,
        "uri": f"{origin}/media/{r.id}.mp4?expires={int(time.time()) + ttl}" if done else None,
        "created_at": when(r.created),
        "updated_at": when(r.updated),
    }
    return _drift(doc, choices.drift) if choices.drift else doc


def _drift(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """The seeded drifts of `Choices.drift`: what a provider changes without telling anyone."""
    if kind == "renamed-field":
        doc["size"] = doc.pop("size_in_bytes")
    elif kind == "new-enum" and doc["status"] == "completed":
        doc["status"] = "archived" if doc["room_session_id"] == SW_SESSION_B else "completed"
    elif kind == "null-field" and doc["status"] != "completed":
        doc["cost_in_dollars"] = None
    return doc


def _error_doc(req: Request, code: str, message: str, attribute: str) -> dict[str, Any]:
    origin = req.base.rsplit("/api/video", 1)[0]
    item = {
        "type": "validation_error",
        "code": code,
        "message": message,
        "attribute": attribute,
        "url": f"{origin}/docs/errors#{code}",
    }
    return {"errors": [item]}


def _invalid(req: Request, attribute: str, message: str) -> Reply:
    return reply(422, _error_doc(req, "invalid_parameter", message, attribute))
