"""End to end: `recmock serve --webhook`, recordings started through the admin API, a clock
advance, and the signed events at a local receiver; retries, redelivery, list agreement."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_verifiers import rivet

pytestmark = pytest.mark.slow
SECRET = "whsec-e2e"
ZOOM_EVENTS = ["session.recording_started", "session.recording_paused",
               "session.recording_resumed", "session.recording_stopped",
               "session.recording_completed"]  # fmt: skip


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(SECRET)
    yield found
    found.stop()


def zoom_signed(headers: dict[str, str], body: bytes) -> bool:
    """Zoom's documented check, written here: v0=hex HMAC-SHA256(secret, v0:{ts}:{body})."""
    message = f"v0:{headers['x-zm-request-timestamp']}:".encode() + body
    expected = "v0=" + hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-zm-signature"])


def deliveries(server_url: str) -> list[dict]:
    return httpx.get(server_url + "/__recmock/deliveries", timeout=5).json()["deliveries"]


def test_zoom_walkthrough(start_server, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed", "--webhook", f"zoom={receiver.url}",
                          "--zoom-webhook-secret", SECRET)  # fmt: skip
    admin = server.url + "/__recmock"
    started = httpx.post(admin + "/recordings", json={
        "provider": "zoom", "duration": "2m", "pauses": [{"at": "30s", "for": "10s"}],
    }, timeout=5)  # fmt: skip
    assert started.status_code == 201, started.text
    created = started.json()
    receiver.wait_for(1)  # the url_validation challenge on first use
    assert receiver.events() == ["endpoint.url_validation"]
    moved = httpx.post(admin + "/clock", json={"advance": "15m"}, timeout=5).json()
    assert moved["fired"] == 5
    receiver.wait_for(6)
    assert receiver.events()[1:] == ZOOM_EVENTS
    for _, headers, body in receiver.requests:
        assert zoom_signed(headers, body)
        assert body == json.dumps(json.loads(body), separators=(",", ":"),
                                  ensure_ascii=False).encode()  # fmt: skip
    answers = rivet([(body, headers) for _, headers, body in receiver.requests[1:]], SECRET)
    assert [a["emitted"] for a in answers] == ZOOM_EVENTS
    # The list endpoint shows the same recording completed, with the event's files.
    token = jwt.encode({"iss": "demo-key", "exp": int(time.time()) + 600}, "demo-secret")
    listed = httpx.get(server.url + created["read_back"]["path"], timeout=5,
                       headers={"authorization": f"Bearer {token}"})  # fmt: skip
    assert listed.status_code == 200, listed.text
    completed = json.loads(receiver.requests[-1][2])["payload"]["object"]
    assert listed.json()["recording_files"] == completed["recording_files"]
    rows = deliveries(server.url)
    assert [r["event"] for r in rows] == ["endpoint.url_validation", *ZOOM_EVENTS]
    for row in rows:
        assert row["state"] == "delivered", row
        attempt = row["attempts"][0]
        assert attempt["status"] == 200 and attempt["n"] == 1 and attempt["latency_ms"] >= 0
        assert attempt["headers"]["x-zm-signature"] == "<redacted>"
    assert SECRET not in server.output()


def test_zoom_retries_on_the_clock_and_redelivers(start_server) -> None:  # type: ignore[no-untyped-def]
    failing = {"left": 1}

    def status_for(body: dict) -> int:
        if body.get("event") == "session.recording_started" and failing["left"]:
            failing["left"] -= 1
            return 500
        return 200

    receiver = Receiver(SECRET, status_for)
    try:
        server = start_server("--now", "fixed", "--webhook", f"zoom={receiver.url}",
                              "--zoom-webhook-secret", SECRET)  # fmt: skip
        admin = server.url + "/__recmock"
        httpx.post(admin + "/recordings", json={"provider": "zoom", "duration": "1h"}, timeout=5)
        httpx.post(admin + "/clock", json={"advance": "1m"}, timeout=5)
        receiver.wait_for(2)
        time.sleep(0.3)
        row = next(r for r in deliveries(server.url) if r["event"] == ZOOM_EVENTS[0])
        assert row["state"] == "retrying" and row["attempts"][0]["status"] == 500
        httpx.post(admin + "/clock", json={"advance": "4m"}, timeout=5)  # not yet 5 minutes
        time.sleep(0.3)
        assert len(receiver.requests) == 2
        moved = httpx.post(admin + "/clock", json={"advance": "2m"}, timeout=5).json()
        assert moved["retried"] == 1
        receiver.wait_for(3)
        time.sleep(0.3)
        row = next(r for r in deliveries(server.url) if r["id"] == row["id"])
        assert row["state"] == "delivered" and [a["n"] for a in row["attempts"]] == [1, 2]
        again = httpx.post(f"{admin}/deliveries/{row['id']}/redeliver", json={}, timeout=5)
        assert again.status_code == 202
        receiver.wait_for(4)
        assert receiver.events()[-1] == ZOOM_EVENTS[0]
        assert (
            httpx.post(admin + "/deliveries/999/redeliver", json={}, timeout=5).status_code == 404
        )
    finally:
        receiver.stop()


def test_plugnmeet_events_verify_and_list(start_server, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed", "--webhook", f"plugnmeet={receiver.url}")
    admin = server.url + "/__recmock"
    created = httpx.post(admin + "/recordings", json={"provider": "plugnmeet", "duration": 60,
                                                      "room": "qa-room"}, timeout=5).json()  # fmt: skip
    httpx.post(admin + "/clock", json={"advance": "10m"}, timeout=5)
    receiver.wait_for(3)
    assert receiver.events() == ["start_recording", "end_recording", "recording_proceeded"]
    for _, headers, body in receiver.requests:
        token = headers["authorization"]
        assert headers["hash-token"] == token
        claims = jwt.decode(token, "demo-secret", algorithms=["HS256"], issuer="demo-key")
        assert claims["sha256"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    body = json.dumps(created["read_back"]["body"]).encode()
    signature = hmac.new(b"demo-secret", body, hashlib.sha256).hexdigest()
    listed = httpx.post(server.url + created["read_back"]["path"], content=body, timeout=5,
                        headers={"api-key": "demo-key", "hash-signature": signature,
                                 "content-type": "application/json"})  # fmt: skip
    assert listed.status_code == 200, listed.text
    records = listed.json()["result"]["recordings_list"]
    last = json.loads(receiver.requests[-1][2])["recording_info"]
    assert [r["record_id"] for r in records] == [created["id"]] == [last["record_id"]]
    assert records[0]["file_path"] == last["file_path"]


def test_cloudflare_events_verify_with_the_published_key(start_server, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed", "--webhook", f"cloudflare={receiver.url}")
    admin = server.url + "/__recmock"
    created = httpx.post(admin + "/recordings", json={"provider": "cloudflare"}, timeout=5).json()
    httpx.post(admin + "/clock", json={"advance": "10m"}, timeout=5)
    receiver.wait_for(4)
    document = httpx.get(server.url + "/.well-known/webhooks.json", timeout=5).json()
    key = serialization.load_pem_public_key(document["data"]["publicKey"].encode())
    assert isinstance(key, rsa.RSAPublicKey)
    statuses = []
    for _, headers, body in receiver.requests:
        key.verify(base64.b64decode(headers["rtk-signature"]), body, padding.PKCS1v15(),
                   hashes.SHA256())  # fmt: skip
        statuses.append(json.loads(body)["recording"]["status"])
    assert statuses == ["INVOKED", "RECORDING", "UPLOADING", "UPLOADED"]
    detail = httpx.get(server.url + created["read_back"]["path"], timeout=5,
                       headers={"authorization": "Bearer demo-token"})  # fmt: skip
    assert detail.status_code == 200, detail.text
    assert detail.json()["data"]["status"] == "UPLOADED"
    assert detail.json()["data"]["id"] == json.loads(receiver.requests[-1][2])["recording"]["id"]


def test_bad_admin_bodies_are_one_line_errors(start_server) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed")
    admin = server.url + "/__recmock"
    for path, body, words in [
        ("/recordings", {"provider": "teams"}, "provider: expected one of"),
        ("/recordings", {"provider": "zoom", "duration": "2 weeks"}, "duration: expected"),
        ("/recordings", {"provider": "zoom", "pauses": [{"at": "5m", "for": "1s"}]}, "pauses[0]"),
        ("/recordings", {"provider": "zoom", "colour": 1}, "colour: unknown field"),
        ("/clock", {"advance": -5}, "advance: expected 0 to"),
        ("/clock", {"set": "2000-01-01T00:00:00Z"}, "only moves forward"),
        ("/clock", {"warp": 1}, "clock: expected"),
    ]:
        answer = httpx.post(admin + path, json=body, timeout=5)
        assert answer.status_code == 400, (path, body)
        assert words in answer.json()["error"], answer.json()
    clock = httpx.get(admin + "/clock", timeout=5).json()
    assert clock["time"] == "2025-11-24T16:00:00Z" or clock["now"] > 0


def test_a_receiver_slower_than_3_s_is_a_failure_zoom_retries(start_server) -> None:  # type: ignore[no-untyped-def]
    slow = {"left": 1}

    def delay_for(body: dict) -> float:
        if body.get("event") == ZOOM_EVENTS[0] and slow["left"]:
            slow["left"] -= 1
            return 3.6
        return 0.0

    receiver = Receiver(SECRET, delay_for=delay_for)
    try:
        server = start_server("--now", "fixed", "--webhook", f"zoom={receiver.url}",
                              "--zoom-webhook-secret", SECRET)  # fmt: skip
        admin = server.url + "/__recmock"
        httpx.post(admin + "/recordings", json={"provider": "zoom", "duration": "1h"}, timeout=5)
        started = time.monotonic()
        httpx.post(admin + "/clock", json={"advance": "1m"}, timeout=5)
        assert time.monotonic() - started < 1.0  # the admin answer never waits for a receiver
        deadline = time.monotonic() + 10
        while True:
            row = next(r for r in deliveries(server.url) if r["event"] == ZOOM_EVENTS[0])
            if row["attempts"] or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        attempt = row["attempts"][0]
        assert row["state"] == "retrying" and attempt["status"] is None
        assert attempt["error"] == "no answer within 3 s" and attempt["latency_ms"] >= 3000
        assert row["next_due"] == attempt["world_at"] + 300
    finally:
        receiver.stop()


def test_fault_options_duplicate_and_out_of_order(start_server, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed", "--webhook", f"cloudflare={receiver.url}")
    admin = server.url + "/__recmock"
    body = {"provider": "cloudflare", "faults": ["duplicate", "out_of_order"]}
    created = httpx.post(admin + "/recordings", json=body, timeout=5)
    assert created.status_code == 201, created.text
    receiver.wait_for(2)  # INVOKED, twice
    httpx.post(admin + "/clock", json={"advance": "10m"}, timeout=5)
    receiver.wait_for(8)
    statuses = [json.loads(b)["recording"]["status"] for _, _, b in receiver.requests]
    assert statuses == ["INVOKED", "INVOKED", "UPLOADED", "UPLOADED", "UPLOADING", "UPLOADING",
                        "RECORDING", "RECORDING"]  # fmt: skip
    uuids = [h["rtk-uuid"] for _, h, _ in receiver.requests]
    assert uuids[0] == uuids[1] and uuids[2] == uuids[3] and len(set(uuids)) == 4
    bad = httpx.post(
        admin + "/recordings", json={"provider": "zoom", "faults": ["late"]}, timeout=5
    )
    assert bad.status_code == 400 and "faults: expected" in bad.json()["error"]


def test_a_running_clock_fires_on_its_own(start_server, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed", "--webhook", f"zoom={receiver.url}",
                          "--zoom-webhook-secret", SECRET)  # fmt: skip
    admin = server.url + "/__recmock"
    httpx.post(admin + "/recordings", json={"provider": "zoom", "duration": "2m"}, timeout=5)
    answer = httpx.post(admin + "/clock", json={"speed": 120}, timeout=5).json()
    assert answer["speed"] == 120 and answer["fired"] == 0
    receiver.wait_for(4, timeout=10)  # challenge + started, stopped, completed in ~1.3 s
    assert receiver.events() == ["endpoint.url_validation", ZOOM_EVENTS[0], ZOOM_EVENTS[3],
                                 ZOOM_EVENTS[4]]  # fmt: skip
    clock = httpx.get(admin + "/clock", timeout=5).json()
    assert clock["speed"] == 120 and clock["now"] >= 1764000000 + 152
    frozen = httpx.post(admin + "/clock", json={"speed": 0}, timeout=5).json()
    time.sleep(0.6)
    assert httpx.get(admin + "/clock", timeout=5).json()["now"] == frozen["now"]
    bad = httpx.post(admin + "/clock", json={"speed": -1}, timeout=5)
    assert bad.status_code == 400 and "speed: expected 0" in bad.json()["error"]


def test_clock_speed_flag_runs_from_start_up(start_server) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed", "--clock-speed", "3600")
    admin = server.url + "/__recmock"
    first = httpx.get(admin + "/clock", timeout=5).json()
    time.sleep(0.5)
    second = httpx.get(admin + "/clock", timeout=5).json()
    assert first["speed"] == 3600 and second["now"] - first["now"] >= 1200


def test_webhook_targets_per_session_through_the_admin_api(
    start_server, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--now", "fixed", "--zoom-webhook-secret", SECRET)
    admin = server.url + "/__recmock"
    mine, other = {"x-recmock-session": "qa-1"}, {"x-recmock-session": "qa-2"}
    registered = httpx.post(admin + "/webhooks", json={"provider": "zoom", "url": receiver.url},
                            headers=mine, timeout=5)  # fmt: skip
    assert registered.status_code == 201, registered.text
    receiver.wait_for(1)
    assert receiver.events() == ["endpoint.url_validation"]
    for headers in (mine, other):
        httpx.post(admin + "/recordings", json={"provider": "zoom"}, headers=headers, timeout=5)
        httpx.post(admin + "/clock", json={"advance": "10m"}, headers=headers, timeout=5)
    receiver.wait_for(4)
    time.sleep(0.5)
    assert receiver.events()[1:] == [ZOOM_EVENTS[0], ZOOM_EVENTS[3], ZOOM_EVENTS[4]]
    listed = httpx.get(admin + "/webhooks", headers=mine, timeout=5).json()
    assert listed["session"] == {"zoom": [receiver.url]} and listed["flags"] == {}
    for body in ({"provider": "signalwire", "url": receiver.url}, {"provider": "zoom", "url": "x"},
                 {"url": receiver.url}):  # fmt: skip
        bad = httpx.post(admin + "/webhooks", json=body, headers=mine, timeout=5)
        assert bad.status_code == 400 and bad.json()["error"].startswith("webhooks: ")
    cleared = httpx.request("DELETE", admin + "/webhooks", headers=mine, timeout=5)
    assert cleared.json() == {"session": {}}
