"""The staging double's own dataset: rooms, sessions and recordings no mock world would draw.

Hand-picked ids in formats the provider docs allow but the mock never produces (plugNmeet room
ids like `sales-weekly` with UUID room sids, Zoom ids that are plain base64 of a name), sized so
every provider has something to page through. Times are fixed instants in 2026, so a run is
reproducible; the double never reads the wall clock except for link expiries and JWT `exp`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

Json = dict[str, object]
EPOCH = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

# Credentials: distinctive on purpose, so a test can prove none of the secrets leaks anywhere.
PNM_KEY, PNM_SECRET = "stg-pnm-key", "stg-pnm-SECRET-e19c"
SW_PROJECT, SW_TOKEN = "stg-sw-project", "stg-sw-TOKEN-7d02"
ZOOM_KEY, ZOOM_SECRET = "stg-zoom-key", "stg-zoom-SECRET-44af"
CF_TOKEN = "stg-cf-TOKEN-b3a1"
SECRETS = (PNM_SECRET, SW_TOKEN, ZOOM_SECRET, CF_TOKEN)


def at(minutes: float) -> datetime:
    """An instant `minutes` after the dataset's epoch."""
    return EPOCH + timedelta(minutes=minutes)


# -- plugNmeet: room -> sessions (room_sid, room created, recordings) --------------------------


@dataclass(frozen=True)
class PnmRecording:
    """One uploaded plugNmeet recording (what `recordings_list` shows)."""

    record_id: str
    room_id: str
    room_sid: str
    file_size: int  # float32 on the wire: every size here is exactly representable
    creation_time: int
    room_creation_time: int
    title: str = ""

    @property
    def file_path(self) -> str:
        return f"recordings/{self.room_id}/{self.record_id}.mp4"


def _pnm_room(room_id: str, sids: list[str], counts: list[int], start: float) -> list[PnmRecording]:
    """Sessions one after another; a room's recordings interleave in time with other rooms'."""
    out = []
    for number, (sid, count) in enumerate(zip(sids, counts, strict=True)):
        opened = at(start + number * 1440)
        for index in range(count):
            created = opened + timedelta(minutes=17 + 23 * index, seconds=len(room_id))
            stamp = int(created.timestamp())
            out.append(
                PnmRecording(
                    record_id=f"{sid}-{stamp * 1000 + index}",
                    room_id=room_id,
                    room_sid=sid,
                    file_size=4096 * (1200 + 37 * index + 211 * number),
                    creation_time=stamp,
                    room_creation_time=int(opened.timestamp()),
                    title=f"{room_id} part {index + 1}" if index % 3 == 0 else "",
                )
            )
    return out


PNM_RECORDINGS: tuple[PnmRecording, ...] = (
    *_pnm_room(
        "sales-weekly",
        ["3f1d2c4b-8a7e-4b21-9c55-0d6e7f8a9b10", "b2a4c6d8-1e3f-4a5b-8c7d-9e0f1a2b3c4d"],
        [6, 7],
        start=5,
    ),
    *_pnm_room(
        "eng-standup",
        [
            "e7d6c5b4-a392-4817-b6f5-e4d3c2b1a090",
            "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5",
            "5a6b7c8d-9e0f-4a1b-9c2d-3e4f5a6b7c8d",
        ],
        [8, 9, 5],
        start=11,
    ),
    *_pnm_room("board-q3", ["9d8c7b6a-5f4e-4d3c-ab2a-190f8e7d6c5b"], [5], start=29),
)
PNM_ROOMS = ("sales-weekly", "eng-standup", "board-q3")


# -- SignalWire: room session -> recordings ----------------------------------------------------


@dataclass(frozen=True)
class SwRecording:
    """One SignalWire room recording; `finished` None while it still records."""

    id: str
    session: str
    status: str  # recording | paused | processing | completed
    created: datetime
    started: datetime
    finished: datetime | None
    updated: datetime
    size: int | None
    cost: float


def _sw(
    session: str, ids: list[str], plan: list[tuple[str, int]], start: float
) -> list[SwRecording]:
    """Recordings of one session: (status, length in seconds) one after another."""
    out, clock = [], at(start)
    for rid, (status, seconds) in zip(ids, plan, strict=True):
        created = clock
        started = created + timedelta(seconds=2)
        finished = (
            started + timedelta(seconds=seconds) if status in ("completed", "processing") else None
        )
        updated = (finished or started) + timedelta(seconds=41 if status == "completed" else 0)
        size = seconds * 61_440 if status == "completed" else None
        cost = round(seconds / 60 * 0.0045, 4) if status == "completed" else 0.0
        out.append(
            SwRecording(rid, session, status, created, started, finished, updated, size, cost)
        )
        clock = started + timedelta(seconds=seconds + 97)
    return out


SW_SESSION_A = "6c0e9a1f-2b3d-4e5f-8a9b-0c1d2e3f4a5b"  # seven recordings: pages at any size
SW_SESSION_B = "d41f7e2a-9c8b-4a76-b5e4-3f2a1b0c9d8e"  # three
SW_RECORDINGS: tuple[SwRecording, ...] = (
    *_sw(
        SW_SESSION_A,
        [
            "11a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
            "22b3c4d5-e6f7-4081-9203-b4c5d6e7f809",
            "33c4d5e6-f708-4192-a314-c5d6e7f8091a",
            "44d5e6f7-0819-42a3-b425-d6e7f8091a2b",
            "55e6f708-192a-43b4-8536-e7f8091a2b3c",
            "66f70819-2a3b-44c5-9647-f8091a2b3c4d",
            "7708192a-3b4c-45d6-a758-091a2b3c4d5e",
        ],
        [
            ("completed", 1290),
            ("completed", 4410),  # over an hour
            ("completed", 605),
            ("completed", 2222),
            ("completed", 318),
            ("processing", 940),
            ("recording", 0),
        ],
        start=300,
    ),
    *_sw(
        SW_SESSION_B,
        [
            "88192a3b-4c5d-46e7-b869-1a2b3c4d5e6f",
            "992a3b4c-5d6e-47f8-897a-2b3c4d5e6f70",
            "aa3b4c5d-6e7f-4809-9a8b-3c4d5e6f7081",
        ],
        [("completed", 733), ("completed", 1804), ("completed", 3999)],
        start=1900,
    ),
)
SW_SESSIONS = (SW_SESSION_A, SW_SESSION_B)


# -- Zoom Video SDK: session -> files ----------------------------------------------------------


@dataclass(frozen=True)
class ZoomFile:
    """One file of a Zoom session recording."""

    id: str
    file_type: str
    recording_type: str
    start: datetime
    end: datetime
    size: int


@dataclass(frozen=True)
class ZoomSession:
    """A Zoom Video SDK session with its files."""

    id: str
    name: str
    start: datetime
    minutes: int
    files: tuple[ZoomFile, ...] = field(default=())


def _zoom_files(prefix: str, parts: list[tuple[float, float]]) -> tuple[ZoomFile, ...]:
    """Per recorded part an MP4 and an M4A, plus one TIMELINE and one CHAT for the session."""
    out = []
    for number, (begin, end) in enumerate(parts):
        start, stop = at(begin), at(end)
        seconds = int((stop - start).total_seconds())
        out.append(
            ZoomFile(f"{prefix}{number}a1", "MP4", "speaker_view", start, stop, seconds * 90_000)
        )
        out.append(
            ZoomFile(f"{prefix}{number}b2", "M4A", "audio_only", start, stop, seconds * 8_000)
        )
    first, last = at(parts[0][0]), at(parts[-1][1])
    out.append(ZoomFile(f"{prefix}ff3", "TIMELINE", "timeline", first, last, 18_204))
    out.append(ZoomFile(f"{prefix}ffc", "CHAT", "chat_file", first, last, 1_377))
    return tuple(out)


ZOOM_SESSIONS: tuple[ZoomSession, ...] = (
    ZoomSession(
        "Qm9hcmQtUTMtcmV2aWV3IQ==",  # base64("Board-Q3-review!")
        "Board Q3 review",
        at(2000),
        96,
        _zoom_files(
            "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2", [(2001, 2030), (2034, 2071), (2075, 2095)]
        ),
    ),
    ZoomSession(
        "c3RhbmR1cC0yMDI2LTExLTA0",  # base64("standup-2026-11-04"), no padding
        "Standup",
        at(3000),
        15,
        _zoom_files("a1b2c3d4-e5f6-4718-a9b0-c1d2e3f4a", [(3001, 3014)]),
    ),
)


# -- Cloudflare RealtimeKit: one app's recordings ----------------------------------------------

CF_ACCOUNT = "7c5dae5552338874e5053f2534d2767a"
CF_APP = "2f8e4c1a-6b3d-4e9f-a0c7-5d1b8e2f4a6c"


@dataclass(frozen=True)
class CfRecording:
    """One RealtimeKit recording; times absent when the status says they are not known yet."""

    id: str
    status: str
    invoked: datetime
    started: datetime | None
    stopped: datetime | None
    size: int | None
    session: str | None
    storage: str | None  # storage type, None for the RealtimeKit bucket
    audio: bool = False
    by_api: bool = True


CF_RECORDINGS: tuple[CfRecording, ...] = (
    CfRecording("c0ffee00-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "UPLOADED", at(4000), at(4000.07), at(4052.5),
                734_003_200, "51d4e3f2-0a1b-4c2d-9e3f-4a5b6c7d8e9f", "aws", audio=True),
    CfRecording("c0ffee01-2b3c-4d4e-9f5a-6b7c8d9e0f1a", "UPLOADED", at(4100), at(4100.05), at(4131),
                201_326_592, "62e5f403-1b2c-4d3e-8f4a-5b6c7d8e9f0a", None, by_api=False),
    CfRecording("c0ffee02-3c4d-4e5f-8a6b-7c8d9e0f1a2b", "UPLOADED", at(4200), at(4200.1), at(4302),
                1_099_956_224, "73f60514-2c3d-4e4f-9a5b-6c7d8e9f0a1b", "gcs"),
    CfRecording("c0ffee03-4d5e-4f6a-9b7c-8d9e0f1a2b3c", "ERRORED", at(4400), at(4400.06), at(4411),
                None, "84071625-3d4e-4f5a-8b6c-7d8e9f0a1b2c", "aws"),
    CfRecording("c0ffee04-5e6f-4a7b-8c8d-9e0f1a2b3c4d", "RECORDING", at(4500), at(4500.08), None,
                None, "95182736-4e5f-4a6b-9c7d-8e9f0a1b2c3d", None, by_api=False),
    CfRecording("c0ffee05-6f7a-4b8c-9d9e-0f1a2b3c4d5e", "INVOKED", at(4600), None, None,
                None, None, None),
)  # fmt: skip
