"""The in-process state: one worker, nothing to share, every operation a dict lookup."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

import orjson

from recmock.state.interface import (
    DEFAULT_SESSION,
    JOURNAL_SIZE,
    LOG_SIZE,
    MAX_SESSIONS,
    JournalEntry,
)


@dataclass
class _Session:
    values: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    journal: deque[JournalEntry] = field(default_factory=lambda: deque(maxlen=JOURNAL_SIZE))


class MemoryState:
    """`State` in this process's memory; sessions beyond `max_sessions` are evicted LRU."""

    lag = 0.0
    log_size = LOG_SIZE

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._version = 0
        self._logs: dict[str, deque[tuple[int, bytes]]] = {}  # kept as JSON, as the stores do
        self._log_ends: dict[str, int] = {}

    def _session(self, name: str) -> _Session:
        found = self._sessions.get(name)
        if found is None:
            found = self._sessions[name] = _Session()
            while len(self._sessions) > self.max_sessions:
                oldest = next(n for n in self._sessions if n != DEFAULT_SESSION)
                del self._sessions[oldest]
        elif name != DEFAULT_SESSION:
            self._sessions.move_to_end(name)
        return found

    def version(self) -> int:
        return self._version

    def get(self, session: str, key: str) -> Any:
        found = self._sessions.get(session)
        return None if found is None else found.values.get(key)

    def put(self, session: str, key: str, value: Any) -> None:
        self._session(session).values[key] = value
        self._version += 1

    def count(self, session: str, key: str) -> int:
        counters = self._session(session).counters
        position = counters.get(key, 0)
        counters[key] = position + 1
        return position

    def append(self, name: str, item: Any) -> int:
        position = self._log_ends.get(name, 0) + 1
        self._log_ends[name] = position
        kept = self._logs.setdefault(name, deque(maxlen=self.log_size))
        kept.append((position, orjson.dumps(item)))
        return position

    def log(self, name: str, after: int = 0) -> list[tuple[int, Any]]:
        newer = []
        for position, raw in reversed(self._logs.get(name, ())):
            if position <= after:
                break
            newer.append((position, orjson.loads(raw)))
        return newer[::-1]

    def record(self, session: str, entry: JournalEntry) -> None:
        self._session(session).journal.append(entry)

    def journal(self, session: str) -> list[JournalEntry]:
        found = self._sessions.get(session)
        return [] if found is None else list(found.journal)

    def clear_journal(self, session: str) -> None:
        found = self._sessions.get(session)
        if found is not None:
            found.journal.clear()

    def reset(self, session: str) -> None:
        self._sessions.pop(session, None)
        self._version += 1

    def sessions(self) -> list[str]:
        return list(self._sessions)

    def close(self) -> None:
        pass
