"""plugNmeet webhooks: a `CommonNotifyEvent` per recorder task, signed LiveKit-style.

The body is plugnmeet-protocol's CommonNotifyEvent (proto_files/plugnmeet_common.proto) as the
protocol's notifier writes it (webhook/notifier.go): protojson with proto field names, unset
fields left out, the event name lower-cased, `id` a UUID and `created_at` an int64 (protojson
writes 64-bit integers as strings). plugNmeet-server fills it from the recorder's task
(pkg/models/recording.go sendToWebhookNotifier): START_RECORDING, END_RECORDING,
RECORDING_PROCEEDED with room sid/room_id and recording_info (record_id, recorder_id,
file_path, file_size). The request carries one HS256 JWT (LiveKit's AccessToken: iss = API
key, nbf, exp = 5 minutes on, claim sha256 = base64(SHA-256(body))) in both `Authorization`
and `Hash-Token`; the protocol's webhook/verify.go VerifyRequest checks exactly that.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import jwt

import recmock.auth  # noqa: F401  (silences PyJWT's key-length warning for demo secrets)
from recmock.lifecycle import Timeline, Transition, state_after
from recmock.webhooks import Message, compact

EVENTS = {
    "started": "start_recording",
    "stopped": "end_recording",
    "uploaded": "recording_proceeded",
}  # plugNmeet's recorder has no pause; an errored recording ends without being proceeded
TOKEN_LIFETIME = 300  # notifier.go: SetValidFor(5 * time.Minute)
RECORDER_ID = "node_01"


def token(api_key: str, api_secret: str, body: bytes, now: int) -> str:
    """The JWT both headers carry."""
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    claims = {"iss": api_key, "nbf": now, "exp": now + TOKEN_LIFETIME, "sha256": digest}
    return jwt.encode(claims, api_secret, algorithm="HS256", headers={"typ": "JWT"})


def headers(api_key: str, api_secret: str, body: bytes, now: int) -> dict[str, str]:
    """`Authorization` and `Hash-Token` hold the same token (notifier.go: "same as auth")."""
    signed = token(api_key, api_secret, body, now)
    return {"content-type": "application/json", "authorization": signed, "hash-token": signed}


def payload(timeline: Timeline, transition: Transition, room_id: str) -> dict[str, Any] | None:
    """The CommonNotifyEvent for `transition`, or None when plugNmeet sends none for it."""
    name = EVENTS.get(transition.kind)
    if name is None:
        return None
    rec = state_after(timeline, transition)
    pinned = rec.provider_fields.get("plugnmeet") or {}  # a recorded target's own ids
    record_id = str(pinned.get("record_id") or rec.id)
    room_sid = str(pinned.get("room_sid") or rec.session_id)
    info: dict[str, Any] = {"record_id": record_id, "recorder_id": RECORDER_ID}
    if name == "recording_proceeded":
        assert rec.size is not None
        info["file_path"] = str(pinned.get("file_path")
                                or f"{RECORDER_ID}/{rec.session_id}/{rec.id}.mp4")  # fmt: skip
        info["file_size"] = rec.size
    else:  # the server always sets both pointers; the recorder leaves them empty until then
        info["file_path"] = ""
        info["file_size"] = 0
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"recmock:plugnmeet:{record_id}:{name}")
    return {
        "event": name,
        "room": {"sid": room_sid, "room_id": room_id},
        "recording_info": info,
        "id": str(event_id),
        "created_at": str(transition.at),
    }


def message(timeline: Timeline, transition: Transition, room_id: str, api_key: str,
            api_secret: str, now: int) -> Message | None:  # fmt: skip
    """The signed request for `transition`, signed at world time `now`."""
    body = payload(timeline, transition, room_id)
    if body is None:
        return None
    raw = compact(body)
    return Message("plugnmeet", body["event"], raw, headers(api_key, api_secret, raw, now),
                   transition.recording_id, transition.at)  # fmt: skip
