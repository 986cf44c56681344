"""How each provider's storage says no: expired, forged, missing access, no such file.

A client's "link expired, refresh it" path keys on what the real storage answers, so each
refusal has that storage's status and body shape:
- Presigned links (SignalWire `uri`, and Cloudflare on aws/digitalocean storage) answer as S3
  and S3-compatible stores do: 403 XML `AccessDenied` "Request has expired" after the expiry,
  403 `SignatureDoesNotMatch` for an edited link, 404 `NoSuchKey` when there is no file.
- Cloudflare on gcs answers as Cloud Storage does for V4 signed URLs: 400 `ExpiredToken`,
  403 `SignatureDoesNotMatch`, 404 `NoSuchKey`; on azure as Blob storage does for SAS links:
  403 `AuthenticationFailed` with its detail, 404 `BlobNotFound`.
- Zoom serves downloads itself behind its API token check, so it answers in its API's JSON:
  401 code 124 "Invalid access token." / "Access token is expired.", 404 code 3301.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

XML, JSON = "application/xml", "application/json"
S3_SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you "
                        "provided. Check your key and signing method.")  # fmt: skip


@dataclass(frozen=True)
class Refusal:
    """A complete error answer (the edge adds CORS and the length)."""

    status: int
    content_type: str
    body: bytes
    reason: str  # for the journal


def _xml(status: int, reason: str, fields: dict[str, str]) -> Refusal:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'
    return Refusal(status, XML, body.encode(), reason)


def expired(storage: str, expires: str, now: str, resource: str) -> Refusal:
    """The answer to a presigned link used after its expiry (times as RFC 3339 / HTTP dates)."""
    reason = f"link expired at {expires} (world clock {now})"
    if storage == "gcs":
        details = f"The provided token has expired. Request signature expired at: {expires}"
        return _xml(400, reason, {"Code": "ExpiredToken", "Message": "Invalid argument.",
                                  "Details": details})  # fmt: skip
    if storage == "azure":
        detail = f"Signed expiry time [{expires}] must be after the current time [{now}]"
        return _xml(403, reason, {
            "Code": "AuthenticationFailed",
            "Message": "Server failed to authenticate the request. Make sure the value of "
                       "Authorization header is formed correctly including the signature.",
            "AuthenticationErrorDetail": detail,
        })  # fmt: skip
    fields = {"Code": "AccessDenied", "Message": "Request has expired", "Expires": expires,
              "ServerTime": now, "Resource": resource}  # fmt: skip
    return _xml(403, reason, fields)


def forged(storage: str, resource: str) -> Refusal:
    """The answer to a presigned link whose signature or expiry was edited (or is missing)."""
    reason = "signature does not match (edited, missing or from another server)"
    if storage == "azure":
        return _xml(403, reason, {
            "Code": "AuthenticationFailed",
            "Message": "Server failed to authenticate the request.",
            "AuthenticationErrorDetail": "Signature did not match.",
        })  # fmt: skip
    message = "Access denied." if storage == "gcs" else S3_SIGNATURE_MESSAGE
    return _xml(403, reason, {"Code": "SignatureDoesNotMatch", "Message": message,
                              "Resource": resource})  # fmt: skip


def missing(storage: str, resource: str, why: str) -> Refusal:
    """No file behind the link: no such recording in that world, or it is not finished."""
    if storage == "azure":
        return _xml(404, why, {"Code": "BlobNotFound",
                               "Message": "The specified blob does not exist."})  # fmt: skip
    return _xml(404, why, {"Code": "NoSuchKey", "Message": "The specified key does not exist.",
                           "Key": resource})  # fmt: skip


def zoom(status: int, message: str, reason: str) -> Refusal:
    """Zoom's own JSON error (its API's shape: `code` 124 for tokens, 3301 for no recording)."""
    code = 3301 if status == 404 else 124
    body = json.dumps({"code": code, "message": message}, separators=(",", ":")).encode()
    return Refusal(status, JSON, body, reason)
