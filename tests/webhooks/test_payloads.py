"""Every webhook body the mock builds matches the provider's spec (`webhooks:`), and the
timeline they come from only moves forward."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from tests.webhooks.timelines import VIEW, errored, timelines, uploaded

from recmock.lifecycle import Timeline
from recmock.webhooks import cloudflare, compact, plugnmeet, schema, zoom

ORDER = ["INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED"]
KEY = cloudflare.generate_key()


def bodies(timeline: Timeline) -> list[tuple[str, dict]]:
    """(provider, body) of every event the three providers send for `timeline`."""
    out = []
    for t in timeline.transitions():
        for provider, body in (
            ("zoom", zoom.payload(VIEW, timeline, t)),
            ("plugnmeet", plugnmeet.payload(timeline, t, "room-1")),
            ("cloudflare", cloudflare.payload(VIEW, timeline, t)
             if cloudflare.fires(timeline, t) else None),
        ):  # fmt: skip
            if body is not None:
                out.append((provider, body))
    return out


def test_every_declared_event_is_sent_and_valid() -> None:
    sent: dict[str, set[str]] = {"zoom": set(), "plugnmeet": set(), "cloudflare": set()}
    for timeline in (uploaded(pauses=1), errored()):
        for provider, body in bodies(timeline):
            assert schema.problems(provider, body["event"], body) == []
            sent[provider].add(body["event"])
    sent["zoom"].add("endpoint.url_validation")  # sent on registration, checked below
    for provider, events in sent.items():
        assert events == schema.declared(provider), provider


def test_url_validation_body_is_declared() -> None:
    body = zoom.url_validation("qgg8vlvZRS6UYooatFL8Aw", 1_700_000_000_000)
    assert schema.problems("zoom", "endpoint.url_validation", body) == []


def test_a_broken_body_is_reported() -> None:
    body = plugnmeet.payload(uploaded(), uploaded().transitions()[1], "room-1")
    assert body is not None
    del body["room"]
    assert any("room" in p for p in schema.problems("plugnmeet", "start_recording", body))
    assert schema.problems("zoom", "session.unknown", {}) != []


@given(timelines())
def test_status_never_moves_back_and_bodies_stay_valid(timeline: Timeline) -> None:
    seen = []
    for t in timeline.transitions():
        state = timeline.state_at(t.at)
        assert state is not None
        seen.append(state.status)
    ranks = [ORDER.index(s) for s in seen if s not in ("PAUSED", "RECORDING")]
    assert ranks == sorted(ranks)
    assert seen[-1] == timeline.final.status
    for provider, body in bodies(timeline):
        assert schema.problems(provider, body["event"], body) == []


def test_zoom_sequence_and_completed_files() -> None:
    timeline = uploaded(pauses=1)
    events = [b["event"] for p, b in bodies(timeline) if p == "zoom"]
    assert events == ["session.recording_started", "session.recording_paused",
                      "session.recording_resumed", "session.recording_stopped",
                      "session.recording_completed"]  # fmt: skip
    last = [b for p, b in bodies(timeline) if p == "zoom"][-1]
    files = last["payload"]["object"]["recording_files"]
    assert {f["file_type"] for f in files} >= {"MP4", "M4A"}
    assert all(f["file_size"] > 0 and f["status"] == "completed" for f in files)
    assert last["download_token"].count(".") == 2


def test_cloudflare_reports_each_status_once() -> None:
    statuses = [
        b["recording"]["status"] for p, b in bodies(uploaded(pauses=2)) if p == "cloudflare"
    ]
    assert statuses == ["INVOKED", "RECORDING", "PAUSED", "RECORDING", "PAUSED", "RECORDING",
                        "UPLOADING", "UPLOADED"]  # fmt: skip
    last = [b for p, b in bodies(uploaded()) if p == "cloudflare"][-1]["recording"]
    assert {"downloadUrl", "audioDownloadUrl", "downloadUrlExpiry", "fileSize"} <= set(last)
    failed = [b["recording"] for p, b in bodies(errored()) if p == "cloudflare"]
    assert [r["status"] for r in failed][-2:] == ["RECORDING", "ERRORED"]
    assert "downloadUrl" not in failed[-1]


def test_plugnmeet_events_and_proto_json() -> None:
    events = [b for p, b in bodies(uploaded(pauses=1)) if p == "plugnmeet"]
    assert [b["event"] for b in events] == ["start_recording", "end_recording",
                                            "recording_proceeded"]  # fmt: skip
    assert all(isinstance(b["created_at"], str) for b in events)  # int64 in protojson
    assert events[-1]["recording_info"]["file_size"] > 0
    assert [b["event"] for p, b in bodies(errored()) if p == "plugnmeet"] == [
        "start_recording",
        "end_recording",
    ]


@pytest.mark.parametrize("value", [{"a": "é", "b": [1, 2.5]}, {"x": "\u2028", "y": None}])
def test_compact_is_json_stringify(value: dict) -> None:
    raw = compact(value)
    assert b" " not in raw.replace("\u2028".encode(), b"")
    assert json.loads(raw) == value
