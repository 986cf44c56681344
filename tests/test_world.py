"""The seeded world: deterministic, ids that encode where they live, status that follows time."""

from __future__ import annotations

import base64
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

import strategies as s
from recmock.errors import ConfigError
from recmock.world import (
    DEFAULT_NOW,
    STOPPED,
    Catalog,
    Recording,
    Session,
    World,
    WorldShape,
    canonical_session_id,
    recording_id,
    session_id_from_any,
    split_recording_id,
    zoom_session_id,
)


def is_canonical(value: str) -> bool:
    """A world session key: a lower-case UUID string with the v4 version and variant bits."""
    parsed = uuid.UUID(value)
    return str(parsed) == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122


# ---- determinism ------------------------------------------------------------------------


@given(seed=s.seeds, session_id=s.uuids, room=s.room_ids)
def test_same_seed_same_world(seed: int, session_id: str, room: str) -> None:
    """Two worlds built from one seed agree on every room and session, sharing no state."""
    key = canonical_session_id(session_id)
    first, second = World(seed), World(seed)
    assert first.session(key) == second.session(key)
    assert first.room_sessions(room) == second.room_sessions(room)


@given(seeds=st.lists(s.seeds, min_size=2, max_size=2, unique=True), session_id=s.uuids)
def test_different_seed_different_session(seeds: list[int], session_id: str) -> None:
    """A different seed is a different world: the same id gets other times and recordings."""
    key = canonical_session_id(session_id)
    first, second = (World(seed).session(key) for seed in seeds)
    assert first != second


# ---- ids --------------------------------------------------------------------------------


@given(session_id=s.uuids, index=s.indexes)
def test_recording_id_round_trip(session_id: str, index: int) -> None:
    """A recording id encodes its session and index, so a detail lookup needs no shared state."""
    rec_id = recording_id(session_id, index)
    assert uuid.UUID(rec_id)  # a well-formed UUID, as the specs' `format: uuid` demands
    assert split_recording_id(rec_id) == (canonical_session_id(session_id), index)


@given(session_id=s.uuids, indexes=st.lists(s.indexes, min_size=2, max_size=2, unique=True))
def test_recording_ids_of_a_session_differ(session_id: str, indexes: list[int]) -> None:
    assert recording_id(session_id, indexes[0]) != recording_id(session_id, indexes[1])


@given(session_id=s.uuids)
def test_session_id_from_uuid_is_canonical_and_idempotent(session_id: str) -> None:
    key = session_id_from_any(session_id)
    assert is_canonical(key)
    assert session_id_from_any(key) == key == canonical_session_id(session_id)
    assert session_id_from_any(session_id.upper()) == key


@given(raw=st.uuids())
def test_zoom_base64_id_names_the_same_session(raw: uuid.UUID) -> None:
    """Zoom's base64 session id and the UUID it encodes are one session of the world."""
    zoom = base64.b64encode(raw.bytes).decode()
    key = session_id_from_any(str(raw))
    assert session_id_from_any(zoom) == key
    assert session_id_from_any(zoom_session_id(key)) == key


@given(value=s.any_ids)
def test_any_string_names_a_stable_session(value: str) -> None:
    """Whatever a client sends, it maps to one well-formed session key, the same every time."""
    key = session_id_from_any(value)
    assert is_canonical(key)
    assert session_id_from_any(value) == key


def test_distinct_strings_name_distinct_sessions() -> None:
    keys = {session_id_from_any(f"meeting-{n}") for n in range(2000)}
    assert len(keys) == 2000


# ---- status follows time ----------------------------------------------------------------


def check_session(session: Session, now: int) -> None:
    """Every lifecycle and time invariant of one session, against the world's clock."""
    for position, rec in enumerate(session.recordings):
        check_recording(rec, now)
        assert rec.index == position
        assert rec.id == recording_id(session.id, position)
        assert rec.session_id == session.id
        assert session.created <= rec.invoked, "room (session) created after its recording"
    for earlier, later in zip(session.recordings, session.recordings[1:], strict=False):
        # Recordings of a session never overlap: a later one exists only once the earlier
        # one stopped.
        assert earlier.status in STOPPED
        assert earlier.stopped is not None and earlier.stopped <= later.invoked


def check_recording(rec: Recording, now: int) -> None:
    """Status follows from time; a field exists only once the status allows it."""
    times = [rec.invoked, rec.started, rec.stopped, rec.uploaded]
    known = [t for t in times if t is not None]
    assert known == sorted(known), f"{rec.status}: times out of order {times}"
    assert known[-1] <= now, f"{rec.status}: a time after now"
    # Each later time only exists if the earlier ones do.
    assert times[: len(known)] == known
    assert (rec.stop_reason is not None) == (rec.stopped is not None)
    assert (rec.size is not None) == (rec.status == "UPLOADED")
    assert (rec.uploaded is not None) == (rec.status == "UPLOADED")
    if rec.status == "INVOKED":
        assert rec.started is None
    elif rec.status in ("RECORDING", "PAUSED"):
        assert rec.started is not None and rec.stopped is None
    else:
        assert rec.status in STOPPED and rec.stopped is not None
        assert rec.duration == rec.stopped - (rec.started or 0) and rec.duration > 0
    if rec.status == "UPLOADED":
        assert rec.size is not None and rec.size > 0
        assert rec.audio_size is not None and rec.audio_size > 0
    if rec.status == "ERRORED":
        assert rec.stop_reason == "INTERNAL_ERROR"
    elif rec.stop_reason is not None:
        assert rec.stop_reason != "INTERNAL_ERROR"
    if rec.start_reason == "RECORD_ON_START":
        assert rec.started_by is None


@given(seed=s.seeds, now=s.nows, shape=s.shapes(), session_id=s.uuids)
def test_every_recording_follows_the_lifecycle(
    seed: int, now: int, shape: WorldShape, session_id: str
) -> None:
    world = World(seed, now, shape)
    session = world.session(canonical_session_id(session_id))
    assert session is not None
    assert len(session.recordings) <= shape.recordings_per_session[1]
    check_session(session, now)


@given(seed=s.seeds, now=s.nows, shape=s.shapes(), room=s.room_ids)
def test_every_room_session_follows_the_lifecycle(
    seed: int, now: int, shape: WorldShape, room: str
) -> None:
    world = World(seed, now, shape)
    keys = world.room_sessions(room)
    assert keys is not None
    low, high = shape.sessions_per_room
    assert low <= len(keys) <= high
    for key in keys:
        session = world.session(key)
        assert session is not None
        check_session(session, now)


@given(seed=s.few_seeds, session_id=s.uuids)
def test_default_world_sessions_are_never_empty(seed: int, session_id: str) -> None:
    """Open world, default shape: every session has at least one recording."""
    session = World(seed).session(canonical_session_id(session_id))
    assert session is not None and session.recordings


def test_default_world_sessions_are_never_empty_sweep() -> None:
    """The same, swept over thousands of ids: a rare empty (live) session is a real bug."""
    world = World(0)
    empty = [
        key
        for n in range(4000)
        if not (world.session(key := session_id_from_any(f"sweep-{n}")) or EMPTY).recordings
    ]
    assert empty == []


EMPTY = Session(id="", created=0, name="", recordings=(), host=None)  # type: ignore[arg-type]


@given(seed=s.seeds, now=s.nows, shape=s.shapes(), rec_id=s.uuids)
def test_any_recording_id_exists_in_the_open_world(
    seed: int, now: int, shape: WorldShape, rec_id: str
) -> None:
    """A detail lookup of any id answers a recording with exactly that id, lifecycle intact."""
    rec = World(seed, now, shape).recording(rec_id)
    assert rec is not None and rec.id == rec_id
    check_recording(rec, now)


@given(seed=s.few_seeds, session_id=s.uuids)
def test_recording_lookup_agrees_with_its_session(seed: int, session_id: str) -> None:
    """Every recording of a session is found again by its id alone: detail and list agree."""
    world = World(seed)
    session = world.session(canonical_session_id(session_id))
    assert session is not None
    for rec in session.recordings:
        assert World(seed).recording(rec.id) == rec


# ---- closed worlds and shapes -----------------------------------------------------------


def catalog_world() -> tuple[World, Session]:
    open_world = World(5)
    key = canonical_session_id("5ee8b016-0818-4425-9a59-cac9fc5e1f92")
    session = open_world.session(key)
    assert session is not None and session.recordings
    catalog = Catalog(rooms={"room01": (key,)}, sessions={key: session}, closed=True)
    return World(5, catalog=catalog), session


@given(room=s.room_ids, session_id=s.uuids, rec_id=s.uuids)
def test_closed_world_knows_only_its_catalog(room: str, session_id: str, rec_id: str) -> None:
    world, session = catalog_world()
    if room != "room01":
        assert world.room_sessions(room) is None
    if canonical_session_id(session_id) != session.id:
        assert world.session(canonical_session_id(session_id)) is None
    if rec_id not in {r.id for r in session.recordings}:
        assert world.recording(rec_id) is None


def test_closed_world_finds_what_it_pins() -> None:
    world, session = catalog_world()
    assert world.room_sessions("room01") == (session.id,)
    assert world.session(session.id) == session
    for rec in session.recordings:
        assert world.recording(rec.id) == rec
    assert world.recording("not a uuid") is None


def test_empty_shape_still_answers_detail_lookups() -> None:
    """A world whose sessions have no recordings still derives a recording for a detail id."""
    world = World(0, shape=WorldShape(recordings_per_session=(0, 0)))
    rec_id = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
    rec = world.recording(rec_id)
    assert rec is not None and rec.id == rec_id


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sessions_per_room": (3, 2)}, "sessions_per_room"),
        ({"recordings_per_session": (-1, 2)}, "recordings_per_session"),
        ({"recordings_per_session": (1, 65)}, "recordings_per_session"),
        ({"live_fraction": 1.5}, "live_fraction"),
        ({"error_fraction": -0.1}, "error_fraction"),
    ],
)
def test_impossible_shapes_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        WorldShape(**kwargs)  # type: ignore[arg-type]


def test_default_now_is_fixed() -> None:
    """Without --now the clock is fixed, so a seed means the same bytes on every machine."""
    assert World().now == DEFAULT_NOW
