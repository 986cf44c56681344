"""The Hypothesis strategies the test suite shares: seeds, ids, world shapes, paging inputs."""

from __future__ import annotations

import base64
import string

from hypothesis import strategies as st

from recmock.world import DEFAULT_NOW, MAX_RECORDINGS_PER_SESSION, WorldShape

seeds = st.integers(0, 2**32 - 1)
# A few seeds are enough where each example pays for a world's Faker pools (~40 ms a seed).
few_seeds = st.integers(0, 7)
uuids = st.uuids().map(str)
zoom_ids = st.uuids().map(lambda u: base64.b64encode(u.bytes).decode())
# Anything a client may put in a path segment; the world hashes it into a session.
any_ids = st.text(min_size=1, max_size=40)
indexes = st.integers(0, MAX_RECORDINGS_PER_SESSION - 1)
nows = st.integers(DEFAULT_NOW - 5 * 365 * 86400, DEFAULT_NOW + 5 * 365 * 86400)

room_ids = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=16)
room_id_lists = st.lists(room_ids, min_size=1, max_size=4)


@st.composite
def shapes(draw: st.DrawFn, *, max_recordings: int = MAX_RECORDINGS_PER_SESSION) -> WorldShape:
    """Any valid world shape, busy or quiet, including sessions with no recordings."""
    low = draw(st.integers(0, max_recordings))
    high = draw(st.integers(low, max_recordings))
    s_low = draw(st.integers(0, 6))
    s_high = draw(st.integers(s_low, 12))
    return WorldShape(
        sessions_per_room=(s_low, s_high),
        recordings_per_session=(low, high),
        live_fraction=draw(st.sampled_from([0.0, 0.08, 0.5, 1.0])),
        error_fraction=draw(st.sampled_from([0.0, 0.05, 0.5, 1.0])),
        history_days=draw(st.integers(1, 400)),
    )


# SignalWire: page_size is 1..1000; small sizes make many pages, so weight them.
page_sizes = st.one_of(st.integers(1, 8), st.integers(1, 1000))

# plugNmeet's body: null/absent mean the default, limits <= 0 mean 20, above 100 clamp.
plugnmeet_froms = st.one_of(st.none(), st.integers(0, 60))
plugnmeet_limits = st.one_of(st.none(), st.integers(-3, 7), st.integers(-3, 150))
plugnmeet_orders = st.sampled_from([None, "ASC", "DESC"])
