"""Zoom Video SDK: HS256 JWT bearer auth, one session's cloud-recording files."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import jwt

import recmock.auth  # noqa: F401  (silences PyJWT's key-length warning for demo secrets)
from recmock.media.links import ZOOM_KINDS, Minter
from recmock.providers.base import Credentials, Provider, Reply, View, rfc3339
from recmock.specs import Operation
from recmock.validation import Issue, Parsed, RawRequest
from recmock.world import Recording, session_id_from_any

INVALID_TOKEN = {"code": 124, "message": "Invalid access token."}


def api_token_expiry(token: str, creds: Credentials) -> float | None:
    """The `exp` of a Video SDK API JWT signed with the SDK secret, or None if it is not one.

    Used by the API and by downloads, which also take that JWT as `access_token`.
    """
    try:
        # algorithms pins HS256, so `alg: none` and RS/ES tokens are refused; PyJWT compares
        # the signature in constant time.
        claims = jwt.decode(
            token, creds.zoom_secret, algorithms=["HS256"],
            issuer=creds.zoom_key, options={"require": ["exp", "iss"], "verify_exp": False},
        )  # fmt: skip
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class Zoom(Provider):
    """The Zoom view: only finished, uploaded recordings appear as files."""

    name = "zoom"

    def authenticate(self, op: Operation, raw: RawRequest, view: View) -> Reply | float:
        scheme, _, token = raw.header("authorization").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return Reply(401, INVALID_TOKEN)
        exp = api_token_expiry(token.strip(), view.credentials)
        if exp is None:
            return Reply(401, INVALID_TOKEN)
        if exp <= view.wall_clock:
            return Reply(401, {"code": 124, "message": "Access token is expired."})
        return exp

    def invalid(self, op: Operation, issues: list[Issue]) -> Reply:
        if all(issue.location == "path" for issue in issues):
            # The docs put no limit on sessionId: one no session can have (control characters,
            # which the router cannot pass on) names no session, as any unknown id.
            return Reply(404, {"code": 3301, "message": "This recording does not exist."})
        first = issues[0]
        return Reply(
            400, {"code": 300, "message": f"Invalid parameter: {first.name}. {first.message}"}
        )

    def error(self, status: int, message: str, op: Operation | None = None) -> Reply:
        code = {404: 3301, 401: 124, 400: 300, 429: 429}.get(status, status)
        return Reply(status, {"code": code, "message": message})

    def serve(self, op: Operation, request: Parsed, raw: RawRequest, view: View) -> Reply:
        params = request.params
        # Zoom asks for ids that start with '/' or hold '//' to be encoded twice, and decodes
        # them twice; the ASGI server decoded once already.
        requested = unquote(str(params["sessionId"]))
        session = view.world.session(session_id_from_any(requested))
        done = [r for r in session.recordings if r.status == "UPLOADED"] if session else []
        if session is None or not done:
            return Reply(404, {"code": 3301, "message": "This recording does not exist."})
        files = [f for rec in done for f in recording_files(view, requested, rec)]
        last_stop = max(r.stopped or r.invoked for r in done)
        pinned = [r.provider_fields.get("zoom") or {} for r in done]
        # Never shorter than its recordings span, but as long as a recorded target said.
        spans = [p["session_duration"] for p in pinned if "session_duration" in p]
        minutes = max([math.ceil((last_stop - session.created) / 60), *spans])
        # A session field the recorded target did not show (password, participant files)
        # stays out when every recording shown says so.
        omitted = set.intersection(*(set(p.get("omit") or ()) for p in pinned))
        body: dict[str, Any] = {
            "session_id": requested,
            "session_name": session.name,
            "start_time": rfc3339(session.created),
            "duration": minutes,
            "total_size": sum(f["file_size"] for f in files),
            "recording_count": len(files),
            "recording_files": files,
        }
        if params.get("include_fields") == "download_access_token":
            ttl = params.get("ttl", 86400)
            lifetime = min(ttl, view.world.shape.link_lifetime)
            body["download_access_token"] = download_token(
                view, requested, view.world.now + lifetime
            )
        body["password"] = hashlib.sha256(f"{view.world.seed}{requested}".encode()).hexdigest()[:8]
        body["participant_audio_files"] = [p for rec in done for p in participant_files(view, rec)]
        for name in omitted & {"password", "participant_audio_files"}:
            del body[name]
        return Reply(200, body)


def _file_id(rec: Recording, kind: str) -> str:
    try:
        namespace = uuid.UUID(rec.id)
    except ValueError:  # a recorded target's own id (plugNmeet's): derived all the same
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"recmock:{rec.id}")
    return str(uuid.uuid5(namespace, kind))


def recording_files(view: View, session_id: str, rec: Recording) -> list[dict[str, Any]]:
    """A video and an audio file per recording, the timeline with the first one; each
    `download_url` on the mock's origin, opened with the `download_access_token`.

    A recorded target's files (`provider_fields.zoom.files`) keep its file ids, types and
    order; the video and audio sizes and spans stay the recording's, only the files the
    neutral model has no place for (timeline, chat) carry their own."""
    links = view.media_links()
    assert rec.started is not None and rec.stopped is not None and rec.size is not None
    own = {"MP4": rec.size, "M4A": rec.audio_size or rec.size // 12}
    kinds = [("MP4", "shared_screen_with_speaker_view", rec.size),
             ("M4A", "audio_only", own["M4A"])]  # fmt: skip
    if rec.index == 0:
        kinds.append(("TIMELINE", "timeline", 2_000 + (rec.size % 50_000)))
    pinned = (rec.provider_fields.get("zoom") or {}).get("files")
    if pinned:
        return [_pinned_file(links, session_id, rec, f, own) for f in pinned]
    return [
        {
            "id": _file_id(rec, kind),
            "session_id": session_id,
            "recording_start": rfc3339(rec.started),
            "recording_end": rfc3339(rec.stopped),
            "file_type": kind,
            "file_size": size,
            "download_url": links.zoom(rec.id, ZOOM_KINDS[kind]),
            "status": "completed",
            "recording_type": rtype,
        }
        for kind, rtype, size in kinds
    ]


def _pinned_file(
    links: Minter, session_id: str, rec: Recording, pinned: Mapping[str, Any], own: dict[str, int]
) -> dict[str, Any]:
    """One file as the recorded target listed it, its link on the mock (a chat file, which
    the mock has no asset for, opens the timeline's text)."""
    assert rec.started is not None and rec.stopped is not None
    kind = str(pinned.get("file_type", "MP4"))
    mine = kind in own
    return {
        "id": str(pinned.get("id") or _file_id(rec, kind)),
        "session_id": session_id,
        "recording_start": rfc3339(rec.started) if mine else pinned.get("recording_start",
                                                                        rfc3339(rec.started)),
        "recording_end": rfc3339(rec.stopped) if mine else pinned.get("recording_end",
                                                                      rfc3339(rec.stopped)),
        "file_type": kind,
        "file_size": own[kind] if mine else int(pinned.get("file_size", 1)),
        "download_url": links.zoom(rec.id, ZOOM_KINDS.get(kind, "timeline")),
        "status": "completed",
        "recording_type": str(pinned.get("recording_type", "")),
    }  # fmt: skip


def participant_files(view: View, rec: Recording) -> list[dict[str, Any]]:
    """One M4A per participant (1-3, derived from the recording) as in Zoom's sample."""
    links = view.media_links()
    assert rec.started is not None and rec.stopped is not None and rec.audio_size is not None
    count = 1 + rec.index % 3
    pinned = (rec.provider_fields.get("zoom") or {}).get("participants")
    if isinstance(pinned, list):  # the recorded target's participant file ids
        count = len(pinned)
    names = view.world.pools.names
    out = []
    for n in range(count):
        file_id = str(pinned[n]) if isinstance(pinned, list) else _file_id(rec, f"participant-{n}")
        out.append({
            "id": file_id,
            "recording_start": rfc3339(rec.started),
            "recording_end": rfc3339(rec.stopped),
            "file_name": names[(rec.index * 7 + n) % len(names)],
            "file_type": "M4A",
            "file_extension": "M4A",
            "file_size": rec.audio_size // count,
            "download_url": links.zoom(rec.id, f"participant-{n}"),
            "status": "completed",
        })  # fmt: skip
    return out


def download_token(view: View, session_id: str, expires: int) -> str:
    """A deterministic JWT-shaped token, so the same request always gets the same bytes."""
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64({"sid": session_id, "exp": expires})
    key = f"recmock-{view.world.seed}".encode()
    sig = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{base64.urlsafe_b64encode(sig).decode().rstrip('=')}"


def download_token_claims(seed: int, token: str) -> tuple[str, int] | None:
    """(session id, exp) of a `download_access_token` this mock minted for `seed`, or None
    for any other text (compared in constant time, never decoded before it is verified)."""
    header, _, rest = token.partition(".")
    payload, _, sig = rest.partition(".")
    key = f"recmock-{seed}".encode()
    expected = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    given = base64.urlsafe_b64encode(expected).decode().rstrip("=")
    if not sig or not hmac.compare_digest(sig.encode("utf-8", "replace"), given.encode()):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(claims, dict):
        return None
    sid, exp = claims.get("sid"), claims.get("exp")
    if not isinstance(sid, str) or not isinstance(exp, int) or isinstance(exp, bool):
        return None
    return sid, exp


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
