"""Zoom Video SDK webhooks: `session.recording_*` events signed with the app's secret token.

Shapes follow the official Node SDK's event types (@zoom/rivet 0.4.0 videosdk.d.ts:
SessionRecordingStartedEvent ... SessionRecordingCompletedEvent); the signature follows the
SDK's receiver (CommonHttpRequest.isEventVerified): `x-zm-signature: v0=` + hex
HMAC-SHA256(secret, "v0:{x-zm-request-timestamp}:{JSON.stringify(body)}"), so bodies are compact
JSON. The `endpoint.url_validation` challenge is answered with hex HMAC-SHA256(secret,
plainToken) (hashUrlValidationEvent in the same SDK).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from recmock.lifecycle import Timeline, Transition, state_after
from recmock.providers.base import View, rfc3339
from recmock.providers.zoom import download_token, participant_files, recording_files
from recmock.webhooks import Message, compact
from recmock.world import zoom_session_id

DEFAULT_SECRET = "demo-webhook-secret"  # --zoom-webhook-secret; a demo value, like the others
EVENTS = {
    "started": "session.recording_started",
    "paused": "session.recording_paused",
    "resumed": "session.recording_resumed",
    "stopped": "session.recording_stopped",
    "uploaded": "session.recording_completed",
}  # invoked/errored: Zoom's Video SDK documents no event for them
ACCOUNT_ID = "recmock-account"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=<hex>` over "v0:{timestamp}:{body}"."""
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret: str, timestamp_ms: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery (the timestamp is the request's, in milliseconds)."""
    stamp = str(timestamp_ms)
    return {
        "content-type": "application/json",
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": signature(secret, stamp, body),
    }


def url_validation(plain_token: str, event_ts: int) -> dict[str, Any]:
    """The challenge Zoom POSTs when a webhook URL is registered."""
    return {"payload": {"plainToken": plain_token}, "event_ts": event_ts,
            "event": "endpoint.url_validation"}  # fmt: skip


def encrypted_token(secret: str, plain_token: str) -> str:
    """What a receiver must answer to the challenge: hex HMAC-SHA256(secret, plainToken)."""
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def payload(view: View, timeline: Timeline, transition: Transition) -> dict[str, Any] | None:
    """The event body for `transition`, or None when Zoom sends no event for it."""
    name = EVENTS.get(transition.kind)
    if name is None:
        return None
    rec = state_after(timeline, transition)
    session = view.world.session(rec.session_id)
    zoom_id = zoom_session_id(rec.session_id)
    assert rec.started is not None
    obj: dict[str, Any] = {
        "session_id": zoom_id,
        "session_name": session.name if session else "",
        "session_key": f"recmock-{rec.session_id[:8]}",
        "start_time": rfc3339(session.created if session else rec.invoked),
        "timezone": "UTC",
    }
    body: dict[str, Any] = {"event": name, "event_ts": transition.at * 1000}
    if name == "session.recording_completed":
        expires = transition.at + max(0, view.world.shape.link_lifetime)
        body["download_token"] = download_token(view, zoom_id, expires)
        obj["recording_files"] = recording_files(view, zoom_id, rec)
        obj["participant_audio_files"] = participant_files(view, rec)
    else:
        end = {"recording_end": rfc3339(rec.stopped)} if rec.stopped is not None else {}
        obj["recording_file"] = {"recording_start": rfc3339(rec.started), **end}
    body["payload"] = {"account_id": ACCOUNT_ID, "object": obj}
    return body


def message(view: View, timeline: Timeline, transition: Transition, secret: str,
            sent_ms: int) -> Message | None:  # fmt: skip
    """The signed request for `transition`, sent at `sent_ms` (unix milliseconds)."""
    body = payload(view, timeline, transition)
    if body is None:
        return None
    raw = compact(body)
    return Message("zoom", body["event"], raw, headers(secret, sent_ms, raw),
                   transition.recording_id, transition.at)  # fmt: skip
