"""Zoom Video SDK `GET /videosdk/sessions/{sessionId}/recordings`, from seed 003.

Bearer HS256 JWT whose `iss` is the SDK key, `exp` checked without leeway; errors are
`{code, message}` with Zoom's codes (124 token, 300 parameter, 3301 no recording).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import jwt

from .data import ZOOM_KEY, ZOOM_SECRET, ZOOM_SESSIONS, ZoomFile
from .exchange import Bug, Choices, Reply, Request, query_int, reply, rfc3339

DOWNLOAD_KEY = "staging-double download-token signing key"  # not a credential (>= 32 bytes)


def recordings(req: Request, bug: Bug, choices: Choices) -> Reply:
    """Authenticate, validate, then every file of the session."""
    if not _authorised(req.headers.get("authorization", ""), bug):
        return reply(401, {"code": 124, "message": "Invalid access token."})
    segs = req.segments
    if (
        req.method != "GET"
        or len(segs) != 4
        or segs[:2] != ("videosdk", "sessions")
        or segs[3] != "recordings"
    ):
        return reply(404, {"code": 404, "message": "No API found for this request."})
    session_id = segs[2]
    include = req.last("include_fields")
    if (
        include is not None
        and include != "download_access_token"
        and not bug("zoom-include-unchecked")
    ):
        return _bad("include_fields", "Invalid parameter: include_fields.")
    ttl_text = req.last("ttl")
    ttl = 7200 if ttl_text is None else query_int(ttl_text)
    if ttl is None or not 0 <= ttl <= 604800:
        return _bad("ttl", "Invalid parameter: ttl. The range is between 0-604800.")
    if ttl == 0 and ttl_text is not None and bug("zoom-ttl-zero-rejected"):
        return _bad("ttl", "Invalid parameter: ttl must be positive.")
    if ttl > 86400 and bug("zoom-500-long-ttl"):
        return reply(500, {"code": 500, "message": "Internal server error."})
    session = next((s for s in ZOOM_SESSIONS if s.id == session_id), None)
    if session is None:
        if bug("zoom-404-plain-text"):
            return Reply(404, b"recording not found", "text/plain")
        return reply(404, {"code": 3301, "message": "This recording does not exist."})
    files = list(session.files)
    if session is ZOOM_SESSIONS[1] and bug("zoom-foreign-file"):
        files.append(ZOOM_SESSIONS[0].files[0])
    origin = req.base.rsplit("/v2", 1)[0]
    listed = [_file(origin, f, bug) for f in files]
    short = len(files) > 4 and bug("zoom-total-size-short")  # sessions recorded in parts
    doc: dict[str, Any] = {
        "session_id": session.id,
        "session_name": session.name,
        "start_time": int(session.start.timestamp())
        if include and bug("zoom-start-epoch")
        else rfc3339(session.start),
        "duration": session.minutes,
        "total_size": sum(f.size for f in files if f.file_type == "MP4" or not short),
        "recording_count": len(files),
        "recording_files": listed,
    }
    if include == "download_access_token":
        claims = {"iss": "staging-download", "sub": session.id, "exp": int(time.time()) + ttl}
        doc["download_access_token"] = jwt.encode(claims, DOWNLOAD_KEY, algorithm="HS256")
    return reply(200, doc)


def _authorised(header: str, bug: Bug) -> bool:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    leeway = 300 if bug("zoom-jwt-leeway") else 0
    try:
        with warnings.catch_warnings():  # the client's secret may be short: not ours to judge
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            claims = jwt.decode(
                token,
                ZOOM_SECRET,
                algorithms=["HS256"],
                leeway=leeway,
                options={"require": ["exp", "iss"]},
            )
    except jwt.PyJWTError:
        return False
    return claims.get("iss") == ZOOM_KEY


def _file(origin: str, f: ZoomFile, bug: Bug) -> dict[str, Any]:
    start, end = f.start, f.end
    if f.file_type == "TIMELINE" and bug("zoom-timeline-reversed"):
        start, end = end, start
    owner = next(s for s in ZOOM_SESSIONS if f in s.files)
    record: dict[str, Any] = {
        "id": f.id,
        "session_id": owner.id,
        "recording_start": rfc3339(start),
        "recording_end": rfc3339(end),
        "file_type": f.file_type,
        "file_size": f.size,
        "download_url": f"{origin}/rec/download/{f.id}",
        "status": "completed",
        "recording_type": f.recording_type,
    }
    if f.file_type == "CHAT" and bug("zoom-chat-relative-url"):
        record["download_url"] = f"/rec/download/{f.id}"
    return record


def _bad(parameter: str, message: str) -> Reply:
    return reply(400, {"code": 300, "message": message})
