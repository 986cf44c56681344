"""The JSON Schema of a fixtures/ scenario file: the structural half of `recmock scenarios check`.

Kept apart from `scenarios` so QA can read the whole format in one screen.
"""

from __future__ import annotations

from typing import Any

from recmock.clock import MAX_LIFETIME, MAX_LIFETIME_DAYS
from recmock.providers.fields import PROVIDER_FIELDS

TIME: dict[str, Any] = {"type": ["integer", "string"], "description": "unix s, RFC 3339 or now-2h"}
RANGE: dict[str, Any] = {
    "type": "array",
    "items": {"type": "integer", "minimum": 0},
    "minItems": 2,
    "maxItems": 2,
}

RECORDING: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        # The target's own id when recorded (plugNmeet's `<sid>-<ms>`): printable, bounded.
        "id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[\\x21-\\x7e]+$"},
        "status": {"enum": ["INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED"]},
        "invoked": TIME, "started": {**TIME, "type": ["integer", "string", "null"]},
        "stopped": {**TIME, "type": ["integer", "string", "null"]},
        "uploaded": {**TIME, "type": ["integer", "string", "null"]},
        "duration": {"type": "integer", "minimum": 1},
        "size": {"type": ["integer", "null"], "minimum": 1},
        "audio_size": {"type": ["integer", "null"], "minimum": 1},
        "start_reason": {"enum": ["API_CALL", "RECORD_ON_START"]},
        "stop_reason": {"enum": ["API_CALL", "INTERNAL_ERROR", "ALL_PEERS_LEFT", None]},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "extra": {"type": "object", "additionalProperties": {"type": "string"}},
        "outcome": {"enum": ["uploaded", "errored"],
                    "description": "how a recording that moves on (a time after now) ends"},
        "pauses": {"type": "array", "maxItems": 20, "items": {
            "type": "object", "additionalProperties": False, "required": ["paused"],
            "properties": {"paused": TIME, "resumed": {**TIME, "type": ["integer", "string",
                                                                        "null"]}}}},
        "provider_fields": {
            "type": "object",
            "description": "fields a provider renders verbatim (what `recmock record` saw)",
            "additionalProperties": False,
            "properties": PROVIDER_FIELDS,
        },
    },
}  # fmt: skip

SESSION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "host": {"type": "string"},
        "created": TIME,
        "recordings": {"type": "array", "items": RECORDING, "maxItems": 64},
    },
}

OVERRIDE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["operation"],
    "properties": {
        "operation": {"type": "string", "description": "'*', a provider, or provider/operationId"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "body": {},
        "example": {"type": "string"},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "latency_ms": {
            "oneOf": [
                {"type": "number", "minimum": 0, "maximum": 60000},
                {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 60000},
                 "minItems": 2, "maxItems": 2},
                {"type": "object", "additionalProperties": False, "required": ["median"],
                 "properties": {"median": {"type": "number", "exclusiveMinimum": 0,
                                           "maximum": 60000},
                                "p99": {"type": "number", "minimum": 0, "maximum": 60000}}},
            ]
        },
        "failure_rate": {"type": "number", "minimum": 0, "maximum": 1},
        "match": {"type": "object", "additionalProperties": {"type": "string"},
                  "description": "only requests whose path/query parameters equal these"},
    },
}  # fmt: skip

SCENARIO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
        "description": {"type": "string"},
        "seed": {"type": "integer", "minimum": 0},
        "now": TIME,
        "world": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "closed": {"type": "boolean"},
                "shape": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "sessions_per_room": RANGE,
                        "recordings_per_session": RANGE,
                        "live_fraction": {"type": "number", "minimum": 0, "maximum": 1},
                        "error_fraction": {"type": "number", "minimum": 0, "maximum": 1},
                        "history_days": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_LIFETIME_DAYS,
                        },
                        "link_lifetime": {
                            "type": "integer",
                            "minimum": -MAX_LIFETIME,
                            "maximum": MAX_LIFETIME,
                        },
                    },
                },
                "rooms": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": SESSION},
                },
                "sessions": {"type": "array", "items": SESSION},
            },
        },
        "overrides": {"type": "array", "items": OVERRIDE},
        "webhook_faults": {
            "type": "array",
            "uniqueItems": True,
            "items": {"enum": ["duplicate", "out_of_order"]},
            "description": "every event of a declared recording twice; or newest first",
        },
    },
}
