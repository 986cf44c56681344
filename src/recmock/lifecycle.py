"""A recording's lifecycle: its state at any instant, and the transitions a clock move crosses.

One pure function, `state_at`, decides what a recording looks like at a time. The open world,
scenario files, recordings QA starts through the admin API, every provider view and every
webhook read their statuses through it, so a list, a detail and a webhook of the same instant
always agree, and as the clock only moves forward no status ever moves back.

A `Recording` is its own timeline (see recmock.recording): its times (None: never) and pauses
say when each step happens and `status` is the state it ends in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from recmock.recording import STATUSES, Recording

KINDS = ("invoked", "started", "paused", "resumed", "stopped", "uploaded", "errored")
RUNNING = frozenset({"INVOKED", "RECORDING", "PAUSED"})


@dataclass(frozen=True, slots=True)
class Transition:
    """The recording `recording_id` entered a new state (`kind`) at world time `at`."""

    kind: str
    at: int
    recording_id: str


def state_at(rec: Recording, now: int) -> Recording | None:
    """`rec` as its provider shows it at `now`; None before it was invoked.

    Only what has happened by `now` shows: a stop time once stopped, a size and an upload time
    once uploaded. Returns `rec` itself once every one of its times has passed.
    """
    if now < rec.invoked:
        return None
    if rec.started is None or now < rec.started:
        if rec.status == "INVOKED":
            return rec
        return _running(rec, "INVOKED", started=None)
    if rec.stopped is None or now < rec.stopped:
        paused = any(p <= now and (r is None or now < r) for p, r in rec.pauses)
        status = "PAUSED" if paused else "RECORDING"
        if rec.status == status:
            return rec
        return _running(rec, status, started=rec.started)
    if rec.status == "ERRORED":
        return rec
    if rec.uploaded is None or now < rec.uploaded:
        if rec.status == "UPLOADING":
            return rec
        return replace(rec, status="UPLOADING", uploaded=None, size=None, audio_size=None)
    return rec


def _running(rec: Recording, status: str, started: int | None) -> Recording:
    return replace(rec, status=status, started=started, stopped=None, uploaded=None, size=None,
                   audio_size=None, stop_reason=None, stopped_by=None)  # fmt: skip


def transitions(rec: Recording) -> list[Transition]:
    """Every transition of `rec`'s life, in time order (the invocation first)."""
    found = [("invoked", rec.invoked)]
    if rec.started is not None:
        found.append(("started", rec.started))
    for paused, resumed in rec.pauses:
        found.append(("paused", paused))
        if resumed is not None:
            found.append(("resumed", resumed))
    if rec.stopped is not None:
        found.append(("stopped", rec.stopped))
        if rec.status == "ERRORED":
            found.append(("errored", rec.stopped))
        elif rec.status == "UPLOADED" and rec.uploaded is not None:
            found.append(("uploaded", rec.uploaded))
    return [Transition(kind, at, rec.id) for kind, at in found]


def crossed(rec: Recording, after: int, until: int) -> list[Transition]:
    """The transitions in (after, until]: what a clock moving from `after` to `until` fires."""
    return [t for t in transitions(rec) if after < t.at <= until]


def settled(rec: Recording) -> int:
    """The instant after which `rec` never changes again (its last transition)."""
    return transitions(rec)[-1].at


def problem(rec: Recording) -> tuple[str, str] | None:
    """The first way `rec` is an impossible life, as (field, message); None when it is one.

    Needs no clock: a life is possible when its times ascend and its end fits its status.
    """
    if rec.status not in STATUSES:
        return "status", f"expected one of {list(STATUSES)}, got {rec.status!r}"
    times = [("invoked", rec.invoked), ("started", rec.started)]
    times += [("pauses", t) for pause in rec.pauses for t in pause]
    times += [("stopped", rec.stopped), ("uploaded", rec.uploaded)]
    known = [(n, t) for n, t in times if t is not None]
    for (a, ta), (b, tb) in itertools.pairwise(known):
        if ta > tb:
            return b, f"{b} ({tb}) must not be before {a} ({ta})"
    ends = rec.status
    if (rec.started is None) != (ends == "INVOKED"):
        return "started", ("an INVOKED recording has not started yet: drop started or pick a "
                           "status" if ends == "INVOKED" else f"a {ends} recording needs a "
                           "start time")  # fmt: skip
    if rec.pauses and rec.started is None:
        return "pauses", "a recording pauses only once it started"
    if rec.pauses and any(r is None for _, r in rec.pauses[:-1]):
        return "pauses", "only the last pause may last for good"
    open_pause = bool(rec.pauses) and rec.pauses[-1][1] is None
    if open_pause != (ends == "PAUSED"):
        return "pauses", ("a recording paused for good ends PAUSED" if open_pause else
                          "a PAUSED recording needs a pause that lasts")  # fmt: skip
    if (rec.stopped is None) != (ends in RUNNING):
        return "stopped", (f"a {ends} recording cannot have stopped yet" if ends in RUNNING else
                           f"a {ends} recording needs a stop time")  # fmt: skip
    if (rec.uploaded is not None) != (ends == "UPLOADED"):
        return "uploaded", (
            "an UPLOADED recording needs an upload time"
            if ends == "UPLOADED"
            else f"only an UPLOADED recording has an upload time, not {ends}"
        )
    if ends == "UPLOADED" and (rec.size is None or rec.size <= 0):
        return "size", "an UPLOADED recording needs a size greater than 0"
    if ends != "UPLOADED" and rec.size is not None:
        return "size", f"only UPLOADED recordings have a size, this one ends {ends}"
    if ends == "ERRORED" and rec.stop_reason != "INTERNAL_ERROR":
        return "stop_reason", (f"an ERRORED recording stops with INTERNAL_ERROR, got "
                               f"{rec.stop_reason!r}")  # fmt: skip
    return None


@dataclass(frozen=True, slots=True)
class Timeline:
    """A whole (possible) life, as webhooks follow it."""

    final: Recording

    def __post_init__(self) -> None:
        found = problem(self.final)
        if found is not None:
            raise ValueError(f"{self.final.id}: {found[0]}: {found[1]}")

    @property
    def pauses(self) -> tuple[tuple[int, int | None], ...]:
        """(paused, resumed) pairs."""
        return self.final.pauses

    def transitions(self) -> list[Transition]:
        """Every transition, in time order."""
        return transitions(self.final)

    def crossed(self, after: int, until: int) -> list[Transition]:
        """The transitions a clock move from `after` to `until` fires."""
        return crossed(self.final, after, until)

    def state_at(self, now: int) -> Recording | None:
        """The recording at `now` (see `state_at`)."""
        return state_at(self.final, now)


def state_after(timeline: Timeline, transition: Transition) -> Recording:
    """The recording just after `transition` (what its webhook reports)."""
    found = state_at(timeline.final, transition.at)
    assert found is not None
    return found
