"""Signed webhooks pass the receivers' own checks, never the mock's signing code.

Zoom: the official @zoom/rivet receiver (Node). plugNmeet: an implementation written from
plugnmeet-protocol's webhook/verify.go (PyJWT + hashlib). Cloudflare: `cryptography` with the
public key read from the document the mock publishes at /.well-known/webhooks.json.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import jwt
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from tests.webhooks.timelines import VIEW, errored, uploaded

from recmock.webhooks import Message, cloudflare, compact, plugnmeet, zoom

NODE_DIR = Path(__file__).parents[1] / "sdk" / "node"
SECRET = "whsec-test-1"


def plugnmeet_verified(message: Message, api_key: str, api_secret: str) -> bool:
    """plugnmeet-protocol VerifyRequest, re-written: HS256, iss = key, exp/nbf now, and the
    sha256 claim equal to base64(SHA-256(body)); Hash-Token is the same token."""
    token = message.headers["authorization"]
    if message.headers.get("hash-token") != token:
        return False
    try:
        claims = jwt.decode(token, api_secret, algorithms=["HS256"], issuer=api_key,
                            options={"require": ["exp", "iss"]})  # fmt: skip
    except jwt.PyJWTError:
        return False
    expected = base64.b64encode(hashlib.sha256(message.body).digest()).decode()
    return bool(claims.get("sha256") == expected)


def cloudflare_verified(message: Message, document: dict) -> bool:
    """The check RealtimeKit documents: RSA-SHA256 of the raw body with the published key."""
    key = serialization.load_pem_public_key(document["data"]["publicKey"].encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(base64.b64decode(message.headers["rtk-signature"]), message.body,
                   padding.PKCS1v15(), hashes.SHA256())  # fmt: skip
    except InvalidSignature:
        return False
    return True


def tampered(message: Message) -> Message:
    body = message.json()
    body["event"] = body["event"] + "x"
    return Message(message.provider, message.event, compact(body), message.headers)


def test_plugnmeet_tokens_verify() -> None:
    now = int(time.time())
    timeline = uploaded()
    messages = [m for t in timeline.transitions()
                if (m := plugnmeet.message(timeline, t, "room-1", "key-1", "sec-1", now))]  # fmt: skip
    assert [m.event for m in messages] == ["start_recording", "end_recording",
                                           "recording_proceeded"]  # fmt: skip
    assert all(plugnmeet_verified(m, "key-1", "sec-1") for m in messages)
    first = messages[0]
    assert not plugnmeet_verified(tampered(first), "key-1", "sec-1")
    assert not plugnmeet_verified(first, "key-2", "sec-1")
    assert not plugnmeet_verified(first, "key-1", "sec-2")
    stale = plugnmeet.message(timeline, timeline.transitions()[1], "room-1", "key-1", "sec-1",
                              now - plugnmeet.TOKEN_LIFETIME - 5)  # fmt: skip
    assert stale is not None and not plugnmeet_verified(stale, "key-1", "sec-1")


def test_cloudflare_signatures_verify_with_the_published_key() -> None:
    key = cloudflare.generate_key()
    document = json.loads(compact(cloudflare.public_key_document(key)))
    for timeline in (uploaded(pauses=1), errored()):
        for t in timeline.transitions():
            message = cloudflare.message(VIEW, timeline, t, key)
            if message is None:
                continue
            assert cloudflare_verified(message, document)
            assert not cloudflare_verified(tampered(message), document)
    other = cloudflare.public_key_document(cloudflare.generate_key())
    message = cloudflare.message(VIEW, uploaded(), uploaded().transitions()[0], key)
    assert message is not None and not cloudflare_verified(message, other)


def rivet(requests: list[tuple[bytes, dict[str, str]]], secret: str) -> list[dict]:
    """Zoom's @zoom/rivet receiver's answer to each (body, headers)."""
    binary = shutil.which("node")
    if not binary:
        pytest.skip("node is not installed; the Rivet receiver test needs Node.js >= 18")
    if not (NODE_DIR / "node_modules" / "@zoom" / "rivet" / "package.json").is_file():
        message = f"@zoom/rivet is not installed: run `npm ci --prefix {NODE_DIR}`"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set, so .ci/run should have done it)")
        pytest.skip(message)
    lines = [json.dumps({"body": body.decode(), "headers": headers}) for body, headers in requests]
    done = subprocess.run([binary, "zoom_rivet_webhooks.mjs", secret], cwd=NODE_DIR,
                          input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_zoom_rivet_receiver_accepts_every_event_and_the_challenge() -> None:
    sent_ms = int(time.time() * 1000)
    timeline = uploaded(pauses=1)
    messages = [m for t in timeline.transitions()
                if (m := zoom.message(VIEW, timeline, t, SECRET, sent_ms))]  # fmt: skip
    challenge = compact(zoom.url_validation("qgg8vlvZRS6UYooatFL8Aw", sent_ms))
    requests = [(m.body, m.headers) for m in messages]
    requests.append((challenge, zoom.headers(SECRET, sent_ms, challenge)))
    bad = tampered(messages[0])
    requests.append((bad.body, bad.headers))
    requests.append((messages[0].body, zoom.headers("not-the-secret", sent_ms, messages[0].body)))
    answers = rivet(requests, SECRET)
    events = [m.event for m in messages]
    assert [a["emitted"] for a in answers[: len(messages)]] == events
    assert all(a["statusCode"] == 200 for a in answers[: len(messages)])
    answer = answers[len(messages)]
    assert answer["statusCode"] == 200
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert answer["body"] == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}
    assert [a["statusCode"] for a in answers[-2:]] == [400, 400]
