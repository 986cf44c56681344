"""A recording's life as times, the transitions it crosses, and its state at any instant.

A provider-neutral `Recording` (recmock.world) is the recording as it ends; a `Timeline` adds
the pauses and whether it ends `UPLOADED` or `ERRORED`. `state_at` is the one pure function
that says what the recording looks like at a time, so a webhook payload shows exactly what the
provider's endpoints show at the same instant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from recmock.world import Recording

KINDS = ("invoked", "started", "paused", "resumed", "stopped", "uploaded", "errored")


@dataclass(frozen=True)
class Transition:
    """The recording `recording_id` entered a new state (`kind`) at world time `at`."""

    kind: str
    at: int
    recording_id: str


@dataclass(frozen=True)
class Timeline:
    """The whole life of one recording: `final` is it once over (UPLOADED or ERRORED, with
    `stopped`, and `uploaded` when it uploads); `pauses` are (paused, resumed) pairs."""

    final: Recording
    pauses: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        rec = self.final
        if rec.status not in ("UPLOADED", "ERRORED") or rec.started is None or rec.stopped is None:
            raise ValueError(f"{rec.id}: a timeline ends UPLOADED or ERRORED, started and stopped")
        times = [rec.invoked, rec.started, *[t for p in self.pauses for t in p], rec.stopped]
        if rec.status == "UPLOADED":
            if rec.uploaded is None or rec.size is None:
                raise ValueError(f"{rec.id}: an uploaded recording needs `uploaded` and `size`")
            times.append(rec.uploaded)
        if times != sorted(times):
            raise ValueError(f"{rec.id}: expected invoked <= started <= pauses <= stopped "
                             f"<= uploaded, got {times}")  # fmt: skip

    def transitions(self) -> list[Transition]:
        """Every transition, in time order (the invocation first)."""
        rec = self.final
        assert rec.started is not None and rec.stopped is not None
        found = [("invoked", rec.invoked), ("started", rec.started)]
        for paused, resumed in self.pauses:
            found += [("paused", paused), ("resumed", resumed)]
        found.append(("stopped", rec.stopped))
        if rec.status == "UPLOADED":
            assert rec.uploaded is not None
            found.append(("uploaded", rec.uploaded))
        else:
            found.append(("errored", rec.stopped))
        return [Transition(kind, at, rec.id) for kind, at in found]

    def crossed(self, after: int, until: int) -> list[Transition]:
        """The transitions in (after, until]: what a clock moving from `after` to `until` fires."""
        return [t for t in self.transitions() if after < t.at <= until]

    def state_at(self, now: int) -> Recording | None:
        """The recording as its provider shows it at `now`; None before it was invoked."""
        rec = self.final
        assert rec.started is not None and rec.stopped is not None
        if now < rec.invoked:
            return None
        bare = replace(rec, started=None, stopped=None, uploaded=None, size=None,
                       audio_size=None, stop_reason=None, stopped_by=None)  # fmt: skip
        if now < rec.started:
            return replace(bare, status="INVOKED")
        if now < rec.stopped:
            paused = any(p <= now < r for p, r in self.pauses)
            return replace(bare, status="PAUSED" if paused else "RECORDING", started=rec.started)
        if rec.status == "ERRORED":
            return rec
        assert rec.uploaded is not None
        if now < rec.uploaded:
            return replace(rec, status="UPLOADING", uploaded=None, size=None, audio_size=None)
        return rec


def state_after(timeline: Timeline, transition: Transition) -> Recording:
    """The recording just after `transition` (what its webhook reports)."""
    found = timeline.state_at(transition.at)
    assert found is not None
    return found
