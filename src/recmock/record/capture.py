"""Recorded answers -> a closed-world scenario of explicit rooms, sessions and recordings. Pure.

Each provider's recording view is read back into recmock's provider-neutral model (the one
`scenarios.py` completes and every provider renders), so `recmock serve` answers the list,
detail and paging endpoints with the same ids, statuses, times and sizes the target showed.
Only successful answers of known operations are read; everything else is the target's
business. Values are scrubbed (`scrub.py`) before they get here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from recmock.providers.fields import CLOUDFLARE_TIMES as TIMES  # to the millisecond
from recmock.world import canonical_session_id

Json = Any
SIGNALWIRE_STATUS = {"recording": "RECORDING", "paused": "PAUSED", "processing": "UPLOADING",
                     "completed": "UPLOADED", None: "ERRORED"}  # fmt: skip
CLOUDFLARE_STATUSES = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED")
_FRACTION = re.compile(r"(\.[0-9]{1,9})Z$")
REASONS = {"start_reason": ("API_CALL", "RECORD_ON_START"),
           "stop_reason": ("API_CALL", "INTERNAL_ERROR", "ALL_PEERS_LEFT")}  # fmt: skip


@dataclass(frozen=True)
class Captured:
    """One successful exchange the proxy saw, parsed: which operation, its inputs, its body."""

    provider: str
    operation_id: str
    path_params: Mapping[str, str]
    body: Json
    dropped: frozenset[str] = frozenset()  # names of the secret fields scrubbing removed


@dataclass
class Catalog:
    """Sessions (id -> room id, name, recordings by id) gathered from every capture."""

    rooms: dict[str, str] = field(default_factory=dict)  # session id -> room id
    names: dict[str, str] = field(default_factory=dict)  # session id -> session name
    hosts: dict[str, str] = field(default_factory=dict)  # session id -> host's (fake) name
    created: dict[str, int] = field(default_factory=dict)  # session id -> when, if shown
    recordings: dict[str, dict[str, dict[str, Json]]] = field(default_factory=dict)

    def add(self, session: str, room: str, record: dict[str, Json], key: str = "") -> None:
        """Remember one recording (a later sighting of the same one wins: it is newer); one
        without an id of its own in the scenario (Zoom's) is known by `key` or its span."""
        self.rooms.setdefault(session, room)
        key = key or str(
            record.get("id") or f"span:{record.get('started')}:{record.get('stopped')}"
        )
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
        fields: dict[str, Json] = {}
        if status == "UPLOADED" and isinstance(item.get("format"), str):
            fields["format"] = item["format"]
        cost = item.get("cost_in_dollars")
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            fields["costs"] = {status: cost}  # what the target charged in this state
        if fields:
            record["provider_fields"] = {"signalwire": fields}
        into.add(session, f"room-{session[:8]}", record)


def _cloudflare(capture: Captured, into: Catalog) -> None:
    data = capture.body.get("data") if isinstance(capture.body, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        return
    status = str(data["status"]) if data.get("status") in CLOUDFLARE_STATUSES else "ERRORED"
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
    record["provider_fields"] = {"cloudflare": _cloudflare_fields(data, status)}
    into.add(session, f"room-{session[:8]}", record)
    caller = (
        (data.get("start_reason") or {}).get("caller")
        if isinstance(data.get("start_reason"), Mapping)
        else None
    )
    if isinstance(caller, Mapping) and isinstance(caller.get("name"), str):
        into.hosts.setdefault(session, caller["name"])  # already a seeded fake


def _cloudflare_fields(data: Mapping[str, Json], status: str) -> dict[str, Json]:
    """What the neutral model cannot say about a RealtimeKit recording (see the view's
    `_overlay`): file name, storage, the session id as shown, callers' type and id, a
    missing audio file, and which fields the target writes as `null`."""
    out: dict[str, Json] = {}
    if isinstance(data.get("output_file_name"), str):
        out["output_file_name"] = data["output_file_name"]
    storage = data.get("storage_config")
    out["storage_config"] = dict(storage) if isinstance(storage, Mapping) else None
    shown = data.get("session_id")
    if "session_id" not in data:
        out["omit"] = ["session_id"]
    elif not isinstance(shown, str) or _canonical(shown) != shown:
        out["session_id"] = shown
    for reason, key in (("start_reason", "start_caller"), ("stop_reason", "stop_caller")):
        caller = data.get(reason)
        caller = caller.get("caller") if isinstance(caller, Mapping) else None
        if isinstance(caller, Mapping):
            out[key] = {k: caller[k] for k in ("type", "user_Id") if isinstance(caller.get(k), str)}
    if status == "UPLOADED" and not isinstance(data.get("audio_download_url"), str):
        out["audio"] = False
    fractions = {name: found.group(1) for name in TIMES
                 if (found := _FRACTION.search(str(data.get(name) or "")))}  # fmt: skip
    if fractions:
        out["fractions"] = fractions  # the model keeps whole seconds
    nulls = sorted(k for k, v in data.items() if v is None and k != "session_id")
    if nulls:
        out["nulls"] = nulls
    return out


def _canonical(session: str) -> str | None:
    try:
        return canonical_session_id(session)
    except ValueError:
        return None


def _zoom(capture: Captured, into: Catalog) -> None:
    """One recording per MP4 file (Zoom lists files, not recordings); its M4A of the same span
    gives the audio size. Zoom shows no recording ids: the scenario derives them, and each
    recording pins the target's files (ids, types, list order) in `provider_fields.zoom`; a
    file of no MP4's span (timeline, chat) goes with the MP4 listed before it."""
    body = capture.body if isinstance(capture.body, Mapping) else {}
    session = body.get("session_id") or capture.path_params.get("sessionId")
    files = body.get("recording_files")
    if not isinstance(session, str) or not isinstance(files, list):
        return
    listed = [f for f in files if isinstance(f, Mapping) and isinstance(f.get("file_size"), int)]
    spans: dict[tuple[Json, Json], dict[str, Json]] = {}
    for item in listed:
        span = (item.get("recording_start"), item.get("recording_end"))
        started, stopped = _unix(span[0]), _unix(span[1])
        if item.get("file_type") == "MP4" and started is not None and stopped is not None:
            spans.setdefault(span, {"status": "UPLOADED", "invoked": started, "started": started,
                                    "stopped": stopped, "uploaded": stopped,
                                    "size": item["file_size"], "files": []})  # fmt: skip
    if not spans:
        return
    current = next(iter(spans.values()))
    for item in listed:
        span = (item.get("recording_start"), item.get("recording_end"))
        kind = item.get("file_type")
        entry = spans.get(span) if kind in ("MP4", "M4A") else None
        if kind == "MP4" and entry is not None:
            current = entry
        entry = entry or current
        if kind == "M4A" and entry is spans.get(span):
            entry["audio_size"] = item["file_size"]
        pinned = {k: item[k] for k in ("id", "file_type", "recording_type") if k in item}
        if kind not in ("MP4", "M4A"):
            pinned.update({k: item[k] for k in ("file_size", "recording_start", "recording_end")
                           if k in item})  # fmt: skip
        entry["files"].append(pinned)
    _zoom_participants(body, spans)
    common: dict[str, Json] = {}
    omit = [k for k in ("password", "participant_audio_files")
            if k not in body and k not in capture.dropped]  # fmt: skip
    if omit:
        common["omit"] = omit  # copied per recording below: no YAML anchors in the file
    if isinstance(body.get("duration"), int):
        common["session_duration"] = body["duration"]
    for entry in sorted(spans.values(), key=lambda e: e["started"]):
        fields = {"files": entry.pop("files"), **copy.deepcopy(common), **entry.pop("zoom", {})}
        into.add(session, f"room-{session[:8]}", {**entry, "provider_fields": {"zoom": fields}})
    if isinstance(body.get("session_name"), str):
        into.names.setdefault(session, body["session_name"])  # already a seeded fake
    created = _unix(body.get("start_time"))
    if created is not None:
        into.created[session] = created


def _zoom_participants(body: Mapping[str, Json], spans: dict[tuple[Json, Json], Any]) -> None:
    """Participant audio file ids, by the span of the recording they belong to."""
    participants = body.get("participant_audio_files")
    if not isinstance(participants, list):
        return
    for entry in spans.values():
        entry["zoom"] = {"participants": []}
    for item in participants:
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            continue
        entry = spans.get((item.get("recording_start"), item.get("recording_end")))
        if entry is not None:
            entry["zoom"]["participants"].append(item["id"])


def _integer(value: Json) -> int | None:
    """An int64 as protojson may write it (a number, or a decimal string), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _plugnmeet(capture: Captured, into: Catalog) -> None:
    """One uploaded recording per `recordings_list` entry, under its room and room sid.
    The target's record id is pinned in `provider_fields.plugnmeet`, not as the scenario id:
    every other provider's view of the recording needs the UUID the scenario derives.
    plugNmeet shows when the file was made and when the room opened, nothing between: the
    recording spans the two."""
    result = capture.body.get("result") if isinstance(capture.body, Mapping) else None
    listed = result.get("recordings_list") if isinstance(result, Mapping) else None
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("record_id"), str):
            continue
        made, opened = _integer(item.get("creation_time")), _integer(item.get("room_creation_time"))
        size, room, sid = _integer(item.get("file_size")), item.get("room_id"), item.get("room_sid")
        if made is None or not size or not isinstance(room, str) or not isinstance(sid, str):
            continue
        begun = made if opened is None or opened > made else opened
        fields: dict[str, Json] = {"record_id": item["record_id"]}
        if isinstance(item.get("file_path"), str):
            fields["file_path"] = item["file_path"]
        metadata = item.get("metadata")
        fields["metadata"] = dict(metadata) if isinstance(metadata, Mapping) else None
        if isinstance(item.get("creation_time"), str):
            fields["int64"] = "string"
        if _canonical(sid) != sid:
            fields["room_sid"] = sid
        record: dict[str, Json] = {"status": "UPLOADED", "invoked": begun, "started": begun,
                                   "stopped": made, "uploaded": made, "size": size}  # fmt: skip
        if isinstance(metadata, Mapping) and isinstance(metadata.get("title"), str):
            record["title"] = metadata["title"]  # already a seeded fake
        record["provider_fields"] = {"plugnmeet": fields}
        into.add(sid, room, record, key=item["record_id"])
        into.created[sid] = min(into.created.get(sid, begun), begun)


READERS: Mapping[str, Callable[[Captured, Catalog], None]] = {
    "zoom/listSessionRecordings": _zoom,
    "signalwire/listRoomSessionRecordings": _signalwire,
    "cloudflare/getRecording": _cloudflare,
    "plugnmeet/fetchRecordings": _plugnmeet,
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
