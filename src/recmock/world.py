"""The seeded world: rooms -> sessions -> recordings, derived lazily from (seed, id).

Nothing is generated at start-up. A session's recordings are a pure function of the seed and
the session id, so every provider's view of a session agrees, and any well-formed id "exists"
in the open world. A recording id encodes its session and index (see `recording_id`), so a
detail lookup of an id seen in a list returns the same recording without any shared state.

Status follows from time: the world has a fixed `now`; a recording whose stop lies after `now`
is still RECORDING/PAUSED, one stopped but not yet uploaded is UPLOADING, and so on. That one
rule gives every lifecycle invariant (stopped only once stopped, sizes only once uploaded).
"""

from __future__ import annotations

import base64
import binascii
import copy
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from recmock.clock import MAX_LIFETIME, MAX_LIFETIME_DAYS
from recmock.errors import ConfigError
from recmock.generate import Pools, derive_int, pools_for, rng_for, uuid4_from
from recmock.lifecycle import state_at
from recmock.recording import STATUSES as STATUSES  # re-exported: the world's vocabulary
from recmock.recording import STOPPED as STOPPED
from recmock.recording import Caller, Recording

MAX_RECORDINGS_PER_SESSION = 64  # six bits of a recording id hold the index (see recording_id)
DEFAULT_NOW = 1_764_000_000  # 2025-11-24T16:00:00Z: fixed so that a seed means the same bytes
_MASK = 0x5A17_C3E9_0B6D_42F8_9E31_7A05_C4D2_B86F
_VERSION_BITS = 0xF << 76
_VARIANT_BITS = 0x3 << 62


@dataclass(frozen=True)
class WorldShape:
    """How big and how busy an open world is; scenarios choose these."""

    sessions_per_room: tuple[int, int] = (2, 12)
    recordings_per_session: tuple[int, int] = (1, 6)
    live_fraction: float = 0.08
    error_fraction: float = 0.05
    history_days: int = 180
    link_lifetime: int = 7 * 86400  # seconds a download link outlives `now`; < 0 = expired links

    def __post_init__(self) -> None:
        for name in ("sessions_per_room", "recordings_per_session"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ConfigError(f"{name}: expected 0 <= low <= high, got [{low}, {high}]")
        if self.recordings_per_session[1] > MAX_RECORDINGS_PER_SESSION:
            raise ConfigError(
                f"recordings_per_session: at most {MAX_RECORDINGS_PER_SESSION} per session, "
                f"got {self.recordings_per_session[1]}; spread recordings over more sessions"
            )
        if not 1 <= self.history_days <= MAX_LIFETIME_DAYS:
            raise ConfigError(f"history_days: expected 1..{MAX_LIFETIME_DAYS} days (a century), "
                              f"got {self.history_days}")  # fmt: skip
        if abs(self.link_lifetime) > MAX_LIFETIME:
            raise ConfigError(f"link_lifetime: expected -{MAX_LIFETIME}..{MAX_LIFETIME} seconds "
                              f"(a century), got {self.link_lifetime}")  # fmt: skip
        for name in ("live_fraction", "error_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(
                    f"{name}: expected a fraction in [0, 1], got {getattr(self, name)}"
                )


@dataclass(frozen=True, slots=True)
class Session:
    """A room session (a meeting instance) and its recordings in time order."""

    id: str
    created: int
    name: str
    recordings: tuple[Recording, ...]
    host: Caller


@dataclass(frozen=True)
class Catalog:
    """Explicit rooms and sessions a scenario pins; `closed` makes unknown ids not exist."""

    rooms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sessions: Mapping[str, Session] = field(default_factory=dict)
    closed: bool = False


def canonical_session_id(value: str) -> str:
    """The world's key for a session: any UUID with the v4 version and variant bits set."""
    number = uuid.UUID(value).int
    number = (number & ~_VERSION_BITS) | (4 << 76)
    number = (number & ~_VARIANT_BITS) | (2 << 62)
    return str(uuid.UUID(int=number))


def recording_id(session_id: str, index: int) -> str:
    """A recording's UUID: its session's UUID masked, with `index` in the six fixed bits."""
    return _recording_id(uuid.UUID(canonical_session_id(session_id)).int ^ _MASK, index)


def _recording_id(masked: int, index: int) -> str:
    # Formatted by hand: deriving a large world builds ids by the hundred thousand, and
    # uuid.UUID(int=...) costs several times this.
    number = (masked & ~_VERSION_BITS) | ((index >> 2) << 76)
    number = (number & ~_VARIANT_BITS) | ((index & 0x3) << 62)
    h = f"{number:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def split_recording_id(value: str) -> tuple[str, int]:
    """Inverse of `recording_id`: (canonical session id, index)."""
    number = uuid.UUID(value).int
    index = ((number >> 76) & 0xF) << 2 | ((number >> 62) & 0x3)
    return canonical_session_id(str(uuid.UUID(int=number ^ _MASK))), index


def session_id_from_any(value: str) -> str:
    """Map a provider's session id onto a world UUID.

    UUIDs map to themselves; Zoom's base64 ids (16 bytes, e.g. KkMHZ4y8QhSUWAHi5sWvfg==) decode
    to the same UUID bytes; anything else is hashed into a stable UUID.
    """
    try:
        return canonical_session_id(value)
    except ValueError:
        pass
    try:
        raw = base64.b64decode(value, validate=True)
        if len(raw) == 16:
            return canonical_session_id(str(uuid.UUID(bytes=raw)))
    except (binascii.Error, ValueError):
        pass
    return canonical_session_id(str(uuid.uuid5(uuid.NAMESPACE_URL, f"recmock:{value}")))


def zoom_session_id(session_id: str) -> str:
    """The base64 form Zoom uses for a session UUID."""
    return base64.b64encode(uuid.UUID(session_id).bytes).decode()


class World:
    """A deterministic dataset: the same (seed, anchor, shape, catalog) always gives the same
    recordings, and `now` (the world clock) decides what each shows (recmock.lifecycle).

    The open world is laid out around `anchor` (the scenario's `now`) once; `at(now)` is the
    same world at another instant, sharing every cache, so moving the clock re-derives nothing
    and a recording live at the anchor goes on to stop and upload as its timeline says.
    """

    def __init__(
        self,
        seed: int = 0,
        now: int = DEFAULT_NOW,
        shape: WorldShape | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.seed = seed
        self.now = now
        self.anchor = now
        self.shape = shape or WorldShape()
        self.catalog = catalog or Catalog()
        self.pools: Pools = pools_for(seed)
        # Caches bounded by bytes keep memory flat however many ids clients invent, and however
        # long: an entry's cost counts its key (a client's id) and its value. They hold the
        # open world only (no clock, no catalog), so every instant of this world shares them.
        # A room's light index of uploading recordings lets list views sort and page without
        # keeping sessions.
        self.open_sessions = Memo(self._open_session, 4 << 20, _session_cost)
        self.open_rooms = Memo(self._open_room, 4 << 20, _ids_cost)
        self.open_uploads = Memo(self._open_uploads, 32 << 20, _uploads_cost)
        self._pinned_uploads: dict[str, tuple[Upload, ...]] = {}

    def at(self, now: int, catalog: Catalog | None = None) -> World:
        """This world at clock `now` (and with `catalog` instead of its own, if given)."""
        other = copy.copy(self)
        other.now = now
        if catalog is not None:
            other.catalog, other._pinned_uploads = catalog, {}
        return other

    # ---- the open world, clock-free -----------------------------------------------------

    def _open_room(self, room_id: str) -> tuple[str, ...]:
        rng = rng_for(self.seed, "room", room_id)
        low, high = self.shape.sessions_per_room
        return tuple(canonical_session_id(uuid4_from(rng)) for _ in range(rng.randint(low, high)))

    def _open_session(self, session_id: str) -> Session:
        return derive_session(self.seed, self.anchor, self.shape, self.pools, session_id)

    def _open_uploads(self, room_id: str) -> tuple[Upload, ...]:
        return _uploads(self._open_session(sid) for sid in self._open_room(room_id))

    # ---- what a provider sees at `now` ---------------------------------------------------

    def room_sessions(self, room_id: str) -> tuple[str, ...] | None:
        """The session ids of a room, oldest first; None when the room does not exist."""
        if room_id in self.catalog.rooms:
            return self.catalog.rooms[room_id]
        if self.catalog.closed:
            return None
        return self.open_rooms(room_id)

    def room_uploads(self, room_id: str) -> tuple[Upload, ...]:
        """(upload time, recording id, session id, index) of every recording of a room that
        has uploaded by `now`."""
        if room_id in self.catalog.rooms:
            rows = self._pinned_uploads.get(room_id)
            if rows is None:
                plans = (self.catalog.sessions.get(s) for s in self.catalog.rooms[room_id])
                rows = self._pinned_uploads[room_id] = _uploads(p for p in plans if p)
        elif self.catalog.closed:
            return ()
        else:
            rows = self.open_uploads(room_id)
        if rows and max(rows)[0] > self.now:
            return tuple(row for row in rows if row[0] <= self.now)
        return rows

    def session(self, session_id: str) -> Session | None:
        """A session by its canonical id, as it is at `now`; None when it does not exist."""
        plan = self.catalog.sessions.get(session_id)
        if plan is None:
            if self.catalog.closed:
                return None
            plan = self.open_sessions(session_id)
        return session_at(plan, self.now)

    def recording(self, rec_id: str) -> Recording | None:
        """A recording by id, as it is at `now`: the one its id encodes, a scenario's, or (open
        world) a solo recording."""
        try:
            session_key, index = split_recording_id(rec_id)
        except ValueError:  # not a world id: only a scenario (a recorded target) pins those
            session_key, index = "", -1
        candidate = self.session(session_key) if index >= 0 else None
        if candidate and index < len(candidate.recordings):
            found = candidate.recordings[index]
            if found.id == rec_id:
                return found
        for session in self.catalog.sessions.values():
            for rec in session.recordings:
                if rec.id == rec_id:
                    return state_at(rec, self.now)
        if self.catalog.closed or index < 0:
            return None
        solo = session_id_from_any(f"solo:{rec_id}")
        plan = derive_session(self.seed, self.anchor, self.shape, self.pools, solo, minimum=1)
        shown = session_at(plan, self.now).recordings
        return replace(shown[-1], id=rec_id) if shown else None


Upload = tuple[int, str, str, int]  # (upload time, recording id, session id, index)


def _uploads(sessions: Iterable[Session | None]) -> tuple[Upload, ...]:
    """The upload index rows of every recording of `sessions` that ends UPLOADED."""
    found: list[Upload] = []
    for session in sessions:
        if session is not None:
            found += [(r.uploaded, r.id, session.id, r.index) for r in session.recordings
                      if r.status == "UPLOADED" and r.uploaded is not None]  # fmt: skip
    return tuple(found)


def session_at(plan: Session, now: int) -> Session:
    """A session (whose recordings are whole lives) as it is at `now`: each recording in its
    state then, those not yet invoked left out (they come last: recordings are in time order)."""
    changed, states = False, []
    for rec in plan.recordings:  # one plain loop: this runs on every view of every session
        shown = state_at(rec, now)
        if shown is not rec:
            changed = True
        if shown is not None:
            states.append(shown)
    return replace(plan, recordings=tuple(states)) if changed else plan


_MISSING = object()


class Memo:
    """A thread-safe LRU memo of a one-string-argument function, bounded by estimated bytes.

    Bounded by entries (as `lru_cache` is), 400 requests naming 900 KB room ids kept 355 MB;
    here each entry costs its key's length plus `cost(value)`, and one entry over an eighth of
    the budget is computed but not kept, so it cannot flush everything else.
    """

    def __init__(self, function: Callable[[str], Any], max_bytes: int,
                 cost: Callable[[Any], int]) -> None:  # fmt: skip
        self.function, self.max_bytes, self.cost = function, max_bytes, cost
        self.entries: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self.size = 0
        self._lock = threading.Lock()

    def __call__(self, key: str) -> Any:
        with self._lock:
            hit = self.entries.get(key, _MISSING)
            if hit is not _MISSING:
                self.entries.move_to_end(key)
                return hit[0]  # type: ignore[index]
        value = self.function(key)
        size = 128 + len(key) + self.cost(value)
        if size > self.max_bytes // 8:
            return value
        with self._lock:
            if key not in self.entries:
                self.entries[key] = (value, size)
                self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.size -= dropped
        return value

    def cache_clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self.entries.clear()
            self.size = 0


def _session_cost(session: Session | None) -> int:
    return 0 if session is None else 400 + 700 * len(session.recordings)


def _ids_cost(ids: tuple[str, ...] | None) -> int:
    return 0 if ids is None else 64 + 96 * len(ids)


def _uploads_cost(rows: tuple[Any, ...]) -> int:
    return 64 + 200 * len(rows)


@lru_cache(maxsize=4096)
def _extra(course: str, cohort: int) -> Mapping[str, str]:
    """Shared (read-only) extra-data maps: a few thousand distinct ones serve every recording."""
    return {"course": course, "cohort": str(cohort)}


def _int(rng: Any, low: int, high: int) -> int:
    """Like `rng.randint` at a fifth of the cost (world derivation is the unique-request path)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: Any, options: Sequence[Any]) -> Any:
    """Like `rng.choice`, cheaper for the same reason as `_int`."""
    return options[int(rng.random() * len(options))]


def _caller(rng: Any, pools: Pools) -> Caller:
    return Caller(name=_pick(rng, pools.names), user_id=uuid4_from(rng), kind="USER")


def derive_session(
    seed: int, anchor: int, shape: WorldShape, pools: Pools, session_id: str, *, minimum: int = 0
) -> Session:
    """The open-world session for an id: its recordings' whole lives, laid out around `anchor`.

    The seeded stream is drawn as it was when the world knew only the instant `anchor`: what a
    recording live then will do later (how it stops, its audio) comes from a side stream of its
    own, so the world at `anchor` is byte-for-byte what it always was.
    """
    rng = rng_for(seed, "session", session_id)
    live = rng.random() < shape.live_fraction
    low, high = shape.recordings_per_session
    floor = max(low, 1) if minimum else low
    target = max(minimum, _int(rng, min(floor, high), high))  # a (0, 0) shape still gets one
    # Lay the recordings out relative to the session start, then place the session in time.
    plan: list[tuple[int, int, int]] = []  # (invoke offset, start delay, duration)
    offset = _int(rng, 20, 600)
    for _ in range(target):
        delay, duration = _int(rng, 1, 8), _int(rng, 45, 5400 if not live else 1500)
        plan.append((offset, delay, duration))
        offset += delay + duration + _int(rng, 15, 1200)
    span = offset
    if live and span > 120:
        # Live, yet its first recording was invoked by `anchor`: a session never lists empty
        # while its shape promises recordings (span - 30 >= first offset + 31 by construction).
        first = plan[0][0] if plan else 0
        created = anchor - _int(rng, max(60, first), span - 30)
    else:
        created = anchor - span - _int(rng, 3600, shape.history_days * 86400)
    host = _caller(rng, pools)
    masked = uuid.UUID(canonical_session_id(session_id)).int ^ _MASK
    recordings: list[Recording] = []
    for index, (invoke_at, delay, duration) in enumerate(plan):
        invoked = created + invoke_at
        rec_id = _recording_id(masked, index)
        source = rng
        if invoked > anchor:
            if len(recordings) < minimum:
                invoked = anchor
            else:  # invoked after the anchor: all of it from its own stream
                source = rng_for(seed, "later", rec_id)
        later = _Later(seed, rec_id, source if source is not rng else None)
        recordings.append(
            _recording(source, later, pools, anchor, shape, session_id, rec_id, index, invoked,
                       delay, duration, host)
        )  # fmt: skip
    return Session(
        id=session_id,
        created=created,
        name=_pick(rng, pools.titles),
        recordings=tuple(recordings),
        host=host,
    )


class _Later:
    """A recording's side stream, made only when a draw needs it (most recordings are history
    at the anchor and never do: making a seeded generator costs more than the whole rest)."""

    __slots__ = ("rec_id", "rng", "seed")

    def __init__(self, seed: int, rec_id: str, rng: Any = None) -> None:
        self.seed, self.rec_id, self.rng = seed, rec_id, rng

    def random(self) -> float:
        if self.rng is None:
            self.rng = rng_for(self.seed, "later", self.rec_id)
        return float(self.rng.random())


def _recording(
    rng: Any, later: _Later, pools: Pools, anchor: int, shape: WorldShape, session_id: str,
    rec_id: str, index: int, invoked: int, delay: int, duration: int, host: Caller,
) -> Recording:  # fmt: skip
    """One recording's whole life. `rng` draws what the instant `anchor` shows, `later` what
    only the future shows (see derive_session)."""
    started = invoked + delay
    stopped = invoked + delay + duration
    upload_secs = 5 + duration // 30
    errored = rng.random() < shape.error_fraction
    bitrate = _int(rng, 90_000, 420_000)  # bytes per second of video
    reason = "RECORD_ON_START" if index == 0 and rng.random() < 0.4 else "API_CALL"
    base = {
        "id": rec_id,
        "session_id": session_id,
        "index": index,
        "invoked": invoked,
        "start_reason": reason,
        "started_by": None if reason == "RECORD_ON_START" else host,
        "title": _pick(rng, pools.titles),
        "description": _pick(rng, pools.sentences),
        "extra": _extra(_pick(rng, pools.words), _int(rng, 2019, 2026)),
    }
    pauses: tuple[tuple[int, int | None], ...] = ()
    if started <= anchor < stopped and rng.random() < 0.25:  # paused at the anchor
        pauses = ((started + (anchor - started) // 2, anchor + 1 + (stopped - anchor - 1) // 2),)
    stop_source = rng if stopped <= anchor else later
    stop_reason = "ALL_PEERS_LEFT" if stop_source.random() < 0.3 else "API_CALL"
    stopper = None if stop_reason == "ALL_PEERS_LEFT" else host
    if errored:
        return Recording(status="ERRORED", started=started, stopped=stopped,
                         stop_reason="INTERNAL_ERROR", pauses=pauses, **base)  # fmt: skip
    audio_source = rng if stopped + upload_secs <= anchor else later
    return Recording(
        status="UPLOADED", started=started, stopped=stopped, uploaded=stopped + upload_secs,
        size=duration * bitrate, audio_size=duration * _int(audio_source, 12_000, 20_000),
        stop_reason=stop_reason, stopped_by=stopper, pauses=pauses, **base,
    )  # fmt: skip


def stable_choice(seed: int, key: str, options: tuple[str, ...]) -> str:
    """A deterministic pick for small per-entity decorations (regions, buckets)."""
    return options[derive_int(seed, key) % len(options)]
