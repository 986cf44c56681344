"""The one lifecycle function: which lives are possible, and what each shows at every instant.

The oracles here are written from the rules, not from recmock.lifecycle: a life is possible
when its times ascend and its end fits its status; a status never moves back as time grows; a
field shows exactly when the step that makes it has happened.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from recmock import lifecycle
from recmock.recording import STATUSES, Recording
from recmock.world import World

T0 = 1_764_000_000
RANK = {None: -1, "INVOKED": 0, "RECORDING": 1, "PAUSED": 1, "UPLOADING": 2, "UPLOADED": 3,
        "ERRORED": 3}  # fmt: skip
MAYBE_TIME = st.one_of(st.none(), st.integers(T0, T0 + 10_000))


@given(
    status=st.sampled_from(STATUSES),
    times=st.lists(MAYBE_TIME, min_size=3, max_size=3),
    pauses=st.lists(st.tuples(st.integers(T0, T0 + 10_000), MAYBE_TIME), max_size=2),
    size=st.one_of(st.none(), st.integers(-5, 10**9)),
    reason=st.sampled_from(["API_CALL", "INTERNAL_ERROR"]),
)
def test_problem_accepts_exactly_the_possible_lives(
    status: str, times: list[int | None], pauses: list[tuple[int, int | None]], size: int | None,
    reason: str,
) -> None:  # fmt: skip
    started, stopped, uploaded = times
    rec = Recording(id="r", session_id="s", index=0, status=status, invoked=T0, started=started,
                    stopped=stopped, uploaded=uploaded, size=size, stop_reason=reason,
                    pauses=tuple(pauses))  # fmt: skip
    flat = [t for p in pauses for t in p if t is not None]
    known = [t for t in (T0, started, *flat, stopped, uploaded) if t is not None]
    opened = [r is None for _, r in pauses]
    possible = (
        known == sorted(known)
        and (started is None) == (status == "INVOKED")
        and (not pauses or started is not None)
        and not any(opened[:-1])
        and (bool(opened) and opened[-1]) == (status == "PAUSED")
        and (stopped is None) == (status in ("INVOKED", "RECORDING", "PAUSED"))
        and (uploaded is not None) == (status == "UPLOADED")
        and ((size or 0) > 0 if status == "UPLOADED" else size is None)
        and (status != "ERRORED" or reason == "INTERNAL_ERROR")
    )
    assert (lifecycle.problem(rec) is None) == possible


@st.composite
def lives(draw: st.DrawFn) -> Recording:
    """Any possible life: drawn step by step, each step after the one before."""
    ends = draw(st.sampled_from(STATUSES))
    step = st.integers(0, 3_000)
    started = T0 + draw(step) if ends != "INVOKED" else None
    pauses: list[tuple[int, int | None]] = []
    cursor = started
    if started is not None:
        for _ in range(draw(st.integers(0, 2))):
            paused = cursor + draw(step)  # type: ignore[operator]
            cursor = paused + draw(step)
            pauses.append((paused, cursor))
    if ends == "PAUSED":
        pauses.append(((cursor or T0) + draw(step), None))
    stops = ends in ("UPLOADING", "UPLOADED", "ERRORED")
    stopped = (cursor or T0) + draw(step) if stops else None
    uploaded = stopped + draw(step) if ends == "UPLOADED" and stopped is not None else None
    rec = Recording(id="r", session_id="s", index=0, status=ends, invoked=T0, started=started,
                    stopped=stopped, uploaded=uploaded,
                    size=1000 if ends == "UPLOADED" else None,
                    stop_reason="INTERNAL_ERROR" if ends == "ERRORED" else "API_CALL",
                    pauses=tuple(pauses))  # fmt: skip
    assert lifecycle.problem(rec) is None
    return rec


@given(lives(), st.lists(st.integers(-100, 15_000), min_size=1, max_size=20))
def test_a_status_never_moves_back_and_shows_only_what_happened(
    rec: Recording, offsets: list[int]
) -> None:
    last = -1
    for now in sorted(T0 + o for o in offsets):
        shown = lifecycle.state_at(rec, now)
        status = shown.status if shown else None
        assert RANK[status] >= last
        last = RANK[status]
        if shown is None:
            assert now < rec.invoked
            continue
        assert (shown.started is not None) == (rec.started is not None and now >= rec.started)
        assert (shown.stopped is not None) == (rec.stopped is not None and now >= rec.stopped)
        assert (shown.size is not None) == (shown.status == "UPLOADED")
        paused = any(p <= now and (r is None or now < r) for p, r in rec.pauses)
        assert (shown.status == "PAUSED") == (paused and shown.stopped is None)
    assert lifecycle.state_at(rec, lifecycle.settled(rec)) == rec


@given(lives(), st.integers(0, 15_000), st.integers(0, 15_000))
def test_two_moves_cross_what_one_move_crosses(rec: Recording, a: int, b: int) -> None:
    low, high = sorted((a, b))
    once = lifecycle.crossed(rec, T0 - 1, T0 + high)
    assert once == lifecycle.crossed(rec, T0 - 1, T0 + low) + lifecycle.crossed(
        rec, T0 + low, T0 + high
    )
    assert [t.at for t in once] == sorted(t.at for t in once)


def test_a_world_recording_live_at_the_anchor_stops_and_uploads_as_the_clock_moves() -> None:
    """The open world follows its clock: laid out once, shown at each instant."""
    world = World(seed=11, now=T0)
    live = None
    for i in range(400):
        session = world.session(f"6f1c2a9e-3b4d-4c5e-8f60-{i:012d}")
        assert session is not None
        live = next((r for r in session.recordings if r.status == "RECORDING"), live)
        if live:
            break
    assert live is not None, "no live recording in 400 sessions"
    later = world.at(T0 + 86_400).recording(live.id)
    assert later is not None and later.status in ("UPLOADED", "ERRORED")
    assert later.started == live.started and later.stopped is not None
    assert world.recording(live.id) == live  # the anchor's world is unchanged
