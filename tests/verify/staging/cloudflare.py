"""Cloudflare RealtimeKit `GET /accounts/{a}/realtime/kit/{app}/recordings/{id}`, from seed 004.

Bearer API token; v4 error envelope (`success: false`, `errors`, `messages`, `result: null`).
Where the official SDK types a field `string | null` the double writes `null` for what it does
not know yet, instead of leaving the key out as the mock does.
"""

from __future__ import annotations

import hmac
import re
from datetime import timedelta
from typing import Any

from .data import CF_ACCOUNT, CF_APP, CF_RECORDINGS, CF_TOKEN, CfRecording
from .exchange import Bug, Choices, Reply, Request, reply, rfc3339

ACCOUNT = re.compile(r"^[0-9a-f]{32}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def recording(req: Request, bug: Bug, choices: Choices) -> Reply:
    """Route, authenticate, validate the identifiers, then the recording's details."""
    segs = req.segments
    shape = ("accounts", None, "realtime", "kit", None, "recordings", None)
    if (
        req.method != "GET"
        or len(segs) != 7
        or any(w and w != s for w, s in zip(shape, segs, strict=True))
    ):
        return _error(404, 7000, "No route for that URI")
    account, app, rid = segs[1], segs[4], segs[6]
    found = next((r for r in CF_RECORDINGS if r.id == rid.lower()), None)
    header = req.headers.get("authorization")
    public = header is None and found is not None and found.status == "UPLOADED"
    if not (public and bug("cf-uploaded-public")) and not _authorised(header or ""):
        return _error(401, 10000, "Authentication error")
    if not ACCOUNT.match(account) or not UUID.match(app):
        return _error(
            400,
            7003,
            f"Could not route to {'/'.join(('', *segs))}, perhaps your object identifier is invalid?",
        )
    if not UUID.match(rid):
        if not bug("cf-bad-id-latest"):
            return _error(
                400,
                7003,
                "Could not route to that recording, perhaps your object identifier is invalid?",
            )
        found = max(CF_RECORDINGS, key=lambda r: r.invoked)
    if app[14] != "4" and bug("cf-app-v4-only"):
        return _error(400, 7003, "app_id must be a version 4 UUID")
    if account != CF_ACCOUNT:
        return _error(403, 9109, "Unauthorized to access requested resource")
    if app.lower() != CF_APP or found is None:
        return _error(404, 2404, "Recording not found")
    if found.storage == "gcs" and bug("cf-wrong-record"):
        found = CF_RECORDINGS[0]
    if found.status == "ERRORED" and bug("cf-500-errored"):
        return _error(500, 10001, "Internal server error")
    origin = req.base.rsplit("/client/v4", 1)[0]
    return reply(200, {"success": True, "data": _data(found, origin, bug, choices)})


def _authorised(header: str) -> bool:
    scheme, _, token = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), CF_TOKEN.encode())


def _data(r: CfRecording, origin: str, bug: Bug, choices: Choices) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "invoked_time": rfc3339(r.invoked, millis=True),
        "output_file_name": f"rtk-{r.invoked:%Y%m%d-%H%M}.mp4",
        "status": r.status,
    }
    unknown: list[str] = []

    def put(name: str, value: Any) -> None:
        if value is None:
            unknown.append(name)
        else:
            out[name] = value

    started, stopped = r.started, r.stopped
    if r.status == "ERRORED" and bug("cf-errored-swapped"):
        started, stopped = stopped, started
    put("session_id", r.session)
    put("started_time", rfc3339(started, millis=True) if started else None)
    put("stopped_time", rfc3339(stopped, millis=True) if stopped else None)
    if r.status == "RECORDING" and bug("cf-recording-has-stop"):
        put("stopped_time", rfc3339(r.invoked + timedelta(hours=1), millis=True))
    if r.started and r.stopped:
        out["recording_duration"] = round((r.stopped - r.started).total_seconds())
        reason = "INTERNAL_ERROR" if r.status == "ERRORED" else "ALL_PEERS_LEFT"
        out["stop_reason"] = {"reason": reason}
    uploaded = r.status == "UPLOADED" and r.stopped is not None
    media = "" if r.audio and bug("cf-relative-url") else origin
    put("download_url", f"{media}/media/{r.id}/video.mp4?sig=stg" if uploaded else None)
    put(
        "audio_download_url",
        f"{media}/media/{r.id}/audio.mp3?sig=stg" if uploaded and r.audio else None,
    )
    expiry = r.stopped + timedelta(days=30) if uploaded and r.stopped else None
    put("download_url_expiry", rfc3339(expiry, millis=True) if expiry else None)
    put("file_size", r.size)
    if r.by_api:
        caller = {
            "name": "staging-bot",
            "type": "ORGANIZATION",
            "user_Id": "0d9e8f7a-6b5c-4d3e-a2f1-0e9d8c7b6a59",
        }
        out["start_reason"] = {"reason": "API_CALL", "caller": caller}
    else:
        out["start_reason"] = {"reason": "RECORD_ON_START"}
        if bug("cf-on-start-caller"):  # the meeting host copied in as if they had called the API
            out["start_reason"]["caller"] = {"name": "host", "type": "USER", "user_Id": "h-1"}
    if r.storage:
        storage: dict[str, Any] = {
            "type": r.storage,
            "bucket": "stg-rtk-recordings",
            "path": "rtk/2026/11",
        }
        if r.storage == "aws":
            storage["region"] = "eu-central-1"
            if bug("cf-storage-secret"):
                storage["secret"] = "stg/aws/SECRET+Kq9vXw2"
        out["storage_config"] = storage
    if choices.sdk_nulls:
        out.update({name: None for name in unknown if name not in out})
    return out


def _error(status: int, code: int, message: str) -> Reply:
    return reply(
        status,
        {
            "success": False,
            "errors": [{"code": code, "message": message}],
            "messages": [],
            "result": None,
        },
    )
