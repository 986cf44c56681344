"""The one interface behind which everything mutable while serving lives.

Handlers and the ASGI edge keep no mutable state of their own: the active scenario, the seeded
failure counters and the journal of every session are here, so that every worker of
`--workers N` and every replica behind a load balancer serves from the same state. Only derived,
deterministic data (worlds, the reply cache) stays per process; the reply cache is dropped
whenever `version()` changes.

The world clock is a per-session value (`put(session, "clock", {...})`), as are webhook
targets; "only one process sends this event" is a claim on a counter (`count(...) == 0`). Shared
logs (`append`/`log`) are the one thing outside sessions: the webhook delivery log of every
worker and replica, bounded to LOG_SIZE entries each and never reset with a session.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

DEFAULT_SESSION = "default"
SESSION_HEADER = "x-recmock-session"
SESSION_QUERY = "__session"
SESSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_SESSIONS = 256  # least recently used sessions beyond this are forgotten
JOURNAL_SIZE = 500  # entries kept per session
LOG_SIZE = 10_000  # entries kept per shared log (the oldest dropped first)
ACTIVE = "scenario"  # the value holding a session's active scenario

# (time, method, path, query, status, operation or None, scenario, problems, cached)
JournalEntry = tuple[float, str, str, str, int, "str | None", str, str, bool]


def session_problem(name: str) -> str | None:
    """Why `name` cannot name a session (None when it can): a bounded, printable token."""
    if SESSION_NAME.fullmatch(name):
        return None
    return f"expected 1-64 letters, digits, '.', '_' or '-' (starting alphanumeric), got {name!r}"


class StateUnavailable(Exception):
    """The shared store (SQLite file, Redis) failed: the request gets a 503, not a 500."""


def redact_url(url: str) -> str:
    """A state URL as it may appear in a message: any password replaced."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


class State(Protocol):
    """Per-session values, failure counters and journal, plus a version for cache invalidation.

    `lag` is the longest time (seconds) until a change made in one process is seen by every
    other one: 0 in-process; the admin API waits it out, so its answer means "visible everywhere".
    """

    lag: float

    def version(self) -> int:
        """A number that changes after every change that can alter a reply (checked per request,
        so it must cost next to nothing)."""
        ...

    def get(self, session: str, key: str) -> Any:
        """A session's JSON value under `key` (the active scenario, later its clock), or None."""
        ...

    def put(self, session: str, key: str, value: Any) -> None:
        """Set a session's value and change the version."""
        ...

    def count(self, session: str, key: str) -> int:
        """The next position (0, 1, 2, ...) of a seeded sequence, atomic across processes."""
        ...

    def append(self, name: str, item: Any) -> int:
        """Append a JSON `item` to the shared log `name` (of no session: one for every process)
        and return its position: 1, 2, ... in the order of appending, never reused, so it can be
        an id. The newest LOG_SIZE entries are kept. Written at once (no `lag`)."""
        ...

    def log(self, name: str, after: int = 0) -> list[tuple[int, Any]]:
        """The kept entries of the shared log `name` after position `after`, oldest first."""
        ...

    def record(self, session: str, entry: JournalEntry) -> None:
        """Append to a session's journal (bounded to JOURNAL_SIZE; may be buffered up to `lag`)."""
        ...

    def journal(self, session: str) -> list[JournalEntry]:
        """A session's kept journal entries, oldest first."""
        ...

    def clear_journal(self, session: str) -> None:
        """Forget a session's journal."""
        ...

    def reset(self, session: str) -> None:
        """Forget a session's values, counters and journal; change the version."""
        ...

    def sessions(self) -> list[str]:
        """Every session currently kept, most recently used last."""
        ...

    def close(self) -> None:
        """Flush what is buffered and release connections."""
        ...
