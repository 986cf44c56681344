"""As the world clock moves, every endpoint agrees with every other at every instant, and no
recording's status ever moves back: declared scenario timelines and the open world alike.

Oracles: the providers' own answers compared with each other (SignalWire's list, Cloudflare's
detail, plugNmeet's fetch and Zoom's list of the same recordings), and the order of states.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from recmock.auth import basic, bearer, plugnmeet_headers, zoom_jwt
from recmock.server.conformance import APP_ID
from recmock.server.run import ServeConfig, build_app

ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
CF = f"/client/v4/accounts/{ACCOUNT}/realtime/kit/{APP_ID}/recordings/"
SW = basic("demo-project", "demo-token")
SW_STATUS = {"INVOKED": "recording", "RECORDING": "recording", "PAUSED": "paused",
             "UPLOADING": "processing", "UPLOADED": "completed", "ERRORED": None}  # fmt: skip
RANK = {"INVOKED": 0, "RECORDING": 1, "PAUSED": 1, "UPLOADING": 2, "UPLOADED": 3, "ERRORED": 3}
LIVE_ROOM, LIVE_SESSION = "room-live", "3f2b8c1d-6e4a-4b7f-9c21-5d8e0a7b6c43"
OPEN_SESSIONS = ("6f1c2a9e-3b4d-4c5e-8f60-718293a4b5e1", "0b7e3c55-1d2a-4f60-9b8e-5a4c3d2e1f00")
NAMES = itertools.count()


@pytest.fixture(scope="module")
def mock() -> Iterator[TestClient]:
    app = build_app(ServeConfig())
    with TestClient(app, base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000)) as c:
        yield c


def statuses(mock: TestClient, headers: dict[str, str], session: str) -> dict[str, str]:
    """id -> status of a session's recordings, from SignalWire's list checked against
    Cloudflare's detail of each one."""
    reply = mock.get(f"/api/video/room_sessions/{session}/recordings?page_size=50",
                     headers={**SW, **headers})  # fmt: skip
    assert reply.status_code == 200, reply.text
    found = {}
    for row in reply.json()["data"]:
        detail = mock.get(CF + row["id"], headers={**bearer("demo-token"), **headers})
        assert detail.status_code == 200, detail.text
        data = detail.json()["data"]
        assert SW_STATUS[data["status"]] == row["status"], (data, row)
        stopped = data["status"] in ("UPLOADING", "UPLOADED", "ERRORED")
        assert bool(data.get("stopped_time")) == stopped, data
        assert bool(data.get("download_url")) == (data["status"] == "UPLOADED"), data
        found[row["id"]] = data["status"]
    return found


def uploaded_by_plugnmeet(mock: TestClient, headers: dict[str, str]) -> set[str]:
    raw = json.dumps({"room_ids": [LIVE_ROOM], "limit": 100}).encode()
    sent = {**plugnmeet_headers(raw, "demo-key", "demo-secret"), **headers}
    reply = mock.post("/auth/recording/fetch", content=raw, headers=sent)
    assert reply.status_code == 200, reply.text
    return {r["record_id"] for r in reply.json()["result"]["recordings_list"] or []}


def zoom_files(mock: TestClient, headers: dict[str, str], session: str) -> int:
    token = zoom_jwt("demo-key", "demo-secret")
    reply = mock.get(f"/v2/videosdk/sessions/{session}/recordings",
                     headers={**bearer(token), **headers})  # fmt: skip
    if reply.status_code == 404:  # Zoom knows a session by its completed recordings only
        return 0
    assert reply.status_code == 200, reply.text
    return len(reply.json().get("recording_files") or [])


STEPS = st.lists(st.integers(1, 400), min_size=1, max_size=8)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_a_declared_timeline_agrees_everywhere_and_never_moves_back(
    mock: TestClient, steps: list[int]
) -> None:
    headers = {"X-Recmock-Session": f"agree-{next(NAMES)}", "X-Recmock-Scenario": "live-meeting"}
    last: dict[str, int] = {}
    for step in [0, *steps]:
        moved = mock.post("/__recmock/clock", json={"advance": step}, headers=headers)
        assert moved.status_code == 200, moved.text
        now = statuses(mock, headers, LIVE_SESSION)
        for rec_id, status in now.items():
            assert RANK[status] >= last.get(rec_id, -1), (rec_id, status, moved.json())
            last[rec_id] = RANK[status]
        assert set(last) <= set(now)  # a recording once shown stays
        done = {i for i, s in now.items() if s == "UPLOADED"}
        assert uploaded_by_plugnmeet(mock, headers) == done
        assert (zoom_files(mock, headers, LIVE_SESSION) > 0) == bool(done)
    assert mock.post("/__recmock/clock", json={"advance": "1h"}, headers=headers).status_code == 200
    assert sorted(statuses(mock, headers, LIVE_SESSION).values()) == [
        "ERRORED", "UPLOADED", "UPLOADED",
    ]  # fmt: skip


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.integers(1, 3000), min_size=1, max_size=6))
def test_the_open_world_follows_the_clock_too(mock: TestClient, steps: list[int]) -> None:
    """In a world where every session is live (`in-progress`), recordings finish as the clock
    moves; what the anchor showed was the start of the same lives."""
    headers = {"X-Recmock-Session": f"open-{next(NAMES)}", "X-Recmock-Scenario": "in-progress"}
    last: dict[str, int] = {}
    seen_moving = False
    for step in [0, *steps, 86_400]:
        assert mock.post("/__recmock/clock", json={"advance": step}, headers=headers).is_success
        for session in OPEN_SESSIONS:
            for rec_id, status in statuses(mock, headers, session).items():
                seen_moving |= rec_id in last and RANK[status] > last[rec_id]
                assert RANK[status] >= last.get(rec_id, -1)
                last[rec_id] = RANK[status]
    assert seen_moving  # a day later, the live recordings of the anchor have finished
    # The derived session's lives all end a day on; the pinned one keeps what it pins for good.
    final = set(statuses(mock, headers, OPEN_SESSIONS[1]).values())
    assert final and final <= {"UPLOADED", "ERRORED"}, final


def test_a_session_clock_leaves_other_sessions_where_they_were(mock: TestClient) -> None:
    moved = {"X-Recmock-Session": "agree-moved", "X-Recmock-Scenario": "live-meeting"}
    still = {"X-Recmock-Session": "agree-still", "X-Recmock-Scenario": "live-meeting"}
    before = statuses(mock, still, LIVE_SESSION)
    assert mock.post("/__recmock/clock", json={"advance": "2h"}, headers=moved).is_success
    assert statuses(mock, still, LIVE_SESSION) == before
    assert statuses(mock, moved, LIVE_SESSION) != before
