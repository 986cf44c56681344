"""Recordings a scenario file declares fire webhooks too: the shipped `live-meeting` scenario,
three receivers (Zoom, plugNmeet, Cloudflare), a clock advance, signatures checked by
independent verifiers, and the list endpoint agreeing with the last event delivered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery import zoom_signed
from tests.webhooks.test_verifiers import cloudflare_verified, plugnmeet_verified

from recmock.auth import basic, plugnmeet_headers
from recmock.webhooks import Message

pytestmark = pytest.mark.slow
SECRET = "whsec-e2e"
ROOM, SESSION = "room-live", "3f2b8c1d-6e4a-4b7f-9c21-5d8e0a7b6c43"


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    found = {name: Receiver(SECRET) for name in ("zoom", "plugnmeet", "cloudflare")}
    yield found
    for receiver in found.values():
        receiver.stop()


def settle(receiver: Receiver, seconds: float = 3.0) -> None:
    """Wait until the receiver has heard nothing new for a moment (bounded)."""
    deadline, seen = time.monotonic() + seconds, -1
    while time.monotonic() < deadline and seen != len(receiver.requests):
        seen = len(receiver.requests)
        time.sleep(0.4)


def test_declared_recordings_fire_to_every_provider(start_server, receivers) -> None:  # type: ignore[no-untyped-def]
    hooks = [arg for name, r in receivers.items() for arg in ("--webhook", f"{name}={r.url}")]
    server = start_server("--scenario", "live-meeting", *hooks, "--zoom-webhook-secret", SECRET)
    admin = server.url + "/__recmock"
    assert httpx.post(admin + "/clock", json={"advance": "90s"}, timeout=5).json()["fired"] > 0
    moved = httpx.post(admin + "/clock", json={"advance": "10m"}, timeout=5).json()
    assert moved["fired"] > 0, moved
    for receiver in receivers.values():
        settle(receiver)

    zoom = [(h, b) for _, h, b in receivers["zoom"].requests]
    assert all(zoom_signed(h, b) for h, b in zoom)
    events = [json.loads(b)["event"] for _, b in zoom]
    # The paused one resumes at now+30s, stops, completes; the third starts and stops (errored).
    assert events.count("session.recording_resumed") == 1
    assert events.count("session.recording_started") == 1
    assert events.count("session.recording_completed") == 1

    plug = receivers["plugnmeet"].requests
    assert plug and all(
        plugnmeet_verified(Message("plugnmeet", "", b, h), "demo-key", "demo-secret")
        for _, h, b in plug
    )
    plug_events = [json.loads(b)["event"] for _, _, b in plug]
    assert plug_events.count("recording_proceeded") == 1
    proceeded = next(json.loads(b) for _, _, b in plug if b"recording_proceeded" in b)

    document = httpx.get(server.url + "/.well-known/webhooks.json", timeout=5).json()
    cloud = receivers["cloudflare"].requests
    assert cloud and all(cloudflare_verified(Message("cloudflare", "", b, h), document)
                         for _, h, b in cloud)  # fmt: skip
    last: dict[str, str] = {}
    for _, _, body in cloud:
        recording = json.loads(body)["recording"]
        last[recording["id"]] = recording["status"]
    assert sorted(last.values()) == ["ERRORED", "UPLOADED"]

    # The endpoints show what the last events said.
    raw = json.dumps({"room_ids": [ROOM]}).encode()
    fetched = httpx.post(server.url + "/auth/recording/fetch", content=raw, timeout=5,
                         headers=plugnmeet_headers(raw, "demo-key", "demo-secret"))  # fmt: skip
    assert fetched.status_code == 200, fetched.text
    listed = {r["record_id"] for r in fetched.json()["result"]["recordings_list"]}
    assert proceeded["recording_info"]["record_id"] in listed
    sw = httpx.get(f"{server.url}/api/video/room_sessions/{SESSION}/recordings", timeout=5,
                   headers=basic("demo-project", "demo-token"))  # fmt: skip
    shown = {r["id"]: r["status"] for r in sw.json()["data"]}
    for rec_id, status in last.items():
        assert shown[rec_id] == {"UPLOADED": "completed", "ERRORED": None}[status]


def test_a_scenario_timeline_in_the_past_of_its_own_now_is_refused_with_file_and_line(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from recmock.errors import ScenarioError
    from recmock.scenarios import load_scenario
    from recmock.specs import load_specs

    path = tmp_path / "late.yaml"
    path.write_text(
        "name: late\nnow: 2025-11-24T16:00:00Z\nworld:\n  sessions:\n    - recordings:\n"
        "        - {status: RECORDING, invoked: now-1m, stopped: now+2m, uploaded: now+1m}\n"
    )
    operations = [op for spec in load_specs() for op in spec.operations]
    with pytest.raises(ScenarioError, match=r"late\.yaml:6: .*recordings\[0\]\.uploaded: "):
        load_scenario(path, operations)


def test_clock_speed_alone_delivers_a_declared_timeline(start_server, receivers) -> None:  # type: ignore[no-untyped-def]
    """With --clock-speed and no request at all, the scenario's recordings still fire."""
    receiver = receivers["cloudflare"]
    start_server("--scenario", "live-meeting", "--clock-speed", "120",
                 "--webhook", f"cloudflare={receiver.url}")  # fmt: skip

    def statuses() -> list[str]:
        return [json.loads(body)["recording"]["status"] for _, _, body in receiver.requests]

    deadline = time.monotonic() + 20  # 120x: the paused recording uploads 3 world min on
    while time.monotonic() < deadline and "UPLOADED" not in statuses():
        time.sleep(0.25)
    assert "UPLOADED" in statuses(), receiver.requests


def test_a_recorded_plugnmeet_recording_fires_with_the_targets_own_ids() -> None:
    """A scenario `recmock record` wrote keeps plugNmeet's ids in provider_fields; its events
    name them too (and an id that is no UUID is no crash)."""
    from recmock.lifecycle import Timeline
    from recmock.recording import Recording
    from recmock.webhooks import plugnmeet, schema

    pinned = {"record_id": "RM_x7Yq2:1", "room_sid": "RM_x7Yq2", "file_path": "node_07/a.mp4"}
    rec = Recording(id="recorded-1", session_id="3f2b8c1d-6e4a-4b7f-9c21-5d8e0a7b6c43",
                    index=0, status="UPLOADED", invoked=100, started=104, stopped=200,
                    uploaded=230, size=5000, audio_size=80, stop_reason="API_CALL",
                    provider_fields={"plugnmeet": pinned})  # fmt: skip
    timeline = Timeline(rec)
    sent = [plugnmeet.payload(timeline, t, "room-a") for t in timeline.transitions()]
    bodies = [b for b in sent if b is not None]
    assert [b["event"] for b in bodies] == ["start_recording", "end_recording",
                                            "recording_proceeded"]  # fmt: skip
    for body in bodies:
        assert body["recording_info"]["record_id"] == "RM_x7Yq2:1"
        assert body["room"]["sid"] == "RM_x7Yq2"
        assert schema.problems("plugnmeet", body["event"], body) == []
    assert bodies[-1]["recording_info"]["file_path"] == "node_07/a.mp4"
    assert len({b["id"] for b in bodies}) == 3
