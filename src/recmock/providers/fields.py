"""The JSON Schema of a scenario recording's `provider_fields`: what each view reads.

`recmock record` pins there what a target showed that the provider-neutral model has no place
for; each provider view renders it over its own record (never status, times, sizes or links,
which the recording's state decides). Kept next to the views so that a key a view reads and a
key the format accepts cannot drift apart, and strict (`additionalProperties: false`) so that a
mistyped key in a hand-edited fixture is an error naming it, not silently ignored.
"""

from __future__ import annotations

from typing import Any

TEXT: dict[str, Any] = {"type": "string", "maxLength": 512}
ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 128}
FILE_TYPE: dict[str, Any] = {"type": "string", "pattern": "^[A-Z0-9_]{1,32}$"}  # MP4, CHAT...
CLOUDFLARE_TIMES = ("invoked_time", "started_time", "stopped_time")
_CALLER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"type": {"enum": ["USER", "ORGANIZATION"]}, "user_Id": ID},
}


def _strict(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "description": description,
            "properties": properties}  # fmt: skip


PROVIDER_FIELDS: dict[str, Any] = {
    "cloudflare": _strict({
        "output_file_name": TEXT,
        "storage_config": {"type": ["object", "null"], "description": "null: none shown"},
        "session_id": {"type": ["string", "null"], "maxLength": 128},
        "omit": {"type": "array", "items": {"enum": ["session_id"]}, "uniqueItems": True},
        "start_caller": _CALLER,
        "stop_caller": _CALLER,
        "audio": {"type": "boolean", "description": "false: no audio file once uploaded"},
        "fractions": _strict({t: {"type": "string", "pattern": "^\\.[0-9]{1,9}$"}
                              for t in CLOUDFLARE_TIMES}, "sub-second part of each time"),
        "nulls": {"type": "array", "items": {"type": "string", "maxLength": 64},
                  "maxItems": 64, "description": "fields written null while they have no value"},
    }, "over Cloudflare's recording details (providers/cloudflare.py `_overlay`)"),
    "zoom": _strict({
        "files": {"type": "array", "maxItems": 64, "items": {
            "type": "object", "additionalProperties": False, "required": ["file_type"],
            "properties": {"id": ID, "file_type": FILE_TYPE,
                           "recording_type": TEXT, "file_size": {"type": "integer", "minimum": 0},
                           "recording_start": TEXT, "recording_end": TEXT}}},
        "participants": {"type": "array", "items": ID, "maxItems": 64},
        "omit": {"type": "array", "uniqueItems": True,
                 "items": {"enum": ["password", "participant_audio_files"]}},
        "session_duration": {"type": "integer", "minimum": 0, "maximum": 10**7},
    }, "over Zoom's session files (providers/zoom.py `recording_files`)"),
    "plugnmeet": _strict({
        "record_id": ID,
        "room_sid": ID,
        "file_path": TEXT,
        "metadata": {"type": ["object", "null"], "description": "null: none shown"},
        "int64": {"enum": ["string"], "description": "int64 times as decimal strings"},
    }, "over plugNmeet's recordings_list entry (providers/plugnmeet.py `_overlay`)"),
    "signalwire": _strict({
        "format": {"type": "string", "maxLength": 128},
        "costs": {"type": "object", "description": "status -> cost_in_dollars shown in it",
                  "propertyNames": {"enum": ["INVOKED", "RECORDING", "PAUSED", "UPLOADING",
                                             "UPLOADED", "ERRORED"]},
                  "additionalProperties": {"type": "number", "minimum": 0}},
    }, "over SignalWire's RoomRecording (providers/signalwire.py `render`)"),
}  # fmt: skip
