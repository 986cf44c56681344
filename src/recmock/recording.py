"""A recording in provider-neutral terms: what every provider view renders. Pure data.

A `Recording` is also its own timeline: its times say when it was invoked, started, stopped and
uploaded (None: never), `pauses` when it paused, and `status` the state it ends in once every
time has passed. `recmock.lifecycle.state_at` turns it into what a provider shows at an instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED")
STOPPED = frozenset({"UPLOADING", "UPLOADED", "ERRORED"})
Pause = tuple[int, "int | None"]  # (paused, resumed); resumed None: paused for good


@dataclass(frozen=True, slots=True)
class Caller:
    """Who started or stopped a recording."""

    name: str
    user_id: str
    kind: str  # USER or ORGANIZATION


@dataclass(frozen=True, slots=True)
class Recording:
    """One recording; providers render it in their own shape."""

    id: str
    session_id: str
    index: int
    status: str
    invoked: int
    started: int | None = None
    stopped: int | None = None
    uploaded: int | None = None  # when the file became available
    size: int | None = None  # bytes of the video file, once uploaded
    audio_size: int | None = None
    start_reason: str = "API_CALL"
    stop_reason: str | None = None
    started_by: Caller | None = None
    stopped_by: Caller | None = None
    title: str = ""
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Fields one provider renders verbatim, by provider name: what a recorded target showed
    # that the neutral model has no place for (recmock record pins them).
    provider_fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pauses: tuple[Pause, ...] = ()

    @property
    def duration(self) -> int | None:
        """Seconds recorded; only known once the recording stopped."""
        if self.started is None or self.stopped is None:
            return None
        return self.stopped - self.started
