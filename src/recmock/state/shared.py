"""What the shared backends (SQLite for one machine, Redis for several) have in common.

A request must not wait for a store on its hot path. So journal entries go to a local buffer
that a background thread writes out every `INTERVAL` seconds in one batch (one transaction or
one pipelined round trip), and values are remembered per `version()`, which every writer
changes, so a remembered value is dropped as soon as anyone changes anything. Failure counters
are the one synchronous write: only requests hitting a failure override pay it, and those
replies are never cached anyway.
"""

from __future__ import annotations

import functools
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from recmock.state.interface import LOG_SIZE, MAX_SESSIONS, JournalEntry, StateUnavailable

INTERVAL = 0.005  # seconds between background flushes (and, for Redis, version polls)
log = logging.getLogger("recmock.state")
Method = TypeVar("Method", bound=Callable[..., Any])


def store_call(method: Method) -> Method:
    """Turn the store's own errors (`errors` of the backend) into StateUnavailable."""

    @functools.wraps(method)
    def call(self: SharedState, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except self.errors as exc:
            raise StateUnavailable(f"state store {self.name} unavailable: {exc}") from None

    return call  # type: ignore[return-value]


class SharedState(ABC):
    """The buffering and remembering half of a shared `State`; subclasses talk to the store."""

    lag = 4 * INTERVAL + 0.01  # a change is everywhere within a few ticks, scheduling included
    errors: tuple[type[BaseException], ...] = ()  # what the store raises when it fails
    name = "store"  # for messages (never with a password)
    log_size = LOG_SIZE  # entries kept per shared log (tests lower it)

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self.max_sessions = max_sessions
        self._buffer: list[tuple[str, JournalEntry]] = []
        self._values: dict[tuple[str, str], Any] = {}
        self._values_version = -1
        self._lock = threading.Lock()  # one store connection, used by requests and the thread
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    # ---- the store, implemented by each backend ----------------------------------------------

    @abstractmethod
    def version(self) -> int: ...

    @abstractmethod
    def _read(self, session: str, key: str) -> Any: ...

    @abstractmethod
    def _write(self, session: str, key: str, value: Any) -> None: ...

    @abstractmethod
    def append(self, name: str, item: Any) -> int: ...

    @abstractmethod
    def log(self, name: str, after: int = 0) -> list[tuple[int, Any]]: ...

    @abstractmethod
    def _append(self, batch: list[tuple[str, JournalEntry]]) -> None:
        """Store a batch of journal entries (trimming and evicting as needed)."""

    def _poll(self) -> None:
        """Called every tick: refresh what must be refreshed (Redis: the version)."""
        return None

    # ---- State methods built on the store ----------------------------------------------------

    @store_call
    def get(self, session: str, key: str) -> Any:
        version = self.version()
        if version != self._values_version:
            self._values, self._values_version = {}, version
        where = (session, key)
        if where not in self._values:
            with self._lock:
                self._values[where] = self._read(session, key)
        return self._values[where]

    @store_call
    def put(self, session: str, key: str, value: Any) -> None:
        with self._lock:
            self._write(session, key, value)

    def record(self, session: str, entry: JournalEntry) -> None:
        self._buffer.append((session, entry))
        if self._thread is None:
            self._start()

    def flush(self) -> None:
        """Write out this process's buffered journal entries now."""
        batch, self._buffer = self._buffer, []  # appends racing this land in one list or the other
        if not batch:
            return
        try:
            with self._lock:
                self._append(batch)
            self._failing = False
        except Exception as exc:  # a store outage must not kill the thread or the server
            if not self._failing:
                log.error("recmock: state store unavailable, journal entries lost: %s", exc)
            self._failing = True

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        self.flush()

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="recmock-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            self.flush()
            try:
                self._poll()
            except Exception as exc:
                if not self._failing:
                    log.error("recmock: state store unavailable: %s", exc)
                self._failing = True
