"""Recordings QA starts through the admin API, on a world clock the admin API moves.

Pure: what a `POST /__recmock/recordings` body means (`Started`), the world a session sees at
its clock (the scenario's world with these recordings added, each at its state at that
instant), and which transitions a clock move crosses. Where the values live (a session's
`clock` and `recordings` in the shared State) and how events travel are the edges' business
(recmock.server.live_admin, recmock.webhooks.delivery).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from recmock.lifecycle import Timeline, Transition
from recmock.world import (
    Caller,
    Catalog,
    Recording,
    Session,
    World,
    canonical_session_id,
    recording_id,
    zoom_session_id,
)

PROVIDERS = ("zoom", "plugnmeet", "cloudflare", "signalwire")
DURATION = re.compile(r"^\s*(\d{1,9})\s*([smhd]?)\s*$")
UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_SECONDS = 30 * 86400
MAX_RECORDINGS = 200  # per session: the admin API refuses more
HOST = Caller("recmock QA", "9b2f7c1e-5d3a-4e8b-a1c2-000000000001", "USER")
FIELDS = {
    "provider",
    "duration",
    "start_delay",
    "upload",
    "outcome",
    "pauses",
    "room",
    "session",
    "faults",
}
FAULTS = ("duplicate", "out_of_order")  # what receivers must survive


SENDERS = ("zoom", "plugnmeet", "cloudflare")  # SignalWire documents no recording webhook
MAX_TARGETS = 8  # per provider and session


def target_problem(provider: Any, url: Any) -> str | None:
    """Why (provider, url) cannot receive webhooks (None when it can), one line."""
    if provider not in SENDERS:
        hint = " (SignalWire documents no recording webhook)" if provider == "signalwire" else ""
        return f"expected PROVIDER zoom, plugnmeet or cloudflare{hint}, got {str(provider)[:80]!r}"
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2000:
        return f"expected an http:// or https:// URL for {provider}, got {str(url)[:80]!r}"
    return None


def seconds(value: Any, name: str) -> int:
    """Seconds from an int or `90s`/`2m`/`1h`/`1d`; ValueError naming the field."""
    if isinstance(value, int) and not isinstance(value, bool):
        total = value
    elif isinstance(value, str) and (match := DURATION.match(value)):
        total = int(match.group(1)) * UNITS[match.group(2)]
    else:
        raise ValueError(f"{name}: expected seconds or a duration like 90s, 2m, 1h, got {value!r}")
    if not 0 <= total <= MAX_SECONDS:
        raise ValueError(f"{name}: expected 0 to {MAX_SECONDS} seconds (30 days), got {value!r}")
    return total


@dataclass(frozen=True)
class Started:
    """One recording started through the admin API (JSON-serialisable: it lives in State)."""

    provider: str
    session_id: str
    room_id: str
    invoked: int
    start_delay: int
    duration: int
    upload: int
    outcome: str  # "uploaded" or "errored"
    pauses: tuple[tuple[int, int], ...]  # (offset after start, length) pairs
    faults: tuple[str, ...] = ()  # duplicate: every event twice; out_of_order: each clock
    # move delivers this recording's events newest first

    @property
    def providers(self) -> tuple[str, ...]:
        """Who sends its events: the provider it was started on."""
        return (self.provider,)

    @property
    def recording_id(self) -> str:
        """Index 0 of its own session: world.recording(id) finds it."""
        return recording_id(self.session_id, 0)

    def timeline(self) -> Timeline:
        """Its whole life."""
        started = self.invoked + self.start_delay
        stopped = started + self.duration
        spans = tuple((started + at, started + at + length) for at, length in self.pauses)
        ok = self.outcome == "uploaded"
        final = Recording(
            id=self.recording_id,
            session_id=self.session_id,
            index=0,
            status="UPLOADED" if ok else "ERRORED",
            invoked=self.invoked,
            started=started,
            stopped=stopped,
            uploaded=stopped + self.upload if ok else None,
            size=max(1, self.duration) * 250_000 if ok else None,
            audio_size=max(1, self.duration) * 16_000 if ok else None,
            stop_reason="API_CALL" if ok else "INTERNAL_ERROR",
            started_by=HOST,
            stopped_by=HOST if ok else None,
            title="Started through the recmock admin API",
            pauses=spans,
        )
        return Timeline(final)

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            **asdict(self),
            "pauses": [list(p) for p in self.pauses],
            "faults": list(self.faults),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Started:
        """Inverse of `to_json`."""
        pauses = tuple((int(a), int(b)) for a, b in value["pauses"])
        return cls(**{**value, "pauses": pauses, "faults": tuple(value.get("faults", ()))})


def parse(body: Any, now: int, index: int, namespace: str) -> Started:
    """A `POST /__recmock/recordings` body -> the recording it starts at `now`; ValueError
    (one line naming the field) for anything else. `index` numbers the session's recordings
    and `namespace` (the session name) keeps their ids apart from other sessions'."""
    if not isinstance(body, dict):
        raise ValueError('body: expected a JSON object like {"provider": "zoom", "duration": "2m"}')
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field; expected some of {sorted(FIELDS)}")
    provider = body.get("provider")
    if provider not in PROVIDERS:
        raise ValueError(f"provider: expected one of {list(PROVIDERS)}, got {provider!r}")
    duration = seconds(body.get("duration", "2m"), "duration")
    delay = seconds(body.get("start_delay", 2), "start_delay")
    upload = seconds(body.get("upload", 30), "upload")
    outcome = body.get("outcome", "uploaded")
    if outcome not in ("uploaded", "errored"):
        raise ValueError(f"outcome: expected 'uploaded' or 'errored', got {outcome!r}")
    pauses = _pauses(body.get("pauses", []), duration)
    session = body.get("session")
    if session is None:
        session = str(uuid.uuid5(uuid.NAMESPACE_URL, f"recmock-admin:{namespace}:{index}"))
    try:
        session_id = canonical_session_id(str(session))
    except ValueError:
        raise ValueError(f"session: expected a UUID, got {session!r}") from None
    room = body.get("room", f"qa-room-{index + 1}")
    if not isinstance(room, str) or not 0 < len(room) <= 256:
        raise ValueError(f"room: expected a room id of 1-256 characters, got {room!r}")
    faults = body.get("faults", [])
    if not isinstance(faults, list) or not set(faults) <= set(FAULTS) or len(faults) > 2:
        raise ValueError(f"faults: expected a list of {list(FAULTS)}, got {faults!r}")
    return Started(
        provider,
        session_id,
        room,
        now,
        delay,
        duration,
        upload,
        outcome,
        pauses,
        tuple(dict.fromkeys(faults)),
    )


def _pauses(value: Any, duration: int) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list) or len(value) > 20:
        raise ValueError('pauses: expected a list (at most 20) like [{"at": "30s", "for": "10s"}]')
    out, end = [], 0
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"at", "for"}:
            raise ValueError(f'pauses[{i}]: expected {{"at": ..., "for": ...}}, got {item!r}')
        at, length = (
            seconds(item["at"], f"pauses[{i}].at"),
            seconds(item["for"], f"pauses[{i}].for"),
        )
        if at < end or at + length > duration:
            raise ValueError(
                f"pauses[{i}]: expected pauses in order, inside the {duration} s "
                "recording and not overlapping"
            )
        out.append((at, length))
        end = at + length
    return tuple(out)


MAX_SPEED = 1_000_000.0


def clock_now(value: Any, base_now: int, wall: float) -> int:
    """A session's world clock from its stored value: an int is a frozen clock, a mapping
    {"at": world seconds, "real": unix seconds, "speed": world seconds per real second} a
    running one, nothing the scenario's own `now`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return int(value["at"] + max(0.0, wall - float(value["real"])) * float(value["speed"]))
    return base_now


def speed_of(value: Any) -> float:
    """How fast a stored clock runs (0: frozen)."""
    return float(value["speed"]) if isinstance(value, dict) else 0.0


def running(at: int, speed: float, wall: float) -> Any:
    """The stored value of a clock at `at` now, running at `speed` (an int when frozen)."""
    return {"at": at, "real": wall, "speed": speed} if speed > 0 else at


def world_at(base: World, now: int, started: list[Started]) -> World:
    """`base` at clock `now`, with every started recording (the world shows each as it is)."""
    if not started:
        return base.at(now)
    sessions = dict(base.catalog.sessions)
    rooms = {room: tuple(ids) for room, ids in base.catalog.rooms.items()}
    for item in started:
        final = item.timeline().final
        name = f"QA recording {item.session_id[:8]}"
        sessions[item.session_id] = Session(item.session_id, item.invoked, name, (final,), HOST)
        rooms[item.room_id] = (*rooms.get(item.room_id, ()), item.session_id)
    return base.at(now, Catalog(rooms=rooms, sessions=sessions, closed=base.catalog.closed))


@dataclass(frozen=True)
class Declared:
    """A recording a scenario file declares: it fires to every provider that has a target
    (each provider's view of the one world), with the scenario's `webhook_faults`."""

    final: Recording
    room_id: str
    faults: tuple[str, ...] = ()
    providers: tuple[str, ...] = SENDERS

    @property
    def recording_id(self) -> str:
        """The declared id."""
        return self.final.id

    def timeline(self) -> Timeline:
        """Its whole life, as the scenario declares it."""
        return Timeline(self.final)


Source = Started | Declared


def declared(world: World, faults: tuple[str, ...] = ()) -> list[Declared]:
    """Every recording `world`'s scenario declares, with the room its plugNmeet events name.
    The open world's own recordings are endless and fire nothing."""
    rooms = {sid: room for room, ids in world.catalog.rooms.items() for sid in ids}
    return [
        Declared(rec, rooms.get(session.id, session.id), faults)
        for session in world.catalog.sessions.values()
        for rec in session.recordings
    ]


def crossed(started: list[Source], before: int, after: int) -> list[tuple[Source, Transition]]:
    """Every transition a clock move from `before` to `after` crosses, in time order."""
    found: list[tuple[Source, Transition]] = []
    for item in started:
        moved = item.timeline().crossed(before, after)
        if "out_of_order" in item.faults:
            moved.reverse()
        found += [(item, t) for t in moved]
    if any("out_of_order" in item.faults for item in started):
        return found  # each recording's own order (reversed where asked), recordings in turn
    return sorted(found, key=lambda pair: pair[1].at)


def read_back(item: Started) -> dict[str, Any]:
    """The provider request that shows the recording (what the 201 answer names)."""
    rec = item.recording_id
    if item.provider == "zoom":
        path = f"/v2/videosdk/sessions/{zoom_session_id(item.session_id)}/recordings"
        return {"method": "GET", "path": path}
    if item.provider == "plugnmeet":
        return {
            "method": "POST",
            "path": "/auth/recording/fetch",
            "body": {"room_ids": [item.room_id]},
        }
    if item.provider == "cloudflare":
        path = "/client/v4/accounts/{account_id}/realtime/kit/{app_id}/recordings/" + rec
        return {"method": "GET", "path": path}
    return {"method": "GET", "path": f"/api/video/room_sessions/{item.session_id}/recordings"}
