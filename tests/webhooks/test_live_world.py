"""The live world: a recording QA starts is, at every instant, what its timeline says, in every
provider's view, and the clock moving forward never moves its status back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from recmock.providers.base import Credentials, View
from recmock.providers.cloudflare import render
from recmock.webhooks.live import Started, crossed, parse, world_at
from recmock.world import World, session_id_from_any, zoom_session_id

BASE = World(seed=3, now=1_764_000_000)
RANK = {"INVOKED": 0, "RECORDING": 1, "PAUSED": 1, "UPLOADING": 2, "UPLOADED": 3, "ERRORED": 3}


@st.composite
def started(draw: st.DrawFn) -> Started:
    duration = draw(st.integers(1, 7200))
    at = draw(st.integers(0, duration))
    body = {
        "provider": draw(st.sampled_from(["zoom", "plugnmeet", "cloudflare", "signalwire"])),
        "duration": duration,
        "start_delay": draw(st.integers(0, 60)),
        "upload": draw(st.integers(0, 600)),
        "outcome": draw(st.sampled_from(["uploaded", "errored"])),
        "pauses": [{"at": at, "for": draw(st.integers(0, duration - at))}],
    }
    return parse(body, BASE.now, draw(st.integers(0, 50)), "property")


@given(started(), st.lists(st.integers(0, 10_000), min_size=1, max_size=12))
def test_every_view_agrees_and_never_moves_back(item: Started, steps: list[int]) -> None:
    timeline = item.timeline()
    now, last = BASE.now, -1
    for step in sorted(steps):
        now = BASE.now + step
        world = world_at(BASE, now, [item])
        expected = timeline.state_at(now)
        assert expected is not None
        rec = world.recording(item.recording_id)
        assert rec is not None and rec.status == expected.status
        assert RANK[rec.status] >= last
        last = RANK[rec.status]
        session = world.session(session_id_from_any(zoom_session_id(item.session_id)))
        assert session is not None and session.recordings == (expected,)
        uploads = [entry[1] for entry in world.room_uploads(item.room_id)]
        assert uploads == ([item.recording_id] if expected.status == "UPLOADED" else [])
        data = render(View(world, Credentials(), "http://127.0.0.1:9", 0.0), rec)
        assert data["status"] == expected.status
        assert ("stopped_time" in data) == (expected.stopped is not None)
        assert ("download_url" in data) == (expected.status == "UPLOADED")


@given(started(), st.integers(0, 20_000), st.integers(0, 20_000))
def test_two_moves_fire_what_one_move_fires(item: Started, a: int, b: int) -> None:
    start, middle, end = BASE.now, BASE.now + min(a, b), BASE.now + max(a, b)
    once = crossed([item], start, end)
    twice = crossed([item], start, middle) + crossed([item], middle, end)
    assert once == twice


def test_stored_form_round_trips() -> None:
    item = parse({"provider": "zoom", "pauses": [{"at": "10s", "for": "5s"}],
                  "faults": ["duplicate"]}, BASE.now, 0, "s")  # fmt: skip
    assert Started.from_json(item.to_json()) == item
