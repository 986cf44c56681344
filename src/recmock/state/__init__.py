"""Everything mutable while serving, behind one interface (`State`) with three backends:
in-process (`memory`), SQLite shared by the workers of one machine (`local`), Redis shared by
replicas on several machines (`redis://HOST:PORT/DB`)."""

from __future__ import annotations

from pathlib import Path

from recmock.errors import ConfigError
from recmock.state.interface import DEFAULT_SESSION, State, redact_url, session_problem
from recmock.state.memory import MemoryState

__all__ = ["DEFAULT_SESSION", "MemoryState", "State", "open_state", "session_problem"]


def open_state(url: str) -> State:
    """The backend `url` names: `memory`, `sqlite:DIRECTORY`, or `redis://HOST:PORT/DB`."""
    if url in ("", "memory"):
        return MemoryState()
    if url.startswith("sqlite:"):
        from recmock.state.local import LocalState

        return LocalState(Path(url.removeprefix("sqlite:")))
    if url.startswith(("redis://", "rediss://", "unix://")):
        from recmock.state.redis import RedisState

        return RedisState(url)
    raise ConfigError(
        "--state: expected memory, local, sqlite:DIRECTORY or redis://HOST:PORT/DB, "
        f"got {redact_url(url)!r}"
    )
