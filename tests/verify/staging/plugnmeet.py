"""plugNmeet `POST /auth/recording/fetch`, written from the plugNmeet docs (seeds 000/001).

Behaves like the real protobuf server where the docs leave room: `from`/`limit` are uint32 on
the wire (a negative or larger value does not decode: 400), `limit` 0 means 20 and is clamped
to 100, int64 fields may travel as decimal
strings and float32 `file_size` in exponent form, and error `status_code`s are the double's own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from .data import PNM_KEY, PNM_RECORDINGS, PNM_SECRET, PnmRecording
from .exchange import Bug, Choices, Reply, Request, raw_number, reply

UINT32 = 2**32 - 1
LAST_STANDUP = "5a6b7c8d-9e0f-4a1b-9c2d-3e4f5a6b7c8d"  # eng-standup's third session


def fetch(req: Request, bug: Bug, choices: Choices) -> Reply:
    """Authenticate over the exact body bytes, validate, filter, order and page."""
    if req.method != "POST" or req.segments != ("recording", "fetch"):
        return Reply(404, b"404 page not found", "text/plain")
    if req.headers.get("api-key", "") != PNM_KEY and not bug("pnm-api-key-ignored"):
        return _error(401, "invalid API key", "UNAUTHENTICATED", "INVALID_API_KEY", choices)
    wanted = hmac.new(PNM_SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(req.headers.get("hash-signature", "").lower(), wanted):
        return _error(
            401, "invalid hash signature", "UNAUTHENTICATED", "INVALID_TOKEN_OR_SIGNATURE", choices
        )
    try:
        query = _parse(req.body, bug, choices)
    except ValueError as exc:
        return _error(400, str(exc), "BAD_REQUEST", "INVALID_BODY", choices)
    return _answer(query, bug, choices)


def _parse(body: bytes, bug: Bug, choices: Choices) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("proto: syntax error (invalid JSON)") from None
    if not isinstance(doc, dict):
        raise ValueError("proto: expected a JSON object")
    rooms = doc.get("room_ids")
    if not isinstance(rooms, list) or not all(isinstance(r, str) for r in rooms):
        raise ValueError("room_ids: expected an array of strings")
    sid = doc.get("room_sid")
    if sid is not None and not isinstance(sid, str):
        raise ValueError("room_sid: expected a string")
    start = _uint(doc, "from")
    if start is None:
        start = 0
    elif start < 0:
        if not bug("pnm-negative-from-accepted"):
            raise ValueError("from: must be >= 0")
        start = 0
    elif start > UINT32:
        raise ValueError("from: value out of range for uint32")
    if "limit" in doc and doc["limit"] is None and bug("pnm-null-limit-rejected"):
        raise ValueError("limit: expected a number")
    limit = _uint(doc, "limit")
    if limit is not None and limit < 0 and not choices.protobuf_limit:
        limit = 0  # a v1-era server decodes limit as a plain integer: <= 0 means 20
    if limit is not None and not 0 <= limit <= UINT32:
        raise ValueError("limit: value out of range for uint32")
    order = doc.get("order_by")
    if order not in (None, "ASC", "DESC"):
        raise ValueError("order_by: expected ASC or DESC")
    return {"rooms": rooms, "sid": sid, "from": start, "limit": limit, "order": order or "DESC"}


def _uint(doc: dict[str, Any], name: str) -> int | None:
    value = doc.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name}: expected an integer")
    return value


def _answer(q: dict[str, Any], bug: Bug, choices: Choices) -> Reply:
    requested = q["limit"]
    limit = 20 if requested is None or requested <= 0 else min(requested, 100)
    rooms: list[str] = q["rooms"]
    if len(rooms) >= 2 and bug("pnm-last-room-dropped"):
        rooms = rooms[:-1]
    sid = q["sid"]
    if limit > 50 and bug("pnm-room-sid-ignored"):
        sid = None
    every_room = len(rooms) >= 2 and bug("pnm-rooms-ignored")
    matched = [
        r
        for r in PNM_RECORDINGS
        if (every_room or r.room_id in rooms) and (sid is None or r.room_sid == sid)
    ]
    ascending = q["order"] == "ASC"
    matched.sort(key=lambda r: r.creation_time, reverse=not ascending)
    if len(rooms) >= 2 and bug("pnm-multi-room-unsorted"):
        matched.sort(key=lambda r: rooms.index(r.room_id) if r.room_id in rooms else 99)
    total, start = len(matched), q["from"]
    if start > total and bug("pnm-500-past-end"):
        return _error(
            500, "runtime error: slice bounds out of range", "INTERNAL", "INTERNAL_ERROR", choices
        )
    first = start - 1 if start >= 5 and bug("pnm-offset-off-by-one") else start
    size = limit
    if requested == 1 and bug("pnm-limit-one-gives-two"):
        size = 2
    if limit > 20 and bug("pnm-short-big-pages"):
        size = 20
    page = matched[first : first + size]
    if not page:
        code = "NO_RECORDINGS" if choices.own_status_codes else "NOT_FOUND"
        return reply(200, {"status": False, "msg": "no recording found", "status_code": code})
    shown_total = total - start if start > 0 and bug("pnm-total-minus-offset") else total
    as_string = q["order"] == "ASC" and bug("pnm-file-size-string")
    result = {
        "total_recordings": _int64(shown_total, choices),
        "from": start,
        "limit": limit,
        "order_by": q["order"],
        "recordings_list": [_record(r, choices, as_string, bug) for r in page],
    }
    return reply(
        200, {"status": True, "msg": "success", "status_code": "SUCCESS", "result": result}
    )


def _record(r: PnmRecording, choices: Choices, size_as_string: bool, bug: Bug) -> dict[str, Any]:
    opened = r.room_creation_time
    if r.room_sid == LAST_STANDUP and bug("pnm-room-opened-later"):
        opened = r.creation_time + 3600  # the room's last reopening, not the recorded session's
    size: Any = float32_text(r.file_size) if choices.float_exponent else r.file_size
    record: dict[str, Any] = {
        "record_id": r.record_id,
        "room_id": r.room_id,
        "room_sid": r.room_sid,
        "file_path": r.file_path,
        "file_size": str(r.file_size) if size_as_string else size,
        "creation_time": _int64(r.creation_time, choices),
        "room_creation_time": _int64(opened, choices),
    }
    if r.title:
        record["metadata"] = {"title": r.title, "extra_data": {"source": "staging"}}
    return record


def _int64(value: int, choices: Choices) -> Any:
    """protojson writes int64 as a decimal string (JavaScript cannot hold every int64)."""
    return str(value) if choices.int64_as_string else value


def float32_text(value: int) -> str:
    """Go's 'g' float text (exponent from 1e6 on), as protojson writes float32: 1.572864e+07."""
    if value < 1_000_000:
        return raw_number(str(value))
    digits = str(value).rstrip("0")
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return raw_number(f"{mantissa}e+{len(str(value)) - 1:02d}")


def _error(status: int, msg: str, own: str, documented: str, choices: Choices) -> Reply:
    code = own if choices.own_status_codes else documented
    return reply(status, {"status": False, "msg": msg, "status_code": code})
