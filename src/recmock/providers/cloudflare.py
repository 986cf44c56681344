"""Cloudflare RealtimeKit: bearer API token, v4 error envelope, lifecycle-shaped details."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any

from recmock.generate import REGIONS
from recmock.providers.base import FOREVER, Provider, Reply, View, rfc3339
from recmock.providers.fields import CLOUDFLARE_TIMES as TIMES
from recmock.specs import Operation
from recmock.validation import Issue, Parsed, RawRequest
from recmock.world import Caller, Recording, stable_choice

ACCOUNT = re.compile(r"^[0-9a-f]{32}$")
FRACTION = re.compile(r"^\.[0-9]{1,9}$")
STORAGE_TYPES = ("aws", "azure", "digitalocean", "gcs")


def envelope(status: int, code: int, message: str) -> Reply:
    """Cloudflare's v4 error envelope."""
    body = {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }
    return Reply(status, body)


class Cloudflare(Provider):
    """The RealtimeKit view of one recording."""

    name = "cloudflare"

    def authenticate(self, op: Operation, raw: RawRequest, view: View) -> Reply | float:
        scheme, _, token = raw.header("authorization").partition(" ")
        expected = view.credentials.cloudflare_token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
            return envelope(401, 10000, "Authentication error")
        account = raw.path_params.get("account_id", "")
        if ACCOUNT.match(account) and account != view.credentials.cloudflare_account:
            return envelope(403, 9109, "Unauthorized to access requested resource")
        return FOREVER

    def invalid(self, op: Operation, issues: list[Issue]) -> Reply:
        first = issues[0]
        return envelope(
            400, 7003, f"Could not route to {op.full_path}: {first.name} {first.message}"
        )

    def error(self, status: int, message: str, op: Operation | None = None) -> Reply:
        code = {404: 10404, 405: 10405, 413: 10413, 429: 971, 500: 10001}.get(
            status, 10000 + status
        )
        return envelope(status, code, message)

    def serve(self, op: Operation, request: Parsed, raw: RawRequest, view: View) -> Reply:
        rec = view.world.recording(str(request.params["recording_id"]))
        if rec is None:
            return envelope(404, 10404, "Recording not found")
        return Reply(200, {"success": True, "data": render(view, rec)})


def _caller(who: Caller | None, reason: str) -> dict[str, Any]:
    if who is None:  # RECORD_ON_START / ALL_PEERS_LEFT: no user details, as the docs say
        return {"reason": reason}
    return {
        "caller": {"name": who.name, "type": who.kind, "user_Id": who.user_id},
        "reason": reason,
    }


def link_expiry(now: int, lifetime: int, rec: Recording) -> int:
    """When the signed download URL expires: `lifetime` after now, or, for already expired links
    (negative lifetime), some time after the upload but before now, as a link really issued
    earlier would be (expiry < stopped would be impossible)."""
    if lifetime >= 0:
        return now + lifetime
    return max(now + lifetime, rec.uploaded or now, (rec.stopped or now) + 1)


def render(view: View, rec: Recording) -> dict[str, Any]:
    """The `data` object; a field appears only once the recording's state allows it."""
    world = view.world
    kind = stable_choice(world.seed, rec.session_id, STORAGE_TYPES)
    data: dict[str, Any] = {
        "id": rec.id,
        "invoked_time": rfc3339(rec.invoked),
        "output_file_name": f"{rec.session_id}_{rec.invoked}.mp4",
        "session_id": rec.session_id,
        "status": rec.status,
        "start_reason": _caller(rec.started_by, rec.start_reason),
        "storage_config": {
            "type": kind,
            "bucket": f"rtk-recordings-{world.pools.words[rec.index % len(world.pools.words)]}",
            "region": stable_choice(world.seed, rec.session_id + "r", REGIONS),
            "path": f"recordings/{rec.session_id}",
        },
    }
    if rec.started is not None:
        data["started_time"] = rfc3339(rec.started)
    if rec.stopped is not None:
        data["stopped_time"] = rfc3339(rec.stopped)
        data["recording_duration"] = rec.duration
        data["stop_reason"] = _caller(rec.stopped_by, rec.stop_reason or "API_CALL")
    if rec.status == "UPLOADED":
        # Presigned on the mock's own origin; both links stop at `download_url_expiry`.
        expires = link_expiry(world.now, world.shape.link_lifetime, rec)
        links = view.media_links()
        data["download_url"] = links.cloudflare(rec.id, "video.mp4", expires)
        data["audio_download_url"] = links.cloudflare(rec.id, "audio.m4a", expires)
        data["download_url_expiry"] = rfc3339(expires)
        data["file_size"] = rec.size
    pinned = rec.provider_fields.get("cloudflare")
    return _overlay(data, pinned, rec) if pinned else data


def _overlay(data: dict[str, Any], pinned: Mapping[str, Any], rec: Recording) -> dict[str, Any]:
    """What a recorded target showed beyond the neutral model, over the state's own fields.

    Only presentation the state does not decide: the output file name, the storage config
    (null: none shown), the session id as shown (null or absent only while INVOKED),
    who called (kept only where the state names a caller), milliseconds on the state's
    seconds, no audio file, and which absent fields the target writes as `null`. Status,
    times, sizes and links stay the state's: a `null` never replaces a value, so a recording
    uploaded later still shows its download URL.
    """
    if "output_file_name" in pinned:
        data["output_file_name"] = pinned["output_file_name"]
    if isinstance(pinned.get("session_id"), str):
        data["session_id"] = pinned["session_id"]
    elif rec.status == "INVOKED" and "session_id" in pinned:  # none yet: shown as null
        data["session_id"] = None
    if rec.status == "INVOKED" and "session_id" in (pinned.get("omit") or ()):
        del data["session_id"]
    if "storage_config" in pinned:
        if isinstance(pinned["storage_config"], Mapping):
            data["storage_config"] = dict(pinned["storage_config"])
        else:
            data.pop("storage_config", None)
    for reason, key in (("start_reason", "start_caller"), ("stop_reason", "stop_caller")):
        caller = data.get(reason, {}).get("caller")
        if caller is not None and isinstance(pinned.get(key), Mapping):
            caller.update({k: v for k, v in pinned[key].items() if k in ("type", "user_Id")})
    fractions = {k: str(v) for k, v in (pinned.get("fractions") or {}).items()
                 if k in TIMES and FRACTION.match(str(v))}  # fmt: skip
    for name, fraction in fractions.items():
        # The target's milliseconds on the state's own second (the model keeps seconds).
        if isinstance(data.get(name), str):
            data[name] = f"{data[name][:-1]}{fraction}Z"
    if isinstance(data.get("recording_duration"), int) and fractions:
        # The duration of the exact times, rounded as the target does.
        exact = float(fractions.get("stopped_time", "0")) - float(
            fractions.get("started_time", "0")
        )
        data["recording_duration"] = round(data["recording_duration"] + exact)
    if pinned.get("audio") is False:
        data.pop("audio_download_url", None)
    for name in pinned.get("nulls") or ():
        data.setdefault(str(name), None)
    return data
