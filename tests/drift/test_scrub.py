"""What the recording proxy may write: seeded, consistent fakes and no secrets (Hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from recmock.record.capture import Captured, catalog_of, scenario_document
from recmock.record.scrub import Faker, is_secret_key, scrub_json, scrub_url

TEXT = st.text(min_size=1, max_size=20)
SECRET_FIELDS = ["password", "download_access_token", "page_token", "X-Amz-Signature", "api_key"]


@given(TEXT, st.integers(0, 2**32))
def test_the_same_input_is_the_same_fake_and_never_itself(value: str, seed: int) -> None:
    faker, again = Faker(seed), Faker(seed)
    assert faker.name(value) == again.name(value) != value
    assert faker.email(value) == again.email(value) != value
    assert faker.email(value).endswith("@example.test")


@given(st.lists(st.sampled_from(SECRET_FIELDS), min_size=1, unique=True), TEXT)
def test_secret_fields_never_survive_at_any_depth(keys: list[str], secret: str) -> None:
    body = {"data": [{"id": "r1", **dict.fromkeys(keys, secret)}], **dict.fromkeys(keys, secret)}
    out = scrub_json(body, Faker())
    assert all(not is_secret_key(k) for k in out) and all(
        not is_secret_key(k) for k in out["data"][0]
    )
    assert out["data"][0]["id"] == "r1"


@given(st.text(alphabet="abcdefXYZ0123456789-_", min_size=8, max_size=40))
def test_query_secrets_and_userinfo_leave_urls(token: str) -> None:
    url = f"https://user:{token}@cdn.test/v.mp4?X-Amz-Signature={token}&expires=9&access_token={token}"
    shown = scrub_url(url)
    assert token not in shown and "expires=9" in shown and "X-Amz-Signature=***" in shown
    assert scrub_json({"download_url": url}, Faker())["download_url"] == shown


def test_names_emails_and_write_only_fields_are_replaced_consistently() -> None:
    faker = Faker(7)
    body = [
        {
            "name": "Ada Lovelace",
            "email": "ada@corp.example",
            "note": "mail ada@corp.example",
            "key": "k",
        },
        {"name": "Ada Lovelace", "secret_storage": "s"},
    ]
    out = scrub_json(body, faker, frozenset({"key"}))
    assert out[0]["name"] == out[1]["name"] == faker.name("Ada Lovelace")
    assert out[0]["email"] == faker.email("ada@corp.example") and "ada@" not in out[0]["note"]
    assert "key" not in out[0] and "secret_storage" not in out[1]
    assert Faker(8).name("Ada Lovelace") != out[0]["name"]  # the seed changes every fake


def test_signalwire_pages_become_a_closed_world_with_the_same_ids() -> None:
    page = {
        "data": [
            {"id": "a", "room_session_id": "s1", "status": "completed", "created_at": "2026-01-01T00:00:00Z",
             "started_at": "2026-01-01T00:00:02Z", "finished_at": "2026-01-01T00:10:00Z",
             "updated_at": "2026-01-01T00:11:00Z", "size_in_bytes": 10},
            {"id": "b", "room_session_id": "s1", "status": None, "created_at": "2026-01-01T01:00:00Z",
             "started_at": "2026-01-01T01:00:02Z", "finished_at": "2026-01-01T01:01:00Z"},
        ]
    }  # fmt: skip
    catalog = catalog_of([Captured("signalwire", "listRoomSessionRecordings", {"id": "s1"}, page)])
    doc = scenario_document("x", catalog, now=0)
    (session,) = doc["world"]["rooms"]["room-s1"]
    assert [r["id"] for r in session["recordings"]] == ["a", "b"]
    assert [r["status"] for r in session["recordings"]] == ["UPLOADED", "ERRORED"]
    assert doc["world"]["closed"] is True and doc["now"] == "2026-01-01T01:01:00Z"


def test_zoom_files_become_one_recording_per_mp4_span_with_its_audio() -> None:
    span = {"recording_start": "2026-01-01T00:01:00Z", "recording_end": "2026-01-01T00:14:00Z"}
    body = {
        "session_id": "c3RhbmR1cA==", "session_name": "Rae Kerr 1", "start_time": "2026-01-01T00:00:00Z",
        "recording_files": [
            {**span, "file_type": "MP4", "file_size": 700}, {**span, "file_type": "M4A", "file_size": 60},
            {**span, "file_type": "TIMELINE", "file_size": 5},
            {"recording_start": "2026-01-01T00:20:00Z", "recording_end": "2026-01-01T00:30:00Z",
             "file_type": "MP4", "file_size": 900},
        ],
    }  # fmt: skip
    doc = scenario_document(
        "z", catalog_of([Captured("zoom", "listSessionRecordings", {}, body)]), 0
    )
    (session,) = doc["world"]["rooms"]["room-c3RhbmR1"]
    assert session["name"] == "Rae Kerr 1" and session["created"] == "2026-01-01T00:00:00Z"
    assert [(r["size"], r.get("audio_size")) for r in session["recordings"]] == [
        (700, 60),
        (900, None),
    ]
    assert all(
        "id" not in r for r in session["recordings"]
    )  # Zoom shows none: the loader derives them


def test_dropped_secrets_are_named_never_kept() -> None:
    dropped: set[str] = set()
    body = {"password": "pw-1", "data": [{"download_access_token": "t-2", "id": "r"}]}
    out = scrub_json(body, Faker(), dropped=dropped)
    assert dropped == {"password", "download_access_token"}
    assert "pw-1" not in str(out) and "t-2" not in str(out) and out["data"] == [{"id": "r"}]


@given(st.lists(st.lists(st.sampled_from(["M4A", "TIMELINE", "CHAT"]), max_size=3), min_size=1,
                max_size=4))  # fmt: skip
def test_zoom_files_keep_their_ids_and_list_order_over_the_recordings(
    extras: list[list[str]],
) -> None:
    """Chronological MP4s, each followed by other files: the recordings' pinned files, read in
    recording order, are the target's list again, and each M4A of an MP4's span is its audio."""
    files = []
    for part, kinds in enumerate(extras):
        span = {"recording_start": f"2026-01-01T0{part}:00:00Z",
                "recording_end": f"2026-01-01T0{part}:30:00Z"}  # fmt: skip
        for n, kind in enumerate(["MP4", *kinds]):
            files.append({**span, "id": f"f{part}-{n}", "file_type": kind, "file_size": 10 + n})
    body = {"session_id": "c3RhbmR1cA==", "recording_files": files}
    doc = scenario_document(
        "z", catalog_of([Captured("zoom", "listSessionRecordings", {}, body)]), 0
    )
    (session,) = doc["world"]["rooms"]["room-c3RhbmR1"]
    pinned = [f["id"] for r in session["recordings"] for f in r["provider_fields"]["zoom"]["files"]]
    assert pinned == [f["id"] for f in files]
    assert len(session["recordings"]) == len(extras)
    for recording, kinds in zip(session["recordings"], extras, strict=True):
        audio = [10 + n + 1 for n, kind in enumerate(kinds) if kind == "M4A"]
        assert recording.get("audio_size") == (audio[-1] if audio else None)


def test_plugnmeet_lists_become_records_under_their_rooms_with_the_targets_record_ids() -> None:
    sid = "3f1d2c4b-8a7e-4b21-9c55-0d6e7f8a9b10"
    row = {"room_id": "sales-weekly", "room_sid": sid, "file_path": "rec/a.mp4",
           "room_creation_time": "1793606400"}  # fmt: skip
    listed = [
        {**row, "record_id": f"{sid}-1", "file_size": 1.572864e07, "creation_time": "1793607420"},
        {**row, "record_id": f"{sid}-2", "file_size": 4096, "creation_time": "1793608800",
         "metadata": {"title": "Alex Berg 1a2b"}},
    ]  # fmt: skip
    body = {"status": True, "result": {"total_recordings": "2", "recordings_list": listed}}
    capture = Captured("plugnmeet", "fetchRecordings", {}, body)
    doc = scenario_document("p", catalog_of([capture]), 0)
    (session,) = doc["world"]["rooms"]["sales-weekly"]
    assert session["id"] == sid and session["created"] == "2026-11-02T08:00:00Z"
    recordings = session["recordings"]
    assert [r["size"] for r in recordings] == [15_728_640, 4096]
    assert [r["uploaded"] for r in recordings] == ["2026-11-02T08:17:00Z", "2026-11-02T08:40:00Z"]
    fields = [r["provider_fields"]["plugnmeet"] for r in recordings]
    assert [f["record_id"] for f in fields] == [f"{sid}-1", f"{sid}-2"]
    assert [f["metadata"] for f in fields] == [None, {"title": "Alex Berg 1a2b"}]
    assert all(
        f["int64"] == "string" and "id" not in r for f, r in zip(fields, recordings, strict=True)
    )
    assert all("room_sid" not in f for f in fields)  # a world id already: nothing to pin
    real = {
        **listed[0],
        "room_sid": "RM_kQhjXLtCtY9A",
        "record_id": "RM_kQhjXLtCtY9A-1699437612345",
    }
    again = scenario_document("p", catalog_of([Captured("plugnmeet", "fetchRecordings", {},
                                                        {"result": {"recordings_list": [real]}})]), 0)  # fmt: skip
    (pinned,) = [r["provider_fields"]["plugnmeet"] for s in again["world"]["rooms"]["sales-weekly"]
                 for r in s["recordings"]]  # fmt: skip
    assert pinned["room_sid"] == "RM_kQhjXLtCtY9A"  # plugNmeet's own sids are no UUIDs
