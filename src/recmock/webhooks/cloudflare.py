"""Cloudflare RealtimeKit webhooks: `recording.statusUpdate` on every status change.

RealtimeKit sends recording.statusUpdate each time a recording moves between INVOKED,
RECORDING, UPLOADING, UPLOADED and ERRORED (RealtimeKit docs, "Monitor Recording Status"; the
event name is in the official SDK's webhook event list, cloudflare 7.3.0
resources/realtime-kit/webhooks.d.ts). The body names the event and carries the recording and
its meeting; once UPLOADED it has downloadUrl, audioDownloadUrl and downloadUrlExpiry. Each
request is signed in `rtk-signature`: base64 RSA-SHA256 (PKCS#1 v1.5) over the raw body, and
carries `rtk-uuid` (one per delivery) and `rtk-webhook-id` (RealtimeKit docs, "Webhooks",
verify webhook signatures). Cloudflare publishes its public key as JSON at
`/.well-known/webhooks.json` ({"success": true, "data": {"publicKey": PEM}}); the mock does the
same with the key pair it generates at start-up.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from recmock.lifecycle import Timeline, Transition, state_after
from recmock.providers.base import View
from recmock.providers.cloudflare import render
from recmock.webhooks import Message, compact

EVENT = "recording.statusUpdate"
PUBLIC_KEY_PATH = "/.well-known/webhooks.json"
WEBHOOK_ID = "4f6ab9c5-0000-4000-8000-7265636d6f63"  # the one webhook recmock registers
# render()'s snake_case fields -> the webhook's camelCase names (Cloudflare's docs use these)
FIELDS = {
    "id": "id", "status": "status", "invoked_time": "invokedTime",
    "started_time": "startedTime", "stopped_time": "stoppedTime",
    "output_file_name": "outputFileName", "session_id": "sessionId",
    "recording_duration": "recordingDuration", "file_size": "fileSize",
    "download_url": "downloadUrl", "audio_download_url": "audioDownloadUrl",
    "download_url_expiry": "downloadUrlExpiry",
}  # fmt: skip


def generate_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA key: the mock's signing key for this run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """The key as PKCS#8 PEM: how `--workers N` hands one key to every worker (in memory)."""
    raw = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return raw.decode()


def load_key(pem: str) -> rsa.RSAPrivateKey:
    """The key `private_pem` wrote."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def public_pem(key: rsa.RSAPrivateKey) -> str:
    """The public half as a SubjectPublicKeyInfo PEM, as Cloudflare publishes its own."""
    raw = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return raw.decode()


def public_key_document(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """The body of GET /.well-known/webhooks.json."""
    return {"success": True, "data": {"publicKey": public_pem(key)}, "message": ""}


def signature(key: rsa.RSAPrivateKey, body: bytes) -> str:
    """base64 RSA-SHA256 over the body bytes."""
    signed = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


def headers(key: rsa.RSAPrivateKey, body: bytes, delivery: str) -> dict[str, str]:
    """The headers of one delivery; `delivery` is its rtk-uuid."""
    return {
        "content-type": "application/json",
        "rtk-signature": signature(key, body),
        "rtk-uuid": delivery,
        "rtk-webhook-id": WEBHOOK_ID,
    }


def payload(view: View, timeline: Timeline, transition: Transition) -> dict[str, Any]:
    """The body for `transition`: every transition is a status change RealtimeKit reports
    (a resume is RECORDING again), except the stop of an errored recording, which is its
    ERRORED update."""
    rec = state_after(timeline, transition)
    data = render(view, rec)
    recording = {FIELDS[k]: v for k, v in data.items() if k in FIELDS}
    session = view.world.session(rec.session_id)
    meeting: dict[str, Any] = {"id": rec.session_id, "sessionId": rec.session_id}
    if session is not None:
        meeting["title"] = session.name
    return {"event": EVENT, "recording": recording, "meeting": meeting}


def fires(timeline: Timeline, transition: Transition) -> bool:
    """Whether `transition` changes the status RealtimeKit shows (an errored stop does not:
    its ERRORED update is the `errored` transition at the same instant)."""
    return not (transition.kind == "stopped" and timeline.final.status == "ERRORED")


def message(view: View, timeline: Timeline, transition: Transition,
            key: rsa.RSAPrivateKey) -> Message | None:  # fmt: skip
    """The signed request for `transition`, or None when the status does not change."""
    if not fires(timeline, transition):
        return None
    raw = compact(payload(view, timeline, transition))
    delivery = str(uuid.uuid5(uuid.UUID(transition.recording_id),
                              f"{transition.kind}:{transition.at}"))  # fmt: skip
    return Message("cloudflare", EVENT, raw, headers(key, raw, delivery),
                   transition.recording_id, transition.at)  # fmt: skip
