"""`provider_fields` (what `recmock record` pins) never contradict a recording's state.

For a recording in every lifecycle state and any overlay the scenario format accepts, each
provider view shows the same status, times (to the second), sizes and links with the overlay as
without it; a field the state has no value for yet stays absent or `null` (so no download URL
before UPLOADED); the reply still obeys the spec's x-recmock rules. The oracle is the view's
own rendering without an overlay, and the rules in the spec. A malformed overlay is refused
when the scenario loads, naming the field.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recmock.errors import ScenarioError
from recmock.providers import Credentials, View, cloudflare, plugnmeet, signalwire, zoom
from recmock.providers.fields import CLOUDFLARE_TIMES
from recmock.rules import violations
from recmock.scenarios import load_scenario
from recmock.specs import load_specs
from recmock.world import STATUSES, Caller, Catalog, Recording, Session, World

NOW = 1_800_000_000
SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
HOST = Caller("Host", "0d9e8f7a-6b5c-4d3e-a2f1-0e9d8c7b6a59", "USER")
OPERATIONS = {op.operation_id: op for spec in load_specs() for op in spec.operations}
WORDS = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
IDS = st.text("abcdef0123456789-", min_size=1, max_size=40)
FRACTION = re.compile(r"\.[0-9]+Z$")


def recording(status: str, fields: dict[str, Any]) -> tuple[View, Recording]:
    """A recording in `status` (times consistent with it), alone in a closed world."""
    rec = Recording(id="c0ffee00-1a2b-4c3d-8e4f-5a6b7c8d9e0f", session_id=SESSION, index=0,
                    status=status, invoked=NOW - 5000, started_by=HOST)  # fmt: skip
    if status != "INVOKED":
        rec = replace(rec, started=NOW - 4990)
    if status in ("UPLOADING", "UPLOADED", "ERRORED"):
        reason = "INTERNAL_ERROR" if status == "ERRORED" else "API_CALL"
        rec = replace(rec, stopped=NOW - 1000, stop_reason=reason)
    if status == "UPLOADED":
        rec = replace(rec, uploaded=NOW - 900, size=5_000_000, audio_size=400_000)
    rec = replace(rec, provider_fields=fields)
    session = Session(SESSION, NOW - 6000, "S", (rec,), HOST)
    world = World(now=NOW, catalog=Catalog({"room": (SESSION,)}, {SESSION: session}, True))
    return View(world, Credentials(), "http://127.0.0.1:8000", time.time()), rec


def _optional(**options: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=options)


CALLER = _optional(type=st.sampled_from(["USER", "ORGANIZATION"]), user_Id=IDS)
OVERLAYS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "cloudflare": _optional(
        output_file_name=WORDS, storage_config=st.none() | st.just({"type": "gcs"}),
        session_id=st.none() | IDS, omit=st.just(["session_id"]), start_caller=CALLER,
        stop_caller=CALLER, audio=st.booleans(),
        fractions=st.dictionaries(st.sampled_from(CLOUDFLARE_TIMES),
                                  st.from_regex(r"\A\.[0-9]{1,9}\Z")),
        nulls=st.lists(st.sampled_from(["download_url", "audio_download_url", "file_size",
                                        "started_time", "stopped_time", "stop_reason",
                                        "download_url_expiry", "recording_duration"])),
    ),
    "zoom": _optional(
        files=st.lists(_optional(id=IDS, recording_type=WORDS, file_size=st.integers(0, 10**9))
                       .flatmap(lambda f: st.sampled_from(["MP4", "M4A", "TIMELINE", "CHAT"])
                                .map(lambda t: {**f, "file_type": t})), max_size=5),
        participants=st.lists(IDS, max_size=4),
    ),
    "plugnmeet": _optional(
        record_id=IDS, file_path=WORDS, metadata=st.none() | st.just({"title": "t"}),
        int64=st.just("string"),
    ),
    "signalwire": _optional(
        format=st.just("video/webm"),
        costs=st.dictionaries(st.sampled_from(STATUSES), st.floats(0, 100)),
    ),
}  # fmt: skip


@given(st.sampled_from(STATUSES), OVERLAYS["cloudflare"])
def test_cloudflare_overlays_keep_the_states_status_times_sizes_and_links(
    status: str, fields: dict[str, Any]
) -> None:
    view, rec = recording(status, {"cloudflare": fields})
    plain = cloudflare.render(*recording(status, {}))
    pinned = cloudflare.render(view, rec)
    assert pinned["status"] == plain["status"] and pinned["id"] == plain["id"]
    assert status == "INVOKED" or isinstance(pinned["session_id"], str)  # started: in a session
    for name in ("download_url", "download_url_expiry", "file_size", "stop_reason"):
        assert pinned.get(name) == plain.get(name) or (
            name == "stop_reason" and (pinned[name]["reason"] == plain[name]["reason"])
        )
    assert isinstance(pinned.get("download_url"), str) == (status == "UPLOADED")
    assert pinned.get("audio_download_url") in (plain.get("audio_download_url"), None)
    for name in CLOUDFLARE_TIMES:
        shown = pinned.get(name)
        assert (FRACTION.sub("Z", shown) if shown else None) == plain.get(name)
    if "recording_duration" in plain:
        assert abs(pinned["recording_duration"] - plain["recording_duration"]) <= 1
    else:
        assert pinned.get("recording_duration") is None
    assert violations(OPERATIONS["getRecording"].rules, {"success": True, "data": pinned}) == []


@given(OVERLAYS["zoom"])
def test_zoom_files_keep_the_recordings_sizes_spans_and_own_links(fields: dict[str, Any]) -> None:
    view, rec = recording("UPLOADED", {"zoom": fields})  # Zoom lists uploaded recordings only
    files = zoom.recording_files(view, SESSION, rec)
    pinned = fields.get("files")
    assert [f["id"] for f in files][: len(pinned or [])] == [
        f.get("id", files[i]["id"]) for i, f in enumerate(pinned or [])
    ]
    for f in files:
        assert f["download_url"].startswith(view.origin + "/media/zoom/")
        if f["file_type"] in ("MP4", "M4A"):
            assert f["file_size"] == (rec.size if f["file_type"] == "MP4" else rec.audio_size)
            assert (f["recording_start"], f["recording_end"]) == (
                zoom.rfc3339(rec.started or 0),
                zoom.rfc3339(rec.stopped or 0),
            )
    participants = zoom.participant_files(view, rec)
    if "participants" in fields:
        assert [p["id"] for p in participants] == fields["participants"]
    assert sum(p["file_size"] for p in participants) <= (rec.audio_size or 0)


@given(OVERLAYS["plugnmeet"])
def test_plugnmeet_overlays_keep_the_recordings_times_and_size(fields: dict[str, Any]) -> None:
    view, rec = recording("UPLOADED", {"plugnmeet": fields})  # plugNmeet lists uploaded only
    row = plugnmeet.record(view, "room", SESSION, 0)
    assert int(row["creation_time"]) == rec.uploaded and row["file_size"] == rec.size
    assert int(row["room_creation_time"]) == NOW - 6000
    assert row["record_id"] == fields.get("record_id", rec.id)
    assert ("metadata" in row) == (fields.get("metadata", {}) is not None)


def test_a_pinned_plugnmeet_room_sid_is_shown_and_filters_as_the_target_did() -> None:
    view, _ = recording("UPLOADED", {"plugnmeet": {"room_sid": "RM_kQhjXLtCtY9A"}})
    (row,) = plugnmeet.matching(view, ["room"], "RM_kQhjXLtCtY9A")
    assert plugnmeet.record(view, *row[0:1], *row[3:])["room_sid"] == "RM_kQhjXLtCtY9A"
    assert plugnmeet.matching(view, ["room"], SESSION) == [row]  # the world's id still works
    assert plugnmeet.matching(view, ["room"], "RM_other") == []


@given(st.sampled_from(STATUSES), OVERLAYS["signalwire"])
def test_signalwire_overlays_change_only_format_once_uploaded_and_the_cost_of_their_state(
    status: str, fields: dict[str, Any]
) -> None:
    view, rec = recording(status, {"signalwire": fields})
    plain = signalwire.render(*recording(status, {})[:1], SESSION, recording(status, {})[1], 900)
    pinned = signalwire.render(view, SESSION, rec, 900)
    changed = {k for k in plain if plain[k] != pinned[k]}
    assert changed <= {"format", "cost_in_dollars"}
    assert "format" not in changed or status == "UPLOADED"
    assert "cost_in_dollars" not in changed or status in fields.get("costs", {})
    op = OPERATIONS["listRoomSessionRecordings"]
    assert violations(op.rules, {"links": {}, "data": [pinned]}) == []


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ("cloudflare: {nulls: 5}", "provider_fields.cloudflare.nulls"),
        ("zoom: {fles: []}", "provider_fields.zoom"),
        ("zoom: {files: [{id: x}]}", "file_type"),
        ("plugnmeet: {int64: number}", "provider_fields.plugnmeet.int64"),
        ("signalwire: {costs: {DONE: 1}}", "provider_fields.signalwire.costs"),
        ("teams: {}", "provider_fields"),
    ],
)
def test_a_malformed_overlay_is_refused_naming_the_field(
    tmp_path: Path, fields: str, named: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nworld:\n  sessions:\n    - recordings:\n"
        f"        - status: UPLOADED\n          provider_fields: {{{fields}}}\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, list(OPERATIONS.values()))
    message = str(caught.value)
    assert "bad.yaml:6" in message and named in message and "Traceback" not in message, message
