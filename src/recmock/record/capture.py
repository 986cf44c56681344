"""Recorded answers -> a closed-world scenario of explicit rooms, sessions and recordings. Pure.

Each provider's recording view is read back into recmock's provider-neutral model (the one
`scenarios.py` completes and every provider renders), so `recmock serve` answers the list,
detail and paging endpoints with the same ids, statuses, times and sizes the target showed.
Only successful answers of known operations are read; everything else is the target's
business. Values are scrubbed (`scrub.py`) before they get here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = Any
SIGNALWIRE_STATUS = {"recording": "RECORDING", "paused": "PAUSED", "processing": "UPLOADING",
                     "completed": "UPLOADED", None: "ERRORED"}  # fmt: skip
CLOUDFLARE_STATUSES = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED")
REASONS = {"start_reason": ("API_CALL", "RECORD_ON_START"),
           "stop_reason": ("API_CALL", "INTERNAL_ERROR", "ALL_PEERS_LEFT")}  # fmt: skip


@dataclass(frozen=True)
class Captured:
    """One successful exchange the proxy saw, parsed: which operation, its inputs, its body."""

    provider: str
    operation_id: str
    path_params: Mapping[str, str]
    body: Json


@dataclass
class Catalog:
    """Sessions (id -> room id, name, recordings by id) gathered from every capture."""

    rooms: dict[str, str] = field(default_factory=dict)  # session id -> room id
    names: dict[str, str] = field(default_factory=dict)  # session id -> session name
    hosts: dict[str, str] = field(default_factory=dict)  # session id -> host's (fake) name
    created: dict[str, int] = field(default_factory=dict)  # session id -> when, if shown
    recordings: dict[str, dict[str, dict[str, Json]]] = field(default_factory=dict)

    def add(self, session: str, room: str, record: dict[str, Json]) -> None:
        """Remember one recording (a later sighting of the same one wins: it is newer); one
        without an id (Zoom's) is known by its span."""
        self.rooms.setdefault(session, room)
        key = str(record.get("id") or f"span:{record.get('started')}:{record.get('stopped')}")
        self.recordings.setdefault(session, {})[key] = record


def _unix(text: Json) -> int | None:
    if not isinstance(text, str):
        return None
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _signalwire(capture: Captured, into: Catalog) -> None:
    data = capture.body.get("data") if isinstance(capture.body, Mapping) else None
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            continue
        session = str(item.get("room_session_id") or capture.path_params.get("id", ""))
        status = SIGNALWIRE_STATUS.get(item.get("status"), "ERRORED")
        record: dict[str, Json] = {"id": item["id"], "status": status}
        for name, source in (("invoked", "created_at"), ("started", "started_at"),
                             ("stopped", "finished_at")):  # fmt: skip
            moment = _unix(item.get(source))
            if moment is not None:
                record[name] = moment
        if status == "UPLOADED":
            record["uploaded"] = _unix(item.get("updated_at")) or record.get("stopped")
            if isinstance(item.get("size_in_bytes"), int):
                record["size"] = item["size_in_bytes"]
        into.add(session, f"room-{session[:8]}", record)


def _cloudflare(capture: Captured, into: Catalog) -> None:
    data = capture.body.get("data") if isinstance(capture.body, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        return
    status = data.get("status") if data.get("status") in CLOUDFLARE_STATUSES else "ERRORED"
    record: dict[str, Json] = {"id": data["id"], "status": status}
    for name, source in (("invoked", "invoked_time"), ("started", "started_time"),
                         ("stopped", "stopped_time")):  # fmt: skip
        moment = _unix(data.get(source))
        if moment is not None:
            record[name] = moment
    if status == "UPLOADED":
        record["uploaded"] = record.get("stopped")  # not shown by Cloudflare: the earliest possible
        if isinstance(data.get("file_size"), int):
            record["size"] = data["file_size"]
    for name in ("start_reason", "stop_reason"):
        reason = data.get(name)
        if isinstance(reason, Mapping) and reason.get("reason") in REASONS[name]:
            record[name] = reason["reason"]
    # A session the SDK types `string | null`: a null one still needs a session to live in.
    session = str(data.get("session_id") or f"session-of-{data['id']}")
    into.add(session, f"room-{session[:8]}", record)
    caller = (
        (data.get("start_reason") or {}).get("caller")
        if isinstance(data.get("start_reason"), Mapping)
        else None
    )
    if isinstance(caller, Mapping) and isinstance(caller.get("name"), str):
        into.hosts.setdefault(session, caller["name"])  # already a seeded fake


def _zoom(capture: Captured, into: Catalog) -> None:
    """One recording per MP4 file (Zoom lists files, not recordings); its M4A of the same span
    gives the audio size. Zoom shows no recording ids: the scenario derives them, and the mock
    derives the file ids from those, so file ids are the only ids a Zoom recording changes."""
    body = capture.body if isinstance(capture.body, Mapping) else {}
    session = body.get("session_id") or capture.path_params.get("sessionId")
    files = body.get("recording_files")
    if not isinstance(session, str) or not isinstance(files, list):
        return
    spans: dict[tuple[Json, Json], dict[str, Json]] = {}
    for item in files:
        if not isinstance(item, Mapping) or not isinstance(item.get("file_size"), int):
            continue
        span = (item.get("recording_start"), item.get("recording_end"))
        started, stopped = _unix(span[0]), _unix(span[1])
        if started is None or stopped is None:
            continue
        entry = spans.setdefault(span, {"status": "UPLOADED", "invoked": started,
                                        "started": started, "stopped": stopped,
                                        "uploaded": stopped})  # fmt: skip
        if item.get("file_type") == "MP4":
            entry["size"] = item["file_size"]
        elif item.get("file_type") == "M4A":
            entry["audio_size"] = item["file_size"]
    recordings = sorted((e for e in spans.values() if "size" in e), key=lambda e: e["started"])
    for record in recordings:
        into.add(session, f"room-{session[:8]}", record)
    if isinstance(body.get("session_name"), str):
        into.names.setdefault(session, body["session_name"])  # already a seeded fake
    created = _unix(body.get("start_time"))
    if created is not None:
        into.created[session] = created


READERS: Mapping[str, Callable[[Captured, Catalog], None]] = {
    "zoom/listSessionRecordings": _zoom,
    "signalwire/listRoomSessionRecordings": _signalwire,
    "cloudflare/getRecording": _cloudflare,
}


def supported(provider: str, operation_id: str) -> bool:
    """True when captures of this operation become scenario records."""
    return f"{provider}/{operation_id}" in READERS


def catalog_of(captures: Iterable[Captured]) -> Catalog:
    """Every capture read into one catalog (unsupported operations are skipped)."""
    out = Catalog()
    for capture in captures:
        reader = READERS.get(f"{capture.provider}/{capture.operation_id}")
        if reader is not None:
            reader(capture, out)
    return out


def _rfc3339(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scenario_document(
    name: str, catalog: Catalog, now: int, description: str = ""
) -> dict[str, Json]:
    """The scenario file's content: closed world, every recording explicit, times absolute."""
    rooms: dict[str, list[dict[str, Json]]] = {}
    latest = now
    for session, records in sorted(catalog.recordings.items()):
        ordered = sorted(records.values(), key=lambda r: (r.get("invoked", 0), r.get("id", "")))
        recordings = []
        for record in ordered:
            out = dict(record)
            for key in ("invoked", "started", "stopped", "uploaded"):
                if isinstance(out.get(key), int):
                    latest = max(latest, out[key])
                    out[key] = _rfc3339(out[key])
            recordings.append(out)
        first = min((r["invoked"] for r in ordered if "invoked" in r), default=now - 86400)
        created = min(catalog.created.get(session, first), first)
        entry: dict[str, Json] = {"id": session, "created": _rfc3339(created)}
        if session in catalog.names:
            entry["name"] = catalog.names[session]
        if session in catalog.hosts:
            entry["host"] = catalog.hosts[session]
        entry["recordings"] = recordings
        rooms.setdefault(catalog.rooms.get(session, f"room-{session[:8]}"), []).append(entry)
    return {
        "name": name,
        "description": description or "Recorded through `recmock record`: the target's records.",
        "now": _rfc3339(latest),
        "world": {"closed": True, "rooms": rooms},
    }
