"""Timelines for webhook tests: finished recordings of a seeded world, with and without pauses."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from recmock.lifecycle import Timeline
from recmock.providers.base import Credentials, View
from recmock.world import World

WORLD = World(seed=7)
VIEW = View(WORLD, Credentials(), "http://127.0.0.1:9", wall_clock=0.0)
SESSIONS = ["6f0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2b", "0d1e2f3a-4b5c-4d6e-9f70-8192a3b4c5d6",
            "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"]  # fmt: skip


def finished() -> list[Timeline]:
    """Every finished (UPLOADED or ERRORED) recording of a few sessions, as a timeline."""
    out = []
    for sid in SESSIONS:
        session = WORLD.session(sid)
        assert session is not None
        out += [Timeline(r) for r in session.recordings if r.status in ("UPLOADED", "ERRORED")]
    return out


def uploaded(pauses: int = 0) -> Timeline:
    """An uploaded recording with `pauses` evenly spread pauses."""
    rec = next(t.final for t in finished() if t.final.status == "UPLOADED")
    assert rec.started is not None and rec.stopped is not None
    step = (rec.stopped - rec.started) // (2 * pauses + 1) if pauses else 0
    spans = tuple((rec.started + (2 * i + 1) * step, rec.started + (2 * i + 2) * step)
                  for i in range(pauses))  # fmt: skip
    return Timeline(replace(rec, pauses=spans))


def errored() -> Timeline:
    """An errored recording (the world's, or one made from an uploaded one)."""
    for t in finished():
        if t.final.status == "ERRORED":
            return t
    rec = uploaded().final
    return Timeline(replace(rec, status="ERRORED", uploaded=None, size=None, audio_size=None,
                            stop_reason="INTERNAL_ERROR", stopped_by=None))  # fmt: skip


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    """A finished recording with 0-3 pauses at drawn instants."""
    base = draw(st.sampled_from(finished()))
    rec = base.final
    assert rec.started is not None and rec.stopped is not None
    cuts = sorted(draw(st.lists(st.integers(rec.started, rec.stopped), max_size=6)))
    cuts = cuts[: len(cuts) // 2 * 2]
    return Timeline(replace(rec, pauses=tuple(zip(cuts[::2], cuts[1::2], strict=True))))
