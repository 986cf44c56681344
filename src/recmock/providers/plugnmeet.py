"""plugNmeet: HMAC-signed POST /auth/recording/fetch, `{status, msg, status_code, result}`."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from recmock.auth import hmac_hex
from recmock.providers.base import FOREVER, Provider, Reply, View
from recmock.specs import Operation
from recmock.validation import Issue, Parsed, RawRequest
from recmock.world import canonical_session_id

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
SUBTITLE_LABELS = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}


def effective_paging(params: dict[str, Any]) -> tuple[int, int, str]:
    """(from, limit, order) as the real server reads them: null means default, limits clamp."""
    # JSON Schema counts 2.0 as an integer, so validated values may be integral floats.
    start = int(params.get("from") or 0)
    limit = params.get("limit")
    limit = DEFAULT_LIMIT if limit is None or limit <= 0 else int(min(limit, MAX_LIMIT))
    order = params.get("order_by") or "DESC"
    return start, limit, order


class PlugNmeet(Provider):
    """The plugNmeet view: only uploaded recordings exist as records."""

    name = "plugnmeet"

    def _body(self, op: Operation | None, ok: bool, msg: str, code: str) -> dict[str, Any]:
        body: dict[str, Any] = {"status": ok, "msg": msg}
        if op is None or not op.spec_name.endswith(".v1"):
            body["status_code"] = code
        return body

    def authenticate(self, op: Operation, raw: RawRequest, view: View) -> Reply | float:
        creds = view.credentials
        key = raw.header("api-key")
        if not hmac.compare_digest(key.encode(), creds.plugnmeet_key.encode()):
            return Reply(401, self._body(op, False, "invalid API key", "INVALID_API_KEY"))
        expected = hmac_hex(raw.body, creds.plugnmeet_secret)
        given = raw.header("hash-signature").lower()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            msg = "invalid token or signature"
            return Reply(401, self._body(op, False, msg, "INVALID_TOKEN_OR_SIGNATURE"))
        return FOREVER

    def invalid(self, op: Operation, issues: list[Issue]) -> Reply:
        detail = "; ".join(str(i) for i in issues[:3])
        return Reply(400, self._body(op, False, f"invalid request body: {detail}", "INVALID_BODY"))

    def error(self, status: int, message: str, op: Operation | None = None) -> Reply:
        code = {
            400: "INVALID_BODY",
            401: "INVALID_API_KEY",
            404: "NOT_FOUND",
            405: "METHOD_NOT_ALLOWED",
            413: "PAYLOAD_TOO_LARGE",
            500: "INTERNAL_ERROR",
        }
        return Reply(status, self._body(op, False, message, code.get(status, "ERROR")))

    def serve(self, op: Operation, request: Parsed, raw: RawRequest, view: View) -> Reply:
        body = request.body or {}
        start, limit, order = effective_paging(body)
        room_sid = body.get("room_sid") if not op.spec_name.endswith(".v1") else None
        rows = matching(view, body.get("room_ids") or [], room_sid)
        # Sort light (creation time, id) keys and render only the page: a request over rooms
        # holding 100,000 recordings must not build 100,000 response dicts.
        rows.sort(key=lambda r: (r[1], r[2]), reverse=order == "DESC")
        page = [record(view, room_id, session_id, index)
                for room_id, _, _, session_id, index in rows[start : start + limit]]  # fmt: skip
        if not page:
            return Reply(200, self._body(op, False, "no recording found", "NOT_FOUND"))
        if op.spec_name.endswith(".v1"):
            for row in page:
                row.pop("metadata", None)
        # protojson writes int64 as a decimal string: a recorded target that did so for every
        # record shown writes its total so too.
        strings = all(isinstance(row["creation_time"], str) for row in page)
        result = {
            "total_recordings": str(len(rows)) if strings else len(rows),
            "from": start,
            "limit": limit,
            "order_by": order,
            "recordings_list": page,
        }
        return Reply(200, {**self._body(op, True, "success", "SUCCESS"), "result": result})


def matching(
    view: View, room_ids: list[str], room_sid: str | None
) -> list[tuple[str, int, str, str, int]]:
    """(room, upload time, recording id, session id, index) of each matching uploaded recording."""
    rows = []
    # A recorded target's room sid (plugNmeet's own `RM_…`) is pinned, not the world's UUID:
    # only a scenario pins one, so only then is an id that is no world id looked up.
    pinned = room_sid is not None and bool(view.world.catalog.sessions) and not _world_id(room_sid)
    for room_id in dict.fromkeys(room_ids):
        rows += [(room_id, *entry) for entry in view.world.room_uploads(room_id)
                 if room_sid is None or entry[2] == room_sid
                 or (pinned and _shown_sid(view, entry[2], entry[3]) == room_sid)]  # fmt: skip
    return rows


def _world_id(value: str) -> bool:
    try:
        return canonical_session_id(value) == value
    except ValueError:
        return False


def _shown_sid(view: View, session_id: str, index: int) -> str | None:
    session = view.world.session(session_id)
    fields = session.recordings[index].provider_fields.get("plugnmeet") if session else None
    return fields.get("room_sid") if fields else None


def record(view: View, room_id: str, session_id: str, index: int) -> dict[str, Any]:
    """One recordings_list entry; metadata is dropped again for the v1 view."""
    session = view.world.session(session_id)
    assert session is not None
    rec = session.recordings[index]
    host = view.world.pools.hosts[rec.index % len(view.world.pools.hosts)]
    languages = ("en", "de", "fr", "es")[: 1 + rec.index % 3]
    assert rec.uploaded is not None and rec.size is not None
    out = {
        "record_id": rec.id,
        "room_id": room_id,
        "room_sid": session.id,
        "file_path": f"node_01/{session.id}/{rec.id}.mp4",
        "file_size": rec.size,
        "creation_time": rec.uploaded,
        "room_creation_time": session.created,
        "metadata": {
            "title": rec.title,
            "description": rec.description,
            "subtitles": {
                lang: {
                    "label": SUBTITLE_LABELS[lang],
                    "url": f"https://{host}/download/subtitles/{rec.id}.{lang}.vtt",
                }
                for lang in languages
            },
            "extra_data": dict(rec.extra),
        },
    }
    pinned = rec.provider_fields.get("plugnmeet")
    return _overlay(out, pinned) if pinned else out


def _overlay(out: dict[str, Any], pinned: Mapping[str, Any]) -> dict[str, Any]:
    """What a recorded target showed beyond the neutral model: its record id (the scenario's
    is the UUID other views need), room sid and file path as shown, its metadata (null:
    none), and int64 times as decimal strings (protojson). The times and the size themselves
    stay the recording's."""
    for name in ("record_id", "room_sid", "file_path"):
        if isinstance(pinned.get(name), str):
            out[name] = pinned[name]
    if "metadata" in pinned:
        if isinstance(pinned["metadata"], Mapping):
            out["metadata"] = dict(pinned["metadata"])
        else:
            del out["metadata"]
    if pinned.get("int64") == "string":
        for name in ("creation_time", "room_creation_time"):
            out[name] = str(out[name])
    return out
