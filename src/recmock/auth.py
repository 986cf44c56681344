"""Client-side credentials for each provider: what verify, the tests and SDK users send.

The server-side checks live in the provider modules; both use the same primitives here so a
signature the client makes is, by construction, the one the mock expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import warnings

import jwt
from jwt.warnings import InsecureKeyLengthWarning

# Zoom SDK secrets are whatever the account holds and the demo secret is short on purpose;
# PyJWT's advice about key length is for token issuers, not for a mock checking them.
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)


def hmac_hex(body: bytes, secret: str) -> str:
    """plugNmeet's HASH-SIGNATURE: hex HMAC-SHA256 of the raw body keyed with the API secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def plugnmeet_headers(body: bytes, key: str, secret: str) -> dict[str, str]:
    """Headers for one signed plugNmeet request with exactly this body."""
    return {
        "API-KEY": key,
        "HASH-SIGNATURE": hmac_hex(body, secret),
        "Content-Type": "application/json",
    }


def basic(user: str, password: str) -> dict[str, str]:
    """HTTP Basic auth (SignalWire: project id and API token)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(token: str) -> dict[str, str]:
    """A bearer token header (Cloudflare API tokens, Zoom JWTs)."""
    return {"Authorization": f"Bearer {token}"}


def zoom_jwt(key: str, secret: str, ttl: int = 3600, *, now: float | None = None) -> str:
    """A Zoom Video SDK API token: HS256, `iss` = SDK key, expiring `ttl` seconds from now."""
    issued = int(now if now is not None else time.time())
    return jwt.encode({"iss": key, "iat": issued, "exp": issued + ttl}, secret, algorithm="HS256")
